"""Files recognised only to be refused: empty files, archives, compressed and binary data.

Declared like formats (:mod:`analysis.readers.formats`) so that the router tries them in
their place among the others: a ZIP archive is told from an ``.npz`` by its name, binary
data only after the binary formats (event files, pickles) had their turn.
"""

from __future__ import annotations

from analysis.model import LogReadError, Run
from analysis.readers.errors import NotATrainingLog
from analysis.readers.formats import FileInput, LogFormat

#: Refusals of bytes that are no text and no array log (folder scans skip such files
#: when their extension is not a log's).
BINARY_KINDS = ("binary", "zip", "gzip")


def _is_empty(file: FileInput) -> bool:
    return not file.head


def _is_blank(file: FileInput) -> bool:
    return file.is_text and not file.text.strip()


def _is_zip(file: FileInput) -> bool:
    return file.head.startswith((b"PK\x03\x04", b"PK\x05\x06"))


def _is_gzip(file: FileInput) -> bool:
    return file.head.startswith(b"\x1f\x8b")


def _is_binary(file: FileInput) -> bool:
    return not file.is_text


def _refuse_empty(file: FileInput) -> list[Run]:
    raise NotATrainingLog(file.path, "the file is empty")


def _refuse_zip(file: FileInput) -> list[Run]:
    raise LogReadError(file.path, "a ZIP archive (renamed .zip/.xlsx/.npz?), not a training log")


def _refuse_gzip(file: FileInput) -> list[Run]:
    raise LogReadError(file.path, "gzip-compressed: decompress it first")


def _refuse_binary(file: FileInput) -> list[Run]:
    raise LogReadError(file.path, "binary data, not a text log (unknown format)")


FORMATS = (
    LogFormat("empty", "file", _is_empty, _refuse_empty, 100, "a file of zero bytes"),
    LogFormat("zip", "file", _is_zip, _refuse_zip, 89, "a ZIP archive other than .npz"),
    LogFormat("gzip", "file", _is_gzip, _refuse_gzip, 85, "gzip-compressed data"),
    LogFormat("binary", "file", _is_binary, _refuse_binary, 60, "bytes that are not text"),
    LogFormat("blank", "file", _is_blank, _refuse_empty, 55, "text of blanks only"),
)
