"""x-axis formatting: epochs and steps as numbers, wall time as elapsed h:mm:ss."""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg

#: Bottom-axis titles: what x is (every plot of a view uses one kind, see gui.curves.choose_axis).
AXIS_TITLES = {"epoch": "epoch", "step": "step", "wall_time": "elapsed time (h:mm:ss)"}


def format_elapsed(seconds: float) -> str:
    """``75`` -> ``1:15``, ``3725`` -> ``1:02:05``, ``90061`` -> ``1d 1:01:01``."""
    if not math.isfinite(seconds):
        return str(seconds)
    sign = "-" if seconds < 0 else ""
    s = abs(seconds)
    if s < 60 and s != int(s):
        return f"{sign}{s:.1f}s"
    s = int(round(s))
    d, s = divmod(s, 86400)
    h, s = divmod(s, 3600)
    m, s = divmod(s, 60)
    if d:
        return f"{sign}{d}d {h}:{m:02d}:{s:02d}"
    if h:
        return f"{sign}{h}:{m:02d}:{s:02d}"
    return f"{sign}{m}:{s:02d}"


def format_x(x: float, mode: str) -> str:
    """x value for readouts: whole epochs/steps without decimals, wall time as elapsed."""
    if mode == "wall_time":
        return format_elapsed(x)
    if not math.isfinite(x):
        return str(x)
    if abs(x - round(x)) < 1e-9:
        return f"{int(round(x)):,}".replace(",", "\u2009")
    return f"{x:.3f}".rstrip("0")


def format_value(v: float) -> str:
    """Metric value with 5 significant digits (scientific for tiny/huge values)."""
    if v is None:
        return "–"
    if not math.isfinite(v):
        return "NaN" if math.isnan(v) else ("inf" if v > 0 else "-inf")
    a = abs(v)
    if a != 0 and (a < 1e-3 or a >= 1e5):
        return f"{v:.3e}"
    return f"{v:.5g}"


