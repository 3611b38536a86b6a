"""The main window: composes the panels; the session controller reads and judges.

Layout: runs panel (left dock), plots (centre), findings (right dock), messages
(bottom dock, shown when something needs attention), status bar with progress.
Decisions about curves and findings live in :mod:`analysis`; this module wires
signals and user actions.
"""

from __future__ import annotations

import os

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QSizePolicy,
    QSlider,
    QStyle,
    QToolBar,
    QWidget,
)

from analysis import naming
from analysis.model import Finding, Run
from analysis.smoothing import MAX_WEIGHT
from gui.companion import companion_of
from gui.controllers.session import SessionController
from gui.curves import X_MODE_LABELS, X_MODES
from gui.demo import demo_logs
from gui.findings_panel import FindingsPanel
from gui.icons import app_icon
from gui.jobs import Job, JobRunner
from gui.jobs_panel import JobsPanel
from gui.messages_panel import MessagesPanel
from gui.plot_area import FAMILIES, PlotArea
from gui.runs_panel import RunsPanel, file_label
from gui.settings import Settings
from gui.store import RunStore
from gui.theme import SEVERITY_COLORS
from gui.widgets import ElidedLabel

DEFAULT_SIZE = (1400, 900)
#: Widest default widths of the runs and findings docks (pixels), on large screens.
DEFAULT_DOCK_WIDTHS = (360, 400)
#: Default share of the window's width of each of the runs and findings docks: the plots
#: get the majority of the width at every window size (fixed widths of 330 + 370 px would
#: leave the plots 290 px of a 1024-px window).
DOCK_FRACTION = 0.22
#: Window width (pixels) above which the runs dock grows faster than the findings dock.
RUNS_EXTRA_FROM = 1100
#: The plots' least share of the width when the window is made narrower: below it the
#: side docks give back width (down to DOCK_FRACTION each).
PLOTS_MIN_FRACTION = 0.5
#: Bottom docks (messages, retrain jobs) take at most this share of the window's height.
BOTTOM_DOCK_FRACTION = 0.3
#: ... except the retrain jobs dock showing a finished job's before/after summary.
JOBS_DOCK_FRACTION = 0.45


def default_dock_widths(window_width: int) -> tuple[int, int]:
    """Default widths of the runs and findings docks for a window ``window_width`` px wide.

    Each dock gets :data:`DOCK_FRACTION` of the width, at most :data:`DEFAULT_DOCK_WIDTHS`;
    above :data:`RUNS_EXTRA_FROM` pixels the runs dock gets a fifth of the extra width
    on top (run names are long: at 1400 px it keeps its 360 px), while the plots
    keep more than half of the window at every width.
    """
    runs = DOCK_FRACTION * window_width + 0.2 * max(0, window_width - RUNS_EXTRA_FROM)
    find = DOCK_FRACTION * window_width
    return (
        int(min(DEFAULT_DOCK_WIDTHS[0], runs)),
        int(min(DEFAULT_DOCK_WIDTHS[1], find)),
    )


def _set_checked_quietly(action: QAction, on: bool) -> None:
    """``setChecked`` without ``toggled``: the state comes from settings or the plots."""
    action.blockSignals(True)
    action.setChecked(on)
    action.blockSignals(False)


