"""Models of a retrain job: a user's ``.keras`` architecture, or the built-in MLP.

Everything that inspects a model works on its Keras config, read straight from
the ``.keras`` zip (``config.json``) without TensorFlow: a model with ``Lambda``
layers (code stored in the file) is refused before anything is deserialised,
unless the spec sets ``[model] allow_unsafe = true``. Nothing here imports Keras:
the worker builds the model from the config with :func:`retrain.keras_model.build_model`.

The model is always rebuilt from its config, so its weights are fresh (the
initialisers run again, seeded by ``keras.utils.set_random_seed``); the weights in
the user's file are never read.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from retrain.errors import RetrainError

_PROBABILITY_ACTIVATIONS = ("sigmoid", "softmax")
#: Model classes whose config holds a list of layers (a model nested as a layer).
MODEL_CLASSES = ("Sequential", "Functional", "Model")
#: Name of the fixed ``Normalization`` layer a retrain job puts in front of the
#: trained model when the ``standardize`` remedy is on (:mod:`retrain.export`).
STANDARDIZE_LAYER = "fitlens_standardize"


def history_refs(obj, fn) -> None:
    """Call ``fn(history_list)`` on every ``keras_history`` inside ``obj``."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k == "keras_history" and isinstance(v, list) and v:
                fn(v)
            else:
                history_refs(v, fn)
    elif isinstance(obj, list):
        for v in obj:
            history_refs(v, fn)


def read_model_config(path: str | Path) -> dict:
    """The model config stored in a Keras 3 ``.keras`` file.

    Parameters
    ----------
    path : path-like

    Returns
    -------
    dict
        ``config.json`` of the archive (``module``, ``class_name``, ``config``...).

    Raises
    ------
    RetrainError
        Not a ``.keras`` archive (legacy HDF5 files are named as such), or no
        readable ``config.json`` inside.
    """
    p = Path(path)
    try:
        with open(p, "rb") as fh:
            magic = fh.read(8)
    except OSError as exc:
        raise RetrainError(p, exc.strerror or str(exc), kind="model") from None
    if magic.startswith(b"\x89HDF"):
        raise RetrainError(
            p,
            "a legacy HDF5 (.h5) model; load it in Keras and save it again as .keras",
            kind="model",
        )
    try:
        with zipfile.ZipFile(p) as zf:
            raw = zf.read("config.json")
    except KeyError:
        raise RetrainError(
            p, "no config.json inside; not a Keras 3 .keras file", kind="model"
        ) from None
    except (zipfile.BadZipFile, OSError) as exc:
        raise RetrainError(
            p, f"not a Keras 3 .keras file ({' '.join(str(exc).split())})", kind="model"
        ) from None
    try:
        cfg = json.loads(raw)
    except ValueError as exc:
        raise RetrainError(p, f"config.json is not valid JSON ({exc})", kind="model") from None
    if not isinstance(cfg, dict) or "class_name" not in cfg:
        raise RetrainError(p, "config.json does not describe a Keras model", kind="model")
    return cfg


def _layers(config: dict):
    cfg = config.get("config")
    for ly in (cfg.get("layers") if isinstance(cfg, dict) else None) or []:
        if isinstance(ly, dict):
            yield ly
            yield from _layers(ly)


def unsafe_layers(config: dict) -> list[str]:
    """Names of ``Lambda`` layers (they hold Python code that loading would run)."""
    return [
        str(ly.get("config", {}).get("name", "?"))
        for ly in _layers(config)
        if ly.get("class_name") == "Lambda"
    ]


def custom_objects(config: dict) -> list[str]:
    """Layers/objects registered outside Keras (``registered_name`` of a non-Keras module)."""
    out = []

    def walk(o):
        if isinstance(o, dict):
            mod = o.get("module")
            if o.get("registered_name") and isinstance(mod, str) and not mod.startswith("keras"):
                out.append(f"{o['registered_name']} (module {mod})")
            for v in o.values():
                walk(v)
        elif isinstance(o, list):
            for v in o:
                walk(v)

    walk(config)
    return out


