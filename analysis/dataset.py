"""Dataset checks: class imbalance, unscaled features, missing values, constant features, leakage.

Entry points
------------
- :func:`check_dataset` ``(path, label, config)``: a CSV with a label column, or
  an ``.npz`` with ``x_train``, ``y_train`` and optionally ``x_val``, ``y_val``
  (``analyze --data PATH --label COLUMN``).
- :func:`check_frame` ``(df, label)`` and :func:`check_arrays` ``(x_train,
  y_train, x_val, y_val)``: the same checks on data already in memory (the GUI's
  dataset panel and the retrain dialog).
- :func:`load_dataset` and :func:`class_info`: the class count and majority
  rate, handed to the curve detectors (:func:`analysis.detectors.with_class_info`)
  so "frozen at 0.92" can be matched with "the majority class is 92 %".

Finding kinds (``run`` is empty, ``metric`` the column when one column is at
fault, ``start``/``end`` None): ``class_imbalance``, ``unscaled_features``,
``missing_values``, ``constant_features``, ``train_val_overlap``,
``label_not_categorical`` (the label column looks like a regression target;
:func:`label_looks_continuous` is the pure test, reused by the retrain spec
checks).
Thresholds: :class:`analysis.detectors.config.DatasetConfig` (sources there).

Nothing is written anywhere; files are only read. Errors are
:class:`~analysis.model.LogReadError` with a one-line message naming the file.
"""

from __future__ import annotations

import csv
import os
import zipfile
from dataclasses import dataclass

import numpy as np

from analysis.detectors.config import DatasetConfig, DetectorConfig
from analysis.model import Finding, LogReadError

_REGRESSION_UNIQUE = (
    20  # a float label with more distinct non-integer values is a regression target
)

#: Columns listed in full in a "no such label column" error; beyond: "... and N more"
#: (``retrain`` uses this message too, so both commands word it alike).
MAX_LISTED_COLUMNS = 50


def closest_name(name: str, options: list[str]) -> str | None:
    """The option a user most likely meant by ``name``, or None.

    The same name up to case and surrounding spaces first (``Target`` ->
    ``target``), else the closest by :func:`difflib.get_close_matches` (its default
    cutoff, ratio >= 0.6), compared case-insensitively. The rule of
    :mod:`retrain.data`'s label check, so ``analyze`` and ``retrain`` suggest the same.
    """
    import difflib

    key = name.strip().casefold()
    for o in options:
        if o.strip().casefold() == key:
            return o
    folded = {o.strip().casefold(): o for o in options}
    close = difflib.get_close_matches(key, list(folded), n=1)
    return folded[close[0]] if close else None


def no_column_message(label: str, columns: list[str]) -> str:
    """One line for a label column that does not exist, in :mod:`retrain.data`'s wording.

    ``no column 'Target'; did you mean 'target'? (31 columns: a, b, ...)``: every
    column up to :data:`MAX_LISTED_COLUMNS`, then ``... and N more``; the hint
    comes from :func:`closest_name` and is left out when nothing is close.
    """
    columns = [str(c) for c in columns]
    hint = closest_name(label, columns)
    shown = columns[:MAX_LISTED_COLUMNS]
    more = len(columns) - len(shown)
    listing = ", ".join(shown) + (f", ... and {more} more" if more else "")
    return (
        f"no column {label!r}"
        + (f"; did you mean {hint!r}?" if hint else "")
        + f" ({len(columns)} columns: {listing})"
    )


@dataclass(eq=False)
class Dataset:
    """A dataset as the checks see it.

    Attributes
    ----------
    source : str
        Path it was read from (empty for in-memory data).
    x_train : pandas.DataFrame or ndarray, shape (n, ...)
        Features (a DataFrame keeps column names and text columns).
    y_train : ndarray, shape (n,)
    x_val, y_val : same, optional
        A validation split when the file has one (``.npz``).
    feature_names : list of str
    label : str or None
    """

    source: str
    x_train: object
    y_train: np.ndarray
    x_val: object | None = None
    y_val: np.ndarray | None = None
    feature_names: list[str] | None = None
    label: str | None = None


