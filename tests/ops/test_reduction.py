"""Behaviour of the reduction family: reduce*, argMin/argMax, cumulativeSum.

Expected values are hand-computed literals or come from the spec's definitions
written out here as explicit Python loops over the input elements (math.fsum
for float sums, exact Python ints wrapped to the type's width for integers).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pytest

from helpers import assert_exact, assert_ulp, rand, run

INT_TYPES = ("int32", "uint32", "int64", "uint64")
ALL_TYPES = ("float32", "float16", "int32", "uint32", "int64", "uint64", "int8",
             "uint8")
REDUCE_METHOD = {
    "reduceL1": "reduce_l1", "reduceL2": "reduce_l2",
    "reduceLogSum": "reduce_log_sum", "reduceLogSumExp": "reduce_log_sum_exp",
    "reduceMax": "reduce_max", "reduceMean": "reduce_mean",
    "reduceMin": "reduce_min", "reduceProduct": "reduce_product",
    "reduceSum": "reduce_sum", "reduceSumSquare": "reduce_sum_square",
}


# ------------------------------------------------------------ references


def _log(s: float) -> float:
    if s == 0:
        return -math.inf
    return math.log(s) if s > 0 else math.nan


#: the spec's reduction functions over a list of exact Python floats
FLOAT_FN: dict[str, Callable[[list[float]], float]] = {
    "reduceL1": lambda v: math.fsum(abs(e) for e in v),
    "reduceL2": lambda v: math.sqrt(math.fsum(e * e for e in v)),
    "reduceLogSum": lambda v: _log(math.fsum(v)),
    "reduceLogSumExp": lambda v: _log(math.fsum(math.exp(e) for e in v)),
    "reduceMax": max,
    "reduceMean": lambda v: math.fsum(v) / len(v),
    "reduceMin": min,
    "reduceProduct": math.prod,
    "reduceSum": math.fsum,
    "reduceSumSquare": lambda v: math.fsum(e * e for e in v),
}

#: the integer reductions over exact Python ints (wrapped afterwards)
INT_FN: dict[str, Callable[[list[int]], int]] = {
    "reduceL1": lambda v: sum(abs(e) for e in v),
    "reduceMax": max,
    "reduceMin": min,
    "reduceProduct": math.prod,
    "reduceSum": sum,
    "reduceSumSquare": lambda v: sum(e * e for e in v),
}


def wrap(v: int, dtype: str) -> int:
    """Two's-complement wrap of an exact integer to ``dtype``'s width."""
    info = np.iinfo(dtype)
    span = int(info.max) - int(info.min) + 1
    return (v - int(info.min)) % span + int(info.min)


def ref_reduce(x: np.ndarray, axes: Sequence[int] | None, keep: bool,
               fn: Callable[[list[Any]], Any]) -> np.ndarray:
    """Apply ``fn`` to the list of input values reduced into each output
    element, visiting the elements one by one (an object array)."""
    rank = x.ndim
    axes = list(range(rank)) if axes is None else list(axes)
    kept = [1 if i in axes else d for i, d in enumerate(x.shape)]
    out = np.empty(kept, dtype=object)
    for idx in np.ndindex(*kept):
        ranges = [range(x.shape[i]) if i in axes else [idx[i]] for i in range(rank)]
        out[idx] = fn([x[j].item() for j in itertools.product(*ranges)])
    if not keep:
        out = out.reshape([d for i, d in enumerate(x.shape) if i not in axes])
    return out


def ref_cumsum(x: np.ndarray, axis: int, exclusive: bool, rev: bool,
               total: Callable[[list[Any]], Any]) -> np.ndarray:
    """out[..., j, ...] = total of x[..., k, ...] over k <= j (k < j when
    exclusive; k >= j / k > j when reversed), element by element."""
    out = np.empty(x.shape, dtype=object)
    n = x.shape[axis]
    for idx in np.ndindex(*x.shape):
        j = idx[axis]
        if rev:
            ks = range(j + 1 if exclusive else j, n)
        else:
            ks = range(0, j if exclusive else j + 1)
        vals = [x[(*idx[:axis], k, *idx[axis + 1:])].item() for k in ks]
        out[idx] = total(vals)
    return out


def ref_arg(x: np.ndarray, axis: int, keep: bool, is_min: bool) -> np.ndarray:
    """First index of the extreme value along ``axis``; NaN is the extreme."""
    def pick(v: list[Any]) -> int:
        for i, e in enumerate(v):
            if isinstance(e, float) and math.isnan(e):
                return i
        best = 0
        for i, e in enumerate(v):
            if (e < v[best]) if is_min else (e > v[best]):
                best = i
        return best

    return ref_reduce(x, [axis], keep, pick)


def reduce(context: Any, op: str, x: np.ndarray, **options: Any) -> np.ndarray:
    method = REDUCE_METHOD[op]
    return run(context, lambda b, x: getattr(b, method)(x, **options), {"x": x})


# ------------------------------------------------------ reduce*, floats

AXES_CASES = [
    pytest.param({}, id="default-axes"),
    pytest.param({"axes": [1]}, id="axes1"),
    pytest.param({"axes": [2, 0]}, id="axes20"),
    pytest.param({"axes": [0, 1, 2], "keep_dimensions": True}, id="all-keep"),
    pytest.param({"axes": [1], "keep_dimensions": True}, id="axes1-keep"),
    pytest.param({"axes": []}, id="no-axes"),
    pytest.param({"keep_dimensions": False}, id="explicit-default"),
]


@pytest.mark.parametrize("options", AXES_CASES)
@pytest.mark.parametrize("dtype", ["float32", "float16"])
@pytest.mark.parametrize("op", sorted(REDUCE_METHOD))
def test_reduce_float(context, op, dtype, options):
    low = 0.25 if op == "reduceLogSum" else -4.0  # keep the sums positive
    x = rand([2, 3, 4], dtype, seed=sorted(REDUCE_METHOD).index(op), low=low)
    got = reduce(context, op, x, **options)
    exp = ref_reduce(x, options.get("axes"), options.get("keep_dimensions", False),
                     FLOAT_FN[op])
    assert got.dtype == np.dtype(dtype)
    assert_ulp(got, exp.astype(np.float64), 1)


@pytest.mark.parametrize("dtype", ["float32", "float16"])
@pytest.mark.parametrize("op", sorted(REDUCE_METHOD))
@pytest.mark.parametrize("options", [{}, {"axes": []}, {"keep_dimensions": True}])
def test_reduce_scalar(context, op, dtype, options):
    # a scalar input gives a scalar output: the function of the one value
    x = np.array(1.5, dtype=dtype)
    got = reduce(context, op, x, **options)
    exp = {"reduceL1": 1.5, "reduceL2": 1.5, "reduceLogSum": math.log(1.5),
           "reduceLogSumExp": 1.5, "reduceMax": 1.5, "reduceMean": 1.5,
           "reduceMin": 1.5, "reduceProduct": 1.5, "reduceSum": 1.5,
           "reduceSumSquare": 2.25}[op]
    assert got.shape == ()
    assert_ulp(got, exp, 1)


def test_reduce_literals(context):
    x = np.array([[1, -2, 3], [-4, 5, -6]], dtype=np.float32)
    assert_exact(reduce(context, "reduceSum", x, axes=[0]), [-3, 3, -3])
    assert_exact(reduce(context, "reduceSum", x), -3)
    assert_exact(reduce(context, "reduceL1", x, axes=[1]), [6, 15])
    assert_exact(reduce(context, "reduceL1", x, axes=[1], keep_dimensions=True),
                 [[6], [15]])
    assert_exact(reduce(context, "reduceSumSquare", x, axes=[0]), [17, 29, 45])
    assert_exact(reduce(context, "reduceProduct", x, axes=[1]), [-6, 120])
    assert_exact(reduce(context, "reduceMax", x, axes=[0]), [1, 5, 3])
    assert_exact(reduce(context, "reduceMin", x, axes=[1]), [-2, -6])
    assert_exact(reduce(context, "reduceMean", x, axes=[0]), [-1.5, 1.5, -1.5])
    y = np.array([[3, 4], [6, 8]], dtype=np.float32)
    assert_exact(reduce(context, "reduceL2", y, axes=[1]), [5, 10])
    z = np.array([[1, 3], [2, 5]], dtype=np.float32)
    assert_ulp(reduce(context, "reduceLogSum", z, axes=[0]),
               [math.log(3), math.log(8)], 1)
    assert_ulp(reduce(context, "reduceLogSumExp", z, axes=[1]),
               [math.log(math.e + math.e**3), math.log(math.e**2 + math.e**5)], 1)


def test_reduce_empty_axes_is_elementwise(context):
    # axes=[]: no dimension reduced, the function applied to each value alone
    x = np.array([[-1.5, 2.0], [0.5, -3.0]], dtype=np.float32)
    e = {"reduceL1": [[1.5, 2.0], [0.5, 3.0]],
         "reduceL2": [[1.5, 2.0], [0.5, 3.0]],
         "reduceLogSumExp": x,
         "reduceMax": x, "reduceMin": x, "reduceMean": x, "reduceProduct": x,
         "reduceSum": x, "reduceSumSquare": [[2.25, 4.0], [0.25, 9.0]]}
    for op, want in e.items():
        got = reduce(context, op, x, axes=[])
        assert_ulp(got, np.asarray(want, dtype=np.float64), 0)
    got = reduce(context, "reduceLogSum", x, axes=[])
    assert_ulp(got, [[math.nan, math.log(2)], [math.log(0.5), math.nan]], 1)


def test_reduce_log_sum_exp_is_stable(context):
    # max-shifted: no overflow to inf for large values, no underflow to -inf
    x = np.array([[1000, 1000], [-1000, -1001], [80, -80]], dtype=np.float32)
    got = reduce(context, "reduceLogSumExp", x, axes=[1])
    exp = [1000 + math.log(2), -1000 + math.log1p(math.exp(-1)),
           80 + math.log1p(math.exp(-160))]
    assert_ulp(got, exp, 1)
    h = np.array([60000, 60000, 1], dtype=np.float16)
    assert_ulp(reduce(context, "reduceLogSumExp", h), 60000 + math.log(2), 1)


def test_reduce_log_sum_exp_infinities(context):
    inf = np.inf
    x = np.array([[inf, 1], [-inf, -inf], [-inf, 2], [np.nan, 1]],
                 dtype=np.float32)
    got = reduce(context, "reduceLogSumExp", x, axes=[1])
    assert_ulp(got, [inf, -inf, 2, np.nan], 0)


def test_reduce_log_sum_zero_and_negative(context):
    x = np.array([[1, -1], [-2, 1], [3, 0]], dtype=np.float32)
    assert_ulp(reduce(context, "reduceLogSum", x, axes=[1]),
               [-np.inf, np.nan, math.log(3)], 1)


@pytest.mark.parametrize("op", ["reduceMax", "reduceMin", "reduceSum",
                                "reduceMean", "reduceL2", "reduceProduct"])
def test_reduce_nan_propagates(context, op):
    x = np.array([[1, np.nan, 2], [3, 4, 5]], dtype=np.float32)
    got = reduce(context, op, x, axes=[1])
    assert np.isnan(got[0]) and not np.isnan(got[1])


def test_reduce_max_min_infinities_and_signed_zero(context):
    x = np.array([[-np.inf, -5], [np.inf, 7], [0.0, -0.0]], dtype=np.float16)
    assert_exact(reduce(context, "reduceMax", x, axes=[1]), [-5, np.inf, 0])
    assert_exact(reduce(context, "reduceMin", x, axes=[1]), [-np.inf, 7, 0])


def test_reduce_float16_rounds_once(context):
    # 2048 + 1 + 1 in float16: stepwise rounding would give 2048 (ties to
    # even), the exact sum 2050 is representable
    x = np.array([2048, 1, 1], dtype=np.float16)
    assert_exact(reduce(context, "reduceSum", x), np.float16(2050))
    # 4 * 0.1 (float32 inputs): exact float64 mean, then one rounding
    y = np.full([4], 0.1, dtype=np.float32)
    assert_ulp(reduce(context, "reduceMean", y), float(np.float32(0.1)), 0)


def test_reduce_mean_and_sum_of_large_float32(context):
    # the float64 accumulator does not overflow where float32 would
    x = np.array([3e38, 3e38, -3e38], dtype=np.float32)
    assert_ulp(reduce(context, "reduceSum", x), float(np.float32(3e38)), 0)
    assert_ulp(reduce(context, "reduceMean", x), float(np.float32(3e38)) / 3, 1)
    assert_ulp(reduce(context, "reduceL2", np.array([3e20, 4e20], np.float32)),
               math.hypot(float(np.float32(3e20)), float(np.float32(4e20))), 1)


# ---------------------------------------------------- reduce*, integers

INT_CASES = [(op, dt) for op in sorted(INT_FN)
             for dt in INT_TYPES + (("int8", "uint8") if op in ("reduceMax",
                                                                 "reduceMin")
                                    else ())]


@pytest.mark.parametrize("options", [{}, {"axes": [0, 2]},
                                     {"axes": [1], "keep_dimensions": True},
                                     {"axes": []}])
@pytest.mark.parametrize(("op", "dtype"), INT_CASES)
def test_reduce_integer(context, op, dtype, options):
    x = rand([2, 3, 4], dtype, seed=7)
    got = reduce(context, op, x, **options)
    exp = ref_reduce(x, options.get("axes"), options.get("keep_dimensions", False),
                     lambda v: wrap(INT_FN[op](v), dtype))
    assert_exact(got, exp.astype(np.dtype(dtype)), dtype)


@pytest.mark.parametrize("dtype", INT_TYPES)
def test_reduce_integer_scalar(context, dtype):
    x = np.array(3, dtype=dtype)
    assert_exact(reduce(context, "reduceSumSquare", x), 9, dtype)
    assert_exact(reduce(context, "reduceL1", x, axes=[]), 3, dtype)


def test_reduce_int32_wraps(context):
    i32 = np.iinfo(np.int32)
    x = np.array([[i32.max, 1], [i32.min, -1], [65536, 65536]], dtype=np.int32)
    assert_exact(reduce(context, "reduceSum", x, axes=[1]),
                 [i32.min, i32.max, 131072])
    assert_exact(reduce(context, "reduceProduct", x, axes=[1]),
                 [i32.max, i32.min, 0])  # -min wraps to min; 2**32 wraps to 0
    assert_exact(reduce(context, "reduceSumSquare", x, axes=[1]),
                 [2, 1, 0])  # (2**31-1)**2 + 1 = 2**62 - 2**32 + 2 -> 2
    # abs(int32 min) wraps to itself
    assert_exact(reduce(context, "reduceL1", x, axes=[1]), [i32.min, i32.min + 1,
                                                           131072])
    u = np.array([4294967295, 2], dtype=np.uint32)
    assert_exact(reduce(context, "reduceSum", u), 1)
    assert_exact(reduce(context, "reduceProduct", u), 4294967294)


def test_reduce_int64_exact_beyond_float64(context):
    big = 2**53 + 1  # not a float64
    x = np.array([big, 2, 2**62, 2**62], dtype=np.int64)
    assert_exact(reduce(context, "reduceSum", x[:2]), 2**53 + 3)
    assert_exact(reduce(context, "reduceSum", x), wrap(big + 2 + 2**63, "int64"))
    assert_exact(reduce(context, "reduceProduct", x[:2]), 2**54 + 2)
    assert_exact(reduce(context, "reduceL1", -x[:2]), 2**53 + 3)
    assert_exact(reduce(context, "reduceSumSquare", x[:1]), wrap(big * big, "int64"))
    assert_exact(reduce(context, "reduceMax", np.array([2**63 - 2, 2**63 - 1,
                                                        2**63 - 3], np.int64)),
                 2**63 - 1)
    assert_exact(reduce(context, "reduceMin", np.array([-2**63 + 1, -2**63],
                                                       np.int64)), -2**63)
    u = np.array([2**64 - 1, 2**64 - 2, 3], dtype=np.uint64)
    assert_exact(reduce(context, "reduceSum", u), wrap(2**65, "uint64"))
    assert_exact(reduce(context, "reduceMax", u), 2**64 - 1)
    assert_exact(reduce(context, "reduceMin", u[:2]), 2**64 - 2)
    assert_exact(reduce(context, "reduceProduct", u[:1]), 2**64 - 1)


def test_reduce_max_min_8bit(context):
    x = np.array([[-128, 127, 0], [5, -7, 3]], dtype=np.int8)
    assert_exact(reduce(context, "reduceMax", x, axes=[1]), [127, 5])
    assert_exact(reduce(context, "reduceMin", x, axes=[0]), [-128, -7, 0])
    u = np.array([255, 0, 17], dtype=np.uint8)
    assert_exact(reduce(context, "reduceMax", u), 255)
    assert_exact(reduce(context, "reduceMin", u, keep_dimensions=True), [0])


# ---------------------------------------------------------- argMin/argMax


@pytest.mark.parametrize("out_type", ["int32", "int64"])
@pytest.mark.parametrize("dtype", ALL_TYPES)
@pytest.mark.parametrize("method", ["arg_min", "arg_max"])
def test_arg_min_max(context, method, dtype, out_type):
    x = rand([3, 4, 2], dtype, seed=3)  # small integer ranges: many ties
    for axis in range(3):
        for keep in (False, True):
            def fn(b, x, axis=axis, keep=keep):
                return getattr(b, method)(x, axis, keep_dimensions=keep,
                                          output_data_type=out_type)

            got = run(context, fn, {"x": x})
            exp = ref_arg(x, axis, keep, method == "arg_min")
            assert_exact(got, exp.astype(out_type), out_type)


def test_arg_min_max_defaults_and_literals(context):
    x = np.array([[3, 1, 1, 0], [2, 7, 7, 2]], dtype=np.float32)
    got = run(context, lambda b, x: b.arg_max(x, 1), {"x": x})
    assert_exact(got, [0, 1], "int32")  # int32, dimension dropped, first tie
    got = run(context, lambda b, x: b.arg_min(x, 1), {"x": x})
    assert_exact(got, [3, 0], "int32")
    got = run(context, lambda b, x: b.arg_min(x, 0, keep_dimensions=True), {"x": x})
    assert_exact(got, [[1, 0, 0, 0]], "int32")


def test_arg_min_max_rank1_gives_scalar(context):
    x = np.array([5, 9, 9, -1], dtype=np.int32)
    assert_exact(run(context, lambda b, x: b.arg_max(x, 0), {"x": x}), 1, "int32")
    got = run(context, lambda b, x: b.arg_min(x, 0, keep_dimensions=True,
                                              output_data_type="int64"), {"x": x})
    assert_exact(got, [3], "int64")


def test_arg_min_max_nan_and_infinities(context):
    # documented choice: a NaN counts as the extreme; first NaN's index
    x = np.array([[1, np.nan, 0, np.nan], [np.inf, -np.inf, np.inf, -np.inf]],
                 dtype=np.float32)
    assert_exact(run(context, lambda b, x: b.arg_min(x, 1), {"x": x}), [1, 1],
                 "int32")
    assert_exact(run(context, lambda b, x: b.arg_max(x, 1), {"x": x}), [1, 0],
                 "int32")


def test_arg_min_max_64bit_exact(context):
    x = np.array([2**62 + 1, 2**62, 2**62 + 2], dtype=np.int64)
    assert_exact(run(context, lambda b, x: b.arg_min(x, 0), {"x": x}), 1, "int32")
    assert_exact(run(context, lambda b, x: b.arg_max(x, 0), {"x": x}), 2, "int32")
    u = np.array([2**64 - 2, 2**64 - 1, 0], dtype=np.uint64)
    assert_exact(run(context, lambda b, x: b.arg_max(x, 0), {"x": u}), 1, "int32")


# ----------------------------------------------------------- cumulativeSum


def test_cumulative_sum_spec_examples(context):
    x = np.array([1, 2, 3, 4], dtype=np.float32)

    def cs(**kw: Any) -> np.ndarray:
        return run(context, lambda b, x: b.cumulative_sum(x, 0, **kw), {"x": x})

    assert_exact(cs(), [1, 3, 6, 10])
    assert_exact(cs(exclusive=False, reversed=False), [1, 3, 6, 10])
    assert_exact(cs(exclusive=True), [0, 1, 3, 6])
    assert_exact(cs(reversed=True), [10, 9, 7, 4])
    assert_exact(cs(exclusive=True, reversed=True), [9, 7, 4, 0])


@pytest.mark.parametrize("rev", [False, True])
@pytest.mark.parametrize("exclusive", [False, True])
@pytest.mark.parametrize("dtype", ["float32", "float16", *INT_TYPES])
def test_cumulative_sum(context, dtype, exclusive, rev):
    x = rand([2, 3, 4], dtype, seed=11)
    is_float = np.dtype(dtype).kind == "f"
    for axis in range(3):
        def fn(b, x, axis=axis):
            return b.cumulative_sum(x, axis, exclusive=exclusive, reversed=rev)

        got = run(context, fn, {"x": x})
        if is_float:
            exp = ref_cumsum(x, axis, exclusive, rev, math.fsum)
            assert_ulp(got, exp.astype(np.float64), 1)
        else:
            exp = ref_cumsum(x, axis, exclusive, rev, lambda v: wrap(sum(v), dtype))
            assert_exact(got, exp.astype(dtype), dtype)


def test_cumulative_sum_integer_wrap_and_exactness(context):
    i32 = np.iinfo(np.int32)
    x = np.array([i32.max, 1, -1], dtype=np.int32)
    got = run(context, lambda b, x: b.cumulative_sum(x, 0), {"x": x})
    assert_exact(got, [i32.max, i32.min, i32.max])
    y = np.array([2**53 + 1, 2, 2**63 - 1], dtype=np.int64)
    got = run(context, lambda b, x: b.cumulative_sum(x, 0, reversed=True), {"x": y})
    assert_exact(got, [wrap(2**53 + 3 + 2**63 - 1, "int64"),
                       wrap(2 + 2**63 - 1, "int64"), 2**63 - 1])
    u = np.array([2**64 - 1, 1, 5], dtype=np.uint64)
    got = run(context, lambda b, x: b.cumulative_sum(x, 0, exclusive=True), {"x": u})
    assert_exact(got, [0, 2**64 - 1, 0])


def test_cumulative_sum_float16_rounds_once(context):
    # float16: 2048 + 1 + 1 accumulated in float64 is 2050, stepwise it is 2048
    x = np.array([2048, 1, 1], dtype=np.float16)
    got = run(context, lambda b, x: b.cumulative_sum(x, 0), {"x": x})
    assert_exact(got, np.array([2048, 2049, 2050], np.float64).astype(np.float16))


def test_cumulative_sum_nan_inf(context):
    x = np.array([1, np.inf, np.nan, 2], dtype=np.float32)
    got = run(context, lambda b, x: b.cumulative_sum(x, 0), {"x": x})
    assert_ulp(got, [1, np.inf, np.nan, np.nan], 0)
    got = run(context, lambda b, x: b.cumulative_sum(x, 0, reversed=True,
                                                     exclusive=True), {"x": x})
    assert_ulp(got, [np.nan, np.nan, 2, 0], 0)
