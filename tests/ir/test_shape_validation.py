"""Validation and shape inference of the shape family, without running: one
negative test per validation step of each op's method steps (TypeError naming
the op and the argument), plus positive checks of output descriptors and of
the normalized attributes the node stores."""

from __future__ import annotations

from typing import Any

import pytest

import webnnpy
from helpers import type_error
from webnnpy.errors import InvalidStateError

B = webnnpy.MLGraphBuilder
MAXD = 2**31 - 1


def inp(b: B, shape: list[int], dtype: str = "float32", name: str = "x"
        ) -> webnnpy.MLOperand:
    return b.input(name, {"data_type": dtype, "shape": shape})


def attrs(operand: webnnpy.MLOperand) -> dict[str, Any]:
    """The normalized attributes stored on the operand's producing node."""
    return operand._value.producer.attrs


def check(operand: webnnpy.MLOperand, shape: list[int], dtype: str = "float32"
          ) -> None:
    assert tuple(operand.shape) == tuple(shape)
    assert operand.data_type == dtype


# ---------------------------------------------------------------- reshape


def test_reshape_infers(builder: B) -> None:
    x = inp(builder, [2, 3, 4], "int8")
    y = builder.reshape(x, [4, 6])
    check(y, [4, 6], "int8")
    assert attrs(y) == {"newShape": [4, 6]}
    check(builder.reshape(x, (24,)), [24], "int8")
    s = inp(builder, [1, 1], name="s")
    check(builder.reshape(s, []), [])
    check(builder.reshape(builder.reshape(s, []), [1, 1, 1]), [1, 1, 1])


def test_reshape_new_shape_not_a_sequence(builder: B) -> None:
    with type_error("reshape", "new_shape", "sequence"):
        builder.reshape(inp(builder, [6]), 6)


def test_reshape_new_shape_not_unsigned(builder: B) -> None:
    with type_error("reshape", "new_shape", "-1"):
        builder.reshape(inp(builder, [6]), [-1, 6])
    with type_error("reshape", "new_shape", "2.0"):
        builder.reshape(inp(builder, [2, 3], name="y"), [2.0, 3])


def test_reshape_output_rank_not_allowed(builder: B) -> None:
    with type_error("reshape", "output rank 9"):
        builder.reshape(inp(builder, [1]), [1] * 9)


def test_reshape_zero_dimension(builder: B) -> None:
    # no 0 placeholder (copy the input dimension) as ONNX has
    with type_error("reshape", "new_shape [0, 6]", "dimension 0"):
        builder.reshape(inp(builder, [1, 6]), [0, 6])


def test_reshape_dimension_too_large(builder: B) -> None:
    with type_error("reshape", "new_shape", str(2**31)):
        builder.reshape(inp(builder, [1]), [2**31])


def test_reshape_element_count_mismatch(builder: B) -> None:
    with type_error("reshape", "new_shape [4, 2]", "8 elements", "[2, 3]", "6"):
        builder.reshape(inp(builder, [2, 3]), [4, 2])
    with type_error("reshape", "new_shape []", "1 elements", "2"):
        builder.reshape(inp(builder, [2], name="y"), [])


def test_reshape_label_in_message(builder: B) -> None:
    with type_error("[flatten_1]", "reshape", "new_shape"):
        builder.reshape(inp(builder, [2, 3]), [7], label="flatten_1")


def test_reshape_after_build(builder: B) -> None:
    x = inp(builder, [2])
    builder.build({"y": builder.reshape(x, [1, 2])})
    with pytest.raises(InvalidStateError):
        builder.reshape(x, [2, 1])


# -------------------------------------------------------------- transpose


def test_transpose_infers(builder: B) -> None:
    x = inp(builder, [2, 3, 4], "uint64")
    y = builder.transpose(x)
    check(y, [4, 3, 2], "uint64")  # not the input's shape (a spec slip)
    assert attrs(y) == {"permutation": [2, 1, 0]}
    y = builder.transpose(x, permutation=[1, 2, 0])
    check(y, [3, 4, 2], "uint64")
    assert attrs(y) == {"permutation": [1, 2, 0]}
    s = builder.transpose(inp(builder, [], name="s"))
    check(s, [])
    assert attrs(s) == {"permutation": []}


