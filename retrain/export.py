"""What a job's ``model.keras`` expects as input, and the preprocessing it cannot hold.

A retrained model is only useful if it can be fed the way it was trained. Two
kinds of preprocessing happen in a job (:func:`retrain.preparation.prepare`):

- **scaling** (the ``standardize`` remedy, scikit-learn ``StandardScaler``
  fitted on the training split): built into the saved model as a fixed
  ``keras.layers.Normalization(mean=..., variance=...)`` layer in front of the
  trained one (:func:`normalization`), so ``model.keras`` takes features in
  their raw units. Keras computes ``(x - mean) / max(sqrt(variance), epsilon)``
  over the kept ``axis``; with ``variance = scale_ ** 2`` that is the scaler's
  ``(x - mean_) / scale_``, also for constant features, which scikit-learn gives
  ``scale_ = 1`` (``var_`` would be 0 there and Keras would divide by 1e-7);
- **encoding** that a Keras input cannot do for a plain array: text columns
  one-hot encoded (categories of the training split), the order of the columns,
  ``true``/``false`` columns as 1/0, and class labels as indices 0..K-1. These
  are written to ``preprocessing.json`` next to the model (:func:`preprocessing_info`).

Nothing here imports TensorFlow; the worker passes Keras in to build the layer from
these values (:func:`model_on_raw_inputs`) and to save the model (:func:`save_model`).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from retrain.models import STANDARDIZE_LAYER

#: The file next to ``model.keras`` that says how to feed it.
PREPROCESSING_FILE = "preprocessing.json"
#: Column names listed in the one-line description of the model's input.
LISTED_COLUMNS = 8


def normalization(prep) -> dict | None:
    """Arguments of the ``Normalization`` layer that redoes the job's scaling, or None.

    Parameters
    ----------
    prep : retrain.preparation.Prepared
        With :attr:`~retrain.preparation.Prepared.scaling` set by ``standardize``.

    Returns
    -------
    dict or None
        ``axis`` (tuple of input axes kept: ``(1,)`` for a table, every sample
        axis for arrays: per-element statistics, as the scaler was fitted on
        flattened samples), ``mean`` and ``variance`` (float64 arrays of the
        sample shape: ``scale_ ** 2``; one-hot columns get mean 0 and variance 1,
        i.e. they pass unchanged), ``name``. None when nothing was scaled.
    """
    sc = getattr(prep, "scaling", None)
    if sc is None:
        return None
    if sc.columns is None:
        mean = np.asarray(sc.mean, dtype=np.float64)
        var = np.asarray(sc.scale, dtype=np.float64) ** 2
        return {
            "axis": tuple(range(1, mean.ndim + 1)),
            "mean": mean,
            "variance": var,
            "name": STANDARDIZE_LAYER,
        }
    names = list(prep.feature_names or sc.columns)
    mean = np.zeros(len(names))
    var = np.ones(len(names))
    pos = {c: i for i, c in enumerate(sc.columns)}
    # encode() puts the numeric columns first, in the order the scaler saw them
    head = names[: len(sc.columns)]
    order = range(len(head)) if head == list(sc.columns) else None
    for j in order if order is not None else range(len(names)):
        i = j if order is not None else pos.get(names[j])
        if i is None:
            continue
        mean[j] = sc.mean[i]
        var[j] = sc.scale[i] ** 2
    return {"axis": (1,), "mean": mean, "variance": var, "name": STANDARDIZE_LAYER}


def _listing(names: Sequence[str], limit: int = LISTED_COLUMNS) -> str:
    shown = ", ".join(map(str, names[:limit]))
    more = len(names) - limit
    return shown + (
        f", ... ({len(names)} columns, all listed in {PREPROCESSING_FILE})" if more > 0 else ""
    )


def describe_input(ds, prep, scaled_inside: bool) -> dict:
    """What ``model.keras`` takes, as ``{"kind", "text"}`` (``metrics.json`` ``model_input``).

    Parameters
    ----------
    ds : retrain.data.TrainingData
    prep : retrain.preparation.Prepared
    scaled_inside : bool
        The scaling layer is in the saved model.

    Returns
    -------
    dict
        ``kind``: ``"raw"`` (the file's numeric columns / arrays as they are) or
        ``"one-hot"`` (text columns to encode per ``preprocessing.json``);
        ``text``: one line for people; ``file``: :data:`PREPROCESSING_FILE`.
    """
    scaled = (
        "; the StandardScaler of the training split is inside the model" if scaled_inside else ""
    )
    boolean = list(getattr(ds, "boolean", []) or [])
    bools = f"; true/false columns {', '.join(boolean)} as 1/0" if boolean else ""
    if not ds.is_tabular or getattr(ds.x_train, "columns", None) is None:
        shape = tuple(np.shape(ds.x_train)[1:])
        text = f"raw arrays of shape {shape} per sample, like x_train of {ds.source.name}{scaled}"
        return {"kind": "raw", "text": text, "file": PREPROCESSING_FILE}
    cols = [str(c) for c in ds.x_train.columns]
    if not ds.categorical:
        text = f"raw numeric features in this column order: {_listing(cols)}{bools}{scaled}"
        return {"kind": "raw", "text": text, "file": PREPROCESSING_FILE}
    num = [c for c in cols if c not in set(ds.categorical)]
    cats = prep.categories or {}
    parts = ", ".join(f"{c} ({len(cats.get(c, []))} categories)" for c in ds.categorical)
    n_in = len(prep.feature_names or [])
    text = (
        f"one-hot encoded per {PREPROCESSING_FILE}: {n_in} inputs = the numeric columns "
        f"{_listing(num) if num else '(none)'} as they are in the file, then one 0/1 column "
        f"per category of {parts}{bools}{scaled}"
    )
    return {"kind": "one-hot", "text": text, "file": PREPROCESSING_FILE}


def describe_output(classes: Sequence, plan: dict) -> str:
    """How to read the model's output as a class label, in words."""
    c = [str(x) for x in classes]
    if plan.get("units") == 1:
        cut = "0 (a logit)" if plan.get("from_logits") else "0.5"
        what = "logit" if plan.get("from_logits") else "sigmoid probability"
        return (
            f"one output, the {what} of class {c[1]!r}: above {cut} means {c[1]!r}, "
            f"otherwise {c[0]!r}"
        )
    what = "logits" if plan.get("from_logits") else "softmax probabilities"
    return (
        f"{len(c)} outputs ({what}) in the order of 'classes'; the largest one's index "
        "is the predicted class"
    )


def preprocessing_info(spec, ds, prep, plan: dict, norm: dict | None) -> dict:
    """The content of ``preprocessing.json``: how to turn raw rows into ``model.keras``
    inputs and its outputs back into labels.

    Parameters
    ----------
    spec : retrain.spec.Spec
    ds : retrain.data.TrainingData
        The dataset as loaded (before remedies).
    prep : retrain.preparation.Prepared
    plan : dict
        :func:`retrain.models.loss_plan` (output units, logits).
    norm : dict or None
        :func:`normalization`, when its layer is in the saved model.

    Returns
    -------
    dict
        ``model_input`` (:func:`describe_input` plus ``sample_shape`` and
        ``columns``: the model's inputs in order, ``column=category`` for
        one-hot inputs), ``feature_columns`` (the data file's feature columns in
        order, label left out; None for arrays), ``standardize`` (where the
        scaling is, ``columns``, ``mean``, ``scale``), ``one_hot``
        (``categories`` per text column in input order; an unseen category is
        all zeros), ``boolean`` columns, ``labels`` (``classes``: the original
        label of class index i at position i; ``output``: how to read the output).
    """
    tabular = getattr(ds.x_train, "columns", None) is not None
    sc = prep.scaling
    info: dict = {
        "fitlens": 1,
        "model": "model.keras",
        "model_input": {
            **describe_input(ds, prep, norm is not None),
            "sample_shape": list(prep.x_train.shape[1:]),
            "columns": list(prep.feature_names) if prep.feature_names else None,
        },
        "data": {"path": str(spec.data.path), "label": spec.data.label if tabular else None},
        "feature_columns": [str(c) for c in ds.x_train.columns] if tabular else None,
        "standardize": None,
        "one_hot": None,
        "boolean": list(getattr(ds, "boolean", []) or []),
        "labels": {
            "classes": list(ds.classes),
            "index": {str(i): c for i, c in enumerate(ds.classes)},
            "output": describe_output(ds.classes, plan),
        },
    }
    if sc is not None:
        info["standardize"] = {
            "where": (
                f"inside model.keras (Normalization layer {STANDARDIZE_LAYER!r}): feed raw values"
                if norm is not None
                else "not in the model: apply (x - mean) / scale before predicting"
            ),
            "fitted_on": "the training split",
            "columns": sc.columns,
            "mean": np.asarray(sc.mean).tolist(),
            "scale": np.asarray(sc.scale).tolist(),
        }
    if prep.categories:
        info["one_hot"] = {
            "categories": prep.categories,
            "order": "the numeric columns first (file order), then for each text column "
            "one 0/1 input per category, in the order listed",
            "unknown": "a category not listed gives all zeros for its column "
            "(OneHotEncoder handle_unknown='ignore')",
        }
    return info


def raw_model_input(x, prep) -> np.ndarray:
    """Rows of the data file as ``model.keras`` takes them, following ``preprocessing.json``.

    Parameters
    ----------
    x : DataFrame or ndarray
        Raw feature rows (a table's feature columns, or arrays like ``x_train``),
        e.g. the validation split before any remedy.
    prep : retrain.preparation.Prepared
        For the numeric columns' order and the one-hot categories.

    Returns
    -------
    ndarray of float32
        Numeric columns as they are (scaling is inside the model), then one 0/1
        column per category of each text column (all zeros for an unknown one).
    """
    if getattr(x, "columns", None) is None:
        return np.asarray(x, dtype=np.float32)
    cats = prep.categories or {}
    num = [c for c in x.columns if str(c) not in cats]
    parts = [x[num].to_numpy(dtype=np.float32)]
    for col, values in cats.items():
        v = x[col].astype(str).to_numpy()
        parts.append((v[:, None] == np.asarray(values, dtype=object)[None, :]).astype(np.float32))
    return np.hstack(parts)


def model_on_raw_inputs(keras, model, norm: dict, sample_shape: tuple[int, ...]):
    """``Input -> Normalization(mean, variance) -> model``: the model on raw inputs.

    The layer holds the job's ``StandardScaler`` statistics as constants
    (``keras.layers.Normalization`` with ``mean``/``variance`` given is never
    adapted and has no trainable weight); :func:`normalization` gives its arguments.
    """
    layer = keras.layers.Normalization(
        axis=norm["axis"], mean=norm["mean"], variance=norm["variance"], name=norm["name"]
    )
    layer.trainable = False
    inp = keras.Input(shape=sample_shape, name="features" if model.name != "features" else "x")
    return keras.Model(inp, model(layer(inp)), name=f"{model.name}_on_raw_inputs")


def save_model(model, path: Path) -> None:
    """``model.save`` to a temporary name, then rename: never half a ``model.keras``."""
    tmp = path.with_name(f".{path.stem}.tmp{os.getpid()}.keras")
    try:
        model.save(tmp)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
