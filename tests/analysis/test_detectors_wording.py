"""Messages say what their numbers show: every "rose"/"fell" agrees with the two values it
quotes, and a suggested Keras callback names the key Keras monitors.

Inputs: the shared corpus and zoo, and the runs in ``tests/analysis/data`` (Keras fits
logged by CSVLogger and by the TensorBoard callback).
"""

from __future__ import annotations

import glob
import re
from pathlib import Path

import numpy as np
from analysis_testutil import csv_column, one_run

from analysis import load, naming
from analysis.detectors import diagnose
from analysis.model import LogReadError

DATA = Path(__file__).resolve().parent / "data"
HIGH_LR = DATA / "keras_high_lr"

_NUM = r"-?\d+(?:\.\d+)?(?:e[+-]?\d+)?"
_UP = r"still rose|rose|crept up|kept rising|widened|jumped"
_DOWN = r"fell too,|fell|kept falling|falling without bound:"
_MOVE = re.compile(
    rf"(?P<word>{_UP}|{_DOWN}|still improving when training ended:)\s+(?P<a>{_NUM})"
    rf"(?:\s+at (?:epoch|step) {_NUM})?\s*->\s*(?P<b>{_NUM})"
)


def _all_findings(corpus_dir, zoo_dir):
    paths = sorted(str(p) for p in corpus_dir.iterdir() if p.name[:3].isdigit())
    paths += sorted(str(p) for p in (corpus_dir / "tfevents").iterdir() if p.is_dir())
    paths += sorted(glob.glob(str(zoo_dir / "*" / "training.log")))
    paths += sorted(glob.glob(str(zoo_dir / "*" / "history.json")))
    paths += [
        str(HIGH_LR / d / f)
        for d in ("digits_collapse", "breast_cancer_nan")
        for f in ("training.log", "logs")
    ]
    for p in paths:
        try:
            runs = load(p)
        except LogReadError:
            continue
        for run in runs:
            yield from diagnose(run)


def test_every_rose_and_fell_agrees_with_its_numbers(corpus_dir, zoo_dir):
    seen = {"up": 0, "down": 0, "improving": 0}
    for f in _all_findings(corpus_dir, zoo_dir):
        for m in _MOVE.finditer(f.message):
            a, b, word = float(m["a"]), float(m["b"]), m["word"]
            if word.startswith("still improving"):
                up = naming.direction(f.metric) == "max"
                seen["improving"] += 1
            else:
                up = bool(re.fullmatch(_UP, word))
                seen["up" if up else "down"] += 1
            assert (b > a) if up else (b < a), f"{f.kind} {f.metric}: {m[0]!r} in {f.message}"
    assert seen["up"] >= 10 and seen["down"] >= 10 and seen["improving"] >= 3, seen


def test_plateau_does_not_say_a_validation_accuracy_that_fell_rose(corpus_dir):
    # the corpus' MANIFEST: val_accuracy 0.93 (epoch 5) ... 0.95, 0.95, 0.87 at the end
    path = next(corpus_dir.glob("032_*"))
    va = csv_column(path, "val_accuracy")
    f = next(f for f in diagnose(one_run(path)) if f.kind == "plateau")
    assert va[-1] < va[5]
    assert f"rose {va[5]:.4f} -> {va[-1]:.4f}" not in f.message
    assert f.evidence["fit"] != "score_rising"
    assert f"medians of the last 3 {np.median(csv_column(path, 'accuracy')[-3:]):.4f}" in f.message


def test_suggested_callback_monitors_the_keras_logs_key():
    """The Keras TensorBoard callback writes logs["val_loss"] as validation/epoch_loss;
    EarlyStopping(monitor=...) takes the logs key, not the tag."""
    (run,) = load(DATA / "keras_restarts" / "tb_rerun")
    (f,) = [f for f in diagnose(run) if f.kind == "overfitting"]
    assert f.metric == "validation/epoch_loss"
    assert "EarlyStopping(monitor='val_loss'," in f.message
