"""ONNX ModelProto -> MLGraph, by calls on the public MLGraphBuilder.

The walk visits the nodes in order.  Each ONNX value becomes a
:class:`~webnnpy.models.onnx.convert.Tensor`: a constant (initializers,
``Constant`` nodes, anything computed from constants, shapes) or an
MLOperand.  A node whose inputs are all constants is folded (evaluated at
import); otherwise its handler emits WebNN operators.  Free dimensions are
fixed first (``dims=``), so every shape is static.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import onnx
from onnx import ModelProto, NodeProto, TensorProto, helper, numpy_helper

from webnnpy import MLContext, MLGraph, MLGraphBuilder, MLOperand, ml
from webnnpy.models.onnx.convert import (
    ImportContext,
    NodeInfo,
    Tensor,
    webnn_rejected,
)
from webnnpy.models.onnx.errors import (
    OnnxImportError,
    UnsupportedModelError,
    UnsupportedNodeError,
)
from webnnpy.models.onnx.folding import can_fold, fold
from webnnpy.models.onnx.handlers import find_handler
from webnnpy.models.onnx.types import (
    BOOL,
    np_dtype_of_onnx,
    onnx_of_np,
    onnx_of_webnn,
    type_name,
    webnn_of_onnx,
)

__all__ = [
    "ImportedModel",
    "ModelLike",
    "load",
    "load_model",
    "parse_attributes",
    "run",
]

ModelLike = str | os.PathLike[str] | bytes | ModelProto


# ------------------------------------------------------------------ model


def load_model(model: ModelLike, base_dir: str | os.PathLike[str] | None = None
               ) -> ModelProto:
    """A ModelProto with its external data loaded and local functions inlined.

    ``model`` is a path, the serialized bytes, or a ModelProto; ``base_dir``
    is where a ModelProto's or bytes' external data files live.
    """
    if isinstance(model, ModelProto):
        proto = model
        if base_dir is not None:
            proto = ModelProto()
            proto.CopyFrom(model)
            from onnx.external_data_helper import load_external_data_for_model
            load_external_data_for_model(proto, str(base_dir))
    elif isinstance(model, bytes | bytearray):
        proto = onnx.load_from_string(bytes(model))
        if base_dir is not None:
            from onnx.external_data_helper import load_external_data_for_model
            load_external_data_for_model(proto, str(base_dir))
    else:
        path = Path(model)
        if not path.exists():
            raise FileNotFoundError(f"ONNX model {str(path)!r} does not exist")
        proto = onnx.load(str(path), load_external_data=False)
        from onnx.external_data_helper import load_external_data_for_model
        load_external_data_for_model(proto, str(base_dir or path.parent))
    if proto.functions:
        from onnx import inliner
        proto = inliner.inline_local_functions(proto)
    return proto


def parse_attributes(node: NodeProto) -> dict[str, Any]:
    """A node's attributes as Python values (strings decoded, tensors as
    NumPy arrays, graphs as GraphProtos)."""
    out: dict[str, Any] = {}
    for a in node.attribute:
        if a.ref_attr_name:
            continue
        v = helper.get_attribute_value(a)
        if isinstance(v, bytes):
            v = v.decode("utf-8", "replace")
        elif isinstance(v, TensorProto):
            v = numpy_helper.to_array(v)
        elif isinstance(v, list) and v and isinstance(v[0], bytes):
            v = [s.decode("utf-8", "replace") for s in v]
        elif isinstance(v, list) and v and isinstance(v[0], TensorProto):
            v = [numpy_helper.to_array(t) for t in v]
        out[a.name] = v
    return out


def _opsets(model: ModelProto) -> dict[str, int]:
    out: dict[str, int] = {}
    for o in model.opset_import:
        out["" if o.domain == "ai.onnx" else o.domain] = int(o.version)
    out.setdefault("", 1)
    return out


def _since_version(op_type: str, domain: str, opset: int) -> int:
    try:
        return int(onnx.defs.get_schema(op_type, opset, domain).since_version)
    except Exception:  # noqa: BLE001 - no ONNX schema (e.g. a contrib op)
        return opset


def _const_of_initializer(t: TensorProto) -> np.ndarray:
    return np.asarray(numpy_helper.to_array(t))


def initializers(model: ModelProto) -> dict[str, np.ndarray]:
    """The graph's initializers (and sparse ones, densified) as arrays."""
    out = {t.name: _const_of_initializer(t) for t in model.graph.initializer}
    for sp in model.graph.sparse_initializer:
        values = numpy_helper.to_array(sp.values)
        dense = np.zeros(math.prod(sp.dims), dtype=values.dtype)
        idx = numpy_helper.to_array(sp.indices)
        if idx.ndim == 2:
            idx = np.ravel_multi_index(tuple(idx.T), tuple(sp.dims))
        dense[idx.reshape(-1)] = values.reshape(-1)
        out[sp.values.name] = dense.reshape(tuple(sp.dims))
    return out


