"""TFLite operators -> WebNN operators, one handler per op code.

A handler gets the build state and the operator, and returns one value per
output: a NumPy array (a constant, computed at import) or an MLOperand made
by calls on the public ``MLGraphBuilder``.  It raises :class:`Unsupported`
with the reason when WebNN cannot express the operator as given.

Layouts stay TFLite's: activations are NHWC and conv2d is built with
``input_layout="nhwc"`` and ``filter_layout="ohwi"`` (TFLite's CONV_2D
filter), depthwise with ``"ihwo"`` (TFLite's [1, H, W, C*M] filter), so no
transpose is inserted that a runtime would have to undo.  SAME padding is
TFLite's: ``out = ceil(in / stride)``, ``total = max((out - 1) * stride +
(k - 1) * dilation + 1 - in, 0)``, ``before = total // 2`` and the odd pixel
at the end.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Final

import numpy as np

from webnnpy import MLOperand

if TYPE_CHECKING:
    from webnnpy.models.tflite.importer import Build
    from webnnpy.models.tflite.reader import OperatorInfo

__all__ = ["HANDLERS", "QUANT_TRANSPARENT", "Unsupported", "densify", "same_padding"]

Value = np.ndarray | MLOperand
Handler = Callable[["Build", "OperatorInfo"], list[Value]]

HANDLERS: dict[str, Handler] = {}
#: op codes whose quantized (int8/uint8) tensors are handled by the
#: generic dequantize -> float op -> quantize wrapping
QUANT_TRANSPARENT: set[str] = set()

_ACT_NAMES: Final = {0: "NONE", 1: "RELU", 2: "RELU_N1_TO_1", 3: "RELU6",
                     4: "TANH", 5: "SIGN_BIT"}


class Unsupported(Exception):  # noqa: N818
    """Raised by a handler: WebNN cannot express this operator as given."""


def handler(*codes: str, quant: bool = True) -> Callable[[Handler], Handler]:
    def deco(fn: Handler) -> Handler:
        for c in codes:
            HANDLERS[c] = fn
            if quant:
                QUANT_TRANSPARENT.add(c)
        return fn
    return deco


# ------------------------------------------------------------------ helpers


def same_padding(in_size: int, k: int, stride: int, dilation: int,
                 padding: int) -> tuple[int, int]:
    """TFLite's padding for one spatial axis: (before, after).  ``padding``
    is the schema's Padding enum (0 SAME, 1 VALID)."""
    if padding == 1:
        return 0, 0
    eff = (k - 1) * dilation + 1
    out = (in_size + stride - 1) // stride
    total = max((out - 1) * stride + eff - in_size, 0)
    return total // 2, total - total // 2


def _padding_enum(op: OperatorInfo) -> int:
    p = int(op.options.get("Padding", 0))
    if p not in (0, 1):
        raise Unsupported(f"padding {p} is neither SAME (0) nor VALID (1)")
    return p


def _positive(op: OperatorInfo, *names: str) -> list[int]:
    out = []
    for n in names:
        v = int(op.options.get(n, 1))
        if v < 1:
            raise Unsupported(f"option {n} is {v}; it must be at least 1")
        out.append(v)
    return out


def fused(b: Build, x: MLOperand, op: OperatorInfo) -> MLOperand:
    """Apply the operator's fused activation function."""
    act = int(op.options.get("FusedActivationFunction", 0))
    g = b.builder
    if act == 0:
        return x
    if act == 1:
        return g.relu(x)
    if act == 2:
        return g.clamp(x, min_value=-1.0, max_value=1.0)
    if act == 3:
        return g.clamp(x, min_value=0.0, max_value=6.0)
    if act in (4, 5):
        # LiteRT's kernels for these ops only clamp (CalculateActivationRange
        # knows RELU, RELU6, RELU_N1_TO_1): a fused TANH is silently dropped
        # there, so what the file means is ambiguous
        raise Unsupported(f"fused activation {_ACT_NAMES[act]}: LiteRT's kernels "
                          f"for {op.code} do not apply it (they only clamp), so "
                          f"the model's meaning is ambiguous")
    raise Unsupported(f"fused activation {act} is not one of the schema's")


def _int_list(b: Build, op: OperatorInfo, pos: int, what: str) -> list[int]:
    """An input that must be known at import time, as a list of ints."""
    v = b.const_input(op, pos, what)
    if v.dtype.kind not in "iu":
        raise Unsupported(f"{what} is {v.dtype}, not an integer tensor")
    return [int(x) for x in v.reshape(-1)]


def _axis(a: int, rank: int, what: str) -> int:
    if not -rank <= a < rank:
        raise Unsupported(f"{what} {a} is out of range for rank {rank}")
    return a % rank


def _float_type(x: MLOperand, what: str) -> None:
    if x.data_type not in ("float32", "float16"):
        raise Unsupported(f"{what} is {x.data_type}; this mapping needs float32 or "
                          f"float16")


# ------------------------------------------------------------------ conv / pool


