"""QA round 3 on the detectors: a converged model is not "stuck at the majority-class rate".

Inputs: ``tests/analysis/data/qa3_converged`` (README there): FitLens' own retrain of the
demo for 120 and 80 epochs. ``val_accuracy`` ends constant at a high value (a few
validation rows stay wrong) while the training accuracy reaches 1.0: every training sample
is classified right, so the model cannot be giving every sample the same class. Expected
facts are read from the logs and the demo dataset in each test.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from analysis import load
from analysis.detectors import diagnose, with_class_info

QA3 = Path(__file__).resolve().parent / "data" / "qa3_converged"
LOGS = ["demo_120_epochs.log", "demo_80_epochs.log"]


def _column(path: Path, name: str) -> np.ndarray:
    with open(path, newline="") as fh:
        return np.array([float(r[name]) for r in csv.DictReader(fh)])


@pytest.mark.parametrize("log", LOGS)
def test_the_logs_are_what_the_test_is_about(log):
    acc = _column(QA3 / log, "accuracy")
    val = _column(QA3 / log, "val_accuracy")
    tail = len(val) - int(np.argmax(val[::-1] != val[-1]))  # first epoch of the constant tail
    assert len(val) - tail >= 8  # frozen long enough for the collapse rule to look at it
    assert val[-1] > 0.97 and acc[-1] == 1.0


@pytest.mark.parametrize("log", LOGS)
def test_converged_run_with_training_accuracy_1_is_not_stuck(log):
    (run,) = load(QA3 / log)
    kinds = [f.kind for f in diagnose(run)]
    assert "stuck_at_chance" not in kinds
    assert not any(f.severity in ("warning", "critical") for f in diagnose(run)), kinds


@pytest.mark.parametrize("log", LOGS)
def test_converged_run_is_not_stuck_given_the_demo_majority_rate(log, demo_dir):
    with open(demo_dir / "data.csv", newline="") as fh:
        y = np.array([r["target"] for r in csv.DictReader(fh)])
    _, counts = np.unique(y, return_counts=True)
    major = float(counts.max() / counts.sum())
    assert major == pytest.approx(357 / 417)  # benign share of the demo subset
    (run,) = load(QA3 / log)
    fs = diagnose(run, with_class_info(None, len(counts), major))
    assert "stuck_at_chance" not in [f.kind for f in fs]


# -- restarts: findings from the current attempt, positions said as logged -----------------

RESTART = Path(__file__).resolve().parent / "data" / "qa3_restart"


def test_crash_then_fresh_restart_best_epoch_is_from_the_new_attempt():
    """The crashed attempt reached val_accuracy 0.9386; the fresh one starts over at 0.38."""
    acc = _column(RESTART / "crash_restart.log", "val_accuracy")
    epochs = _column(RESTART / "crash_restart.log", "epoch")
    restart = int(np.flatnonzero(np.diff(epochs) < 0)[0]) + 1
    assert acc[:restart].max() > acc[restart:].max()  # the old best beats the new attempt
    (run,) = load(RESTART / "crash_restart.log")
    assert run.series["val_accuracy"].n_segments == 2
    for f in diagnose(run):
        if f.kind == "overfitting":  # none expected; if any, its best is in the new attempt
            assert f.evidence.get("best_x", restart) >= restart, f.message
    assert "overfitting" not in [f.kind for f in diagnose(run)]


def test_rerun_in_one_tensorboard_folder_names_the_logged_epoch():
    (run,) = load(RESTART / "tb_rerun")
    s = run.series["validation/epoch_loss"]
    assert s.n_segments == 2
    i = int(np.nanargmin(s.value))
    assert i >= s.segments[1]  # the best val_loss comes from the second fit
    (f,) = [f for f in diagnose(run) if f.kind == "overfitting"]
    assert f.start == s.continuous_step()[i]
    logged = int(s.step[i])
    assert f"segment 2 of 2, logged as {logged})" in f.message
    assert "Keras prints" not in f.message  # "Epoch i/N" is per fit, not across two


# -- plateau on losses far below Keras' absolute min_delta ---------------------------------


def _progress_kinds(run) -> list[str]:
    return sorted(
        f"{f.kind}:{f.metric}" for f in diagnose(run) if f.kind in ("plateau", "slow_convergence")
    )


@pytest.mark.parametrize("name", ["healthy_breast_cancer", "healthy_wine", "nan_after_lr_jump"])
def test_loss_in_other_units_is_judged_alike(zoo_dir, name):
    """A positive loss 10,000 times smaller (another unit, a sum vs a mean) still improving
    is not a plateau merely because its steps are below ReduceLROnPlateau's absolute 1e-4."""
    from analysis import naming

    (run,) = load(zoo_dir / name / "training.log")
    (small,) = load(zoo_dir / name / "training.log")
    for n, s in small.series.items():
        if naming.direction(n) == "min" and not naming.is_learning_rate(n):
            s.value[:] = s.value * 1e-4
    assert np.nanmax(small.series["val_loss"].value) < 2e-4  # steps all far below 1e-4
    assert _progress_kinds(small) == _progress_kinds(run)


def test_suggested_callback_monitors_the_keras_logs_key():
    """QA3 #13: the Keras TensorBoard callback writes logs["val_loss"] as validation/epoch_loss;
    EarlyStopping(monitor=...) takes the logs key, not the tag."""
    (run,) = load(RESTART / "tb_rerun")
    (f,) = [f for f in diagnose(run) if f.kind == "overfitting"]
    assert f.metric == "validation/epoch_loss"
    assert "EarlyStopping(monitor='val_loss'," in f.message
