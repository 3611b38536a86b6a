"""Run names: one rule for the CLI, the GUI and the JSON report (``Run.name``).

The readers name every run; views display :attr:`analysis.model.Run.name` as it is.

Files
-----
A run read from a file is named after the file's stem (``002_akboles_training``,
``speaker250_training``), unless the stem is *generic*: a name that Keras, Lightning,
Hugging Face or common tutorials give to every run's log, so it does not tell runs
apart (``training.log``, ``history.json``, ``trainHistoryDict``, ``metrics.csv``,
``trainer_state.json``, ``log.csv``, ``training_log.csv``, ``model_history_log.csv``...).
A metric name (``loss.csv``, ``val_loss.csv``: DVC plot files, one per metric) is not
generic: it says which curve the file holds.

Rule (:func:`is_generic_stem`): the stem, split into words at ``_ - .`` spaces and
camelCase humps, has only words from :data:`GENERIC_WORDS`. A word with a digit
(``history2``, ``run_07``) or any other word (``speaker250_training``,
``model_history_logdef``, ``val_loss``) makes the stem specific.

A file with a generic stem is named after its folder (:func:`dir_label`):
``runs/healthy_wine/training.log`` -> ``healthy_wine``. Where that folder's own name is
generic too (:data:`GENERIC_DIRS`: ``logs``, ``output``, ``results``...), its parent is
put in front: ``exp1/logs/training.log`` -> ``exp1/logs``.

A file that holds several runs names each after the run it holds: a W&B CSV export
of several runs (``run-a - val_loss``, ``run-b - val_loss`` columns) gives runs
``run-a`` and ``run-b`` (:mod:`analysis.readers.wandb`), as TensorBoard runs are named
after their run folder.

Folders
-------
In a folder scan (:mod:`analysis.readers.folder`) names are paths below the opened
folder: ``<sub/folder>/<stem>`` for specific stems, ``<sub/folder>`` for generic ones
(``runs`` opened: ``healthy_wine``, the same name as the file opened alone), the opened
folder's :func:`dir_label` for a generic file directly in it. Lightning ``version_N``
folders are ``<dir>/version_N``; TensorBoard runs are named after their run folder.
Where two runs of one scan would share a name, the file stem is added
(``exp/training``, ``exp/metrics``), then ``-2``, ``-3``.

Several inputs
--------------
:func:`unique_run_names` makes the names of runs from several inputs (two files on
the command line, several folders opened in the window) distinct: the folder above the
name is put in front (``a/run``, ``b/run``), up to three levels, then ``-2``, ``-3``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable

from analysis.model import Run
from analysis.readers.files import stem

#: Words of generic log file names (lower case): every word of the stem must be one.
GENERIC_WORDS = frozenset(
    {
        "train",
        "training",
        "trainer",
        "state",
        "history",
        "hist",
        "histories",
        "log",
        "logs",
        "logger",
        "logging",
        "metric",
        "metrics",
        "model",
        "keras",
        "fit",
        "csv",
        "dict",
        "results",
        "result",
        "progress",
        "stats",
        "scalars",
        "epoch",
        "epochs",
        "events",
        "run",
        "my",
    }
)

#: Folder names that do not identify a run either (lower case): the parent goes in front.
GENERIC_DIRS = frozenset(
    {
        "logs",
        "log",
        "tb",
        "tb_logs",
        "tensorboard",
        "csv_logs",
        "training_logs",
        "train_logs",
        "history",
        "metrics",
        "output",
        "outputs",
        "out",
        "results",
        "runs",
        "checkpoints",
        "fit",
        "lightning_logs",
    }
)

_WORD_SPLIT = re.compile(r"[^A-Za-z0-9]+")
_CAMEL = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")


def _words(name: str) -> list[str]:
    out: list[str] = []
    for part in _WORD_SPLIT.split(name):
        if part:
            out.extend(w.lower() for w in _CAMEL.findall(part) or [part])
    return out


def is_generic_stem(name: str) -> bool:
    """Whether a file stem is a generic log name (every word in :data:`GENERIC_WORDS`).

    Examples: ``training``, ``history``, ``trainHistoryDict``, ``model_history_log``,
    ``trainer_state``, ``metrics``, ``log`` are generic; ``002_akboles_training``,
    ``history2``, ``val_loss``, ``model_history_logdef`` are not.
    """
    words = _words(name)
    return bool(words) and all(w in GENERIC_WORDS for w in words)


def dir_label(d: str) -> str:
    """A folder's name for a run: its base name, with the parent's in front when the
    base name is generic (:data:`GENERIC_DIRS`); ``""`` for a file system root."""
    d = os.path.abspath(d)
    base = os.path.basename(d)
    if not base:
        return ""
    if base.lower() in GENERIC_DIRS:
        parent = os.path.basename(os.path.dirname(d))
        if parent:
            return f"{parent}/{base}"
    return base


def file_run_name(path: str) -> str:
    """The run name of a file opened on its own (module docstring, "Files").

    Parameters
    ----------
    path : str
        The log file.

    Returns
    -------
    str
        The stem, or for a generic stem its folder's :func:`dir_label`.
    """
    s = stem(path)
    if not is_generic_stem(s):
        return s
    return dir_label(os.path.dirname(os.path.abspath(path))) or s


def scan_run_name(root: str, path: str) -> str:
    """The run name of a file found in a folder scan of ``root`` (module docstring, "Folders")."""
    rel = os.path.relpath(path, root).replace(os.sep, "/")
    reldir = os.path.dirname(rel)
    s = stem(path)
    if not is_generic_stem(s):
        return f"{reldir}/{s}" if reldir else s
    if not reldir:
        return dir_label(root) or s
    if "/" not in reldir and reldir.lower() in GENERIC_DIRS:
        top = os.path.basename(os.path.abspath(root))
        return f"{top}/{reldir}" if top else reldir
    return reldir


def rel_path(root: str, path: str) -> str:
    """``path`` below the opened folder ``root``, with ``/`` (``""`` for ``root`` itself)."""
    rel = os.path.relpath(path, root)
    return "" if rel == "." else rel.replace(os.sep, "/")


def dir_run_name(root: str, d: str, drop: tuple[str, ...] = ()) -> str:
    """Run name for a folder in a scan of ``root``: its path below ``root`` without the
    folder names in ``drop`` (``root``'s own name for ``root``)."""
    parts = [x for x in rel_path(root, d).split("/") if x and x not in drop]
    return "/".join(parts) or os.path.basename(os.path.normpath(d))


def rename_for_scan(root: str, path: str, runs: list[Run]) -> None:
    """Runs named after their file (:func:`file_run_name`) get their folder-scan name
    (:func:`scan_run_name`: the path below the opened folder)."""
    default = file_run_name(path)
    name = scan_run_name(root, path)
    for r in runs:
        if r.name == default:
            r.name = name


def split_same_names(runs: list[Run]) -> None:
    """Within one folder scan: runs sharing a name get their file stem added, then ``-2``...

    Renames in place. Only runs read from a file whose name does not already end
    with the file's stem are given the stem (``exp`` -> ``exp/training``).
    """
    by_name: dict[str, list[Run]] = {}
    for r in runs:
        by_name.setdefault(r.name, []).append(r)
    for name, group in by_name.items():
        if len(group) < 2:
            continue
        for r in group:
            s = stem(r.source)
            if os.path.isfile(r.source) and not name.endswith(s):
                r.name = f"{name}/{s}"
    _number_same(runs)


def _number_same(runs: list[Run]) -> None:
    seen: dict[str, int] = {}
    taken = {r.name for r in runs}
    for r in runs:
        n = seen.get(r.name, 0) + 1
        seen[r.name] = n
        if n > 1:
            k = n
            while f"{r.name}-{k}" in taken:
                k += 1
            r.name = f"{r.name}-{k}"
            taken.add(r.name)


def _prefix(run: Run, levels: int) -> str | None:
    """``levels`` folder names above the part of the source path the name already says."""
    src = os.path.abspath(run.source)
    d = os.path.dirname(src) if os.path.isfile(src) else src
    comps = [c for c in d.split(os.sep) if c]
    name_parts = run.name.split("/")
    # drop the folders the name ends with (a name made from the folder path)
    k = 0
    while k < min(len(comps), len(name_parts)) and comps[-1 - k] == name_parts[-1 - k]:
        k += 1
    if k == 0 and name_parts[0] in comps:
        # the name is a path below some folder of the source (``sub/dir/stem``)
        k = comps[::-1].index(name_parts[0]) + 1
    above = comps[: len(comps) - k]
    if len(above) < levels:
        return None
    return "/".join(above[len(above) - levels :])


def unique_run_names(runs: Iterable[Run]) -> None:
    """Make run names distinct across inputs (module docstring, "Several inputs").

    Renames in place; runs whose name is unique keep it. For each group of runs
    sharing a name, one, two, then three folder names above the name are put in
    front (``a/run`` and ``b/run`` for ``a/run/training.log`` and
    ``b/run/training.log``) until the group's names differ; otherwise (the same
    file given twice) ``-2``, ``-3`` are appended in order.

    Parameters
    ----------
    runs : iterable of Run
    """
    runs = list(runs)
    by_name: dict[str, list[Run]] = {}
    for r in runs:
        by_name.setdefault(r.name, []).append(r)
    others = {r.name for r in runs}
    for name, group in by_name.items():
        if len(group) < 2:
            continue
        for levels in (1, 2, 3):
            pre = [_prefix(r, levels) for r in group]
            if None in pre:
                break
            new = [f"{p}/{name}" for p in pre]
            if len(set(new)) == len(new) and not (set(new) & others):
                for r, n in zip(group, new, strict=True):
                    r.name = n
                others.update(new)
                break
    _number_same(runs)


__all__ = [
    "GENERIC_DIRS",
    "GENERIC_WORDS",
    "dir_label",
    "dir_run_name",
    "file_run_name",
    "is_generic_stem",
    "rel_path",
    "rename_for_scan",
    "scan_run_name",
    "split_same_names",
    "unique_run_names",
]
