"""The retrain dialog on its own, and driving the jobs panel end to end on the demo."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from analysis.model import Finding
from analysis.readers import load
from gui.jobs import JobRunner
from gui.jobs_panel import JobsPanel
from gui.retrain_dialog import RetrainDialog
from retrain.job import worker_env
from retrain.spec import read_spec

ROOT = Path(__file__).resolve().parents[2]
FAKE = ROOT / "tests" / "retrain" / "fake_worker.py"


@pytest.fixture
def demo(demo_dir):
    for name in ("data.csv", "model.keras", "training.log", "retrain.toml"):
        if not (demo_dir / name).exists():
            pytest.skip("demo assets not generated yet")
    return demo_dir


def _finding(kind, metric, remedies, severity="warning"):
    return Finding(
        kind,
        severity,
        "training" if metric else "",
        metric,
        None,
        None,
        f"{kind} ({metric})",
        remedies=tuple(remedies),
    )


FINDINGS = (
    _finding("stuck_at_chance", "val_accuracy", ("standardize", "learning_rate"), "critical"),
    _finding("class_imbalance", None, ("class_weight", "random_oversample", "smote")),
)


def test_checklist_is_pre_ticked_from_findings(qtbot, demo, tmp_path):
    dlg = RetrainDialog(
        None,
        findings=FINDINGS,
        dataset=demo / "data.csv",
        model=demo / "model.keras",
        output_root=tmp_path,
        check_dataset=lambda p, label: [],
    )
    qtbot.addWidget(dlg)
    # class weights, oversampling and SMOTE are alternatives: only the first is ticked
    assert dlg.ticked() == ["standardize", "class_weight", "learning_rate"]
    dlg.remedy_boxes["smote"].setChecked(True)
    assert not dlg.remedy_boxes["random_oversample"].isChecked()


def test_spec_from_the_dialog(qtbot, demo, tmp_path):
    imbalance = _finding("class_imbalance", None, ("random_oversample", "class_weight"))
    dlg = RetrainDialog(
        None,
        findings=[imbalance],
        dataset=demo / "data.csv",
        model=demo / "model.keras",
        output_root=tmp_path,
        check_dataset=lambda p, label: [],
    )
    qtbot.addWidget(dlg)
    # the label column is chosen from the CSV header
    header = (demo / "data.csv").read_text().splitlines()[0].split(",")
    assert [dlg.label_combo.itemText(i) for i in range(dlg.label_combo.count())] == header
    assert dlg.label_combo.currentText() == "target"
    dlg.epochs.setValue(12)
    dlg.remedy_boxes["early_stopping"].setChecked(True)
    dlg.remedy_values["early_stopping"][0].setValue(4)
    spec = dlg.spec()
    assert spec.data.path == (demo / "data.csv").resolve() and spec.data.label == "target"
    assert spec.model.path == (demo / "model.keras").resolve()
    assert spec.train.epochs == 12
    assert spec.remedies.active() == ("random_oversample", "early_stopping")
    assert spec.remedies.early_stopping.patience == 4
    assert spec.remedies.early_stopping.monitor == "val_loss"
    assert spec.output_dir.parent == tmp_path.resolve()
    # the built-in MLP instead of the file
    dlg.builtin.setChecked(True)
    dlg.hidden.setText("128, 64")
    assert dlg.spec().model.path is None and dlg.spec().model.hidden == [128, 64]


def test_demo_spec_round_trips_through_the_dialog_and_save(qtbot, demo, tmp_path):
    original = read_spec(demo / "retrain.toml")
    dlg = RetrainDialog(
        None, spec=original, output_root=tmp_path, check_dataset=lambda p, label: []
    )
    qtbot.addWidget(dlg)
    spec = dlg.spec()
    assert spec.data == original.data
    assert spec.model.path == original.model.path
    assert spec.train == original.train
    assert spec.remedies == original.remedies
    saved = dlg.save_spec(tmp_path / "saved" / "retrain.toml")
    assert saved is not None and dlg.error.text() == ""
    again = read_spec(saved)
    assert (again.data, again.train, again.remedies) == (
        original.data,
        original.train,
        original.remedies,
    )
    assert 'path = "../../' in saved.read_text()  # relative to the saved file


def test_dataset_checks_are_shown_inline_and_degrade_gracefully(qtbot, demo, tmp_path):
    calls = []

    def check(path, label):
        calls.append((Path(path).name, label))
        return [
            Finding(
                "class_imbalance",
                "warning",
                "",
                None,
                None,
                None,
                "60 of 417 rows are class 1 (14.4 %)",
                remedies=("class_weight", "random_oversample"),
            )
        ]

    dlg = RetrainDialog(
        None, dataset=demo / "data.csv", label="target", output_root=tmp_path, check_dataset=check
    )
    qtbot.addWidget(dlg)
    qtbot.waitUntil(lambda: dlg.dataset_findings is not None, timeout=10_000)
    assert ("data.csv", "target") in calls
    assert "60 of 417 rows are class 1 (14.4 %)" in dlg.checks.text()
    assert "class_weight, random_oversample" in dlg.checks.text()
    assert dlg.ticked() == []
    dlg.suggest_button.click()
    assert dlg.ticked() == ["class_weight"]

    def broken(path, label):
        raise TypeError("check_dataset() got an unexpected keyword argument")

    dlg2 = RetrainDialog(
        None, dataset=demo / "data.csv", label="target", output_root=tmp_path, check_dataset=broken
    )
    qtbot.addWidget(dlg2)
    qtbot.waitUntil(lambda: dlg2.dataset_check_error is not None, timeout=10_000)
    assert dlg2.checks.text().startswith("Dataset checks unavailable: check_dataset() got")
    assert dlg2.spec().data.label == "target"  # the dialog still works


def test_the_real_dataset_checks_do_not_break_the_dialog(qtbot, demo, tmp_path):
    dlg = RetrainDialog(None, dataset=demo / "data.csv", label="target", output_root=tmp_path)
    qtbot.addWidget(dlg)
    qtbot.waitUntil(dlg.wait_for_checks, timeout=20_000)
    assert dlg.checks.text() != "Dataset checks: running..."


def test_start_validates_first(qtbot, tmp_path, cases_dir):
    dlg = RetrainDialog(
        None,
        dataset=tmp_path / "missing.csv",
        label="y",
        output_root=tmp_path,
        check_dataset=lambda p, label: [],
    )
    qtbot.addWidget(dlg)
    emitted = []
    dlg.startRequested.connect(emitted.append)
    dlg.start_button.click()
    assert emitted == [] and "dataset file not found" in dlg.error.text()
    dlg.data_path.setText(str(cases_dir / "case_19_tiny_dataset.csv"))
    dlg.data_path.editingFinished.emit()
    dlg.remedy_boxes["dropout"].setChecked(True)
    dlg.remedy_values["dropout"][0].setValue(0.25)
    with qtbot.waitSignal(dlg.startRequested, timeout=5_000) as blocker:
        dlg.start_button.click()
    spec = blocker.args[0]
    assert spec.data.label == "label" and spec.remedies.dropout == 0.25
    assert dlg.result() == dlg.DialogCode.Accepted


def test_dialog_to_jobs_panel_end_to_end_on_the_demo(qtbot, demo, tmp_path):
    """Retrain... on the demo: the dialog's spec goes to the runner (a fake worker replaying a
    real worker's lines), the panel shows progress, then the before/after summary."""
    before = load(demo / "training.log")[0]
    env = worker_env()
    env.update(FAKE_DELAY="0.01")
    runner = JobRunner(command=lambda spec: [sys.executable, str(FAKE), str(spec)], env=env)
    panel = JobsPanel(runner)
    qtbot.addWidget(panel)
    dlg = RetrainDialog(
        None,
        run=before,
        findings=FINDINGS,
        spec=read_spec(demo / "retrain.toml"),
        output_root=tmp_path,
        check_dataset=lambda p, label: [],
    )
    qtbot.addWidget(dlg)
    dlg.output_dir.setText(str(tmp_path / "demo-fixed"))
    jobs = []
    dlg.startRequested.connect(
        lambda spec: jobs.append(runner.submit(spec, context={"run": before, "findings": FINDINGS}))
    )
    dlg.start_button.click()
    assert len(jobs) == 1
    job = jobs[0]
    row = panel.row(job)
    assert row is not None and row.cancel_button.isEnabled()
    with qtbot.waitSignal(panel.comparisonReady, timeout=30_000) as blocker:
        pass
    assert blocker.args[0] is job
    c = blocker.args[1]
    metrics = json.loads((job.output / "metrics.json").read_text())
    assert c.balanced_accuracy_after == metrics["val"]["balanced_accuracy"]
    assert c.balanced_accuracy_before == metrics["before"]["val"]["balanced_accuracy"]
    assert c.metric("val_loss").before_final == pytest.approx(before["val_loss"].value[-1])
    # the original run's finding either disappeared or remains, whatever the detectors say
    assert {f.kind for f in c.disappeared} | {f.kind for f, _ in c.remained} == {"stuck_at_chance"}
    assert [f.kind for f, _ in c.addressed] == ["class_imbalance"]
    assert row.bar.text() == f"epoch {job.progress.epochs_done}/{job.progress.epochs}"
    assert not row.cancel_button.isEnabled()
    assert "balanced accuracy" in row.summary.text() and "stuck_at_chance" in row.summary.text()


