"""Numbers and x positions the way a person writes them in a finding's message."""

from __future__ import annotations

import math

import numpy as np


def fmt_x(x: float | None) -> str:
    """An x position (epoch or step) as a person writes it.

    Integral values without decimals (``1954500``, ``14``); fractional ones
    with 4 significant digits below 1,000 (Hugging Face epochs ``2.346``) and
    rounded to the nearest integer above (a step is never read to a fraction).
    """
    if x is None:
        return "n/a"
    x = float(x)
    if not math.isfinite(x):
        return str(x)
    if x.is_integer() or abs(x) >= 1000:
        return str(int(round(x)))
    return f"{x:.4g}"


def fmt(v: float | None) -> str:
    """A number the way a person reads it off a curve: 4 significant digits."""
    if v is None:
        return "n/a"
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    v = float(v)
    if not math.isfinite(v):
        return str(v)
    a = abs(v)
    if a != 0 and (a < 1e-3 or a >= 1e6):
        return f"{v:.3g}"
    return f"{v:.4g}"


def pct(r: float) -> str:
    """A ratio as a signed percentage: 0.213 -> '+21%'."""
    if not math.isfinite(r):
        return "n/a"
    return f"{r * 100:+.0f}%" if abs(r) >= 0.1 else f"{r * 100:+.1f}%"


def jnum(v):
    """A JSON-ready number: Python float/int, NaN/inf -> None."""
    if v is None:
        return None
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (int, np.integer)):
        return int(v)
    v = float(v)
    return v if math.isfinite(v) else None
