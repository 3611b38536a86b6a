"""Building runs: series with their segments, and the notes every reader adds.

Nothing here knows a log format; every reader builds its runs with these.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from analysis.model import Run, Series, segment_starts


def as_f64(a) -> np.ndarray:
    """float64 array without a copy when it already is one."""
    return np.asarray(a, dtype=np.float64)


def make_series(
    name: str,
    step: np.ndarray,
    value: np.ndarray,
    wall_time: np.ndarray | None = None,
    epoch: np.ndarray | None = None,
    boundaries: Iterable[int] = (),
    segs: np.ndarray | None = None,
) -> Series:
    """A :class:`Series` with segments where the step does not increase plus ``boundaries``.

    Parameters
    ----------
    boundaries : iterable of int
        Extra segment starts (point indices), e.g. where a repeated CSV header or
        a joined run begins.
    segs : ndarray of int64, optional
        ``segment_starts(step)`` when already known (series sharing one x column).
    """
    step = as_f64(step)
    if segs is None:
        segs = segment_starts(step)
    extra = [int(b) for b in boundaries if 0 < int(b) < len(step)]
    if extra:
        segs = np.unique(np.concatenate([segs, np.asarray(extra, dtype=np.int64)]))
    return Series(name, step, as_f64(value), wall_time=wall_time, epoch=epoch, segments=segs)


def finish_run(run: Run) -> Run:
    """Set :attr:`Run.segments` from the series and add the common notes."""
    nseg = max((s.n_segments for s in run.series.values()), default=1)
    run.segments = max(run.segments, nseg, 1)
    flagged = []
    for name, s in run.series.items():
        if (
            len(s)
            and not np.isfinite(s.value[0])
            and s.n_finite == 0
            and name.lower().startswith(("val_", "val ", "validation"))
        ):
            flagged.append(name)
    if flagged:
        run.meta.setdefault("no_validation", []).extend(flagged)
        run.notes.append(
            f"{', '.join(flagged)}: NaN in every row — no validation data (Keras writes NaN/NA "
            "when fit() has no validation set, keras-team/keras #21173), not a divergence"
        )
    return run


def keras_style(names: Iterable[str]) -> bool:
    """Whether metric names look like Keras ``History`` keys (Keras always logs ``loss``)."""
    return "loss" in set(names)


def same_points(a: Series, b: Series) -> bool:
    """Whether two series hold the same points (steps and values; NaN equals NaN)."""
    return (
        len(a) == len(b)
        and np.array_equal(a.step, b.step)
        and np.array_equal(a.value, b.value, equal_nan=True)
    )
