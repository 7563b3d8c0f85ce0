"""Validation steps of the element-wise ops (no backend run)."""

from __future__ import annotations

import pytest

import webnnpy
from helpers import type_error


def _in(b, name, dtype, shape):
    return b.input(name, {"data_type": dtype, "shape": shape})


def test_binary_output_shape_broadcasts(builder):
    a = _in(builder, "a", "float32", [2, 1, 4])
    b = _in(builder, "b", "float32", [3, 1])
    y = builder.add(a, b)
    assert y.shape == (2, 3, 4) and y.data_type == "float32"


def test_binary_types_must_match(builder):
    a = _in(builder, "a", "float32", [2])
    b = _in(builder, "b", "float16", [2])
    with type_error("sub:", "b has data type float16", "a has float32"):
        builder.sub(a, b)


def test_binary_shapes_must_broadcast(builder):
    a = _in(builder, "a", "float32", [2, 3])
    b = _in(builder, "b", "float32", [4])
    with type_error("mul:", "[2, 3]", "[4]", "not broadcastable"):
        builder.mul(a, b)


def test_operand_from_another_builder(ref_context):
    b1 = webnnpy.MLGraphBuilder(ref_context)
    b2 = webnnpy.MLGraphBuilder(ref_context)
    a = _in(b1, "a", "float32", [2])
    c = _in(b2, "c", "float32", [2])
    with type_error("add:", "b", "another MLGraphBuilder"):
        b1.add(a, c)


def test_operand_not_an_operand(builder):
    a = _in(builder, "a", "float32", [2])
    with type_error("add:", "b must be an MLOperand"):
        builder.add(a, 1.0)


def test_comparison_output_is_uint8(builder):
    a = _in(builder, "a", "int64", [2, 1])
    b = _in(builder, "b", "int64", [3])
    y = builder.lesser_or_equal(a, b)
    assert y.data_type == "uint8" and y.shape == (2, 3)


@pytest.mark.parametrize("op", ["logical_and", "logical_or", "logical_xor"])
def test_logical_requires_uint8(builder, op):
    a = _in(builder, "a", "int8", [2])
    b = _in(builder, "b", "int8", [2])
    with type_error("a has data type int8", "expected one of uint8"):
        getattr(builder, op)(a, b)


def test_logical_not_requires_uint8(builder):
    a = _in(builder, "a", "float32", [2])
    with type_error("logicalNot:", "a has data type float32", "uint8"):
        builder.logical_not(a)


@pytest.mark.parametrize("op", ["is_nan", "is_infinite"])
def test_is_nan_requires_float(builder, op):
    a = _in(builder, "a", "int32", [2])
    with type_error("a has data type int32", "float32, float16"):
        getattr(builder, op)(a)


@pytest.mark.parametrize("op", ["ceil", "cos", "erf", "exp", "floor", "log",
                                "reciprocal", "round_even", "sin", "sqrt", "tan"])
def test_float_only_unary(builder, op):
    x = _in(builder, "x", "int32", [2])
    with type_error("input has data type int32", "expected one of float32, float16"):
        getattr(builder, op)(x)


@pytest.mark.parametrize("op", ["abs", "neg", "sign"])
def test_signed_unary_rejects_unsigned(builder, op):
    x = _in(builder, "x", "uint32", [2])
    with type_error("input has data type uint32"):
        getattr(builder, op)(x)


def test_label_in_message(builder):
    a = _in(builder, "a", "float32", [2])
    b = _in(builder, "b", "int32", [2])
    with type_error("[my\\u202eadd]".replace("\\u202e", ""), "add:"):
        builder.add(a, b, label="my\u202eadd")


def test_label_must_be_a_string(builder):
    a = _in(builder, "a", "float32", [2])
    with type_error("abs: label must be a string"):
        builder.abs(a, label=3)


def test_after_build_every_op_raises_invalid_state(builder):
    a = _in(builder, "a", "float32", [2])
    builder.build({"y": builder.abs(a)})
    with pytest.raises(webnnpy.InvalidStateError, match=r"add: .*already built"):
        builder.add(a, a)


def test_lost_context_raises_invalid_state(ref_context):
    b = webnnpy.MLGraphBuilder(ref_context)
    a = _in(b, "a", "float32", [2])
    ref_context.destroy()
    with pytest.raises(webnnpy.InvalidStateError, match=r"neg: .*context is lost"):
        b.neg(a)


BINARY = ["add", "sub", "mul", "div", "max", "min", "pow"]
COMPARISON = ["equal", "not_equal", "greater", "greater_or_equal", "lesser",
              "lesser_or_equal"]


@pytest.mark.parametrize("op", BINARY + COMPARISON)
def test_every_binary_op_checks_type_and_broadcast(builder, op):
    spec = "".join(w if i == 0 else w.title() for i, w in enumerate(op.split("_")))
    a = _in(builder, "a", "float32", [2, 3])
    with type_error(f"{spec}:", "b has data type int32", "a has float32"):
        getattr(builder, op)(a, _in(builder, "b", "int32", [2, 3]))
    with type_error(f"{spec}:", "[2, 3]", "[4]", "not broadcastable"):
        getattr(builder, op)(a, _in(builder, "c", "float32", [4]))


def test_identity_keeps_shape_and_type_and_checks_its_operand(builder):
    y = builder.identity(_in(builder, "a", "int8", [3, 1]))
    assert y.shape == (3, 1) and y.data_type == "int8"
    with type_error("identity:", "input must be an MLOperand"):
        builder.identity([1.0])