@dataclass
class InputSpec:
    """A graph input: its ONNX type, its static shape once dims are fixed."""

    name: str
    onnx_type: int
    shape: list[int] | None
    symbolic: list[str | int | None]
    problem: str = ""


def input_specs(model: ModelProto, dims: Mapping[str, Any] | None,
                skip: set[str]) -> list[InputSpec]:
    """The runtime inputs of the graph with their free dimensions fixed from
    ``dims`` (``{"batch": 1}`` by dim_param name, or ``{"x": [1, 3, 224,
    224]}`` by input name); ``problem`` says what is missing."""
    dims = dict(dims or {})
    out = []
    for vi in model.graph.input:
        if vi.name in skip:
            continue
        tt = vi.type.tensor_type if vi.type.HasField("tensor_type") else None
        if tt is None:
            kind = vi.type.WhichOneof("value")
            out.append(InputSpec(vi.name, 0, None, [],
                                 f"input {vi.name!r} is a {kind}, not a tensor"))
            continue
        given = dims.get(vi.name)
        symbolic: list[str | int | None] = []
        if tt.HasField("shape"):
            for d in tt.shape.dim:
                if d.HasField("dim_value"):
                    symbolic.append(int(d.dim_value))
                elif d.dim_param:
                    symbolic.append(d.dim_param)
                else:
                    symbolic.append(None)
        spec = InputSpec(vi.name, int(tt.elem_type), None, symbolic)
        if given is not None:
            spec.shape = [int(v) for v in given]
        elif not tt.HasField("shape"):
            spec.problem = (f"input {vi.name!r} has no shape; pass "
                            f"dims={{{vi.name!r}: [...]}}")
        else:
            shape: list[int] = []
            for i, s in enumerate(symbolic):
                if isinstance(s, int):
                    shape.append(s)
                elif isinstance(s, str) and s in dims:
                    shape.append(int(dims[s]))
                else:
                    what = f"{s!r}" if s else "unnamed"
                    key = s or vi.name
                    spec.problem = (f"input {vi.name!r} dimension {i} ({what}) is "
                                    f"free; pass dims={{{key!r}: N}}"
                                    + ("" if s else " (the full shape)"))
                    break
            else:
                spec.shape = shape
        out.append(spec)
    return out


# ------------------------------------------------------------------- walk


@dataclass
class NodeOutcome:
    """What became of one node (for inspect)."""

    info: NodeInfo
    status: str  # "webnn", "constant", "unsupported", "blocked"
    webnn_ops: list[str] = field(default_factory=list)
    error: OnnxImportError | None = None


def _node_info(node: NodeProto, index: int, opsets: Mapping[str, int]) -> NodeInfo:
    domain = "" if node.domain == "ai.onnx" else node.domain
    opset = opsets.get(domain)
    if opset is None:
        opset = 1
    return NodeInfo(proto=node, name=node.name or f"{node.op_type}_{index}",
                    op_type=node.op_type, domain=domain,
                    version=_since_version(node.op_type, domain, opset),
                    inputs=list(node.input), outputs=list(node.output))


