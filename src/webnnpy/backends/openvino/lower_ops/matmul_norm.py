"""OpenVINO lowerings of the matmul_norm family: matmul, gemm,
batchNormalization, instanceNormalization and layerNormalization.

- matmul is MatMul (numpy broadcasting, as WebNN); gemm is MatMul with the
  transposes, scaled by alpha, plus ``beta * c``.
- batchNormalization with constant statistics is ``(x - mean) * k + bias``
  with ``k = scale / sqrt(variance + epsilon)`` computed in float64 at
  lowering time (folded into a preceding Convolution by the CPU plugin);
  otherwise the spec's formula as written.
- instance and layer normalization are MVN (``eps_mode`` "inside_sqrt",
  population variance) over their axes, then scale and bias laid out to
  broadcast.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from webnnpy.backends.openvino.emitter import Emitter, ops
from webnnpy.backends.openvino.lower_ops._table import Exclude, LoweringTable
from webnnpy.backends.openvino.lower_ops._util import const_data, dtype_of, shape_of
from webnnpy.ir.graph import Node

__all__ = ["EXCLUDE", "LOWERINGS"]

LOWERINGS = LoweringTable()
EXCLUDE: Exclude = {}


@LOWERINGS.define("matmul")
def _matmul(ctx: Emitter, node: Node) -> None:
    ctx.set(node, ops.matmul(ctx.input(node, "a"), ctx.input(node, "b"), False,
                             False))


@LOWERINGS.define("gemm")
def _gemm(ctx: Emitter, node: Node) -> None:
    a = node.attrs
    dt = dtype_of(node, "a")
    y = ops.matmul(ctx.input(node, "a"), ctx.input(node, "b"),
                   bool(a["aTranspose"]), bool(a["bTranspose"])).output(0)
    alpha, beta = float(a["alpha"]), float(a["beta"])
    if alpha != 1.0:
        y = ops.multiply(y, ctx.const(alpha, dt)).output(0)
    c = ctx.opt(node, "c")
    if c is not None and beta != 0.0:
        if beta != 1.0:
            c = ops.multiply(c, ctx.const(beta, dt)).output(0)
        y = ops.add(y, c).output(0)
    ctx.set(node, y)


def _scale_bias(ctx: Emitter, y: Any, scale: Any | None, bias: Any | None) -> Any:
    if scale is not None:
        y = ops.multiply(y, scale).output(0)
    if bias is not None:
        y = ops.add(y, bias).output(0)
    return y


@LOWERINGS.define("batchNormalization")
def _batch_norm(ctx: Emitter, node: Node) -> None:
    x = ctx.input(node, "input")
    dt = dtype_of(node, "input")
    shape = shape_of(node, "input")
    axis, eps = node.attrs["axis"], float(node.attrs["epsilon"])
    along = [1] * len(shape)
    along[axis] = shape[axis]
    data = {a: const_data(node, a) for a in ("mean", "variance", "scale", "bias")}
    present = [a for a in data if node.operands.get(a) is not None]
    if all(data[a] is not None for a in present):
        n = shape[axis]
        f64 = {a: (np.asarray(data[a], np.float64) if data[a] is not None
                   else np.full(n, 1.0 if a == "scale" else 0.0)) for a in data}
        k = f64["scale"] / np.sqrt(f64["variance"] + eps)
        f = "float32"  # float16 too: the CPU plugin computes it in float32
        y = ops.add(ctx.cast(x, f), ctx.const(-f64["mean"], f, along))
        y = ops.multiply(y, ctx.const(k, f, along)).output(0)
        if data["bias"] is not None:
            y = ops.add(y, ctx.const(f64["bias"], f, along)).output(0)
        special = ~np.isfinite(k)
        if special.any():
            # k = +-inf (variance + epsilon 0) or NaN: the plugin folds
            # (x - mean) * k into x * k - mean * k, which is inf - inf = NaN
            # where the spec's (x - mean) / 0 is +-inf; sign(x - mean) * k
            # is the spec's value there (0 * inf = NaN for x == mean)
            d = ops.add(ctx.cast(x, f), ctx.const(-f64["mean"], f, along))
            s = ops.multiply(ops.sign(d), ctx.const(k, f, along)).output(0)
            if data["bias"] is not None:
                s = ops.add(s, ctx.const(f64["bias"], f, along)).output(0)
            y = ops.select(ctx.const(special.reshape(along), "bool"), s, y).output(0)
        ctx.set(node, y)
        return
    target = ctx.ints(along)

    def lay(arg: str) -> Any | None:
        v = ctx.opt(node, arg)
        return None if v is None else ops.reshape(v, target, False).output(0)

    m, v = lay("mean"), lay("variance")
    std = ops.sqrt(ops.add(v, ctx.const(eps, dt)))
    y = ops.divide(ops.subtract(x, m), std).output(0)
    ctx.set(node, _scale_bias(ctx, y, lay("scale"), lay("bias")))


def _mvn(ctx: Emitter, x: Any, axes: list[int], eps: float) -> Any:
    return ops.mvn(x, ctx.ints(axes), True, eps, "inside_sqrt").output(0)


@LOWERINGS.define("instanceNormalization")
def _instance_norm(ctx: Emitter, node: Node) -> None:
    x = ctx.input(node, "input")
    shape = shape_of(node, "input")
    eps = float(node.attrs["epsilon"])
    nchw = node.attrs["layout"] == "nchw"
    y = _mvn(ctx, x, [2, 3] if nchw else [1, 2], eps)
    target = ctx.ints([1, shape[1], 1, 1] if nchw else [1, 1, 1, shape[3]])

    def lay(arg: str) -> Any | None:
        v = ctx.opt(node, arg)
        return None if v is None else ops.reshape(v, target, False).output(0)

    ctx.set(node, _scale_bias(ctx, y, lay("scale"), lay("bias")))


@LOWERINGS.define("layerNormalization")
def _layer_norm(ctx: Emitter, node: Node) -> None:
    x = ctx.input(node, "input")
    shape = shape_of(node, "input")
    rank = len(shape)
    axes = list(node.attrs["axes"])
    eps = float(node.attrs["epsilon"])
    if axes:
        y = _mvn(ctx, x, axes, eps)
    else:  # each element is its own mean: (x - x) / sqrt(0 + eps)
        dt = dtype_of(node, "input")
        y = ops.divide(ops.subtract(x, x), ops.sqrt(ctx.const(eps, dt))).output(0)
    order = [int(i) for i in np.argsort(axes, kind="stable")]
    target = ctx.ints([shape[d] if d in axes else 1 for d in range(rank)])

    def lay(arg: str) -> Any | None:
        v = ctx.opt(node, arg)
        if v is None:
            return None
        if order != sorted(order):
            v = ops.transpose(v, ctx.ints(order)).output(0)
        return ops.reshape(v, target, False).output(0)

    ctx.set(node, _scale_bias(ctx, y, lay("scale"), lay("bias")))
