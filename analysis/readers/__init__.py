"""Log readers behind one front door, :func:`load`.

PLACEHOLDER: a minimal reader for Keras CSVLogger files and ``history.history``
JSON so other parts can be built; the full set of formats replaces it.
"""

from __future__ import annotations

import json
import os

import numpy as np

from analysis.model import LogReadError, Run, Series, segment_starts


def load(path: str | os.PathLike) -> list[Run]:
    """Read a log file or folder into runs.

    Raises
    ------
    LogReadError
        When the input cannot be read; the message is one line.
    """
    path = os.fspath(path)
    name = os.path.splitext(os.path.basename(path))[0]
    try:
        with open(path, "rb") as fh:
            raw = fh.read()
    except OSError as exc:
        raise LogReadError(path, exc.strerror or str(exc)) from None
    text = raw.decode("utf-8", errors="replace")
    if text.lstrip().startswith("{"):
        d = json.loads(text)
        series = {}
        for k, v in d.items():
            if isinstance(v, list):
                arr = np.array([np.nan if x is None else x for x in v], dtype=float)
                series[k] = Series(k, np.arange(len(arr)), arr)
        return [Run(name, path, "keras-history-json", series)]
    lines = [ln for ln in text.splitlines() if ln.strip()]
    sep = ";" if lines[0].count(";") > lines[0].count(",") else ","
    header = lines[0].split(sep)
    rows = [ln.split(sep) for ln in lines[1:] if ln.split(sep) != header]
    cols = list(zip(*rows))
    series = {}
    step = None
    if header[0] == "epoch":
        step = np.array([float(x) for x in cols[0]])
    for h, col in zip(header, cols):
        if h == "epoch":
            continue
        vals = np.array([float(x) if x not in ("", "NA") else np.nan for x in col])
        st = step if step is not None else np.arange(len(vals), dtype=float)
        keep = np.array([x not in ("", "NA") for x in col])
        series[h] = Series(h, st[keep], vals[keep], segments=segment_starts(st[keep]))
    return [Run(name, path, "keras-csvlogger", series)]
