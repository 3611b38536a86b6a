"""QA round 2 on the detectors: collapse to chance partway (#3), findings judged once per
repeated series (#2), a NaN run's spike and accuracy (#9), "rose/fell" agreeing with its
numbers (#8), the wrong-label error of ``--data`` (#7).

Inputs: the QA's own Keras runs (``tests/analysis/data/qa2_own``, README there: one fit
each logged by CSVLogger, History and the TensorBoard callback), the shared corpus and zoo,
the demo dataset and scikit-learn's digits. Expected numbers are read from the logs
themselves in each test, not copied from FitLens' output.
"""

from __future__ import annotations

import csv
import dataclasses
import glob
import json
import math
import re
from pathlib import Path

import numpy as np
import pytest

from analysis import load, naming
from analysis.dataset import check_frame, load_dataset
from analysis.detectors import diagnose, with_class_info
from analysis.model import LogReadError, Series

QA2 = Path(__file__).resolve().parent / "data" / "qa2_own"


def _column(path: Path, name: str) -> np.ndarray:
    with open(path, newline="") as fh:
        return np.array([float(r[name]) for r in csv.DictReader(fh)])


def _run(path: Path):
    runs = load(path)
    assert len(runs) == 1, [r.name for r in runs]
    return runs[0]


def _kinds(findings) -> list[str]:
    return sorted(f.kind for f in findings)


# -- #3: collapse to chance partway through a run ------------------------------------------


def _collapse_facts():
    """Where val_accuracy froze and what it reached before, read off training.log."""
    acc = _column(QA2 / "osc" / "training.log", "val_accuracy")
    loss = _column(QA2 / "osc" / "training.log", "val_loss")
    last = acc[-1]
    i0 = len(acc) - int(np.argmax(acc[::-1] != last))  # first epoch of the constant tail
    return acc, loss, i0, float(np.max(acc[:i0])), int(np.argmax(acc[:i0]))


@pytest.mark.parametrize("log", ["training.log", "history.json"])
def test_collapse_to_chance_partway_is_found_where_it_starts(log):
    acc, loss, i0, top, itop = _collapse_facts()
    assert (i0, round(acc[-1], 4)) == (7, 0.1)  # the QA's reading: exactly 0.1000 from epoch 7
    fs = diagnose(_run(QA2 / "osc" / log))
    stuck = [f for f in fs if f.kind == "stuck_at_chance"]
    assert len(stuck) == 1, _kinds(fs)
    f = stuck[0]
    assert f.severity == "critical"
    assert f.metric == "val_accuracy"
    assert (f.start, f.end) == (i0, len(acc) - 1)
    ev = f.evidence["lead"]
    assert f.evidence["rule"] == "collapse" and f.evidence["level"] == "chance"
    assert f.evidence["title"] == "Collapsed to chance"
    assert ev["n_classes"] == 10 and ev["value"] == pytest.approx(0.1, abs=1e-6)
    assert ev["before_max"] == pytest.approx(top) and ev["before_max_x"] == itop
    assert ev["loss_median"] == pytest.approx(float(np.median(loss[i0:])))
    assert ev["loss_at_ln_k"] is True
    assert abs(ev["loss_median"] / math.log(10) - 1) < 0.05
    assert f"from epoch {i0} on, after reaching {top:.4f} at epoch {itop}" in f.message
    assert "collapsed" in f.message and "ln 10 = 2.303" in f.message
    assert "learning rate too high" in f.causes[0] and any("dead ReLU" in c for c in f.causes)
    assert "learning_rate" in f.remedies and "gradient_clipping" in f.remedies
    # the plateau warning QA saw is now part of the collapse, not a finding of its own
    assert not [g for g in fs if g.kind == "plateau"]


def test_collapse_in_the_tensorboard_logs_and_with_the_class_count_given():
    _, _, i0, _, _ = _collapse_facts()
    tb = diagnose(_run(QA2 / "osc" / "logs"))
    stuck = [f for f in tb if f.kind == "stuck_at_chance"]
    assert [(f.metric, f.start) for f in stuck] == [("validation/epoch_accuracy", i0)]
    assert "learning rate 1.5" in stuck[0].causes[0]  # the TensorBoard callback logs the LR
    # --data digits.csv: the class count and majority share of the data the run was trained on
    from sklearn.datasets import load_digits

    from analysis.dataset import class_info

    k, major = class_info(load_digits().target)
    assert k == 10
    given = diagnose(_run(QA2 / "osc" / "training.log"), with_class_info(None, k, major))
    f = next(f for f in given if f.kind == "stuck_at_chance")
    assert f.start == i0 and f.evidence["lead"]["level_from"] == "given"
    assert "(class count given)" in f.message


