"""The Keras callbacks of a retrain job (built in the worker, after Keras is imported).

Keras is passed in, never imported here, so importing this module loads no TensorFlow.
Order of a job's callbacks: the learning-rate logger, the callback-stage remedies
(:meth:`retrain.remedies.base.Remedy.callbacks`), ``CSVLogger``, any extra callbacks
(an explicit hook, :func:`retrain.training.run_job`), then the progress callback, so a
cancel that arrives while an extra callback runs is seen at the same batch.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from retrain.reporter import ProgressReporter

#: ``extra_callbacks(keras, reporter) -> list of callbacks``: callbacks a caller adds to a
#: job, e.g. a test that waits at one batch until it has sent a cancel.
ExtraCallbacks = Callable[[object, ProgressReporter], Sequence]


def learning_rate_logger(keras):
    """A callback adding the optimizer's learning rate to the epoch logs (Keras 3 key
    ``learning_rate``), so ``training.log`` shows what ReduceLROnPlateau did."""

    class LearningRateLogger(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if logs is not None:
                lr = self.model.optimizer.learning_rate
                logs["learning_rate"] = float(keras.ops.convert_to_numpy(lr))

    return LearningRateLogger()


def progress_callback(keras, reporter: ProgressReporter):
    """A callback driving ``reporter``: protocol messages, history, cancel (see
    :mod:`retrain.reporter` for when a cancel stops the fit)."""

    class Progress(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            reporter.train_begin()

        def on_epoch_begin(self, epoch, logs=None):
            reporter.epoch_begin(epoch)

        def on_train_batch_begin(self, batch, logs=None):
            # `batch` batches of this epoch are done; no logs needed here, so this
            # costs no device sync (unlike on_train_batch_end)
            if reporter.batch_begin(batch, stopping=bool(self.model.stop_training)):
                self.model.stop_training = True

        def on_epoch_end(self, epoch, logs=None):
            if reporter.epoch_end(epoch, logs):
                self.model.stop_training = True

    return Progress()


def job_callbacks(
    keras,
    spec,
    out: Path,
    reporter: ProgressReporter,
    extra_callbacks: ExtraCallbacks | None = None,
) -> tuple[list, object | None]:
    """Every callback of a job, and the one that restores the best weights (or None).

    Parameters
    ----------
    keras : module
    spec : retrain.spec.Spec
    out : Path
        The job folder (``training.log`` goes there).
    reporter : ProgressReporter
    extra_callbacks : callable, optional
        ``extra_callbacks(keras, reporter)``: callbacks run before the progress callback.

    Returns
    -------
    (callbacks, restorer)
        ``restorer`` has ``restored_epoch``, ``monitor`` and ``stopped_epoch``
        (:func:`retrain.remedies.callbacks.restoring_early_stopping`).
    """
    callbacks: list = [learning_rate_logger(keras)]
    for remedy, value in spec.remedies.by_stage("callback"):
        callbacks += remedy.callbacks(keras, value)
    restorer = next((cb for cb in callbacks if hasattr(cb, "restored_epoch")), None)
    callbacks.append(keras.callbacks.CSVLogger(str(out / "training.log")))
    if extra_callbacks is not None:
        callbacks += list(extra_callbacks(keras, reporter))
    callbacks.append(progress_callback(keras, reporter))
    return callbacks, restorer
