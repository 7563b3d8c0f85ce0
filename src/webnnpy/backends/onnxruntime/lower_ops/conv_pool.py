"""ONNX lowerings of the conv_pool family: conv2d, convTranspose2d and the
pools (averagePool2d, l2Pool2d, maxPool2d).

- ONNX convolutions and pools are NCHW with OIHW (Conv) / IOHW
  (ConvTranspose) filters: "nhwc" inputs are transposed in and out, other
  filter layouts are transposed to ONNX's (at lowering time for constant
  filters, so the session holds the transposed copy once).  WebNN padding is
  [top, bottom, left, right]; ONNX pads are [top, left, bottom, right].
- convTranspose2d passes the resolved ``outputPadding`` (which also encodes
  ``outputSizes``).
- pools never use ``ceil_mode``: the windows that ceil rounding (or
  ``outputSizes``) brings past the input get explicit end padding, which the
  pools ignore (MaxPool, AveragePool with count_include_pad=0, LpPool sums
  zeros) exactly as the reference does.  ONNX Runtime requires every pad to
  be smaller than the window, has no integer MaxPool but for int8/uint8, and
  a window over padding only must give -inf (max), NaN (average, 0/0) or 0
  (l2): those cases use a "taps" decomposition instead, one strided Slice of
  the padded input per window position combined with Max, Sum or Sum of
  squares (average divides by a constant count of real elements; int64
  maxima select with comparisons, see ``_util.max_min``).
"""

from __future__ import annotations

import numpy as np

from webnnpy.backends.onnxruntime.emitter import Emitter
from webnnpy.backends.onnxruntime.lower_ops._table import LoweringTable
from webnnpy.backends.onnxruntime.lower_ops._util import dtype_of, max_min
from webnnpy.ir.graph import Node, Value
from webnnpy.ir.ops.conv_pool import (
    CONV2D_FILTER_LAYOUTS,
    CONV_TRANSPOSE2D_FILTER_LAYOUTS,
    pool_padding_for_output,
)

__all__ = ["LOWERINGS"]

LOWERINGS = LoweringTable()

_TO_NCHW = [0, 3, 1, 2]
_TO_NHWC = [0, 2, 3, 1]


def _onnx_pads(padding: list[int]) -> list[int]:
    top, bottom, left, right = padding
    return [top, left, bottom, right]


def _filter(ctx: Emitter, node: Node, perm: tuple[int, int, int, int]) -> str:
    """The filter in ONNX's layout (``perm`` gives its axes in that order)."""
    v = node.operands["filter"]
    assert isinstance(v, Value)
    if list(perm) == [0, 1, 2, 3]:
        return ctx.value(v)
    if v.constant is not None:
        return ctx.array(np.ascontiguousarray(np.transpose(v.constant, perm)))
    return ctx.emit("Transpose", [ctx.value(v)], perm=list(perm))


def _conv(ctx: Emitter, node: Node, op: str) -> None:
    a = node.attrs
    nhwc = a["inputLayout"] == "nhwc"
    x = ctx.input(node, "input")
    if nhwc:
        x = ctx.emit("Transpose", [x], perm=_TO_NCHW)
    layouts = CONV2D_FILTER_LAYOUTS if op == "Conv" else \
        CONV_TRANSPOSE2D_FILTER_LAYOUTS
    pads = _onnx_pads(a["padding"])
    if op == "Conv" and any(pads) and _non_finite_constant(node.operands["filter"]):
        x = _pad_explicitly(ctx, node, x, pads)
        pads = [0, 0, 0, 0]
    perm = layouts[a["filterLayout"]]
    unit = _unit_axis(node, pads, perm) if op == "Conv" else None
    if unit is not None:
        _conv1d(ctx, node, x, perm, pads, unit, nhwc)
        return
    inputs = [x, _filter(ctx, node, perm)]
    if node.operands.get("bias") is not None:
        inputs.append(ctx.input(node, "bias"))
    attrs = {"pads": pads, "strides": list(a["strides"]),
             "dilations": list(a["dilations"]), "group": a["groups"]}
    if op == "ConvTranspose":
        attrs["output_padding"] = list(a["outputPadding"])
    out = ctx.out(node)
    y = ctx.emit(op, inputs, ctx.fresh() if nhwc else out, **attrs)
    if nhwc:
        ctx.emit("Transpose", [y], out, perm=_TO_NHWC)


