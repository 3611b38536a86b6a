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
import os
import re
from numbers import Real

import numpy as np

from analysis import naming
from analysis.model import Run, Series
from analysis.readers.columns import axis_kind
from analysis.readers.errors import NotATrainingLog
from analysis.readers.formats import FolderLayout, FolderReading, FolderUnit, LogFormat, ValueInput
from analysis.readers.json_stream import JsonLines
from analysis.readers.names import dir_run_name, rel_path
from analysis.readers.rules import is_metric_name
from analysis.readers.series_build import finish_run, keras_style, make_series

FORMAT = "hf-trainer-state"
FORMAT_RECORDS = "json-records"

_SUMMARY_KEYS = ("train_runtime", "total_flos")
#: ``trainer_state.json`` fields kept in :attr:`Run.meta`.
_META_KEYS = (
    "global_step",
    "max_steps",
    "num_train_epochs",
    "best_metric",
    "best_model_checkpoint",
    "best_global_step",
    "logging_steps",
    "eval_steps",
)
_CHECKPOINT_DIR = re.compile(r"checkpoint-(\d+)$")


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
    dict_rows = [r for r in rows if isinstance(r, dict)]
    if len(dict_rows) != len(rows):
        notes.append(f"{len(rows) - len(dict_rows)} entries that are not objects skipped")
    cols = _Columns(dict_rows, hf)
    _refuse_without_curves(source, hf, cols.order, cols.step_key, cols.epoch_key, cols.data, top)
    series, axes = cols.series(hf)
    if hf:
        notes.append(
            f"log_history: {len(rows)} rows = {cols.n_train} train rows (loss), {cols.n_eval} "
            f"eval rows, {cols.n_summary} summary row(s); x axis step/epoch excluded"
        )
        if cols.summary_loss is not None:
            notes.append(
                f"final summary row excluded (train_loss={cols.summary_loss!r} is the run "
                "average, not a point)"
            )
        if cols.bookkeeping:
            notes.append("bookkeeping keys excluded: " + ", ".join(sorted(cols.bookkeeping)))
    else:
        notes.append(
            f"{len(dict_rows)} records; x axis "
            f"{cols.step_key or cols.epoch_key or 'record position'!r} excluded"
        )
    if axes:
        notes.append("counters kept as axes, not metrics: " + ", ".join(axes))
    if cols.non_numeric:
        notes.append("non-numeric keys skipped: " + ", ".join(sorted(cols.non_numeric)))
    meta = _state_meta(top, notes) if top else {}
    if hf:
        fmt = FORMAT
    else:
        keras_records = keras_style(series) and cols.step_key is None
        fmt = "keras-history-json" if keras_records else FORMAT_RECORDS
    step_kind = "step" if (hf or cols.step_key) else "epoch"
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


class _Columns:
    """The values of per-step records gathered per key, with their step and epoch."""

    def __init__(self, rows: list[dict], hf: bool) -> None:
        self.order: list[str] = []
        self.data: dict[str, tuple[list, list, list]] = {}
        self.bookkeeping: set[str] = set()
        self.non_numeric: set[str] = set()
        self.n_train = self.n_eval = self.n_summary = 0
        self.summary_loss: float | None = None
        self.step_key, self.epoch_key = _axis_keys(rows)
        for i, r in enumerate(rows):
            self._add(i, r, hf)

    def _add(self, i: int, r: dict, hf: bool) -> None:
        step_key, epoch_key = self.step_key, self.epoch_key
        if hf and any(k in r for k in _SUMMARY_KEYS):
            self.n_summary += 1
            if isinstance(r.get("train_loss"), Real):
                self.summary_loss = float(r["train_loss"])
            self.bookkeeping.update(k for k in r if k not in (step_key, epoch_key))
            return
        if hf:
            if any(k.startswith("eval_") for k in r):
                self.n_eval += 1
            elif "loss" in r:
                self.n_train += 1
        st = _num(r.get(step_key)) if step_key else None
        if st is None or (isinstance(st, float) and math.isnan(st)):
            st = float(i) if step_key is None else math.nan
        ep = _num(r.get(epoch_key)) if epoch_key else None
        if step_key is None and ep is not None and not math.isnan(ep):
            st = ep
        for k, v in r.items():
            if k in (step_key, epoch_key):
                continue
            if hf and naming.is_counter(k):
                self.bookkeeping.add(k)
                continue
            x = _num(v)
            if x is None:
                self.non_numeric.add(k)
                continue
            if k not in self.data:
                self.data[k] = ([], [], [])
                self.order.append(k)
            steps, epochs, values = self.data[k]
            steps.append(st)
            epochs.append(math.nan if ep is None else ep)
            values.append(x)

    def series(self, hf: bool) -> tuple[dict[str, Series], dict[str, Series]]:
        """``(series, axes)``: counters of plain records are axes, not metrics."""
        series: dict[str, Series] = {}
        axes: dict[str, Series] = {}
        for k in self.order:
            steps, epochs, values = self.data[k]
            step = np.asarray(steps, dtype=np.float64)
            if np.isnan(step).any():
                step = np.where(np.isnan(step), np.arange(len(step)), step)
            epoch = np.asarray(epochs, dtype=np.float64) if self.epoch_key else None
            s = make_series(k, step, np.asarray(values, dtype=np.float64), epoch=epoch)
            if not hf and naming.is_counter(k):
                axes[k] = s
            else:
                series[k] = s
        return series, axes


