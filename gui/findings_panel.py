"""Findings panel: what went wrong, most severe first, with evidence, causes and remedies."""

from __future__ import annotations

import html
import math
import os
import textwrap

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from analysis.kinds import finding_title
from analysis.model import Finding
from gui.axes import format_value
from gui.icons import color_icon, severity_icon
from gui.store import RunEntry, RunStore
from gui.theme import MUTED, SEVERITY_COLORS, SEVERITY_RANK, TEXT
from retrain.remedies import REGISTRY


def remedy_text(name: str) -> tuple[str, str]:
    """``(title, what the job will do)`` of a remedy, as its registry entry declares it."""
    remedy = REGISTRY.get(name)
    return (remedy.title, remedy.does) if remedy is not None else (name, "")


RETRAIN_TEXT = "Retrain with these remedies…"
RETRAIN_SHORT = "Retrain…"

_ROLE_FINDING = Qt.UserRole + 1
_ROLE_KEY = Qt.UserRole + 2


def short_metric(name: str, n: int = 28) -> str:
    """A metric name cut in the middle, keeping more of its end, where names differ:
    ``validation/evaluation_accuracy_vs_iterations`` -> ``validatio…racy_vs_iterations``."""
    if len(name) <= n:
        return name
    head = n // 3
    return name[:head] + "…" + name[len(name) - (n - 1 - head) :]


def _unit(e: RunEntry | None, f: Finding) -> str:
    """What the finding's span counts: its metric's own x kind (a run can mix epochs and
    steps, :meth:`analysis.model.Run.step_kind_of`)."""
    if e is None:
        return "epoch"
    if f.metric and f.metric in e.run.series:
        return e.run.step_kind_of(f.metric)
    return e.run.step_kind


def _dataset_name(f: Finding) -> str:
    src = f.evidence.get("source") if isinstance(f.evidence, dict) else None
    return f"dataset {os.path.basename(str(src))}" if src else "dataset"


def _span_text(f: Finding, unit: str) -> str:
    if f.start is None and f.end is None:
        return ""

    def n(v):
        if v is None:
            return "…"
        v = float(v)
        # whole epochs/steps as integers; large fractional steps (medians) rounded
        return str(int(round(v))) if v.is_integer() or abs(v) >= 100 else f"{v:.2f}"

    if f.start is not None and f.end is not None and f.start == f.end:
        return f"{unit} {n(f.start)}"
    return f"{unit}s {n(f.start)}–{n(f.end)}"


def _evidence_value(v) -> str:
    if isinstance(v, bool) or v is None:
        return html.escape(str(v))
    if isinstance(v, float):
        return html.escape(format_value(v)) if math.isfinite(v) else html.escape(str(v))
    if isinstance(v, (list, tuple)):
        items = [_evidence_value(x) for x in v[:12]]
        more = f", … ({len(v)} values)" if len(v) > 12 else ""
        return "[" + ", ".join(items) + more + "]"
    if isinstance(v, dict):
        return " · ".join(
            f"<span style='color:{MUTED}'>{html.escape(str(k))}</span> {_evidence_value(x)}"
            for k, x in list(v.items())[:16]
        )
    return html.escape(str(v))


#: Colour of the "addressed by <job>" note of a dataset finding.
ADDRESSED_COLOR = "#188038"


def dataset_note(
    f: Finding, addressed_by: str | None, applied: tuple[str, ...] | list[str] = ()
) -> str:
    """One line saying a dataset finding is about the data file (and, when a completed
    retrain job applied one of its remedies, which job), so that after a retrain a dataset
    finding does not look unresolved, or like a finding of the new run."""
    src = f.evidence.get("source") if isinstance(f.evidence, dict) else None
    name = os.path.basename(str(src)) if src else "the dataset"
    text = f"About the data file {name}, not about a run's curves."
    if addressed_by:
        used = ", ".join(applied)
        text += (
            f" Addressed by retrain job {addressed_by}, which applied "
            f"{used or 'its remedies'} while training; the file itself is unchanged."
        )
    return text


