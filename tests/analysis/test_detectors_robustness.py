"""Odd inputs: short, all-NaN, constant, negative, percent, other units, per-batch, validation
gaps, restarts, a run that went NaN for good.

Each test starts from a real log (zoo, corpus, cases, or the Keras runs in
``tests/analysis/data``) and changes only what the situation needs (scale to percent or
to other units, cut short, thin out validation, append a restart), so the numbers stay
real.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import numpy as np
import pytest
from analysis_testutil import csv_column, one_run

from analysis import load, naming
from analysis.cli import _clean
from analysis.detectors import diagnose
from analysis.model import SEVERITIES, Run, Series, segment_starts
from retrain.remedies import REGISTRY

DATA = Path(__file__).resolve().parent / "data"
RESTARTS = DATA / "keras_restarts"
NAN_RUN = DATA / "keras_high_lr" / "breast_cancer_nan"


def _kinds(fs):
    return {f.kind for f in fs}


def _rebuild(run: Run, series: dict[str, Series]) -> Run:
    return Run(run.name, run.source, run.format, series, run.step_kind, list(run.notes))


def test_empty_run_says_so():
    fs = diagnose(Run("empty", "<mem>", "test", {}))
    assert [f.kind for f in fs] == ["not_judged"]
    assert fs[0].evidence["metrics"]["(run)"] == ["the run has no metrics"]


def test_short_run_is_not_judged_but_named(zoo_dir):
    run = one_run(zoo_dir / "overfit_digits_small" / "training.log")
    short = _rebuild(run, {k: s.slice(0, 3) for k, s in run.series.items()})
    fs = diagnose(short)
    assert _kinds(fs) == {"not_judged"}
    reasons = fs[0].evidence["metrics"]
    assert set(reasons) == {"accuracy", "loss", "val_accuracy", "val_loss"}
    assert any(r.startswith("overfitting: 3 points, need 5") for r in reasons["val_loss"])


def test_all_nan_loss_is_non_finite_not_a_crash(zoo_dir):
    # nan_from_start_unscaled: loss and val_loss are NaN in all 12 epochs
    fs = diagnose(one_run(zoo_dir / "nan_from_start_unscaled" / "training.log"))
    nf = next(f for f in fs if f.kind == "non_finite")
    assert nf.start == 0 and nf.severity == "critical"
    assert nf.evidence["metrics"]["loss"]["n_nonfinite"] == 12
    assert nf.remedies[0] == "standardize"  # NaN from the start: inputs first
    # all-NaN series are covered by non_finite, not listed as "not judged"
    nj = [f for f in fs if f.kind == "not_judged"]
    assert not nj or "loss" not in nj[0].evidence["metrics"]


def test_constant_series(cases_dir):
    fs = diagnose(one_run(cases_dir / "case_20_stuck_constant.csv"))
    assert "stuck_at_chance" in _kinds(fs)
    assert not {"oscillation", "divergence", "slow_convergence"} & _kinds(fs)


def test_negative_loss_falling_is_not_convergence(corpus_dir):
    path = next(p for p in corpus_dir.iterdir() if p.name.startswith("003_"))
    fs = diagnose(one_run(path))
    assert "divergence" in _kinds(fs)
    assert "slow_convergence" not in _kinds(fs)


def test_percent_accuracy_gives_the_same_diagnosis(zoo_dir):
    run = one_run(zoo_dir / "stuck_majority_imbalanced_l2" / "training.log")
    pct = {
        k: (Series(k, s.step, s.value * 100.0) if "accuracy" in k else s)
        for k, s in run.series.items()
    }
    a = diagnose(run)
    b = diagnose(_rebuild(run, pct))
    assert [(f.kind, f.severity, f.metric, f.start, f.end) for f in a] == [
        (f.kind, f.severity, f.metric, f.start, f.end) for f in b
    ]
    stuck = next(f for f in b if f.kind == "stuck_at_chance")
    assert stuck.evidence["percent"] is True
    assert stuck.evidence["lead"]["value"] == pytest.approx(0.92)  # judged as a fraction


def test_validation_every_third_epoch(zoo_dir):
    # validation_freq=3 on a real overfitting run: val_loss only at epochs 2, 5, 8, ...
    run = one_run(zoo_dir / "overfit_breast_cancer_small" / "training.log")
    series = {}
    for k, s in run.series.items():
        if k.startswith("val_"):
            keep = (s.step % 3) == 2
            series[k] = Series(k, s.step[keep], s.value[keep])
        else:
            series[k] = s
    fs = diagnose(_rebuild(run, series))
    f = next(f for f in fs if f.kind == "overfitting")
    assert f.evidence["best_x"] in (2, 5)  # the true minimum is at epoch 3
    assert f.evidence["best_x"] % 3 == 2
    assert f.evidence["evaluations_after_best"] >= 3


def test_fresh_restart_in_one_log_is_not_a_spike(zoo_dir):
    # the same healthy run appended twice (CSVLogger append=True without initial_epoch):
    # the loss jumps back to its start at the restart
    run = one_run(zoo_dir / "healthy_breast_cancer" / "training.log")
    series = {}
    for k, s in run.series.items():
        step = np.concatenate([s.step, s.step])
        series[k] = Series(
            k, step, np.concatenate([s.value, s.value]), segments=segment_starts(step)
        )
    fs = diagnose(_rebuild(run, series))
    assert not {"divergence", "oscillation", "non_finite", "stuck_at_chance"} & _kinds(fs)
    for f in fs:
        if f.start is not None:
            assert 0 <= f.start <= f.end <= 79


def test_per_batch_noise_is_not_oscillation(corpus_dir):
    # Lightning train_loss logged every few steps (1,174 rows) in a healthy-but-flat run
    path = next(p for p in corpus_dir.iterdir() if p.name.startswith("046_"))
    fs = diagnose(one_run(path))
    assert "oscillation" not in _kinds(fs)


def test_diagnose_does_not_modify_the_run(zoo_dir):
    run = one_run(zoo_dir / "sgd_momentum_unstable_overfit" / "training.log")
    before = copy.deepcopy({k: (s.step.copy(), s.value.copy()) for k, s in run.series.items()})
    diagnose(run)
    for k, s in run.series.items():
        assert np.array_equal(s.step, before[k][0])
        assert np.array_equal(s.value, before[k][1], equal_nan=True)


def _all_real_runs(zoo_dir, corpus_dir, cases_dir):
    paths = [p / "training.log" for p in sorted(zoo_dir.iterdir()) if (p / "meta.json").is_file()]
    paths += [p for p in sorted(corpus_dir.iterdir()) if p.name[:3].isdigit()]
    paths += sorted(
        p
        for p in cases_dir.iterdir()
        if p.suffix in (".csv", ".json", ".pkl")
        and "dataset" not in p.name
        and "smote" not in p.name
        and "pandas" not in p.name
        and "callback_config" not in p.name
        and "retrain" not in p.name
    )
    for p in paths:
        try:
            yield from load(p)
        except Exception:  # unreadable inputs are the readers' business
            continue


def test_every_finding_is_well_formed(zoo_dir, corpus_dir, cases_dir):
    n = 0
    for run in _all_real_runs(zoo_dir, corpus_dir, cases_dir):
        for f in diagnose(run):
            n += 1
            assert f.severity in SEVERITIES
            assert set(f.remedies) <= set(REGISTRY.names()), f.remedies
            assert f.message and f.run == run.name
            assert 0.0 <= f.confidence <= 1.0
            if f.start is not None and f.end is not None:
                assert f.start <= f.end
            if f.metric is not None:
                assert f.metric in run.series
            json.dumps(_clean(f.to_dict()), allow_nan=False)
    assert n > 100


# -- restarts: findings from the current attempt, positions said as logged -----------------


def test_crash_then_fresh_restart_best_epoch_is_from_the_new_attempt():
    """The crashed attempt reached val_accuracy 0.9386; the fresh one starts over at 0.38."""
    acc = csv_column(RESTARTS / "crash_restart.log", "val_accuracy")
    epochs = csv_column(RESTARTS / "crash_restart.log", "epoch")
    restart = int(np.flatnonzero(np.diff(epochs) < 0)[0]) + 1
    assert acc[:restart].max() > acc[restart:].max()  # the old best beats the new attempt
    (run,) = load(RESTARTS / "crash_restart.log")
    assert run.series["val_accuracy"].n_segments == 2
    for f in diagnose(run):
        if f.kind == "overfitting":  # none expected; if any, its best is in the new attempt
            assert f.evidence.get("best_x", restart) >= restart, f.message
    assert "overfitting" not in [f.kind for f in diagnose(run)]


def test_rerun_in_one_tensorboard_folder_names_the_logged_epoch():
    (run,) = load(RESTARTS / "tb_rerun")
    s = run.series["validation/epoch_loss"]
    assert s.n_segments == 2
    i = int(np.nanargmin(s.value))
    assert i >= s.segments[1]  # the best val_loss comes from the second fit
    (f,) = [f for f in diagnose(run) if f.kind == "overfitting"]
    assert f.start == s.continuous_step()[i]
    logged = int(s.step[i])
    assert f"segment 2 of 2, logged as {logged})" in f.message
    assert "Keras prints" not in f.message  # "Epoch i/N" is per fit, not across two


# -- a loss in other units -------------------------------------------------------------------


def _progress_kinds(run) -> list[str]:
    return sorted(
        f"{f.kind}:{f.metric}" for f in diagnose(run) if f.kind in ("plateau", "slow_convergence")
    )


@pytest.mark.parametrize("name", ["healthy_breast_cancer", "healthy_wine", "nan_after_lr_jump"])
def test_loss_in_other_units_is_judged_alike(zoo_dir, name):
    """A positive loss 10,000 times smaller (another unit, a sum vs a mean) still improving
    is not a plateau merely because its steps are below ReduceLROnPlateau's absolute 1e-4."""
    (run,) = load(zoo_dir / name / "training.log")
    (small,) = load(zoo_dir / name / "training.log")
    for n, s in small.series.items():
        if naming.direction(n) == "min" and not naming.is_learning_rate(n):
            s.value[:] = s.value * 1e-4
    assert np.nanmax(small.series["val_loss"].value) < 2e-4  # steps all far below 1e-4
    assert _progress_kinds(small) == _progress_kinds(run)


