"""Behaviour of matmul, gemm, batchNormalization, instanceNormalization and
layerNormalization.

Expected values are hand-computed literals or float64 formulas written here
from the spec's definitions (explicit loops or einsum), rounded once to the
output type by ``assert_ulp``.  ``alpha``, ``beta`` and ``epsilon`` enter the
formulas after the spec's cast to the input's data type (``_cast``).
"""

from __future__ import annotations

import numpy as np
import pytest

from helpers import assert_exact, assert_ulp, rand, run

FLOATS = ["float32", "float16"]


def _cast(v: float, dtype: str) -> float:
    """The spec's cast of a double option to ``dtype`` (round to nearest)."""
    with np.errstate(over="ignore"):
        return float(np.array(v, dtype=np.float64).astype(dtype))


def _f64(x: np.ndarray) -> np.ndarray:
    return np.asarray(x, dtype=np.float64)


# ====================================================================== matmul


@pytest.mark.parametrize("dtype", FLOATS)
def test_matmul_2d_literal(context, dtype):
    a = np.array([[1, 2], [3, 4]], dtype)
    b = np.array([[5, 6, 0], [7, 8, -1]], dtype)
    out = run(context, lambda g, a, b: g.matmul(a, b), {"a": a, "b": b})
    assert_exact(out, [[19, 22, -2], [43, 50, -4]], dtype)


