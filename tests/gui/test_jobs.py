"""The QProcess job runner: protocol parsing, cancel/terminate/kill, crashes, the queue.

Most tests drive a fake worker (tests/retrain/fake_worker.py) that replays the
protocol lines a real worker wrote while retraining the demo; the last ones run
the real worker on tiny data.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer

from gui.jobs import JobRunner
from gui.jobs_panel import JobsPanel
from retrain.job import worker_env

ROOT = Path(__file__).resolve().parents[2]
FAKE = ROOT / "tests" / "retrain" / "fake_worker.py"
RECORDED = ROOT / "tests" / "retrain" / "data" / "demo_protocol.jsonl"
TIMEOUT = 30_000


def _recorded_epochs() -> list[dict]:
    return [m for m in map(json.loads, RECORDED.read_text().splitlines()) if m["type"] == "epoch"]


def _fake_runner(qtbot, mode: str = "normal", delay: float = 0.01, **kw) -> JobRunner:
    env = worker_env()
    env.update(FAKE_MODE=mode, FAKE_DELAY=str(delay))
    runner = JobRunner(
        command=lambda spec: [sys.executable, str(FAKE), str(spec), "--cancel-on-eof"],
        env=env,
        **kw,
    )
    return runner


@pytest.fixture
def spec_file(tmp_path, cases_dir):
    p = tmp_path / "spec.toml"
    p.write_text(
        f'[data]\npath = "{cases_dir / "case_19_tiny_dataset.csv"}"\nlabel = "label"\n'
        f'validation_split = 0.25\n[output]\ndir = "{tmp_path / "runs" / "job"}"\n'
    )
    return p


def _rows(job) -> list[str]:
    return job.log_path.read_text().splitlines()[1:] if job.log_path.exists() else []


def test_replayed_job_completes_with_a_signal_per_message(qtbot, spec_file):
    runner = _fake_runner(qtbot)
    job = runner.submit(spec_file)
    assert job.state == "queued" and job.output.name == "job"
    epochs, states = [], []
    job.epochEnded.connect(epochs.append)
    job.stateChanged.connect(states.append)
    with qtbot.waitSignal(job.finished, timeout=TIMEOUT) as blocker:
        pass
    recorded = _recorded_epochs()
    assert [m["logs"] for m in epochs] == [m["logs"] for m in recorded]
    assert states == ["starting", "running", "completed"]
    outcome = blocker.args[0]
    assert outcome["status"] == "completed" and outcome["epochs_run"] == len(recorded)
    assert job.outcome == json.loads((job.output / "metrics.json").read_text())
    live = job.live_run()
    assert list(live["val_loss"].value) == [m["logs"]["val_loss"] for m in recorded]
    assert len(_rows(job)) == len(recorded)
    assert runner.current is None and not runner.busy


def test_partial_lines_and_stray_text_are_tolerated(qtbot, spec_file):
    runner = _fake_runner(qtbot, mode="noise")
    job = runner.submit(spec_file)
    logs = []
    job.logLine.connect(logs.append)
    with qtbot.waitSignal(job.finished, timeout=TIMEOUT):
        pass
    assert job.state == "completed"
    assert job.progress.epochs_done == len(_recorded_epochs())
    assert logs and set(logs) == {"some TensorFlow chatter that is not JSON"}


def test_cancel_stops_after_the_current_step_and_keeps_the_partial_log(qtbot, spec_file):
    runner = _fake_runner(qtbot, delay=0.05)
    job = runner.submit(spec_file)
    job.epochEnded.connect(lambda m: job.cancel() if m["epoch"] == 2 else None)
    with qtbot.waitSignal(job.finished, timeout=TIMEOUT) as blocker:
        pass
    assert job.state == "cancelled"
    outcome = blocker.args[0]
    assert outcome["status"] == "cancelled" and outcome["reason"] == "cancelled by the user"
    assert 3 <= outcome["epochs_run"] < len(_recorded_epochs())
    assert len(_rows(job)) == outcome["epochs_run"] == job.progress.epochs_done
    assert job.escalation is None  # it stopped by itself


def test_a_worker_ignoring_cancel_is_terminated(qtbot, spec_file):
    runner = _fake_runner(qtbot, mode="hang", grace_ms=300, kill_ms=300)
    job = runner.submit(spec_file)
    job.epochEnded.connect(lambda m: job.cancel() if m["epoch"] == 1 else None)
    with qtbot.waitSignal(job.finished, timeout=TIMEOUT) as blocker:
        pass
    assert job.state == "cancelled" and job.escalation == "terminate"
    assert "was terminated" in blocker.args[0]["reason"]
    assert json.loads((job.output / "metrics.json").read_text())["status"] == "cancelled"


def test_a_worker_ignoring_sigterm_is_killed(qtbot, spec_file):
    runner = _fake_runner(qtbot, mode="stubborn", grace_ms=200, kill_ms=300)
    job = runner.submit(spec_file)
    job.started.connect(lambda m: job.cancel())
    with qtbot.waitSignal(job.finished, timeout=TIMEOUT) as blocker:
        pass
    assert job.state == "cancelled" and job.escalation == "kill"
    assert "was killed" in blocker.args[0]["reason"]


def test_a_killed_worker_fails_the_job_with_the_reason(qtbot, spec_file):
    runner = _fake_runner(qtbot, mode="killself:3")
    job = runner.submit(spec_file)
    with qtbot.waitSignal(job.finished, timeout=TIMEOUT) as blocker:
        pass
    assert job.state == "failed"
    reason = blocker.args[0]["reason"]
    n = len(_recorded_epochs())
    assert reason.startswith(
        f"the worker was killed by signal 9 (SIGKILL), possibly by the "
        f"system running out of memory during epoch 4/{n}"
    )
    m = json.loads((job.output / "metrics.json").read_text())
    assert m["status"] == "failed" and m["epochs_run"] == 3 and m["reason"] == reason
    assert len(_rows(job)) == 3


def test_a_silent_exit_fails_the_job(qtbot, spec_file):
    runner = _fake_runner(qtbot, mode="exit:2")
    job = runner.submit(spec_file)
    with qtbot.waitSignal(job.finished, timeout=TIMEOUT):
        pass
    assert job.state == "failed"
    assert job.reason.startswith("the worker exited with status 1 without a result during epoch 3/")


def test_a_worker_that_cannot_start(qtbot, spec_file, tmp_path):
    runner = JobRunner(command=lambda spec: [str(tmp_path / "no-such-python"), str(spec)])
    job = runner.submit(spec_file)
    with qtbot.waitSignal(job.finished, timeout=TIMEOUT):
        pass
    assert job.state == "failed" and job.reason.startswith("could not start the worker")


def test_jobs_queue_and_run_one_at_a_time(qtbot, spec_file):
    runner = _fake_runner(qtbot)
    events = []
    runner.jobStarted.connect(lambda j: events.append(("start", j.id, runner.current is j)))
    runner.jobFinished.connect(lambda j: events.append(("end", j.id, j.state)))
    jobs = [runner.submit(spec_file) for _ in range(3)]
    assert [j.output.name for j in jobs] == ["job", "job-2", "job-3"]
    queued_then_cancelled = runner.submit(spec_file)
    queued_then_cancelled.cancel()
    assert queued_then_cancelled.state == "cancelled"
    with qtbot.waitSignal(runner.idle, timeout=TIMEOUT * 2):
        pass
    a, b, c = (j.id for j in jobs)
    d = queued_then_cancelled.id
    assert events == [
        ("end", d, "cancelled"),
        ("start", a, True),
        ("end", a, "completed"),
        ("start", b, True),
        ("end", b, "completed"),
        ("start", c, True),
        ("end", c, "completed"),
    ]
    assert (
        json.loads((queued_then_cancelled.output / "metrics.json").read_text())["reason"]
        == "cancelled before it started"
    )


def test_shutdown_stops_the_running_and_queued_jobs(qtbot, spec_file):
    runner = _fake_runner(qtbot, delay=0.05)
    first, second = runner.submit(spec_file), runner.submit(spec_file)
    with qtbot.waitSignal(first.epochEnded, timeout=TIMEOUT):
        pass
    runner.shutdown(timeout_ms=10_000)
    assert first.state == "cancelled" and second.state == "cancelled"
    assert second.reason == "cancelled before it started"
    assert not runner.busy and first.pid is None


def test_submit_refuses_a_bad_spec_in_one_line(qtbot, tmp_path):
    from retrain.errors import RetrainError

    p = tmp_path / "bad.toml"
    p.write_text("[data]\npath = 'missing.csv'\nlabel = 'y'\n")
    runner = _fake_runner(qtbot)
    with pytest.raises(RetrainError, match="dataset file not found"):
        runner.submit(p)
    assert runner.jobs == []


# -- the real worker ---------------------------------------------------------------------


def _hashes(paths) -> dict[str, str]:
    return {str(p): hashlib.sha256(Path(p).read_bytes()).hexdigest() for p in paths}


@pytest.mark.tf
def test_real_worker_end_to_end_and_kill_9(qtbot, tmp_path, cases_dir):
    """CASES 19's job (tiny CSV, scaling + class weights + early stopping) in the real worker,
    then a second job killed with SIGKILL: failed with the reason, the GUI alive."""
    data = cases_dir / "case_19_tiny_dataset.csv"
    user = _hashes([data])
    job_spec = json.loads((cases_dir / "case_19_retrain_job.json").read_text())
    spec = tmp_path / "case19.toml"
    es = job_spec["remedies"]["early_stopping"]
    spec.write_text(
        f'[data]\npath = "{data}"\nlabel = "{job_spec["label"]}"\n'
        f"validation_split = {job_spec['validation_split']}\n"
        f"[train]\nepochs = {job_spec['epochs']}\nbatch_size = {job_spec['batch_size']}\n"
        f'seed = 0\n[remedies]\nstandardize = true\nclass_weight = "balanced"\n'
        f'early_stopping = {{ monitor = "{es["monitor"]}", patience = {es["patience"]} }}\n'
    )
    runner = JobRunner()
    panel = JobsPanel(runner)
    qtbot.addWidget(panel)
    ticks = []
    heartbeat = QTimer()
    heartbeat.timeout.connect(lambda: ticks.append(1))
    heartbeat.start(20)
    job = runner.submit(spec, output=tmp_path / "ok")
    with qtbot.waitSignal(job.finished, timeout=120_000) as blocker:
        pass
    outcome = blocker.args[0]
    assert job.state == "completed", job.reason
    assert outcome["val"]["n"] == 10  # 25 % of 40 rows
    assert outcome["epochs_run"] == job.progress.epochs_done >= 1
    assert len(_rows(job)) == outcome["epochs_run"]
    assert job.progress.started["remedies"] == ["standardize", "class_weight", "early_stopping"]
    row = panel.row(job)
    qtbot.waitUntil(lambda: row.comparison is not None, timeout=20_000)
    assert row.bar.text() == f"epoch {outcome['epochs_run']}/{job_spec['epochs']}"
    assert "balanced accuracy" in row.summary.text()

    # a long job cancelled from the GUI after its first epoch: stops after the current batch
    long_spec = tmp_path / "long.toml"
    long_spec.write_text(
        f'[data]\npath = "{data}"\nlabel = "label"\n'
        f"[model]\nhidden = [512, 512]\n[train]\nepochs = 500\nbatch_size = 1\n"
    )
    job1 = runner.submit(long_spec, output=tmp_path / "cancelled")
    job1.epochEnded.connect(lambda m: job1.cancel() if m["epoch"] == 0 else None)
    with qtbot.waitSignal(job1.finished, timeout=120_000) as blocker:
        pass
    assert job1.state == "cancelled" and job1.escalation is None
    assert blocker.args[0]["reason"] == "cancelled by the user"
    assert len(_rows(job1)) == blocker.args[0]["epochs_run"] < 500

    # the same long job killed with SIGKILL after its first epoch
    job2 = runner.submit(long_spec, output=tmp_path / "killed")
    job2.epochEnded.connect(
        lambda m: os.kill(job2.pid, signal.SIGKILL) if m["epoch"] == 0 else None
    )
    n_ticks = len(ticks)
    with qtbot.waitSignal(job2.finished, timeout=120_000):
        pass
    assert job2.state == "failed"
    assert "killed by signal 9 (SIGKILL)" in job2.reason
    assert json.loads((job2.output / "metrics.json").read_text())["status"] == "failed"
    assert len(_rows(job2)) >= 1
    assert len(ticks) > n_ticks  # the event loop kept running
    assert panel.row(job2).status.text().startswith("failed: the worker was killed")
    heartbeat.stop()
    assert _hashes([data]) == user
