"""Every panel shown alone with sample data, plus the loader and the file watcher."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

import analysis
from analysis.model import Finding
from gui.findings_panel import FindingsPanel
from gui.live import FileWatcher
from gui.loader import Loader, load_path
from gui.messages_panel import MessagesPanel
from gui.plot_area import PlotArea
from gui.runs_panel import RunsPanel
from gui.store import RunStore


@pytest.fixture
def store(qtbot):
    from gui.app import make_app

    make_app()
    return RunStore()


def _load(store, path):
    runs = analysis.load(str(path))
    store.set_file_runs(str(path), runs, [[] for _ in runs])
    return store.entries_in_order()[-1]


def test_runs_panel_alone(qtbot, store, zoo_dir):
    p = RunsPanel(store)
    qtbot.addWidget(p)
    p.show()
    e = _load(store, zoo_dir / "healthy_wine" / "training.log")
    qtbot.waitUntil(lambda: p.tree.topLevelItemCount() == 1)
    run_item = p.find_item("run", e.key)
    assert run_item.text(0) == "healthy_wine"  # the folder names a generic training.log
    assert run_item.childCount() == len(e.run.series)
    assert (
        p.find_item("metric", e.key, "val_loss").text(1)
        == f"{e.run['val_loss'].stats()['last']:.5g}"
    )
    run_item.setCheckState(0, Qt.Unchecked)
    assert not store.entries[e.key].visible
    with qtbot.waitSignal(p.reloadRequested) as sig:
        p.tree.setCurrentItem(run_item)
        p.reload_button.click()
    assert sig.args == [e.path]
    p.remove_button.click()
    assert not store.entries


def test_plot_area_alone_sorts_metrics_into_families(qtbot, store, corpus_dir):
    a = PlotArea(store)
    qtbot.addWidget(a)
    a.resize(900, 700)
    a.show()
    e = _load(store, corpus_dir / "006_ai4mars_model_history_logdef.csv")
    a.rebuild()
    fams = {fam: sorted(s.data.metric for s in a.plot(fam).specs()) for fam in a.plots}
    # MANIFEST 006: categorical_accuracy + mean_absolute_error besides the losses
    assert fams["loss"] == ["loss", "mean_absolute_error", "val_loss", "val_mean_absolute_error"]
    assert fams["score"] == ["categorical_accuracy", "val_categorical_accuracy"]
    assert fams["lr"] == [] and not a.plot("lr").isVisible()
    assert a.stack.currentIndex() == 1
    # one colour for the run in every plot, x linked to the first visible plot
    assert {s.color for p in a.visible_plots() for s in p.specs()} == {e.color}
    assert a.plot("score").pi.vb.linkedView(0) is a.plot("loss").pi.vb


def test_findings_panel_alone(qtbot, store, corpus_dir):
    p = FindingsPanel(store)
    qtbot.addWidget(p)
    p.show()
    assert p.summary.text() == "No runs open."
    f = corpus_dir / "031_deepfake_chance_training_log.csv"
    runs = analysis.load(str(f))
    v = runs[0]["val_loss"].value
    finding = Finding(
        "stuck_at_chance",
        "critical",
        runs[0].name,
        "val_loss",
        0.0,
        6.0,
        f"val_loss stays {v.min():.3f}-{v.max():.3f}, around ln 2 = 0.693",
        {"ln2": float(np.log(2)), "min": float(v.min()), "max": float(v.max())},
        ("learning rate too low",),
        ("learning_rate", "standardize"),
    )
    info = Finding("plateau", "info", runs[0].name, "loss", 2.0, 6.0, "loss flat", {}, (), ())
    store.set_file_runs(str(f), runs, [[info, finding]])
    assert p.summary.text() == "2 findings: 1 critical, 1 info"
    assert [x[1].kind for x in p.items()] == ["stuck_at_chance", "plateau"]  # most severe first
    with qtbot.waitSignal(p.findingSelected) as sig:
        p.select(0)
    assert sig.args[1] is finding
    assert "ln2" in p.details.toPlainText() and "Standardize features" in p.details.toPlainText()
    with qtbot.waitSignal(p.retrainRequested) as sig:
        p.retrain_button.click()
    assert sig.args[1] == [finding]
    p.select(1)
    assert not p.retrain_button.isEnabled()  # no remedies, nothing to retrain with


def test_messages_panel_alone(qtbot):
    p = MessagesPanel()
    qtbot.addWidget(p)
    with qtbot.waitSignal(p.attentionNeeded):
        p.add("error", "x.csv: line 3: bad\nsecond line")
    p.add("info", "note")
    assert p.messages() == [("error", "x.csv: line 3: bad second line"), ("info", "note")]


def test_loader_latest_request_wins_and_errors_are_one_line(qtbot, corpus_dir, tmp_path):
    loader = Loader()
    got, progress = [], []
    loader.loaded.connect(got.append)
    loader.progress.connect(lambda *a: progress.append(a))
    f = str(corpus_dir / "030_dm2020_overfit_training_log.csv")
    loader.load(f)
    loader.load(f)  # the first result is stale when it arrives
    qtbot.waitUntil(lambda: not loader.busy, timeout=10000)
    assert len(got) == 1 and got[0].generation == 2 and got[0].runs
    name = "030_dm2020_overfit_training_log.csv"
    assert progress[0] == (0, 1, name) and progress[-1] == (2, 2, name)
    bad = tmp_path / "bad.json"
    bad.write_text('{"loss": [1, 2,')
    res = load_path(str(bad))
    assert res.error and res.error.startswith(str(bad)) and "\n" not in res.error
    assert not res.runs
    loader.shutdown()


def test_file_watcher_reports_appends(qtbot, tmp_path):
    f = tmp_path / "training.log"
    f.write_text("epoch,loss\n0,1.0\n")
    w = FileWatcher(poll_ms=100)
    w.watch(str(f))
    with qtbot.waitSignal(w.changed, timeout=3000) as sig:
        with open(f, "a") as fh:
            fh.write("1,0.5\n")
    assert sig.args == [str(f)]
    w.stop()
    assert w.paths() == []
