"""Validation and shape inference of the reduction family: one negative test
per spec step (#api-mlgraphbuilder-reduce, -argminmax, -cumulativesum), plus
output descriptors and normalized attributes."""

from __future__ import annotations

import numpy as np
import pytest

import webnnpy
from helpers import type_error
from webnnpy.errors import InvalidStateError
from webnnpy.ir.descriptor import Desc
from webnnpy.ir.ops import RULES

REDUCE = {
    "reduceL1": "reduce_l1", "reduceL2": "reduce_l2",
    "reduceLogSum": "reduce_log_sum", "reduceLogSumExp": "reduce_log_sum_exp",
    "reduceMax": "reduce_max", "reduceMean": "reduce_mean",
    "reduceMin": "reduce_min", "reduceProduct": "reduce_product",
    "reduceSum": "reduce_sum", "reduceSumSquare": "reduce_sum_square",
}
#: data types each reduce op rejects (the spec's allowedDataTypes lists)
REJECTED = {
    "reduceL1": ["int8", "uint8"], "reduceL2": ["int32", "uint32", "int64", "uint8"],
    "reduceLogSum": ["int32", "int8"], "reduceLogSumExp": ["uint32", "int64"],
    "reduceMax": [], "reduceMean": ["int32", "uint64"], "reduceMin": [],
    "reduceProduct": ["int8", "uint8"], "reduceSum": ["int8", "uint8"],
    "reduceSumSquare": ["int8", "uint8"],
}
ARG = {"argMin": "arg_min", "argMax": "arg_max"}


def x_of(b, dtype="float32", shape=(2, 3, 4), name="x"):
    return b.input(name, {"data_type": dtype, "shape": list(shape)})


def attrs_of(operand):
    return operand._value.producer.attrs


# ------------------------------------------------------------------ reduce*

reduce_ops = pytest.mark.parametrize("op", sorted(REDUCE))


@reduce_ops
def test_reduce_rejects_data_types(builder, op):
    for dtype in REJECTED[op]:
        with type_error(op, "input", dtype):
            getattr(builder, REDUCE[op])(x_of(builder, dtype, name=dtype))


@reduce_ops
def test_reduce_rejects_non_operand(builder, op):
    with type_error(op, "input", "MLOperand"):
        getattr(builder, REDUCE[op])(np.zeros(3, np.float32))


@reduce_ops
def test_reduce_rejects_operand_of_other_builder(builder, ref_context, op):
    other = x_of(webnnpy.MLGraphBuilder(ref_context))
    with type_error(op, "input", "another MLGraphBuilder"):
        getattr(builder, REDUCE[op])(other)


@reduce_ops
@pytest.mark.parametrize("axes", [[-1], [0.5], "01", 5, [2**32], [None]])
def test_reduce_rejects_bad_axes_values(builder, op, axes):
    # sequence<[EnforceRange] unsigned long>
    with type_error(op, "axes"):
        getattr(builder, REDUCE[op])(x_of(builder), axes=axes)


@reduce_ops
def test_reduce_rejects_axis_out_of_range(builder, op):
    with type_error(op, "axes [0, 3]", "axis 3", "rank 3"):
        getattr(builder, REDUCE[op])(x_of(builder), axes=[0, 3])


@reduce_ops
def test_reduce_rejects_duplicate_axes(builder, op):
    with type_error(op, "axes [1, 1]", "duplicates"):
        getattr(builder, REDUCE[op])(x_of(builder), axes=[1, 1])


@reduce_ops
def test_reduce_scalar_rejects_any_axis(builder, op):
    with type_error(op, "axes [0]", "rank 0"):
        getattr(builder, REDUCE[op])(x_of(builder, shape=()), axes=[0])


@reduce_ops
@pytest.mark.parametrize("keep", [1, "yes", 0.0])
def test_reduce_rejects_non_bool_keep_dimensions(builder, op, keep):
    with type_error(op, "keep_dimensions"):
        getattr(builder, REDUCE[op])(x_of(builder), keep_dimensions=keep)


