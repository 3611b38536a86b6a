"""``python main.py retrain SPEC.toml [--output DIR] [--json]``.

Validates the spec and its inputs (all spec problems at once; nothing is
created for a bad spec or input, :func:`retrain.preflight.preflight`), claims the
output folder, runs the worker process (``python -m retrain.worker``) and relays
its progress. When training starts, text mode prints the job folder and what the
data and remedies actually did, one line each
(:func:`retrain.protocol.describe_started`), then a progress bar on a terminal or
one line per epoch otherwise; ``--json`` relays the worker's JSON Lines verbatim.
Without ``--output`` or ``[output] dir`` the job folder is
``./runs/<spec stem>-<YYYYmmdd-HHMMSS>`` (:func:`retrain.outdir.default_output_dir`).

Ctrl+C, SIGTERM (a CI timeout, ``kill``) and a closed stdout (``| head``) cancel
cleanly: the worker is sent ``cancel <reason>``, stops after the current batch and
saves what it has; the CLI prints its one-line outcome on stderr. A second Ctrl+C
or SIGTERM, or a worker that does not stop within :data:`GRACE_SECONDS`, gets the
worker terminated, then killed. Once stdout is closed nothing more is written to it
(no ``BrokenPipeError``).

At the end, text mode prints the outcome, then (:func:`retrain.protocol.describe_result`)
the validation scores of the original model file against the retrained one
(balanced accuracy, accuracy, loss) with a hint when it is not better, which
epoch's weights ``model.keras`` holds and what it takes as input (raw features,
or one-hot encoded per ``preprocessing.json``).

Exit status: 0 completed; 1 failed; 2 bad spec or input (nothing is created: a
problem the worker finds before it writes anything removes the prepared folder);
3 cancelled (the worker was cancelled or got SIGTERM by itself); when the CLI
itself was stopped, the shell's code for that signal: 130 Ctrl+C (128 + SIGINT),
141 stdout closed (128 + SIGPIPE), 143 SIGTERM (128 + SIGTERM) - the job folder
then says ``cancelled`` (0 if the job completed all the same). Every non-zero exit
ends with one line on stderr saying why: ``fitlens retrain: <file>: <reason>`` for
bad input, ``fitlens retrain: failed: <reason> (<job folder>)`` for a job that
failed, ``fitlens retrain: cancelled: <reason>; ...`` for a cancelled one. With
``--json`` bad input is also one ``error`` message on stdout, as the worker sends it
(``{"type": "error", "version": 1, "message", "kind", "output": null}``).
"""

from __future__ import annotations

import argparse
import json
import queue
import signal
import subprocess
import sys
import threading
import time

from analysis.cli_common import EXIT_BROKEN_PIPE, silence_stdout
from retrain.errors import RetrainError
from retrain.job import (
    describe_exit,
    prepare_job,
    read_metrics,
    record_outcome,
    worker_command,
    worker_env,
)
from retrain.outdir import discard_prepared
from retrain.protocol import (
    EXIT_CANCELLED,
    EXIT_COMPLETED,
    EXIT_FAILED,
    EXIT_INPUT,
    LineDecoder,
    Progress,
    cancel_line,
    describe_result,
    describe_started,
    format_seconds,
    message,
)

#: The CLI exits with the worker's status (retrain.protocol: completed, failed, refused
#: input, cancelled), or with this one after Ctrl+C (128 + SIGINT).
EXIT_INTERRUPTED = 130
#: The CLI's stdout was closed (128 + SIGPIPE, what a shell reports for ``yes | head -1``).
EXIT_PIPE = EXIT_BROKEN_PIPE
#: The CLI got SIGTERM (128 + SIGTERM, as a shell reports a process it ended).
EXIT_TERMINATED = 143
#: Seconds a cancelled worker gets to stop by itself before SIGTERM, then before SIGKILL.
GRACE_SECONDS = (10.0, 5.0)

