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
- Integer reductions run where ONNX Runtime has kernels (int32/int64, plus
  int8/uint8 for max/min/arg): uint32 widens to int64, uint64 runs on the int64
  bit pattern (sums and products wrap identically modulo 2**64); for
  comparisons uint64 flips its top bit first so that the order is kept.
"""

from __future__ import annotations

from webnnpy.backends.onnxruntime.emitter import Emitter
from webnnpy.backends.onnxruntime.lower_ops._table import Exclude, LoweringTable
from webnnpy.backends.onnxruntime.lower_ops._util import (
    dtype_of,
    flip_sign_bit,
    unflip_sign_bit,
)
from webnnpy.ir.graph import Node

__all__ = ["EXCLUDE", "LOWERINGS"]

LOWERINGS = LoweringTable()
EXCLUDE: Exclude = {}

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


def _int_reduce(ctx: Emitter, op: str, x: str, dt: str, axes: list[int],
                keep: bool, out: str) -> None:
    if op in ("reduceMax", "reduceMin"):
        if dt in ("uint32", "uint64"):
            y, _ = flip_sign_bit(ctx, x, dt)
            r = _reduce_onnx(ctx, _ONNX_REDUCE[op], y, axes, keep)
            unflip_sign_bit(ctx, r, dt, out)
        else:
            _reduce_onnx(ctx, _ONNX_REDUCE[op], x, axes, keep, out)
        return
    # sum-like: abs / square in the operand's own width first (wrapping), then
    # a sum or product in a type ONNX Runtime has (congruent modulo 2**bits)
    if op == "reduceL1":
        x, op = ctx.emit("Abs", [x]), "reduceSum"
    elif op == "reduceSumSquare":
        x, op = ctx.emit("Mul", [x, x]), "reduceSum"
    if dt in ("int32", "int64"):
        _reduce_onnx(ctx, _ONNX_REDUCE[op], x, axes, keep, out)
        return
    r = _reduce_onnx(ctx, _ONNX_REDUCE[op], ctx.cast(x, "int64"), axes, keep)
    ctx.cast(r, dt, out)


@LOWERINGS.define(*_ONNX_REDUCE, "reduceLogSumExp")
def _reduce(ctx: Emitter, node: Node) -> None:
    x = ctx.input(node, "input")
    dt = dtype_of(node, "input")
    axes: list[int] = list(node.attrs["axes"])
    keep: bool = node.attrs["keepDimensions"]
    out = ctx.out(node)
    if not axes:
        _elementwise(ctx, node.op, x, dt, out)
    elif dt == "float32":
        _float_reduce(ctx, node.op, x, axes, keep, out)
    elif dt == "float16":
        r = ctx.fresh()
        _float_reduce(ctx, node.op, ctx.cast(x, "float32"), axes, keep, r)
        ctx.cast(r, "float16", out)
    else:
        _int_reduce(ctx, node.op, x, dt, axes, keep, out)


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

