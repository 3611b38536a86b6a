"""Remedies, each a small unit: data remedies on arrays, model remedies on Keras configs.

Data remedies (:func:`prepare` chains them) touch the **training split only**:

1. :func:`standardize` - ``StandardScaler`` fitted on the training split, applied to
   both (scikit-learn user guide, "Common pitfalls": fitting on all data leaks
   validation statistics into training).
2. :func:`resample` - imbalanced-learn's ``RandomOverSampler``, ``SMOTE`` /
   ``SMOTENC`` / ``SMOTEN`` or ``RandomUnderSampler`` on the training split, after
   the validation split (imbalanced-learn user guide, "Common pitfalls and
   recommended practices": resample inside the training fold only).
3. :func:`encode` - text columns one-hot encoded (encoder fitted on the training split).
4. :func:`class_weights` - scikit-learn's ``compute_class_weight("balanced")``.

Model remedies work on the model's Keras config (a plain dict) so they can be
tested without TensorFlow: :func:`apply_l2` (L2 on Dense/Conv kernels) and
:func:`add_dropout` (Dropout after hidden Dense layers). Optimizer and callback
remedies (learning rate, gradient clipping, ReduceLROnPlateau, EarlyStopping, more
epochs) are settings the worker applies; their monitors are validated in
:func:`retrain.spec.check_monitor`.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from retrain.errors import RetrainError
from retrain.models import _history_refs
from retrain.spec import Remedies

#: Layers whose ``kernel_regularizer`` the ``l2`` remedy sets.
KERNEL_LAYERS: frozenset[str] = frozenset(
    {
        "Dense",
        "EinsumDense",
        "Conv1D",
        "Conv2D",
        "Conv3D",
        "Conv1DTranspose",
        "Conv2DTranspose",
        "Conv3DTranspose",
    }
)
#: Layers that may follow a Dense before its dropout (activation/normalisation of the same unit).
_FOLLOWERS: frozenset[str] = frozenset(
    {
        "Activation",
        "ReLU",
        "LeakyReLU",
        "PReLU",
        "ELU",
        "Softmax",
        "BatchNormalization",
        "LayerNormalization",
    }
)
#: SMOTE's default number of neighbours (imbalanced-learn ``SMOTE(k_neighbors=5)``).
SMOTE_K = 5


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


def prepare(ds, remedies: Remedies, seed: int = 1) -> Prepared:
    """Apply the data remedies of a spec to a :class:`~retrain.data.TrainingData`.

    Order: standardize (fit on train) -> resample (train only) -> one-hot encode
    text columns -> class weights from the final training labels. The validation
    split is only *transformed* (scaler, encoder), never resampled.

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
        SMOTE on non-tabular input (see :func:`resample`).
    """
    notes = list(ds.notes)
    x_tr, x_va, y_tr = ds.x_train, ds.x_val, ds.y_train
    scaling = None
    if remedies.standardize:
        x_tr, x_va, scaling = standardize(x_tr, x_va, exclude=ds.categorical, return_scaler=True)
        notes.append(
            "standardize: StandardScaler fitted on the training split "
            f"({len(y_tr)} rows), applied to both splits"
        )
    report = None
    if remedies.resampler:
        x_tr, y_tr, report = resample(
            remedies.resampler, x_tr, y_tr, categorical=ds.categorical, seed=seed
        )
        if report.get("note"):
            notes.append(report["note"])
    x_tr, x_va, names, categories = encode(x_tr, x_va, ds.categorical, return_categories=True)
    cw = None
    if remedies.class_weight:
        cw = class_weights(y_tr, len(ds.classes))
        if report is not None and report["method"] != "random_undersample":
            notes.append(
                "class_weight after oversampling: the classes are already balanced, "
                "so the weights are close to 1"
            )
    return Prepared(
        x_tr,
        np.asarray(y_tr, dtype=np.int64),
        x_va,
        np.asarray(ds.y_val, dtype=np.int64),
        list(ds.classes),
        cw,
        names,
        report,
        notes,
        scaling,
        categories,
    )


# ---------------------------------------------------------------------------------------
# scaling


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


# ---------------------------------------------------------------------------------------
# resampling


def resample(
    method: str, x, y: np.ndarray, categorical: Sequence[str] = (), seed: int = 1
) -> tuple[object, np.ndarray, dict]:
    """Resample the *training* split with imbalanced-learn.

    Parameters
    ----------
    method : {"random_oversample", "smote", "random_undersample"}
    x : DataFrame or ndarray, shape (n, ...)
        Training features. Random over/under-sampling works on any shape: it
        draws row indices (``sample_indices_``) and takes those rows, which is
        the flatten -> resample -> reshape of imbalanced-learn #966 without
        copying the data twice. SMOTE needs a 2-D table.
    y : ndarray of int, shape (n,)
    categorical : sequence of str
        Text columns of a DataFrame: SMOTE becomes ``SMOTENC`` (``SMOTEN`` when
        every column is categorical) so no category is interpolated
        (imbalanced-learn #193, CASES 28).
    seed : int
        ``random_state``.

    Returns
    -------
    (x, y, report)
        ``report``: ``method`` (what was used), ``requested``, ``k_neighbors``,
        ``counts_before``/``counts_after`` (class index -> rows), ``note``.

    Raises
    ------
    RetrainError
        SMOTE on input with more than two dimensions (images): interpolating raw
        pixels makes unrealistic samples (smote_variants #13); use
        random_oversample (with augmentation) or class_weight instead.

    Notes
    -----
    SMOTE interpolates between a minority sample and one of its ``k_neighbors``
    nearest minority neighbours, so a class needs ``k_neighbors + 1`` samples
    (imbalanced-learn #572, CASES 27). ``k_neighbors = min(5, n_min - 1)`` with
    ``n_min`` the smallest class to be oversampled in the training split; with
    ``n_min < 2`` there is no neighbour at all and RandomOverSampler is used instead.
    """
    from imblearn.over_sampling import SMOTE, SMOTEN, SMOTENC, RandomOverSampler
    from imblearn.under_sampling import RandomUnderSampler

    y = np.asarray(y)
    before = _counts(y)
    report: dict = {
        "requested": method,
        "method": method,
        "k_neighbors": None,
        "counts_before": before,
        "note": None,
    }
    if method not in ("random_oversample", "smote", "random_undersample"):
        raise RetrainError(None, f"unknown resampling method {method!r}", kind="remedy")
    if len(before) < 2:
        report.update(
            method="none",
            counts_after=before,
            note=f"{method}: only one class in the training split; not resampled",
        )
        return x, y, report
    if method == "smote":
        if not isinstance(x, pd.DataFrame) and np.ndim(x) > 2:
            raise RetrainError(
                None,
                f"refused for non-tabular input (samples of shape "
                f"{tuple(np.shape(x)[1:])}): interpolating raw pixels makes "
                "unrealistic samples; use random_oversample (with augmentation) "
                "or class_weight instead",
                "[remedies] smote",
                kind="remedy",
            )
        majority = max(before, key=before.get)
        n_min = min(n for c, n in before.items() if c != majority)
        if n_min < 2:
            report.update(
                method="random_oversample",
                note=f"smote: the smallest class has {n_min} sample in the training "
                "split and SMOTE needs at least 2 (k_neighbors + 1); used "
                "random_oversample instead",
            )
            method = "random_oversample"
        else:
            k = min(SMOTE_K, n_min - 1)
            report["k_neighbors"] = k
            if k < SMOTE_K:
                report["note"] = (
                    f"smote: k_neighbors={k} (the smallest class has {n_min} "
                    "samples in the training split; the default 5 needs 6)"
                )
            cats = [c for c in categorical if isinstance(x, pd.DataFrame) and c in x.columns]
            if cats and len(cats) == x.shape[1]:
                sampler = SMOTEN(k_neighbors=k, random_state=seed)
                report["method"] = "smoten"
            elif cats:
                sampler = SMOTENC(categorical_features=cats, k_neighbors=k, random_state=seed)
                report["method"] = "smotenc"
            else:
                sampler = SMOTE(k_neighbors=k, random_state=seed)
            x_res, y_res = sampler.fit_resample(x, y)
            if isinstance(x_res, pd.DataFrame):
                x_res = x_res.reset_index(drop=True)
            else:
                x_res = np.asarray(x_res, dtype=np.float32)
            report["counts_after"] = _counts(y_res)
            return x_res, np.asarray(y_res), report
    cls = RandomOverSampler if method == "random_oversample" else RandomUnderSampler
    sampler = cls(random_state=seed)
    sampler.fit_resample(np.zeros((len(y), 1)), y)
    idx = np.asarray(sampler.sample_indices_)
    x_res = x.iloc[idx].reset_index(drop=True) if isinstance(x, pd.DataFrame) else x[idx]
    y_res = y[idx]
    report["counts_after"] = _counts(y_res)
    return x_res, y_res, report


def _counts(y: np.ndarray) -> dict[int, int]:
    vals, counts = np.unique(np.asarray(y), return_counts=True)
    return {int(v): int(c) for v, c in zip(vals, counts, strict=True)}


# ---------------------------------------------------------------------------------------
# encoding, class weights


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


def class_weights(y: np.ndarray, n_classes: int) -> dict[int, float]:
    """Keras ``class_weight`` from scikit-learn's ``compute_class_weight("balanced")``.

    Parameters
    ----------
    y : ndarray of int, shape (n,)
        Training labels (class indices).
    n_classes : int

    Returns
    -------
    dict of int to float
        ``n_samples / (n_present_classes * count(c))`` per present class (King &
        Zeng 2001 via scikit-learn); classes absent from ``y`` get 1.0.
    """
    from sklearn.utils.class_weight import compute_class_weight

    y = np.asarray(y)
    present = np.unique(y)
    w = compute_class_weight("balanced", classes=present, y=y)
    out = {c: 1.0 for c in range(n_classes)}
    out.update({int(c): float(v) for c, v in zip(present, w, strict=True)})
    return out


# ---------------------------------------------------------------------------------------
# model remedies on Keras configs


def _layers_of(config: dict) -> list[dict] | None:
    cfg = config.get("config")
    if isinstance(cfg, dict) and isinstance(cfg.get("layers"), list):
        return cfg["layers"]
    return None


def _walk_layers(config: dict):
    """Every layer dict inside a model config, nested models included."""
    for layer in _layers_of(config) or []:
        if isinstance(layer, dict):
            yield layer
            yield from _walk_layers(layer)


def apply_l2(config: dict, l2: float) -> tuple[dict, list[str]]:
    """Set an L2 kernel regularizer on every Dense/Conv layer of a model config.

    Parameters
    ----------
    config : dict
        A Keras 3 model config (``keras.saving.serialize_keras_object(model)``, or
        ``config.json`` of a ``.keras`` file). Not modified.
    l2 : float
        Factor: the penalty ``l2 * sum(kernel ** 2)`` is added to the loss
        (``keras.regularizers.L2``), in training *and* in ``val_loss``.

    Returns
    -------
    (config, names)
        A modified deep copy and the names of the layers changed (nested models
        included; an existing kernel regularizer is replaced).
    """
    out = copy.deepcopy(config)
    names = []
    for layer in _walk_layers(out):
        if layer.get("class_name") in KERNEL_LAYERS and isinstance(layer.get("config"), dict):
            layer["config"]["kernel_regularizer"] = {
                "module": "keras.regularizers",
                "class_name": "L2",
                "config": {"l2": float(l2)},
                "registered_name": None,
            }
            names.append(str(layer["config"].get("name", layer.get("class_name"))))
    return out, names


def _dropout_layer(name: str, rate: float) -> dict:
    return {
        "module": "keras.layers",
        "class_name": "Dropout",
        "config": {
            "name": name,
            "trainable": True,
            "rate": float(rate),
            "noise_shape": None,
            "seed": None,
        },
        "registered_name": None,
    }


def _unique(name: str, taken: set[str]) -> str:
    cand, n = name, 2
    while cand in taken:
        cand, n = f"{name}_{n}", n + 1
    taken.add(cand)
    return cand


def add_dropout(config: dict, rate: float) -> tuple[dict, list[str]]:
    """Put Dropout after every hidden Dense layer of a Sequential or Functional config.

    A Dense layer is *hidden* when it is not an output: in a Sequential model,
    when another Dense follows it; in a Functional model, when it is not one of
    ``output_layers``. The Dropout goes after the Dense and any activation or
    normalisation layer right behind it (Srivastava et al. 2014 apply dropout to
    hidden units' outputs). If a Dropout is already there, its rate is set.

    Parameters
    ----------
    config : dict
        Keras 3 model config; not modified.
    rate : float
        Fraction of units dropped during training, in (0, 1).

    Returns
    -------
    (config, names)
        A modified deep copy, and the names of the Dense layers that got dropout
        (empty when the model has no hidden Dense layer or is not a
        Sequential/Functional model).
    """
    out = copy.deepcopy(config)
    taken = {str(ly.get("config", {}).get("name", ly.get("name"))) for ly in _walk_layers(out)}
    return out, _dropout_in_place(out, rate, taken)


def _dropout_in_place(config: dict, rate: float, taken: set[str]) -> list[str]:
    """:func:`add_dropout` on ``config`` itself, then on the models nested in it as
    layers (a retrained model behind its standardization layer)."""
    kind = config.get("class_name")
    layers = _layers_of(config)
    if layers is None:
        return []
    if kind == "Sequential":
        done = _dropout_sequential(layers, rate, taken)
    elif kind in ("Functional", "Model"):
        done = _dropout_functional(config["config"], layers, rate, taken)
    else:
        return []
    for ly in list(layers):
        if ly.get("class_name") in ("Sequential", "Functional", "Model"):
            done += _dropout_in_place(ly, rate, taken)
    return done


def _dropout_sequential(layers: list[dict], rate: float, taken: set[str]) -> list[str]:
    dense_at = [i for i, ly in enumerate(layers) if ly.get("class_name") == "Dense"]
    hidden = dense_at[:-1]
    done = []
    for i in reversed(hidden):
        j = i + 1
        while j < len(layers) and layers[j].get("class_name") in _FOLLOWERS:
            j += 1
        name = str(layers[i]["config"].get("name"))
        if j < len(layers) and layers[j].get("class_name") == "Dropout":
            layers[j]["config"]["rate"] = float(rate)
        else:
            layers.insert(j, _dropout_layer(_unique(f"{name}_dropout", taken), rate))
        done.append(name)
    return done[::-1]


def _consumers(layers: list[dict], name: str) -> list[int]:
    out = []
    for i, ly in enumerate(layers):
        hit = []
        _history_refs(ly.get("inbound_nodes", []), lambda h, hit=hit: hit.append(h[0] == name))
        if any(hit):
            out.append(i)
    return out


def _output_names(cfg: dict) -> set[str]:
    ol = cfg.get("output_layers") or []
    if ol and isinstance(ol[0], str):
        return {ol[0]}
    return {str(o[0]) for o in ol if isinstance(o, list) and o}


def _dropout_functional(cfg: dict, layers: list[dict], rate: float, taken: set[str]) -> list[str]:
    outputs = _output_names(cfg)
    done = []
    for dense in [ly for ly in layers if ly.get("class_name") == "Dense"]:
        name = str(dense.get("name"))
        if name in outputs or len(dense.get("inbound_nodes", [])) != 1:
            continue  # an output, or a shared layer (called more than once)
        after = dense
        while True:  # skip a single activation/normalisation consumer chain
            cons = _consumers(layers, str(after.get("name")))
            if (
                len(cons) == 1
                and layers[cons[0]].get("class_name") in _FOLLOWERS
                and str(layers[cons[0]].get("name")) not in outputs
            ):
                after = layers[cons[0]]
                continue
            break
        tail = str(after.get("name"))
        if tail in outputs:
            continue
        cons = _consumers(layers, tail)
        if not cons:
            continue
        if len(cons) == 1 and layers[cons[0]].get("class_name") == "Dropout":
            layers[cons[0]]["config"]["rate"] = float(rate)
            done.append(name)
            continue
        # the tensor spec (shape, dtype) of `tail`'s output, copied from a consumer
        spec = _tensor_spec(layers[cons[0]].get("inbound_nodes", []), tail)
        if spec is None:
            continue
        drop_name = _unique(f"{name}_dropout", taken)
        for i in cons:
            _history_refs(
                layers[i].get("inbound_nodes", []),
                lambda h, d=drop_name, t=tail: h.__setitem__(0, d) if h[0] == t else None,
            )
        drop = _dropout_layer(drop_name, rate)
        drop["name"] = drop_name
        drop["inbound_nodes"] = [{"args": [spec], "kwargs": {}}]
        layers.insert(layers.index(after) + 1, drop)
        done.append(name)
    return done


def _tensor_spec(obj, layer_name: str) -> dict | None:
    """A deep copy of the ``__keras_tensor__`` dict that refers to ``layer_name``'s output."""
    if isinstance(obj, dict):
        if obj.get("class_name") == "__keras_tensor__":
            h = obj.get("config", {}).get("keras_history")
            if isinstance(h, list) and h and h[0] == layer_name:
                return copy.deepcopy(obj)
        for v in obj.values():
            r = _tensor_spec(v, layer_name)
            if r is not None:
                return r
    elif isinstance(obj, list):
        for v in obj:
            r = _tensor_spec(v, layer_name)
            if r is not None:
                return r
    return None


# ---------------------------------------------------------------------------------------
# what was done, in words


def _counts_text(counts: dict, classes: Sequence) -> str:
    """``0: 250, 1: 41`` with the original class labels."""
    return ", ".join(f"{classes[int(k)]}: {int(n)}" for k, n in sorted(counts.items()))


def describe_actions(spec, ds, prep: Prepared, model_notes: Sequence[str] = ()) -> list[str]:
    """What the data and the remedies of a job actually did, one line each.

    Shown before training by the CLI (and sent as ``actions`` in the worker's
    ``started`` message): the split and its class counts, scaling, resampling
    (with SMOTE's ``k_neighbors`` or its fallback), the encoding of text columns,
    class weights, the layers L2/dropout touched, the optimizer settings and the
    callbacks with their monitor and mode.

    Parameters
    ----------
    spec : retrain.spec.Spec
    ds : retrain.data.TrainingData
        The dataset as split, before remedies.
    prep : Prepared
        The result of :func:`prepare`.
    model_notes : sequence of str
        Lines about model remedies (``l2=... on the kernels of ...``).

    Returns
    -------
    list of str
    """
    classes = list(ds.classes)
    lines = []
    n_tr, n_va = len(ds.y_train), len(ds.y_val)
    tr = _counts_text(_counts(ds.y_train), classes)
    va = _counts_text(_counts(ds.y_val), classes)
    if ds.validation == "file":
        how = "validation part from the file (x_val, y_val)"
    else:
        strat = "not stratified" if any("not stratified" in n for n in ds.notes) else "stratified"
        frac = spec.data.validation_split
        how = f"{strat} {1 - frac:.0%}/{frac:.0%} split, seed {spec.train.seed}"
    lines.append(f"data: train {n_tr} rows ({tr}), validation {n_va} rows ({va}); {how}")
    for note in ds.notes:
        if "not stratified" in note or note.startswith("text columns"):
            continue
        lines.append(f"data: {note}")
    r = spec.remedies
    if r.standardize:
        n_num = (
            len([c for c in ds.x_train.columns if c not in set(ds.categorical)])
            if isinstance(ds.x_train, pd.DataFrame)
            else int(np.prod(ds.feature_shape))
        )
        extra = "; text columns left as they are" if ds.categorical else ""
        lines.append(
            f"standardize: StandardScaler fitted on the {n_tr} training rows "
            f"({n_num} features{extra}), applied to training and validation"
        )
    rep = prep.resampling
    if rep is not None:
        used = {
            "random_oversample": "RandomOverSampler",
            "random_undersample": "RandomUnderSampler",
            "smote": "SMOTE",
            "smotenc": "SMOTENC",
            "smoten": "SMOTEN",
            "none": "nothing",
        }.get(rep["method"], rep["method"])
        k = f"(k_neighbors={rep['k_neighbors']})" if rep.get("k_neighbors") else ""
        after = rep.get("counts_after", rep["counts_before"])
        lines.append(
            f"{rep['requested']}: {used}{k} on the training split only: "
            f"{_counts_text(rep['counts_before'], classes)} -> "
            f"{_counts_text(after, classes)} ({len(prep.y_train)} rows; validation "
            "untouched)"
        )
        before = rep["counts_before"]
        majority = max(before, key=before.get) if before else None
        n_min = min((n for c, n in before.items() if c != majority), default=0)
        if rep["requested"] == "smote" and rep["method"] == "random_oversample":
            lines.append(
                f"smote: fell back to RandomOverSampler: the smallest class has "
                f"{n_min} training row{'s' if n_min != 1 else ''} and SMOTE needs at "
                "least 2 (k_neighbors + 1)"
            )
        elif rep.get("k_neighbors") and rep["k_neighbors"] < SMOTE_K:
            lines.append(
                f"smote: k_neighbors reduced from {SMOTE_K} to {rep['k_neighbors']}: "
                f"the smallest class has {n_min} training rows and k_neighbors="
                f"{SMOTE_K} needs {SMOTE_K + 1}"
            )
        elif rep["method"] == "none" and rep.get("note"):
            lines.append(rep["note"])
        if rep["method"] in ("smotenc", "smoten"):
            cats = ", ".join(ds.categorical)
            lines.append(
                f"smote: {used} so the text column(s) {cats} get real categories "
                "of neighbours, never interpolated values"
            )
    if ds.categorical:
        names = prep.feature_names or []
        parts = []
        for c in ds.categorical:
            k = sum(1 for n in names if n.startswith(f"{c}="))
            parts.append(f"{c} -> {k} columns")
        lines.append(
            f"one-hot: text column(s) {', '.join(parts)} (OneHotEncoder fitted on "
            "the training split; a category seen only in validation is all zeros)"
        )
    if prep.class_weight is not None:
        w = ", ".join(f"{classes[k]}: {v:.4g}" for k, v in sorted(prep.class_weight.items()))
        why = (
            " (after oversampling the classes are balanced, so the weights are ~1)"
            if rep is not None and rep["method"] not in ("random_undersample", "none")
            else ""
        )
        lines.append(
            f"class_weight balanced: {w}, from the {len(prep.y_train)} training labels{why}"
        )
    lines.extend(model_notes)
    if r.learning_rate is not None:
        lines.append(
            f"learning_rate: {spec.learning_rate:g} ({spec.train.optimizer}; "
            f"replaces [train] learning_rate {spec.train.learning_rate:g})"
        )
    if r.gradient_clipping is not None:
        lines.append(
            f"gradient_clipping: clipnorm={r.gradient_clipping:g} on the "
            f"{spec.train.optimizer} optimizer"
        )
    if r.batch_size is not None:
        lines.append(f"batch_size: {spec.batch_size} (replaces {spec.train.batch_size})")
    if r.more_epochs is not None:
        lines.append(f"more_epochs: {spec.train.epochs} + {r.more_epochs} = {spec.epochs} epochs")
    if r.reduce_lr_on_plateau is not None:
        p = r.reduce_lr_on_plateau
        lines.append(
            f"ReduceLROnPlateau: monitor {p.monitor}, mode {p.mode}, factor {p.factor:g}, "
            f"patience {p.patience}, min_delta {p.min_delta:g}"
            + (f", min_lr {p.min_lr:g}" if p.min_lr else "")
            + (f", cooldown {p.cooldown}" if p.cooldown else "")
        )
    if r.early_stopping is not None:
        e = r.early_stopping
        lines.append(
            f"EarlyStopping: monitor {e.monitor}, mode {e.mode}, patience {e.patience}"
            + (f", min_delta {e.min_delta:g}" if e.min_delta else "")
            + (
                ", restore_best_weights (the best epoch's weights are saved)"
                if e.restore_best_weights
                else ", last epoch's weights kept"
            )
        )
    if not r.active():
        lines.append("remedies: none (the same training from fresh weights)")
    return lines
