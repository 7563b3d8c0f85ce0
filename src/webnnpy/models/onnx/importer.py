"""ONNX ModelProto -> MLGraph, by calls on the public MLGraphBuilder.

The walk visits the nodes in order.  Each ONNX value becomes a
:class:`~webnnpy.models.onnx.convert.Tensor`: a constant (initializers,
``Constant`` nodes, anything computed from constants, shapes, empty tensors)
or an MLOperand.  For each node, in this order:

1. all inputs constant: fold it (evaluate it at import with onnx.reference);
2. an empty constant input and empty outputs whatever the run-time inputs
   hold: the empty outputs are constants too;
3. its handler (``handlers/``) emits WebNN operators;
4. no handler, or the handler declines: an op with an ONNX function body is
   expanded into the body's nodes, which go through 1-4 themselves.

Free dimensions are fixed first (``dims=``), so every shape is static; a
value a handler needs at import time but that is computed from graph inputs
raises NeedsConstantError naming those inputs (``constants=`` fixes them).
"""

from __future__ import annotations

import functools
import math
import os
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import onnx
from onnx import (
    GraphProto,
    ModelProto,
    NodeProto,
    TensorProto,
    TypeProto,
    helper,
)

from webnnpy import MLContext, MLGraphBuilder, MLOperand, ml
from webnnpy.models.onnx.convert import (
    ImportContext,
    NodeAttributes,
    NodeInfo,
    NodeInputs,
    Tensor,
    webnn_rejected,
)
from webnnpy.models.onnx.dims import InputShapeError, check_dims, declared_dims
from webnnpy.models.onnx.errors import (
    ExternalDataError,
    InvalidDimsError,
    InvalidModelError,
    InvalidNodeError,
    NeedsConstantError,
    OnnxImportError,
    UnsupportedModelError,
    UnsupportedNodeError,
)
from webnnpy.models.onnx.folding import (
    FOLD_BUDGET,
    FOLD_TOTAL_BUDGET,
    can_fold,
    fold,
    fold_bytes,
    fold_limit,
    format_bytes,
    output_shapes,
)
from webnnpy.models.onnx.functions import expand_function, tensor_type
from webnnpy.models.onnx.handlers import find_handler
from webnnpy.models.onnx.imported import (
    ImportedModel,
    cache_key,
    cache_try,
    external_digests,
    load,
    run,
    shape_str,
)
from webnnpy.models.onnx.types import (
    BOOL,
    np_dtype_of_onnx,
    onnx_of_np,
    onnx_of_webnn,
    type_name,
    webnn_of_onnx,
)
from webnnpy.models.onnx.validate import (
    check_node,
    node_rules,
    sparse_to_array,
    tensor_bytes,
    tensor_to_array,
)
from webnnpy.models.onnx.weights import ITEMSIZE, MIN_MAPPED_BYTES, read_mapped

__all__ = [
    "ImportedModel",
    "InputSpec",
    "ModelLike",
    "NodeOutcome",
    "assign_outputs",
    "bind_input",
    "check_external_paths",
    "convert_node",
    "initializers",
    "input_specs",
    "load",
    "load_model",
    "output_problems",
    "parse_attributes",
    "prepare",
    "run",
    "walk",
]

ModelLike = str | os.PathLike[str] | bytes | ModelProto


# ------------------------------------------------------------------ model


def _external_tensors(g: onnx.GraphProto, initializers: bool = True
                      ) -> list[onnx.TensorProto]:
    """Every tensor of ``g`` and its sub-graphs whose data is external (but
    ``g``'s own initializers only with ``initializers``)."""
    out = [t for t in g.initializer if t.data_location == onnx.TensorProto.EXTERNAL] \
        if initializers else []
    out += [t.values for t in g.sparse_initializer
            if t.values.data_location == onnx.TensorProto.EXTERNAL]
    for node in g.node:
        for a in node.attribute:
            if a.HasField("t") and a.t.data_location == onnx.TensorProto.EXTERNAL:
                out.append(a.t)
            out += [t for t in a.tensors
                    if t.data_location == onnx.TensorProto.EXTERNAL]
            if a.HasField("g"):
                out += _external_tensors(a.g)
            for sub in a.graphs:
                out += _external_tensors(sub)
    return out


def check_external_paths(proto: ModelProto, base_dir: str | os.PathLike[str]
                         ) -> None:
    """Refuse external data that lies outside ``base_dir`` (an absolute
    location, ``..`` or a symbolic link leading out), does not exist, or
    does not hold the bytes its tensor declares (offset and length within
    the file, exactly what the dims and data type need), with an
    :class:`ExternalDataError` naming the tensor and the file, whatever the
    installed onnx version checks itself.  Nothing is read: no tensor's data
    is allocated on what the file merely declares."""
    root = Path(base_dir).resolve()
    sizes: dict[str, int] = {}  # location -> its file's size, checked once
    for t in _external_tensors(proto.graph):
        entries = {e.key: e.value for e in t.external_data}
        where = entries.get("location", "")
        size = sizes.get(where)
        if size is None:
            size = sizes[where] = _external_file_size(t, where, root)
        _check_external_range(t, entries, where, size)


def _external_file_size(t: TensorProto, where: str, root: Path) -> int:
    """The size of the external data file ``where`` (relative to ``root``),
    refusing a location that is not a file inside ``root``."""
    if not where or Path(where).is_absolute() or Path(where).drive:
        raise ExternalDataError(
            f"tensor {t.name!r}: external data location {where!r} is not a "
            f"path relative to the model's folder")
    target = (root / where).resolve()
    if target != root and root not in target.parents:
        raise ExternalDataError(
            f"tensor {t.name!r}: external data {where!r} lies outside the "
            f"model's folder {str(root)!r}")
    if not target.is_file():
        raise ExternalDataError(
            f"tensor {t.name!r}: external data file {where!r} does not exist "
            f"in {str(root)!r}")
    return target.stat().st_size


def _check_external_range(t: TensorProto, entries: Mapping[str, str], where: str,
                          file_size: int) -> None:
    """Refuse an external data range outside the file, or one that does not
    hold exactly the bytes the tensor's dims and data type need."""
    def number(key: str) -> int | None:
        text = entries.get(key)
        if text is None:
            return None
        try:
            v = int(text)
        except ValueError:
            raise ExternalDataError(
                f"tensor {t.name!r}: external data {key} {text!r} (file {where!r}) "
                f"is not an integer") from None
        if v < 0:
            raise ExternalDataError(
                f"tensor {t.name!r}: external data {key} {v} (file {where!r}) is "
                f"negative")
        return v

    offset = number("offset") or 0
    length = number("length")
    if offset > file_size:
        raise ExternalDataError(
            f"tensor {t.name!r}: external data offset {offset} is past the end of "
            f"{where!r} ({file_size} bytes)")
    available = file_size - offset
    if length is not None and length > available:
        raise ExternalDataError(
            f"tensor {t.name!r}: external data length {length} from offset "
            f"{offset} runs past the end of {where!r} ({file_size} bytes)")
    got = available if length is None else length
    try:
        need = tensor_bytes(t, f"tensor {t.name!r}")
    except InvalidModelError as e:
        raise ExternalDataError(f"{e} (external data in {where!r})") from None
    if need is not None and got != need:
        span = f"{got} bytes from offset {offset}" if length is not None else \
            f"{got} bytes from offset {offset} to its end"
        raise ExternalDataError(
            f"tensor {t.name!r}: external data {where!r} gives {span}; its dims "
            f"and data type ({type_name(t.data_type)}{list(t.dims)}) need {need}")


