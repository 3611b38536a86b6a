"""Dataset checks: class imbalance, unscaled features, missing values, constant features, leakage.

Entry points
------------
- :func:`check_dataset` ``(path, label, config)``: a file read by
  :func:`analysis.dataset_io.read_dataset` (a table with a label column, or an
  ``.npz`` with ``x_train``, ``y_train`` and optionally ``x_val``, ``y_val``;
  ``analyze --data PATH --label COLUMN``).
- :func:`check_loaded` ``(dataset, config)``: the same for a
  :class:`~analysis.dataset_io.Dataset` already read (the session layer reads it
  once for the checks and for the class count and majority rate).
- :func:`check_frame` ``(df, label)`` and :func:`check_arrays` ``(x_train,
  y_train, x_val, y_val)``: the same checks on data already in memory.

Finding kinds (``run`` is empty, ``metric`` the column when one column is at
fault, ``start``/``end`` None): ``class_imbalance``, ``unscaled_features``,
``missing_values``, ``constant_features``, ``train_val_overlap``,
``label_not_categorical`` (the label column looks like a regression target,
:func:`analysis.dataset_labels.label_looks_continuous`).
Thresholds: :class:`analysis.detectors.config.DatasetConfig` (sources there).

Nothing is written anywhere; files are only read.
"""

from __future__ import annotations

import os
import warnings

import numpy as np

from analysis.dataset_io import Dataset, no_column_message, read_dataset
from analysis.dataset_labels import (
    class_like_columns,
    fmt_value,
    known_labels,
    label_looks_continuous,
)
from analysis.detectors.config import DatasetConfig, DetectorConfig
from analysis.model import Finding


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
    if label_looks_continuous(y)[0]:
        return []
    lab = known_labels(y)
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


def _missing_finding(
    missing: np.ndarray, names: list[str], n_rows: int, split: str
) -> list[Finding]:
    """Missing values per feature, counted on every row."""
    if missing is None or not missing.any():
        return []
    cols = np.flatnonzero(missing)
    per = {names[i] if i < len(names) else str(i): int(missing[i]) for i in cols[:20]}
    total = int(missing.sum())
    worst = max(per.items(), key=lambda kv: kv[1])
    msg = (
        f"{split}: {total} missing value(s) in {len(cols)} feature(s) (worst: {worst[0]}, "
        f"{worst[1]} of {n_rows} rows); a single NaN input makes a Keras loss NaN — impute "
        "(e.g. sklearn SimpleImputer) or drop those rows before training"
    )
    return [
        _finding(
            "missing_values",
            "critical",
            msg,
            {"split": split, "missing": per, "rows": n_rows, "total": total},
            ["gaps in the source data", "a failed join or parse (text in a numeric column)"],
            (),
            metric=worst[0],
        )
    ]


def _constant_finding(const: np.ndarray, names: list[str], width: int, split: str) -> Finding:
    cn = [names[i] for i in const]
    share = len(const) / width
    msg = (
        f"{split}: {len(const)} of {width} feature(s) never change "
        f"({', '.join(cn[:8])}{'…' if len(cn) > 8 else ''}): they carry no information; "
        "drop them"
    )
    return _finding(
        "constant_features",
        "warning" if share >= 0.5 else "info",
        msg,
        {"split": split, "constant": cn[:50], "count": int(len(const)), "of": int(width)},
        ["a column filled with one value (ID prefix, unused sensor, border pixels)"],
        (),
        metric=cn[0] if len(cn) == 1 else None,
    )


