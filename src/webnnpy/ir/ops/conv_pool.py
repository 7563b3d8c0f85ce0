"""Validation and shape inference for the conv_pool family (spec steps, in order):
conv2d (#api-mlgraphbuilder-conv2d), convTranspose2d
(#api-mlgraphbuilder-convtranspose2d) and the pooling operations
averagePool2d, l2Pool2d, maxPool2d (#api-mlgraphbuilder-pool2d).

Data types and ranks (including "same type as" constraints) are checked
against the context's limits before these rules run; what remains is the
options and shapes.

The normalized attributes hold every option explicitly:

- conv2d: ``padding`` (4), ``strides`` (2), ``dilations`` (2), ``groups``,
  ``inputLayout``, ``filterLayout``.
- convTranspose2d: the same plus ``outputPadding`` and ``outputSizes``, both
  resolved so that ``outputSizes`` is the output's spatial size and
  ``outputPadding`` is ``outputSizes`` minus the computed size (when the caller
  gave ``outputSizes``, the given ``outputPadding`` is ignored, as the spec
  says).
- pools: ``windowDimensions`` (2), ``padding``, ``strides``, ``dilations``,
  ``layout``, ``outputSizes`` (the output's spatial size, always resolved) and
  ``outputShapeRounding`` (one that gives ``outputSizes``: when the caller's
  ``outputSizes`` overrides the rounding, the stored rounding is changed to
  the one they match).

Two spec slips in the pooling algorithm are read by their evident intent:
the step "outputSizes' items must be smaller than strides" is not applied
(it would reject every ordinary outputSizes; the real check is the following
floor/ceil comparison), and ``padding`` is NOT reset to zeros when
``outputSizes`` is given (``outputSizes`` only replaces the rounding).
convTranspose2d additionally requires ``inputChannels % groups == 0``, which
the spec's steps omit but its filter layout (``inputChannels/groups`` per
group) presupposes.
"""

from __future__ import annotations

from typing import Any

from webnnpy.ir.checks import (
    MAX_DIMENSION,
    fail,
    is_valid_dimension,
    py,
)
from webnnpy.ir.descriptor import Desc
from webnnpy.ir.graph import Node, Value
from webnnpy.ir.registry import OperandDescs, RuleTable, operand, optional_operand

__all__ = [
    "CONV2D_FILTER_LAYOUTS",
    "CONV_TRANSPOSE2D_FILTER_LAYOUTS",
    "POOLS",
    "RULES",
    "conv_output_size",
    "conv_transpose_output_size",
    "pool_padding_for_output",
]

RULES = RuleTable()

Result = tuple[list[Desc], dict[str, Any]]

POOLS = ("averagePool2d", "l2Pool2d", "maxPool2d")

#: filter layout -> positions of (out channels, in channels per group, H, W)
CONV2D_FILTER_LAYOUTS: dict[str, tuple[int, int, int, int]] = {
    "oihw": (0, 1, 2, 3),
    "hwio": (3, 2, 0, 1),
    "ohwi": (0, 3, 1, 2),
    "ihwo": (3, 0, 1, 2),
}
#: filter layout -> positions of (in channels, out channels per group, H, W)
CONV_TRANSPOSE2D_FILTER_LAYOUTS: dict[str, tuple[int, int, int, int]] = {
    "iohw": (0, 1, 2, 3),
    "hwoi": (3, 2, 0, 1),
    "ohwi": (3, 0, 1, 2),
}


# ----------------------------------------------------------- option helpers


def _sized(op: str, name: str, value: list[int] | None, default: list[int]
           ) -> list[int]:
    """The spec's "if absent set to default, otherwise its size must be N"."""
    if value is None:
        return list(default)
    if len(value) != len(default):
        fail(op, f"{py(name)} {value} must have {len(default)} items, got "
                 f"{len(value)}")
    return value


def _nonzero(op: str, name: str, value: list[int]) -> None:
    """No item may be 0."""
    if 0 in value:
        fail(op, f"{py(name)} {value} has an item equal to 0; every item must "
                 f"be at least 1")


def _spatial(layout: str, shape: tuple[int, ...]) -> tuple[int, int, int, int]:
    """(batches, channels, height, width) of a 4-D input in ``layout``."""
    if layout == "nchw":
        n, c, h, w = shape
    else:
        n, h, w, c = shape
    return n, c, h, w


