"""Keras ``history.history`` saved as JSON, as a pickle, or with ``np.save``.

``model.fit()`` returns a ``History`` whose ``.history`` dict maps each logged key
(``loss``, ``val_loss``, ``accuracy``/``acc``/``binary_accuracy``..., ``lr`` or
``learning_rate``) to a list with one value per epoch (``keras/callbacks/history.py``).
People save it with ``json.dump`` (which fails on numpy float32, so they convert or
pickle instead), ``pickle.dump``, ``np.save`` (an object array holding the dict) or
``json.dumps`` twice (a JSON string holding the dict).

Decisions, each reported in :attr:`Run.notes`:

- list position = epoch (0-based, as ``History.epoch``); an ``epoch`` key, when
  present, is the x axis instead;
- ``History`` appends a key only in epochs that logged it, so with
  ``fit(validation_freq=f)`` the ``val_*`` lists are shorter: Keras validates when
  ``(epoch + 1) % f == 0`` (``keras/trainers/trainer.py`` ``_should_eval``), so ``n``
  val values for ``L`` epochs give ``f = L // n`` when ``L // f == n``, i.e. val
  points at epochs ``f-1, 2f-1, ...`` (override with ``validation_freq=``);
- a second ``fit()`` stored under prefixed keys (``fine_tune_loss``...) is a key
  group of its own (its own epochs, a run segment);
- scalars (``best_epoch``, ``test_accuracy``) and nested objects are not series;
  counters (``nb_steps``) are kept as axes, not metrics;
- ``None``/``null`` values are NaN (a logged but non-finite epoch).

Pickles are opened with :class:`SafeUnpickler`: only plain containers and numpy
scalars/arrays can be built, anything else is refused with a message naming what
the pickle wanted; never ``pickle.load`` (a pickle can run code on load).
"""

from __future__ import annotations

import codecs
import collections
import io
import json
import pickle
import re

import numpy as np

from analysis import naming
from analysis.model import LogReadError, Run, Series, segment_starts
from analysis.readers._base import finish_run, keras_style, make_series

FORMAT_JSON = "keras-history-json"
FORMAT_PICKLE = "keras-history-pickle"
FORMAT_NPY = "keras-history-npy"

#: The NumPy major version pickles are read under (tests change it to check the
#: NumPy-2-pickle-under-NumPy-1 message).
NUMPY_MAJOR = int(np.__version__.split(".")[0])

#: JSON files larger than this are parsed as a stream of number lists (memory
#: stays near the float64 size of the data); smaller ones in one orjson call.
STREAM_MIN_BYTES = 4 << 20

_ROLE_PREFIXES = ("val_", "validation_", "valid_", "eval_", "test_", "train_", "training_")


# ---------------------------------------------------------------------------
# restricted unpickling
# ---------------------------------------------------------------------------


def _safe_bytes(*args):
    if args and isinstance(args[0], int):
        raise pickle.UnpicklingError("bytes(n) is not allowed")
    return bytes(*args)


def _safe_bytearray(*args):
    if args and isinstance(args[0], int):
        raise pickle.UnpicklingError("bytearray(n) is not allowed")
    return bytearray(*args)


def _safe_encode(obj, encoding="utf-8", errors="strict"):
    """``_codecs.encode`` as protocol-2 pickles use it for bytes (``latin1``)."""
    if not isinstance(obj, str) or str(encoding).lower().replace("_", "-") not in (
        "latin1",
        "latin-1",
        "utf-8",
        "utf8",
        "ascii",
        "iso-8859-1",
    ):
        raise pickle.UnpicklingError("_codecs.encode with these arguments is not allowed")
    return codecs.encode(obj, encoding, errors)


_BUILTINS = {
    "dict": dict,
    "list": list,
    "tuple": tuple,
    "set": set,
    "frozenset": frozenset,
    "float": float,
    "int": int,
    "complex": complex,
    "bool": bool,
    "str": str,
    "bytes": _safe_bytes,
    "bytearray": _safe_bytearray,
}