#: Why the CLI stopped a job (the reason recorded in metrics.json) and its exit status.
CTRL_C = ("interrupted (Ctrl+C)", EXIT_INTERRUPTED)
SIGTERM = ("fitlens retrain was terminated (SIGTERM)", EXIT_TERMINATED)
PIPE = ("the output of fitlens retrain was closed (broken pipe)", EXIT_PIPE)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="fitlens retrain",
        description="Retrain a model with remedies in a worker process. The spec is TOML "
        "([data], [model], [train], [remedies], [output]); see resources/demo/retrain.toml.",
        epilog="exit status: 0 completed, 1 failed, 2 bad spec or input, 3 cancelled; "
        "the job cancelled because this command was stopped: 130 Ctrl+C, 141 stdout "
        "closed, 143 SIGTERM",
    )
    p.add_argument("spec", metavar="SPEC.toml", help="the retrain spec")
    p.add_argument(
        "--output",
        metavar="DIR",
        help="output folder (overrides [output] dir; a "
        "new or empty folder, or a numbered sibling of an earlier job's; default "
        "./runs/<spec name>-<date>-<time>)",
    )
    p.add_argument(
        "--json",
        action="store_true",
        help="print the worker's progress as JSON Lines (one object per line)",
    )
    return p


class _Stdout:
    """The CLI's stdout: once its reader has gone (``| head``), writes are dropped.

    The first failed write points file descriptor 1 at ``os.devnull``
    (:func:`analysis.cli_common.silence_stdout`).
    """

    def __init__(self) -> None:
        self.closed = False

    def write(self, text: str) -> bool:
        """Write and flush ``text``; False when stdout is (now) closed."""
        if self.closed:
            return False
        try:
            sys.stdout.write(text)
            sys.stdout.flush()
            return True
        except (BrokenPipeError, ValueError, AttributeError):
            # ValueError: the file object was closed; AttributeError: no stdout at all
            # (started with fd 1 closed, sys.stdout is None)
            self.closed = True
            silence_stdout()
            return False


def _err(line: str) -> None:
    """One line on stderr (dropped if stderr is a closed pipe too)."""
    try:
        print(line, file=sys.stderr, flush=True)
    except (OSError, ValueError, AttributeError):
        pass


class _Bar:
    """Terminal progress bar (stderr) or plain epoch lines (stdout)."""

    def __init__(self, tty: bool, out: _Stdout | None = None) -> None:
        self.tty = tty
        self.out = out or _Stdout()
        self._last = 0.0
        self._width = 0

    def show(self, prog: Progress, force: bool = False) -> None:
        if not self.tty:
            return
        now = time.monotonic()
        if not force and now - self._last < 0.1:
            return
        self._last = now
        f = prog.fraction
        n = 24
        bar = "#" * int(f * n) + "-" * (n - int(f * n))
        logs = "  ".join(
            f"{k} {v:.4g}"
            for k, v in prog.last_logs.items()
            if k in ("loss", "val_loss", "val_accuracy")
        )
        line = f"{prog.label():>12} [{bar}] {f:4.0%}  {logs}  left {format_seconds(prog.eta())}"
        pad = max(0, self._width - len(line))
        try:
            sys.stderr.write("\r" + line + " " * pad)
            sys.stderr.flush()
        except (OSError, ValueError):
            self.tty = False
        self._width = len(line)

    def epoch(self, msg: dict) -> None:
        if self.tty:
            return
        logs = "  ".join(
            f"{k} {v:.4g}" for k, v in (msg.get("logs") or {}).items() if isinstance(v, int | float)
        )
        self.out.write(f"epoch {int(msg.get('epoch', 0)) + 1}/{msg.get('epochs')}  {logs}\n")

    def done(self) -> None:
        if self.tty and self._width:
            try:
                sys.stderr.write("\n")
                sys.stderr.flush()
            except (OSError, ValueError):
                pass


def main(argv: list[str] | None = None) -> int:
    """Run one retrain job from a spec file; returns the exit status."""
    args = build_parser().parse_args(argv)
    out = _Stdout()
    try:
        job = prepare_job(args.spec, output=args.output)
    except RetrainError as exc:
        _input_error(exc.line(), exc.kind, args.json, out)
        return EXIT_INPUT
    where = f"job folder: {job.output}"
    if job.output_default:
        where += (
            " (no output folder given" + (f"; {job.output_note}" if job.output_note else "") + ")"
        )
    stops: list[tuple[str, int]] = []  # stop requests, in order (see _follow)
    previous = _on_signals(stops)
    try:
        log = open(job.output / "worker.log", "wb")  # noqa: SIM115 - closed below
        try:
            proc = subprocess.Popen(
                worker_command(job.spec_path),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
                env=worker_env(),
            )
        except OSError as exc:
            log.close()
            reason = f"could not start the worker: {exc.strerror or exc}"
            record_outcome(job.output, "failed", reason)
            if args.json:
                out.write(
                    _json_line(
                        message("error", message=reason, kind="internal", output=str(job.output))
                    )
                )
            _err(f"fitlens retrain: failed: {reason} ({job.output})")
            return EXIT_FAILED
        with log:
            code = _follow(proc, job, args.json, where, out, stops)
    finally:
        _restore_signals(previous)
    if code == EXIT_INPUT:
        # the worker refused the input before writing anything: leave nothing behind
        discard_prepared(job.output)
    return code


