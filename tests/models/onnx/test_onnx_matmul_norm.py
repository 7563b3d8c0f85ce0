"""MatMul/Gemm/Einsum and the normalization handlers against onnx.reference."""

from __future__ import annotations

import numpy as np
import pytest
from onnx import helper
from onnx_testlib import make_model, rand

from webnnpy.models.onnx import load

N = helper.make_node


@pytest.mark.parametrize("sa,sb", [((3, 4), (4, 5)), ((2, 3, 4), (4, 5)),
                                   ((4,), (2, 4, 3)), ((2, 1, 3, 4), (5, 4, 2)),
                                   ((4,), (4,)), ((2, 3, 4), (4,))])
def test_matmul(check, sa, sb):
    check([N("MatMul", ["a", "b"], ["y"])], {"a": rand(*sa), "b": rand(*sb)}, ["y"],
          rtol=1e-5, atol=1e-6)


def test_matmul_integer(check):
    a = rand(3, 4, dtype=np.uint8, low=0, high=255)
    b = rand(4, 5, dtype=np.int8, low=-128, high=127)
    check([N("MatMulInteger", ["a", "b", "az", "bz"], ["y"])], {"a": a, "b": b}, ["y"],
          initializers={"az": np.array(7, np.uint8), "bz": np.array(-3, np.int8)})


def test_matmul_integer_per_row_zero_point():
    # (onnx.reference cannot broadcast a per-row a_zero_point)
    a = rand(3, 4, dtype=np.uint8, low=0, high=255)
    b = rand(4, 5, dtype=np.uint8, low=0, high=255)
    az, bz = np.array([1, 2, 3], np.uint8), np.array([4, 5, 6, 7, 8], np.uint8)
    m = make_model([N("MatMulInteger", ["a", "b", "az", "bz"], ["y"])],
                   {"a": a, "b": b}, ["y"], initializers={"az": az, "bz": bz})
    want = (a.astype(np.int32) - az[:, None]) @ (b.astype(np.int32) - bz)
    np.testing.assert_array_equal(load(m).run({"a": a, "b": b})["y"], want)


def test_qlinear_matmul(check):
    a = rand(2, 3, 4, dtype=np.uint8, low=0, high=255)
    b = rand(4, 5, dtype=np.uint8, low=0, high=255)
    init = {"as": np.float32(0.02), "az": np.uint8(120), "bs": np.float32(0.01),
            "bz": np.uint8(130), "ys": np.float32(0.05), "yz": np.uint8(125)}
    check([N("QLinearMatMul", ["a", "as", "az", "b", "bs", "bz", "ys", "yz"], ["y"])],
          {"a": a, "b": b}, ["y"], initializers=init)


@pytest.mark.parametrize("attrs,c_shape", [
    ({}, None), ({"transA": 1, "alpha": 0.5}, (5,)), ({"transB": 1, "beta": 2.0}, (3, 1)),
    ({"transA": 1, "transB": 1}, (3, 5))])
def test_gemm(check, attrs, c_shape):
    a = rand(4, 3) if attrs.get("transA") else rand(3, 4)
    b = rand(5, 4) if attrs.get("transB") else rand(4, 5)
    ins = {"a": a, "b": b}
    names = ["a", "b"]
    if c_shape:
        ins["c"] = rand(*c_shape)
        names.append("c")
    check([N("Gemm", names, ["y"], **attrs)], ins, ["y"], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("eq,shapes", [
    ("ij->ji", [(3, 4)]), ("ij->", [(3, 4)]), ("ii->i", [(4, 4)]),
    ("...ii->...i", [(2, 3, 3)]), ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),
    ("i,i", [(5,), (5,)]), ("ij,jk", [(3, 4), (4, 2)]), ("i,j->ij", [(3,), (4,)]),
    ("bhqd,bhkd->bhqk", [(1, 2, 3, 4), (1, 2, 5, 4)]),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 5)])])
def test_einsum(check, eq, shapes):
    ins = {f"x{i}": rand(*s) for i, s in enumerate(shapes)}
    check([N("Einsum", list(ins), ["y"], equation=eq)], ins, ["y"], rtol=1e-5,
          atol=1e-6)


