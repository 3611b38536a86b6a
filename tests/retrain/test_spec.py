"""Retrain spec: reading, validation with one-line errors, writing, --output override."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from retrain.errors import RetrainError
from retrain.monitors import check_monitor
from retrain.optimizers import DEFAULT_LEARNING_RATE
from retrain.spec import (
    Spec,
    dumps_spec,
    read_spec,
    spec_from_dict,
    write_spec,
)

ISSUE_SPEC = """\
[data]
path = "data.csv"          # CSV with a label column, or .npz (x_train, y_train[, x_val, y_val])
label = "target"
validation_split = 0.3     # stratified, seeded; unused when the data has its own validation part

[model]
# path = "model.keras"     # a user's model: architecture re-trained from fresh weights
hidden = [64]              # otherwise the built-in MLP (the seed's Dense(64) by default)
activation = "relu"

[train]
epochs = 30
batch_size = 32
optimizer = "adam"         # "sgd" | "adam" | "rmsprop"
learning_rate = 0.001
seed = 1

[remedies]                 # every key optional; absent = off
standardize = true
class_weight = "balanced"
random_oversample = false
smote = false
random_undersample = false
l2 = 0.01
dropout = 0.3
learning_rate = 0.0003     # replaces train.learning_rate
gradient_clipping = 1.0
more_epochs = 30
reduce_lr_on_plateau = { factor = 0.2, patience = 5 }
early_stopping = { patience = 10 }

