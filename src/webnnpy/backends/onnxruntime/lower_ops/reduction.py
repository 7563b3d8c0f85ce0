"""ONNX lowerings of the reduction family: the ten ``reduce*`` ops,
``argMin``/``argMax`` and ``cumulativeSum``.

Exactness notes (the reference semantics are in the NumPy kernels):

- ``axes == []`` (and every reduction of a scalar) applies the reduction
  function to each element alone (``reduceL1`` -> abs, ``reduceSumSquare`` ->
  x*x, ...); ONNX's ``noop_with_empty_axes`` would return the input unchanged
  instead, so those cases lower to the element-wise op.
- float16 reductions and cumulative sums compute in float32 and round once
  at the end (ONNX Runtime would otherwise accumulate in float16).
- ONNX Runtime's float ReduceMax/ReduceMin and ArgMax/ArgMin skip NaN; the
  reference propagates it (reduceMax/Min give NaN, argMax/Min give the index
  of the first NaN), so a NaN mask patches the result.
- reduceLogSumExp is max-shifted as the reference is, the shift taken as 0
  when the maximum is infinite.
- ONNX Runtime's integer ReduceSum/ReduceProd go through double (inexact
  beyond 2**53, saturating on overflow); integer sums are CumSum along each
  axis (exact and wrapping; uint32/uint64 run on int64, congruent modulo
  2**bits), products are pairwise Mul trees.
- ONNX Runtime 1.31's int64 ReduceMax/ReduceMin compare some values by their
  low 32 bits: int64 max/min take ArgMax/ArgMin (exact) and GatherElements.
  uint32/uint64 flip their top bit and read as int32/int64, which keeps the
  order, for max/min/argMax/argMin.
"""

from __future__ import annotations

from webnnpy.backends.onnxruntime.emitter import Emitter
from webnnpy.backends.onnxruntime.lower_ops._table import LoweringTable
from webnnpy.backends.onnxruntime.lower_ops._util import (
    dtype_of,
    flip_sign_bit,
    unflip_sign_bit,
)
from webnnpy.ir.graph import Node

__all__ = ["LOWERINGS"]

LOWERINGS = LoweringTable()

_ONNX_REDUCE = {
    "reduceL1": "ReduceL1", "reduceL2": "ReduceL2", "reduceLogSum": "ReduceLogSum",
    "reduceMax": "ReduceMax", "reduceMean": "ReduceMean", "reduceMin": "ReduceMin",
    "reduceProduct": "ReduceProd", "reduceSum": "ReduceSum",
    "reduceSumSquare": "ReduceSumSquare",
}


def _reduce_onnx(ctx: Emitter, op: str, x: str, axes: list[int], keep: bool,
                 out: str | int = 1) -> str:
    return ctx.emit(op, [x, ctx.ints(axes)], out, keepdims=int(keep))


def _elementwise(ctx: Emitter, op: str, x: str, dt: str, out: str) -> None:
    """The reduction function of one element (``axes == []``)."""
    if op in ("reduceL1", "reduceL2"):
        ctx.emit("Abs", [x], out)
    elif op == "reduceLogSum":
        ctx.emit("Log", [x], out)
    elif op == "reduceSumSquare":
        ctx.emit("Mul", [x, x], out)
    else:  # sum, mean, product, max, min, logSumExp of one element
        ctx.emit("Identity", [x], out)


def _nan_any(ctx: Emitter, x: str, axes: list[int], keep: bool) -> str:
    """bool: whether the reduced slice holds a NaN."""
    mask = ctx.cast(ctx.emit("IsNaN", [x]), "uint8")
    return ctx.cast(_reduce_onnx(ctx, "ReduceMax", mask, axes, keep), "bool")


