"""ONNX lowerings of the gather_scatter family: gather, gatherElements,
gatherND, scatterElements and scatterND.

Indices follow the reference: cast to int64 (uint32 and int64 values of any
size stay exact), clamped into ``[-dim, dim - 1]`` (ONNX Runtime would fail on
an out-of-range index) and, for the ND ops, made non-negative.  Constant
indices are normalized at lowering time.

Duplicate targets: the reference lets the update that comes last in
row-major order win.  ONNX Runtime's ScatterElements applies updates in that
order; its ScatterND runs slices in parallel, so every update is first
replaced by the value of the last update to the same target (found with
Unique on the reversed flat targets), after which the order no longer
matters.
"""

from __future__ import annotations

import math

import numpy as np

from webnnpy.backends.onnxruntime.emitter import Emitter, value_info
from webnnpy.backends.onnxruntime.lower_ops._table import LoweringTable
from webnnpy.backends.onnxruntime.lower_ops._util import max_min
from webnnpy.ir.graph import Node, Value

__all__ = ["LOWERINGS"]

LOWERINGS = LoweringTable()

_INT64_MIN = -(2**63)


def _value(node: Node, arg: str) -> Value:
    v = node.operands[arg]
    assert isinstance(v, Value)
    return v


def _clamped(ctx: Emitter, node: Node, dims: list[int], *,
             non_negative: bool) -> str:
    """The indices as int64, each clamped into ``[-dim, dim - 1]`` of the
    dimension it indexes (``dims`` broadcasts along the last axis when it has
    several items), and counted from the end when negative (with
    ``non_negative``)."""
    v = _value(node, "indices")
    if v.constant is not None:
        i = np.clip(v.constant.astype(np.int64), [-d for d in dims],
                    [d - 1 for d in dims])
        if non_negative:
            i = np.where(i < 0, i + np.asarray(dims, np.int64), i)
        # (np.clip broadcasts a scalar against the 1-item bounds: keep the
        # indices' own shape, scalars included)
        return ctx.array(np.array(i, dtype=np.int64).reshape(v.constant.shape))
    idx = ctx.value(v)
    if v.desc.data_type != "int64":
        idx = ctx.cast(idx, "int64")
    lo = ctx.const([-d for d in dims], "int64", (len(dims),) if len(dims) > 1 else ())
    hi = ctx.const([d - 1 for d in dims], "int64",
                   (len(dims),) if len(dims) > 1 else ())
    # (not Clip: ONNX Runtime 1.31's int64 Clip mishandles values >= 2**31)
    idx = max_min(ctx, "Max", max_min(ctx, "Min", idx, hi, "int64"), lo, "int64")
    if non_negative:
        size = ctx.const(dims, "int64", (len(dims),) if len(dims) > 1 else ())
        neg = ctx.emit("Less", [idx, ctx.const(0, "int64")])
        idx = ctx.emit("Where", [neg, ctx.emit("Add", [idx, size]), idx])
    return idx


@LOWERINGS.define("gather", "gatherElements")
def _gather(ctx: Emitter, node: Node) -> None:
    axis = node.attrs["axis"]
    dim = _value(node, "input").desc.shape[axis]
    idx = _clamped(ctx, node, [dim], non_negative=False)
    op = "Gather" if node.op == "gather" else "GatherElements"
    ctx.emit(op, [ctx.input(node, "input"), idx], ctx.out(node), axis=axis)


@LOWERINGS.define("gatherND")
def _gather_nd(ctx: Emitter, node: Node) -> None:
    shape = _value(node, "input").desc.shape
    k = _value(node, "indices").desc.shape[-1]
    idx = _clamped(ctx, node, list(shape[:k]), non_negative=True)
    out = ctx.emit("GatherND", [ctx.input(node, "input"), idx], ctx.out(node))
    if not node.outputs[0].desc.shape:
        # ONNX's GatherND shape inference leaves a 0-D result shapeless, so a
        # node that reads it could not be checked (lower.CHECK): declare it.
        ctx.graph.value_info.append(value_info(out, node.outputs[0].desc))


@LOWERINGS.define("scatterElements")
def _scatter_elements(ctx: Emitter, node: Node) -> None:
    axis = node.attrs["axis"]
    dim = _value(node, "input").desc.shape[axis]
    idx = _clamped(ctx, node, [dim], non_negative=False)
    ctx.emit("ScatterElements", [ctx.input(node, "input"), idx,
                                 ctx.input(node, "updates")], ctx.out(node),
             axis=axis, reduction="none")


def _last_writer_constant(flat: np.ndarray) -> np.ndarray | None:
    """For each position, the position of the last one with the same target;
    None when no target repeats."""
    if np.unique(flat).size == flat.size:
        return None
    last: dict[int, int] = {}
    for i, t in enumerate(flat.tolist()):
        last[t] = i
    return np.array([last[t] for t in flat.tolist()], np.int64)


@LOWERINGS.define("scatterND")
def _scatter_nd(ctx: Emitter, node: Node) -> None:
    data = _value(node, "input").desc
    ind = _value(node, "indices")
    upd = _value(node, "updates")
    k = ind.desc.shape[-1]
    n = math.prod(ind.desc.shape[:-1])
    idx = _clamped(ctx, node, list(data.shape[:k]), non_negative=True)
    updates = ctx.value(upd)
    if n > 1:
        rows = [n, *data.shape[k:]]
        strides = [math.prod(data.shape[j + 1:k]) for j in range(k)]
        winner: str | None = None
        if ind.constant is not None:
            i = np.clip(ind.constant.astype(np.int64), [-d for d in data.shape[:k]],
                        [d - 1 for d in data.shape[:k]])
            i = np.where(i < 0, i + np.asarray(data.shape[:k], np.int64), i)
            w = _last_writer_constant((i.reshape(n, k) @ np.asarray(strides))
                                      .reshape(-1))
            winner = None if w is None else ctx.array(w)
        else:
            flat = ctx.emit("MatMul", [ctx.emit("Reshape", [idx, ctx.ints([n, k])]),
                                       ctx.const(strides, "int64", (k, 1))])
            rev = ctx.emit("Slice", [ctx.emit("Reshape", [flat, ctx.ints([n])]),
                                     ctx.ints([-1]), ctx.ints([_INT64_MIN]),
                                     ctx.ints([0]), ctx.ints([-1])])
            _, first, inverse, _ = ctx.emit("Unique", [rev], 4, sorted=0)
            w_rev = ctx.emit("Gather", [first, inverse], axis=0)
            w_rev = ctx.emit("Slice", [w_rev, ctx.ints([-1]), ctx.ints([_INT64_MIN]),
                                       ctx.ints([0]), ctx.ints([-1])])
            winner = ctx.emit("Sub", [ctx.const(n - 1, "int64"), w_rev])
        if winner is not None:
            flat_upd = ctx.emit("Reshape", [updates, ctx.ints(rows)])
            picked = ctx.emit("Gather", [flat_upd, winner], axis=0)
            updates = ctx.emit("Reshape", [picked, ctx.ints(list(upd.desc.shape))])
    ctx.emit("ScatterND", [ctx.input(node, "input"), idx, updates], ctx.out(node))
