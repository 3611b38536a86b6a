"""JSON text files: parsed (large dicts of number lists streamed), then read by what they hold.

A ``json.dump(history.history)``, a Hugging Face ``trainer_state.json``, a TensorBoard
JSON export, JSON Lines or a list of records: the text is parsed here
(:mod:`analysis.readers.json_stream`) and the value goes back to the router, which picks
the reader by the value's shape.
"""

from __future__ import annotations

import re

from analysis.model import LogReadError, Run
from analysis.readers import json_stream
from analysis.readers.files import read_bytes
from analysis.readers.formats import FileInput, LogFormat
from analysis.readers.json_stream import parse_json_text, stream_numeric_dict
from analysis.readers.text import decode_text

_STRING_DOCUMENT = re.compile(r'\s*"(?:[^"\\]|\\.)*"\s*(.)?', re.S)
_QUOTED_HEADER_CELL = re.compile(r'\s*"[^"\n]*"[,;\t|]')


def is_json(file: FileInput) -> bool:
    """Text starting with ``{`` or ``[``, or one JSON string (``json.dumps`` applied twice).

    A text starting with a quote is a JSON string document when the string is all there
    is; a CSV whose header cells are quoted (``"Step","run - loss"``) is not.
    """
    first = file.text.lstrip()[:1]
    if first and first in "{[":
        return True
    if first != '"':
        return False
    m = _STRING_DOCUMENT.match(file.text)
    return bool(m and m.group(1) in (None, "") and not _QUOTED_HEADER_CELL.match(file.text))


def read_json_file(file: FileInput) -> list[Run]:
    """Runs from a JSON file: streamed when large and a flat dict of number lists
    (:func:`~analysis.readers.json_stream.stream_numeric_dict`), else parsed whole."""
    path = file.path
    if file.size >= json_stream.STREAM_MIN_BYTES:
        flat = stream_numeric_dict(path)
        if flat is not None:
            return file.read_value(flat, "json", [])
    raw = read_bytes(path)
    text, notes = decode_text(raw, path)
    if not text.strip():
        raise LogReadError(path, "the file is empty")
    return file.read_value(parse_json_text(text, raw, path), "json", notes)


FORMATS = (LogFormat("json", "file", is_json, read_json_file, 50, "JSON text or JSON Lines"),)
