"""Files: regular-file checks, byte reads and a file's stem, each with a one-line error."""

from __future__ import annotations

import os
import stat

from analysis.model import LogReadError

#: Bytes read to sniff a file's format.
HEAD_BYTES = 64 * 1024

_FILE_TYPES = (
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def regular_file_size(path: str) -> int:
    """Size in bytes of a regular file; a one-line refusal for anything else.

    A FIFO, device or socket is refused *before* it is opened: opening a FIFO
    blocks until a writer appears and a device such as ``/dev/zero`` never ends,
    so reading one would hang the command.

    Raises
    ------
    LogReadError
        Missing path, broken or looping symbolic link, permission denied on the
        folder, a folder, or not a regular file.
    """
    try:
        st = os.stat(path)
    except FileNotFoundError:
        if os.path.islink(path):
            raise LogReadError(path, "broken symbolic link (its target does not exist)") from None
        raise LogReadError(path, "no such file or folder") from None
    except OSError as exc:
        raise LogReadError(path, exc.strerror or str(exc)) from None
    if stat.S_ISDIR(st.st_mode):
        raise LogReadError(path, "is a folder")
    if not stat.S_ISREG(st.st_mode):
        what = next((w for test, w in _FILE_TYPES if test(st.st_mode)), "not a regular file")
        raise LogReadError(
            path, f"{what}, not a regular file: refused (reading it could block or never end)"
        )
    return st.st_size


def read_bytes(path: str, limit: int | None = None) -> bytes:
    """The bytes of a file (at most ``limit``), with a one-line error on failure."""
    try:
        with open(path, "rb") as fh:
            return fh.read() if limit is None else fh.read(limit)
    except IsADirectoryError:
        raise LogReadError(path, "is a folder") from None
    except OSError as exc:
        raise LogReadError(path, exc.strerror or str(exc)) from None


def stem(path: str) -> str:
    """File or folder name without extension (the default run name)."""
    base = os.path.basename(os.path.normpath(path))
    root, ext = os.path.splitext(base)
    return root if ext and root else base


def file_size(path: str) -> int:
    """Size in bytes of a file, with a one-line error on failure."""
    try:
        return os.path.getsize(path)
    except OSError as exc:
        raise LogReadError(path, exc.strerror or str(exc)) from None