def test_transpose_permutation_not_unsigned(builder: B) -> None:
    with type_error("transpose", "permutation", "-1"):
        builder.transpose(inp(builder, [2, 3]), permutation=[-1, 0])


def test_transpose_permutation_wrong_length(builder: B) -> None:
    with type_error("transpose", "permutation [0, 1]", "2 items", "rank is 3"):
        builder.transpose(inp(builder, [2, 3, 4]), permutation=[0, 1])


def test_transpose_permutation_out_of_range(builder: B) -> None:
    with type_error("transpose", "permutation [0, 3, 1]", "out of range",
                    "permutation of 0..2"):
        builder.transpose(inp(builder, [2, 3, 4]), permutation=[0, 3, 1])


def test_transpose_permutation_duplicates(builder: B) -> None:
    with type_error("transpose", "permutation [2, 2, 0] has duplicates",
                    "permutation of 0..2"):
        builder.transpose(inp(builder, [2, 3, 4]), permutation=[2, 2, 0])


# ----------------------------------------------------------------- concat


def test_concat_infers(builder: B) -> None:
    a = inp(builder, [2, 1, 3], "int32", "a")
    b = inp(builder, [2, 4, 3], "int32", "b")
    y = builder.concat([a, b, a], 1)
    check(y, [2, 6, 3], "int32")
    assert attrs(y) == {"axis": 1}
    check(builder.concat((a,), 2), [2, 1, 3], "int32")


def test_concat_max_inputs(builder: B) -> None:
    a = inp(builder, [1])
    check(builder.concat([a] * 8192, 0), [8192])


def test_concat_axis_not_unsigned(builder: B) -> None:
    a = inp(builder, [2, 3])
    with type_error("concat", "axis", "-1"):
        builder.concat([a, a], -1)
    with type_error("concat", "axis", "None"):
        builder.concat([a, a], None)


def test_concat_no_inputs(builder: B) -> None:
    with type_error("concat", "inputs count 0", "[1, 8192]"):
        builder.concat([], 0)


def test_concat_too_many_inputs(builder: B) -> None:
    a = inp(builder, [1])
    with type_error("concat", "inputs count 8193", "[1, 8192]"):
        builder.concat([a] * 8193, 0)


def test_concat_single_operand_not_a_sequence(builder: B) -> None:
    with type_error("concat", "inputs", "sequence"):
        builder.concat(inp(builder, [2]), 0)


def test_concat_axis_out_of_range(builder: B) -> None:
    a = inp(builder, [2, 3])
    with type_error("concat", "axis 2", "out of range", "rank 2"):
        builder.concat([a, a], 2)


def test_concat_data_type_mismatch(builder: B) -> None:
    a = inp(builder, [2, 3], "float32", "a")
    b = inp(builder, [2, 3], "float16", "b")
    with type_error("concat", "inputs[1]", "float16", "inputs[0]", "float32"):
        builder.concat([a, b], 0)


def test_concat_rank_mismatch(builder: B) -> None:
    a = inp(builder, [2, 3], name="a")
    b = inp(builder, [2, 3, 1], name="b")
    with type_error("concat", "inputs[1]", "rank 3", "rank 2"):
        builder.concat([a, b], 0)


def test_concat_shape_mismatch_off_axis(builder: B) -> None:
    a = inp(builder, [2, 3], name="a")
    b = inp(builder, [2, 4], name="b")
    with type_error("concat", "inputs[1] shape [2, 4]", "dimension 1",
                    "only dimension 0"):
        builder.concat([a, b], 0)


def test_concat_size_too_large(builder: B) -> None:
    a = inp(builder, [2**30], "uint8")
    with type_error("concat", "axis 0", str(2**31), str(MAXD)):
        builder.concat([a, a], 0)


