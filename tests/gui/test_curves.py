"""Plot-ready arrays (gui.curves): x modes, restarts, smoothing on full data, readout lookup."""

from __future__ import annotations

import numpy as np
import pytest
from gui_helpers import read_columns

import analysis
from analysis.model import Run, Series
from analysis.smoothing import smooth
from gui.axes import format_elapsed, format_x
from gui.curves import (
    available_modes,
    choose_axis,
    make_curve,
    placeable,
    visible_rows,
    x_for,
)


def _tb_run(corpus_dir):
    cols = read_columns(corpus_dir / "013_ocr_tb_run-.-tag-loss.csv")
    s = Series(
        "loss",
        cols["Step"],
        cols["Value"],
        wall_time=cols["Wall time"],
        segments=analysis.model.segment_starts(cols["Step"]),
    )
    return Run("ocr", "013", "tensorboard-csv", {"loss": s}, step_kind="step"), cols


def test_steps_going_backwards_become_a_forward_x(corpus_dir):
    # MANIFEST 013: Step is not monotonic (95 -> 68, 28094 -> 36 where a second run starts)
    run, cols = _tb_run(corpus_dir)
    c = make_curve(run, "loss", "step")
    assert c.increasing and np.all(np.diff(c.x) > 0)
    assert len(c.restarts) == int(np.sum(np.diff(cols["Step"]) <= 0))
    assert len(c.x) == len(cols["Step"]) == 1000
    # wall time keeps increasing across the restarts: drawn against elapsed seconds
    w = make_curve(run, "loss", "wall_time", t0=min(cols["Wall time"]))
    np.testing.assert_allclose(w.x, np.array(cols["Wall time"]) - min(cols["Wall time"]))
    assert available_modes(run) == {"auto", "step", "wall_time"}


def test_epoch_mode_falls_back_to_step_when_the_log_has_no_epoch(corpus_dir):
    run, cols = _tb_run(corpus_dir)
    x, used, fallback = x_for(run, run.series["loss"], "epoch")
    assert used == "step" and fallback
    c = make_curve(run, "loss", "epoch")
    assert c.fallback and c.requested == "epoch"


def test_smoothing_uses_the_full_series_and_skips_learning_rates(corpus_dir):
    f = corpus_dir / "028_ecganalysis_lr_training.log"
    run = analysis.load(str(f))[0]
    cols = read_columns(f)
    loss = make_curve(run, "loss", "auto", 0.6)
    np.testing.assert_allclose(loss.smoothed, smooth(np.array(cols["loss"]), 0.6))
    lr = make_curve(run, "lr", "auto", 0.6)
    assert lr.smoothed is None and lr.smoothing_on
    assert make_curve(run, "lr", "auto", 0.6, smooth_lr=True).smoothed is not None


def test_nan_x_points_are_dropped_and_values_kept_as_logged(cases_dir):
    cols = read_columns(cases_dir / "case_11_csv_nan_inf.csv")
    wall = np.arange(len(cols["loss"]), dtype=float) * 60.0
    wall[2] = np.nan  # a point whose wall time was not logged
    run = Run(
        "nan",
        "case11",
        "keras-csvlogger",
        {"loss": Series("loss", cols["epoch"], cols["loss"], wall_time=wall)},
    )
    c = make_curve(run, "loss", "wall_time", 0.6, t0=0.0)
    assert len(c) == len(cols["loss"]) - 1 and not np.isnan(c.x).any()
    assert np.isinf(c.y).sum() == 1 and np.isnan(c.y).sum() == 2  # inf at 5, NaN at 6-7
    assert c.step.tolist() == [e for i, e in enumerate(cols["epoch"]) if i != 2]


def test_nearest_point_and_span_mapping(corpus_dir):
    f = corpus_dir / "030_dm2020_overfit_training_log.csv"
    run = analysis.load(str(f))[0]
    c = make_curve(run, "val_loss", "auto", 0.0)
    assert c.index_at(7.4) == 7 and c.index_at(7.6) == 8
    assert c.index_at(-5) == 0 and c.index_at(1e9) == 24
    assert c.step_to_x(3.0) == 3.0
    cols = read_columns(f)
    i = int(np.argmin(cols["val_loss"]))
    assert c.best() == (cols["epoch"][i], pytest.approx(cols["val_loss"][i]))


