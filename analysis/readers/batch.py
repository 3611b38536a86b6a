"""Batch-level logs: Keras logs running means since the epoch start, not per-batch values.

Keras/tf-keras ``Callback.on_train_batch_end(batch, logs)``: logs are "aggregated
metric results up until this batch" (keras-team/keras #20212, #10610). A batch
curve is therefore a saw-tooth that restarts every epoch, its last point per epoch
is the epoch value, and the per-batch losses can be recovered from the running
mean ``m_b`` over ``b`` batches: ``l_b = b * m_b - (b - 1) * m_{b-1}``.
"""

from __future__ import annotations

import numpy as np

from analysis.model import Series


def _epoch_groups(s: Series) -> np.ndarray:
    """Start index of each run of equal epoch values (the batches of one epoch)."""
    if s.epoch is None:
        raise ValueError(f"series {s.name!r} has no epoch per point (not a batch-level log)")
    ep = s.epoch
    if len(ep) == 0:
        return np.zeros(0, dtype=np.int64)
    return np.concatenate([[0], np.flatnonzero(np.diff(ep) != 0) + 1]).astype(np.int64)


def epoch_end_values(s: Series) -> Series:
    """The last logged value of each epoch (= the epoch's value for running means).

    Parameters
    ----------
    s : Series
        A batch-level series with :attr:`Series.epoch` set.

    Returns
    -------
    Series
        One point per epoch: step = epoch, value = the epoch's last batch value.
    """
    starts = _epoch_groups(s)
    ends = np.concatenate([starts[1:] - 1, [len(s) - 1]]) if len(starts) else starts
    return Series(
        s.name,
        s.epoch[ends],
        s.value[ends],
        wall_time=None if s.wall_time is None else s.wall_time[ends],
    )


def deaverage_running_mean(s: Series, batch: np.ndarray | None = None) -> Series:
    """Per-batch values recovered from running means since the epoch start.

    ``l_b = b * m_b - (b - 1) * m_{b-1}`` with ``b`` the 1-based batch number in
    the epoch (Keras' running mean; keras-team/keras #20212).

    Parameters
    ----------
    s : Series
        Batch-level running means with :attr:`Series.epoch` set.
    batch : ndarray of int, shape (n,), optional
        0-based batch index of each point within its epoch; by default every
        batch is assumed logged (1, 2, 3... within each epoch). When batches
        were skipped (logging every k batches), pass them: the formula then uses
        ``b`` and the previous logged ``b'``: ``l = (b*m_b - b'*m_b') / (b - b')``,
        the mean of the batches in between.

    Returns
    -------
    Series
        Same steps, the recovered values.
    """
    starts = _epoch_groups(s)
    n = len(s)
    idx = np.arange(n)
    group_start = np.zeros(n, dtype=np.int64)
    group_start[starts] = starts
    np.maximum.accumulate(group_start, out=group_start)
    b = (
        (idx - group_start + 1).astype(np.float64)
        if batch is None
        else np.asarray(batch, dtype=np.float64) + 1
    )
    m = s.value
    prev_b = np.zeros(n)
    prev_m = np.zeros(n)
    first = np.zeros(n, dtype=bool)
    first[starts] = True
    prev_b[~first] = b[:-1][~first[1:]] if n > 1 else prev_b[~first]
    prev_m[~first] = m[:-1][~first[1:]] if n > 1 else prev_m[~first]
    with np.errstate(divide="ignore", invalid="ignore"):
        out = (b * m - prev_b * prev_m) / (b - prev_b)
    return Series(
        s.name, s.step.copy(), out, wall_time=s.wall_time, epoch=s.epoch, segments=s.segments
    )
