"""Before/after comparison over real logs from the shared corpus and zoo."""

from __future__ import annotations

import json

import numpy as np
import pytest

from analysis.model import Finding
from analysis.readers import load
from retrain.compare import compare_runs, summarize


def _finding(kind, metric, remedies=()):
    return Finding(
        kind, "warning", "run", metric, None, None, f"{kind} on {metric}", remedies=tuple(remedies)
    )


@pytest.fixture
def before(corpus_dir):
    """Corpus 001: overfitting, val_loss lowest at epoch 0 (4.21), ends at 5.49; val_acc max 0.633 @45."""
    return load(corpus_dir / "001_akboles_speaker250_training.log")[0]


@pytest.fixture
def after(zoo_dir):
    return load(zoo_dir / "healthy_digits_earlystop" / "training.log")[0]


def test_final_and_best_values_match_the_logs(before, after, zoo_dir):
    c = compare_runs(before, after)
    loss = c.metric("val_loss")
    # the manifest's numbers for corpus 001
    assert loss.before_best == pytest.approx(4.21, abs=0.005) and loss.before_best_epoch == 1
    assert loss.before_final == pytest.approx(5.49, abs=0.005)
    # the zoo run's history.json, computed independently
    h = json.loads((zoo_dir / "healthy_digits_earlystop" / "history.json").read_text())
    v = np.array(h["val_loss"])
    assert loss.after_best == pytest.approx(v.min()) and loss.after_best_epoch == v.argmin() + 1
    assert loss.after_final == pytest.approx(v[-1])
    assert loss.improved is True
    # val_acc (old Keras) and val_accuracy (Keras 3) are compared as one metric (CASES 3)
    acc = c.metric("val_accuracy")
    assert acc.before_best == pytest.approx(0.633, abs=0.001) and acc.before_best_epoch == 46
    assert acc.after_best == pytest.approx(max(h["val_accuracy"]))
    assert acc.direction == "max" and acc.improved is True
    assert [m.name for m in c.metrics] == ["val_loss", "val_accuracy"]


def test_findings_gone_remaining_new_and_dataset_addressed(before, after):
    fb = [
        _finding("overfitting", "val_loss", ("l2", "dropout")),
        _finding("oscillation", "val_acc"),
        Finding(
            "class_imbalance",
            "warning",
            "",
            None,
            None,
            None,
            "14 % minority",
            remedies=("class_weight", "random_oversample"),
        ),
    ]
    fa = [_finding("oscillation", "val_accuracy"), _finding("plateau", "val_loss")]
    metrics = {
        "status": "completed",
        "val": {"balanced_accuracy": 0.93},
        "before": {"val": {"balanced_accuracy": 0.5}},
        "weights_note": "weights of epoch 12",
        "model_input": {"kind": "one-hot", "text": "one-hot encoded per preprocessing.json: ..."},
    }
    c = compare_runs(
        before, after, fb, fa, metrics_after=metrics, remedies=("standardize", "class_weight")
    )
    assert [f.kind for f in c.disappeared] == ["overfitting"]
    assert [(a.kind, b.metric) for a, b in c.remained] == [("oscillation", "val_accuracy")]
    assert [f.kind for f in c.new] == ["plateau"]
    assert [(f.kind, r) for f, r in c.addressed] == [("class_imbalance", ("class_weight",))]
    assert (c.balanced_accuracy_before, c.balanced_accuracy_after) == (0.5, 0.93)
    lines = c.lines()
    assert "balanced accuracy: 0.5 -> 0.93" in lines
    assert "gone: overfitting (val_loss)" in lines
    assert "dataset: class_imbalance addressed by class_weight" in lines
    # what the saved model takes, for the before/after panel (QA2 #1)
    assert c.model_input == metrics["model_input"]["text"]
    assert f"model.keras takes: {metrics['model_input']['text']}" in lines


def test_without_an_original_run(after):
    c = compare_runs(None, after)
    m = c.metric("val_loss")
    assert m.before_best is None and m.improved is None and m.after_best is not None


def test_summarize_ignores_nan(zoo_dir):
    run = load(zoo_dir / "nan_after_lr_jump" / "training.log")[0]
    final, best, epoch = summarize(run, "val_loss")
    v = run["val_loss"].value
    fin = v[np.isfinite(v)]
    assert best == pytest.approx(fin.min()) and final == pytest.approx(fin[-1])
    assert summarize(run, "nope") == (None, None, None)
