"""``main.py retrain`` refusing bad input before anything is created (no TensorFlow needed)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
from retrain_testutil import run_retrain_cli as _cli
from retrain_testutil import sha256_files


def test_a_continuous_label_is_refused_with_one_line_and_no_job_folder(
    demo_dir, tmp_path, write_spec_file
):
    """QA 9: label = "mean_radius" trained a 335-class model and exited 0."""
    data = demo_dir / "data.csv"
    user_files = sha256_files([demo_dir])
    spec = write_spec_file(
        {"data": {"path": str(data), "label": "mean_radius"}, "train": {"epochs": 2}}
    )
    res = _cli([str(spec)], cwd=tmp_path)
    assert res.returncode == 2
    assert res.stdout == b""
    n = pd.read_csv(data)["mean_radius"].nunique()
    err = res.stderr.decode().splitlines()
    assert len(err) == 1
    assert err[0].startswith(
        f"fitlens retrain: {data}: column 'mean_radius': the label looks "
        f"continuous: {n} distinct values among 417 rows, not whole numbers"
    )
    assert err[0].endswith(
        "; FitLens retrains classifiers, so choose a column of class labels "
        "(columns that look like classes: 'target')"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["spec.toml"]  # no runs/ folder
    assert sha256_files([demo_dir]) == user_files


def test_spec_typos_and_a_wrong_label_leave_nothing_behind(demo_dir, tmp_path, write_spec_file):
    out = tmp_path / "job"
    spec = write_spec_file(
        {
            "data": {"path": str(demo_dir / "data.csv"), "label": "Target"},
            "train": {"epoch": 3, "batch_size": 0},
            "output": {"dir": str(out)},
        }
    )
    res = _cli([str(spec)], cwd=tmp_path)
    assert res.returncode == 2
    assert res.stderr.decode().splitlines() == [
        f"fitlens retrain: {spec}: 2 problems: [train]: unknown key 'epoch'; did you mean "
        "'epochs'? | [train] batch_size: must be in [1, inf], got 0"
    ]
    spec.write_text(spec.read_text().replace("epoch = 3\nbatch_size = 0\n", ""))
    res = _cli([str(spec)], cwd=tmp_path)
    assert res.returncode == 2
    err = res.stderr.decode().splitlines()
    assert len(err) == 1 and "no column 'Target'; did you mean 'target'? (31 columns: " in err[0]
    assert not out.exists()


def _keras_zip(path, config: dict) -> None:
    """A .keras archive holding only its config (all FitLens reads before training)."""
    import json
    import zipfile

    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("config.json", json.dumps(config))
        zf.writestr("metadata.json", json.dumps({"keras_version": "3"}))


def _demo_config(demo_dir):
    from retrain.models import read_model_config

    model = demo_dir / "model.keras"
    if not model.exists():
        import pytest

        pytest.skip("demo assets not generated yet")
    return read_model_config(model)


def _refused(res, tmp_path, out, expect: str) -> None:
    assert res.returncode == 2, res.stderr.decode()[-2000:]
    assert res.stdout == b""
    err = res.stderr.decode().splitlines()
    assert err == [f"fitlens retrain: {expect}"]
    assert not out.exists() and not (tmp_path / "runs").exists()


def test_worker_level_model_problems_are_refused_before_any_folder(
    demo_dir, cases_dir, tmp_path, write_spec_file
):
    """QA2 #5: a Lambda model without allow_unsafe, a model for other data (64 inputs vs
    the demo's 30 features), an output for other classes, SMOTE on 4-D images: exit 2,
    "bad input" wording, nothing created (they used to create a failed job folder)."""
    from retrain.models import mlp_config

    cfg = _demo_config(demo_dir)
    lam = json.loads(json.dumps(cfg))
    lam["config"]["layers"].insert(
        1,
        {
            "module": "keras.layers",
            "class_name": "Lambda",
            "config": {"name": "times_two", "function": {"class_name": "__lambda__"}},
            "registered_name": None,
        },
    )
    models = {
        "lambda": lam,
        "digits": mlp_config((64,), 2, [64]),
        "ten": mlp_config((30,), 10, [64]),
    }
    expect = {
        "lambda": "has Lambda layer(s) times_two: loading them runs code stored in the file, "
        "so FitLens refuses (Keras safe_mode); if you trust the file, set [model] "
        "allow_unsafe = true",
        "digits": "the model expects samples of shape (64,) but the data gives (30,)",
        "ten": "the model outputs 10 units but the data has 2 classes",
    }
    user_files = sha256_files([demo_dir])
    for name, config in models.items():
        model = tmp_path / f"{name}.keras"
        _keras_zip(model, config)
        out = tmp_path / f"job_{name}"
        spec = write_spec_file(
            {
                "data": {"path": str(demo_dir / "data.csv"), "label": "target"},
                "model": {"path": str(model)},
                "output": {"dir": str(out)},
            },
            name=f"{name}.toml",
        )
        _refused(_cli([str(spec)], cwd=tmp_path), tmp_path, out, f"{model}: {expect[name]}")
    # SMOTE on the images of CASES 25
    data = tmp_path / "images.npz"
    np.savez(
        data,
        x_train=np.load(cases_dir / "case_25_images_X.npy"),
        y_train=np.load(cases_dir / "case_25_images_y.npy"),
    )
    out = tmp_path / "job_images"
    spec = write_spec_file(
        {"data": {"path": str(data)}, "remedies": {"smote": True}, "output": {"dir": str(out)}},
        name="images.toml",
    )
    _refused(
        _cli([str(spec)], cwd=tmp_path),
        tmp_path,
        out,
        f"{spec}: [remedies] smote: refused for non-tabular input (samples of shape (4, 4, 1)): "
        "interpolating raw pixels makes unrealistic samples; use random_oversample (with "
        "augmentation) or class_weight instead",
    )
    assert sha256_files([demo_dir]) == user_files


def test_input_the_worker_refuses_leaves_no_folder_either(demo_dir, tmp_path, write_spec_file):
    """Missing feature values are found only when the worker loads the whole file; it
    refuses before writing anything and the CLI removes the folder it had prepared."""
    df = pd.read_csv(demo_dir / "data.csv")
    df.loc[[5, 9], "mean_texture"] = np.nan
    data = tmp_path / "holes.csv"
    df.to_csv(data, index=False)
    out = tmp_path / "job"
    spec = write_spec_file(
        {
            "data": {"path": str(data), "label": "target"},
            "train": {"epochs": 2},
            "output": {"dir": str(out)},
        }
    )
    res = _cli([str(spec)], cwd=tmp_path)
    _refused(
        res,
        tmp_path,
        out,
        f"{data}: missing values in 'mean_texture' (2); fill or drop them before retraining",
    )
