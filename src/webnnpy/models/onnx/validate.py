"""Checks of what an ONNX file declares, made where the importer uses it.

A hostile or broken file must end in an :class:`OnnxImportError` that names
what is wrong, never in an exception of the parsing or conversion code:

- :func:`check_node`: a node against its op's ONNX schema (the rules
  ``onnx.checker`` and ONNX Runtime apply): every required input present and
  not empty, every required attribute present, every attribute of the type
  the schema defines.  Handlers may then read required inputs and attributes
  without checking them one by one.
- :func:`tensor_to_array`: a ``TensorProto`` (an initializer, a tensor
  attribute) as an array, after checking that its data type is defined and
  that its data holds exactly what its dims declare; nothing is allocated
  from the declared dims alone.
- :func:`sparse_to_array`: a ``SparseTensorProto`` densified under the
  import's size budget, its indices checked against its dims.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import onnx
from onnx import AttributeProto, SparseTensorProto, TensorProto, numpy_helper

from webnnpy.models.onnx.errors import InvalidModelError, InvalidNodeError
from webnnpy.models.onnx.folding import format_bytes
from webnnpy.models.onnx.types import type_name

__all__ = [
    "NodeRules",
    "check_node",
    "drop_invalid_nodes",
    "node_rules",
    "sparse_to_array",
    "tensor_bytes",
    "tensor_to_array",
]


# ------------------------------------------------------------------ nodes


class NodeRules:
    """What an op's schema requires of a node (one op version)."""

    __slots__ = ("attr_types", "inputs", "least", "max_outputs", "min_inputs",
                 "required_attrs", "required_inputs")

    def __init__(self, schema: Any) -> None:
        if isinstance(schema, _Declared):
            self._declare(schema)
            return
        single = onnx.defs.OpSchema.FormalParameterOption.Single
        variadic = onnx.defs.OpSchema.FormalParameterOption.Variadic
        #: formal input names, as the schema writes them ("[B]" optional,
        #: "inputs..." variadic)
        self.inputs: tuple[str, ...] = tuple(
            p.name + "..." if p.option == variadic else
            p.name if p.option == single else f"[{p.name}]" for p in schema.inputs)
        #: positions that must hold a non-empty name, with their formal names
        self.required_inputs: tuple[tuple[int, str], ...] = tuple(
            (k, p.name) for k, p in enumerate(schema.inputs) if p.option == single)
        self.min_inputs = int(schema.min_input)
        self.max_outputs = int(schema.max_output)
        self.required_attrs: tuple[str, ...] = tuple(
            sorted(n for n, a in schema.attributes.items() if a.required))
        self.attr_types: dict[str, int] = {
            n: int(a.type) for n, a in schema.attributes.items()}
        #: int attributes -> the least value ONNX gives them a meaning for
        self.least: dict[str, int] = {
            a: v for (op, a), v in _ATTR_LEAST.items() if op == schema.name}


    def _declare(self, d: _Declared) -> None:
        self.inputs = d.inputs
        self.required_inputs = tuple((k, n) for k, n in enumerate(d.inputs)
                                     if not n.startswith("["))
        self.min_inputs = len(self.required_inputs)
        self.max_outputs = d.outputs
        self.required_attrs = tuple(sorted(n for n, (_, req) in d.attrs.items()
                                           if req))
        self.attr_types = {n: t for n, (t, _) in d.attrs.items()}
        self.least = dict(d.least)


class _Declared:
    """The schema of an op ONNX does not define (ONNX Runtime's contrib ops
    the importer maps), as ONNX Runtime's operator documentation gives it:
    inputs ("[name]" optional), attributes name -> (type, required)."""

    def __init__(self, name: str, inputs: tuple[str, ...],
                 attrs: dict[str, tuple[int, bool]] | None = None,
                 least: dict[str, int] | None = None, outputs: int = 1) -> None:
        self.name = name
        self.inputs = inputs
        self.outputs = outputs
        self.attrs = attrs or {}
        self.least = least or {}


