"""Reading one TensorBoard event file, incrementally: scalar points per tag, in file order."""

from __future__ import annotations

import os
import struct

import numpy as np

from analysis.model import LogReadError
from analysis.readers.event_decode import (
    decode_scalar_events,
    gather_bytes,
    group_equal_bytes,
    tensor_scalar,
    varint,
)
from analysis.readers.growable import GrowableArray
from analysis.readers.tfrecord import (
    CRC_VERIFIED,
    MAX_RECORD,
    crc32c,
    masked_crc32c,
    masked_crc32c_rows,
)

#: Bytes read at a time.
BLOCK_BYTES = 1 << 17


class TagPoints:
    """Points of one tag in growable float64 buffers (file order).

    Buffers are allocated with room for the points the rest of the file is
    expected to hold (estimated from the first block); untouched pages of a
    large ``np.empty`` cost no memory, so over-estimating is free and growing
    (a copy) is rare.
    """

    __slots__ = ("step", "value", "wall", "plugin", "n", "first")

    def __init__(self, capacity: int = 256) -> None:
        self.step = GrowableArray(np.float64, capacity=capacity)
        self.value = GrowableArray(np.float64, capacity=capacity)
        self.wall = GrowableArray(np.float64, capacity=capacity)
        self.plugin: str | None = None
        self.n = 0
        self.first = 1 << 62  # record index of the first point (tags are kept in log order)

    def reserve(self, capacity: int) -> None:
        """Room for ``capacity`` points (before the first is added)."""
        for f in ("step", "value", "wall"):
            setattr(self, f, GrowableArray(np.float64, capacity=capacity))

    def add(self, first_idx: int, step, value, wall) -> None:
        if not len(step):
            return
        self.step.extend(step)
        self.value.extend(value)
        self.wall.extend(wall)
        self.first = min(self.first, int(first_idx))
        self.n += len(step)

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(step, value, wall) in file order (views; later reads never change them)."""
        return self.step.view(), self.value.view(), self.wall.view()


class EventFileReader:
    """Reads one event file, incrementally: :meth:`read` continues where it stopped.

    Records are framed in a tight loop (data CRC checked per record with
    google-crc32c, the length CRCs vectorised); the common one-scalar events are
    decoded with numpy (:func:`decode_scalar_events`), every other record with
    tensorboard's protobuf classes.

    Attributes
    ----------
    tags : dict of str to TagPoints
        Scalar points per tag, in file order.
    offset : int
        Byte offset after the last complete record read.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self.offset = 0
        self.tags: dict[str, TagPoints] = {}
        self.n_events = 0
        self.n_records = 0
        self.skipped_kinds: dict[str, int] = {}
        self.corrupt_at: int | None = None
        self.partial_tail = 0
        self.restarts: list[float] = []
        self.bad_records = 0
        self._size = 0
        self._last_block_added = False

    def read(self) -> bool:
        """Read the records appended since the last call; True when scalars were added.

        Stops before a record that is not complete yet (a writer in the middle of
        it), and for good at a record whose length CRC is wrong (damage).
        """
        if self.corrupt_at is not None:
            return False
        try:
            fh = open(self.path, "rb")
        except OSError as exc:
            raise LogReadError(self.path, exc.strerror or str(exc)) from None
        added = False
        with fh:
            self._size = os.fstat(fh.fileno()).st_size
            fh.seek(self.offset)
            buf = b""
            want = BLOCK_BYTES
            while True:
                chunk = fh.read(want)
                if not chunk:
                    break
                buf = buf + chunk if buf else chunk
                used, need = self._block(buf)
                added |= self._last_block_added
                if self.corrupt_at is not None:
                    buf = b""
                    break
                buf = buf[used:]
                want = max(BLOCK_BYTES, need - len(buf))
        self.partial_tail = len(buf)
        return added

    def _block(self, buf: bytes) -> tuple[int, int]:
        """Frame and decode the complete records of ``buf``; returns (bytes used, bytes needed)."""
        self._last_block_added = False
        offsets, used, need = self._frame(buf)
        if not offsets:
            return 0, need
        u = np.frombuffer(buf + bytes(48), dtype=np.uint8)
        starts = np.asarray(offsets, dtype=np.int64)
        lengths = gather_bytes(u, starts, 8).copy().view("<u8")[:, 0].astype(np.int64)
        keep = np.ones(len(starts), dtype=bool)
        if CRC_VERIFIED:
            starts, lengths, used, keep = self._check_crcs(buf, u, starts, lengths, used)
        first_record = self.n_records
        self.n_records += len(starts)
        self.offset += used
        if not len(starts):
            return used, need
        record_index = np.arange(first_record, first_record + len(starts))
        decoded = decode_scalar_events(u, starts + 12, lengths)
        good = decoded["ok"] & keep
        self.n_events += int(keep.sum())
        parts: dict[str, list[tuple]] = {}
        self._plugin_cands: dict[str, tuple[int, str]] = {}
        if good.any():
            self._decode_vectorised(u, decoded, good, record_index, parts)
        rest = np.flatnonzero(keep & ~good)
        if len(rest):
            self._decode_protobuf(buf, starts[rest], lengths[rest], record_index[rest], parts)
        for tag, (_, name) in self._plugin_cands.items():
            t = self._tag(tag)
            if t.plugin is None:
                t.plugin = name
        self._store(parts, used, len(starts))
        return used, need

    def _frame(self, buf: bytes) -> tuple[list[int], int, int]:
        """Start offsets of the complete records in ``buf``, bytes they use, bytes the next
        one needs (0 when unknown); sets :attr:`corrupt_at` at a bad length CRC."""
        n = len(buf)
        unpack_q = struct.Struct("<Q").unpack_from
        unpack_i = struct.Struct("<I").unpack_from
        offsets: list[int] = []
        pos = 0
        need = 0
        while pos + 12 <= n:
            (length,) = unpack_q(buf, pos)
            end = pos + 16 + length
            if end > n or length >= MAX_RECORD:
                need = end - pos if length < MAX_RECORD else 0
                bad_length = masked_crc32c(buf[pos : pos + 8]) != unpack_i(buf, pos + 8)[0]
                if CRC_VERIFIED and bad_length:
                    self.corrupt_at = self.offset + pos
                break
            offsets.append(pos)
            pos = end
        return offsets, pos, need

    def _check_crcs(self, buf: bytes, u: np.ndarray, starts, lengths, used: int):
        """Length CRCs (vectorised; reading stops at the first bad one) and data CRCs (a
        record with a bad one is skipped). Returns ``(starts, lengths, used, keep)``."""
        header_crc = gather_bytes(u, starts + 8, 4).copy().view("<u4")[:, 0]
        bad_header = masked_crc32c_rows(gather_bytes(u, starts, 8)) != header_crc
        if bad_header.any():
            k = int(np.argmax(bad_header))
            self.corrupt_at = self.offset + int(starts[k])
            starts, lengths = starts[:k], lengths[:k]
            used = int(starts[-1] + 16 + lengths[-1]) if k else 0
        data_from = (starts + 12).tolist()
        data_to = (starts + 12 + lengths).tolist()
        got = np.array(
            [crc32c(buf[a:b]) for a, b in zip(data_from, data_to, strict=True)], dtype=np.uint32
        )
        got = ((got >> np.uint32(15)) | (got << np.uint32(17))) + np.uint32(0xA282EAD8)
        want = (
            gather_bytes(u, starts + 12 + lengths, 4).copy().view("<u4")[:, 0]
            if len(starts)
            else got
        )
        bad = np.flatnonzero(got != want)
        keep = np.ones(len(starts), dtype=bool)
        if len(bad):
            keep[bad] = False
            self.bad_records += len(bad)
        return starts, lengths, used, keep

    def _store(self, parts: dict[str, list[tuple]], used: int, n_records: int) -> None:
        """Append the decoded points of one block to their tags, in record order."""
        # records left in this file, for the buffers' first size (see TagPoints)
        per_record = max(used / n_records, 1.0)
        left = max(self._size - self.offset, 0) / per_record + n_records
        for tag, chunks in parts.items():
            if len(chunks) == 1:
                idx, step, value, wall = chunks[0]
            else:
                idx, step, value, wall = (np.concatenate(x) for x in zip(*chunks, strict=True))
                order = np.argsort(idx, kind="stable")
                idx, step, value, wall = idx[order], step[order], value[order], wall[order]
            t = self._tag(tag)
            if t.n == 0:
                t.reserve(int(left * len(idx) / n_records * 1.25) + 256)
            t.add(idx[0], step, value, wall)
            self._last_block_added = True

    def _plugin_seen(self, tag: str, rec: int, name: str) -> None:
        """Remember a tag's plugin from its first record that carries metadata."""
        cand = self._plugin_cands.get(tag)
        if cand is None or rec < cand[0]:
            self._plugin_cands[tag] = (rec, name)

    def _tag(self, tag: str) -> TagPoints:
        t = self.tags.get(tag)
        if t is None:
            t = self.tags[tag] = TagPoints(0)
        return t

    def _decode_vectorised(self, u, dec, good, rec_idx, parts: dict) -> None:
        g = np.flatnonzero(good)
        inv, tags = group_equal_bytes(u, dec["tag_start"][g], dec["tag_len"][g])
        plugins: dict[int, str] = {}
        meta = dec["meta"][g]
        if meta.any():
            from tensorboard.compat.proto import summary_pb2

            mi = np.flatnonzero(meta)
            ms = dec["meta_start"][g][mi]
            mlen = dec["end"][g][mi] - ms
            minv, blobs = group_equal_bytes(u, ms, mlen)
            names = []
            for blob in blobs:
                try:
                    _, ll, _ = varint(
                        np.frombuffer(blob + bytes(12), dtype=np.uint8), np.array([1])
                    )
                    md = summary_pb2.SummaryMetadata.FromString(blob[1 + int(ll[0]) :])
                    names.append(md.plugin_data.plugin_name)
                except Exception:  # google.protobuf.message.DecodeError
                    names.append("?")
            recs = rec_idx[g][mi].tolist()
            for t, b, r in zip(inv[mi].tolist(), minv.tolist(), recs, strict=True):
                if t not in plugins:
                    plugins[t] = (r, names[b])
        order = np.argsort(inv, kind="stable")
        bounds = np.flatnonzero(np.diff(inv[order])) + 1
        for grp in np.split(order, bounds):
            if not len(grp):
                continue
            t_id = int(inv[grp[0]])
            tag = tags[t_id].decode("utf-8", "replace")
            rows = g[grp]
            if t_id in plugins:
                self._plugin_seen(tag, *plugins[t_id])
            parts.setdefault(tag, []).append(
                (rec_idx[rows], dec["step"][rows], dec["value"][rows], dec["wall"][rows])
            )

    def _decode_protobuf(self, buf: bytes, starts, lengths, record_index, parts: dict) -> None:
        """Decode records of other layouts with tensorboard's protobuf classes."""
        from tensorboard.compat.proto import event_pb2

        parse = event_pb2.Event.FromString
        pending: dict[str, tuple] = {}
        for start, length, rec in zip(
            starts.tolist(), lengths.tolist(), record_index.tolist(), strict=True
        ):
            try:
                event = parse(buf[start + 12 : start + 12 + length])
            except Exception:  # google.protobuf.message.DecodeError
                self.bad_records += 1
                continue
            self._event(event, rec, pending)
        for tag, (ii, ss, vv, ww) in pending.items():
            parts.setdefault(tag, []).append(
                (
                    np.asarray(ii, dtype=np.int64),
                    np.asarray(ss),
                    np.asarray(vv, dtype=np.float64),
                    np.asarray(ww, dtype=np.float64),
                )
            )

    def _event(self, event, rec: int, pending: dict) -> None:
        """Scalars of one decoded ``Event`` into ``pending``; a session restart noted."""
        if not event.HasField("summary"):
            if event.HasField("session_log") and event.session_log.status == 1 and rec > 1:
                self.restarts.append(float(event.step))
            return
        step = float(event.step)
        wall = event.wall_time
        for v in event.summary.value:
            kind = v.WhichOneof("value")
            if kind == "simple_value":
                val = v.simple_value
            elif kind == "tensor":
                val = tensor_scalar(v.tensor)
                if val is None:
                    self.skipped_kinds["tensor"] = self.skipped_kinds.get("tensor", 0) + 1
                    continue
            else:
                if kind:
                    self.skipped_kinds[kind] = self.skipped_kinds.get(kind, 0) + 1
                continue
            tag = v.tag or v.node_name
            if v.HasField("metadata"):
                self._plugin_seen(tag, rec, v.metadata.plugin_data.plugin_name)
            lst = pending.get(tag)
            if lst is None:
                lst = pending[tag] = ([], [], [], [])
            lst[0].append(rec)
            lst[1].append(step)
            lst[2].append(val)
            lst[3].append(wall)

    def status_notes(self) -> list[str]:
        """What a user should know about this file's reading."""
        out = []
        name = os.path.basename(self.path)
        if self.corrupt_at is not None:
            out.append(
                f"{name}: damaged record at byte {self.corrupt_at} (bad length CRC): "
                "the rest of the file is skipped"
            )
        if self.bad_records:
            out.append(f"{name}: {self.bad_records} record(s) with a bad data CRC skipped")
        if self.partial_tail:
            out.append(
                f"{name}: ends in the middle of a record ({self.partial_tail} bytes): "
                "still being written, or cut off"
            )
        if self.restarts:
            out.append(
                f"{name}: session restarted at step(s) "
                + ", ".join(f"{s:g}" for s in self.restarts[:5])
            )
        if not CRC_VERIFIED:
            out.append("record CRCs not verified (google-crc32c is not installed)")
        return out
