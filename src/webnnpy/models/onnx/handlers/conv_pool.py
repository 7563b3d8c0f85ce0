"""Convolution and pooling: Conv ConvTranspose ConvInteger AveragePool MaxPool
LpPool GlobalAveragePool GlobalMaxPool GlobalLpPool.

WebNN convolves and pools in 2-D: 1-D ONNX ops run as 2-D ones over an
added trailing axis of size 1; 3-D ones are rejected.  ONNX pads
``[x1_begin, x2_begin, x1_end, x2_end]`` become WebNN's ``[top, bottom,
left, right]``; ``auto_pad`` SAME_UPPER/SAME_LOWER/VALID are turned into
explicit pads; ``ceil_mode`` becomes ``output_shape_rounding`` after checking
that ONNX's output size (which drops a last window that starts in the end
padding) is WebNN's; ``count_include_pad=1`` pads with zeros explicitly, since
WebNN's average leaves padding out.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from webnnpy import MLOperand
from webnnpy.models.onnx.convert import ImportContext, NodeInfo, Tensor
from webnnpy.models.onnx.handlers._util import present

__all__ = ["HANDLERS", "same_pads"]


def same_pads(auto_pad: str, size: int, k_eff: int, stride: int) -> tuple[int, int]:
    """SAME_UPPER / SAME_LOWER padding of one axis (ONNX: output ceil(in / s))."""
    out = -(-size // stride)
    total = max((out - 1) * stride + k_eff - size, 0)
    small = total // 2
    if auto_pad == "SAME_UPPER":
        return small, total - small
    return total - small, small


def _spatial(ctx: ImportContext, x: MLOperand, what: str) -> int:
    """The number of spatial axes (1 or 2) of an N, C, spatial... input."""
    n = x.rank - 2
    if n not in (1, 2):
        raise ctx.fail(f"{what} has {max(n, 0)} spatial dimension(s); WebNN "
                       f"{'convolves' if 'conv' in what else 'pools'} in 2-D "
                       f"(1-D is mapped onto 2-D)")
    return n


def _to_2d(ctx: ImportContext, x: MLOperand, n: int) -> MLOperand:
    return x if n == 2 else ctx.b.reshape(x, [*x.shape, 1])


def _ints(attrs: dict[str, Any], name: str, default: Sequence[int]) -> list[int]:
    v = attrs.get(name)
    return list(default) if v is None else [int(a) for a in v]


def _pads(ctx: ImportContext, attrs: dict[str, Any], sizes: Sequence[int],
          kernel: Sequence[int], strides: Sequence[int],
          dilations: Sequence[int]) -> list[tuple[int, int]]:
    """Per spatial axis (begin, end) padding, from pads or auto_pad."""
    n = len(sizes)
    auto_pad = attrs.get("auto_pad", "NOTSET")
    if auto_pad in ("SAME_UPPER", "SAME_LOWER"):
        return [same_pads(auto_pad, sizes[i], (kernel[i] - 1) * dilations[i] + 1,
                          strides[i]) for i in range(n)]
    if auto_pad == "VALID":
        return [(0, 0)] * n
    if auto_pad != "NOTSET":
        raise ctx.fail(f"auto_pad={auto_pad!r} is not an ONNX padding mode")
    pads = _ints(attrs, "pads", [0] * (2 * n))
    if len(pads) != 2 * n:
        raise ctx.fail(f"pads {pads} need {2 * n} values")
    return [(pads[i], pads[i + n]) for i in range(n)]


def _webnn_padding(pads: list[tuple[int, int]]) -> list[int]:
    if len(pads) == 1:
        pads = [pads[0], (0, 0)]
    return [pads[0][0], pads[0][1], pads[1][0], pads[1][1]]


def _pair(v: list[int], fill: int = 1) -> list[int]:
    return v if len(v) == 2 else [v[0], fill]


# ---------------------------------------------------------------- conv


def _conv(ctx: ImportContext, node: NodeInfo, inputs: list[Tensor | None],
          attrs: dict[str, Any]) -> list[Any]:
    x_t, w_t = inputs[0], inputs[1]
    assert x_t is not None and w_t is not None
    x, w = ctx.op(x_t, "X"), ctx.op(w_t, "W")
    n = _spatial(ctx, x, "the conv input")
    if w.rank != x.rank:
        raise ctx.fail(f"W has rank {w.rank}; X has rank {x.rank}")
    kernel = list(w.shape[2:])
    strides = _ints(attrs, "strides", [1] * n)
    dilations = _ints(attrs, "dilations", [1] * n)
    pads = _pads(ctx, attrs, x.shape[2:], kernel, strides, dilations)
    b_t = present(inputs, 2)
    bias = None if b_t is None else ctx.op(b_t, "B")
    y = ctx.b.conv2d(_to_2d(ctx, x, n), _to_2d(ctx, w, n),
                     padding=_webnn_padding(pads), strides=_pair(strides),
                     dilations=_pair(dilations), groups=int(attrs.get("group", 1)),
                     bias=bias)
    return [y if n == 2 else ctx.b.reshape(y, list(y.shape[:3]))]


def _conv_integer(ctx: ImportContext, node: NodeInfo, inputs: list[Tensor | None],
                  attrs: dict[str, Any]) -> list[Any]:
    """(x - x_zp) conv (w - w_zp) in int32, computed in float32: exact while
    every partial sum stays below 2**24, which is checked."""
    x_t, w_t = inputs[0], inputs[1]
    assert x_t is not None and w_t is not None
    x, w = ctx.op(x_t, "x"), ctx.op(w_t, "w")
    n = _spatial(ctx, x, "the conv input")
    k = math.prod(w.shape[1:])
    span = {"uint8": 255, "int8": 255}
    if x.data_type not in span or w.data_type not in span:
        raise ctx.fail(f"inputs are {x.data_type} and {w.data_type}; expected 8-bit")
    if k * 255 * 255 >= 2 ** 24:
        raise ctx.fail(f"{k} products per output could exceed float32's exact "
                       f"integer range")
    xf = _centered(ctx, x, present(inputs, 2), 1)
    wf = _centered(ctx, w, present(inputs, 3), 0)
    kernel = list(w.shape[2:])
    strides = _ints(attrs, "strides", [1] * n)
    dilations = _ints(attrs, "dilations", [1] * n)
    pads = _pads(ctx, attrs, x.shape[2:], kernel, strides, dilations)
    y = ctx.b.conv2d(_to_2d(ctx, xf, n), _to_2d(ctx, wf, n),
                     padding=_webnn_padding(pads), strides=_pair(strides),
                     dilations=_pair(dilations), groups=int(attrs.get("group", 1)))
    y = ctx.b.cast(y, "int32")
    return [y if n == 2 else ctx.b.reshape(y, list(y.shape[:3]))]


def _centered(ctx: ImportContext, x: MLOperand, zp_t: Tensor | None,
              zp_axis: int) -> MLOperand:
    """float32(x) - float32(zero point); a 1-D zero point runs along
    ``zp_axis`` (per output channel of w)."""
    xf = ctx.b.cast(x, "float32")
    if zp_t is None:
        return xf
    zp = ctx.b.cast(ctx.op(zp_t, "zero point"), "float32")
    if zp.rank == 1 and zp.shape[0] != 1:
        shape = [1] * x.rank
        shape[zp_axis] = zp.shape[0]
        zp = ctx.b.reshape(zp, shape)
    return ctx.b.sub(xf, zp)


def _conv_transpose(ctx: ImportContext, node: NodeInfo, inputs: list[Tensor | None],
                    attrs: dict[str, Any]) -> list[Any]:
    x_t, w_t = inputs[0], inputs[1]
    assert x_t is not None and w_t is not None
    x, w = ctx.op(x_t, "X"), ctx.op(w_t, "W")
    n = _spatial(ctx, x, "the conv input")
    if w.rank != x.rank:
        raise ctx.fail(f"W has rank {w.rank}; X has rank {x.rank}")
    sizes = list(x.shape[2:])
    kernel = list(w.shape[2:])
    strides = _ints(attrs, "strides", [1] * n)
    dilations = _ints(attrs, "dilations", [1] * n)
    out_pad = _ints(attrs, "output_padding", [0] * n)
    out_shape = attrs.get("output_shape")
    auto_pad = attrs.get("auto_pad", "NOTSET")
    k_eff = [(kernel[i] - 1) * dilations[i] + 1 for i in range(n)]
    full = [strides[i] * (sizes[i] - 1) + out_pad[i] + k_eff[i] for i in range(n)]
    output_sizes = None
    if out_shape is not None or auto_pad in ("SAME_UPPER", "SAME_LOWER"):
        if out_shape is not None:
            target = [int(v) for v in out_shape][-n:]
        else:
            target = [sizes[i] * strides[i] for i in range(n)]
        pads = []
        for i in range(n):
            total = full[i] - target[i]
            if total < 0:
                # a larger output: extra rows and columns at the end, as
                # WebNN's outputSizes gives them (up to stride - 1 of them)
                if -total >= strides[i]:
                    raise ctx.fail(f"output_shape {target} exceeds the full "
                                   f"transposed convolution {full} by a stride "
                                   f"or more")
                pads.append((0, 0))
                continue
            small = total // 2
            pads.append((small, total - small) if auto_pad == "SAME_UPPER"
                        else (total - small, small))
        output_sizes = target
    elif auto_pad == "VALID":
        pads = [(0, 0)] * n
    else:
        pads = _pads(ctx, attrs, sizes, kernel, strides, dilations)
    b_t = present(inputs, 2)
    bias = None if b_t is None else ctx.op(b_t, "B")
    opts: dict[str, Any] = {
        "padding": _webnn_padding(pads), "strides": _pair(strides),
        "dilations": _pair(dilations), "groups": int(attrs.get("group", 1)),
        "filter_layout": "iohw", "bias": bias,
    }
    if output_sizes is not None:
        opts["output_sizes"] = _pair(output_sizes, 1)
    else:
        opts["output_padding"] = _pair(out_pad, 0)
    y = ctx.b.conv_transpose2d(_to_2d(ctx, x, n), _to_2d(ctx, w, n), **opts)
    return [y if n == 2 else ctx.b.reshape(y, list(y.shape[:3]))]


# ---------------------------------------------------------------- pools


def _onnx_pool_size(size: int, k_eff: int, stride: int, begin: int, end: int,
                    ceil_mode: bool) -> int:
    v = (size + begin + end - k_eff) / stride + 1
    if not ceil_mode:
        return math.floor(v)
    out = math.ceil(v)
    if (out - 1) * stride >= size + begin:  # the last window starts in the padding
        out -= 1
    return out


def _pool(kind: str):
    def handler(ctx: ImportContext, node: NodeInfo, inputs: list[Tensor | None],
                attrs: dict[str, Any]) -> list[Any]:
        x_t = inputs[0]
        assert x_t is not None
        x = ctx.op(x_t, "X")
        n = _spatial(ctx, x, "the pool input")
        if node.wants(1):
            raise ctx.fail("the Indices output has no WebNN counterpart")
        kernel = _ints(attrs, "kernel_shape", [])
        if len(kernel) != n:
            raise ctx.fail(f"kernel_shape {kernel} does not match {n} spatial axes")
        strides = _ints(attrs, "strides", [1] * n)
        dilations = _ints(attrs, "dilations", [1] * n)
        sizes = list(x.shape[2:])
        pads = _pads(ctx, attrs, sizes, kernel, strides, dilations)
        ceil_mode = bool(int(attrs.get("ceil_mode", 0))) and \
            attrs.get("auto_pad", "NOTSET") == "NOTSET"
        need = set()
        for i in range(n):
            k_eff = (kernel[i] - 1) * dilations[i] + 1
            want = _onnx_pool_size(sizes[i], k_eff, strides[i], *pads[i], ceil_mode)
            span = sizes[i] + pads[i][0] + pads[i][1] - k_eff
            if span < 0:
                raise ctx.fail(f"the window ({k_eff}) is larger than the padded "
                               f"input ({span + k_eff}) on axis {i + 2}")
            lo, hi = span // strides[i] + 1, -(-span // strides[i]) + 1
            if want == lo == hi:
                continue
            if want == lo:
                need.add("floor")
            elif want == hi:
                need.add("ceil")
            else:
                raise ctx.fail(f"ONNX's output size {want} on axis {i + 2} is "
                               f"neither WebNN's floor ({lo}) nor ceil ({hi})")
        if len(need) > 1:
            raise ctx.fail("ceil_mode rounds one axis down and the other up; "
                           "WebNN rounds both axes alike")
        rounding = need.pop() if need else "floor"
        x2 = _to_2d(ctx, x, n)
        padding = _webnn_padding(pads)
        include_pad = int(attrs.get("count_include_pad", 0))
        if kind == "average" and include_pad and any(padding):
            # ONNX counts the padding in the average; WebNN does not: pad with
            # zeros first
            x2 = ctx.b.pad(x2, [0, 0, padding[0], padding[2]],
                           [0, 0, padding[1], padding[3]])
            padding = [0, 0, 0, 0]
        opts: dict[str, Any] = {
            "window_dimensions": _pair(kernel), "padding": padding,
            "strides": _pair(strides), "dilations": _pair(dilations),
            "output_shape_rounding": rounding}
        p = int(attrs.get("p", 2)) if kind == "lp" else 2
        if kind == "lp" and p != 2:
            y = _lp_pool(ctx, x2, p, opts)
        else:
            method = {"average": "average_pool2d", "max": "max_pool2d",
                      "lp": "l2_pool2d"}[kind]
            y = getattr(ctx.b, method)(x2, **opts)
        return [y if n == 2 else ctx.b.reshape(y, list(y.shape[:3]))]
    return handler


def _window_counts(size: int, out: int, k: int, stride: int, dilation: int,
                   begin: int) -> np.ndarray:
    """For each output position of one axis: how many window taps fall on
    the input (not on padding, nor past the end)."""
    start = np.arange(out) * stride - begin
    taps = start[:, None] + np.arange(k)[None, :] * dilation
    return ((taps >= 0) & (taps < size)).sum(axis=1).astype(np.float64)


def _lp_pool(ctx: ImportContext, x: MLOperand, p: int,
             opts: dict[str, Any]) -> MLOperand:
    """Lp pooling for p != 2: (sum of |x|^p over the window)^(1/p), the sum
    being WebNN's average (over the input taps) times their count."""
    b = ctx.b
    dt = x.data_type
    if dt not in ("float32", "float16"):
        raise ctx.fail(f"input has data type {dt}; expected float32 or float16")
    powered = b.abs(x) if p == 1 else b.pow(b.abs(x), ctx.scalar(float(p), dt))
    avg = b.average_pool2d(powered, **opts)
    oh, ow = avg.shape[2], avg.shape[3]
    (kh, kw), (sh, sw), (dh, dw) = (opts["window_dimensions"], opts["strides"],
                                    opts["dilations"])
    pt, _, pl, _ = opts["padding"]
    counts = np.outer(_window_counts(x.shape[2], oh, kh, sh, dh, pt),
                      _window_counts(x.shape[3], ow, kw, sw, dw, pl))
    total = b.mul(avg, ctx.constant(counts.astype(np.dtype(dt))[None, None]))
    return total if p == 1 else b.pow(total, ctx.scalar(1.0 / p, dt))


