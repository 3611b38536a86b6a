"""Odd inputs: short, all-NaN, constant, negative, percent, per-batch, validation gaps, restarts.

Each test starts from a real log (zoo, corpus or cases) and changes only what the
situation needs (scale to percent, cut short, thin out validation, append a
restart), so the numbers stay real.
"""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest

from analysis import load
from analysis.cli import _clean
from analysis.detectors import diagnose
from analysis.model import REMEDIES, SEVERITIES, Run, Series, segment_starts


def _run(path) -> Run:
    runs = load(path)
    assert len(runs) == 1
    return runs[0]


def _kinds(fs):
    return {f.kind for f in fs}


def _rebuild(run: Run, series: dict[str, Series]) -> Run:
    return Run(run.name, run.source, run.format, series, run.step_kind, list(run.notes))


def test_empty_run_says_so():
    fs = diagnose(Run("empty", "<mem>", "test", {}))
    assert [f.kind for f in fs] == ["not_judged"]
    assert fs[0].evidence["metrics"]["(run)"] == ["the run has no metrics"]


def test_short_run_is_not_judged_but_named(zoo_dir):
    run = _run(zoo_dir / "overfit_digits_small" / "training.log")
    short = _rebuild(run, {k: s.slice(0, 3) for k, s in run.series.items()})
    fs = diagnose(short)
    assert _kinds(fs) == {"not_judged"}
    reasons = fs[0].evidence["metrics"]
    assert set(reasons) == {"accuracy", "loss", "val_accuracy", "val_loss"}
    assert any(r.startswith("overfitting: 3 points, need 5") for r in reasons["val_loss"])


def test_all_nan_loss_is_non_finite_not_a_crash(zoo_dir):
    # nan_from_start_unscaled: loss and val_loss are NaN in all 12 epochs
    fs = diagnose(_run(zoo_dir / "nan_from_start_unscaled" / "training.log"))
    nf = next(f for f in fs if f.kind == "non_finite")
    assert nf.start == 0 and nf.severity == "critical"
    assert nf.evidence["metrics"]["loss"]["n_nonfinite"] == 12
    assert nf.remedies[0] == "standardize"  # NaN from the start: inputs first
    # all-NaN series are covered by non_finite, not listed as "not judged"
    nj = [f for f in fs if f.kind == "not_judged"]
    assert not nj or "loss" not in nj[0].evidence["metrics"]


def test_constant_series(cases_dir):
    fs = diagnose(_run(cases_dir / "case_20_stuck_constant.csv"))
    assert "stuck_at_chance" in _kinds(fs)
    assert not {"oscillation", "divergence", "slow_convergence"} & _kinds(fs)


def test_negative_loss_falling_is_not_convergence(corpus_dir):
    path = next(p for p in corpus_dir.iterdir() if p.name.startswith("003_"))
    fs = diagnose(_run(path))
    assert "divergence" in _kinds(fs)
    assert "slow_convergence" not in _kinds(fs)


def test_percent_accuracy_gives_the_same_diagnosis(zoo_dir):
    run = _run(zoo_dir / "stuck_majority_imbalanced_l2" / "training.log")
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
    run = _run(zoo_dir / "overfit_breast_cancer_small" / "training.log")
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
    run = _run(zoo_dir / "healthy_breast_cancer" / "training.log")
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
    # Lightning train_loss logged every few steps (1,174 rows) in a healthy-but-flat run (046)
    path = next(p for p in corpus_dir.iterdir() if p.name.startswith("046_"))
    fs = diagnose(_run(path))
    assert "oscillation" not in _kinds(fs)


def test_diagnose_does_not_modify_the_run(zoo_dir):
    run = _run(zoo_dir / "sgd_momentum_unstable_overfit" / "training.log")
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
            assert set(f.remedies) <= set(REMEDIES), f.remedies
            assert f.message and f.run == run.name
            assert 0.0 <= f.confidence <= 1.0
            if f.start is not None and f.end is not None:
                assert f.start <= f.end
            if f.metric is not None:
                assert f.metric in run.series
            json.dumps(_clean(f.to_dict()), allow_nan=False)
    assert n > 100
