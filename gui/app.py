"""Application start-up and clean shutdown.

:func:`run_app` is what ``python main.py [PATH ...] [--demo] [--config FILE.toml]
[--screenshot FILE.png]`` calls. The GUI never imports TensorFlow or Keras (start-up stays fast; retraining
runs in a worker process).
"""

from __future__ import annotations

import os
import sys
import tempfile

#: Give up waiting for loads in ``--screenshot`` mode after this many seconds.
SCREENSHOT_TIMEOUT_S = 120

#: Qt messages dropped by :func:`install_message_filter`: the offscreen platform plugin
#: prints this for every top-level window it shows (qtbase
#: src/plugins/platforms/offscreen/qoffscreenwindow.cpp); it says nothing to a user.
DROPPED_QT_MESSAGES = frozenset({"This plugin does not support propagateSizeHints()"})

_filter_installed = False


def install_message_filter() -> None:
    """Route Qt's messages through a handler that drops :data:`DROPPED_QT_MESSAGES` only.

    Every other message goes to the previous handler, or to stderr as Qt would
    print it. Installed once per process.
    """
    global _filter_installed
    if _filter_installed:
        return
    from PySide6.QtCore import qInstallMessageHandler

    previous = None

    def handler(mode, context, message):
        if message.strip() in DROPPED_QT_MESSAGES:
            return
        if previous is not None:
            previous(mode, context, message)
        else:
            print(message, file=sys.stderr)

    previous = qInstallMessageHandler(handler)
    _filter_installed = True


def make_app():
    """The QApplication (created once), light theme and pyqtgraph defaults applied."""
    from PySide6.QtWidgets import QApplication

    from gui.icons import app_icon
    from gui.theme import apply_light_theme, configure_pyqtgraph

    install_message_filter()
    app = QApplication.instance()
    if app is None:
        app = QApplication([sys.argv[0] if sys.argv else "fitlens"])
    app.setApplicationName("FitLens")
    app.setOrganizationName("FitLens")
    app.setApplicationDisplayName("FitLens")
    apply_light_theme(app)
    configure_pyqtgraph()
    app.setWindowIcon(app_icon())
    if getattr(app, "fitlens_gc", None) is None:
        app.fitlens_gc = gui_thread_garbage_collector()
    return app


def gui_thread_garbage_collector():
    """Python's cyclic garbage collection on the GUI thread only, on a 1 s timer.

    Automatic collection runs in whichever thread happens to allocate: in a loader
    thread it can free a Python object with Qt connections, whose disconnect takes
    Qt's connection lock and then waits for the GIL, while the GUI thread holds the
    GIL and waits for that lock (seen as a hang: a pool thread in ``gc_collect`` ->
    ``QObject::disconnect``, the GUI thread in ``QObject::connectImpl``). pyqtgraph's
    ``GarbageCollector`` turns automatic collection off and collects, with the same
    thresholds, from a ``QTimer`` on the GUI thread.
    """
    from pyqtgraph.util.garbage_collector import GarbageCollector

    return GarbageCollector(interval=1.0)


def shutdown(app, window) -> None:
    """Stop workers, close and delete every top-level widget, flush deferred deletes.

    Leaving live PySide6/pyqtgraph widgets to interpreter finalization can abort
    the process (``Fatal Python error`` in a ``_dealloc``, exit code 134), so the app
    tears them down while Qt is still fully alive.
    """
    from PySide6.QtCore import QCoreApplication, QEvent

    if window is not None:
        try:
            window.shutdown()
            window.close()
            window.deleteLater()
        except RuntimeError:  # already deleted
            pass
    for _ in range(3):
        QCoreApplication.sendPostedEvents(None, QEvent.DeferredDelete)
        app.processEvents()
    # Menus and popups that pyqtgraph keeps without a parent are owned by Python
    # objects; closing (not deleting) the visible ones is enough.
    for w in list(app.topLevelWidgets()):
        try:
            if w.isVisible():
                w.close()
        except RuntimeError:
            pass
    app.processEvents()


