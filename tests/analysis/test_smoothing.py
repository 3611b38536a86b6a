"""TensorBoard's debiased EMA (analysis.smoothing) against CASES.md case 14 and TB's own loop."""

from __future__ import annotations

import csv
import math

import numpy as np
import pytest

from analysis.smoothing import MIN_POINTS, is_smoothable, smooth, tensorboard_ema


def _tb_reference(values: list[float], weight: float) -> list[float]:
    """TensorBoard's resmoothDataset (vz_line_chart2/line-chart.ts), transcribed literally."""
    last = 0.0
    num_accum = 0
    is_constant = all(v == values[0] for v in values)
    out = []
    for v in values:
        if is_constant or not math.isfinite(v):
            out.append(v)
        else:
            last = last * weight + (1 - weight) * v
            num_accum += 1
            debias = 1 - weight**num_accum if weight != 1 else 1
            out.append(last / debias)
    return out


def _case14(cases_dir):
    with open(cases_dir / "case_14_smoothing.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    lr = np.array([float(r["learning_rate"]) for r in rows])
    loss = np.array([float(r["loss"]) for r in rows])
    auc = np.array([float(r["val_auc"]) for r in rows if r["val_auc"]])
    return lr, loss, auc


def test_case14_constant_learning_rate_stays_exact(cases_dir):
    lr, _, _ = _case14(cases_dir)
    out = smooth(lr, 0.6)
    assert np.array_equal(out, lr)
    assert np.all(out == 1e-4)  # also exact on a log axis: log10 is -4 everywhere
    assert np.all(np.log10(out) == -4.0)


def test_case14_two_point_series_is_not_smoothed(cases_dir):
    _, _, auc = _case14(cases_dir)
    assert auc.tolist() == [0.62, 0.70]
    # TensorBoard itself would draw 0.62 -> 0.67 (the artefact of tensorboard #1127) ...
    assert tensorboard_ema(auc, 0.6)[1] == pytest.approx(0.67)
    # ... FitLens leaves series shorter than MIN_POINTS alone.
    assert not is_smoothable(auc)
    assert smooth(auc, 0.6).tolist() == [0.62, 0.70]


def test_case14_smoothing_is_computed_on_full_resolution(cases_dir):
    _, loss, _ = _case14(cases_dir)
    full = smooth(loss, 0.6)
    every_second = smooth(loss[::2], 0.6)
    # CASES.md case 14: 0.4931 at the last epoch from the full series, 0.5964 from every 2nd point
    assert full[-1] == pytest.approx(0.4931, abs=5e-5)
    assert every_second[-1] == pytest.approx(0.5964, abs=5e-5)


@pytest.mark.parametrize("weight", [0.0, 0.01, 0.3, 0.6, 0.9, 0.99])
def test_matches_tensorboard_loop_on_real_batch_log(cases_dir, weight):
    with open(cases_dir / "case_15_batch_loss_spike.csv", newline="") as fh:
        loss = [float(r["loss"]) for r in csv.DictReader(fh)]
    ours = tensorboard_ema(np.array(loss), weight)
    ref = _tb_reference(loss, weight)
    np.testing.assert_allclose(ours, ref, rtol=1e-12, atol=1e-12)


def test_non_finite_points_pass_through_and_do_not_count(cases_dir):
    with open(cases_dir / "case_11_csv_nan_inf.csv", newline="") as fh:
        loss = [float(r["loss"]) for r in csv.DictReader(fh)]
    ours = tensorboard_ema(np.array(loss), 0.6)
    ref = _tb_reference(loss, 0.6)
    finite = np.isfinite(loss)
    assert not finite.all()
    np.testing.assert_allclose(ours[finite], np.array(ref)[finite], rtol=1e-12)
    # inf and NaN come back exactly as logged
    assert np.array_equal(np.isposinf(ours), np.isposinf(loss))
    assert np.array_equal(np.isnan(ours), np.isnan(loss))


def test_all_inf_series_is_constant_and_all_nan_is_returned(cases_dir):
    assert np.all(np.isposinf(tensorboard_ema(np.array([np.inf] * 6), 0.6)))
    assert np.all(np.isnan(smooth(np.array([np.nan] * 6), 0.6)))
    assert MIN_POINTS == 5


def test_weight_out_of_range_raises():
    with pytest.raises(ValueError, match="smoothing weight"):
        smooth(np.arange(10.0), 1.0)
    with pytest.raises(ValueError, match="smoothing weight"):
        tensorboard_ema(np.arange(10.0), -0.1)


def test_log_space_smoothing_on_the_demo_loss(demo_dir):
    """On a log axis the EMA is taken of log(loss): one huge first epoch (296) must not
    hold the smoothed line above 1 for ten epochs, as linear smoothing does."""
    import pandas as pd

    from analysis.smoothing import smooth

    loss = pd.read_csv(demo_dir / "training.log")["loss"].to_numpy()
    assert loss[0] > 100 and np.all(loss[1:] < 0.5)
    linear = smooth(loss, 0.6)
    logspace = smooth(loss, 0.6, log=True)
    assert linear[9] > 1.0  # the artefact
    assert logspace[5] < 1.0
    # the geometric EMA equals exp of TensorBoard's EMA of the logs
    np.testing.assert_allclose(np.log(logspace), smooth(np.log(loss), 0.6))
    # a series with a value <= 0 cannot be drawn on a log axis: smoothed linearly
    neg = np.array([1.0, -0.5, 0.3, 0.2, 0.1, 0.05])
    np.testing.assert_array_equal(smooth(neg, 0.6, log=True), smooth(neg, 0.6))
