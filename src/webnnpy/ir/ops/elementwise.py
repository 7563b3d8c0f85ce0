"""Validation and shape inference for the element-wise family: binary
arithmetic, comparisons, logical ops, isNaN/isInfinite and unary math
(spec sections #api-mlgraphbuilder-binary, -logical, -unary).

Data types and ranks are checked against the context's limits before these
rules run (``check_limits``); what remains is broadcasting and output types.
"""

from __future__ import annotations

from typing import Any

from webnnpy.ir.checks import broadcast_bidirectional
from webnnpy.ir.descriptor import Desc
from webnnpy.ir.registry import OperandDescs, RuleTable

__all__ = ["BINARY", "COMPARISON", "LOGICAL_BINARY", "RULES", "UNARY"]

RULES = RuleTable()

BINARY = ("add", "sub", "mul", "div", "max", "min", "pow")
COMPARISON = ("equal", "notEqual", "greater", "greaterOrEqual", "lesser",
              "lesserOrEqual")
LOGICAL_BINARY = ("logicalAnd", "logicalOr", "logicalXor")
UNARY = ("abs", "ceil", "cos", "erf", "exp", "floor", "identity", "log", "neg",
         "reciprocal", "roundEven", "sin", "sign", "sqrt", "tan")


@RULES.define(*BINARY)
def _binary(op: str, x: OperandDescs, attrs: dict[str, Any]
            ) -> tuple[list[Desc], dict[str, Any]]:
    a, b = x["a"], x["b"]
    assert isinstance(a, Desc) and isinstance(b, Desc)
    shape = broadcast_bidirectional(op, a.shape, b.shape)
    return [Desc(a.data_type, shape)], {}


@RULES.define(*COMPARISON, *LOGICAL_BINARY)
def _compare(op: str, x: OperandDescs, attrs: dict[str, Any]
             ) -> tuple[list[Desc], dict[str, Any]]:
    a, b = x["a"], x["b"]
    assert isinstance(a, Desc) and isinstance(b, Desc)
    shape = broadcast_bidirectional(op, a.shape, b.shape)
    return [Desc("uint8", shape)], {}


@RULES.define("logicalNot", "isNaN", "isInfinite")
def _predicate(op: str, x: OperandDescs, attrs: dict[str, Any]
               ) -> tuple[list[Desc], dict[str, Any]]:
    a = x["a"]
    assert isinstance(a, Desc)
    return [Desc("uint8", a.shape)], {}


@RULES.define(*UNARY)
def _unary(op: str, x: OperandDescs, attrs: dict[str, Any]
           ) -> tuple[list[Desc], dict[str, Any]]:
    a = x["input"]
    assert isinstance(a, Desc)
    return [a], {}
