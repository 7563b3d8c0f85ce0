"""Behaviour of gather, gatherElements, gatherND, scatterElements and
scatterND.

Expected values are the spec's examples (written here as literals),
hand-computed cases, or element-by-element loops written here from the ops'
definitions.  These ops only move elements, so every result is exact.

Out-of-range indices: the spec leaves the result open; webnnpy clamps each
index into [-dim, dim - 1] first (then counts negative ones from the end).
Duplicate scatter targets: the last update in row-major order wins.
"""

from __future__ import annotations

import numpy as np
import pytest

from helpers import assert_exact, run

ALL_TYPES = ["float32", "float16", "int32", "uint32", "int64", "uint64", "int8",
             "uint8"]
INDEX_TYPES = ["int32", "uint32", "int64"]
SIGNED_INDEX_TYPES = ["int32", "int64"]
#: types that hold the spec examples' values up to 311
WIDE_TYPES = ["float32", "float16", "int32", "uint32", "int64", "uint64"]

# the spec's [4, 3] example input
SPEC_4X3 = [[0, 1, 2], [10, 11, 12], [20, 21, 22], [30, 31, 32]]
# the spec's [4, 2, 2] example input
SPEC_4X2X2 = [[[0, 1], [10, 11]], [[100, 101], [110, 111]],
              [[200, 201], [210, 211]], [[300, 301], [310, 311]]]


def _a(values, dtype):
    return np.array(values, dtype=dtype)


def _clamp_index(i: int, dim: int) -> int:
    """webnnpy's documented reading of an index: clamp into [-dim, dim - 1],
    then count negative ones from the end."""
    i = min(max(int(i), -dim), dim - 1)
    return i + dim if i < 0 else i


def _updates(values, dtype):
    """The spec examples' negative updates; unsigned types get 100 - v."""
    v = np.array(values, dtype=np.int64)
    if dtype.startswith("u"):
        v = np.where(v < 0, 100 - v, v)
    return v.astype(dtype)


# ------------------------------------------------------------------ gather


@pytest.mark.parametrize("itype", INDEX_TYPES)
@pytest.mark.parametrize("dtype", ALL_TYPES)
def test_gather_spec_examples(context, dtype, itype):
    x = _a(SPEC_4X3, dtype)

    def fn(g, x, i1, i2, i3):
        return [g.gather(x, i1), g.gather(x, i2, axis=1), g.gather(x, i3, axis=1)]

    o1, o2, o3 = run(context, fn, {"x": x, "i1": _a([3, 1], itype),
                                   "i2": _a([2, 1, 1], itype),
                                   "i3": _a([[0, 1], [1, 2]], itype)})
    assert_exact(o1, [[30, 31, 32], [10, 11, 12]], dtype)
    assert_exact(o2, [[2, 1, 1], [12, 11, 11], [22, 21, 21], [32, 31, 31]], dtype)
    assert_exact(o3, [[[0, 1], [1, 2]], [[10, 11], [11, 12]],
                      [[20, 21], [21, 22]], [[30, 31], [31, 32]]], dtype)


@pytest.mark.parametrize("itype", SIGNED_INDEX_TYPES)
def test_gather_negative_indices(context, itype):
    x = _a(SPEC_4X3, "float32")
    out = run(context, lambda g, x, i: g.gather(x, i),
              {"x": x, "i": _a([-1, -4, 0, -2], itype)})
    assert_exact(out, [[30, 31, 32], [0, 1, 2], [0, 1, 2], [20, 21, 22]])
    out = run(context, lambda g, x, i: g.gather(x, i, axis=1),
              {"x": x, "i": _a([-1, -3], itype)})
    assert_exact(out, [[2, 0], [12, 10], [22, 20], [32, 30]])


