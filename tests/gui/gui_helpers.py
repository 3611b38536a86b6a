"""Helpers shared by the GUI tests (imported as ``gui_helpers``)."""

from __future__ import annotations

import csv
import sys
from pathlib import Path

#: The fake retrain worker: replays the demo job recorded from the real one (no TensorFlow).
FAKE_WORKER = Path(__file__).resolve().parents[1] / "retrain" / "fake_worker.py"


def wait_loaded(qtbot, w, n_files: int | None = None, timeout: int = 15000) -> None:
    """Wait until the loader is idle (and at least ``n_files`` files have runs)."""

    def done() -> bool:
        if w.loader.busy:
            return False
        if n_files is not None:
            return sum(1 for f in w.store.files.values() if f.run_keys) >= n_files
        return True

    qtbot.waitUntil(done, timeout=timeout)
    w.plot_area.rebuild()


def read_columns(path: Path, sep: str = ",") -> dict[str, list[float]]:
    """Columns of a small CSV log parsed with the csv module (independent of the readers)."""
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh, delimiter=sep))
    cols: dict[str, list[float]] = {}
    for r in rows:
        for k, v in r.items():
            if v not in ("", "NA", None):
                cols.setdefault(k, []).append(float(v))
    return cols


def spec_for(w, family: str, metric: str, run_name: str | None = None):
    """The CurveSpec of one metric in one family plot."""
    for s in w.plot_area.plot(family).specs():
        if s.data.metric == metric and (run_name is None or s.run_name == run_name):
            return s
    raise AssertionError(
        f"{metric} not drawn in the {family} plot: "
        f"{[(s.run_name, s.data.metric) for s in w.plot_area.plot(family).specs()]}"
    )


def use_fake_worker(window, delay: float = 0.02) -> None:
    """Make ``window``'s retrain jobs run :data:`FAKE_WORKER` (``delay`` s per message)."""
    from retrain.job import worker_env

    env = worker_env()
    env.update(FAKE_MODE="normal", FAKE_DELAY=str(delay))
    window.job_runner.use_command(
        lambda spec: [sys.executable, str(FAKE_WORKER), str(spec), "--cancel-on-eof"], env=env
    )
