"""All 8 MLOperandDataTypes through input/constant/writeTensor/readTensor/
dispatch round trips, and constant(dataType, value) with the spec's cast
(#api-mloperanddescriptor, #api-mlgraphbuilder-constant-datatype-value,
#algorithms-casting).  Expected values are written out by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest
from apitest_helpers import DTYPES, tdesc

import webnnpy

# Per data type: values that stress the type (extremes, 64-bit integers past
# 2**53, float16 subnormals...), 8 of each, used as shape [2, 4].
VALUES: dict[str, list] = {
    "float32": [0.0, -0.0, 1.5, -3.25, 3.4028234663852886e38, 2.0**-149,
                math.inf, -math.inf],
    "float16": [0.0, -0.0, 65504.0, -65504.0, 2.0**-24, 0.333251953125,
                math.inf, 1.0009765625],
    "int32": [0, -1, 2**31 - 1, -(2**31), 123456789, -987654321, 7, 8],
    "uint32": [0, 1, 2**32 - 1, 2**31, 3000000000, 65536, 9, 10],
    "int64": [0, -1, 2**63 - 1, -(2**63), 2**53 + 1, -(2**53 + 1), 2**62 + 3, 11],
    "uint64": [0, 1, 2**64 - 1, 2**63, 2**53 + 1, 2**63 + 5, 12, 13],
    "int8": [0, -1, 127, -128, 100, -100, 14, 15],
    "uint8": [0, 1, 255, 128, 200, 16, 17, 18],
}


def _expected(dtype: str) -> np.ndarray:
    return np.array(VALUES[dtype], dtype=dtype).reshape(2, 4)


def _assert_same(actual: np.ndarray, dtype: str) -> None:
    exp = _expected(dtype)
    assert actual.dtype == np.dtype(dtype), f"{actual.dtype} != {dtype}"
    assert actual.shape == (2, 4)
    # bit-exact (also keeps -0.0 apart from +0.0)
    assert actual.tobytes() == exp.tobytes(), f"\n{actual!r}\n{exp!r}"
    # and the values themselves, to be sure the data was not reinterpreted
    assert actual.reshape(-1).tolist() == exp.reshape(-1).tolist()


@pytest.mark.parametrize("dtype", DTYPES)
def test_values_are_representable(dtype) -> None:
    # the test's own data: every value fits its type exactly
    arr = _expected(dtype)
    for got, want in zip(arr.reshape(-1).tolist(), VALUES[dtype], strict=True):
        assert got == want or (math.isnan(got) and math.isnan(want))


@pytest.mark.parametrize("dtype", DTYPES)
def test_input_write_dispatch_read(ref_context, dtype) -> None:
    ctx = ref_context
    b = webnnpy.MLGraphBuilder(ctx)
    x = b.input("x", tdesc(dtype, [2, 4]))
    assert x.data_type == dtype
    g = b.build({"y": b.identity(x)})
    xt = ctx.create_tensor(tdesc(dtype, [2, 4], writable=True))
    yt = ctx.create_tensor(tdesc(dtype, [2, 4], readable=True))
    assert (xt.data_type, yt.data_type) == (dtype, dtype)
    ctx.write_tensor(xt, _expected(dtype))
    ctx.dispatch(g, {"x": xt}, {"y": yt})
    _assert_same(ctx.read_tensor(yt), dtype)
    out = np.empty((2, 4), dtype)
    ctx.read_tensor(yt, out)
    _assert_same(out, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_write_read_without_a_graph(ref_context, dtype) -> None:
    t = ref_context.create_tensor(tdesc(dtype, [2, 4], readable=True,
                                        writable=True))
    ref_context.write_tensor(t, _expected(dtype))
    _assert_same(ref_context.read_tensor(t), dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_constant_buffer(ref_context, dtype) -> None:
    b = webnnpy.MLGraphBuilder(ref_context)
    c = b.constant(tdesc(dtype, [2, 4]), _expected(dtype))
    assert (c.data_type, c.shape) == (dtype, (2, 4))
    g = b.build({"y": b.identity(c)})
    _assert_same(ref_context.compute(g, {})["y"], dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_constant_tensor(ref_context, dtype) -> None:
    t = ref_context.create_constant_tensor(tdesc(dtype, [2, 4]), _expected(dtype))
    assert t.data_type == dtype
    b = webnnpy.MLGraphBuilder(ref_context)
    g = b.build({"y": b.identity(b.constant(t))})
    _assert_same(ref_context.compute(g, {})["y"], dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_uint8_views_of_the_bytes(ref_context, dtype) -> None:
    raw = _expected(dtype).view(np.uint8)  # a Uint8Array over the same bytes
    t = ref_context.create_tensor(tdesc(dtype, [2, 4], readable=True,
                                        writable=True))
    ref_context.write_tensor(t, raw)
    _assert_same(ref_context.read_tensor(t), dtype)
    b = webnnpy.MLGraphBuilder(ref_context)
    g = b.build({"y": b.identity(b.constant(tdesc(dtype, [2, 4]), raw))})
    _assert_same(ref_context.compute(g, {})["y"], dtype)
    out = np.zeros(raw.size, np.uint8)  # read back into a byte buffer
    ref_context.read_tensor(t, out)
    assert out.tobytes() == _expected(dtype).tobytes()


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("other", DTYPES)
def test_mismatching_element_type_rejected(ref_context, dtype, other) -> None:
    if other in (dtype, "uint8"):
        return  # the matching view type, and Uint8Array, are accepted
    n = 8 * np.dtype(dtype).itemsize // np.dtype(other).itemsize
    wrong = np.zeros(n, other)  # the right byte length, the wrong view type
    assert wrong.nbytes == _expected(dtype).nbytes
    t = ref_context.create_tensor(tdesc(dtype, [2, 4], readable=True,
                                        writable=True))
    with pytest.raises(TypeError, match=f"write_tensor.*{other}.*{dtype}"):
        ref_context.write_tensor(t, wrong)
    with pytest.raises(TypeError, match=f"read_tensor.*{other}.*{dtype}"):
        ref_context.read_tensor(t, wrong)
    b = webnnpy.MLGraphBuilder(ref_context)
    with pytest.raises(TypeError, match=f"constant.*{other}.*{dtype}"):
        b.constant(tdesc(dtype, [2, 4]), wrong)
    with pytest.raises(TypeError, match=f"create_constant_tensor.*{other}.*{dtype}"):
        ref_context.create_constant_tensor(tdesc(dtype, [2, 4]), wrong)


@pytest.mark.parametrize("dtype", DTYPES)
def test_mismatching_byte_length_rejected(ref_context, dtype) -> None:
    t = ref_context.create_tensor(tdesc(dtype, [2, 4], readable=True,
                                        writable=True))
    size = np.dtype(dtype).itemsize
    for n in (7, 9):
        bad = np.zeros(n, dtype)
        want = f"{n * size} bytes.*{dtype}\\[2, 4\\].*{8 * size}"
        with pytest.raises(TypeError, match=f"write_tensor.*{want}"):
            ref_context.write_tensor(t, bad)
        with pytest.raises(TypeError, match=f"read_tensor.*{want}"):
            ref_context.read_tensor(t, bad)
        with pytest.raises(TypeError, match=f"constant.*{want}"):
            webnnpy.MLGraphBuilder(ref_context).constant(tdesc(dtype, [2, 4]), bad)
    with pytest.raises(TypeError, match=r"write_tensor.*bytes"):
        ref_context.write_tensor(t, bytes(8 * size - 1))  # raw bytes too


def test_float16_stays_float16(ref_context) -> None:
    # float16 data is float16 end to end, never widened
    t = ref_context.create_tensor(tdesc("float16", [3], readable=True,
                                        writable=True))
    ref_context.write_tensor(t, np.array([0.1, 65504, -2.0**-24], np.float16))
    out = ref_context.read_tensor(t)
    assert out.dtype == np.float16
    # float16(0.1) = 1638 * 2**-14 = 0.0999755859375
    assert out.tolist() == [0.0999755859375, 65504.0, -(2.0**-24)]
    # raw float16 bits as uint16 (the spec's note: Uint16Array may stand in)
    bits = np.array([0x3C00, 0xC000, 0x7BFF], np.uint16)  # 1.0, -2.0, 65504
    ref_context.write_tensor(t, bits)
    assert ref_context.read_tensor(t).tolist() == [1.0, -2.0, 65504.0]
    got = np.zeros(3, np.uint16)
    ref_context.read_tensor(t, got)
    assert got.tolist() == [0x3C00, 0xC000, 0x7BFF]


# --------------------------------------------- constant(dataType, MLNumber)

# (data type, value, expected): the spec's cast, computed by hand.
SCALARS = [
    # 64-bit integers beyond 2**53 stay exact (MLNumber is a bigint here)
    ("int64", 2**53 + 1, 9007199254740993),
    ("int64", 2**62 + 1, 4611686018427387905),
    ("int64", 2**63 - 1, 9223372036854775807),
    ("int64", -(2**63), -9223372036854775808),
    ("int64", 2**63, 9223372036854775807),  # saturates
    ("int64", -(2**63) - 1, -9223372036854775808),
    ("int64", 2**100, 9223372036854775807),
    ("uint64", 2**64 - 1, 18446744073709551615),
    ("uint64", 2**63 + 1, 9223372036854775809),
    ("uint64", 2**64, 18446744073709551615),
    ("uint64", -1, 0),
    ("int64", 2.0**63, 9223372036854775807),  # a double: clamped
    ("uint64", 2.0**64, 18446744073709551615),
    ("int64", -1e300, -9223372036854775808),
    # round half to even after clamping
    ("int32", 2.5, 2), ("int32", 3.5, 4), ("int32", -2.5, -2), ("int32", -3.5, -4),
    ("int32", 0.49999999999999994, 0), ("int32", 1e10, 2147483647),
    ("int32", -1e10, -2147483648), ("int32", math.nan, 0),
    ("int32", math.inf, 2147483647), ("int32", -math.inf, -2147483648),
    ("uint8", 254.5, 254), ("uint8", 255.5, 255), ("uint8", 300, 255),
    ("uint8", -0.5, 0), ("uint8", -1, 0), ("uint8", 1.5, 2),
    ("int8", -128.5, -128), ("int8", 126.5, 126), ("int8", 127.4, 127),
    ("int8", -1000, -128),
    ("uint32", 2**32 - 1, 4294967295), ("uint32", 2**31, 2147483648),
    ("uint32", 4294967295.5, 4294967295), ("uint32", -7, 0),
    ("uint64", 0.5, 0), ("uint64", 1.5, 2),
    # floats: nearest, ties to even, overflow to infinity
    ("float32", 16777217, 16777216.0), ("float32", 16777219, 16777220.0),
    ("float32", 0.1, 0.100000001490116119384765625),
    ("float32", 2**128, math.inf), ("float32", -(2**200), -math.inf),
    ("float32", 2**128 - 2**103, math.inf),  # the midpoint: even is 2**128
    ("float32", 2**128 - 2**103 - 1, 3.4028234663852886e38),
    ("float32", 2**1030, math.inf), ("float32", 1e300, math.inf),
    ("float32", 1e-46, 0.0),
    ("float16", 2049, 2048.0), ("float16", 2051, 2052.0),
    ("float16", 65519, 65504.0), ("float16", 65520, math.inf),
    ("float16", -65520.0, -math.inf), ("float16", 1 / 3, 0.333251953125),
    ("float16", 2.0**-25, 0.0), ("float16", 2.0**-25 + 2.0**-40, 2.0**-24),
    ("float16", 1e-10, 0.0),
]


@pytest.mark.parametrize(("dtype", "value", "expected"), SCALARS)
def test_constant_scalar_cast(ref_context, dtype, value, expected) -> None:
    b = webnnpy.MLGraphBuilder(ref_context)
    c = b.constant(dtype, value)
    assert (c.data_type, c.shape) == (dtype, ())
    g = b.build({"y": b.identity(c)})
    y = ref_context.compute(g, {})["y"]
    assert y.dtype == np.dtype(dtype) and y.shape == ()
    got = y.item()
    assert type(got) is (float if dtype.startswith("float") else int)
    assert got == expected, f"cast({value!r}, {dtype}) = {got!r}, want {expected!r}"


@pytest.mark.parametrize(("dtype", "value", "negative"), [
    ("float32", -1e-46, True), ("float16", -(2.0**-26), True),
    ("float32", -0.0, True), ("float16", 0.0, False), ("float32", 0, False),
])
def test_constant_scalar_signed_zero(ref_context, dtype, value, negative) -> None:
    # "If y is +0 and x is negative, then return -0"
    b = webnnpy.MLGraphBuilder(ref_context)
    g = b.build({"y": b.identity(b.constant(dtype, value))})
    y = ref_context.compute(g, {})["y"].item()
    assert y == 0.0 and math.copysign(1.0, y) == (-1.0 if negative else 1.0)


def test_constant_scalar_nan_stays_nan(ref_context) -> None:
    for dtype in ("float32", "float16"):
        b = webnnpy.MLGraphBuilder(ref_context)
        g = b.build({"y": b.identity(b.constant(dtype, math.nan))})
        assert math.isnan(ref_context.compute(g, {})["y"].item())


def test_constant_scalar_negative_zero_to_integer(ref_context) -> None:
    b = webnnpy.MLGraphBuilder(ref_context)
    g = b.build({"y": b.identity(b.constant("int32", -0.0))})
    assert ref_context.compute(g, {})["y"].item() == 0


def test_constant_scalar_numpy_numbers(ref_context) -> None:
    # NumPy scalars are numbers too; a uint64 NumPy value stays exact
    b = webnnpy.MLGraphBuilder(ref_context)
    c1 = b.constant("uint64", np.uint64(2**64 - 1))
    c2 = b.constant("float16", np.float32(0.5))
    g = b.build({"a": b.identity(c1), "b": b.identity(c2)})
    out = ref_context.compute(g, {})
    assert out["a"].item() == 2**64 - 1 and out["b"].item() == 0.5
