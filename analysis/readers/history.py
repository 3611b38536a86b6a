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

Pickles are opened with :class:`~analysis.readers.safe_pickle.SafeUnpickler` (no code
from the file is run).
"""

from __future__ import annotations

import json
import re

import numpy as np

from analysis import naming
from analysis.model import Run, Series, segment_starts
from analysis.readers.errors import NotATrainingLog
from analysis.readers.formats import LogFormat, ValueInput
from analysis.readers.rules import MAX_HISTORY_COLUMNS, dataset_keys, is_metric_name
from analysis.readers.series_build import finish_run, keras_style, make_series

FORMAT_JSON = "keras-history-json"
FORMAT_PICKLE = "keras-history-pickle"
FORMAT_NPY = "keras-history-npy"

_ROLE_PREFIXES = ("val_", "validation_", "valid_", "eval_", "test_", "train_", "training_")

# ---------------------------------------------------------------------------
# dict of lists -> run
# ---------------------------------------------------------------------------


def as_float_array(v):
    """1-D/2-D float64 array for a list-like value, a float for a number, else None."""
    if isinstance(v, (bool, int, float, np.number, np.bool_)):
        return float(v)
    if isinstance(v, np.ndarray):
        if v.ndim == 0:
            return as_float_array(v.item())
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
    d, epochs = _unwrap_history_object(d, notes)
    arrays, excluded = _curve_arrays(d, notes)
    epoch_key = next((k for k in arrays if k.strip().lower() in ("epoch", "epochs")), None)
    if epoch_key is not None:
        epochs = arrays.pop(epoch_key)
        notes.append(f"key {epoch_key!r} is the x axis (excluded)")
    axes_keys = [k for k in arrays if naming.is_counter(k)]
    groups = _group_prefixes(list(arrays))
    series, axes, inferred = _place_series(arrays, axes_keys, groups, epochs, validation_freq)
    meta: dict = {}
    _validation_freq_notes(arrays, inferred, notes, meta)
    if groups:
        meta["key_groups"] = [""] + groups
        notes.append(
            f"segments = key groups {[''] + groups} (a second fit() stored under a prefix; each "
            f"group has its own epochs: "
            + ", ".join(f"{k}={len(arrays[k])}" for k in arrays if k not in axes_keys)
            + ")"
        )
    lengths = sorted({len(a) for a in arrays.values()})
    if epochs is None:
        notes.append(f"dict of lists (lengths {lengths}); no epoch key, list position = epoch")
    else:
        meta["explicit_steps"] = True
    if len(lengths) > 1 and not inferred and not groups:
        notes.append("lists of different lengths: each drawn from epoch 0")
    if excluded:
        notes.append("non-series/metadata keys excluded: " + ", ".join(excluded))
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


def _unwrap_history_object(d: dict, notes: list[str]) -> tuple[dict, np.ndarray | None]:
    """The metrics dict of a pickled ``History`` object's fields (``history``, ``epoch``)."""
    if not isinstance(d.get("history"), dict):
        return d, None
    epochs = None
    if isinstance(d.get("epoch"), (list, tuple, np.ndarray)):
        epochs = as_float_array(d["epoch"])
    notes.append(
        "Keras History fields: 'history' holds the metrics"
        + ("; 'epoch' is the x axis" if epochs is not None else "")
    )
    return d["history"], epochs


def _curve_arrays(d: dict, notes: list[str]) -> tuple[dict[str, np.ndarray], list[str]]:
    """One float64 array per list value (a 2-D value gives one per column), and the keys
    left out (scalars shown with their value, then other objects)."""
    arrays: dict[str, np.ndarray] = {}
    scalars: list[str] = []
    others: list[str] = []
    for k, v in d.items():
        k = str(k)
        a = as_float_array(v)
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
    return arrays, scalars + others


def _place_series(
    arrays: dict[str, np.ndarray],
    axes_keys: list[str],
    groups: list[str],
    epochs: np.ndarray | None,
    validation_freq: int | None,
) -> tuple[dict[str, Series], dict[str, Series], dict[int, tuple[int, list[str]]]]:
    """Series (and counter axes) of every key group, each on its own epochs.

    Returns
    -------
    (series, axes, inferred)
        ``inferred`` maps a validation frequency to ``(epochs, val keys)`` placed with it.
    """
    group_of = {k: next((p for p in groups if k.startswith(p)), "") for k in arrays}
    series: dict[str, Series] = {}
    axes: dict[str, Series] = {}
    inferred: dict[int, tuple[int, list[str]]] = {}
    # series of the same length share one x array (and its segments): no copy per key
    shared: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = {}
    for g in [""] + groups:
        keys = [k for k in arrays if group_of[k] == g]
        if not keys:
            continue
        curves = [k for k in keys if k not in axes_keys]
        n_epochs = max(len(arrays[k]) for k in (curves or keys))
        group_x = epochs if (g == "" and epochs is not None) else None
        for k in keys:
            positions, freq = _validation_positions(k, len(arrays[k]), n_epochs, validation_freq)
            if positions is not None:
                inferred.setdefault(freq, (n_epochs, []))[1].append(k)
            s = _key_series(k, arrays[k], positions, group_x, shared)
            (axes if k in axes_keys else series)[k] = s
    return series, axes, inferred


