"""GUI test fixtures: settings in a temporary folder, a main window, load helpers."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings


@pytest.fixture
def settings_dir(tmp_path, monkeypatch) -> Path:
    """Point QSettings (INI, user scope) at a temporary folder for this test."""
    d = tmp_path / "settings"
    d.mkdir()
    QSettings.setDefaultFormat(QSettings.IniFormat)
    QSettings.setPath(QSettings.IniFormat, QSettings.UserScope, str(d))
    QSettings.setPath(QSettings.IniFormat, QSettings.SystemScope, str(d / "system"))
    return d


@pytest.fixture
def make_window(qtbot, settings_dir):
    """Factory for main windows using the temporary settings; all closed at teardown."""
    from gui.app import make_app
    from gui.main_window import MainWindow
    from gui.settings import Settings

    make_app()
    made = []

    def factory(show: bool = True):
        w = MainWindow(Settings())
        qtbot.addWidget(w)
        if show:
            w.show()
            qtbot.waitExposed(w)
        made.append(w)
        return w

    yield factory
    for w in made:
        w.shutdown()


@pytest.fixture
def window(make_window):
    return make_window()
