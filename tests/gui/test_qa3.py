"""QA round 3, the window: inside small screens, plots with most of the width, a colour
per run, names told apart, an honest status bar, the retrain dialog keeping its errors,
outliers ignored in chart scaling, NaN last values, the before/after table, live files."""

from __future__ import annotations

import math
import os
import shutil
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from gui_helpers import read_columns, use_fake_worker, wait_loaded
from PySide6.QtCore import QRect

import analysis
from gui.axes import OUTLIER_QUANTILES, format_value, robust_y_range
from gui.main_window import DOCK_FRACTION, PLOTS_MIN_FRACTION, default_dock_widths
from gui.plot_area import MAX_STRIP_RUNS
from gui.plot_panel import MIN_PLOT_HEIGHT
from gui.theme import MUTED, RUN_COLORS

ROOT = Path(__file__).resolve().parents[2]


def _open(qtbot, w, *paths, n=None):
    w.open_paths([str(p) for p in paths])
    wait_loaded(qtbot, w, n if n is not None else len(paths))


def _sized_window(qtbot, make_window, width: int, height: int):
    """A window shown at ``width`` x ``height`` (the size a small screen gives it)."""
    w = make_window(show=False)
    w.resize(width, height)
    w.show()
    qtbot.waitExposed(w)
    qtbot.wait(20)
    return w


def _truncated_json(tmp_path: Path, zoo_dir: Path) -> Path:
    """A Keras history.json cut off mid-file (an unreadable log that opens the Messages)."""
    text = (zoo_dir / "healthy_wine" / "history.json").read_text()
    bad = tmp_path / "trunc" / "history.json"
    bad.parent.mkdir()
    bad.write_text(text[: len(text) // 2])
    return bad


# -- 1. the window stays inside the screen -------------------------------------------------
@pytest.mark.parametrize("screen", [(1024, 640), (1366, 768)])
def test_window_stays_inside_small_screens(
    qtbot, make_window, corpus_dir, zoo_dir, tmp_path, screen
):
    """QA3 1: zoo -> 1024x673 on a 1024x640 screen; corpus -> minimum 1087x695, 1087x832
    with the Messages dock; 1366x832 on 1366x768 with every x-axis title cut off."""
    sw, sh = screen
    w = _sized_window(qtbot, make_window, sw, sh)
    _open(qtbot, w, zoo_dir)
    assert (w.width(), w.height()) == (sw, sh)
    w.close_all()
    _open(qtbot, w, corpus_dir)
    bad = _truncated_json(tmp_path, zoo_dir)
    w.open_paths([str(bad)])
    qtbot.waitUntil(lambda: w.messages_dock.isVisible() and not w.loader.busy, timeout=15000)
    assert any(t.startswith(str(bad)) for lvl, t in w.messages_panel.messages() if lvl == "error")
    qtbot.wait(50)
    assert (w.width(), w.height()) == (sw, sh)
    hint = w.minimumSizeHint()
    assert hint.width() <= sw and hint.height() <= sh, hint
    # every plot whole (x-axis title included): in view, or reachable by scrolling the plots
    area = w.plot_area
    content = area.scroll.widget()
    reach = area.scroll.viewport().height() + area.scroll.verticalScrollBar().maximum()
    for p in area.visible_plots():
        assert p.pw.height() >= MIN_PLOT_HEIGHT
        title = p.axis.label.mapRectToScene(p.axis.label.boundingRect())
        assert p.pw.sceneRect().contains(title.center())
        assert p.mapTo(content, p.rect().bottomLeft()).y() <= reach
    # the Messages dock took its height from the plots, not from the screen
    assert w.messages_dock.height() <= 0.35 * sh


# -- 2. plots get the majority of the width -------------------------------------------------
def test_plots_get_most_of_the_width_on_a_small_screen(qtbot, make_window, zoo_dir):
    """QA3 2: at 1024 px the docks kept 330 + 370 px, the plots 290; "log y chosen" was
    clipped to "log y choser"; the legend showed only its key and "+16 more"."""
    w = _sized_window(qtbot, make_window, 1024, 640)
    _open(qtbot, w, zoo_dir)
    qtbot.wait(50)
    assert w.plot_area.width() >= 0.5 * w.width()
    for d in (w.runs_dock, w.findings_dock):
        assert d.width() <= DOCK_FRACTION * 1024 + 12
    loss = w.plot_area.plot("loss")
    assert loss.notice.text().startswith("log y chosen") and not loss.notice.is_cut()
    assert loss.notice.shown_text() == loss.notice.text()
    shown = loss.legend_bar.shown_texts()
    assert len(shown) >= 3 and any(e.name in shown for e in w.store.entries_in_order())
    # run names distinguishable, full names in the tooltips
    panel = w.runs_panel
    panel.tree.viewport().grab()
    painted = [panel.shown_name("run", e.key) for e in w.store.entries_in_order()]
    painted = [p for p in painted if p is not None]
    assert len(painted) >= 10 and len(set(painted)) == len(painted)
    e = w.store.entries_in_order()[0]
    assert panel.find_item("run", e.key).toolTip(0).splitlines()[0] == e.name


def test_a_window_made_narrower_gives_the_plots_their_share(qtbot, make_window, zoo_dir):
    w = _sized_window(qtbot, make_window, 1400, 900)
    assert (w.runs_dock.width(), w.findings_dock.width()) == pytest.approx(
        default_dock_widths(1400), abs=12
    )
    _open(qtbot, w, zoo_dir)
    w.resize(1024, 700)
    qtbot.waitUntil(lambda: w.plot_area.width() >= PLOTS_MIN_FRACTION * w.width(), timeout=3000)


# -- 3. colours and finding strips ---------------------------------------------------------
def _lab(hex_color: str) -> np.ndarray:
    """sRGB -> CIELAB (D65), for colour distances (CIE76)."""
    rgb = np.array([int(hex_color[i : i + 2], 16) / 255 for i in (1, 3, 5)])
    lin = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    m = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]])
    xyz = m @ lin / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def test_twenty_runs_get_distinct_colours_never_the_keys_grey(qtbot, window, zoo_dir, corpus_dir):
    """QA3 3: with more than 10 runs colours repeated (healthy_breast_cancer = sgd_momentum's
    blue); overfit_adam_high_lr's grey was the grey of the training/validation key."""
    extra = sorted(corpus_dir.glob("0[0-3]*_*.log"))[:6]
    _open(qtbot, window, zoo_dir, *extra)
    colors = [e.color for e in window.store.entries_in_order()]
    assert len(colors) >= 20 and len(set(colors)) == len(colors)
    key = _lab(MUTED)
    labs = [_lab(c) for c in colors]
    for i, a in enumerate(labs):
        assert np.hypot(a[1], a[2]) >= 20, colors[i]  # a hue, not a grey
        assert np.linalg.norm(a - key) >= 20, colors[i]
        for j in range(i + 1, len(labs)):
            assert np.linalg.norm(a - labs[j]) >= 20, (colors[i], colors[j])
    assert len(RUN_COLORS) >= 20


