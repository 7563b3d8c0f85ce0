"""op_support_limits samples for the activation family."""

from __future__ import annotations

from samples import Sample, inp

_UNARY = {
    "elu": "elu", "gelu": "gelu", "hardSigmoid": "hard_sigmoid",
    "hardSwish": "hard_swish", "leakyRelu": "leaky_relu", "linear": "linear",
    "relu": "relu", "sigmoid": "sigmoid", "softplus": "softplus",
    "softsign": "softsign", "tanh": "tanh",
}


def _shape(rank: int) -> list[int]:
    return [2, 3, 1, 2, 1, 2, 1, 1][:rank]


def _unary(method: str) -> Sample:
    def fn(b, dtype, rank):
        return getattr(b, method)(inp(b, "x", dtype, _shape(rank)))

    return Sample(fn)


def _prelu(b, dtype, rank):  # the slope broadcasts (lower rank, ones)
    x = inp(b, "x", dtype, _shape(rank))
    slope = inp(b, "slope", dtype, [1] * max(rank - 1, 0))
    return b.prelu(x, slope)


def _softmax(b, dtype, rank):
    return b.softmax(inp(b, "x", dtype, _shape(rank)), rank - 1)


def _clamp(b, dtype, rank):
    return b.clamp(inp(b, "x", dtype, _shape(rank)), min_value=0, max_value=1)


SAMPLES = {
    **{op: _unary(method) for op, method in _UNARY.items()},
    "prelu": Sample(_prelu),
    "softmax": Sample(_softmax),
    "clamp": Sample(_clamp),
}
