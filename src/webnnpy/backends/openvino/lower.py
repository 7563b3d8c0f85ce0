"""IR graph -> one ``openvino.Model`` (graph API, opset16).

``lower(graph)`` makes a Parameter per graph input (named as the input),
walks the IR nodes in order calling ``LOWERINGS[node.op]`` (assembled from
``lower_ops/<family>.py``) and ends each graph output in a Result.  Every
OpenVINO node a lowering creates is named ``<op>:<label>`` after the IR node,
so OpenVINO's own messages point at the WebNN operator.

A failure while building an operator's nodes (OpenVINO validates shapes and
types as each node is made) is a backend error naming the operator and its
label: ``UnsupportedError`` (the spec's NotSupportedError) for a case no
lowering handles, ``CompileError`` (OperationError) for OpenVINO rejecting a
node.

float16: the CPU plugin has no float16 arithmetic on CPUs without
AVX512_FP16/AMX-FP16 and runs a float16 model in float32, rounding only at
its outputs (an explicit float16 Convert inside the graph is folded away), so
a float16 result may be more accurate than the reference's per-operator
rounding, and an intermediate ``cast`` to float16 does not round (65520
stays finite until the graph's output rounds it).  A known difference, within
the float16 tolerances of the per-op tests.

int64/uint64: the plugin runs them as int32, so every 64-bit value is an
int32 tensor of (low, high) word pairs (graph inputs and outputs are the
MLTensor's memory viewed so) and a node taking or making one is lowered by
``wide.WIDE_LOWERINGS`` in exact 32-bit word arithmetic (index operands and
argMin/argMax results keep their own lowerings, see ``runtime.WIDE_KEYS``);
uint32 values are int32 bits inside (``emitter.inner_type``).

Imported only by the openvino backend package.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import openvino as ov

from webnnpy.backends.errors import CompileError, UnsupportedError
from webnnpy.backends.openvino.emitter import OV_TYPES, Emitter, LoweringError, ops
from webnnpy.backends.openvino.lower_ops import LOWERINGS
from webnnpy.backends.openvino.wide import (
    WIDE,
    WIDE_LOWERINGS,
    is_wide_node,
    to_pair,
)
from webnnpy.ir.graph import Graph, Node

__all__ = ["LOWERINGS", "Lowered", "LoweringError", "lower", "node_name"]


@dataclass
class Lowered:
    """A lowered graph."""

    model: Any
    #: WebNN input name -> Parameter index
    inputs: dict[str, int]
    #: WebNN output name -> Result index
    outputs: dict[str, int]
    #: arrays shared with Constant nodes (must outlive the compiled model)
    keep_alive: list[np.ndarray] = field(default_factory=list)


def node_name(node: Node) -> str:
    """How a WebNN operator is named in messages: op and label."""
    return f"{node.op} ({node.label!r})" if node.label else node.op


def _name_new_nodes(outputs: list[Any], known: set[int], name: str) -> None:
    """Give every node reachable from ``outputs`` not in ``known`` the
    friendly name ``name`` (known grows)."""
    stack = [o.get_node() for o in outputs]
    while stack:
        n = stack.pop()
        if n.get_instance_id() in known:
            continue
        known.add(n.get_instance_id())
        n.set_friendly_name(name)
        stack.extend(i.get_source_output().get_node() for i in n.inputs())


#: ops the CPU plugin may remove as no-ops (same shape) or fold
_MOVES = frozenset({"Reshape", "Broadcast", "Transpose", "Convert", "Squeeze",
                    "Unsqueeze", "Tile", "Slice", "StridedSlice", "Pad", "Concat",
                    "VariadicSplit", "Split", "Gather", "Select"})


def _reaches_source(out: Any) -> bool:
    """True when ``out`` is a Parameter or Constant, or only moves one's
    elements: after the CPU plugin drops such no-ops, a Result reading a
    Parameter directly leaves every output of a request with user tensors
    unwritten, and an empty Broadcast of one crashes compilation (OpenVINO
    2026.4), so such an output gets an Identity (a copy)."""
    stack = [out.get_node()]
    seen: set[int] = set()
    while stack:
        n = stack.pop()
        if n.get_instance_id() in seen:
            continue
        seen.add(n.get_instance_id())
        kind = n.get_type_name()
        if kind in ("Parameter", "Constant"):
            return True
        if kind in _MOVES:
            stack.extend(i.get_source_output().get_node() for i in n.inputs())
    return False


#: (op, operand) pairs whose int64 values are indices, read by the op's own
#: lowering (``lower_ops/gather_scatter.py``)
INDEX_KEYS = frozenset({("gather", "indices"), ("gatherElements", "indices"),
                        ("gatherND", "indices"), ("scatterElements", "indices"),
                        ("scatterND", "indices")})


class GraphEmitter(Emitter):
    """The emitter of one graph, with what lowerings may ask about its
    uses (``getattr(ctx, "consumers", {})``)."""

    def __init__(self) -> None:
        super().__init__()
        #: id(IR value) -> the IR nodes reading it
        self.consumers: dict[int, list[Node]] = {}
        #: ids of the IR values that are graph outputs
        self.graph_outputs: set[int] = set()


def lower(graph: Graph) -> Lowered:
    """Lower a built IR graph to an OpenVINO model."""
    missing = sorted({n.op for n in graph.nodes if n.op not in LOWERINGS})
    if missing:
        raise UnsupportedError(f"openvino: no lowering for {', '.join(missing)}")
    ctx = GraphEmitter()
    for node in graph.nodes:
        for v in node.input_values():
            ctx.consumers.setdefault(id(v), []).append(node)
    ctx.graph_outputs = {id(v) for v in graph.outputs.values()}
    params = []
    known: set[int] = set()
    inputs: dict[str, int] = {}
    for i, (name, v) in enumerate(graph.inputs.items()):
        wide = v.desc.data_type in WIDE
        p = ops.parameter([*v.desc.shape, 2] if wide else list(v.desc.shape),
                          OV_TYPES["int32" if wide else v.desc.data_type])
        p.set_friendly_name(name)
        p.output(0).set_names({name})
        known.add(p.get_instance_id())
        params.append(p)
        inputs[name] = i
        if wide:
            ctx.pairs[id(v)] = p.output(0)
        elif v.desc.data_type == "uint32":  # int32 inside (emitter.inner_type)
            ctx.names[id(v)] = ctx.cast(p.output(0), "int32")
        else:
            ctx.names[id(v)] = p.output(0)
    for node in graph.nodes:
        fn = LOWERINGS[node.op]
        if is_wide_node(node, INDEX_KEYS):
            fn = WIDE_LOWERINGS.get(node.op)  # type: ignore[assignment]
            if fn is None:
                raise UnsupportedError(
                    f"openvino: {node_name(node)}: no int64/uint64 lowering "
                    f"(its opSupportLimits() leaves them out)")
        try:
            fn(ctx, node)
        except LoweringError as e:
            raise UnsupportedError(f"openvino: {node_name(node)}: {e}") from e
        except (UnsupportedError, CompileError):
            raise
        except Exception as e:  # OpenVINO rejected a node it was given
            raise CompileError(f"openvino: {node_name(node)}: {e}") from e
        outs = []
        for j, v in enumerate(node.outputs):
            o = ctx.names.get(id(v), ctx.pairs.get(id(v)))
            if o is None:
                raise CompileError(f"openvino: {node_name(node)}: the lowering "
                                   f"did not produce output {j}")
            outs.append(o)
        _name_new_nodes(outs, known, f"{node.op}:{node.label}" if node.label
                        else node.op)
    results = []
    outputs: dict[str, int] = {}
    for i, (name, v) in enumerate(graph.outputs.items()):
        if id(v) in ctx.pairs:
            src = ctx.pairs[id(v)]
        elif v.desc.data_type in WIDE and v.constant is not None:
            from webnnpy.backends.openvino.wide import pair_of
            src = pair_of(ctx, v)
        else:
            src = ctx.value(v)
        if v.desc.data_type in WIDE and id(v) not in ctx.pairs:
            src = to_pair(ctx, src)
        elif v.desc.data_type == "uint32":  # the bits, back as uint32
            src = ops.convert(src, OV_TYPES["uint32"]).output(0)
        if _reaches_source(src):
            src = ops.identity(src).output(0)
        r = ops.result(src)
        r.set_friendly_name(f"result:{name}")
        results.append(r)
        outputs[name] = i
    model = ov.Model(results, params, "webnn")
    return Lowered(model, inputs, outputs, ctx.keep_alive)
