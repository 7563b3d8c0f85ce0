"""Helpers shared by the OpenVINO lowering families."""

from __future__ import annotations

from typing import Any

import numpy as np

from webnnpy.backends.openvino.emitter import Emitter, ops
from webnnpy.ir.graph import Node, Value

__all__ = [
    "FLOATS",
    "SIGNED",
    "const_data",
    "dtype_of",
    "shape_of",
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


def where(ctx: Emitter, cond: Any, x: Any, y: Any) -> Any:
    """Select ``x`` where ``cond`` (bool) holds, else ``y``."""
    return ops.select(cond, x, y).output(0)
