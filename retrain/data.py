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
Nothing here imports TensorFlow.
"""

from __future__ import annotations

import difflib
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from retrain.errors import RetrainError
from retrain.spec import DataSpec


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

    @property
    def n_classes(self) -> int:
        return len(self.classes)

    @property
    def is_tabular(self) -> bool:
        """True for 2-D feature tables (CSV, or an ``.npz`` with 2-D ``x``)."""
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


def read_header(path: str | Path) -> list[str]:
    """Column names of a CSV/TSV (for choosing the label column).

    Raises
    ------
    RetrainError
        When the file cannot be read as a table.
    """
    p = Path(path)
    sep = "\t" if p.suffix.lower() == ".tsv" else ","
    try:
        return [str(c) for c in pd.read_csv(p, sep=sep, nrows=0).columns]
    except (OSError, ValueError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise RetrainError(p, _one_line(exc), kind="data") from None


def _load_table(path: Path, spec: DataSpec, seed: int, sep: str) -> Dataset:
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
        close = difflib.get_close_matches(label, [str(c) for c in df.columns], n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise RetrainError(path, f"no column {label!r} (columns: "
                           f"{', '.join(map(str, df.columns[:12]))}"
                           f"{', ...' if len(df.columns) > 12 else ''}){hint}", kind="data")
    y_raw = df[label]
    if y_raw.isna().any():
        rows = np.flatnonzero(y_raw.isna().to_numpy())[:3] + 2  # 1-based, after the header
        raise RetrainError(path, f"{int(y_raw.isna().sum())} rows have no label "
                           f"(line {', '.join(map(str, rows))}...)", f"column {label!r}",
                           kind="data")
    x = df.drop(columns=[label])
    if x.shape[1] == 0:
        raise RetrainError(path, "no feature columns besides the label", kind="data")
    missing = x.isna().sum()
    missing = missing[missing > 0]
    if len(missing):
        cols = ", ".join(f"{c!r} ({n})" for c, n in missing.items())
        raise RetrainError(path, f"missing values in {cols}; fill or drop them before "
                           "retraining", kind="data")
    categorical = []
    for c in x.columns:
        if pd.api.types.is_bool_dtype(x[c]):
            x[c] = x[c].astype(np.float32)
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
            raise RetrainError(path, "non-finite value (inf) in the features", f"column {col!r}",
                               kind="data")
    classes, y = np.unique(y_raw.to_numpy(), return_inverse=True)
    notes = []
    if categorical:
        notes.append(f"text columns {', '.join(categorical)} are categories: one-hot encoded "
                     "(encoder fitted on the training split)")
    ds = _split(x, y.astype(np.int64), classes, path, spec.validation_split, seed, notes)
    ds.categorical = categorical
    return ds


def _load_npz(path: Path, spec: DataSpec, seed: int) -> Dataset:
    try:
        npz = np.load(path, allow_pickle=False)
    except (OSError, ValueError, zipfile.BadZipFile) as exc:
        raise RetrainError(path, f"not a readable .npz: {_one_line(exc)}", kind="data") from None
    with npz:
        keys = set(npz.files)
        if not {"x_train", "y_train"} <= keys:
            raise RetrainError(path, f"needs arrays x_train and y_train (found: "
                               f"{', '.join(sorted(keys)) or 'none'})", kind="data")
        if ("x_val" in keys) != ("y_val" in keys):
            raise RetrainError(path, "has only one of x_val / y_val; give both or neither",
                               kind="data")
        arrays = {}
        for k in ("x_train", "y_train", "x_val", "y_val"):
            if k in keys:
                try:
                    arrays[k] = npz[k]
                except ValueError:
                    raise RetrainError(path, "holds pickled object arrays, which FitLens does "
                                       "not load (they can run code)", k, kind="data") from None
    notes: list[str] = []
    x_tr = _features(arrays["x_train"], path, "x_train")
    y_tr = _labels(arrays["y_train"], path, "y_train", notes)
    if len(x_tr) != len(y_tr):
        raise RetrainError(path, f"x_train has {len(x_tr)} rows but y_train {len(y_tr)}",
                           kind="data")
    if "x_val" not in arrays:
        classes, y = np.unique(y_tr, return_inverse=True)
        return _split(x_tr, y.astype(np.int64), classes, path, spec.validation_split, seed, notes)
    x_va = _features(arrays["x_val"], path, "x_val")
    y_va = _labels(arrays["y_val"], path, "y_val", notes)
    if len(x_va) != len(y_va):
        raise RetrainError(path, f"x_val has {len(x_va)} rows but y_val {len(y_va)}", kind="data")
    if x_va.shape[1:] != x_tr.shape[1:]:
        raise RetrainError(path, f"x_val samples have shape {x_va.shape[1:]} but x_train "
                           f"{x_tr.shape[1:]}", kind="data")
    classes, y_all = np.unique(np.concatenate([y_tr, y_va]), return_inverse=True)
    if len(classes) < 2:
        raise RetrainError(path, "only one class in the labels; nothing to classify", kind="data")
    n = len(y_tr)
    return Dataset(x_tr, y_all[:n].astype(np.int64), x_va, y_all[n:].astype(np.int64),
                   _plain(classes), path, validation="file", notes=notes)


def _features(x: np.ndarray, path: Path, key: str) -> np.ndarray:
    if x.ndim < 2:
        raise RetrainError(path, f"must have one row per sample and at least one feature, "
                           f"got shape {x.shape}", key, kind="data")
    if not np.issubdtype(x.dtype, np.number) and x.dtype != bool:
        raise RetrainError(path, f"must be numeric, got dtype {x.dtype}", key, kind="data")
    x = x.astype(np.float32, copy=False)
    if not np.isfinite(x).all():
        raise RetrainError(path, f"{int((~np.isfinite(x)).sum())} NaN/inf values", key,
                           kind="data")
    return x


def _labels(y: np.ndarray, path: Path, key: str, notes: list[str]) -> np.ndarray:
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    elif y.ndim == 2:
        if not (np.isin(y, (0, 1)).all() and (y.sum(axis=1) == 1).all()):
            raise RetrainError(path, f"2-D labels {y.shape} are not one-hot rows", key,
                               kind="data")
        y = y.argmax(axis=1)
        msg = "one-hot labels converted to class indices"
        if msg not in notes:
            notes.append(msg)
    elif y.ndim != 1:
        raise RetrainError(path, f"labels must be 1-D, got shape {y.shape}", key, kind="data")
    return y


def _split(x, y: np.ndarray, classes: np.ndarray, path: Path, fraction: float, seed: int,
           notes: list[str]) -> Dataset:
    """Stratified, seeded hold-out split (scikit-learn ``train_test_split``)."""
    from sklearn.model_selection import train_test_split

    n, k = len(y), len(classes)
    if k < 2:
        raise RetrainError(path, "only one class in the labels; nothing to classify", kind="data")
    n_val = int(np.ceil(fraction * n))
    if n_val < 1 or n - n_val < 1:
        raise RetrainError(path, f"{n} rows cannot be split {1 - fraction:.0%}/{fraction:.0%}",
                           kind="data")
    counts = np.bincount(y, minlength=k)
    stratify = y
    if counts.min() < 2 or n_val < k or n - n_val < k:
        stratify = None
        notes.append(f"validation split not stratified: the smallest class has "
                     f"{int(counts.min())} row(s)")
    idx = np.arange(n)
    tr, va = train_test_split(idx, test_size=fraction, stratify=stratify, random_state=seed)
    if isinstance(x, pd.DataFrame):
        x_tr = x.iloc[tr].reset_index(drop=True)
        x_va = x.iloc[va].reset_index(drop=True)
    else:
        x_tr, x_va = x[tr], x[va]
    return Dataset(x_tr, y[tr], x_va, y[va], _plain(classes), path, validation="split",
                   notes=notes)


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
