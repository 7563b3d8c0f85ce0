"""op_support_limits samples for the conv_pool family."""

from __future__ import annotations

from samples import Sample, inp


def _conv2d(b, dtype, rank):
    x = inp(b, "x", dtype, [1, 2, 3, 3][:rank])
    w = inp(b, "w", dtype, [4, 2, 2, 2])
    bias = inp(b, "bias", dtype, [4])
    return b.conv2d(x, w, bias=bias, padding=[1, 0, 0, 1])


def _conv_transpose2d(b, dtype, rank):
    x = inp(b, "x", dtype, [1, 2, 3, 3][:rank])
    w = inp(b, "w", dtype, [2, 3, 2, 2])
    bias = inp(b, "bias", dtype, [3])
    return b.conv_transpose2d(x, w, bias=bias, strides=[2, 2])


def _pool(method):
    def fn(b, dtype, rank):
        x = inp(b, "x", dtype, [1, 2, 4, 3][:rank])
        return getattr(b, method)(x, window_dimensions=[2, 2], strides=[2, 1])

    return Sample(fn, key="input")


SAMPLES = {
    "conv2d": Sample(_conv2d, key="input"),
    "convTranspose2d": Sample(_conv_transpose2d, key="input"),
    "averagePool2d": _pool("average_pool2d"),
    "l2Pool2d": _pool("l2_pool2d"),
    "maxPool2d": _pool("max_pool2d"),
}
