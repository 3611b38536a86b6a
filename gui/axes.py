"""x-axis formatting: epochs and steps as numbers, wall time as elapsed h:mm:ss."""

from __future__ import annotations

import math

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
            return super().tickSpacing(minVal, maxVal, size)
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
