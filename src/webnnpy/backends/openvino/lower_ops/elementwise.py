"""OpenVINO lowerings of the element-wise family (binary arithmetic,
comparisons, logical ops, isNaN/isInfinite, unary math).

Where the CPU plugin differs from the reference semantics:

- int8/uint8 add, sub, mul, div, pow, abs, neg saturate in the CPU plugin;
  WebNN wraps: they compute in int32 and keep the low 8 bits
  (``_util.wrap_small``).
- integer ``div`` truncates toward zero (OpenVINO's Divide floors integers
  unless ``m_pythondiv`` is off, which it is here); division by zero gives 0
  and ``MIN / -1`` wraps to ``MIN`` (the CPU would trap): both divisors are
  replaced by 1 and the results patched.
- integer ``pow`` is square-and-multiply in int32 (wrapping); negative
  exponents truncate toward zero (only ``|a| == 1`` survives).
- comparisons and logical ops produce boolean, converted to WebNN's uint8 0/1.
- reciprocal is ``1 / x``; roundEven is Round "half_to_even".
"""

from __future__ import annotations

from typing import Any

import numpy as np

from webnnpy.backends.openvino.emitter import Emitter, ops
from webnnpy.backends.openvino.lower_ops._table import Exclude, LoweringTable
from webnnpy.backends.openvino.lower_ops._util import (
    FLOATS,
    SIGNED,
    WIDE_INTS,
    const_data,
    dtype_of,
    int_equal,
    int_less,
    keep_nan,
    where,
    wrap_small,
)
from webnnpy.ir.graph import Node

__all__ = ["EXCLUDE", "LOWERINGS"]

LOWERINGS = LoweringTable()
#: the CPU plugin divides uint32 as int32 (2**31 and more read negative)
EXCLUDE: Exclude = {op: {"a": {"uint32"}, "b": {"uint32"}, "output": {"uint32"}}
                    for op in ("div", "pow")}

_SMALL = ("int8", "uint8")
_BINARY = {"add": ops.add, "sub": ops.subtract, "mul": ops.multiply,
           "max": ops.maximum, "min": ops.minimum}


def _sigmoid_of(v: object, x: object) -> bool:
    """Whether IR value ``v`` is ``sigmoid(x)``."""
    p = getattr(v, "producer", None)
    return p is not None and p.op == "sigmoid" and p.operands.get("input") is x


@LOWERINGS.define(*_BINARY)
def _binary(ctx: Emitter, node: Node) -> None:
    dt = dtype_of(node, "a")
    if node.op == "mul" and dt in FLOATS:
        va, vb = node.operands["a"], node.operands["b"]
        x = va if _sigmoid_of(vb, va) else vb if _sigmoid_of(va, vb) else None
        if x is not None and va.desc.shape == vb.desc.shape:  # type: ignore[union-attr]
            # x * sigmoid(x) (SiLU) is OpenVINO's Swish, which the plugin
            # fuses into a preceding convolution (EfficientNet-B0: 65 kernels
            # fewer, as native OpenVINO); it flushes results for x < -86.6
            # (|x * sigmoid(x)| < 1.5e-36) to -0 (docs/differences.md); NaN
            # and -inf give NaN, as the formula
            ctx.set(node, ops.swish(ctx.value(x)))  # type: ignore[arg-type]
            return
    a, b = ctx.input(node, "a"), ctx.input(node, "b")
    fn = _BINARY[node.op]
    if dt in WIDE_INTS and node.op in ("max", "min"):
        a_less = int_less(ctx, a, b, dt)
        pick = (b, a) if node.op == "max" else (a, b)
        ctx.set(node, where(ctx, a_less, *pick))
        return
    if dt in FLOATS and node.op in ("max", "min"):
        # NaN wins, as in the reference (the plugin returns the other operand)
        ctx.set(node, keep_nan(ctx, a, keep_nan(ctx, b, fn(a, b))))
        return
    if dt in _SMALL and node.op in ("add", "sub", "mul"):
        r = fn(ctx.cast(a, "int32"), ctx.cast(b, "int32"))
        ctx.set(node, wrap_small(ctx, r, dt))
        return
    ctx.set(node, fn(a, b))


def _int_divide(a: Any, b: Any) -> Any:
    d = ops.divide(a, b)
    d.set_attribute("m_pythondiv", False)
    return d.output(0)


