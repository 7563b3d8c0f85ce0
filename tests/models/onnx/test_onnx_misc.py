"""Cast/CastLike, Dropout, If and function ops expanded through their ONNX
function bodies, against onnx.reference."""

from __future__ import annotations

import numpy as np
import pytest
from onnx import TensorProto, helper
from onnx_testlib import make_model, rand

from webnnpy.models.onnx import UnsupportedNodeError, inspect, load

N = helper.make_node


@pytest.mark.parametrize("src,to", [
    (np.float32, TensorProto.FLOAT16), (np.float32, TensorProto.INT32),
    (np.float16, TensorProto.FLOAT), (np.int64, TensorProto.INT8),
    (np.float32, TensorProto.BOOL), (np.bool_, TensorProto.FLOAT),
    (np.uint8, TensorProto.BOOL), (np.bool_, TensorProto.INT64)])
def test_cast(check, src, to):
    x = rand(3, 4, dtype=src, low=-5, high=5) if np.dtype(src).kind != "u" else \
        rand(3, 4, dtype=src, low=0, high=3)
    if np.dtype(src) == np.float32:
        x[0, 0] = 0.0
    check([N("Cast", ["x"], ["y"], to=to)], {"x": x}, ["y"])


def test_cast_to_double_is_rejected(ref_ctx):
    m = make_model([N("Cast", ["x"], ["y"], to=TensorProto.DOUBLE)],
                   {"x": rand(2)}, ["y"])
    with pytest.raises(UnsupportedNodeError, match=r"Cast.*double"):
        load(m, context=ref_ctx)


def test_cast_like(check):
    check([N("CastLike", ["x", "t"], ["y"])], {"x": rand(3)}, ["y"],
          initializers={"t": np.zeros(1, np.int32)})


@pytest.mark.parametrize("opset", [7, 13])
def test_dropout_inference(check, opset):
    outs = ["y", "m"] if opset >= 12 else ["y"]
    check([N("Dropout", ["x"], outs)], {"x": rand(3, 4)}, outs, opset=opset)


def test_if_with_constant_condition(check):
    then_g = helper.make_graph([N("Add", ["x", "x"], ["t"])], "then", [],
                               [helper.make_value_info("t", helper.make_tensor_type_proto(
                                   TensorProto.FLOAT, [3]))])
    else_g = helper.make_graph([N("Neg", ["x"], ["e"])], "else", [],
                               [helper.make_value_info("e", helper.make_tensor_type_proto(
                                   TensorProto.FLOAT, [3]))])
    for cond in (True, False):
        check([N("If", ["c"], ["y"], then_branch=then_g, else_branch=else_g)],
              {"x": rand(3)}, ["y"], initializers={"c": np.array(cond)})


def test_function_op_is_expanded(ref_ctx):
    # NegativeLogLikelihoodLoss has no handler: its ONNX function body maps
    x = rand(3, 5)
    t = np.array([1, 0, 4], np.int64)
    nodes = [N("NegativeLogLikelihoodLoss", ["x", "t"], ["y"], reduction="mean")]
    m = make_model(nodes, {"x": x, "t": t}, ["y"], opset=13)
    got = load(m, context=ref_ctx).run({"x": x, "t": t})["y"]
    # expected in float64 (the reference computes in float64 and rounds once); the mean of
    # three picks can cancel, so the bound is absolute, a few float32 ULPs of the inputs
    want = -x.astype(np.float64)[np.arange(3), t].mean()
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=4 * np.finfo(np.float32).eps)
    node = inspect(m).nodes[0]
    assert node.status == "webnn" and node.expanded and node.webnn_ops


def test_center_crop_pad_through_function(check):
    check([N("CenterCropPad", ["x", "s"], ["y"])], {"x": rand(5, 3)}, ["y"],
          opset=18, initializers={"s": np.array([3, 6], np.int64)})


def test_attention_through_function(check):
    q, k, v = rand(1, 2, 3, 4), rand(1, 2, 5, 4), rand(1, 2, 5, 4)
    check([N("Attention", ["q", "k", "v"], ["y"], is_causal=1)],
          {"q": q, "k": k, "v": v}, ["y"], opset=23, rtol=1e-5)
