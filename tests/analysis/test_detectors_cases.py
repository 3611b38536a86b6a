"""The diagnosis cases of ``../shared/cases/CASES.md`` (11, 13, 15, 20, 22, 23, 24, 10, 8).

Expected values are the ones CASES.md writes for each case (epochs 0-based unless it
says "1-based").
"""

from __future__ import annotations

import math

import pytest

from analysis import load
from analysis.detectors import diagnose


def _diag(path):
    runs = load(path)
    assert len(runs) == 1
    return diagnose(runs[0])


def _kinds(fs):
    return {f.kind for f in fs}


def test_case11_inf_then_nan(cases_dir):
    # "loss non-finite from epoch 5 (inf), NaN from 6; last finite 0.41 at epoch 4"
    fs = _diag(cases_dir / "case_11_csv_nan_inf.csv")
    nf = next(f for f in fs if f.kind == "non_finite")
    loss = nf.evidence["metrics"]["loss"]
    assert nf.start == 5 and nf.severity == "critical"
    assert loss["first_value"] == "inf" and loss["first_nan_x"] == 6
    assert loss["last_finite_x"] == 4 and loss["last_finite_value"] == pytest.approx(0.41)
    assert "val_loss" in nf.evidence["metrics"]  # NaN from epoch 5 too
    div = next(f for f in fs if f.kind == "divergence")
    assert div.evidence["pattern"] == "overflow" and div.evidence["inf_x"] == 5
    # retrain suggestions: lower LR, clipnorm, scale features
    assert {"learning_rate", "gradient_clipping", "standardize"} <= set(div.remedies)


def test_case13_running_mean_sawtooth_is_not_oscillation(cases_dir):
    # "the saw-tooth at epoch boundaries is expected and must not trip the instability detector"
    fs = _diag(cases_dir / "case_13_batch_logs_running_mean.csv")
    assert not {"oscillation", "divergence"} & _kinds(fs)


def test_case15_one_step_spike(cases_dir):
    # "stats 'max 9.5 at step 3217'; anomaly flag (> 10x median)"
    fs = _diag(cases_dir / "case_15_batch_loss_spike.csv")
    d = next(f for f in fs if f.kind == "divergence")
    top = d.evidence["top"][0]
    assert top["x"] == 3217 and top["value"] == pytest.approx(9.5)
    assert top["ratio"] > 10
    assert d.evidence["count"] == 1 and d.evidence["all_recovered"]
    assert d.severity == "warning"
    # 0.30 +- 0.02 noise for 5000 steps is not oscillation
    assert "oscillation" not in _kinds(fs)


def test_case20_identical_every_epoch(cases_dir):
    # "stuck: loss identical for 8 epochs (range 0.0); accuracy 0.4992 ≈ chance 0.5"
    fs = _diag(cases_dir / "case_20_stuck_constant.csv")
    f = next(f for f in fs if f.kind == "stuck_at_chance")
    assert f.severity == "critical"
    lead = f.evidence["lead"]
    assert lead["range"] == 0.0 and lead["frozen_points"] == 8
    assert lead["n_classes"] == 2  # chance 1/2 inferred, not hard-coded
    assert f.evidence["also"]["acc"]["value"] == pytest.approx(0.4992)
    assert "plateau" not in _kinds(fs)  # "not 'plateau after learning'"


def test_case20_loss_at_ln2(cases_dir):
    # "loss ≈ ln 2 = 0.6931 every epoch -> the model outputs ≈ 0.5 for every sample"
    fs = _diag(cases_dir / "case_20_stuck_ln2.csv")
    f = next(f for f in fs if f.kind == "stuck_at_chance")
    also = f.evidence["also"]["accuracy"]
    assert also["rule"] == "chance" and also["n_classes"] == 2
    assert also["loss_median"] == pytest.approx(math.log(2), abs=1e-3)
    assert "ln 2" in f.message
    assert "plateau" not in _kinds(fs)


