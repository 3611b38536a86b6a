"""Plot export with pyqtgraph's exporters (PNG, SVG), plus a fix for SVG with recent Qt.

pyqtgraph 0.14.0's ``SVGExporter`` post-processes the SVG that Qt writes and
expects every path token to be ``x,y``; Qt 6.11's SVG generator ends closed
sub-paths with a separate ``Z`` token, so every export fails with
``ValueError: not enough values to unpack`` (pyqtgraph/pyqtgraph #3485,
MouseLand/suite2p #1243). :func:`export_svg` drops those tokens for the
duration of one export: each closed path Qt writes already returns to its
first point, so the drawing is unchanged.
"""

from __future__ import annotations

import importlib
import os
from contextlib import contextmanager


@contextmanager
def _tolerate_close_path_tokens():
    mod = importlib.import_module("pyqtgraph.exporters.SVGExporter")
    original = mod.correctCoordinates

    def correct(node, defs, item, options):
        for path in node.getElementsByTagName("path"):
            d = path.getAttribute("d")
            if "Z" in d or "z" in d:
                kept = [tok for tok in d.split() if tok not in ("Z", "z")]
                path.setAttribute("d", " ".join(kept))
        return original(node, defs, item, options)

    mod.correctCoordinates = correct
    try:
        yield
    finally:
        mod.correctCoordinates = original


def export_svg(item, path: str) -> None:
    """Write a pyqtgraph item (a PlotItem) as SVG.

    Parameters
    ----------
    item : pyqtgraph.GraphicsItem
    path : str
        Output file; written by pyqtgraph's ``SVGExporter``.

    Raises
    ------
    OSError
        If the file cannot be written.
    """
    from pyqtgraph.exporters import SVGExporter

    with _tolerate_close_path_tokens():
        SVGExporter(item).export(str(path))


def export_png(item, path: str, width: int) -> None:
    """Write a pyqtgraph item as PNG, ``width`` pixels wide (height keeps the aspect ratio).

    Raises
    ------
    OSError
        If the image cannot be written.
    """
    from pyqtgraph.exporters import ImageExporter

    exp = ImageExporter(item)
    exp.parameters()["width"] = int(width)
    exp.export(str(path))
    if not os.path.exists(path):
        raise OSError(f"{path}: the image could not be written")


def export_widgets_png(widgets, path: str, width: int) -> None:
    """Write widgets stacked top to bottom as one PNG, ``width`` pixels wide.

    What the user sees, at a higher resolution (the device pixel ratio is raised,
    so text and cosmetic pens scale with it): the plot's legend strip above the
    plot, never over the data. pyqtgraph's ``ImageExporter`` scales the plot but
    not a ``LegendItem``'s anchor, which then lands mid-plot.

    Parameters
    ----------
    widgets : sequence of QWidget
        Visible widgets, drawn one under the other at their own width and horizontal
        position on screen.
    path : str
    width : int
        Output width in pixels (at least the widest widget's).

    Raises
    ------
    OSError
        If the image cannot be written.
    """
    from PySide6.QtCore import QPoint
    from PySide6.QtGui import QColor, QImage, QPainter
    from PySide6.QtWidgets import QWidget

    shown = [w for w in widgets if w.isVisible() and w.height() > 0]
    if not shown:
        raise OSError(f"{path}: nothing to export")
    xs = [w.mapToGlobal(QPoint(0, 0)).x() for w in shown]
    left = min(xs)
    wide = max(x - left + w.width() for x, w in zip(xs, shown, strict=True))
    high = sum(w.height() for w in shown)
    ratio = max(1.0, float(width) / wide)
    img = QImage(int(round(wide * ratio)), int(round(high * ratio)), QImage.Format_ARGB32)
    img.setDevicePixelRatio(ratio)
    img.fill(QColor("#ffffff"))
    painter = QPainter(img)
    try:
        y = 0
        for x, w in zip(xs, shown, strict=True):
            # QWidget's render (a QGraphicsView's own render() draws only its scene), on
            # the white page: the widgets' own (window-grey) background is left out
            QWidget.render(w, painter, QPoint(x - left, y), renderFlags=QWidget.DrawChildren)
            y += w.height()
    finally:
        painter.end()
    if not img.save(str(path), "PNG"):
        raise OSError(f"{path}: the image could not be written")
