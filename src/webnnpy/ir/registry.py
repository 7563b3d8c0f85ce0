"""The op rule registry: one explicit table per family, merged in ``ir.ops``.

A rule is ``infer(op, operands, attrs) -> (outputs, attrs)``: it receives the
operand descriptors (by spec argument name; None for absent options; a list
for sequence arguments) and the raw non-operand arguments as the caller passed
them (spec names; None where the caller passed nothing), validates them in the
spec's step order, and returns the output descriptors plus the normalized
attributes (every default resolved) that the node will store.  Rules are pure:
no data, no NumPy arrays, no backend.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from webnnpy.ir.descriptor import Desc

__all__ = [
    "InferFn",
    "InferResult",
    "OpRule",
    "OperandDescs",
    "RuleTable",
    "operand",
    "optional_operand",
]

OperandDescs = Mapping[str, "Desc | list[Desc] | None"]
InferResult = tuple[list[Desc], dict[str, Any]]
InferFn = Callable[[str, OperandDescs, dict[str, Any]], InferResult]


@dataclass(frozen=True)
class OpRule:
    """How to validate an op and infer its outputs."""

    name: str
    infer: InferFn
    #: True when the builder method returns ``sequence<MLOperand>``
    multi_output: bool = False


class RuleTable(dict[str, OpRule]):
    """A family's rules, keyed by spec op name."""

    def define(
        self, *names: str, multi_output: bool = False
    ) -> Callable[[InferFn], InferFn]:
        """Register ``fn`` as the rule of each op in ``names``."""

        def deco(fn: InferFn) -> InferFn:
            for n in names:
                if n in self:
                    raise ValueError(f"rule for {n} defined twice")
                self[n] = OpRule(n, fn, multi_output)
            return fn

        return deco


def operand(x: OperandDescs, name: str) -> Desc:
    """The descriptor of the single-MLOperand argument ``name`` (the builder
    has already checked its type and builder)."""
    d = x[name]
    assert isinstance(d, Desc), f"{name} is not a single operand"
    return d


def optional_operand(x: OperandDescs, name: str) -> Desc | None:
    """The descriptor of an optional single-MLOperand option, or None."""
    d = x.get(name)
    assert d is None or isinstance(d, Desc), f"{name} is not a single operand"
    return d