@pytest.mark.parametrize(("itype", "indices", "rows"), [
    ("int32", [4, -5, 2**31 - 1, -2**31], [3, 0, 3, 0]),
    ("uint32", [4, 2**32 - 1, 2**31], [3, 3, 3]),
    ("int64", [2**62, -2**63, 2**63 - 1, 7], [3, 0, 3, 3]),
])
def test_gather_out_of_range_indices_clamp(context, itype, indices, rows):
    x = _a(SPEC_4X3, "int32")
    out = run(context, lambda g, x, i: g.gather(x, i),
              {"x": x, "i": _a(indices, itype)})
    assert_exact(out, [SPEC_4X3[r] for r in rows])


def test_gather_scalar_indices_drop_the_axis(context):
    x = _a(SPEC_4X3, "float16")

    def fn(g, x, i, j):
        return [g.gather(x, i), g.gather(x, j, axis=1)]

    o1, o2 = run(context, fn, {"x": x, "i": _a(2, "int32"), "j": _a(-1, "int64")})
    assert_exact(o1, [20, 21, 22])
    assert_exact(o2, [2, 12, 22, 32])


def test_gather_scalar_output(context):
    out = run(context, lambda g, x, i: g.gather(x, i),
              {"x": _a([5, 6, 7], "int8"), "i": _a(1, "uint32")})
    assert_exact(out, 6, "int8")


def test_gather_constant_indices_and_64_bit_values(context):
    big = [[2**62 + 1, -2**63], [2**63 - 1, -1]]
    out = run(context, lambda g, x, i: g.gather(x, i, axis=1),
              {"x": _a(big, "int64"), "i": _a([1, 0, 1], "int64")},
              constants={"i"})
    assert_exact(out, [[-2**63, 2**62 + 1, -2**63], [-1, 2**63 - 1, -1]])
    ubig = [2**64 - 1, 2**63 + 1, 3]
    out = run(context, lambda g, x, i: g.gather(x, i),
              {"x": _a(ubig, "uint64"), "i": _a([[2, 0], [1, 1]], "uint32")})
    assert_exact(out, [[3, 2**64 - 1], [2**63 + 1, 2**63 + 1]])


def _ref_gather(x, idx, axis):
    """gather by its definition: out[a, j, b] = x[a, idx[j], b]."""
    out_shape = x.shape[:axis] + idx.shape + x.shape[axis + 1:]
    out = np.empty(out_shape, x.dtype)
    for pos in np.ndindex(*out_shape):
        before = pos[:axis]
        j = pos[axis:axis + idx.ndim]
        after = pos[axis + idx.ndim:]
        k = _clamp_index(idx[j], x.shape[axis])
        out[pos] = x[(*before, k, *after)]
    return out


@pytest.mark.parametrize("axis", [0, 1, 2])
def test_gather_against_definition(context, axis):
    rng = np.random.default_rng(axis)
    x = rng.integers(-100, 100, (2, 3, 4)).astype(np.int32)
    dim = x.shape[axis]
    idx = rng.integers(-dim - 2, dim + 2, (2, 3)).astype(np.int64)
    out = run(context, lambda g, x, i: g.gather(x, i, axis=axis),
              {"x": x, "i": idx})
    assert_exact(out, _ref_gather(x, idx, axis))


# --------------------------------------------------------- gatherElements


@pytest.mark.parametrize("itype", INDEX_TYPES)
@pytest.mark.parametrize("dtype", ALL_TYPES)
def test_gather_elements_spec_examples(context, dtype, itype):
    x = _a(SPEC_4X3, dtype)

    def fn(g, x, i1, i2):
        return [g.gather_elements(x, i1), g.gather_elements(x, i2, axis=1)]

    o1, o2 = run(context, fn, {"x": x, "i1": _a([[3, 1, 1], [2, 0, 3]], itype),
                               "i2": _a([[2], [1], [0], [2]], itype)})
    assert_exact(o1, [[30, 11, 12], [20, 1, 32]], dtype)
    assert_exact(o2, [[2], [11], [20], [32]], dtype)