def _mappable(t: TensorProto) -> bool:
    """Whether an external initializer is mapped (:func:`initializers`)
    rather than read: NumPy reads its bytes as they lie, and it is large."""
    return t.data_type in ITEMSIZE and \
        (tensor_bytes(t, f"initializer {t.name!r}") or 0) >= MIN_MAPPED_BYTES


def _load_external(proto: ModelProto, base_dir: str | os.PathLike[str],
                   map_weights: bool = False) -> None:
    check_external_paths(proto, base_dir)
    from onnx.external_data_helper import (
        load_external_data_for_model,
        load_external_data_for_tensor,
    )
    if not map_weights:
        load_external_data_for_model(proto, str(base_dir))
        return
    # the main graph's large initializers stay external: mapped, not read
    later = [t for t in proto.graph.initializer
             if t.data_location == TensorProto.EXTERNAL and not _mappable(t)]
    for t in later + _external_tensors(proto.graph, initializers=False):
        load_external_data_for_tensor(t, str(base_dir))
        t.data_location = TensorProto.DEFAULT
        del t.external_data[:]


def load_model(model: ModelLike, base_dir: str | os.PathLike[str] | None = None,
               *, map_weights: bool = False) -> ModelProto:
    """A ModelProto with its external data loaded and local functions inlined.

    ``model`` is a path, the serialized bytes, or a ModelProto; ``base_dir``
    is where a ModelProto's or bytes' external data files live.  With
    ``map_weights``, the main graph's large initializers (in a model file's
    own bytes, or in external data files) are not read: they are left as
    external data, which :func:`initializers` maps from the files
    (:func:`_folder` says which folder).
    """
    if isinstance(model, ModelProto):
        proto = model
        if base_dir is not None:
            proto = ModelProto()
            proto.CopyFrom(model)
            _load_external(proto, base_dir, map_weights)
    elif isinstance(model, bytes | bytearray):
        what = f"the model given as bytes ({len(model)} bytes)"
        proto = ModelProto()
        try:
            proto.ParseFromString(bytes(model))
        except _parse_errors() as e:
            raise _not_a_model(what, e) from None
        _check_parsed(proto, what)
        if base_dir is not None:
            _load_external(proto, base_dir, map_weights)
    else:
        path = Path(model)
        if not path.exists():
            raise FileNotFoundError(f"ONNX model {str(path)!r} does not exist")
        mapped = None
        if map_weights and (base_dir is None or
                            Path(base_dir).resolve() == path.parent.resolve()):
            mapped = read_mapped(path)  # its weights left in the file
        proto = mapped if mapped is not None else _read_model(path)
        _check_parsed(proto, f"ONNX model {str(path)!r}")
        _load_external(proto, base_dir or path.parent, map_weights)
    if proto.functions:
        from onnx import inliner
        try:
            proto = inliner.inline_local_functions(proto)
        except Exception as e:  # noqa: BLE001 - onnx's C++ inliner on the file's functions
            raise InvalidModelError(
                f"the model's local functions cannot be inlined: {e}") from None
    return proto


def _parse_errors() -> tuple[type[BaseException], ...]:
    """What protobuf raises on bytes that are not the message (binary, text
    and JSON formats)."""
    from google.protobuf import json_format, message, text_format
    return (message.DecodeError, text_format.ParseError, json_format.ParseError)


def _not_a_model(what: str, e: BaseException) -> InvalidModelError:
    detail = str(e)
    if "depth" in detail.lower():
        why = ("its messages nest deeper than protobuf allows (100 levels: "
               "sub-graphs inside sub-graphs)")
    else:
        why = ("its bytes do not parse as an onnx.ModelProto (truncated, "
               "corrupt, or another kind of file)")
    return InvalidModelError(f"{what} is not a valid ONNX model: {why}")


def _check_parsed(proto: ModelProto, what: str) -> None:
    """Refuse what parsed but is no model: protobuf reads many short byte
    strings (a text file, an empty one) as a message of unknown fields."""
    if not proto.HasField("graph"):
        raise InvalidModelError(f"{what} is not a valid ONNX model: it has no "
                                f"graph")


def _read_model(path: Path) -> ModelProto:
    """The model file parsed from a read-only memory map (no bytes object of
    the whole file: one copy of the weights fewer than ``onnx.load``), its
    external data not loaded; other formats (text, JSON) through onnx.load."""
    what = f"ONNX model {str(path)!r}"
    if path.suffix.lower() in (".onnx", ".pb", ""):
        import mmap
        try:
            with open(path, "rb") as f, mmap.mmap(f.fileno(), 0,
                                                   access=mmap.ACCESS_READ) as m:
                proto = ModelProto()
                with memoryview(m) as view:
                    proto.ParseFromString(view)
                return proto
        except _parse_errors() as e:
            raise _not_a_model(what, e) from None
        except (ValueError, OSError):  # empty file, no mmap: read it plainly
            pass
    try:
        return onnx.load(str(path), load_external_data=False)
    except _parse_errors() as e:
        raise _not_a_model(what, e) from None


def parse_attributes(node: NodeProto) -> dict[str, Any]:
    """A node's attributes as Python values (strings decoded, tensors as
    NumPy arrays, graphs as GraphProtos).  A tensor whose data disagrees
    with its dims raises :class:`InvalidModelError`."""
    out: dict[str, Any] = {}
    for a in node.attribute:
        if a.ref_attr_name:
            continue
        try:
            v = helper.get_attribute_value(a)
        except ValueError:
            raise InvalidModelError(f"attribute {a.name!r} has attribute type "
                                    f"{a.type}, which ONNX does not define") from None
        if isinstance(v, bytes):
            v = v.decode("utf-8", "replace")
        elif isinstance(v, TensorProto):
            v = tensor_to_array(v, f"attribute {a.name!r}")
        elif isinstance(v, list) and v and isinstance(v[0], bytes):
            v = [s.decode("utf-8", "replace") for s in v]
        elif isinstance(v, list) and v and isinstance(v[0], TensorProto):
            v = [tensor_to_array(t, f"attribute {a.name!r} tensor {k}")
                 for k, t in enumerate(v)]
        out[a.name] = v
    return out


