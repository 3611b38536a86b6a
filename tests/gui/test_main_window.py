"""The main window end to end (offscreen): open, draw, smooth, log-y, x modes, findings,
export, live files, bad files, drag and drop, settings."""

from __future__ import annotations

import csv
import math
import shutil

import numpy as np
import pytest
from gui_helpers import read_columns, spec_for, wait_loaded
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent, QImage

import analysis
from analysis.detectors import diagnose
from analysis.model import Finding, Run, Series
from analysis.smoothing import smooth
from gui.axes import format_x
from gui.plot_panel import SHORT_SERIES
from gui.theme import RAW_ALPHA, RAW_ALPHA_SHORT, SPAN_ALPHA_SELECTED


def _open(qtbot, w, *paths, n=None):
    w.open_paths([str(p) for p in paths])
    wait_loaded(qtbot, w, n if n is not None else len(paths))


# -- opening ------------------------------------------------------------------------------
def test_open_demo_draws_every_metric_of_the_log(qtbot, window, demo_dir):
    window.open_demo()
    wait_loaded(qtbot, window, 1)
    cols = read_columns(demo_dir / "training.log")
    e = window.store.entries_in_order()[0]
    assert set(e.run.series) == set(cols) - {"epoch"}
    loss = spec_for(window, "loss", "loss")
    val = spec_for(window, "loss", "val_loss")
    np.testing.assert_allclose(loss.data.y, cols["loss"])
    np.testing.assert_allclose(val.data.x, cols["epoch"])
    assert spec_for(window, "score", "val_accuracy").data.y[-1] == pytest.approx(
        cols["val_accuracy"][-1]
    )
    # train solid, validation dashed, both in the run's colour
    assert val.color == loss.color == e.color
    items = window.plot_area.plot("loss")._items
    main_val = items[(e.key, "val_loss")].main or items[(e.key, "val_loss")].raw
    main_loss = items[(e.key, "loss")].main or items[(e.key, "loss")].raw
    assert main_val.opts["pen"].style() == Qt.CustomDashLine
    assert main_loss.opts["pen"].style() == Qt.SolidLine
    # best-epoch marker at the minimum val_loss
    best = window.plot_area.best_points()[e.key]
    i = int(np.argmin(cols["val_loss"]))
    assert best == ("val_loss", cols["epoch"][i], pytest.approx(cols["val_loss"][i]))
    # the runs panel lists file -> run -> metrics
    file_item = window.runs_panel.tree.topLevelItem(0)
    assert file_item.text(0).endswith("training.log")
    assert file_item.child(0).childCount() == len(cols) - 1
    assert "Opened" in window.status_label.text()
    # the demo's dataset was checked too (label column from retrain.toml)
    assert str(demo_dir / "data.csv") in window.store.dataset_findings
    # the status bar counts findings as the findings panel does, dataset findings included
    n = len(window.findings_panel.items())
    n_data = len(window.store.dataset_findings[str(demo_dir / "data.csv")])
    assert n == len(e.findings) + n_data and n_data >= 1
    assert window.findings_panel.summary.text().startswith(f"{n} findings:")
    assert f"{n} findings (" in window.summary_label.text()
    assert "finding" not in window.status_label.text()  # no second, per-file count


def test_open_several_corpus_logs_compare_runs(qtbot, window, corpus_dir):
    files = [
        corpus_dir / "030_dm2020_overfit_training_log.csv",
        corpus_dir / "001_akboles_speaker250_training.log",
        corpus_dir / "025_telcochurn_model_history.json",
    ]
    _open(qtbot, window, *files)
    entries = window.store.entries_in_order()
    assert [e.path for e in entries] == [str(f) for f in files]  # open order kept
    assert len({e.color for e in entries}) == 3
    # every run keeps its colour in every plot
    for fam in ("loss", "score"):
        for s in window.plot_area.plot(fam).specs():
            assert s.color == window.store.entries[s.key].color
    cols = read_columns(files[1])
    assert spec_for(window, "score", "val_acc").data.y.tolist() == pytest.approx(cols["val_acc"])
    # the x axes are linked: zooming one plot moves the other
    window.plot_area.set_x_range(5, 15)
    qtbot.wait(20)
    x0, x1 = window.plot_area.plot("score").visible_x_range()
    assert x0 == pytest.approx(5, abs=0.6) and x1 == pytest.approx(15, abs=0.6)
    # legend: the line-style key, then one entry per run (its colour), in a strip above
    # the plot: nothing of it lies over the data (QA 11)
    p = window.plot_area.plot("loss")
    assert p.legend_bar.texts() == ["training", "validation"] + [e.name for e in entries]
    assert [x.color for x in p.legend_bar.entries()[2:]] == [e.color for e in entries]
    assert not p.legend.isVisible()
    assert p.legend_bar.geometry().bottom() < p.pw.geometry().top()


