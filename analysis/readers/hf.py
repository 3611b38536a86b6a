"""Hugging Face ``trainer_state.json`` and other lists of per-step records.

``transformers.Trainer`` saves ``trainer_state.json`` in every checkpoint folder;
its ``log_history`` is a list of dicts, one per ``log()`` call
(``transformers/trainer.py``):

- train rows: ``loss``, ``grad_norm``, ``learning_rate`` (+ TRL keys such as
  ``rewards/margins``, ``mean_token_accuracy``), with ``epoch`` (fractional) and ``step``;
- eval rows: ``eval_loss``, ``eval_<metric>``, and throughput ``eval_runtime``,
  ``eval_samples_per_second``, ``eval_steps_per_second`` (several eval sets give
  ``eval_<set>_*`` rows of their own);
- a final summary row: ``train_loss`` (the *average* over the run), ``train_runtime``,
  ``total_flos``, ``train_samples_per_second``...

Decisions: x = ``step`` and :attr:`Series.epoch` = ``epoch``; the summary row is not a
point; runtime/throughput/token counters are bookkeeping, not curves
(:func:`analysis.naming.is_counter`); every other numeric key is a series named as
logged. The same record logic reads JSON lists of dicts and JSON Lines logs.
"""

from __future__ import annotations

import math
from numbers import Real

import numpy as np

from analysis import naming
from analysis.model import Run
from analysis.readers.columns import axis_kind
from analysis.readers.errors import NotATrainingLog
from analysis.readers.rules import is_metric_name
from analysis.readers.series_build import finish_run, keras_style, make_series

FORMAT = "hf-trainer-state"
FORMAT_RECORDS = "json-records"

_SUMMARY_KEYS = ("train_runtime", "total_flos")


def _num(v) -> float | None:
    if isinstance(v, bool):
        return float(v)
    if isinstance(v, Real):
        return float(v)
    if v is None:
        return math.nan
    return None


