"""Validation steps and shape inference of conv2d, convTranspose2d and the
pooling ops (no backend run)."""

from __future__ import annotations

import pytest

import webnnpy
from helpers import type_error


def _in(b, name, dtype, shape):
    return b.input(name, {"data_type": dtype, "shape": shape})


# ------------------------------------------------------------------ conv2d


@pytest.mark.parametrize("input_layout,filter_layout,in_shape,f_shape,out_shape", [
    ("nchw", "oihw", [1, 4, 6, 7], [6, 2, 3, 2], (1, 6, 3, 4)),
    ("nchw", "hwio", [1, 4, 6, 7], [3, 2, 2, 6], (1, 6, 3, 4)),
    ("nhwc", "ohwi", [1, 6, 7, 4], [6, 3, 2, 2], (1, 3, 4, 6)),
    ("nhwc", "ihwo", [1, 6, 7, 4], [2, 3, 2, 6], (1, 3, 4, 6)),
])
def test_conv2d_shapes(builder, input_layout, filter_layout, in_shape, f_shape,
                       out_shape):
    # H: (6 - 3 + 1 + 0) / 2 + 1 = 3; W: (7 - 2 + 0 + 1) / 2 + 1 = 4
    x = _in(builder, "x", "float32", in_shape)
    w = _in(builder, "w", "float32", f_shape)
    y = builder.conv2d(x, w, padding=[1, 0, 0, 1], strides=[2, 2],
                       dilations=[1, 1], groups=2, input_layout=input_layout,
                       filter_layout=filter_layout)
    assert y.shape == out_shape and y.data_type == "float32"


def test_conv2d_default_shape_and_float16(builder):
    x = _in(builder, "x", "float16", [2, 3, 5, 5])
    w = _in(builder, "w", "float16", [8, 3, 3, 3])
    y = builder.conv2d(x, w)
    assert y.shape == (2, 8, 3, 3) and y.data_type == "float16"


def test_conv2d_dilation_and_floor(builder):
    # (10 - ((3 - 1) * 3 + 1) + 0) / 2 + 1 = 2.5 -> 2
    x = _in(builder, "x", "float32", [1, 1, 10, 10])
    w = _in(builder, "w", "float32", [1, 1, 3, 3])
    y = builder.conv2d(x, w, strides=[2, 2], dilations=[3, 3])
    assert y.shape == (1, 1, 2, 2)


@pytest.fixture
def conv_args(builder):
    return _in(builder, "x", "float32", [1, 4, 5, 5]), _in(
        builder, "w", "float32", [2, 4, 3, 3])


def test_conv2d_input_type(builder):
    x = _in(builder, "x", "int32", [1, 4, 5, 5])
    w = _in(builder, "w", "int32", [2, 4, 3, 3])
    with type_error("conv2d:", "input has data type int32"):
        builder.conv2d(x, w)


def test_conv2d_input_rank(builder):
    x = _in(builder, "x", "float32", [4, 5, 5])
    w = _in(builder, "w", "float32", [2, 4, 3, 3])
    with type_error("conv2d:", "input has rank 3", "expected rank 4"):
        builder.conv2d(x, w)


def test_conv2d_filter_rank(builder):
    x = _in(builder, "x", "float32", [1, 4, 5, 5])
    w = _in(builder, "w", "float32", [2, 4, 3])
    with type_error("conv2d:", "filter has rank 3"):
        builder.conv2d(x, w)


def test_conv2d_filter_type(builder):
    x = _in(builder, "x", "float32", [1, 4, 5, 5])
    w = _in(builder, "w", "float16", [2, 4, 3, 3])
    with type_error("conv2d:", "filter has data type float16", "input has float32"):
        builder.conv2d(x, w)


