"""Runs panel: files -> runs -> metrics, with checkboxes, colours, rename, remove, reload."""

from __future__ import annotations

import os

import numpy as np
from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QBrush, QColor, QFont, QFontMetrics
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QColorDialog,
    QHBoxLayout,
    QHeaderView,
    QMenu,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from analysis import naming
from gui.axes import format_value, format_x
from gui.curves import series_variants
from gui.icons import color_icon, line_icon
from gui.store import RunStore
from gui.theme import MUTED, SEVERITY_COLORS, variant_color

KIND_ROLE = Qt.UserRole + 1  # "file" / "run" / "metric"
KEY_ROLE = Qt.UserRole + 2  # path for files, run key for runs and metrics
METRIC_ROLE = Qt.UserRole + 3
#: (prefix, suffix) pairs an item's name shares with its most similar neighbours
#: (:func:`shared_affixes`).
SHARED_ROLE = Qt.UserRole + 4
LIVE_COLOR = "#188038"
#: Widest text the "Last" column is sized for (a value in scientific notation, a length).
LAST_SAMPLES = ("-6.507e+07", "1,000 steps", "● live")
#: Run notes shown at most in a run's tooltip.
TOOLTIP_NOTES = 12
#: Narrowest the panel asks to be (pixels): its dock then fits beside the plots on a
#: 1024-px screen (names are elided, full names in the tooltips).
MIN_PANEL_WIDTH = 150
#: Least width (pixels) of the names column before the "Last" column is hidden.
MIN_NAME_WIDTH = 170


def shared_prefixes(names: list[str]) -> list[int]:
    """For each name, the length of the longest start it shares with another name.

    Parameters
    ----------
    names : list of str
        Names shown in one list (every run, every file, the metrics of one run).

    Returns
    -------
    list of int
        0 for a name whose first character already differs from every other name.
    """
    return [max((p for p, _s in nb), default=0) for nb in shared_affixes(names)]


def _common_prefix(a: str, b: str) -> int:
    return len(os.path.commonprefix([a, b]))


def _common_suffix(a: str, b: str) -> int:
    return _common_prefix(a[::-1], b[::-1])


def shared_affixes(names: list[str]) -> list[tuple[tuple[int, int], ...]]:
    """For each name, how it overlaps its most similar neighbours.

    The neighbours are the name sharing the longest start with it and the name sharing
    the longest end (found in sorted order, O(n log n)). For each neighbour the pair
    (shared start, shared end) is given: a shown form of the name is told apart from
    that neighbour when its head reaches past the shared start or its tail past the
    shared end (:func:`elide_name`).

    Parameters
    ----------
    names : list of str

    Returns
    -------
    list of tuple of (int, int)
        Per name, one (prefix, suffix) pair per distinct neighbour; empty for a name
        alone.
    """
    n = len(names)
    if n < 2:
        return [()] * n
    best_pre = [(-1, -1)] * n  # (shared length, neighbour index)
    best_suf = [(-1, -1)] * n
    for key, best in ((lambda i: names[i], best_pre), (lambda i: names[i][::-1], best_suf)):
        order = sorted(range(n), key=key)
        for a, b in zip(order[:-1], order[1:], strict=True):
            k = _common_prefix(key(a), key(b))
            if k > best[a][0]:
                best[a] = (k, b)
            if k > best[b][0]:
                best[b] = (k, a)
    out = []
    for i, name in enumerate(names):
        pairs = []
        for j in dict.fromkeys(j for _k, j in (best_pre[i], best_suf[i]) if j >= 0):
            other = names[j]
            pairs.append((_common_prefix(name, other), _common_suffix(name, other)))
        out.append(tuple(pairs))
    return out


#: Characters of the tail kept before the first one that differs from a neighbour.
ELIDE_CONTEXT = 2


