"""Reductions, ArgMax/ArgMin, CumSum against onnx.reference."""

from __future__ import annotations

import numpy as np
import pytest
from onnx import helper
from onnx_testlib import rand

N = helper.make_node
I64 = np.int64
REDUCE = ["ReduceL1", "ReduceL2", "ReduceLogSum", "ReduceLogSumExp", "ReduceMax",
          "ReduceMean", "ReduceMin", "ReduceProd", "ReduceSum", "ReduceSumSquare"]


@pytest.mark.parametrize("op", REDUCE)
@pytest.mark.parametrize("keepdims", [0, 1])
def test_reduce_axes_input(check, op, keepdims):
    x = rand(2, 3, 4, low=0.5, high=2)
    check([N(op, ["x", "a"], ["y"], keepdims=keepdims)], {"x": x}, ["y"], opset=18,
          initializers={"a": np.array([0, -1], I64)}, rtol=1e-5)


@pytest.mark.parametrize("op", REDUCE)
def test_reduce_axes_attribute_and_default(check, op):
    x = rand(2, 3, 4, low=0.5, high=2)
    if op == "ReduceSum":
        check([N(op, ["x"], ["y"], axes=[1])], {"x": x}, ["y"], opset=11, rtol=1e-5)
    else:
        check([N(op, ["x"], ["y"], axes=[1])], {"x": x}, ["y"], opset=13, rtol=1e-5)
    check([N(op, ["x"], ["y"])], {"x": x}, ["y"], opset=13, rtol=1e-5)


def test_reduce_noop_with_empty_axes(check):
    check([N("ReduceSum", ["x", "a"], ["y"], noop_with_empty_axes=1)],
          {"x": rand(2, 3)}, ["y"], opset=13,
          initializers={"a": np.zeros(0, I64)})


@pytest.mark.parametrize("op", ["ArgMax", "ArgMin"])
@pytest.mark.parametrize("last", [0, 1])
@pytest.mark.parametrize("keepdims", [0, 1])
def test_arg(check, op, last, keepdims):
    x = rand(3, 5, dtype=np.int32, low=0, high=3)  # many ties
    check([N(op, ["x"], ["y"], axis=1, keepdims=keepdims, select_last_index=last)],
          {"x": x}, ["y"], opset=13)


@pytest.mark.parametrize("exclusive", [0, 1])
@pytest.mark.parametrize("reverse", [0, 1])
def test_cumsum(check, exclusive, reverse):
    check([N("CumSum", ["x", "a"], ["y"], exclusive=exclusive, reverse=reverse)],
          {"x": rand(3, 4)}, ["y"], initializers={"a": np.array(1, I64)})