@pytest.mark.parametrize("name,value,fragments", [
    ("padding", [1, 1], ("padding [1, 1] must have 4 items, got 2",)),
    ("padding", [1, -1, 0, 0], ("padding must be an integer", "-1")),
    ("padding", 1, ("padding must be a sequence",)),
    ("strides", [1, 1, 1], ("strides [1, 1, 1] must have 2 items",)),
    ("strides", [1, 0], ("strides [1, 0] has an item equal to 0",)),
    ("dilations", [2], ("dilations [2] must have 2 items",)),
    ("dilations", [0, 1], ("dilations [0, 1] has an item equal to 0",)),
    ("groups", 0, ("groups 0 must be at least 1",)),
    ("groups", -1, ("groups must be an integer", "-1")),
    ("input_layout", "nhcw", ("input_layout 'nhcw' is not a valid",
                              "MLInputOperandLayout")),
    ("filter_layout", "iohw", ("filter_layout 'iohw' is not a valid",
                               "MLConv2dFilterOperandLayout")),
])
def test_conv2d_bad_options(builder, conv_args, name, value, fragments):
    x, w = conv_args
    with type_error("conv2d:", *fragments):
        builder.conv2d(x, w, **{name: value})


def test_conv2d_channels_not_divisible_by_groups(builder, conv_args):
    x, w = conv_args
    with type_error("conv2d:", "input channels 4", "not divisible by groups 3"):
        builder.conv2d(x, w, groups=3)


def test_conv2d_filter_input_channels(builder):
    x = _in(builder, "x", "float32", [1, 4, 5, 5])
    w = _in(builder, "w", "float32", [2, 4, 3, 3])
    with type_error("conv2d:", "filter shape [2, 4, 3, 3]", "4 input channels",
                    "expected input channels / groups = 4 / 2 = 2"):
        builder.conv2d(x, w, groups=2)


def test_conv2d_output_channels_not_divisible_by_groups(builder):
    x = _in(builder, "x", "float32", [1, 4, 5, 5])
    w = _in(builder, "w", "float32", [3, 2, 3, 3])
    with type_error("conv2d:", "3 output channels", "not divisible by groups 2"):
        builder.conv2d(x, w, groups=2)


def test_conv2d_bias_shape(builder, conv_args):
    x, w = conv_args
    bias = _in(builder, "b", "float32", [3])
    with type_error("conv2d:", "bias shape [3] must be [2]"):
        builder.conv2d(x, w, bias=bias)


def test_conv2d_bias_type(builder, conv_args):
    x, w = conv_args
    bias = _in(builder, "b", "float16", [2])
    with type_error("conv2d:", "bias has data type float16"):
        builder.conv2d(x, w, bias=bias)


def test_conv2d_bias_rank(builder, conv_args):
    x, w = conv_args
    bias = _in(builder, "b", "float32", [1, 2])
    with type_error("conv2d:", "bias has rank 2", "expected rank 1"):
        builder.conv2d(x, w, bias=bias)


def test_conv2d_output_size_not_valid(builder, conv_args):
    x, w = conv_args
    # effective filter (3 - 1) * 3 + 1 = 7 > 5: output height 0
    with type_error("conv2d:", "output height", "not a valid dimension"):
        builder.conv2d(x, w, dilations=[3, 1])


def test_conv2d_padding_makes_it_valid(builder, conv_args):
    x, w = conv_args
    y = builder.conv2d(x, w, dilations=[3, 1], padding=[1, 1, 0, 0])
    assert y.shape == (1, 2, 1, 3)


def test_conv2d_label_in_message(builder, conv_args):
    x, w = conv_args
    with type_error("[c1]", "conv2d:", "strides"):
        builder.conv2d(x, w, strides=[0, 0], label="c1")


# ---------------------------------------------------------- convTranspose2d


@pytest.mark.parametrize("input_layout,filter_layout,in_shape,f_shape,out_shape", [
    ("nchw", "iohw", [1, 4, 3, 4], [4, 3, 3, 2], (1, 6, 7, 8)),
    ("nchw", "hwoi", [1, 4, 3, 4], [3, 2, 3, 4], (1, 6, 7, 8)),
    ("nhwc", "ohwi", [1, 3, 4, 4], [3, 3, 2, 4], (1, 7, 8, 6)),
])
def test_conv_transpose2d_shapes(builder, input_layout, filter_layout, in_shape,
                                 f_shape, out_shape):
    # outputChannels 3 * 2 = 6; H: (3 - 1) * 2 + 3 - 1 - 0 + 1 = 7;
    # W: (4 - 1) * 2 + 2 - 0 - 1 + 1 = 8
    x = _in(builder, "x", "float32", in_shape)
    w = _in(builder, "w", "float32", f_shape)
    y = builder.conv_transpose2d(x, w, padding=[1, 0, 0, 1], strides=[2, 2],
                                 output_padding=[1, 1], groups=2,
                                 input_layout=input_layout,
                                 filter_layout=filter_layout)
    assert y.shape == out_shape and y.data_type == "float32"


