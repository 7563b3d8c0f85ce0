"""IR graph -> one in-memory ONNX model (opset :data:`OPSET`).

``lower(graph)`` walks the IR nodes in order and calls ``LOWERINGS[node.op]``
(assembled from ``lower_ops/<family>.py``) for each.  Graph inputs and outputs
keep their WebNN names unless ONNX cannot hold them (a name that is not valid
UTF-8, an output named like an input, one value output under two names, or a
clash with the generated names); :class:`Lowered` maps WebNN names to ONNX
names either way.

Small constants are embedded in the model.  Large IR constants are declared as
initializers with external data, and the runtime hands the builder's own
(read-only) arrays to ONNX Runtime as OrtValues (see ``runtime.py``), so the
weights are never serialized into model bytes.  A constant mapped from a
file (``Value.source``: an imported model's weight) is declared where it
lies in its file instead, and ONNX Runtime reads it from there: webnnpy
never reads it.

With ``check`` (:data:`CHECK`, ``WEBNNPY_ORT_CHECK=1``), ONNX shape inference
then runs in strict mode and every IR value's inferred type and shape must
equal the IR's (:func:`check_against_ir`); builds skip it by default.

Imported only by the onnxruntime backend package.
"""

from __future__ import annotations

import os

import onnx
from onnx import TensorProto, helper

from webnnpy.backends.onnxruntime.emitter import (
    CARRIERS,
    ONNX_TYPES,
    Emitter,
    LoweringError,
    value_info,
)
from webnnpy.backends.onnxruntime.fuse import fuse
from webnnpy.backends.onnxruntime.lower_ops import LOWERINGS
from webnnpy.backends.onnxruntime.lowered import IR_VERSION, OPSET, Lowered
from webnnpy.ir.descriptor import Desc
from webnnpy.ir.graph import Graph, Node, Value
from webnnpy.ir.mapped import FileRange

__all__ = [
    "CHECK",
    "IR_VERSION",
    "LOWERINGS",
    "OPSET",
    "Lowered",
    "LoweringError",
    "check_against_ir",
    "external_location",
    "lower",
]

def external_location(name: str) -> str:
    """The external-data "file" name of the shared initializer ``name``."""
    return f"{name}.bin"


