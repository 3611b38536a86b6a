"""From a parsed table to series: forward-filled axes, one series per metric column, segment notes.

Shared by every table reader (Keras CSVLogger and plain CSV, Lightning, W&B, TensorBoard
CSV exports); nothing here decides which reader takes a table.
"""

from __future__ import annotations

import numpy as np

from analysis.model import Run, Series, segment_starts
from analysis.readers.series_build import as_f64, make_series
from analysis.readers.table_data import TableData


def forward_fill(x: np.ndarray, miss: np.ndarray) -> np.ndarray:
    """Forward-fill missing x values (first ones back-filled)."""
    x = x.copy()
    idx = np.where(~miss, np.arange(len(x)), 0)
    np.maximum.accumulate(idx, out=idx)
    x = x[idx]
    if miss[0]:
        first = int(np.argmax(~miss)) if (~miss).any() else None
        if first is None:
            return np.arange(len(x), dtype=np.float64)
        x[:first] = x[first]
    return x


def rows_to_points(boundaries: list[int], keep: np.ndarray | None) -> list[int]:
    """Table-row segment boundaries as point indices of a series that keeps ``keep`` rows."""
    if keep is None:
        return list(boundaries)
    if not boundaries:
        return []
    csum = np.concatenate([[0], np.cumsum(keep)])
    return [int(csum[r]) for r in boundaries if r < len(keep)]


def series_from_columns(
    t: TableData,
    metrics: list[str],
    step: np.ndarray,
    wall: np.ndarray | None,
    epoch: np.ndarray | None,
    notes: list[str],
    keep_empty: bool = False,
) -> dict[str, Series]:
    """One series per metric column from the non-missing cells."""
    out: dict[str, Series] = {}
    empty = []
    shared_segs = None
    for name in metrics:
        v = t.values[name]
        m = t.missing.get(name)
        if m is None:
            st, val, wt, ep, keep = step, v, wall, epoch, None
        else:
            keep = ~m
            if not keep.any() and t.nrows:
                empty.append(name)
                continue
            st, val = step[keep], v[keep]
            wt = None if wall is None else wall[keep]
            ep = None if epoch is None else epoch[keep]
        if t.nrows == 0 and not keep_empty:
            continue
        segs = None
        if keep is None:
            if shared_segs is None:
                shared_segs = segment_starts(as_f64(step))
            segs = shared_segs
        out[name] = make_series(
            name,
            st,
            val,
            wall_time=wt,
            epoch=ep,
            boundaries=rows_to_points(t.boundaries, keep),
            segs=segs,
        )
    if empty and not out:
        # nothing but empty columns (a first epoch without values): keep them, without points
        for name in empty:
            out[name] = make_series(name, np.zeros(0), np.zeros(0))
    if empty:
        notes.append(
            f"no value in any row for {', '.join(map(repr, empty))} (every cell empty "
            "or NA): not drawn"
            + (" — no validation data?" if any(e.lower().startswith("val") for e in empty) else "")
        )
    return out


def segment_note(run: Run, t: TableData, xcol: str | None) -> None:
    """Say where segments start, in table rows (0-based data rows)."""
    if not run.series:
        return
    longest = max(run.series.values(), key=len)
    if longest.n_segments <= 1:
        return
    where = []
    for s in longest.segments[1:]:
        a, b = longest.step[s - 1], longest.step[s]
        if b <= a:
            where.append(f"{int(s)} ({xcol or 'x'} {a:g}->{b:g})")
        else:
            where.append(f"{int(s)} (new header block)")
    run.notes.append(
        f"{longest.n_segments} segments (a resumed or repeated run in one file; drawn one "
        f"after the other, never backwards): boundaries before point "
        + ", ".join(where)
        + " (0-based)"
    )