@pytest.mark.parametrize("dtype", WIDE_TYPES)
def test_gather_elements_spec_example_3d(context, dtype):
    out = run(context, lambda g, x, i: g.gather_elements(x, i, axis=0),
              {"x": _a(SPEC_4X2X2, dtype),
               "i": _a([[[0, 2], [1, 3]]], "uint32")})
    assert_exact(out, [[[0, 201], [110, 311]]], dtype)


def test_gather_elements_negative_and_out_of_range(context):
    x = _a(SPEC_4X3, "float32")
    idx = _a([[-1, 7, -9], [0, -2, 2**40]], "int64")
    out = run(context, lambda g, x, i: g.gather_elements(x, i),
              {"x": x, "i": idx})
    # rows: -1 -> 3, 7 -> 3, -9 -> -4 -> 0; 0, -2 -> 2, 2**40 -> 3
    assert_exact(out, [[30, 31, 2], [0, 21, 32]])
    out = run(context, lambda g, x, i: g.gather_elements(x, i, axis=1),
              {"x": x, "i": _a([[2**32 - 1, 0], [2**32 - 3, 9], [2**31, 1],
                                [1, 3]], "uint32")})
    # uint32 values are never negative: the large ones clamp to 2
    assert_exact(out, [[2, 0], [12, 12], [22, 21], [31, 32]])


def _ref_gather_elements(x, idx, axis):
    out = np.empty(idx.shape, x.dtype)
    for pos in np.ndindex(*idx.shape):
        src = list(pos)
        src[axis] = _clamp_index(idx[pos], x.shape[axis])
        out[pos] = x[tuple(src)]
    return out


@pytest.mark.parametrize("axis", [0, 1, 2])
def test_gather_elements_against_definition(context, axis):
    rng = np.random.default_rng(10 + axis)
    x = rng.uniform(-5, 5, (3, 2, 4)).astype(np.float16)
    ishape = list(x.shape)
    ishape[axis] = 5
    dim = x.shape[axis]
    idx = rng.integers(-dim, dim, ishape).astype(np.int32)
    out = run(context, lambda g, x, i: g.gather_elements(x, i, axis=axis),
              {"x": x, "i": idx})
    assert_exact(out, _ref_gather_elements(x, idx, axis))


# --------------------------------------------------------------- gatherND


@pytest.mark.parametrize("itype", INDEX_TYPES)
@pytest.mark.parametrize("dtype", ALL_TYPES)
def test_gather_nd_spec_examples(context, dtype, itype):
    x2 = _a([[0, 1], [2, 3]], dtype)
    x3 = _a([[[0, 1], [2, 3]], [[4, 5], [6, 7]]], dtype)

    def fn(g, x2, x3, i1, i2, i3, i4, i5):
        return [g.gather_nd(x2, i1), g.gather_nd(x2, i2), g.gather_nd(x3, i3),
                g.gather_nd(x3, i4), g.gather_nd(x3, i5)]

    outs = run(context, fn, {
        "x2": x2, "x3": x3,
        "i1": _a([[0, 0], [1, 1], [1, 0]], itype),
        "i2": _a([[1], [0]], itype),
        "i3": _a([[0, 1], [1, 0]], itype),
        "i4": _a([[1], [0], [1]], itype),
        "i5": _a([[0, 0, 1], [0, 1, 0], [1, 0, 0], [1, 1, 0], [1, 1, 1]], itype),
    })
    assert_exact(outs[0], [0, 3, 2], dtype)
    assert_exact(outs[1], [[2, 3], [0, 1]], dtype)
    assert_exact(outs[2], [[2, 3], [4, 5]], dtype)
    assert_exact(outs[3], [[[4, 5], [6, 7]], [[0, 1], [2, 3]], [[4, 5], [6, 7]]],
                 dtype)
    assert_exact(outs[4], [1, 2, 4, 6, 7], dtype)


