"""``python main.py analyze [--json] PATH...``: the readers' part of the command.

JSON schema version 1 (metrics per run, segments, errors), exit codes (0 all read,
2 any input unreadable), one stderr line per failure, never a traceback.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from analysis_testutil import ROOT
from analysis_testutil import run_analyze as analyze


def test_json_schema_and_values(corpus_dir):
    expect = {e["id"]: e for e in json.loads((corpus_dir / "expect.json").read_text())}
    files = [corpus_dir / expect[i]["file"] for i in ("027", "045", "052")]
    out = analyze("--json", *files)
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["version"] == 1 and doc["errors"] == []
    assert len(doc["runs"]) == 3
    for run, i in zip(doc["runs"], ("027", "045", "052"), strict=True):
        assert set(run) >= {"name", "source", "format", "segments", "metrics", "findings"}
        assert run["format"] == expect[i]["format"]
        assert run["segments"] == expect[i]["segments"]
        for name, want in expect[i]["metrics"].items():
            got = run["metrics"][name]
            assert set(got) == {"n", "n_nonfinite", "first", "last", "min", "max"}
            assert got["n"] == want["n"]
            for k in ("first", "last", "min", "max"):
                assert got[k] == pytest.approx(want[k], rel=1e-9)
    # 045: literal nan cells counted, not dropped
    assert doc["runs"][1]["metrics"]["mean_loss"]["n_nonfinite"] == 44


def test_unreadable_inputs_exit_2_one_line_each(tmp_path, cases_dir):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    zipped = tmp_path / "log.csv"
    zipped.write_bytes(b"PK\x03\x04" + b"\x00" * 60)
    missing = tmp_path / "missing.json"
    good = cases_dir / "case_08_csv_epoch_restart.csv"
    out = analyze("--json", empty, good, zipped, missing)
    assert out.returncode == 2
    doc = json.loads(out.stdout)
    assert [r["name"] for r in doc["runs"]] == ["case_08_csv_epoch_restart"]
    assert doc["runs"][0]["segments"] == 2
    assert [e["source"] for e in doc["errors"]] == [str(empty), str(zipped), str(missing)]
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 3
    assert lines[0] == f"{empty}: the file is empty"
    assert lines[1].startswith(f"{zipped}: ") and "ZIP archive" in lines[1]
    assert lines[2] == f"{missing}: no such file or folder"


def test_error_line_names_the_place(tmp_path):
    p = tmp_path / "history.json"
    p.write_text('{\n  "loss": [0.9, 0.8,\n  "val_loss": ]\n}\n')
    out = analyze(p)
    assert out.returncode == 2
    (line,) = out.stderr.strip().splitlines()
    assert line.startswith(f"{p}: line 3: not valid JSON")


def test_text_report_shows_metrics_segments_and_notes(cases_dir, corpus_dir):
    out = analyze(
        cases_dir / "case_08_csv_epoch_restart.csv", corpus_dir / "tfevents" / "03_pytorch_lr_sweep"
    )
    assert out.returncode == 0, out.stderr
    text = out.stdout
    assert "case_08_csv_epoch_restart  (keras-csvlogger" in text
    assert "2 segments" in text
    # the restart is news; which column is the x axis is a routine decision (--json has it)
    assert "note: 2 segments" in text
    assert "x axis column 'epoch' excluded" not in text
    doc = json.loads(analyze("--json", cases_dir / "case_08_csv_epoch_restart.csv").stdout)
    assert "x axis column 'epoch' excluded" in doc["runs"][0]["notes"]
    assert text.count("(tensorboard-events,") == 3
    assert "Train/Loss" in text


def test_missing_config_file_is_one_plain_line(tmp_path, cases_dir):
    """QA 2 #14: a missing --config file gave a raw "[Errno 2] ..." message."""
    missing = tmp_path / "detectors.toml"
    out = analyze("--config", missing, cases_dir / "case_08_csv_epoch_restart.csv")
    assert out.returncode == 2
    assert out.stderr.strip().splitlines() == [f"fitlens analyze: {missing}: no such file"]


def test_usage_error_is_one_line():
    out = analyze()
    assert out.returncode == 2
    assert len(out.stderr.strip().splitlines()) == 1


def test_closed_stdout_ends_quietly(zoo_dir):
    """QA3 #9: ``analyze --json ... | head -c 0`` printed a BrokenPipeError traceback."""
    proc = subprocess.Popen(
        [sys.executable, "main.py", "analyze", "--json", str(zoo_dir)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    proc.stdout.close()  # the reader goes away before anything is written
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 141
    assert "Traceback" not in err and "BrokenPipe" not in err


def test_many_skipped_files_are_counted_not_listed(zoo_dir):
    """A zoo-like folder has a meta.json per run: 8 lines, then a count; --json has all."""
    doc = json.loads(analyze("--json", zoo_dir).stdout)
    n = len(doc["skipped"])
    assert n > 8  # 16 meta.json files plus the fits logged twice
    lines = [ln for ln in analyze(zoo_dir).stderr.splitlines() if ln.startswith("skipped: ")]
    assert len(lines) == 9
    assert lines[-1] == f"skipped: ... and {n - 8} more file(s) (--json lists every one)"


def test_reader_leaving_mid_output_ends_with_141(corpus_dir):
    """QA4 2: ``analyze --json CORPUS | head -c 10`` exited 0: the 164 KB document went out
    in one write that the pipe took only partly, and no BrokenPipeError was raised."""
    proc = subprocess.Popen(
        [sys.executable, "main.py", "analyze", "--json", str(corpus_dir)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert len(proc.stdout.read(10)) == 10  # more than a pipe's 64 KB is still to come
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 141
    assert "Traceback" not in err


@pytest.mark.parametrize(
    "name, files, kept",
    [
        ("healthy_wine", ["training.log", "history.json"], "training.log"),
        ("healthy_wine", ["history.json", "training.log"], "history.json"),
        # history.json adds learning_rate: the fuller log of the fit is the one kept
        ("overfit_adam_high_lr_reduce_lr", ["training.log", "history.json"], "history.json"),
    ],
)
def test_one_fit_given_as_two_files_is_read_once(zoo_dir, name, files, kept):
    d = zoo_dir / name
    doc = json.loads(analyze("--json", *(d / f for f in files)).stdout)
    assert [r["source"] for r in doc["runs"]] == [str(d / kept)]
    (other,) = [f for f in files if f != kept]
    assert doc["skipped"] == [
        {
            "source": str(d / other),
            "message": f"{d / other}: same data as {kept} (one fit logged twice): read once",
        }
    ]