def test_conv_transpose2d_default_shape(builder):
    x = _in(builder, "x", "float16", [2, 3, 4, 5])
    w = _in(builder, "w", "float16", [3, 7, 3, 2])
    y = builder.conv_transpose2d(x, w)
    assert y.shape == (2, 7, 6, 6) and y.data_type == "float16"


def test_conv_transpose2d_output_sizes_shape(builder):
    x = _in(builder, "x", "float32", [1, 1, 3, 3])
    w = _in(builder, "w", "float32", [1, 1, 3, 3])
    # computed (3 - 1) * 2 + 3 = 7; outputSizes may be 7 or 8
    y = builder.conv_transpose2d(x, w, strides=[2, 2], output_sizes=[8, 7],
                                 output_padding=[9, 9])
    assert y.shape == (1, 1, 8, 7)


@pytest.fixture
def convt_args(builder):
    return _in(builder, "x", "float32", [1, 4, 3, 3]), _in(
        builder, "w", "float32", [4, 2, 3, 3])


def test_conv_transpose2d_input_rank(builder):
    x = _in(builder, "x", "float32", [1, 4, 3, 3, 1])
    w = _in(builder, "w", "float32", [4, 2, 3, 3])
    with type_error("convTranspose2d:",
                    "input has rank 5"):
        builder.conv_transpose2d(x, w)


def test_conv_transpose2d_input_type(builder):
    x = _in(builder, "x", "uint8", [1, 4, 3, 3])
    w = _in(builder, "w", "uint8", [4, 2, 3, 3])
    with type_error("convTranspose2d:", "input has data type uint8"):
        builder.conv_transpose2d(x, w)


def test_conv_transpose2d_filter_rank(builder):
    x = _in(builder, "x", "float32", [1, 4, 3, 3])
    w = _in(builder, "w", "float32", [4, 2, 3, 3, 1])
    with type_error("convTranspose2d:", "filter has rank 5"):
        builder.conv_transpose2d(x, w)


def test_conv_transpose2d_filter_type(builder):
    x = _in(builder, "x", "float16", [1, 4, 3, 3])
    w = _in(builder, "w", "float32", [4, 2, 3, 3])
    with type_error("convTranspose2d:", "filter has data type float32"):
        builder.conv_transpose2d(x, w)


@pytest.mark.parametrize("name,value,fragments", [
    ("padding", [0, 0, 0], ("padding [0, 0, 0] must have 4 items",)),
    ("padding", [0, 0, 0, 2**32], ("padding must be an integer in [0, 2**32)",)),
    ("strides", [2], ("strides [2] must have 2 items",)),
    ("strides", [0, 2], ("strides [0, 2] has an item equal to 0",)),
    ("dilations", [1, 1, 1], ("dilations [1, 1, 1] must have 2 items",)),
    ("dilations", [1, 0], ("dilations [1, 0] has an item equal to 0",)),
    ("output_padding", [0], ("output_padding [0] must have 2 items",)),
    ("output_padding", [1, 0], ("output_padding [1, 0] must be smaller than "
                                "strides [1, 1]",)),
    ("output_sizes", [5, 5, 5], ("output_sizes [5, 5, 5] must have 2 items",)),
    ("output_sizes", "55", ("output_sizes must be a sequence",)),
    ("groups", 0, ("groups 0 must be at least 1",)),
    ("input_layout", "NCHW", ("input_layout 'NCHW' is not a valid",)),
    ("filter_layout", "oihw", ("filter_layout 'oihw' is not a valid",
                               "MLConvTranspose2dFilterOperandLayout")),
])
def test_conv_transpose2d_bad_options(builder, convt_args, name, value, fragments):
    x, w = convt_args
    with type_error("convTranspose2d:", *fragments):
        builder.conv_transpose2d(x, w, **{name: value})


def test_conv_transpose2d_output_padding_equal_to_stride(builder, convt_args):
    x, w = convt_args
    with type_error("convTranspose2d:", "output_padding [1, 2]",
                    "smaller than strides [2, 2]"):
        builder.conv_transpose2d(x, w, strides=[2, 2], output_padding=[1, 2])