def _numpy_core(sub: str):
    """numpy's ``_core.<sub>`` (NumPy 2) or ``core.<sub>`` (NumPy 1)."""
    import importlib

    if NUMPY_MAJOR >= 2:
        return importlib.import_module(f"numpy._core.{sub}")
    return importlib.import_module(f"numpy.core.{sub}")


class SafeUnpickler(pickle.Unpickler):
    """An unpickler that can only build plain containers and numpy scalars/arrays.

    Allowed: ``dict``, ``list``, ``tuple``, ``set``, ``frozenset``, numbers, strings,
    bytes (not ``bytes(n)``), ``collections.OrderedDict``, ``numpy.dtype``,
    ``numpy.ndarray`` and numpy's scalar/array reconstructors (``numpy.core`` or
    ``numpy._core``: ``multiarray.scalar``, ``multiarray._reconstruct``,
    ``numeric._frombuffer``), and ``_codecs.encode`` for latin-1 text (protocol 2).
    Anything else raises :class:`pickle.UnpicklingError` naming what was asked for,
    before any of it is imported or called. Follows the "Restricting Globals"
    recipe of the :mod:`pickle` documentation.
    """

    def find_class(self, module: str, name: str):
        if module in ("builtins", "__builtin__") and name in _BUILTINS:
            return _BUILTINS[name]
        if module == "collections" and name == "OrderedDict":
            return collections.OrderedDict
        if module == "_codecs" and name == "encode":
            return _safe_encode
        if module == "numpy" and name == "dtype":
            return np.dtype
        if module == "numpy" and name == "ndarray":
            return np.ndarray
        m = re.fullmatch(r"numpy\.(_?core)\.(multiarray|numeric)", module)
        if m:
            if m.group(1) == "_core" and NUMPY_MAJOR < 2:
                raise _NumpyTooOld()
            sub = m.group(2)
            if (sub, name) in (
                ("multiarray", "scalar"),
                ("multiarray", "_reconstruct"),
                ("numeric", "_frombuffer"),
            ):
                return getattr(_numpy_core(sub), name)
        if module == "numpy.dtypes" and name.endswith("DType"):
            import numpy.dtypes as npd

            cls = getattr(npd, name, None)
            if cls is not None:
                return cls
        raise _Forbidden(module, name)

    def persistent_load(self, pid):
        raise pickle.UnpicklingError("persistent references are not allowed")


class _Forbidden(pickle.UnpicklingError):
    def __init__(self, module: str, name: str) -> None:
        self.what = f"{module}.{name}"
        super().__init__(self.what)


class _NumpyTooOld(pickle.UnpicklingError):
    pass


def safe_unpickle(fh, source: str):
    """Load one pickle from an open binary file with :class:`SafeUnpickler`.

    Raises
    ------
    LogReadError
        Anything the restricted unpickler refuses, or a damaged pickle.
    """
    try:
        return SafeUnpickler(fh, encoding="latin1").load()
    except _NumpyTooOld:
        raise LogReadError(
            source,
            "file was written with NumPy 2 — upgrade NumPy (>= 2) or "
            "re-export the history as JSON/CSV",
        ) from None
    except _Forbidden as exc:
        what = exc.what
        hint = "save history.history (a dict of lists) or export JSON/CSV instead"
        if "keras" in what or "tensorflow" in what:
            reason = (
                f"the pickle holds a Keras/TensorFlow object ({what}); only plain "
                f"containers and numpy values are opened (a pickle can run code) — {hint}"
            )
        elif what.startswith("pandas"):
            reason = (
                f"the pickle holds a pandas object ({what}); only plain containers and "
                "numpy values are opened (a pickle can run code) — save it with "
                "DataFrame.to_csv instead"
            )
        else:
            reason = (
                f"the pickle asks for {what}, which is not allowed: only plain containers "
                f"and numpy values are opened (a pickle can run code) — {hint}"
            )
        raise LogReadError(source, reason) from None
    except RecursionError:
        raise LogReadError(source, "pickle nested too deeply") from None
    except MemoryError:
        raise LogReadError(source, "pickle too large to open") from None
    except Exception as exc:  # damaged pickle: UnpicklingError, EOFError, ValueError...
        msg = " ".join(str(exc).split()) or type(exc).__name__
        raise LogReadError(
            source, f"not a readable pickle ({type(exc).__name__}: {msg})"[:300]
        ) from None


