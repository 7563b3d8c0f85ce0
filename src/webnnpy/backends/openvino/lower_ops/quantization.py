"""OpenVINO lowerings of the quantization family: quantizeLinear and
dequantizeLinear, with WebNN's blockwise broadcasting of scale and zeroPoint.

The input is reshaped to ``(s0, d0/s0, s1, d1/s1, ...)`` and the parameters to
``(s0, 1, s1, 1, ...)`` so that element-wise broadcasting gives each block its
parameters, then the result is reshaped back.

The CPU plugin has no float64 (it runs it as float32) and compares int32 in
float32, so everything here is float32 arithmetic on values it holds exactly,
and int32 arithmetic on 16-bit halves:

- dequantizeLinear: ``(input - zeroPoint) * scale``.  int8/uint8 (and
  int4/uint4): the difference (int32) and the product (float32) are exact /
  correctly rounded.  int32/uint32: the 33-bit difference is the halves'
  differences, ``dh * 65536 + dl`` (both exact in float32, one rounding),
  then the product: two roundings, within 1 ULP of the exact result (WPT's
  dequantizeLinear bound; the reference rounds once).
- quantizeLinear: ``roundHalfToEven(input / scale) + zeroPoint`` saturated to
  the zero point's type, NaN -> 0, the quotient in float32.  int8/uint8
  (int4/uint4): the sum and the saturation in float32.  int32/uint32: the
  rounded quotient ``n`` is corrected by the rounded residual ``(input - n *
  scale) / scale`` (``n * scale`` as an exact two-term product, Dekker's
  splitting), so quotients beyond float32's integers (2**24) round as small
  ones do; ``n`` and the zero point are added and saturated as 16-bit halves
  in int32.  Like the narrow types, a quotient within float32's rounding of
  a half-integer (but not on it) may round the other way: 1 unit.
"""

from __future__ import annotations

from typing import Any

from webnnpy.backends.openvino.emitter import Emitter, ops
from webnnpy.backends.openvino.lower_ops._table import Exclude, LoweringTable
from webnnpy.backends.openvino.lower_ops._util import (
    WIDE_INTS,
    dtype_of,
    int_halves,
    where,
)
from webnnpy.dtypes import int_bounds
from webnnpy.ir.graph import Node, Value

__all__ = ["EXCLUDE", "LOWERINGS"]

LOWERINGS = LoweringTable()
EXCLUDE: Exclude = {}


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
    dt = dtype_of(node, "input")
    if dt in WIDE_INTS:  # the 33-bit difference from 16-bit halves
        xh, xl = int_halves(ctx, x, dt)
        zh, zl = int_halves(ctx, z, dt)
        dh = ctx.cast(ops.subtract(xh, zh), "float32")
        dl = ctx.cast(ops.subtract(xl, zl), "float32")
        d = ops.add(ops.multiply(dh, ctx.const(65536.0, "float32")), dl)
    else:
        d = ctx.cast(ops.subtract(ctx.cast(x, "int32"), ctx.cast(z, "int32")),
                     "float32")
    r = ops.multiply(d, ctx.cast(s, "float32"))
    _finish(ctx, node, r, shape, blocked)


@LOWERINGS.define("quantizeLinear")
def _quantize(ctx: Emitter, node: Node) -> None:
    x, s, z, shape, blocked = _blocked(ctx, node)
    out_type = dtype_of(node, "zeroPoint")
    if out_type in WIDE_INTS:
        _finish(ctx, node, _quantize_wide(ctx, x, s, z, out_type), shape, blocked)
        return
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


def _split(ctx: Emitter, a: Any) -> tuple[Any, Any]:
    """Veltkamp's splitting of float32 ``a`` into ``hi + lo``, each with at
    most 12 significant bits (so their products are exact in float32)."""
    c = ops.multiply(a, ctx.const(4097.0, "float32"))
    hi = ops.subtract(c, ops.subtract(c, a)).output(0)
    return hi, ops.subtract(a, hi).output(0)


def _quantize_wide(ctx: Emitter, x: Any, s: Any, z: Any, out_type: str) -> Any:
    """quantizeLinear to int32/uint32 (see the module docstring)."""
    f = "float32"

    def c(v: float) -> Any:
        return ctx.const(v, f)

    xf, sf = ctx.cast(x, f), ctx.cast(s, f)
    quotient = ops.divide(xf, sf)
    nan = ops.is_nan(quotient)
    # beyond +-2**34 every result saturates: clamping keeps the halves small
    # (and +-inf finite); the clamped quotient still saturates
    q = ops.minimum(ops.maximum(quotient, c(-(2.0 ** 34))), c(2.0 ** 34))
    n = ops.round(q, "half_to_even").output(0)
    # the residual x - n * s, with n * s = p + e exactly (Dekker), as a
    # multiple of s: the true quotient is n + r
    p = ops.multiply(n, sf)
    nh, nl = _split(ctx, n)
    sh, sl = _split(ctx, sf)
    e = ops.add(ops.add(ops.add(ops.subtract(ops.multiply(nh, sh), p),
                                ops.multiply(nh, sl)), ops.multiply(nl, sh)),
                ops.multiply(nl, sl))
    r = ops.divide(ops.subtract(ops.subtract(xf, p), e), sf)
    # a residual from a clamped or infinite quotient is meaningless: 0
    ok = ops.logical_and(ops.less(ops.abs(q), c(2.0 ** 34)), ops.is_finite(r))
    k = where(ctx, ok, ops.round(r, "half_to_even").output(0), c(0.0))
    # n + k + z as 16-bit halves in int32: n = nhi * 65536 + nlo exactly
    nhi = ops.floor(ops.multiply(n, c(1.0 / 65536.0)))
    nlo = ops.subtract(n, ops.multiply(nhi, c(65536.0)))
    zh, zl = int_halves(ctx, z, out_type)
    hi = ops.add(ctx.cast(nhi, "int32"), zh)
    low = ops.add(ops.add(ctx.cast(nlo, "int32"), ctx.cast(k, "int32")), zl)
    # carry the low sum (in [-2**10, 2**17]) into the high half
    carry = ops.floor(ops.multiply(ctx.cast(low, f), c(1.0 / 65536.0)))
    hi = ops.add(hi, ctx.cast(carry, "int32"))
    low = ops.subtract(low, ops.multiply(ctx.cast(carry, "int32"),
                                         ctx.const(65536, "int32")))
    # the value is hi * 65536 + low, low in [0, 65535]: saturate on hi, NaN
    # to 0, all on these small values (the plugin runs int32 selections in
    # float32: 2**31 - 1 would come back as -2**31), then assemble the bits
    lo_b, hi_b = int_bounds(out_type)
    top, bottom = hi_b >> 16, lo_b >> 16  # int32: 32767/-32768; uint32: 65535/0

    def i32(v: int) -> Any:
        return ctx.const(v, "int32")

    over = ops.greater(hi, i32(top))
    under = ops.logical_or(ops.less(hi, i32(bottom)), nan)
    hi = where(ctx, over, i32(top), where(ctx, under, i32(0 if out_type == "uint32"
                                                            else bottom), hi))
    hi = where(ctx, nan, i32(0), hi)
    low = where(ctx, over, i32(0xFFFF), where(ctx, under, i32(0), low))
    res = ops.bitwise_or(ops.bitwise_left_shift(hi, i32(16)), low)
    return ctx.cast(res, out_type)
