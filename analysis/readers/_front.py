"""The front door: sniff what a path holds and hand it to the right reader."""

from __future__ import annotations

import os
import re

import numpy as np

from analysis.model import LogReadError, Run
from analysis.readers import _base
from analysis.readers._base import HEAD_BYTES, read_bytes, sniff_encoding, stem

#: Extensions of pickled histories (``trainHistoryDict`` has none: sniffed by content).
PICKLE_EXTS = (".pkl", ".pickle", ".p", ".pck", ".pkz")
#: File names a folder scan offers to the readers (besides TensorBoard event files).
LOG_EXTS = (".csv", ".log", ".json", ".jsonl", ".pkl", ".pickle", ".npy", ".npz", ".tsv",
            ".txt")
MAX_FOLDER_FILES = 200


def sniff(path: str, head: bytes) -> str:
    """What a file holds, from its first bytes (and its name only where bytes can't tell).

    Returns
    -------
    {"tfevents", "npy", "npz", "pickle", "json", "table", "zip", "gzip", "binary", "empty"}
    """
    from analysis.readers.tfevents import is_event_file_name, looks_like_tfrecord

    if not head:
        return "empty"
    low = path.lower()
    if head.startswith(b"\x93NUMPY"):
        return "npy"
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return "npz" if low.endswith(".npz") else "zip"
    if head.startswith(b"\x1f\x8b"):
        return "gzip"
    if looks_like_tfrecord(head) or (is_event_file_name(path) and not _is_text(head)):
        return "tfevents"
    if head[0] == 0x80 and len(head) > 1 and 2 <= head[1] <= 5:
        return "pickle"
    if low.endswith(PICKLE_EXTS) and head.lstrip()[:1] not in (b"{", b"["):
        return "pickle"
    enc, skip, _ = sniff_encoding(head)
    if enc == "binary":
        return "binary"
    try:
        text = head[skip:].decode(enc, errors="ignore")
    except LookupError:  # pragma: no cover
        return "binary"
    first = text.lstrip()[:1]
    if not first:
        return "empty"
    if first in "{[":
        return "json"
    if first == '"':
        # a JSON string document ("{\"loss\": [...]}" written by json.dumps twice), or a
        # CSV whose header cells are quoted ("Step","run - loss")
        m = re.match(r'\s*"(?:[^"\\]|\\.)*"\s*(.)?', text, re.S)
        if m and m.group(1) in (None, "") and not re.match(r'\s*"[^"\n]*"[,;\t|]', text):
            return "json"
        return "table"
    if re.match(r"\s*\((dp|lp)\d", text):
        return "pickle"  # protocol-0 pickle without extension
    return "table"


def _is_text(head: bytes) -> bool:
    enc, _, _ = sniff_encoding(head)
    return enc != "binary"


def load(path: str | os.PathLike, *, validation_freq: int | None = None) -> list[Run]:
    """Read a log file or folder into runs.

    The format is found from the content (:func:`sniff`), the file name only
    where content cannot tell (a protocol-0 pickle, an event file name); see
    :mod:`analysis.readers` for the formats and folder layouts.

    Parameters
    ----------
    path : str or PathLike
        A log file, or a folder (TensorBoard log dir, Lightning ``version_N`` /
        ``lightning_logs``, Hugging Face output or checkpoint folder, or any
        folder of log files).
    validation_freq : int, optional
        Keras ``fit(validation_freq=...)`` for history dicts whose ``val_*``
        lists are shorter than the others; inferred when not given.

    Returns
    -------
    list of Run
        At least one run; every decision a reader took is in ``Run.notes``.

    Raises
    ------
    LogReadError
        When the input cannot be read: ``str(err)`` is one line, ``path: place:
        reason``. No other exception escapes (a reader bug becomes a
        LogReadError naming it, unless strict mode is on for tests).
    """
    path = os.fspath(path)
    try:
        return _load(path, validation_freq)
    except LogReadError:
        raise
    except RecursionError:
        raise LogReadError(path, "nested too deeply to be a training log") from None
    except MemoryError:
        raise LogReadError(path, "too large to read into memory") from None
    except Exception as exc:
        if _base.strict():
            raise
        msg = " ".join(str(exc).split()) or type(exc).__name__
        raise LogReadError(path, f"could not be read ({type(exc).__name__}: {msg})"[:300]) \
            from None


