"""Findings on real logs, checked against what a careful reader saw (MANIFEST.tsv ``behaviour``).

Every expected number below is quoted from the ``behaviour`` column of
``../shared/corpus/MANIFEST.tsv`` (the file id is given with each test), read
through :func:`analysis.load` exactly as the app reads it.
"""

from __future__ import annotations

import csv
import math

import pytest
from shared_paths import CORPUS

from analysis import load
from analysis.detectors import diagnose


def _manifest() -> dict[str, str]:
    """MANIFEST.tsv's ``behaviour`` column by file id ({} when the corpus is missing)."""
    path = CORPUS / "MANIFEST.tsv"
    if not path.is_file():
        return {}
    with open(path, newline="", encoding="utf-8") as fh:
        return {r["id"]: r["behaviour"] for r in csv.DictReader(fh, delimiter="\t")}


#: Every corpus file a careful reader called healthy (behaviour starts with "healthy").
HEALTHY = sorted(fid for fid, b in _manifest().items() if b.startswith("healthy"))


def _file(corpus_dir, fid: str):
    hits = sorted(p for p in corpus_dir.iterdir() if p.name.startswith(fid + "_"))
    assert hits, f"corpus file {fid} not found"
    return hits[0]


def _diag(corpus_dir, fid: str):
    runs = load(_file(corpus_dir, fid))
    out = []
    for r in runs:
        out += diagnose(r)
    return out


def _one(findings, kind, metric=None):
    fs = [f for f in findings if f.kind == kind and (metric is None or f.metric == metric)]
    assert fs, (
        f"no {kind} finding{' on ' + metric if metric else ''}: "
        f"{[(f.kind, f.metric) for f in findings]}"
    )
    return fs[0]


# -- overfitting -------------------------------------------------------------------


def test_001_overfitting_best_at_epoch_0(corpus_dir):
    # "val_loss is lowest at epoch 0 (4.21) and ends at 5.49 (+30%, peak 5.60 @33)
    #  while loss falls 4.88->1.66"
    f = _one(_diag(corpus_dir, "001"), "overfitting", "val_loss")
    assert f.evidence["best_x"] == 0
    assert f.evidence["best"] == pytest.approx(4.21, abs=0.005)
    assert f.evidence["worst"] == pytest.approx(5.60, abs=0.005)
    assert f.evidence["worst_x"] == 33
    assert f.evidence["train_end"] < f.evidence["train_at_best"]
    assert f.severity in ("warning", "critical")


def test_001_message_quotes_the_logged_values(corpus_dir):
    # "ends at 5.49 (+30%, ...) while loss falls 4.88->1.66": the numbers in the message are the
    # values in the table at those epochs; the median the decision uses is named as such
    f = _one(_diag(corpus_dir, "001"), "overfitting", "val_loss")
    assert "ended +30% higher at 5.489 (epoch 49;" in f.message
    assert "median of the last 3: 5.364" in f.message
    assert "kept falling 4.883 -> 1.663" in f.message
    assert f.evidence["end"] == pytest.approx(5.489, abs=0.0005)
    assert f.evidence["rise"] == pytest.approx(0.30, abs=0.005)
    assert f.evidence["train_end"] == pytest.approx(1.663, abs=0.0005)


def test_006_overfitting_min_at_15(corpus_dir):
    # "val_loss min 0.437 @15, then climbs to 0.796 @81 (+82%) while loss falls 1.03->0.09"
    f = _one(_diag(corpus_dir, "006"), "overfitting", "val_loss")
    assert f.evidence["best_x"] == 15
    assert f.evidence["best"] == pytest.approx(0.437, abs=0.0005)
    assert f.evidence["worst"] == pytest.approx(0.796, abs=0.0005)
    assert f.evidence["worst_x"] == 81
    assert f.severity == "critical"