_F, _I = int(AttributeProto.FLOAT), int(AttributeProto.INT)
_S, _FS = int(AttributeProto.STRING), int(AttributeProto.FLOATS)
_SS = int(AttributeProto.STRINGS)
_EPS = {"epsilon": (_F, False)}
#: (domain, op) -> its declared schema (the contrib handlers read no more)
_CONTRIB: dict[tuple[str, str], _Declared] = {
    ("com.microsoft", d.name): d for d in (
        _Declared("Gelu", ("X",)),
        _Declared("BiasGelu", ("A", "B")),
        _Declared("FastGelu", ("X", "[bias]")),
        _Declared("QuickGelu", ("X",), {"alpha": (_F, False)}),
        _Declared("SkipLayerNormalization",
                  ("input", "skip", "gamma", "[beta]", "[bias]"), _EPS, outputs=4),
        _Declared("SkipSimplifiedLayerNormalization",
                  ("input", "skip", "gamma", "[bias]"), _EPS, outputs=4),
        _Declared("MatMulNBits",
                  ("A", "B", "scales", "[zero_points]", "[g_idx]", "[bias]"),
                  {"K": (_I, True), "N": (_I, True), "bits": (_I, False),
                   "block_size": (_I, True), "accuracy_level": (_I, False)},
                  {"K": 1, "N": 1, "bits": 1, "block_size": 1}),
        _Declared("GatherBlockQuantized",
                  ("data", "indices", "scales", "[zero_points]"),
                  {"bits": (_I, False), "block_size": (_I, False),
                   "gather_axis": (_I, False), "quantize_axis": (_I, False)},
                  {"bits": 1, "block_size": 1}),
        _Declared("DynamicQuantizeLSTM",
                  ("X", "W", "R", "[B]", "[sequence_lens]", "[initial_h]",
                   "[initial_c]", "[P]", "W_scale", "W_zero_point", "R_scale",
                   "R_zero_point"),
                  {"activation_alpha": (_FS, False), "activation_beta": (_FS, False),
                   "activations": (_SS, False), "clip": (_F, False),
                   "direction": (_S, False), "hidden_size": (_I, True),
                   "input_forget": (_I, False)}, {"hidden_size": 1}, outputs=3),
        _Declared("RotaryEmbedding",
                  ("input", "position_ids", "cos_cache", "sin_cache"),
                  {"interleaved": (_I, False), "is_packed_batching": (_I, False),
                   "num_heads": (_I, False), "rotary_embedding_dim": (_I, False),
                   "scale": (_F, False)}),
        _Declared("MultiHeadAttention",
                  ("query", "[key]", "[value]", "[bias]", "[key_padding_mask]",
                   "[attention_bias]", "[past_key]", "[past_value]",
                   "[past_sequence_length]", "[cache_indirection]"),
                  {"num_heads": (_I, True), "mask_filter_value": (_F, False),
                   "scale": (_F, False), "unidirectional": (_I, False)},
                  {"num_heads": 1}, outputs=4),
        _Declared("GroupQueryAttention",
                  ("query", "[key]", "[value]", "[past_key]", "[past_value]",
                   "seqlens_k", "total_sequence_length", "[cos_cache]",
                   "[sin_cache]", "[position_ids]", "[attention_bias]",
                   "[head_sink]"),
                  {"num_heads": (_I, True), "kv_num_heads": (_I, True),
                   "do_rotary": (_I, False), "rotary_interleaved": (_I, False),
                   "local_window_size": (_I, False), "scale": (_F, False),
                   "softcap": (_F, False), "smooth_softmax": (_I, False),
                   "qk_output": (_I, False)},
                  {"num_heads": 1, "kv_num_heads": 1}, outputs=4),
    )}


