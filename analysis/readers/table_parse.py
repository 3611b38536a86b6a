"""Delimited text tables: the line parser shared by every CSV-like reader.

:class:`TableBuilder` consumes lines (all at once, or a few at a time for a live
log) and keeps one float64 column per header name plus a "missing" mask, so the
format readers (Keras CSVLogger, pandas histories, Lightning, W&B, TensorBoard
CSV exports) only decide which columns are axes and which are metrics.

What it copes with (each seen in real training logs):

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
  unfinished number): a log still being written, not read (see
  :func:`analysis.readers.table_notes.cut_reason`);
- ``NA``/empty cells = missing (not a value); ``nan``/``inf`` = values kept;
- list cells ``"[a, b]"`` (Keras CSVLogger writes iterables so): one column per element,
  named ``name[0]``, ``name[1]``...;
- byte-identical consecutive data lines in logs with an x-axis column (Lightning's
  LearningRateMonitor writes each row twice): counted once;
- decimal commas in ``;``-separated files (``0,5;0,4``).

Large clean files go through :func:`analysis.readers.table_bulk.fast_numeric_csv` (one
``pandas.read_csv`` call, pandas' C parser); anything unusual falls back here.
"""

from __future__ import annotations

import csv
import re

import numpy as np

from analysis.readers.cells import MISSING_TOKENS, parse_list_cell, parse_number
from analysis.readers.columns import is_axis_name
from analysis.readers.errors import NotATrainingLog
from analysis.readers.table_data import Column, TableData
from analysis.readers.table_notes import cut_reason, refused_note, torn_note

_SEPS = (",", ";", "\t", "|")
#: More cells than this in one line is not a training log.
MAX_COLUMNS = 4096
#: A header cell longer than this is text, not a metric name.
MAX_NAME = 200
_DECIMAL_COMMA = re.compile(r"^[+-]?\d+,\d+(?:[eE][+-]?\d+)?$")
SPACE_SEP = " "  # marker for "runs of blanks"


def split_cells(line: str, sep: str) -> list[str]:
    """The cells of one line (``SPACE_SEP``: runs of blanks; quoted cells as :mod:`csv` reads them)."""
    if sep == SPACE_SEP:
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
        return SPACE_SEP
    return ","


def sep_note(sep: str | None) -> str | None:
    """``"separator ';'"`` and the like for a separator other than the comma, else None."""
    if sep in (None, ","):
        return None
    return {
        ";": "separator ';'",
        "\t": "separator tab",
        "|": "separator '|'",
        SPACE_SEP: "separator: blanks",
    }.get(sep, f"separator {sep!r}")


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
        self._has_x = any(is_axis_name(n) for n in names)

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
            cells = split_cells(line, sep)
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
                elif c.startswith("[") and c.endswith("]") and (lst := parse_list_cell(c)):
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
                prev = [split_cells(p.strip(), sep) for p in lines[-11:-1]]
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
