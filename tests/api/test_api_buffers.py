"""AllowSharedBufferSource arguments: what *validate buffer with descriptor*
accepts and rejects, for writeTensor, constant(), createConstantTensor and
readTensor(tensor, outputData) (#api-mlcontext, appendix
#appendices-mloperanddatatype-arraybufferview-compatibility).

Python's counterparts: bytes/bytearray (an ArrayBuffer: any data type), NumPy
arrays and memoryviews/array.arrays (typed views: the matching element type,
or uint8 for any data type; uint16 bits for float16, as the spec's note
allows)."""

from __future__ import annotations

import array
import struct

import numpy as np
import pytest
from apitest_helpers import raises, tdesc

import webnnpy

# array.array typecodes of the matching element types
TYPECODE = {"float32": "f", "int32": "i", "uint32": "I", "int64": "q",
            "uint64": "Q", "int8": "b", "uint8": "B", "float16": "H"}
VALUES = {"float32": [1.5, -2.0, 0.25], "int32": [-7, 2**31 - 1, 0],
          "uint32": [2**32 - 1, 0, 5], "int64": [-(2**63), 2**53 + 1, 3],
          "uint64": [2**64 - 1, 2**63, 4], "int8": [-128, 127, 0],
          "uint8": [255, 0, 9], "float16": [1.0, -2.0, 65504.0]}
F16_BITS = [0x3C00, 0xC000, 0x7BFF]  # 1.0, -2.0, 65504.0 (IEEE binary16)


def _packed(dtype: str) -> bytes:
    """The little-endian bytes of VALUES[dtype], packed by hand with struct."""
    if dtype == "float16":
        return struct.pack("<3H", *F16_BITS)
    fmt = {"float32": "f", "int32": "i", "uint32": "I", "int64": "q",
           "uint64": "Q", "int8": "b", "uint8": "B"}[dtype]
    return struct.pack(f"<3{fmt}", *VALUES[dtype])


@pytest.fixture
def ctx(ref_context):
    return ref_context


def _rw(ctx, dtype: str, shape=(3,)):
    return ctx.create_tensor(tdesc(dtype, shape, readable=True, writable=True))


def _sources(dtype: str) -> dict[str, object]:
    raw = _packed(dtype)
    typed = array.array(TYPECODE[dtype], raw)
    return {
        "bytes": raw,
        "bytearray": bytearray(raw),
        "memoryview(bytes)": memoryview(raw),
        "memoryview(typed)": memoryview(typed),
        "array.array": typed,
        "ndarray uint8": np.frombuffer(raw, np.uint8),
        "ndarray 2-D": np.frombuffer(raw, np.uint8).reshape(1, -1),
    }


@pytest.mark.parametrize("dtype", sorted(VALUES))
@pytest.mark.parametrize("kind", list(_sources("int8")))
def test_buffer_kinds_accepted(ctx, dtype, kind) -> None:
    src = _sources(dtype)[kind]
    want = VALUES[dtype]
    t = _rw(ctx, dtype)
    ctx.write_tensor(t, src)
    assert ctx.read_tensor(t).tolist() == want
    c = ctx.create_constant_tensor(tdesc(dtype, [3]), src)
    b = webnnpy.MLGraphBuilder(ctx)
    g = b.build({"c": b.identity(b.constant(c)),
                 "d": b.identity(b.constant(tdesc(dtype, [3]), src))})
    out = ctx.compute(g, {})
    assert out["c"].tolist() == want and out["d"].tolist() == want


def test_typecode_sizes_are_as_assumed() -> None:
    for dtype, code in TYPECODE.items():
        size = 2 if dtype == "float16" else np.dtype(dtype).itemsize
        assert array.array(code).itemsize == size, dtype


def test_non_contiguous_array_is_read_in_logical_order(ctx) -> None:
    base = np.array([[1, 2], [3, 4], [5, 6]], np.int32)
    t = _rw(ctx, "int32")
    ctx.write_tensor(t, base[:, 1])  # a strided view: 2, 4, 6
    assert ctx.read_tensor(t).tolist() == [2, 4, 6]


def test_shape_of_the_buffer_does_not_matter(ctx) -> None:
    t = _rw(ctx, "float32", (2, 2))
    ctx.write_tensor(t, np.array([1, 2, 3, 4], np.float32))  # only bytes count
    assert ctx.read_tensor(t).tolist() == [[1, 2], [3, 4]]


