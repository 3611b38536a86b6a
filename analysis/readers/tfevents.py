"""TensorBoard event files (``events.out.tfevents.*``) without TensorFlow.

An event file is a TFRecord stream (``tensorflow/core/lib/io/record_writer.cc``):
each record is ``uint64 length``, ``uint32 masked_crc32c(length)``, ``data``,
``uint32 masked_crc32c(data)``, little-endian, where ``masked(c) = rotr15(c) +
0xa282ead8``. ``data`` is a serialized ``tensorflow.Event`` protobuf, decoded here
with tensorboard's own generated modules (``tensorboard.compat.proto.event_pb2``,
which do not import TensorFlow). Both CRCs are checked (google-crc32c).

Scalars come in two encodings, both read:

- ``Summary.Value.simple_value`` (float32): PyTorch ``SummaryWriter``, Lightning,
  TF1 ``FileWriter``;
- ``Summary.Value.tensor``: a rank-0 (or one-element) tensor, ``DT_FLOAT``/
  ``DT_DOUBLE``/``DT_HALF``/``DT_BFLOAT16``/integers, in ``tensor_content`` or the
  typed ``*_val`` fields (Keras' TensorBoard callback in TF2/Keras 3, plugin
  ``scalars``). Tensors of other plugins (histograms, images, text, the Keras
  model config) are not scalars and are skipped.

Every event is kept (TensorBoard's ``EventAccumulator`` keeps a reservoir sample of
1000 scalars per tag by default); step and wall time are kept per point. Where
a tag's step goes back (a restarted run writing into the same folder), a new
segment starts.

Folders: each folder holding event files is a run; ``train/``, ``validation/``
(``val``, ``eval``, ``test``...) sub-folders of one folder are one run whose series
are named ``train/<tag>``, ``validation/<tag>`` (the Keras layout); sibling run
folders are separate runs. Several event files in one folder (a resumed run) are
read in file-name order into one run.

A damaged record stops reading that file at the damage (the events before it
are kept and the run says so in its notes); a file that ends in the middle of a
record (still being written) is read up to the last complete record.
"""

from __future__ import annotations

import os
import re
import struct

import numpy as np

from analysis.model import LogReadError, Run
from analysis.readers._base import finish_run, make_series
from analysis.readers._table import _Grow

FORMAT = "tensorboard-events"

#: Names of sub-folders that hold one side (train/validation) of one run.
SIDE_DIRS = frozenset(
    {"train", "training", "validation", "val", "valid", "eval", "evaluation", "test"}
)
_BLOCK = 1 << 17
_MAX_RECORD = 1 << 31

try:  # the C implementation; tensorboard's own pure-Python crc32c is ~1000x slower
    import google_crc32c as _crc

    _crc32c = _crc.value

except ImportError:  # pragma: no cover - exercised only where the package is missing
    _crc = None

    def _crc32c(b) -> int:
        return -1


