"""op_support_limits samples for the shape family."""

from __future__ import annotations

import math

from samples import Sample, inp


def _shape(rank: int) -> list[int]:
    return [2, 3, 1, 2, 1, 2, 1, 1][:rank]


def _reshape(b, dtype, rank):
    x = inp(b, "x", dtype, _shape(rank))
    return b.reshape(x, [math.prod(_shape(rank))])


def _transpose(b, dtype, rank):
    return b.transpose(inp(b, "x", dtype, _shape(rank)))


def _concat(b, dtype, rank):
    x = inp(b, "x", dtype, _shape(rank))
    y = inp(b, "y", dtype, _shape(rank))
    return b.concat([x, y], rank - 1)


def _slice(b, dtype, rank):
    shape = _shape(rank)
    x = inp(b, "x", dtype, shape)
    return b.slice(x, [d - 1 for d in shape], [1] * rank)


def _split(b, dtype, rank):
    return b.split(inp(b, "x", dtype, _shape(rank)), 2)


def _pad(b, dtype, rank):
    x = inp(b, "x", dtype, _shape(rank))
    return b.pad(x, [1] * rank, [0] * rank, mode="edge")


def _expand(b, dtype, rank):
    shape = _shape(rank)
    return b.expand(inp(b, "x", dtype, shape), [2 if d == 1 else d for d in shape])


def _tile(b, dtype, rank):
    return b.tile(inp(b, "x", dtype, _shape(rank)), [2] + [1] * (rank - 1)
                  if rank else [])


def _reverse(b, dtype, rank):
    return b.reverse(inp(b, "x", dtype, _shape(rank)))


def _triangular(b, dtype, rank):
    return b.triangular(inp(b, "x", dtype, [2, 3, 1, 2, 3, 1, 2, 3][-rank:]))


SAMPLES = {
    "reshape": Sample(_reshape),
    "transpose": Sample(_transpose),
    "concat": Sample(_concat, key="inputs"),
    "slice": Sample(_slice),
    "split": Sample(_split),
    "pad": Sample(_pad),
    "expand": Sample(_expand),
    "tile": Sample(_tile),
    "reverse": Sample(_reverse),
    "triangular": Sample(_triangular),
}
