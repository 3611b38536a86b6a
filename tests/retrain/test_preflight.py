"""Input problems known without TensorFlow are found before a folder is claimed."""

from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest

from retrain.data import check_data, load_dataset
from retrain.errors import RetrainError
from retrain.models import mlp_config, read_model_config
from retrain.preflight import DataShape, check_fit, preflight
from retrain.preparation import prepare
from retrain.spec import DataSpec, Remedies, read_spec


def _keras_zip(path, config: dict) -> None:
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("config.json", json.dumps(config))
        zf.writestr("metadata.json", json.dumps({"keras_version": "3"}))


def test_a_text_column_gives_bounds_then_the_exact_width(cases_dir, write_spec_file):
    path = cases_dir / "case_28_pandas_text_column.csv"
    chk = check_data(DataSpec(path, "label", 0.25))
    assert chk.columns == ["age", "city", "income"]
    assert chk.numeric == ["age", "income"] and chk.distinct == {"city": 3}
    assert chk.complete and chk.rows == 8 and chk.n_classes == 2
    assert chk.width() == (3, 5)  # 2 numeric + 1..3 one-hot columns for city
    shape = DataShape.from_check(chk)
    assert shape.shape is None and shape.one_hot and shape.classes == (2, 2)
    spec = read_spec(write_spec_file({"data": {"path": str(path), "label": "label"}}))
    for width, why in ((7, "at most 5 features"), (2, "at least 3 features")):
        with pytest.raises(RetrainError, match=why):
            check_fit(mlp_config((width,), 2, [8]), "m.keras", shape, spec)
    check_fit(mlp_config((4,), 2, [8]), "m.keras", shape, spec)  # possible: left to the worker
    # the worker's exact check once the data is split and encoded
    ds = load_dataset(DataSpec(path, "label", 0.25), seed=0)
    prep = prepare(ds, Remedies(), seed=0)
    n = 2 + ds.x_train["city"].nunique()
    assert prep.x_train.shape[1] == n
    exact = DataShape.exact(prep.x_train.shape[1:], prep.n_classes, one_hot=True)
    check_fit(mlp_config((n,), 2, [8]), "m.keras", exact, spec)
    with pytest.raises(RetrainError) as ei:
        check_fit(mlp_config((n + 1,), 2, [8]), "m.keras", exact, spec)
    assert str(ei.value) == (
        f"m.keras: the model expects samples of shape ({n + 1},) but the data gives ({n},) "
        "after one-hot encoding"
    )


def test_image_shape_from_the_npz_headers_and_smote_refused(cases_dir, tmp_path, write_spec_file):
    x = np.load(cases_dir / "case_25_images_X.npy")
    y = np.load(cases_dir / "case_25_images_y.npy")
    data = tmp_path / "images.npz"
    np.savez_compressed(data, x_train=x, y_train=y)
    chk = check_data(DataSpec(data))
    assert chk.kind == "arrays" and chk.sample_shape == x.shape[1:] == (4, 4, 1)
    assert chk.rows == 10 and chk.n_classes == 2 and not chk.has_validation
    spec = read_spec(
        write_spec_file({"data": {"path": str(data)}, "remedies": {"random_oversample": True}})
    )
    assert preflight(spec).sample_shape == (4, 4, 1)
    spec = read_spec(write_spec_file({"data": {"path": str(data)}, "remedies": {"smote": True}}))
    with pytest.raises(RetrainError) as ei:
        preflight(spec)
    assert ei.value.kind == "remedy"
    assert str(ei.value).startswith(
        f"{spec.source}: [remedies] smote: refused for non-tabular input (samples of shape "
        "(4, 4, 1)): interpolating raw pixels"
    )


def test_demo_model_against_other_data(demo_dir, cases_dir, tmp_path, write_spec_file):
    """The demo's model (30 inputs, one sigmoid unit) with data it cannot take."""
    model = demo_dir / "model.keras"
    if not model.exists():
        pytest.skip("demo assets not generated yet")
    spec = read_spec(
        write_spec_file(
            {
                "data": {"path": str(cases_dir / "case_19_tiny_dataset.csv"), "label": "label"},
                "model": {"path": str(model)},
            }
        )
    )
    n = len(check_data(spec.data).columns)
    with pytest.raises(RetrainError) as ei:
        preflight(spec)
    assert str(ei.value) == (
        f"{model}: the model expects samples of shape (30,) but the data gives ({n},)"
    )
    # three classes for one sigmoid unit: certain from the first rows of a long file too
    cfg = read_model_config(model)
    three = DataShape(1, (30,), (30, 30), (3, None))
    with pytest.raises(RetrainError, match="one output unit but the data has at least 3 classes"):
        check_fit(cfg, str(model), three, spec)
    check_fit(cfg, str(model), DataShape(1, (30,), (30, 30), (2, None)), spec)


def test_a_retrained_model_keeps_its_shape_and_head_behind_the_scaling_layer(demo_dir, tmp_path):
    """The layout a job saves with standardize (Input -> Normalization -> model), built from
    the demo model's own config without TensorFlow: FitLens reads through it."""
    from retrain.models import STANDARDIZE_LAYER, input_shape, output_head, strip_standardizer
    from retrain.remedies.regularization import add_dropout

    model = demo_dir / "model.keras"
    if not model.exists():
        pytest.skip("demo assets not generated yet")
    inner = read_model_config(model)
    wrapped = {
        "module": "keras.src.models.functional",
        "class_name": "Functional",
        "config": {
            "name": "wrapped",
            "layers": [
                {
                    "module": "keras.layers",
                    "class_name": "InputLayer",
                    "config": {"batch_shape": [None, 30], "name": "features"},
                    "name": "features",
                    "inbound_nodes": [],
                },
                {
                    "module": "keras.layers",
                    "class_name": "Normalization",
                    "config": {"name": STANDARDIZE_LAYER, "axis": [1]},
                    "name": STANDARDIZE_LAYER,
                    "inbound_nodes": [{"args": [{"config": {"keras_history": ["features"]}}]}],
                },
                {
                    **inner,
                    "name": inner["config"]["name"],
                    "inbound_nodes": [
                        {"args": [{"config": {"keras_history": [STANDARDIZE_LAYER]}}]}
                    ],
                },
            ],
            "input_layers": [["features", 0, 0]],
            "output_layers": [[inner["config"]["name"], 0, 0]],
        },
    }
    assert input_shape(wrapped) == (30,)
    assert output_head(wrapped) == output_head(inner) == (1, "sigmoid")
    got, stripped = strip_standardizer(wrapped)
    assert stripped and got["config"] == inner["config"]
    assert strip_standardizer(inner) == (inner, False)
    # dropout reaches the hidden Dense layers of the nested model
    _, plain = add_dropout(inner, 0.3)
    _, nested = add_dropout(wrapped, 0.3)
    assert nested == plain and plain
    path = tmp_path / "wrapped.keras"
    _keras_zip(path, wrapped)
    assert read_model_config(path)["config"]["layers"][1]["class_name"] == "Normalization"
