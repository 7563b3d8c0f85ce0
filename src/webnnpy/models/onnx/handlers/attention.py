"""Attention ops of ONNX Runtime's contrib domain (``com.microsoft``) that
transformer exports hold: RotaryEmbedding MultiHeadAttention
GroupQueryAttention, decomposed into WebNN's matmul, softmax, gather and
elementwise operators as ONNX Runtime's WebNN EP does.

* RotaryEmbedding: input 3-D [batch, seq, hidden] (heads from ``num_heads``
  or the cache width) or 4-D [batch, heads, seq, head_size]; position_ids
  [batch, seq] or one offset; ``interleaved`` pairs (x[2i], x[2i+1]),
  otherwise the two halves; ``rotary_embedding_dim`` < head_size rotates the
  leading part only.  ``scale`` and ``is_packed_batching`` are refused.
* MultiHeadAttention: query/key/value [batch, seq, hidden], key/value as
  BNSH [batch, heads, seq, head_size], packed QKV [batch, seq, heads, 3,
  head_size] or packed KV [batch, seq, heads, 2, head_size]; bias;
  key_padding_mask [batch] (key counts), [batch, total] or [batch, seq,
  total] (0 = masked), adding ``mask_filter_value`` as ONNX Runtime does;
  attention_bias; past_key/past_value (BNSH, appended to) with
  present_key/present_value; ``unidirectional`` (causal, query i sees keys
  up to past + i).  Refused: the qk output,
  past_sequence_length and cache_indirection (beam search), other mask
  shapes.
* GroupQueryAttention: kv_num_heads <= num_heads (each key/value head
  serves num_heads / kv_num_heads query heads), packed QKV, causal, past
  key/value (present has past + seq positions; each row's new tokens are
  written after its own past, seqlens_k + 1 - seq tokens, as ONNX Runtime
  does, so a right-padded batch decodes too; a shared past/present buffer,
  total_sequence_length != past + seq, is refused), seqlens_k read at run
  time for the padding and causal masks and the rotary positions (a first
  prompt, with no past, may be right-padded),
  ``do_rotary`` (interleaved or not), ``local_window_size``, ``softcap``.
  Refused: ``smooth_softmax``, ``qk_output``, position_ids, attention_bias
  and head_sink inputs.

Scores are computed in the input's float type (float32 accumulation in the
matmuls); masked scores are the type's lowest value before softmax.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from webnnpy import MLOperand
from webnnpy.models.onnx.convert import ImportContext, NodeInfo, Tensor
from webnnpy.models.onnx.handlers._util import present

__all__ = ["HANDLERS", "apply_rotary"]


def _need(ctx: ImportContext, inputs: list[Tensor | None], k: int,
          what: str) -> MLOperand:
    t = present(inputs, k)
    if t is None:
        raise ctx.invalid(f"required input {k} ({what!r}) is missing")
    return ctx.op(t, what)


def _float(ctx: ImportContext, x: MLOperand, what: str) -> None:
    if x.data_type not in ("float32", "float16"):
        raise ctx.invalid(f"{what} has type {x.data_type}; the op takes float32 "
                          f"or float16")


def _rank(ctx: ImportContext, x: MLOperand, ranks: tuple[int, ...],
          what: str, layout: str) -> None:
    if x.rank not in ranks:
        raise ctx.invalid(f"{what} has shape {list(x.shape)} (rank {x.rank}); "
                          f"the op takes {layout}")


def _lowest(ctx: ImportContext, dt: str) -> MLOperand:
    return ctx.scalar(float(np.finfo(np.dtype(dt)).min), dt)


# ------------------------------------------------------------------ rotary

def apply_rotary(ctx: ImportContext, x: MLOperand, cos: MLOperand,
                 sin: MLOperand, interleaved: bool) -> MLOperand:
    """Rotate the leading ``2 * cos.shape[-1]`` features of ``x``'s last
    axis; ``cos``/``sin`` broadcast to ``x[..., :rotary_dim / 2]``."""
    b = ctx.b
    half = cos.shape[-1]
    rd = 2 * half
    lead = list(x.shape[:-1])
    hs = x.shape[-1]
    zeros = [0] * x.rank
    rot = x if rd == hs else b.slice(x, zeros, [*lead, rd])
    if interleaved:
        pairs = b.reshape(rot, [*lead, half, 2])
        x1 = b.slice(pairs, [0] * (x.rank + 1), [*lead, half, 1])
        x2 = b.slice(pairs, [0] * x.rank + [1], [*lead, half, 1])
        c = b.reshape(cos, [*cos.shape, 1])
        s = b.reshape(sin, [*sin.shape, 1])
        y1 = b.sub(b.mul(x1, c), b.mul(x2, s))
        y2 = b.add(b.mul(x2, c), b.mul(x1, s))
        out = b.reshape(b.concat([y1, y2], x.rank), [*lead, rd])
    else:
        x1 = b.slice(rot, zeros, [*lead, half])
        x2 = b.slice(rot, [0] * (x.rank - 1) + [half], [*lead, half])
        out = b.concat([b.sub(b.mul(x1, cos), b.mul(x2, sin)),
                        b.add(b.mul(x2, cos), b.mul(x1, sin))], x.rank - 1)
    if rd == hs:
        return out
    rest = b.slice(x, [0] * (x.rank - 1) + [rd], [*lead, hs - rd])
    return b.concat([out, rest], x.rank - 1)


def _caches(ctx: ImportContext, inputs: list[Tensor | None], kc: int, ks: int,
            dt: str) -> tuple[MLOperand, MLOperand]:
    cos, sin = _need(ctx, inputs, kc, "cos_cache"), _need(ctx, inputs, ks, "sin_cache")
    for o, what in ((cos, "cos_cache"), (sin, "sin_cache")):
        _rank(ctx, o, (2,), what, "[max_position, rotary_dim / 2]")
        if o.data_type != dt:
            raise ctx.invalid(f"{what} has type {o.data_type}; the input is {dt}")
    if list(cos.shape) != list(sin.shape):
        raise ctx.invalid(f"cos_cache {list(cos.shape)} and sin_cache "
                          f"{list(sin.shape)} differ in shape")
    return cos, sin


def _rotary_embedding(ctx: ImportContext, node: NodeInfo,
                      inputs: list[Tensor | None], attrs: dict[str, Any]
                      ) -> list[Any]:
    b = ctx.b
    x = _need(ctx, inputs, 0, "input")
    _float(ctx, x, "input")
    _rank(ctx, x, (3, 4), "input", "[batch, seq, hidden] or [batch, heads, "
                                   "seq, head_size]")
    if float(attrs.get("scale", 1.0)) != 1.0:
        raise ctx.fail("attribute 'scale' other than 1 is not supported")
    if int(attrs.get("is_packed_batching", 0)):
        raise ctx.fail("attribute 'is_packed_batching' is not supported")
    cos, sin = _caches(ctx, inputs, 2, 3, x.data_type)
    half = cos.shape[1]
    rd_attr = int(attrs.get("rotary_embedding_dim", 0))
    if rd_attr and not int(attrs.get("num_heads", 0)):
        raise ctx.invalid("rotary_embedding_dim is set without num_heads "
                          "(ONNX Runtime requires both)")
    if rd_attr and rd_attr != 2 * half:
        raise ctx.invalid(f"rotary_embedding_dim {rd_attr} is not twice the "
                          f"caches' width {half}")
    if x.rank == 4:
        batch, heads, seq, hs = x.shape
    else:
        batch, seq, hidden = x.shape
        heads = int(attrs.get("num_heads", 0)) or hidden // (2 * half)
        if heads < 1 or hidden % heads:
            raise ctx.invalid(f"hidden size {hidden} is not a multiple of "
                              f"num_heads {heads}")
        hs = hidden // heads
    if 2 * half > hs or (not rd_attr and 2 * half != hs):
        raise ctx.invalid(f"the caches' width {half} rotates {2 * half} features;"
                          f" the head size is {hs} (rotary_embedding_dim "
                          f"{rd_attr or 'unset'})")
    p_t = present(inputs, 1)
    if p_t is None:
        raise ctx.invalid("required input 1 ('position_ids') is missing")
    pos = ctx.op(p_t, "position_ids")
    if pos.data_type not in ("int64", "int32"):
        raise ctx.invalid(f"position_ids has type {pos.data_type}; the op "
                          f"takes int64")
    if list(pos.shape) in ([1], []):
        base = np.arange(seq, dtype=np.dtype(pos.data_type)).reshape(1, seq)
        pos = b.add(b.reshape(pos, [1, 1]), ctx.constant(base, "positions"))
    elif list(pos.shape) != [batch, seq]:
        raise ctx.invalid(f"position_ids has shape {list(pos.shape)}; the op "
                          f"takes [batch, seq] = {[batch, seq]} or [1]")
    c = b.gather(cos, pos, axis=0)  # [batch or 1, seq, half]
    s = b.gather(sin, pos, axis=0)
    inter = bool(int(attrs.get("interleaved", 0)))
    if x.rank == 4:
        c = b.reshape(c, [c.shape[0], 1, seq, half])
        s = b.reshape(s, [s.shape[0], 1, seq, half])
        return [apply_rotary(ctx, x, c, s, inter)]
    c = b.reshape(c, [c.shape[0], seq, 1, half])
    s = b.reshape(s, [s.shape[0], seq, 1, half])
    y = apply_rotary(ctx, b.reshape(x, [batch, seq, heads, hs]), c, s, inter)
    return [b.reshape(y, [batch, seq, heads * hs])]


# --------------------------------------------------------------- attention

def _bnsh(ctx: ImportContext, x: MLOperand, heads: int) -> MLOperand:
    """[batch, seq, heads * size] -> [batch, heads, seq, size]."""
    batch, seq, hidden = x.shape
    if hidden % heads:
        raise ctx.invalid(f"hidden size {hidden} is not a multiple of num_heads "
                          f"{heads}")
    return ctx.b.transpose(ctx.b.reshape(x, [batch, seq, heads, hidden // heads]),
                           permutation=[0, 2, 1, 3])


def _merge(ctx: ImportContext, x: MLOperand) -> MLOperand:
    """[batch, heads, seq, size] -> [batch, seq, heads * size]."""
    batch, heads, seq, size = x.shape
    return ctx.b.reshape(ctx.b.transpose(x, permutation=[0, 2, 1, 3]),
                         [batch, seq, heads * size])


def _attend(ctx: ImportContext, q: MLOperand, k: MLOperand, v: MLOperand,
            scale: float, *, bias: MLOperand | None = None,
            keep: MLOperand | None = None, softcap: float = 0.0) -> MLOperand:
    """softmax(q k^T * scale (+ bias), masked where ``keep`` is 0) v, over
    [batch, heads, seq, size] operands."""
    b, dt = ctx.b, q.data_type
    scores = b.mul(b.matmul(q, b.transpose(k, permutation=[0, 1, 3, 2])),
                   ctx.scalar(scale, dt))
    if softcap:
        sc = ctx.scalar(softcap, dt)
        scores = b.mul(b.tanh(b.div(scores, sc)), sc)
    if bias is not None:
        scores = b.add(scores, bias)
    if keep is not None:
        scores = b.where(keep, scores, _lowest(ctx, dt))
    return b.matmul(b.softmax(scores, 3), v)


def _causal(ctx: ImportContext, seq: int, total: int) -> MLOperand:
    """uint8 [seq, total]: query i (at total - seq + i) sees keys <= it."""
    past = total - seq
    keep = np.arange(total)[None, :] <= past + np.arange(seq)[:, None]
    return ctx.constant(keep.astype(np.uint8), "the causal mask")


def _mha(ctx: ImportContext, node: NodeInfo, inputs: list[Tensor | None],
         attrs: dict[str, Any]) -> list[Any]:
    b = ctx.b
    heads = int(attrs["num_heads"])
    if heads < 1:
        raise ctx.invalid(f"num_heads {heads} is not positive")
    if node.wants(3):
        raise ctx.fail("the qk output is not supported")
    for k, what in ((8, "past_sequence_length"), (9, "cache_indirection")):
        if present(inputs, k) is not None:
            raise ctx.fail(f"input {k} ({what!r}) is not supported")
    q = _need(ctx, inputs, 0, "query")
    _float(ctx, q, "query")
    dt = q.data_type
    k_t, v_t = present(inputs, 1), present(inputs, 2)
    bias_t = present(inputs, 3)
    bias = None if bias_t is None else ctx.op(bias_t, "bias")
    if q.rank == 5:  # packed QKV [B, S, N, 3, H]
        bsz, seq, n, three, hs = q.shape
        if three != 3 or n != heads or k_t is not None or v_t is not None:
            raise ctx.invalid(f"a rank-5 query {list(q.shape)} is packed QKV "
                              f"[batch, seq, num_heads ({heads}), 3, head_size] "
                              f"with no key and value")
        if bias is not None:
            raise ctx.fail("bias with packed QKV is not supported")
        parts = [b.reshape(b.slice(q, [0, 0, 0, j, 0], [bsz, seq, n, 1, hs]),
                           [bsz, seq, n * hs]) for j in range(3)]
        qh, kh, vh = (_bnsh(ctx, p, heads) for p in parts)
    else:
        _rank(ctx, q, (3,), "query", "[batch, seq, hidden] or packed QKV "
                                     "[batch, seq, heads, 3, head_size]")
        if k_t is None:
            raise ctx.invalid("key is missing, and the query is not packed QKV")
        key = ctx.op(k_t, "key")
        bsz, seq, hidden = q.shape
        hs = hidden // heads
        if bias is not None:
            _rank(ctx, bias, (1,), "bias", "[hidden + hidden + v_hidden]")
        qb = q if bias is None else b.add(q, b.slice(bias, [0], [hidden]))
        qh = _bnsh(ctx, qb, heads)
        if key.rank == 5:  # packed KV [B, L, N, 2, H]
            if v_t is not None or key.shape[2] != heads or key.shape[3] != 2:
                raise ctx.invalid(f"a rank-5 key {list(key.shape)} is packed KV "
                                  f"[batch, seq, num_heads ({heads}), 2, "
                                  f"head_size] with no value")
            if bias is not None:
                raise ctx.fail("bias with packed KV is not supported")
            _, kl, _, _, khs = key.shape
            kh, vh = (_bnsh(ctx, b.reshape(b.slice(key, [0, 0, 0, j, 0],
                                                   [bsz, kl, heads, 1, khs]),
                                           [bsz, kl, heads * khs]), heads)
                      for j in range(2))
        else:
            if v_t is None:
                raise ctx.invalid("value is missing, and the key is not packed KV")
            val = ctx.op(v_t, "value")
            if key.rank == 4 and val.rank == 4:  # BNSH, no bias
                if bias is not None:
                    raise ctx.fail("bias with BNSH key/value is not supported")
                kh, vh = key, val
            elif key.rank == 3 and val.rank == 3:
                if bias is not None:
                    kw, vw = key.shape[2], val.shape[2]
                    key = b.add(key, b.slice(bias, [hidden], [kw]))
                    val = b.add(val, b.slice(bias, [hidden + kw], [vw]))
                kh, vh = _bnsh(ctx, key, heads), _bnsh(ctx, val, heads)
            else:
                raise ctx.invalid(f"key {list(key.shape)} and value "
                                  f"{list(val.shape)}: the op takes both "
                                  f"[batch, seq, hidden] or both [batch, heads, "
                                  f"seq, head_size]")
        if list(kh.shape[:2]) != [bsz, heads] or kh.shape[3] != qh.shape[3]:
            raise ctx.invalid(f"key as [batch, heads, seq, head_size] is "
                              f"{list(kh.shape)}; the query needs [{bsz}, "
                              f"{heads}, *, {qh.shape[3]}]")
        hs = qh.shape[3]
    pk_t, pv_t = present(inputs, 6), present(inputs, 7)
    if (pk_t is None) != (pv_t is None):
        raise ctx.invalid("past_key and past_value come together")
    if pk_t is not None and pv_t is not None:
        pk, pv = ctx.op(pk_t, "past_key"), ctx.op(pv_t, "past_value")
        for o, new, what in ((pk, kh, "past_key"), (pv, vh, "past_value")):
            if o.rank != 4 or [o.shape[i] for i in (0, 1, 3)] != [
                    new.shape[i] for i in (0, 1, 3)]:
                raise ctx.invalid(f"{what} has shape {list(o.shape)}; expected "
                                  f"[{new.shape[0]}, {new.shape[1]}, past, "
                                  f"{new.shape[3]}]")
        kh, vh = b.concat([pk, kh], 2), b.concat([pv, vh], 2)
    total = kh.shape[2]
    keep = None
    m_t = present(inputs, 4)
    if m_t is not None:
        mask = ctx.op(m_t, "key_padding_mask")
        seq_q = qh.shape[2]
        filt = ctx.scalar(float(attrs.get("mask_filter_value", -10000.0)), dt)
        if mask.data_type not in ("int32", "int64"):
            raise ctx.invalid(f"key_padding_mask has type {mask.data_type}; the "
                              f"op takes int32")
        if list(mask.shape) == [bsz]:  # each row's key count (right padding)
            kpos = ctx.constant(np.arange(total, dtype=np.dtype(mask.data_type)
                                          ).reshape(1, 1, 1, total))
            masked = b.greater_or_equal(kpos, b.reshape(mask, [bsz, 1, 1, 1]))
        elif list(mask.shape) in ([bsz, total], [bsz, seq_q, total]):
            shape = [bsz, 1, 1, total] if mask.rank == 2 else [bsz, 1, seq_q, total]
            masked = b.reshape(b.equal(mask, ctx.scalar(0, mask.data_type)), shape)
        else:
            raise ctx.fail(f"key_padding_mask of shape {list(mask.shape)} is not "
                           f"supported (the mapping takes [batch] = [{bsz}], "
                           f"[batch, total] = {[bsz, total]} or [batch, seq, "
                           f"total] = {[bsz, seq_q, total]})")
        mask_bias = b.where(masked, filt, ctx.scalar(0.0, dt))
    else:
        mask_bias = None
    ab_t = present(inputs, 5)
    ab = None if ab_t is None else ctx.op(ab_t, "attention_bias")
    if ab is not None and ab.rank != 4:
        raise ctx.invalid(f"attention_bias has shape {list(ab.shape)}; the op "
                          f"takes [batch or 1, heads or 1, seq, total]")
    if mask_bias is not None:
        ab = mask_bias if ab is None else b.add(ab, mask_bias)
    if int(attrs.get("unidirectional", 0)):
        keep = _causal(ctx, qh.shape[2], total)
    scale = float(attrs.get("scale", 0.0)) or 1.0 / math.sqrt(hs)
    out = _merge(ctx, _attend(ctx, qh, kh, vh, scale, bias=ab, keep=keep))
    return [out, kh, vh, None]


def _gqa(ctx: ImportContext, node: NodeInfo, inputs: list[Tensor | None],
         attrs: dict[str, Any]) -> list[Any]:
    b = ctx.b
    heads, kv_heads = int(attrs["num_heads"]), int(attrs["kv_num_heads"])
    if kv_heads < 1 or heads < 1 or heads % kv_heads:
        raise ctx.invalid(f"num_heads {heads} is not a positive multiple of "
                          f"kv_num_heads {kv_heads}")
    for a in ("smooth_softmax", "qk_output"):
        if int(attrs.get(a, 0)):
            raise ctx.fail(f"attribute {a!r} is not supported")
    for k, what in ((9, "position_ids"), (10, "attention_bias"), (11, "head_sink")):
        if present(inputs, k) is not None:
            raise ctx.fail(f"input {k} ({what!r}) is not supported")
    q = _need(ctx, inputs, 0, "query")
    _float(ctx, q, "query")
    _rank(ctx, q, (3,), "query", "[batch, seq, hidden]")
    dt = q.data_type
    bsz, seq, width = q.shape
    k_t, v_t = present(inputs, 1), present(inputs, 2)
    if k_t is None and v_t is None:  # packed QKV
        if width % (heads + 2 * kv_heads):
            raise ctx.invalid(f"packed QKV width {width} is not (num_heads + 2 * "
                              f"kv_num_heads) * head_size")
        hs = width // (heads + 2 * kv_heads)
        query = b.slice(q, [0, 0, 0], [bsz, seq, heads * hs])
        key = b.slice(q, [0, 0, heads * hs], [bsz, seq, kv_heads * hs])
        val = b.slice(q, [0, 0, (heads + kv_heads) * hs], [bsz, seq, kv_heads * hs])
    elif k_t is not None and v_t is not None:
        query, key, val = q, ctx.op(k_t, "key"), ctx.op(v_t, "value")
        if width % heads:
            raise ctx.invalid(f"query width {width} is not a multiple of "
                              f"num_heads {heads}")
        hs = width // heads
        for o, what in ((key, "key"), (val, "value")):
            if list(o.shape) != [bsz, seq, kv_heads * hs]:
                raise ctx.invalid(f"{what} has shape {list(o.shape)}; expected "
                                  f"[batch, seq, kv_num_heads * head_size] = "
                                  f"{[bsz, seq, kv_heads * hs]}")
    else:
        raise ctx.invalid("key and value come together (or neither, for packed "
                          "QKV)")
    qh, kh, vh = (_bnsh(ctx, query, heads), _bnsh(ctx, key, kv_heads),
                  _bnsh(ctx, val, kv_heads))
    sk_t = present(inputs, 5)
    if sk_t is None:
        raise ctx.invalid("required input 5 ('seqlens_k') is missing")
    seqlens = ctx.op(sk_t, "seqlens_k")
    if list(seqlens.shape) not in ([bsz], [bsz, 1]):
        raise ctx.invalid(f"seqlens_k has shape {list(seqlens.shape)}; expected "
                          f"[batch] = [{bsz}]")
    pk_t, pv_t = present(inputs, 3), present(inputs, 4)
    past = 0
    if (pk_t is None) != (pv_t is None):
        raise ctx.invalid("past_key and past_value come together")
    pk = pv = None
    if pk_t is not None and pv_t is not None:
        pk, pv = ctx.op(pk_t, "past_key"), ctx.op(pv_t, "past_value")
        for o, what in ((pk, "past_key"), (pv, "past_value")):
            if o.rank != 4 or [o.shape[i] for i in (0, 1, 3)] != [bsz, kv_heads, hs]:
                raise ctx.invalid(f"{what} has shape {list(o.shape)}; expected "
                                  f"[{bsz}, {kv_heads}, past, {hs}]")
        past = pk.shape[2]
    total = past + seq
    tl_t = present(inputs, 6)
    if tl_t is not None and tl_t.is_const and ctx.scalar_int(
            tl_t, "total_sequence_length") != total:
        raise ctx.fail(f"total_sequence_length {tl_t.value} is not past + seq = "
                       f"{total}: a shared past/present buffer is not supported")
    # per batch row: its valid length and the position of its first new token
    # (a first prompt, with no past, starts at 0 whatever its padding)
    lens = b.add(b.cast(b.reshape(seqlens, [bsz, 1]), "int32"),
                 ctx.scalar(1, "int32"))                        # [B, 1]
    first = (ctx.constant(np.zeros((bsz, 1), np.int32)) if not past else
             b.sub(lens, ctx.scalar(seq, "int32")))             # [B, 1]
    if int(attrs.get("do_rotary", 0)):
        cos, sin = _caches(ctx, inputs, 7, 8, dt)
        pos = b.add(first, ctx.constant(np.arange(seq, dtype=np.int32
                                                  ).reshape(1, seq)))  # [B, S]
        half = cos.shape[1]
        c = b.reshape(b.gather(cos, pos, axis=0), [bsz, 1, seq, half])
        s = b.reshape(b.gather(sin, pos, axis=0), [bsz, 1, seq, half])
        inter = bool(int(attrs.get("rotary_interleaved", 0)))
        qh = apply_rotary(ctx, qh, c, s, inter)
        kh = apply_rotary(ctx, kh, c, s, inter)
    if pk is not None and pv is not None:
        # each row's new tokens go right after its own past (first = its past
        # length, seqlens_k + 1 - seq): a gather over past ++ new, the
        # identity when every row's past is full
        t = ctx.constant(np.arange(total, dtype=np.int32).reshape(1, total))
        rel = b.sub(t, first)                                    # [B, T]
        fresh = b.logical_and(b.greater_or_equal(rel, ctx.scalar(0, "int32")),
                              b.lesser(rel, ctx.scalar(seq, "int32")))
        idx = b.where(fresh, b.add(rel, ctx.scalar(past, "int32")), t)
        idx = b.expand(b.reshape(idx, [bsz, 1, total, 1]),
                       [bsz, kv_heads, total, hs])
        kh = b.gather_elements(b.concat([pk, kh], 2), idx, axis=2)
        vh = b.gather_elements(b.concat([pv, vh], 2), idx, axis=2)
    present_k, present_v = kh, vh
    group = heads // kv_heads
    if group > 1:
        def spread(x: MLOperand) -> MLOperand:
            x5 = b.reshape(x, [bsz, kv_heads, 1, total, x.shape[3]])
            return b.reshape(b.expand(x5, [bsz, kv_heads, group, total, x.shape[3]]),
                             [bsz, heads, total, x.shape[3]])
        kh, vh = spread(kh), spread(vh)
    # key t is seen by query i (at first + i) when t <= first + i, and, with
    # a local window w, t > first + i - w; seqlens bound the valid keys
    qpos = b.add(b.reshape(first, [bsz, 1, 1, 1]), ctx.constant(
        np.arange(seq, dtype=np.int32).reshape(1, 1, seq, 1)))  # [B,1,S,1]
    kpos = ctx.constant(np.arange(total, dtype=np.int32).reshape(1, 1, 1, total))
    keep = b.logical_and(b.lesser_or_equal(kpos, qpos),
                         b.lesser(kpos, b.reshape(lens, [bsz, 1, 1, 1])))
    window = int(attrs.get("local_window_size", -1))
    if window > 0:
        keep = b.logical_and(keep, b.greater(kpos, b.sub(
            qpos, ctx.scalar(window, "int32"))))
    scale = float(attrs.get("scale", 0.0)) or 1.0 / math.sqrt(hs)
    out = _attend(ctx, qh, kh, vh, scale, keep=keep,
                  softcap=float(attrs.get("softcap", 0.0)))
    return [_merge(ctx, out), present_k, present_v]


HANDLERS = {
    "com.microsoft:RotaryEmbedding": ((1, 1, _rotary_embedding),),
    "com.microsoft:MultiHeadAttention": ((1, 1, _mha),),
    "com.microsoft:GroupQueryAttention": ((1, 1, _gqa),),
}
