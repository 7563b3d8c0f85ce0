"""Validation and shape inference for the matmul_norm family (spec steps, in order):
matmul, gemm (#api-mlgraphbuilder-matmul, -gemm) and batchNormalization,
instanceNormalization, layerNormalization (#api-mlgraphbuilder-batchnorm,
-instancenorm, -layernorm).

Data types and ranks (including "same type as" constraints) are checked
against the context's limits before these rules run; what remains is shapes
and options.  The normalized attributes hold every option with its default
resolved; ``alpha``, ``beta`` and ``epsilon`` are stored *after* the spec's
cast to the input's data type (so a float16 graph stores float16 values).
"""

from __future__ import annotations

from typing import Any

from webnnpy.dtypes import cast_number
from webnnpy.ir.checks import (
    broadcast_bidirectional,
    check_axes,
    fail,
    is_unidirectionally_broadcastable,
    py,
)
from webnnpy.ir.descriptor import Desc
from webnnpy.ir.registry import OperandDescs, RuleTable, operand, optional_operand

__all__ = ["RULES"]

RULES = RuleTable()

Result = tuple[list[Desc], dict[str, Any]]

#: IDL defaults of the options this family resolves.
DEFAULT_EPSILON = 1e-5
DEFAULT_ALPHA = 1.0
DEFAULT_BETA = 1.0
DEFAULT_BATCH_NORM_AXIS = 1
DEFAULT_LAYOUT = "nchw"


def _double(op: str, name: str, value: Any, default: float) -> float:
    """A ``double`` option (converted by ir.convert), its IDL default when
    absent."""
    return default if value is None else float(value)


def _cast(value: float, data_type: str) -> float:
    """The spec's *cast* of a double option to the input's data type."""
    return float(cast_number(value, data_type))


def _check_1d_size(op: str, name: str, d: Desc | None, size: int,
                   what: str) -> None:
    """``d`` (if present) must have shape « size »."""
    if d is not None and d.shape != (size,):
        fail(op, f"{py(name)} shape {list(d.shape)} must be [{size}] ({what})")


# ------------------------------------------------------------------ matmul


@RULES.define("matmul")
def _matmul(op: str, x: OperandDescs, attrs: dict[str, Any]) -> Result:
    a, b = operand(x, "a"), operand(x, "b")
    if a.rank < 2 or b.rank < 2:
        fail(op, f"a and b must have rank 2 or more, got shapes {list(a.shape)} "
                 f"and {list(b.shape)}")
    rows_a, cols_a = a.shape[-2:]
    rows_b, cols_b = b.shape[-2:]
    if cols_a != rows_b:
        fail(op, f"a shape {list(a.shape)} has {cols_a} columns but b shape "
                 f"{list(b.shape)} has {rows_b} rows; they must be equal")
    batch_a, batch_b = a.shape[:-2], b.shape[:-2]
    rank = max(len(batch_a), len(batch_b))
    pa = (1,) * (rank - len(batch_a)) + batch_a
    pb = (1,) * (rank - len(batch_b)) + batch_b
    if any(da != db and 1 not in (da, db) for da, db in zip(pa, pb, strict=True)):
        fail(op, f"the batch dimensions of a shape {list(a.shape)} and b shape "
                 f"{list(b.shape)} ({list(batch_a)} and {list(batch_b)}) are not "
                 f"broadcastable")
    batch = broadcast_bidirectional(op, batch_a, batch_b)
    return [Desc(a.data_type, (*batch, rows_a, cols_b))], {}


# -------------------------------------------------------------------- gemm


@RULES.define("gemm")
def _gemm(op: str, x: OperandDescs, attrs: dict[str, Any]) -> Result:
    a, b, c = operand(x, "a"), operand(x, "b"), optional_operand(x, "c")
    # the options, converted by ir.convert
    alpha = _double(op, "alpha", attrs.get("alpha"), DEFAULT_ALPHA)
    beta = _double(op, "beta", attrs.get("beta"), DEFAULT_BETA)
    a_t = bool(attrs.get("aTranspose", False))
    b_t = bool(attrs.get("bTranspose", False))
    # data types and ranks of a and b: checked against the limits already
    alpha = _cast(alpha, a.data_type)
    beta = _cast(beta, a.data_type)
    shape_a = a.shape[::-1] if a_t else a.shape
    shape_b = b.shape[::-1] if b_t else b.shape
    if shape_a[1] != shape_b[0]:
        fail(op, f"a shape {list(a.shape)} (a_transpose={a_t}) gives K = "
                 f"{shape_a[1]} but b shape {list(b.shape)} (b_transpose={b_t}) "
                 f"gives K = {shape_b[0]}; they must be equal")
    out = (shape_a[0], shape_b[1])
    if c is not None and not is_unidirectionally_broadcastable(c.shape, out):
        fail(op, f"c shape {list(c.shape)} is not unidirectionally broadcastable "
                 f"to the output shape {list(out)} ([M, N])")
    return [Desc(a.data_type, out)], {
        "alpha": alpha, "beta": beta, "aTranspose": a_t, "bTranspose": b_t}


