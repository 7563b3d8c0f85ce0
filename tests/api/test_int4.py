"""int4 / uint4, the declared extension data types (issue 14, item 3).

Raw bytes hold two elements a byte, element 2k in bits 0-3 of byte k (WPT's
resources/utils.js and Chromium write them so); NumPy arrays are ml_dtypes
int4/uint4.  Expected values are hand-computed bytes or float64 formulas
written here from the spec's definitions (dequantizeLinear, quantizeLinear,
the cast reading in apidiff.SPEC_READINGS), never the code under test.
"""

from __future__ import annotations

import math

import ml_dtypes
import numpy as np
import pytest

import webnnpy
from webnnpy.dtypes import INT4_OPERANDS, pack_int4, unpack_int4
from webnnpy.ir.descriptor import Desc

I4, U4 = np.dtype(ml_dtypes.int4), np.dtype(ml_dtypes.uint4)


def _need_int4(ctx: webnnpy.MLContext) -> None:
    if "int4" not in ctx.op_support_limits()["input"]["data_types"]:
        pytest.skip(f"{ctx.backend}: its opSupportLimits() leaves int4 out")


def _wrap4(x: int, signed: bool) -> int:
    """The low 4 bits of x, as a signed or unsigned 4-bit integer."""
    v = x & 0xF
    return v - 16 if signed and v >= 8 else v


# ------------------------------------------------------------- packing


def test_pack_matches_hand_computed_bytes() -> None:
    # the examples of WPT's resources/utils.js, computed by hand
    assert pack_int4(list(range(1, 11)), "uint4").tobytes() == bytes(
        [0x21, 0x43, 0x65, 0x87, 0xA9])
    assert pack_int4(list(range(-7, 3)), "int4").tobytes() == bytes(
        [0xA9, 0xCB, 0xED, 0x0F, 0x21])
    # odd count: the last byte's high nibble is 0
    assert pack_int4([-8, 7, -1], "int4").tobytes() == bytes([0x78, 0x0F])
    assert pack_int4(np.array([-8, 7, -1], I4), "int4").tobytes() == bytes(
        [0x78, 0x0F])


def test_unpack_ignores_the_unused_nibble() -> None:
    a = unpack_int4(bytes([0x21, 0xF3]), "uint4", (3,))
    assert a.dtype == U4 and a.astype(np.int64).tolist() == [1, 2, 3]
    b = unpack_int4(bytes([0xA9, 0xCB, 0xED, 0x0F, 0x21]), "int4", (2, 5))
    assert b.dtype == I4
    assert b.astype(np.int64).tolist() == [[-7, -6, -5, -4, -3], [-2, -1, 0, 1, 2]]


def test_byte_length_is_half_rounded_up() -> None:
    assert Desc("int4", (3,)).byte_length == 2
    assert Desc("uint4", (2, 2)).byte_length == 2
    assert Desc("int4", ()).byte_length == 1
    assert Desc("int8", (3,)).byte_length == 3


# ------------------------------------------------------ constants, tensors


def test_constants_and_identity_like_reshape(context: webnnpy.MLContext) -> None:
    _need_int4(context)
    b = webnnpy.MLGraphBuilder(context)
    packed = b.constant({"data_type": "int4", "shape": [3]}, bytes([0x78, 0x0F]))
    arr = b.constant(np.array([[1, -2], [3, -4]], I4))
    scalar_hi = b.constant("int4", 9)  # the spec's cast clamps: 7
    scalar_lo = b.constant("uint4", -1)  # 0
    assert packed.data_type == "int4" and arr.shape == (2, 2)
    g = b.build({"p": b.reshape(packed, [3, 1]), "a": b.reshape(arr, [4]),
                 "h": b.reshape(scalar_hi, [1]), "l": b.reshape(scalar_lo, [1])})
    r = context.compute(g, {})
    assert r["p"].dtype == I4 and r["p"].astype(int).tolist() == [[-8], [7], [-1]]
    assert r["a"].astype(int).tolist() == [1, -2, 3, -4]
    assert r["h"].astype(int).tolist() == [7]
    assert r["l"].dtype == U4 and r["l"].astype(int).tolist() == [0]


