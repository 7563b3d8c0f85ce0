"""op_support_limits samples for the gather_scatter family (key: input)."""

from __future__ import annotations

from samples import Sample, inp


def _shape(rank: int) -> list[int]:
    return [2, 3, 1, 2, 1, 2, 1, 1][:rank]


def _gather(b, dtype, rank):  # indices of rank 1: the output keeps the rank
    x = inp(b, "x", dtype, _shape(rank))
    return b.gather(x, inp(b, "i", "int32", [2]), axis=rank - 1)


def _gather_elements(b, dtype, rank):
    shape = _shape(rank)
    x = inp(b, "x", dtype, shape)
    return b.gather_elements(x, inp(b, "i", "int32", shape))


def _gather_nd(b, dtype, rank):  # one 1-long coordinate: output rank = rank
    x = inp(b, "x", dtype, _shape(rank))
    return b.gather_nd(x, inp(b, "i", "int32", [1, 1]))


def _scatter_elements(b, dtype, rank):
    shape = _shape(rank)
    x = inp(b, "x", dtype, shape)
    return b.scatter_elements(x, inp(b, "i", "int32", shape),
                              inp(b, "u", dtype, shape))


def _scatter_nd(b, dtype, rank):
    shape = _shape(rank)
    x = inp(b, "x", dtype, shape)
    return b.scatter_nd(x, inp(b, "i", "int32", [1, 1]),
                        inp(b, "u", dtype, [1, *shape[1:]]))


SAMPLES = {
    "gather": Sample(_gather),
    "gatherElements": Sample(_gather_elements),
    "gatherND": Sample(_gather_nd),
    "scatterElements": Sample(_scatter_elements),
    "scatterND": Sample(_scatter_nd),
}
