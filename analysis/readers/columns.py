"""Which logged columns are x axes (epoch, step, wall time...) rather than metrics.

Names follow what the writers use: Keras CSVLogger ``epoch`` (0-based), pandas'
unnamed index column, Lightning ``epoch``/``step``, W&B ``Step``/``_step``/
``_timestamp``, TensorBoard exports ``Wall time``/``Step``, custom ``Epoch#``.
Axis columns are never reported as metrics; the reader says which it used.
"""

from __future__ import annotations

from typing import Literal

AxisKind = Literal["epoch", "step", "batch", "wall_time", "index"]

_EPOCH = {
    "epoch",
    "epochs",
    "epoch#",
    "epoch_num",
    "epoch_idx",
    "epoch_index",
    "ep",
    "epoch no",
    "epoch number",
    "n_epoch",
    "epoch/epoch",
}
_STEP = {
    "step",
    "steps",
    "global_step",
    "global step",
    "globalstep",
    "iteration",
    "iterations",
    "iter",
    "it",
    "_step",
    "trainer/global_step",
    "train/global_step",
    "num_steps",
}
_BATCH = {"batch", "batch_idx", "batch index", "batch_index", "batch#"}
_WALL = {"wall time", "wall_time", "walltime", "timestamp", "_timestamp", "time_stamp", "unix_time"}
_INDEX = {"", "unnamed: 0", "index"}


def axis_kind(name: str, position: int | None = None) -> AxisKind | None:
    """The kind of x axis a column name denotes, or None for a metric.

    Parameters
    ----------
    name : str
        Column name as logged.
    position : int, optional
        Column position; an empty or ``Unnamed: 0`` name is a pandas index only
        in the first column (``position`` None means "don't know": accepted).
    """
    low = name.strip().lower()
    if low in _EPOCH:
        return "epoch"
    if low in _STEP:
        return "step"
    if low in _BATCH:
        return "batch"
    if low in _WALL:
        return "wall_time"
    if low in _INDEX and (position is None or position == 0):
        return "index"
    return None


def is_axis_name(name: str) -> bool:
    """Whether a column name denotes an x axis (:func:`axis_kind` is not None)."""
    return axis_kind(name) is not None
