"""Loading the dataset of a retrain job and splitting off validation data.

The file is read by the one dataset reader, :mod:`analysis.dataset_io` (the
dataset checks read it the same way):

- a CSV/TSV table with a label column; the other columns are features, numbers
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

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from analysis.dataset_io import (
    NA_STRINGS,
    is_number,
    no_column_message,
    npz_sample_shapes,
    numbers,
    read_dataset,
    read_npz,
    read_table_head,
)
from analysis.dataset_io import read_header as read_table_header
from analysis.dataset_labels import class_like_columns
from analysis.dataset_labels import label_looks_continuous as _analysis_label_looks_continuous
from analysis.model import LogReadError
from retrain.errors import RetrainError
from retrain.spec import DataSpec

if TYPE_CHECKING:  # pandas is imported where it is used: check_data runs without it
    import pandas as pd

#: Rows of a CSV :func:`check_data` reads (the whole file when it is shorter): about
#: 30 ms with the csv module for 30 columns, so a check on the GUI's thread is no stall.
CHECK_ROWS = 10_000
#: Dataset file types a retrain job reads.
TABLE_SUFFIXES = (".csv", ".tsv")


@contextmanager
def _read_errors(path: Path) -> Iterator[None]:
    """The dataset reader's one-line errors as this package's :class:`RetrainError`."""
    try:
        yield
    except LogReadError as exc:
        raise RetrainError(path, exc.reason, exc.where, kind="data") from None


@dataclass
class TrainingData:
    """A dataset's training and validation parts, labels as class indices.

    Attributes
    ----------
    x_train, x_val : DataFrame or ndarray
        Features: a DataFrame for table input (column names and text columns kept),
        a float32 array of shape ``(n, ...)`` for ``.npz`` input.
    y_train, y_val : ndarray of int64, shape (n,)
        Class index per row, into :attr:`classes`.
    classes : list
        The original label values (sorted), as plain Python ints/floats/strings.
    source : Path
        The dataset file.
    categorical : list of str
        Text (categorical) feature columns of a table.
    validation : {"split", "file"}
        Whether validation rows were split off here or came with the file.
    notes : list of str
        Decisions a user should see (split not stratified, one-hot labels...).
    boolean : list of str
        ``true``/``false`` columns of a table, fed to the model as 1.0/0.0.
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


