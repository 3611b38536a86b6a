"""Delimited log files: the bulk path through pandas' C parser, else the line parser.

:func:`read_table_file` reads a file into a :class:`~analysis.readers.table_data.TableData`:
a large clean file (one header line, numeric rows) in one ``pandas.read_csv`` call
(:func:`fast_numeric_csv`), anything else with the line parser
(:class:`~analysis.readers.table_parse.TableBuilder`). Both give the same table and notes
for the same file.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from analysis.readers.cells import MISSING_TOKENS, parse_number
from analysis.readers.columns import is_axis_name
from analysis.readers.table_data import TableData
from analysis.readers.table_notes import cut_reason
from analysis.readers.table_parse import (
    MAX_COLUMNS,
    MAX_NAME,
    SPACE_SEP,
    TableBuilder,
    sniff_separator,
    split_cells,
)
from analysis.readers.text import head_notes, line_ending_note, split_lines

#: Files below this size always take the line parser (exact, and fast enough).
FAST_MIN_BYTES = 1 << 20
#: Every missing token, the empty cell included (an empty cell is missing, not NaN).
_NA_VALUES = sorted(MISSING_TOKENS)
_SCAN_CHUNK = 1 << 22
_TAIL_BYTES = 1 << 16


@dataclass
class FastLayout:
    """What the sniff of a file's head found, enough to parse the rest in bulk."""

    sep: str
    header: list[str]
    data_offset: int  # byte offset of the first data line
    encoding: str  # "utf-8" or "utf-8-sig" (pandas reads bytes as UTF-8)


def fast_layout(head: bytes, size: int) -> FastLayout | None:
    """Whether a file can take the bulk path: one header line, then plain numeric rows."""
    if size < FAST_MIN_BYTES:
        return None
    bom = 3 if head.startswith(b"\xef\xbb\xbf") else 0
    body = head[bom:]
    if b'"' in body or b"\r\r" in body or b"\x00" in body:
        return None
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(body) - 3:
            return None
        text = body[: exc.start].decode("utf-8")
    if "\r" in text.replace("\r\n", ""):
        return None
    lines = text.split("\n")[:-1]  # last one may be cut
    if len(lines) < 3:
        return None
    sep = sniff_separator(lines)
    if sep == SPACE_SEP:
        return None
    header = [c.strip() for c in lines[0].rstrip("\r").split(sep)]
    if len(set(header)) != len(header) or any(h == "" for h in header[1:]):
        return None
    if len(header) > MAX_COLUMNS or any(len(h) > MAX_NAME for h in header):
        return None
    if any(parse_number(h) is not None for h in header if h):
        return None
    for ln in lines[1:50]:
        cells = ln.rstrip("\r").split(sep)
        if len(cells) != len(header):
            return None
        for c in cells:
            c = c.strip()
            if c in MISSING_TOKENS:
                continue
            if parse_number(c) is None:
                return None
        if ln.rstrip("\r") == lines[0].rstrip("\r"):
            return None
    return FastLayout(
        sep, header, bom + len(lines[0].encode("utf-8")) + 1, "utf-8-sig" if bom else "utf-8"
    )


def _same_cell_counts(path: str, sep: str, ncols: int, nrows: int) -> bool:
    """Whether every line of the file has ``ncols - 1`` separators (no quotes anywhere).

    One pass in 4 MiB chunks (``bytes.count``). pandas refuses a row with more
    fields than the header, so when the separator total is ``(ncols - 1)`` times
    the number of lines and pandas saw ``nrows`` rows below the header, no row
    can have fewer cells either.
    """
    sep_b = sep.encode()
    lines = seps = 0
    last = b"\n"
    with open(path, "rb") as fh:
        while chunk := fh.read(_SCAN_CHUNK):
            if b'"' in chunk:
                return False
            lines += chunk.count(b"\n")
            seps += chunk.count(sep_b)
            last = chunk[-1:]
    if last != b"\n":
        lines += 1
    return lines == nrows + 1 and seps == (ncols - 1) * lines


def _last_line_cut(path: str, sep: str, ncols: int, size: int) -> bool:
    """Whether the file's last line has no line end and looks cut (:func:`cut_reason`)."""
    with open(path, "rb") as fh:
        fh.seek(max(0, size - _TAIL_BYTES))
        tail = fh.read()
    if tail.endswith((b"\n", b"\r")):
        return False
    lines = tail.decode("utf-8", "replace").split("\n")
    if len(lines) < 12:
        return True  # long lines: let the line parser decide
    cells = split_cells(lines[-1].strip(), sep)
    # the ten lines before it, as TableBuilder.feed looks at them (lines[0] may be cut)
    prev = [split_cells(ln.strip(), sep) for ln in lines[-11:-1]]
    return cut_reason(cells, ncols, prev) is not None


