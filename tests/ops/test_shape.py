"""Behaviour of the shape family: reshape, transpose, concat, slice, split,
pad, expand, tile, reverse, triangular.

Expected values are hand-written literals (many from the spec's examples) or
built by an explicit loop over output indices that applies the op's
definition element by element (never NumPy's own reshape/transpose/pad/...).
These ops only move data, so every data type must come back bit-exact:
float16 is tested as float16 at 0 ULP, and 64-bit integers beyond 2**53
(which a float64 detour would corrupt) must pass through unchanged.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence

import numpy as np
import pytest

import webnnpy
from helpers import assert_exact, run

DTYPES = ("float32", "float16", "int32", "uint32", "int64", "uint64", "int8",
          "uint8")


def data(shape: Sequence[int], dtype: str) -> np.ndarray:
    """Distinct values (as far as the type allows) including the type's
    extremes; for floats also -0.0, an infinity and a NaN; for 64-bit
    integers values that float64 cannot represent."""
    n = math.prod(shape)
    dt = np.dtype(dtype)
    if dt.kind == "f":
        vals = [(k - n // 2) * 0.75 for k in range(n)]
        specials = [-0.0, -math.inf, math.nan, 65504.0]
        for k, s in enumerate(specials):
            if 4 * k + 1 < n:
                vals[4 * k + 1] = s
        return np.array(vals, dtype=dt).reshape(shape)
    info = np.iinfo(dt)
    lo, hi = int(info.min), int(info.max)
    # alternate between values near the maximum and near the minimum
    vals = [hi - k if k % 2 == 0 else lo + k for k in range(n)]
    return np.array(vals, dtype=dt).reshape(shape)


def by_index(out_shape: Sequence[int], dtype: np.dtype,
             value: Callable[[tuple[int, ...]], object]) -> np.ndarray:
    """An array whose element at each output index is ``value(index)``."""
    out = np.empty(tuple(out_shape), dtype=dtype)
    for idx in itertools.product(*(range(d) for d in out_shape)):
        out[idx] = value(idx)
    return out


def row_major(idx: Sequence[int], shape: Sequence[int]) -> int:
    """Linear position of ``idx`` in a row-major tensor of ``shape``."""
    pos = 0
    for i, d in zip(idx, shape, strict=True):
        pos = pos * d + i
    return pos


# --------------------------------------------------------------- reshape


def test_reshape_literal(context: webnnpy.MLContext) -> None:
    x = np.array([[1, 2, 3], [4, 5, 6]], dtype=np.float32)
    r = run(context, lambda b, x: b.reshape(x, [3, 2]), {"x": x})
    assert_exact(r, [[1, 2], [3, 4], [5, 6]])
    r = run(context, lambda b, x: b.reshape(x, [6, 1, 1]), {"x": x})
    assert_exact(r, [[[1]], [[2]], [[3]], [[4]], [[5]], [[6]]])


def test_reshape_scalar_round_trip(context: webnnpy.MLContext) -> None:
    x = np.array(7.5, dtype=np.float32)
    r = run(context, lambda b, x: b.reshape(x, [1, 1, 1]), {"x": x})
    assert_exact(r, [[[7.5]]])
    x = np.array([[-3]], dtype=np.int32)
    r = run(context, lambda b, x: b.reshape(x, []), {"x": x})
    assert_exact(r, np.array(-3, dtype=np.int32))


@pytest.mark.parametrize("dtype", DTYPES)
def test_reshape_dtypes(context: webnnpy.MLContext, dtype: str) -> None:
    x = data([2, 3, 4], dtype)
    flat = [x[i] for i in itertools.product(range(2), range(3), range(4))]
    new = [4, 1, 6]
    want = by_index(new, x.dtype, lambda i: flat[row_major(i, new)])
    assert_exact(run(context, lambda b, x: b.reshape(x, new), {"x": x}), want)


def test_reshape_of_constant(context: webnnpy.MLContext) -> None:
    x = np.array([2**63 - 1, -(2**63), 2**53 + 1, -(2**53) - 1], dtype=np.int64)
    r = run(context, lambda b, x: b.identity(b.reshape(x, [2, 2])), {"x": x},
            constants={"x"})
    assert_exact(r, np.array([[2**63 - 1, -(2**63)], [2**53 + 1, -(2**53) - 1]],
                             dtype=np.int64))


# ------------------------------------------------------------- transpose


def test_transpose_default_literal(context: webnnpy.MLContext) -> None:
    x = np.array([[1, 2, 3], [4, 5, 6]], dtype=np.float32)
    r = run(context, lambda b, x: b.transpose(x), {"x": x})
    assert_exact(r, [[1, 4], [2, 5], [3, 6]])


def test_transpose_scalar_and_vector(context: webnnpy.MLContext) -> None:
    s = np.array(-2.5, dtype=np.float16)
    assert_exact(run(context, lambda b, x: b.transpose(x), {"x": s}), s)
    v = np.array([1, 2, 3], dtype=np.uint8)
    r = run(context, lambda b, x: b.transpose(x, permutation=[0]), {"x": v})
    assert_exact(r, [1, 2, 3])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("perm", [None, [1, 2, 0], [0, 1, 2], [2, 0, 1]])
def test_transpose_dtypes(context: webnnpy.MLContext, dtype: str,
                          perm: list[int] | None) -> None:
    x = data([2, 3, 4], dtype)
    p = perm if perm is not None else [2, 1, 0]
    out_shape = [x.shape[a] for a in p]

    def value(i: tuple[int, ...]) -> object:
        src = [0, 0, 0]
        for k, a in enumerate(p):  # output dim k is input dim p[k]
            src[a] = i[k]
        return x[tuple(src)]

    want = by_index(out_shape, x.dtype, value)
    r = run(context, lambda b, x: b.transpose(x, permutation=perm), {"x": x})
    assert_exact(r, want)


# ---------------------------------------------------------------- concat


def test_concat_literal(context: webnnpy.MLContext) -> None:
    a = np.array([[1, 2], [3, 4]], dtype=np.float32)
    c = np.array([[5, 6]], dtype=np.float32)
    r = run(context, lambda b, a, c: b.concat([a, c], 0), {"a": a, "c": c})
    assert_exact(r, [[1, 2], [3, 4], [5, 6]])
    d = np.array([[7], [8]], dtype=np.float32)
    r = run(context, lambda b, a, d: b.concat([a, d, a], 1), {"a": a, "d": d})
    assert_exact(r, [[1, 2, 7, 1, 2], [3, 4, 8, 3, 4]])


def test_concat_single_input(context: webnnpy.MLContext) -> None:
    a = np.array([5, -6], dtype=np.int8)
    assert_exact(run(context, lambda b, a: b.concat([a], 0), {"a": a}), [5, -6])


def test_concat_input_and_constant(context: webnnpy.MLContext) -> None:
    a = np.array([2**64 - 1], dtype=np.uint64)
    k = np.array([2**53 + 1, 0], dtype=np.uint64)
    r = run(context, lambda b, a, k: b.concat((k, a), 0), {"a": a, "k": k},
            constants={"k"})
    assert_exact(r, np.array([2**53 + 1, 0, 2**64 - 1], dtype=np.uint64))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("axis", [0, 1, 2])
def test_concat_dtypes(context: webnnpy.MLContext, dtype: str, axis: int) -> None:
    shapes = []
    for size in (1, 2, 3):
        s = [2, 2, 3]
        s[axis] = size
        shapes.append(s)
    parts = [data(s, dtype) + np.array(k, dtype) for k, s in enumerate(shapes)]
    out_shape = [2, 2, 3]
    out_shape[axis] = 6

    def value(i: tuple[int, ...]) -> object:
        pos = i[axis]
        for p in parts:  # walk the inputs until position falls inside one
            if pos < p.shape[axis]:
                j = list(i)
                j[axis] = pos
                return p[tuple(j)]
            pos -= p.shape[axis]
        raise AssertionError

    want = by_index(out_shape, np.dtype(dtype), value)
    feeds = {f"x{k}": p for k, p in enumerate(parts)}
    r = run(context, lambda b, **xs: b.concat([xs[f"x{k}"] for k in range(3)],
                                              axis), feeds)
    assert_exact(r, want)


# ----------------------------------------------------------------- slice


def test_slice_literal(context: webnnpy.MLContext) -> None:
    x = np.array([[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12]], dtype=np.float32)
    r = run(context, lambda b, x: b.slice(x, [1, 1], [2, 3]), {"x": x})
    assert_exact(r, [[6, 7, 8], [10, 11, 12]])
    # strides: size 3 with stride 2 gives ceil(3/2) = 2 elements
    r = run(context, lambda b, x: b.slice(x, [0, 1], [3, 3], strides=[2, 2]),
            {"x": x})
    assert_exact(r, [[2, 4], [10, 12]])
    # stride larger than the size: one element
    r = run(context, lambda b, x: b.slice(x, [2, 0], [1, 4], strides=[5, 4]),
            {"x": x})
    assert_exact(r, [[9]])


def test_slice_scalar(context: webnnpy.MLContext) -> None:
    x = np.array(3, dtype=np.int64)
    assert_exact(run(context, lambda b, x: b.slice(x, [], []), {"x": x}), x)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("strides", [None, [1, 1], [2, 3], [3, 1]])
def test_slice_dtypes(context: webnnpy.MLContext, dtype: str,
                      strides: list[int] | None) -> None:
    x = data([5, 6], dtype)
    starts, sizes = [1, 0], [4, 5]
    st = strides if strides is not None else [1, 1]
    out_shape = [-(-n // s) for n, s in zip(sizes, st, strict=True)]
    want = by_index(out_shape, x.dtype, lambda i: x[starts[0] + i[0] * st[0],
                                                    starts[1] + i[1] * st[1]])
    r = run(context, lambda b, x: b.slice(x, starts, sizes, strides=strides),
            {"x": x})
    assert_exact(r, want)


def test_slice_whole_tensor(context: webnnpy.MLContext) -> None:
    x = data([2, 1, 3], "uint32")
    assert_exact(run(context, lambda b, x: b.slice(x, [0, 0, 0], [2, 1, 3]),
                     {"x": x}), x)


# ----------------------------------------------------------------- split


def test_split_count_literal(context: webnnpy.MLContext) -> None:
    x = np.array([1, 2, 3, 4, 5, 6], dtype=np.float32)
    a, b_, c = run(context, lambda b, x: b.split(x, 3), {"x": x})
    assert_exact(a, [1, 2])
    assert_exact(b_, [3, 4])
    assert_exact(c, [5, 6])


def test_split_sizes_literal(context: webnnpy.MLContext) -> None:
    x = np.array([[1, 2, 3, 4], [5, 6, 7, 8]], dtype=np.int32)
    outs = run(context, lambda b, x: b.split(x, [1, 3], axis=1), {"x": x})
    assert len(outs) == 2
    assert_exact(outs[0], np.array([[1], [5]], dtype=np.int32))
    assert_exact(outs[1], np.array([[2, 3, 4], [6, 7, 8]], dtype=np.int32))


def test_split_one_piece(context: webnnpy.MLContext) -> None:
    x = np.array([[1.5, 2.5]], dtype=np.float16)
    (r,) = run(context, lambda b, x: b.split(x, 1), {"x": x})
    assert_exact(r, x)
    (r,) = run(context, lambda b, x: b.split(x, [2], axis=1), {"x": x})
    assert_exact(r, x)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("splits,axis", [(2, 0), (3, 1), ([1, 3, 2], 1),
                                         ([4], 0), ([2, 1, 1], 0)])
def test_split_dtypes(context: webnnpy.MLContext, dtype: str,
                      splits: int | list[int], axis: int) -> None:
    x = data([4, 6], dtype)
    dim = x.shape[axis]
    sizes = [dim // splits] * splits if isinstance(splits, int) else splits
    wants = []
    start = 0
    for s in sizes:
        shape = list(x.shape)
        shape[axis] = s

        def value(i: tuple[int, ...], start: int = start) -> object:
            j = list(i)
            j[axis] += start
            return x[tuple(j)]

        wants.append(by_index(shape, x.dtype, value))
        start += s
    outs = run(context, lambda b, x: b.split(x, splits, axis=axis), {"x": x})
    assert len(outs) == len(wants)
    for r, w in zip(outs, wants, strict=True):
        assert_exact(r, w)


# ------------------------------------------------------------------- pad


def test_pad_spec_examples(context: webnnpy.MLContext) -> None:
    x = np.array([[1, 2, 3], [4, 5, 6]], dtype=np.float32)
    r = run(context, lambda b, x: b.pad(x, [1, 2], [1, 2]), {"x": x})
    assert_exact(r, [[0, 0, 0, 0, 0, 0, 0],
                     [0, 0, 1, 2, 3, 0, 0],
                     [0, 0, 4, 5, 6, 0, 0],
                     [0, 0, 0, 0, 0, 0, 0]])
    r = run(context, lambda b, x: b.pad(x, [1, 2], [1, 2], mode="edge"), {"x": x})
    assert_exact(r, [[1, 1, 1, 2, 3, 3, 3],
                     [1, 1, 1, 2, 3, 3, 3],
                     [4, 4, 4, 5, 6, 6, 6],
                     [4, 4, 4, 5, 6, 6, 6]])
    r = run(context, lambda b, x: b.pad(x, [1, 2], [1, 2], mode="reflection"),
            {"x": x})
    assert_exact(r, [[6, 5, 4, 5, 6, 5, 4],
                     [3, 2, 1, 2, 3, 2, 1],
                     [6, 5, 4, 5, 6, 5, 4],
                     [3, 2, 1, 2, 3, 2, 1]])


def test_pad_asymmetric_and_value(context: webnnpy.MLContext) -> None:
    x = np.array([[1, 2], [3, 4]], dtype=np.float32)
    r = run(context, lambda b, x: b.pad(x, [0, 1], [1, 0], value=-7.5), {"x": x})
    assert_exact(r, [[-7.5, 1, 2], [-7.5, 3, 4], [-7.5, -7.5, -7.5]])
    # edge padding may exceed the dimension
    x = np.array([1, 2], dtype=np.int32)
    r = run(context, lambda b, x: b.pad(x, [3], [4], mode="edge"), {"x": x})
    assert_exact(r, [1, 1, 1, 1, 2, 2, 2, 2, 2])
    # the value is ignored outside "constant" mode
    r = run(context, lambda b, x: b.pad(x, [1], [1], mode="reflection", value=9),
            {"x": x})
    assert_exact(r, [2, 1, 2, 1])


def test_pad_scalar(context: webnnpy.MLContext) -> None:
    x = np.array(4, dtype=np.uint8)
    for mode in ("constant", "edge", "reflection"):
        r = run(context, lambda b, x, mode=mode: b.pad(x, [], [], mode=mode),
                {"x": x})
        assert_exact(r, x)


@pytest.mark.parametrize("dtype,value,want", [
    # the value is cast to the input's type (spec "cast"): floats round to
    # nearest even, integers clamp, round half to even, NaN -> 0
    ("float32", 0.1, float(np.float32(0.1))),
    ("float16", 0.1, float(np.float16(0.1))),
    ("float16", 1e6, math.inf),
    ("float16", -math.inf, -math.inf),
    ("float32", math.nan, math.nan),
    ("int32", 2.5, 2),
    ("int32", 3.5, 4),
    ("int32", -2.5, -2),
    ("int32", 2**40, 2**31 - 1),
    ("int8", 300, 127),
    ("int8", -300.0, -128),
    ("uint8", -1, 0),
    ("uint8", math.nan, 0),
    ("uint32", 2**32 - 1, 2**32 - 1),
    ("int64", 2**62 + 1, 2**62 + 1),
    ("int64", -(2**63), -(2**63)),
    ("uint64", 2**64 - 1, 2**64 - 1),
    ("uint64", 2**53 + 1, 2**53 + 1),
])
def test_pad_value_cast(context: webnnpy.MLContext, dtype: str, value: float,
                        want: float) -> None:
    x = np.array([1], dtype=dtype)
    r = run(context, lambda b, x: b.pad(x, [1], [2], value=value), {"x": x})
    assert_exact(r, np.array([want, 1, want, want], dtype=dtype))


def _pad_source(i: int, dim: int, begin: int, mode: str) -> int | None:
    """Input position copied to output position ``i`` along one axis (None
    for the constant fill), written from the spec's description."""
    j = i - begin
    if 0 <= j < dim:
        return j
    if mode == "constant":
        return None
    if mode == "edge":
        return 0 if j < 0 else dim - 1
    # reflection: mirror about the first/last element, which is not repeated
    return -j if j < 0 else 2 * (dim - 1) - j


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("mode", ["constant", "edge", "reflection"])
def test_pad_dtypes(context: webnnpy.MLContext, dtype: str, mode: str) -> None:
    x = data([3, 4], dtype)
    begin, end = [2, 1], [1, 3]
    fill = np.array(5, dtype=dtype)
    out_shape = [d + b + e for d, b, e in zip(x.shape, begin, end, strict=True)]

    def value(i: tuple[int, ...]) -> object:
        src = [_pad_source(i[k], x.shape[k], begin[k], mode) for k in range(2)]
        return fill if None in src else x[tuple(src)]

    want = by_index(out_shape, x.dtype, value)
    r = run(context, lambda b, x: b.pad(x, begin, end, mode=mode, value=5),
            {"x": x})
    assert_exact(r, want)