def _opsets(model: ModelProto) -> dict[str, int]:
    out: dict[str, int] = {}
    for o in model.opset_import:
        out["" if o.domain == "ai.onnx" else o.domain] = int(o.version)
    out.setdefault("", 1)
    return out


@functools.lru_cache(maxsize=4096)
def _since_version(op_type: str, domain: str, opset: int) -> int:
    try:
        return int(onnx.defs.get_schema(op_type, opset, domain).since_version)
    except Exception:  # noqa: BLE001 - no ONNX schema (e.g. a contrib op)
        return opset


def _const_of_initializer(t: TensorProto, folder: Path | None = None
                          ) -> np.ndarray:
    """An initializer as a read-only array: over the one ``bytes`` object that
    reading ``raw_data`` makes (``numpy_helper.to_array`` would copy it once
    more), or converted by ``numpy_helper`` for the other encodings, or,
    for external data left unread by ``load_model(map_weights=True)``, a
    read-only ``np.memmap`` of its file range in ``folder`` (checked by
    :func:`check_external_paths`), which the builder holds as it is; one
    whose data disagrees with its dims or data type raises
    :class:`InvalidModelError` naming it."""
    if t.data_location == TensorProto.EXTERNAL:
        entries = {e.key: e.value for e in t.external_data}
        if folder is not None and t.data_type in ITEMSIZE:
            return np.memmap(folder / entries["location"],
                             dtype=np_dtype_of_onnx(t.data_type), mode="r",
                             offset=int(entries.get("offset") or 0),
                             shape=tuple(t.dims))
        where = entries.get("location", "?")
        raise UnsupportedModelError(
            f"initializer {t.name!r} is in the external data file {where!r}, which "
            f"was not loaded: load the model from its path, or pass base_dir=")
    return tensor_to_array(t, f"initializer {t.name!r}")


def initializers(model: ModelProto, folder: Path | None = None
                 ) -> dict[str, np.ndarray]:
    """The graph's initializers (and sparse ones, densified) as read-only
    arrays: the builder holds them as constants without a copy, so the
    weights are in memory once (or, mapped from the files in ``folder``,
    not at all: see :func:`load_model`'s ``map_weights``)."""
    out = initializers_of(model.graph, folder)
    for arr in out.values():
        arr.flags.writeable = False
    return out


def initializers_of(graph: GraphProto, folder: Path | None = None
                    ) -> dict[str, np.ndarray]:
    """A graph's initializers (and sparse ones, densified) as arrays."""
    out = {t.name: _const_of_initializer(t, folder) for t in graph.initializer}
    for sp in graph.sparse_initializer:
        # never allocate what a file merely declares
        limit = fold_limit(len(sp.values.raw_data) + 8 * len(sp.indices.raw_data)
                           + 8 * (len(sp.values.float_data) + len(sp.values.int64_data)
                                  + len(sp.values.int32_data)
                                  + len(sp.values.double_data)
                                  + len(sp.indices.int64_data)))
        out[sp.values.name] = sparse_to_array(
            sp, f"sparse initializer {sp.values.name!r}", limit)
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
    if isinstance(out, Tensor):  # keeps the name: assign_outputs reads its deps
        return Tensor(out.name, out.onnx_type, value=out.value, operand=out.operand)
    if isinstance(out, np.ndarray):
        return Tensor("", onnx_of_np(out.dtype), value=out)
    if isinstance(out, MLOperand):
        if out.data_type == "uint8" and first_in is not None and first_in.is_bool:
            return Tensor("", BOOL, operand=out)
        return Tensor("", onnx_of_webnn(out.data_type), operand=out)
    return Tensor("", onnx_of_np(np.asarray(out).dtype), value=np.asarray(out))


def convert_node(ctx: ImportContext, info: NodeInfo, ins: list[Tensor | None],
                 opsets: Mapping[str, int], depth: int = 0
                 ) -> tuple[list[Tensor | None], str]:
    """Fold or convert one node; returns its outputs and "constant" or
    "webnn".  Raises UnsupportedNodeError."""
    ctx.node = info
    node = info.proto
    check_node(node, info.domain, info.version, info.name, info.inputs)
    present = [t for t in ins if t is not None]
    sizes = [t.value.size for t in present if t.value is not None]
    if can_fold(node, all(t.is_const for t in present), sizes) and \
            _within_fold_budget(ctx, info, ins, opsets):
        vals = fold(node, [None if t is None else t.value for t in ins], opsets)
        if vals is not None:
            _count_folded(ctx, ins, vals)
            return [Tensor("", onnx_of_np(v.dtype), value=v) for v in vals], "constant"
    empties = _empty_outputs(node, ins, opsets)
    if empties is not None:
        return empties, "constant"
    if info.op_type == "EyeLike":  # its handler builds np.eye of the input's shape
        _within_fold_budget(ctx, info, ins, opsets)
    handler, why = find_handler(info.domain, info.op_type, info.version)
    declined: UnsupportedNodeError | None = None
    if handler is not None:
        try:
            return _run_handler(ctx, info, handler, ins)
        except (NeedsConstantError, InvalidNodeError):
            raise
        except UnsupportedNodeError as e:
            declined = e
    outs = _expand(ctx, info, ins, opsets, depth, declined)
    if outs is None:
        if declined is not None:
            raise declined
        raise ctx.fail(why)
    declined = None  # its traceback holds this frame: no cycle left behind
    info.expanded = True
    kind = "constant" if all(t is None or t.is_const for t in outs) else "webnn"
    return outs, kind


#: ops whose handlers build their whole result in NumPy at import: one over
#: the fold budget is refused rather than allocated
_MATERIALIZED = frozenset({"ConstantOfShape", "Range", "EyeLike"})


def _within_fold_budget(ctx: ImportContext, info: NodeInfo,
                        ins: list[Tensor | None], opsets: Mapping[str, int]) -> bool:
    """Whether folding the node allocates at most :func:`fold_limit` bytes,
    told from the declared shapes and small input values before anything is
    evaluated (issue #11 D5: a 188-byte ConstantOfShape([20000, 20000]) took
    1.6 GB).  A node over it is left to its handler (WebNN operators, run
    time), or refused with an :class:`UnsupportedNodeError` naming the size
    when its handler would build the result at import anyway."""
    specs = [None if t is None else (t.onnx_type, tuple(t.shape), t.value)
             for t in ins]
    size = fold_bytes(info.proto, specs, opsets)
    in_bytes = sum(t.value.nbytes for t in ins if t is not None and t.value is not None)
    limit = fold_limit(in_bytes)
    # what folds made beyond 8x their inputs' data, over the whole import
    # (counted by :func:`_count_folded`): many nodes each under the budget
    # must not add up to gigabytes either
    declared = getattr(ctx, "_fold_declared_bytes", 0)
    if size is not None and size <= limit and declared <= FOLD_TOTAL_BUDGET:
        return True
    if info.op_type in _MATERIALIZED:
        if size is None:  # inputs that are not what the op takes (e.g. a
            return False  # Range of non-scalars): its handler says which
        if size > limit:
            why = (f"its constant result would take {format_bytes(size)}, over "
                   f"the {format_bytes(limit)} an import may fold for it")
        else:
            why = (f"its constant result would take {format_bytes(size)}, and this "
                   f"import has already folded {format_bytes(declared)} beyond its "
                   f"nodes' inputs (at most {format_bytes(FOLD_TOTAL_BUDGET)})")
        raise ctx.fail(f"{why}; the model declares shapes too large to build")
    return False


