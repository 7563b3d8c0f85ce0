"""Validation and shape inference for the gather_scatter family (spec steps, in
order): ``gather`` (#api-mlgraphbuilder-gather), ``gatherElements``
(#api-mlgraphbuilder-gatherelements), ``gatherND``
(#api-mlgraphbuilder-gathernd), ``scatterElements``
(#api-mlgraphbuilder-scatterelements) and ``scatterND``
(#api-mlgraphbuilder-scatternd).

Data types, the "same type as" constraints and the rank ranges of the
tensor-limits tables were checked before these rules run (``check_limits``);
what remains is the "same rank as input" rows, the axis and the shapes.

Index values are not known at build time, so they are not checked here: the
kernels clamp every index into ``[-dim, dim - 1]`` and then add ``dim`` to the
negative ones, so nothing reads or writes outside a tensor.

Spec slips read by their evident intent:

- gatherElements' steps "copy" the input operand for the output, but the
  output has the shape of ``indices`` (see the spec's examples): here
  ``Desc(input.data_type, indices.shape)``.
- scatterND's "Returns" text gives the rank of gatherND's output; the method
  steps (and the sense of the op) give the input's shape, used here.

Normalized attributes (what kernels and lowerings read):

- ``gather``, ``gatherElements``, ``scatterElements``: ``{"axis": int}``.
- ``gatherND``, ``scatterND``: ``{}``.
"""

from __future__ import annotations

from typing import Any

from webnnpy.ir.checks import check_axis, fail
from webnnpy.ir.descriptor import Desc
from webnnpy.ir.registry import OperandDescs, RuleTable

__all__ = ["RULES"]

RULES = RuleTable()


def _axis_option(op: str, attrs: dict[str, Any]) -> int:
    """``options.axis`` (converted, default 0); its range is checked later,
    in the method steps."""
    return int(attrs["axis"])


def _same_rank(op: str, name: str, d: Desc, input_: Desc) -> None:
    """The tensor-limits rows whose allowed rank is "same as input"."""
    if d.rank != input_.rank:
        fail(op, f"{name} has rank {d.rank} (shape {list(d.shape)}); expected "
                 f"rank {input_.rank}, the rank of input (shape "
                 f"{list(input_.shape)})")


def _check_indices_shape(op: str, input_: Desc, indices: Desc, axis: int) -> None:
    """indices' shape must equal input's except along ``axis``."""
    expected = list(input_.shape)
    expected[axis] = indices.shape[axis]
    if list(indices.shape) != expected:
        fail(op, f"indices shape {list(indices.shape)} must equal the input shape "
                 f"{list(input_.shape)} except along axis {axis}; expected "
                 f"{expected}")


def _coordinate_size(op: str, input_: Desc, indices: Desc) -> int:
    """indices' last dimension: the length of each coordinate into input."""
    k = indices.shape[-1]
    if k > input_.rank:
        fail(op, f"indices shape {list(indices.shape)} has coordinates of size {k} "
                 f"(its last dimension); expected at most the input rank "
                 f"{input_.rank}")
    return k


def _operands(op: str, x: OperandDescs, *names: str) -> list[Desc]:
    """The single-operand argument(s) as Desc (a defensive check: the builder
    already rejects a sequence where the spec takes one MLOperand)."""
    out = []
    for n in names:
        d = x[n]
        if not isinstance(d, Desc):
            fail(op, f"{n} must be an MLOperand, got a sequence")
        out.append(d)
    return out


@RULES.define("gather")
def _gather(op: str, x: OperandDescs, attrs: dict[str, Any]
            ) -> tuple[list[Desc], dict[str, Any]]:
    input_, indices = _operands(op, x, "input", "indices")
    axis = _axis_option(op, attrs)
    axis = check_axis(op, "axis", axis, input_.rank)
    shape = input_.shape[:axis] + indices.shape + input_.shape[axis + 1:]
    return [Desc(input_.data_type, shape)], {"axis": axis}


@RULES.define("gatherElements")
def _gather_elements(op: str, x: OperandDescs, attrs: dict[str, Any]
                     ) -> tuple[list[Desc], dict[str, Any]]:
    input_, indices = _operands(op, x, "input", "indices")
    axis = _axis_option(op, attrs)
    _same_rank(op, "indices", indices, input_)
    axis = check_axis(op, "axis", axis, input_.rank)
    _check_indices_shape(op, input_, indices, axis)
    # the output has indices' shape (the steps' "copy input" is a slip)
    return [Desc(input_.data_type, indices.shape)], {"axis": axis}


@RULES.define("gatherND")
def _gather_nd(op: str, x: OperandDescs, attrs: dict[str, Any]
               ) -> tuple[list[Desc], dict[str, Any]]:
    input_, indices = _operands(op, x, "input", "indices")
    k = _coordinate_size(op, input_, indices)
    shape = indices.shape[:-1] + input_.shape[k:]
    return [Desc(input_.data_type, shape)], {}


@RULES.define("scatterElements")
def _scatter_elements(op: str, x: OperandDescs, attrs: dict[str, Any]
                      ) -> tuple[list[Desc], dict[str, Any]]:
    input_, indices, updates = _operands(op, x, "input", "indices", "updates")
    axis = _axis_option(op, attrs)
    _same_rank(op, "indices", indices, input_)
    _same_rank(op, "updates", updates, input_)
    axis = check_axis(op, "axis", axis, input_.rank)
    _check_indices_shape(op, input_, indices, axis)
    if updates.shape != indices.shape:
        fail(op, f"updates shape {list(updates.shape)} must equal the indices "
                 f"shape {list(indices.shape)}")
    return [input_], {"axis": axis}


@RULES.define("scatterND")
def _scatter_nd(op: str, x: OperandDescs, attrs: dict[str, Any]
                ) -> tuple[list[Desc], dict[str, Any]]:
    input_, indices, updates = _operands(op, x, "input", "indices", "updates")
    k = _coordinate_size(op, input_, indices)
    expected = indices.shape[:-1] + input_.shape[k:]
    if updates.shape != expected:
        fail(op, f"updates shape {list(updates.shape)} must be indices.shape[:-1] "
                 f"+ input.shape[{k}:]; expected {list(expected)}")
    # the output has the input's shape (the "Returns" text is a slip)
    return [input_], {}
