"""One plot of one metric family (loss, scores, learning rate, other).

A :class:`FamilyPlot` draws the curves it is given (:class:`CurveSpec`), plus
the decorations the plot area asks for: best-epoch markers, restart markers,
non-finite markers, shaded finding spans, a hover crosshair with a readout.

pyqtgraph settings follow ``../shared/cases/CASES.md`` cases 15, 17 and 18:
peak downsampling and clip-to-view are set on the :class:`PlotItem` (never as
item keyword arguments, which raises ``AttributeError: autoRangeEnabled``);
clip-to-view is switched off for a curve whose x is not strictly increasing;
pens are 1 px for large series (wider pens cost hundreds of ms per frame at a
million points); symbols only for short series.
"""

from __future__ import annotations

import csv
import html
import math
from dataclasses import dataclass, field

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QPointF, Qt, Signal
from PySide6.QtGui import QAction, QColor, QPen
from PySide6.QtWidgets import (
    QCheckBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMenu,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from analysis.smoothing import MIN_POINTS
from gui.axes import XAxis, format_value, format_x
from gui.curves import CurveData, visible_rows
from gui.lod import LOD_MIN_POINTS, PeakPyramid
from gui.theme import (
    BORDER,
    FAMILY_TITLES,
    GRID_ALPHA,
    MUTED,
    RAW_ALPHA,
    SPAN_ALPHA_SELECTED,
    SPAN_ALPHA_STRIP,
    SPAN_STRIP,
    TEXT,
)

#: Above this many points a curve gets a 1-px pen and no antialiasing.
SMALL_SERIES = 5000
#: Up to this many points the raw curve carries point symbols.
SYMBOL_MAX = 60
#: Lines in the hover readout before "... and N more".
READOUT_MAX_LINES = 14

Y_LABELS = {"loss": "loss", "score": "score", "lr": "learning rate", "other": "value"}


@dataclass(eq=False)
class CurveSpec:
    """What the plot area asks a family plot to draw for one metric of one run."""

    key: int
    run_name: str
    color: str
    data: CurveData
    label: str
    highlighted: bool = False


@dataclass(eq=False)
class SpanSpec:
    """A shaded x interval (a finding's span)."""

    x0: float
    x1: float
    color: str
    label: str = ""
    selected: bool = False


@dataclass(eq=False)
class VLineSpec:
    """A vertical marker line (best epoch, restart, first non-finite value)."""

    x: float
    color: str
    label: str = ""
    style: Qt.PenStyle = Qt.DotLine
    alpha: int = 160


@dataclass(eq=False)
class PointSpec:
    """A highlighted point (the best epoch on the val_loss curve)."""

    x: float
    y: float
    color: str
    symbol: str = "star"


@dataclass(eq=False)
class _Items:
    spec: CurveSpec
    raw: pg.PlotDataItem
    main: pg.PlotDataItem | None = None
    extra: list = field(default_factory=list)
    level: int = -1  # LOD level drawn (-1: full data, no pyramid)
    drawn: tuple = ()  # (CurveData, level, has smoothed item) last handed to pyqtgraph


class _QuietSample(pg.ItemSample):
    """Legend sample that does not hide the curve when clicked (the runs panel does that)."""

    def mouseClickEvent(self, event):  # noqa: N802 (Qt naming)
        event.accept()


def make_pen(color: str, role: str, alpha: int = 255, width: float = 1.0) -> QPen:
    """Cosmetic pen: solid for training, dashed for validation, dotted for test metrics."""
    c = QColor(color)
    c.setAlpha(alpha)
    pen = QPen(c)
    pen.setWidthF(width)
    pen.setCosmetic(True)
    if role == "val":
        pen.setStyle(Qt.CustomDashLine)
        pen.setDashPattern([5, 3] if width <= 1 else [4, 2.5])
    elif role == "test":
        pen.setStyle(Qt.DotLine)
    return pen


def _elide(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n // 2 - 1] + "…" + text[-(n - n // 2) :]


def _num(x: float) -> str:
    """Whole numbers without a trailing .0 (epochs, steps), other floats at full precision."""
    if math.isfinite(x) and x == int(x):
        return str(int(x))
    return repr(float(x))


class FamilyPlot(QFrame):
    """A card with a header (title, notices, log-y, export) and a pyqtgraph plot.

    Signals
    -------
    hovered(float)
        x under the mouse in data coordinates; NaN when the mouse leaves.
    logYToggled(str, bool)
        Family and new state, when the user flips the log-y box.
    exportRequested(str, str)
        Family and format (``png``, ``svg``, ``csv``).
    userRangeChanged()
        The user panned or zoomed this plot.
    """

    hovered = Signal(float)
    logYToggled = Signal(str, bool)
    exportRequested = Signal(str, str)
    userRangeChanged = Signal()

    def __init__(self, family: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.family = family
        self.setObjectName("PlotCard")
        self._items: dict[tuple[int, str], _Items] = {}
        self._decor: list = []
        self._legend_proxies: list = []
        self._span_items: list = []
        self._x_mode = "epoch"
        self._log_y = False
        self.auto_reason = ""  # why log y was switched on automatically (empty: user's choice)

        lay = QVBoxLayout(self)
        lay.setContentsMargins(8, 6, 8, 4)
        lay.setSpacing(2)
        head = QHBoxLayout()
        head.setSpacing(8)
        self.title = QLabel(FAMILY_TITLES.get(family, family))
        self.title.setObjectName("PlotTitle")
        self.notice = QLabel()
        self.notice.setObjectName("Notice")
        self.notice.setSizePolicy(QSizePolicy.Maximum, QSizePolicy.Preferred)
        self.notice.setMinimumWidth(40)
        self.notice.hide()
        self.log_box = QCheckBox("Log y")
        self.log_box.setToolTip("Logarithmic y axis (values ≤ 0 are left out, with a notice)")
        self.log_box.toggled.connect(self._on_log_toggled)
        self.menu_button = QToolButton()
        self.menu_button.setText("Export")
        self.menu_button.setPopupMode(QToolButton.InstantPopup)
        self.menu_button.setAutoRaise(True)
        menu = QMenu(self.menu_button)
        for fmt, text in (
            ("png", "Plot as PNG…"),
            ("svg", "Plot as SVG…"),
            ("csv", "Visible data as CSV…"),
        ):
            act = QAction(text, menu)
            act.triggered.connect(lambda _=False, f=fmt: self.exportRequested.emit(self.family, f))
            menu.addAction(act)
        self.menu_button.setMenu(menu)
        head.addWidget(self.title)
        head.addWidget(self.notice)
        head.addStretch(1)
        head.addWidget(self.log_box)
        head.addWidget(self.menu_button)
        lay.addLayout(head)

        self.axis = XAxis("bottom")
        self.pw = pg.PlotWidget(axisItems={"bottom": self.axis})
        self.pw.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)
        self.pw.setMinimumHeight(140)
        self.pw.setFrameShape(QFrame.NoFrame)
        pi = self.pi = self.pw.getPlotItem()
        # CASES.md 15/17/18: on the PlotItem, never as item kwargs
        pi.setDownsampling(auto=True, mode="peak")
        pi.setClipToView(True)
        pi.showGrid(x=True, y=True, alpha=GRID_ALPHA)
        pi.setMenuEnabled(True)
        pi.hideButtons()
        for name in ("left", "bottom"):
            ax = pi.getAxis(name)
            ax.enableAutoSIPrefix(False)
            # major and minor ticks only: the third level's grid lines cost ~4 ms a frame
            ax.setStyle(maxTickLevel=1)
            ax.setTextPen(pg.mkPen(MUTED))
            ax.setPen(pg.mkPen(BORDER))
        pi.getAxis("left").setWidth(62)
        pi.setLabel("left", Y_LABELS.get(family, family), color=MUTED)
        self.axis.set_mode("epoch")
        self.axis.setLabel("epoch", color=MUTED)
        pi.vb.setAutoVisible(y=True)
        # before the items' own range handlers (connected later): swap LOD levels first
        pi.vb.sigXRangeChanged.connect(self._update_lod)
        pi.vb.sigResized.connect(self._update_lod)
        pi.vb.sigRangeChangedManually.connect(lambda *_: self.userRangeChanged.emit())
        # scores rise to the top right, losses fall away from it
        self.legend = pi.addLegend(
            offset=(-8, -8) if family == "score" else (-8, 8),
            brush=pg.mkBrush(255, 255, 255, 225),
            pen=pg.mkPen(BORDER),
            labelTextColor=TEXT,
            labelTextSize="8.5pt",
            sampleType=_QuietSample,
            verSpacing=-6,
        )
        self.vline = pg.InfiniteLine(
            angle=90,
            movable=False,
            pen=pg.mkPen(QColor(60, 64, 67, 150), width=1, style=Qt.DashLine),
        )
        self.vline.setZValue(50)
        self.vline.hide()
        pi.addItem(self.vline, ignoreBounds=True)
        lay.addWidget(self.pw, 1)

        self.readout = QLabel(self.pw)
        self.readout.setObjectName("Readout")
        self.readout.setTextFormat(Qt.RichText)
        self.readout.setAttribute(Qt.WA_TransparentForMouseEvents)
        self.readout.hide()

        self.pw.scene().sigMouseMoved.connect(self._on_mouse)
        self.pw.viewport().installEventFilter(self)

    # -- curves ---------------------------------------------------------------
    def specs(self) -> list[CurveSpec]:
        return [it.spec for it in self._items.values()]

    def has_curves(self) -> bool:
        return bool(self._items)

    def set_curves(self, specs: list[CurveSpec]) -> None:
        """Show exactly these curves (items are reused where possible)."""
        want = {(s.key, s.data.metric): s for s in specs}
        for k in list(self._items):
            if k not in want:
                self._remove(self._items.pop(k))
        for k, s in want.items():
            it = self._items.get(k)
            if it is None:
                raw = pg.PlotDataItem()
                self.pi.addItem(raw)
                it = self._items[k] = _Items(s, raw)
            it.spec = s
            self._apply(it)
        self._fill_legend(specs)
        self._update_notice()

    def _fill_legend(self, specs: list[CurveSpec]) -> None:
        """One entry per metric for a single run; for several runs one entry per run
        (its colour) plus the line-style key (solid training, dashed validation)."""
        self.legend.clear()
        self._legend_proxies = []
        runs: dict[int, CurveSpec] = {}
        for s in specs:
            runs.setdefault(s.key, s)
        if len(runs) <= 1:
            for s in specs:
                it = self._items[(s.key, s.data.metric)]
                self.legend.addItem(it.main or it.raw, html.escape(s.data.metric))
        else:

            def proxy(color: str, role: str, text: str) -> None:
                item = pg.PlotDataItem(pen=make_pen(color, role, 255, 2.0))
                self._legend_proxies.append(item)
                self.legend.addItem(item, html.escape(text))

            for s in runs.values():
                name = (
                    s.run_name
                    if len(s.run_name) <= 34
                    else s.run_name[:15] + "…" + s.run_name[-16:]
                )
                proxy(s.color, "train", name)
            roles = {s.data.role for s in specs}
            if len(roles) > 1:
                for role, text in (("train", "training"), ("val", "validation"), ("test", "test")):
                    if role in roles:
                        proxy(MUTED, role, text)
        self.legend.setVisible(bool(specs))

    def _remove(self, it: _Items) -> None:
        for item in [it.raw, it.main, *it.extra]:
            if item is not None:
                self.pi.removeItem(item)

    def _pyramids(self, d: CurveData) -> tuple[PeakPyramid, PeakPyramid | None] | None:
        if len(d) < LOD_MIN_POINTS or not d.increasing:
            return None
        if "lod" not in d.cache:
            d.cache["lod"] = (
                PeakPyramid(d.x, d.y),
                None if d.smoothed is None else PeakPyramid(d.x, d.smoothed),
            )
        return d.cache["lod"]

    def _level_for(self, it: _Items) -> int:
        pyr = self._pyramids(it.spec.data)
        if pyr is None:
            return -1
        vb = self.pi.vb
        (x0, x1), _ = vb.viewRange()
        if vb.autoRangeEnabled()[0] or not self.isVisible():
            x0, x1 = float(it.spec.data.x[0]), float(it.spec.data.x[-1])
        return pyr[0].choose(x0, x1, max(vb.width(), 200.0))

    def _set_item_data(self, it: _Items, level: int) -> None:
        """Give pyqtgraph the full data or one LOD level (see :mod:`gui.lod`)."""
        d = it.spec.data
        step = "right" if self.family == "lr" else None
        small = len(d) <= SMALL_SERIES
        # one min/max pair per pixel column is all peak mode can show (pyqtgraph default: 5)
        kw = {"stepMode": step, "antialias": small, "autoDownsampleFactor": 1.0}
        if level < 0:
            it.raw.setData(d.x, d.y, **kw)
            if it.main is not None:
                it.main.setData(d.x, d.smoothed, **kw)
        else:
            raw_p, sm_p = self._pyramids(d)
            it.raw.setData(*raw_p.level(level), **kw)
            if it.main is not None and sm_p is not None:
                it.main.setData(*sm_p.level(level), **kw)
        it.level = level
        it.drawn = (d, level, it.main is not None)

    def _update_lod(self, *_args) -> None:
        for it in self._items.values():
            if it.level >= 0:
                lv = self._level_for(it)
                if lv != it.level:
                    self._set_item_data(it, lv)

    def _apply(self, it: _Items) -> None:
        s = it.spec
        d = s.data
        n = len(d)
        small = n <= SMALL_SERIES
        width = 2.0 if small else 1.0
        z = 20 if s.highlighted else 10
        smoothed = d.smoothed is not None
        raw_pen = make_pen(
            s.color, d.role, RAW_ALPHA if smoothed else 255, 1.0 if smoothed else width
        )
        if smoothed and it.main is None:
            it.main = pg.PlotDataItem()
            self.pi.addItem(it.main)
        elif not smoothed and it.main is not None:
            self.pi.removeItem(it.main)
            it.main = None
        level = self._level_for(it)
        if not (it.drawn and it.drawn[0] is d and it.drawn[1:] == (level, it.main is not None)):
            # new data, level or smoothing; restyling alone (colour, highlight) keeps the data
            self._set_item_data(it, level)
        it.raw.setPen(raw_pen)
        if not smoothed and n <= SYMBOL_MAX and (not d.smoothing_on or n < MIN_POINTS):
            it.raw.setSymbol("o")
            it.raw.setSymbolSize(5 if d.role == "train" else 6)
            it.raw.setSymbolPen(pg.mkPen(s.color) if d.role == "val" else None)
            it.raw.setSymbolBrush(pg.mkBrush("#ffffff" if d.role == "val" else s.color))
        else:
            it.raw.setSymbol(None)
        it.raw.setClipToView(bool(d.increasing))
        it.raw.setZValue(z - 1 if smoothed else z)
        if it.main is not None:
            it.main.setPen(make_pen(s.color, d.role, 255, width))
            it.main.setClipToView(bool(d.increasing))
            it.main.setZValue(z)

    # -- options ----------------------------------------------------------------
    def set_x_mode(self, mode: str) -> None:
        self._x_mode = mode
        self.axis.set_mode(mode)
        self.axis.setLabel({"wall_time": "elapsed time"}.get(mode, mode), color=MUTED)

    def set_log_y(self, on: bool, auto_reason: str = "") -> None:
        """Log y on or off; ``auto_reason`` says why the view chose it (shown as a notice)."""
        self.auto_reason = auto_reason if on else ""
        self._log_y = bool(on)
        if self.log_box.isChecked() != self._log_y:
            self.log_box.blockSignals(True)
            self.log_box.setChecked(self._log_y)
            self.log_box.blockSignals(False)
        self.pi.setLogMode(x=False, y=self._log_y)
        if self.family == "lr":
            # a constant or gently stepped learning rate spans a fraction of a decade; show
            # at least three (view units are decades on a log axis) so the axis labels whole
            # decades instead of crowding every minor tick
            self.pi.vb.setLimits(minYRange=3.0 if self._log_y else None)
        self._update_notice()

    @property
    def log_y(self) -> bool:
        return self._log_y

    def _on_log_toggled(self, on: bool) -> None:
        self.set_log_y(on)
        self.logYToggled.emit(self.family, on)

    def notice_text(self) -> str:
        return self.notice.text() if self.notice.isVisible() or self.notice.text() else ""

    def _update_notice(self) -> None:
        parts = []
        if self._log_y and self.auto_reason:
            parts.append(self.auto_reason)
        if self._log_y:
            bad = sum(it.spec.data.n_nonpositive() for it in self._items.values())
            if bad:
                parts.append(f"log y: {bad} value{'s' if bad != 1 else ''} ≤ 0 not drawn")
        fb = [it.spec for it in self._items.values() if it.spec.data.fallback]
        if fb:
            names = ", ".join(sorted({s.run_name for s in fb}))
            names = names if len(names) <= 48 else names[:47] + "…"
            asked = fb[0].data.requested.replace("_", " ")
            used = "/".join(sorted({s.data.x_mode for s in fb}))
            parts.append(f"{names}: no {asked} in the log, drawn by {used}")
        self.notice.setText(" · ".join(parts))
        self.notice.setToolTip(self.notice.text())
        self.notice.setVisible(bool(parts))

    # -- decorations ------------------------------------------------------------
    def set_decorations(self, vlines: list[VLineSpec], points: list[PointSpec]) -> None:
        """Replace marker lines and points (best epoch, restarts, non-finite values)."""
        for item in self._decor:
            self.pi.removeItem(item)
        self._decor = []
        labelled = sorted((v for v in vlines if v.label), key=lambda v: v.x)
        slot = {id(v): i for i, v in enumerate(labelled)}
        for v in vlines:
            c = QColor(v.color)
            c.setAlpha(v.alpha)
            opts = {}
            if v.label:
                tc = QColor(v.color)
                opts = {
                    "label": v.label,
                    "labelOpts": {
                        "position": 0.97 - 0.09 * (slot[id(v)] % 4),
                        "anchor": (-0.02, 0.0),
                        "color": tc.darker(130),
                        "fill": pg.mkBrush(255, 255, 255, 210),
                    },
                }
            line = pg.InfiniteLine(
                pos=v.x, angle=90, movable=False, pen=pg.mkPen(c, width=1, style=v.style), **opts
            )
            line.setZValue(5)
            self.pi.addItem(line, ignoreBounds=True)
            self._decor.append(line)
        for p in points:
            item = pg.PlotDataItem(
                [p.x],
                [p.y],
                pen=None,
                symbol=p.symbol,
                symbolSize=15,
                symbolBrush=pg.mkBrush(p.color),
                symbolPen=pg.mkPen("#ffffff", width=1.2),
            )
            self.pi.addItem(item, ignoreBounds=True)
            item.setZValue(30)
            self._decor.append(item)

    def set_spans(self, spans: list[SpanSpec]) -> None:
        """Replace the shaded finding spans."""
        for item in self._span_items:
            self.pi.removeItem(item)
        self._span_items = []
        lane = 0
        for sp in spans:
            c = QColor(sp.color)
            x0, x1 = sorted((sp.x0, sp.x1))
            strip = (0.0, 1.0)
            if not sp.selected:  # one lane per finding, so strips never blend
                strip = (lane % 4 * SPAN_STRIP, (lane % 4 + 1) * SPAN_STRIP)
                lane += 1
            if x1 - x0 <= 0:  # a point in time: a line instead of an empty region
                edge = QColor(sp.color)
                edge.setAlpha(200 if sp.selected else 140)
                item = pg.InfiniteLine(
                    pos=x0,
                    angle=90,
                    movable=False,
                    pen=pg.mkPen(edge, width=2 if sp.selected else 1),
                    span=strip,
                )
                line = item
            elif sp.selected:  # the selected finding: shaded over the full height
                c.setAlpha(SPAN_ALPHA_SELECTED)
                item = pg.LinearRegionItem(
                    values=(x0, x1),
                    orientation="vertical",
                    brush=pg.mkBrush(c),
                    movable=False,
                    pen=pg.mkPen(None),
                )
                item.setHoverBrush(pg.mkBrush(c))
                line = item.lines[0]
            else:  # the others: a thin strip along the bottom edge, in the severity colour
                c.setAlpha(SPAN_ALPHA_STRIP)
                item = pg.LinearRegionItem(
                    values=(x0, x1),
                    orientation="vertical",
                    brush=pg.mkBrush(c),
                    movable=False,
                    pen=pg.mkPen(None),
                    span=strip,
                )
                item.setHoverBrush(pg.mkBrush(c))
                line = item.lines[0]
            if sp.label and sp.selected:
                tc = QColor(sp.color).darker(125)
                item.span_label = pg.InfLineLabel(
                    line,
                    text=sp.label,
                    position=0.97,
                    anchor=(0, 0),
                    color=tc,
                    fill=pg.mkBrush(255, 255, 255, 200),
                )
            item.setZValue(-20 if not sp.selected else -10)
            self.pi.addItem(item, ignoreBounds=True)
            self._span_items.append(item)

    def spans(self) -> list:
        """The shaded span items currently shown (LinearRegionItem / InfiniteLine)."""
        return list(self._span_items)

    # -- ranges -----------------------------------------------------------------
    def x_bounds(self) -> tuple[float, float] | None:
        lo, hi = math.inf, -math.inf
        for it in self._items.values():
            x = it.spec.data.x
            if len(x):
                lo = min(lo, float(np.nanmin(x)))
                hi = max(hi, float(np.nanmax(x)))
        return None if lo > hi else (lo, hi)

    def visible_x_range(self) -> tuple[float, float]:
        (x0, x1), _ = self.pi.vb.viewRange()
        return float(x0), float(x1)

    # -- hover --------------------------------------------------------------------
    def eventFilter(self, obj, event):  # noqa: N802 (Qt naming)
        if event.type() == QEvent.Leave:
            self.hovered.emit(math.nan)
        return super().eventFilter(obj, event)

    def _on_mouse(self, pos: QPointF) -> None:
        vb = self.pi.vb
        if not self._items or not vb.sceneBoundingRect().contains(pos):
            self.hovered.emit(math.nan)
            return
        self.hovered.emit(float(vb.mapSceneToView(pos).x()))

    def show_cursor(self, x: float) -> None:
        """Crosshair at ``x`` and a readout of every curve's raw (and smoothed) value there."""
        if not self._items or not math.isfinite(x):
            self.vline.hide()
            self.readout.hide()
            return
        rows = []
        snap = None
        best_d = math.inf
        for it in self._items.values():
            d = it.spec.data
            i = d.index_at(x)
            if i is None:
                continue
            dist = abs(d.x[i] - x)
            if dist < best_d:
                best_d, snap = dist, float(d.x[i])
            rows.append((it.spec, i))
        if snap is None:
            self.vline.hide()
            self.readout.hide()
            return
        self.vline.setPos(snap)
        self.vline.show()
        mode = next(iter(self._items.values())).spec.data.x_mode
        title = "elapsed" if mode == "wall_time" else mode.replace("_", " ")
        rect = self.pw.mapFromScene(self.pi.vb.sceneBoundingRect()).boundingRect()
        line_px = self.readout.fontMetrics().height() + 1
        max_lines = max(1, min(READOUT_MAX_LINES, int((rect.height() - 24) / line_px) - 1))
        multi = len({s.key for s, _ in rows}) > 1
        cells = []
        for s, i in rows[:max_lines]:
            d = s.data
            dash = "┅" if d.role == "val" else ("┈" if d.role == "test" else "━")
            name = d.metric if not multi else f"{_elide(s.run_name, 22)} · {d.metric}"
            sm = ""
            if d.smoothed is not None:
                sm = f"smoothed {format_value(float(d.smoothed[i]))}"
            if abs(d.x[i] - snap) > 1e-9 * max(1.0, abs(snap)):
                sm = (sm + " " if sm else "") + f"@ {format_x(float(d.x[i]), d.x_mode)}"
            cells.append(
                f"<tr><td style='color:{s.color}'>{dash}</td>"
                f"<td style='padding-right:8px'>{html.escape(name)}</td>"
                f"<td align='right'><b>{format_value(float(d.y[i]))}</b></td>"
                f"<td style='color:{MUTED}; padding-left:6px'>{html.escape(sm)}</td></tr>"
            )
        more = ""
        if len(rows) > max_lines:
            more = f"<div style='color:{MUTED}'>… and {len(rows) - max_lines} more</div>"
        self.readout.setText(
            f"<b>{html.escape(title)} {html.escape(format_x(snap, mode))}</b>"
            f"<table cellspacing='0' cellpadding='0'>{''.join(cells)}</table>{more}"
        )
        self.readout.adjustSize()
        px = self.pw.mapFromScene(self.pi.vb.mapViewToScene(QPointF(snap, 0))).x()
        w = self.readout.width()
        left = px + 14  # beside the crosshair, on the side with room
        if left + w > rect.right() - 4:
            left = px - 14 - w
        left = max(rect.left() + 4, left)
        self.readout.move(int(left), int(rect.top() + 6))
        self.readout.show()
        self.readout.raise_()

    def readout_text(self) -> str:
        return self.readout.text() if self.readout.isVisible() else ""

    # -- export --------------------------------------------------------------------
    def export_image(self, path: str, width: int | None = None) -> None:
        """Write the plot as PNG or SVG (by extension) with pyqtgraph's exporters."""
        from gui.export import export_png, export_svg

        self.readout.hide()
        if str(path).lower().endswith(".svg"):
            export_svg(self.pi, str(path))
        else:
            export_png(self.pi, str(path), int(width or max(1200, self.pw.width() * 2)))

    def export_csv(self, path: str) -> int:
        """Write the data inside the visible x range as CSV (long format). Returns the row count.

        Columns: ``run, metric, <x mode>, value, smoothed`` (``smoothed`` empty when the
        curve is not smoothed; values exactly as logged, NaN/inf included).
        """
        x0, x1 = self.visible_x_range()
        curves = [(s.run_name, s.data) for s in self.specs()]
        mode = curves[0][1].x_mode if curves else self._x_mode
        n = 0
        with open(path, "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(["run", "metric", mode, "value", "smoothed"])
            for run, metric, _mode, x, v, sm in visible_rows(curves, x0, x1):
                w.writerow([run, metric, _num(x), repr(v), "" if sm is None else repr(sm)])
                n += 1
        return n

    def shutdown(self) -> None:
        """Drop all items (part of the clean exit, CASES.md case 30)."""
        try:
            self.pw.scene().sigMouseMoved.disconnect(self._on_mouse)
        except (RuntimeError, TypeError):
            pass
        for it in self._items.values():
            self._remove(it)
        self._items.clear()
        self.set_decorations([], [])
        self.set_spans([])
        self.legend.clear()
        self.pi.clear()
