"""OpenVINO lowerings of the quantization family: quantizeLinear and
dequantizeLinear, with WebNN's blockwise broadcasting of scale and zeroPoint.

The input is reshaped to ``(s0, d0/s0, s1, d1/s1, ...)`` and the parameters to
``(s0, 1, s1, 1, ...)`` so that element-wise broadcasting gives each block its
parameters, then the result is reshaped back.

- dequantizeLinear: ``(input - zeroPoint) * scale``; for int8/uint8 the
  difference (int32) and the product (float32) are exact / correctly rounded.
  int32/uint32 inputs need a 33-bit difference and float64 (which the CPU
  plugin runs in float32): excluded.
- quantizeLinear: ``roundHalfToEven(input / scale) + zeroPoint`` saturated to
  the zero point's type, NaN -> 0, in float32 (the CPU plugin has no
  float64); zero points of int32/uint32 are excluded (their range is beyond
  float32's exact integers).
"""

from __future__ import annotations

from typing import Any

from webnnpy.backends.openvino.emitter import Emitter, ops
from webnnpy.backends.openvino.lower_ops._table import Exclude, LoweringTable
from webnnpy.backends.openvino.lower_ops._util import dtype_of, where
from webnnpy.dtypes import int_bounds
from webnnpy.ir.graph import Node, Value

__all__ = ["EXCLUDE", "LOWERINGS"]

LOWERINGS = LoweringTable()
EXCLUDE: Exclude = {
    "dequantizeLinear": {"input": {"int32", "uint32"},
                         "zeroPoint": {"int32", "uint32"}},
    "quantizeLinear": {"zeroPoint": {"int32", "uint32"},
                       "output": {"int32", "uint32"}},
}


def _blocked(ctx: Emitter, node: Node) -> tuple[Any, Any, Any, list[int],
                                                 list[int] | None]:
    x = node.operands["input"]
    s = node.operands["scale"]
    assert isinstance(x, Value) and isinstance(s, Value)
    xs, ps = list(x.desc.shape), list(s.desc.shape)
    xo, so, zo = (ctx.input(node, n) for n in ("input", "scale", "zeroPoint"))
    if all(p in (1, d) for p, d in zip(ps, xs, strict=True)):
        return xo, so, zo, xs, None
    bx: list[int] = []
    bp: list[int] = []
    for d, p in zip(xs, ps, strict=True):
        if p in (1, d):  # no blocks along this axis: one axis, as it is
            bx.append(d)
            bp.append(p)
        else:
            bx += [p, d // p]
            bp += [p, 1]
    xo = ops.reshape(xo, ctx.ints(bx), False).output(0)
    so = ops.reshape(so, ctx.ints(bp), False).output(0)
    zo = ops.reshape(zo, ctx.ints(bp), False).output(0)
    return xo, so, zo, xs, bx


def _finish(ctx: Emitter, node: Node, r: Any, shape: list[int],
            blocked: list[int] | None) -> None:
    if blocked is not None:
        r = ops.reshape(r, ctx.ints(shape), False).output(0)
    ctx.set(node, r)


@LOWERINGS.define("dequantizeLinear")
def _dequantize(ctx: Emitter, node: Node) -> None:
    x, s, z, shape, blocked = _blocked(ctx, node)
    diff = ops.subtract(ctx.cast(x, "int32"), ctx.cast(z, "int32"))
    r = ops.multiply(ctx.cast(diff, "float32"), ctx.cast(s, "float32"))
    _finish(ctx, node, r, shape, blocked)


@LOWERINGS.define("quantizeLinear")
def _quantize(ctx: Emitter, node: Node) -> None:
    x, s, z, shape, blocked = _blocked(ctx, node)
    out_type = dtype_of(node, "zeroPoint")
    lo, hi = int_bounds(out_type)  # int4/uint4 too (carried as int8/uint8)
    q = ops.divide(ctx.cast(x, "float32"), ctx.cast(s, "float32"))
    r = ops.add(ops.round(q, "half_to_even"), ctx.cast(z, "float32"))
    # NaN tested before the clamp: the plugin fuses Maximum/Minimum into a
    # Clamp that gives NaN its lower bound (quantizeLinear(NaN) gave -128)
    nan = ops.is_nan(r)
    r = ops.minimum(ops.maximum(r, ctx.const(float(lo), "float32")),
                    ctx.const(float(hi), "float32"))
    r = where(ctx, nan, ctx.const(0.0, "float32"), r)
    _finish(ctx, node, ctx.cast(r, out_type), shape, blocked)
