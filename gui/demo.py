"""Where the bundled demo lives: a training log and the dataset it was trained on."""

from __future__ import annotations

import tomllib
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


def demo_dataset(demo_dir: Path = DEMO_DIR) -> tuple[str, str] | None:
    """(data file, label column) from the demo's ``retrain.toml`` ``[data]`` table, if present."""
    spec = demo_dir / "retrain.toml"
    data, label = demo_dir / "data.csv", "target"
    if spec.exists():
        try:
            d = tomllib.loads(spec.read_text(encoding="utf-8")).get("data", {})
            if d.get("path"):
                data = (demo_dir / d["path"]).resolve()
            label = str(d.get("label", label))
        except (OSError, tomllib.TOMLDecodeError):
            pass
    return (str(data), label) if Path(data).exists() else None
