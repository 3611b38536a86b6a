"""Every panel shown alone with sample data, plus the loader and the file watcher."""

from __future__ import annotations

import csv

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


def test_messages_panel_keeps_errors_and_warnings_in_view(qtbot):
    """QA 14: info notes of a folder pushed the errors out of the three visible rows."""
    p = MessagesPanel()
    qtbot.addWidget(p)
    added = []
    p.messageAdded.connect(lambda lvl, t: added.append((lvl, t)))
    p.add("info", "a.csv: CRLF line endings")
    p.add("error", "/nonexist.csv: no such file or folder")
    for i in range(30):
        p.add("info", f"note {i}")
    p.add("warning", "b.csv: diagnosis failed")
    p.add("error", "junk.csv: binary data, not a text log")
    shown = p.shown()
    assert [lvl for lvl, _ in shown[:3]] == ["error", "error", "warning"]
    assert shown[0][1] == "/nonexist.csv: no such file or folder"  # errors oldest first
    assert p.messages()[0] == ("info", "a.csv: CRLF line endings")  # arrival order kept
    assert added == p.messages() and len(added) == 34
    assert p.summary.text() == "2 errors · 1 warning · 31 notes"
    assert p.list.verticalScrollBar().value() == 0  # the errors are on screen
    row = p.list.sizeHintForRow(0)
    assert p.rows_hint() >= 5 * row  # 2 errors + 1 warning + notes, never just 3 rows


def test_finding_titles_follow_the_evidence(qtbot, store, demo_dir, zoo_dir):
    from analysis.detectors import diagnose
    from gui.findings_panel import finding_title

    demo = analysis.load(str(demo_dir / "training.log"))[0]
    stuck = [f for f in diagnose(demo) if f.kind == "stuck_at_chance"]
    # the demo's val_accuracy is frozen at its majority class's share of the data
    labels = [r["target"] for r in csv.DictReader(open(demo_dir / "data.csv", newline=""))]
    majority = max(labels.count(v) for v in set(labels)) / len(labels)
    assert len(stuck) == 1
    assert stuck[0].evidence["lead"]["value"] == pytest.approx(majority, abs=0.002)
    assert "majority-class rate" in finding_title(stuck[0])
    # without the detector's own title, the rule decides
    bare = Finding(
        stuck[0].kind,
        "critical",
        "demo",
        "val_accuracy",
        0,
        29,
        "m",
        {"lead": {"rule": stuck[0].evidence["lead"]["rule"]}},
    )
    assert finding_title(bare) == "Stuck at the majority-class rate"
    low = analysis.load(str(zoo_dir / "lr_too_low_chance" / "training.log"))[0]
    chance = [f for f in diagnose(low) if f.kind == "stuck_at_chance"]
    assert finding_title(chance[0]) == "Stuck at chance"  # ~1/11 with the loss at ln K


def test_findings_of_one_run_are_told_apart_in_the_list(qtbot, store, corpus_dir):
    """QA: 021's six overfitting findings looked identical once the names were cut."""
    from analysis.detectors import diagnose

    p = FindingsPanel(store)
    qtbot.addWidget(p)
    p.resize(390, 500)
    p.show()
    for f in (
        "021_trainerstateviz_multigroup_trainer_state.json",
        "030_dm2020_overfit_training_log.csv",
    ):
        runs = analysis.load(str(corpus_dir / f))
        store.set_file_runs(str(corpus_dir / f), runs, [list(diagnose(r)) for r in runs])
    rows = [p.tree.topLevelItem(i) for i in range(p.tree.topLevelItemCount())]
    hf = [it for it in rows if "021_" in it.text(1) and it.text(0) == "Overfitting"]
    assert len(hf) >= 2
    texts = [it.text(1) for it in hf]
    assert len(set(texts)) == len(texts)
    for it in hf:  # the metric leads, so a cut at the right keeps it
        f = it.data(0, Qt.UserRole + 1)
        assert it.text(1).startswith(f.metric + " · ") and f.metric in it.toolTip(1)
    assert p.tree.textElideMode() == Qt.ElideRight


def test_long_metric_names_keep_the_part_that_differs():
    from gui.findings_panel import short_metric

    a = short_metric("validation/evaluation_accuracy_vs_iterations")
    b = short_metric("validation/evaluation_loss_vs_iterations")
    assert a != b and len(a) == len(b) == 28 and a.startswith("validatio")
    assert short_metric("validation/epoch_loss") == "validation/epoch_loss"


def test_generic_log_names_show_their_folder():
    from gui.runs_panel import file_label

    assert file_label("/x/runs/demo-retrain-1/training.log") == "demo-retrain-1/training.log"
    assert file_label("/x/exp3/metrics.csv") == "exp3/metrics.csv"
    assert file_label("/x/hf/trainer_state.json") == "hf/trainer_state.json"
    assert file_label("/x/logs/train/events.out.tfevents.1690485354.host.1.v2") == (
        "train/events.out.tfevents.1690485354.host.1.v2"
    )
    assert file_label("/x/001_akboles_speaker250_training.log") == (
        "001_akboles_speaker250_training.log"
    )