def _exact_int32_quotient(ctx: Emitter, a: Any, b: Any, q0: Any) -> Any:
    """``a / b`` truncated, exact, from the CPU plugin's int32 quotient
    ``q0``: the plugin divides int32 in float32 (-2**31 / -3 gave 715827904,
    not 715827882), off by up to about 2**8.  The remainder ``a - q0 * b``
    (int32 multiply and subtract are exact, wrapping) divided again gives a
    quotient at most 1 off; its remainder's sign then says which way (sign
    tests against 0 are exact in float32).  ``b`` is never 0 or -1 here."""
    zero = ctx.const(0, "int32")
    r0 = ops.subtract(a, ops.multiply(q0, b))
    q1 = ops.add(q0, _int_divide(r0.output(0), b))
    r1 = ops.subtract(a, ops.multiply(q1, b))
    a_neg = ops.less(a, zero)
    # s = sign(a) * sign(b) (the quotient's direction), as +-1
    s = where(ctx, ops.not_equal(a_neg, ops.less(b, zero)), ctx.const(-1, "int32"),
              ctx.const(1, "int32"))
    wrong_sign = ops.logical_and(ops.not_equal(r1, zero),
                                 ops.not_equal(ops.less(r1, zero), a_neg))
    # |r1| >= |b| (r1 nonzero, of a's sign): r1 - s * b is still of a's sign,
    # or 0 (r1 = 0 is exact: 0 - -2**31 would wrap)
    r2 = ops.subtract(r1, ops.multiply(s, b))
    too_small = ops.logical_and(
        ops.logical_and(ops.logical_not(wrong_sign), ops.not_equal(r1, zero)),
        ops.logical_or(ops.equal(r2, zero), ops.equal(ops.less(r2, zero), a_neg)))
    q = where(ctx, wrong_sign, ops.subtract(q1, s), q1)
    return where(ctx, too_small, ops.add(q, s), q)


@LOWERINGS.define("div")
def _div(ctx: Emitter, node: Node) -> None:
    a, b = ctx.input(node, "a"), ctx.input(node, "b")
    dt = dtype_of(node, "a")
    if dt in FLOATS:
        ctx.set(node, ops.divide(a, b))
        return
    work = "int32" if dt in _SMALL else dt
    a, b = ctx.cast(a, work), ctx.cast(b, work)
    known = const_data(node, "b")
    zero = known is None or bool((known == 0).any())
    minus_one = work in SIGNED and (known is None or bool((known == -1).any()))
    one = ctx.const(1, work)
    bad = None
    is_zero = ops.equal(b, ctx.const(0, work)).output(0) if zero else None
    is_m1 = ops.equal(b, ctx.const(-1, work)).output(0) if minus_one else None
    for m in (is_zero, is_m1):
        if m is not None:
            bad = m if bad is None else ops.logical_or(bad, m).output(0)
    d = where(ctx, bad, one, b) if bad is not None else b
    q = _int_divide(a, d)
    if work == "int32":
        q = _exact_int32_quotient(ctx, a, d, q)
    if is_m1 is not None:
        q = where(ctx, is_m1, ops.negative(a), q)
    if is_zero is not None:
        q = where(ctx, is_zero, ctx.const(0, work), q)
    ctx.set(node, wrap_small(ctx, q, dt) if work != dt else q)


def _int_pow(ctx: Emitter, node: Node) -> None:
    dt = dtype_of(node, "a")
    work = "int32" if dt in _SMALL else dt
    a = ctx.cast(ctx.input(node, "a"), work)
    b = ctx.cast(ctx.input(node, "b"), work)
    bits = np.dtype(dt).itemsize * 8
    signed = dt in SIGNED
    known = const_data(node, "b")
    zero, one = ctx.const(0, work), ctx.const(1, work)
    neg = None
    e = b
    if signed and (known is None or bool((known < 0).any())):
        neg = ops.less(b, zero).output(0)
        e = where(ctx, neg, zero, b)
    if known is not None:
        top = int(np.max(known)) if known.size else 0
        n_bits = max(top, 0).bit_length()
    else:
        n_bits = bits - 1 if signed else bits
    shape = list(node.outputs[0].desc.shape)
    result = ops.broadcast(one, ctx.ints(shape)).output(0)
    base = a
    for k in range(n_bits):
        if work == "int32":
            # factor = bit ? base : 1 as 1 + bit * (base - 1): integer
            # arithmetic only (a Select fused into the Multiply chain made the
            # plugin run it in float32: (-3)**31 came out 43 off)
            bit = ops.bitwise_and(ops.bitwise_right_shift(e, ctx.const(k, work)),
                                  one)
            factor = ops.add(ops.multiply(bit, ops.subtract(base, one)), one)
            result = ops.multiply(result, factor).output(0)
        else:
            mask = ctx.const(np.array(1 << k).astype(work), work)
            bit_set = ops.not_equal(ops.bitwise_and(e, mask), zero)
            result = where(ctx, bit_set, ops.multiply(result, base), result)
        if k + 1 < n_bits:
            base = ops.multiply(base, base).output(0)
    if neg is not None:
        odd = ops.not_equal(ops.bitwise_and(b, one), zero)
        m1 = ctx.const(-1, work)
        at_m1 = where(ctx, odd, m1, one)
        neg_val = where(ctx, ops.equal(a, one), one,
                        where(ctx, ops.equal(a, m1), at_m1, zero))
        result = where(ctx, neg, neg_val, result)
    ctx.set(node, wrap_small(ctx, result, dt) if work != dt else result)


