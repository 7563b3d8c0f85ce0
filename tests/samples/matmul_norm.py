"""op_support_limits samples for the matmul_norm family."""

from __future__ import annotations

from samples import Sample, inp


def _shape(rank: int) -> list[int]:
    return [2, 3, 1, 2, 1, 2, 1, 1][:rank]


def _matmul(b, dtype, rank):  # a [.., 2, 3] @ b [3, 4], b's batch broadcast
    a = inp(b, "a", dtype, [*[2, 1, 1, 1, 1, 1][: rank - 2], 2, 3])
    return b.matmul(a, inp(b, "b", dtype, [3, 4]))


def _gemm(b, dtype, rank):
    a = inp(b, "a", dtype, [3, 2][:rank])
    c = inp(b, "c", dtype, [4])
    return b.gemm(a, inp(b, "b", dtype, [4, 3]), c=c, b_transpose=True,
                  a_transpose=True)


def _batch_norm(b, dtype, rank):
    shape = _shape(rank)
    axis = 1 if rank > 1 else 0
    c = shape[axis]
    return b.batch_normalization(
        inp(b, "x", dtype, shape), inp(b, "mean", dtype, [c]),
        inp(b, "var", dtype, [c]), scale=inp(b, "scale", dtype, [c]),
        bias=inp(b, "bias", dtype, [c]), axis=axis)


def _instance_norm(b, dtype, rank):
    shape = [2, 3, 2, 2][:rank]
    return b.instance_normalization(
        inp(b, "x", dtype, shape), scale=inp(b, "scale", dtype, [3]),
        bias=inp(b, "bias", dtype, [3]))


def _layer_norm(b, dtype, rank):  # default axes: 1..rank-1
    shape = _shape(rank)
    rest = shape[1:]
    return b.layer_normalization(
        inp(b, "x", dtype, shape), scale=inp(b, "scale", dtype, rest),
        bias=inp(b, "bias", dtype, rest))


SAMPLES = {
    "matmul": Sample(_matmul, key="a"),
    "gemm": Sample(_gemm, key="a"),
    "batchNormalization": Sample(_batch_norm, key="input"),
    "instanceNormalization": Sample(_instance_norm, key="input"),
    "layerNormalization": Sample(_layer_norm, key="input"),
}
