"""The progress reporter without TensorFlow: messages, history and what a cancel stops."""

from __future__ import annotations

import math
import threading

import pytest

from retrain.cancel import EpochNotStarted
from retrain.reporter import BATCH_INTERVAL, ProgressReporter


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _reporter(steps=10, epochs=3):
    sent: list[dict] = []
    cancel = threading.Event()
    clock = Clock()
    rep = ProgressReporter(sent.append, cancel, steps=steps, epochs=epochs, clock=clock)
    return rep, sent, cancel, clock


def _run_epoch(rep, clock, epoch, steps, logs, cancel_at=None, cancel=None):
    """Drive the reporter as Keras' callbacks do; returns the batches that ran."""
    rep.epoch_begin(epoch)
    ran = 0
    for batch in range(steps):
        if cancel_at == batch:
            cancel.set()
        stop = rep.batch_begin(batch)
        clock.now += 0.03
        ran += 1
        if stop:
            break
    return ran, rep.epoch_end(epoch, logs)


def test_batch_messages_are_throttled_and_epochs_are_reported():
    rep, sent, _, clock = _reporter(steps=10)
    rep.train_begin()
    ran, stop = _run_epoch(rep, clock, 0, 10, {"loss": 0.5, "val_loss": 0.6})
    assert (ran, stop) == (10, False)
    batches = [m for m in sent if m["type"] == "batch"]
    # 10 batches 30 ms apart: at most one message per BATCH_INTERVAL
    assert BATCH_INTERVAL == 0.1 and 2 <= len(batches) <= 3
    assert all(m["steps"] == 10 and m["epoch"] == 0 for m in batches)
    (epoch,) = [m for m in sent if m["type"] == "epoch"]
    assert epoch["epochs"] == 3 and epoch["partial"] is False
    assert epoch["logs"] == {"loss": 0.5, "val_loss": 0.6}
    assert epoch["seconds"] == pytest.approx(0.3) and rep.epochs_run == 1


def test_a_cancel_mid_epoch_stops_after_the_batch_and_marks_the_epoch_partial():
    rep, sent, cancel, clock = _reporter(steps=10)
    _run_epoch(rep, clock, 0, 10, {"loss": 0.5})
    ran, stop = _run_epoch(rep, clock, 1, 10, {"loss": 0.4}, cancel_at=4, cancel=cancel)
    assert ran == 5 and stop is True  # batches 0..4 ran
    assert rep.partial is True and rep.partial_batches == 5
    assert sent[-1]["type"] == "epoch" and sent[-1]["partial"] is True
    assert rep.epochs_run == 2
    # the next epoch does not start
    with pytest.raises(EpochNotStarted):
        rep.epoch_begin(2)


def test_a_cancel_at_an_epochs_last_batch_keeps_the_epoch_whole():
    rep, _, cancel, clock = _reporter(steps=4)
    ran, stop = _run_epoch(rep, clock, 0, 4, {"loss": 0.5}, cancel_at=3, cancel=cancel)
    assert (ran, stop) == (4, True)
    assert rep.partial is False and rep.partial_batches is None


def test_a_cancel_during_validation_stops_when_the_epoch_ends():
    rep, _, cancel, clock = _reporter(steps=4)
    rep.epoch_begin(0)
    for batch in range(4):
        assert rep.batch_begin(batch) is False
    cancel.set()  # while Keras validates
    assert rep.epoch_end(0, {"loss": 0.5}) is True
    assert rep.partial is False and rep.epochs_run == 1


def test_a_cancel_before_an_epochs_first_batch_runs_nothing_of_it():
    rep, sent, cancel, _ = _reporter()
    rep.epoch_begin(0)
    cancel.set()
    with pytest.raises(EpochNotStarted):
        rep.batch_begin(0)
    assert rep.epochs_run == 0 and not [m for m in sent if m["type"] == "epoch"]


def test_a_key_logged_late_is_padded_with_nan():
    rep, _, _, clock = _reporter(steps=1)
    _run_epoch(rep, clock, 0, 1, {"loss": 1.0})
    _run_epoch(rep, clock, 1, 1, {"loss": 0.5, "learning_rate": 0.001})
    assert rep.history["loss"] == [1.0, 0.5]
    lr = rep.history["learning_rate"]
    assert math.isnan(lr[0]) and lr[1] == 0.001
