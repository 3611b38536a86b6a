"""The one error type of the retrain package: a one-line reason for the user."""

from __future__ import annotations

import os


class RetrainError(Exception):
    """A retrain job cannot run as specified. ``str(err)`` is one line.

    Parameters
    ----------
    source : str or path-like
        The file the problem is in (spec, dataset, model, output folder).
    reason : str
        What is wrong and, where possible, what to do instead.
    where : str, optional
        Key, column or line (``"[remedies] dropout"``, ``"column 'city'"``).
    kind : {"spec", "data", "model", "output", "remedy"}
        Which part failed; the worker reports it in its ``error`` message.
    """

    def __init__(self, source: str | os.PathLike | None, reason: str, where: str | None = None,
                 kind: str = "spec") -> None:
        self.source = "" if source is None else os.fspath(source)
        self.reason = " ".join(str(reason).split())
        self.where = where
        self.kind = kind
        super().__init__(self.line())

    def line(self) -> str:
        """``source: where: reason`` on one line (empty parts left out)."""
        parts = [p for p in (self.source, self.where) if p]
        return ": ".join([*parts, self.reason])