def check_model(path: str | Path, allow_unsafe: bool = False) -> dict:
    """Read a user's model config and refuse what cannot be rebuilt safely.

    Parameters
    ----------
    path : path-like
        ``.keras`` file.
    allow_unsafe : bool
        Accept ``Lambda`` layers (Keras ``safe_mode=False``).

    Returns
    -------
    dict
        The model config.

    Raises
    ------
    RetrainError
        Lambda layers without ``allow_unsafe`` (Keras' ``safe_mode`` exists because
        deserialising a Lambda runs arbitrary code), custom layers FitLens cannot
        import, or a model that is neither Sequential nor Functional.
    """
    cfg = read_model_config(path)
    lam = unsafe_layers(cfg)
    if lam and not allow_unsafe:
        raise RetrainError(
            path,
            f"has Lambda layer(s) {', '.join(lam)}: loading them runs code "
            "stored in the file, so FitLens refuses (Keras safe_mode); if you "
            "trust the file, set [model] allow_unsafe = true",
            kind="model",
        )
    custom = custom_objects(cfg)
    if custom:
        raise RetrainError(
            path,
            f"uses custom objects FitLens cannot import: "
            f"{', '.join(custom[:3])}; retrain it in your own code or use the "
            "built-in MLP",
            kind="model",
        )
    if cfg.get("class_name") not in ("Sequential", "Functional", "Model"):
        raise RetrainError(
            path,
            f"a subclassed model ({cfg.get('class_name')}) cannot be "
            "rebuilt from its config; use a Sequential or Functional model",
            kind="model",
        )
    return cfg


def input_shape(config: dict) -> tuple[int | None, ...] | None:
    """Shape of one input sample (without the batch axis), or None if not recorded."""
    cfg = config.get("config", {})
    layers = cfg.get("layers") or []
    if config.get("class_name") == "Sequential":
        for ly in layers[:1]:
            if ly.get("class_name") == "InputLayer":
                bs = ly["config"].get("batch_shape") or ly["config"].get("batch_input_shape")
                return tuple(bs[1:]) if bs else None
            bc = (ly.get("build_config") or {}).get("input_shape")
            if bc:
                return tuple(bc[1:])
        bis = cfg.get("build_input_shape")
        return tuple(bis[1:]) if bis else None
    ins = cfg.get("input_layers") or []
    if ins and isinstance(ins[0], list):
        if len(ins) != 1:
            return None
        ins = ins[0]
    name = ins[0] if ins else None
    for ly in layers:
        if ly.get("name") == name and ly.get("class_name") == "InputLayer":
            bs = ly["config"].get("batch_shape")
            return tuple(bs[1:]) if bs else None
    return None


def output_head(config: dict) -> tuple[int | None, str | None]:
    """Units and activation of the model's (single) output.

    Returns
    -------
    (units, activation)
        ``activation`` as a name (``"sigmoid"``, ``"softmax"``, ``"linear"``...);
        a trailing ``Activation``/``Softmax`` layer counts as the output's
        activation. ``(None, None)`` when it cannot be told from the config.
    """
    cfg = config.get("config", {})
    layers = [ly for ly in cfg.get("layers") or [] if isinstance(ly, dict)]
    if not layers:
        return None, None
    if config.get("class_name") == "Sequential":
        chain = layers
    elif config.get("class_name") not in MODEL_CLASSES:
        return None, None
    else:
        outs = cfg.get("output_layers") or []
        if outs and isinstance(outs[0], list):
            if len(outs) != 1:
                return None, None
            outs = outs[0]
        by_name = {ly.get("name"): ly for ly in layers}
        chain, cur = [], by_name.get(outs[0] if outs else None)
        while cur is not None:
            chain.insert(0, cur)
            if cur.get("class_name") in ("Dense", "EinsumDense", *MODEL_CLASSES):
                break
            prev = []
            history_refs(cur.get("inbound_nodes", []), lambda h, p=prev: p.append(h[0]))
            cur = by_name.get(prev[0]) if len(set(prev)) == 1 else None
    act = None
    for ly in reversed(chain):
        c = ly.get("config", {})
        name = ly.get("class_name")
        if name == "Softmax" and act is None:
            act = "softmax"
        elif name == "Activation" and act is None:
            act = _activation_name(c.get("activation"))
        elif name in ("Dense", "EinsumDense"):
            units = c.get("units")
            if act is None:
                act = _activation_name(c.get("activation")) or "linear"
            return (int(units) if isinstance(units, int) else None), act
        elif name in MODEL_CLASSES and isinstance(c.get("layers"), list):
            # a nested model (e.g. a retrained model behind its standardization layer)
            units, inner = output_head(ly)
            return units, act or inner
    return None, act


