"""Small helpers shared by the handler families."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from webnnpy import MLOperand
from webnnpy.models.onnx.convert import ImportContext, NodeInfo, Tensor

__all__ = [
    "broadcast_shape",
    "float_types",
    "input_or_attr_ints",
    "norm_axes",
    "norm_axis",
    "present",
    "require_float",
    "to_rank",
]

float_types = ("float32", "float16")


def present(inputs: Sequence[Tensor | None], k: int) -> Tensor | None:
    """Input ``k`` if it is given (optional inputs may be absent or empty)."""
    return inputs[k] if k < len(inputs) else None


def norm_axis(ctx: ImportContext, axis: int, rank: int, what: str = "axis") -> int:
    """``axis`` in [-rank, rank) as a non-negative axis."""
    if not -rank <= axis < rank:
        raise ctx.fail(f"{what} {axis} is out of range for a rank-{rank} input")
    return axis % rank if rank else 0


def norm_axes(ctx: ImportContext, axes: Sequence[int], rank: int,
              what: str = "axes") -> list[int]:
    out = [norm_axis(ctx, int(a), rank, what) for a in axes]
    if len(set(out)) != len(out):
        raise ctx.fail(f"{what} {list(axes)} has duplicates")
    return out


def broadcast_shape(ctx: ImportContext, *shapes: Sequence[int]) -> list[int]:
    """The NumPy (multidirectional) broadcast of ``shapes``."""
    try:
        return [int(d) for d in np.broadcast_shapes(*[tuple(s) for s in shapes])]
    except ValueError:
        raise ctx.fail(f"shapes {[list(s) for s in shapes]} do not broadcast"
                       ) from None


def require_float(ctx: ImportContext, x: MLOperand, what: str = "input") -> None:
    if x.data_type not in float_types:
        raise ctx.fail(f"{what} has data type {x.data_type}; the WebNN mapping "
                       f"takes float32 or float16 only")


def to_rank(ctx: ImportContext, x: MLOperand, rank: int) -> MLOperand:
    """``x`` with leading 1s added up to ``rank``."""
    if x.rank >= rank:
        return x
    return ctx.b.reshape(x, [1] * (rank - x.rank) + list(x.shape))


def input_or_attr_ints(ctx: ImportContext, node: NodeInfo,
                       inputs: Sequence[Tensor | None], k: int,
                       attrs: dict[str, object], name: str) -> list[int] | None:
    """An int list that is attribute ``name`` in older opsets and input ``k``
    in newer ones (Split's split, Squeeze's axes, Reduce's axes...)."""
    t = present(inputs, k)
    if t is not None:
        return ctx.ints(t, name)
    v = attrs.get(name)
    if v is None:
        return None
    return [int(a) for a in v]  # type: ignore[attr-defined]
