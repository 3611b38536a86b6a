"""The window's side of the session layer: what is open, read off the GUI thread.

:class:`SessionController` owns an :class:`analysis.session.Session` (the runs, how
they are named and judged, exactly as ``analyze`` does it), the :class:`gui.loader.Loader`
that reads in worker threads and the :class:`gui.live.FileWatcher` that follows
growing logs. It puts what the session decides into the :class:`gui.store.RunStore`
(runs, names, findings, dataset findings) and says what happened through
:attr:`SessionController.reported` and :attr:`SessionController.fileRead`; the window
only shows it.

How runs are judged:

- the dataset: the one a retrain spec beside an opened log names (:mod:`gui.companion`),
  or the one a retrain job was started with; the latest opened is the dataset of every
  open run, as ``analyze --data`` is (its class count and majority rate);
- the detector thresholds: a TOML file (``--config`` on the command line, or the
  "Detector thresholds…" menu), as ``analyze --config``.

Either change re-judges the open runs in a worker thread.
"""

from __future__ import annotations

import os

from PySide6.QtCore import QObject, Signal

from analysis.detectors.config import DetectorConfig
from analysis.judge import DatasetContext, read_config
from analysis.model import Run
from analysis.session import Change, Session
from gui.companion import companion_of
from gui.live import FileWatcher
from gui.loader import Loader, LoadResult
from gui.store import RunStore

#: Key of the re-judging job in the loader (latest request wins).
REJUDGE_KEY = "\0rejudge"