def test_030_textbook_overfitting(corpus_dir):
    # "val_loss min 0.824 @3 then rises steadily to 1.62 @24 (+97%) while loss falls
    #  1.33 -> 0.063; val_accuracy peaks 0.703 @2 and ends 0.640"
    f = _one(_diag(corpus_dir, "030"), "overfitting", "val_loss")
    assert f.evidence["best_x"] == 3
    assert f.evidence["best"] == pytest.approx(0.824, abs=0.0005)
    assert f.evidence["end"] == pytest.approx(1.62, abs=0.005)
    assert f.evidence["rise"] == pytest.approx(0.97, abs=0.01)
    assert f.severity == "critical"
    assert f.evidence["early_stopping"]["stop_x"] == 6
    assert "fell too" in f.message  # val_accuracy went down as well


@pytest.mark.parametrize(
    "fid,best_x,best",
    [
        ("047", 0, 0.657),  # "val_loss is lowest at epoch 0 (0.657) and ends at 3.35 (5.1x)"
        ("060", 1, 0.0765),  # "val_loss min 0.0765 at epoch 1 then rises to 0.237 (3.1x)"
        ("055", 0, 0.191),  # "valid_loss is lowest at epoch 0 (0.191) and ends 0.285 (+49%)"
        ("016", 6, 0.480),  # "val_loss 1.03 -> min 0.480 @6 -> 0.581 at the end (+21%)"
        ("028", 6, 0.176),  # "val_loss 17.0 at epoch 0, min 0.176 @6, then up to 0.884 @13"
    ],
)
def test_overfitting_best_epoch(corpus_dir, fid, best_x, best):
    fs = _diag(corpus_dir, fid)
    f = _one(fs, "overfitting")
    assert f.evidence["best_x"] == best_x
    assert f.evidence["best"] == pytest.approx(best, rel=0.005)
    assert f.remedies[0] == "early_stopping"


def test_016_validation_only_log_says_so(corpus_dir):
    # a single val_loss column: no training curve to compare with
    f = _one(_diag(corpus_dir, "016"), "overfitting", "val_loss")
    assert "train" not in f.evidence
    assert f.confidence < 0.9
    assert f.severity != "critical"


def test_028_worst_is_the_late_peak(corpus_dir):
    # "then up to 0.884 @13 (5x the min)"
    f = _one(_diag(corpus_dir, "028"), "overfitting", "val_loss")
    assert f.evidence["worst"] == pytest.approx(0.884, abs=0.001)
    assert f.evidence["worst_x"] == 13


def test_020_hf_eval_loss_lowest_at_first_eval(corpus_dir):
    # "eval_loss is lowest at the first eval (0.219 @ step 250) then 0.40-0.44"
    fs = _diag(corpus_dir, "020")
    f = _one(fs, "overfitting", "eval_loss")
    assert f.evidence["best_x"] == 250
    assert f.evidence["best"] == pytest.approx(0.219, abs=0.0005)
    assert 0.40 <= f.evidence["end"] <= 0.44
    # "eval_wer gets worse 17.7 -> 28.4"
    w = _one(fs, "overfitting", "eval_wer")
    assert w.evidence["best"] == pytest.approx(17.7, abs=0.05)


def test_021_every_eval_group_overfits(corpus_dir):
    # "overfitting in every eval group: eval_g0_loss 5.74 @0 -> min 1.11 @ epoch 1 -> 2.75 @30
    #  ... same shape for g1-g5"
    fs = _diag(corpus_dir, "021")
    over = {f.metric for f in fs if f.kind == "overfitting"}
    assert over == {f"eval_g{i}_loss" for i in range(6)}
    g0 = _one(fs, "overfitting", "eval_g0_loss")
    assert g0.evidence["best"] == pytest.approx(1.11, abs=0.005)


def test_038_whisper_memorises(corpus_dir):
    # "eval_loss rises at every eval 0.307 -> 0.356 -> 0.421 -> 0.452 -> 0.468 while
    #  train loss goes 0.89 -> 0.0002"
    f = _one(_diag(corpus_dir, "038"), "overfitting", "eval_loss")
    assert f.evidence["best"] == pytest.approx(0.307, abs=0.0005)
    assert f.evidence["worst"] == pytest.approx(0.468, abs=0.0005)


