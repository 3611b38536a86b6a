"""Shared helpers of the readers: text decoding, cell parsing, series building.

Nothing here knows a log format; every reader module builds on these.
"""

from __future__ import annotations

import codecs
import math
import os
import re
import stat
from collections.abc import Iterable

import numpy as np

from analysis.model import LogReadError, Run, Series, segment_starts

#: Cells that mean "no value in this row" (not a NaN value): Keras 3 CSVLogger
#: writes ``NA`` for keys missing in an epoch (validation_freq > 1, keras-team/keras
#: #14049); pandas ``to_csv`` and Lightning's CSVLogger leave the cell empty.
MISSING_TOKENS = frozenset({"", "NA", "N/A", "n/a", "na", "null", "NULL", "None", "none", "-"})

#: Non-finite spellings accepted as values (Python ``repr``, numpy, JSON.dumps, R, Excel).
_NONFINITE = {
    "nan": math.nan,
    "+nan": math.nan,
    "-nan": math.nan,
    "nan(ind)": math.nan,
    "inf": math.inf,
    "+inf": math.inf,
    "infinity": math.inf,
    "+infinity": math.inf,
    "-inf": -math.inf,
    "-infinity": -math.inf,
    "1.#inf": math.inf,
    "-1.#inf": -math.inf,
    "1.#qnan": math.nan,
    "-1.#ind": math.nan,
}

#: Bytes read to sniff a file's format.
HEAD_BYTES = 64 * 1024

_STRICT = False  # tests set this to see reader bugs instead of a LogReadError


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
    return _STRICT or os.environ.get("FITLENS_READERS_STRICT") == "1"


def parse_number(cell: str) -> float | None:
    """A CSV/JSON cell as a float, or None when it is not a number.

    Accepts what Python, numpy, pandas and JSON writers print: ``0.5``, ``1e-05``,
    ``-33834.9765625``, ``nan``/``NaN``, ``inf``/``-inf``/``Infinity``. Missing
    tokens (:data:`MISSING_TOKENS`) are *not* numbers (the caller checks them
    first). Thousands separators are not accepted.
    """
    try:
        v = float(cell)
    except (ValueError, TypeError, OverflowError):
        low = cell.strip().lower()
        if low in _NONFINITE:
            return _NONFINITE[low]
        return None
    # float() accepts "nan"/"infinity" and underscores ("1_000"); refuse the latter.
    if "_" in cell:
        return None
    return v


# ---------------------------------------------------------------------------
# text decoding
# ---------------------------------------------------------------------------

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


# ---------------------------------------------------------------------------
# files
# ---------------------------------------------------------------------------


_FILE_TYPES = (
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def regular_file_size(path: str) -> int:
    """Size in bytes of a regular file; a one-line refusal for anything else.

    A FIFO, device or socket is refused *before* it is opened: opening a FIFO
    blocks until a writer appears and a device such as ``/dev/zero`` never ends,
    so reading one would hang the command (QA report 1).

    Raises
    ------
    LogReadError
        Missing path, broken or looping symbolic link, permission denied on the
        folder, a folder, or not a regular file.
    """
    try:
        st = os.stat(path)
    except FileNotFoundError:
        if os.path.islink(path):
            raise LogReadError(path, "broken symbolic link (its target does not exist)") from None
        raise LogReadError(path, "no such file or folder") from None
    except OSError as exc:
        raise LogReadError(path, exc.strerror or str(exc)) from None
    if stat.S_ISDIR(st.st_mode):
        raise LogReadError(path, "is a folder")
    if not stat.S_ISREG(st.st_mode):
        what = next((w for test, w in _FILE_TYPES if test(st.st_mode)), "not a regular file")
        raise LogReadError(
            path, f"{what}, not a regular file: refused (reading it could block or never end)"
        )
    return st.st_size


def read_bytes(path: str, limit: int | None = None) -> bytes:
    """The bytes of a file (at most ``limit``), with a one-line error on failure."""
    try:
        with open(path, "rb") as fh:
            return fh.read() if limit is None else fh.read(limit)
    except IsADirectoryError:
        raise LogReadError(path, "is a folder") from None
    except OSError as exc:
        raise LogReadError(path, exc.strerror or str(exc)) from None


def stem(path: str) -> str:
    """File or folder name without extension (the default run name)."""
    base = os.path.basename(os.path.normpath(path))
    root, ext = os.path.splitext(base)
    return root if ext and root else base


# ---------------------------------------------------------------------------
# building runs
# ---------------------------------------------------------------------------


def as_f64(a) -> np.ndarray:
    """float64 array without a copy when it already is one."""
    return np.asarray(a, dtype=np.float64)


def make_series(
    name: str,
    step: np.ndarray,
    value: np.ndarray,
    wall_time: np.ndarray | None = None,
    epoch: np.ndarray | None = None,
    boundaries: Iterable[int] = (),
    segs: np.ndarray | None = None,
) -> Series:
    """A :class:`Series` with segments where the step does not increase plus ``boundaries``.

    Parameters
    ----------
    boundaries : iterable of int
        Extra segment starts (point indices), e.g. where a repeated CSV header or
        a joined run begins.
    segs : ndarray of int64, optional
        ``segment_starts(step)`` when already known (series sharing one x column).
    """
    step = as_f64(step)
    if segs is None:
        segs = segment_starts(step)
    extra = [int(b) for b in boundaries if 0 < int(b) < len(step)]
    if extra:
        segs = np.unique(np.concatenate([segs, np.asarray(extra, dtype=np.int64)]))
    return Series(name, step, as_f64(value), wall_time=wall_time, epoch=epoch, segments=segs)


def finish_run(run: Run) -> Run:
    """Set :attr:`Run.segments` from the series and add the common notes."""
    nseg = max((s.n_segments for s in run.series.values()), default=1)
    run.segments = max(run.segments, nseg, 1)
    flagged = []
    for name, s in run.series.items():
        if (
            len(s)
            and not np.isfinite(s.value[0])
            and s.n_finite == 0
            and name.lower().startswith(("val_", "val ", "validation"))
        ):
            flagged.append(name)
    if flagged:
        run.meta.setdefault("no_validation", []).extend(flagged)
        run.notes.append(
            f"{', '.join(flagged)}: NaN in every row — no validation data (Keras writes NaN/NA "
            "when fit() has no validation set, keras-team/keras #21173), not a divergence"
        )
    return run


def keras_style(names: Iterable[str]) -> bool:
    """Whether metric names look like Keras ``History`` keys (Keras always logs ``loss``)."""
    return "loss" in set(names)
