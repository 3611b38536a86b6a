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

In a folder
-----------
TensorBoard's "download CSV/JSON" gives one file per (run, tag), named
``run-<run>-tag-<tag>.csv`` (older versions ``run_<run>-tag-<tag>``), where a run
at the log dir's top is ``.``. Exports in one folder whose names share the
prefix and the run part (``run-.-tag-loss.csv`` + ``run-.-tag-val_loss.csv``) are
merged into one run, one series per tag (:func:`merge_exports`). A prefix someone added
(``010_imdb_tb_run-.-tag-loss.csv``) keeps files apart. When two files of one group
carry the same tag with different values, the group is *not* merged: each file
stays its own run, named from the file, so no value is ever dropped; the same tag
exported twice with identical values (CSV and JSON of one download) is read once.
"""

from __future__ import annotations

import os
import re

import numpy as np

from analysis.model import LogReadError, Run
from analysis.readers.formats import (
    FolderLayout,
    FolderReading,
    FolderUnit,
    LogFormat,
    ValueInput,
    one_run,
)
from analysis.readers.names import dir_run_name, rel_path, rename_for_scan
from analysis.readers.series_build import finish_run, make_series, same_points
from analysis.readers.table_data import TableData
from analysis.readers.table_series import rows_to_points, segment_note
from analysis.readers.tb_tags import is_epoch_tag, mark_step_kinds

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
    """The columns of a TensorBoard CSV export (lower case): ``wall time, step, value``."""
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


# ---------------------------------------------------------------------------
# exports of one run in a folder
# ---------------------------------------------------------------------------


def merge_exports(reading: FolderReading, exports: list[tuple[str, Run]]) -> list[FolderUnit]:
    """Runs of TensorBoard CSV/JSON exports: one per group of files, or one per file.

    Parameters
    ----------
    reading : FolderReading
        The folder being read (its root names the runs).
    exports : list of (path, Run)
        One single-tag run per export file, in name order.

    Returns
    -------
    list of (sort key, [Run])
        See "In a folder" in the module docstring: files sharing folder, prefix and run
        part are merged unless one tag carries different values in two of them.
    """
    root = reading.root
    groups: dict[tuple[str, str, str], list[tuple[str, Run]]] = {}
    for f, r in exports:
        prefix, run, _ = export_name_parts(f)
        key = (os.path.dirname(f), prefix, run if run not in (None, "", "_") else ".")
        groups.setdefault(key, []).append((f, r))
    out: list[FolderUnit] = []
    for (d, prefix, run), members in groups.items():
        if len(members) == 1:
            f, r = members[0]
            rename_for_scan(root, f, [r])
            out.append((rel_path(root, f), [r]))
            continue
        by_tag: dict[str, list[tuple[str, Run]]] = {}
        for f, r in members:
            for tag in r.series:
                by_tag.setdefault(tag, []).append((f, r))
        conflict = []
        dupes = []
        for tag, lst in by_tag.items():
            if len(lst) < 2:
                continue
            first = lst[0][1].series[tag]
            if all(same_points(first, r.series[tag]) for _, r in lst[1:]):
                dupes.append((tag, [os.path.basename(f) for f, _ in lst]))
            else:
                conflict.append((tag, len(lst)))
        if conflict:
            why = ", ".join(f"{t!r} in {n} files" for t, n in conflict[:3])
            for f, r in members:
                rename_for_scan(root, f, [r])
                r.notes.append(
                    f"not merged with the other TensorBoard exports of run {run!r} in "
                    f"this folder: the same tag with different values ({why}); each "
                    "file is its own run, so no value is dropped"
                )
                out.append((rel_path(root, f), [r]))
            continue
        if run != ".":
            name = run
        elif prefix.strip("_-. "):
            name = prefix.strip("_-. ")
        else:
            name = dir_run_name(root, d)
        g = Run(
            name=name,
            source=d,
            format=members[0][1].format,
            notes=[
                f"TensorBoard exports of run {run!r} merged ({len(members)} files, one "
                "per tag): "
                + ", ".join(os.path.basename(f) for f, _ in members[:6])
                + (", ..." if len(members) > 6 else "")
            ],
        )
        for tag, files in dupes:
            g.notes.append(
                f"tag {tag!r} exported {len(files)} times with identical values ("
                + ", ".join(files)
                + "): read once"
            )
        for _, r in members:
            for k, s in r.series.items():
                if k not in g.series:
                    g.series[k] = s
            g.notes.extend(n for n in r.notes if n not in g.notes)
        for s in g.series.values():
            s.step_kind = None
        g.step_kind = mark_step_kinds(g.series, g.notes)
        finish_run(g)
        out.append((rel_path(root, members[0][0]), [g]))
    return out


def is_export(run: Run) -> bool:
    """A run read from one TensorBoard CSV/JSON export (merged with the other tags of its run)."""
    return run.format in (FORMAT_CSV, FORMAT_JSON)


EXPORTS_OF_ONE_RUN = FolderLayout("tensorboard-exports", gathers=is_export, merge=merge_exports)


def _is_tb_csv_table(table: TableData) -> bool:
    return is_tb_csv([c.strip().lower() for c in table.columns])


def _is_json_export(obj, value_input: ValueInput) -> bool:
    return value_input.container == "json" and is_tb_json(obj)


def _read_json_export(obj: list, value_input: ValueInput) -> list[Run]:
    return [json_to_run(obj, value_input.source, value_input.name, value_input.notes)]


FORMATS = (
    LogFormat(
        FORMAT_JSON,
        "value",
        _is_json_export,
        _read_json_export,
        80,
        "TensorBoard JSON export: [[wall_time, step, value], ...]",
        folder=EXPORTS_OF_ONE_RUN,
    ),
    LogFormat(
        FORMAT_CSV,
        "table",
        _is_tb_csv_table,
        one_run(table_to_run),
        90,
        "TensorBoard CSV export: Wall time, Step, Value",
        folder=EXPORTS_OF_ONE_RUN,
    ),
)
