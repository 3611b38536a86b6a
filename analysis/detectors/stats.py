"""Robust statistics of a curve: noise, Keras-style improvements, trend slope.

Shared by the detectors; every function is vectorised over numpy arrays except
:func:`keras_improvements`, whose ``best`` only moves on an improvement.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def within_segment_diff(y: np.ndarray, seg: np.ndarray) -> np.ndarray:
    """First differences with those across segment boundaries set to NaN, shape (m-1,)."""
    d = np.diff(y)
    if len(seg) > 1 and seg[-1] != seg[0]:
        d = d.astype(np.float64, copy=True)
        d[np.diff(seg) != 0] = np.nan
    return d


def _mad_sd(d: np.ndarray) -> float:
    d = d[np.isfinite(d)]
    if len(d) < 2:
        return 0.0
    return float(1.4826 * np.median(np.abs(d - np.median(d))))


def noise_sd(y: np.ndarray, seg: np.ndarray | None = None) -> float:
    """Point-to-point noise of a curve: 1.4826 x MAD of its second differences / sqrt(6).

    Second differences cancel a trend *and* its steady curvature (a loss
    decaying like an exponential has large first differences early and small
    ones late, which would read as noise); for white noise of s.d. sigma they
    have s.d. sigma x sqrt(6). MAD keeps single spikes out. Differences across
    segment boundaries are ignored. Returns 0.0 for fewer than 4 points.
    """
    if len(y) < 4:
        return 0.0
    d = np.diff(y) if seg is None else within_segment_diff(y, seg)
    return _mad_sd(np.diff(d)) / math.sqrt(6.0)


def rel_noise(y: np.ndarray, seg: np.ndarray | None = None) -> float | None:
    """Relative noise of a positive series: :func:`noise_sd` of ``log(y)``.

    The right scale for losses that fall over several decades (an absolute
    noise would be dominated by the first epochs): 0.05 means about +-5 % from
    one point to the next. None when the series is not strictly positive or
    has fewer than 4 points.
    """
    if len(y) < 4 or float(np.min(y)) <= 0:
        return None
    return noise_sd(np.log(y), seg)


def keras_improvements(
    y: np.ndarray, min_delta: float, direction: str | None, rel: float = 0.0
) -> list[int]:
    """Indices where a Keras callback would record a new best.

    EarlyStopping / ReduceLROnPlateau semantics: the first value is the first
    best; a later value is an improvement when it beats the current best by
    more than ``min_delta`` (``current < best - min_delta`` in ``min`` mode).
    The loop is sequential by nature (``best`` only moves on an improvement);
    it runs over at most ``max_points`` analysis points.

    Parameters
    ----------
    y : ndarray, shape (k,)
    min_delta : float
        Absolute, >= 0.
    direction : {"min", "max"} or None
        None is treated as ``min``.
    rel : float
        Relative threshold as in PyTorch's ``threshold_mode='rel'``: an
        improvement must also beat the best by ``rel * |best|``.

    Returns
    -------
    list of int
        Non-empty when ``y`` is non-empty; the last entry is the last improvement.
    """
    if len(y) == 0:
        return []
    vals = (-y if direction == "max" else y).tolist()
    best = vals[0]
    out = [0]
    if rel <= 0:
        for i in range(1, len(vals)):
            v = vals[i]
            if v < best - min_delta:
                best = v
                out.append(i)
        return out
    for i in range(1, len(vals)):
        v = vals[i]
        if v < best - max(min_delta, rel * abs(best)):
            best = v
            out.append(i)
    return out


def ols_slope_t(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Least-squares slope of y on x and its t statistic (inf for a perfect line)."""
    n = len(x)
    if n < 3:
        return 0.0, 0.0
    xm = x - x.mean()
    sxx = float(xm @ xm)
    if sxx == 0:
        return 0.0, 0.0
    slope = float(xm @ (y - y.mean())) / sxx
    resid = y - y.mean() - slope * xm
    s2 = float(resid @ resid) / (n - 2)
    scale = float(np.abs(y).max())
    if not math.isfinite(s2) or not math.isfinite(scale):
        return slope, 0.0
    if s2 <= 1e-30 * max(1.0, scale) * max(1.0, scale):  # float *, never ** (OverflowError)
        return slope, (math.inf if slope > 0 else -math.inf if slope < 0 else 0.0)
    return slope, slope / math.sqrt(s2 / sxx)


def med3(y: np.ndarray) -> np.ndarray:
    """Running median of 3 (ends kept): removes single-point noise before interpolation."""
    if len(y) < 3:
        return y
    out = y.copy()
    out[1:-1] = np.median(sliding_window_view(y, 3), axis=1)
    return out


def running_mean(y: np.ndarray, w: int) -> np.ndarray:
    """Centred running mean of width ``w`` (shrinking at the ends), vectorised with cumsum."""
    k = len(y)
    if w <= 1 or k < 3:
        return y
    h = w // 2
    c = np.concatenate([[0.0], np.cumsum(y)])
    lo = np.clip(np.arange(k) - h, 0, k)
    hi = np.clip(np.arange(k) + h + 1, 0, k)
    return (c[hi] - c[lo]) / (hi - lo)
