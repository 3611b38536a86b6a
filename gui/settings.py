"""Persistent settings (QSettings, INI format, namespaced keys).

Keys
----
``window/geometry``, ``window/state``   main window geometry and dock layout
``plot/smoothing``                       EMA weight, 0-0.99 (default 0.6)
``plot/x_mode``                          auto / epoch / step / wall_time
``plot/log_y/<family>``                  log y per plot family (lr on by default)
``plot/ignore_outliers``                 y range from the 5th-95th percentile (default on)
``files/recent``                         recently opened paths, newest first
``files/last_dir``                       folder of the last open dialog
``detectors/config``                     detector thresholds file (TOML), empty: the defaults

Tests point QSettings at a temporary folder with
``QSettings.setPath(QSettings.IniFormat, QSettings.UserScope, tmp)`` before the
window is made, or pass their own QSettings.
"""

from __future__ import annotations

import os

from PySide6.QtCore import QByteArray, QSettings

from analysis.smoothing import DEFAULT_WEIGHT, MAX_WEIGHT
from gui.curves import X_MODES

ORG = "FitLens"
APP = "fitlens"
MAX_RECENT = 10
DEFAULT_LOG_Y = {"loss": False, "score": False, "lr": True, "other": False}


def default_qsettings() -> QSettings:
    """The user's settings file (``~/.config/FitLens/fitlens.ini`` on Linux)."""
    return QSettings(QSettings.IniFormat, QSettings.UserScope, ORG, APP)


class Settings:
    """Typed access to the keys above.

    Parameters
    ----------
    qsettings : QSettings, optional
        Defaults to :func:`default_qsettings`.
    """

    def __init__(self, qsettings: QSettings | None = None) -> None:
        self.q = qsettings if qsettings is not None else default_qsettings()

    # -- plot -------------------------------------------------------------------
    @property
    def smoothing(self) -> float:
        try:
            v = float(self.q.value("plot/smoothing", DEFAULT_WEIGHT))
        except (TypeError, ValueError):
            return DEFAULT_WEIGHT
        return min(max(v, 0.0), MAX_WEIGHT)

    @smoothing.setter
    def smoothing(self, v: float) -> None:
        self.q.setValue("plot/smoothing", float(v))

    @property
    def x_mode(self) -> str:
        v = str(self.q.value("plot/x_mode", "auto"))
        return v if v in X_MODES else "auto"

    @x_mode.setter
    def x_mode(self, v: str) -> None:
        self.q.setValue("plot/x_mode", v)

    def log_y(self, family: str) -> bool:
        v = self.q.value(f"plot/log_y/{family}", DEFAULT_LOG_Y.get(family, False))
        return v in (True, "true", "1", 1)

    def has_log_y(self, family: str) -> bool:
        """True when the user chose log y for this family (else the view decides)."""
        return self.q.contains(f"plot/log_y/{family}")

    def set_log_y(self, family: str, on: bool) -> None:
        self.q.setValue(f"plot/log_y/{family}", bool(on))

    @property
    def ignore_outliers(self) -> bool:
        """TensorBoard's "Ignore outliers in chart scaling", on by default as there."""
        v = self.q.value("plot/ignore_outliers", True)
        return v in (True, "true", "1", 1)

    @ignore_outliers.setter
    def ignore_outliers(self, on: bool) -> None:
        self.q.setValue("plot/ignore_outliers", bool(on))

    # -- files ------------------------------------------------------------------
    @property
    def recent(self) -> list[str]:
        v = self.q.value("files/recent", [])
        if isinstance(v, str):
            v = [v] if v else []
        return [str(p) for p in (v or [])][:MAX_RECENT]

    def add_recent(self, path: str) -> None:
        path = os.path.abspath(path)
        rec = [p for p in self.recent if p != path]
        self.q.setValue("files/recent", ([path] + rec)[:MAX_RECENT])

    def clear_recent(self) -> None:
        self.q.setValue("files/recent", [])

    @property
    def last_dir(self) -> str:
        return str(self.q.value("files/last_dir", os.path.expanduser("~")))

    @last_dir.setter
    def last_dir(self, v: str) -> None:
        self.q.setValue("files/last_dir", v)

    # -- window -----------------------------------------------------------------
    def geometry(self) -> QByteArray | None:
        v = self.q.value("window/geometry")
        return v if isinstance(v, QByteArray) and not v.isEmpty() else None

    def state(self) -> QByteArray | None:
        v = self.q.value("window/state")
        return v if isinstance(v, QByteArray) and not v.isEmpty() else None

    def save_window(self, geometry: QByteArray, state: QByteArray) -> None:
        self.q.setValue("window/geometry", geometry)
        self.q.setValue("window/state", state)

    def sync(self) -> None:
        self.q.sync()

    # -- detectors --------------------------------------------------------------------
    @property
    def detector_config(self) -> str:
        """The detector thresholds file chosen in the window ("" for the defaults)."""
        return str(self.q.value("detectors/config", "") or "")

    @detector_config.setter
    def detector_config(self, path: str) -> None:
        self.q.setValue("detectors/config", path or "")