def test_concat_rank0_not_allowed(builder: B) -> None:
    with type_error("concat", "inputs[0]", "rank 0"):
        builder.concat([inp(builder, [])], 0)


def test_concat_operand_of_another_builder(builder: B,
                                           ref_context: webnnpy.MLContext) -> None:
    other = webnnpy.MLGraphBuilder(ref_context)
    with type_error("concat", "inputs[1]", "another"):
        builder.concat([inp(builder, [2]), inp(other, [2])], 0)


# ------------------------------------------------------------------ slice


def test_slice_infers(builder: B) -> None:
    x = inp(builder, [5, 6, 7], "uint8")
    y = builder.slice(x, [1, 0, 6], [4, 5, 1], strides=[2, 3, 1])
    check(y, [2, 2, 1], "uint8")  # ceil(4/2), ceil(5/3), ceil(1/1)
    assert attrs(y) == {"starts": [1, 0, 6], "sizes": [4, 5, 1],
                        "strides": [2, 3, 1]}
    y = builder.slice(x, [0, 0, 0], [5, 6, 7])
    check(y, [5, 6, 7], "uint8")
    assert attrs(y)["strides"] == [1, 1, 1]
    check(builder.slice(x, [4, 5, 6], [1, 1, 1], strides=[9, 9, 9]), [1, 1, 1],
          "uint8")
    check(builder.slice(inp(builder, [], name="s"), [], []), [])


def test_slice_arguments_not_unsigned(builder: B) -> None:
    x = inp(builder, [4])
    with type_error("slice", "starts", "-1"):
        builder.slice(x, [-1], [1])
    with type_error("slice", "sizes", "-1"):
        builder.slice(x, [0], [-1])
    with type_error("slice", "strides", "-1"):
        builder.slice(x, [0], [1], strides=[-1])


def test_slice_zero_size(builder: B) -> None:
    with type_error("slice", "sizes [2, 0]", "0"):
        builder.slice(inp(builder, [4, 4]), [0, 0], [2, 0])


def test_slice_zero_size_is_checked_before_lengths(builder: B) -> None:
    # spec step order: the 0 check comes before the length check
    with type_error("slice", "sizes [0]", "at least 1"):
        builder.slice(inp(builder, [4, 4]), [0, 0], [0])


def test_slice_starts_wrong_length(builder: B) -> None:
    with type_error("slice", "starts [0]", "2 items", "got 1 and 2"):
        builder.slice(inp(builder, [4, 4]), [0], [1, 1])


def test_slice_sizes_wrong_length(builder: B) -> None:
    with type_error("slice", "sizes [1, 1, 1]", "2 items", "got 2 and 3"):
        builder.slice(inp(builder, [4, 4]), [0, 0], [1, 1, 1])


def test_slice_strides_wrong_length(builder: B) -> None:
    with type_error("slice", "strides [1]", "2 items", "got 1"):
        builder.slice(inp(builder, [4, 4]), [0, 0], [1, 1], strides=[1])


def test_slice_zero_stride(builder: B) -> None:
    with type_error("slice", "strides [1, 0]", "dimension 1", "at least 1"):
        builder.slice(inp(builder, [4, 4]), [0, 0], [1, 1], strides=[1, 0])


def test_slice_start_beyond_input(builder: B) -> None:
    with type_error("slice", "starts [0, 5]", "dimension 1", "input size 4"):
        builder.slice(inp(builder, [4, 4]), [0, 5], [1, 1])


def test_slice_end_beyond_input(builder: B) -> None:
    with type_error("slice", "starts[0] + sizes[0]", "3 + 2 = 5", "input size 4"):
        builder.slice(inp(builder, [4, 4]), [3, 0], [2, 1])
    # start == size passes the start step but fails this one
    with type_error("slice", "starts[1] + sizes[1]", "4 + 1 = 5"):
        builder.slice(inp(builder, [4, 4], name="y"), [0, 4], [1, 1])


# ------------------------------------------------------------------ split


