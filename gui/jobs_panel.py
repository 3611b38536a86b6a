"""Jobs panel: one row per retrain job with progress, time left, Cancel and a before/after summary.

Embed it next to the plots and hand it the application's :class:`~gui.jobs.JobRunner`::

    panel = JobsPanel(runner)
    panel.comparisonReady.connect(lambda job, comparison: ...)

A job's ``context`` (given to :meth:`JobRunner.submit`) may carry the original
``run`` (:class:`~analysis.model.Run`) and its ``findings``; when the job ends,
the panel reads the new ``training.log`` and diagnoses it off the GUI thread
(``QThreadPool``), then shows :func:`retrain.compare.compare_runs`' summary.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, QTimer, Signal, Slot
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from gui.jobs import Job, JobRunner, eta_text
from retrain.compare import Comparison, compare_runs

_STATUS_TEXT = {
    "queued": "queued",
    "starting": "starting (loading TensorFlow)...",
    "running": "running",
    "cancelling": "cancelling (after the current batch)...",
    "completed": "completed",
    "cancelled": "cancelled",
    "failed": "failed",
}


def default_diagnose(run):
    """Findings of a run via :func:`analysis.detectors.diagnose` (empty if unavailable)."""
    try:
        from analysis.detectors import diagnose
    except ImportError:
        return []
    return list(diagnose(run))


def build_comparison(
    job_output, metrics: dict | None, context: dict, remedies, load=None, diagnose=None
) -> Comparison:
    """Read the job's log, diagnose it and compare it with the original run.

    Pure (no Qt), run on a worker thread by the panel. ``load`` defaults to
    :func:`analysis.readers.load`, ``diagnose`` to :func:`default_diagnose`.
    """
    from pathlib import Path

    from analysis.model import Run

    if load is None:
        from analysis.readers import load
    diagnose = diagnose or context.get("diagnose") or default_diagnose
    log = Path(job_output) / "training.log"
    after = None
    if log.exists() and log.stat().st_size > 0:
        runs = load(log)
        after = runs[0] if runs else None
    if after is None:
        after = Run(Path(job_output).name, str(log), "keras-csvlogger", {})
    try:
        findings_after = list(diagnose(after)) if after.series else []
    except Exception:  # a detector bug must not hide the summary
        findings_after = []
    return compare_runs(
        context.get("run"),
        after,
        context.get("findings") or (),
        findings_after,
        metrics_after=metrics or {},
        remedies=tuple(remedies),
    )


class _CompareTask(QRunnable):
    class _Signals(QObject):
        done = Signal(object, object)  # Comparison or None, error text

    def __init__(self, fn: Callable[[], Comparison]) -> None:
        super().__init__()
        self.fn = fn
        self.signals = self._Signals()

    def run(self) -> None:
        try:
            res, err = self.fn(), None
        except Exception as exc:
            res, err = None, " ".join(str(exc).split()) or type(exc).__name__
        self.signals.done.emit(res, err)


class JobRow(QFrame):
    """One job: name, status, progress bar (epoch i/N), time left, Cancel, summary."""

    comparisonReady = Signal(object, object)  # Job, Comparison

    def __init__(self, job: Job, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.job = job
        self.comparison: Comparison | None = None
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.title = QLabel(f"<b>{html.escape(job.name)}</b>")
        self.title.setToolTip(str(job.output))
        self.status = QLabel()
        self.eta = QLabel()
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.bar.setTextVisible(True)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(job.cancel)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.summary.hide()

        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.status)
        mid = QHBoxLayout()
        mid.addWidget(self.bar, 1)
        mid.addWidget(self.eta)
        mid.addWidget(self.cancel_button)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addLayout(mid)
        lay.addWidget(self.summary)

        job.stateChanged.connect(self._refresh)
        job.epochEnded.connect(self._refresh)
        job.batchProgress.connect(self._refresh)
        job.started.connect(self._refresh)
        job.finished.connect(self._finished)
        self._clock = QTimer(self)
        self._clock.setInterval(1000)
        self._clock.timeout.connect(self._refresh)
        self._clock.start()
        self._refresh()

    def _refresh(self, *_) -> None:
        job = self.job
        p = job.progress
        self.bar.setValue(int(round(p.fraction * 1000)))
        self.bar.setFormat(p.label() if p.epochs else _STATUS_TEXT.get(job.state, job.state))
        text = _STATUS_TEXT.get(job.state, job.state)
        if job.done and job.reason and job.state != "completed":
            text = f"{job.state}: {job.reason}"
        self.status.setText(html.escape(text))
        self.status.setToolTip(job.reason or "")
        self.eta.setText(eta_text(job))
        self.cancel_button.setEnabled(not job.done and job.state != "cancelling")
        self.cancel_button.setVisible(not job.done)  # nothing left to cancel
        color = _STATUS_COLORS.get(job.state)
        self.status.setStyleSheet(f"color: {color}; font-weight: 600;" if color else "")
        if job.done:
            self._clock.stop()

    def _finished(self, outcome: dict) -> None:
        self._refresh()
        self.summary.setText(f"<i>{html.escape(self._headline(outcome))}</i>")
        self.summary.show()
        job = self.job
        task = _CompareTask(
            lambda: build_comparison(job.output, outcome, job.context, job.spec.remedies.active())
        )
        task.signals.done.connect(self._compared)
        self._task = task  # keep the signals object alive until it reports
        QThreadPool.globalInstance().start(task)

    def _headline(self, outcome: dict) -> str:
        val = outcome.get("val") or {}
        parts = [_status_words(outcome, self.job.progress.epochs, self.job.state)]
        if val.get("balanced_accuracy") is not None:
            parts.append(f"balanced accuracy {val['balanced_accuracy']:.3f}")
        if outcome.get("reason") and outcome.get("status") != "completed":
            parts.append(str(outcome["reason"]))
        if model_input_words(outcome):
            parts.append(model_input_words(outcome))
        return "; ".join(parts)

    @Slot(object, object)
    def _compared(self, comparison: Comparison | None, error: str | None) -> None:
        self._task = None
        if comparison is None:
            self.summary.setText(
                self.summary.text() + f"<br>comparison unavailable: {html.escape(error or '')}"
            )
            return
        self.comparison = comparison
        outcome = self.job.outcome or {}
        self.summary.setText(summary_html(comparison, outcome, self.job.progress.epochs))
        self.summary.setToolTip(model_input_tooltip(outcome))
        self.comparisonReady.emit(self.job, comparison)


def _fmt(v) -> str:
    return "&ndash;" if v is None or (isinstance(v, float) and not math.isfinite(v)) else f"{v:.4g}"


_STATUS_COLORS = {"completed": "#188038", "cancelled": "#b06000", "failed": "#c5221f"}


def _status_words(outcome: dict, planned: int | None = None, state: str = "") -> str:
    """``completed after 30 epoch(s)``, ``CANCELLED after 16 of 500 epochs (partial run)``."""
    status = str(outcome.get("status") or state)
    done = outcome.get("epochs_run", 0)
    if status == "completed":
        return f"completed after {done} epoch(s)"
    of = f" of {planned}" if planned else ""
    return f"{status.upper()} after {done}{of} epoch(s) (partial run)"


def model_input_words(outcome: dict) -> str:
    """What the job's ``model.keras`` expects, from ``metrics.json`` ``model_input``
    (:func:`retrain.export.describe_input`): ``expects raw features`` or ``expects
    encoded features per preprocessing.json``; empty when the job did not say (older
    jobs, failed jobs). QA2 1: a model trained on standardized or one-hot data was
    used on raw rows without a word."""
    mi = outcome.get("model_input") if isinstance(outcome, dict) else None
    if not isinstance(mi, dict) or not mi.get("kind"):
        return ""
    if mi.get("kind") == "raw":
        return "model.keras expects raw features"
    return f"model.keras expects encoded features per {mi.get('file') or 'preprocessing.json'}"


#: Characters of the job's model-input description shown in the summary (compact form;
#: the whole text is in the summary's tooltip).
MODEL_INPUT_CHARS = 110


def model_input_html(outcome: dict, compact: bool = False) -> str:
    """:func:`model_input_words` in bold, then the job's own description and its check
    (``compact``: the description cut to :data:`MODEL_INPUT_CHARS`, no check)."""
    head = model_input_words(outcome)
    if not head:
        return ""
    mi = outcome["model_input"]
    out = f"<b>{html.escape(head)}</b>"
    text = str(mi.get("text") or "")
    if compact and len(text) > MODEL_INPUT_CHARS:
        text = text[: MODEL_INPUT_CHARS - 1].rstrip() + "…"
    if text:
        out += f": {html.escape(text)}"
    if mi.get("check") and not compact:
        out += f"<br><span style='color:#5f6368'>{html.escape(str(mi['check']))}</span>"
    return out


def model_input_tooltip(outcome: dict) -> str:
    """The full model-input description and check, as plain text (the summary's tooltip)."""
    head = model_input_words(outcome)
    if not head:
        return ""
    mi = outcome["model_input"]
    return "\n".join(x for x in (head, str(mi.get("text") or ""), str(mi.get("check") or "")) if x)


def summary_html(c: Comparison, outcome: dict, planned: int | None = None) -> str:
    """The before/after summary as a small HTML table plus findings lists.

    A cancelled or failed job says so first, in its colour, and that its numbers
    come from a partial run (QA 15: a cancelled job's "0.500 -> 0.949" read as a
    finished result).
    """
    after = "after" if outcome.get("status") in (None, "", "completed") else "partial"
    # two header rows, "before" and "after" over their final/best columns, the groups
    # apart: "before final before best after final after best" read as one line (QA3 9)
    gap = "padding-left:18px"
    cell = "padding-left:10px"
    rows = [
        f"<tr><th></th><th colspan=2 align=center style='{gap}'>before</th>"
        f"<th colspan=2 align=center style='{gap}'>{after}</th></tr>",
        f"<tr><th align=left>validation</th><th align=right style='{gap}'>final</th>"
        f"<th align=right style='{cell}'>best</th><th align=right style='{gap}'>final</th>"
        f"<th align=right style='{cell}'>best</th></tr>",
    ]
    if c.balanced_accuracy_after is not None:
        rows.append(
            f"<tr><td>balanced accuracy</td><td colspan=2 align=center style='{gap}'>"
            f"{_fmt(c.balanced_accuracy_before)}</td><td colspan=2 align=center "
            f"style='{gap}'><b>{_fmt(c.balanced_accuracy_after)}</b></td></tr>"
        )
    for m in c.metrics:
        mark = {True: " &#10003;", False: " &#10007;"}.get(m.improved, "")
        rows.append(
            f"<tr><td>{html.escape(m.name)}</td><td align=right style='{gap}'>"
            f"{_fmt(m.before_final)}</td><td align=right style='{cell}'>{_fmt(m.before_best)}"
            f"</td><td align=right style='{gap}'>{_fmt(m.after_final)}</td>"
            f"<td align=right style='{cell}'>{_fmt(m.after_best)}{mark}</td></tr>"
        )
    status = str(outcome.get("status", ""))
    color = _STATUS_COLORS.get(status, "#202124")
    parts = [f"<b style='color:{color}'>{html.escape(_status_words(outcome, planned))}</b>"]
    if outcome.get("reason") and outcome.get("status") != "completed":
        parts.append(html.escape(str(outcome["reason"])))
    parts.append("<table cellspacing=0 cellpadding=1>" + "".join(rows) + "</table>")
    # what changed, right under the numbers (compact: one line each)
    if c.disappeared:
        parts.append("gone: " + ", ".join(html.escape(f.kind) for f in c.disappeared))
    if c.remained:
        parts.append("remains: " + ", ".join(html.escape(f.kind) for f, _ in c.remained))
    if c.new:
        parts.append("new: " + ", ".join(html.escape(f.kind) for f in c.new))
    for f, rem in c.addressed:
        parts.append(f"dataset {html.escape(f.kind)}: addressed by {html.escape(', '.join(rem))}")
    mi = model_input_html(outcome, compact=True)
    if mi:
        parts.append(mi)
    if c.weights_note:
        parts.append(f"saved model: {html.escape(c.weights_note)}")
    return "<br>".join(parts)


class JobsPanel(QWidget):
    """All jobs of a :class:`JobRunner`, newest first (QA2 14: the newest job, the one
    being watched, was at the bottom).

    Signals
    -------
    comparisonReady(Job, Comparison)
        A finished job's before/after comparison is available.
    """

    comparisonReady = Signal(object, object)

    def __init__(self, runner: JobRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.rows: dict[int, JobRow] = {}
        self._box = QVBoxLayout()
        self._box.addStretch(1)
        inner = QWidget()
        inner.setLayout(self._box)
        scroll = self.scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(inner)
        self._empty = QLabel("No retrain jobs yet. Use Retrain... to start one.")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self._empty)
        lay.addWidget(scroll, 1)
        runner.jobAdded.connect(self.add_job)
        for job in runner.jobs:
            self.add_job(job)

    def add_job(self, job: Job) -> JobRow:
        """Show a job (called for every job the runner gets)."""
        if job.id in self.rows:
            return self.rows[job.id]
        row = JobRow(job)
        row.comparisonReady.connect(self.comparisonReady)
        self.rows[job.id] = row
        self._box.insertWidget(0, row)  # newest on top; the stretch stays last
        self._empty.hide()
        return row

    def row(self, job: Job) -> JobRow | None:
        return self.rows.get(job.id)

    def show_job(self, job: Job) -> None:
        """Scroll so that the job's row is in view."""
        row = self.rows.get(job.id)
        if row is not None:
            self.scroll.ensureWidgetVisible(row, 0, 0)

    def shown_jobs(self) -> list[Job]:
        """Jobs in the order they are shown, top first."""
        out = []
        for i in range(self._box.count()):
            w = self._box.itemAt(i).widget()
            if isinstance(w, JobRow):
                out.append(w.job)
        return out
