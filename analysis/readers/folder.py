"""Folders: every training log in a folder tree, whatever the mix.

A folder may hold any mix of logs: TensorBoard log dirs next to a Keras
``training.log`` and ``history.json``, Lightning ``version_N`` folders, Hugging Face
checkpoints, a download of TensorBoard CSV exports, a corpus of files. Everything
that is a log is read; nothing is dropped without a word.

Search (:func:`scan_folder`)
----------------------------
- The tree is walked in name order down to :data:`MAX_DEPTH` folder levels below
  the opened folder; symbolic links to folders are not followed (listed as skipped:
  a link can loop or leave the tree); hidden files and folders (``.git``,
  ``.ipynb_checkpoints``...) and caches (:data:`analysis.readers.rules.SKIP_DIRS`)
  are not searched. A folder that cannot be listed is an error.
- Files are sorted into:

  * TensorBoard event files (``*tfevents*``): grouped into runs as
    :func:`analysis.readers.tfevents.group_runs` says (a folder with ``train/`` and
    ``validation/`` is one run; sibling run folders are several runs);
  * ``trainer_state.json`` of one Hugging Face output folder and its
    ``checkpoint-N`` sub-folders: one run, from the latest state (the
    output folder's own, else the highest ``N``), whose ``log_history`` holds the
    earlier ones' (said in the run's notes);
  * ``version_N/metrics.csv`` (Lightning ``CSVLogger``): one run per version,
    named after the version folder;
  * files skipped by name (code, images, weights, archives, configs, framework
    side files: :func:`analysis.readers.rules.not_a_log_by_name`): not read, not
    listed;
  * every other file: read on its own, as if opened directly.

- Outcome per file: its runs; or, when its content is not a training log
  (:class:`~analysis.readers.errors.NotATrainingLog`), an entry in ``skipped`` with
  the reason; or, when it could not be read, an entry in ``errors``. For a file
  with a known log extension (:data:`analysis.readers.rules.LOG_EXTS`) or no
  extension, every read failure is an error; for a file with any other extension,
  binary/ZIP/gzip content is skipped ("not a log file type") and other failures
  are errors.
- At most :data:`MAX_FILES` files are read (name order); the rest are listed as
  skipped.

Run names: :mod:`analysis.readers.names` (a file's stem, or its folder for generic
names like ``training.log``; paths below the opened folder; never two alike).

One fit, several logs
---------------------
Keras users often log one ``fit()`` two or three ways in one project folder:
``CSVLogger`` (``training.log``), ``history.history`` dumped to ``history.json`` and the
``TensorBoard`` callback (``logs/``, or ``logs/fit/<timestamp>/`` as in the TensorFlow
tutorial). Such a fit is read once (:func:`_drop_duplicate_runs`); the copies are listed
as skipped (``same data as training.log``, ``same fit as training.log``), never dropped
without a word.

TensorBoard CSV/JSON exports
----------------------------
TensorBoard's "download CSV/JSON" gives one file per (run, tag), named
``run-<run>-tag-<tag>.csv`` (older versions ``run_<run>-tag-<tag>``), where a run
at the log dir's top is ``.``. Exports in one folder whose names share the
prefix and the run part (``run-.-tag-loss.csv`` + ``run-.-tag-val_loss.csv``) are
merged into one run, one series per tag. A prefix someone added
(``010_imdb_tb_run-.-tag-loss.csv``) keeps files apart. When two files of one group
carry the same tag with different values, the group is *not* merged: each file
stays its own run, named from the file, so no value is ever dropped; the same tag
exported twice with identical values (CSV and JSON of one download) is read once.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass, field

import numpy as np

from analysis.model import LogReadError, Run
from analysis.readers.errors import NotATrainingLog
from analysis.readers.files import HEAD_BYTES, read_bytes, regular_file_size
from analysis.readers.series_build import finish_run

#: Folder levels searched below the opened folder (Keras' TensorBoard layout
#: ``logs/fit/<run>/train/`` is 4 deep; a corpus of such folders a few more).
MAX_DEPTH = 8
#: Files read from one folder tree at most (event files not counted); the rest are
#: listed as skipped.
MAX_FILES = 2000

_CKPT_RE = re.compile(r"checkpoint-(\d+)$")
_VERSION_RE = re.compile(r"version_\d+$")


@dataclass
class FolderScan:
    """What :func:`scan_folder` found, before anything is read.

    Attributes
    ----------
    root : str
    events : list of str
        TensorBoard event files.
    trainer_states : dict of str to list of str
        Hugging Face output folder -> its ``trainer_state.json`` files.
    lightning : list of str
        ``version_N/metrics.csv`` files.
    files : list of str
        Every other candidate file, in name order.
    skipped : list of LogReadError
        Folders not searched (symbolic links, too deep) and files over :data:`MAX_FILES`.
    errors : list of LogReadError
        Folders that could not be listed.
    """

    root: str
    events: list[str] = field(default_factory=list)
    trainer_states: dict[str, list[str]] = field(default_factory=dict)
    lightning: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    skipped: list[LogReadError] = field(default_factory=list)
    errors: list[LogReadError] = field(default_factory=list)

    def all_files(self) -> list[str]:
        """Every file that will be read (for change detection of live folders)."""
        out = list(self.events) + list(self.lightning) + list(self.files)
        for v in self.trainer_states.values():
            out.extend(v)
        return sorted(out)


def _depth(root: str, d: str) -> int:
    rel = os.path.relpath(d, root)
    return 0 if rel == "." else rel.count(os.sep) + 1


def scan_folder(root: str, max_depth: int = MAX_DEPTH, max_files: int = MAX_FILES) -> FolderScan:
    """Find the logs in a folder tree (rules in the module docstring); reads nothing.

    Parameters
    ----------
    root : str
        The opened folder.
    max_depth : int
        Folder levels searched below ``root``.
    max_files : int
        Candidate files kept at most (besides event files).
    """
    from analysis.readers.rules import SKIP_DIRS, not_a_log_by_name
    from analysis.readers.tfevents import is_event_file_name

    scan = FolderScan(root)

    def on_error(exc: OSError) -> None:
        where = exc.filename or root
        scan.errors.append(LogReadError(where, f"{exc.strerror or exc}: folder not searched"))

    over = 0
    for d, dirs, files in os.walk(root, onerror=on_error, followlinks=False):
        keep = []
        for x in sorted(dirs):
            p = os.path.join(d, x)
            if x.startswith(".") or x in SKIP_DIRS:
                continue
            if os.path.islink(p):
                scan.skipped.append(
                    LogReadError(
                        p, "symbolic link to a folder: not followed (open it directly to read it)"
                    )
                )
                continue
            if _depth(root, p) > max_depth:
                scan.skipped.append(
                    LogReadError(
                        p,
                        f"more than {max_depth} folder levels "
                        "below the opened folder: not searched "
                        "(open it directly)",
                    )
                )
                continue
            keep.append(x)
        dirs[:] = keep
        parent = os.path.basename(d)
        for f in sorted(files):
            if f.startswith("."):
                continue
            p = os.path.join(d, f)
            if is_event_file_name(f):
                scan.events.append(p)
                continue
            if f == "trainer_state.json":
                out = os.path.dirname(d) if _CKPT_RE.match(parent) else d
                scan.trainer_states.setdefault(out, []).append(p)
                continue
            if f == "metrics.csv" and _VERSION_RE.match(parent):
                scan.lightning.append(p)
                continue
            if not_a_log_by_name(p):
                continue
            if len(scan.files) >= max_files:
                over += 1
                continue
            scan.files.append(p)
    if over:
        scan.skipped.append(
            LogReadError(
                root,
                f"{over} more file(s) not read: at most "
                f"{max_files} files are read from one folder "
                "(in name order); open sub-folders directly",
            )
        )
    return scan


def _rel(root: str, p: str) -> str:
    rel = os.path.relpath(p, root)
    return "" if rel == "." else rel.replace(os.sep, "/")


def _name_for_dir(root: str, d: str, drop: tuple[str, ...] = ()) -> str:
    """Run name for a folder: its path below ``root`` (``root``'s own name for ``root``)."""
    parts = [x for x in _rel(root, d).split("/") if x and x not in drop]
    return "/".join(parts) or os.path.basename(os.path.normpath(d))


def _file_run_names(root: str, f: str, runs: list[Run]) -> None:
    """Runs named after a file (:func:`~analysis.readers.names.file_run_name`) get their
    folder-scan name (:func:`~analysis.readers.names.scan_run_name`: the path below the
    opened folder)."""
    from analysis.readers.names import file_run_name, scan_run_name

    default = file_run_name(f)
    name = scan_run_name(root, f)
    for r in runs:
        if r.name == default:
            r.name = name


def _tb_run_name(root: str, r: Run) -> None:
    """A TensorBoard run folder named ``logs`` (or another generic name) gets the name of
    the folder above it in front (:func:`~analysis.readers.names.dir_label`)."""
    from analysis.readers.names import GENERIC_DIRS, dir_label

    rel = _rel(root, r.source)
    if not rel:
        r.name = dir_label(r.source) or r.name
    elif "/" not in rel and rel.lower() in GENERIC_DIRS:
        top = os.path.basename(os.path.abspath(root))
        if top:
            r.name = f"{top}/{rel}"


def _ckpt_step(p: str) -> int:
    m = _CKPT_RE.match(os.path.basename(os.path.dirname(p)))
    return int(m.group(1)) if m else 1 << 62


def _is_binary_kind(path: str) -> str | None:
    """``"binary"``/``"zip"``/``"gzip"`` when the file's bytes are not a text or array log."""
    from analysis.readers._front import sniff

    try:
        head = read_bytes(path, HEAD_BYTES)
    except LogReadError:
        return None
    kind = sniff(path, head)
    return kind if kind in ("binary", "zip", "gzip") else None


def _read_one(path: str, validation_freq: int | None, out) -> list[Run]:
    """Runs of one file; its failure goes to ``out.errors`` or ``out.skipped``."""
    from analysis.readers._front import load_file
    from analysis.readers.rules import ext_of, has_log_ext

    try:
        st = os.stat(path)
        if not stat.S_ISREG(st.st_mode):
            regular_file_size(path)  # raises the one-line refusal
    except LogReadError as exc:
        out.errors.append(exc)
        return []
    except OSError:
        pass  # load_file says why (broken link, loop, permission)
    known = has_log_ext(path) or ext_of(path) == ""
    if not known:
        kind = _is_binary_kind(path)
        if kind:
            ext = ext_of(path)
            out.skipped.append(
                NotATrainingLog(path, f"{kind} data with extension {ext}: not a log file type")
            )
            return []
    try:
        return load_file(path, validation_freq)
    except NotATrainingLog as exc:
        out.skipped.append(exc)
    except LogReadError as exc:
        out.errors.append(exc)
    return []


class _Out:
    def __init__(self) -> None:
        self.errors: list[LogReadError] = []
        self.skipped: list[LogReadError] = []


def scan_and_read(root: str, validation_freq: int | None = None):
    """Read every log of a folder tree: ``LoadOutcome(runs, errors)`` with ``.skipped``.

    See the module docstring for the rules and :func:`analysis.readers.load_many`
    for the contract.

    Raises
    ------
    LogReadError
        ``"no training logs found in this folder"`` when nothing in it is a log
        (no run and no read error).
    """
    from analysis.readers import tfevents
    from analysis.readers._front import LoadOutcome
    from analysis.readers.names import split_same_names
    from analysis.readers.tbexport import FORMAT_CSV, FORMAT_JSON

    scan = scan_folder(root)
    out = _Out()
    out.errors.extend(scan.errors)
    out.skipped.extend(scan.skipped)
    units: list[tuple[str, list[Run]]] = []  # (sort key, runs)

    if scan.events:
        try:
            runs, problems = tfevents.read_event_files(root, scan.events)
        except LogReadError as exc:
            runs, problems = [], [exc]
        for p in problems:
            (out.skipped if isinstance(p, NotATrainingLog) else out.errors).append(p)
        for r in runs:
            _tb_run_name(root, r)
            units.append((_rel(root, r.source) or ".", [r]))

    for outdir, states in sorted(scan.trainer_states.items()):
        latest = max(states, key=_ckpt_step)
        got = _read_one(latest, validation_freq, out)
        for r in got:
            r.name = _name_for_dir(root, outdir)
            if len(states) > 1:
                r.notes.append(
                    f"{len(states)} trainer_state.json files: read the latest "
                    f"({os.path.relpath(latest, outdir)}), whose log_history holds "
                    "the earlier checkpoints'"
                )
        if got:
            units.append((_rel(root, latest), got))

    for f in scan.lightning:
        got = _read_one(f, validation_freq, out)
        for r in got:
            r.name = _name_for_dir(root, os.path.dirname(f), drop=("lightning_logs",))
        if got:
            units.append((_rel(root, f), got))

    exports: list[tuple[str, Run]] = []
    for f in scan.files:
        got = _read_one(f, validation_freq, out)
        if not got:
            continue
        if all(r.format in (FORMAT_CSV, FORMAT_JSON) for r in got):
            exports.extend((f, r) for r in got)
            continue
        _file_run_names(root, f, got)
        units.append((_rel(root, f), got))
    for key, r in merge_tb_exports(exports, root):
        units.append((key, [r]))

    units.sort(key=lambda u: u[0])
    runs = _drop_duplicate_runs([r for _, rs in units for r in rs], out)
    split_same_names(runs)
    if not runs and not out.errors:
        n = len(out.skipped)
        detail = (
            f" ({n} file(s) or folder(s) skipped, e.g. {out.skipped[0].line()})"
            if n
            else " (looked for CSV, JSON, pickle, .npy logs and TensorBoard event files)"
        )
        raise LogReadError(root, ("no training logs found in this folder" + detail)[:400])
    return LoadOutcome(runs, out.errors, out.skipped)


def _covers(a: Run, b: Run) -> bool:
    """Every series of ``b`` is in ``a`` with the same points."""
    return bool(b.series) and all(
        name in a.series and _same_points(a.series[name], s) for name, s in b.series.items()
    )


def same_fit_twin(run: Run, others: list[Run]) -> Run | None:
    """The run of ``others`` that already holds ``run``'s data, logged by another file of
    the same folder (rule 1 of :func:`_drop_duplicate_runs`: ``training.log`` and
    ``history.json`` of one ``fit()``), or None. For logs opened one by one (the GUI, or
    several files on the command line) rather than as a folder.
    """
    return next(
        (
            k
            for k in others
            if k.source != run.source
            and os.path.dirname(k.source) == os.path.dirname(run.source)
            and _covers(k, run)
        ),
        None,
    )


def read_once_reason(kept: Run) -> str:
    """Why a log was passed over for ``kept`` (the reason after its path)."""
    return f"same data as {os.path.basename(kept.source)} (one fit logged twice): read once"


def _drop_duplicate_runs(runs: list[Run], out) -> list[Run]:
    """Read one fit once (module docstring, "One fit, several logs").

    1. ``training.log`` (CSVLogger) and ``history.json`` (``history.history``) of the
       same ``fit()`` side by side: a run from another file in the same folder whose
       every series is also, point for point, in a kept run is listed as skipped; of
       two such runs the one with more series is kept (``history.json`` may add
       ``learning_rate``), on a tie the CSVLogger log.
    2. The Keras TensorBoard callback's run of that fit (:func:`_tb_twin`): listed as
       skipped; the kept run gets its wall times, and its learning rate when the kept
       log has none.
    """
    kept: list[Run] = []
    # most series first; on a tie the CSVLogger log (it also carries the epoch column)
    for r in sorted(runs, key=lambda r: (-len(r.series), r.format != "keras-csvlogger")):
        twin = same_fit_twin(r, kept)
        if twin is None:
            kept.append(r)
        else:
            out.skipped.append(NotATrainingLog(r.source, read_once_reason(twin)))
    from analysis.readers.tfevents import FORMAT as TB_FORMAT

    logs = sorted(
        (k for k in kept if k.format != TB_FORMAT and k.step_kind == "epoch"),
        key=lambda k: k.format != "keras-csvlogger",
    )
    for tb in [k for k in kept if k.format == TB_FORMAT]:
        for k in logs:
            plan = _tb_twin(tb, k)
            if plan is None:
                continue
            _take_from_tb(k, tb, plan)
            kept.remove(tb)
            out.skipped.append(
                NotATrainingLog(
                    tb.source,
                    f"same fit as {os.path.basename(k.source)} (Keras TensorBoard "
                    "callback: every epoch series equals the log's as float32): read once",
                )
            )
            break
    order = {id(r): i for i, r in enumerate(runs)}
    return sorted(kept, key=lambda r: order[id(r)])


def _is_within(path: str, folder: str) -> bool:
    path, folder = os.path.abspath(path), os.path.abspath(folder)
    try:
        return os.path.commonpath([path, folder]) == folder
    except ValueError:  # pragma: no cover - different drives
        return False


def _f32(v: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore", invalid="ignore"):
        return v.astype(np.float32)


def _same_f32(a, b, steps: bool = True) -> bool:
    """Same points once values are rounded to float32 (TensorBoard stores float32 scalars;
    CSVLogger and ``json.dump`` write the float64 repr of those float32 values)."""
    return (
        len(a) == len(b)
        and len(a) > 0
        and (not steps or np.array_equal(a.step, b.step))
        and np.array_equal(_f32(a.value), _f32(b.value), equal_nan=True)
    )


def _tb_twin(tb: Run, log: Run) -> dict | None:
    """How TensorBoard run ``tb`` is the same fit as the epoch log ``log``, or None.

    The same fit when ``tb``'s folder is at or below ``log``'s file's folder and every
    series of ``tb`` is one the Keras TensorBoard callback writes
    (:func:`analysis.readers.tb_tags.keras_log_key`) and equals, as float32 and epoch
    by epoch, the series of ``log`` under the same Keras ``logs`` key (``train/epoch_loss``
    = ``loss``, ``validation/epoch_loss`` = ``val_loss``); the
    ``validation/evaluation_*_vs_iterations`` copies equal ``val_*`` by value (their
    step is the training step). Not required to match: the learning rate (the callback
    reads the optimizer after ``ReduceLROnPlateau`` may have cut it, while CSVLogger logs
    the rate the epoch ran with) and throughput counters (``epoch_steps_per_second``,
    TensorBoard only).

    Returns
    -------
    dict or None
        ``{"matched": [(key, tb series)], "lr": (key, tb series) or None, "extra": [names]}``.
    """
    from analysis import naming
    from analysis.readers.tb_tags import keras_log_key

    if tb.axes or not tb.series or not _is_within(tb.source, os.path.dirname(log.source)):
        return None
    matched, extra, lr = [], [], None
    for name, s in tb.series.items():
        m = keras_log_key(name)
        if m is None:
            return None
        key, kind = m
        if kind == "copy":
            o = log.series.get(key)
            if o is None or not _same_f32(o, s, steps=False):
                return None
        elif naming.is_learning_rate(key):
            lr = (key, s)
        elif naming.is_counter(key):
            extra.append(name)
        else:
            o = log.series.get(key)
            if o is None or not _same_f32(o, s):
                return None
            matched.append((key, s))
    if not matched:
        return None
    return {"matched": matched, "lr": lr, "extra": extra}


def _take_from_tb(log: Run, tb: Run, plan: dict) -> None:
    """Give ``log`` what only the TensorBoard run of its fit has: wall times, the learning rate."""
    from analysis import naming

    where = os.path.relpath(tb.source, os.path.dirname(log.source)).replace(os.sep, "/")
    with_wall = [k for k, s in plan["matched"] if s.wall_time is not None]
    for k, s in plan["matched"]:
        if s.wall_time is not None and log.series[k].wall_time is None:
            log.series[k].wall_time = s.wall_time.copy()
    notes = [
        f"the TensorBoard event files in {where}/ hold the same fit (every epoch series "
        "equal as float32): read once, from this log"
        + (f"; wall times taken from them for {', '.join(with_wall)}" if with_wall else "")
    ]
    if plan["lr"] is not None:
        key, s = plan["lr"]
        mine = [k for k in log.series if naming.is_learning_rate(k)]
        if not mine:
            name = key if key not in log.series else f"tensorboard/{key}"
            log.series[name] = s.slice(0)
            log.series[name].name = name
            log.series[name].step_kind = None
            notes.append(
                f"{name}: from the TensorBoard event files in {where}/ (this log has no "
                "learning rate; the TensorBoard callback reads it from the optimizer at "
                "the end of each epoch)"
            )
        elif not _same_f32(log.series[mine[0]], s):
            notes.append(
                f"{mine[0]} differs from the TensorBoard callback's {key} (it reads the "
                "optimizer at the end of the epoch, after ReduceLROnPlateau may have cut "
                f"the rate); {mine[0]} of this log kept"
            )
    if plan["extra"]:
        notes.append("TensorBoard-only counters not carried over: " + ", ".join(plan["extra"]))
    log.notes.extend(notes)


def load_folder(root: str, validation_freq: int | None = None) -> list[Run]:
    """The runs of every readable log in a folder tree.

    Raises
    ------
    LogReadError
        No training log in the folder, or none of its logs could be read (the
        first failure is quoted).
    """
    runs, errors = scan_and_read(root, validation_freq)
    if not runs:
        raise LogReadError(
            root,
            (
                f"no readable training log in this folder ({len(errors)} "
                f"log file(s) could not be read; first: {errors[0].line()})"
            )[:400],
        )
    return runs


# ---------------------------------------------------------------------------
# TensorBoard CSV/JSON exports
# ---------------------------------------------------------------------------


def _same_points(a, b) -> bool:
    return (
        len(a) == len(b)
        and np.array_equal(a.step, b.step)
        and np.array_equal(a.value, b.value, equal_nan=True)
    )


def merge_tb_exports(exports: list[tuple[str, Run]], root: str) -> list[tuple[str, Run]]:
    """Runs of TensorBoard CSV/JSON exports: one per group of files, or one per file.

    Parameters
    ----------
    exports : list of (path, Run)
        One single-tag run per export file, in name order.
    root : str
        The opened folder (for names).

    Returns
    -------
    list of (sort key, Run)
        See the module docstring: files sharing folder, prefix and run part are
        merged unless one tag carries different values in two of them.
    """
    from analysis.readers.tb_tags import mark_step_kinds
    from analysis.readers.tbexport import export_name_parts

    groups: dict[tuple[str, str, str], list[tuple[str, Run]]] = {}
    for f, r in exports:
        prefix, run, _ = export_name_parts(f)
        key = (os.path.dirname(f), prefix, run if run not in (None, "", "_") else ".")
        groups.setdefault(key, []).append((f, r))
    out: list[tuple[str, Run]] = []
    for (d, prefix, run), members in groups.items():
        if len(members) == 1:
            f, r = members[0]
            _file_run_names(root, f, [r])
            out.append((_rel(root, f), r))
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
            if all(_same_points(first, r.series[tag]) for _, r in lst[1:]):
                dupes.append((tag, [os.path.basename(f) for f, _ in lst]))
            else:
                conflict.append((tag, len(lst)))
        if conflict:
            why = ", ".join(f"{t!r} in {n} files" for t, n in conflict[:3])
            for f, r in members:
                _file_run_names(root, f, [r])
                r.notes.append(
                    f"not merged with the other TensorBoard exports of run {run!r} in "
                    f"this folder: the same tag with different values ({why}); each "
                    "file is its own run, so no value is dropped"
                )
                out.append((_rel(root, f), r))
            continue
        if run != ".":
            name = run
        elif prefix.strip("_-. "):
            name = prefix.strip("_-. ")
        else:
            name = _name_for_dir(root, d)
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
        out.append((_rel(root, members[0][0]), g))
    return out


__all__ = [
    "FolderScan",
    "MAX_DEPTH",
    "MAX_FILES",
    "load_folder",
    "merge_tb_exports",
    "scan_and_read",
    "scan_folder",
]