def test_pad_rank3_reflection(context: webnnpy.MLContext) -> None:
    x = data([2, 3, 3], "float32")
    begin, end = [1, 0, 2], [0, 2, 1]
    out_shape = [d + b + e for d, b, e in zip(x.shape, begin, end, strict=True)]
    want = by_index(out_shape, x.dtype, lambda i: x[tuple(
        _pad_source(i[k], x.shape[k], begin[k], "reflection") for k in range(3))])
    r = run(context, lambda b, x: b.pad(x, begin, end, mode="reflection"),
            {"x": x})
    assert_exact(r, want)


# ---------------------------------------------------------------- expand


def test_expand_literal(context: webnnpy.MLContext) -> None:
    x = np.array([[1], [2]], dtype=np.float32)
    r = run(context, lambda b, x: b.expand(x, [2, 3]), {"x": x})
    assert_exact(r, [[1, 1, 1], [2, 2, 2]])
    r = run(context, lambda b, x: b.expand(x, [2, 2, 1]), {"x": x})
    assert_exact(r, [[[1], [2]], [[1], [2]]])


def test_expand_scalar(context: webnnpy.MLContext) -> None:
    x = np.array(-9, dtype=np.int8)
    r = run(context, lambda b, x: b.expand(x, [2, 2]), {"x": x})
    assert_exact(r, [[-9, -9], [-9, -9]])
    r = run(context, lambda b, x: b.expand(x, []), {"x": x})
    assert_exact(r, x)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("src,new", [([3, 1], [2, 3, 4]), ([1, 4], [3, 4]),
                                     ([2, 1, 3], [2, 4, 3]),
                                     ([2, 3], [2, 3])])
