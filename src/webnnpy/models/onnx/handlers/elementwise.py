"""Element-wise arithmetic and math: Add Sub Mul Div Pow Mod Max Min Sum Mean,
the unary math ops, Identity.

ONNX's multidirectional broadcasting is WebNN's bidirectional broadcasting;
the legacy (opset < 7) ``broadcast``/``axis`` attributes are honoured by
reshaping B.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from webnnpy import MLOperand
from webnnpy.models.onnx.convert import ImportContext, NodeInfo, Tensor
from webnnpy.models.onnx.handlers._util import float_types

__all__ = ["HANDLERS"]

_UNSIGNED = ("uint8", "uint32", "uint64")


def _legacy(ctx: ImportContext, node: NodeInfo, attrs: dict[str, Any],
            a: MLOperand, b: MLOperand) -> tuple[MLOperand, MLOperand]:
    """Opset < 7: with ``broadcast=1`` B is broadcast onto A from ``axis``;
    without it the shapes must be equal."""
    if node.version >= 7:
        return a, b
    if attrs.get("broadcast", 0):
        axis = attrs.get("axis")
        if axis is not None and b.rank < a.rank:
            axis = axis % a.rank
            b = ctx.reshape(b, [1] * axis + list(b.shape)
                            + [1] * (a.rank - axis - b.rank))
    elif list(a.shape) != list(b.shape):
        raise ctx.fail(f"shapes {list(a.shape)} and {list(b.shape)} differ and "
                       f"broadcast is 0")
    return a, b


def _pair(ctx: ImportContext, node: NodeInfo, inputs: list[Tensor | None],
          attrs: dict[str, Any]) -> tuple[MLOperand, MLOperand]:
    a_t, b_t = inputs[0], inputs[1]
    assert a_t is not None and b_t is not None
    return _legacy(ctx, node, attrs, ctx.op(a_t, "A"), ctx.op(b_t, "B"))


def _binary(method: str):
    def handler(ctx: ImportContext, node: NodeInfo, inputs: list[Tensor | None],
                attrs: dict[str, Any]) -> list[Any]:
        a, b = _pair(ctx, node, inputs, attrs)
        return [getattr(ctx.b, method)(a, b)]
    return handler


def _pow(ctx: ImportContext, node: NodeInfo, inputs: list[Tensor | None],
         attrs: dict[str, Any]) -> list[Any]:
    """Pow's exponent may have another type than its base: the result has the
    base's type."""
    x_t, y_t = inputs[0], inputs[1]
    assert x_t is not None and y_t is not None
    x = ctx.op(x_t, "X")
    xt = x.data_type
    if y_t.is_const and y_t.data_type != xt:
        yv = np.asarray(y_t.value)
        # an exponent that is exact in X's type: cast it at import
        if xt in float_types or np.all(np.equal(np.mod(yv, 1), 0)):
            y = ctx.constant(yv.astype(np.dtype(xt)), "Y")
            return [ctx.b.pow(*_legacy(ctx, node, attrs, x, y))]
    y = ctx.op(y_t, "Y")
    if y.data_type == xt or xt in float_types:
        return [ctx.b.pow(*_legacy(ctx, node, attrs, x, ctx.cast(y, xt)))]
    if y.data_type in float_types:
        # integer base, float exponent: computed in the exponent's type and
        # truncated back, as ONNX's reference does
        r = ctx.b.pow(*_legacy(ctx, node, attrs, ctx.cast(x, y.data_type), y))
        return [ctx.cast(r, xt)]
    return [ctx.b.pow(*_legacy(ctx, node, attrs, x, ctx.cast(y, xt)))]


def _variadic(method: str, mean: bool = False):
    def handler(ctx: ImportContext, node: NodeInfo, inputs: list[Tensor | None],
                attrs: dict[str, Any]) -> list[Any]:
        ops = [ctx.op(t, f"input {i}") for i, t in enumerate(inputs) if t is not None]
        if not ops:
            raise ctx.fail("no inputs")
        acc = ops[0]
        for o in ops[1:]:
            acc = getattr(ctx.b, method)(acc, o)
        if mean and len(ops) > 1:
            acc = ctx.b.div(acc, ctx.scalar(float(len(ops)), acc.data_type))
        return [acc]
    return handler


