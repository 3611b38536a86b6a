"""Cells of logged tables and JSON: missing tokens, numbers and list cells as writers print them."""

from __future__ import annotations

import math
import re

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


def parse_list_cell(cell: str) -> list[float] | None:
    """A list cell ``"[0.1, 0.2]"`` (Keras CSVLogger writes iterables so) as floats, or None."""
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