def test_conv_transpose2d_output_padding_ignored_with_output_sizes(builder,
                                                                  convt_args):
    x, w = convt_args
    y = builder.conv_transpose2d(x, w, output_padding=[3, 3], output_sizes=[5, 5])
    assert y.shape == (1, 2, 5, 5)


def test_conv_transpose2d_input_channels(builder):
    x = _in(builder, "x", "float32", [1, 4, 3, 3])
    w = _in(builder, "w", "float32", [2, 2, 3, 3])
    with type_error("convTranspose2d:", "filter shape [2, 2, 3, 3]",
                    "2 input channels", "expected the input's 4"):
        builder.conv_transpose2d(x, w)


def test_conv_transpose2d_output_channels_not_valid(builder):
    x = _in(builder, "x", "float32", [1, 2, 1, 1])
    w = _in(builder, "w", "float32", [2, 2, 1, 1])
    with type_error("convTranspose2d:", "output channels 2 * groups 1073741824",
                    "not a valid dimension"):
        builder.conv_transpose2d(x, w, groups=2**30)


def test_conv_transpose2d_input_channels_not_divisible_by_groups(builder,
                                                                convt_args):
    # The steps accept it (no such check; outputChannels = 2 * 3), but no
    # computation is defined, so build() rejects the graph with OperationError.
    x, w = convt_args
    y = builder.conv_transpose2d(x, w, groups=3)
    assert y.shape[1] == w.shape[1] * 3
    with pytest.raises(webnnpy.OperationError,
                       match="input channels 4 are not divisible by groups 3"):
        builder.build({"y": y})


def test_conv_transpose2d_bias_shape(builder, convt_args):
    x, w = convt_args
    bias = _in(builder, "b", "float32", [4])
    # outputChannels = 2 (filter) * groups 2 = 4 is fine; with groups 1 it is 2
    with type_error("convTranspose2d:", "bias shape [4] must be [2]"):
        builder.conv_transpose2d(x, w, bias=bias)
    y = builder.conv_transpose2d(x, _in(builder, "w2", "float32", [4, 2, 3, 3]),
                                 bias=bias, groups=2)
    assert y.shape == (1, 4, 5, 5)


def test_conv_transpose2d_bias_type(builder, convt_args):
    x, w = convt_args
    bias = _in(builder, "b", "float16", [2])
    with type_error("convTranspose2d:", "bias has data type float16"):
        builder.conv_transpose2d(x, w, bias=bias)


@pytest.mark.parametrize("sizes,fragment", [
    ([6, 7], "output height 6 must be in [7, 9)"),
    ([9, 7], "output height 9 must be in [7, 9)"),
    ([7, 10], "output width 10 must be in [7, 9)"),
])
def test_conv_transpose2d_output_sizes_range(builder, convt_args, sizes, fragment):
    x, w = convt_args
    # computed (3 - 1) * 2 + 3 = 7 in both dimensions, stride 2
    with type_error("convTranspose2d:", f"output_sizes {sizes}", fragment):
        builder.conv_transpose2d(x, w, strides=[2, 2], output_sizes=sizes)


def test_conv_transpose2d_output_size_not_valid(builder, convt_args):
    x, w = convt_args
    # computed 3 - 1 + 3 - 3 - 2 = 0
    with type_error("convTranspose2d:", "output height 0", "not a valid dimension"):
        builder.conv_transpose2d(x, w, padding=[3, 2, 0, 0])


# ------------------------------------------------------------------- pools

POOLS = ["average_pool2d", "l2_pool2d", "max_pool2d"]
SPEC = {"average_pool2d": "averagePool2d", "l2_pool2d": "l2Pool2d",
        "max_pool2d": "maxPool2d"}


@pytest.mark.parametrize("method", POOLS)
def test_pool_global_default(builder, method):
    x = _in(builder, "x", "float32", [2, 3, 7, 5])
    assert getattr(builder, method)(x).shape == (2, 3, 1, 1)
    x2 = _in(builder, "x2", "float16", [2, 7, 5, 3])
    y = getattr(builder, method)(x2, layout="nhwc")
    assert y.shape == (2, 1, 1, 3) and y.data_type == "float16"


