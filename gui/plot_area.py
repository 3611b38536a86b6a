"""The plot area: one :class:`FamilyPlot` per metric family, x axes linked.

It turns the store's runs into curves (:func:`gui.curves.make_curve`), sends
each to the plot of its family (loss, accuracy-like scores, learning rate,
other), keeps every run's colour the same in every plot, and owns the
view-wide options: EMA smoothing, x-axis mode, log y per family, the hover
crosshair, best-epoch markers and finding spans.
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from analysis import naming
from analysis.model import Finding
from analysis.smoothing import DEFAULT_WEIGHT
from gui.axes import format_value, format_x
from gui.curves import (
    MISSING_TEXT,
    X_MODE_LABELS,
    X_MODES,
    CurveData,
    choose_axis,
    make_curve,
    placeable,
    run_t0,
    series_variants,
)
from gui.findings_panel import finding_title
from gui.plot_panel import CurveSpec, FamilyPlot, PointSpec, SpanSpec, VLineSpec
from gui.store import RunEntry, RunStore
from gui.theme import SEVERITY_COLORS
from gui.widgets import ElidedLabel

FAMILIES: tuple[str, ...] = ("loss", "score", "lr", "other")
_ROLE_ORDER = {"train": 0, "val": 1, "test": 2}
NONFINITE_COLOR = "#c62828"
RESTART_COLOR = "#5f6368"
#: max/min of a loss plot's values from which log y is chosen automatically (2 decades)
AUTO_LOG_RATIO = 100.0
#: Lines of the view-wide x-axis notice before it is cut (its tooltip has every curve).
NOTICE_LINES = 3
#: Most runs whose findings are drawn as strips along the bottom of a plot (one lane each).
MAX_STRIP_RUNS = 4
#: Plot width (pixels, past a card's minimum) below which the learning-rate and other
#: plots are stacked instead of side by side.
MIN_PLOT_WIDTH = 90


_KIND_WORDS = {"epoch": "epoch", "step": "step", "wall_time": "wall time"}


def _names(items: list[str], keep: int) -> str:
    """``a, b, c +2 more`` (at most ``keep`` names)."""
    items = list(dict.fromkeys(items))
    if len(items) <= keep:
        return ", ".join(items)
    return ", ".join(items[:keep]) + f" +{len(items) - keep} more"


def axis_notice(
    kind: str,
    requested: str,
    fell_back: bool,
    left_out: list[tuple[str, str]],
    n_runs: int,
) -> tuple[str, str]:
    """The view's x-axis notice: which curves are not drawn and why.

    Parameters
    ----------
    kind : {"epoch", "step", "wall_time"}
        Axis kind in use (:func:`gui.curves.choose_axis`).
    requested : str
        The user's x mode (``auto`` = As logged).
    fell_back : bool
        ``requested`` was not available in any curve.
    left_out : list of (run name, metric)
        Curves without x values of ``kind``.
    n_runs : int
        Visible runs (for "this log" / "these logs").

    Returns
    -------
    text, tooltip : str
        Empty text when there is nothing to say; the tooltip lists every curve.
    """
    parts: list[str] = []
    if fell_back:
        where = "this log" if n_runs <= 1 else "these logs"
        parts.append(
            f"No {_KIND_WORDS.get(requested, requested)} in {where}: drawn by {_KIND_WORDS[kind]}"
        )
    tip = ""
    if left_out:
        runs: dict[str, list[str]] = {}
        for run, m in left_out:
            runs.setdefault(run, []).append(m)
        if len(runs) == 1:
            run, ms = next(iter(runs.items()))
            who = _names(ms, 3) if n_runs <= 1 else f"{run} · {_names(ms, 3)}"
        else:
            who = _names(
                [f"{r} ({len(ms)} curve{'s' if len(ms) != 1 else ''})" for r, ms in runs.items()],
                3,
            ).replace(" more", " more runs")
        n = len(left_out)
        text = (
            f"{n} curve{'s' if n != 1 else ''} not drawn on the {_KIND_WORDS[kind]} axis "
            f"({MISSING_TEXT[kind]}): {who}"
        )
        other = {"epoch": "step", "step": "epoch"}.get(kind)
        if other is not None:
            text += f". Choose X axis ▸ {X_MODE_LABELS[other]} to see them"
        parts.append(text)
        tip = (
            f"Not drawn on the {_KIND_WORDS[kind]} axis:\n"
            + "\n".join(f"{r} · {m}" for r, m in left_out[:60])
            + (f"\n… and {len(left_out) - 60} more" if len(left_out) > 60 else "")
        )
    text = ". ".join(parts)
    return text, tip or text


class PlotArea(QWidget):
    """All plots of the window.

    Signals
    -------
    exportRequested(str, str)
        Family and format, from a plot's Export menu.
    openRequested()
        The "Open log…" button of the empty page.
    demoRequested()
        The "Open demo" button of the empty page.
    logYChanged(str, bool)
    """

    exportRequested = Signal(str, str)
    openRequested = Signal()
    demoRequested = Signal()
    logYChanged = Signal(str, bool)

    def __init__(self, store: RunStore, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.weight = DEFAULT_WEIGHT
        self.x_mode = "auto"
        #: The x-axis kind every plot uses now (``epoch``, ``step`` or ``wall_time``).
        self.axis_kind = "epoch"
        #: (run key, metric) of curves left out because they have no x of that kind.
        self.excluded: list[tuple[int, str]] = []
        self._x_auto = True
        self._selected: tuple[int | None, Finding | None] = (None, None)
        self._highlight: tuple[int, str] | None = None
        self._curve_cache: dict[tuple[int, str], tuple[tuple, CurveData]] = {}
        self._smooth_cache: dict = {}
        self._hover_x = math.nan
        self.log_auto: dict[str, bool] = {f: f == "loss" for f in FAMILIES}
        self.ignore_outliers = True

        self.stack = QStackedWidget()
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)
        lay.addWidget(self.stack)

        # page 0: nothing open
        empty = QWidget()
        el = QVBoxLayout(empty)
        el.addStretch(2)
        hint = QLabel("Open a training log to see its curves and what went wrong")
        hint.setObjectName("EmptyHint")
        hint.setAlignment(Qt.AlignCenter)
        hint.setWordWrap(True)
        sub = QLabel(
            "Keras CSVLogger and history files, TensorBoard, Lightning, Hugging Face "
            "trainer_state.json, W&B and plain CSV.\nDrop files or folders here, "
            "or pass them on the command line."
        )
        sub.setObjectName("Muted")
        sub.setAlignment(Qt.AlignCenter)
        sub.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        b_open = QPushButton("Open log…")
        b_open.setObjectName("Primary")
        b_open.clicked.connect(self.openRequested)
        b_demo = QPushButton("Open demo")
        b_demo.clicked.connect(self.demoRequested)
        buttons.addWidget(b_open)
        buttons.addWidget(b_demo)
        buttons.addStretch(1)
        el.addWidget(hint)
        el.addWidget(sub)
        el.addSpacing(12)
        el.addLayout(buttons)
        el.addStretch(3)
        self.stack.addWidget(empty)

        # page 1: plots, under a notice naming curves the shared x axis cannot place
        page = QWidget()
        pl = QVBoxLayout(page)
        pl.setContentsMargins(0, 0, 0, 0)
        pl.setSpacing(4)
        # at most NOTICE_LINES lines (the tooltip lists every curve): a long notice must
        # not push the plots, or the window, off a small screen (QA3 1)
        self.axis_notice = ElidedLabel(max_lines=NOTICE_LINES, min_chars=10, auto_tooltip=False)
        self.axis_notice.setObjectName("Notice")
        self.axis_notice.hide()
        pl.addWidget(self.axis_notice)
        # the plots scroll when the window is too small for their minimum heights,
        # instead of growing the window past the screen (QA3 1)
        grid_host = QWidget()
        grid_host.setObjectName("PlotGrid")
        self.grid = QGridLayout(grid_host)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setSpacing(6)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarAsNeeded)
        self.scroll.setVerticalScrollBarPolicy(Qt.ScrollBarAsNeeded)
        self.scroll.setWidget(grid_host)
        self.scroll.setMinimumSize(120, 120)
        self._grid_host = grid_host
        self._stacked_bottom = False
        pl.addWidget(self.scroll, 1)
        self.plots: dict[str, FamilyPlot] = {}
        for fam in FAMILIES:
            p = FamilyPlot(fam)
            p.hovered.connect(self._on_hover)
            p.logYToggled.connect(self._on_log_toggled)
            p.exportRequested.connect(self.exportRequested)
            p.userRangeChanged.connect(self._on_user_range)
            p.axisWidthNeeded.connect(self._schedule_axis_widths)
            p.fitRequested.connect(self.fit_view)
            p.hide()
            self.plots[fam] = p
        self.stack.addWidget(page)

        self._rebuild_timer = QTimer(self)
        self._rebuild_timer.setSingleShot(True)
        self._rebuild_timer.setInterval(0)
        self._rebuild_timer.timeout.connect(self.rebuild)
        self._hover_timer = QTimer(self)
        self._hover_timer.setSingleShot(True)
        self._hover_timer.setInterval(15)
        self._hover_timer.timeout.connect(self._apply_hover)
        self._axis_timer = QTimer(self)
        self._axis_timer.setSingleShot(True)
        self._axis_timer.setInterval(0)
        self._axis_timer.timeout.connect(self.align_axes)

        for sig in (store.structureChanged, store.findingsChanged):
            sig.connect(self.schedule_rebuild)
        for sig in (store.runChanged, store.styleChanged, store.visibilityChanged):
            sig.connect(self.schedule_rebuild)
        self.plots["lr"].set_log_y(True)

    # -- options ----------------------------------------------------------------
    def schedule_rebuild(self, *_args) -> None:
        self._rebuild_timer.start()

    def set_smoothing(self, weight: float) -> None:
        """EMA weight in [0, 0.99]; 0 draws the raw curves only."""
        weight = float(weight)
        if abs(weight - self.weight) < 1e-9:
            return
        self.weight = weight
        self._smooth_cache.clear()
        self.rebuild()

    def set_x_mode(self, mode: str) -> None:
        """``auto`` (as logged), ``epoch``, ``step`` or ``wall_time``."""
        if mode not in X_MODES:
            raise ValueError(f"unknown x mode {mode!r}")
        if mode == self.x_mode:
            return
        self.x_mode = mode
        self._x_auto = True
        self.rebuild()

    def set_log_y(self, family: str, on: bool) -> None:
        """The user's choice: log y on/off for a family (ends the automatic choice)."""
        self.log_auto[family] = False
        self.plots[family].set_log_y(on)

    def _auto_log_y(self, family: str, specs: list[CurveSpec]) -> None:
        """Loss curves that fall over 2+ decades are unreadable on a linear axis: draw them
        on a log axis until the user decides (only when every finite value is > 0)."""
        if not self.log_auto.get(family) or not specs:
            return
        ys = [s.data.y[np.isfinite(s.data.y)] for s in specs]
        ys = [y for y in ys if len(y)]
        on, reason = False, ""
        if ys:
            lo = min(float(y.min()) for y in ys)
            hi = max(float(y.max()) for y in ys)
            if lo > 0 and hi / lo >= AUTO_LOG_RATIO:
                on = True
                reason = f"log y chosen: values span {math.log10(hi / lo):.0f} decades"
        if on != self.plots[family].log_y or reason != self.plots[family].auto_reason:
            self.plots[family].set_log_y(on, reason)

    def _on_log_toggled(self, family: str, on: bool) -> None:
        self.log_auto[family] = False
        self.plots[family].auto_reason = ""
        if self.weight > 0:
            self.schedule_rebuild()  # smoothing is done in the axis' space
        self.logYChanged.emit(family, on)

    def log_y(self, family: str) -> bool:
        return self.plots[family].log_y

    def plot(self, family: str) -> FamilyPlot:
        return self.plots[family]

    def visible_plots(self) -> list[FamilyPlot]:
        return [self.plots[f] for f in FAMILIES if self.plots[f].has_curves()]

    # -- building curves ----------------------------------------------------------
    def _curve(self, e: RunEntry, metric: str, t0: float | None) -> CurveData:
        log_y = self.plots[naming.family(metric)].log_y
        kind = self.axis_kind
        sig = (e.version, id(e.run), kind, round(self.weight, 4), log_y)
        hit = self._curve_cache.get((e.key, metric))
        if hit is not None and hit[0] == sig:
            return hit[1]
        data = make_curve(
            e.run,
            metric,
            kind,
            self.weight,
            t0=t0,
            smoothed_cache=self._smooth_cache,
            log_y=log_y,
        )
        self._curve_cache[(e.key, metric)] = (sig, data)
        return data

    def rebuild(self) -> None:
        """Redraw from the store (coalesced through :meth:`schedule_rebuild`)."""
        self._rebuild_timer.stop()
        entries = self.store.visible_entries()
        specs: dict[str, list[CurveSpec]] = {f: [] for f in FAMILIES}
        live_keys = set()
        wanted = [
            (
                e,
                sorted(
                    (m for m in e.run.series if e.metric_visible(m) and len(e.run.series[m])),
                    key=lambda m: (
                        naming.base_name(m).lower(),
                        _ROLE_ORDER.get(naming.role(m), 3),
                    ),
                ),
            )
            for e in entries
        ]
        kind, fell_back = choose_axis([(e.run, m) for e, ms in wanted for m in ms], self.x_mode)
        self.axis_kind = kind
        self.excluded = []
        for e, metrics in wanted:
            t0 = run_t0(e.run) if kind == "wall_time" else None
            variants = series_variants(e.run.series)
            for m in metrics:
                if not placeable(e.run, m, kind):
                    self.excluded.append((e.key, m))
                    continue
                data = self._curve(e, m, t0)
                live_keys.add((e.key, m))
                if len(data) == 0:
                    continue
                hl = self._highlight == (e.key, m)
                var, n_var = variants.get(m, (0, 1))
                specs[data.family].append(
                    CurveSpec(e.key, e.name, e.color, data, f"{e.name} · {m}", hl, var, n_var)
                )
        for k in list(self._curve_cache):
            if k not in live_keys:
                del self._curve_cache[k]
        live_series = {id(s) for e in self.store.entries.values() for s in e.run.series.values()}
        for k in list(self._smooth_cache):
            if k[0] not in live_series:
                del self._smooth_cache[k]
        for fam, p in self.plots.items():
            was_log = p.log_y
            self._auto_log_y(fam, specs[fam])
            if p.log_y != was_log and self.weight > 0:
                # smoothing follows the axis (log space on a log axis): rebuild this family
                for spec in specs[fam]:
                    e = self.store.entries[spec.key]
                    t0 = run_t0(e.run) if kind == "wall_time" else None
                    spec.data = self._curve(e, spec.data.metric, t0)
            p.set_x_mode(kind)
            p.set_curves(specs[fam])
        self._update_axis_notice(fell_back)
        self._relayout()
        self._update_decorations()
        self._update_spans()
        if self._x_auto:
            self.fit_view()
        if not math.isnan(self._hover_x):
            self._apply_hover()

    def _update_axis_notice(self, fell_back: bool) -> None:
        names = {e.key: e.name for e in self.store.entries.values()}
        left_out = [(names.get(k, "?"), m) for k, m in self.excluded]
        text, tip = axis_notice(
            self.axis_kind, self.x_mode, fell_back, left_out, len(self.store.visible_entries())
        )
        self.axis_notice.setText(text)
        self.axis_notice.setToolTip(tip)
        self.axis_notice.setVisible(bool(text))

    def is_excluded(self, key: int, metric: str) -> bool:
        """True when the metric is not drawn because it has no x of the current axis kind."""
        return (key, metric) in self.excluded

    def notice_text(self) -> str:
        """The view-wide x-axis notice (empty when every curve is drawn)."""
        return self.axis_notice.text() if not self.axis_notice.isHidden() else ""

    def _relayout(self) -> None:
        vis = [f for f in FAMILIES if self.plots[f].has_curves()]
        for p in self.plots.values():
            self.grid.removeWidget(p)
        for r in range(5):
            self.grid.setRowStretch(r, 0)
        row = 0
        for fam in ("loss", "score"):
            if fam in vis:
                self.grid.addWidget(self.plots[fam], row, 0, 1, 2)
                self.grid.setRowStretch(row, 3 if fam == "loss" else 2)
                row += 1
        bottom = [f for f in ("lr", "other") if f in vis]
        # side by side where two plots fit next to each other, else one under the other
        self._stacked_bottom = len(bottom) == 2 and self._too_narrow_for_two()
        for i, fam in enumerate(bottom):
            if self._stacked_bottom:
                self.grid.addWidget(self.plots[fam], row + i, 0, 1, 2)
                self.grid.setRowStretch(row + i, 2)
            else:
                self.grid.addWidget(self.plots[fam], row, i, 1, 2 if len(bottom) == 1 else 1)
        if bottom:
            self.grid.setRowStretch(row, 2)
        for fam, p in self.plots.items():
            p.setVisible(fam in vis)
        self.stack.setCurrentIndex(1 if vis else 0)
        # link x axes to the first visible plot
        master = self.plots[vis[0]].pi if vis else None
        for fam, p in self.plots.items():
            if master is None or fam not in vis or p.pi is master:
                p.pi.setXLink(None)
            else:
                p.pi.setXLink(master)

    def _too_narrow_for_two(self) -> bool:
        """True when the learning-rate and other plots do not fit side by side."""
        need = sum(self.plots[f].minimumSizeHint().width() for f in ("lr", "other"))
        need += self.grid.horizontalSpacing() + 2 * MIN_PLOT_WIDTH
        return self.width() - 12 < need

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt naming)
        super().resizeEvent(event)
        vis = [f for f in ("lr", "other") if self.plots[f].has_curves()]
        if len(vis) == 2 and self._too_narrow_for_two() != self._stacked_bottom:
            self._relayout()

    def _schedule_axis_widths(self) -> None:
        self._axis_timer.start()

    def align_axes(self) -> None:
        """One y-axis width for every visible plot: the widest any of them needs, so the
        stacked plots' x axes line up and no tick label or title is cut."""
        self._axis_timer.stop()
        vis = self.visible_plots()
        if not vis:
            return
        w = max(max(p.axis_width_needed() for p in vis), 52.0)
        for p in self.plots.values():
            p.set_axis_width(w)

    # -- decorations ----------------------------------------------------------------
    def best_points(self) -> dict[int, tuple[str, float, float]]:
        """Per visible run: (metric, x, value) of the minimum validation loss (best epoch)."""
        out: dict[int, tuple[str, float, float]] = {}
        cands: dict[int, list[CurveSpec]] = {}
        for s in self.plots["loss"].specs():
            if s.data.role == "val":
                cands.setdefault(s.key, []).append(s)
        for key, specs in cands.items():
            specs.sort(
                key=lambda s: (
                    naming.base_name(s.data.metric).lower() not in ("loss", "epoch_loss"),
                    len(s.data.metric),
                )
            )
            b = specs[0].data.best()
            if b is not None:
                out[key] = (specs[0].data.metric, b[0], b[1])
        return out

    def _update_decorations(self) -> None:
        """Best-epoch markers, restarts and first non-finite values.

        Markers at the same x are merged into one labelled line (``loss, val_loss
        NaN from 0``) so labels never print over each other; the plot then stacks
        the remaining labels and hides those that still collide (their text stays
        in the hover readout, see :meth:`FamilyPlot.set_decorations`).
        """
        best = self.best_points()
        entries = self.store.entries
        colors = {e.key: e.color for e in entries.values()}
        names = {e.key: e.name for e in entries.values()}
        n_runs = len({s.key for p in self.plots.values() for s in p.specs()})
        mode = self.axis_kind
        for fam, p in self.plots.items():
            vlines: list[VLineSpec] = []
            points: list[PointSpec] = []
            if p.has_curves():
                for key, (metric, x, y) in best.items():
                    detail = f"best {metric} {format_value(y)} @ {format_x(x, mode)}"
                    if n_runs > 1:
                        detail += f" ({names.get(key, '')})"
                    if fam == "loss":
                        points.append(PointSpec(x, y, colors.get(key, "#000")))
                    if n_runs > 2:
                        continue  # stars only: a dotted line per run would bury the curves
                    label = detail if fam == "loss" and n_runs == 1 else ""
                    vlines.append(
                        VLineSpec(
                            x,
                            colors.get(key, "#000"),
                            label,
                            Qt.DotLine,
                            170,
                            detail=detail,
                            priority=0,
                        )
                    )
                restarts: dict[float, list[str]] = {}
                bad_at: dict[tuple[str, float], list[tuple[str, str]]] = {}
                for s in p.specs():
                    for rx in s.data.restarts:
                        who = restarts.setdefault(float(rx), [])
                        if s.run_name not in who:
                            who.append(s.run_name)
                    bad = ~np.isfinite(s.data.y)
                    if bad.any():
                        i = int(np.argmax(bad))
                        v = s.data.y[i]
                        what = "NaN" if np.isnan(v) else ("inf" if v > 0 else "-inf")
                        bad_at.setdefault((what, float(s.data.x[i])), []).append(
                            (s.run_name, s.data.metric)
                        )
                for rx, who in restarts.items():
                    vlines.append(
                        VLineSpec(
                            rx,
                            RESTART_COLOR,
                            "resumed",
                            Qt.DashDotLine,
                            150,
                            detail=f"resumed @ {format_x(rx, mode)}: {', '.join(who)}",
                            priority=2,
                            group="resumed",
                        )
                    )
                for (what, x), items in bad_at.items():
                    where = f"{what} from {format_x(x, mode)}"
                    ms = list(dict.fromkeys(m for _, m in items))
                    label = f"{_names(ms, 2)} {where}"
                    # shorter forms for a line near an edge or a narrow plot
                    alts = [f"{_names(ms, 1)} {where}"] if len(ms) > 1 else []
                    alts.append(f"{len(ms)} curves {where}" if len(ms) > 1 else where)
                    if len(ms) > 1:
                        alts.append(where)
                    full = ", ".join(f"{r} · {m}" if n_runs > 1 else m for r, m in items)
                    vlines.append(
                        VLineSpec(
                            x,
                            NONFINITE_COLOR,
                            label,
                            Qt.DashLine,
                            200,
                            detail=f"{where}: {full}",
                            priority=1,
                            alts=tuple(a for a in alts if a != label),
                        )
                    )
            p.set_decorations(vlines, points)

    # -- findings ---------------------------------------------------------------------
    def set_selected_finding(self, key: int | None, finding: Finding | None) -> None:
        """Shade ``finding``'s span strongly (others stay faint) and bring it into view."""
        self._selected = (key, finding)
        self._update_spans()
        if finding is None or key is None or finding.metric is None:
            return
        span = self.span_x(key, finding)
        p = self.plots.get(naming.family(finding.metric))
        if span is None or p is None or not p.has_curves():
            return
        x0, x1 = p.visible_x_range()
        if span[0] < x0 or span[1] > x1:
            self.fit_view()

    def span_x(self, key: int, f: Finding) -> tuple[float, float] | None:
        """A finding's span on the current x axis (None if its metric is not drawn)."""
        if f.metric is None:
            return None
        hit = self._curve_cache.get((key, f.metric))
        if hit is None:
            return None
        d = hit[1]
        if len(d) == 0:
            return None
        start = f.start if f.start is not None else float(d.step[0])
        end = f.end if f.end is not None else float(d.step[-1])
        return d.step_to_x(start), d.step_to_x(end)

    def nonpositive_in_span(self, key: int, f: Finding) -> tuple[int, int]:
        """(values <= 0, finite values) of a finding's curve inside its span: on a log y
        axis the former are not drawn."""
        span = self.span_x(key, f)
        hit = self._curve_cache.get((key, f.metric)) if f.metric else None
        if span is None or hit is None:
            return 0, 0
        d = hit[1]
        lo, hi = sorted(span)
        m = (d.x >= lo) & (d.x <= hi) & np.isfinite(d.y)
        return int(np.count_nonzero(d.y[m] <= 0)), int(np.count_nonzero(m))

    def _update_spans(self) -> None:
        """Finding spans: the selected finding shaded over the plot's height in its severity
        colour (labelled with its run when several runs are drawn); the other findings as
        thin strips along the bottom, one lane per run in its colour (hover: finding, run,
        metric and span), so a span of run A never looks like it covers run B's curves
        (QA2 14). When more than :data:`MAX_STRIP_RUNS` runs of a plot have findings, the
        strips would pile up into an unreadable band (QA3 3): only the selected finding
        is shaded then (the findings panel lists them all)."""
        sel_key, sel = self._selected
        per_family: dict[str, list[SpanSpec]] = {f: [] for f in FAMILIES}
        strips: dict[str, dict[int, list[SpanSpec]]] = {f: {} for f in FAMILIES}
        visible = self.store.visible_entries()
        for e in visible:
            for f in e.findings:
                if f.metric is None or not e.metric_visible(f.metric):
                    continue
                span = self.span_x(e.key, f)
                if span is None:
                    continue
                fam = naming.family(f.metric)
                selected = f is sel and e.key == sel_key
                label = finding_title(f)
                if selected:
                    if len(visible) > 1:
                        label += f" · {e.name}"
                    color = SEVERITY_COLORS.get(f.severity, "#888888")
                    per_family[fam].append(SpanSpec(span[0], span[1], color, label, True))
                    continue
                where = format_x(span[0], self.axis_kind)
                if span[1] != span[0]:
                    where += f"–{format_x(span[1], self.axis_kind)}"
                tip = f"{label} · {e.name} · {f.metric}, {_KIND_WORDS[self.axis_kind]} {where}"
                strips[fam].setdefault(e.key, []).append(
                    SpanSpec(span[0], span[1], e.color, label, False, tooltip=tip)
                )
        for fam, by_run in strips.items():
            if len(by_run) > MAX_STRIP_RUNS:
                continue
            for lane, specs in enumerate(by_run.values()):
                for sp in specs:
                    sp.lane = lane
                    per_family[fam].append(sp)
        for fam, p in self.plots.items():
            p.set_spans(per_family[fam])

    def strip_runs(self, family: str) -> int:
        """Lanes of finding strips drawn along the bottom of a plot (one per run)."""
        return self.plots[family]._strip_lanes

    def highlight(self, key: int | None, metric: str | None) -> None:
        """Draw one metric above the others (selected in the runs or findings panel)."""
        new = None if key is None or metric is None else (key, metric)
        if new != self._highlight:
            self._highlight = new
            self.rebuild()

    # -- view ---------------------------------------------------------------------------
    def fit_view(self) -> None:
        """Show all data: x over every visible curve, y auto-ranged per plot (shortcut F)."""
        vis = self.visible_plots()
        if not vis:
            return
        bounds = [b for b in (p.x_bounds() for p in vis) if b is not None]
        if not bounds:
            return
        lo = min(b[0] for b in bounds)
        hi = max(b[1] for b in bounds)
        if hi <= lo:
            lo, hi = lo - 1, hi + 1
        vis[0].pi.setXRange(lo, hi, padding=0.02)
        for p in vis:
            p.set_y_auto(True)
        self._x_auto = True

    def set_ignore_outliers(self, on: bool) -> None:
        """TensorBoard's "Ignore outliers in chart scaling" (default on): y ranges from the
        5th-95th percentile of the visible values, a far outlier left off the plot, instead
        of their min/max (:func:`gui.axes.robust_y_range`)."""
        self.ignore_outliers = bool(on)
        for p in self.plots.values():
            p.set_ignore_outliers(self.ignore_outliers)

    def set_x_range(self, x0: float, x1: float) -> None:
        """Show x in [x0, x1] in every plot (stops following new data until F)."""
        vis = self.visible_plots()
        if vis:
            vis[0].pi.setXRange(x0, x1, padding=0)
            self._x_auto = False

    def _on_user_range(self) -> None:
        self._x_auto = False

    # -- hover ----------------------------------------------------------------------------
    def _on_hover(self, x: float) -> None:
        self._hover_x = x
        if not self._hover_timer.isActive():
            self._hover_timer.start()

    def _apply_hover(self) -> None:
        for p in self.visible_plots():
            p.show_cursor(self._hover_x)

    def hover(self, x: float) -> None:
        """Put the crosshair at ``x`` in every plot now (used by tests and screenshots)."""
        self._hover_x = x
        self._apply_hover()

    def shutdown(self) -> None:
        self._rebuild_timer.stop()
        self._hover_timer.stop()
        self._axis_timer.stop()
        for p in self.plots.values():
            p.shutdown()
