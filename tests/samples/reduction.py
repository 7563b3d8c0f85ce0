"""op_support_limits samples for the reduction family."""

from __future__ import annotations

from samples import Sample, inp

_REDUCE = {
    "reduceL1": "reduce_l1", "reduceL2": "reduce_l2",
    "reduceLogSum": "reduce_log_sum", "reduceLogSumExp": "reduce_log_sum_exp",
    "reduceMax": "reduce_max", "reduceMean": "reduce_mean",
    "reduceMin": "reduce_min", "reduceProduct": "reduce_product",
    "reduceSum": "reduce_sum", "reduceSumSquare": "reduce_sum_square",
}


def _shape(rank: int) -> list[int]:
    return [2, 3, 1, 2, 1, 2, 1, 1][:rank]


def _reduce(method: str) -> Sample:
    def fn(b, dtype, rank):  # reduce the last axis (every axis of a scalar)
        x = inp(b, "x", dtype, _shape(rank))
        axes = [rank - 1] if rank else None
        return getattr(b, method)(x, axes=axes)

    return Sample(fn)


def _arg(method: str) -> Sample:
    def fn(b, dtype, rank):
        return getattr(b, method)(inp(b, "x", dtype, _shape(rank)), 0)

    return Sample(fn)


def _cumulative_sum(b, dtype, rank):
    return b.cumulative_sum(inp(b, "x", dtype, _shape(rank)), rank - 1)


SAMPLES = {
    **{op: _reduce(m) for op, m in _REDUCE.items()},
    "argMin": _arg("arg_min"),
    "argMax": _arg("arg_max"),
    "cumulativeSum": Sample(_cumulative_sum),
}