def _float_reduce(ctx: Emitter, op: str, x: str, axes: list[int], keep: bool,
                  out: str) -> None:
    """A float32 reduction over non-empty ``axes``."""
    if op == "reduceLogSumExp":
        m = _reduce_onnx(ctx, "ReduceMax", x, axes, True)
        inf = ctx.emit("IsInf", [m])
        shift = ctx.emit("Where", [inf, ctx.const(0, "float32"), m])
        s = _reduce_onnx(ctx, "ReduceSum", ctx.emit("Exp", [
            ctx.emit("Sub", [x, shift])]), axes, keep)
        if not keep:
            shift = ctx.emit("Squeeze", [shift, ctx.ints(axes)])
        ctx.emit("Add", [ctx.emit("Log", [s]), shift], out)
    elif op in ("reduceMax", "reduceMin"):
        r = _reduce_onnx(ctx, _ONNX_REDUCE[op], x, axes, keep)
        ctx.emit("Where", [_nan_any(ctx, x, axes, keep),
                           ctx.const(float("nan"), "float32"), r], out)
    else:
        _reduce_onnx(ctx, _ONNX_REDUCE[op], x, axes, keep, out)


_INT64_MAX = 2**63 - 1


def _int_sum(ctx: Emitter, x: str, dt: str, shape: list[int], axes: list[int]
             ) -> str:
    """Exact, wrapping integer sum over ``axes`` (kept as size 1): a CumSum per
    axis and its last slice (ONNX Runtime's integer ReduceSum goes through
    double and saturates)."""
    work = "int64" if dt in ("uint32", "uint64") else dt
    if work != dt:
        x = ctx.cast(x, work)
    for a in axes:
        if shape[a] == 1:
            continue
        c = ctx.emit("CumSum", [x, ctx.const(a, "int64")])
        x = ctx.emit("Slice", [c, ctx.ints([-1]), ctx.ints([_INT64_MAX]),
                               ctx.ints([a])])
    return ctx.cast(x, dt) if work != dt else x


def _slice(ctx: Emitter, x: str, axis: int, start: int, end: int) -> str:
    return ctx.emit("Slice", [x, ctx.ints([start]), ctx.ints([end]),
                              ctx.ints([axis])])


def _int_product(ctx: Emitter, x: str, shape: list[int], axes: list[int]) -> str:
    """Exact, wrapping integer product over ``axes`` (kept as size 1): pairwise
    Mul halving each axis (ONNX Runtime's integer ReduceProd goes through
    double)."""
    for a in axes:
        k = shape[a]
        while k > 1:
            h = k // 2
            m = ctx.emit("Mul", [_slice(ctx, x, a, 0, h), _slice(ctx, x, a, h, 2 * h)])
            if k % 2:
                m = ctx.emit("Concat", [m, _slice(ctx, x, a, 2 * h, k)], axis=a)
            x, k = m, h + k % 2
    return x


def _int64_extreme(ctx: Emitter, op: str, x: str, axes: list[int]) -> str:
    """int64 max/min over ``axes`` (kept as size 1) through ArgMax/ArgMin and
    GatherElements, one axis at a time: ONNX Runtime 1.31's int64
    ReduceMax/ReduceMin compare some values by their low 32 bits."""
    arg = "ArgMax" if op == "reduceMax" else "ArgMin"
    for a in axes:
        idx = ctx.emit(arg, [x], axis=a, keepdims=1, select_last_index=0)
        x = ctx.emit("GatherElements", [x, idx], axis=a)
    return x


def _int_reduce(ctx: Emitter, op: str, x: str, dt: str, shape: list[int],
                axes: list[int], keep: bool, out: str) -> None:
    out_shape = [1 if i in axes else d for i, d in enumerate(shape)] if keep \
        else [d for i, d in enumerate(shape) if i not in axes]
    if op in ("reduceMax", "reduceMin"):
        work = dt
        if dt in ("uint32", "uint64"):
            x, work = flip_sign_bit(ctx, x, dt)
        if work == "int64":
            r = ctx.emit("Reshape", [_int64_extreme(ctx, op, x, axes),
                                     ctx.ints(out_shape)])
        else:
            r = _reduce_onnx(ctx, _ONNX_REDUCE[op], x, axes, keep,
                             out if work == dt else 1)
        if work != dt:
            unflip_sign_bit(ctx, r, dt, out)
        elif work == "int64":
            ctx.emit("Identity", [r], out)
        return
    # abs / square in the operand's own width first (wrapping), then the sum
    if op == "reduceL1":
        x = ctx.emit("Abs", [x])
    elif op == "reduceSumSquare":
        x = ctx.emit("Mul", [x, x])
    if op == "reduceProduct":
        r = _int_product(ctx, x, shape, axes)
    else:
        r = _int_sum(ctx, x, dt, shape, axes)
    ctx.emit("Reshape", [r, ctx.ints(out_shape)], out)