def test_tensor_write_and_read(context: webnnpy.MLContext) -> None:
    _need_int4(context)
    t = context.create_tensor({"data_type": "int4", "shape": [5], "readable": True,
                               "writable": True})
    context.write_tensor(t, bytes([0x78, 0x9F, 0x01]))  # -8 7 -1 -7 1
    got = context.read_tensor(t)
    assert got.dtype == I4 and got.astype(int).tolist() == [-8, 7, -1, -7, 1]
    out = bytearray(b"\xff\xff\xff")
    assert context.read_tensor(t, out) is None
    assert bytes(out) == bytes([0x78, 0x9F, 0x01])  # unused nibble written as 0
    context.write_tensor(t, np.array([0, 1, 2, 3, -4], I4))
    view = np.zeros(5, I4)
    context.read_tensor(t, view)
    assert view.astype(int).tolist() == [0, 1, 2, 3, -4]
    u = context.create_constant_tensor({"data_type": "uint4", "shape": [2]},
                                       bytes([0xF0]))
    b = webnnpy.MLGraphBuilder(context)
    g = b.build({"o": b.cast(b.constant(u), "int32")})
    assert context.compute(g, {})["o"].tolist() == [0, 15]


# ---------------------------------------------------------------- cast


def test_cast_integers_keep_the_low_bits(context: webnnpy.MLContext) -> None:
    _need_int4(context)
    xs = [0, 7, 8, 9, -1, -8, -9, 100, -100, 2**31 - 1, -(2**31), 15, 16, 17]
    b = webnnpy.MLGraphBuilder(context)
    x = b.input("x", {"data_type": "int32", "shape": [len(xs)]})
    s4 = b.cast(x, "int4")
    u4 = b.cast(x, "uint4")
    g = b.build({"s4": s4, "u4": u4, "back": b.cast(s4, "int32"),
                 "s2u": b.cast(s4, "uint4"), "u2s": b.cast(u4, "int4"),
                 "s2u8": b.cast(s4, "uint8")})
    r = context.compute(g, {"x": np.array(xs, np.int32)})
    want_s = [_wrap4(v, True) for v in xs]
    want_u = [_wrap4(v, False) for v in xs]
    assert r["s4"].dtype == I4 and r["s4"].astype(int).tolist() == want_s
    assert r["u4"].dtype == U4 and r["u4"].astype(int).tolist() == want_u
    assert r["back"].tolist() == want_s
    assert r["s2u"].astype(int).tolist() == want_u
    assert r["u2s"].astype(int).tolist() == want_s
    assert r["s2u8"].tolist() == [v & 0xFF for v in want_s]


def test_cast_floats_truncate_and_saturate(context: webnnpy.MLContext) -> None:
    _need_int4(context)
    xs = [0.0, -0.5, 0.5, 7.9, 8.0, -8.9, -9.0, 100.0, -1e30, math.inf, -math.inf,
          math.nan, 3.5, -3.5, 15.99, 16.0]

    def want(x: float, lo: int, hi: int) -> int:  # trunc, saturate, NaN -> 0
        if math.isnan(x):
            return 0
        if math.isinf(x):
            return hi if x > 0 else lo
        return min(max(math.trunc(x), lo), hi)

    for src in ("float32", "float16"):
        b = webnnpy.MLGraphBuilder(context)
        x = b.input("x", {"data_type": src, "shape": [len(xs)]})
        g = b.build({"s": b.cast(x, "int4"), "u": b.cast(x, "uint4"),
                     "f": b.cast(b.cast(x, "int4"), src)})
        with np.errstate(over="ignore"):  # -1e30 is -inf in float16
            arr = np.array(xs, src)
        r = context.compute(g, {"x": arr})
        xv = [float(v) for v in arr]
        assert r["s"].astype(int).tolist() == [want(v, -8, 7) for v in xv], src
        assert r["u"].astype(int).tolist() == [want(v, 0, 15) for v in xv], src
        assert r["f"].astype(float).tolist() == [float(want(v, -8, 7)) for v in xv]


# ------------------------------------------------- quantize / dequantize