@functools.lru_cache(maxsize=2048)
def node_rules(op_type: str, domain: str, version: int) -> NodeRules | None:
    """The schema rules of an op version (for the contrib ops the importer
    maps, as ONNX Runtime declares them), or None when there is no schema
    (the op then has no handler either)."""
    declared = _CONTRIB.get((domain, op_type))
    if declared is not None:
        return NodeRules(declared)
    try:
        schema = onnx.defs.get_schema(op_type, version, domain)
    except Exception:  # noqa: BLE001 - no schema for this op
        return None
    return NodeRules(schema)


def _attr_type_name(t: int) -> str:
    try:
        name = str(AttributeProto.AttributeType.Name(t)).lower()
    except ValueError:
        return f"type {t}"
    return {"undefined": "of type UNDEFINED", "float": "a float",
            "int": "an int", "string": "a string", "tensor": "a tensor",
            "graph": "a graph", "sparse_tensor": "a sparse tensor",
            "type_proto": "a type"}.get(name, f"a list of {name.rstrip('s')}s"
                                        if name.endswith("s") else name)


_CONV_POOL = ("Conv", "ConvTranspose", "ConvInteger", "QLinearConv", "MaxPool",
              "AveragePool", "LpPool", "MaxUnpool", "DeformConv", "MaxRoiPool")
#: (op, attribute) -> the least value ONNX gives it a meaning for (each
#: element of a list): checked before anything (ONNX's own C++ shape
#: inference included, which crashed on a GatherND batch_dims of -2**31)
#: reads it
_ATTR_LEAST: dict[tuple[str, str], int] = {
    **{(op, a): 1 for op in _CONV_POOL for a in ("strides", "dilations",
                                                  "kernel_shape")},
    **{(op, "pads"): 0 for op in _CONV_POOL},
    ("ConvTranspose", "output_padding"): 0, ("ConvTranspose", "output_shape"): 0,
    ("GatherND", "batch_dims"): 0, ("ScatterND", "batch_dims"): 0,
    ("DepthToSpace", "blocksize"): 1, ("SpaceToDepth", "blocksize"): 1,
    ("LRN", "size"): 1, ("RNN", "hidden_size"): 1, ("GRU", "hidden_size"): 1,
    ("LSTM", "hidden_size"): 1, ("Split", "num_outputs"): 1,
    ("Col2Im", "dilations"): 1, ("Col2Im", "strides"): 1, ("Col2Im", "pads"): 0,
    ("GroupNormalization", "num_groups"): 1, ("Unique", "sorted"): 0,
    ("TopK", "sorted"): 0, ("LpPool", "p"): 1, ("LpNormalization", "p"): 1,
    ("GlobalLpPool", "p"): 1,
}
#: attributes that name axes: a value past +-65536 names no axis of any
#: tensor (ONNX's C++ shape inference narrowed LayerNormalization's axis
#: 2**63 - 1 to an int and crashed)
_AXIS_ATTRS = frozenset({"axis", "axes", "perm", "batch_axis", "time_axis"})
_MAX_AXIS = 1 << 16


