"""The three import boundaries: analysis -/-> Qt/TF, retrain -/-> Qt, gui -/-> TF.

Each check runs in a fresh interpreter so modules loaded by other tests don't
leak in, and reads ``sys.modules`` after the import (or after the GUI window
has been shown).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

QT = ("PySide6", "shiboken6", "pyqtgraph")
TF = ("tensorflow", "keras", "tf_keras", "torch")


def _loaded_after(code: str) -> set[str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT))
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            code + "\nimport sys, json\n"
            "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize(
    "pkg",
    ["analysis", "analysis.cli", "analysis.detectors", "analysis.dataset", "analysis.readers"],
)
def test_analysis_loads_neither_qt_nor_tf(pkg):
    mods = _loaded_after(f"import {pkg}")
    assert not mods & set(QT), mods & set(QT)
    assert not mods & set(TF), mods & set(TF)


@pytest.mark.parametrize("pkg", ["retrain", "retrain.cli"])
def test_retrain_loads_neither_qt_nor_tf_at_import(pkg):
    mods = _loaded_after(f"import {pkg}")
    assert not mods & set(QT), mods & set(QT)
    assert not mods & set(TF), mods & set(TF)


def test_gui_with_a_log_loaded_never_loads_tensorflow_or_keras():
    """Import the GUI, show the main window, load and diagnose a log: no TensorFlow/Keras."""
    log = ROOT / "resources" / "demo" / "training.log"
    if not log.exists():
        log = ROOT.parent / "shared" / "zoo" / "stuck_majority_imbalanced_l2" / "training.log"
    code = (
        "import tempfile\n"
        "from PySide6.QtCore import QSettings\n"
        "from gui.app import make_app, shutdown\n"
        "from gui.main_window import MainWindow\n"
        "from gui.settings import Settings\n"
        "app = make_app()\n"
        "ini = tempfile.mkdtemp() + '/fitlens.ini'\n"
        "w = MainWindow(Settings(QSettings(ini, QSettings.IniFormat)), persist=False)\n"
        "w.show()\n"
        f"w.open_paths([{str(log)!r}])\n"
        "w.loader.wait()\n"
        "for _ in range(5):\n"
        "    app.processEvents()\n"
        "w.plot_area.rebuild()\n"
        "assert w.store.entries and w.plot_area.visible_plots(), 'log not drawn'\n"
        "shutdown(app, w)\n"
    )
    mods = _loaded_after(code)
    assert "PySide6" in mods and "pyqtgraph" in mods
    assert not mods & set(TF), mods & set(TF)