def _json_line(msg: dict) -> str:
    return json.dumps(msg, separators=(",", ":")) + "\n"


def _input_error(line: str, kind: str, as_json: bool, out: _Stdout) -> None:
    """Bad spec or input: one line on stderr; with ``--json`` also an ``error`` message
    on stdout, as the worker sends it (a JSON Lines reader must not see an empty stream)."""
    if as_json:
        out.write(_json_line(message("error", message=line, kind=kind, output=None)))
    _err(f"fitlens retrain: {line}")


def _on_signals(stops: list[tuple[str, int]]) -> dict:
    """While a job runs, SIGTERM and Ctrl+C (SIGINT) only append to ``stops``.

    The main loop acts on them between messages (:func:`_follow`), so a signal never
    interrupts the CLI half-way through sending a cancel or recording the outcome.
    SIGINT is left alone when it is not Python's default handler (ignored, as for a
    shell's background job). Returns the previous handlers (for
    :func:`_restore_signals`); none are installed outside the main thread.
    """
    previous = {}
    wanted = {signal.SIGTERM: SIGTERM}
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        wanted[signal.SIGINT] = CTRL_C
    for signum, how in wanted.items():
        try:
            previous[signum] = signal.signal(signum, lambda _s, _f, how=how: stops.append(how))
        except ValueError:  # not the main thread
            break
    return previous


def _restore_signals(previous: dict) -> None:
    for signum, handler in previous.items():
        signal.signal(signum, handler)


def _follow(
    proc: subprocess.Popen,
    job,
    as_json: bool,
    where: str = "",
    out: _Stdout | None = None,
    stops: list[tuple[str, int]] | None = None,
) -> int:
    """Relay the worker's messages until it ends; returns the exit status.

    The job folder (``where``) is named when the worker has started training: a
    worker that refuses the input first leaves no folder (see :func:`main`).
    ``stops`` collects requests to stop the job (:data:`CTRL_C`, :data:`SIGTERM`,
    :data:`PIPE`), appended by signal handlers or here: the first cancels the worker
    cooperatively, a second Ctrl+C or SIGTERM terminates it.
    """
    out = out or _Stdout()
    stops = [] if stops is None else stops
    q: queue.Queue = queue.Queue()

    def pump() -> None:
        dec = LineDecoder()
        while True:
            chunk = (
                proc.stdout.read1(65536)
                if hasattr(proc.stdout, "read1")
                else proc.stdout.read(4096)
            )
            if not chunk:
                break
            for m in dec.feed(chunk):
                q.put(m)
        for m in dec.flush():
            q.put(m)
        q.put(None)

    threading.Thread(target=pump, daemon=True).start()
    prog = Progress()
    bar = _Bar(tty=not as_json and sys.stderr.isatty(), out=out)
    t0 = time.monotonic()
    deadline: list[float] = []  # [terminate_at, kill_at] once cancelled
    handled = 0  # stop requests acted on
    while True:
        try:
            try:
                m = q.get(timeout=0.1)
            except queue.Empty:
                m = False
            if m is None:
                break
            if m:
                prog.update(m)
                if as_json:
                    if m.get("type") == "started" and job.output_default:
                        _err(f"fitlens retrain: {where}")
                    if m.get("type") != "log":
                        out.write(_json_line(m))
                elif m.get("type") == "started":
                    out.write("\n".join([where, *describe_started(m)]) + "\n")
                elif m.get("type") == "epoch":
                    bar.epoch(m)
                if out.closed and PIPE not in stops:
                    stops.append(PIPE)
            bar.show(prog)
        except KeyboardInterrupt:
            stops.append(CTRL_C)
        while handled < len(stops):
            how = stops[handled]
            handled += 1
            if handled == 1:
                _send_cancel(proc, how[0])
                now = time.monotonic()
                deadline[:] = [now + GRACE_SECONDS[0], now + sum(GRACE_SECONDS)]
                if how == CTRL_C and not as_json:
                    bar.done()
                    _err(
                        "fitlens retrain: cancelling after the current batch (Ctrl+C again "
                        "to stop now)"
                    )
            elif how != PIPE and len(deadline) == 2:  # a second Ctrl+C or SIGTERM: stop now
                proc.terminate()
                deadline[:] = [time.monotonic() + GRACE_SECONDS[1]]
        if deadline:
            now = time.monotonic()
            if len(deadline) == 2 and now >= deadline[0]:
                proc.terminate()
                deadline.pop(0)
            elif len(deadline) == 1 and now >= deadline[0]:
                proc.kill()
                deadline.pop(0)
    code = _wait(proc, stops)
    bar.show(prog, force=True)
    bar.done()
    stop = stops[0] if stops else None
    return _report(job, prog, code, stop, as_json, time.monotonic() - t0, out)