# -- a run that went NaN for good ------------------------------------------------------------


@pytest.mark.parametrize("path", ["training.log", "logs"])
def test_nan_run_spike_went_non_finite_and_no_oscillation(path):
    loss = csv_column(NAN_RUN / "training.log", "loss")
    acc = csv_column(NAN_RUN / "training.log", "accuracy")
    first_nan = int(np.argmax(np.isnan(loss)))
    assert first_nan == 4 and np.isnan(loss[first_nan:]).all()
    fs = diagnose(one_run(NAN_RUN / path))
    spikes = [f for f in fs if f.kind == "divergence"]
    assert spikes
    for f in spikes:
        assert f"went NaN from epoch {first_nan} to the end" in f.message
        assert "n/a" not in f.message and "only partly" not in f.message
        assert f.severity == "critical"
        assert f.evidence["nonfinite_after"]["x"] == first_nan
    # the accuracy is a constant after the NaN (36 of 40 values): no oscillation on it
    assert np.ptp(acc[first_nan + 1 :]) == 0
    assert "oscillation" not in _kinds(fs)
    skipped = next(f for f in fs if f.kind == "not_judged").evidence["metrics"]
    acc_name = "accuracy" if path == "training.log" else "train/epoch_accuracy"
    assert any(
        f"before the loss went non-finite at epoch {first_nan}" in r for r in skipped[acc_name]
    )
