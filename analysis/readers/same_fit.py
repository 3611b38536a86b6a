"""One fit, several logs: a ``fit()`` logged two or three ways is read once.

Keras users often log one ``fit()`` two or three ways in one project folder:
``CSVLogger`` (``training.log``), ``history.history`` dumped to ``history.json`` and the
``TensorBoard`` callback (``logs/``, or ``logs/fit/<timestamp>/`` as in the TensorFlow
tutorial). Such a fit is read once (:func:`drop_duplicate_runs`); the copies are listed
as skipped (``same data as training.log``, ``same fit as training.log``), never dropped
without a word. Logs opened one by one (the GUI, several files on the command line) use
:func:`same_fit_twin` and :func:`read_once_reason` for the same rule.
"""

from __future__ import annotations

import os

import numpy as np

from analysis import naming
from analysis.model import LogReadError, Run
from analysis.readers.csvlogger import FORMAT_CSVLOGGER
from analysis.readers.errors import NotATrainingLog
from analysis.readers.series_build import same_points
from analysis.readers.tb_tags import keras_log_key
from analysis.readers.tfevents import FORMAT as TB_FORMAT


def _covers(a: Run, b: Run) -> bool:
    """Every series of ``b`` is in ``a`` with the same points."""
    return bool(b.series) and all(
        name in a.series and same_points(a.series[name], s) for name, s in b.series.items()
    )


def same_fit_twin(run: Run, others: list[Run]) -> Run | None:
    """The run of ``others`` that already holds ``run``'s data, logged by another file of
    the same folder (rule 1 of :func:`drop_duplicate_runs`: ``training.log`` and
    ``history.json`` of one ``fit()``), or None. For logs opened one by one (the GUI, or
    several files on the command line) rather than as a folder.
    """
    return next(
        (
            k
            for k in others
            if k.source != run.source
            and os.path.dirname(k.source) == os.path.dirname(run.source)
            and _covers(k, run)
        ),
        None,
    )


def read_once_reason(kept: Run) -> str:
    """Why a log was passed over for ``kept`` (the reason after its path)."""
    return f"same data as {os.path.basename(kept.source)} (one fit logged twice): read once"


def drop_duplicate_runs(runs: list[Run], skipped: list[LogReadError]) -> list[Run]:
    """Read one fit once (module docstring); the copies are appended to ``skipped``.

    1. ``training.log`` (CSVLogger) and ``history.json`` (``history.history``) of the
       same ``fit()`` side by side: a run from another file in the same folder whose
       every series is also, point for point, in a kept run is listed as skipped; of
       two such runs the one with more series is kept (``history.json`` may add
       ``learning_rate``), on a tie the CSVLogger log.
    2. The Keras TensorBoard callback's run of that fit (:func:`_tb_twin`): listed as
       skipped; the kept run gets its wall times, and its learning rate when the kept
       log has none.
    """
    kept: list[Run] = []
    # most series first; on a tie the CSVLogger log (it also carries the epoch column)
    for r in sorted(runs, key=lambda r: (-len(r.series), r.format != FORMAT_CSVLOGGER)):
        twin = same_fit_twin(r, kept)
        if twin is None:
            kept.append(r)
        else:
            skipped.append(NotATrainingLog(r.source, read_once_reason(twin)))
    logs = sorted(
        (k for k in kept if k.format != TB_FORMAT and k.step_kind == "epoch"),
        key=lambda k: k.format != FORMAT_CSVLOGGER,
    )
    for tb in [k for k in kept if k.format == TB_FORMAT]:
        for k in logs:
            plan = _tb_twin(tb, k)
            if plan is None:
                continue
            _take_from_tb(k, tb, plan)
            kept.remove(tb)
            skipped.append(
                NotATrainingLog(
                    tb.source,
                    f"same fit as {os.path.basename(k.source)} (Keras TensorBoard "
                    "callback: every epoch series equals the log's as float32): read once",
                )
            )
            break
    order = {id(r): i for i, r in enumerate(runs)}
    return sorted(kept, key=lambda r: order[id(r)])


def _is_within(path: str, folder: str) -> bool:
    path, folder = os.path.abspath(path), os.path.abspath(folder)
    try:
        return os.path.commonpath([path, folder]) == folder
    except ValueError:  # pragma: no cover - different drives
        return False