def masked_crc32c(data: bytes) -> int:
    """TFRecord's masked CRC32C of ``data`` (``tensorflow/core/lib/hash/crc32c.h`` ``Mask``)."""
    c = _crc32c(data)
    return (((c >> 15) | (c << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def frame_record(data: bytes) -> bytes:
    """One TFRecord: length, masked CRC of the length, data, masked CRC of the data.

    The inverse of what :class:`EventFileReader` reads (used to write test and
    benchmark files; TensorFlow's ``RecordWriter`` format).
    """
    head = struct.pack("<Q", len(data))
    return (
        head
        + struct.pack("<I", masked_crc32c(head))
        + data
        + struct.pack("<I", masked_crc32c(data))
    )


def is_event_file_name(name: str) -> bool:
    return "tfevents" in os.path.basename(name)


def looks_like_tfrecord(head: bytes) -> bool:
    """First record header of a TFRecord stream with a valid CRC (and a sane length)."""
    if len(head) < 12 or _crc is None:
        return False
    (length,) = struct.unpack_from("<Q", head, 0)
    (hcrc,) = struct.unpack_from("<I", head, 8)
    return length < _MAX_RECORD and masked_crc32c(head[:8]) == hcrc


_DT_FMT = {
    1: "<f",
    2: "<d",
    19: "<e",
    3: "<i",
    9: "<q",
    4: "<B",
    5: "<h",
    6: "<b",
    17: "<H",
    22: "<I",
    23: "<Q",
}


def tensor_scalar(t) -> float | None:
    """The value of a one-element numeric ``TensorProto``, or None.

    ``DT_FLOAT``/``DT_DOUBLE``/``DT_HALF``/``DT_BFLOAT16`` and integer types, from
    ``tensor_content`` (little-endian bytes) or the typed value fields (``half_val``
    holds float16/bfloat16 bit patterns, as TensorFlow's ``tensor.proto`` says).
    """
    for d in t.tensor_shape.dim:
        if d.size != 1:
            return None
    dt = t.dtype
    content = t.tensor_content
    if content:
        if dt == 14:  # bfloat16: the high half of a float32
            if len(content) != 2:
                return None
            return struct.unpack("<f", b"\x00\x00" + content)[0]
        fmt = _DT_FMT.get(dt)
        if fmt is None or len(content) != struct.calcsize(fmt):
            return None
        return float(struct.unpack(fmt, content)[0])
    if dt == 1 and len(t.float_val) == 1:
        return float(t.float_val[0])
    if dt == 2 and len(t.double_val) == 1:
        return float(t.double_val[0])
    if dt == 19 and len(t.half_val) == 1:
        return float(np.array([t.half_val[0]], dtype=np.uint16).view(np.float16)[0])
    if dt == 14 and len(t.half_val) == 1:
        return struct.unpack("<f", struct.pack("<I", (t.half_val[0] & 0xFFFF) << 16))[0]
    if dt in (3, 4, 5, 6, 17) and len(t.int_val) == 1:
        return float(t.int_val[0])
    if dt == 9 and len(t.int64_val) == 1:
        return float(t.int64_val[0])
    if dt == 22 and len(t.uint32_val) == 1:
        return float(t.uint32_val[0])
    if dt == 23 and len(t.uint64_val) == 1:
        return float(t.uint64_val[0])
    return None


class _Tag:
    """Points of one tag in growable float64 buffers (file order).

    Buffers are allocated with room for the points the rest of the file is
    expected to hold (estimated from the first block); untouched pages of a
    large ``np.empty`` cost no memory, so over-estimating is free and growing
    (a copy) is rare.
    """

    __slots__ = ("step", "value", "wall", "plugin", "n", "first")

    def __init__(self, capacity: int = 256) -> None:
        self.step = _Grow(np.float64, capacity=capacity)
        self.value = _Grow(np.float64, capacity=capacity)
        self.wall = _Grow(np.float64, capacity=capacity)
        self.plugin: str | None = None
        self.n = 0
        self.first = 1 << 62  # record index of the first point (tags are kept in log order)

    def reserve(self, capacity: int) -> None:
        """Room for ``capacity`` points (before the first is added)."""
        for f in ("step", "value", "wall"):
            setattr(self, f, _Grow(np.float64, capacity=capacity))

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


def _crc_table() -> np.ndarray:
    t = np.arange(256, dtype=np.uint32)
    for _ in range(8):  # CRC-32C (Castagnoli), reflected polynomial 0x82F63B78
        t = np.where(t & 1, (t >> 1) ^ np.uint32(0x82F63B78), t >> 1).astype(np.uint32)
    return t


_CRC_TABLE = _crc_table()


def masked_crc32c_rows(rows: np.ndarray) -> np.ndarray:
    """Masked CRC32C of each row of a (n, k) uint8 array, vectorised (record headers)."""
    crc = np.full(rows.shape[0], 0xFFFFFFFF, dtype=np.uint32)
    for j in range(rows.shape[1]):
        crc = _CRC_TABLE[(crc ^ rows[:, j]) & 0xFF] ^ (crc >> np.uint32(8))
    crc ^= np.uint32(0xFFFFFFFF)
    return ((crc >> np.uint32(15)) | (crc << np.uint32(17))) + np.uint32(0xA282EAD8)


def _varint(u: np.ndarray, pos: np.ndarray):
    """Decode one varint at each position: (value uint64, length in bytes, valid).

    Most varints in event files are one byte (lengths, dtypes); the rest are
    continued byte by byte on the shrinking subset that still has a continuation bit.
    """
    b = u[pos]
    v = (b & 0x7F).astype(np.uint64)
    ln = np.ones(len(pos), dtype=np.int64)
    valid = np.ones(len(pos), dtype=bool)
    idx = np.flatnonzero(b >= 0x80)
    shift = 7
    for k in range(1, 10):
        if not len(idx):
            break
        bk = u[pos[idx] + k]
        v[idx] |= (bk & 0x7F).astype(np.uint64) << np.uint64(shift)
        ln[idx] += 1
        idx = idx[bk >= 0x80]
        shift += 7
    if len(idx):
        valid[idx] = False
    return v, ln, valid


def _gather(u: np.ndarray, start: np.ndarray, width: int) -> np.ndarray:
    return u[start[:, None] + np.arange(width)]


def decode_scalar_events(u: np.ndarray, off: np.ndarray, ln: np.ndarray) -> dict:
    """Decode the common one-scalar event layouts of many records at once (numpy).

    An ``Event`` holding one ``Summary.Value`` with a tag and either ``simple_value``
    or a rank-0 ``DT_FLOAT``/``DT_DOUBLE``/``DT_HALF`` tensor in ``tensor_content``
    (optionally followed by its ``SummaryMetadata``), with the fields in field-number
    order as TensorFlow, PyTorch and Keras write them. Records of any other shape
    are flagged ``ok == False`` and decoded with the protobuf classes instead.

    Parameters
    ----------
    u : ndarray of uint8
        The bytes, padded with at least 32 zero bytes past the last record.
    off, ln : ndarray of int64, shape (n,)
        Start and length of each record's payload.
    """
    n = len(off)
    end = off + ln
    p = off.copy()
    has_wall = u[p] == 0x09
    wall = np.zeros(n)
    if has_wall.any():
        wall[has_wall] = _gather(u, p[has_wall] + 1, 8).copy().view("<f8")[:, 0]
    p = p + 9 * has_wall
    has_step = u[p] == 0x10
    sv, sl, sok = _varint(u, p + 1)
    step = np.where(has_step, sv.view(np.int64), 0).astype(np.float64)
    ok = (ln > 0) & (~has_step | sok)
    p = p + has_step * (1 + sl)
    ok &= u[p] == 0x2A  # Event.summary
    slen, sll, sok = _varint(u, p + 1)
    p = p + 1 + sll
    ok &= sok & (p + slen.astype(np.int64) == end)
    ok &= u[p] == 0x0A  # Summary.value
    vlen, vll, vok = _varint(u, p + 1)
    p = p + 1 + vll
    vend = p + vlen.astype(np.int64)
    ok &= vok & (vend == end)
    ok &= u[p] == 0x0A  # Value.tag
    tlen, tll, tok = _varint(u, p + 1)
    tlen = tlen.astype(np.int64)
    ok &= tok & (tlen < 512)
    tag_start = p + 1 + tll
    p = np.where(ok, tag_start + tlen, off)
    kind = u[p]
    value = np.full(n, np.nan)
    after = np.zeros(n, dtype=np.int64)
    simple = ok & (kind == 0x15)
    if simple.any():
        value[simple] = _gather(u, p[simple] + 1, 4).copy().view("<f4")[:, 0]
        after[simple] = p[simple] + 5
    tens = ok & (kind == 0x42)
    if tens.any():
        tl, tll2, tok2 = _varint(u, p + 1)
        q = p + 1 + tll2
        tend = q + tl.astype(np.int64)
        dt = u[q + 1]
        r = q + 2
        shape = (u[r] == 0x12) & (u[r + 1] == 0x00)
        r = r + 2 * shape
        clen = u[r + 1].astype(np.int64)
        f32, f64, f16 = (dt == 1) & (clen == 4), (dt == 2) & (clen == 8), (dt == 19) & (clen == 2)
        tens &= tok2 & (u[q] == 0x08) & (u[r] == 0x22) & (r + 2 + clen == tend) & (f32 | f64 | f16)
        for sel, width, fmt in (
            (tens & f32, 4, "<f4"),
            (tens & f64, 8, "<f8"),
            (tens & f16, 2, "<f2"),
        ):
            if sel.any():
                value[sel] = _gather(u, r[sel] + 2, width).copy().view(fmt)[:, 0]
        after[tens] = tend[tens]
    good = simple | tens
    meta = good & (after < vend)
    if meta.any():
        ml, mll, mok = _varint(u, after + 1)
        good &= ~meta | ((u[after] == 0x4A) & mok & (after + 1 + mll + ml.astype(np.int64) == vend))
    good &= after <= vend
    return {
        "ok": good,
        "wall": wall,
        "step": step,
        "value": value,
        "tag_start": tag_start,
        "tag_len": tlen,
        "meta": meta & good,
        "meta_start": after,
        "end": vend,
    }


def _row_keys(u: np.ndarray, start: np.ndarray, length: np.ndarray):
    """Group equal byte strings: (unique index per row, list of the unique bytes)."""
    width = int(length.max()) if len(length) else 0
    if width == 0:
        return np.zeros(len(start), dtype=np.int64), [b""]
    idx = np.minimum(start[:, None] + np.arange(width), len(u) - 1)
    rows = u[idx]
    rows[np.arange(width)[None, :] >= length[:, None]] = 0
    rows = np.concatenate([length.astype("<u2").view(np.uint8).reshape(-1, 2), rows], axis=1)
    keys = np.ascontiguousarray(rows).view(np.dtype((np.void, rows.shape[1])))[:, 0]
    uniq, inv = np.unique(keys, return_inverse=True)
    out = []
    for k in uniq:
        raw = bytes(k)
        n = int.from_bytes(raw[:2], "little")
        out.append(raw[2 : 2 + n])
    return inv.reshape(-1), out


class EventFileReader:
    """Reads one event file, incrementally: :meth:`read` continues where it stopped.

    Records are framed in a tight loop (data CRC checked per record with
    google-crc32c, the length CRCs vectorised); the common one-scalar events are
    decoded with numpy (:func:`decode_scalar_events`), every other record with
    tensorboard's protobuf classes.

    Attributes
    ----------
    tags : dict of str to _Tag
        Scalar points per tag, in file order.
    offset : int
        Byte offset after the last complete record read.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self.offset = 0
        self.tags: dict[str, _Tag] = {}
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
            want = _BLOCK
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
                want = max(_BLOCK, need - len(buf))
        self.partial_tail = len(buf)
        return added

    def _block(self, buf: bytes) -> tuple[int, int]:
        """Frame and decode the complete records of ``buf``; returns (bytes used, bytes needed)."""
        self._last_block_added = False
        n = len(buf)
        unpack_q = struct.Struct("<Q").unpack_from
        unpack_i = struct.Struct("<I").unpack_from
        crc = _crc32c
        verify = _crc is not None
        starts: list[int] = []
        pos = 0
        need = 0
        while pos + 12 <= n:
            (length,) = unpack_q(buf, pos)
            end = pos + 16 + length
            if end > n or length >= _MAX_RECORD:
                need = end - pos if length < _MAX_RECORD else 0
                if verify and masked_crc32c(buf[pos : pos + 8]) != unpack_i(buf, pos + 8)[0]:
                    self.corrupt_at = self.offset + pos
                break
            starts.append(pos)
            pos = end
        if not starts:
            return 0, need
        u = np.frombuffer(buf + bytes(48), dtype=np.uint8)
        st = np.asarray(starts, dtype=np.int64)
        ln = _gather(u, st, 8).copy().view("<u8")[:, 0].astype(np.int64)
        bad: list[int] | np.ndarray = []
        if verify:
            hdr = _gather(u, st, 8)
            hbad = masked_crc32c_rows(hdr) != _gather(u, st + 8, 4).copy().view("<u4")[:, 0]
            if hbad.any():
                k = int(np.argmax(hbad))
                self.corrupt_at = self.offset + int(st[k])
                st, ln = st[:k], ln[:k]
                pos = int(st[-1] + 16 + ln[-1]) if k else 0
            d0 = (st + 12).tolist()
            d1 = (st + 12 + ln).tolist()
            got = np.array([crc(buf[a:b]) for a, b in zip(d0, d1, strict=True)], dtype=np.uint32)
            got = ((got >> np.uint32(15)) | (got << np.uint32(17))) + np.uint32(0xA282EAD8)
            want = _gather(u, st + 12 + ln, 4).copy().view("<u4")[:, 0] if len(st) else got
            bad = np.flatnonzero(got != want)
        keep = np.ones(len(st), dtype=bool)
        if len(bad):
            keep[bad] = False
            self.bad_records += len(bad)
        idx0 = self.n_records
        self.n_records += len(st)
        self.offset += pos
        if not len(st):
            return pos, need
        rec_idx = np.arange(idx0, idx0 + len(st))
        dec = decode_scalar_events(u, st + 12, ln)
        good = dec["ok"] & keep
        self.n_events += int(keep.sum())
        parts: dict[str, list[tuple]] = {}
        self._plugin_cands: dict[str, tuple[int, str]] = {}
        if good.any():
            self._decode_vectorised(u, dec, good, rec_idx, parts)
        rest = np.flatnonzero(keep & ~good)
        if len(rest):
            self._decode_protobuf(buf, st[rest], ln[rest], rec_idx[rest], parts)
        for tag, (_, name) in self._plugin_cands.items():
            t = self._tag(tag)
            if t.plugin is None:
                t.plugin = name
        # records left in this file, for the buffers' first size (see _Tag)
        per_record = max(pos / len(st), 1.0)
        left = max(self._size - self.offset, 0) / per_record + len(st)
        for tag, chunks in parts.items():
            if len(chunks) == 1:
                idx, step, value, wall = chunks[0]
            else:
                idx, step, value, wall = (np.concatenate(x) for x in zip(*chunks, strict=True))
                o = np.argsort(idx, kind="stable")
                idx, step, value, wall = idx[o], step[o], value[o], wall[o]
            t = self._tag(tag)
            if t.n == 0:
                t.reserve(int(left * len(idx) / len(st) * 1.25) + 256)
            t.add(idx[0], step, value, wall)
            self._last_block_added = True
        return pos, need

    def _plugin_seen(self, tag: str, rec: int, name: str) -> None:
        """Remember a tag's plugin from its first record that carries metadata."""
        cand = self._plugin_cands.get(tag)
        if cand is None or rec < cand[0]:
            self._plugin_cands[tag] = (rec, name)

    def _tag(self, tag: str) -> _Tag:
        t = self.tags.get(tag)
        if t is None:
            t = self.tags[tag] = _Tag(0)
        return t

    def _decode_vectorised(self, u, dec, good, rec_idx, parts: dict) -> None:
        g = np.flatnonzero(good)
        inv, tags = _row_keys(u, dec["tag_start"][g], dec["tag_len"][g])
        plugins: dict[int, str] = {}
        meta = dec["meta"][g]
        if meta.any():
            from tensorboard.compat.proto import summary_pb2

            mi = np.flatnonzero(meta)
            ms = dec["meta_start"][g][mi]
            mlen = dec["end"][g][mi] - ms
            minv, blobs = _row_keys(u, ms, mlen)
            names = []
            for blob in blobs:
                try:
                    _, ll, _ = _varint(
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

    def _decode_protobuf(self, buf: bytes, st, ln, idx, parts: dict) -> None:
        from tensorboard.compat.proto import event_pb2

        parse = event_pb2.Event.FromString
        pending: dict[str, tuple] = {}
        for s, n_, i in zip(st.tolist(), ln.tolist(), idx.tolist(), strict=True):
            try:
                ev = parse(buf[s + 12 : s + 12 + n_])
            except Exception:  # google.protobuf.message.DecodeError
                self.bad_records += 1
                continue
            self._event(ev, i, pending)
        for tag, (ii, ss, vv, ww) in pending.items():
            parts.setdefault(tag, []).append(
                (
                    np.asarray(ii, dtype=np.int64),
                    np.asarray(ss),
                    np.asarray(vv, dtype=np.float64),
                    np.asarray(ww, dtype=np.float64),
                )
            )

    def _event(self, ev, rec: int, pending: dict) -> None:
        if not ev.HasField("summary"):
            if ev.HasField("session_log") and ev.session_log.status == 1 and rec > 1:
                self.restarts.append(float(ev.step))
            return
        step = float(ev.step)
        wall = ev.wall_time
        for v in ev.summary.value:
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
        if _crc is None:
            out.append("record CRCs not verified (google-crc32c is not installed)")
        return out


def find_event_files(root: str, max_depth: int = 6) -> list[str]:
    """Event files under ``root`` (itself a file, or a folder searched to ``max_depth``)."""
    if os.path.isfile(root):
        return [root]
    out = []
    base = os.path.abspath(root).rstrip(os.sep).count(os.sep)
    for d, dirs, files in os.walk(root):
        dirs[:] = sorted(x for x in dirs if not x.startswith("."))
        if os.path.abspath(d).count(os.sep) - base >= max_depth:
            dirs[:] = []
        out.extend(
            os.path.join(d, f)
            for f in sorted(files)
            if is_event_file_name(f) and not f.startswith(".")
        )
    return out


def group_runs(root: str, files: list[str]) -> dict[str, list[tuple[str, str]]]:
    """Event files grouped by run folder: ``{run_dir: [(side prefix, file), ...]}``."""
    runs: dict[str, list[tuple[str, str]]] = {}
    root_abs = os.path.abspath(root if os.path.isdir(root) else os.path.dirname(root))
    for f in files:
        d = os.path.dirname(os.path.abspath(f))
        side = os.path.basename(d)
        if side.lower() in SIDE_DIRS and (d != root_abs or os.path.isfile(root)):
            runs.setdefault(os.path.dirname(d), []).append((side, f))
        else:
            runs.setdefault(d, []).append(("", f))
    return runs


def run_name(root: str, run_dir: str) -> str:
    root_abs = os.path.abspath(root if os.path.isdir(root) else os.path.dirname(root))
    rel = os.path.relpath(run_dir, root_abs)
    if rel == ".":
        return os.path.basename(run_dir.rstrip(os.sep)) or run_dir
    if rel.startswith(".."):
        return os.path.basename(run_dir)
    return rel.replace(os.sep, "/")


def is_epoch_tag(tag: str) -> bool:
    """A tag the Keras TensorBoard callback writes once per epoch, step = epoch index.

    Keras' ``TensorBoard`` callback (TF2 / Keras 3, ``keras/callbacks/tensorboard.py``)
    names epoch-level scalars ``epoch_<metric>`` (``epoch_loss``,
    ``epoch_learning_rate``) and writes them at step = epoch; ``batch_<metric>``
    (``update_freq``) and ``evaluation_<metric>_vs_iterations`` are written at the
    global training step.
    """
    return tag.rsplit("/", 1)[-1].startswith("epoch_")


_EVAL_COPY_RE = re.compile(r"^evaluation_(.+)_vs_iterations$")


def keras_log_key(name: str) -> tuple[str, str] | None:
    """The ``logs`` key of Keras' ``fit()`` behind a series of the Keras TensorBoard callback.

    The callback (``keras/callbacks/tensorboard.py``, Keras 3 and ``tf.keras`` 2)
    writes the epoch ``logs`` that ``CSVLogger`` and ``History`` get: the keys
    without ``val_`` to ``train/epoch_<key>``, the ``val_<key>`` ones to
    ``validation/epoch_<key>``, both at step = epoch index; it adds the optimizer's
    learning rate as ``train/epoch_learning_rate`` (``epoch_lr`` in older
    ``tf.keras``), and ``validation/evaluation_<key>_vs_iterations``: the same
    validation values again at step = the global training step.

    Parameters
    ----------
    name : str
        Series name as read (``<side>/<tag>``, or the bare tag for event files at
        the run folder's top).

    Returns
    -------
    (key, kind) or None
        ``("loss", "epoch")`` for ``train/epoch_loss``, ``("val_loss", "epoch")`` for
        ``validation/epoch_loss``, ``("val_loss", "copy")`` for
        ``validation/evaluation_loss_vs_iterations``; None for any other series
        (``batch_*`` tags, custom summaries, other side folders).
    """
    side, _, tag = name.rpartition("/")
    if side not in ("", "train", "validation"):
        return None
    pre = "val_" if side == "validation" else ""
    if tag.startswith("epoch_") and len(tag) > len("epoch_"):
        return pre + tag[len("epoch_") :], "epoch"
    m = _EVAL_COPY_RE.match(tag)
    if m and side == "validation":
        return "val_" + m.group(1), "copy"
    return None


def mark_step_kinds(series: dict, notes: list[str] | None = None) -> str:
    """The run's ``step_kind`` from its tags; each series' own kind where the run mixes them.

    All tags epoch-level (:func:`is_epoch_tag`): ``"epoch"``. None: ``"step"``
    (TensorBoard's step is the global step as logged). Mixed (the Keras callback
    with ``evaluation_*_vs_iterations`` or ``batch_*`` tags): the run takes the
    kind of most of its series, and every series gets its own
    :attr:`~analysis.model.Series.step_kind`, so that epoch curves are never put
    on one x axis with step curves.
    """
    if not series:
        return "step"
    ep = {k for k in series if is_epoch_tag(k)}
    if not ep:
        return "step"
    if len(ep) == len(series):
        return "epoch"
    run_kind = "epoch" if 2 * len(ep) >= len(series) else "step"
    for k, s in series.items():
        s.step_kind = "epoch" if k in ep else "step"
    if notes is not None:
        other = sorted(k for k in series if k not in ep)
        notes.append(
            f"x axes differ: epoch_* tags are per epoch (step = epoch index), "
            f"{', '.join(other[:4])}{', ...' if len(other) > 4 else ''} per training "
            "step (Keras TensorBoard callback); each series carries its own x kind"
        )
    return run_kind


def build_run(
    name: str, source: str, readers: list[tuple[str, EventFileReader]], copy: bool = False
) -> Run | None:
    """A run from the readers of its event files (``(side prefix, reader)`` in file order)."""
    merged: dict[str, list] = {}
    notes: list[str] = []
    skipped: dict[str, int] = {}
    other_plugin: set[str] = set()
    for side, r in readers:
        notes.extend(r.status_notes())
        for k, n in r.skipped_kinds.items():
            skipped[k] = skipped.get(k, 0) + n
        for tag, t in sorted(r.tags.items(), key=lambda kv: kv[1].first):
            if t.plugin not in (None, "", "scalars", "custom_scalar"):
                other_plugin.add(f"{tag} ({t.plugin})")
                continue
            full = f"{side}/{tag}" if side else tag
            merged.setdefault(full, []).append(t)
    if not merged:
        return None

    series = {}
    axes = {}
    for full, parts in merged.items():
        arrs = [t.arrays() for t in parts if t.n]
        if not arrs:
            continue
        if len(arrs) == 1:
            step, value, wall = arrs[0]
        else:
            step, value, wall = (np.concatenate(x) for x in zip(*arrs, strict=True))
        if copy:
            step, value, wall = step.copy(), value.copy(), wall.copy()
        s = make_series(full, step, value, wall_time=wall)
        if full.rsplit("/", 1)[-1] == "epoch":
            axes[full] = s  # Lightning logs its epoch counter as a scalar: an axis
        else:
            series[full] = s
    if axes:
        ep = next(iter(axes.values()))
        order = np.argsort(ep.step, kind="stable")
        es, ev = ep.step[order], ep.value[order]
        for s in series.values():
            pos = np.clip(np.searchsorted(es, s.step, side="right") - 1, 0, len(es) - 1)
            s.epoch = ev[pos]
        notes.append(
            f"tag {next(iter(axes))!r} is the logged epoch counter: an axis, not a "
            "metric (each point's epoch = its value at the last step <= the point's)"
        )
    if skipped or other_plugin:
        parts = [
            f"{n} {'non-scalar tensor' if k == 'tensor' else k} value(s)"
            for k, n in sorted(skipped.items())
        ]
        if other_plugin:
            parts.append("tags of other plugins: " + ", ".join(sorted(other_plugin)[:6]))
        notes.append("non-scalar summaries skipped (" + "; ".join(parts) + ")")
    per_side: dict[str, int] = {}
    for side, _ in readers:
        per_side[side] = per_side.get(side, 0) + 1
    if any(n > 1 for n in per_side.values()):
        notes.append(f"{len(readers)} event files read in file-name order into one run")
    step_kind = mark_step_kinds(series, notes)
    run = Run(
        name=name,
        source=source,
        format=FORMAT,
        series=series,
        step_kind=step_kind,
        notes=notes,
        axes=axes,
    )
    segs = [f"{k} ({s.n_segments})" for k, s in series.items() if s.n_segments > 1]
    if segs:
        run.notes.append(
            "step goes back (a restarted run in the same folder): segments in "
            + ", ".join(segs[:6])
        )
    return finish_run(run)


def read_event_files(root: str, files: list[str]) -> tuple[list[Run], list[LogReadError]]:
    """Runs from event files found under ``root``, and what could not be made a run.

    Parameters
    ----------
    root : str
        The file or folder the user opened (run names are relative to it).
    files : list of str
        Event files under ``root`` (:func:`find_event_files`).

    Returns
    -------
    (runs, problems)
        One run per run folder (:func:`group_runs`). ``problems`` holds a
        :class:`~analysis.model.LogReadError` for each file that is not an event
        file at all (bad first record header) and a
        :class:`~analysis.readers._base.NotATrainingLog` for each run folder whose
        files hold no scalar (graphs, histograms or images only).
    """
    from analysis.readers._base import NotATrainingLog

    runs: list[Run] = []
    problems: list[LogReadError] = []
    groups = group_runs(root, files)
    for run_dir in sorted(groups):
        readers = []
        for side, f in groups[run_dir]:
            r = EventFileReader(f)
            try:
                r.read()
            except LogReadError as exc:
                problems.append(exc)
                continue
            readers.append((side, r))
        if not readers:
            continue
        src = root if os.path.isfile(root) else run_dir
        run = build_run(run_name(root, run_dir), src, readers)
        if run is not None:
            runs.append(run)
            continue
        for _, r in readers:
            if r.n_events == 0 and r.corrupt_at == 0:
                problems.append(
                    LogReadError(
                        r.path, "not a TensorBoard event file (bad record header)", where="byte 0"
                    )
                )
            elif r.n_events == 0 and r.corrupt_at is not None:
                problems.append(
                    LogReadError(
                        r.path,
                        "damaged record before any scalar (bad length CRC)",
                        where=f"byte {r.corrupt_at}",
                    )
                )
        if not any(p.source in {r.path for _, r in readers} for p in problems):
            problems.append(
                NotATrainingLog(
                    run_dir,
                    f"TensorBoard run folder without any scalar summary ({len(readers)} "
                    "event file(s): graphs, histograms or images only)",
                )
            )
    return runs, problems


def read_events(path: str) -> list[Run]:
    """Runs from an event file or a folder of event files (see the module docstring).

    Raises
    ------
    LogReadError
        No event file, or none with a scalar (the first problem found).
    """
    files = find_event_files(path)
    if not files:
        raise LogReadError(path, "no TensorBoard event files (events.out.tfevents.*) found")
    runs, problems = read_event_files(path, files)
    if not runs:
        if os.path.isfile(path) and problems:
            from analysis.readers._base import NotATrainingLog

            p = problems[0]
            if isinstance(p, NotATrainingLog):
                raise NotATrainingLog(
                    path,
                    "TensorBoard event file without any scalar summary "
                    "(graphs, histograms or images only)",
                )
            raise LogReadError(path, p.reason, where=p.where)
        raise LogReadError(
            path,
            "TensorBoard event files without any scalar summary "
            f"({len(files)} file(s): graphs, histograms or images only)",
        )
    if problems:
        runs[0].notes.append(
            f"{len(problems)} event file(s) or run folder(s) without scalars "
            "skipped: " + "; ".join(p.line() for p in problems[:3])
        )
    return runs