def _count_folded(ctx: ImportContext, ins: list[Tensor | None],
                  vals: list[np.ndarray]) -> None:
    """Add what a fold made beyond 8x its inputs' bytes to the import's total."""
    in_bytes = sum(t.value.nbytes for t in ins if t is not None and t.value is not None)
    extra = max(0, sum(v.nbytes for v in vals) - 8 * in_bytes)
    if extra:
        total = getattr(ctx, "_fold_declared_bytes", 0) + extra
        setattr(ctx, "_fold_declared_bytes", total)  # noqa: B010


#: ops whose output shape depends on the values of input 0
_VALUE_SHAPED = frozenset({
    "ConstantOfShape", "Range", "NonZero", "Unique", "Compress", "TopK",
    "Loop", "If", "Scan", "StringSplit",
})
#: ops whose output shape depends on their inputs' shapes only
_ALL_DATA_INPUTS = frozenset({
    "Add", "Sub", "Mul", "Div", "Pow", "Mod", "Max", "Min", "Sum", "Mean",
    "And", "Or", "Xor", "Equal", "Less", "LessOrEqual", "Greater",
    "GreaterOrEqual", "Where", "Concat", "MatMul", "PRelu", "BitShift",
    "BitwiseAnd", "BitwiseOr", "BitwiseXor", "CastLike",
})


def _empty_outputs(node: NodeProto, ins: list[Tensor | None],
                   opsets: Mapping[str, int]) -> list[Tensor | None] | None:
    """With an empty constant among the inputs, the outputs are often empty
    too, whatever the other inputs hold: evaluate the node with zeros for
    those, and keep the result if every output is empty (it then has no
    values that the stand-ins could have changed)."""
    if not any(t is not None and t.value is not None and t.value.size == 0
               for t in ins):  # an empty constant
        return None
    if not can_fold(node, True) or node.op_type in _VALUE_SHAPED:
        return None
    # the stand-in values must not decide the output shapes: only data
    # inputs may be stand-ins (any input of the ops below, else input 0)
    if any(t is not None and not t.is_const and
           (k > 0 and node.op_type not in _ALL_DATA_INPUTS)
           for k, t in enumerate(ins)):
        return None
    # shape inference first: evaluating on zero stand-ins costs a full run of
    # the op (a Resize of a feature map whose empty input is its roi)
    shapes = output_shapes(node, [None if t is None else
                                  (t.onnx_type, t.shape, t.value) for t in ins],
                           opsets)
    if shapes is not None and not any(0 in s for s in shapes):
        return None
    if sum(math.prod(t.shape) for t in ins if t is not None and not t.is_const) \
            > FOLD_BUDGET // 8:  # zero stand-ins of a declared huge shape
        return None
    fill = [None if t is None else t.value if t.is_const else
            np.zeros(t.shape, np_dtype_of_onnx(t.onnx_type)) for t in ins]
    vals = fold(node, fill, opsets)
    if vals is None or any(v.size for v in vals):
        return None
    return [Tensor("", onnx_of_np(v.dtype), value=v) for v in vals]


def _run_handler(ctx: ImportContext, info: NodeInfo, handler: Any,
                 ins: list[Tensor | None]) -> tuple[list[Tensor | None], str]:
    try:
        attrs = NodeAttributes(ctx, parse_attributes(info.proto))
    except InvalidModelError as e:
        raise ctx.invalid(str(e)) from None
    rules = node_rules(info.op_type, info.domain, info.version)
    if rules is not None:  # an attribute this op version does not define has
        types = rules.attr_types  # no meaning
        for name in [k for k in attrs if k not in types]:
            del attrs[name]
    try:
        outs = handler(ctx, info, NodeInputs(ctx, ins), attrs)
    except UnsupportedNodeError as e:
        runtime = [t for t in ins if t is not None and not t.is_const]
        if not e.empty_input or not runtime:
            raise
        # an empty input: only computable at import, once the others are known
        deps = sorted(set().union(*(ctx.deps.get(t.name, ()) for t in runtime)))
        raise NeedsConstantError(
            info.name, info.op_type, "an input is empty, so WebNN cannot compute "
            "this node; it can be folded at import", value_name=runtime[0].name,
            graph_inputs=deps, version=info.version, domain=info.domain) from e
    except OnnxImportError:
        raise
    except TypeError as e:
        if webnn_rejected(e):
            raise ctx.fail(f"WebNN rejects the mapping: {e}") from e
        raise
    present = [t for t in ins if t is not None]
    first = present[0] if present else None
    result = [_wrap(ctx, o, first) for o in outs]
    for k, name in enumerate(info.outputs):
        if name and (k >= len(result) or result[k] is None):
            raise ctx.fail(f"output {k} ({name!r}) is not supported")
    kind = "constant" if all(t is None or t.is_const for t in result) else "webnn"
    return result, kind


_MAX_DEPTH = 8


def _expand(ctx: ImportContext, info: NodeInfo, ins: list[Tensor | None],
            opsets: Mapping[str, int], depth: int,
            declined: UnsupportedNodeError | None) -> list[Tensor | None] | None:
    """Convert the node through its ONNX function body; None if it has none."""
    if depth >= _MAX_DEPTH:
        return None
    types = [tensor_type(t.onnx_type, t.shape) if t is not None else TypeProto()
             for t in ins]
    opset = opsets.get(info.domain, 1)
    body = expand_function(info.proto, info.domain, opset, types, f"{info.name}/")
    if body is None:
        return None
    nodes, body_opsets = body
    # domains the body does not import (a preview op's body may omit the
    # default one) keep the model's versions
    fn_opsets = {**opsets, **body_opsets}
    local: dict[str, Tensor] = {n: t for n, t in zip(info.inputs, ins, strict=False)
                                if n and t is not None}
    for k, inner in enumerate(nodes):
        sub = _node_info(inner, k, fn_opsets)
        sub.name = inner.name
        sub_ins = [local.get(n) if n else None for n in inner.input]
        missing = [n for n, t in zip(inner.input, sub_ins, strict=False)
                   if n and t is None]
        try:
            if missing:
                raise UnsupportedNodeError(sub.name, sub.op_type,
                                           f"input {missing[0]!r} is not available")
            outs, _ = convert_node(ctx, sub, sub_ins, fn_opsets, depth + 1)
        except NeedsConstantError:
            raise
        except UnsupportedNodeError as e:
            ctx.node = info
            if declined is not None:
                raise declined from e
            raise ctx.fail(f"no direct mapping, and its ONNX function body does "
                           f"not map: {e}") from e
        assign_outputs(ctx, sub, sub_ins, outs, local)
    ctx.node = info
    return [local.get(n) if n else None for n in info.outputs]


