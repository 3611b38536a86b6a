"""Delimited text tables: the line parser shared by every CSV-like reader.

:class:`TableBuilder` consumes lines (all at once, or a few at a time for a live
log) and keeps one float64 column per header name plus a "missing" mask, so the
format readers (Keras CSVLogger, pandas histories, Lightning, W&B, TensorBoard
CSV exports) only decide which columns are axes and which are metrics.

What it copes with (each seen in real logs, see ``../shared/corpus``):

- separators ``,`` ``;`` tab ``|`` or runs of blanks, found from the first lines;
- ``\\n``, ``\\r\\n``, ``\\r\\r\\n`` and ``\\r`` line ends; trailing padding cells;
- title/comment lines above the header (``model_history_log``, ``Trial Details:``);
- repeated header lines (a resumed CSVLogger run, keras-team/keras PR #4426): dropped,
  and a segment boundary where data follows; a later header with other columns is
  mapped by name, earlier rows of new columns stay missing;
- rows with another number of cells than the header (``CSVLogger(append=True)``
  after the logged metrics changed: Keras appends rows without a new header, so the
  cells no longer match the names): not read, with a note naming the lines;
- a last line without a line end that looks cut (fewer cells than the header, an
  unfinished number): a log still being written, not read (see :func:`cut_reason`);
- ``NA``/empty cells = missing (not a value); ``nan``/``inf`` = values kept;
- list cells ``"[a, b]"`` (Keras CSVLogger writes iterables so): one column per element,
  named ``name[0]``, ``name[1]``...;
- byte-identical consecutive data lines in logs with an x-axis column (Lightning's
  LearningRateMonitor writes each row twice): counted once;
- decimal commas in ``;``-separated files (``0,5;0,4``).

Large clean files go through :func:`fast_numeric_csv` (one ``pandas.read_csv`` call,
pandas' C parser); anything unusual falls back here.
"""

from __future__ import annotations

import csv
import os
import re
from dataclasses import dataclass, field

import numpy as np

from analysis.model import LogReadError
from analysis.readers._base import MISSING_TOKENS, NotATrainingLog, parse_number
from analysis.readers.columns import axis_kind

_SEPS = (",", ";", "\t", "|")
#: More cells than this in one line is not a training log.
MAX_COLUMNS = 4096
#: A header cell longer than this is text, not a metric name.
MAX_NAME = 200
_DECIMAL_COMMA = re.compile(r"^[+-]?\d+,\d+(?:[eE][+-]?\d+)?$")
_WS = " "  # marker for "runs of blanks"


class _Grow:
    """A growable 1-D numpy buffer; :meth:`view` never changes once returned."""

    __slots__ = ("buf", "n")

    def __init__(self, dtype, data: np.ndarray | None = None, capacity: int = 0) -> None:
        if data is not None:
            self.buf = data
            self.n = len(data)
        else:
            self.buf = np.empty(max(capacity, 16), dtype=dtype)
            self.n = 0

    def extend(self, arr) -> None:
        arr = np.asarray(arr, dtype=self.buf.dtype)
        k = len(arr)
        if self.n + k > len(self.buf):
            new = np.empty(max(2 * len(self.buf), self.n + k, 16), dtype=self.buf.dtype)
            new[: self.n] = self.buf[: self.n]
            self.buf = new
        self.buf[self.n : self.n + k] = arr
        self.n += k

    def fill(self, value, k: int) -> None:
        self.extend(np.full(k, value, dtype=self.buf.dtype))

    def view(self) -> np.ndarray:
        return self.buf[: self.n]


