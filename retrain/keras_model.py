"""Build a Keras model from its config: the one place of the worker's model code that
imports Keras (the GUI process imports :mod:`retrain.models` to inspect models and must
never load Keras; the import contract in ``.importlinter`` checks it)."""

from __future__ import annotations

from retrain.errors import RetrainError


def build_model(config: dict, allow_unsafe: bool = False, source: str = "model"):
    """Deserialise a model config into a Keras model with fresh weights (worker only).

    Parameters
    ----------
    config : dict
        Model config (possibly changed by :func:`retrain.remedies.regularization.apply_l2` /
        :func:`retrain.remedies.regularization.add_dropout`).
    allow_unsafe : bool
        ``safe_mode=False`` (Lambda layers).
    source : str
        The model file (or ``"built-in MLP"``), named in the error.

    Raises
    ------
    RetrainError
        When Keras cannot build the model; the reason in one line.
    """
    import keras

    try:
        model = keras.saving.deserialize_keras_object(config, safe_mode=not allow_unsafe)
    except Exception as exc:  # Keras raises TypeError/ValueError with multi-line texts
        msg = " ".join(str(exc).split())
        raise RetrainError(
            source, f"Keras could not rebuild the model: {msg[:300]}", kind="model"
        ) from None
    if not isinstance(model, keras.Model):
        raise RetrainError(
            source, f"the config describes a {type(model).__name__}, not a model", kind="model"
        )
    return model
