"""The format router: the one place that decides which reader takes a file, a value or a table.

Every format declares how it is recognised (a :class:`~analysis.readers.formats.LogFormat`
in its own module); :data:`FORMATS` registers them, one line per module. The router
tries the declarations of a level by priority (highest first, then in list order) and
hands the input to the first that recognises it:

1. **by name** (:func:`refusal_by_name`): file names that are never logs (code, images,
   weights, framework side files: :mod:`analysis.readers.rules`) are refused unread,
   unless a format's folder layout claims the name (TensorBoard event files);
2. **file level** (:func:`sniff`): leading bytes and decoded head text: TensorBoard
   event files, ``.npy``/``.npz``, pickles, JSON text, delimited text, and refusals
   (empty files, ZIP, gzip, binary data);
3. **value level** (:func:`read_value`): what a JSON text, pickle or ``.npy`` decoded
   to, by shape: a Hugging Face ``trainer_state.json``, a TensorBoard JSON export,
   records, a Keras ``history.history`` dict or array. Wrappers are unwrapped first
   (a JSON string holding JSON, object arrays, a dict of histories);
4. **table level** (:func:`read_table`): a parsed delimited table, by its columns:
   TensorBoard CSV export, W&B export, Lightning ``metrics.csv``, Keras CSVLogger and
   plain CSV.

Folder scans ask the router too (:func:`folder_claim`, :func:`folder_layouts`).

To add a format: write its module with its reader and ``FORMATS = (LogFormat(...),)``,
add one line to :data:`FORMATS` below, and its tests.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from analysis.model import LogReadError, Run
from analysis.readers import (
    csvlogger,
    delimited,
    hf,
    history,
    json_file,
    lightning,
    npy_pickle,
    refusals,
    tbexport,
    tfevents,
    wandb,
)
from analysis.readers.errors import NotATrainingLog, strict, unexpected_error
from analysis.readers.files import HEAD_BYTES, read_bytes, regular_file_size
from analysis.readers.formats import FileInput, FolderLayout, LogFormat, ValueInput
from analysis.readers.names import file_run_name
from analysis.readers.rules import not_a_log_by_name
from analysis.readers.table_parse import sep_note

#: Every format the readers know, one line per format module.
FORMATS: list[LogFormat] = [
    *refusals.FORMATS,
    *tfevents.FORMATS,
    *npy_pickle.FORMATS,
    *json_file.FORMATS,
    *delimited.FORMATS,
    *hf.FORMATS,
    *tbexport.FORMATS,
    *history.FORMATS,
    *wandb.FORMATS,
    *lightning.FORMATS,
    *csvlogger.FORMATS,
]

#: Values nested deeper than this (a JSON string in an object array in a pickle...) are
#: not unwrapped further.
MAX_VALUE_DEPTH = 3


def formats(level: str) -> list[LogFormat]:
    """The registered formats of one level, in the order they are tried."""
    of_level = [f for f in FORMATS if f.level == level]
    return sorted(of_level, key=lambda f: -f.priority)  # stable: list order on ties


def format_named(name: str) -> LogFormat:
    """The registered format called ``name``.

    Raises
    ------
    KeyError
        No format has that name.
    """
    for f in FORMATS:
        if f.name == name:
            return f
    raise KeyError(name)


# ---------------------------------------------------------------------------
# files
# ---------------------------------------------------------------------------


def sniff(path: str, head: bytes) -> str:
    """The name of the file-level format that takes a file, from its first bytes.

    Parameters
    ----------
    path : str
        The file (its name decides only where bytes can't: a protocol-0 pickle, an
        event file name).
    head : bytes
        Its first bytes (:data:`~analysis.readers.files.HEAD_BYTES`).

    Returns
    -------
    str
        ``"tfevents"``, ``"npy"``, ``"npz"``, ``"pickle"``, ``"json"``, ``"table"``, or a
        refusal: ``"empty"``, ``"blank"``, ``"zip"``, ``"gzip"``, ``"binary"``.
    """
    return _file_format(FileInput(path, head)).name


def _file_format(file: FileInput) -> LogFormat:
    for f in formats("file"):
        if f.recognises(file):
            return f
    raise AssertionError("the delimited-text format takes every file")  # pragma: no cover


def refusal_by_name(path: str) -> str | None:
    """Why a file is not read at all, from its name (None: read it).

    A name that a format's folder layout claims (a TensorBoard event file) is read
    whatever its extension.
    """
    why = not_a_log_by_name(path)
    if why and folder_claim(path) is None:
        return f"{why}, not a training log"
    return None


def read_file(path: str, validation_freq: int | None = None) -> list[Run]:
    """Read one file (not a folder) with the format that recognises it.

    Parameters
    ----------
    path : str
    validation_freq : int, optional
        Keras ``fit(validation_freq=...)`` for history dicts with short ``val_*`` lists.

    Raises
    ------
    LogReadError
        One line; :class:`~analysis.readers.errors.NotATrainingLog` for content that is
        not a training log (refused by name, by content, or every series empty). No
        other exception escapes (a reader bug becomes a LogReadError naming it, unless
        strict mode is on for tests).
    """
    path = os.fspath(path)
    try:
        return _read_file(path, validation_freq)
    except LogReadError:
        raise
    except RecursionError:
        raise LogReadError(path, "nested too deeply to be a training log") from None
    except MemoryError:
        raise LogReadError(path, "too large to read into memory") from None
    except Exception as exc:
        if strict():
            raise
        raise unexpected_error(path, exc) from None


def _read_file(path: str, validation_freq: int | None) -> list[Run]:
    size = regular_file_size(path)
    why = refusal_by_name(path)
    if why:
        raise NotATrainingLog(path, why)
    file = FileInput(
        path,
        read_bytes(path, HEAD_BYTES),
        size,
        file_run_name(path),
        validation_freq,
        route_value=read_value,
        route_table=read_table,
    )
    runs = _file_format(file).read(file)
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


# ---------------------------------------------------------------------------
# decoded values
# ---------------------------------------------------------------------------


def read_value(obj: Any, value_input: ValueInput) -> list[Run]:
    """Runs from a decoded JSON value, unpickled object or ``.npy`` array.

    Wrappers are unwrapped first (a 0-d object array, a JSON string holding JSON); a
    dict whose values are all dicts is a dict of histories (one run per key); then the
    value-level format that recognises the value reads it; a list or object array that
    no format takes is tried again as a numeric array.

    Raises
    ------
    NotATrainingLog
        The value holds no curves (rules in :mod:`analysis.readers.rules`).
    LogReadError
        Nested too deeply; a malformed TensorBoard JSON export.
    """
    source = value_input.source
    if value_input.depth > MAX_VALUE_DEPTH:
        raise LogReadError(source, "nested too deeply to be a training history")
    if isinstance(obj, np.ndarray) and obj.dtype.hasobject and obj.ndim == 0:
        return read_value(obj.item(), value_input.inner())
    if isinstance(obj, str):
        inner = history.decode_json_string(obj, source)
        note = "a JSON string holding the history (json.dumps applied twice)"
        return read_value(inner, value_input.inner(note))
    if isinstance(obj, (dict, list, tuple)) and not obj:
        kind = "dict" if isinstance(obj, dict) else "list"
        raise NotATrainingLog(source, f"an empty {kind}: no metrics")
    if history.is_dict_of_histories(obj):
        return _read_dict_of_histories(obj, value_input)
    for f in formats("value"):
        if f.recognises(obj, value_input):
            return f.read(obj, value_input)
    return _read_unrecognised_value(obj, value_input)


def _read_dict_of_histories(obj: dict, value_input: ValueInput) -> list[Run]:
    runs = []
    for key, value in obj.items():
        note = f"run {key!r} of a dict of histories"
        try:
            runs.extend(read_value(value, value_input.inner(note, name=str(key))))
        except LogReadError:
            continue
    if runs:
        return runs
    raise NotATrainingLog(
        value_input.source,
        "a dict of objects, none of them a training history "
        "(keys: " + ", ".join(list(map(str, obj))[:8]) + ")",
    )


def _read_unrecognised_value(obj: Any, value_input: ValueInput) -> list[Run]:
    """A list of numbers or an object array: read again as a numeric array; else refused."""
    source = value_input.source
    if isinstance(obj, np.ndarray):
        if obj.dtype.hasobject and obj.ndim == 1:
            return read_value(obj.tolist(), value_input.inner())
        if obj.size == 0:
            raise NotATrainingLog(source, f"an empty array (shape {obj.shape}): no training curves")
        raise NotATrainingLog(
            source, f"an array of shape {obj.shape} and dtype {obj.dtype} is not a training history"
        )
    if isinstance(obj, (list, tuple)):
        array = history.as_float_array(list(obj))
        if isinstance(array, np.ndarray):
            return read_value(array, value_input.inner())
        raise NotATrainingLog(
            source, "a list that is neither numbers nor records, not a training history"
        )
    raise NotATrainingLog(source, f"holds a {type(obj).__name__}, not a training history")


# ---------------------------------------------------------------------------
# tables
# ---------------------------------------------------------------------------


def read_table(table, source: str, name: str, info: dict) -> list[Run]:
    """Runs from a parsed delimited table, read by the table-level format that recognises it.

    Parameters
    ----------
    table : TableData
    source : str
        Path of the file.
    name : str
        The file's run name.
    info : dict
        ``notes`` (encoding, line ends) and ``sep`` from parsing.
    """
    notes = list(info.get("notes", []))
    note = sep_note(info.get("sep"))
    if note:
        notes.append(note)
    for f in formats("table"):
        if f.recognises(table):
            return f.read(table, source, name, notes)
    raise AssertionError("the CSVLogger format takes every table")  # pragma: no cover


# ---------------------------------------------------------------------------
# folders
# ---------------------------------------------------------------------------


def folder_layouts() -> list[FolderLayout]:
    """The folder layouts of the registered formats, each once, in registration order."""
    out: list[FolderLayout] = []
    for f in FORMATS:
        if f.folder is not None and all(f.folder is not o for o in out):
            out.append(f.folder)
    return out


def folder_claim(path: str) -> tuple[FolderLayout, str] | None:
    """``(layout, group key)`` of the folder layout that claims a file by its path, or None
    (the file is read on its own)."""
    for layout in folder_layouts():
        if layout.claims is None:
            continue
        key = layout.claims(path)
        if key is not None:
            return layout, key
    return None


def is_refused_binary(path: str) -> str | None:
    """``"binary"``/``"zip"``/``"gzip"`` when a file's bytes are not a text or array log."""
    try:
        head = read_bytes(path, HEAD_BYTES)
    except LogReadError:
        return None
    kind = sniff(path, head)
    return kind if kind in refusals.BINARY_KINDS else None


def describe_formats() -> list[tuple[str, str, str]]:
    """``(level, name, what it recognises)`` of every registered format, in trial order."""
    return [
        (f.level, f.name, f.describes) for lvl in ("file", "value", "table") for f in formats(lvl)
    ]


__all__ = [
    "FORMATS",
    "describe_formats",
    "drop_empty_runs",
    "folder_claim",
    "folder_layouts",
    "format_named",
    "formats",
    "is_refused_binary",
    "read_file",
    "read_table",
    "read_value",
    "refusal_by_name",
    "sniff",
]
