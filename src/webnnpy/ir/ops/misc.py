"""Validation and shape inference for the misc family (spec steps, in order):
``where`` (#api-mlgraphbuilder-where), ``cast`` (#api-mlgraphbuilder-cast)
and ``resample2d`` (#api-mlgraphbuilder-resample2d-method).

Data types and ranks were checked against the context's limits before these
rules run (``check_limits``), and the output's data type after them
(``check_output_limits``: for cast, that is the step "if dataType is not one
of the output's allowed data types").

Spec slips and gaps read by their evident intent:

- cast's steps "copy" the input operand for the output; the output has the
  target ``dataType`` (the op's whole point).
- resample2d's ``axes`` is "a list of length 2" but the steps only check
  duplicates and range: a length other than 2 is rejected here too, since
  the output-shape steps index ``scales``/``sizes`` by the axes' positions.
  Any two distinct axes are allowed, in either order (the spec no longer
  restricts them to consecutive pairs).
- resample2d's ``scales`` are IDL ``float``: each value is rounded to float32
  on conversion (a value that overflows float32 is a TypeError, as WebIDL's
  restricted float says), and the output size is ``floor(inputSize * scale)``
  computed exactly with that float32 value.

Normalized attributes (what kernels and lowerings read):

- ``where``: ``{}``.
- ``cast``: ``{"dataType": str}``.
- ``resample2d``: ``{"mode": str, "scales": [float, float] (the float32
  values; default [1.0, 1.0]), "sizes": [int, int] (the output sizes along
  ``axes``, always resolved: the given sizes, or floor(inputSize * scale)),
  "axes": [int, int] (default [2, 3])}``.  The interpolation uses
  ``scale = outputSize / inputSize`` with the resolved sizes, as the spec's
  mode formulas say, so a lowering should pass ``sizes``.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

from webnnpy.ir.checks import (
    fail,
    is_valid_dimension,
    py,
)
from webnnpy.ir.descriptor import Desc
from webnnpy.ir.registry import OperandDescs, RuleTable

__all__ = ["RULES"]

RULES = RuleTable()


def _operand(op: str, x: OperandDescs, name: str) -> Desc:
    """The single-operand argument(s) as Desc (a defensive check: the builder
    already rejects a sequence where the spec takes one MLOperand)."""
    d = x[name]
    if not isinstance(d, Desc):
        fail(op, f"{py(name)} must be an MLOperand, got a sequence")
    return d


def _broadcast(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...] | None:
    """The spec's *bidirectionally broadcasting*, or None on failure."""
    rank = max(len(a), len(b))
    pa = (1,) * (rank - len(a)) + a
    pb = (1,) * (rank - len(b)) + b
    out = []
    for da, db in zip(pa, pb, strict=True):
        if da != db and 1 not in (da, db):
            return None
        out.append(db if da == 1 else da)
    return tuple(out)


@RULES.define("where")
def _where(op: str, x: OperandDescs, attrs: dict[str, Any]
           ) -> tuple[list[Desc], dict[str, Any]]:
    cond, t, f = (_operand(op, x, n)
                  for n in ("condition", "trueValue", "falseValue"))
    shape = _broadcast(t.shape, f.shape)
    if shape is None:
        fail(op, f"{py('trueValue')} shape {list(t.shape)} and "
                 f"{py('falseValue')} shape {list(f.shape)} are not broadcastable")
    out = _broadcast(cond.shape, shape)
    if out is None:
        fail(op, f"condition shape {list(cond.shape)} is not broadcastable with "
                 f"{list(shape)}, the broadcast shape of {py('trueValue')} and "
                 f"{py('falseValue')}")
    return [Desc(t.data_type, out)], {}


@RULES.define("cast")
def _cast(op: str, x: OperandDescs, attrs: dict[str, Any]
          ) -> tuple[list[Desc], dict[str, Any]]:
    a = _operand(op, x, "input")
    data_type = attrs["dataType"]
    # the output has the target data type (the steps' "copy input" is a slip)
    return [Desc(data_type, a.shape)], {"dataType": data_type}


@RULES.define("resample2d")
def _resample2d(op: str, x: OperandDescs, attrs: dict[str, Any]
                ) -> tuple[list[Desc], dict[str, Any]]:
    a = _operand(op, x, "input")
    # the options, converted by ir.convert
    axes, mode = attrs.get("axes"), attrs["mode"]
    scales, sizes = attrs.get("scales"), attrs.get("sizes")
    # method steps
    if scales is None:
        scales = [1.0, 1.0]
    else:
        if len(scales) != 2:
            fail(op, f"scales {scales} must have 2 items, got {len(scales)}")
        if any(s <= 0 for s in scales):
            fail(op, f"scales {scales} has an item <= 0; every scale must be "
                     f"greater than 0")
    if sizes is not None:
        if len(sizes) != 2:
            fail(op, f"sizes {sizes} must have 2 items, got {len(sizes)}")
        if 0 in sizes:
            fail(op, f"sizes {sizes} has an item 0; every size must be greater "
                     f"than 0")
    if axes is None:
        axes = [2, 3]
    else:
        if len(axes) != 2:
            fail(op, f"axes {axes} must have 2 items, got {len(axes)}")
        if len(set(axes)) != len(axes):
            fail(op, f"axes {axes} has duplicates; expected two different axes")
        for ax in axes:
            if ax >= a.rank:
                fail(op, f"axes {axes} has axis {ax}; every axis must be less "
                         f"than the input rank {a.rank}")
    # calculate the output shape
    shape = list(a.shape)
    out_sizes = []
    for i, ax in enumerate(axes):
        if sizes is not None:
            size = sizes[i]
            how = f"sizes[{i}]"
        else:
            size = math.floor(a.shape[ax] * Fraction(scales[i]))
            how = f"floor({a.shape[ax]} * scales[{i}] {scales[i]!r})"
        if not is_valid_dimension(size):
            fail(op, f"output size {size} along axis {ax} ({how}) is not a valid "
                     f"dimension; expected an integer in [1, 2**31 - 1]")
        shape[ax] = size
        out_sizes.append(size)
    return [Desc(a.data_type, tuple(shape))], {
        "mode": mode, "scales": scales, "sizes": out_sizes, "axes": axes}
