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
import warnings
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

from analysis import naming
from analysis.smoothing import MIN_POINTS
from gui.axes import AXIS_TITLES, XAxis, YAxis, format_value, format_x, robust_y_range
from gui.curves import CurveData, visible_rows
from gui.legend import LegendBar, LegendEntry, elide_middle
from gui.lod import LOD_MIN_POINTS, PeakPyramid
from gui.theme import (
    BORDER,
    FAMILY_TITLES,
    GRID_ALPHA,
    MUTED,
    RAW_ALPHA,
    RAW_ALPHA_SHORT,
    SPAN_ALPHA_SELECTED,
    SPAN_ALPHA_STRIP,
    SPAN_STRIP,
    TEXT,
    dash_pattern,
    variant_color,
)
from gui.widgets import ElidedLabel

#: Above this many points a curve gets a 1-px pen and no antialiasing.
SMALL_SERIES = 5000
#: Up to this many points the raw curve carries point symbols.
SYMBOL_MAX = 60
#: Up to this many points a smoothed curve's raw values are drawn clearly (stronger line,
#: small point markers): on a 30-epoch log the EMA lags the real values by several
#: epochs, and the raw points are what happened (QA 12: a jump at epoch 1 must be obvious).
SHORT_SERIES = 200
#: ... while a plot overlays at most this many runs (beyond, points on every run's raw
#: curve bury the comparison; the hover readout still gives the raw values).
SHORT_SERIES_MAX_RUNS = 4
#: Entries of the legend drawn into exported images before "+N more".
EXPORT_LEGEND_MAX = 12
#: Marker label rows stacked below the top of a plot before labels are hidden.
MAX_LABEL_ROWS = 4
#: Lines in the hover readout before "... and N more".
READOUT_MAX_LINES = 14
#: Least height of a plot's data area (pixels): four plots and the docks fit a
#: 1024x640 screen; below that the plot area scrolls (QA3 1).
MIN_PLOT_HEIGHT = 110
#: A plot card shorter than this (pixels) shows one legend row, not two.
SHORT_CARD = 230

_ROLE_RANK = {"train": 0, "val": 1, "test": 2}

Y_LABELS = {"loss": "loss", "score": "score", "lr": "learning rate", "other": "value"}
#: y titles for plots too short for :data:`Y_LABELS`.
Y_SHORT = {"lr": "lr"}


@dataclass(eq=False)
class CurveSpec:
    """What the plot area asks a family plot to draw for one metric of one run."""

    key: int
    run_name: str
    color: str
    data: CurveData
    label: str
    highlighted: bool = False
    #: Style index of the metric within its run and plot (:func:`gui.curves.series_variants`)
    variant: int = 0
    #: How many metrics (base names) of this run share the plot's family.
    n_variants: int = 1

    @property
    def pen_color(self) -> str:
        """The curve's colour: the run's colour, or a shade of it for the run's other metrics."""
        return variant_color(self.color, self.variant)


@dataclass(eq=False)
class SpanSpec:
    """A shaded x interval (a finding's span)."""

    x0: float
    x1: float
    color: str
    label: str = ""
    selected: bool = False
    #: Strip lane along the bottom edge (one per run, see PlotArea._update_spans).
    lane: int = 0
    #: Hover text of a strip: the finding, its run and metric.
    tooltip: str = ""


@dataclass(eq=False)
class VLineSpec:
    """A vertical marker line (best epoch, restart, first non-finite value)."""

    x: float
    color: str
    label: str = ""
    style: Qt.PenStyle = Qt.DotLine
    alpha: int = 160
    #: Full text for the hover readout (the label may be shortened or hidden).
    detail: str = ""
    #: Label placement order: lower first (best epoch 0, non-finite 1, restarts 2).
    priority: int = 3
    #: Shorter forms of the label, longest first: the first that fits beside the line
    #: inside the view is shown (QA2: a merged NaN label was cut off at the left edge).
    alts: tuple[str, ...] = ()
    #: Labels of one group (``resumed``) whose boxes would stack are merged into the
    #: leftmost one (``resumed ×3``); the others keep their line only.
    group: str = ""


@dataclass(eq=False)
class PointSpec:
    """A highlighted point (the best epoch on the val_loss curve)."""

    x: float
    y: float
    color: str
    symbol: str = "star"


#: :attr:`_Items.drawn` of a curve with nothing to draw (no value > 0 on a log axis).
_EMPTY = ("empty",)


@dataclass(eq=False)
class _Items:
    spec: CurveSpec
    raw: pg.PlotDataItem
    main: pg.PlotDataItem | None = None
    extra: list = field(default_factory=list)
    level: int = -1  # LOD level drawn (-1: full data, no pyramid)
    drawn: tuple = ()  # (CurveData, level, has smoothed item) last handed to pyqtgraph


