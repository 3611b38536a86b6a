"""Following live logs: :class:`LogTail` re-reads only what was appended.

See the :mod:`analysis.readers` docstring for usage. Per format:

- delimited text (Keras CSVLogger, plain CSV, Lightning ``metrics.csv``, W&B and
  TensorBoard CSV exports): the file is read up to its last line end; a last line
  without ``\\n`` may be half-written and waits for the next poll (or
  ``poll(final=True)``); later polls read from that byte offset only and feed the
  new lines to the same :class:`~analysis.readers.table_parse.TableBuilder`;
- TensorBoard event files (a file or a log folder): each file is read up to its last
  complete record (a record whose length says more bytes than there are waits);
  new event files appearing in the folder are picked up;
- everything else (JSON, pickle, ``.npy``, folders of them) is re-read whole when its
  size or modification time changed; a failed read (a JSON file caught mid-write)
  keeps the previous runs and sets :attr:`LogTail.error`.

A file that shrinks or is replaced (other inode, other first bytes) is read again
from the start.
"""

from __future__ import annotations

import os

from analysis.model import LogReadError, Run
from analysis.readers import errors, route, table_bulk, tfevents
from analysis.readers.event_file import EventFileReader
from analysis.readers.files import HEAD_BYTES, read_bytes, regular_file_size
from analysis.readers.folder import scan_folder
from analysis.readers.front import load
from analysis.readers.names import file_run_name
from analysis.readers.table_parse import TableBuilder
from analysis.readers.text import line_ending_note, sniff_encoding, split_lines

_SIG_BYTES = 256


class _Whole:
    """Re-read the whole file/folder when it changed."""

    def __init__(self, path: str, validation_freq: int | None) -> None:
        self.path = path
        self.vf = validation_freq
        self.sig = None
        self.runs: list[Run] = []
        self.error: LogReadError | None = None

    def _signature(self):
        if os.path.isdir(self.path):
            out = []
            for f in scan_folder(self.path).all_files():
                try:
                    st = os.stat(f)
                    out.append((f, st.st_size, st.st_mtime_ns))
                except OSError:
                    pass
            return tuple(out)
        st = os.stat(self.path)
        return (st.st_size, st.st_mtime_ns, st.st_ino)

    def poll(self, final: bool = False) -> bool:
        try:
            sig = self._signature()
        except OSError:
            return False
        if sig == self.sig and not final:
            return False
        self.sig = sig
        try:
            self.runs = load(self.path, validation_freq=self.vf)
            self.error = None
            return True
        except LogReadError as exc:
            self.error = exc
            return False


class _Table:
    """Delimited text read incrementally from a byte offset."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.reset()

    def reset(self) -> None:
        self.offset = 0
        self.builder = None
        self.ino = None
        self.first = b""
        self.encoding = "utf-8"
        self.notes: list[str] = []
        self.runs: list[Run] = []
        self.error: LogReadError | None = None
        self.line_end_note: str | None = None

    def _replaced(self, st) -> bool:
        if self.ino is not None and st.st_ino != self.ino:
            return True
        if st.st_size < self.offset:
            return True
        if self.first:
            try:
                with open(self.path, "rb") as fh:
                    now = fh.read(len(self.first))
            except OSError:
                return False
            if now != self.first:
                return True
        return False

    def poll(self, final: bool = False) -> bool:
        try:
            st = os.stat(self.path)
        except OSError:
            return False
        changed = False
        if self._replaced(st):
            self.reset()
            changed = True
        if st.st_size == self.offset and not final:
            return changed
        if self.builder is None:
            head = read_bytes(self.path, HEAD_BYTES)
            if not head.strip():
                return changed
            enc, skip, note = sniff_encoding(head)
            if enc == "binary":
                raise LogReadError(self.path, "binary data, not a text log (unknown format)")
            self.encoding = enc
            self.notes = [note] if note else []
            self.ino = st.st_ino
            self.first = head[:_SIG_BYTES]
            layout = table_bulk.fast_layout(head, st.st_size)
            if layout is not None:
                t = table_bulk.fast_numeric_csv(self.path, layout, st.st_size)
                if t is not None:
                    head_text = head[skip:].decode(enc, errors="ignore")
                    self.line_end_note = line_ending_note(head_text) or ""
                    self._seed_from_bulk(t, layout, st.st_size, final)
                    self._rebuild()
                    return True
            self.builder = TableBuilder(self.path)
            self.offset = skip
        with open(self.path, "rb") as fh:
            fh.seek(self.offset)
            data = fh.read(st.st_size - self.offset)
        if not final:
            cut = data.rfind(b"\n")
            if cut < 0:
                return changed
            data = data[: cut + 1]
        if not data:
            return changed
        self.offset += len(data)
        text = self._decode(data)
        if self.line_end_note is None:
            self.line_end_note = line_ending_note(text) or ""
        added = self.builder.feed(split_lines(text))
        had_header = bool(self.runs)
        if added or not had_header:
            self._rebuild()
            return True
        return changed

    def _decode(self, data: bytes) -> str:
        try:
            return data.decode(self.encoding)
        except UnicodeDecodeError:
            if self.encoding.startswith(("utf-16", "utf-32")):
                raise LogReadError(self.path, f"invalid {self.encoding} text") from None
            self.encoding = "latin-1"
            self.notes.append("text is not UTF-8; decoded as Latin-1")
            return data.decode("latin-1")

    def _seed_from_bulk(self, t, layout, size: int, final: bool) -> None:
        with open(self.path, "rb") as fh:
            back = min(size, 1 << 16)
            fh.seek(size - back)
            tail = fh.read(back)
        complete = tail.endswith(b"\n")
        if not complete and not final and t.nrows:
            # the last row may be half-written: forget it and re-read it next time
            for c in t.columns:
                t.values[c] = t.values[c][:-1]
                if t.missing.get(c) is not None:
                    t.missing[c] = t.missing[c][:-1]
            t.nrows -= 1
            cut = tail.rfind(b"\n")
            self.offset = size - back + cut + 1
        else:
            self.offset = size
        consumed = tail[: self.offset - (size - back)].rstrip(b"\r\n")
        last = consumed.rsplit(b"\n", 1)[-1].decode("utf-8", "replace").strip()
        self.builder = TableBuilder.from_table(
            self.path,
            layout.sep,
            layout.header,
            t,
            line_no=t.nrows + 1 + t.dropped_duplicates,
            last_line=last,
        )

    def _rebuild(self) -> None:
        t = self.builder.table()
        notes = list(self.notes)
        if self.line_end_note:
            notes.append(self.line_end_note)
        if not t.columns:
            self.runs = []
            return
        self.runs = route.read_table(
            t, self.path, file_run_name(self.path), {"sep": self.builder.sep, "notes": notes}
        )
        self.error = None


class _Events:
    """TensorBoard event files read record by record from where the last poll stopped."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.readers: dict[str, object] = {}
        self.runs: list[Run] = []
        self.error: LogReadError | None = None

    def poll(self, final: bool = False) -> bool:
        changed = False
        files = tfevents.find_event_files(self.path) if os.path.exists(self.path) else []
        for f in files:
            r = self.readers.get(f)
            try:
                size = os.path.getsize(f)
            except OSError:
                continue
            if r is None or size < r.offset:
                r = self.readers[f] = EventFileReader(f)
                changed = True
            if size > r.offset and r.read():
                changed = True
        if changed:
            runs = []
            groups = tfevents.group_runs(self.path, list(self.readers))
            for run_dir in sorted(groups):
                readers = [(side, self.readers[f]) for side, f in groups[run_dir]]
                src = self.path if os.path.isfile(self.path) else run_dir
                run = tfevents.build_run(
                    tfevents.run_name(self.path, run_dir), src, readers, copy=True
                )
                if run is not None:
                    runs.append(run)
            self.runs = runs
        return changed


