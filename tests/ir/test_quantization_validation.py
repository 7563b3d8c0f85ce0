"""Validation steps of quantizeLinear and dequantizeLinear, and their shape and
type inference (no backend run)."""

from __future__ import annotations

import numpy as np
import pytest

import webnnpy
from helpers import type_error


def _in(b, name, dtype, shape):
    return b.input(name, {"data_type": dtype, "shape": shape})


def _quantize(b, xt="float32", st=None, zt="uint8", xs=(4, 6), ss=(2, 3), zs=None):
    x = _in(b, "x", xt, list(xs))
    s = _in(b, "s", st or xt, list(ss))
    z = _in(b, "z", zt, list(ss if zs is None else zs))
    return b.quantize_linear(x, s, z)


def _dequantize(b, xt="uint8", st="float32", zt=None, xs=(4, 6), ss=(2, 3),
                zs=None):
    x = _in(b, "x", xt, list(xs))
    s = _in(b, "s", st, list(ss))
    z = _in(b, "z", zt or xt, list(ss if zs is None else zs))
    return b.dequantize_linear(x, s, z)


OPS = {"quantizeLinear": _quantize, "dequantizeLinear": _dequantize}


# --------------------------------------------------------- shape inference


@pytest.mark.parametrize("zt", ["uint8", "int8", "uint32", "int32"])
@pytest.mark.parametrize("xt", ["float32", "float16"])
def test_quantize_output_has_zero_point_type_and_input_shape(builder, xt, zt):
    y = _quantize(builder, xt=xt, zt=zt)
    assert y.data_type == zt and y.shape == (4, 6)
    assert y._value.producer.attrs == {}


@pytest.mark.parametrize("st", ["float32", "float16"])
@pytest.mark.parametrize("xt", ["uint8", "int8", "uint32", "int32"])
def test_dequantize_output_has_scale_type_and_input_shape(builder, xt, st):
    y = _dequantize(builder, xt=xt, st=st)
    assert y.data_type == st and y.shape == (4, 6)


@pytest.mark.parametrize("op", sorted(OPS))
@pytest.mark.parametrize(("xs", "ss"), [
    ((), ()), ((5,), (1,)), ((5,), (5,)), ((2, 4, 6), (1, 4, 2)),
    ((2, 4, 6), (2, 1, 6)),
])
def test_blockwise_shapes_accepted(builder, op, xs, ss):
    y = OPS[op](builder, xs=xs, ss=ss)
    assert y.shape == xs


# ------------------------------------------------------- common method steps


@pytest.mark.parametrize("op", sorted(OPS))
def test_has_built(builder, op):
    q = op == "quantizeLinear"
    x = _in(builder, "x", "float32" if q else "uint8", [2])
    s = _in(builder, "s", "float32", [2])
    z = _in(builder, "z", "uint8", [2])
    builder.build({"y": builder.clamp(s)})
    method = builder.quantize_linear if q else builder.dequantize_linear
    with pytest.raises(webnnpy.InvalidStateError, match=rf"{op}: .*already built"):
        method(x, s, z)


@pytest.mark.parametrize("arg", ["input", "scale", "zero_point"])
@pytest.mark.parametrize("op", sorted(OPS))
def test_operands_from_another_builder(ref_context, op, arg):
    b = webnnpy.MLGraphBuilder(ref_context)
    other = webnnpy.MLGraphBuilder(ref_context)
    q = op == "quantizeLinear"
    types = {"input": "float32" if q else "uint8", "scale": "float32",
             "zero_point": "uint8"}
    args = [_in(other if a == arg else b, a, types[a], [2])
            for a in ("input", "scale", "zero_point")]
    method = b.quantize_linear if q else b.dequantize_linear
    with type_error(f"{op}:", arg, "another MLGraphBuilder"):
        method(*args)


@pytest.mark.parametrize("op", sorted(OPS))
def test_zero_point_must_be_an_operand(builder, op):
    q = op == "quantizeLinear"
    x = _in(builder, "x", "float32" if q else "uint8", [2])
    s = _in(builder, "s", "float32", [2])
    method = builder.quantize_linear if q else builder.dequantize_linear
    with type_error(f"{op}:", "zero_point must be an MLOperand"):
        method(x, s, np.zeros(2, np.uint8))


