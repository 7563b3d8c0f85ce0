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
          out: str | None = None) -> str:
    """ONNX Where for any WebNN data type (ONNX Runtime's CPU Where has no
    uint64 kernel: it runs on the int64 bit pattern, which casts keep)."""
    if dtype != "uint64":
        return ctx.emit("Where", [cond, x, y], out or 1)
    r = ctx.emit("Where", [cond, ctx.cast(x, "int64"), ctx.cast(y, "int64")])
    return ctx.cast(r, "uint64", out)


def flip_sign_bit(ctx: Emitter, x: str, dtype: str) -> tuple[str, str]:
    """An order-preserving map of unsigned 32/64-bit values into a signed type
    ONNX Runtime compares and reduces: uint32 widens to int64, uint64 flips its
    top bit and reads as int64.  Returns (name, its type)."""
    if dtype == "uint32":
        return ctx.cast(x, "int64"), "int64"
    assert dtype == "uint64"
    flipped = ctx.emit("BitwiseXor", [x, ctx.const(2**63, "uint64")])
    return ctx.cast(flipped, "int64"), "int64"


def unflip_sign_bit(ctx: Emitter, x: str, dtype: str, out: str | None = None
                    ) -> str:
    """The inverse of :func:`flip_sign_bit` (``x`` is int64)."""
    if dtype == "uint32":
        return ctx.cast(x, "uint32", out)
    u = ctx.cast(x, "uint64")
    return ctx.emit("BitwiseXor", [u, ctx.const(2**63, "uint64")], out or 1)
