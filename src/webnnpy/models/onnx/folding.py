"""Constant folding: a node whose inputs are all known at import time is
evaluated there, with ONNX's own reference evaluator, so shape computations
(Shape -> Gather -> Concat -> Reshape, ConstantOfShape, Range...) become
constants and the WebNN graph is static.  DequantizeLinear of weights stays a
WebNN operator, so quantized weights stay quantized in the graph.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from typing import Any, Final

import numpy as np
from onnx import AttributeProto, NodeProto

__all__ = ["FOLD_BUDGET", "FOLD_TOTAL_BUDGET", "KEEP_ON_WEIGHTS",
           "NON_DETERMINISTIC", "can_fold", "fold", "fold_bytes", "fold_limit",
           "format_bytes", "output_shapes"]

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
    if node.op_type == "Identity" and node.domain in ("", "ai.onnx") \
            and len(values) == 1 and values[0] is not None:
        # the most common fold by far (exporters wrap every weight in one):
        # no evaluator, and no import of onnx.reference (0.1 s) for models
        # that fold nothing else
        return [np.asarray(values[0])]
    fast = _FAST.get(node.op_type) if node.domain in ("", "ai.onnx") else None
    if fast is not None:
        try:
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                out = fast(list(values), _attributes(node),
                           opsets.get("", 1))
        except (ValueError, TypeError, IndexError, np.exceptions.AxisError):
            out = None
        if out is not None:
            return [np.asarray(out)]
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


# ------------------------------------------------- folds without the evaluator
#
# The shape computations exporters write (Shape -> Gather -> Unsqueeze ->
# Concat -> Reshape, masks from ConstantOfShape/Equal/Where, padding
# arithmetic) evaluated in NumPy exactly as ``onnx.reference``'s kernels do
# (the same NumPy calls, the same dtype rules), without building a
# ReferenceEvaluator per node (1-7 ms each) or importing onnx.reference
# (0.1 s on first use).  A case a function does not take (a dtype mismatch,
# an attribute it does not read, an old opset) returns None and goes to the
# evaluator, so what folds, and to what, is unchanged; the tests compare
# every function with the evaluator.

_PLAIN_KINDS: Final = frozenset("biuf")
_KNOWN_ATTRS: dict[str, frozenset[str]] = {
    "Gather": frozenset({"axis"}), "Concat": frozenset({"axis"}),
    "Reshape": frozenset({"allowzero"}), "Shape": frozenset({"start", "end"}),
    "Squeeze": frozenset({"axes"}), "Unsqueeze": frozenset({"axes"}),
    "Cast": frozenset({"to"}),
    "ConstantOfShape": frozenset({"value"}), "Transpose": frozenset({"perm"}),
}


def _attributes(node: NodeProto) -> dict[str, Any] | None:
    """The node's attributes (tensors as arrays), or None when it has one
    its fast fold does not read."""
    from onnx import helper, numpy_helper

    known = _KNOWN_ATTRS.get(node.op_type, frozenset())
    out: dict[str, Any] = {}
    for a in node.attribute:
        if a.name not in known or a.ref_attr_name:
            return None
        v = helper.get_attribute_value(a)
        out[a.name] = numpy_helper.to_array(v) if a.type == AttributeProto.TENSOR \
            else v
    return out


def _plain(*arrays: np.ndarray | None) -> bool:
    return all(a is not None and isinstance(a, np.ndarray)
               and a.dtype.kind in _PLAIN_KINDS and a.dtype.isnative
               for a in arrays)


def _binary(fn: Any, kinds: str, keep_type: bool) -> Any:
    def run(v: list[Any], attrs: dict[str, Any] | None, opset: int) -> Any:
        if attrs != {} or len(v) != 2 or not _plain(*v) or v[0].dtype != v[1].dtype \
                or v[0].dtype.kind not in kinds:
            return None
        out = np.asarray(fn(v[0], v[1]))
        if keep_type and out.dtype != v[0].dtype:
            return None  # the evaluator refuses it
        return out
    return run


def _div(x: np.ndarray, y: np.ndarray) -> Any:
    if x.dtype.kind in "iu":  # truncation toward zero, in integers
        q = np.floor_divide(x, y)
        r = np.remainder(x, y)
        return q + ((r != 0) & ((x < 0) ^ (y < 0))).astype(q.dtype)
    return np.divide(x, y)


def _unary(fn: Any, kinds: str, cast: bool = False) -> Any:
    def run(v: list[Any], attrs: dict[str, Any] | None, opset: int) -> Any:
        if attrs != {} or len(v) != 1 or not _plain(*v) or v[0].dtype.kind not in kinds:
            return None
        out = np.asarray(fn(v[0]))
        if cast:
            out = out.astype(v[0].dtype)
        return out if out.dtype == v[0].dtype else None  # else the evaluator refuses
    return run


def _extreme(fn: Any) -> Any:
    """Min and Max: one input copied, two of one dtype, more folded left."""
    def run(v: list[Any], attrs: dict[str, Any] | None, opset: int) -> Any:
        if attrs != {} or not v or not _plain(*v) or len({a.dtype for a in v}) != 1 \
                or v[0].dtype.kind not in "iuf":
            return None
        out = v[0].copy()
        for a in v[1:]:
            out = fn(out, a)
        return out
    return run


def _shape(v: list[Any], attrs: dict[str, Any] | None, opset: int) -> Any:
    if attrs is None or len(v) != 1 or not isinstance(v[0], np.ndarray):
        return None
    shape = v[0].shape
    start, end = attrs.get("start", 0), attrs.get("end")
    if start == 0 and end is None:
        return np.array(shape, dtype=np.int64)
    n = len(shape)
    end = n if end is None else n + end if end < 0 else end
    return np.array(shape[start:end], dtype=np.int64)


def _size(v: list[Any], attrs: dict[str, Any] | None, opset: int) -> Any:
    if attrs != {} or len(v) != 1 or not isinstance(v[0], np.ndarray):
        return None
    return np.array(v[0].size, dtype=np.int64)


def _gather(v: list[Any], attrs: dict[str, Any] | None, opset: int) -> Any:
    if attrs is None or len(v) != 2 or not _plain(*v) or v[1].dtype.kind not in "iu":
        return None
    return np.take(v[0], v[1], axis=attrs.get("axis", 0))


def _axes(v: list[Any], opset: int) -> tuple[int, ...] | None:
    if opset < 13 or len(v) != 2 or not _plain(v[1]) or v[1].dtype.kind not in "iu" \
            or v[1].ndim != 1:
        return None
    return tuple(int(a) for a in v[1])


def _old_axes(v: list[Any], attrs: dict[str, Any] | None, opset: int
              ) -> list[int] | None:
    """The ``axes`` attribute of Squeeze/Unsqueeze before opset 13."""
    if opset >= 13 or attrs is None or set(attrs) != {"axes"} or len(v) != 1 \
            or not _plain(v[0]) or not attrs["axes"]:
        return None
    return [int(a) for a in attrs["axes"]]


def _unsqueeze(v: list[Any], attrs: dict[str, Any] | None, opset: int) -> Any:
    old = _old_axes(v, attrs, opset)
    if old is not None:
        out = v[0]
        for a in old:
            out = np.expand_dims(out, axis=a)
        return out
    axes = _axes(v, opset)
    if attrs != {} or axes is None or not _plain(v[0]):
        return None
    return np.expand_dims(v[0], axis=axes)


def _squeeze(v: list[Any], attrs: dict[str, Any] | None, opset: int) -> Any:
    old = _old_axes(v, attrs, opset)
    if old is not None:
        out = v[0]
        for a in reversed(old):
            out = np.squeeze(out, axis=a)
        return out
    if attrs != {} or opset < 13 or not v or not _plain(v[0]):
        return None
    if len(v) == 1 or v[1] is None:
        return np.squeeze(v[0])
    axes = _axes(v, opset)
    return None if axes is None else np.squeeze(v[0], axis=axes)


def _concat(v: list[Any], attrs: dict[str, Any] | None, opset: int) -> Any:
    if attrs is None or "axis" not in attrs or not v or not _plain(*v) \
            or any(a.ndim == 0 for a in v) or len({a.dtype for a in v}) != 1:
        return None
    axis = attrs["axis"]
    if not -v[0].ndim <= axis < v[0].ndim:
        return None
    return np.concatenate(v, axis)


def _reshape(v: list[Any], attrs: dict[str, Any] | None, opset: int) -> Any:
    if attrs is None or opset < 5 or len(v) != 2 or not _plain(*v) \
            or v[1].dtype != np.int64 or v[1].ndim != 1:
        return None
    shape = np.copy(v[1])
    if not attrs.get("allowzero", 0):
        zeros = np.where(v[1] == 0)
        shape[zeros] = np.array(v[0].shape)[zeros]
    return np.reshape(v[0], shape)


def _cast(v: list[Any], attrs: dict[str, Any] | None, opset: int) -> Any:
    if attrs is None or set(attrs) != {"to"} or len(v) != 1 or not _plain(v[0]):
        return None
    dtype = _PLAIN_TYPES.get(attrs["to"])
    return None if dtype is None else v[0].astype(dtype)


def _constant_of_shape(v: list[Any], attrs: dict[str, Any] | None, opset: int
                       ) -> Any:
    if attrs is None or len(v) != 1 or not _plain(v[0]) or v[0].dtype != np.int64:
        return None
    value = attrs.get("value")
    if value is None:
        value = np.array(0, dtype=np.float32)
    elif value.size != 1 or not _plain(value):
        return None
    else:
        value = value.flat[0]
    return np.full(tuple(v[0]), value)


def _expand(v: list[Any], attrs: dict[str, Any] | None, opset: int) -> Any:
    if attrs != {} or len(v) != 2 or not _plain(*v) or v[1].dtype != np.int64:
        return None
    return v[0] * np.ones(v[1], dtype=v[0].dtype)


def _where(v: list[Any], attrs: dict[str, Any] | None, opset: int) -> Any:
    if attrs != {} or len(v) != 3 or not _plain(*v) or v[0].dtype != np.bool_ \
            or v[1].dtype != v[2].dtype:
        return None
    return np.where(v[0], v[1], v[2]).astype(v[1].dtype)


def _slice(v: list[Any], attrs: dict[str, Any] | None, opset: int) -> Any:
    if attrs != {} or opset < 10 or not 3 <= len(v) <= 5 or not _plain(v[0]):
        return None
    rest = list(v[1:])
    if any(a is not None and (not _plain(a) or a.dtype.kind not in "iu"
                              or a.ndim != 1) for a in rest) \
            or rest[0] is None or rest[1] is None:
        return None
    starts, ends = rest[0], rest[1]
    axes = rest[2] if len(rest) > 2 else None
    steps = rest[3] if len(rest) > 3 else None
    if axes is None:
        if steps is None:
            slices = [slice(s, e) for s, e in zip(starts, ends, strict=False)]
        else:
            slices = [slice(s, e, d)
                      for s, e, d in zip(starts, ends, steps, strict=False)]
    else:
        slices = [slice(0, a) for a in v[0].shape]
        if steps is None:
            for s, e, a in zip(starts, ends, axes, strict=False):
                slices[a] = slice(s, e)
        else:
            for s, e, a, d in zip(starts, ends, axes, steps, strict=False):
                slices[a] = slice(s, e, d)
    return v[0][tuple(slices)]


def _transpose(v: list[Any], attrs: dict[str, Any] | None, opset: int) -> Any:
    if attrs is None or len(v) != 1 or not _plain(v[0]):
        return None
    perm = attrs.get("perm")
    if not perm:
        return np.transpose(v[0])
    if len(perm) != v[0].ndim:
        return None
    return np.transpose(v[0], axes=perm)


def _plain_types() -> dict[int, np.dtype[Any]]:
    from onnx import TensorProto

    return {TensorProto.FLOAT: np.dtype(np.float32),
            TensorProto.DOUBLE: np.dtype(np.float64),
            TensorProto.FLOAT16: np.dtype(np.float16),
            TensorProto.INT8: np.dtype(np.int8), TensorProto.UINT8: np.dtype(np.uint8),
            TensorProto.INT16: np.dtype(np.int16),
            TensorProto.UINT16: np.dtype(np.uint16),
            TensorProto.INT32: np.dtype(np.int32),
            TensorProto.UINT32: np.dtype(np.uint32),
            TensorProto.INT64: np.dtype(np.int64),
            TensorProto.UINT64: np.dtype(np.uint64),
            TensorProto.BOOL: np.dtype(np.bool_)}


_PLAIN_TYPES: Final = _plain_types()

_NUMERIC = "iuf"
#: op type -> its fold in NumPy (see above)
_FAST: Final[dict[str, Any]] = {
    "Add": _binary(np.add, _NUMERIC, True),
    "Sub": _binary(np.subtract, _NUMERIC, True),
    "Mul": _binary(np.multiply, _NUMERIC, True),
    "Div": _binary(_div, _NUMERIC, True),
    "Equal": _binary(np.equal, "biuf", False),
    "Less": _binary(np.less, _NUMERIC, False),
    "LessOrEqual": _binary(np.less_equal, _NUMERIC, False),
    "Greater": _binary(np.greater, _NUMERIC, False),
    "GreaterOrEqual": _binary(np.greater_equal, _NUMERIC, False),
    "And": _binary(np.logical_and, "b", False),
    "Or": _binary(np.logical_or, "b", False),
    "Not": _unary(np.logical_not, "b"),
    "Neg": _unary(np.negative, "if"), "Abs": _unary(np.absolute, _NUMERIC),
    "Cos": _unary(np.cos, "f"), "Sin": _unary(np.sin, "f"),
    "Log": _unary(np.log, "f", cast=True), "Exp": _unary(np.exp, "f", cast=True),
    "Sqrt": _unary(np.sqrt, "f", cast=True),
    "Min": _extreme(np.minimum), "Max": _extreme(np.maximum),
    "Shape": _shape, "Size": _size, "Gather": _gather,
    "Unsqueeze": _unsqueeze, "Squeeze": _squeeze, "Concat": _concat,
    "Reshape": _reshape, "Cast": _cast, "ConstantOfShape": _constant_of_shape,
    "Expand": _expand, "Where": _where, "Slice": _slice, "Transpose": _transpose,
}


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


# ------------------------------------------------------------------ budget

#: a folded result may take this many bytes beyond 8x its inputs' bytes
#: (:func:`fold_limit`): a few hundred bytes of model must not make the
#: importer allocate gigabytes because a node declares a huge shape
FOLD_BUDGET: Final = 256 * 2**20
#: what one import may fold in all beyond 8x its nodes' inputs (a model of
#: many nodes each under :data:`FOLD_BUDGET` must not add up to gigabytes)
FOLD_TOTAL_BUDGET: Final = 2**30

#: ops whose outputs hold at most as many elements as the product of their
#: inputs' sizes, whatever their values and attributes (broadcasting,
#: MatMul, Gather, Concat, reductions...): no shape inference needed when
#: that product is within the budget
_SHAPE_BOUNDED: Final = frozenset({
    "Abs", "Acos", "Acosh", "Add", "And", "ArgMax", "ArgMin", "Asin", "Asinh",
    "Atan", "Atanh", "BitShift", "BitwiseAnd", "BitwiseNot", "BitwiseOr",
    "BitwiseXor", "Cast", "CastLike", "Ceil", "Clip", "Compress", "Concat",
    "Cos", "Cosh", "CumSum", "DequantizeLinear", "Div", "Einsum", "Equal", "Erf",
    "Exp", "Flatten", "Floor", "Gather", "GatherElements", "GatherND", "Gemm",
    "Greater", "GreaterOrEqual", "Identity", "IsInf", "IsNaN", "Less",
    "LessOrEqual", "Log", "MatMul", "Max", "Mean", "Min", "Mod", "Mul", "Neg",
    "NonZero", "Not", "Or", "Pow", "QuantizeLinear", "Reciprocal", "ReduceL1",
    "ReduceL2", "ReduceLogSum", "ReduceLogSumExp", "ReduceMax", "ReduceMean",
    "ReduceMin", "ReduceProd", "ReduceSum", "ReduceSumSquare", "Relu", "Reshape",
    "Round", "ScatterElements", "ScatterND", "Shape", "Sigmoid", "Sign", "Sin",
    "Sinh", "Size", "Slice", "Softmax", "Split", "Sqrt", "Squeeze", "Sub", "Sum",
    "Tan", "Tanh", "TopK", "Transpose", "Trilu", "Unique", "Unsqueeze", "Where",
    "Xor",
})

#: (ONNX element type, shape, value or None) of one input, None if absent
InputSpec = tuple[int, tuple[int, ...], np.ndarray | None] | None


def fold_limit(input_bytes: int) -> int:
    """The most bytes a node folded from inputs of ``input_bytes`` bytes may
    produce: :data:`FOLD_BUDGET` plus 8x the inputs (a Cast of int8 weights
    to float64 is 8x; anything larger is made from a declared shape)."""
    return FOLD_BUDGET + 8 * input_bytes


def format_bytes(n: int) -> str:
    """``n`` bytes as a short human-readable size."""
    for unit, scale in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} bytes"


def _itemsize(elem: int) -> int:
    from onnx import helper

    try:
        return int(np.dtype(helper.tensor_dtype_to_np_dtype(elem)).itemsize)
    except (KeyError, TypeError, ValueError):
        return 8


def _ints(value: np.ndarray | None) -> list[int] | None:
    if value is None or value.dtype.kind not in "iu" or value.ndim > 1:
        return None
    return [int(v) for v in value.reshape(-1).tolist()]


def _prod(dims: Sequence[int]) -> int:
    return math.prod(max(int(d), 0) for d in dims)


def fold_bytes(node: NodeProto, inputs: Sequence[InputSpec],
               opsets: Mapping[str, int]) -> int | None:
    """An upper bound of the bytes :func:`fold` would allocate for the node's
    outputs, found without evaluating it: from the inputs' values for
    ConstantOfShape, Range, Expand and Tile (EyeLike: its input's shape),
    from the inputs' sizes for the
    ops of ``_SHAPE_BOUNDED``, else from ONNX shape inference; None when it
    cannot be told (then the node must not be folded)."""
    present = [spec for spec in inputs if spec is not None]
    widest = max((_itemsize(e) for e, _, _ in present), default=8)
    op = node.op_type
    first = inputs[0] if inputs else None
    if op == "ConstantOfShape" and first is not None:
        dims = _ints(first[2])
        if dims is None:
            return None
        itemsize = 4
        for a in node.attribute:
            if a.name == "value" and a.type == AttributeProto.TENSOR:
                itemsize = _itemsize(a.t.data_type)
        return _prod(dims) * itemsize
    if op == "EyeLike" and first is not None:
        itemsize = _itemsize(first[0])
        for a in node.attribute:
            if a.name == "dtype" and a.type == AttributeProto.INT:
                itemsize = _itemsize(a.i)
        return _prod(first[1]) * itemsize
    if op == "Range" and len(present) == 3:
        values = [v for _, _, v in present if v is not None and v.size == 1]
        if len(values) != 3:
            return None
        start, limit, delta = (float(v.reshape(-1)[0]) for v in values)
        if not all(math.isfinite(v) for v in (start, limit, delta)) or delta == 0:
            return None
        return max(math.ceil((limit - start) / delta), 0) * widest
    if op in ("Expand", "Tile") and len(inputs) >= 2 and first is not None \
            and inputs[1] is not None:
        arg = _ints(inputs[1][2])
        shape = list(first[1])
        widest = _itemsize(first[0])
        if arg is None:
            return None
        if op == "Tile":
            if len(arg) != len(shape):
                return None
            return _prod([d * r for d, r in zip(shape, arg, strict=True)]) * widest
        rank = max(len(shape), len(arg))
        a = [1] * (rank - len(shape)) + shape
        b = [1] * (rank - len(arg)) + arg
        return _prod([max(x, y) for x, y in zip(a, b, strict=True)]) * widest
    if op in _SHAPE_BOUNDED:
        bound = math.prod(max(_prod(s), 1) for _, s, _ in present) + \
            sum(_prod(s) for _, s, _ in present)
        if bound * 8 <= FOLD_BUDGET:  # 8: a Cast may widen
            return bound * 8
    shapes = output_shapes(node, inputs, opsets)
    if shapes is None:
        return None
    return sum(_prod(s) for s in shapes) * 8