def test_dialog_fits_the_screen_and_proposes_a_plain_output_folder(qtbot, demo):
    """On a 900 px screen the dialog must not be 705x1046 px with clipped spin boxes, nor
    propose ".../FitLens/FitLens/runs"."""
    from PySide6.QtWidgets import QAbstractSpinBox

    from gui.retrain_dialog import MAX_SCREEN_FRACTION, default_output_root

    dlg = RetrainDialog(
        None,
        dataset=demo / "data.csv",
        label="target",
        findings=FINDINGS,
        check_dataset=lambda p, label: [
            _finding("class_imbalance", None, ("class_weight",)) for _ in range(4)
        ],
    )
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitUntil(dlg.wait_for_checks, timeout=10_000)
    qtbot.wait(20)
    avail = dlg.screen().availableGeometry()
    assert dlg.height() <= MAX_SCREEN_FRACTION * avail.height() + 1
    assert dlg.width() <= MAX_SCREEN_FRACTION * avail.width() + 1
    assert dlg.scroll.widget().isAncestorOf(dlg.remedy_boxes["l2"])  # scrolls, never squeezes
    for w in dlg.findChildren(QAbstractSpinBox):
        assert w.height() >= w.minimumSizeHint().height(), w
    from retrain.outdir import user_runs_dir

    # the GUI and the retrain command put unnamed job folders in the same place
    assert dlg.output_root == default_output_root() == user_runs_dir()
    assert Path(dlg.output_dir.text()).parent == dlg.output_root
    assert "FitLens/FitLens" not in dlg.output_dir.text()


