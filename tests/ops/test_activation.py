"""Behaviour of the activation ops: expected values are hand-computed or float64
formulas written here from the spec's definitions (per element with ``math``),
never from webnnpy."""

from __future__ import annotations

import math

import numpy as np
import pytest

from helpers import assert_exact, assert_ulp, rand, run

FLOATS = ["float32", "float16"]


def _map(f, x: np.ndarray) -> np.ndarray:
    """Apply a scalar float64 formula to every element (expected values)."""
    flat = [f(float(v)) for v in np.asarray(x, np.float64).ravel()]
    return np.array(flat, np.float64).reshape(np.shape(x))


def _as(value: float, dtype: str) -> float:
    """A double option as the spec casts it to the input's type."""
    return float(np.array(value, dtype))


def _data(dtype: str, seed: int = 0) -> np.ndarray:
    """Random values in [-6, 6] plus zeros, tiny and large magnitudes."""
    x = rand((3, 4, 5), dtype, seed=seed, low=-6, high=6)
    special = [0.0, -0.0, 1e-4, -1e-4, 0.5, -0.5, 20.0, -20.0, 3.0, -3.0]
    x.ravel()[: len(special)] = special
    return x


def _sigmoid(v: float) -> float:
    return 1 / (1 + math.exp(-v)) if v >= 0 else math.exp(v) / (1 + math.exp(v))


def _softplus(v: float) -> float:  # ln(1 + e^v), without overflow or cancellation
    return v + math.log1p(math.exp(-v)) if v > 0 else math.log1p(math.exp(v))


# op -> float64 formula from the spec's definition (no options)
PLAIN = {
    "gelu": lambda v: 0.5 * v * math.erfc(-v / math.sqrt(2)),  # = 0.5x(1+erf(x/√2))
    "hard_swish": lambda v: v * max(0.0, min(6.0, v + 3)) / 6,
    "relu": lambda v: max(0.0, v),
    "sigmoid": _sigmoid,
    "softplus": _softplus,
    "softsign": lambda v: v / (1 + abs(v)),
    "tanh": math.tanh,
}


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("op", sorted(PLAIN))
def test_float_activation(context, op, dtype):
    x = _data(dtype, seed=3)
    out = run(context, lambda g, x: getattr(g, op)(x), {"x": x})
    assert out.dtype == np.dtype(dtype)
    assert_ulp(out, _map(PLAIN[op], x), 1)


@pytest.mark.parametrize("op", sorted(PLAIN))
def test_scalar_input(context, op):
    x = np.array(-0.75, np.float32)
    out = run(context, lambda g, x: getattr(g, op)(x), {"x": x})
    assert out.shape == ()
    assert_ulp(out, PLAIN[op](-0.75), 1)


def test_gelu_far_negative_tail(context):
    # 0.5*x*(1+erf(x/√2)) is tiny but far from 0 in float32 for x in [-13, -6]:
    # a naive 1 + erf would cancel to 0.
    x = np.array([-6.0, -8.0, -10.0, -12.5], np.float32)
    out = run(context, lambda g, x: g.gelu(x), {"x": x})
    want = _map(PLAIN["gelu"], x)
    assert (want != 0).all()
    assert_ulp(out, want, 1)


@pytest.mark.parametrize("dtype", FLOATS)
def test_sigmoid_far_negative_tail(context, dtype):
    # sigmoid(x) ~ e^x for x << 0: tiny, but representable down to float32's
    # (float16's) smallest subnormal, so each result is checked in ULP.
    lo = -100.0 if dtype == "float32" else -16.0
    x = np.linspace(lo, -5.0, 97).astype(dtype)
    out = run(context, lambda g, x: g.sigmoid(x), {"x": x})
    want = _map(_sigmoid, x)
    assert (np.asarray(want, dtype) != 0).sum() > 60
    assert_ulp(out, want, 2)


def test_gelu_hand_values(context):
    # gelu(1) = 0.5 * (1 + erf(1/√2)) = 0.8413447460685429...
    x = np.array([0.0, 1.0, -1.0], np.float32)
    out = run(context, lambda g, x: g.gelu(x), {"x": x})
    assert_ulp(out, [0.0, 0.8413447460685429, -0.15865525393145707], 1)