def _unit_axis(node: Node, pads: list[int], perm: tuple[int, int, int, int]
               ) -> int | None:
    """The NCHW axis (3: W, or 2: H) along which the input and the filter
    have size 1 and nothing is padded, when the filter is longer than 1 along
    the other spatial axis: a 1-D convolution (how ONNX Conv1d imports, on
    [N, C, L, 1]).  Pointwise ones stay 2-D: NCHWc runs them without a
    penalty, and its fusions (hardSwish's channel-wise add) apply."""
    x, f = node.operands["input"], node.operands["filter"]
    assert isinstance(x, Value) and isinstance(f, Value)
    xs = [x.desc.shape[i] for i in (_TO_NCHW if node.attrs["inputLayout"] == "nhwc"
                                    else (0, 1, 2, 3))]
    fs = [f.desc.shape[i] for i in perm]
    for axis, begin, end in ((3, pads[1], pads[3]), (2, pads[0], pads[2])):
        other = 5 - axis
        if (xs[axis] == 1 and fs[axis] == 1 and begin == end == 0 and xs[other] > 1
                and fs[other] > 1):
            return axis
    return None


def _conv1d(ctx: Emitter, node: Node, x: str, perm: tuple[int, int, int, int],
            pads: list[int], unit: int, nhwc: bool) -> None:
    """conv2d over a unit spatial axis as ONNX's 1-D Conv between a Squeeze
    and an Unsqueeze of that axis: the same sums, and ONNX Runtime runs it as
    it runs the original Conv1d (its NCHWc layout, which is 2-D only, would
    add a reorder in and out; Whisper's encoder stem: 3 ms of 117).
    Element-wise ops after the Unsqueeze move before it in fuse.py
    (``sink_unsqueeze``), so that ONNX Runtime fuses an activation into the
    Conv as it does natively."""
    a = node.attrs
    keep = 2 if unit == 3 else 3  # the NCHW axis that stays
    k = keep - 2
    axes = ctx.ints([unit])
    f = node.operands["filter"]
    assert isinstance(f, Value)
    if f.constant is not None:
        w = ctx.array(np.ascontiguousarray(
            np.transpose(f.constant, perm).squeeze(axis=unit)))
    else:
        w = ctx.emit("Squeeze", [_filter(ctx, node, perm), axes])
    inputs = [ctx.emit("Squeeze", [x, axes]), w]
    if node.operands.get("bias") is not None:
        inputs.append(ctx.input(node, "bias"))
    y = ctx.emit("Conv", inputs, pads=[pads[k], pads[k + 2]],
                 strides=[a["strides"][k]], dilations=[a["dilations"][k]],
                 group=a["groups"])
    out = ctx.out(node)
    y4 = ctx.emit("Unsqueeze", [y, axes], ctx.fresh() if nhwc else out)
    if nhwc:
        ctx.emit("Transpose", [y4], out, perm=_TO_NHWC)


#: float dtype -> (unsigned view, mask of the magnitude bits, smallest
#: magnitude bits of an infinity or NaN)
_NON_FINITE_BITS = {np.dtype(np.float32): (np.uint32, 0x7FFFFFFF, 0x7F800000),
                    np.dtype(np.float16): (np.uint16, 0x7FFF, 0x7C00)}


def _non_finite_constant(v: object) -> bool:
    """True for a constant filter holding NaN or inf (tested on the bits:
    one integer pass, several times faster than np.isfinite on float16)."""
    if not isinstance(v, Value) or v.constant is None:
        return False
    bits = _NON_FINITE_BITS.get(v.constant.dtype)
    if bits is None or v.constant.size == 0:
        return False
    view, magnitude, inf = bits
    arr = np.ascontiguousarray(v.constant).view(view)
    return bool(np.bitwise_and(arr, magnitude).max() >= inf)


def _pad_explicitly(ctx: Emitter, node: Node, x: str, pads: list[int]) -> str:
    """``x`` (NCHW) zero-padded by a Pad that stays a Pad (issue #11 D9).

    Padding is zeros, and 0 * NaN and 0 * inf are NaN, so a NaN or infinite
    filter tap over padding makes the output NaN (what the reference gives).
    ONNX Runtime's NCHWc Conv for constant filters skips padded taps instead,
    and its PadFusion folds a Pad feeding a Conv back into the Conv's pads: a
    same-shape Reshape between them keeps the zeros real.  Used only for a
    constant filter holding NaN or inf, so ordinary convolutions are lowered
    as before (a non-constant filter runs on ORT's im2col path, which
    multiplies the zeros).
    """
    v = node.operands["input"]
    assert isinstance(v, Value)
    top, left, bottom, right = pads
    padded = ctx.emit("Pad", [x, ctx.ints([0, 0, top, left, 0, 0, bottom, right])],
                      mode="constant")
    n, c, h, w = (v.desc.shape[i] for i in (_TO_NCHW if node.attrs["inputLayout"]
                                             == "nhwc" else [0, 1, 2, 3]))
    return ctx.emit("Reshape", [padded, ctx.ints([n, c, h + top + bottom,
                                                  w + left + right])])