def _validation_positions(
    key: str, n: int, n_epochs: int, validation_freq: int | None
) -> tuple[np.ndarray | None, int | None]:
    """``(epochs, frequency)`` of a short ``val_*`` list under Keras' ``validation_freq``
    rule (module docstring), or ``(None, None)``."""
    if not (0 < n < n_epochs and naming.role(key) == "val"):
        return None, None
    f = validation_freq or infer_validation_freq(n_epochs, n)
    if not f:
        return None, None
    positions = (np.arange(n, dtype=np.float64) + 1) * f - 1
    return (None, None) if positions[-1] >= n_epochs else (positions, f)


def _key_series(
    key: str,
    values: np.ndarray,
    positions: np.ndarray | None,
    group_x: np.ndarray | None,
    shared: dict,
) -> Series:
    """The series of one key: at list positions (or the logged epochs), or at ``positions``."""
    n = len(values)
    if positions is None:
        shared_key = (n, id(group_x))
        if shared_key not in shared:
            step = np.arange(n, dtype=np.float64)
            if group_x is not None and len(group_x) >= n:
                step = np.asarray(group_x[:n], dtype=np.float64)
            shared[shared_key] = (step, segment_starts(step))
        step, segs = shared[shared_key]
        return make_series(key, step, values, segs=segs)
    if group_x is not None and n and len(group_x) > int(positions[-1]):
        step = group_x[positions.astype(np.int64)]
    else:
        step = positions
    return make_series(key, step, values)


def _validation_freq_notes(
    arrays: dict[str, np.ndarray], inferred: dict, notes: list[str], meta: dict
) -> None:
    """Say which ``val_*`` lists were placed by an inferred ``validation_freq``."""
    for f, (n_epochs, keys) in inferred.items():
        meta["validation_freq"] = f
        for k in keys:
            n = len(arrays[k])
            at = ", ".join(str(int((i + 1) * f - 1)) for i in range(min(n, 6)))
            notes.append(
                f"{k} has {n} values for {n_epochs} epochs; assumed validation every {f} epochs "
                f"(Keras validates when (epoch+1) % validation_freq == 0: epochs {at}"
                f"{', ...' if n > 6 else ''}); pass validation_freq= to override"
            )


def _short(x: float) -> str:
    if float(x).is_integer() and abs(x) < 1e15:
        return str(int(x))
    return repr(float(x))


def _array_refusal(obj: np.ndarray) -> str | None:
    """Why a plain numeric array is not a training history (see :mod:`.rules`), or None."""
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


# ---------------------------------------------------------------------------
# value-level formats
# ---------------------------------------------------------------------------


def is_history_dict(obj, value_input: ValueInput) -> bool:
    """A dict (``history.history``, or a pickled ``History``'s fields)."""
    return isinstance(obj, dict)


def read_history_dict(obj: dict, value_input: ValueInput) -> list[Run]:
    """The run of a ``history.history``-like dict; refused when it holds no curves."""
    v = value_input
    run = history_to_run(obj, v.source, v.name, v.container, v.notes, v.validation_freq)
    inner = obj["history"] if isinstance(obj.get("history"), dict) else obj
    return [_check_history_run(run, inner, v.source)]


def is_history_array(obj, value_input: ValueInput) -> bool:
    """A structured array, or a non-empty numeric array."""
    return isinstance(obj, np.ndarray) and bool(
        obj.dtype.names or (obj.dtype.kind in "fiub" and obj.size)
    )


def read_history_array(obj: np.ndarray, value_input: ValueInput) -> list[Run]:
    """One series per field of a structured array, or per column of a 1-D/2-D array.

    Raises
    ------
    NotATrainingLog
        Images, class labels, a feature matrix (:func:`_array_refusal`), or an array of
        another rank.
    """
    v = value_input
    if obj.dtype.names:
        d = {n: obj[n] for n in obj.dtype.names}
        notes = v.notes + ["structured array: one series per field"]
        run = history_to_run(d, v.source, v.name, v.container, notes, v.validation_freq)
        return [_check_history_run(run, d, v.source)]
    why = _array_refusal(obj)
    if why:
        raise NotATrainingLog(v.source, why)
    if obj.ndim not in (1, 2):
        raise NotATrainingLog(
            v.source,
            f"an array of shape {obj.shape} and dtype {obj.dtype} is not a training history",
        )
    if obj.ndim == 1:
        d = {v.name: obj}
    else:
        d = {f"{v.name}[{j}]": obj[:, j] for j in range(obj.shape[1])}
    notes = v.notes + ["a plain array: one series per column"]
    return [history_to_run(d, v.source, v.name, v.container, notes, v.validation_freq)]


def is_dict_of_histories(obj) -> bool:
    """A non-empty dict whose values are all dicts (and not a ``History``'s fields): one
    history per key (``{"adam": {...}, "sgd": {...}}``)."""
    return (
        isinstance(obj, dict)
        and bool(obj)
        and all(isinstance(v, dict) for v in obj.values())
        and not isinstance(obj.get("history"), dict)
    )


def decode_json_string(text: str, source: str):
    """The value of a JSON document stored as a string (``json.dumps`` applied twice).

    Raises
    ------
    NotATrainingLog
        The string is not JSON.
    """
    import orjson

    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        try:
            return json.loads(text)
        except (ValueError, RecursionError):
            raise NotATrainingLog(source, "holds a string, not a training history") from None


FORMATS = (
    LogFormat(
        "keras-history",
        "value",
        is_history_dict,
        read_history_dict,
        10,
        "a dict of per-epoch lists (Keras history.history)",
    ),
    LogFormat(
        "keras-history-array",
        "value",
        is_history_array,
        read_history_array,
        10,
        "a numeric or structured array (np.save of curves)",
    ),
)
