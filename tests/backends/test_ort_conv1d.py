"""conv2d over a unit spatial axis (how ONNX Conv1d imports: [N, C, L, 1])
runs on ONNX Runtime as a 1-D Conv between a Squeeze and an Unsqueeze.

Expected values: the spec's convolution written here in float64 (a sum over
the window of input times filter, zero padding), rounded once; the backend
must stay within conv2d's float32 tolerance of the accuracy policy.
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("onnxruntime")
pytest.importorskip("onnx")

import webnnpy
from webnnpy.backends.onnxruntime.lower import lower

#: filter layout -> the axes of an OIHW filter in that layout's order
_FROM_OIHW = {"oihw": (0, 1, 2, 3), "hwio": (2, 3, 1, 0), "ohwi": (0, 2, 3, 1),
              "ihwo": (1, 2, 3, 0)}


@pytest.fixture(scope="module")
def ctx() -> webnnpy.MLContext:
    c = webnnpy.ml.create_context(backend="onnxruntime")
    yield c
    c.destroy()


def _conv_nchw64(x: np.ndarray, w: np.ndarray, b: np.ndarray | None,
                 pads: tuple[int, int, int, int], strides: tuple[int, int],
                 dilations: tuple[int, int], groups: int) -> np.ndarray:
    """float64 convolution, NCHW input, OIHW filter, WebNN padding
    [top, bottom, left, right]."""
    x = x.astype(np.float64)
    w = w.astype(np.float64)
    top, bottom, left, right = pads
    xp = np.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right)))
    n, _c, h, wd = xp.shape
    o, ipg, kh, kw = w.shape
    (sh, sw), (dh, dw) = strides, dilations
    oh = (h - (kh - 1) * dh - 1) // sh + 1
    ow = (wd - (kw - 1) * dw - 1) // sw + 1
    opg = o // groups
    y = np.zeros((n, o, oh, ow))
    with np.errstate(invalid="ignore"):
        for g in range(groups):
            xs = xp[:, g * ipg:(g + 1) * ipg]
            ws = w[g * opg:(g + 1) * opg]
            for i in range(kh):
                for j in range(kw):
                    patch = xs[:, :, i * dh:i * dh + sh * (oh - 1) + 1:sh,
                               j * dw:j * dw + sw * (ow - 1) + 1:sw]
                    y[:, g * opg:(g + 1) * opg] += np.einsum(
                        "nchw,oc->nohw", patch, ws[:, :, i, j])
    if b is not None:
        y += b.astype(np.float64)[None, :, None, None]
    return y


CASES = [
    # (unit axis, length, channels in/out, kernel, pads along L, stride,
    #  dilation, groups)
    ("w", 37, (4, 6), 3, (1, 1), 1, 1, 1),
    ("w", 40, (6, 6), 3, (1, 1), 2, 1, 1),   # Whisper's second stem conv
    ("w", 29, (4, 8), 5, (2, 0), 1, 2, 2),
    ("w", 31, (6, 6), 4, (0, 3), 3, 1, 6),   # depthwise
    ("h", 33, (4, 5), 3, (0, 2), 1, 1, 1),   # the unit axis is H
]


@pytest.mark.parametrize("bias", [True, False], ids=["bias", "nobias"])
@pytest.mark.parametrize("case", CASES, ids=[f"{c[0]}{i}" for i, c in enumerate(CASES)])
def test_unit_axis_conv_matches_float64(ctx, case, bias):
    unit, length, (ci, co), k, (pb, pe), s, d, groups = case
    rng = np.random.default_rng(7)
    x = rng.standard_normal((2, ci, length, 1) if unit == "w"
                            else (2, ci, 1, length)).astype(np.float32)
    w = rng.standard_normal((co, ci // groups, k, 1) if unit == "w"
                            else (co, ci // groups, 1, k)).astype(np.float32)
    bv = rng.standard_normal(co).astype(np.float32) if bias else None
    pads = (pb, pe, 0, 0) if unit == "w" else (0, 0, pb, pe)
    strides = (s, 1) if unit == "w" else (1, s)
    dil = (d, 1) if unit == "w" else (1, d)
    want = _conv_nchw64(x, w, bv, pads, strides, dil, groups)
    for layout in ("nchw", "nhwc"):
        for flayout in ("oihw", "hwio", "ohwi", "ihwo"):
            b = webnnpy.MLGraphBuilder(ctx)
            xin = x if layout == "nchw" else x.transpose(0, 2, 3, 1)
            xo = b.input("x", {"data_type": "float32", "shape": list(xin.shape)})
            wf = np.ascontiguousarray(w.transpose(_FROM_OIHW[flayout]))
            opts = {"padding": list(pads), "strides": list(strides),
                    "dilations": list(dil), "groups": groups,
                    "input_layout": layout, "filter_layout": flayout}
            if bv is not None:
                opts["bias"] = b.constant(bv)
            y = b.conv2d(xo, b.constant(wf), **opts)
            g = b.build({"y": y})
            got = ctx.compute(g, {"x": np.ascontiguousarray(xin)})["y"]
            if layout == "nhwc":
                got = got.transpose(0, 3, 1, 2)
            assert got.shape == want.shape, (layout, flayout)
            np.testing.assert_allclose(got, want, rtol=1e-5, atol=5e-6,
                                       err_msg=f"{layout}/{flayout}")
            ops = [n.op_type for n in lower(g._ir).model.graph.node]
            assert "Squeeze" in ops and "Unsqueeze" in ops, ops


def test_unit_axis_conv_with_a_runtime_filter(ctx):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((1, 3, 20, 1)).astype(np.float32)
    w = rng.standard_normal((4, 3, 3, 1)).astype(np.float32)
    b = webnnpy.MLGraphBuilder(ctx)
    xo = b.input("x", {"data_type": "float32", "shape": [1, 3, 20, 1]})
    wo = b.input("w", {"data_type": "float32", "shape": [4, 3, 3, 1]})
    g = b.build({"y": b.conv2d(xo, wo, padding=[1, 1, 0, 0])})
    got = ctx.compute(g, {"x": x, "w": w})["y"]
    want = _conv_nchw64(x, w, None, (1, 1, 0, 0), (1, 1), (1, 1), 1)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=5e-6)


def test_non_finite_filter_tap_over_padding_stays_nan(ctx):
    # a NaN filter tap over zero padding gives NaN at the edge (0 * NaN), as
    # the spec's sum does, on the 1-D path too
    x = np.ones((1, 1, 6, 1), np.float32)
    w = np.array([np.nan, 1.0, 1.0], np.float32).reshape(1, 1, 3, 1)
    b = webnnpy.MLGraphBuilder(ctx)
    xo = b.input("x", {"data_type": "float32", "shape": [1, 1, 6, 1]})
    g = b.build({"y": b.conv2d(xo, b.constant(w), padding=[1, 1, 0, 0])})
    got = ctx.compute(g, {"x": x})["y"].reshape(-1)
    assert np.isnan(got).all()  # every window holds the NaN tap
    w2 = np.array([1.0, 1.0, np.inf], np.float32).reshape(1, 1, 3, 1)
    b = webnnpy.MLGraphBuilder(ctx)
    xo = b.input("x", {"data_type": "float32", "shape": [1, 1, 6, 1]})
    g = b.build({"y": b.conv2d(xo, b.constant(w2), padding=[1, 1, 0, 0])})
    got = ctx.compute(g, {"x": x})["y"].reshape(-1)
    # the last window's inf tap lies over padding: 0 * inf = NaN there
    assert np.isinf(got[:-1]).all() and np.isnan(got[-1])


def test_square_and_pointwise_convs_keep_the_2d_conv():
    ctx = webnnpy.ml.create_context(backend="onnxruntime")
    for xshape, wshape in (([1, 3, 8, 8], [4, 3, 3, 3]),    # 2-D
                           ([1, 8, 1, 1], [4, 8, 1, 1]),    # 1x1 on 1x1
                           ([1, 3, 8, 1], [4, 3, 3, 2])):   # filter wider than 1
        b = webnnpy.MLGraphBuilder(ctx)
        xo = b.input("x", {"data_type": "float32", "shape": xshape})
        pad = [0, 0, 0, 1] if wshape[3] == 2 else [0, 0, 0, 0]
        y = b.conv2d(xo, b.constant(np.ones(wshape, np.float32)), padding=pad)
        ops = [n.op_type for n in lower(b.build({"y": y})._ir).model.graph.node]
        assert "Squeeze" not in ops, (xshape, ops)


@pytest.mark.parametrize("act", ["relu", "silu", "clamp"])
def test_activation_after_a_1d_conv_fuses_into_it(ctx, act):
    # the activation after the Unsqueeze moves before it (fuse.py), so ONNX
    # Runtime fuses it into the 1-D Conv as it does a native Conv1d's; the
    # values are the float64 convolution's, activated
    from test_ort_accuracy import _optimized_ops

    rng = np.random.default_rng(9)
    x = rng.standard_normal((1, 4, 40, 1)).astype(np.float32)
    w = rng.standard_normal((8, 4, 3, 1)).astype(np.float32)
    b = webnnpy.MLGraphBuilder(ctx)
    xo = b.input("x", {"data_type": "float32", "shape": [1, 4, 40, 1]})
    c = b.conv2d(xo, b.constant(w), padding=[1, 1, 0, 0])
    if act == "relu":
        y = b.relu(c)
    elif act == "silu":
        y = b.mul(c, b.sigmoid(c))
    else:
        y = b.clamp(c, min_value=-1.0, max_value=1.5)
    g = b.build({"y": y})
    got = ctx.compute(g, {"x": x})["y"]
    conv = _conv_nchw64(x, w, None, (1, 1, 0, 0), (1, 1), (1, 1), 1)
    want = {"relu": np.maximum(conv, 0), "silu": conv / (1 + np.exp(-conv)),
            "clamp": np.clip(conv, -1.0, 1.5)}[act]
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=5e-6)
    ops = [o for o, _ in _optimized_ops(g)]
    assert "Unsqueeze" in ops and "Squeeze" in ops, ops
    if act == "silu":  # the Mul by -1 folded into the Conv's weights
        assert "Mul" not in ops and ops.count("Div") == 1, ops
    else:  # the activation fused into the Conv
        assert not {"Relu", "Clip"} & set(ops), ops


def test_sink_unsqueeze_keeps_a_shared_or_non_scalar_operand():
    from onnx import TensorProto, helper, numpy_helper

    from webnnpy.backends.onnxruntime.fuse import sink_unsqueeze

    def model(second: np.ndarray, share: bool) -> object:
        nodes = [helper.make_node("Unsqueeze", ["x", "ax"], ["u"]),
                 helper.make_node("Mul", ["u", "k"], ["y"])]
        outs = [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)]
        if share:
            outs.append(helper.make_tensor_value_info("u", TensorProto.FLOAT, None))
        g = helper.make_graph(
            nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [3])],
            outs, [numpy_helper.from_array(np.array([1], np.int64), "ax"),
                   numpy_helper.from_array(second, "k")])
        return helper.make_model(g, opset_imports=[helper.make_opsetid("", 21)])

    m = model(np.array(2.0, np.float32), share=False)
    assert sink_unsqueeze(m) == 1
    assert [n.op_type for n in m.graph.node] == ["Mul", "Unsqueeze"]
    assert m.graph.node[1].output[0] == "y"
    for second, share in ((np.array(2.0, np.float32), True),       # u is an output
                          (np.ones((3, 1), np.float32), False)):   # not a scalar
        m = model(second, share)
        assert sink_unsqueeze(m) == 0
        assert [n.op_type for n in m.graph.node] == ["Unsqueeze", "Mul"]
