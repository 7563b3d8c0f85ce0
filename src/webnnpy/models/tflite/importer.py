"""TFLite model -> MLGraph, by calls on the public MLGraphBuilder.

The walk visits the main subgraph's operators in order (TFLite stores them
topologically sorted).  Each tensor becomes a NumPy array (a constant: a
buffer, or an operator computed at import such as DEQUANTIZE of float16
weights or DENSIFY of a sparse constant) or an MLOperand.  Quantized int8 /
uint8 tensors flow through WebNN's ``dequantizeLinear`` / ``quantizeLinear``:
an operator whose tensors are quantized runs in float between a
dequantizeLinear of each quantized input and a quantizeLinear of each
quantized output (the QDQ form native runtimes fuse).

Every operator's output shapes are checked against the shapes the file
declares (unless ``dims=`` changed an input's shape), so a padding or layout
mistake is an import error naming the operator, never a silently wrong graph.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from webnnpy import MLContext, MLGraph, MLGraphBuilder, MLOperand, ml
from webnnpy.models.feeds import host_feeds
from webnnpy.models.tflite import mediapipe_ops  # noqa: F401 - registers handlers
from webnnpy.models.tflite.errors import (
    TfliteImportError,
    UnsupportedModelError,
    UnsupportedOperatorError,
)
from webnnpy.models.tflite.ops import (
    HANDLERS,
    QUANT_TRANSPARENT,
    Unsupported,
    dequantize_const,
    quant_params,
)
from webnnpy.models.tflite.reader import (
    ModelInfo,
    OperatorInfo,
    TensorInfo,
    read_model,
)

__all__ = ["KNOWN_UNSUPPORTED", "Build", "ModelLike", "TfliteModel", "load", "run",
           "walk"]

ModelLike = str | os.PathLike[str] | bytes | ModelInfo

#: WebNN data type of each TFLite TensorType that has one (BOOL as uint8)
_WEBNN_OF_TFLITE: dict[int, str] = {
    0: "float32", 1: "float16", 2: "int32", 3: "uint8", 4: "int64", 6: "uint8",
    9: "int8", 12: "uint64", 15: "uint32",
}

#: why ops with no mapping have none (beyond "no WebNN mapping")
KNOWN_UNSUPPORTED: dict[str, str] = {
    "WHILE": "control flow (subgraphs) has no WebNN equivalent",
    "IF": "control flow (subgraphs) has no WebNN equivalent",
    "CALL_ONCE": "subgraph calls have no WebNN equivalent",
    "NON_MAX_SUPPRESSION_V4": "output size depends on the data; WebNN graphs are "
                              "static",
    "NON_MAX_SUPPRESSION_V5": "output size depends on the data; WebNN graphs are "
                              "static",
    "WHERE": "output size depends on the data; WebNN graphs are static",
}

_QUANT_TYPES = (3, 9)   # UINT8, INT8


@dataclass
class TfliteModel:
    """A TFLite model built as an MLGraph.

    ``inputs``/``outputs`` map the TFLite tensor names to MLOperandDescriptor
    dicts (``data_type``, ``shape``); ``tflite_types`` gives each one's TFLite
    TensorType name (BOOL travels as uint8).  The same shape as the ONNX
    importer's ``ImportedModel``: ``.run(inputs)`` runs it.
    """

    graph: MLGraph
    context: MLContext
    inputs: dict[str, dict[str, Any]]
    outputs: dict[str, dict[str, Any]]
    tflite_types: dict[str, str]
    dims: dict[str, list[int]]
    constant_outputs: dict[str, np.ndarray] = field(default_factory=dict)
    """Outputs computed at import (from constants only): returned by run()."""

    @property
    def input_names(self) -> list[str]:
        return list(self.inputs)

    @property
    def output_names(self) -> list[str]:
        return list(self.outputs)

    def run(self, inputs: Mapping[str, Any]) -> dict[str, np.ndarray]:
        """Run the graph on NumPy arrays (by TFLite input name); returns the
        outputs by TFLite name, BOOL outputs as NumPy bool."""
        return run(self, inputs)


def run(model: TfliteModel, inputs: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """Run an imported model: ``{name: array}`` in, ``{name: array}`` out (in
    the model's output order).  Arrays are converted to the input's type when
    NumPy can do so safely (``same_kind``)."""
    feeds = host_feeds(inputs, model.inputs,
                       lambda n: model.tflite_types.get(n) == "BOOL")
    res = model.context.compute(model.graph, feeds)
    out: dict[str, np.ndarray] = {}
    for name in model.outputs:
        v = res[name] if name in res else model.constant_outputs[name].copy()
        if model.tflite_types.get(name) == "BOOL":
            v = v.astype(bool)
        out[name] = v
    return out


class Build:
    """The state of one import: the builder, the model, each tensor's value."""

    def __init__(self, builder: MLGraphBuilder, model: ModelInfo) -> None:
        self.builder = builder
        self.model = model
        self.values: dict[int, np.ndarray | MLOperand] = {}
        self._constants: dict[int, MLOperand] = {}
        self.override: dict[int, MLOperand] = {}
        self.op: OperatorInfo | None = None

    # -- values
    def is_const(self, index: int) -> bool:
        return isinstance(self.values.get(index), np.ndarray)

    def webnn_type(self, t: TensorInfo, what: str) -> str:
        dt = _WEBNN_OF_TFLITE.get(t.type)
        if dt is None:
            raise Unsupported(f"{what} {t.name!r} is {t.type_name}, which WebNN has "
                              f"no data type for")
        return dt

    def _input_index(self, op: OperatorInfo, pos: int, what: str) -> int:
        if pos >= len(op.inputs) or op.inputs[pos] < 0:
            raise Unsupported(f"{what} (input {pos}) is missing")
        i = op.inputs[pos]
        if i not in self.values and i not in self.override:
            t = self.model.tensors[i]
            raise Unsupported(f"input {pos} (tensor {t.name!r}) has no value: it is "
                              f"not a graph input, a constant or an earlier "
                              f"operator's output")
        return i

    def const_input(self, op: OperatorInfo, pos: int, what: str) -> np.ndarray:
        """An input that must be known at import time."""
        i = self._input_index(op, pos, what)
        v = self.values.get(i)
        if not isinstance(v, np.ndarray):
            raise Unsupported(f"{what} (tensor {self.model.tensors[i].name!r}) must "
                              f"be a constant; it is computed at run time")
        return v

    def operand(self, op: OperatorInfo, pos: int) -> MLOperand:
        i = self._input_index(op, pos, f"input {pos}")
        return self.tensor_operand(i)

    def optional_operand(self, op: OperatorInfo, pos: int) -> MLOperand | None:
        if pos >= len(op.inputs) or op.inputs[pos] < 0:
            return None
        return self.operand(op, pos)

    def tensor_operand(self, i: int) -> MLOperand:
        if i in self.override:
            return self.override[i]
        v = self.values[i]
        if isinstance(v, MLOperand):
            return v
        if i not in self._constants:
            t = self.model.tensors[i]
            a = np.asarray(v)
            if a.dtype == np.bool_:
                a = a.astype(np.uint8)
            if str(a.dtype) not in ("float32", "float16", "int32", "uint32", "int64",
                                    "uint64", "int8", "uint8"):
                raise Unsupported(f"constant {t.name!r} is {a.dtype}, which WebNN "
                                  f"has no data type for")
            if a.size == 0:
                raise Unsupported(f"constant {t.name!r} is empty (shape "
                                  f"{list(a.shape)}); WebNN has no empty tensors")
            self._constants[i] = self.builder.constant(np.ascontiguousarray(a))
        return self._constants[i]


def _is_quantized(t: TensorInfo) -> bool:
    return t.type in _QUANT_TYPES and t.quant is not None and t.quant.scale.size > 0


def _is_quantized_bias(t: TensorInfo) -> bool:
    return t.type == 2 and t.quant is not None and t.quant.scale.size > 0


def _run_handler(b: Build, op: OperatorInfo) -> list[np.ndarray | MLOperand]:
    """The handler, wrapped in dequantize/quantize for quantized tensors."""
    fn = HANDLERS.get(op.code)
    if fn is None:
        why = KNOWN_UNSUPPORTED.get(op.code)
        if why is None:
            why = (f"custom operator {op.code[7:]!r} has no WebNN mapping (its "
                   f"kernel is not part of the TFLite schema)"
                   if op.code.startswith("CUSTOM:") else
                   f"{op.code} has no WebNN mapping in this importer")
        raise Unsupported(why)
    tensors = b.model.tensors
    quantized = op.code in QUANT_TRANSPARENT and any(
        i >= 0 and (_is_quantized(tensors[i])
                    or (_is_quantized_bias(tensors[i]) and b.is_const(i)))
        for i in [*op.inputs, *op.outputs])
    if not quantized:
        return fn(b, op)
    g = b.builder
    b.override = {}
    for i in op.inputs:
        if i < 0 or i not in b.values:
            continue
        t = tensors[i]
        if b.is_const(i) and _is_quantized_bias(t):          # int32 bias
            b.override[i] = g.constant(dequantize_const(t, "bias"))
        elif _is_quantized(t):
            x = b.tensor_operand(i)
            s, z = quant_params(b, i, len(x.shape), "float32", x.data_type)
            b.override[i] = g.dequantize_linear(x, s, z)
    try:
        outs = fn(b, op)
    finally:
        b.override = {}
    res: list[np.ndarray | MLOperand] = []
    for o, v in zip(op.outputs, outs, strict=False):
        t = tensors[o]
        if _is_quantized(t) and isinstance(v, MLOperand):
            dt = b.webnn_type(t, "output")
            s, z = quant_params(b, o, len(v.shape), v.data_type, dt)
            v = g.quantize_linear(v, s, z)
        res.append(v)
    return res


def convert_operator(b: Build, op: OperatorInfo, check_shapes: bool) -> str:
    """Convert one operator into ``b.values``.  Returns "" or why it cannot
    be converted (the caller raises or records it)."""
    b.op = op
    tensors = b.model.tensors
    try:
        outs = _run_handler(b, op)
    except Unsupported as e:
        return str(e)
    except (TypeError, ValueError) as e:   # WebNN's validation said no
        return f"WebNN rejected the mapping: {e}"
    if len(outs) != len(op.outputs):
        return (f"the mapping gave {len(outs)} outputs; the operator declares "
                f"{len(op.outputs)}")
    for o, v in zip(op.outputs, outs, strict=True):
        if o < 0:
            continue
        t = tensors[o]
        shape = list(v.shape)
        if check_shapes and shape != list(t.shape):
            return (f"output {t.name!r} comes out as {shape}; the model declares "
                    f"{list(t.shape)}")
        b.values[o] = v
    return ""


def walk(b: Build, check_shapes: bool, *, on_error: Any = None) -> None:
    """Convert every operator in order.  ``on_error(op, reason)`` (inspect)
    records a failure and returns stand-in values; without it the first
    failure raises UnsupportedOperatorError."""
    tensors = b.model.tensors
    for op in b.model.operators:
        why = convert_operator(b, op, check_shapes)
        if why:
            names = tuple(tensors[o].name for o in op.outputs if o >= 0)
            if on_error is None:
                raise UnsupportedOperatorError(op.index, op.code, why, outputs=names)
            on_error(op, why)


def _fixed_shape(t: TensorInfo, dims: Mapping[str, Any] | None) -> list[int]:
    if dims is None or t.name not in dims:
        shape = list(t.shape)
        if any(d < 0 for d in shape):
            raise UnsupportedModelError(
                f"input {t.name!r} has a dynamic shape {shape}: give it with "
                f"dims={{{t.name!r}: [...]}}")
        return shape
    want = dims[t.name]
    if not isinstance(want, Sequence) or isinstance(want, str) or not all(
            isinstance(d, int) and not isinstance(d, bool) and d > 0 for d in want):
        raise UnsupportedModelError(
            f"dims[{t.name!r}] = {want!r}: expected a list of positive ints")
    sig = t.shape_signature or t.shape
    if len(want) != len(sig):
        raise UnsupportedModelError(
            f"dims[{t.name!r}] = {list(want)} has rank {len(want)}; the input has "
            f"rank {len(sig)} ({sig})")
    for i, (d, s) in enumerate(zip(want, sig, strict=True)):
        if s >= 0 and d != s:
            raise UnsupportedModelError(
                f"dims[{t.name!r}] = {list(want)}: dimension {i} is fixed at {s} "
                f"in the model (only -1 dimensions of the signature {sig} can be "
                f"given)")
    return list(want)


def start(model: ModelLike, builder: MLGraphBuilder,
          dims: Mapping[str, Any] | None) -> tuple[Build, dict[str, dict[str, Any]],
                                                     dict[str, str], bool]:
    """Read the model and bind its inputs and constants."""
    info = model if isinstance(model, ModelInfo) else read_model(model)
    if dims is not None:
        names = {info.tensors[i].name for i in info.inputs}
        for k in dims:
            if k not in names:
                raise UnsupportedModelError(
                    f"dims: {k!r} is not an input of the model; it has "
                    f"{sorted(names)}")
    b = Build(builder, info)
    for t in info.tensors:
        if t.data is not None:
            b.values[t.index] = t.data
    in_descs: dict[str, dict[str, Any]] = {}
    types: dict[str, str] = {}
    changed = False
    for i in info.inputs:
        t = info.tensors[i]
        if i in b.values:
            continue
        dt = _WEBNN_OF_TFLITE.get(t.type)
        if dt is None:
            raise UnsupportedModelError(f"input {t.name!r} is {t.type_name}, which "
                                        f"WebNN has no data type for")
        shape = _fixed_shape(t, dims)
        changed |= shape != list(t.shape)
        if t.name in in_descs:
            raise UnsupportedModelError(f"two inputs are named {t.name!r}")
        try:
            b.values[i] = builder.input(t.name, {"data_type": dt, "shape": shape})
        except TypeError as e:
            raise UnsupportedModelError(f"input {t.name!r}: {e}") from None
        in_descs[t.name] = {"data_type": dt, "shape": shape}
        types[t.name] = t.type_name
    return b, in_descs, types, not changed


def load(model: ModelLike, *, context: MLContext | None = None,
         dims: Mapping[str, Any] | None = None) -> TfliteModel:
    """Import a TFLite model as an MLGraph.

    Args:
        model: a path to a ``.tflite`` file or its bytes.
        context: the MLContext to build for (default: ``ml.create_context()``).
        dims: shapes for inputs whose signature has dynamic (-1) dimensions,
            by input name (``{"input": [1, 224, 224, 3]}``); by default the
            file's shape is used, as LiteRT does.

    Returns:
        A :class:`TfliteModel`; ``.run(inputs)`` runs it.

    Raises:
        InvalidModelError: not a TFLite file, truncated, an offset or buffer
            outside the file.
        UnsupportedModelError: an input type WebNN lacks, bad ``dims``...
        UnsupportedOperatorError: the first operator WebNN cannot express
            (its index, op code and why); :func:`inspect` lists them all.
    """
    info = model if isinstance(model, ModelInfo) else read_model(model)
    if context is None:
        context = ml.create_context()
    builder = MLGraphBuilder(context)
    b, in_descs, types, check = start(info, builder, dims)
    walk(b, check)
    outputs: dict[str, MLOperand] = {}
    out_descs: dict[str, dict[str, Any]] = {}
    const_outs: dict[str, np.ndarray] = {}
    for o in info.outputs:
        t = info.tensors[o]
        v = b.values.get(o)
        if v is None:
            raise UnsupportedModelError(f"output {t.name!r} is not produced by any "
                                        f"operator")
        if isinstance(v, np.ndarray):
            const_outs[t.name] = v
            out_descs[t.name] = {"data_type": str(v.dtype), "shape": list(v.shape)}
        elif t.name in in_descs:
            outputs[t.name] = builder.identity(v)
        else:
            outputs[t.name] = v
        if isinstance(v, MLOperand):
            out_descs[t.name] = {"data_type": v.data_type, "shape": list(v.shape)}
        types[t.name] = t.type_name
    if not outputs:
        raise UnsupportedModelError("the model has no outputs computed at run time")
    try:
        graph = builder.build(outputs)
    except (TypeError, ValueError) as e:
        raise TfliteImportError(f"building the graph failed: {e}") from None
    used = {k: v for k, v in in_descs.items() if k in graph.inputs}
    return TfliteModel(graph=graph, context=context, inputs=used,
                       outputs=out_descs, tflite_types=types,
                       dims={k: list(v["shape"]) for k, v in in_descs.items()},
                       constant_outputs=const_outs)


def element_count(shape: Sequence[int]) -> int:
    return math.prod(shape)
