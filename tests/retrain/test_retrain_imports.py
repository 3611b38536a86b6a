"""Every retrain module imports without Qt or TensorFlow; the retrain GUI pieces without TF."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from retrain_testutil import ROOT

RETRAIN = [
    "retrain.spec",
    "retrain.data",
    "retrain.remedies",
    "retrain.preparation",
    "retrain.describe",
    "retrain.models",
    "retrain.protocol",
    "retrain.scores",
    "retrain.compare",
    "retrain.job",
    "retrain.outdir",
    "retrain.cli",
    "retrain.worker",
    "retrain.training",
    "retrain.keras_callbacks",
    "retrain.reporter",
    "retrain.cancel",
    "retrain.evaluation",
    "retrain.validation",
    "retrain.monitors",
    "retrain.optimizers",
]
GUI = ["gui.jobs", "gui.jobs_panel", "gui.retrain_dialog"]


def _loaded(code: str) -> set[str]:
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


def test_retrain_modules_load_neither_qt_nor_tensorflow():
    mods = _loaded("\n".join(f"import {m}" for m in RETRAIN))
    assert not mods & {"PySide6", "shiboken6", "pyqtgraph", "tensorflow", "keras"}


@pytest.mark.parametrize("module", GUI)
def test_retrain_gui_pieces_do_not_load_tensorflow(module):
    code = f"import {module}\nfrom PySide6.QtWidgets import QApplication\napp = QApplication([])\n"
    if module == "gui.retrain_dialog":
        code += (
            "from gui.retrain_dialog import RetrainDialog\n"
            "d = RetrainDialog(None, dataset='resources/demo/data.csv', label='target')\n"
            "d.spec_dict()\n"
        )
    mods = _loaded(code)
    assert "PySide6" in mods
    assert not mods & {"tensorflow", "keras"}