def _f32(v: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore", invalid="ignore"):
        return v.astype(np.float32)


def _same_f32(a, b, steps: bool = True) -> bool:
    """Same points once values are rounded to float32 (TensorBoard stores float32 scalars;
    CSVLogger and ``json.dump`` write the float64 repr of those float32 values)."""
    return (
        len(a) == len(b)
        and len(a) > 0
        and (not steps or np.array_equal(a.step, b.step))
        and np.array_equal(_f32(a.value), _f32(b.value), equal_nan=True)
    )


def _tb_twin(tb: Run, log: Run) -> dict | None:
    """How TensorBoard run ``tb`` is the same fit as the epoch log ``log``, or None.

    The same fit when ``tb``'s folder is at or below ``log``'s file's folder and every
    series of ``tb`` is one the Keras TensorBoard callback writes
    (:func:`analysis.readers.tb_tags.keras_log_key`) and equals, as float32 and epoch
    by epoch, the series of ``log`` under the same Keras ``logs`` key (``train/epoch_loss``
    = ``loss``, ``validation/epoch_loss`` = ``val_loss``); the
    ``validation/evaluation_*_vs_iterations`` copies equal ``val_*`` by value (their
    step is the training step). Not required to match: the learning rate (the callback
    reads the optimizer after ``ReduceLROnPlateau`` may have cut it, while CSVLogger logs
    the rate the epoch ran with) and throughput counters (``epoch_steps_per_second``,
    TensorBoard only).

    Returns
    -------
    dict or None
        ``{"matched": [(key, tb series)], "lr": (key, tb series) or None, "extra": [names]}``.
    """
    if tb.axes or not tb.series or not _is_within(tb.source, os.path.dirname(log.source)):
        return None
    matched, extra, lr = [], [], None
    for name, s in tb.series.items():
        m = keras_log_key(name)
        if m is None:
            return None
        key, kind = m
        if kind == "copy":
            o = log.series.get(key)
            if o is None or not _same_f32(o, s, steps=False):
                return None
        elif naming.is_learning_rate(key):
            lr = (key, s)
        elif naming.is_counter(key):
            extra.append(name)
        else:
            o = log.series.get(key)
            if o is None or not _same_f32(o, s):
                return None
            matched.append((key, s))
    if not matched:
        return None
    return {"matched": matched, "lr": lr, "extra": extra}


def _take_from_tb(log: Run, tb: Run, plan: dict) -> None:
    """Give ``log`` what only the TensorBoard run of its fit has: wall times, the learning rate."""
    where = os.path.relpath(tb.source, os.path.dirname(log.source)).replace(os.sep, "/")
    with_wall = [k for k, s in plan["matched"] if s.wall_time is not None]
    for k, s in plan["matched"]:
        if s.wall_time is not None and log.series[k].wall_time is None:
            log.series[k].wall_time = s.wall_time.copy()
    notes = [
        f"the TensorBoard event files in {where}/ hold the same fit (every epoch series "
        "equal as float32): read once, from this log"
        + (f"; wall times taken from them for {', '.join(with_wall)}" if with_wall else "")
    ]
    if plan["lr"] is not None:
        key, s = plan["lr"]
        mine = [k for k in log.series if naming.is_learning_rate(k)]
        if not mine:
            name = key if key not in log.series else f"tensorboard/{key}"
            log.series[name] = s.slice(0)
            log.series[name].name = name
            log.series[name].step_kind = None
            notes.append(
                f"{name}: from the TensorBoard event files in {where}/ (this log has no "
                "learning rate; the TensorBoard callback reads it from the optimizer at "
                "the end of each epoch)"
            )
        elif not _same_f32(log.series[mine[0]], s):
            notes.append(
                f"{mine[0]} differs from the TensorBoard callback's {key} (it reads the "
                "optimizer at the end of the epoch, after ReduceLROnPlateau may have cut "
                f"the rate); {mine[0]} of this log kept"
            )
    if plan["extra"]:
        notes.append("TensorBoard-only counters not carried over: " + ", ".join(plan["extra"]))
    log.notes.extend(notes)


__all__ = ["drop_duplicate_runs", "read_once_reason", "same_fit_twin"]
