"""Where the bundled demo lives. Its dataset and model are named by the ``retrain.toml``
beside the log (see :mod:`gui.companion`)."""

from __future__ import annotations

from pathlib import Path

DEMO_DIR = Path(__file__).resolve().parents[1] / "resources" / "demo"


def demo_logs(demo_dir: Path = DEMO_DIR) -> list[str]:
    """The demo's training log (CSVLogger ``training.log``).

    ``history.json`` in the same folder holds the same run as ``history.history``;
    opening both would draw every curve twice, so only the log is opened.
    """
    log = demo_dir / "training.log"
    if log.exists():
        return [str(log)]
    hist = demo_dir / "history.json"
    return [str(hist)] if hist.exists() else []