# ------------------------------------------------------ quantizeLinear types


@pytest.mark.parametrize("xt", ["int8", "uint8", "int32", "int64"])
def test_quantize_input_type(builder, xt):
    with type_error("quantizeLinear:", f"input has data type {xt}",
                    "expected one of float32, float16"):
        _quantize(builder, xt=xt, st="float32")


def test_quantize_scale_type_must_be_float(builder):
    with type_error("quantizeLinear:", "scale has data type int32"):
        _quantize(builder, st="int32")


def test_quantize_scale_type_must_match_input(builder):
    with type_error("quantizeLinear:", "scale has data type float16",
                    "input has float32", "must match"):
        _quantize(builder, xt="float32", st="float16")


@pytest.mark.parametrize("zt", ["float32", "float16", "int64", "uint64"])
def test_quantize_zero_point_type(builder, zt):
    with type_error("quantizeLinear:", f"zero_point has data type {zt}",
                    "expected one of int32, uint32, int8, uint8"):
        _quantize(builder, zt=zt)


# ---------------------------------------------------- dequantizeLinear types


@pytest.mark.parametrize("xt", ["float32", "float16", "int64", "uint64"])
def test_dequantize_input_type(builder, xt):
    with type_error("dequantizeLinear:", f"input has data type {xt}",
                    "expected one of int32, uint32, int8, uint8"):
        _dequantize(builder, xt=xt)


@pytest.mark.parametrize("st", ["int8", "uint8", "int32"])
def test_dequantize_scale_type(builder, st):
    with type_error("dequantizeLinear:", f"scale has data type {st}",
                    "expected one of float32, float16"):
        _dequantize(builder, st=st)


def test_dequantize_zero_point_type_must_match_input(builder):
    with type_error("dequantizeLinear:", "zero_point has data type int8",
                    "input has uint8", "must match"):
        _dequantize(builder, xt="uint8", zt="int8")


# -------------------------------------------------- ranks, shapes, blocks


@pytest.mark.parametrize("op", sorted(OPS))
def test_scale_rank_must_match_input(builder, op):
    with type_error(f"{op}:", "scale has rank 1", "input has rank 2"):
        OPS[op](builder, ss=(3,), zs=(2, 3))


@pytest.mark.parametrize("op", sorted(OPS))
def test_zero_point_rank_must_match_input(builder, op):
    with type_error(f"{op}:", "zero_point has rank 3", "input has rank 2"):
        OPS[op](builder, ss=(2, 3), zs=(1, 2, 3))


@pytest.mark.parametrize("op", sorted(OPS))
def test_scalar_scale_for_a_tensor_is_rejected(builder, op):
    # per-tensor parameters must still have the input's rank: [1, 1], not []
    with type_error(f"{op}:", "scale has rank 0", "input has rank 2"):
        OPS[op](builder, ss=(), zs=())


@pytest.mark.parametrize("op", sorted(OPS))
def test_scale_and_zero_point_shapes_must_be_equal(builder, op):
    with type_error(f"{op}:", "scale shape [2, 3]", "zero_point shape [2, 1]",
                    "must be equal"):
        OPS[op](builder, ss=(2, 3), zs=(2, 1))


@pytest.mark.parametrize("op", sorted(OPS))
@pytest.mark.parametrize(("xs", "ss"), [
    ((4, 6), (3, 3)),    # 4 is not a multiple of 3
    ((4, 6), (2, 4)),    # 6 is not a multiple of 4
    ((4, 6), (8, 6)),    # a parameter dimension larger than the input's
    ((2, 5, 6), (2, 2, 3)),
])
def test_scale_must_be_blockwise_broadcastable(builder, op, xs, ss):
    with type_error(f"{op}:", f"scale shape {list(ss)}", "not blockwise broadcastable",
                    f"input shape {list(xs)}"):
        OPS[op](builder, xs=xs, ss=ss)


def test_label_in_message(builder):
    x = _in(builder, "x", "uint8", [4])
    s = _in(builder, "s", "float32", [3])
    z = _in(builder, "z", "uint8", [3])
    with type_error("[dq]", "dequantizeLinear:", "not blockwise broadcastable"):
        builder.dequantize_linear(x, s, z, label="dq")
