"""op_support_limits samples for the quantization family."""

from __future__ import annotations

from samples import Sample, inp


def _shapes(rank: int) -> tuple[list[int], list[int]]:
    """An input shape and a blockwise-broadcastable parameter shape."""
    shape = [2, 4, 1, 2, 1, 2, 1, 1][:rank]
    return shape, [1, 2, 1, 2, 1, 1, 1, 1][:rank]


def _quantize(b, dtype, rank):
    shape, pshape = _shapes(rank)
    x = inp(b, "x", dtype, shape)
    return b.quantize_linear(x, inp(b, "scale", dtype, pshape),
                             inp(b, "zero_point", "int8", pshape))


def _dequantize(b, dtype, rank):
    shape, pshape = _shapes(rank)
    x = inp(b, "x", dtype, shape)
    return b.dequantize_linear(x, inp(b, "scale", "float32", pshape),
                               inp(b, "zero_point", dtype, pshape))


SAMPLES = {
    "quantizeLinear": Sample(_quantize),
    "dequantizeLinear": Sample(_dequantize),
}
