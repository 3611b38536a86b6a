"""What a label column holds: classes or a regression target, how many, how balanced.

Rules shared by the dataset checks (:mod:`analysis.dataset`), the session layer
(class count and majority rate handed to the curve detectors) and the retrain
package's label checks (:mod:`retrain.data`). Pure functions over numpy arrays.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np

from analysis.dataset_io import Dataset, numbers

#: A float label with more distinct non-integer values is a regression target.
REGRESSION_DISTINCT = 20
#: Columns with 2 to this many distinct whole-number or text values look like classes.
CLASS_COLUMN_MAX_DISTINCT = 20


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

        - floats that are not whole numbers, with more than
          :data:`REGRESSION_DISTINCT` distinct values (scikit-learn's
          ``type_of_target`` calls any non-integer float target ``"continuous"``;
          the 20 keeps a few odd class codes stored as floats from being
          condemned). Breast cancer's ``mean_radius``: 456 distinct values such as 17.99;
        - or whole numbers with more than 50 distinct values that make up more
          than 5 % of the rows (scikit-learn's diabetes target: 214 distinct
          integers in 442 rows).

        False with a short description otherwise (``"2 distinct values"``,
        ``"one-hot rows"``, ``"text labels"``). Pure function.
    """
    a = np.asarray(y)
    if a.ndim == 2 and a.shape[1] > 1:
        return False, "one-hot rows"
    a = np.ravel(a)
    if a.dtype.kind not in "fiu":
        if a.dtype.kind == "b":
            return False, "boolean labels"
        if a.dtype.kind != "O":
            return False, "text labels"
        try:  # numbers stored as objects (pandas with missing values)
            a = a.astype(np.float64)
        except (TypeError, ValueError):
            return False, "text labels"
    af = a[np.isfinite(a)] if a.dtype.kind == "f" else a
    if len(af) == 0:
        return False, "no labels"
    uniq = np.unique(af)
    n_unique = len(uniq)
    span = f"range {fmt_value(float(uniq[0]))}-{fmt_value(float(uniq[-1]))}"
    if a.dtype.kind == "f" and np.any(af != np.round(af)) and n_unique > REGRESSION_DISTINCT:
        frac = uniq[uniq != np.round(uniq)]
        ex = ", ".join(fmt_value(float(v)) for v in frac[:3])
        return True, (
            f"{n_unique} distinct values among {len(af)} rows, not whole numbers "
            f"(e.g. {ex}; {span})"
        )
    if n_unique > 50 and n_unique > 0.05 * len(af):
        return True, f"{n_unique} distinct numbers among {len(af)} rows ({span})"
    return False, f"{n_unique} distinct value{'s' if n_unique != 1 else ''}"


def known_labels(y) -> np.ndarray:
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


def class_info(y) -> tuple[int | None, float | None]:
    """Number of classes and share of the most frequent one, or (None, None) for a
    regression target (:func:`label_looks_continuous`) or no labels."""
    y = np.asarray(y)
    if label_looks_continuous(y)[0]:
        return None, None
    lab = known_labels(y)
    if len(lab) == 0:
        return None, None
    _, counts = np.unique(lab.astype(str) if lab.dtype.kind == "O" else lab, return_counts=True)
    return int(len(counts)), float(counts.max() / counts.sum())


def class_like_columns(columns: Mapping[str, Iterable], decimal: str = ".") -> list[str]:
    """Columns that look like class labels: 2 to :data:`CLASS_COLUMN_MAX_DISTINCT`
    distinct whole-number, boolean or text values.

    Parameters
    ----------
    columns : mapping of column name to its values
        Values as read (numbers, or a table's cells as text), missing ones left out.
    decimal : str
        Decimal mark of text cells.
    """
    out = []
    for name, vals in columns.items():
        distinct = set(vals)
        if not 2 <= len(distinct) <= CLASS_COLUMN_MAX_DISTINCT:
            continue
        v = numbers(list(distinct), decimal)
        if v.dtype == object or bool(np.all(v == np.round(v))):
            out.append(str(name))
    return out


def dataset_class_info(ds: Dataset) -> tuple[int | None, float | None]:
    """Class count and majority rate of a dataset for the curve detectors
    (:func:`analysis.detectors.with_class_info`), from :meth:`Dataset.judged_labels`."""
    return class_info(ds.judged_labels())


def fmt_value(v: float) -> str:
    """A dataset value in messages: 4 significant digits, 3 in scientific notation
    below 0.001 and from 100,000 on."""
    a = abs(v)
    if a != 0 and (a < 1e-3 or a >= 1e5):
        return f"{v:.3g}"
    return f"{v:.4g}"


__all__ = [
    "CLASS_COLUMN_MAX_DISTINCT",
    "REGRESSION_DISTINCT",
    "class_info",
    "class_like_columns",
    "dataset_class_info",
    "fmt_value",
    "known_labels",
    "label_looks_continuous",
]
