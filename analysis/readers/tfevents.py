"""TensorBoard event files (``events.out.tfevents.*``) without TensorFlow.

An event file is a TFRecord stream (``tensorflow/core/lib/io/record_writer.cc``):
each record is ``uint64 length``, ``uint32 masked_crc32c(length)``, ``data``,
``uint32 masked_crc32c(data)``, little-endian, where ``masked(c) = rotr15(c) +
0xa282ead8``. ``data`` is a serialized ``tensorflow.Event`` protobuf, decoded here
with tensorboard's own generated modules (``tensorboard.compat.proto.event_pb2``,
which do not import TensorFlow). Both CRCs are checked (google-crc32c).

Scalars come in two encodings, both read:

- ``Summary.Value.simple_value`` (float32): PyTorch ``SummaryWriter``, Lightning,
  TF1 ``FileWriter``;
- ``Summary.Value.tensor``: a rank-0 (or one-element) tensor, ``DT_FLOAT``/
  ``DT_DOUBLE``/``DT_HALF``/``DT_BFLOAT16``/integers, in ``tensor_content`` or the
  typed ``*_val`` fields (Keras' TensorBoard callback in TF2/Keras 3, plugin
  ``scalars``). Tensors of other plugins (histograms, images, text, the Keras
  model config) are not scalars and are skipped.

Every event is kept (TensorBoard's ``EventAccumulator`` keeps a reservoir sample of
1000 scalars per tag by default); step and wall time are kept per point. Where
a tag's step goes back (a restarted run writing into the same folder), a new
segment starts.

Folders: each folder holding event files is a run; ``train/``, ``validation/``
(``val``, ``eval``, ``test``...) sub-folders of one folder are one run whose series
are named ``train/<tag>``, ``validation/<tag>`` (the Keras layout); sibling run
folders are separate runs. Several event files in one folder (a resumed run) are
read in file-name order into one run.

A damaged record stops reading that file at the damage (the events before it
are kept and the run says so in its notes); a file that ends in the middle of a
record (still being written) is read up to the last complete record.
"""

from __future__ import annotations

import os

import numpy as np

from analysis.model import LogReadError, Run
from analysis.readers.errors import NotATrainingLog
from analysis.readers.event_file import EventFileReader
from analysis.readers.formats import FileInput, FolderLayout, FolderReading, FolderUnit, LogFormat
from analysis.readers.names import GENERIC_DIRS, dir_label, rel_path
from analysis.readers.series_build import finish_run, make_series
from analysis.readers.tb_tags import mark_step_kinds
from analysis.readers.tfrecord import looks_like_tfrecord

FORMAT = "tensorboard-events"

#: Names of sub-folders that hold one side (train/validation) of one run.
SIDE_DIRS = frozenset(
    {"train", "training", "validation", "val", "valid", "eval", "evaluation", "test"}
)


def is_event_file_name(name: str) -> bool:
    """Whether a file name is a TensorBoard event file's (``events.out.tfevents.*``)."""
    return "tfevents" in os.path.basename(name)


def find_event_files(root: str, max_depth: int = 6) -> list[str]:
    """Event files under ``root`` (itself a file, or a folder searched to ``max_depth``)."""
    if os.path.isfile(root):
        return [root]
    out = []
    base = os.path.abspath(root).rstrip(os.sep).count(os.sep)
    for d, dirs, files in os.walk(root):
        dirs[:] = sorted(x for x in dirs if not x.startswith("."))
        if os.path.abspath(d).count(os.sep) - base >= max_depth:
            dirs[:] = []
        out.extend(
            os.path.join(d, f)
            for f in sorted(files)
            if is_event_file_name(f) and not f.startswith(".")
        )
    return out


def group_runs(root: str, files: list[str]) -> dict[str, list[tuple[str, str]]]:
    """Event files grouped by run folder: ``{run_dir: [(side prefix, file), ...]}``."""
    runs: dict[str, list[tuple[str, str]]] = {}
    root_abs = os.path.abspath(root if os.path.isdir(root) else os.path.dirname(root))
    for f in files:
        d = os.path.dirname(os.path.abspath(f))
        side = os.path.basename(d)
        if side.lower() in SIDE_DIRS and (d != root_abs or os.path.isfile(root)):
            runs.setdefault(os.path.dirname(d), []).append((side, f))
        else:
            runs.setdefault(d, []).append(("", f))
    return runs