def test_split_infers_count(builder: B) -> None:
    x = inp(builder, [6, 4], "int64")
    outs = builder.split(x, 3)
    assert isinstance(outs, list) and len(outs) == 3
    for o in outs:
        check(o, [2, 4], "int64")
    assert attrs(outs[0]) == {"splits": [2, 2, 2], "axis": 0}
    outs = builder.split(x, 4, axis=1)
    assert [o.shape for o in outs] == [(6, 1)] * 4


def test_split_infers_sizes(builder: B) -> None:
    x = inp(builder, [6, 4])
    outs = builder.split(x, [1, 3], axis=1)
    assert [o.shape for o in outs] == [(6, 1), (6, 3)]
    assert attrs(outs[1]) == {"splits": [1, 3], "axis": 1}
    outs = builder.split(x, (6,))
    assert [o.shape for o in outs] == [(6, 4)]


def test_split_splits_not_unsigned(builder: B) -> None:
    x = inp(builder, [6])
    with type_error("split", "splits", "-2"):
        builder.split(x, -2)
    with type_error("split", "splits", "-1"):
        builder.split(x, [7, -1])
    with type_error("split", "splits", "True"):
        builder.split(x, True)
    with type_error("split", "splits", "integer (a count)", "2.0"):
        builder.split(x, 2.0)
    with type_error("split", "splits", "sequence of integers", "None"):
        builder.split(x, None)


def test_split_axis_not_unsigned(builder: B) -> None:
    with type_error("split", "axis", "-1"):
        builder.split(inp(builder, [6]), 2, axis=-1)


def test_split_axis_out_of_range(builder: B) -> None:
    with type_error("split", "axis 2", "out of range", "rank 2"):
        builder.split(inp(builder, [6, 4]), 2, axis=2)


def test_split_count_zero(builder: B) -> None:
    with type_error("split", "splits 0", "[1, 8192]"):
        builder.split(inp(builder, [6]), 0)


def test_split_count_too_large(builder: B) -> None:
    with type_error("split", "splits 8193", "[1, 8192]"):
        builder.split(inp(builder, [8193]), 8193)


def test_split_count_does_not_divide(builder: B) -> None:
    with type_error("split", "splits 4", "does not divide", "6", "axis 0"):
        builder.split(inp(builder, [6]), 4)


def test_split_sizes_empty(builder: B) -> None:
    with type_error("split", "splits []", "0 items", "[1, 8192]"):
        builder.split(inp(builder, [6]), [])


def test_split_sizes_too_many(builder: B) -> None:
    with type_error("split", "8193 items", "[1, 8192]"):
        builder.split(inp(builder, [8193]), [1] * 8193)


def test_split_sizes_zero_item(builder: B) -> None:
    with type_error("split", "splits [6, 0]", "0 item"):
        builder.split(inp(builder, [6]), [6, 0])


def test_split_sizes_wrong_sum(builder: B) -> None:
    with type_error("split", "splits [2, 3]", "sum to 5", "is 6"):
        builder.split(inp(builder, [6]), [2, 3])


def test_split_rank0_not_allowed(builder: B) -> None:
    with type_error("split", "input", "rank 0"):
        builder.split(inp(builder, []), 1)


# -------------------------------------------------------------------- pad


def test_pad_infers(builder: B) -> None:
    x = inp(builder, [2, 3], "int64")
    y = builder.pad(x, [1, 0], [2, 3])
    check(y, [5, 6], "int64")
    assert attrs(y) == {"beginningPadding": [1, 0], "endingPadding": [2, 3],
                        "mode": "constant", "value": 0}
    y = builder.pad(x, [1, 2], [1, 2], mode="reflection", value=2**62 + 1)
    check(y, [4, 7], "int64")
    assert attrs(y)["mode"] == "reflection"
    assert attrs(y)["value"] == 2**62 + 1
    check(builder.pad(x, [9, 9], [9, 9], mode="edge"), [20, 21], "int64")
    check(builder.pad(inp(builder, [], name="s"), [], []), [])


