"""Reductions: ReduceL1 ReduceL2 ReduceLogSum ReduceLogSumExp ReduceMax
ReduceMean ReduceMin ReduceProd ReduceSum ReduceSumSquare, ArgMax ArgMin
(select_last_index by reversing the axis), CumSum.

Axes are an attribute before opset 18 (ReduceSum: 13) and an input after;
``noop_with_empty_axes`` turns an empty axes list into an identity.
"""

from __future__ import annotations

from typing import Any

from webnnpy.models.onnx.convert import ImportContext, NodeInfo, Tensor
from webnnpy.models.onnx.handlers._util import (
    input_or_attr_ints,
    norm_axes,
    norm_axis,
)

__all__ = ["HANDLERS"]


def _reduce(method: str):
    def handler(ctx: ImportContext, node: NodeInfo, inputs: list[Tensor | None],
                attrs: dict[str, Any]) -> list[Any]:
        t = inputs[0]
        assert t is not None
        x = ctx.op(t, "data")
        keep = bool(int(attrs.get("keepdims", 1)))
        axes = input_or_attr_ints(ctx, node, inputs, 1, attrs, "axes")
        if not axes:
            if int(attrs.get("noop_with_empty_axes", 0)):
                return [t]
            axes = list(range(x.rank))
        axes = norm_axes(ctx, axes, x.rank)
        y = getattr(ctx.b, method)(x, axes=axes, keep_dimensions=keep)
        return [ctx.tensor_of(y, t)]
    return handler


def _arg(method: str):
    def handler(ctx: ImportContext, node: NodeInfo, inputs: list[Tensor | None],
                attrs: dict[str, Any]) -> list[Any]:
        t = inputs[0]
        assert t is not None
        x = ctx.op(t, "data")
        if x.rank == 0:
            raise ctx.fail("a scalar input has no axis")
        axis = norm_axis(ctx, int(attrs.get("axis", 0)), x.rank)
        keep = bool(int(attrs.get("keepdims", 1)))
        if int(attrs.get("select_last_index", 0)):
            # the last extreme = n - 1 - (the first extreme of the reversed axis)
            r = ctx.b.reverse(x, axes=[axis])
            i = getattr(ctx.b, method)(r, axis, keep_dimensions=keep,
                                       output_data_type="int64")
            n1 = ctx.scalar(x.shape[axis] - 1, "int64")
            return [ctx.b.sub(n1, i)]
        return [getattr(ctx.b, method)(x, axis, keep_dimensions=keep,
                                       output_data_type="int64")]
    return handler


def _cumsum(ctx: ImportContext, node: NodeInfo, inputs: list[Tensor | None],
            attrs: dict[str, Any]) -> list[Any]:
    t, a_t = inputs[0], inputs[1]
    assert t is not None and a_t is not None
    x = ctx.op(t, "x")
    axis = norm_axis(ctx, ctx.scalar_int(a_t, "axis"), x.rank)
    y = ctx.b.cumulative_sum(x, axis, exclusive=bool(int(attrs.get("exclusive", 0))),
                             reversed=bool(int(attrs.get("reverse", 0))))
    return [y]


HANDLERS = {
    "ReduceL1": ((1, 18, _reduce("reduce_l1")),),
    "ReduceL2": ((1, 18, _reduce("reduce_l2")),),
    "ReduceLogSum": ((1, 28, _reduce("reduce_log_sum")),),
    "ReduceLogSumExp": ((1, 28, _reduce("reduce_log_sum_exp")),),
    "ReduceMax": ((1, 20, _reduce("reduce_max")),),
    "ReduceMean": ((1, 18, _reduce("reduce_mean")),),
    "ReduceMin": ((1, 20, _reduce("reduce_min")),),
    "ReduceProd": ((1, 18, _reduce("reduce_product")),),
    "ReduceSum": ((1, 13, _reduce("reduce_sum")),),
    "ReduceSumSquare": ((1, 18, _reduce("reduce_sum_square")),),
    "ArgMax": ((1, 13, _arg("arg_max")),),
    "ArgMin": ((1, 13, _arg("arg_min")),),
    "CumSum": ((11, 14, _cumsum),),
}
