"""OpenVINO lowerings of the gather_scatter family: gather, gatherElements,
gatherND, scatterElements and scatterND.

Indices follow the reference: clamped into ``[-dim, dim - 1]`` (constant
indices at lowering time, others with Minimum/Maximum), and made
non-negative.

Duplicate targets: the reference lets the update that comes last in
row-major order of the indices win.  The CPU plugin's ScatterNDUpdate and
ScatterElementsUpdate (no reduction) write their updates from several
threads, so with duplicates either one may land (1000 updates of one
element: 999 in 282 runs of 300, 499 in 18).  So before the scatter every
update is replaced by the value of the update that wins its target, and
duplicate writes carry the same value: the winner of each target is found
by scattering the updates' positions with ``reduction="max"`` (which the
plugin computes deterministically) and gathering back.  Constant indices
without duplicates (checked at lowering) skip this.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from webnnpy.backends.openvino.emitter import Emitter, ops
from webnnpy.backends.openvino.lower_ops._table import Exclude, LoweringTable
from webnnpy.backends.openvino.lower_ops._util import where
from webnnpy.ir.graph import Node, Value

__all__ = ["EXCLUDE", "LOWERINGS"]

LOWERINGS = LoweringTable()
EXCLUDE: Exclude = {}


def _value(node: Node, arg: str) -> Value:
    v = node.operands[arg]
    assert isinstance(v, Value)
    return v


def _clamped(ctx: Emitter, node: Node, dims: list[int]) -> Any:
    """The indices as int32, each clamped into ``[-dim, dim - 1]`` of the
    dimension it indexes (``dims`` broadcasts along the last axis when it has
    several items) and counted from the end when negative."""
    v = _value(node, "indices")
    if v.constant is not None:
        i = np.clip(v.constant.astype(np.int64), [-d for d in dims],
                    [d - 1 for d in dims])
        i = np.where(i < 0, i + np.asarray(dims, np.int64), i)
        return ctx.array(np.array(i, dtype=np.int32).reshape(v.constant.shape))
    dt = v.desc.data_type
    shape = (len(dims),) if len(dims) > 1 else ()
    pair = ctx.pairs.get(id(v))
    if pair is not None:
        return _clamped_pair(ctx, pair, dims, shape)
    idx = ctx.value(v)
    if dt == "int64":  # an int32 value inside the graph (argMin/argMax)
        dt = "int32"
    if dt == "uint32":
        # the CPU plugin holds uint32 as int32: 2**31 and more read negative,
        # and every such index is past the end
        # (a saturating Convert would give 2**31 - 1: past the end too)
        dt = "int32"
        idx = ctx.cast(idx, "int32")
        neg = ops.less(idx, ctx.const(0, "int32"))
        idx = where(ctx, neg, ctx.const(max(dims), "int32"), idx)
    lo = ctx.const([-d for d in dims], dt, shape)
    hi = ctx.const([d - 1 for d in dims], dt, shape)
    idx = ops.maximum(ops.minimum(idx, hi), lo).output(0)
    return _non_negative(ctx, idx, dims, shape)


def _clamped_pair(ctx: Emitter, pair: Any, dims: list[int],
                  shape: tuple[int, ...]) -> Any:
    """int64 indices given as int32 (low, high) pairs, clamped exactly: a
    value fits in int32 when its high word is the low word's sign."""
    last = ctx.ints([-1])
    parts = ops.variadic_split(pair, ctx.const(-1, "int64"), ctx.ints([1, 1]))
    low = ops.squeeze(parts.output(0), last).output(0)
    high = ops.squeeze(parts.output(1), last).output(0)
    sign = ops.select(ops.less(low, ctx.const(0, "int32")), ctx.const(-1, "int32"),
                      ctx.const(0, "int32"))
    fits = ops.equal(high, sign)
    lo = ctx.const([-d for d in dims], "int32", shape)
    hi = ctx.const([d - 1 for d in dims], "int32", shape)
    far = where(ctx, ops.less(high, ctx.const(0, "int32")), lo, hi)
    idx = ops.maximum(ops.minimum(low, hi), lo)
    return _non_negative(ctx, where(ctx, fits, idx, far), dims, shape)


def _non_negative(ctx: Emitter, idx: Any, dims: list[int],
                  shape: tuple[int, ...]) -> Any:
    size = ctx.const(dims, "int32", shape)
    neg = ops.less(idx, ctx.const(0, "int32"))
    return where(ctx, neg, ops.add(idx, size), idx)


