"""Application start-up (placeholder until the GUI issue is built)."""

from __future__ import annotations


def run_app(paths: list[str], demo: bool = False, screenshot: str | None = None) -> int:
    raise SystemExit("fitlens: GUI not built yet")
