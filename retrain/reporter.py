"""Progress of a retrain job on the protocol stream, and when a cancel stops the fit.

No TensorFlow here: :class:`ProgressReporter` is driven by the worker's Keras callback
(:func:`retrain.keras_callbacks.progress_callback`) and can be driven by a test the same
way, batch by batch. It keeps the history (plain floats), sends ``batch`` messages (at
most every :data:`BATCH_INTERVAL` seconds) and ``epoch`` messages, and decides what a
pending cancel does:

- before an epoch's first batch: leave ``model.fit`` at once
  (:class:`~retrain.cancel.EpochNotStarted`; the weights are the last whole epoch's).
  Setting ``stop_training`` there is not enough: Keras 3 checks it only after a batch
  (and after the callbacks' ``on_epoch_end``), so one batch would run and be logged as a
  whole epoch;
- inside an epoch: stop after the current batch; Keras still ends the cut epoch as an
  epoch (validation, ``on_epoch_end``), so that epoch is marked *partial* with the
  number of batches that ran;
- after an epoch's last batch (during its validation): stop once the epoch ends; Keras
  checks ``stop_training`` right after ``on_epoch_end``, so no batch of a further epoch runs.
"""

from __future__ import annotations

import math
import os
import sys
import threading
import time
from collections.abc import Callable, Mapping

from retrain.cancel import EpochNotStarted
from retrain.protocol import encode, message, plain_logs

#: Batch progress messages are sent at most this often (seconds): ~10 per second.
BATCH_INTERVAL = 0.1


class Channel:
    """The protocol stream on a duplicate of the original stdout; fd 1 goes to stderr.

    Made before TensorFlow loads, so C++ logging, Keras progress bars and stray
    ``print`` calls land on stderr and never corrupt the JSON Lines stream.
    """

    def __init__(self) -> None:
        sys.stdout.flush()
        fd = os.dup(1)
        os.dup2(2, 1)
        self._out = os.fdopen(fd, "wb", buffering=0)
        self._lock = threading.Lock()
        self.broken = False

    def send(self, msg: dict) -> None:
        """Write one message; after a broken pipe, stay quiet (the controller went away)."""
        data = encode(msg)
        with self._lock:
            if self.broken:
                return
            try:
                self._out.write(data)
            except (BrokenPipeError, OSError):
                self.broken = True  # keep training quietly


class ProgressReporter:
    """Epochs and batches of one fit: history, protocol messages, cancel decisions.

    Parameters
    ----------
    send : callable
        Sends one protocol message (:meth:`Channel.send`).
    cancel_event : threading.Event
        Set when a cancel was requested (:attr:`retrain.cancel.CancelRequests.event`).
    steps : int
        Batches per epoch.
    epochs : int
        Epochs planned (in the ``epoch`` messages).
    clock : callable
        Seconds, monotonic (tests pass a fake one).

    Attributes
    ----------
    history : dict of str to list of float
        The epoch logs; a key that appears late is NaN-padded for the epochs before.
    epoch : int
        The current epoch (0-based, as Keras counts).
    epochs_run : int
        Epochs ended so far (a cut epoch included).
    partial : bool
        The last epoch was cut short by a cancel.
    partial_batches : int or None
        Batches the cut epoch ran.
    """

    def __init__(
        self,
        send: Callable[[dict], None],
        cancel_event: threading.Event,
        steps: int,
        epochs: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.send = send
        self.cancel_event = cancel_event
        self.steps = steps
        self.epochs = epochs
        self.clock = clock
        self.history: dict[str, list[float]] = {}
        self.t_train = self.t_epoch = self.t_last = clock()
        self.epoch = 0
        self.step = 0
        self.epochs_run = 0
        self.partial = False
        self.partial_batches: int | None = None

    def train_begin(self) -> None:
        self.t_train = self.clock()

    def epoch_begin(self, epoch: int) -> None:
        """An epoch begins.

        Raises
        ------
        EpochNotStarted
            A cancel arrived since the last epoch ended: nothing of this epoch runs.
        """
        self.epoch, self.step, self.t_epoch = epoch, 0, self.clock()
        if self.cancel_event.is_set():
            raise EpochNotStarted

    def batch_begin(self, batch: int, stopping: bool = False) -> bool:
        """Batch ``batch`` of the current epoch begins (``batch`` batches are done).

        Parameters
        ----------
        stopping : bool
            Training is already set to stop (``model.stop_training``).

        Returns
        -------
        bool
            Stop after this batch (set ``model.stop_training``).

        Raises
        ------
        EpochNotStarted
            A cancel is pending at the epoch's first batch.
        """
        self.step = batch
        stop = False
        if self.cancel_event.is_set() and not stopping:
            if batch == 0:  # nothing of this epoch has run yet
                raise EpochNotStarted
            # unless this is the epoch's last batch, the epoch's logs (training.log row,
            # history, epoch message) cover only the batches that ran
            stop = True
            if batch + 1 < self.steps:
                self.partial = True
                self.partial_batches = batch + 1
        now = self.clock()
        if now - self.t_last >= BATCH_INTERVAL:
            self.t_last = now
            self.send(message("batch", epoch=self.epoch, step=batch, steps=self.steps))
        return stop

    def epoch_end(self, epoch: int, logs: Mapping | None) -> bool:
        """An epoch ended with these logs: record them and send the ``epoch`` message.

        Returns
        -------
        bool
            Stop training now (a cancel arrived after the epoch's last batch).
        """
        stop = self.cancel_event.is_set()
        now = self.clock()
        values = plain_logs(logs)
        n = self.epochs_run
        for k, v in values.items():
            self.history.setdefault(k, [math.nan] * n).append(v)
        self.epochs_run = n + 1
        self.send(
            message(
                "epoch",
                epoch=epoch,
                epochs=self.epochs,
                logs=values,
                seconds=round(now - self.t_epoch, 4),
                elapsed=round(now - self.t_train, 4),
                partial=self.partial,
            )
        )
        return stop
