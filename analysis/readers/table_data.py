"""A parsed table: columns in log order with float64 values and missing masks."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from analysis.readers.growable import GrowableArray


class Column:
    """One table column: float64 values and a missing mask (None when nothing is missing)."""

    __slots__ = ("name", "vals", "miss", "text_cells", "first_text_line")

    def __init__(self, name: str, nrows_before: int = 0) -> None:
        self.name = name
        self.vals = GrowableArray(np.float64, capacity=nrows_before + 16)
        self.miss: GrowableArray | None = None
        self.text_cells = 0
        self.first_text_line = 0
        if nrows_before:
            self.vals.fill(np.nan, nrows_before)
            self.miss = GrowableArray(np.bool_, capacity=nrows_before + 16)
            self.miss.fill(True, nrows_before)

    @classmethod
    def from_arrays(cls, name: str, vals: np.ndarray, miss: np.ndarray | None) -> Column:
        c = cls(name)
        c.vals = GrowableArray(np.float64, data=vals)
        c.miss = None if miss is None else GrowableArray(np.bool_, data=miss)
        return c

    def extend(self, vals: list[float], miss: list[bool] | None) -> None:
        n0 = self.vals.n
        self.vals.extend(vals)
        if miss is not None and any(miss):
            if self.miss is None:
                self.miss = GrowableArray(np.bool_, capacity=self.vals.n + 16)
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