@LOWERINGS.define("conv2d")
def _conv2d(ctx: Emitter, node: Node) -> None:
    _conv(ctx, node, "Conv")


@LOWERINGS.define("convTranspose2d")
def _conv_transpose2d(ctx: Emitter, node: Node) -> None:
    _conv(ctx, node, "ConvTranspose")


# -------------------------------------------------------------------- pools


def _counts(size: int, begin: int, out: int, stride: int, dilation: int,
            window: int) -> np.ndarray:
    """How many real (not padded) elements each output window holds, along
    one axis."""
    o = np.arange(out)[:, None] * stride + np.arange(window)[None, :] * dilation
    o = o - begin
    return ((o >= 0) & (o < size)).sum(axis=1)


def _lowest(dt: str) -> float | int:
    return -np.inf if dt in ("float32", "float16") else int(np.iinfo(dt).min)


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
    rows = _counts(h, pt, oh, sh, dh, kh)
    cols = _counts(w, pl, ow, sw, dw, kw)
    x = ctx.input(node, "input")
    if nhwc:
        x = ctx.emit("Transpose", [x], perm=_TO_NCHW)
    out = ctx.out(node)
    y = ctx.fresh() if nhwc else out
    native = (max(pt, pb) < kh and max(pl, pr) < kw and rows.min() > 0
              and cols.min() > 0
              and (node.op != "maxPool2d" or dt in ("float32", "float16", "int8",
                                                    "uint8")))
    pads = [pt, pl, pb, pr]
    if native:
        attrs = {"kernel_shape": [kh, kw], "pads": pads, "strides": [sh, sw],
                 "dilations": [dh, dw]}
        if node.op == "maxPool2d":
            ctx.emit("MaxPool", [x], y, **attrs)
        elif node.op == "averagePool2d":
            ctx.emit("AveragePool", [x], y, count_include_pad=0, **attrs)
        else:
            ctx.emit("LpPool", [x], y, p=2, **attrs)
    else:
        _taps(ctx, node.op, x, dt, pads, (kh, kw), (sh, sw), (dh, dw), (oh, ow),
              np.outer(rows, cols), y)
    if nhwc:
        ctx.emit("Transpose", [y], out, perm=_TO_NHWC)


def _taps(ctx: Emitter, op: str, x: str, dt: str, pads: list[int],
          window: tuple[int, int], strides: tuple[int, int],
          dilations: tuple[int, int], out_hw: tuple[int, int], counts: np.ndarray,
          out: str) -> None:
    """A pool as one strided slice of the padded input per window position."""
    work = "float32" if dt == "float16" and op != "maxPool2d" else dt
    if work != dt:
        x = ctx.cast(x, work)
    pt, pl, pb, pr = pads
    fill = _lowest(dt) if op == "maxPool2d" else 0
    xp = ctx.emit("Pad", [x, ctx.ints([0, 0, pt, pl, 0, 0, pb, pr]),
                          ctx.const(fill, work)], mode="constant")
    (kh, kw), (sh, sw), (dh, dw), (oh, ow) = window, strides, dilations, out_hw
    taps = []
    for i in range(kh):
        for j in range(kw):
            starts = [i * dh, j * dw]
            ends = [i * dh + (oh - 1) * sh + 1, j * dw + (ow - 1) * sw + 1]
            t = ctx.emit("Slice", [xp, ctx.ints(starts), ctx.ints(ends),
                                   ctx.ints([2, 3]), ctx.ints([sh, sw])])
            taps.append(ctx.emit("Mul", [t, t]) if op == "l2Pool2d" else t)
    final = out if work == dt else ctx.fresh()
    if op == "maxPool2d" and dt == "int64":  # see _util.max_min
        m = taps[0]
        for i, t in enumerate(taps[1:]):
            m = max_min(ctx, "Max", m, t, dt, final if i == len(taps) - 2 else None)
        if len(taps) == 1:
            ctx.emit("Identity", [m], final)
    elif op == "maxPool2d":
        ctx.emit("Max", taps, final)
    elif op == "l2Pool2d":
        ctx.emit("Sqrt", [ctx.emit("Sum", taps)], final)
    else:
        ctx.emit("Div", [ctx.emit("Sum", taps), ctx.const(counts, work)], final)
    if work != dt:
        ctx.cast(final, dt, out)
