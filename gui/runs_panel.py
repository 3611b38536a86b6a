"""Runs panel: files -> runs -> metrics, with checkboxes, colours, rename, remove, reload."""

from __future__ import annotations

import os

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QColorDialog,
    QHBoxLayout,
    QHeaderView,
    QMenu,
    QStyle,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from analysis import naming
from gui.axes import format_value
from gui.icons import color_icon, line_icon
from gui.store import GENERIC_NAMES, RunStore
from gui.theme import MUTED, SEVERITY_COLORS

KIND_ROLE = Qt.UserRole + 1  # "file" / "run" / "metric"
KEY_ROLE = Qt.UserRole + 2  # path for files, run key for runs and metrics
METRIC_ROLE = Qt.UserRole + 3
LIVE_COLOR = "#188038"


class RunsPanel(QWidget):
    """Tree of opened files, their runs and each run's metrics.

    Signals
    -------
    reloadRequested(str)
        Path of a file to read again.
    removeRequested(str)
        Path of a file to close.
    openRequested()
    metricSelected(int, str)
        Run key and metric selected (the plots highlight it).
    """

    reloadRequested = Signal(str)
    removeRequested = Signal(str)
    openRequested = Signal()
    metricSelected = Signal(int, str)

    def __init__(self, store: RunStore, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self._syncing = False
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 4, 6, 6)
        lay.setSpacing(4)
        bar = QHBoxLayout()
        bar.setSpacing(2)
        st = self.style()

        def tool(text: str, icon, tip: str, slot) -> QToolButton:
            b = QToolButton()
            b.setText(text)
            b.setIcon(st.standardIcon(icon))
            b.setToolTip(tip)
            b.setToolButtonStyle(Qt.ToolButtonTextBesideIcon)
            b.setAutoRaise(True)
            b.clicked.connect(slot)
            bar.addWidget(b)
            return b

        tool("Open", QStyle.SP_DialogOpenButton, "Open log files (Ctrl+O)", self.openRequested)
        self.reload_button = tool(
            "Reload",
            QStyle.SP_BrowserReload,
            "Read the selected file again (Ctrl+R)",
            self._reload_selected,
        )
        self.remove_button = tool(
            "Remove",
            QStyle.SP_DialogDiscardButton,
            "Close the selected file or run",
            self._remove_selected,
        )
        bar.addStretch(1)
        lay.addLayout(bar)

        self.tree = QTreeWidget()
        self.tree.setColumnCount(2)
        self.tree.setHeaderLabels(["Name", "Last"])
        self.tree.header().setStretchLastSection(False)
        self.tree.header().setSectionResizeMode(0, QHeaderView.Stretch)
        self.tree.header().setSectionResizeMode(1, QHeaderView.ResizeToContents)
        self.tree.setUniformRowHeights(True)
        self.tree.setSelectionMode(QAbstractItemView.SingleSelection)
        self.tree.setEditTriggers(
            QAbstractItemView.EditKeyPressed | QAbstractItemView.DoubleClicked
        )
        self.tree.setContextMenuPolicy(Qt.CustomContextMenu)
        self.tree.customContextMenuRequested.connect(self._context_menu)
        self.tree.itemChanged.connect(self._on_item_changed)
        self.tree.currentItemChanged.connect(self._on_current)
        self.tree.setIndentation(14)
        # run and metric names often differ only at their end (…_training, …/epoch_loss)
        self.tree.setTextElideMode(Qt.ElideMiddle)
        lay.addWidget(self.tree, 1)

        # rebuilt later, never inside a signal of one of the tree's own items
        self._sync_timer = QTimer(self)
        self._sync_timer.setSingleShot(True)
        self._sync_timer.setInterval(0)
        self._sync_timer.timeout.connect(self.sync)
        for sig in (
            store.structureChanged,
            store.runChanged,
            store.styleChanged,
            store.liveChanged,
            store.findingsChanged,
        ):
            sig.connect(self.schedule_sync)
        store.visibilityChanged.connect(self._update_checks)

    # -- building -----------------------------------------------------------------
    def _expanded_state(self) -> tuple[set, set, tuple | None]:
        files, runs = set(), set()
        it = self.tree.invisibleRootItem()
        for i in range(it.childCount()):
            f = it.child(i)
            if f.isExpanded():
                files.add(f.data(0, KEY_ROLE))
            for j in range(f.childCount()):
                r = f.child(j)
                if r.isExpanded():
                    runs.add(r.data(0, KEY_ROLE))
        cur = self.tree.currentItem()
        sel = None
        if cur is not None:
            sel = (cur.data(0, KIND_ROLE), cur.data(0, KEY_ROLE), cur.data(0, METRIC_ROLE))
        return files, runs, sel

    def sync(self) -> None:
        """Rebuild the tree from the store, keeping expansion and selection."""
        self._sync_timer.stop()
        first = self.tree.topLevelItemCount() == 0
        _files_open, runs_open, sel = self._expanded_state()
        self._syncing = True
        self.tree.blockSignals(True)
        try:
            self.tree.clear()
            bold = QFont(self.tree.font())
            bold.setBold(True)
            for f in self.store.files.values():
                fi = QTreeWidgetItem([file_label(f.path), ""])
                fi.setData(0, KIND_ROLE, "file")
                fi.setData(0, KEY_ROLE, f.path)
                fi.setToolTip(0, f.path)
                fi.setIcon(
                    0,
                    self.style().standardIcon(
                        QStyle.SP_DirIcon if os.path.isdir(f.path) else QStyle.SP_FileIcon
                    ),
                )
                if f.loading:
                    fi.setText(1, "loading…")
                    fi.setForeground(1, QBrush(QColor(MUTED)))
                elif f.live:
                    fi.setText(1, "● live")
                    fi.setForeground(1, QBrush(QColor(LIVE_COLOR)))
                    fi.setToolTip(
                        1, "The file changed while open; new epochs are read as they arrive"
                    )
                if f.error:
                    fi.setForeground(0, QBrush(QColor(SEVERITY_COLORS["critical"])))
                    fi.setToolTip(0, f.error)
                self.tree.addTopLevelItem(fi)
                for key in f.run_keys:
                    e = self.store.entries.get(key)
                    if e is None:
                        continue
                    worst = _worst(e.findings)
                    ri = QTreeWidgetItem([e.name, _length_text(e.run)])
                    ri.setData(0, KIND_ROLE, "run")
                    ri.setData(0, KEY_ROLE, e.key)
                    ri.setFlags(ri.flags() | Qt.ItemIsUserCheckable | Qt.ItemIsEditable)
                    ri.setCheckState(0, Qt.Checked if e.visible else Qt.Unchecked)
                    ri.setIcon(0, color_icon(e.color))
                    ri.setFont(0, bold)
                    ri.setForeground(1, QBrush(QColor(MUTED)))
                    tip = [f"{e.run.name} — {e.run.format}", e.run.source]
                    if worst:
                        tip.append(f"{len(e.findings)} finding(s), worst: {worst}")
                    tip.extend(e.run.notes[:5])
                    ri.setToolTip(0, "\n".join(tip))
                    fi.addChild(ri)
                    metrics = sorted(
                        e.run.series,
                        key=lambda m: (
                            naming.is_counter(m),
                            naming.base_name(m).lower(),
                            {"train": 0, "val": 1}.get(naming.role(m), 2),
                        ),
                    )
                    for m in metrics:
                        s = e.run.series[m]
                        st = s.stats()
                        last = st["last"]
                        mi = QTreeWidgetItem([m, format_value(last) if last is not None else "–"])
                        mi.setData(0, KIND_ROLE, "metric")
                        mi.setData(0, KEY_ROLE, e.key)
                        mi.setData(0, METRIC_ROLE, m)
                        mi.setFlags((mi.flags() | Qt.ItemIsUserCheckable) & ~Qt.ItemIsEditable)
                        mi.setCheckState(0, Qt.Unchecked if m in e.hidden_metrics else Qt.Checked)
                        mi.setIcon(0, line_icon(e.color, naming.role(m) == "val"))
                        mi.setForeground(1, QBrush(QColor(MUTED)))
                        fam = naming.family(m)
                        tip = f"{m}: {fam}, {naming.role(m)}; {len(s)} points"
                        if s.n_nonfinite:
                            tip += f", {s.n_nonfinite} NaN/inf"
                            mi.setForeground(1, QBrush(QColor(SEVERITY_COLORS["critical"])))
                        if s.n_segments > 1:
                            tip += f", {s.n_segments} segments (resumed)"
                        if st["min"] is not None and len(s) > 1:
                            tip += f"\nmin {format_value(st['min'])}, max {format_value(st['max'])}"
                        mi.setToolTip(0, tip)
                        mi.setToolTip(1, tip)
                        ri.addChild(mi)
                    ri.setExpanded(first or key in runs_open or len(self.store.entries) <= 3)
                fi.setExpanded(True)
            if sel is not None:
                self._select(*sel)
        finally:
            self.tree.blockSignals(False)
            self._syncing = False

    def schedule_sync(self, *_args) -> None:
        self._sync_timer.start()

    def _update_checks(self, key: int) -> None:
        """Check boxes follow the store (e.g. a finding re-showing its metric), in place."""
        e = self.store.entries.get(key)
        ri = self.find_item("run", key)
        if e is None or ri is None:
            return
        self._syncing = True
        try:
            want = Qt.Checked if e.visible else Qt.Unchecked
            if ri.checkState(0) != want:
                ri.setCheckState(0, want)
            for i in range(ri.childCount()):
                mi = ri.child(i)
                want = Qt.Unchecked if mi.data(0, METRIC_ROLE) in e.hidden_metrics else Qt.Checked
                if mi.checkState(0) != want:
                    mi.setCheckState(0, want)
        finally:
            self._syncing = False

    def _select(self, kind, key, metric) -> None:
        it = self.find_item(kind, key, metric)
        if it is not None:
            self.tree.setCurrentItem(it)

    def find_item(self, kind: str, key, metric: str | None = None) -> QTreeWidgetItem | None:
        """The tree item of a file (key = path), run (key) or metric (key, metric)."""
        root = self.tree.invisibleRootItem()
        stack = [root.child(i) for i in range(root.childCount())]
        while stack:
            it = stack.pop()
            if (
                it.data(0, KIND_ROLE) == kind
                and it.data(0, KEY_ROLE) == key
                and (kind != "metric" or it.data(0, METRIC_ROLE) == metric)
            ):
                return it
            stack.extend(it.child(i) for i in range(it.childCount()))
        return None

    def select_metric(self, key: int, metric: str) -> None:
        """Select (and reveal) a metric, e.g. the one a finding is about."""
        if self._sync_timer.isActive():
            self.sync()
        it = self.find_item("metric", key, metric)
        if it is None:
            return
        self.tree.blockSignals(True)
        self.tree.setCurrentItem(it)
        self.tree.blockSignals(False)
        self.tree.scrollToItem(it)

    # -- edits ---------------------------------------------------------------------
    def _on_item_changed(self, it: QTreeWidgetItem, col: int) -> None:
        if self._syncing:
            return
        kind = it.data(0, KIND_ROLE)
        key = it.data(0, KEY_ROLE)
        on = it.checkState(0) == Qt.Checked
        if kind == "run":
            e = self.store.entries.get(key)
            if e is None:
                return
            if it.text(0) != e.name:
                self.store.rename(key, it.text(0))
            if on != e.visible:
                self.store.set_visible(key, on)
        elif kind == "metric":
            self.store.set_metric_visible(key, it.data(0, METRIC_ROLE), on)

    def _on_current(self, cur: QTreeWidgetItem | None, _prev) -> None:
        if cur is not None and cur.data(0, KIND_ROLE) == "metric":
            self.metricSelected.emit(int(cur.data(0, KEY_ROLE)), cur.data(0, METRIC_ROLE))

    def _selected_path(self) -> str | None:
        it = self.tree.currentItem()
        if it is None:
            return next(iter(self.store.files), None) if len(self.store.files) == 1 else None
        kind = it.data(0, KIND_ROLE)
        if kind == "file":
            return it.data(0, KEY_ROLE)
        e = self.store.entries.get(it.data(0, KEY_ROLE))
        return None if e is None else e.path

    def selected_run_key(self) -> int | None:
        it = self.tree.currentItem()
        if it is None or it.data(0, KIND_ROLE) == "file":
            return None
        return int(it.data(0, KEY_ROLE))

    def _reload_selected(self) -> None:
        p = self._selected_path()
        if p:
            self.reloadRequested.emit(p)

    def _remove_selected(self) -> None:
        it = self.tree.currentItem()
        if it is None:
            return
        if it.data(0, KIND_ROLE) == "file":
            self.removeRequested.emit(it.data(0, KEY_ROLE))
        else:
            self.store.remove_run(int(it.data(0, KEY_ROLE)))

    def _context_menu(self, pos) -> None:
        it = self.tree.itemAt(pos)
        if it is None:
            return
        kind = it.data(0, KIND_ROLE)
        key = it.data(0, KEY_ROLE)
        menu = QMenu(self)
        if kind == "run":
            menu.addAction("Rename", lambda: self.tree.editItem(it, 0))
            menu.addAction("Change colour…", lambda: self.choose_color(int(key)))
            menu.addAction("Show only this run", lambda: self._solo(int(key)))
            menu.addSeparator()
            menu.addAction(
                "Reload file", lambda: self.reloadRequested.emit(self.store.entries[key].path)
            )
            menu.addAction("Remove run", lambda: self.store.remove_run(int(key)))
        elif kind == "file":
            menu.addAction("Reload", lambda: self.reloadRequested.emit(key))
            menu.addAction("Remove", lambda: self.removeRequested.emit(key))
        elif kind == "metric":
            m = it.data(0, METRIC_ROLE)
            act = QAction("Show only this metric", menu)
            act.triggered.connect(lambda: self._solo_metric(int(key), m))
            menu.addAction(act)
        menu.exec(self.tree.viewport().mapToGlobal(pos))

    def choose_color(self, key: int) -> None:
        e = self.store.entries.get(key)
        if e is None:
            return
        c = QColorDialog.getColor(QColor(e.color), self, f"Colour of {e.name}")
        if c.isValid():
            self.store.set_color(key, c.name())

    def _solo(self, key: int) -> None:
        for k in list(self.store.entries):
            self.store.set_visible(k, k == key)

    def _solo_metric(self, key: int, metric: str) -> None:
        e = self.store.entries[key]
        for m in e.run.series:
            self.store.set_metric_visible(key, m, m == metric)


