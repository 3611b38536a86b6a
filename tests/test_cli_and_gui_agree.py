"""``analyze`` and the window judge the same inputs the same way.

The same inputs (the demo log with its dataset, a folder of real TensorBoard runs, a
thresholds file) through ``python main.py analyze --json`` and through the window's
session controller give identical findings, run by run, and identical dataset findings.
Before the session layer the window diagnosed without the dataset's class count and
majority rate (the demo's ``stuck_at_chance`` did not name the majority-class rate
0.856) and could not use a thresholds file at all.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from shared_paths import CORPUS, DEMO, ROOT

THRESHOLDS = "[plateau]\npatience = 4\nmin_patience = 2\n[overfitting]\ncritical_rise = 5.0\n"
FIELDS = ("kind", "severity", "metric", "start", "end", "message")


@pytest.fixture
def inputs(tmp_path):
    folder = CORPUS / "tfevents"
    if not folder.is_dir():
        pytest.skip(f"no folder of real TensorBoard runs at {folder}")
    config = tmp_path / "thresholds.toml"
    config.write_text(THRESHOLDS)
    return [str(folder), str(DEMO / "training.log")], config


def _cli(paths, config) -> dict:
    out = subprocess.run(
        [sys.executable, "main.py", "analyze", "--json", "--config", str(config)]
        + ["--data", str((DEMO / "data.csv").resolve()), "--label", "target", *paths],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def _gui(qtbot, paths, config):
    """The window's session controller over a run store, as the window wires it."""
    from gui.app import make_app
    from gui.controllers.session import SessionController
    from gui.store import RunStore

    make_app()  # garbage collection on the GUI thread only (gui.app)
    store = RunStore()
    ctl = SessionController(store)
    ctl.load_config(str(config))
    ctl.open(paths)  # the demo log's retrain.toml names its dataset: opened by the controller
    qtbot.waitUntil(lambda: not ctl.busy and len(store.files) == 2, timeout=60_000)
    qtbot.waitUntil(lambda: bool(store.dataset_findings) and not ctl.busy, timeout=60_000)
    return store, ctl


def _rows(findings: list[dict]) -> list[tuple]:
    return [tuple(f[k] for k in FIELDS) for f in findings]


def test_cli_and_gui_give_identical_findings(qtbot, inputs):
    paths, config = inputs
    doc = _cli(paths, config)
    store, ctl = _gui(qtbot, paths, config)
    try:
        gui_runs = {
            e.run.name: _rows([f.to_dict() for f in e.findings]) for e in store.entries_in_order()
        }
        cli_runs = {r["name"]: _rows(r["findings"]) for r in doc["runs"]}
        assert gui_runs == cli_runs
        assert [e.name for e in store.entries_in_order()] == [r["name"] for r in doc["runs"]]
        (data_findings,) = store.dataset_findings.values()
        assert _rows([f.to_dict() for f in data_findings]) == _rows(doc["dataset"]["findings"])
        # what the session layer fixed: the demo's finding names the majority-class rate,
        # and the thresholds file changed a finding
        stuck = next(f for f in cli_runs["demo"] if f[0] == "stuck_at_chance")
        assert "the dataset's majority-class rate is 0.8561" in stuck[-1]
        imdb = next(name for name in cli_runs if name.startswith("01_keras_imdb"))
        assert [(f[0], f[1]) for f in cli_runs[imdb]] == [("overfitting", "warning")]
    finally:
        ctl.shutdown()
