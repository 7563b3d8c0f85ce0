"""Validation and shape inference for the activation family (spec steps, in order):
clamp, elu, gelu, hardSigmoid, hardSwish, leakyRelu, linear, prelu, relu,
sigmoid, softmax, softplus, softsign and tanh.

Data types and ranks are checked against the context's limits before these
rules run (``check_limits``).  What remains is each op's own steps: casting
the double options (alpha, beta) and clamp's MLNumber bounds to the input's
data type, softmax's axis, prelu's broadcasting.

Normalized attributes (spec spelling, every default resolved):

- elu, leakyRelu: ``alpha``; hardSigmoid, linear: ``alpha``, ``beta`` - each
  already cast to the input's data type (a Python float holding the float16 or
  float32 value);
- clamp: ``minValue``, ``maxValue`` cast to the input's data type; an omitted
  bound is resolved to the type's lowest (``-inf`` / the integer minimum) or
  highest value, so that applying it changes nothing (the prose's intent; the
  algorithm's swapped +/-Infinity defaults are a known slip);
- softmax: ``axis``;
- the others: no attributes.
"""

from __future__ import annotations

import math
from typing import Any

from webnnpy.dtypes import cast_number
from webnnpy.ir.checks import (
    broadcast_bidirectional,
    check_axis,
    fail,
    py,
)
from webnnpy.ir.descriptor import Desc
from webnnpy.ir.registry import InferResult, OperandDescs, RuleTable

__all__ = ["DOUBLE_OPTIONS", "PLAIN", "RULES"]

RULES = RuleTable()

#: Ops whose only attributes are double options cast to the input's type.
DOUBLE_OPTIONS: dict[str, tuple[str, ...]] = {
    "elu": ("alpha",),
    "hardSigmoid": ("alpha", "beta"),
    "leakyRelu": ("alpha",),
    "linear": ("alpha", "beta"),
}
#: Ops with no attributes at all.
PLAIN = ("gelu", "hardSwish", "relu", "sigmoid", "softplus", "softsign", "tanh")


def _input(x: OperandDescs) -> Desc:
    a = x["input"]
    assert isinstance(a, Desc)
    return a


def _cast_double_option(op: str, name: str, value: Any, data_type: str) -> float:
    """A ``double`` option (converted, its IDL default filled in) cast to
    ``data_type``."""
    return float(cast_number(value, data_type))


@RULES.define(*PLAIN)
def _plain(op: str, x: OperandDescs, attrs: dict[str, Any]) -> InferResult:
    return [_input(x)], {}


@RULES.define(*DOUBLE_OPTIONS)
def _with_doubles(op: str, x: OperandDescs, attrs: dict[str, Any]) -> InferResult:
    a = _input(x)
    out = {name: _cast_double_option(op, name, attrs.get(name), a.data_type)
           for name in DOUBLE_OPTIONS[op]}
    return [a], out


@RULES.define("clamp")
def _clamp(op: str, x: OperandDescs, attrs: dict[str, Any]) -> InferResult:
    a = _input(x)
    dt = a.data_type
    lo_raw, hi_raw = attrs.get("minValue"), attrs.get("maxValue")
    # An omitted bound is not applied: resolve it to -/+Infinity (cast to the
    # type, that is its lowest/highest value), which leaves every element as is.
    lo = cast_number(-math.inf if lo_raw is None else lo_raw, dt)
    hi = cast_number(math.inf if hi_raw is None else hi_raw, dt)
    if lo > hi:
        fail(op, f"{py('minValue')} {lo_raw!r} (as {dt}: {lo!r}) is greater than "
                 f"{py('maxValue')} {hi_raw!r} (as {dt}: {hi!r}); expected "
                 f"min_value <= max_value")
    return [a], {"minValue": lo, "maxValue": hi}


@RULES.define("prelu")
def _prelu(op: str, x: OperandDescs, attrs: dict[str, Any]) -> InferResult:
    a, slope = x["input"], x["slope"]
    assert isinstance(a, Desc) and isinstance(slope, Desc)
    shape = broadcast_bidirectional(op, slope.shape, a.shape, "slope", "input")
    return [Desc(a.data_type, shape)], {}


@RULES.define("softmax")
def _softmax(op: str, x: OperandDescs, attrs: dict[str, Any]) -> InferResult:
    a = _input(x)
    axis = check_axis(op, "axis", attrs["axis"], a.rank)
    return [a], {"axis": axis}