def test_expand_dtypes(context: webnnpy.MLContext, dtype: str, src: list[int],
                       new: list[int]) -> None:
    x = data(src, dtype)
    lead = len(new) - len(src)
    want = by_index(new, x.dtype, lambda i: x[tuple(
        0 if d == 1 else i[lead + k] for k, d in enumerate(src))])
    assert_exact(run(context, lambda b, x: b.expand(x, new), {"x": x}), want)


# ------------------------------------------------------------------ tile


def test_tile_literal(context: webnnpy.MLContext) -> None:
    x = np.array([1, 2], dtype=np.float32)
    assert_exact(run(context, lambda b, x: b.tile(x, [3]), {"x": x}),
                 [1, 2, 1, 2, 1, 2])
    x = np.array([[1, 2], [3, 4]], dtype=np.int32)
    assert_exact(run(context, lambda b, x: b.tile(x, [2, 1]), {"x": x}),
                 [[1, 2], [3, 4], [1, 2], [3, 4]])
    assert_exact(run(context, lambda b, x: b.tile(x, [1, 2]), {"x": x}),
                 [[1, 2, 1, 2], [3, 4, 3, 4]])


def test_tile_scalar(context: webnnpy.MLContext) -> None:
    x = np.array(2.5, dtype=np.float16)
    assert_exact(run(context, lambda b, x: b.tile(x, []), {"x": x}), x)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reps", [[2, 3], [1, 1], [3, 1]])
