"""ONNX lowerings of the quantization family: quantizeLinear and
dequantizeLinear, with WebNN's blockwise broadcasting of scale and zeroPoint.

The input is reshaped to ``(s0, d0/s0, s1, d1/s1, ...)`` and the parameters to
``(s0, 1, s1, 1, ...)`` so that element-wise broadcasting gives each block its
parameters (no copies of the parameters), then the result is reshaped back.

- dequantizeLinear: ``(input - zeroPoint) * scale``.  For int8/uint8 the
  difference and the product are exact / correctly rounded in float32; for
  int32/uint32 they run in float64 (the difference needs 33 bits) and round
  once to the output type, as the reference does.
- quantizeLinear: ``roundHalfToEven(input / scale) + zeroPoint`` saturated
  to the zero point's type, NaN -> 0, in float64.  Where the float64
  quotient is exactly a half-integer the true quotient may lie just beside
  it (large quotients): the exact remainder ``fmod(|input|, |scale|)`` decides
  the direction, as in the reference.  ONNX's QuantizeLinear divides in
  float32 and rounds that quotient.
"""

from __future__ import annotations

from webnnpy.backends.onnxruntime.emitter import Emitter
from webnnpy.backends.onnxruntime.lower_ops._table import LoweringTable
from webnnpy.backends.onnxruntime.lower_ops._util import dtype_of
from webnnpy.dtypes import int_bounds
from webnnpy.ir.graph import Node, Value

__all__ = ["LOWERINGS"]

LOWERINGS = LoweringTable()


def _shapes(node: Node) -> tuple[list[int], list[int] | None, list[int] | None]:
    """The input's shape, and the blocked shapes of input and parameters
    (None when the parameters broadcast as they are)."""
    x = node.operands["input"]
    s = node.operands["scale"]
    assert isinstance(x, Value) and isinstance(s, Value)
    xs, ps = list(x.desc.shape), list(s.desc.shape)
    if all(p in (1, d) for p, d in zip(ps, xs, strict=True)):
        return xs, None, None
    bx, bp = [], []
    for d, p in zip(xs, ps, strict=True):
        bx += [p, d // p]
        bp += [p, 1]
    return xs, bx, bp


def _blocked(ctx: Emitter, node: Node) -> tuple[str, str, str, list[int],
                                                 list[int] | None]:
    shape, bx, bp = _shapes(node)
    x, s, z = (ctx.input(node, n) for n in ("input", "scale", "zeroPoint"))
    if bx is not None and bp is not None:
        x = ctx.emit("Reshape", [x, ctx.ints(bx)])
        s = ctx.emit("Reshape", [s, ctx.ints(bp)])
        z = ctx.emit("Reshape", [z, ctx.ints(bp)])
    return x, s, z, shape, bx


def _finish(ctx: Emitter, node: Node, r: str, shape: list[int],
            blocked: list[int] | None, out_type: str, work: str) -> None:
    out = ctx.out(node)
    if blocked is not None:
        r = ctx.emit("Reshape", [r, ctx.ints(shape)])
    if work == out_type:
        ctx.emit("Identity", [r], out)
    else:
        ctx.cast(r, out_type, out)


@LOWERINGS.define("dequantizeLinear")
def _dequantize(ctx: Emitter, node: Node) -> None:
    x, s, z, shape, blocked = _blocked(ctx, node)
    in_type = dtype_of(node, "input")
    out_type = dtype_of(node, "scale")
    work = "float32" if in_type in ("int8", "uint8", "int4", "uint4") else "float64"
    diff_type = "int32" if work == "float32" else "int64"
    diff = ctx.emit("Sub", [ctx.cast(x, diff_type), ctx.cast(z, diff_type)])
    r = ctx.emit("Mul", [ctx.cast(diff, work), ctx.cast(s, work)])
    _finish(ctx, node, r, shape, blocked, out_type, work)


@LOWERINGS.define("quantizeLinear")
def _quantize(ctx: Emitter, node: Node) -> None:
    x, s, z, shape, blocked = _blocked(ctx, node)
    out_type = dtype_of(node, "zeroPoint")
    lo, hi = int_bounds(out_type)  # int4/uint4 too (carried as int8/uint8)
    a, b = ctx.cast(x, "float64"), ctx.cast(s, "float64")
    q = ctx.emit("Div", [a, b])
    r = ctx.emit("Add", [_round_quotient(ctx, a, b, q), ctx.cast(z, "float64")])
    # saturate (Max/Min keep NaN), then NaN -> 0 after the Cast: the op must
    # not end in a Cast, or ONNX Runtime merges it with a following integer
    # Cast (even with optimizations off): Cast(float64 -> uint32) then
    # Cast(uint32 -> uint8) of 4294967295 gave 0, not 255
    r = ctx.emit("Min", [ctx.emit("Max", [r, ctx.const(float(lo), "float64")]),
                         ctx.const(float(hi), "float64")])
    if blocked is not None:
        r = ctx.emit("Reshape", [r, ctx.ints(shape)])
    nan = ctx.emit("IsNaN", [r])
    ctx.emit("Where", [nan, ctx.const(0, out_type), ctx.cast(r, out_type)],
             ctx.out(node))


def _round_quotient(ctx: Emitter, a: str, b: str, q: str) -> str:
    """``a / b`` rounded half to even exactly (float64 values; ``q`` is the
    rounded float64 quotient).  Where ``q`` is a half-integer the true
    quotient may lie just beside it: the exact remainder decides."""
    r = ctx.emit("Round", [q])
    aq = ctx.emit("Abs", [q])
    k = ctx.emit("Floor", [aq])  # the integer part of |q|
    half = ctx.emit("Equal", [ctx.emit("Sub", [aq, k]), ctx.const(0.5, "float64")])
    ab = ctx.emit("Abs", [b])
    twice_rem = ctx.emit("Mul", [ctx.emit("Mod", [ctx.emit("Abs", [a]), ab], fmod=1),
                                 ctx.const(2.0, "float64")])
    up = ctx.emit("Add", [k, ctx.const(1.0, "float64")])
    mag = ctx.emit("Where", [ctx.emit("Greater", [twice_rem, ab]), up,
                             ctx.emit("Where", [ctx.emit("Less", [twice_rem, ab]),
                                                k, ctx.emit("Abs", [r])])])
    fixed = ctx.emit("Mul", [mag, ctx.emit("Sign", [q])])
    return ctx.emit("Where", [half, fixed, r])
