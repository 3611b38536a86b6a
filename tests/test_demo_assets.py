"""The committed demo assets tell the story make_demo.py says they tell."""

from __future__ import annotations

import json
import tomllib

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split


def _log(demo_dir):
    return pd.read_csv(demo_dir / "training.log")


def test_demo_files_exist(demo_dir):
    for name in (
        "data.csv",
        "model.keras",
        "training.log",
        "history.json",
        "retrain.toml",
        "README.md",
    ):
        assert (demo_dir / name).is_file(), name


def test_dataset_is_small_imbalanced_binary(demo_dir):
    df = pd.read_csv(demo_dir / "data.csv")
    assert df.shape == (417, 31)
    counts = df["target"].value_counts().to_dict()
    assert counts == {0: 357, 1: 60}
    feats = df.drop(columns="target")
    assert not feats.isna().any().any()
    # unscaled: feature ranges orders of magnitude apart
    spread = feats.max() - feats.min()
    assert spread.max() / spread.min() > 1e4


def test_run_is_stuck_at_the_validation_majority_rate(demo_dir):
    df = pd.read_csv(demo_dir / "data.csv")
    y = df["target"].to_numpy()
    _, _, y_tr, y_va = train_test_split(
        np.zeros((len(y), 1)), y, test_size=0.3, stratify=y, random_state=0
    )
    log = _log(demo_dir)
    majority_val = 1 - y_va.mean()
    majority_tr = 1 - y_tr.mean()
    # from epoch 1 on, accuracy equals the majority share of each split (float32 logs)
    np.testing.assert_allclose(log["val_accuracy"].iloc[1:], majority_val, rtol=1e-6)
    np.testing.assert_allclose(log["accuracy"].iloc[1:], majority_tr, rtol=1e-6)
    # the loss settles at the entropy of the class prior: a constant predictor
    p = y_tr.mean()
    prior_entropy = -(p * np.log(p) + (1 - p) * np.log(1 - p))
    assert abs(log["loss"].iloc[-1] - prior_entropy) < 0.01


def test_history_json_matches_csvlogger(demo_dir):
    hist = json.loads((demo_dir / "history.json").read_text())
    log = _log(demo_dir)
    assert list(log["epoch"]) == list(range(30))
    for key, values in hist.items():
        np.testing.assert_allclose(log[key].to_numpy(), values, rtol=1e-7)


def test_retrain_spec_points_at_demo_files(demo_dir):
    spec = tomllib.loads((demo_dir / "retrain.toml").read_text())
    assert (demo_dir / spec["data"]["path"]).is_file()
    assert (demo_dir / spec["model"]["path"]).is_file()
    assert spec["data"]["label"] == "target"
    assert spec["remedies"] == {
        "standardize": True,
        "class_weight": "balanced",
        "learning_rate": 0.001,
    }
    # no [output] dir: a relative one resolved inside resources/demo, next to the demo's
    # files; without it a job goes to ./runs/retrain-<date>-<time> (retrain.outdir)
    assert "output" not in spec


def test_retrain_spec_is_the_one_make_demo_writes(demo_dir):
    import ast

    tree = ast.parse((demo_dir.parent / "make_demo.py").read_text())
    text = next(
        ast.literal_eval(n.value)
        for n in tree.body
        if isinstance(n, ast.Assign) and getattr(n.targets[0], "id", None) == "RETRAIN_SPEC"
    )
    assert (demo_dir / "retrain.toml").read_text() == text