def test_tile_dtypes(context: webnnpy.MLContext, dtype: str,
                     reps: list[int]) -> None:
    x = data([2, 3], dtype)
    out_shape = [d * r for d, r in zip(x.shape, reps, strict=True)]
    want = by_index(out_shape, x.dtype, lambda i: x[i[0] % 2, i[1] % 3])
    assert_exact(run(context, lambda b, x: b.tile(x, reps), {"x": x}), want)


# --------------------------------------------------------------- reverse


def test_reverse_literal(context: webnnpy.MLContext) -> None:
    x = np.array([[1, 2, 3], [4, 5, 6]], dtype=np.float32)
    assert_exact(run(context, lambda b, x: b.reverse(x), {"x": x}),
                 [[6, 5, 4], [3, 2, 1]])
    assert_exact(run(context, lambda b, x: b.reverse(x, axes=[0]), {"x": x}),
                 [[4, 5, 6], [1, 2, 3]])
    assert_exact(run(context, lambda b, x: b.reverse(x, axes=[1]), {"x": x}),
                 [[3, 2, 1], [6, 5, 4]])
    # explicitly empty: nothing is reversed
    assert_exact(run(context, lambda b, x: b.reverse(x, axes=[]), {"x": x}), x)


def test_reverse_scalar(context: webnnpy.MLContext) -> None:
    x = np.array(2**64 - 2, dtype=np.uint64)
    assert_exact(run(context, lambda b, x: b.reverse(x), {"x": x}), x)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("axes", [None, [0, 2], [2, 0], [1], []])