@pytest.mark.parametrize("dtype", FLOATS)
def test_special_values(context, dtype):
    # At ±Infinity each function gives its limit; NaN stays NaN.
    x = np.array([np.inf, -np.inf, np.nan], dtype)

    def fn(g, x):
        return [g.sigmoid(x), g.tanh(x), g.softsign(x), g.softplus(x), g.gelu(x),
                g.hard_swish(x), g.relu(x), g.elu(x), g.leaky_relu(x),
                g.hard_sigmoid(x)]

    sig, tanh, ssign, splus, gelu, hswish, relu, elu, leaky, hsig = run(
        context, fn, {"x": x})
    assert_exact(sig, [1, 0, np.nan])
    assert_exact(tanh, [1, -1, np.nan])
    assert_exact(ssign, [1, -1, np.nan])
    assert_exact(splus, [np.inf, 0, np.nan])
    assert_exact(gelu, [np.inf, 0, np.nan])
    assert_exact(hswish, [np.inf, 0, np.nan])
    assert_exact(relu, [np.inf, 0, np.nan])
    assert_exact(elu, [np.inf, -1, np.nan])
    assert_exact(leaky, [np.inf, -np.inf, np.nan])
    assert_exact(hsig, [1, 0, np.nan])


def test_hand_computed_values(context):
    x = np.array([-2.0, -0.5, 0.0, 1.0, 4.0], np.float32)

    def fn(g, x):
        return [g.relu(x), g.hard_swish(x), g.softsign(x), g.hard_sigmoid(x),
                g.leaky_relu(x, alpha=0.5), g.linear(x, alpha=2.0, beta=-1.0)]

    relu, hswish, ssign, hsig, leaky, lin = run(context, fn, {"x": x})
    assert_exact(relu, [0, 0, 0, 1, 4])
    # x * max(0, min(6, x + 3)) / 6
    assert_ulp(hswish, [-2 * 1 / 6, -0.5 * 2.5 / 6, 0, 1 * 4 / 6, 4.0], 1)
    assert_ulp(ssign, [-2 / 3, -1 / 3, 0, 0.5, 0.8], 1)
    # max(0, min(1, 0.2x + 0.5)) with alpha = float32(0.2)
    a = _as(0.2, "float32")
    assert_ulp(hsig, [a * -2 + 0.5, a * -0.5 + 0.5, 0.5, a + 0.5, 1.0], 1)
    assert_exact(leaky, [-1, -0.25, 0, 1, 4])
    assert_exact(lin, [-5, -2, -1, 1, 7])


# ------------------------------------------------------- ops with options

def _elu(alpha):
    # max(0, x) + alpha * (exp(min(0, x)) - 1); expm1 is exp(.)-1 without the
    # cancellation that would swamp the float32 ULP near 0
    return lambda v: max(0.0, v) + alpha * math.expm1(min(0.0, v))


def _leaky(alpha):
    return lambda v: max(0.0, v) + alpha * min(0.0, v)


def _linear(alpha, beta):
    return lambda v: alpha * v + beta


def _hard_sigmoid(alpha, beta):
    return lambda v: max(0.0, min(1.0, alpha * v + beta))


OPTION_CASES = [
    # (method, kwargs, formula factory, spec defaults)
    ("elu", {}, lambda d: _elu(1.0)),
    ("elu", {"alpha": 0.3}, lambda d: _elu(_as(0.3, d))),
    ("leaky_relu", {}, lambda d: _leaky(_as(0.01, d))),
    ("leaky_relu", {"alpha": 0.2}, lambda d: _leaky(_as(0.2, d))),
    ("linear", {}, lambda d: _linear(1.0, 0.0)),
    ("linear", {"alpha": 0.1, "beta": 0.3}, lambda d: _linear(_as(0.1, d), _as(0.3, d))),
    ("linear", {"alpha": -3}, lambda d: _linear(-3.0, 0.0)),
    ("linear", {"beta": 2.5}, lambda d: _linear(1.0, 2.5)),
    ("hard_sigmoid", {}, lambda d: _hard_sigmoid(_as(0.2, d), 0.5)),
    ("hard_sigmoid", {"alpha": 0.7, "beta": 0.1},
     lambda d: _hard_sigmoid(_as(0.7, d), _as(0.1, d))),
    ("hard_sigmoid", {"beta": 0.25}, lambda d: _hard_sigmoid(_as(0.2, d), 0.25)),
]


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize(("method", "kwargs", "formula"), OPTION_CASES,
                         ids=[f"{m}-{sorted(k)}" for m, k, _ in OPTION_CASES])
