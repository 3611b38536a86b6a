"""PyTorch Lightning ``CSVLogger`` ``metrics.csv`` (``lightning_logs/version_N/``).

Lightning writes one wide, sparse table: every ``self.log`` call adds a row
holding only the keys logged at that step, plus ``epoch`` and ``step`` columns
(``lightning/pytorch/loggers/csv_logs.py``). Hence:

- a series is the non-empty cells of its column, x = the ``step`` column, and
  :attr:`Series.epoch` the ``epoch`` column;
- ``on_step``/``on_epoch`` logging gives ``train_loss_step`` and ``train_loss_epoch``
  columns (both kept, named as logged);
- ``LearningRateMonitor`` rows (``lr-AdamW``...) have an empty ``epoch`` cell: their
  epoch is taken from the nearest logged row at or before the same step;
- a row repeated byte for byte (LearningRateMonitor writes each lr row twice in some
  versions) is counted once;
- columns are sorted alphabetically by the logger, so ``epoch``/``step`` may sit in
  the middle of the header.
"""

from __future__ import annotations

import os
import re

import numpy as np

from analysis.model import Run
from analysis.readers.formats import FolderLayout, FolderReading, FolderUnit, LogFormat, one_run
from analysis.readers.names import dir_run_name, rel_path
from analysis.readers.series_build import finish_run
from analysis.readers.table_data import TableData
from analysis.readers.table_series import forward_fill, segment_note, series_from_columns

FORMAT = "lightning-csvlogger"

_VERSION_DIR = re.compile(r"version_\d+$")


def is_lightning(columns: list[str], table: TableData | None = None) -> bool:
    """Whether a table is a Lightning ``metrics.csv``.

    Lightning's ``CSVLogger`` always writes ``epoch`` and ``step`` columns and keeps
    its header sorted (``_ExperimentWriter._record_new_keys`` in
    ``lightning/fabric/loggers/csv_logs.py`` calls ``self.metrics_keys.sort()``), and
    its rows are sparse (each ``self.log`` call fills only its own keys). A table
    with ``epoch`` and ``step`` columns is taken for Lightning when its header is in
    sorted order or some metric cells are empty; a dense table with an unsorted
    header (``step,epoch,loss,accuracy`` written by a custom loop) is a plain CSV.

    Parameters
    ----------
    columns : list of str
        Column names as logged (lower-cased names are accepted too).
    table : TableData, optional
        The parsed table, for the sparseness test.
    """
    low = [c.strip().lower() for c in columns]
    if "step" not in low or "epoch" not in low:
        return False
    names = [c.strip() for c in columns]
    if names == sorted(names):
        return True
    if table is None:
        return False
    return any(
        m is not None and m.any()
        for c, m in table.missing.items()
        if c.strip().lower() not in ("epoch", "step")
    )


def _fill_epoch(step: np.ndarray, epoch: np.ndarray, miss: np.ndarray) -> np.ndarray:
    """Epoch for rows without one: the epoch of the last row with one at a step <= this step."""
    known = ~miss
    if not known.any():
        return epoch
    ks, ke = step[known], epoch[known]
    order = np.argsort(ks, kind="stable")
    ks, ke = ks[order], ke[order]
    pos = np.searchsorted(ks, step[miss], side="right") - 1
    pos = np.clip(pos, 0, len(ks) - 1)
    out = epoch.copy()
    out[miss] = ke[pos]
    return out


def table_to_run(t: TableData, source: str, name: str, pre_notes: list[str]) -> Run:
    """A run from a Lightning ``metrics.csv`` table."""
    notes = list(pre_notes) + list(t.notes)
    low = {c.strip().lower(): c for c in t.columns}
    scol, ecol = low["step"], low["epoch"]
    step = t.values[scol]
    smiss = t.missing.get(scol)
    if smiss is not None and smiss.any():
        notes.append(f"{int(smiss.sum())} row(s) without a step: step taken from the row before")
        step = forward_fill(step, smiss)
    epoch = t.values[ecol]
    emiss = t.missing.get(ecol)
    if emiss is not None and emiss.any():
        epoch = _fill_epoch(step, epoch, emiss)
        notes.append(
            f"{int(emiss.sum())} row(s) without an epoch (LearningRateMonitor rows): "
            "epoch taken from the last row at or before the same step"
        )
    metrics = [c for c in t.columns if c not in (scol, ecol)]
    notes.append(f"x axis column {scol!r} excluded; {ecol!r} kept as each point's epoch")
    notes.append("Lightning sparse table: a series = the non-empty cells of its column")
    series = series_from_columns(t, metrics, step, None, epoch, notes, keep_empty=t.nrows == 0)
    run = Run(name=name, source=source, format=FORMAT, series=series, step_kind="step", notes=notes)
    segment_note(run, t, scol)
    return finish_run(run)


# ---------------------------------------------------------------------------
# lightning_logs/version_N folders
# ---------------------------------------------------------------------------


def version_metrics(path: str) -> str | None:
    """``path`` itself for a ``version_N/metrics.csv`` (one run per version), else None."""
    folder = os.path.basename(os.path.dirname(path))
    if os.path.basename(path) == "metrics.csv" and _VERSION_DIR.match(folder):
        return path
    return None


def read_versions(reading: FolderReading, groups: dict[str, list[str]]) -> list[FolderUnit]:
    """One run per ``version_N/metrics.csv``, named after its version folder (the path below
    the opened folder, without ``lightning_logs``)."""
    units: list[FolderUnit] = []
    for path in groups:
        got = reading.read_file(path)
        for r in got:
            r.name = dir_run_name(reading.root, os.path.dirname(path), drop=("lightning_logs",))
        if got:
            units.append((rel_path(reading.root, path), got))
    return units


VERSION_FOLDERS = FolderLayout(
    "lightning-version-folders", claims=version_metrics, read_groups=read_versions
)


FORMATS = (
    LogFormat(
        FORMAT,
        "table",
        lambda table: is_lightning(table.columns, table),
        one_run(table_to_run),
        70,
        "PyTorch Lightning CSVLogger metrics.csv (epoch, step, sparse rows)",
        folder=VERSION_FOLDERS,
    ),
)
