"""Each TFLite operator mapping, on small models written by ``tflite_writer``,
against LiteRT's interpreter (the oracle: an independent implementation)
on every backend under test.

Tolerances: float32 outputs within ``1e-5 + 1e-5 * |want|`` (LiteRT and
ONNX Runtime accumulate in float32, the reference in float64: a few ULP on
these sizes; a wrong pad, layout or axis moves results by 1e-1).  Quantized
outputs within 1 step: LiteRT requantizes with integer fixed-point
multipliers, WebNN's quantizeLinear divides in float.
"""

from __future__ import annotations

import zlib

import numpy as np
import pytest
from tflite_testlib import compare, litert_run
from tflite_writer import ModelWriter

import webnnpy
from webnnpy.models import tflite as wt


@pytest.fixture(autouse=True)
def rng(request: pytest.FixtureRequest) -> np.random.Generator:
    return np.random.default_rng(zlib.crc32(request.node.nodeid.encode()))


def _rand(rng: np.random.Generator, *shape: int, lo: float = -1.0,
          hi: float = 1.0) -> np.ndarray:
    return rng.uniform(lo, hi, shape).astype(np.float32)


def _one_op(code: str, in_shapes: list[list[int]], out_shapes: list[list[int]],
            consts: dict[int, np.ndarray] | None = None, options: str | None = None,
            **opts: object) -> tuple[bytes, list[str]]:
    """A model of one operator: inputs in order, with ``consts`` (by input
    position) as constant tensors."""
    w = ModelWriter()
    ins, names = [], []
    consts = consts or {}
    k = 0
    for pos in range(len(in_shapes) + len(consts)):
        if pos in consts:
            ins.append(w.const(consts[pos]))
        else:
            ins.append(w.input(in_shapes[k], name=f"in{k}"))
            names.append(f"in{k}")
            k += 1
    outs = [w.tensor(s, name=f"out{i}") for i, s in enumerate(out_shapes)]
    w.op(code, ins, outs, options, **opts)
    for o in outs:
        w.output(o)
    return w.build(), names


# ------------------------------------------------------------------ conv


@pytest.mark.parametrize("padding,stride,dil,act,hw", [
    (0, 1, 1, 0, 7), (0, 2, 1, 1, 7), (0, 2, 1, 3, 8), (1, 2, 1, 0, 9),
    (0, 1, 2, 2, 9), (1, 1, 2, 0, 8), (0, 3, 1, 0, 10)])
