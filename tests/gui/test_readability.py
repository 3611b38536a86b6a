"""What the window shows: readable run names at the default size, a retrain
dialog usable on small screens, axis text that never overprints, the metrics of one run
told apart, marker labels inside the view, quiet messages, dataset findings after a
retrain, spans, job order, live runs' raw values."""

from __future__ import annotations

import json
import re
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest
from gui_helpers import FAKE_WORKER, read_columns, spec_for, use_fake_worker, wait_loaded
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QFontMetrics, QImage, QPainter
from PySide6.QtWidgets import QAbstractSpinBox

import analysis
from gui.main_window import DEFAULT_SIZE, default_dock_widths
from gui.runs_panel import elide_name, shared_affixes, shared_prefixes

ROOT = Path(__file__).resolve().parents[2]


def _open(qtbot, w, *paths, n=None):
    w.open_paths([str(p) for p in paths])
    wait_loaded(qtbot, w, n if n is not None else len(paths))


def _painted_runs(qtbot, w):
    """Run rows of the runs panel as painted: [(full name, painted text)]."""
    panel = w.runs_panel
    panel.sync()
    panel.tree.viewport().grab()  # paints every visible row through the delegate
    out = []
    for e in w.store.entries_in_order():
        it = panel.find_item("run", e.key)
        if not panel.tree.viewport().rect().intersects(panel.tree.visualItemRect(it)):
            continue  # scrolled out of view: not painted
        out.append((it.text(0), panel.shown_name("run", e.key)))
    return out


# -- 1. runs panel ---------------------------------------------------------------------------
def _cut_parts(full: str, shown: str) -> tuple[str, str]:
    """(head, tail) of a middle cut ``head…tail`` of ``full`` (asserts it is one)."""
    if shown == full:
        return full, ""
    assert shown.count("…") == 1, (full, shown)
    head, tail = shown.split("…")
    assert full.startswith(head) and full.endswith(tail), (full, shown)
    return head, tail


def test_names_are_cut_in_the_middle_keeping_what_differs(qtbot):
    """Two retrain jobs' runs must not both read "demo-retrain-2026112…", nor their file
    rows end the same way."""
    from PySide6.QtGui import QFont

    fm = QFontMetrics(QFont())
    width = fm.horizontalAdvance("0123456789012345")
    runs = ["demo-retrain-20261129-225639", "demo-retrain-20261129-225709", "demo"]
    aff = shared_affixes(runs)
    shown = [elide_name(n, fm, width, a) for n, a in zip(runs, aff, strict=True)]
    assert shown[2] == "demo"
    for full, s in zip(runs[:2], shown[:2], strict=True):
        head, tail = _cut_parts(full, s)
        assert head.startswith("demo") and tail.endswith(full[-6:])  # the time of day
    files = [f"{r}/training.log" for r in runs[:2]]
    aff = shared_affixes(files)
    shown = [elide_name(n, fm, width, a) for n, a in zip(files, aff, strict=True)]
    assert shown[0] != shown[1]
    for full, s in zip(files, shown, strict=True):
        _head, tail = _cut_parts(full, s)
        assert full[25:28] in tail  # "639" / "709": where the two names differ
    # names that differ at the start keep a head and a tail, as Qt's middle cut
    names = ["001_akboles_speaker250_training", "002_akboles_training"]
    assert shared_prefixes(names) == [2, 2]  # "00"
    aff = shared_affixes(names)
    a = elide_name(names[0], fm, width, aff[0])
    head, tail = _cut_parts(names[0], a)
    assert head.startswith("001") and len(tail) >= 3
    assert elide_name("loss", fm, width, ()) == "loss"


def test_run_names_are_readable_at_the_default_size(qtbot, window, corpus_dir, zoo_dir):
    """At 1400x900 run names must not shrink to "0…g" or "run…ing": the docks take a share
    of the window, names are cut in the middle, never alike."""
    window.resize(*DEFAULT_SIZE)
    _open(qtbot, window, corpus_dir, zoo_dir)
    qtbot.wait(50)
    assert abs(window.runs_dock.width() - default_dock_widths(DEFAULT_SIZE[0])[0]) <= 12
    painted = _painted_runs(qtbot, window)
    assert len(painted) >= 20
    for full, shown in painted:
        # the start and the end of every name are on screen
        head, tail = _cut_parts(full, shown)
        assert len(head) >= min(len(full), 5) and (shown == full or len(tail) >= 5), shown
    shown = [s for _, s in painted]
    assert len(set(shown)) == len(shown)  # no two rows look the same
    # the full name in the tooltip, with the reader's notes
    e = window.store.entries_in_order()[0]
    tip = window.runs_panel.find_item("run", e.key).toolTip(0)
    assert tip.splitlines()[0] == e.name and e.run.source in tip
    # names as the readers give them (the CLI shows the same)
    names = {e.name for e in window.store.entries_in_order()}
    assert "healthy_wine" in names and "001_akboles_speaker250_training" in names


