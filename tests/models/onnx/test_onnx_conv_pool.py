"""Convolution and pooling handlers against onnx.reference."""

from __future__ import annotations

import numpy as np
import pytest
from onnx import helper
from onnx_testlib import make_model, rand

from webnnpy.models.onnx import UnsupportedNodeError, load

N = helper.make_node


@pytest.mark.parametrize("attrs", [
    {}, {"pads": [1, 1, 1, 1]}, {"strides": [2, 1], "pads": [0, 1, 2, 1]},
    {"auto_pad": "SAME_UPPER", "strides": [2, 2]},
    {"auto_pad": "SAME_LOWER", "strides": [2, 2]}, {"auto_pad": "VALID"},
    {"dilations": [2, 1], "group": 2}])
def test_conv2d(check, attrs):
    x, w, b = rand(1, 4, 7, 6), rand(6, 2 if attrs.get("group") else 4, 3, 3), rand(6)
    check([N("Conv", ["x", "w", "b"], ["y"], **attrs)], {"x": x, "w": w, "b": b}, ["y"],
          rtol=1e-4, atol=1e-5)


def test_conv1d(check):
    x, w = rand(2, 3, 9), rand(4, 3, 3)
    check([N("Conv", ["x", "w"], ["y"], pads=[1, 2], strides=[2])],
          {"x": x, "w": w}, ["y"], rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("attrs", [
    {}, {"pads": [1, 0, 1, 1, 1, 0], "strides": [2, 1, 2]},
    {"dilations": [2, 1, 1], "group": 2}, {"auto_pad": "SAME_UPPER"}])
def test_conv3d_as_depth_taps(check, attrs):
    x, w, b = rand(2, 4, 5, 6, 5), rand(6, 2 if attrs.get("group") else 4, 2, 3, 2), \
        rand(6)
    check([N("Conv", ["x", "w", "b"], ["y"], **attrs)], {"x": x, "w": w, "b": b},
          ["y"], rtol=1e-4, atol=1e-5)


def test_conv_transpose3d_is_rejected(ref_ctx):
    x, w = rand(1, 1, 3, 3, 3), rand(1, 1, 2, 2, 2)
    m = make_model([N("ConvTranspose", ["x", "w"], ["y"])], {"x": x, "w": w}, ["y"])
    with pytest.raises(UnsupportedNodeError, match=r"ConvTranspose.*3 spatial"):
        load(m, context=ref_ctx)


@pytest.mark.parametrize("attrs", [
    {}, {"strides": [2, 2]}, {"strides": [2, 2], "output_padding": [1, 0]},
    {"strides": [2, 2], "pads": [1, 0, 1, 1]},
    {"strides": [2, 2], "output_shape": [9, 9]},
    {"strides": [2, 2], "output_shape": [10, 10]},
    {"strides": [2, 2], "auto_pad": "SAME_UPPER"},
    {"dilations": [2, 2]}])
def test_conv_transpose(check, attrs):
    x, w = rand(1, 4, 4, 4), rand(4, 3, 3, 3)
    check([N("ConvTranspose", ["x", "w"], ["y"], **attrs)], {"x": x, "w": w}, ["y"],
          rtol=1e-4, atol=1e-5)


def test_conv_transpose_groups():
    # onnx.reference fails on grouped ConvTranspose: ONNX Runtime is the reference
    ort = pytest.importorskip("onnxruntime")
    x, w = rand(1, 4, 4, 4), rand(4, 3, 3, 3)
    m = make_model([N("ConvTranspose", ["x", "w"], ["y"], group=2, strides=[2, 1])],
                   {"x": x, "w": w}, ["y"])
    m.ir_version = 8
    sess = ort.InferenceSession(m.SerializeToString(),
                                providers=["CPUExecutionProvider"])
    want = sess.run(None, {"x": x, "w": w})[0]
    got = load(m).run({"x": x, "w": w})["y"]
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)


def test_conv_integer(check):
    x = rand(1, 2, 5, 5, dtype=np.uint8, low=0, high=255)
    w = rand(3, 2, 3, 3, dtype=np.uint8, low=0, high=255)
    check([N("ConvInteger", ["x", "w", "xz", "wz"], ["y"], pads=[1, 1, 1, 1])],
          {"x": x, "w": w}, ["y"], initializers={"xz": np.uint8(128),
                                                 "wz": np.uint8(100)})


def test_qlinear_conv(check):
    x = rand(1, 2, 5, 5, dtype=np.uint8, low=0, high=255)
    w = rand(3, 2, 3, 3, dtype=np.int8, low=-128, high=127)
    init = {"xs": np.float32(0.02), "xz": np.uint8(128), "ws": rand(3, low=0.01,
                                                                    high=0.02),
            "wz": np.zeros(3, np.int8), "ys": np.float32(0.1), "yz": np.uint8(100),
            "b": np.array([100, -50, 7], np.int32), "w": w}
    check([N("QLinearConv", ["x", "xs", "xz", "w", "ws", "wz", "ys", "yz", "b"],
             ["y"], pads=[1, 1, 1, 1])], {"x": x}, ["y"], initializers=init)


