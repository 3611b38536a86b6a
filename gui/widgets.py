"""Small widgets and helpers that keep the window inside small screens.

:class:`ElidedLabel` shows as much of its text as fits (one line cut with an
ellipsis, or up to ``max_lines`` wrapped lines with the last one cut) and never
asks its layout for the width of the whole text, so a long status message or
notice cannot make the main window wider than the screen (QA3 1: a status line
with a long path made the window 1087 px wide on a 1024-px screen).
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget


def wrap_elide(text: str, fm: QFontMetrics, width: int, max_lines: int) -> list[str]:
    """Greedy word wrap of ``text`` into at most ``max_lines`` lines of ``width`` pixels.

    Parameters
    ----------
    text : str
    fm : QFontMetrics
        Font the lines are drawn with.
    width : int
        Pixels per line.
    max_lines : int
        Lines at most; the last one is cut with an ellipsis when text is left over.

    Returns
    -------
    list of str
        The lines (a word longer than a line is cut in the middle of the word).
    """
    width = max(1, int(width))
    words = text.split()
    if not words:
        return [""]
    lines: list[str] = []
    cur = ""
    i = 0
    while i < len(words):
        w = words[i]
        cand = f"{cur} {w}" if cur else w
        if fm.horizontalAdvance(cand) <= width:
            cur = cand
            i += 1
            continue
        if not cur:  # one word wider than the line: cut it
            cur = fm.elidedText(w, Qt.ElideRight, width)
            i += 1
        lines.append(cur)
        cur = ""
        if len(lines) == max_lines:
            break
    if cur and len(lines) < max_lines:
        lines.append(cur)
    if i < len(words) or (len(lines) == max_lines and cur and lines[-1] != cur):
        # text left over: the last line takes the rest, cut at the right
        start = sum(len(ln.split()) for ln in lines[:-1])
        rest = " ".join(words[start:])
        lines[-1] = fm.elidedText(rest, Qt.ElideRight, width)
    return lines


class ElidedLabel(QLabel):
    """A plain-text label cut to its width: one line (``mode``: where the ellipsis goes)
    or ``max_lines`` wrapped lines, the last cut at the right.

    :meth:`text` returns the full text; :meth:`shown_text` what is on screen. With
    ``auto_tooltip`` the full text becomes the tooltip while it is cut. The label's
    minimum width is ``min_chars`` average characters, so layouts can shrink it.
    """

    def __init__(
        self,
        text: str = "",
        parent: QWidget | None = None,
        max_lines: int = 1,
        mode: Qt.TextElideMode = Qt.ElideRight,
        min_chars: int = 6,
        auto_tooltip: bool = True,
    ) -> None:
        super().__init__(parent)
        self._full = ""
        self._max_lines = max(1, int(max_lines))
        self._mode = mode
        self._min_chars = int(min_chars)
        self._auto_tip = auto_tooltip
        self._cut = False
        self.setTextFormat(Qt.PlainText)
        self.setWordWrap(False)
        self.setSizePolicy(QSizePolicy.Preferred, QSizePolicy.Preferred)
        self.setText(text)

    # -- text ---------------------------------------------------------------------
    def setText(self, text: str) -> None:  # noqa: N802 (Qt naming)
        text = "" if text is None else str(text)
        changed = text != self._full
        self._full = text
        self._refit()
        if changed:
            self.updateGeometry()

    def text(self) -> str:
        return self._full

    def shown_text(self) -> str:
        """The text as drawn (cut to the label's width)."""
        return super().text()

    def is_cut(self) -> bool:
        return self._cut

    def _extra_w(self) -> int:
        """Pixels of the label's width that are not text: margins, indent and the style
        sheet's padding and border (measured from QLabel's own size hint)."""
        shown = super().text().split("\n")
        fm = self.fontMetrics()
        text_w = max((fm.horizontalAdvance(ln) for ln in shown), default=0)
        return max(0, QLabel.sizeHint(self).width() - text_w)

    def _refit(self) -> None:
        fm = self.fontMetrics()
        width = max(1, self.width() - self._extra_w())
        if self._max_lines == 1 or "\n" in self._full:
            lines = [fm.elidedText(line, self._mode, width) for line in self._full.split("\n")][
                : self._max_lines
            ]
        else:
            lines = wrap_elide(self._full, fm, width, self._max_lines)
        shown = "\n".join(lines)
        self._cut = " ".join(shown.split()) != " ".join(self._full.split())
        if super().text() != shown:
            super().setText(shown)
        if self._auto_tip:
            self.setToolTip(self._full if self._cut else "")
        if self._max_lines > 1:
            h = max(self._height_for(len(lines)), QLabel.sizeHint(self).height())
            if self.minimumHeight() != h or self.maximumHeight() != h:
                self.setFixedHeight(h)

    def _height_for(self, n_lines: int) -> int:
        fm = self.fontMetrics()
        m = self.contentsMargins()
        return fm.lineSpacing() * max(1, n_lines) + m.top() + m.bottom() + 2 * self.margin() + 1

    # -- geometry ----------------------------------------------------------------
    def sizeHint(self) -> QSize:  # noqa: N802 (Qt naming)
        fm = self.fontMetrics()
        lines = self._full.split("\n") if self._max_lines == 1 else [self._full]
        w = max((fm.horizontalAdvance(ln) for ln in lines), default=0) + self._extra_w() + 2
        if self._max_lines > 1:
            return QSize(w, max(self.minimumHeight(), super().sizeHint().height()))
        return QSize(w, super().sizeHint().height())

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        fm = self.fontMetrics()
        w = min(
            fm.averageCharWidth() * self._min_chars,
            fm.horizontalAdvance(self._full.split("\n")[0]) if self._full else 0,
        )
        h = super().minimumSizeHint().height() if self._max_lines == 1 else self.minimumHeight()
        return QSize(w + self._extra_w() + 2, h)

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._refit()


def shrinkable(widget: QWidget, min_width: int = 1) -> QWidget:
    """Let layouts shrink ``widget`` below its contents' minimum width (they are clipped
    at the right; callers switch to a compact form on resize, e.g. icon-only buttons)."""
    widget.setMinimumWidth(min_width)
    return widget