@handler("CONV_2D")
def _conv2d(b: Build, op: OperatorInfo) -> list[Value]:
    g = b.builder
    x, w = b.operand(op, 0), b.operand(op, 1)
    if len(x.shape) != 4 or len(w.shape) != 4:
        raise Unsupported(f"input {list(x.shape)} and filter {list(w.shape)} must "
                          f"both be 4-D (NHWC, OHWI)")
    sh, sw = _positive(op, "StrideH", "StrideW")
    dh, dw = _positive(op, "DilationHFactor", "DilationWFactor")
    pad = _padding_enum(op)
    cin = x.shape[3]
    if w.shape[3] == 0 or cin % w.shape[3]:
        raise Unsupported(f"input channels {cin} are not a multiple of the "
                          f"filter's {w.shape[3]}")
    groups = cin // w.shape[3]
    ph = same_padding(x.shape[1], w.shape[1], sh, dh, pad)
    pw = same_padding(x.shape[2], w.shape[2], sw, dw, pad)
    y = g.conv2d(x, w, padding=[*ph, *pw], strides=[sh, sw], dilations=[dh, dw],
                 groups=groups, input_layout="nhwc", filter_layout="ohwi",
                 bias=b.optional_operand(op, 2))
    return [fused(b, y, op)]


@handler("DEPTHWISE_CONV_2D")
def _depthwise(b: Build, op: OperatorInfo) -> list[Value]:
    g = b.builder
    x, w = b.operand(op, 0), b.operand(op, 1)
    if len(x.shape) != 4 or len(w.shape) != 4 or w.shape[0] != 1:
        raise Unsupported(f"input {list(x.shape)} must be 4-D NHWC and the filter "
                          f"{list(w.shape)} [1, H, W, C*M]")
    sh, sw = _positive(op, "StrideH", "StrideW")
    dh, dw = _positive(op, "DilationHFactor", "DilationWFactor")
    pad = _padding_enum(op)
    cin = x.shape[3]
    if w.shape[3] % cin:
        raise Unsupported(f"filter channels {w.shape[3]} are not a multiple of the "
                          f"input's {cin}")
    ph = same_padding(x.shape[1], w.shape[1], sh, dh, pad)
    pw = same_padding(x.shape[2], w.shape[2], sw, dw, pad)
    y = g.conv2d(x, w, padding=[*ph, *pw], strides=[sh, sw], dilations=[dh, dw],
                 groups=cin, input_layout="nhwc", filter_layout="ihwo",
                 bias=b.optional_operand(op, 2))
    return [fused(b, y, op)]


def _transpose_conv(b: Build, op: OperatorInfo, x: MLOperand, w: MLOperand,
                    out_hw: Sequence[int], strides: Sequence[int], pad: int,
                    bias: MLOperand | None) -> MLOperand:
    if len(x.shape) != 4 or len(w.shape) != 4:
        raise Unsupported(f"input {list(x.shape)} and filter {list(w.shape)} must "
                          f"both be 4-D (NHWC, OHWI)")
    if w.shape[3] != x.shape[3]:
        raise Unsupported(f"filter input channels {w.shape[3]} differ from the "
                          f"input's {x.shape[3]}")
    padding = []
    for i in range(2):
        k, s, o, n = w.shape[1 + i], strides[i], out_hw[i], x.shape[1 + i]
        # TFLite pads as if convolving the output (size o) down to the input
        eff_out = (o + s - 1) // s if pad == 0 else (o + s - k) // s
        total = max((eff_out - 1) * s + k - o, 0)
        before = total // 2
        full = (n - 1) * s + k
        after = full - before - o
        if after < 0:
            if -after >= s:
                raise Unsupported(f"output size {o} is larger than the transposed "
                                  f"convolution of {n} with filter {k} and stride "
                                  f"{s} can give")
            after = 0
        padding += [before, after]
    return b.builder.conv_transpose2d(
        x, w, padding=padding, strides=list(strides), output_sizes=list(out_hw),
        input_layout="nhwc", filter_layout="ohwi", bias=bias)


@handler("TRANSPOSE_CONV")
def _transpose_conv_op(b: Build, op: OperatorInfo) -> list[Value]:
    shape = _int_list(b, op, 0, "output_shape")
    w, x = b.operand(op, 1), b.operand(op, 2)
    if len(shape) != 4 or shape[0] != x.shape[0] or shape[3] != w.shape[0]:
        raise Unsupported(f"output_shape {shape} does not fit input {list(x.shape)} "
                          f"and filter {list(w.shape)}")
    sh, sw = _positive(op, "StrideH", "StrideW")
    y = _transpose_conv(b, op, x, w, shape[1:3], [sh, sw], _padding_enum(op),
                        b.optional_operand(op, 3))
    return [fused(b, y, op)]


@handler("CUSTOM:Convolution2DTransposeBias")
def _mp_transpose_conv(b: Build, op: OperatorInfo) -> list[Value]:
    """MediaPipe's custom op: custom options are TfLiteTransposeConvParams
    (int32 padding, stride_width, stride_height); inputs input, weights
    (OHWI), bias; output NHWC as the output tensor declares."""
    if len(op.custom_options) < 12:
        raise Unsupported(f"custom options have {len(op.custom_options)} bytes; "
                          f"expected 12 (padding, stride_width, stride_height)")
    pad_code, sw, sh = struct.unpack_from("<3i", op.custom_options)
    if sw < 1 or sh < 1:
        raise Unsupported(f"strides {sh}, {sw} must be at least 1")
    # TfLitePadding: 0 unknown, 1 SAME, 2 VALID
    if pad_code not in (1, 2):
        raise Unsupported(f"padding {pad_code} is neither SAME (1) nor VALID (2)")
    x, w = b.operand(op, 0), b.operand(op, 1)
    if len(x.shape) != 4 or len(w.shape) != 4:
        raise Unsupported("input and weights must be 4-D")
    k = w.shape[1:3]
    if pad_code == 1:
        out_hw = [x.shape[1] * sh, x.shape[2] * sw]
    else:
        out_hw = [(x.shape[1] - 1) * sh + k[0], (x.shape[2] - 1) * sw + k[1]]
    y = _transpose_conv(b, op, x, w, out_hw, [sh, sw], 0 if pad_code == 1 else 1,
                        b.optional_operand(op, 2))
    return [y]