@LOWERINGS.define("gather")
def _gather(ctx: Emitter, node: Node) -> None:
    axis = node.attrs["axis"]
    dim = _value(node, "input").desc.shape[axis]
    idx = _clamped(ctx, node, [dim])
    ctx.set(node, ops.gather(ctx.input(node, "input"), idx,
                             ctx.const(axis, "int64")))


@LOWERINGS.define("gatherElements")
def _gather_elements(ctx: Emitter, node: Node) -> None:
    axis = node.attrs["axis"]
    dim = _value(node, "input").desc.shape[axis]
    idx = _clamped(ctx, node, [dim])
    ctx.set(node, ops.gather_elements(ctx.input(node, "input"), idx, axis))


@LOWERINGS.define("gatherND")
def _gather_nd(ctx: Emitter, node: Node) -> None:
    shape = _value(node, "input").desc.shape
    k = _value(node, "indices").desc.shape[-1]
    idx = _clamped(ctx, node, list(shape[:k]))
    ctx.set(node, ops.gather_nd(ctx.input(node, "input"), idx))


def _constant_targets(node: Node, dims: list[int]) -> np.ndarray | None:
    """Constant indices' targets, clamped and non-negative, or None when the
    indices are not constant."""
    v = _value(node, "indices")
    if v.constant is None:
        return None
    i = np.clip(v.constant.astype(np.int64), [-d for d in dims], [d - 1 for d in dims])
    return np.where(i < 0, i + np.asarray(dims, np.int64), i)


def _no_duplicates(targets: np.ndarray | None, axis: int | None) -> bool:
    """Whether constant scatter targets are all distinct (scatterND: rows of
    the last axis; scatterElements: along ``axis``, the other coordinates
    being the element's own)."""
    if targets is None:
        return False
    if axis is None:  # scatterND
        rows = targets.reshape(-1, targets.shape[-1])
        return len(np.unique(rows, axis=0)) == len(rows)
    moved = np.moveaxis(targets, axis, -1).reshape(-1, targets.shape[axis])
    return all(len(np.unique(r)) == len(r) for r in moved)


@LOWERINGS.define("scatterElements")
def _scatter_elements(ctx: Emitter, node: Node) -> None:
    axis = node.attrs["axis"]
    shape = list(_value(node, "input").desc.shape)
    ishape = list(_value(node, "indices").desc.shape)
    dim = shape[axis]
    idx = _clamped(ctx, node, [dim])
    upd = ctx.input(node, "updates")
    ax = ctx.const(axis, "int64")
    if ishape[axis] > 1 and not _no_duplicates(
            _constant_targets(node, [dim]), axis):
        # each update's position along the axis; the largest one that hits
        # a target is the last in row-major order, the reference's winner
        pos = np.arange(ishape[axis], dtype=np.int32).reshape(
            [-1 if a == axis else 1 for a in range(len(ishape))])
        pos = ops.broadcast(ctx.array(pos), ctx.ints(ishape)).output(0)
        start = ops.broadcast(ctx.const(-1, "int32"), ctx.ints(shape)).output(0)
        winner = ops.scatter_elements_update(start, idx, pos, ax, "max", True)
        upd = ops.gather_elements(upd, ops.gather_elements(winner, idx, axis),
                                  axis).output(0)
    ctx.set(node, ops.scatter_elements_update(ctx.input(node, "input"), idx, upd,
                                              ax, "none"))


@LOWERINGS.define("scatterND")
def _scatter_nd(ctx: Emitter, node: Node) -> None:
    shape = list(_value(node, "input").desc.shape)
    ishape = list(_value(node, "indices").desc.shape)
    k = ishape[-1]
    idx = _clamped(ctx, node, shape[:k])
    upd = ctx.input(node, "updates")
    n = int(np.prod(ishape[:-1]))
    if n > 1 and not _no_duplicates(_constant_targets(node, shape[:k]), None):
        # each index tuple's number in row-major order; the largest one
        # that hits a target is the reference's winner
        order = ctx.array(np.arange(n, dtype=np.int32).reshape(ishape[:-1]))
        start = ops.broadcast(ctx.const(-1, "int32"), ctx.ints(shape[:k])).output(0)
        winner = ops.scatter_nd_update(start, idx, order, "max")
        win = ops.reshape(ops.gather_nd(winner, idx), ctx.ints([n]), False)
        flat = ops.reshape(upd, ctx.ints([n, *shape[k:]]), False)
        upd = ops.reshape(ops.gather(flat, win, ctx.const(0, "int64")),
                          ctx.ints(ishape[:-1] + shape[k:]), False).output(0)
    ctx.set(node, ops.scatter_nd_update(ctx.input(node, "input"), idx, upd))
