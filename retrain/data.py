"""Loading the dataset of a retrain job and splitting off validation data.

Two inputs are understood:

- a CSV/TSV file with a label column; the other columns are features, numbers
  or text (text columns are kept as categories and one-hot encoded after
  resampling, see :mod:`retrain.remedies`);
- an ``.npz`` file (``numpy.savez``) with ``x_train``, ``y_train`` and optionally
  ``x_val``, ``y_val``; ``x`` may have any number of dimensions (images:
  ``(n, h, w, c)``), ``y`` holds class labels or one-hot rows.

When the file has no validation part, ``validation_split`` of the rows are held
out with scikit-learn's ``train_test_split(stratify=y, random_state=seed)``, the
split Keras users write by hand (and the one ``resources/make_demo.py`` used).

A retrain trains a classifier, so a label that looks continuous (a regression
target such as ``mean_radius``) is refused before anything is trained
(:func:`label_looks_continuous`); :func:`check_data` runs the label checks
cheaply before a job claims its output folder. Nothing here imports TensorFlow.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from analysis.dataset import MAX_LISTED_COLUMNS  # noqa: F401 (re-exported)
from analysis.dataset import label_looks_continuous as _analysis_label_looks_continuous
from analysis.dataset import no_column_message as _no_column
from retrain.errors import RetrainError
from retrain.spec import DataSpec

if TYPE_CHECKING:  # pandas is imported where it is used: check_data runs without it
    import pandas as pd

#: Columns with 2 to this many distinct whole-number or text values are offered as
#: label columns when the chosen one looks continuous.
CLASS_COLUMN_MAX_DISTINCT = 20
#: Rows of a CSV :func:`check_data` reads (the whole file when it is shorter): about
#: 30 ms with the csv module for 30 columns, so a check on the GUI's thread is no stall.
CHECK_ROWS = 10_000
#: Cells ``pandas.read_csv`` reads as missing by default (its ``na_values`` documentation).
NA_STRINGS = frozenset(
    {
        "",
        "#N/A",
        "#N/A N/A",
        "#NA",
        "-1.#IND",
        "-1.#QNAN",
        "-NaN",
        "-nan",
        "1.#IND",
        "1.#QNAN",
        "<NA>",
        "N/A",
        "NA",
        "NULL",
        "NaN",
        "None",
        "n/a",
        "nan",
        "null",
    }
)


@dataclass
class Dataset:
    """Training and validation parts of a dataset, labels as class indices.

    Attributes
    ----------
    x_train, x_val : DataFrame or ndarray
        Features: a DataFrame for CSV input (column names and text columns kept),
        a float32 array of shape ``(n, ...)`` for ``.npz`` input.
    y_train, y_val : ndarray of int64, shape (n,)
        Class index per row, into :attr:`classes`.
    classes : list
        The original label values (sorted), as plain Python ints/floats/strings.
    categorical : list of str
        Text (categorical) feature columns of a CSV.
    boolean : list of str
        ``true``/``false`` columns of a CSV, fed to the model as 1.0/0.0.
    validation : {"split", "file"}
        Whether validation rows were split off here or came with the file.
    notes : list of str
        Decisions a user should see (split not stratified, one-hot labels...).
    """

    x_train: pd.DataFrame | np.ndarray
    y_train: np.ndarray
    x_val: pd.DataFrame | np.ndarray
    y_val: np.ndarray
    classes: list
    source: Path
    categorical: list[str] = field(default_factory=list)
    validation: str = "split"
    notes: list[str] = field(default_factory=list)
    boolean: list[str] = field(default_factory=list)

    @property
    def n_classes(self) -> int:
        return len(self.classes)

    @property
    def is_tabular(self) -> bool:
        """True for 2-D feature tables (CSV, or an ``.npz`` with 2-D ``x``)."""
        import pandas as pd

        return isinstance(self.x_train, pd.DataFrame) or np.ndim(self.x_train) == 2

    @property
    def feature_shape(self) -> tuple[int, ...]:
        """Shape of one sample before encoding."""
        return tuple(np.shape(self.x_train)[1:])


def load_dataset(spec: DataSpec, seed: int = 1) -> Dataset:
    """Read the dataset of a spec and split off validation data if needed.

    Parameters
    ----------
    spec : DataSpec
        ``path`` (CSV/TSV or ``.npz``), ``label`` (CSV), ``validation_split``.
    seed : int
        ``random_state`` of the split.

    Returns
    -------
    Dataset

    Raises
    ------
    RetrainError
        Unreadable file, missing label column (with the closest column name),
        missing or non-finite values, fewer than two classes, an ``.npz`` without
        ``x_train``/``y_train`` or with pickled object arrays.
    """
    path = Path(spec.path)
    suffix = path.suffix.lower()
    if suffix == ".npz":
        return _load_npz(path, spec, seed)
    if suffix in (".csv", ".tsv"):
        return _load_table(path, spec, seed, sep="\t" if suffix == ".tsv" else ",")
    raise RetrainError(path, f"unsupported dataset type {path.suffix!r}", kind="data")


def label_looks_continuous(y) -> tuple[bool, str]:
    """Whether label values look like a regression target rather than classes.

    Parameters
    ----------
    y : array-like, shape (n,)
        Label values as read (missing values are ignored).

    Returns
    -------
    (bool, str)
        True and the reason in words (``"335 distinct values among 417 rows, not
        whole numbers (e.g. ...)"``), or False and ``""``.

    Notes
    -----
    The rule of the dataset checks, :func:`analysis.dataset.label_looks_continuous`
    (non-integer floats with more than 20 distinct values, after scikit-learn's
    ``type_of_target``), for float labels only: integer-coded labels (also
    stored as floats, ``0.0``/``1.0``), booleans and text always stay classes
    here, however many there are (that function also calls more than 50 distinct
    integers "continuous"; a retrain of 100 integer-coded classes is legitimate).
    """
    a = np.asarray(y)
    if a.ndim != 1 or a.dtype.kind != "f":
        return False, ""
    a = a[np.isfinite(a)]
    if len(a) == 0 or np.all(a == np.round(a)):
        return False, ""
    continuous, why = _analysis_label_looks_continuous(a)
    return (True, why) if continuous else (False, "")


@dataclass
class DataCheck:
    """What :func:`check_data` learned about a dataset without loading all of it.

    Attributes
    ----------
    path : Path
    kind : {"table", "arrays"}
        CSV/TSV, or ``.npz``.
    columns : list of str
        Feature columns of a table in file order (the label left out); empty for arrays.
    numeric : list of str
        Columns whose every value read is a plain decimal number (pandas reads
        them as numbers: one model input each).
    distinct : dict of str to int
        Distinct values read per other column (text, true/false or odd numbers:
        each becomes between 1 and that many model inputs).
    rows : int
        Data rows read (a table), or training rows (``y_train``, arrays).
    complete : bool
        Every row was read (tables up to ``max_rows`` rows; always for arrays),
        so counts below are exact rather than lower bounds.
    n_classes : int
        Distinct labels read.
    sample_shape : tuple of int or None
        Shape of one ``x_train`` sample of an ``.npz`` (read from the array header).
    has_validation : bool
        The ``.npz`` has its own ``x_val``/``y_val``.
    """

    path: Path
    kind: str
    columns: list[str] = field(default_factory=list)
    numeric: list[str] = field(default_factory=list)
    distinct: dict[str, int] = field(default_factory=dict)
    rows: int = 0
    complete: bool = True
    n_classes: int = 0
    sample_shape: tuple[int, ...] | None = None
    has_validation: bool = False

    def width(self) -> tuple[int, int | None]:
        """Bounds ``(low, high)`` on the model inputs a table gives after one-hot
        encoding; ``high`` is None when the file was not read completely.

        Every feature column gives at least one input; a numeric one exactly
        one, a text column one per category of the training split (at most its
        distinct values in the whole file).
        """
        low = len(self.columns)
        if not self.complete:
            return low, None
        num = set(self.numeric)
        return low, sum(1 if c in num else max(1, self.distinct.get(c, 1)) for c in self.columns)


def check_data(spec: DataSpec, max_rows: int = CHECK_ROWS) -> DataCheck:
    """Check a dataset's label cheaply, before a job claims its output folder.

    A CSV/TSV is read with the ``csv`` module (no pandas import: the GUI calls
    this on its event loop), its header and at most ``max_rows`` rows; an
    ``.npz``'s label arrays only. Checked: the label column exists (else every
    column is listed, with the likely intended one), no label is missing, the
    label does not look continuous (:func:`label_looks_continuous`) and, when
    the whole file was read, there are at least two classes. Feature problems
    (missing values, non-numeric arrays) are found when the job loads the whole
    file (:func:`load_dataset`).

    Parameters
    ----------
    spec : DataSpec
    max_rows : int
        Rows of a CSV read (the label check of a longer file judges these).

    Returns
    -------
    DataCheck
        Feature columns, classes and sample shape as far as they could be told
        (for :func:`retrain.preflight.preflight`).

    Raises
    ------
    RetrainError
        As :func:`load_dataset` would for the same problem.
    """
    path = Path(spec.path)
    suffix = path.suffix.lower()
    if suffix in (".csv", ".tsv"):
        label = spec.label
        if not label:
            raise RetrainError(path, "no label column given ([data] label)", kind="data")
        columns, rows, truncated = _read_rows(path, "\t" if suffix == ".tsv" else ",", max_rows)
        if label not in columns:
            raise RetrainError(path, _no_column(label, columns), kind="data")
        if len(columns) < 2:
            raise RetrainError(path, "no feature columns besides the label", kind="data")
        j = columns.index(label)
        raw = [(line, row[j] if j < len(row) else "") for line, row in rows]
        missing = [line for line, v in raw if v in NA_STRINGS]
        if missing:
            n = f"at least {len(missing)}" if truncated else str(len(missing))
            raise RetrainError(
                path,
                f"{n} rows have no label (line {', '.join(map(str, missing[:3]))}...)",
                f"column {label!r}",
                kind="data",
            )
        y = _values([v for _, v in raw])
        continuous, why = label_looks_continuous(y)
        if continuous:
            others = {
                c: [row[k] for _, row in rows if k < len(row) and row[k] not in NA_STRINGS]
                for k, c in enumerate(columns)
                if c != label
            }
            why += f" (the first {len(rows)} rows)" if truncated else ""
            raise RetrainError(
                path, _continuous(why, _class_columns(others)), f"column {label!r}", kind="data"
            )
        n_classes = len(set(y.tolist()))
        if not truncated and n_classes < 2:
            raise RetrainError(
                path,
                "only one class in the labels; nothing to classify",
                f"column {label!r}",
                kind="data",
            )
        feats = [(k, c) for k, c in enumerate(columns) if c != label]
        numeric, distinct = [], {}
        for k, c in feats:
            vals = {row[k] for _, row in rows if k < len(row)} - NA_STRINGS
            if vals and all(_NUMBER.fullmatch(v) for v in vals):
                numeric.append(c)
            else:
                distinct[c] = len(vals)
        return DataCheck(
            path,
            "table",
            columns=[c for _, c in feats],
            numeric=numeric,
            distinct=distinct,
            rows=len(rows),
            complete=not truncated,
            n_classes=n_classes,
        )
    if suffix == ".npz":
        return _load_npz(path, spec, seed=0, labels_only=True)
    return DataCheck(path, "table", complete=False)


#: A cell ``pandas.read_csv`` always parses as a number: plain decimal notation
#: (no spaces, thousands separators, ``inf`` or ``nan``).
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def _npz_sample_shapes(npz) -> dict[str, tuple[int, ...]]:
    """Shapes of ``x_train``/``x_val`` samples from their ``.npy`` headers (no data read).

    The header layout is numpy's NPY format (``numpy.lib.format``, versions 1.0
    and 2.0); an array stored otherwise is left out.
    """
    from numpy.lib import format as npy

    out = {}
    for key in ("x_train", "x_val"):
        try:
            with npz.zip.open(f"{key}.npy") as fh:
                version = npy.read_magic(fh)
                if version == (1, 0):
                    shape = npy.read_array_header_1_0(fh)[0]
                elif version == (2, 0):
                    shape = npy.read_array_header_2_0(fh)[0]
                else:
                    continue
        except (KeyError, OSError, ValueError, zipfile.BadZipFile):
            continue
        out[key] = tuple(int(n) for n in shape[1:])
    return out


def _read_rows(
    path: Path, sep: str, max_rows: int
) -> tuple[list[str], list[tuple[int, list[str]]], bool]:
    """Header and up to ``max_rows`` ``(line number, fields)`` rows of a CSV/TSV, and
    whether there were more. Blank lines are skipped and repeated column names get
    ``.1``, ``.2`` as in ``pandas.read_csv``."""
    import csv

    header: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    truncated = False
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            reader = csv.reader(fh, delimiter=sep)
            for row in reader:
                if not row:
                    continue
                if header is None:
                    header = row
                elif len(rows) < max_rows:
                    rows.append((reader.line_num, row))
                else:
                    truncated = True
                    break
    except UnicodeDecodeError as exc:
        raise RetrainError(path, f"not UTF-8 text (byte {exc.start})", kind="data") from None
    except (OSError, csv.Error) as exc:
        raise RetrainError(
            path, getattr(exc, "strerror", None) or _one_line(exc), kind="data"
        ) from None
    if header is None:
        raise RetrainError(path, "the file is empty", kind="data")
    seen: dict[str, int] = {}
    names = []
    for h in header:
        n = seen.get(h, 0)
        seen[h] = n + 1
        names.append(h if n == 0 else f"{h}.{n}")
    return names, rows, truncated


def _values(raw: list) -> np.ndarray:
    """Label strings as numbers when they all are (as ``pandas.read_csv`` parses them)."""
    try:
        return np.array([float(v) for v in raw], dtype=np.float64)
    except (TypeError, ValueError):
        return np.array(raw, dtype=object)


def _continuous(why: str, candidates: list[str]) -> str:
    hint = (
        f" (columns that look like classes: {', '.join(map(repr, candidates[:5]))})"
        if candidates
        else ""
    )
    return (
        f"the label looks continuous: {why}; FitLens retrains classifiers, so choose a "
        f"column of class labels{hint}"
    )


def _class_columns(columns: dict[str, list]) -> list[str]:
    """Columns that look like class labels: 2 to :data:`CLASS_COLUMN_MAX_DISTINCT`
    distinct whole-number, boolean or text values (missing values left out)."""
    out = []
    for name, vals in columns.items():
        distinct = set(vals)
        if not 2 <= len(distinct) <= CLASS_COLUMN_MAX_DISTINCT:
            continue
        v = _values(list(distinct))
        if v.dtype == object or bool(np.all(v == np.round(v))):
            out.append(str(name))
    return out


def read_header(path: str | Path) -> list[str]:
    """Column names of a CSV/TSV (for choosing the label column), as ``pandas.read_csv``
    names them; reads the first line only.

    Raises
    ------
    RetrainError
        When the file cannot be read as a table.
    """
    p = Path(path)
    return _read_rows(p, "\t" if p.suffix.lower() == ".tsv" else ",", 0)[0]


def _load_table(path: Path, spec: DataSpec, seed: int, sep: str) -> Dataset:
    import pandas as pd

    try:
        df = pd.read_csv(path, sep=sep)
    except pd.errors.EmptyDataError:
        raise RetrainError(path, "the file is empty", kind="data") from None
    except (OSError, ValueError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise RetrainError(path, _one_line(exc), kind="data") from None
    label = spec.label
    if not label:
        raise RetrainError(path, "no label column given ([data] label)", kind="data")
    if label not in df.columns:
        raise RetrainError(path, _no_column(label, [str(c) for c in df.columns]), kind="data")
    y_raw = df[label]
    if y_raw.isna().any():
        rows = np.flatnonzero(y_raw.isna().to_numpy())[:3] + 2  # 1-based, after the header
        raise RetrainError(
            path,
            f"{int(y_raw.isna().sum())} rows have no label (line {', '.join(map(str, rows))}...)",
            f"column {label!r}",
            kind="data",
        )
    continuous, why = label_looks_continuous(y_raw.to_numpy())
    if continuous:
        others = {str(c): df[c].dropna().tolist() for c in df.columns if c != label}
        raise RetrainError(
            path, _continuous(why, _class_columns(others)), f"column {label!r}", kind="data"
        )
    x = df.drop(columns=[label])
    if x.shape[1] == 0:
        raise RetrainError(path, "no feature columns besides the label", kind="data")
    missing = x.isna().sum()
    missing = missing[missing > 0]
    if len(missing):
        cols = ", ".join(f"{c!r} ({n})" for c, n in missing.items())
        raise RetrainError(
            path, f"missing values in {cols}; fill or drop them before retraining", kind="data"
        )
    categorical, boolean = [], []
    for c in x.columns:
        if pd.api.types.is_bool_dtype(x[c]):
            x[c] = x[c].astype(np.float32)
            boolean.append(str(c))
        elif not pd.api.types.is_numeric_dtype(x[c]):
            x[c] = x[c].astype(str)
            categorical.append(str(c))
    x.columns = [str(c) for c in x.columns]
    num = [c for c in x.columns if c not in categorical]
    if num:
        vals = x[num].to_numpy(dtype=np.float64)
        bad = ~np.isfinite(vals)
        if bad.any():
            col = num[int(np.flatnonzero(bad.any(axis=0))[0])]
            raise RetrainError(
                path, "non-finite value (inf) in the features", f"column {col!r}", kind="data"
            )
    classes, y = np.unique(y_raw.to_numpy(), return_inverse=True)
    notes = []
    if categorical:
        notes.append(
            f"text columns {', '.join(categorical)} are categories: one-hot encoded "
            "(encoder fitted on the training split)"
        )
    ds = _split(x, y.astype(np.int64), classes, path, spec.validation_split, seed, notes)
    ds.categorical = categorical
    ds.boolean = boolean
    return ds


def _load_npz(
    path: Path, spec: DataSpec, seed: int, labels_only: bool = False
) -> Dataset | DataCheck:
    try:
        npz = np.load(path, allow_pickle=False)
    except (OSError, ValueError, zipfile.BadZipFile) as exc:
        raise RetrainError(path, f"not a readable .npz: {_one_line(exc)}", kind="data") from None
    with npz:
        keys = set(npz.files)
        if not {"x_train", "y_train"} <= keys:
            raise RetrainError(
                path,
                f"needs arrays x_train and y_train (found: {', '.join(sorted(keys)) or 'none'})",
                kind="data",
            )
        if ("x_val" in keys) != ("y_val" in keys):
            raise RetrainError(
                path, "has only one of x_val / y_val; give both or neither", kind="data"
            )
        shapes = _npz_sample_shapes(npz) if labels_only else {}
        arrays = {}
        for k in ("x_train", "y_train", "x_val", "y_val"):
            if labels_only and k.startswith("x"):
                continue
            if k in keys:
                try:
                    arrays[k] = npz[k]
                except ValueError:
                    raise RetrainError(
                        path,
                        "holds pickled object arrays, which FitLens does "
                        "not load (they can run code)",
                        k,
                        kind="data",
                    ) from None
    notes: list[str] = []
    y_tr = _labels(arrays["y_train"], path, "y_train", notes)
    y_va0 = _labels(arrays["y_val"], path, "y_val", notes) if "y_val" in arrays else None
    for key, yy in (("y_train", y_tr), ("y_val", y_va0)):
        continuous, why = (False, "") if yy is None else label_looks_continuous(yy)
        if continuous:
            raise RetrainError(
                path,
                f"the labels look continuous: {why}; FitLens retrains "
                "classifiers, so the labels must be classes",
                key,
                kind="data",
            )
    if labels_only:
        y_all = y_tr if y_va0 is None else np.concatenate([y_tr, y_va0])
        n_classes = len(np.unique(y_all))
        if n_classes < 2:
            raise RetrainError(
                path, "only one class in the labels; nothing to classify", kind="data"
            )
        return DataCheck(
            path,
            "arrays",
            rows=len(y_tr),
            n_classes=n_classes,
            sample_shape=shapes.get("x_train"),
            has_validation=y_va0 is not None,
        )
    x_tr = _features(arrays["x_train"], path, "x_train")
    if len(x_tr) != len(y_tr):
        raise RetrainError(
            path, f"x_train has {len(x_tr)} rows but y_train {len(y_tr)}", kind="data"
        )
    if "x_val" not in arrays:
        classes, y = np.unique(y_tr, return_inverse=True)
        return _split(x_tr, y.astype(np.int64), classes, path, spec.validation_split, seed, notes)
    x_va = _features(arrays["x_val"], path, "x_val")
    y_va = y_va0
    if len(x_va) != len(y_va):
        raise RetrainError(path, f"x_val has {len(x_va)} rows but y_val {len(y_va)}", kind="data")
    if x_va.shape[1:] != x_tr.shape[1:]:
        raise RetrainError(
            path,
            f"x_val samples have shape {x_va.shape[1:]} but x_train {x_tr.shape[1:]}",
            kind="data",
        )
    classes, y_all = np.unique(np.concatenate([y_tr, y_va]), return_inverse=True)
    if len(classes) < 2:
        raise RetrainError(path, "only one class in the labels; nothing to classify", kind="data")
    n = len(y_tr)
    return Dataset(
        x_tr,
        y_all[:n].astype(np.int64),
        x_va,
        y_all[n:].astype(np.int64),
        _plain(classes),
        path,
        validation="file",
        notes=notes,
    )


def _features(x: np.ndarray, path: Path, key: str) -> np.ndarray:
    if x.ndim < 2:
        raise RetrainError(
            path,
            f"must have one row per sample and at least one feature, got shape {x.shape}",
            key,
            kind="data",
        )
    if not np.issubdtype(x.dtype, np.number) and x.dtype != bool:
        raise RetrainError(path, f"must be numeric, got dtype {x.dtype}", key, kind="data")
    x = x.astype(np.float32, copy=False)
    if not np.isfinite(x).all():
        raise RetrainError(path, f"{int((~np.isfinite(x)).sum())} NaN/inf values", key, kind="data")
    return x


def _labels(y: np.ndarray, path: Path, key: str, notes: list[str]) -> np.ndarray:
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    elif y.ndim == 2:
        if not (np.isin(y, (0, 1)).all() and (y.sum(axis=1) == 1).all()):
            raise RetrainError(path, f"2-D labels {y.shape} are not one-hot rows", key, kind="data")
        y = y.argmax(axis=1)
        msg = "one-hot labels converted to class indices"
        if msg not in notes:
            notes.append(msg)
    elif y.ndim != 1:
        raise RetrainError(path, f"labels must be 1-D, got shape {y.shape}", key, kind="data")
    return y


def _split(
    x, y: np.ndarray, classes: np.ndarray, path: Path, fraction: float, seed: int, notes: list[str]
) -> Dataset:
    """Stratified, seeded hold-out split (scikit-learn ``train_test_split``)."""
    import pandas as pd
    from sklearn.model_selection import train_test_split

    n, k = len(y), len(classes)
    if k < 2:
        raise RetrainError(path, "only one class in the labels; nothing to classify", kind="data")
    n_val = int(np.ceil(fraction * n))
    if n_val < 1 or n - n_val < 1:
        raise RetrainError(
            path, f"{n} rows cannot be split {1 - fraction:.0%}/{fraction:.0%}", kind="data"
        )
    counts = np.bincount(y, minlength=k)
    stratify = y
    if counts.min() < 2 or n_val < k or n - n_val < k:
        stratify = None
        notes.append(
            f"validation split not stratified: the smallest class has {int(counts.min())} row(s)"
        )
    idx = np.arange(n)
    tr, va = train_test_split(idx, test_size=fraction, stratify=stratify, random_state=seed)
    if isinstance(x, pd.DataFrame):
        x_tr = x.iloc[tr].reset_index(drop=True)
        x_va = x.iloc[va].reset_index(drop=True)
    else:
        x_tr, x_va = x[tr], x[va]
    return Dataset(x_tr, y[tr], x_va, y[va], _plain(classes), path, validation="split", notes=notes)


def _plain(classes: np.ndarray) -> list:
    """Class labels as JSON-friendly Python values."""
    out = []
    for c in classes.tolist():
        if isinstance(c, float) and c.is_integer():
            c = int(c)
        out.append(c)
    return out


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__
