"""The real worker, waiting at one point of training: ``held_worker.py SPEC [worker args]``.

``python -m retrain.worker`` with one extra Keras callback (the worker's
``extra_callbacks`` hook) that waits where ``FITLENS_TEST_HOLD`` says, so that a cancel,
signal or kill lands mid-epoch however fast or loaded the machine is:

- ``"E:S"``: at batch ``S`` of epoch ``E`` (0-based), until a cancel request or signal
  arrives (at most :data:`HOLD_SECONDS`), after sending a ``batch`` message with
  ``"hold": true``;
- ``"E:val"``: when the validation of epoch ``E`` begins (after its last batch);
- ``"E:S:busy"``: there, regardless of cancel requests (a batch that takes long), until a
  forced stop or :data:`HOLD_SECONDS`; another such message with ``"cancel_seen": true``
  says when a cancel request has arrived.

The callback runs before the worker's progress callback, so a cancel that arrives
during the wait is seen at the same batch.
"""

from __future__ import annotations

import os
import sys
import time

from retrain.protocol import message
from retrain.worker import exit_now, main

#: Longest wait at a hold point (seconds).
HOLD_SECONDS = 120.0


def hold_point() -> tuple[int, int | str, bool] | None:
    """``FITLENS_TEST_HOLD="E:S[:busy]"`` as ``(epoch, step, busy)``; ``S`` a batch or ``val``."""
    parts = os.environ.get("FITLENS_TEST_HOLD", "").split(":")
    try:
        epoch = int(parts[0])
        step = parts[1] if parts[1] == "val" else int(parts[1])
    except (ValueError, IndexError):
        return None
    return epoch, step, parts[2:] == ["busy"]


def hold_callbacks(keras, reporter):
    point = hold_point()
    if point is None:
        return []
    epoch_at, step_at, busy = point
    cancel = reporter.cancel_event

    class Hold(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.epoch = epoch

        def on_train_batch_begin(self, batch, logs=None):
            self.wait(batch)

        def on_test_begin(self, logs=None):
            # fit's validation after the epoch's last batch (Keras passes fit's callbacks on)
            self.wait("val")

        def wait(self, step) -> None:
            if (getattr(self, "epoch", None), step) != (epoch_at, step_at):
                return
            done = reporter.steps if step == "val" else step
            here = dict(epoch=self.epoch, step=done, steps=reporter.steps, hold=True)
            reporter.send(message("batch", **here))
            t_hold, seen = time.monotonic(), False
            while time.monotonic() - t_hold < HOLD_SECONDS:
                if not busy:
                    if cancel.wait(0.05):
                        break
                    continue
                # busy: only a forced stop (a signal) ends this; say when the cancel
                # request has arrived, so a test can send the next one
                if cancel.is_set() and not seen:
                    seen = True
                    reporter.send(message("batch", **here, cancel_seen=True))
                time.sleep(0.05)

    return [Hold()]


if __name__ == "__main__":
    exit_now(main(sys.argv[1:], extra_callbacks=hold_callbacks))
