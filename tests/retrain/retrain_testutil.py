"""Helpers shared by the retrain tests (imported by conftest and test modules)."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FAKE_WORKER = Path(__file__).resolve().parent / "fake_worker.py"


def toml_text(sections: dict) -> str:
    """A spec file's text from ``{"data": {...}, ...}`` (via the product's writer)."""
    from retrain.spec import _toml_value

    lines = []
    for name, body in sections.items():
        lines.append(f"[{name}]")
        for k, v in body.items():
            lines.append(f"{k} = {_toml_value(v)}")
        lines.append("")
    return "\n".join(lines)


def sha256_files(paths) -> dict[str, str]:
    """Hash of every file (recursively for folders)."""
    out = {}
    for p in map(Path, paths):
        files = sorted(p.rglob("*")) if p.is_dir() else [p]
        for f in files:
            if f.is_file():
                out[str(f)] = hashlib.sha256(f.read_bytes()).hexdigest()
    return out


def run_retrain_cli(args, cwd) -> subprocess.CompletedProcess:
    """``main.py retrain ARGS`` run in ``cwd``, output captured as bytes."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "retrain", *args],
        capture_output=True,
        env=env,
        cwd=cwd,
        timeout=120,
    )


def run_worker(
    spec: Path, output: Path | None = None, timeout: float = 120, extra: list[str] | None = None
) -> tuple[int, list[dict], str, list[str]]:
    """Run the real worker; returns (exit code, protocol messages, stderr, raw stdout lines)."""
    cmd = [sys.executable, "-m", "retrain.worker", str(spec)]
    if output is not None:
        cmd += ["--output", str(output)]
    cmd += extra or []
    env = dict(os.environ, PYTHONPATH=str(ROOT), TF_CPP_MIN_LOG_LEVEL="0")
    res = subprocess.run(
        cmd, capture_output=True, timeout=timeout, env=env, cwd=ROOT, stdin=subprocess.DEVNULL
    )
    lines = res.stdout.decode().splitlines()
    return res.returncode, [json.loads(x) for x in lines], res.stderr.decode(), lines
