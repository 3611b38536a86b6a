"""Decoding ``tensorflow.Event`` records: scalar tensors, and the common one-scalar layouts in bulk.

``data`` of each TFRecord is a serialized ``tensorflow.Event`` protobuf. The common
layouts (one ``Summary.Value`` with a tag and a ``simple_value`` or a rank-0 float
tensor) are decoded for many records at once with numpy (:func:`decode_scalar_events`);
other records go through tensorboard's generated protobuf classes, which do not import
TensorFlow (:func:`tensor_scalar` reads their scalar tensors).
"""

from __future__ import annotations

import struct

import numpy as np

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


def varint(u: np.ndarray, pos: np.ndarray):
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


def gather_bytes(u: np.ndarray, start: np.ndarray, width: int) -> np.ndarray:
    """``width`` bytes from each start position: shape (n, width)."""
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
        wall[has_wall] = gather_bytes(u, p[has_wall] + 1, 8).copy().view("<f8")[:, 0]
    p = p + 9 * has_wall
    has_step = u[p] == 0x10
    sv, sl, sok = varint(u, p + 1)
    step = np.where(has_step, sv.view(np.int64), 0).astype(np.float64)
    ok = (ln > 0) & (~has_step | sok)
    p = p + has_step * (1 + sl)
    ok &= u[p] == 0x2A  # Event.summary
    slen, sll, sok = varint(u, p + 1)
    p = p + 1 + sll
    ok &= sok & (p + slen.astype(np.int64) == end)
    ok &= u[p] == 0x0A  # Summary.value
    vlen, vll, vok = varint(u, p + 1)
    p = p + 1 + vll
    vend = p + vlen.astype(np.int64)
    ok &= vok & (vend == end)
    ok &= u[p] == 0x0A  # Value.tag
    tlen, tll, tok = varint(u, p + 1)
    tlen = tlen.astype(np.int64)
    ok &= tok & (tlen < 512)
    tag_start = p + 1 + tll
    p = np.where(ok, tag_start + tlen, off)
    kind = u[p]
    value = np.full(n, np.nan)
    after = np.zeros(n, dtype=np.int64)
    simple = ok & (kind == 0x15)
    if simple.any():
        value[simple] = gather_bytes(u, p[simple] + 1, 4).copy().view("<f4")[:, 0]
        after[simple] = p[simple] + 5
    tens = ok & (kind == 0x42)
    if tens.any():
        tl, tll2, tok2 = varint(u, p + 1)
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
                value[sel] = gather_bytes(u, r[sel] + 2, width).copy().view(fmt)[:, 0]
        after[tens] = tend[tens]
    good = simple | tens
    meta = good & (after < vend)
    if meta.any():
        ml, mll, mok = varint(u, after + 1)
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


def group_equal_bytes(u: np.ndarray, start: np.ndarray, length: np.ndarray):
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
