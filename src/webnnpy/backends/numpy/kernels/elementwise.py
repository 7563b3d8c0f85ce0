"""Reference kernels for the element-wise family.

Floats compute in float64 and round once to the output type.  Integers use
exact integer arithmetic of the operand's own width (wrapping on overflow);
``div`` truncates toward zero and integer division by zero gives 0 (the spec
leaves it undefined).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from webnnpy.backends.numpy.kernels._table import KernelTable, f64, out_dtype
from webnnpy.ir.graph import Node

__all__ = ["KERNELS"]

KERNELS = KernelTable()

_erf = np.frompyfunc(math.erf, 1, 1)


def _is_float(x: np.ndarray) -> bool:
    return x.dtype.kind == "f"


def _int_div(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", over="ignore"):
        q = np.floor_divide(a, b)
        r = np.remainder(a, b)
    # floor -> truncation: add one where the signs differ and it was inexact
    if a.dtype.kind == "i":
        fix = (r != 0) & ((a < 0) != (b < 0))
        q = q + fix.astype(q.dtype)
    return np.where(b == 0, np.zeros((), q.dtype), q)


def _int_pow(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a, b = np.broadcast_arrays(a, b)
    if b.dtype.kind == "u":
        with np.errstate(over="ignore"):
            return np.power(a, b)
    neg = b < 0
    with np.errstate(over="ignore"):
        pos = np.power(a, np.where(neg, 0, b))
    # a ** -n truncated toward zero: only |a| == 1 survives; 0 ** -n -> 0
    one = np.ones((), a.dtype)
    odd = (np.abs(b) % 2) == 1
    neg_val = np.where(a == 1, one, np.where((a == -1) & odd, -one,
                                             np.where(a == -1, one, 0)))
    return np.where(neg, neg_val.astype(a.dtype), pos)


_FLOAT_BINARY = {
    "add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.divide,
    "max": np.maximum, "min": np.minimum, "pow": np.power,
}


def _pow_of_negative_infinity(a: np.ndarray, b: np.ndarray, r: np.ndarray
                              ) -> np.ndarray:
    """``r = np.power(a, b)`` with every element whose base is -inf redone by
    C's pow (IEEE 754 9.2.1: +inf for an exponent > 0 that is not an odd
    integer): NumPy takes a sqrt shortcut for an exponent of 0.5 broadcast as
    a scalar, and sqrt(-inf) is NaN."""
    fa, fb = np.broadcast_arrays(a, b)
    neg_inf = np.isneginf(fa)
    if not neg_inf.any():
        return r
    r = np.array(np.broadcast_to(r, fa.shape), dtype=np.float64)
    r[neg_inf] = [math.pow(float(x), float(y))
                  for x, y in zip(fa[neg_inf], fb[neg_inf], strict=True)]
    return r


@KERNELS.define("add", "sub", "mul", "div", "max", "min", "pow")
def _binary(node: Node, x: dict[str, Any]) -> list[np.ndarray]:
    a, b = x["a"], x["b"]
    dt = out_dtype(node)
    if _is_float(a):
        with np.errstate(all="ignore"):
            r = _FLOAT_BINARY[node.op](f64(a), f64(b))
        if node.op == "pow":
            r = _pow_of_negative_infinity(f64(a), f64(b), r)
        return [np.asarray(r).astype(dt)]
    if node.op == "div":
        r = _int_div(a, b)
    elif node.op == "pow":
        r = _int_pow(a, b)
    else:
        with np.errstate(over="ignore"):
            r = _FLOAT_BINARY[node.op](a, b)
    return [np.broadcast_to(np.asarray(r, dtype=dt), node.outputs[0].desc.shape).copy()]


_COMPARE = {
    "equal": np.equal, "notEqual": np.not_equal, "greater": np.greater,
    "greaterOrEqual": np.greater_equal, "lesser": np.less,
    "lesserOrEqual": np.less_equal,
}


@KERNELS.define(*_COMPARE)
def _compare(node: Node, x: dict[str, Any]) -> list[np.ndarray]:
    r = _COMPARE[node.op](x["a"], x["b"])
    return [np.broadcast_to(r, node.outputs[0].desc.shape).astype(np.uint8)]


_LOGICAL = {"logicalAnd": np.logical_and, "logicalOr": np.logical_or,
            "logicalXor": np.logical_xor}


@KERNELS.define(*_LOGICAL)
def _logical(node: Node, x: dict[str, Any]) -> list[np.ndarray]:
    r = _LOGICAL[node.op](x["a"] != 0, x["b"] != 0)
    return [np.broadcast_to(r, node.outputs[0].desc.shape).astype(np.uint8)]


@KERNELS.define("logicalNot")
def _logical_not(node: Node, x: dict[str, Any]) -> list[np.ndarray]:
    return [(x["a"] == 0).astype(np.uint8)]


@KERNELS.define("isNaN")
def _is_nan(node: Node, x: dict[str, Any]) -> list[np.ndarray]:
    return [np.isnan(x["a"]).astype(np.uint8)]


@KERNELS.define("isInfinite")
def _is_inf(node: Node, x: dict[str, Any]) -> list[np.ndarray]:
    return [np.isinf(x["a"]).astype(np.uint8)]


def _erf64(v: np.ndarray) -> np.ndarray:
    return np.asarray(_erf(v), dtype=np.float64)


_FLOAT_UNARY: dict[str, Callable[[np.ndarray], Any]] = {
    "abs": np.abs, "ceil": np.ceil, "cos": np.cos, "erf": _erf64, "exp": np.exp,
    "floor": np.floor, "log": np.log, "neg": np.negative,
    "reciprocal": lambda v: 1.0 / v, "roundEven": np.rint, "sin": np.sin,
    "sign": np.sign, "sqrt": np.sqrt, "tan": np.tan,
}


@KERNELS.define("abs", "ceil", "cos", "erf", "exp", "floor", "identity", "log",
                "neg", "reciprocal", "roundEven", "sin", "sign", "sqrt", "tan")
def _unary(node: Node, x: dict[str, Any]) -> list[np.ndarray]:
    v = x["input"]
    dt = out_dtype(node)
    if node.op == "identity":
        return [v.copy()]
    if _is_float(v):
        with np.errstate(all="ignore"):
            r = _FLOAT_UNARY[node.op](f64(v))
            return [np.asarray(r).astype(dt)]
    with np.errstate(over="ignore"):
        r = {"abs": np.abs, "neg": np.negative, "sign": np.sign}[node.op](v)
    return [np.asarray(r, dtype=dt)]
