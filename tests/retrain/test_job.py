"""Output folders and the controller side of a job (no TensorFlow)."""

from __future__ import annotations

import json
import re
import shutil
import signal
import time

import pytest

from retrain.errors import RetrainError
from retrain.job import describe_exit, prepare_job, read_metrics, record_outcome
from retrain.outdir import (
    MARKER,
    claim_output_dir,
    default_output_dir,
    read_marker,
    user_runs_dir,
)


def test_claim_new_empty_and_numbered_folders(tmp_path):
    a = claim_output_dir(tmp_path / "runs" / "job")
    assert a == (tmp_path / "runs" / "job").resolve() and (a / MARKER).exists()
    (tmp_path / "empty").mkdir()
    assert claim_output_dir(tmp_path / "empty") == (tmp_path / "empty").resolve()
    # an earlier job's folder: a numbered sibling, the old one untouched
    (a / "training.log").write_text("epoch,loss\n0,1\n")
    b = claim_output_dir(tmp_path / "runs" / "job")
    assert b.name == "job-2"
    assert (a / "training.log").read_text() == "epoch,loss\n0,1\n"
    assert claim_output_dir(tmp_path / "runs" / "job").name == "job-3"


def test_claim_refuses_user_folders(tmp_path):
    user = tmp_path / "project"
    user.mkdir()
    data = user / "data.csv"
    data.write_text("a,y\n1,0\n")
    with pytest.raises(RetrainError, match="contains your file data.csv"):
        claim_output_dir(user, protected=[data])
    with pytest.raises(RetrainError, match="contains your file data.csv"):
        claim_output_dir(tmp_path, protected=[data])
    with pytest.raises(RetrainError, match="holds other files"):
        claim_output_dir(user)
    with pytest.raises(RetrainError, match="is a file"):
        claim_output_dir(data)
    assert sorted(p.name for p in user.iterdir()) == ["data.csv"]


def test_prepare_job_writes_the_resolved_spec(tmp_path, cases_dir, write_spec_file):
    spec = write_spec_file(
        {
            "data": {"path": str(cases_dir / "case_19_tiny_dataset.csv"), "label": "label"},
            "remedies": {"early_stopping": {"monitor": "val_accuracy"}},
            "output": {"dir": "out/job"},
        }
    )
    job = prepare_job(spec)
    assert job.output == (tmp_path / "out" / "job").resolve()
    assert read_marker(job.output)["state"] == "prepared"
    import tomllib

    d = tomllib.loads(job.spec_path.read_text())
    assert d["data"]["path"] == str(cases_dir / "case_19_tiny_dataset.csv")
    assert d["output"]["dir"] == str(job.output)
    assert d["remedies"]["early_stopping"]["mode"] == "max"
    # a second job from the same spec gets its own folder
    assert prepare_job(spec).output.name == "job-2"


def test_record_outcome_keeps_what_the_worker_wrote(tmp_path):
    out = claim_output_dir(tmp_path / "job")
    m = record_outcome(out, "failed", "the worker was killed", epochs_run=3, seconds=1.5)
    assert m == {
        "status": "failed",
        "reason": "the worker was killed",
        "epochs_run": 3,
        "seconds": 1.5,
        "val": None,
    }
    assert read_metrics(out) == m and read_marker(out)["state"] == "failed"
    (out / "metrics.json").write_text(json.dumps({"status": "completed", "epochs_run": 5}))
    assert record_outcome(out, "failed", "late")["status"] == "completed"


def test_describe_exit():
    assert describe_exit(None, signal.SIGKILL, "during epoch 3/20") == (
        "the worker was killed by signal 9 (SIGKILL), possibly by the system running out of "
        "memory during epoch 3/20; see worker.log in the job folder"
    )
    assert describe_exit(1, None).startswith("the worker exited with status 1 without a result")


# -- nothing is created for a bad spec or label; where a job goes by default ---------------------


