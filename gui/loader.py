"""Reading and diagnosing logs off the GUI thread.

:class:`Loader` runs :func:`analysis.load` and :func:`analysis.detectors.diagnose`
in a :class:`QThreadPool` and hands the results to the GUI thread through a
queued signal. For each path the latest request wins: a result that arrives
after a newer request for the same path was made is dropped.

Live files are followed through :meth:`Loader.refresh`: with the readers'
:class:`analysis.readers.LogTail` (one per file, polled in a worker, never two
polls of one file at a time) only the appended bytes are parsed; without it the
whole file is read again.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field

from PySide6.QtCore import QObject, QThreadPool, Signal, Slot

from analysis.model import Finding, LogReadError, Run
from analysis.report import ROUTINE_NOTE_PATTERNS, is_routine_note  # noqa: F401 (re-exported)


@dataclass
class LoadResult:
    """What a load job produced (passed from the worker thread to the GUI thread)."""

    path: str
    generation: int
    kind: str = "log"  # "log" or "dataset"
    runs: list[Run] = field(default_factory=list)
    findings: list[list[Finding]] = field(default_factory=list)
    error: str | None = None
    messages: list[tuple[str, str]] = field(default_factory=list)  # (level, text)
    live: bool = False
    seconds: float = 0.0
    unchanged: bool = False  # a live poll found nothing new (e.g. a half-written line)
    quiet: bool = False  # a live poll: no progress in the status bar


def one_line(path: str, exc: BaseException) -> str:
    """The one-line reason for a failed read: ``path: place: reason``."""
    if isinstance(exc, LogReadError):
        return str(exc)
    msg = " ".join(str(exc).split()) or type(exc).__name__
    return f"{path}: {type(exc).__name__}: {msg}"[:400]


def _diagnose_all(runs: list[Run], res: LoadResult) -> None:
    from analysis.detectors import diagnose

    for run in runs:
        try:
            res.findings.append(list(diagnose(run)))
        except Exception as exc:  # a detector bug must not lose the curves
            res.findings.append([])
            res.messages.append(
                (
                    "warning",
                    f"{run.source}: diagnosis failed: "
                    f"{type(exc).__name__}: {' '.join(str(exc).split())}",
                )
            )


def load_path(path: str, generation: int = 0, live: bool = False) -> LoadResult:
    """Read and diagnose one file or folder (runs in a worker thread).

    Never raises: a failure becomes :attr:`LoadResult.error`, one line.
    """
    import analysis

    t = time.perf_counter()
    res = LoadResult(path=path, generation=generation, live=live)
    try:
        # load_many: the runs of every readable log, one LogReadError per unreadable file
        outcome = analysis.load_many(path)
        runs, file_errors = list(outcome[0]), list(outcome[1])
        if os.path.isdir(path):
            for err in file_errors:  # each file of the folder with its one-line reason
                res.messages.append(("error", one_line(path, err)))
            for err in getattr(outcome, "skipped", ()):  # not training logs: said, not failed
                res.messages.append(("info", f"skipped: {one_line(path, err)}"))
        if not runs and file_errors:
            res.error = (
                one_line(path, file_errors[0])
                if not os.path.isdir(path)
                else f"{path}: no readable training log in this folder "
                f"({len(file_errors)} log file(s) could not be read)"
            )
    except Exception as exc:  # LogReadError (e.g. no logs in a folder), or a reader bug
        runs = []
        res.error = one_line(path, exc)
    if runs:
        for run in runs:
            for note in run.notes:  # every note stays in the run's tooltip
                if not is_routine_note(note):
                    res.messages.append(("info", f"{run.source or path}: {note}"))
        _diagnose_all(runs, res)
        res.runs = runs
    elif res.error is None:
        res.error = f"{path}: no metrics found"
    res.seconds = time.perf_counter() - t
    return res


def poll_tail(tail, path: str, generation: int = 0) -> LoadResult:
    """Read what was appended to a live log with a ``LogTail`` (runs in a worker thread)."""
    t = time.perf_counter()
    res = LoadResult(path=path, generation=generation, live=True)
    try:
        changed = tail.poll()
    except Exception as exc:  # LogTail.poll never raises; a bug must not kill the worker
        res.error = one_line(path, exc)
        return res
    if not changed:
        if tail.error is not None:
            res.error = str(tail.error)
        else:
            res.unchanged = True
    else:
        res.runs = list(tail.runs)
        _diagnose_all(res.runs, res)
    res.seconds = time.perf_counter() - t
    return res


def _make_tail(path: str):
    try:
        from analysis.readers import LogTail
    except ImportError:  # readers without a tail reader: re-read whole files
        return None
    return LogTail(path)


def check_dataset_path(path: str, generation: int, label: str) -> LoadResult:
    """Dataset checks (class balance, scaling...) for a data file, in a worker thread."""
    from analysis.dataset import check_dataset

    t = time.perf_counter()
    res = LoadResult(path=path, generation=generation, kind="dataset")
    try:
        res.findings = [list(check_dataset(path, label))]
    except Exception as exc:
        res.error = one_line(path, exc)
    res.seconds = time.perf_counter() - t
    return res


class Loader(QObject):
    """Runs load jobs in a thread pool; results arrive on the GUI thread.

    Signals
    -------
    loaded(object)
        A :class:`LoadResult` (successful or not) that is still current.
    busyChanged(bool)
    progress(int, int, str)
        Jobs done, jobs in the current batch, name of the file being read.
    """

    loaded = Signal(object)
    busyChanged = Signal(bool)
    progress = Signal(int, int, str)
    _finished = Signal(object)

    def __init__(self, parent: QObject | None = None, max_threads: int = 2) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(max_threads)
        self._gen: dict[str, int] = {}
        self._pending = 0
        self._batch_total = 0
        self._batch_done = 0
        self._closing = False
        self._tails: dict[str, object] = {}
        self._tail_running: set[str] = set()
        self._tail_again: set[str] = set()
        self._finished.connect(self._on_finished)

    @property
    def busy(self) -> bool:
        return self._pending > 0

    def _submit(self, path: str, fn, *args, quiet: bool = False) -> None:
        """Run ``fn(path, generation, *args)`` in the pool; ``quiet`` jobs (live polls)
        send no :attr:`progress` (a running training would flash "Reading…" in the
        status bar at every epoch, and a poll that finds half a line reads nothing)."""
        if self._closing:
            return
        gen = self._gen.get(path, 0) + 1
        self._gen[path] = gen
        if self._pending == 0:
            self._batch_total = self._batch_done = 0
            self.busyChanged.emit(True)
        self._pending += 1
        if not quiet:
            self._batch_total += 1
            self.progress.emit(self._batch_done, self._batch_total, os.path.basename(path))
        emit = self._finished.emit

        def job() -> None:
            try:
                res = fn(path, gen, *args)
            except BaseException as exc:  # never let a worker die silently
                res = LoadResult(path=path, generation=gen, error=one_line(path, exc))
            res.quiet = quiet
            emit(res)

        self._pool.start(job)

    def load(self, path: str) -> None:
        """Read a file or folder (first open or reload)."""
        self._tails.pop(path, None)
        self._submit(path, load_path, False)

    def refresh(self, path: str) -> None:
        """Read what a live file got appended (incrementally where the readers can)."""
        if path in self._tail_running:
            self._tail_again.add(path)
            return
        tail = self._tails.get(path)
        if tail is None:
            tail = self._tails[path] = _make_tail(path)
        if tail is None:
            self._submit(path, load_path, True, quiet=True)
            return
        self._tail_running.add(path)
        self._submit(path, lambda p, gen: poll_tail(tail, p, gen), quiet=True)

    def forget(self, path: str) -> None:
        """Drop the live state of a closed file."""
        self._tails.pop(path, None)
        self._tail_again.discard(path)

    def check_dataset(self, path: str, label: str) -> None:
        self._submit(path, check_dataset_path, label)

    @Slot(object)
    def _on_finished(self, res: LoadResult) -> None:
        self._pending = max(0, self._pending - 1)
        if not res.quiet:
            self._batch_done += 1
        if res.live and res.path in self._tail_running:
            self._tail_running.discard(res.path)
            if res.path in self._tail_again and not self._closing:
                self._tail_again.discard(res.path)
                self.refresh(res.path)
        if not self._closing:
            if not res.quiet:
                self.progress.emit(self._batch_done, self._batch_total, os.path.basename(res.path))
            if self._gen.get(res.path) == res.generation:
                self.loaded.emit(res)
        if self._pending == 0 and not self._closing:
            self.busyChanged.emit(False)

    def wait(self, msecs: int = -1) -> bool:
        """Block until all jobs have finished (tests, screenshots, shutdown)."""
        return self._pool.waitForDone(msecs)

    def shutdown(self, msecs: int = 10000) -> None:
        """Drop queued jobs, wait for running ones, ignore their results."""
        self._closing = True
        self._pool.clear()
        self._pool.waitForDone(msecs)
