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
from analysis.model import LogReadError, Run, Series, segment_starts
from analysis.readers import json_stream
from analysis.readers.errors import NotATrainingLog
from analysis.readers.files import read_bytes
from analysis.readers.json_stream import JsonLines, parse_json_text, stream_numeric_dict
from analysis.readers.rules import MAX_HISTORY_COLUMNS, dataset_keys, is_metric_name
from analysis.readers.series_build import finish_run, keras_style, make_series
from analysis.readers.text import decode_text

FORMAT_JSON = "keras-history-json"
FORMAT_PICKLE = "keras-history-pickle"
FORMAT_NPY = "keras-history-npy"

_ROLE_PREFIXES = ("val_", "validation_", "valid_", "eval_", "test_", "train_", "training_")

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
            if isinstance(obj, JsonLines):
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
    if raw is None and size >= json_stream.STREAM_MIN_BYTES:
        d = stream_numeric_dict(path)
        if d is not None:
            return obj_to_runs(d, path, name, "json", notes, validation_freq)
    if raw is None:
        raw = read_bytes(path)
    text, tnotes = decode_text(raw, path)
    if not text.strip():
        raise LogReadError(path, "the file is empty")
    obj = parse_json_text(text, raw, path)
    return obj_to_runs(obj, path, name, "json", notes + tnotes, validation_freq)
