"""ONNX lowerings of the shape family: reshape, transpose, concat, slice,
split, pad, expand, tile, reverse and triangular.

These ops only move elements, so each maps to one ONNX op of any data type
(ONNX Runtime has kernels for all eight).  Exceptions:

- ``reverse`` is a Slice with step -1 on each reversed axis.
- ``triangular`` is Trilu where ONNX Runtime has a kernel (float32, float16,
  int32, int64); for the other types a constant keep-mask selects
  the elements (Where), which is exact for any type.
- transpose, slice, pad and tile of a scalar are Identity (ONNX rejects
  their empty perm/pads/repeats lists).
"""

from __future__ import annotations

import numpy as np

from webnnpy.backends.onnxruntime.emitter import Emitter
from webnnpy.backends.onnxruntime.lower_ops._table import LoweringTable
from webnnpy.backends.onnxruntime.lower_ops._util import dtype_of, where
from webnnpy.ir.graph import Node, Value

__all__ = ["LOWERINGS"]

LOWERINGS = LoweringTable()

_INT64_MIN = -(2**63)


def _rank(node: Node) -> int:
    v = node.operands["input"]
    assert isinstance(v, Value)
    return v.desc.rank


@LOWERINGS.define("reshape", "expand")
def _reshape(ctx: Emitter, node: Node) -> None:
    op = "Reshape" if node.op == "reshape" else "Expand"
    ctx.emit(op, [ctx.input(node, "input"), ctx.ints(node.attrs["newShape"])],
             ctx.out(node))


@LOWERINGS.define("transpose")
def _transpose(ctx: Emitter, node: Node) -> None:
    if _rank(node) == 0:
        ctx.emit("Identity", [ctx.input(node, "input")], ctx.out(node))
        return
    ctx.emit("Transpose", [ctx.input(node, "input")], ctx.out(node),
             perm=list(node.attrs["permutation"]))


@LOWERINGS.define("concat")
def _concat(ctx: Emitter, node: Node) -> None:
    ctx.emit("Concat", ctx.inputs(node, "inputs"), ctx.out(node),
             axis=node.attrs["axis"])


@LOWERINGS.define("slice")
def _slice(ctx: Emitter, node: Node) -> None:
    x = ctx.input(node, "input")
    a = node.attrs
    if _rank(node) == 0:
        ctx.emit("Identity", [x], ctx.out(node))
        return
    starts, sizes, strides = a["starts"], a["sizes"], a["strides"]
    ends = [s + n for s, n in zip(starts, sizes, strict=True)]
    ctx.emit("Slice", [x, ctx.ints(starts), ctx.ints(ends),
                       ctx.ints(list(range(len(starts)))), ctx.ints(strides)],
             ctx.out(node))


@LOWERINGS.define("split")
def _split(ctx: Emitter, node: Node) -> None:
    outs = [ctx.out(node, i) for i in range(len(node.outputs))]
    ctx.emit("Split", [ctx.input(node, "input"), ctx.ints(node.attrs["splits"])],
             outs, axis=node.attrs["axis"])


_PAD_MODES = {"constant": "constant", "edge": "edge", "reflection": "reflect"}


@LOWERINGS.define("pad")
def _pad(ctx: Emitter, node: Node) -> None:
    x = ctx.input(node, "input")
    a = node.attrs
    pads = [*a["beginningPadding"], *a["endingPadding"]]
    if _rank(node) == 0 or not any(pads):
        ctx.emit("Identity", [x], ctx.out(node))
        return
    inputs = [x, ctx.ints(pads)]
    if a["mode"] == "constant":
        inputs.append(ctx.const(a["value"], dtype_of(node, "input")))
    ctx.emit("Pad", inputs, ctx.out(node), mode=_PAD_MODES[a["mode"]])


@LOWERINGS.define("tile")
def _tile(ctx: Emitter, node: Node) -> None:
    x = ctx.input(node, "input")
    if _rank(node) == 0:
        ctx.emit("Identity", [x], ctx.out(node))
        return
    ctx.emit("Tile", [x, ctx.ints(node.attrs["repetitions"])], ctx.out(node))


@LOWERINGS.define("reverse")
def _reverse(ctx: Emitter, node: Node) -> None:
    x = ctx.input(node, "input")
    axes = list(node.attrs["axes"])
    if not axes:
        ctx.emit("Identity", [x], ctx.out(node))
        return
    n = len(axes)
    ctx.emit("Slice", [x, ctx.ints([-1] * n), ctx.ints([_INT64_MIN] * n),
                       ctx.ints(axes), ctx.ints([-1] * n)], ctx.out(node))


_TRILU_TYPES = ("float32", "float16", "int32", "int64")


@LOWERINGS.define("triangular")
def _triangular(ctx: Emitter, node: Node) -> None:
    x = ctx.input(node, "input")
    dt = dtype_of(node, "input")
    upper, diagonal = node.attrs["upper"], node.attrs["diagonal"]
    if dt in _TRILU_TYPES:
        ctx.emit("Trilu", [x, ctx.const(diagonal, "int64")], ctx.out(node),
                 upper=int(upper))
        return
    rows, cols = node.outputs[0].desc.shape[-2:]
    offset = np.arange(cols)[None, :] - np.arange(rows)[:, None]
    keep = offset >= diagonal if upper else offset <= diagonal
    where(ctx, ctx.const(keep, "bool"), x, ctx.const(0, dt), dt, ctx.out(node))
