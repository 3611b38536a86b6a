"""Metric naming on the names real logs use (corpus, cases, framework docs)."""

from __future__ import annotations

import json

import pytest
from shared_paths import CORPUS

from analysis import naming
from analysis.readers import load


@pytest.mark.parametrize(
    "train,val",
    [
        ("loss", "val_loss"),
        ("acc", "val_acc"),
        ("accuracy", "val_accuracy"),
        ("binary_accuracy", "val_binary_accuracy"),
        ("categorical_accuracy", "val_categorical_accuracy"),
        ("train_loss", "val_loss"),
        ("loss", "eval_loss"),
        ("train/x", "val/x"),
        ("train/epoch_loss", "validation/epoch_loss"),
        ("train loss", "validation loss"),
        ("train_acc", "valid_acc"),
        ("fine_tune_loss", "fine_tune_val_loss"),
        ("F1_score", "val_F1_score"),
    ],
)
def test_train_val_pairs(train, val):
    assert naming.pairs([train, val]) == [(train, val)]
    assert naming.partner(train, [train, val]) == val
    assert naming.role(val) == "val" and naming.role(train) == "train"


def test_lightning_prefers_the_epoch_variant():
    names = ["train_loss_step", "train_loss_epoch", "val_loss", "epoch", "step"]
    assert naming.pairs(names) == [("train_loss_epoch", "val_loss")]


@pytest.mark.parametrize(
    "name,family",
    [
        ("loss", "loss"),
        ("val_loss", "loss"),
        ("mean_absolute_error", "loss"),
        ("test_MSE", "loss"),
        ("eval_wer", "loss"),
        ("Conductor_Copper_loss", "loss"),
        ("accuracy", "score"),
        ("val_acc", "score"),
        ("binary_accuracy", "score"),
        ("val_auc", "score"),
        ("mean_io_u", "score"),
        ("dice_coef", "score"),
        ("F1-Score", "score"),
        ("eval_macro_f1", "score"),
        ("rewards/margins", "score"),
        ("lr", "lr"),
        ("learning_rate", "lr"),
        ("lr-AdamW", "lr"),
    ],
)
def test_family_and_direction(name, family):
    assert naming.family(name) == family
    assert naming.direction(name) == {"loss": "min", "score": "max", "lr": None}[family]


@pytest.mark.parametrize("name", ["lr", "learning_rate", "lr-AdamW", "lr-SGD", "lr/group0"])
def test_learning_rates(name):
    assert naming.is_learning_rate(name)


@pytest.mark.parametrize(
    "name,counter",
    [
        ("epoch", True),
        ("step", True),
        ("nb_steps", True),
        ("eval_runtime", True),
        ("eval_samples_per_second", True),
        ("eval_g3_steps_per_second", True),
        ("total_flos", True),
        ("num_tokens", True),
        ("eval_num_tokens", True),
        ("trainer/global_step", True),
        ("run - _step", True),
        # Lightning's per-step / per-epoch variants are metrics, not counters
        ("train_loss_step", False),
        ("train_loss_epoch", False),
        ("acc_epoch", False),
        ("acc_step", False),
        ("loss", False),
        ("grad_norm", False),
    ],
)
def test_counters(name, counter):
    assert naming.is_counter(name) is counter


def test_every_corpus_val_series_finds_its_train_partner(corpus_dir):
    """In each corpus file with both sides logged, every val_X of a train X pairs with it."""
    expect = json.loads((CORPUS / "expect.json").read_text())
    checked = 0
    for e in expect:
        runs = load(corpus_dir / e["file"])
        names = [n for r in runs for n in r.series]
        for v in names:
            if not v.startswith("val_"):
                continue
            t = v[4:]
            if t in names:
                assert naming.partner(v, names) == t, (e["id"], v)
                checked += 1
    assert checked > 40