def test_reverse_dtypes(context: webnnpy.MLContext, dtype: str,
                        axes: list[int] | None) -> None:
    x = data([2, 3, 4], dtype)
    rev = set(range(3) if axes is None else axes)
    want = by_index(x.shape, x.dtype, lambda i: x[tuple(
        x.shape[k] - 1 - i[k] if k in rev else i[k] for k in range(3))])
    assert_exact(run(context, lambda b, x: b.reverse(x, axes=axes), {"x": x}),
                 want)


# ------------------------------------------------------------ triangular

_TRI = np.array([[7, 1, 2], [9, 4, 8], [2, 6, 3]], dtype=np.float32)


@pytest.mark.parametrize("upper,diagonal,want", [
    # the spec's examples
    (True, 0, [[7, 1, 2], [0, 4, 8], [0, 0, 3]]),
    (True, 1, [[0, 1, 2], [0, 0, 8], [0, 0, 0]]),
    (True, -1, [[7, 1, 2], [9, 4, 8], [0, 6, 3]]),
    (False, 0, [[7, 0, 0], [9, 4, 0], [2, 6, 3]]),
    (False, 1, [[7, 1, 0], [9, 4, 8], [2, 6, 3]]),
    (False, -1, [[0, 0, 0], [9, 0, 0], [2, 6, 0]]),
    # beyond the matrix: everything or nothing kept
    (True, 3, [[0, 0, 0]] * 3),
    (True, -3, _TRI.tolist()),
    (False, 2**31 - 1, _TRI.tolist()),
    (False, -(2**31), [[0, 0, 0]] * 3),
])
def test_triangular_spec_examples(context: webnnpy.MLContext, upper: bool,
                                  diagonal: int, want: list) -> None:
    r = run(context, lambda b, x: b.triangular(x, upper=upper, diagonal=diagonal),
            {"x": _TRI})
    assert_exact(r, want)