def run_name(root: str, run_dir: str) -> str:
    """A TensorBoard run's name: its run folder below the opened folder (or its own name)."""
    root_abs = os.path.abspath(root if os.path.isdir(root) else os.path.dirname(root))
    rel = os.path.relpath(run_dir, root_abs)
    if rel == ".":
        return os.path.basename(run_dir.rstrip(os.sep)) or run_dir
    if rel.startswith(".."):
        return os.path.basename(run_dir)
    return rel.replace(os.sep, "/")


def build_run(
    name: str, source: str, readers: list[tuple[str, EventFileReader]], copy: bool = False
) -> Run | None:
    """A run from the readers of its event files (``(side prefix, reader)`` in file order)."""
    merged: dict[str, list] = {}
    notes: list[str] = []
    skipped: dict[str, int] = {}
    other_plugin: set[str] = set()
    for side, r in readers:
        notes.extend(r.status_notes())
        for k, n in r.skipped_kinds.items():
            skipped[k] = skipped.get(k, 0) + n
        for tag, t in sorted(r.tags.items(), key=lambda kv: kv[1].first):
            if t.plugin not in (None, "", "scalars", "custom_scalar"):
                other_plugin.add(f"{tag} ({t.plugin})")
                continue
            full = f"{side}/{tag}" if side else tag
            merged.setdefault(full, []).append(t)
    if not merged:
        return None

    series = {}
    axes = {}
    for full, parts in merged.items():
        arrs = [t.arrays() for t in parts if t.n]
        if not arrs:
            continue
        if len(arrs) == 1:
            step, value, wall = arrs[0]
        else:
            step, value, wall = (np.concatenate(x) for x in zip(*arrs, strict=True))
        if copy:
            step, value, wall = step.copy(), value.copy(), wall.copy()
        s = make_series(full, step, value, wall_time=wall)
        if full.rsplit("/", 1)[-1] == "epoch":
            axes[full] = s  # Lightning logs its epoch counter as a scalar: an axis
        else:
            series[full] = s
    if axes:
        counter = next(iter(axes.values()))
        order = np.argsort(counter.step, kind="stable")
        counter_steps, counter_values = counter.step[order], counter.value[order]
        for s in series.values():
            last = np.searchsorted(counter_steps, s.step, side="right") - 1
            s.epoch = counter_values[np.clip(last, 0, len(counter_steps) - 1)]
        notes.append(
            f"tag {next(iter(axes))!r} is the logged epoch counter: an axis, not a "
            "metric (each point's epoch = its value at the last step <= the point's)"
        )
    if skipped or other_plugin:
        parts = [
            f"{n} {'non-scalar tensor' if k == 'tensor' else k} value(s)"
            for k, n in sorted(skipped.items())
        ]
        if other_plugin:
            parts.append("tags of other plugins: " + ", ".join(sorted(other_plugin)[:6]))
        notes.append("non-scalar summaries skipped (" + "; ".join(parts) + ")")
    per_side: dict[str, int] = {}
    for side, _ in readers:
        per_side[side] = per_side.get(side, 0) + 1
    if any(n > 1 for n in per_side.values()):
        notes.append(f"{len(readers)} event files read in file-name order into one run")
    step_kind = mark_step_kinds(series, notes)
    run = Run(
        name=name,
        source=source,
        format=FORMAT,
        series=series,
        step_kind=step_kind,
        notes=notes,
        axes=axes,
    )
    segs = [f"{k} ({s.n_segments})" for k, s in series.items() if s.n_segments > 1]
    if segs:
        run.notes.append(
            "step goes back (a restarted run in the same folder): segments in "
            + ", ".join(segs[:6])
        )
    return finish_run(run)