@LOWERINGS.define("pow")
def _pow(ctx: Emitter, node: Node) -> None:
    if dtype_of(node, "a") in FLOATS:
        ctx.set(node, ops.power(ctx.input(node, "a"), ctx.input(node, "b")))
    else:
        _int_pow(ctx, node)


_COMPARE = {"equal": ops.equal, "notEqual": ops.not_equal, "greater": ops.greater,
            "greaterOrEqual": ops.greater_equal, "lesser": ops.less,
            "lesserOrEqual": ops.less_equal}


@LOWERINGS.define(*_COMPARE)
def _compare(ctx: Emitter, node: Node) -> None:
    a, b = ctx.input(node, "a"), ctx.input(node, "b")
    dt = dtype_of(node, "a")
    if dt in WIDE_INTS:
        op = node.op
        if op in ("equal", "notEqual"):
            r = int_equal(ctx, a, b, dt)
            if op == "notEqual":
                r = ops.logical_not(r).output(0)
        else:
            lt = int_less(ctx, *((b, a) if op in ("greater", "lesserOrEqual")
                                 else (a, b)), dt)
            r = ops.logical_not(lt).output(0) if op in (
                "greaterOrEqual", "lesserOrEqual") else lt
        ctx.set(node, ctx.cast(r, "uint8"))
        return
    r = _COMPARE[node.op](a, b).output(0)
    if dtype_of(node, "a") in FLOATS and node.op not in ("equal", "notEqual"):
        # the CPU plugin's Greater/GreaterEqual give true for a NaN operand;
        # every ordered comparison with NaN is false
        ordered = ops.logical_not(ops.logical_or(ops.is_nan(a), ops.is_nan(b)))
        r = ops.logical_and(r, ordered).output(0)
    ctx.set(node, ctx.cast(r, "uint8"))


_LOGICAL = {"logicalAnd": ops.logical_and, "logicalOr": ops.logical_or,
            "logicalXor": ops.logical_xor}


def _truth(ctx: Emitter, x: Any) -> Any:
    return ops.not_equal(x, ctx.const(0, "uint8")).output(0)


@LOWERINGS.define(*_LOGICAL)
def _logical(ctx: Emitter, node: Node) -> None:
    r = _LOGICAL[node.op](_truth(ctx, ctx.input(node, "a")),
                          _truth(ctx, ctx.input(node, "b")))
    ctx.set(node, ctx.cast(r, "uint8"))


@LOWERINGS.define("logicalNot")
def _logical_not(ctx: Emitter, node: Node) -> None:
    r = ops.equal(ctx.input(node, "a"), ctx.const(0, "uint8"))
    ctx.set(node, ctx.cast(r, "uint8"))


@LOWERINGS.define("isNaN", "isInfinite")
def _predicate(ctx: Emitter, node: Node) -> None:
    x = ctx.input(node, "a")
    r = ops.is_nan(x) if node.op == "isNaN" else ops.is_inf(x)
    ctx.set(node, ctx.cast(r, "uint8"))


_UNARY = {"abs": ops.abs, "ceil": ops.ceiling, "cos": ops.cos, "erf": ops.erf,
          "exp": ops.exp, "floor": ops.floor, "log": ops.log, "neg": ops.negative,
          "sin": ops.sin, "sign": ops.sign, "sqrt": ops.sqrt, "tan": ops.tan}


@LOWERINGS.define(*_UNARY, "identity", "reciprocal", "roundEven")
def _unary(ctx: Emitter, node: Node) -> None:
    x = ctx.input(node, "input")
    dt = dtype_of(node, "input")
    if node.op == "identity":
        # a Convert to the same type would be folded; an identity must still
        # be its own value (a graph output may equal an input)
        ctx.set(node, x)
        return
    if node.op == "reciprocal":
        ctx.set(node, ops.divide(ctx.const(1, dt), x))
        return
    if node.op == "roundEven":
        ctx.set(node, ops.round(x, "half_to_even"))
        return
    if dt in _SMALL and node.op in ("abs", "neg"):
        r = _UNARY[node.op](ctx.cast(x, "int32"))
        ctx.set(node, wrap_small(ctx, r, dt))
        return
    y = _UNARY[node.op](x)
    if node.op == "exp":  # the CPU plugin's Exp gives inf for NaN
        y = keep_nan(ctx, x, y)
    ctx.set(node, y)
