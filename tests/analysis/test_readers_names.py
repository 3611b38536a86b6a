"""Run names: one rule for CLI and GUI (``Run.name``), and names that tell runs apart.

The same run folder has one name in the window and in the CLI; two files on the command
line named ``training.log`` get distinct names; generic file names (``history.json``) give
the folder's name. Rules: :mod:`analysis.readers.names`.
"""

from __future__ import annotations

import json
import shutil

import pytest
from analysis_testutil import run_analyze as analyze

import analysis.readers.errors as reader_errors
from analysis.readers import LogTail, load, unique_run_names
from analysis.readers.files import stem
from analysis.readers.names import is_generic_stem


@pytest.fixture(autouse=True)
def _strict(monkeypatch):
    monkeypatch.setattr(reader_errors, "STRICT", True)


@pytest.mark.parametrize(
    "name",
    [
        "training",
        "history",
        "trainHistoryDict",
        "metrics",
        "trainer_state",
        "log",
        "training_log",
        "train_log",
        "training_history",
        "model_history",
        "model_history_log",
        "my_history",
    ],
)
def test_generic_log_names(name):
    assert is_generic_stem(name)


@pytest.mark.parametrize(
    "name",
    [
        "002_akboles_training",
        "speaker250_training",
        "model_history_logdef",
        "history2",
        "val_loss",
        "run-.-tag-loss",
        "case_08_csv_epoch_restart",
    ],
)
def test_names_that_identify_a_run(name):
    assert not is_generic_stem(name)


def test_zoo_file_named_after_its_folder_alone_and_in_folders(zoo_dir):
    d = zoo_dir / "healthy_wine"
    assert [r.name for r in load(d / "training.log")] == ["healthy_wine"]
    assert [r.name for r in load(d / "history.json")] == ["healthy_wine"]
    assert [r.name for r in load(d)] == ["healthy_wine"]
    assert "healthy_wine" in [r.name for r in load(zoo_dir)]


def test_live_log_has_the_same_name_as_a_read_one(tmp_path, zoo_dir):
    d = tmp_path / "wine_run"
    d.mkdir()
    shutil.copy(zoo_dir / "healthy_wine" / "training.log", d / "training.log")
    tail = LogTail(d / "training.log")
    assert tail.poll(final=True)
    assert [r.name for r in tail.runs] == [r.name for r in load(d / "training.log")] == ["wine_run"]


def test_corpus_files_keep_their_stems(corpus_dir):
    expect = json.loads((corpus_dir / "expect.json").read_text())
    for e in expect:
        f = corpus_dir / e["file"]
        assert {r.name for r in load(f)} == {stem(str(f))}, e["file"]


def test_generic_folder_names_get_the_folder_above(tmp_path, zoo_dir):
    log = tmp_path / "exp1" / "logs" / "training.log"
    log.parent.mkdir(parents=True)
    shutil.copy(zoo_dir / "healthy_wine" / "training.log", log)
    assert [r.name for r in load(log)] == ["exp1/logs"]
    assert [r.name for r in load(tmp_path / "exp1")] == ["exp1/logs"]
    assert [r.name for r in load(tmp_path)] == ["exp1/logs"]


def test_lightning_and_hf_files_opened_alone(tmp_path, corpus_dir):
    v = tmp_path / "lightning_logs" / "version_3"
    v.mkdir(parents=True)
    shutil.copy(corpus_dir / "018_asl_lightning_metrics.csv", v / "metrics.csv")
    assert [r.name for r in load(v / "metrics.csv")] == ["version_3"]
    assert [r.name for r in load(tmp_path)] == ["version_3"]
    ck = tmp_path / "out" / "checkpoint-500"
    ck.mkdir(parents=True)
    shutil.copy(corpus_dir / "022_loraimdb_trainer_state.json", ck / "trainer_state.json")
    assert [r.name for r in load(ck / "trainer_state.json")] == ["checkpoint-500"]


def test_two_fits_with_generic_names_in_one_folder_differ(tmp_path, zoo_dir, corpus_dir):
    d = tmp_path / "exp"
    d.mkdir()
    shutil.copy(zoo_dir / "healthy_wine" / "training.log", d / "training.log")
    shutil.copy(corpus_dir / "030_dm2020_overfit_training_log.csv", d / "metrics.csv")
    assert sorted(r.name for r in load(d)) == ["exp/metrics", "exp/training"]
    assert sorted(r.name for r in load(tmp_path)) == ["exp/metrics", "exp/training"]


def test_unique_run_names_across_inputs(tmp_path, zoo_dir):
    src = zoo_dir / "healthy_wine" / "training.log"
    for side in ("a", "b"):
        (tmp_path / side / "run").mkdir(parents=True)
        shutil.copy(src, tmp_path / side / "run" / "training.log")
    runs = load(tmp_path / "a" / "run" / "training.log") + load(
        tmp_path / "b" / "run" / "training.log"
    )
    assert [r.name for r in runs] == ["run", "run"]
    unique_run_names(runs)
    assert [r.name for r in runs] == ["a/run", "b/run"]
    # the same file twice: numbered
    runs = load(src) + load(src)
    unique_run_names(runs)
    assert [r.name for r in runs] == ["healthy_wine", "healthy_wine-2"]


def test_analyze_names_runs_after_their_folders_and_keeps_them_apart(tmp_path, zoo_dir):
    a = zoo_dir / "healthy_wine" / "training.log"
    b = zoo_dir / "overfit_digits_small" / "training.log"
    doc = json.loads(analyze("--json", a, b).stdout)
    assert [r["name"] for r in doc["runs"]] == ["healthy_wine", "overfit_digits_small"]
    for side in ("x", "y"):
        (tmp_path / side / "overfit").mkdir(parents=True)
        shutil.copy(b, tmp_path / side / "overfit" / "training.log")
    out = analyze("--json", tmp_path / "x" / "overfit" / "training.log", tmp_path / "y" / "overfit")
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert [r["name"] for r in doc["runs"]] == ["x/overfit", "y/overfit"]
    # findings name the run they belong to
    for r in doc["runs"]:
        assert r["findings"] and {f["run"] for f in r["findings"]} == {r["name"]}