def fast_numeric_csv(path: str, layout: FastLayout, size: int) -> TableData | None:
    """Parse a large clean CSV (one header line, numeric rows) with pandas' C parser.

    One ``pandas.read_csv`` call (pandas >= 3 splits big files across threads)
    with the missing tokens (``NA``, empty...) as the only NA values, so an empty
    cell is missing, as in the line parser. The float64 columns are used in
    place (no copy), so time and peak memory are pandas' own (about twice the
    float64 size of the table while pandas gathers its parsed chunks; see
    bench/bench_readers.py).

    The result is the line parser's (:class:`TableBuilder`) for the same file, or
    None; None (the caller then uses the line parser) whenever the file is not as
    clean as its head promised or holds something the line parser decides row by
    row: a text cell or ``nan`` text (pandas makes the column text), a repeated
    header, a blank or all-missing line, a row with another number of cells than
    the header (pandas raises on longer rows; shorter rows are ruled out by
    :func:`_same_cell_counts` when the last column has missing cells), two
    consecutive rows with equal values in a log with an x-axis column (possibly a
    duplicated line, which the line parser counts once), a cut last line without a
    line end (:func:`cut_reason`).
    """
    import pandas as pd

    names = list(layout.header)
    try:
        df = pd.read_csv(
            path,
            sep=layout.sep,
            header=0,
            engine="c",
            keep_default_na=False,
            na_values=_NA_VALUES,
            skip_blank_lines=False,
            encoding=layout.encoding,
            index_col=False,
        )
    except (ValueError, TypeError, OSError, MemoryError, UnicodeDecodeError, OverflowError):
        return None
    except Exception as exc:  # pandas.errors.ParserError and friends
        if type(exc).__module__.startswith("pandas"):
            return None
        raise
    if df.shape[1] != len(names):
        return None
    nrows = len(df)
    cols: list[np.ndarray] = []
    ms: list[np.ndarray | None] = []
    for j in range(len(names)):
        s = df.iloc[:, j]
        kind = s.dtype.kind
        if kind in "fiu":
            v = s.to_numpy(dtype=np.float64)
            # a NaN here is a missing cell ("nan" text would have made the column text);
            # the sum is NaN exactly when some value is (or when inf and -inf meet)
            with np.errstate(invalid="ignore"):
                some_nan = kind == "f" and np.isnan(np.add.reduce(v))
            m = np.isnan(v) if some_nan else None
        elif kind == "b":
            return None
        else:
            m = s.isna().to_numpy()
            try:
                v = pd.to_numeric(s, errors="raise").to_numpy(dtype=np.float64)
            except (ValueError, TypeError):
                return None
            if np.isnan(v[~m]).any():
                return None  # text that pandas read as NaN: the line parser decides
        if m is not None and not m.any():
            m = None
        cols.append(v)
        ms.append(m)
    del df
    if nrows and all(m is not None for m in ms) and np.logical_and.reduce(ms).any():
        return None  # a blank line, separators only, or every cell NA
    if ms and ms[-1] is not None and not _same_cell_counts(path, layout.sep, len(names), nrows):
        return None  # a short row (its last cells missing) or an odd line
    xcols = [c for n, c in zip(names, cols, strict=True) if is_axis_name(n)]
    if nrows > 1 and xcols and any(np.any(x[1:] == x[:-1]) for x in xcols):
        same = np.ones(nrows - 1, dtype=np.bool_)
        for c, m in zip(cols, ms, strict=True):
            eq = c[1:] == c[:-1]
            if m is not None:
                eq |= m[1:] & m[:-1]
                eq &= m[1:] == m[:-1]
            same &= eq
        if same.any():
            return None  # maybe a duplicated line: the line parser compares the text
    if _last_line_cut(path, layout.sep, len(names), size):
        return None
    return TableData(
        names,
        dict(zip(names, cols, strict=True)),
        dict(zip(names, ms, strict=True)),
        nrows,
        [],
        2,
        [],
        0,
    )


def read_table_file(
    path: str, head: bytes, size: int, text_loader
) -> tuple[TableData, TableBuilder | None, dict]:
    """Parse a delimited log file: bulk path when possible, else the line parser.

    Both give the same table and notes for the same file (tests/analysis:
    ``test_fast_path_equals_line_parser``).

    Parameters
    ----------
    text_loader : callable
        ``() -> (text, notes)`` giving the whole decoded text (line parser only).

    Returns
    -------
    (table, builder, info)
        ``builder`` is the line parser that produced the table (None for the
        bulk path); ``info`` has ``sep``, ``notes`` (encoding, line ends).
    """
    layout = fast_layout(head, size)
    if layout is not None:
        t = fast_numeric_csv(path, layout, size)
        if t is not None:
            info = {"sep": layout.sep, "notes": head_notes(head), "header": layout.header}
            return t, None, info
    text, notes = text_loader()
    le = line_ending_note(text)
    if le:
        notes.append(le)
    b = TableBuilder(path)
    lines = split_lines(text)
    # the last line has no line end while others have one (a log still being written?)
    unterminated = len(lines) > 1 and not text.endswith(("\n", "\r"))
    b.feed(lines, last_unterminated=unterminated)
    t = b.table()
    return t, b, {"sep": b.sep, "notes": notes, "header": b.header_names()}
