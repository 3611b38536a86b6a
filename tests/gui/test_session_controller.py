"""The window's session controller: logs and datasets read off the GUI thread, every open
run judged as ``analyze`` judges it (dataset class count and majority rate, thresholds
file), names and read-once decisions from the session layer, thresholds in the menu."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest
from gui_helpers import wait_loaded
from shared_paths import DEMO, ROOT

from analysis.judge import read_config
from analysis.model import LogReadError
from analysis.session import open_inputs

STRICT = "[dataset]\nmild_minority = 0.1\n[overfitting]\ncritical_rise = 1000.0\n"


@pytest.fixture
def controller(qtbot):
    from gui.app import make_app
    from gui.controllers.session import SessionController
    from gui.store import RunStore

    make_app()  # garbage collection on the GUI thread only (gui.app)
    store = RunStore()
    ctl = SessionController(store)
    reported = []
    ctl.reported.connect(lambda level, text, _status: reported.append((level, text)))
    ctl.reported_lines = reported
    yield ctl
    ctl.shutdown()


def _wait(qtbot, ctl, n_files: int) -> None:
    def done() -> bool:
        with_runs = sum(1 for f in ctl.store.files.values() if f.run_keys)
        return not ctl.busy and with_runs >= n_files

    qtbot.waitUntil(done, timeout=30_000)


def _summary(findings):
    return [(f.run, f.kind, f.severity, f.metric, f.start, f.end, f.message) for f in findings]


def _shown(ctl):
    return [_summary(e.findings) for e in ctl.store.entries_in_order()]


def test_the_demo_is_judged_with_the_dataset_its_spec_names(qtbot, controller):
    controller.open([str(DEMO / "training.log")])
    _wait(qtbot, controller, 1)
    data = str((DEMO / "data.csv").resolve())
    assert list(controller.store.dataset_findings) == [data]
    want = open_inputs([DEMO / "training.log"], data, "target")
    assert _shown(controller) == [_summary(f) for f in want.findings]
    stuck = next(
        f for f in controller.store.entries_in_order()[0].findings if f.kind == "stuck_at_chance"
    )
    assert "the dataset's majority-class rate is 0.8561" in stuck.message
    assert _summary(controller.store.dataset_findings[data]) == _summary(want.dataset_findings)


def test_a_dataset_opened_later_rejudges_the_open_runs(qtbot, controller, zoo_dir):
    log = zoo_dir / "overfit_breast_cancer_small" / "training.log"
    controller.open([str(log)])
    _wait(qtbot, controller, 1)
    assert _shown(controller) == [_summary(f) for f in open_inputs([log]).findings]
    controller.open_dataset(str(DEMO / "data.csv"), "target")
    qtbot.waitUntil(lambda: not controller.busy, timeout=30_000)
    want = open_inputs([log], DEMO / "data.csv", "target")
    assert _shown(controller) == [_summary(f) for f in want.findings]
    assert controller.session.dataset.majority_rate == want.dataset.majority_rate


def test_a_thresholds_file_rejudges_runs_and_rechecks_the_dataset(qtbot, controller, tmp_path):
    strict = tmp_path / "strict.toml"
    strict.write_text(STRICT)
    log = DEMO / "training.log"
    controller.open([str(log)])
    _wait(qtbot, controller, 1)
    changed = []
    controller.configChanged.connect(changed.append)
    controller.load_config(str(strict))
    qtbot.waitUntil(lambda: not controller.busy, timeout=30_000)
    data = str((DEMO / "data.csv").resolve())
    want = open_inputs([log], data, "target", read_config(strict))
    assert _shown(controller) == [_summary(f) for f in want.findings]
    assert _summary(controller.store.dataset_findings[data]) == _summary(want.dataset_findings)
    assert "class_imbalance" not in {f.kind for f in controller.store.dataset_findings[data]}
    assert changed == [str(strict)] and controller.config_source == str(strict)
    controller.set_config(None)
    qtbot.waitUntil(lambda: not controller.busy, timeout=30_000)
    default = open_inputs([log], data, "target")
    assert _summary(controller.store.dataset_findings[data]) == _summary(default.dataset_findings)


def test_a_bad_thresholds_file_changes_nothing(qtbot, controller, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[plateau]\npatience = 'x'\n")
    with pytest.raises(LogReadError) as ei:
        controller.load_config(str(bad))
    assert ei.value.line() == f"{bad}: [plateau] patience must be an integer, got 'x'"
    assert controller.session.judge.config is None and controller.config_source is None


def test_runs_of_one_name_are_renamed_as_inputs_open_and_close(
    qtbot, controller, zoo_dir, tmp_path
):
    logs = []
    for d in ("a", "b"):
        (tmp_path / d / "exp").mkdir(parents=True)
        logs.append(tmp_path / d / "exp" / "training.log")
        shutil.copy(zoo_dir / "overfit_breast_cancer_small" / "training.log", logs[-1])
    controller.open([str(logs[0])])
    _wait(qtbot, controller, 1)
    assert [e.name for e in controller.store.entries_in_order()] == ["exp"]
    controller.open([str(logs[1])])
    _wait(qtbot, controller, 2)
    entries = controller.store.entries_in_order()
    assert [e.name for e in entries] == ["a/exp", "b/exp"]
    assert [{f.run for f in e.findings} for e in entries] == [{"a/exp"}, {"b/exp"}]
    controller.close(str(logs[1]))
    (only,) = controller.store.entries_in_order()
    assert only.name == "exp" and {f.run for f in only.findings} == {"exp"}


def test_a_removed_run_no_longer_counts_as_read(qtbot, controller, zoo_dir):
    d = zoo_dir / "healthy_wine"
    controller.open([str(d / "training.log")])
    _wait(qtbot, controller, 1)
    (entry,) = controller.store.entries_in_order()
    controller.store.remove_run(entry.key)  # the runs panel's "Remove run"
    assert controller.session.runs == []
    controller.open([str(d / "history.json")])
    _wait(qtbot, controller, 1)
    assert [e.run.source for e in controller.store.entries_in_order()] == [str(d / "history.json")]
    assert not [t for _, t in controller.reported_lines if "one fit logged twice" in t]


# -- the window ---------------------------------------------------------------------------


def test_thresholds_chosen_in_the_window_are_remembered(qtbot, make_window, tmp_path):
    strict = tmp_path / "strict.toml"
    strict.write_text(STRICT)
    w = make_window()
    assert not w.act_default_thresholds.isEnabled()
    assert w.use_thresholds(str(strict))
    assert w.settings.detector_config == str(strict) and w.act_default_thresholds.isEnabled()
    w.open_paths([str(DEMO / "training.log")])
    wait_loaded(qtbot, w, 1)
    data = str((DEMO / "data.csv").resolve())
    assert "class_imbalance" not in {f.kind for f in w.store.dataset_findings[data]}
    again = make_window()  # the next start
    assert again.session.config_source == str(strict)
    assert again.use_thresholds(None)
    assert again.settings.detector_config == "" and again.session.config_source is None


def test_a_bad_thresholds_file_in_the_window_is_one_error_line(qtbot, make_window, tmp_path):
    w = make_window()
    assert not w.use_thresholds(str(tmp_path / "missing.toml"))
    errors = [t for level, t in w.messages_panel.messages() if level == "error"]
    assert errors == [
        f"{tmp_path / 'missing.toml'}: no such file (detector thresholds not changed)"
    ]
    assert w.settings.detector_config == ""


def test_config_on_the_command_line(tmp_path):
    from main import build_parser

    assert build_parser().parse_args(["--config", "t.toml", "a.log"]).config == "t.toml"
    bad = tmp_path / "bad.toml"
    bad.write_text("[")
    png = tmp_path / "shot.png"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT), HOME=str(tmp_path))
    env["XDG_CONFIG_HOME"] = str(tmp_path / "config")
    out = subprocess.run(
        [sys.executable, "main.py", "--config", str(bad), "--demo", "--screenshot", str(png)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert out.returncode == 2 and png.exists()
    assert f"fitlens: error: {bad}: invalid TOML" in out.stderr
    assert "Traceback" not in out.stderr
