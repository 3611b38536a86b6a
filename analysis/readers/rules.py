"""What is *not* a training log: the rules behind every :class:`NotATrainingLog` refusal.

A file is a training log when it holds at least one curve: a named series of
numbers over epochs or steps. The readers accept many dialects (see
:mod:`analysis.readers`), so they must also say no, clearly, to the files that sit
next to logs in real project folders. The rules, in the order they are applied:

1. **By name, without reading** (folder scans skip these without a word; given
   directly they are refused by name): extensions of code, notebooks, documents,
   images, media, model weights and checkpoints, archives and configuration files
   (:data:`NOT_LOG_EXTS`), and side files whose names frameworks fix
   (:data:`NOT_LOG_NAMES`: Hugging Face ``config.json``, tokenizer files...; a
   TensorFlow ``checkpoint`` index). Hidden files and folders and
   :data:`SKIP_DIRS` are not searched.
2. **By content** (refused with :class:`NotATrainingLog`; folder scans list them as
   skipped, with the reason):

   - source code (:func:`source_language`: ``import``/``def``/``class`` lines at
     the start of a line; a CSV log never has them);
   - text without a numeric table (no line with more numbers than words), or one
     line of numbers without a header (a ``.pid`` or exit-code file);
   - a header line alone whose names do not look like a training log
     (:func:`header_looks_like_log`): a live ``CSVLogger`` file before its first
     epoch is a header of ``epoch``/``loss``/``accuracy``... names and stays an
     empty run (with a note); other header-only text is refused;
   - a table whose header is ``0,1,2,...`` (:func:`numeric_header_reason`): pandas'
     default column names of a DataFrame saved without names (a feature matrix);
     no name says "metric" and none says epoch/step;
   - a dataset table (:func:`dataset_reason`): no epoch/step/batch/time column,
     a column named like a label/target (``label``, ``target``, ``class``, ``y``...)
     and no column only a metric would be named (``loss``, ``accuracy``, ``lr``, a
     ``val_`` side...). Such a file is what ``--data``/``--label`` are for;
   - JSON/pickle values without curves: a dict whose lists are all empty or not
     numeric (``meta.json``: ``"callbacks": []``), a dict whose only number lists
     hold integers under names that are not metrics (ids, layer sizes, token ids in
     ``generation_config.json``), records (JSON Lines / a list of objects) without
     an epoch/step key and without a metric-named key (a list of per-file reference
     values, not a log);
   - arrays that are not histories: integer arrays (class labels, ids),
     arrays of 3 or more dimensions (images), 2-D arrays with more than
     :data:`MAX_HISTORY_COLUMNS` columns (a feature matrix), ``.npz`` files with
     dataset keys (``x_train``, ``y``, ``images``, ``labels``...);
   - a run whose every series is empty.

Everything else that a reader can parse is read; when the format itself is broken
(invalid JSON, a damaged pickle or event file, permission denied), the error is a
plain :class:`~analysis.model.LogReadError`, reported as a failure in folder scans
too.
"""

from __future__ import annotations

import os
import re

from analysis import naming
from analysis.readers.columns import axis_kind

#: Extensions that are never training logs, with what they are (for the refusal).
NOT_LOG_EXTS: dict[str, str] = {}
for _exts, _what in (
    ((".py", ".pyw", ".pyc", ".pyx", ".pyi"), "Python source code"),
    ((".ipynb",), "a Jupyter notebook"),
    (
        (
            ".sh",
            ".bash",
            ".bat",
            ".ps1",
            ".js",
            ".ts",
            ".c",
            ".cc",
            ".cpp",
            ".cu",
            ".hpp",
            ".java",
            ".r",
            ".jl",
            ".m",
            ".go",
            ".rs",
        ),
        "source code",
    ),
    (
        (".md", ".rst", ".html", ".htm", ".pdf", ".tex", ".doc", ".docx", ".odt", ".rtf"),
        "a document",
    ),
    (
        (".png", ".jpg", ".jpeg", ".gif", ".bmp", ".svg", ".tif", ".tiff", ".webp", ".ico", ".eps"),
        "an image",
    ),
    ((".mp3", ".wav", ".flac", ".ogg", ".mp4", ".avi", ".mov", ".mkv", ".webm"), "audio or video"),
    (
        (
            ".h5",
            ".hdf5",
            ".keras",
            ".ckpt",
            ".pt",
            ".pth",
            ".onnx",
            ".pb",
            ".pbtxt",
            ".tflite",
            ".safetensors",
            ".bin",
            ".joblib",
            ".msgpack",
            ".index",
            ".mlmodel",
            ".caffemodel",
            ".params",
            ".weights",
        ),
        "model weights or a checkpoint",
    ),
    ((".zip", ".tar", ".gz", ".tgz", ".bz2", ".xz", ".7z", ".rar", ".whl", ".egg"), "an archive"),
    ((".yaml", ".yml", ".toml", ".cfg", ".ini", ".conf", ".env", ".lock"), "a configuration file"),
    (
        (".xlsx", ".xls", ".ods", ".parquet", ".feather", ".arrow", ".sqlite", ".db"),
        "a spreadsheet or database (export the log as CSV)",
    ),
):
    for _e in _exts:
        NOT_LOG_EXTS[_e] = _what

