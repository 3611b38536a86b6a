"""A plot's legend as a strip above the plot, so it never covers the data.

:class:`LegendBar` lays its entries out left to right in at most
:data:`MAX_ROWS` rows; entries that do not fit are summed up as ``+N more``
(tooltip: their names). The plot puts the line-style key (training solid,
validation dashed) first, so it is the last thing to be left out.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QPointF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPen
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

from gui.theme import MUTED, TEXT, dash_pattern

#: Rows the strip may take before entries are summed up as "+N more".
MAX_ROWS = 2
#: Entry text longer than this is elided in the middle (full text in the tooltip).
MAX_CHARS = 34
SAMPLE_W = 22
GAP = 12


@dataclass(frozen=True)
class LegendEntry:
    """One legend line: a pen sample and its text."""

    color: str
    role: str  # "train" (solid), "val" (dashed), "test" (dotted)
    text: str
    variant: int = 0  # the metric's pattern within its role (gui.theme.dash_pattern)


def elide_middle(text: str, n: int = MAX_CHARS) -> str:
    """``validation/evaluation_loss_vs_iterations`` -> ``validation/ev…s_vs_iterations``.

    Names that differ at the end (``…/epoch_loss`` vs ``…/evaluation_loss``) stay
    distinguishable, unlike a cut at the right.
    """
    if len(text) <= n:
        return text
    head = (n - 1) // 2
    return text[:head] + "…" + text[len(text) - (n - 1 - head) :]


def elide_entry(text: str, n: int = MAX_CHARS) -> str:
    """A legend text cut to ``n`` characters; ``run · metric`` keeps the metric whole (up
    to 20 characters) and cuts the run's name at the right: ``045_pinnforem… · mean_loss``."""
    if len(text) <= n or " · " not in text:
        return elide_middle(text, n)
    run, metric = text.rsplit(" · ", 1)
    metric = elide_middle(metric, min(20, n - 8))
    room = n - len(metric) - 3
    if room < 4:
        return elide_middle(text, n)
    run = run if len(run) <= room else run[: room - 1] + "…"
    return f"{run} · {metric}"


def sample_pen(color: str, role: str, width: float = 2.0, variant: int = 0) -> QPen:
    """The pen of a legend sample (as the plot's curves): dashed for validation, dotted
    for test, the metric's pattern for a run's further metrics (:func:`dash_pattern`)."""
    pen = QPen(QColor(color))
    pen.setWidthF(width)
    pen.setCosmetic(True)
    pat = dash_pattern(role, variant, width)
    if pat is not None:
        pen.setStyle(Qt.CustomDashLine)
        pen.setDashPattern(pat)
    return pen


class _Entry(QWidget):
    def __init__(self, entry: LegendEntry, font: QFont, parent: QWidget) -> None:
        super().__init__(parent)
        self.entry = entry
        self.setFont(font)
        self.shown_text = elide_entry(entry.text)
        self.setToolTip(entry.text)
        fm = QFontMetrics(font)
        self._w = SAMPLE_W + 5 + fm.horizontalAdvance(self.shown_text)
        self._h = fm.height() + 2

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt naming)
        return QSize(self._w, self._h)

    def paintEvent(self, _event) -> None:  # noqa: N802
        p = QPainter(self)
        p.setRenderHint(QPainter.Antialiasing, True)
        y = self.height() / 2
        p.setPen(sample_pen(self.entry.color, self.entry.role, 2.0, self.entry.variant))
        p.drawLine(QPointF(1, y), QPointF(SAMPLE_W - 1, y))
        p.setPen(QColor(TEXT))
        p.drawText(
            SAMPLE_W + 5,
            0,
            self.width() - SAMPLE_W - 5,
            self.height(),
            Qt.AlignVCenter | Qt.AlignLeft,
            self.shown_text,
        )
        p.end()