class Column:
    """One table column: float64 values and a missing mask (None when nothing is missing)."""

    __slots__ = ("name", "vals", "miss", "text_cells", "first_text_line")

    def __init__(self, name: str, nrows_before: int = 0) -> None:
        self.name = name
        self.vals = _Grow(np.float64, capacity=nrows_before + 16)
        self.miss: _Grow | None = None
        self.text_cells = 0
        self.first_text_line = 0
        if nrows_before:
            self.vals.fill(np.nan, nrows_before)
            self.miss = _Grow(np.bool_, capacity=nrows_before + 16)
            self.miss.fill(True, nrows_before)

    @classmethod
    def from_arrays(cls, name: str, vals: np.ndarray, miss: np.ndarray | None) -> Column:
        c = cls(name)
        c.vals = _Grow(np.float64, data=vals)
        c.miss = None if miss is None else _Grow(np.bool_, data=miss)
        return c

    def extend(self, vals: list[float], miss: list[bool] | None) -> None:
        n0 = self.vals.n
        self.vals.extend(vals)
        if miss is not None and any(miss):
            if self.miss is None:
                self.miss = _Grow(np.bool_, capacity=self.vals.n + 16)
                self.miss.fill(False, n0)
            self.miss.extend(miss)
        elif self.miss is not None:
            self.miss.fill(False, len(vals))

    def values(self) -> np.ndarray:
        return self.vals.view()

    def missing(self) -> np.ndarray | None:
        return None if self.miss is None else self.miss.view()


@dataclass
class TableData:
    """A parsed table: columns in log order, values, missing masks, block boundaries."""

    columns: list[str]
    values: dict[str, np.ndarray]
    missing: dict[str, np.ndarray | None]
    nrows: int
    boundaries: list[int]
    line_of_row0: int = 1
    notes: list[str] = field(default_factory=list)
    dropped_duplicates: int = 0


def _split_cells(line: str, sep: str) -> list[str]:
    if sep == _WS:
        return line.split()
    if '"' in line:
        try:
            return next(csv.reader([line], delimiter=sep, skipinitialspace=True))
        except (csv.Error, StopIteration):
            return line.split(sep)
    return line.split(sep)


def sniff_separator(lines: list[str]) -> str:
    """The separator of a delimited text from its first lines.

    The candidate (``,`` ``;`` tab ``|``) that splits the most lines into the same
    number (> 1) of fields wins; blanks when no candidate appears at all and the
    lines split into a constant number of blank-separated fields; ``,`` otherwise
    (one-column files).
    """
    sample = [ln for ln in lines[:200] if ln.strip()][:60]
    if not sample:
        return ","
    best, best_score = ",", 0
    for sep in _SEPS:
        counts = [ln.count(sep) for ln in sample]
        nonzero = [c for c in counts if c > 0]
        if not nonzero:
            continue
        mode = max(set(nonzero), key=nonzero.count)
        score = sum(1 for c in counts if c == mode) * 10 + mode
        if score > best_score:
            best, best_score = sep, score
    if best_score:
        return best
    widths = [len(ln.split()) for ln in sample]
    if len(sample) >= 2 and min(widths) >= 2 and len(set(widths)) == 1:
        return _WS
    return ","


def _is_x_name(name: str) -> bool:
    return axis_kind(name) is not None


