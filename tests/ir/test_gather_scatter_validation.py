"""Validation steps and shape inference of gather, gatherElements, gatherND,
scatterElements and scatterND (no backend run)."""

from __future__ import annotations

import pytest

import webnnpy
from helpers import type_error


def _in(b, name, dtype, shape):
    return b.input(name, {"data_type": dtype, "shape": shape})


def _attrs(operand):
    return operand._value.producer.attrs


# ------------------------------------------------------------------ gather


@pytest.mark.parametrize(("shape", "ishape", "axis", "want"), [
    ([4, 3], [2], 0, (2, 3)),
    ([4, 3], [3], 1, (4, 3)),
    ([4, 3], [2, 2], 1, (4, 2, 2)),
    ([4, 3, 5], [], 1, (4, 5)),
    ([4, 3, 5], [6, 7], 2, (4, 3, 6, 7)),
])
def test_gather_output_shape(builder, shape, ishape, axis, want):
    x = _in(builder, "x", "int8", shape)
    y = builder.gather(x, _in(builder, "i", "int64", ishape), axis=axis)
    assert y.shape == want and y.data_type == "int8"
    assert _attrs(y) == {"axis": axis}


def test_gather_axis_defaults_to_0(builder):
    y = builder.gather(_in(builder, "x", "float32", [4, 3]),
                       _in(builder, "i", "uint32", [5]))
    assert y.shape == (5, 3) and _attrs(y) == {"axis": 0}


@pytest.mark.parametrize("itype", ["float32", "float16", "uint64", "int8", "uint8"])
def test_gather_indices_data_type(builder, itype):
    x = _in(builder, "x", "float32", [4, 3])
    with type_error("gather:", "indices has data type " + itype,
                    "expected one of int32, uint32, int64"):
        builder.gather(x, _in(builder, "i", itype, [2]))


def test_gather_input_rank_0(builder):
    with type_error("gather:", "input has rank 0"):
        builder.gather(_in(builder, "x", "float32", []),
                       _in(builder, "i", "int32", [1]))


def test_gather_axis_out_of_range(builder):
    x = _in(builder, "x", "float32", [4, 3])
    with type_error("gather:", "axis 2 is out of range", "input rank 2"):
        builder.gather(x, _in(builder, "i", "int32", [2]), axis=2)


@pytest.mark.parametrize("axis", [-1, 1.5, "0", [0], True, 2**32])
def test_gather_axis_not_unsigned_long(builder, axis):
    x = _in(builder, "x", "float32", [4, 3])
    with type_error("gather:", "axis must be an integer"):
        builder.gather(x, _in(builder, "i", "int32", [2]), axis=axis)


def test_gather_output_rank_beyond_the_limit(builder):
    x = _in(builder, "x", "float32", [1] * 8)
    with type_error("gather:", "output rank 9"):
        builder.gather(x, _in(builder, "i", "int32", [1, 1]))


def test_gather_operands_must_be_operands_of_this_builder(ref_context, builder):
    other = webnnpy.MLGraphBuilder(ref_context)
    x = _in(builder, "x", "float32", [4, 3])
    with type_error("gather:", "indices", "another MLGraphBuilder"):
        builder.gather(x, _in(other, "i", "int32", [2]))
    with type_error("gather:", "indices must be an MLOperand"):
        builder.gather(x, 1.0)
    with type_error("gather:", "indices must be an MLOperand, got list"):
        builder.gather(x, [_in(builder, "i", "int32", [2])])


def test_gather_label_in_message(builder):
    x = _in(builder, "x", "float32", [4, 3])
    with type_error("[pick]", "gather:", "axis 5"):
        builder.gather(x, _in(builder, "i", "int32", [2]), axis=5, label="pick")


def test_gather_after_build(builder):
    x = _in(builder, "x", "float32", [4, 3])
    i = _in(builder, "i", "int32", [2])
    builder.build({"y": builder.gather(x, i)})
    with pytest.raises(webnnpy.InvalidStateError, match=r"gather: .*already built"):
        builder.gather(x, i)


# --------------------------------------------------------- gatherElements


def test_gather_elements_output_has_the_indices_shape(builder):
    x = _in(builder, "x", "uint64", [4, 3])
    y = builder.gather_elements(x, _in(builder, "i", "int32", [2, 3]))
    assert y.shape == (2, 3) and y.data_type == "uint64"
    assert _attrs(y) == {"axis": 0}
    y = builder.gather_elements(x, _in(builder, "j", "int64", [4, 7]), axis=1)
    assert y.shape == (4, 7) and _attrs(y) == {"axis": 1}


def test_gather_elements_indices_data_type(builder):
    with type_error("gatherElements:", "indices has data type int8"):
        builder.gather_elements(_in(builder, "x", "float32", [4, 3]),
                                _in(builder, "i", "int8", [4, 3]))