def test_dequantize_linear_blockwise(context: webnnpy.MLContext) -> None:
    _need_int4(context)
    rng = np.random.default_rng(4)
    for dt, lo, hi in (("int4", -8, 7), ("uint4", 0, 15)):
        x = rng.integers(lo, hi, (4, 6), endpoint=True)
        zp = rng.integers(lo, hi, (2, 3), endpoint=True)
        scale = rng.uniform(0.01, 2, (2, 3)).astype(np.float32)
        b = webnnpy.MLGraphBuilder(context)
        xi = b.input("x", {"data_type": dt, "shape": [4, 6]})
        y = b.dequantize_linear(
            xi, b.constant(scale),
            b.constant({"data_type": dt, "shape": [2, 3]}, pack_int4(zp, dt)))
        g = b.build({"y": y})
        r = context.compute(g, {"x": pack_int4(x, dt)})["y"]
        # output[i, j] = (x[i, j] - zp[i // 2, j // 2]) * scale[i // 2, j // 2]
        want = np.empty((4, 6))
        for i in range(4):
            for j in range(6):
                want[i, j] = (int(x[i, j]) - int(zp[i // 2, j // 2])) * float(
                    scale[i // 2, j // 2])
        assert r.dtype == np.float32
        np.testing.assert_array_equal(r, want.astype(np.float32))


def test_quantize_linear_to_int4(context: webnnpy.MLContext) -> None:
    _need_int4(context)
    xs = [-10.0, -3.25, -0.75, 0.25, 0.75, 1.25, 3.0, 3.5, 100.0, math.nan, 2.5]
    scale, zps = 0.5, {"int4": -2, "uint4": 3}
    for dt, (lo, hi) in (("int4", (-8, 7)), ("uint4", (0, 15))):
        b = webnnpy.MLGraphBuilder(context)
        x = b.input("x", {"data_type": "float32", "shape": [len(xs)]})
        q = b.quantize_linear(
            x, b.constant(np.full([1], scale, np.float32)),
            b.constant({"data_type": dt, "shape": [1]}, pack_int4([zps[dt]], dt)))
        assert q.data_type == dt
        r = context.compute(b.build({"q": q}), {"x": np.array(xs, np.float32)})["q"]

        def want(v: float, zp: int = zps[dt], lo: int = lo, hi: int = hi) -> int:
            if math.isnan(v):
                return 0
            return min(max(round(v / scale) + zp, lo), hi)  # round: half to even

        assert r.dtype == np.dtype(getattr(ml_dtypes, dt))
        assert r.astype(int).tolist() == [want(v) for v in xs], dt


# ------------------------------------------------------ moving elements


def test_reshape_transpose_slice_expand_concat(context: webnnpy.MLContext) -> None:
    _need_int4(context)
    vals = np.arange(24).reshape(2, 3, 4) % 16 - 8  # all of int4's values
    b = webnnpy.MLGraphBuilder(context)
    x = b.input("x", {"data_type": "int4", "shape": [2, 3, 4]})
    c = b.constant(np.array([[[5]]], I4))
    g = b.build({
        "t": b.transpose(x, permutation=[2, 0, 1]),
        "s": b.slice(x, [0, 1, 1], [2, 2, 2], strides=[1, 1, 2]),
        "e": b.expand(c, [2, 3, 4]),
        "c": b.concat([x, b.expand(c, [2, 1, 4])], 1),
        "r": b.reshape(x, [4, 6]),
    })
    r = context.compute(g, {"x": vals.astype(I4)})
    v = vals.astype(np.int64)
    assert r["t"].astype(int).tolist() == v.transpose(2, 0, 1).tolist()
    # sizes [2, 2, 2] from [0, 1, 1], every 2nd along the last axis: index 1
    assert r["s"].astype(int).tolist() == v[0:2, 1:3, 1:3:2].tolist()
    assert r["e"].astype(int).tolist() == np.full((2, 3, 4), 5).tolist()
    assert r["c"].astype(int).tolist() == np.concatenate(
        [v, np.full((2, 1, 4), 5)], 1).tolist()
    assert r["r"].astype(int).tolist() == v.reshape(4, 6).tolist()


# ------------------------------------------------------- what is claimed


@pytest.mark.parametrize("backend", ["numpy", "onnxruntime", "openvino"])
def test_op_support_limits_claim_exactly_the_int4_operands(backend: str) -> None:
    from webnnpy._spec import to_py_name

    ctx = webnnpy.ml.create_context(backend=backend)
    lim = ctx.op_support_limits()
    for k in ("input", "constant", "output"):
        assert lim[k]["data_types"][-2:] == ["int4", "uint4"], k
    for op, entry in lim.items():
        if not isinstance(entry, dict) or "data_types" in entry:
            continue
        for key, v in entry.items():
            spec_key = {to_py_name(k): k for k in INT4_OPERANDS.get(op, ())}
            op_idl = next((o for o in INT4_OPERANDS if to_py_name(o) == op), None)
            has = "int4" in v["data_types"]
            expected = op_idl is not None and key in {
                to_py_name(k) for k in INT4_OPERANDS[op_idl]}
            assert has == expected, (op, key, spec_key)
            assert ("uint4" in v["data_types"]) == expected, (op, key)
    assert "int4" in lim["dequantize_linear"]["input"]["data_types"]
    assert "int4" not in lim["add"]["a"]["data_types"]


# ------------------------------------------------------------ bad input


def test_wrong_byte_length_for_an_odd_count(ref_context: webnnpy.MLContext) -> None:
    b = webnnpy.MLGraphBuilder(ref_context)
    for n in (1, 3):  # 3 int4 elements need ceil(3 / 2) = 2 bytes
        with pytest.raises(TypeError, match=rf"buffer has {n} bytes.*needs 2.*"
                                            r"ceil\(3 / 2\)"):
            b.constant({"data_type": "int4", "shape": [3]}, bytes(n))
    t = ref_context.create_tensor({"data_type": "uint4", "shape": [3],
                                   "writable": True, "readable": True})
    with pytest.raises(TypeError, match="needs 2"):
        ref_context.write_tensor(t, bytes(3))
    with pytest.raises(TypeError, match="needs 2"):
        ref_context.read_tensor(t, bytearray(1))


def test_wrong_view_types(ref_context: webnnpy.MLContext) -> None:
    b = webnnpy.MLGraphBuilder(ref_context)
    with pytest.raises(TypeError, match="int8 buffer does not match data type int4"):
        b.constant({"data_type": "int4", "shape": [2]}, np.zeros(1, np.int8))
    with pytest.raises(TypeError, match="3 elements does not match int4"):
        b.constant({"data_type": "int4", "shape": [2]}, np.zeros(3, I4))
    with pytest.raises(TypeError, match=r"uint4 buffer does not match data type int4"):
        b.constant({"data_type": "int4", "shape": [2]}, np.zeros(2, U4))


def test_values_out_of_range_are_refused() -> None:
    with pytest.raises(TypeError, match=r"value 8 at index 1 is out of the int4 "
                                        r"range \[-8, 7\]"):
        pack_int4([0, 8], "int4")
    with pytest.raises(TypeError, match=r"value -1 at index 0 .* uint4 range"):
        pack_int4([-1], "uint4")
    with pytest.raises(TypeError, match="expected integers"):
        pack_int4([0.5], "int4")
    with pytest.raises(TypeError, match="do not hold 3 int4"):
        unpack_int4(bytes(1), "int4", (3,))


def test_int4_on_an_op_that_does_not_allow_it(ref_context: webnnpy.MLContext
                                               ) -> None:
    b = webnnpy.MLGraphBuilder(ref_context)
    x = b.input("x", {"data_type": "int4", "shape": [2]})
    with pytest.raises(TypeError, match=r"add: a has data type int4; expected one "
                                        r"of float32"):
        b.add(x, x)
    with pytest.raises(TypeError, match=r"relu: input has data type int4"):
        b.relu(x)
    u = b.input("u", {"data_type": "uint4", "shape": [2]})
    f = b.input("f", {"data_type": "float32", "shape": [2]})
    with pytest.raises(TypeError, match=r"dequantizeLinear: zero_point has data "
                                        r"type uint4, but input has int4"):
        b.dequantize_linear(x, b.constant(np.ones(2, np.float32)), u)
    with pytest.raises(TypeError, match=r"quantizeLinear: input has data type "
                                        r"int4"):
        b.quantize_linear(x, f, x)


# ------------------------------------------------------ JavaScript export


def test_javascript_export_writes_packed_constants(ref_context: webnnpy.MLContext
                                                   ) -> None:
    from webnnpy.models.javascript import module_source

    b = webnnpy.MLGraphBuilder(ref_context)
    x = b.input("x", {"data_type": "int4", "shape": [3]})
    c = b.constant(np.array([-8, 7, -1], I4))
    g = b.build({"y": b.concat([x, c], 0)})
    text, weights = module_source(g._ir)
    assert weights[:2] == bytes([0x78, 0x0F])  # -8, 7 | -1 and an unused nibble
    assert len(weights) == 2
    assert 'builder.constant({dataType: "int4", shape: [3]}, new Uint8Array(' \
           'weights, 0, 2))' in text
    assert 'int4: Uint8Array, uint4: Uint8Array' in text
