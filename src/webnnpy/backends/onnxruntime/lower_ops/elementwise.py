"""ONNX lowerings of the element-wise family (binary arithmetic, comparisons,
logical ops, isNaN/isInfinite, unary math).

Where ONNX (or ONNX Runtime's CPU kernels) differ from the reference
semantics, the lowering decomposes exactly:

- integer ``div`` truncates toward zero as ONNX does, but division by zero
  gives 0 (ONNX Runtime raises) and ``MIN / -1`` wraps to ``MIN`` (the CPU
  would trap): both divisors are replaced by 1 and the results patched.
- integer ``pow`` goes through doubles in ONNX Runtime (wrong beyond 2**53
  and on overflow): it is square-and-multiply in the operand's own width,
  wrapping like the other integer ops; negative exponents truncate toward
  zero (only ``|a| == 1`` survives).
- comparisons and logical ops produce bool, cast to WebNN's uint8 0/1;
  logical inputs are "non-zero is true" (Cast to bool).
- ``roundEven`` is ONNX Round (half to even).
- ONNX Runtime 1.31's int64 Max, Min and Sign kernels misread values whose
  low 32 bits look negative (e.g. Min(2**32 - 1, 3) gives 2**32 - 1): int64
  max/min select with Greater/Less and Where, int64 sign is
  ``(x > 0) - (x < 0)``.
"""

from __future__ import annotations

import numpy as np

from webnnpy.backends.onnxruntime.emitter import Emitter
from webnnpy.backends.onnxruntime.lower_ops._table import LoweringTable
from webnnpy.backends.onnxruntime.lower_ops._util import (
    SIGNED,
    bool_to_uint8,
    const_data,
    dtype_of,
    max_min,
    where,
)
from webnnpy.ir.graph import Node

__all__ = ["LOWERINGS"]

LOWERINGS = LoweringTable()

_SIMPLE_BINARY = {"add": "Add", "sub": "Sub", "mul": "Mul"}


@LOWERINGS.define(*_SIMPLE_BINARY)
def _binary(ctx: Emitter, node: Node) -> None:
    ctx.emit(_SIMPLE_BINARY[node.op], [ctx.input(node, "a"), ctx.input(node, "b")],
             ctx.out(node))


@LOWERINGS.define("max", "min")
def _max_min(ctx: Emitter, node: Node) -> None:
    max_min(ctx, "Max" if node.op == "max" else "Min", ctx.input(node, "a"),
            ctx.input(node, "b"), dtype_of(node, "a"), ctx.out(node))


@LOWERINGS.define("div")
def _div(ctx: Emitter, node: Node) -> None:
    a, b = ctx.input(node, "a"), ctx.input(node, "b")
    dt = dtype_of(node, "a")
    out = ctx.out(node)
    if dt in ("float32", "float16"):
        ctx.emit("Div", [a, b], out)
        return
    known = const_data(node, "b")
    zero = known is None or bool((known == 0).any())
    minus_one = dt in SIGNED and (known is None or bool((known == -1).any()))
    if not zero and not minus_one:
        ctx.emit("Div", [a, b], out)
        return
    one = ctx.const(1, dt)
    is_zero = ctx.emit("Equal", [b, ctx.const(0, dt)]) if zero else None
    is_m1 = ctx.emit("Equal", [b, ctx.const(-1, dt)]) if minus_one else None
    if is_zero and is_m1:
        bad = ctx.emit("Or", [is_zero, is_m1])
    else:
        bad = is_zero or is_m1
    assert bad is not None
    q = ctx.emit("Div", [a, where(ctx, bad, one, b, dt)])
    if is_m1 is not None:
        # a / -1 == -a, wrapping for the most negative value
        q = where(ctx, is_m1, ctx.emit("Neg", [a]), q, dt,
                  None if is_zero else out)
    if is_zero is not None:
        where(ctx, is_zero, ctx.const(0, dt), q, dt, out)