def test_options_and_defaults(context, method, kwargs, formula, dtype):
    x = _data(dtype, seed=5)
    out = run(context, lambda g, x: getattr(g, method)(x, **kwargs), {"x": x})
    assert_ulp(out, _map(formula(dtype), x), 1)


@pytest.mark.parametrize("dtype", FLOATS)
def test_double_options_are_cast_to_the_input_type(context, dtype):
    # alpha * x + beta with alpha = 0.1 and beta = 0.3 cast to the input type
    # first: exact products (x small integers, scaled) make the difference between
    # the cast and the uncast alpha visible at 0 ULP.
    x = np.arange(1, 257, dtype=np.float64).astype(dtype) * 8
    out = run(context, lambda g, x: g.linear(x, alpha=0.1, beta=0.3), {"x": x})
    want = _as(0.1, dtype) * x.astype(np.float64) + _as(0.3, dtype)
    uncast = 0.1 * x.astype(np.float64) + 0.3
    assert (want.astype(dtype) != uncast.astype(dtype)).any()  # the test can tell
    assert_ulp(out, want, 0)


# ----------------------------------------------------------------- relu, prelu

@pytest.mark.parametrize("dtype", ["int8", "int32", "int64"])
def test_relu_integers(context, dtype):
    info = np.iinfo(dtype)
    x = np.array([int(info.min), -5, -1, 0, 1, 7, int(info.max)], dtype)
    out = run(context, lambda g, x: g.relu(x), {"x": x})
    assert_exact(out, [0, 0, 0, 0, 1, 7, int(info.max)], dtype)


def test_relu_int64_beyond_2_pow_53(context):
    x = np.array([2**62 + 1, -(2**62 + 1), 2**53 + 1], np.int64)
    out = run(context, lambda g, x: g.relu(x), {"x": x})
    assert_exact(out, [2**62 + 1, 0, 2**53 + 1], np.int64)


def _prelu(v, s):
    return max(0.0, v) + s * min(0.0, v)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize(("xshape", "sshape"), [
    ((2, 3, 4), (2, 3, 4)),  # same shape
    ((2, 3, 4), (4,)),       # slope broadcasts along the trailing axis
    ((2, 3, 4), (3, 1)),     # slope of lower rank with a 1
    ((3, 1), (2, 1, 4)),     # bidirectional: output is (2, 3, 4)
    ((), (3,)),              # scalar input
    ((2, 3), ()),            # scalar slope
])
def test_prelu_float_broadcast(context, dtype, xshape, sshape):
    x = rand(xshape, dtype, seed=7, low=-4, high=4)
    slope = rand(sshape, dtype, seed=8, low=-1, high=2)
    out = run(context, lambda g, x, s: g.prelu(x, s), {"x": x, "s": slope})
    xb, sb = np.broadcast_arrays(x.astype(np.float64), slope.astype(np.float64))
    want = np.array([_prelu(float(v), float(s)) for v, s in zip(xb.ravel(),
                                                                 sb.ravel(),
                                                                 strict=True)])
    assert out.shape == xb.shape
    assert_ulp(out, want.reshape(xb.shape), 1)


@pytest.mark.parametrize("dtype", ["int8", "int32", "int64"])
def test_prelu_integers(context, dtype):
    x = np.array([[-6, -1, 0, 5], [-3, 2, -10, 9]], dtype)
    slope = np.array([3, -2, 4, 1], dtype)
    out = run(context, lambda g, x, s: g.prelu(x, s), {"x": x, "s": slope})
    assert_exact(out, [[-18, 2, 0, 5], [-9, 2, -40, 9]], dtype)