class TableBuilder:
    """Incremental parser of a delimited training log.

    Feed it lines with :meth:`feed` (in order, any number of calls) and read the
    current table with :meth:`table`. Line numbers in messages are 1-based.

    Parameters
    ----------
    source : str
        Path, for messages.
    sep : str, optional
        Separator; sniffed from the first lines when not given.
    """

    def __init__(self, source: str, sep: str | None = None) -> None:
        self.source = source
        self.sep = sep
        self.header: list[str] | None = None
        self._header_cells: list[str] = []
        self.cols: dict[str, Column] = {}
        self._map: list[str] = []  # header position -> column name
        self.nrows = 0
        self.boundaries: list[int] = []
        self.pending: list[tuple[int, list[str]]] = []
        self.header_rows = 0
        self.title_rows = 0
        self.separator_rows = 0
        self.dup_rows = 0
        # rows not read: (line, cells, header cells)
        self.refused: list[tuple[int, int, int]] = []
        self.torn: tuple[int, str] | None = None  # (line, why) of a cut last line
        self.line_no = 0
        self.first_data_line = 0
        self._last_data: str | None = None
        self._has_x = False
        self._headerless = False
        self._decimal_comma = False
        # rows parsed but not yet appended to the column buffers
        self._bv: dict[str, list[float]] = {}
        self._bm: dict[str, list[bool]] = {}
        self._brows = 0

    # -- seeding from the fast path -----------------------------------------
    @classmethod
    def from_table(
        cls,
        source: str,
        sep: str,
        header: list[str],
        table: TableData,
        line_no: int,
        last_line: str | None,
    ) -> TableBuilder:
        """A builder that continues a table read by the bulk path (for live logs)."""
        b = cls(source, sep)
        b._header_cells = list(header)
        b._set_header(header)
        b.header_rows = 1
        b.cols = {
            name: Column.from_arrays(name, table.values[name], table.missing.get(name))
            for name in table.columns
        }
        b.nrows = table.nrows
        b.line_no = line_no
        b.first_data_line = 2
        b._last_data = last_line
        b.dup_rows = table.dropped_duplicates
        return b

    # -- header handling -----------------------------------------------------
    def _set_header(self, cells: list[str]) -> None:
        names: list[str] = []
        seen: dict[str, int] = {}
        for i, c in enumerate(cells):
            name = c.strip()
            if name == "" and i > 0:
                name = f"column {i + 1}"
            # i == 0 and empty: pandas index column (to_csv with the default index=True)
            if name in seen:
                seen[name] += 1
                name = f"{name}.{seen[name]}"
            else:
                seen[name] = 0
            names.append(name)
        self.header = names
        self._map = names
        self._has_x = any(_is_x_name(n) for n in names)

    def _resolve_pending(self, ncells: int) -> None:
        """Decide, at the first data row after non-data lines, which one was the header."""
        pending, self.pending = self.pending, []
        if not pending:
            if self.header is None:
                self._headerless = True
                self._set_header([f"column {i + 1}" for i in range(ncells)])
            return
        cand = [c.strip() for c in pending[-1][1]]
        if len(cand) < ncells:
            if self.header is not None:
                # comment lines in the middle of the data, not a header
                self.title_rows += len(pending)
                return
            if len(cand) == ncells - 1:
                cand = [""] + cand  # pandas index column without a name
            else:
                self.title_rows += len(pending)
                self._headerless = True
                self._set_header([f"column {i + 1}" for i in range(ncells)])
                return
        n_head = sum(
            1
            for _, p in pending
            if [c.strip() for c in p] == cand or [""] + [c.strip() for c in p] == cand
        )
        self.header_rows += n_head
        self.title_rows += len(pending) - n_head
        if cand != self._header_cells:
            self._header_cells = cand
            self._set_header(cand)
        if self.nrows > 0:
            self.boundaries.append(self.nrows)
            self._last_data = None

    # -- lines ---------------------------------------------------------------
    def feed(
        self,
        lines: list[str],
        first_line_no: int | None = None,
        *,
        last_unterminated: bool = False,
    ) -> int:
        """Parse more lines (without line ends); returns the number of data rows added.

        Parameters
        ----------
        lines : list of str
            Lines without their line ends, in file order.
        first_line_no : int, optional
            1-based line number of ``lines[0]`` (default: after the last line fed).
        last_unterminated : bool
            The last of ``lines`` had no line end in the file (and is the file's last
            line): it is not read when it looks cut (:func:`cut_reason`).
        """
        if first_line_no is not None:
            self.line_no = first_line_no - 1
        if self.sep is None:
            if not any(ln.strip() for ln in lines):
                self.line_no += len(lines)
                return 0
            self.sep = sniff_separator(lines)
            if self.sep == ";":
                sample = [c for ln in lines[:50] for c in ln.split(";")]
                self._decimal_comma = any(_DECIMAL_COMMA.match(c.strip()) for c in sample)
        sep = self.sep
        start_rows = self.nrows
        missing_tokens = MISSING_TOKENS
        decimal_comma = self._decimal_comma
        last_i = len(lines) - 1 if last_unterminated else -1
        for i, raw in enumerate(lines):
            self.line_no += 1
            line = raw.strip()
            if not line:
                continue
            cells = _split_cells(line, sep)
            raw_cells = cells if i != last_i else list(cells)
            n_raw = len(cells)
            # trailing padding cells (",,,,"), and lines made of separators only
            while cells and not cells[-1].strip():
                cells.pop()
            if not cells:
                self.separator_rows += 1
                continue
            if len(cells) > MAX_COLUMNS:
                raise NotATrainingLog(
                    self.source,
                    f"{len(cells)} cells in one line: not a training "
                    f"log (more than {MAX_COLUMNS} columns)",
                    where=f"line {self.line_no}",
                )
            kinds: list[object] = []
            n_num = n_text = 0
            for c in cells:
                c = c.strip()
                if c in missing_tokens:
                    kinds.append(None)
                    continue
                if decimal_comma and _DECIMAL_COMMA.match(c):
                    c = c.replace(",", ".")
                v = parse_number(c)
                if v is not None:
                    kinds.append(v)
                    n_num += 1
                elif c.startswith("[") and c.endswith("]") and (lst := _parse_list(c)):
                    kinds.append(lst)
                    n_num += 1
                else:
                    kinds.append(c)
                    n_text += 1
            if n_num == 0 or n_text > n_num:
                self.pending.append((self.line_no, cells))
                continue
            if self.pending or self.header is None:
                self._flush()  # the header may change the column set
                self._resolve_pending(len(cells))
            nh = len(self._map)
            if i == last_i and self.line_no > 1:
                prev = [_split_cells(p.strip(), sep) for p in lines[-11:-1]]
                why = cut_reason(raw_cells, nh, prev)
                if why:
                    self.torn = (self.line_no, why)
                    continue
            if n_raw < nh or (len(cells) > nh and any(k is not None for k in kinds[nh:])):
                self.refused.append((self.line_no, n_raw if n_raw < nh else len(cells), nh))
                continue
            if self._has_x and line == self._last_data:
                self.dup_rows += 1
                continue
            self._last_data = line
            if not self.first_data_line:
                self.first_data_line = self.line_no
            self._add_row(kinds)
        self._flush()
        return self.nrows - start_rows

    def _add_row(self, kinds: list) -> None:
        m = self._map
        if len(kinds) > len(m):  # extra cells that are all NA/empty (checked in feed)
            kinds = kinds[: len(m)]
        filled: set[str] = set()
        for i, k in enumerate(kinds):
            name = m[i]
            if isinstance(k, list):
                for j, v in enumerate(k):
                    sub = f"{name}[{j}]"
                    self._put(sub, v, False)
                    filled.add(sub)
                continue
            if isinstance(k, str):
                self._put(name, np.nan, True)
                col = self.cols[name]
                col.text_cells += 1
                if not col.first_text_line:
                    col.first_text_line = self.line_no
            elif k is None:
                self._put(name, np.nan, True)
            else:
                self._put(name, k, False)
            filled.add(name)
        for name in self.cols:
            if name not in filled:
                self._put(name, np.nan, True)
        self.nrows += 1
        self._brows += 1

    def _put(self, name: str, v: float, miss: bool) -> None:
        bv = self._bv.get(name)
        if bv is None:
            if name not in self.cols:
                # a column first seen now: the rows before it are missing
                self.cols[name] = Column(name, nrows_before=self.nrows - self._brows)
            bv = self._bv[name] = [np.nan] * self._brows
            self._bm[name] = [True] * self._brows
        bv.append(v)
        self._bm[name].append(miss)

    def _flush(self) -> None:
        for name, vals in self._bv.items():
            if vals:
                self.cols[name].extend(vals, self._bm[name])
        self._bv = {}
        self._bm = {}
        self._brows = 0

    # -- result --------------------------------------------------------------
    def table(self) -> TableData:
        """The table as parsed so far (arrays are views; later feeds do not change them)."""
        self._flush()
        notes: list[str] = []
        if self.title_rows:
            notes.append(f"{self.title_rows} title/comment text row(s) skipped")
        if self.header_rows > 1:
            notes.append(f"{self.header_rows} header rows (repeated headers are not data)")
        if self.separator_rows:
            notes.append(f"{self.separator_rows} row(s) of separators only skipped")
        if self.dup_rows:
            notes.append(
                f"{self.dup_rows} exact duplicate line(s) dropped (a byte-identical "
                "line directly repeated is counted once)"
            )
        if self.refused:
            notes.append(refused_note(self.refused))
        if self.torn:
            notes.append(torn_note(*self.torn))
        if self._headerless:
            notes.append("no header line: columns named 'column 1', 'column 2'...")
        if self._decimal_comma:
            notes.append("decimal commas read as decimal points")
        values: dict[str, np.ndarray] = {}
        missing: dict[str, np.ndarray | None] = {}
        columns: list[str] = []
        for name, col in self.cols.items():
            if col.text_cells:
                miss = col.missing()
                n_ok = int(col.vals.n - (np.count_nonzero(miss) if miss is not None else 0))
                if n_ok == 0:
                    notes.append(f"column {name!r} is not numeric (not a metric; dropped)")
                    continue
                notes.append(
                    f"column {name!r}: {col.text_cells} non-numeric cell(s) ignored "
                    f"(first at line {col.first_text_line})"
                )
            columns.append(name)
            values[name] = col.values()
            missing[name] = col.missing()
        if self.nrows == 0 and self.header is None and self.header_only_ok():
            # header only (a live log before its first epoch): columns without rows
            for c in self.pending[-1][1]:
                c = c.strip()
                if c and c not in values:
                    columns.append(c)
                    values[c] = np.zeros(0)
                    missing[c] = None
        return TableData(
            columns,
            values,
            missing,
            self.nrows,
            list(self.boundaries),
            self.first_data_line or 1,
            notes,
            self.dup_rows,
        )

    @property
    def headerless(self) -> bool:
        """True when the data came without a header line (columns named ``column N``)."""
        return self._headerless

    def header_only_ok(self) -> bool:
        """A file of one header line and nothing else (a live log before its first row)."""
        if len(self.pending) != 1:
            return False
        cells = [c.strip() for c in self.pending[0][1]]
        return 0 < len(cells) and all(0 < len(c) <= MAX_NAME for c in cells if c)

    def header_names(self) -> list[str] | None:
        """The header seen so far (also when no data row has come yet)."""
        if self.header is not None:
            return self.header
        if self.pending:
            return [c.strip() for c in self.pending[-1][1]]
        return None


