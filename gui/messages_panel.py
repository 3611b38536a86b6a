"""Messages panel: a non-modal log of what happened (unreadable files, reader notes)."""

from __future__ import annotations

import time

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
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


class MessagesPanel(QWidget):
    """Time-stamped messages, newest last. ``error`` and ``warning`` raise the panel.

    Signals
    -------
    attentionNeeded()
        An error or warning arrived (the window shows the panel).
    """

    attentionNeeded = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
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
        lay.addWidget(self.list, 1)
        row = QHBoxLayout()
        row.addStretch(1)
        clear = QPushButton("Clear")
        clear.clicked.connect(self.clear)
        row.addWidget(clear)
        lay.addLayout(row)

    def add(self, level: str, text: str) -> None:
        """Append a message (``error``, ``warning`` or ``info``); one line each."""
        line = " ".join(str(text).split())
        it = QTreeWidgetItem([time.strftime("%H:%M:%S"), line])
        it.setIcon(1, severity_icon(_LEVEL_ICON.get(level, "info")))
        it.setForeground(0, QBrush(QColor(MUTED)))
        it.setToolTip(1, line)
        it.setData(0, Qt.UserRole, level)
        self.list.addTopLevelItem(it)
        while self.list.topLevelItemCount() > MAX_MESSAGES:
            self.list.takeTopLevelItem(0)
        self.list.scrollToItem(it)
        if level in ("error", "warning"):
            self.attentionNeeded.emit()

    def messages(self) -> list[tuple[str, str]]:
        """(level, text) of every message, oldest first."""
        out = []
        for i in range(self.list.topLevelItemCount()):
            it = self.list.topLevelItem(i)
            out.append((it.data(0, Qt.UserRole), it.text(1)))
        return out

    def clear(self) -> None:
        self.list.clear()
