"""Detectors: pure functions from a :class:`~analysis.model.Run` to findings.

PLACEHOLDER until the diagnosis is built: returns no findings.
"""

from __future__ import annotations

from dataclasses import dataclass

from analysis.model import Finding, Run


@dataclass(frozen=True)
class DetectorConfig:
    """Thresholds of all detectors (placeholder)."""


def load_config(path: str) -> DetectorConfig:
    """Read detector thresholds from a TOML file (placeholder)."""
    return DetectorConfig()


def diagnose(run: Run, config: DetectorConfig | None = None) -> list[Finding]:
    """All findings for one run, most severe first (placeholder)."""
    return []
