"""A model file parsed without its weights: large initializers stay in the file.

:func:`read_mapped` scans the serialized ``ModelProto`` (protobuf's wire
format: a key varint, then a varint, 8 or 4 bytes, or a length and that
many bytes) down to the main graph's initializers, and parses a copy of the
file without their ``raw_data``.  Each such initializer is then declared as
ONNX external data pointing back into the model file itself (``location``
its name, ``offset`` where its ``raw_data`` lies, ``length``), so the rest
of the importer treats it as external data; the importer maps those ranges
(:func:`webnnpy.ir.mapped.map_range`) instead of reading them, and ONNX
Runtime reads them from the file (``runtime.py``).  Nothing of the weights
is copied by the parse: ``onnx.load`` would hold them once as the parsed
message, once more as the arrays made from it.

Anything the scan does not expect (a second ``graph`` field, a group, a
varint or length running past its message) makes it give up: the caller
then parses the file as before, and protobuf reports what is wrong.
"""

from __future__ import annotations

import math
import mmap
from pathlib import Path
from typing import Any

import numpy as np
from onnx import ModelProto, TensorProto

__all__ = ["ITEMSIZE", "MIN_MAPPED_BYTES", "read_mapped"]

#: initializers with at least this many bytes of raw data stay in the file
MIN_MAPPED_BYTES = 1024

# field numbers of onnx.proto
_MODEL_GRAPH = 7
_GRAPH_INITIALIZER = 5
_TENSOR_EXTERNAL_DATA = 13
_TENSOR_DATA_LOCATION = 14
_TENSOR_RAW_DATA = 9

#: bytes per element of the element types whose raw data NumPy maps as it
#: lies (little-endian, one element after the other)
ITEMSIZE: dict[int, int] = {
    TensorProto.FLOAT: 4, TensorProto.DOUBLE: 8, TensorProto.FLOAT16: 2,
    TensorProto.INT8: 1, TensorProto.UINT8: 1, TensorProto.INT16: 2,
    TensorProto.UINT16: 2, TensorProto.INT32: 4, TensorProto.UINT32: 4,
    TensorProto.INT64: 8, TensorProto.UINT64: 8, TensorProto.BOOL: 1}


class _UnexpectedError(Exception):
    """The bytes are not what the scan handles; parse the file plainly."""


def _varint(buf: Any, pos: int, end: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if pos >= end or shift > 63:
            raise _UnexpectedError
        b = buf[pos]
        pos += 1
        value |= (b & 0x7F) << shift
        if b < 0x80:
            return value, pos
        shift += 7


def _encode_varint(v: int) -> bytes:
    out = bytearray()
    while v >= 0x80:
        out.append((v & 0x7F) | 0x80)
        v >>= 7
    out.append(v)
    return bytes(out)


def _fields(buf: Any, start: int, end: int) -> Any:
    """(field number, wire type, start of the field, start of its payload,
    end of the field) of each field of the message in ``buf[start:end]``."""
    pos = start
    while pos < end:
        first = pos
        key, pos = _varint(buf, pos, end)
        number, wire = key >> 3, key & 7
        if wire == 0:
            payload = pos
            _, pos = _varint(buf, pos, end)
        elif wire == 2:
            n, payload = _varint(buf, pos, end)
            pos = payload + n
        elif wire == 1:
            payload, pos = pos, pos + 8
        elif wire == 5:
            payload, pos = pos, pos + 4
        else:  # groups: nothing in onnx.proto
            raise _UnexpectedError
        if pos > end or number == 0:
            raise _UnexpectedError
        yield number, wire, first, payload, pos


def _message(number: int, body: bytes | bytearray) -> bytes:
    return _encode_varint(number << 3 | 2) + _encode_varint(len(body)) + bytes(body)


def _tensor_without_raw(buf: Any, start: int, end: int
                        ) -> tuple[bytearray, int, int] | None:
    """The initializer ``buf[start:end]`` without its raw data, and where
    that lies; None unless it has exactly one large ``raw_data`` and no
    external data of its own."""
    raw: list[tuple[int, int]] = []
    kept = bytearray()
    for number, wire, first, payload, after in _fields(buf, start, end):
        if number in (_TENSOR_EXTERNAL_DATA, _TENSOR_DATA_LOCATION):
            return None
        if number == _TENSOR_RAW_DATA and wire == 2:
            raw.append((payload, after - payload))
        else:
            kept += buf[first:after]
    if len(raw) != 1 or raw[0][1] < MIN_MAPPED_BYTES:
        return None
    return kept, raw[0][0], raw[0][1]


def _skeleton(buf: Any) -> tuple[bytes, list[tuple[int, int, int]]]:
    """The model without the raw data of its main graph's large
    initializers, and (initializer index, offset, length) of each."""
    end = len(buf)
    top = list(_fields(buf, 0, end))
    graphs = [f for f in top if f[0] == _MODEL_GRAPH]
    if len(graphs) != 1 or graphs[0][1] != 2:
        raise _UnexpectedError
    g_start, g_end = graphs[0][3], graphs[0][4]
    graph = bytearray()
    moved: list[tuple[int, int, int]] = []
    index = 0
    for number, wire, first, payload, after in _fields(buf, g_start, g_end):
        if number == _GRAPH_INITIALIZER and wire == 2:
            cut = _tensor_without_raw(buf, payload, after)
            if cut is None:
                graph += buf[first:after]
            else:
                kept, offset, length = cut
                graph += _message(_GRAPH_INITIALIZER, kept)
                moved.append((index, offset, length))
            index += 1
        else:
            graph += buf[first:after]
    out = bytearray()
    for number, _wire, first, _payload, after in top:
        out += _message(_MODEL_GRAPH, graph) if number == _MODEL_GRAPH \
            else buf[first:after]
    return bytes(out), moved


def read_mapped(path: Path) -> ModelProto | None:
    """The model in the file ``path`` with its main graph's large raw-data
    initializers declared as external data in that same file (see the
    module's docstring); None when the file is not one the scan handles
    (the caller parses it plainly then).  An initializer whose raw data
    does not fit its dims and data type keeps its bytes, for the importer to
    report as it would."""
    if not np.little_endian:
        return None
    try:
        with open(path, "rb") as f, mmap.mmap(f.fileno(), 0,
                                               access=mmap.ACCESS_READ) as m, \
                memoryview(m) as view:
            try:
                skeleton, moved = _skeleton(view)
            except _UnexpectedError:
                return None
            if not moved:
                return None
            proto = ModelProto()
            try:
                proto.ParseFromString(skeleton)
            except Exception:  # noqa: BLE001 - the plain parse reports it
                return None
            del skeleton
            name = path.name
            for index, offset, length in moved:
                t = proto.graph.initializer[index]
                dims = list(t.dims)
                itemsize = ITEMSIZE.get(t.data_type)
                if itemsize is None or min(dims, default=0) < 0 or \
                        math.prod(dims) * itemsize != length:
                    t.raw_data = bytes(view[offset:offset + length])
                    continue
                t.data_location = TensorProto.EXTERNAL
                for key, value in (("location", name), ("offset", str(offset)),
                                   ("length", str(length))):
                    entry = t.external_data.add()
                    entry.key, entry.value = key, value
            return proto
    except (OSError, ValueError):  # no mmap (an empty file...): parse plainly
        return None