def _pool(kind: str) -> Handler:
    def fn(b: Build, op: OperatorInfo) -> list[Value]:
        x = b.operand(op, 0)
        if len(x.shape) != 4:
            raise Unsupported(f"input {list(x.shape)} must be 4-D NHWC")
        sh, sw = _positive(op, "StrideH", "StrideW")
        fh, fw = _positive(op, "FilterHeight", "FilterWidth")
        pad = _padding_enum(op)
        ph = same_padding(x.shape[1], fh, sh, 1, pad)
        pw = same_padding(x.shape[2], fw, sw, 1, pad)
        if kind == "average_pool2d" and pad == 1 and [fh, fw] == list(x.shape[1:3]):
            # a global average pool (SE blocks): the same mean as a
            # reduceMean over H and W, which native runtimes run as one
            # reduction (ORT: 2 ms less per selfie_segmentation run)
            y = b.builder.reduce_mean(x, axes=[1, 2], keep_dimensions=True)
            return [fused(b, y, op)]
        if kind == "l2_pool2d":
            # TFLite's L2 pool is the root of the *mean* of the squares (of
            # the elements inside the input); WebNN's l2Pool2d is the root
            # of their sum
            g = b.builder
            y = g.sqrt(g.average_pool2d(g.mul(x, x), window_dimensions=[fh, fw],
                                        padding=[*ph, *pw], strides=[sh, sw],
                                        layout="nhwc"))
            return [fused(b, y, op)]
        method = getattr(b.builder, kind)
        y = method(x, window_dimensions=[fh, fw], padding=[*ph, *pw],
                   strides=[sh, sw], layout="nhwc")
        return [fused(b, y, op)]
    return fn


HANDLERS["MAX_POOL_2D"] = _pool("max_pool2d")
HANDLERS["AVERAGE_POOL_2D"] = _pool("average_pool2d")
HANDLERS["L2_POOL_2D"] = _pool("l2_pool2d")
QUANT_TRANSPARENT.update({"MAX_POOL_2D", "AVERAGE_POOL_2D", "L2_POOL_2D"})