@pytest.mark.parametrize("op", ["AveragePool", "MaxPool", "LpPool"])
@pytest.mark.parametrize("attrs", [
    {"kernel_shape": [3, 3]},
    {"kernel_shape": [3, 2], "strides": [2, 1], "pads": [1, 0, 1, 1]},
    {"kernel_shape": [3, 3], "strides": [2, 2], "ceil_mode": 1},
    {"kernel_shape": [2, 2], "auto_pad": "SAME_UPPER", "strides": [2, 2]},
    {"kernel_shape": [3, 3], "auto_pad": "SAME_LOWER"},
    {"kernel_shape": [2, 2], "dilations": [2, 2]}])
def test_pool2d(check, op, attrs):
    if op == "LpPool" and "ceil_mode" in attrs:
        pytest.skip("onnx.reference computes LpPool as PyTorch does (average x "
                    "kernel size), which differs from the Lp norm on windows that "
                    "ceil_mode extends past the input")
    check([N(op, ["x"], ["y"], **attrs)], {"x": rand(1, 2, 7, 8)}, ["y"], opset=19,
          rtol=1e-5)


@pytest.mark.parametrize("op,attrs", [
    ("MaxPool", {"kernel_shape": [2, 3, 2]}),
    ("MaxPool", {"kernel_shape": [3, 2, 2], "strides": [2, 1, 2], "pads": [1, 0, 1,
                                                                          1, 1, 0]}),
    ("AveragePool", {"kernel_shape": [2, 2, 2], "strides": [2, 2, 2], "ceil_mode": 1}),
    ("AveragePool", {"kernel_shape": [3, 3, 3], "pads": [1, 1, 1, 1, 1, 1],
                     "count_include_pad": 1}),
    ("LpPool", {"kernel_shape": [2, 2, 2], "p": 2}),
    ("LpPool", {"kernel_shape": [2, 2, 2], "p": 3, "pads": [0, 1, 0, 1, 0, 1]}),
])
def test_pool3d_as_two_stages(check, op, attrs):
    check([N(op, ["x"], ["y"], **attrs)], {"x": rand(1, 2, 5, 6, 4)}, ["y"], opset=19,
          rtol=1e-5, atol=1e-6)


def test_lp_pool_p1_p3(check):
    for p in (1, 3):
        check([N("LpPool", ["x"], ["y"], kernel_shape=[3, 2], p=p, pads=[1, 0, 1, 1])],
              {"x": rand(1, 2, 5, 5)}, ["y"], opset=19, rtol=1e-5, atol=1e-6)


def test_average_pool_count_include_pad(check):
    check([N("AveragePool", ["x"], ["y"], kernel_shape=[3, 3], pads=[1, 1, 1, 1],
             count_include_pad=1)], {"x": rand(1, 1, 5, 5)}, ["y"])


def test_pool1d(check):
    check([N("MaxPool", ["x"], ["y"], kernel_shape=[3], strides=[2])],
          {"x": rand(2, 3, 9)}, ["y"])


@pytest.mark.parametrize("op", ["GlobalAveragePool", "GlobalMaxPool"])
def test_global_pools(check, op):
    check([N(op, ["x"], ["y"])], {"x": rand(2, 3, 4, 5)}, ["y"], rtol=1e-5)


@pytest.mark.parametrize("op,p", [("GlobalAveragePool", 2), ("GlobalMaxPool", 2),
                                  ("GlobalLpPool", 1), ("GlobalLpPool", 2),
                                  ("GlobalLpPool", 3)])
@pytest.mark.parametrize("rank", [3, 4, 5])
def test_global_pools_any_rank(op, p, rank):
    # (onnx.reference has no GlobalLpPool and mishandles ranks other than 4)
    x = rand(*([2, 3, 4, 5, 2][:rank]))
    attrs = {"p": p} if op == "GlobalLpPool" else {}
    m = make_model([N(op, ["x"], ["y"], **attrs)], {"x": x}, ["y"])
    axes = tuple(range(2, rank))
    want = {"GlobalAveragePool": lambda: x.mean(axis=axes, keepdims=True),
            "GlobalMaxPool": lambda: x.max(axis=axes, keepdims=True),
            "GlobalLpPool": lambda: (np.abs(x.astype(np.float64)) ** p).sum(
                axis=axes, keepdims=True) ** (1 / p)}[op]()
    np.testing.assert_allclose(load(m).run({"x": x})["y"], want, rtol=1e-5)
