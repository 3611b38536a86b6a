"""Delimited text logs: parsed into a table, refused when the text is not a log, then read
by the columns' reader.

Any text that is not JSON ends here: the table is parsed
(:func:`~analysis.readers.table_bulk.read_table_file`) and goes back to the router, which
picks the reader by the columns (Keras CSVLogger and plain CSV, Lightning, W&B,
TensorBoard CSV exports). Before and after, the rules of
:mod:`analysis.readers.rules` refuse what is not a training log.
"""

from __future__ import annotations

from analysis.model import Run
from analysis.readers.errors import NotATrainingLog
from analysis.readers.files import read_bytes
from analysis.readers.formats import FileInput, LogFormat
from analysis.readers.rules import (
    dataset_reason,
    header_looks_like_log,
    numeric_header_reason,
    source_language,
)
from analysis.readers.table_bulk import read_table_file
from analysis.readers.text import decode_text


def is_text(file: FileInput) -> bool:
    """Any text (the last file-level format tried)."""
    return file.is_text


def read_delimited(file: FileInput) -> list[Run]:
    """Runs from a delimited text log (CSVLogger, pandas, Lightning, W&B, TensorBoard CSV,
    plain CSV), or the reason it is not a training log.

    Raises
    ------
    NotATrainingLog
        Source code, a numbered header (a feature table), text without a numeric table,
        a dataset, a header alone whose names are not a log's, one line of numbers
        without a header, a table without any metric value.
    """
    path = file.path
    _refuse_code_or_numbered_header(file)

    def text_loader():
        return decode_text(read_bytes(path), path)

    table, builder, info = read_table_file(path, file.head, file.size, text_loader)
    if table.nrows == 0 and not table.columns:
        if builder is not None and builder.pending:
            raise NotATrainingLog(
                path,
                f"no numeric rows in {len(builder.pending)} line(s) of text: not a training log",
            )
        raise NotATrainingLog(path, "no numeric rows: not a training log", where="line 1")
    why = dataset_reason(table.columns)
    if why:
        raise NotATrainingLog(path, why)
    if table.nrows == 0:
        return _header_only_runs(file, table, info)
    if builder is not None and builder.headerless and table.nrows < 2:
        # "12345" (a .pid file), "0" (an exit code): no names and no curve
        raise NotATrainingLog(path, "one line of numbers without a header: not a training log")
    runs = file.read_table(table, info)
    if not any(r.series for r in runs):
        raise NotATrainingLog(path, "no numeric metric column (only axes or text)")
    if not any(len(s) for r in runs for s in r.series.values()):
        raise NotATrainingLog(
            path,
            f"no value in any metric column ({table.nrows} row(s), every "
            "metric cell empty or NA): no training curves",
        )
    return runs


def _refuse_code_or_numbered_header(file: FileInput) -> None:
    """Refuse source code and a ``0,1,2,...`` header from the head, before parsing."""
    if not file.is_text:
        return
    text = file.text
    lang = source_language(text)
    if lang:
        raise NotATrainingLog(file.path, f"{lang}, not a training log")
    lines = text.splitlines()
    at = next((i for i, ln in enumerate(lines) if ln.strip()), None)
    why = numeric_header_reason(lines[at]) if at is not None else None
    if why:
        raise NotATrainingLog(file.path, why, where=f"line {at + 1}")


def _header_only_runs(file: FileInput, table, info: dict) -> list[Run]:
    """One header line and nothing else: a live log before its first row, or not a log."""
    if not header_looks_like_log(table.columns):
        shown = ", ".join(table.columns[:6]) + (", ..." if len(table.columns) > 6 else "")
        raise NotATrainingLog(
            file.path,
            f"one line of text ({shown}) and no numeric rows; the "
            "names are not those of a training log (epoch, step, "
            "loss, accuracy...)",
        )
    runs = file.read_table(table, info)
    for r in runs:
        r.meta["header_only"] = True
        r.notes.append(
            "header names look like a training log (epoch/step or metric "
            "names): an empty live run until rows are appended"
        )
    return runs


FORMATS = (LogFormat("table", "file", is_text, read_delimited, 0, "delimited text (CSV, TSV...)"),)