def test_learning_rate_plot_log_y_step_style_never_smoothed(qtbot, window, corpus_dir):
    f = corpus_dir / "028_ecganalysis_lr_training.log"
    _open(qtbot, window, f)
    cols = read_columns(f)
    lr = spec_for(window, "lr", "lr")
    assert lr.data.smoothed is None  # LR never smoothed (CASES.md 14)
    np.testing.assert_allclose(lr.data.y, cols["lr"])
    p = window.plot_area.plot("lr")
    assert p.log_y and p.pi.getAxis("left").logMode
    item = p._items[(lr.key, "lr")].raw
    assert item.opts["stepMode"] == "right"
    # ReduceLROnPlateau drop 0.001 -> 1e-4 (MANIFEST 028) is visible as two levels
    assert sorted({round(v, 6) for v in lr.data.y}) == [0.0001, 0.001]


# -- smoothing, log y, x axis ------------------------------------------------------------------
def test_smoothing_slider_draws_tensorboard_ema_over_faint_raw(qtbot, window, corpus_dir):
    f = corpus_dir / "030_dm2020_overfit_training_log.csv"
    _open(qtbot, window, f)
    cols = read_columns(f)
    s = spec_for(window, "loss", "val_loss")
    np.testing.assert_allclose(s.data.smoothed, smooth(np.array(cols["val_loss"]), 0.6))
    items = window.plot_area.plot("loss")._items[(s.key, "val_loss")]
    # 25 epochs: the raw values stay clearly visible under the EMA, as points (QA 12)
    assert len(cols["val_loss"]) == 25 <= SHORT_SERIES
    assert items.main is not None and items.raw.opts["pen"].color().alpha() == RAW_ALPHA_SHORT
    assert items.raw.opts["symbol"] == "o"
    assert items.main.opts["pen"].widthF() > items.raw.opts["pen"].widthF()  # EMA emphasised
    window.smooth_slider.setValue(90)
    qtbot.waitUntil(lambda: abs(window.plot_area.weight - 0.9) < 1e-9, timeout=2000)
    s = spec_for(window, "loss", "val_loss")
    np.testing.assert_allclose(s.data.smoothed, smooth(np.array(cols["val_loss"]), 0.9))
    assert window.smooth_value.text() == "0.90"
    window.set_smoothing(0.0)
    s = spec_for(window, "loss", "val_loss")
    assert s.data.smoothed is None
    items = window.plot_area.plot("loss")._items[(s.key, "val_loss")]
    assert items.main is None and items.raw.opts["pen"].color().alpha() == 255
    assert window.settings.smoothing == 0.0


def test_long_series_keep_a_faint_raw_curve_without_points(qtbot, window, corpus_dir):
    f = corpus_dir / "013_ocr_tb_run-.-tag-loss.csv"
    _open(qtbot, window, f)
    s = spec_for(window, "loss", "loss")
    assert len(s.data) == 1000 > SHORT_SERIES  # MANIFEST 013: 1000 rows
    items = window.plot_area.plot("loss")._items[(s.key, "loss")]
    assert items.raw.opts["pen"].color().alpha() == RAW_ALPHA
    assert items.raw.opts["symbol"] is None


def test_log_y_with_negative_losses_gives_a_notice(qtbot, window, corpus_dir):
    f = corpus_dir / "003_ecg_negloss_training.log"
    _open(qtbot, window, f)
    cols = read_columns(f)
    n_bad = sum(1 for k in ("loss", "val_loss") for v in cols[k] if v <= 0)
    assert n_bad == 140  # MANIFEST 003: loss and val_loss negative in every epoch
    p = window.plot_area.plot("loss")
    assert not p.notice.isVisible()
    p.log_box.click()
    assert p.log_y and p.pi.getAxis("left").logMode
    assert p.notice.isVisible() and f"{n_bad} values ≤ 0 not drawn" in p.notice.text()
    assert window.settings.log_y("loss")
    assert window.log_actions["loss"].isChecked()
    p.log_box.click()
    assert not p.log_y and not p.notice.isVisible()


