"""Convolution and pooling: Conv ConvTranspose ConvInteger QLinearConv
AveragePool MaxPool LpPool GlobalAveragePool GlobalMaxPool GlobalLpPool.

WebNN convolves and pools in 2-D: 1-D ONNX ops run as 2-D ones over an
added trailing axis of size 1; 3-D pools run as a pool over (H, W) and one
over D (max, sums and padding-excluding averages are separable); a 3-D Conv
is a sum of 2-D convolutions, one per kernel depth tap; a 3-D ConvTranspose
is rejected.  ONNX pads ``[x1_begin, x2_begin, x1_end,
x2_end]`` become WebNN's ``[top, bottom, left, right]``; ``auto_pad``
SAME_UPPER/SAME_LOWER/VALID are turned into explicit pads; ``ceil_mode``
becomes ``output_shape_rounding`` after checking that ONNX's output size
(which drops a last window that starts in the end padding) is WebNN's;
``count_include_pad=1`` pads with zeros explicitly, since WebNN's average
leaves padding out.  LpPool with p != 2 is WebNN's average of |x|^p times
the number of input taps in each window (a constant), to the power 1/p.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from webnnpy import MLOperand
from webnnpy.models.onnx.convert import ImportContext, NodeInfo, Tensor
from webnnpy.models.onnx.handlers._util import present
from webnnpy.models.onnx.handlers.quantization import exact_float

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
                       f"convolves in 2-D (1-D is mapped onto 2-D)")
    return n


def _to_2d(ctx: ImportContext, x: MLOperand, n: int) -> MLOperand:
    return x if n == 2 else ctx.b.reshape(x, [*x.shape, 1])


#: the least value each element of a per-axis attribute may take
_LEAST = {"strides": 1, "dilations": 1, "kernel_shape": 1, "pads": 0,
          "output_padding": 0}


def _ints(ctx: ImportContext, attrs: dict[str, Any], name: str,
          default: Sequence[int]) -> list[int]:
    """A per-axis int list attribute: as many values as ``default`` has (one
    per spatial axis; any number when ``default`` is empty), each at least
    what ONNX allows (a stride of 0 or a negative pad is the file's fault)."""
    v = attrs.get(name)
    if v is None:
        return list(default)
    out = [int(a) for a in v]
    if default and len(out) != len(default):
        raise ctx.invalid(f"attribute {name!r} {out} has {len(out)} values; the "
                          f"input's spatial axes need {len(default)}")
    least = _LEAST.get(name)
    if least is not None and any(a < least for a in out):
        raise ctx.invalid(f"attribute {name!r} {out}: each value must be at least "
                          f"{least}")
    return out


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
    pads = _ints(ctx, attrs, "pads", [0] * (2 * n))
    if len(pads) != 2 * n:
        raise ctx.fail(f"pads {pads} need {2 * n} values")
    return [(pads[i], pads[i + n]) for i in range(n)]


def _lp_p(ctx: ImportContext, attrs: dict[str, Any]) -> int:
    """LpPool's p: a whole number of at least 1 (opset 1 spelled it as a
    float)."""
    p = attrs.get("p", 2)
    if not (isinstance(p, int) or float(p).is_integer()) or p < 1:
        raise ctx.invalid(f"attribute 'p' {p}: ONNX takes a whole number of at "
                          f"least 1")
    return int(p)


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
    if x.rank == 5 and w.rank == 5:
        return [_conv3d(ctx, x, w, inputs, attrs)]
    n = _spatial(ctx, x, "the conv input")
    if w.rank != x.rank:
        raise ctx.fail(f"W has rank {w.rank}; X has rank {x.rank}")
    kernel = list(w.shape[2:])
    strides = _ints(ctx, attrs, "strides", [1] * n)
    dilations = _ints(ctx, attrs, "dilations", [1] * n)
    pads = _pads(ctx, attrs, x.shape[2:], kernel, strides, dilations)
    b_t = present(inputs, 2)
    bias = None if b_t is None else ctx.op(b_t, "B")
    y = ctx.b.conv2d(_to_2d(ctx, x, n), _to_2d(ctx, w, n),
                     padding=_webnn_padding(pads), strides=_pair(strides),
                     dilations=_pair(dilations), groups=int(attrs.get("group", 1)),
                     bias=bias)
    return [y if n == 2 else ctx.b.reshape(y, list(y.shape[:3]))]


def _conv3d(ctx: ImportContext, x: MLOperand, w: MLOperand,
            inputs: list[Tensor | None], attrs: dict[str, Any]) -> MLOperand:
    """A 3-D convolution as a sum over the kernel's depth taps: tap j is a 2-D
    convolution of the depth slices it reads (batched as N * D' images) with
    the filter's slice j."""
    b = ctx.b
    kd, kh, kw = w.shape[2:]
    strides = _ints(ctx, attrs, "strides", [1, 1, 1])
    dilations = _ints(ctx, attrs, "dilations", [1, 1, 1])
    pads = _pads(ctx, attrs, x.shape[2:], [kd, kh, kw], strides, dilations)
    groups = int(attrs.get("group", 1))
    if any(pads[0]):
        x = b.pad(x, [0, 0, pads[0][0], 0, 0], [0, 0, pads[0][1], 0, 0])
    n, c, d, h, wd = x.shape
    sd, dd = strides[0], dilations[0]
    d_out = (d - ((kd - 1) * dd + 1)) // sd + 1
    if d_out <= 0:
        raise ctx.fail("the kernel is deeper than the padded input")
    m = w.shape[0]
    b_t = present(inputs, 2)
    total = None
    for j in range(kd):
        xs = b.slice(x, [0, 0, j * dd, 0, 0], [n, c, (d_out - 1) * sd + 1, h, wd],
                     strides=[1, 1, sd, 1, 1])
        xs = b.reshape(b.transpose(xs, permutation=[0, 2, 1, 3, 4]),
                       [n * d_out, c, h, wd])
        wj = b.reshape(b.slice(w, [0, 0, j, 0, 0], [m, w.shape[1], 1, kh, kw]),
                       [m, w.shape[1], kh, kw])
        yj = b.conv2d(xs, wj, padding=[*pads[1], *pads[2]], strides=strides[1:],
                      dilations=dilations[1:], groups=groups,
                      bias=ctx.op(b_t, "B") if (j == 0 and b_t is not None) else None)
        total = yj if total is None else b.add(total, yj)
    assert total is not None
    _, _, ho, wo = total.shape
    y = b.reshape(total, [n, d_out, m, ho, wo])
    return b.transpose(y, permutation=[0, 2, 1, 3, 4])


def _int_conv(ctx: ImportContext, x: MLOperand, w: MLOperand,
              x_zp: Tensor | None, w_zp: Tensor | None, attrs: dict[str, Any]
              ) -> tuple[MLOperand, int]:
    """(x - x_zp) conv (w - w_zp) of 8-bit tensors, computed in float32 as
    ONNX Runtime's WebNN EP does.  Returns the float32 result and the spatial
    rank.

    Accuracy: the products (|p| <= 255 * 255) are exact in float32; the sum
    of the K = C/group * kernel products per output is exact while
    K * 255 * 255 < 2**24 (K <= 258).  Past that, float32 accumulation in any
    order is off the exact int32 by at most (K - 1) * 2**-24 * sum(|p|)
    (<= (K - 1) * K * 65025 * 2**-24; a count, as every float32 past 2**24
    is a whole number), e.g. 0.0026 % of sum(|p|) for K = 432.
    """
    n = _spatial(ctx, x, "the conv input")
    for o, what in ((x, "x"), (w, "w")):
        if o.data_type not in ("uint8", "int8"):
            raise ctx.fail(f"{what} is {o.data_type}; expected uint8 or int8")
    xf = _centered(ctx, x, x_zp, 1)
    wf = _centered(ctx, w, w_zp, 0)
    kernel = list(w.shape[2:])
    strides = _ints(ctx, attrs, "strides", [1] * n)
    dilations = _ints(ctx, attrs, "dilations", [1] * n)
    pads = _pads(ctx, attrs, x.shape[2:], kernel, strides, dilations)
    y = ctx.b.conv2d(_to_2d(ctx, xf, n), _to_2d(ctx, wf, n),
                     padding=_webnn_padding(pads), strides=_pair(strides),
                     dilations=_pair(dilations), groups=int(attrs.get("group", 1)))
    return y, n


def _conv_integer(ctx: ImportContext, node: NodeInfo, inputs: list[Tensor | None],
                  attrs: dict[str, Any]) -> list[Any]:
    x_t, w_t = inputs[0], inputs[1]
    assert x_t is not None and w_t is not None
    y, n = _int_conv(ctx, ctx.op(x_t, "x"), ctx.op(w_t, "w"), present(inputs, 2),
                     present(inputs, 3), attrs)
    y = ctx.b.cast(y, "int32")
    return [y if n == 2 else ctx.b.reshape(y, list(y.shape[:3]))]


def _qlinear_conv(ctx: ImportContext, node: NodeInfo, inputs: list[Tensor | None],
                  attrs: dict[str, Any]) -> list[Any]:
    """saturate(round((conv(x - x_zp, w - w_zp) + B) * x_scale * w_scale /
    y_scale) + y_zp), as ONNX's QLinearConv defines it."""
    x_t, xs_t, xz_t, w_t, ws_t, wz_t, ys_t, yz_t = (inputs + [None] * 8)[:8]
    assert x_t and xs_t and w_t and ws_t and ys_t
    b_t = present(inputs, 8)
    y, n = _int_conv(ctx, ctx.op(x_t, "x"), ctx.op(w_t, "w"), xz_t, wz_t, attrs)
    b = ctx.b
    if b_t is not None:
        y = b.add(y, b.reshape(b.cast(ctx.op(b_t, "B"), "float32"),
                               [1, b_t.shape[0], 1, 1]))
    m = y.shape[1]
    ws = ctx.op(ws_t, "w_scale")
    if ws.rank == 1 and ws.shape[0] == m and m != 1:
        ws = b.reshape(ws, [1, m, 1, 1])
    factor = b.div(b.mul(ctx.op(xs_t, "x_scale"), ws), ctx.op(ys_t, "y_scale"))
    q = b.round_even(b.mul(y, ctx.cast(factor, "float32")))
    out = _requantize(ctx, q, yz_t, ctx.op(x_t, "x").data_type)
    return [out if n == 2 else b.reshape(out, list(out.shape[:3]))]


def _requantize(ctx: ImportContext, q: MLOperand, zp_t: Tensor | None,
                default: str) -> MLOperand:
    """round(...) + zero point, saturated to the zero point's integer type."""
    b = ctx.b
    dt = default
    if zp_t is not None:
        zp = ctx.op(zp_t, "y_zero_point")
        dt = zp.data_type
        q = b.add(q, b.cast(zp, "float32"))
    info = np.iinfo(np.dtype(dt))
    return b.cast(b.clamp(q, min_value=float(info.min), max_value=float(info.max)),
                  dt)


def _centered(ctx: ImportContext, x: MLOperand, zp_t: Tensor | None,
              zp_axis: int) -> MLOperand:
    """float32(x) - float32(zero point); a 1-D zero point runs along
    ``zp_axis`` (per output channel of w)."""
    xf = exact_float(ctx, x)
    if zp_t is None:
        return xf
    zp = exact_float(ctx, ctx.op(zp_t, "zero point"))
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
    strides = _ints(ctx, attrs, "strides", [1] * n)
    dilations = _ints(ctx, attrs, "dilations", [1] * n)
    out_pad = _ints(ctx, attrs, "output_padding", [0] * n)
    out_shape = attrs.get("output_shape")
    auto_pad = attrs.get("auto_pad", "NOTSET")
    k_eff = [(kernel[i] - 1) * dilations[i] + 1 for i in range(n)]
    full = [strides[i] * (sizes[i] - 1) + out_pad[i] + k_eff[i] for i in range(n)]
    output_sizes = None
    if out_shape is not None or auto_pad in ("SAME_UPPER", "SAME_LOWER"):
        if out_shape is not None:
            given = [int(v) for v in out_shape]
            if len(given) not in (n, n + 2) or min(given, default=0) < 0:
                raise ctx.invalid(f"attribute 'output_shape' {given}: ONNX takes "
                                  f"{n} spatial sizes (or {n + 2} with N and C), "
                                  f"none negative")
            target = given[-n:]
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


def _rounding(ctx: ImportContext, axes: list[int], sizes: list[int],
              kernel: list[int], strides: list[int], dilations: list[int],
              pads: list[tuple[int, int]], ceil_mode: bool) -> str:
    """The one output_shape_rounding that gives ONNX's output sizes on
    ``axes`` (WebNN rounds the axes of one pool alike)."""
    need = set()
    for i in axes:
        k_eff = (kernel[i] - 1) * dilations[i] + 1
        want = _onnx_pool_size(sizes[i], k_eff, strides[i], *pads[i], ceil_mode)
        span = sizes[i] + pads[i][0] + pads[i][1] - k_eff
        if span < 0:
            raise ctx.fail(f"the window ({k_eff}) is larger than the padded input "
                           f"({span + k_eff}) on axis {i + 2}")
        lo, hi = span // strides[i] + 1, -(-span // strides[i]) + 1
        if want == lo == hi:
            continue
        if want == lo:
            need.add("floor")
        elif want == hi:
            need.add("ceil")
        else:
            raise ctx.fail(f"ONNX's output size {want} on axis {i + 2} is neither "
                           f"WebNN's floor ({lo}) nor ceil ({hi})")
    if len(need) > 1:
        raise ctx.fail("ceil_mode rounds one axis down and another up; WebNN rounds "
                       "the axes of a pool alike")
    return need.pop() if need else "floor"


def _pool(kind: str):
    """AveragePool / MaxPool / LpPool over 1, 2 or 3 spatial axes.  A 3-D pool
    runs as a pool over (H, W) and then one over D: max, sums, and averages
    that leave out padding (their counts being products of per-axis counts)
    are all separable."""
    def handler(ctx: ImportContext, node: NodeInfo, inputs: list[Tensor | None],
                attrs: dict[str, Any]) -> list[Any]:
        x_t = inputs[0]
        assert x_t is not None
        x = ctx.op(x_t, "X")
        n = x.rank - 2
        if n not in (1, 2, 3):
            raise ctx.fail(f"the pool input has {max(n, 0)} spatial dimension(s); "
                           f"expected 1 to 3")
        if node.wants(1):
            raise ctx.fail("the Indices output has no WebNN counterpart")
        kernel = _ints(ctx, attrs, "kernel_shape", [])
        if len(kernel) != n:
            raise ctx.fail(f"kernel_shape {kernel} does not match {n} spatial axes")
        strides = _ints(ctx, attrs, "strides", [1] * n)
        dilations = _ints(ctx, attrs, "dilations", [1] * n)
        sizes = list(x.shape[2:])
        pads = _pads(ctx, attrs, sizes, kernel, strides, dilations)
        ceil_mode = bool(int(attrs.get("ceil_mode", 0))) and \
            attrs.get("auto_pad", "NOTSET") == "NOTSET"
        p = _lp_p(ctx, attrs) if kind == "lp" else 2
        stages = [[n - 2, n - 1], [0]] if n == 3 else [list(range(n))]
        # ONNX's output sizes, from the given padding (before any explicit pad)
        roundings = [_rounding(ctx, axes, sizes, kernel, strides, dilations, pads,
                               ceil_mode) for axes in stages]
        if kind == "average" and int(attrs.get("count_include_pad", 0)) and \
                any(a or b for a, b in pads):
            # ONNX counts the padding in the average; WebNN does not: pad with
            # zeros first
            x = ctx.b.pad(x, [0, 0, *(a for a, _ in pads)],
                          [0, 0, *(b for _, b in pads)])
            sizes = list(x.shape[2:])
            pads = [(0, 0)] * n
        if kind == "lp":
            x = ctx.b.abs(x) if p != 2 else x
        shape = list(x.shape)
        y = x
        for axes, rounding in zip(stages, roundings, strict=True):
            sel = axes if len(axes) == 2 else [axes[0], None]
            opts: dict[str, Any] = {
                "window_dimensions": [kernel[a] if a is not None else 1 for a in sel],
                "strides": [strides[a] if a is not None else 1 for a in sel],
                "dilations": [dilations[a] if a is not None else 1 for a in sel],
                "padding": [v for a in sel for v in (pads[a] if a is not None
                                                     else (0, 0))],
                "output_shape_rounding": rounding}
            # the pooled axes last, everything else folded into the channels
            if n == 3 and axes == [0]:
                d = y.shape[2]
                y4 = ctx.b.reshape(y, [y.shape[0], y.shape[1], d,
                                       y.shape[3] * y.shape[4]])
            elif n == 3:
                y4 = ctx.b.reshape(y, [y.shape[0], y.shape[1] * y.shape[2],
                                       y.shape[3], y.shape[4]])
            else:
                y4 = _to_2d(ctx, y, n)
            z = _pool_stage(ctx, kind, p, y4, opts, first=axes is stages[0],
                            last=axes is stages[-1])
            if n == 3 and axes == [0]:
                y = ctx.b.reshape(z, [shape[0], shape[1], z.shape[2], y.shape[3],
                                      y.shape[4]])
            elif n == 3:
                y = ctx.b.reshape(z, [shape[0], shape[1], shape[2], z.shape[2],
                                      z.shape[3]])
            else:
                y = z if n == 2 else ctx.b.reshape(z, list(z.shape[:3]))
        return [y]
    return handler


def _pool_stage(ctx: ImportContext, kind: str, p: int, x: MLOperand,
                opts: dict[str, Any], first: bool, last: bool) -> MLOperand:
    """One WebNN pool; Lp pools with p != 2 sum |x|^p here and take the root
    after the last stage."""
    if kind == "average":
        return ctx.b.average_pool2d(x, **opts)
    if kind == "max":
        return ctx.b.max_pool2d(x, **opts)
    if p == 2:
        return ctx.b.l2_pool2d(x, **opts)
    return _lp_pool(ctx, x, p, opts, root=last, first=first)


def _window_counts(size: int, out: int, k: int, stride: int, dilation: int,
                   begin: int) -> np.ndarray:
    """For each output position of one axis: how many window taps fall on
    the input (not on padding, nor past the end)."""
    start = np.arange(out) * stride - begin
    taps = start[:, None] + np.arange(k)[None, :] * dilation
    return ((taps >= 0) & (taps < size)).sum(axis=1).astype(np.float64)


def _lp_pool(ctx: ImportContext, x: MLOperand, p: int, opts: dict[str, Any],
             *, root: bool = True, first: bool = True) -> MLOperand:
    """Lp pooling for p != 2 over |x| (already taken): (sum of x^p over the
    window)^(1/p), the sum being WebNN's average (over the input taps) times
    their count."""
    b = ctx.b
    dt = x.data_type
    if dt not in ("float32", "float16"):
        raise ctx.fail(f"input has data type {dt}; expected float32 or float16")
    powered = x if p == 1 or not first else b.pow(x, ctx.scalar(float(p), dt))
    avg = b.average_pool2d(powered, **opts)
    oh, ow = avg.shape[2], avg.shape[3]
    (kh, kw), (sh, sw), (dh, dw) = (opts["window_dimensions"], opts["strides"],
                                    opts["dilations"])
    pt, _, pl, _ = opts["padding"]
    counts = np.outer(_window_counts(x.shape[2], oh, kh, sh, dh, pt),
                      _window_counts(x.shape[3], ow, kw, sw, dw, pl))
    total = b.mul(avg, ctx.constant(counts.astype(np.dtype(dt))[None, None]))
    return total if p == 1 or not root else b.pow(total, ctx.scalar(1.0 / p, dt))


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
        p = _lp_p(ctx, attrs)
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
    "QLinearConv": ((10, 10, _qlinear_conv),),
    "ConvTranspose": ((1, 22, _conv_transpose),),
    "AveragePool": ((1, 22, _pool("average")),),
    "MaxPool": ((1, 22, _pool("max")),),
    "LpPool": ((1, 22, _pool("lp")),),
    "GlobalAveragePool": ((1, 22, _global("average")),),
    "GlobalMaxPool": ((1, 22, _global("max")),),
    "GlobalLpPool": ((1, 22, _global("lp")),),
}
