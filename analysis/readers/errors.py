"""Errors of the readers: what is not a training log, and strict mode for tests.

:class:`~analysis.model.LogReadError` (in :mod:`analysis.model`) is the one-line error of
a log that could not be read; :class:`NotATrainingLog` is its subclass for content that
was read fine but holds no training curves. :func:`unexpected_error` turns any other
exception of a reader into such a line, unless strict mode is on (tests), where a reader
bug must surface as its own exception.
"""

from __future__ import annotations

import os

from analysis.model import LogReadError

#: Tests set this (or the environment variable ``FITLENS_READERS_STRICT=1``) so that a
#: reader bug raises its own exception instead of becoming a LogReadError.
STRICT = False


class NotATrainingLog(LogReadError):
    """A file that was read fine but is not a training log.

    Raised for content that cannot hold training curves: text without a numeric
    table, source code, a dataset (feature columns and a label column), settings or
    metadata JSON (no list of numbers, only empty lists, only integer ids), an
    array of images or labels, a run whose every series is empty. Given as a
    single input it is a read failure like any other (exit 2); in a folder scan
    such files are *skipped* and listed as skipped, not as errors (see
    :func:`analysis.readers.load_many`).
    """


def strict() -> bool:
    """True when unexpected exceptions must propagate (set by the test-suite)."""
    return STRICT or os.environ.get("FITLENS_READERS_STRICT") == "1"


def unexpected_error(path: str, exc: BaseException) -> LogReadError:
    """The one-line error for an exception a reader did not expect.

    Parameters
    ----------
    path : str
        The input being read.
    exc : BaseException
        What the reader raised.

    Returns
    -------
    LogReadError
        ``"could not be read (TypeName: message)"``, at most 300 characters.
    """
    msg = " ".join(str(exc).split()) or type(exc).__name__
    return LogReadError(path, f"could not be read ({type(exc).__name__}: {msg})"[:300])
