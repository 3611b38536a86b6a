"""One Keras ``fit()`` logged by CSVLogger, ``history.json`` and the TensorBoard callback is one run.

``analyze`` of such a project folder gives one run (not ``logs`` and ``training``, with
every finding twice). Inputs: real Keras 3 logs in ``data/`` (see its
README; written by ``data/make_keras_tensorboard.py``).
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from analysis_testutil import run_analyze

import analysis.readers.errors as reader_errors
from analysis.readers import load, load_many
from analysis.readers.tb_tags import keras_log_key

DATA = Path(__file__).parent / "data"


@pytest.fixture(autouse=True)
def _strict(monkeypatch):
    monkeypatch.setattr(reader_errors, "STRICT", True)


def csv_columns(path: Path) -> dict[str, np.ndarray]:
    with open(path, newline="") as fh:
        rows = list(csv.DictReader(fh))
    return {k: np.array([float(r[k]) for r in rows]) for k in rows[0]}


def tb_dir(folder: Path) -> Path:
    (train,) = folder.rglob("train")
    return train.parent


def test_csvlogger_history_and_tensorboard_of_one_fit_are_one_run():
    folder = DATA / "keras_csv_tb"
    out = load_many(folder)
    assert out.errors == []
    (run,) = out.runs
    assert run.format == "keras-csvlogger" and Path(run.source) == folder / "training.log"
    skipped = {Path(e.source).name: e.reason for e in out.skipped}
    assert skipped["history.json"].startswith("same data as training.log")
    assert skipped["logs"].startswith("same fit as training.log")
    # the values are training.log's, as written
    want = csv_columns(folder / "training.log")
    for k in ("accuracy", "loss", "val_accuracy", "val_loss"):
        np.testing.assert_array_equal(run.series[k].value, want[k])
        np.testing.assert_array_equal(run.series[k].step, want["epoch"])
    # what only the event files have: wall times, and the learning rate (training.log has none)
    (tb,) = load(tb_dir(folder))
    np.testing.assert_array_equal(
        run.series["loss"].wall_time, tb.series["train/epoch_loss"].wall_time
    )
    np.testing.assert_array_equal(
        run.series["val_loss"].wall_time, tb.series["validation/epoch_loss"].wall_time
    )
    assert "learning_rate" not in want
    np.testing.assert_array_equal(
        run.series["learning_rate"].value, tb.series["train/epoch_learning_rate"].value
    )
    assert run.series["learning_rate"].value[0] == pytest.approx(1e-2)  # Adam(1e-2)
    assert any("TensorBoard event files in logs/" in n for n in run.notes)


def test_tensorboard_in_logs_fit_timestamp_with_reduce_lr_on_plateau():
    """TensorBoard("logs/fit/<timestamp>"); ReduceLROnPlateau cuts the rate after epoch 2:
    CSVLogger logs the rate epoch 2 ran with (0.5), the TensorBoard callback reads the
    optimizer after the cut (0.25). Still the same fit; training.log's rate is kept."""
    folder = DATA / "keras_csv_tb_fit"
    out = load_many(folder)
    (run,) = out.runs
    assert Path(run.source).name == "training.log"
    (tb_skip,) = [e for e in out.skipped if "same fit" in e.reason]
    assert Path(tb_skip.source) == folder / "logs" / "fit" / "20250101-120000"
    want = csv_columns(folder / "training.log")
    (tb,) = load(tb_dir(folder))
    tb_lr = tb.series["train/epoch_learning_rate"].value
    assert want["learning_rate"].tolist() == [0.5, 0.5, 0.5, 0.25]
    assert tb_lr.tolist() == [0.5, 0.5, 0.25, 0.25]
    np.testing.assert_array_equal(run.series["learning_rate"].value, want["learning_rate"])
    assert any("learning_rate differs" in n for n in run.notes)
    # TensorBoard stores float32: equal to CSVLogger's values only once rounded to float32
    np.testing.assert_array_equal(
        tb.series["train/epoch_loss"].value, want["loss"].astype(np.float32).astype(np.float64)
    )