def load_pickle(raw: bytes, source: str):
    """The object in a pickle file (restricted; see :class:`SafeUnpickler`)."""
    return safe_unpickle(io.BytesIO(raw), source)


def load_npy(raw: bytes, source: str):
    """The array in an ``.npy`` file; object arrays go through :class:`SafeUnpickler`."""
    from numpy.lib import format as npfmt

    fh = io.BytesIO(raw)
    try:
        version = npfmt.read_magic(fh)
        if version == (1, 0):
            shape, fortran, dtype = npfmt.read_array_header_1_0(fh)
        elif version == (2, 0):
            shape, fortran, dtype = npfmt.read_array_header_2_0(fh)
        else:
            shape, fortran, dtype = npfmt._read_array_header(fh, version)
    except Exception as exc:
        raise LogReadError(
            source, f"damaged .npy header ({' '.join(str(exc).split())})"[:300]
        ) from None
    if dtype.hasobject:
        arr = safe_unpickle(fh, source)
        if not isinstance(arr, np.ndarray):
            raise LogReadError(source, ".npy object array does not hold an array")
        return arr
    try:
        return np.load(io.BytesIO(raw), allow_pickle=False)
    except Exception as exc:
        raise LogReadError(
            source, f"damaged .npy data ({' '.join(str(exc).split())})"[:300]
        ) from None


# ---------------------------------------------------------------------------
# JSON
# ---------------------------------------------------------------------------


def _json_error(source: str, raw: bytes, exc: Exception) -> LogReadError:
    pos = getattr(exc, "pos", None)
    msg = getattr(exc, "msg", None) or " ".join(str(exc).split())
    if isinstance(pos, int):
        line = raw.count(b"\n", 0, pos) + 1
        return LogReadError(source, f"not valid JSON ({msg})", where=f"line {line}")
    return LogReadError(source, f"not valid JSON ({msg})"[:300])


def parse_json_text(text: str, raw: bytes, source: str):
    """Parse JSON text: orjson, then Python's json (NaN/Infinity), then JSON Lines."""
    import orjson

    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        pass
    try:
        return json.loads(text)
    except RecursionError:
        raise LogReadError(source, "JSON nested too deeply") from None
    except json.JSONDecodeError as exc:
        first_exc = exc
    # JSON Lines: one object per line
    rows = []
    for i, line in enumerate(text.splitlines()):
        line = line.strip()
        if not line:
            continue
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError:
            if i == len(text.splitlines()) - 1 and rows:
                break  # a half-written last line of a live JSON Lines log
            raise _json_error(source, raw, first_exc) from None
        except RecursionError:
            raise LogReadError(source, "JSON nested too deeply") from None
    if len(rows) >= 2 and all(isinstance(r, dict) for r in rows):
        return _JsonLines(rows)
    raise _json_error(source, raw, first_exc)


class _JsonLines(list):
    """Marker: records read from JSON Lines."""


_NONWS = re.compile(rb"[^ \t\r\n]")
_SCALAR_END = re.compile(rb"[,}\]\s]")


