"""Collapse to chance partway through a run is found where it starts; a converged model
whose validation accuracy ends constant is not "stuck at the majority-class rate".

Inputs: ``tests/analysis/data/keras_high_lr/digits_collapse`` (digits, SGD(1.5,
momentum=0.9): one fit logged by CSVLogger, History and the TensorBoard callback),
``tests/analysis/data/demo_converged`` (FitLens' own retrain of the demo for 120 and 80
epochs: ``val_accuracy`` ends constant at a high value while the training accuracy
reaches 1.0), the shared zoo, the demo dataset and scikit-learn's digits. Expected
numbers are read from the logs themselves in each test, not copied from FitLens' output.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pytest
from analysis_testutil import csv_column, one_run

from analysis import load
from analysis.detectors import diagnose, with_class_info

DATA = Path(__file__).resolve().parent / "data"
COLLAPSE = DATA / "keras_high_lr" / "digits_collapse"
CONVERGED = DATA / "demo_converged"
CONVERGED_LOGS = ["demo_120_epochs.log", "demo_80_epochs.log"]


def _kinds(findings) -> list[str]:
    return sorted(f.kind for f in findings)


# -- a collapse to chance partway through a run --------------------------------------------


def _collapse_facts():
    """Where val_accuracy froze and what it reached before, read off training.log."""
    acc = csv_column(COLLAPSE / "training.log", "val_accuracy")
    loss = csv_column(COLLAPSE / "training.log", "val_loss")
    last = acc[-1]
    i0 = len(acc) - int(np.argmax(acc[::-1] != last))  # first epoch of the constant tail
    return acc, loss, i0, float(np.max(acc[:i0])), int(np.argmax(acc[:i0]))


@pytest.mark.parametrize("log", ["training.log", "history.json"])
def test_collapse_to_chance_partway_is_found_where_it_starts(log):
    acc, loss, i0, top, itop = _collapse_facts()
    assert (i0, round(acc[-1], 4)) == (7, 0.1)  # read off the log: exactly 0.1000 from epoch 7
    fs = diagnose(one_run(COLLAPSE / log))
    stuck = [f for f in fs if f.kind == "stuck_at_chance"]
    assert len(stuck) == 1, _kinds(fs)
    f = stuck[0]
    assert f.severity == "critical"
    assert f.metric == "val_accuracy"
    assert (f.start, f.end) == (i0, len(acc) - 1)
    ev = f.evidence["lead"]
    assert f.evidence["rule"] == "collapse" and f.evidence["level"] == "chance"
    assert f.evidence["title"] == "Collapsed to chance"
    assert ev["n_classes"] == 10 and ev["value"] == pytest.approx(0.1, abs=1e-6)
    assert ev["before_max"] == pytest.approx(top) and ev["before_max_x"] == itop
    assert ev["loss_median"] == pytest.approx(float(np.median(loss[i0:])))
    assert ev["loss_at_ln_k"] is True
    assert abs(ev["loss_median"] / math.log(10) - 1) < 0.05
    assert f"from epoch {i0} on, after reaching {top:.4f} at epoch {itop}" in f.message
    assert "collapsed" in f.message and "ln 10 = 2.303" in f.message
    assert "learning rate too high" in f.causes[0] and any("dead ReLU" in c for c in f.causes)
    assert "learning_rate" in f.remedies and "gradient_clipping" in f.remedies
    # the flat loss after the collapse is part of the collapse, not a plateau of its own
    assert not [g for g in fs if g.kind == "plateau"]


def test_collapse_in_the_tensorboard_logs_and_with_the_class_count_given():
    _, _, i0, _, _ = _collapse_facts()
    tb = diagnose(one_run(COLLAPSE / "logs"))
    stuck = [f for f in tb if f.kind == "stuck_at_chance"]
    assert [(f.metric, f.start) for f in stuck] == [("validation/epoch_accuracy", i0)]
    assert "learning rate 1.5" in stuck[0].causes[0]  # the TensorBoard callback logs the LR
    # --data digits.csv: the class count and majority share of the data the run was trained on
    from sklearn.datasets import load_digits

    from analysis.dataset_labels import class_info

    k, major = class_info(load_digits().target)
    assert k == 10
    given = diagnose(one_run(COLLAPSE / "training.log"), with_class_info(None, k, major))
    f = next(f for f in given if f.kind == "stuck_at_chance")
    assert f.start == i0 and f.evidence["lead"]["level_from"] == "given"
    assert "(class count given)" in f.message


def test_collapse_seen_from_the_loss_alone_needs_the_class_count():
    _, loss, i0, _, _ = _collapse_facts()
    run = one_run(COLLAPSE / "training.log")
    for name in ("accuracy", "val_accuracy"):
        del run.series[name]
    assert not [f for f in diagnose(run) if f.kind == "stuck_at_chance"]
    fs = diagnose(run, with_class_info(None, 10, None))
    f = next(f for f in fs if f.kind == "stuck_at_chance")
    assert f.metric == "val_loss" and f.start == i0 and f.severity == "critical"
    assert f.evidence["lead"]["loss_median"] == pytest.approx(float(np.median(loss[i0:])))
    assert f"rose back to ln 10 from epoch {i0} on" in f.message


# -- freezes after learning are no collapse ------------------------------------------------


def test_collapse_rule_leaves_late_freezes_above_chance_alone(zoo_dir):
    # a run whose validation accuracy ends constant after learning (0.9667 for its last
    # epochs, training accuracy 1.0) is not a collapse
    for log in ("training.log", "history.json"):
        fs = diagnose(one_run(zoo_dir / "overfit_adam_high_lr_reduce_lr" / log))
        assert "stuck_at_chance" not in _kinds(fs)


@pytest.mark.parametrize("log", CONVERGED_LOGS)
def test_the_converged_logs_are_what_the_tests_are_about(log):
    acc = csv_column(CONVERGED / log, "accuracy")
    val = csv_column(CONVERGED / log, "val_accuracy")
    tail = len(val) - int(np.argmax(val[::-1] != val[-1]))  # first epoch of the constant tail
    assert len(val) - tail >= 8  # frozen long enough for the collapse rule to look at it
    assert val[-1] > 0.97 and acc[-1] == 1.0


@pytest.mark.parametrize("log", CONVERGED_LOGS)
def test_converged_run_with_training_accuracy_1_is_not_stuck(log):
    (run,) = load(CONVERGED / log)
    kinds = [f.kind for f in diagnose(run)]
    assert "stuck_at_chance" not in kinds
    assert not any(f.severity in ("warning", "critical") for f in diagnose(run)), kinds


@pytest.mark.parametrize("log", CONVERGED_LOGS)
def test_converged_run_is_not_stuck_given_the_demo_majority_rate(log, demo_dir):
    with open(demo_dir / "data.csv", newline="") as fh:
        y = np.array([r["target"] for r in csv.DictReader(fh)])
    _, counts = np.unique(y, return_counts=True)
    major = float(counts.max() / counts.sum())
    assert major == pytest.approx(357 / 417)  # benign share of the demo subset
    (run,) = load(CONVERGED / log)
    fs = diagnose(run, with_class_info(None, len(counts), major))
    assert "stuck_at_chance" not in [f.kind for f in fs]
