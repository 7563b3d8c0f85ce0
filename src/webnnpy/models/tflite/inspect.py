"""``inspect``: every operator of a TFLite model, its shapes, and whether (and
how) it maps to WebNN, before anyone builds.

The same walk as :func:`~webnnpy.models.tflite.load` runs on a builder that
is never built; an operator that does not map gets stand-in operands of the
shapes the file declares, so the walk goes on and every unsupported
operator is listed with the reason.
"""

from __future__ import annotations

import itertools
import os
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from webnnpy import MLContext, MLGraphBuilder, ml
from webnnpy.models.tflite.importer import _WEBNN_OF_TFLITE, start, walk
from webnnpy.models.tflite.reader import ModelInfo, OperatorInfo, read_model

__all__ = ["MAPS_TO", "InspectReport", "OperatorReport", "inspect"]

#: what each op code becomes in WebNN (for the report)
MAPS_TO: dict[str, str] = {
    "CONV_2D": "conv2d (nhwc, ohwi) + fused activation",
    "DEPTHWISE_CONV_2D": "conv2d (nhwc, ihwo, groups = channels)",
    "TRANSPOSE_CONV": "convTranspose2d (nhwc, ohwi, outputSizes)",
    "CUSTOM:Convolution2DTransposeBias": "convTranspose2d (nhwc, ohwi) + bias",
    "CUSTOM:Landmarks2TransformMatrix": "MediaPipe's landmarks -> 4x4 affine matrix: "
                                        "gather, reduceMin/Max, elementwise, concat",
    "CUSTOM:TransformTensorBilinear": "MediaPipe's affine bilinear warp: computed "
                                      "source coordinates, 4 gathers, lerp, where",
    "CUSTOM:TransformLandmarks": "MediaPipe's affine transform of landmarks: "
                                 "slice, mul, add, concat",
    "FULLY_CONNECTED": "gemm (bTranspose) [+ reshape]",
    "BATCH_MATMUL": "matmul [+ transpose]",
    "MAX_POOL_2D": "maxPool2d (nhwc)",
    "AVERAGE_POOL_2D": "averagePool2d (nhwc); a global one: reduceMean (H, W)",
    "L2_POOL_2D": "sqrt(averagePool2d(x * x)) (nhwc)",
    "ADD": "add", "SUB": "sub", "MUL": "mul", "DIV": "div", "MAXIMUM": "max",
    "MINIMUM": "min", "POW": "pow", "SQUARED_DIFFERENCE": "sub, mul",
    "RELU": "relu", "RELU6": "clamp(0, 6)", "RELU_N1_TO_1": "clamp(-1, 1)",
    "RELU_0_TO_1": "clamp(0, 1)", "LOGISTIC": "sigmoid", "TANH": "tanh",
    "HARD_SWISH": "hardSwish", "ELU": "elu", "LEAKY_RELU": "leakyRelu",
    "GELU": "gelu", "PRELU": "prelu", "SOFTMAX": "softmax [mul by beta]",
    "ABS": "abs", "EXP": "exp", "LOG": "log", "SQRT": "sqrt", "RSQRT":
    "reciprocal(sqrt)", "NEG": "neg", "FLOOR": "floor", "CEIL": "ceil",
    "SIN": "sin", "COS": "cos", "ROUND": "roundEven", "SQUARE": "mul",
    "CAST": "cast", "MEAN": "reduceMean", "SUM": "reduceSum",
    "REDUCE_MAX": "reduceMax", "REDUCE_MIN": "reduceMin",
    "REDUCE_PROD": "reduceProduct", "RESHAPE": "reshape", "SQUEEZE": "reshape",
    "EXPAND_DIMS": "reshape", "TRANSPOSE": "transpose",
    "CONCATENATION": "concat", "PAD": "pad", "PADV2": "pad (value)",
    "MIRROR_PAD": "pad (reflection)", "SLICE": "slice",
    "STRIDED_SLICE": "slice (strides) [+ reverse, reshape]", "GATHER": "gather",
    "SPLIT": "split", "SPLIT_V": "split",
    "DEPTH_TO_SPACE": "reshape, transpose, reshape (rank 4)",
    "SPACE_TO_DEPTH": "reshape, transpose, reshape (rank 4)",
    "RESIZE_BILINEAR": "resample2d linear (half-pixel) or gather + lerp",
    "RESIZE_NEAREST_NEIGHBOR": "gather (TFLite's exact source indices)",
    "DEQUANTIZE": "folded at import (constants) or dequantizeLinear / cast",
    "QUANTIZE": "quantizeLinear", "DENSIFY": "folded at import (dense constant)",
}


