"""Quantization: QuantizeLinear DequantizeLinear (per-tensor, per-axis and
blocked) and DynamicQuantizeLinear (decomposed).

WebNN's quantize/dequantizeLinear take scale and zero point of the input's
rank, broadcast blockwise; ONNX's scalar and per-axis 1-D parameters are
reshaped to that rank, and a missing zero point is a zero constant.

4-bit types (int4, uint4; opset 21+) use webnnpy's int4/uint4 extension data
types where the context's ``opSupportLimits()`` has them for
dequantizeLinear/quantizeLinear (numpy, onnxruntime): 4-bit weights stay
4-bit constants in the graph, and 4-bit activations (QuantizeLinear ->
DequantizeLinear) are int4/uint4 operands.  On a backend without them
(openvino), a DequantizeLinear of a constant 4-bit tensor is computed at
import ((x - zero point) * scale exactly, rounded once to the output type)
and the graph holds the float result; a 4-bit tensor only known at run time
is then refused with UnsupportedNodeError.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from onnx import TensorProto

from webnnpy import MLOperand
from webnnpy.models.onnx.convert import ImportContext, NodeInfo, Tensor
from webnnpy.models.onnx.handlers._util import norm_axis, present
from webnnpy.models.onnx.types import webnn_of_onnx

__all__ = ["HANDLERS", "exact_float"]

_FOUR_BIT: frozenset[int] = frozenset({int(TensorProto.INT4), int(TensorProto.UINT4)})
_FOUR_BIT_NAME: dict[int, str] = {int(TensorProto.INT4): "int4",
                                 int(TensorProto.UINT4): "uint4"}


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


def _np_dtype(data_type: str) -> np.dtype:
    if data_type in ("int4", "uint4"):
        import ml_dtypes  # onnx's dependency, as onnx's own int4 arrays are

        return np.dtype(getattr(ml_dtypes, data_type))
    return np.dtype(data_type)


def _op(ctx: ImportContext, t: Tensor, what: str) -> MLOperand:
    """``ctx.op``, which also makes int4/uint4 constants (ml_dtypes arrays)."""
    if t.operand is None and t.onnx_type in _FOUR_BIT:
        if t._materialized is None:
            assert t.value is not None
            op = ctx.builder.constant(np.ascontiguousarray(t.value))
            ctx.add_leaf(op)
            t._materialized = op
        return t._materialized
    return ctx.op(t, what)


def _four_bit_ok(ctx: ImportContext, op: str, data_type: str) -> bool:
    """True if the context takes ``data_type`` (int4/uint4) for ``op``'s
    integer operands and as a constant."""
    lim = ctx.context.op_support_limits()
    keys = ("input", "zero_point") if op == "dequantize_linear" else (
        "zero_point", "output")
    return data_type in lim["constant"]["data_types"] and all(
        data_type in lim[op][k]["data_types"] for k in keys)


def _params(ctx: ImportContext, x: MLOperand, s_t: Tensor, z_t: Tensor | None,
            attrs: dict[str, Any], zp_type: str) -> tuple[MLOperand, MLOperand]:
    scale = ctx.op(s_t, "scale")
    block = int(attrs.get("block_size", 0))
    per_axis = scale.rank == 1 and scale.shape[0] != 1 and not block
    axis = norm_axis(ctx, int(attrs.get("axis", 1)), x.rank) if per_axis else 0
    shape = _param_shape(ctx, scale, x.rank, axis, block)
    scale = ctx.reshape(scale, shape)
    if z_t is None:
        zeros = np.zeros(shape, dtype=_np_dtype(zp_type))
        if zp_type in ("int4", "uint4"):
            zp = ctx.builder.constant(zeros)
            ctx.add_leaf(zp)
        else:
            zp = ctx.constant(zeros)
    else:
        zp = ctx.reshape(_op(ctx, z_t, "zero point"), shape)
    return scale, zp


def _expand_param(ctx: ImportContext, p: np.ndarray, shape: tuple[int, ...],
                  axis: int, block: int, what: str) -> np.ndarray:
    """A per-tensor, per-axis or blocked scale/zero point broadcast to
    ``shape`` (ONNX DequantizeLinear's three forms)."""
    rank = len(shape)
    if p.size == 1 and not block:
        return p.reshape([1] * rank)
    if p.ndim == 1 and not block:
        if p.shape[0] != shape[axis]:
            raise ctx.invalid(f"{what} has {p.shape[0]} values; per-axis "
                              f"quantization along axis {axis} needs "
                              f"{shape[axis]}")
        out_shape = [1] * rank
        out_shape[axis] = p.shape[0]
        return p.reshape(out_shape)
    if block and p.ndim == rank:
        want = list(shape)
        want[axis] = -(-shape[axis] // block)
        if list(p.shape) != want:
            raise ctx.invalid(f"{what} has shape {list(p.shape)}; block_size "
                              f"{block} along axis {axis} of an input of shape "
                              f"{list(shape)} needs {want}")
        return np.repeat(p, block, axis=axis).take(range(shape[axis]), axis=axis)
    raise ctx.invalid(f"{what} has shape {list(p.shape)}, which fits neither "
                      f"per-tensor, per-axis nor blocked quantization of an "
                      f"input of shape {list(shape)}")


def _dequantize_4bit(ctx: ImportContext, x_t: Tensor, s_t: Tensor,
                     z_t: Tensor | None, attrs: dict[str, Any]) -> MLOperand:
    """DequantizeLinear of a constant int4/uint4 tensor, at import."""
    x = np.asarray(ctx.const(x_t, "x (a 4-bit tensor: WebNN has no 4-bit "
                                  "data type, so it must be a constant)"))
    scale = np.asarray(ctx.const(s_t, "x_scale of a 4-bit x"))
    if scale.dtype not in (np.float32, np.float16):
        raise ctx.fail(f"x_scale has type {scale.dtype}; the importer takes "
                       f"float32 or float16 scales")
    rank = x.ndim
    block = int(attrs.get("block_size", 0))
    per_tensor = scale.size == 1 and not block
    axis = 0 if per_tensor else norm_axis(ctx, int(attrs.get("axis", 1)), rank)
    sc = _expand_param(ctx, scale.astype(np.float64), x.shape, axis, block,
                       f"x_scale ({s_t.name!r})")
    zp = np.zeros([1] * rank)
    if z_t is not None:
        z = np.asarray(ctx.const(z_t, "x_zero_point"))
        if z.dtype != x.dtype:
            raise ctx.invalid(f"x_zero_point ({z_t.name!r}) has type {z.dtype}; "
                              f"x has {x.dtype}")
        zp = _expand_param(ctx, z.astype(np.float64), x.shape, axis, block,
                           f"x_zero_point ({z_t.name!r})")
    out_dt = scale.dtype
    out_t = attrs.get("output_dtype")
    if out_t:
        dt = webnn_of_onnx(int(out_t))
        if dt not in ("float32", "float16"):
            raise ctx.fail(f"output_dtype {out_t} is not float32 or float16")
        out_dt = np.dtype(dt)
    y = (x.astype(np.float64) - zp) * sc
    return ctx.constant(y.astype(out_dt), f"the dequantized 4-bit x {x_t.name!r}")


def _dequantize(ctx: ImportContext, node: NodeInfo, inputs: list[Tensor | None],
                attrs: dict[str, Any]) -> list[Any]:
    x_t, s_t = inputs[0], inputs[1]
    assert x_t is not None and s_t is not None
    if x_t.onnx_type in _FOUR_BIT and not _four_bit_ok(
            ctx, "dequantize_linear", _FOUR_BIT_NAME[x_t.onnx_type]):
        if not x_t.is_const:
            raise ctx.fail(f"x is {_FOUR_BIT_NAME[x_t.onnx_type]}, known only at "
                           f"run time, and this context's dequantizeLinear takes "
                           f"no 4-bit input")
        return [_dequantize_4bit(ctx, x_t, s_t, present(inputs, 2), attrs)]
    x = _op(ctx, x_t, "x")
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
    out_t = attrs.get("output_dtype")
    four = (z_t.onnx_type if z_t is not None and z_t.onnx_type in _FOUR_BIT else
            int(out_t) if out_t and int(out_t) in _FOUR_BIT else None)
    if four is not None and not _four_bit_ok(ctx, "quantize_linear",
                                             _FOUR_BIT_NAME[four]):
        raise ctx.fail(f"the output is {_FOUR_BIT_NAME[four]}, and this "
                       f"context's quantizeLinear has no 4-bit output")
    if z_t is not None:
        zp_type = _op(ctx, z_t, "y_zero_point").data_type
    elif four is not None:
        zp_type = _FOUR_BIT_NAME[four]
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
    y = ctx.b.quantize_linear(x, scale, zp)
    return [ctx.out(y, four) if four is not None else y]


def exact_float(ctx: ImportContext, q: MLOperand) -> MLOperand:
    """``q`` (an 8-bit operand) as float32: the float32 operand a handler cast
    it from, when it recorded one (its values are whole numbers in range, so
    the two are equal), else a cast.  The integer products use it: the
    saturating float-to-integer cast then has no consumer and is not built,
    which on the onnxruntime backend saves its range and NaN guards."""
    table = ctx.__dict__.get("_exact_float")
    if table is not None and id(q) in table:
        return table[id(q)][1]
    return ctx.b.cast(q, "float32")


def _remember_float(ctx: ImportContext, q: MLOperand, qf: MLOperand) -> None:
    # keyed by id, holding q so that the id stays its own for the import
    ctx.__dict__.setdefault("_exact_float", {})[id(q)] = (q, qf)


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
    # an all-zero x (max == min) has scale 1, as ONNX Runtime gives it: ONNX's
    # formula divides 0 by 0 there (and its reference implementation gives
    # 1/255); y and the zero point are 0 either way
    rng = b.sub(hi, lo)
    scale = b.where(b.equal(rng, zero), ctx.scalar(1.0, dt),
                    b.div(rng, ctx.scalar(255.0, dt)))
    zpf = b.round_even(b.clamp(b.sub(zero, b.div(lo, scale)), min_value=0.0,
                               max_value=255.0))
    zp = b.cast(zpf, "uint8")
    _remember_float(ctx, zp, zpf)
    # y = saturate(round(x / scale) + zp) in float32 arithmetic, as ONNX
    # defines it (its quotient is rounded to float32 before rounding to an
    # integer, which quantize_linear's exact quotient would not do)
    q = b.add(b.round_even(b.div(x, scale)), zpf)
    qf = b.clamp(q, min_value=0.0, max_value=255.0)
    y = b.cast(qf, "uint8")
    if dt == "float32":
        _remember_float(ctx, y, qf)
    return [y, scale, zp]


HANDLERS = {
    "QuantizeLinear": ((10, 28, _quantize),),
    "DequantizeLinear": ((10, 28, _dequantize),),
    "DynamicQuantizeLinear": ((11, 11, _dynamic_quantize),),
}
