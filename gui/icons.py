"""Icons drawn with QPainter (no image files to ship): severities, run colours, the app."""

from __future__ import annotations

from functools import lru_cache

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QIcon, QPainter, QPainterPath, QPen, QPixmap, QPolygonF

from gui.theme import SEVERITY_COLORS, dash_pattern


def _pixmap(size: int) -> QPixmap:
    pm = QPixmap(size, size)
    pm.fill(Qt.transparent)
    return pm


@lru_cache(maxsize=16)
def severity_icon(severity: str, size: int = 16) -> QIcon:
    """Round badge for info (i), square-ish for warning (triangle with !), critical (octagon x)."""
    color = QColor(SEVERITY_COLORS.get(severity, "#888888"))
    icon = QIcon()
    for scale in (1, 2):
        s = size * scale
        pm = _pixmap(s)
        p = QPainter(pm)
        p.setRenderHint(QPainter.Antialiasing)
        p.setPen(Qt.NoPen)
        p.setBrush(color)
        m = s * 0.06
        if severity == "warning":
            tri = QPolygonF([QPointF(s / 2, m), QPointF(s - m, s - m), QPointF(m, s - m)])
            path = QPainterPath()
            path.addPolygon(tri)
            p.drawPath(path)
            glyph, dy = "!", s * 0.12
        elif severity == "critical":
            p.drawRoundedRect(QRectF(m, m, s - 2 * m, s - 2 * m), s * 0.22, s * 0.22)
            glyph, dy = "!", 0.0
        else:
            p.drawEllipse(QRectF(m, m, s - 2 * m, s - 2 * m))
            glyph, dy = "i", 0.0
        f = QFont()
        f.setBold(True)
        f.setPixelSize(int(s * 0.62))
        p.setFont(f)
        p.setPen(QColor("white"))
        p.drawText(QRectF(0, dy, s, s), Qt.AlignCenter, glyph)
        p.end()
        icon.addPixmap(pm)
        icon.addPixmap(pm, QIcon.Selected)  # no highlight tint on selected rows
    return icon


@lru_cache(maxsize=64)
def color_icon(color: str, size: int = 14) -> QIcon:
    """A rounded colour swatch (a run's colour)."""
    icon = QIcon()
    for scale in (1, 2):
        s = size * scale
        pm = _pixmap(s)
        p = QPainter(pm)
        p.setRenderHint(QPainter.Antialiasing)
        p.setPen(Qt.NoPen)
        p.setBrush(QColor(color))
        r = s * 0.18
        p.drawRoundedRect(QRectF(s * 0.1, s * 0.1, s * 0.8, s * 0.8), r, r)
        p.end()
        icon.addPixmap(pm)
        icon.addPixmap(pm, QIcon.Selected)  # no highlight tint on selected rows
    return icon


@lru_cache(maxsize=256)
def line_icon(color: str, dashed: bool | str, size: int = 16, variant: int = 0) -> QIcon:
    """A short line in the curve's style: solid for training, dashed for validation.

    ``dashed`` may be the role (``train``/``val``/``test``); with ``variant`` > 0 the
    line has the pattern of a run's further metric in one plot (:func:`dash_pattern`).
    """
    role = dashed if isinstance(dashed, str) else ("val" if dashed else "train")
    icon = QIcon()
    for scale in (1, 2):
        s = size * scale
        pm = _pixmap(s)
        p = QPainter(pm)
        p.setRenderHint(QPainter.Antialiasing)
        pen = QPen(QColor(color), 2 * scale)
        if variant == 0 and role == "val":
            pen.setStyle(Qt.CustomDashLine)
            pen.setDashPattern([1.5, 1.2])
        else:
            pat = dash_pattern(role, variant, 2.0)
            if pat is not None:
                # icon-sized: half the plot's lengths
                pen.setStyle(Qt.CustomDashLine)
                pen.setDashPattern([max(0.6, v / 2) for v in pat])
        pen.setCapStyle(Qt.FlatCap)
        p.setPen(pen)
        p.drawLine(QPointF(1 * scale, s / 2), QPointF(s - 1 * scale, s / 2))
        p.end()
        icon.addPixmap(pm)
        icon.addPixmap(pm, QIcon.Selected)  # no highlight tint on selected rows
    return icon


@lru_cache(maxsize=1)
def app_icon() -> QIcon:
    """FitLens icon: a falling loss curve in a lens."""
    icon = QIcon()
    for s in (16, 32, 64, 128):
        pm = _pixmap(s)
        p = QPainter(pm)
        p.setRenderHint(QPainter.Antialiasing)
        p.setBrush(QColor("#1a73e8"))
        p.setPen(Qt.NoPen)
        p.drawRoundedRect(QRectF(0, 0, s, s), s * 0.2, s * 0.2)
        pen = QPen(QColor("white"), max(1.5, s * 0.08))
        pen.setCapStyle(Qt.RoundCap)
        p.setPen(pen)
        path = QPainterPath(QPointF(s * 0.18, s * 0.25))
        path.cubicTo(
            QPointF(s * 0.35, s * 0.75), QPointF(s * 0.5, s * 0.72), QPointF(s * 0.82, s * 0.74)
        )
        p.setBrush(Qt.NoBrush)
        p.drawPath(path)
        p.end()
        icon.addPixmap(pm)
        icon.addPixmap(pm, QIcon.Selected)  # no highlight tint on selected rows
    return icon
