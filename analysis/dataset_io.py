"""The one dataset reader: a CSV/TSV table with a label column, or an ``.npz`` of arrays.

The dataset checks (:mod:`analysis.dataset`), the session layer (class count and
majority rate for the curve detectors), the retrain preflight and the retrain
worker's data loading (:mod:`retrain.data`) all read a dataset file here, so a file
one of them accepts is read the same way by the others. What the label column
holds (classes or a regression target) is judged in :mod:`analysis.dataset_labels`.

Tables
------
- Encoding: a byte-order mark names it (UTF-16 LE/BE, as Excel's "Unicode text"
  and PowerShell write; UTF-8 with BOM); otherwise UTF-8. NUL bytes without a
  UTF-16 BOM: binary content, refused.
- Separator: :class:`csv.Sniffer` on the header line, among ``,`` ``;`` tab and
  ``|``; when it cannot tell, tab for ``.tsv`` and ``,`` otherwise.
- Decimal comma: with a separator other than ``,``, the first rows hold numbers
  written ``1,5`` and none written ``1.5`` (spreadsheets saved in a locale with a
  decimal comma write ``;``-separated files so).
- Missing cells: the strings ``pandas.read_csv`` reads as missing by default
  (:data:`NA_STRINGS`); spaces after a separator are skipped; repeated column
  names get ``.1``, ``.2`` as in pandas.

:func:`read_table` reads the whole table with pandas; :func:`read_table_head`
reads the header and the first rows with the :mod:`csv` module (fast enough for
a GUI's event loop) under the same rules.

Arrays
------
An ``.npz`` (``numpy.savez``) with ``x_train``, ``y_train`` and optionally
``x_val``, ``y_val``, read without pickles. One-hot label rows
(``keras.utils.to_categorical``, shape ``(n, K)``) become class indices; a
``(n, 1)`` column is flattened.

Errors are :class:`~analysis.model.LogReadError`: one line naming the file, the
place (array key) and the reason. Files are only read.
"""

from __future__ import annotations

import csv
import os
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from analysis.model import LogReadError

if TYPE_CHECKING:  # pandas is imported where used: read_table_head runs without it
    import pandas as pd

#: Columns listed in full in a "no such label column" error; beyond: "... and N more".
MAX_LISTED_COLUMNS = 50
#: Bytes looked at to tell the encoding, separator and decimal mark.
SNIFF_BYTES = 65536
#: Data rows looked at to tell a decimal comma.
SNIFF_ROWS = 50
#: Separators a table may use.
SEPARATORS = ",;\t|"
#: Cells ``pandas.read_csv`` reads as missing by default (its ``na_values`` documentation).
NA_STRINGS = frozenset(
    {
        "",
        "#N/A",
        "#N/A N/A",
        "#NA",
        "-1.#IND",
        "-1.#QNAN",
        "-NaN",
        "-nan",
        "1.#IND",
        "1.#QNAN",
        "<NA>",
        "N/A",
        "NA",
        "NULL",
        "NaN",
        "None",
        "n/a",
        "nan",
        "null",
    }
)
#: Array keys of an ``.npz`` dataset, in reading order.
NPZ_KEYS = ("x_train", "y_train", "x_val", "y_val")


# -- tables -------------------------------------------------------------------------------


@dataclass(frozen=True)
class TableFormat:
    """How a table file is written.

    Attributes
    ----------
    encoding : str
        A Python codec (``"utf-8-sig"`` reads UTF-8 with or without BOM, ``"utf-16"``).
    sep : str
        Field separator.
    decimal : str
        ``"."`` or ``","``.
    """

    encoding: str = "utf-8-sig"
    sep: str = ","
    decimal: str = "."


def _number_pattern(decimal: str) -> re.Pattern:
    """A cell ``pandas.read_csv`` parses as a number with this decimal mark: plain
    decimal notation (no spaces, thousands separators, ``inf`` or ``nan``)."""
    d = re.escape(decimal)
    return re.compile(rf"[+-]?(?:\d+{d}?\d*|{d}\d+)(?:[eE][+-]?\d+)?")


_NUMBER = {".": _number_pattern("."), ",": _number_pattern(",")}


def is_number(cell: str, decimal: str = ".") -> bool:
    """Whether a table cell is a number in plain decimal notation with ``decimal``."""
    return _NUMBER[decimal].fullmatch(cell) is not None


def numbers(cells: list, decimal: str = ".") -> np.ndarray:
    """Cells as float64 when every one is a number (as ``pandas.read_csv`` parses a
    numeric column), else the cells as an object array."""
    try:
        if decimal != ".":
            cells = [c.replace(decimal, ".") if isinstance(c, str) else c for c in cells]
        return np.array([float(c) for c in cells], dtype=np.float64)
    except (TypeError, ValueError):
        return np.array(cells, dtype=object)