def _send_cancel(proc: subprocess.Popen, reason: str | None = None) -> None:
    try:
        proc.stdin.write(cancel_line(reason))
        proc.stdin.flush()
    except (OSError, ValueError):
        pass


def _wait(proc: subprocess.Popen, stops: list | None = None) -> int:
    """The worker's exit status; a stop request while waiting kills it."""
    seen = len(stops or ())
    while True:
        try:
            return proc.wait(timeout=0.1)
        except subprocess.TimeoutExpired:
            if stops is not None and len(stops) > seen:
                proc.kill()
        except KeyboardInterrupt:
            proc.kill()


def _report(
    job,
    prog: Progress,
    code: int,
    stop: tuple[str, int] | None,
    as_json: bool,
    seconds: float,
    out: _Stdout | None = None,
) -> int:
    """Record and print the job's outcome; returns the exit status.

    ``stop`` is the first request that stopped the job (reason, exit status), if any.
    """
    out = out or _Stdout()
    folder = job.output
    status = prog.status
    if prog.finished is None and prog.error is None:
        where = f"during {prog.label()}" if prog.epochs else "before training started"
        if code < 0:
            reason = describe_exit(None, -code, where)
        else:
            reason = describe_exit(code, None, where)
        status = "cancelled" if stop else "failed"
        if stop:
            reason = f"{stop[0]}; {reason}"
        record_outcome(folder, status, reason, prog.epochs_done, seconds)
        if as_json:
            out.write(
                _json_line(message("error", message=reason, kind="internal", output=str(folder)))
            )
        _err(f"fitlens retrain: {status}: {reason} ({folder})")
        return stop[1] if stop else EXIT_FAILED
    if prog.error is not None:
        if code == EXIT_INPUT:  # refused before the worker wrote anything (see main)
            _err(f"fitlens retrain: {prog.error}")
            return EXIT_INPUT
        _err(f"fitlens retrain: failed: {prog.error} ({folder})")
        return EXIT_FAILED
    metrics = read_metrics(folder)
    if metrics is None:  # the worker stopped before it used the folder (cancelled early)
        metrics = prog.finished.get("metrics") or {}
        record_outcome(
            folder, status, str(metrics.get("reason") or status), prog.epochs_done, seconds
        )
    val = metrics.get("val") or {}
    bal = val.get("balanced_accuracy")
    why = f"{metrics['reason']}; " if status != "completed" and metrics.get("reason") else ""
    n_ep = metrics.get("epochs_run", prog.epochs_done)
    summary = (
        f"{status}: {why}{n_ep} epoch{'' if n_ep == 1 else 's'} in "
        f"{metrics.get('seconds', seconds):.1f} s"
        + (f"; validation balanced accuracy {bal:.3f}" if bal is not None else "")
        + (f", accuracy {val['accuracy']:.3f}" if val.get("accuracy") is not None else "")
        + f" -> {folder}"
    )
    details = describe_result(metrics, job.spec.remedies.active(), str(folder))
    if status == "completed":
        if not as_json:
            out.write("\n".join([summary, *details]) + "\n")
        return EXIT_COMPLETED
    if not as_json and details:
        out.write("\n".join(details) + "\n")
    _err(f"fitlens retrain: {summary}")
    return stop[1] if stop else EXIT_CANCELLED
