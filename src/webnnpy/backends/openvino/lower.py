"""IR graph -> one ``openvino.Model`` (graph API, opset16).

``lower(graph)`` makes a Parameter per graph input (named as the input),
walks the IR nodes in order calling ``LOWERINGS[node.op]`` (assembled from
``lower_ops/<family>.py``) and ends each graph output in a Result.  Every
OpenVINO node a lowering creates is named ``<op>:<label>`` after the IR node,
so OpenVINO's own messages point at the WebNN operator.

A failure while building an operator's nodes (OpenVINO validates shapes and
types as each node is made) is the spec's error for that operator:
``NotSupportedError`` for a case no lowering handles, ``OperationError`` for
OpenVINO rejecting a node, both naming the operator and its label.

float16: the CPU plugin has no float16 arithmetic on CPUs without
AVX512_FP16/AMX-FP16 and runs a float16 model in float32, rounding only at
its outputs (an explicit float16 Convert inside the graph is folded away), so
a float16 result may be more accurate than the reference's per-operator
rounding, and an intermediate ``cast`` to float16 does not round (65520
stays finite until the graph's output rounds it).  A known difference, within
the float16 tolerances of the per-op tests.

int64/uint64: the plugin runs them as int32, so the backend claims int64 only
for indices (graph inputs read as int32 (low, high) pairs, see
``_to_pair`` and ``lower_ops/gather_scatter.py``); uint32 values are int32
bits inside (``emitter.inner_type``).

Imported only by the openvino backend package.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import openvino as ov

from webnnpy.backends.openvino.emitter import OV_TYPES, Emitter, LoweringError, ops
from webnnpy.backends.openvino.lower_ops import LOWERINGS
from webnnpy.errors import NotSupportedError, OperationError
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


def _to_pair(ctx: Emitter, x: Any) -> Any:
    """An int32 value as the int32 (low, high) pairs of its int64 value (the
    layout of an int64 array viewed as int32, little-endian)."""
    high = ops.select(ops.less(x, ctx.const(0, "int32")), ctx.const(-1, "int32"),
                      ctx.const(0, "int32"))
    last = ctx.ints([-1])
    return ops.concat([ops.unsqueeze(x, last), ops.unsqueeze(high, last)],
                      -1).output(0)


def lower(graph: Graph) -> Lowered:
    """Lower a built IR graph to an OpenVINO model."""
    missing = sorted({n.op for n in graph.nodes if n.op not in LOWERINGS})
    if missing:
        raise NotSupportedError(f"openvino: no lowering for {', '.join(missing)}")
    ctx = Emitter()
    params = []
    known: set[int] = set()
    inputs: dict[str, int] = {}
    for i, (name, v) in enumerate(graph.inputs.items()):
        wide = v.desc.data_type == "int64"
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
        try:
            LOWERINGS[node.op](ctx, node)
        except LoweringError as e:
            raise NotSupportedError(f"openvino: {node_name(node)}: {e}") from e
        except (NotSupportedError, OperationError):
            raise
        except Exception as e:  # OpenVINO rejected a node it was given
            raise OperationError(f"openvino: {node_name(node)}: {e}") from e
        outs = []
        for j, v in enumerate(node.outputs):
            o = ctx.names.get(id(v))
            if o is None:
                raise OperationError(f"openvino: {node_name(node)}: the lowering "
                                     f"did not produce output {j}")
            outs.append(o)
        _name_new_nodes(outs, known, f"{node.op}:{node.label}" if node.label
                        else node.op)
    results = []
    outputs: dict[str, int] = {}
    for i, (name, v) in enumerate(graph.outputs.items()):
        src = ctx.value(v)
        if v.desc.data_type == "int64":
            src = _to_pair(ctx, src)
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