def test_x_axis_modes_epoch_step_wall_time(qtbot, window, corpus_dir):
    # a TensorBoard scalar export (Wall time, Step, Value), built here with the csv module
    path = corpus_dir / "010_imdb_tb_run-.-tag-loss.csv"
    cols = read_columns(path)
    run = Run(
        "imdb",
        str(path),
        "tensorboard-csv",
        {"loss": Series("loss", cols["Step"], cols["Value"], wall_time=cols["Wall time"])},
        step_kind="step",
    )
    ep = corpus_dir / "030_dm2020_overfit_training_log.csv"
    window.store.set_file_runs(str(path), [run], [[]])
    _open(qtbot, window, ep, n=2)
    window.set_x_mode("wall_time")
    s = spec_for(window, "loss", "loss", "imdb")
    assert s.data.x_mode == "wall_time" and not s.data.fallback
    np.testing.assert_allclose(s.data.x, np.array(cols["Wall time"]) - min(cols["Wall time"]))
    for fam in ("loss", "score"):  # every plot says what x is (QA 3: "epoch" on wall time)
        assert window.plot_area.plot(fam).axis.mode == "wall_time"
        assert window.plot_area.plot(fam).axis.labelText == "elapsed time (h:mm:ss)"
    # the CSVLogger file has no wall time: not drawn against seconds, and the view says so
    assert [x.run_name for x in window.plot_area.plot("loss").specs()] == ["imdb"]
    assert not window.plot_area.plot("score").has_curves()
    other = window.store.entries_in_order()[1]
    assert window.plot_area.is_excluded(other.key, "val_accuracy")
    notice = window.plot_area.notice_text()
    assert "4 curves not drawn on the wall time axis (no wall time in the log)" in notice
    assert other.name in notice
    window.set_x_mode("step")
    s = spec_for(window, "loss", "loss", "imdb")
    np.testing.assert_allclose(s.data.x, cols["Step"])
    assert window.plot_area.plot("loss").axis.labelText == "step"
    window.set_x_mode("epoch")
    e = spec_for(window, "loss", "val_loss")
    assert e.data.x_mode == "epoch" and e.data.x.tolist() == list(range(25))
    assert window.plot_area.plot("loss").axis.labelText == "epoch"
    assert "Choose X axis ▸ Step" in window.plot_area.notice_text()  # the TB loss needs steps
    assert window.x_combo.currentData() == "epoch" and window.settings.x_mode == "epoch"


def _keras_tb_run(corpus_dir):
    """tfevents/01_keras_imdb as the readers give it: ``epoch_*`` tags per epoch,
    ``evaluation_*_vs_iterations`` per step (Keras TensorBoard callback)."""
    run = analysis.load(str(corpus_dir / "tfevents" / "01_keras_imdb"))[0]
    for name, s in run.series.items():
        if name.rsplit("/", 1)[-1].startswith("epoch_") and run.step_kind_of(name) != "epoch":
            s.step_kind = "epoch"
    return run


def test_epoch_and_step_curves_of_one_run_never_share_an_axis(qtbot, window, corpus_dir):
    """QA 3: the 20-epoch curves were drawn on the 30-600 step axis of the evaluation curves."""
    run = _keras_tb_run(corpus_dir)
    path = str(corpus_dir / "tfevents" / "01_keras_imdb")
    window.store.set_file_runs(path, [run], [[]])
    window.plot_area.rebuild()
    key = window.store.entries_in_order()[0].key
    loss = window.plot_area.plot("loss")
    assert window.plot_area.axis_kind == "epoch" and loss.axis.labelText == "epoch"
    drawn = sorted(s.data.metric for s in loss.specs())
    assert drawn == ["train/epoch_loss", "validation/epoch_loss"]
    assert all(s.data.x.tolist() == list(range(20)) for s in loss.specs())
    assert window.plot_area.is_excluded(key, "validation/evaluation_loss_vs_iterations")
    notice = window.plot_area.notice_text()
    assert notice.startswith("2 curves not drawn on the epoch axis (logged per step")
    assert "validation/evaluation_loss_vs_iterations" in notice and "Step to see them" in notice
    window.plot_area.fit_view()
    assert loss.visible_x_range()[1] < 25  # not a 600-step axis with the epochs squashed at 0
    qtbot.waitUntil(lambda: window.runs_panel.find_item("run", key) is not None)
    # compact in the narrow "Last" column, in full in its tooltip (QA2 4)
    item = window.runs_panel.find_item("run", key)
    assert item.text(1) == "20 ep · 20 st" and item.toolTip(1) == "20 epochs, 20 steps"
    window.set_x_mode("step")
    assert loss.axis.labelText == "step"
    s = spec_for(window, "loss", "validation/evaluation_loss_vs_iterations")
    assert s.data.x[0] == 30 and s.data.x[-1] == 600
    assert [x.data.metric for x in loss.specs()] == ["validation/evaluation_loss_vs_iterations"]
    assert "4 curves not drawn on the step axis" in window.plot_area.notice_text()