def test_prelu_int64_exact(context):
    # 3 * -(2**53 + 1) needs 55 significant bits: exact only in integers
    x = np.array([-(2**53 + 1), 2**60], np.int64)
    slope = np.array([3], np.int64)
    out = run(context, lambda g, x, s: g.prelu(x, s), {"x": x, "s": slope})
    assert_exact(out, [-3 * (2**53 + 1), 2**60], np.int64)


# ---------------------------------------------------------------------- softmax

def _softmax(x: np.ndarray, axis: int) -> np.ndarray:
    """exp(x_i) / sum_j exp(x_j) along ``axis`` (shifted by the max, which
    cancels in the ratio), in float64."""
    x = x.astype(np.float64)
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize(("shape", "axis"), [
    ((5,), 0), ((3, 4), 0), ((3, 4), 1), ((2, 3, 4), 1), ((2, 1, 3, 4), 3),
])
def test_softmax(context, dtype, shape, axis):
    x = rand(shape, dtype, seed=11, low=-5, high=5)
    out = run(context, lambda g, x: g.softmax(x, axis), {"x": x})
    assert_ulp(out, _softmax(x, axis), 1)


def test_softmax_hand_values(context):
    # softmax([0, ln 3]) = [1/4, 3/4]; a lone element is 1; large inputs do not
    # overflow (only differences matter)
    x = np.array([[0.0, math.log(3)], [1000.0, 1000.0]], np.float32)
    out = run(context, lambda g, x: g.softmax(x, 1), {"x": x})
    ln3 = float(np.float32(math.log(3)))
    assert_ulp(out, [[1 / (1 + math.exp(ln3)), 1 / (1 + math.exp(-ln3))],
                     [0.5, 0.5]], 1)
    y = run(context, lambda g, x: g.softmax(x, 0), {"x": np.array([7.0], np.float32)})
    assert_exact(y, [1.0], np.float32)


# ------------------------------------------------------------------------ clamp

ALL_TYPES = ["float32", "float16", "int32", "uint32", "int64", "uint64", "int8",
             "uint8"]


@pytest.mark.parametrize("dtype", ALL_TYPES)
def test_clamp_every_type(context, dtype):
    x = np.array([0, 1, 2, 3, 4, 5, 6, 100], dtype)

    def fn(g, x):
        return [g.clamp(x, min_value=2, max_value=5), g.clamp(x, min_value=3),
                g.clamp(x, max_value=4), g.clamp(x), g.clamp(x, min_value=4,
                                                             max_value=4)]

    both, lo, hi, none, equal = run(context, fn, {"x": x})
    assert_exact(both, [2, 2, 2, 3, 4, 5, 5, 5], dtype)
    assert_exact(lo, [3, 3, 3, 3, 4, 5, 6, 100], dtype)
    assert_exact(hi, [0, 1, 2, 3, 4, 4, 4, 4], dtype)
    assert_exact(none, x, dtype)  # neither bound given: nothing is clamped
    assert_exact(equal, [4] * 8, dtype)


@pytest.mark.parametrize("dtype", ["int8", "int32", "int64"])
def test_clamp_signed_negative_bounds(context, dtype):
    info = np.iinfo(dtype)
    x = np.array([int(info.min), -7, -3, 0, 3, int(info.max)], dtype)
    out = run(context, lambda g, x: g.clamp(x, min_value=-5, max_value=-1), {"x": x})
    assert_exact(out, [-5, -5, -3, -1, -1, -1], dtype)
    # omitted bounds leave the extremes alone
    lo = run(context, lambda g, x: g.clamp(x, max_value=0), {"x": x})
    assert_exact(lo, [int(info.min), -7, -3, 0, 0, 0], dtype)