class MainWindow(QMainWindow):
    """FitLens main window.

    Parameters
    ----------
    settings : Settings, optional
        Where geometry, smoothing, axis modes and recent files persist.
    persist : bool
        Save settings on close (off for ``--screenshot`` runs).

    Signals
    -------
    idle()
        All requested files are loaded and drawn.
    """

    idle = Signal()

    def __init__(
        self, settings: Settings | None = None, persist: bool = True, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.settings = settings if settings is not None else Settings()
        self.persist = persist
        self._fitted_once = False
        self._closed = False
        #: Where the retrain dialog proposes job folders (None: the app's data folder).
        self.retrain_output_root: str | None = None
        self.retrain_dialog = None
        self.setWindowTitle("FitLens")
        self.setWindowIcon(app_icon())
        self.setAcceptDrops(True)
        self.setDockNestingEnabled(True)

        self.store = RunStore(self)
        self.session = SessionController(self.store, self)
        self.loader = self.session.loader
        self.watcher = self.session.watcher
        #: training.log files of retrain jobs that have ended: never marked live again
        self._ended_job_logs = self.session.ended_logs
        self.plot_area = PlotArea(self.store)
        self.runs_panel = RunsPanel(self.store)
        self.findings_panel = FindingsPanel(self.store)
        self.messages_panel = MessagesPanel()
        self.setCentralWidget(self.plot_area)

        self.runs_dock = self._dock("Runs", "RunsDock", self.runs_panel, Qt.LeftDockWidgetArea)
        self.findings_dock = self._dock(
            "Findings", "FindingsDock", self.findings_panel, Qt.RightDockWidgetArea
        )
        self.messages_dock = self._dock(
            "Messages", "MessagesDock", self.messages_panel, Qt.BottomDockWidgetArea
        )
        self.messages_dock.hide()
        self.job_runner = JobRunner(self)
        self.jobs_panel = JobsPanel(self.job_runner)
        self.jobs_dock = self._dock(
            "Retrain jobs", "JobsDock", self.jobs_panel, Qt.BottomDockWidgetArea
        )
        self.jobs_dock.hide()
        self.jobs_panel.comparisonReady.connect(self._on_comparison)
        #: dock widths are set from the window's width when it is first shown, unless a
        #: saved layout was restored (:meth:`showEvent`)
        self._dock_widths_pending = True
        #: (the "Reading …" text shown, (text, colour) it replaced) while files load
        self._reading_status: tuple[str, tuple[str, str | None]] | None = None
        self._status_color: str | None = None
        self._finding_note = ""  # the status about the selected finding, if one is shown

        self._build_status_bar()
        self._build_actions()
        self._build_menus()
        self._build_toolbar()
        self._wire()
        self._restore_settings()

        self._live_timer = QTimer(self)
        self._live_timer.setInterval(5000)
        self._live_timer.timeout.connect(self.store.expire_live)
        self._live_timer.start()
        self._update_summary()

    # -- construction --------------------------------------------------------------
    def _dock(self, title: str, name: str, widget: QWidget, area) -> QDockWidget:
        d = QDockWidget(title, self)
        d.setObjectName(name)
        d.setWidget(widget)
        d.setFeatures(
            QDockWidget.DockWidgetMovable
            | QDockWidget.DockWidgetClosable
            | QDockWidget.DockWidgetFloatable
        )
        self.addDockWidget(area, d)
        return d

    def _build_status_bar(self) -> None:
        sb = self.statusBar()
        # cut to the width they get (full text in the tooltip): a long message never
        # makes the window wider than the screen
        self.status_label = ElidedLabel(mode=Qt.ElideMiddle, min_chars=12)
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(180)
        self.progress.setMinimumWidth(40)
        self.progress.setMaximumHeight(14)
        self.progress.setTextVisible(False)
        self.progress.hide()
        self.live_label = ElidedLabel(min_chars=8)
        self.live_label.setStyleSheet("color: #188038; font-weight: 600;")
        self.summary_label = ElidedLabel(min_chars=14)
        sb.addWidget(self.status_label, 1)
        sb.addPermanentWidget(self.progress)
        sb.addPermanentWidget(self.live_label)
        sb.addPermanentWidget(self.summary_label)

    def _act(self, text: str, slot, shortcut=None, icon=None, tip: str | None = None) -> QAction:
        a = QAction(text, self)
        if shortcut is not None:
            a.setShortcut(QKeySequence(shortcut))
        if icon is not None:
            a.setIcon(self.style().standardIcon(icon))
        if tip:
            a.setToolTip(tip)
            a.setStatusTip(tip)
        a.triggered.connect(lambda _=False: slot())
        self.addAction(a)
        return a

    def _build_actions(self) -> None:
        self.act_open = self._act(
            "&Open…",
            self.open_dialog,
            QKeySequence.Open,
            QStyle.SP_DialogOpenButton,
            "Open log files (Ctrl+O)",
        )
        self.act_open_folder = self._act(
            "Open &Folder…",
            self.open_folder_dialog,
            "Ctrl+Shift+O",
            QStyle.SP_DirOpenIcon,
            "Open a folder of logs",
        )
        self.act_demo = self._act(
            "Open &Demo",
            self.open_demo,
            None,
            QStyle.SP_ComputerIcon,
            "Open the bundled demo run and its dataset",
        )
        self.act_thresholds = self._act(
            "Detector &thresholds…",
            self.choose_thresholds,
            None,
            None,
            "Judge the runs with the thresholds of a TOML file (as analyze --config)",
        )
        self.act_default_thresholds = self._act(
            "Default thresholds",
            lambda: self.use_thresholds(None),
            None,
            None,
            "Judge the runs with the documented default thresholds",
        )
        self.act_reload = self._act(
            "&Reload",
            self.reload_all,
            "Ctrl+R",
            QStyle.SP_BrowserReload,
            "Read every open file again (Ctrl+R)",
        )
        self.act_close_all = self._act("Close &All", self.close_all, None, None, "Close every file")
        self.act_quit = self._act("&Quit", self.close, QKeySequence.Quit)
        self.act_fit = self._act(
            "&Fit View",
            self.plot_area.fit_view,
            "F",
            QStyle.SP_TitleBarMaxButton,
            "Show all data (F)",
        )
        self.act_retrain = self._act(
            "&Retrain…",
            self._retrain_current,
            "Ctrl+T",
            None,
            "Retrain the selected run with the remedies of its findings",
        )
        self.act_about = self._act("&About FitLens", self._about)

    def _build_menus(self) -> None:
        mb = self.menuBar()
        m = mb.addMenu("&File")
        m.addAction(self.act_open)
        m.addAction(self.act_open_folder)
        self.recent_menu = m.addMenu("Open &Recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        m.addAction(self.act_demo)
        m.addSeparator()
        m.addAction(self.act_thresholds)
        m.addAction(self.act_default_thresholds)
        m.addSeparator()
        m.addAction(self.act_reload)
        m.addAction(self.act_close_all)
        m.addSeparator()
        exp = m.addMenu("&Export")
        for fam in FAMILIES:
            sub = exp.addMenu(self.plot_area.plot(fam).title.text())
            for fmt, text in (("png", "PNG…"), ("svg", "SVG…"), ("csv", "Visible data as CSV…")):
                sub.addAction(text, lambda f=fam, x=fmt: self._export_dialog(f, x))
        m.addSeparator()
        m.addAction(self.act_quit)

        v = mb.addMenu("&View")
        v.addAction(self.act_fit)
        xm = v.addMenu("&X axis")
        self.x_group = QActionGroup(self)
        self.x_actions: dict[str, QAction] = {}
        for mode in X_MODES:
            a = QAction(X_MODE_LABELS[mode], self, checkable=True)
            a.triggered.connect(lambda _=False, md=mode: self.set_x_mode(md))
            self.x_group.addAction(a)
            xm.addAction(a)
            self.x_actions[mode] = a
        self.act_outliers = QAction("Ignore &outliers in chart scaling", self, checkable=True)
        self.act_outliers.setToolTip(
            "y axes from the 5th-95th percentile of the visible values (as TensorBoard): "
            "a far outlier, like a diverging run, goes off the top instead of squashing "
            "the other curves; off: min to max"
        )
        self.act_outliers.setStatusTip(self.act_outliers.toolTip())
        self.act_outliers.toggled.connect(self.set_ignore_outliers)
        v.addAction(self.act_outliers)
        lm = v.addMenu("&Log y")
        lm.aboutToShow.connect(self._sync_log_actions)
        self.log_actions: dict[str, QAction] = {}
        for fam in FAMILIES:
            a = QAction(self.plot_area.plot(fam).title.text(), self, checkable=True)
            a.toggled.connect(lambda on, f=fam: self.set_log_y(f, on))
            lm.addAction(a)
            self.log_actions[fam] = a
        v.addSeparator()
        for d in (self.runs_dock, self.findings_dock, self.messages_dock):
            v.addAction(d.toggleViewAction())

        r = mb.addMenu("&Run")
        r.addAction(self.act_retrain)
        h = mb.addMenu("&Help")
        h.addAction(self.act_about)

    def _build_toolbar(self) -> None:
        tb = QToolBar("Main")
        tb.setObjectName("MainToolbar")
        tb.setMovable(False)
        tb.setToolButtonStyle(Qt.ToolButtonTextOnly)
        self.addToolBar(Qt.TopToolBarArea, tb)
        tb.addAction(self.act_open)
        tb.addAction(self.act_open_folder)
        tb.addAction(self.act_demo)
        tb.addSeparator()
        tb.addAction(self.act_reload)
        tb.addAction(self.act_fit)
        tb.addSeparator()
        tb.addWidget(QLabel("  Smoothing "))
        self.smooth_slider = QSlider(Qt.Horizontal)
        self.smooth_slider.setRange(0, int(round(MAX_WEIGHT * 100)))
        self.smooth_slider.setFixedWidth(150)
        self.smooth_slider.setToolTip(
            "EMA smoothing as in TensorBoard (0 = raw). Raw values stay "
            "visible as a faint line and in the hover readout."
        )
        self.smooth_value = QLabel("0.60")
        self.smooth_value.setMinimumWidth(34)
        tb.addWidget(self.smooth_slider)
        tb.addWidget(self.smooth_value)
        tb.addSeparator()
        tb.addWidget(QLabel("  X axis "))
        self.x_combo = QComboBox()
        for mode in X_MODES:
            self.x_combo.addItem(X_MODE_LABELS[mode], mode)
        self.x_combo.setToolTip("Epoch, step or wall time, where the log has them")
        tb.addWidget(self.x_combo)
        spacer = QWidget()
        spacer.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Preferred)
        tb.addWidget(spacer)
        tb.addAction(self.act_retrain)
        self._smooth_timer = QTimer(self)
        self._smooth_timer.setSingleShot(True)
        self._smooth_timer.setInterval(60)
        self._smooth_timer.timeout.connect(
            lambda: self.set_smoothing(self.smooth_slider.value() / 100.0)
        )
        self.smooth_slider.valueChanged.connect(self._on_slider)
        self.x_combo.currentIndexChanged.connect(
            lambda i: self.set_x_mode(self.x_combo.itemData(i))
        )

    def _wire(self) -> None:
        self.session.reported.connect(lambda lvl, text, st: self.report(lvl, text, status=st))
        self.session.fileRead.connect(self._on_file_read)
        self.session.fileFailed.connect(lambda _path: self.runs_panel.sync())
        self.loader.busyChanged.connect(self._on_busy)
        self.loader.progress.connect(self._on_progress)
        self.store.structureChanged.connect(self._update_summary)
        self.store.findingsChanged.connect(self._update_summary)
        self.store.liveChanged.connect(lambda _p: self._update_summary())
        self.runs_panel.openRequested.connect(self.open_dialog)
        self.runs_panel.reloadRequested.connect(self.reload)
        self.runs_panel.removeRequested.connect(self.close_path)
        self.runs_panel.metricSelected.connect(self.plot_area.highlight)
        self.findings_panel.findingSelected.connect(self._on_finding_selected)
        self.findings_panel.retrainRequested.connect(self._on_retrain_requested)
        self.messages_panel.attentionNeeded.connect(self._show_messages)
        self.plot_area.exportRequested.connect(self._export_dialog)
        self.plot_area.openRequested.connect(self.open_dialog)
        self.plot_area.demoRequested.connect(self.open_demo)
        self.plot_area.logYChanged.connect(self._on_plot_log_toggled)

    def fit_to_screen(self) -> None:
        """Shrink the window to the screen's available area (minus the taskbar/panels)
        when its default or restored size is larger, and move it onto that area."""
        screen = self.screen() or QGuiApplication.primaryScreen()
        if screen is None:
            return
        avail = screen.availableGeometry()
        frame = self.frameGeometry()  # the title bar and borders, once shown
        mw, mh = frame.width() - self.width(), frame.height() - self.height()
        w = min(self.width(), avail.width() - mw)
        h = min(self.height(), avail.height() - mh)
        if (w, h) != (self.width(), self.height()):
            self.resize(w, h)
        x = min(max(frame.x(), avail.left()), avail.right() - (w + mw) + 1)
        y = min(max(frame.y(), avail.top()), avail.bottom() - (h + mh) + 1)
        self.move(x, y)  # a top-level widget's move() places its frame

    def _restore_settings(self) -> None:
        geo = self.settings.geometry()
        if geo is None or not self.restoreGeometry(geo):
            self.resize(*DEFAULT_SIZE)
        if self.persist:  # a real session: never larger than the screen; a
            self.fit_to_screen()  # --screenshot keeps DEFAULT_SIZE for comparable images
        st = self.settings.state()
        if st is not None and self.restoreState(st):
            self._dock_widths_pending = False  # the user's own layout
        self.act_default_thresholds.setEnabled(False)
        if self.settings.detector_config:
            self.use_thresholds(self.settings.detector_config, remember=False)
        w = self.settings.smoothing
        self.smooth_slider.setValue(int(round(w * 100)))
        self.smooth_value.setText(f"{w:.2f}")
        self.plot_area.set_smoothing(w)
        on = self.settings.ignore_outliers
        _set_checked_quietly(self.act_outliers, on)
        self.plot_area.set_ignore_outliers(on)
        mode = self.settings.x_mode
        self.x_combo.setCurrentIndex(list(X_MODES).index(mode))
        self.x_actions[mode].setChecked(True)
        self.plot_area.set_x_mode(mode)
        for fam in FAMILIES:
            on = self.settings.log_y(fam)
            _set_checked_quietly(self.log_actions[fam], on)
            if self.settings.has_log_y(fam) or not self.plot_area.log_auto.get(fam):
                self.plot_area.set_log_y(fam, on)

    # -- options -----------------------------------------------------------------------
    def _on_slider(self, v: int) -> None:
        self.smooth_value.setText(f"{v / 100:.2f}")
        self._smooth_timer.start()

    def set_smoothing(self, weight: float) -> None:
        """EMA smoothing weight (0-0.99), persisted."""
        weight = min(max(float(weight), 0.0), MAX_WEIGHT)
        if self.smooth_slider.value() != int(round(weight * 100)):
            self.smooth_slider.blockSignals(True)
            self.smooth_slider.setValue(int(round(weight * 100)))
            self.smooth_slider.blockSignals(False)
            self.smooth_value.setText(f"{weight:.2f}")
        self.plot_area.set_smoothing(weight)
        self.settings.smoothing = weight

    def set_ignore_outliers(self, on: bool) -> None:
        """TensorBoard's "Ignore outliers in chart scaling" (View menu), persisted."""
        on = bool(on)
        if self.act_outliers.isChecked() != on:
            _set_checked_quietly(self.act_outliers, on)
        self.plot_area.set_ignore_outliers(on)
        self.settings.ignore_outliers = on

    def set_x_mode(self, mode: str) -> None:
        """x axis: ``auto``, ``epoch``, ``step`` or ``wall_time``, persisted."""
        i = list(X_MODES).index(mode)
        if self.x_combo.currentIndex() != i:
            self.x_combo.blockSignals(True)
            self.x_combo.setCurrentIndex(i)
            self.x_combo.blockSignals(False)
        self.x_actions[mode].setChecked(True)
        self.plot_area.set_x_mode(mode)
        self.settings.x_mode = mode

    def set_log_y(self, family: str, on: bool) -> None:
        """Log y for one plot family, persisted."""
        self.plot_area.set_log_y(family, on)
        if self.log_actions[family].isChecked() != on:
            _set_checked_quietly(self.log_actions[family], on)
        self.settings.set_log_y(family, on)
        notice = self.plot_area.plot(family).notice.text()
        if on and "≤ 0" in notice:
            self.status(notice)

    def _sync_log_actions(self) -> None:
        for fam, a in self.log_actions.items():
            _set_checked_quietly(a, self.plot_area.log_y(fam))

    def _on_plot_log_toggled(self, family: str, on: bool) -> None:
        self.set_log_y(family, on)

    # -- opening --------------------------------------------------------------------
    def open_paths(self, paths: list[str]) -> None:
        """Open files and folders (command line, dialogs, drops, recent files)."""
        self.session.open(paths)

    def open_dialog(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(
            self,
            "Open training logs",
            self.settings.last_dir,
            "Training logs (*.csv *.log *.json *.pkl *.pickle *.npy *.tsv *.txt "
            "events.out.tfevents*);;All files (*)",
        )
        if paths:
            self.settings.last_dir = os.path.dirname(paths[0])
            self.open_paths(paths)

    def open_folder_dialog(self) -> None:
        d = QFileDialog.getExistingDirectory(self, "Open a folder of logs", self.settings.last_dir)
        if d:
            self.settings.last_dir = d
            self.open_paths([d])

    def open_demo(self) -> None:
        logs = demo_logs()
        if not logs:
            self.report("error", "demo not found: resources/demo/training.log is missing")
            return
        self.open_paths(logs)  # its retrain.toml names the dataset: checked on load

    def reload(self, path: str) -> None:
        self.session.reload(path)

    def reload_all(self) -> None:
        for p in list(self.store.files):
            self.session.reload(p)
        if self.store.files:
            self.status(f"Reloading {len(self.store.files)} file(s)…")

    def close_path(self, path: str) -> None:
        self.session.close(path)

    def close_all(self) -> None:
        self.session.close_all()

    def choose_thresholds(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self,
            "Detector thresholds",
            self.settings.detector_config or self.settings.last_dir,
            "Detector thresholds (*.toml);;All files (*)",
        )
        if path:
            self.use_thresholds(path)

    def use_thresholds(self, path: str | None, remember: bool = True) -> bool:
        """Judge the open runs (and the datasets) with the thresholds of a TOML file,
        as ``analyze --config`` does; None: the defaults. ``remember``: also at the next
        start. False (and a message) when the file cannot be used."""
        from analysis.model import LogReadError

        try:
            if path:
                self.session.load_config(path)
            else:
                self.session.set_config(None)
        except LogReadError as exc:
            self.report("error", f"{exc.line()} (detector thresholds not changed)")
            return False
        if remember:
            self.settings.detector_config = self.session.config_source or ""
        self.act_default_thresholds.setEnabled(bool(path))
        self.status(f"Detector thresholds: {self.session.config_source or 'the defaults'}")
        return True

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        rec = self.settings.recent
        for p in rec:
            a = self.recent_menu.addAction(p)
            a.triggered.connect(lambda _=False, x=p: self.open_paths([x]))
        if rec:
            self.recent_menu.addSeparator()
            self.recent_menu.addAction("Clear list", self.settings.clear_recent)
        else:
            a = self.recent_menu.addAction("(none)")
            a.setEnabled(False)

    def _on_file_read(
        self, path: str, reopened: bool, live: bool, grew: bool, seconds: float
    ) -> None:
        """A log was read: say so in the status bar (an ended job's log keeps the job's
        outcome there; a live poll that added nothing says nothing)."""
        name = os.path.basename(path.rstrip(os.sep))
        if path in self._ended_job_logs or (live and not grew):
            pass
        elif not live:
            self.settings.add_recent(path)
            f = self.store.files[path]
            runs = [self.store.entries[k].run for k in f.run_keys if k in self.store.entries]
            nm = sum(len(r.series) for r in runs)
            verb = "Reloaded" if reopened else "Opened"
            # findings are counted once, on the right (with the dataset checks' findings,
            # as in the findings panel)
            self.status(
                f"{verb} {name}: {len(runs)} run{'s' if len(runs) != 1 else ''}, "
                f"{nm} metric{'s' if nm != 1 else ''} ({seconds:.2f} s)"
            )
        else:
            self.status(f"{name} updated (live)")
        self._update_title()

    def _on_busy(self, busy: bool) -> None:
        self.progress.setVisible(busy)
        if not busy:
            self._end_reading_status()
            QTimer.singleShot(0, self._emit_idle)

    def _end_reading_status(self) -> None:
        """The loader is idle: a "Reading …" text still in the status bar gives way to
        what was there before the read (after a cancelled job's log is read again,
        "CANCELLED after N epochs" comes back instead of "Reading training.log (1/1)…";
        so it does after a live poll that found half a line)."""
        if self._reading_status is None:
            return
        text, before = self._reading_status
        self._reading_status = None
        if self.status_label.text() == text:
            self.status(*before)

    def _emit_idle(self) -> None:
        if not self.loader.busy and not self._closed:
            self.plot_area.rebuild()
            self.idle.emit()

    def _on_progress(self, done: int, total: int, name: str) -> None:
        if total <= 1:
            self.progress.setRange(0, 0)  # busy indicator: one file, no byte progress
        else:
            self.progress.setRange(0, total)
            self.progress.setValue(done)
        if done < total:
            text = f"Reading {name} ({done + 1}/{total})…"
            if self._reading_status is None:
                before = (self.status_label.text(), self._status_color)
                self._reading_status = (text, before)
            else:
                self._reading_status = (text, self._reading_status[1])
            self.status(text)

    # -- reporting --------------------------------------------------------------------
    def report(self, level: str, text: str, status: bool = True) -> None:
        """One line to the messages panel (and the status bar). Never modal."""
        self.messages_panel.add(level, text)
        if status:
            self.status(
                ("Error: " if level == "error" else "") + text,
                SEVERITY_COLORS["critical"] if level == "error" else None,
            )

    def status(self, text: str, color: str | None = None) -> None:
        self._status_color = color
        self.status_label.setStyleSheet(f"color: {color};" if color else "")
        self.status_label.setText(text)
        self.status_label.setToolTip(text)

    def _show_messages(self) -> None:
        """An error or warning arrived: show the dock, tall enough for the errors and
        warnings (they are listed first, see :class:`MessagesPanel`)."""
        first = not self.messages_dock.isVisible()
        if first:
            self.messages_dock.show()
            self._balance_bottom_docks()
        # after the dock is laid out (a resize right after show() is lost)
        QTimer.singleShot(0, lambda: self._fit_messages_dock(exact=first))

    def _fit_messages_dock(self, exact: bool = False) -> None:
        """Tall enough for the errors and warnings (``exact``: just that, when the dock was
        just shown), never more than a share of the window: the dock takes its height
        from the plots, it never makes the window taller."""
        if self._closed or not self.messages_dock.isVisible() or self.messages_dock.isFloating():
            return
        cap = self._bottom_dock_cap()
        want = min(self.messages_panel.rows_hint(), cap)
        h = self.messages_dock.height()
        if h < want or h > cap or (exact and h != want):
            self.resizeDocks([self.messages_dock], [want], Qt.Vertical)

    def _bottom_dock_cap(self) -> int:
        return max(90, int(self.height() * BOTTOM_DOCK_FRACTION))

    # -- fitting the screen ----------------------------------------------------------
    def apply_default_dock_widths(self) -> None:
        """Runs and findings docks at their default share of the window's width
        (:func:`default_dock_widths`)."""
        docks = [
            d for d in (self.runs_dock, self.findings_dock) if d.isVisible() and not d.isFloating()
        ]
        if not docks:
            return
        widths = dict(
            zip(
                (self.runs_dock, self.findings_dock), default_dock_widths(self.width()), strict=True
            )
        )
        self.resizeDocks(docks, [widths[d] for d in docks], Qt.Horizontal)

    def _give_plots_width(self) -> None:
        """The window got narrower: if the plots now have less than
        :data:`PLOTS_MIN_FRACTION` of the width, the side docks give some back."""
        if self._closed or self.centralWidget() is None:
            return
        if self.centralWidget().width() >= PLOTS_MIN_FRACTION * self.width():
            return
        docks = [
            d for d in (self.runs_dock, self.findings_dock) if d.isVisible() and not d.isFloating()
        ]
        defaults = dict(
            zip(
                (self.runs_dock, self.findings_dock), default_dock_widths(self.width()), strict=True
            )
        )
        if docks:
            self.resizeDocks(docks, [min(d.width(), defaults[d]) for d in docks], Qt.Horizontal)

    def showEvent(self, event) -> None:  # noqa: N802 (Qt naming)
        super().showEvent(event)
        if self.persist and not self._fitted_once:
            self._fitted_once = True
            # the frame (title bar, borders) is known once shown: fit it too
            QTimer.singleShot(0, self.fit_to_screen)
        if self._dock_widths_pending:
            self._dock_widths_pending = False
            self.apply_default_dock_widths()
            # again once the docks are laid out (a resize right after show() is lost)
            QTimer.singleShot(0, self.apply_default_dock_widths)

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        old = event.oldSize().width()
        if self.isVisible() and 0 < self.width() < old:
            QTimer.singleShot(0, self._give_plots_width)

    def _balance_bottom_docks(self) -> None:
        """Messages and retrain jobs side by side, each with a fair share of the width."""
        if not (self.messages_dock.isVisible() and self.jobs_dock.isVisible()):
            return
        if self.dockWidgetArea(self.messages_dock) != self.dockWidgetArea(self.jobs_dock):
            return
        if self.messages_dock.isFloating() or self.jobs_dock.isFloating():
            return
        w = max(600, self.width())
        self.resizeDocks(
            [self.messages_dock, self.jobs_dock], [int(w * 0.45), int(w * 0.55)], Qt.Horizontal
        )

    def _update_summary(self) -> None:
        n = len(self.store.entries)
        fs = self.store.all_findings()
        parts = [f"{n} run{'s' if n != 1 else ''}"]
        if n or fs:
            counts = [
                f"{k} {sev}"
                for sev in ("critical", "warning", "info")
                if (k := sum(1 for _, f in fs if f.severity == sev))
            ]
            parts.append(
                f"{len(fs)} finding{'s' if len(fs) != 1 else ''}"
                + (f" ({', '.join(counts)})" if counts else "")
            )
        self.summary_label.setText("  ·  ".join(parts) + "  ")
        live = [file_label(f.path) for f in self.store.files.values() if f.live]
        self.live_label.setText(("● live: " + ", ".join(live[:3]) + "  ") if live else "")
        self._update_title()

    def _update_title(self) -> None:
        names = [os.path.basename(p.rstrip(os.sep)) for p in self.store.files]
        if not names:
            self.setWindowTitle("FitLens")
        elif len(names) == 1:
            self.setWindowTitle(f"{names[0]} — FitLens")
        else:
            self.setWindowTitle(f"{names[0]} and {len(names) - 1} more — FitLens")

    # -- findings and retraining ------------------------------------------------------
    def _finding_status(self, text: str | None) -> None:
        """A status about the selected finding (None: clear the previous one, if shown)."""
        if text:
            self.status(text)
            self._finding_note = text
        elif self._finding_note and self.status_label.text() == self._finding_note:
            self.status("")
        if not text:
            self._finding_note = ""

    def _on_finding_selected(self, key, finding: Finding | None) -> None:
        if finding is None:
            self.plot_area.set_selected_finding(None, None)
            return
        if key is not None and finding.metric and key in self.store.entries:
            e = self.store.entries[key]
            if finding.metric in e.run.series:
                self.store.set_visible(key, True)
                self.store.set_metric_visible(key, finding.metric, True)
                self.runs_panel.select_metric(key, finding.metric)
                self.plot_area.highlight(key, finding.metric)
        self.plot_area.rebuild()
        self.plot_area.set_selected_finding(key, finding)
        note = None
        if key is not None and finding.metric and self.plot_area.is_excluded(key, finding.metric):
            kind = self.plot_area.axis_kind.replace("_", " ")
            note = (
                f"{finding.metric} is not drawn on the {kind} axis (it has no {kind}); "
                "choose another X axis to see its span"
            )
        elif key is not None and finding.metric:
            fam = naming.family(finding.metric)
            if self.plot_area.log_y(fam):
                # values <= 0 have no place on a log axis: say so rather than shade
                # a span over nothing
                bad, n = self.plot_area.nonpositive_in_span(key, finding)
                title = self.plot_area.plot(fam).title.text()
                if n and bad == n:
                    note = (
                        f"{finding.metric}: every value in this finding's span is ≤ 0 and is not "
                        f"drawn on the log y axis; turn Log y off in the {title} plot to see it"
                    )
                elif bad:
                    note = (
                        f"{finding.metric}: {bad} of {n} values in this finding's span are ≤ 0 "
                        f"and not drawn on the log y axis (turn Log y off in the {title} plot)"
                    )
        self._finding_status(note)

    def _on_retrain_requested(self, key, findings: list[Finding]) -> None:
        e = self.store.entries.get(key) if key is not None else None
        if e is None:
            entries = self.store.entries_in_order()
            e = entries[0] if entries else None
        self.request_retrain(e.run if e else None, list(findings))

    def _retrain_current(self) -> None:
        key = self.runs_panel.selected_run_key()
        e = self.store.entries.get(key) if key is not None else None
        if e is None:
            entries = self.store.entries_in_order()
            e = entries[0] if entries else None
        findings = list(e.findings) if e else []
        for fs in self.store.dataset_findings.values():
            findings.extend(fs)
        self.request_retrain(e.run if e else None, findings)

    def request_retrain(self, run: Run | None, findings: list[Finding]) -> None:
        """Open the retrain dialog for ``run``, remedies pre-ticked from ``findings``.

        A retrain spec beside the run's log (see :mod:`gui.companion`) fills the
        dialog (dataset, label, model, settings and its remedies); otherwise the
        dataset whose checks are shown and a lone ``.keras`` file beside the log
        are proposed. Start queues a job (:meth:`start_retrain`).
        """
        from gui.retrain_dialog import RetrainDialog
        from retrain.errors import RetrainError
        from retrain.spec import read_spec

        c = companion_of(run.source) if run is not None else None
        spec = None
        if c is not None and c.spec is not None:
            try:
                spec = read_spec(c.spec)
            except RetrainError as exc:
                self.report("warning", f"{exc.line()} (not used to fill the dialog)")
        dataset = c.dataset if c is not None else None
        label = c.label if c is not None else None
        if dataset is None and self.store.dataset_findings:
            dataset = next(iter(self.store.dataset_findings))
        dlg = RetrainDialog(
            self,
            run=run,
            findings=findings,
            dataset=dataset,
            model=c.model if c is not None else None,
            label=label,
            spec=spec,
            output_root=self.retrain_output_root,
        )
        entry = next((e for e in self.store.entries.values() if e.run is run), None)
        if spec is not None:
            dlg.tick_remedies(dlg.suggested_remedies())
        # job folders go to the app's folder (never beside the user's files), named after
        # the run as the runs panel shows it
        dlg.propose_output(f"{entry.name}-retrain" if entry is not None else None)
        # queued from the dialog: a spec the job runner refuses keeps the dialog open with
        # the reason in it
        dlg.submit = lambda sp: self.start_retrain(sp, run, findings, raise_errors=True)
        dlg.setAttribute(Qt.WA_DeleteOnClose)
        dlg.open()
        self.retrain_dialog = dlg

    def start_retrain(
        self,
        spec,
        run: Run | None = None,
        findings: list[Finding] | None = None,
        raise_errors: bool = False,
    ) -> Job | None:
        """Queue a retrain job and follow it: progress in the jobs panel, its log as a live run.

        Parameters
        ----------
        spec : retrain.spec.Spec or path-like
        run : Run, optional
            The original run (for the before/after comparison).
        findings : list of Finding, optional
            The original run's findings.
        raise_errors : bool
            Raise the refusal instead of reporting it (the retrain dialog shows it).

        Returns
        -------
        Job or None
            None when the spec was refused (the reason is reported).

        Raises
        ------
        retrain.errors.RetrainError
            With ``raise_errors``: the spec was refused (one line).
        """
        from retrain.errors import RetrainError

        try:
            job = self.job_runner.submit(
                spec, context={"run": run, "findings": list(findings or [])}
            )
        except RetrainError as exc:
            if raise_errors:
                raise
            self.report("error", exc.line())
            return None
        data = job.spec.data
        if data.path is not None:  # the dataset opened for retraining judges the runs
            self.session.open_dataset(str(data.path), data.label)
        if not self.jobs_dock.isVisible():
            self.jobs_dock.show()
            self.resizeDocks([self.jobs_dock], [self._bottom_dock_cap()], Qt.Vertical)
            self._balance_bottom_docks()
        self.jobs_dock.raise_()
        job.epochEnded.connect(lambda _msg, j=job: self._follow_job_log(j))
        job.finished.connect(lambda outcome, j=job: self._job_finished(j, outcome))
        self.status(f"Retrain job {job.name} queued")
        return job

    def _follow_job_log(self, job: Job) -> None:
        """Open the job's training.log once it exists; the watcher then follows it live."""
        path = os.path.abspath(str(job.log_path))
        if path in self.store.files or self._closed or not os.path.exists(path):
            return
        self.open_paths([path])

    def _job_finished(self, job: Job, outcome: dict) -> None:
        path = os.path.abspath(str(job.log_path))
        self.session.end_live(path)  # the worker has stopped writing
        if os.path.exists(path):
            if path in self.store.files:
                self.reload(path)
            else:
                self.open_paths([path])
        status = outcome.get("status", job.state)
        reason = outcome.get("reason")
        if status == "completed":
            self._mark_addressed(job)
        level = "info" if status == "completed" else "warning"
        self.report(level, f"Retrain job {job.name} {status}" + (f": {reason}" if reason else ""))

    def _mark_addressed(self, job: Job) -> None:
        """Dataset findings of the job's data file whose remedies it applied: shown as
        "addressed by <job>" (the file is unchanged, so the findings stay listed)."""
        try:
            data = job.spec.data.path
            applied = job.spec.remedies.active()
        except AttributeError:
            return
        if data is not None:
            self.store.mark_addressed(str(data), applied, job.name)

    def _fit_jobs_dock(self, job: Job) -> None:
        """A finished job's summary gets the room it needs (up to a share of the window):
        the before/after table and the gone/remains lines without scrolling."""
        if self._closed or not self.jobs_dock.isVisible() or self.jobs_dock.isFloating():
            return
        row = self.jobs_panel.row(job)
        if row is None:
            return
        title = self.jobs_dock.height() - self.jobs_panel.height()
        want = row.sizeHint().height() + title + 16
        want = min(want, max(self._bottom_dock_cap(), int(self.height() * JOBS_DOCK_FRACTION)))
        if self.jobs_dock.height() < want:
            self.resizeDocks([self.jobs_dock], [want], Qt.Vertical)
        self.jobs_panel.show_job(job)

    def _on_comparison(self, job: Job, comparison) -> None:
        QTimer.singleShot(0, lambda j=job: self._fit_jobs_dock(j))
        b, a = comparison.balanced_accuracy_before, comparison.balanced_accuracy_after
        outcome = job.outcome or {}
        status = str(outcome.get("status") or job.state)
        head = f"Retrain job {job.name}"
        if status != "completed":
            # a stopped job's numbers are those of a partial run: say so first
            planned = job.progress.epochs or None
            done = outcome.get("epochs_run", job.progress.epochs_done)
            head += f" {status.upper()} after {done}" + (f" of {planned}" if planned else "")
            head += " epochs (partial run)"
        if a is not None:
            before = f"{b:.3f} → " if b is not None else ""
            self.status(f"{head}: validation balanced accuracy {before}{a:.3f}")
        elif status != "completed":
            self.status(head)

    # -- export ---------------------------------------------------------------------------
    def _export_dialog(self, family: str, fmt: str) -> None:
        plot = self.plot_area.plot(family)
        if not plot.has_curves():
            self.status(f"Nothing to export: the {plot.title.text()} plot is empty")
            return
        filt = {"png": "PNG image (*.png)", "svg": "SVG image (*.svg)", "csv": "CSV (*.csv)"}[fmt]
        default = os.path.join(self.settings.last_dir, f"{family}.{fmt}")
        path, _ = QFileDialog.getSaveFileName(self, "Export", default, filt)
        if path:
            self.export_plot(family, path)

    def export_plot(self, family: str, path: str) -> None:
        """Write one plot as PNG/SVG, or its visible data as CSV (by extension)."""
        plot = self.plot_area.plot(family)
        try:
            if path.lower().endswith(".csv"):
                n = plot.export_csv(path)
                self.status(f"Wrote {n} rows to {path}")
            else:
                plot.export_image(path)
                self.status(f"Wrote {path}")
        except OSError as exc:
            self.report("error", f"{path}: could not write: {exc.strerror or exc}")

    # -- drag and drop -----------------------------------------------------------------------
    def dragEnterEvent(self, event) -> None:  # noqa: N802 (Qt naming)
        md = event.mimeData()
        if md.hasUrls() and any(u.isLocalFile() for u in md.urls()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event) -> None:  # noqa: N802
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802
        paths = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.open_paths(paths)

    # -- misc ------------------------------------------------------------------------------------
    def _about(self) -> None:
        from main import __version__

        QMessageBox.about(
            self,
            "About FitLens",
            f"<b>FitLens {__version__}</b><br>Open training logs, see the curves, find out what "
            "went wrong, retrain with remedies.<br><br>Shortcuts: Ctrl+O open, Ctrl+R reload, "
            "F fit view, Ctrl+T retrain.",
        )

    def closeEvent(self, event) -> None:  # noqa: N802
        if self.persist:
            self.settings.save_window(self.saveGeometry(), self.saveState())
            self.settings.sync()
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self) -> None:
        """Stop retrain jobs, the session controller, drop plot items (live PySide6 and
        pyqtgraph objects left to interpreter exit can abort Python, :func:`gui.app.shutdown`).

        Idempotent. A running retrain job is cancelled (cooperatively, then
        terminated): its partial log stays in its folder.
        """
        if self._closed:
            return
        self._closed = True
        self._live_timer.stop()
        self._smooth_timer.stop()
        self.job_runner.shutdown()
        self.session.shutdown()
        self.plot_area.shutdown()
        if self.retrain_dialog is not None:
            try:
                self.retrain_dialog.close()
            except RuntimeError:  # already deleted (WA_DeleteOnClose)
                pass
