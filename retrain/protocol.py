"""The worker's progress protocol: UTF-8 JSON Lines on its stdout.

One JSON object per line, each with ``type`` and ``version`` (:data:`VERSION`):

``started``
    Training is about to begin: ``epochs``, ``steps_per_epoch``, ``batch_size``,
    ``n_train``, ``n_val``, ``classes``, ``class_counts`` (training rows per class,
    after resampling), ``class_counts_val``, ``class_weight``, ``resampling``,
    ``remedies`` (active names), ``notes``, ``actions`` (what the data and remedies
    did, one line each: :func:`describe_started`), ``callbacks`` (name, monitor,
    mode...), ``output`` (the job folder), ``output_default`` / ``output_note``
    (the worker chose the folder itself), ``pid``.
``epoch``
    After each epoch: ``epoch`` (0-based, as Keras counts), ``epochs``, ``logs``
    (metric -> plain float; NaN written as ``NaN``), ``seconds`` (this epoch),
    ``elapsed`` (since training began), ``partial`` (the epoch was cut short by a cancel).
``batch``
    Progress inside an epoch, at most about 10 per second: ``epoch``, ``step``
    (batches done), ``steps``. (Tests add ``hold`` / ``cancel_seen`` from a callback
    they give the worker; see ``tests/retrain/held_worker.py``.)
``finished``
    ``status`` (``completed`` or ``cancelled``), ``epochs_run``, ``seconds``,
    ``metrics`` (the content of ``metrics.json``; ``reason`` when cancelled, e.g.
    ``"terminated by SIGTERM"``), ``output``.
``error``
    ``message`` (one line), ``kind`` (``spec``/``data``/``model``/``remedy``/
    ``output``/``internal``), ``output`` when the folder was already claimed.

Readers must tolerate what is not a message: a line that is not a JSON object
with a ``type`` becomes a ``{"type": "log", "text": ...}`` item, partial lines are
buffered until their newline, and unknown types are passed on (newer workers).

Commands go the other way as lines on the worker's stdin: ``cancel`` asks it to
stop after the current batch; ``cancel <reason>`` also says why (one line of text,
recorded as the job's ``reason``; :func:`cancel_line`).
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Mapping
from typing import Any

VERSION = 1
#: The worker's exit statuses: completed, failed after claiming its folder, refused its
#: input (nothing created), cancelled.
EXIT_COMPLETED, EXIT_FAILED, EXIT_INPUT, EXIT_CANCELLED = 0, 1, 2, 3
TYPES: tuple[str, ...] = ("started", "epoch", "batch", "finished", "error")
#: Command a controller writes to the worker's stdin to cancel the job.
CANCEL = b"cancel\n"
#: A partial line longer than this is given up as log text (protects the reader's memory).
MAX_LINE = 1 << 20


def cancel_line(reason: str | None = None) -> bytes:
    """The ``cancel`` command for the worker's stdin, with ``reason`` when given.

    >>> cancel_line("interrupted (Ctrl+C)")
    b'cancel interrupted (Ctrl+C)\\n'
    """
    why = " ".join((reason or "").split())
    return f"cancel {why}\n".encode() if why else CANCEL


def message(type_: str, **fields: Any) -> dict:
    """A protocol message: ``{"type": type_, "version": VERSION, **fields}``."""
    return {"type": type_, "version": VERSION, **fields}


def encode(msg: Mapping) -> bytes:
    """One message as a JSON line (UTF-8, ``\\n``-terminated; NaN/Infinity kept as in Keras' JSON)."""
    return (
        json.dumps(msg, ensure_ascii=False, separators=(",", ":"), default=_plain) + "\n"
    ).encode("utf-8")


def _plain(o: Any) -> Any:
    """numpy scalars/arrays and tensors to plain Python (json ``default``)."""
    if hasattr(o, "tolist"):
        return o.tolist()
    if hasattr(o, "numpy"):
        return o.numpy().tolist()
    if hasattr(o, "__float__"):
        return float(o)
    return str(o)


def plain_logs(logs: Mapping | None) -> dict[str, float]:
    """Keras logs as ``{name: float}`` (numpy/tensor scalars converted: Keras logs hold
    numpy and tensor scalars that ``json`` cannot write)."""
    out: dict[str, float] = {}
    for k, v in (logs or {}).items():
        try:
            out[str(k)] = float(v)
        except (TypeError, ValueError):
            continue
    return out


def parse_line(line: str) -> dict:
    """One line of worker output as a message, or ``{"type": "log", "text": line}``."""
    s = line.strip()
    if s.startswith("{"):
        try:
            obj = json.loads(s)
        except ValueError:
            obj = None
        if isinstance(obj, dict) and isinstance(obj.get("type"), str):
            return obj
    return {"type": "log", "text": line.rstrip("\r\n")}


class LineDecoder:
    """Split a byte stream into messages, keeping partial lines until their newline.

    Examples
    --------
    >>> d = LineDecoder()
    >>> d.feed(b'{"type": "epo')
    []
    >>> [m["type"] for m in d.feed(b'ch", "epoch": 0}\\nTF noise\\n')]
    ['epoch', 'log']
    """

    def __init__(self) -> None:
        self._buf = bytearray()

    def feed(self, data: bytes) -> list[dict]:
        """Messages completed by ``data``, in order."""
        self._buf += data
        out = []
        while True:
            i = self._buf.find(b"\n")
            if i < 0:
                break
            raw = bytes(self._buf[:i])
            del self._buf[: i + 1]
            text = raw.decode("utf-8", errors="replace")
            if text.strip():
                out.append(parse_line(text))
        if len(self._buf) > MAX_LINE:
            out.append({"type": "log", "text": self._buf.decode("utf-8", errors="replace")})
            self._buf.clear()
        return out

    def flush(self) -> list[dict]:
        """The last, unterminated line (at end of stream)."""
        if not self._buf.strip():
            self._buf.clear()
            return []
        text = self._buf.decode("utf-8", errors="replace")
        self._buf.clear()
        return [parse_line(text)]


class Progress:
    """What a controller knows about a running job, from its messages.

    Attributes
    ----------
    status : str
        ``waiting`` until ``started``, then ``running``, then ``completed`` /
        ``cancelled`` / ``failed``.
    epochs : int or None
        Epochs planned.
    epochs_done : int
        Epochs finished (epoch messages received).
    history : dict of str to list of float
        Epoch logs so far (the new run's curves, growing live).
    """

    def __init__(self) -> None:
        self.status = "waiting"
        self.epochs: int | None = None
        self.steps: int | None = None
        self.epochs_done = 0
        self.epoch = 0  # epoch in progress (0-based)
        self.step = 0
        self.history: dict[str, list[float]] = {}
        self.started: dict | None = None
        self.finished: dict | None = None
        self.error: str | None = None
        self._t0: float | None = None
        self.last_logs: dict[str, float] = {}

    def update(self, msg: Mapping, now: float | None = None) -> None:
        """Take one message into account (``now``: ``time.monotonic()`` by default)."""
        now = time.monotonic() if now is None else now
        t = msg.get("type")
        if t == "started":
            self.status = "running"
            self.started = dict(msg)
            self.epochs = _int(msg.get("epochs"))
            self.steps = _int(msg.get("steps_per_epoch"))
            self._t0 = now
        elif t == "batch":
            self.epoch = _int(msg.get("epoch")) or 0
            self.step = _int(msg.get("step")) or 0
            self.steps = _int(msg.get("steps")) or self.steps
        elif t == "epoch":
            e = _int(msg.get("epoch")) or 0
            self.epochs = _int(msg.get("epochs")) or self.epochs
            logs = msg.get("logs") or {}
            n_before = self.epochs_done
            for k, v in logs.items():
                col = self.history.setdefault(k, [math.nan] * n_before)
                col.append(_float(v))
            for col in self.history.values():
                while len(col) < n_before + 1:
                    col.append(math.nan)
            self.last_logs = {k: _float(v) for k, v in logs.items()}
            self.epochs_done = n_before + 1
            self.epoch, self.step = e + 1, 0
        elif t == "finished":
            self.finished = dict(msg)
            self.status = str(msg.get("status") or "completed")
        elif t == "error":
            self.status = "failed"
            self.error = str(msg.get("message") or "the worker reported an error")

    @property
    def fraction(self) -> float:
        """Share of the planned batches done, in [0, 1]."""
        if not self.epochs:
            return 0.0
        within = (self.step / self.steps) if self.steps else 0.0
        done = max(self.epochs_done, self.epoch) + min(within, 1.0)
        return max(0.0, min(1.0, done / self.epochs))

    def eta(self, now: float | None = None) -> float | None:
        """Seconds left at the pace so far, or None before any progress."""
        now = time.monotonic() if now is None else now
        f = self.fraction
        if self._t0 is None or f <= 0.0:
            return None
        if f >= 1.0:
            return 0.0
        elapsed = now - self._t0
        return elapsed / f * (1.0 - f)

    def label(self) -> str:
        """``epoch i/N`` (1-based i, the epoch in progress or the last one done)."""
        if not self.epochs:
            return "starting"
        i = min(
            self.epochs,
            max(self.epochs_done, 1) if self.status != "running" else self.epochs_done + 1,
        )
        return f"epoch {i}/{self.epochs}"


def format_seconds(s: float | None) -> str:
    """``"1:05"`` / ``"1:02:03"`` for a number of seconds; ``"--"`` when unknown."""
    if s is None or not math.isfinite(s):
        return "--"
    s = int(round(max(s, 0.0)))
    h, rem = divmod(s, 3600)
    m, sec = divmod(rem, 60)
    return f"{h}:{m:02d}:{sec:02d}" if h else f"{m}:{sec:02d}"


def _int(v: Any) -> int | None:
    try:
        return None if v is None else int(v)
    except (TypeError, ValueError):
        return None


def _float(v: Any) -> float:
    try:
        return float(v)
    except (TypeError, ValueError):
        return math.nan


def describe_started(msg: Mapping) -> list[str]:
    """What a job is about to do, one line each, from its ``started`` message.

    The first line names the model and the training settings; then the worker's
    ``actions`` (:func:`retrain.describe.describe_actions`: split and class
    counts, scaling, resampling, SMOTE's ``k_neighbors`` or fallback, one-hot
    columns, class weights, L2/dropout layers, callbacks with monitor and mode).
    A message from an older worker without ``actions`` gives its ``notes``.

    Returns
    -------
    list of str
    """
    params = msg.get("params")
    head = (
        f"model: {msg.get('model', '?')}"
        + (f" ({params} parameters)" if params is not None else "")
        + f", {msg.get('optimizer', '?')} learning rate {msg.get('learning_rate', '?')}"
        + f", {msg.get('loss', '?')}; {msg.get('epochs', '?')} epochs of "
        + f"{msg.get('steps_per_epoch', '?')} batches of {msg.get('batch_size', '?')}"
    )
    actions = msg.get("actions")
    if isinstance(actions, list):
        return [head, *map(str, actions)]
    lines = [head]
    counts = msg.get("class_counts") or {}
    lines.append(
        f"data: train {msg.get('n_train', '?')} rows ("
        + ", ".join(f"{k}: {v}" for k, v in counts.items())
        + f"), validation {msg.get('n_val', '?')} rows"
    )
    lines += [str(n) for n in msg.get("notes") or []]
    cw = msg.get("class_weight")
    if cw:
        lines.append("class_weight balanced: " + ", ".join(f"{k}: {v:.4g}" for k, v in cw.items()))
    return lines


#: Remedies suggested when a retrain did not beat the original, with what they fix.
_SUGGEST = (
    ("standardize", "standardize"),
    ("class_weight", "class_weight (or random_oversample)"),
    ("learning_rate", "a lower learning_rate"),
)


def _num(v: Any, fmt: str = ".3f") -> str:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return "--"
    return format(f, fmt) if math.isfinite(f) else str(f)


def describe_result(
    metrics: Mapping, remedies: tuple[str, ...] | list[str] = (), output: str | None = None
) -> list[str]:
    """The end of a job in lines of text, from its ``metrics.json``.

    Before -> after on the validation rows (balanced accuracy, accuracy, loss:
    the original model file as saved, ``metrics["before"]``, against the retrained
    one), a hint when the balanced accuracy is not better, which epoch's weights
    ``model.keras`` holds and what it takes as input (``model_input``).

    Parameters
    ----------
    metrics : mapping
        ``metrics.json`` of a completed or cancelled job.
    remedies : sequence of str
        The remedies the job used (to suggest others).
    output : str, optional
        The job folder (named in the hint).

    Returns
    -------
    list of str
        Empty when the job has no validation scores.
    """
    val = metrics.get("val") or {}
    if not val:
        return []
    before = metrics.get("before") or {}
    bval = before.get("val") or {}
    # the loss without regularization penalties compares like with like (l2 adds one)
    key = "crossentropy" if val.get("crossentropy") is not None else "loss"
    penalty = key == "crossentropy" and val.get("loss") != val.get("crossentropy")
    loss_name = "loss (cross-entropy without the L2 penalty)" if penalty else "loss"
    n = val.get("n")
    rows = f" on the {n} validation rows" if n else " on the validation rows"
    lines = []
    if bval:
        bkey = key if bval.get(key) is not None else "loss"
        lines.append(
            f"before -> after{rows}: balanced accuracy {_num(bval.get('balanced_accuracy'))} -> "
            f"{_num(val.get('balanced_accuracy'))}, accuracy {_num(bval.get('accuracy'))} -> "
            f"{_num(val.get('accuracy'))}, {loss_name} {_num(bval.get(bkey), '.4g')} -> "
            f"{_num(val.get(key), '.4g')}"
        )
        b, a = bval.get("balanced_accuracy"), val.get("balanced_accuracy")
        if isinstance(b, int | float) and isinstance(a, int | float) and round(a, 3) <= round(b, 3):
            verdict = "not better than" if round(a, 3) == round(b, 3) else "worse than"
            hint = [f"balanced accuracy {_num(b)} -> {_num(a)}: {verdict} the original"]
            counts = {k: v for k, v in (val.get("predicted_counts") or {}).items() if v}
            if len(counts) == 1:
                ((cls, cnt),) = counts.items()
                hint.append(f"the retrained model predicts {cls!r} for all {cnt} validation rows")
            todo = [text for name, text in _SUGGEST if name not in set(remedies)]
            if todo:
                hint.append("try " + ", ".join(todo))
            where = f"{output}/training.log" if output else "training.log"
            hint.append(f"see what is still wrong with: python main.py analyze {where}")
            lines.append("; ".join(hint))
    else:
        why = (
            f"the original model could not be scored: {before['error']}"
            if before.get("error")
            else "no model file to compare with: the built-in MLP was trained"
        )
        lines.append(
            f"validation scores{rows}: balanced accuracy {_num(val.get('balanced_accuracy'))}, "
            f"accuracy {_num(val.get('accuracy'))}, {loss_name} {_num(val.get(key), '.4g')} "
            f"({why})"
        )
    if metrics.get("weights_note"):
        lines.append(f"model.keras holds the {metrics['weights_note']}")
    mi = metrics.get("model_input") or {}
    if mi.get("text"):
        lines.append(f"model.keras takes: {mi['text']}")
    return lines
