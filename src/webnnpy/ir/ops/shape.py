"""Validation and shape inference for the shape family: reshape, transpose,
concat, slice, split, pad, expand, tile, reverse and triangular (spec sections
#api-mlgraphbuilder-reshape-method, -transpose, -concat, -slice, -split, -pad,
-expand, -tile, -reverse-method, -triangular).

Data types and ranks are checked against the context's limits before these
rules run (``check_limits``); each rule then follows the spec's method steps
in order.  Every op keeps the input's data type.

Spec slips read by their evident intent:

- transpose copies the input descriptor; the output shape is the permuted one.
- reverse says "return failure" for bad axes; we throw TypeError.
- expand's ``newShape`` feeds the broadcasting algorithm, whose inputs are
  "lists of positive integers": a 0 item is rejected before broadcasting.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import Any

from webnnpy.dtypes import cast_number
from webnnpy.ir.checks import (
    MAX_DIMENSION,
    MAX_TENSOR_COUNT,
    as_uint,
    as_uint_list,
    check_axes,
    check_axis,
    check_tensor_count,
    fail,
    is_unidirectionally_broadcastable,
    is_valid_dimension,
    py,
)
from webnnpy.ir.descriptor import Desc
from webnnpy.ir.registry import OperandDescs, RuleTable

__all__ = ["RULES"]

RULES = RuleTable()

Result = tuple[list[Desc], dict[str, Any]]



def _input(x: OperandDescs, name: str = "input") -> Desc:
    d = x[name]
    assert isinstance(d, Desc)
    return d


def _check_dims(op: str, name: str, dims: list[int]) -> None:
    """Every item of ``dims`` (a shape argument) must be a valid dimension."""
    for d in dims:
        if not is_valid_dimension(d):
            fail(op, f"{py(name)} {dims} has dimension {d}; every dimension must "
                     f"be in [1, {MAX_DIMENSION}]")


def _check_output_dims(op: str, shape: list[int], why: str) -> None:
    for i, d in enumerate(shape):
        if not is_valid_dimension(d):
            fail(op, f"output dimension {i} would be {d} ({why}); every "
                     f"dimension must be in [1, {MAX_DIMENSION}]")


# ------------------------------------------------------------------ reshape


@RULES.define("reshape")
def _reshape(op: str, x: OperandDescs, attrs: dict[str, Any]) -> Result:
    a = _input(x)
    new_shape = attrs["newShape"]
    # (the output rank is checked against the context's limits after the rule)
    _check_dims(op, "newShape", new_shape)
    count = math.prod(new_shape)
    if count != a.element_count:
        fail(op, f"{py('newShape')} {new_shape} has {count} elements, but the "
                 f"input shape {list(a.shape)} has {a.element_count}; they must "
                 f"match")
    return [a.with_shape(new_shape)], {"newShape": new_shape}


# ---------------------------------------------------------------- transpose


@RULES.define("transpose")
def _transpose(op: str, x: OperandDescs, attrs: dict[str, Any]) -> Result:
    a = _input(x)
    rank = a.rank
    perm_arg = attrs.get("permutation")
    if perm_arg is None:
        perm = list(range(rank))[::-1]
    else:
        perm = perm_arg
        expected = f"expected a permutation of 0..{rank - 1}" if rank else \
            "expected [] for a scalar"
        if len(perm) != rank:
            fail(op, f"permutation {perm} has {len(perm)} items, but the input "
                     f"rank is {rank}; {expected}")
        if any(p >= rank for p in perm):
            fail(op, f"permutation {perm} has an axis out of range; {expected}")
        if len(set(perm)) != rank:
            fail(op, f"permutation {perm} has duplicates; {expected}")
    # The spec copies the input descriptor (a known slip): the output shape is
    # the permuted input shape.
    shape = [a.shape[p] for p in perm]
    return [a.with_shape(shape)], {"permutation": perm}


# ------------------------------------------------------------------- concat


@RULES.define("concat")
def _concat(op: str, x: OperandDescs, attrs: dict[str, Any]) -> Result:
    inputs = x["inputs"]
    if not isinstance(inputs, list):
        fail(op, f"inputs must be a sequence of MLOperand, got a single "
                 f"MLOperand ({inputs})")
    axis = attrs["axis"]
    check_tensor_count(op, "inputs", len(inputs))
    first = inputs[0]
    if axis >= first.rank:
        fail(op, f"axis {axis} is out of range; expected an axis less than the "
                 f"rank {first.rank} of inputs[0] (shape {list(first.shape)})")
    shape = list(first.shape)
    for i, d in enumerate(inputs[1:], start=1):
        if d.data_type != first.data_type:
            fail(op, f"inputs[{i}] has data type {d.data_type}, but inputs[0] "
                     f"has {first.data_type}; they must match")
        if d.rank != first.rank:
            fail(op, f"inputs[{i}] has rank {d.rank} (shape {list(d.shape)}), "
                     f"but inputs[0] has rank {first.rank}; they must match")
        for dim in range(d.rank):
            if dim != axis and d.shape[dim] != first.shape[dim]:
                fail(op, f"inputs[{i}] shape {list(d.shape)} differs from "
                         f"inputs[0] shape {list(first.shape)} in dimension "
                         f"{dim}; only dimension {axis} (the axis) may differ")
            if dim == axis:
                size = shape[axis] + d.shape[dim]
                if not is_valid_dimension(size):
                    fail(op, f"the concatenated size along axis {axis} would be "
                             f"{size} after inputs[{i}]; it must be at most "
                             f"{MAX_DIMENSION}")
                shape[axis] = size
    return [first.with_shape(shape)], {"axis": axis}


# -------------------------------------------------------------------- slice


@RULES.define("slice")
def _slice(op: str, x: OperandDescs, attrs: dict[str, Any]) -> Result:
    a = _input(x)
    rank = a.rank
    starts = attrs["starts"]
    sizes = attrs["sizes"]
    strides = attrs.get("strides")
    if 0 in sizes:
        fail(op, f"sizes {sizes} has a 0 item; every size must be at least 1")
    if len(starts) != rank or len(sizes) != rank:
        fail(op, f"starts {starts} and sizes {sizes} must both have {rank} items "
                 f"(the input rank), got {len(starts)} and {len(sizes)}")
    if strides is not None and len(strides) != rank:
        fail(op, f"strides {strides} must have {rank} items (the input rank), "
                 f"got {len(strides)}")
    if strides is None:
        strides = [1] * rank
    shape = []
    for i in range(rank):
        dim, start, size, stride = a.shape[i], starts[i], sizes[i], strides[i]
        if stride < 1:
            fail(op, f"strides {strides} has {stride} at dimension {i}; every "
                     f"stride must be at least 1")
        if start > dim:
            fail(op, f"starts {starts} has {start} at dimension {i}, beyond the "
                     f"input size {dim} (input shape {list(a.shape)})")
        if start + size > dim:
            fail(op, f"starts[{i}] + sizes[{i}] = {start} + {size} = "
                     f"{start + size} exceeds the input size {dim} in dimension "
                     f"{i} (input shape {list(a.shape)})")
        shape.append(-(-size // stride))  # ceil(size / stride)
    return [a.with_shape(shape)], {"starts": starts, "sizes": sizes,
                                   "strides": strides}


# -------------------------------------------------------------------- split


@RULES.define("split", multi_output=True)
def _split(op: str, x: OperandDescs, attrs: dict[str, Any]) -> Result:
    a = _input(x)
    splits_arg = attrs.get("splits")
    count: int | None = None
    sizes: list[int] = []
    # the IDL union (unsigned long or sequence<unsigned long>)
    if isinstance(splits_arg, numbers.Integral) and not isinstance(splits_arg, bool):
        count = as_uint(op, "splits", splits_arg)
    elif isinstance(splits_arg, (str, bytes)) or not (
            isinstance(splits_arg, Sequence | range)
            or getattr(splits_arg, "ndim", None) == 1):
        fail(op, f"splits must be an integer (a count) or a sequence of "
                 f"integers (sizes), got {splits_arg!r}")
    else:
        sizes = as_uint_list(op, "splits", splits_arg)
    axis = check_axis(op, "axis", attrs["axis"], a.rank)
    dim = a.shape[axis]
    if count is not None:
        if not 0 < count <= MAX_TENSOR_COUNT:
            fail(op, f"splits {count} (an output count) must be in "
                     f"[1, {MAX_TENSOR_COUNT}]")
        if dim % count:
            fail(op, f"splits {count} does not divide the input size {dim} "
                     f"along axis {axis} (input shape {list(a.shape)})")
        sizes = [dim // count] * count
    else:
        if not 0 < len(sizes) <= MAX_TENSOR_COUNT:
            fail(op, f"splits {sizes} has {len(sizes)} items; the output count "
                     f"must be in [1, {MAX_TENSOR_COUNT}]")
        if 0 in sizes:
            fail(op, f"splits {sizes} has a 0 item; every size must be at "
                     f"least 1")
        if sum(sizes) != dim:
            fail(op, f"splits {sizes} sum to {sum(sizes)}, but the input size "
                     f"along axis {axis} is {dim} (input shape "
                     f"{list(a.shape)}); they must be equal")
    outs = []
    for s in sizes:
        shape = list(a.shape)
        shape[axis] = s
        outs.append(a.with_shape(shape))
    return outs, {"splits": sizes, "axis": axis}


# ---------------------------------------------------------------------- pad


@RULES.define("pad")
def _pad(op: str, x: OperandDescs, attrs: dict[str, Any]) -> Result:
    a = _input(x)
    rank = a.rank
    begin = attrs["beginningPadding"]
    end = attrs["endingPadding"]
    mode, value = attrs["mode"], attrs["value"]
    if len(begin) != rank or len(end) != rank:
        fail(op, f"beginning_padding {begin} and ending_padding {end} must both "
                 f"have {rank} items (the input rank), got {len(begin)} and "
                 f"{len(end)}")
    shape = list(a.shape)
    for i in range(rank):
        if mode == "reflection":
            for name, pads in (("beginningPadding", begin),
                               ("endingPadding", end)):
                if pads[i] >= shape[i]:
                    fail(op, f"{py(name)} {pads} has {pads[i]} at dimension "
                             f"{i}; \"reflection\" padding must be less than the "
                             f"input size {shape[i]} (input shape "
                             f"{list(a.shape)})")
        shape[i] += begin[i] + end[i]
    _check_output_dims(op, shape, f"input shape {list(a.shape)} padded by "
                                  f"{begin} and {end}")
    value = cast_number(value, a.data_type)
    return [a.with_shape(shape)], {"beginningPadding": begin,
                                   "endingPadding": end, "mode": mode,
                                   "value": value}


# ------------------------------------------------------------------- expand


@RULES.define("expand")
def _expand(op: str, x: OperandDescs, attrs: dict[str, Any]) -> Result:
    a = _input(x)
    new_shape = attrs["newShape"]
    _check_dims(op, "newShape", new_shape)
    if not is_unidirectionally_broadcastable(a.shape, new_shape):
        fail(op, f"input shape {list(a.shape)} cannot be broadcast to "
                 f"{py('newShape')} {new_shape}; each input dimension, aligned "
                 f"to the right, must be 1 or equal to the new one, and the "
                 f"input rank must not exceed {len(new_shape)}")
    # (the output rank is checked against the context's limits after the rule)
    return [a.with_shape(new_shape)], {"newShape": new_shape}


# --------------------------------------------------------------------- tile


@RULES.define("tile")
def _tile(op: str, x: OperandDescs, attrs: dict[str, Any]) -> Result:
    a = _input(x)
    reps = attrs["repetitions"]
    if len(reps) != a.rank:
        fail(op, f"repetitions {reps} must have {a.rank} items (the input rank), "
                 f"got {len(reps)}")
    if 0 in reps:
        fail(op, f"repetitions {reps} has a 0 item; every repetition must be at "
                 f"least 1")
    shape = [d * r for d, r in zip(a.shape, reps, strict=True)]
    _check_output_dims(op, shape, f"input shape {list(a.shape)} tiled {reps}")
    return [a.with_shape(shape)], {"repetitions": reps}


# ------------------------------------------------------------------ reverse


@RULES.define("reverse")
def _reverse(op: str, x: OperandDescs, attrs: dict[str, Any]) -> Result:
    a = _input(x)
    axes_arg = attrs.get("axes")
    if axes_arg is None:
        axes = list(range(a.rank))
    else:
        # The spec says "return failure" here (a known slip): we throw.
        axes = check_axes(op, "axes", axes_arg, a.rank)
    return [a], {"axes": axes}


# --------------------------------------------------------------- triangular


@RULES.define("triangular")
def _triangular(op: str, x: OperandDescs, attrs: dict[str, Any]) -> Result:
    a = _input(x)
    upper, diagonal = attrs["upper"], attrs["diagonal"]
    # (rank >= 2 is the allowed-ranks check done before the rule)
    return [a], {"upper": upper, "diagonal": diagonal}