def _wrap(ctx: ImportContext, out: Any, first_in: Tensor | None) -> Tensor | None:
    if out is None:
        return None
    if isinstance(out, Tensor):
        return Tensor("", out.onnx_type, value=out.value, operand=out.operand)
    if isinstance(out, np.ndarray):
        return Tensor("", onnx_of_np(out.dtype), value=out)
    if isinstance(out, MLOperand):
        if out.data_type == "uint8" and first_in is not None and first_in.is_bool:
            return Tensor("", BOOL, operand=out)
        return Tensor("", onnx_of_webnn(out.data_type), operand=out)
    return Tensor("", onnx_of_np(np.asarray(out).dtype), value=np.asarray(out))


def convert_node(ctx: ImportContext, info: NodeInfo, ins: list[Tensor | None],
                 opsets: Mapping[str, int]) -> tuple[list[Tensor | None], str]:
    """Fold or convert one node; returns its outputs and "constant" or
    "webnn".  Raises UnsupportedNodeError."""
    node = info.proto
    present = [t for t in ins if t is not None]
    if can_fold(node, all(t.is_const for t in present)):
        vals = fold(node, [None if t is None else t.value for t in ins], opsets)
        if vals is not None:
            return [Tensor("", onnx_of_np(v.dtype), value=v) for v in vals], "constant"
    handler, why = find_handler(info.domain, info.op_type, info.version)
    if handler is None:
        raise ctx.fail(why)
    attrs = parse_attributes(node)
    try:
        outs = handler(ctx, info, ins, attrs)
    except OnnxImportError:
        raise
    except TypeError as e:
        if webnn_rejected(e):
            raise ctx.fail(f"WebNN rejects the mapping: {e}") from e
        raise
    first = present[0] if present else None
    result = [_wrap(ctx, o, first) for o in outs]
    for k, name in enumerate(info.outputs):
        if name and (k >= len(result) or result[k] is None):
            raise ctx.fail(f"output {k} ({name!r}) is not supported")
    kind = "constant" if all(t is None or t.is_const for t in result) else "webnn"
    return result, kind


def walk(ctx: ImportContext, model: ModelProto, values: dict[str, Tensor],
         opsets: Mapping[str, int],
         on_error: Callable[[NodeInfo, OnnxImportError, list[Tensor | None]],
                            list[Tensor | None]] | None = None,
         on_node: Callable[[NodeOutcome], None] | None = None) -> None:
    """Convert every node in order, filling ``values``.  Without ``on_error``
    the first unsupported node raises; with it, ``on_error`` gives stand-in
    outputs and the walk goes on (inspect)."""
    for index, node in enumerate(model.graph.node):
        info = _node_info(node, index, opsets)
        ctx.node = info
        ctx.used_ops = []
        ins: list[Tensor | None] = []
        missing = None
        for name in node.input:
            if not name:
                ins.append(None)
            elif name in values:
                ins.append(values[name])
            else:
                missing = name
                ins.append(None)
        try:
            if missing is not None:
                raise ctx.fail(f"input {missing!r} is not produced by any node, "
                               f"initializer or graph input")
            outs, kind = convert_node(ctx, info, ins, opsets)
            outcome = NodeOutcome(info, kind, list(ctx.used_ops))
        except OnnxImportError as e:
            if on_error is None:
                raise
            outs = on_error(info, e, ins)
            outcome = NodeOutcome(info, "unsupported", [], e)
        deps: frozenset[str] = frozenset()
        for t in ins:
            if t is not None and not t.is_const:
                deps |= ctx.deps.get(t.name, frozenset())
        for name, t in zip(info.outputs, outs, strict=False):
            if name and t is not None:
                t.name = name
                values[name] = t
                if not t.is_const:
                    ctx.deps[name] = deps
        if on_node is not None:
            on_node(outcome)


# ------------------------------------------------------------------- load