def strip_standardizer(config: dict) -> tuple[dict, bool]:
    """The trained model inside a retrain job's ``model.keras``, without its scaling layer.

    A job with ``standardize`` saves ``Input -> Normalization(name
    "fitlens_standardize") -> trained model`` (:func:`retrain.export.normalization`).
    Retraining that file with ``standardize`` again must not scale twice: the
    inner model is retrained and the new job's statistics go in front of it.

    Parameters
    ----------
    config : dict
        A model config (``config.json`` of a ``.keras`` file).

    Returns
    -------
    (config, stripped)
        The inner model's config and True, or ``config`` itself and False when
        it is not such a wrapper.
    """
    cfg = config.get("config")
    layers = cfg.get("layers") if isinstance(cfg, dict) else None
    if config.get("class_name") not in ("Functional", "Model") or not isinstance(layers, list):
        return config, False
    kinds = [ly.get("class_name") if isinstance(ly, dict) else None for ly in layers]
    if (
        len(layers) != 3
        or kinds[:2] != ["InputLayer", "Normalization"]
        or kinds[2] not in MODEL_CLASSES
        or (layers[1].get("config") or {}).get("name") != STANDARDIZE_LAYER
    ):
        return config, False
    inner = {
        k: v
        for k, v in layers[2].items()
        if k not in ("inbound_nodes", "name", "build_config", "compile_config")
    }
    return inner, True


def _activation_name(a) -> str | None:
    if isinstance(a, str):
        return a
    if isinstance(a, dict):
        return str(a.get("config", {}).get("name") or a.get("class_name") or "") or None
    return None


def loss_plan(
    units: int | None, activation: str | None, n_classes: int, source: str = "model"
) -> dict:
    """Loss, label format and accuracy metric that fit a model's output and the data.

    Parameters
    ----------
    units, activation
        From :func:`output_head`.
    n_classes : int
        Classes in the data.

    Returns
    -------
    dict
        ``loss`` (``"binary_crossentropy"`` or ``"sparse_categorical_crossentropy"``),
        ``from_logits`` (True unless the output is sigmoid/softmax), ``units``.

    Raises
    ------
    RetrainError
        The output cannot represent the classes (3 units for 2 classes...).
    """
    from_logits = activation not in _PROBABILITY_ACTIVATIONS
    if units == 1:
        if n_classes != 2:
            raise RetrainError(
                source,
                f"the model has one output unit but the data has {n_classes} classes",
                kind="model",
            )
        if activation == "softmax":
            raise RetrainError(
                source,
                "a single output unit with softmax always outputs 1.0; use sigmoid for two classes",
                kind="model",
            )
        return {"loss": "binary_crossentropy", "from_logits": from_logits, "units": 1}
    if units is None or units == n_classes:
        return {
            "loss": "sparse_categorical_crossentropy",
            "from_logits": from_logits,
            "units": units if units is not None else n_classes,
        }
    raise RetrainError(
        source,
        f"the model outputs {units} units but the data has {n_classes} classes",
        kind="model",
    )


def mlp_config(
    sample_shape: tuple[int, ...],
    n_classes: int,
    hidden: list[int],
    activation: str = "relu",
    name: str = "fitlens_mlp",
) -> dict:
    """Keras 3 config of the built-in MLP.

    ``Input -> [Flatten] -> Dense(h, activation) ... -> Dense(1, sigmoid)`` for two
    classes, ``Dense(K, softmax)`` for K > 2 (the seed model of the demo is
    ``Dense(64, relu) -> Dense(1, sigmoid)``).

    Parameters
    ----------
    sample_shape : tuple of int
        Shape of one sample after encoding; more than one axis adds a Flatten.
    n_classes : int
    hidden : list of int
        Units per hidden layer.
    activation : str
        Hidden activation.

    Returns
    -------
    dict
        A Sequential config for ``keras.saving.deserialize_keras_object``.
    """

    def layer(cls: str, **cfg) -> dict:
        return {"module": "keras.layers", "class_name": cls, "config": cfg, "registered_name": None}

    layers = [layer("InputLayer", batch_shape=[None, *map(int, sample_shape)], name="features")]
    if len(sample_shape) > 1:
        layers.append(layer("Flatten", name="flatten"))
    for i, units in enumerate(hidden, 1):
        layers.append(layer("Dense", units=int(units), activation=activation, name=f"hidden_{i}"))
    out_units, out_act = (1, "sigmoid") if n_classes == 2 else (n_classes, "softmax")
    layers.append(layer("Dense", units=out_units, activation=out_act, name="output"))
    return {
        "module": "keras",
        "class_name": "Sequential",
        "config": {"name": name, "layers": layers},
        "registered_name": None,
    }
