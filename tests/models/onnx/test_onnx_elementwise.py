"""Element-wise and logical handlers against onnx.reference."""

from __future__ import annotations

import numpy as np
import pytest
from onnx import helper
from onnx_testlib import rand

N = helper.make_node

BINARY = ["Add", "Sub", "Mul", "Div", "Max", "Min"]


@pytest.mark.parametrize("op", BINARY)
@pytest.mark.parametrize("dtype", [np.float32, np.float16, np.int32, np.int64])
def test_binary_broadcast(check, op, dtype):
    a = rand(2, 3, 4, dtype=dtype, low=-9, high=9)
    b = rand(3, 1, dtype=dtype, low=1, high=9)
    tol = 1e-3 if dtype == np.float16 else 1e-6
    check([N(op, ["a", "b"], ["y"])], {"a": a, "b": b}, ["y"], rtol=tol)


def test_legacy_broadcast_axis(check):
    # opset 6: B broadcast onto A from axis 1
    a, b = rand(2, 3, 4), rand(3)
    node = N("Add", ["a", "b"], ["y"], broadcast=1, axis=1)
    from onnx_testlib import make_model

    from webnnpy.models.onnx import load
    m = make_model([node], {"a": a, "b": b}, ["y"], opset=6)
    got = load(m).run({"a": a, "b": b})["y"]
    np.testing.assert_allclose(got, a + b[None, :, None], rtol=1e-6)


@pytest.mark.parametrize("y_dtype", [np.float32, np.int64, np.int32])
def test_pow_mixed_types(check, y_dtype):
    x = rand(3, 4, low=0.5, high=2)
    y = rand(3, 4, dtype=y_dtype, low=0, high=3)
    check([N("Pow", ["x", "y"], ["z"])], {"x": x, "y": y}, ["z"], rtol=1e-5)


def test_pow_int_base_float_exponent(check):
    x = rand(5, dtype=np.int64, low=1, high=5)
    y = np.array([0.0, 1.0, 2.0, 0.5, 3.0], np.float32)
    check([N("Pow", ["x", "y"], ["z"])], {"x": x, "y": y}, ["z"])


@pytest.mark.parametrize("fmod", [0, 1])
@pytest.mark.parametrize("dtype", [np.int32, np.int64, np.float32])
def test_mod(check, fmod, dtype):
    opset = 28 if dtype == np.float32 and fmod == 0 else 17  # float floor-mod: 28
    a = rand(4, 5, dtype=dtype, low=-20, high=20)
    b = rand(4, 5, dtype=dtype, low=1, high=6) * np.where(rand(4, 5) < 0, -1, 1).astype(dtype)
    check([N("Mod", ["a", "b"], ["c"], fmod=fmod)], {"a": a, "b": b}, ["c"], rtol=1e-5,
          atol=1e-5, opset=opset)


@pytest.mark.parametrize("op", ["Sum", "Mean", "Max", "Min"])
def test_variadic(check, op):
    ins = {"a": rand(2, 3), "b": rand(3), "c": rand(2, 1)}
    check([N(op, list(ins), ["y"])], ins, ["y"])


def test_variadic_single_input_graph_output(check):
    check([N("Sum", ["a"], ["y"])], {"a": rand(2, 3)}, ["y"])


UNARY = {
    "Abs": (-3, 3), "Neg": (-3, 3), "Sign": (-3, 3), "Ceil": (-3, 3),
    "Floor": (-3, 3), "Round": (-3, 3), "Sqrt": (0.1, 3), "Reciprocal": (0.5, 3),
    "Exp": (-2, 2), "Log": (0.1, 3), "Sin": (-3, 3), "Cos": (-3, 3),
    "Tan": (-1, 1), "Erf": (-2, 2), "Sinh": (-2, 2), "Cosh": (-2, 2),
    "Identity": (-3, 3),
}


@pytest.mark.parametrize("op", sorted(UNARY))
def test_unary(check, op):
    lo, hi = UNARY[op]
    x = rand(3, 4, low=lo, high=hi)
    if op == "Round":
        x[0, :3] = [0.5, 1.5, -2.5]  # halves round to even
    check([N(op, ["x"], ["y"])], {"x": x}, ["y"], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("op", ["Abs", "Sign", "Relu"])
def test_unsigned_unary(check, op):
    x = rand(6, dtype=np.uint8, low=0, high=200)
    check([N(op, ["x"], ["y"])], {"x": x}, ["y"], opset=14)


@pytest.mark.parametrize("op", ["Equal", "Less", "LessOrEqual", "Greater",
                                "GreaterOrEqual"])
def test_compare(check, op):
    a = rand(3, 4, dtype=np.int32, low=-3, high=3)
    b = rand(4, dtype=np.int32, low=-3, high=3)
    got = check([N(op, ["a", "b"], ["y"])], {"a": a, "b": b}, ["y"])
    assert got["y"].dtype == np.bool_


@pytest.mark.parametrize("op", ["And", "Or", "Xor"])
def test_logical(check, op):
    a, b = rand(3, 4, dtype=np.bool_), rand(4, dtype=np.bool_)
    check([N(op, ["a", "b"], ["y"])], {"a": a, "b": b}, ["y"])


def test_not_and_where(check):
    c = rand(3, 4, dtype=np.bool_)
    x, y = rand(3, 4), rand(4)
    check([N("Not", ["c"], ["nc"]), N("Where", ["nc", "x", "y"], ["z"])],
          {"c": c, "x": x, "y": y}, ["nc", "z"])


def test_where_bool_values(check):
    c, x, y = (rand(5, dtype=np.bool_) for _ in range(3))
    got = check([N("Where", ["c", "x", "y"], ["z"])], {"c": c, "x": x, "y": y}, ["z"])
    assert got["z"].dtype == np.bool_


@pytest.mark.parametrize("neg,pos", [(1, 1), (1, 0), (0, 1)])
def test_isinf_isnan(check, neg, pos):
    x = np.array([1.0, np.inf, -np.inf, np.nan, 0.0], np.float32)
    check([N("IsInf", ["x"], ["a"], detect_negative=neg, detect_positive=pos),
           N("IsNaN", ["x"], ["b"])], {"x": x}, ["a", "b"])