# -- reading ------------------------------------------------------------------------


def _read_csv(path: str):
    import pandas as pd

    try:
        with open(path, "rb") as fh:
            head = fh.read(65536)
    except OSError as exc:
        raise LogReadError(path, exc.strerror or str(exc)) from None
    # a BOM names the encoding (Excel's "Unicode text" and PowerShell write UTF-16)
    enc = "utf-16" if head[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-8-sig"
    if enc == "utf-8-sig" and b"\x00" in head:
        raise LogReadError(path, "binary content (NUL bytes), not a CSV text file")
    text = head.decode(enc, errors="replace")
    try:
        sep = csv.Sniffer().sniff(text.split("\n", 20)[0] if text else ",", ",;\t|").delimiter
    except csv.Error:
        sep = ","
    try:
        return pd.read_csv(path, sep=sep, skipinitialspace=True, encoding=enc)
    except (ValueError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        msg = " ".join(str(exc).split())
        raise LogReadError(path, f"not a readable CSV ({msg})") from None


def load_dataset(path: str | os.PathLike, label: str | None = None) -> Dataset:
    """Read a dataset for the checks.

    Parameters
    ----------
    path : str or path-like
        ``.npz`` with ``x_train``/``y_train`` (and optionally ``x_val``/``y_val``),
        or a CSV (any of ``,;\\t|`` as separator) with a header row.
    label : str, optional
        Label column of a CSV (required for CSV; ignored for ``.npz``).

    Raises
    ------
    LogReadError
        Missing file, unreadable content, missing arrays or label column; the
        message is one line naming the file.
    """
    path = os.fspath(path)
    if not os.path.exists(path):
        raise LogReadError(path, "no such file")
    if path.lower().endswith(".npz"):
        try:
            with np.load(path, allow_pickle=False) as z:
                keys = set(z.files)
                missing = {"x_train", "y_train"} - keys
                if missing:
                    raise LogReadError(
                        path,
                        f"missing array(s) {', '.join(sorted(missing))} "
                        f"(has: {', '.join(sorted(keys)) or 'none'})",
                    )
                arrs = {k: z[k] for k in ("x_train", "y_train", "x_val", "y_val") if k in keys}
        except LogReadError:
            raise
        except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
            raise LogReadError(
                path, f"not a readable .npz ({' '.join(str(exc).split())})"
            ) from None
        xt, yt = arrs["x_train"], _npz_labels(path, "y_train", arrs["y_train"])
        if len(xt) != len(yt):
            raise LogReadError(path, f"x_train has {len(xt)} rows but y_train {len(yt)}")
        xv, yv = arrs.get("x_val"), arrs.get("y_val")
        if (xv is None) != (yv is None):
            raise LogReadError(path, "x_val and y_val must come together")
        if yv is not None:
            yv = _npz_labels(path, "y_val", yv)
            if len(xv) != len(yv):
                raise LogReadError(path, f"x_val has {len(xv)} rows but y_val {len(yv)}")
        return Dataset(path, xt, yt, xv, yv, None, None)
    if not label:
        raise LogReadError(path, "a CSV dataset needs --label COLUMN")
    df = _read_csv(path)
    if label not in df.columns:
        raise LogReadError(path, no_column_message(label, list(df.columns)))
    if len(df) == 0:
        raise LogReadError(path, "no data rows after the header")
    y = df[label].to_numpy()
    x = df.drop(columns=[label])
    return Dataset(path, x, y, None, None, [str(c) for c in x.columns], label)


# -- helpers ------------------------------------------------------------------------


def _npz_labels(path: str, key: str, y: np.ndarray) -> np.ndarray:
    """Labels of an ``.npz`` as one value per row: one-hot rows (``to_categorical``,
    shape ``(n, K)``) become class indices, a ``(n, 1)`` column is flattened."""
    if y.ndim == 2 and y.shape[1] > 1:
        if not (np.isin(y, (0, 1)).all() and (y.sum(axis=1) == 1).all()):
            raise LogReadError(path, f"{key} has shape {y.shape} but its rows are not one-hot")
        return y.argmax(axis=1)
    if y.ndim > 2 or (y.ndim == 2 and y.shape[1] != 1):
        raise LogReadError(path, f"{key} has shape {y.shape}: expected one label per row")
    return np.ravel(y)


def _as_2d(x) -> tuple[np.ndarray, list[str], list[str]]:
    """(numeric 2-D float array, numeric column names, non-numeric column names)."""
    import pandas as pd

    if isinstance(x, pd.DataFrame):
        num = x.select_dtypes(include=[np.number, "bool"])
        other = [str(c) for c in x.columns if c not in num.columns]
        return num.to_numpy(dtype=np.float64), [str(c) for c in num.columns], other
    a = np.asarray(x)
    if a.ndim == 1:
        a = a[:, None]
    a = a.reshape(len(a), -1)
    if not np.issubdtype(a.dtype, np.number) and a.dtype != bool:
        try:
            a = a.astype(np.float64)
        except (TypeError, ValueError):
            return np.zeros((len(a), 0)), [], [f"x[{i}]" for i in range(a.shape[1])]
    names = [f"x[{i}]" for i in range(a.shape[1])]
    return a.astype(np.float64, copy=False), names, []


def _sample_rows(a: np.ndarray, max_rows: int) -> np.ndarray:
    if len(a) <= max_rows:
        return a
    idx = np.linspace(0, len(a) - 1, max_rows).astype(np.int64)
    return a[idx]


def label_looks_continuous(y) -> tuple[bool, str]:
    """Whether a label column looks like a regression target rather than classes.

    Parameters
    ----------
    y : array-like, shape (n,) or (n, K)
        The label column as read (numbers, text, or one-hot rows). NaN/missing
        labels are ignored.

    Returns
    -------
    (bool, str)
        True with the reason in words when the values look continuous:

        - floats that are not whole numbers, with more than 20 distinct values
          (scikit-learn's ``type_of_target`` calls any non-integer float target
          ``"continuous"``; the 20 keeps a few odd class codes stored as floats
          from being condemned). Breast cancer's ``mean_radius``: 456 distinct
          values such as 17.99;
        - or whole numbers with more than 50 distinct values that make up more
          than 5 % of the rows (scikit-learn's diabetes target: 214 distinct
          integers in 442 rows).

        False with a short description otherwise (``"2 distinct values"``,
        ``"one-hot rows"``, ``"text labels"``). Pure function: no I/O, no
        logging; safe to call from any process.
    """
    a = np.asarray(y)
    if a.ndim == 2 and a.shape[1] > 1:
        return False, "one-hot rows"
    a = np.ravel(a)
    if a.dtype.kind not in "fiu":
        if a.dtype.kind == "b":
            return False, "boolean labels"
        if a.dtype.kind == "O":  # numbers stored as objects (pandas with missing values)
            try:
                a = a.astype(np.float64)
            except (TypeError, ValueError):
                return False, "text labels"
        else:
            return False, "text labels"
    af = a[np.isfinite(a)] if a.dtype.kind == "f" else a
    if len(af) == 0:
        return False, "no labels"
    uniq = np.unique(af)
    n_unique = len(uniq)
    if a.dtype.kind == "f" and np.any(af != np.round(af)) and n_unique > _REGRESSION_UNIQUE:
        frac = uniq[uniq != np.round(uniq)]
        ex = ", ".join(_fmt(float(v)) for v in frac[:3])
        return True, (
            f"{n_unique} distinct values among {len(af)} rows, not whole numbers "
            f"(e.g. {ex}; range {_fmt(float(uniq[0]))}-{_fmt(float(uniq[-1]))})"
        )
    if n_unique > 50 and n_unique > 0.05 * len(af):
        return True, (
            f"{n_unique} distinct numbers among {len(af)} rows "
            f"(range {_fmt(float(uniq[0]))}-{_fmt(float(uniq[-1]))})"
        )
    return False, f"{n_unique} distinct value{'s' if n_unique != 1 else ''}"


def _is_regression(y: np.ndarray) -> bool:
    """A continuous target (see :func:`label_looks_continuous`)."""
    return label_looks_continuous(y)[0]


def _categorical_columns(x, limit: int = 20) -> list[str]:
    """Columns of a DataFrame that look like class labels (2-``limit`` whole-number or text values)."""
    import pandas as pd

    if not isinstance(x, pd.DataFrame):
        return []
    out = []
    for c in x.columns:
        col = x[c].dropna()
        n = col.nunique()
        if not 2 <= n <= limit:
            continue
        if (
            col.dtype.kind in "iub"
            or col.dtype.kind == "O"
            or (col.dtype.kind == "f" and bool((col == col.round()).all()))
        ):
            out.append(str(c))
    return out


def _labels(y: np.ndarray) -> np.ndarray:
    """Class labels as a 1-D array (one-hot rows become their argmax), missing ones dropped."""
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] > 1:
        return np.argmax(y, axis=1)
    y = np.ravel(y)
    if y.dtype.kind == "f":
        return y[np.isfinite(y)]
    if y.dtype.kind == "O":
        import pandas as pd

        return y[pd.notna(y)]
    return y


def class_info(y: np.ndarray) -> tuple[int | None, float | None]:
    """Number of classes and share of the most frequent one, or (None, None) for a regression target."""
    y = np.asarray(y)
    if _is_regression(y):
        return None, None
    lab = _labels(y)
    if len(lab) == 0:
        return None, None
    _, counts = np.unique(lab.astype(str) if lab.dtype.kind == "O" else lab, return_counts=True)
    return int(len(counts)), float(counts.max() / counts.sum())


def _fmt(v: float) -> str:
    a = abs(v)
    if a != 0 and (a < 1e-3 or a >= 1e5):
        return f"{v:.3g}"
    return f"{v:.4g}"


def _finding(
    kind: str,
    severity: str,
    message: str,
    evidence: dict,
    causes=(),
    remedies=(),
    metric: str | None = None,
    confidence: float = 1.0,
) -> Finding:
    return Finding(
        kind=kind,
        severity=severity,
        run="",
        metric=metric,
        start=None,
        end=None,
        message=message,
        evidence=evidence,
        causes=tuple(causes),
        remedies=tuple(remedies),
        confidence=confidence,
    )


# -- the checks -----------------------------------------------------------------------


def _check_labels(
    y: np.ndarray, cfg: DatasetConfig, numeric_only: bool, split: str
) -> list[Finding]:
    y = np.asarray(y)
    if _is_regression(y):
        return []
    lab = _labels(y)
    if len(lab) == 0:
        return []
    keys, counts = np.unique(lab.astype(str) if lab.dtype.kind == "O" else lab, return_counts=True)
    K = len(counts)
    n = int(counts.sum())
    shares = {str(k): round(float(c) / n, 4) for k, c in zip(keys, counts, strict=True)}
    ev = {
        "split": split,
        "n": n,
        "n_classes": int(K),
        "counts": {str(k): int(c) for k, c in zip(keys, counts, strict=True)},
        "shares": shares,
    }
    if K == 1:
        return [
            _finding(
                "class_imbalance",
                "critical",
                f"{split}: only one class ({keys[0]!s}, {n} rows): a classifier cannot learn "
                "anything from it",
                ev,
                ["the label column is wrong or the data was filtered to one class"],
                (),
            )
        ]
    i_min, i_max = int(np.argmin(counts)), int(np.argmax(counts))
    n_min, n_max = int(counts[i_min]), int(counts[i_max])
    rel = n_min / n * K  # minority share relative to a balanced share
    ratio = n_max / n_min
    ev.update(
        {
            "minority": str(keys[i_min]),
            "majority": str(keys[i_max]),
            "imbalance_ratio": round(ratio, 2),
            "minority_vs_balanced": round(rel, 4),
            "majority_rate": round(n_max / n, 4),
        }
    )
    if rel >= cfg.mild_minority:
        return []
    level = (
        "extreme"
        if rel < cfg.extreme_minority
        else "moderate"
        if rel < cfg.moderate_minority
        else "mild"
    )
    sev = {"extreme": "critical", "moderate": "warning", "mild": "info"}[level]
    share_txt = ", ".join(
        f"{k}: {c} ({c / n * 100:.1f}%)"
        for k, c in sorted(ev["counts"].items(), key=lambda kv: -kv[1])[:8]
    )
    msg = (
        f"{split}: {level} class imbalance, {share_txt}; the majority class is {ratio:.1f}x the "
        f"minority, so always predicting '{keys[i_max]!s}' already scores accuracy "
        f"{n_max / n:.3f}"
    )
    remedies = ["class_weight", "random_oversample"]
    notes = []
    k = cfg.smote_k
    if numeric_only and n_min >= 2:
        remedies.append("smote")
        if n_min < k + 1:
            notes.append(
                f"SMOTE's default k_neighbors={k} needs {k + 1} minority samples but "
                f"there are {n_min}: use k_neighbors={n_min - 1}, or RandomOverSampler"
            )
            ev["smote_k_neighbors"] = n_min - 1
    elif not numeric_only:
        notes.append(
            "some features are text: SMOTE needs numbers (use SMOTENC with the "
            "categorical columns, encode them first, or RandomOverSampler)"
        )
    else:
        notes.append(
            f"only {n_min} sample(s) of '{keys[i_min]!s}': SMOTE cannot interpolate; "
            "use RandomOverSampler or class weights"
        )
    if n_min >= 100:
        remedies.append("random_undersample")
    if notes:
        msg += "; " + "; ".join(notes)
    msg += ". Judge the model by balanced accuracy or per-class recall, not accuracy."
    causes = ["the data collection or the problem itself is imbalanced"]
    return [_finding("class_imbalance", sev, msg, ev, causes, remedies, confidence=1.0)]


def _check_features(
    x2: np.ndarray,
    names: list[str],
    other: list[str],
    n_rows: int,
    cfg: DatasetConfig,
    split: str,
    missing_all: np.ndarray | None,
) -> list[Finding]:
    out: list[Finding] = []
    # missing values (counted on every row)
    if missing_all is not None and missing_all.any():
        cols = np.flatnonzero(missing_all)
        per = {names[i] if i < len(names) else str(i): int(missing_all[i]) for i in cols[:20]}
        total = int(missing_all.sum())
        worst = max(per.items(), key=lambda kv: kv[1])
        msg = (
            f"{split}: {total} missing value(s) in {len(cols)} feature(s) (worst: {worst[0]}, "
            f"{worst[1]} of {n_rows} rows); a single NaN input makes a Keras loss NaN — impute "
            "(e.g. sklearn SimpleImputer) or drop those rows before training"
        )
        out.append(
            _finding(
                "missing_values",
                "critical",
                msg,
                {"split": split, "missing": per, "rows": n_rows, "total": total},
                ["gaps in the source data", "a failed join or parse (text in a numeric column)"],
                (),
                metric=worst[0],
            )
        )
    if x2.shape[1] == 0:
        return out
    xs = _sample_rows(x2, cfg.max_rows)
    import warnings

    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns: reported below
        lo = np.nanmin(xs, axis=0) if len(xs) else np.zeros(xs.shape[1])
        hi = np.nanmax(xs, axis=0) if len(xs) else np.zeros(xs.shape[1])
    const = np.flatnonzero(~(hi > lo))  # also all-NaN columns
    if len(const):
        cn = [names[i] for i in const]
        share = len(const) / x2.shape[1]
        msg = (
            f"{split}: {len(const)} of {x2.shape[1]} feature(s) never change "
            f"({', '.join(cn[:8])}{'…' if len(cn) > 8 else ''}): they carry no information; "
            "drop them"
        )
        out.append(
            _finding(
                "constant_features",
                "warning" if share >= 0.5 else "info",
                msg,
                {
                    "split": split,
                    "constant": cn[:50],
                    "count": int(len(const)),
                    "of": int(x2.shape[1]),
                },
                ["a column filled with one value (ID prefix, unused sensor, border pixels)"],
                (),
                metric=cn[0] if len(cn) == 1 else None,
            )
        )
    varying = np.flatnonzero(hi > lo)
    if len(varying):
        sub = xs[:, varying]
        with np.errstate(invalid="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            mag = np.nanpercentile(np.abs(sub), 99, axis=0)
            std = np.nanstd(sub, axis=0)
            mean = np.nanmean(sub, axis=0)
        mag = np.where(np.isfinite(mag), mag, 0.0)
        pos = mag > 0
        ratio = float(mag[pos].max() / mag[pos].min()) if pos.sum() >= 2 else 1.0
        big = float(mag.max()) if len(mag) else 0.0
        i_big = int(np.argmax(mag))
        i_small = int(np.flatnonzero(pos)[np.argmin(mag[pos])]) if pos.any() else i_big
        if ratio >= cfg.scale_ratio or big >= cfg.large_magnitude:
            vn = [names[i] for i in varying]
            top = np.argsort(-mag)[:5]
            scales = {
                vn[i]: {"p99_abs": float(mag[i]), "mean": float(mean[i]), "std": float(std[i])}
                for i in top
            }
            parts = []
            if ratio >= cfg.scale_ratio:
                parts.append(
                    f"feature magnitudes are {ratio:.3g}x apart ({vn[i_big]} ~{_fmt(mag[i_big])} "
                    f"vs {vn[i_small]} ~{_fmt(mag[i_small])})"
                )
            if big >= cfg.large_magnitude:
                parts.append(
                    f"{vn[i_big]} reaches {_fmt(big)}"
                    + (" (raw pixel values? divide by 255)" if 200 <= big <= 255.5 else "")
                )
            sev = "critical" if ratio >= 1e4 or big >= 1e4 else "warning"
            msg = (
                f"{split}: unscaled features: "
                + "; ".join(parts)
                + ". Gradient steps are dominated by the largest features, the first epochs "
                "can explode (huge loss, NaN) or saturate units; standardize the features "
                "(StandardScaler fitted on the training split only)"
            )
            out.append(
                _finding(
                    "unscaled_features",
                    sev,
                    msg,
                    {
                        "split": split,
                        "magnitude_ratio": ratio,
                        "largest": big,
                        "largest_feature": vn[i_big],
                        "smallest_feature": vn[i_small],
                        "scales": scales,
                        "sampled_rows": int(len(xs)),
                    },
                    [
                        "raw measurements in different units",
                        "pixel values 0-255",
                        "no preprocessing step",
                    ],
                    ["standardize"],
                    metric=vn[i_big],
                )
            )
    if other:
        out.append(
            _finding(
                "unscaled_features",
                "info",
                f"{split}: non-numeric feature(s) {', '.join(other[:8])}: a network needs them "
                "encoded (one-hot or embedding) and scaled",
                {"split": split, "non_numeric": other},
                ["text/categorical columns"],
                ["standardize"],
                metric=other[0] if len(other) == 1 else None,
            )
        )
    return out


def _row_hashes(x) -> np.ndarray:
    import pandas as pd

    if isinstance(x, pd.DataFrame):
        return pd.util.hash_pandas_object(x, index=False).to_numpy()
    a = np.ascontiguousarray(np.asarray(x).reshape(len(x), -1))
    return pd.util.hash_pandas_object(pd.DataFrame(a), index=False).to_numpy()


def _check_continuous_label(y: np.ndarray, x, label: str | None) -> list[Finding]:
    cont, why = label_looks_continuous(y)
    if not cont:
        return []
    name = f"label column {label!r}" if label else "the label"
    a = np.ravel(np.asarray(y))
    try:
        n_unique = int(len(np.unique(a[np.isfinite(a.astype(np.float64))])))
    except (TypeError, ValueError):
        n_unique = 0
    cands = _categorical_columns(x)
    msg = (
        f"{name} looks continuous: {why}. It looks like a regression target, not classes: "
        f"a classifier would treat each distinct value as its own class ({n_unique} classes, "
        "most with a row or two) and class imbalance, oversampling and class weights make "
        "no sense for it. Choose the column that holds the classes"
    )
    if cands:
        msg += f" (candidates: {', '.join(cands[:5])})"
    msg += ", or train a regression model (MSE loss, no accuracy)."
    ev = {"reason": why, "n_unique": n_unique, "rows": int(len(a)), "candidates": cands[:10]}
    if label:
        ev["label"] = label
    return [
        _finding(
            "label_not_categorical",
            "critical",
            msg,
            ev,
            [
                "the wrong column was given as the label (a feature such as a measurement)",
                "the task is regression, not classification",
            ],
            (),
            metric=label,
        )
    ]


def check_arrays(
    x_train,
    y_train,
    x_val=None,
    y_val=None,
    feature_names: list[str] | None = None,
    config: DetectorConfig | None = None,
    source: str = "",
    label: str | None = None,
) -> list[Finding]:
    """All dataset checks on data in memory.

    Parameters
    ----------
    x_train : ndarray of shape (n, ...) or pandas.DataFrame
        Features; images (n, h, w, c) are flattened per row for the checks.
    y_train : ndarray, shape (n,) or (n, K) one-hot
    x_val, y_val : optional
        Validation split; adds ``train_val_overlap`` and the validation class shares.
    feature_names : list of str, optional
        Names for the columns of an array (a DataFrame has its own).
    config : DetectorConfig, optional
        Thresholds in ``config.dataset``.
    source : str
        Shown in evidence only.
    label : str, optional
        Name of the label column (for messages; ``label_not_categorical``'s metric).

    Returns
    -------
    list of Finding
        Most severe first. A label that looks continuous
        (:func:`label_looks_continuous`) gives a ``critical``
        ``label_not_categorical`` finding instead of class checks.
    """
    cfg = (config or DetectorConfig()).dataset
    out: list[Finding] = []
    x2, names, other = _as_2d(x_train)
    if feature_names and len(feature_names) == len(names) and not other:
        names = list(feature_names)
    missing = np.isnan(x2).sum(axis=0) if x2.size else None
    import pandas as pd

    if isinstance(x_train, pd.DataFrame) and other:
        extra = x_train[other].isna().sum().to_numpy()
        missing = np.concatenate([missing if missing is not None else np.zeros(0), extra])
        names_m = names + other
    else:
        names_m = names
    out += _check_features(
        x2, names_m, other, len(x2), cfg, "training data" if x_val is not None else "data", missing
    )
    # constant text columns
    if isinstance(x_train, pd.DataFrame) and other:
        const_txt = [c for c in other if x_train[c].nunique(dropna=True) <= 1]
        if const_txt:
            out.append(
                _finding(
                    "constant_features",
                    "info",
                    f"text feature(s) {', '.join(const_txt)} have a single value: drop them",
                    {"constant": const_txt},
                    (),
                    (),
                    metric=const_txt[0] if len(const_txt) == 1 else None,
                )
            )
    y_arr = np.asarray(y_train)
    n_missing_y = int(pd.isna(pd.Series(np.ravel(y_arr) if y_arr.ndim == 1 else y_arr[:, 0])).sum())
    if n_missing_y:
        out.append(
            _finding(
                "missing_values",
                "critical",
                f"{n_missing_y} row(s) have no label: drop them before training",
                {"label_missing": n_missing_y, "rows": int(len(y_arr))},
                (),
                (),
            )
        )
    numeric_only = not other
    out[:0] = _check_continuous_label(y_arr, x_train, label)  # the most basic problem first
    out += _check_labels(y_arr, cfg, numeric_only, "training data" if x_val is not None else "data")
    if x_val is not None and y_val is not None:
        out += _check_labels(np.asarray(y_val), cfg, numeric_only, "validation data")
        try:
            ht, hv = _row_hashes(x_train), _row_hashes(x_val)
            dup = np.isin(hv, ht)
            n_dup = int(dup.sum())
        except (TypeError, ValueError):
            n_dup = 0
        if n_dup:
            share = n_dup / max(len(hv), 1)
            sev = "critical" if share >= 0.1 else "warning"
            msg = (
                f"{n_dup} of {len(hv)} validation rows ({share * 100:.1f}%) also appear, "
                "identical, in the training data: validation scores are optimistic "
                "(leakage); split after removing duplicates"
            )
            out.append(
                _finding(
                    "train_val_overlap",
                    sev,
                    msg,
                    {
                        "overlap": n_dup,
                        "val_rows": int(len(hv)),
                        "share": round(share, 4),
                        "first_val_rows": [int(i) for i in np.flatnonzero(dup)[:10]],
                    },
                    [
                        "duplicated rows in the source data split randomly",
                        "augmented copies made before the split",
                    ],
                    (),
                )
            )
    sev_rank = {"critical": 0, "warning": 1, "info": 2}
    out.sort(key=lambda f: sev_rank.get(f.severity, 3))
    if source:
        out = [Finding(**{**f.__dict__, "evidence": {**f.evidence, "source": source}}) for f in out]
    return out


def check_frame(
    df, label: str, config: DetectorConfig | None = None, source: str = ""
) -> list[Finding]:
    """All dataset checks on a pandas DataFrame with a label column.

    Raises
    ------
    ValueError
        ``label`` is not a column of ``df`` (one line, lists the columns).
    """
    if label not in df.columns:
        raise ValueError(no_column_message(label, list(df.columns)))
    return check_arrays(
        df.drop(columns=[label]), df[label].to_numpy(), config=config, source=source, label=label
    )


def check_dataset(
    path: str | os.PathLike, label: str | None, config: DetectorConfig | None = None
) -> list[Finding]:
    """Dataset findings for a CSV (with ``label`` column) or an ``.npz`` file.

    Parameters
    ----------
    path : str or path-like
    label : str or None
        Label column (CSV); ignored for ``.npz``.
    config : DetectorConfig, optional

    Returns
    -------
    list of Finding
        ``class_imbalance``, ``unscaled_features``, ``missing_values``,
        ``constant_features``, ``train_val_overlap``, ``label_not_categorical``;
        most severe first.

    Raises
    ------
    LogReadError
        The file cannot be read or lacks the label column / arrays (one line).
    """
    return check_loaded(load_dataset(path, label), config)


def check_loaded(ds: Dataset, config: DetectorConfig | None = None) -> list[Finding]:
    """Dataset findings for a :class:`Dataset` already read (:func:`load_dataset`);
    what :func:`check_dataset` returns for its file."""
    return check_arrays(
        ds.x_train,
        ds.y_train,
        ds.x_val,
        ds.y_val,
        ds.feature_names,
        config,
        source=ds.source,
        label=ds.label,
    )


def dataset_class_info(ds: Dataset) -> tuple[int | None, float | None]:
    """Class count and majority rate for the curve detectors (validation split when present)."""
    if ds.y_val is not None:
        return class_info(ds.y_val)
    return class_info(ds.y_train)


__all__ = [
    "Dataset",
    "check_arrays",
    "check_dataset",
    "check_frame",
    "check_loaded",
    "class_info",
    "dataset_class_info",
    "label_looks_continuous",
    "load_dataset",
]
