"""How a log format declares itself to the router (:mod:`analysis.readers.route`).

A format module holds its reader and a :class:`LogFormat` per thing it recognises; the
router keeps the one list of them (:data:`analysis.readers.route.FORMATS`) and is the only
place that decides which reader takes an input. Nothing here routes.

Recognition happens at one of three levels, each with its own inputs:

======  ===========================================  =====================================
level   ``recognises(...)`` gets                     ``read(...)`` gets, returns runs
======  ===========================================  =====================================
file    :class:`FileInput` (path, first bytes,       :class:`FileInput`
        decoded head text)
value   the decoded JSON / pickle / ``.npy`` value   the value and a :class:`ValueInput`
        and a :class:`ValueInput`
table   the parsed :class:`~analysis.readers.table_  the table, source path, run name,
        data.TableData` (columns, missing cells)     notes so far
======  ===========================================  =====================================

Container formats (JSON text, pickles, ``.npy``, delimited text) are file-level formats
whose reader decodes the file and hands the result back to the router
(:meth:`FileInput.read_value`, :meth:`FileInput.read_table`), which picks the value- or
table-level format that recognises it. A format whose files combine into runs inside a
folder (TensorBoard run folders, Hugging Face checkpoints, Lightning versions,
TensorBoard exports of one run) also declares a :class:`FolderLayout`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cached_property, wraps
from typing import Any, Literal, Protocol

from analysis.model import LogReadError, Run
from analysis.readers.text import sniff_encoding

Level = Literal["file", "value", "table"]


class FolderReading(Protocol):
    """What a :class:`FolderLayout` gets while a folder is read (:mod:`analysis.readers.folder`).

    Attributes
    ----------
    root : str
        The opened folder.
    errors, skipped : list of LogReadError
        Where a layout puts the failures and the passed-over inputs it meets.
    """

    root: str
    errors: list[LogReadError]
    skipped: list[LogReadError]

    def read_file(self, path: str) -> list[Run]:
        """The runs of one file as if opened directly; a failure goes to errors/skipped."""
        ...  # pragma: no cover


#: ``(sort key, runs)``: runs of a folder are listed in the order of their sort keys
#: (the path below the opened folder).
FolderUnit = tuple[str, list[Run]]


@dataclass(frozen=True)
class FolderLayout:
    """How a format's files inside an opened folder become runs, where "one file, its own
    runs" does not hold.

    Attributes
    ----------
    name : str
        Layout name (``"tensorboard-run-folders"``...).
    claims : callable, optional
        ``claims(path) -> group key or None``, by the path alone, before anything is
        read: the file belongs to this layout (and is read with the other files of its
        group by ``read_groups``), or is left to be read on its own (None).
    read_groups : callable, optional
        ``read_groups(reading, {key: [paths]}) -> list[FolderUnit]``.
    gathers : callable, optional
        ``gathers(run) -> bool``, after a file was read on its own: runs this layout
        combines with others (``merge``) instead of listing them one by one.
    merge : callable, optional
        ``merge(reading, [(path, run)]) -> list[FolderUnit]``.
    """

    name: str
    claims: Callable[[str], str | None] | None = None
    read_groups: Callable[[FolderReading, dict[str, list[str]]], list[FolderUnit]] | None = None
    gathers: Callable[[Run], bool] | None = None
    merge: Callable[[FolderReading, list[tuple[str, Run]]], list[FolderUnit]] | None = None


@dataclass(frozen=True)
class LogFormat:
    """One format as the router sees it.

    Attributes
    ----------
    name : str
        Unique name (``"tfevents"``, ``"hf-trainer-state"``, ``"keras-csvlogger"``...);
        :func:`analysis.readers.route.sniff` returns the name of the file-level format
        that takes a file. ``Run.format`` is set by the reader and may be finer
        (``keras-history-pickle``).
    level : {"file", "value", "table"}
        What it is recognised from (module docstring).
    recognises : callable
        The test, on the inputs of its level; must not raise.
    read : callable
        The reader, on the inputs of its level; returns a list of runs or raises
        :class:`~analysis.model.LogReadError` (``NotATrainingLog`` for content that
        holds no curves). A refusal (a ZIP archive...) is a format whose ``read`` raises.
    priority : int
        Higher is tried first within its level; ties keep registration order.
    describes : str
        What it recognises, in words (for documentation and listings).
    folder : FolderLayout, optional
        How its files combine into runs inside a folder.
    """

    name: str
    level: Level
    recognises: Callable[..., bool]
    read: Callable[..., list[Run]]
    priority: int = 0
    describes: str = ""
    folder: FolderLayout | None = None


@dataclass
class FileInput:
    """A file as file-level formats see it: path, first bytes, size, and the way back to
    the router for what a container decodes.

    Attributes
    ----------
    path : str
    head : bytes
        The first :data:`~analysis.readers.files.HEAD_BYTES` bytes.
    size : int
        File size in bytes.
    name : str
        The run name a file on its own gets (:func:`analysis.readers.names.file_run_name`).
    validation_freq : int, optional
        Keras ``fit(validation_freq=...)`` given by the user (history readers).
    """

    path: str
    head: bytes
    size: int = 0
    name: str = ""
    validation_freq: int | None = None
    route_value: Callable[[Any, ValueInput], list[Run]] | None = field(default=None, repr=False)
    route_table: Callable[..., list[Run]] | None = field(default=None, repr=False)

    @cached_property
    def lower_path(self) -> str:
        """The path in lower case (extension tests)."""
        return self.path.lower()

    @cached_property
    def encoding(self) -> tuple[str, int, str | None]:
        """``(encoding, bom_length, note)`` of the head (:func:`~analysis.readers.text.sniff_encoding`)."""
        return sniff_encoding(self.head)

    @cached_property
    def is_text(self) -> bool:
        """Whether the head decodes as text."""
        return self.encoding[0] != "binary"

    @cached_property
    def text(self) -> str:
        """The head decoded as text (``""`` when it is not text)."""
        enc, skip, _ = self.encoding
        if enc == "binary":
            return ""
        try:
            return self.head[skip:].decode(enc, errors="ignore")
        except LookupError:  # pragma: no cover
            return ""

    def read_value(self, obj: Any, container: str, notes: list[str]) -> list[Run]:
        """Runs from a value this file decoded to, read by the value-level format that
        recognises it (:func:`analysis.readers.route.read_value`).

        Parameters
        ----------
        container : {"json", "pickle", "npy"}
            How the value was stored (part of ``Run.format``).
        notes : list of str
            Notes from decoding (encoding, restricted unpickler...).
        """
        value_input = ValueInput(self.path, self.name, container, notes, self.validation_freq)
        return self.route_value(obj, value_input)

    def read_table(self, table, info: dict) -> list[Run]:
        """Runs from the table this file parsed to, read by the table-level format that
        recognises it (:func:`analysis.readers.route.read_table`)."""
        return self.route_table(table, self.path, self.name, info)


@dataclass(frozen=True)
class ValueInput:
    """Where a decoded value came from, for value-level formats.

    Attributes
    ----------
    source : str
        Path of the file.
    name : str
        Run name (a dict of histories names each run after its key).
    container : {"json", "pickle", "npy"}
        How the value was stored.
    notes : list of str
        Notes so far (decoding, unwrapping).
    validation_freq : int, optional
    depth : int
        Nesting level of the value in the file (values inside values are unwrapped).
    """

    source: str
    name: str
    container: str
    notes: list[str]
    validation_freq: int | None = None
    depth: int = 0

    def inner(self, note: str | None = None, name: str | None = None) -> ValueInput:
        """The input of a value nested in this one (one level deeper, a note added)."""
        return replace(
            self,
            notes=self.notes + ([note] if note else []),
            name=self.name if name is None else name,
            depth=self.depth + 1,
        )


def one_run(read_one: Callable[..., Run]) -> Callable[..., list[Run]]:
    """A reader that gives one run, as a ``read`` that gives a list (what the router takes)."""

    @wraps(read_one)
    def read(*args) -> list[Run]:
        return [read_one(*args)]

    return read
