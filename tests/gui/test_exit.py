"""The app exits cleanly (CASES.md case 30): run in a subprocess, exit code 134 is a failure.

Case 30: live PySide6/pyqtgraph widgets at interpreter exit aborted Python with
``Fatal Python error: ..._dealloc`` (exit code 134). These tests drive the real
entry point and a scripted session through the app's own shutdown path.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from PySide6.QtGui import QImage

ROOT = Path(__file__).resolve().parents[2]


def _run(args: list[str], tmp_path: Path, timeout: int = 180) -> subprocess.CompletedProcess:
    env = dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        PYTHONPATH=str(ROOT),
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        HOME=str(tmp_path),
    )
    return subprocess.run(
        [sys.executable, "-X", "faulthandler", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _assert_clean(out: subprocess.CompletedProcess, rc: int = 0) -> None:
    assert out.returncode != 134, "aborted at exit (CASES.md case 30):\n" + out.stderr[-3000:]
    assert out.returncode == rc, out.stderr[-3000:]
    assert "Fatal Python error" not in out.stderr
    assert "Traceback" not in out.stderr, out.stderr[-3000:]


def test_demo_screenshot_renders_the_finished_window_and_exits_0(tmp_path):
    png = tmp_path / "demo.png"
    out = _run(["main.py", "--demo", "--screenshot", str(png)], tmp_path)
    _assert_clean(out)
    img = QImage(str(png))
    assert (img.width(), img.height()) == (1400, 900)
    # nothing was written to the user's settings by a screenshot run
    assert not list((tmp_path / "config").rglob("*.ini"))


def test_screenshot_mode_reports_unreadable_inputs_on_stderr(tmp_path, cases_dir):
    """QA 14: ``main.py /nonexist.csv --screenshot x.png`` said nothing; the offscreen
    plugin's "propagateSizeHints" noise is dropped (and nothing else). QA2 14: every input
    failed, so the exit status is 2 as for ``analyze``; the PNG is still written."""
    png = tmp_path / "x.png"
    bad = tmp_path / "empty.csv"
    bad.write_text("")
    out = _run(["main.py", "/nonexist.csv", str(bad), "--screenshot", str(png)], tmp_path)
    _assert_clean(out, rc=2)
    lines = out.stderr.strip().splitlines()
    assert "fitlens: error: /nonexist.csv: no such file or folder" in lines
    assert any(ln.startswith(f"fitlens: error: {bad}") for ln in lines), lines
    assert len(lines) == 2, lines  # one line per unreadable input, nothing else
    assert QImage(str(png)).width() == 1400


def test_screenshot_exits_2_when_one_of_several_inputs_could_not_be_read(tmp_path):
    """As ``analyze``: exit 2 when an input could not be read, even if others were drawn."""
    png = tmp_path / "mixed.png"
    out = _run(["main.py", "--demo", "/nonexist.csv", "--screenshot", str(png)], tmp_path)
    _assert_clean(out, rc=2)
    assert out.stderr.strip().splitlines() == [
        "fitlens: error: /nonexist.csv: no such file or folder"
    ]
    assert QImage(str(png)).width() == 1400


def test_scripted_session_with_many_curves_exits_cleanly(tmp_path, corpus_dir, cases_dir, zoo_dir):
    files = [
        corpus_dir / "030_dm2020_overfit_training_log.csv",
        corpus_dir / "003_ecg_negloss_training.log",
        cases_dir / "case_11_csv_nan_inf.csv",
        cases_dir / "case_15_batch_loss_spike.csv",
        zoo_dir / "nan_after_lr_jump" / "training.log",
    ]
    script = tmp_path / "session.py"
    script.write_text(
        textwrap.dedent(f"""
        import sys
        from PySide6.QtCore import QSettings, QTimer
        from gui.app import make_app, shutdown
        from gui.main_window import MainWindow
        from gui.settings import Settings

        app = make_app()
        w = MainWindow(Settings(QSettings({str(tmp_path / "s.ini")!r}, QSettings.IniFormat)))
        w.show()
        w.open_paths({[str(f) for f in files]!r})
        steps = [
            lambda: w.set_smoothing(0.9),
            lambda: w.set_log_y("loss", True),
            lambda: w.set_x_mode("step"),
            lambda: w.plot_area.hover(3.0),
            lambda: w.plot_area.set_x_range(1, 20),
            lambda: w.findings_panel.select(0),
            lambda: w.set_x_mode("auto"),
            lambda: w.close(),
        ]
        def step():
            if w.loader.busy:
                QTimer.singleShot(50, step)
                return
            if steps:
                steps.pop(0)()
                QTimer.singleShot(30, step)
        QTimer.singleShot(50, step)
        rc = app.exec()
        n = len(w.store.entries)
        shutdown(app, w)
        print("runs", n)
        sys.exit(rc)
    """)
    )
    out = _run([str(script)], tmp_path)
    _assert_clean(out)
    assert out.stdout.strip().splitlines()[-1] == f"runs {len(files)}"


def test_no_display_gives_a_one_line_reason_not_an_abort(tmp_path, demo_dir):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")
    }
    env["PYTHONPATH"] = str(ROOT)
    out = subprocess.run(
        [sys.executable, "main.py", str(demo_dir / "training.log")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 2
    assert out.stderr.strip().startswith("fitlens: no display")
    assert len(out.stderr.strip().splitlines()) == 1


def test_ctrl_c_closes_the_app_cleanly_and_saves_settings(tmp_path, demo_dir):
    import signal
    import time

    env = dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        PYTHONPATH=str(ROOT),
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        HOME=str(tmp_path),
    )
    proc = subprocess.Popen(
        [sys.executable, "-X", "faulthandler", "main.py", "--demo"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        time.sleep(4)  # start-up and loading the demo take about a second
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode != 134, err[-3000:]
    assert proc.returncode == 0, err[-3000:]
    assert "Fatal Python error" not in err and "Traceback" not in err, err[-3000:]
    ini = list((tmp_path / "config").rglob("fitlens.ini"))
    assert ini and "demo" in ini[0].read_text()  # geometry and the recent demo log were saved


def test_garbage_is_collected_on_the_gui_thread_only(qtbot):
    """A full test run hung once: a loader thread's automatic gc freed an object with Qt
    connections (QObject::disconnect waiting for the GIL) while the GUI thread, holding
    the GIL, waited for Qt's connection lock in QFrame(). The app collects from a timer
    on the GUI thread instead (pyqtgraph's GarbageCollector)."""
    import gc
    import threading

    from gui.app import make_app

    app = make_app()
    assert make_app().fitlens_gc is app.fitlens_gc  # one collector, however often made
    assert not gc.isenabled()
    assert app.fitlens_gc.timer.isActive()
    assert app.fitlens_gc.timer.thread() is app.thread()
    assert threading.current_thread() is threading.main_thread()
    # the timer collects: a cycle made now is gone after the next tick
    import weakref

    class Node:
        pass

    a, b = Node(), Node()
    a.other, b.other = b, a
    ref = weakref.ref(a)
    del a, b
    alive = [Node() for _ in range(gc.get_threshold()[0] + 10)]  # past generation 0's threshold
    assert ref() is not None  # automatic collection is off
    qtbot.waitUntil(lambda: ref() is None, timeout=5000)
    assert len(alive) > gc.get_threshold()[0]
