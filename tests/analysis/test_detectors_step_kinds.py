"""Series of one run counting different things (epochs vs steps) are never compared by index,
and a series repeated on another x grid is judged once.

The Keras TensorBoard callback writes ``epoch_*`` tags once per epoch and
``evaluation_*_vs_iterations`` per training step into the same run (in the shared
corpus' Keras IMDB TensorBoard run: train/epoch_loss at epochs 0-19,
validation/evaluation_loss_vs_iterations at steps 30-600 with the same 20 values as
validation/epoch_loss). :attr:`analysis.model.Series.step_kind` says which is which; the
readers set it, and these tests set it themselves on the real run so they do not depend
on the reader's version. Both ways of marking it (the run counts steps and the epoch
series say "epoch", or the other way round) must give the same diagnosis.
"""

from __future__ import annotations

import dataclasses
import glob
import json
from pathlib import Path

import numpy as np
import pytest
from analysis_testutil import one_run

from analysis import load, naming
from analysis.detectors import DetectorConfig, diagnose
from analysis.detectors.context import Context
from analysis.model import Series
from analysis.report import format_x, render_run

EVAL = "validation/evaluation_loss_vs_iterations"
#: A Keras fit at a learning rate far too high, logged by CSVLogger and by TensorBoard.
NAN_RUN = Path(__file__).resolve().parent / "data" / "keras_high_lr" / "breast_cancer_nan"


def _imdb(corpus_dir, mark: str):
    run = load(corpus_dir / "tfevents" / "01_keras_imdb")[0]
    for name, s in run.series.items():
        if mark == "epoch_series" and "epoch_" in name:
            s.step_kind = "epoch"
        elif mark == "step_series":
            run.step_kind = "epoch"
            if "vs_iterations" in name:
                s.step_kind = "step"
    return run


@pytest.mark.parametrize("mark", ["epoch_series", "step_series"])
def test_epoch_train_curve_is_not_compared_with_per_step_evaluation(corpus_dir, mark):
    run = _imdb(corpus_dir, mark)
    assert run.step_kind_of("train/epoch_loss") == "epoch" and run.step_kind_of(EVAL) == "step"
    fs = diagnose(run)
    # comparing the epoch-level training loss with EVAL point by point would read
    # "train/epoch_loss stayed about where it was (0.01999 -> 0.01999)"
    for f in fs:
        assert "stayed about where it was" not in f.message
        assert not (f.metric and "vs_iterations" in f.metric and "train" in f.evidence), f
    over = [f for f in fs if f.kind == "overfitting"]
    # the per-step copy holds the same 20 values as validation/epoch_loss: judged once,
    # on the epoch axis, against the epoch-level training loss
    assert [f.metric for f in over] == ["validation/epoch_loss"]
    f = over[0]
    assert f.evidence["best_x"] == 4 and f.evidence["end_x"] == 19
    assert f.evidence["train"] == "train/epoch_loss"
    assert f.evidence["train_end"] == pytest.approx(run["train/epoch_loss"].value[-1])
    assert "at epoch 4" in f.message and "step" not in f.message.split("EarlyStopping")[0]
    # the text report words each finding in its own metric's unit
    assert "validation/epoch_loss, epochs 4-19" in render_run(run, fs)


def test_same_values_on_another_grid_are_judged_once_even_unmarked(corpus_dir):
    # whatever the reader says about step kinds, validation/evaluation_loss_vs_iterations holds
    # exactly the 20 values of validation/epoch_loss: the copy on the training curve's grid is
    # judged, the other one is not reported a second time
    run = load(corpus_dir / "tfevents" / "01_keras_imdb")[0]
    assert list(run[EVAL].value) == list(run["validation/epoch_loss"].value)
    fs = diagnose(run)
    assert [f.metric for f in fs if f.kind == "overfitting"] == ["validation/epoch_loss"]
    assert not any("stayed about where it was" in f.message for f in fs)


def test_per_step_evaluation_alone_is_judged_without_a_training_partner(corpus_dir):
    run = _imdb(corpus_dir, "epoch_series")
    del run.series["validation/epoch_loss"], run.series["validation/epoch_accuracy"]
    f = next(f for f in diagnose(run) if f.kind == "overfitting")
    assert f.metric == EVAL
    assert f.start == 150 and f.end == 600  # its own step axis: epoch 4 = step 150
    assert "train" not in f.evidence and "gap_end" not in f.evidence
    assert f.evidence["unpaired_train"] == {"name": "train/epoch_loss", "kind": "epoch"}
    assert "logged per epoch" in f.message and "per step" in f.message
    assert f.severity != "critical"  # no training curve on its axis to confirm it


def test_step_partner_with_an_epoch_column_is_aligned_by_epoch(corpus_dir):
    # Lightning 018: train_loss_epoch is logged at steps with an epoch column; a validation
    # series marked as counting epochs is compared with its per-epoch values
    run = next(iter(load(corpus_dir / "018_asl_lightning_metrics.csv")))
    t = run["train_loss_epoch"]
    assert t.epoch is not None
    v = run["val_loss"]
    run.series["val_loss"] = Series("val_loss", v.epoch, v.value, step_kind="epoch")
    ctx = Context.build(run, DetectorConfig())
    pair = [(T, V) for T, V in ctx.pairs() if V.name == "val_loss"]
    assert pair, ctx.pairs()
    T, V = pair[0]
    assert T.kind == V.kind == "epoch"
    assert np.array_equal(T.x, np.unique(t.epoch[np.isfinite(t.value)]))
    assert T.y[-1] == pytest.approx(t.value[np.isfinite(t.value)][-1])


def test_long_series_spans_are_logged_steps(cases_dir):
    # case 15: 5000 per-batch steps, judged on block means; the plateau's end is the last
    # logged step (4999), not the mean of the last block (4998.5)
    run = load(cases_dir / "case_15_batch_loss_spike.csv")[0]
    xs = run["loss"].continuous_step()
    for f in diagnose(run):
        for v in (f.start, f.end):
            assert v is None or v in xs, (f.kind, f.start, f.end)
    p = next(f for f in diagnose(run) if f.kind == "plateau")
    assert p.end == 4999


@pytest.mark.parametrize(
    "x,text",
    [
        (1954499.5, "1954500"),
        (14.0, "14"),
        (2.3456, "2.346"),
        (13.5, "13.5"),
        (0.25, "0.25"),
        (41402.0, "41402"),
        (None, "n/a"),
    ],
)
def test_format_x(x, text):
    assert format_x(x) == text


# -- a series repeated on another grid gives no second finding -----------------------------


def test_tensorboard_repeats_add_no_finding_to_the_same_fit():
    csv_fs = diagnose(one_run(NAN_RUN / "training.log"))
    tb_run = one_run(NAN_RUN / "logs")
    # the repeat is there: the same 40 values, NaN at the same epochs, on a step axis
    a = tb_run.series["validation/evaluation_loss_vs_iterations"]
    b = tb_run.series["validation/epoch_loss"]
    assert np.array_equal(a.value, b.value, equal_nan=True) and not np.array_equal(a.step, b.step)
    tb_fs = diagnose(tb_run)
    assert sorted(f.kind for f in tb_fs) == sorted(f.kind for f in csv_fs)
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