def details_html(
    f: Finding, run_name: str | None, unit: str = "epoch", note: str = "", addressed: bool = False
) -> str:
    """The details pane for one finding: message, where, evidence, causes, remedies.

    ``note`` (a dataset finding's :func:`dataset_note`) is shown under the title, in
    green when ``addressed``.
    """
    color = SEVERITY_COLORS.get(f.severity, "#888")
    where = ", ".join(x for x in (html.escape(f.metric or ""), _span_text(f, unit)) if x)
    out = [
        f"<div style='color:{TEXT}'>",
        f"<div style='font-size:12pt; font-weight:600'>{html.escape(finding_title(f))}</div>",
        f"<div style='color:{color}; font-weight:600'>{f.severity.capitalize()}"
        + (
            f"<span style='color:{MUTED}; font-weight:400'> · {html.escape(run_name)}"
            f"{' · ' + where if where else ''}</span>"
            if run_name or where
            else ""
        )
        + "</div>",
    ]
    if note:
        out.append(
            f"<p style='color:{ADDRESSED_COLOR if addressed else MUTED}'>{html.escape(note)}</p>"
        )
    out.append(f"<p>{html.escape(f.message)}</p>")
    if f.evidence:
        rows = "".join(
            f"<tr><td style='color:{MUTED}; padding-right:10px'>{html.escape(str(k))}</td>"
            f"<td>{_evidence_value(v)}</td></tr>"
            for k, v in f.evidence.items()
        )
        out.append(f"<p style='margin-bottom:2px'><b>Evidence</b></p><table>{rows}</table>")
    if f.causes:
        items = "".join(f"<li>{html.escape(c)}</li>" for c in f.causes)
        out.append(
            f"<p style='margin-bottom:0'><b>Likely causes</b></p><ol style='margin-top:2px'>{items}</ol>"
        )
    if f.remedies:
        items = []
        for r in f.remedies:
            title, what = remedy_text(r)
            items.append(
                f"<li>{html.escape(title)}"
                + (f" <span style='color:{MUTED}'>— {html.escape(what)}</span>" if what else "")
                + f" <span style='color:{MUTED}'><code>{html.escape(r)}</code></span></li>"
            )
        out.append(
            f"<p style='margin-bottom:0'><b>Remedies</b></p><ul style='margin-top:2px'>{''.join(items)}</ul>"
        )
    if f.confidence < 1.0:
        out.append(f"<p style='color:{MUTED}'>Confidence {f.confidence:.0%}</p>")
    out.append("</div>")
    return "".join(out)


