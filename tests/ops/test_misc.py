"""Behaviour of where, cast and resample2d.

Expected values are hand-computed literals, the spec's own examples, or
element-by-element computations written here from the spec's definitions
(exact Python integers and fractions where it matters).
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

from helpers import assert_exact, assert_ulp, rand, run

ALL_TYPES = ["float32", "float16", "int32", "uint32", "int64", "uint64", "int8",
             "uint8"]
FLOATS = ["float32", "float16"]
INTS = ["int32", "uint32", "int64", "uint64", "int8", "uint8"]


def _a(values, dtype):
    return np.array(values, dtype=dtype)


# ------------------------------------------------------------------- where


@pytest.mark.parametrize("dtype", ALL_TYPES)
def test_where_three_way_broadcast(context, dtype):
    cond = _a([[[1, 0, 2]], [[0, 255, 0]]], "uint8")        # [2, 1, 3]
    t = rand((4, 1), dtype, seed=1, low=0, high=100)        # [4, 1]
    f = rand((3,), dtype, seed=2, low=0, high=100)          # [3]
    out = run(context, lambda g, c, t, f: g.where(c, t, f),
              {"c": cond, "t": t, "f": f})
    want = np.empty((2, 4, 3), dtype)
    for i, j, k in np.ndindex(2, 4, 3):
        want[i, j, k] = t[j, 0] if cond[i, 0, k] != 0 else f[k]
    assert_exact(out, want)


def test_where_scalars(context):
    def fn(g, c, t, f, c0):
        return [g.where(c, t, f), g.where(c0, t, f), g.where(c0, f, f)]

    o1, o2, o3 = run(context, fn, {
        "c": _a([0, 3, 0], "uint8"), "t": _a(1.5, "float16"),
        "f": _a(-2.0, "float16"), "c0": _a(7, "uint8")})
    assert_exact(o1, [-2.0, 1.5, -2.0], "float16")
    assert_exact(o2, 1.5, "float16")
    assert_exact(o3, -2.0, "float16")


def test_where_condition_shapes_the_output(context):
    out = run(context, lambda g, c, t, f: g.where(c, t, f),
              {"c": _a([[1, 0], [0, 1]], "uint8"), "t": _a(5, "int8"),
               "f": _a([-6], "int8")})
    assert_exact(out, [[5, -6], [-6, 5]])


def test_where_passes_special_values_through(context):
    t = _a([np.nan, -0.0, np.inf, 1.0], "float32")
    f = _a([2.0, 3.0, 4.0, -np.inf], "float32")
    out = run(context, lambda g, c, t, f: g.where(c, t, f),
              {"c": _a([1, 1, 1, 0], "uint8"), "t": t, "f": f})
    assert_exact(out, [np.nan, -0.0, np.inf, -np.inf])
    assert np.signbit(out[1])


@pytest.mark.parametrize(("dtype", "values"), [
    ("int64", [2**63 - 1, -2**63, 2**53 + 1]),
    ("uint64", [2**64 - 1, 2**63 + 1, 2**53 + 1]),
])
def test_where_64_bit_exact(context, dtype, values):
    out = run(context, lambda g, c, t, f: g.where(c, t, f),
              {"c": _a([1, 0, 1], "uint8"), "t": _a(values, dtype),
               "f": _a(values[::-1], dtype)})
    assert_exact(out, [values[0], values[1], values[2]])


# -------------------------------------------------------------------- cast

_INT_EDGES = [0, 1, -1, 2, -5, 127, 128, -128, -129, 255, 256, 300, 2049, 2051,
              65504, 65519, 65520, -65520, 2**24 + 1, 2**24 + 3, 2**31 - 1,
              -2**31, 2**31, 2**32 - 1, 2**32, 2**53 + 1, 2**63 - 1, -2**63, 2**63,
              2**64 - 1]
_FLOAT_EDGES = [0.0, -0.0, 0.5, -0.5, 1.5, -1.5, 2.7, -2.7, 127.9, 128.0, -128.9,
                -129.0, 255.5, 256.0, 300.25, 65504.0, 65519.0, 65520.0, -65520.0,
                1e-8, 2.0**-25, 16777217.0, 2.0**31 - 128, 2.0**31, 4294967040.0,
                2.0**32, 2.0**63, 2.0**64, 1e20, -1e20, 3.4e38, -3.4e38, math.inf,
                -math.inf, math.nan]


def _bounds(dtype):
    info = np.iinfo(dtype)
    return int(info.min), int(info.max)


def _source(dtype) -> np.ndarray:
    """Edge values that ``dtype`` holds (floats rounded to it)."""
    if dtype in FLOATS:
        with np.errstate(over="ignore"):
            return np.array(_FLOAT_EDGES, np.float64).astype(dtype)
    lo, hi = _bounds(dtype)
    return np.array([v for v in _INT_EDGES if lo <= v <= hi], dtype)


def _expected_int(v, dst):
    """The spec's table, target an integer type (Python ints, exact)."""
    lo, hi = _bounds(dst)
    if isinstance(v, float):  # truncate; out of range saturates, NaN -> 0
        if math.isnan(v):
            return 0
        if math.isinf(v):
            return hi if v > 0 else lo
        return min(max(math.trunc(v), lo), hi)
    bits = np.dtype(dst).itemsize * 8  # lowest bits, two's complement
    return (v - lo) % 2**bits + lo


