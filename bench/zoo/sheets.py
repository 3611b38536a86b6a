"""Contact sheets of the zoo: every run's curves with its labels, 9 runs per PNG.

Each run gets a title line (folder name, split, epochs run, labels abbreviated as in
:data:`ABBREV`) over three plots: losses (``loss`` blue, ``val_loss`` red; log scale when
every value is positive), scores (``accuracy``/``val_accuracy``, or ``mae``/``val_mae`` for a
regression; dashed grey: the validation majority-class rate, dotted grey: 1/K) and the
``learning_rate`` column when logged (log scale unless it reaches 0). A red vertical line marks the first
non-finite loss. Drawn with pyqtgraph's ``ImageExporter`` (run with
``QT_QPA_PLATFORM=offscreen`` on a machine without a display).
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np

ABBREV = {
    "overfitting": "OF",
    "plateau": "PL",
    "slow_convergence": "SL",
    "divergence": "DV",
    "non_finite": "NF",
    "oscillation": "OS",
    "stuck_at_chance": "ST",
    "inconsistent_metrics": "IM",
}
PER_SHEET = 9
PER_ROW = 3
TRAIN, VAL = (30, 90, 200), (220, 40, 40)


def label_text(expect: dict) -> str:
    """``must OF | any NF/DV | not ST,NF`` from a run's ``expect``."""
    parts = []
    if expect.get("must"):
        parts.append("must " + ",".join(ABBREV.get(k, k) for k in expect["must"]))
    for group in expect.get("must_any", []):
        parts.append("any " + "/".join(ABBREV.get(k, k) for k in group))
    if expect.get("must_not"):
        parts.append("not " + ",".join(ABBREV.get(k, k) for k in expect["must_not"]))
    return " | ".join(parts) or "no labels"


def _curve(plot, values, color, style=None) -> None:
    import pyqtgraph as pg

    y = np.asarray(values, dtype=np.float64)
    pen = pg.mkPen(color=color, width=2, style=style) if style else pg.mkPen(color=color, width=2)
    plot.plot(np.arange(len(y)), np.where(np.isfinite(y), y, np.nan), pen=pen, connect="finite")


def _hline(plot, level: float, dotted: bool) -> None:
    import pyqtgraph as pg
    from pyqtgraph.Qt import QtCore

    style = QtCore.Qt.PenStyle.DotLine if dotted else QtCore.Qt.PenStyle.DashLine
    plot.addItem(pg.InfiniteLine(pos=level, angle=0, pen=pg.mkPen((120, 120, 120), style=style)))


def _loss_plot(plot, hist: dict) -> None:
    import pyqtgraph as pg

    losses = [hist[k] for k in ("loss", "val_loss") if k in hist]
    finite = np.concatenate([np.asarray(v, dtype=float) for v in losses])
    finite = finite[np.isfinite(finite)]
    plot.setLogMode(y=bool(finite.size) and bool((finite > 0).all()))
    for key, color in (("loss", TRAIN), ("val_loss", VAL)):
        if key in hist:
            _curve(plot, hist[key], color)
    bad = [i for i, v in enumerate(hist.get("loss", [])) if not math.isfinite(v)]
    if bad:
        plot.addItem(pg.InfiniteLine(pos=bad[0], angle=90, pen=pg.mkPen((255, 0, 0), width=2)))


def _score_plot(plot, hist: dict, meta: dict) -> None:
    names = ("accuracy", "val_accuracy") if "accuracy" in hist else ("mae", "val_mae")
    for key, color in zip(names, (TRAIN, VAL), strict=True):
        if key in hist:
            _curve(plot, hist[key], color)
    if meta.get("val_majority_rate") is not None:
        _hline(plot, meta["val_majority_rate"], dotted=False)
    if meta.get("n_classes"):
        _hline(plot, 1.0 / meta["n_classes"], dotted=True)


def _lr_plot(plot, hist: dict) -> None:
    lr = np.asarray(hist.get("learning_rate", []), dtype=float)
    if lr.size:
        plot.setLogMode(y=bool((lr > 0).all()))
        _curve(plot, lr, (40, 140, 40))


def _title(run: Path, meta: dict, hist: dict) -> str:
    epochs = len(next(iter(hist.values()), []))
    first = "" if "accuracy" not in hist else f" acc {hist['accuracy'][-1]:.3f}"
    last = "" if "val_accuracy" not in hist else f" val_acc {hist['val_accuracy'][-1]:.3f}"
    maj = meta.get("val_majority_rate")
    maj = "" if maj is None else f" maj {maj:.3f}"
    return (
        f"<b>{run.name}</b> [{meta.get('split', '?')}] {epochs}/{meta['epochs']} ep"
        f"{first}{last}{maj}<br>{label_text(meta['expect'])}"
    )


def draw_sheet(run_dirs: list[Path], path: Path) -> None:
    """One PNG with up to :data:`PER_SHEET` runs, :data:`PER_ROW` runs per row."""
    import pyqtgraph as pg
    from pyqtgraph.exporters import ImageExporter

    pg.mkQApp()
    pg.setConfigOptions(background="w", foreground="k", antialias=True)
    view = pg.GraphicsLayoutWidget()
    rows = math.ceil(len(run_dirs) / PER_ROW)
    view.resize(2400, 560 * rows + 40)
    legend = "  ".join(f"{v}={k}" for k, v in ABBREV.items())
    view.addLabel(
        f"blue train, red validation; grey dashed majority rate, dotted 1/K.  {legend}",
        row=0,
        col=0,
        colspan=3 * PER_ROW,
        size="9pt",
    )
    for i, run in enumerate(run_dirs):
        meta = json.loads((run / "meta.json").read_text())
        hist = json.loads((run / "history.json").read_text())
        row, col = 1 + 2 * (i // PER_ROW), 3 * (i % PER_ROW)
        view.addLabel(_title(run, meta, hist), row=row, col=col, colspan=3, size="10pt")
        plots = [view.addPlot(row=row + 1, col=col + k) for k in range(3)]
        view.ci.layout.setRowStretchFactor(row + 1, 10)
        _loss_plot(plots[0], hist)
        _score_plot(plots[1], hist, meta)
        _lr_plot(plots[2], hist)
        for plot in plots:
            plot.showGrid(x=True, y=True, alpha=0.2)
    view.show()
    pg.QtWidgets.QApplication.processEvents()
    exporter = ImageExporter(view.scene())
    exporter.parameters()["width"] = 2400
    exporter.export(str(path))
    view.close()


def write_sheets(runs_root: Path, out: Path, only: str | None = None) -> list[Path]:
    """Draw every run under ``runs_root`` (in name order) into ``out/sheet_NN.png``."""
    out.mkdir(parents=True, exist_ok=True)
    runs = sorted(p.parent for p in runs_root.glob("*/meta.json"))
    if only:
        runs = [r for r in runs if re.search(only, r.name)]
    paths = []
    for n in range(0, len(runs), PER_SHEET):
        path = out / f"sheet_{n // PER_SHEET:02d}.png"
        draw_sheet(runs[n : n + PER_SHEET], path)
        paths.append(path)
    return paths