def test_gather_elements_indices_rank_must_match(builder):
    with type_error("gatherElements:", "indices has rank 1", "expected rank 2"):
        builder.gather_elements(_in(builder, "x", "float32", [4, 3]),
                                _in(builder, "i", "int32", [4]))


def test_gather_elements_input_rank_0(builder):
    with type_error("gatherElements:", "input has rank 0"):
        builder.gather_elements(_in(builder, "x", "float32", []),
                                _in(builder, "i", "int32", [1]))


def test_gather_elements_axis_out_of_range(builder):
    with type_error("gatherElements:", "axis 2 is out of range"):
        builder.gather_elements(_in(builder, "x", "float32", [4, 3]),
                                _in(builder, "i", "int32", [4, 3]), axis=2)


def test_gather_elements_axis_not_unsigned_long(builder):
    with type_error("gatherElements:", "axis must be an integer", "-1"):
        builder.gather_elements(_in(builder, "x", "float32", [4, 3]),
                                _in(builder, "i", "int32", [4, 3]), axis=-1)


def test_gather_elements_indices_shape_off_the_axis(builder):
    with type_error("gatherElements:", "indices shape [2, 2]",
                    "input shape [4, 3] except along axis 0", "expected [2, 3]"):
        builder.gather_elements(_in(builder, "x", "float32", [4, 3]),
                                _in(builder, "i", "int32", [2, 2]))


# --------------------------------------------------------------- gatherND


@pytest.mark.parametrize(("shape", "ishape", "want"), [
    ([2, 2], [3, 2], (3,)),
    ([2, 2], [2, 1], (2, 2)),
    ([2, 2, 2], [2, 2], (2, 2)),
    ([2, 2, 2], [3, 1], (3, 2, 2)),
    ([2, 2, 2], [5, 3], (5,)),
    ([2, 3, 4], [3], ()),
    ([2, 3, 4], [5, 6, 1], (5, 6, 3, 4)),
])
def test_gather_nd_output_shape(builder, shape, ishape, want):
    y = builder.gather_nd(_in(builder, "x", "float16", shape),
                          _in(builder, "i", "uint32", ishape))
    assert y.shape == want and y.data_type == "float16"
    assert _attrs(y) == {}


def test_gather_nd_indices_data_type(builder):
    with type_error("gatherND:", "indices has data type float32"):
        builder.gather_nd(_in(builder, "x", "float32", [2, 2]),
                          _in(builder, "i", "float32", [1, 2]))


@pytest.mark.parametrize(("name", "shape", "ishape"), [
    ("input", [], [1]), ("indices", [2], [])])
def test_gather_nd_ranks(builder, name, shape, ishape):
    with type_error("gatherND:", f"{name} has rank 0"):
        builder.gather_nd(_in(builder, "x", "float32", shape),
                          _in(builder, "i", "int32", ishape))


def test_gather_nd_coordinate_longer_than_the_rank(builder):
    with type_error("gatherND:", "indices shape [4, 3]", "coordinates of size 3",
                    "at most the input rank 2"):
        builder.gather_nd(_in(builder, "x", "float32", [2, 2]),
                          _in(builder, "i", "int32", [4, 3]))


# -------------------------------------------------------- scatterElements


def test_scatter_elements_output_is_input_shaped(builder):
    x = _in(builder, "x", "int8", [4, 3])
    y = builder.scatter_elements(x, _in(builder, "i", "int32", [2, 3]),
                                 _in(builder, "u", "int8", [2, 3]))
    assert y.shape == (4, 3) and y.data_type == "int8"
    assert _attrs(y) == {"axis": 0}
    y = builder.scatter_elements(x, _in(builder, "j", "uint32", [4, 1]),
                                 _in(builder, "v", "int8", [4, 1]), axis=1)
    assert y.shape == (4, 3) and _attrs(y) == {"axis": 1}


def test_scatter_elements_indices_data_type(builder):
    with type_error("scatterElements:", "indices has data type uint64"):
        builder.scatter_elements(_in(builder, "x", "float32", [4, 3]),
                                 _in(builder, "i", "uint64", [2, 3]),
                                 _in(builder, "u", "float32", [2, 3]))


def test_scatter_elements_updates_data_type(builder):
    with type_error("scatterElements:", "updates has data type float16",
                    "input has float32"):
        builder.scatter_elements(_in(builder, "x", "float32", [4, 3]),
                                 _in(builder, "i", "int32", [2, 3]),
                                 _in(builder, "u", "float16", [2, 3]))


def test_scatter_elements_input_rank_0(builder):
    with type_error("scatterElements:", "input has rank 0"):
        builder.scatter_elements(_in(builder, "x", "float32", []),
                                 _in(builder, "i", "int32", [1]),
                                 _in(builder, "u", "float32", [1]))