def elide_name(
    text: str, fm: QFontMetrics, width: int, neighbours: tuple[tuple[int, int], ...] = ()
) -> str:
    """The name as shown in ``width`` pixels: cut in the middle, keeping what tells it apart.

    Names of runs and files often differ only in the middle or at the end
    (``demo-retrain-20261129-225639`` and ``…-225709``; ``exp1/training.log`` and
    ``exp2/training.log``), where a cut at the right made two rows look the same
    (QA3 4). The name keeps a head and a tail around one ellipsis, as balanced as
    Qt's ``ElideMiddle``, chosen so that for every neighbour the head reaches past
    the start they share or the tail past the end they share: ``demo-re…225639``,
    ``healthy_b…cancer``. When no head and tail can, the plain middle cut is shown.

    Parameters
    ----------
    text : str
    fm : QFontMetrics
        Font of the item.
    width : int
        Pixels available for the text.
    neighbours : tuple of (int, int)
        (shared prefix, shared suffix) with each of the most similar names
        (:func:`shared_affixes`).

    Returns
    -------
    str
    """
    width = max(1, int(width))
    n = len(text)
    if fm.horizontalAdvance(text) <= width:
        return text
    mid = fm.elidedText(text, Qt.ElideMiddle, width)
    cons = [(p, s) for p, s in neighbours if p + s < n]
    if not cons:
        return mid
    ell = fm.horizontalAdvance("…")
    head_w = [fm.horizontalAdvance(text[:i]) for i in range(n + 1)]
    tail_w = [fm.horizontalAdvance(text[j:]) for j in range(n + 1)]

    def apart(h: int, t: int, ctx: int) -> bool:
        return all(h > p or n - t > s + ctx for p, s in cons)

    # a few characters of head and some context before a differing tail character
    # first; then without context; then with any head
    for ctx, min_head in ((ELIDE_CONTEXT, 3), (0, 3), (0, 0)):
        best = None
        t = n
        for h in range(n, min_head - 1, -1):  # head length; the tail grows as it shrinks
            if head_w[h] + ell > width:
                continue
            while t > h and head_w[h] + ell + tail_w[t - 1] <= width:
                t -= 1
            if t <= h:
                continue
            if apart(h, t, ctx):
                score = abs(h - (n - t))  # balanced, as ElideMiddle
                if best is None or score < best[0]:
                    best = (score, h, t)
        if best is not None:
            _s, h, t = best
            out = text[:h] + "…" + text[t:]
            while fm.horizontalAdvance(out) > width and h > 0:  # kerning: trim the head
                h -= 1
                out = text[:h] + "…" + text[t:]
            return out
    return mid