@pytest.mark.parametrize("dst", ALL_TYPES)
@pytest.mark.parametrize("src", ALL_TYPES)
def test_cast_every_pair(context, src, dst):
    x = _source(src)
    out = run(context, lambda g, x: g.cast(x, dst), {"x": x})
    values = [float(v) if src in FLOATS else int(v) for v in x.tolist()]
    if dst in FLOATS:
        # nearest representable value: the exact value (a Python int or an
        # exact float) rounded once to the target, inf beyond its range
        assert out.dtype == np.dtype(dst)
        want = np.array([float(v) for v in values], np.float64)
        assert_ulp(out, want, 0)
        if src in FLOATS:  # signs of zeros survive
            assert np.array_equal(np.signbit(out), np.signbit(x))
    else:
        assert_exact(out, [_expected_int(v, dst) for v in values], dst)


def test_cast_integer_to_float_rounds_to_nearest_even(context):
    x = _a([2049, 2051, 65519, 65520, -65520, 16777217, 16777219], "int32")
    o16, o32 = run(context, lambda g, x: [g.cast(x, "float16"),
                                          g.cast(x, "float32")], {"x": x})
    assert_exact(o16, [2048, 2052, 65504, np.inf, -np.inf, np.inf, np.inf])
    assert_exact(o32, [2049, 2051, 65519, 65520, -65520, 16777216, 16777220])
    x = _a([2**53 + 1, 2**63 - 1, -2**63, 2**24 + 1], "int64")
    o16, o32 = run(context, lambda g, x: [g.cast(x, "float16"),
                                          g.cast(x, "float32")], {"x": x})
    assert_exact(o32, [2.0**53, 2.0**63, -2.0**63, 2.0**24])
    assert_exact(o16, [np.inf, np.inf, -np.inf, np.inf])
    x = _a([2**64 - 1, 2**32 + 2**8, 2**32 + 2**8 + 1], "uint64")
    o32 = run(context, lambda g, x: g.cast(x, "float32"), {"x": x})
    # 2**32 + 2**8 is halfway between float32 neighbours 2**32 and 2**32 + 2**9
    assert_exact(o32, [2.0**64, 2.0**32, 2.0**32 + 2**9])


def test_cast_float32_to_float16_rounds_to_nearest_even(context):
    x = _a([65519.0, 65520.0, 2.0**-25, 3 * 2.0**-26, 1 + 2.0**-11,
            1 + 3 * 2.0**-11, -0.0, 1e-30, -1e30], "float32")
    out = run(context, lambda g, x: g.cast(x, "float16"), {"x": x})
    assert_exact(out, [65504.0, np.inf, 0.0, 2.0**-24, 1.0, 1 + 2.0**-9, -0.0,
                       0.0, -np.inf])
    assert np.signbit(out[6]) and not np.signbit(out[5])


def test_cast_float_to_integer_truncates_and_saturates(context):
    x = _a([2.9, -2.9, 300.0, -300.0, np.nan, np.inf, -np.inf, -0.7], "float32")
    o8, ou8, o64, ou64 = run(context, lambda g, x: [
        g.cast(x, "int8"), g.cast(x, "uint8"), g.cast(x, "int64"),
        g.cast(x, "uint64")], {"x": x})
    assert_exact(o8, [2, -2, 127, -128, 0, 127, -128, 0])
    assert_exact(ou8, [2, 0, 255, 0, 0, 255, 0, 0])
    assert_exact(o64, [2, -2, 300, -300, 0, 2**63 - 1, -2**63, 0])
    assert_exact(ou64, [2, 0, 300, 0, 0, 2**64 - 1, 0, 0])


def test_cast_integer_to_integer_wraps(context):
    x = _a([-1, 255, 256, -129, 2**31 - 1], "int64")
    o8, ou8, ou32 = run(context, lambda g, x: [
        g.cast(x, "int8"), g.cast(x, "uint8"), g.cast(x, "uint32")], {"x": x})
    assert_exact(o8, [-1, -1, 0, 127, -1])
    assert_exact(ou8, [255, 255, 0, 127, 255])
    assert_exact(ou32, [2**32 - 1, 255, 256, 2**32 - 129, 2**31 - 1])