def test_visible_rows_cover_the_x_range_only(corpus_dir):
    f = corpus_dir / "030_dm2020_overfit_training_log.csv"
    run = analysis.load(str(f))[0]
    cols = read_columns(f)
    c = make_curve(run, "loss", "auto", 0.6)
    rows = list(visible_rows([("r", c)], 2.0, 4.0))
    assert [r[3] for r in rows] == [2.0, 3.0, 4.0]
    assert [r[4] for r in rows] == cols["loss"][2:5]
    assert rows[0][5] == pytest.approx(smooth(np.array(cols["loss"]), 0.6)[2])


def test_axis_formats():
    assert format_elapsed(75) == "1:15"
    assert format_elapsed(3725) == "1:02:05"
    assert format_elapsed(90061) == "1d 1:01:01"
    assert format_x(12.0, "epoch") == "12"
    assert format_x(0.25, "epoch") == "0.25"
    assert format_x(3725, "wall_time") == "1:02:05"


# -- one x axis for a view (QA 3) -------------------------------------------------------------
def _keras_tb_run(corpus_dir):
    """tfevents/01_keras_imdb: the Keras TensorBoard callback writes ``epoch_*`` tags per
    epoch and ``evaluation_*_vs_iterations`` per training step, in one run. The readers mark
    the epoch tags (Series.step_kind); marking them here is a no-op once they do."""
    run = analysis.load(str(corpus_dir / "tfevents" / "01_keras_imdb"))[0]
    for name, s in run.series.items():
        if name.rsplit("/", 1)[-1].startswith("epoch_") and run.step_kind_of(name) != "epoch":
            s.step_kind = "epoch"
    return run


def test_keras_tensorboard_run_mixing_epochs_and_steps_gets_the_epoch_axis(corpus_dir):
    run = _keras_tb_run(corpus_dir)
    names = list(run.series)
    per_step = [n for n in names if n.endswith("_vs_iterations")]
    per_epoch = [n for n in names if "/epoch_" in n]
    assert len(per_step) == 2 and len(per_epoch) == 4  # MANIFEST tfevents 01
    curves = [(run, n) for n in names]
    assert choose_axis(curves, "auto") == ("epoch", False)
    assert [n for n in names if not placeable(run, n, "epoch")] == per_step
    ep = make_curve(run, "validation/epoch_loss", "epoch")
    assert ep.x.tolist() == list(range(20)) and not ep.fallback
    # on a step axis the evaluation curves keep their iterations (30..600), epochs are left out
    assert choose_axis(curves, "step") == ("step", False)
    st = make_curve(run, "validation/evaluation_loss_vs_iterations", "step")
    assert st.x[0] == 30 and st.x[-1] == 600 and not st.fallback
    assert [n for n in names if placeable(run, n, "step")] == per_step
    # every series has wall times: a wall-time axis places all of them
    assert all(placeable(run, n, "wall_time") for n in names)


def test_epoch_logs_compared_with_step_logs(corpus_dir):
    keras = analysis.load(str(corpus_dir / "030_dm2020_overfit_training_log.csv"))[0]
    lightning = analysis.load(str(corpus_dir / "045_pinnforem_nan_lightning_metrics.csv"))[0]
    tb, _ = _tb_run(corpus_dir)
    k = [(keras, m) for m in keras.series]
    lt = [(lightning, m) for m in lightning.series]
    # Lightning logs each point's epoch: both runs go on one epoch axis, nothing left out
    assert choose_axis(k + lt, "auto") == ("epoch", False)
    assert all(placeable(r, m, "epoch") for r, m in k + lt)
    c = make_curve(lightning, "mean_loss", "epoch")
    np.testing.assert_array_equal(c.x, lightning["mean_loss"].epoch)
    # a TensorBoard export has steps only: 4 Keras curves outweigh it, it is left out
    assert choose_axis(k + [(tb, "loss")], "auto") == ("epoch", False)
    assert not placeable(tb, "loss", "epoch")
    # asking for epochs where no curve has any: the logged axis, flagged as a fallback
    assert choose_axis([(tb, "loss")], "epoch") == ("step", True)
    assert choose_axis(k, "wall_time") == ("epoch", True)  # CSVLogger: no wall time
