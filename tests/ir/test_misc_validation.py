"""Validation steps and shape inference of where, cast and resample2d (no
backend run)."""

from __future__ import annotations

import math

import pytest

import webnnpy
from helpers import type_error


def _in(b, name, dtype, shape):
    return b.input(name, {"data_type": dtype, "shape": shape})


def _attrs(operand):
    return operand._value.producer.attrs


# ------------------------------------------------------------------- where


@pytest.mark.parametrize(("cshape", "tshape", "fshape", "want"), [
    ([2, 1, 3], [4, 1], [3], (2, 4, 3)),
    ([], [], [], ()),
    ([2, 2], [], [1], (2, 2)),
    ([5], [3, 1], [1, 1, 1], (1, 3, 5)),
])
def test_where_output_shape(builder, cshape, tshape, fshape, want):
    y = builder.where(_in(builder, "c", "uint8", cshape),
                      _in(builder, "t", "int64", tshape),
                      _in(builder, "f", "int64", fshape))
    assert y.shape == want and y.data_type == "int64"
    assert _attrs(y) == {}


@pytest.mark.parametrize("ctype", ["int8", "float32", "int32", "uint32"])
def test_where_condition_must_be_uint8(builder, ctype):
    with type_error("where:", f"condition has data type {ctype}",
                    "expected one of uint8"):
        builder.where(_in(builder, "c", ctype, [2]),
                      _in(builder, "t", "float32", [2]),
                      _in(builder, "f", "float32", [2]))


def test_where_value_types_must_match(builder):
    with type_error("where:", "false_value has data type float16",
                    "true_value has float32"):
        builder.where(_in(builder, "c", "uint8", [2]),
                      _in(builder, "t", "float32", [2]),
                      _in(builder, "f", "float16", [2]))


def test_where_values_must_broadcast(builder):
    with type_error("where:", "true_value shape [2, 3]", "false_value shape [2]",
                    "not broadcastable"):
        builder.where(_in(builder, "c", "uint8", [1]),
                      _in(builder, "t", "float32", [2, 3]),
                      _in(builder, "f", "float32", [2]))


def test_where_condition_must_broadcast(builder):
    with type_error("where:", "condition shape [4]", "not broadcastable", "[2, 3]"):
        builder.where(_in(builder, "c", "uint8", [4]),
                      _in(builder, "t", "float32", [2, 3]),
                      _in(builder, "f", "float32", [3]))


def test_where_operands_must_be_operands(builder):
    c = _in(builder, "c", "uint8", [2])
    t = _in(builder, "t", "float32", [2])
    with type_error("where:", "false_value must be an MLOperand"):
        builder.where(c, t, 0.0)
    with type_error("where:", "false_value must be an MLOperand, got list"):
        builder.where(c, t, [t])


# -------------------------------------------------------------------- cast


@pytest.mark.parametrize("dtype", ["float32", "float16", "int32", "uint32", "int64",
                                   "uint64", "int8", "uint8"])
def test_cast_output_type_and_shape(builder, dtype):
    y = builder.cast(_in(builder, "x", "float16", [2, 3]), dtype)
    assert y.data_type == dtype and y.shape == (2, 3)
    assert _attrs(y) == {"dataType": dtype}
    s = builder.cast(_in(builder, "s" + dtype, "int8", []), dtype)
    assert s.data_type == dtype and s.shape == ()


@pytest.mark.parametrize("bad", ["float64", "bool", "Float32", None, 1])
def test_cast_data_type_must_be_an_operand_data_type(builder, bad):
    with type_error("cast:", f"data_type {bad!r} is not a valid MLOperandDataType"):
        builder.cast(_in(builder, "x", "float32", [2]), bad)


def test_cast_label_and_after_build(builder):
    x = _in(builder, "x", "float32", [2])
    with type_error("[c1]", "cast:"):
        builder.cast(x, "double", label="c1")
    builder.build({"y": builder.cast(x, "int8")})
    with pytest.raises(webnnpy.InvalidStateError, match=r"cast: .*already built"):
        builder.cast(x, "int8")


# -------------------------------------------------------------- resample2d


def _r(builder, shape=(1, 2, 10, 10), dtype="float32", name="x", **kw):
    return builder.resample2d(_in(builder, name, dtype, list(shape)), **kw)


def test_resample2d_defaults(builder):
    y = _r(builder)
    assert y.shape == (1, 2, 10, 10) and y.data_type == "float32"
    assert _attrs(y) == {"mode": "nearest-neighbor", "scales": [1.0, 1.0],
                         "sizes": [10, 10], "axes": [2, 3]}


