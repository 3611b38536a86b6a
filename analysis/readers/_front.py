"""The front door: sniff what a path holds and hand it to the right reader."""

from __future__ import annotations

import os
import re

import numpy as np

from analysis.model import LogReadError, Run
from analysis.readers import errors
from analysis.readers.errors import NotATrainingLog
from analysis.readers.files import HEAD_BYTES, read_bytes, regular_file_size
from analysis.readers.text import decode_text, sniff_encoding
from analysis.readers.tfevents import is_event_file_name

#: Extensions of pickled histories (``trainHistoryDict`` has none: sniffed by content).
PICKLE_EXTS = (".pkl", ".pickle", ".p", ".pck", ".pkz")


def sniff(path: str, head: bytes) -> str:
    """What a file holds, from its first bytes (and its name only where bytes can't tell).

    Returns
    -------
    {"tfevents", "npy", "npz", "pickle", "json", "table", "zip", "gzip", "binary", "empty"}
    """
    from analysis.readers.tfevents import is_event_file_name
    from analysis.readers.tfrecord import looks_like_tfrecord

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


class LoadOutcome(tuple):
    """``(runs, errors)`` from :func:`load_many`, plus :attr:`skipped`.

    Unpacks as a 2-tuple (``runs, errors = load_many(path)``).

    Attributes
    ----------
    runs : list of Run
    errors : list of LogReadError
        One per log file that could not be read (``str()`` is one line naming the file).
    skipped : list of LogReadError
        What a folder scan passed over, each with its reason: files that were read
        but are not training logs (:class:`~analysis.readers.errors.NotATrainingLog`:
        datasets, settings JSON, text without a numeric table...) and folders that
        were not searched (too deep, symbolic links). Not failures: listed so that
        nothing in a folder is dropped without a word. Files skipped by name (code,
        images, model weights...: :data:`analysis.readers.rules.NOT_LOG_EXTS`) and
        hidden files are not listed.
    """

    skipped: list[LogReadError]

    def __new__(
        cls, runs: list[Run], errors: list[LogReadError], skipped: list[LogReadError] | None = None
    ) -> LoadOutcome:
        self = super().__new__(cls, (runs, errors))
        self.skipped = list(skipped or [])
        return self

    @property
    def runs(self) -> list[Run]:
        return self[0]

    @property
    def errors(self) -> list[LogReadError]:
        return self[1]


def load(path: str | os.PathLike, *, validation_freq: int | None = None) -> list[Run]:
    """Read a log file or folder into runs.

    The format is found from the content (:func:`sniff`), the file name only
    where content cannot tell (a protocol-0 pickle, an event file name); see
    :mod:`analysis.readers` for the formats and folder layouts. For partial
    success in folders (some files unreadable) use :func:`load_many`.

    Parameters
    ----------
    path : str or PathLike
        A log file, or a folder (TensorBoard log dir, Lightning ``version_N`` /
        ``lightning_logs``, Hugging Face output or checkpoint folder, or any
        folder of log files; see :func:`analysis.readers.folder.scan_folder`).
    validation_freq : int, optional
        Keras ``fit(validation_freq=...)`` for history dicts whose ``val_*``
        lists are shorter than the others; inferred when not given.

    Returns
    -------
    list of Run
        At least one run; every decision a reader took is in ``Run.notes``.
        For a folder: the runs of every log that could be read (the files that
        could not are left out here; :func:`load_many` returns them).

    Raises
    ------
    LogReadError
        When the input cannot be read (for a folder: when no log in it could be
        read): ``str(err)`` is one line, ``path: place: reason``.
        :class:`~analysis.readers.errors.NotATrainingLog` (a subclass) when the
        file was read but is not a training log. No other exception escapes (a
        reader bug becomes a LogReadError naming it, unless strict mode is on
        for tests).
    """
    path = os.fspath(path)
    if os.path.isdir(path):
        from analysis.readers.folder import load_folder

        return load_folder(path, validation_freq)
    return load_file(path, validation_freq)


