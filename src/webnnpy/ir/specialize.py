"""A graph with dynamic input dimensions made static for concrete input
shapes: every node's rule runs again, in order, on the new operand
descriptors and the arguments the caller passed (``Node.raw``), so the
spec's validation applies to the concrete shapes (the dynamic-shape
explainer's deferred, dispatch-time validation) and the result is an
ordinary static graph any backend compiles.  Constants are shared.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from webnnpy.ir.descriptor import Desc
from webnnpy.ir.graph import Graph, Node, OperandArg, Value
from webnnpy.ir.ops import RULES

__all__ = ["specialize"]


def specialize(graph: Graph, shapes: Mapping[str, Sequence[int]]) -> Graph:
    """``graph`` re-inferred with input ``name`` of shape ``shapes[name]``.

    Raises:
        TypeError: a rule refuses the concrete shapes (its message names the
            op, prefixed with the node's label as the builder does).
    """
    new: dict[int, Value] = {}
    inputs: dict[str, Value] = {}
    for name, v in graph.inputs.items():
        nv = Value(Desc(v.desc.data_type, tuple(int(d) for d in shapes[name])),
                   input_name=name, id=v.id)
        new[id(v)] = nv
        inputs[name] = nv

    def get(v: Value) -> Value:
        return v if v.is_constant else new[id(v)]

    nodes: list[Node] = []
    for node in graph.nodes:
        operands: dict[str, OperandArg] = {}
        for k, a in node.operands.items():
            operands[k] = (None if a is None else [get(x) for x in a]
                           if isinstance(a, list) else get(a))
        descs = {k: (None if a is None else [x.desc for x in a]
                     if isinstance(a, list) else a.desc)
                 for k, a in operands.items()}
        raw = node.raw if node.raw is not None else node.attrs
        try:
            outs, attrs = RULES[node.op].infer(node.op, descs, dict(raw))
        except TypeError as e:
            if node.label:
                raise TypeError(f"[{node.label}] {e}") from None
            raise
        n2 = Node(node.op, operands, attrs, [], node.label, node.given, node.raw)
        n2.outputs = [Value(d, producer=n2, id=o.id)
                      for d, o in zip(outs, node.outputs, strict=True)]
        for o, no in zip(node.outputs, n2.outputs, strict=True):
            new[id(o)] = no
        nodes.append(n2)
    return Graph(inputs, {n: new[id(v)] for n, v in graph.outputs.items()}, nodes)
