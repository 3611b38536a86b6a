"""The front door: ``load(path)`` and ``load_many(path)`` for a file or a folder.

Which reader takes a file is decided by :mod:`analysis.readers.route`; folders are
walked by :mod:`analysis.readers.folder`.
"""

from __future__ import annotations

import os

from analysis.model import LogReadError, Run
from analysis.readers.folder import load_folder, scan_and_read
from analysis.readers.outcome import LoadOutcome
from analysis.readers.route import read_file


def load(path: str | os.PathLike, *, validation_freq: int | None = None) -> list[Run]:
    """Read a log file or folder into runs.

    The format is found from the content (:func:`analysis.readers.route.sniff`), the file name only
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
        return load_folder(path, validation_freq)
    return read_file(path, validation_freq)


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
        return scan_and_read(path, validation_freq)
    try:
        return LoadOutcome(read_file(path, validation_freq), [])
    except LogReadError as exc:
        return LoadOutcome([], [exc])


def load_file(path: str | os.PathLike, validation_freq: int | None = None) -> list[Run]:
    """Read one file (not a folder); see :func:`load` and
    :func:`analysis.readers.route.read_file`.

    Raises
    ------
    LogReadError
        One line; :class:`~analysis.readers.errors.NotATrainingLog` for content
        that is not a training log.
    """
    return read_file(os.fspath(path), validation_freq)


__all__ = ["LoadOutcome", "load", "load_file", "load_folder", "load_many"]
