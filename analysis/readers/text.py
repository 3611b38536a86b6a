"""Text decoding: encodings from byte-order marks and content, line ends, binary detection."""

from __future__ import annotations

import codecs
import re

from analysis.model import LogReadError
from analysis.readers.files import HEAD_BYTES

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le", "UTF-32"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "UTF-32"),
    (codecs.BOM_UTF8, "utf-8", "UTF-8 with BOM"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16"),
)


def sniff_encoding(head: bytes) -> tuple[str, int, str | None]:
    """Encoding of a text file from its first bytes.

    Returns
    -------
    (encoding, bom_length, note)
        ``note`` says what was found when it is not plain UTF-8/ASCII.
        The encoding is ``"binary"`` when the bytes are not text.
    """
    for bom, enc, label in _BOMS:
        if head.startswith(bom):
            return enc, len(bom), f"text encoding {label} (byte-order mark)"
    sample = head[:4096]
    if b"\x00" in sample:
        even, odd = sample[0::2], sample[1::2]
        n = max(len(sample) // 2, 1)
        if odd.count(0) > 0.4 * n and even.count(0) < 0.1 * n:
            return "utf-16-le", 0, "text encoding UTF-16 LE (no byte-order mark)"
        if even.count(0) > 0.4 * n and odd.count(0) < 0.1 * n:
            return "utf-16-be", 0, "text encoding UTF-16 BE (no byte-order mark)"
        return "binary", 0, None
    try:
        sample.decode("utf-8")
        return "utf-8", 0, None
    except UnicodeDecodeError as exc:
        if exc.start >= len(sample) - 3:  # a multi-byte char cut at the sample end
            return "utf-8", 0, None
        return "latin-1", 0, "text is not UTF-8; decoded as Latin-1"


def looks_binary(text: str) -> bool:
    """True when decoded text has many control characters (not a text log)."""
    sample = text[:4096]
    if not sample:
        return False
    bad = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\t\r\n\x0c")
    return bad > max(2, len(sample) // 100)


def decode_text(raw: bytes, source: str) -> tuple[str, list[str]]:
    """Decode a whole text file; refuse binary content.

    Parameters
    ----------
    raw : bytes
    source : str
        Path, for the error message.

    Returns
    -------
    (text, notes)

    Raises
    ------
    LogReadError
        When the bytes are not text.
    """
    enc, skip, note = sniff_encoding(raw[:HEAD_BYTES])
    if enc == "binary":
        raise LogReadError(source, "binary data, not a text log (unknown format)")
    notes = [note] if note else []
    try:
        text = raw[skip:].decode(enc)
    except UnicodeDecodeError:
        if enc.startswith("utf-16") or enc.startswith("utf-32"):
            raise LogReadError(source, f"invalid {enc.upper()} text") from None
        text = raw[skip:].decode("latin-1")
        notes.append("text is not UTF-8; decoded as Latin-1")
    if looks_binary(text):
        raise LogReadError(source, "binary data, not a text log (unknown format)")
    return text, notes


_LINE_RE = re.compile(r"\r*\n|\r+")


def line_ending_note(text: str) -> str | None:
    """``"CRLF line endings"`` and the like, for the run's notes."""
    head = text[:HEAD_BYTES]
    if "\r\r\n" in head:
        return "CR CR LF line endings"
    if "\r\n" in head:
        return "CRLF line endings"
    if "\r" in head and "\n" not in head:
        return "CR line endings"
    return None


def split_lines(text: str) -> list[str]:
    """Lines of a text, for any mix of ``\\n``, ``\\r\\n``, ``\\r\\r\\n`` and ``\\r``."""
    lines = _LINE_RE.split(text)
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def is_text(head: bytes) -> bool:
    """Whether a file's first bytes decode as text (:func:`sniff_encoding` is not binary)."""
    enc, _, _ = sniff_encoding(head)
    return enc != "binary"


def head_notes(head: bytes) -> list[str]:
    """Encoding and line-end notes from a file's first bytes (as a whole-file decode gives)."""
    enc, skip, note = sniff_encoding(head)
    notes = [note] if note else []
    try:
        text = head[skip:].decode(enc, errors="ignore")
    except LookupError:  # pragma: no cover
        return notes
    le = line_ending_note(text)
    if le:
        notes.append(le)
    return notes
