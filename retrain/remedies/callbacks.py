"""Callback remedies: ReduceLROnPlateau and EarlyStopping, with explicit monitor and mode.

Each callback's arguments are a dataclass whose fields declare their type, range
and dialog box (:func:`retrain.remedies.values.param`). ``monitor`` defaults to
``val_loss``, or to what another remedy asks for (``val_crossentropy`` with L2);
``mode`` is always written explicitly from the monitor's direction, since Keras'
``auto`` treats anything without "acc" in its name as lower-is-better
(:func:`retrain.monitors.check_monitor`).
"""

from __future__ import annotations

from dataclasses import dataclass

from retrain.remedies.base import Remedy
from retrain.remedies.values import Editor, Table, param

#: The dialog's spin box of a callback's ``patience`` (epochs).
_PATIENCE_BOX = Editor("int", minimum=0, maximum=10_000)


@dataclass
class PlateauSpec:
    """``reduce_lr_on_plateau``: keras.callbacks.ReduceLROnPlateau arguments.

    Defaults: ``factor`` 0.2 and ``patience`` 5 as in the retrain spec's documented
    example (Keras' own are 0.1 and 10), ``min_delta`` 1e-4 as Keras.
    """

    factor: float = param(
        0.2,
        "float",
        lo=0.0,
        hi=1.0,
        lo_open=True,
        hi_open=True,
        editor=Editor("float", minimum=0.01, maximum=0.99, decimals=2, step=0.05),
    )
    patience: int = param(5, "int", lo=0, editor=_PATIENCE_BOX)
    monitor: str = param("val_loss", "monitor")
    min_delta: float = param(1e-4, "float", lo=0.0)
    min_lr: float = param(0.0, "float", lo=0.0)
    cooldown: int = param(0, "int", lo=0)
    mode: str | None = param(None, "str")


@dataclass
class EarlyStoppingSpec:
    """``early_stopping``: keras.callbacks.EarlyStopping arguments.

    ``restore_best_weights`` is on by default, and the best epoch's weights are
    restored at the end of training even when EarlyStopping did not trigger (Keras
    2.2-2.5 restored them only when it stopped training itself, keras-team/keras #12511).
    """

    patience: int = param(10, "int", lo=0, editor=_PATIENCE_BOX)
    monitor: str = param("val_loss", "monitor", editor=Editor("monitor"))
    min_delta: float = param(0.0, "float", lo=0.0)
    mode: str | None = param(None, "str")
    restore_best_weights: bool = param(True, "bool")


class ReduceLROnPlateau(Remedy):
    """``reduce_lr_on_plateau = { factor = 0.2, patience = 5 }``."""

    name = "reduce_lr_on_plateau"
    title = "ReduceLROnPlateau"
    does = "lower the learning rate when the monitored metric stalls"
    stage = "callback"
    value = Table(PlateauSpec)
    keras_callback = "ReduceLROnPlateau"

    def callbacks(self, keras, value):
        p = value
        return [
            keras.callbacks.ReduceLROnPlateau(
                monitor=p.monitor,
                factor=p.factor,
                patience=p.patience,
                mode=p.mode,
                min_delta=p.min_delta,
                min_lr=p.min_lr,
                cooldown=p.cooldown,
                verbose=0,
            )
        ]

    def describe(self, value, job):
        p = value
        return [
            f"ReduceLROnPlateau: monitor {p.monitor}, mode {p.mode}, factor {p.factor:g}, "
            f"patience {p.patience}, min_delta {p.min_delta:g}"
            + (f", min_lr {p.min_lr:g}" if p.min_lr else "")
            + (f", cooldown {p.cooldown}" if p.cooldown else "")
        ]


class EarlyStopping(Remedy):
    """``early_stopping = { patience = 10 }``."""

    name = "early_stopping"
    title = "Early stopping"
    does = "stop at the best epoch and restore its weights"
    stage = "callback"
    value = Table(EarlyStoppingSpec)
    keras_callback = "EarlyStopping"

    def callbacks(self, keras, value):
        e = value
        restoring = restoring_early_stopping(keras)
        return [
            restoring(
                monitor=e.monitor,
                patience=e.patience,
                mode=e.mode,
                min_delta=e.min_delta,
                restore_best_weights=e.restore_best_weights,
                verbose=0,
            )
        ]

    def describe(self, value, job):
        e = value
        weights = (
            ", restore_best_weights (the best epoch's weights are saved)"
            if e.restore_best_weights
            else ", last epoch's weights kept"
        )
        return [
            f"EarlyStopping: monitor {e.monitor}, mode {e.mode}, patience {e.patience}"
            + (f", min_delta {e.min_delta:g}" if e.min_delta else "")
            + weights
        ]


def restoring_early_stopping(keras) -> type:
    """``keras.callbacks.EarlyStopping`` that always restores the best weights at the end.

    Keras 3 restores in ``on_train_end``; Keras 2.2-2.5 restored only when it stopped
    training itself (keras-team/keras #12511). Restoring here explicitly makes the saved
    model the best epoch's in every version, and records which epoch that is in
    ``restored_epoch`` (0-based; None when nothing was restored), which the worker reads
    to say which weights ``model.keras`` holds.
    """

    class RestoringEarlyStopping(keras.callbacks.EarlyStopping):
        restored_epoch: int | None = None

        def on_train_end(self, logs=None):
            if self.restore_best_weights and self.best_weights is not None:
                self.model.set_weights(self.best_weights)
                self.restored_epoch = int(self.best_epoch)

    return RestoringEarlyStopping


REDUCE_LR_ON_PLATEAU = ReduceLROnPlateau()
EARLY_STOPPING = EarlyStopping()
