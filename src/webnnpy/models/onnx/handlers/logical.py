"""Comparisons and logic: Equal Greater GreaterOrEqual Less LessOrEqual,
And Or Xor Not, IsNaN IsInf, Where.

ONNX bool tensors are WebNN uint8 0/1, which is what WebNN's comparison and
logical operators produce and take.
"""

from __future__ import annotations

from typing import Any

from webnnpy.models.onnx.convert import ImportContext, NodeInfo, Tensor

__all__ = ["HANDLERS"]


def _compare(method: str):
    def handler(ctx: ImportContext, node: NodeInfo, inputs: list[Tensor | None],
                attrs: dict[str, Any]) -> list[Any]:
        a_t, b_t = inputs[0], inputs[1]
        assert a_t is not None and b_t is not None
        a, b = ctx.op(a_t, "A"), ctx.op(b_t, "B")
        if node.version < 7 and attrs.get("broadcast", 0):
            axis = attrs.get("axis")
            if axis is not None and b.rank < a.rank:
                axis = axis % a.rank
                b = ctx.reshape(b, [1] * axis + list(b.shape)
                                + [1] * (a.rank - axis - b.rank))
        return [ctx.bool_out(getattr(ctx.b, method)(a, b))]
    return handler


def _logical(method: str):
    def handler(ctx: ImportContext, node: NodeInfo, inputs: list[Tensor | None],
                attrs: dict[str, Any]) -> list[Any]:
        ops = [ctx.op(t, f"input {i}") for i, t in enumerate(inputs) if t is not None]
        if node.version < 7 and len(ops) == 2 and attrs.get("broadcast", 0):
            a, b = ops
            axis = attrs.get("axis")
            if axis is not None and b.rank < a.rank:
                axis = axis % a.rank
                ops[1] = ctx.reshape(b, [1] * axis + list(b.shape)
                                     + [1] * (a.rank - axis - b.rank))
        return [ctx.bool_out(getattr(ctx.b, method)(*ops))]
    return handler


def _is_nan(ctx: ImportContext, node: NodeInfo, inputs: list[Tensor | None],
            attrs: dict[str, Any]) -> list[Any]:
    assert inputs[0] is not None
    return [ctx.bool_out(ctx.b.is_nan(ctx.op(inputs[0], "X")))]


def _is_inf(ctx: ImportContext, node: NodeInfo, inputs: list[Tensor | None],
            attrs: dict[str, Any]) -> list[Any]:
    assert inputs[0] is not None
    x = ctx.op(inputs[0], "X")
    neg = int(attrs.get("detect_negative", 1))
    pos = int(attrs.get("detect_positive", 1))
    inf = ctx.b.is_infinite(x)
    if neg and pos:
        return [ctx.bool_out(inf)]
    if not neg and not pos:  # all false
        return [ctx.bool_out(ctx.b.logical_and(inf, ctx.b.logical_not(inf)))]
    zero = ctx.scalar(0, x.data_type)
    side = ctx.b.greater(x, zero) if pos else ctx.b.lesser(x, zero)
    return [ctx.bool_out(ctx.b.logical_and(inf, side))]


def _where(ctx: ImportContext, node: NodeInfo, inputs: list[Tensor | None],
           attrs: dict[str, Any]) -> list[Any]:
    c_t, x_t, y_t = inputs[0], inputs[1], inputs[2]
    assert c_t is not None and x_t is not None and y_t is not None
    c = ctx.op(c_t, "condition")
    if c.data_type != "uint8":
        c = ctx.b.cast(c, "uint8")
    x, y = ctx.op(x_t, "X"), ctx.op(y_t, "Y")
    return [ctx.tensor_of(ctx.b.where(c, x, y), x_t)]


HANDLERS = {
    "Equal": ((1, 19, _compare("equal")),),
    "Greater": ((1, 13, _compare("greater")),),
    "GreaterOrEqual": ((12, 16, _compare("greater_or_equal")),),
    "Less": ((1, 13, _compare("lesser")),),
    "LessOrEqual": ((12, 16, _compare("lesser_or_equal")),),
    "And": ((1, 7, _logical("logical_and")),),
    "Or": ((1, 7, _logical("logical_or")),),
    "Xor": ((1, 7, _logical("logical_xor")),),
    "Not": ((1, 1, _logical("logical_not")),),
    "IsNaN": ((9, 20, _is_nan),),
    "IsInf": ((10, 20, _is_inf),),
    "Where": ((9, 16, _where),),
}
