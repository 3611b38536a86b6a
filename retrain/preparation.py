"""The arrays a job trains on: the data remedies of a spec applied to the training split.

:func:`prepare` runs each data-stage remedy (:mod:`retrain.remedies`), touching the
**training split only**: standardize (fitted on the training split), resample (training
split only), class weights from the final training labels; then text columns are
one-hot encoded (encoder fitted on the training split). The validation split is only
*transformed*.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from retrain.remedies import Remedies
from retrain.remedies.scaling import Scaling


@dataclass
class Prepared:
    """Arrays ready for ``model.fit`` and what was done to get them.

    Attributes
    ----------
    x_train, x_val : ndarray of float32, shape (n, ...)
    y_train, y_val : ndarray of int64, shape (n,)
    class_weight : dict of int to float, or None
        Keras ``class_weight`` argument.
    feature_names : list of str or None
        Column names after encoding (tabular input).
    resampling : dict or None
        Method used, ``k_neighbors``, class counts before and after.
    notes : list of str
        Decisions to show the user.
    scaling : Scaling or None
        The ``standardize`` statistics (training split), to build them into the
        saved model (:func:`retrain.export.normalization`).
    categories : dict of str to list of str
        One-hot categories per text column, in encoding order.
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    classes: list
    class_weight: dict[int, float] | None = None
    feature_names: list[str] | None = None
    resampling: dict | None = None
    notes: list[str] = field(default_factory=list)
    scaling: Scaling | None = None
    categories: dict[str, list[str]] = field(default_factory=dict)

    @property
    def n_classes(self) -> int:
        return len(self.classes)


def prepare(ds, remedies: Remedies, seed: int = 1) -> Prepared:
    """Apply the data remedies of a spec to a :class:`~retrain.data.TrainingData`.

    Each data-stage remedy in the registry's order
    (:meth:`~retrain.remedies.base.Remedy.apply_to_data`): standardize (fitted on the
    training split) -> resample (training split only) -> class weights from the final
    training labels; then text columns are one-hot encoded (encoder fitted on the
    training split). The validation split is only *transformed* (scaler, encoder),
    never resampled.

    Parameters
    ----------
    ds : retrain.data.TrainingData
    remedies : Remedies
    seed : int
        ``random_state`` of the resamplers.

    Returns
    -------
    Prepared

    Raises
    ------
    RetrainError
        SMOTE on non-tabular input (see :func:`retrain.remedies.balancing.resample`).
    """
    prep = Prepared(ds.x_train, ds.y_train, ds.x_val, ds.y_val, list(ds.classes))
    prep.notes = list(ds.notes)
    for remedy, value in remedies.by_stage("data"):
        remedy.apply_to_data(prep, value, ds, seed)
    prep.x_train, prep.x_val, prep.feature_names, prep.categories = encode(
        prep.x_train, prep.x_val, ds.categorical, return_categories=True
    )
    prep.y_train = np.asarray(prep.y_train, dtype=np.int64)
    prep.y_val = np.asarray(prep.y_val, dtype=np.int64)
    return prep


def encode(x_train, x_val, categorical: Sequence[str] = (), return_categories: bool = False):
    """Numeric float32 arrays for Keras; text columns one-hot encoded.

    Parameters
    ----------
    x_train, x_val : DataFrame or ndarray
    categorical : sequence of str
        Text columns; scikit-learn ``OneHotEncoder(handle_unknown="ignore")``
        fitted on the training split (a category seen only in validation becomes
        all zeros).
    return_categories : bool
        Also return the categories per text column (``OneHotEncoder.categories_``).

    Returns
    -------
    (x_train, x_val, feature_names) or (x_train, x_val, feature_names, categories)
        float32 arrays; ``feature_names`` (numeric columns first, then
        ``column=value``) or None for array input; ``categories``: text column ->
        its categories in the order of their one-hot columns.
    """
    if not isinstance(x_train, pd.DataFrame):
        out = (np.asarray(x_train, dtype=np.float32), np.asarray(x_val, dtype=np.float32), None)
        return (*out, {}) if return_categories else out
    cats = [c for c in categorical if c in x_train.columns]
    num = [c for c in x_train.columns if c not in set(cats)]
    parts_tr = [x_train[num].to_numpy(dtype=np.float32)]
    parts_va = [x_val[num].to_numpy(dtype=np.float32)]
    names = [str(c) for c in num]
    categories: dict[str, list[str]] = {}
    if cats:
        from sklearn.preprocessing import OneHotEncoder

        enc = OneHotEncoder(handle_unknown="ignore", sparse_output=False, dtype=np.float32)
        parts_tr.append(enc.fit_transform(x_train[cats].astype(str)))
        parts_va.append(enc.transform(x_val[cats].astype(str)))
        names += [_onehot_name(n, cats) for n in enc.get_feature_names_out(cats)]
        categories = {
            str(c): [str(v) for v in k] for c, k in zip(cats, enc.categories_, strict=True)
        }
    out = np.hstack(parts_tr), np.hstack(parts_va), names
    return (*out, categories) if return_categories else out


def _onehot_name(name: str, cats: Sequence[str]) -> str:
    """``city_north`` (scikit-learn's name) -> ``city=north``."""
    for c in sorted(cats, key=len, reverse=True):
        if name.startswith(f"{c}_"):
            return f"{c}={name[len(c) + 1 :]}"
    return name