def read_event_files(root: str, files: list[str]) -> tuple[list[Run], list[LogReadError]]:
    """Runs from event files found under ``root``, and what could not be made a run.

    Parameters
    ----------
    root : str
        The file or folder the user opened (run names are relative to it).
    files : list of str
        Event files under ``root`` (:func:`find_event_files`).

    Returns
    -------
    (runs, problems)
        One run per run folder (:func:`group_runs`). ``problems`` holds a
        :class:`~analysis.model.LogReadError` for each file that is not an event
        file at all (bad first record header) and a
        :class:`~analysis.readers.errors.NotATrainingLog` for each run folder whose
        files hold no scalar (graphs, histograms or images only).
    """
    runs: list[Run] = []
    problems: list[LogReadError] = []
    groups = group_runs(root, files)
    for run_dir in sorted(groups):
        readers = []
        for side, f in groups[run_dir]:
            r = EventFileReader(f)
            try:
                r.read()
            except LogReadError as exc:
                problems.append(exc)
                continue
            readers.append((side, r))
        if not readers:
            continue
        src = root if os.path.isfile(root) else run_dir
        run = build_run(run_name(root, run_dir), src, readers)
        if run is not None:
            runs.append(run)
            continue
        for _, r in readers:
            if r.n_events == 0 and r.corrupt_at == 0:
                problems.append(
                    LogReadError(
                        r.path, "not a TensorBoard event file (bad record header)", where="byte 0"
                    )
                )
            elif r.n_events == 0 and r.corrupt_at is not None:
                problems.append(
                    LogReadError(
                        r.path,
                        "damaged record before any scalar (bad length CRC)",
                        where=f"byte {r.corrupt_at}",
                    )
                )
        if not any(p.source in {r.path for _, r in readers} for p in problems):
            problems.append(
                NotATrainingLog(
                    run_dir,
                    f"TensorBoard run folder without any scalar summary ({len(readers)} "
                    "event file(s): graphs, histograms or images only)",
                )
            )
    return runs, problems


def read_events(path: str) -> list[Run]:
    """Runs from an event file or a folder of event files (see the module docstring).

    Raises
    ------
    LogReadError
        No event file, or none with a scalar (the first problem found).
    """
    files = find_event_files(path)
    if not files:
        raise LogReadError(path, "no TensorBoard event files (events.out.tfevents.*) found")
    runs, problems = read_event_files(path, files)
    if not runs:
        if os.path.isfile(path) and problems:
            p = problems[0]
            if isinstance(p, NotATrainingLog):
                raise NotATrainingLog(
                    path,
                    "TensorBoard event file without any scalar summary "
                    "(graphs, histograms or images only)",
                )
            raise LogReadError(path, p.reason, where=p.where)
        raise LogReadError(
            path,
            "TensorBoard event files without any scalar summary "
            f"({len(files)} file(s): graphs, histograms or images only)",
        )
    if problems:
        runs[0].notes.append(
            f"{len(problems)} event file(s) or run folder(s) without scalars "
            "skipped: " + "; ".join(p.line() for p in problems[:3])
        )
    return runs


# ---------------------------------------------------------------------------
# the format, and log folders
# ---------------------------------------------------------------------------


def is_event_file(file: FileInput) -> bool:
    """A TFRecord stream (first record header with a valid CRC), or binary data under an
    event file name."""
    return looks_like_tfrecord(file.head) or (is_event_file_name(file.path) and not file.is_text)


def _read_event_file(file: FileInput) -> list[Run]:
    return read_events(file.path)


def claim_event_file(path: str) -> str | None:
    """Event files of a folder are read together (grouped into runs by their folders)."""
    return "" if is_event_file_name(path) else None


def _name_in_folder(root: str, run: Run) -> None:
    """A run folder named ``logs`` (or another generic name) gets the name of the folder
    above it in front (:func:`~analysis.readers.names.dir_label`)."""
    rel = rel_path(root, run.source)
    if not rel:
        run.name = dir_label(run.source) or run.name
    elif "/" not in rel and rel.lower() in GENERIC_DIRS:
        top = os.path.basename(os.path.abspath(root))
        if top:
            run.name = f"{top}/{rel}"


def read_log_folders(reading: FolderReading, groups: dict[str, list[str]]) -> list[FolderUnit]:
    """The runs of every event file found in a folder tree (:func:`group_runs`); event
    files or run folders without scalars are listed as skipped, unreadable ones as errors."""
    files = [f for group in groups.values() for f in group]
    try:
        runs, problems = read_event_files(reading.root, files)
    except LogReadError as exc:
        runs, problems = [], [exc]
    for p in problems:
        (reading.skipped if isinstance(p, NotATrainingLog) else reading.errors).append(p)
    units: list[FolderUnit] = []
    for r in runs:
        _name_in_folder(reading.root, r)
        units.append((rel_path(reading.root, r.source) or ".", [r]))
    return units


LOG_FOLDERS = FolderLayout(
    "tensorboard-run-folders", claims=claim_event_file, read_groups=read_log_folders
)

FORMATS = (
    LogFormat(
        "tfevents",
        "file",
        is_event_file,
        _read_event_file,
        80,
        "TensorBoard event files (events.out.tfevents.*)",
        folder=LOG_FOLDERS,
    ),
)