[output]
dir = "runs/demo-fixed"
"""


@pytest.fixture
def issue_spec(tmp_path) -> Path:
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "data.csv").write_text("a,target\n1,0\n2,1\n")
    p = folder / "retrain.toml"
    p.write_text(ISSUE_SPEC)
    return p


def test_the_issue_example_spec_reads_with_paths_relative_to_the_spec_file(
    issue_spec, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)  # not the spec's folder: paths must not depend on the cwd
    spec = read_spec(issue_spec)
    folder = issue_spec.parent.resolve()
    assert spec.data.path == folder / "data.csv"
    assert spec.output_dir == folder / "runs" / "demo-fixed"
    assert spec.data.label == "target" and spec.data.validation_split == 0.3
    assert spec.model.path is None and spec.model.hidden == [64]
    r = spec.remedies
    assert r.active() == (
        "standardize",
        "class_weight",
        "l2",
        "dropout",
        "learning_rate",
        "reduce_lr_on_plateau",
        "early_stopping",
        "more_epochs",
        "gradient_clipping",
    )
    assert spec.learning_rate == 0.0003 and spec.train.learning_rate == 0.001
    assert spec.epochs == 60  # 30 + more_epochs 30
    assert r.reduce_lr_on_plateau.factor == 0.2 and r.reduce_lr_on_plateau.patience == 5
    # with L2 on, val_loss carries the penalty: callbacks watch the plain cross-entropy
    assert r.early_stopping.monitor == "val_crossentropy"
    assert r.early_stopping.mode == "min" and r.early_stopping.restore_best_weights


def test_output_override_is_relative_to_the_current_directory(issue_spec, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    spec = read_spec(issue_spec, output="elsewhere/job")
    assert spec.output_dir == (tmp_path / "elsewhere" / "job").resolve()


def test_demo_spec_reads(demo_dir):
    path = demo_dir / "retrain.toml"
    if not path.exists():
        pytest.skip("demo assets not generated yet")
    spec = read_spec(path)
    assert spec.data.path == (demo_dir / "data.csv").resolve()
    assert spec.model.path == (demo_dir / "model.keras").resolve()
    assert spec.data.label == "target"
    assert {"standardize", "class_weight"} <= set(spec.remedies.active())


def test_write_then_read_round_trips_with_relative_paths(issue_spec, tmp_path):
    spec = read_spec(issue_spec)
    out = tmp_path / "saved" / "again.toml"
    write_spec(spec, out)
    text = out.read_text()
    assert 'path = "../project/data.csv"' in text  # relative to the new file's folder
    again = read_spec(out)
    assert again.data == spec.data
    assert again.model == spec.model
    assert again.train == spec.train
    assert again.remedies == spec.remedies
    assert again.output_dir == spec.output_dir


def test_write_spec_refuses_to_overwrite_the_dataset(issue_spec):
    spec = read_spec(issue_spec)
    before = spec.data.path.read_bytes()
    with pytest.raises(RetrainError, match="refusing"):
        write_spec(spec, spec.data.path)
    assert spec.data.path.read_bytes() == before


def test_json_spec_with_the_same_structure(tmp_path):
    (tmp_path / "d.npz").write_bytes(b"")
    p = tmp_path / "s.json"
    p.write_text(json.dumps({"data": {"path": "d.npz"}, "remedies": {"dropout": 0.2}}))
    spec = read_spec(p)
    assert spec.data.path == (tmp_path / "d.npz").resolve()
    assert spec.remedies.dropout == 0.2
    # no [output] dir and no --output: the job chooses (retrain.outdir.default_output_dir)
    assert spec.output_dir is None


@pytest.mark.parametrize(
    "text, needle",
    [
        (
            "[data]\npath = 'd.csv'\nlabel = 'y'\n[remedies]\ndropuot = 0.3\n",
            "[remedies]: unknown key 'dropuot'; did you mean 'dropout'?",
        ),
        (
            "[data]\npath = 'd.csv'\nlabel = 'y'\n[remedies]\ndropout = 1.5\n",
            "[remedies] dropout: must be in (0.0, 1.0), got 1.5",
        ),
        (
            "[data]\npath = 'd.csv'\nlabel = 'y'\n[train]\noptimizer = 'adamw'\n",
            "[train] optimizer: unknown optimizer 'adamw'; did you mean 'adam'?",
        ),
        (
            "[data]\npath = 'd.csv'\nlabel = 'y'\n[train]\nepochs = 0\n",
            "[train] epochs: must be in [1, inf], got 0",
        ),
        (
            "[data]\npath = 'd.csv'\nlabel = 'y'\n[train]\nepochs = 2.5\n",
            "[train] epochs: must be an integer, got 2.5",
        ),
        ("[data]\nlabel = 'y'\n", "[data] path: missing"),
        (
            "[data]\npath = 'd.csv'\nlabel = 'y'\n[remedies]\nsmote = true\nrandom_oversample = true\n",
            "choose one resampling remedy, not random_oversample and smote",
        ),
        (
            "[data]\npath = 'd.csv'\nlabel = 'y'\n[remedies]\nclass_weight = 'auto'\n",
            '[remedies] class_weight: must be "balanced"',
        ),
        (
            "[data]\npath = 'd.csv'\nlabel = 'y'\n[remedies]\nearly_stopping = { monitor = 'val_acc' }\n",
            "monitor 'val_acc' is not logged by this training (logged: loss, accuracy, val_loss, "
            "val_accuracy); did you mean 'val_accuracy'?",
        ),
        (
            "[data]\npath = 'd.csv'\nlabel = 'y'\n[remedies]\n"
            "early_stopping = { monitor = 'val_loss', mode = 'max' }\n",
            "mode 'max' contradicts 'val_loss' (lower is better); use mode = \"min\"",
        ),
        ("[data]\npath = 'd.csv'\nlabel = 'y'\n[wat]\nx = 1\n", "unknown key 'wat'"),
        ("[data\npath = 'd.csv'\n", "not valid TOML"),
    ],
)
def test_bad_specs_give_one_line_errors_naming_file_and_key(tmp_path, text, needle):
    (tmp_path / "d.csv").write_text("a,y\n1,0\n2,1\n")
    p = tmp_path / "bad.toml"
    p.write_text(text)
    with pytest.raises(RetrainError) as ei:
        read_spec(p)
    msg = str(ei.value)
    assert "\n" not in msg
    assert msg.startswith(str(p))
    assert needle in msg


def test_missing_files_are_named(tmp_path):
    p = tmp_path / "s.toml"
    p.write_text("[data]\npath = 'nope.csv'\nlabel = 'y'\n[model]\npath = 'm.keras'\n")
    with pytest.raises(RetrainError, match=r"\[data\] path: dataset file not found: .*nope.csv"):
        read_spec(p)
    (tmp_path / "nope.csv").write_text("a,y\n1,0\n")
    with pytest.raises(RetrainError, match=r"\[model\] path: model file not found"):
        read_spec(p)
    (tmp_path / "m.h5").write_bytes(b"\x89HDF")
    p.write_text("[data]\npath = 'nope.csv'\nlabel = 'y'\n[model]\npath = 'm.h5'\n")
    with pytest.raises(RetrainError, match=r"only Keras 3 .keras model files"):
        read_spec(p)


def test_check_monitor_modes_follow_the_metric_direction(cases_dir):
    cfg = json.loads((cases_dir / "case_24_callback_config.json").read_text())
    # the case's EarlyStopping watched 'val_acc', which Keras 3 never logs
    with pytest.raises(RetrainError, match="did you mean 'val_accuracy'"):
        check_monitor(cfg["EarlyStopping"]["monitor"], cfg["EarlyStopping"]["mode"])
    # its ReduceLROnPlateau watched an F1 score in 'auto' mode: the app makes it 'max'
    assert check_monitor(
        cfg["ReduceLROnPlateau"]["monitor"], "auto", available=("val_f1_metric",)
    ) == ("val_f1_metric", "max")
    assert check_monitor("val_loss", None) == ("val_loss", "min")
    assert check_monitor("val_accuracy", "auto") == ("val_accuracy", "max")


def test_remedy_true_means_the_documented_default(tmp_path):
    (tmp_path / "d.csv").write_text("a,y\n1,0\n2,1\n")
    d = {
        "data": {"path": str(tmp_path / "d.csv"), "label": "y"},
        "train": {"optimizer": "sgd", "epochs": 12},
        "remedies": {
            "learning_rate": True,
            "more_epochs": True,
            "early_stopping": True,
            "l2": True,
        },
    }
    spec = spec_from_dict(d)
    assert spec.remedies.learning_rate == DEFAULT_LEARNING_RATE["sgd"] == 0.01
    assert spec.epochs == 24
    assert spec.remedies.l2 == 0.01
    assert spec.remedies.early_stopping.patience == 10


def test_dumps_spec_writes_explicit_modes_and_is_valid_toml(tmp_path):
    import tomllib

    (tmp_path / "d.csv").write_text("a,y\n1,0\n2,1\n")
    spec = spec_from_dict(
        {
            "data": {"path": str(tmp_path / "d.csv"), "label": "y"},
            "remedies": {"reduce_lr_on_plateau": {"monitor": "val_accuracy"}},
        }
    )
    text = dumps_spec(spec, header="a header\nwith two lines")
    d = tomllib.loads(text)
    assert d["remedies"]["reduce_lr_on_plateau"]["mode"] == "max"
    assert text.startswith("# a header\n# with two lines\n")
    assert isinstance(spec, Spec)


def test_every_problem_of_a_spec_is_reported_at_once(tmp_path):
    """Typos are not reported one at a time: unknown keys and bad values in one error."""
    (tmp_path / "d.csv").write_text("a,y\n1,0\n2,1\n")
    p = tmp_path / "typos.toml"
    p.write_text(
        "[data]\npath = 'd.csv'\nlabel = 'y'\nvalidation_splt = 0.2\n"
        "[train]\nepochs = 0\noptimizer = 'adamw'\nbatch_size = 'big'\n"
        "[remedies]\ndropuot = 0.3\nl2 = -1\n"
        "early_stopping = { monitor = 'val_acc', patience = -2 }\n"
    )
    with pytest.raises(RetrainError) as ei:
        read_spec(p)
    err = ei.value
    assert err.problems == [
        ("[data]", "unknown key 'validation_splt'; did you mean 'validation_split'?"),
        ("[train] optimizer", "unknown optimizer 'adamw'; did you mean 'adam'?"),
        ("[train] epochs", "must be in [1, inf], got 0"),
        ("[train] batch_size", "must be an integer, got 'big'"),
        ("[remedies]", "unknown key 'dropuot'; did you mean 'dropout'?"),
        ("[remedies] l2", "must be in (0.0, inf], got -1"),
        ("[remedies] early_stopping patience", "must be in [0, inf], got -2"),
        (
            "[remedies] early_stopping",
            "monitor 'val_acc' is not logged by this training "
            "(logged: loss, accuracy, val_loss, val_accuracy); did you mean 'val_accuracy'?",
        ),
    ]
    line = str(err)
    assert "\n" not in line
    assert line.startswith(f"{p}: 8 problems: [data]: unknown key 'validation_splt'")
    assert " | [train] epochs: must be in [1, inf], got 0 | " in line
    assert err.lines()[2] == f"{p}: [train] epochs: must be in [1, inf], got 0"


def test_missing_data_and_model_files_are_reported_together(tmp_path):
    p = tmp_path / "s.toml"
    p.write_text("[data]\npath = 'nope.csv'\nlabel = 'y'\n[model]\npath = 'm.keras'\n")
    with pytest.raises(RetrainError) as ei:
        read_spec(p)
    assert [w for w, _ in ei.value.problems] == ["[data] path", "[model] path"]
    assert "dataset file not found" in str(ei.value) and "model file not found" in str(ei.value)