def test_pad_value_is_cast(builder: B) -> None:
    x = inp(builder, [2], "int8")
    assert attrs(builder.pad(x, [1], [1], value=1000))["value"] == 127
    assert attrs(builder.pad(x, [1], [1], value=-2.5))["value"] == -2
    h = inp(builder, [2], "float16", "h")
    assert attrs(builder.pad(h, [1], [1], value=1e9))["value"] == float("inf")
    u = inp(builder, [2], "uint64", "u")
    assert attrs(builder.pad(u, [1], [1], value=2**64 - 1))["value"] == 2**64 - 1


def test_pad_padding_not_unsigned(builder: B) -> None:
    x = inp(builder, [2])
    with type_error("pad", "beginning_padding", "-1"):
        builder.pad(x, [-1], [0])
    with type_error("pad", "ending_padding", "-1"):
        builder.pad(x, [0], [-1])


def test_pad_bad_mode(builder: B) -> None:
    with type_error("pad", "mode 'symmetric'", "MLPaddingMode", "'reflection'"):
        builder.pad(inp(builder, [2]), [0], [0], mode="symmetric")


def test_pad_bad_value(builder: B) -> None:
    with type_error("pad", "value", "'1'"):
        builder.pad(inp(builder, [2]), [0], [0], value="1")
    with type_error("pad", "value", "True"):
        builder.pad(inp(builder, [2], name="y"), [0], [0], value=True)


def test_pad_beginning_wrong_length(builder: B) -> None:
    with type_error("pad", "beginning_padding [1]", "2 items", "got 1 and 2"):
        builder.pad(inp(builder, [2, 3]), [1], [1, 1])


def test_pad_ending_wrong_length(builder: B) -> None:
    with type_error("pad", "ending_padding [1, 1, 1]", "2 items", "got 2 and 3"):
        builder.pad(inp(builder, [2, 3]), [1, 1], [1, 1, 1])


def test_pad_reflection_beginning_too_large(builder: B) -> None:
    with type_error("pad", "beginning_padding [0, 3]", "dimension 1",
                    "less than the input size 3"):
        builder.pad(inp(builder, [2, 3]), [0, 3], [0, 0], mode="reflection")


def test_pad_reflection_ending_too_large(builder: B) -> None:
    with type_error("pad", "ending_padding [2, 0]", "dimension 0",
                    "less than the input size 2"):
        builder.pad(inp(builder, [2, 3]), [1, 2], [2, 0], mode="reflection")


def test_pad_output_dimension_too_large(builder: B) -> None:
    with type_error("pad", "output dimension 0", str(MAXD + 2)):
        builder.pad(inp(builder, [2], "uint8"), [MAXD], [0])


# ----------------------------------------------------------------- expand


def test_expand_infers(builder: B) -> None:
    x = inp(builder, [3, 1], "uint32")
    y = builder.expand(x, [2, 3, 4])
    check(y, [2, 3, 4], "uint32")
    assert attrs(y) == {"newShape": [2, 3, 4]}
    check(builder.expand(x, [3, 1]), [3, 1], "uint32")
    s = inp(builder, [], name="s")
    check(builder.expand(s, [2, 5]), [2, 5])
    check(builder.expand(s, []), [])


def test_expand_new_shape_not_unsigned(builder: B) -> None:
    with type_error("expand", "new_shape", "-1"):
        builder.expand(inp(builder, [1]), [-1])


def test_expand_new_shape_zero(builder: B) -> None:
    with type_error("expand", "new_shape [0, 3]", "dimension 0"):
        builder.expand(inp(builder, [1, 3]), [0, 3])


def test_expand_not_broadcastable(builder: B) -> None:
    with type_error("expand", "input shape [3, 2]", "new_shape [3, 4]"):
        builder.expand(inp(builder, [3, 2]), [3, 4])


def test_expand_to_lower_rank(builder: B) -> None:
    with type_error("expand", "input shape [1, 3]", "new_shape [3]"):
        builder.expand(inp(builder, [1, 3]), [3])


def test_expand_output_rank_not_allowed(builder: B) -> None:
    with type_error("expand", "output rank 9"):
        builder.expand(inp(builder, [1]), [1] * 9)


