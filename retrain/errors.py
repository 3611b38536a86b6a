"""The one error type of the retrain package: a one-line reason for the user."""

from __future__ import annotations

import os
from collections.abc import Sequence


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

    Attributes
    ----------
    problems : list of (str or None, str)
        Every ``(where, reason)`` found; one item unless made by :meth:`many`.
    """

    def __init__(
        self,
        source: str | os.PathLike | None,
        reason: str,
        where: str | None = None,
        kind: str = "spec",
    ) -> None:
        self.source = "" if source is None else os.fspath(source)
        self.reason = " ".join(str(reason).split())
        self.where = where
        self.kind = kind
        self.problems: list[tuple[str | None, str]] = [(where, self.reason)]
        super().__init__(self.line())

    @classmethod
    def many(
        cls,
        source: str | os.PathLike | None,
        problems: Sequence[tuple[str | None, str]],
        kind: str = "spec",
    ) -> RetrainError:
        """One error for several problems of the same file (all reported at once).

        One problem gives the usual ``source: where: reason``; several give
        ``source: N problems: where: reason | where: reason | ...``.
        """
        if len(problems) == 1:
            where, reason = problems[0]
            return cls(source, reason, where, kind)
        parts = [": ".join(p for p in (w, " ".join(str(r).split())) if p) for w, r in problems]
        err = cls(source, f"{len(problems)} problems: " + " | ".join(parts), None, kind)
        err.problems = [(w, " ".join(str(r).split())) for w, r in problems]
        return err

    def line(self) -> str:
        """``source: where: reason`` on one line (empty parts left out)."""
        parts = [p for p in (self.source, self.where) if p]
        return ": ".join([*parts, self.reason])

    def lines(self) -> list[str]:
        """One ``source: where: reason`` line per problem (for a list in a dialog)."""
        return [": ".join(p for p in (self.source, w, r) if p) for w, r in self.problems]