def test_049_val_loss_explodes_while_train_learns(corpus_dir):
    # "val_loss 1.39 -> 9.45 (peak 10.15)"
    f = _one(_diag(corpus_dir, "049"), "overfitting", "val_loss")
    assert f.evidence["best"] == pytest.approx(1.39, abs=0.005)
    assert f.evidence["worst"] == pytest.approx(10.15, abs=0.005)
    assert f.evidence["end"] == pytest.approx(9.45, abs=0.005)
    assert f.severity == "critical"


def test_049_val_acc_exactly_zero_is_stuck_below_chance(corpus_dir):
    # "val_acc is exactly 0.0 in all 30 epochs while train_acc hits 1.0"
    f = _one(_diag(corpus_dir, "049"), "stuck_at_chance", "val_acc")
    assert f.severity == "critical"
    assert f.evidence["rule"] == "below_chance" and f.evidence["level"] == "below_chance"
    lead = f.evidence["lead"]
    assert lead["value"] == 0.0 and lead["frozen_points"] == 30 == lead["points"]
    assert lead["train_max"] == 1.0
    assert (
        "exactly 0.0: the validation labels may not match the classes the model predicts "
        "(label encoding / class order)"
    ) in f.message
    assert "class order" in f.causes[0]


def test_062_loss_exactly_zero_is_a_suspicious_collapse(corpus_dir):
    # "train loss 0.85 -> 0.045 by step 30 and exactly 0.0 in 54 rows from step 970 on;
    #  eval_loss 2.1e-05 (label leak or one-class data)"
    fs = _diag(corpus_dir, "062")
    f = _one(fs, "suspicious_zero_loss", "loss")
    assert f.severity == "warning"
    info = f.evidence["metrics"]["loss"]
    assert info["n_zero"] == 54 and info["zero_to_the_end"]
    assert f.start == 970 and f.end == 1500
    assert info["below_10pct_x"] == 30 and info["below_10pct_value"] == pytest.approx(0.045)
    assert f.evidence["other_loss"]["last"] == pytest.approx(2.1e-05, rel=0.01)
    causes = " ".join(f.causes)
    assert "label leak" in causes and "one-class" in causes and "masking" in causes


def test_050_gap_and_train_loss_spike(corpus_dir):
    # "val_accuracy falls 0.35 -> 0.17 (max 0.46 @9) while train accuracy is 0.87-0.98;
    #  ... train loss also spikes 0.06 -> 1.54 @12"
    fs = _diag(corpus_dir, "050")
    o = _one(fs, "overfitting")
    assert o.evidence["best_x"] == 9
    assert o.evidence["best"] == pytest.approx(0.46, abs=0.005)
    assert o.evidence["train_end"] >= 0.87
    d = _one(fs, "divergence", "loss")
    top = d.evidence["top"][0]
    assert top["x"] == 12 and top["value"] == pytest.approx(1.54, abs=0.005)


# -- divergence / non-finite ----------------------------------------------------------


def test_003_negative_loss_is_unbounded_not_healthy(corpus_dir):
    # "loss is negative and unbounded, -3.4e4 @0 -> -6.5e7 @69; val_loss -1.5e5 -> -1.3e8;
    #  both fall monotonically, so a naive 'loss going down' rule calls it healthy"
    fs = _diag(corpus_dir, "003")
    f = _one(fs, "divergence", "loss")
    assert f.severity == "critical"
    assert f.evidence["pattern"] == "negative_unbounded"
    m = f.evidence["metrics"]
    assert m["loss"]["first"] == pytest.approx(-3.4e4, rel=0.01)
    assert m["loss"]["last"] == pytest.approx(-6.5e7, rel=0.01)
    assert m["val_loss"]["last"] == pytest.approx(-1.3e8, rel=0.05)
    assert not {"slow_convergence", "plateau", "overfitting"} & {x.kind for x in fs}


def test_045_lightning_nan_tail(corpus_dir):
    # "EVERY loss column is nan from epoch 218 to 261 (44 rows)" (epoch == step)
    f = _one(_diag(corpus_dir, "045"), "non_finite")
    assert f.severity == "critical"
    assert f.start == 218 and f.end == 261
    metrics = f.evidence["metrics"]
    assert len(metrics) == 5 and "mean_loss" in metrics
    assert all(m["n_nonfinite"] == 44 and m["to_the_end"] for m in metrics.values())


