"""Behaviour of quantizeLinear and dequantizeLinear: expected values are
hand-computed, or computed here per element from the spec's formulas with
exact rationals (``fractions.Fraction``), never from webnnpy."""

from __future__ import annotations

import itertools
from fractions import Fraction

import numpy as np
import pytest

from helpers import assert_exact, assert_ulp, rand, run

QTYPES = ["uint8", "int8", "uint32", "int32"]


def _q(g, x, s, z):
    return g.quantize_linear(x, s, z)


def _dq(g, x, s, z):
    return g.dequantize_linear(x, s, z)


def _round_half_even(r: Fraction) -> int:
    lo = r.numerator // r.denominator  # floor
    diff = r - lo
    if diff > Fraction(1, 2) or (diff == Fraction(1, 2) and lo % 2 == 1):
        return lo + 1
    return lo


def _param_index(index: tuple[int, ...], xshape, pshape) -> tuple[int, ...]:
    """The scale/zeroPoint element of a block: index // (block size)."""
    return tuple(i // (d // p) for i, d, p in zip(index, xshape, pshape, strict=True))


def _quantize_ref(x, scale, zp, dtype) -> np.ndarray:
    """saturate(roundHalfToEven(x / scale) + zeroPoint), exactly, per element."""
    info = np.iinfo(dtype)
    out = np.empty(x.shape, dtype)
    for index in itertools.product(*map(range, x.shape)):
        p = _param_index(index, x.shape, scale.shape)
        v = _round_half_even(Fraction(float(x[index])) / Fraction(float(scale[p])))
        out[index] = min(max(v + int(zp[p]), int(info.min)), int(info.max))
    return out


def _dequantize_ref(x, scale, zp) -> np.ndarray:
    """(x - zeroPoint) * scale in float64 (exact difference), per element."""
    out = np.empty(x.shape, np.float64)
    for index in itertools.product(*map(range, x.shape)):
        p = _param_index(index, x.shape, scale.shape)
        out[index] = (int(x[index]) - int(zp[p])) * float(scale[p])
    return out


# ------------------------------------------------------------------ quantize

@pytest.mark.parametrize("ftype", ["float32", "float16"])
def test_quantize_ties_round_half_to_even(context, ftype):
    x = np.array([[0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 0.49, 3.75]], ftype)
    s = np.array([[1.0]], ftype)
    z = np.array([[0]], np.int8)
    out = run(context, _q, {"x": x, "s": s, "z": z})
    assert_exact(out, [[0, 2, 2, 0, -2, -2, 0, 4]], np.int8)


@pytest.mark.parametrize(("value", "want"), [(2.5, 2), (-3.5, -4), (0.75, 1)])
def test_quantize_scalar_ties(context, value, want):
    x = np.array(value, np.float32)
    out = run(context, _q, {"x": x, "s": np.array(1.0, np.float32),
                            "z": np.array(0, np.int32)})
    assert_exact(out, np.array(want, np.int32))


def test_quantize_uint8_hand_values(context):
    # x / 0.5 = [-2, 0.5, 1, 3, 7] -> roundEven [-2, 0, 1, 3, 7] + 128
    x = np.array([-1.0, 0.25, 0.5, 1.5, 3.5], np.float32)
    s = np.array([0.5], np.float32)
    z = np.array([128], np.uint8)
    out = run(context, _q, {"x": x, "s": s, "z": z})
    assert_exact(out, [126, 128, 129, 131, 135], np.uint8)


@pytest.mark.parametrize(("dtype", "want"), [
    ("uint8", [0, 0, 3, 255, 255, 0, 255]),
    ("int8", [-128, -1, 3, 127, 127, -128, 127]),
    ("uint32", [0, 0, 3, 1000, 2**32 - 1, 0, 2**32 - 1]),
    ("int32", [-1000, -1, 3, 1000, 2**31 - 1, -(2**31), 2**31 - 1]),
])
def test_quantize_saturates(context, dtype, want):
    x = np.array([-1000.0, -1.0, 3.0, 1000.0, 1e10, -np.inf, np.inf], np.float32)
    s = np.array([1.0], np.float32)
    z = np.array([0], dtype)
    out = run(context, _q, {"x": x, "s": s, "z": z})
    assert_exact(out, want, dtype)


@pytest.mark.parametrize("dtype", QTYPES)
def test_quantize_zero_point_shift_and_saturation(context, dtype):
    info = np.iinfo(dtype)
    zp = int(info.max) - 2  # near the top: adding 4 saturates
    x = np.array([0.0, 2.0, 4.0, -3.0], np.float32)
    s = np.array([1.0], np.float32)
    z = np.array([zp], dtype)
    out = run(context, _q, {"x": x, "s": s, "z": z})
    assert_exact(out, [zp, zp + 2, int(info.max), zp - 3], dtype)


def test_quantize_nan_is_zero(context):
    x = np.array([np.nan, 1.0], np.float32)
    out = run(context, _q, {"x": x, "s": np.array([1.0], np.float32),
                            "z": np.array([5], np.uint8)})
    assert_exact(out, [0, 6], np.uint8)


@pytest.mark.parametrize("ftype", ["float32", "float16"])
@pytest.mark.parametrize("dtype", QTYPES)
@pytest.mark.parametrize(("xshape", "pshape"), [
    ((4, 6), (1, 1)),        # per tensor
    ((4, 6), (4, 1)),        # per row (block size 1 along axis 0)
    ((4, 6), (2, 3)),        # 2x2 blocks
    ((2, 4, 6), (1, 2, 3)),  # blocks of 2 on axes 1 and 2
    ((2, 4, 6), (2, 1, 2)),  # blocks of 1, 4, 3
    ((6,), (2,)),            # rank 1
    ((), ()),                # scalars
])
def test_quantize_blockwise(context, ftype, dtype, xshape, pshape):
    x = rand(xshape, ftype, seed=1, low=-40, high=40)
    s = rand(pshape, ftype, seed=2, low=0.25, high=2)
    info = np.iinfo(dtype)
    z = np.random.default_rng(3).integers(
        max(int(info.min), -20), min(int(info.max), 20), size=pshape,
        endpoint=True).astype(dtype)
    z = np.asarray(z, dtype)
    out = run(context, _q, {"x": x, "s": s, "z": z})
    assert_exact(out, _quantize_ref(x, s, z, dtype), dtype)


def test_quantize_exact_ties_at_large_quotients(context):
    # The float64 quotient of these float32 pairs is exactly a half-integer,
    # but the true quotient lies just above it: it must round up (an
    # implementation rounding the float64 quotient would round to even, down).
    x = np.array([1901412992.0, 1758996864.0], np.float32)
    s = np.array([1.2930158376693726, 1.1942479610443115], np.float32)
    z = np.array([0, 0], np.int32)
    exact = [Fraction(float(a)) / Fraction(float(b)) for a, b in zip(x, s, strict=True)]
    assert all(q.denominator != 2 for q in exact)  # not a true tie
    assert [float(a) / float(b) % 1 for a, b in zip(x, s, strict=True)] == [0.5, 0.5]
    out = run(context, _q, {"x": x, "s": s, "z": z})
    assert_exact(out, [1470525679, 1472890825], np.int32)
    assert_exact(out, _quantize_ref(x, s, z, "int32"), np.int32)


def test_quantize_float16_scale_and_input(context):
    x = np.array([[1.0, 2.0, 3.0, 4.0], [-1.0, -2.0, 100.0, 0.0]], np.float16)
    s = np.array([[0.1, 0.3]], np.float16)  # blocks of 2 columns
    z = np.array([[0, 10]], np.int8)
    out = run(context, _q, {"x": x, "s": s, "z": z})
    assert_exact(out, _quantize_ref(x, s, z, "int8"), np.int8)
    # hand check of a few: 1/float16(0.1) = 10.002..., 4/float16(0.3) = 13.33 + 10
    assert out[0, 0] == 10 and out[0, 3] == 23 and out[1, 2] == 127


# ---------------------------------------------------------------- dequantize

def test_dequantize_hand_values(context):
    x = np.array([0, 1, 128, 255], np.uint8)
    out = run(context, _dq, {"x": x, "s": np.array([0.5], np.float32),
                             "z": np.array([128], np.uint8)})
    assert_exact(out, [-64, -63.5, 0, 63.5], np.float32)


@pytest.mark.parametrize("ftype", ["float32", "float16"])
@pytest.mark.parametrize("dtype", QTYPES)
@pytest.mark.parametrize(("xshape", "pshape"), [
    ((4, 6), (1, 1)),
    ((4, 6), (2, 3)),
    ((2, 4, 6), (1, 2, 3)),
    ((2, 4, 6), (2, 4, 1)),
    ((), ()),
])
def test_dequantize_blockwise(context, ftype, dtype, xshape, pshape):
    info = np.iinfo(dtype)
    rng = np.random.default_rng(5)
    lo, hi = max(int(info.min), -1000), min(int(info.max), 1000)
    x = np.asarray(rng.integers(lo, hi, size=xshape, endpoint=True), dtype)
    z = np.asarray(rng.integers(lo, hi, size=pshape, endpoint=True), dtype)
    s = rand(pshape, ftype, seed=6, low=0.01, high=0.5)
    out = run(context, _dq, {"x": x, "s": s, "z": z})
    assert out.dtype == np.dtype(ftype) and out.shape == xshape
    assert_ulp(out, _dequantize_ref(x, s, z), 1)


@pytest.mark.parametrize("dtype", QTYPES)
def test_dequantize_extremes(context, dtype):
    # the largest differences: max - min (exact in the kernel: up to 2**32 - 1)
    info = np.iinfo(dtype)
    x = np.array([int(info.max), int(info.min), 0], dtype)
    z = np.array([int(info.min)], dtype)
    s = np.array([0.25], np.float32)
    out = run(context, _dq, {"x": x, "s": s, "z": z})
    span = int(info.max) - int(info.min)
    assert_ulp(out, [span * 0.25, 0.0, -int(info.min) * 0.25], 0)


def _round_to_float32(r: Fraction) -> np.float32:
    """``r`` rounded once to float32 (half to even), exactly: through
    float64 (correctly rounded) unless that lands on a float32 midpoint."""
    f64 = float(r)
    f32 = np.float32(f64)
    if f64 != float(f32):
        lo, hi = sorted((f32, np.nextafter(f32, np.float32(np.inf if f64 > f32
                                                             else -np.inf))))
        mid = (Fraction(float(lo)) + Fraction(float(hi))) / 2
        if r != mid:
            return lo if r < mid else hi
        return lo if int(lo.view(np.int32)) % 2 == 0 else hi
    return f32


@pytest.mark.parametrize("dtype", ["int32", "uint32"])
def test_dequantize_whole_range_of_wide_integers(context, dtype):
    # random inputs and zero points over the type's whole range: differences
    # up to 33 bits, products rounded once by the reference and ONNX
    # Runtime (float64); OpenVINO's CPU plugin has no float64 and rounds
    # the difference, then the product: within WPT's 1 ULP
    info = np.iinfo(dtype)
    rng = np.random.default_rng(11)
    n = 4000
    x = rng.integers(info.min, info.max, n, endpoint=True).astype(dtype)
    z = rng.integers(info.min, info.max, n, endpoint=True).astype(dtype)
    x[:3] = [info.min, info.max, info.max]
    z[:3] = [info.max, info.min, info.max]
    s = np.exp(rng.uniform(-20, 20, n)).astype(np.float32)
    out = run(context, _dq, {"x": x, "s": s, "z": z})
    want = np.array([_round_to_float32((int(a) - int(b)) * Fraction(float(c)))
                     for a, b, c in zip(x, z, s, strict=True)], np.float32)
    ulp = np.abs(out.view(np.int32).astype(np.int64)
                 - want.view(np.int32).astype(np.int64))
    assert ulp.max() <= (1 if context.backend == "openvino" else 0), (
        int(ulp.max()), int(np.argmax(ulp)))


@pytest.mark.parametrize("dtype", ["int32", "uint32"])
def test_quantize_wide_integers_over_every_magnitude(context, dtype):
    # quotients from 1e-3 to 1e11 (beyond float32's integers, 2**24, and
    # the type's range), random zero points over the whole range, NaN and
    # infinities: exact (Fractions), every element
    info = np.iinfo(dtype)
    rng = np.random.default_rng(12)
    n = 3000
    x = (rng.standard_normal(n) * 10.0 ** rng.integers(-3, 11, n)).astype(np.float32)
    x[:8] = [np.nan, np.inf, -np.inf, 0.5, 2.5, -2.5, 1e10, -3e9]
    s = rng.uniform(0.05, 3, n).astype(np.float32)
    z = rng.integers(info.min, info.max, n, endpoint=True).astype(dtype)
    z[::3] = 0
    out = run(context, _q, {"x": x, "s": s, "z": z})
    want = []
    for a, b, c in zip(x, s, z, strict=True):
        if np.isnan(a):
            want.append(0)
        elif np.isinf(a):
            want.append(int(info.max) if a > 0 else int(info.min))
        else:
            v = _round_half_even(Fraction(float(a)) / Fraction(float(b))) + int(c)
            want.append(min(max(v, int(info.min)), int(info.max)))
    assert_exact(out, np.array(want, dtype=dtype))


def test_dequantize_float16_overflows_to_infinity(context):
    x = np.array([255, 0], np.uint8)
    out = run(context, _dq, {"x": x, "s": np.array([1000.0], np.float16),
                             "z": np.array([0], np.uint8)})
    assert_exact(out, [np.inf, 0], np.float16)  # 255000 > float16 max


def test_quantize_dequantize_round_trip(context):
    x = np.array([[0.0, 0.49, 1.0, -0.74, 12.3, -5.0]], np.float32)
    s = np.array([[0.25, 0.5]], np.float32)
    z = np.array([[3, -2]], np.int8)

    def fn(g, x, s, z):
        return g.dequantize_linear(g.quantize_linear(x, s, z), s, z)

    out = run(context, fn, {"x": x, "s": s, "z": z})
    # blocks: columns 0-2 step 0.25, 3-5 step 0.5; values snap to the grid
    assert_exact(out, [[0.0, 0.5, 1.0, -0.5, 12.5, -5.0]], np.float32)
