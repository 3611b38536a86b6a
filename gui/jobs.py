"""Background retrain jobs: a QProcess per job, one job at a time, signals per message.

The worker (``python -m retrain.worker``) runs in its own process, so TensorFlow's
import time, memory and crashes stay out of the GUI (CASES 19). Its stdout is
read as it arrives (``readyReadStandardOutput``) and decoded by
:class:`retrain.protocol.LineDecoder`; nothing here blocks the event loop.

Cancel is cooperative first (a ``cancel`` line on the worker's stdin: it stops
after the current batch and saves what it has), then ``terminate()`` (SIGTERM)
after ``grace_ms``, then ``kill()`` after ``kill_ms`` more. A worker that dies
without reporting (killed, crashed) ends its job as ``failed`` with the reason
(``killed by signal 9 (SIGKILL)``), and ``metrics.json`` in the job folder says so.

Usage::

    runner = JobRunner()
    job = runner.submit(spec_or_path, context={"run": run, "findings": findings})
    job.epochEnded.connect(...)          # live curves
    job.finished.connect(...)            # outcome dict (metrics.json)
    runner.shutdown()                    # on application exit
"""

from __future__ import annotations

import itertools
import math
import os
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QProcess, QProcessEnvironment, QTimer, Signal

from analysis.model import Run, Series
from retrain.job import (
    PreparedJob,
    describe_exit,
    prepare_job,
    read_metrics,
    record_outcome,
    worker_command,
    worker_env,
)
from retrain.protocol import CANCEL, LineDecoder, Progress
from retrain.spec import Spec

#: Job states; the last three are final.
STATES = ("queued", "starting", "running", "cancelling", "completed", "cancelled", "failed")
FINAL = ("completed", "cancelled", "failed")

_ids = itertools.count(1)


class Job(QObject):
    """One retrain job: its spec, folder, progress and outcome.

    Signals
    -------
    stateChanged(str)
        One of :data:`STATES`.
    started(dict), epochEnded(dict), batchProgress(dict)
        The worker's ``started``/``epoch``/``batch`` messages.
    logLine(str)
        Worker stdout text that is not a protocol message.
    finished(dict)
        The outcome (``metrics.json``: ``status``, ``reason``, ``val``...), once.
    """

    stateChanged = Signal(str)
    started = Signal(dict)
    epochEnded = Signal(dict)
    batchProgress = Signal(dict)
    logLine = Signal(str)
    finished = Signal(dict)

    def __init__(
        self,
        runner: JobRunner,
        prepared: PreparedJob,
        name: str | None = None,
        context: dict | None = None,
    ) -> None:
        super().__init__(runner)
        self.id = next(_ids)
        self.runner = runner
        self.prepared = prepared
        self.name = name or prepared.name
        self.context = dict(context or {})
        self.state = "queued"
        self.progress = Progress()
        self.outcome: dict | None = None
        self.reason: str | None = None
        self.cancel_requested = False
        self.escalation: str | None = None  # "terminate"/"kill" once used
        self.t_start: float | None = None
        self.t_end: float | None = None
        self.process: QProcess | None = None
        self._decoder = LineDecoder()
        self._timers: list[QTimer] = []

    # -- facts ------------------------------------------------------------------------------
    @property
    def spec(self) -> Spec:
        return self.prepared.spec

    @property
    def output(self) -> Path:
        """The job folder (training.log, model.keras, metrics.json...)."""
        return self.prepared.output

    @property
    def log_path(self) -> Path:
        return self.output / "training.log"

    @property
    def done(self) -> bool:
        return self.state in FINAL

    @property
    def pid(self) -> int | None:
        if self.process is None or self.process.state() == QProcess.ProcessState.NotRunning:
            return None
        return int(self.process.processId()) or None

    def live_run(self) -> Run:
        """The new run as logged so far (epoch messages), for curves growing live.

        Returns
        -------
        Run
            ``format="fitlens-live"``, ``source`` = the job's ``training.log``,
            one :class:`Series` per logged metric, steps = 0-based epochs.
        """
        series = {}
        for k, vals in self.progress.history.items():
            series[k] = Series(k, list(range(len(vals))), vals)
        return Run(self.name, str(self.log_path), "fitlens-live", series, "epoch")

    def cancel(self) -> None:
        """Ask the job to stop (see :meth:`JobRunner.cancel`)."""
        self.runner.cancel(self)

    # -- internals --------------------------------------------------------------------------
    def _set_state(self, state: str) -> None:
        if state != self.state:
            self.state = state
            self.stateChanged.emit(state)