def test_history_json_with_tensorboard_only_is_one_run(tmp_path):
    src = DATA / "keras_csv_tb"
    shutil.copy(src / "history.json", tmp_path / "history.json")
    shutil.copytree(src / "logs", tmp_path / "logs")
    out = load_many(tmp_path)
    (run,) = out.runs
    assert run.format == "keras-history-json"
    assert [e.reason.split(" (")[0] for e in out.skipped] == ["same fit as history.json"]
    hist = json.loads((src / "history.json").read_text())
    np.testing.assert_array_equal(run.series["val_loss"].value, hist["val_loss"])


def test_tensorboard_of_another_fit_is_kept(tmp_path):
    """Event files of a different fit next to a CSVLogger log: two runs, nothing skipped."""
    shutil.copy(DATA / "keras_csv_tb" / "training.log", tmp_path / "training.log")
    shutil.copytree(DATA / "keras_csv_tb_fit" / "logs", tmp_path / "logs")
    out = load_many(tmp_path)
    assert sorted(r.format for r in out.runs) == ["keras-csvlogger", "tensorboard-events"]
    assert out.skipped == []
    csv_run = next(r for r in out.runs if r.format == "keras-csvlogger")
    assert "learning_rate" not in csv_run.series and csv_run.series["loss"].wall_time is None


def test_one_changed_epoch_value_is_another_fit(tmp_path):
    """Every epoch series must match: one val_loss cell edited -> two runs again."""
    src = DATA / "keras_csv_tb"
    shutil.copytree(src / "logs", tmp_path / "logs")
    lines = (src / "training.log").read_text().splitlines()
    cells = lines[3].split(",")
    cells[-1] = repr(float(cells[-1]) * 1.01)
    lines[3] = ",".join(cells)
    (tmp_path / "training.log").write_text("\n".join(lines) + "\n")
    assert len(load_many(tmp_path).runs) == 2


def test_tensorboard_beside_not_below_the_log_is_kept(tmp_path):
    """The event files must be in the log's folder tree (logs/, logs/fit/<ts>/), not a sibling."""
    src = DATA / "keras_csv_tb"
    (tmp_path / "csv").mkdir()
    shutil.copy(src / "training.log", tmp_path / "csv" / "training.log")
    shutil.copytree(src / "logs", tmp_path / "tb" / "logs")
    assert len(load_many(tmp_path).runs) == 2


def test_keras_tensorboard_tags_map_to_fit_logs_keys():
    (tb,) = load(tb_dir(DATA / "keras_csv_tb"))
    got = {name: keras_log_key(name) for name in tb.series}
    assert got == {
        "train/epoch_accuracy": ("accuracy", "epoch"),
        "train/epoch_loss": ("loss", "epoch"),
        "train/epoch_learning_rate": ("learning_rate", "epoch"),
        "validation/evaluation_accuracy_vs_iterations": ("val_accuracy", "copy"),
        "validation/evaluation_loss_vs_iterations": ("val_loss", "copy"),
        "validation/epoch_accuracy": ("val_accuracy", "epoch"),
        "validation/epoch_loss": ("val_loss", "epoch"),
    }
    # the copies on the step grid carry the validation values again
    np.testing.assert_array_equal(
        tb.series["validation/evaluation_loss_vs_iterations"].value,
        tb.series["validation/epoch_loss"].value,
    )
    assert keras_log_key("train/batch_loss") is None and keras_log_key("Train/Loss") is None


def test_analyze_folder_reports_one_run_and_lists_the_copies():
    out = run_analyze("--json", DATA / "keras_csv_tb")
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert [r["name"] for r in doc["runs"]] == ["keras_csv_tb"]
    assert sorted(Path(s["source"]).name for s in doc["skipped"]) == ["history.json", "logs"]
    assert all(f["run"] == "keras_csv_tb" for f in doc["runs"][0]["findings"])