def test_gather_nd_full_coordinate_gives_a_scalar(context):
    x = _a([[[0, 1], [2, 3]], [[4, 5], [6, 7]]], "uint64")
    out = run(context, lambda g, x, i: g.gather_nd(x, i),
              {"x": x, "i": _a([1, 0, 1], "int32")})
    assert_exact(out, 5, "uint64")


def test_gather_nd_negative_and_out_of_range(context):
    x = _a([[0, 1, 2], [10, 11, 12]], "int8")
    idx = _a([[-1, -1], [5, -7], [0, 2**31 - 1], [-2, -3]], "int32")
    out = run(context, lambda g, x, i: g.gather_nd(x, i), {"x": x, "i": idx})
    # (1, 2), (1, 0), (0, 2), (0, 0)
    assert_exact(out, [12, 10, 2, 0])


def _ref_gather_nd(x, idx):
    k = idx.shape[-1]
    batch = idx.shape[:-1]
    out = np.empty(batch + x.shape[k:], x.dtype)
    for pos in np.ndindex(*batch):
        coord = tuple(_clamp_index(idx[pos][j], x.shape[j]) for j in range(k))
        out[pos] = x[coord]
    return out


@pytest.mark.parametrize("k", [1, 2, 3])
def test_gather_nd_against_definition(context, k):
    rng = np.random.default_rng(20 + k)
    x = rng.integers(0, 2**64 - 1, (3, 2, 4), dtype=np.uint64)
    idx = np.stack([rng.integers(-d - 1, d + 1, (2, 3)) for d in x.shape[:k]],
                   axis=-1).astype(np.int64)
    out = run(context, lambda g, x, i: g.gather_nd(x, i), {"x": x, "i": idx})
    assert_exact(out, _ref_gather_nd(x, idx))


# -------------------------------------------------------- scatterElements


@pytest.mark.parametrize("itype", INDEX_TYPES)
@pytest.mark.parametrize("dtype", ALL_TYPES)
def test_scatter_elements_spec_examples(context, dtype, itype):
    x = _a(SPEC_4X3, dtype)

    def fn(g, x, i1, u1, i2, u2):
        return [g.scatter_elements(x, i1, u1),
                g.scatter_elements(x, i2, u2, axis=1)]

    o1, o2 = run(context, fn, {
        "x": x,
        "i1": _a([[3, 1, 1], [2, 0, 3]], itype),
        "u1": _updates([[-1, -2, -3], [-4, -5, -6]], dtype),
        "i2": _a([[2], [1], [0], [2]], itype),
        "u2": _updates([[-1], [-2], [-3], [-4]], dtype),
    })
    assert_exact(o1, _updates([[0, -5, 2], [10, -2, -3], [-4, 21, 22],
                               [-1, 31, -6]], dtype))
    assert_exact(o2, _updates([[0, 1, -1], [10, -2, 12], [-3, 21, 22],
                               [30, 31, -4]], dtype))


@pytest.mark.parametrize("dtype", WIDE_TYPES)
def test_scatter_elements_spec_example_3d(context, dtype):
    out = run(context, lambda g, x, i, u: g.scatter_elements(x, i, u, axis=0),
              {"x": _a(SPEC_4X2X2, dtype), "i": _a([[[0, 2], [1, 3]]], "int32"),
               "u": _updates([[[-1, -2], [-3, -4]]], dtype)})
    want = [[[-1, 1], [10, 11]], [[100, 101], [-3, 111]],
            [[200, -2], [210, 211]], [[300, 301], [310, -4]]]
    assert_exact(out, _updates(want, dtype))