def test_reduce_error_names_label(builder):
    with type_error("[my sum]", "reduceSum", "axes"):
        builder.reduce_sum(x_of(builder), axes=[7], label="my sum")


def test_reduce_after_build_is_invalid_state(builder):
    x = x_of(builder)
    builder.build({"y": builder.reduce_sum(x)})
    with pytest.raises(InvalidStateError):
        builder.reduce_sum(x)


@reduce_ops
@pytest.mark.parametrize(("options", "shape", "attrs"), [
    ({}, (), {"axes": [0, 1, 2], "keepDimensions": False}),
    ({"keep_dimensions": True}, (1, 1, 1), {"axes": [0, 1, 2],
                                            "keepDimensions": True}),
    ({"axes": [1]}, (2, 4), {"axes": [1], "keepDimensions": False}),
    ({"axes": (2, 0), "keep_dimensions": True}, (1, 3, 1),
     {"axes": [2, 0], "keepDimensions": True}),
    ({"axes": []}, (2, 3, 4), {"axes": [], "keepDimensions": False}),
    ({"axes": np.array([0, 2])}, (3,), {"axes": [0, 2], "keepDimensions": False}),
])
def test_reduce_shape_inference(builder, op, options, shape, attrs):
    dtype = "float16"
    y = getattr(builder, REDUCE[op])(x_of(builder, dtype), **options)
    assert y.shape == shape and y.data_type == dtype
    assert attrs_of(y) == attrs
    assert all(type(a) is int for a in attrs_of(y)["axes"])


@reduce_ops
def test_reduce_scalar_shape_inference(builder, op):
    x = x_of(builder, shape=())
    for options in ({}, {"axes": []}, {"keep_dimensions": True}):
        y = getattr(builder, REDUCE[op])(x, **options)
        assert y.shape == () and y.data_type == "float32"
        assert attrs_of(y)["axes"] == []


def test_reduce_keeps_integer_data_type(builder):
    x = x_of(builder, "int64")
    assert builder.reduce_sum(x, axes=[0]).data_type == "int64"
    assert builder.reduce_max(x_of(builder, "uint8", name="u")).data_type == "uint8"


# ------------------------------------------------------------ argMin/argMax

arg_ops = pytest.mark.parametrize("op", sorted(ARG))


@arg_ops
def test_arg_rejects_scalar_input(builder, op):
    with type_error(op, "input", "rank 0", "expected rank 1"):
        getattr(builder, ARG[op])(x_of(builder, shape=()), 0)


@arg_ops
def test_arg_rejects_non_operand(builder, op):
    with type_error(op, "input", "MLOperand"):
        getattr(builder, ARG[op])([1.0, 2.0], 0)


@arg_ops
@pytest.mark.parametrize("axis", [-1, 1.0, "0", None, 2**32])
def test_arg_rejects_bad_axis_value(builder, op, axis):
    with type_error(op, "axis"):
        getattr(builder, ARG[op])(x_of(builder), axis)


@arg_ops
def test_arg_rejects_axis_out_of_range(builder, op):
    with type_error(op, "axis 3", "rank 3"):
        getattr(builder, ARG[op])(x_of(builder), 3)


@arg_ops
def test_arg_rejects_non_bool_keep_dimensions(builder, op):
    with type_error(op, "keep_dimensions"):
        getattr(builder, ARG[op])(x_of(builder), 0, keep_dimensions=0)


@arg_ops
def test_arg_rejects_unknown_output_data_type(builder, op):
    with type_error(op, "output_data_type", "'int33'", "MLOperandDataType"):
        getattr(builder, ARG[op])(x_of(builder), 0, output_data_type="int33")


@arg_ops
@pytest.mark.parametrize("out", ["float32", "float16", "uint32", "uint64", "int8",
                                 "uint8"])
