"""A stand-in for ``python -m retrain.worker`` that replays recorded protocol lines.

Usage: ``fake_worker.py SPEC [--cancel-on-eof]`` (the real worker's command line).
The job folder is the spec's folder (a prepared job). Behaviour is set through
environment variables:

- ``FAKE_REPLAY``: JSON Lines recorded from a real worker (default:
  ``data/demo_protocol.jsonl``, the demo retrained by the real worker);
- ``FAKE_DELAY``: seconds between replayed lines (default 0.02);
- ``FAKE_MODE``:
  ``normal`` (default) replays everything;
  ``noise`` also prints non-JSON text and splits lines across writes;
  ``hang`` ignores cancel requests and keeps sleeping (to test terminate);
  ``stubborn`` like ``hang`` and also ignores SIGTERM (to test kill);
  ``killself:N`` kills itself with SIGKILL after N epochs;
  ``exit:N`` exits with status 1 after N epochs without saying anything.

Like the real worker it honours ``cancel`` or ``cancel <reason>`` on stdin (stopping
after the current line), appends a CSVLogger-style row to ``training.log`` per epoch (so a
cancelled or killed job leaves a partial log), and writes ``metrics.json``.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    spec = Path(sys.argv[1]).resolve()
    out = spec.parent
    replay = Path(os.environ.get("FAKE_REPLAY", HERE / "data" / "demo_protocol.jsonl"))
    delay = float(os.environ.get("FAKE_DELAY", "0.02"))
    mode = os.environ.get("FAKE_MODE", "normal")
    stop_after = int(mode.split(":")[1]) if ":" in mode else None
    cancel = threading.Event()
    why: list[str] = []
    if mode == "stubborn":
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        mode = "hang"

    def read_stdin() -> None:
        for line in sys.stdin.buffer:
            word, _, reason = line.strip().partition(b" ")
            if word == b"cancel":
                why.append(reason.decode() or "cancelled by the user")
                cancel.set()

    threading.Thread(target=read_stdin, daemon=True).start()
    out_fd = sys.stdout.buffer
    t0 = time.monotonic()

    def send(obj: dict) -> None:
        data = (json.dumps(obj) + "\n").encode()
        if mode == "noise":
            out_fd.write(b"some TensorFlow chatter that is not JSON\n")
            half = len(data) // 2
            out_fd.write(data[:half])
            out_fd.flush()
            time.sleep(0.005)
            out_fd.write(data[half:])
        else:
            out_fd.write(data)
        out_fd.flush()

    history: dict[str, list[float]] = {}
    epochs_run = 0
    keys: list[str] | None = None
    recorded: dict = {}
    for raw in replay.read_text().splitlines():
        msg = json.loads(raw)
        for k in ("output", "spec"):
            if k in msg:
                msg[k] = str(out) if k == "output" else str(spec)
        if msg["type"] == "finished":
            recorded = msg.get("metrics") or {}
            break
        if cancel.is_set() and mode != "hang":
            return finish(send, out, "cancelled", epochs_run, history, t0, reason=why[0])
        send(msg)
        if msg["type"] == "epoch":
            epochs_run += 1
            logs = msg["logs"]
            for k, v in logs.items():
                history.setdefault(k, []).append(v)
            with open(out / "training.log", "a") as fh:
                if keys is None:
                    keys = sorted(logs)
                    fh.write(",".join(["epoch", *keys]) + "\n")
                fh.write(",".join([str(msg["epoch"])] + [repr(logs[k]) for k in keys]) + "\n")
            if stop_after is not None and epochs_run >= stop_after:
                if mode.startswith("killself"):
                    os.kill(os.getpid(), signal.SIGKILL)
                if mode.startswith("exit"):
                    return 1
        time.sleep(delay)
    if mode == "hang":
        while True:
            time.sleep(1)
    return finish(send, out, "completed", epochs_run, history, t0, recorded)


def finish(
    send,
    out: Path,
    status: str,
    epochs_run: int,
    history: dict,
    t0: float,
    recorded: dict | None = None,
    reason: str = "cancelled by the user",
) -> int:
    """metrics.json: the recorded run's for a full replay, no scores for a cancelled one."""
    metrics = dict(recorded or {})
    metrics.update(status=status, epochs_run=epochs_run, seconds=round(time.monotonic() - t0, 3))
    if status == "cancelled":
        metrics.update(val=None, reason=reason)
    (out / "history.json").write_text(json.dumps(history))
    (out / "metrics.json").write_text(json.dumps(metrics))
    send(
        {
            "type": "finished",
            "version": 1,
            "status": status,
            "epochs_run": epochs_run,
            "seconds": metrics["seconds"],
            "output": str(out),
            "metrics": metrics,
        }
    )
    return 0 if status == "completed" else 3


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    os._exit(code)  # like the real worker: no teardown racing the stdin reader thread