def assign_outputs(ctx: ImportContext, info: NodeInfo, ins: list[Tensor | None],
                   outs: Sequence[Tensor | None], values: dict[str, Tensor]) -> None:
    """Name a node's outputs and record them (and which graph inputs each
    run-time value depends on)."""
    deps: frozenset[str] = frozenset()
    for t in ins:
        if t is not None and not t.is_const:
            deps |= ctx.deps.get(t.name, frozenset())
    for name, t in zip(info.outputs, outs, strict=False):
        if name and t is not None:
            # a value passed through (Identity, an If branch's outputs) keeps
            # what it depended on
            own = ctx.deps.get(t.name, frozenset()) if t.name else frozenset()
            if t.name and t.name != name:
                t = Tensor(name, t.onnx_type, value=t.value, operand=t.operand)
            t.name = name
            values[name] = t
            if not t.is_const:
                ctx.deps[name] = deps | own


def _subgraph_runner(ctx: ImportContext, outer: dict[str, Tensor],
                     opsets: Mapping[str, int]
                     ) -> Callable[[GraphProto], list[Tensor | None]]:
    """Converts a sub-graph's nodes in a scope that sees the outer values."""
    def run_graph(g: GraphProto) -> list[Tensor | None]:
        info, used = ctx.node, ctx.used_ops
        assert info is not None
        scope = dict(outer)
        for name, v in initializers_of(g).items():
            scope[name] = Tensor(name, onnx_of_np(v.dtype), value=v)
        for k, inner in enumerate(g.node):
            sub = _node_info(inner, k, opsets)
            sub.name = f"{info.name}/{sub.name}"
            sub_ins = [scope.get(n) if n else None for n in inner.input]
            missing = [n for n, t in zip(inner.input, sub_ins, strict=False)
                       if n and t is None]
            ctx.scope = scope
            ctx.run_subgraph = _subgraph_runner(ctx, scope, opsets)
            if missing:
                raise UnsupportedNodeError(sub.name, sub.op_type,
                                           f"input {missing[0]!r} is not available")
            outs, _ = convert_node(ctx, sub, sub_ins, opsets)
            assign_outputs(ctx, sub, sub_ins, outs, scope)
        ctx.node, ctx.used_ops, ctx.scope = info, used, outer
        return [scope.get(o.name) for o in g.output]
    return run_graph


def walk(ctx: ImportContext, model: ModelProto, values: dict[str, Tensor],
         opsets: Mapping[str, int],
         on_error: Callable[[NodeInfo, OnnxImportError, list[Tensor | None]],
                            list[Tensor | None]] | None = None,
         on_node: Callable[[NodeOutcome], None] | None = None) -> None:
    """Convert every node in order, filling ``values``.  Without ``on_error``
    the first unsupported node raises; with it, ``on_error`` gives stand-in
    outputs and the walk goes on (inspect)."""
    try:
        _walk(ctx, model, values, opsets, on_error, on_node)
    finally:
        # the runner's closure holds ctx and the values: no cycle outlives
        # the walk (its arrays would wait for the garbage collector)
        ctx.run_subgraph = None
        ctx.scope = {}


def _walk(ctx: ImportContext, model: ModelProto, values: dict[str, Tensor],
          opsets: Mapping[str, int],
          on_error: Callable[[NodeInfo, OnnxImportError, list[Tensor | None]],
                             list[Tensor | None]] | None,
          on_node: Callable[[NodeOutcome], None] | None) -> None:
    run_subgraph = _subgraph_runner(ctx, values, opsets)
    for index, node in enumerate(model.graph.node):
        info = _node_info(node, index, opsets)
        ctx.node = info
        ctx.used_ops = []
        ctx.scope = values
        ctx.run_subgraph = run_subgraph
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
        assign_outputs(ctx, info, ins, outs, values)
        if on_node is not None:
            on_node(outcome)


# ------------------------------------------------------------------- load


def bind_input(ctx: ImportContext, spec: InputSpec, values: dict[str, Tensor],
               name: str | None = None) -> str:
    """Make a graph input an operand (``builder.input``) in ``values``; an
    empty one (a 0 in its shape) has no values and becomes a constant.
    Returns why the input cannot be bound, or ""."""
    if spec.problem:
        return spec.problem
    dt = webnn_of_onnx(spec.onnx_type)
    if dt is None:
        return (f"input {spec.name!r} has type {type_name(spec.onnx_type)}, which "
                f"WebNN has no data type for")
    assert spec.shape is not None
    bad = [d for d in spec.shape if not 0 <= d < 2**32]
    if bad:  # before any array of the shape is made (a 0 beside 2**63 - 1)
        return (f"input {spec.name!r}: shape {spec.shape} has {bad[0]}; dimensions "
                f"must be in [0, 2**32)")
    if 0 in spec.shape:
        values[spec.name] = Tensor(spec.name, spec.onnx_type, value=np.zeros(
            spec.shape, np_dtype_of_onnx(spec.onnx_type)))
        return ""
    try:
        op = ctx.builder.input(name or spec.name, {"data_type": dt,
                                                   "shape": spec.shape})
    except TypeError as e:
        msg = str(e)  # the builder's message may name the input already
        return msg if msg.startswith(f"input {spec.name!r}") else \
            f"input {spec.name!r}: {msg}"
    ctx.add_leaf(op)
    values[spec.name] = Tensor(spec.name, spec.onnx_type, operand=op)
    ctx.deps[spec.name] = frozenset({spec.name})
    return ""


def output_problems(model: ModelProto, values: Mapping[str, Tensor]) -> list[str]:
    """Why the graph's outputs cannot be WebNN outputs (values that nodes did
    produce): a type WebNN lacks, or every output being empty."""
    problems = []
    empty = 0
    for vi in model.graph.output:
        t = values.get(vi.name)
        if t is None or not t.is_const:
            continue
        assert t.value is not None
        if t.value.size == 0:
            empty += 1
        elif t.data_type is None:
            problems.append(f"output {vi.name!r} has type {type_name(t.onnx_type)}, "
                            f"which WebNN has no data type for")
    if model.graph.output and empty == len(model.graph.output):
        problems.append("the model has no outputs that WebNN can compute (every "
                        "output is empty)")
    return problems