def load_many(path: str | os.PathLike, *, validation_freq: int | None = None) -> LoadOutcome:
    """Read a file or folder, keeping what could be read and saying what could not.

    Parameters
    ----------
    path : str or PathLike
        A log file or a folder holding any mix of logs (search rules:
        :func:`analysis.readers.folder.scan_folder`).
    validation_freq : int, optional
        As for :func:`load`.

    Returns
    -------
    LoadOutcome
        ``(runs, errors)``, plus ``.skipped``. A file gives its runs and no
        error, or no run and its one error. A folder gives the runs of every
        readable log and one :class:`~analysis.model.LogReadError` per log file
        that could not be read (permission denied, damaged, not a regular
        file...), whose ``str()`` names that file.

    Raises
    ------
    LogReadError
        Only for a folder that holds no training log at all (nothing but files
        skipped by name or content): ``"no training logs found in this folder"``.
    """
    path = os.fspath(path)
    if os.path.isdir(path):
        from analysis.readers.folder import scan_and_read

        return scan_and_read(path, validation_freq)
    try:
        return LoadOutcome(load_file(path, validation_freq), [])
    except LogReadError as exc:
        return LoadOutcome([], [exc])


def load_file(path: str, validation_freq: int | None = None) -> list[Run]:
    """Read one file (not a folder); see :func:`load`.

    Raises
    ------
    LogReadError
        One line; :class:`~analysis.readers.errors.NotATrainingLog` for content
        that is not a training log.
    """
    path = os.fspath(path)
    try:
        return _load_file(path, validation_freq)
    except LogReadError:
        raise
    except RecursionError:
        raise LogReadError(path, "nested too deeply to be a training log") from None
    except MemoryError:
        raise LogReadError(path, "too large to read into memory") from None
    except Exception as exc:
        if errors.strict():
            raise
        msg = " ".join(str(exc).split()) or type(exc).__name__
        raise LogReadError(path, f"could not be read ({type(exc).__name__}: {msg})"[:300]) from None


def _load_file(path: str, validation_freq: int | None) -> list[Run]:
    from analysis.readers.rules import not_a_log_by_name

    size = regular_file_size(path)
    why = not_a_log_by_name(path)
    if why and not is_event_file_name(path):
        raise NotATrainingLog(path, f"{why}, not a training log")
    head = read_bytes(path, HEAD_BYTES)
    kind = sniff(path, head)
    runs = read_file(path, kind, head, size, validation_freq)
    return drop_empty_runs(runs, path)


def drop_empty_runs(runs: list[Run], path: str) -> list[Run]:
    """The runs that hold at least one value; a header-only live CSV log is kept as it is.

    Raises
    ------
    NotATrainingLog
        When every run is empty ("no training curves").
    """
    keep = [r for r in runs if r.meta.get("header_only") or any(len(s) for s in r.series.values())]
    if not keep:
        raise NotATrainingLog(path, "no training curves: every series is empty")
    return keep


def read_file(
    path: str, kind: str, head: bytes, size: int, validation_freq: int | None = None
) -> list[Run]:
    """Read one file whose kind :func:`sniff` found.

    Parameters
    ----------
    kind : str
        From :func:`sniff`.
    head : bytes
        The file's first :data:`~analysis.readers.files.HEAD_BYTES` bytes.
    size : int
        File size in bytes.

    Raises
    ------
    LogReadError
        Refusals of kinds that are not logs (empty, ZIP, gzip, binary) and
        every reader's own.
    """
    from analysis.readers import history, json_stream, tfevents
    from analysis.readers.names import file_run_name
    from analysis.readers.safe_pickle import load_npy, load_pickle, npy_note, pickle_note

    name = file_run_name(path)
    if kind == "empty":
        raise NotATrainingLog(path, "the file is empty")
    if kind == "zip":
        raise LogReadError(path, "a ZIP archive (renamed .zip/.xlsx/.npz?), not a training log")
    if kind == "gzip":
        raise LogReadError(path, "gzip-compressed: decompress it first")
    if kind == "binary":
        raise LogReadError(path, "binary data, not a text log (unknown format)")
    if kind == "tfevents":
        return tfevents.read_events(path)
    if kind == "npy":
        obj = load_npy(read_bytes(path), path)
        return history.obj_to_runs(
            obj,
            path,
            name,
            "npy",
            [npy_note()] if isinstance(obj, np.ndarray) and obj.dtype.hasobject else [],
            validation_freq,
        )
    if kind == "npz":
        return _read_npz(path, name, validation_freq)
    if kind == "pickle":
        obj = load_pickle(read_bytes(path), path)
        return history.obj_to_runs(obj, path, name, "pickle", [pickle_note()], validation_freq)
    if kind == "json":
        return history.read_json(
            path,
            None if size >= json_stream.STREAM_MIN_BYTES else read_bytes(path),
            size,
            name,
            [],
            validation_freq,
        )
    return read_table_path(path, head, size, name)


