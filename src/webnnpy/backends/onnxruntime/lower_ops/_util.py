"""Helpers shared by the lowering families: operand data types, constant
data, and exact workarounds for ONNX Runtime CPU kernels a data type lacks.
"""

from __future__ import annotations

import numpy as np

from webnnpy.backends.onnxruntime.emitter import Emitter
from webnnpy.ir.graph import Node, Value

__all__ = [
    "SIGNED",
    "bool_to_uint8",
    "const_data",
    "dtype_of",
    "flip_sign_bit",
    "max_min",
    "unflip_sign_bit",
    "where",
]

#: signed integer WebNN types
SIGNED = ("int8", "int32", "int64")


def dtype_of(node: Node, arg: str) -> str:
    """The WebNN data type of operand ``arg``."""
    v = node.operands[arg]
    assert isinstance(v, Value)
    return v.desc.data_type


def const_data(node: Node, arg: str) -> np.ndarray | None:
    """The data of operand ``arg`` when it is a constant, else None."""
    v = node.operands.get(arg)
    return v.constant if isinstance(v, Value) else None


def bool_to_uint8(ctx: Emitter, x: str, out: str | None = None) -> str:
    """A bool tensor as WebNN's uint8 0/1."""
    return ctx.cast(x, "uint8", out)


def where(ctx: Emitter, cond: str, x: str, y: str, dtype: str,
          out: str | None = None, *, signed_zero: bool = False) -> str:
    """ONNX Where for any WebNN data type.

    ONNX Runtime's CPU Where has no uint64 kernel: uint64 runs on the int64
    bit pattern, which casts keep.  Its float Where merges two selections
    with ``x != 0 ? x : y``, so a -0.0 taken from ``x`` comes out +0.0; with
    ``signed_zero`` (``x`` may hold -0.0 that must survive) the result is
    multiplied by -1 exactly there."""
    if dtype == "uint64":
        r = ctx.emit("Where", [cond, ctx.cast(x, "int64"), ctx.cast(y, "int64")])
        return ctx.cast(r, "uint64", out)
    if not signed_zero or dtype not in ("float32", "float16"):
        return ctx.emit("Where", [cond, x, y], out or 1)
    r = ctx.emit("Where", [cond, x, y])
    zero = ctx.const(0, dtype)
    neg_zero = ctx.emit("And", [ctx.emit("Equal", [x, zero]), ctx.emit(
        "Less", [ctx.emit("Reciprocal", [x]), zero])])
    flip = ctx.emit("Where", [ctx.emit("And", [cond, neg_zero]),
                              ctx.const(-1, dtype), ctx.const(1, dtype)])
    return ctx.emit("Mul", [r, flip], out or 1)


def flip_sign_bit(ctx: Emitter, x: str, dtype: str) -> tuple[str, str]:
    """An order-preserving map of uint32/uint64 values onto int32/int64 (flip
    the top bit, read as signed), for the comparisons and reductions ONNX
    Runtime has no unsigned kernels for.  Returns (name, its type)."""
    bits = 32 if dtype == "uint32" else 64
    flipped = ctx.emit("BitwiseXor", [x, ctx.const(2 ** (bits - 1), dtype)])
    signed = f"int{bits}"
    return ctx.cast(flipped, signed), signed


def unflip_sign_bit(ctx: Emitter, x: str, dtype: str, out: str | None = None
                    ) -> str:
    """The inverse of :func:`flip_sign_bit` (``x`` is int32/int64)."""
    bits = 32 if dtype == "uint32" else 64
    u = ctx.cast(x, dtype)
    return ctx.emit("BitwiseXor", [u, ctx.const(2 ** (bits - 1), dtype)], out or 1)


def max_min(ctx: Emitter, op: str, a: str, b: str, dtype: str,
            out: str | None = None) -> str:
    """Element-wise ONNX ``Max`` or ``Min`` ("Max"/"Min") of two tensors.
    ONNX Runtime 1.31's int64 Max/Min compare only the low 32 bits of some
    values (e.g. Min(2**32 - 1, 3) gives 2**32 - 1), so int64 selects with a
    comparison instead."""
    if dtype != "int64":
        return ctx.emit(op, [a, b], out or 1)
    pick_a = ctx.emit("Greater" if op == "Max" else "Less", [a, b])
    return ctx.emit("Where", [pick_a, a, b], out or 1)
