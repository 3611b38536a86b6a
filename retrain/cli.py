"""``python main.py retrain`` (placeholder until the retrain issue is built)."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    print("fitlens retrain: not available yet", file=sys.stderr)
    return 2