def test_keras_and_lightning_runs_share_the_epoch_axis(qtbot, window, corpus_dir):
    keras = corpus_dir / "030_dm2020_overfit_training_log.csv"
    lightning = corpus_dir / "045_pinnforem_nan_lightning_metrics.csv"
    _open(qtbot, window, keras, lightning)
    assert window.plot_area.axis_kind == "epoch" and window.plot_area.notice_text() == ""
    run = analysis.load(str(lightning))[0]
    s = spec_for(window, "loss", "mean_loss")
    np.testing.assert_array_equal(s.data.x, run["mean_loss"].epoch)
    x0, x1 = window.plot_area.plot("loss").visible_x_range()
    assert x1 <= 1.05 * float(np.nanmax(run["mean_loss"].epoch)) + 1  # epochs, not steps


def test_many_runs_keep_a_compact_legend_and_labels_apart(qtbot, window, zoo_dir):
    """QA 11: 16 zoo runs; the legend stays in its two-row strip above the plot, NaN labels
    of runs that blew up at the same epoch are merged, labels never overlap."""
    logs = sorted(zoo_dir.glob("*/training.log"))
    assert len(logs) == 16
    _open(qtbot, window, *logs)
    window.resize(1400, 900)
    qtbot.wait(50)
    for fam in ("loss", "score"):
        p = window.plot_area.plot(fam)
        bar = p.legend_bar
        assert len(bar.texts()) == 2 + 16  # key + one entry per run
        assert bar.shown_texts()[:2] == ["training", "validation"]  # the key always shows
        n_more = len(bar.texts()) - len(bar.shown_texts())
        assert n_more > 0 and bar.more_text() == f"+{n_more} more"
        assert bar.height() <= 2 * (bar.fontMetrics().height() + 4)
        assert bar.geometry().bottom() < p.pw.geometry().top()
        shown = [lab for lab, _x, _p in p._labels if lab.isVisible()]
        rects = [lab.sceneBoundingRect() for lab in shown]
        view = p.pi.vb.sceneBoundingRect()
        for i, r in enumerate(rects):
            assert view.contains(r.center())
            assert not any(r.intersects(o) for o in rects[i + 1 :]), [
                lab.toPlainText() for lab in shown
            ]
    texts = [t for t, _ in window.plot_area.plot("loss").marker_labels()]
    assert len(texts) == len(set(texts))
    # one label per (value, x): runs that hit NaN at the same epoch share it
    nan_at = {}
    for s in window.plot_area.plot("loss").specs():
        bad = ~np.isfinite(s.data.y)
        if bad.any():
            nan_at.setdefault(float(s.data.x[int(np.argmax(bad))]), set()).add(s.data.metric)
    assert len([t for t in texts if " from " in t]) == len(nan_at)


