"""GUI benchmarks, FitLens side by side with a baseline (not a timed test).

Each measurement runs in a fresh interpreter (``--child NAME``) so start-up times and
resident memory are not mixed up; the parent prints one table.

Rows
----
cold start        process start -> main window shown and painted (no file), TensorFlow
                  must stay unimported. Baseline: a bare QApplication + QWidget.
load -> 1st frame 10 series x 1,000,000 points in one CSV (95 MB): open the file in the
                  window (reader + detectors in the worker thread, curves with EMA
                  smoothing 0.6 = 20 drawn curves) until the first painted frame.
                  Baseline: the same 10 arrays (already in memory) given to plain
                  pyqtgraph ``plot()``, no downsampling, no clipping.
pan / zoom frame  x-range change -> painted frame, median over 40 pans and 40 zooms
                  (from fully zoomed out to 1/400 of the data). Baseline as above.
resident memory   RSS after the first frame (psutil).

Targets (issue 5): cold start <= 1.5 s; load-to-first-frame <= 2 s; pan/zoom frame
<= 30 ms; RSS <= 600 MB.

Run: ``QT_QPA_PLATFORM=offscreen python bench/bench_gui.py`` (``make bench``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
N_POINTS = 1_000_000
N_SERIES = 10
REPEATS_START = 3


# -- children ---------------------------------------------------------------------------------
def _frame_timer(widget):
    """Count paint events of a widget's viewport (to check a frame really was drawn)."""
    from PySide6.QtCore import QEvent, QObject

    class Counter(QObject):
        n = 0

        def eventFilter(self, obj, ev):  # noqa: N802
            if ev.type() == QEvent.Paint:
                Counter.n += 1
            return False

    c = Counter()
    widget.viewport().installEventFilter(c)
    return c


def _interact(app, set_range, viewport_owner, x_max: float) -> dict:
    """Median/p95 ms of pan and zoom frames: range change + event processing (one paint)."""
    import numpy as np

    counter = _frame_timer(viewport_owner)
    times = []
    painted = 0
    # pans across the whole data at 80 % width, then zooms in from all to 1/400
    windows = [(a, a + 0.8 * x_max) for a in np.linspace(0, 0.2 * x_max, 40)]
    windows += [(0.3 * x_max, 0.3 * x_max + x_max / z) for z in np.geomspace(1, 400, 40)]
    for a, b in windows:
        before = counter.n
        t = time.perf_counter()
        set_range(a, b)
        app.processEvents()
        times.append(time.perf_counter() - t)
        painted += counter.n > before
    ms = np.array(times) * 1000
    return {
        "frame_ms": float(np.median(ms)),
        "frame_p95_ms": float(np.percentile(ms, 95)),
        "frames_painted": painted,
        "frames": len(windows),
    }


def _rss_mb() -> float:
    import psutil

    return psutil.Process().memory_info().rss / 1e6


def child_start_product() -> dict:
    t0 = float(os.environ["BENCH_T0"])
    from PySide6.QtCore import QSettings

    from gui.app import make_app
    from gui.main_window import MainWindow
    from gui.settings import Settings

    app = make_app()
    ini = os.path.join(tempfile.mkdtemp(), "fitlens.ini")
    w = MainWindow(Settings(QSettings(ini, QSettings.IniFormat)), persist=False)
    w.show()
    app.processEvents()
    w.repaint()
    t = time.time() - t0
    tf = any(m.split(".")[0] in ("tensorflow", "keras") for m in sys.modules)
    w.shutdown()
    return {"seconds": t, "tensorflow_loaded": tf}


def child_start_baseline() -> dict:
    t0 = float(os.environ["BENCH_T0"])
    from PySide6.QtWidgets import QApplication, QWidget

    app = QApplication([])
    w = QWidget()
    w.resize(1400, 900)
    w.show()
    app.processEvents()
    w.repaint()
    return {"seconds": time.time() - t0}