class SessionController(QObject):
    """Opens logs and datasets off the GUI thread and keeps every open run judged alike.

    Parameters
    ----------
    store : RunStore
        What the panels show; filled from the session.
    parent : QObject, optional

    Signals
    -------
    reported(str, str, bool)
        ``(level, text, status)``: one line for the messages panel (``status``: also
        for the status bar).
    fileRead(str, bool, bool, bool, float)
        ``(path, reopened, live, grew, seconds)``: a log was read (``reopened``: it
        was open before; ``live``: a poll of a growing file; ``grew``: it added points).
    fileFailed(str)
        An open file could not be read again, or was deleted: its last read stays.
    configChanged(str)
        The thresholds file now in use (empty: the defaults).
    """

    reported = Signal(str, str, bool)
    fileRead = Signal(str, bool, bool, bool, float)
    fileFailed = Signal(str)
    configChanged = Signal(str)

    def __init__(self, store: RunStore, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.session = Session()
        self.loader = Loader(self, judge=lambda: self.session.judge)
        self.watcher = FileWatcher(self)
        #: training.log files of retrain jobs that have ended: never marked live again
        self.ended_logs: set[str] = set()
        #: The thresholds file in use (None: the defaults).
        self.config_source: str | None = None
        self._datasets: dict[str, DatasetContext] = {}
        self._asked_datasets: set[tuple[str, str]] = set()
        self._closed = False
        self.loader.loaded.connect(self._on_loaded)
        self.watcher.changed.connect(self._on_file_changed)
        self.watcher.gone.connect(self._on_file_gone)
        store.runRemoved.connect(self._on_run_removed)

    @property
    def busy(self) -> bool:
        return self.loader.busy

    # -- opening and closing -----------------------------------------------------------
    def open(self, paths: list[str]) -> None:
        """Open files and folders; each is read in a worker thread."""
        for p in paths:
            ap = os.path.abspath(os.path.expanduser(str(p)))
            if not os.path.exists(ap):
                self.reported.emit("error", f"{ap}: no such file or folder", True)
                continue
            self.store.add_pending(ap)
            self.session.reserve(ap)
            self.loader.load(ap)

    def reload(self, path: str) -> None:
        """Read an open file or folder again."""
        if path in self.store.files:
            self.loader.load(path)

    def close(self, path: str) -> None:
        """Close a file or folder and its runs."""
        self.watcher.unwatch(path)
        self.loader.forget(path)
        self._show_renamed(self.session.forget(path))
        self.store.remove_file(path)

    def close_all(self) -> None:
        for p in list(self.store.files):
            self.close(p)
        self.store.clear()

    def end_live(self, path: str) -> None:
        """A retrain job's log stopped growing for good."""
        self.ended_logs.add(path)
        self.store.end_live(path)

    # -- datasets and thresholds ---------------------------------------------------------
    def open_dataset(self, path: str, label: str | None) -> None:
        """Check a dataset and judge the open runs with it (once per file and label)."""
        key = (str(path), label or "")
        if key in self._asked_datasets:
            return
        self._asked_datasets.add(key)
        self.loader.open_dataset(str(path), label or "", self.session.judge.config)

    def load_config(self, path: str) -> None:
        """Judge with the thresholds of a TOML file from now on.

        Raises
        ------
        analysis.model.LogReadError
            The file cannot be read or holds invalid thresholds (one line); nothing
            changes then.
        """
        self.set_config(read_config(path), os.path.abspath(path))

    def set_config(self, config: DetectorConfig | None, source: str | None = None) -> None:
        """Judge with ``config`` (None: the defaults) from now on: the datasets are
        checked again and the open runs re-judged."""
        self.session.set_config(config)
        current = self.session.dataset
        for path, ctx in list(self._datasets.items()):
            ctx = current if ctx.source == getattr(current, "source", None) else ctx
            if ctx.config is not config:
                ctx = ctx.rechecked(config)
            self._datasets[path] = ctx
            self.store.set_dataset_findings(path, list(ctx.findings))
        self.config_source = source
        self.configChanged.emit(source or "")
        self.rejudge()

    def rejudge(self) -> None:
        """Judge every open run again with the current judge, in a worker thread."""
        judge, runs = self.session.judge, self.session.runs
        if runs:
            self.loader.run(REJUDGE_KEY, lambda: (judge, runs, [judge.judge(r) for r in runs]))

    # -- results -------------------------------------------------------------------------
    def _on_loaded(self, res: LoadResult) -> None:
        if self._closed or res.unchanged:
            return
        if res.kind == "dataset":
            self._dataset_checked(res)
        elif res.kind == "job":
            self._judged(res)
        else:
            self._log_read(res)

    def _log_read(self, res: LoadResult) -> None:
        for level, text in res.messages:
            self.reported.emit(level, text, False)
        if res.error:
            self._read_failed(res)
            return
        f = self.store.files.get(res.path)
        reopened = bool(f is not None and f.run_keys)
        if res.live or reopened:
            change = self.session.update(res.reading)
        else:
            live = {p for p, fe in self.store.files.items() if fe.live}
            change = self._admit(self.session.add(res.reading, keep=live))
            if change is None:
                return
        for p in change.problems:
            self.reported.emit("warning", p.message, False)
        grew = res.live and _points(change.runs) > self._file_points(res.path)
        live = grew and res.path not in self.ended_logs
        self.store.set_file_runs(res.path, change.runs, change.findings, live=live)
        self._show_renamed(change.renamed)
        self.watcher.watch(res.path)
        if not res.live:
            c = companion_of(res.path)
            if c.dataset is not None:
                self.open_dataset(str(c.dataset), c.label)
        self.fileRead.emit(res.path, reopened, res.live, grew, res.seconds)

    def _admit(self, change: Change) -> Change | None:
        """Apply what reading each fit once decided: runs of other files passed over are
        closed (their file too when it has none left); None when the new file added
        nothing (its runs are all in open files)."""
        for d in change.dropped:
            self.reported.emit("info", d.reason.message, True)
            if d.path == change.path:
                continue
            if not self.session.runs_of(d.path):
                self.close(d.path)
            else:
                key = self.store.key_of(d.run)
                if key is not None:
                    self.store.remove_run(key)
        if change.runs:
            return change
        self.loader.forget(change.path)
        self.session.forget(change.path)
        self.store.drop_pending(change.path)
        return None

    def _read_failed(self, res: LoadResult) -> None:
        f = self.store.files.get(res.path)
        if f is not None and f.run_keys:  # the last good read stays on screen
            self.store.set_file_error(res.path, res.error)
            extra = " (kept the last good read; will retry on the next change)" if res.live else ""
            level = "info" if res.live else "error"
            self.reported.emit(level, res.error + extra, not res.live)
            self.fileFailed.emit(res.path)
            return
        self.session.forget(res.path)
        self.store.drop_pending(res.path)
        self.reported.emit("error", res.error, True)

    def _dataset_checked(self, res: LoadResult) -> None:
        if res.error:
            self.reported.emit("warning", f"dataset checks failed: {res.error}", True)
            return
        self.session.set_dataset(res.payload)
        ctx = self.session.dataset
        self._datasets[res.path] = ctx
        self.store.set_dataset_findings(res.path, list(ctx.findings))
        self.rejudge()

    def _judged(self, res: LoadResult) -> None:
        if res.error:
            self.reported.emit("warning", f"judging the runs again failed: {res.error}", False)
            return
        judge, runs, results = res.payload
        done = self.session.accept(judge, runs, results)
        findings = {}
        for run in done:
            key = self.store.key_of(run)
            if key is not None:
                findings[key] = self.session.findings_of(run)
        if findings:
            self.store.set_run_findings(findings)
        for _, problem in results:
            if problem is not None:
                self.reported.emit("warning", problem.message, False)

    def _show_renamed(self, runs: list[Run]) -> None:
        """Runs the session renamed: their names and their findings' run names."""
        keys = [k for k in (self.store.key_of(r) for r in runs) if k is not None]
        if keys:
            self.store.runs_renamed(keys)
            self.store.set_run_findings(
                {k: self.session.findings_of(self.store.entries[k].run) for k in keys}
            )

    def _on_run_removed(self, run: Run) -> None:
        self._show_renamed(self.session.remove_run(run))

    def _file_points(self, path: str) -> int:
        f = self.store.files.get(path)
        if f is None:
            return 0
        return _points(self.store.entries[k].run for k in f.run_keys if k in self.store.entries)

    # -- live files ------------------------------------------------------------------------
    def _on_file_changed(self, path: str) -> None:
        if path in self.store.files:
            self.loader.refresh(path)

    def _on_file_gone(self, path: str) -> None:
        """A watched log was deleted or moved: say so, stop showing it live; its last
        read stays on screen and is read again if the file comes back."""
        if path not in self.store.files:
            return
        self.loader.forget(path)
        self.store.end_live(path)
        reason = f"{path}: file deleted or moved; the curves show its last read"
        self.store.set_file_error(path, reason)
        self.fileFailed.emit(path)
        self.reported.emit("warning", reason, True)

    def shutdown(self) -> None:
        """Stop the watcher and the loader; results still in flight are dropped."""
        self._closed = True
        self.watcher.stop()
        self.loader.shutdown()


def _points(runs) -> int:
    return sum(len(s) for r in runs for s in r.series.values())
