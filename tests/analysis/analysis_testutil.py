"""Helpers shared by the analysis tests (imported as ``analysis_testutil``)."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import numpy as np

from analysis import load
from analysis.model import Run

ROOT = Path(__file__).resolve().parents[2]


def run_analyze(*args, timeout: float = 120, **kw) -> subprocess.CompletedProcess:
    """``main.py analyze ARGS`` from the checkout, text output captured; never a traceback."""
    out = subprocess.run(
        [sys.executable, "main.py", "analyze", *map(str, args)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        **kw,
    )
    assert "Traceback" not in out.stderr and "Traceback" not in out.stdout
    return out


def csv_column(path: Path, name: str) -> np.ndarray:
    """One numeric column of a CSV log, read with the csv module (not with FitLens' readers),
    so a test's expected values come from the file itself."""
    with open(path, newline="") as fh:
        return np.array([float(r[name]) for r in csv.DictReader(fh)])


def one_run(path) -> Run:
    """The one run FitLens reads from ``path`` (fails when it reads more or fewer)."""
    runs = load(path)
    assert len(runs) == 1, [r.name for r in runs]
    return runs[0]