def test_collapse_seen_from_the_loss_alone_needs_the_class_count():
    _, loss, i0, _, _ = _collapse_facts()
    run = _run(QA2 / "osc" / "training.log")
    for name in ("accuracy", "val_accuracy"):
        del run.series[name]
    assert not [f for f in diagnose(run) if f.kind == "stuck_at_chance"]
    fs = diagnose(run, with_class_info(None, 10, None))
    f = next(f for f in fs if f.kind == "stuck_at_chance")
    assert f.metric == "val_loss" and f.start == i0 and f.severity == "critical"
    assert f.evidence["lead"]["loss_median"] == pytest.approx(float(np.median(loss[i0:])))
    assert f"rose back to ln 10 from epoch {i0} on" in f.message


def test_collapse_rule_leaves_late_freezes_above_chance_alone(zoo_dir):
    # runs whose validation accuracy ends constant after learning (zoo overfit_adam_high_lr:
    # val_accuracy 0.9667 for its last epochs, training accuracy 1.0) are not collapses
    for log in ("training.log", "history.json"):
        fs = diagnose(_run(zoo_dir / "overfit_adam_high_lr_reduce_lr" / log))
        assert "stuck_at_chance" not in _kinds(fs)


# -- #2: a series repeated on another grid gives no second finding -------------------------


def test_tensorboard_repeats_add_no_finding_to_the_same_fit():
    csv_fs = diagnose(_run(QA2 / "highlr" / "training.log"))
    tb_run = _run(QA2 / "highlr" / "logs")
    # the repeat is there: the same 40 values, NaN at the same epochs, on a step axis
    a = tb_run.series["validation/evaluation_loss_vs_iterations"]
    b = tb_run.series["validation/epoch_loss"]
    assert np.array_equal(a.value, b.value, equal_nan=True) and not np.array_equal(a.step, b.step)
    tb_fs = diagnose(tb_run)
    assert _kinds(tb_fs) == _kinds(csv_fs)
    assert [f.kind for f in tb_fs].count("non_finite") == 1
    for f in tb_fs:
        assert "vs_iterations" not in (f.metric or "") + f.message + json.dumps(f.evidence)


def _with_step_copies(run):
    """``run`` plus a copy of every validation series on a per-step grid, the way Keras'
    TensorBoard callback repeats ``validation/epoch_*`` as ``evaluation_*_vs_iterations``."""
    extra = {}
    for name, s in run.series.items():
        if naming.role(name) != "val" or naming.is_counter(name):
            continue
        extra[f"{name}_vs_iterations"] = Series(
            f"{name}_vs_iterations", (s.step + 1) * 17, s.value.copy(), step_kind="step"
        )
    return dataclasses.replace(run, series={**run.series, **extra}), len(extra)


def _signature(fs):
    return sorted((f.kind, f.severity, f.metric or "") for f in fs if f.kind != "not_judged")


def test_every_detector_judges_a_repeated_series_once(zoo_dir, corpus_dir):
    paths = sorted(glob.glob(str(zoo_dir / "*" / "training.log")))
    paths += sorted(str(p) for p in corpus_dir.glob("0*") if p.suffix in (".log", ".json"))
    checked = 0
    kinds_seen: set[str] = set()
    for p in paths:
        for run in load(p):
            if run.step_kind != "epoch":
                continue
            twin, n = _with_step_copies(run)
            if not n:
                continue
            before = diagnose(run)
            after = diagnose(twin)
            assert _signature(after) == _signature(before), p
            kinds_seen |= {f.kind for f in before}
            checked += 1
    assert checked >= 20
    # the property was exercised on findings of many kinds, not only on quiet runs
    assert {"non_finite", "overfitting", "stuck_at_chance", "oscillation"} <= kinds_seen


# -- #9: a run that went NaN for good ------------------------------------------------------