def _axis_keys(rows: list[dict]) -> tuple[str | None, str | None]:
    """The step key and the epoch key of the records (from the first 200)."""
    step_key = epoch_key = None
    for r in rows[:200]:
        for k in r:
            kind = axis_kind(k)
            if kind == "step" and step_key is None:
                step_key = k
            elif kind == "epoch" and epoch_key is None:
                epoch_key = k
    return step_key, epoch_key


def _state_meta(top: dict, notes: list[str]) -> dict:
    """Fields of ``trainer_state.json`` kept in :attr:`Run.meta`; a note for a mid-run state."""
    meta = {}
    for k in _META_KEYS:
        if k in top and isinstance(top[k], (str, int, float)) and not isinstance(top[k], bool):
            meta[k] = top[k]
    gs, ms = top.get("global_step"), top.get("max_steps")
    if isinstance(gs, int) and isinstance(ms, int) and 0 < gs < ms:
        notes.append(f"mid-run checkpoint: global_step {gs} of max_steps {ms}")
    return meta


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
    """A dict with a ``log_history`` list (``transformers.TrainerState`` saved as JSON)."""
    return isinstance(obj, dict) and isinstance(obj.get("log_history"), list)


def read_trainer_state(obj: dict, value_input: ValueInput) -> list[Run]:
    """The run of a ``trainer_state.json``: its ``log_history``, with the rest as meta."""
    top = {k: v for k, v in obj.items() if k != "log_history"}
    v = value_input
    return [records_to_run(obj["log_history"], v.source, v.name, v.notes, hf=True, top=top)]


def is_records(obj, value_input: ValueInput) -> bool:
    """A list of objects (JSON records, JSON Lines), judged by its first 100 entries."""
    return isinstance(obj, (list, tuple)) and all(isinstance(r, dict) for r in obj[:100])


def read_records(obj: list, value_input: ValueInput) -> list[Run]:
    """The run of a list of per-step records."""
    notes = value_input.notes
    if isinstance(obj, JsonLines):
        notes = notes + ["JSON Lines: one record per line"]
    return [records_to_run(list(obj), value_input.source, value_input.name, notes)]


# ---------------------------------------------------------------------------
# output folders: trainer_state.json of the folder and of its checkpoint-N folders
# ---------------------------------------------------------------------------


def output_folder_of_state(path: str) -> str | None:
    """The output folder a ``trainer_state.json`` belongs to (its own folder, or the folder
    above a ``checkpoint-N`` folder); None for other files."""
    if os.path.basename(path) != "trainer_state.json":
        return None
    d = os.path.dirname(path)
    return os.path.dirname(d) if _CHECKPOINT_DIR.match(os.path.basename(d)) else d


def _checkpoint_step(path: str) -> int:
    m = _CHECKPOINT_DIR.match(os.path.basename(os.path.dirname(path)))
    return int(m.group(1)) if m else 1 << 62


def read_output_folders(reading: FolderReading, groups: dict[str, list[str]]) -> list[FolderUnit]:
    """One run per output folder, from its latest ``trainer_state.json`` (the folder's own,
    else the highest checkpoint), whose ``log_history`` holds the earlier ones'."""
    units: list[FolderUnit] = []
    for outdir, states in sorted(groups.items()):
        latest = max(states, key=_checkpoint_step)
        got = reading.read_file(latest)
        for r in got:
            r.name = dir_run_name(reading.root, outdir)
            if len(states) > 1:
                r.notes.append(
                    f"{len(states)} trainer_state.json files: read the latest "
                    f"({os.path.relpath(latest, outdir)}), whose log_history holds "
                    "the earlier checkpoints'"
                )
        if got:
            units.append((rel_path(reading.root, latest), got))
    return units


OUTPUT_FOLDERS = FolderLayout(
    "hf-output-folders", claims=output_folder_of_state, read_groups=read_output_folders
)

FORMATS = (
    LogFormat(
        "hf-trainer-state",
        "value",
        lambda obj, value_input: is_trainer_state(obj),
        read_trainer_state,
        90,
        "Hugging Face trainer_state.json (log_history)",
        folder=OUTPUT_FOLDERS,
    ),
    LogFormat(
        "json-records", "value", is_records, read_records, 70, "a list of records / JSON Lines"
    ),
)