class _Stream:
    """A forward-only byte reader with refills, for :func:`stream_numeric_dict`."""

    def __init__(self, fh, block: int) -> None:
        self.fh, self.block = fh, block
        self.buf = b""
        self.pos = 0
        self.eof = False

    def fill(self) -> bool:
        if self.eof:
            return False
        chunk = self.fh.read(self.block)
        if not chunk:
            self.eof = True
            return False
        self.buf = self.buf[self.pos :] + chunk
        self.pos = 0
        return True

    def peek(self) -> bytes:
        while True:
            m = _NONWS.search(self.buf, self.pos)
            if m:
                self.pos = m.start()
                return self.buf[self.pos : self.pos + 1]
            self.pos = len(self.buf)
            if not self.fill():
                return b""

    def take(self, ch: bytes) -> None:
        if self.peek() != ch:
            raise _NotFlat()
        self.pos += 1

    def string(self) -> str:
        import orjson

        start = self.pos
        i = start + 1
        while True:
            j = self.buf.find(b'"', i)
            if j < 0:
                i = len(self.buf)
                rel = i - self.pos
                if not self.fill():
                    raise _NotFlat()
                start, i = 0, rel
                continue
            k = j - 1
            while k > start and self.buf[k] == 0x5C:  # backslash
                k -= 1
            if (j - 1 - k) % 2 == 0:
                s = orjson.loads(self.buf[start : j + 1])
                self.pos = j + 1
                return s
            i = j + 1

    def scalar(self):
        import orjson

        if self.peek() == b'"':
            return self.string()
        while True:
            m = _SCALAR_END.search(self.buf, self.pos)
            if m or self.eof:
                end = m.start() if m else len(self.buf)
                tok = self.buf[self.pos : end]
                self.pos = end
                try:
                    return orjson.loads(tok)
                except orjson.JSONDecodeError:
                    try:
                        return json.loads(tok)
                    except ValueError:
                        raise _NotFlat() from None
            if not self.fill():
                continue

    def number_list(self) -> np.ndarray:
        self.pos += 1  # '['
        parts: list[np.ndarray] = []
        while True:
            j = self.buf.find(b"]", self.pos)
            if j >= 0:
                parts.append(_numbers(self.buf, self.pos, j))
                self.pos = j + 1
                break
            c = self.buf.rfind(b",", self.pos)
            if c > self.pos:
                parts.append(_numbers(self.buf, self.pos, c))
                self.pos = c + 1
            if not self.fill():
                raise _NotFlat()
        parts = [p for p in parts if len(p)]
        if not parts:
            return np.zeros(0)
        return parts[0] if len(parts) == 1 else np.concatenate(parts)


class _NotFlat(Exception):
    """The JSON is not a flat dict of number lists: parse it the ordinary way."""


def _numbers(buf: bytes, a: int, b: int) -> np.ndarray:
    import orjson

    piece = buf[a:b]
    if piece.find(b"[") >= 0 or piece.find(b"{") >= 0 or piece.find(b'"') >= 0:
        raise _NotFlat()
    if not piece.strip():
        return np.zeros(0)
    data = b"[" + piece + b"]"
    try:
        lst = orjson.loads(data)
    except orjson.JSONDecodeError:
        try:
            lst = json.loads(data)  # NaN / Infinity as Python's json writes them
        except ValueError:
            raise _NotFlat() from None
    try:
        return np.array(lst, dtype=np.float64)
    except (TypeError, ValueError):
        raise _NotFlat() from None


def stream_numeric_dict(path: str, block: int = 2 << 20) -> dict | None:
    """Read a large ``{"key": [numbers...], ...}`` JSON file without building Python lists.

    The file is read in blocks; each list is parsed piece by piece with orjson and
    kept as a float64 array, so memory stays near the float64 size of the data
    (``orjson.loads`` on the whole file holds the text plus a Python float object
    per value, about 4-5 times more). Scalars and strings as values are fine.

    Returns
    -------
    dict or None
        None when the file is not of that shape (nested objects, strings in
        lists...): the caller parses it the ordinary way.
    """
    try:
        with open(path, "rb") as fh:
            st = _Stream(fh, block)
            st.fill()
            if st.buf.startswith(b"\xef\xbb\xbf"):
                st.pos = 3
            st.take(b"{")
            out: dict = {}
            if st.peek() == b"}":
                st.pos += 1
            else:
                while True:
                    if st.peek() != b'"':
                        raise _NotFlat()
                    key = st.string()
                    st.take(b":")
                    c = st.peek()
                    if c == b"[":
                        out[key] = st.number_list()
                    elif c in (b"{", b""):
                        raise _NotFlat()
                    else:
                        out[key] = st.scalar()
                    c = st.peek()
                    st.pos += 1
                    if c == b"}":
                        break
                    if c != b",":
                        raise _NotFlat()
            if st.peek() != b"":
                raise _NotFlat()
            return out
    except (_NotFlat, OSError, ValueError, MemoryError):
        return None


