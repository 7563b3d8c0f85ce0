"""Reference kernels for the reduction family (float64 inside, one final rounding).

Floats compute in float64 and round once to the output type; NaN propagates
through every reduction (reduceMax/reduceMin included).  ``reduceLogSumExp`` is
max-shifted: ``m + log(sum(exp(x - m)))`` with ``m`` the (finite) maximum, so
it neither overflows nor underflows needlessly.

Integers (reduceL1/Sum/SumSquare/Product, reduceMax/Min, cumulativeSum) are
exact in the operand's own width: every step wraps modulo 2**bits (two's
complement), as the element-wise integer ops do; ``abs`` of the most negative
value stays itself.  The spec does not define integer overflow.

argMin/argMax return the FIRST index of the extreme value on ties, and treat
NaN as the extreme value (the index of the first NaN is returned), matching
reduceMax/reduceMin, which return NaN.  The spec leaves both to the
implementation.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from webnnpy.backends.numpy.kernels._table import KernelTable, f64, out_dtype
from webnnpy.ir.graph import Node

__all__ = ["KERNELS"]

KERNELS = KernelTable()

Axes = tuple[int, ...]
_Reduce = Callable[[np.ndarray, Axes], np.ndarray]


def _log_sum_exp(v: np.ndarray, axes: Axes) -> np.ndarray:
    m = np.max(v, axis=axes, keepdims=True)
    # an infinite (or NaN) maximum decides the result alone; shift by 0 then
    shift = np.where(np.isfinite(m), m, 0.0)
    return np.log(np.sum(np.exp(v - shift), axis=axes, keepdims=True)) + shift


_FLOAT: dict[str, _Reduce] = {
    "reduceL1": lambda v, a: np.sum(np.abs(v), axis=a, keepdims=True),
    "reduceL2": lambda v, a: np.sqrt(np.sum(v * v, axis=a, keepdims=True)),
    "reduceLogSum": lambda v, a: np.log(np.sum(v, axis=a, keepdims=True)),
    "reduceLogSumExp": _log_sum_exp,
    "reduceMax": lambda v, a: np.max(v, axis=a, keepdims=True),
    "reduceMean": lambda v, a: np.mean(v, axis=a, keepdims=True),
    "reduceMin": lambda v, a: np.min(v, axis=a, keepdims=True),
    "reduceProduct": lambda v, a: np.prod(v, axis=a, keepdims=True),
    "reduceSum": lambda v, a: np.sum(v, axis=a, keepdims=True),
    "reduceSumSquare": lambda v, a: np.sum(v * v, axis=a, keepdims=True),
}

# Integer reductions accumulate in the operand's dtype, so they wrap exactly.
_INT: dict[str, _Reduce] = {
    "reduceL1": lambda v, a: np.sum(np.abs(v), axis=a, dtype=v.dtype,
                                    keepdims=True),
    "reduceMax": lambda v, a: np.max(v, axis=a, keepdims=True),
    "reduceMin": lambda v, a: np.min(v, axis=a, keepdims=True),
    "reduceProduct": lambda v, a: np.prod(v, axis=a, dtype=v.dtype, keepdims=True),
    "reduceSum": lambda v, a: np.sum(v, axis=a, dtype=v.dtype, keepdims=True),
    "reduceSumSquare": lambda v, a: np.sum(v * v, axis=a, dtype=v.dtype,
                                           keepdims=True),
}


@KERNELS.define(*_FLOAT)
def _reduce(node: Node, x: dict[str, Any]) -> list[np.ndarray]:
    v = x["input"]
    axes = tuple(node.attrs["axes"])
    desc = node.outputs[0].desc
    with np.errstate(all="ignore"):
        if v.dtype.kind == "f":
            w = f64(v)
            r = _FLOAT[node.op](w, axes)
            if node.op in ("reduceSum", "reduceMean"):
                # IEEE: a sum of zeros is -0 only when every one is -0 (NumPy
                # starts its sum from +0)
                neg0 = np.all((w == 0) & np.signbit(w), axis=axes, keepdims=True)
                r = np.where(neg0, -0.0, r)
        else:
            r = _INT[node.op](v, axes)
        # reduced dimensions were kept (size 1); the IR's shape drops them
        # unless keepDimensions is true
        return [np.asarray(r).astype(out_dtype(node)).reshape(desc.shape)]


@KERNELS.define("argMin", "argMax")
def _arg_min_max(node: Node, x: dict[str, Any]) -> list[np.ndarray]:
    v = x["input"]
    fn = np.argmin if node.op == "argMin" else np.argmax
    # NumPy: the first index of the extreme value; a NaN is the extreme value
    r = fn(v, axis=node.attrs["axis"], keepdims=node.attrs["keepDimensions"])
    return [np.asarray(r).astype(out_dtype(node))]


@KERNELS.define("cumulativeSum")
def _cumulative_sum(node: Node, x: dict[str, Any]) -> list[np.ndarray]:
    v = x["input"]
    axis = node.attrs["axis"]
    w = f64(v) if v.dtype.kind == "f" else v
    if node.attrs["reversed"]:
        w = np.flip(w, axis)
    with np.errstate(all="ignore"):
        c = np.cumsum(w, axis=axis, dtype=w.dtype)
    if node.attrs["exclusive"]:
        # shift by one along the axis: 0, then the inclusive sums but the last
        zero = np.zeros_like(np.take(c, [0], axis=axis))
        c = np.concatenate([zero, np.delete(c, -1, axis=axis)], axis=axis)
    if node.attrs["reversed"]:
        c = np.flip(c, axis)
    return [np.ascontiguousarray(c.astype(out_dtype(node)))]
