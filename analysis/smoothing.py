"""EMA smoothing of training curves, exactly as TensorBoard's scalar dashboard does it.

TensorBoard smooths a scalar series with a debiased exponential moving average
(a first-order IIR low-pass filter started at 0 and divided by ``1 - w**k``):

.. code-block:: text

    last = 0; k = 0
    for each point v (in step order):
        if the series is constant or v is not finite:  smoothed = v
        else:  last = last * w + (1 - w) * v;  k += 1;  smoothed = last / (1 - w**k)

Source: tensorflow/tensorboard ``vz_line_chart2/line-chart.ts`` (``resmoothDataset``)
and ``webapp/widgets/line_chart_v2/data_transformer.ts`` (``classicSmoothing``);
the constant-series rule comes from tensorflow/tensorboard #786, the debiasing
from tensorflow/tensorflow #6439. Weights and Biases uses the same formula.

FitLens adds two rules of its own (``../shared/cases/CASES.md`` case 14):

- series with fewer than :data:`MIN_POINTS` finite points are returned unchanged
  (TensorBoard #1127: a 2-point ``val_auc`` 0.62 -> 0.70 would be drawn 0.62 -> 0.67);
- smoothing is always computed on the full-resolution series, never on a
  decimated one, so the smoothed curve does not depend on the zoom level
  (TensorBoard #1518). Callers smooth first and downsample the result;
- on a logarithmic y axis the same EMA is taken of ``log(value)`` (``log=True``),
  i.e. the curve that is drawn is the curve that is smoothed. TensorBoard
  averages the linear values even on a log axis, so one early large loss
  dominates the smoothed line for many points: the demo's loss, 296 at epoch 0
  and 0.41-0.48 from epoch 1, would be drawn above 1 until epoch 10 with weight
  0.6; in log space it is below 1 from epoch 5. Series with a value <= 0 are
  smoothed linearly (they cannot be drawn on a log axis anyway).

Pure numpy/pandas: no Qt, no TensorFlow.
"""

from __future__ import annotations

import numpy as np

#: Default smoothing weight (TensorBoard's default slider position).
DEFAULT_WEIGHT: float = 0.6

#: Series with fewer finite points than this are not smoothed (CASES.md case 14).
MIN_POINTS: int = 5

#: Largest weight the GUI slider offers (TensorBoard's slider also stops at 0.99).
MAX_WEIGHT: float = 0.99


def _check_weight(weight: float) -> float:
    w = float(weight)
    if not (0.0 <= w < 1.0):
        raise ValueError(f"smoothing weight must be in [0, 1), got {weight!r}")
    return w


def tensorboard_ema(values: np.ndarray, weight: float = DEFAULT_WEIGHT) -> np.ndarray:
    """Debiased EMA of ``values`` exactly as TensorBoard computes it.

    Parameters
    ----------
    values : array_like of float, shape (n,)
        Metric values in step order, NaN/inf allowed.
    weight : float
        Smoothing weight ``w`` in [0, 1); 0 returns the values unchanged.

    Returns
    -------
    ndarray of float64, shape (n,)
        Smoothed values. Non-finite points are passed through unchanged and do
        not advance the average (TensorBoard counts only finite points in the
        debias term). A constant series (every value ``==`` the first, so a
        series containing NaN is never constant) is returned unchanged
        (tensorflow/tensorboard #786).

    Raises
    ------
    ValueError
        If ``weight`` is outside [0, 1).

    Notes
    -----
    The debiased EMA equals the "adjusted" exponentially weighted mean
    ``sum_i w**i * v[t-i] / sum_i w**i`` over the finite points, which pandas
    computes in compiled code (``ewm(alpha=1 - w, adjust=True)``); 1,000,000
    points take about 10 ms instead of a second in a Python loop.
    """
    w = _check_weight(weight)
    v = np.asarray(values, dtype=np.float64)
    out = v.copy()
    if v.size == 0 or w == 0.0:
        return out
    if np.all(v == v[0]):
        return out
    finite = np.isfinite(v)
    if not finite.any():
        return out
    import pandas as pd  # lazy: keeps GUI start-up free of pandas until needed

    fv = v[finite]
    out[finite] = pd.Series(fv).ewm(alpha=1.0 - w, adjust=True).mean().to_numpy()
    return out


def smooth(
    values: np.ndarray,
    weight: float = DEFAULT_WEIGHT,
    min_points: int = MIN_POINTS,
    log: bool = False,
) -> np.ndarray:
    """Smoothed copy of a full-resolution series, or the series itself if too short.

    Parameters
    ----------
    values : array_like of float, shape (n,)
        All points of the series in step order (never a decimated view).
    weight : float
        Smoothing weight in [0, 1).
    min_points : int
        Series with fewer finite points are returned unchanged (CASES.md case 14).
    log : bool
        Smooth ``log(values)`` and return ``exp`` of the result (for a log y
        axis). Ignored when a finite value is <= 0.

    Returns
    -------
    ndarray of float64, shape (n,)

    Raises
    ------
    ValueError
        If ``weight`` is outside [0, 1).
    """
    _check_weight(weight)
    v = np.asarray(values, dtype=np.float64)
    if not is_smoothable(v, min_points):
        return v.copy()
    if log:
        finite = np.isfinite(v)
        if np.all(v[finite] > 0):
            out = v.copy()
            out[finite] = np.exp(tensorboard_ema(np.log(v[finite]), weight))
            return out
    return tensorboard_ema(v, weight)


def is_smoothable(values: np.ndarray, min_points: int = MIN_POINTS) -> bool:
    """True when the series has at least ``min_points`` finite points.

    Parameters
    ----------
    values : array_like of float, shape (n,)
    min_points : int
    """
    v = np.asarray(values, dtype=np.float64)
    return int(np.count_nonzero(np.isfinite(v))) >= int(min_points)