def records_to_run(
    rows: list,
    source: str,
    name: str,
    pre_notes: list[str],
    hf: bool = False,
    top: dict | None = None,
) -> Run:
    """A run from a list of per-step dicts.

    Parameters
    ----------
    rows : list of dict
        ``log_history`` entries or JSON records.
    hf : bool
        Apply the Trainer decisions (summary row, bookkeeping keys).
    top : dict, optional
        The rest of ``trainer_state.json`` (``global_step``, ``max_steps``,
        ``best_metric``...), for notes and :attr:`Run.meta`.
    """
    notes = list(pre_notes)
    keys_order: list[str] = []
    data: dict[str, tuple[list, list, list]] = {}
    bookkeeping: set[str] = set()
    skipped_non_numeric: set[str] = set()
    n_train = n_eval = n_summary = 0
    summary_loss = None
    xstep_key = xepoch_key = None
    dict_rows = [r for r in rows if isinstance(r, dict)]
    if len(dict_rows) != len(rows):
        notes.append(f"{len(rows) - len(dict_rows)} entries that are not objects skipped")
    # which keys are the x axes
    for r in dict_rows[:200]:
        for k in r:
            kind = axis_kind(k)
            if kind == "step" and xstep_key is None:
                xstep_key = k
            elif kind == "epoch" and xepoch_key is None:
                xepoch_key = k
    for i, r in enumerate(dict_rows):
        if hf and any(k in r for k in _SUMMARY_KEYS):
            n_summary += 1
            if isinstance(r.get("train_loss"), Real):
                summary_loss = float(r["train_loss"])
            bookkeeping.update(k for k in r if k not in (xstep_key, xepoch_key))
            continue
        if hf:
            if any(k.startswith("eval_") for k in r):
                n_eval += 1
            elif "loss" in r:
                n_train += 1
        st = _num(r.get(xstep_key)) if xstep_key else None
        if st is None or (isinstance(st, float) and math.isnan(st)):
            st = float(i) if xstep_key is None else math.nan
        ep = _num(r.get(xepoch_key)) if xepoch_key else None
        if xstep_key is None and ep is not None and not math.isnan(ep):
            st = ep
        for k, v in r.items():
            if k in (xstep_key, xepoch_key):
                continue
            if hf and naming.is_counter(k):
                bookkeeping.add(k)
                continue
            x = _num(v)
            if x is None:
                skipped_non_numeric.add(k)
                continue
            if k not in data:
                data[k] = ([], [], [])
                keys_order.append(k)
            s, e, val = data[k]
            s.append(st)
            e.append(math.nan if ep is None else ep)
            val.append(x)
    _refuse_without_curves(source, hf, keys_order, xstep_key, xepoch_key, data, top)
    series = {}
    axes = {}
    for k in keys_order:
        s, e, val = data[k]
        step = np.asarray(s, dtype=np.float64)
        if np.isnan(step).any():
            step = np.where(np.isnan(step), np.arange(len(step)), step)
        epoch = np.asarray(e, dtype=np.float64) if xepoch_key else None
        ser = make_series(k, step, np.asarray(val, dtype=np.float64), epoch=epoch)
        if not hf and naming.is_counter(k):
            axes[k] = ser
        else:
            series[k] = ser
    if hf:
        notes.append(
            f"log_history: {len(rows)} rows = {n_train} train rows (loss), {n_eval} "
            f"eval rows, {n_summary} summary row(s); x axis step/epoch excluded"
        )
        if summary_loss is not None:
            notes.append(
                f"final summary row excluded (train_loss={summary_loss!r} is the run "
                "average, not a point)"
            )
        if bookkeeping:
            notes.append("bookkeeping keys excluded: " + ", ".join(sorted(bookkeeping)))
    else:
        notes.append(
            f"{len(dict_rows)} records; x axis "
            f"{xstep_key or xepoch_key or 'record position'!r} excluded"
        )
    if axes:
        notes.append("counters kept as axes, not metrics: " + ", ".join(axes))
    if skipped_non_numeric:
        notes.append("non-numeric keys skipped: " + ", ".join(sorted(skipped_non_numeric)))
    meta: dict = {}
    if top:
        for k in (
            "global_step",
            "max_steps",
            "num_train_epochs",
            "best_metric",
            "best_model_checkpoint",
            "best_global_step",
            "logging_steps",
            "eval_steps",
        ):
            if k in top and isinstance(top[k], (str, int, float)) and not isinstance(top[k], bool):
                meta[k] = top[k]
        gs, ms = top.get("global_step"), top.get("max_steps")
        if isinstance(gs, int) and isinstance(ms, int) and 0 < gs < ms:
            notes.append(f"mid-run checkpoint: global_step {gs} of max_steps {ms}")
    if hf:
        fmt = FORMAT
    else:
        fmt = "keras-history-json" if keras_style(series) and xstep_key is None else FORMAT_RECORDS
    step_kind = "step" if (hf or xstep_key) else "epoch"
    run = Run(
        name=name,
        source=source,
        format=fmt,
        series=series,
        step_kind=step_kind,
        notes=notes,
        axes=axes,
        meta=meta,
    )
    return finish_run(run)


def _refuse_without_curves(
    source: str,
    hf: bool,
    keys: list[str],
    xstep_key: str | None,
    xepoch_key: str | None,
    data: dict,
    top: dict | None,
) -> None:
    """Refuse records that hold no curve (:class:`NotATrainingLog`).

    Hugging Face: an empty ``log_history`` (a state saved before the first
    ``logging_steps``). Other records (JSON Lines, a JSON list of objects): no
    numeric key, or neither an epoch/step key nor a key named like a metric
    (:func:`analysis.readers.rules.is_metric_name`) — e.g. a list of per-file
    reference values kept next to a set of logs.
    """
    curves = [k for k in keys if not naming.is_counter(k)]
    if hf:
        if not curves:
            raise NotATrainingLog(
                source, "log_history has no logged values yet: no training curves"
            )
        return
    if not keys:
        raise NotATrainingLog(source, "records without any numeric value: not a training log")
    if xstep_key is None and xepoch_key is None and not any(is_metric_name(k) for k in keys):
        shown = ", ".join(keys[:6]) + (", ..." if len(keys) > 6 else "")
        raise NotATrainingLog(
            source,
            f"records without an epoch/step key or a metric-named key "
            f"(numeric keys: {shown}): not a training log",
        )


def is_trainer_state(obj) -> bool:
    return isinstance(obj, dict) and isinstance(obj.get("log_history"), list)
