"""int64 and uint64 on OpenVINO: every 64-bit value as int32 (low, high) pairs.

OpenVINO's CPU plugin runs int64 and uint64 tensors as int32 (its
``ConvertPrecision`` pass rewrites every i64/u64 node: ``2**40 + 1 + 1``
gives 2; no compile property keeps them, OpenVINO 2026.4), so a lowered graph
never holds a 64-bit OpenVINO tensor.  Instead each 64-bit IR value is an
int32 tensor of its shape plus a trailing axis of 2: the low and the high
32-bit words, the layout of a little-endian int64 array viewed as int32
(graph inputs and outputs are exactly that view of the MLTensor's memory, see
``runtime.OvTensor``).

A node that takes or makes a 64-bit value (other than the index operands and
argMin/argMax outputs, ``runtime.WIDE_KEYS``) is lowered by
``WIDE_LOWERINGS`` here, exactly:

- moves (reshape, transpose, concat, slice, split, expand, tile, reverse,
  pad, triangular, identity, gather*, scatter*, where) move pairs: the
  trailing axis is carried along;
- add, sub, neg, abs: 32-bit words with carry/borrow; mul: the low words'
  64-bit product from 16-bit limbs (int32 multiply wraps exactly in the
  plugin) plus the cross terms;
- comparisons, max, min, clamp, relu, sign: high words (signed for int64,
  unsigned for uint64), then low words unsigned, each compared by 16-bit
  halves (the plugin compares int32 in float32, ``_util.int_less``);
  reduceMax/reduceMin and argMin/argMax by four 16-bit keys in turn;
  maxPool2d as strided slices of the padded words and that maximum;
  reduceSum/L1/SumSquare by 8-bit limbs summed apart, then carried;
  reduceProduct as a tree of 64-bit multiplies;
- cast: integer <-> 64-bit by words (narrowing keeps the low bits, as the
  reference); float -> 64-bit truncates, saturates and maps NaN to 0
  (beyond the int32 range: ``floor(t / 2**32)`` and the remainder, both
  exact in float32); 64-bit -> float32 is exact within the int32 range and
  ``high * 2**32 + low`` (two roundings, at most 1 ULP off) beyond it.

div and pow leave int64/uint64 out
of the backend's ``opSupportLimits()``.

Imported only by the openvino backend package.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from webnnpy.backends.openvino.emitter import OV_TYPES, Emitter, LoweringError, ops
from webnnpy.backends.openvino.emitter import out as _out
from webnnpy.backends.openvino.lower_ops._util import (
    FLOATS,
    int_equal,
    int_less,
    wrap_small,
)
from webnnpy.ir.graph import Node, Value

__all__ = ["WIDE", "WIDE_LOWERINGS", "WIDE_OPS", "is_wide_node", "join",
           "pair_of", "split_pair", "to_pair"]

#: the 64-bit integer types
WIDE = frozenset({"int64", "uint64"})

WideLowering = Callable[[Emitter, Node], None]
WIDE_LOWERINGS: dict[str, WideLowering] = {}


def _define(*names: str) -> Callable[[WideLowering], WideLowering]:
    def deco(fn: WideLowering) -> WideLowering:
        for n in names:
            WIDE_LOWERINGS[n] = fn
        return fn
    return deco


# ------------------------------------------------------------------ pairs

def split_pair(ctx: Emitter, p: Any) -> tuple[Any, Any]:
    """(low, high) int32 words of pair tensor ``p`` (trailing axis dropped)."""
    axis = ctx.const(-1, "int64")
    lo = ops.gather(p, ctx.const(0, "int32"), axis).output(0)
    hi = ops.gather(p, ctx.const(1, "int32"), axis).output(0)
    return lo, hi


def join(ctx: Emitter, lo: Any, hi: Any) -> Any:
    """The pair tensor of words ``lo`` and ``hi`` (broadcast together)."""
    last = ctx.ints([-1])
    lo, hi = _out(lo), _out(hi)
    if lo.get_partial_shape() != hi.get_partial_shape():
        zero = ops.multiply(ops.add(lo, hi), ctx.const(0, "int32"))
        lo, hi = ops.add(lo, zero).output(0), ops.add(hi, zero).output(0)
    return ops.concat([ops.unsqueeze(lo, last), ops.unsqueeze(hi, last)],
                      -1).output(0)


def _sign_word(ctx: Emitter, x: Any) -> Any:
    """-1 where int32 ``x`` is negative, else 0 (the high word of its int64)."""
    return ops.select(ops.less(x, ctx.const(0, "int32")), ctx.const(-1, "int32"),
                      ctx.const(0, "int32")).output(0)


def to_pair(ctx: Emitter, x: Any, signed: bool = True) -> Any:
    """An int32 tensor as the pairs of its int64 value (``signed``) or of its
    bits read as uint32 (high word 0)."""
    hi = _sign_word(ctx, x) if signed else ops.multiply(
        x, ctx.const(0, "int32")).output(0)
    return join(ctx, x, hi)


def pair_of(ctx: Emitter, v: Value) -> Any:
    """The pair tensor of 64-bit IR value ``v``: a graph input's or a wide
    lowering's, a constant's words, or an argMin/argMax result (int32
    inside) widened."""
    p = ctx.pairs.get(id(v))
    if p is not None:
        return p
    if v.constant is not None:
        # (by the descriptor's shape: a scalar constant may be held 1-D)
        arr = np.ascontiguousarray(v.constant).reshape(-1)
        words = arr.view(np.int32).reshape(*v.desc.shape, 2)
        p = ctx.array(np.array(words))
    else:
        x = ctx.names.get(id(v))
        if x is None:
            raise LoweringError(f"value {v.id} ({v.desc}) is used before its "
                                f"producer was lowered")
        p = to_pair(ctx, ctx.cast(x, "int32"))
    ctx.pairs[id(v)] = p
    return p


def _operand(node: Node, arg: str) -> Value:
    v = node.operands[arg]
    if not isinstance(v, Value):
        raise LoweringError(f"{node.op}: operand {arg} is not a single value")
    return v


def _words(ctx: Emitter, node: Node, arg: str) -> tuple[Any, Any]:
    return split_pair(ctx, pair_of(ctx, _operand(node, arg)))


def _set(ctx: Emitter, node: Node, p: Any, i: int = 0) -> None:
    ctx.pairs[id(node.outputs[i])] = _out(p)


def _const_pair(ctx: Emitter, value: int, dt: str) -> tuple[Any, Any]:
    """Words of the 64-bit constant ``value`` (as type ``dt``)."""
    w = np.array([value], dtype=dt).view(np.int32)
    return ctx.const(int(w[0]), "int32"), ctx.const(int(w[1]), "int32")


def is_wide_node(node: Node, index_keys: frozenset[tuple[str, str]]) -> bool:
    """True when ``node`` takes or makes a 64-bit value other than through
    ``index_keys`` ((op, operand) pairs read as indices)."""
    for k, v in node.operands.items():
        for x in (v if isinstance(v, list) else [v]):
            if isinstance(x, Value) and x.desc.data_type in WIDE \
                    and (node.op, k) not in index_keys:
                return True
    return node.op not in ("argMin", "argMax") and any(
        o.desc.data_type in WIDE for o in node.outputs)


# ------------------------------------------------------------ arithmetic

def _bit(ctx: Emitter, cond: Any) -> Any:
    """bool -> int32 0/1."""
    return ops.select(cond, ctx.const(1, "int32"), ctx.const(0, "int32")).output(0)


def _add(ctx: Emitter, a: tuple[Any, Any], b: tuple[Any, Any]) -> tuple[Any, Any]:
    lo = ops.add(a[0], b[0]).output(0)
    carry = _bit(ctx, int_less(ctx, lo, a[0], "uint32"))
    hi = ops.add(ops.add(a[1], b[1]), carry).output(0)
    return lo, hi


def _sub(ctx: Emitter, a: tuple[Any, Any], b: tuple[Any, Any]) -> tuple[Any, Any]:
    lo = ops.subtract(a[0], b[0]).output(0)
    borrow = _bit(ctx, int_less(ctx, a[0], b[0], "uint32"))
    hi = ops.subtract(ops.subtract(a[1], b[1]), borrow).output(0)
    return lo, hi


def _neg(ctx: Emitter, a: tuple[Any, Any]) -> tuple[Any, Any]:
    zero = ctx.const(0, "int32")
    return _sub(ctx, (zero, zero), a)


def _limbs(ctx: Emitter, x: Any) -> tuple[Any, Any]:
    m = ctx.const(0xFFFF, "int32")
    return (ops.bitwise_and(x, m).output(0),
            ops.bitwise_and(ops.bitwise_right_shift(x, ctx.const(16, "int32")),
                            m).output(0))


def _shr16(ctx: Emitter, x: Any) -> Any:
    """Logical right shift by 16 of int32 bits."""
    return ops.bitwise_and(ops.bitwise_right_shift(x, ctx.const(16, "int32")),
                           ctx.const(0xFFFF, "int32")).output(0)


def _mul(ctx: Emitter, a: tuple[Any, Any], b: tuple[Any, Any]) -> tuple[Any, Any]:
    """The low 64 bits of a * b (the same words for int64 and uint64)."""
    a0, a1 = _limbs(ctx, a[0])
    b0, b1 = _limbs(ctx, b[0])
    p00, p01 = ops.multiply(a0, b0), ops.multiply(a0, b1)
    p10, p11 = ops.multiply(a1, b0), ops.multiply(a1, b1)
    m = ctx.const(0xFFFF, "int32")
    mid = ops.add(ops.add(_shr16(ctx, p00), ops.bitwise_and(p01, m)),
                  ops.bitwise_and(p10, m))
    carry_hi = ops.add(ops.add(p11, _shr16(ctx, p01)),
                       ops.add(_shr16(ctx, p10), _shr16(ctx, mid)))
    lo = ops.multiply(a[0], b[0]).output(0)
    hi = ops.add(carry_hi, ops.add(ops.multiply(a[0], b[1]),
                                   ops.multiply(a[1], b[0]))).output(0)
    return lo, hi


def _less(ctx: Emitter, a: tuple[Any, Any], b: tuple[Any, Any], dt: str) -> Any:
    """a < b (bool), exact."""
    hi_type = "int32" if dt == "int64" else "uint32"
    return ops.logical_or(
        int_less(ctx, a[1], b[1], hi_type),
        ops.logical_and(int_equal(ctx, a[1], b[1], "int32"),
                        int_less(ctx, a[0], b[0], "uint32"))).output(0)


def _equal(ctx: Emitter, a: tuple[Any, Any], b: tuple[Any, Any]) -> Any:
    return ops.logical_and(int_equal(ctx, a[0], b[0], "int32"),
                           int_equal(ctx, a[1], b[1], "int32")).output(0)


def _select(cond: Any, a: tuple[Any, Any], b: tuple[Any, Any]) -> tuple[Any, Any]:
    return (ops.select(cond, a[0], b[0]).output(0),
            ops.select(cond, a[1], b[1]).output(0))


def _dt(node: Node, arg: str) -> str:
    return _operand(node, arg).desc.data_type


@_define("add", "sub", "mul", "max", "min")
def _binary(ctx: Emitter, node: Node) -> None:
    a, b = _words(ctx, node, "a"), _words(ctx, node, "b")
    if node.op == "add":
        r = _add(ctx, a, b)
    elif node.op == "sub":
        r = _sub(ctx, a, b)
    elif node.op == "mul":
        r = _mul(ctx, a, b)
    else:
        a_less = _less(ctx, a, b, _dt(node, "a"))
        r = _select(a_less, b, a) if node.op == "max" else _select(a_less, a, b)
    _set(ctx, node, join(ctx, *r))


_COMPARE = ("equal", "notEqual", "greater", "greaterOrEqual", "lesser",
            "lesserOrEqual")


@_define(*_COMPARE)
def _compare(ctx: Emitter, node: Node) -> None:
    a, b = _words(ctx, node, "a"), _words(ctx, node, "b")
    dt, op = _dt(node, "a"), node.op
    if op in ("equal", "notEqual"):
        r = _equal(ctx, a, b)
        if op == "notEqual":
            r = ops.logical_not(r).output(0)
    else:
        lt = _less(ctx, *((b, a) if op in ("greater", "lesserOrEqual") else (a, b)),
                   dt)
        r = ops.logical_not(lt).output(0) if op in (
            "greaterOrEqual", "lesserOrEqual") else lt
    ctx.set(node, ctx.cast(r, "uint8"))


@_define("neg", "abs", "sign", "relu", "identity")
def _unary(ctx: Emitter, node: Node) -> None:
    x = _words(ctx, node, "input")
    dt = _dt(node, "input")
    zero = ctx.const(0, "int32")
    negative = ops.less(x[1], zero).output(0) if dt == "int64" else None
    if node.op == "identity":
        r = x
    elif node.op == "neg":
        r = _neg(ctx, x)
    elif negative is None:  # uint64: abs and relu keep it, sign is 0 or 1
        if node.op == "sign":
            nz = ops.logical_not(_equal(ctx, x, (zero, zero)))
            r = (_bit(ctx, nz), ops.multiply(x[1], zero).output(0))
        else:
            r = x
    elif node.op == "abs":
        r = _select(negative, _neg(ctx, x), x)
    elif node.op == "relu":
        r = _select(negative, (zero, zero), x)
    else:  # sign
        m1 = ctx.const(-1, "int32")
        nz = ops.logical_not(_equal(ctx, x, (zero, zero)))
        lo = ops.select(negative, m1, _bit(ctx, nz)).output(0)
        r = (lo, ops.select(negative, m1, zero).output(0))
    _set(ctx, node, join(ctx, *r))


@_define("clamp")
def _clamp(ctx: Emitter, node: Node) -> None:
    x = _words(ctx, node, "input")
    dt = _dt(node, "input")
    lo = _const_pair(ctx, int(node.attrs["minValue"]), dt)
    hi = _const_pair(ctx, int(node.attrs["maxValue"]), dt)
    y = _select(_less(ctx, x, lo, dt), lo, x)
    y = _select(_less(ctx, hi, y, dt), hi, y)
    _set(ctx, node, join(ctx, *y))


@_define("prelu")
def _prelu(ctx: Emitter, node: Node) -> None:
    x = _words(ctx, node, "input")
    s = _words(ctx, node, "slope")
    negative = ops.less(x[1], ctx.const(0, "int32"))
    _set(ctx, node, join(ctx, *_select(negative, _mul(ctx, x, s), x)))


@_define("where")
def _where(ctx: Emitter, node: Node) -> None:
    cond = ops.not_equal(ctx.input(node, "condition"), ctx.const(0, "uint8"))
    t = _words(ctx, node, "trueValue")
    f = _words(ctx, node, "falseValue")
    _set(ctx, node, join(ctx, *_select(cond, t, f)))


def _tied_extreme(ctx: Emitter, lo: Any, hi: Any, dt: str, ax: Any,
                  largest: bool) -> tuple[list[Any], Any]:
    """The extreme over axes ``ax`` (kept) by four 16-bit keys, most
    significant first (the high word's top half signed for int64): each
    key's extreme among the elements still tied on the keys before it
    (16-bit keys compare and reduce exactly in the plugin's float32).
    Returns the four extreme keys and the mask of the elements equal to the
    extreme."""
    sixteen = ctx.const(16, "int32")
    m16 = ctx.const(0xFFFF, "int32")
    top = ops.bitwise_right_shift(hi, sixteen).output(0)
    if dt == "uint64":
        top = ops.bitwise_and(top, m16).output(0)
    keys = [top, ops.bitwise_and(hi, m16).output(0), _shr16(ctx, lo),
            ops.bitwise_and(lo, m16).output(0)]
    fn = ops.reduce_max if largest else ops.reduce_min
    # an element out of the race gets a key no candidate beats
    out = ctx.const(-(2**16) if largest else 2**16, "int32")
    tied: Any = None
    best = []
    for k in keys:
        cand = k if tied is None else ops.select(tied, k, out).output(0)
        m = fn(cand, ax, True).output(0)
        best.append(m)
        hit = ops.equal(cand, m).output(0)
        tied = hit if tied is None else ops.logical_and(tied, hit).output(0)
    return best, tied


@_define("reduceMax", "reduceMin")
def _reduce_extreme(ctx: Emitter, node: Node) -> None:
    lo, hi = _words(ctx, node, "input")
    axes = list(node.attrs["axes"])
    keep = bool(node.attrs["keepDimensions"])
    if not axes:
        _set(ctx, node, pair_of(ctx, _operand(node, "input")))
        return
    ax = ctx.ints(axes)
    best, _ = _tied_extreme(ctx, lo, hi, _dt(node, "input"), ax,
                            node.op == "reduceMax")
    sixteen = ctx.const(16, "int32")
    rhi = ops.bitwise_or(ops.bitwise_left_shift(best[0], sixteen), best[1])
    rlo = ops.bitwise_or(ops.bitwise_left_shift(best[2], sixteen), best[3])
    if not keep:
        rhi, rlo = ops.squeeze(rhi, ax), ops.squeeze(rlo, ax)
    _set(ctx, node, join(ctx, rlo, rhi))


#: reductions summing 8-bit limbs in int32 stay exact up to this many
#: elements (255 * n < 2**31)
SUM_LIMIT = 2**23


def _slice_axis(ctx: Emitter, x: Any, axis: int, start: int, end: int) -> Any:
    return ops.slice(x, ctx.ints([start]), ctx.ints([end]), ctx.ints([1]),
                     ctx.ints([axis])).output(0)


@_define("reduceSum", "reduceL1", "reduceSumSquare", "reduceProduct")
def _reduce_sum(ctx: Emitter, node: Node) -> None:
    """Sums: the eight 8-bit limbs of the words summed apart (int32, exact
    below SUM_LIMIT elements), then shifted into place and added with
    carries, modulo 2**64 as the spec's wrap.  Products: a pairwise tree of
    64-bit multiplies."""
    from webnnpy.backends.openvino.lower_ops.reduction import _int_reduce

    v = _operand(node, "input")
    dt, shape = v.desc.data_type, list(v.desc.shape)
    axes = list(node.attrs["axes"])
    keep = bool(node.attrs["keepDimensions"])
    x = split_pair(ctx, pair_of(ctx, v))
    if node.op == "reduceL1" and dt == "int64":
        negative = ops.less(x[1], ctx.const(0, "int32"))
        x = _select(negative, _neg(ctx, x), x)
    elif node.op == "reduceSumSquare":
        x = _mul(ctx, x, x)
    if not axes:
        _set(ctx, node, join(ctx, *x))
        return
    out_shape = [1 if i in axes else d for i, d in enumerate(shape)] if keep \
        else [d for i, d in enumerate(shape) if i not in axes]
    target = ctx.ints(out_shape)
    if node.op == "reduceProduct":
        for a in axes:
            k = shape[a]
            while k > 1:
                h = k // 2
                m = _mul(ctx, tuple(_slice_axis(ctx, w, a, 0, h) for w in x),  # type: ignore[arg-type]
                         tuple(_slice_axis(ctx, w, a, h, 2 * h) for w in x))  # type: ignore[arg-type]
                if k % 2:
                    m = tuple(ops.concat([mw, _slice_axis(ctx, w, a, 2 * h, k)], a)
                              .output(0) for mw, w in zip(m, x, strict=True))  # type: ignore[assignment]
                x, k = m, h + k % 2
        lo, hi = (ops.reshape(w, target, False).output(0) for w in x)
        _set(ctx, node, join(ctx, lo, hi))
        return
    n = 1
    for a in axes:
        n *= shape[a]
    if n >= SUM_LIMIT:
        raise LoweringError(f"{node.op} of {dt} over {n} elements (at most "
                            f"{SUM_LIMIT - 1} on OpenVINO)")
    total = _limb_total(ctx, x, lambda limb: _int_reduce(
        ctx, "reduceSum", limb, "int32", shape, axes, keep))
    _set(ctx, node, join(ctx, *total))


@_define("cumulativeSum")
def _cumulative_sum(ctx: Emitter, node: Node) -> None:
    """CumSum of each 8-bit limb apart (int32, exact below SUM_LIMIT
    elements along the axis), shifted into place and added with carries."""
    v = _operand(node, "input")
    axis = int(node.attrs["axis"])
    n = v.desc.shape[axis] if v.desc.shape else 1
    if n >= SUM_LIMIT:
        raise LoweringError(f"cumulativeSum of {v.desc.data_type} over {n} "
                            f"elements (at most {SUM_LIMIT - 1} on OpenVINO)")
    words = split_pair(ctx, pair_of(ctx, v))

    def limb_sum(limb: Any) -> Any:
        return ops.cumsum(limb, ctx.const(axis, "int64"),
                          exclusive=bool(node.attrs["exclusive"]),
                          reverse=bool(node.attrs["reversed"])).output(0)

    _set(ctx, node, join(ctx, *_limb_total(ctx, words, limb_sum)))


def _limb_total(ctx: Emitter, words: tuple[Any, Any],
                limb_sum: Callable[[Any], Any]) -> tuple[Any, Any]:
    """sum over k of limb_sum(8-bit limb k) * 2**(8k) in 64-bit words."""
    ff = ctx.const(0xFF, "int32")
    total: tuple[Any, Any] | None = None
    for word_index, word in enumerate(words):
        for byte in range(4):
            shifted = ops.bitwise_right_shift(word, ctx.const(8 * byte, "int32")) \
                if byte else word
            sk = limb_sum(ops.bitwise_and(shifted, ff).output(0))
            sft = 32 * word_index + 8 * byte  # the limb's place in the 64 bits
            zero = ops.multiply(sk, ctx.const(0, "int32")).output(0)
            if sft == 0:
                part = (sk, zero)
            elif sft < 32:
                part = (ops.bitwise_left_shift(sk, ctx.const(sft, "int32")).output(0),
                        ops.bitwise_right_shift(sk, ctx.const(32 - sft, "int32"))
                        .output(0))
            else:
                part = (zero, ops.bitwise_left_shift(
                    sk, ctx.const(sft - 32, "int32")).output(0))
            total = part if total is None else _add(ctx, total, part)
    assert total is not None
    return total


@_define("argMin", "argMax")
def _arg_extreme(ctx: Emitter, node: Node) -> None:
    """The first position of the extreme along the axis (its int64 result is
    int32 inside, as for the other argMin/argMax)."""
    shape = _operand(node, "input").desc.shape
    if not shape:
        ctx.set(node, ctx.const(0, "int32"))
        return
    lo, hi = _words(ctx, node, "input")
    axis = int(node.attrs["axis"])
    ax = ctx.ints([axis])
    _, tied = _tied_extreme(ctx, lo, hi, _dt(node, "input"), ax,
                            node.op == "argMax")
    n = shape[axis]
    pos_shape = [1] * len(shape)
    pos_shape[axis] = n
    pos = ctx.const(np.arange(n, dtype=np.int32).reshape(pos_shape), "int32")
    cand = ops.select(tied, pos, ctx.const(n, "int32"))
    ctx.set(node, ops.reduce_min(cand, ax, bool(node.attrs["keepDimensions"])))


@_define("maxPool2d")
def _max_pool(ctx: Emitter, node: Node) -> None:
    """One strided slice of the padded words per window position, combined by
    the exact 64-bit maximum (padding: the type's lowest value)."""
    from webnnpy.ir.ops.conv_pool import pool_padding_for_output

    a = node.attrs
    dt = _dt(node, "input")
    nhwc = a["layout"] == "nhwc"
    shape = _operand(node, "input").desc.shape
    h, w = (shape[1], shape[2]) if nhwc else (shape[2], shape[3])
    kh, kw = a["windowDimensions"]
    (sh, sw), (dh, dw) = a["strides"], a["dilations"]
    oh, ow = a["outputSizes"]
    pt, pb, pl, pr = pool_padding_for_output(a, h, w)
    pb = min(pb, max(0, (oh - 1) * sh + (kh - 1) * dh + 1 - (h + pt)))
    pr = min(pr, max(0, (ow - 1) * sw + (kw - 1) * dw + 1 - (w + pl)))
    p = _pairs(ctx, node, "input")
    if nhwc:
        p = ops.transpose(p, ctx.ints([0, 3, 1, 2, 4])).output(0)
    lo, hi = split_pair(ctx, p)
    fill_lo, fill_hi = _const_pair(ctx, int(np.iinfo(dt).min), dt)
    words = []
    for word, fill in ((lo, fill_lo), (hi, fill_hi)):
        words.append(ops.pad(word, ctx.ints([0, 0, pt, pl]), ctx.ints([0, 0, pb, pr]),
                             "constant", fill).output(0))
    acc: tuple[Any, Any] | None = None
    for i in range(kh):
        for j in range(kw):
            t = tuple(ops.slice(x, ctx.ints([i * dh, j * dw]),
                                ctx.ints([i * dh + (oh - 1) * sh + 1,
                                          j * dw + (ow - 1) * sw + 1]),
                                ctx.ints([sh, sw]), ctx.ints([2, 3])).output(0)
                      for x in words)
            acc = t if acc is None else _select(_less(ctx, acc, t, dt), t, acc)  # type: ignore[arg-type]
    assert acc is not None
    y = join(ctx, *acc)
    if nhwc:
        y = ops.transpose(y, ctx.ints([0, 2, 3, 1, 4])).output(0)
    _set(ctx, node, y)


# ------------------------------------------------------------------ cast

def _float_to_pair(ctx: Emitter, x: Any, dst: str) -> Any:
    """Truncate toward zero, saturate, NaN -> 0 (the reference's cast)."""
    f = "float32"
    x = ctx.cast(x, f)
    x = ops.select(ops.is_nan(x), ctx.const(0.0, f), x).output(0)
    t = ops.multiply(ops.floor(ops.abs(x)), ops.sign(x)).output(0)
    if dst == "uint64":
        t = ops.maximum(t, ctx.const(0.0, f)).output(0)
    # within (-2**31, 2**31): the int32 conversion, sign-extended
    small_t = ops.minimum(ops.maximum(t, ctx.const(-(2.0**31), f)),
                          ctx.const(2.0**31 - 128, f))
    small = ctx.cast(small_t, "int32")
    small_hi = _sign_word(ctx, small)
    # beyond: high = floor(t / 2**32), low = t - high * 2**32 in [0, 2**32),
    # both exact (t is a multiple of 2**8 there)
    hi_f = ops.floor(ops.multiply(t, ctx.const(2.0**-32, f))).output(0)
    lo_f = ops.subtract(t, ops.multiply(hi_f, ctx.const(2.0**32, f))).output(0)

    def bits(v: Any) -> Any:  # [0, 2**32) (or [-2**31, 2**31)) -> int32 bits
        big = ops.greater_equal(v, ctx.const(2.0**31, f))
        v = ops.select(big, ops.subtract(v, ctx.const(2.0**32, f)), v)
        return ctx.cast(ops.minimum(ops.maximum(v, ctx.const(-(2.0**31), f)),
                                    ctx.const(2.0**31 - 128, f)), "int32")

    lo_big, hi_big = bits(lo_f), bits(hi_f)
    fits = ops.logical_and(ops.greater_equal(t, ctx.const(-(2.0**31), f)),
                           ops.less(t, ctx.const(2.0**31, f)))
    lo = ops.select(fits, small, lo_big).output(0)
    hi = ops.select(fits, small_hi, hi_big).output(0)
    top = 2.0**64 if dst == "uint64" else 2.0**63
    over = ops.greater_equal(t, ctx.const(top, f))
    max_lo, max_hi = _const_pair(ctx, 2**64 - 1 if dst == "uint64" else 2**63 - 1,
                                 dst)
    lo = ops.select(over, max_lo, lo).output(0)
    hi = ops.select(over, max_hi, hi).output(0)
    if dst == "int64":
        under = ops.less(t, ctx.const(-(2.0**63), f))
        lo = ops.select(under, ctx.const(0, "int32"), lo).output(0)
        hi = ops.select(under, ctx.const(-(2**31), "int32"), hi).output(0)
    return join(ctx, lo, hi)


def _unsigned_word_float(ctx: Emitter, w: Any) -> Any:
    """int32 bits read as uint32, in float32 (one rounding)."""
    f = "float32"
    hi16 = ops.convert(_shr16(ctx, w), OV_TYPES[f])
    lo16 = ops.convert(ops.bitwise_and(w, ctx.const(0xFFFF, "int32")), OV_TYPES[f])
    return ops.add(ops.multiply(hi16, ctx.const(65536.0, f)), lo16).output(0)


def _pair_to_float(ctx: Emitter, w: tuple[Any, Any], src: str, dst: str) -> Any:
    f = "float32"
    lo, hi = w
    if src == "int64":
        fits = int_equal(ctx, hi, _sign_word(ctx, lo), "int32")
        hi_f = ctx.cast(hi, f)
    else:
        fits = ops.logical_and(ops.equal(hi, ctx.const(0, "int32")),
                               ops.greater_equal(lo, ctx.const(0, "int32")))
        hi_f = _unsigned_word_float(ctx, hi)
    near = ctx.cast(lo, f)
    far = ops.add(ops.multiply(hi_f, ctx.const(2.0**32, f)),
                  _unsigned_word_float(ctx, lo))
    return ctx.cast(ops.select(fits, near, far), dst)


@_define("cast")
def _cast(ctx: Emitter, node: Node) -> None:
    src, dst = _dt(node, "input"), node.attrs["dataType"]
    v = _operand(node, "input")
    if src in WIDE and dst in WIDE:
        _set(ctx, node, pair_of(ctx, v))
    elif src in WIDE:
        lo, hi = split_pair(ctx, pair_of(ctx, v))
        if dst in FLOATS:
            ctx.set(node, _pair_to_float(ctx, (lo, hi), src, dst))
        elif dst in ("int8", "uint8"):
            ctx.set(node, wrap_small(ctx, lo, dst))
        elif dst in ("int4", "uint4"):  # the low 4 bits (int4: sign-extended)
            v = ops.bitwise_and(lo, ctx.const(0xF, "int32")).output(0)
            if dst == "int4":
                v = ops.subtract(ops.bitwise_xor(v, ctx.const(8, "int32")),
                                 ctx.const(8, "int32")).output(0)
            ctx.set(node, v)
        else:  # int32/uint32: the low word's bits
            ctx.set(node, ctx.cast(lo, dst) if dst == "int32" else lo)
    else:
        x = ctx.input(node, "input")
        if src in FLOATS:
            _set(ctx, node, _float_to_pair(ctx, x, dst))
        else:  # int8/uint8/int32 sign-extend; uint32 (int32 bits) zero-extends
            _set(ctx, node, to_pair(ctx, ctx.cast(x, "int32"),
                                    signed=src != "uint32"))


# ----------------------------------------------------------------- moves

def _pairs(ctx: Emitter, node: Node, arg: str) -> Any:
    return pair_of(ctx, _operand(node, arg))


def _rank(node: Node, arg: str = "input") -> int:
    return len(_operand(node, arg).desc.shape)


@_define("reshape", "expand")
def _reshape(ctx: Emitter, node: Node) -> None:
    p = _pairs(ctx, node, "input")
    shape = ctx.ints([*node.attrs["newShape"], 2])
    _set(ctx, node, ops.reshape(p, shape, False) if node.op == "reshape"
         else ops.broadcast(p, shape))


@_define("transpose")
def _transpose(ctx: Emitter, node: Node) -> None:
    n = _rank(node)
    _set(ctx, node, ops.transpose(_pairs(ctx, node, "input"),
                                  ctx.ints([*node.attrs["permutation"], n])))


@_define("concat")
def _concat(ctx: Emitter, node: Node) -> None:
    vs = node.operands["inputs"]
    assert isinstance(vs, list)
    ps = [pair_of(ctx, v) for v in vs]
    _set(ctx, node, ps[0] if len(ps) == 1 else ops.concat(ps, int(node.attrs["axis"])))


@_define("slice")
def _slice(ctx: Emitter, node: Node) -> None:
    p = _pairs(ctx, node, "input")
    a = node.attrs
    if not _rank(node):
        _set(ctx, node, p)
        return
    starts, sizes, strides = a["starts"], a["sizes"], a["strides"]
    ends = [s + n for s, n in zip(starts, sizes, strict=True)]
    _set(ctx, node, ops.slice(p, ctx.ints(starts), ctx.ints(ends), ctx.ints(strides),
                              ctx.ints(list(range(len(starts))))))


@_define("split")
def _split(ctx: Emitter, node: Node) -> None:
    s = ops.variadic_split(_pairs(ctx, node, "input"),
                           ctx.const(node.attrs["axis"], "int64"),
                           ctx.ints(node.attrs["splits"]))
    for i in range(len(node.outputs)):
        _set(ctx, node, s.output(i), i)


@_define("tile")
def _tile(ctx: Emitter, node: Node) -> None:
    _set(ctx, node, ops.tile(_pairs(ctx, node, "input"),
                             ctx.ints([*node.attrs["repetitions"], 1])))


@_define("reverse")
def _reverse(ctx: Emitter, node: Node) -> None:
    p = _pairs(ctx, node, "input")
    axes = list(node.attrs["axes"])
    if axes:
        n = len(axes)
        p = ops.slice(p, ctx.ints([-1] * n), ctx.ints([-(2**63)] * n),
                      ctx.ints([-1] * n), ctx.ints(axes))
    _set(ctx, node, p)


_PAD_MODES = {"constant": "constant", "edge": "edge", "reflection": "reflect"}


@_define("pad")
def _pad(ctx: Emitter, node: Node) -> None:
    p = _pairs(ctx, node, "input")
    a = node.attrs
    begin, end = list(a["beginningPadding"]), list(a["endingPadding"])
    shape = _operand(node, "input").desc.shape
    if not shape or not any(begin + end):
        _set(ctx, node, p)
        return
    padded = ops.pad(p, ctx.ints([*begin, 0]), ctx.ints([*end, 0]),
                     _PAD_MODES[a["mode"]],
                     ctx.const(0, "int32") if a["mode"] == "constant" else None)
    if a["mode"] == "constant":
        dt = _dt(node, "input")
        info = np.iinfo(dt)
        v = a["value"]
        v = min(max(int(v), int(info.min)), int(info.max)) if np.isfinite(v) else 0
        inside = np.zeros((*node.outputs[0].desc.shape, 1), bool)
        inside[tuple(slice(b, b + n) for b, n in zip(begin, shape, strict=True))] = True
        fill = np.array([v], dtype=dt).view(np.int32)
        padded = ops.select(ctx.const(inside, "bool"), padded,
                            ctx.const(fill, "int32", (2,)))
    _set(ctx, node, padded)


@_define("triangular")
def _triangular(ctx: Emitter, node: Node) -> None:
    p = _pairs(ctx, node, "input")
    upper, diagonal = node.attrs["upper"], node.attrs["diagonal"]
    rows, cols = node.outputs[0].desc.shape[-2:]
    offset = np.arange(cols)[None, :] - np.arange(rows)[:, None]
    keep = offset >= diagonal if upper else offset <= diagonal
    _set(ctx, node, ops.select(ctx.const(keep[..., None], "bool"), p,
                               ctx.const(0, "int32")))


def _indices(ctx: Emitter, node: Node, dims: list[int]) -> Any:
    from webnnpy.backends.openvino.lower_ops.gather_scatter import _clamped
    return _clamped(ctx, node, dims)


def _doubled(ctx: Emitter, idx: Any) -> Any:
    """Element indices repeated for both words (trailing axis of 2)."""
    last = ctx.ints([-1])
    u = ops.unsqueeze(idx, last)
    return ops.concat([u, u], -1).output(0)


@_define("gather")
def _gather(ctx: Emitter, node: Node) -> None:
    axis = node.attrs["axis"]
    dim = _operand(node, "input").desc.shape[axis]
    _set(ctx, node, ops.gather(_pairs(ctx, node, "input"), _indices(ctx, node, [dim]),
                               ctx.const(axis, "int64")))


@_define("gatherND")
def _gather_nd(ctx: Emitter, node: Node) -> None:
    shape = _operand(node, "input").desc.shape
    k = _operand(node, "indices").desc.shape[-1]
    _set(ctx, node, ops.gather_nd(_pairs(ctx, node, "input"),
                                  _indices(ctx, node, list(shape[:k]))))


@_define("scatterND")
def _scatter_nd(ctx: Emitter, node: Node) -> None:
    shape = _operand(node, "input").desc.shape
    k = _operand(node, "indices").desc.shape[-1]
    _set(ctx, node, ops.scatter_nd_update(
        _pairs(ctx, node, "input"), _indices(ctx, node, list(shape[:k])),
        _pairs(ctx, node, "updates")))


@_define("gatherElements")
def _gather_elements(ctx: Emitter, node: Node) -> None:
    axis = node.attrs["axis"]
    dim = _operand(node, "input").desc.shape[axis]
    idx = _doubled(ctx, _indices(ctx, node, [dim]))
    _set(ctx, node, ops.gather_elements(_pairs(ctx, node, "input"), idx, axis))


@_define("scatterElements")
def _scatter_elements(ctx: Emitter, node: Node) -> None:
    axis = node.attrs["axis"]
    dim = _operand(node, "input").desc.shape[axis]
    idx = _doubled(ctx, _indices(ctx, node, [dim]))
    _set(ctx, node, ops.scatter_elements_update(
        _pairs(ctx, node, "input"), idx, _pairs(ctx, node, "updates"),
        ctx.const(axis, "int64"), "none"))


#: operators lowered here for int64 and uint64 on every operand
WIDE_OPS = frozenset(WIDE_LOWERINGS)
