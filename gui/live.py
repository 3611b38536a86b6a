"""Watching opened logs for changes (a training run appending epochs).

:class:`FileWatcher` combines :class:`QFileSystemWatcher` (instant where the OS
reports changes) with a polling :class:`QTimer` comparing size and mtime
(network drives, editors that replace files, platforms without inotify). It
only reports *that* a path changed; the loader decides how to read it, so the
readers' incremental tail reader can replace the full re-read later without
touching this class.
"""

from __future__ import annotations

import os

from PySide6.QtCore import QFileSystemWatcher, QObject, QTimer, Signal, Slot

from analysis.readers.folder import scan_folder

#: Poll period (ms). With the debounce this keeps appended epochs on screen within a second.
POLL_MS = 400
#: Quiet time (ms) after the last change before :attr:`FileWatcher.changed` fires.
DEBOUNCE_MS = 150


def signature(path: str) -> tuple | None:
    """(size, mtime_ns) of a file, or of every candidate log in a folder; None if gone."""
    try:
        if os.path.isdir(path):
            sig = []
            for f in scan_folder(path).all_files():
                st = os.stat(f)
                sig.append((f, st.st_size, st.st_mtime_ns))
            return tuple(sig)
        st = os.stat(path)
        return (st.st_size, st.st_mtime_ns)
    except OSError:
        return None


class FileWatcher(QObject):
    """Emits :attr:`changed` (debounced) when a watched file or folder changes.

    Signals
    -------
    changed(str)
        The path whose content changed.
    gone(str)
        The path was deleted or moved away (reported once; :attr:`changed` follows if
        it comes back).
    """

    changed = Signal(str)
    gone = Signal(str)

    def __init__(self, parent: QObject | None = None, poll_ms: int = POLL_MS) -> None:
        super().__init__(parent)
        self._sig: dict[str, tuple | None] = {}
        self._dirty: set[str] = set()
        self._fs = QFileSystemWatcher(self)
        self._fs.fileChanged.connect(self._on_fs)
        self._fs.directoryChanged.connect(self._on_fs)
        self._poll = QTimer(self)
        self._poll.setInterval(poll_ms)
        self._poll.timeout.connect(self._check_all)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(DEBOUNCE_MS)
        self._debounce.timeout.connect(self._flush)

    def paths(self) -> list[str]:
        return list(self._sig)

    def watch(self, path: str) -> None:
        if path in self._sig:
            return
        self._sig[path] = signature(path)
        if os.path.exists(path):
            self._fs.addPath(path)
        if not self._poll.isActive():
            self._poll.start()

    def unwatch(self, path: str) -> None:
        self._sig.pop(path, None)
        self._dirty.discard(path)
        if path in self._fs.files() or path in self._fs.directories():
            self._fs.removePath(path)
        if not self._sig:
            self._poll.stop()

    def stop(self) -> None:
        """Stop watching everything (shutdown)."""
        self._poll.stop()
        self._debounce.stop()
        for p in list(self._sig):
            self.unwatch(p)

    @Slot(str)
    def _on_fs(self, path: str) -> None:
        if path in self._sig:
            # editors and some loggers replace the file: the OS watch is gone, re-add it
            if os.path.exists(path) and path not in self._fs.files() + self._fs.directories():
                self._fs.addPath(path)
            self._check(path)

    @Slot()
    def _check_all(self) -> None:
        for p in list(self._sig):
            self._check(p)

    def _check(self, path: str) -> None:
        sig = signature(path)
        if sig != self._sig.get(path):
            was = self._sig.get(path)
            self._sig[path] = sig
            if sig is not None:
                if was is None and path not in self._fs.files() + self._fs.directories():
                    self._fs.addPath(path)  # back again: watch it with the OS too
                self._dirty.add(path)
                if not self._debounce.isActive():  # throttle, not debounce: a
                    self._debounce.start()  # steady writer still gets updates
            elif was is not None:
                self._dirty.discard(path)
                self.gone.emit(path)

    @Slot()
    def _flush(self) -> None:
        dirty, self._dirty = self._dirty, set()
        for p in sorted(dirty):
            if p in self._sig:
                self.changed.emit(p)