def test_batch_norm(check):
    c = 3
    ins = {"x": rand(2, c, 4, 5)}
    init = {"s": rand(c), "b": rand(c), "m": rand(c), "v": rand(c, low=0.5, high=2)}
    check([N("BatchNormalization", ["x", "s", "b", "m", "v"], ["y"], epsilon=1e-3)],
          ins, ["y"], initializers=init, rtol=1e-5)


@pytest.mark.parametrize("rank", [3, 4, 5])
def test_instance_norm(check, rank):
    x = rand(*([2, 3, 4, 5, 2][:rank]))
    check([N("InstanceNormalization", ["x", "s", "b"], ["y"])], {"x": x}, ["y"],
          initializers={"s": rand(3), "b": rand(3)}, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("axis", [-1, 1, 0])
def test_layer_norm(check, axis):
    x = rand(2, 3, 4)
    shape = x.shape[axis:]
    check([N("LayerNormalization", ["x", "s", "b"], ["y"], axis=axis)], {"x": x},
          ["y"], initializers={"s": rand(*shape), "b": rand(*shape)}, rtol=1e-4,
          atol=1e-5)


def test_layer_norm_statistics_outputs(check):
    # Mean and InvStdDev come from LayerNormalization's ONNX function body
    x = rand(2, 3, 4)
    check([N("LayerNormalization", ["x", "s"], ["y", "mean", "inv"], axis=1)],
          {"x": x}, ["y", "mean", "inv"], initializers={"s": rand(3, 4)}, rtol=1e-4,
          atol=1e-5)


@pytest.mark.parametrize("opset", [18, 21])
def test_group_norm(check, opset):
    groups = 2
    c = 4
    n_scale = groups if opset == 18 else c
    check([N("GroupNormalization", ["x", "s", "b"], ["y"], num_groups=groups)],
          {"x": rand(2, c, 3, 3)}, ["y"], opset=opset,
          initializers={"s": rand(n_scale), "b": rand(n_scale)}, rtol=1e-4, atol=1e-5)


def test_rms_norm(check):
    check([N("RMSNormalization", ["x", "s"], ["y"], axis=-1)], {"x": rand(2, 3, 4)},
          ["y"], opset=23, initializers={"s": rand(4)}, rtol=1e-5)


@pytest.mark.parametrize("p", [1, 2])
def test_lp_normalization(p):
    # (onnx.reference sums x ** p without abs(), wrong for p=1 and negative x)
    x = rand(3, 4)
    x[1] = 0  # a zero norm gives 0, as onnx.reference does
    m = make_model([N("LpNormalization", ["x"], ["y"], axis=1, p=p)], {"x": x}, ["y"])
    norm = (np.abs(x.astype(np.float64)) ** p).sum(axis=1, keepdims=True) ** (1 / p)
    with np.errstate(invalid="ignore"):
        want = np.where(norm == 0, 0, x / norm)
    np.testing.assert_allclose(load(m).run({"x": x})["y"], want, rtol=1e-5)


def test_mean_variance_normalization(check):
    check([N("MeanVarianceNormalization", ["x"], ["y"])], {"x": rand(2, 3, 4, 5)},
          ["y"], rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("size", [3, 4])
def test_lrn(size):
    # expected values from the ONNX spec's formula (onnx.reference's loop runs
    # over the batch axis instead of the channels)
    x = rand(2, 6, 3, 3).astype(np.float64)
    alpha, beta, bias = 0.01, 0.6, 1.5
    m = make_model([N("LRN", ["x"], ["y"], size=size, alpha=alpha, beta=beta,
                      bias=bias)], {"x": x.astype(np.float32)}, ["y"])
    sq = np.zeros_like(x)
    lo_n, hi_n = (size - 1) // 2, -(-(size - 1) // 2)
    for c in range(x.shape[1]):
        sq[:, c] = (x[:, max(0, c - lo_n):c + hi_n + 1] ** 2).sum(axis=1)
    want = x / (bias + alpha / size * sq) ** beta
    got = load(m).run({"x": x.astype(np.float32)})["y"]
    np.testing.assert_allclose(got, want, rtol=1e-5)
