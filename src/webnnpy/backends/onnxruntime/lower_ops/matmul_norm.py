"""ONNX lowerings of the matmul_norm family: matmul, gemm, batchNormalization,
instanceNormalization and layerNormalization.

- matmul and gemm map to MatMul and Gemm (ONNX's broadcasting and ``C``
  broadcasting are WebNN's).
- batchNormalization is ``(x - mean) * k + bias`` (see its lowering: ONNX
  Runtime's BatchNormalization cancels).
- the other normalizations use ONNX's fused ops where their layout matches
  (InstanceNormalization in "nchw",
  LayerNormalization over trailing axes in order, float32 centred first:
  ``x - ReduceMean(x)``, as the kernel's ``x * inv_std - mean * inv_std``
  cancels), filling absent scale/bias
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
from webnnpy.backends.onnxruntime.lower_ops._table import LoweringTable
from webnnpy.backends.onnxruntime.lower_ops._util import const_data, dtype_of
from webnnpy.ir.graph import Node, Value

__all__ = ["LOWERINGS"]

LOWERINGS = LoweringTable()


#: ops that ONNX Runtime folds a following Add/Mul/BatchNormalization into
_CONVS = ("conv2d", "convTranspose2d")


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
    # Not ONNX BatchNormalization: ONNX Runtime computes x * k + (bias - mean
    # * k), which cancels when x is near mean (12 ULP off on WPT's data).
    # With constant statistics, k = scale / sqrt(variance + epsilon) is
    # computed in float64 and (x + -mean) * k + bias is emitted: accurate, and
    # after a Conv, ONNX Runtime's Conv+Add and Conv+Mul fusions fold all three
    # into the convolution as its BatchNormalization fusion would.  Otherwise
    # the spec's formula is emitted as written.
    x = ctx.input(node, "input")
    dt = dtype_of(node, "input")
    shape = _shape(node, "input")
    axis, eps = node.attrs["axis"], float(node.attrs["epsilon"])
    along = [1] * len(shape)
    along[axis] = shape[axis]
    xf = _f32(ctx, x, dt) or x
    r = _finish(ctx, node, dt)
    data = {a: const_data(node, a) for a in ("mean", "variance", "scale", "bias")}
    present = [a for a in data if node.operands.get(a) is not None]
    if all(data[a] is not None for a in present):
        n = shape[axis]
        f64 = {a: (np.asarray(data[a], np.float64) if data[a] is not None
                   else np.full(n, 1.0 if a == "scale" else 0.0))
               for a in data}
        with np.errstate(all="ignore"):  # 1 / sqrt(0) = inf, as the spec's
            k = f64["scale"] / np.sqrt(f64["variance"] + eps)
        v = node.operands["input"]
        assert isinstance(v, Value)
        after_conv = v.producer is not None and v.producer.op in _CONVS
        if len(shape) == 4 and axis == 1 and dt == "float32" and not after_conv:
            # Not after a convolution (DenseNet's BatchNorm after a Concat,
            # pre-activation blocks): two channel-wise 1x1 convolutions,
            # x * 1 + (-mean), then * k + bias - the same two roundings - which
            # ONNX Runtime keeps in its blocked (NCHWc) layout with a
            # following ReLU fused, where an Add and a BatchNormalization make
            # it reorder the tensor out of that layout and back (DenseNet-121:
            # 61 such round trips).  A Conv is never folded into another Conv,
            # so the statistics are not folded into x * k + (bias - mean * k),
            # which cancels.
            ch = (n, 1, 1, 1)
            y = ctx.emit("Conv", [xf, ctx.const(np.ones(n), "float32", ch),
                                  ctx.const(-f64["mean"], "float32", (n,))],
                         group=n)
            ctx.emit("Conv", [y, ctx.const(k, "float32", ch),
                              ctx.const(f64["bias"], "float32", (n,))], r, group=n)
            return
        y = ctx.emit("Add", [xf, ctx.const(-f64["mean"], "float32", along)])
        if len(shape) >= 2 and axis == 1 and np.isfinite(
                k.astype(np.float32)).all():
            # (x - mean) * k + bias as ONNX BatchNormalization with mean 0,
            # variance 1 and epsilon 0 (so ONNX Runtime's own k is exactly
            # 1 * scale): the same arithmetic, but one node that ONNX
            # Runtime's layout pass turns into a channel-wise convolution
            # and fuses with a following activation (DenseNet's
            # BatchNorm -> ReLU after a Concat).  Only for a finite k:
            # ONNX Runtime folds mean * k into the bias (0 * inf = NaN for
            # every element of a zero-variance channel).
            ctx.emit("BatchNormalization", [
                y, ctx.const(k, "float32", (n,)), ctx.const(f64["bias"], "float32",
                                                            (n,)),
                ctx.const(np.zeros(n), "float32", (n,)),
                ctx.const(np.ones(n), "float32", (n,))], r, epsilon=0.0)
            _cast_out(ctx, node, r, dt)
            return
        y = ctx.emit("Mul", [y, ctx.const(k, "float32", along)],
                     r if data["bias"] is None else 1)
        if data["bias"] is not None:
            ctx.emit("Add", [y, ctx.const(f64["bias"], "float32", along)], r)
        _cast_out(ctx, node, r, dt)
        return
    target = ctx.ints(along)

    def lay(arg: str) -> str | None:
        v = _f32(ctx, _opt(ctx, node, arg), dt)
        return None if v is None else ctx.emit("Reshape", [v, target])

    mean, var = lay("mean"), lay("variance")
    assert mean is not None and var is not None
    _normalize(ctx, xf, mean, var, lay("scale"), lay("bias"), eps, r)
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
        if dt == "float32":
            # ONNX Runtime's kernel computes x * inv_std - mean * inv_std,
            # which cancels when |mean| is large against the spread (75 ULP
            # on [1.3953, 1.4339]): centre first, x - mean has mean ~0
            x = ctx.emit("Sub", [x, ctx.emit("ReduceMean", [x, ctx.ints(axes)],
                                             keepdims=1)])
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
