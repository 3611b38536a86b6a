"""Level of detail for very long series: min/max envelopes at coarser and coarser steps.

pyqtgraph's peak downsampling (``setDownsampling(auto=True, mode="peak")``) keeps
every spike visible, but it runs over every visible point on every frame: with
10-20 curves of a million points each, panning costs 50-100 ms a frame (measured
by ``bench/bench_gui.py``; pyqtgraph #3301). A :class:`PeakPyramid` computes the
envelopes once (each level keeps the maximum and the minimum of every
``FACTOR`` points of the level below, so a one-step spike survives every level,
CASES.md case 15), and the plot hands pyqtgraph the coarsest level that still has
a few points per pixel of the visible range. pyqtgraph's own peak downsampling
and clip-to-view then work on a few thousand points instead of a million.

Pure numpy; the data themselves are never subsampled (all points stay in memory
and in the readouts and exports).
"""

from __future__ import annotations

import numpy as np

#: Series longer than this get a pyramid.
LOD_MIN_POINTS = 200_000
#: Points per bucket from one level to the next.
FACTOR = 16
#: A level is used while the visible range holds at least this many of its points per pixel.
POINTS_PER_PIXEL = 4
#: Smallest level built (points).
MIN_LEVEL_POINTS = 4096


def _envelope(x: np.ndarray, y: np.ndarray, factor: int) -> tuple[np.ndarray, np.ndarray]:
    """Max and min of every ``factor`` points, as two points per bucket.

    The bucket's maximum sits at its first x and its minimum at its middle x, so
    x stays strictly increasing (needed by clip-to-view). NaN are ignored unless a
    whole bucket is NaN; inf is kept (it is the extreme).
    """
    n = len(y) // factor
    full = n * factor
    yb = y[:full].reshape(n, factor)
    with np.errstate(invalid="ignore"):
        hi = np.fmax.reduce(yb, axis=1)
        lo = np.fmin.reduce(yb, axis=1)
    xs = x[:full:factor]
    xm = x[factor // 2 : full : factor]
    if full < len(y):  # the tail: a last, shorter bucket
        tail_y = y[full:]
        tail_x = x[full:]
        with np.errstate(invalid="ignore"):
            hi = np.append(hi, np.fmax.reduce(tail_y))
            lo = np.append(lo, np.fmin.reduce(tail_y))
        xs = np.append(xs, tail_x[0])
        xm = np.append(
            xm, tail_x[len(tail_x) // 2] if len(tail_x) > 1 else np.nextafter(tail_x[0], np.inf)
        )
    ox = np.empty(2 * len(xs))
    oy = np.empty(2 * len(xs))
    ox[0::2], ox[1::2] = xs, xm
    oy[0::2], oy[1::2] = hi, lo
    return ox, oy


class PeakPyramid:
    """Envelopes of one series; level 0 is the series itself.

    Parameters
    ----------
    x : ndarray of float64, shape (n,)
        Strictly increasing.
    y : ndarray of float64, shape (n,)
    """

    def __init__(self, x: np.ndarray, y: np.ndarray) -> None:
        self.levels: list[tuple[np.ndarray, np.ndarray]] = [(x, y)]
        cx, cy = x, y
        while len(cy) >= FACTOR * MIN_LEVEL_POINTS:
            cx, cy = _envelope(cx, cy, FACTOR)
            self.levels.append((cx, cy))

    def choose(self, x0: float, x1: float, pixels: float) -> int:
        """The coarsest level with at least ``POINTS_PER_PIXEL`` visible points per pixel."""
        want = max(1.0, float(pixels)) * POINTS_PER_PIXEL
        best = 0
        for k, (lx, _ly) in enumerate(self.levels):
            i0 = int(np.searchsorted(lx, x0))
            i1 = int(np.searchsorted(lx, x1, side="right"))
            if i1 - i0 >= want or k == 0:
                best = k
            else:
                break
        return best

    def level(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        return self.levels[k]
