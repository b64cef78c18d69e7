"""Reads an Arrow IPC file into pandas without pyarrow (which the Debian numpy/pandas
packages do not bring along): a small reader of the file format (the footer, the schema
and the record batches; flatbuffers decoded by hand) for the column types the benchmark
suites write: int8/16/32/64, float32/64, bool and utf8, uncompressed, without nulls.
Numeric columns are views of the memory-mapped file (no copy); utf8 is decoded to
Python strings, as pandas keeps them. With pyarrow installed, pyarrow reads the file.
"""
import mmap
import struct

import numpy as np
import pandas as pd

MAGIC = b"ARROW1"
# Type union tags of Schema.fbs.
INT, FLOATING_POINT, UTF8, BOOL = 2, 3, 5, 6
# Message header union tags of Message.fbs.
RECORD_BATCH = 3


class Table:
    """A flatbuffers table at `pos` of `buf`."""

    def __init__(self, buf, pos):
        self.buf = buf
        self.pos = pos
        self.vtable = pos - struct.unpack_from("<i", buf, pos)[0]
        self.vtable_size = struct.unpack_from("<H", buf, self.vtable)[0]

    def _offset(self, field):
        at = 4 + 2 * field
        return struct.unpack_from("<H", self.buf, self.vtable + at)[0] if at < self.vtable_size else 0

    def scalar(self, field, fmt, default=0):
        off = self._offset(field)
        return struct.unpack_from("<" + fmt, self.buf, self.pos + off)[0] if off else default

    def _target(self, field):
        off = self._offset(field)
        if not off:
            return None
        at = self.pos + off
        return at + struct.unpack_from("<I", self.buf, at)[0]

    def table(self, field):
        at = self._target(field)
        return None if at is None else Table(self.buf, at)

    def string(self, field):
        at = self._target(field)
        n = struct.unpack_from("<I", self.buf, at)[0]
        return bytes(self.buf[at + 4 : at + 4 + n]).decode("utf-8")

    def vector(self, field):
        """(position of the first element, element count); (0, 0) when absent."""
        at = self._target(field)
        return (0, 0) if at is None else (at + 4, struct.unpack_from("<I", self.buf, at)[0])

    def tables(self, field):
        start, n = self.vector(field)
        return [Table(self.buf, start + 4 * i + struct.unpack_from("<I", self.buf, start + 4 * i)[0]) for i in range(n)]


def _root(buf, pos):
    return Table(buf, pos + struct.unpack_from("<I", buf, pos)[0])


def _field_dtype(field):
    kind = field.scalar(2, "B")
    t = field.table(3)
    if kind == INT:
        width, signed = t.scalar(0, "i"), t.scalar(1, "?")
        return np.dtype(("i" if signed else "u") + str(width // 8))
    if kind == FLOATING_POINT:
        return np.dtype({0: "f2", 1: "f4", 2: "f8"}[t.scalar(0, "h")])
    if kind in (UTF8, BOOL):
        return kind
    raise ValueError(f"arrow_ipc: column '{field.string(0)}' has type tag {kind}; expected int, float, bool or utf8")


def _read_file_without_pyarrow(path):
    with open(path, "rb") as f:
        buf = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    if buf[:6] != MAGIC or buf[-6:] != MAGIC:
        raise ValueError(f"arrow_ipc: {path} is not an Arrow IPC file")
    footer_size = struct.unpack_from("<i", buf, len(buf) - 10)[0]
    footer = _root(buf, len(buf) - 10 - footer_size)
    fields = footer.table(1).tables(1)
    names = [f.string(0) for f in fields]
    kinds = [_field_dtype(f) for f in fields]
    if any(f.table(4) is not None for f in fields):
        raise ValueError("arrow_ipc: dictionary-encoded columns are not supported; write utf8")
    parts = {n: [] for n in names}
    start, count = footer.vector(3)
    for b in range(count):
        offset, meta_len, body_len = struct.unpack_from("<qi4xq", buf, start + 24 * b)
        meta_at = offset + 8 if struct.unpack_from("<I", buf, offset)[0] == 0xFFFFFFFF else offset + 4
        message = _root(buf, meta_at)
        if message.scalar(1, "B") != RECORD_BATCH:
            continue
        batch = message.table(2)
        if batch.table(3) is not None:
            raise ValueError("arrow_ipc: compressed record batches are not supported")
        body = offset + meta_len
        n_rows = batch.scalar(0, "q")
        nodes_at, _ = batch.vector(1)
        buffers_at, _ = batch.vector(2)
        buffer = lambda i: struct.unpack_from("<qq", buf, buffers_at + 16 * i)
        k = 0
        for j, (name, kind) in enumerate(zip(names, kinds)):
            if struct.unpack_from("<q", buf, nodes_at + 16 * j + 8)[0] != 0:
                raise ValueError(f"arrow_ipc: column '{name}' has nulls; not supported")
            if kind == UTF8:
                (o_at, _), (d_at, d_len) = buffer(k + 1), buffer(k + 2)
                offsets = np.frombuffer(buf, np.int32, n_rows + 1, body + o_at)
                text = bytes(buf[body + d_at : body + d_at + d_len])
                parts[name].append(np.array([text[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_rows)], dtype=object))
                k += 3
            elif kind == BOOL:
                d_at, _ = buffer(k + 1)
                bits = np.frombuffer(buf, np.uint8, (n_rows + 7) // 8, body + d_at)
                parts[name].append(np.unpackbits(bits, bitorder="little")[:n_rows].astype(bool))
                k += 2
            else:
                d_at, _ = buffer(k + 1)
                parts[name].append(np.frombuffer(buf, kind, n_rows, body + d_at))
                k += 2
    return pd.DataFrame({n: (p[0] if len(p) == 1 else np.concatenate(p)) for n, p in parts.items()}, copy=False)


def read_arrow_file(path):
    """The file as a DataFrame, and which reader read it."""
    try:
        import pyarrow.ipc
    except ImportError:
        return _read_file_without_pyarrow(path), "bench/peers/arrow_ipc.py"
    with pyarrow.ipc.open_file(path) as reader:
        return reader.read_pandas(), f"pyarrow {pyarrow.__version__}"