class _ViewBox(pg.ViewBox):
    """A view box whose x link copies the linked view's range.

    pyqtgraph lines linked views up on screen (same units per pixel, same x at the
    same screen column) when they overlap by a third or more; a half-width plot
    under a full-width one then showed only part of the range (QA: grad_norm out of
    view in the "Other metrics" plot). Every plot here shows the same x range.
    """

    #: "View All" from the view's context menu: the plot area fits every plot (F).
    sigFitRequested = pg.QtCore.Signal()

    def autoRange(self, *args, **kwargs):  # noqa: N802 (pyqtgraph naming)
        self.sigFitRequested.emit()

    def childrenBounds(self, *args, **kwargs):  # noqa: N802
        # pyqtgraph's own auto range (only from its context menu): curves with no finite
        # value on a log axis must not print "All-NaN slice encountered" (QA3 7)
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore", RuntimeWarning)
            return super().childrenBounds(*args, **kwargs)

    def linkedViewChanged(self, view, axis):  # noqa: N802 (Qt naming)
        if axis != pg.ViewBox.XAxis or self.linksBlocked or view is None:
            return super().linkedViewChanged(view, axis)
        x1, x2 = view.viewRange()[0]
        view.blockLink(True)
        try:
            self.enableAutoRange(pg.ViewBox.XAxis, False)
            self.setXRange(x1, x2, padding=0)
        finally:
            view.blockLink(False)


class _QuietSample(pg.ItemSample):
    """Legend sample that does not hide the curve when clicked (the runs panel does that)."""

    def mouseClickEvent(self, event):  # noqa: N802 (Qt naming)
        event.accept()