def _read_npz(path: str, name: str, validation_freq: int | None) -> list[Run]:
    from analysis.readers import history

    try:
        with np.load(path, allow_pickle=False) as z:
            d = {k: z[k] for k in z.files}
    except Exception as exc:
        msg = " ".join(str(exc).split())
        raise LogReadError(path, f"not a readable .npz of arrays ({msg})"[:300]) from None
    from analysis.readers.rules import dataset_keys, is_metric_name

    keys = list(d)
    ds = dataset_keys(keys)
    images = [k for k, v in d.items() if v.ndim >= 3]
    if (ds or images) and not any(is_metric_name(k) for k in keys):
        shown = ", ".join(f"{k} {d[k].shape}" for k in (ds or images)[:4])
        raise NotATrainingLog(
            path,
            f"looks like a dataset ({shown}), not a training log — use --data to check a dataset",
        )
    return history.obj_to_runs(d, path, name, "npy", [".npz: one array per key"], validation_freq)


def read_table_path(path: str, head: bytes, size: int, name: str) -> list[Run]:
    """Delimited text logs (CSVLogger, pandas, Lightning, W&B, TensorBoard CSV, plain CSV)."""
    from analysis.readers import csvlogger
    from analysis.readers.rules import (
        dataset_reason,
        header_looks_like_log,
        numeric_header_reason,
        source_language,
    )
    from analysis.readers.table_bulk import read_table_file

    enc, skip, _ = sniff_encoding(head)
    if enc != "binary":
        text = head[skip:].decode(enc, errors="ignore")
        lang = source_language(text)
        if lang:
            raise NotATrainingLog(path, f"{lang}, not a training log")
        lines = text.splitlines()
        at = next((i for i, ln in enumerate(lines) if ln.strip()), None)
        why = numeric_header_reason(lines[at]) if at is not None else None
        if why:
            raise NotATrainingLog(path, why, where=f"line {at + 1}")

    def text_loader():
        return decode_text(read_bytes(path), path)

    t, builder, info = read_table_file(path, head, size, text_loader)
    if t.nrows == 0 and not t.columns:
        if builder is not None and builder.pending:
            raise NotATrainingLog(
                path,
                f"no numeric rows in {len(builder.pending)} line(s) of text: not a training log",
            )
        raise NotATrainingLog(path, "no numeric rows: not a training log", where="line 1")
    why = dataset_reason(t.columns)
    if why:
        raise NotATrainingLog(path, why)
    if t.nrows == 0:
        # one header line and nothing else: a live log before its first row, or not a log
        if not header_looks_like_log(t.columns):
            shown = ", ".join(t.columns[:6]) + (", ..." if len(t.columns) > 6 else "")
            raise NotATrainingLog(
                path,
                f"one line of text ({shown}) and no numeric rows; the "
                "names are not those of a training log (epoch, step, "
                "loss, accuracy...)",
            )
        runs = csvlogger.read_table(t, path, name, info)
        for r in runs:
            r.meta["header_only"] = True
            r.notes.append(
                "header names look like a training log (epoch/step or metric "
                "names): an empty live run until rows are appended"
            )
        return runs
    if builder is not None and builder.headerless and t.nrows < 2:
        # "12345" (a .pid file), "0" (an exit code): no names and no curve
        raise NotATrainingLog(path, "one line of numbers without a header: not a training log")
    runs = csvlogger.read_table(t, path, name, info)
    if not any(r.series for r in runs):
        raise NotATrainingLog(path, "no numeric metric column (only axes or text)")
    if not any(len(s) for r in runs for s in r.series.values()):
        raise NotATrainingLog(
            path,
            f"no value in any metric column ({t.nrows} row(s), every "
            "metric cell empty or NA): no training curves",
        )
    return runs


# ---------------------------------------------------------------------------
# folders: see analysis.readers.folder
# ---------------------------------------------------------------------------


def load_folder(path: str, validation_freq: int | None = None) -> list[Run]:
    """Runs of every readable log in a folder (see :func:`analysis.readers.folder.load_folder`)."""
    from analysis.readers.folder import load_folder as _lf

    return _lf(path, validation_freq)
