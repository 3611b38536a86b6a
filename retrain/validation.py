"""Typed reading of a spec's values with one-line problems, all reported at once.

:class:`Validator` is shared by the spec reader (:mod:`retrain.spec`) and the remedy
registry (:mod:`retrain.remedies`), which validates the ``[remedies]`` table from each
remedy's declared value type and range.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping, Sequence
from pathlib import Path

from retrain.errors import RetrainError
from retrain.monitors import check_monitor


class Validator:
    """Typed getters that record one-line problems and carry on with the default.

    Every problem of a spec is collected (:meth:`fail`); :meth:`check` raises them
    together as one :class:`RetrainError`, so a user fixes a spec in one pass.
    """

    def __init__(self, source: str, sections: Sequence[str] = ()) -> None:
        self.source = source
        #: Problems are reported in the order of these sections (``[data]`` first...).
        self.sections = tuple(sections)
        self.problems: list[tuple[str | None, str]] = []

    def fail(self, reason: str, where: str | None) -> None:
        self.problems.append((where or None, reason))

    def check(self) -> None:
        """Raise every recorded problem at once (:meth:`RetrainError.many`), in the
        order of the spec's sections."""

        def section(problem: tuple[str | None, str]) -> int:
            where = problem[0] or ""
            for i, name in enumerate(self.sections):
                if where.startswith(f"[{name}]"):
                    return i
            return -1

        if self.problems:
            raise RetrainError.many(self.source, sorted(self.problems, key=section))

    def where(self, section: str, key: str, raw: bool = False) -> str:
        """``[section] key``; with ``raw``, ``section`` is already a place (``[remedies] x``)."""
        return f"{section} {key}" if raw else f"[{section}] {key}"

    def unknown(self, key: str, known, where: str, what: str = "key") -> None:
        close = difflib.get_close_matches(str(key), list(known), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else f" (known: {', '.join(known)})"
        self.fail(f"unknown {what} {key!r}{hint}", where)

    def only(self, d: dict, section: str, known: list[str], raw: bool = False) -> None:
        for k in d:
            if k not in known:
                self.unknown(k, known, section if raw else f"[{section}]")

    def table(self, d: dict, key: str, where: str = "") -> dict:
        t = d.get(key, {})
        if not isinstance(t, dict):
            w = f"{where} {key}".strip() if where else f"[{key}]"
            self.fail(f"must be a table, got {t!r}", w)
            return {}
        return t

    def monitor(
        self,
        monitor: str,
        mode: str | None,
        where: str,
        keys: tuple[str, ...],
        logged_with: Mapping[str, str] | None = None,
    ) -> tuple[str, str]:
        """:func:`retrain.monitors.check_monitor`, a problem recorded instead of raised."""
        try:
            return check_monitor(monitor, mode, self.source, where, keys, logged_with)
        except RetrainError as exc:
            self.fail(exc.reason, exc.where)
            return monitor, mode if mode in ("min", "max") else "min"

    def string(self, d: dict, section: str, key: str, raw: bool = False) -> str | None:
        v = d.get(key)
        if v is None:
            return None
        if not isinstance(v, str) or not v.strip():
            self.fail(f"must be a non-empty string, got {v!r}", self.where(section, key, raw))
            return None
        return v

    def boolean(self, d: dict, section: str, key: str, default: bool, raw: bool = False) -> bool:
        v = d.get(key, default)
        if not isinstance(v, bool):
            self.fail(f"must be true or false, got {v!r}", self.where(section, key, raw))
            return default
        return v

    def path(self, d: dict, section: str, key: str, base: Path) -> Path | None:
        v = self.string(d, section, key)
        if v is None:
            return None
        p = Path(v).expanduser()
        return (p if p.is_absolute() else base / p).resolve()

    def number(
        self,
        d: dict,
        section: str,
        key: str,
        default: float,
        lo: float | None = None,
        hi: float | None = None,
        lo_open: bool = False,
        hi_open: bool = False,
        raw: bool = False,
    ) -> float:
        v = d.get(key, default)
        where = self.where(section, key, raw)
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
            self.fail(f"must be a number, got {v!r}", where)
            return float(default)
        if not self._range(v, lo, hi, lo_open, hi_open, where):
            return float(default)
        return float(v)

    def integer(
        self,
        d: dict,
        section: str,
        key: str,
        default: int,
        lo: int | None = None,
        raw: bool = False,
    ) -> int:
        v = d.get(key, default)
        where = self.where(section, key, raw)
        if isinstance(v, bool) or not isinstance(v, int):
            self.fail(f"must be an integer, got {v!r}", where)
            return int(default)
        if not self._range(v, lo, None, False, False, where):
            return int(default)
        return int(v)

    def optional_number(
        self,
        d: dict,
        section: str,
        key: str,
        default_if_true: float | None,
        lo: float | None = None,
        hi: float | None = None,
        lo_open: bool = False,
        hi_open: bool = False,
        integer: bool = False,
    ) -> float | None:
        v = d.get(key)
        where = self.where(section, key)
        if v is None or v is False:
            return None
        if v is True:
            if default_if_true is None:
                self.fail("needs a value, not true", where)
            return default_if_true
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
            self.fail(f"must be a number or false, got {v!r}", where)
            return None
        if integer and not isinstance(v, int):
            self.fail(f"must be an integer, got {v!r}", where)
            return None
        if not self._range(v, lo, hi, lo_open, hi_open, where):
            return None
        return int(v) if integer else float(v)

    def _range(self, v: float, lo, hi, lo_open: bool, hi_open: bool, where: str) -> bool:
        bad = (lo is not None and (v < lo or (lo_open and v == lo))) or (
            hi is not None and (v > hi or (hi_open and v == hi))
        )
        if bad:
            left = "(" if lo_open else "["
            right = ")" if hi_open else "]"
            rng = f"{left}{'-inf' if lo is None else lo}, {'inf' if hi is None else hi}{right}"
            self.fail(f"must be in {rng}, got {v!r}", where)
        return not bad