def _mod(ctx: ImportContext, node: NodeInfo, inputs: list[Tensor | None],
         attrs: dict[str, Any]) -> list[Any]:
    a_t, b_t = inputs[0], inputs[1]
    assert a_t is not None and b_t is not None
    a, b = ctx.op(a_t, "A"), ctx.op(b_t, "B")
    dt = a.data_type
    fmod = int(attrs.get("fmod", 0))
    if dt in float_types:
        # fmod=1: a - trunc(a / b) * b; fmod=0 (float since opset 28):
        # a - floor(a / b) * b
        bb = ctx.b
        q = bb.div(a, b)
        if fmod:
            q = bb.mul(bb.sign(q), bb.floor(bb.abs(q)))
        else:
            q = bb.floor(q)
        r = bb.sub(a, bb.mul(q, b))
        # a finite x over an infinite y: x (fmod), else x or y by their signs
        a_finite = bb.logical_not(bb.logical_or(bb.is_infinite(a), bb.is_nan(a)))
        sel = bb.logical_and(bb.is_infinite(b), a_finite)
        fix = a
        if not fmod:
            zero = ctx.scalar(0, dt)
            keep_a = bb.logical_or(bb.equal(bb.sign(a), bb.sign(b)), bb.equal(a, zero))
            fix = bb.where(keep_a, a, b)
        return [bb.where(sel, fix, r)]
    # integer division truncates toward zero: a - (a / b) * b is C's fmod
    r = ctx.b.sub(a, ctx.b.mul(ctx.b.div(a, b), b))
    if fmod or dt in _UNSIGNED:
        return [r]
    # the sign of the divisor (Python's %): add b where r and b differ in sign
    zero = ctx.scalar(0, dt)
    fix = ctx.b.logical_and(ctx.b.not_equal(r, zero),
                            ctx.b.not_equal(ctx.b.lesser(r, zero),
                                            ctx.b.lesser(b, zero)))
    return [ctx.b.where(fix, ctx.b.add(r, b), r)]


def _unary(method: str, *, unsigned: str | None = None):
    """A unary op; ``unsigned`` says what to do for unsigned integer inputs
    ("identity" for Abs/Relu, "sign" for Sign)."""
    def handler(ctx: ImportContext, node: NodeInfo, inputs: list[Tensor | None],
                attrs: dict[str, Any]) -> list[Any]:
        assert inputs[0] is not None
        x = ctx.op(inputs[0], "X")
        if unsigned is not None and x.data_type in _UNSIGNED:
            if unsigned == "identity":
                return [inputs[0]]
            one = ctx.scalar(1, x.data_type)
            return [ctx.b.min(x, one)]
        return [getattr(ctx.b, method)(x)]
    return handler


def _identity(ctx: ImportContext, node: NodeInfo, inputs: list[Tensor | None],
              attrs: dict[str, Any]) -> list[Any]:
    t = inputs[0]
    assert t is not None
    return [t]


def _sinh_cosh(sign: float):
    def handler(ctx: ImportContext, node: NodeInfo, inputs: list[Tensor | None],
                attrs: dict[str, Any]) -> list[Any]:
        assert inputs[0] is not None
        x = ctx.op(inputs[0], "X")
        dt = x.data_type
        e1, e2 = ctx.b.exp(x), ctx.b.exp(ctx.b.neg(x))
        s = ctx.b.sub(e1, e2) if sign < 0 else ctx.b.add(e1, e2)
        return [ctx.b.mul(s, ctx.scalar(0.5, dt))]
    return handler


HANDLERS = {
    "Add": ((1, 14, _binary("add")),),
    "Sub": ((1, 14, _binary("sub")),),
    "Mul": ((1, 14, _binary("mul")),),
    "Div": ((1, 14, _binary("div")),),
    "Pow": ((1, 15, _pow),),
    "Mod": ((10, 28, _mod),),
    "Max": ((1, 13, _variadic("max")),),
    "Min": ((1, 13, _variadic("min")),),
    "Sum": ((1, 13, _variadic("add")),),
    "Mean": ((1, 13, _variadic("add", mean=True)),),
    "Abs": ((1, 13, _unary("abs", unsigned="identity")),),
    "Neg": ((1, 13, _unary("neg")),),
    "Sign": ((9, 13, _unary("sign", unsigned="sign")),),
    "Ceil": ((1, 13, _unary("ceil")),),
    "Floor": ((1, 13, _unary("floor")),),
    "Round": ((11, 22, _unary("round_even")),),
    "Sqrt": ((1, 13, _unary("sqrt")),),
    "Reciprocal": ((1, 13, _unary("reciprocal")),),
    "Exp": ((1, 13, _unary("exp")),),
    "Log": ((1, 13, _unary("log")),),
    "Sin": ((7, 22, _unary("sin")),),
    "Cos": ((7, 22, _unary("cos")),),
    "Tan": ((7, 22, _unary("tan")),),
    "Sinh": ((9, 22, _sinh_cosh(-1.0)),),
    "Cosh": ((9, 22, _sinh_cosh(1.0)),),
    "Erf": ((9, 13, _unary("erf")),),
    "Identity": ((1, 25, _identity),),
}