class LegendBar(QWidget):
    """Legend entries in at most :data:`MAX_ROWS` rows above a plot, then ``+N more``."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Fixed)
        font = QFont(self.font())
        font.setPointSizeF(max(7.5, font.pointSizeF() - 1.0))
        self._font = font
        self._entries: list[_Entry] = []
        self._more = QLabel(self)
        self._more.setFont(font)
        self._more.setStyleSheet(f"color: {MUTED};")
        self._more.hide()
        self._row_h = QFontMetrics(font).height() + 2
        self._rows = 1
        self._shown = 0
        #: Rows at most (:data:`MAX_ROWS`; one in a short plot, see :meth:`set_max_rows`).
        self.max_rows = MAX_ROWS
        self.setFixedHeight(self._row_h)

    def set_max_rows(self, n: int) -> None:
        """At most ``n`` rows (a short plot keeps its height for the data)."""
        n = max(1, int(n))
        if n != self.max_rows:
            self.max_rows = n
            self._relayout()

    # -- content ---------------------------------------------------------------------
    def set_entries(self, entries: list[LegendEntry]) -> None:
        """Replace the entries (shown in this order)."""
        old = [e.entry for e in self._entries]
        if old == list(entries):
            return
        for e in self._entries:
            e.hide()
            e.setParent(None)
            e.deleteLater()
        self._entries = [_Entry(x, self._font, self) for x in entries]
        self._relayout()
        self.setVisible(bool(entries))

    def texts(self) -> list[str]:
        """Every entry's full text, shown or not."""
        return [e.entry.text for e in self._entries]

    def shown_texts(self) -> list[str]:
        """Texts of the entries on screen (the rest are in ``+N more``)."""
        return [e.entry.text for e in self._entries[: self._shown]]

    def more_text(self) -> str:
        return self._more.text() if not self._more.isHidden() else ""

    def entries(self) -> list[LegendEntry]:
        return [e.entry for e in self._entries]

    # -- layout --------------------------------------------------------------------------
    def _flow(self, width: int) -> tuple[list[tuple[int, int]], int, tuple[int, int] | None]:
        """Positions (x, row) of the shown entries, row count, position of "+N more"."""
        n = len(self._entries)
        placed: list[tuple[int, int]] = []
        x = row = 0
        for e in self._entries:
            w = e.sizeHint().width()
            if x > 0 and x + w > width:
                row += 1
                x = 0
            if row >= self.max_rows:
                break
            placed.append((x, row))
            x += w + GAP
        if len(placed) == n:
            return placed, (placed[-1][1] + 1 if placed else 1), None
        fm = QFontMetrics(self._font)
        while True:
            rest = n - len(placed)
            more_w = fm.horizontalAdvance(f"+{rest} more")
            if not placed:
                return [], 1, (0, 0)
            px, prow = placed[-1]
            end = px + self._entries[len(placed) - 1].sizeHint().width() + GAP
            if end + more_w <= width:
                return placed, prow + 1, (end, prow)
            if prow < self.max_rows - 1:
                return placed, prow + 2, (0, prow + 1)
            placed.pop()

    def _relayout(self) -> None:
        width = max(self.width(), 50)
        placed, rows, more = self._flow(width)
        self._shown = len(placed)
        for i, e in enumerate(self._entries):
            if i < len(placed):
                x, r = placed[i]
                e.setGeometry(x, r * self._row_h, e.sizeHint().width(), self._row_h)
                e.show()
            else:
                e.hide()
        if more is not None:
            hidden = self._entries[len(placed) :]
            self._more.setText(f"+{len(hidden)} more")
            self._more.setToolTip(
                "\n".join(e.entry.text for e in hidden[:80])
                + (f"\n… and {len(hidden) - 80} more" if len(hidden) > 80 else "")
            )
            self._more.adjustSize()
            self._more.move(
                more[0], more[1] * self._row_h + (self._row_h - self._more.height()) // 2
            )
            self._more.show()
        else:
            self._more.hide()
        if rows != self._rows:
            self._rows = rows
            self.setFixedHeight(rows * self._row_h)

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._relayout()

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(200, self._rows * self._row_h)