def _without_initializers(proto: ModelProto) -> ModelProto:
    """A new ModelProto without the main graph's initializers, so that the
    parsed one (whose memory holds every weight's bytes) can be freed."""
    del proto.graph.initializer[:]
    del proto.graph.sparse_initializer[:]
    return ModelProto.FromString(proto.SerializeToString())


def _folder(model: ModelLike, base_dir: str | os.PathLike[str] | None
            ) -> Path | None:
    """Where the model's external data files are: ``base_dir``, else a
    model file's folder."""
    if base_dir is not None:
        return Path(base_dir)
    if isinstance(model, str | os.PathLike):
        return Path(model).parent
    return None


def prepare(model: ModelLike, dims: Mapping[str, Any] | None,
            constants: Mapping[str, Any] | None,
            base_dir: str | os.PathLike[str] | None, *, strip: bool = False
            ) -> tuple[ModelProto, dict[str, int], dict[str, np.ndarray],
                       list[InputSpec], dict[str, np.ndarray]]:
    """Load the model and sort its values: (model, opsets, constants, the
    run-time inputs with their fixed shapes, the inputs fixed by
    ``constants``).  With ``strip``, the returned model has no initializers
    when this call parsed it (a path or bytes): the weights are then held
    once, by the constants, which map the large ones from the model's files
    rather than read them (:func:`load_model`'s ``map_weights``)."""
    proto = load_model(model, base_dir, map_weights=strip)
    dims = check_dims(dims, proto)
    opsets = _opsets(proto)
    consts = initializers(proto, _folder(model, base_dir) if strip else None)
    if strip and proto is not model and (proto.graph.initializer
                                         or proto.graph.sparse_initializer):
        proto = _without_initializers(proto)
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


def import_model(model: ModelLike, *, context: MLContext | None = None,
                 dims: Mapping[str, Any] | None = None,
                 max_dims: Mapping[str, int] | None = None,
                 max_graphs: int = 8,
                 min_dims: Mapping[str, int] | None = None,
                 constants: Mapping[str, Any] | None = None,
                 base_dir: str | os.PathLike[str] | None = None,
                 keep_model: bool = False, cached: bool = False) -> ImportedModel:
    """:func:`webnnpy.models.onnx.load` after its graph-cache look-up missed
    (``cached``: the model is a file whose graphs go to the cache)."""
    proto, opsets, consts, specs, frozen = prepare(model, dims, constants, base_dir,
                                                   strip=not keep_model)
    fixed = check_dims(dims, proto)
    free = _free_inputs(proto, fixed, set(consts))
    if free:
        return _symbolic(model, proto, opsets, consts, frozen, fixed,
                         context=context, max_dims=max_dims, max_graphs=max_graphs,
                         min_dims=min_dims,
                         constants=constants, base_dir=base_dir,
                         keep_model=keep_model, cache=bool(cached))
    if max_dims:
        _check_max_dims(max_dims, proto)
    if min_dims:
        _check_max_dims(min_dims, proto, "min_dims")
    m = _build(proto, opsets, consts, specs, frozen, context=context,
               dims=dims, keep_model=keep_model)
    if cached:
        del proto, consts
        _cache_save(Path(model), m, dims, constants, base_dir)  # type: ignore[arg-type]
    return m


def _build(proto: ModelProto, opsets: dict[str, int], consts: dict[str, np.ndarray],
           specs: list[InputSpec], frozen: dict[str, np.ndarray], *,
           context: MLContext | None, dims: Mapping[str, Any] | None,
           keep_model: bool) -> ImportedModel:
    """Walk the model with every input shape fixed and build its MLGraph."""
    metadata_props = {e.key: e.value for e in proto.metadata_props}
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
        problem = bind_input(ctx, s, values)
        if problem:
            raise UnsupportedModelError(problem)
        onnx_types[s.name] = s.onnx_type
        bound = values[s.name]
        if bound.operand is not None:
            in_descs[s.name] = {"data_type": bound.operand.data_type,
                                "shape": list(bound.operand.shape)}
    walk(ctx, proto, values, opsets)
    outputs: dict[str, MLOperand] = {}
    out_descs: dict[str, dict[str, Any]] = {}
    empty_outs: dict[str, np.ndarray] = {}
    ctx.node = NodeInfo(proto=NodeProto(), name="<graph outputs>", op_type="Output",
                        domain="", version=0, inputs=[], outputs=[])
    for vi in proto.graph.output:
        t = values.get(vi.name)
        if t is None:
            raise UnsupportedModelError(f"output {vi.name!r} is not produced by any "
                                        f"node")
        onnx_types[vi.name] = t.onnx_type
        if t.is_const and t.value is not None and t.value.size == 0:
            empty_outs[vi.name] = t.value  # known at import; WebNN has no empties
            out_descs[vi.name] = {"data_type": t.data_type,
                                  "shape": list(t.value.shape)}
            continue
        try:
            op = ctx.op(t, f"output {vi.name!r}")
        except UnsupportedNodeError as e:
            raise UnsupportedModelError(f"output {vi.name!r}: {e.reason}") from e
        if ctx.is_leaf(op):
            op = builder.identity(op)  # the spec forbids input/constant outputs
        outputs[vi.name] = op
        out_descs[vi.name] = {"data_type": op.data_type, "shape": list(op.shape)}
    if not outputs:
        raise UnsupportedModelError(
            "the model has no outputs that WebNN can compute"
            + (" (every output is empty)" if empty_outs else ""))
    # the import's arrays are copied into the builder's constants by now:
    # free them before the backend compiles (weights held once at its peak)
    del values, consts, ctx
    graph = builder.build(outputs)
    used = graph.inputs
    return ImportedModel(
        graph=graph, context=context,
        inputs={k: v for k, v in in_descs.items() if k in used},
        outputs=out_descs, onnx_types=onnx_types, opsets=opsets,
        dims=dict(dims or {}), constants=frozen,
        model=proto if keep_model else None, empty_outputs=empty_outs,
        metadata_props=metadata_props,
        input_shapes={s.name: list(s.shape or []) for s in specs})


# ------------------------------------------------------- free dimensions


