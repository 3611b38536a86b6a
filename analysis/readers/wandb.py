"""Weights & Biases CSV exports (a chart's "Download CSV", or ``run.history()`` saved).

A chart export has a ``Step`` column and, per run, ``<run name> - <metric>`` plus
``<run name> - <metric>__MIN`` / ``__MAX`` columns (the min/max band of the
smoothed line; equal to the value when no grouping is applied). Every field is
double-quoted, numbers too. Decisions: x = ``Step`` (W&B's global step, not the
epoch); ``__MIN``/``__MAX`` copies are ignored; the metric keeps the full column
name, so several runs in one export stay apart.
"""

from __future__ import annotations

from analysis.model import Run
from analysis.readers._base import finish_run
from analysis.readers._table import TableData
from analysis.readers.columns import axis_kind
from analysis.readers.csvlogger import _ffill, _segment_note, series_from_columns

FORMAT = "wandb-csv-export"


def is_wandb(columns: list[str]) -> bool:
    """``Step`` (or ``_step``) plus ``<run> - <metric>`` columns or ``__MIN``/``__MAX`` copies."""
    has_step = any(axis_kind(c) == "step" for c in columns)
    band = any(c.endswith(("__MIN", "__MAX")) for c in columns)
    runcols = [c for c in columns if " - " in c]
    return has_step and (band or (runcols and len(runcols) >= len(columns) - 2))


def table_to_run(t: TableData, source: str, name: str, pre_notes: list[str]) -> Run:
    """A run from a W&B export table."""
    notes = list(pre_notes) + list(t.notes)
    scol = next(c for c in t.columns if axis_kind(c) == "step")
    step = t.values[scol]
    m = t.missing.get(scol)
    if m is not None and m.any():
        step = _ffill(step, m)
    band = [c for c in t.columns if c.endswith(("__MIN", "__MAX"))]
    metrics = [c for c in t.columns if c not in band and axis_kind(c, 1) is None]
    notes.append(f"x axis column {scol!r} excluded (W&B's global step, not the epoch)")
    if band:
        notes.append("__MIN/__MAX copies ignored; metric = full W&B column name")
    for c in t.columns:
        if c != scol and c not in band and c not in metrics:
            notes.append(f"axis column {c!r} excluded from the metrics")
    series = series_from_columns(t, metrics, step, None, None, notes, keep_empty=t.nrows == 0)
    run = Run(name=name, source=source, format=FORMAT, series=series, step_kind="step", notes=notes)
    _segment_note(run, t, scol)
    return finish_run(run)