def _make_series():
    import numpy as np

    rng = np.random.default_rng(0)
    x = np.arange(N_POINTS, dtype=float)
    out = {}
    for i in range(N_SERIES // 2):
        base = np.exp(-x / 3e5) + 0.1 * i
        out[f"head{i}_loss"] = base + rng.normal(0, 0.02, N_POINTS)
        out[f"val_head{i}_loss"] = base + 0.05 + rng.normal(0, 0.02, N_POINTS)
    return x, out


def child_big_product() -> dict:
    path = os.environ["BENCH_CSV"]
    from PySide6.QtCore import QSettings

    from gui.app import make_app
    from gui.main_window import MainWindow
    from gui.settings import Settings

    app = make_app()
    ini = os.path.join(tempfile.mkdtemp(), "fitlens.ini")
    w = MainWindow(Settings(QSettings(ini, QSettings.IniFormat)), persist=False)
    w.resize(1400, 900)
    w.show()
    app.processEvents()
    pw = w.plot_area.plot("loss").pw
    counter = _frame_timer(pw)
    t = time.perf_counter()
    w.open_paths([path])
    while not (
        w.store.entries
        and not w.loader.busy
        and counter.n > 0
        and w.plot_area.plot("loss").has_curves()
    ):
        app.processEvents()
        time.sleep(0.001)
    pw.repaint()
    first = time.perf_counter() - t
    n_curves = sum(1 + (it.main is not None) for it in w.plot_area.plot("loss")._items.values())
    rss = _rss_mb()
    x_max = float(N_POINTS - 1)
    inter = _interact(app, w.plot_area.set_x_range, pw, x_max)
    w.set_smoothing(0.0)
    app.processEvents()
    raw = _interact(app, w.plot_area.set_x_range, pw, x_max)
    w.shutdown()
    return {
        "first_frame_s": first,
        "rss_mb": rss,
        "curves": n_curves,
        **inter,
        "raw_frame_ms": raw["frame_ms"],
        "raw_frame_p95_ms": raw["frame_p95_ms"],
    }


def child_big_baseline() -> dict:
    import pyqtgraph as pg

    x, series = _make_series()
    app = pg.mkQApp()
    pw = pg.PlotWidget()
    pw.resize(1000, 700)
    pw.show()
    app.processEvents()
    counter = _frame_timer(pw)
    t = time.perf_counter()
    for y in series.values():
        pw.plot(x, y, pen=pg.mkPen("b", width=1))
    while counter.n == 0:
        app.processEvents()
    pw.repaint()
    first = time.perf_counter() - t
    rss = _rss_mb()
    pi = pw.getPlotItem()
    inter = _interact(app, lambda a, b: pi.setXRange(a, b, padding=0), pw, float(N_POINTS - 1))
    pw.close()
    return {"first_frame_s": first, "rss_mb": rss, **inter}


CHILDREN = {
    "start_product": child_start_product,
    "start_baseline": child_start_baseline,
    "big_product": child_big_product,
    "big_baseline": child_big_baseline,
}


# -- parent -----------------------------------------------------------------------------------------
def _child(name: str, extra_env: dict | None = None) -> dict:
    env = dict(
        os.environ,
        QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"),
        PYTHONPATH=str(ROOT),
        BENCH_T0=repr(time.time()),
        **(extra_env or {}),
    )
    out = subprocess.run(
        [sys.executable, __file__, "--child", name],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    if out.returncode != 0:
        raise SystemExit(f"bench child {name} failed ({out.returncode}):\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _write_csv(path: Path) -> None:
    import pandas as pd

    x, series = _make_series()
    pd.DataFrame({"step": x.astype("int64"), **series}).to_csv(
        path, index=False, float_format="%.6g"
    )


def main() -> int:
    import statistics

    rows = []
    sp = [_child("start_product") for _ in range(REPEATS_START)]
    sb = [_child("start_baseline") for _ in range(REPEATS_START)]
    start_p = statistics.median(r["seconds"] for r in sp)
    start_b = statistics.median(r["seconds"] for r in sb)
    tf = any(r["tensorflow_loaded"] for r in sp)
    rows.append(
        ("cold start to shown window (s)", start_p, start_b, 1.5, start_p <= 1.5 and not tf)
    )

    with tempfile.TemporaryDirectory(prefix="fitlens-bench-") as d:
        csv_path = Path(d) / "big_training_log.csv"
        _write_csv(csv_path)
        bp = _child("big_product", {"BENCH_CSV": str(csv_path)})
    bb = _child("big_baseline")
    rows.append(
        (
            f"{N_SERIES}x1M: load -> first frame (s)",
            bp["first_frame_s"],
            bb["first_frame_s"],
            2.0,
            bp["first_frame_s"] <= 2.0,
        )
    )
    rows.append(
        (
            "pan/zoom frame, median (ms)",
            bp["frame_ms"],
            bb["frame_ms"],
            30.0,
            bp["frame_ms"] <= 30.0,
        )
    )
    rows.append(("pan/zoom frame, p95 (ms)", bp["frame_p95_ms"], bb["frame_p95_ms"], None, None))
    rows.append(
        (
            "pan/zoom frame, smoothing off, median (ms)",
            bp["raw_frame_ms"],
            bb["frame_ms"],
            30.0,
            bp["raw_frame_ms"] <= 30.0,
        )
    )
    rows.append(
        (
            "resident memory after first frame (MB)",
            bp["rss_mb"],
            bb["rss_mb"],
            600.0,
            bp["rss_mb"] <= 600.0,
        )
    )

    print(
        f"FitLens GUI bench (Python {sys.version.split()[0]}, {N_SERIES} series x "
        f"{N_POINTS:,} points; FitLens draws {bp['curves']} curves with smoothing 0.6, "
        f"the baseline {N_SERIES}; frames painted: FitLens "
        f"{bp['frames_painted']}/{bp['frames']}, baseline {bb['frames_painted']}/{bb['frames']})"
    )
    print(f"TensorFlow/Keras imported by the GUI at start: {'yes' if tf else 'no'}")
    print()
    head = f"| {'measure':<46} | {'FitLens':>9} | {'baseline':>9} | {'ratio':>6} | {'target':>7} | ok  |"
    print(head)
    print(
        "|" + "-" * 48 + "|" + "-" * 11 + "|" + "-" * 11 + "|" + "-" * 8 + "|" + "-" * 9 + "|-----|"
    )
    for name, p, b, target, ok in rows:
        ratio = p / b if b else float("nan")
        tgt = "" if target is None else f"<= {target:g}"
        oks = "" if ok is None else ("yes" if ok else "NO")
        print(f"| {name:<46} | {p:>9.3f} | {b:>9.3f} | {ratio:>6.2f} | {tgt:>7} | {oks:<3} |")
    print()
    print(
        "baseline: cold start = bare QApplication + QWidget; the other rows = plain pyqtgraph "
        "plot() of the same arrays (already in memory), no downsampling, no clip to view."
    )
    return 0 if all(ok is not False for *_, ok in rows) else 1


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        sys.path.insert(0, str(ROOT))
        print(json.dumps(CHILDREN[sys.argv[2]]()))
        sys.exit(0)
    sys.exit(main())
