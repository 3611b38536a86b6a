"""``main.py retrain`` stopped from outside: a closed stdout, SIGTERM, bad input under
``--json`` and an output path that is a file (QA3 #3-#6).

The CLI is the real one; its worker is :mod:`fake_worker` (replaying the demo job
recorded from the real worker), so no TensorFlow is needed (:mod:`fake_cli`).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from retrain_testutil import ROOT, sha256_files
from retrain_testutil import run_retrain_cli as _cli  # input errors: no worker runs

HERE = Path(__file__).resolve().parent


def _fake_cli(args, cwd: Path, **env) -> subprocess.Popen:
    """The CLI with the fake worker (``FAKE_DELAY`` etc. in ``env``), pipes on stdout/err."""
    e = dict(os.environ, PYTHONPATH=str(ROOT), **env)
    return subprocess.Popen(
        [sys.executable, str(HERE / "fake_cli.py"), *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=e,
        cwd=cwd,
    )


@pytest.fixture
def demo_spec_file(demo_dir, write_spec_file):
    if not (demo_dir / "data.csv").exists():
        pytest.skip("demo assets not generated yet")
    return write_spec_file(
        {
            "data": {"path": str(demo_dir / "data.csv"), "label": "target"},
            "train": {"epochs": 30},
        }
    )


def _recorded_epochs() -> int:
    rec = HERE / "data" / "demo_protocol.jsonl"
    return sum(json.loads(x)["type"] == "epoch" for x in rec.read_text().splitlines())


def _metrics(out: Path) -> dict:
    return json.loads((out / "metrics.json").read_text())


def _log_rows(out: Path) -> list[str]:
    log = out / "training.log"
    return log.read_text().splitlines()[1:] if log.exists() else []


@pytest.mark.parametrize("as_json", [True, False], ids=["json", "text"])
def test_a_closed_stdout_cancels_the_job_without_a_traceback(demo_spec_file, tmp_path, as_json):
    """QA3 #3: ``retrain SPEC --json | head -1`` gave a BrokenPipeError traceback and exit
    1 (the job then ended "cancelled" only because the worker lost its controller)."""
    out = tmp_path / "job"
    args = [str(demo_spec_file), "--output", str(out)] + (["--json"] if as_json else [])
    proc = _fake_cli(args, tmp_path, FAKE_DELAY="0.05")
    try:
        first = proc.stdout.readline().decode()
        proc.stdout.close()  # what `| head -1` does after its line
        err = proc.stderr.read().decode()
        proc.wait(timeout=60)
    finally:
        proc.kill()
    if as_json:
        assert json.loads(first)["type"] == "started"
    else:
        assert first == f"job folder: {out}\n"
    assert "Traceback" not in err and "Exception ignored" not in err, err
    assert proc.returncode == 141  # 128 + SIGPIPE, as a shell reports `yes | head -1`
    reason = "the output of fitlens retrain was closed (broken pipe)"
    m = _metrics(out)
    assert m["status"] == "cancelled" and m["reason"] == reason
    # stopped at the first message after the closed one (a batch or an epoch)
    assert m["epochs_run"] < _recorded_epochs()
    assert len(_log_rows(out)) == m["epochs_run"]
    assert err.splitlines() == [
        f"fitlens retrain: cancelled: {reason}; {m['epochs_run']} epoch{'' if m['epochs_run'] == 1 else 's'} in "
        f"{m['seconds']:.1f} s -> {out}"
    ]


def test_sigterm_to_the_cli_cancels_the_job_and_says_so(demo_spec_file, tmp_path):
    """QA3 #5: SIGTERM to the CLI (a CI timeout) ended it with 143 and no final line."""
    out = tmp_path / "job"
    proc = _fake_cli(
        [str(demo_spec_file), "--output", str(out), "--json"], tmp_path, FAKE_DELAY="0.05"
    )
    msgs = []
    try:
        for line in proc.stdout:
            msgs.append(json.loads(line))
            if msgs[-1]["type"] == "epoch":
                proc.send_signal(signal.SIGTERM)
                break
        rest, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    msgs += [json.loads(x) for x in rest.decode().splitlines()]
    assert proc.returncode == 143, err.decode()
    reason = "fitlens retrain was terminated (SIGTERM)"
    m = _metrics(out)
    assert m["status"] == "cancelled" and m["reason"] == reason
    assert 1 <= m["epochs_run"] < _recorded_epochs()
    assert len(_log_rows(out)) == m["epochs_run"]
    assert msgs[-1]["type"] == "finished" and msgs[-1]["status"] == "cancelled"
    assert err.decode().splitlines() == [
        f"fitlens retrain: cancelled: {reason}; {m['epochs_run']} epoch{'' if m['epochs_run'] == 1 else 's'} in "
        f"{m['seconds']:.1f} s -> {out}"
    ]


