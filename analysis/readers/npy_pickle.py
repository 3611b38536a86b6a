"""``.npy``/``.npz`` arrays and pickles: opened without running code, then read by what they hold.

A pickled ``history.history`` (``pickle.dump``), an ``np.save`` of the dict (an object
array), an ``.npz`` of one array per key: each is decoded here (pickles and object arrays
with :class:`~analysis.readers.safe_pickle.SafeUnpickler`) and the decoded value goes
back to the router, which picks the reader by the value's shape.
"""

from __future__ import annotations

import re

import numpy as np

from analysis.model import LogReadError, Run
from analysis.readers.errors import NotATrainingLog
from analysis.readers.files import read_bytes
from analysis.readers.formats import FileInput, LogFormat
from analysis.readers.rules import dataset_keys, is_metric_name
from analysis.readers.safe_pickle import load_npy, load_pickle, npy_note, pickle_note

#: Extensions of pickled histories (``trainHistoryDict`` has none: sniffed by content).
PICKLE_EXTS = (".pkl", ".pickle", ".p", ".pck", ".pkz")

_PROTOCOL0 = re.compile(r"\s*\((dp|lp)\d")


def is_npy(file: FileInput) -> bool:
    """NumPy's ``.npy`` magic string."""
    return file.head.startswith(b"\x93NUMPY")


def is_npz(file: FileInput) -> bool:
    """A ZIP archive named ``.npz`` (``np.savez``)."""
    return file.head.startswith((b"PK\x03\x04", b"PK\x05\x06")) and file.lower_path.endswith(".npz")


def is_pickle(file: FileInput) -> bool:
    """A pickle: the PROTO opcode of protocols 2-5, a pickle extension on bytes that are
    not JSON, or the ``(dp0``/``(lp0`` opening of a protocol-0 pickle of a dict or list."""
    head = file.head
    if head[:1] == b"\x80" and len(head) > 1 and 2 <= head[1] <= 5:
        return True
    if file.lower_path.endswith(PICKLE_EXTS) and head.lstrip()[:1] not in (b"{", b"["):
        return True
    return bool(_PROTOCOL0.match(file.text))


def read_npy(file: FileInput) -> list[Run]:
    """Runs from an ``np.save`` file (object arrays through the restricted unpickler)."""
    obj = load_npy(read_bytes(file.path), file.path)
    notes = [npy_note()] if isinstance(obj, np.ndarray) and obj.dtype.hasobject else []
    return file.read_value(obj, "npy", notes)


def read_npz(file: FileInput) -> list[Run]:
    """Runs from an ``np.savez`` file: one series per array key; datasets are refused."""
    path = file.path
    try:
        with np.load(path, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
    except Exception as exc:
        msg = " ".join(str(exc).split())
        raise LogReadError(path, f"not a readable .npz of arrays ({msg})"[:300]) from None
    keys = list(arrays)
    dataset = dataset_keys(keys)
    images = [k for k, v in arrays.items() if v.ndim >= 3]
    if (dataset or images) and not any(is_metric_name(k) for k in keys):
        shown = ", ".join(f"{k} {arrays[k].shape}" for k in (dataset or images)[:4])
        raise NotATrainingLog(
            path,
            f"looks like a dataset ({shown}), not a training log — use --data to check a dataset",
        )
    return file.read_value(arrays, "npy", [".npz: one array per key"])


def read_pickle(file: FileInput) -> list[Run]:
    """Runs from a pickle, opened with the restricted unpickler."""
    obj = load_pickle(read_bytes(file.path), file.path)
    return file.read_value(obj, "pickle", [pickle_note()])


FORMATS = (
    LogFormat("npy", "file", is_npy, read_npy, 95, "NumPy .npy (np.save of a history)"),
    LogFormat("npz", "file", is_npz, read_npz, 90, "NumPy .npz (one array per key)"),
    LogFormat("pickle", "file", is_pickle, read_pickle, 70, "a pickled history (restricted)"),
)