@pytest.mark.parametrize("path", ["training.log", "logs"])
def test_nan_run_spike_went_non_finite_and_no_oscillation(path):
    loss = _column(QA2 / "highlr" / "training.log", "loss")
    acc = _column(QA2 / "highlr" / "training.log", "accuracy")
    first_nan = int(np.argmax(np.isnan(loss)))
    assert first_nan == 4 and np.isnan(loss[first_nan:]).all()
    fs = diagnose(_run(QA2 / "highlr" / path))
    spikes = [f for f in fs if f.kind == "divergence"]
    assert spikes
    for f in spikes:
        assert f"went NaN from epoch {first_nan} to the end" in f.message
        assert "n/a" not in f.message and "only partly" not in f.message
        assert f.severity == "critical"
        assert f.evidence["nonfinite_after"]["x"] == first_nan
    # the accuracy is a constant after the NaN (QA: 36 of 40 values): no oscillation on it
    assert np.ptp(acc[first_nan + 1 :]) == 0
    assert "oscillation" not in _kinds(fs)
    skipped = next(f for f in fs if f.kind == "not_judged").evidence["metrics"]
    acc_name = "accuracy" if path == "training.log" else "train/epoch_accuracy"
    assert any(
        f"before the loss went non-finite at epoch {first_nan}" in r for r in skipped[acc_name]
    )


# -- #8: "rose"/"fell" agree with the numbers they quote -----------------------------------

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
    paths += [str(QA2 / d / f) for d in ("osc", "highlr") for f in ("training.log", "logs")]
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


def test_032_plateau_no_longer_says_a_fall_rose(corpus_dir):
    # MANIFEST 032: val_accuracy 0.93 (epoch 5) ... 0.95, 0.95, 0.87 at the end
    path = next(corpus_dir.glob("032_*"))
    va = _column(path, "val_accuracy")
    f = next(f for f in diagnose(_run(path)) if f.kind == "plateau")
    assert va[-1] < va[5]
    assert f"rose {va[5]:.4f} -> {va[-1]:.4f}" not in f.message
    assert f.evidence["fit"] != "score_rising"
    assert f"medians of the last 3 {np.median(_column(path, 'accuracy')[-3:]):.4f}" in f.message


# -- #7: a wrong --label lists the columns and suggests the close one ----------------------


def test_wrong_label_lists_every_column_and_suggests_the_right_case(demo_dir):
    data = demo_dir / "data.csv"
    with open(data, newline="") as fh:
        cols = next(csv.reader(fh))
    with pytest.raises(LogReadError) as ei:
        load_dataset(data, "Target")
    msg = str(ei.value)
    assert msg.startswith(f"{data}: no column 'Target'; did you mean 'target'? ")
    assert f"({len(cols)} columns: {', '.join(cols)})" in msg
    assert "more" not in msg and "\n" not in msg


def test_wrong_label_on_a_wide_dataset_says_how_many_more(tmp_path):
    from sklearn.datasets import load_digits

    from analysis.dataset import MAX_LISTED_COLUMNS

    df = load_digits(as_frame=True).frame  # 64 pixel columns + target
    path = tmp_path / "digits.csv"
    df.to_csv(path, index=False)
    with pytest.raises(LogReadError) as ei:
        load_dataset(path, "Targt")
    msg = str(ei.value)
    n = df.shape[1]
    assert "did you mean 'target'?" in msg
    assert f"({n} columns: " in msg and f", ... and {n - MAX_LISTED_COLUMNS} more)" in msg
    with pytest.raises(ValueError, match="did you mean 'target'"):
        check_frame(df, "TARGET")


def test_wrong_label_wording_matches_retrain(demo_dir, tmp_path):
    # the retrain command checks the same label the same way (retrain.data.check_data)
    from sklearn.datasets import load_digits

    from retrain.data import check_data
    from retrain.errors import RetrainError
    from retrain.spec import DataSpec

    wide = tmp_path / "digits.csv"
    load_digits(as_frame=True).frame.to_csv(wide, index=False)
    for path, label in ((demo_dir / "data.csv", "Target"), (wide, "Targt"), (wide, "zzz")):
        with pytest.raises(RetrainError) as r_err:
            check_data(DataSpec(path=path, label=label))
        with pytest.raises(LogReadError) as a_err:
            load_dataset(path, label)
        assert a_err.value.reason == r_err.value.reason


def test_wrong_label_on_the_command_line(capsys, demo_dir, zoo_dir):
    from analysis.cli import main

    rc = main(
        [
            "--data",
            str(demo_dir / "data.csv"),
            "--label",
            "Target",
            str(zoo_dir / "healthy_wine" / "training.log"),
        ]
    )
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 2
    assert any("no column 'Target'; did you mean 'target'? (31 columns:" in e for e in err)