def _read_head(path: str) -> bytes:
    try:
        with open(path, "rb") as fh:
            return fh.read(SNIFF_BYTES)
    except OSError as exc:
        raise LogReadError(path, exc.strerror or str(exc)) from None


def sniff_table(path: str | os.PathLike) -> TableFormat:
    """Tell a table's encoding, separator and decimal mark (module docstring, "Tables").

    Raises
    ------
    LogReadError
        The file cannot be opened, is empty, or holds binary content.
    """
    path = os.fspath(path)
    head = _read_head(path)
    if not head.strip():
        raise LogReadError(path, "the file is empty")
    encoding = "utf-16" if head[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-8-sig"
    if encoding == "utf-8-sig" and b"\x00" in head:
        raise LogReadError(path, "binary content (NUL bytes), not a CSV text file")
    text = head.decode(encoding, errors="replace")
    lines = [ln for ln in text.splitlines() if ln.strip()]
    try:
        sep = csv.Sniffer().sniff(lines[0], SEPARATORS).delimiter
    except (csv.Error, IndexError):
        sep = "\t" if path.lower().endswith(".tsv") else ","
    return TableFormat(encoding, sep, _sniff_decimal(lines[1 : SNIFF_ROWS + 1], sep))


def _sniff_decimal(lines: list[str], sep: str) -> str:
    if sep == ",":
        return "."
    cells = [c.strip() for row in csv.reader(lines, delimiter=sep) for c in row]
    comma = any(is_number(c, ",") and "," in c for c in cells)
    point = any(is_number(c, ".") and "." in c for c in cells)
    return "," if comma and not point else "."


def read_table(path: str | os.PathLike, fmt: TableFormat | None = None) -> pd.DataFrame:
    """The whole table as a DataFrame (header row = column names).

    Raises
    ------
    LogReadError
        Unreadable, empty, binary or not UTF-8/UTF-16 text, or malformed rows.
    """
    import pandas as pd

    path = os.fspath(path)
    fmt = fmt or sniff_table(path)
    try:
        return pd.read_csv(
            path,
            sep=fmt.sep,
            decimal=fmt.decimal,
            encoding=fmt.encoding,
            skipinitialspace=True,
        )
    except pd.errors.EmptyDataError:
        raise LogReadError(path, "the file is empty") from None
    except UnicodeDecodeError as exc:
        raise LogReadError(path, f"not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise LogReadError(path, exc.strerror or str(exc)) from None
    except (ValueError, pd.errors.ParserError) as exc:
        raise LogReadError(path, f"not a readable CSV ({_one_line(exc)})") from None


@dataclass
class TableHead:
    """Header and first rows of a table (:func:`read_table_head`).

    Attributes
    ----------
    columns : list of str
        Column names as ``pandas.read_csv`` names them.
    rows : list of (int, list of str)
        ``(line number, cells)`` of the data rows read (blank lines skipped).
    truncated : bool
        The file has more rows than were read.
    format : TableFormat
    """

    columns: list[str]
    rows: list[tuple[int, list[str]]]
    truncated: bool
    format: TableFormat

    def column(self, name: str) -> list[str]:
        """The cells of one column (an empty string where a row is short)."""
        j = self.columns.index(name)
        return [cells[j] if j < len(cells) else "" for _, cells in self.rows]


def read_table_head(path: str | os.PathLike, max_rows: int) -> TableHead:
    """Header and at most ``max_rows`` data rows, read with the :mod:`csv` module.

    Raises
    ------
    LogReadError
        As :func:`read_table`.
    """
    path = os.fspath(path)
    fmt = sniff_table(path)
    header: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    truncated = False
    try:
        with open(path, newline="", encoding=fmt.encoding) as fh:
            reader = csv.reader(fh, delimiter=fmt.sep, skipinitialspace=True)
            for row in reader:
                if not row:
                    continue
                if header is None:
                    header = row
                elif len(rows) < max_rows:
                    rows.append((reader.line_num, row))
                else:
                    truncated = True
                    break
    except UnicodeDecodeError as exc:
        raise LogReadError(path, f"not UTF-8 text (byte {exc.start})") from None
    except (OSError, csv.Error) as exc:
        raise LogReadError(path, getattr(exc, "strerror", None) or _one_line(exc)) from None
    if header is None:
        raise LogReadError(path, "the file is empty")
    return TableHead(_dedupe(header), rows, truncated, fmt)


def read_header(path: str | os.PathLike) -> list[str]:
    """Column names of a table, as ``pandas.read_csv`` names them (for choosing the label).

    Raises
    ------
    LogReadError
        As :func:`read_table`.
    """
    return read_table_head(path, 0).columns


def _dedupe(header: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    names = []
    for h in header:
        n = seen.get(h, 0)
        seen[h] = n + 1
        names.append(h if n == 0 else f"{h}.{n}")
    return names


# -- the label column ---------------------------------------------------------------------


def closest_name(name: str, options: list[str]) -> str | None:
    """The option a user most likely meant by ``name``, or None.

    The same name up to case and surrounding spaces first (``Target`` ->
    ``target``), else the closest by :func:`difflib.get_close_matches` (its default
    cutoff, ratio >= 0.6), compared case-insensitively.
    """
    import difflib

    key = name.strip().casefold()
    for o in options:
        if o.strip().casefold() == key:
            return o
    folded = {o.strip().casefold(): o for o in options}
    close = difflib.get_close_matches(key, list(folded), n=1)
    return folded[close[0]] if close else None


def no_column_message(label: str, columns: list[str]) -> str:
    """One line for a label column that does not exist.

    ``no column 'Target'; did you mean 'target'? (31 columns: a, b, ...)``: every
    column up to :data:`MAX_LISTED_COLUMNS`, then ``... and N more``; the hint
    comes from :func:`closest_name` and is left out when nothing is close.
    """
    columns = [str(c) for c in columns]
    hint = closest_name(label, columns)
    shown = columns[:MAX_LISTED_COLUMNS]
    more = len(columns) - len(shown)
    listing = ", ".join(shown) + (f", ... and {more} more" if more else "")
    return (
        f"no column {label!r}"
        + (f"; did you mean {hint!r}?" if hint else "")
        + f" ({len(columns)} columns: {listing})"
    )


# -- the dataset --------------------------------------------------------------------------


@dataclass(eq=False)
class Dataset:
    """The contents of a dataset file.

    Attributes
    ----------
    source : str
        Path it was read from (empty for data made in memory).
    x_train : pandas.DataFrame or ndarray, shape (n, ...)
        Features: a DataFrame for a table (column names and text columns kept),
        the array as stored for an ``.npz`` (None when only labels were read).
    y_train : ndarray, shape (n,)
        One label per row, as stored (one-hot rows already turned into indices).
    x_val, y_val : same, optional
        The validation part of an ``.npz`` that has one.
    feature_names : list of str, optional
        Feature columns of a table.
    label : str, optional
        Label column of a table.
    format : TableFormat, optional
        How a table is written.
    notes : list of str
        Decisions a user should see (one-hot labels converted...).
    """

    source: str
    x_train: object
    y_train: np.ndarray
    x_val: object | None = None
    y_val: np.ndarray | None = None
    feature_names: list[str] | None = None
    label: str | None = None
    format: TableFormat | None = None
    notes: list[str] = field(default_factory=list)

    def judged_labels(self) -> np.ndarray:
        """The labels validation metrics are measured on: the validation part's when
        there is one, else the training labels."""
        return self.y_val if self.y_val is not None else self.y_train


def read_dataset(path: str | os.PathLike, label: str | None = None) -> Dataset:
    """Read a dataset file.

    Parameters
    ----------
    path : str or path-like
        ``.npz`` (:func:`read_npz`), or a table with a header row (module
        docstring, "Tables").
    label : str, optional
        Label column of a table (required for a table; ignored for ``.npz``).

    Raises
    ------
    LogReadError
        Missing file, unreadable content, missing arrays or label column; the
        message is one line naming the file.
    """
    path = os.fspath(path)
    if not os.path.exists(path):
        raise LogReadError(path, "no such file")
    if path.lower().endswith(".npz"):
        return read_npz(path)
    if not label:
        raise LogReadError(path, "a CSV dataset needs --label COLUMN")
    fmt = sniff_table(path)
    df = read_table(path, fmt)
    if label not in df.columns:
        raise LogReadError(path, no_column_message(label, list(df.columns)))
    if len(df) == 0:
        raise LogReadError(path, "no data rows after the header")
    x = df.drop(columns=[label])
    x.columns = [str(c) for c in x.columns]
    return Dataset(path, x, df[label].to_numpy(), None, None, list(x.columns), label, fmt)


def read_npz(path: str | os.PathLike, features: bool = True) -> Dataset:
    """Read an ``.npz`` dataset (module docstring, "Arrays").

    Parameters
    ----------
    path : str or path-like
    features : bool
        Read ``x_train``/``x_val`` too (False: labels only, ``x_*`` left None).

    Raises
    ------
    LogReadError
        Not a readable ``.npz``, ``x_train``/``y_train`` missing, only one of
        ``x_val``/``y_val``, pickled object arrays, labels that are neither one
        per row nor one-hot rows, features and labels of different lengths.
    """
    path = os.fspath(path)
    arrays = _npz_arrays(path, features)
    notes: list[str] = []
    y_train = class_labels(arrays["y_train"], path, "y_train", notes)
    y_val = class_labels(arrays["y_val"], path, "y_val", notes) if "y_val" in arrays else None
    x_train, x_val = arrays.get("x_train"), arrays.get("x_val")
    for key, x, y in (("x_train", x_train, y_train), ("x_val", x_val, y_val)):
        if x is None:
            continue
        if x.ndim == 0:
            raise LogReadError(path, "must have one row per sample, got a single value", key)
        if len(x) != len(y):
            raise LogReadError(path, f"{key} has {len(x)} rows but y{key[1:]} {len(y)}")
    return Dataset(path, x_train, y_train, x_val, y_val, notes=notes)


def _npz_arrays(path: str, features: bool) -> dict[str, np.ndarray]:
    try:
        npz = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        raise LogReadError(path, f"not a readable .npz ({_one_line(exc)})") from None
    if not isinstance(npz, np.lib.npyio.NpzFile):
        raise LogReadError(path, "not a readable .npz (a single array, not an archive)")
    with npz:
        keys = set(npz.files)
        if not {"x_train", "y_train"} <= keys:
            found = ", ".join(sorted(keys)) or "none"
            raise LogReadError(path, f"needs arrays x_train and y_train (found: {found})")
        if ("x_val" in keys) != ("y_val" in keys):
            raise LogReadError(path, "has only one of x_val / y_val; give both or neither")
        wanted = [k for k in NPZ_KEYS if k in keys and (features or k.startswith("y"))]
        return {k: _npz_array(npz, path, k) for k in wanted}


def _npz_array(npz, path: str, key: str) -> np.ndarray:
    try:
        return npz[key]
    except ValueError as exc:
        if "pickle" in str(exc):
            why = "holds pickled object arrays, which FitLens does not load (they can run code)"
            raise LogReadError(path, why, key) from None
        raise LogReadError(path, f"not a readable .npz ({_one_line(exc)})", key) from None
    except (OSError, EOFError, zipfile.BadZipFile, zlib.error) as exc:
        raise LogReadError(path, f"not a readable .npz ({_one_line(exc)})", key) from None


def npz_sample_shapes(path: str | os.PathLike) -> dict[str, tuple[int, ...]]:
    """Shapes of one ``x_train``/``x_val`` sample, from the ``.npy`` headers (no data read).

    The header layout is numpy's NPY format (``numpy.lib.format``, versions 1.0
    and 2.0); an array stored otherwise, or a file that cannot be opened, is left out.
    """
    from numpy.lib import format as npy

    out = {}
    try:
        archive = zipfile.ZipFile(os.fspath(path))
    except (OSError, zipfile.BadZipFile):
        return out
    with archive:
        for key in ("x_train", "x_val"):
            try:
                with archive.open(f"{key}.npy") as fh:
                    version = npy.read_magic(fh)
                    if version == (1, 0):
                        shape = npy.read_array_header_1_0(fh)[0]
                    elif version == (2, 0):
                        shape = npy.read_array_header_2_0(fh)[0]
                    else:
                        continue
            except (KeyError, OSError, ValueError, zipfile.BadZipFile):
                continue
            out[key] = tuple(int(n) for n in shape[1:])
    return out


def class_labels(y: np.ndarray, source: str, key: str, notes: list[str]) -> np.ndarray:
    """One label per row: one-hot rows (shape ``(n, K)``) become class indices (and a
    note says so), a ``(n, 1)`` column is flattened.

    Raises
    ------
    LogReadError
        Rows that are not one-hot, or more than two axes.
    """
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        return y[:, 0]
    if y.ndim == 2:
        if not (np.isin(y, (0, 1)).all() and (y.sum(axis=1) == 1).all()):
            raise LogReadError(source, f"2-D labels {y.shape} are not one-hot rows", key)
        msg = "one-hot labels converted to class indices"
        if msg not in notes:
            notes.append(msg)
        return y.argmax(axis=1)
    if y.ndim != 1:
        raise LogReadError(source, f"labels must be 1-D, got shape {y.shape}", key)
    return y


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


__all__ = [
    "MAX_LISTED_COLUMNS",
    "NA_STRINGS",
    "Dataset",
    "TableFormat",
    "TableHead",
    "class_labels",
    "closest_name",
    "is_number",
    "no_column_message",
    "npz_sample_shapes",
    "numbers",
    "read_dataset",
    "read_header",
    "read_npz",
    "read_table",
    "read_table_head",
    "sniff_table",
]
