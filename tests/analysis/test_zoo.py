"""Every label of the 16 labelled zoo runs, from training.log and from history.json alike.

The labels (``meta.json`` ``expect``: ``must``, ``must_any``, ``must_not``) were set by
whoever trained the runs; the detectors are not tuned to this test's numbers. Both
files of a run hold the same curves and must give the same findings (kind, severity,
metric and span; ``history.json`` may carry an extra ``learning_rate`` key, which can
only add evidence).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from shared_paths import ZOO

from analysis import load
from analysis.detectors import diagnose

RUNS = sorted(p.name for p in ZOO.iterdir() if (p / "meta.json").is_file()) if ZOO.is_dir() else []


def _findings(path: Path):
    runs = load(path)
    assert len(runs) == 1
    return diagnose(runs[0])


@pytest.mark.parametrize("log", ["training.log", "history.json"])
@pytest.mark.parametrize("name", RUNS)
def test_zoo_labels(zoo_dir, name, log):
    expect = json.loads((zoo_dir / name / "meta.json").read_text())["expect"]
    kinds = {f.kind for f in _findings(zoo_dir / name / log)}
    for k in expect.get("must", []):
        assert k in kinds, f"{name}/{log}: missed {k} (found {sorted(kinds)})"
    for group in expect.get("must_any", []):
        assert kinds & set(group), f"{name}/{log}: none of {group} (found {sorted(kinds)})"
    for k in expect.get("must_not", []):
        assert k not in kinds, f"{name}/{log}: false {k}"


@pytest.mark.parametrize("name", RUNS)
def test_zoo_both_files_agree(zoo_dir, name):
    a = [
        (f.kind, f.severity, f.metric, f.start, f.end)
        for f in _findings(zoo_dir / name / "training.log")
    ]
    b = [
        (f.kind, f.severity, f.metric, f.start, f.end)
        for f in _findings(zoo_dir / name / "history.json")
    ]
    assert a == b


def test_zoo_has_all_sixteen_runs(zoo_dir):
    assert len(RUNS) == 16


def test_stuck_majority_value_is_the_val_majority_rate(zoo_dir):
    """The frozen validation accuracy equals meta.json's val_majority_rate (0.92)."""
    d = zoo_dir / "stuck_majority_imbalanced_l2"
    meta = json.loads((d / "meta.json").read_text())
    f = next(f for f in _findings(d / "training.log") if f.kind == "stuck_at_chance")
    assert f.metric == "val_accuracy" and f.severity == "critical"
    assert f.evidence["lead"]["value"] == pytest.approx(meta["val_majority_rate"], abs=1e-6)
    assert f.evidence["lead"]["from_x"] == 0
    assert "class_weight" in f.remedies and "random_oversample" in f.remedies


def test_nan_after_lr_jump_first_bad_epoch(zoo_dir):
    """training.log: loss finite for epochs 0-14, NaN from epoch 15 (30 epochs)."""
    f = next(
        f
        for f in _findings(zoo_dir / "nan_after_lr_jump" / "training.log")
        if f.kind == "non_finite"
    )
    assert f.severity == "critical"
    assert f.start == 15 and f.end == 29
    info = f.evidence["metrics"]["loss"]
    assert info["n_nonfinite"] == 15 and info["last_finite_x"] == 14
    assert "Epoch 16/30" in f.message  # what Keras' progress bar printed for epoch 15


def test_nan_after_lr_jump_history_names_the_lr_jump(zoo_dir):
    """history.json also logged learning_rate 0.01 -> 200 at epoch 15: ranked first."""
    f = next(
        f
        for f in _findings(zoo_dir / "nan_after_lr_jump" / "history.json")
        if f.kind == "non_finite"
    )
    assert f.evidence["lr_jump"]["to"] == pytest.approx(200.0)
    assert "raised" in f.causes[0]


def test_overfit_best_epoch_is_what_early_stopping_restores(zoo_dir):
    """overfit_breast_cancer_small: val_loss minimum 0.1527 at epoch 3 (of 250)."""
    f = next(
        f
        for f in _findings(zoo_dir / "overfit_breast_cancer_small" / "training.log")
        if f.kind == "overfitting"
    )
    assert f.evidence["best_x"] == 3
    assert f.evidence["best"] == pytest.approx(0.1527, abs=1e-4)
    assert f.evidence["early_stopping"]["stop_x"] == 6  # best + patience 3
    assert f.evidence["train_end"] < f.evidence["train_at_best"]
    assert f.remedies[0] == "early_stopping"


def test_slow_sgd_projection_is_below_the_last_value(zoo_dir):
    f = next(
        f
        for f in _findings(zoo_dir / "slow_sgd_unfinished" / "training.log")
        if f.kind == "slow_convergence"
    )
    assert f.metric == "val_loss" and f.end == 119
    assert f.evidence["last"] == pytest.approx(0.3867, abs=1e-4)
    assert 0 < f.evidence["projected"] < f.evidence["last"]
    assert "more_epochs" in f.remedies