@pytest.mark.parametrize("rounding,shape", [("floor", (1, 2, 3, 2)),
                                            ("ceil", (1, 2, 4, 3))])
def test_pool_rounding_shape(builder, rounding, shape):
    # H: (7 - 3 + 1 + 0) / 2 + 1 = 3.5; W: (6 - ((2-1)*2+1) + 0) / 2 + 1 = 2.5
    x = _in(builder, "x", "float32", [1, 2, 7, 6])
    y = builder.max_pool2d(x, window_dimensions=[3, 2], padding=[1, 0, 0, 0],
                           strides=[2, 2], dilations=[1, 2],
                           output_shape_rounding=rounding)
    assert y.shape == shape


@pytest.mark.parametrize("sizes", [[3, 2], [4, 3]])
def test_pool_output_sizes_floor_or_ceil(builder, sizes):
    x = _in(builder, "x", "float32", [1, 7, 6, 2])
    # the same sizes as above, in nhwc; outputSizes larger than the strides
    # are fine (spec slip: "smaller than strides" is not applied) and the
    # padding still counts (spec slip: it is not reset to zeros)
    y = builder.average_pool2d(x, window_dimensions=[3, 2], padding=[1, 0, 0, 0],
                               strides=[2, 2], dilations=[1, 2], layout="nhwc",
                               output_sizes=sizes)
    assert y.shape == (1, *sizes, 2)


@pytest.mark.parametrize("dtype", ["int8", "uint8", "int32", "uint32", "int64",
                                   "uint64"])
def test_max_pool2d_accepts_integers(builder, dtype):
    x = _in(builder, "x", dtype, [1, 1, 4, 4])
    y = builder.max_pool2d(x, window_dimensions=[2, 2], strides=[2, 2])
    assert y.shape == (1, 1, 2, 2) and y.data_type == dtype


@pytest.mark.parametrize("method", ["average_pool2d", "l2_pool2d"])
@pytest.mark.parametrize("dtype", ["int32", "uint8", "int64"])
def test_pool_float_only(builder, method, dtype):
    x = _in(builder, "x", dtype, [1, 1, 4, 4])
    with type_error(f"{SPEC[method]}:", f"input has data type {dtype}"):
        getattr(builder, method)(x)


@pytest.mark.parametrize("method", POOLS)
@pytest.mark.parametrize("shape", [[1, 4, 4], [1, 1, 1, 4, 4]])
def test_pool_input_rank(builder, method, shape):
    x = _in(builder, "x", "float32", shape)
    with type_error(f"{SPEC[method]}:", f"input has rank {len(shape)}"):
        getattr(builder, method)(x)


@pytest.mark.parametrize("method", POOLS)
@pytest.mark.parametrize("name,value,fragments", [
    ("layout", "hwnc", ("layout 'hwnc' is not a valid", "MLInputOperandLayout")),
    ("output_shape_rounding", "round", ("output_shape_rounding 'round' is not a "
                                        "valid MLRoundingType",)),
    ("window_dimensions", [2], ("window_dimensions [2] must have 2 items",)),
    ("window_dimensions", [2, 0], ("window_dimensions [2, 0] has an item equal "
                                   "to 0",)),
    ("window_dimensions", [2, 2.5], ("window_dimensions must be an integer",)),
    ("padding", [1, 1], ("padding [1, 1] must have 4 items",)),
    ("strides", [1], ("strides [1] must have 2 items",)),
    ("strides", [0, 1], ("strides [0, 1] has an item equal to 0",)),
    ("output_sizes", [2], ("output_sizes [2] must have 2 items",)),
    ("dilations", [1, 1, 1], ("dilations [1, 1, 1] must have 2 items",)),
    ("dilations", [1, 0], ("dilations [1, 0] has an item equal to 0",)),
])
def test_pool_bad_options(builder, method, name, value, fragments):
    x = _in(builder, "x", "float32", [1, 2, 5, 5])
    with type_error(f"{SPEC[method]}:", *fragments):
        getattr(builder, method)(x, **{name: value})


