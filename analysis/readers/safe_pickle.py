"""Opening pickles and ``.npy`` files without running code from them.

Pickles are opened with :class:`SafeUnpickler`: only plain containers and numpy
scalars/arrays can be built, anything else is refused with a message naming what
the pickle wanted; never ``pickle.load`` (a pickle can run code on load). Follows the
"Restricting Globals" recipe of the :mod:`pickle` documentation.
"""

from __future__ import annotations

import codecs
import collections
import io
import pickle
import re

import numpy as np

from analysis.model import LogReadError

#: The NumPy major version pickles are read under (tests change it to check the
#: NumPy-2-pickle-under-NumPy-1 message).
NUMPY_MAJOR = int(np.__version__.split(".")[0])


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


def pickle_note() -> str:
    """The note of every run read from a pickle."""
    return (
        "opened with a restricted unpickler (plain containers and numpy scalars/arrays "
        "only); pickles from untrusted sources can run code in other tools — prefer JSON/CSV"
    )


def npy_note() -> str:
    """The note of every run read from a ``.npy`` object array."""
    return pickle_note().replace("opened with", ".npy object array opened with")