@dataclass
class ImportedModel:
    """An ONNX model built as an MLGraph.

    ``inputs``/``outputs`` map the ONNX names to MLOperandDescriptor dicts
    (``data_type``, ``shape``); ``onnx_types`` gives each one's ONNX element
    type (bool values travel as uint8).  ``constants`` are the graph inputs
    that were fixed at import.
    """

    graph: MLGraph
    context: MLContext
    inputs: dict[str, dict[str, Any]]
    outputs: dict[str, dict[str, Any]]
    onnx_types: dict[str, int]
    opsets: dict[str, int]
    dims: dict[str, Any]
    constants: dict[str, np.ndarray]
    model: ModelProto = field(repr=False)

    @property
    def input_names(self) -> list[str]:
        return list(self.inputs)

    @property
    def output_names(self) -> list[str]:
        return list(self.outputs)

    def run(self, inputs: Mapping[str, Any]) -> dict[str, np.ndarray]:
        """Run the graph on NumPy arrays (by ONNX input name); returns the
        outputs by ONNX name, bool outputs as NumPy bool."""
        return run(self, inputs)


def run(imported: ImportedModel, inputs: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """Run an imported model on host arrays: ``{name: array}`` in, the
    outputs ``{name: array}`` out (in the model's output order).

    Inputs the built graph does not read (unused or fixed as constants) may
    be given and are ignored.  Arrays are converted to the input's type when
    NumPy can do so safely (``same_kind``).
    """
    feeds: dict[str, np.ndarray] = {}
    used = imported.graph.inputs
    for name, desc in used.items():
        if name not in inputs:
            raise TypeError(f"run: input {name!r} is missing; the model takes "
                            f"{sorted(used)}")
        a = np.asarray(inputs[name])
        onnx_t = imported.onnx_types.get(name)
        target = np.dtype(desc["data_type"])
        if onnx_t == BOOL:
            if a.dtype != np.bool_ and a.dtype != np.uint8:
                raise TypeError(f"run: input {name!r} is bool; got {a.dtype}")
            a = a.astype(np.uint8)
        elif a.dtype != target:
            if not np.can_cast(a.dtype, target, "same_kind"):
                raise TypeError(f"run: input {name!r} is {desc['data_type']}; got "
                                f"{a.dtype}")
            a = a.astype(target)
        if tuple(a.shape) != tuple(desc["shape"]):
            raise TypeError(f"run: input {name!r} has shape {list(a.shape)}; the "
                            f"graph was built for {list(desc['shape'])}")
        feeds[name] = np.ascontiguousarray(a)
    res = imported.context.compute(imported.graph, feeds)
    out: dict[str, np.ndarray] = {}
    for name in imported.outputs:
        v = res[name]
        if imported.onnx_types.get(name) == BOOL:
            v = v.astype(bool)
        out[name] = v
    return out


def _prepare(model: ModelLike, dims: Mapping[str, Any] | None,
             constants: Mapping[str, Any] | None,
             base_dir: str | os.PathLike[str] | None
             ) -> tuple[ModelProto, dict[str, int], dict[str, np.ndarray],
                        list[InputSpec], dict[str, np.ndarray]]:
    proto = load_model(model, base_dir)
    opsets = _opsets(proto)
    consts = initializers(proto)
    frozen: dict[str, np.ndarray] = {}
    graph_inputs = {vi.name: vi for vi in proto.graph.input}
    for name, v in (constants or {}).items():
        if name not in graph_inputs:
            raise UnsupportedModelError(f"constants: {name!r} is not a graph input")
        vi = graph_inputs[name]
        arr = np.asarray(v)
        if vi.type.HasField("tensor_type") and vi.type.tensor_type.elem_type:
            arr = arr.astype(np_dtype_of_onnx(vi.type.tensor_type.elem_type))
        frozen[name] = arr
        consts[name] = arr
    specs = input_specs(proto, dims, set(consts))
    return proto, opsets, consts, specs, frozen


def load(model: ModelLike, *, context: MLContext | None = None,
         dims: Mapping[str, Any] | None = None,
         constants: Mapping[str, Any] | None = None,
         base_dir: str | os.PathLike[str] | None = None) -> ImportedModel:
    """Import an ONNX model as an MLGraph.

    Args:
        model: a path to a .onnx file, its bytes, or an ``onnx.ModelProto``
            (external data is read from the file's folder, or ``base_dir``).
        context: the MLContext to build for (default: ``ml.create_context()``).
        dims: values for free dimensions, by ``dim_param`` name
            (``{"batch": 1}``) or by input name (``{"x": [1, 3, 224, 224]}``).
        constants: graph inputs to fix at import, by name (then computations
            that depend on them, such as a shape input, fold away).

    Returns:
        An :class:`ImportedModel` (the graph, its context, input and output
        names and descriptors); ``.run(inputs)`` runs it.

    Raises:
        UnsupportedModelError: a free dimension without a value, an input of a
            type WebNN lacks...
        UnsupportedNodeError: the first node WebNN cannot express (its name,
            op type and why); :func:`inspect` lists them all.
    """
    proto, opsets, consts, specs, frozen = _prepare(model, dims, constants, base_dir)
    for s in specs:
        if s.problem:
            raise UnsupportedModelError(s.problem)
    if context is None:
        context = ml.create_context()
    builder = MLGraphBuilder(context)
    ctx = ImportContext(builder, context, opsets[""])
    values: dict[str, Tensor] = {
        name: Tensor(name, onnx_of_np(v.dtype), value=v) for name, v in consts.items()}
    in_descs: dict[str, dict[str, Any]] = {}
    onnx_types: dict[str, int] = {}
    for s in specs:
        dt = webnn_of_onnx(s.onnx_type)
        if dt is None:
            raise UnsupportedModelError(
                f"input {s.name!r} has type {type_name(s.onnx_type)}, which WebNN "
                f"has no data type for")
        assert s.shape is not None
        if 0 in s.shape:
            raise UnsupportedModelError(
                f"input {s.name!r} has shape {s.shape}: WebNN has no empty tensors")
        try:
            op = builder.input(s.name, {"data_type": dt, "shape": s.shape})
        except TypeError as e:
            raise UnsupportedModelError(f"input {s.name!r}: {e}") from e
        ctx.add_leaf(op)
        values[s.name] = Tensor(s.name, s.onnx_type, operand=op)
        ctx.deps[s.name] = frozenset({s.name})
        in_descs[s.name] = {"data_type": dt, "shape": list(s.shape)}
        onnx_types[s.name] = s.onnx_type
    walk(ctx, proto, values, opsets)
    outputs: dict[str, MLOperand] = {}
    out_descs: dict[str, dict[str, Any]] = {}
    ctx.node = NodeInfo(proto=NodeProto(), name="<graph outputs>", op_type="Output",
                        domain="", version=0, inputs=[], outputs=[])
    for vi in proto.graph.output:
        t = values.get(vi.name)
        if t is None:
            raise UnsupportedModelError(f"output {vi.name!r} is not produced by any "
                                        f"node")
        try:
            op = ctx.op(t, f"output {vi.name!r}")
        except UnsupportedNodeError as e:
            raise UnsupportedModelError(f"output {vi.name!r}: {e.reason}") from e
        if ctx.is_leaf(op):
            op = builder.identity(op)  # the spec forbids input/constant outputs
        outputs[vi.name] = op
        out_descs[vi.name] = {"data_type": op.data_type, "shape": list(op.shape)}
        onnx_types[vi.name] = t.onnx_type
    if not outputs:
        raise UnsupportedModelError("the model has no outputs")
    graph = builder.build(outputs)
    used = graph.inputs
    return ImportedModel(
        graph=graph, context=context,
        inputs={k: v for k, v in in_descs.items() if k in used},
        outputs=out_descs, onnx_types=onnx_types, opsets=opsets,
        dims=dict(dims or {}), constants=frozen, model=proto)
