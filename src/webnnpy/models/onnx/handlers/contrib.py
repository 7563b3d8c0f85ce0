"""ONNX Runtime contrib ops (domain ``com.microsoft``) that exported
transformer models commonly hold: Gelu BiasGelu FastGelu QuickGelu
SkipLayerNormalization SkipSimplifiedLayerNormalization MatMulNBits
GatherBlockQuantized DynamicQuantizeLSTM.
(SimplifiedLayerNormalization, which ORT registers in the default domain,
lives with the normalizations.)

MatMulNBits' and GatherBlockQuantized's weights must be constants.
MatMulNBits' 4-bit weights stay 4-bit in the graph (a uint4 constant and a
blockwise dequantizeLinear before the matmul, as ONNX Runtime's WebNN EP
maps it) where the context has uint4; otherwise, and for 2/8 bits, K not a
whole number of blocks or float zero points, they are dequantized at
import.  GatherBlockQuantized's table is dequantized at import (then a
float gather).

DynamicQuantizeLSTM is unrolled over the sequence, computing what ONNX
Runtime's kernel (its only definition) computes: the input X (all steps at
once) and, at each step, the previous hidden state are quantized to uint8
with ONNX Runtime's dynamic rule (range widened to include 0, scale
(max - min) / 255, or 1 when max == min; zero point round-half-even), and
each integer product is scaled by the two scales.  The integer products run
in float32: exact while K * 255 * max|w - w_zp| < 2**24 (input or hidden
size K; e.g. K <= 512 with int8 weights whose zero point is 0), past that off
by at most (K - 1) * 2**-24 * sum(|p|).  A batch over 1 is quantized as one
block per step, as ONNX Runtime does on one thread (on more, it splits the
batch's rows across threads, each block with its own scale, so its own
result depends on its thread count).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from onnx import TensorProto

from webnnpy import MLOperand
from webnnpy.models.onnx.convert import ImportContext, NodeInfo, Tensor
from webnnpy.models.onnx.handlers._util import norm_axis, present

__all__ = ["HANDLERS", "dequantize_nbits"]

_LSTM_DIRECTIONS = {"forward": (False,), "reverse": (True,),
                    "bidirectional": (False, True)}


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


def _nbits_in_graph(ctx: ImportContext, packed: np.ndarray, scales: np.ndarray,
                    zero_points: np.ndarray | None, k: int, n: int, bits: int,
                    block: int, data_type: str) -> MLOperand | None:
    """MatMulNBits' B as a uint4 constant [K, N] and a WebNN dequantizeLinear
    with blockwise scales, as ONNX Runtime's WebNN EP maps it: the weights
    stay 4-bit in the graph.  None where that does not fit (not 4 bits, K
    not a whole number of blocks, float zero points, or a context without
    uint4 for dequantizeLinear): the caller dequantizes at import."""
    lim = ctx.context.op_support_limits()
    dq = lim["dequantize_linear"]
    if (bits != 4 or k % block or "uint4" not in lim["constant"]["data_types"]
            or "uint4" not in dq["input"]["data_types"]
            or "uint4" not in dq["zero_point"]["data_types"]
            or (zero_points is not None and zero_points.dtype != np.uint8)
            or scales.dtype != np.dtype(data_type)):
        return None
    import ml_dtypes  # onnx's dependency

    blocks = k // block
    raw = packed.reshape(n, blocks, -1).astype(np.uint8)
    q = np.stack([raw & 15, raw >> 4], axis=-1).reshape(n, k)
    if zero_points is None:
        zp = np.full((n, blocks), 8, np.uint8)
    else:
        zraw = zero_points.reshape(n, -1)
        zp = np.stack([zraw & 15, zraw >> 4], axis=-1).reshape(n, -1)[:, :blocks]
    u4 = np.dtype(ml_dtypes.uint4)
    b = ctx.b
    q_op = ctx.builder.constant(np.ascontiguousarray(q.T).astype(u4))
    zp_op = ctx.builder.constant(np.ascontiguousarray(zp.T).astype(u4))
    for op in (q_op, zp_op):
        ctx.add_leaf(op)
    s_op = ctx.constant(np.ascontiguousarray(scales.reshape(n, blocks).T), "scales")
    return b.dequantize_linear(q_op, s_op, zp_op)


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
    wt = _nbits_in_graph(ctx, packed, scales, zp, k, n, bits, block, a.data_type)
    if wt is None:
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


def _unpack_nibbles(a: np.ndarray, bits: int) -> np.ndarray:
    """uint8 holding ``8 // bits`` values each (lowest bits first), unpacked
    along the last axis."""
    if bits == 8:
        return a.astype(np.int64)
    mask = (1 << bits) - 1
    parts = [(a.astype(np.int64) >> (bits * j)) & mask for j in range(8 // bits)]
    return np.stack(parts, axis=-1).reshape(*a.shape[:-1], -1)


def _gather_block_quantized(ctx: ImportContext, node: NodeInfo,
                            inputs: list[Tensor | None], attrs: dict[str, Any]
                            ) -> list[Any]:
    """Dequantize the (constant) data blockwise along quantize_axis at import,
    then a WebNN gather along gather_axis."""
    d_t, s_t = inputs[0], inputs[2]
    assert d_t is not None and s_t is not None
    data = np.asarray(ctx.const(d_t, "data"))
    scales = np.asarray(ctx.const(s_t, "scales"))
    bits = int(attrs.get("bits", 4))
    block = int(attrs.get("block_size", 128))
    if block < 16 or block & (block - 1):
        raise ctx.invalid(f"block_size {block} is not a power of 2 >= 16")
    if scales.dtype not in (np.float32, np.float16):
        raise ctx.fail(f"scales has type {scales.dtype}; expected float32 or "
                       f"float16")
    rank = data.ndim
    if rank == 0:
        raise ctx.invalid("data is a scalar; the op takes rank 1 or more")
    if data.size == 0:
        raise ctx.fail(f"data has shape {list(data.shape)}: WebNN has no empty "
                       f"tensors")
    qaxis = norm_axis(ctx, int(attrs.get("quantize_axis", rank - 1)), rank,
                      "quantize_axis")
    gaxis = norm_axis(ctx, int(attrs.get("gather_axis", 0)), rank, "gather_axis")
    z_t = present(inputs, 3)
    zraw = None if z_t is None else np.asarray(ctx.const(z_t, "zero_points"))
    if z_t is not None and zraw is not None and (
            zraw.ndim != rank or zraw.size == 0):
        raise ctx.invalid(f"zero_points ({z_t.name!r}) has shape "
                          f"{list(zraw.shape)}; it must have data's rank "
                          f"{rank} and match scales")
    if d_t.onnx_type in (TensorProto.INT4, TensorProto.UINT4):
        q = data.astype(np.int64)
        zp = None if zraw is None else zraw.astype(np.int64)
        default_zp = 0
    elif data.dtype == np.uint8:
        if bits not in (4, 8):
            raise ctx.fail(f"bits={bits} is not supported (4 or 8)")
        if bits == 4 and qaxis != rank - 1:
            raise ctx.invalid(f"quantize_axis {qaxis}: packed 4-bit uint8 data "
                              f"is quantized along its last axis")
        q = _unpack_nibbles(data, bits)
        zp = None if zraw is None else _unpack_nibbles(zraw, bits)
        default_zp = 1 << (bits - 1)
    else:
        raise ctx.invalid(f"data ({d_t.name!r}) has type {data.dtype}; the op "
                          f"takes uint8 (packed), int4 or uint4")
    blocks = -(-q.shape[qaxis] // block)
    want = list(q.shape)
    want[qaxis] = blocks
    if list(scales.shape) != want:
        raise ctx.invalid(f"scales ({s_t.name!r}) has shape {list(scales.shape)};"
                          f" data of shape {list(q.shape)} in blocks of {block} "
                          f"along axis {qaxis} needs {want}")
    if zp is not None and z_t is not None and zraw is not None:
        if zp.shape[qaxis] < blocks or [d for i, d in enumerate(zp.shape)
                                        if i != qaxis] != [
                                            d for i, d in enumerate(want)
                                            if i != qaxis]:
            raise ctx.invalid(f"zero_points ({z_t.name!r}) has shape "
                              f"{list(zraw.shape)}; it must match scales "
                              f"{want}")
        zp = zp.take(range(blocks), axis=qaxis)
    else:
        zp = np.full(want, default_zp, np.int64)

    def per_element(p: np.ndarray) -> np.ndarray:
        return np.repeat(p, block, axis=qaxis).take(range(q.shape[qaxis]),
                                                    axis=qaxis)

    w = (q - per_element(zp)).astype(np.float64) * per_element(
        scales.astype(np.float64))
    table = ctx.constant(w.astype(scales.dtype), "the dequantized data")
    i_t = inputs[1]
    assert i_t is not None
    idx = ctx.op(i_t, "indices")
    if idx.data_type not in ("int32", "int64"):
        raise ctx.invalid(f"indices has type {idx.data_type}; the op takes int32 "
                          f"or int64")
    return [ctx.b.gather(table, idx, axis=gaxis)]


def ort_dynamic_quantize(ctx: ImportContext, x: MLOperand,
                         axes: list[int] | None = None
                         ) -> tuple[MLOperand, MLOperand]:
    """``x`` quantized to uint8 by ONNX Runtime's dynamic rule, as float32
    (q - zero point) and the scale: the pair whose product approximates x.
    With ``axes``, each slice over them is quantized on its own (the scale
    keeps x's rank)."""
    b = ctx.b
    zero = ctx.scalar(0.0, "float32")
    if axes is None:
        lo, hi = b.reduce_min(x), b.reduce_max(x)
    else:
        lo = b.reduce_min(x, axes=axes, keep_dimensions=True)
        hi = b.reduce_max(x, axes=axes, keep_dimensions=True)
    lo, hi = b.min(lo, zero), b.max(hi, zero)
    rng = b.sub(hi, lo)
    scale = b.where(b.equal(rng, zero), ctx.scalar(1.0, "float32"),
                    b.div(rng, ctx.scalar(255.0, "float32")))
    zp = b.round_even(b.clamp(b.sub(zero, b.div(lo, scale)), min_value=0.0,
                              max_value=255.0))
    q = b.clamp(b.add(b.round_even(b.div(x, scale)), zp), min_value=0.0,
                max_value=255.0)
    return b.sub(q, zp), scale


def _quantized_weights(ctx: ImportContext, inputs: list[Tensor | None], k: int,
                       ks: int, what: str, nd: int, rows: int, cols: int
                       ) -> tuple[np.ndarray, np.ndarray]:
    """W or R of DynamicQuantizeLSTM as float (w - zero point) [nd, rows,
    cols] and its scale as [nd, 1, cols] (per tensor or per column)."""
    w_t, s_t = inputs[k], present(inputs, ks)
    assert w_t is not None
    if s_t is None:
        raise ctx.invalid(f"{what}_scale (input {ks}) is missing; the op needs it")
    w = ctx.const(w_t, what)
    if w.dtype not in (np.int8, np.uint8):
        raise ctx.invalid(f"{what} ({w_t.name!r}) has type {w.dtype}; the op "
                          f"takes int8 or uint8")
    if list(w.shape) != [nd, rows, cols]:
        raise ctx.invalid(f"{what} ({w_t.name!r}) has shape {list(w.shape)}; "
                          f"expected [num_directions, {rows}, {cols}] = "
                          f"{[nd, rows, cols]}")
    out = []
    for j, (t, name) in enumerate(((s_t, f"{what}_scale"),
                                   (present(inputs, ks + 1), f"{what}_zero_point"))):
        if t is None:
            out.append(np.zeros((nd, 1, 1)))
            continue
        v = np.asarray(ctx.const(t, name))
        if j == 1 and v.dtype != w.dtype:
            raise ctx.invalid(f"{name} ({t.name!r}) has type {v.dtype}; {what} "
                              f"is {w.dtype}")
        if v.shape == (nd,):
            out.append(v.reshape(nd, 1, 1).astype(np.float64))
        elif v.shape == (nd, cols):
            out.append(v.reshape(nd, 1, cols).astype(np.float64))
        else:
            raise ctx.invalid(f"{name} ({t.name!r}) has shape {list(v.shape)}; "
                              f"expected [num_directions] = [{nd}] or "
                              f"[num_directions, 4 * hidden_size] = [{nd}, {cols}]")
    scale, zp = out
    return (w.astype(np.float64) - zp).astype(np.float32), scale.astype(np.float32)


def _dynamic_quantize_lstm(ctx: ImportContext, node: NodeInfo,
                           inputs: list[Tensor | None], attrs: dict[str, Any]
                           ) -> list[Any]:
    for a in ("activations", "activation_alpha", "activation_beta"):
        if attrs.get(a):
            raise ctx.fail(f"attribute {a!r} is not supported (the mapping takes "
                           f"the default sigmoid, tanh, tanh)")
    if attrs.get("clip") is not None:
        raise ctx.fail("attribute 'clip' is not supported")
    if int(attrs.get("input_forget", 0)):
        raise ctx.fail("attribute 'input_forget' = 1 is not supported")
    direction = str(attrs.get("direction", "forward"))
    if direction not in _LSTM_DIRECTIONS:
        raise ctx.invalid(f"direction {direction!r} is not forward, reverse or "
                          f"bidirectional")
    reverses = _LSTM_DIRECTIONS[direction]
    nd = len(reverses)
    x = _x(ctx, inputs, 0, "X")
    if x.rank != 3 or x.data_type != "float32":
        raise ctx.invalid(f"X has shape {list(x.shape)} ({x.data_type}); the op "
                          f"takes float32 [seq_length, batch_size, input_size]")
    steps, batch, size = x.shape
    hidden = int(attrs["hidden_size"])
    if hidden < 1:
        raise ctx.invalid(f"hidden_size {hidden} is not positive")
    w, ws = _quantized_weights(ctx, inputs, 1, 8, "W", nd, size, 4 * hidden)
    r, rs = _quantized_weights(ctx, inputs, 2, 10, "R", nd, hidden, 4 * hidden)
    sl_t = present(inputs, 4)
    if sl_t is not None:
        lens = ctx.ints(sl_t, "sequence_lens")
        if any(n != steps for n in lens):
            raise ctx.fail(f"sequence_lens {lens} differ from seq_length {steps}: "
                           f"variable lengths are not supported")
    b = ctx.b
    bias = np.zeros((nd, 8 * hidden), np.float32)
    b_t = present(inputs, 3)
    if b_t is not None:
        bias = np.asarray(ctx.const(b_t, "B"), np.float32)
        if list(bias.shape) != [nd, 8 * hidden]:
            raise ctx.invalid(f"B ({b_t.name!r}) has shape {list(bias.shape)}; "
                              f"expected [{nd}, {8 * hidden}]")
    peep = None
    p_t = present(inputs, 7)
    if p_t is not None:
        peep = np.asarray(ctx.const(p_t, "P"), np.float32)
        if list(peep.shape) != [nd, 3 * hidden]:
            raise ctx.invalid(f"P ({p_t.name!r}) has shape {list(peep.shape)}; "
                              f"expected [{nd}, {3 * hidden}]")
    init: list[MLOperand | None] = []
    for k, what in ((5, "initial_h"), (6, "initial_c")):
        t = present(inputs, k)
        if t is None:
            init.append(None)
            continue
        op = ctx.op(t, what)
        if list(op.shape) != [nd, batch, hidden]:
            raise ctx.invalid(f"{what} ({t.name!r}) has shape {list(op.shape)}; "
                              f"expected [{nd}, {batch}, {hidden}]")
        init.append(op)
    xc, xs = ort_dynamic_quantize(ctx, b.reshape(x, [1, steps * batch, size]))
    # the directions run side by side, as [num_directions, ...] operands (each
    # quantized on its own); the reverse one reads its inputs reversed
    four = 4 * hidden
    gx = b.mul(b.matmul(xc, ctx.constant(w, "the centered W")),
               b.mul(xs, ctx.constant(ws, "W_scale")))   # [nd, S * B, 4H]
    gx = b.add(gx, ctx.constant((bias[:, :four] + bias[:, four:]).reshape(
        nd, 1, four), "B"))
    gx = _per_direction(ctx, b.reshape(gx, [nd, steps, batch, four]), reverses, 1)
    rc, rsc = ctx.constant(r, "the centered R"), ctx.constant(rs, "R_scale")
    zeros = np.zeros((nd, batch, hidden), np.float32)
    h = ctx.constant(zeros) if init[0] is None else init[0]
    c = ctx.constant(zeros) if init[1] is None else init[1]
    pi = po = pf = None
    if peep is not None:
        pi, po, pf = (ctx.constant(np.ascontiguousarray(
            peep[:, j * hidden:(j + 1) * hidden].reshape(nd, 1, hidden)))
            for j in range(3))
    outs: list[MLOperand] = []
    for step in range(steps):
        hc, hsc = ort_dynamic_quantize(ctx, h, axes=[1, 2])
        g = b.add(b.reshape(b.slice(gx, [0, step, 0, 0], [nd, 1, batch, four]),
                            [nd, batch, four]),
                  b.mul(b.matmul(hc, rc), b.mul(hsc, rsc)))
        gi, go, gf, gc = b.split(g, 4, axis=2)
        if pi is not None and pf is not None:
            gi, gf = b.add(gi, b.mul(pi, c)), b.add(gf, b.mul(pf, c))
        c = b.add(b.mul(b.sigmoid(gf), c), b.mul(b.sigmoid(gi), b.tanh(gc)))
        if po is not None:
            go = b.add(go, b.mul(po, c))
        h = b.mul(b.sigmoid(go), b.tanh(c))
        outs.append(b.reshape(h, [1, nd, batch, hidden]))
    y = b.concat(outs, 0) if len(outs) > 1 else outs[0]
    return [_per_direction(ctx, y, reverses, 0, direction_axis=1), h, c]


def _per_direction(ctx: ImportContext, x: MLOperand, reverses: tuple[bool, ...],
                   axis: int, direction_axis: int = 0) -> MLOperand:
    """``x`` with the reverse direction's slice reversed along ``axis``."""
    b = ctx.b
    if not any(reverses):
        return x
    if len(reverses) == 1:
        return b.reverse(x, axes=[axis])
    fwd, bwd = b.split(x, 2, axis=direction_axis)
    return b.concat([fwd, b.reverse(bwd, axes=[axis])], direction_axis)

HANDLERS = {
    "com.microsoft:Gelu": ((1, 1, _gelu),),
    "com.microsoft:BiasGelu": ((1, 1, _bias_gelu),),
    "com.microsoft:FastGelu": ((1, 1, _fast_gelu),),
    "com.microsoft:QuickGelu": ((1, 1, _quick_gelu),),
    "com.microsoft:SkipLayerNormalization": ((1, 1, _skip_norm(False)),),
    "com.microsoft:SkipSimplifiedLayerNormalization": ((1, 1, _skip_norm(True)),),
    "com.microsoft:MatMulNBits": ((1, 1, _matmul_nbits),),
    "com.microsoft:DynamicQuantizeLSTM": ((1, 1, _dynamic_quantize_lstm),),
    "com.microsoft:GatherBlockQuantized": ((1, 1, _gather_block_quantized),),
}
