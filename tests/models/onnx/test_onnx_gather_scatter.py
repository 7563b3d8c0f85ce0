"""Gather/scatter handlers (and OneHot, Compress) against onnx.reference."""

from __future__ import annotations

import numpy as np
import pytest
from onnx import helper
from onnx_testlib import rand

N = helper.make_node
I64 = np.int64


@pytest.mark.parametrize("axis", [0, 1, -1])
@pytest.mark.parametrize("const_idx", [True, False])
def test_gather(check, axis, const_idx):
    x = rand(3, 4, 5)
    idx = np.array([[0, -1], [2, 1]], I64)
    if const_idx:
        check([N("Gather", ["x", "i"], ["y"], axis=axis)], {"x": x}, ["y"],
              initializers={"i": idx})
    else:
        check([N("Gather", ["x", "i"], ["y"], axis=axis)], {"x": x, "i": idx}, ["y"])


def test_gather_scalar_index_on_shape(check):
    check([N("Gather", ["x", "i"], ["y"], axis=1)], {"x": rand(3, 4)}, ["y"],
          initializers={"i": np.array(2, I64)})


def test_gather_elements(check):
    x = rand(3, 4)
    idx = np.array([[0, 1, 2, 0], [2, 0, 0, 1]], I64)
    check([N("GatherElements", ["x", "i"], ["y"], axis=0)], {"x": x, "i": idx}, ["y"])


@pytest.mark.parametrize("batch_dims", [0, 1])
def test_gather_nd(check, batch_dims):
    x = rand(2, 3, 4)
    idx = np.array([[[1, 2]], [[0, 3]]], I64) if batch_dims else \
        np.array([[0, 1], [1, 2]], I64)
    check([N("GatherND", ["x", "i"], ["y"], batch_dims=batch_dims)],
          {"x": x, "i": idx}, ["y"])


def test_scatter_elements_and_nd(check):
    x = rand(3, 4)
    idx = np.array([[1, 0, 2, 1]], I64)
    upd = rand(1, 4)
    check([N("ScatterElements", ["x", "i", "u"], ["y"], axis=0)],
          {"x": x, "i": idx, "u": upd}, ["y"])
    nd_idx = np.array([[2], [0]], I64)
    check([N("ScatterND", ["x", "i", "u"], ["y"])],
          {"x": x, "i": nd_idx, "u": rand(2, 4)}, ["y"])


def test_scatter_reduction_is_rejected(ref_ctx):
    from onnx_testlib import make_model

    from webnnpy.models.onnx import UnsupportedNodeError, load
    x = rand(3, 4)
    m = make_model([N("ScatterND", ["x", "i", "u"], ["y"], reduction="add")],
                   {"x": x, "i": np.array([[1]], I64), "u": rand(1, 4)}, ["y"],
                   opset=18)
    with pytest.raises(UnsupportedNodeError, match=r"ScatterND.*reduction='add'"):
        load(m, context=ref_ctx)


@pytest.mark.parametrize("axis", [-1, 0, 1])
def test_one_hot(check, axis):
    idx = np.array([[0, 2, -1], [5, 1, -3]], I64)  # 5 is out of range: all off
    check([N("OneHot", ["i", "d", "v"], ["y"], axis=axis)], {"i": idx}, ["y"],
          opset=11, initializers={"d": np.array(3, I64),
                                  "v": np.array([-1.0, 2.0], np.float32)})


def test_compress(check):
    check([N("Compress", ["x", "c"], ["y"], axis=1)], {"x": rand(2, 4)}, ["y"],
          initializers={"c": np.array([True, False, True])})