def test_scatter_elements_indices_rank(builder):
    with type_error("scatterElements:", "indices has rank 1", "expected rank 2"):
        builder.scatter_elements(_in(builder, "x", "float32", [4, 3]),
                                 _in(builder, "i", "int32", [3]),
                                 _in(builder, "u", "float32", [2, 3]))


def test_scatter_elements_updates_rank(builder):
    with type_error("scatterElements:", "updates has rank 3", "expected rank 2"):
        builder.scatter_elements(_in(builder, "x", "float32", [4, 3]),
                                 _in(builder, "i", "int32", [2, 3]),
                                 _in(builder, "u", "float32", [1, 2, 3]))


def test_scatter_elements_axis_out_of_range(builder):
    with type_error("scatterElements:", "axis 3 is out of range"):
        builder.scatter_elements(_in(builder, "x", "float32", [4, 3]),
                                 _in(builder, "i", "int32", [4, 3]),
                                 _in(builder, "u", "float32", [4, 3]), axis=3)


def test_scatter_elements_axis_not_unsigned_long(builder):
    with type_error("scatterElements:", "axis must be an integer"):
        builder.scatter_elements(_in(builder, "x", "float32", [4, 3]),
                                 _in(builder, "i", "int32", [4, 3]),
                                 _in(builder, "u", "float32", [4, 3]), axis=0.5)


def test_scatter_elements_indices_shape_off_the_axis(builder):
    with type_error("scatterElements:", "indices shape [4, 2]",
                    "except along axis 0", "expected [4, 3]"):
        builder.scatter_elements(_in(builder, "x", "float32", [4, 3]),
                                 _in(builder, "i", "int32", [4, 2]),
                                 _in(builder, "u", "float32", [4, 2]))


def test_scatter_elements_updates_shape(builder):
    with type_error("scatterElements:", "updates shape [1, 3]",
                    "indices shape [2, 3]"):
        builder.scatter_elements(_in(builder, "x", "float32", [4, 3]),
                                 _in(builder, "i", "int32", [2, 3]),
                                 _in(builder, "u", "float32", [1, 3]))


# -------------------------------------------------------------- scatterND


@pytest.mark.parametrize(("shape", "ishape", "ushape"), [
    ([8], [4, 1], [4]),
    ([2, 2], [2, 2], [2]),
    ([3, 2], [2, 1], [2, 2]),
    ([2, 2, 2], [2, 2], [2, 2]),
    ([2, 3], [2], []),
    ([2, 3, 4], [5, 6, 1], [5, 6, 3, 4]),
])
def test_scatter_nd_output_is_input_shaped(builder, shape, ishape, ushape):
    y = builder.scatter_nd(_in(builder, "x", "uint8", shape),
                           _in(builder, "i", "int64", ishape),
                           _in(builder, "u", "uint8", ushape))
    assert y.shape == tuple(shape) and y.data_type == "uint8"
    assert _attrs(y) == {}


def test_scatter_nd_indices_data_type(builder):
    with type_error("scatterND:", "indices has data type int8"):
        builder.scatter_nd(_in(builder, "x", "float32", [8]),
                           _in(builder, "i", "int8", [4, 1]),
                           _in(builder, "u", "float32", [4]))


def test_scatter_nd_updates_data_type(builder):
    # the spec's own examples declare uint32 updates for float32 input
    with type_error("scatterND:", "updates has data type uint32",
                    "input has float32"):
        builder.scatter_nd(_in(builder, "x", "float32", [8]),
                           _in(builder, "i", "uint32", [4, 1]),
                           _in(builder, "u", "uint32", [4]))


@pytest.mark.parametrize(("name", "shape", "ishape"), [
    ("input", [], [1]), ("indices", [2], [])])
def test_scatter_nd_ranks(builder, name, shape, ishape):
    with type_error("scatterND:", f"{name} has rank 0"):
        builder.scatter_nd(_in(builder, "x", "float32", shape),
                           _in(builder, "i", "int32", ishape),
                           _in(builder, "u", "float32", [1]))


def test_scatter_nd_coordinate_longer_than_the_rank(builder):
    with type_error("scatterND:", "coordinates of size 3",
                    "at most the input rank 2"):
        builder.scatter_nd(_in(builder, "x", "float32", [2, 2]),
                           _in(builder, "i", "int32", [4, 3]),
                           _in(builder, "u", "float32", [4]))


@pytest.mark.parametrize(("ushape", "want"), [([3], "[2, 2]"), ([2, 3], "[2, 2]"),
                                              ([], "[2, 2]")])
def test_scatter_nd_updates_shape(builder, ushape, want):
    with type_error("scatterND:", f"updates shape {ushape}", f"expected {want}"):
        builder.scatter_nd(_in(builder, "x", "float32", [3, 2]),
                           _in(builder, "i", "int32", [2, 1]),
                           _in(builder, "u", "float32", ushape))