class FindingsPanel(QWidget):
    """List of findings and the details of the selected one.

    Signals
    -------
    findingSelected(object, object)
        Run key (None for dataset findings) and the :class:`Finding` (None when cleared).
    retrainRequested(object, object)
        Run key and the list of findings whose remedies to apply.
    """

    findingSelected = Signal(object, object)
    retrainRequested = Signal(object, object)

    def __init__(self, store: RunStore, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 4, 6, 6)
        lay.setSpacing(4)
        self.summary = QLabel()
        self.summary.setObjectName("Muted")
        # wraps in a narrow dock instead of holding the window wide
        self.summary.setWordWrap(True)
        lay.addWidget(self.summary)
        split = QSplitter(Qt.Vertical)
        split.setChildrenCollapsible(False)
        self.tree = QTreeWidget()
        self.tree.setColumnCount(2)
        self.tree.setHeaderLabels(["Finding", "Where"])
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(True)
        self.tree.setSelectionMode(QAbstractItemView.SingleSelection)
        h = self.tree.header()
        h.setStretchLastSection(False)
        # the title column takes what it needs up to half the width: "Where" (metric,
        # run) must stay readable next to long titles
        h.setSectionResizeMode(0, QHeaderView.Interactive)
        h.setSectionResizeMode(1, QHeaderView.Stretch)
        self.tree.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        # "metric · run": a cut at the right keeps the metric (itself shortened by
        # short_metric so names that differ at their end stay apart)
        self.tree.setTextElideMode(Qt.ElideRight)
        self.tree.currentItemChanged.connect(self._on_current)
        self.tree.setMinimumHeight(60)
        split.addWidget(self.tree)

        box = QWidget()
        bl = QVBoxLayout(box)
        bl.setContentsMargins(0, 0, 0, 0)
        bl.setSpacing(4)
        self.details = QTextBrowser()
        self.details.setOpenExternalLinks(True)
        self.details.setMinimumHeight(50)
        bl.addWidget(self.details, 1)
        row = QHBoxLayout()
        row.addStretch(1)
        self.retrain_button = QPushButton(RETRAIN_TEXT)
        self.retrain_button.setToolTip("Retrain the run with the remedies of this finding")
        self.retrain_button.setMinimumWidth(60)
        self.retrain_button.setObjectName("Primary")
        self.retrain_button.setEnabled(False)
        self.retrain_button.clicked.connect(self._retrain)
        row.addWidget(self.retrain_button)
        bl.addLayout(row)
        split.addWidget(box)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 2)
        lay.addWidget(split, 1)
        store.findingsChanged.connect(self.sync)
        store.styleChanged.connect(lambda _k: self.sync())
        self.sync()

    # -- content -----------------------------------------------------------------
    def items(self) -> list[tuple[int | None, Finding]]:
        """(run key, finding) in display order."""
        out = []
        for i in range(self.tree.topLevelItemCount()):
            it = self.tree.topLevelItem(i)
            out.append((it.data(0, _ROLE_KEY), it.data(0, _ROLE_FINDING)))
        return out

    def sync(self) -> None:
        cur = self.current()
        pairs = self.store.all_findings()
        order = {e.key: i for i, e in enumerate(self.store.entries_in_order())}
        info = {id(f): self.store.addressed_info(f) for e, f in pairs if e is None}
        addressed = {k: (v[0] if v else None) for k, v in info.items()}
        # dataset findings a completed job addressed go last: they are not open problems
        pairs.sort(
            key=lambda p: (
                bool(addressed.get(id(p[1]))),
                SEVERITY_RANK.get(p[1].severity, 3),
                order.get(p[0].key, 1 << 20) if p[0] else 1 << 21,
            )
        )
        self.tree.blockSignals(True)
        self.tree.clear()
        reselect = None
        multi = len({e.key for e, _ in pairs if e is not None}) > 1
        for e, f in pairs:
            unit = _unit(e, f)
            metric = short_metric(f.metric or "")
            where = ", ".join(x for x in (metric, _span_text(f, unit)) if x)
            run_name = e.name if e else _dataset_name(f)
            job = addressed.get(id(f)) if e is None else None
            if e is None:
                where = f"{run_name} · {where}" if where else run_name
                if job:
                    where = f"{run_name} · addressed by {job}"
            elif multi:
                # the metric first (six findings of one run must not look identical), the
                # run after it; the span is in the tooltip and the details
                where = f"{metric} · {run_name}" if metric else run_name
            it = QTreeWidgetItem([finding_title(f), where or run_name])
            it.setIcon(0, severity_icon(f.severity))
            if e is not None:
                it.setIcon(1, color_icon(e.color))
            it.setData(0, _ROLE_FINDING, f)
            it.setData(0, _ROLE_KEY, e.key if e else None)
            full = ", ".join(x for x in (f.metric or "", _span_text(f, unit)) if x)
            tip = (
                f"{finding_title(f)} ({f.severity}) — {run_name}"
                + (f"\n{full}" if full else "")
                + (
                    f"\n{textwrap.fill(dataset_note(f, job, (info.get(id(f)) or ('', ()))[1]), 100)}"
                    if e is None
                    else ""
                )
                + "\n"
                + textwrap.fill(f.message, 100)
            )
            it.setToolTip(0, tip)
            it.setToolTip(1, tip)
            it.setForeground(1, QBrush(QColor(ADDRESSED_COLOR if job else MUTED)))
            if job:
                it.setForeground(0, QBrush(QColor(MUTED)))
            self.tree.addTopLevelItem(it)
            if cur is not None and cur[1] == f and cur[0] == (e.key if e else None):
                reselect = it
        self.tree.blockSignals(False)
        self._fit_columns()
        n = len(pairs)
        counts = {s: sum(1 for _, f in pairs if f.severity == s) for s in SEVERITY_RANK}
        if not self.store.entries and not self.store.dataset_findings:
            self.summary.setText("No runs open.")
            self._show_placeholder("Open a log to see what went wrong.")
        elif n == 0:
            self.summary.setText("No findings: the curves look healthy.")
            self._show_placeholder(
                "No findings. The detectors found nothing wrong with the open runs."
            )
        else:
            parts = [f"{counts[s]} {s}" for s in ("critical", "warning", "info") if counts[s]]
            done = sum(1 for j in addressed.values() if j)
            self.summary.setText(
                f"{n} finding{'s' if n != 1 else ''}: "
                + ", ".join(parts)
                + (f" · {done} dataset finding{'s' if done != 1 else ''} addressed" if done else "")
            )
            if reselect is not None:
                self.tree.setCurrentItem(reselect)
            elif cur is not None:
                self._show_placeholder("Select a finding to see its evidence, causes and remedies.")
                self.findingSelected.emit(None, None)
            else:
                self._show_placeholder("Select a finding to see its evidence, causes and remedies.")

    def _fit_columns(self) -> None:
        want = self.tree.sizeHintForColumn(0) + 12
        self.tree.setColumnWidth(0, max(60, min(want, int(self.tree.viewport().width() * 0.5))))

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt naming)
        super().resizeEvent(event)
        self._fit_columns()
        # the short label where the whole one does not fit (narrow dock, small screen)
        fm = self.retrain_button.fontMetrics()
        full = fm.horizontalAdvance(RETRAIN_TEXT) + 40
        text = RETRAIN_TEXT if self.width() - 16 >= full else RETRAIN_SHORT
        if self.retrain_button.text() != text:
            self.retrain_button.setText(text)

    def _show_placeholder(self, text: str) -> None:
        self.details.setHtml(f"<p style='color:{MUTED}'>{html.escape(text)}</p>")
        self.retrain_button.setEnabled(False)

    def current(self) -> tuple[int | None, Finding] | None:
        it = self.tree.currentItem()
        if it is None:
            return None
        return it.data(0, _ROLE_KEY), it.data(0, _ROLE_FINDING)

    def select(self, index: int) -> None:
        """Select the finding in row ``index`` (as a click would)."""
        it = self.tree.topLevelItem(index)
        if it is not None:
            self.tree.setCurrentItem(it)

    def _entry(self, key) -> RunEntry | None:
        return None if key is None else self.store.entries.get(key)

    def _on_current(self, cur: QTreeWidgetItem | None, _prev) -> None:
        if cur is None:
            self._show_placeholder("Select a finding to see its evidence, causes and remedies.")
            self.findingSelected.emit(None, None)
            return
        key = cur.data(0, _ROLE_KEY)
        f: Finding = cur.data(0, _ROLE_FINDING)
        e = self._entry(key)
        unit = _unit(e, f)
        info = self.store.addressed_info(f) if e is None else None
        job = info[0] if info else None
        note = dataset_note(f, job, info[1] if info else ()) if e is None else ""
        self.details.setHtml(
            details_html(f, e.name if e else _dataset_name(f), unit, note, bool(job))
        )
        self.retrain_button.setEnabled(bool(f.remedies))
        self.findingSelected.emit(key, f)

    def _retrain(self) -> None:
        c = self.current()
        if c is not None:
            self.retrainRequested.emit(c[0], [c[1]])