def test_conv2d(context: webnnpy.MLContext, rng: np.random.Generator, padding: int,
                stride: int, dil: int, act: int, hw: int) -> None:
    k = 3
    eff = (k - 1) * dil + 1
    out = -(-hw // stride) if padding == 0 else -(-(hw - eff + 1) // stride)
    data, _ = _one_op("CONV_2D", [[1, hw, hw, 3]], [[1, out, out, 4]],
                      {1: _rand(rng, 4, k, k, 3), 2: _rand(rng, 4)},
                      "Conv2DOptions", Padding=padding, StrideH=stride,
                      StrideW=stride, DilationHFactor=dil, DilationWFactor=dil,
                      FusedActivationFunction=act)
    compare(data, {"in0": _rand(rng, 1, hw, hw, 3, lo=-2, hi=2)}, context)


def test_fused_tanh_is_refused(context: webnnpy.MLContext,
                                rng: np.random.Generator) -> None:
    """LiteRT's conv kernel ignores a fused TANH (it only clamps): the
    importer refuses it rather than pick a meaning."""
    data, _ = _one_op("CONV_2D", [[1, 4, 4, 3]], [[1, 4, 4, 2]],
                      {1: _rand(rng, 2, 3, 3, 3), 2: _rand(rng, 2)},
                      "Conv2DOptions", Padding=0, StrideH=1, StrideW=1,
                      DilationHFactor=1, DilationWFactor=1,
                      FusedActivationFunction=4)
    with pytest.raises(wt.UnsupportedOperatorError,
                       match=r"operator #0 \(CONV_2D.*fused activation TANH"):
        wt.load(data, context=context)


def test_conv2d_rectangular(context: webnnpy.MLContext,
                                    rng: np.random.Generator) -> None:
    # asymmetric SAME padding on both axes: 2x4 filter, strides 2 / 3
    w = ModelWriter()
    x = w.input([2, 7, 11, 2])
    f = w.const(_rand(rng, 3, 2, 4, 2))
    y = w.tensor([2, 4, 4, 3])
    w.op("CONV_2D", [x, f, w.const(_rand(rng, 3))], [y], "Conv2DOptions", Padding=0, StrideH=2,
         StrideW=3, DilationHFactor=1, DilationWFactor=1)
    w.output(y)
    compare(w.build(), {"in0": _rand(rng, 2, 7, 11, 2)}, context)


@pytest.mark.parametrize("mult,padding,stride", [(1, 0, 1), (2, 0, 2), (1, 1, 2),
                                                 (3, 0, 1)])
def test_depthwise_conv2d(context: webnnpy.MLContext, rng: np.random.Generator,
                          mult: int, padding: int, stride: int) -> None:
    c, hw = 3, 8
    out = -(-hw // stride) if padding == 0 else -(-(hw - 2) // stride)
    data, _ = _one_op("DEPTHWISE_CONV_2D", [[1, hw, hw, c]],
                      [[1, out, out, c * mult]],
                      {1: _rand(rng, 1, 3, 3, c * mult), 2: _rand(rng, c * mult)},
                      "DepthwiseConv2DOptions", Padding=padding, StrideH=stride,
                      StrideW=stride, DepthMultiplier=mult, DilationHFactor=1,
                      DilationWFactor=1, FusedActivationFunction=3)
    compare(data, {"in0": _rand(rng, 1, hw, hw, c, lo=-3, hi=3)}, context)


@pytest.mark.parametrize("padding,stride,k,hw,out", [
    (0, 2, 3, 4, 8), (1, 2, 3, 4, 9), (0, 2, 4, 5, 10), (0, 1, 3, 5, 5),
    (1, 3, 2, 3, 8)])
def test_transpose_conv(context: webnnpy.MLContext, rng: np.random.Generator,
                        padding: int, stride: int, k: int, hw: int, out: int
                        ) -> None:
    w = ModelWriter()
    shape = w.const(np.array([1, out, out, 2], np.int32))
    f = w.const(_rand(rng, 2, k, k, 3))
    x = w.input([1, hw, hw, 3])
    bias = w.const(_rand(rng, 2))
    y = w.tensor([1, out, out, 2])
    w.op("TRANSPOSE_CONV", [shape, f, x, bias], [y], "TransposeConvOptions",
         Padding=padding, StrideH=stride, StrideW=stride)
    w.output(y)
    compare(w.build(), {"in0": _rand(rng, 1, hw, hw, 3)}, context)


@pytest.mark.parametrize("pad_code,k", [(1, 3), (1, 4), (2, 3)])
def test_mediapipe_transpose_conv_bias(context: webnnpy.MLContext,
                                       rng: np.random.Generator, pad_code: int,
                                       k: int) -> None:
    """MediaPipe's CUSTOM Convolution2DTransposeBias, checked against LiteRT's
    builtin TRANSPOSE_CONV with the same weights (the oracle for the
    equivalent builtin: TfLitePadding 1 = SAME, 2 = VALID)."""
    hw, s = 4, 2
    out = hw * s if pad_code == 1 else (hw - 1) * s + k
    f, bias = _rand(rng, 2, k, k, 3), _rand(rng, 2)
    xv = _rand(rng, 1, hw, hw, 3)
    w = ModelWriter()
    x = w.input([1, hw, hw, 3])
    y = w.tensor([1, out, out, 2])
    w.op("CUSTOM:Convolution2DTransposeBias", [x, w.const(f), w.const(bias)], [y],
         custom_options=np.array([pad_code, s, s], "<i4").tobytes())
    w.output(y)
    got = wt.load(w.build(), context=context).run({"in0": xv})
    ref = ModelWriter()
    shape = ref.const(np.array([1, out, out, 2], np.int32))
    rx = ref.input([1, hw, hw, 3])
    ry = ref.tensor([1, out, out, 2])
    ref.op("TRANSPOSE_CONV", [shape, ref.const(f), rx, ref.const(bias)], [ry],
           "TransposeConvOptions", Padding=0 if pad_code == 1 else 1, StrideH=s,
           StrideW=s)
    ref.output(ry)
    want = litert_run(ref.build(), {"in0": xv})
    np.testing.assert_allclose(next(iter(got.values())), next(iter(want.values())),
                               atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("keep,shape", [(False, [2, 6]), (True, [2, 3, 6]),
                                        (False, [2, 3, 6])])
def test_fully_connected(context: webnnpy.MLContext, rng: np.random.Generator,
                         keep: bool, shape: list[int]) -> None:
    rows = int(np.prod(shape[:-1]))
    out = [*shape[:-1], 5] if keep else [rows, 5]
    data, _ = _one_op("FULLY_CONNECTED", [shape], [out],
                      {1: _rand(rng, 5, 6), 2: _rand(rng, 5)},
                      "FullyConnectedOptions", KeepNumDims=keep,
                      FusedActivationFunction=1)
    compare(data, {"in0": _rand(rng, *shape)}, context)


@pytest.mark.parametrize("adj_x,adj_y", [(False, False), (True, False), (False, True)])
def test_batch_matmul(context: webnnpy.MLContext, rng: np.random.Generator,
                      adj_x: bool, adj_y: bool) -> None:
    a = [2, 4, 3] if adj_x else [2, 3, 4]
    b = [2, 5, 4] if adj_y else [2, 4, 5]
    data, _ = _one_op("BATCH_MATMUL", [a, b], [[2, 3, 5]], None,
                      "BatchMatMulOptions", AdjX=adj_x, AdjY=adj_y)
    compare(data, {"in0": _rand(rng, *a), "in1": _rand(rng, *b)}, context)


# ------------------------------------------------------------------ elementwise


@pytest.mark.parametrize("code,opts", [("ADD", "AddOptions"), ("SUB", "SubOptions"),
                                       ("MUL", "MulOptions"), ("DIV", "DivOptions")])
@pytest.mark.parametrize("act", [0, 1, 3])
def test_binary(context: webnnpy.MLContext, rng: np.random.Generator, code: str,
                opts: str, act: int) -> None:
    data, _ = _one_op(code, [[1, 4, 4, 3], [3]], [[1, 4, 4, 3]], None, opts,
                      FusedActivationFunction=act)
    b = _rand(rng, 3, lo=0.5, hi=2)
    compare(data, {"in0": _rand(rng, 1, 4, 4, 3, lo=-8, hi=8), "in1": b}, context)


def test_binary_constant_operand(context: webnnpy.MLContext,
                                 rng: np.random.Generator) -> None:
    data, _ = _one_op("MUL", [[2, 3]], [[2, 3]], {1: _rand(rng, 2, 3)},
                      "MulOptions")
    compare(data, {"in0": _rand(rng, 2, 3)}, context)


@pytest.mark.parametrize("code", ["MAXIMUM", "MINIMUM", "SQUARED_DIFFERENCE"])
def test_binary_other(context: webnnpy.MLContext, rng: np.random.Generator,
                      code: str) -> None:
    data, _ = _one_op(code, [[2, 5], [2, 5]], [[2, 5]])
    compare(data, {"in0": _rand(rng, 2, 5), "in1": _rand(rng, 2, 5)}, context)


@pytest.mark.parametrize("code,atol", [
    ("RELU", 0), ("RELU6", 0), ("RELU_N1_TO_1", 0), ("LOGISTIC", 1e-6),
    ("TANH", 1e-6), ("HARD_SWISH", 1e-6), ("ELU", 1e-6), ("ABS", 0), ("NEG", 0),
    ("FLOOR", 0), ("CEIL", 0), ("EXP", 1e-5), ("SQUARE", 1e-6)])
def test_unary(context: webnnpy.MLContext, rng: np.random.Generator, code: str,
               atol: float) -> None:
    data, _ = _one_op(code, [[2, 3, 7]], [[2, 3, 7]])
    compare(data, {"in0": _rand(rng, 2, 3, 7, lo=-8, hi=8)}, context,
            atol=atol, rtol=1e-5)


@pytest.mark.parametrize("code", ["SQRT", "RSQRT", "LOG"])
def test_unary_positive(context: webnnpy.MLContext, rng: np.random.Generator,
                        code: str) -> None:
    data, _ = _one_op(code, [[3, 7]], [[3, 7]])
    compare(data, {"in0": _rand(rng, 3, 7, lo=0.1, hi=9)}, context, atol=1e-6)


def test_leaky_relu(context: webnnpy.MLContext, rng: np.random.Generator) -> None:
    data, _ = _one_op("LEAKY_RELU", [[4, 5]], [[4, 5]], None, "LeakyReluOptions",
                      Alpha=0.3)
    compare(data, {"in0": _rand(rng, 4, 5)}, context)


@pytest.mark.parametrize("slope_shape", [[1, 1, 3], [3], [4, 1, 3]])
def test_prelu(context: webnnpy.MLContext, rng: np.random.Generator,
               slope_shape: list[int]) -> None:
    data, _ = _one_op("PRELU", [[1, 4, 5, 3]], [[1, 4, 5, 3]],
                      {1: _rand(rng, *slope_shape)})
    compare(data, {"in0": _rand(rng, 1, 4, 5, 3)}, context)


@pytest.mark.parametrize("beta", [1.0, 0.5])
def test_softmax(context: webnnpy.MLContext, rng: np.random.Generator,
                 beta: float) -> None:
    data, _ = _one_op("SOFTMAX", [[3, 10]], [[3, 10]], None, "SoftmaxOptions",
                      Beta=beta)
    compare(data, {"in0": _rand(rng, 3, 10, lo=-5, hi=5)}, context, atol=1e-6,
            rtol=1e-5)


# ------------------------------------------------------------------ pool, reduce


@pytest.mark.parametrize("code", ["MAX_POOL_2D", "AVERAGE_POOL_2D"])
@pytest.mark.parametrize("padding,stride,f,hw", [(0, 2, 3, 7), (1, 2, 2, 8),
                                                 (0, 1, 3, 5), (0, 3, 2, 8),
                                                 (1, 6, 6, 6)])
def test_pool(context: webnnpy.MLContext, rng: np.random.Generator, code: str,
              padding: int, stride: int, f: int, hw: int) -> None:
    out = -(-hw // stride) if padding == 0 else -(-(hw - f + 1) // stride)
    data, _ = _one_op(code, [[1, hw, hw, 2]], [[1, out, out, 2]], None,
                      "Pool2DOptions", Padding=padding, StrideH=stride,
                      StrideW=stride, FilterHeight=f, FilterWidth=f)
    # SAME average pooling divides by the count of real (unpadded) elements
    compare(data, {"in0": _rand(rng, 1, hw, hw, 2, lo=-4, hi=4)}, context)


@pytest.mark.parametrize("keep,axes,out", [(True, [1, 2], [1, 1, 1, 3]),
                                           (False, [1, 2], [1, 3]),
                                           (False, [-1], [1, 4, 5])])
def test_mean(context: webnnpy.MLContext, rng: np.random.Generator, keep: bool,
              axes: list[int], out: list[int]) -> None:
    data, _ = _one_op("MEAN", [[1, 4, 5, 3]], [out],
                      {1: np.array(axes, np.int32)}, "ReducerOptions", KeepDims=keep)
    compare(data, {"in0": _rand(rng, 1, 4, 5, 3)}, context, atol=1e-6)


# ------------------------------------------------------------------ shape


@pytest.mark.parametrize("code,value", [("PAD", None), ("PADV2", 2.5)])
def test_pad(context: webnnpy.MLContext, rng: np.random.Generator, code: str,
             value: float | None) -> None:
    pads = np.array([[0, 0], [1, 2], [0, 3], [1, 0]], np.int32)
    consts = {1: pads}
    if value is not None:
        consts[2] = np.array([value], np.float32)
    data, _ = _one_op(code, [[1, 3, 4, 2]], [[1, 6, 7, 3]], consts)
    compare(data, {"in0": _rand(rng, 1, 3, 4, 2)}, context)


@pytest.mark.parametrize("new_shape,out", [([2, -1], [2, 12]), ([4, 3, 2], [4, 3, 2])])
def test_reshape(context: webnnpy.MLContext, rng: np.random.Generator,
                 new_shape: list[int], out: list[int]) -> None:
    data, _ = _one_op("RESHAPE", [[2, 3, 4]], [out],
                      {1: np.array(new_shape, np.int32)})
    compare(data, {"in0": _rand(rng, 2, 3, 4)}, context, atol=0, rtol=0)


def test_squeeze_expand_dims(context: webnnpy.MLContext,
                             rng: np.random.Generator) -> None:
    w = ModelWriter()
    x = w.input([1, 3, 1, 4])
    s = w.tensor([3, 4])
    w.op("SQUEEZE", [x], [s], "SqueezeOptions", SqueezeDims=[0, 2])
    e = w.tensor([3, 1, 4])
    w.op("EXPAND_DIMS", [s, w.const(np.array([1], np.int32))], [e])
    w.output(e)
    compare(w.build(), {"in0": _rand(rng, 1, 3, 1, 4)}, context, atol=0, rtol=0)


@pytest.mark.parametrize("axis,act", [(3, 0), (1, 0), (-1, 0), (1, 1)])
def test_concatenation(context: webnnpy.MLContext, rng: np.random.Generator,
                       axis: int, act: int) -> None:
    """A fused activation on CONCATENATION is refused: LiteRT's kernel
    ignores it, so the file's meaning is ambiguous."""
    a, b = [1, 2, 3, 4], [1, 2, 3, 4]
    out = list(a)
    out[axis] *= 2
    data, _ = _one_op("CONCATENATION", [a, b], [out], None, "ConcatenationOptions",
                      Axis=axis, FusedActivationFunction=act)
    if act:
        with pytest.raises(wt.UnsupportedOperatorError, match="CONCATENATION"):
            wt.load(data, context=context)
        return
    compare(data, {"in0": _rand(rng, *a, lo=-8, hi=8),
                   "in1": _rand(rng, *b, lo=-8, hi=8)}, context, atol=0, rtol=0)


def test_transpose(context: webnnpy.MLContext, rng: np.random.Generator) -> None:
    data, _ = _one_op("TRANSPOSE", [[2, 3, 4, 5]], [[4, 2, 5, 3]],
                      {1: np.array([2, 0, 3, 1], np.int32)})
    compare(data, {"in0": _rand(rng, 2, 3, 4, 5)}, context, atol=0, rtol=0)


@pytest.mark.parametrize("begin,end,strides,bm,em,sm,out", [
    ([0, 1, 0], [2, 5, 6], [1, 2, 3], 0, 0, 0, [2, 2, 2]),
    ([1, -4, 0], [2, 0, 0], [1, 1, 1], 0b001, 0b110, 0, [2, 4, 6]),
    ([1, 0, 2], [2, 5, 3], [1, 1, 1], 0, 0, 0b101, [5]),
    ([0, 4, 5], [2, 0, 0], [1, -1, -2], 0, 0b100, 0, [2, 4, 3]),
    ([0, 0], [1, 2], [1, 1], 0, 0, 0b01, [2, 6])])
def test_strided_slice(context: webnnpy.MLContext, rng: np.random.Generator,
                       begin: list[int], end: list[int], strides: list[int],
                       bm: int, em: int, sm: int, out: list[int]) -> None:
    data, _ = _one_op("STRIDED_SLICE", [[2, 5, 6]], [out],
                      {1: np.array(begin, np.int32), 2: np.array(end, np.int32),
                       3: np.array(strides, np.int32)},
                      "StridedSliceOptions", BeginMask=bm, EndMask=em,
                      ShrinkAxisMask=sm)
    compare(data, {"in0": _rand(rng, 2, 5, 6)}, context, atol=0, rtol=0)


def test_slice(context: webnnpy.MLContext, rng: np.random.Generator) -> None:
    data, _ = _one_op("SLICE", [[3, 5]], [[2, 3]], {1: np.array([1, 2], np.int32),
                                                    2: np.array([-1, 3], np.int32)})
    compare(data, {"in0": _rand(rng, 3, 5)}, context, atol=0, rtol=0)


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_gather_constant_indices(context: webnnpy.MLContext,
                                 rng: np.random.Generator, axis: int) -> None:
    shape = [4, 5, 3]
    idx = np.array([[2, 0], [1, 1]], np.int32)
    out = list(shape)
    a = axis % 3
    out[a:a + 1] = [2, 2]
    data, _ = _one_op("GATHER", [shape], [out], {1: idx}, "GatherOptions", Axis=axis)
    compare(data, {"in0": _rand(rng, *shape)}, context, atol=0, rtol=0)


def test_gather_runtime_indices(context: webnnpy.MLContext,
                                rng: np.random.Generator) -> None:
    w = ModelWriter()
    x = w.input([6, 2])
    i = w.input([3], "int32")
    y = w.tensor([3, 2])
    w.op("GATHER", [x, i], [y], "GatherOptions", Axis=0)
    w.output(y)
    compare(w.build(), {"in0": _rand(rng, 6, 2),
                        "in1": np.array([5, 0, 3], np.int32)}, context,
            atol=0, rtol=0)


def test_split_and_split_v(context: webnnpy.MLContext,
                           rng: np.random.Generator) -> None:
    w = ModelWriter()
    x = w.input([2, 6, 3])
    parts = [w.tensor([2, 2, 3]) for _ in range(3)]
    w.op("SPLIT", [w.const(np.array([1], np.int32)), x], parts, "SplitOptions",
         NumSplits=3)
    v = [w.tensor([2, 6, 1]), w.tensor([2, 6, 2])]
    w.op("SPLIT_V", [x, w.const(np.array([1, -1], np.int32)),
                     w.const(np.array([-1], np.int32))], v, "SplitVOptions",
         NumSplits=2)
    for o in [*parts, *v]:
        w.output(o)
    compare(w.build(), {"in0": _rand(rng, 2, 6, 3)}, context, atol=0, rtol=0)


def test_depth_to_space_and_back(context: webnnpy.MLContext,
                                 rng: np.random.Generator) -> None:
    w = ModelWriter()
    x = w.input([2, 3, 4, 12])
    d = w.tensor([2, 6, 8, 3])
    w.op("DEPTH_TO_SPACE", [x], [d], "DepthToSpaceOptions", BlockSize=2)
    s = w.tensor([2, 3, 4, 12])
    w.op("SPACE_TO_DEPTH", [d], [s], "SpaceToDepthOptions", BlockSize=2)
    w.output(d)
    w.output(s)
    compare(w.build(), {"in0": _rand(rng, 2, 3, 4, 12)}, context, atol=0, rtol=0)


# ------------------------------------------------------------------ resize


@pytest.mark.parametrize("code,opts", [
    ("RESIZE_BILINEAR", "ResizeBilinearOptions"),
    ("RESIZE_NEAREST_NEIGHBOR", "ResizeNearestNeighborOptions")])
@pytest.mark.parametrize("align,half", [(False, False), (True, False), (False, True)])
@pytest.mark.parametrize("size", [[8, 10], [3, 7], [5, 5]])
def test_resize(context: webnnpy.MLContext, rng: np.random.Generator, code: str,
                opts: str, align: bool, half: bool, size: list[int]) -> None:
    data, _ = _one_op(code, [[1, 4, 5, 3]], [[1, *size, 3]],
                      {1: np.array(size, np.int32)}, opts, AlignCorners=align,
                      HalfPixelCenters=half)
    compare(data, {"in0": _rand(rng, 1, 4, 5, 3)}, context, atol=2e-6, rtol=1e-5)


# ------------------------------------------------------------------ (de)quantize


def test_dequantize_float16_weights(context: webnnpy.MLContext,
                                    rng: np.random.Generator) -> None:
    w = ModelWriter()
    x = w.input([1, 5, 5, 2])
    f16 = w.const(_rand(rng, 3, 3, 3, 2).astype(np.float16))
    f = w.tensor([3, 3, 3, 2])
    w.op("DEQUANTIZE", [f16], [f])
    y = w.tensor([1, 5, 5, 3])
    w.op("CONV_2D", [x, f, w.const(_rand(rng, 3))], [y], "Conv2DOptions", Padding=0, StrideH=1,
         StrideW=1, DilationHFactor=1, DilationWFactor=1)
    w.output(y)
    compare(w.build(), {"in0": _rand(rng, 1, 5, 5, 2)}, context)


@pytest.mark.parametrize("per_axis", [False, True])
def test_dequantize_int8_weights(context: webnnpy.MLContext,
                                 rng: np.random.Generator, per_axis: bool) -> None:
    q = rng.integers(-127, 128, (4, 6)).astype(np.int8)
    scale = rng.uniform(0.01, 0.05, 4).tolist() if per_axis else [0.02]
    w = ModelWriter()
    x = w.input([2, 6])
    wq = w.const(q, quant={"scale": scale, "zero_point": [0] * len(scale),
                           "axis": 0})
    wf = w.tensor([4, 6])
    w.op("DEQUANTIZE", [wq], [wf])
    y = w.tensor([2, 4])
    w.op("FULLY_CONNECTED", [x, wf, -1], [y], "FullyConnectedOptions")
    w.output(y)
    compare(w.build(), {"in0": _rand(rng, 2, 6)}, context, atol=1e-5)


@pytest.mark.parametrize("dtype,zp", [("int8", -3), ("uint8", 128)])
def test_quantize_dequantize_runtime(context: webnnpy.MLContext,
                                     rng: np.random.Generator, dtype: str,
                                     zp: int) -> None:
    w = ModelWriter()
    x = w.input([2, 3, 4])
    qt = w.tensor([2, 3, 4], dtype, quant={"scale": [0.05], "zero_point": [zp]})
    w.op("QUANTIZE", [x], [qt])
    y = w.tensor([2, 3, 4])
    w.op("DEQUANTIZE", [qt], [y])
    w.output(qt)
    w.output(y)
    xv = _rand(rng, 2, 3, 4, lo=-8, hi=8)
    got = compare(w.build(), {"in0": xv}, context, lsb=1, atol=0.05 + 1e-6)
    # and against the formula: saturate(round(x / scale) + zp)
    lo, hi = (-128, 127) if dtype == "int8" else (0, 255)
    want = np.clip(np.round(xv.astype(np.float64) / 0.05) + zp, lo, hi)
    assert np.abs(got["t1"].astype(np.int64) - want).max() <= 1


def test_int8_quantized_conv_per_axis(context: webnnpy.MLContext,
                                      rng: np.random.Generator) -> None:
    """A fully int8 model (QUANTIZE -> int8 CONV_2D with per-channel weights
    and an int32 bias -> DEQUANTIZE), as LiteRT's converter writes them."""
    cin, cout = 3, 4
    in_scale, out_scale = 0.02, 0.05
    w_scale = rng.uniform(0.005, 0.02, cout)
    wq = rng.integers(-127, 128, (cout, 3, 3, cin)).astype(np.int8)
    bias = rng.integers(-2000, 2000, cout).astype(np.int32)
    w = ModelWriter()
    x = w.input([1, 6, 6, cin])
    xq = w.tensor([1, 6, 6, cin], "int8", quant={"scale": [in_scale],
                                                 "zero_point": [-1]})
    w.op("QUANTIZE", [x], [xq])
    f = w.const(wq, quant={"scale": w_scale.tolist(), "zero_point": [0] * cout,
                           "axis": 0})
    b = w.const(bias, quant={"scale": (w_scale * in_scale).tolist(),
                             "zero_point": [0] * cout, "axis": 0})
    yq = w.tensor([1, 6, 6, cout], "int8", quant={"scale": [out_scale],
                                                  "zero_point": [2]})
    w.op("CONV_2D", [xq, f, b], [yq], "Conv2DOptions", Padding=0, StrideH=1,
         StrideW=1, DilationHFactor=1, DilationWFactor=1, FusedActivationFunction=1)
    y = w.tensor([1, 6, 6, cout])
    w.op("DEQUANTIZE", [yq], [y])
    w.output(yq)
    w.output(y)
    compare(w.build(), {"in0": _rand(rng, 1, 6, 6, cin)}, context, lsb=1,
            atol=out_scale + 1e-6)


def test_densify_sparse_weights(context: webnnpy.MLContext,
                                rng: np.random.Generator) -> None:
    """A sparse float16 constant (dims 0-2 dense, dim 3 CSR, as MediaPipe's
    sparse models store 1x1 conv filters) densified, dequantized and used."""
    dense = _rand(rng, 4, 1, 1, 6)
    dense[np.abs(dense) < 0.5] = 0
    dense[0] = 0
    segs, inds, vals = [0], [], []
    for row in dense.reshape(4, 6):
        nz = np.nonzero(row)[0]
        inds += nz.tolist()
        vals += row[nz].tolist()
        segs.append(len(inds))
    w = ModelWriter()
    x = w.input([1, 3, 3, 6])
    sp = w.tensor([4, 1, 1, 6], "float16",
                  data=np.asarray(vals, np.float16).tobytes(),
                  sparsity={"order": [0, 1, 2, 3],
                            "levels": [("dense", 4), ("dense", 1), ("dense", 1),
                                       ("csr", segs, inds)]})
    f16 = w.tensor([4, 1, 1, 6], "float16")
    w.op("DENSIFY", [sp], [f16])
    f = w.tensor([4, 1, 1, 6])
    w.op("DEQUANTIZE", [f16], [f])
    y = w.tensor([1, 3, 3, 4])
    w.op("CONV_2D", [x, f, w.const(np.zeros(4, np.float32))], [y], "Conv2DOptions", Padding=0, StrideH=1,
         StrideW=1, DilationHFactor=1, DilationWFactor=1)
    w.output(y)
    compare(w.build(), {"in0": _rand(rng, 1, 3, 3, 6)}, context)


def test_dims_fixes_dynamic_batch(context: webnnpy.MLContext,
                                  rng: np.random.Generator) -> None:
    w = ModelWriter()
    x = w.input([1, 4], signature=[-1, 4])
    y = w.tensor([1, 4], signature=[-1, 4])
    w.op("RELU", [x], [y])
    w.output(y)
    data = w.build()
    m = wt.load(data, context=context, dims={"in0": [3, 4]})
    xv = _rand(rng, 3, 4)
    np.testing.assert_array_equal(m.run({"in0": xv})["t1"], np.maximum(xv, 0))
    with pytest.raises(wt.UnsupportedModelError, match="dimension 1 is fixed at 4"):
        wt.load(data, context=context, dims={"in0": [3, 5]})
    with pytest.raises(wt.UnsupportedModelError, match="not an input"):
        wt.load(data, context=context, dims={"nope": [3, 4]})


def test_int8_ops(context: webnnpy.MLContext, rng: np.random.Generator) -> None:
    """int8 ADD (two scales), MAX_POOL_2D, AVERAGE_POOL_2D, RESHAPE,
    FULLY_CONNECTED, LOGISTIC and SOFTMAX, each on its own QUANTIZEd input,
    as LiteRT's int8 kernels run them (fixed-point requantization): within 1
    step of LiteRT on every output (through a chain, a 1-step difference
    upstream can grow downstream, so each op is checked on its own)."""
    q = {"a": (0.03, 5), "b": (0.05, -7), "s": (0.06, -2)}
    w = ModelWriter()
    feeds = {}

    def qt(shape: list[int], key: str) -> int:
        s, z = q[key]
        return w.tensor(shape, "int8", quant={"scale": [s], "zero_point": [z]})

    def qin(shape: list[int], key: str) -> int:
        x = w.input(shape)
        feeds[f"in{len(feeds)}"] = _rand(rng, *shape, lo=-3, hi=3)
        t = qt(shape, key)
        w.op("QUANTIZE", [x], [t])
        return t

    a, b_ = qin([1, 4, 4, 3], "a"), qin([1, 4, 4, 3], "b")
    s = qt([1, 4, 4, 3], "s")
    w.op("ADD", [a, b_], [s], "AddOptions")
    mp_ = qt([1, 2, 2, 3], "s")
    w.op("MAX_POOL_2D", [qin([1, 4, 4, 3], "s")], [mp_], "Pool2DOptions",
         Padding=1, StrideH=2, StrideW=2, FilterHeight=2, FilterWidth=2)
    ap = qt([1, 2, 2, 3], "s")
    w.op("AVERAGE_POOL_2D", [qin([1, 4, 4, 3], "s")], [ap], "Pool2DOptions",
         Padding=0, StrideH=2, StrideW=2, FilterHeight=3, FilterWidth=3)
    r = qt([1, 12], "s")
    w.op("RESHAPE", [qin([1, 2, 2, 3], "s"), w.const(np.array([1, 12], np.int32))],
         [r])
    wq = w.const(rng.integers(-127, 128, (5, 12)).astype(np.int8),
                 quant={"scale": [0.01], "zero_point": [0]})
    bias = w.const(rng.integers(-300, 300, 5).astype(np.int32),
                   quant={"scale": [0.06 * 0.01], "zero_point": [0]})
    fc = w.tensor([1, 5], "int8", quant={"scale": [0.04], "zero_point": [1]})
    w.op("FULLY_CONNECTED", [qin([1, 12], "s"), wq, bias], [fc],
         "FullyConnectedOptions")
    lg = w.tensor([1, 5], "int8", quant={"scale": [1 / 256], "zero_point": [-128]})
    w.op("LOGISTIC", [qin([1, 5], "s")], [lg])
    sm = w.tensor([1, 5], "int8", quant={"scale": [1 / 256], "zero_point": [-128]})
    w.op("SOFTMAX", [qin([1, 5], "s")], [sm], "SoftmaxOptions", Beta=1.0)
    for o in (s, mp_, ap, r, fc, lg, sm):
        w.output(o)
    compare(w.build(), feeds, context, lsb=1)


def test_hybrid_fully_connected(context: webnnpy.MLContext,
                                rng: np.random.Generator) -> None:
    """Dynamic-range ("hybrid") quantization: int8 weights, float input and
    output.  WebNN has no hybrid kernel: the weights go through
    dequantizeLinear and the product is float.  Oracle: the float64 formula
    on the dequantized weights.  LiteRT quantizes the input on the fly
    (asymmetric, per row), so it is only within its input quantization
    error: |x - q(x)| <= range(x) / 255 / 2 per element, times sum |w|."""
    wq = rng.integers(-127, 128, (8, 16)).astype(np.int8)
    bias = _rand(rng, 8)
    w = ModelWriter()
    x = w.input([2, 16])
    wt_ = w.const(wq, quant={"scale": [0.02], "zero_point": [0]})
    y = w.tensor([2, 8], name="y")
    w.op("FULLY_CONNECTED", [x, wt_, w.const(bias)], [y], "FullyConnectedOptions",
         AsymmetricQuantizeInputs=True)
    w.output(y)
    data = w.build()
    xv = _rand(rng, 2, 16)
    got = wt.load(data, context=context).run({"in0": xv})["y"]
    exact = xv.astype(np.float64) @ (wq.astype(np.float64) * 0.02).T + bias
    np.testing.assert_allclose(got, exact, rtol=1e-5, atol=1e-5)
    lite = litert_run(data, {"in0": xv})["y"]
    bound = (np.ptp(xv, axis=1, keepdims=True) / 255 / 2) * \
        np.abs(wq * 0.02).sum(axis=1) + 1e-5
    assert (np.abs(lite - exact) <= bound).all()


@pytest.mark.parametrize("code,lo,hi,atol", [
    ("SIN", -3, 3, 1e-6), ("COS", -3, 3, 1e-6), ("ROUND", -4, 4, 0),
    ("RELU_0_TO_1", -2, 2, 0), ("GELU", -4, 4, 1e-6)])
def test_unary_more(context: webnnpy.MLContext, rng: np.random.Generator, code: str,
                    lo: float, hi: float, atol: float) -> None:
    data, _ = _one_op(code, [[3, 8]], [[3, 8]])
    xv = _rand(rng, 3, 8, lo=lo, hi=hi)
    if code == "ROUND":
        xv[0, :4] = [0.5, 1.5, 2.5, -0.5]     # ties go to even in both
    compare(data, {"in0": xv}, context, atol=atol, rtol=1e-5)


def test_pow(context: webnnpy.MLContext, rng: np.random.Generator) -> None:
    data, _ = _one_op("POW", [[2, 5], [2, 5]], [[2, 5]])
    compare(data, {"in0": _rand(rng, 2, 5, lo=0.5, hi=2),
                   "in1": _rand(rng, 2, 5, lo=-2, hi=2)}, context, atol=1e-6)


def test_cast(context: webnnpy.MLContext, rng: np.random.Generator) -> None:
    w = ModelWriter()
    x = w.input([2, 5], "int32")
    y = w.tensor([2, 5], name="y")
    w.op("CAST", [x], [y])
    w.output(y)
    compare(w.build(), {"in0": rng.integers(-1000, 1000, (2, 5)).astype(np.int32)},
            context, atol=0, rtol=0)


@pytest.mark.parametrize("code", ["SUM", "REDUCE_MAX", "REDUCE_MIN", "REDUCE_PROD"])
def test_reductions(context: webnnpy.MLContext, rng: np.random.Generator,
                    code: str) -> None:
    data, _ = _one_op(code, [[2, 3, 4]], [[2, 1, 4]],
                      {1: np.array([1], np.int32)}, "ReducerOptions", KeepDims=True)
    compare(data, {"in0": _rand(rng, 2, 3, 4, lo=0.5, hi=1.5)}, context, atol=1e-6)


def test_mirror_pad_reflect(context: webnnpy.MLContext,
                            rng: np.random.Generator) -> None:
    data, _ = _one_op("MIRROR_PAD", [[1, 4, 5, 2]], [[1, 7, 6, 2]],
                      {1: np.array([[0, 0], [2, 1], [0, 1], [0, 0]], np.int32)},
                      "MirrorPadOptions", Mode=0)
    compare(data, {"in0": _rand(rng, 1, 4, 5, 2)}, context, atol=0, rtol=0)
    sym, _ = _one_op("MIRROR_PAD", [[1, 4, 5, 2]], [[1, 7, 6, 2]],
                     {1: np.array([[0, 0], [2, 1], [0, 1], [0, 0]], np.int32)},
                     "MirrorPadOptions", Mode=1)
    with pytest.raises(wt.UnsupportedOperatorError, match="SYMMETRIC"):
        wt.load(sym, context=context)


@pytest.mark.parametrize("padding,hw,out", [(1, 6, 3), (0, 7, 4)])
def test_l2_pool(context: webnnpy.MLContext, rng: np.random.Generator,
                 padding: int, hw: int, out: int) -> None:
    """TFLite's L2 pool is sqrt(mean(x^2)) over the window's input elements
    (not WebNN l2Pool2d's sqrt(sum))."""
    data, _ = _one_op("L2_POOL_2D", [[1, hw, hw, 2]], [[1, out, out, 2]], None,
                      "Pool2DOptions", Padding=padding, StrideH=2, StrideW=2,
                      FilterHeight=2, FilterWidth=2)
    compare(data, {"in0": _rand(rng, 1, hw, hw, 2)}, context, atol=1e-6)


def test_grouped_conv2d(context: webnnpy.MLContext, rng: np.random.Generator) -> None:
    """CONV_2D whose filter has fewer input channels than the input (groups =
    6 / 2 = 3): WebNN conv2d(groups=3, filterLayout="ohwi")."""
    w = ModelWriter()
    x = w.input([1, 5, 5, 6])
    y = w.tensor([1, 5, 5, 9])
    w.op("CONV_2D", [x, w.const(_rand(rng, 9, 3, 3, 2)), w.const(_rand(rng, 9))],
         [y], "Conv2DOptions", Padding=0, StrideH=1, StrideW=1,
         DilationHFactor=1, DilationWFactor=1)
    w.output(y)
    compare(w.build(), {"in0": _rand(rng, 1, 5, 5, 6)}, context)
