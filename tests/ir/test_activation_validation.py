"""Validation steps of the activation ops, and their shape inference and
normalized attributes (no backend run)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import webnnpy
from helpers import type_error


def _in(b, name, dtype, shape):
    return b.input(name, {"data_type": dtype, "shape": shape})


def _attrs(operand):
    return operand._value.producer.attrs


# method -> a valid call given the builder and an input operand
CALLS = {
    "clamp": lambda b, x: b.clamp(x, min_value=0, max_value=1),
    "elu": lambda b, x: b.elu(x),
    "gelu": lambda b, x: b.gelu(x),
    "hardSigmoid": lambda b, x: b.hard_sigmoid(x),
    "hardSwish": lambda b, x: b.hard_swish(x),
    "leakyRelu": lambda b, x: b.leaky_relu(x),
    "linear": lambda b, x: b.linear(x),
    "prelu": lambda b, x: b.prelu(x, x),
    "relu": lambda b, x: b.relu(x),
    "sigmoid": lambda b, x: b.sigmoid(x),
    "softmax": lambda b, x: b.softmax(x, 1),
    "softplus": lambda b, x: b.softplus(x),
    "softsign": lambda b, x: b.softsign(x),
    "tanh": lambda b, x: b.tanh(x),
}
FLOAT_ONLY = ["elu", "gelu", "hardSigmoid", "hardSwish", "leakyRelu", "linear",
              "sigmoid", "softmax", "softplus", "softsign", "tanh"]


# ------------------------------------------------------ steps common to all


@pytest.mark.parametrize("op", sorted(CALLS))
def test_shape_and_type_inference(builder, op):
    x = _in(builder, "x", "float16", [2, 3, 4])
    y = CALLS[op](builder, x)
    assert y.shape == (2, 3, 4) and y.data_type == "float16"


@pytest.mark.parametrize("op", sorted(CALLS))
def test_can_not_build_after_build(builder, op):
    x = _in(builder, "x", "float32", [2, 3])
    builder.build({"y": builder.relu(x)})
    with pytest.raises(webnnpy.InvalidStateError, match=rf"{op}: .*already built"):
        CALLS[op](builder, x)


@pytest.mark.parametrize("op", sorted(CALLS))
def test_can_not_build_when_context_lost(ref_context, op):
    b = webnnpy.MLGraphBuilder(ref_context)
    x = _in(b, "x", "float32", [2, 3])
    ref_context.destroy()
    with pytest.raises(webnnpy.InvalidStateError, match=rf"{op}: .*context is lost"):
        CALLS[op](b, x)


@pytest.mark.parametrize("op", sorted(CALLS))
def test_operand_from_another_builder(ref_context, op):
    other = webnnpy.MLGraphBuilder(ref_context)
    b = webnnpy.MLGraphBuilder(ref_context)
    x = _in(other, "x", "float32", [2, 3])
    with type_error(f"{op}:", "input", "another MLGraphBuilder"):
        CALLS[op](b, x)


@pytest.mark.parametrize("op", sorted(CALLS))
def test_input_must_be_an_operand(builder, op):
    with type_error(f"{op}:", "input must be an MLOperand"):
        CALLS[op](builder, np.zeros((2, 3), np.float32))


@pytest.mark.parametrize("op", FLOAT_ONLY)
@pytest.mark.parametrize("dtype", ["int32", "int8", "uint8", "int64"])
def test_float_only_input_type(builder, op, dtype):
    x = _in(builder, "x", dtype, [2, 3])
    with type_error(f"{op}:", f"input has data type {dtype}",
                    "expected one of float32, float16"):
        CALLS[op](builder, x)


@pytest.mark.parametrize("op", ["relu", "prelu"])
@pytest.mark.parametrize("dtype", ["uint8", "uint32", "uint64"])
def test_relu_prelu_reject_unsigned(builder, op, dtype):
    x = _in(builder, "x", dtype, [2, 3])
    with type_error(f"{op}:", f"input has data type {dtype}",
                    "float32, float16, int32, int64, int8"):
        CALLS[op](builder, x)


def test_label_is_in_messages(builder):
    x = _in(builder, "x", "int32", [2])
    with type_error("[act1]", "gelu:", "input has data type int32"):
        builder.gelu(x, label="act1")


# ------------------------------------------------ double options (alpha, beta)

OPTION_CALLS = [
    ("elu", "alpha"), ("leaky_relu", "alpha"), ("linear", "alpha"),
    ("linear", "beta"), ("hard_sigmoid", "alpha"), ("hard_sigmoid", "beta"),
]


@pytest.mark.parametrize(("method", "name"), OPTION_CALLS)
@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_double_option_must_be_finite(builder, method, name, bad):
    x = _in(builder, "x", "float32", [2])
    with type_error(f"{name} must be finite"):
        getattr(builder, method)(x, **{name: bad})


@pytest.mark.parametrize(("method", "name"), OPTION_CALLS)
@pytest.mark.parametrize("bad", ["0.5", True, [1.0]])
def test_double_option_must_be_a_number(builder, method, name, bad):
    x = _in(builder, "x", "float32", [2])
    with type_error(f"{name} must be a number"):
        getattr(builder, method)(x, **{name: bad})


def test_double_options_defaults_are_resolved(builder):
    x = _in(builder, "x", "float32", [2])
    assert _attrs(builder.elu(x)) == {"alpha": 1.0}
    assert _attrs(builder.leaky_relu(x)) == {"alpha": float(np.float32(0.01))}
    assert _attrs(builder.linear(x)) == {"alpha": 1.0, "beta": 0.0}
    assert _attrs(builder.hard_sigmoid(x)) == {"alpha": float(np.float32(0.2)),
                                               "beta": 0.5}
    for op in ("gelu", "hard_swish", "relu", "sigmoid", "softplus", "softsign",
               "tanh"):
        assert _attrs(getattr(builder, op)(x)) == {}


def test_double_option_none_means_the_default(builder):
    # None is how Python says "not given" (JavaScript's undefined)
    x = _in(builder, "x", "float32", [2])
    assert _attrs(builder.elu(x, alpha=None)) == {"alpha": 1.0}
    assert _attrs(builder.linear(x, alpha=None, beta=None)) == {"alpha": 1.0,
                                                               "beta": 0.0}


def test_double_options_are_cast_to_the_input_type(builder):
    h = _in(builder, "h", "float16", [2])
    y = builder.hard_sigmoid(h, alpha=0.1, beta=1e6)
    assert _attrs(y) == {"alpha": float(np.float16(0.1)), "beta": math.inf}
    assert _attrs(builder.linear(h, alpha=3)) == {"alpha": 3.0, "beta": 0.0}
    f = _in(builder, "f", "float32", [2])
    assert _attrs(builder.elu(f, alpha=0.3)) == {"alpha": float(np.float32(0.3))}


# ---------------------------------------------------------------------- clamp


@pytest.mark.parametrize("dtype", ["float32", "float16", "int32", "uint32", "int64",
                                   "uint64", "int8", "uint8"])
def test_clamp_accepts_every_type(builder, dtype):
    x = _in(builder, "x", dtype, [3])
    y = builder.clamp(x, min_value=1, max_value=2)
    assert y.data_type == dtype and y.shape == (3,)


def test_clamp_min_greater_than_max(builder):
    x = _in(builder, "x", "float32", [3])
    with type_error("clamp:", "min_value 2", "greater than", "max_value 1"):
        builder.clamp(x, min_value=2, max_value=1)


def test_clamp_compares_the_cast_bounds(builder):
    # int8: 200 and 150 both cast to 127: equal, allowed
    i8 = _in(builder, "i8", "int8", [3])
    assert _attrs(builder.clamp(i8, min_value=200, max_value=150)) == {
        "minValue": 127, "maxValue": 127}
    # 1.5 -> 2 and 1.4 -> 1 as int32: 2 > 1
    i32 = _in(builder, "i32", "int32", [3])
    with type_error("clamp:", "min_value 1.5", "2", "max_value 1.4", "1"):
        builder.clamp(i32, min_value=1.5, max_value=1.4)
    # 64-bit bounds compare exactly (float64 would call them equal)
    i64 = _in(builder, "i64", "int64", [3])
    with type_error("clamp:", "greater than"):
        builder.clamp(i64, min_value=2**60 + 1, max_value=2**60)


@pytest.mark.parametrize("bad", ["1", True, [0], object()])
@pytest.mark.parametrize("name", ["min_value", "max_value"])
def test_clamp_bound_must_be_a_number(builder, name, bad):
    x = _in(builder, "x", "float32", [3])
    with type_error("clamp:", f"{name} must be a number"):
        builder.clamp(x, **{name: bad})


@pytest.mark.parametrize(("dtype", "lo", "hi"), [
    ("float32", -math.inf, math.inf),
    ("float16", -math.inf, math.inf),
    ("int8", -128, 127),
    ("uint8", 0, 255),
    ("int32", -(2**31), 2**31 - 1),
    ("uint32", 0, 2**32 - 1),
    ("int64", -(2**63), 2**63 - 1),
    ("uint64", 0, 2**64 - 1),
])
def test_clamp_omitted_bounds_resolve_to_the_type_range(builder, dtype, lo, hi):
    x = _in(builder, "x", dtype, [3])
    assert _attrs(builder.clamp(x)) == {"minValue": lo, "maxValue": hi}
    assert _attrs(builder.clamp(x, min_value=1))["maxValue"] == hi
    assert _attrs(builder.clamp(x, max_value=1))["minValue"] == lo


def test_clamp_bounds_are_cast(builder):
    h = _in(builder, "h", "float16", [3])
    a = _attrs(builder.clamp(h, min_value=0.1, max_value=1e6))
    assert a == {"minValue": float(np.float16(0.1)), "maxValue": math.inf}
    u = _in(builder, "u", "uint64", [3])
    a = _attrs(builder.clamp(u, min_value=-3, max_value=2**64 + 5))
    assert a == {"minValue": 0, "maxValue": 2**64 - 1}
    assert type(a["maxValue"]) is int
    i = _in(builder, "i", "int64", [3])
    a = _attrs(builder.clamp(i, min_value=-(2**53 + 1), max_value=2.5))
    assert a == {"minValue": -(2**53 + 1), "maxValue": 2}  # exact; half to even


# ------------------------------------------------------------------- softmax


def test_softmax_axis_out_of_range(builder):
    x = _in(builder, "x", "float32", [2, 3])
    with type_error("softmax:", "axis 2 is out of range", "rank 2"):
        builder.softmax(x, 2)


@pytest.mark.parametrize("bad", [-1, 1.0, "1", 2**32])
def test_softmax_axis_must_be_unsigned_long(builder, bad):
    x = _in(builder, "x", "float32", [2, 3])
    with type_error("softmax:", "axis must be an integer"):
        builder.softmax(x, bad)


def test_softmax_axis_is_required(builder):
    x = _in(builder, "x", "float32", [2, 3])
    with type_error("softmax:", "axis must be an integer", "got None"):
        builder.softmax(x, None)


def test_softmax_rejects_scalars(builder):
    x = _in(builder, "x", "float32", [])
    with type_error("softmax:", "input has rank 0", "expected rank 1"):
        builder.softmax(x, 0)


def test_softmax_attrs(builder):
    x = _in(builder, "x", "float32", [2, 3, 4])
    y = builder.softmax(x, 2)
    assert _attrs(y) == {"axis": 2} and y.shape == (2, 3, 4)


# --------------------------------------------------------------------- prelu


@pytest.mark.parametrize(("xshape", "sshape", "out"), [
    ([2, 3, 4], [4], (2, 3, 4)),
    ([2, 3, 4], [3, 1], (2, 3, 4)),
    ([3, 1], [2, 1, 4], (2, 3, 4)),
    ([], [5], (5,)),
    ([2, 3], [], (2, 3)),
])
def test_prelu_output_shape_broadcasts(builder, xshape, sshape, out):
    x = _in(builder, "x", "int32", xshape)
    s = _in(builder, "s", "int32", sshape)
    y = builder.prelu(x, s)
    assert y.shape == out and y.data_type == "int32"


def test_prelu_slope_type_must_match(builder):
    x = _in(builder, "x", "float32", [2, 3])
    s = _in(builder, "s", "float16", [3])
    with type_error("prelu:", "slope has data type float16", "input has float32"):
        builder.prelu(x, s)


def test_prelu_shapes_must_broadcast(builder):
    x = _in(builder, "x", "float32", [2, 3])
    s = _in(builder, "s", "float32", [2])
    with type_error("prelu:", "slope shape [2]", "input shape [2, 3]",
                    "not broadcastable"):
        builder.prelu(x, s)


def test_prelu_slope_from_another_builder(ref_context):
    b = webnnpy.MLGraphBuilder(ref_context)
    other = webnnpy.MLGraphBuilder(ref_context)
    x = _in(b, "x", "float32", [2])
    s = _in(other, "s", "float32", [2])
    with type_error("prelu:", "slope", "another MLGraphBuilder"):
        b.prelu(x, s)
