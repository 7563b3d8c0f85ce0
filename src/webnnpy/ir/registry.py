"""The op tables: one family list and one generic table type.

Every operator belongs to one family (:data:`FAMILIES`).  Each layer that has
something per operator keeps one table per family, in a module named after
the family: the rules (``ir/ops/<family>.py``, :data:`RULES`), the reference
kernels (``backends/numpy/kernels/<family>.py``, ``KERNELS``) and each native
backend's lowerings (``backends/<backend>/lower_ops/<family>.py``,
``LOWERINGS``).  They are all :class:`OpTable` values, merged by
:func:`merge_families`; ``tests/test_op_tables.py`` names the file and the op
wherever a family lacks one.

A rule is ``infer(op, operands, attrs) -> (outputs, attrs)``: it receives the
operand descriptors (by spec argument name; None for absent options; a list
for sequence arguments) and the raw non-operand arguments as the caller passed
them (spec names; None where the caller passed nothing), validates them in the
spec's step order, and returns the output descriptors plus the normalized
attributes (every default resolved) that the node will store.  Rules are pure:
no data, no NumPy arrays, no backend.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final, Generic, TypeVar

from webnnpy.ir.convert import convert_arguments
from webnnpy.ir.descriptor import Desc

__all__ = [
    "FAMILIES",
    "InferFn",
    "InferResult",
    "OpRule",
    "OpTable",
    "OperandDescs",
    "RuleTable",
    "merge_families",
    "operand",
    "optional_operand",
]

OperandDescs = Mapping[str, "Desc | list[Desc] | None"]
InferResult = tuple[list[Desc], dict[str, Any]]
InferFn = Callable[[str, OperandDescs, dict[str, Any]], InferResult]


#: The operator families, in the order the spec's operator sections run.
#: Every per-operator layer has one module of this name per family.
FAMILIES: Final[tuple[str, ...]] = (
    "elementwise", "activation", "conv_pool", "matmul_norm", "reduction",
    "shape", "gather_scatter", "misc", "recurrent", "quantization")

T = TypeVar("T")


class OpTable(dict[str, T], Generic[T]):
    """One family's entries of one layer (rules, kernels, lowerings), keyed by
    spec op name."""

    def define(self, *names: str) -> Callable[[T], T]:
        """Register the decorated value as the entry of each op in ``names``."""

        def deco(value: T) -> T:
            for n in names:
                self.add(n, value)
            return value

        return deco

    def add(self, name: str, value: T) -> None:
        """Register ``value`` for op ``name``; an op is defined once."""
        if name in self:
            raise ValueError(f"{name} defined twice in one table")
        self[name] = value


def merge_families(package: str, attr: str) -> dict[str, Any]:
    """The entries of ``<package>.<family>.<attr>`` for every family of
    :data:`FAMILIES`, merged; an op in two families is an error."""
    merged: dict[str, Any] = {}
    seen: dict[str, str] = {}
    for family in FAMILIES:
        table = getattr(importlib.import_module(f"{package}.{family}"), attr)
        for op, value in table.items():
            if op in merged:
                raise ValueError(f"{op} defined in {package}.{seen[op]} and "
                                 f"{package}.{family}")
            merged[op] = value
            seen[op] = family
    return merged


@dataclass(frozen=True)
class OpRule:
    """How to validate an op and infer its outputs."""

    name: str
    infer: InferFn
    #: True when the builder method returns ``sequence<MLOperand>``
    multi_output: bool = False
    #: ``check(node)``: why a node the builder's steps accepted has no
    #: defined computation (``build()`` rejects it with OperationError), or
    #: None; for the few ops whose steps leave such a case open
    build_check: Callable[[Any], str | None] | None = None


class RuleTable(OpTable[OpRule]):
    """A family's rules, keyed by spec op name."""

    def define(  # type: ignore[override]
        self, *names: str, multi_output: bool = False,
        build_check: Callable[[Any], str | None] | None = None,
    ) -> Callable[[InferFn], InferFn]:
        """Register ``fn`` as the rule of each op in ``names``."""

        def deco(fn: InferFn) -> InferFn:
            def infer(op: str, x: OperandDescs, attrs: dict[str, Any]
                      ) -> InferResult:
                # the IDL conversion of the arguments, for every rule
                return fn(op, x, convert_arguments(op, attrs))

            for n in names:
                self.add(n, OpRule(n, infer, multi_output, build_check))
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