def check_node(node: onnx.NodeProto, domain: str, version: int,
               name: str, inputs: Sequence[str] | None = None) -> None:
    """Raise an :class:`InvalidNodeError` if ``node`` breaks its op's schema
    (``version`` is the op's since-version, ``name`` the node's name as
    errors give it, ``inputs`` its input names when already read): a
    required input missing or empty, a required attribute missing, an
    attribute of another type than the schema defines."""
    rules = node_rules(node.op_type, domain, version)
    if rules is None:
        return
    ins = node.input if inputs is None else inputs
    n = len(ins)
    for k, formal in rules.required_inputs:
        if k >= n or not ins[k]:
            have = f"has {n} input{'s' if n != 1 else ''}" if k >= n else \
                "gives it as an empty name"
            raise _invalid(node, domain, version, name,
                           f"required input {k} ({formal!r}) is missing: the node "
                           f"{have}; the op takes {_signature(rules)}")
    if n < rules.min_inputs:
        raise _invalid(node, domain, version, name,
                       f"the node has {n} inputs; the op takes at least "
                       f"{rules.min_inputs}: {_signature(rules)}")
    outs = len(node.output)
    if outs > rules.max_outputs:
        raise _invalid(node, domain, version, name,
                       f"the node has {outs} outputs; the op has at most "
                       f"{rules.max_outputs}")
    if node.op_type == "Split" and not domain and version >= 18:
        for a in node.attribute:  # ONNX's own inference indexes by it
            if a.name == "num_outputs" and a.type == AttributeProto.INT \
                    and a.i != outs:
                raise _invalid(node, domain, version, name,
                               f"attribute 'num_outputs' is {a.i}; the node has "
                               f"{outs} outputs")
    types, bounds = rules.attr_types, rules.least
    if not types:
        return
    for a in node.attribute:
        want = types.get(a.name)
        if want is not None and a.type != want and not a.ref_attr_name:
            raise _invalid(node, domain, version, name,
                           f"attribute {a.name!r} is {_attr_type_name(a.type)}; "
                           f"the op defines it as {_attr_type_name(want)}")
        least = bounds.get(a.name) if bounds else None
        if least is not None and a.type in (AttributeProto.INT, AttributeProto.INTS):
            values = [a.i] if a.type == AttributeProto.INT else a.ints
            if any(v < least for v in values):
                raise _invalid(node, domain, version, name,
                               f"attribute {a.name!r} {list(values)}: ONNX "
                               f"takes values of at least {least}")
        if a.name in _AXIS_ATTRS and a.type in (AttributeProto.INT,
                                                AttributeProto.INTS):
            values = [a.i] if a.type == AttributeProto.INT else a.ints
            if any(not -_MAX_AXIS <= v <= _MAX_AXIS for v in values):
                raise _invalid(node, domain, version, name,
                               f"attribute {a.name!r} {list(values)[:8]} names no "
                               f"axis of any tensor (beyond +-{_MAX_AXIS})")
    if not rules.required_attrs:
        return
    given = {a.name for a in node.attribute}
    for attr in rules.required_attrs:
        if attr not in given:
            raise _invalid(node, domain, version, name,
                           f"required attribute {attr!r} "
                           f"({_attr_type_name(rules.attr_types[attr])}) is missing")


def drop_invalid_nodes(graph: onnx.GraphProto, opsets: dict[str, int]) -> int:
    """Remove from ``graph`` (and its sub-graphs) the nodes that break their
    op's schema (:func:`check_node`), in place, before the graph goes to
    ONNX's own C++ shape inference, which does not check everything it reads
    (a GatherND batch_dims of -2**31 crashed the process).  Returns how many
    were removed."""
    keep, dropped = [], 0
    for node in graph.node:
        domain = "" if node.domain == "ai.onnx" else node.domain
        opset = opsets.get(domain, 1)
        try:
            since = int(onnx.defs.get_schema(node.op_type, opset, domain)
                        .since_version)
        except Exception:  # noqa: BLE001 - no schema: nothing to check
            since = opset
        try:
            check_node(node, domain, since, node.name)
        except InvalidNodeError:
            dropped += 1
            continue
        for a in node.attribute:
            if a.type == AttributeProto.GRAPH:
                dropped += drop_invalid_nodes(a.g, opsets)
            for sub in a.graphs:
                dropped += drop_invalid_nodes(sub, opsets)
        keep.append(node)
    if dropped:
        del graph.node[:]
        graph.node.extend(keep)
    return dropped


def _signature(rules: NodeRules) -> str:
    text = ", ".join(rules.inputs) or "no inputs"
    return text + (" (optional ones in [])" if "[" in text else "")


def _invalid(node: onnx.NodeProto, domain: str, version: int, name: str,
             reason: str) -> InvalidNodeError:
    return InvalidNodeError(name, node.op_type, reason, version=version,
                            domain=domain)


# ---------------------------------------------------------------- tensors

