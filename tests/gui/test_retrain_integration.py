"""The product's story end to end in the window: demo -> finding -> Retrain... -> job ->
live curves of the new run -> before/after summary. The worker is the recorded fake
(tests/retrain/fake_worker.py, a real worker's output on the demo); the real worker is
tested in tests/retrain/test_worker_tf.py."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from gui_helpers import use_fake_worker, wait_loaded

ROOT = Path(__file__).resolve().parents[2]


def _hashes(folder: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.iterdir())
        if p.is_file()
    }


def test_demo_finding_to_retrain_to_before_after(qtbot, window, demo_dir, tmp_path):
    before_files = _hashes(demo_dir)
    window.retrain_output_root = str(tmp_path / "jobs")
    use_fake_worker(window)
    window.open_demo()
    wait_loaded(qtbot, window, 1)
    # the retrain.toml beside the demo log names its dataset: the dataset checks run too
    qtbot.waitUntil(lambda: bool(window.store.dataset_findings), timeout=15000)
    kinds = {f.kind for fs in window.store.dataset_findings.values() for f in fs}
    assert {"unscaled_features", "class_imbalance"} <= kinds

    entry = window.store.entries_in_order()[0]
    stuck = [f for f in entry.findings if f.kind == "stuck_at_chance"]
    assert stuck, [f.kind for f in entry.findings]
    window.request_retrain(entry.run, stuck)
    dlg = window.retrain_dialog
    assert dlg is not None and dlg.isVisible()
    # pre-filled from resources/demo/retrain.toml
    assert Path(dlg.data_path.text()) == (demo_dir / "data.csv").resolve()
    assert dlg.label_combo.currentText() == "target"
    assert Path(dlg.model_path.text()) == (demo_dir / "model.keras").resolve()
    assert {"standardize", "class_weight", "learning_rate"} <= set(dlg.ticked())
    # the job folder is proposed under the app's folder, never beside the user's files
    assert Path(dlg.output_dir.text()).parent == tmp_path / "jobs"

    dlg._start()  # the Start button's slot
    assert len(window.job_runner.jobs) == 1
    job = window.job_runner.jobs[0]
    assert window.jobs_dock.isVisible()

    with qtbot.waitSignal(window.jobs_panel.comparisonReady, timeout=60000) as blocker:
        pass
    assert job.state == "completed"
    comparison = blocker.args[1]
    assert comparison.balanced_accuracy_before == 0.5
    assert comparison.balanced_accuracy_after >= 0.85
    assert any(f.kind == "stuck_at_chance" for f in comparison.disappeared)

    # the new run's log was opened and followed in the window
    log = str(job.log_path.resolve())
    qtbot.waitUntil(
        lambda: bool(log in window.store.files and window.store.files[log].run_keys), timeout=15000
    )
    wait_loaded(qtbot, window)
    names = [e.run.source for e in window.store.entries_in_order()]
    assert log in names and len(names) == 2
    summary = window.jobs_panel.row(job).summary.text()
    assert "balanced accuracy" in summary.lower() and "stuck" in summary.lower()
    assert _hashes(demo_dir) == before_files


def test_cancelled_job_says_so_and_its_log_stops_being_live(qtbot, window, demo_dir, tmp_path):
    """QA 15: Cancel stayed on finished jobs, a cancelled job's status bar read like a result,
    its log stayed "live", the messages dock was squeezed, job logs all read training.log."""
    window.retrain_output_root = str(tmp_path / "jobs")
    use_fake_worker(window, delay=0.15)
    window.open_demo()
    wait_loaded(qtbot, window, 1)
    window.report("warning", "an earlier warning: the messages dock is open")
    entry = window.store.entries_in_order()[0]
    window.request_retrain(entry.run, list(entry.findings))
    window.retrain_dialog._start()
    job = window.job_runner.jobs[0]
    row = window.jobs_panel.row(job)
    log = str(job.log_path.resolve())
    qtbot.waitUntil(
        lambda: log in window.store.files and window.store.files[log].live, timeout=30_000
    )
    assert not job.done and row.cancel_button.isVisible()
    # the job's log is told apart from the demo's training.log by its folder
    item = window.runs_panel.find_item("file", log)
    assert item.text(0) == f"{job.output.name}/training.log"
    assert job.output.name in window.live_label.text()
    # messages and jobs share the bottom: neither is squeezed
    qtbot.wait(50)
    mw, jw = window.messages_dock.width(), window.jobs_dock.width()
    assert min(mw, jw) >= 0.35 * (mw + jw), (mw, jw)

    with qtbot.waitSignal(window.jobs_panel.comparisonReady, timeout=60_000):
        job.cancel()
    assert job.state == "cancelled"
    assert not row.cancel_button.isVisible()  # nothing left to cancel
    done = json.loads((job.output / "metrics.json").read_text())["epochs_run"]
    assert 0 < done < job.progress.epochs == 30
    words = f"CANCELLED after {done} of 30 epoch(s) (partial run)"
    assert words in row.summary.text()
    # the table's group headers say whose numbers they are (QA3 9: two-level header)
    assert ">before</th>" in row.summary.text() and ">partial</th>" in row.summary.text()
    assert f"CANCELLED after {done} of 30 epochs (partial run)" in window.status_label.text()
    qtbot.waitUntil(lambda: not window.store.files[log].live, timeout=5_000)
    qtbot.wait(1_200)  # a late change of the file must not make it live again
    assert not window.store.files[log].live and "live" not in window.live_label.text()
    # the job's log was read again once it ended: the outcome stays in the status bar,
    # never "Reading training.log (1/1)…" (QA3 5)
    qtbot.waitUntil(lambda: not window.loader.busy, timeout=10_000)
    assert f"CANCELLED after {done} of 30 epochs" in window.status_label.text()