#: File names that frameworks give to side files that are not logs (lower case).
NOT_LOG_NAMES = frozenset(
    {
        # Hugging Face / Transformers / PEFT checkpoint side files
        "config.json",
        "generation_config.json",
        "tokenizer.json",
        "tokenizer_config.json",
        "special_tokens_map.json",
        "added_tokens.json",
        "vocab.json",
        "vocab.txt",
        "merges.txt",
        "adapter_config.json",
        "preprocessor_config.json",
        "processor_config.json",
        "chat_template.json",
        "model.safetensors.index.json",
        "pytorch_model.bin.index.json",
        # TensorFlow checkpoint state, project files
        "checkpoint",
        "license",
        "license.txt",
        "makefile",
        "dockerfile",
        "requirements.txt",
        "package.json",
        "package-lock.json",
    }
)

#: Folders never searched (besides hidden ones): caches and installed packages.
SKIP_DIRS = frozenset({"__pycache__", "node_modules", "site-packages", "venv", "env"})

#: A plain 2-D array with more columns than this is a feature matrix, not a history.
MAX_HISTORY_COLUMNS = 64

#: Column / key names of dataset labels (lower case).
LABEL_NAMES = frozenset(
    {
        "label",
        "labels",
        "target",
        "targets",
        "class",
        "classes",
        "y",
        "outcome",
        "category",
        "diagnosis",
        "species",
        "survived",
    }
)

_DATASET_KEY_RE = re.compile(
    r"^(x|y|X|Y|images?|labels?|features?|targets?|inputs?|data)"
    r"([_-]?(train|val|valid|validation|test|tr|te|dev))?$"
)

_SOURCE_RE = re.compile(
    r"^(?:import [A-Za-z_][\w.]*(?:\s+as\s+\w+)?(?:\s*,\s*[\w.]+)*\s*$"
    r"|from [A-Za-z_.][\w.]* import \S"
    r"|def [A-Za-z_]\w*\s*\("
    r"|class [A-Za-z_]\w*\s*[(:]"
    r"|#!\s*/)",
    re.M,
)


#: Extensions of the log files the readers know (folder scans report a failure to read
#: one of these as an error; other files that fail are skipped as "not a log").
LOG_EXTS = frozenset(
    {
        ".csv",
        ".log",
        ".json",
        ".jsonl",
        ".ndjson",
        ".pkl",
        ".pickle",
        ".p",
        ".pck",
        ".pkz",
        ".npy",
        ".npz",
        ".tsv",
        ".txt",
        ".dat",
        ".hist",
        ".history",
    }
)


def ext_of(path: str) -> str:
    """The lower-case extension of a file name (``.csv``; ``""`` when it has none)."""
    return os.path.splitext(path)[1].lower()


def has_log_ext(path: str) -> bool:
    """A known log extension (:data:`LOG_EXTS`), also gzip-compressed (``training.csv.gz``)."""
    low = os.path.basename(path).lower()
    if low.endswith(".gz"):
        low = low[:-3]
    return ext_of(low) in LOG_EXTS


def not_a_log_by_name(path: str) -> str | None:
    """Why a file is not a training log from its name alone, or None.

    See rule 1 of the module docstring (:data:`NOT_LOG_EXTS`, :data:`NOT_LOG_NAMES`).
    """
    base = os.path.basename(path)
    low = base.lower()
    if low in NOT_LOG_NAMES:
        return f"{base!r} is a framework side file (settings, tokenizer, checkpoint index)"
    ext = ext_of(low)
    if ext == ".gz" and has_log_ext(low):
        return None  # a compressed log: refused by content ("decompress it first")
    if ext in NOT_LOG_EXTS:
        return f"{NOT_LOG_EXTS[ext]} ({ext})"
    return None


def source_language(text: str) -> str | None:
    """``"Python source code"`` when the text's first 60 lines have code statements, else None.

    A line starting with ``import x``, ``from x import y``, ``def f(``, ``class C(`` or
    ``#!/`` never appears in a CSV or JSON log (whose lines start with a number, a
    quote or a brace, or a header cell).
    """
    head = "\n".join(text.splitlines()[:60])
    if _SOURCE_RE.search(head):
        return "Python source code"
    return None


def is_metric_name(name: str) -> bool:
    """A name that says "metric": a loss/error, a score (accuracy, AUC, F1...) or a learning rate.

    Uses :func:`analysis.naming.family` (Keras/Lightning/HF spellings, with
    ``val_``/``eval_``/``train_`` sides).
    """
    return naming.family(name) in ("loss", "score", "lr")