#: element types whose (little-endian) raw_data NumPy reads as is, on a
#: little-endian machine (elsewhere numpy_helper converts)
_RAW_DTYPES: dict[int, np.dtype[Any]] = {
    TensorProto.FLOAT: np.dtype("float32"), TensorProto.DOUBLE: np.dtype("float64"),
    TensorProto.FLOAT16: np.dtype("float16"), TensorProto.INT8: np.dtype("int8"),
    TensorProto.UINT8: np.dtype("uint8"), TensorProto.INT16: np.dtype("int16"),
    TensorProto.UINT16: np.dtype("uint16"), TensorProto.INT32: np.dtype("int32"),
    TensorProto.UINT32: np.dtype("uint32"), TensorProto.INT64: np.dtype("int64"),
    TensorProto.UINT64: np.dtype("uint64"), TensorProto.BOOL: np.dtype("bool"),
} if np.little_endian else {}

#: bits per element of the packed element types (2 or 4 in a byte)
_PACKED_BITS: dict[int, int] = {
    TensorProto.UINT4: 4, TensorProto.INT4: 4, TensorProto.FLOAT4E2M1: 4,
    **{getattr(TensorProto, n): 2 for n in ("UINT2", "INT2")
       if hasattr(TensorProto, n)},
}

#: element types whose typed field (float_data, int32_data...) holds one
#: entry per element (two for the complex types)
_FIELD_ENTRIES: dict[int, int] = {
    TensorProto.FLOAT: 1, TensorProto.DOUBLE: 1, TensorProto.FLOAT16: 1,
    TensorProto.BFLOAT16: 1, TensorProto.INT8: 1, TensorProto.UINT8: 1,
    TensorProto.INT16: 1, TensorProto.UINT16: 1, TensorProto.INT32: 1,
    TensorProto.UINT32: 1, TensorProto.INT64: 1, TensorProto.UINT64: 1,
    TensorProto.BOOL: 1, TensorProto.STRING: 1, TensorProto.COMPLEX64: 2,
    TensorProto.COMPLEX128: 2,
}

_DEFINED_TYPES = frozenset(int(v) for v in TensorProto.DataType.values()) - {0}


def _check_header(t: TensorProto, what: str) -> tuple[int, ...]:
    """The tensor's dims after checking its data type and dims."""
    if t.data_type not in _DEFINED_TYPES:
        if t.data_type == 0:
            raise InvalidModelError(f"{what} has data type UNDEFINED (0): no "
                                    f"element type")
        raise InvalidModelError(f"{what} has data type {t.data_type}, which ONNX "
                                f"does not define")
    dims = tuple(int(d) for d in t.dims)
    if any(d < 0 for d in dims):
        raise InvalidModelError(f"{what} has dims {list(dims)}: a dimension is "
                                f"negative")
    return dims


def tensor_bytes(t: TensorProto, what: str) -> int | None:
    """The raw bytes a tensor's dims and data type need (None when its type
    has no fixed-size raw encoding, e.g. string)."""
    dims = _check_header(t, what)
    count = math.prod(dims)
    bits = _PACKED_BITS.get(t.data_type)
    if bits is not None:
        return (count * bits + 7) // 8
    if t.data_type == TensorProto.STRING:
        return None
    try:
        size = np.dtype(onnx.helper.tensor_dtype_to_np_dtype(t.data_type)).itemsize
    except (KeyError, TypeError, ValueError):
        return None
    return count * size


def _describe(t: TensorProto, dims: tuple[int, ...]) -> str:
    return f"{type_name(t.data_type)}{list(dims)}"