# ---------------------------------------------------------------------------
# dict of lists -> run
# ---------------------------------------------------------------------------


def _as_array(v):
    """1-D/2-D float64 array for a list-like value, a float for a number, else None."""
    if isinstance(v, (bool, int, float, np.number, np.bool_)):
        return float(v)
    if isinstance(v, np.ndarray):
        if v.ndim == 0:
            return _as_array(v.item())
        if v.dtype.kind in "fiub":
            return v.astype(np.float64, copy=False) if v.ndim <= 2 else None
        v = v.tolist()
    if isinstance(v, (list, tuple)):
        if len(v) == 0:
            return np.zeros(0)
        try:
            a = np.asarray(v, dtype=np.float64)
        except (TypeError, ValueError, OverflowError):
            return None
        if a.ndim in (1, 2):
            return a
    return None


def _group_prefixes(keys: list[str]) -> list[str]:
    """Prefixes under which a second fit() was stored (``fine_tune_`` in ``fine_tune_loss``)."""
    keyset = set(keys)
    found = []
    cands = set()
    for k in keys:
        for m in re.finditer(r"_", k):
            p = k[: m.end()]
            if p.lower() not in _ROLE_PREFIXES:
                cands.add(p)
    for p in sorted(cands, key=len, reverse=True):
        members = [k for k in keys if k.startswith(p) and len(k) > len(p)]
        if len(members) < 2 or any(k.startswith(q) for q in found for k in members):
            continue
        if all(k[len(p) :] in keyset for k in members):
            found.append(p)
    return found


def infer_validation_freq(n_epochs: int, n_val: int) -> int | None:
    """The ``validation_freq`` f that makes Keras log ``n_val`` values in ``n_epochs`` epochs.

    Keras validates after epoch e (0-based) when ``(e + 1) % f == 0``, so
    ``n_val == n_epochs // f``. The largest such f is returned (None when no
    integer f >= 2 fits; then the lists are simply of different lengths, e.g. a
    run interrupted before its last validation).
    """
    if n_val <= 0 or n_val >= n_epochs:
        return None
    f = n_epochs // n_val
    if f >= 2 and n_epochs // f == n_val:
        return f
    return None


