"""Reference kernels for the conv_pool family (float64 inside, one final rounding).

- conv2d: im2col through a strided sliding-window view of the zero-padded
  input, then one batched BLAS matmul over the groups.
- convTranspose2d: one batched matmul gives every input-pixel x filter-tap
  product; each filter tap (a short loop over kernel positions) is then
  scatter-added into a strided slice of the full output, which is cropped by
  the padding (and extended with zeros by the output padding).
- pools: a sliding-window view of the padded input reduced over the window
  axes.  Padded positions, and positions past the input that ceil rounding or
  ``outputSizes`` bring into the last windows, never contribute: averagePool2d
  divides by the number of input elements in the window, l2Pool2d sums squares
  of input elements only, maxPool2d pads with the type's lowest value.  A
  window that covers no input element gives NaN (average: 0/0), 0 (l2) or the
  lowest value of the type (max: -inf for floats).  maxPool2d is exact in the
  input's own type (integers included).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from webnnpy.backends.numpy.kernels._table import KernelTable, f64, out_dtype
from webnnpy.ir.graph import Node
from webnnpy.ir.ops.conv_pool import (
    CONV2D_FILTER_LAYOUTS,
    CONV_TRANSPOSE2D_FILTER_LAYOUTS,
)

__all__ = ["KERNELS"]

KERNELS = KernelTable()


def _to_nchw(x: np.ndarray, layout: str) -> np.ndarray:
    return x if layout == "nchw" else x.transpose(0, 3, 1, 2)


def _nhwc_to(y: np.ndarray, layout: str) -> np.ndarray:
    """An NHWC result in the requested layout."""
    return y if layout == "nhwc" else y.transpose(0, 3, 1, 2)


def _windows(xp: np.ndarray, window: tuple[int, int], strides: list[int],
             dilations: list[int], out_hw: tuple[int, int]) -> np.ndarray:
    """View (N, C, outH, outW, windowH, windowW) of a padded NCHW array: the
    dilated window of each output position (no copy)."""
    (kh, kw), (sh, sw), (dh, dw), (oh, ow) = window, strides, dilations, out_hw
    eh, ew = (kh - 1) * dh + 1, (kw - 1) * dw + 1
    v = sliding_window_view(xp, (eh, ew), axis=(2, 3))
    return v[:, :, : (oh - 1) * sh + 1 : sh, : (ow - 1) * sw + 1 : sw, ::dh, ::dw]


def _round(y: np.ndarray, node: Node) -> np.ndarray:
    """The one rounding of a float64 result to the output type (overflow gives
    infinities, as a float16 result may)."""
    with np.errstate(over="ignore"):
        return np.ascontiguousarray(y.astype(out_dtype(node)))


def _bias(y: np.ndarray, bias: np.ndarray | None) -> np.ndarray:
    """Add a 1-D bias along the last (channel) axis of an NHWC float64 array."""
    return y if bias is None else y + f64(bias)


# ------------------------------------------------------------------- conv2d


@KERNELS.define("conv2d")
def _conv2d(node: Node, x: dict[str, Any]) -> list[np.ndarray]:
    a = node.attrs
    layout = a["inputLayout"]
    inp = f64(_to_nchw(x["input"], layout))
    w = f64(x["filter"]).transpose(CONV2D_FILTER_LAYOUTS[a["filterLayout"]])
    n = inp.shape[0]
    o, cg, kh, kw = w.shape
    g = a["groups"]
    og = o // g
    pt, pb, pl, pr = a["padding"]
    out_shape = node.outputs[0].desc.shape
    oh, ow = out_shape[2:] if layout == "nchw" else out_shape[1:3]
    xp = np.pad(inp, ((0, 0), (0, 0), (pt, pb), (pl, pr)))
    win = _windows(xp, (kh, kw), a["strides"], a["dilations"], (oh, ow))
    # im2col: (groups, N*outH*outW, cg*kh*kw) @ (groups, cg*kh*kw, og)
    cols = (win.reshape(n, g, cg, oh, ow, kh, kw)
            .transpose(1, 0, 3, 4, 2, 5, 6)
            .reshape(g, n * oh * ow, cg * kh * kw))
    wm = w.reshape(g, og, cg * kh * kw).transpose(0, 2, 1)
    y = np.matmul(cols, wm)  # (g, N*outH*outW, og)
    y = y.reshape(g, n, oh, ow, og).transpose(1, 2, 3, 0, 4).reshape(n, oh, ow, o)
    y = _bias(y, x["bias"])
    return [_round(_nhwc_to(y, layout), node)]


# ---------------------------------------------------------- convTranspose2d


@KERNELS.define("convTranspose2d")
def _conv_transpose2d(node: Node, x: dict[str, Any]) -> list[np.ndarray]:
    a = node.attrs
    layout = a["inputLayout"]
    inp = f64(_to_nchw(x["input"], layout))
    perm = CONV_TRANSPOSE2D_FILTER_LAYOUTS[a["filterLayout"]]
    w = f64(x["filter"]).transpose(perm)  # (inC, outC/groups, kh, kw)
    n, c, h, wd = inp.shape
    _, og, kh, kw = w.shape
    g = a["groups"]
    cg = c // g
    (sh, sw), (dh, dw) = a["strides"], a["dilations"]
    pt, _, pl, _ = a["padding"]
    oh, ow = a["outputSizes"]
    # every input pixel times every filter tap, per group
    xm = inp.reshape(n, g, cg, h, wd).transpose(1, 0, 3, 4, 2).reshape(
        g, n * h * wd, cg)
    prod = np.matmul(xm, w.reshape(g, cg, og * kh * kw))
    prod = prod.reshape(g, n, h, wd, og, kh, kw)
    # scatter-add each tap into the full (uncropped) result
    full_h = (h - 1) * sh + (kh - 1) * dh + 1
    full_w = (wd - 1) * sw + (kw - 1) * dw + 1
    full = np.zeros((g, n, max(full_h, pt + oh), max(full_w, pl + ow), og))
    for i in range(kh):
        for j in range(kw):
            full[:, :, i * dh : i * dh + (h - 1) * sh + 1 : sh,
                 j * dw : j * dw + (wd - 1) * sw + 1 : sw, :] += prod[..., i, j]
    y = full[:, :, pt : pt + oh, pl : pl + ow, :]  # (g, N, outH, outW, og)
    y = y.transpose(1, 2, 3, 0, 4).reshape(n, oh, ow, g * og)
    y = _bias(y, x["bias"])
    return [_round(_nhwc_to(y, layout), node)]


# ------------------------------------------------------------------- pools


def _pool_pads(a: dict[str, Any], h: int, w: int) -> tuple[tuple[int, int], ...]:
    """np.pad widths: the padding, plus whatever the last windows reach past
    the padded input (ceil rounding or outputSizes)."""
    kh, kw = a["windowDimensions"]
    (sh, sw), (dh, dw) = a["strides"], a["dilations"]
    pt, pb, pl, pr = a["padding"]
    oh, ow = a["outputSizes"]
    need_h = (oh - 1) * sh + (kh - 1) * dh + 1
    need_w = (ow - 1) * sw + (kw - 1) * dw + 1
    extra_h = max(0, need_h - (h + pt + pb))
    extra_w = max(0, need_w - (w + pl + pr))
    return (0, 0), (0, 0), (pt, pb + extra_h), (pl, pr + extra_w)


def _window_reduce(node: Node, v: np.ndarray, fill: Any, how: str) -> np.ndarray:
    a = node.attrs
    pads = _pool_pads(a, v.shape[2], v.shape[3])
    vp = np.pad(v, pads, constant_values=fill)
    win = _windows(vp, tuple(a["windowDimensions"]), a["strides"],
                   a["dilations"], tuple(a["outputSizes"]))
    if how == "max":
        return win.max(axis=(-2, -1))
    return win.sum(axis=(-2, -1))


@KERNELS.define("maxPool2d")
def _max_pool2d(node: Node, x: dict[str, Any]) -> list[np.ndarray]:
    layout = node.attrs["layout"]
    v = _to_nchw(x["input"], layout)
    lowest = -np.inf if v.dtype.kind == "f" else np.iinfo(v.dtype).min
    y = _window_reduce(node, v, lowest, "max")
    y = y if layout == "nchw" else y.transpose(0, 2, 3, 1)
    return [np.ascontiguousarray(y, dtype=out_dtype(node))]


@KERNELS.define("averagePool2d")
def _average_pool2d(node: Node, x: dict[str, Any]) -> list[np.ndarray]:
    layout = node.attrs["layout"]
    v = f64(_to_nchw(x["input"], layout))
    total = _window_reduce(node, v, 0.0, "sum")
    count = _window_reduce(node, np.ones((1, 1, *v.shape[2:])), 0.0, "sum")
    with np.errstate(invalid="ignore"):  # a window over padding only: 0/0
        y = total / count
    y = y if layout == "nchw" else y.transpose(0, 2, 3, 1)
    return [_round(y, node)]


@KERNELS.define("l2Pool2d")
def _l2_pool2d(node: Node, x: dict[str, Any]) -> list[np.ndarray]:
    layout = node.attrs["layout"]
    v = f64(_to_nchw(x["input"], layout))
    y = np.sqrt(_window_reduce(node, v * v, 0.0, "sum"))
    y = y if layout == "nchw" else y.transpose(0, 2, 3, 1)
    return [_round(y, node)]