def test_case22_onset_and_early_stopping(cases_dir):
    # "overfitting onset at epoch 6 (1-based; min val_loss 0.57); widening gap (train 0.07 vs
    #  val 0.97 at the end); val_accuracy still creeping up (0.81 -> 0.83);
    #  EarlyStopping(patience=3, restore_best_weights=True) -> would stop at epoch 9 (1-based)
    #  and keep epoch-6 weights"
    fs = _diag(cases_dir / "case_22_val_loss_up_val_acc_up.json")
    f = next(f for f in fs if f.kind == "overfitting")
    ev = f.evidence
    assert ev["best_x"] == 5 and ev["best"] == pytest.approx(0.57)
    assert "Epoch 6/15" in f.message
    assert ev["early_stopping"]["patience"] == 3
    assert ev["early_stopping"]["stop_x"] == 8 and ev["early_stopping"]["restored_x"] == 5
    assert ev["gap_end"] > ev["gap_at_best"]
    assert ev["val_score"]["at_best"] == pytest.approx(0.81)
    assert ev["val_score"]["end"] == pytest.approx(0.83)
    assert "over-confident" in f.message
    assert f.remedies[:3] == ("early_stopping", "l2", "dropout")


def test_case22_message_quotes_the_value_logged_at_the_end(cases_dir):
    # val_loss at epoch 14 is 0.97 (+70% over 0.57); the median of the last 3 (0.86, 0.91,
    # 0.97) is 0.91 (+60%) and is named as such; loss ends at 0.07
    f = next(
        f
        for f in _diag(cases_dir / "case_22_val_loss_up_val_acc_up.json")
        if f.kind == "overfitting"
    )
    assert "ended +70% higher at 0.97 (epoch 14;" in f.message
    assert "median of the last 3: 0.91, +60%" in f.message
    assert "-> 0.07 " in f.message and "val_accuracy still crept up 0.81 -> 0.83" in f.message
    assert f.evidence["end"] == pytest.approx(0.97) and f.evidence["end_x"] == 14
    assert f.evidence["end_median"] == pytest.approx(0.91)
    assert f.evidence["rise"] == pytest.approx(0.97 / 0.57 - 1, abs=1e-4)
    assert f.evidence["gap_end"] == pytest.approx(0.97 - 0.07)


def test_case23_best_epoch_before_the_end(cases_dir):
    # "best epoch 37 (0.210); last epoch 40 (0.226)" (1-based)
    fs = _diag(cases_dir / "case_23_earlystop_restore.json")
    f = next(f for f in fs if f.kind == "overfitting")
    assert f.evidence["best_x"] == 36 and f.evidence["best"] == pytest.approx(0.21)
    assert "Epoch 37/40" in f.message
    assert f.severity == "info"  # a 3-epoch rise of a few percent, no training curve


def test_case24_lr_cut_while_score_improves(cases_dir):
    # "LR was reduced at epochs 2, 4, 6 although val_f1_metric improved each time
    #  (0.53, 0.60, 0.64) -> ReduceLROnPlateau treated it as lower-is-better; use mode='max'"
    fs = _diag(cases_dir / "case_24_rlrop_mode_auto_f1.csv")
    f = next(f for f in fs if f.kind == "lr_cut_while_improving")
    assert f.metric == "val_f1_metric"
    assert [c["x"] for c in f.evidence["cuts"]] == [2, 4, 6]
    assert f.evidence["values_at_cuts"] == pytest.approx([0.53, 0.60, 0.64])
    assert "mode='max'" in f.message


@pytest.mark.parametrize(
    "name", ["case_10_csv_validation_freq_NA.csv", "case_10_history_validation_freq.json"]
)
def test_case10_validation_freq_three_points_not_judged(cases_dir, name):
    # validation_freq=3: 3 val_loss values for 9 epochs -> too few to judge, said so
    fs = _diag(cases_dir / name)
    nj = next(f for f in fs if f.kind == "not_judged")
    assert any("overfitting: 3 points" in r for r in nj.evidence["metrics"]["val_loss"])
    assert "overfitting" not in _kinds(fs)


def test_case08_restart_is_no_spike(cases_dir):
    # epoch counter restarts at 0 after 3 epochs; the values continue (0.53 -> 0.50)
    fs = _diag(cases_dir / "case_08_csv_epoch_restart.csv")
    assert not {"divergence", "oscillation", "non_finite"} & _kinds(fs)