def history_to_run(
    d: dict,
    source: str,
    name: str,
    kind: str,
    pre_notes: list[str],
    validation_freq: int | None = None,
) -> Run:
    """A run from a ``history.history``-like dict of lists.

    Parameters
    ----------
    d : dict
        Key -> list/array of per-epoch values (other values are reported and skipped).
    kind : {"json", "pickle", "npy"}
        How it was stored (for the format name).
    validation_freq : int, optional
        Override the inferred Keras ``validation_freq`` for short ``val_*`` lists.
    """
    notes = list(pre_notes)
    ext_epoch = None
    if isinstance(d.get("history"), dict):
        hist = d["history"]
        if isinstance(d.get("epoch"), (list, tuple, np.ndarray)):
            ext_epoch = _as_array(d["epoch"])
        notes.append(
            "Keras History fields: 'history' holds the metrics"
            + ("; 'epoch' is the x axis" if ext_epoch is not None else "")
        )
        d = hist
    arrays: dict[str, np.ndarray] = {}
    scalars: list[str] = []
    others: list[str] = []
    for k, v in d.items():
        k = str(k)
        a = _as_array(v)
        if a is None:
            others.append(k)
        elif isinstance(a, float):
            scalars.append(f"{k}={_short(a)}")
        elif a.ndim == 2:
            for j in range(a.shape[1]):
                arrays[f"{k}[{j}]"] = a[:, j]
            notes.append(f"{k!r} holds {a.shape[1]} values per epoch: one series per element")
        else:
            arrays[k] = a
    epoch_key = next((k for k in arrays if k.strip().lower() in ("epoch", "epochs")), None)
    if epoch_key is not None:
        ext_epoch = arrays.pop(epoch_key)
        notes.append(f"key {epoch_key!r} is the x axis (excluded)")
    axes_keys = [k for k in arrays if naming.is_counter(k)]
    groups = _group_prefixes(list(arrays))
    group_of = {}
    for k in arrays:
        group_of[k] = next((p for p in groups if k.startswith(p)), "")
    meta: dict = {}
    series: dict[str, Series] = {}
    axes: dict[str, Series] = {}
    lengths = sorted({len(a) for a in arrays.values()})
    inferred: dict[int, tuple[int, list[str]]] = {}
    # series of the same length share one x array (and its segments): no copy per key
    shared: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = {}
    for g in [""] + groups:
        keys = [k for k in arrays if group_of[k] == g]
        if not keys:
            continue
        L = (
            max(len(arrays[k]) for k in keys if k not in axes_keys)
            if any(k not in axes_keys for k in keys)
            else max(len(arrays[k]) for k in keys)
        )
        gx = ext_epoch if (g == "" and ext_epoch is not None) else None
        for k in keys:
            a = arrays[k]
            n = len(a)
            pos = None
            if n < L and naming.role(k) == "val" and n > 0:
                f = validation_freq or infer_validation_freq(L, n)
                if f:
                    pos = (np.arange(n, dtype=np.float64) + 1) * f - 1
                    if pos[-1] >= L:
                        pos = None
                    else:
                        inferred.setdefault(f, (L, []))[1].append(k)
            if pos is None:
                key = (n, id(gx))
                if key not in shared:
                    step = np.arange(n, dtype=np.float64)
                    if gx is not None and len(gx) >= n:
                        step = np.asarray(gx[:n], dtype=np.float64)
                    shared[key] = (step, segment_starts(step))
                step, segs = shared[key]
                s = make_series(k, step, a, segs=segs)
            else:
                if gx is not None and n and len(gx) > int(pos[-1]):
                    step = gx[pos.astype(np.int64)]
                else:
                    step = pos
                s = make_series(k, step, a)
            if k in axes_keys:
                axes[k] = s
            else:
                series[k] = s
    for f, (L, keys) in inferred.items():
        meta["validation_freq"] = f
        for k in keys:
            n = len(arrays[k])
            at = ", ".join(str(int((i + 1) * f - 1)) for i in range(min(n, 6)))
            notes.append(
                f"{k} has {n} values for {L} epochs; assumed validation every {f} epochs "
                f"(Keras validates when (epoch+1) % validation_freq == 0: epochs {at}"
                f"{', ...' if n > 6 else ''}); pass validation_freq= to override"
            )
    if groups:
        meta["key_groups"] = [""] + groups
        notes.append(
            f"segments = key groups {[''] + groups} (a second fit() stored under a prefix; each "
            f"group has its own epochs: "
            + ", ".join(f"{k}={len(arrays[k])}" for k in arrays if k not in axes_keys)
            + ")"
        )
    if ext_epoch is None:
        notes.append(f"dict of lists (lengths {lengths}); no epoch key, list position = epoch")
    else:
        meta["explicit_steps"] = True
    if len(lengths) > 1 and not inferred and not groups:
        notes.append("lists of different lengths: each drawn from epoch 0")
    if scalars or others:
        notes.append("non-series/metadata keys excluded: " + ", ".join(scalars + others))
    if axes:
        notes.append("counters kept as axes, not metrics: " + ", ".join(axes))
    fmt = {"json": FORMAT_JSON, "pickle": FORMAT_PICKLE, "npy": FORMAT_NPY}[kind]
    if not keras_style(series):
        fmt = fmt.replace("keras-", "custom-")
    run = Run(
        name=name,
        source=source,
        format=fmt,
        series=series,
        step_kind="epoch",
        notes=notes,
        axes=axes,
        meta=meta,
    )
    run = finish_run(run)
    if groups:
        run.segments = max(run.segments, 1 + len(groups))
    return run


def _short(x: float) -> str:
    if float(x).is_integer() and abs(x) < 1e15:
        return str(int(x))
    return repr(float(x))


