"""Model configs read from .keras files without TensorFlow; loss planning; the built-in MLP."""

from __future__ import annotations

import json
import zipfile

import pytest

from retrain.errors import RetrainError
from retrain.models import (
    check_model,
    input_shape,
    loss_plan,
    mlp_config,
    output_head,
    read_model_config,
    unsafe_layers,
)


@pytest.fixture
def demo_model(demo_dir):
    path = demo_dir / "model.keras"
    if not path.exists():
        pytest.skip("demo assets not generated yet")
    return path


def test_demo_model_config(demo_model):
    cfg = check_model(demo_model)
    assert cfg["class_name"] == "Sequential"
    assert input_shape(cfg) == (30,)
    assert output_head(cfg) == (1, "sigmoid")
    assert loss_plan(1, "sigmoid", 2) == {
        "loss": "binary_crossentropy",
        "from_logits": False,
        "units": 1,
    }


def _keras_zip(path, config: dict) -> None:
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("config.json", json.dumps(config))
        zf.writestr("metadata.json", json.dumps({"keras_version": "3"}))


def test_lambda_layers_are_refused_unless_allowed(demo_model, tmp_path):
    cfg = read_model_config(demo_model)
    cfg["config"]["layers"].insert(
        2,
        {
            "module": "keras.layers",
            "class_name": "Lambda",
            "config": {
                "name": "sneaky",
                "function": {"class_name": "__lambda__", "config": {"code": "..."}},
            },
            "registered_name": None,
        },
    )
    p = tmp_path / "lambda.keras"
    _keras_zip(p, cfg)
    assert unsafe_layers(cfg) == ["sneaky"]
    with pytest.raises(RetrainError) as ei:
        check_model(p)
    msg = str(ei.value)
    assert "Lambda layer(s) sneaky" in msg and "allow_unsafe = true" in msg
    assert "\n" not in msg
    assert check_model(p, allow_unsafe=True)["class_name"] == "Sequential"


def test_custom_and_subclassed_models_are_refused(tmp_path):
    p = tmp_path / "custom.keras"
    _keras_zip(
        p,
        {
            "module": "mypkg",
            "class_name": "MyModel",
            "registered_name": "mypkg>MyModel",
            "config": {},
        },
    )
    with pytest.raises(RetrainError, match="custom objects FitLens cannot import: mypkg>MyModel"):
        check_model(p)
    _keras_zip(p, {"module": "keras.src.models.model", "class_name": "MyNet", "config": {}})
    with pytest.raises(RetrainError, match="subclassed model"):
        check_model(p)


def test_not_a_keras_file(tmp_path):
    p = tmp_path / "m.keras"
    p.write_bytes(b"\x89HDF\r\n\x1a\n...")
    with pytest.raises(RetrainError, match="legacy HDF5"):
        read_model_config(p)
    p.write_bytes(b"hello")
    with pytest.raises(RetrainError, match="not a Keras 3 .keras file"):
        read_model_config(p)


@pytest.mark.parametrize(
    "units, act, k, expect",
    [
        (1, "sigmoid", 2, ("binary_crossentropy", False)),
        (1, "linear", 2, ("binary_crossentropy", True)),
        (3, "softmax", 3, ("sparse_categorical_crossentropy", False)),
        (10, "linear", 10, ("sparse_categorical_crossentropy", True)),
    ],
)
def test_loss_plan(units, act, k, expect):
    plan = loss_plan(units, act, k)
    assert (plan["loss"], plan["from_logits"]) == expect


def test_loss_plan_refuses_mismatches():
    with pytest.raises(RetrainError, match="one output unit but the data has 3 classes"):
        loss_plan(1, "sigmoid", 3)
    with pytest.raises(RetrainError, match="single output unit with softmax always outputs 1.0"):
        loss_plan(1, "softmax", 2)
    with pytest.raises(RetrainError, match="outputs 4 units but the data has 3 classes"):
        loss_plan(4, "softmax", 3)


def test_mlp_config():
    cfg = mlp_config((30,), 2, [64], "relu")
    layers = cfg["config"]["layers"]
    assert [ly["class_name"] for ly in layers] == ["InputLayer", "Dense", "Dense"]
    assert layers[1]["config"]["units"] == 64 and layers[1]["config"]["activation"] == "relu"
    assert output_head(cfg) == (1, "sigmoid")
    assert input_shape(cfg) == (30,)
    img = mlp_config((8, 8, 1), 10, [128, 64])
    assert [ly["class_name"] for ly in img["config"]["layers"]] == [
        "InputLayer",
        "Flatten",
        "Dense",
        "Dense",
        "Dense",
    ]
    assert output_head(img) == (10, "softmax")
