"""Activations: Relu LeakyRelu PRelu Sigmoid HardSigmoid HardSwish Tanh Elu
Selu Celu Softplus Softsign Gelu ThresholdedRelu Shrink Mish Swish Clip,
and Softmax LogSoftmax Hardmax (with the opset < 13 "flatten to 2-D" rule).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from webnnpy import MLOperand
from webnnpy.models.onnx.convert import ImportContext, NodeInfo, Tensor
from webnnpy.models.onnx.handlers._util import norm_axis, present

__all__ = ["HANDLERS"]

_UNSIGNED = ("uint8", "uint32", "uint64")


def _x(ctx: ImportContext, inputs: list[Tensor | None]) -> MLOperand:
    assert inputs[0] is not None
    return ctx.op(inputs[0], "X")


def _simple(method: str, **defaults: float):
    """An activation whose attributes are WebNN options of the same name."""
    def handler(ctx: ImportContext, node: NodeInfo, inputs: list[Tensor | None],
                attrs: dict[str, Any]) -> list[Any]:
        opts = {k: float(attrs.get(k, v)) for k, v in defaults.items()}
        return [getattr(ctx.b, method)(_x(ctx, inputs), **opts)]
    return handler


def _relu(ctx: ImportContext, node: NodeInfo, inputs: list[Tensor | None],
          attrs: dict[str, Any]) -> list[Any]:
    x = _x(ctx, inputs)
    if x.data_type in _UNSIGNED:
        return [inputs[0]]
    return [ctx.b.relu(x)]


def _prelu(ctx: ImportContext, node: NodeInfo, inputs: list[Tensor | None],
           attrs: dict[str, Any]) -> list[Any]:
    x = _x(ctx, inputs)
    s_t = inputs[1]
    assert s_t is not None
    slope = ctx.op(s_t, "slope")
    if node.version < 7 and slope.rank == 1 and x.rank > 2 and \
            slope.shape[0] == x.shape[1] and slope.shape[0] != x.shape[-1]:
        # opset 6 and earlier: a 1-D slope is per channel
        slope = ctx.reshape(slope, [slope.shape[0]] + [1] * (x.rank - 2))
    return [ctx.b.prelu(x, slope)]


def _selu(ctx: ImportContext, node: NodeInfo, inputs: list[Tensor | None],
          attrs: dict[str, Any]) -> list[Any]:
    x = _x(ctx, inputs)
    alpha = float(attrs.get("alpha", 1.67326319217681884765625))
    gamma = float(attrs.get("gamma", 1.05070102214813232421875))
    return [ctx.b.mul(ctx.b.elu(x, alpha=alpha), ctx.scalar(gamma, x.data_type))]


def _celu(ctx: ImportContext, node: NodeInfo, inputs: list[Tensor | None],
          attrs: dict[str, Any]) -> list[Any]:
    # celu(x) = max(0, x) + min(0, alpha * (exp(x / alpha) - 1))
    #         = alpha * elu(x / alpha)
    x = _x(ctx, inputs)
    alpha = float(attrs.get("alpha", 1.0))
    dt = x.data_type
    if alpha == 1.0:
        return [ctx.b.elu(x)]
    e = ctx.b.elu(ctx.b.div(x, ctx.scalar(alpha, dt)))
    return [ctx.b.mul(e, ctx.scalar(alpha, dt))]


def _gelu(ctx: ImportContext, node: NodeInfo, inputs: list[Tensor | None],
          attrs: dict[str, Any]) -> list[Any]:
    x = _x(ctx, inputs)
    approx = attrs.get("approximate", "none")
    if approx == "none":
        return [ctx.b.gelu(x)]
    if approx != "tanh":
        raise ctx.fail(f"approximate={approx!r} is not a Gelu mode")
    # 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
    dt = x.data_type
    b = ctx.b
    inner = b.mul(b.add(x, b.mul(b.mul(b.mul(x, x), x), ctx.scalar(0.044715, dt))),
                  ctx.scalar(math.sqrt(2.0 / math.pi), dt))
    return [b.mul(b.mul(x, ctx.scalar(0.5, dt)),
                  b.add(b.tanh(inner), ctx.scalar(1.0, dt)))]


def _thresholded_relu(ctx: ImportContext, node: NodeInfo, inputs: list[Tensor | None],
                      attrs: dict[str, Any]) -> list[Any]:
    x = _x(ctx, inputs)
    alpha = float(attrs.get("alpha", 1.0))
    dt = x.data_type
    return [ctx.b.where(ctx.b.greater(x, ctx.scalar(alpha, dt)), x,
                        ctx.scalar(0, dt))]


def _shrink(ctx: ImportContext, node: NodeInfo, inputs: list[Tensor | None],
            attrs: dict[str, Any]) -> list[Any]:
    x = _x(ctx, inputs)
    lambd = float(attrs.get("lambd", 0.5))
    bias = float(attrs.get("bias", 0.0))
    dt = x.data_type
    b = ctx.b
    if dt not in ("float32", "float16") and not (lambd.is_integer()
                                                 and bias.is_integer()):
        raise ctx.fail("lambd and bias must be whole numbers for an integer input")
    cast = float if dt in ("float32", "float16") else int
    lo = b.lesser(x, ctx.scalar(cast(-lambd), dt))
    hi = b.greater(x, ctx.scalar(cast(lambd), dt))
    zero = ctx.scalar(0, dt)
    if bias:
        bs = ctx.scalar(cast(bias), dt)
        return [b.where(lo, b.add(x, bs), b.where(hi, b.sub(x, bs), zero))]
    return [b.where(b.logical_or(lo, hi), x, zero)]


def _mish(ctx: ImportContext, node: NodeInfo, inputs: list[Tensor | None],
          attrs: dict[str, Any]) -> list[Any]:
    x = _x(ctx, inputs)
    return [ctx.b.mul(x, ctx.b.tanh(ctx.b.softplus(x)))]


def _swish(ctx: ImportContext, node: NodeInfo, inputs: list[Tensor | None],
           attrs: dict[str, Any]) -> list[Any]:
    x = _x(ctx, inputs)
    alpha = float(attrs.get("alpha", 1.0))
    ax = x if alpha == 1.0 else ctx.b.mul(x, ctx.scalar(alpha, x.data_type))
    return [ctx.b.mul(x, ctx.b.sigmoid(ax))]


def _clip(ctx: ImportContext, node: NodeInfo, inputs: list[Tensor | None],
          attrs: dict[str, Any]) -> list[Any]:
    x = _x(ctx, inputs)
    dt = x.data_type
    lo: Any = None
    hi: Any = None
    if node.version < 11:
        lo = attrs.get("min")
        hi = attrs.get("max")
        lo = None if lo is None or lo <= -3.4028234663852886e38 else float(lo)
        hi = None if hi is None or hi >= 3.4028234663852886e38 else float(hi)
    else:
        lo_t, hi_t = present(inputs, 1), present(inputs, 2)
        if (lo_t is not None and not lo_t.is_const) or \
                (hi_t is not None and not hi_t.is_const):
            # run-time bounds: max then min, as ONNX defines Clip
            y = x
            if lo_t is not None:
                y = ctx.b.max(y, ctx.op(lo_t, "min"))
            if hi_t is not None:
                y = ctx.b.min(y, ctx.op(hi_t, "max"))
            return [y if y is not x else inputs[0]]
        if lo_t is not None:
            lo = ctx.scalar_const(lo_t, "min")
        if hi_t is not None:
            hi = ctx.scalar_const(hi_t, "max")
    if lo is not None and hi is not None and lo > hi:
        # ONNX: min(max(x, lo), hi) = hi everywhere (NaN stays NaN)
        return [ctx.b.min(ctx.b.max(x, ctx.scalar(lo, dt)), ctx.scalar(hi, dt))]
    if isinstance(lo, float) and math.isnan(lo):
        lo = None
    if isinstance(hi, float) and math.isnan(hi):
        hi = None
    return [ctx.b.clamp(x, min_value=lo, max_value=hi)]


def _softmax_like(kind: str):
    def handler(ctx: ImportContext, node: NodeInfo, inputs: list[Tensor | None],
                attrs: dict[str, Any]) -> list[Any]:
        x = _x(ctx, inputs)
        if x.rank == 0:
            raise ctx.fail("a scalar input has no axis")
        if node.version < 13:
            # the input is coerced to 2-D [prod(shape[:axis]), prod(shape[axis:])]
            axis = norm_axis(ctx, int(attrs.get("axis", 1)), x.rank)
            shape = list(x.shape)
            flat = ctx.reshape(x, [math.prod(shape[:axis]), math.prod(shape[axis:])])
            return [ctx.reshape(_apply(ctx, kind, flat, 1), shape)]
        axis = norm_axis(ctx, int(attrs.get("axis", -1)), x.rank)
        return [_apply(ctx, kind, x, axis)]
    return handler


def _apply(ctx: ImportContext, kind: str, x: MLOperand, axis: int) -> MLOperand:
    b = ctx.b
    if kind == "softmax":
        return b.softmax(x, axis)
    if kind == "log_softmax":
        # x - max - log(sum(exp(x - max))): stable for large inputs
        shifted = b.sub(x, b.reduce_max(x, axes=[axis], keep_dimensions=True))
        lse = b.log(b.reduce_sum(b.exp(shifted), axes=[axis], keep_dimensions=True))
        return b.sub(shifted, lse)
    # hardmax: 1 at the first maximum along axis
    n = x.shape[axis]
    am = b.arg_max(x, axis, keep_dimensions=True, output_data_type="int32")
    iota_shape = [1] * x.rank
    iota_shape[axis] = n
    iota = ctx.constant(np.arange(n, dtype=np.int32).reshape(iota_shape))
    return b.cast(b.equal(am, iota), x.data_type)


HANDLERS = {
    "Relu": ((1, 14, _relu),),
    "LeakyRelu": ((1, 16, _simple("leaky_relu", alpha=0.01)),),
    "PRelu": ((1, 16, _prelu),),
    "Sigmoid": ((1, 13, _simple("sigmoid")),),
    "HardSigmoid": ((1, 22, _simple("hard_sigmoid", alpha=0.2, beta=0.5)),),
    "HardSwish": ((14, 22, _simple("hard_swish")),),
    "Tanh": ((1, 13, _simple("tanh")),),
    "Elu": ((1, 22, _simple("elu", alpha=1.0)),),
    "Selu": ((1, 22, _selu),),
    "Celu": ((12, 28, _celu),),
    "Softplus": ((1, 22, _simple("softplus")),),
    "Softsign": ((1, 22, _simple("softsign")),),
    "Gelu": ((20, 20, _gelu),),
    "ThresholdedRelu": ((10, 22, _thresholded_relu),),
    "Shrink": ((9, 9, _shrink),),
    "Mish": ((18, 22, _mish),),
    "Swish": ((24, 24, _swish),),
    "Clip": ((1, 13, _clip),),
    "Softmax": ((1, 13, _softmax_like("softmax")),),
    "LogSoftmax": ((1, 13, _softmax_like("log_softmax")),),
    "Hardmax": ((1, 13, _softmax_like("hardmax")),),
}
