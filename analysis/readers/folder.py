"""Folders: every training log in a folder tree, whatever the mix.

A folder may hold any mix of logs: TensorBoard log dirs next to a Keras
``training.log`` and ``history.json``, Lightning ``version_N`` folders, Hugging Face
checkpoints, a download of TensorBoard CSV exports, a set of log files. Everything
that is a log is read; nothing is dropped without a word. Which reader takes a file is
the router's decision (:mod:`analysis.readers.route`); this module walks the tree and
combines what the readers give.

Search (:func:`scan_folder`)
----------------------------
- The tree is walked in name order down to :data:`MAX_DEPTH` folder levels below
  the opened folder; symbolic links to folders are not followed (listed as skipped:
  a link can loop or leave the tree); hidden files and folders (``.git``,
  ``.ipynb_checkpoints``...) and caches (:data:`analysis.readers.rules.SKIP_DIRS`)
  are not searched. A folder that cannot be listed is an error.
- Each file is, as the router says (:func:`~analysis.readers.route.folder_claim`,
  :func:`~analysis.readers.route.refusal_by_name`):

  * claimed by a format's folder layout (:class:`~analysis.readers.formats.FolderLayout`)
    and read with the other files of its group: TensorBoard event files grouped into
    runs by their folders (a folder with ``train/`` and ``validation/`` is one run;
    sibling run folders are several runs); the ``trainer_state.json`` files of one
    Hugging Face output folder and its ``checkpoint-N`` sub-folders (one run, from the
    latest state, whose ``log_history`` holds the earlier ones'); a Lightning
    ``version_N/metrics.csv`` (one run per version, named after the version folder);
  * skipped by name (code, images, weights, archives, configs, framework side files:
    :func:`analysis.readers.rules.not_a_log_by_name`): not read, not listed;
  * every other file: read on its own, as if opened directly. A layout may then
    combine such runs (TensorBoard CSV/JSON exports of one run are merged:
    :func:`analysis.readers.tbexport.merge_exports`).

- Outcome per file: its runs; or, when its content is not a training log
  (:class:`~analysis.readers.errors.NotATrainingLog`), an entry in ``skipped`` with
  the reason; or, when it could not be read, an entry in ``errors``. For a file
  with a known log extension (:data:`analysis.readers.rules.LOG_EXTS`) or no
  extension, every read failure is an error; for a file with any other extension,
  binary/ZIP/gzip content is skipped ("not a log file type") and other failures
  are errors.
- At most :data:`MAX_FILES` files are read on their own (name order); the rest are
  listed as skipped.

Run names: :mod:`analysis.readers.names` (a file's stem, or its folder for generic
names like ``training.log``; paths below the opened folder; never two alike). One
``fit()`` logged several ways is read once (:mod:`analysis.readers.same_fit`).
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field

from analysis.model import LogReadError, Run
from analysis.readers import route
from analysis.readers.errors import NotATrainingLog
from analysis.readers.files import regular_file_size
from analysis.readers.formats import FolderUnit
from analysis.readers.names import rel_path, rename_for_scan, split_same_names
from analysis.readers.outcome import LoadOutcome
from analysis.readers.rules import SKIP_DIRS, ext_of, has_log_ext
from analysis.readers.same_fit import drop_duplicate_runs, read_once_reason, same_fit_twin

#: Folder levels searched below the opened folder (Keras' TensorBoard layout
#: ``logs/fit/<run>/train/`` is 4 deep; a folder of such project folders a few more).
MAX_DEPTH = 8
#: Files read on their own from one folder tree at most (files claimed by a folder
#: layout, such as event files, not counted); the rest are listed as skipped.
MAX_FILES = 2000


@dataclass
class FolderScan:
    """What :func:`scan_folder` found, before anything is read.

    Attributes
    ----------
    root : str
    claimed : dict
        Folder layout name -> group key -> files that layout reads together
        (:func:`analysis.readers.route.folder_claim`).
    files : list of str
        Every other candidate file, in name order.
    skipped : list of LogReadError
        Folders not searched (symbolic links, too deep) and files over :data:`MAX_FILES`.
    errors : list of LogReadError
        Folders that could not be listed.
    """

    root: str
    claimed: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    skipped: list[LogReadError] = field(default_factory=list)
    errors: list[LogReadError] = field(default_factory=list)

    def all_files(self) -> list[str]:
        """Every file that will be read (for change detection of live folders)."""
        out = list(self.files)
        for groups in self.claimed.values():
            for group in groups.values():
                out.extend(group)
        return sorted(out)

    def holds_only(self, layout_name: str) -> bool:
        """Whether the only files found are the ones one folder layout claimed."""
        return set(self.claimed) == {layout_name} and not self.files


def _depth(root: str, d: str) -> int:
    rel = os.path.relpath(d, root)
    return 0 if rel == "." else rel.count(os.sep) + 1


def scan_folder(root: str, max_depth: int = MAX_DEPTH, max_files: int = MAX_FILES) -> FolderScan:
    """Find the logs in a folder tree (rules in the module docstring); reads nothing.

    Parameters
    ----------
    root : str
        The opened folder.
    max_depth : int
        Folder levels searched below ``root``.
    max_files : int
        Candidate files kept at most (besides files claimed by a folder layout).
    """
    scan = FolderScan(root)

    def on_error(exc: OSError) -> None:
        where = exc.filename or root
        scan.errors.append(LogReadError(where, f"{exc.strerror or exc}: folder not searched"))

    over = 0
    for d, dirs, files in os.walk(root, onerror=on_error, followlinks=False):
        dirs[:] = _searched_dirs(root, d, dirs, max_depth, scan.skipped)
        for f in sorted(files):
            if f.startswith("."):
                continue
            p = os.path.join(d, f)
            claim = route.folder_claim(p)
            if claim is not None:
                layout, key = claim
                scan.claimed.setdefault(layout.name, {}).setdefault(key, []).append(p)
                continue
            if route.refusal_by_name(p):
                continue
            if len(scan.files) >= max_files:
                over += 1
                continue
            scan.files.append(p)
    if over:
        scan.skipped.append(
            LogReadError(
                root,
                f"{over} more file(s) not read: at most "
                f"{max_files} files are read from one folder "
                "(in name order); open sub-folders directly",
            )
        )
    return scan


def _searched_dirs(
    root: str, d: str, dirs: list[str], max_depth: int, skipped: list[LogReadError]
) -> list[str]:
    """The sub-folders of ``d`` to walk into, in name order; the others said in ``skipped``."""
    keep = []
    for x in sorted(dirs):
        p = os.path.join(d, x)
        if x.startswith(".") or x in SKIP_DIRS:
            continue
        if os.path.islink(p):
            skipped.append(
                LogReadError(
                    p, "symbolic link to a folder: not followed (open it directly to read it)"
                )
            )
            continue
        if _depth(root, p) > max_depth:
            skipped.append(
                LogReadError(
                    p,
                    f"more than {max_depth} folder levels "
                    "below the opened folder: not searched "
                    "(open it directly)",
                )
            )
            continue
        keep.append(x)
    return keep


class FolderReader:
    """One folder being read: its root, and the errors and skipped inputs met so far
    (the :class:`~analysis.readers.formats.FolderReading` the folder layouts get)."""

    def __init__(self, root: str, validation_freq: int | None) -> None:
        self.root = root
        self.validation_freq = validation_freq
        self.errors: list[LogReadError] = []
        self.skipped: list[LogReadError] = []

    def read_file(self, path: str) -> list[Run]:
        """Runs of one file; its failure goes to :attr:`errors` or :attr:`skipped`."""
        try:
            st = os.stat(path)
            if not stat.S_ISREG(st.st_mode):
                regular_file_size(path)  # raises the one-line refusal
        except LogReadError as exc:
            self.errors.append(exc)
            return []
        except OSError:
            pass  # reading says why (broken link, loop, permission)
        if not (has_log_ext(path) or ext_of(path) == ""):
            kind = route.is_refused_binary(path)
            if kind:
                self.skipped.append(
                    NotATrainingLog(
                        path, f"{kind} data with extension {ext_of(path)}: not a log file type"
                    )
                )
                return []
        try:
            return route.read_file(path, self.validation_freq)
        except NotATrainingLog as exc:
            self.skipped.append(exc)
        except LogReadError as exc:
            self.errors.append(exc)
        return []


def scan_and_read(root: str, validation_freq: int | None = None) -> LoadOutcome:
    """Read every log of a folder tree: ``LoadOutcome(runs, errors)`` with ``.skipped``.

    See the module docstring for the rules and :func:`analysis.readers.load_many`
    for the contract.

    Raises
    ------
    LogReadError
        ``"no training logs found in this folder"`` when nothing in it is a log
        (no run and no read error).
    """
    scan = scan_folder(root)
    reader = FolderReader(root, validation_freq)
    reader.errors.extend(scan.errors)
    reader.skipped.extend(scan.skipped)
    layouts = route.folder_layouts()
    units: list[FolderUnit] = []
    for layout in layouts:
        groups = scan.claimed.get(layout.name)
        if groups and layout.read_groups is not None:
            units.extend(layout.read_groups(reader, groups))
    gathered: dict[str, list[tuple[str, Run]]] = {}
    for f in scan.files:
        got = reader.read_file(f)
        if not got:
            continue
        layout = next(
            (lo for lo in layouts if lo.gathers and all(lo.gathers(r) for r in got)), None
        )
        if layout is not None:
            gathered.setdefault(layout.name, []).extend((f, r) for r in got)
            continue
        rename_for_scan(root, f, got)
        units.append((rel_path(root, f), got))
    for layout in layouts:
        if layout.name in gathered and layout.merge is not None:
            units.extend(layout.merge(reader, gathered[layout.name]))
    units.sort(key=lambda u: u[0])
    runs = drop_duplicate_runs([r for _, rs in units for r in rs], reader.skipped)
    split_same_names(runs)
    if not runs and not reader.errors:
        n = len(reader.skipped)
        detail = (
            f" ({n} file(s) or folder(s) skipped, e.g. {reader.skipped[0].line()})"
            if n
            else " (looked for CSV, JSON, pickle, .npy logs and TensorBoard event files)"
        )
        raise LogReadError(root, ("no training logs found in this folder" + detail)[:400])
    return LoadOutcome(runs, reader.errors, reader.skipped)


def load_folder(root: str, validation_freq: int | None = None) -> list[Run]:
    """The runs of every readable log in a folder tree.

    Raises
    ------
    LogReadError
        No training log in the folder, or none of its logs could be read (the
        first failure is quoted).
    """
    runs, errors = scan_and_read(root, validation_freq)
    if not runs:
        raise LogReadError(
            root,
            (
                f"no readable training log in this folder ({len(errors)} "
                f"log file(s) could not be read; first: {errors[0].line()})"
            )[:400],
        )
    return runs


__all__ = [
    "FolderReader",
    "FolderScan",
    "MAX_DEPTH",
    "MAX_FILES",
    "load_folder",
    "read_once_reason",
    "same_fit_twin",
    "scan_and_read",
    "scan_folder",
]
