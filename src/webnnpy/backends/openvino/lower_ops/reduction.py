"""OpenVINO lowerings of the reduction family: the ten ``reduce*`` ops,
``argMin``/``argMax`` and ``cumulativeSum``.

- ``axes == []`` (and every reduction of a scalar) applies the reduction
  function to each element alone (``reduceL1`` -> abs, ``reduceSumSquare`` ->
  x*x, ...).
- float reduceMax/reduceMin propagate NaN as the reference does (a NaN mask
  patches the result: the CPU plugin's ReduceMax/Min may skip NaN).
- reduceLogSumExp is max-shifted as the reference is, the shift taken as 0
  when the maximum is infinite.
- argMin/argMax take the first index of the extreme value: ``ReduceMin`` over
  the positions where the value equals the reduced extreme (a NaN counts as
  the extreme, the first NaN wins, as in the reference).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from webnnpy.backends.openvino.emitter import Emitter, ops
from webnnpy.backends.openvino.lower_ops._table import Exclude, LoweringTable
from webnnpy.backends.openvino.lower_ops._util import (
    FLOATS,
    WIDE_INTS,
    dtype_of,
    int_equal,
    int_reduce_extreme,
    shape_of,
    where,
)
from webnnpy.ir.graph import Node

__all__ = ["EXCLUDE", "LOWERINGS"]

LOWERINGS = LoweringTable()
EXCLUDE: Exclude = {}

_OV_REDUCE = {
    "reduceL1": ops.reduce_l1, "reduceL2": ops.reduce_l2, "reduceMax": ops.reduce_max,
    "reduceMean": ops.reduce_mean, "reduceMin": ops.reduce_min,
    "reduceProduct": ops.reduce_prod, "reduceSum": ops.reduce_sum,
}


def _elementwise(ctx: Emitter, op: str, x: Any) -> Any:
    """The reduction function of one element (``axes == []``)."""
    if op in ("reduceL1", "reduceL2"):
        return ops.abs(x).output(0)
    if op == "reduceLogSum":
        return ops.log(x).output(0)
    if op == "reduceSumSquare":
        return ops.multiply(x, x).output(0)
    return x


def _nan_any(ctx: Emitter, x: Any, axes: Any, keep: bool) -> Any:
    mask = ctx.cast(ops.is_nan(x), "uint8")
    return ops.not_equal(ops.reduce_max(mask, axes, keep), ctx.const(0, "uint8"))


@LOWERINGS.define(*_OV_REDUCE, "reduceLogSum", "reduceLogSumExp", "reduceSumSquare")
def _reduce(ctx: Emitter, node: Node) -> None:
    x = ctx.input(node, "input")
    dt = dtype_of(node, "input")
    axes: list[int] = list(node.attrs["axes"])
    keep: bool = bool(node.attrs["keepDimensions"])
    op = node.op
    if not axes:
        ctx.set(node, _elementwise(ctx, op, x))
        return
    ax = ctx.ints(axes)
    if dt not in FLOATS:
        ctx.set(node, _int_reduce(ctx, op, x, dt, list(shape_of(node, "input")),
                                  axes, keep))
        return
    if op == "reduceLogSumExp":
        m = ops.reduce_max(x, ax, True)
        shift = where(ctx, ops.is_inf(m), ctx.const(0, dt), m)
        s = ops.reduce_sum(ops.exp(ops.subtract(x, shift)), ax, keep)
        if not keep:
            shift = ops.squeeze(shift, ax).output(0)
        r = ops.add(ops.log(s), shift)
        # the CPU plugin's ReduceMax skips NaN and its Exp gives inf for NaN
        ctx.set(node, where(ctx, _nan_any(ctx, x, ax, keep), ctx.const(np.nan, dt), r))
        return
    if op == "reduceLogSum":
        ctx.set(node, ops.log(ops.reduce_sum(x, ax, keep)))
        return
    if op == "reduceSumSquare":
        ctx.set(node, ops.reduce_sum(ops.multiply(x, x), ax, keep))
        return
    r = _OV_REDUCE[op](x, ax, keep).output(0)
    if op in ("reduceMax", "reduceMin") and dt in FLOATS:
        r = where(ctx, _nan_any(ctx, x, ax, keep), ctx.const(np.nan, dt), r)
    ctx.set(node, r)


_INT_MAX = 2**31 - 1


def _int_reduce(ctx: Emitter, op: str, x: Any, dt: str, shape: list[int],
                axes: list[int], keep: bool) -> Any:
    """An integer reduction over non-empty ``axes``: exact and wrapping.  The
    CPU plugin's integer ReduceSum/ReduceProd saturate, and it orders uint32
    as int32; sums are CumSum along each axis (wrapping) and its last slice,
    products pairwise Multiply trees, uint32 runs on int32 (the same bits
    modulo 2**32; max/min on the order-preserving map)."""
    out_shape = [1 if i in axes else d for i, d in enumerate(shape)] if keep \
        else [d for i, d in enumerate(shape) if i not in axes]
    if op in ("reduceMax", "reduceMin"):
        fn = ops.reduce_max if op == "reduceMax" else ops.reduce_min
        if dt in WIDE_INTS:
            return int_reduce_extreme(ctx, x, dt, ctx.ints(axes), keep,
                                      op == "reduceMax")
        return fn(x, ctx.ints(axes), keep).output(0)
    x = ctx.cast(x, "int32")  # uint32: the same bits
    if op == "reduceL1" and dt != "uint32":
        x = ops.abs(x).output(0)
    elif op == "reduceSumSquare":
        x = ops.multiply(x, x).output(0)
    for a in axes:
        k = shape[a]
        if op == "reduceProduct":
            while k > 1:
                h = k // 2
                m = ops.multiply(_slice(ctx, x, a, 0, h), _slice(ctx, x, a, h, 2 * h))
                if k % 2:
                    m = ops.concat([m, _slice(ctx, x, a, 2 * h, k)], a)
                x, k = m.output(0), h + k % 2
        elif k > 1:
            c = ops.cumsum(x, ctx.const(a, "int64"))
            x = _slice(ctx, c, a, k - 1, k)
    r = ops.reshape(x, ctx.ints(out_shape), False).output(0)
    return ctx.cast(r, dt)


def _slice(ctx: Emitter, x: Any, axis: int, start: int, end: int) -> Any:
    return ops.slice(x, ctx.ints([start]), ctx.ints([end]), ctx.ints([1]),
                     ctx.ints([axis])).output(0)


@LOWERINGS.define("argMin", "argMax")
def _arg_min_max(ctx: Emitter, node: Node) -> None:
    x = ctx.input(node, "input")
    dt = dtype_of(node, "input")
    shape = shape_of(node, "input")
    axis: int = node.attrs["axis"]
    keep = bool(node.attrs["keepDimensions"])
    ax = ctx.ints([axis])
    if dt in WIDE_INTS:  # exact comparisons (see _util.int_less)
        ext = int_reduce_extreme(ctx, x, dt, ax, True, node.op == "argMax")
        hit = int_equal(ctx, x, ext, dt)
    else:
        ext = (ops.reduce_max if node.op == "argMax" else ops.reduce_min)(
            x, ax, True)
        hit = ops.equal(x, ext).output(0)
    if dt in FLOATS:
        nan = ops.is_nan(x).output(0)
        any_nan = ops.reduce_logical_or(nan, ax, True)
        hit = where(ctx, any_nan, nan, hit)
    n = shape[axis] if shape else 1
    pos_shape = [1] * len(shape)
    if shape:
        pos_shape[axis] = n
    pos = ctx.const(np.arange(n, dtype=np.int32).reshape(pos_shape), "int32")
    cand = where(ctx, hit, pos, ctx.const(n, "int32"))
    idx = ops.reduce_min(cand, ax, keep).output(0)
    ctx.set(node, ctx.cast(idx, node.attrs["outputDataType"]))


@LOWERINGS.define("cumulativeSum")
def _cumulative_sum(ctx: Emitter, node: Node) -> None:
    x = ctx.input(node, "input")
    if dtype_of(node, "input") == "uint32":
        x = ctx.cast(x, "int32")  # the same bits, wrapping alike
    ctx.set(node, ops.cumsum(x,
                             ctx.const(node.attrs["axis"], "int64"),
                             exclusive=bool(node.attrs["exclusive"]),
                             reverse=bool(node.attrs["reversed"])))