# ----------------------------------------------------- batchNormalization


@RULES.define("batchNormalization")
def _batch_norm(op: str, x: OperandDescs, attrs: dict[str, Any]) -> Result:
    inp = operand(x, "input")
    mean, variance = operand(x, "mean"), operand(x, "variance")
    scale, bias = optional_operand(x, "scale"), optional_operand(x, "bias")
    # the options, converted by ir.convert
    axis = attrs.get("axis")
    axis = DEFAULT_BATCH_NORM_AXIS if axis is None else axis
    eps = _double(op, "epsilon", attrs.get("epsilon"), DEFAULT_EPSILON)
    if axis >= inp.rank:
        fail(op, f"axis {axis} is out of range; expected an axis less than the "
                 f"input rank {inp.rank} (input shape {list(inp.shape)})")
    size = inp.shape[axis]
    what = f"input shape {list(inp.shape)} at axis {axis}"
    _check_1d_size(op, "mean", mean, size, what)
    _check_1d_size(op, "variance", variance, size, what)
    eps = _cast(eps, inp.data_type)
    _check_1d_size(op, "scale", scale, size, what)
    _check_1d_size(op, "bias", bias, size, what)
    return [inp], {"axis": axis, "epsilon": eps}


# -------------------------------------------------- instanceNormalization


@RULES.define("instanceNormalization")
def _instance_norm(op: str, x: OperandDescs, attrs: dict[str, Any]) -> Result:
    inp = operand(x, "input")
    scale, bias = optional_operand(x, "scale"), optional_operand(x, "bias")
    eps = _double(op, "epsilon", attrs.get("epsilon"), DEFAULT_EPSILON)
    layout = attrs.get("layout") or DEFAULT_LAYOUT
    # data type and rank 4 of input: checked against the limits already
    eps = _cast(eps, inp.data_type)
    axis = 1 if layout == "nchw" else 3
    what = f"the channels of input shape {list(inp.shape)} in layout {layout!r}"
    _check_1d_size(op, "scale", scale, inp.shape[axis], what)
    _check_1d_size(op, "bias", bias, inp.shape[axis], what)
    return [inp], {"epsilon": eps, "layout": layout}


# ----------------------------------------------------- layerNormalization


@RULES.define("layerNormalization")
def _layer_norm(op: str, x: OperandDescs, attrs: dict[str, Any]) -> Result:
    inp = operand(x, "input")
    scale, bias = optional_operand(x, "scale"), optional_operand(x, "bias")
    eps = _double(op, "epsilon", attrs.get("epsilon"), DEFAULT_EPSILON)
    axes_arg = attrs.get("axes")
    if axes_arg is None:
        axes = list(range(1, inp.rank)) if inp.rank > 1 else []
    else:
        axes = check_axes(op, "axes", axes_arg, inp.rank)
    eps = _cast(eps, inp.data_type)
    want = [inp.shape[a] for a in axes]
    for name, d in (("scale", scale), ("bias", bias)):
        if d is not None and d.rank != len(axes):
            fail(op, f"{name} has rank {d.rank} (shape {list(d.shape)}) but axes "
                     f"{axes} has {len(axes)} items; expected shape {want}")
    for index, axis in enumerate(axes):
        size = inp.shape[axis]
        for name, d in (("scale", scale), ("bias", bias)):
            if d is not None and d.shape[index] != size:
                fail(op, f"{name} shape {list(d.shape)} has {d.shape[index]} at "
                         f"index {index}, but input dimension {axis} (axes"
                         f"[{index}]) is {size}; expected shape {want}")
    return [inp], {"axes": axes, "epsilon": eps}
