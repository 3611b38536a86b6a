"""Reading logs and datasets off the GUI thread.

:class:`Loader` runs jobs in a :class:`QThreadPool` and hands the results to the GUI
thread through a queued signal; for each key (a path) the latest request wins: a
result that arrives after a newer request for the same key was made is dropped. The
jobs call the session layer: :func:`analysis.session.read_input` (read and judge a
file or folder), :func:`analysis.session.judge_runs` (a live log's new tail),
:func:`analysis.judge.open_dataset` (a dataset and its checks); what is done with the
results (read once, names, findings on screen) is
:class:`gui.controllers.session.SessionController`'s.

Live files are followed through :meth:`Loader.refresh`: with the readers'
:class:`analysis.readers.LogTail` (one per file, polled in a worker, never two
polls of one file at a time) only the appended bytes are parsed; without it the
whole file is read again.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from PySide6.QtCore import QObject, QThreadPool, Signal, Slot

from analysis.judge import Judge
from analysis.model import Finding, LogReadError, Run
from analysis.report import is_routine_note
from analysis.session import Reading, judge_runs, read_input


@dataclass
class LoadResult:
    """What a job produced (passed from the worker thread to the GUI thread).

    ``kind`` is ``"log"`` (:attr:`reading` holds the runs read and judged),
    ``"dataset"`` (:attr:`payload` is an :class:`analysis.judge.DatasetContext`) or
    ``"job"`` (:attr:`payload` is what the job function returned).
    """

    path: str
    generation: int
    kind: str = "log"
    runs: list[Run] = field(default_factory=list)
    findings: list[list[Finding]] = field(default_factory=list)
    error: str | None = None
    messages: list[tuple[str, str]] = field(default_factory=list)  # (level, text)
    live: bool = False
    seconds: float = 0.0
    unchanged: bool = False  # a live poll found nothing new (e.g. a half-written line)
    quiet: bool = False  # a live poll: no progress in the status bar
    reading: Reading | None = None
    payload: object = None


def one_line(path: str, exc: BaseException) -> str:
    """The one-line reason for a failed job: ``path: place: reason``."""
    if isinstance(exc, LogReadError):
        return str(exc)
    msg = " ".join(str(exc).split()) or type(exc).__name__
    return f"{path}: {type(exc).__name__}: {msg}"[:400]


def _from_reading(reading: Reading, generation: int, live: bool) -> LoadResult:
    """A log job's result with what the window shows of it: the input's own error,
    each unreadable or skipped file of a folder, the readers' notes a user should see."""
    path = reading.path
    res = LoadResult(path=path, generation=generation, live=live, reading=reading)
    res.runs, res.findings, res.seconds = reading.runs, reading.findings, reading.seconds
    whole = [e for e in reading.errors if e.source == path]
    if whole:  # the input itself could not be read
        res.error = whole[0].message
        return res
    if os.path.isdir(path):
        res.messages += [("error", e.message) for e in reading.errors]
        res.messages += [("info", f"skipped: {e.message}") for e in reading.skipped]
    if not reading.runs:
        res.error = (
            f"{path}: no readable training log in this folder "
            f"({len(reading.errors)} log file(s) could not be read)"
            if reading.errors
            else f"{path}: no metrics found"
        )
        return res
    for run in reading.runs:
        for note in run.notes:  # every note stays in the run's tooltip
            if not is_routine_note(note):
                res.messages.append(("info", f"{run.source or path}: {note}"))
    return res


def load_path(
    path: str, generation: int = 0, live: bool = False, judge: Judge | None = None
) -> LoadResult:
    """Read and judge one file or folder (runs in a worker thread). Never raises."""
    return _from_reading(read_input(path, judge or Judge()), generation, live)


def poll_tail(tail, path: str, generation: int = 0, judge: Judge | None = None) -> LoadResult:
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
        res = _from_reading(judge_runs(path, tail.runs, judge or Judge()), generation, True)
    res.seconds = time.perf_counter() - t
    return res


def _make_tail(path: str):
    try:
        from analysis.readers import LogTail
    except ImportError:  # readers without a tail reader: re-read whole files
        return None
    return LogTail(path)


def open_dataset_path(path: str, generation: int, label: str, config) -> LoadResult:
    """A dataset and its checks (:func:`analysis.judge.open_dataset`), in a worker thread."""
    from analysis.judge import open_dataset

    t = time.perf_counter()
    res = LoadResult(path=path, generation=generation, kind="dataset")
    try:
        res.payload = open_dataset(path, label, config)
        res.findings = [list(res.payload.findings)]
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

    def __init__(
        self,
        parent: QObject | None = None,
        max_threads: int = 2,
        judge: Callable[[], Judge] = Judge,
    ) -> None:
        super().__init__(parent)
        #: The judge a new read is judged with (the session's current one).
        self.judge = judge
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
        self._submit(path, load_path, False, self.judge())

    def refresh(self, path: str) -> None:
        """Read what a live file got appended (incrementally where the readers can)."""
        if path in self._tail_running:
            self._tail_again.add(path)
            return
        tail = self._tails.get(path)
        if tail is None:
            tail = self._tails[path] = _make_tail(path)
        judge = self.judge()
        if tail is None:
            self._submit(path, load_path, True, judge, quiet=True)
            return
        self._tail_running.add(path)
        self._submit(path, lambda p, gen: poll_tail(tail, p, gen, judge), quiet=True)

    def forget(self, path: str) -> None:
        """Drop the live state of a closed file."""
        self._tails.pop(path, None)
        self._tail_again.discard(path)

    def open_dataset(self, path: str, label: str, config=None) -> None:
        """Read a dataset and run its checks with ``config``'s thresholds."""
        self._submit(path, open_dataset_path, label, config)

    def run(self, key: str, fn: Callable[[], object]) -> None:
        """Run ``fn()`` in the pool (no progress shown); its return value arrives as the
        :attr:`LoadResult.payload` of a ``"job"`` result keyed ``key``."""

        def job(path: str, gen: int) -> LoadResult:
            t = time.perf_counter()
            res = LoadResult(path=path, generation=gen, kind="job")
            try:
                res.payload = fn()
            except Exception as exc:  # a bug must not kill the worker
                res.error = one_line(path, exc)
            res.seconds = time.perf_counter() - t
            return res

        self._submit(key, job, quiet=True)

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