def test_isolated_zeros_of_a_triplet_loss_are_no_collapse(corpus_dir):
    # tfevents/04 (Lightning, sketch retrieval with mAP): train_loss is exactly 0.0 in 7 of 392
    # per-batch values, never two in a row, between values of 0.001-0.008: easy batches of a
    # margin loss, not a collapse
    run = load(corpus_dir / "tfevents" / "04_lightning_sketchvlm")[0]
    v = run["train_loss"].value
    assert int((v == 0).sum()) == 7
    assert "suspicious_zero_loss" not in {f.kind for f in diagnose(run)}


# -- stuck at chance / majority -----------------------------------------------------------


def test_stuck_evidence_tells_majority_rate_from_chance(corpus_dir):
    # 036 "stuck-at-majority-class": the GUI titles it by evidence["level"] / ["title"]
    f = _one(_diag(corpus_dir, "036"), "stuck_at_chance")
    assert f.evidence["rule"] == "frozen" and f.evidence["level"] == "majority_rate"
    assert f.evidence["title"] == "Stuck at the majority-class rate"
    # 031 "stuck-at-chance (binary)"
    g = _one(_diag(corpus_dir, "031"), "stuck_at_chance")
    assert g.evidence["rule"] == "chance" and g.evidence["level"] == "chance"
    assert g.evidence["title"] == "Stuck at chance"
    # 063: a one-class predictor (macro-F1 identity) is the majority-class rate too
    h = _one(_diag(corpus_dir, "063"), "stuck_at_chance")
    assert h.evidence["level"] == "majority_rate"


def test_031_binary_stuck_at_ln2(corpus_dir):
    # "initial loss 0.6931 = ln 2; val_loss stays 0.685-0.696 (~ln 2) for all 7 epochs;
    #  val_accuracy 0.41-0.60 around 0.5"
    f = _one(_diag(corpus_dir, "031"), "stuck_at_chance", "val_accuracy")
    ev = f.evidence["lead"]
    assert ev["n_classes"] == 2 and ev["chance"] == 0.5
    assert ev["loss_median"] == pytest.approx(math.log(2), abs=0.01)
    assert ev["accuracy_range"] == pytest.approx([0.41, 0.60], abs=0.005)


def test_036_val_accuracy_frozen_at_background_rate(corpus_dir):
    # "val_accuracy is 0.98661 (+-3e-7) in all 35 epochs = background-pixel rate ...
    #  although val_loss falls 0.785 -> 0.057"
    f = _one(_diag(corpus_dir, "036"), "stuck_at_chance", "val_accuracy")
    ev = f.evidence["lead"]
    assert ev["rule"] == "frozen"
    assert ev["value"] == pytest.approx(0.98661, abs=5e-6)
    assert ev["range"] < 1e-6
    assert ev["frozen_points"] == 35 == ev["points"]
    assert ev["loss_end"] < ev["loss_start"]  # the loss moved: it is the majority class
    assert f.causes[0].startswith("class imbalance")
    # "although val_loss falls 0.785 -> 0.057": the logged first and last values
    assert "val_loss moved 0.785 -> 0.05724" in f.message
    assert ev["loss_start"] == pytest.approx(0.785, abs=0.0005)


def test_063_hf_classifier_predicts_one_class_first(corpus_dir):
    # "first eval accuracy 0.902 with macro-F1 0.19 (predicting the majority class), then
    #  accuracy 0.414 @2 climbing back to 0.78; eval_loss min 1.326 @ epoch 3 then up to 1.51 @9"
    fs = _diag(corpus_dir, "063")
    f = _one(fs, "stuck_at_chance", "eval_accuracy")
    p = f.evidence["lead"]["points"][0]
    assert p["accuracy"] == pytest.approx(0.902, abs=0.0005)
    assert p["f1"] == pytest.approx(0.19, abs=0.0005)
    assert p["n_classes"] == 5
    assert f.start == 1035  # the epoch-1 evaluation
    o = _one(fs, "overfitting", "eval_loss")
    assert o.evidence["best"] == pytest.approx(1.326, abs=0.0005)
    assert o.evidence["worst"] == pytest.approx(1.51, abs=0.005)


