"""What every detector judges: one series prepared once per diagnosis (:class:`View`).

A :class:`View` holds

- ``x``/``y``: the finite points on the continuous step axis
  (:meth:`analysis.model.Series.continuous_step`: restarts shifted so x always
  increases), NaN/inf left out (the non-finite detector reads them from the
  series itself);
- accuracies logged in percent (0-100) divided by 100, so every rule works on
  fractions (``percent=True`` says so);
- ``xa``/``ya``: the series the trend detectors judge: the finite points
  themselves, or, for series longer than ``max_points``, block means of
  ``block`` consecutive points that never straddle a segment boundary. Block
  means keep every detector vectorised and O(n) with a small constant, and
  average minibatch noise out of per-batch series.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from analysis import naming
from analysis.model import Series

_BOUNDED_RE = re.compile(
    r"acc|auc|f1|f_1|precision|recall|iou|io_u|dice|jaccard|sensitivity|specificity",
    re.IGNORECASE,
)


def is_bounded_score(name: str) -> bool:
    """True for scores that live in [0, 1] (or 0-100 when logged in percent)."""
    return naming.family(name) == "score" and bool(_BOUNDED_RE.search(naming.base_name(name)))


@dataclass(eq=False)
class View:
    """One series prepared for the detectors (see the module docstring).

    Attributes
    ----------
    name : str
        Metric name as logged.
    role : {"train", "val", "test"}
    family : {"loss", "score", "lr", "other"}
    direction : {"min", "max"} or None
    bounded : bool
        A score in [0, 1] (accuracy, AUC, F1...).
    percent : bool
        The log had it in percent; ``y`` is divided by 100.
    x, y : ndarray of float64, shape (m,)
        Finite points, continuous step axis.
    seg : ndarray of int64, shape (m,)
        Segment number of each finite point.
    n : int
        All points including NaN/inf.
    xa, ya : ndarray of float64, shape (k,)
        Points the trend detectors judge (``x``/``y`` or block means).
    sega : ndarray of int64, shape (k,)
        Segment number of each analysis point.
    block : int
        Finite points per analysis point (1 when not reduced).
    starts : ndarray of int64, shape (k,)
        Index into ``x``/``y`` of each analysis point's first finite point.
    kind : {"epoch", "step"}
        What ``x`` counts (:meth:`analysis.model.Run.step_kind_of`): series of
        one run may differ (the Keras TensorBoard callback writes ``epoch_*``
        per epoch and ``evaluation_*_vs_iterations`` per step). Series of
        different kinds are never compared point by point.
    """

    name: str
    role: str
    family: str
    direction: str | None
    bounded: bool
    percent: bool
    x: np.ndarray
    y: np.ndarray
    seg: np.ndarray
    n: int
    xa: np.ndarray
    ya: np.ndarray
    sega: np.ndarray
    block: int
    starts: np.ndarray
    kind: str = "epoch"

    @property
    def m(self) -> int:
        """Number of finite points."""
        return len(self.y)

    @property
    def k(self) -> int:
        """Number of analysis points."""
        return len(self.ya)

    def better(self, a: np.ndarray | float, b: np.ndarray | float):
        """How much ``a`` is better than ``b`` (positive = better) in this metric's direction."""
        return (b - a) if self.direction != "max" else (a - b)

    def x_first(self, i: int) -> float:
        """Logged x of the first point of analysis point ``i`` (a real step, never a block mean)."""
        return float(self.x[int(self.starts[i])])

    def x_last(self, i: int) -> float:
        """Logged x of the last point of analysis point ``i``."""
        nxt = int(self.starts[i + 1]) if i + 1 < self.k else self.m
        return float(self.x[nxt - 1])

    def value_at(self, x: float) -> tuple[float, float]:
        """The logged value nearest to ``x`` and its x, as a person reads it off the table."""
        j = int(np.searchsorted(self.x, x))
        if j >= self.m or (j > 0 and abs(self.x[j - 1] - x) <= abs(self.x[j] - x)):
            j -= 1
        j = max(j, 0)
        return float(self.y[j]), float(self.x[j])


def block_reduce(x: np.ndarray, y: np.ndarray, seg: np.ndarray, block: int):
    """Means of ``block`` consecutive points, never across a segment boundary.

    Parameters
    ----------
    x, y : ndarray of float64, shape (m,)
    seg : ndarray of int64, shape (m,)
        Segment number per point (non-decreasing).
    block : int
        Points per block (the last block of a segment may be shorter).

    Returns
    -------
    xb, yb : ndarray of float64, shape (k,)
    segb : ndarray of int64, shape (k,)
    starts : ndarray of int64, shape (k,)
        Index of each block's first point.
    """
    m = len(y)
    if block <= 1 or m == 0:
        return x, y, seg, np.arange(m, dtype=np.int64)
    seg_starts = np.flatnonzero(np.diff(seg)) + 1
    starts = np.union1d(np.arange(0, m, block, dtype=np.int64), seg_starts.astype(np.int64))
    counts = np.diff(np.append(starts, m)).astype(np.float64)
    xb = np.add.reduceat(x, starts) / counts
    yb = np.add.reduceat(y, starts) / counts
    return xb, yb, seg[starts], starts


def make_view(series: Series, max_points: int, kind: str = "epoch") -> View:
    """Prepare one series (see :class:`View`); ``kind`` is what its steps count."""
    name = series.name
    fam = naming.family(name)
    value = series.value
    finite = np.isfinite(value)
    all_finite = bool(finite.all())
    y = value if all_finite else value[finite]
    x_all = series.continuous_step() if series.n_segments > 1 else series.step
    x = x_all if all_finite else x_all[finite]
    if series.n_segments > 1:
        mark = np.zeros(len(value), dtype=np.int64)
        mark[series.segments[1:]] = 1
        seg_all = np.cumsum(mark)
        seg = seg_all if all_finite else seg_all[finite]
    else:
        seg = np.zeros(len(y), dtype=np.int64)
    bounded = is_bounded_score(name)
    percent = False
    if bounded and len(y):
        lo, hi = float(y.min()), float(y.max())
        if hi > 1.5 and hi <= 100.5 and lo >= 0:
            y = y / 100.0
            percent = True
    block = max(1, math.ceil(len(y) / max_points)) if len(y) > max_points else 1
    xa, ya, sega, starts = block_reduce(x, y, seg, block)
    return View(
        name=name,
        role=naming.role(name),
        family=fam,
        direction=naming.direction(name),
        bounded=bounded,
        percent=percent,
        x=x,
        y=y,
        seg=seg,
        n=len(value),
        xa=xa,
        ya=ya,
        sega=sega,
        block=block,
        starts=starts,
        kind=kind,
    )


def epoch_series(series: Series) -> Series | None:
    """``series`` re-indexed by its logged epoch column (one mean value per epoch), or None.

    Used to compare a step-level series with an epoch-level one (Lightning and
    Hugging Face logs carry an ``epoch`` per point). Points with the same
    epoch (per-batch values of one epoch) are averaged; NaN/inf are left out.
    """
    if series.epoch is None or len(series) == 0:
        return None
    ep = series.epoch
    ok = np.isfinite(ep) & np.isfinite(series.value)
    if not ok.any():
        return None
    ep, val = ep[ok], series.value[ok]
    if len(ep) > 1 and np.any(np.diff(ep) <= 0):
        uniq, inv = np.unique(ep, return_inverse=True)
        sums = np.bincount(inv, weights=val)
        val = sums / np.bincount(inv)
        ep = uniq
    return Series(series.name, ep, val, step_kind="epoch")