def file_label(path: str) -> str:
    """The file or folder name; with its folder when the name says nothing.

    ``runs/exp3/training.log`` -> ``exp3/training.log`` (names in
    :data:`gui.store.GENERIC_NAMES`, TensorBoard event files), so several retrain
    jobs' logs are told apart; ``001_speaker_training.log`` stays as it is.
    """
    p = path.rstrip(os.sep)
    name = os.path.basename(p) or p
    stem = name.split(".", 1)[0].lower()
    parent = os.path.basename(os.path.dirname(p))
    if parent and (stem in GENERIC_NAMES or name.startswith("events.out.tfevents")):
        return f"{parent}/{name}"
    return name


def _length_text(run) -> str:
    """Logged points of the longest series: ``30 epochs``, ``2,000,000 steps``; for a run
    that logs both (the Keras TensorBoard callback: ``epoch_*`` per epoch,
    ``evaluation_*`` per step) ``20 epochs, 20 steps``."""
    longest: dict[str, int] = {}
    for name, s in run.series.items():
        kind = run.step_kind_of(name)
        longest[kind] = max(longest.get(kind, 0), len(s))
    if not longest:
        longest[run.step_kind] = 0
    return ", ".join(f"{longest[k]:,} {k}s" for k in ("epoch", "step") if k in longest)


def _worst(findings) -> str | None:
    order = {"critical": 0, "warning": 1, "info": 2}
    if not findings:
        return None
    return min((f.severity for f in findings), key=lambda s: order.get(s, 3))