def header_looks_like_log(names: list[str]) -> bool:
    """Whether a header line alone is a training log that has no rows yet.

    True when a column is an epoch/step/batch axis (:func:`~analysis.readers.columns.axis_kind`)
    or named like a metric (:func:`is_metric_name`), and the names are not those of a
    dataset (:func:`dataset_reason`). Keras ``CSVLogger`` writes its header with the
    first epoch's row, but ``append=True`` logs, Lightning and custom loggers may
    flush a header first.
    """
    if dataset_reason(names) is not None:
        return False
    for n in names:
        k = axis_kind(n)
        if k in ("epoch", "step", "batch") or (k is None and is_metric_name(n)):
            return True
    return False


#: Base names (after ``train_``/``val_`` sides, lower case) that only metrics carry.
#: Broader patterns (``f1``, ``*_error``) also name dataset features (``f1, f2, f3``;
#: ``radius_error`` in scikit-learn's breast-cancer data), so they do not count here.
STRONG_METRIC_NAMES = frozenset(
    {
        "loss",
        "acc",
        "accuracy",
        "binary_accuracy",
        "categorical_accuracy",
        "sparse_categorical_accuracy",
        "lr",
        "learning_rate",
        "mae",
        "mse",
        "rmse",
        "auc",
        "mean_absolute_error",
        "mean_squared_error",
        "epoch_loss",
        "epoch_accuracy",
    }
)


def _strong_metric(name: str) -> bool:
    if naming.role(name) == "val" or naming.is_learning_rate(name):
        return True
    return naming.base_name(name).strip().lower() in STRONG_METRIC_NAMES


def dataset_reason(columns: list[str]) -> str | None:
    """Why a table with these columns is a dataset rather than a log, or None.

    A dataset: no axis column (epoch, step, batch, wall time), a column named like a
    label (:data:`LABEL_NAMES`, or ending in ``_label``/``_target``/``_class``) and no
    column that only a metric would be named (:data:`STRONG_METRIC_NAMES`, a
    ``val_``/``validation``/``eval_`` side, a learning rate). Training logs carry
    ``loss`` (Keras always logs it) or validation metrics, never a label column;
    supervised datasets carry a label. Such a file is what ``--data``/``--label``
    are for.
    """
    names = [c.strip() for c in columns]
    if any(axis_kind(c, i) not in (None, "index") for i, c in enumerate(names)):
        return None
    labels = [
        c
        for c in names
        if c.lower() in LABEL_NAMES or c.lower().endswith(("_label", "_target", "_class"))
    ]
    if not labels or any(_strong_metric(c) for c in names):
        return None
    shown = ", ".join(names[:6]) + (", ..." if len(names) > 6 else "")
    return (
        f"looks like a dataset, not a training log (columns {shown}: a label column "
        f"{labels[0]!r} and no epoch/step or metric column) — use --data/--label to "
        "check a dataset"
    )


_INT_RE = re.compile(r"\d+$")


def numeric_header_reason(first_line: str) -> str | None:
    """Why a table whose first line is ``0,1,...,k-1`` is not a training log, or None.

    ``pandas.DataFrame(X).to_csv(path)`` of an array without column names writes the
    default column labels (a ``RangeIndex``: ``0,1,...,k-1``, after an empty cell for
    the index with ``index=True``) as the header. No such name says "metric" (loss,
    accuracy, a learning rate) or "axis" (epoch, step), so the file is a feature table,
    not a log. Two or more columns only: a lone ``0`` on the first line cannot be told
    from a headerless one-column log whose first value is 0.

    Parameters
    ----------
    first_line : str
        The file's first non-blank line, decoded.
    """
    line = first_line.strip()
    sep = max((",", ";", "\t"), key=line.count)
    cells = [c.strip().strip('"') for c in line.split(sep)]
    if cells and cells[0] == "":
        cells = cells[1:]
    k = len(cells)
    if k < 2 or cells != [str(i) for i in range(k)]:
        return None
    return (
        f"header 0, 1, ..., {k - 1} is pandas' default column numbering (a DataFrame of "
        f"{k} unnamed columns, e.g. features): no metric name (loss, accuracy...) and no "
        "epoch/step column, not a training log — use --data/--label to check a dataset"
    )


def dataset_keys(keys: list[str]) -> list[str]:
    """Keys of an ``.npz``/dict that name dataset arrays (``x_train``, ``y``, ``images``...)."""
    return [k for k in keys if _DATASET_KEY_RE.match(str(k))]


__all__ = [
    "LOG_EXTS",
    "NOT_LOG_EXTS",
    "NOT_LOG_NAMES",
    "SKIP_DIRS",
    "dataset_keys",
    "dataset_reason",
    "has_log_ext",
    "header_looks_like_log",
    "is_metric_name",
    "not_a_log_by_name",
    "numeric_header_reason",
    "source_language",
]
