"""Behaviour of the element-wise ops: expected values are hand-computed or
float64 formulas written here from the spec's definitions."""

from __future__ import annotations

import math

import numpy as np
import pytest

from helpers import assert_exact, assert_ulp, rand, run

FLOATS = ["float32", "float16"]

# op -> float64 formula, from the spec's operation list
BINARY_F = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "max": lambda a, b: np.where(a >= b, a, b),
    "min": lambda a, b: np.where(a <= b, a, b),
    "pow": lambda a, b: np.exp(b * np.log(a)),  # a > 0 in the data below
}


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("op", sorted(BINARY_F))
def test_binary_float_broadcast(context, op, dtype):
    a = rand((2, 3, 4), dtype, seed=1, low=0.5, high=3)
    b = rand((3, 1), dtype, seed=2, low=0.5, high=3)
    out = run(context, lambda g, a, b: getattr(g, op)(a, b), {"a": a, "b": b})
    want = BINARY_F[op](a.astype(np.float64), b.astype(np.float64))
    # pow via exp/log in float64 differs from a correctly rounded pow by a few
    # float64 ULPs, far below one float16/float32 ULP, so 1 ULP is enough.
    assert_ulp(out, want, 1)


def test_binary_scalar_operands(context):
    a = np.array(2.5, np.float32)
    b = np.array([1, 2, 3], np.float32)
    out = run(context, lambda g, a, b: g.mul(a, b), {"a": a, "b": b})
    assert_exact(out, [2.5, 5.0, 7.5], np.float32)


INT_TYPES = ["int8", "uint8", "int32", "uint32", "int64", "uint64"]


@pytest.mark.parametrize("dtype", INT_TYPES)
def test_integer_add_sub_mul_max_min(context, dtype):
    a = np.array([1, 7, 100, 3], dtype)
    b = np.array([2, 5, 27, 3], dtype)

    def fn(g, a, b):
        return [g.add(a, b), g.sub(a, b), g.mul(a, b), g.max(a, b), g.min(a, b)]

    add, sub, mul, mx, mn = run(context, fn, {"a": a, "b": b})
    assert_exact(add, [3, 12, 127, 6], dtype)
    # 1 - 2 wraps for unsigned types (two's complement, modulo 2**bits)
    bits = np.dtype(dtype).itemsize * 8
    minus_one = -1 if dtype.startswith("int") else 2**bits - 1
    assert_exact(sub, [minus_one, 2, 73, 0], dtype)
    assert_exact(mul, [2, 35, 2700 % 2**bits if dtype[0] == "u" else
                       ((2700 + 2**(bits - 1)) % 2**bits) - 2**(bits - 1), 9], dtype)
    assert_exact(mx, [2, 7, 100, 3], dtype)
    assert_exact(mn, [1, 5, 27, 3], dtype)


@pytest.mark.parametrize("dtype", ["int8", "int32", "int64"])
def test_integer_div_truncates_toward_zero(context, dtype):
    a = np.array([7, -7, 7, -7, 6, -1, 0], dtype)
    b = np.array([2, 2, -2, -2, 3, 5, 4], dtype)
    out = run(context, lambda g, a, b: g.div(a, b), {"a": a, "b": b})
    assert_exact(out, [3, -3, -3, 3, 2, 0, 0], dtype)


@pytest.mark.parametrize("dtype", ["uint8", "uint32", "uint64"])
def test_unsigned_div(context, dtype):
    a = np.array([7, 9, 200], dtype)
    b = np.array([2, 3, 7], dtype)
    out = run(context, lambda g, a, b: g.div(a, b), {"a": a, "b": b})
    assert_exact(out, [3, 3, 28], dtype)


def test_int64_exact_beyond_2_pow_53(context):
    big = 2**62 + 1
    a = np.array([big, -big], np.int64)
    b = np.array([2, 1], np.int64)
    add, div = run(context, lambda g, a, b: [g.add(a, b), g.div(a, b)],
                   {"a": a, "b": b})
    assert_exact(add, [big + 2, -big + 1], np.int64)
    assert_exact(div, [2**61, -big], np.int64)  # (2**62 + 1) // 2 truncated
    u = np.array([2**64 - 1], np.uint64)
    one = np.array([1], np.uint64)
    sub = run(context, lambda g, a, b: g.sub(a, b), {"a": u, "b": one})
    assert_exact(sub, [2**64 - 2], np.uint64)