def test_triangular_defaults_and_batches(context: webnnpy.MLContext) -> None:
    second = np.array([[1, 2, 3], [4, 5, 6], [7, 8, 9]], dtype=np.float32)
    x = np.stack([_TRI, second])
    r = run(context, lambda b, x: b.triangular(x, upper=False), {"x": x})
    assert_exact(r, [[[7, 0, 0], [9, 4, 0], [2, 6, 3]],
                     [[1, 0, 0], [4, 5, 0], [7, 8, 9]]])
    r = run(context, lambda b, x: b.triangular(x), {"x": x})  # upper, diagonal 0
    assert_exact(r, [[[7, 1, 2], [0, 4, 8], [0, 0, 3]],
                     [[1, 2, 3], [0, 5, 6], [0, 0, 9]]])


def test_triangular_zeroes_nan_and_inf(context: webnnpy.MLContext) -> None:
    # zeroing means the value 0, not a multiplication by a 0/1 mask
    x = np.array([[math.nan, math.inf], [-math.inf, math.nan]], dtype=np.float16)
    r = run(context, lambda b, x: b.triangular(x), {"x": x})
    assert_exact(r, np.array([[math.nan, math.inf], [0, math.nan]],
                             dtype=np.float16))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("upper", [True, False])
@pytest.mark.parametrize("diagonal", [-2, 0, 1, 5])
def test_triangular_dtypes(context: webnnpy.MLContext, dtype: str, upper: bool,
                           diagonal: int) -> None:
    x = data([2, 3, 4], dtype)
    zero = np.zeros((), dtype=dtype)

    def value(i: tuple[int, ...]) -> object:
        row, col = i[-2], i[-1]
        keep = col - row >= diagonal if upper else col - row <= diagonal
        return x[i] if keep else zero

    want = by_index(x.shape, x.dtype, value)
    r = run(context, lambda b, x: b.triangular(x, upper=upper, diagonal=diagonal),
            {"x": x})
    assert_exact(r, want)


