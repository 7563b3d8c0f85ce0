"""Quantized operators through the ONNX importer: integer products past
float32's exact range (ConvInteger, MatMulInteger, QLinearConv,
QLinearMatMul), DequantizeLinear of 4-bit weights, and the ONNX Runtime
contrib ops DynamicQuantizeLSTM and GatherBlockQuantized; ddddocr's
dynamically quantized ``common_old.onnx`` end to end.

Expected values come from native ONNX Runtime on the same ModelProto (it
implements every op here) and, for default-domain ops, from onnx.reference.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import numpy as np
import onnx_testlib
import pytest
from onnx import TensorProto, helper, numpy_helper
from onnx_testlib import make_model, reference

from webnnpy.models.onnx import (
    InvalidNodeError,
    NeedsConstantError,
    UnsupportedNodeError,
    inspect,
    load,
)

ort = pytest.importorskip("onnxruntime")
N = helper.make_node
MS = "com.microsoft"
CI = os.environ.get("CI", "").strip().lower() == "true"
def _rng() -> np.random.Generator:
    """The per-test generator (conftest reseeds it from the test id)."""
    return onnx_testlib.RNG


def _ort(model, feeds, *, threads: int = 0, optimize: bool = True):
    so = ort.SessionOptions()
    if threads:
        so.intra_op_num_threads = threads
    if not optimize:
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    sess = ort.InferenceSession(model.SerializeToString(), so,
                                providers=["CPUExecutionProvider"])
    return sess.run(None, dict(feeds))


# ---------------------------------------------------------------- integer products

def _conv_integer_model(c: int, value_x: tuple[int, int], value_w: tuple[int, int]):
    x = _rng().integers(*value_x, (1, c, 6, 6)).astype(np.uint8)
    w = _rng().integers(*value_w, (4, c, 3, 3)).astype(np.int8)
    m = make_model([N("ConvInteger", ["x", "w", "xz"], ["y"], pads=[1, 1, 1, 1])],
                   {"x": x}, ["y"], opset=10,
                   initializers={"w": w, "xz": np.array(0, np.uint8)})
    return m, {"x": x}


def test_conv_integer_exact_while_k_le_258(context):
    # K = 28 * 9 = 252 products of 255 * -128: partial sums stay below 2**24
    m, feeds = _conv_integer_model(28, (255, 256), (-128, -127))
    want = _ort(m, feeds)[0]
    np.testing.assert_array_equal(reference(m, feeds)[0], want)
    got = load(m, context=context).run(feeds)["y"]
    assert got.dtype == np.int32
    np.testing.assert_array_equal(got, want)


def test_conv_integer_past_2_24_within_the_stated_bound(context):
    # K = 96 * 9 = 864 products, all of one sign, so sum(|p|) = |y|, and the
    # centre outputs reach ~864 * 228 * 114 = 22e6 > 2**24
    m, feeds = _conv_integer_model(96, (200, 256), (-128, -100))
    want = _ort(m, feeds)[0].astype(np.int64)
    assert np.abs(want).max() > 2 ** 24
    got = load(m, context=context).run(feeds)["y"]
    assert got.dtype == np.int32
    k = 864
    bound = (k - 1) * 2.0 ** -24 * np.abs(want)
    err = np.abs(got.astype(np.int64) - want)
    assert (err <= bound).all(), (err.max(), bound.max())


def test_matmul_integer_past_2_24_within_the_stated_bound(context):
    k = 1024
    a = _rng().integers(128, 256, (3, k)).astype(np.uint8)
    b = _rng().integers(0, 64, (k, 5)).astype(np.uint8)
    m = make_model([N("MatMulInteger", ["a", "b", "az", "bz"], ["y"])], {"a": a},
                   ["y"], opset=10,
                   initializers={"b": b, "az": np.array(0, np.uint8),
                                 "bz": np.array(255, np.uint8)})
    want = _ort(m, {"a": a})[0].astype(np.int64)
    np.testing.assert_array_equal(reference(m, {"a": a})[0], want)
    assert np.abs(want).max() > 2 ** 24
    got = load(m, context=context).run({"a": a})["y"]
    err = np.abs(got.astype(np.int64) - want)
    assert (err <= (k - 1) * 2.0 ** -24 * np.abs(want)).all()


def test_qlinear_matmul_and_conv_with_large_k(context):
    """Past K = 258 the float32 sum may be off by the bound before the
    requantization, so a result may differ by one quantization step."""
    k = 600
    a = _rng().integers(0, 256, (4, k)).astype(np.uint8)
    init = {"as": np.float32(0.02), "az": np.uint8(128),
            "b": _rng().integers(0, 256, (k, 6)).astype(np.uint8),
            "bs": np.float32(0.01), "bz": np.uint8(120),
            "ys": np.float32(0.5), "yz": np.uint8(100)}
    m = make_model([N("QLinearMatMul", ["a", "as", "az", "b", "bs", "bz", "ys", "yz"],
                      ["y"])], {"a": a}, ["y"], opset=10,
                   initializers={n: np.asarray(v) for n, v in init.items()})
    want = _ort(m, {"a": a})[0]
    ref = reference(m, {"a": a})[0]
    got = load(m, context=context).run({"a": a})["y"]
    assert got.dtype == np.uint8
    for w in (want, ref):
        assert np.abs(got.astype(int) - w.astype(int)).max() <= 1
    x = _rng().integers(0, 256, (1, 40, 5, 5)).astype(np.uint8)
    cinit = {"xs": np.float32(0.02), "xz": np.uint8(128),
             "w": _rng().integers(-128, 128, (3, 40, 3, 3)).astype(np.int8),
             "ws": np.float32(0.01), "wz": np.int8(0),
             "ys": np.float32(0.5), "yz": np.uint8(100),
             "bias": _rng().integers(-5000, 5000, (3,)).astype(np.int32)}
    m = make_model([N("QLinearConv", ["x", "xs", "xz", "w", "ws", "wz", "ys", "yz",
                                      "bias"], ["y"], pads=[1, 1, 1, 1])],
                   {"x": x}, ["y"], opset=10,
                   initializers={n: np.asarray(v) for n, v in cinit.items()})
    want = _ort(m, {"x": x})[0]
    got = load(m, context=context).run({"x": x})["y"]
    assert np.abs(got.astype(int) - want.astype(int)).max() <= 1
    assert (got == want).mean() > 0.95


def test_dynamic_quantize_linear_of_zeros_has_scale_one(context):
    """max == min: ONNX's formula divides 0 by 0; ONNX Runtime gives scale 1
    (and y, zero point 0), which the mapping follows."""
    x = np.zeros((2, 3), np.float32)
    m = make_model([N("DynamicQuantizeLinear", ["x"], ["y", "s", "z"])], {"x": x},
                   ["y", "s", "z"], opset=11)
    want = _ort(m, {"x": x})
    got = load(m, context=context).run({"x": x})
    for name, w in zip(["y", "s", "z"], want, strict=True):
        np.testing.assert_array_equal(got[name], w, err_msg=name)
    assert float(got["s"]) == 1.0


# ------------------------------------------------------------------ 4-bit weights

def _has_4bit(ctx, data_type: str) -> bool:
    """True if ``ctx`` takes ``data_type`` for dequantize/quantizeLinear
    (numpy and onnxruntime do; openvino does not)."""
    lim = ctx.op_support_limits()
    return (data_type in lim["dequantize_linear"]["input"]["data_types"]
            and data_type in lim["quantize_linear"]["output"]["data_types"])


def _without_4bit(ctx):
    """``ctx`` with int4/uint4 dropped from its opSupportLimits() (as on the
    openvino backend): the importer then dequantizes 4-bit constants at
    import."""
    limits = ctx.op_support_limits()

    def drop(d):
        if isinstance(d, dict):
            return {k: ([t for t in v if t not in ("int4", "uint4")]
                        if k == "data_types" else drop(v)) for k, v in d.items()}
        return d
    ctx.op_support_limits = lambda: drop(limits)
    return ctx


@pytest.mark.parametrize("tp,lo,hi", [(TensorProto.INT4, -8, 7),
                                      (TensorProto.UINT4, 0, 15)])
@pytest.mark.parametrize("mode", ["tensor", "axis", "block"])
@pytest.mark.parametrize("where", ["in_graph", "at_import"])
def test_dequantize_4bit_weights(tp, lo, hi, mode, where, context):
    k, n = 64, 32  # 2048 weights: kept as a DequantizeLinear node, not folded
    w = helper.make_tensor("w", tp, [k, n], _rng().integers(lo, hi + 1, k * n).tolist())
    attrs: dict[str, int] = {}
    if mode == "tensor":
        s, zshape = np.array(0.05, np.float32), []
    elif mode == "axis":
        s, zshape = _rng().uniform(.01, .1, n).astype(np.float32), [n]
        attrs["axis"] = 1
    else:
        s, zshape = _rng().uniform(.01, .1, (k // 16, n)).astype(np.float32), [k // 16, n]
        attrs.update(axis=0, block_size=16)
    z = helper.make_tensor("z", tp, zshape,
                           _rng().integers(lo, hi + 1, int(np.prod(zshape))).tolist())
    graph = helper.make_graph(
        [N("DequantizeLinear", ["w", "s", "z"], ["wf"], **attrs),
         N("MatMul", ["a", "wf"], ["y"])], "g",
        [helper.make_tensor_value_info("a", TensorProto.FLOAT, [3, k])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
        initializer=[w, numpy_helper.from_array(s, "s"), z])
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 21)])
    feeds = {"a": _rng().normal(size=(3, k)).astype(np.float32)}
    # native ORT with its default optimizations fuses DequantizeLinear + MatMul
    # into MatMulNBits, which quantizes A (off by ~0.03 here): compare with the
    # unfused graph, which computes what ONNX defines
    want = _ort(m, feeds, optimize=False)[0]
    np.testing.assert_allclose(reference(m, feeds)[0], want, rtol=1e-6, atol=1e-6)
    ctx = context if where == "in_graph" else _without_4bit(context)
    got = load(m, context=ctx).run(feeds)["y"]
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("tp", [TensorProto.INT4, TensorProto.UINT4])
def test_4bit_activations_quantize_dequantize(tp, context):
    """QuantizeLinear to a 4-bit type then DequantizeLinear: int4/uint4
    operands at run time (saturating to the 4-bit range)."""
    x = _rng().normal(0, 1, (3, 8)).astype(np.float32)
    zp = 1 if tp == TensorProto.INT4 else 8
    graph = helper.make_graph(
        [N("QuantizeLinear", ["x", "s", "z"], ["q"]),
         N("DequantizeLinear", ["q", "s", "z"], ["y"])], "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [3, 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
        initializer=[numpy_helper.from_array(np.array(0.2, np.float32), "s"),
                     helper.make_tensor("z", tp, [], [zp])])
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 21)])
    want = _ort(m, {"x": x})[0]
    np.testing.assert_array_equal(reference(m, {"x": x})[0], want)
    assert len(np.unique(want)) > 4 and np.abs(want).max() >= 1.4  # saturates
    if not _has_4bit(context, "int4" if tp == TensorProto.INT4 else "uint4"):
        with pytest.raises(UnsupportedNodeError, match=r"no 4-bit output"):
            load(m, context=context)
        return
    got = load(m, context=context).run({"x": x})["y"]
    np.testing.assert_array_equal(got, want)


def test_4bit_bad_input(ref_ctx):
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 64])
    z = helper.make_tensor("z", TensorProto.INT4, [], [0])
    graph = helper.make_graph(
        [N("QuantizeLinear", ["x", "s", "z"], ["q"], name="q4")], "g", [x],
        [helper.make_tensor_value_info("q", TensorProto.INT4, None)],
        initializer=[numpy_helper.from_array(np.array(0.1, np.float32), "s"), z])
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 21)])
    with pytest.raises(UnsupportedNodeError, match=r"'q4'.*int4.*no 4-bit output"):
        load(m, context=_without_4bit(ref_ctx))
    # a blocked scale whose block count does not fit the weights
    w = helper.make_tensor("w", TensorProto.INT4, [64, 32], [1] * 2048)
    graph = helper.make_graph(
        [N("DequantizeLinear", ["w", "s"], ["wf"], axis=0, block_size=16, name="dq"),
         N("MatMul", ["x", "wf"], ["y"])], "g", [x],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
        initializer=[w, numpy_helper.from_array(np.ones((3, 32), np.float32), "s")])
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 21)])
    with pytest.raises(InvalidNodeError, match=r"'dq'.*x_scale.*\[3, 32\].*\[4, 32\]"):
        load(m, context=_without_4bit(ref_ctx))
    with pytest.raises(UnsupportedNodeError, match=r"'dq'"):
        load(m, context=ref_ctx)


@pytest.mark.parametrize("k,zp", [(64, "packed"), (64, None), (40, "packed")])
@pytest.mark.parametrize("where", ["in_graph", "at_import"])
def test_matmul_nbits_4bit(k, zp, where, context):
    """MatMulNBits keeps its weights uint4 in the graph (dequantizeLinear with
    blockwise scales, then matmul) where the context has uint4 and K is a
    whole number of blocks; otherwise it dequantizes them at import."""
    n, block = 6, 16
    blocks = -(-k // block)
    init = {"b": _rng().integers(0, 256, (n, blocks, block // 2), dtype=np.uint8),
            "sc": _rng().uniform(0.01, 0.1, n * blocks).astype(np.float32)}
    names = ["a", "b", "sc"]
    if zp:
        init["zp"] = _rng().integers(0, 256, (n * -(-blocks // 2),), dtype=np.uint8)
        names.append("zp")
    feeds = {"a": _rng().normal(size=(3, k)).astype(np.float32)}
    m = make_model([N("MatMulNBits", names, ["y"], domain=MS, K=k, N=n, bits=4,
                      block_size=block)], feeds, ["y"], initializers=init,
                   extra_opsets={MS: 1})
    m.ir_version = 8
    want = _ort(m, feeds)[0]
    ctx = context if where == "in_graph" else _without_4bit(context)
    got = load(m, context=ctx).run(feeds)["y"]
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
    used = inspect(m, context=ctx).webnn_ops()
    assert ("dequantize_linear" in used) == (
        where == "in_graph" and k % block == 0 and _has_4bit(context, "uint4"))


# ------------------------------------------------------------ DynamicQuantizeLSTM

def _dq_lstm(*, direction="forward", steps=5, batch=2, size=6, hidden=4,
             peep=True, states=True, per_column=True, drop=(), clip=None,
             w_as_input=False):
    nd = 2 if direction == "bidirectional" else 1
    init = {
        "W": _rng().integers(-128, 128, (nd, size, 4 * hidden)).astype(np.int8),
        "R": _rng().integers(-128, 128, (nd, hidden, 4 * hidden)).astype(np.int8),
        "B": _rng().normal(0, .1, (nd, 8 * hidden)).astype(np.float32),
        "P": _rng().normal(0, .1, (nd, 3 * hidden)).astype(np.float32),
        "ws": _rng().uniform(.001, .01, (nd, 4 * hidden) if per_column else (nd,)
                          ).astype(np.float32),
        "wz": np.zeros((nd, 4 * hidden) if per_column else (nd,), np.int8),
        "rs": _rng().uniform(.001, .01, (nd,)).astype(np.float32),
        "rz": np.zeros((nd,), np.int8),
    }
    feeds = {"X": _rng().normal(0, 2, (steps, batch, size)).astype(np.float32)}
    if states:
        feeds["h0"] = _rng().normal(0, .5, (nd, batch, hidden)).astype(np.float32)
        feeds["c0"] = _rng().normal(0, .5, (nd, batch, hidden)).astype(np.float32)
    names = ["X", "W", "R", "B", "", "h0" if states else "", "c0" if states else "",
             "P" if peep else "", "ws", "wz", "rs", "rz"]
    if w_as_input:
        feeds["W"] = init.pop("W")
    for d in drop:
        names[names.index(d)] = ""
    attrs = {"hidden_size": hidden, "direction": direction}
    if clip is not None:
        attrs["clip"] = clip
    node = N("DynamicQuantizeLSTM", names, ["Y", "Yh", "Yc"], domain=MS,
             name="lstm", **attrs)
    m = make_model([node], feeds, ["Y", "Yh", "Yc"],
                   initializers={k: v for k, v in init.items()
                                 if k in names}, extra_opsets={MS: 1})
    m.ir_version = 8
    return m, feeds


@pytest.mark.parametrize("direction", ["forward", "reverse", "bidirectional"])
@pytest.mark.parametrize("peep,states,per_column", [(True, True, True),
                                                    (False, False, False)])
def test_dynamic_quantize_lstm(direction, peep, states, per_column, context):
    m, feeds = _dq_lstm(direction=direction, peep=peep, states=states,
                        per_column=per_column, size=40, hidden=16)
    # ORT quantizes the hidden state in one block per thread's rows: with one
    # thread, the whole batch at each step, as the mapping does
    want = _ort(m, feeds, threads=1)
    got = load(m, context=context).run(feeds)
    for name, w in zip(["Y", "Yh", "Yc"], want, strict=True):
        np.testing.assert_allclose(got[name], w, rtol=1e-5, atol=1e-6, err_msg=name)


def test_dynamic_quantize_lstm_bad_input():
    m, _ = _dq_lstm(drop=["ws"])
    with pytest.raises(InvalidNodeError, match=r"'lstm'.*W_scale.*missing"):
        load(m)
    m, _ = _dq_lstm(w_as_input=True)
    with pytest.raises(NeedsConstantError, match=r"'lstm'.*W .*'W'.*known at import"):
        load(m)
    m, _ = _dq_lstm(clip=3.0)
    with pytest.raises(UnsupportedNodeError, match=r"'lstm'.*'clip'"):
        load(m)
    m, _ = _dq_lstm()
    w = next(i for i in m.graph.initializer if i.name == "W")
    w.CopyFrom(numpy_helper.from_array(np.zeros((1, 5, 16), np.int8), "W"))
    with pytest.raises(InvalidNodeError,
                       match=r"'lstm'.*W \('W'\) has shape \[1, 5, 16\].*\[1, 6, 16\]"):
        load(m)


# ----------------------------------------------------------- GatherBlockQuantized

def _gbq(*, bits=4, zp=True, idx_shape=(3,), rows=10, cols=64, block=16,
         neg=False, scales_shape=None):
    data = _rng().integers(0, 256, (rows, cols * bits // 8)).astype(np.uint8)
    blocks = -(-cols // block)
    init = {"data": data, "scales": _rng().uniform(.01, .1, scales_shape or
                                                (rows, blocks)).astype(np.float32)}
    names = ["data", "idx", "scales"]
    if zp:
        init["zp"] = _rng().integers(0, 256, (rows, -(-blocks * bits // 8))
                                  ).astype(np.uint8)
        names.append("zp")
    feeds = {"idx": _rng().integers(-rows if neg else 0, rows, idx_shape)}
    m = make_model([N("GatherBlockQuantized", names, ["y"], domain=MS, bits=bits,
                      block_size=block, name="gbq")], feeds, ["y"],
                   initializers=init, extra_opsets={MS: 1})
    m.ir_version = 8
    return m, feeds


@pytest.mark.parametrize("kw", [{}, {"zp": False}, {"bits": 8}, {"bits": 8, "zp": False},
                                {"idx_shape": (2, 2)}, {"neg": True}, {"cols": 40}])
def test_gather_block_quantized(kw):
    m, feeds = _gbq(**kw)
    want = _ort(m, feeds)[0]
    got = load(m).run(feeds)["y"]
    np.testing.assert_array_equal(got, want)


def test_gather_block_quantized_bad_input():
    m, _ = _gbq(scales_shape=(10, 3))
    with pytest.raises(InvalidNodeError, match=r"'gbq'.*scales.*\[10, 3\].*\[10, 4\]"):
        load(m)
    m, _ = _gbq()  # zero points of the wrong rank (a fuzzing find: IndexError)
    zp = next(i for i in m.graph.initializer if i.name == "zp")
    zp.CopyFrom(numpy_helper.from_array(np.zeros(20, np.uint8), "zp"))
    with pytest.raises(InvalidNodeError, match=r"'gbq'.*zero_points.*\[20\].*rank 2"):
        load(m)
    m, _ = _gbq()  # empty data (a fuzzing find: ValueError from a reshape)
    data = next(i for i in m.graph.initializer if i.name == "data")
    data.CopyFrom(numpy_helper.from_array(np.zeros((0, 32), np.uint8), "data"))
    with pytest.raises(UnsupportedNodeError, match=r"'gbq'.*empty"):
        load(m)


# ------------------------------------------------------------ ddddocr, end to end

def _ddddocr_old() -> Path:
    spec = importlib.util.find_spec("ddddocr")
    if spec is None or not spec.submodule_search_locations:
        if CI:
            pytest.fail("ddddocr is not installed (the CI installs it --no-deps)")
        pytest.skip("ddddocr is not installed (pip install --no-deps ddddocr)")
    return Path(next(iter(spec.submodule_search_locations))) / "common_old.onnx"


def test_ddddocr_common_old_agrees_with_native_ort(context):
    """ddddocr's dynamically quantized OCR model (DynamicQuantizeLinear +
    ConvInteger x 21, DynamicQuantizeLSTM, MatMulInteger with K = 1024) on a
    captcha-like image: logits as native ORT's, the same characters."""
    path = _ddddocr_old()
    width = 160
    img = np.full((64, width), 0.9, np.float32)
    for j in range(5):  # five dark glyph-like strokes on a light background
        x0 = 10 + j * (width - 20) // 5
        img[12:52, x0:x0 + 4] = 0.1
        img[12:16, x0:x0 + 18] = 0.15
        img[30 + 3 * j:34 + 3 * j, x0:x0 + 12] = 0.2
    img += _rng().normal(0, 0.05, img.shape).astype(np.float32)
    feeds = {"input1": ((img - 0.5) / 0.5)[None, None]}
    model = load(path, context=context, dims={"image_width": width})
    got = next(iter(model.run(feeds).values()))
    want = _ort_path(path, feeds)
    assert got.shape == want.shape == (width // 8, 1, 8210)
    np.testing.assert_array_equal(got.argmax(-1), want.argmax(-1))
    assert len(set(want.argmax(-1).ravel().tolist())) > 1  # it reads something
    np.testing.assert_allclose(got, want, rtol=0, atol=0.05 * np.abs(want).max())


def _ort_path(path: Path, feeds):
    so = ort.SessionOptions()
    so.log_severity_level = 3  # the model declares its output [1, seqlen]
    sess = ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])
    return sess.run(None, feeds)[0]
