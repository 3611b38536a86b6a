"""JSON text: one parse with fallbacks, and a streaming reader for large dicts of number lists.

:func:`parse_json_text` tries orjson, then Python's :mod:`json` (which accepts the
``NaN``/``Infinity`` that ``json.dump`` writes), then JSON Lines (one object per line).
:func:`stream_numeric_dict` reads a large ``{"key": [numbers...]}`` file block by block
into float64 arrays, so memory stays near the size of the data.
"""

from __future__ import annotations

import json
import re

import numpy as np

from analysis.model import LogReadError

#: JSON files larger than this are parsed as a stream of number lists (memory
#: stays near the float64 size of the data); smaller ones in one orjson call.
STREAM_MIN_BYTES = 4 << 20


def json_error(source: str, raw: bytes, exc: Exception) -> LogReadError:
    """The one-line error for invalid JSON, with the line of the fault when known."""
    pos = getattr(exc, "pos", None)
    msg = getattr(exc, "msg", None) or " ".join(str(exc).split())
    if isinstance(pos, int):
        line = raw.count(b"\n", 0, pos) + 1
        return LogReadError(source, f"not valid JSON ({msg})", where=f"line {line}")
    return LogReadError(source, f"not valid JSON ({msg})"[:300])


def parse_json_text(text: str, raw: bytes, source: str):
    """Parse JSON text: orjson, then Python's json (NaN/Infinity), then JSON Lines."""
    import orjson

    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        pass
    try:
        return json.loads(text)
    except RecursionError:
        raise LogReadError(source, "JSON nested too deeply") from None
    except json.JSONDecodeError as exc:
        first_exc = exc
    # JSON Lines: one object per line
    rows = []
    for i, line in enumerate(text.splitlines()):
        line = line.strip()
        if not line:
            continue
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError:
            if i == len(text.splitlines()) - 1 and rows:
                break  # a half-written last line of a live JSON Lines log
            raise json_error(source, raw, first_exc) from None
        except RecursionError:
            raise LogReadError(source, "JSON nested too deeply") from None
    if len(rows) >= 2 and all(isinstance(r, dict) for r in rows):
        return JsonLines(rows)
    raise json_error(source, raw, first_exc)


class JsonLines(list):
    """Marker: records read from JSON Lines (one object per line)."""


_NONWS = re.compile(rb"[^ \t\r\n]")
_SCALAR_END = re.compile(rb"[,}\]\s]")


class _Stream:
    """A forward-only byte reader with refills, for :func:`stream_numeric_dict`."""

    def __init__(self, fh, block: int) -> None:
        self.fh, self.block = fh, block
        self.buf = b""
        self.pos = 0
        self.eof = False

    def fill(self) -> bool:
        if self.eof:
            return False
        chunk = self.fh.read(self.block)
        if not chunk:
            self.eof = True
            return False
        self.buf = self.buf[self.pos :] + chunk
        self.pos = 0
        return True

    def peek(self) -> bytes:
        while True:
            m = _NONWS.search(self.buf, self.pos)
            if m:
                self.pos = m.start()
                return self.buf[self.pos : self.pos + 1]
            self.pos = len(self.buf)
            if not self.fill():
                return b""

    def take(self, ch: bytes) -> None:
        if self.peek() != ch:
            raise _NotFlat()
        self.pos += 1

    def string(self) -> str:
        import orjson

        start = self.pos
        i = start + 1
        while True:
            j = self.buf.find(b'"', i)
            if j < 0:
                i = len(self.buf)
                rel = i - self.pos
                if not self.fill():
                    raise _NotFlat()
                start, i = 0, rel
                continue
            k = j - 1
            while k > start and self.buf[k] == 0x5C:  # backslash
                k -= 1
            if (j - 1 - k) % 2 == 0:
                s = orjson.loads(self.buf[start : j + 1])
                self.pos = j + 1
                return s
            i = j + 1

    def scalar(self):
        import orjson

        if self.peek() == b'"':
            return self.string()
        while True:
            m = _SCALAR_END.search(self.buf, self.pos)
            if m or self.eof:
                end = m.start() if m else len(self.buf)
                tok = self.buf[self.pos : end]
                self.pos = end
                try:
                    return orjson.loads(tok)
                except orjson.JSONDecodeError:
                    try:
                        return json.loads(tok)
                    except ValueError:
                        raise _NotFlat() from None
            if not self.fill():
                continue

    def number_list(self) -> np.ndarray:
        self.pos += 1  # '['
        parts: list[np.ndarray] = []
        while True:
            j = self.buf.find(b"]", self.pos)
            if j >= 0:
                parts.append(_numbers(self.buf, self.pos, j))
                self.pos = j + 1
                break
            c = self.buf.rfind(b",", self.pos)
            if c > self.pos:
                parts.append(_numbers(self.buf, self.pos, c))
                self.pos = c + 1
            if not self.fill():
                raise _NotFlat()
        parts = [p for p in parts if len(p)]
        if not parts:
            return np.zeros(0)
        return parts[0] if len(parts) == 1 else np.concatenate(parts)


class _NotFlat(Exception):
    """The JSON is not a flat dict of number lists: parse it the ordinary way."""


def _numbers(buf: bytes, a: int, b: int) -> np.ndarray:
    import orjson

    piece = buf[a:b]
    if piece.find(b"[") >= 0 or piece.find(b"{") >= 0 or piece.find(b'"') >= 0:
        raise _NotFlat()
    if not piece.strip():
        return np.zeros(0)
    data = b"[" + piece + b"]"
    try:
        lst = orjson.loads(data)
    except orjson.JSONDecodeError:
        try:
            lst = json.loads(data)  # NaN / Infinity as Python's json writes them
        except ValueError:
            raise _NotFlat() from None
    try:
        return np.array(lst, dtype=np.float64)
    except (TypeError, ValueError):
        raise _NotFlat() from None


def stream_numeric_dict(path: str, block: int = 2 << 20) -> dict | None:
    """Read a large ``{"key": [numbers...], ...}`` JSON file without building Python lists.

    The file is read in blocks; each list is parsed piece by piece with orjson and
    kept as a float64 array, so memory stays near the float64 size of the data
    (``orjson.loads`` on the whole file holds the text plus a Python float object
    per value, about 4-5 times more). Scalars and strings as values are fine.

    Returns
    -------
    dict or None
        None when the file is not of that shape (nested objects, strings in
        lists...): the caller parses it the ordinary way.
    """
    try:
        with open(path, "rb") as fh:
            st = _Stream(fh, block)
            st.fill()
            if st.buf.startswith(b"\xef\xbb\xbf"):
                st.pos = 3
            st.take(b"{")
            out: dict = {}
            if st.peek() == b"}":
                st.pos += 1
            else:
                while True:
                    if st.peek() != b'"':
                        raise _NotFlat()
                    key = st.string()
                    st.take(b":")
                    c = st.peek()
                    if c == b"[":
                        out[key] = st.number_list()
                    elif c in (b"{", b""):
                        raise _NotFlat()
                    else:
                        out[key] = st.scalar()
                    c = st.peek()
                    st.pos += 1
                    if c == b"}":
                        break
                    if c != b",":
                        raise _NotFlat()
            if st.peek() != b"":
                raise _NotFlat()
            return out
    except (_NotFlat, OSError, ValueError, MemoryError):
        return None