def test_scatter_elements_duplicates_last_wins(context):
    out = run(context, lambda g, x, i, u: g.scatter_elements(x, i, u),
              {"x": _a([9, 9, 9], "float32"), "i": _a([0, 2, 0, 2, 0], "int32"),
               "u": _a([1, 2, 3, 4, 5], "float32")})
    assert_exact(out, [5, 9, 4])
    # axis 0 of a [3, 2] input: column 0 writes row 1 twice (1 then 3)
    out = run(context, lambda g, x, i, u: g.scatter_elements(x, i, u),
              {"x": _a([[7, 7], [7, 7], [7, 7]], "int64"),
               "i": _a([[1, 1], [1, 0]], "int64"),
               "u": _a([[1, 2], [3, 4]], "int64")})
    assert_exact(out, [[7, 4], [3, 2], [7, 7]])


def test_scatter_elements_negative_and_out_of_range(context):
    x = _a([[0, 1, 2], [10, 11, 12]], "int32")
    out = run(context, lambda g, x, i, u: g.scatter_elements(x, i, u, axis=1),
              {"x": x, "i": _a([[-1], [-4]], "int32"),
               "u": _a([[-5], [-6]], "int32")})
    assert_exact(out, [[0, 1, -5], [-6, 11, 12]])
    out = run(context, lambda g, x, i, u: g.scatter_elements(x, i, u),
              {"x": x, "i": _a([[2**32 - 1, 0, 5]], "uint32"),
               "u": _a([[-7, -8, -9]], "int32")})
    assert_exact(out, [[0, -8, 2], [-7, 11, -9]])


def test_scatter_elements_64_bit_values(context):
    out = run(context, lambda g, x, i, u: g.scatter_elements(x, i, u),
              {"x": _a([0, 1, 2], "uint64"), "i": _a([2, 0], "int64"),
               "u": _a([2**64 - 1, 2**63 + 1], "uint64")})
    assert_exact(out, [2**63 + 1, 1, 2**64 - 1])


def _ref_scatter_elements(x, idx, upd, axis):
    out = x.copy()
    for pos in np.ndindex(*idx.shape):  # row-major, so the last write stays
        dst = list(pos)
        dst[axis] = _clamp_index(idx[pos], x.shape[axis])
        out[tuple(dst)] = upd[pos]
    return out


@pytest.mark.parametrize("axis", [0, 1, 2])
def test_scatter_elements_against_definition(context, axis):
    rng = np.random.default_rng(30 + axis)
    x = rng.uniform(-5, 5, (3, 4, 2)).astype(np.float32)
    ishape = list(x.shape)
    ishape[axis] = 2
    dim = x.shape[axis]
    idx = rng.integers(-dim - 1, dim + 1, ishape).astype(np.int32)
    upd = rng.uniform(10, 20, ishape).astype(np.float32)
    out = run(context, lambda g, x, i, u: g.scatter_elements(x, i, u, axis=axis),
              {"x": x, "i": idx, "u": upd})
    assert_exact(out, _ref_scatter_elements(x, idx, upd, axis))


# -------------------------------------------------------------- scatterND


@pytest.mark.parametrize("itype", INDEX_TYPES)
@pytest.mark.parametrize("dtype", ALL_TYPES)
def test_scatter_nd_spec_examples(context, dtype, itype):
    # Expected values follow the examples' comments (their code has slips:
    # example 3's indices are [1, 0] and examples 3-4 have 4 for -4).
    def fn(g, x1, i1, u1, x2, i2, u2, x3, i3, u3, x4, i4, u4):
        return [g.scatter_nd(x1, i1, u1), g.scatter_nd(x2, i2, u2),
                g.scatter_nd(x3, i3, u3), g.scatter_nd(x4, i4, u4)]

    outs = run(context, fn, {
        "x1": _a([0, 1, 2, 3, 4, 5, 6, 7], dtype),
        "i1": _a([[4], [3], [1], [7]], itype),
        "u1": _updates([-1, -2, -3, -4], dtype),
        "x2": _a([[0, 1], [2, 3]], dtype),
        "i2": _a([[0, 0], [1, 1]], itype),
        "u2": _updates([-1, -2], dtype),
        "x3": _a([[0, 1], [2, 3], [4, 5]], dtype),
        "i3": _a([[2], [0]], itype),
        "u3": _updates([[-1, -2], [-3, -4]], dtype),
        "x4": _a([[[0, 1], [2, 3]], [[4, 5], [6, 7]]], dtype),
        "i4": _a([[0, 1], [1, 0]], itype),
        "u4": _updates([[-1, -2], [-3, -4]], dtype),
    })
    assert_exact(outs[0], _updates([0, -3, 2, -2, -1, 5, 6, -4], dtype))
    assert_exact(outs[1], _updates([[-1, 1], [2, -2]], dtype))
    assert_exact(outs[2], _updates([[-3, -4], [2, 3], [-1, -2]], dtype))
    assert_exact(outs[3], _updates([[[0, 1], [-1, -2]], [[-3, -4], [6, 7]]],
                                   dtype))