def tensor_to_array(t: TensorProto, what: str) -> np.ndarray:
    """A tensor's data as an array, checked against its dims and data type.

    Raw data NumPy can read as is becomes a read-only view of the one
    ``bytes`` object reading ``raw_data`` makes (``numpy_helper.to_array``
    would copy it once more); other encodings are converted by
    ``numpy_helper`` once their length is known to match.  ``what`` names
    the tensor in errors ("initializer 'w'").
    """
    dt = _RAW_DTYPES.get(t.data_type)
    has_raw = t.HasField("raw_data")
    if dt is not None and has_raw:  # the common case, checked at once
        raw = t.raw_data
        dims = tuple(t.dims)
        if min(dims, default=0) >= 0 and len(raw) == math.prod(dims) * dt.itemsize:
            return np.frombuffer(raw, dtype=dt).reshape(dims)
    dims = _check_header(t, what)
    count = math.prod(dims)
    if has_raw:
        need = tensor_bytes(t, what)
        raw = t.raw_data
        if need is None:
            raise InvalidModelError(f"{what} ({_describe(t, dims)}) has raw data, "
                                    f"which its data type cannot have")
        if len(raw) != need:
            raise InvalidModelError(
                f"{what} has {len(raw)} bytes of raw data; its dims and data type "
                f"({_describe(t, dims)}: {count} elements) need {need}")
    else:
        per = _FIELD_ENTRIES.get(t.data_type)
        if per is not None:
            field = onnx.helper.tensor_dtype_to_field(t.data_type)
            have = len(getattr(t, field))
            if have != count * per:
                raise InvalidModelError(
                    f"{what} holds {have} values in {field}; its dims and data "
                    f"type ({_describe(t, dims)}) need {count * per}")
    try:
        arr = np.asarray(numpy_helper.to_array(t))
    except (ValueError, TypeError, KeyError, IndexError, OverflowError) as e:
        raise InvalidModelError(f"{what} ({_describe(t, dims)}) cannot be read: "
                                f"{e}") from None
    if arr.shape != dims:
        raise InvalidModelError(f"{what} holds {arr.size} elements; its dims "
                                f"({_describe(t, dims)}) declare {count}")
    return arr


def sparse_to_array(sp: SparseTensorProto, what: str, limit: int) -> np.ndarray:
    """A sparse tensor densified: at most ``limit`` bytes (never what its dims
    merely declare), its indices checked against its dims."""
    dims = tuple(int(d) for d in sp.dims)
    if any(d < 0 for d in dims):
        raise InvalidModelError(f"{what} has dims {list(dims)}: a dimension is "
                                f"negative")
    values = tensor_to_array(sp.values, f"{what} (values)").reshape(-1)
    idx = tensor_to_array(sp.indices, f"{what} (indices)")
    if idx.dtype.kind not in "iu":
        raise InvalidModelError(f"{what} has indices of type {idx.dtype}; ONNX "
                                f"takes int64")
    count = math.prod(dims)
    size = count * values.dtype.itemsize
    if size > limit:
        raise InvalidModelError(
            f"{what}: its dense form {list(dims)} would take {format_bytes(size)} "
            f"for {values.size} stored values, over the {format_bytes(limit)} an "
            f"import may make of it")
    nnz = values.size
    if idx.ndim == 2 and idx.shape == (nnz, len(dims)):
        if nnz and ((idx < 0).any() or (idx >= np.array(dims)).any()):
            raise InvalidModelError(f"{what} has an index outside its dims "
                                    f"{list(dims)}")
        flat = np.ravel_multi_index(tuple(idx.T.astype(np.int64)), dims) \
            if nnz else np.zeros(0, np.int64)
    elif idx.ndim == 1 and idx.size == nnz:
        if nnz and (int(idx.min()) < 0 or int(idx.max()) >= count):
            raise InvalidModelError(f"{what} has a linear index outside its "
                                    f"{count} elements")
        flat = idx
    else:
        raise InvalidModelError(
            f"{what} has indices of shape {list(idx.shape)} for {nnz} values of "
            f"rank-{len(dims)} dims; ONNX takes [{nnz}] or [{nnz}, {len(dims)}]")
    dense = np.zeros(count, dtype=values.dtype)
    dense[flat] = values
    return dense.reshape(dims)