#: Missing tokens that are complete words; ``-`` is also how a negative number starts.
_WHOLE_MISSING = MISSING_TOKENS - {"-"}
#: Numbers of one width in the rows before, needed for the fixed-width test.
_FIXED_MIN_ROWS = 5


def cut_reason(cells: list[str], n_header: int, previous: list[list[str]]) -> str | None:
    """Why a file's last line, which has no line end, looks cut (None: it looks whole).

    A writer appends a row and then its line end (Keras ``CSVLogger`` writes each row
    through ``csv.writer`` with ``\\r\\n`` and flushes; Lightning's ``CSVLogger`` and
    hand-written loops the same), so a last line without a line end is either a file
    whose writer never ends lines (``model_history_log.csv`` in the corpus: complete
    rows, no final newline) or a row caught half-written. It is taken as cut when

    - it has fewer cells than the header (the line stops inside the row);
    - its last cell is not a whole number: ``1e-``, ``0.``, ``-``, ``Infin``, ``[0.1, 0``
      (``NA``/``null``/empty are whole: a row ending in a missing cell is read);
    - its last cell is shorter than that column's cells in the rows just before, which
      all have one length (a fixed-width format such as ``%e`` or ``%.6f``:
      ``6.920415e-07`` cut to ``6.9``). With ``repr`` floats (Keras, pandas) cell
      lengths vary, so this test does not apply and a cut there cannot be told.

    Parameters
    ----------
    cells : list of str
        The line's cells, trailing empty cells included.
    n_header : int
        Number of header columns.
    previous : list of list of str
        Cells of the lines before it (up to 10; other lines are ignored).

    Returns
    -------
    str or None
        The reason, for the note.
    """
    if len(cells) < n_header:
        return f"{len(cells)} of {n_header} cells"
    if not cells:
        return None
    c = cells[-1].strip()
    if c == "" or c in _WHOLE_MISSING:
        return None
    if c.startswith("["):
        if c.endswith("]") and _parse_list(c):
            return None
        return f"last cell {c[:20]!r} is not a whole value"
    if parse_number(c) is None or c[-1] in ".eE+-":
        return f"last cell {c[:20]!r} is not a whole number"
    k = len(cells) - 1
    before = [
        p[k].strip()
        for p in previous
        if len(p) == len(cells) and parse_number(p[k].strip()) is not None
    ]
    widths = {len(b) for b in before}
    if len(before) >= _FIXED_MIN_ROWS and len(widths) == 1:
        (w,) = widths
        if len(c) < w:
            return f"last cell {c!r} shorter than the {w} characters of the rows before"
    return None