def test_finding_strips_one_lane_per_run_or_none_when_crowded(qtbot, window, zoo_dir):
    """QA3 3: with many runs the strips along the bottom of the loss plot piled up with no
    key; a few runs get one lane each, in the run's colour, with a tooltip."""
    runs = ["overfit_digits_small", "nan_after_lr_jump", "healthy_wine"]
    _open(qtbot, window, *(zoo_dir / r for r in runs))
    area = window.plot_area
    with_findings = {
        e.name for e in window.store.entries_in_order() if any(f.metric for f in e.findings)
    }
    assert area.strip_runs("loss") == len(with_findings) >= 2
    tips = [it.toolTip() for it in area.plot("loss").spans()]
    assert all(any(n in t for n in with_findings) for t in tips), tips
    window.close_all()
    _open(qtbot, window, zoo_dir)
    crowded = {e.key for e in window.store.entries_in_order() if any(f.metric for f in e.findings)}
    assert len(crowded) > MAX_STRIP_RUNS
    assert area.strip_runs("loss") == 0 and not area.plot("loss").spans()
    window.findings_panel.select(0)
    full = [it for p in area.visible_plots() for it in p.spans() if _full_height(it)]
    assert len(full) == 1  # the selected finding, shaded over the plot's height
    assert all(area.strip_runs(f) <= MAX_STRIP_RUNS for f in ("loss", "score", "lr", "other"))


def _full_height(item) -> bool:
    return tuple(getattr(item, "span", (0.0, 1.0))) == (0.0, 1.0)