def test_clamp_bounds_cast_to_the_input_type(context):
    # Bounds go through the spec's cast: integers round half to even after
    # clamping to the type's range; floats round to the nearest value.
    i8 = np.array([-128, -3, 0, 2, 3, 127], np.int8)
    out = run(context, lambda g, x: g.clamp(x, min_value=-2.5, max_value=2.5),
              {"x": i8})
    assert_exact(out, [-2, -2, 0, 2, 2, 2], np.int8)  # ±2.5 -> ±2
    out = run(context, lambda g, x: g.clamp(x, min_value=-1000, max_value=1000),
              {"x": i8})
    assert_exact(out, i8, np.int8)  # bounds saturate to -128 / 127
    u8 = np.array([0, 1, 255], np.uint8)
    out = run(context, lambda g, x: g.clamp(x, min_value=-5, max_value=1.5),
              {"x": u8})
    assert_exact(out, [0, 1, 2], np.uint8)  # -5 -> 0, 1.5 -> 2
    f16 = np.array([0.0, 0.1, 0.2, 1.0], np.float16)
    out = run(context, lambda g, x: g.clamp(x, min_value=0.1, max_value=70000),
              {"x": f16})
    # 0.1 -> float16(0.1); 70000 is beyond float16: +Infinity
    assert_exact(out, [np.float16(0.1), np.float16(0.1), np.float16(0.2), 1.0],
                 np.float16)


def test_clamp_int64_uint64_beyond_2_pow_53(context):
    big = 2**53
    x = np.array([big, big + 1, big + 2, big + 3, big + 5, -(2**62)], np.int64)
    out = run(context, lambda g, x: g.clamp(x, min_value=big + 1, max_value=big + 3),
              {"x": x})
    assert_exact(out, [big + 1, big + 1, big + 2, big + 3, big + 3, big + 1],
                 np.int64)
    top = 2**64 - 1
    u = np.array([0, 2**63, top - 2, top - 1, top], np.uint64)
    out = run(context, lambda g, x: g.clamp(x, min_value=2**63 + 1, max_value=top - 1),
              {"x": u})
    assert_exact(out, [2**63 + 1, 2**63 + 1, top - 2, top - 1, top - 1], np.uint64)
    ext = np.array([-(2**63), 2**63 - 1], np.int64)
    out = run(context, lambda g, x: g.clamp(x, min_value=-(2**63) + 1), {"x": ext})
    assert_exact(out, [-(2**63) + 1, 2**63 - 1], np.int64)


@pytest.mark.parametrize("dtype", FLOATS)
def test_clamp_float_special_values(context, dtype):
    x = np.array([-np.inf, -1.5, 0.25, 2.0, np.inf, np.nan], dtype)
    out = run(context, lambda g, x: g.clamp(x, min_value=-1, max_value=1), {"x": x})
    assert_exact(out, [-1, -1, 0.25, 1, 1, np.nan], dtype)
    out = run(context, lambda g, x: g.clamp(x, min_value=0), {"x": x})
    assert_exact(out, [0, 0, 0.25, 2.0, np.inf, np.nan], dtype)
    out = run(context, lambda g, x: g.clamp(x), {"x": x})
    assert_exact(out, x, dtype)


def test_clamp_scalar(context):
    out = run(context, lambda g, x: g.clamp(x, min_value=0, max_value=1),
              {"x": np.array(-3, np.int32)})
    assert_exact(out, np.array(0, np.int32))


@pytest.mark.parametrize("dtype", FLOATS)
def test_d9_clamp_nan_bound_is_not_applied(context, dtype):
    # Issue #11 D9: the spec's steps are silent on a NaN bound; WPT expects
    # it ignored (hand-computed: only the other bound applies).
    x = np.array([-np.inf, -1.5, 0.25, 2.0, np.inf, np.nan], dtype)
    out = run(context, lambda g, x: g.clamp(x, min_value=math.nan, max_value=1),
              {"x": x})
    assert_exact(out, [-np.inf, -1.5, 0.25, 1, 1, np.nan], dtype)
    out = run(context, lambda g, x: g.clamp(x, min_value=-1, max_value=math.nan),
              {"x": x})
    assert_exact(out, [-1, -1, 0.25, 2.0, np.inf, np.nan], dtype)
    out = run(context, lambda g, x: g.clamp(x, min_value=math.nan,
                                            max_value=math.nan), {"x": x})
    assert_exact(out, x, dtype)
