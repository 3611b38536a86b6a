"""A growable 1-D numpy buffer, for readers that append values as they parse."""

from __future__ import annotations

import numpy as np


class GrowableArray:
    """A growable 1-D numpy buffer; :meth:`view` never changes once returned.

    Parameters
    ----------
    dtype : numpy dtype
        Element type.
    data : ndarray, optional
        Start from these values (used in place, no copy).
    capacity : int
        Room for this many elements before the first growth (at least 16).
    """

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