def test_triangular_rank4_wide(context: webnnpy.MLContext) -> None:
    x = data([2, 1, 2, 5], "int64")
    zero = np.int64(0)
    want = by_index(x.shape, x.dtype,
                    lambda i: x[i] if i[3] - i[2] <= 2 else zero)
    r = run(context, lambda b, x: b.triangular(x, upper=False, diagonal=2),
            {"x": x})
    assert_exact(r, want)


# ------------------------------------------------------------ composition


def test_chain_keeps_64_bit_values(context: webnnpy.MLContext) -> None:
    big = [2**63 - 1, -(2**63), 2**53 + 1, -(2**53) - 3, 12345678901234567, -1]
    x = np.array(big, dtype=np.int64).reshape(2, 3)

    def fn(b: webnnpy.MLGraphBuilder, x: webnnpy.MLOperand) -> webnnpy.MLOperand:
        t = b.transpose(b.reverse(x, axes=[1]))             # [[3,6],[2,5],[1,4]]
        s = b.slice(b.tile(t, [1, 2]), [0, 1], [3, 2])      # [[6,3],[5,2],[4,1]]
        parts = b.split(b.pad(s, [0, 0], [1, 0], mode="edge"), [2, 2])
        return b.concat(list(reversed(parts)), 0)

    r = run(context, fn, {"x": x})
    v = dict(zip(range(1, 7), big, strict=True))
    want = [[v[4], v[1]], [v[4], v[1]], [v[6], v[3]], [v[5], v[2]]]
    assert_exact(r, np.array(want, dtype=np.int64))
