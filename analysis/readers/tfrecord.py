"""TFRecord framing of TensorBoard event files: length, masked CRC32C, data, masked CRC32C.

``tensorflow/core/lib/io/record_writer.cc``: each record is ``uint64 length``,
``uint32 masked_crc32c(length)``, ``data``, ``uint32 masked_crc32c(data)``, little-endian,
where ``masked(c) = rotr15(c) + 0xa282ead8``. CRCs are computed with google-crc32c.
"""

from __future__ import annotations

import struct

import numpy as np

#: A record longer than this is damage, not data.
MAX_RECORD = 1 << 31

try:  # the C implementation; tensorboard's own pure-Python crc32c is ~1000x slower
    import google_crc32c as _crc

    crc32c = _crc.value
    #: Whether record CRCs are checked (google-crc32c installed).
    CRC_VERIFIED = True

except ImportError:  # pragma: no cover - exercised only where the package is missing
    CRC_VERIFIED = False

    def crc32c(b) -> int:
        """No CRC without google-crc32c (records are then not verified)."""
        return -1


def masked_crc32c(data: bytes) -> int:
    """TFRecord's masked CRC32C of ``data`` (``tensorflow/core/lib/hash/crc32c.h`` ``Mask``)."""
    c = crc32c(data)
    return (((c >> 15) | (c << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def frame_record(data: bytes) -> bytes:
    """One TFRecord: length, masked CRC of the length, data, masked CRC of the data.

    The inverse of what :class:`~analysis.readers.event_file.EventFileReader` reads (used to write test and
    benchmark files; TensorFlow's ``RecordWriter`` format).
    """
    head = struct.pack("<Q", len(data))
    return (
        head
        + struct.pack("<I", masked_crc32c(head))
        + data
        + struct.pack("<I", masked_crc32c(data))
    )


def looks_like_tfrecord(head: bytes) -> bool:
    """First record header of a TFRecord stream with a valid CRC (and a sane length)."""
    if len(head) < 12 or not CRC_VERIFIED:
        return False
    (length,) = struct.unpack_from("<Q", head, 0)
    (hcrc,) = struct.unpack_from("<I", head, 8)
    return length < MAX_RECORD and masked_crc32c(head[:8]) == hcrc


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