def test_file_rows_and_run_names_for_generic_logs(qtbot, window, zoo_dir):
    logs = [
        zoo_dir / "healthy_wine" / "training.log",
        zoo_dir / "overfit_digits_small" / "training.log",
    ]
    _open(qtbot, window, *logs)
    panel = window.runs_panel
    files = [panel.tree.topLevelItem(i).text(0) for i in range(panel.tree.topLevelItemCount())]
    assert files == ["healthy_wine/training.log", "overfit_digits_small/training.log"]
    assert (
        [e.name for e in window.store.entries_in_order()]
        == [analysis.load(str(p))[0].name for p in logs]
        == ["healthy_wine", "overfit_digits_small"]
    )


def test_same_run_name_from_two_inputs_gets_its_folder(qtbot, window, zoo_dir, tmp_path):
    for d in ("a", "b"):
        (tmp_path / d / "exp").mkdir(parents=True)
        shutil.copy(
            zoo_dir / "healthy_wine" / "training.log", tmp_path / d / "exp" / "training.log"
        )
    _open(qtbot, window, tmp_path / "a" / "exp" / "training.log")
    _open(qtbot, window, tmp_path / "b" / "exp" / "training.log", n=2)
    assert [e.name for e in window.store.entries_in_order()] == ["a/exp", "b/exp"]


# -- 2. retrain dialog on small screens ------------------------------------------------------
@pytest.mark.parametrize("screen", [(800, 600), (1024, 768), (1366, 768)])
def test_retrain_dialog_value_boxes_are_reachable_on_small_screens(qtbot, demo_dir, screen):
    """Below ~1140 px the right column (learning rate, L2, dropout boxes) must not be cut off."""
    from gui.retrain_dialog import MAX_SCREEN_FRACTION, RetrainDialog

    run = analysis.load(str(demo_dir / "training.log"))[0]
    dlg = RetrainDialog(
        None,
        run=run,
        dataset=demo_dir / "data.csv",
        label="target",
        check_dataset=lambda p, label: [],
    )
    qtbot.addWidget(dlg)
    dlg.show()
    w_scr, h_scr = screen
    dlg._fit_screen(avail=QRect(0, 0, w_scr, h_scr))
    qtbot.wait(20)
    assert dlg.width() <= MAX_SCREEN_FRACTION * w_scr + 1
    assert dlg.height() <= MAX_SCREEN_FRACTION * h_scr + 1
    assert dlg.scroll.horizontalScrollBarPolicy() == Qt.ScrollBarAsNeeded
    content = dlg.scroll.widget()
    view_w = dlg.scroll.viewport().width()
    hbar = dlg.scroll.horizontalScrollBar()
    boxes = [w for ws in dlg.remedy_values.values() for w in ws]
    boxes += [dlg.learning_rate, dlg.epochs, dlg.batch_size]
    for b in boxes:
        right = b.mapTo(content, b.rect().topRight()).x()
        # inside the viewport, or reachable with the horizontal scroll bar
        assert right <= view_w + hbar.maximum(), (b, right, view_w, hbar.maximum())
        if isinstance(b, QAbstractSpinBox):  # the whole value is readable
            edit = b.lineEdit()
            assert edit.width() >= edit.fontMetrics().horizontalAdvance(b.text()) + 2, b.text()
    # two columns where they fit beside the dialog's margins and its vertical scroll bar,
    # one column below
    bar = dlg.scroll.verticalScrollBar().sizeHint().width()
    fits = dlg.two_column_width() + 24 + bar <= w_scr * MAX_SCREEN_FRACTION
    assert dlg.single_column() != fits


# -- 3. axis text ----------------------------------------------------------------------------
def _tick_texts(plot):
    img = QImage(10, 10, QImage.Format_ARGB32)
    p = QPainter(img)
    try:
        _axis, _ticks, texts = plot.yaxis.generateDrawSpecs(p)
    finally:
        p.end()
    return [(rect, text) for rect, _flags, text in texts]


