"""Training-log readers behind one front door, :func:`load`.

``load(path) -> list[Run]`` accepts a file or a folder, finds the format from the
content (the file name only where content can't tell), and returns one
:class:`~analysis.model.Run` per training run, or raises
:class:`~analysis.model.LogReadError` whose ``str()`` is one line: path, place
(line/byte) where known, and the reason. No other exception escapes, nothing is
written next to the input, and no code from the input is ever run.

Which reader takes an input is decided in one place, the router (:mod:`.route`): each
format module declares how it is recognised (a :class:`~.formats.LogFormat`: name,
level, test, reader, priority) and :data:`.route.FORMATS` registers them. Recognition
runs at three levels: the file's leading bytes (containers: JSON text, pickles,
``.npy``/``.npz``, delimited text, event files), the decoded value's shape, the parsed
table's columns. Formats (one module each; every decision a reader takes is in
``Run.notes``):

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

Containers, decoded and handed back to the router: :mod:`.json_file`, :mod:`.npy_pickle`,
:mod:`.delimited`; refusals (empty, ZIP, gzip, binary): :mod:`.refusals`. Shared
machinery, no routing: :mod:`.errors`, :mod:`.files`, :mod:`.text`, :mod:`.cells`,
:mod:`.series_build`, :mod:`.growable`, :mod:`.safe_pickle`, :mod:`.json_stream`,
:mod:`.table_data`, :mod:`.table_parse`, :mod:`.table_notes`, :mod:`.table_bulk`,
:mod:`.table_series`, :mod:`.columns`, :mod:`.tb_tags`, :mod:`.tfrecord`,
:mod:`.event_decode`, :mod:`.event_file`, :mod:`.rules`, :mod:`.names`.

Folders hold any mix of logs (:mod:`.folder`): TensorBoard log dirs (``train/`` +
``validation/`` = one run; sibling run folders = several runs), Lightning
``version_N`` folders, Hugging Face output/checkpoint folders (the latest
``trainer_state.json``), TensorBoard CSV/JSON exports (the files of one run merged,
never dropping a value), and every other log file in the tree, each its own run(s).

Partial success: :func:`load_many` returns ``(runs, errors)`` (and ``.skipped``):
one :class:`~analysis.model.LogReadError` per log file of a folder that could not be
read, next to the runs of the others. :func:`load` returns the runs only and
raises when nothing could be read.

What is *not* a training log (source code, datasets, settings JSON, text without a
numeric table, a FIFO...) is refused with one line; the rules are in
:mod:`.rules`. Such refusals are :class:`NotATrainingLog` (a ``LogReadError``);
folder scans list them as skipped instead of as errors.

Also here:

- :func:`append_runs` joins a second ``fit()`` to the first, reporting the overlap
  (``"second run restarted at epoch 4 — 1 epoch overlaps"``);
- :func:`epoch_end_values`, :func:`deaverage_running_mean` for Keras batch-level
  logs (running means since the epoch start);
- :class:`LogTail` for live logs;
- :func:`file_run_name`, :func:`unique_run_names`: how runs are named
  (:mod:`.names`; ``Run.name`` is the one name CLI and GUI show).

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

Tests set ``analysis.readers.errors.STRICT = True`` (or ``FITLENS_READERS_STRICT=1``) so
that a reader bug surfaces as its own exception instead of a ``LogReadError``.
"""

from __future__ import annotations

from analysis.readers.batch import deaverage_running_mean, epoch_end_values
from analysis.readers.errors import NotATrainingLog
from analysis.readers.front import load, load_file, load_folder, load_many
from analysis.readers.join import append_runs
from analysis.readers.names import file_run_name, unique_run_names
from analysis.readers.outcome import LoadOutcome
from analysis.readers.route import sniff
from analysis.readers.tail import LogTail

__all__ = [
    "LoadOutcome",
    "LogTail",
    "NotATrainingLog",
    "append_runs",
    "deaverage_running_mean",
    "epoch_end_values",
    "file_run_name",
    "load",
    "load_file",
    "load_folder",
    "load_many",
    "sniff",
    "unique_run_names",
]
