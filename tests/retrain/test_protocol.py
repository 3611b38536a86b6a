"""The JSON Lines protocol: partial lines, non-JSON text, NaN, progress and time left."""

from __future__ import annotations

import json
import math
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from retrain.protocol import (
    VERSION,
    LineDecoder,
    Progress,
    describe_result,
    describe_started,
    encode,
    format_seconds,
    message,
    parse_line,
    plain_logs,
)

RECORDED = Path(__file__).parent / "data" / "demo_protocol.jsonl"


def _recorded(old: bool = False) -> bytes:
    """The recorded demo job; ``old``: recorded by a worker from before ``actions``,
    ``model_input`` and the original model's loss (readers of old job folders)."""
    return (
        RECORDED.with_name("demo_protocol_before_actions.jsonl") if old else RECORDED
    ).read_bytes()


def test_recorded_worker_output_is_all_protocol():
    lines = _recorded().decode().splitlines()
    msgs = [parse_line(x) for x in lines]
    assert all(m["version"] == VERSION for m in msgs)
    types = [m["type"] for m in msgs]
    assert types[0] == "started" and types[-1] == "finished"
    assert types.count("epoch") == msgs[0]["epochs"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=700), min_size=1, max_size=40))
def test_any_chunking_gives_the_same_messages(cuts):
    data = _recorded()
    noisy = b"2026 I tensorflow/core: some C++ log line\n" + data.replace(
        b'\n{"type":"epoch"', b'\nKeras says hello\n{"type":"epoch"', 3
    )
    dec = LineDecoder()
    got = []
    pos = 0
    for c in cuts:
        got += dec.feed(noisy[pos : pos + c])
        pos += c
    got += dec.feed(noisy[pos:])
    got += dec.flush()
    logs = [m for m in got if m["type"] == "log"]
    msgs = [m for m in got if m["type"] != "log"]
    assert [m["text"] for m in logs] == ["2026 I tensorflow/core: some C++ log line"] + [
        "Keras says hello"
    ] * 3
    assert msgs == [json.loads(x) for x in data.decode().splitlines()]


def test_partial_last_line_and_bad_json():
    dec = LineDecoder()
    assert dec.feed(b'{"type": "epoch", "epoch": 0') == []
    assert dec.flush() == [{"type": "log", "text": '{"type": "epoch", "epoch": 0'}]
    assert parse_line('{"no_type": 1}') == {"type": "log", "text": '{"no_type": 1}'}
    assert parse_line("[1, 2]")["type"] == "log"
    assert parse_line('{"type": "future_kind", "x": 1}')["type"] == "future_kind"
    # invalid UTF-8 does not raise
    assert dec.feed(b"\xff\xfe oops\n")[0]["type"] == "log"


def test_nan_and_numpy_values_survive_encoding():
    import numpy as np

    logs = plain_logs(
        {
            "loss": np.float32("nan"),
            "val_loss": np.float64(0.5),
            "accuracy": np.array(0.75, dtype=np.float32),
        }
    )
    line = encode(message("epoch", epoch=np.int64(3), logs=logs))
    back = parse_line(line.decode())
    assert back["epoch"] == 3 and back["version"] == VERSION
    assert math.isnan(back["logs"]["loss"]) and back["logs"]["accuracy"] == 0.75


def test_progress_over_the_recorded_run():
    msgs = [json.loads(x) for x in _recorded().decode().splitlines()]
    p = Progress()
    t = 0.0
    for m in msgs:
        p.update(m, now=t)
        t += 0.1
    epochs = [m for m in msgs if m["type"] == "epoch"]
    assert p.status == "completed"
    assert p.epochs_done == len(epochs) == msgs[0]["epochs"]
    assert p.history["val_loss"] == [m["logs"]["val_loss"] for m in epochs]
    assert p.fraction == 1.0 and p.eta(now=t) == 0.0
    assert p.label() == f"epoch {len(epochs)}/{len(epochs)}"


def test_time_left_from_the_pace_so_far():
    p = Progress()
    assert p.eta(now=0.0) is None and p.label() == "starting"
    p.update({"type": "started", "epochs": 10, "steps_per_epoch": 4}, now=100.0)
    p.update({"type": "batch", "epoch": 0, "step": 2, "steps": 4}, now=101.0)
    assert p.fraction == 0.05
    assert p.eta(now=101.0) == 19.0  # 1 s for 5 %: 19 s for the other 95 %
    p.update({"type": "epoch", "epoch": 0, "epochs": 10, "logs": {"loss": 0.5}}, now=102.0)
    assert p.fraction == 0.1 and p.eta(now=102.0) == 18.0
    assert p.label() == "epoch 2/10"
    p.update({"type": "error", "message": "boom"})
    assert p.status == "failed" and p.error == "boom"