def test_integer_pow(context):
    a = np.array([2, -3, 5, 1, -1, -1, 2], np.int32)
    b = np.array([10, 3, 0, -4, -3, -2, -1], np.int32)
    out = run(context, lambda g, a, b: g.pow(a, b), {"a": a, "b": b})
    # negative exponents: 1/a**n truncated toward zero
    assert_exact(out, [1024, -27, 1, 1, -1, 1, 0], np.int32)


@pytest.mark.parametrize("dtype", FLOATS)
def test_float_special_values(context, dtype):
    a = np.array([1.0, -1.0, 0.0, np.inf], dtype)
    b = np.array([0.0, 0.0, 0.0, np.inf], dtype)
    out = run(context, lambda g, a, b: g.div(a, b), {"a": a, "b": b})
    assert_ulp(out, [np.inf, -np.inf, np.nan, np.nan])


def test_float16_rounds_once(context):
    # 2049 is not a float16 value: 2048 + 1 must round (half to even) to 2048,
    # and 2048 + 3 to 2052.
    a = np.array([2048, 2048], np.float16)
    b = np.array([1, 3], np.float16)
    out = run(context, lambda g, a, b: g.add(a, b), {"a": a, "b": b})
    assert_exact(out, [2048, 2052], np.float16)


def test_float16_overflow_to_infinity(context):
    a = np.array([60000, -60000], np.float16)
    out = run(context, lambda g, a, b: g.add(a, b), {"a": a, "b": a})
    assert_exact(out, [np.inf, -np.inf], np.float16)


CMP = {
    "equal": [0, 1, 0, 0],
    "not_equal": [1, 0, 1, 1],
    "greater": [0, 0, 1, 0],
    "greater_or_equal": [0, 1, 1, 0],
    "lesser": [1, 0, 0, 1],
    "lesser_or_equal": [1, 1, 0, 1],
}


@pytest.mark.parametrize("dtype", ["float32", "float16", "int32", "uint8", "int64"])
@pytest.mark.parametrize("op", sorted(CMP))
def test_comparisons(context, op, dtype):
    a = np.array([1, 2, 3, 0], dtype)
    b = np.array([2, 2, 1, 5], dtype)
    out = run(context, lambda g, a, b: getattr(g, op)(a, b), {"a": a, "b": b})
    assert_exact(out, CMP[op], np.uint8)


@pytest.mark.parametrize("op", sorted(CMP))
def test_comparisons_with_nan(context, op):
    a = np.array([np.nan, 1.0], np.float32)
    b = np.array([1.0, np.nan], np.float32)
    out = run(context, lambda g, a, b: getattr(g, op)(a, b), {"a": a, "b": b})
    want = 1 if op == "not_equal" else 0  # every ordered comparison with NaN is false
    assert_exact(out, [want, want], np.uint8)


def test_comparison_broadcasts(context):
    a = np.array([[1], [5]], np.int32)
    b = np.array([2, 4, 6], np.int32)
    out = run(context, lambda g, a, b: g.greater(a, b), {"a": a, "b": b})
    assert_exact(out, [[0, 0, 0], [1, 1, 0]], np.uint8)


def test_logical_ops_treat_nonzero_as_true(context):
    a = np.array([0, 0, 3, 255], np.uint8)
    b = np.array([0, 7, 0, 1], np.uint8)

    def fn(g, a, b):
        return [g.logical_and(a, b), g.logical_or(a, b), g.logical_xor(a, b),
                g.logical_not(a)]

    land, lor, lxor, lnot = run(context, fn, {"a": a, "b": b})
    assert_exact(land, [0, 0, 0, 1], np.uint8)
    assert_exact(lor, [0, 1, 1, 1], np.uint8)
    assert_exact(lxor, [0, 1, 1, 0], np.uint8)
    assert_exact(lnot, [1, 1, 0, 0], np.uint8)


