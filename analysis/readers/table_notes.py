"""Notes of the line parser in words: rows not read, a cut last line."""

from __future__ import annotations

from analysis.readers.cells import MISSING_TOKENS, parse_list_cell, parse_number

#: Missing tokens that are complete words; ``-`` is also how a negative number starts.
_WHOLE_MISSING = MISSING_TOKENS - {"-"}
#: Numbers of one width in the rows before, needed for the fixed-width test.
_FIXED_MIN_ROWS = 5


def cut_reason(cells: list[str], n_header: int, previous: list[list[str]]) -> str | None:
    """Why a file's last line, which has no line end, looks cut (None: it looks whole).

    A writer appends a row and then its line end (Keras ``CSVLogger`` writes each row
    through ``csv.writer`` with ``\\r\\n`` and flushes; Lightning's ``CSVLogger`` and
    hand-written loops the same), so a last line without a line end is either a file
    whose writer never ends lines (complete rows, no final newline, as some hand-written
    loggers leave them) or a row caught half-written. It is taken as cut when

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
        if c.endswith("]") and parse_list_cell(c):
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
    values under the wrong names (``val_accuracy`` holding a later fit's loss values).
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
