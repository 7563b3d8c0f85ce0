"""OpenVINO lowerings of the shape family: reshape, transpose, concat, slice,
split, pad, expand, tile, reverse and triangular.

These ops only move elements.  ``reverse`` is a Slice with step -1 on each
reversed axis; ``triangular`` selects with a constant keep-mask (OpenVINO has
no Trilu); ``expand`` is Broadcast; pad modes map to OpenVINO's "constant",
"edge" and "reflect".
"""

from __future__ import annotations

import numpy as np

from webnnpy.backends.openvino.emitter import Emitter, ops
from webnnpy.backends.openvino.lower_ops._table import Exclude, LoweringTable
from webnnpy.backends.openvino.lower_ops._util import dtype_of, shape_of, where
from webnnpy.ir.graph import Node

__all__ = ["EXCLUDE", "LOWERINGS"]

LOWERINGS = LoweringTable()
EXCLUDE: Exclude = {}

_INT64_MIN = -(2**63)


@LOWERINGS.define("reshape")
def _reshape(ctx: Emitter, node: Node) -> None:
    ctx.set(node, ops.reshape(ctx.input(node, "input"),
                              ctx.ints(node.attrs["newShape"]), False))


@LOWERINGS.define("expand")
def _expand(ctx: Emitter, node: Node) -> None:
    if tuple(node.attrs["newShape"]) == shape_of(node, "input"):
        ctx.set(node, ctx.input(node, "input"))
        return
    ctx.set(node, ops.broadcast(ctx.input(node, "input"),
                                ctx.ints(node.attrs["newShape"])))


@LOWERINGS.define("transpose")
def _transpose(ctx: Emitter, node: Node) -> None:
    x = ctx.input(node, "input")
    if not shape_of(node, "input"):
        ctx.set(node, x)
        return
    ctx.set(node, ops.transpose(x, ctx.ints(node.attrs["permutation"])))


@LOWERINGS.define("concat")
def _concat(ctx: Emitter, node: Node) -> None:
    xs = ctx.inputs(node, "inputs")
    if len(xs) == 1:
        ctx.set(node, xs[0])
        return
    ctx.set(node, ops.concat(xs, int(node.attrs["axis"])))


@LOWERINGS.define("slice")
def _slice(ctx: Emitter, node: Node) -> None:
    x = ctx.input(node, "input")
    a = node.attrs
    if not shape_of(node, "input"):
        ctx.set(node, x)
        return
    starts, sizes, strides = a["starts"], a["sizes"], a["strides"]
    ends = [s + n for s, n in zip(starts, sizes, strict=True)]
    ctx.set(node, ops.slice(x, ctx.ints(starts), ctx.ints(ends), ctx.ints(strides),
                            ctx.ints(list(range(len(starts))))))


@LOWERINGS.define("split")
def _split(ctx: Emitter, node: Node) -> None:
    s = ops.variadic_split(ctx.input(node, "input"),
                           ctx.const(node.attrs["axis"], "int64"),
                           ctx.ints(node.attrs["splits"]))
    for i in range(len(node.outputs)):
        ctx.set(node, s.output(i), i)


_PAD_MODES = {"constant": "constant", "edge": "edge", "reflection": "reflect"}


@LOWERINGS.define("pad")
def _pad(ctx: Emitter, node: Node) -> None:
    x = ctx.input(node, "input")
    a = node.attrs
    begin, end = list(a["beginningPadding"]), list(a["endingPadding"])
    if not shape_of(node, "input") or not any(begin + end):
        ctx.set(node, x)
        return
    dt = dtype_of(node, "input")
    value = None
    if a["mode"] == "constant":
        v = a["value"]
        if dt not in ("float32", "float16"):  # saturate, as the reference casts
            info = np.iinfo(dt)
            v = min(max(int(v), int(info.min)), int(info.max)) \
                if np.isfinite(v) else 0
        if dt in ("int32", "uint32") and abs(int(v)) > 2**24:
            # the CPU plugin passes the pad value through float32 (2**31 - 1
            # became -2**31): pad with 0, then select the value by a mask
            out_shape = node.outputs[0].desc.shape
            inside = np.zeros(out_shape, bool)
            inside[tuple(slice(b, b + n) for b, n in
                         zip(begin, shape_of(node, "input"), strict=True))] = True
            padded = ops.pad(x, ctx.ints(begin), ctx.ints(end), "constant",
                             ctx.const(0, dt))
            ctx.set(node, where(ctx, ctx.const(inside, "bool"), padded,
                                ctx.const(v, dt)))
            return
        value = ctx.const(v, dt)
    ctx.set(node, ops.pad(x, ctx.ints(begin), ctx.ints(end), _PAD_MODES[a["mode"]],
                          value))


@LOWERINGS.define("tile")
def _tile(ctx: Emitter, node: Node) -> None:
    x = ctx.input(node, "input")
    if not shape_of(node, "input"):
        ctx.set(node, x)
        return
    ctx.set(node, ops.tile(x, ctx.ints(node.attrs["repetitions"])))


@LOWERINGS.define("reverse")
def _reverse(ctx: Emitter, node: Node) -> None:
    x = ctx.input(node, "input")
    axes = list(node.attrs["axes"])
    if not axes:
        ctx.set(node, x)
        return
    n = len(axes)
    ctx.set(node, ops.slice(x, ctx.ints([-1] * n), ctx.ints([_INT64_MIN] * n),
                            ctx.ints([-1] * n), ctx.ints(axes)))


@LOWERINGS.define("triangular")
def _triangular(ctx: Emitter, node: Node) -> None:
    x = ctx.input(node, "input")
    dt = dtype_of(node, "input")
    upper, diagonal = node.attrs["upper"], node.attrs["diagonal"]
    rows, cols = node.outputs[0].desc.shape[-2:]
    offset = np.arange(cols)[None, :] - np.arange(rows)[:, None]
    keep = offset >= diagonal if upper else offset <= diagonal
    ctx.set(node, where(ctx, ctx.const(keep, "bool"), x, ctx.const(0, dt)))