def _check_max_dims(max_dims: Any, proto: ModelProto, what: str = "max_dims"
                    ) -> dict[str, int]:
    """``max_dims`` checked: dim_param names of the graph's inputs -> positive
    integers (``min_dims``: 0 or 1)."""
    example = "{'seq': 512}" if what == "max_dims" else "{'past_seq': 0}"
    if not isinstance(max_dims, Mapping):
        raise InvalidDimsError(what, max_dims,
                               f"{what} needs a mapping like {example}, got "
                               f"{max_dims!r}")
    params: set[str] = set()
    for vi in proto.graph.input:
        params.update(d for d in declared_dims(vi) or () if isinstance(d, str))
    out: dict[str, int] = {}
    for key, value in max_dims.items():
        if not isinstance(key, str) or key not in params:
            raise InvalidDimsError(
                key, value, f"{what}: {key!r} is not a named free dimension "
                f"of the model's inputs "
                f"({', '.join(map(repr, sorted(params))) or 'none'})")
        if what == "min_dims":
            if isinstance(value, bool) or value not in (0, 1):
                raise InvalidDimsError(
                    key, value, f"min_dims: the minimum of {key!r} is 0 or 1 (a "
                    f"free dimension is never negative), got {value!r}")
        elif isinstance(value, bool) or not isinstance(value, int | np.integer) \
                or value < 1:
            raise InvalidDimsError(
                key, value, f"max_dims: the maximum of {key!r} needs a positive "
                f"integer, got {value!r}")
        out[key] = int(value)
    return out


def _free_inputs(proto: ModelProto, dims: Mapping[str, Any], skip: set[str]
                 ) -> list[str]:
    """The run-time inputs whose shape ``dims`` leaves free (a dim_param
    without a value, an unnamed or negative dimension, no declared shape)."""
    skip = skip | {t.name for t in proto.graph.initializer}
    skip |= {t.values.name for t in proto.graph.sparse_initializer}
    out = []
    for vi in proto.graph.input:
        if vi.name in skip or not vi.type.HasField("tensor_type"):
            continue
        if isinstance(dims.get(vi.name), list):
            continue
        declared = declared_dims(vi)
        if declared is None or any(d is None or (isinstance(d, str) and not
                                                 isinstance(dims.get(d), int))
                                   for d in declared):
            out.append(vi.name)
    return out


def _symbolic(model: ModelLike, proto: ModelProto, opsets: dict[str, int],
              consts: dict[str, np.ndarray], frozen: dict[str, np.ndarray],
              fixed: dict[str, int | list[int]], *, context: MLContext | None,
              max_dims: Mapping[str, int] | None, max_graphs: int,
              min_dims: Mapping[str, int] | None,
              constants: Mapping[str, Any] | None,
              base_dir: str | os.PathLike[str] | None, keep_model: bool,
              cache: bool) -> ImportedModel:
    """An :class:`ImportedModel` with free dimensions: nothing built yet."""
    maxima = _check_max_dims(max_dims, proto) if max_dims else {}
    minima = _check_max_dims(min_dims, proto, "min_dims") if min_dims else {}
    if context is None:
        context = ml.create_context()
    inputs: dict[str, dict[str, Any]] = {}
    shapes: dict[str, list[int | str] | None] = {}
    onnx_types: dict[str, int] = {}
    for vi in proto.graph.input:
        if vi.name in consts:
            continue
        if not vi.type.HasField("tensor_type"):
            raise UnsupportedModelError(
                f"input {vi.name!r} is a {vi.type.WhichOneof('value')}, not a tensor")
        elem = int(vi.type.tensor_type.elem_type)
        dt = webnn_of_onnx(elem)
        if dt is None:
            raise UnsupportedModelError(
                f"input {vi.name!r} has type {type_name(elem)}, which WebNN has no "
                f"data type for")
        given = fixed.get(vi.name)
        declared = declared_dims(vi)
        shape: list[int | str] | None
        if isinstance(given, list):
            shape = list(given)
        elif declared is None:
            shape = None
        else:
            shape = []
            for i, d in enumerate(declared):
                v = fixed.get(d) if isinstance(d, str) else None
                shape.append(v if isinstance(v, int) else
                             d if d is not None else f"{vi.name}[{i}]")
        shapes[vi.name] = shape
        onnx_types[vi.name] = elem
        inputs[vi.name] = {"data_type": dt, "shape": shape}
    outputs: dict[str, dict[str, Any]] = {}
    for vi in proto.graph.output:
        elem = int(vi.type.tensor_type.elem_type) if vi.type.HasField(
            "tensor_type") else 0
        onnx_types[vi.name] = elem
        declared = declared_dims(vi)
        outputs[vi.name] = {"data_type": webnn_of_onnx(elem) if elem else None,
                            "shape": None if declared is None else
                            [d if d is not None else "?" for d in declared]}
    source: ModelLike | None = model if cache and isinstance(
        model, str | os.PathLike) and not keep_model else None
    sigs = _Signatures(proto, opsets, consts, frozen, fixed, shapes, maxima,
                       max_graphs, context, constants, base_dir, source, minima)
    sigs.types = {k: onnx_types[k] for k in shapes}
    return ImportedModel(
        graph=None, context=context, inputs=inputs, outputs=outputs,
        onnx_types=onnx_types, opsets=opsets, dims=dict(fixed), constants=frozen,
        model=proto if keep_model else None,
        metadata_props={e.key: e.value for e in proto.metadata_props},
        input_shapes={k: list(v) if v is not None else None
                      for k, v in shapes.items()},
        max_dims=maxima, min_dims=minima, signatures=sigs)


