"""Messages panel: a non-modal log of what happened (unreadable files, reader notes)."""

from __future__ import annotations

import time

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from gui.icons import severity_icon
from gui.theme import MUTED

_LEVEL_ICON = {"error": "critical", "warning": "warning", "info": "info"}
MAX_MESSAGES = 1000


_RANK = {"error": 0, "warning": 1, "info": 2}


class MessagesPanel(QWidget):
    """Time-stamped messages: errors first, then warnings, then notes (each oldest first).

    Errors and warnings are never pushed out of view by the many info notes a
    folder of logs produces (QA 14); :meth:`messages` still returns everything in
    the order it arrived.

    Signals
    -------
    attentionNeeded()
        An error or warning arrived (the window shows the panel).
    messageAdded(str, str)
        Level and text of every message (``--screenshot`` prints errors to stderr).
    """

    attentionNeeded = Signal()
    messageAdded = Signal(str, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._log: list[tuple[str, str]] = []
        self._counts = {"error": 0, "warning": 0, "info": 0}
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 2, 6, 4)
        lay.setSpacing(2)
        self.list = QTreeWidget()
        self.list.setColumnCount(2)
        self.list.setHeaderHidden(True)
        self.list.setRootIsDecorated(False)
        self.list.setUniformRowHeights(True)
        self.list.setSelectionMode(QAbstractItemView.ExtendedSelection)
        self.list.header().setStretchLastSection(True)
        self.list.header().setSectionResizeMode(0, QHeaderView.ResizeToContents)
        self.list.setTextElideMode(Qt.ElideMiddle)
        # two rows at least; the window gives the dock its height from the plots' (QA3 1)
        self.list.setMinimumHeight(2 * (self.list.fontMetrics().height() + 8))
        lay.addWidget(self.list, 1)
        row = QHBoxLayout()
        self.summary = QLabel()
        self.summary.setObjectName("Muted")
        row.addWidget(self.summary)
        row.addStretch(1)
        clear = QPushButton("Clear")
        clear.clicked.connect(self.clear)
        row.addWidget(clear)
        lay.addLayout(row)

    def add(self, level: str, text: str) -> None:
        """Add a message (``error``, ``warning`` or ``info``); one line each."""
        level = level if level in _RANK else "info"
        line = " ".join(str(text).split())
        self._log.append((level, line))
        if len(self._log) > MAX_MESSAGES:
            self._log.pop(0)
        it = QTreeWidgetItem([time.strftime("%H:%M:%S"), line])
        it.setIcon(1, severity_icon(_LEVEL_ICON.get(level, "info")))
        it.setForeground(0, QBrush(QColor(MUTED)))
        it.setToolTip(1, line)
        it.setData(0, Qt.UserRole, level)
        c = self._counts
        pos = {"error": c["error"], "warning": c["error"] + c["warning"]}.get(
            level, self.list.topLevelItemCount()
        )
        self.list.insertTopLevelItem(pos, it)
        c[level] += 1
        while self.list.topLevelItemCount() > MAX_MESSAGES:
            # the oldest note goes first; errors and warnings only when there is no note
            k = c["error"] + c["warning"] if c["info"] else 0
            old = self.list.takeTopLevelItem(k)
            c[old.data(0, Qt.UserRole)] -= 1
        if level != "info":  # notes never scroll errors and warnings out of view
            self.list.scrollToItem(it)
        self._update_summary()
        self.messageAdded.emit(level, line)
        if level in ("error", "warning"):
            self.attentionNeeded.emit()

    def _update_summary(self) -> None:
        c = self._counts
        words = (
            ("error", "error", "errors"),
            ("warning", "warning", "warnings"),
            ("info", "note", "notes"),
        )
        parts = [f"{c[k]} {one if c[k] == 1 else many}" for k, one, many in words if c[k]]
        self.summary.setText(" · ".join(parts))

    def messages(self) -> list[tuple[str, str]]:
        """(level, text) of every message, oldest first (in the order they arrived)."""
        return list(self._log)

    def shown(self) -> list[tuple[str, str]]:
        """(level, text) in display order: errors, warnings, notes."""
        out = []
        for i in range(self.list.topLevelItemCount()):
            it = self.list.topLevelItem(i)
            out.append((it.data(0, Qt.UserRole), it.text(1)))
        return out

    def count(self, level: str) -> int:
        return self._counts.get(level, 0)

    def rows_hint(self) -> int:
        """Pixel height that shows every error and warning and a note or two (4 to 8
        rows), plus the Clear row."""
        n = min(8, max(4, self._counts["error"] + self._counts["warning"] + 2))
        row = max(self.list.sizeHintForRow(0), self.list.fontMetrics().height() + 6)
        return n * row + 52

    def clear(self) -> None:
        self.list.clear()
        self._log.clear()
        self._counts = dict.fromkeys(self._counts, 0)
        self._update_summary()
