"""Cast, CastLike and Dropout (inference: the identity, and an all-true mask).

A cast to bool is ``x != 0`` (NaN is true, as ONNX says); a cast from bool
is a cast of the 0/1 uint8 values.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from webnnpy.models.onnx.convert import ImportContext, NodeInfo, Tensor
from webnnpy.models.onnx.handlers._util import present
from webnnpy.models.onnx.types import BOOL, np_dtype_of_onnx, type_name, webnn_of_onnx

__all__ = ["HANDLERS"]


def _cast_to(ctx: ImportContext, t: Tensor, to: int) -> Any:
    x = ctx.op(t, "input")
    if to == BOOL and t.is_bool:
        return t
    if to == BOOL:
        zero = ctx.scalar(0, x.data_type)
        return ctx.bool_out(ctx.b.not_equal(x, zero))
    dt = webnn_of_onnx(to)
    if dt is None:
        raise ctx.fail(f"casting to {type_name(to)}, which WebNN has no data type for")
    if x.data_type == dt:  # a bool -> uint8 cast keeps the 0/1 values
        return t if t.onnx_type == to else ctx.out(x, to)
    return ctx.out(ctx.b.cast(x, dt), to)


def _cast(ctx: ImportContext, node: NodeInfo, inputs: list[Tensor | None],
          attrs: dict[str, Any]) -> list[Any]:
    t = inputs[0]
    assert t is not None
    to = attrs.get("to")
    if isinstance(to, str):  # opset 1-5 spelled the type as a string
        from onnx import TensorProto
        to = int(TensorProto.DataType.Value(to.upper()))
    return [_cast_to(ctx, t, int(to))]  # type: ignore[arg-type]


def _cast_like(ctx: ImportContext, node: NodeInfo, inputs: list[Tensor | None],
               attrs: dict[str, Any]) -> list[Any]:
    t, like = inputs[0], inputs[1]
    assert t is not None and like is not None
    if t.is_const and t.value is not None:
        # only the type of ``like`` matters: a constant stays a constant
        with np.errstate(all="ignore"):
            return [t.value.astype(np_dtype_of_onnx(like.onnx_type))]
    return [_cast_to(ctx, t, like.onnx_type)]


def _dropout(ctx: ImportContext, node: NodeInfo, inputs: list[Tensor | None],
             attrs: dict[str, Any]) -> list[Any]:
    t = inputs[0]
    assert t is not None
    training = present(inputs, 2)
    if training is not None and bool(ctx.scalar_const(training, "training_mode")):
        ratio_t = present(inputs, 1)
        ratio = 0.5 if ratio_t is None else float(ctx.scalar_const(ratio_t, "ratio"))
        if ratio != 0.0:
            raise ctx.fail("training_mode=true drops at random; WebNN graphs are "
                           "deterministic")
    if node.version < 7 and not int(attrs.get("is_test", 0)):
        raise ctx.fail("is_test=0 (training) drops at random")
    x = ctx.op(t, "data")
    outs: list[Any] = [t]
    if node.wants(1):
        outs.append(np.ones(x.shape, dtype=bool))
    return outs


HANDLERS = {
    "Cast": ((1, 28, _cast),),
    "CastLike": ((15, 25, _cast_like),),
    "Dropout": ((1, 22, _dropout),),
}
