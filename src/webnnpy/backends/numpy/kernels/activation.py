"""Reference kernels for the activation family (float64 inside, one final
rounding).

Float kernels evaluate each function in float64 in a numerically careful form
(``expm1`` for elu, ``logaddexp`` for softplus, ``erfc`` for gelu, a
sign-split sigmoid) and round once to the output type.  At +/-Infinity the
functions with a finite limit return it (sigmoid, tanh, softsign -> +/-1 or 0;
gelu and hardSwish at -Infinity -> -0, the sign of the formula's value for
every x <= -3 or x < -5.54 in float32; softplus -> +0).  Integer kernels (relu, prelu,
clamp) are exact in the operand's own type; prelu's ``slope * x`` wraps on
overflow like the element-wise ``mul`` it is defined by.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from webnnpy.backends.numpy.kernels._table import KernelTable, f64, out_dtype
from webnnpy.ir.graph import Node

__all__ = ["KERNELS", "erfc64"]

KERNELS = KernelTable()

_SQRT_PI = math.sqrt(math.pi)
_SQRT_2 = math.sqrt(2.0)
#: |z| below this: erf's series; at or above: erfc's continued fraction.
_ERFC_SPLIT = 2.0
_SERIES_TERMS = 60
_FRACTION_TERMS = 80


def erfc64(z: np.ndarray) -> np.ndarray:
    """The complementary error function in float64, vectorized, with a relative
    error below 1e-12 everywhere (including the tiny values far in the tail,
    where ``1 - erf`` would cancel to 0).

    For |z| < 2: erf(z) = 2/sqrt(pi) * exp(-z^2) * sum_n (2 z^2)^n z / (2n+1)!!
    (all terms positive, no cancellation), erfc = 1 - erf.  For |z| >= 2 the
    continued fraction erfc(z) = exp(-z^2)/sqrt(pi) / (z + (1/2)/(z + 1/(z +
    (3/2)/(z + ...)))), evaluated bottom-up.  Negative z: erfc(z) = 2 - erfc(-z).
    """
    z = np.asarray(z, dtype=np.float64)
    a = np.abs(z)
    out = np.empty_like(a)
    small = a < _ERFC_SPLIT
    with np.errstate(over="ignore", invalid="ignore"):
        s = a[small]
        term = s.copy()
        total = s.copy()
        two_s2 = 2.0 * s * s
        for n in range(1, _SERIES_TERMS):
            term = term * two_s2 / (2 * n + 1)
            total += term
        out[small] = 1.0 - 2.0 / _SQRT_PI * np.exp(-s * s) * total
        big = ~small & ~np.isnan(a)
        c = a[big]
        f = c.copy()
        for k in range(_FRACTION_TERMS, 0, -1):
            f = c + (0.5 * k) / f
        out[big] = np.exp(-c * c) / (_SQRT_PI * f)  # +inf: 0 / inf = 0
    out[np.isnan(a)] = np.nan
    return np.where(z < 0, 2.0 - out, out)


def _float_result(node: Node, r: np.ndarray) -> list[np.ndarray]:
    with np.errstate(over="ignore"):  # beyond float16's range: +/-inf
        return [np.asarray(r).astype(out_dtype(node))]


@KERNELS.define("relu")
def _relu(node: Node, x: dict[str, Any]) -> list[np.ndarray]:
    v = x["input"]
    return [np.asarray(np.maximum(v, np.zeros((), v.dtype)))]  # exact; keeps NaN


@KERNELS.define("sigmoid")
def _sigmoid(node: Node, x: dict[str, Any]) -> list[np.ndarray]:
    v = f64(x["input"])
    with np.errstate(over="ignore"):
        e = np.exp(-np.abs(v))  # in (0, 1]: no overflow, no cancellation
        r = np.where(v >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    return _float_result(node, r)


@KERNELS.define("tanh")
def _tanh(node: Node, x: dict[str, Any]) -> list[np.ndarray]:
    return _float_result(node, np.tanh(f64(x["input"])))


@KERNELS.define("softplus")
def _softplus(node: Node, x: dict[str, Any]) -> list[np.ndarray]:
    with np.errstate(invalid="ignore"):  # NaN in, NaN out
        return _float_result(node, np.logaddexp(0.0, f64(x["input"])))


@KERNELS.define("softsign")
def _softsign(node: Node, x: dict[str, Any]) -> list[np.ndarray]:
    v = f64(x["input"])
    with np.errstate(invalid="ignore"):
        r = np.where(np.isinf(v), np.sign(v), v / (1.0 + np.abs(v)))
    return _float_result(node, r)


@KERNELS.define("gelu")
def _gelu(node: Node, x: dict[str, Any]) -> list[np.ndarray]:
    # 0.5 * x * (1 + erf(x / sqrt(2))) == 0.5 * x * erfc(-x / sqrt(2)): the erfc
    # form keeps full relative precision for large negative x.
    v = f64(x["input"])
    with np.errstate(invalid="ignore"):
        r = 0.5 * v * erfc64(-v / _SQRT_2)
    # the limit at -inf is approached from below: -0 (the formula in float32
    # is -0 itself below x = -5.54)
    r = np.where(v == -np.inf, -0.0, r)
    return _float_result(node, r)


@KERNELS.define("hardSwish")
def _hard_swish(node: Node, x: dict[str, Any]) -> list[np.ndarray]:
    v = f64(x["input"])
    with np.errstate(invalid="ignore"):
        r = v * np.clip(v + 3.0, 0.0, 6.0) / 6.0
    # the formula is x * 0 / 6 = -0 for every x <= -3: the limit is -0
    r = np.where(v == -np.inf, -0.0, r)
    return _float_result(node, r)


@KERNELS.define("elu")
def _elu(node: Node, x: dict[str, Any]) -> list[np.ndarray]:
    v = f64(x["input"])
    alpha = node.attrs["alpha"]
    r = np.where(v > 0, v, alpha * np.expm1(np.minimum(v, 0.0)))
    return _float_result(node, r)


@KERNELS.define("leakyRelu")
def _leaky_relu(node: Node, x: dict[str, Any]) -> list[np.ndarray]:
    v = f64(x["input"])
    with np.errstate(invalid="ignore"):
        r = np.where(v >= 0, v, node.attrs["alpha"] * v)
    return _float_result(node, r)


@KERNELS.define("linear")
def _linear(node: Node, x: dict[str, Any]) -> list[np.ndarray]:
    v = f64(x["input"])
    with np.errstate(invalid="ignore"):
        r = node.attrs["alpha"] * v + node.attrs["beta"]
    return _float_result(node, r)


@KERNELS.define("hardSigmoid")
def _hard_sigmoid(node: Node, x: dict[str, Any]) -> list[np.ndarray]:
    v = f64(x["input"])
    with np.errstate(invalid="ignore"):
        r = np.clip(node.attrs["alpha"] * v + node.attrs["beta"], 0.0, 1.0)
    return _float_result(node, r)


@KERNELS.define("prelu")
def _prelu(node: Node, x: dict[str, Any]) -> list[np.ndarray]:
    v, slope = x["input"], x["slope"]
    shape = node.outputs[0].desc.shape
    if v.dtype.kind == "f":
        a, s = f64(v), f64(slope)
        with np.errstate(invalid="ignore"):
            r = np.where(a >= 0, a, s * a)
        return _float_result(node, np.broadcast_to(r, shape))
    with np.errstate(over="ignore"):
        r = np.where(v >= 0, v, slope * v)  # same-width integers: wraps
    return [np.broadcast_to(r, shape).astype(out_dtype(node))]


@KERNELS.define("clamp")
def _clamp(node: Node, x: dict[str, Any]) -> list[np.ndarray]:
    # The bounds are already cast to the input's type (exact Python ints for
    # 64-bit integers), so min/max in that type is exact.
    # A NaN bound (floats only; integers cast NaN to 0) is not applied: the
    # spec's steps are silent on NaN, and WPT expects the bound ignored, as
    # ONNX Runtime's Clip and Chromium do (docs/differences.md).
    v = x["input"]
    lo = np.array(node.attrs["minValue"], dtype=v.dtype)
    hi = np.array(node.attrs["maxValue"], dtype=v.dtype)
    if not np.isnan(lo):
        v = np.maximum(v, lo)
    if not np.isnan(hi):
        v = np.minimum(v, hi)
    return [np.asarray(v)]


@KERNELS.define("softmax")
def _softmax(node: Node, x: dict[str, Any]) -> list[np.ndarray]:
    v = f64(x["input"])
    axis = node.attrs["axis"]
    with np.errstate(invalid="ignore", over="ignore"):
        e = np.exp(v - np.max(v, axis=axis, keepdims=True))
        r = e / np.sum(e, axis=axis, keepdims=True)
    return _float_result(node, r)
