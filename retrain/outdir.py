"""The job's output folder: always FitLens' own, never inside or over the user's files.

A job writes only into a folder it has *claimed*: one that did not exist, or was
empty, and now carries a marker file (:data:`MARKER`). A folder that already
holds a finished job gets a numbered sibling (``demo-fixed-2``); a folder with
anything else in it, or one that contains the dataset or model, is refused.

Where a job writes (:func:`default_output_dir`):

1. ``--output DIR`` (relative to the current directory) or the GUI's choice;
2. ``[output] dir`` of the spec (relative to the spec file);
3. neither: ``./runs/<spec stem>-<YYYYmmdd-HHMMSS>`` under the current directory,
   or, when that would be inside the folder holding the dataset or the model,
   ``<user data folder>/FitLens/runs/<spec stem>-<YYYYmmdd-HHMMSS>``
   (:func:`user_runs_dir`). A default is never put inside the user's folders.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Iterable
from pathlib import Path

from retrain.errors import RetrainError

MARKER = ".fitlens-job"
#: What a prepared folder holds before its worker has written anything.
PREPARED_FILES = frozenset({MARKER, "spec.toml", "worker.log"})


def read_marker(folder: Path) -> dict | None:
    """The marker of a FitLens job folder, or None if ``folder`` is not one."""
    try:
        d = json.loads((Path(folder) / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return d if isinstance(d, dict) else None


def set_state(folder: Path, state: str, **extra) -> None:
    """Record the job's state (``prepared``, ``running``, ``completed``, ``cancelled``, ``failed``)."""
    d = read_marker(folder) or {"fitlens": 1}
    d.update(state=state, updated=time.time(), **extra)
    tmp = Path(folder) / f"{MARKER}.tmp{os.getpid()}"
    tmp.write_text(json.dumps(d), encoding="utf-8")
    os.replace(tmp, Path(folder) / MARKER)


def discard_prepared(folder: str | os.PathLike) -> bool:
    """Remove a job folder that was prepared but never used (its worker refused the input).

    Only a folder whose marker still says ``prepared`` and that holds nothing
    but :data:`PREPARED_FILES` is removed, so "bad input" leaves nothing behind
    even when the worker found the problem (exit 2) after the controller had
    claimed the folder.

    Returns
    -------
    bool
        True if the folder was removed.
    """
    f = Path(folder)
    marker = read_marker(f)
    if marker is None or marker.get("state") != "prepared":
        return False
    try:
        entries = list(f.iterdir())
        if any(e.name not in PREPARED_FILES or not e.is_file() for e in entries):
            return False
        for e in entries:
            e.unlink()
        f.rmdir()
    except OSError:
        return False
    return True


def claim_output_dir(
    requested: str | os.PathLike,
    protected: Iterable[str | os.PathLike | None] = (),
    accept_prepared: bool = True,
) -> Path:
    """Create (or accept) the folder a job writes to.

    Parameters
    ----------
    requested : path-like
        The folder asked for (``[output] dir`` or ``--output``).
    protected : iterable of path-like
        The user's input files (dataset, model); the folder may not contain them.
    accept_prepared : bool
        Accept a folder another FitLens process prepared for this job (marker
        state ``prepared``): how the GUI and CLI hand a folder to the worker.

    Returns
    -------
    Path
        Absolute path of the claimed folder (``requested``, or ``requested-N``
        when ``requested`` holds an earlier job).

    Raises
    ------
    RetrainError
        The path is a file (the user's dataset or model, or another file), the
        folder contains one of the user's files, or holds files that are not a
        FitLens job.
    """
    req = Path(requested).expanduser().resolve()
    mine = [Path(p).resolve() for p in protected if p is not None]
    if req.exists() and not req.is_dir():
        what = f"your file {req.name}" if req in mine else "a file"
        raise RetrainError(
            req, f"is {what}, not a folder; choose a new folder for the job's files", kind="output"
        )
    for p in mine:
        if p == req or req in p.parents:
            raise RetrainError(
                req,
                f"the output folder contains your file {p.name}; choose a new "
                "folder for the job's files",
                kind="output",
            )
    if _take(req):
        return req
    marker = read_marker(req)
    if marker is None:
        raise RetrainError(
            req,
            "the output folder already holds other files; FitLens writes "
            "only into a new or empty folder",
            kind="output",
        )
    if accept_prepared and marker.get("state") == "prepared":
        return req
    for n in range(2, 10_000):
        cand = req.with_name(f"{req.name}-{n}")
        if _take(cand):
            return cand
    raise RetrainError(req, "no free numbered folder next to it", kind="output")


