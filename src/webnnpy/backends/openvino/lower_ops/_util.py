"""Helpers shared by the OpenVINO lowering families."""

from __future__ import annotations

from typing import Any

import numpy as np

from webnnpy.backends.openvino.emitter import Emitter, ops
from webnnpy.ir.graph import Node, Value

__all__ = [
    "FLOATS",
    "SIGNED",
    "WIDE_INTS",
    "clamp_int",
    "const_data",
    "dtype_of",
    "flip",
    "flip_const",
    "int_equal",
    "int_halves",
    "int_less",
    "int_reduce_extreme",
    "keep_nan",
    "shape_of",
    "unflip",
    "where",
    "wrap_small",
]

FLOATS = ("float32", "float16")
SIGNED = ("int8", "int32", "int64")


def dtype_of(node: Node, arg: str) -> str:
    """The WebNN data type of operand ``arg``."""
    v = node.operands[arg]
    assert isinstance(v, Value)
    return v.desc.data_type


def shape_of(node: Node, arg: str) -> tuple[int, ...]:
    """The shape of operand ``arg``."""
    v = node.operands[arg]
    assert isinstance(v, Value)
    return v.desc.shape


def const_data(node: Node, arg: str) -> np.ndarray | None:
    """The data of operand ``arg`` when it is a constant, else None."""
    v = node.operands.get(arg)
    return v.constant if isinstance(v, Value) else None


def wrap_small(ctx: Emitter, x32: Any, dt: str) -> Any:
    """An int32 result wrapped into int8/uint8 (the CPU plugin's int8/uint8
    arithmetic and conversions saturate; WebNN's integer ops wrap)."""
    low = ops.bitwise_and(x32, ctx.const(0xFF, "int32"))
    if dt == "int8":
        low = ops.subtract(ops.bitwise_xor(low, ctx.const(0x80, "int32")),
                           ctx.const(0x80, "int32"))
    return ctx.cast(low, dt)


def flip(ctx: Emitter, x: Any) -> Any:
    """uint32 values mapped onto int32 keeping their order (top bit flipped,
    read as signed): the CPU plugin compares and reduces uint32 as int32
    (2**31 and more read negative).  Conversions between uint32 and int32
    keep the bits."""
    return ops.bitwise_xor(ctx.cast(x, "int32"),
                           ctx.const(-(2**31), "int32")).output(0)


def unflip(ctx: Emitter, x: Any) -> Any:
    """The inverse of :func:`flip` (an int32 value back to uint32)."""
    return ctx.cast(ops.bitwise_xor(x, ctx.const(-(2**31), "int32")), "uint32")


def flip_const(value: Any) -> np.ndarray:
    """:func:`flip` of uint32 constant values, at lowering time."""
    return (np.asarray(value, np.int64) - 2**31).astype(np.int32)


def keep_nan(ctx: Emitter, x: Any, y: Any) -> Any:
    """``y`` with NaN wherever ``x`` is NaN: the CPU plugin's Exp gives inf
    for NaN, and its Maximum/Minimum (and the Clamp they fuse into) return
    the other operand."""
    return ops.select(ops.is_nan(x), x, y).output(0)


def clamp_int(ctx: Emitter, x: Any, lo: Any, hi: Any) -> Any:
    """``x`` clamped to [lo, hi] with selections, exact in any integer width
    (the CPU plugin fuses Maximum/Minimum with constants into a Clamp whose
    bounds are rounded to float: -2**31 + 2 becomes -2**31)."""
    y = ops.select(ops.less(x, lo), lo, x)
    return ops.select(ops.greater(y, hi), hi, y).output(0)


#: integer types whose values float32 cannot all hold
WIDE_INTS = ("int32", "uint32")


def int_halves(ctx: Emitter, x: Any, dt: str) -> tuple[Any, Any]:
    """(high, low) 16-bit halves of int32/uint32 ``x`` as int32 values that
    float32 holds exactly (uint32 keeps its bits as int32)."""
    x = ctx.cast(x, "int32")
    hi = ops.bitwise_right_shift(x, ctx.const(16, "int32")).output(0)
    if dt == "uint32":
        hi = ops.bitwise_and(hi, ctx.const(0xFFFF, "int32")).output(0)
    lo = ops.bitwise_and(x, ctx.const(0xFFFF, "int32")).output(0)
    return hi, lo


def int_less(ctx: Emitter, a: Any, b: Any, dt: str) -> Any:
    """``a < b`` (bool) for int32/uint32, exact: the CPU plugin compares
    int32 in float32 (2**24 + 1 == 2**24) and uint32 as int32, so the
    16-bit halves are compared instead."""
    ah, al = int_halves(ctx, a, dt)
    bh, bl = int_halves(ctx, b, dt)
    return ops.logical_or(ops.less(ah, bh), ops.logical_and(
        ops.equal(ah, bh), ops.less(al, bl))).output(0)


def int_equal(ctx: Emitter, a: Any, b: Any, dt: str) -> Any:
    """``a == b`` (bool) for int32/uint32, exact (see :func:`int_less`)."""
    ah, al = int_halves(ctx, a, dt)
    bh, bl = int_halves(ctx, b, dt)
    return ops.logical_and(ops.equal(ah, bh), ops.equal(al, bl)).output(0)


def int_reduce_extreme(ctx: Emitter, x: Any, dt: str, axes: Any, keep: bool,
                       largest: bool) -> Any:
    """ReduceMax/ReduceMin of int32/uint32 ``x``, exact: the extreme high
    half, then the extreme low half among the elements holding it."""
    hi, lo = int_halves(ctx, x, dt)
    fn = ops.reduce_max if largest else ops.reduce_min
    m_hi = fn(hi, axes, True)
    out_of_race = ctx.const(-1 if largest else 0x10000, "int32")
    cand = ops.select(ops.equal(hi, m_hi), lo, out_of_race)
    m_lo = fn(cand, axes, keep)
    if not keep:
        m_hi = ops.squeeze(m_hi, axes)
    r = ops.bitwise_or(ops.bitwise_left_shift(m_hi, ctx.const(16, "int32")), m_lo)
    return ctx.cast(r, dt)


def where(ctx: Emitter, cond: Any, x: Any, y: Any) -> Any:
    """Select ``x`` where ``cond`` (bool) holds, else ``y``."""
    return ops.select(cond, x, y).output(0)