def _global(kind: str):
    def handler(ctx: ImportContext, node: NodeInfo, inputs: list[Tensor | None],
                attrs: dict[str, Any]) -> list[Any]:
        x_t = inputs[0]
        assert x_t is not None
        x = ctx.op(x_t, "X")
        if x.rank < 3:
            raise ctx.fail(f"input has rank {x.rank}; expected N, C and spatial axes")
        axes = list(range(2, x.rank))
        b = ctx.b
        if kind == "average":
            return [b.reduce_mean(x, axes=axes, keep_dimensions=True)]
        if kind == "max":
            return [b.reduce_max(x, axes=axes, keep_dimensions=True)]
        p = int(attrs.get("p", 2))
        if p == 2:
            return [b.reduce_l2(x, axes=axes, keep_dimensions=True)]
        if p == 1:
            return [b.reduce_l1(x, axes=axes, keep_dimensions=True)]
        dt = x.data_type
        s = b.reduce_sum(b.pow(b.abs(x), ctx.scalar(float(p), dt)), axes=axes,
                         keep_dimensions=True)
        return [b.pow(s, ctx.scalar(1.0 / p, dt))]
    return handler


HANDLERS = {
    "Conv": ((1, 22, _conv),),
    "ConvInteger": ((10, 10, _conv_integer),),
    "ConvTranspose": ((1, 22, _conv_transpose),),
    "AveragePool": ((1, 22, _pool("average")),),
    "MaxPool": ((1, 22, _pool("max")),),
    "LpPool": ((1, 22, _pool("lp")),),
    "GlobalAveragePool": ((1, 22, _global("average")),),
    "GlobalMaxPool": ((1, 22, _global("max")),),
    "GlobalLpPool": ((1, 22, _global("lp")),),
}
