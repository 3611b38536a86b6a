"""Colours, fonts and the light theme shared by every panel."""

from __future__ import annotations

#: Run colours: 24 colours told apart on white (QA3 3: with Tableau 10 the eleventh run
#: repeated the first's blue, and Tableau's grey was the grey of the line-style key).
#: The first nine are Tableau 10 without its grey; the other fifteen were chosen
#: glasbey-style (Glasbey et al. 2007, "Colour displays for categorical images"): each
#: the colour of an sRGB grid (step 17) farthest in CIELAB from every colour before it,
#: from white and from the greys of the key (:data:`MUTED`, #7f7f7f), among colours with
#: lightness 30-68 and chroma 35-85 (visible on white, no greys, no neon). Every pair
#: differs by CIE76 delta E >= 27 (the least distance within Tableau 10 itself).
RUN_COLORS: tuple[str, ...] = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#bcbd22",
    "#17becf",
    "#445500",
    "#2233bb",
    "#ff0077",
    "#aa7722",
    "#aa11aa",
    "#007755",
    "#881155",
    "#99aa66",
    "#2288ff",
    "#ff7788",
    "#883300",
    "#cc77ff",
    "#114499",
    "#992233",
    "#cc0088",
)

SEVERITY_COLORS: dict[str, str] = {
    "critical": "#d32f2f",
    "warning": "#f29900",
    "info": "#1a73e8",
}
SEVERITY_RANK: dict[str, int] = {"critical": 0, "warning": 1, "info": 2}

FAMILY_TITLES: dict[str, str] = {
    "loss": "Loss",
    "score": "Accuracy & scores",
    "lr": "Learning rate",
    "other": "Other metrics",
}

TEXT = "#202124"
MUTED = "#5f6368"
GRID_ALPHA = 0.12
PLOT_BG = "#ffffff"
WINDOW_BG = "#f4f5f7"
BORDER = "#d9dce1"
ACCENT = "#1a73e8"

#: Alpha (0-255) of the raw curve drawn under a smoothed one.
RAW_ALPHA = 95
#: Alpha of the raw curve (and its point markers) under a smoothed short series
#: (<= gui.plot_panel.SHORT_SERIES points): the logged values must stay readable.
RAW_ALPHA_SHORT = 165
#: Alpha of the selected finding's span (shaded over the plot's height).
SPAN_ALPHA_SELECTED = 48
#: Other findings' spans: a strip this fraction of the plot high along its bottom edge.
SPAN_STRIP = 0.025
SPAN_ALPHA_STRIP = 150

#: Shade steps (lightness change, hue change as a fraction of the colour circle) of the
#: metrics of one run drawn in one plot (QA2 12: corpus 045's five losses looked alike).
#: The first metric keeps the run's colour; the others alternate darker and lighter, with
#: a small hue turn so neighbours differ in two ways. Lightness is kept in [0.18, 0.70] so
#: every shade stays visible on white (lighter than 0.70, yellows and oranges fade).
SHADE_STEPS: tuple[tuple[float, float], ...] = (
    (0.0, 0.0),
    (-0.17, 0.035),
    (0.16, -0.035),
    (-0.30, -0.02),
    (0.27, 0.05),
    (-0.08, 0.08),
    (0.08, -0.08),
)
#: Brightest shade allowed (BT.709 luma of the sRGB values, 0-1): pale yellow on white
#: is unreadable.
MAX_SHADE_LUMA = 0.62
#: Dash patterns per role and metric variant, in pixels for a 2-px pen (Qt dash patterns
#: count pen widths; :func:`dash_pattern` scales them). Training stays solid-ish (solid,
#: dash-dot, dash-dot-dot, long dash), validation dashed, test dotted: the role is still
#: read from the line, the metric from its shade and pattern.
DASHES: dict[str, tuple[tuple[float, ...] | None, ...]] = {
    "train": (None, (7, 2, 1.5, 2), (7, 2, 1.5, 2, 1.5, 2), (12, 3), (14, 2, 2, 2, 2, 2)),
    "val": ((4, 2.5), (1.5, 2), (6, 2.5, 1.5, 2.5), (9, 3.5), (1.5, 2, 1.5, 4)),
    "test": ((1, 2), (1, 3.5), (3, 2, 1, 2)),
}


def variant_color(color: str, variant: int) -> str:
    """The shade of ``color`` for metric ``variant`` of a run (0: the colour itself).

    Parameters
    ----------
    color : str
        ``#rrggbb``.
    variant : int
        Index of the metric within its run and plot (:func:`gui.curves.series_variants`).

    Returns
    -------
    str
        ``#rrggbb``.
    """
    import colorsys

    if variant <= 0:
        return color
    dl, dh = SHADE_STEPS[variant % len(SHADE_STEPS)]
    if variant >= len(SHADE_STEPS):  # beyond the table: the same steps, half as far
        dl, dh = dl / 2, dh / 2
    c = color.lstrip("#")
    r, g, b = (int(c[i : i + 2], 16) / 255.0 for i in (0, 2, 4))
    h, lum, s = colorsys.rgb_to_hls(r, g, b)
    lum = min(0.70, max(0.18, lum + dl))
    h = (h + dh) % 1.0
    r, g, b = colorsys.hls_to_rgb(h, lum, s)
    # yellows are bright at any lightness: darken until the shade has the contrast of a
    # mid-tone on white (relative luminance, ITU-R BT.709 weights on sRGB values)
    while 0.2126 * r + 0.7152 * g + 0.0722 * b > MAX_SHADE_LUMA and lum > 0.2:
        lum -= 0.03
        r, g, b = colorsys.hls_to_rgb(h, lum, s)
    return "#" + "".join(f"{round(v * 255):02x}" for v in (r, g, b))


