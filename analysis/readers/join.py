"""Joining runs: a second ``fit()`` appended to the first.

Keras' ``History`` restarts with every ``fit()`` call (keras-team/keras #6697), and
fine-tuning with ``initial_epoch=history.epoch[-1]`` repeats the last epoch of the
first run (tensorflow/docs PR #2292: 21 points where 20 epochs were trained).
:func:`append_runs` puts the second run after the first as a new segment, says
how many epochs overlap, and never draws two y values at one x: the second part
continues after the first on the continuous x axis (:meth:`Series.continuous_step`).
"""

from __future__ import annotations

import numpy as np

from analysis.model import Run, Series


def _cat(a: np.ndarray | None, b: np.ndarray | None, na: int, nb: int) -> np.ndarray | None:
    if a is None and b is None:
        return None
    a = np.full(na, np.nan) if a is None else a
    b = np.full(nb, np.nan) if b is None else b
    return np.concatenate([a, b])


def _join_series(a: Series | None, b: Series | None, name: str) -> Series:
    if a is None:
        return b
    if b is None:
        return a
    n = len(a)
    return Series(
        name=name,
        step=np.concatenate([a.step, b.step]),
        value=np.concatenate([a.value, b.value]),
        wall_time=_cat(a.wall_time, b.wall_time, len(a), len(b)),
        epoch=_cat(a.epoch, b.epoch, len(a), len(b)),
        segments=np.unique(np.concatenate([a.segments, b.segments + n, [n]]).astype(np.int64)),
    )


def overlap(first: Run, second: Run) -> tuple[float | None, int]:
    """Where the second run starts and how many of the first run's x values it repeats.

    Returns
    -------
    (start, n_overlap)
        ``start`` is the second run's first logged step (None when it is empty);
        ``n_overlap`` the number of distinct steps of the first run at or after it.
    """
    starts = [s.step[0] for s in second.series.values() if len(s)]
    if not starts:
        return None, 0
    start = float(min(starts))
    firsts = [s.step for s in first.series.values() if len(s)]
    if not firsts:
        return start, 0
    steps = np.unique(np.concatenate(firsts))
    return start, int(np.count_nonzero(steps >= start))


def append_runs(first: Run, second: Run, name: str | None = None) -> Run:
    """The second run appended to the first, as a new segment ("append run").

    Parameters
    ----------
    first, second : Run
        Runs in training order (e.g. ``fit()`` then fine-tuning). Metrics are
        matched by name; a metric only one run has keeps its points.
    name : str, optional
        Name of the joined run (default: the first run's name).

    Returns
    -------
    Run
        Series hold the first run's points, then the second's (steps as logged);
        a segment boundary marks where the second run starts, so
        :meth:`Series.continuous_step` draws it after the first. The note says
        where the second run restarted and how many epochs/steps overlap, e.g.
        ``"second run restarted at epoch 4 — 1 epoch overlaps"``;
        ``meta["run_boundaries"]`` gives the boundary index per series and
        ``meta["overlap"]`` the overlap count.
    """
    start, n_over = overlap(first, second)
    unit = "epoch" if first.step_kind == "epoch" else "step"
    series: dict[str, Series] = {}
    boundaries: dict[str, int] = {}
    for k in list(first.series) + [k for k in second.series if k not in first.series]:
        a, b = first.series.get(k), second.series.get(k)
        series[k] = _join_series(a, b, k)
        if a is not None and b is not None:
            boundaries[k] = len(a)
    axes = dict(first.axes)
    for k, s in second.axes.items():
        axes[k] = _join_series(axes.get(k), s, k)
    notes = [f"first part: {first.source}", f"second part: {second.source}"]
    if start is None:
        notes.append("second run has no points")
    elif n_over:
        plural = "s" if n_over > 1 else ""
        verb = "overlap" if n_over > 1 else "overlaps"
        notes.append(
            f"second run restarted at {unit} {start:g} — {n_over} {unit}{plural} "
            f"{verb}; drawn after the first run as a new segment"
        )
    else:
        notes.append(f"second run continues at {unit} {start:g} (no overlap)")
    meta = {"run_boundaries": boundaries, "overlap": n_over, "second_start": start}
    run = Run(
        name=name or first.name,
        source=first.source,
        format=first.format if first.format == second.format else f"{first.format}+{second.format}",
        series=series,
        step_kind=first.step_kind,
        notes=notes
        + [f"(first) {n}" for n in first.notes]
        + [f"(second) {n}" for n in second.notes],
        segments=first.segments + second.segments,
        axes=axes,
        meta=meta,
    )
    return run