def test_format_seconds():
    assert format_seconds(None) == "--"
    assert format_seconds(65) == "1:05"
    assert format_seconds(3723) == "1:02:03"


def test_worker_channel_keeps_stray_output_off_the_protocol_stream():
    """Python prints, C-level writes to fd 1 and child processes all land on stderr."""
    import os
    import subprocess
    import sys

    code = (
        "import os, sys\n"
        "from retrain.reporter import Channel\n"
        "ch = Channel()\n"
        "print('a stray print')\n"
        "os.write(1, b'C++ writes to fd 1\\n')\n"
        "os.system('echo a child process')\n"
        "ch.send({'type': 'epoch', 'version': 1, 'epoch': 0, 'logs': {'loss': float('nan')}})\n"
        "sys.stdout.flush()\n"
    )
    root = Path(__file__).resolve().parents[2]
    res = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        cwd=root,
        env=dict(os.environ, PYTHONPATH=str(root)),
        timeout=60,
    )
    assert res.returncode == 0, res.stderr
    out = res.stdout.decode().splitlines()
    assert len(out) == 1 and parse_line(out[0])["type"] == "epoch"
    err = res.stderr.decode()
    for text in ("a stray print", "C++ writes to fd 1", "a child process"):
        assert text in err


def test_describe_started_of_a_worker_without_actions_uses_its_notes():
    """The recorded demo stream comes from a worker before ``actions``; still described."""
    started = parse_line(_recorded(old=True).decode().splitlines()[0])
    assert "actions" not in started
    lines = describe_started(started)
    assert lines[0] == (
        f"model: {started['model']} ({started['params']} parameters), adam "
        f"learning rate {started['learning_rate']}, binary_crossentropy; "
        f"{started['epochs']} epochs of {started['steps_per_epoch']} batches of "
        f"{started['batch_size']}"
    )
    counts = started["class_counts"]
    assert lines[1] == (
        f"data: train {started['n_train']} rows (0: {counts['0']}, 1: "
        f"{counts['1']}), validation {started['n_val']} rows"
    )
    assert lines[2:-1] == started["notes"]
    assert lines[-1].startswith("class_weight balanced: 0: 0.5843, 1: 3.464")


def test_describe_started_prints_the_workers_actions():
    msg = message(
        "started",
        model="built-in MLP",
        params=449,
        optimizer="adam",
        learning_rate=0.001,
        loss="binary_crossentropy",
        epochs=3,
        steps_per_epoch=1,
        batch_size=32,
        notes=["ignored"],
        actions=[
            "data: train 6 rows (0: 5, 1: 1), validation 2 rows (0: 1, 1: 1)",
            "smote: fell back to RandomOverSampler: ...",
        ],
    )
    assert describe_started(msg)[1:] == msg["actions"]


def test_describe_result_of_the_recorded_demo_job():
    """The end of the recorded demo job (standardize + class_weight) in words: before ->
    after from its metrics, better, so no hint; a recording older than model_input
    just has no input line."""
    fin = parse_line(_recorded(old=True).decode().splitlines()[-1])
    m = fin["metrics"]
    b, a = m["before"]["val"], m["val"]
    lines = describe_result(m, ("standardize", "class_weight"), "/tmp/job")
    assert len(lines) == 2
    # the recording predates the original model's loss: shown as "--"
    assert b["crossentropy"] is None
    assert lines[0].startswith(
        f"before -> after on the {a['n']} validation rows: balanced accuracy "
        f"{b['balanced_accuracy']:.3f} -> {a['balanced_accuracy']:.3f}, accuracy "
        f"{b['accuracy']:.3f} -> {a['accuracy']:.3f}, loss "
    )
    assert lines[0].endswith(f" -- -> {a['crossentropy']:.4g}")
    assert lines[1] == f"model.keras holds the {m['weights_note']}"
    # the same job judged against a better original: the hint names what was not tried
    better = {**m, "before": {"val": {**b, "balanced_accuracy": a["balanced_accuracy"] + 0.01}}}
    hint = describe_result(better, ("standardize", "class_weight"), "/tmp/job")[1]
    assert hint == (
        f"balanced accuracy {a['balanced_accuracy'] + 0.01:.3f} -> "
        f"{a['balanced_accuracy']:.3f}: worse than the original; try a lower learning_rate; "
        "see what is still wrong with: python main.py analyze /tmp/job/training.log"
    )
    assert describe_result({"status": "cancelled", "val": None}) == []
