"""OpenVINO lowerings of the conv_pool family: conv2d, convTranspose2d and the
pools (averagePool2d, l2Pool2d, maxPool2d).

- OpenVINO convolutions and pools are NCHW with OIHW (Convolution) / IOHW
  (ConvolutionBackpropData) filters, grouped ones with a leading groups axis:
  "nhwc" inputs are transposed in and out, other filter layouts are
  transposed (at lowering time for constant filters).  WebNN padding is
  [top, bottom, left, right]; OpenVINO takes pads_begin [top, left] and
  pads_end [bottom, right].  The bias is an Add the CPU plugin fuses.
- pools use "floor" rounding with the end padding that ceil rounding (or
  ``outputSizes``) needs made explicit; average pools exclude padding
  (``exclude_pad``), l2Pool2d is ``sqrt(avg_pool(x * x) * window)`` with the
  padding included (it adds zeros).  A window over padding only, integer max
  pools and padding not smaller than the window use a "taps" decomposition:
  one strided Slice of the padded input per window position combined with
  Maximum or Add (average divides by a constant count of real elements).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from webnnpy.backends.openvino.emitter import Emitter, ops
from webnnpy.backends.openvino.lower_ops._table import Exclude, LoweringTable
from webnnpy.backends.openvino.lower_ops._util import (
    FLOATS,
    WIDE_INTS,
    dtype_of,
    int_less,
    where,
)
from webnnpy.ir.graph import Node, Value
from webnnpy.ir.ops.conv_pool import (
    CONV2D_FILTER_LAYOUTS,
    CONV_TRANSPOSE2D_FILTER_LAYOUTS,
    pool_padding_for_output,
)

__all__ = ["EXCLUDE", "LOWERINGS"]

LOWERINGS = LoweringTable()
EXCLUDE: Exclude = {}

_TO_NCHW = [0, 3, 1, 2]
_TO_NHWC = [0, 2, 3, 1]


def _filter(ctx: Emitter, node: Node, perm: tuple[int, int, int, int],
            groups: int) -> Any:
    """The filter in OpenVINO's layout (``perm`` gives its axes in that
    order), with a leading groups axis when ``groups`` > 1."""
    v = node.operands["filter"]
    assert isinstance(v, Value)
    shape = [v.desc.shape[i] for i in perm]
    grouped = [groups, shape[0] // groups, *shape[1:]] if groups > 1 else None
    if v.constant is not None:
        arr = v.constant if list(perm) == [0, 1, 2, 3] else np.transpose(
            v.constant, perm)
        if grouped is not None:
            arr = np.ascontiguousarray(arr).reshape(grouped)
        return ctx.array(arr)
    f = ctx.value(v)
    if list(perm) != [0, 1, 2, 3]:
        f = ops.transpose(f, ctx.ints(perm)).output(0)
    if grouped is not None:
        f = ops.reshape(f, ctx.ints(grouped), False).output(0)
    return f


def _nan_over_padding(ctx: Emitter, node: Node, f: Any, y: Any, fn: Any,
                      nhwc: bool) -> Any:
    """NaN where a NaN or infinite filter tap falls on padding: the spec pads
    with zeros and 0 * inf, 0 * NaN are NaN, but the plugin's Convolution
    skips padded positions.  A second convolution of a constant "is padding"
    indicator with the filter's "not finite" indicator counts such taps (only
    for padded convolutions whose filter is not a constant of finite
    values; OpenVINO folds it when the filter is a constant)."""
    a = node.attrs
    top, bottom, left, right = a["padding"]
    v = node.operands["filter"]
    assert isinstance(v, Value)
    dt = dtype_of(node, "input")
    if dt not in FLOATS or not (top or bottom or left or right) or (
            v.constant is not None and bool(np.isfinite(v.constant).all())):
        return y
    shape = node.operands["input"].desc.shape  # type: ignore[union-attr]
    c, h, w = (shape[3], shape[1], shape[2]) if nhwc else shape[1:]
    pad = np.ones((1, c, h + top + bottom, w + left + right), dt)
    pad[:, :, top:top + h, left:left + w] = 0
    bad_tap = ctx.cast(ops.logical_or(ops.is_nan(f), ops.is_inf(f)), dt)
    hits = fn(ctx.array(pad), bad_tap, list(a["strides"]), [0, 0], [0, 0],
              list(a["dilations"]))
    bad = ops.greater(hits, ctx.const(0, dt))
    return where(ctx, bad, ctx.const(np.nan, dt), y)


def _conv(ctx: Emitter, node: Node, transpose: bool) -> None:
    a = node.attrs
    nhwc = a["inputLayout"] == "nhwc"
    x = ctx.input(node, "input")
    if nhwc:
        x = ops.transpose(x, ctx.ints(_TO_NCHW)).output(0)
    top, bottom, left, right = a["padding"]
    groups = int(a["groups"])
    strides, dilations = list(a["strides"]), list(a["dilations"])
    if not transpose:
        f = _filter(ctx, node, CONV2D_FILTER_LAYOUTS[a["filterLayout"]], groups)
        fn = ops.group_convolution if groups > 1 else ops.convolution
        y = fn(x, f, strides, [top, left], [bottom, right], dilations).output(0)
        y = _nan_over_padding(ctx, node, f, y, fn, nhwc)
    else:
        f = _filter(ctx, node, CONV_TRANSPOSE2D_FILTER_LAYOUTS[a["filterLayout"]],
                    groups)
        fn = (ops.group_convolution_backprop_data if groups > 1
              else ops.convolution_backprop_data)
        y = fn(x, f, strides, pads_begin=[top, left], pads_end=[bottom, right],
               dilations=dilations, auto_pad="explicit",
               output_padding=list(a["outputPadding"])).output(0)
    b = ctx.opt(node, "bias")
    if b is not None:
        n = node.outputs[0].desc.shape[3 if nhwc else 1]
        y = ops.add(y, ops.reshape(b, ctx.ints([1, n, 1, 1]), False)).output(0)
    if nhwc:
        y = ops.transpose(y, ctx.ints(_TO_NHWC)).output(0)
    ctx.set(node, y)


@LOWERINGS.define("conv2d")
def _conv2d(ctx: Emitter, node: Node) -> None:
    _conv(ctx, node, transpose=False)


@LOWERINGS.define("convTranspose2d")
def _conv_transpose2d(ctx: Emitter, node: Node) -> None:
    _conv(ctx, node, transpose=True)


# -------------------------------------------------------------------- pools


def _counts(size: int, begin: int, out: int, stride: int, dilation: int,
            window: int) -> np.ndarray:
    """How many real (not padded) elements each output window holds, along
    one axis."""
    o = np.arange(out)[:, None] * stride + np.arange(window)[None, :] * dilation
    o = o - begin
    return ((o >= 0) & (o < size)).sum(axis=1)


def _lowest(dt: str) -> float | int:
    return -np.inf if dt in FLOATS else int(np.iinfo(dt).min)


@LOWERINGS.define("maxPool2d", "averagePool2d", "l2Pool2d")
def _pool(ctx: Emitter, node: Node) -> None:
    a = node.attrs
    dt = dtype_of(node, "input")
    v = node.operands["input"]
    assert isinstance(v, Value)
    nhwc = a["layout"] == "nhwc"
    _, _, h, w = (v.desc.shape[i] for i in (_TO_NCHW if nhwc else [0, 1, 2, 3]))
    kh, kw = a["windowDimensions"]
    (sh, sw), (dh, dw) = a["strides"], a["dilations"]
    oh, ow = a["outputSizes"]
    # plus the end padding the last windows need beyond the given padding
    pt, pb, pl, pr = pool_padding_for_output(a, h, w)
    # and no more than the windows read (floor rounding then gives oh, ow)
    pb = min(pb, max(0, (oh - 1) * sh + (kh - 1) * dh + 1 - (h + pt)))
    pr = min(pr, max(0, (ow - 1) * sw + (kw - 1) * dw + 1 - (w + pl)))
    rows = _counts(h, pt, oh, sh, dh, kh)
    cols = _counts(w, pl, ow, sw, dw, kw)
    x = ctx.input(node, "input")
    if nhwc:
        x = ops.transpose(x, ctx.ints(_TO_NCHW)).output(0)
    native = (max(pt, pb) < kh and max(pl, pr) < kw and rows.min() > 0
              and cols.min() > 0 and dt in FLOATS)
    if native:
        common = {"strides": [sh, sw], "pads_begin": [pt, pl],
                  "pads_end": [pb, pr], "kernel_shape": [kh, kw]}
        if node.op == "maxPool2d":
            y = ops.max_pool(x, dilations=[dh, dw], **common).output(0)
        elif node.op == "averagePool2d":
            y = ops.avg_pool(x, exclude_pad=True, dilations=[dh, dw],
                             **common).output(0)
        else:
            s = ops.avg_pool(ops.multiply(x, x), exclude_pad=False,
                             dilations=[dh, dw], **common)
            y = ops.sqrt(ops.multiply(s, ctx.const(kh * kw, dt))).output(0)
    else:
        y = _taps(ctx, node.op, x, dt, [pt, pl, pb, pr], (kh, kw), (sh, sw),
                  (dh, dw), (oh, ow), np.outer(rows, cols))
    if nhwc:
        y = ops.transpose(y, ctx.ints(_TO_NHWC)).output(0)
    ctx.set(node, y)


def _taps(ctx: Emitter, op: str, x: Any, dt: str, pads: list[int],
          window: tuple[int, int], strides: tuple[int, int],
          dilations: tuple[int, int], out_hw: tuple[int, int], counts: np.ndarray
          ) -> Any:
    """A pool as one strided slice of the padded input per window position."""
    pt, pl, pb, pr = pads
    fill = _lowest(dt) if op == "maxPool2d" else 0
    xp = ops.pad(x, ctx.ints([0, 0, pt, pl]), ctx.ints([0, 0, pb, pr]), "constant",
                 ctx.const(fill, dt)).output(0)
    (kh, kw), (sh, sw), (dh, dw), (oh, ow) = window, strides, dilations, out_hw
    acc = None
    for i in range(kh):
        for j in range(kw):
            t = ops.slice(xp, ctx.ints([i * dh, j * dw]),
                          ctx.ints([i * dh + (oh - 1) * sh + 1,
                                    j * dw + (ow - 1) * sw + 1]),
                          ctx.ints([sh, sw]), ctx.ints([2, 3])).output(0)
            if op == "l2Pool2d":
                t = ops.multiply(t, t).output(0)
            if acc is None:
                acc = t
            elif op == "maxPool2d" and dt in WIDE_INTS:  # exact (_util.int_less)
                acc = where(ctx, int_less(ctx, acc, t, dt), t, acc)
            elif op == "maxPool2d":
                acc = ops.maximum(acc, t).output(0)
            else:
                acc = ops.add(acc, t).output(0)
    assert acc is not None
    if op == "l2Pool2d":
        return ops.sqrt(acc).output(0)
    if op == "averagePool2d":
        return ops.divide(acc, ctx.const(counts, dt)).output(0)
    return acc