# -- oscillation / plateau / slow ---------------------------------------------------------


def test_032_validation_oscillates_train_smooth(corpus_dir):
    # "val_accuracy 0.59, 0.39, 0.80, 0.86, 0.66, 0.93 ... while train accuracy rises smoothly"
    f = _one(_diag(corpus_dir, "032"), "oscillation")
    metrics = set(f.evidence["metrics"])
    assert {"val_accuracy", "val_loss"} <= metrics
    assert "accuracy" not in metrics
    va = f.evidence["metrics"]["val_accuracy"]
    assert va["lo"] == pytest.approx(0.39, abs=0.005) and va["hi"] >= 0.93
    assert "evaluation" in f.message


def test_057_regression_val_loss_oscillates(corpus_dir):
    # "val_loss (MSE) jumps between 746 and 36,760; ... the direction flips in 60 of 99 steps"
    fs = _diag(corpus_dir, "057")
    f = _one(fs, "oscillation")
    assert "val_loss" in f.evidence["metrics"]
    assert "val_mse" not in f.evidence["metrics"]  # an exact duplicate of val_loss
    assert f.evidence["metrics"]["val_loss"]["flip_rate"] >= 0.5


def test_029_oscillating_then_plateau(corpus_dir):
    # "val_loss spikes to 7.42 at epoch 1 ... val_acc drops to 0.36; after epoch 7 val_acc
    #  stays 0.59-0.63 and val_loss 1.02-1.13 (min 1.024 @10)"
    fs = _diag(corpus_dir, "029")
    o = _one(fs, "oscillation")
    assert o.start <= 1
    p = _one(fs, "plateau", "val_loss")
    lo, hi = p.evidence["band"]
    assert lo == pytest.approx(1.024, abs=0.001) and hi <= 1.13


def test_042_long_plateau(corpus_dir):
    # "val_acc is 0.4845-0.4886 for the whole second half (epochs 100-249) and
    #  val_loss 1.068-1.077; train acc only 0.30 -> 0.55": the plateau starts where the curve
    #  entered that band (~100; val_loss is 1.0784 at epoch 94, 1.0774 at 100), not at its last
    #  0.1 % record (195), and a plateau at train accuracy 0.55 is a stall, not convergence
    fs = _diag(corpus_dir, "042")
    p = _one(fs, "plateau", "val_loss")
    lo, hi = p.evidence["band"]
    assert 1.067 <= lo <= hi <= 1.079
    assert 85 <= p.start <= 110 and p.end == 249
    assert p.severity == "warning"
    assert p.evidence["fit"] == "poor_fit"
    assert p.evidence["train_score_end"] == pytest.approx(0.55, abs=0.01)
    assert p.causes[0].startswith("underfitting")
    assert not {"stuck_at_chance", "overfitting", "divergence"} & {f.kind for f in fs}


def test_037_plateau_with_growing_gap(corpus_dir):
    # "val_loss min 0.717 @42 then 0.72-0.92 (ends 0.747)"
    p = _one(_diag(corpus_dir, "037"), "plateau", "val_loss")
    lo, hi = p.evidence["band"]
    assert lo == pytest.approx(0.717, abs=0.001)
    assert hi == pytest.approx(0.92, abs=0.001)


def test_034_very_slow(corpus_dir):
    # "plateau / very slow: 277 epochs ... val_loss creeps 4.22 -> 3.73"
    fs = _diag(corpus_dir, "034")
    f = next(f for f in fs if f.kind in ("plateau", "slow_convergence") and f.metric == "val_loss")
    if f.kind == "slow_convergence":
        assert f.evidence["last"] == pytest.approx(3.73, abs=0.005)
        assert f.evidence["per_x"] < 0.01  # "creeps"


