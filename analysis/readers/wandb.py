"""Weights & Biases CSV exports (a chart's "Download CSV", or ``run.history()`` saved).

A chart export has a ``Step`` column and, per run, ``<run name> - <metric>`` plus
``<run name> - <metric>__MIN`` / ``__MAX`` columns (the min/max band of the
smoothed line; equal to the value when no grouping is applied). Every field is
double-quoted, numbers too; a run with fewer points than another has empty cells.
Decisions:

- x = ``Step`` (W&B's global step, not the epoch); ``__MIN``/``__MAX`` copies are
  ignored;
- an export of several runs (a chart comparing ``run-a`` and ``run-b``) gives one
  :class:`~analysis.model.Run` per W&B run, named after it (the name shown in W&B),
  with its metrics named as logged (``val_loss``, not ``run-a - val_loss``), so that
  train/val pairs and the diagnosis work per run; the run name is the text before the
  last ``" - "`` (W&B run names are free text, metric keys are code identifiers);
- an export of one run keeps the full column name as the metric name
  (``fluent-oath-59 - epoch/val_loss``: the name the W&B chart shows) and the file's
  run name.
"""

from __future__ import annotations

from analysis.model import Run
from analysis.readers.columns import axis_kind
from analysis.readers.formats import LogFormat
from analysis.readers.series_build import finish_run
from analysis.readers.table_data import TableData
from analysis.readers.table_series import forward_fill, segment_note, series_from_columns

FORMAT = "wandb-csv-export"
_SEP = " - "


def is_wandb(columns: list[str]) -> bool:
    """``Step`` (or ``_step``) plus ``<run> - <metric>`` columns or ``__MIN``/``__MAX`` copies."""
    has_step = any(axis_kind(c) == "step" for c in columns)
    band = any(c.endswith(("__MIN", "__MAX")) for c in columns)
    runcols = [c for c in columns if _SEP in c]
    return has_step and (band or (runcols and len(runcols) >= len(columns) - 2))


def split_run_column(column: str) -> tuple[str, str] | None:
    """``"run-a - val_loss"`` -> ``("run-a", "val_loss")``; None without ``" - "``."""
    run, sep, metric = column.rpartition(_SEP)
    if not sep or not run.strip() or not metric.strip():
        return None
    return run.strip(), metric.strip()


def table_to_runs(t: TableData, source: str, name: str, pre_notes: list[str]) -> list[Run]:
    """The runs of a W&B export table: one per W&B run (module docstring).

    Parameters
    ----------
    t : TableData
        The parsed export.
    source : str
        Path, for :attr:`Run.source`.
    name : str
        The file's run name (used for a one-run export).
    pre_notes : list of str
        Notes from reading the file (encoding, separator...).

    Returns
    -------
    list of Run
        One run per W&B run name in the columns, in column order.
    """
    notes = list(pre_notes) + list(t.notes)
    scol = next(c for c in t.columns if axis_kind(c) == "step")
    step = t.values[scol]
    m = t.missing.get(scol)
    if m is not None and m.any():
        step = forward_fill(step, m)
    band = [c for c in t.columns if c.endswith(("__MIN", "__MAX"))]
    metrics = [c for c in t.columns if c not in band and axis_kind(c, 1) is None]
    notes.append(f"x axis column {scol!r} excluded (W&B's global step, not the epoch)")
    for c in t.columns:
        if c != scol and c not in band and c not in metrics:
            notes.append(f"axis column {c!r} excluded from the metrics")
    groups: dict[str, list[tuple[str, str]]] = {}  # W&B run -> [(column, metric)]
    for c in metrics:
        parts = split_run_column(c)
        run_name, metric = parts if parts else (name, c)
        groups.setdefault(run_name, []).append((c, metric))
    if len(groups) < 2:
        if band:
            notes.append("__MIN/__MAX copies ignored; metric = full W&B column name")
        return [_run(t, metrics, step, scol, source, name, notes)]
    shown = ", ".join(repr(g) for g in groups)
    notes.append(
        f"W&B export of {len(groups)} runs ({shown}): one run each, metrics named without "
        "the '<run> - ' prefix" + ("; __MIN/__MAX copies ignored" if band else "")
    )
    runs = []
    for run_name, cols in groups.items():
        metric_names = [metric for _, metric in cols]
        if len(set(metric_names)) != len(metric_names):
            metric_names = [c for c, _ in cols]  # two columns give one name: keep them apart
        sub = TableData(
            metric_names,
            {mn: t.values[c] for (c, _), mn in zip(cols, metric_names, strict=True)},
            {mn: t.missing.get(c) for (c, _), mn in zip(cols, metric_names, strict=True)},
            t.nrows,
            t.boundaries,
            t.line_of_row0,
            [],
            t.dropped_duplicates,
        )
        run_notes = list(notes)
        if run_name != name:
            run_notes.append(f"W&B run {run_name!r}: columns {', '.join(c for c, _ in cols)}")
        runs.append(_run(sub, metric_names, step, scol, source, run_name, run_notes))
    return runs


def _run(
    t: TableData, metrics: list[str], step, scol: str, source: str, name: str, notes: list[str]
) -> Run:
    series = series_from_columns(t, metrics, step, None, None, notes, keep_empty=t.nrows == 0)
    run = Run(name=name, source=source, format=FORMAT, series=series, step_kind="step", notes=notes)
    segment_note(run, t, scol)
    return finish_run(run)


def table_to_run(t: TableData, source: str, name: str, pre_notes: list[str]) -> Run:
    """The first run of :func:`table_to_runs` (kept for callers that expect one run)."""
    return table_to_runs(t, source, name, pre_notes)[0]


FORMATS = (
    LogFormat(
        FORMAT,
        "table",
        lambda table: is_wandb(table.columns),
        table_to_runs,
        80,
        "Weights & Biases chart export: Step, '<run> - <metric>' (__MIN/__MAX)",
    ),
)
