"""TensorBoard "download CSV / JSON" exports of one scalar tag.

TensorBoard's scalars dashboard downloads one file per (run, tag):
CSV ``Wall time,Step,Value`` or JSON ``[[wall_time, step, value], ...]``, named
``run-<run>-tag-<tag>.csv`` (older versions ``run_<run>-tag-<tag>.csv``); the tag
appears only in the file name (with ``/`` replaced by ``_``). Decisions: the metric
is the tag from the file name (the file stem when the name has no ``-tag-``);
x = Step, wall time kept; the points stay in file order (TensorBoard orders by
wall time) and where Step goes backwards (several runs written into one log
dir) a new segment starts. The export may be downsampled by TensorBoard
(``--samples_per_plugin``); only what is in the file can be shown.
"""

from __future__ import annotations

import os
import re

import numpy as np

from analysis.model import LogReadError, Run
from analysis.readers.series_build import finish_run, make_series
from analysis.readers.table_data import TableData
from analysis.readers.table_series import rows_to_points, segment_note
from analysis.readers.tb_tags import is_epoch_tag

FORMAT_CSV = "tensorboard-csv"
FORMAT_JSON = "tensorboard-json"

_NAME_RE = re.compile(r"run[-_](?P<run>.*?)-tag-(?P<tag>.+)$")


def tag_from_filename(path: str) -> tuple[str, str | None]:
    """``(tag, run)`` from an export's file name (``run-.-tag-loss.csv`` -> ``("loss", ".")``)."""
    stem = os.path.splitext(os.path.basename(path))[0]
    m = _NAME_RE.search(stem)
    if m:
        return m.group("tag"), m.group("run")
    return stem, None


def export_name_parts(path: str) -> tuple[str, str | None, str]:
    """``(prefix, run, tag)`` of an export's file name.

    ``010_imdb_tb_run-.-tag-loss.csv`` -> ``("010_imdb_tb_", ".", "loss")``;
    ``run_train-tag-epoch_loss.csv`` -> ``("", "train", "epoch_loss")``; a name without
    ``-tag-`` -> ``("", None, <stem>)``. TensorBoard itself names downloads
    ``run-<run>-tag-<tag>``; the prefix is what a person added (renamed copies).
    """
    stem = os.path.splitext(os.path.basename(path))[0]
    m = _NAME_RE.search(stem)
    if m:
        return stem[: m.start()], m.group("run"), m.group("tag")
    return "", None, stem


def is_tb_csv(lower_names: list[str]) -> bool:
    return lower_names == ["wall time", "step", "value"]


def table_to_run(t: TableData, source: str, name: str, pre_notes: list[str]) -> Run:
    """A run from a ``Wall time,Step,Value`` table."""
    notes = list(pre_notes) + list(t.notes)
    tag, run_name = tag_from_filename(source)
    wall, step, val = (t.values[c] for c in t.columns)
    keep = None
    m = t.missing.get(t.columns[2])
    for c in t.columns[:2]:
        mc = t.missing.get(c)
        if mc is not None:
            m = mc if m is None else (m | mc)
    if m is not None and m.any():
        keep = ~m
        wall, step, val = wall[keep], step[keep], val[keep]
        notes.append(f"{int(m.sum())} row(s) with an empty cell skipped")
    notes.append(f"metric name = TensorBoard tag from file name: {tag!r}")
    series = {}
    if t.nrows:
        series[tag] = make_series(
            tag, step, val, wall_time=wall, boundaries=rows_to_points(t.boundaries, keep)
        )
    run = Run(
        name=_run_name(name, run_name),
        source=source,
        format=FORMAT_CSV,
        series=series,
        step_kind=_step_kind(tag),
        notes=notes,
    )
    segment_note(run, t, "Step")
    return finish_run(run)


def _run_name(default: str, run: str | None) -> str:
    if run and run not in (".", "", "_"):
        return run
    return default


def _step_kind(tag: str) -> str:
    """``"epoch"`` for Keras' epoch-level tags (``epoch_*``), else ``"step"``.

    Same rule as :func:`analysis.readers.tb_tags.is_epoch_tag`.
    """
    return "epoch" if is_epoch_tag(tag) else "step"


def json_to_run(obj, source: str, name: str, pre_notes: list[str]) -> Run:
    """A run from a TensorBoard JSON export ``[[wall_time, step, value], ...]``."""
    notes = list(pre_notes)
    try:
        arr = np.asarray(
            [[np.nan if x is None else x for x in row] for row in obj], dtype=np.float64
        )
    except (TypeError, ValueError):
        raise LogReadError(
            source, "a JSON list that is not [wall_time, step, value] triples"
        ) from None
    if arr.ndim != 2 or arr.shape[1] != 3:
        raise LogReadError(source, "a JSON list that is not [wall_time, step, value] triples")
    tag, run_name = tag_from_filename(source)
    notes.append(
        f"metric name = TensorBoard tag from file name: {tag!r}; triples are "
        "[wall_time, step, value]"
    )
    s = make_series(tag, arr[:, 1], arr[:, 2], wall_time=arr[:, 0])
    run = Run(
        name=_run_name(name, run_name),
        source=source,
        format=FORMAT_JSON,
        series={tag: s},
        step_kind=_step_kind(tag),
        notes=notes,
    )
    if s.n_segments > 1:
        where = ", ".join(
            f"{int(i)} (step {s.step[i - 1]:g}->{s.step[i]:g})" for i in s.segments[1:]
        )
        notes.append(
            f"{s.n_segments} segments (step goes back: several runs in one log dir): "
            f"boundaries before point {where} (0-based)"
        )
    return finish_run(run)


def is_tb_json(obj) -> bool:
    """A non-empty list of 3-number lists."""
    if not isinstance(obj, list) or not obj:
        return False
    head = obj[: min(len(obj), 50)]
    return all(
        isinstance(r, list)
        and len(r) == 3
        and all(isinstance(x, (int, float)) and not isinstance(x, bool) or x is None for x in r)
        for r in head
    )