def test_log_y_tick_labels_never_overprint_and_the_title_is_clear(qtbot, window, zoo_dir):
    """Tick labels 0.9/0.8/0.7... never print over each other, nor "learning rate" over
    "0.0001"."""
    f = zoo_dir / "overfit_digits_small" / "training.log"
    loss = read_columns(f)["loss"]
    assert max(loss) / min(loss) > 50  # two decades: minor ticks 2..9 of each decade
    window.resize(*DEFAULT_SIZE)
    _open(qtbot, window, f)
    window.set_log_y("loss", True)
    window.set_log_y("lr", True)
    qtbot.wait(50)
    for fam in ("loss", "score", "lr"):
        plot = window.plot_area.plot(fam)
        if not plot.has_curves():
            continue
        texts = _tick_texts(plot)
        assert texts, fam
        rects = [r for r, _t in texts]
        for i, r in enumerate(rects):
            assert not any(r.intersects(o) for o in rects[i + 1 :]), (fam, [t for _r, t in texts])
        # the rotated title sits left of every tick label
        title = plot.yaxis.label.mapRectToParent(plot.yaxis.label.boundingRect())
        assert all(title.right() <= r.left() + 1 for r in rects), (fam, title, rects)
    # stacked plots share one axis width, so their x axes line up
    widths = {round(p.yaxis.width()) for p in window.plot_area.visible_plots()}
    assert len(widths) == 1


def test_thin_log_labels_keep_a_label_height_between_labels():
    from gui.axes import thin_log_labels

    values = [float(np.log10(m * 10.0**k)) for k in (-2, -1) for m in range(1, 10)]
    keep = thin_log_labels(values, px_per_decade=150.0, text_px=12.0)
    kept = [v for v, k in zip(values, keep, strict=True) if k]
    assert -2.0 in kept and -1.0 in kept  # decades first
    assert float(np.log10(5e-2)) in kept  # then the 1-2-5 series where there is room
    gaps = np.diff(sorted(kept)) * 150.0
    assert gaps.min() >= 12.0 + 3


def test_log_tick_labels_use_one_style_per_range():
    from gui.axes import log_tick_label

    labels = [log_tick_label(np.log10(x)) for x in (300, 30, 7, 0.05, 1e-3, 2e-5, 1e-6, 2e6)]
    assert labels == ["300", "30", "7", "0.05", "0.001", "2·10⁻⁵", "10⁻⁶", "2·10⁶"]


# -- 4. several metrics of one run -----------------------------------------------------------
def test_metrics_of_one_run_are_told_apart(qtbot, window, corpus_dir):
    """The five losses (and the scores) of one Lightning metrics file are told apart."""
    _open(qtbot, window, corpus_dir / "045_pinnforem_nan_lightning_metrics.csv")
    plot = window.plot_area.plot("loss")
    styles = []
    for it in plot._items.values():
        item = it.main if it.main is not None else it.raw
        pen = item.opts["pen"]
        styles.append((pen.color().name(), tuple(pen.dashPattern()) if pen.style() else ()))
    assert len(styles) == 5 and len(set(styles)) == 5
    colors = {c for c, _ in styles}
    assert len(colors) == 5  # five shades of the run's colour
    legend = plot.legend_bar.entries()
    assert len({(e.color, e.variant) for e in legend}) == 5

    # with another run open: per-metric legend entries for the run with several losses,
    # one entry for the run with one loss (and its val_loss)
    _open(qtbot, window, corpus_dir / "036_braintumor_seg_valacc_stuck_training.log", n=2)
    e045, e036 = window.store.entries_in_order()
    texts = plot.legend_bar.texts()
    assert texts[:2] == ["training", "validation"]
    for it in plot._items.values():
        if it.spec.key == e045.key:
            assert f"{e045.name} · {it.spec.data.metric}" in texts, texts
    assert e036.name in texts
    score = window.plot_area.plot("score")
    # the readout names every series with its own colour
    window.plot_area.hover(3.0)
    html = score.readout_text()
    rows = dict(
        (name, color)
        for color, name in re.findall(
            r"<tr><td style='color:(#[0-9a-f]{6})'>.</td><td[^>]*>([^<]+)<", html
        )
    )
    assert "val_dice_coef" in rows and "dice_coef" in rows
    pens = {s.data.metric: s.pen_color for s in score.specs()}
    assert all(rows[m] == pens[m] for m in rows)
    assert len({pens[m] for m in rows if not m.startswith("val_")}) == len(
        [m for m in rows if not m.startswith("val_")]
    )