def _take(folder: Path) -> bool:
    """Atomically claim ``folder`` if it does not exist or is empty."""
    try:
        folder.mkdir(parents=True, exist_ok=False)
    except FileExistsError:
        if not folder.is_dir() or any(folder.iterdir()):
            return False
    except OSError as exc:
        raise RetrainError(folder, exc.strerror or str(exc), kind="output") from None
    try:
        fd = os.open(folder / MARKER, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        return False
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump({"fitlens": 1, "state": "claimed", "created": time.time()}, fh)
    return True


def user_runs_dir() -> Path:
    """FitLens' own folder for job folders nobody chose: ``<user data folder>/FitLens/runs``.

    The per-user data folder of the platform, as ``QStandardPaths.AppLocalDataLocation``
    resolves it without an organisation name: ``$XDG_DATA_HOME`` or ``~/.local/share``
    (XDG Base Directory specification), ``~/Library/Application Support`` (macOS),
    ``%LOCALAPPDATA%`` (Windows).
    """
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        xdg = os.environ.get("XDG_DATA_HOME", "")
        base = Path(xdg) if os.path.isabs(xdg) else Path.home() / ".local" / "share"
    return base / "FitLens" / "runs"


def inside_user_folders(
    folder: str | os.PathLike, user_files: Iterable[str | os.PathLike | None]
) -> Path | None:
    """The folder of a user's file that ``folder`` is in (at any depth), or None."""
    f = Path(folder).expanduser().resolve()
    for u in user_files:
        if u is None:
            continue
        home = Path(u).expanduser().resolve().parent
        if f == home or home in f.parents:
            return home
    return None


def default_output_dir(
    stem: str,
    user_files: Iterable[str | os.PathLike | None] = (),
    cwd: str | os.PathLike | None = None,
    now: float | None = None,
) -> tuple[Path, str | None]:
    """The job folder when neither ``--output`` nor ``[output] dir`` is given.

    Parameters
    ----------
    stem : str
        The spec file's stem (``retrain`` for ``retrain.toml``).
    user_files : iterable of path-like
        The dataset and model files; the folder is never inside their folders.
    cwd : path-like, optional
        The current directory (default ``os.getcwd()``).
    now : float, optional
        Seconds since the epoch for the time stamp (default: now, local time).

    Returns
    -------
    (Path, str or None)
        ``<cwd>/runs/<stem>-<YYYYmmdd-HHMMSS>``, or the same name under
        :func:`user_runs_dir` with a note saying why.

    Raises
    ------
    RetrainError
        When both places are inside the dataset's or model's folder (a dataset
        in the home folder itself): the user must choose with ``--output``.
    """
    files = [f for f in user_files if f is not None]
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in stem) or "retrain"
    name = f"{safe}-{time.strftime('%Y%m%d-%H%M%S', time.localtime(now))}"
    here = Path(cwd or os.getcwd()).resolve() / "runs"
    inside = inside_user_folders(here, files)
    if inside is None:
        return here / name, None
    fallback = user_runs_dir()
    if inside_user_folders(fallback, files) is None:
        return fallback / name, (
            f"./runs would be inside {inside}, the folder of your dataset/model"
        )
    raise RetrainError(
        here,
        f"no output folder given, and both ./runs and {fallback} are "
        f"inside {inside}, the folder of your dataset/model; choose one with "
        "--output DIR (or [output] dir in the spec)",
        kind="output",
    )
