"""QA2 #1: a retrained ``model.keras`` works on raw inputs and says how to feed it.

Each job runs the real worker; the saved model is then loaded the way a user
would (``keras.saving.load_model`` in a separate process, keeping TensorFlow out
of pytest) and fed the *raw* validation rows, split here independently of
FitLens and encoded only as ``preprocessing.json`` says. Its balanced accuracy
must be the one ``metrics.json`` reports.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from retrain_testutil import run_worker, sha256_files
from sklearn.metrics import balanced_accuracy_score
from sklearn.model_selection import train_test_split

from retrain.models import (
    STANDARDIZE_LAYER,
    input_shape,
    output_head,
    read_model_config,
    strip_standardizer,
)

pytestmark = pytest.mark.tf

HERE = Path(__file__).resolve().parent


def _json(path: Path) -> dict:
    return json.loads(path.read_text())


def _predict(model: Path, x: np.ndarray, tmp: Path) -> np.ndarray:
    """``keras.saving.load_model(model).predict(x)`` in its own process."""
    xin, xout = tmp / "x.npy", tmp / "out.npy"
    np.save(xin, np.asarray(x, dtype=np.float32))
    subprocess.run(
        [sys.executable, str(HERE / "keras_models.py"), "predict", str(model), str(xin), str(xout)],
        check=True,
        capture_output=True,
    )
    return np.load(xout)


def _labels(outputs: np.ndarray, info: dict) -> np.ndarray:
    """Model outputs -> original labels, as preprocessing.json's ``labels`` says."""
    classes = np.asarray(info["labels"]["classes"], dtype=object)
    if outputs.shape[1] == 1:
        assert "above 0.5" in info["labels"]["output"]
        return classes[(outputs[:, 0] > 0.5).astype(int)]
    return classes[outputs.argmax(axis=1)]


def _encode(rows: pd.DataFrame, info: dict) -> np.ndarray:
    """Raw table rows -> model inputs using nothing but preprocessing.json."""
    cats = (info["one_hot"] or {}).get("categories", {})
    num = [c for c in info["feature_columns"] if c not in cats]
    parts = [rows[num].to_numpy(dtype=np.float64)]
    names = list(num)
    for col, values in cats.items():
        parts.append(rows[col].astype(str).to_numpy()[:, None] == np.array(values)[None, :])
        names += [f"{col}={v}" for v in values]
    assert names == info["model_input"]["columns"]
    return np.hstack(parts).astype(np.float32)


def _raw_validation_rows(csv: Path, label: str, fraction: float, seed: int):
    """The validation rows of a CSV as FitLens splits them (stratified, seeded), done here."""
    df = pd.read_csv(csv)
    _, va = train_test_split(df, test_size=fraction, stratify=df[label], random_state=seed)
    return va.drop(columns=[label]), va[label].to_numpy()


def test_user_model_with_standardize_predicts_raw_rows_as_reported(
    demo_dir, breast_cancer_imbalanced_csv, tmp_path, write_spec_file
):
    """QA2 s1: the user's Sequential, standardize + l2 + dropout + early stopping; reported
    0.75 while model.keras gave 0.50 on raw features. Then the retrained file is retrained
    again with standardize: its scaling layer is replaced, not stacked."""
    user_files = sha256_files([demo_dir, breast_cancer_imbalanced_csv])
    data = {"path": str(breast_cancer_imbalanced_csv), "label": "target", "validation_split": 0.3}
    train = {"epochs": 15, "batch_size": 16, "learning_rate": 0.001, "seed": 0}
    spec = write_spec_file(
        {
            "data": data,
            "model": {"path": str(demo_dir / "model.keras")},
            "train": train,
            "remedies": {
                "standardize": True,
                "l2": 0.01,
                "dropout": 0.3,
                "early_stopping": {"patience": 5},
            },
        }
    )
    out = tmp_path / "job"
    code, _, err, _ = run_worker(spec, out)
    assert code == 0, err[-2000:]
    m, info = _json(out / "metrics.json"), _json(out / "preprocessing.json")
    x_raw, y_raw = _raw_validation_rows(breast_cancer_imbalanced_csv, "target", 0.3, 0)
    assert info["feature_columns"] == list(x_raw.columns)
    assert info["standardize"]["columns"] == list(x_raw.columns)
    # the raw features differ wildly in scale: standardizing matters for this model
    assert x_raw["mean_area"].mean() > 100 * x_raw["mean_smoothness"].mean()
    pred = _labels(_predict(out / "model.keras", _encode(x_raw, info), tmp_path), info)
    bal = balanced_accuracy_score(y_raw, pred.astype(int))
    print(f"reported {m['val']['balanced_accuracy']:.4f}, model.keras on raw rows {bal:.4f}")
    assert bal == pytest.approx(m["val"]["balanced_accuracy"], abs=1e-12)
    assert bal >= 0.85
    assert m["model_input"]["kind"] == "raw"
    assert m["model_input"]["text"].startswith(
        "raw numeric features in this column order: mean_radius, mean_texture, "
    )
    n = m["val"]["n"]
    assert m["model_input"]["check"].endswith(f"for {n} of {n} rows")
    # the saved file: Input -> fixed Normalization -> the trained model; FitLens reads it
    cfg = read_model_config(out / "model.keras")
    layers = cfg["config"]["layers"]
    assert [ly["class_name"] for ly in layers] == ["InputLayer", "Normalization", "Sequential"]
    assert layers[1]["config"]["name"] == STANDARDIZE_LAYER
    assert input_shape(cfg) == (30,) and output_head(cfg) == (1, "sigmoid")
    inner, stripped = strip_standardizer(cfg)
    assert stripped and inner["class_name"] == "Sequential"

    # retrain the retrained file, standardize again
    spec2 = write_spec_file(
        {
            "data": data,
            "model": {"path": str(out / "model.keras")},
            "train": {**train, "epochs": 3},
            "remedies": {"standardize": True},
        },
        name="again.toml",
    )
    out2 = tmp_path / "again"
    code, msgs, err, _ = run_worker(spec2, out2)
    assert code == 0, err[-2000:]
    assert any(
        "scaling layer from an earlier FitLens job is replaced" in a for a in msgs[0]["actions"]
    )
    layers2 = read_model_config(out2 / "model.keras")["config"]["layers"]
    assert [ly["class_name"] for ly in layers2] == ["InputLayer", "Normalization", "Sequential"]
    assert not any(
        ly["class_name"] == "Normalization" for ly in layers2[2]["config"]["layers"]
    )  # one scaling layer, not two
    # "before" of the second job is the first job's model.keras fed raw rows: its score
    m2 = _json(out2 / "metrics.json")
    assert m2["before"]["val"]["balanced_accuracy"] == pytest.approx(
        m["val"]["balanced_accuracy"], abs=1e-12
    )
    assert sha256_files([demo_dir, breast_cancer_imbalanced_csv]) == user_files


