"""ONNX Runtime contrib ops (domain ``com.microsoft``) that exported
transformer models commonly hold: Gelu BiasGelu FastGelu QuickGelu
SkipLayerNormalization SkipSimplifiedLayerNormalization MatMulNBits.
(SimplifiedLayerNormalization, which ORT registers in the default domain,
lives with the normalizations.)

MatMulNBits' weights must be constants: they are dequantized at import (WebNN
has no 4-bit type) and the product runs as a float matmul.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from webnnpy import MLOperand
from webnnpy.models.onnx.convert import ImportContext, NodeInfo, Tensor
from webnnpy.models.onnx.handlers._util import present

__all__ = ["HANDLERS", "dequantize_nbits"]


def _x(ctx: ImportContext, inputs: list[Tensor | None], k: int = 0,
       what: str = "X") -> MLOperand:
    t = inputs[k]  # ONNX has no schema for these ops: the handler checks
    if t is None:
        raise ctx.invalid(f"required input {k} ({what!r}) is missing")
    return ctx.op(t, what)


def _with_bias(ctx: ImportContext, inputs: list[Tensor | None]) -> MLOperand:
    x = _x(ctx, inputs)
    b_t = present(inputs, 1)
    return x if b_t is None else ctx.b.add(x, ctx.op(b_t, "bias"))


def _gelu(ctx: ImportContext, node: NodeInfo, inputs: list[Tensor | None],
          attrs: dict[str, Any]) -> list[Any]:
    return [ctx.b.gelu(_x(ctx, inputs))]


def _bias_gelu(ctx: ImportContext, node: NodeInfo, inputs: list[Tensor | None],
               attrs: dict[str, Any]) -> list[Any]:
    return [ctx.b.gelu(_with_bias(ctx, inputs))]


def _fast_gelu(ctx: ImportContext, node: NodeInfo, inputs: list[Tensor | None],
               attrs: dict[str, Any]) -> list[Any]:
    # 0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3)))
    x = _with_bias(ctx, inputs)
    b, dt = ctx.b, x.data_type
    inner = b.mul(b.add(x, b.mul(b.mul(b.mul(x, x), x), ctx.scalar(0.044715, dt))),
                  ctx.scalar(math.sqrt(2.0 / math.pi), dt))
    return [b.mul(b.mul(x, ctx.scalar(0.5, dt)), b.add(b.tanh(inner),
                                                       ctx.scalar(1.0, dt)))]


def _quick_gelu(ctx: ImportContext, node: NodeInfo, inputs: list[Tensor | None],
                attrs: dict[str, Any]) -> list[Any]:
    x = _x(ctx, inputs)
    alpha = float(attrs.get("alpha", 1.702))
    return [ctx.b.mul(x, ctx.b.sigmoid(ctx.b.mul(x, ctx.scalar(alpha, x.data_type))))]


def _skip_norm(simplified: bool):
    """Skip(Simplified)LayerNormalization: s = input + skip (+ bias), then
    layer (or RMS) normalization over the last axis; output 3 is s."""
    def handler(ctx: ImportContext, node: NodeInfo, inputs: list[Tensor | None],
                attrs: dict[str, Any]) -> list[Any]:
        if node.wants(1) or node.wants(2):
            raise ctx.fail("the mean and inv_std_var outputs are not supported")
        x, skip = _x(ctx, inputs, 0, "input"), _x(ctx, inputs, 1, "skip")
        gamma = _x(ctx, inputs, 2, "gamma")
        beta_t = None if simplified else present(inputs, 3)
        bias_t = present(inputs, 3 if simplified else 4)
        b, dt = ctx.b, x.data_type
        s = b.add(x, skip)
        if bias_t is not None:
            s = b.add(s, ctx.op(bias_t, "bias"))
        eps = float(attrs.get("epsilon", 1e-12 if not simplified else 1e-5))
        axis = s.rank - 1
        if simplified:
            ms = b.reduce_mean(b.mul(s, s), axes=[axis], keep_dimensions=True)
            y = b.mul(b.div(s, b.sqrt(b.add(ms, ctx.scalar(eps, dt)))), gamma)
        else:
            beta = None if beta_t is None else ctx.op(beta_t, "beta")
            y = b.layer_normalization(s, scale=gamma, bias=beta, axes=[axis],
                                      epsilon=eps)
        return [y, None, None, s]
    return handler


def dequantize_nbits(packed: np.ndarray, scales: np.ndarray,
                     zero_points: np.ndarray | None, k: int, n: int, bits: int,
                     block_size: int) -> np.ndarray:
    """MatMulNBits' B ([N, blocks, blob]) as a float [K, N] matrix."""
    blocks = -(-k // block_size)
    per_byte = 8 // bits
    mask = (1 << bits) - 1
    raw = packed.reshape(n, blocks, -1).astype(np.uint8)
    q = np.stack([(raw >> (bits * j)) & mask for j in range(per_byte)], axis=-1)
    q = q.reshape(n, blocks, -1)[:, :, :block_size].astype(np.float64)
    s = scales.reshape(n, blocks).astype(np.float64)
    if zero_points is None:
        zp = np.full((n, blocks), float(1 << (bits - 1)))
    elif zero_points.dtype == np.uint8:
        zraw = zero_points.reshape(n, -1)
        zq = np.stack([(zraw >> (bits * j)) & mask for j in range(per_byte)], axis=-1)
        zp = zq.reshape(n, -1)[:, :blocks].astype(np.float64)
    else:
        zp = zero_points.reshape(n, blocks).astype(np.float64)
    w = (q - zp[:, :, None]) * s[:, :, None]
    return w.reshape(n, blocks * block_size)[:, :k].T


def _matmul_nbits(ctx: ImportContext, node: NodeInfo, inputs: list[Tensor | None],
                  attrs: dict[str, Any]) -> list[Any]:
    a = _x(ctx, inputs, 0, "A")
    b_t, s_t = inputs[1], inputs[2]
    assert b_t is not None and s_t is not None
    bits = int(attrs.get("bits", 4))
    if bits not in (2, 4, 8):
        raise ctx.fail(f"bits={bits} is not supported")
    if present(inputs, 4) is not None:
        raise ctx.fail("g_idx (act-order) is not supported")
    z_t = present(inputs, 3)
    k, n, block = int(attrs["K"]), int(attrs["N"]), int(attrs["block_size"])
    if k < 1 or n < 1 or block < 16 or block & (block - 1):
        raise ctx.invalid(f"K {k}, N {n}, block_size {block}: ONNX Runtime takes "
                          f"K, N >= 1 and a block_size that is a power of 2 >= 16")
    blocks = -(-k // block)
    packed = ctx.const(b_t, "B")
    scales = ctx.const(s_t, "scales")
    zp = None if z_t is None else ctx.const(z_t, "zero_points")
    want_b = [n, blocks, block * bits // 8]
    if list(packed.shape) != want_b and packed.size != math.prod(want_b):
        raise ctx.invalid(f"B has shape {list(packed.shape)}; K {k}, N {n}, "
                          f"block_size {block} and {bits} bits need {want_b}")
    if scales.size != n * blocks:
        raise ctx.invalid(f"scales has {scales.size} values; N x blocks is "
                          f"{n * blocks}")
    if zp is not None and zp.size not in (n * blocks,
                                          n * -(-blocks * bits // 8)):
        raise ctx.invalid(f"zero_points has {zp.size} values for N {n} and "
                          f"{blocks} blocks")
    if a.rank == 0 or a.shape[-1] != k:
        raise ctx.invalid(f"A has shape {list(a.shape)}; its last axis must be "
                          f"K ({k})")
    w = dequantize_nbits(packed, scales, zp, k, n, bits, block)
    wt = ctx.constant(w.astype(np.dtype(a.data_type)), "the dequantized B")
    if a.rank == 1:
        y = ctx.b.reshape(ctx.b.matmul(ctx.b.reshape(a, [1, k]), wt), [n])
    else:
        y = ctx.b.matmul(a, wt)
    bias_t = present(inputs, 5)
    if bias_t is not None:
        y = ctx.b.add(y, ctx.op(bias_t, "bias"))
    return [y]


HANDLERS = {
    "com.microsoft:Gelu": ((1, 1, _gelu),),
    "com.microsoft:BiasGelu": ((1, 1, _bias_gelu),),
    "com.microsoft:FastGelu": ((1, 1, _fast_gelu),),
    "com.microsoft:QuickGelu": ((1, 1, _quick_gelu),),
    "com.microsoft:SkipLayerNormalization": ((1, 1, _skip_norm(False)),),
    "com.microsoft:SkipSimplifiedLayerNormalization": ((1, 1, _skip_norm(True)),),
    "com.microsoft:MatMulNBits": ((1, 1, _matmul_nbits),),
}
