"""Validation and shape inference for the reduction family (spec steps, in order):
the ten ``reduce*`` ops (#api-mlgraphbuilder-reduce), ``argMin``/``argMax``
(#api-mlgraphbuilder-argminmax) and ``cumulativeSum``
(#api-mlgraphbuilder-cumulativesum).

The input's data type and rank were checked against the context's limits
before these rules run (``check_limits``); each op's allowed data types list
in the spec equals its tensor-limits table, so what remains is the options and
the output shape.

Normalized attributes (what kernels and lowerings read):

- ``reduce*``: ``{"axes": [int, ...], "keepDimensions": bool}``; ``axes`` is
  explicit (absent -> every axis, ``[]`` stays ``[]``: no reduction, the
  reduction function applied to each element alone).
- ``argMin``/``argMax``: ``{"axis": int, "keepDimensions": bool,
  "outputDataType": "int32" | "int64"}``.
- ``cumulativeSum``: ``{"axis": int, "exclusive": bool, "reversed": bool}``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from webnnpy.ir.checks import (
    check_axes,
    check_axis,
    fail,
    py,
)
from webnnpy.ir.descriptor import Desc
from webnnpy.ir.registry import OperandDescs, RuleTable

__all__ = ["ARG_MIN_MAX", "REDUCE", "RULES", "reduction_output_shape"]

RULES = RuleTable()

REDUCE = ("reduceL1", "reduceL2", "reduceLogSum", "reduceLogSumExp", "reduceMax",
          "reduceMean", "reduceMin", "reduceProduct", "reduceSum",
          "reduceSumSquare")
ARG_MIN_MAX = ("argMin", "argMax")

#: The output data types argMin/argMax allow (the "output" row of
#: #tensor-limits-argMin-argMax) and their maximum values.
_ARG_OUTPUT_MAX = {"int32": 2**31 - 1, "int64": 2**63 - 1}


def reduction_output_shape(
    shape: Sequence[int], axes: Sequence[int], keep_dimensions: bool
) -> tuple[int, ...]:
    """The spec's *calculate reduction output sizes* for already validated
    (unique, in-range) ``axes``."""
    if keep_dimensions:
        return tuple(1 if i in axes else d for i, d in enumerate(shape))
    return tuple(d for i, d in enumerate(shape) if i not in axes)


@RULES.define(*REDUCE)
def _reduce(op: str, x: OperandDescs, attrs: dict[str, Any]
            ) -> tuple[list[Desc], dict[str, Any]]:
    a = x["input"]
    assert isinstance(a, Desc)
    raw_axes = attrs.get("axes")  # the options, converted by ir.convert
    keep = attrs["keepDimensions"]
    # calculate reduction output sizes: absent axes -> every axis; otherwise
    # duplicates or axes >= rank are failures.
    axes = (list(range(a.rank)) if raw_axes is None
            else check_axes(op, "axes", raw_axes, a.rank))
    shape = reduction_output_shape(a.shape, axes, keep)
    return [Desc(a.data_type, shape)], {"axes": axes, "keepDimensions": keep}


@RULES.define(*ARG_MIN_MAX)
def _arg_min_max(op: str, x: OperandDescs, attrs: dict[str, Any]
                 ) -> tuple[list[Desc], dict[str, Any]]:
    a = x["input"]
    assert isinstance(a, Desc)
    keep = attrs["keepDimensions"]  # the arguments, converted by ir.convert
    out_type = attrs["outputDataType"]
    axis = check_axis(op, "axis", attrs.get("axis"), a.rank)
    if out_type not in _ARG_OUTPUT_MAX:
        fail(op, f"{py('outputDataType')} {out_type!r} is not allowed; expected "
                 f"one of 'int32', 'int64'")
    if a.shape[axis] > _ARG_OUTPUT_MAX[out_type]:
        fail(op, f"input dimension {a.shape[axis]} along axis {axis} exceeds the "
                 f"maximum value of {py('outputDataType')} {out_type} "
                 f"({_ARG_OUTPUT_MAX[out_type]})")
    shape = reduction_output_shape(a.shape, [axis], keep)
    return [Desc(out_type, shape)], {"axis": axis, "keepDimensions": keep,
                                     "outputDataType": out_type}


@RULES.define("cumulativeSum")
def _cumulative_sum(op: str, x: OperandDescs, attrs: dict[str, Any]
                    ) -> tuple[list[Desc], dict[str, Any]]:
    a = x["input"]
    assert isinstance(a, Desc)
    # the arguments, converted by ir.convert
    exclusive, rev = attrs["exclusive"], attrs["reversed"]
    axis = check_axis(op, "axis", attrs.get("axis"), a.rank)
    return [a], {"axis": axis, "exclusive": exclusive, "reversed": rev}