def _encodable(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return "\x00" not in name


def _prefix(names: list[str]) -> str:
    """A prefix no graph input or output name starts with."""
    prefix = "webnn_"
    while any(n.startswith(prefix) for n in names):
        prefix = "_" + prefix
    return prefix


#: Verify every lowering against the IR (:func:`check_against_ir`: ONNX's
#: checker and strict shape inference, about half of the lowering's time) when
#: :func:`lower` is not told otherwise.  Off unless the environment sets
#: ``WEBNNPY_ORT_CHECK=1``: the IR already knows every shape, and
#: ``tests/backends/test_ort_build_check.py`` checks the lowering of every
#: operator sample in CI.
CHECK = os.environ.get("WEBNNPY_ORT_CHECK", "0") not in ("", "0")


def lower(graph: Graph, *, check: bool | None = None) -> Lowered:
    """Lower a built IR graph to an ONNX model; with ``check`` (default
    :data:`CHECK`), verify it against the IR (raises :class:`LoweringError`
    on a mismatch)."""
    missing = sorted({n.op for n in graph.nodes if n.op not in LOWERINGS})
    if missing:
        raise LoweringError(f"no ONNX lowering for {', '.join(missing)}")
    prefix = _prefix([*graph.inputs, *graph.outputs])
    model = onnx.ModelProto()
    ctx = Emitter(prefix, model.graph)  # nodes are written into the model
    used: set[str] = set()

    in_names: dict[str, str] = {}
    graph_inputs = []
    for i, (name, v) in enumerate(graph.inputs.items()):
        onnx_name = name if _encodable(name) else f"{prefix}in{i}"
        in_names[name] = onnx_name
        used.add(onnx_name)
        ctx.names[id(v)] = onnx_name
        graph_inputs.append(value_info(onnx_name, v.desc))

    out_names: dict[str, str] = {}
    extra_outputs: list[tuple[int, str]] = []  # (id(value), name): Identity copies
    for i, (name, v) in enumerate(graph.outputs.items()):
        onnx_name = name if _encodable(name) and name not in used else f"{prefix}out{i}"
        used.add(onnx_name)
        out_names[name] = onnx_name
        if id(v) in ctx.designated:
            extra_outputs.append((id(v), onnx_name))
        else:
            ctx.designated[id(v)] = onnx_name

    for node in graph.nodes:
        ctx.begin(node)
        LOWERINGS[node.op](ctx, node)
        if node.op == "cast":
            _keep_float16_rounding(ctx, node)
        for j, v in enumerate(node.outputs):
            if id(v) not in ctx.names:
                raise LoweringError(f"{node.op}: the lowering did not produce "
                                    f"output {j}")
    ctx.begin(None)
    for vid, onnx_name in extra_outputs:
        ctx.emit("Identity", [ctx.names[vid]], onnx_name)

    initializers = list(ctx.initializers)
    files, folder = _one_folder(ctx.files)
    for name, arr in ctx.external:
        t = TensorProto()
        t.name = name
        t.data_type = ONNX_TYPES[str(arr.dtype)]
        t.dims.extend(arr.shape)
        t.data_location = TensorProto.EXTERNAL
        where = files.get(name)
        location, offset = (external_location(name), 0) if where is None else \
            (os.path.basename(where.path), where.offset)
        for key, val in (("location", location), ("offset", str(offset)),
                         ("length", str(arr.nbytes))):
            entry = t.external_data.add()
            entry.key = key
            entry.value = val
        initializers.append(t)
    graph_outputs = [value_info(out_names[n], v.desc)
                     for n, v in graph.outputs.items()]
    g = model.graph  # as helper.make_graph / make_model, without copying nodes
    g.name = "webnn"
    g.input.extend(graph_inputs)
    g.output.extend(graph_outputs)
    g.initializer.extend(initializers)
    model.ir_version = IR_VERSION
    model.producer_name = "webnnpy"
    opset = model.opset_import.add()
    opset.domain, opset.version = "", OPSET
    lowered = Lowered(model, in_names, out_names, list(ctx.external),
                      dict(ctx.names), files, folder)
    if CHECK if check is None else check:
        check_against_ir(lowered, graph)
    fuse(model)  # peephole rewrites after the check (they drop IR values)
    return lowered


def _one_folder(files: dict[str, FileRange]
                ) -> tuple[dict[str, FileRange], str | None]:
    """The file ranges that lie in one folder (the one holding the most
    bytes: ONNX Runtime reads external data from one folder per session),
    and that folder; the others travel as OrtValues like any constant."""
    if not files:
        return {}, None
    size: dict[str, int] = {}
    for r in files.values():
        d = os.path.dirname(r.path)
        size[d] = size.get(d, 0) + r.length
    folder = max(size, key=lambda d: size[d])
    return {n: r for n, r in files.items()
            if os.path.dirname(r.path) == folder}, folder


#: types whose every value is a float16 value: a cast from them never rounds
_EXACT_IN_FLOAT16 = frozenset({"float16", "int8", "uint8"})


def _keep_float16_rounding(ctx: Emitter, node: Node) -> None:
    """Keep the rounding of a WebNN cast to float16 (issue #11 D1).

    ONNX Runtime's CPU provider runs a float16 operator it has no float16
    kernel for in float32 between inserted Casts, then drops every
    ``Cast(to float16) -> Cast(to float32)`` pair as redundant, so
    ``sub(cast(x, "float16"), 1)`` computed ``x - 1`` in float32: 65520 stayed
    finite instead of becoming inf, 1.0001 kept its digits.  A same-shape
    Reshape (which has a float16 kernel) between the cast and its readers
    keeps the pair apart; it costs a view, and only after explicit casts to
    float16 from a type with values float16 cannot hold.
    """
    out = node.outputs[0]
    if out.desc.data_type != "float16" or id(out) in ctx.designated:
        return
    src = node.operands["input"]
    if not isinstance(src, Value) or src.desc.data_type in _EXACT_IN_FLOAT16:
        return
    name = ctx.names[id(out)]
    last = ctx.nodes[-1]
    if last.op_type != "Cast" or list(last.output) != [name]:
        return
    rounded = ctx.fresh("r")
    last.output[0] = rounded
    ctx.emit("Reshape", [rounded, ctx.ints(out.desc.shape)], name)


def _desc_of(vi: onnx.ValueInfoProto) -> Desc | None:
    t = vi.type.tensor_type
    names = {v: k for k, v in ONNX_TYPES.items() if k not in CARRIERS}
    if t.elem_type not in names or not t.HasField("shape"):
        return None
    dims = []
    for d in t.shape.dim:
        if not d.HasField("dim_value"):
            return None
        dims.append(int(d.dim_value))
    return Desc(names[t.elem_type], tuple(dims))


def check_against_ir(lowered: Lowered, graph: Graph) -> None:
    """Run ONNX's checker and strict shape inference, then compare the inferred
    type and shape of every IR value with the IR's descriptor."""
    # The checker wants external data on disk: check a copy in which the
    # shared initializers are graph inputs of the same type and shape.
    model = onnx.ModelProto()
    model.CopyFrom(lowered.model)
    shared = {name for name, _ in lowered.external}
    kept = [t for t in model.graph.initializer if t.name not in shared]
    del model.graph.initializer[:]
    model.graph.initializer.extend(kept)
    for name, arr in lowered.external:
        model.graph.input.append(helper.make_tensor_value_info(
            name, ONNX_TYPES[str(arr.dtype)], list(arr.shape)))
    try:
        onnx.checker.check_model(model)
        # No data propagation: it evaluates integer shape arithmetic and fails
        # on a constant whose product overflows (pow's repeated Mul of int64
        # constants), and every lowered shape is a constant anyway.
        inferred = onnx.shape_inference.infer_shapes(model, check_type=True,
                                                     strict_mode=True,
                                                     data_prop=False)
    except Exception as e:
        raise LoweringError(f"the lowered model is invalid: {e}") from e
    known: dict[str, onnx.ValueInfoProto] = {}
    for vi in (*inferred.graph.value_info, *inferred.graph.output,
               *inferred.graph.input):
        known.setdefault(vi.name, vi)
    for node in graph.nodes:
        for j, v in enumerate(node.outputs):
            name = lowered.value_names[id(v)]
            vi = known.get(name)
            got = None if vi is None else _desc_of(vi)
            if got is None:
                raise LoweringError(f"{node.op} output {j} ({name}): ONNX shape "
                                    f"inference could not infer it; IR says "
                                    f"{v.desc}")
            want = v.desc  # int4/uint4 are carried as int8/uint8
            if want.data_type in CARRIERS:
                want = want.with_type(str(CARRIERS[want.data_type]))
            if got != want:
                raise LoweringError(f"{node.op} output {j} ({name}): ONNX infers "
                                    f"{got}, IR says {v.desc}")