def test_scatter_nd_scalar_updates(context):
    out = run(context, lambda g, x, i, u: g.scatter_nd(x, i, u),
              {"x": _a([[0, 1], [2, 3]], "float16"), "i": _a([-2, 1], "int32"),
               "u": _a(-0.5, "float16")})
    assert_exact(out, [[0, -0.5], [2, 3]])


def test_scatter_nd_duplicates_last_wins(context):
    out = run(context, lambda g, x, i, u: g.scatter_nd(x, i, u),
              {"x": _a([0, 0, 0, 0], "int8"), "i": _a([[1], [1], [3], [1]], "int32"),
               "u": _a([5, 6, 7, 8], "int8")})
    assert_exact(out, [0, 8, 0, 7])
    out = run(context, lambda g, x, i, u: g.scatter_nd(x, i, u),
              {"x": _a([[0, 0], [0, 0]], "uint32"), "i": _a([[1], [0], [1]], "int64"),
               "u": _a([[1, 2], [3, 4], [5, 6]], "uint32")})
    assert_exact(out, [[3, 4], [5, 6]])


def test_scatter_nd_negative_and_out_of_range(context):
    x = _a([[0, 1, 2], [10, 11, 12]], "int64")
    out = run(context, lambda g, x, i, u: g.scatter_nd(x, i, u),
              {"x": x, "i": _a([[2**32 - 1, 2**32 - 3], [7, 2**31]], "uint32"),
               "u": _a([-1, -2], "int64")})
    # uint32 values are never negative: both coordinates clamp to (1, 2);
    # the later write wins
    assert_exact(out, [[0, 1, 2], [10, 11, -2]])
    out = run(context, lambda g, x, i, u: g.scatter_nd(x, i, u),
              {"x": x, "i": _a([[-1, -3], [-9, 9]], "int32"),
               "u": _a([-1, -2], "int64")})
    assert_exact(out, [[0, 1, -2], [-1, 11, 12]])


def _ref_scatter_nd(x, idx, upd):
    out = x.copy()
    k = idx.shape[-1]
    for pos in np.ndindex(*idx.shape[:-1]):
        coord = tuple(_clamp_index(idx[pos][j], x.shape[j]) for j in range(k))
        out[coord] = upd[pos]
    return out


@pytest.mark.parametrize("k", [1, 2, 3])
def test_scatter_nd_against_definition(context, k):
    rng = np.random.default_rng(40 + k)
    x = rng.uniform(-5, 5, (3, 2, 4)).astype(np.float16)
    idx = np.stack([rng.integers(-d - 1, d + 1, (2, 3)) for d in x.shape[:k]],
                   axis=-1).astype(np.int32)
    upd = rng.uniform(10, 20, (2, 3, *x.shape[k:])).astype(np.float16)
    out = run(context, lambda g, x, i, u: g.scatter_nd(x, i, u),
              {"x": x, "i": idx, "u": upd})
    assert_exact(out, _ref_scatter_nd(x, idx, upd))