def make_pen(color: str, role: str, alpha: int = 255, width: float = 1.0, variant: int = 0) -> QPen:
    """Cosmetic pen: solid for training, dashed for validation, dotted for test metrics;
    ``variant`` > 0 (a run's further metrics in one plot) varies the pattern within the
    role (:func:`gui.theme.dash_pattern`)."""
    c = QColor(color)
    c.setAlpha(alpha)
    pen = QPen(c)
    pen.setWidthF(width)
    pen.setCosmetic(True)
    pat = dash_pattern(role, variant, width)
    if pat is not None:
        pen.setStyle(Qt.CustomDashLine)
        pen.setDashPattern(pat)
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
    axisWidthNeeded()
        The width the y axis needs changed (:meth:`axis_width_needed`).
    """

    hovered = Signal(float)
    logYToggled = Signal(str, bool)
    exportRequested = Signal(str, str)
    userRangeChanged = Signal()
    axisWidthNeeded = Signal()
    fitRequested = Signal()

    def __init__(self, family: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.family = family
        self.setObjectName("PlotCard")
        self._items: dict[tuple[int, str], _Items] = {}
        self._decor: list = []
        self._legend_proxies: list = []
        self._span_items: list = []
        self._labels: list[tuple] = []  # (InfLineLabel, x, priority) of marker labels
        self._label_meta: dict[int, tuple] = {}  # id(label) -> (texts, group, detail)
        self._merged_text: dict[int, str] = {}  # id(label) -> "resumed ×3" while merged
        self._span_label: tuple | None = None  # (InfLineLabel, x) of the selected span
        self._strip_lanes = 0  # lanes of finding strips along the bottom edge
        self._decor_specs: tuple[list, list] = ([], [])  # last (vlines, points) drawn
        self._markers: list[tuple[float, str, str]] = []  # (x, detail, colour) for the readout
        self._x_mode = "epoch"
        self._n_runs = 0
        self._log_y = False
        self.auto_reason = ""  # why log y was switched on automatically (empty: user's choice)

        lay = QVBoxLayout(self)
        lay.setContentsMargins(8, 6, 8, 4)
        lay.setSpacing(2)
        head = QHBoxLayout()
        head.setSpacing(8)
        # title and notice are cut to the card's width (full text in the tooltip), so a
        # narrow window never clips them mid-word ("log y choser", QA3 2) nor widens
        self.title = ElidedLabel(FAMILY_TITLES.get(family, family), min_chars=5)
        self.title.setObjectName("PlotTitle")
        self.notice = ElidedLabel(min_chars=4)
        self.notice.setObjectName("Notice")
        self.notice.setSizePolicy(QSizePolicy.Maximum, QSizePolicy.Preferred)
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
        # the legend sits above the plot, never over the data (QA 11)
        self.legend_bar = LegendBar()
        self.legend_bar.hide()
        self.legend_row = QHBoxLayout()
        # aligned with the plot, past the y axis (follows the axis' width)
        self.legend_row.setContentsMargins(62, 0, 0, 0)
        self.legend_row.addWidget(self.legend_bar, 1)
        lay.addLayout(self.legend_row)

        self.axis = XAxis("bottom")
        self.yaxis = YAxis("left")
        self.pw = pg.PlotWidget(
            axisItems={"bottom": self.axis, "left": self.yaxis}, viewBox=_ViewBox()
        )
        self.pw.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)
        self.pw.setMinimumHeight(MIN_PLOT_HEIGHT)
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
        # wide enough for the widest tick label and the title (QA2 11: "learning rate"
        # over "0.0001"); the plot area gives stacked plots one width (set_axis_width)
        self.yaxis.sigWidthNeeded.connect(self._on_axis_width)
        self.yaxis.set_min_width(52)
        pi.setLabel("left", Y_LABELS.get(family, family), color=MUTED)
        self._y_title = Y_LABELS.get(family, family)
        pi.vb.sigResized.connect(self._fit_y_title)
        self.axis.set_mode("epoch")
        self.axis.setLabel(AXIS_TITLES["epoch"], color=MUTED)
        # y is ranged by robust_y_range over the visible x range (:meth:`fit_y`), never by
        # pyqtgraph; x by the plot area (fit_view, which ends pyqtgraph's x auto range:
        # until then long series are drawn from their coarsest LOD level)
        pi.vb.enableAutoRange(axis=pg.ViewBox.YAxis, enable=False)
        self.ignore_outliers = True
        self._y_auto = True
        self._fitting_y = False
        pi.vb.sigXRangeChanged.connect(self._on_x_range)
        pi.vb.sigFitRequested.connect(self.fitRequested)
        pi.vb.sigRangeChangedManually.connect(self._on_manual_range)
        # before the items' own range handlers (connected later): swap LOD levels first
        pi.vb.sigXRangeChanged.connect(self._update_lod)
        pi.vb.sigResized.connect(self._update_lod)
        pi.vb.sigXRangeChanged.connect(self._place_labels)
        pi.vb.sigYRangeChanged.connect(self._place_labels)
        pi.vb.sigResized.connect(self._place_labels)
        # drawn into exported images only (on screen: the legend bar), in the corner
        # with the least data (:meth:`_export_legend`)
        self.legend = pi.addLegend(
            offset=(-8, 8),
            brush=pg.mkBrush(255, 255, 255, 200),
            pen=pg.mkPen(BORDER),
            labelTextColor=TEXT,
            labelTextSize="8.5pt",
            sampleType=_QuietSample,
            verSpacing=-6,
        )
        self.legend.hide()
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

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt naming)
        super().resizeEvent(event)
        self.legend_bar.set_max_rows(1 if self.height() < SHORT_CARD else 2)

    def _fit_y_title(self, *_args) -> None:
        """The y title in full where the plot is tall enough, else its short form
        (``learning rate`` -> ``lr`` in a short plot on a small screen)."""
        full = Y_LABELS.get(self.family, self.family)
        fm = self.fontMetrics()
        want = (
            full
            if fm.horizontalAdvance(full) + 8 <= self.pi.vb.height()
            else (Y_SHORT.get(self.family, full))
        )
        if want != self._y_title:
            self._y_title = want
            self.pi.setLabel("left", want, color=MUTED)

    # -- y range ---------------------------------------------------------------------
    def visible_y_values(self, x0: float | None = None, x1: float | None = None) -> np.ndarray:
        """Every value drawn between ``x0`` and ``x1`` (default: the visible x range), raw
        and smoothed curves pooled, in axis units (decades on a log axis), finite only.

        The values handed to pyqtgraph are used (a LOD level's peak envelope for long
        series, :mod:`gui.lod`), so this stays cheap at a million points.
        """
        if x0 is None or x1 is None:
            (x0, x1), _ = self.pi.vb.viewRange()
        parts = []
        for it in self._items.values():
            for item in (it.raw, it.main):
                if item is None or item.xData is None or item.yData is None:
                    continue
                x, y = item.xData, item.yData
                if len(x) == 0:
                    continue
                if it.spec.data.increasing:
                    i0 = max(0, int(np.searchsorted(x, x0, "left")) - 1)
                    i1 = min(len(x), int(np.searchsorted(x, x1, "right")) + 1)
                    parts.append(y[i0:i1])
                else:
                    parts.append(y[(x >= x0) & (x <= x1)])
        if not parts:
            return np.empty(0)
        v = np.concatenate(parts).astype(np.float64, copy=False)
        if self._log_y:
            v = v[v > 0]
            v = np.log10(v)
        return v[np.isfinite(v)]

    def fit_y(self) -> None:
        """y range from the visible data (:func:`gui.axes.robust_y_range`: from the 5th and
        95th percentiles when outliers are ignored, else min to max); follows pans and
        zooms of x until the user zooms y."""
        if not self._items:
            return
        rng = robust_y_range(self.visible_y_values(), self.ignore_outliers, self._log_y)
        if rng is None:
            return
        (_x0, _x1), (y0, y1) = self.pi.vb.viewRange()
        if abs(rng[0] - y0) + abs(rng[1] - y1) <= 1e-9 * max(1e-300, abs(y1 - y0)):
            return  # unchanged: no relayout of labels and items
        self._fitting_y = True
        try:
            self.pi.vb.setYRange(rng[0], rng[1], padding=0)
        finally:
            self._fitting_y = False

    def set_y_auto(self, on: bool = True) -> None:
        """Follow the data with the y range (on: fit now), or keep the user's y range."""
        self._y_auto = bool(on)
        if on:
            self.fit_y()

    @property
    def y_auto(self) -> bool:
        return self._y_auto

    def set_ignore_outliers(self, on: bool) -> None:
        """TensorBoard's "Ignore outliers in chart scaling" for this plot."""
        self.ignore_outliers = bool(on)
        if self._y_auto:
            self.fit_y()

    def _on_x_range(self, *_args) -> None:
        if self._y_auto and not self._fitting_y:
            self.fit_y()

    def _on_manual_range(self, mask=None, *_args) -> None:
        if mask is None or (len(mask) > 1 and mask[1]):
            self._y_auto = False  # the user zoomed y: keep it until Fit View (F)
        self.userRangeChanged.emit()

    # -- y axis width ------------------------------------------------------------
    def axis_width_needed(self) -> float:
        """Pixels the y axis needs for its widest tick label and its title."""
        return self.yaxis.needed_width

    def set_axis_width(self, w: float) -> None:
        """Give the y axis at least ``w`` pixels (plots in one column share a width)."""
        self.yaxis.set_min_width(w)
        self._on_axis_width()

    def _on_axis_width(self, *_args) -> None:
        w = int(max(self.yaxis.needed_width, self.yaxis.min_width))
        m = self.legend_row.contentsMargins()
        if m.left() != w:
            self.legend_row.setContentsMargins(w, 0, 0, 0)
        self.axisWidthNeeded.emit()

    # -- curves ---------------------------------------------------------------
    def specs(self) -> list[CurveSpec]:
        return [it.spec for it in self._items.values()]

    def has_curves(self) -> bool:
        return bool(self._items)

    def set_curves(self, specs: list[CurveSpec]) -> None:
        """Show exactly these curves (items are reused where possible)."""
        want = {(s.key, s.data.metric): s for s in specs}
        self._n_runs = len({s.key for s in specs})
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
        if self._y_auto:
            self.fit_y()

    def legend_entries(self, specs: list[CurveSpec] | None = None) -> list[LegendEntry]:
        """One entry per metric for a single run; for several runs the line-style key
        (training solid, validation dashed) first, then one entry per run (its colour:
        the runs panel shows the same colours), or, for a run with several metrics of one
        role in this plot, one entry per metric (``run · dice_coef``, in the metric's
        shade and pattern; QA2 12)."""
        specs = self.specs() if specs is None else specs
        runs: dict[int, list[CurveSpec]] = {}
        for s in specs:
            runs.setdefault(s.key, []).append(s)
        if len(runs) <= 1:
            return [LegendEntry(s.pen_color, s.data.role, s.data.metric, s.variant) for s in specs]
        out: list[LegendEntry] = []
        roles = {s.data.role for s in specs}
        if len(roles) > 1:
            for role, text in (("train", "training"), ("val", "validation"), ("test", "test")):
                if role in roles:
                    out.append(LegendEntry(MUTED, role, text))
        for group in runs.values():
            per_role: dict[str, int] = {}
            for s in group:
                per_role[s.data.role] = per_role.get(s.data.role, 0) + 1
            if max(per_role.values()) <= 1:
                out.append(LegendEntry(group[0].color, "train", group[0].run_name))
                continue
            # one entry per metric base name (the role key says which line is which role)
            seen: dict[int, CurveSpec] = {}
            for s in sorted(group, key=lambda s: (s.variant, _ROLE_RANK.get(s.data.role, 3))):
                seen.setdefault(s.variant, s)
            for s in seen.values():
                base = naming.base_name(s.data.metric) if len(roles) > 1 else s.data.metric
                out.append(
                    LegendEntry(s.pen_color, s.data.role, f"{s.run_name} · {base}", s.variant)
                )
        return out

    def _fill_legend(self, specs: list[CurveSpec]) -> None:
        self.legend_bar.set_entries(self.legend_entries(specs))

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
            if it.level >= 0 and it.drawn != _EMPTY:
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
        short = n <= SHORT_SERIES and self._n_runs <= SHORT_SERIES_MAX_RUNS
        raw_alpha = (RAW_ALPHA_SHORT if short else RAW_ALPHA) if smoothed else 255
        color = s.pen_color
        raw_pen = make_pen(
            color, d.role, raw_alpha, (1.4 if short else 1.0) if smoothed else width, s.variant
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
            it.raw.setSymbolPen(pg.mkPen(color) if d.role == "val" else None)
            it.raw.setSymbolBrush(pg.mkBrush("#ffffff" if d.role == "val" else color))
        elif smoothed and short:
            # the logged values as small points on the raw line, the EMA stays the bold line
            c = QColor(color)
            c.setAlpha(raw_alpha)
            it.raw.setSymbol("o")
            it.raw.setSymbolSize(4 if n > SYMBOL_MAX else 5)
            if d.role == "val":
                it.raw.setSymbolPen(pg.mkPen(c, width=1))
                it.raw.setSymbolBrush(pg.mkBrush(255, 255, 255, raw_alpha))
            else:
                it.raw.setSymbolPen(None)
                it.raw.setSymbolBrush(pg.mkBrush(c))
        else:
            it.raw.setSymbol(None)
        it.raw.setClipToView(bool(d.increasing))
        it.raw.setZValue(z - 1 if smoothed else z)
        if it.main is not None:
            it.main.setPen(make_pen(color, d.role, 255, width, s.variant))
            it.main.setClipToView(bool(d.increasing))
            it.main.setZValue(z)
        self._show_if_drawable(it)

    def _show_if_drawable(self, it: _Items) -> None:
        """A curve with no value > 0 has nothing to draw on a log axis: hidden, so pyqtgraph
        never takes the bounds of an all-NaN array ("All-NaN slice encountered", QA3 7)."""
        d = it.spec.data
        if "has_positive" not in d.cache:
            with np.errstate(invalid="ignore"):
                d.cache["has_positive"] = bool(np.any(d.y > 0))
        on = not self._log_y or d.cache["has_positive"]
        if not on and it.drawn != _EMPTY:
            # no data at all (a hidden item's all-NaN symbols are still measured by Qt)
            for item in (it.raw, it.main):
                if item is not None:
                    item.clear()  # curve and symbols (setData([], []) keeps the symbols)
            it.drawn = _EMPTY
        elif on and it.drawn == _EMPTY:
            self._set_item_data(it, self._level_for(it))
        for item in (it.raw, it.main):
            if item is not None and item.isVisible() != on:
                item.setVisible(on)

    # -- options ----------------------------------------------------------------
    def set_x_mode(self, mode: str) -> None:
        """The x-axis kind (``epoch``, ``step``, ``wall_time``): ticks and the axis title."""
        if mode == self._x_mode and self.axis.labelText == AXIS_TITLES.get(mode, mode):
            return
        self._x_mode = mode
        self.axis.set_mode(mode)
        self.axis.setLabel(AXIS_TITLES.get(mode, mode), color=MUTED)

    def set_log_y(self, on: bool, auto_reason: str = "") -> None:
        """Log y on or off; ``auto_reason`` says why the view chose it (shown as a notice)."""
        self.auto_reason = auto_reason if on else ""
        self._log_y = bool(on)
        if self.log_box.isChecked() != self._log_y:
            self.log_box.blockSignals(True)
            self.log_box.setChecked(self._log_y)
            self.log_box.blockSignals(False)
        for it in self._items.values():
            self._show_if_drawable(it)
        if any(not p.y > 0 for p in self._decor_specs[1]):
            self.set_decorations(*self._decor_specs)
        self.pi.setLogMode(x=False, y=self._log_y)
        if self._y_auto:
            self.fit_y()
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
        """Replace marker lines and points (best epoch, restarts, non-finite values).

        Labels are stacked in rows below the top edge so they never print over each
        other (:meth:`_place_labels`, again after every pan or zoom); a label that
        finds no free row is hidden and its text stays in the hover readout.
        """
        for item in self._decor:
            self.pi.removeItem(item)
        self._decor = []
        self._labels = []
        self._label_meta = {}
        self._markers = []
        for v in vlines:
            c = QColor(v.color)
            c.setAlpha(v.alpha)
            opts = {}
            if v.label:
                opts = {
                    "label": v.label.replace("{", "{{").replace("}", "}}"),
                    "labelOpts": {
                        "position": 0.97,
                        "anchors": [(0, 0), (0, 0)],
                        "color": QColor(v.color).darker(130),
                        "fill": pg.mkBrush(255, 255, 255, 195),
                    },
                }
            line = pg.InfiniteLine(
                pos=v.x, angle=90, movable=False, pen=pg.mkPen(c, width=1, style=v.style), **opts
            )
            # a labelled line (and so its label, a child item) above the curves: readable
            line.setZValue(35 if v.label else 5)  # labels above the best-epoch stars (30)
            self.pi.addItem(line, ignoreBounds=True)
            self._decor.append(line)
            if v.label:
                line.label.setZValue(40)
                line.label.setToolTip(v.detail or v.label)
                self._labels.append((line.label, float(v.x), v.priority))
                self._label_meta[id(line.label)] = (
                    (v.label, *v.alts),
                    v.group,
                    v.detail or v.label,
                )
            if v.detail or v.label:
                self._markers.append((float(v.x), v.detail or v.label, v.color))
        self._decor_specs = (list(vlines), list(points))
        for p in points:
            if self._log_y and not p.y > 0:
                continue  # no place on a log axis (an all-NaN scatter warns, QA3 7)
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
        self._place_labels()

    def marker_labels(self) -> list[tuple[str, bool]]:
        """(text as shown, shown) of every marker label, for tests and screenshots."""
        return [(lab.toPlainText(), lab.isVisible()) for lab, _x, _p in self._labels]

    def marker_details(self) -> list[str]:
        """Full text of every labelled marker (tooltip and hover readout)."""
        return [self._label_meta.get(id(lab), ("", "", ""))[2] for lab, _x, _p in self._labels]

    @staticmethod
    def _set_label_text(lab, text: str) -> None:
        if lab.toPlainText() != text:
            lab.setFormat(text.replace("{", "{{").replace("}", "}}"))

    def _place_labels(self, *_args) -> None:
        """Put the marker and span labels in rows along the top or bottom edge, where
        they cover the least data and never each other.

        Greedy by priority (the selected finding's span, then the best epoch, then
        non-finite values, then restarts) and x: each label takes the free row whose
        box crosses the fewest curves (top rows first on a tie); a label reads to the
        right of its line unless that runs off the plot. No free row: hidden (its
        text stays in the hover readout).
        """
        labels = list(self._labels)
        if self._span_label is not None:
            labels.append((self._span_label[0], self._span_label[1], -1))
        if not labels:
            return
        vb = self.pi.vb
        w_px, h_px = float(vb.width()), float(vb.height())
        (x0, x1), (y0, y1) = vb.viewRange()
        if w_px <= 1 or h_px <= 1 or x1 <= x0 or y1 <= y0:
            return
        row_h = max(lab.boundingRect().height() for lab, _x, _p in labels) + 2
        n_rows = max(1, min(MAX_LABEL_ROWS, int(h_px * 0.45 // row_h)))
        bottom0 = h_px * self._strip_lanes * SPAN_STRIP + 3  # above the finding strips
        # slot -> top pixel of its box (pixels from the top of the view)
        slots = [3 + r * row_h for r in range(n_rows)]
        slots += [h_px - bottom0 - (r + 1) * row_h for r in range(n_rows)]
        slots = [t for t in slots if 0 <= t <= h_px - row_h]
        used: dict[int, list[tuple[float, float]]] = {k: [] for k in range(len(slots))}
        scale = w_px / (x1 - x0)
        curves = self._label_curves()

        def crossings(a: float, b: float, top: float) -> int:
            if not curves:
                return 0
            xq = x0 + np.linspace(max(a, 0.0), min(b, w_px), 9) / scale
            n = 0
            for cx, cy in curves:
                yv = np.interp(xq, cx, cy, left=np.nan, right=np.nan)
                if self._log_y:
                    with np.errstate(divide="ignore", invalid="ignore"):
                        yv = np.log10(np.where(yv > 0, yv, np.nan))
                py = (y1 - yv) / (y1 - y0) * h_px
                n += int(np.count_nonzero((py >= top - 2) & (py <= top + row_h + 2)))
            return n

        merged = self._merge_groups(labels, x0, x1, scale)
        for lab, x, _prio in sorted(labels, key=lambda t: (t[2], t[1])):
            if not (x0 <= x <= x1) or id(lab) in merged:
                lab.setVisible(False)
                continue
            px = (x - x0) * scale
            choice = self._fit_text(lab, px, w_px)
            if choice is None:  # no form of it fits beside its line: the readout has it
                lab.setVisible(False)
                continue
            width, right = choice
            a, b = (px + 1, px + 3 + width) if right else (px - 3 - width, px - 1)
            free = [k for k in range(len(slots)) if all(b + 4 < u or a > v + 4 for u, v in used[k])]
            if not free:
                lab.setVisible(False)
                continue
            k = min(free, key=lambda k: (crossings(a, b, slots[k]), k))
            used[k].append((a, b))
            anchor = (0, 0) if right else (1, 0)
            lab.anchors = [anchor, anchor]
            lab.setVisible(True)
            lab.setPosition(min(1.0, max(0.0, (h_px - slots[k]) / h_px)))

    def _text_width(self, lab, text: str) -> float:
        """Pixel width of ``lab`` showing ``text`` (its box margins included)."""
        from PySide6.QtGui import QFontMetricsF

        fm = QFontMetricsF(lab.textItem.font())
        pad = lab.boundingRect().width() - fm.horizontalAdvance(lab.toPlainText())
        return fm.horizontalAdvance(text) + max(0.0, pad)

    def _fit_text(self, lab, px: float, w_px: float) -> tuple[float, bool] | None:
        """Show the longest form of a label that fits beside its line inside the view.

        Returns (width, reads to the right), or None when no form fits.
        """
        texts = self._label_meta.get(id(lab), ((lab.toPlainText(),), "", ""))[0]
        if id(lab) in self._merged_text:
            texts = (self._merged_text[id(lab)], *texts)
        for text in texts:
            w = self._text_width(lab, text)
            right = px + 3 + w <= w_px
            if right or px - 3 - w >= 0:
                self._set_label_text(lab, text)
                return w, right
        return None

    def _merge_groups(self, labels, x0: float, x1: float, scale: float) -> set[int]:
        """Labels of one group that would print over each other: the leftmost of each
        cluster stays, counting the others (``resumed ×3``). Returns ids of the hidden."""
        self._merged_text: dict[int, str] = {}
        hidden: set[int] = set()
        groups: dict[str, list] = {}
        for lab, x, _p in labels:
            meta = self._label_meta.get(id(lab))
            if meta and meta[1] and x0 <= x <= x1:
                groups.setdefault(meta[1], []).append((x, lab))
        for members in groups.values():
            members.sort(key=lambda t: t[0])
            clusters: list[list] = []
            head_px = 0.0
            for x, lab in members:
                px = (x - x0) * scale
                base = self._label_meta[id(lab)][0][0]
                if clusters and px - head_px < self._text_width(lab, base + " ×9") + 6:
                    hidden.add(id(lab))
                    clusters[-1].append(lab)
                    continue
                clusters.append([lab])
                head_px = px
            for cluster in clusters:
                head = cluster[0]
                details = [self._label_meta[id(lab)][2] for lab in cluster]
                head.setToolTip("\n".join(details))
                if len(cluster) > 1:
                    base = self._label_meta[id(head)][0][0]
                    self._merged_text[id(head)] = f"{base} ×{len(cluster)}"
        return hidden

    def _label_curves(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """Drawn curves as (x, y as logged) for label placement (increasing x only)."""
        out = []
        for it in self._items.values():
            d = it.spec.data
            if not d.increasing or len(d) < 2:
                continue
            # the data handed to pyqtgraph: a long series' LOD level (its peak envelope),
            # thousands of points instead of millions for every placement
            for item in (it.raw, it.main):
                if item is not None and item.xData is not None and len(item.xData) >= 2:
                    out.append((item.xData, item.yData))
        return out

    def set_spans(self, spans: list[SpanSpec]) -> None:
        """Replace the shaded finding spans."""
        for item in self._span_items:
            self.pi.removeItem(item)
        self._span_items = []
        self._span_label = None
        self._strip_lanes = 0
        for sp in spans:
            c = QColor(sp.color)
            x0, x1 = sorted((sp.x0, sp.x1))
            strip = (0.0, 1.0)
            if not sp.selected:  # one lane per run, so runs' strips never blend
                strip = (sp.lane * SPAN_STRIP, (sp.lane + 1) * SPAN_STRIP)
                self._strip_lanes = max(self._strip_lanes, sp.lane + 1)
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
            else:  # the others: a thin strip along the bottom edge, in their run's colour
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
                    text=sp.label.replace("{", "{{").replace("}", "}}"),
                    position=0.97,
                    anchors=[(0, 0), (0, 0)],
                    color=tc,
                    fill=pg.mkBrush(255, 255, 255, 200),
                )
                item.span_label.setZValue(40)
                item.span_label.setToolTip(sp.label)
                self._span_label = (item.span_label, x0)
                short = sp.label.split(" · ")[0]  # without the run's name when it must
                self._label_meta[id(item.span_label)] = (
                    (sp.label, short) if short != sp.label else (sp.label,),
                    "",
                    sp.label,
                )
            if sp.tooltip:
                item.setToolTip(sp.tooltip)
            item.setZValue(-20 if not sp.selected else -10)
            self.pi.addItem(item, ignoreBounds=True)
            self._span_items.append(item)
        self._place_labels()

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
                f"<tr><td style='color:{s.pen_color}'>{dash}</td>"
                f"<td style='padding-right:8px'>{html.escape(name)}</td>"
                f"<td align='right'><b>{format_value(float(d.y[i]))}</b></td>"
                f"<td style='color:{MUTED}; padding-left:6px'>{html.escape(sm)}</td></tr>"
            )
        more = ""
        if len(rows) > max_lines:
            more = f"<div style='color:{MUTED}'>… and {len(rows) - max_lines} more</div>"
        # markers at the crosshair (their labels may be hidden where they collide)
        (vx0, vx1), _ = self.pi.vb.viewRange()
        tol = 6 * (vx1 - vx0) / max(1.0, float(self.pi.vb.width()))
        for mx, text, color in self._markers:
            if abs(mx - snap) <= tol:
                more += (
                    f"<div style='color:{QColor(color).darker(130).name()}'>"
                    f"▏{html.escape(text)}</div>"
                )
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
        """Write the plot as PNG (legend strip and plot, see
        :func:`gui.export.export_widgets_png`) or SVG (pyqtgraph's exporter, the legend
        drawn in the emptiest corner), by extension."""
        from gui.export import export_svg, export_widgets_png

        self.readout.hide()
        cursor = self.vline.isVisible()
        self.vline.hide()
        try:
            if str(path).lower().endswith(".svg"):
                self._export_legend(True)
                try:
                    export_svg(self.pi, str(path))
                finally:
                    self._export_legend(False)
            else:
                # the legend strip and the plot, as on screen, at a higher resolution
                export_widgets_png(
                    [self.legend_bar, self.pw],
                    str(path),
                    int(width or max(1200, self.pw.width() * 2)),
                )
        finally:
            self.vline.setVisible(cursor)

    def _export_legend(self, on: bool) -> None:
        """An SVG has no legend strip: draw the legend into the plot, in the corner
        that covers the fewest data points, semi-transparent."""
        self.legend.clear()
        self._legend_proxies = []
        if not on:
            self.legend.hide()
            return
        entries = self.legend_entries()
        if not entries:
            return
        # at most half the plot's height of entries, so a corner can stay clear of the data
        rows = max(2, int(0.5 * float(self.pi.vb.height()) // 20) - 1)
        shown = entries[: min(EXPORT_LEGEND_MAX, rows)] if len(entries) > rows + 1 else entries
        for e in shown:
            item = pg.PlotDataItem(pen=make_pen(e.color, e.role, 255, 2.0, e.variant))
            self._legend_proxies.append(item)
            self.legend.addItem(item, html.escape(elide_middle(e.text)))
        if len(entries) > len(shown):
            item = pg.PlotDataItem(pen=None)
            self._legend_proxies.append(item)
            self.legend.addItem(item, f"+{len(entries) - len(shown)} more")
        self.legend.show()
        self.legend.updateSize()
        corner = self.emptiest_corner(self.legend.width() + 16, self.legend.height() + 16)
        off = (8 if corner[0] == 0 else -8, 8 if corner[1] == 0 else -8)
        self.legend.anchor(itemPos=corner, parentPos=corner, offset=off)

    def emptiest_corner(self, w_px: float, h_px: float) -> tuple[int, int]:
        """Corner ((0|1, 0|1): left/right, top/bottom) of the view where a box of
        ``w_px`` x ``h_px`` pixels covers the fewest drawn points (top right on a tie)."""
        vb = self.pi.vb
        (x0, x1), (y0, y1) = vb.viewRange()
        W, H = max(1.0, float(vb.width())), max(1.0, float(vb.height()))
        bw, bh = (x1 - x0) * min(1.0, w_px / W), (y1 - y0) * min(1.0, h_px / H)
        xs, ys = [], []
        for it in self._items.values():
            d = it.spec.data
            step = max(1, len(d) // 4000)
            x = d.x[::step]
            y = d.shown[::step]
            if self._log_y:
                with np.errstate(divide="ignore", invalid="ignore"):
                    y = np.log10(y)
            xs.append(x)
            ys.append(y)
        if not xs:
            return (1, 0)
        x = np.concatenate(xs)
        y = np.concatenate(ys)
        ok = np.isfinite(x) & np.isfinite(y)
        x, y = x[ok], y[ok]
        best, best_n = (1, 0), None
        for corner in ((1, 0), (0, 0), (1, 1), (0, 1)):
            cx = (x1 - bw, x1) if corner[0] else (x0, x0 + bw)
            cy = (y1 - bh, y1) if corner[1] == 0 else (y0, y0 + bh)
            n = int(np.count_nonzero((x >= cx[0]) & (x <= cx[1]) & (y >= cy[0]) & (y <= cy[1])))
            if best_n is None or n < best_n:
                best, best_n = corner, n
        return best

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
        self._span_label = None
        self.legend.clear()
        self.pi.clear()
