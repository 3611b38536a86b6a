"""Helpers shared by the analysis tests (imported as ``analysis_testutil``)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

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