@LOWERINGS.define(*_ONNX_REDUCE, "reduceLogSumExp")
def _reduce(ctx: Emitter, node: Node) -> None:
    x = ctx.input(node, "input")
    dt = dtype_of(node, "input")
    axes: list[int] = list(node.attrs["axes"])
    keep: bool = node.attrs["keepDimensions"]
    out = ctx.out(node)
    shape = list(node.operands["input"].desc.shape)  # type: ignore[union-attr]
    if (node.op == "reduceMean" and dt in ("float32", "float16") and len(shape) == 4
            and sorted(axes) == [2, 3]):
        # A mean over both spatial axes of NCHW (a CNN's global pooling) as
        # GlobalAveragePool, which ONNX Runtime runs in either float type and
        # fuses like a native model's; the same float32 sum per channel.
        g = ctx.emit("GlobalAveragePool", [x], out if keep else 1)
        if not keep:
            ctx.emit("Reshape", [g, ctx.ints(shape[:2])], out)
        return
    if not axes:
        _elementwise(ctx, node.op, x, dt, out)
    elif dt == "float32":
        _float_reduce(ctx, node.op, x, axes, keep, out)
    elif dt == "float16":
        r = ctx.fresh()
        _float_reduce(ctx, node.op, ctx.cast(x, "float32"), axes, keep, r)
        ctx.cast(r, "float16", out)
    else:
        _int_reduce(ctx, node.op, x, dt, shape, axes, keep, out)


@LOWERINGS.define("argMin", "argMax")
def _arg_min_max(ctx: Emitter, node: Node) -> None:
    x = ctx.input(node, "input")
    dt = dtype_of(node, "input")
    axis: int = node.attrs["axis"]
    keep = int(node.attrs["keepDimensions"])
    op = "ArgMax" if node.op == "argMax" else "ArgMin"
    out = ctx.out(node)
    if dt in ("uint32", "uint64"):
        x, _ = flip_sign_bit(ctx, x, dt)
    idx = ctx.emit(op, [x], axis=axis, keepdims=keep, select_last_index=0)
    if dt in ("float32", "float16"):
        # the first NaN wins, for argMin and argMax alike
        mask = ctx.cast(ctx.emit("IsNaN", [x]), "uint8")
        first_nan = ctx.emit("ArgMax", [mask], axis=axis, keepdims=keep,
                             select_last_index=0)
        any_nan = ctx.cast(_reduce_onnx(ctx, "ReduceMax", mask, [axis], bool(keep)),
                           "bool")
        idx = ctx.emit("Where", [any_nan, first_nan, idx])
    if node.attrs["outputDataType"] == "int64":
        ctx.emit("Identity", [idx], out)
    else:
        ctx.cast(idx, "int32", out)


@LOWERINGS.define("cumulativeSum")
def _cumulative_sum(ctx: Emitter, node: Node) -> None:
    x = ctx.input(node, "input")
    dt = dtype_of(node, "input")
    out = ctx.out(node)
    work = {"float16": "float32", "uint32": "int64", "uint64": "int64"}.get(dt, dt)
    if work != dt:
        x = ctx.cast(x, work)
    r = ctx.emit("CumSum", [x, ctx.const(node.attrs["axis"], "int64")],
                 out if work == dt else 1,
                 exclusive=int(node.attrs["exclusive"]),
                 reverse=int(node.attrs["reversed"]))
    if work != dt:
        ctx.cast(r, dt, out)

