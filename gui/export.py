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