def torn_note(line: int, why: str) -> str:
    """The note for a last line that was not read (:func:`cut_reason`)."""
    return (
        f"last line (line {line}) has no line end and looks cut ({why}) — still being "
        "written? — not read"
    )


def _ranges(lines: list[int], limit: int = 4) -> str:
    out: list[str] = []
    start = prev = lines[0]
    for n in lines[1:] + [None]:
        if n is not None and n == prev + 1:
            prev = n
            continue
        out.append(f"{start}" if start == prev else f"{start}–{prev}")
        if n is not None:
            start = prev = n
    shown = ", ".join(out[:limit])
    return shown + (f" and {len(out) - limit} more range(s)" if len(out) > limit else "")


def refused_note(refused: list[tuple[int, int, int]]) -> str:
    """The note for rows not read because their cell count is not the header's.

    Keras' ``CSVLogger(append=True)`` writes its header only into an empty file
    (``keras/callbacks/csv_logger.py``: ``append_header`` is set from whether the
    file's first line is empty), and its ``csv.DictWriter`` takes the field names of
    the current ``fit()``; so a resumed ``fit()`` that logs other metrics appends rows
    of another length under the old names. Mapping their cells by position would put
    values under the wrong names (QA round 3: ``val_accuracy`` holding loss values).
    """
    lines = [r[0] for r in refused]
    counts = sorted({r[1] for r in refused})
    nh = refused[-1][2]
    more = [c for c in counts if c > nh]
    less = [c for c in counts if c < nh]
    what = []
    if more:
        what.append(f"{'/'.join(map(str, more))} cells")
    if less:
        what.append(f"{'/'.join(map(str, less))} cells")
    return (
        f"{len(refused)} row(s) not read (line(s) {_ranges(lines)}): "
        f"{' or '.join(what)} where the header has {nh} — a header/row mismatch, so the "
        "cells cannot be matched to column names (typically CSVLogger(append=True) after "
        "the logged metrics changed: Keras appends rows without writing a new header)"
    )