# -- 4. names told apart -------------------------------------------------------------------
def test_two_retrain_jobs_runs_and_files_are_told_apart(qtbot, make_window, zoo_dir, tmp_path):
    """QA3 4: ``demo-retrain-20261129-225639`` and ``…-225709`` both read
    "demo-retrain-2026112…"; their file rows too."""
    logs = []
    for t in ("225639", "225709"):
        d = tmp_path / f"demo-retrain-20261129-{t}"
        d.mkdir()
        shutil.copy(zoo_dir / "healthy_wine" / "training.log", d / "training.log")
        logs.append(d / "training.log")
    w = _sized_window(qtbot, make_window, 1024, 640)
    _open(qtbot, w, *logs)
    panel = w.runs_panel
    panel.sync()
    panel.tree.viewport().grab()
    runs = [panel.shown_name("run", e.key) for e in w.store.entries_in_order()]
    files = [panel.shown_name("file", str(p), None) for p in logs]
    for shown in (runs, files):
        assert None not in shown and shown[0] != shown[1], shown
    assert "639" in runs[0] and "709" in runs[1]
    assert "639" in files[0] and "709" in files[1]


# -- 5. status bar ------------------------------------------------------------------------------
def test_status_bar_never_stays_on_reading(qtbot, window, zoo_dir, tmp_path):
    """QA3 5: "Reading training.log (1/1)…" stayed after an ended job's log was read again
    (it replaced "CANCELLED after N epochs") and after half a CSV row was appended."""
    src = (zoo_dir / "overfit_digits_small" / "training.log").read_text().splitlines(True)
    log = tmp_path / "run" / "training.log"
    log.parent.mkdir()
    log.write_text("".join(src[:20]))
    _open(qtbot, window, log)
    path = str(log)
    # an ended job's log read again: the job's outcome stays in the status bar
    outcome = "Retrain job run CANCELLED after 19 of 30 epochs (partial run)"
    window.status(outcome)
    window._ended_job_logs.add(path)
    window.reload(path)
    assert window.status_label.text().startswith("Reading")
    qtbot.waitUntil(lambda: not window.loader.busy, timeout=10000)
    assert window.status_label.text() == outcome
    window._ended_job_logs.discard(path)
    # half a row appended to a watched log: nothing new to read, nothing "Reading"
    window.status("before")
    with open(log, "a") as fh:
        fh.write(src[20][:7])
    qtbot.wait(1500)  # the watcher polls every 400 ms
    qtbot.waitUntil(lambda: not window.loader.busy, timeout=10000)
    assert not window.status_label.text().startswith("Reading")


# -- 6. retrain dialog keeps its errors -----------------------------------------------------------
def test_start_with_a_bad_label_keeps_the_dialog_open_with_the_reason(
    qtbot, window, demo_dir, tmp_path
):
    """QA3 6: Label = mean_radius (continuous) closed the dialog; the error went to the
    Messages panel only."""
    window.retrain_output_root = str(tmp_path / "jobs")
    window.open_demo()
    wait_loaded(qtbot, window, 1)
    e = window.store.entries_in_order()[0]
    window.request_retrain(e.run, list(e.findings))
    dlg = window.retrain_dialog
    dlg.label_combo.setCurrentText("mean_radius")
    dlg._start()
    assert dlg.isVisible() and not window.job_runner.jobs
    assert "mean_radius" in dlg.error.text() and "continuous" in dlg.error.text()
    assert not window.messages_panel.messages()
    # a refusal of the job runner itself (a folder of the user's files) stays there too
    dlg.label_combo.setCurrentText("target")
    busy = tmp_path / "mine"
    busy.mkdir()
    (busy / "notes.txt").write_text("mine")
    dlg.output_dir.setText(str(busy))
    dlg._start()
    assert dlg.isVisible() and not window.job_runner.jobs
    assert "already holds other files" in dlg.error.text()
    assert (busy / "notes.txt").read_text() == "mine" and len(list(busy.iterdir())) == 1