def test_marker_labels_at_one_x_are_merged_and_listed_in_the_readout(qtbot, window, corpus_dir):
    f = corpus_dir / "045_pinnforem_nan_lightning_metrics.csv"
    _open(qtbot, window, f)
    p = window.plot_area.plot("loss")
    bad = [s for s in p.specs() if not np.isfinite(s.data.y).all()]
    xs = {float(s.data.x[int(np.argmax(~np.isfinite(s.data.y)))]) for s in bad}
    assert len(bad) == 5 and len(xs) == 1  # five losses turn NaN at the same point
    x_nan = xs.pop()
    where = "NaN from " + format_x(x_nan, "epoch")
    labels = [(t, shown) for t, shown in p.marker_labels() if "NaN" in t]
    details = [d for d in p.marker_details() if "NaN" in d]
    assert len(labels) == 1 and len(details) == 1
    # the full list in the tooltip/readout; on screen the longest form that fits inside
    # the view (QA2: "_loss, Dielectric_Air_loss +3 more NaN from 218" cut at the left)
    assert details[0] == where + ": " + ", ".join(s.data.metric for s in bad)
    text, shown = labels[0]
    assert shown and text.endswith(where)
    assert text in (
        f"{bad[0].data.metric}, {bad[1].data.metric} +3 more {where}",
        f"{bad[0].data.metric} +4 more {where}",
        f"5 curves {where}",
        where,
    )
    lab = next(lab for lab, _x, _p in p._labels if "NaN" in lab.toPlainText())
    assert p.pi.vb.sceneBoundingRect().contains(lab.sceneBoundingRect())
    window.plot_area.hover(float(bad[0].data.x[int(np.argmax(~np.isfinite(bad[0].data.y)))]))
    text = p.readout_text()
    assert all(s.data.metric in text for s in bad)


def test_resumed_log_is_drawn_forward_with_a_marker(qtbot, window, cases_dir):
    f = cases_dir / "case_08_csv_epoch_restart.csv"
    _open(qtbot, window, f)
    s = spec_for(window, "loss", "loss")
    assert s.data.x.tolist() == [0, 1, 2, 3, 4, 5]  # CASES.md 8: never back from 2 to 0
    assert s.data.increasing
    assert s.data.restarts.tolist() == [3.0]
    labels = [
        d.label.toPlainText() for d in window.plot_area.plot("loss")._decor if hasattr(d, "label")
    ]
    assert "resumed" in labels


def test_non_finite_values_marked_and_range_not_blown_up(qtbot, window, cases_dir):
    f = cases_dir / "case_11_csv_nan_inf.csv"
    _open(qtbot, window, f)
    window.set_smoothing(0.0)
    p = window.plot_area.plot("loss")
    labels = [d.label.toPlainText() for d in p._decor if hasattr(d, "label")]
    assert "loss inf from 5" in labels  # CASES.md 11: inf at epoch 5, NaN at 6-7
    window.plot_area.fit_view()
    qtbot.wait(50)
    _, (y0, y1) = p.pi.vb.viewRange()
    cols = read_columns(f)
    finite = [v for k in ("loss", "val_loss") for v in cols[k] if math.isfinite(v)]
    assert y1 < max(finite) * 1.5 and y0 > min(finite) * 0.5


