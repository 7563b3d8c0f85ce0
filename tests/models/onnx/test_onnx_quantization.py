"""Quantize/DequantizeLinear and DynamicQuantizeLinear against onnx.reference."""

from __future__ import annotations

import numpy as np
import pytest
from onnx import helper
from onnx_testlib import rand

N = helper.make_node


@pytest.mark.parametrize("zp_dtype", [np.uint8, np.int8])
def test_quantize_per_tensor(check, zp_dtype):
    x = rand(3, 4, low=-3, high=3)
    check([N("QuantizeLinear", ["x", "s", "z"], ["y"])], {"x": x}, ["y"],
          initializers={"s": np.float32(0.02), "z": np.array(3, zp_dtype)})


def test_quantize_no_zero_point(check):
    check([N("QuantizeLinear", ["x", "s"], ["y"])], {"x": rand(5, low=0, high=3)},
          ["y"], initializers={"s": np.float32(0.05)})


def test_quantize_dequantize_per_axis(check):
    x = rand(2, 3, 4, low=-2, high=2)
    init = {"s": np.array([0.01, 0.02, 0.03], np.float32),
            "z": np.array([0, 10, -5], np.int8)}
    check([N("QuantizeLinear", ["x", "s", "z"], ["q"], axis=1),
           N("DequantizeLinear", ["q", "s", "z"], ["y"], axis=1)], {"x": x},
          ["q", "y"], opset=19, initializers=init)


def test_dequantize_blocked(check):
    q = rand(2, 6, dtype=np.uint8, low=0, high=255)
    init = {"s": rand(2, 3, low=0.01, high=0.1), "z": rand(2, 3, dtype=np.uint8,
                                                         low=0, high=255)}
    check([N("DequantizeLinear", ["q", "s", "z"], ["y"], axis=1, block_size=2)],
          {"q": q}, ["y"], opset=21, initializers=init)


def test_dequantize_int32(check):
    check([N("DequantizeLinear", ["q", "s"], ["y"])],
          {"q": rand(4, dtype=np.int32, low=-1000, high=1000)}, ["y"], opset=19,
          initializers={"s": np.float32(0.5)})


def test_dynamic_quantize(check):
    x = np.array([0, 2, -3, -2.5, 1.34, 0.5, 7.1], np.float32)
    check([N("DynamicQuantizeLinear", ["x"], ["y", "s", "z"])], {"x": x},
          ["y", "s", "z"])


def test_quantized_weights_stay_quantized():
    # DequantizeLinear of a weight is a WebNN dequantizeLinear, not a float
    # constant made at import
    from onnx_testlib import make_model

    from webnnpy.models.onnx import inspect
    w = rand(64, 32, dtype=np.int8, low=-100, high=100)
    m = make_model([N("DequantizeLinear", ["w", "s"], ["wf"]),
                    N("MatMul", ["x", "wf"], ["y"])], {"x": rand(2, 64)}, ["y"],
                   initializers={"w": w, "s": np.float32(0.01)})
    ops = inspect(m).webnn_ops()
    assert ops["dequantize_linear"] == 1 and ops["matmul"] == 1