def _matmul_ref(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Stacked matrix product by its definition: broadcast the batch
    dimensions, then out[..., m, n] = sum_k a[..., m, k] * b[..., k, n]."""
    a, b = _f64(a), _f64(b)
    batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    a = np.broadcast_to(a, batch + a.shape[-2:])
    b = np.broadcast_to(b, batch + b.shape[-2:])
    m, k, n = a.shape[-2], a.shape[-1], b.shape[-1]
    out = np.zeros((*batch, m, n))
    for idx in np.ndindex(*batch):
        for i in range(m):
            for j in range(n):
                out[(*idx, i, j)] = sum(a[(*idx, i, t)] * b[(*idx, t, j)]
                                        for t in range(k))
    return out


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize(("sa", "sb"), [
    ([3, 4], [4, 5]),                  # plain 2-D
    ([2, 3, 4], [2, 4, 5]),            # same batch
    ([2, 1, 3, 4], [3, 4, 2]),         # batch [2, 1] x [3] -> [2, 3]
    ([3, 4], [2, 1, 4, 2]),            # 2-D a against a 4-D b
    ([1, 2, 3], [4, 1, 3, 1]),         # N = 1, batch [1, 2] x [4, 1]
    ([2, 1, 1, 2, 1, 3, 2], [1, 2, 5]),  # rank 7, K = 2
])
def test_matmul_broadcast(context, dtype, sa, sb):
    a, b = rand(sa, dtype, 1), rand(sb, dtype, 2)
    out = run(context, lambda g, a, b: g.matmul(a, b), {"a": a, "b": b})
    assert out.dtype == np.dtype(dtype)
    assert_ulp(out, _matmul_ref(a, b), 1)


@pytest.mark.parametrize("dtype", FLOATS)
def test_matmul_long_k_rounds_once(context, dtype):
    # K = 96: the float64 sum rounds once (a step-by-step float16 sum of
    # these data is 2 ULP off at out[1, 0], so this test tells them apart)
    a, b = rand([2, 96], dtype, 3, 0, 2), rand([96, 3], dtype, 4, 0, 2)
    out = run(context, lambda g, a, b: g.matmul(a, b), {"a": a, "b": b},
              constants=("b",))
    assert_ulp(out, _matmul_ref(a, b), 1)


def test_matmul_nan_and_inf_propagate(context):
    a = np.array([[np.inf, 1], [np.nan, 0]], "float32")
    b = np.array([[1, 0], [1, 1]], "float32")
    out = run(context, lambda g, a, b: g.matmul(a, b), {"a": a, "b": b})
    # inf*0 is NaN (row 0, column 1); NaN anywhere in row 1
    assert_exact(out, [[np.inf, np.nan], [np.nan, np.nan]])


# ======================================================================== gemm


@pytest.mark.parametrize("dtype", FLOATS)
def test_gemm_defaults_literal(context, dtype):
    a = np.array([[1, 2], [3, 4]], dtype)
    b = np.array([[5, 6], [7, 8]], dtype)
    out = run(context, lambda g, a, b: g.gemm(a, b), {"a": a, "b": b})
    assert_exact(out, [[19, 22], [43, 50]], dtype)


@pytest.mark.parametrize("dtype", FLOATS)
def test_gemm_alpha_beta_c_literal(context, dtype):
    a = np.array([[1, 2], [3, 4]], dtype)
    b = np.array([[5, 6], [7, 8]], dtype)
    c = np.array([[1, -1], [0, 2]], dtype)
    out = run(context, lambda g, a, b, c: g.gemm(a, b, c=c, alpha=2, beta=3),
              {"a": a, "b": b, "c": c})
    # 2 * [[19, 22], [43, 50]] + 3 * c
    assert_exact(out, [[41, 41], [86, 106]], dtype)


@pytest.mark.parametrize("dtype", FLOATS)
def test_gemm_c_without_beta_default_one(context, dtype):
    a = np.array([[1, 2]], dtype)
    b = np.array([[3], [4]], dtype)
    c = np.array(0.5, dtype)
    out = run(context, lambda g, a, b, c: g.gemm(a, b, c=c),
              {"a": a, "b": b, "c": c})
    assert_exact(out, [[11.5]], dtype)


def _gemm_ref(a, b, c, alpha, beta, a_t, b_t):
    """alpha * A' B' + beta * C by explicit sums (A' = A transposed if a_t)."""
    a, b = _f64(a), _f64(b)
    m = a.shape[1] if a_t else a.shape[0]
    k = a.shape[0] if a_t else a.shape[1]
    n = b.shape[0] if b_t else b.shape[1]
    cc = np.zeros((m, n)) if c is None else np.broadcast_to(_f64(c), (m, n))
    out = np.zeros((m, n))
    for i in range(m):
        for j in range(n):
            s = sum((a[t, i] if a_t else a[i, t]) * (b[j, t] if b_t else b[t, j])
                    for t in range(k))
            out[i, j] = alpha * s + beta * cc[i, j]
    return out


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("a_t", [False, True])
@pytest.mark.parametrize("b_t", [False, True])
@pytest.mark.parametrize("c_shape", [None, [], [4], [1, 4], [3, 1], [3, 4]])
def test_gemm_formula(context, dtype, a_t, b_t, c_shape):
    m, k, n = 3, 5, 4
    a = rand([k, m] if a_t else [m, k], dtype, 1)
    b = rand([n, k] if b_t else [k, n], dtype, 2)
    inputs = {"a": a, "b": b}
    alpha, beta = 0.75, -1.5
    if c_shape is not None:
        inputs["c"] = rand(c_shape, dtype, 3)

    def fn(g, a, b, c=None):
        return g.gemm(a, b, c=c, alpha=alpha, beta=beta, a_transpose=a_t,
                      b_transpose=b_t)

    out = run(context, fn, inputs)
    assert out.shape == (m, n) and out.dtype == np.dtype(dtype)
    assert_ulp(out, _gemm_ref(a, b, inputs.get("c"), alpha, beta, a_t, b_t), 1)


@pytest.mark.parametrize("dtype", FLOATS)
def test_gemm_alpha_beta_are_cast_to_input_type(context, dtype):
    # alpha = beta = 1e-50 underflow to 0 in both float types, so the result
    # is exactly 0 although alpha * a * b alone would be representable
    big = 100.0 if dtype == "float16" else 1e15
    a = np.array([[big]], dtype)
    b = np.array([[big]], dtype)
    c = np.array([[big]], dtype)
    out = run(context, lambda g, a, b, c: g.gemm(a, b, c=c, alpha=1e-50,
                                                beta=1e-50),
              {"a": a, "b": b, "c": c})
    assert _cast(1e-50, dtype) == 0.0
    assert_exact(out, [[0.0]], dtype)


def test_gemm_alpha_cast_float16_rounding(context):
    # float16(0.1) = 0.0999755859375; a single product 1 * 1 shows it exactly
    a = np.array([[1]], "float16")
    out = run(context, lambda g, a: g.gemm(a, a, alpha=0.1), {"a": a})
    assert_exact(out, [[0.0999755859375]], "float16")
    # alpha overflowing float16 becomes +inf
    out = run(context, lambda g, a: g.gemm(a, a, alpha=1e6), {"a": a})
    assert_exact(out, [[np.inf]], "float16")


def test_gemm_constant_operands(context):
    a = rand([2, 3], "float32", 5)
    b = rand([2, 3], "float32", 6)
    c = rand([2], "float32", 7)
    out = run(context, lambda g, a, b, c: g.gemm(a, b, c=c, b_transpose=True),
              {"a": a, "b": b, "c": c}, constants=("b", "c"))
    assert_ulp(out, _gemm_ref(a, b, c, 1.0, 1.0, False, True), 1)


# ========================================================== batchNormalization


@pytest.mark.parametrize("dtype", FLOATS)
def test_batch_norm_literal(context, dtype):
    x = np.array([[1, 2], [3, 4]], dtype)
    mean = np.array([2, 3], dtype)
    var = np.array([4, 1], dtype)
    scale = np.array([2, 3], dtype)
    bias = np.array([1, -1], dtype)

    def fn(g, x, mean, var, scale, bias):
        return g.batch_normalization(x, mean, var, scale=scale, bias=bias,
                                     epsilon=0)

    out = run(context, fn, {"x": x, "mean": mean, "var": var, "scale": scale,
                            "bias": bias})
    # (x - mean) / sqrt(var) = [[-0.5, -1], [0.5, 1]]; * scale + bias
    assert_exact(out, [[0, -4], [2, 2]], dtype)


def _batch_norm_ref(x, mean, var, scale, bias, axis, eps):
    """Per element: scale[c] * (x - mean[c]) / sqrt(var[c] + eps) + bias[c],
    with c the element's index along ``axis``."""
    x = _f64(x)
    out = np.empty_like(x)
    for idx in np.ndindex(*x.shape):
        c = idx[axis]
        s = 1.0 if scale is None else float(scale[c])
        o = 0.0 if bias is None else float(bias[c])
        out[idx] = s * (x[idx] - float(mean[c])) / np.sqrt(float(var[c]) + eps) + o
    return out


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize(("shape", "axis"), [
    ([2, 3, 2, 2], None),     # nchw, default axis 1
    ([2, 2, 2, 3], 3),        # nhwc
    ([3, 2, 2], 0),
    ([4], 0),                 # rank 1
    ([2, 3], None),
    ([1, 2, 1, 2, 3], 4),     # rank 5
])
@pytest.mark.parametrize("with_scale", [False, True])
@pytest.mark.parametrize("with_bias", [False, True])
def test_batch_norm_formula(context, dtype, shape, axis, with_scale, with_bias):
    c = shape[1 if axis is None else axis]
    inputs = {"x": rand(shape, dtype, 1), "mean": rand([c], dtype, 2),
              "var": rand([c], dtype, 3, 0.25, 3)}
    if with_scale:
        inputs["scale"] = rand([c], dtype, 4)
    if with_bias:
        inputs["bias"] = rand([c], dtype, 5)
    kw = {} if axis is None else {"axis": axis}

    def fn(g, x, mean, var, scale=None, bias=None):
        return g.batch_normalization(x, mean, var, scale=scale, bias=bias, **kw)

    out = run(context, fn, inputs)
    exp = _batch_norm_ref(inputs["x"], inputs["mean"], inputs["var"],
                          inputs.get("scale"), inputs.get("bias"),
                          1 if axis is None else axis, _cast(1e-5, dtype))
    assert_ulp(out, exp, 1)


@pytest.mark.parametrize(("dtype", "eps", "want"), [
    # variance 0: the result is 1 / sqrt(cast(epsilon))
    ("float16", 1e-5, 1 / np.sqrt(_cast(1e-5, "float16"))),  # 316.0, not 316.25
    ("float16", 1e-9, np.inf),                 # epsilon underflows to 0
    ("float32", 1e-9, 1 / np.sqrt(_cast(1e-9, "float32"))),
    ("float32", 0.25, 2.0),
])
def test_batch_norm_epsilon_cast(context, dtype, eps, want):
    x = np.array([1], dtype)
    zero = np.zeros([1], dtype)
    out = run(context, lambda g, x, m, v: g.batch_normalization(
        x, m, v, axis=0, epsilon=eps), {"x": x, "m": zero, "v": zero})
    assert_ulp(out, [want], 0)


# ======================================================= instanceNormalization


@pytest.mark.parametrize("dtype", FLOATS)
def test_instance_norm_literal(context, dtype):
    # one channel [[1, 3], [1, 3]]: mean 2, variance 1
    x = np.array([[[[1, 3], [1, 3]]]], dtype)
    scale = np.array([2], dtype)
    bias = np.array([1], dtype)
    out = run(context, lambda g, x, s, b: g.instance_normalization(
        x, scale=s, bias=b, epsilon=0), {"x": x, "s": scale, "b": bias})
    assert_exact(out, [[[[-1, 3], [-1, 3]]]], dtype)


def _instance_norm_ref_nchw(x, scale, bias, eps):
    x = _f64(x)
    n, c, h, w = x.shape
    out = np.empty_like(x)
    for i in range(n):
        for j in range(c):
            vals = [x[i, j, p, q] for p in range(h) for q in range(w)]
            mean = sum(vals) / len(vals)
            var = sum((v - mean) ** 2 for v in vals) / len(vals)
            s = 1.0 if scale is None else float(scale[j])
            o = 0.0 if bias is None else float(bias[j])
            for p in range(h):
                for q in range(w):
                    out[i, j, p, q] = s * (x[i, j, p, q] - mean) / np.sqrt(
                        var + eps) + o
    return out


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("layout", [None, "nchw", "nhwc"])
@pytest.mark.parametrize("with_scale", [False, True])
@pytest.mark.parametrize("with_bias", [False, True])
def test_instance_norm_formula(context, dtype, layout, with_scale, with_bias):
    nchw = [2, 3, 4, 5]
    x_nchw = rand(nchw, dtype, 1)
    x = x_nchw if layout != "nhwc" else np.ascontiguousarray(
        x_nchw.transpose(0, 2, 3, 1))
    inputs = {"x": x}
    if with_scale:
        inputs["scale"] = rand([3], dtype, 2)
    if with_bias:
        inputs["bias"] = rand([3], dtype, 3)
    kw = {} if layout is None else {"layout": layout}

    def fn(g, x, scale=None, bias=None):
        return g.instance_normalization(x, scale=scale, bias=bias, **kw)

    out = run(context, fn, inputs)
    exp = _instance_norm_ref_nchw(x_nchw, inputs.get("scale"),
                                  inputs.get("bias"), _cast(1e-5, dtype))
    if layout == "nhwc":
        exp = exp.transpose(0, 2, 3, 1)
    assert_ulp(out, exp, 1)


def test_instance_norm_constant_channel_gives_bias(context):
    # a constant channel has variance 0: (x - mean) = 0, the output is bias
    x = np.full([1, 2, 2, 2], 7, "float32")
    bias = np.array([0.5, -2], "float32")
    out = run(context, lambda g, x, b: g.instance_normalization(x, bias=b),
              {"x": x, "b": bias})
    assert_exact(out, np.broadcast_to(bias.reshape(1, 2, 1, 1), x.shape))


def test_instance_norm_epsilon(context):
    # channel [0, 2, 0, 2]: mean 1, variance 1; epsilon 3 -> (+-1) / 2
    x = np.array([[[[0, 2], [0, 2]]]], "float32")
    out = run(context, lambda g, x: g.instance_normalization(x, epsilon=3),
              {"x": x})
    assert_exact(out, [[[[-0.5, 0.5], [-0.5, 0.5]]]])


# ========================================================== layerNormalization


@pytest.mark.parametrize("dtype", FLOATS)
def test_layer_norm_literal(context, dtype):
    # default axes [1]: row [1, 3] -> mean 2, var 1; row [2, 6] -> mean 4, var 4
    x = np.array([[1, 3], [2, 6]], dtype)
    scale = np.array([2, 3], dtype)
    bias = np.array([1, 1], dtype)
    out = run(context, lambda g, x, s, b: g.layer_normalization(
        x, scale=s, bias=b, epsilon=0), {"x": x, "s": scale, "b": bias})
    assert_exact(out, [[-1, 4], [-1, 4]], dtype)


def _layer_norm_ref(x, axes, scale, bias, eps):
    """By the definition: mean and population variance over ``axes`` for each
    index of the other dimensions; scale/bias dimension i is input dimension
    axes[i]."""
    x = _f64(x)
    rest = [d for d in range(x.ndim) if d not in axes]
    groups: dict[tuple[int, ...], list[float]] = {}
    for idx in np.ndindex(*x.shape):
        groups.setdefault(tuple(idx[d] for d in rest), []).append(x[idx])
    stats = {}
    for key, vals in groups.items():
        mean = sum(vals) / len(vals)
        stats[key] = (mean, sum((v - mean) ** 2 for v in vals) / len(vals))
    out = np.empty_like(x)
    for idx in np.ndindex(*x.shape):
        mean, var = stats[tuple(idx[d] for d in rest)]
        at = tuple(idx[a] for a in axes)
        s = 1.0 if scale is None else float(np.asarray(scale)[at])
        o = 0.0 if bias is None else float(np.asarray(bias)[at])
        out[idx] = s * (x[idx] - mean) / np.sqrt(var + eps) + o
    return out


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize(("shape", "axes"), [
    ([2, 3, 2, 2], None),        # default [1, 2, 3]
    ([2, 3, 4], [2]),
    ([2, 3, 4], [0]),            # a leading axis
    ([2, 3, 4], [2, 0]),         # scale [4, 2]: in the order of axes
    ([2, 3, 4], [1, 2, 0]),      # all axes, permuted
    ([2, 3, 4], []),             # no reduction
    ([5], None),                 # rank 1: default axes are empty
    ([5], [0]),
    ([], None),                  # rank 0
    ([1, 2, 1, 2, 3], [4, 1]),   # rank 5
])
@pytest.mark.parametrize("with_scale", [False, True])
@pytest.mark.parametrize("with_bias", [False, True])
def test_layer_norm_formula(context, dtype, shape, axes, with_scale, with_bias):
    eff = list(range(1, len(shape))) if axes is None else axes
    sb_shape = [shape[a] for a in eff]
    inputs = {"x": rand(shape, dtype, 1)}
    if with_scale:
        inputs["scale"] = rand(sb_shape, dtype, 2)
    if with_bias:
        inputs["bias"] = rand(sb_shape, dtype, 3)
    kw = {} if axes is None else {"axes": axes}

    def fn(g, x, scale=None, bias=None):
        return g.layer_normalization(x, scale=scale, bias=bias, **kw)

    out = run(context, fn, inputs)
    assert out.shape == tuple(shape) and out.dtype == np.dtype(dtype)
    exp = _layer_norm_ref(inputs["x"], eff, inputs.get("scale"),
                          inputs.get("bias"), _cast(1e-5, dtype))
    assert_ulp(out, exp, 1)


def test_layer_norm_empty_axes_gives_bias(context):
    # nothing reduced: each element is its own mean, so the result is bias
    x = np.array([[1, -2], [30, 4]], "float32")
    bias = np.array(0.25, "float32")
    scale = np.array(5, "float32")
    out = run(context, lambda g, x, s, b: g.layer_normalization(
        x, scale=s, bias=b, axes=[]), {"x": x, "s": scale, "b": bias})
    assert_exact(out, np.full([2, 2], 0.25))


def test_layer_norm_scale_in_axes_order_literal(context):
    # axes [1, 0] on x [2, 2]: the whole tensor normalizes together, and
    # scale[i, j] applies to x[j, i] (scale's dim 0 is input dim axes[0] = 1)
    x = np.array([[0, 2], [0, 2]], "float32")      # mean 1, variance 1
    scale = np.array([[1, 2], [3, 4]], "float32")
    out = run(context, lambda g, x, s: g.layer_normalization(
        x, scale=s, axes=[1, 0], epsilon=0), {"x": x, "s": scale})
    # normalized [[-1, 1], [-1, 1]] times scale transposed [[1, 3], [2, 4]]
    assert_exact(out, [[-1, 3], [-2, 4]])


def test_layer_norm_float16_epsilon_cast(context):
    # a constant row has variance 0, so with bias 0 the output is 0 and
    # epsilon (1e-9 -> 0 in float16) makes 0 / 0 = NaN; without the cast it
    # would be 0
    x = np.array([[3, 3]], "float16")
    out = run(context, lambda g, x: g.layer_normalization(x, epsilon=1e-9),
              {"x": x})
    assert np.isnan(out).all() and out.dtype == np.float16
    out = run(context, lambda g, x: g.layer_normalization(x, epsilon=1e-9),
              {"x": x.astype("float32")})
    assert_exact(out, [[0, 0]], "float32")


def test_norms_propagate_nan(context):
    x = np.array([[[[1, np.nan], [2, 3]]]], "float32")
    out = run(context, lambda g, x: g.instance_normalization(x), {"x": x})
    assert np.isnan(out).all()
    out = run(context, lambda g, x: g.layer_normalization(x, axes=[3]), {"x": x})
    assert np.isnan(out[0, 0, 0]).all() and not np.isnan(out[0, 0, 1]).any()



@pytest.mark.parametrize("shape", [[1, 8, 5, 5], [2, 8]])
def test_batch_norm_constant_statistics_near_the_mean(context, shape):
    # Real models hold the statistics as constants.  With x close to a large
    # mean, x * k + (bias - mean * k) (ONNX BatchNormalization's folding)
    # cancels: about 60 ULP here.  (x - mean) * k + bias does not (x - mean
    # is exact, and |bias| >> |(x - mean) * k|): the result must stay within
    # WPT's 6 ULP of the float64 formula, with no absolute tolerance.
    rng = np.random.default_rng(21)
    c = shape[1]
    mean = rng.uniform(50, 100, c).astype(np.float32)
    var = rng.uniform(0.5, 2, c).astype(np.float32)
    scale = rng.uniform(0.5, 2, c).astype(np.float32)
    bias = rng.uniform(1, 2, c).astype(np.float32)
    lay = [1] * len(shape)
    lay[1] = c
    x = (mean.reshape(lay) * (1 + rng.uniform(-1e-5, 1e-5, shape))).astype(np.float32)

    def fn(g, x):
        def k(a):
            return g.constant({"data_type": "float32", "shape": [c]}, a)
        return g.batch_normalization(x, k(mean), k(var), scale=k(scale),
                                     bias=k(bias))

    out = run(context, fn, {"x": x})
    exp = _batch_norm_ref(x, mean, var, scale, bias, 1, _cast(1e-5, "float32"))
    ulp = np.abs(out.view(np.int32).astype(np.int64)
                 - np.float32(exp).view(np.int32).astype(np.int64))
    assert np.all(np.sign(out) == np.sign(np.float32(exp)))
    assert ulp.max() <= 6, f"max {ulp.max()} ULP"