def load_dataset(spec: DataSpec, seed: int = 1) -> TrainingData:
    """Read the dataset of a spec and split off validation data if needed.

    Parameters
    ----------
    spec : DataSpec
        ``path`` (CSV/TSV or ``.npz``), ``label`` (CSV), ``validation_split``.
    seed : int
        ``random_state`` of the split.

    Returns
    -------
    TrainingData

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
    if suffix in TABLE_SUFFIXES:
        return _load_table(path, spec, seed)
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
    The rule of the dataset checks, :func:`analysis.dataset_labels.label_looks_continuous`
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

    A table's header and at most ``max_rows`` rows are read with the ``csv``
    module (:func:`analysis.dataset_io.read_table_head`: no pandas import, the GUI
    calls this on its event loop); an ``.npz``'s label arrays only. Checked: the
    label column exists (else every column is listed, with the likely intended
    one), no label is missing, the label does not look continuous
    (:func:`label_looks_continuous`) and, when the whole file was read, there are
    at least two classes. Feature problems (missing values, non-numeric arrays)
    are found when the job loads the whole file (:func:`load_dataset`).

    Parameters
    ----------
    spec : DataSpec
    max_rows : int
        Rows of a table read (the label check of a longer file judges these).

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
    if suffix in TABLE_SUFFIXES:
        return _check_table(path, spec.label, max_rows)
    if suffix == ".npz":
        return _load_npz(path, spec, seed=0, labels_only=True)
    return DataCheck(path, "table", complete=False)


def _check_table(path: Path, label: str | None, max_rows: int) -> DataCheck:
    if not label:
        raise RetrainError(path, "no label column given ([data] label)", kind="data")
    with _read_errors(path):
        head = read_table_head(path, max_rows)
    columns, rows, truncated = head.columns, head.rows, head.truncated
    decimal = head.format.decimal
    if label not in columns:
        raise RetrainError(path, no_column_message(label, columns), kind="data")
    if len(columns) < 2:
        raise RetrainError(path, "no feature columns besides the label", kind="data")
    raw = list(zip((line for line, _ in rows), head.column(label), strict=True))
    missing = [line for line, v in raw if v in NA_STRINGS]
    if missing:
        n = f"at least {len(missing)}" if truncated else str(len(missing))
        raise RetrainError(
            path,
            f"{n} rows have no label (line {', '.join(map(str, missing[:3]))}...)",
            f"column {label!r}",
            kind="data",
        )
    y = numbers([v for _, v in raw], decimal)
    continuous, why = label_looks_continuous(y)
    if continuous:
        others = {
            c: [v for v in head.column(c) if v not in NA_STRINGS] for c in columns if c != label
        }
        why += f" (the first {len(rows)} rows)" if truncated else ""
        candidates = class_like_columns(others, decimal)
        raise RetrainError(path, _continuous(why, candidates), f"column {label!r}", kind="data")
    n_classes = len(set(y.tolist()))
    if not truncated and n_classes < 2:
        raise RetrainError(
            path,
            "only one class in the labels; nothing to classify",
            f"column {label!r}",
            kind="data",
        )
    features = [c for c in columns if c != label]
    numeric, distinct = [], {}
    for c in features:
        vals = set(head.column(c)) - NA_STRINGS
        if vals and all(is_number(v, decimal) for v in vals):
            numeric.append(c)
        else:
            distinct[c] = len(vals)
    return DataCheck(
        path,
        "table",
        columns=features,
        numeric=numeric,
        distinct=distinct,
        rows=len(rows),
        complete=not truncated,
        n_classes=n_classes,
    )


def read_header(path: str | Path) -> list[str]:
    """Column names of a table (for choosing the label column), as ``pandas.read_csv``
    names them (:func:`analysis.dataset_io.read_header`).

    Raises
    ------
    RetrainError
        When the file cannot be read as a table.
    """
    with _read_errors(Path(path)):
        return read_table_header(path)


def _load_table(path: Path, spec: DataSpec, seed: int) -> TrainingData:
    import pandas as pd

    label = spec.label
    if not label:
        raise RetrainError(path, "no label column given ([data] label)", kind="data")
    with _read_errors(path):
        contents = read_dataset(path, label)
    x, y_raw = contents.x_train, contents.y_train
    _check_table_labels(path, label, x, y_raw)
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
    num = [c for c in x.columns if c not in categorical]
    if num:
        bad = ~np.isfinite(x[num].to_numpy(dtype=np.float64))
        if bad.any():
            col = num[int(np.flatnonzero(bad.any(axis=0))[0])]
            raise RetrainError(
                path, "non-finite value (inf) in the features", f"column {col!r}", kind="data"
            )
    classes, y = np.unique(y_raw, return_inverse=True)
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


def _check_table_labels(path: Path, label: str, x: pd.DataFrame, y: np.ndarray) -> None:
    """Refuse missing labels and a label column that looks continuous."""
    import pandas as pd

    absent = pd.isna(y)
    if absent.any():
        rows = np.flatnonzero(absent)[:3] + 2  # 1-based line numbers, after the header
        raise RetrainError(
            path,
            f"{int(absent.sum())} rows have no label (line {', '.join(map(str, rows))}...)",
            f"column {label!r}",
            kind="data",
        )
    continuous, why = label_looks_continuous(y)
    if continuous:
        others = {str(c): x[c].dropna().tolist() for c in x.columns}
        raise RetrainError(
            path, _continuous(why, class_like_columns(others)), f"column {label!r}", kind="data"
        )


def _load_npz(
    path: Path, spec: DataSpec, seed: int, labels_only: bool = False
) -> TrainingData | DataCheck:
    with _read_errors(path):
        contents = read_npz(path, features=not labels_only)
    notes = list(contents.notes)
    y_tr, y_va = contents.y_train, contents.y_val
    for key, yy in (("y_train", y_tr), ("y_val", y_va)):
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
        return _npz_check(path, y_tr, y_va)
    x_tr = _features(contents.x_train, path, "x_train")
    if y_va is None:
        classes, y = np.unique(y_tr, return_inverse=True)
        return _split(x_tr, y.astype(np.int64), classes, path, spec.validation_split, seed, notes)
    x_va = _features(contents.x_val, path, "x_val")
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
    return TrainingData(
        x_tr,
        y_all[:n].astype(np.int64),
        x_va,
        y_all[n:].astype(np.int64),
        _plain(classes),
        path,
        validation="file",
        notes=notes,
    )


def _npz_check(path: Path, y_tr: np.ndarray, y_va: np.ndarray | None) -> DataCheck:
    y_all = y_tr if y_va is None else np.concatenate([y_tr, y_va])
    n_classes = len(np.unique(y_all))
    if n_classes < 2:
        raise RetrainError(path, "only one class in the labels; nothing to classify", kind="data")
    return DataCheck(
        path,
        "arrays",
        rows=len(y_tr),
        n_classes=n_classes,
        sample_shape=npz_sample_shapes(path).get("x_train"),
        has_validation=y_va is not None,
    )


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


def _split(
    x, y: np.ndarray, classes: np.ndarray, path: Path, fraction: float, seed: int, notes: list[str]
) -> TrainingData:
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
    return TrainingData(
        x_tr, y[tr], x_va, y[va], _plain(classes), path, validation="split", notes=notes
    )


def _plain(classes: np.ndarray) -> list:
    """Class labels as JSON-friendly Python values."""
    out = []
    for c in classes.tolist():
        if isinstance(c, float) and c.is_integer():
            c = int(c)
        out.append(c)
    return out
