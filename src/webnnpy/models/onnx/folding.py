"""Constant folding: a node whose inputs are all known at import time is
evaluated there, with ONNX's own reference evaluator, so shape computations
(Shape -> Gather -> Concat -> Reshape, ConstantOfShape, Range...) become
constants and the WebNN graph is static.  DequantizeLinear of weights stays a
WebNN operator, so quantized weights stay quantized in the graph.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any, Final

import numpy as np
from onnx import AttributeProto, NodeProto

__all__ = ["KEEP_ON_WEIGHTS", "NON_DETERMINISTIC", "can_fold", "fold",
           "output_shapes"]

#: ops whose results are random: never folded
NON_DETERMINISTIC: Final = frozenset({
    "RandomNormal", "RandomNormalLike", "RandomUniform", "RandomUniformLike",
    "Bernoulli", "Multinomial",
})


#: ops kept as WebNN operators on large constant inputs: dequantizing
#: quantized weights at import would store them as floats in the graph
KEEP_ON_WEIGHTS: Final = frozenset({"DequantizeLinear"})
WEIGHT_SIZE: Final = 1024


def can_fold(node: NodeProto, all_inputs_const: bool,
             input_sizes: Sequence[int] = ()) -> bool:
    """True if the node may be evaluated at import time."""
    if not all_inputs_const or not any(node.input):
        return False
    if node.op_type in KEEP_ON_WEIGHTS and max(input_sizes, default=0) >= WEIGHT_SIZE:
        return False
    if node.op_type in NON_DETERMINISTIC:
        return False
    if node.domain not in ("", "ai.onnx"):
        return False
    # ops with sub-graphs may read outer-scope values the lone node lacks
    return not any(a.type in (AttributeProto.GRAPH, AttributeProto.GRAPHS)
                   for a in node.attribute)


def _one_node_model(node: NodeProto, feeds: Mapping[str, np.ndarray],
                    opsets: Mapping[str, int]) -> Any:
    """``node`` alone in a model that imports ``opsets``."""
    from onnx import TypeProto, helper

    inputs = [helper.make_value_info(n, TypeProto()) for n in feeds]
    outputs = [helper.make_value_info(n, TypeProto()) for n in node.output if n]
    graph = helper.make_graph([node], "fold", inputs, outputs)
    return helper.make_model(
        graph, opset_imports=[helper.make_opsetid(d, v) for d, v in opsets.items()])


def _release(ev: Any) -> None:
    """Break the evaluator's reference cycle (its ops hold its bound log
    method in ``run_params``), so a fold leaves nothing for the collector."""
    nodes = getattr(ev, "rt_nodes_", None)
    if isinstance(nodes, list):
        nodes.clear()


def fold(node: NodeProto, values: Sequence[np.ndarray | None],
         opsets: Mapping[str, int]) -> list[np.ndarray] | None:
    """The node's outputs computed by ``onnx.reference``, or None if the
    evaluator cannot run it (the node then goes to its handler)."""
    from onnx.reference import ReferenceEvaluator

    feeds = {name: v for name, v in zip(node.input, values, strict=False)
             if name and v is not None}
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            # A lone NodeProto runs the newest schema whatever ``opsets`` says;
            # a one-node model runs the node's own opset version.
            ev = ReferenceEvaluator(_one_node_model(node, feeds, opsets))
            try:
                outs = ev.run(None, feeds)
            finally:
                _release(ev)
    except Exception:  # noqa: BLE001 - any failure: let the handler decide
        return None
    result = []
    for o in outs:
        if o is None or isinstance(o, list | dict):
            return None
        result.append(np.asarray(o))
    return result


#: constants up to this many elements go into :func:`output_shapes`' model as
#: values (shape inference reads them); larger ones only as typed inputs
_INFER_VALUE_SIZE: Final = 4096


def output_shapes(node: NodeProto, inputs: Sequence[tuple[int, tuple[int, ...],
                                                          np.ndarray | None] | None],
                  opsets: Mapping[str, int]) -> list[tuple[int, ...]] | None:
    """The node's output shapes by ONNX shape inference (cheap: nothing is
    computed), or None when it cannot tell every dimension.  ``inputs`` gives
    per input (ONNX element type, shape, value or None), None if absent."""
    from onnx import helper, numpy_helper, shape_inference

    graph_inputs, inits = [], []
    for name, spec in zip(node.input, inputs, strict=False):
        if not name or spec is None:
            continue
        elem, shape, value = spec
        if value is not None and value.size <= _INFER_VALUE_SIZE:
            inits.append(numpy_helper.from_array(np.asarray(value), name))
        graph_inputs.append(helper.make_tensor_value_info(name, elem, list(shape)))
    outs = [n for n in node.output if n]
    graph = helper.make_graph([node], "shapes", graph_inputs,
                              [helper.make_value_info(n, _empty_type())
                               for n in outs], initializer=inits)
    model = helper.make_model(
        graph, opset_imports=[helper.make_opsetid(d, v) for d, v in opsets.items()])
    try:
        inferred = shape_inference.infer_shapes(model, data_prop=True)
    except Exception:  # noqa: BLE001 - no schema, invalid node: unknown
        return None
    known = {vi.name: vi for vi in (*inferred.graph.value_info,
                                    *inferred.graph.output)}
    result = []
    for n in outs:
        vi = known.get(n)
        t = vi.type.tensor_type if vi is not None else None
        if t is None or not t.HasField("shape"):
            return None
        dims = []
        for d in t.shape.dim:
            if not d.HasField("dim_value"):
                return None
            dims.append(int(d.dim_value))
        result.append(tuple(dims))
    return result


def _empty_type() -> Any:
    """An empty TypeProto (what shape inference fills in)."""
    from onnx import TypeProto

    return TypeProto()