class XAxis(pg.AxisItem):
    """Bottom axis that shows elapsed time in wall-time mode."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.mode = "epoch"

    def set_mode(self, mode: str) -> None:
        if mode != self.mode:
            self.mode = mode
            self.setLabel(AXIS_TITLES.get(mode, mode))
            self.picture = None
            self.update()

    def tickStrings(self, values, scale, spacing):  # noqa: N802 (Qt naming)
        if self.mode == "wall_time":
            return [format_elapsed(v) for v in values]
        return super().tickStrings(values, scale, spacing)

    def tickSpacing(self, minVal, maxVal, size):  # noqa: N802, N803
        if self.mode != "wall_time":
            # epochs and steps are counted: ticks at whole numbers only (QA3 11: a
            # 2-epoch log got ticks at 0.2, 0.4...), as TensorBoard's step axis
            # (Plottable's integerTickGenerator)
            return integer_levels(super().tickSpacing(minVal, maxVal, size))
        span = abs(maxVal - minVal)
        if span <= 0:
            return super().tickSpacing(minVal, maxVal, size)
        steps = [
            1,
            2,
            5,
            10,
            15,
            30,
            60,
            120,
            300,
            600,
            900,
            1800,
            3600,
            7200,
            10800,
            21600,
            43200,
            86400,
            172800,
            604800,
        ]
        target = span / max(2.0, size / 90.0)
        major = next((s for s in steps if s >= target), steps[-1])
        minor = next((s for s in reversed(steps) if s <= major / 4), major / 5)
        return [(major, 0), (minor, 0)]


def integer_levels(levels: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """pyqtgraph tick levels ``[(spacing, offset), ...]`` kept to whole-number spacings.

    Levels finer than 1 are dropped; when every level was finer (a range of a few
    units), one level of spacing 1 remains.
    """
    out = [(sp, off) for sp, off in levels if sp >= 1 - 1e-9]
    return out or [(1.0, 0.0)]


#: Quantiles of the visible values that scale the y range when outliers are ignored:
#: those of TensorBoard's "Ignore outliers in chart scaling" (on by default in its scalars
#: dashboard; ``computeDomain`` in tensorboard/components/vz_chart_helpers: d3.quantile
#: 0.05 and 0.95 of every finite value in the chart).
OUTLIER_QUANTILES = (0.05, 0.95)
#: A value is an outlier when it lies beyond the nearer quantile by more than this many
#: quantile ranges (the 5th to 95th percentile; a fence in the manner of Tukey's 1.5 IQR:
#: 3 ranges out, the other 90% of the data would get under a seventh of the height) ...
OUTLIER_FAR = 3.0
#: ... and by more than this many times the larger quantile's magnitude (on a log axis:
#: this many decades). TensorBoard's domain ends at the quantiles themselves, which also
#: hides the first epochs of most learning curves (accuracy rising from 0.1, a loss
#: falling from 2.3) and, when a run is stuck (a flat accuracy, a quantile range near 0),
#: everything but the flat part; an outlier here is a value of another order of
#: magnitude, like a diverging run's 1e13 next to losses around 1.
OUTLIER_SCALE = 3.0
#: Values the quantiles are estimated from at most (an even sample of the visible ones).
QUANTILE_SAMPLE = 20_000
#: Padding around the range, as a fraction of it (pyqtgraph's default) ...
MINMAX_PADDING = 0.02
#: ... and on a side where outliers were left out, so the curves visibly leave the plot.
CUT_PADDING = 0.05


def robust_y_range(
    values: np.ndarray, ignore_outliers: bool = True, log: bool = False
) -> tuple[float, float] | None:
    """The y range that shows ``values`` (already in axis units: decades on a log axis).

    Parameters
    ----------
    values : ndarray, shape (n,)
        Every value drawn in the visible x range (raw and smoothed curves pooled);
        NaN/inf are left out.
    ignore_outliers : bool
        True: the range of the values that are not far beyond the
        :data:`OUTLIER_QUANTILES` (TensorBoard's percentile domain, widened to every value
        within :data:`OUTLIER_FAR` quantile ranges and :data:`OUTLIER_SCALE` times the
        quantiles' magnitude, or decades), so a diverging curve (1e13) goes off the top
        instead of squashing every other curve onto 0 (QA3 7). False: min to max.
    log : bool
        ``values`` are decades (a constant is shown half a decade each way).

    Returns
    -------
    (low, high) or None
        None when there is no finite value.
    """
    v = np.asarray(values, dtype=np.float64)
    v = v[np.isfinite(v)]
    if len(v) == 0:
        return None
    cut_lo = cut_hi = False
    if ignore_outliers:
        # quantiles from an even sample of at most QUANTILE_SAMPLE values (pans and zooms
        # refit y every frame); the range's ends from every value
        sample = v[:: max(1, len(v) // QUANTILE_SAMPLE)]
        qa, qb = (float(q) for q in np.quantile(sample, OUTLIER_QUANTILES))
        scale = OUTLIER_SCALE if log else OUTLIER_SCALE * max(abs(qa), abs(qb))
        far = max(OUTLIER_FAR * (qb - qa), scale)
        inside = v[(v >= qa - far) & (v <= qb + far)]
        cut_lo, cut_hi = bool(v.min() < qa - far), bool(v.max() > qb + far)
        v = inside
    a, b = float(v.min()), float(v.max())
    span = b - a
    if span <= 0:
        pad = 0.5 if log else abs(a) * 0.1 + 0.1
        return a - pad, b + pad
    lo = a - span * (CUT_PADDING if cut_lo else MINMAX_PADDING)
    hi = b + span * (CUT_PADDING if cut_hi else MINMAX_PADDING)
    return lo, hi


#: Mantissas of log-axis minor ticks in the order they get a label when there is room
#: (the 1-2-5 series first, as on printed log paper).
LOG_MINOR_ORDER = (5, 2, 3, 4, 6, 7, 8, 9)
#: Pixels kept free between two tick labels of the y axis.
LABEL_GAP_PX = 3


def thin_log_labels(
    values: list[float], px_per_decade: float, text_px: float, majors: list[float] = ()
) -> list[bool]:
    """Which minor ticks of a log axis get a label, so that no two labels overprint.

    Parameters
    ----------
    values : list of float
        Tick positions in decades (``log10`` of the value), as pyqtgraph passes them.
    px_per_decade : float
        Screen pixels per decade along the axis.
    text_px : float
        Height of one label in pixels (the gap :data:`LABEL_GAP_PX` is added).
    majors : list of float
        Positions already labelled by another tick level (whole decades).

    Returns
    -------
    list of bool
        One per value. Whole decades first, then mantissas in :data:`LOG_MINOR_ORDER`;
        a tick is labelled only when it is at least a label's height plus the gap
        away from every label taken so far (QA2 11: 0.9/0.8/0.7 printed over each other).
    """
    need = (text_px + LABEL_GAP_PX) / max(px_per_decade, 1e-9)
    taken = [float(m) for m in majors]
    keep = [False] * len(values)

    def rank(i: int) -> tuple[int, float]:
        v = values[i]
        mant = round(10 ** (v - math.floor(v + 1e-9)))
        if abs(v - round(v)) < 1e-6:
            return (0, v)
        return (1 + (LOG_MINOR_ORDER.index(mant) if mant in LOG_MINOR_ORDER else 9), v)

    for i in sorted(range(len(values)), key=rank):
        v = values[i]
        if all(abs(v - t) >= need for t in taken):
            keep[i] = True
            taken.append(v)
    return keep


_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def log_tick_label(decades: float) -> str:
    """Label of a log-axis tick at ``10 ** decades``, one significant digit: plain
    numbers from 0.001 to 9000 (``300``, ``0.05``), powers of ten beyond (``10⁻⁵``,
    ``2·10⁶``). pyqtgraph writes ``3·10²`` next to ``7``, mixing both styles."""
    x = 10.0**decades
    mant, exp = f"{x:.0e}".split("e")
    e = int(exp)
    if -3 <= e <= 3:
        return f"{float(f'{x:.0e}'):g}"
    sup = str(e).translate(_SUPERSCRIPT)
    return f"10{sup}" if mant == "1" else f"{mant}·10{sup}"


class YAxis(pg.AxisItem):
    """Left axis whose labels never overprint and whose title never covers them.

    - Log mode: minor ticks (2..9 × 10^k) are labelled only where there is room
      (:func:`thin_log_labels`); their tick marks stay.
    - Width: pyqtgraph's automatic width (widest tick label + title), never less than
      :attr:`min_width`, so plots stacked in one column can share one width
      (:meth:`set_min_width`) and keep their x axes aligned. ``sigWidthNeeded`` reports
      the width this axis needs whenever it changes.
    """

    sigWidthNeeded = pg.QtCore.Signal(float)
    #: (class defaults: pyqtgraph sizes the axis inside ``AxisItem.__init__``)
    min_width = 0.0
    needed_width = 0.0

    def set_min_width(self, w: float) -> None:
        if abs(w - self.min_width) >= 0.5:
            self.min_width = float(w)
            self._updateWidth()

    def _updateWidth(self):  # noqa: N802 (pyqtgraph naming)
        if self.orientation not in ("left", "right"):
            return super()._updateWidth()
        if not self.isVisible() or self.fixedWidth is not None:
            return super()._updateWidth()
        w = self.textWidth if self.style["autoExpandTextSpace"] else self.style["tickTextWidth"]
        if self.style["showValues"]:
            w += self.style["tickTextOffset"][0]
        else:
            w = 0
        w += max(0, self.style["tickLength"])
        if self.label.isVisible():
            # the rotated title: its text height, plus a small gap to the tick labels
            w += self.label.boundingRect().height() * 0.8 + 2
        w = float(math.ceil(w))
        if w != self.needed_width:
            self.needed_width = w
            self.sigWidthNeeded.emit(w)
        w = max(w, self.min_width)
        self.setMaximumWidth(w)
        self.setMinimumWidth(w)
        self.picture = None

    def logTickStrings(self, values, scale, spacing):  # noqa: N802 (pyqtgraph naming)
        strings = [log_tick_label(float(v) + math.log10(scale or 1.0)) for v in values]
        if spacing is not None or not values:  # a level of whole decades: all labelled
            return strings
        lo, hi = self.range
        length = self.size().height() if self.orientation in ("left", "right") else 0.0
        if length <= 0 or hi <= lo:
            return strings
        fm = pg.QtGui.QFontMetricsF(self.style["tickFont"] or self.font())
        px = length / (hi - lo)
        # whole decades are labelled by their own level when pyqtgraph made one (spacing
        # >= 1); this level then leaves them out (drawn twice they look bold)
        decades = self._has_decade_level(lo, hi, length)
        majors = [float(d) for d in range(math.ceil(lo), math.floor(hi) + 1)] if decades else []
        keep = thin_log_labels(list(values), px, fm.height() * 0.8, majors)
        return [
            s if k and not (decades and abs(v - round(v)) < 1e-6) else None
            for s, k, v in zip(strings, keep, values, strict=True)
        ]

    def _has_decade_level(self, lo: float, hi: float, length: float) -> bool:
        levels = self.tickSpacing(lo, hi, length)
        return any(sp >= 1.0 for sp, _off in levels)