def dash_pattern(role: str, variant: int, width: float) -> list[float] | None:
    """Qt dash pattern (in pen widths) of a curve; None for a solid line.

    Parameters
    ----------
    role : {"train", "val", "test"}
    variant : int
        Metric index within the run and plot (0: the role's plain style).
    width : float
        Pen width in pixels (patterns are defined for 2 px and kept at the same
        pixel lengths for thinner pens).
    """
    table = DASHES.get(role, DASHES["train"])
    pat = table[max(0, variant) % len(table)]
    if pat is None:
        return None
    w = max(1.0, float(width))
    return [v * 2.0 / w for v in pat]


STYLE_SHEET = f"""
QMainWindow, QDialog {{ background: {WINDOW_BG}; }}
QDockWidget {{ font-weight: 600; color: {TEXT}; }}
QDockWidget::title {{
    background: {WINDOW_BG}; padding: 6px 8px; border-bottom: 1px solid {BORDER};
    text-align: left;
}}
QTreeWidget, QTreeView, QListWidget, QTextBrowser, QPlainTextEdit {{
    background: #ffffff; border: 1px solid {BORDER}; border-radius: 4px;
    selection-background-color: #e8f0fe; selection-color: {TEXT};
}}
QTreeView::item {{ padding: 2px 0px; }}
QTreeView::item:selected {{ background: #e8f0fe; color: {TEXT}; }}
QHeaderView::section {{
    background: #fafbfc; color: {MUTED}; border: none; border-bottom: 1px solid {BORDER};
    padding: 4px 6px; font-weight: 600;
}}
QToolBar {{ background: #ffffff; border-bottom: 1px solid {BORDER}; spacing: 4px; padding: 3px 6px; }}
QToolBar QToolButton {{ padding: 4px 8px; border-radius: 4px; color: {TEXT}; }}
QToolBar QToolButton:hover {{ background: #eef1f5; }}
QToolBar QToolButton:checked {{ background: #e8f0fe; color: {ACCENT}; }}
QStatusBar {{ background: #ffffff; border-top: 1px solid {BORDER}; color: {MUTED}; }}
QFrame#PlotCard {{ background: #ffffff; border: 1px solid {BORDER}; border-radius: 6px; }}
QLabel#PlotTitle {{ font-weight: 600; color: {TEXT}; }}
QLabel#Muted {{ color: {MUTED}; }}
QLabel#Notice {{ color: #8a5a00; background: #fff4e5; border-radius: 3px; padding: 1px 6px; }}
QLabel#Readout {{
    background: rgba(255, 255, 255, 230); border: 1px solid {BORDER}; border-radius: 4px;
    padding: 4px 6px; color: {TEXT};
}}
QLabel#EmptyHint {{ color: {MUTED}; font-size: 13pt; }}
QPushButton {{
    padding: 4px 12px; border: 1px solid {BORDER}; border-radius: 4px; background: #ffffff;
}}
QPushButton:hover {{ background: #f1f3f4; }}
QPushButton#Primary {{ background: {ACCENT}; color: white; border: 1px solid {ACCENT}; }}
QPushButton#Primary:disabled {{ background: #a8c7fa; border-color: #a8c7fa; }}
"""


def apply_light_theme(app) -> None:
    """Fusion style, a light palette (whatever the desktop's theme) and the style sheet.

    Parameters
    ----------
    app : QApplication
    """
    from PySide6.QtGui import QColor, QFont, QPalette

    app.setStyle("Fusion")
    pal = QPalette()
    pal.setColor(QPalette.Window, QColor(WINDOW_BG))
    pal.setColor(QPalette.WindowText, QColor(TEXT))
    pal.setColor(QPalette.Base, QColor("#ffffff"))
    pal.setColor(QPalette.AlternateBase, QColor("#f8f9fa"))
    pal.setColor(QPalette.Text, QColor(TEXT))
    pal.setColor(QPalette.Button, QColor("#ffffff"))
    pal.setColor(QPalette.ButtonText, QColor(TEXT))
    pal.setColor(QPalette.Highlight, QColor(ACCENT))
    pal.setColor(QPalette.HighlightedText, QColor("#ffffff"))
    pal.setColor(QPalette.ToolTipBase, QColor("#ffffff"))
    pal.setColor(QPalette.ToolTipText, QColor(TEXT))
    pal.setColor(QPalette.PlaceholderText, QColor(MUTED))
    pal.setColor(QPalette.Link, QColor(ACCENT))
    app.setPalette(pal)
    font = QFont(app.font())
    if font.pointSizeF() < 9.5:
        font.setPointSizeF(9.5)
    app.setFont(font)
    app.setStyleSheet(STYLE_SHEET)


def configure_pyqtgraph() -> None:
    """pyqtgraph defaults: white background, dark text, no global antialiasing.

    Antialiasing is switched on per curve for small series only: at a million
    points it multiplies the frame time (pyqtgraph #2120, CASES.md case 18).
    """
    import pyqtgraph as pg

    pg.setConfigOptions(
        background=PLOT_BG, foreground=MUTED, antialias=False, useOpenGL=False, exitCleanup=False
    )
