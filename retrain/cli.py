"""``python main.py retrain SPEC.toml [--output DIR] [--json]``.

Validates the spec and its inputs (all spec problems at once; nothing is
created for a bad spec or input, :func:`retrain.preflight.preflight`), claims the
output folder, runs the worker process (``python -m retrain.worker``) and relays
its progress. When training starts, text mode prints the job folder and what the
data and remedies actually did, one line each
(:func:`retrain.protocol.describe_started`), then a progress bar on a terminal or
one line per epoch otherwise; ``--json`` relays the worker's JSON Lines verbatim.
Without ``--output`` or ``[output] dir`` the job folder is
``./runs/<spec stem>-<YYYYmmdd-HHMMSS>`` (:func:`retrain.outdir.default_output_dir`). Ctrl+C cancels cleanly (the worker stops after the current batch and
saves what it has; a second Ctrl+C, or a worker that does not stop within the
grace period, is terminated and then killed).

At the end, text mode prints the outcome, then (:func:`retrain.protocol.describe_result`)
the validation scores of the original model file against the retrained one
(balanced accuracy, accuracy, loss) with a hint when it is not better, which
epoch's weights ``model.keras`` holds and what it takes as input (raw features,
or one-hot encoded per ``preprocessing.json``).

Exit status: 0 completed; 1 failed; 2 bad spec or input (nothing is created: a
problem the worker finds before it writes anything removes the prepared folder);
3 cancelled (130 after Ctrl+C). Every failure ends with one line on stderr saying
why: ``fitlens retrain: <file>: <reason>`` for bad input, ``fitlens retrain:
failed: <reason> (<job folder>)`` for a job that failed.
"""

from __future__ import annotations

import argparse
import json
import queue
import subprocess
import sys
import threading
import time

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
    CANCEL,
    LineDecoder,
    Progress,
    describe_result,
    describe_started,
    format_seconds,
)

EXIT_OK, EXIT_FAILED, EXIT_INPUT, EXIT_CANCELLED, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
#: Seconds a cancelled worker gets to stop by itself before SIGTERM, then before SIGKILL.
GRACE_SECONDS = (10.0, 5.0)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="fitlens retrain",
        description="Retrain a model with remedies in a worker process. The spec is TOML "
        "([data], [model], [train], [remedies], [output]); see resources/demo/retrain.toml.",
        epilog="exit status: 0 completed, 1 failed, 2 bad spec or input, 3 cancelled, "
        "130 interrupted (Ctrl+C)",
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


class _Bar:
    """Terminal progress bar (stderr) or plain epoch lines (stdout)."""

    def __init__(self, tty: bool) -> None:
        self.tty = tty
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
        sys.stderr.write("\r" + line + " " * pad)
        sys.stderr.flush()
        self._width = len(line)

    def epoch(self, msg: dict) -> None:
        if self.tty:
            return
        logs = "  ".join(
            f"{k} {v:.4g}" for k, v in (msg.get("logs") or {}).items() if isinstance(v, int | float)
        )
        print(f"epoch {int(msg.get('epoch', 0)) + 1}/{msg.get('epochs')}  {logs}", flush=True)

    def done(self) -> None:
        if self.tty and self._width:
            sys.stderr.write("\n")
            sys.stderr.flush()