def _load(path: str, validation_freq: int | None) -> list[Run]:
    if not os.path.exists(path):
        raise LogReadError(path, "no such file or folder")
    if os.path.isdir(path):
        return load_folder(path, validation_freq)
    try:
        size = os.path.getsize(path)
    except OSError as exc:
        raise LogReadError(path, exc.strerror or str(exc)) from None
    head = read_bytes(path, HEAD_BYTES)
    kind = sniff(path, head)
    return read_file(path, kind, head, size, validation_freq)


def read_file(path: str, kind: str, head: bytes, size: int,
              validation_freq: int | None = None) -> list[Run]:
    """Read one file whose kind :func:`sniff` found.

    Parameters
    ----------
    kind : str
        From :func:`sniff`.
    head : bytes
        The file's first :data:`~analysis.readers._base.HEAD_BYTES` bytes.
    size : int
        File size in bytes.

    Raises
    ------
    LogReadError
        Refusals of kinds that are not logs (empty, ZIP, gzip, binary) and
        every reader's own.
    """
    from analysis.readers import history, tfevents

    name = stem(path)
    if kind == "empty":
        raise LogReadError(path, "the file is empty")
    if kind == "zip":
        raise LogReadError(path, "a ZIP archive (renamed .zip/.xlsx/.npz?), not a training log")
    if kind == "gzip":
        raise LogReadError(path, "gzip-compressed: decompress it first")
    if kind == "binary":
        raise LogReadError(path, "binary data, not a text log (unknown format)")
    if kind == "tfevents":
        return tfevents.read_events(path)
    if kind == "npy":
        obj = history.load_npy(read_bytes(path), path)
        return history.obj_to_runs(obj, path, name, "npy", [history.npy_note()]
                                   if isinstance(obj, np.ndarray) and obj.dtype.hasobject
                                   else [], validation_freq)
    if kind == "npz":
        return _read_npz(path, name, validation_freq)
    if kind == "pickle":
        obj = history.load_pickle(read_bytes(path), path)
        return history.obj_to_runs(obj, path, name, "pickle", [history.pickle_note()],
                                   validation_freq)
    if kind == "json":
        return history.read_json(path, None if size >= history.STREAM_MIN_BYTES else
                                 read_bytes(path), size, name, [], validation_freq)
    return read_table_path(path, head, size, name)


def _read_npz(path: str, name: str, validation_freq: int | None) -> list[Run]:
    from analysis.readers import history

    try:
        with np.load(path, allow_pickle=False) as z:
            d = {k: z[k] for k in z.files}
    except Exception as exc:
        msg = " ".join(str(exc).split())
        raise LogReadError(path, f"not a readable .npz of arrays ({msg})"[:300]) from None
    return history.obj_to_runs(d, path, name, "npy", [".npz: one array per key"],
                               validation_freq)


def read_table_path(path: str, head: bytes, size: int, name: str) -> list[Run]:
    """Delimited text logs (CSVLogger, pandas, Lightning, W&B, TensorBoard CSV, plain CSV)."""
    from analysis.readers import csvlogger
    from analysis.readers._table import read_table_file

    def text_loader():
        return _base.decode_text(read_bytes(path), path)

    t, builder, info = read_table_file(path, head, size, text_loader)
    if t.nrows == 0 and not t.columns:
        if builder is not None and builder.pending:
            raise LogReadError(path, f"no numeric rows in {len(builder.pending)} line(s) of text "
                                     "(not a training log?)")
        raise LogReadError(path, "no numeric rows (not a training log?)", where="line 1")
    runs = csvlogger.read_table(t, path, name, info)
    if t.nrows > 0 and not any(r.series for r in runs):
        raise LogReadError(path, "no numeric metric column (only axes or text)")
    return runs


# ---------------------------------------------------------------------------
# folders
# ---------------------------------------------------------------------------


def _trainer_states(folder: str) -> list[str]:
    out = []
    direct = os.path.join(folder, "trainer_state.json")
    if os.path.isfile(direct):
        out.append(direct)
    try:
        entries = sorted(os.listdir(folder))
    except OSError:
        return out
    for e in entries:
        p = os.path.join(folder, e, "trainer_state.json")
        if e.startswith("checkpoint-") and os.path.isfile(p):
            out.append(p)
    return out


def _ckpt_step(p: str) -> int:
    m = re.search(r"checkpoint-(\d+)", p)
    return int(m.group(1)) if m else 1 << 62