def _int_pow(ctx: Emitter, node: Node) -> None:
    a, b = ctx.input(node, "a"), ctx.input(node, "b")
    dt = dtype_of(node, "a")
    bits = np.dtype(dt).itemsize * 8
    signed = dt in SIGNED
    known = const_data(node, "b")
    zero = ctx.const(0, dt)
    one = ctx.const(1, dt)
    neg = None
    e = b
    if signed and (known is None or bool((known < 0).any())):
        neg = ctx.emit("Less", [b, zero])
        e = where(ctx, neg, zero, b, dt)
    # how many exponent bits can be set
    if known is not None:
        top = int(np.max(known)) if known.size else 0
        n_bits = max(top, 0).bit_length()
    else:
        n_bits = bits - 1 if signed else bits
    shape = list(node.outputs[0].desc.shape)
    result = ctx.emit("Expand", [one, ctx.ints(shape)])
    base = a
    for k in range(n_bits):
        mask = ctx.const(1 << k, dt)  # k < bits - 1 for signed types
        bit_set = ctx.emit("Not", [ctx.emit("Equal", [
            ctx.emit("BitwiseAnd", [e, mask]), zero])])
        result = where(ctx, bit_set, ctx.emit("Mul", [result, base]), result, dt)
        if k + 1 < n_bits:
            base = ctx.emit("Mul", [base, base])
    out = ctx.out(node)
    if neg is None:
        ctx.emit("Identity", [result], out)
        return
    # a ** -n truncated toward zero: 1 for a == 1, +-1 for a == -1, else 0
    odd = ctx.emit("Not", [ctx.emit("Equal", [ctx.emit("BitwiseAnd", [b, one]),
                                              zero])])
    minus_one = ctx.const(-1, dt)
    at_m1 = where(ctx, odd, minus_one, one, dt)
    neg_val = where(ctx, ctx.emit("Equal", [a, one]), one,
                    where(ctx, ctx.emit("Equal", [a, minus_one]), at_m1, zero, dt),
                    dt)
    where(ctx, neg, neg_val, result, dt, out)


@LOWERINGS.define("pow")
def _pow(ctx: Emitter, node: Node) -> None:
    if dtype_of(node, "a") in ("float32", "float16"):
        ctx.emit("Pow", [ctx.input(node, "a"), ctx.input(node, "b")], ctx.out(node))
    else:
        _int_pow(ctx, node)


_COMPARE = {"equal": "Equal", "greater": "Greater", "greaterOrEqual": "GreaterOrEqual",
            "lesser": "Less", "lesserOrEqual": "LessOrEqual"}


@LOWERINGS.define(*_COMPARE, "notEqual")
def _compare(ctx: Emitter, node: Node) -> None:
    a, b = ctx.input(node, "a"), ctx.input(node, "b")
    if node.op == "notEqual":
        r = ctx.emit("Not", [ctx.emit("Equal", [a, b])])
    else:
        r = ctx.emit(_COMPARE[node.op], [a, b])
    bool_to_uint8(ctx, r, ctx.out(node))


_LOGICAL = {"logicalAnd": "And", "logicalOr": "Or", "logicalXor": "Xor"}


@LOWERINGS.define(*_LOGICAL)
def _logical(ctx: Emitter, node: Node) -> None:
    a = ctx.cast(ctx.input(node, "a"), "bool")
    b = ctx.cast(ctx.input(node, "b"), "bool")
    bool_to_uint8(ctx, ctx.emit(_LOGICAL[node.op], [a, b]), ctx.out(node))


@LOWERINGS.define("logicalNot")
def _logical_not(ctx: Emitter, node: Node) -> None:
    r = ctx.emit("Equal", [ctx.input(node, "a"), ctx.const(0, "uint8")])
    bool_to_uint8(ctx, r, ctx.out(node))


@LOWERINGS.define("isNaN", "isInfinite")
def _predicate(ctx: Emitter, node: Node) -> None:
    op = "IsNaN" if node.op == "isNaN" else "IsInf"
    bool_to_uint8(ctx, ctx.emit(op, [ctx.input(node, "a")]), ctx.out(node))


_UNARY = {"abs": "Abs", "ceil": "Ceil", "cos": "Cos", "erf": "Erf", "exp": "Exp",
          "floor": "Floor", "identity": "Identity", "log": "Log", "neg": "Neg",
          "reciprocal": "Reciprocal", "roundEven": "Round", "sin": "Sin",
          "sign": "Sign", "sqrt": "Sqrt", "tan": "Tan"}


@LOWERINGS.define(*_UNARY)
def _unary(ctx: Emitter, node: Node) -> None:
    x = ctx.input(node, "input")
    dt = dtype_of(node, "input")
    if node.op == "sign" and dt == "int64":
        # ONNX Runtime 1.31's int64 Sign gives -1 for 2**31 <= x < 2**32
        pos = ctx.cast(ctx.emit("Greater", [x, ctx.const(0, dt)]), dt)
        neg = ctx.cast(ctx.emit("Less", [x, ctx.const(0, dt)]), dt)
        ctx.emit("Sub", [pos, neg], ctx.out(node))
        return
    if node.op == "sign" and dt == "float16":
        # ONNX Runtime's float16 Sign gives 0 for NaN; its float32 Sign keeps
        # NaN (and float16 -> float32 -> float16 is exact for -1, 0, 1, NaN)
        ctx.cast(ctx.emit("Sign", [ctx.cast(x, "float32")]), "float16",
                 ctx.out(node))
        return
    ctx.emit(_UNARY[node.op], [x], ctx.out(node))
