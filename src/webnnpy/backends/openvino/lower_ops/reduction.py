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
from webnnpy.backends.openvino.lower_ops._util import FLOATS, dtype_of, shape_of, where
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
    if op == "reduceLogSumExp":
        m = ops.reduce_max(x, ax, True)
        shift = where(ctx, ops.is_inf(m), ctx.const(0, dt), m)
        s = ops.reduce_sum(ops.exp(ops.subtract(x, shift)), ax, keep)
        if not keep:
            shift = ops.squeeze(shift, ax).output(0)
        ctx.set(node, ops.add(ops.log(s), shift))
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


@LOWERINGS.define("argMin", "argMax")
def _arg_min_max(ctx: Emitter, node: Node) -> None:
    x = ctx.input(node, "input")
    dt = dtype_of(node, "input")
    shape = shape_of(node, "input")
    axis: int = node.attrs["axis"]
    keep = bool(node.attrs["keepDimensions"])
    ax = ctx.ints([axis])
    ext = (ops.reduce_max if node.op == "argMax" else ops.reduce_min)(x, ax, True)
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
    ctx.set(node, ops.cumsum(ctx.input(node, "input"),
                             ctx.const(node.attrs["axis"], "int64"),
                             exclusive=bool(node.attrs["exclusive"]),
                             reverse=bool(node.attrs["reversed"])))
