"""OpenVINO lowerings of the misc family: where, cast and resample2d.

- ``where``: the uint8 condition is "non-zero is true" (NotEqual 0), then
  Select.
- ``cast``: float -> integer truncates toward zero, saturates out of range and
  maps NaN to 0 as the reference does (out-of-range and NaN elements are
  replaced before the Convert and patched after it); integer -> integer keeps
  the low bits (int8/uint8 through ``_util.wrap_small``: the CPU plugin's
  narrowing Convert saturates).
- ``resample2d`` gathers along each resized axis with source indices (and,
  for "linear", weights) computed at lowering time in exact integer
  arithmetic, as the reference does: nearest-neighbor is one Gather per axis;
  linear is ``lo * (1 - t) + hi * t`` per axis (the second axis first), in
  float32 (int8/uint8 then rounded half to even).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from webnnpy.backends.openvino.emitter import Emitter, ops
from webnnpy.backends.openvino.lower_ops._table import Exclude, LoweringTable
from webnnpy.backends.openvino.lower_ops._util import (
    FLOATS,
    dtype_of,
    where,
    wrap_small,
)
from webnnpy.dtypes import int_bounds
from webnnpy.ir.graph import Node, Value
from webnnpy.ir.resample import linear_positions, nearest_positions

__all__ = ["EXCLUDE", "LOWERINGS"]

LOWERINGS = LoweringTable()
#: linear resampling of int8/uint8 is exact only in float64 (the reference
#: rounds the float64 interpolation half to even), which the CPU plugin runs
#: in float32
EXCLUDE: Exclude = {"resample2d": {"input": {"int8", "uint8"},
                                   "output": {"int8", "uint8"}}}


@LOWERINGS.define("where")
def _where(ctx: Emitter, node: Node) -> None:
    cond = ops.not_equal(ctx.input(node, "condition"), ctx.const(0, "uint8"))
    ctx.set(node, where(ctx, cond, ctx.input(node, "trueValue"),
                        ctx.input(node, "falseValue")))


def _float_to_int(ctx: Emitter, x: Any, dst: str) -> Any:
    """Truncate toward zero, saturate, NaN -> 0 (the reference's cast).  The
    CPU plugin's Convert saturates at the int32 range for every integer
    type (uint32 is int32 inside), so values are brought into int32 first:
    uint32 values of 2**31 and more as their int32 bit pattern, narrow types
    clamped in int32."""
    ilo, ihi = int_bounds(dst)  # int4/uint4 too
    f = "float32"
    x = ctx.cast(x, f)
    x = where(ctx, ops.is_nan(x), ctx.const(0.0, f), x)
    t = ops.multiply(ops.floor(ops.abs(x)), ops.sign(x)).output(0)
    lo, hi = float(ilo), float(ihi)
    if dst == "uint32":  # int32 bits inside (emitter.inner_type)
        t = ops.minimum(ops.maximum(t, ctx.const(0.0, f)),
                        ctx.const(float(2**32 - 256), f)).output(0)
        big = ops.greater_equal(t, ctx.const(2.0**31, f))
        t = where(ctx, big, ops.subtract(t, ctx.const(2.0**32, f)), t)
        # 2**32 - 1 is not a float32: the top values saturate separately
        top = ops.greater_equal(x, ctx.const(2.0**32, f))
        return where(ctx, top, ctx.const(-1, "int32"), ctx.cast(t, "int32"))
    if dst == "int32":
        over = ops.greater_equal(t, ctx.const(2.0**31, f))
        r = ctx.cast(ops.maximum(t, ctx.const(-(2.0**31), f)), "int32")
        return where(ctx, over, ctx.const(2**31 - 1, "int32"), r)
    t = ops.minimum(ops.maximum(t, ctx.const(lo, f)), ctx.const(hi, f))
    return ctx.cast(ctx.cast(t, "int32"), dst)


@LOWERINGS.define("cast")
def _cast(ctx: Emitter, node: Node) -> None:
    x = ctx.input(node, "input")
    src = dtype_of(node, "input")
    dst = node.attrs["dataType"]
    if src == dst:
        ctx.set(node, x)
    elif dst in FLOATS and src == "uint32":
        # int32 bits inside: high half * 65536 + low half, one rounding
        hi = ops.bitwise_and(ops.bitwise_right_shift(x, ctx.const(16, "int32")),
                             ctx.const(0xFFFF, "int32"))
        lo = ops.bitwise_and(x, ctx.const(0xFFFF, "int32"))
        f = "float32"
        r = ops.add(ops.multiply(ctx.cast(hi, f), ctx.const(65536.0, f)),
                    ctx.cast(lo, f))
        ctx.set(node, ctx.cast(r, dst))
    elif dst in FLOATS:
        ctx.set(node, ctx.cast(x, dst))
    elif src in FLOATS:
        ctx.set(node, _float_to_int(ctx, x, dst))
    elif dst in ("int8", "uint8"):
        ctx.set(node, wrap_small(ctx, ctx.cast(x, "int32"), dst))
    elif dst in ("int4", "uint4"):  # the low 4 bits, in the int8/uint8 carrier
        low = ops.bitwise_and(ctx.cast(x, "int32"), ctx.const(0xF, "int32"))
        if dst == "int4":
            low = ops.subtract(ops.bitwise_xor(low, ctx.const(8, "int32")),
                               ctx.const(8, "int32"))
        ctx.set(node, ctx.cast(low, dst))
    else:
        ctx.set(node, ctx.cast(x, dst))


def _interpolate_matches(in_size: int, out_size: int) -> bool:
    """Whether OpenVINO's nearest Interpolate ("half_pixel" coordinates in
    float32, "round_prefer_floor") picks ``nearest_positions`` exactly."""
    o = np.arange(out_size, dtype=np.float32)
    scale = np.float32(out_size) / np.float32(in_size)
    c = (o + np.float32(0.5)) / scale - np.float32(0.5)
    frac = c - np.floor(c)
    picked = np.where(frac == np.float32(0.5), np.floor(c), np.round(c))
    picked = np.clip(picked, 0, in_size - 1).astype(np.int64)
    return bool(np.array_equal(picked, nearest_positions(in_size, out_size)))


@LOWERINGS.define("resample2d")
def _resample2d(ctx: Emitter, node: Node) -> None:
    v = node.operands["input"]
    assert isinstance(v, Value)
    dt = v.desc.data_type
    axes, sizes = node.attrs["axes"], node.attrs["sizes"]
    x = ctx.input(node, "input")
    mode = node.attrs["mode"]
    pairs = [(ax, size) for ax, size in zip(axes, sizes, strict=True)
             if size != v.desc.shape[ax] or mode != "nearest-neighbor"]
    if mode == "nearest-neighbor" and pairs and all(
            _interpolate_matches(v.desc.shape[ax], size) for ax, size in pairs):
        # one Interpolate (the plugin's kernel, as native OpenVINO runs an
        # ONNX Resize), used only where its float32 coordinates give the
        # reference's exact positions on every resized axis
        axes_ = [ax for ax, _ in pairs]
        ctx.set(node, ops.interpolate(
            x, ctx.ints([size for _, size in pairs]), "nearest", "sizes",
            axes=ctx.ints(axes_), coordinate_transformation_mode="half_pixel",
            nearest_mode="round_prefer_floor"))
        return
    if mode == "nearest-neighbor":
        for ax, size in pairs:
            idx = ctx.array(nearest_positions(v.desc.shape[ax], size).astype(np.int32))
            x = ops.gather(x, idx, ctx.const(ax, "int64")).output(0)
        ctx.set(node, x)
        return
    x = ctx.cast(x, "float32")
    for ax, size in reversed(pairs):
        lo, hi, t = linear_positions(v.desc.shape[ax], size)
        shape = [1] * v.desc.rank
        shape[ax] = size
        axis = ctx.const(ax, "int64")
        a = ops.gather(x, ctx.array(np.asarray(lo, np.int32)), axis)
        b = ops.gather(x, ctx.array(np.asarray(hi, np.int32)), axis)
        wa = ctx.array(np.asarray(1.0 - t, np.float32).reshape(shape))
        wb = ctx.array(np.asarray(t, np.float32).reshape(shape))
        x = ops.add(ops.multiply(a, wa), ops.multiply(b, wb)).output(0)
        exact = np.asarray(t) == 0  # a sample itself: inf * 1 + inf * 0 is NaN
        if exact.any():
            x = where(ctx, ctx.array(exact.reshape(shape)), a, x)
    if dt not in FLOATS:
        x = ops.round(x, "half_to_even").output(0)
    ctx.set(node, x)