# -- 5. marker labels ------------------------------------------------------------------------
def test_resumed_labels_are_merged_not_stacked(qtbot, window, corpus_dir):
    """A run with four segments showed "resumed" three times, stacked."""
    window.resize(*DEFAULT_SIZE)
    _open(qtbot, window, corpus_dir)
    qtbot.wait(50)
    for fam in ("loss", "score"):
        p = window.plot_area.plot(fam)
        resumed = [lab for lab, _x, _p in p._labels if lab.toPlainText().startswith("resumed")]
        shown = [lab for lab in resumed if lab.isVisible()]
        assert shown, fam
        view = p.pi.vb.sceneBoundingRect()
        rects = [lab.sceneBoundingRect() for lab in shown]
        for i, r in enumerate(rects):
            assert view.contains(r)
            assert not any(r.intersects(o) for o in rects[i + 1 :])
        # lines close together share one label that counts them
        if len(shown) < len(resumed):
            merged = [lab.toPlainText() for lab in shown if "×" in lab.toPlainText()]
            n = sum(int(t.split("×")[1]) for t in merged) + len(shown) - len(merged)
            assert n == len(resumed)
    # every shown label (NaN, best epoch, resumed) lies inside its view
    for p in window.plot_area.visible_plots():
        view = p.pi.vb.sceneBoundingRect()
        for lab, _x, _p in p._labels:
            if lab.isVisible():
                assert view.contains(lab.sceneBoundingRect()), lab.toPlainText()


# -- 6. messages, exit code, dataset findings, spans, jobs -------------------------------------
def test_routine_reader_notes_stay_out_of_the_messages_panel(qtbot, window, zoo_dir, cases_dir):
    """Notes every CSVLogger file has ("CRLF line endings", "x axis column 'epoch'
    excluded") stay in the run's tooltip, not in Messages. Validation every Nth epoch is
    worth a message."""
    f = zoo_dir / "healthy_wine" / "training.log"
    notes = analysis.load(str(f))[0].notes
    assert "CRLF line endings" in notes
    _open(qtbot, window, f, cases_dir / "case_10_csv_validation_freq_NA.csv")
    texts = [t for _lvl, t in window.messages_panel.messages()]
    assert not any("CRLF" in t or "x axis column" in t for t in texts), texts
    assert any("validation_freq=3" in t for t in texts), texts
    e = window.store.entries_in_order()[0]
    tip = window.runs_panel.find_item("run", e.key).toolTip(0)
    assert all(n in tip for n in notes)


def test_dataset_findings_addressed_by_a_completed_job(qtbot, window, demo_dir, tmp_path):
    """After a retrain that applied their remedies, the dataset findings must not look
    unresolved (nor like findings of the new run)."""
    use_fake_worker(window, delay=0.01)
    window.retrain_output_root = str(tmp_path / "jobs")
    window.open_demo()
    wait_loaded(qtbot, window, 1)
    qtbot.waitUntil(lambda: bool(window.store.dataset_findings), timeout=15000)
    data = next(iter(window.store.dataset_findings))
    kinds = {f.kind for f in window.store.dataset_findings[data]}
    assert {"unscaled_features", "class_imbalance"} <= kinds
    panel = window.findings_panel
    rows = panel.tree
    before = [rows.topLevelItem(i).text(1) for i in range(rows.topLevelItemCount())]
    assert any(t.startswith(f"dataset {Path(data).name}") for t in before)
    entry = window.store.entries_in_order()[0]
    window.request_retrain(entry.run, list(entry.findings))
    dlg = window.retrain_dialog
    assert {"standardize", "class_weight"} <= set(dlg.ticked())
    dlg._start()
    job = window.job_runner.jobs[0]
    with qtbot.waitSignal(window.jobs_panel.comparisonReady, timeout=60_000):
        pass
    assert job.state == "completed"
    fs = window.store.dataset_findings[data]
    applied = set(job.spec.remedies.active())
    for f in fs:
        by = window.store.addressed_by(f)
        assert by == (job.name if applied & set(f.remedies) else None), (f.kind, f.remedies)
    # listed after the open findings, saying which job addressed them
    items = panel.items()
    n = len(items)
    texts = [rows.topLevelItem(i).text(1) for i in range(n)]
    done = [i for i, t in enumerate(texts) if f"addressed by {job.name}" in t]
    assert done and done == list(range(n - len(done), n))
    assert f"{len(done)} dataset finding" in panel.summary.text()
    panel.select(done[0])
    f = panel.current()[1]
    used = ", ".join(r for r in f.remedies if r in applied)
    details = " ".join(panel.details.toPlainText().split())
    assert f"which applied {used} while training" in details
    assert (
        f"Addressed by retrain job {job.name}" in details
        and "the file itself is unchanged" in details
    )
    # metrics.json's model_input (when the job wrote one) is in the job's summary
    from gui.jobs_panel import model_input_words

    outcome = json.loads((job.output / "metrics.json").read_text())
    words = model_input_words(outcome)
    summary = window.jobs_panel.row(job).summary.text()
    assert (words in summary) if words else ("expects" not in summary)