@pytest.mark.parametrize(("src", "fragments"), [
    ([1.0, 2.0, 3.0], ("expected a buffer", "list")),
    ("abc", ("expected a buffer", "str")),
    (None, ("expected a buffer", "NoneType")),
    (3.0, ("expected a buffer", "float")),
])
def test_non_buffers_rejected(ctx, src, fragments) -> None:
    t = _rw(ctx, "float32")
    with raises(TypeError, "write_tensor", *fragments):
        ctx.write_tensor(t, src)
    with raises(TypeError, "constant", *fragments):
        webnnpy.MLGraphBuilder(ctx).constant(tdesc("float32", [3]), src)


@pytest.mark.parametrize(("dtype", "src", "bad"), [
    ("float32", array.array("d", [1.0, 2.0]), "float64"),  # 16 bytes vs 12
    ("float32", np.zeros(3, ">f4"), ">f4"),  # not the platform's Float32Array
    ("float16", array.array("h", [1, 2, 3]), "int16"),
    ("int32", np.zeros(3, np.uint32), "uint32"),
    ("uint64", np.zeros(3, np.int64), "int64"),
    ("int8", np.zeros(3, np.bool_), "bool"),
    ("uint32", np.zeros(3, np.float32), "float32"),
    ("int64", np.zeros(6, np.int32), "int32"),
])
def test_mismatching_view_types_rejected(ctx, dtype, src, bad) -> None:
    n = 3 * (2 if dtype == "float16" else np.dtype(dtype).itemsize)
    if memoryview(src).nbytes != n:
        with raises(TypeError, "write_tensor", "bytes"):
            ctx.write_tensor(_rw(ctx, dtype), src)
        return
    with raises(TypeError, "write_tensor", bad, dtype):
        ctx.write_tensor(_rw(ctx, dtype), src)
    with raises(TypeError, "create_constant_tensor", bad, dtype):
        ctx.create_constant_tensor(tdesc(dtype, [3]), src)


def test_uint16_only_for_float16(ctx) -> None:
    with raises(TypeError, "write_tensor", "uint16", "int8"):
        ctx.write_tensor(_rw(ctx, "int8", (6,)), np.zeros(3, np.uint16))


# ------------------------------------- readTensor(tensor, outputData)


@pytest.fixture
def filled(ctx):
    t = _rw(ctx, "int32")
    ctx.write_tensor(t, np.array([10, -20, 30], np.int32))
    return t


WANT = struct.pack("<3i", 10, -20, 30)


def test_read_into_numpy(ctx, filled) -> None:
    out = np.zeros(3, np.int32)
    assert ctx.read_tensor(filled, out) is None
    assert out.tolist() == [10, -20, 30]
    out2 = np.zeros((1, 3), np.int32)  # any shape of the right byte length
    ctx.read_tensor(filled, out2)
    assert out2.tolist() == [[10, -20, 30]]


@pytest.mark.parametrize("make", [
    lambda: bytearray(12),
    lambda: memoryview(bytearray(12)),
    lambda: array.array("i", [0, 0, 0]),
    lambda: array.array("B", bytes(12)),
    lambda: np.zeros(12, np.uint8),
])
def test_read_into_writable_buffers(ctx, filled, make) -> None:
    out = make()
    ctx.read_tensor(filled, out)
    assert bytes(memoryview(out).cast("B")) == WANT


def test_read_into_a_slice_of_a_larger_buffer(ctx, filled) -> None:
    big = bytearray(b"\xff" * 20)
    ctx.read_tensor(filled, memoryview(big)[4:16])
    assert bytes(big[4:16]) == WANT
    assert big[:4] == b"\xff" * 4 and big[16:] == b"\xff" * 4  # untouched


@pytest.mark.parametrize(("make", "fragments"), [
    (lambda: np.zeros(2, np.int32), ("8 bytes", "int32[3]", "12")),
    (lambda: bytearray(13), ("13 bytes", "12")),
    (lambda: np.zeros(3, np.float32), ("float32", "int32")),
    (lambda: array.array("I", [0, 0, 0]), ("uint32", "int32")),
    (lambda: bytes(12), ("read-only",)),
    (lambda: np.zeros(6, np.int32)[::2], ("C-contiguous",)),
    (lambda: [0, 0, 0], ("expected a buffer", "list")),
])
def test_read_into_bad_buffers(ctx, filled, make, fragments) -> None:
    with raises(TypeError, "read_tensor", *fragments):
        ctx.read_tensor(filled, make())


def test_read_into_rejected_buffer_is_untouched(ctx, filled) -> None:
    out = np.full(4, 7, np.int32)
    with pytest.raises(TypeError):
        ctx.read_tensor(filled, out)
    assert out.tolist() == [7, 7, 7, 7]