def test_a_registered_toy_remedy_gets_a_row_and_reaches_the_spec(qtbot, demo, tmp_path):
    """Adding a remedy touches only its module and its registration: the dialog builds its
    check box and value box from the declaration, and the findings panel names it."""
    from toy_remedy import registered_toy

    from gui.findings_panel import details_html

    with registered_toy() as toy:
        dlg = RetrainDialog(
            None,
            findings=[_finding("plateau", "val_loss", (toy.name, "early_stopping"))],
            dataset=demo / "data.csv",
            model=demo / "model.keras",
            output_root=tmp_path,
            check_dataset=lambda p, label: [],
        )
        qtbot.addWidget(dlg)
        box = dlg.remedy_boxes[toy.name]
        assert box.text() == toy.title and box.toolTip() == toy.does
        assert list(dlg.remedy_boxes)[-1] == toy.name  # registered last, shown last
        assert dlg.ticked() == ["early_stopping", toy.name]  # pre-ticked from the finding
        (value,) = dlg.remedy_values[toy.name]
        assert (value.minimum(), value.maximum(), value.value()) == (0.01, 0.5, 0.1)
        value.setValue(0.25)
        spec = dlg.spec()
        assert spec.remedies.active() == ("early_stopping", toy.name)
        assert spec.remedies.toy_label_smoothing == 0.25
        again = RetrainDialog(
            None, spec=spec, output_root=tmp_path, check_dataset=lambda p, label: []
        )
        qtbot.addWidget(again)
        assert again.ticked() == ["early_stopping", toy.name]
        assert again.remedy_values[toy.name][0].value() == 0.25
        html = details_html(_finding("plateau", "val_loss", (toy.name,)), "training")
        assert toy.title in html and toy.does in html
