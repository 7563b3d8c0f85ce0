"""Quantization: QuantizeLinear DequantizeLinear (per-tensor, per-axis and
blocked) and DynamicQuantizeLinear (decomposed).

WebNN's quantize/dequantizeLinear take scale and zero point of the input's
rank, broadcast blockwise; ONNX's scalar and per-axis 1-D parameters are
reshaped to that rank, and a missing zero point is a zero constant.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from webnnpy import MLOperand
from webnnpy.models.onnx.convert import ImportContext, NodeInfo, Tensor
from webnnpy.models.onnx.handlers._util import norm_axis, present
from webnnpy.models.onnx.types import webnn_of_onnx

__all__ = ["HANDLERS"]


def _param_shape(ctx: ImportContext, p: MLOperand, rank: int, axis: int,
                 block_size: int) -> list[int]:
    """The shape a scale/zero point takes to broadcast blockwise to the input."""
    if p.rank == 0 or (p.rank == 1 and p.shape[0] == 1 and not block_size):
        return [1] * rank
    if p.rank == 1 and not block_size:
        shape = [1] * rank
        shape[axis] = p.shape[0]
        return shape
    if p.rank == rank:
        return list(p.shape)
    raise ctx.fail(f"a scale of shape {list(p.shape)} does not fit a rank-{rank} "
                   f"input")


def _params(ctx: ImportContext, x: MLOperand, s_t: Tensor, z_t: Tensor | None,
            attrs: dict[str, Any], zp_type: str) -> tuple[MLOperand, MLOperand]:
    scale = ctx.op(s_t, "scale")
    block = int(attrs.get("block_size", 0))
    per_axis = scale.rank == 1 and scale.shape[0] != 1 and not block
    axis = norm_axis(ctx, int(attrs.get("axis", 1)), x.rank) if per_axis else 0
    shape = _param_shape(ctx, scale, x.rank, axis, block)
    scale = ctx.reshape(scale, shape)
    if z_t is None:
        zp = ctx.constant(np.zeros(shape, dtype=np.dtype(zp_type)))
    else:
        zp = ctx.reshape(ctx.op(z_t, "zero point"), shape)
    return scale, zp


def _dequantize(ctx: ImportContext, node: NodeInfo, inputs: list[Tensor | None],
                attrs: dict[str, Any]) -> list[Any]:
    x_t, s_t = inputs[0], inputs[1]
    assert x_t is not None and s_t is not None
    x = ctx.op(x_t, "x")
    scale, zp = _params(ctx, x, s_t, present(inputs, 2), attrs, x.data_type)
    y = ctx.b.dequantize_linear(x, scale, zp)
    out_t = attrs.get("output_dtype")
    if out_t:
        dt = webnn_of_onnx(int(out_t))
        if dt is None or dt not in ("float32", "float16"):
            raise ctx.fail(f"output_dtype {out_t} is not float32 or float16")
        y = ctx.cast(y, dt)
    return [y]


def _quantize(ctx: ImportContext, node: NodeInfo, inputs: list[Tensor | None],
              attrs: dict[str, Any]) -> list[Any]:
    x_t, s_t = inputs[0], inputs[1]
    assert x_t is not None and s_t is not None
    x = ctx.op(x_t, "x")
    z_t = present(inputs, 2)
    if z_t is not None:
        zp_type = ctx.op(z_t, "y_zero_point").data_type
    else:
        out_t = attrs.get("output_dtype")
        zp_type = "uint8" if not out_t else (webnn_of_onnx(int(out_t)) or "")
        if zp_type not in ("uint8", "int8", "uint32", "int32"):
            raise ctx.fail(f"output_dtype {out_t} has no WebNN quantized type")
    scale, zp = _params(ctx, x, s_t, z_t, attrs, zp_type)
    if scale.data_type != x.data_type:
        # compute in the wider float type, which holds both exactly
        x = ctx.cast(x, "float32")
        scale = ctx.cast(scale, "float32")
    return [ctx.b.quantize_linear(x, scale, zp)]


def _dynamic_quantize(ctx: ImportContext, node: NodeInfo, inputs: list[Tensor | None],
                      attrs: dict[str, Any]) -> list[Any]:
    x_t = inputs[0]
    assert x_t is not None
    x = ctx.op(x_t, "x")
    dt = x.data_type
    b = ctx.b
    zero = ctx.scalar(0.0, dt)
    lo = b.min(b.reduce_min(x), zero)
    hi = b.max(b.reduce_max(x), zero)
    scale = b.div(b.sub(hi, lo), ctx.scalar(255.0, dt))
    zpf = b.round_even(b.clamp(b.sub(zero, b.div(lo, scale)), min_value=0.0,
                               max_value=255.0))
    zp = b.cast(zpf, "uint8")
    # y = saturate(round(x / scale) + zp) in float32 arithmetic, as ONNX
    # defines it (its quotient is rounded to float32 before rounding to an
    # integer, which quantize_linear's exact quotient would not do)
    q = b.add(b.round_even(b.div(x, scale)), zpf)
    y = b.cast(b.clamp(q, min_value=0.0, max_value=255.0), "uint8")
    return [y, scale, zp]


HANDLERS = {
    "QuantizeLinear": ((10, 28, _quantize),),
    "DequantizeLinear": ((10, 28, _dequantize),),
    "DynamicQuantizeLinear": ((11, 11, _dynamic_quantize),),
}
