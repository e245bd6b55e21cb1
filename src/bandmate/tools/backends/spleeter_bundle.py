"""Read (and, for tests, write) TensorFlow tensor-bundle checkpoints without TensorFlow.

A checkpoint ``model`` is two files:
- ``model.index``: a LevelDB-style sorted table (SSTable). Its footer (the last 48 bytes) holds two
  block handles (varint offset + varint size; metaindex, then index) padded to 40 bytes and the magic
  number 0xdb4775248b80fb57. The index block maps the last key of each data block to that block's
  handle; data blocks hold prefix-compressed entries (varints: shared key bytes, new key bytes, value
  length; then the key suffix and the value), followed by restart offsets (uint32 each) and their count.
  Every block is followed by a 5-byte trailer: a compression byte (0 = none) and a masked crc32c.
  The empty key holds a BundleHeaderProto; every other key is a tensor name whose value is a
  BundleEntryProto (protobuf: 1 dtype, 2 shape, 3 shard_id, 4 offset, 5 size, 6 crc32c).
- ``model.data-00000-of-00001``: the tensors' raw little-endian bytes at those offsets.

Only what Spleeter's checkpoint uses is supported: one shard, uncompressed blocks, float/int dtypes.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

MAGIC = 0xDB4775248B80FB57
FOOTER_BYTES = 48
# tensorflow/core/framework/types.proto DataType values -> numpy dtypes
DTYPES = {1: np.float32, 2: np.float64, 3: np.int32, 4: np.uint8, 5: np.int16, 6: np.int8, 9: np.int64,
          10: np.bool_, 19: np.float16}
DTYPE_CODES = {np.dtype(v): k for k, v in DTYPES.items()}


class BundleError(ValueError):
    """The files are not a tensor bundle this reader understands (says which part and why)."""


@dataclass(frozen=True)
class BundleEntry:
    name: str
    dtype: int
    shape: tuple[int, ...]
    shard: int
    offset: int
    size: int
    crc32c: int | None


# ---- protobuf and varints ------------------------------------------------------------------------

def _varint(buf: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(buf):
            raise BundleError("truncated varint")
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, pos
        shift += 7


def _put_varint(value: int) -> bytes:
    out = bytearray()
    while True:
        b = value & 0x7F
        value >>= 7
        out.append(b | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _fields(buf: bytes) -> list[tuple[int, int | bytes]]:
    """Protobuf wire fields as (field number, int or bytes); fixed64/fixed32 come back as ints."""
    out, pos = [], 0
    while pos < len(buf):
        tag, pos = _varint(buf, pos)
        number, wire = tag >> 3, tag & 7
        if wire == 0:
            value, pos = _varint(buf, pos)
        elif wire == 1:
            value, pos = struct.unpack_from("<Q", buf, pos)[0], pos + 8
        elif wire == 2:
            n, pos = _varint(buf, pos)
            value, pos = buf[pos:pos + n], pos + n
        elif wire == 5:
            value, pos = struct.unpack_from("<I", buf, pos)[0], pos + 4
        else:
            raise BundleError(f"unsupported protobuf wire type {wire} in field {number}")
        out.append((number, value))
    return out


def _entry(name: str, value: bytes) -> BundleEntry:
    dtype, shard, offset, size, crc, shape = 0, 0, 0, 0, None, []
    for number, v in _fields(value):
        if number == 1:
            dtype = int(v)
        elif number == 2:  # TensorShapeProto: repeated Dim (field 2) of {1: size}
            shape = [int(dict(_fields(d)).get(1, 0)) for n, d in _fields(v) if n == 2]
        elif number == 3:
            shard = int(v)
        elif number == 4:
            offset = int(v)
        elif number == 5:
            size = int(v)
        elif number == 6:
            crc = int(v)
        elif number == 7:
            raise BundleError(f"tensor {name!r} is stored in slices; only whole tensors are supported")
    return BundleEntry(name, dtype, tuple(shape), shard, offset, size, crc)


# ---- the SSTable ---------------------------------------------------------------------------------

def _block(data: bytes, handle: tuple[int, int]) -> bytes:
    offset, size = handle
    if offset + size + 5 > len(data):
        raise BundleError(f"block at {offset} (+{size}) runs past the end of the index ({len(data)} bytes)")
    if data[offset + size] != 0:
        raise BundleError(f"block at {offset} is compressed (type {data[offset + size]}); expected none")
    return data[offset:offset + size]


def _block_items(block: bytes) -> list[tuple[bytes, bytes]]:
    restarts = struct.unpack_from("<I", block, len(block) - 4)[0]
    end = len(block) - 4 - 4 * restarts
    items, key, pos = [], b"", 0
    while pos < end:
        shared, pos = _varint(block, pos)
        fresh, pos = _varint(block, pos)
        length, pos = _varint(block, pos)
        key = key[:shared] + block[pos:pos + fresh]
        pos += fresh
        items.append((key, block[pos:pos + length]))
        pos += length
    return items


def _handle(value: bytes) -> tuple[int, int]:
    offset, pos = _varint(value, 0)
    size, _ = _varint(value, pos)
    return offset, size


def read_index(path: Path) -> dict[str, BundleEntry]:
    """Tensor name -> entry, from a ``.index`` file."""
    data = Path(path).read_bytes()
    if len(data) < FOOTER_BYTES or struct.unpack_from("<Q", data, len(data) - 8)[0] != MAGIC:
        raise BundleError(f"{path} is not a TensorFlow checkpoint index (no table magic number at its end)")
    footer = data[-FOOTER_BYTES:]
    _, pos = _varint(footer, _varint(footer, 0)[1])  # skip the metaindex handle
    index_offset, pos = _varint(footer, pos)
    index_size, _ = _varint(footer, pos)
    entries: dict[str, BundleEntry] = {}
    for _, handle in _block_items(_block(data, (index_offset, index_size))):
        for key, value in _block_items(_block(data, _handle(handle))):
            if key:  # the empty key is the BundleHeaderProto
                entries[key.decode()] = _entry(key.decode(), value)
    return entries


def read_bundle(prefix: Path | str) -> dict[str, np.ndarray]:
    """Every tensor of the checkpoint ``prefix`` (the path without ``.index``) as a numpy array."""
    prefix = Path(prefix)
    index, data_path = Path(f"{prefix}.index"), Path(f"{prefix}.data-00000-of-00001")
    for p in (index, data_path):
        if not p.is_file():
            raise BundleError(f"checkpoint file {p} is missing; expected {prefix}.index beside "
                              f"{prefix}.data-00000-of-00001")
    raw = np.memmap(data_path, dtype=np.uint8, mode="r")
    out = {}
    for name, e in read_index(index).items():
        if e.shard != 0:
            raise BundleError(f"tensor {name!r} is in shard {e.shard}; only single-shard checkpoints are supported")
        if e.dtype not in DTYPES:
            raise BundleError(f"tensor {name!r} has TensorFlow dtype code {e.dtype}, which this reader does not "
                              f"support (supported: {sorted(DTYPES)})")
        dtype = np.dtype(DTYPES[e.dtype]).newbyteorder("<")
        expected = int(np.prod(e.shape, dtype=np.int64)) * dtype.itemsize
        if e.size != expected or e.offset + e.size > raw.size:
            raise BundleError(f"tensor {name!r}: {e.size} bytes at {e.offset} do not fit shape {e.shape} of "
                              f"{dtype} ({expected} bytes) in a {raw.size}-byte data file")
        out[name] = np.frombuffer(raw[e.offset:e.offset + e.size].tobytes(), dtype).reshape(e.shape).copy()
    return out


# ---- writing (tests build tiny checkpoints with it) ----------------------------------------------

def _entry_bytes(dtype: int, shape: tuple[int, ...], offset: int, size: int, crc: int) -> bytes:
    dims = b"".join(b"\x12" + _put_varint(len(d)) + d for d in (b"\x08" + _put_varint(s) for s in shape))
    out = b"\x08" + _put_varint(dtype) + b"\x12" + _put_varint(len(dims)) + dims
    if offset:
        out += b"\x20" + _put_varint(offset)
    return out + b"\x28" + _put_varint(size) + b"\x35" + struct.pack("<I", crc)


def _block_bytes(items: list[tuple[bytes, bytes]], restart_every: int = 16) -> bytes:
    out, restarts, last = bytearray(), [], b""
    for i, (key, value) in enumerate(items):
        shared = 0
        if i % restart_every == 0:
            restarts.append(len(out))
        else:
            while shared < min(len(key), len(last)) and key[shared] == last[shared]:
                shared += 1
        out += _put_varint(shared) + _put_varint(len(key) - shared) + _put_varint(len(value))
        out += key[shared:] + value
        last = key
    for r in restarts or [0]:
        out += struct.pack("<I", r)
    return bytes(out + struct.pack("<I", len(restarts or [0])))


def write_bundle(prefix: Path | str, tensors: dict[str, np.ndarray], block_entries: int = 4) -> None:
    """Write ``tensors`` as a tensor bundle (data blocks of ``block_entries`` entries, crc fields left 0)."""
    prefix = Path(prefix)
    data, items = bytearray(), [(b"", b"\x08\x01")]  # header: num_shards = 1
    for name in sorted(tensors):
        a = np.array(tensors[name], order="C")  # ascontiguousarray would make a scalar 1-d
        if a.dtype not in DTYPE_CODES:
            raise BundleError(f"cannot write dtype {a.dtype} for {name!r}")
        raw = a.astype(a.dtype.newbyteorder("<")).tobytes()
        items.append((name.encode(), _entry_bytes(DTYPE_CODES[a.dtype], a.shape, len(data), len(raw), 0)))
        data += raw
    table, index_items = bytearray(), []
    for start in range(0, len(items), block_entries):
        chunk = items[start:start + block_entries]
        block = _block_bytes(chunk)
        index_items.append((chunk[-1][0], _put_varint(len(table)) + _put_varint(len(block))))
        table += block + b"\x00\x00\x00\x00\x00"
    meta = _block_bytes([])
    meta_handle = _put_varint(len(table)) + _put_varint(len(meta))
    table += meta + b"\x00" * 5
    index = _block_bytes(index_items, restart_every=1)
    index_handle = _put_varint(len(table)) + _put_varint(len(index))
    table += index + b"\x00" * 5
    footer = (meta_handle + index_handle).ljust(FOOTER_BYTES - 8, b"\x00") + struct.pack("<Q", MAGIC)
    Path(f"{prefix}.index").write_bytes(bytes(table + footer))
    Path(f"{prefix}.data-00000-of-00001").write_bytes(bytes(data))