def test_034_grainy_train_accuracy_is_not_oscillation(corpus_dir):
    # the training accuracy wobbles by 0.03-0.05 around 0.77 while the training loss falls
    # smoothly 4.59 -> 3.65: a slow plateau, not an unstable optimiser
    fs = _diag(corpus_dir, "034")
    assert "oscillation" not in {f.kind for f in fs}, [
        (f.kind, f.metric, f.message[:100]) for f in fs
    ]
    assert {"plateau", "slow_convergence"} & {f.kind for f in fs}


def test_048_converged_plateau_is_not_underfitting(corpus_dir):
    # "healthy: val_loss 0.381 -> 0.290, val_accuracy 0.939 -> 0.964"; the training loss fell
    # 0.486 -> 0.329: the short plateau at the end is convergence, not "flat training"
    fs = _diag(corpus_dir, "048")
    for f in fs:
        text = " ".join(f.causes)
        assert "underfitting" not in text and "flat too" not in text, (f.kind, f.causes)
    p = _one(fs, "plateau", "val_loss")
    assert p.severity == "info" and p.evidence["fit"] == "converged"
    assert p.causes[0].startswith("normal convergence")


def test_059_still_falling_monotonic(corpus_dir):
    # "healthy/slow: char-LSTM loss 2.816 -> 2.019 over 20 epochs, monotonic"
    f = _one(_diag(corpus_dir, "059"), "slow_convergence", "loss")
    assert f.evidence["last"] == pytest.approx(2.019, abs=0.001)
    assert f.severity != "critical"


# -- healthy logs: nothing that fails a CI gate ------------------------------------------------


def test_healthy_list_comes_from_the_manifest(corpus_dir):
    assert len(HEALTHY) >= 19 and {"002", "007", "033", "048"} <= set(HEALTHY)


@pytest.mark.parametrize("fid", HEALTHY)
def test_healthy_logs_raise_no_warning(corpus_dir, fid):
    # `analyze --fail-on warning` must pass every run a careful reader called healthy;
    # info findings (a converged plateau, a run still improving a little) are fine
    fs = _diag(corpus_dir, fid)
    assert not [f for f in fs if f.severity in ("warning", "critical")], [
        (f.kind, f.severity, f.metric, f.message[:160])
        for f in fs
        if f.severity in ("warning", "critical")
    ]
    assert not {"divergence", "non_finite", "stuck_at_chance"} & {f.kind for f in fs}


def test_033_plateau_under_reduce_lr_on_plateau_is_convergence(corpus_dir):
    # "healthy: val_loss 0.185 -> min 0.088 @14 -> 0.093; val_accuracy 0.946 -> 0.982; lr column
    #  shows ReduceLROnPlateau 0.01 -> 0.000625": the cuts are in the message, the run converged
    p = _one(_diag(corpus_dir, "033"), "plateau", "val_loss")
    assert p.severity == "info" and p.evidence["fit"] == "converged"
    assert len(p.evidence["lr_cuts"]) == 4
    assert p.evidence["val_score_end"] >= 0.98


def test_002_short_run_still_improving_is_info(corpus_dir):
    # "healthy (tiny run): ... val_loss 0.423->0.120 monotonic; ... val_acc 1.0 from epoch 6"
    f = _one(_diag(corpus_dir, "002"), "slow_convergence", "val_loss")
    assert f.severity == "info"
    assert f.evidence["last"] == pytest.approx(0.120, abs=0.0005)
    assert f.evidence["saturated_score"]["median_last_3"] == 1.0


def test_010_early_spike_is_not_divergence(corpus_dir):
    # "healthy with an early spike: total loss 12.44 @0 -> 18.38 @1 (spike) -> 3.95 @29":
    # 1.5x is a bump, not a 10x spike
    assert not [f for f in _diag(corpus_dir, "010") if f.kind == "divergence"]


@pytest.mark.parametrize("fid,metric", [("009", "loss"), ("043", "val_loss")])
def test_too_short_runs_say_what_was_not_judged(corpus_dir, fid, metric):
    # 009: "3 rows"; 043: "only 4 rows"
    f = _one(_diag(corpus_dir, fid), "not_judged")
    assert f.severity == "info" and metric in f.evidence["metrics"]
    assert any("need" in r for r in f.evidence["metrics"][metric])