@pytest.mark.parametrize(("kw", "want_shape", "want_attrs"), [
    ({"scales": [2.0, 0.5]}, (1, 2, 20, 5),
     {"scales": [2.0, 0.5], "sizes": [20, 5], "axes": [2, 3]}),
    # scales are IDL floats: float32(0.7) * 10 = 6.99999988 -> 6
    ({"scales": [0.7, 1.1]}, (1, 2, 6, 11),
     {"scales": [0.699999988079071, 1.100000023841858], "sizes": [6, 11],
      "axes": [2, 3]}),
    ({"scales": [3.0, 3.0], "sizes": [4, 7]}, (1, 2, 4, 7),
     {"scales": [3.0, 3.0], "sizes": [4, 7], "axes": [2, 3]}),
    ({"sizes": [3, 5], "axes": [1, 2]}, (1, 3, 5, 10),
     {"scales": [1.0, 1.0], "sizes": [3, 5], "axes": [1, 2]}),
    ({"scales": [2.0, 3.0], "axes": [3, 0]}, (3, 2, 10, 20),
     {"scales": [2.0, 3.0], "sizes": [20, 3], "axes": [3, 0]}),
])
def test_resample2d_output_shape(builder, kw, want_shape, want_attrs):
    y = _r(builder, mode="linear", **kw)
    assert y.shape == want_shape
    assert _attrs(y) == {"mode": "linear", **want_attrs}


@pytest.mark.parametrize("dtype", ["int32", "uint32", "int64", "uint64"])
def test_resample2d_input_data_type(builder, dtype):
    with type_error("resample2d:", f"input has data type {dtype}",
                    "float32, float16, int8, uint8"):
        _r(builder, dtype=dtype)


@pytest.mark.parametrize("shape", [[2, 10, 10], [1, 1, 2, 10, 10]])
def test_resample2d_input_rank(builder, shape):
    with type_error("resample2d:", f"input has rank {len(shape)}", "expected rank 4"):
        _r(builder, shape=shape)


@pytest.mark.parametrize("mode", ["cubic", "Linear", "", 1])
def test_resample2d_mode(builder, mode):
    with type_error("resample2d:", f"mode {mode!r} is not a valid "
                                   "MLInterpolationMode"):
        _r(builder, mode=mode)


@pytest.mark.parametrize(("scales", "fragment"), [
    ([2.0], "scales [2.0] must have 2 items, got 1"),
    ([1.0, 2.0, 3.0], "must have 2 items, got 3"),
    ([], "must have 2 items, got 0"),
    ([0.0, 1.0], "every scale must be greater than 0"),
    ([1.0, -2.0], "every scale must be greater than 0"),
    ([math.nan, 1.0], "scales must be finite"),
    ([1.0, math.inf], "scales must be finite"),
    ([1e39, 1.0], "out of the range of float"),
    ([1.0, "2"], "scales must be a number"),
    (2.0, "scales must be a sequence"),
])
def test_resample2d_bad_scales(builder, scales, fragment):
    with type_error("resample2d:", fragment):
        _r(builder, scales=scales)


@pytest.mark.parametrize(("sizes", "fragment"), [
    ([4], "sizes [4] must have 2 items, got 1"),
    ([4, 4, 4], "must have 2 items, got 3"),
    ([4, 0], "sizes [4, 0] has an item 0"),
    ([-1, 4], "sizes must be an integer in [0, 2**32)"),
    ([2.5, 4], "sizes must be an integer"),
    ([2**32, 4], "sizes must be an integer"),
])
def test_resample2d_bad_sizes(builder, sizes, fragment):
    with type_error("resample2d:", fragment):
        _r(builder, sizes=sizes)


@pytest.mark.parametrize(("axes", "fragment"), [
    ([2], "axes [2] must have 2 items, got 1"),
    ([1, 2, 3], "must have 2 items, got 3"),
    ([2, 2], "axes [2, 2] has duplicates"),
    ([2, 4], "axes [2, 4] has axis 4; every axis must be less than the input rank 4"),
    ([-1, 2], "axes must be an integer"),
])
def test_resample2d_bad_axes(builder, axes, fragment):
    with type_error("resample2d:", fragment):
        _r(builder, axes=axes)


def test_resample2d_scales_checked_before_sizes_and_axes(builder):
    with type_error("resample2d:", "scales"):
        _r(builder, scales=[0.0, 1.0], sizes=[0, 1], axes=[9, 9])
    with type_error("resample2d:", "sizes"):
        _r(builder, sizes=[0, 1], axes=[9, 9], name="x2")


@pytest.mark.parametrize(("kw", "fragments"), [
    ({"scales": [0.05, 1.0]}, ("output size 0 along axis 2",
                               "floor(10 * scales[0] 0.05", "not a valid dimension")),
    ({"scales": [1.0, 3e8]}, ("output size 3000000", "along axis 3",
                              "not a valid dimension")),
    ({"sizes": [2**31, 1]}, ("output size 2147483648 along axis 2 (sizes[0])",)),
    ({"sizes": [2**16, 2**16]}, ("output shape [1, 2, 65536, 65536]",
                                 "elements")),
])
def test_resample2d_output_sizes_must_be_valid(builder, kw, fragments):
    with type_error("resample2d:", *fragments):
        _r(builder, **kw)