# -- 7. ignore outliers ------------------------------------------------------------------------------
def test_outliers_are_ignored_in_chart_scaling_and_the_choice_persists(
    qtbot, make_window, corpus_dir
):
    """QA3 7: one diverging run (1e13) squashed every other loss curve onto 0."""
    w = make_window()
    assert w.act_outliers.isChecked()  # on by default, as in TensorBoard
    pinn = corpus_dir / "045_pinnforem_nan_lightning_metrics.csv"
    _open(qtbot, w, pinn, corpus_dir / "030_dm2020_overfit_training_log.csv")
    w.set_log_y("loss", False)
    w.plot_area.fit_view()
    p = w.plot_area.plot("loss")
    values = p.visible_y_values()
    lo, hi = p.pi.vb.viewRange()[1]
    biggest = float(np.nanmax(analysis.load(str(pinn))[0]["Conductor_Copper_loss"].value))
    assert biggest > 1e13 and float(values.max()) == pytest.approx(biggest)
    assert hi < biggest / 1000  # the exploding part goes off the top
    q_lo, q_hi = np.quantile(values, OUTLIER_QUANTILES)
    assert lo <= q_lo and hi >= q_hi  # the 5-95 % of the visible values is in view
    assert (lo, hi) == pytest.approx(robust_y_range(values, True))
    w.set_ignore_outliers(False)
    assert p.pi.vb.viewRange()[1][1] >= biggest  # min to max
    # persisted
    w.close()
    w2 = make_window()
    assert not w2.act_outliers.isChecked() and not w2.plot_area.ignore_outliers


def test_outlier_fence_keeps_the_start_of_learning_curves(demo_dir, corpus_dir):
    """Only values of another order of magnitude are left out: the demo's first loss (296,
    then ~0.45; 3 decades on its log axis) and its accuracy climbing to the majority rate
    stay in view; the 1e13 of corpus 045 does not."""
    cols = read_columns(demo_dir / "training.log")
    loss = np.log10(np.array(cols["loss"]))
    lo, hi = robust_y_range(loss, True, log=True)
    assert hi >= loss.max() and lo <= loss.min()
    acc = np.array(cols["accuracy"])
    assert np.quantile(acc, 0.05) > 0.8 > acc.min()  # frozen at 0.8557 after epoch 0
    lo, hi = robust_y_range(acc, True)
    assert lo <= acc.min()
    pinn = analysis.load(str(corpus_dir / "045_pinnforem_nan_lightning_metrics.csv"))[0]
    v = pinn["mean_loss"].value
    v = v[np.isfinite(v)]
    lo, hi = robust_y_range(v, True)
    assert v.max() > 1e12 and hi < v.max() / 100 and hi >= np.quantile(v, 0.95)
    assert robust_y_range(v, False)[1] >= v.max()


def test_log_y_finding_on_values_at_or_below_zero_says_so_without_warnings(
    qtbot, window, corpus_dir
):
    """QA3 7: with log y a finding on a curve whose values are <= 0 shaded nothing without a
    word, and pyqtgraph printed "All-NaN slice encountered"."""
    neg = corpus_dir / "003_ecg_negloss_training.log"
    assert max(read_columns(neg)["loss"]) < 0
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _open(qtbot, window, neg, corpus_dir / "030_dm2020_overfit_training_log.csv")
        window.set_log_y("loss", True)
        items = window.findings_panel.items()
        i = next(
            i
            for i, (k, f) in enumerate(items)
            if f.metric == "loss" and window.store.entries[k].run.source == str(neg)
        )
        window.findings_panel.select(i)
        window.grab()
        qtbot.wait(50)
        assert "≤ 0" in window.status_label.text() and "not drawn" in window.status_label.text()
        for j in range(len(items)):
            window.findings_panel.select(j)
        window.grab()
    assert not [(c.filename, c.lineno) for c in caught if "All-NaN" in str(c.message)]


# -- 8. "Last" column --------------------------------------------------------------------------------
def test_last_column_says_nan_when_the_log_ends_in_nan(qtbot, window, zoo_dir, corpus_dir):
    """QA3 8: nan_after_lr_jump showed loss 0.014937 while epochs 15-29 are NaN."""
    log = zoo_dir / "nan_after_lr_jump" / "training.log"
    cols = read_columns(log)
    loss, epochs = cols["loss"], cols["epoch"]
    first_bad = next(i for i in range(len(loss)) if all(math.isnan(v) for v in loss[i:]))
    _open(qtbot, window, log)
    e = window.store.entries_in_order()[0]
    item = window.runs_panel.find_item("metric", e.key, "loss")
    assert item.text(1) == "NaN"
    tip = item.toolTip(1)
    assert f"non-finite since epoch {int(epochs[first_bad])}" in tip
    assert f"last finite value {format_value(loss[first_bad - 1])}" in tip
    # a finite last value is shown as logged
    acc = window.runs_panel.find_item("metric", e.key, "accuracy")
    assert acc.text(1) == format_value(cols["accuracy"][-1])
    # the compact count of a run logging epochs and steps fits its column
    _open(qtbot, window, corpus_dir / "tfevents" / "01_keras_imdb", n=2)
    tree = window.runs_panel.tree
    item = next(
        window.runs_panel.find_item("run", x.key)
        for x in window.store.entries_in_order()
        if " · " in window.runs_panel.find_item("run", x.key).text(1)
    )
    assert window.runs_panel.last_column_shown()
    assert tree.header().sectionSize(1) >= tree.fontMetrics().horizontalAdvance(item.text(1))