@pytest.mark.parametrize("dtype", FLOATS)
def test_is_nan_is_infinite(context, dtype):
    a = np.array([np.nan, np.inf, -np.inf, 0.0, 1.5], dtype)
    nan, inf = run(context, lambda g, a: [g.is_nan(a), g.is_infinite(a)], {"a": a})
    assert_exact(nan, [1, 0, 0, 0, 0], np.uint8)
    assert_exact(inf, [0, 1, 1, 0, 0], np.uint8)


UNARY_F = {
    "abs": np.abs,
    "ceil": np.ceil,
    "cos": np.cos,
    "erf": np.vectorize(math.erf),
    "exp": np.exp,
    "floor": np.floor,
    "identity": lambda x: x,
    "log": np.log,
    "neg": lambda x: -x,
    "reciprocal": lambda x: 1.0 / x,
    "sin": np.sin,
    "sign": np.sign,
    "sqrt": np.sqrt,
    "tan": np.tan,
}


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("op", sorted(UNARY_F))
def test_unary_float(context, op, dtype):
    positive = op in ("log", "sqrt")
    x = rand((3, 4), dtype, seed=3, low=0.1 if positive else -3, high=3)
    name = {"round_even": "round_even"}.get(op, op)
    out = run(context, lambda g, x: getattr(g, name)(x), {"x": x})
    assert_ulp(out, UNARY_F[op](x.astype(np.float64)), 1)


@pytest.mark.parametrize("dtype", FLOATS)
def test_round_even_halves(context, dtype):
    x = np.array([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 2.4, 2.6], dtype)
    out = run(context, lambda g, x: g.round_even(x), {"x": x})
    assert_exact(out, [0, 2, 2, -0.0, -2, -2, 2, 3], dtype)


def test_unary_special_values(context):
    x = np.array([0.0, -1.0, np.inf, -0.0], np.float32)
    log, sqrt, rec = run(context, lambda g, x: [g.log(x), g.sqrt(x), g.reciprocal(x)],
                         {"x": x})
    assert_ulp(log, [-np.inf, np.nan, np.inf, -np.inf])
    assert_ulp(sqrt, [0.0, np.nan, np.inf, -0.0])
    assert_ulp(rec, [np.inf, -1.0, 0.0, -np.inf])


@pytest.mark.parametrize("dtype", ["int8", "int32", "int64"])
def test_integer_abs_neg_sign(context, dtype):
    x = np.array([-5, 0, 7, -1], dtype)
    a, n, s = run(context, lambda g, x: [g.abs(x), g.neg(x), g.sign(x)], {"x": x})
    assert_exact(a, [5, 0, 7, 1], dtype)
    assert_exact(n, [5, 0, -7, 1], dtype)
    assert_exact(s, [-1, 0, 1, -1], dtype)


@pytest.mark.parametrize("dtype", ["float32", "float16", "int32", "uint32", "int64",
                                   "uint64", "int8", "uint8"])
def test_identity_any_type(context, dtype):
    info = np.iinfo(dtype) if np.dtype(dtype).kind in "iu" else np.finfo(dtype)
    x = np.array([info.min, 0, info.max], dtype)
    out = run(context, lambda g, x: g.identity(x), {"x": x})
    assert_exact(out, x)


def test_rank0_unary(context):
    x = np.array(-2.0, np.float32)
    out = run(context, lambda g, x: g.abs(x), {"x": x})
    assert out.shape == ()
    assert_exact(out, 2.0, np.float32)


def test_chain_with_constants(context):
    x = np.array([1.0, 2.0, 3.0], np.float32)
    c = np.array([0.5, 0.25, 0.125], np.float32)
    out = run(context, lambda g, x, c: g.mul(g.add(x, c), g.neg(c)),
              {"x": x, "c": c}, constants={"c"})
    assert_exact(out, [-0.75, -0.5625, -0.390625], np.float32)


@pytest.mark.parametrize("dtype", ["float32", "float16"])
def test_d9_sign_of_nan_is_nan(context, dtype):
    # Issue #11 D9: sign(NaN) is NaN (the reference's and float32 ORT's);
    # ONNX Runtime's float16 Sign gave 0.
    x = np.array([np.nan, -np.nan, -0.0, 0.0, 3, -2, np.inf, -np.inf], dtype)
    out = run(context, lambda g, x: g.sign(x), {"x": x})
    assert_exact(out, [np.nan, np.nan, 0, 0, 1, -1, 1, -1], dtype)
