"""Output folders and the controller side of a job (no TensorFlow)."""

from __future__ import annotations

import json
import signal

import pytest

from retrain.errors import RetrainError
from retrain.job import describe_exit, prepare_job, read_metrics, record_outcome
from retrain.outdir import MARKER, claim_output_dir, read_marker


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
    spec = write_spec_file({"data": {"path": str(cases_dir / "case_19_tiny_dataset.csv"),
                                     "label": "label"},
                            "remedies": {"early_stopping": {"monitor": "val_accuracy"}},
                            "output": {"dir": "out/job"}})
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
    assert m == {"status": "failed", "reason": "the worker was killed", "epochs_run": 3,
                 "seconds": 1.5, "val": None}
    assert read_metrics(out) == m and read_marker(out)["state"] == "failed"
    (out / "metrics.json").write_text(json.dumps({"status": "completed", "epochs_run": 5}))
    assert record_outcome(out, "failed", "late")["status"] == "completed"


def test_describe_exit():
    assert describe_exit(None, signal.SIGKILL, "during epoch 3/20") == (
        "the worker was killed by signal 9 (SIGKILL), possibly by the system running out of "
        "memory during epoch 3/20; see worker.log in the job folder")
    assert describe_exit(1, None).startswith("the worker exited with status 1 without a result")
