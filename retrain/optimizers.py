"""The optimizers a retrain spec can name, and their Keras default learning rates."""

from __future__ import annotations

OPTIMIZERS: tuple[str, ...] = ("adam", "sgd", "rmsprop")
#: Keras' default learning rate per optimizer (keras.optimizers.Adam/RMSprop: 0.001, SGD: 0.01);
#: what ``learning_rate = true`` in ``[remedies]`` means.
DEFAULT_LEARNING_RATE: dict[str, float] = {"adam": 0.001, "sgd": 0.01, "rmsprop": 0.001}


def build_optimizer(keras, name: str, learning_rate: float, clipnorm: float | None = None):
    """A fresh Keras optimizer.

    Parameters
    ----------
    keras : module
        The imported ``keras`` (only the worker imports it).
    name : {"adam", "sgd", "rmsprop"}
    learning_rate : float
    clipnorm : float, optional
        Clip each gradient to this L2 norm (``keras.optimizers.Optimizer(clipnorm=...)``).
    """
    cls = {
        "adam": keras.optimizers.Adam,
        "sgd": keras.optimizers.SGD,
        "rmsprop": keras.optimizers.RMSprop,
    }[name]
    kwargs = {"learning_rate": learning_rate}
    if clipnorm is not None:
        kwargs["clipnorm"] = clipnorm
    return cls(**kwargs)