# -- 9. before/after table -----------------------------------------------------------------------
def test_before_after_table_has_grouped_headers_and_room(qtbot, window, demo_dir, tmp_path):
    """QA3 9: "before final before best after final after best" ran together; the ~230 px
    jobs dock made the table and the gone/remains lines scroll."""
    use_fake_worker(window, delay=0.01)
    window.retrain_output_root = str(tmp_path / "jobs")
    window.open_demo()
    wait_loaded(qtbot, window, 1)
    e = window.store.entries_in_order()[0]
    window.request_retrain(e.run, list(e.findings))
    window.retrain_dialog._start()
    job = window.job_runner.jobs[0]
    with qtbot.waitSignal(window.jobs_panel.comparisonReady, timeout=60_000):
        pass
    row = window.jobs_panel.row(job)
    text = row.summary.text()
    assert "colspan=2 align=center" in text and ">before</th>" in text and ">after</th>" in text
    assert text.count(">final</th>") == 2 and text.count(">best</th>") == 2
    assert "gone: stuck_at_chance" in text
    qtbot.waitUntil(
        lambda: window.jobs_panel.scroll.verticalScrollBar().maximum() == 0, timeout=3000
    )


# -- 10. retrain dialog on a narrow screen -----------------------------------------------------
def test_retrain_dialog_fits_an_800px_screen_without_sideways_scrolling(qtbot, demo_dir):
    """QA3 10: on an 800-px screen the Browse buttons and "Gradient ste…" were cut."""
    from PySide6.QtWidgets import QCheckBox, QPushButton

    from gui.retrain_dialog import RetrainDialog

    run = analysis.load(str(demo_dir / "training.log"))[0]
    dlg = RetrainDialog(
        None, run=run, dataset=demo_dir / "data.csv", label="target", check_dataset=lambda p, lb: []
    )
    qtbot.addWidget(dlg)
    dlg.show()
    dlg._fit_screen(avail=QRect(0, 0, 800, 600))
    qtbot.wait(20)
    assert dlg.width() <= 800
    assert dlg.scroll.horizontalScrollBar().maximum() == 0
    view_w = dlg.scroll.viewport().width()
    content = dlg.scroll.widget()
    for wdg in content.findChildren(QCheckBox) + content.findChildren(QPushButton):
        if not wdg.isVisibleTo(dlg):
            continue
        right = wdg.mapTo(content, wdg.rect().topRight()).x()
        assert right <= view_w, (wdg.text(), right, view_w)
        assert wdg.width() >= wdg.sizeHint().width() - 1, wdg.text()  # its text whole


# -- 11. live files -----------------------------------------------------------------------------
def test_deleted_log_says_so_and_stops_being_live(qtbot, window, zoo_dir, tmp_path):
    src = (zoo_dir / "overfit_digits_small" / "training.log").read_text().splitlines(True)
    log = tmp_path / "run" / "training.log"
    log.parent.mkdir()
    log.write_text("".join(src[:10]))
    _open(qtbot, window, log)
    with open(log, "a") as fh:
        fh.write("".join(src[10:12]))
    qtbot.waitUntil(lambda: window.store.files[str(log)].live, timeout=5000)
    os.remove(log)
    qtbot.waitUntil(
        lambda: any("deleted or moved" in t for _l, t in window.messages_panel.messages()),
        timeout=5000,
    )
    f = window.store.files[str(log)]
    assert not f.live and "deleted or moved" in (f.error or "")
    assert "live" not in window.live_label.text()
    assert window.store.entries_in_order()  # the last read stays on screen


def test_touch_alone_does_not_make_a_log_live(qtbot, window, zoo_dir, tmp_path):
    log = tmp_path / "run" / "training.log"
    log.parent.mkdir()
    shutil.copy(zoo_dir / "overfit_digits_small" / "training.log", log)
    _open(qtbot, window, log)
    st = os.stat(log)
    os.utime(log, ns=(st.st_atime_ns, st.st_mtime_ns + 2_000_000_000))
    qtbot.wait(1500)  # the watcher polls every 400 ms
    qtbot.waitUntil(lambda: not window.loader.busy, timeout=10000)
    assert not window.store.files[str(log)].live