def test_cast_keeps_the_shape(context):
    o0, o3 = run(context, lambda g, s, x: [g.cast(s, "int8"), g.cast(x, "float16")],
                 {"s": _a(-3.5, "float32"),
                  "x": np.arange(24, dtype=np.uint8).reshape(2, 3, 4)})
    assert_exact(o0, -3, "int8")
    assert_exact(o3, np.arange(24).reshape(2, 3, 4), "float16")


# -------------------------------------------------------------- resample2d


def _ref_resample2d(x, mode, axes, sizes):
    """The spec's mode formulas, element by element, with exact fractions for
    the coordinates and float64 (then round half to even for integer types)
    for the value."""
    out_shape = list(x.shape)
    for ax, s in zip(axes, sizes, strict=True):
        out_shape[ax] = s
    out = np.empty(out_shape, np.float64)
    ay, ax_ = axes  # "y" for the first axis, "x" for the second

    def coord(o, in_size, out_size):
        scale = Fraction(out_size, in_size)
        c = (o + Fraction(1, 2)) / scale - Fraction(1, 2)
        return min(max(c, Fraction(0)), Fraction(in_size - 1))

    for pos in np.ndindex(*out_shape):
        cy = coord(pos[ay], x.shape[ay], out_shape[ay])
        cx = coord(pos[ax_], x.shape[ax_], out_shape[ax_])

        def at(iy, ix, pos=pos):
            p = list(pos)
            p[ay], p[ax_] = iy, ix
            return float(x[tuple(p)])

        if mode == "nearest-neighbor":
            out[pos] = at(math.ceil(cy - Fraction(1, 2)),
                          math.ceil(cx - Fraction(1, 2)))
        else:
            x0, x1 = math.floor(cx), math.ceil(cx)
            y0, y1 = math.floor(cy), math.ceil(cy)
            tx, ty = float(cx - x0), float(cy - y0)
            vy0 = at(y0, x0) * (1 - tx) + at(y0, x1) * tx
            vy1 = at(y1, x0) * (1 - tx) + at(y1, x1) * tx
            out[pos] = vy0 * (1 - ty) + vy1 * ty
    if x.dtype.kind in "iu":
        return np.array([round(v) for v in out.reshape(-1)],
                        np.int64).reshape(out.shape).astype(x.dtype)
    return out


def _check(out, want):
    if out.dtype.kind == "f":
        # float64 formula rounded once: 1 ULP covers the separable order
        assert_ulp(out, want, 1)
    else:
        assert_exact(out, want)


@pytest.mark.parametrize("dtype", FLOATS)
def test_resample2d_spec_note_example(context, dtype):
    x = _a([[[[0, 1, 2, 3], [0, 1, 2, 3], [12, 13, 14, 15], [12, 13, 14, 15]]]],
           dtype)
    out = run(context, lambda g, x: g.resample2d(x, mode="linear", sizes=[8, 8]),
              {"x": x})
    row_a = [0, 0.25, 0.75, 1.25, 1.75, 2.25, 2.75, 3]
    want = [row_a, row_a, row_a, [v + 3 for v in row_a], [v + 9 for v in row_a],
            [v + 12 for v in row_a], [v + 12 for v in row_a],
            [v + 12 for v in row_a]]
    assert_exact(out, [[want]], dtype)


@pytest.mark.parametrize("dtype", ["float32", "float16", "uint8", "int8"])
def test_resample2d_nearest_upsample(context, dtype):
    x = _a([[[[1, 2], [3, 4]]]], dtype)
    out = run(context, lambda g, x: g.resample2d(x, scales=[2.0, 2.0]), {"x": x})
    assert_exact(out, [[[[1, 1, 2, 2], [1, 1, 2, 2], [3, 3, 4, 4],
                         [3, 3, 4, 4]]]], dtype)


def test_resample2d_nearest_downsample_and_ties(context):
    x = _a([[[[0, 1, 2, 3, 4]]]], "float32")  # [1, 1, 1, 5]

    def fn(g, x):
        return [g.resample2d(x, sizes=[1, 2]), g.resample2d(x, sizes=[1, 3]),
                g.resample2d(x, scales=[1.0, 0.6])]

    o2, o3, o_scale = run(context, fn, {"x": x})
    # 5 -> 2: in = (o + 0.5) * 2.5 - 0.5 = 0.75, 3.25 -> ceil(in - 0.5) = 1, 3
    assert_exact(o2, [[[[1, 3]]]])
    # 5 -> 3: in = 1/3, 2, 11/3 -> 0, 2, 4
    assert_exact(o3, [[[[0, 2, 4]]]])
    # floor(5 * float32(0.6)) = 3, the same as sizes 3
    assert_exact(o_scale, [[[[0, 2, 4]]]])
    # 2 -> 3: in = -1/6, 1/2, 7/6 -> clamp -> 0, 0.5 (a tie: the lower), 1
    x = _a([[[[10, 20]]]], "int8")
    out = run(context, lambda g, x: g.resample2d(x, sizes=[1, 3]), {"x": x})
    assert_exact(out, [[[[10, 10, 20]]]])