def main(argv: list[str] | None = None) -> int:
    """Run one retrain job from a spec file; returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        job = prepare_job(args.spec, output=args.output)
    except RetrainError as exc:
        print(f"fitlens retrain: {exc.line()}", file=sys.stderr)
        return EXIT_INPUT
    where = f"job folder: {job.output}"
    if job.output_default:
        where += (
            " (no output folder given" + (f"; {job.output_note}" if job.output_note else "") + ")"
        )
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
        print(f"fitlens retrain: {reason}", file=sys.stderr)
        return EXIT_FAILED
    with log:
        code = _follow(proc, job, args.json, where)
    if code == EXIT_INPUT:
        # the worker refused the input before writing anything: leave nothing behind
        discard_prepared(job.output)
    return code


def _follow(proc: subprocess.Popen, job, as_json: bool, where: str = "") -> int:
    """Relay the worker's messages until it ends; returns the exit status.

    The job folder (``where``) is named when the worker has started training: a
    worker that refuses the input first leaves no folder (see :func:`main`).
    """
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
    bar = _Bar(tty=not as_json and sys.stderr.isatty())
    t0 = time.monotonic()
    interrupted = False
    deadline: list[float] = []  # [terminate_at, kill_at] once cancelled
    ended = False
    while not ended:
        try:
            try:
                m = q.get(timeout=0.1)
            except queue.Empty:
                m = False
            if m is None:
                ended = True
                break
            if m:
                prog.update(m)
                if as_json:
                    if m.get("type") == "started" and job.output_default:
                        print(f"fitlens retrain: {where}", file=sys.stderr, flush=True)
                    if m.get("type") != "log":
                        sys.stdout.write(json.dumps(m, separators=(",", ":")) + "\n")
                        sys.stdout.flush()
                elif m.get("type") == "started":
                    print("\n".join([where, *describe_started(m)]), flush=True)
                elif m.get("type") == "epoch":
                    bar.epoch(m)
            bar.show(prog)
            if deadline:
                now = time.monotonic()
                if len(deadline) == 2 and now >= deadline[0]:
                    proc.terminate()
                    deadline.pop(0)
                elif len(deadline) == 1 and now >= deadline[0]:
                    proc.kill()
                    deadline.pop(0)
        except KeyboardInterrupt:
            if interrupted:  # second Ctrl+C: stop now
                proc.terminate()
                deadline[:] = [time.monotonic() + GRACE_SECONDS[1]]
                continue
            interrupted = True
            _send_cancel(proc)
            now = time.monotonic()
            deadline[:] = [now + GRACE_SECONDS[0], now + sum(GRACE_SECONDS)]
            if not as_json:
                bar.done()
                print(
                    "fitlens retrain: cancelling after the current batch (Ctrl+C again to "
                    "stop now)",
                    file=sys.stderr,
                )
    code = _wait(proc)
    bar.show(prog, force=True)
    bar.done()
    return _report(job, prog, code, interrupted, as_json, time.monotonic() - t0)


def _send_cancel(proc: subprocess.Popen) -> None:
    try:
        proc.stdin.write(CANCEL)
        proc.stdin.flush()
    except (OSError, ValueError):
        pass


def _wait(proc: subprocess.Popen) -> int:
    while True:
        try:
            return proc.wait()
        except KeyboardInterrupt:
            proc.kill()


def _report(
    job, prog: Progress, code: int, interrupted: bool, as_json: bool, seconds: float
) -> int:
    out = job.output
    status = prog.status
    if prog.finished is None and prog.error is None:
        where = f"during {prog.label()}" if prog.epochs else "before training started"
        if code < 0:
            reason = describe_exit(None, -code, where)
        else:
            reason = describe_exit(code, None, where)
        status = "cancelled" if interrupted else "failed"
        if interrupted:
            reason = f"cancelled with Ctrl+C; {reason}"
        record_outcome(out, status, reason, prog.epochs_done, seconds)
        if as_json:
            sys.stdout.write(
                json.dumps(
                    {
                        "type": "error",
                        "version": 1,
                        "message": reason,
                        "kind": "internal",
                        "output": str(out),
                    }
                )
                + "\n"
            )
        print(f"fitlens retrain: {status}: {reason} ({out})", file=sys.stderr)
        return EXIT_INTERRUPTED if interrupted else EXIT_FAILED
    if prog.error is not None:
        if code == EXIT_INPUT:  # refused before the worker wrote anything (see main)
            print(f"fitlens retrain: {prog.error}", file=sys.stderr)
            return EXIT_INPUT
        print(f"fitlens retrain: failed: {prog.error} ({out})", file=sys.stderr)
        return EXIT_FAILED
    metrics = read_metrics(out)
    if metrics is None:  # the worker stopped before it used the folder (cancelled early)
        metrics = prog.finished.get("metrics") or {}
        record_outcome(out, status, str(metrics.get("reason") or status), prog.epochs_done, seconds)
    val = metrics.get("val") or {}
    bal = val.get("balanced_accuracy")
    why = f"{metrics['reason']}; " if status != "completed" and metrics.get("reason") else ""
    summary = (
        f"{status}: {why}{metrics.get('epochs_run', prog.epochs_done)} epochs in "
        f"{metrics.get('seconds', seconds):.1f} s"
        + (f"; validation balanced accuracy {bal:.3f}" if bal is not None else "")
        + (f", accuracy {val['accuracy']:.3f}" if val.get("accuracy") is not None else "")
        + f" -> {out}"
    )
    details = describe_result(metrics, job.spec.remedies.active(), str(out))
    if status == "completed":
        if not as_json:
            print("\n".join([summary, *details]), flush=True)
        return EXIT_OK
    if not as_json and details:
        print("\n".join(details), flush=True)
    print(f"fitlens retrain: {summary}", file=sys.stderr)
    return EXIT_INTERRUPTED if interrupted else EXIT_CANCELLED