class _Signatures:
    """The graphs of a model with free dimensions, one per shape signature,
    in a bounded least-recently-used cache."""

    def __init__(self, proto: ModelProto, opsets: dict[str, int],
                 consts: dict[str, np.ndarray], frozen: dict[str, np.ndarray],
                 fixed: dict[str, int | list[int]],
                 shapes: dict[str, list[int | str] | None], maxima: dict[str, int],
                 max_graphs: int, context: MLContext,
                 constants: Mapping[str, Any] | None,
                 base_dir: str | os.PathLike[str] | None,
                 source: ModelLike | None,
                 minima: dict[str, int] | None = None) -> None:
        self.proto, self.opsets = proto, opsets
        self.consts, self.frozen = consts, frozen
        self.fixed = fixed
        self.shapes = shapes
        self.types: dict[str, int] = {}
        self.names = tuple(shapes)
        self.maxima = maxima
        self.minima = minima or {}
        self.max_graphs = max_graphs
        self.context = context
        self.constants = constants
        self.base_dir = base_dir
        self.source = source
        self.graphs: OrderedDict[tuple[Any, ...], ImportedModel] = OrderedDict()
        self.builds = 0

    def key(self, feeds: Mapping[str, Any]) -> tuple[Any, ...]:
        """The shape signature of ``feeds``: each input's shape (None if
        absent), in the model's input order."""
        out: list[tuple[int, ...] | None] = []
        for name in self.names:
            a = feeds.get(name)
            if a is None:
                out.append(None)
                continue
            shape = getattr(a, "shape", None)
            out.append(tuple(shape) if shape is not None else np.shape(a))
        return tuple(out)

    def get(self, key: tuple[Any, ...], feeds: Mapping[str, Any] | None = None
            ) -> ImportedModel:
        """The static model of signature ``key``; on a miss, ``key`` is
        checked (and ``feeds``' data types) before it is built and cached."""
        m = self.graphs.get(key)
        if m is not None:
            self.graphs.move_to_end(key)
            return m
        dims = self.resolve(key)
        if feeds is not None:
            self.check_types(feeds)
        m = self.build(dims)
        self.graphs[key] = m
        while len(self.graphs) > self.max_graphs:
            self.graphs.popitem(last=False)
        return m

    def check_types(self, feeds: Mapping[str, Any]) -> None:
        """Refuse an array whose data type ``run`` would refuse (it does not
        convert to the input's with ``same_kind``), before a build."""
        for name in self.names:
            a = feeds.get(name)
            if a is None:
                continue
            dt = np.asarray(a).dtype
            elem = self.types[name]
            if elem == BOOL:
                if dt != np.bool_ and dt != np.uint8:
                    raise TypeError(f"run: input {name!r} is bool; got {dt}")
                continue
            try:
                target = np.dtype(webnn_of_onnx(elem) or np_dtype_of_onnx(elem))
            except (TypeError, KeyError, ValueError):
                continue  # a type NumPy lacks: run() says what it needs
            if dt != target and not np.can_cast(dt, target, "same_kind"):
                raise TypeError(f"run: input {name!r} is {target}; got {dt}")

    def resolve(self, key: tuple[Any, ...]) -> dict[str, Any]:
        """The ``dims=`` of a signature: each given input's whole shape,
        checked against the declared shapes, the values of the named free
        dimensions (one value per name) and their maxima.  Raises a
        TypeError (InvalidDimsError) naming the input, the dimension and
        the bound."""
        values: dict[str, int] = {k: v for k, v in self.fixed.items()
                                  if isinstance(v, int)}
        where: dict[str, tuple[str, int]] = {}
        dims: dict[str, Any] = {}
        for name, shape in zip(self.names, key, strict=True):
            if shape is None:
                continue
            declared = self.shapes[name]
            if declared is not None and len(shape) != len(declared):
                raise InputShapeError(
                    name, list(shape), f"run: input {name!r} has shape "
                    f"{list(shape)} (rank {len(shape)}); the model declares "
                    f"{shape_str(declared)} (rank {len(declared)})")
            for i, n in enumerate(shape):
                d = declared[i] if declared is not None else None
                what = f"run: input {name!r} dimension {i}" + (
                    f" ({d!r})" if isinstance(d, str) else "")
                if isinstance(d, int):
                    if n != d:
                        raise InputShapeError(
                            name, list(shape), f"{what} is {n}; the model fixes "
                            f"it to {d} (input shape {shape_str(declared)})")
                    continue
                least = self.minima.get(d, 1) if isinstance(d, str) else 1
                if n < least:
                    raise InputShapeError(
                        name, list(shape), f"{what} is {n}; a free dimension "
                        f"must be at least {least}" + (
                            f" (declare min_dims={{{d!r}: 0}} to allow an "
                            f"empty one)" if n == 0 and isinstance(d, str) else ""))
                if not isinstance(d, str):
                    continue
                bound = self.maxima.get(d)
                if bound is not None and n > bound:
                    raise InputShapeError(
                        name, list(shape), f"{what} is {n}, over its declared "
                        f"maximum {d}={bound} (max_dims)")
                if d in values and values[d] != n:
                    other = where.get(d)
                    by = (f"input {other[0]!r} dimension {other[1]}" if other
                          else "dims=")
                    raise InputShapeError(
                        name, list(shape), f"{what} is {n}, but {d!r} is "
                        f"{values[d]} in {by}; every occurrence of {d!r} "
                        f"must have the same value")
                values[d] = n
                where.setdefault(d, (name, i))
            dims[name] = [int(n) for n in shape]
        for name, shape in zip(self.names, key, strict=True):
            if shape is not None:
                continue
            declared = self.shapes[name]
            if declared is None or any(
                    isinstance(d, str) and d not in values for d in declared):
                raise TypeError(f"run: input {name!r} is missing (its shape "
                                f"{shape_str(declared)} is not fixed by the "
                                f"other inputs); the model takes "
                                f"{sorted(self.names)}")
            dims[name] = [d if isinstance(d, int) else values[d] for d in declared]
        return dims

    def build(self, dims: dict[str, Any]) -> ImportedModel:
        """The static model of ``dims``: from the on-disk graph cache when
        loaded with ``cache=True`` (and saved there on a miss), else
        imported from the parsed model and built."""
        self.builds += 1
        path = Path(self.source) if self.source is not None else None  # type: ignore[arg-type]
        if path is not None:
            hit = cache_try(path, self.context, dims, self.constants, self.base_dir)
            if hit is not None:
                return hit
        specs = input_specs(self.proto, dims, set(self.consts))
        m = _build(self.proto, self.opsets, self.consts, specs, self.frozen,
                   context=self.context, dims=dims, keep_model=False)
        if path is not None:
            _cache_save(path, m, dims, self.constants, self.base_dir)
        return m


def _cache_save(path: Path, m: ImportedModel, dims: Mapping[str, Any] | None,
                constants: Mapping[str, Any] | None,
                base_dir: str | os.PathLike[str] | None) -> None:
    from webnnpy import graph_cache

    folder = Path(base_dir) if base_dir is not None else path.parent
    external = sorted({dict((e.key, e.value) for e in t.external_data)["location"]
                       for t in _external_tensors(
                           onnx.load(str(path), load_external_data=False).graph)}
                      ) if _has_other_files(path, folder) else []
    assert m.graph is not None
    graph_cache.try_save(m.context, cache_key(path, dims, constants), m.graph,
                         metadata=_cache_metadata(
                             m, external, external_digests(external, folder)))


def _has_other_files(path: Path, folder: Path) -> bool:
    """Whether the model's folder holds anything external data could be in."""
    try:
        return any(p.is_file() and p.resolve() != path.resolve()
                   for p in folder.iterdir())
    except OSError:
        return True


def _array_meta(a: np.ndarray) -> list[Any]:
    return [a.dtype.str, list(a.shape), a.tolist()]


def _cache_metadata(m: ImportedModel, external: list[str],
                    digests: list[str]) -> dict[str, Any]:
    """What an :class:`ImportedModel` needs besides its graph, as JSON."""
    return {"inputs": m.inputs, "outputs": m.outputs, "onnx_types": m.onnx_types,
            "opsets": m.opsets, "dims": m.dims,
            "constants": {k: _array_meta(v) for k, v in m.constants.items()},
            "empty_outputs": {k: [v.dtype.str, list(v.shape)]
                              for k, v in m.empty_outputs.items()},
            "metadata_props": m.metadata_props,
            "external": external, "external_digests": digests}