# ------------------------------------------------------------------- tile


def test_tile_infers(builder: B) -> None:
    x = inp(builder, [2, 3], "float16")
    y = builder.tile(x, [3, 1])
    check(y, [6, 3], "float16")
    assert attrs(y) == {"repetitions": [3, 1]}
    check(builder.tile(inp(builder, [], name="s"), []), [])


def test_tile_repetitions_not_unsigned(builder: B) -> None:
    with type_error("tile", "repetitions", "-1"):
        builder.tile(inp(builder, [2]), [-1])


def test_tile_repetitions_wrong_length(builder: B) -> None:
    with type_error("tile", "repetitions [2]", "2 items", "got 1"):
        builder.tile(inp(builder, [2, 3]), [2])


def test_tile_repetitions_zero(builder: B) -> None:
    with type_error("tile", "repetitions [1, 0]", "0 item"):
        builder.tile(inp(builder, [2, 3]), [1, 0])


def test_tile_output_dimension_too_large(builder: B) -> None:
    with type_error("tile", "output dimension 0", str(2**31)):
        builder.tile(inp(builder, [2**16], "uint8"), [2**15])


# ---------------------------------------------------------------- reverse


def test_reverse_infers(builder: B) -> None:
    x = inp(builder, [2, 3, 4], "int8")
    y = builder.reverse(x)
    check(y, [2, 3, 4], "int8")
    assert attrs(y) == {"axes": [0, 1, 2]}
    assert attrs(builder.reverse(x, axes=[])) == {"axes": []}
    assert attrs(builder.reverse(x, axes=[2, 0])) == {"axes": [2, 0]}
    s = builder.reverse(inp(builder, [], name="s"))
    check(s, [])
    assert attrs(s) == {"axes": []}


def test_reverse_axes_not_unsigned(builder: B) -> None:
    with type_error("reverse", "axes", "-1"):
        builder.reverse(inp(builder, [2, 3]), axes=[-1])


def test_reverse_axes_out_of_range(builder: B) -> None:
    # the spec says "return failure" (a slip); we throw TypeError
    with type_error("reverse", "axes [0, 2]", "axis 2", "rank 2"):
        builder.reverse(inp(builder, [2, 3]), axes=[0, 2])


def test_reverse_axes_duplicates(builder: B) -> None:
    with type_error("reverse", "axes [1, 1]", "duplicates"):
        builder.reverse(inp(builder, [2, 3]), axes=[1, 1])


# ------------------------------------------------------------- triangular


def test_triangular_infers(builder: B) -> None:
    x = inp(builder, [2, 3, 4], "uint8")
    y = builder.triangular(x)
    check(y, [2, 3, 4], "uint8")
    assert attrs(y) == {"upper": True, "diagonal": 0}
    y = builder.triangular(x, upper=False, diagonal=-(2**31))
    assert attrs(y) == {"upper": False, "diagonal": -(2**31)}
    assert attrs(builder.triangular(x, diagonal=MAXD))["diagonal"] == MAXD


def test_triangular_rank_too_low(builder: B) -> None:
    with type_error("triangular", "input", "rank 1", "expected rank 2"):
        builder.triangular(inp(builder, [3]))


def test_triangular_upper_not_bool(builder: B) -> None:
    with type_error("triangular", "upper", "True or False", "1"):
        builder.triangular(inp(builder, [2, 2]), upper=1)


def test_triangular_diagonal_not_long(builder: B) -> None:
    x = inp(builder, [2, 2])
    with type_error("triangular", "diagonal", "1.5"):
        builder.triangular(x, diagonal=1.5)
    with type_error("triangular", "diagonal", str(2**31)):
        builder.triangular(x, diagonal=2**31)
    with type_error("triangular", "diagonal", str(-(2**31) - 1)):
        builder.triangular(x, diagonal=-(2**31) - 1)
    with type_error("triangular", "diagonal", "False"):
        builder.triangular(x, diagonal=False)
