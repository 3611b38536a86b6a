"""The ``standardize`` remedy: zero mean, unit variance per feature, fitted on the training split.

scikit-learn's ``StandardScaler`` fitted on the training split only and applied to
both splits (scikit-learn user guide, "Common pitfalls": fitting on all data leaks
validation statistics into training). The statistics are kept (:class:`Scaling`) so
the saved model can hold them (:func:`retrain.export.normalization`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from retrain.remedies.base import Remedy
from retrain.remedies.values import Switch


@dataclass
class Scaling:
    """Statistics of a fitted ``StandardScaler``: ``x_scaled = (x - mean) / scale``.

    Attributes
    ----------
    columns : list of str or None
        The scaled columns of a table (text columns are not scaled); None for arrays.
    mean : ndarray of float64
        ``mean_``: shape ``(len(columns),)`` for a table, the sample shape for arrays.
    scale : ndarray of float64
        ``scale_``: the population standard deviation (``numpy.std``, ``ddof=0``),
        1.0 for a constant feature; same shape as ``mean``.
    """

    columns: list[str] | None
    mean: np.ndarray
    scale: np.ndarray


def standardize(x_train, x_val, exclude: Sequence[str] = (), return_scaler: bool = False):
    """Zero mean, unit variance per feature, with statistics of the training split only.

    Parameters
    ----------
    x_train, x_val : DataFrame or ndarray, shape (n, ...)
        Arrays with more than two dimensions are scaled per element of a sample
        (flattened, scaled, reshaped). DataFrame columns in ``exclude`` (text
        columns) are left as they are.
    exclude : sequence of str
    return_scaler : bool
        Also return the fitted statistics (:class:`Scaling`; None when a table
        has no numeric column).

    Returns
    -------
    (x_train, x_val) or (x_train, x_val, scaling)
        New objects of the same kinds and shapes; float32 for arrays.

    Notes
    -----
    scikit-learn's ``StandardScaler``: constant features get scale 1 (they stay
    constant rather than becoming NaN).
    """
    import pandas as pd
    from sklearn.preprocessing import StandardScaler

    if isinstance(x_train, pd.DataFrame):
        num = [c for c in x_train.columns if c not in set(exclude)]
        x_train, x_val = x_train.copy(), x_val.copy()
        scaling = None
        if num:
            sc = StandardScaler().fit(x_train[num].to_numpy(dtype=np.float64))
            x_train[num] = sc.transform(x_train[num].to_numpy(dtype=np.float64))
            x_val[num] = sc.transform(x_val[num].to_numpy(dtype=np.float64))
            scaling = Scaling([str(c) for c in num], sc.mean_.copy(), sc.scale_.copy())
        return (x_train, x_val, scaling) if return_scaler else (x_train, x_val)
    xt = np.asarray(x_train, dtype=np.float64)
    xv = np.asarray(x_val, dtype=np.float64)
    sc = StandardScaler().fit(xt.reshape(len(xt), -1))
    out = (
        sc.transform(xt.reshape(len(xt), -1)).reshape(xt.shape).astype(np.float32),
        sc.transform(xv.reshape(len(xv), -1)).reshape(xv.shape).astype(np.float32),
    )
    if not return_scaler:
        return out
    shape = xt.shape[1:]
    return (*out, Scaling(None, sc.mean_.reshape(shape), sc.scale_.reshape(shape)))


class Standardize(Remedy):
    """``standardize = true``: :func:`standardize` on the training split, applied to both."""

    name = "standardize"
    title = "Standardize features"
    does = "zero mean and unit variance per feature, with a scaler fitted on the training split"
    stage = "data"
    value = Switch()

    def apply_to_data(self, prep, value, ds, seed):
        prep.x_train, prep.x_val, prep.scaling = standardize(
            prep.x_train, prep.x_val, exclude=ds.categorical, return_scaler=True
        )
        prep.notes.append(
            "standardize: StandardScaler fitted on the training split "
            f"({len(prep.y_train)} rows), applied to both splits"
        )

    def describe(self, value, job):
        import pandas as pd

        ds = job.ds
        if isinstance(ds.x_train, pd.DataFrame):
            n_num = len([c for c in ds.x_train.columns if c not in set(ds.categorical)])
        else:
            n_num = int(np.prod(ds.feature_shape))
        extra = "; text columns left as they are" if ds.categorical else ""
        return [
            f"standardize: StandardScaler fitted on the {len(ds.y_train)} training rows "
            f"({n_num} features{extra}), applied to training and validation"
        ]


STANDARDIZE = Standardize()