@handler("FULLY_CONNECTED")
def _fully_connected(b: Build, op: OperatorInfo) -> list[Value]:
    g = b.builder
    if int(op.options.get("WeightsFormat", 0)) != 0:
        raise Unsupported(f"weights format {op.options['WeightsFormat']} (shuffled "
                          f"int8) is not the default layout")
    x, w = b.operand(op, 0), b.operand(op, 1)
    if len(w.shape) != 2:
        raise Unsupported(f"weights {list(w.shape)} must be 2-D [out, in]")
    n_out, n_in = w.shape
    size = math.prod(x.shape)
    if n_in == 0 or size % n_in:
        raise Unsupported(f"input {list(x.shape)} does not split into rows of {n_in}")
    x2 = x if len(x.shape) == 2 and x.shape[1] == n_in else \
        g.reshape(x, [size // n_in, n_in])
    y = g.gemm(x2, w, c=b.optional_operand(op, 2), b_transpose=True)
    if op.options.get("KeepNumDims") and list(x.shape[:-1]) != [size // n_in]:
        y = g.reshape(y, [*x.shape[:-1], n_out])
    return [fused(b, y, op)]


@handler("BATCH_MATMUL")
def _batch_matmul(b: Build, op: OperatorInfo) -> list[Value]:
    g = b.builder
    x, y = b.operand(op, 0), b.operand(op, 1)
    if len(x.shape) < 2 or len(y.shape) < 2:
        raise Unsupported("both inputs must have rank 2 or more")

    def adj(v: MLOperand) -> MLOperand:
        r = len(v.shape)
        return g.transpose(v, permutation=[*range(r - 2), r - 1, r - 2])

    if op.options.get("AdjX"):
        x = adj(x)
    if op.options.get("AdjY"):
        y = adj(y)
    return [g.matmul(x, y)]


# ------------------------------------------------------------------ elementwise


def _binary(method: str) -> Handler:
    def fn(b: Build, op: OperatorInfo) -> list[Value]:
        x, y = b.operand(op, 0), b.operand(op, 1)
        return [fused(b, getattr(b.builder, method)(x, y), op)]
    return fn


for _code, _m in (("ADD", "add"), ("SUB", "sub"), ("MUL", "mul"), ("DIV", "div"),
                  ("MAXIMUM", "max"), ("MINIMUM", "min"), ("POW", "pow")):
    HANDLERS[_code] = _binary(_m)
    QUANT_TRANSPARENT.add(_code)


@handler("SQUARED_DIFFERENCE")
def _squared_difference(b: Build, op: OperatorInfo) -> list[Value]:
    d = b.builder.sub(b.operand(op, 0), b.operand(op, 1))
    return [b.builder.mul(d, d)]


def _unary(method: str, **kw: Any) -> Handler:
    def fn(b: Build, op: OperatorInfo) -> list[Value]:
        return [getattr(b.builder, method)(b.operand(op, 0), **kw)]
    return fn


for _code, _m, _kw in (
        ("RELU", "relu", {}), ("RELU6", "clamp", {"min_value": 0.0, "max_value": 6.0}),
        ("RELU_N1_TO_1", "clamp", {"min_value": -1.0, "max_value": 1.0}),
        ("RELU_0_TO_1", "clamp", {"min_value": 0.0, "max_value": 1.0}),
        ("LOGISTIC", "sigmoid", {}), ("TANH", "tanh", {}),
        ("HARD_SWISH", "hard_swish", {}), ("ELU", "elu", {}), ("ABS", "abs", {}),
        ("EXP", "exp", {}), ("LOG", "log", {}), ("SQRT", "sqrt", {}),
        ("NEG", "neg", {}), ("FLOOR", "floor", {}), ("CEIL", "ceil", {}),
        ("SIN", "sin", {}), ("COS", "cos", {}), ("ROUND", "round_even", {})):
    HANDLERS[_code] = _unary(_m, **_kw)
    QUANT_TRANSPARENT.add(_code)


@handler("RSQRT")
def _rsqrt(b: Build, op: OperatorInfo) -> list[Value]:
    return [b.builder.reciprocal(b.builder.sqrt(b.operand(op, 0)))]


@handler("SQUARE")
def _square(b: Build, op: OperatorInfo) -> list[Value]:
    x = b.operand(op, 0)
    return [b.builder.mul(x, x)]


@handler("LEAKY_RELU")
def _leaky_relu(b: Build, op: OperatorInfo) -> list[Value]:
    return [b.builder.leaky_relu(b.operand(op, 0),
                                 alpha=float(op.options.get("Alpha", 0.2)))]


@handler("GELU")
def _gelu(b: Build, op: OperatorInfo) -> list[Value]:
    if op.options.get("Approximate"):
        raise Unsupported("approximate (tanh) GELU differs from WebNN's gelu, "
                          "which is the exact erf form")
    return [b.builder.gelu(b.operand(op, 0))]


@handler("PRELU")
def _prelu(b: Build, op: OperatorInfo) -> list[Value]:
    return [b.builder.prelu(b.operand(op, 0), b.operand(op, 1))]


@handler("SOFTMAX")
def _softmax(b: Build, op: OperatorInfo) -> list[Value]:
    x = b.operand(op, 0)
    beta = float(op.options.get("Beta", 1.0))
    if beta != 1.0:
        x = b.builder.mul(x, b.builder.constant(x.data_type, beta))
    return [b.builder.softmax(x, len(x.shape) - 1)]


@handler("CAST", quant=False)
def _cast(b: Build, op: OperatorInfo) -> list[Value]:
    out = b.model.tensors[op.outputs[0]]
    dt = b.webnn_type(out, "output")
    return [b.builder.cast(b.operand(op, 0), dt)]


# ------------------------------------------------------------------ reductions


def _reduce(method: str) -> Handler:
    def fn(b: Build, op: OperatorInfo) -> list[Value]:
        x = b.operand(op, 0)
        axes = sorted({_axis(a, len(x.shape), "axis")
                       for a in _int_list(b, op, 1, "axes")})
        keep = bool(op.options.get("KeepDims", False))
        return [getattr(b.builder, method)(x, axes=axes, keep_dimensions=keep)]
    return fn


for _code, _m in (("MEAN", "reduce_mean"), ("SUM", "reduce_sum"),
                  ("REDUCE_MAX", "reduce_max"), ("REDUCE_MIN", "reduce_min"),
                  ("REDUCE_PROD", "reduce_product")):
    HANDLERS[_code] = _reduce(_m)
    QUANT_TRANSPARENT.add(_code)


# ------------------------------------------------------------------ shape


def _resolve_shape(shape: list[int], size: int, what: str) -> list[int]:
    if shape.count(-1) > 1 or any(d < -1 for d in shape):
        raise Unsupported(f"{what} {shape} has more than one -1 or a negative size")
    if -1 in shape:
        known = math.prod(d for d in shape if d != -1)
        if known == 0 or size % known:
            raise Unsupported(f"{what} {shape} cannot hold {size} elements")
        shape = [size // known if d == -1 else d for d in shape]
    if math.prod(shape) != size:
        raise Unsupported(f"{what} {shape} has {math.prod(shape)} elements; the "
                          f"input has {size}")
    return shape


@handler("RESHAPE")
def _reshape(b: Build, op: OperatorInfo) -> list[Value]:
    x = b.operand(op, 0)
    if len(op.inputs) > 1 and op.inputs[1] >= 0 and b.is_const(op.inputs[1]):
        shape = _int_list(b, op, 1, "shape")
    elif "NewShape" in op.options and len(op.options["NewShape"]):
        shape = [int(d) for d in op.options["NewShape"]]
    else:
        shape = list(b.model.tensors[op.outputs[0]].shape)
    shape = _resolve_shape(shape, math.prod(x.shape), "new shape")
    return [b.builder.reshape(x, shape)]


@handler("SQUEEZE")
def _squeeze(b: Build, op: OperatorInfo) -> list[Value]:
    x = b.operand(op, 0)
    dims = [int(d) for d in op.options.get("SqueezeDims", [])]
    r = len(x.shape)
    drop = ({_axis(d, r, "squeeze dim") for d in dims} if dims else
            {i for i, d in enumerate(x.shape) if d == 1})
    for d in drop:
        if x.shape[d] != 1:
            raise Unsupported(f"dimension {d} has size {x.shape[d]}, not 1")
    return [b.builder.reshape(x, [d for i, d in enumerate(x.shape) if i not in drop])]


@handler("EXPAND_DIMS")
def _expand_dims(b: Build, op: OperatorInfo) -> list[Value]:
    x = b.operand(op, 0)
    (a,) = _int_list(b, op, 1, "axis")
    r = len(x.shape) + 1
    a = _axis(a, r, "axis")
    shape = list(x.shape)
    shape.insert(a, 1)
    return [b.builder.reshape(x, shape)]


@handler("TRANSPOSE")
def _transpose(b: Build, op: OperatorInfo) -> list[Value]:
    return [b.builder.transpose(b.operand(op, 0),
                                permutation=_int_list(b, op, 1, "perm"))]


@handler("CONCATENATION")
def _concat(b: Build, op: OperatorInfo) -> list[Value]:
    xs = [b.operand(op, i) for i in range(len(op.inputs))]
    axis = _axis(int(op.options.get("Axis", 0)), len(xs[0].shape), "axis")
    if int(op.options.get("FusedActivationFunction", 0)):
        raise Unsupported("a fused activation on CONCATENATION is ignored by "
                          "LiteRT's kernels, so the model's meaning is ambiguous")
    return [b.builder.concat(xs, axis)]


@handler("PAD", "PADV2")
def _pad(b: Build, op: OperatorInfo) -> list[Value]:
    x = b.operand(op, 0)
    p = b.const_input(op, 1, "paddings")
    if p.shape != (len(x.shape), 2) or p.dtype.kind not in "iu":
        raise Unsupported(f"paddings must be an integer [{len(x.shape)}, 2] tensor; "
                          f"got {p.dtype} {list(p.shape)}")
    if (p < 0).any():
        raise Unsupported(f"negative paddings {p.tolist()}")
    value: float | int = 0
    if op.code == "PADV2" and len(op.inputs) > 2 and op.inputs[2] >= 0:
        v = b.const_input(op, 2, "constant_values")
        if v.size != 1:
            raise Unsupported(f"constant_values has {v.size} elements; WebNN pads "
                              f"with one scalar")
        value = v.reshape(-1)[0].item()
        q = b.model.tensors[op.inputs[2]].quant
        if q is not None and q.scale.size:
            value = float((value - int(q.zero_point[0])) * float(q.scale[0]))
    return [b.builder.pad(x, [int(v) for v in p[:, 0]], [int(v) for v in p[:, 1]],
                          value=value)]


@handler("MIRROR_PAD")
def _mirror_pad(b: Build, op: OperatorInfo) -> list[Value]:
    x = b.operand(op, 0)
    p = b.const_input(op, 1, "paddings")
    if int(op.options.get("Mode", 0)) != 0:
        raise Unsupported("SYMMETRIC mirror padding (edge repeated) has no WebNN "
                          "pad mode; REFLECT maps to 'reflection'")
    return [b.builder.pad(x, [int(v) for v in p[:, 0]], [int(v) for v in p[:, 1]],
                          mode="reflection")]


@handler("SLICE")
def _slice(b: Build, op: OperatorInfo) -> list[Value]:
    x = b.operand(op, 0)
    begin = _int_list(b, op, 1, "begin")
    size = _int_list(b, op, 2, "size")
    if len(begin) != len(x.shape) or len(size) != len(x.shape):
        raise Unsupported(f"begin {begin} / size {size} do not match rank "
                          f"{len(x.shape)}")
    size = [x.shape[i] - begin[i] if s == -1 else s for i, s in enumerate(size)]
    return [b.builder.slice(x, begin, size)]


@handler("STRIDED_SLICE")
def _strided_slice(b: Build, op: OperatorInfo) -> list[Value]:
    g = b.builder
    x = b.operand(op, 0)
    r = len(x.shape)
    begin = _int_list(b, op, 1, "begin")
    end = _int_list(b, op, 2, "end")
    strides = (_int_list(b, op, 3, "strides") if len(op.inputs) > 3
               and op.inputs[3] >= 0 else [1] * len(begin))
    o = op.options
    if int(o.get("EllipsisMask", 0)) or int(o.get("NewAxisMask", 0)):
        raise Unsupported("ellipsis_mask and new_axis_mask are not supported")
    if len(begin) > r or len(end) != len(begin) or len(strides) != len(begin):
        raise Unsupported(f"begin {begin}, end {end}, strides {strides} do not fit "
                          f"rank {r}")
    bm, em, sm = (int(o.get(k, 0)) for k in ("BeginMask", "EndMask",
                                              "ShrinkAxisMask"))
    offset = bool(o.get("Offset", False))
    starts, sizes, steps, reverse, out_shape = [], [], [], [], []
    for i in range(r):
        n = x.shape[i]
        if i >= len(begin):
            starts.append(0)
            sizes.append(n)
            steps.append(1)
            out_shape.append(n)
            continue
        s, e, st = begin[i], end[i], strides[i]
        if offset:
            e = s + e
        if st == 0:
            raise Unsupported(f"stride 0 on axis {i}")
        if sm >> i & 1:
            s = s + n if s < 0 else s
            if not 0 <= s < n:
                raise Unsupported(f"shrink index {begin[i]} out of range on axis {i}")
            starts.append(s)
            sizes.append(1)
            steps.append(1)
            continue
        sl = slice(None if bm >> i & 1 else s, None if em >> i & 1 else e, st)
        idx = range(n)[sl]
        if len(idx) == 0:
            raise Unsupported(f"axis {i} selects no elements; WebNN has no empty "
                              f"tensors")
        if st < 0:
            reverse.append(i)
            # the same elements, read forwards from the reversed axis
            starts.append(n - 1 - idx[0])
            steps.append(-st)
        else:
            starts.append(idx[0])
            steps.append(st)
        # WebNN's sizes are the extent read from the input
        sizes.append((len(idx) - 1) * abs(st) + 1)
        out_shape.append(len(idx))
    if reverse:
        x = g.reverse(x, axes=reverse)
    y = g.slice(x, starts, sizes, strides=steps)
    if list(y.shape) != out_shape:
        y = g.reshape(y, out_shape)
    return [y]


@handler("GATHER")
def _gather(b: Build, op: OperatorInfo) -> list[Value]:
    if int(op.options.get("BatchDims", 0)) != 0:
        raise Unsupported("batch_dims != 0 has no WebNN gather form")
    x = b.operand(op, 0)
    axis = _axis(int(op.options.get("Axis", 0)), len(x.shape), "axis")
    ii = op.inputs[1]
    if b.is_const(ii):
        idx = np.asarray(b.values[ii])
        if idx.dtype.kind not in "iu":
            raise Unsupported(f"indices are {idx.dtype}")
        n = x.shape[axis]
        if ((idx < -n) | (idx >= n)).any():
            raise Unsupported(f"constant indices out of range [-{n}, {n})")
        ind = b.builder.constant(np.where(idx < 0, idx + n, idx).astype(np.int32))
    else:
        ind = b.operand(op, 1)
    return [b.builder.gather(x, ind, axis=axis)]


@handler("SPLIT")
def _split(b: Build, op: OperatorInfo) -> list[Value]:
    x = b.operand(op, 1)
    (a,) = _int_list(b, op, 0, "axis")
    n = int(op.options.get("NumSplits", len(op.outputs)))
    return list(b.builder.split(x, n, axis=_axis(a, len(x.shape), "axis")))


@handler("SPLIT_V")
def _split_v(b: Build, op: OperatorInfo) -> list[Value]:
    x = b.operand(op, 0)
    sizes = _int_list(b, op, 1, "size_splits")
    (a,) = _int_list(b, op, 2, "axis")
    a = _axis(a, len(x.shape), "axis")
    if sizes.count(-1) == 1:
        sizes[sizes.index(-1)] = x.shape[a] - (sum(sizes) + 1)
    return list(b.builder.split(x, sizes, axis=a))


@handler("DEPTH_TO_SPACE")
def _depth_to_space(b: Build, op: OperatorInfo) -> list[Value]:
    g = b.builder
    x = b.operand(op, 0)
    (bs,) = _positive(op, "BlockSize")
    if len(x.shape) != 4 or x.shape[3] % (bs * bs):
        raise Unsupported(f"input {list(x.shape)} must be NHWC with channels a "
                          f"multiple of {bs * bs}")
    n, h, w, c = x.shape
    co = c // (bs * bs)
    # rank 4 throughout: [N*H, W, by, (bx, c)] -> [N*H, by, W, (bx, c)]
    y = g.reshape(x, [n * h, w, bs, bs * co])
    y = g.transpose(y, permutation=[0, 2, 1, 3])
    return [g.reshape(y, [n, h * bs, w * bs, co])]


@handler("SPACE_TO_DEPTH")
def _space_to_depth(b: Build, op: OperatorInfo) -> list[Value]:
    g = b.builder
    x = b.operand(op, 0)
    (bs,) = _positive(op, "BlockSize")
    if len(x.shape) != 4 or x.shape[1] % bs or x.shape[2] % bs:
        raise Unsupported(f"input {list(x.shape)} must be NHWC with H and W "
                          f"multiples of {bs}")
    n, h, w, c = x.shape
    y = g.reshape(x, [n * (h // bs), bs, w // bs, bs * c])
    y = g.transpose(y, permutation=[0, 2, 1, 3])
    return [g.reshape(y, [n, h // bs, w // bs, bs * bs * c])]


# ------------------------------------------------------------------ resize


def _resize_indices(n_in: int, n_out: int, align: bool, half: bool,
                    nearest: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """TFLite's source coordinates for one axis, in float32 as its kernels
    compute them: (lower index, upper index, upper weight)."""
    scale = np.float32((n_in - 1) / (n_out - 1) if align and n_out > 1
                       else n_in / n_out)
    o = np.arange(n_out, dtype=np.float32)
    if nearest:
        off = np.float32(0.5 if half else 0.0)
        v = (o + off) * scale
        idx = (np.round(v) if align else np.floor(v)).astype(np.int64)
        idx = np.minimum(idx, n_in - 1)
        if half:
            idx = np.maximum(idx, 0)
        return idx, idx, np.zeros(n_out, np.float32)
    v = ((o + np.float32(0.5)) * scale - np.float32(0.5)) if half else o * scale
    lo = np.floor(v)
    y0 = np.maximum(lo, 0).astype(np.int64)
    y1 = np.minimum(np.ceil(v) if half else lo + 1, n_in - 1).astype(np.int64)
    return np.minimum(y0, n_in - 1), y1, (v - lo).astype(np.float32)


def _resize(nearest: bool) -> Handler:
    def fn(b: Build, op: OperatorInfo) -> list[Value]:
        g = b.builder
        x = b.operand(op, 0)
        size = _int_list(b, op, 1, "size")
        if len(x.shape) != 4 or len(size) != 2 or min(size) < 1:
            raise Unsupported(f"input {list(x.shape)} must be NHWC and size {size} "
                              f"two positive sizes")
        align = bool(op.options.get("AlignCorners", False))
        half = bool(op.options.get("HalfPixelCenters", False))
        if align and half:
            raise Unsupported("align_corners and half_pixel_centers both set")
        if not nearest and half:
            # WebNN's linear mode is exactly TFLite's half-pixel bilinear
            return [g.resample2d(x, mode="linear", sizes=size, axes=[1, 2])]
        if not nearest:
            _float_type(x, "input")
        y = x
        for axis, n_out in ((1, size[0]), (2, size[1])):
            n_in = x.shape[axis]
            if n_in == n_out and not nearest and not align:
                continue
            i0, i1, wt = _resize_indices(n_in, n_out, align, half, nearest)
            y0 = g.gather(y, g.constant(i0.astype(np.int32)), axis=axis)
            if nearest or not wt.any():
                y = y0
                continue
            y1 = g.gather(y, g.constant(i1.astype(np.int32)), axis=axis)
            shape = [1, 1, 1, 1]
            shape[axis] = n_out
            w = g.constant(wt.reshape(shape).astype(y.data_type))
            y = g.add(y0, g.mul(g.sub(y1, y0), w))
        return [y]
    return fn


HANDLERS["RESIZE_BILINEAR"] = _resize(False)
HANDLERS["RESIZE_NEAREST_NEIGHBOR"] = _resize(True)
QUANT_TRANSPARENT.update({"RESIZE_BILINEAR", "RESIZE_NEAREST_NEIGHBOR"})


# ------------------------------------------------------------------ (de)quantization


def densify(values: np.ndarray, shape: Sequence[int], order: Sequence[int],
            block_map: Sequence[int],
            levels: Sequence[tuple[str, int, np.ndarray | None, np.ndarray | None]],
            what: str) -> np.ndarray:
    """A sparse TFLite constant as a dense array (no block map: each level
    is one dimension, in ``order``), every index checked."""
    from webnnpy.models.tflite.errors import InvalidModelError

    rank = len(shape)
    if block_map:
        raise Unsupported(f"{what}: block-sparse constants (block map "
                          f"{list(block_map)}) are not supported")
    if sorted(order) != list(range(rank)) or len(levels) != rank:
        raise InvalidModelError(f"{what}: traversal order {list(order)} / "
                                f"{len(levels)} levels do not fit shape "
                                f"{list(shape)}")
    pos = np.zeros(1, np.int64)
    coords: list[np.ndarray] = []
    for lvl, (fmt, dense, seg, ind) in enumerate(levels):
        dim = shape[order[lvl]]
        if fmt == "dense":
            if dense != dim:
                raise InvalidModelError(f"{what}: dense level {lvl} has size "
                                        f"{dense}; the dimension is {dim}")
            coords = [np.repeat(c, dense) for c in coords]
            coords.append(np.tile(np.arange(dense), pos.size))
            pos = (pos[:, None] * dense + np.arange(dense)).reshape(-1)
        else:
            assert seg is not None and ind is not None
            if pos.size and (pos.max() + 1 >= seg.size):
                raise InvalidModelError(f"{what}: level {lvl} segments are too short")
            starts, stops = seg[pos], seg[pos + 1]
            counts = stops - starts
            if (counts < 0).any() or (stops > ind.size).any() or (starts < 0).any():
                raise InvalidModelError(f"{what}: level {lvl} segments point "
                                        f"outside its indices")
            new_pos = (np.concatenate([np.arange(a, z) for a, z in
                                       zip(starts, stops, strict=True)])
                       if pos.size else np.zeros(0, np.int64)).astype(np.int64)
            idx = ind[new_pos]
            if ((idx < 0) | (idx >= dim)).any():
                raise InvalidModelError(f"{what}: level {lvl} index out of range "
                                        f"[0, {dim})")
            coords = [np.repeat(c, counts) for c in coords]
            coords.append(idx)
            pos = new_pos
    if pos.size != values.size:
        raise InvalidModelError(f"{what}: {values.size} values stored; the sparsity "
                                f"structure addresses {pos.size}")
    out = np.zeros(shape, values.dtype)
    full = [np.zeros(0, np.int64)] * rank
    for lvl in range(rank):
        full[order[lvl]] = coords[lvl]
    out[tuple(full)] = values[pos]
    return out


@handler("DENSIFY", quant=False)
def _densify(b: Build, op: OperatorInfo) -> list[Value]:
    t = b.model.tensors[op.inputs[0]]
    if t.sparsity is None or t.raw is None or t.dtype is None:
        raise Unsupported(f"input {t.name!r} is not a sparse constant")
    s = t.sparsity
    vals = np.frombuffer(t.raw, t.dtype) if len(t.raw) % t.dtype.itemsize == 0 \
        else None
    if vals is None:
        from webnnpy.models.tflite.errors import InvalidModelError
        raise InvalidModelError(f"tensor {t.name!r}: {len(t.raw)} bytes is not a "
                                f"whole number of {t.type_name} values")
    return [densify(vals, t.shape, s.traversal_order, s.block_map, s.levels,
                    f"tensor {t.name!r}")]


def quant_params(b: Build, tensor_index: int, rank: int, dtype: str,
                 zp_type: str) -> tuple[MLOperand, MLOperand]:
    """A tensor's scale and zero point as WebNN constants of the tensor's
    rank (per-axis: the scale's length along the quantized dimension)."""
    t = b.model.tensors[tensor_index]
    q = t.quant
    if q is None or q.scale.size == 0:
        raise Unsupported(f"tensor {t.name!r} has no quantization parameters")
    if q.has_details:
        raise Unsupported(f"tensor {t.name!r} uses a custom quantization scheme "
                          f"(the schema's details union)")
    shape = [1] * rank
    if q.scale.size > 1:
        if not 0 <= q.axis < rank:
            raise Unsupported(f"tensor {t.name!r}: quantized dimension {q.axis} is "
                              f"out of range for rank {rank}")
        shape[q.axis] = q.scale.size
    zp = q.zero_point if q.zero_point.size == q.scale.size else \
        np.broadcast_to(q.zero_point[:1], q.scale.shape)
    if (q.scale <= 0).any() or not np.isfinite(q.scale).all():
        raise Unsupported(f"tensor {t.name!r}: scale values must be positive and "
                          f"finite")
    g = b.builder
    return (g.constant(q.scale.reshape(shape).astype(dtype)),
            g.constant(np.asarray(zp).reshape(shape).astype(zp_type)))


def dequantize_const(t: Any, what: str) -> np.ndarray:
    """A quantized constant's real values (float32), computed in float64."""
    q = t.quant
    data = np.asarray(t.data)
    if q is None or q.scale.size == 0:
        raise Unsupported(f"{what} {t.name!r} is {t.type_name} without "
                          f"quantization parameters")
    if q.has_details:
        raise Unsupported(f"{what} {t.name!r} uses a custom quantization scheme")
    shape = [1] * data.ndim
    if q.scale.size > 1:
        if not 0 <= q.axis < data.ndim or data.shape[q.axis] != q.scale.size:
            raise Unsupported(f"{what} {t.name!r}: {q.scale.size} scales do not fit "
                              f"dimension {q.axis} of shape {list(data.shape)}")
        shape[q.axis] = q.scale.size
    zp = q.zero_point if q.zero_point.size == q.scale.size else \
        np.broadcast_to(q.zero_point[:1], q.scale.shape)
    real = (data.astype(np.float64) - np.asarray(zp).reshape(shape)) * \
        q.scale.astype(np.float64).reshape(shape)
    return real.astype(np.float32)


@handler("DEQUANTIZE", quant=False)
def _dequantize(b: Build, op: OperatorInfo) -> list[Value]:
    i = op.inputs[0]
    t = b.model.tensors[i]
    if b.is_const(i):
        v = np.asarray(b.values[i])
        if v.dtype == np.float16:
            return [v.astype(np.float32)]
        if v.dtype in (np.int8, np.uint8):
            return [dequantize_const(t, "input")]
        raise Unsupported(f"input {t.name!r} is {t.type_name}; DEQUANTIZE takes "
                          f"float16, int8 or uint8")
    x = b.operand(op, 0)
    if x.data_type == "float16":
        return [b.builder.cast(x, "float32")]
    if x.data_type not in ("int8", "uint8"):
        raise Unsupported(f"input {t.name!r} is {x.data_type}; DEQUANTIZE takes "
                          f"float16, int8 or uint8")
    scale, zp = quant_params(b, i, len(x.shape), "float32", x.data_type)
    return [b.builder.dequantize_linear(x, scale, zp)]


@handler("QUANTIZE", quant=False)
def _quantize(b: Build, op: OperatorInfo) -> list[Value]:
    g = b.builder
    x = b.operand(op, 0)
    out = b.model.tensors[op.outputs[0]]
    dt = b.webnn_type(out, "output")
    if dt not in ("int8", "uint8"):
        raise Unsupported(f"output {out.name!r} is {out.type_name}; WebNN quantizes "
                          f"to int8 or uint8 here")
    if x.data_type in ("int8", "uint8"):   # requantize
        s, z = quant_params(b, op.inputs[0], len(x.shape), "float32", x.data_type)
        x = g.dequantize_linear(x, s, z)
    _float_type(x, "input")
    scale, zp = quant_params(b, op.outputs[0], len(x.shape), x.data_type, dt)
    return [g.quantize_linear(x, scale, zp)]