def test_arg_rejects_disallowed_output_data_type(builder, op, out):
    with type_error(op, "output_data_type", repr(out), "'int32', 'int64'"):
        getattr(builder, ARG[op])(x_of(builder), 1, output_data_type=out)


@arg_ops
def test_arg_rejects_dimension_beyond_output_type(op):
    # unreachable through the builder (a valid dimension is at most 2**31 - 1,
    # int32's maximum), so the rule is called directly
    rule = RULES[op]
    attrs = {"axis": 0, "keepDimensions": None, "outputDataType": "int32"}
    with type_error(op, "2147483648", "output_data_type", "int32"):
        rule.infer(op, {"input": Desc("float32", (2**31,))}, attrs)
    out, _ = rule.infer(op, {"input": Desc("float32", (2**31,))},
                        {**attrs, "outputDataType": "int64"})
    assert out == [Desc("int64", ())]
    out, _ = rule.infer(op, {"input": Desc("float32", (2**31 - 1,))}, attrs)
    assert out == [Desc("int32", ())]


@arg_ops
@pytest.mark.parametrize(("axis", "options", "shape", "dtype"), [
    (1, {}, (2, 4), "int32"),
    (0, {"keep_dimensions": True}, (1, 3, 4), "int32"),
    (2, {"output_data_type": "int64"}, (2, 3), "int64"),
    (2, {"keep_dimensions": True, "output_data_type": "int64"}, (2, 3, 1), "int64"),
])
def test_arg_shape_inference(builder, op, axis, options, shape, dtype):
    y = getattr(builder, ARG[op])(x_of(builder, "uint8"), axis, **options)
    assert y.shape == shape and y.data_type == dtype
    assert attrs_of(y) == {"axis": axis,
                           "keepDimensions": options.get("keep_dimensions", False),
                           "outputDataType": dtype}


def test_arg_rank1_gives_scalar(builder):
    assert builder.arg_max(x_of(builder, shape=(5,)), 0).shape == ()


# ------------------------------------------------------------ cumulativeSum


@pytest.mark.parametrize("dtype", ["int8", "uint8"])
def test_cumulative_sum_rejects_8bit(builder, dtype):
    with type_error("cumulativeSum", "input", dtype, "expected one of"):
        builder.cumulative_sum(x_of(builder, dtype), 0)


def test_cumulative_sum_rejects_scalar(builder):
    with type_error("cumulativeSum", "input", "rank 0"):
        builder.cumulative_sum(x_of(builder, shape=()), 0)


def test_cumulative_sum_rejects_non_operand(builder):
    with type_error("cumulativeSum", "input", "MLOperand"):
        builder.cumulative_sum(3, 0)


@pytest.mark.parametrize("axis", [-1, 0.0, "1", None])
def test_cumulative_sum_rejects_bad_axis_value(builder, axis):
    with type_error("cumulativeSum", "axis"):
        builder.cumulative_sum(x_of(builder), axis)


def test_cumulative_sum_rejects_axis_out_of_range(builder):
    with type_error("cumulativeSum", "axis 3", "rank 3"):
        builder.cumulative_sum(x_of(builder), 3)


@pytest.mark.parametrize("name", ["exclusive", "reversed"])
def test_cumulative_sum_rejects_non_bool_options(builder, name):
    with type_error("cumulativeSum", name, "True or False"):
        builder.cumulative_sum(x_of(builder), 0, **{name: 1})


def test_cumulative_sum_shape_inference(builder):
    for dtype in ("float32", "float16", "int32", "uint32", "int64", "uint64"):
        x = x_of(builder, dtype, name=dtype)
        y = builder.cumulative_sum(x, 2)
        assert y.shape == (2, 3, 4) and y.data_type == dtype
        assert attrs_of(y) == {"axis": 2, "exclusive": False, "reversed": False}
    y = builder.cumulative_sum(x_of(builder, shape=(7,)), 0, exclusive=True,
                               reversed=True)
    assert y.shape == (7,)
    assert attrs_of(y) == {"axis": 0, "exclusive": True, "reversed": True}
