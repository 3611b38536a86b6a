"""main.py: help documents every command, usage errors exit 2 with one line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "main.py", *args], cwd=ROOT, capture_output=True, text=True, timeout=120
    )


def test_help_documents_every_command():
    p = _run("--help")
    assert p.returncode == 0
    for word in (
        "--demo",
        "--screenshot",
        "--version",
        "analyze",
        "retrain",
        "--json",
        "--fail-on",
        "--output",
    ):
        assert word in p.stdout, word


def test_version():
    p = _run("--version")
    assert p.returncode == 0 and p.stdout.startswith("FitLens ")


def test_subcommand_help():
    for cmd in ("analyze", "retrain"):
        p = _run(cmd, "--help")
        assert p.returncode == 0, p.stderr
        assert "usage:" in p.stdout


def test_usage_errors_exit_2_with_one_line():
    for args in (("--screenshot", "out.txt"), ("--no-such-flag",), ("analyze",)):
        p = _run(*args)
        assert p.returncode == 2, args
        assert "Traceback" not in p.stderr
        lines = p.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("fitlens"), p.stderr