@pytest.mark.parametrize("sizes", [[3, 2], [3, 3]])
def test_pool_output_sizes_floor_or_ceil_accepted(builder, sizes):
    # H: (7 - 3 + 0) / 2 + 1 = 3 exactly; W: (6 - 2) / 3 + 1 = 2.33:
    # floor [3, 2], ceil [3, 3]
    x = _in(builder, "x", "float32", [1, 1, 7, 6])
    y = builder.max_pool2d(x, window_dimensions=[3, 2], strides=[2, 3],
                           output_sizes=sizes)
    assert y.shape == (1, 1, *sizes)


@pytest.mark.parametrize("sizes", [[2, 2], [5, 5], [2, 3], [4, 3], [3, 4]])
def test_pool_output_sizes_not_floor_nor_ceil(builder, sizes):
    x = _in(builder, "x", "float32", [1, 1, 7, 6])
    with type_error("maxPool2d:", f"output_sizes {sizes}",
                    "rounded-down sizes [3, 2]", "rounded-up sizes [3, 3]"):
        builder.max_pool2d(x, window_dimensions=[3, 2], strides=[2, 3],
                           output_sizes=sizes)


def test_pool_output_sizes_mixed_rounding_rejected(builder):
    # floor [2, 2] and ceil [3, 3]: [2, 3] mixes them, which the spec rejects
    x = _in(builder, "x", "float32", [1, 1, 6, 6])
    kw = dict(window_dimensions=[2, 2], strides=[3, 3])
    assert builder.l2_pool2d(x, output_sizes=[3, 3], **kw).shape == (1, 1, 3, 3)
    with type_error("l2Pool2d:", "output_sizes [2, 3]"):
        builder.l2_pool2d(x, output_sizes=[2, 3], **kw)


@pytest.mark.parametrize("method", POOLS)
def test_pool_output_size_not_valid(builder, method):
    x = _in(builder, "x", "float32", [1, 1, 4, 4])
    with type_error(f"{SPEC[method]}:", "output height 0", "not a valid dimension"):
        getattr(builder, method)(x, window_dimensions=[5, 2])
    # padding can make it valid
    y = getattr(builder, method)(x, window_dimensions=[5, 2], padding=[1, 0, 0, 0])
    assert y.shape == (1, 1, 1, 3)


# ------------------------------------------------------- normalized attrs


def _attrs(operand):
    return operand._value.producer.attrs


def test_conv2d_attrs_have_every_default(builder, conv_args):
    x, w = conv_args
    assert _attrs(builder.conv2d(x, w)) == {
        "padding": [0, 0, 0, 0], "strides": [1, 1], "dilations": [1, 1],
        "groups": 1, "inputLayout": "nchw", "filterLayout": "oihw"}


def test_conv_transpose2d_attrs_resolve_output_sizes(builder, convt_args):
    x, w = convt_args
    assert _attrs(builder.conv_transpose2d(x, w)) == {
        "padding": [0, 0, 0, 0], "strides": [1, 1], "dilations": [1, 1],
        "outputPadding": [0, 0], "outputSizes": [5, 5], "groups": 1,
        "inputLayout": "nchw", "filterLayout": "iohw"}
    # outputSizes given (computed 7x9): the ignored outputPadding becomes the
    # one the sizes imply
    y = builder.conv_transpose2d(x, w, strides=[2, 3], output_sizes=[8, 10],
                                 output_padding=[7, 7])
    a = _attrs(y)
    assert a["outputSizes"] == [8, 10] and a["outputPadding"] == [1, 1]


def test_pool_attrs_resolve_window_and_sizes(builder):
    x = _in(builder, "x", "float32", [1, 2, 5, 6])
    assert _attrs(builder.average_pool2d(x)) == {
        "windowDimensions": [5, 6], "padding": [0, 0, 0, 0], "strides": [1, 1],
        "dilations": [1, 1], "layout": "nchw", "outputShapeRounding": "floor",
        "outputSizes": [1, 1]}
    # (5 - 2) / 2 + 1 = 2.5: outputSizes [3, 3] are the ceil sizes, so the
    # stored rounding is "ceil" whatever the caller said
    y = builder.max_pool2d(x, window_dimensions=[2, 3], strides=[2, 2],
                           output_sizes=[3, 3])
    assert _attrs(y)["outputShapeRounding"] == "ceil"
    assert _attrs(y)["outputSizes"] == [3, 3]