@pytest.mark.parametrize(
    "data, label, needle",
    [
        ("demo", "Target", "no column 'Target'; did you mean 'target'?"),
        ("demo", "mean_radius", "column 'mean_radius': the label looks continuous"),
        ("missing", "target", "[data] path: dataset file not found"),
    ],
)
def test_bad_inputs_create_no_output_folder(
    demo_dir, tmp_path, write_spec_file, data, label, needle
):
    path = demo_dir / "data.csv" if data == "demo" else tmp_path / "nope.csv"
    out = tmp_path / "runs" / "job"
    spec = write_spec_file(
        {"data": {"path": str(path), "label": label}, "output": {"dir": str(out)}}
    )
    with pytest.raises(RetrainError) as ei:
        prepare_job(spec)
    assert needle in str(ei.value)
    assert not (tmp_path / "runs").exists()


def test_a_bad_spec_reports_every_problem_and_creates_nothing(demo_dir, tmp_path, write_spec_file):
    spec = write_spec_file(
        {
            "data": {"path": str(demo_dir / "data.csv"), "label": "target"},
            "train": {"epochs": 0, "optimiser": "adam"},
            "remedies": {"dropout": 2.0},
            "output": {"dir": str(tmp_path / "out")},
        }
    )
    with pytest.raises(RetrainError) as ei:
        prepare_job(spec)
    assert [w for w, _ in ei.value.problems] == ["[train]", "[train] epochs", "[remedies] dropout"]
    assert not (tmp_path / "out").exists()


def test_default_output_is_under_the_current_folder_with_a_time_stamp(
    demo_dir, tmp_path, monkeypatch
):
    """QA: the demo spec's [output] dir resolved inside resources/demo, next to its files."""
    monkeypatch.chdir(tmp_path)
    before = sorted(p.name for p in demo_dir.iterdir())
    job = prepare_job(demo_dir / "retrain.toml")
    assert job.output_default and job.output_note is None
    assert job.output.parent == tmp_path.resolve() / "runs"
    assert re.fullmatch(r"retrain-\d{8}-\d{6}", job.output.name)
    assert sorted(p.name for p in demo_dir.iterdir()) == before
    # a second job in the same second gets a numbered sibling, never the same folder
    again = prepare_job(demo_dir / "retrain.toml")
    assert again.output != job.output and again.output.parent == job.output.parent


def test_default_output_is_never_inside_the_datasets_folder(tmp_path, monkeypatch, cases_dir):
    project = tmp_path / "project"
    project.mkdir()
    shutil.copy(cases_dir / "case_19_tiny_dataset.csv", project / "data.csv")
    (project / "spec.toml").write_text("[data]\npath = 'data.csv'\nlabel = 'label'\n")
    monkeypatch.chdir(project)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    job = prepare_job(project / "spec.toml")
    assert job.output.parent == user_runs_dir() == tmp_path / "xdg" / "FitLens" / "runs"
    assert job.output_note == (
        f"./runs would be inside {project.resolve()}, the folder of your dataset/model"
    )
    assert sorted(p.name for p in project.iterdir()) == ["data.csv", "spec.toml"]
    # from a sub-folder of the dataset's folder too
    (project / "sub").mkdir()
    monkeypatch.chdir(project / "sub")
    assert prepare_job(project / "spec.toml").output.parent == user_runs_dir()


def test_default_output_dir_names_and_refusal(tmp_path, monkeypatch):
    stamp = time.mktime((2024, 5, 6, 7, 8, 9, 0, 0, -1))  # local time, as the name
    folder, note = default_output_dir(
        "my spec", [tmp_path / "data" / "d.csv"], cwd=tmp_path, now=stamp
    )
    assert folder == tmp_path.resolve() / "runs" / "my_spec-20240506-070809"
    assert note is None
    # a dataset at the top of the home folder: ./runs and the user data folder are both
    # inside its folder; the user has to choose
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / ".local" / "share"))
    with pytest.raises(
        RetrainError,
        match=r"no output folder given, and both \./runs and .* "
        r"are inside .*; choose one with --output DIR",
    ):
        default_output_dir("spec", [tmp_path / "data.csv"], cwd=tmp_path / "work")
