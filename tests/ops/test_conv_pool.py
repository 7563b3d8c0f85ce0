"""Behaviour of conv2d, convTranspose2d and the pooling ops.

Expected values are hand-computed literals or come from the naive float64
references below, written here from the spec's definitions (explicit loops over
output positions and window/filter taps; out-of-range positions are padding).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from helpers import assert_exact, assert_ulp, rand, run

FLOATS = ["float32", "float16"]
INTS = ["int8", "uint8", "int32", "uint32", "int64", "uint64"]

# -------------------------------------------------------------- references


def ref_conv2d(x, w, bias=None, padding=(0, 0, 0, 0), strides=(1, 1),
               dilations=(1, 1), groups=1):
    """x NCHW, w OIHW (float64).  out[n, o, y, x] = bias[o] + sum over the
    group's input channels c and taps (i, j) of
    x[n, g*cg + c, y*sh + i*dh - pt, x*sw + j*dw - pl] * w[o, c, i, j],
    positions outside the input being zero padding."""
    x, w = np.asarray(x, np.float64), np.asarray(w, np.float64)
    n_, _, h, wd = x.shape
    o_, cg, kh, kw = w.shape
    pt, pb, pl, pr = padding
    (sh, sw), (dh, dw) = strides, dilations
    oh = (h + pt + pb - ((kh - 1) * dh + 1)) // sh + 1
    ow = (wd + pl + pr - ((kw - 1) * dw + 1)) // sw + 1
    og = o_ // groups
    out = np.zeros((n_, o_, oh, ow))
    for n, o, y, xx in itertools.product(range(n_), range(o_), range(oh), range(ow)):
        g = o // og
        s = 0.0 if bias is None else float(bias[o])
        for c, i, j in itertools.product(range(cg), range(kh), range(kw)):
            iy, ix = y * sh + i * dh - pt, xx * sw + j * dw - pl
            if 0 <= iy < h and 0 <= ix < wd:
                s += x[n, g * cg + c, iy, ix] * w[o, c, i, j]
        out[n, o, y, xx] = s
    return out


def ref_conv_transpose2d(x, w, bias=None, padding=(0, 0, 0, 0), strides=(1, 1),
                         dilations=(1, 1), output_padding=(0, 0),
                         output_sizes=None, groups=1):
    """x NCHW, w IOHW (float64).  Every input element x[n, ci, iy, ix] adds
    x * w[ci, o, i, j] to the full result at (iy*sh + i*dh, ix*sw + j*dw) of
    output channel group(ci)*og + o; the output is the full result shifted by
    the beginning padding (positions past it are zero), plus the bias."""
    x, w = np.asarray(x, np.float64), np.asarray(w, np.float64)
    n_, c_, h, wd = x.shape
    _, og, kh, kw = w.shape
    cg = c_ // groups
    pt, pb, pl, pr = padding
    (sh, sw), (dh, dw) = strides, dilations
    calc_h = (h - 1) * sh + (kh - 1) * dh + 1 - pt - pb
    calc_w = (wd - 1) * sw + (kw - 1) * dw + 1 - pl - pr
    if output_sizes is None:
        oh, ow = calc_h + output_padding[0], calc_w + output_padding[1]
    else:
        oh, ow = output_sizes
    out = np.zeros((n_, og * groups, oh, ow))
    for n, ci, iy, ix in itertools.product(range(n_), range(c_), range(h), range(wd)):
        g = ci // cg
        for o, i, j in itertools.product(range(og), range(kh), range(kw)):
            y, xx = iy * sh + i * dh - pt, ix * sw + j * dw - pl
            if 0 <= y < oh and 0 <= xx < ow:
                out[n, g * og + o, y, xx] += x[n, ci, iy, ix] * w[ci, o, i, j]
    if bias is not None:
        out += np.asarray(bias, np.float64)[None, :, None, None]
    return out


def ref_pool(kind, x, window=None, padding=(0, 0, 0, 0), strides=(1, 1),
             dilations=(1, 1), rounding="floor", output_sizes=None):
    """x NCHW.  Each output position reduces the input elements its dilated
    window covers; padding (and anything past the input) is not an element.
    The spec leaves windows without elements undefined; webnnpy gives NaN for
    the average, 0 for the L2 norm and the lowest value for the max."""
    n_, c_, h, wd = x.shape
    kh, kw = window if window is not None else (h, wd)
    pt, pb, pl, pr = padding
    (sh, sw), (dh, dw) = strides, dilations
    rnd = np.floor if rounding == "floor" else np.ceil
    if output_sizes is None:
        oh = int(rnd((h + pt + pb - ((kh - 1) * dh + 1)) / sh)) + 1
        ow = int(rnd((wd + pl + pr - ((kw - 1) * dw + 1)) / sw)) + 1
    else:
        oh, ow = output_sizes
    exact = kind == "max" and x.dtype.kind != "f"
    out = np.zeros((n_, c_, oh, ow), dtype=x.dtype if exact else np.float64)
    for n, c, y, xx in itertools.product(range(n_), range(c_), range(oh), range(ow)):
        vals = []
        for i, j in itertools.product(range(kh), range(kw)):
            iy, ix = y * sh + i * dh - pt, xx * sw + j * dw - pl
            if 0 <= iy < h and 0 <= ix < wd:
                vals.append(x[n, c, iy, ix] if exact else float(x[n, c, iy, ix]))
        if kind == "max":
            # a window covering no element: the lowest value (our choice)
            lowest = -np.inf if not exact else np.iinfo(x.dtype).min
            out[n, c, y, xx] = max(vals, default=lowest)
        elif kind == "average":
            # a window covering no element: 0/0 = NaN (our choice)
            out[n, c, y, xx] = sum(vals) / len(vals) if vals else np.nan
        else:
            out[n, c, y, xx] = np.sqrt(sum(v * v for v in vals))
    return out


# layout conversions, written from the spec's layout definitions
def to_nhwc(a):
    return np.ascontiguousarray(a.transpose(0, 2, 3, 1))


def nhwc_to_nchw(a):
    return a.transpose(0, 3, 1, 2)


CONV_FILTER = {  # OIHW -> layout
    "oihw": lambda w: w,
    "hwio": lambda w: w.transpose(2, 3, 1, 0),
    "ohwi": lambda w: w.transpose(0, 2, 3, 1),
    "ihwo": lambda w: w.transpose(1, 2, 3, 0),
}
CONVT_FILTER = {  # IOHW -> layout
    "iohw": lambda w: w,
    "hwoi": lambda w: w.transpose(2, 3, 1, 0),
    "ohwi": lambda w: w.transpose(1, 2, 3, 0),
}


def _f64(a):
    return np.asarray(a, np.float64)


# ------------------------------------------------------------------ conv2d


def test_conv2d_hand_computed(context):
    x = np.arange(1, 10, dtype=np.float32).reshape(1, 1, 3, 3)
    w = np.ones((1, 1, 2, 2), np.float32)
    out = run(context, lambda g, x, w: g.conv2d(x, w), {"x": x, "w": w})
    assert_exact(out, [[[[12, 16], [24, 28]]]], np.float32)


def test_conv2d_hand_computed_padding_stride_bias(context):
    # input [[1,2,3],[4,5,6],[7,8,9]] padded by one on every side; 3x3 ones
    # filter at stride 2 sums the corners' 2x2 neighbourhoods; bias 0.5
    x = np.arange(1, 10, dtype=np.float32).reshape(1, 1, 3, 3)
    w = np.ones((1, 1, 3, 3), np.float32)
    bias = np.array([0.5], np.float32)

    def fn(g, x, w, bias):
        return g.conv2d(x, w, padding=[1, 1, 1, 1], strides=[2, 2], bias=bias)

    out = run(context, fn, {"x": x, "w": w, "bias": bias})
    assert_exact(out, [[[[12.5, 16.5], [24.5, 28.5]]]], np.float32)


def test_conv2d_hand_computed_dilation_nhwc(context):
    # dilation 2 with a 2x2 filter picks the corners of each 3x3 window
    x = np.arange(16, dtype=np.float32).reshape(1, 4, 4, 1)  # nhwc
    w = np.array([1, 10, 100, 1000], np.float32).reshape(2, 2, 1, 1)  # hwio

    def fn(g, x, w):
        return g.conv2d(x, w, dilations=[2, 2], input_layout="nhwc",
                        filter_layout="hwio")

    out = run(context, fn, {"x": x, "w": w})
    # position (0,0): x[0,0] + 10 x[0,2] + 100 x[2,0] + 1000 x[2,2]
    want = [[0 + 20 + 800 + 10000, 1 + 30 + 900 + 11000],
            [4 + 60 + 1200 + 14000, 5 + 70 + 1300 + 15000]]
    assert_exact(out, np.array(want).reshape(1, 2, 2, 1), np.float32)


def test_conv2d_defaults(context):
    x = rand((2, 3, 5, 4), "float32", seed=1)
    w = rand((2, 3, 3, 2), "float32", seed=2)
    out = run(context, lambda g, x, w: g.conv2d(x, w), {"x": x, "w": w})
    assert_ulp(out, ref_conv2d(x, w), 1)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("filter_layout", sorted(CONV_FILTER))
@pytest.mark.parametrize("input_layout", ["nchw", "nhwc"])
def test_conv2d_layouts_and_options(context, input_layout, filter_layout, dtype):
    x = rand((2, 4, 6, 7), dtype, seed=3)
    w = rand((6, 2, 3, 2), dtype, seed=4)  # groups 2: 4 -> 6 channels
    bias = rand((6,), dtype, seed=5)
    opts = dict(padding=[1, 0, 2, 1], strides=[2, 1], dilations=[1, 2], groups=2)
    want = ref_conv2d(x, w, bias, **opts)
    xin = x if input_layout == "nchw" else to_nhwc(x)
    win = np.ascontiguousarray(CONV_FILTER[filter_layout](w))

    def fn(g, x, w, bias):
        return g.conv2d(x, w, bias=bias, input_layout=input_layout,
                        filter_layout=filter_layout, **opts)

    out = run(context, fn, {"x": xin, "w": win, "bias": bias})
    if input_layout == "nhwc":
        out = nhwc_to_nchw(out)
    assert_ulp(out, want, 1)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("input_layout,filter_layout",
                         [("nchw", "oihw"), ("nhwc", "ihwo"), ("nhwc", "hwio")])
def test_conv2d_depthwise(context, input_layout, filter_layout, dtype):
    c = 3
    x = rand((1, c, 5, 5), dtype, seed=6)
    w = rand((c, 1, 3, 3), dtype, seed=7)  # groups = inputChannels = outputChannels
    want = ref_conv2d(x, w, padding=(1, 1, 1, 1), strides=(2, 2), groups=c)
    xin = x if input_layout == "nchw" else to_nhwc(x)
    win = np.ascontiguousarray(CONV_FILTER[filter_layout](w))

    def fn(g, x, w):
        return g.conv2d(x, w, padding=[1, 1, 1, 1], strides=[2, 2], groups=c,
                        input_layout=input_layout, filter_layout=filter_layout)

    out = run(context, fn, {"x": xin, "w": win})
    assert_ulp(out if input_layout == "nchw" else nhwc_to_nchw(out), want, 1)


def test_conv2d_depthwise_multiplier(context):
    # groups = inputChannels = 2, two output channels per input channel
    x = rand((1, 2, 4, 4), "float32", seed=8)
    w = rand((4, 1, 2, 2), "float32", seed=9)
    out = run(context, lambda g, x, w: g.conv2d(x, w, groups=2), {"x": x, "w": w})
    assert_ulp(out, ref_conv2d(x, w, groups=2), 1)


@pytest.mark.parametrize("padding,strides,dilations", [
    ([0, 0, 0, 0], [1, 1], [1, 1]),
    ([2, 0, 0, 3], [1, 1], [1, 1]),
    ([0, 0, 0, 0], [3, 2], [1, 1]),
    ([0, 0, 0, 0], [1, 1], [2, 3]),
    ([1, 2, 3, 0], [2, 3], [2, 1]),
])
def test_conv2d_option_sweep(context, padding, strides, dilations):
    x = rand((1, 2, 7, 8), "float32", seed=10)
    w = rand((3, 2, 2, 3), "float32", seed=11)
    opts = dict(padding=padding, strides=strides, dilations=dilations)
    out = run(context, lambda g, x, w: g.conv2d(x, w, **opts), {"x": x, "w": w})
    assert_ulp(out, ref_conv2d(x, w, **opts), 1)


def test_conv2d_constant_filter(context):
    x = rand((1, 1, 4, 4), "float16", seed=12)
    w = rand((2, 1, 2, 2), "float16", seed=13)
    out = run(context, lambda g, x, w: g.conv2d(x, w, strides=[2, 2]),
              {"x": x, "w": w}, constants={"w"})
    assert_ulp(out, ref_conv2d(x, w, strides=(2, 2)), 1)


# --------------------------------------------------------- convTranspose2d


def test_conv_transpose2d_hand_computed(context):
    # each input element stamps input * filter onto the output at stride 1
    x = np.array([[1, 2], [3, 4]], np.float32).reshape(1, 1, 2, 2)
    w = np.ones((1, 1, 2, 2), np.float32)
    out = run(context, lambda g, x, w: g.conv_transpose2d(x, w), {"x": x, "w": w})
    assert_exact(out, [[[[1, 3, 2], [4, 10, 6], [3, 7, 4]]]], np.float32)


def test_conv_transpose2d_hand_computed_stride_padding(context):
    # stride 2: non-overlapping 2x2 stamps; output padding adds a zero row and
    # column (plus bias); padding [1, 0, 0, 0] drops the first row
    x = np.array([[1, 2], [3, 4]], np.float32).reshape(1, 1, 2, 2)
    w = np.array([[1, 10], [100, 1000]], np.float32).reshape(1, 1, 2, 2)
    bias = np.array([0.5], np.float32)

    def fn(g, x, w, bias):
        return g.conv_transpose2d(x, w, strides=[2, 2], output_padding=[1, 1],
                                  padding=[1, 0, 0, 0], bias=bias)

    out = run(context, fn, {"x": x, "w": w, "bias": bias})
    full = np.array([[1, 10, 2, 20], [100, 1000, 200, 2000],
                     [3, 30, 4, 40], [300, 3000, 400, 4000]], np.float64)
    want = np.zeros((4, 5))
    want[:3, :4] = full[1:]
    assert_exact(out, (want + 0.5).reshape(1, 1, 4, 5), np.float32)


def test_conv_transpose2d_defaults(context):
    x = rand((2, 3, 3, 4), "float32", seed=20)
    w = rand((3, 2, 2, 3), "float32", seed=21)
    out = run(context, lambda g, x, w: g.conv_transpose2d(x, w), {"x": x, "w": w})
    assert out.shape == (2, 2, 4, 6)
    assert_ulp(out, ref_conv_transpose2d(x, w), 1)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("filter_layout", sorted(CONVT_FILTER))
@pytest.mark.parametrize("input_layout", ["nchw", "nhwc"])
def test_conv_transpose2d_layouts_and_options(context, input_layout, filter_layout,
                                              dtype):
    x = rand((2, 4, 3, 4), dtype, seed=22)
    w = rand((4, 3, 3, 2), dtype, seed=23)  # groups 2: 4 -> 6 channels
    bias = rand((6,), dtype, seed=24)
    opts = dict(padding=[1, 0, 0, 2], strides=[2, 3], dilations=[2, 1],
                output_padding=[1, 2], groups=2)
    want = ref_conv_transpose2d(x, w, bias, **opts)
    xin = x if input_layout == "nchw" else to_nhwc(x)
    win = np.ascontiguousarray(CONVT_FILTER[filter_layout](w))

    def fn(g, x, w, bias):
        return g.conv_transpose2d(x, w, bias=bias, input_layout=input_layout,
                                  filter_layout=filter_layout, **opts)

    out = run(context, fn, {"x": xin, "w": win, "bias": bias})
    if input_layout == "nhwc":
        out = nhwc_to_nchw(out)
    assert_ulp(out, want, 1)


@pytest.mark.parametrize("output_sizes", [[6, 9], [7, 10], [6, 11]])
def test_conv_transpose2d_output_sizes(context, output_sizes):
    # computed size 6x9 with strides [2, 3]: outputSizes may add up to
    # stride - 1; the given output_padding is ignored
    x = rand((1, 2, 3, 3), "float32", seed=25)
    w = rand((2, 1, 2, 3), "float32", seed=26)

    def fn(g, x, w):
        return g.conv_transpose2d(x, w, strides=[2, 3], output_sizes=output_sizes,
                                  output_padding=[5, 5])

    out = run(context, fn, {"x": x, "w": w})
    want = ref_conv_transpose2d(x, w, strides=(2, 3), output_sizes=output_sizes)
    assert_ulp(out, want, 1)


def test_conv_transpose2d_padding_past_the_full_result(context):
    # full result (2 - 1) * 3 + 2 = 5 wide; the beginning padding 5 removes
    # all of it: computed size 0, outputSizes [1, 1] is in [0, 3) and holds
    # only the bias
    x = rand((1, 1, 2, 2), "float32", seed=27)
    w = rand((1, 1, 2, 2), "float32", seed=28)
    bias = np.array([0.25], np.float32)

    def fn(g, x, w, bias):
        return g.conv_transpose2d(x, w, bias=bias, strides=[3, 3],
                                  padding=[5, 0, 5, 0], output_sizes=[1, 1])

    out = run(context, fn, {"x": x, "w": w, "bias": bias})
    assert_exact(out, [[[[0.25]]]], np.float32)


def test_conv_transpose2d_is_the_adjoint_of_conv2d(context):
    # <conv2d(a, w), b> == <a, convTranspose2d(b, w')> for w' the same filter
    # read as [inputChannels of the transpose = conv2d's outputs, ...]
    opts = dict(padding=[1, 2, 0, 1], strides=[2, 2], dilations=[1, 2])
    a = rand((1, 2, 6, 7), "float32", seed=29)
    w = rand((3, 2, 3, 2), "float32", seed=30)  # conv2d oihw == convT iohw
    y = ref_conv2d(a, w, **opts)  # (1, 3, 4, 3)
    b = rand(y.shape, "float32", seed=31)

    def fn(g, b, w):
        return g.conv_transpose2d(b, w, output_sizes=[6, 7], **opts)

    out = run(context, fn, {"b": b, "w": w})
    lhs = float(np.sum(y * _f64(b)))
    rhs = float(np.sum(_f64(a) * _f64(out)))
    assert abs(lhs - rhs) <= 1e-5 * max(1.0, abs(lhs))


# ------------------------------------------------------------------- pools

POOLS = {"average": "average_pool2d", "l2": "l2_pool2d", "max": "max_pool2d"}


def test_pools_hand_computed(context):
    x = np.array([[1, 2, 3], [4, 5, 6], [7, 8, 9]], np.float32).reshape(1, 1, 3, 3)

    def fn(g, x):
        return [g.average_pool2d(x, window_dimensions=[2, 2]),
                g.max_pool2d(x, window_dimensions=[2, 2]),
                g.l2_pool2d(x, window_dimensions=[2, 2], strides=[2, 2])]

    avg, mx, l2 = run(context, fn, {"x": x})
    assert_exact(avg, [[[[3, 4], [6, 7]]]], np.float32)
    assert_exact(mx, [[[[5, 6], [8, 9]]]], np.float32)
    assert_ulp(l2, [[[[np.sqrt(1 + 4 + 16 + 25)]]]], 1)


def test_average_pool2d_does_not_count_padding(context):
    # padding 1 on every side, 2x2 windows at stride 2: the corner window
    # covers only x[0,0]; padded positions are not counted
    x = np.array([[1, 2], [3, 4]], np.float32).reshape(1, 1, 2, 2)

    def fn(g, x):
        return [g.average_pool2d(x, window_dimensions=[2, 2], strides=[1, 1],
                                 padding=[1, 1, 1, 1]),
                g.max_pool2d(x, window_dimensions=[2, 2], padding=[1, 1, 1, 1]),
                g.l2_pool2d(x, window_dimensions=[2, 2], padding=[1, 1, 1, 1])]

    avg, mx, l2 = run(context, fn, {"x": x})
    assert_exact(avg, [[[[1, 1.5, 2], [2, 2.5, 3], [3, 3.5, 4]]]], np.float32)
    assert_exact(mx, [[[[1, 2, 2], [3, 4, 4], [3, 4, 4]]]], np.float32)
    assert_ulp(l2, np.sqrt([[[[1, 5, 4], [10, 30, 20], [9, 25, 16]]]]), 1)


def test_max_pool2d_padding_never_wins_over_negatives(context):
    x = np.array([[-5, -2], [-3, -4]], np.float32).reshape(1, 1, 2, 2)
    out = run(context, lambda g, x: g.max_pool2d(
        x, window_dimensions=[2, 2], padding=[1, 0, 1, 0]), {"x": x})
    assert_exact(out, [[[[-5, -2], [-3, -2]]]], np.float32)


@pytest.mark.parametrize("kind", sorted(POOLS))
@pytest.mark.parametrize("layout", ["nchw", "nhwc"])
def test_global_pooling_default(context, kind, layout):
    x = rand((2, 3, 4, 5), "float32", seed=40)
    xin = x if layout == "nchw" else to_nhwc(x)
    out = run(context, lambda g, x: getattr(g, POOLS[kind])(x, layout=layout),
              {"x": xin})
    assert out.shape == ((2, 3, 1, 1) if layout == "nchw" else (2, 1, 1, 3))
    want = ref_pool(kind, x)
    got = out if layout == "nchw" else nhwc_to_nchw(out)
    if kind == "max":
        assert_exact(got, want.astype(np.float32))
    else:
        assert_ulp(got, want, 1)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("layout", ["nchw", "nhwc"])
@pytest.mark.parametrize("kind", sorted(POOLS))
def test_pools_layouts_and_options(context, kind, layout, dtype):
    x = rand((2, 3, 7, 8), dtype, seed=41)
    opts = dict(window=(3, 2), padding=(1, 2, 0, 1), strides=(2, 3),
                dilations=(2, 1))
    want = ref_pool(kind, x, **opts)
    xin = x if layout == "nchw" else to_nhwc(x)

    def fn(g, x):
        return getattr(g, POOLS[kind])(
            x, window_dimensions=[3, 2], padding=[1, 2, 0, 1], strides=[2, 3],
            dilations=[2, 1], layout=layout)

    out = run(context, fn, {"x": xin})
    got = out if layout == "nchw" else nhwc_to_nchw(out)
    if kind == "max":
        assert_exact(got, want.astype(dtype))
    else:
        assert_ulp(got, want, 1)


@pytest.mark.parametrize("kind", sorted(POOLS))
@pytest.mark.parametrize("rounding", ["floor", "ceil"])
def test_pools_output_shape_rounding(context, kind, rounding):
    # (6 - 3 + 1 + 0) / 2 + 1 = 3 and (7 - 2 + 0) / 2 + 1 = 3.5: floor 3x3,
    # ceil 3x4; the ceil window past the input covers fewer elements
    x = rand((1, 2, 6, 7), "float32", seed=42)

    def fn(g, x):
        return getattr(g, POOLS[kind])(x, window_dimensions=[3, 2],
                                       padding=[1, 0, 0, 0], strides=[2, 2],
                                       output_shape_rounding=rounding)

    out = run(context, fn, {"x": x})
    want = ref_pool(kind, x, (3, 2), (1, 0, 0, 0), (2, 2), rounding=rounding)
    assert out.shape == ((1, 2, 3, 3) if rounding == "floor" else (1, 2, 3, 4))
    if kind == "max":
        assert_exact(out, want.astype(np.float32))
    else:
        assert_ulp(out, want, 1)


@pytest.mark.parametrize("kind", sorted(POOLS))
@pytest.mark.parametrize("output_sizes,rounding",
                         [([3, 3], "ceil"), ([4, 4], "floor")])
def test_pools_output_sizes_override_rounding(context, kind, output_sizes,
                                              rounding):
    # input 5x5, window 2, padding [1, 1, 1, 1], strides 2:
    # (5 - 2 + 2) / 2 + 1 = 3.5 -> floor [3, 3], ceil [4, 4]; outputSizes
    # picks one whatever output_shape_rounding says (and the padding is used)
    x = rand((1, 1, 5, 5), "float32", seed=43)

    def fn(g, x):
        return getattr(g, POOLS[kind])(x, window_dimensions=[2, 2],
                                       padding=[1, 1, 1, 1], strides=[2, 2],
                                       output_shape_rounding=rounding,
                                       output_sizes=output_sizes)

    out = run(context, fn, {"x": x})
    want = ref_pool(kind, x, (2, 2), (1, 1, 1, 1), (2, 2),
                    output_sizes=output_sizes)
    if kind == "max":
        assert_exact(out, want.astype(np.float32))
    else:
        assert_ulp(out, want, 1)


@pytest.mark.parametrize("dtype", INTS)
def test_max_pool2d_integers_exact(context, dtype):
    info = np.iinfo(dtype)
    vals = [info.min, info.max, 0, 1, info.max - 1, info.min + 1,
            2, 3, 4, 5, 6, 7, 8, 9, 10, 11]
    if info.min < 0:
        vals[2:6] = [-1, -7, info.min + 2, -3]
    x = np.array(vals, dtype).reshape(1, 1, 4, 4)

    def fn(g, x):
        return g.max_pool2d(x, window_dimensions=[2, 2], padding=[1, 0, 1, 0],
                            strides=[1, 2], dilations=[1, 1])

    out = run(context, fn, {"x": x})
    want = ref_pool("max", x, (2, 2), (1, 0, 1, 0), (1, 2))
    assert_exact(out, want, dtype)


def test_max_pool2d_int64_beyond_float64_precision(context):
    # 2**62 + 1 and 2**62 are the same float64; the max must be exact
    x = np.array([2**62, 2**62 + 1, -(2**62) - 1, -(2**62)],
                 np.int64).reshape(1, 1, 2, 2)
    out = run(context, lambda g, x: g.max_pool2d(x, window_dimensions=[1, 2]),
              {"x": x})
    assert_exact(out, [[[[2**62 + 1], [-(2**62)]]]], np.int64)


def test_max_pool2d_uint64_large(context):
    # nhwc [1, 1, 2, 2]: height 1, width 2, two channels; global max per channel
    x = np.array([2**64 - 1, 2**64 - 2, 2**63, 2**63 + 1],
                 np.uint64).reshape(1, 1, 2, 2)
    out = run(context, lambda g, x: g.max_pool2d(x, layout="nhwc"), {"x": x})
    assert_exact(out, np.array([2**64 - 1, 2**64 - 2], np.uint64).reshape(1, 1, 1, 2))


def test_pools_windows_past_the_input(context):
    # ceil rounding: (5 - 1) / 3 + 1 = 2.33 -> 3 outputs; the third window
    # starts at 6, past the input: it covers no element, so its average is
    # 0/0 = NaN, its L2 norm 0 and its max the lowest value (-inf)
    x = np.arange(1, 6, dtype=np.float32).reshape(1, 1, 1, 5)

    def fn(g, x):
        kw = dict(window_dimensions=[1, 1], strides=[1, 3],
                  output_shape_rounding="ceil")
        return [g.average_pool2d(x, **kw), g.l2_pool2d(x, **kw),
                g.max_pool2d(x, **kw)]

    avg, l2, mx = run(context, fn, {"x": x})
    assert_exact(avg, [[[[1, 4, np.nan]]]], np.float32)
    assert_exact(l2, [[[[1, 4, 0]]]], np.float32)
    assert_exact(mx, [[[[1, 4, -np.inf]]]], np.float32)