@dataclass
class OperatorReport:
    """One operator: index, op code, its tensors and what it maps to (or
    why it does not)."""

    index: int
    code: str
    inputs: list[str]
    outputs: list[str]
    maps_to: str = ""
    reason: str = ""

    @property
    def supported(self) -> bool:
        return not self.reason

    def __str__(self) -> str:
        head = f"#{self.index} {self.code}({', '.join(self.inputs)}) -> " \
               f"{', '.join(self.outputs)}"
        what = ("-> " + self.maps_to if self.supported
                else "UNSUPPORTED: " + self.reason)
        return f"{head}\n    {what}"


@dataclass
class InspectReport:
    """Every operator of a model, and the model's inputs and outputs."""

    path: str
    inputs: list[str]
    outputs: list[str]
    operators: list[OperatorReport] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def unsupported(self) -> list[OperatorReport]:
        return [o for o in self.operators if not o.supported]

    @property
    def ok(self) -> bool:
        return not self.unsupported and not self.problems

    def summary(self) -> str:
        """One line per op code: count, and the first reason if unsupported."""
        counts = Counter(o.code for o in self.operators)
        bad: dict[str, str] = {}
        for o in self.unsupported:
            bad.setdefault(o.code, o.reason)
        lines = []
        for code, n in counts.most_common():
            mark = f"UNSUPPORTED: {bad[code]}" if code in bad else \
                MAPS_TO.get(code, "")
            lines.append(f"  {code} x{n}: {mark}")
        return "\n".join(lines)

    def __str__(self) -> str:
        status = "imports" if self.ok else (
            f"{len(self.unsupported)} of {len(self.operators)} operators do not "
            f"map" if self.unsupported else "does not import")
        lines = [f"{self.path}: {status}",
                 f"inputs: {', '.join(self.inputs)}",
                 f"outputs: {', '.join(self.outputs)}",
                 *[f"problem: {p}" for p in self.problems],
                 self.summary(), "", *map(str, self.operators)]
        return "\n".join(lines)


def _describe(info: ModelInfo, i: int) -> str:
    if i < 0:
        return "-"
    t = info.tensors[i]
    shape = "x".join(map(str, t.shape)) or "scalar"
    return f"{t.name}: {t.type_name}[{shape}]{' (const)' if t.data is not None else ''}"


def inspect(model: str | os.PathLike[str] | bytes, *,
            context: MLContext | None = None,
            dims: dict[str, Any] | None = None) -> InspectReport:
    """Walk a TFLite model as :func:`~webnnpy.models.tflite.load` would and
    report every operator: what it maps to, or exactly why not.

    Raises:
        InvalidModelError: the file is not a readable TFLite model.
    """
    info = read_model(model)
    name = os.fspath(model) if not isinstance(model, bytes) else "<bytes>"
    if context is None:
        context = ml.create_context(backend="numpy")
    builder = MLGraphBuilder(context)
    report = InspectReport(name, [_describe(info, i) for i in info.inputs],
                           [_describe(info, i) for i in info.outputs])
    if info.subgraphs > 1:
        report.problems.append(f"the model has {info.subgraphs} subgraphs; only "
                               f"the first (main) one is imported")
    from webnnpy.models.tflite.errors import TfliteImportError
    try:
        b, _, _, check = start(info, builder, dims)
    except TfliteImportError as e:
        report.problems.append(str(e))
        return report
    failed: dict[int, str] = {}
    counter = itertools.count()

    def on_error(op: OperatorInfo, why: str) -> None:
        failed[op.index] = why
        for o in op.outputs:
            if o < 0:
                continue
            t = info.tensors[o]
            dt = _WEBNN_OF_TFLITE.get(t.type, "float32")
            b.values[o] = builder.input(f"__inspect_{next(counter)}_{t.name}",
                                        {"data_type": dt,
                                         "shape": [max(d, 1) for d in t.shape]})

    walk(b, check, on_error=on_error)
    for op in info.operators:
        folded = all(isinstance(b.values.get(o), np.ndarray)
                     for o in op.outputs if o >= 0)
        maps = MAPS_TO.get(op.code, "")
        if folded and op.index not in failed:
            maps = "folded at import (a constant)"
        report.operators.append(OperatorReport(
            op.index, op.code, [_describe(info, i) for i in op.inputs],
            [_describe(info, o) for o in op.outputs], maps,
            failed.get(op.index, "")))
    return report