def test_a_second_sigterm_stops_a_worker_that_does_not_answer(demo_spec_file, tmp_path):
    """Like a second Ctrl+C: the worker (here one that ignores cancel requests) is
    terminated at once; the CLI still records and prints the outcome."""
    out = tmp_path / "job"
    proc = _fake_cli(
        [str(demo_spec_file), "--output", str(out), "--json"],
        tmp_path,
        FAKE_DELAY="0.05",
        FAKE_MODE="hang",
    )
    try:
        for line in proc.stdout:
            if json.loads(line)["type"] == "epoch":
                proc.send_signal(signal.SIGTERM)
                break
        # the cancel is ignored: the worker keeps replaying epochs
        for line in proc.stdout:
            if json.loads(line)["type"] == "epoch":
                proc.send_signal(signal.SIGTERM)
                break
        _, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 143, err.decode()
    m = _metrics(out)
    assert m["status"] == "cancelled"
    assert m["reason"].startswith(
        "fitlens retrain was terminated (SIGTERM); the worker was killed by signal 15 (SIGTERM)"
    )
    assert len(_log_rows(out)) == m["epochs_run"] >= 2
    last = err.decode().splitlines()[-1]
    assert last == f"fitlens retrain: cancelled: {m['reason']} ({out})"


def test_json_mode_reports_bad_input_on_stdout_too(demo_dir, tmp_path, write_spec_file):
    """QA3 #4: with --json a spec or input error went to stderr only: a JSON Lines reader
    saw an empty stream. Now one ``error`` message, as the worker sends, and the same line
    on stderr, exit 2."""
    spec = write_spec_file(
        {"data": {"path": str(demo_dir / "data.csv"), "label": "Target"}, "train": {"epochs": -1}}
    )
    missing = tmp_path / "nosuch.toml"
    for path in (spec, missing):
        res = _cli([str(path), "--json"], cwd=tmp_path)
        assert res.returncode == 2
        err = res.stderr.decode().splitlines()
        assert len(err) == 1 and err[0].startswith(f"fitlens retrain: {path}: ")
        (msg,) = [json.loads(x) for x in res.stdout.decode().splitlines()]
        assert msg == {
            "type": "error",
            "version": 1,
            "message": err[0].removeprefix("fitlens retrain: "),
            "kind": "spec",
            "output": None,
        }
    assert "[train] epochs: must be in [1, inf], got -1" in msg_text(spec, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["spec.toml"]  # nothing created


def msg_text(spec: Path, cwd: Path) -> str:
    res = _cli([str(spec), "--json"], cwd=cwd)
    return json.loads(res.stdout)["message"]


def test_json_mode_relays_the_workers_refusal_once(demo_dir, tmp_path, write_spec_file):
    """Input only the worker can refuse (it loads the whole file): its ``error`` message is
    on stdout once, nothing is left behind."""
    import numpy as np
    import pandas as pd

    df = pd.read_csv(demo_dir / "data.csv")
    df.loc[[5, 9], "mean_texture"] = np.nan
    data = tmp_path / "holes.csv"
    df.to_csv(data, index=False)
    out = tmp_path / "job"
    spec = write_spec_file(
        {"data": {"path": str(data), "label": "target"}, "output": {"dir": str(out)}}
    )
    res = _cli([str(spec), "--json"], cwd=tmp_path)
    assert res.returncode == 2
    why = f"{data}: missing values in 'mean_texture' (2); fill or drop them before retraining"
    assert [json.loads(x) for x in res.stdout.decode().splitlines()] == [
        {"type": "error", "version": 1, "message": why, "kind": "data", "output": None}
    ]
    assert res.stderr.decode().splitlines() == [f"fitlens retrain: {why}"]
    assert not out.exists()


def test_output_that_is_an_existing_file_is_called_a_file(demo_dir, tmp_path, write_spec_file):
    """QA3 #6: ``--output data.csv`` said "the output folder contains your file data.csv"."""
    data = tmp_path / "data.csv"
    data.write_bytes((demo_dir / "data.csv").read_bytes())
    other = tmp_path / "notes.txt"
    other.write_text("my notes\n")
    spec = write_spec_file({"data": {"path": "data.csv", "label": "target"}})
    before = sha256_files([tmp_path])
    res = _cli([str(spec), "--output", "data.csv"], cwd=tmp_path)
    assert res.returncode == 2
    assert res.stderr.decode().splitlines() == [
        f"fitlens retrain: {data}: is your file data.csv, not a folder; choose a new "
        "folder for the job's files"
    ]
    res = _cli([str(spec), "--output", "notes.txt"], cwd=tmp_path)
    assert res.returncode == 2
    assert res.stderr.decode().splitlines() == [
        f"fitlens retrain: {other}: is a file, not a folder; choose a new folder for the "
        "job's files"
    ]
    assert sha256_files([tmp_path]) == before