@pytest.mark.parametrize(("dtype", "pair", "want"), [
    ("uint8", [1, 2], [1, 2, 2]),     # 1.5 -> 2
    ("uint8", [2, 3], [2, 2, 3]),     # 2.5 -> 2
    ("int8", [-1, -2], [-1, -2, -2]),  # -1.5 -> -2
    ("int8", [-2, -3], [-2, -2, -3]),  # -2.5 -> -2
    ("float16", [1, 2], [1, 1.5, 2]),
])
def test_resample2d_linear_midpoint_rounding(context, dtype, pair, want):
    # 2 -> 3 along the width samples 0, 0.5, 1; integers round half to even
    out = run(context, lambda g, x: g.resample2d(x, mode="linear", sizes=[1, 3]),
              {"x": _a([[[pair]]], dtype)})
    assert_exact(out, [[[want]]], dtype)


@pytest.mark.parametrize("mode", ["nearest-neighbor", "linear"])
@pytest.mark.parametrize("dtype", ["float32", "float16", "uint8", "int8"])
def test_resample2d_default_scales_are_identity(context, dtype, mode):
    x = rand((1, 2, 3, 4), dtype, seed=5, low=-100, high=100)
    out = run(context, lambda g, x: g.resample2d(x, mode=mode), {"x": x})
    assert_exact(out, x)


def test_resample2d_sizes_override_scales(context):
    x = rand((1, 1, 4, 4), "float32", seed=6)
    out = run(context, lambda g, x: g.resample2d(x, mode="linear",
                                                 scales=[3.0, 3.0], sizes=[2, 6]),
              {"x": x})
    assert out.shape == (1, 1, 2, 6)
    _check(out, _ref_resample2d(x, "linear", [2, 3], [2, 6]))


@pytest.mark.parametrize(("axes", "scales"), [
    ([2, 3], [1.5, 0.75]),
    ([1, 2], [2.0, 0.5]),
    ([0, 1], [1.5, 2.5]),
    ([3, 2], [0.5, 3.0]),   # scales[0] belongs to axis 3
    ([0, 3], [2.0, 1.25]),
])
@pytest.mark.parametrize("dtype", ["float32", "float16", "uint8", "int8"])
@pytest.mark.parametrize("mode", ["nearest-neighbor", "linear"])
def test_resample2d_against_formulas(context, mode, dtype, axes, scales):
    x = rand((2, 3, 4, 4), dtype, seed=7, low=-50, high=50)
    out = run(context, lambda g, x: g.resample2d(x, mode=mode, scales=scales,
                                                 axes=axes), {"x": x})
    sizes = [math.floor(x.shape[a] * Fraction(float(np.float32(s))))
             for a, s in zip(axes, scales, strict=True)]
    _check(out, _ref_resample2d(x, mode, axes, sizes))


@pytest.mark.parametrize(("axes", "sizes"), [
    ([2, 3], [8, 12]),     # x2, x3 (o / 3 is not a binary fraction)
    ([2, 3], [16, 4]),     # x4, and an unchanged axis
    ([1, 3], [9, 20]),     # x3 and x5 on non-spatial / spatial axes
    ([0, 2], [4, 12]),     # the batch axis
])
@pytest.mark.parametrize("dtype", ["float32", "float16", "int8", "uint8"])
def test_resample2d_nearest_whole_factors(context, dtype, axes, sizes):
    # Whole upscale factors are where a native backend may use its resize
    # kernel: every output element still reads the spec's source element.
    x = rand((2, 3, 4, 4), dtype, seed=11, low=-100, high=100)
    out = run(context, lambda g, x: g.resample2d(x, sizes=sizes, axes=axes),
              {"x": x})
    assert_exact(out, _ref_resample2d(x, "nearest-neighbor", axes, sizes), dtype)


@pytest.mark.parametrize("sizes", [[8, 8], [16, 32], [4, 16], [12, 8]])
@pytest.mark.parametrize("dtype", ["float32", "float16"])
def test_resample2d_linear_whole_factors(context, dtype, sizes):
    x = rand((1, 2, 4, 4), dtype, seed=12, low=-50, high=50)
    out = run(context, lambda g, x: g.resample2d(x, mode="linear", sizes=sizes),
              {"x": x})
    _check(out, _ref_resample2d(x, "linear", [2, 3], sizes))
