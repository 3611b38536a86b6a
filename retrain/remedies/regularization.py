"""Regularization remedies on a model's Keras config: L2 on the kernels, dropout.

They work on the config as a plain dict (``config.json`` of a ``.keras`` file), so
they are tested without TensorFlow: :func:`apply_l2` (L2 on Dense/Conv kernels) and
:func:`add_dropout` (Dropout after hidden Dense layers).
"""

from __future__ import annotations

import copy

from retrain.models import history_refs
from retrain.remedies.base import Remedy
from retrain.remedies.values import Number

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
        history_refs(ly.get("inbound_nodes", []), lambda h, hit=hit: hit.append(h[0] == name))
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
            history_refs(
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


class L2(Remedy):
    """``l2 = 0.01``: :func:`apply_l2` on the model config.

    Keras adds the penalty to ``loss`` and ``val_loss`` alike, so with L2 ``val_loss``
    is not comparable to an unregularized run's and, as the penalty shrinks while
    weights decay, favours late epochs. The job therefore also logs the cross-entropy
    without the penalty (``crossentropy``, ``val_crossentropy``), and callbacks watch
    ``val_crossentropy`` by default.
    """

    name = "l2"
    title = "L2 regularization"
    does = "penalize large weights of the Dense/Conv kernels"
    stage = "model"
    value = Number(lo=0.0, lo_open=True, default=0.01, editor=(1e-6, 10.0, 6, 0.001))
    logged_keys = ("crossentropy", "val_crossentropy")
    logged_note = "it is the loss without the L2 penalty"
    default_monitor = "val_crossentropy"

    def edit_model(self, config, value):
        config, names = apply_l2(config, value)
        if not names:
            return config, "l2: no Dense/Conv layer to regularize"
        return config, f"l2={value:g} on the kernels of {', '.join(names)}"

    def compile_metrics(self, keras, plan, value):
        """The cross-entropy without the penalty, logged as ``crossentropy``."""
        binary = plan["loss"] == "binary_crossentropy"
        metric = (
            keras.metrics.BinaryCrossentropy
            if binary
            else keras.metrics.SparseCategoricalCrossentropy
        )
        return [metric(name="crossentropy", from_logits=plan["from_logits"])]


class Dropout(Remedy):
    """``dropout = 0.3``: :func:`add_dropout` on the model config."""

    name = "dropout"
    title = "Dropout"
    does = "randomly drop units after the hidden Dense layers while training"
    stage = "model"
    value = Number(
        lo=0.0, hi=1.0, lo_open=True, hi_open=True, default=0.3, editor=(0.01, 0.95, 2, 0.05)
    )

    def edit_model(self, config, value):
        config, names = add_dropout(config, value)
        if not names:
            return config, "dropout: the model has no hidden Dense layer; not added"
        return config, f"dropout={value:g} after {', '.join(names)}"


L2_REGULARIZATION = L2()
DROPOUT = Dropout()
