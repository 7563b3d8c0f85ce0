"""Values, nodes and graphs of the IR.

A :class:`Node` stores the op under its spec name and its arguments under the
spec's own spelling (``operands`` for MLOperand-typed arguments and options,
``attrs`` for everything else, defaults resolved), so that backends, the
JavaScript exporter and debugging output need no per-op renaming.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from webnnpy.ir.descriptor import Desc
from webnnpy.ir.mapped import FileRange

__all__ = ["Graph", "Node", "Value"]


@dataclass(eq=False)
class Value:
    """One operand of the graph: an input, a constant, or an op's output."""

    desc: Desc
    #: the node producing it (None for inputs and constants)
    producer: Node | None = None
    #: graph-input name, for input operands
    input_name: str | None = None
    #: constant data (already of ``desc``'s dtype and shape), for constants
    constant: np.ndarray | None = None
    #: a stable id, unique within a builder, for naming in lowerings and traces
    id: int = -1
    #: for a constant whose data is a whole read-only map of a file range:
    #: where (see :mod:`webnnpy.ir.mapped`)
    source: FileRange | None = None

    @property
    def is_input(self) -> bool:
        """True for graph inputs."""
        return self.input_name is not None

    @property
    def is_constant(self) -> bool:
        """True for constants."""
        return self.constant is not None


OperandArg = Value | None | list[Value]


@dataclass(eq=False)
class Node:
    """One operator: spec name, operand arguments, other arguments, outputs."""

    op: str
    operands: dict[str, OperandArg]
    attrs: dict[str, Any]
    outputs: list[Value] = field(default_factory=list)
    label: str = ""
    #: the options the caller passed (spec names), whose resolved values are
    #: in ``attrs`` with every default filled in; None where unknown (a
    #: graph read back from a cache)
    given: frozenset[str] | None = None
    #: the non-operand arguments as the caller passed them (spec names; None
    #: where absent), from which the rule can run again for other input
    #: shapes (``ir.specialize``); None where unknown
    raw: dict[str, Any] | None = None

    def input_values(self) -> list[Value]:
        """Every operand value this node reads, in argument order."""
        vals: list[Value] = []
        for arg in self.operands.values():
            if isinstance(arg, list):
                vals.extend(arg)
            elif arg is not None:
                vals.append(arg)
        return vals


@dataclass(eq=False)
class Graph:
    """A built graph: named inputs and outputs, and the nodes that produce the
    outputs in a topological order (the order they were created in)."""

    inputs: dict[str, Value]
    outputs: dict[str, Value]
    nodes: list[Node]

    def constants(self) -> list[Value]:
        """Every constant read by the graph's nodes, each once."""
        seen: dict[int, Value] = {}
        for node in self.nodes:
            for v in node.input_values():
                if v.is_constant:
                    seen.setdefault(id(v), v)
        return list(seen.values())

    @staticmethod
    def from_outputs(outputs: dict[str, Value]) -> Graph:
        """Collect what ``outputs`` depend on, as the spec's build() walk does."""
        nodes: dict[int, Node] = {}
        inputs: dict[str, Value] = {}
        stack = list(outputs.values())
        seen: set[int] = set()
        while stack:
            v = stack.pop()
            if id(v) in seen:
                continue
            seen.add(id(v))
            if v.is_input:
                assert v.input_name is not None
                inputs[v.input_name] = v
            if v.producer is not None:
                nodes[id(v.producer)] = v.producer
                stack.extend(v.producer.input_values())
        # ids grow in creation order, and creation order is topological.
        ordered = sorted(nodes.values(), key=lambda n: n.outputs[0].id)
        ordered_inputs = dict(sorted(inputs.items(), key=lambda kv: kv[1].id))
        return Graph(ordered_inputs, dict(outputs), ordered)