def test_model_input_of_a_job_is_said_in_words(demo_dir):
    from gui.jobs_panel import model_input_html, model_input_words
    from retrain.data import load_dataset
    from retrain.export import describe_input
    from retrain.preparation import prepare
    from retrain.spec import read_spec

    spec = read_spec(demo_dir / "retrain.toml")
    ds = load_dataset(spec.data)
    prep = prepare(ds, spec.remedies)
    mi = describe_input(ds, prep, True)
    outcome = {"status": "completed", "model_input": mi}
    assert model_input_words(outcome) == "model.keras expects raw features"
    text = model_input_html(outcome)
    assert "mean_radius" in text and "(30 columns" in text and "StandardScaler" in text
    assert model_input_words({"status": "failed"}) == ""


def test_unselected_spans_are_strips_in_their_runs_colour(qtbot, window, corpus_dir):
    files = [
        corpus_dir / "030_dm2020_overfit_training_log.csv",
        corpus_dir / "002_akboles_training.log",
    ]
    _open(qtbot, window, *files)
    entries = window.store.entries_in_order()
    assert any(e.findings for e in entries)
    window.findings_panel.select(0)
    key, _sel = window.findings_panel.current()
    n_full = n_strips = 0
    for p in window.plot_area.visible_plots():
        for item in p.spans():
            full = getattr(item, "span", (0.0, 1.0)) == (0.0, 1.0)
            brush = getattr(item, "brush", None)
            color = brush.color().name() if brush is not None else item.pen.color().name()
            if full:
                # the selected finding: labelled with its run when several runs are drawn
                assert window.store.entries[key].name in item.span_label.toPlainText()
                n_full += 1
            else:
                assert color in {e.color for e in entries}, color
                n_strips += 1
    assert n_full == 1 and n_strips >= 1


def test_jobs_panel_lists_the_newest_job_first(qtbot, demo_dir, tmp_path):
    from gui.jobs import JobRunner
    from gui.jobs_panel import JobsPanel
    from retrain.job import worker_env
    from retrain.spec import read_spec

    env = worker_env()
    env.update(FAKE_MODE="normal", FAKE_DELAY="0.01")
    runner = JobRunner(command=lambda spec: [sys.executable, str(FAKE_WORKER), str(spec)], env=env)
    panel = JobsPanel(runner)
    qtbot.addWidget(panel)
    spec = read_spec(demo_dir / "retrain.toml")
    jobs = []
    for i in range(2):
        jobs.append(runner.submit(spec, output=tmp_path / f"job{i}"))
        assert jobs[-1].output == tmp_path / f"job{i}"
    assert panel.shown_jobs() == jobs[::-1]
    runner.shutdown()


# -- 7. live runs --------------------------------------------------------------------------
def test_live_run_shows_raw_values_and_point_markers(qtbot, window, zoo_dir, tmp_path):
    """At epoch 6 of a live run the raw loss was 0.066 and the smoothed line 0.14: the
    runs panel and the readout give the raw value; the points are drawn."""
    src = zoo_dir / "overfit_digits_small" / "training.log"
    lines = src.read_text().splitlines(keepends=True)
    dst = tmp_path / "run1" / "training.log"
    dst.parent.mkdir()
    dst.write_text("".join(lines[:4]))
    _open(qtbot, window, dst)
    with open(dst, "a") as fh:
        fh.write("".join(lines[4:8]))  # 7 epochs: smoothed from here on
    qtbot.waitUntil(lambda: len(spec_for(window, "loss", "loss").data) == 7, timeout=5000)
    assert window.store.files[str(dst)].live
    raw = read_columns(src)["loss"][:7]
    s = spec_for(window, "loss", "loss")
    assert s.data.smoothed is not None and s.data.smoothed[-1] != pytest.approx(raw[-1])
    from gui.axes import format_value

    e = window.store.entries_in_order()[0]
    window.runs_panel.sync()
    assert window.runs_panel.find_item("metric", e.key, "loss").text(1) == format_value(raw[-1])
    window.plot_area.hover(6.0)
    html = window.plot_area.plot("loss").readout_text()
    assert f"<b>{format_value(raw[-1])}</b>" in html
    assert f"smoothed {format_value(float(s.data.smoothed[-1]))}" in html
    item = next(it for it in window.plot_area.plot("loss")._items.values() if it.spec is s)
    assert item.raw.opts["symbol"] == "o" and item.raw.opts["symbolBrush"] is not None