def _out_shape(layout: str, n: int, c: int, h: int, w: int) -> tuple[int, ...]:
    return (n, c, h, w) if layout == "nchw" else (n, h, w, c)


# ------------------------------------------------------------- output sizes


def conv_output_size(input_size: int, filter_size: int, begin: int, end: int,
                     stride: int, dilation: int, *, ceil: bool = False) -> int:
    """The spec's *calculate conv output size*, rounded down (or up): computed
    exactly in integers as floor/ceil((in - effective + pads) / stride) + 1."""
    effective = (filter_size - 1) * dilation + 1
    num = input_size - effective + begin + end
    q = -((-num) // stride) if ceil else num // stride
    return q + 1


def conv_transpose_output_size(input_size: int, filter_size: int, begin: int,
                               end: int, stride: int, dilation: int) -> int:
    """The spec's *calculate convtranspose output size* (an integer)."""
    effective = (filter_size - 1) * dilation + 1
    return (input_size - 1) * stride + effective - begin - end


def pool_padding_for_output(attrs: dict[str, Any], h: int, w: int
                            ) -> tuple[int, int, int, int]:
    """A pool node's padding (top, bottom, left, right) with the end padding
    its last windows need beyond the given padding to give exactly its
    ``outputSizes`` (ceil rounding or explicit sizes read past the end), for
    lowerings whose pool computes the output size by floor rounding."""
    kh, kw = attrs["windowDimensions"]
    (sh, sw), (dh, dw) = attrs["strides"], attrs["dilations"]
    pt, pb, pl, pr = attrs["padding"]
    oh, ow = attrs["outputSizes"]
    pb += max(0, (oh - 1) * sh + (kh - 1) * dh + 1 - (h + pt + pb))
    pr += max(0, (ow - 1) * sw + (kw - 1) * dw + 1 - (w + pl + pr))
    return pt, pb, pl, pr


def _check_output_dims(op: str, h: int, w: int, why: str) -> None:
    for name, d in (("height", h), ("width", w)):
        if not is_valid_dimension(d):
            fail(op, f"the output {name} {d} ({why}) is not a valid dimension; "
                     f"expected an integer in [1, {MAX_DIMENSION}]")


# ------------------------------------------------------------------- conv2d


@RULES.define("conv2d")
def _conv2d(op: str, x: OperandDescs, attrs: dict[str, Any]) -> Result:
    inp, flt = operand(x, "input"), operand(x, "filter")
    bias = optional_operand(x, "bias")
    # the options, converted by ir.convert
    padding = attrs.get("padding")
    strides = attrs.get("strides")
    dilations = attrs.get("dilations")
    groups = attrs["groups"]
    input_layout = attrs["inputLayout"]
    filter_layout = attrs["filterLayout"]
    # method steps
    padding = _sized(op, "padding", padding, [0, 0, 0, 0])
    strides = _sized(op, "strides", strides, [1, 1])
    _nonzero(op, "strides", strides)
    dilations = _sized(op, "dilations", dilations, [1, 1])
    _nonzero(op, "dilations", dilations)
    if groups == 0:
        fail(op, "groups 0 must be at least 1")
    n, in_c, in_h, in_w = _spatial(input_layout, inp.shape)
    io, ii, ih, iw = CONV2D_FILTER_LAYOUTS[filter_layout]
    fs = flt.shape
    out_c, f_in_c, f_h, f_w = fs[io], fs[ii], fs[ih], fs[iw]
    if in_c % groups != 0:
        fail(op, f"input channels {in_c} (input shape {list(inp.shape)}, "
                 f"{input_layout}) are not divisible by groups {groups}")
    if in_c // groups != f_in_c:
        fail(op, f"filter shape {list(fs)} ({filter_layout}) has {f_in_c} input "
                 f"channels; expected input channels / groups = {in_c} / "
                 f"{groups} = {in_c // groups}")
    if out_c % groups != 0:
        fail(op, f"filter shape {list(fs)} ({filter_layout}) has {out_c} output "
                 f"channels, which are not divisible by groups {groups}")
    if bias is not None and bias.shape != (out_c,):
        fail(op, f"bias shape {list(bias.shape)} must be [{out_c}] (the output "
                 f"channels)")
    out_h = conv_output_size(in_h, f_h, padding[0], padding[1], strides[0],
                             dilations[0])
    out_w = conv_output_size(in_w, f_w, padding[2], padding[3], strides[1],
                             dilations[1])
    _check_output_dims(op, out_h, out_w,
                       f"input {in_h}x{in_w}, filter {f_h}x{f_w}, padding "
                       f"{padding}, strides {strides}, dilations {dilations}")
    out = Desc(inp.data_type, _out_shape(input_layout, n, out_c, out_h, out_w))
    return [out], {"padding": padding, "strides": strides, "dilations": dilations,
                   "groups": groups, "inputLayout": input_layout,
                   "filterLayout": filter_layout}


# ---------------------------------------------------------- convTranspose2d


def _grouped_transpose_check(node: Node) -> str | None:
    """Why a node the builder's steps accepted has no defined computation
    (build() then rejects with OperationError), or None: the rule's
    build check.

    convTranspose2d: the steps never check that the input channels divide
    into ``groups``, but its filter layout (outputChannels/groups per group)
    presupposes it."""
    inp = node.operands["input"]
    assert isinstance(inp, Value)
    _, in_c, _, _ = _spatial(node.attrs["inputLayout"], inp.desc.shape)
    groups = node.attrs["groups"]
    if in_c % groups:
        return (f"convTranspose2d: input channels {in_c} are not divisible by "
                f"groups {groups}, so the grouped convolution is undefined")
    return None


@RULES.define("convTranspose2d", build_check=_grouped_transpose_check)
def _conv_transpose2d(op: str, x: OperandDescs, attrs: dict[str, Any]) -> Result:
    inp, flt = operand(x, "input"), operand(x, "filter")
    bias = optional_operand(x, "bias")
    # the options, converted by ir.convert
    padding = attrs.get("padding")
    strides = attrs.get("strides")
    dilations = attrs.get("dilations")
    output_padding = attrs.get("outputPadding")
    output_sizes = attrs.get("outputSizes")
    groups = attrs["groups"]
    input_layout = attrs["inputLayout"]
    filter_layout = attrs["filterLayout"]
    # method steps
    padding = _sized(op, "padding", padding, [0, 0, 0, 0])
    strides = _sized(op, "strides", strides, [1, 1])
    _nonzero(op, "strides", strides)
    dilations = _sized(op, "dilations", dilations, [1, 1])
    _nonzero(op, "dilations", dilations)
    output_padding = _sized(op, "outputPadding", output_padding, [0, 0])
    if output_sizes is not None:
        if len(output_sizes) != 2:
            fail(op, f"{py('outputSizes')} {output_sizes} must have 2 items, got "
                     f"{len(output_sizes)}")
    elif output_padding[0] >= strides[0] or output_padding[1] >= strides[1]:
        fail(op, f"{py('outputPadding')} {output_padding} must be smaller than "
                 f"strides {strides} in each dimension")
    if groups == 0:
        fail(op, "groups 0 must be at least 1")
    n, in_c, in_h, in_w = _spatial(input_layout, inp.shape)
    ii, io, ih, iw = CONV_TRANSPOSE2D_FILTER_LAYOUTS[filter_layout]
    fs = flt.shape
    f_in_c, f_out_c, f_h, f_w = fs[ii], fs[io], fs[ih], fs[iw]
    if in_c != f_in_c:
        fail(op, f"filter shape {list(fs)} ({filter_layout}) has {f_in_c} input "
                 f"channels; expected the input's {in_c} (input shape "
                 f"{list(inp.shape)}, {input_layout})")
    out_c = f_out_c * groups
    if not is_valid_dimension(out_c):
        fail(op, f"output channels {f_out_c} * groups {groups} = {out_c} is not "
                 f"a valid dimension")
    # The steps accept input channels that groups does not divide, although
    # no computation is defined for them; build() refuses such a graph with
    # OperationError (see _grouped_transpose_check()).
    if bias is not None and bias.shape != (out_c,):
        fail(op, f"bias shape {list(bias.shape)} must be [{out_c}] (the output "
                 f"channels)")
    calc_h = conv_transpose_output_size(in_h, f_h, padding[0], padding[1],
                                        strides[0], dilations[0])
    calc_w = conv_transpose_output_size(in_w, f_w, padding[2], padding[3],
                                        strides[1], dilations[1])
    if output_sizes is not None:
        out_h, out_w = output_sizes
        for name, got, calc, s in (("height", out_h, calc_h, strides[0]),
                                   ("width", out_w, calc_w, strides[1])):
            if got < calc or got >= calc + s:
                fail(op, f"{py('outputSizes')} {output_sizes}: the output {name} "
                         f"{got} must be in [{calc}, {calc + s}) (the computed "
                         f"size {calc} plus less than the stride {s})")
    else:
        out_h = calc_h + output_padding[0]
        out_w = calc_w + output_padding[1]
    _check_output_dims(op, out_h, out_w,
                       f"input {in_h}x{in_w}, filter {f_h}x{f_w}, padding "
                       f"{padding}, strides {strides}, dilations {dilations}")
    out = Desc(inp.data_type, _out_shape(input_layout, n, out_c, out_h, out_w))
    return [out], {"padding": padding, "strides": strides, "dilations": dilations,
                   "outputPadding": [out_h - calc_h, out_w - calc_w],
                   "outputSizes": [out_h, out_w], "groups": groups,
                   "inputLayout": input_layout, "filterLayout": filter_layout}


# ------------------------------------------------------------------- pools


@RULES.define(*POOLS)
def _pool2d(op: str, x: OperandDescs, attrs: dict[str, Any]) -> Result:
    inp = operand(x, "input")
    # the options, converted by ir.convert
    window = attrs.get("windowDimensions")
    padding = attrs.get("padding")
    strides = attrs.get("strides")
    dilations = attrs.get("dilations")
    layout = attrs["layout"]
    rounding = attrs["outputShapeRounding"]
    output_sizes = attrs.get("outputSizes")
    # method steps (data type and rank were checked against the limits)
    n, c, in_h, in_w = _spatial(layout, inp.shape)
    window = _sized(op, "windowDimensions", window, [in_h, in_w])
    _nonzero(op, "windowDimensions", window)
    # Spec slip: the spec also resets padding to zeros when outputSizes exists;
    # outputSizes only replaces the rounding, so the given padding is kept.
    padding = _sized(op, "padding", padding, [0, 0, 0, 0])
    strides = _sized(op, "strides", strides, [1, 1])
    _nonzero(op, "strides", strides)
    if output_sizes is not None and len(output_sizes) != 2:
        fail(op, f"{py('outputSizes')} {output_sizes} must have 2 items, got "
                 f"{len(output_sizes)}")
    # Spec slip: "outputSizes' items must be smaller than strides" is not
    # applied; the floor/ceil comparison below is the intended check.
    dilations = _sized(op, "dilations", dilations, [1, 1])
    _nonzero(op, "dilations", dilations)
    args_h = (in_h, window[0], padding[0], padding[1], strides[0], dilations[0])
    args_w = (in_w, window[1], padding[2], padding[3], strides[1], dilations[1])
    floor_h, floor_w = conv_output_size(*args_h), conv_output_size(*args_w)
    ceil_h = conv_output_size(*args_h, ceil=True)
    ceil_w = conv_output_size(*args_w, ceil=True)
    if output_sizes is not None:
        out_h, out_w = output_sizes
        if [out_h, out_w] not in ([floor_h, floor_w], [ceil_h, ceil_w]):
            fail(op, f"{py('outputSizes')} {output_sizes} must be either the "
                     f"rounded-down sizes {[floor_h, floor_w]} or the rounded-up "
                     f"sizes {[ceil_h, ceil_w]}")
        # the stored rounding is one that gives these sizes
        if rounding == "floor" and [out_h, out_w] != [floor_h, floor_w]:
            rounding = "ceil"
        elif rounding == "ceil" and [out_h, out_w] != [ceil_h, ceil_w]:
            rounding = "floor"
    elif rounding == "floor":
        out_h, out_w = floor_h, floor_w
    else:
        out_h, out_w = ceil_h, ceil_w
    _check_output_dims(op, out_h, out_w,
                       f"input {in_h}x{in_w}, window {window[0]}x{window[1]}, "
                       f"padding {padding}, strides {strides}, dilations "
                       f"{dilations}")
    out = Desc(inp.data_type, _out_shape(layout, n, c, out_h, out_w))
    return [out], {"windowDimensions": window, "padding": padding,
                   "strides": strides, "dilations": dilations, "layout": layout,
                   "outputShapeRounding": rounding,
                   "outputSizes": [out_h, out_w]}
