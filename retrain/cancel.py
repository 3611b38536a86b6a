"""Cancelling a retrain job: cancel requests, and the exceptions that end a job early.

A ``cancel`` line on the worker's stdin (``cancel <reason>`` gives the reason), Ctrl+C
(SIGINT) or SIGTERM sets :attr:`CancelRequests.event`; training then stops after the
current batch (Keras' ``model.stop_training``, see :mod:`retrain.reporter`). A second
signal (or SIGTERM after a cancel the worker has not yet acted on) raises
:class:`StopNow` in the main thread: the job stops at once, no model is saved.
"""

from __future__ import annotations

import signal
import sys
import threading


class StopNow(BaseException):
    """Raised by a signal handler to stop at once (not after the current batch)."""

    def __init__(self, how: str) -> None:
        super().__init__(how)
        self.how = how


class CancelRequests:
    """Cancel requests: ``cancel`` on stdin, SIGINT, SIGTERM, or stdin closing (optional).

    The first request stops training after the current batch. A second SIGINT, or
    a SIGTERM when a cancel is already pending, raises :class:`StopNow` in the main
    thread (once; later signals are ignored while the worker records the outcome).
    """

    def __init__(self, on_eof: bool) -> None:
        #: Set by the first request; training stops after the current batch.
        self.event = threading.Event()
        self.reason: str | None = None
        self._sigints = 0
        self._forced = False
        self._on_eof = on_eof
        threading.Thread(target=self._read_stdin, name="fitlens-stdin", daemon=True).start()
        for signum, handler in ((signal.SIGINT, self._sigint), (signal.SIGTERM, self._sigterm)):
            try:
                signal.signal(signum, handler)
            except ValueError:  # not the main thread (tests calling main() from a thread)
                pass

    def set(self, reason: str) -> None:
        """Record a cancel request (the first one's reason is kept)."""
        if not self.event.is_set():
            self.reason = reason
            self.event.set()

    def _force(self, how: str) -> None:
        if self._forced:
            return
        self._forced = True
        self.set(how)
        raise StopNow(how)

    def _sigint(self, signum, frame) -> None:
        # count signals, not cancel requests: under the CLI, Ctrl+C reaches the worker both
        # as SIGINT and as a "cancel" line, in either order
        self._sigints += 1
        if self._sigints > 1:
            self._force("a second Ctrl+C")
        self.set("interrupted (Ctrl+C)")

    def _sigterm(self, signum, frame) -> None:
        # the GUI and the CLI send SIGTERM only when a cancel did not stop the worker in
        # time; `kill -TERM` on its own is a cancel like any other
        if self.event.is_set():
            self._force("SIGTERM")
        self.set("terminated by SIGTERM")

    def _read_stdin(self) -> None:
        try:
            stream = sys.stdin.buffer
        except (AttributeError, ValueError):
            return
        try:
            for line in stream:
                word, _, why = line.strip().partition(b" ")
                if word.lower() in (b"cancel", b"stop"):
                    # "cancel <reason>": the controller says why (retrain.protocol.cancel_line)
                    why = " ".join(why.decode("utf-8", errors="replace").split())[:200]
                    self.set(why or "cancelled by the user")
        except (OSError, ValueError):
            pass
        if self._on_eof:
            self.set("the controlling program closed the worker's input")


class Cancelled(Exception):
    """The job was cancelled before training began (nothing to save or score)."""


class EpochNotStarted(Exception):
    """Leaves ``model.fit`` before an epoch's first batch, when a cancel arrived between
    two epochs (:meth:`retrain.reporter.ProgressReporter.epoch_begin`)."""