class JobRunner(QObject):
    """Runs retrain jobs one at a time in worker processes.

    Parameters
    ----------
    parent : QObject, optional
    command : callable, optional
        ``command(spec_path) -> argv`` of the worker; default
        :func:`retrain.job.worker_command` (tests pass a fake worker).
    grace_ms : int
        After a cancel, time the worker gets to stop by itself before SIGTERM.
    kill_ms : int
        Time after SIGTERM before SIGKILL.
    env : dict, optional
        Worker environment (default :func:`retrain.job.worker_env`).

    Signals
    -------
    jobAdded(Job), jobStarted(Job), jobFinished(Job), idle()
    """

    jobAdded = Signal(object)
    jobStarted = Signal(object)
    jobFinished = Signal(object)
    idle = Signal()

    def __init__(
        self,
        parent: QObject | None = None,
        command: Callable[[Path], list[str]] | None = None,
        grace_ms: int = 10_000,
        kill_ms: int = 5_000,
        env: dict[str, str] | None = None,
    ) -> None:
        super().__init__(parent)
        self._command = command or worker_command
        self.grace_ms = grace_ms
        self.kill_ms = kill_ms
        self._env = env
        self.jobs: list[Job] = []
        self._queue: list[Job] = []
        self.current: Job | None = None

    # -- public API ---------------------------------------------------------------------------
    def use_command(
        self, command: Callable[[Path], list[str]], env: dict[str, str] | None = None
    ) -> None:
        """Start later jobs with ``command(spec_path)`` (and ``env``) instead of the real
        worker: a stand-in that replays recorded progress, in tests and demos."""
        self._command = command
        self._env = env

    def submit(
        self,
        spec: Spec | str | os.PathLike,
        output: str | os.PathLike | None = None,
        name: str | None = None,
        context: dict | None = None,
    ) -> Job:
        """Validate a spec, claim its folder and queue the job.

        Parameters
        ----------
        spec : Spec or path-like
        output : path-like, optional
            Overrides the spec's output folder.
        name : str, optional
            Display name (default: the folder's name).
        context : dict, optional
            Anything the caller wants back with the job (the original ``run``,
            its ``findings``...); :class:`gui.jobs_panel.JobsPanel` uses
            ``run``, ``findings`` and ``diagnose``.

        Returns
        -------
        Job
            Queued; it starts when no other job runs.

        Raises
        ------
        retrain.errors.RetrainError
            Invalid spec, missing inputs, output folder not usable (one line).
        """
        prepared = prepare_job(spec, output=output)
        job = Job(self, prepared, name=name, context=context)
        self.jobs.append(job)
        self._queue.append(job)
        self.jobAdded.emit(job)
        QTimer.singleShot(0, self._next)
        return job

    def cancel(self, job: Job) -> None:
        """Cancel a job: dequeue it, or ask its worker to stop (then terminate, then kill)."""
        if job.done:
            return
        job.cancel_requested = True
        if job in self._queue:
            self._queue.remove(job)
            self._finish(job, "cancelled", "cancelled before it started")
            return
        proc = job.process
        if proc is None or proc.state() == QProcess.ProcessState.NotRunning:
            return
        job._set_state("cancelling")
        if proc.state() == QProcess.ProcessState.Running:
            proc.write(CANCEL)
        self._later(job, self.grace_ms, lambda: self._escalate(job, "terminate"))

    def cancel_all(self) -> None:
        """Cancel every queued and running job."""
        for job in list(self._queue):
            self.cancel(job)
        if self.current is not None:
            self.cancel(self.current)

    def shutdown(self, timeout_ms: int = 5_000) -> None:
        """Stop everything before the application exits (blocks up to ``timeout_ms``).

        Queued jobs are cancelled; the running worker is asked to stop, then
        terminated and killed if it does not finish in time (CASES 30: the app's
        shutdown path stops workers before widgets go).
        """
        self.cancel_all()
        job = self.current
        if job is not None and job.process is not None:
            proc = job.process
            if not proc.waitForFinished(timeout_ms):
                proc.terminate()
                if not proc.waitForFinished(1_000):
                    proc.kill()
                    proc.waitForFinished(1_000)

    @property
    def busy(self) -> bool:
        return self.current is not None or bool(self._queue)

    def queued(self) -> list[Job]:
        return list(self._queue)

    # -- process handling ---------------------------------------------------------------------
    def _next(self) -> None:
        if self.current is not None or not self._queue:
            return
        job = self._queue.pop(0)
        self.current = job
        proc = QProcess(self)
        job.process = proc
        argv = list(self._command(job.prepared.spec_path))
        proc.setProgram(argv[0])
        proc.setArguments(argv[1:])
        env = QProcessEnvironment()
        for k, v in (self._env if self._env is not None else worker_env()).items():
            env.insert(k, v)
        proc.setProcessEnvironment(env)
        proc.setWorkingDirectory(str(job.output))
        proc.setStandardErrorFile(str(job.output / "worker.log"))
        proc.readyReadStandardOutput.connect(lambda j=job: self._read(j))
        proc.finished.connect(lambda code, status, j=job: self._ended(j, code, status))
        proc.errorOccurred.connect(lambda err, j=job: self._error(j, err))
        job.t_start = time.monotonic()
        job._set_state("starting")
        self.jobStarted.emit(job)
        proc.start()

    def _read(self, job: Job) -> None:
        proc = job.process
        if proc is None:
            return
        try:
            data = bytes(proc.readAllStandardOutput().data())
        except RuntimeError:  # the QProcess is being destroyed (application exit)
            return
        for msg in job._decoder.feed(data):
            self._dispatch(job, msg)

    def _dispatch(self, job: Job, msg: dict) -> None:
        t = msg.get("type")
        if t == "log":
            job.logLine.emit(str(msg.get("text", "")))
            return
        job.progress.update(msg)
        if t == "started":
            if job.state == "starting":
                job._set_state("running")
            job.started.emit(msg)
        elif t == "epoch":
            job.epochEnded.emit(msg)
        elif t == "batch":
            job.batchProgress.emit(msg)

    def _error(self, job: Job, err) -> None:
        if err == QProcess.ProcessError.FailedToStart and not job.done:
            reason = f"could not start the worker: {job.process.errorString()}"
            self._finish(job, "failed", reason)

    def _ended(self, job: Job, code: int, status) -> None:
        if job.process is not None:
            self._read(job)
        for msg in job._decoder.flush():
            self._dispatch(job, msg)
        if job.done:
            return
        p = job.progress
        crashed = status == QProcess.ExitStatus.CrashExit
        if p.finished is not None:
            self._finish(
                job,
                str(p.finished.get("status") or "completed"),
                (p.finished.get("metrics") or {}).get("reason"),
            )
        elif p.error is not None:
            self._finish(job, "failed", p.error)
        else:
            where = f"during {p.label()}" if p.epochs else "before training started"
            reason = describe_exit(None if crashed else code, code if crashed else None, where)
            if job.cancel_requested:
                how = {"terminate": "terminated", "kill": "killed"}.get(
                    job.escalation or "", "stopped"
                )
                self._finish(
                    job,
                    "cancelled",
                    f"cancelled; the worker did not stop by itself and was {how} {where}",
                )
            else:
                self._finish(job, "failed", reason)

    def _finish(self, job: Job, status: str, reason: str | None) -> None:
        if job.done:
            return
        for t in job._timers:
            t.stop()
        job._timers.clear()
        job.t_end = time.monotonic()
        seconds = None if job.t_start is None else job.t_end - job.t_start
        outcome = read_metrics(job.output)
        if outcome is None or outcome.get("status") not in FINAL:
            outcome = record_outcome(
                job.output, status, reason or status, job.progress.epochs_done, seconds
            )
        job.outcome = outcome
        job.reason = outcome.get("reason") or reason
        job._set_state(str(outcome.get("status") or status))
        job.finished.emit(outcome)
        if job is self.current:
            self.current = None
        if job.process is not None:
            proc, job.process = job.process, None
            proc.deleteLater()
        self.jobFinished.emit(job)
        if self._queue:
            QTimer.singleShot(0, self._next)
        elif self.current is None:
            self.idle.emit()

    def _later(self, job: Job, ms: int, fn: Callable[[], None]) -> None:
        t = QTimer(self)
        t.setSingleShot(True)
        t.timeout.connect(fn)
        job._timers.append(t)
        t.start(ms)

    def _escalate(self, job: Job, step: str) -> None:
        proc = job.process
        if job.done or proc is None or proc.state() == QProcess.ProcessState.NotRunning:
            return
        job.escalation = step
        if step == "terminate":
            proc.terminate()
            self._later(job, self.kill_ms, lambda: self._escalate(job, "kill"))
        else:
            proc.kill()


def eta_text(job: Job) -> str:
    """``"time left 0:42"`` for a running job, empty otherwise."""
    from retrain.protocol import format_seconds

    if job.state not in ("running", "cancelling"):
        return ""
    eta = job.progress.eta()
    return "" if eta is None or not math.isfinite(eta) else f"time left {format_seconds(eta)}"
