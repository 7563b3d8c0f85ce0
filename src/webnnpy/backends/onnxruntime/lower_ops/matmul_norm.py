"""ONNX lowerings of the matmul_norm family: matmul, gemm, batchNormalization,
instanceNormalization and layerNormalization.

- matmul and gemm map to MatMul and Gemm (ONNX's broadcasting and ``C``
  broadcasting are WebNN's).
- the normalizations use ONNX's fused ops where their layout matches
  (BatchNormalization on axis 1, InstanceNormalization in "nchw",
  LayerNormalization over trailing axes in order), filling absent scale/bias
  with 1/0 constants, so that ONNX Runtime can fuse them with neighbours;
  any other axis choice decomposes to ``(x - mean) / sqrt(variance +
  epsilon) * scale + bias`` with the population variance, scale and bias laid
  out to broadcast.
- float16 decompositions compute in float32 and round once at the end.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from webnnpy.backends.onnxruntime.emitter import Emitter
from webnnpy.backends.onnxruntime.lower_ops._table import Exclude, LoweringTable
from webnnpy.backends.onnxruntime.lower_ops._util import dtype_of
from webnnpy.ir.graph import Node, Value

__all__ = ["EXCLUDE", "LOWERINGS"]

LOWERINGS = LoweringTable()
EXCLUDE: Exclude = {}


def _opt(ctx: Emitter, node: Node, arg: str) -> str | None:
    return ctx.input(node, arg) if node.operands.get(arg) is not None else None


def _shape(node: Node, arg: str) -> tuple[int, ...]:
    v = node.operands[arg]
    assert isinstance(v, Value)
    return v.desc.shape


@LOWERINGS.define("matmul")
def _matmul(ctx: Emitter, node: Node) -> None:
    ctx.emit("MatMul", [ctx.input(node, "a"), ctx.input(node, "b")], ctx.out(node))


@LOWERINGS.define("gemm")
def _gemm(ctx: Emitter, node: Node) -> None:
    a = node.attrs
    inputs = [ctx.input(node, "a"), ctx.input(node, "b")]
    c = _opt(ctx, node, "c")
    if c is not None:
        inputs.append(c)
    ctx.emit("Gemm", inputs, ctx.out(node), alpha=float(a["alpha"]),
             beta=float(a["beta"]), transA=int(a["aTranspose"]),
             transB=int(a["bTranspose"]))


def _normalize(ctx: Emitter, x: str, mean: str, variance: str, scale: str | None,
               bias: str | None, eps: float, out: str) -> None:
    """``(x - mean) / sqrt(variance + eps) * scale + bias`` in float32 (every
    argument already broadcastable against ``x``)."""
    std = ctx.emit("Sqrt", [ctx.emit("Add", [variance, ctx.const(eps, "float32")])])
    steps: list[tuple[str, str]] = [("Div", std)]
    if scale is not None:
        steps.append(("Mul", scale))
    if bias is not None:
        steps.append(("Add", bias))
    r = ctx.emit("Sub", [x, mean])
    for i, (op, arg) in enumerate(steps):
        r = ctx.emit(op, [r, arg], out if i == len(steps) - 1 else 1)


def _moments(ctx: Emitter, x: str, axes: Sequence[int]) -> tuple[str, str]:
    """Mean and population variance over ``axes`` (kept as size 1)."""
    if not axes:  # the mean of one element is itself
        return x, ctx.emit("Mul", [ctx.emit("Sub", [x, x])] * 2)
    mean = ctx.emit("ReduceMean", [x, ctx.ints(axes)], keepdims=1)
    d = ctx.emit("Sub", [x, mean])
    var = ctx.emit("ReduceMean", [ctx.emit("Mul", [d, d]), ctx.ints(axes)],
                   keepdims=1)
    return mean, var


def _f32(ctx: Emitter, name: str | None, dt: str) -> str | None:
    return ctx.cast(name, "float32") if name is not None and dt != "float32" \
        else name


def _finish(ctx: Emitter, node: Node, dt: str) -> str:
    """The float32 result name: the output itself, or a temporary cast to it."""
    return ctx.out(node) if dt == "float32" else ctx.fresh()


def _cast_out(ctx: Emitter, node: Node, r: str, dt: str) -> None:
    if dt != "float32":
        ctx.cast(r, dt, ctx.out(node))


def _ones_zeros(ctx: Emitter, scale: str | None, bias: str | None, size: int,
                dt: str) -> tuple[str, str]:
    return (scale if scale is not None else ctx.const(np.ones(size), dt),
            bias if bias is not None else ctx.const(np.zeros(size), dt))


@LOWERINGS.define("batchNormalization")
def _batch_norm(ctx: Emitter, node: Node) -> None:
    x = ctx.input(node, "input")
    dt = dtype_of(node, "input")
    shape = _shape(node, "input")
    axis, eps = node.attrs["axis"], float(node.attrs["epsilon"])
    scale, bias = _opt(ctx, node, "scale"), _opt(ctx, node, "bias")
    mean, var = ctx.input(node, "mean"), ctx.input(node, "variance")
    if axis == 1 and len(shape) >= 2:
        s, b = _ones_zeros(ctx, scale, bias, shape[1], dt)
        ctx.emit("BatchNormalization", [x, s, b, mean, var], ctx.out(node),
                 epsilon=eps)
        return
    along = [1] * len(shape)
    along[axis] = shape[axis]
    target = ctx.ints(along)

    def lay(v: str | None) -> str | None:
        v = _f32(ctx, v, dt)
        return None if v is None else ctx.emit("Reshape", [v, target])

    m, v = lay(mean), lay(var)
    assert m is not None and v is not None
    r = _finish(ctx, node, dt)
    _normalize(ctx, _f32(ctx, x, dt) or x, m, v, lay(scale), lay(bias), eps, r)
    _cast_out(ctx, node, r, dt)


@LOWERINGS.define("instanceNormalization")
def _instance_norm(ctx: Emitter, node: Node) -> None:
    x = ctx.input(node, "input")
    dt = dtype_of(node, "input")
    shape = _shape(node, "input")
    eps = float(node.attrs["epsilon"])
    scale, bias = _opt(ctx, node, "scale"), _opt(ctx, node, "bias")
    if node.attrs["layout"] == "nchw":
        s, b = _ones_zeros(ctx, scale, bias, shape[1], dt)
        ctx.emit("InstanceNormalization", [x, s, b], ctx.out(node), epsilon=eps)
        return
    # nhwc: channels last, so scale and bias broadcast as they are
    xf = _f32(ctx, x, dt) or x
    mean, var = _moments(ctx, xf, [1, 2])
    r = _finish(ctx, node, dt)
    _normalize(ctx, xf, mean, var, _f32(ctx, scale, dt), _f32(ctx, bias, dt), eps, r)
    _cast_out(ctx, node, r, dt)


@LOWERINGS.define("layerNormalization")
def _layer_norm(ctx: Emitter, node: Node) -> None:
    x = ctx.input(node, "input")
    dt = dtype_of(node, "input")
    shape = _shape(node, "input")
    rank = len(shape)
    axes = list(node.attrs["axes"])
    eps = float(node.attrs["epsilon"])
    scale, bias = _opt(ctx, node, "scale"), _opt(ctx, node, "bias")
    if axes and axes == list(range(rank - len(axes), rank)):
        trailing = list(shape[rank - len(axes):])
        s = scale if scale is not None else ctx.const(np.ones(trailing), dt)
        inputs = [x, s]
        if bias is not None:
            inputs.append(bias)
        ctx.emit("LayerNormalization", inputs, ctx.out(node), axis=axes[0],
                 epsilon=eps)
        return
    # scale/bias dimension i is input dimension axes[i]: permute them into
    # increasing axis order, then reshape to broadcast against the input
    order = [int(i) for i in np.argsort(axes, kind="stable")]
    target = ctx.ints([shape[d] if d in axes else 1 for d in range(rank)])

    def lay(v: str | None) -> str | None:
        v = _f32(ctx, v, dt)
        if v is None:
            return None
        if order != sorted(order):
            v = ctx.emit("Transpose", [v], perm=order)
        return ctx.emit("Reshape", [v, target])

    xf = _f32(ctx, x, dt) or x
    mean, var = _moments(ctx, xf, axes)
    r = _finish(ctx, node, dt)
    _normalize(ctx, xf, mean, var, lay(scale), lay(bias), eps, r)
    _cast_out(ctx, node, r, dt)