def _array_refusal(obj: np.ndarray) -> str | None:
    """Why a plain numeric array is not a training history (see :mod:`.rules`), or None."""
    from analysis.readers.rules import MAX_HISTORY_COLUMNS

    if obj.ndim >= 3:
        return (
            f"an array of shape {obj.shape} (images or a dataset?), not a training "
            "history — use --data to check a dataset"
        )
    if obj.dtype.kind in "iub":
        return (
            f"an array of whole numbers ({obj.dtype}, shape {obj.shape}): class labels "
            "or ids, not a training history (curves are floats)"
        )
    if obj.ndim == 2 and obj.shape[1] > MAX_HISTORY_COLUMNS:
        return (
            f"an array of shape {obj.shape} ({obj.shape[1]} columns: a feature matrix?), "
            "not a training history"
        )
    return None


def _check_history_run(run: Run, obj: dict, source: str) -> Run:
    """Refuse a dict-built run without curves (:class:`NotATrainingLog`, rules in :mod:`.rules`)."""
    from analysis.readers._base import NotATrainingLog
    from analysis.readers.rules import dataset_keys, is_metric_name

    keys = ", ".join(list(map(str, obj))[:8]) + (", ..." if len(obj) > 8 else "")
    if not run.series:
        raise NotATrainingLog(
            source,
            f"no list of numbers in the dict (keys: {keys}): "
            "settings or metadata, not a training history",
        )
    if all(len(s) == 0 for s in run.series.values()):
        raise NotATrainingLog(
            source, f"no training curves: every list in the dict is empty (keys: {keys})"
        )
    names = list(run.series)
    if not any(is_metric_name(k) for k in names):
        ds = dataset_keys(names)
        if ds:
            raise NotATrainingLog(
                source,
                f"looks like a dataset (keys {', '.join(ds[:4])}), "
                "not a training history — use --data to check it",
            )
        whole = all(
            np.all(np.mod(v[np.isfinite(v)], 1) == 0)
            for v in (s.value for s in run.series.values())
        )
        if whole:
            raise NotATrainingLog(
                source,
                "only lists of whole numbers under names that are "
                f"not metrics (keys: {keys}): ids or settings, not "
                "a training history",
            )
    return run


