"""LogTail: live logs read incrementally, half-written lines and records never misread."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest
from tensorboard.compat.proto import event_pb2, summary_pb2

import analysis.readers.errors as reader_errors
from analysis.readers import LogTail, load
from analysis.readers.table_bulk import FAST_MIN_BYTES
from analysis.readers.tfrecord import frame_record


@pytest.fixture(autouse=True)
def _strict(monkeypatch):
    monkeypatch.setattr(reader_errors, "STRICT", True)


def vals(tail, name):
    (run,) = tail.runs
    return run.series[name].value.tolist()


def append(path, text):
    with open(path, "ab") as fh:
        fh.write(text.encode() if isinstance(text, str) else text)


def test_csvlogger_grows_line_by_line(tmp_path):
    p = tmp_path / "training.log"
    tail = LogTail(p)
    assert tail.poll() is False and tail.runs == []  # not there yet
    p.write_bytes(b"")
    assert tail.poll() is False
    append(p, "epoch,loss,val_loss\n")
    assert tail.poll() is True
    assert {k: len(s) for k, s in tail.runs[0].series.items()} == {"loss": 0, "val_loss": 0}
    append(p, "0,0.9,0.8\n1,0.7")  # the second row is half-written
    assert tail.poll() is True
    assert vals(tail, "loss") == [0.9]  # "0.7" is not read as a value yet
    assert tail.poll() is False  # nothing new
    append(p, "5,0.65\n")
    assert tail.poll() is True
    assert vals(tail, "loss") == [0.9, 0.75] and vals(tail, "val_loss") == [0.8, 0.65]
    # a resumed run appends a header and restarts the epoch: a new segment
    append(p, "epoch,loss,val_loss\n0,0.6,0.6\n")
    assert tail.poll() is True
    assert tail.runs[0].segments == 2
    # the same file read whole gives the same series
    (whole,) = load(p)
    for k in ("loss", "val_loss"):
        np.testing.assert_array_equal(whole.series[k].value, tail.runs[0].series[k].value)
        np.testing.assert_array_equal(whole.series[k].segments, tail.runs[0].series[k].segments)


def test_last_line_without_newline_read_on_final(tmp_path):
    p = tmp_path / "log.csv"
    p.write_text("epoch,loss\n0,0.9\n1,0.8")
    tail = LogTail(p)
    assert tail.poll() and vals(tail, "loss") == [0.9]
    assert tail.poll(final=True) and vals(tail, "loss") == [0.9, 0.8]


def test_only_appended_bytes_are_read(tmp_path, monkeypatch):
    p = tmp_path / "log.csv"
    p.write_text("epoch,loss\n" + "".join(f"{i},{1 / (i + 1)}\n" for i in range(1000)))
    tail = LogTail(p)
    assert tail.poll()
    reads = []
    real_open = open

    def spy(file, mode="r", *a, **k):
        fh = real_open(file, mode, *a, **k)
        if "b" in mode and os.fspath(file) == str(p):
            orig = fh.read

            def read(n=-1):
                data = orig(n)
                reads.append(len(data))
                return data

            fh.read = read
        return fh

    append(p, "1000,0.001\n")
    monkeypatch.setattr("builtins.open", spy)
    assert tail.poll()
    monkeypatch.undo()
    assert vals(tail, "loss")[-1] == 0.001 and len(vals(tail, "loss")) == 1001
    # the replacement check reads the first bytes; the data read is the new line only
    assert max(reads) <= 256 and len("1000,0.001\n") in reads


def test_large_file_starts_with_the_bulk_path_then_tails(tmp_path):
    p = tmp_path / "big.log"
    rows = "".join(f"{i},{1.0 / (i + 1)!r},{0.5 + i * 1e-6!r}\n" for i in range(60_000))
    p.write_text("epoch,loss,val_loss\n" + rows + "60000,0.1")  # half-written last row
    assert p.stat().st_size > FAST_MIN_BYTES
    tail = LogTail(p)
    assert tail.poll()
    assert len(vals(tail, "loss")) == 60_000
    append(p, "5,0.2\n60001,0.05,0.3\n")
    assert tail.poll()
    loss = vals(tail, "loss")
    assert loss[-2:] == [0.15, 0.05] and len(loss) == 60_002


def test_replaced_file_is_read_again(tmp_path):
    p = tmp_path / "log.csv"
    p.write_text("epoch,loss\n0,0.9\n1,0.8\n")
    tail = LogTail(p)
    tail.poll()
    p.write_text("epoch,acc\n0,0.5\n")  # a new run overwrote the file
    assert tail.poll()
    assert list(tail.runs[0].series) == ["acc"]


def test_lightning_metrics_tail(tmp_path, corpus_dir):
    lines = (
        (corpus_dir / "046_trashproject_lr_lightning_metrics.csv")
        .read_bytes()
        .splitlines(keepends=True)
    )
    p = tmp_path / "metrics.csv"
    tail = LogTail(p)
    for k in range(0, len(lines), 97):
        append(p, b"".join(lines[k : k + 97]))
        tail.poll()
    (whole,) = load(corpus_dir / "046_trashproject_lr_lightning_metrics.csv")
    for name, s in whole.series.items():
        np.testing.assert_array_equal(tail.runs[0].series[name].value, s.value)


def _event(step, value):
    s = summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag="loss", simple_value=value)])
    return frame_record(
        event_pb2.Event(wall_time=1.7e9 + step, step=step, summary=s).SerializeToString()
    )


def test_tfevents_partial_record_waits(tmp_path):
    d = tmp_path / "run"
    (d / "train").mkdir(parents=True)
    f = d / "train" / "events.out.tfevents.1.h"
    f.write_bytes(_event(0, 1.0) + _event(1, 0.5))
    tail = LogTail(d)
    assert tail.poll() and vals(tail, "train/loss") == [1.0, 0.5]
    rec = _event(2, 0.25)
    append(f, rec[:10])  # half a record
    assert tail.poll() is False and vals(tail, "train/loss") == [1.0, 0.5]
    append(f, rec[10:])
    assert tail.poll() and vals(tail, "train/loss") == [1.0, 0.5, 0.25]
    # a validation/ folder appearing later joins the same run
    (d / "validation").mkdir()
    (d / "validation" / "events.out.tfevents.1.h").write_bytes(_event(0, 1.2))
    assert tail.poll()
    assert sorted(tail.runs[0].series) == ["train/loss", "validation/loss"]


def test_json_caught_mid_write_keeps_previous_runs(tmp_path):
    p = tmp_path / "history.json"
    p.write_text(json.dumps({"loss": [1.0, 0.5]}))
    tail = LogTail(p)
    assert tail.poll() and vals(tail, "loss") == [1.0, 0.5]
    p.write_text('{"loss": [1.0, 0.5, 0.')
    assert tail.poll() is False
    assert tail.error is not None and "not valid JSON" in str(tail.error)
    assert vals(tail, "loss") == [1.0, 0.5]
    p.write_text(json.dumps({"loss": [1.0, 0.5, 0.25]}))
    assert tail.poll() and vals(tail, "loss") == [1.0, 0.5, 0.25] and tail.error is None


def test_utf16_log_is_reread_whole(tmp_path):
    p = tmp_path / "log.csv"
    p.write_bytes("epoch,loss\n0,0.9\n".encode("utf-16"))
    tail = LogTail(p)
    assert tail.poll() and vals(tail, "loss") == [0.9]
    p.write_bytes("epoch,loss\n0,0.9\n1,0.8\n".encode("utf-16"))
    assert tail.poll() and vals(tail, "loss") == [0.9, 0.8]
    assert tail.kind == "whole"


def test_live_tail_waits_for_the_cut_line_then_reads_it(tmp_path):
    p = tmp_path / "training.log"
    rows = ["epoch,accuracy,loss,val_accuracy,val_loss"] + [
        f"{e},{0.5 + e / 50!r},{0.02 / (e + 1) ** 2:e},{0.5 + e / 50!r},{0.03 / (e + 1) ** 2:e}"
        for e in range(20)
    ]
    p.write_text("\n".join(rows) + "\n20,0.9,1")
    tail = LogTail(p)
    assert tail.poll()
    assert len(tail.runs[0].series["loss"]) == 20
    with open(p, "a") as fh:
        fh.write(".000000e-06,0.9,2.000000e-06\n")
    assert tail.poll()
    assert tail.runs[0].series["loss"].value[-1] == 1e-06