class _NameDelegate(QStyledItemDelegate):
    """Paints the name column with :func:`elide_name`'s cut (Qt's elide mode is per view).

    ``painted`` maps (kind, key, metric) to the text last painted (tests, screenshots).
    """

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.painted: dict[tuple, str] = {}
        self._cache: dict[tuple, str] = {}

    def paint(self, painter, option, index) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        w = opt.widget
        style = w.style() if w is not None else QApplication.style()
        if index.column() == 0 and opt.text:
            rect = style.subElementRect(QStyle.SE_ItemViewItemText, opt, w)
            # the style's own text margins (QCommonStyle: PM_FocusFrameHMargin + 1 each side)
            margin = 2 * (style.pixelMetric(QStyle.PM_FocusFrameHMargin, None, w) + 1)
            nb = tuple(tuple(x) for x in (index.data(SHARED_ROLE) or ()))
            ck = (opt.text, rect.width() - margin, nb, opt.font.key())
            shown = self._cache.get(ck)
            if shown is None:
                if len(self._cache) > 4000:
                    self._cache.clear()
                shown = self._cache[ck] = elide_name(
                    opt.text, opt.fontMetrics, rect.width() - margin, nb
                )
            opt.text = shown
            opt.textElideMode = Qt.ElideNone
            key = (index.data(KIND_ROLE), index.data(KEY_ROLE), index.data(METRIC_ROLE))
            self.painted[key] = shown
        style.drawControl(QStyle.CE_ItemViewItem, opt, painter, w)


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
        bar_host = QWidget()
        bar = QHBoxLayout(bar_host)
        bar.setContentsMargins(0, 0, 0, 0)
        bar.setSpacing(2)
        st = self.style()
        self._tool_buttons: list[QToolButton] = []

        def tool(text: str, icon, tip: str, slot) -> QToolButton:
            b = QToolButton()
            b.setText(text)
            b.setIcon(st.standardIcon(icon))
            b.setToolTip(tip)
            b.setToolButtonStyle(Qt.ToolButtonTextBesideIcon)
            b.setAutoRaise(True)
            b.clicked.connect(slot)
            bar.addWidget(b)
            self._tool_buttons.append(b)
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
        # a narrow dock shows the buttons as icons (text in the tooltips) instead of
        # holding the window wider than a small screen (QA3 1)
        self._bar_full_width = bar_host.sizeHint().width()
        bar_host.setMinimumWidth(1)
        lay.addWidget(bar_host)

        self.tree = QTreeWidget()
        self.tree.setColumnCount(2)
        self.tree.setHeaderLabels(["Name", "Last"])
        self.tree.header().setStretchLastSection(False)
        self.tree.header().setSectionResizeMode(0, QHeaderView.Stretch)
        # "Last" as narrow as its values allow: the names need the width (QA2 4)
        self.tree.header().setSectionResizeMode(1, QHeaderView.Fixed)
        fm = self.tree.fontMetrics()
        self.tree.header().resizeSection(1, max(fm.horizontalAdvance(t) for t in LAST_SAMPLES) + 14)
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
        # names are cut in the middle, keeping what tells them apart (elide_name); full
        # names in the tooltips
        self.tree.setTextElideMode(Qt.ElideMiddle)
        self.name_delegate = _NameDelegate(self.tree)
        self.tree.setItemDelegateForColumn(0, self.name_delegate)
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

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt naming)
        super().resizeEvent(event)
        self._fit_last_column()
        style = (
            Qt.ToolButtonTextBesideIcon
            if self.width() >= self._bar_full_width + 12
            else Qt.ToolButtonIconOnly
        )
        for b in self._tool_buttons:
            if b.toolButtonStyle() != style:
                b.setToolButtonStyle(style)

    def minimumSizeHint(self):  # noqa: N802
        hint = super().minimumSizeHint()
        return hint.boundedTo(QSize(MIN_PANEL_WIDTH, hint.height()))

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
            # what tells a name apart is found among every row of its kind: two retrain
            # jobs' runs sit under different files, yet must not look alike (QA3 4)
            files = list(self.store.files.values())
            file_affix = dict(
                zip(
                    (f.path for f in files),
                    shared_affixes([file_label(f.path) for f in files]),
                    strict=True,
                )
            )
            entries_all = [
                self.store.entries[k] for f in files for k in f.run_keys if k in self.store.entries
            ]
            run_affix = dict(
                zip(
                    (e.key for e in entries_all),
                    shared_affixes([e.name for e in entries_all]),
                    strict=True,
                )
            )
            for f in files:
                fi = QTreeWidgetItem([file_label(f.path), ""])
                fi.setData(0, KIND_ROLE, "file")
                fi.setData(0, KEY_ROLE, f.path)
                fi.setData(0, SHARED_ROLE, file_affix[f.path])
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
                entries = [self.store.entries[k] for k in f.run_keys if k in self.store.entries]
                for e in entries:
                    key = e.key
                    ri = QTreeWidgetItem([e.name, _length_text(e.run)])
                    ri.setData(0, KIND_ROLE, "run")
                    ri.setData(0, KEY_ROLE, e.key)
                    ri.setData(0, SHARED_ROLE, run_affix[e.key])
                    ri.setFlags(ri.flags() | Qt.ItemIsUserCheckable | Qt.ItemIsEditable)
                    ri.setCheckState(0, Qt.Checked if e.visible else Qt.Unchecked)
                    ri.setIcon(0, color_icon(e.color))
                    ri.setFont(0, bold)
                    ri.setForeground(1, QBrush(QColor(MUTED)))
                    ri.setToolTip(0, run_tooltip(e) + f"\n{_length_text(e.run, compact=False)}")
                    ri.setToolTip(1, _length_text(e.run, compact=False))
                    fi.addChild(ri)
                    variants = series_variants(e.run.series)
                    metrics = sorted(
                        e.run.series,
                        key=lambda m: (
                            naming.is_counter(m),
                            naming.base_name(m).lower(),
                            {"train": 0, "val": 1}.get(naming.role(m), 2),
                        ),
                    )
                    metric_shared = shared_affixes(metrics)
                    for m, m_shared in zip(metrics, metric_shared, strict=True):
                        s = e.run.series[m]
                        st = s.stats()
                        last, last_tip = last_value(s, e.run.step_kind_of(m))
                        mi = QTreeWidgetItem([m, last])
                        mi.setData(0, KIND_ROLE, "metric")
                        mi.setData(0, KEY_ROLE, e.key)
                        mi.setData(0, METRIC_ROLE, m)
                        mi.setData(0, SHARED_ROLE, m_shared)
                        mi.setFlags((mi.flags() | Qt.ItemIsUserCheckable) & ~Qt.ItemIsEditable)
                        mi.setCheckState(0, Qt.Unchecked if m in e.hidden_metrics else Qt.Checked)
                        var = variants.get(m, (0, 1))[0]
                        mi.setIcon(
                            0, line_icon(variant_color(e.color, var), naming.role(m), 16, var)
                        )
                        mi.setForeground(1, QBrush(QColor(MUTED)))
                        fam = naming.family(m)
                        tip = f"{m}: {fam}, {naming.role(m)}; {len(s)} points; {last_tip}"
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
        self._fit_last_column()

    def _last_texts(self) -> list[str]:
        out = []
        stack = [self.tree.topLevelItem(i) for i in range(self.tree.topLevelItemCount())]
        while stack:
            it = stack.pop()
            if it.text(1):
                out.append(it.text(1))
            stack.extend(it.child(i) for i in range(it.childCount()))
        return out

    def _fit_last_column(self) -> None:
        """The "Last" column as wide as its widest value (``20 ep · 20 st`` whole, QA3 8);
        hidden when the names would keep less than :data:`MIN_NAME_WIDTH` pixels (the
        values stay in the names' tooltips)."""
        fm = self.tree.fontMetrics()
        texts = self._last_texts() or list(LAST_SAMPLES)
        need = max(fm.horizontalAdvance(t) for t in texts) + 16
        room = self.tree.viewport().width() - need
        hide = room < MIN_NAME_WIDTH
        if self.tree.isColumnHidden(1) != hide:
            self.tree.setColumnHidden(1, hide)
        if not hide and self.tree.header().sectionSize(1) != need:
            self.tree.header().resizeSection(1, need)

    def last_column_shown(self) -> bool:
        return not self.tree.isColumnHidden(1)

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

    def shown_name(self, kind: str, key, metric: str | None = None) -> str | None:
        """The name of a file/run/metric row as last painted (cut to the column's width)."""
        return self.name_delegate.painted.get((kind, key, metric))

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

    ``runs/exp3/training.log`` -> ``exp3/training.log`` (generic log names by the
    readers' rule, :func:`analysis.readers.names.is_generic_stem`, and TensorBoard
    event files), so several retrain jobs' logs are told apart;
    ``001_akboles_speaker250_training.log`` stays as it is. Only the file rows use this:
    runs show :attr:`Run.name`.
    """
    from analysis.readers.names import is_generic_stem

    p = path.rstrip(os.sep)
    name = os.path.basename(p) or p
    stem = name.split(".", 1)[0]
    parent = os.path.basename(os.path.dirname(p))
    if parent and (is_generic_stem(stem) or name.startswith("events.out.tfevents")):
        return f"{parent}/{name}"
    return name


def _count(n: int) -> str:
    """``950``, ``1,000``, ``12k``, ``2.0M``: at most 5 characters."""
    if n < 10_000:
        return f"{n:,}"
    if n < 1_000_000:
        return f"{n // 1000}k"
    return f"{n / 1e6:.1f}M"


def _length_text(run, compact: bool = True) -> str:
    """Logged points of the longest series: ``30 epochs``, ``2.0M steps``; for a run
    that logs both (the Keras TensorBoard callback: ``epoch_*`` per epoch,
    ``evaluation_*`` per step) ``20 ep · 20 st``. ``compact=False``: every count in
    full (``20 epochs, 20 steps``; the cell's tooltip)."""
    longest: dict[str, int] = {}
    for name, s in run.series.items():
        kind = run.step_kind_of(name)
        longest[kind] = max(longest.get(kind, 0), len(s))
    if not longest:
        longest[run.step_kind] = 0
    kinds = [k for k in ("epoch", "step") if k in longest]
    if not compact:
        return ", ".join(f"{longest[k]:,} {k}s" for k in kinds)
    if len(kinds) > 1:
        return " · ".join(f"{_count(longest[k])} {k[:2]}" for k in kinds)
    k = kinds[0]
    return f"{_count(longest[k])} {k}s"


def last_value(s, unit: str = "epoch") -> tuple[str, str]:
    """The "Last" cell of a metric and its tooltip words: the last value *as logged*.

    A log that ends in NaN/inf shows ``NaN``/``inf`` (QA3 8: ``nan_after_lr_jump`` showed
    0.014937, its last finite loss, while epochs 15-29 were NaN); the tooltip says since
    when and gives the last finite value.

    Parameters
    ----------
    s : analysis.model.Series
    unit : {"epoch", "step"}
        What the series' ``step`` counts (:meth:`Run.step_kind_of`).

    Returns
    -------
    cell, tip : str
    """
    if len(s) == 0:
        return "–", "no values"
    v = s.value
    last = float(v[-1])
    if np.isfinite(last):
        return format_value(last), "last value as logged"
    fin = np.flatnonzero(np.isfinite(v))
    i0 = int(fin[-1]) + 1 if len(fin) else 0
    since = format_x(float(s.step[i0]), unit)
    tip = f"last value as logged {format_value(last)}, non-finite since {unit} {since}"
    if len(fin):
        tip += (
            f" (last finite value {format_value(float(v[fin[-1]]))} at {unit} "
            f"{format_x(float(s.step[fin[-1]]), unit)})"
        )
    return format_value(last), tip


def run_tooltip(e) -> str:
    """A run's tooltip: its full name, format and source, findings, and the reader's notes
    (routine notes such as line endings stay here, out of the Messages panel)."""
    tip = [e.name if e.name == e.run.name else f"{e.name} (read as {e.run.name})"]
    tip.append(f"{e.run.format} · {e.run.source}")
    worst = _worst(e.findings)
    if worst:
        tip.append(f"{len(e.findings)} finding(s), worst: {worst}")
    notes = list(e.run.notes)
    if notes:
        tip.append("Reader notes:")
        tip.extend(f"  · {n}" for n in notes[:TOOLTIP_NOTES])
        if len(notes) > TOOLTIP_NOTES:
            tip.append(f"  … and {len(notes) - TOOLTIP_NOTES} more")
    return "\n".join(tip)


def _worst(findings) -> str | None:
    order = {"critical": 0, "warning": 1, "info": 2}
    if not findings:
        return None
    return min((f.severity for f in findings), key=lambda s: order.get(s, 3))