def _parse_list(cell: str) -> list[float] | None:
    inner = cell[1:-1].strip()
    if not inner:
        return None
    parts = re.split(r"[,\s]+", inner)
    out = []
    for p in parts:
        if not p:
            continue
        v = parse_number(p)
        if v is None:
            return None
        out.append(v)
    return out or None


# ---------------------------------------------------------------------------
# fast path: large clean numeric CSV through pandas' C parser
# ---------------------------------------------------------------------------

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
    if sep == _WS:
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
    cells = _split_cells(lines[-1].strip(), sep)
    # the ten lines before it, as TableBuilder.feed looks at them (lines[0] may be cut)
    prev = [_split_cells(ln.strip(), sep) for ln in lines[-11:-1]]
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
    xcols = [c for n, c in zip(names, cols, strict=True) if _is_x_name(n)]
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


def head_notes(head: bytes) -> list[str]:
    """Encoding and line-end notes from a file's first bytes (as the line parser gives)."""
    from analysis.readers._base import line_ending_note, sniff_encoding

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
    from analysis.readers._base import line_ending_note, split_lines

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


def sep_note(sep: str | None) -> str | None:
    if sep in (None, ","):
        return None
    return {
        ";": "separator ';'",
        "\t": "separator tab",
        "|": "separator '|'",
        _WS: "separator: blanks",
    }.get(sep, f"separator {sep!r}")


def file_size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError as exc:
        raise LogReadError(path, exc.strerror or str(exc)) from None


__all__ = [
    "TableBuilder",
    "TableData",
    "Column",
    "fast_layout",
    "fast_numeric_csv",
    "read_table_file",
    "sniff_separator",
]