def run_app(
    paths: list[str],
    demo: bool = False,
    screenshot: str | None = None,
    config: str | None = None,
) -> int:
    """Start the desktop app.

    Parameters
    ----------
    paths : list of str
        Log files or folders to open.
    demo : bool
        Also open the bundled demo (``resources/demo``): its training log and the
        dataset checks of its ``data.csv``.
    screenshot : str, optional
        Render the window offscreen once everything is loaded and analysed, write
        this PNG and exit (settings are neither read nor written).
    config : str, optional
        Detector thresholds (TOML) to judge the runs with, as ``analyze --config``
        (for this session; the thresholds chosen in the window are not changed).

    Returns
    -------
    int
        Exit code: 0 on success; 1 when the screenshot could not be written; 2 when
        there is no display to open the window on, or (``--screenshot``) when an input
        could not be read: the PNG is still written and each unreadable input has its
        line on stderr, as ``analyze`` does (exit 2 when an input could not be read).
    """
    if screenshot:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    elif (
        sys.platform.startswith("linux")
        and not os.environ.get("QT_QPA_PLATFORM")
        and not os.environ.get("DISPLAY")
        and not os.environ.get("WAYLAND_DISPLAY")
    ):
        # Qt would abort (exit 134) without a display; say why in one line instead
        print(
            "fitlens: no display (DISPLAY/WAYLAND_DISPLAY unset); use --screenshot FILE.png, "
            "QT_QPA_PLATFORM=offscreen, or the headless commands (analyze, retrain)",
            file=sys.stderr,
        )
        return 2
    from PySide6.QtCore import QSettings, QTimer

    from gui.main_window import MainWindow
    from gui.settings import Settings

    app = make_app()
    tmp = None
    if screenshot:
        tmp = tempfile.TemporaryDirectory(prefix="fitlens-shot-")
        settings = Settings(QSettings(os.path.join(tmp.name, "fitlens.ini"), QSettings.IniFormat))
    else:
        settings = Settings()
    window = MainWindow(settings, persist=not screenshot)
    result = {"rc": 0, "unreadable": 0}
    if screenshot:
        # nobody reads the window before it is saved: unreadable inputs go to stderr too
        def to_stderr(level: str, text: str) -> None:
            if level in ("error", "warning"):
                print(f"fitlens: {level}: {text}", file=sys.stderr)
            if level == "error":
                result["unreadable"] += 1

        window.messages_panel.messageAdded.connect(to_stderr)
    if config:
        window.use_thresholds(config, remember=False)
    window.show()
    if demo:
        window.open_demo()
    window.open_paths(list(paths or []))

    if screenshot:
        state = {"done": False}

        def snap() -> None:
            if state["done"]:
                return
            state["done"] = True
            window.plot_area.rebuild()
            if window.findings_panel.items():
                window.findings_panel.select(0)
            app.processEvents()
            pm = window.grab()
            if not pm.save(screenshot, "PNG"):
                print(f"fitlens: {screenshot}: could not write the screenshot", file=sys.stderr)
                result["rc"] = 1
            window.close()
            app.quit()

        def when_idle() -> None:
            QTimer.singleShot(250, snap)

        if window.loader.busy:
            window.idle.connect(when_idle)
        else:
            when_idle()
        QTimer.singleShot(SCREENSHOT_TIMEOUT_S * 1000, snap)

    else:
        # Ctrl+C in the terminal closes the window the normal way (Python only sees the
        # signal when it runs, so a timer wakes it up a few times a second)
        import signal

        signal.signal(signal.SIGINT, lambda *_: window.close())
        wake = QTimer(window)
        wake.timeout.connect(lambda: None)
        wake.start(250)

    rc = app.exec()
    shutdown(app, window)
    if tmp is not None:
        tmp.cleanup()
    if result["rc"] or rc:
        return result["rc"] or int(rc)
    return 2 if result["unreadable"] else 0
