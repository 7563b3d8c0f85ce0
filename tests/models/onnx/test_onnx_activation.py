"""Activation handlers (and Softmax/LogSoftmax/Hardmax, Clip) against
onnx.reference."""

from __future__ import annotations

import numpy as np
import pytest
from onnx import helper
from onnx_testlib import rand

N = helper.make_node

CASES = [
    ("Relu", {}), ("LeakyRelu", {"alpha": 0.2}), ("Sigmoid", {}),
    ("HardSigmoid", {"alpha": 0.3, "beta": 0.4}), ("HardSwish", {}), ("Tanh", {}),
    ("Elu", {"alpha": 0.7}), ("Selu", {}), ("Selu", {"alpha": 1.5, "gamma": 2.0}),
    ("Celu", {"alpha": 2.0}), ("Softplus", {}), ("Softsign", {}),
    ("ThresholdedRelu", {"alpha": 0.5}), ("Shrink", {"lambd": 0.6, "bias": 0.2}),
    ("Mish", {}),
]


@pytest.mark.parametrize("op,attrs", CASES, ids=[f"{o}{a}" for o, a in CASES])
def test_activation(check, op, attrs):
    x = rand(3, 5, low=-4, high=4)
    check([N(op, ["x"], ["y"], **attrs)], {"x": x}, ["y"], opset=18, rtol=1e-5,
          atol=1e-6)


@pytest.mark.parametrize("approx", ["none", "tanh"])
def test_gelu(check, approx):
    x = rand(2, 7, low=-4, high=4)
    check([N("Gelu", ["x"], ["y"], approximate=approx)], {"x": x}, ["y"], opset=20)


def test_swish(check):
    check([N("Swish", ["x"], ["y"], alpha=1.5)], {"x": rand(4, 4)}, ["y"], opset=24)


def test_prelu_broadcast(check):
    x, s = rand(2, 3, 4, 4), rand(3, 1, 1)
    check([N("PRelu", ["x", "s"], ["y"])], {"x": x, "s": s}, ["y"])


@pytest.mark.parametrize("dtype", [np.float32, np.int32])
def test_clip_inputs(check, dtype):
    x = rand(4, 5, dtype=dtype, low=-10, high=10)
    lo, hi = np.array(-3, dtype), np.array(4, dtype)
    check([N("Clip", ["x", "lo", "hi"], ["y"])], {"x": x}, ["y"], opset=13,
          initializers={"lo": lo, "hi": hi})


def test_clip_min_greater_than_max(check):
    x = rand(6, low=-5, high=5)
    check([N("Clip", ["x", "lo", "hi"], ["y"])], {"x": x}, ["y"], opset=13,
          initializers={"lo": np.float32(2), "hi": np.float32(1)})


def test_clip_runtime_bounds_and_attrs(check):
    x, lo = rand(6, low=-5, high=5), np.array(-1.0, np.float32)
    check([N("Clip", ["x", "lo", ""], ["y"])], {"x": x, "lo": lo}, ["y"], opset=13)
    check([N("Clip", ["x"], ["y"], min=-0.5, max=0.5)], {"x": x}, ["y"], opset=6)


@pytest.mark.parametrize("op", ["Softmax", "LogSoftmax", "Hardmax"])
@pytest.mark.parametrize("axis", [1, -1])
def test_softmax_family(check, op, axis):
    x = rand(2, 3, 4, low=-3, high=3)
    x[0, 0, :2] = 2.5  # a tie for Hardmax: the first wins
    check([N(op, ["x"], ["y"], axis=axis)], {"x": x}, ["y"], opset=13, rtol=1e-5)


def _softmax_2d(x: np.ndarray, op: str) -> np.ndarray:
    x = x.astype(np.float64)
    if op == "Hardmax":
        y = np.zeros_like(x)
        y[np.arange(len(x)), x.argmax(axis=1)] = 1
        return y
    e = np.exp(x - x.max(axis=1, keepdims=True))
    s = e / e.sum(axis=1, keepdims=True)
    return np.log(s) if op == "LogSoftmax" else s


@pytest.mark.parametrize("op", ["Softmax", "LogSoftmax", "Hardmax"])
@pytest.mark.parametrize("axis", [0, 1, 2])
def test_softmax_family_opset11_coerces_to_2d(op, axis):
    # before opset 13 the input is coerced to 2-D [prod(:axis), prod(axis:)]
    # (onnx.reference ignores that, so the expected values are computed here)
    from onnx_testlib import make_model

    from webnnpy.models.onnx import load

    x = rand(2, 3, 4, low=-3, high=3)
    m = make_model([N(op, ["x"], ["y"], axis=axis)], {"x": x}, ["y"], opset=11)
    got = load(m).run({"x": x})["y"]
    rows = int(np.prod(x.shape[:axis]))
    want = _softmax_2d(x.reshape(rows, -1), op).reshape(x.shape)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_log_softmax_large_inputs():
    from onnx_testlib import make_model

    from webnnpy.models.onnx import load

    x = np.array([[0, 1, 2, 10000]], np.float32)
    m = make_model([N("LogSoftmax", ["x"], ["y"])], {"x": x}, ["y"], opset=13)
    got = load(m).run({"x": x})["y"]
    np.testing.assert_allclose(got, [[-10000, -9999, -9998, 0]], rtol=1e-6)