def test_clip_to_view_set_on_plot_item_and_only_for_increasing_x(qtbot, window, corpus_dir):
    # Lightning-style epoch column: many rows share an epoch -> x not strictly increasing
    f = corpus_dir / "030_dm2020_overfit_training_log.csv"
    cols = read_columns(f)
    n = len(cols["loss"])
    epoch = np.repeat(np.arange(n // 5 + 1), 5)[:n].astype(float)
    run = Run(
        "lightning-like",
        str(f),
        "lightning-csv",
        {"train_loss": Series("train_loss", np.arange(n), cols["loss"], epoch=epoch)},
        step_kind="step",
    )
    window.store.set_file_runs("mem://lightning", [run], [[]])
    _open(qtbot, window, f, n=2)
    window.set_x_mode("epoch")
    p = window.plot_area.plot("loss")
    assert p.pi.clipToViewMode() and p.pi.downsampleMode()[1:] == (True, "peak")
    key = {e.name: e.key for e in window.store.entries.values()}
    assert p._items[(key["lightning-like"], "train_loss")].raw.opts["clipToView"] is False
    main = p._items[(key["030_dm2020_overfit_training_log"], "loss")]
    assert main.raw.opts["clipToView"] is True and main.main.opts["clipToView"] is True
    assert main.raw.opts["autoDownsample"] and main.raw.opts["downsampleMethod"] == "peak"


# -- findings ------------------------------------------------------------------------------------
def _overfit_finding(run: Run) -> Finding:
    # MANIFEST 030: val_loss min 0.824 @3 then rises steadily to 1.62 @24
    v = run.series["val_loss"].value
    return Finding(
        kind="overfitting",
        severity="warning",
        run=run.name,
        metric="val_loss",
        start=3.0,
        end=24.0,
        message=f"val_loss rose from {v[3]:.3f} at epoch 3 to {v[24]:.3f} at epoch 24 "
        "while loss kept falling",
        evidence={"best_epoch": 3, "best_val_loss": float(v[3]), "last_val_loss": float(v[24])},
        causes=("model too large for the data", "no regularization"),
        remedies=("early_stopping", "dropout", "l2"),
    )


def test_selecting_a_finding_selects_its_metric_and_shades_its_span(qtbot, window, corpus_dir):
    import analysis

    f = corpus_dir / "030_dm2020_overfit_training_log.csv"
    run = analysis.load(str(f))[0]
    finding = _overfit_finding(run)
    window.store.set_file_runs(str(f), [run], [[finding]])
    window.store.set_metric_visible(window.store.entries_in_order()[0].key, "val_loss", False)
    window.plot_area.rebuild()
    assert window.findings_panel.items()[0][1] is finding
    window.findings_panel.select(0)
    key = window.store.entries_in_order()[0].key
    # its metric is shown again, selected in the runs panel and highlighted in the plot
    assert window.store.entries[key].metric_visible("val_loss")
    cur = window.runs_panel.tree.currentItem()
    assert cur.text(0) == "val_loss"
    assert spec_for(window, "loss", "val_loss").highlighted
    spans = window.plot_area.plot("loss").spans()
    assert len(spans) == 1
    assert spans[0].getRegion() == pytest.approx((3.0, 24.0))
    assert spans[0].brush.color().alpha() == SPAN_ALPHA_SELECTED  # shaded over the full height
    assert spans[0].span == (0.0, 1.0)
    html = window.findings_panel.details.toPlainText()
    assert "Overfitting" in html and "Early stopping" in html and "best_val_loss" in html
    assert f"{run.series['val_loss'].value[3]:.3f}" in html
    assert window.findings_panel.retrain_button.isEnabled()
    qtbot.mouseClick(window.findings_panel.retrain_button, Qt.LeftButton)
    # the retrain dialog opens for this run with the finding's remedies ticked
    dlg = window.retrain_dialog
    assert dlg is not None and dlg.isVisible() and dlg.run is run
    assert set(dlg.ticked()) == {"early_stopping", "dropout", "l2"}
    assert dlg.epochs.value() == 25  # the run's epochs
    dlg.close()


def test_request_retrain_hook_from_the_menu(qtbot, window, corpus_dir):
    f = corpus_dir / "030_dm2020_overfit_training_log.csv"
    _open(qtbot, window, f)
    calls = []
    window.request_retrain = lambda run, findings: calls.append((run, findings))
    window.act_retrain.trigger()
    assert calls and calls[0][0].name == "030_dm2020_overfit_training_log"


# -- export ----------------------------------------------------------------------------------------
def test_export_png_svg_and_visible_csv(qtbot, window, corpus_dir, tmp_path):
    f = corpus_dir / "030_dm2020_overfit_training_log.csv"
    _open(qtbot, window, f)
    cols = read_columns(f)
    png, svg, out = tmp_path / "loss.png", tmp_path / "loss.svg", tmp_path / "loss.csv"
    window.export_plot("loss", str(png))
    img = QImage(str(png))
    assert not img.isNull() and img.width() >= 1200
    window.export_plot("loss", str(svg))
    text = svg.read_text()
    assert text.lstrip().startswith("<?xml") and "<svg" in text
    window.plot_area.set_x_range(10, 20)
    qtbot.wait(20)
    window.export_plot("loss", str(out))
    with open(out, newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert rows and set(rows[0]) == {"run", "metric", "epoch", "value", "smoothed"}
    val = [r for r in rows if r["metric"] == "val_loss"]
    assert [int(r["epoch"]) for r in val] == list(range(10, 21))
    assert [float(r["value"]) for r in val] == cols["val_loss"][10:21]
    sm = smooth(np.array(cols["val_loss"]), 0.6)[10:21]
    np.testing.assert_allclose([float(r["smoothed"]) for r in val], sm)


# -- live files ---------------------------------------------------------------------------------
def test_appended_epochs_appear_and_the_run_turns_live(qtbot, window, zoo_dir, tmp_path):
    src = zoo_dir / "overfit_digits_small" / "training.log"
    lines = src.read_text().splitlines(keepends=True)
    dst = tmp_path / "run" / "training.log"
    dst.parent.mkdir()
    dst.write_text("".join(lines[:11]))  # header + 10 epochs
    _open(qtbot, window, dst)
    assert len(spec_for(window, "loss", "loss").data) == 10
    assert not window.store.files[str(dst)].live
    with open(dst, "a") as fh:
        fh.write("".join(lines[11:16]))  # a running fit() appends 5 epochs
    qtbot.waitUntil(lambda: len(spec_for(window, "loss", "loss").data) == 15, timeout=5000)
    assert window.store.files[str(dst)].live
    assert "live" in window.live_label.text()
    assert window.runs_panel.tree.topLevelItem(0).text(1) == "● live"
    cols = read_columns(src)
    np.testing.assert_allclose(spec_for(window, "loss", "loss").data.y, cols["loss"][:15])
    # findings were re-evaluated on the grown run
    e = window.store.entries_in_order()[0]
    assert e.findings == diagnose(analysis.load(str(dst))[0])
    tail = window.loader._tails.get(str(dst))
    if tail is not None:  # the readers' incremental tail reader follows the file
        assert tail.kind == "table"


# -- bad input ------------------------------------------------------------------------------------
def test_unreadable_file_reports_one_line_and_the_app_carries_on(
    qtbot, window, corpus_dir, tmp_path
):
    bad = tmp_path / "broken_history.json"
    bad.write_bytes(b'{"loss": [0.9, 0.7, \x00\x01\xff')
    missing = tmp_path / "nope.csv"
    good = corpus_dir / "030_dm2020_overfit_training_log.csv"
    window.open_paths([str(bad), str(missing), str(good)])
    wait_loaded(qtbot, window, 1)
    msgs = [t for lvl, t in window.messages_panel.messages() if lvl == "error"]
    assert any(t.startswith(str(bad)) for t in msgs), msgs
    assert any(t.startswith(str(missing)) and "no such file" in t for t in msgs)
    assert all("\n" not in t and "Traceback" not in t for t in msgs)
    assert window.messages_dock.isVisible()
    assert list(window.store.files) == [str(good)]  # the broken file is not left "loading"
    # ... and the app keeps working
    _open(qtbot, window, corpus_dir / "001_akboles_speaker250_training.log", n=2)
    assert len(window.store.entries) == 2


def test_drop_files_and_folders(qtbot, window, zoo_dir):
    paths = [zoo_dir / "healthy_wine" / "training.log", zoo_dir / "overfit_digits_small"]
    md = QMimeData()
    md.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    ev = QDropEvent(QPointF(300, 300), Qt.CopyAction, md, Qt.LeftButton, Qt.NoModifier)
    window.dropEvent(ev)
    wait_loaded(qtbot, window, 2)
    names = {e.name for e in window.store.entries.values()}
    assert "healthy_wine" in names
    assert any(n.startswith("overfit_digits_small") for n in names)


# -- runs panel ------------------------------------------------------------------------------
def test_rename_recolour_hide_reload_remove(qtbot, window, corpus_dir):
    f = corpus_dir / "030_dm2020_overfit_training_log.csv"
    _open(qtbot, window, f)
    key = window.store.entries_in_order()[0].key
    item = window.runs_panel.find_item("run", key)
    item.setText(0, "baseline")
    assert window.store.entries[key].name == "baseline"
    window.store.set_color(key, "#123456")
    window.plot_area.rebuild()
    assert all(s.color == "#123456" for s in window.plot_area.plot("loss").specs())
    window.runs_panel.find_item("metric", key, "val_loss").setCheckState(0, Qt.Unchecked)
    window.plot_area.rebuild()
    assert [s.data.metric for s in window.plot_area.plot("loss").specs()] == ["loss"]
    window.reload_all()
    wait_loaded(qtbot, window, 1)
    e = window.store.entries_in_order()[0]
    assert (e.key, e.name, e.color) == (key, "baseline", "#123456")
    assert "val_loss" in e.hidden_metrics and e.version == 1
    window.close_path(str(f))
    window.plot_area.rebuild()
    assert not window.store.entries and window.plot_area.stack.currentIndex() == 0


def test_hover_readout_lists_every_visible_series_raw_value(qtbot, window, corpus_dir):
    f = corpus_dir / "030_dm2020_overfit_training_log.csv"
    _open(qtbot, window, f)
    cols = read_columns(f)
    window.plot_area.hover(7.2)
    text = window.plot_area.plot("loss").readout_text()
    assert "epoch 7" in text
    assert f"<b>{cols['loss'][7]:.5g}</b>" in text
    assert f"<b>{cols['val_loss'][7]:.5g}</b>" in text
    assert "smoothed" in text
    assert window.plot_area.plot("loss").vline.value() == 7
    score = window.plot_area.plot("score").readout_text()
    assert f"<b>{cols['val_accuracy'][7]:.5g}</b>" in score
    window.plot_area.hover(math.nan)
    assert window.plot_area.plot("loss").readout_text() == ""


def test_reload_shortcut_reads_every_file_again(qtbot, window, corpus_dir):
    f = corpus_dir / "030_dm2020_overfit_training_log.csv"
    _open(qtbot, window, f)
    assert window.act_reload.shortcut().toString() == "Ctrl+R"
    assert window.act_open.shortcut().toString() == "Ctrl+O"
    qtbot.keyClick(window, Qt.Key_R, Qt.ControlModifier)
    wait_loaded(qtbot, window, 1)
    assert window.store.entries_in_order()[0].version == 1
    assert "Reloaded" in window.status_label.text()


def test_fit_view_shortcut_restores_the_full_range(qtbot, window, corpus_dir):
    f = corpus_dir / "030_dm2020_overfit_training_log.csv"
    _open(qtbot, window, f)
    p = window.plot_area.plot("loss")
    window.plot_area.set_x_range(3, 4)
    qtbot.wait(20)
    qtbot.keyClick(window, Qt.Key_F)
    qtbot.wait(20)
    x0, x1 = p.visible_x_range()
    assert x0 <= 0 and x1 >= 24


# -- settings ----------------------------------------------------------------------------------
def test_settings_persist_across_windows(qtbot, make_window, corpus_dir, settings_dir):
    f = corpus_dir / "030_dm2020_overfit_training_log.csv"
    w1 = make_window()
    _open(qtbot, w1, f)
    w1.set_smoothing(0.35)
    w1.set_x_mode("step")
    w1.set_log_y("loss", True)
    w1.findings_dock.hide()  # dock layout is saved too
    w1.runs_dock.hide()
    qtbot.wait(20)
    w1.resize(700, 500)  # within the offscreen screen (800x600): restore clamps to it
    qtbot.wait(20)
    assert (w1.width(), w1.height()) == (700, 500)
    w1.close()
    assert list(settings_dir.rglob("*.ini")), "settings were not written to the temp folder"
    w2 = make_window()
    assert w2.settings.recent[0] == str(f)
    assert w2.smooth_slider.value() == 35 and w2.plot_area.weight == pytest.approx(0.35)
    assert w2.x_combo.currentData() == "step"
    assert w2.plot_area.log_y("loss") and w2.plot_area.log_y("lr")
    assert (w2.width(), w2.height()) == (700, 500)
    assert not w2.findings_dock.isVisible() and not w2.runs_dock.isVisible()


def test_folder_of_logs_opens_every_log_in_it(qtbot, window, zoo_dir, tmp_path):
    d = tmp_path / "runs"
    for name in ("healthy_wine", "overfit_digits_small"):
        (d / name).mkdir(parents=True)
        shutil.copy(zoo_dir / name / "training.log", d / name / "training.log")
    _open(qtbot, window, d)
    assert len(window.store.entries) >= 2
    assert all(e.path == str(d) for e in window.store.entries.values())


def test_mouse_over_a_plot_moves_the_crosshair_in_every_plot(qtbot, window, corpus_dir):
    f = corpus_dir / "030_dm2020_overfit_training_log.csv"
    _open(qtbot, window, f)
    p = window.plot_area.plot("loss")
    vb = p.pi.vb
    target = p.pw.mapFromScene(vb.mapViewToScene(QPointF(12.0, 1.0)))
    qtbot.mouseMove(p.pw.viewport(), target)
    qtbot.waitUntil(lambda: p.readout_text() != "", timeout=2000)
    assert p.vline.value() == pytest.approx(12, abs=1)
    assert window.plot_area.plot("score").vline.isVisible()  # linked crosshair