def test_epoch_axis_ticks_are_whole_epochs(qtbot, window, zoo_dir, tmp_path):
    """QA3 11: a 2-epoch log got ticks at 0.2, 0.4..."""
    src = (zoo_dir / "overfit_digits_small" / "training.log").read_text().splitlines(True)
    log = tmp_path / "run" / "training.log"
    log.parent.mkdir()
    log.write_text("".join(src[:3]))  # header + epochs 0 and 1
    _open(qtbot, window, log)
    window.plot_area.fit_view()
    for p in window.plot_area.visible_plots():
        (x0, x1), _ = p.pi.vb.viewRange()
        levels = p.axis.tickValues(x0, x1, p.axis.width())
        values = [v for _sp, vs in levels for v in vs]
        assert values and all(float(v).is_integer() for v in values), values


def test_window_opens_no_larger_than_the_screen(qtbot, make_window):
    """QA4 1: the first start resized to DEFAULT_SIZE (1400x900) whatever the screen; a
    window (default or restored size) larger than the screen is fitted into it."""
    w = make_window()
    avail = w.screen().availableGeometry()
    assert (avail.width(), avail.height()) == (1920, 1080)  # tests/desktop_screen.json
    w.resize(avail.width() + 600, avail.height() + 400)
    w.move(-100, 200)
    w.fit_to_screen()
    qtbot.wait(20)
    frame = w.frameGeometry()
    assert (frame.width(), frame.height()) == (avail.width(), avail.height())
    assert avail.contains(frame)


def test_first_start_on_a_1024x640_screen_opens_at_most_screen_size(tmp_path):
    """QA4 1, the real path: a fresh process on a small screen, no saved geometry."""
    import json
    import subprocess

    screen = tmp_path / "small.json"
    screen.write_text(
        json.dumps(
            {
                "screens": [
                    {
                        "name": "S",
                        "x": 0,
                        "y": 0,
                        "width": 1024,
                        "height": 640,
                        "logicalDpi": 96,
                        "logicalBaseDpi": 96,
                        "dpr": 1,
                    }
                ]
            }
        )
    )
    code = (
        "import sys; from PySide6.QtCore import QSettings; from gui.app import make_app; "
        "from gui.main_window import MainWindow; from gui.settings import Settings; "
        "app = make_app(); "
        f"w = MainWindow(Settings(QSettings({str(tmp_path / 's.ini')!r}, QSettings.IniFormat))); "
        "w.show(); [app.processEvents() for _ in range(5)]; "
        "print(w.frameGeometry().width(), w.frameGeometry().height()); w.close()"
    )
    env = {**os.environ, "QT_QPA_PLATFORM": f"offscreen:configfile={screen}"}
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    width, height = map(int, out.stdout.split())
    assert (width, height) == (1024, 640)  # the frame included


# -- one fit opened as two files ------------------------------------------------------------


@pytest.mark.parametrize("first", ["training.log", "history.json"])
def test_one_fit_opened_as_two_files_is_read_once(qtbot, make_window, zoo_dir, first):
    """QA3 13: training.log and history.json of one fit opened as files gave two runs
    (healthy_wine and healthy_wine-2) with identical curves; a folder reads them once."""
    w = make_window()
    d = zoo_dir / "healthy_wine"
    second = "history.json" if first == "training.log" else "training.log"
    _open(qtbot, w, d / first)
    w.open_paths([str(d / second)])
    wait_loaded(qtbot, w, 1)
    assert [e.run.source for e in w.store.entries_in_order()] == [str(d / first)]
    said = [t for _, t in w.messages_panel.messages() if "one fit logged twice" in t]
    assert said == [f"{d / second}: same data as {first} (one fit logged twice): read once"]


def test_the_fuller_log_of_one_fit_replaces_the_first(qtbot, make_window, zoo_dir):
    """history.json adds learning_rate to the CSVLogger log of the same fit: it is kept."""
    w = make_window()
    d = zoo_dir / "overfit_adam_high_lr_reduce_lr"
    _open(qtbot, w, d / "training.log")
    w.open_paths([str(d / "history.json")])
    wait_loaded(qtbot, w, 1)
    (entry,) = w.store.entries_in_order()
    assert entry.run.source == str(d / "history.json")
    assert "learning_rate" in entry.run.series
    assert str(d / "training.log") not in w.store.files
