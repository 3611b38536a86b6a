"""Training-log readers behind one front door, :func:`load`.

``load(path) -> list[Run]`` accepts a file or a folder, finds the format from the
content (the file name only where content can't tell), and returns one
:class:`~analysis.model.Run` per training run, or raises
:class:`~analysis.model.LogReadError` whose ``str()`` is one line: path, place
(line/byte) where known, and the reason. No other exception escapes, nothing is
written next to the input, and no code from the input is ever run.

Formats (one module each; every decision a reader takes is in ``Run.notes``):

===========================  ===============================================  ===================
module                       what                                             ``Run.format``
===========================  ===============================================  ===================
:mod:`.csvlogger`            Keras ``CSVLogger`` (``,`` ``;`` tab; CRLF,      ``keras-csvlogger``
                             ``\\r\\r\\n``; ``NA``/``nan``/``inf``; list        ``keras-history-csv``
                             cells; repeated headers; resumed runs; title     ``custom-csv``
                             lines), pandas ``to_csv`` histories, plain CSV   ``single-column-csv``
:mod:`.lightning`            PyTorch Lightning ``metrics.csv``                ``lightning-csvlogger``
:mod:`.wandb`                Weights & Biases CSV exports                     ``wandb-csv-export``
:mod:`.tbexport`             TensorBoard CSV/JSON downloads                   ``tensorboard-csv``/
                                                                              ``tensorboard-json``
:mod:`.history`              Keras ``history.history`` as JSON, pickle        ``keras-history-json``
                             (restricted unpickler), ``np.save`` ``.npy``     ``-pickle``/``-npy``
:mod:`.hf`                   Hugging Face ``trainer_state.json``; JSON        ``hf-trainer-state``
                             records / JSON Lines                             ``json-records``
:mod:`.tfevents`             TensorBoard event files (no TensorFlow)          ``tensorboard-events``
===========================  ===============================================  ===================

Folders: a TensorBoard log dir (``train/`` + ``validation/`` = one run; sibling run
folders = several runs), a Lightning ``version_N`` folder or ``lightning_logs``, a
Hugging Face output/checkpoint folder (the latest ``trainer_state.json``), or any
folder of log files (each readable file gives its runs; TensorBoard CSV/JSON
exports of one run are merged).

Also here:

- :func:`append_runs` joins a second ``fit()`` to the first, reporting the overlap
  (``"second run restarted at epoch 4 — 1 epoch overlaps"``);
- :func:`epoch_end_values`, :func:`deaverage_running_mean` for Keras batch-level
  logs (running means since the epoch start);
- :class:`LogTail` for live logs.

Live logs with :class:`LogTail`
-------------------------------
::

    from analysis.readers import LogTail

    tail = LogTail("runs/exp1/training.log")   # a file or folder; may not exist yet
    ...
    if tail.poll():          # call from a timer / file-watcher (off the GUI thread)
        show(tail.runs)      # list[Run], rebuilt only when something was appended
    elif tail.error:         # LogReadError of the last poll; previous runs kept
        status(str(tail.error))

``poll()`` never raises and returns True when ``runs`` changed. For CSV-like logs
and TensorBoard event files it reads only the bytes appended since the last poll
(from the byte offset after the last complete line / record), so polling a large
log costs what was appended. A last line without a line end, or a TFRecord whose
bytes are not all there yet, is *not* read (it may be half-written); it is read
on a later poll once complete, or with ``poll(final=True)`` when the writer has
finished. JSON, pickle and ``.npy`` files are re-read whole when their size or
mtime changes (a half-written JSON keeps the previous runs). A truncated or
replaced file is read again from the start. ``Run``/``Series`` objects handed out
are never mutated afterwards; each change produces new ones.

Tests set ``analysis.readers._base._STRICT = True`` (or ``FITLENS_READERS_STRICT=1``) so
that a reader bug surfaces as its own exception instead of a ``LogReadError``.
"""

from __future__ import annotations

from analysis.readers._front import load, load_folder, sniff
from analysis.readers.batch import deaverage_running_mean, epoch_end_values
from analysis.readers.join import append_runs
from analysis.readers.tail import LogTail

__all__ = [
    "LogTail",
    "append_runs",
    "deaverage_running_mean",
    "epoch_end_values",
    "load",
    "load_folder",
    "sniff",
]