class LogTail:
    """Follow a log that is still being written; :meth:`poll` reads what was appended.

    Parameters
    ----------
    path : str or PathLike
        A log file or folder (also one that does not exist yet: polls wait for it).
    validation_freq : int, optional
        Passed to the history readers (whole-file formats).

    Attributes
    ----------
    runs : list of Run
        The runs as read so far (replaced, not mutated, on each change: a view can
        keep the old list while a new one is built).
    error : LogReadError or None
        The last read failure, if the latest poll could not read the file; the
        previous :attr:`runs` are kept.
    """

    def __init__(self, path: str | os.PathLike, *, validation_freq: int | None = None) -> None:
        self.path = os.fspath(path)
        self.validation_freq = validation_freq
        self._impl = None
        self.error: LogReadError | None = None

    @property
    def runs(self) -> list[Run]:
        return [] if self._impl is None else self._impl.runs

    @property
    def kind(self) -> str | None:
        """``"table"``, ``"tfevents"`` or ``"whole"`` once the format is known."""
        return {None: None, _Table: "table", _Events: "tfevents", _Whole: "whole"}[
            type(self._impl) if self._impl is not None else None
        ]

    def _choose(self):
        p = self.path
        if not os.path.exists(p):
            return None
        if os.path.isdir(p):
            if scan_folder(p).holds_only(tfevents.LOG_FOLDERS.name):
                return _Events(p)  # nothing but TensorBoard: follow it record by record
            return _Whole(p, self.validation_freq)
        regular_file_size(p)  # a FIFO or device would block: refused before opening
        head = read_bytes(p, HEAD_BYTES)
        kind = route.sniff(p, head)
        if kind in ("empty", "blank"):
            return None
        if kind == "tfevents":
            return _Events(p)
        if kind == "table":
            enc, _, _ = sniff_encoding(head)
            if enc.startswith(("utf-16", "utf-32")):
                return _Whole(p, self.validation_freq)  # line ends are not single bytes
            return _Table(p)
        return _Whole(p, self.validation_freq)

    def poll(self, final: bool = False) -> bool:
        """Read what was appended since the last poll.

        Parameters
        ----------
        final : bool
            Also read a last line that has no line end yet (the writer is done).

        Returns
        -------
        bool
            True when :attr:`runs` changed. Never raises: a failure sets
            :attr:`error` and returns False.
        """
        try:
            if self._impl is None:
                self._impl = self._choose()
                if self._impl is None:
                    return False
            elif (
                isinstance(self._impl, _Whole) and os.path.isdir(self.path) and not self._impl.runs
            ):
                nxt = self._choose()  # a folder that was empty may have become a TB log dir
                if isinstance(nxt, _Events):
                    self._impl = nxt
            changed = self._impl.poll(final=final)
            self.error = getattr(self._impl, "error", None)
            return changed
        except LogReadError as exc:
            self.error = exc
            return False
        except MemoryError:
            self.error = LogReadError(self.path, "too large to read into memory")
            return False
        except Exception as exc:
            if errors.strict():
                raise
            self.error = errors.unexpected_error(self.path, exc)
            return False
