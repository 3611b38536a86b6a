"""Keras ``CSVLogger`` files, pandas-saved histories and plain CSV logs.

Keras' ``CSVLogger`` (``keras/callbacks/csv_logger.py``) writes one row per epoch:
``epoch`` first (0-based, the fit-local index), then the logs' keys sorted, ``NA``
for keys missing in an epoch (Keras 3), iterables as ``"[a, b]"``; with
``append=True`` it writes no new header and the epoch restarts at 0 unless
``initial_epoch`` was given. ``pd.DataFrame(history.history).to_csv()`` writes an
unnamed index column (or none with ``index=False``). Everything else with a
header line and numeric rows is read the same way ("plain CSV").

Decisions, each reported in :attr:`Run.notes`:

- the x axis is the ``epoch`` column (or ``Epoch#``...), else a step/iteration
  column, else the pandas index, else the row position; axis columns are not metrics;
- an ``epoch`` + ``batch`` pair marks batch-level logs: x = global batch index,
  :attr:`Series.epoch` = epoch, values are Keras running means since the epoch start
  (``Callback.on_train_batch_end``: "aggregated metric results up until this batch");
- where the x axis does not increase (a resumed run appended to the file) or a
  header line is repeated, a new segment starts (never drawn backwards);
- a column with no value at all is dropped (all ``NA``: e.g. no validation data).
"""

from __future__ import annotations

import numpy as np

from analysis import naming
from analysis.model import Run, Series
from analysis.readers.columns import axis_kind
from analysis.readers.formats import LogFormat, one_run
from analysis.readers.series_build import finish_run, keras_style
from analysis.readers.table_data import TableData
from analysis.readers.table_series import forward_fill, segment_note, series_from_columns

FORMAT_CSVLOGGER = "keras-csvlogger"
FORMAT_HISTORY_CSV = "keras-history-csv"
FORMAT_CUSTOM = "custom-csv"
FORMAT_SINGLE = "single-column-csv"


def table_to_run(t: TableData, source: str, name: str, pre_notes: list[str]) -> Run:
    """A run from a generic table (CSVLogger, pandas history, plain CSV)."""
    notes = list(pre_notes) + list(t.notes)
    kinds = {c: axis_kind(c, i) for i, c in enumerate(t.columns)}
    first = {}
    for c in t.columns:
        k = kinds[c]
        if k is not None and k not in first:
            first[k] = c
    metrics = [c for c in t.columns if kinds[c] is None]
    n = t.nrows
    meta: dict = {}
    epoch = None
    wall = None
    step_kind = "epoch"
    xcol = None

    def col(c: str) -> np.ndarray:
        v = t.values[c]
        m = t.missing.get(c)
        if m is not None and m.any():
            notes.append(
                f"x axis column {c!r} has {int(m.sum())} empty cell(s): filled from the row before"
            )
            return forward_fill(v, m)
        return v

    if "step" in first:
        xcol = first["step"]
        step = col(xcol)
        step_kind = "step"
        if "epoch" in first:
            epoch = col(first["epoch"])
    elif "epoch" in first and "batch" in first:
        ep = col(first["epoch"])
        b = col(first["batch"])
        per = float(np.nanmax(b)) + 1 if n else 1.0
        step = ep * per + b
        epoch = ep
        step_kind = "step"
        xcol = first["batch"]
        meta["running_mean"] = [m for m in metrics]
        notes.append(
            f"batch-level log ({first['epoch']!r} + {first['batch']!r} columns): x = global batch "
            f"index (epoch × {per:g} + batch); values taken as Keras running means since the "
            "start of each epoch (Callback.on_train_batch_end logs 'aggregated metric results "
            "up until this batch'), so a saw-tooth at epoch starts is expected; the epoch value "
            "is the last batch's"
        )
    elif "epoch" in first:
        xcol = first["epoch"]
        step = col(xcol)
    elif "index" in first:
        xcol = first["index"]
        step = col(xcol)
    else:
        step = np.arange(n, dtype=np.float64)
    if "wall_time" in first:
        wall = col(first["wall_time"])
    if "batch" in first and "epoch" in first and "step" not in first:
        notes.append(f"axis columns {first['epoch']!r}, {first['batch']!r} excluded")
    elif xcol is not None:
        if kinds[xcol] == "index":
            notes.append("unnamed pandas index column = x axis (excluded)")
        else:
            notes.append(f"x axis column {xcol!r} excluded")
        for c in t.columns:
            if kinds[c] is not None and c != xcol and kinds[c] != "batch":
                notes.append(f"axis column {c!r} excluded from the metrics")
    elif metrics:
        notes.append("no x-axis column: row position = epoch (0-based)")
    series = series_from_columns(t, metrics, step, wall, epoch, notes, keep_empty=(n == 0))
    _sparse_val_note(series, n, step_kind, notes, meta)
    if n == 0:
        notes.append("header only: no data rows yet")
    if len(metrics) == 1 and xcol is None:
        fmt = FORMAT_SINGLE
    elif (
        keras_style(metrics)
        and kinds.get(first.get("epoch", ""), None) == "epoch"
        and first.get("epoch") == t.columns[0]
        and "step" not in first
    ):
        fmt = FORMAT_CSVLOGGER
    elif keras_style(metrics) and "epoch" not in first and "step" not in first:
        fmt = FORMAT_HISTORY_CSV
    else:
        fmt = FORMAT_CUSTOM
    run = Run(
        name=name,
        source=source,
        format=fmt,
        series=series,
        step_kind=step_kind,
        notes=notes,
        meta=meta,
    )
    segment_note(run, t, xcol)
    return finish_run(run)


def _sparse_val_note(
    series: dict[str, Series], nrows: int, step_kind: str, notes: list[str], meta: dict
) -> None:
    """Say when validation columns have values only in some epochs (``validation_freq > 1``).

    Keras 3's CSVLogger writes ``NA`` for keys an epoch did not log
    (keras-team/keras #14049); with ``fit(validation_freq=f)`` the val keys are
    logged when ``(epoch + 1) % f == 0``.
    """
    if step_kind != "epoch" or nrows < 2:
        return
    for name, s in series.items():
        if naming.role(name) != "val" or not 0 < len(s) < nrows:
            continue
        msg = f"{name}: {len(s)} of {nrows} epochs have a value (NA/empty = not logged that epoch)"
        ep = s.step
        if len(ep) >= 1 and ep[0] >= 1:
            f = int(ep[0]) + 1
            if np.allclose(ep, (np.arange(len(ep)) + 1) * f - 1):
                meta["validation_freq"] = f
                msg += f"; matches fit(validation_freq={f})"
        notes.append(msg)


FORMATS = (
    LogFormat(
        FORMAT_CSVLOGGER,
        "table",
        lambda table: True,
        one_run(table_to_run),
        0,
        "Keras CSVLogger, pandas to_csv histories, any other table (the last tried)",
    ),
)
