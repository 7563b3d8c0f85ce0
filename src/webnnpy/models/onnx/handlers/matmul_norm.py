"""Matrix products and normalization: MatMul MatMulInteger QLinearMatMul Gemm
Einsum,
BatchNormalization InstanceNormalization LayerNormalization
GroupNormalization RMSNormalization SimplifiedLayerNormalization
LpNormalization MeanVarianceNormalization LRN.

MatMul's 1-D operands are reshaped to matrices and the added axis removed
again; Einsum is decomposed into transposes, reductions and one batched
matmul per pair of operands (diagonals via a mask); the integer products
run in float32 when every partial sum is exactly representable there.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from webnnpy import MLOperand
from webnnpy.models.onnx.convert import ImportContext, NodeInfo, Tensor
from webnnpy.models.onnx.handlers._util import norm_axis, present
from webnnpy.models.onnx.handlers.quantization import exact_float

__all__ = ["HANDLERS"]


def _matmul_ops(ctx: ImportContext, a: MLOperand, b: MLOperand) -> MLOperand:
    if a.rank == 0 or b.rank == 0:
        raise ctx.fail("MatMul takes no scalars")
    sq_a, sq_b = a.rank == 1, b.rank == 1
    if sq_a:
        a = ctx.b.reshape(a, [1, a.shape[0]])
    if sq_b:
        b = ctx.b.reshape(b, [b.shape[0], 1])
    y = ctx.b.matmul(a, b)
    shape = list(y.shape)
    if sq_b:
        shape.pop(-1)
    if sq_a:
        shape.pop(-2 if not sq_b else -1)
    return ctx.reshape(y, shape)


def _matmul(ctx: ImportContext, node: NodeInfo, inputs: list[Tensor | None],
            attrs: dict[str, Any]) -> list[Any]:
    a_t, b_t = inputs[0], inputs[1]
    assert a_t is not None and b_t is not None
    return [_matmul_ops(ctx, ctx.op(a_t, "A"), ctx.op(b_t, "B"))]


def _matmul_integer(ctx: ImportContext, node: NodeInfo, inputs: list[Tensor | None],
                    attrs: dict[str, Any]) -> list[Any]:
    """(A - a_zp) @ (B - b_zp) in float32, cast to int32, as ONNX Runtime's
    WebNN EP computes it.  Exact while K * 255 * 255 < 2**24 (K <= 258);
    past that, off the exact int32 by at most (K - 1) * 2**-24 * sum(|p|)
    over the K products p of an output (any summation order)."""
    a_t, b_t = inputs[0], inputs[1]
    assert a_t is not None and b_t is not None
    a, b = ctx.op(a_t, "A"), ctx.op(b_t, "B")
    for o, n in ((a, "A"), (b, "B")):
        if o.data_type not in ("uint8", "int8"):
            raise ctx.fail(f"{n} is {o.data_type}; expected uint8 or int8")
    af = exact_float(ctx, a)
    bf = ctx.b.cast(b, "float32")
    az_t, bz_t = present(inputs, 2), present(inputs, 3)
    if az_t is not None:
        az = exact_float(ctx, ctx.op(az_t, "a_zero_point"))
        if az.rank == 1 and az.shape[0] != 1 and a.rank >= 2:
            az = ctx.b.reshape(az, [az.shape[0], 1])  # per row of A
        af = ctx.b.sub(af, az)
    if bz_t is not None:
        bf = ctx.b.sub(bf, ctx.b.cast(ctx.op(bz_t, "b_zero_point"), "float32"))
    return [ctx.b.cast(_matmul_ops(ctx, af, bf), "int32")]


def _qlinear_matmul(ctx: ImportContext, node: NodeInfo, inputs: list[Tensor | None],
                    attrs: dict[str, Any]) -> list[Any]:
    """saturate(round((a - a_zp) @ (b - b_zp) * a_scale * b_scale / y_scale) +
    y_zp): the integer product runs in float32, as ONNX Runtime's WebNN EP
    computes it: exact while K * 255 * 255 < 2**24 (K <= 258), past that off
    by at most (K - 1) * 2**-24 * sum(|p|) before the requantization."""
    a_t, as_t, az_t, b_t, bs_t, bz_t, ys_t, yz_t = (inputs + [None] * 8)[:8]
    assert a_t and as_t and b_t and bs_t and ys_t
    a, bm = ctx.op(a_t, "a"), ctx.op(b_t, "b")
    for o, what in ((a, "a"), (bm, "b")):
        if o.data_type not in ("uint8", "int8"):
            raise ctx.fail(f"{what} is {o.data_type}; expected uint8 or int8")
    b = ctx.b
    af, bf = b.cast(a, "float32"), b.cast(bm, "float32")
    a_scale = ctx.op(as_t, "a_scale")
    if az_t is not None:
        az = b.cast(ctx.op(az_t, "a_zero_point"), "float32")
        if az.rank == 1 and az.shape[0] != 1 and a.rank >= 2:
            az = b.reshape(az, [az.shape[0], 1])  # per row of a
        af = b.sub(af, az)
    if a_scale.rank == 1 and a_scale.shape[0] != 1 and a.rank >= 2:
        a_scale = b.reshape(a_scale, [a_scale.shape[0], 1])
    if bz_t is not None:
        bf = b.sub(bf, b.cast(ctx.op(bz_t, "b_zero_point"), "float32"))
    c = _matmul_ops(ctx, af, bf)
    factor = b.div(b.mul(a_scale, ctx.op(bs_t, "b_scale")), ctx.op(ys_t, "y_scale"))
    q = b.round_even(b.mul(c, ctx.cast(factor, "float32")))
    dt = a.data_type
    if yz_t is not None:
        zp = ctx.op(yz_t, "y_zero_point")
        dt = zp.data_type
        q = b.add(q, b.cast(zp, "float32"))
    info = np.iinfo(np.dtype(dt))
    return [b.cast(b.clamp(q, min_value=float(info.min), max_value=float(info.max)),
                   dt)]


def _gemm(ctx: ImportContext, node: NodeInfo, inputs: list[Tensor | None],
          attrs: dict[str, Any]) -> list[Any]:
    a_t, b_t = inputs[0], inputs[1]
    assert a_t is not None and b_t is not None
    a, b = ctx.op(a_t, "A"), ctx.op(b_t, "B")
    c_t = present(inputs, 2)
    c = None if c_t is None else ctx.op(c_t, "C")
    beta = float(attrs.get("beta", 1.0))
    y = ctx.b.gemm(a, b, c=c, alpha=float(attrs.get("alpha", 1.0)),
                   beta=beta if c is not None else 1.0,
                   a_transpose=bool(int(attrs.get("transA", 0))),
                   b_transpose=bool(int(attrs.get("transB", 0))))
    return [y]


# ----------------------------------------------------------------- einsum


def _einsum(ctx: ImportContext, node: NodeInfo, inputs: list[Tensor | None],
            attrs: dict[str, Any]) -> list[Any]:
    eq = str(attrs["equation"]).replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    terms = lhs.split(",")
    ops = [ctx.op(t, f"input {i}") for i, t in enumerate(inputs) if t is not None]
    if len(terms) != len(ops):
        raise ctx.fail(f"equation {eq!r} has {len(terms)} operands; the node has "
                       f"{len(ops)}")
    n_ell = 0
    for term, o in zip(terms, ops, strict=True):
        if "..." in term:
            n_ell = max(n_ell, o.rank - (len(term) - 3))
    pool = [chr(0x100 + i) for i in range(n_ell)]
    labels: list[list[str]] = []
    for term, o in zip(terms, ops, strict=True):
        if "..." in term:
            e = o.rank - (len(term) - 3)
            head, tail = term.split("...")
            labels.append([*head, *pool[n_ell - e:], *tail])
        else:
            labels.append(list(term))
        if len(labels[-1]) != o.rank:
            raise ctx.fail(f"term {term!r} does not match an operand of rank {o.rank}")
    if arrow:
        out = list(rhs.replace("...", "".join(pool)))
    else:
        counts: dict[str, int] = {}
        for lab in labels:
            for c in lab:
                counts[c] = counts.get(c, 0) + 1
        out = [c for c in pool] + sorted(c for c, n in counts.items()
                                         if n == 1 and c not in pool)
    sizes: dict[str, int] = {}
    cur: list[tuple[MLOperand, list[str]]] = []
    for o, lab in zip(ops, labels, strict=True):
        o, lab = _diagonals(ctx, o, lab)
        for c, d in zip(lab, o.shape, strict=True):
            sizes[c] = max(sizes.get(c, 1), d)
        cur.append((o, lab))
    # sum out labels that appear in one operand only and not in the output
    for i, (o, lab) in enumerate(cur):
        others = {c for j, (_, lb) in enumerate(cur) if j != i for c in lb}
        drop = [k for k, c in enumerate(lab) if c not in out and c not in others]
        if drop:
            o = ctx.b.reduce_sum(o, axes=drop, keep_dimensions=False)
            lab = [c for k, c in enumerate(lab) if k not in drop]
        cur[i] = (o, lab)
    while len(cur) > 1:
        (a, la), (b, lb) = cur[0], cur[1]
        later = set(out) | {c for _, lb2 in cur[2:] for c in lb2}
        cur = [_contract(ctx, a, la, b, lb, later, sizes), *cur[2:]]
    y, lab = cur[0]
    extra = [k for k, c in enumerate(lab) if c not in out]
    if extra:
        y = ctx.b.reduce_sum(y, axes=extra, keep_dimensions=False)
        lab = [c for c in lab if c in out]
    if sorted(lab) != sorted(out):
        raise ctx.fail(f"equation {eq!r}: output labels {out} are not all inputs")
    perm = [lab.index(c) for c in out]
    y = ctx.transpose(y, perm)
    return [y]


def _diagonals(ctx: ImportContext, o: MLOperand, lab: list[str]
               ) -> tuple[MLOperand, list[str]]:
    """Take the diagonal for each label repeated within one operand."""
    while len(set(lab)) != len(lab):
        c = next(c for c in lab if lab.count(c) > 1)
        p = lab.index(c)
        q = lab.index(c, p + 1)
        n = o.shape[p]
        if o.shape[q] != n:
            raise ctx.fail(f"label {c!r} has sizes {n} and {o.shape[q]}")
        mask_shape = [1] * o.rank
        mask_shape[p] = mask_shape[q] = n
        mask = np.eye(n, dtype=np.dtype(o.data_type)).reshape(mask_shape)
        o = ctx.b.reduce_sum(ctx.b.mul(o, ctx.constant(mask)), axes=[q],
                             keep_dimensions=False)
        lab = lab[:q] + lab[q + 1:]
    return o, lab


def _contract(ctx: ImportContext, a: MLOperand, la: list[str], b: MLOperand,
              lb: list[str], later: set[str], sizes: dict[str, int]
              ) -> tuple[MLOperand, list[str]]:
    """One pairwise product as a batched matmul."""
    batch = [c for c in la if c in lb and c in later]
    contract = [c for c in la if c in lb and c not in later]
    free_a = [c for c in la if c not in lb]
    free_b = [c for c in lb if c not in la]
    at = ctx.transpose(a, [la.index(c) for c in batch + free_a + contract])
    bt = ctx.transpose(b, [lb.index(c) for c in batch + contract + free_b])
    m = math.prod(sizes[c] for c in free_a)
    k = math.prod(sizes[c] for c in contract)
    n = math.prod(sizes[c] for c in free_b)
    a_batch = list(at.shape[:len(batch)])
    b_batch = list(bt.shape[:len(batch)])
    a3 = ctx.reshape(at, [*a_batch, m, k])
    b3 = ctx.reshape(bt, [*b_batch, k, n])
    y = ctx.b.matmul(a3, b3)
    out_batch = list(y.shape[:len(batch)])
    y = ctx.reshape(y, [*out_batch, *(sizes[c] for c in free_a),
                        *(sizes[c] for c in free_b)])
    return y, batch + free_a + free_b


# ---------------------------------------------------------- normalization


def _batch_norm(ctx: ImportContext, node: NodeInfo, inputs: list[Tensor | None],
                attrs: dict[str, Any]) -> list[Any]:
    if any(node.wants(k) for k in range(1, 5)):
        raise ctx.fail("the running/saved statistics outputs (training) have no "
                       "WebNN counterpart")
    if int(attrs.get("training_mode", 0)):
        raise ctx.fail("training_mode=1 has no WebNN counterpart")
    if node.version < 9 and not int(attrs.get("spatial", 1)):
        raise ctx.fail("spatial=0 (per-activation statistics) is not supported")
    x_t = inputs[0]
    assert x_t is not None
    x = ctx.op(x_t, "X")
    dt = x.data_type
    scale, bias, mean, var = (ctx.cast(ctx.op(t, n), dt) for t, n in zip(
        inputs[1:5], ("scale", "B", "mean", "var"), strict=True) if t is not None)
    if x.rank == 1:
        raise ctx.fail("input has rank 1; expected N, C, ...")
    y = ctx.b.batch_normalization(x, mean, var, scale=scale, bias=bias, axis=1,
                                  epsilon=float(attrs.get("epsilon", 1e-5)))
    return [y]


def _instance_norm(ctx: ImportContext, node: NodeInfo, inputs: list[Tensor | None],
                   attrs: dict[str, Any]) -> list[Any]:
    x_t, s_t, b_t = inputs[0], inputs[1], inputs[2]
    assert x_t is not None and s_t is not None and b_t is not None
    x = ctx.op(x_t, "input")
    if x.rank < 3:
        raise ctx.fail(f"input has rank {x.rank}; expected N, C and spatial axes")
    shape = list(x.shape)
    x4 = x if x.rank == 4 else ctx.b.reshape(x, [*shape[:2], math.prod(shape[2:]), 1])
    y = ctx.b.instance_normalization(x4, scale=ctx.op(s_t, "scale"),
                                     bias=ctx.op(b_t, "B"),
                                     epsilon=float(attrs.get("epsilon", 1e-5)))
    return [ctx.reshape(y, shape)]


def _layer_norm(ctx: ImportContext, node: NodeInfo, inputs: list[Tensor | None],
                attrs: dict[str, Any]) -> list[Any]:
    if node.wants(1) or node.wants(2):
        raise ctx.fail("the Mean and InvStdDev outputs have no WebNN counterpart")
    x_t, s_t = inputs[0], inputs[1]
    assert x_t is not None and s_t is not None
    x = ctx.op(x_t, "X")
    axis = norm_axis(ctx, int(attrs.get("axis", -1)), x.rank)
    axes = list(range(axis, x.rank))
    norm_shape = list(x.shape[axis:])
    scale = _to_shape(ctx, ctx.op(s_t, "Scale"), norm_shape)
    b_t = present(inputs, 2)
    bias = None if b_t is None else _to_shape(ctx, ctx.op(b_t, "B"), norm_shape)
    y = ctx.b.layer_normalization(x, scale=scale, bias=bias, axes=axes,
                                  epsilon=float(attrs.get("epsilon", 1e-5)))
    return [y]


def _to_shape(ctx: ImportContext, o: MLOperand, shape: list[int]) -> MLOperand:
    """``o`` broadcast to ``shape`` (a scale that only broadcasts to it)."""
    if list(o.shape) == shape:
        return o
    if o.rank < len(shape):
        o = ctx.b.reshape(o, [1] * (len(shape) - o.rank) + list(o.shape))
    return ctx.b.expand(o, shape) if list(o.shape) != shape else o


def _rms_norm(ctx: ImportContext, node: NodeInfo, inputs: list[Tensor | None],
              attrs: dict[str, Any]) -> list[Any]:
    if any(node.wants(k) for k in range(1, len(node.outputs))):
        raise ctx.fail("only the normalized output is supported")
    x_t, s_t = inputs[0], inputs[1]
    assert x_t is not None and s_t is not None
    x = ctx.op(x_t, "X")
    axis = norm_axis(ctx, int(attrs.get("axis", -1)), x.rank)
    axes = list(range(axis, x.rank))
    dt = x.data_type
    b = ctx.b
    ms = b.reduce_mean(b.mul(x, x), axes=axes, keep_dimensions=True)
    rms = b.sqrt(b.add(ms, ctx.scalar(float(attrs.get("epsilon", 1e-5)), dt)))
    return [b.mul(b.div(x, rms), ctx.cast(ctx.op(s_t, "scale"), dt))]


def _group_norm(ctx: ImportContext, node: NodeInfo, inputs: list[Tensor | None],
                attrs: dict[str, Any]) -> list[Any]:
    x_t, s_t, b_t = inputs[0], inputs[1], inputs[2]
    assert x_t is not None and s_t is not None and b_t is not None
    x = ctx.op(x_t, "X")
    if x.rank < 3:
        raise ctx.fail(f"input has rank {x.rank}; expected N, C and spatial axes")
    g = int(attrs["num_groups"])
    shape = list(x.shape)
    n, c = shape[0], shape[1]
    if c % g:
        raise ctx.fail(f"{c} channels do not split into {g} groups")
    # instance normalization of [N, G, C/G * spatial, 1] normalizes each group
    y = ctx.b.reshape(x, [n, g, (c // g) * math.prod(shape[2:]), 1])
    y = ctx.b.instance_normalization(y, epsilon=float(attrs.get("epsilon", 1e-5)))
    y = ctx.b.reshape(y, shape)
    scale, bias = ctx.op(s_t, "scale"), ctx.op(b_t, "bias")
    if scale.rank != 1 or list(bias.shape) != list(scale.shape) or \
            scale.shape[0] not in (c, g):
        raise ctx.invalid(f"scale {list(scale.shape)} and bias {list(bias.shape)}: "
                          f"ONNX takes one value per channel ({c}), or per group "
                          f"({g}) in opset 18, in both")
    if scale.shape[0] == g and g != c:  # opset 18: one scale per group
        scale = ctx.b.reshape(ctx.b.expand(ctx.b.reshape(scale, [g, 1]), [g, c // g]),
                              [c])
        bias = ctx.b.reshape(ctx.b.expand(ctx.b.reshape(bias, [g, 1]), [g, c // g]),
                             [c])
    per_c = [c] + [1] * (x.rank - 2)
    return [ctx.b.add(ctx.b.mul(y, ctx.b.reshape(scale, per_c)),
                      ctx.b.reshape(bias, per_c))]


def _lp_norm(ctx: ImportContext, node: NodeInfo, inputs: list[Tensor | None],
             attrs: dict[str, Any]) -> list[Any]:
    x_t = inputs[0]
    assert x_t is not None
    x = ctx.op(x_t, "input")
    axis = norm_axis(ctx, int(attrs.get("axis", -1)), x.rank)
    p = int(attrs.get("p", 2))
    if p not in (1, 2):
        raise ctx.fail(f"p={p}; ONNX allows 1 or 2")
    method = "reduce_l2" if p == 2 else "reduce_l1"
    norm = getattr(ctx.b, method)(x, axes=[axis], keep_dimensions=True)
    zero = ctx.scalar(0, x.data_type)
    # a zero norm gives 0, as ONNX's reference does
    return [ctx.b.where(ctx.b.equal(norm, zero), zero, ctx.b.div(x, norm))]


def _mvn(ctx: ImportContext, node: NodeInfo, inputs: list[Tensor | None],
         attrs: dict[str, Any]) -> list[Any]:
    x_t = inputs[0]
    assert x_t is not None
    x = ctx.op(x_t, "X")
    axes = [norm_axis(ctx, int(a), x.rank) for a in attrs.get("axes", [0, 2, 3])]
    b = ctx.b
    dt = x.data_type
    mean = b.reduce_mean(x, axes=axes, keep_dimensions=True)
    mean_sq = b.reduce_mean(b.mul(x, x), axes=axes, keep_dimensions=True)
    std = b.sqrt(b.sub(mean_sq, b.mul(mean, mean)))
    return [b.div(b.sub(x, mean), b.add(std, ctx.scalar(1e-9, dt)))]


def _lrn(ctx: ImportContext, node: NodeInfo, inputs: list[Tensor | None],
         attrs: dict[str, Any]) -> list[Any]:
    x_t = inputs[0]
    assert x_t is not None
    x = ctx.op(x_t, "X")
    if x.rank < 3:
        raise ctx.fail(f"input has rank {x.rank}; expected N, C and spatial axes")
    size = int(attrs["size"])
    alpha = float(attrs.get("alpha", 1e-4))
    beta = float(attrs.get("beta", 0.75))
    bias = float(attrs.get("bias", 1.0))
    dt = x.data_type
    b = ctx.b
    shape = list(x.shape)
    n, c = shape[0], shape[1]
    sq = b.reshape(b.mul(x, x), [n, 1, c, math.prod(shape[2:])])
    before, after = (size - 1) // 2, math.ceil((size - 1) / 2)
    sq = b.pad(sq, [0, 0, before, 0], [0, 0, after, 0])
    # the average over exactly `size` channels is sum / size
    avg = b.average_pool2d(sq, window_dimensions=[size, 1])
    avg = b.reshape(avg, shape)
    base = b.add(b.mul(avg, ctx.scalar(alpha, dt)), ctx.scalar(bias, dt))
    return [b.div(x, b.pow(base, ctx.scalar(beta, dt)))]


HANDLERS = {
    "MatMul": ((1, 13, _matmul),),
    "MatMulInteger": ((10, 10, _matmul_integer),),
    "QLinearMatMul": ((10, 21, _qlinear_matmul),),
    "Gemm": ((1, 13, _gemm),),
    "Einsum": ((12, 28, _einsum),),
    "BatchNormalization": ((1, 15, _batch_norm),),
    "InstanceNormalization": ((1, 22, _instance_norm),),
    "LayerNormalization": ((17, 17, _layer_norm),),
    "GroupNormalization": ((18, 21, _group_norm),),
    "RMSNormalization": ((23, 23, _rms_norm),),
    "SimplifiedLayerNormalization": ((1, 1000, _rms_norm),),
    "LpNormalization": ((1, 22, _lp_norm),),
    "MeanVarianceNormalization": ((9, 13, _mvn),),
    "LRN": ((1, 13, _lrn),),
}