def obj_to_runs(
    obj,
    source: str,
    name: str,
    kind: str,
    notes: list[str],
    validation_freq: int | None = None,
    depth: int = 0,
) -> list[Run]:
    """Runs from a decoded JSON value or unpickled object.

    Raises
    ------
    NotATrainingLog
        The value holds no curves (rules in :mod:`analysis.readers.rules`).
    LogReadError
        Nested too deeply; a malformed TensorBoard JSON export.
    """
    from analysis.readers import hf, tbexport
    from analysis.readers._base import NotATrainingLog

    if depth > 3:
        raise LogReadError(source, "nested too deeply to be a training history")
    if isinstance(obj, np.ndarray):
        if obj.dtype.hasobject and obj.ndim == 0:
            return obj_to_runs(obj.item(), source, name, kind, notes, validation_freq, depth + 1)
        if obj.dtype.names:
            d = {n: obj[n] for n in obj.dtype.names}
            run = history_to_run(
                d,
                source,
                name,
                kind,
                notes + ["structured array: one series per field"],
                validation_freq,
            )
            return [_check_history_run(run, d, source)]
        if obj.dtype.kind in "fiub" and obj.size:
            why = _array_refusal(obj)
            if why:
                raise NotATrainingLog(source, why)
        if obj.dtype.kind in "fiub" and obj.ndim in (1, 2) and obj.size:
            d = (
                {name: obj}
                if obj.ndim == 1
                else {f"{name}[{j}]": obj[:, j] for j in range(obj.shape[1])}
            )
            return [
                history_to_run(
                    d,
                    source,
                    name,
                    kind,
                    notes + ["a plain array: one series per column"],
                    validation_freq,
                )
            ]
        if obj.dtype.hasobject and obj.ndim == 1:
            return obj_to_runs(obj.tolist(), source, name, kind, notes, validation_freq, depth + 1)
        if obj.size == 0:
            raise NotATrainingLog(source, f"an empty array (shape {obj.shape}): no training curves")
        raise NotATrainingLog(
            source, f"an array of shape {obj.shape} and dtype {obj.dtype} is not a training history"
        )
    if isinstance(obj, str):
        import orjson

        try:
            inner = orjson.loads(obj)
        except orjson.JSONDecodeError:
            try:
                inner = json.loads(obj)
            except (ValueError, RecursionError):
                raise NotATrainingLog(source, "holds a string, not a training history") from None
        return obj_to_runs(
            inner,
            source,
            name,
            kind,
            notes + ["a JSON string holding the history (json.dumps applied twice)"],
            validation_freq,
            depth + 1,
        )
    if isinstance(obj, dict):
        if not obj:
            raise NotATrainingLog(source, "an empty dict: no metrics")
        if hf.is_trainer_state(obj):
            top = {k: v for k, v in obj.items() if k != "log_history"}
            return [hf.records_to_run(obj["log_history"], source, name, notes, hf=True, top=top)]
        if all(isinstance(v, dict) for v in obj.values()) and not isinstance(
            obj.get("history"), dict
        ):
            runs = []
            for k, v in obj.items():
                try:
                    runs.extend(
                        obj_to_runs(
                            v,
                            source,
                            str(k),
                            kind,
                            notes + [f"run {k!r} of a dict of histories"],
                            validation_freq,
                            depth + 1,
                        )
                    )
                except LogReadError:
                    continue
            if runs:
                return runs
            raise NotATrainingLog(
                source,
                "a dict of objects, none of them a training history "
                "(keys: " + ", ".join(list(map(str, obj))[:8]) + ")",
            )
        run = history_to_run(obj, source, name, kind, notes, validation_freq)
        inner = obj["history"] if isinstance(obj.get("history"), dict) else obj
        return [_check_history_run(run, inner, source)]
    if isinstance(obj, (list, tuple)):
        if not obj:
            raise NotATrainingLog(source, "an empty list: no metrics")
        if kind == "json" and tbexport.is_tb_json(obj):
            return [tbexport.json_to_run(obj, source, name, notes)]
        if all(isinstance(r, dict) for r in obj[:100]):
            if isinstance(obj, _JsonLines):
                notes = notes + ["JSON Lines: one record per line"]
            return [hf.records_to_run(list(obj), source, name, notes)]
        a = _as_array(list(obj))
        if isinstance(a, np.ndarray):
            return obj_to_runs(a, source, name, kind, notes, validation_freq, depth + 1)
        raise NotATrainingLog(
            source, "a list that is neither numbers nor records, not a training history"
        )
    raise NotATrainingLog(source, f"holds a {type(obj).__name__}, not a training history")


def read_json(
    path: str,
    raw: bytes | None,
    size: int,
    name: str,
    notes: list[str],
    validation_freq: int | None = None,
) -> list[Run]:
    """Runs from a JSON file (history dict, trainer_state, TensorBoard export, records)."""
    from analysis.readers._base import decode_text

    if raw is None and size >= STREAM_MIN_BYTES:
        d = stream_numeric_dict(path)
        if d is not None:
            return obj_to_runs(d, path, name, "json", notes, validation_freq)
    if raw is None:
        from analysis.readers._base import read_bytes

        raw = read_bytes(path)
    text, tnotes = decode_text(raw, path)
    if not text.strip():
        raise LogReadError(path, "the file is empty")
    obj = parse_json_text(text, raw, path)
    return obj_to_runs(obj, path, name, "json", notes + tnotes, validation_freq)


def pickle_note() -> str:
    return (
        "opened with a restricted unpickler (plain containers and numpy scalars/arrays "
        "only); pickles from untrusted sources can run code in other tools — prefer JSON/CSV"
    )


def npy_note() -> str:
    return pickle_note().replace("opened with", ".npy object array opened with")


__all__ = [
    "SafeUnpickler",
    "safe_unpickle",
    "load_pickle",
    "load_npy",
    "history_to_run",
    "obj_to_runs",
    "read_json",
    "infer_validation_freq",
    "stream_numeric_dict",
]