def test_text_column_and_text_labels_follow_preprocessing_json(
    breast_cancer_text_csv, tmp_path, write_spec_file
):
    spec = write_spec_file(
        {
            "data": {"path": str(breast_cancer_text_csv), "label": "diagnosis"},
            "model": {"hidden": [16]},
            "train": {"epochs": 8, "batch_size": 32, "learning_rate": 0.01, "seed": 2},
            "remedies": {"standardize": True, "smote": True},
        }
    )
    out = tmp_path / "job"
    code, _, err, _ = run_worker(spec, out)
    assert code == 0, err[-2000:]
    m, info = _json(out / "metrics.json"), _json(out / "preprocessing.json")
    assert info["labels"]["classes"] == ["benign", "malignant"]
    assert info["labels"]["index"] == {"0": "benign", "1": "malignant"}
    assert info["one_hot"]["categories"] == {"size": ["large", "medium", "small"]}
    assert info["standardize"]["columns"] == info["feature_columns"][:10]
    assert m["model_input"]["kind"] == "one-hot"
    assert m["model_input"]["text"].startswith("one-hot encoded per preprocessing.json: 13 inputs")
    x_raw, y_raw = _raw_validation_rows(breast_cancer_text_csv, "diagnosis", 0.2, 2)
    pred = _labels(_predict(out / "model.keras", _encode(x_raw, info), tmp_path), info)
    bal = balanced_accuracy_score(y_raw, pred)
    print(f"reported {m['val']['balanced_accuracy']:.4f}, model.keras on raw rows {bal:.4f}")
    assert bal == pytest.approx(m["val"]["balanced_accuracy"], abs=1e-12)
    assert set(pred) == {"benign", "malignant"}


def test_image_arrays_with_labels_3_5_8(digit_images_npz, tmp_path, write_spec_file):
    """Per-pixel scaling (the scaler saw flattened images) inside the model; labels 3/5/8."""
    spec = write_spec_file(
        {
            "data": {"path": str(digit_images_npz)},
            "model": {"hidden": [32]},
            "train": {"epochs": 5, "batch_size": 32, "seed": 0},
            "remedies": {"standardize": True},
        }
    )
    out = tmp_path / "job"
    code, _, err, _ = run_worker(spec, out)
    assert code == 0, err[-2000:]
    m, info = _json(out / "metrics.json"), _json(out / "preprocessing.json")
    assert info["labels"]["classes"] == [3, 5, 8]
    assert info["feature_columns"] is None
    assert info["model_input"]["sample_shape"] == [8, 8, 1]
    assert np.shape(info["standardize"]["mean"]) == (8, 8, 1)
    assert m["model_input"]["text"].startswith("raw arrays of shape (8, 8, 1) per sample")
    with np.load(digit_images_npz) as z:
        x_val, y_val = z["x_val"], z["y_val"]
    assert x_val.max() == 16.0  # raw pixel values
    pred = _labels(_predict(out / "model.keras", x_val, tmp_path), info)
    bal = balanced_accuracy_score(y_val, pred.astype(int))
    print(f"reported {m['val']['balanced_accuracy']:.4f}, model.keras on raw images {bal:.4f}")
    assert bal == pytest.approx(m["val"]["balanced_accuracy"], abs=1e-12)
    assert bal >= 0.8