def _scale_finding(sub: np.ndarray, names: list[str], cfg: DatasetConfig, split: str):
    """``unscaled_features`` for the varying columns ``sub`` (sampled rows), or None."""
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
    if ratio < cfg.scale_ratio and big < cfg.large_magnitude:
        return None
    top = np.argsort(-mag)[:5]
    scales = {
        names[i]: {"p99_abs": float(mag[i]), "mean": float(mean[i]), "std": float(std[i])}
        for i in top
    }
    parts = []
    if ratio >= cfg.scale_ratio:
        parts.append(
            f"feature magnitudes are {ratio:.3g}x apart ({names[i_big]} ~{fmt_value(mag[i_big])} "
            f"vs {names[i_small]} ~{fmt_value(mag[i_small])})"
        )
    if big >= cfg.large_magnitude:
        parts.append(
            f"{names[i_big]} reaches {fmt_value(big)}"
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
    evidence = {
        "split": split,
        "magnitude_ratio": ratio,
        "largest": big,
        "largest_feature": names[i_big],
        "smallest_feature": names[i_small],
        "scales": scales,
        "sampled_rows": int(len(sub)),
    }
    causes = ["raw measurements in different units", "pixel values 0-255", "no preprocessing step"]
    return _finding(
        "unscaled_features", sev, msg, evidence, causes, ["standardize"], metric=names[i_big]
    )


def _check_features(
    x2: np.ndarray,
    names: list[str],
    other: list[str],
    cfg: DatasetConfig,
    split: str,
) -> list[Finding]:
    """Constant and unscaled numeric features (on at most ``cfg.max_rows`` rows), and
    text features a network cannot take as they are."""
    out: list[Finding] = []
    if x2.shape[1] == 0:
        return out
    xs = _sample_rows(x2, cfg.max_rows)
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns: reported below
        lo = np.nanmin(xs, axis=0) if len(xs) else np.zeros(xs.shape[1])
        hi = np.nanmax(xs, axis=0) if len(xs) else np.zeros(xs.shape[1])
    const = np.flatnonzero(~(hi > lo))  # also all-NaN columns
    if len(const):
        out.append(_constant_finding(const, names, x2.shape[1], split))
    varying = np.flatnonzero(hi > lo)
    if len(varying):
        scale = _scale_finding(xs[:, varying], [names[i] for i in varying], cfg, split)
        if scale is not None:
            out.append(scale)
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
    import pandas as pd

    cont, why = label_looks_continuous(y)
    if not cont:
        return []
    name = f"label column {label!r}" if label else "the label"
    a = np.ravel(np.asarray(y))
    try:
        n_unique = int(len(np.unique(a[np.isfinite(a.astype(np.float64))])))
    except (TypeError, ValueError):
        n_unique = 0
    cands = []
    if isinstance(x, pd.DataFrame):
        cands = class_like_columns({c: x[c].dropna().tolist() for c in x.columns})
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


def _overlap_finding(x_train, x_val) -> list[Finding]:
    """Validation rows that also appear, identical, in the training data (leakage)."""
    try:
        ht, hv = _row_hashes(x_train), _row_hashes(x_val)
        dup = np.isin(hv, ht)
        n_dup = int(dup.sum())
    except (TypeError, ValueError):
        n_dup = 0
    if not n_dup:
        return []
    share = n_dup / max(len(hv), 1)
    msg = (
        f"{n_dup} of {len(hv)} validation rows ({share * 100:.1f}%) also appear, "
        "identical, in the training data: validation scores are optimistic "
        "(leakage); split after removing duplicates"
    )
    evidence = {
        "overlap": n_dup,
        "val_rows": int(len(hv)),
        "share": round(share, 4),
        "first_val_rows": [int(i) for i in np.flatnonzero(dup)[:10]],
    }
    causes = [
        "duplicated rows in the source data split randomly",
        "augmented copies made before the split",
    ]
    sev = "critical" if share >= 0.1 else "warning"
    return [_finding("train_val_overlap", sev, msg, evidence, causes, ())]


def _text_feature_findings(x_train, other: list[str]) -> list[Finding]:
    """Text feature columns with a single value."""
    const_txt = [c for c in other if x_train[c].nunique(dropna=True) <= 1]
    if not const_txt:
        return []
    return [
        _finding(
            "constant_features",
            "info",
            f"text feature(s) {', '.join(const_txt)} have a single value: drop them",
            {"constant": const_txt},
            (),
            (),
            metric=const_txt[0] if len(const_txt) == 1 else None,
        )
    ]


def _missing_label_findings(y: np.ndarray) -> list[Finding]:
    import pandas as pd

    n_missing = int(pd.isna(pd.Series(np.ravel(y) if y.ndim == 1 else y[:, 0])).sum())
    if not n_missing:
        return []
    return [
        _finding(
            "missing_values",
            "critical",
            f"{n_missing} row(s) have no label: drop them before training",
            {"label_missing": n_missing, "rows": int(len(y))},
            (),
            (),
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
        (:func:`~analysis.dataset_labels.label_looks_continuous`) gives a ``critical``
        ``label_not_categorical`` finding instead of class checks.
    """
    import pandas as pd

    cfg = (config or DetectorConfig()).dataset
    x2, names, other = _as_2d(x_train)
    if feature_names and len(feature_names) == len(names) and not other:
        names = list(feature_names)
    missing = np.isnan(x2).sum(axis=0) if x2.size else None
    names_m = names
    text_frame = isinstance(x_train, pd.DataFrame) and bool(other)
    if text_frame:
        extra = x_train[other].isna().sum().to_numpy()
        missing = np.concatenate([missing if missing is not None else np.zeros(0), extra])
        names_m = names + other
    split = "training data" if x_val is not None else "data"
    out = _missing_finding(missing, names_m, len(x2), split)
    out += _check_features(x2, names_m, other, cfg, split)
    if text_frame:
        out += _text_feature_findings(x_train, other)
    y_arr = np.asarray(y_train)
    out += _missing_label_findings(y_arr)
    numeric_only = not other
    out[:0] = _check_continuous_label(y_arr, x_train, label)  # the most basic problem first
    out += _check_labels(y_arr, cfg, numeric_only, split)
    if x_val is not None and y_val is not None:
        out += _check_labels(np.asarray(y_val), cfg, numeric_only, "validation data")
        out += _overlap_finding(x_train, x_val)
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
    """Dataset findings for a table (with ``label`` column) or an ``.npz`` file.

    Parameters
    ----------
    path : str or path-like
    label : str or None
        Label column (table); ignored for ``.npz``.
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
        The file cannot be read or lacks the label column / arrays (one line;
        :func:`analysis.dataset_io.read_dataset`).
    """
    return check_loaded(read_dataset(path, label), config)


def check_loaded(ds: Dataset, config: DetectorConfig | None = None) -> list[Finding]:
    """Dataset findings for a :class:`~analysis.dataset_io.Dataset` already read;
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


__all__ = ["check_arrays", "check_dataset", "check_frame", "check_loaded"]
