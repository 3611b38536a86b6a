"""Dataset checks (placeholder until the diagnosis issue is built)."""

from __future__ import annotations

from analysis.model import Finding


def check_dataset(path: str, label: str, config=None) -> list[Finding]:
    """Findings about a dataset file (placeholder)."""
    return []