def _lightning_versions(folder: str) -> list[str]:
    direct = os.path.join(folder, "metrics.csv")
    if os.path.isfile(direct):
        return [direct]
    out = []
    for sub in (folder, os.path.join(folder, "lightning_logs")):
        try:
            entries = os.listdir(sub)
        except OSError:
            continue
        vs = [e for e in entries if re.fullmatch(r"version_\d+", e)
              and os.path.isfile(os.path.join(sub, e, "metrics.csv"))]
        out.extend(os.path.join(sub, e, "metrics.csv")
                   for e in sorted(vs, key=lambda e: int(e.split("_")[1])))
        if out:
            break
    return out


def scan_logs(folder: str, max_files: int = MAX_FOLDER_FILES, max_depth: int = 2) -> list[str]:
    """Candidate log files in a folder (extensions :data:`LOG_EXTS`), sorted, hidden skipped."""
    out: list[str] = []
    base = os.path.abspath(folder).rstrip(os.sep).count(os.sep)
    for d, dirs, files in os.walk(folder):
        dirs[:] = sorted(x for x in dirs if not x.startswith(".") and x != "__pycache__")
        if os.path.abspath(d).count(os.sep) - base >= max_depth - 1:
            dirs[:] = []
        for f in sorted(files):
            if f.startswith(".") or not f.lower().endswith(LOG_EXTS):
                continue
            out.append(os.path.join(d, f))
            if len(out) >= max_files:
                return out
    return out


def load_folder(path: str, validation_freq: int | None = None) -> list[Run]:
    """Runs from a folder: TensorBoard log dir, Lightning ``version_N``, HF checkpoints, or logs.

    Raises
    ------
    LogReadError
        When the folder holds no readable training log.
    """
    from analysis.readers import tfevents

    if tfevents.find_event_files(path):
        return tfevents.read_events(path)
    states = _trainer_states(path)
    if states:
        latest = max(states, key=_ckpt_step)
        runs = load(latest, validation_freq=validation_freq)
        for r in runs:
            r.name = os.path.basename(os.path.normpath(path))
            if len(states) > 1:
                r.notes.append(f"{len(states)} trainer_state.json files: read the latest "
                               f"checkpoint's ({os.path.relpath(latest, path)}), whose "
                               "log_history holds the earlier ones'")
        return runs
    versions = _lightning_versions(path)
    if versions:
        runs = []
        for v in versions:
            for r in load(v):
                r.name = os.path.basename(os.path.dirname(v))
                runs.append(r)
        return runs
    files = scan_logs(path)
    runs: list[Run] = []
    failed: list[str] = []
    for f in files:
        try:
            runs.extend(load(f, validation_freq=validation_freq))
        except LogReadError as exc:
            failed.append(exc.line())
    if not runs:
        if failed:
            raise LogReadError(path, f"no readable training log in this folder ({len(failed)} "
                                     f"candidate file(s); first: {failed[0]})"[:400])
        raise LogReadError(path, "no training logs found in this folder (looked for CSV, JSON, "
                                 "pickle, .npy and TensorBoard event files)")
    runs = _merge_tb_exports(runs, path)
    if failed:
        runs[0].notes.append(f"{len(failed)} file(s) in the folder not read: " + "; ".join(
            failed[:3]))
    return runs


def _merge_tb_exports(runs: list[Run], folder: str) -> list[Run]:
    """TensorBoard CSV/JSON exports of one run (one file per tag) become one run."""
    from analysis.readers.tbexport import FORMAT_CSV, FORMAT_JSON, tag_from_filename

    out: list[Run] = []
    groups: dict[str, Run] = {}
    for r in runs:
        if r.format not in (FORMAT_CSV, FORMAT_JSON):
            out.append(r)
            continue
        _, rn = tag_from_filename(r.source)
        key = rn if rn not in (None, ".", "_", "") else os.path.basename(
            os.path.normpath(folder))
        g = groups.get(key)
        if g is None:
            g = Run(name=key, source=folder, format=r.format, step_kind=r.step_kind,
                    notes=[f"TensorBoard exports of run {key!r} merged (one file per tag)"])
            groups[key] = g
            out.append(g)
        for k, s in r.series.items():
            if k in g.series:
                continue  # the same tag exported as CSV and JSON
            g.series[k] = s
        g.segments = max(g.segments, r.segments)
        g.notes.extend(n for n in r.notes if n not in g.notes)
    return out
