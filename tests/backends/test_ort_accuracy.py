"""The ONNX Runtime lowerings chosen by the accuracy policy (tests/tolerances.py,
docs/accuracy.md), checked in ULP against float64 formulas written here.

Inputs: for float32, every 4099th bit pattern of all 2**32 (every binade of
both signs, subnormals, infinities, NaNs), a dense sweep of [-104, 90] and
the edges (±0, the smallest subnormal, the smallest normal, the largest
finite, where exp(-x) overflows, XNNPACK's flush cutoff); for float16, all
65536 values.  Every graph is built with MLGraphBuilder on an onnxruntime
context.  The bound is the policy's: the sum of the graph's ops' WPT ULP
tolerances, or (float32 only) an absolute error up to 2**-126 on a result
that may be flushed, scaled by |x| after a mul.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("onnxruntime")
pytest.importorskip("onnx")

import webnnpy
from helpers import ulp_distance
from tolerances import FLUSH_ATOL, TOLERANCES, WPT_ULP, policy
from webnnpy.backends.onnxruntime.lower import lower

F32_MAX = float(np.finfo(np.float32).max)
F32_TINY = float(np.finfo(np.float32).tiny)


@pytest.fixture(scope="module")
def ctx() -> webnnpy.MLContext:
    c = webnnpy.ml.create_context(backend="onnxruntime")
    yield c
    c.destroy()


@functools.cache
def _f32_inputs() -> np.ndarray:
    sampled = (np.arange(0, 1 << 32, 4099, dtype=np.uint64)
               .astype(np.uint32).view(np.float32))
    dense = np.linspace(-104.0, 90.0, 200_001, dtype=np.float32)
    overflow = np.float32(-88.72283935546875)  # the last x with a finite exp(-x)
    edges = [0.0, -0.0, 1e-45, -1e-45, F32_TINY, -F32_TINY,
             np.nextafter(np.float32(F32_TINY), np.float32(0)), F32_MAX, -F32_MAX,
             np.inf, -np.inf, np.nan, -87.33654, -87.33655, -103.97208, -104.0,
             88.72284, 16.6, -16.6, -5.3, -6.0, -13.0]
    near = overflow + np.arange(-64, 65, dtype=np.float32) * np.spacing(overflow)
    return np.concatenate([sampled, dense, np.array(edges, np.float32),
                           near.astype(np.float32)])


@functools.cache
def _f16_inputs() -> np.ndarray:
    return np.arange(1 << 16, dtype=np.uint16).view(np.float16)


def _inputs(dtype: str) -> np.ndarray:
    return _f32_inputs() if dtype == "float32" else _f16_inputs()


def _x64(x: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore"):  # signalling NaN bit patterns
        return x.astype(np.float64)


# float64 formulas from the spec's definitions -------------------------------

def _sigmoid(x: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        e = np.exp(-np.abs(x))
        return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def _silu(x: np.ndarray) -> np.ndarray:
    # mul(x, sigmoid(x)): -inf * 0 = NaN at -inf, as the graph computes
    with np.errstate(invalid="ignore"):
        return x * _sigmoid(x)


_erfc = np.frompyfunc(math.erfc, 1, 1)


def _gelu(x: np.ndarray) -> np.ndarray:
    # 0.5 x (1 + erf(x / sqrt 2)) = 0.5 x erfc(-x / sqrt 2), limit 0 at -inf
    with np.errstate(invalid="ignore"):
        r = 0.5 * x * _erfc(-x / math.sqrt(2)).astype(np.float64)
    return np.where(np.isneginf(x), 0.0, r)


def _hard_swish(x: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        r = x * np.clip(x + 3, 0, 6) / 6
    return np.where(np.isneginf(x), 0.0, r)


def _check(y: np.ndarray, x: np.ndarray, want64: np.ndarray, max_ulp: int,
           atol: np.ndarray | float) -> None:
    """Within ``max_ulp`` of the once-rounded float64 value, or within
    ``atol``; NaN exactly where the formula has NaN; infinities equal."""
    assert y.dtype == x.dtype and y.shape == x.shape
    with np.errstate(over="ignore", invalid="ignore"):
        want = want64.astype(y.dtype)
    nan_y, nan_w = np.isnan(y), np.isnan(want)
    bad_nan = np.flatnonzero(nan_y != nan_w)
    assert bad_nan.size == 0, (
        f"NaN mismatch at x = {x[bad_nan[:5]]}: got {y[bad_nan[:5]]}")
    ok = ~nan_w
    d = ulp_distance(y[ok], want[ok])
    with np.errstate(invalid="ignore"):
        err = np.abs(y[ok].astype(np.float64) - want64[ok])
    allow = atol[ok] if isinstance(atol, np.ndarray) else atol
    bad = np.flatnonzero((d > max_ulp) & ~(err <= allow))
    assert bad.size == 0, (
        f"{bad.size} results beyond {max_ulp} ULP / the flush allowance; first "
        f"x = {x[ok][bad[0]]!r}: got {y[ok][bad[0]]!r}, want "
        f"{want[ok][bad[0]]!r} ({want64[ok][bad[0]]!r}), {int(d[bad[0]])} ULP")


def _run(ctx: webnnpy.MLContext, fn: Callable, x: np.ndarray) -> np.ndarray:
    b = webnnpy.MLGraphBuilder(ctx)
    xo = b.input("x", {"data_type": str(x.dtype), "shape": list(x.shape)})
    graph = b.build({"y": fn(b, xo)})
    return ctx.compute(graph, {"x": x})["y"]


def _ops(fn: Callable, dtype: str, outputs: tuple[str, ...] = ("y",)
         ) -> list[str]:
    """The node types of the lowered ONNX model of ``fn``."""
    ctx = webnnpy.ml.create_context(backend="onnxruntime")
    b = webnnpy.MLGraphBuilder(ctx)
    x = b.input("x", {"data_type": dtype, "shape": [4]})
    res = fn(b, x)
    res = res if isinstance(res, tuple) else (res,)
    graph = b.build(dict(zip(outputs, res, strict=True)))
    return [n.op_type for n in lower(graph._ir).model.graph.node]


FLOATS = ["float32", "float16"]


# sigmoid ---------------------------------------------------------------------

@pytest.mark.parametrize("dtype", FLOATS)
def test_sigmoid_whole_range(ctx, dtype):
    x = _inputs(dtype)
    y = _run(ctx, lambda b, x: b.sigmoid(x), x)
    ulp, atol = policy(["sigmoid"], dtype)
    assert (ulp, atol) == ((34, FLUSH_ATOL) if dtype == "float32" else (10, 0.0))
    _check(y, x, _sigmoid(_x64(x)), ulp, atol)


@pytest.mark.parametrize("dtype", FLOATS)
def test_sigmoid_measured_precision(ctx, dtype):
    # Tighter than the policy, where the lowering is known to be: 2 ULP on
    # every normal result (docs/accuracy.md), so that a regression shows.
    x = _inputs(dtype)
    y = _run(ctx, lambda b, x: b.sigmoid(x), x)
    want = _sigmoid(_x64(x))
    normal = np.abs(want) >= np.finfo(x.dtype).tiny
    _check(y[normal], x[normal], want[normal], 2, 0.0)


def test_sigmoid_flushes_only_subnormal_float32_results(ctx):
    x = np.array([-87.0, -87.33, -88.7, -88.75, -100.0, -1e30, -np.inf], np.float32)
    y = _run(ctx, lambda b, x: b.sigmoid(x), x)
    want = _sigmoid(_x64(x))
    assert y[0] != 0 and y[1] != 0  # normal results (about 1.6e-38, 1.2e-38)
    assert (y[2:] <= want[2:] + FLUSH_ATOL).all() and (y >= 0).all()
    assert y[-1] == 0


@pytest.mark.parametrize("dtype", FLOATS)
def test_sigmoid_special_values(ctx, dtype):
    x = np.array([np.inf, -np.inf, np.nan, 0.0, -0.0], dtype)
    y = _run(ctx, lambda b, x: b.sigmoid(x), x)
    np.testing.assert_array_equal(y, np.array([1, 0, np.nan, 0.5, 0.5], dtype))


# SiLU: mul(x, sigmoid(x)) ------------------------------------------------------

@pytest.mark.parametrize("order", ["x*s", "s*x"])
@pytest.mark.parametrize("dtype", FLOATS)
def test_silu_whole_range(ctx, dtype, order):
    x = _inputs(dtype)

    def fn(b, x):
        s = b.sigmoid(x)
        return b.mul(x, s) if order == "x*s" else b.mul(s, x)

    y = _run(ctx, fn, x)
    ulp, flush = policy(["sigmoid", "mul"], dtype)
    x64 = _x64(x)
    with np.errstate(invalid="ignore"):
        atol = (np.abs(x64) + 1) * flush  # the sigmoid's flush, times |x|
    _check(y, x, _silu(x64), ulp, atol)


@pytest.mark.parametrize("dtype", FLOATS)
def test_silu_special_values(ctx, dtype):
    x = np.array([np.inf, -np.inf, np.nan, 0.0, -0.0, -1.0], dtype)
    y = _run(ctx, lambda b, x: b.mul(x, b.sigmoid(x)), x)
    # +inf * 1, -inf * 0 (NaN, as the graph's mul gives), NaN, +0, -0
    np.testing.assert_array_equal(y[:5], np.array([np.inf, np.nan, np.nan, 0, 0],
                                                  dtype))
    assert np.signbit(y[4]) and not np.signbit(y[3])
    assert abs(float(y[5]) + 0.2689414213699951) < 1e-3


def test_silu_after_conv_whole_range(ctx):
    # float32 SiLU after a convolution: ONNX Runtime folds the Mul by -1
    # into the convolution's weights (the activation reads the negated
    # output directly); the values stay those of x / (1 + exp(-x)).  The
    # convolution is depthwise with weight 1 (x * 1 = x, infinities and NaN
    # included), so the expected value is silu(x); an input of exactly 0
    # becomes -0 * -1 summed onto +0, i.e. +0 negated: -0 out, which the
    # policy's ULP bound accepts as 0.
    x = _nchw(_f32_inputs())
    b = webnnpy.MLGraphBuilder(ctx)
    xo = b.input("x", {"data_type": "float32", "shape": list(x.shape)})
    c = b.conv2d(xo, b.constant(np.ones((16, 1, 1, 1), np.float32)), groups=16)
    graph = b.build({"y": b.mul(c, b.sigmoid(c))})
    y = ctx.compute(graph, {"x": x})["y"].reshape(-1)
    flat = x.reshape(-1)
    ulp, flush = policy(["sigmoid", "mul"], "float32")
    x64 = _x64(flat)
    with np.errstate(invalid="ignore"):
        atol = (np.abs(x64) + 1) * flush
    _check(y, flat, _silu(x64), ulp, atol)
    ops = _optimized_ops(graph)
    assert not {"Mul", "Neg"} & {o for o, _ in ops}, ops  # folded into the Conv
    assert [o for o, _ in ops].count("Div") == 1, ops


@pytest.mark.parametrize(("dtype", "want"), [
    # float32: n = x * -1, n / (-1 - exp(n)); float16: in float32, Neg
    ("float32", ["Mul", "Exp", "Sub", "Div"]),
    ("float16", ["Cast", "Neg", "Exp", "Add", "Div", "Cast"]),
])
def test_silu_is_emitted_as_one_div(dtype, want):
    assert _ops(lambda b, x: b.mul(x, b.sigmoid(x)), dtype) == want
    assert _ops(lambda b, x: b.mul(b.sigmoid(x), x), dtype) == want


def test_sigmoid_alone_is_not_rewritten():
    # -x is a Mul by -1 (foldable into a convolution before it)
    assert _ops(lambda b, x: b.sigmoid(x), "float32") == [
        "Mul", "Exp", "Add", "Reciprocal"]
    assert _ops(lambda b, x: b.sigmoid(x), "float16") == ["Cast", "Sigmoid", "Cast"]


@pytest.mark.parametrize("dtype", FLOATS)
def test_silu_not_fused_when_the_sigmoid_is_read_elsewhere(dtype):
    def as_output(b, x):
        s = b.sigmoid(x)
        return b.mul(x, s), s

    def read_twice(b, x):
        s = b.sigmoid(x)
        return b.add(b.mul(x, s), s)

    def other_operand(b, x):
        return b.mul(b.neg(x), b.sigmoid(x))

    mul_kept = ["Reciprocal", "Mul"] if dtype == "float32" else ["Sigmoid", "Mul"]
    for fn, outs in ((as_output, ("y", "s")), (read_twice, ("y",)),
                     (other_operand, ("y",))):
        ops = _ops(fn, dtype, outs)
        assert all(op in ops for op in mul_kept), (fn.__name__, ops)
        assert "Div" not in ops, (fn.__name__, ops)


def test_silu_not_fused_results_stay_right(ctx):
    x = np.array([-np.inf, -100.0, -3.0, 0.5, np.inf], np.float32)

    def fn(b, x):
        s = b.sigmoid(x)
        return b.add(b.mul(x, s), s)

    y = _run(ctx, fn, x)
    x64 = _x64(x)
    with np.errstate(invalid="ignore"):
        want = x64 * _sigmoid(x64) + _sigmoid(x64)
    _check(y, x, want, 34 + 1 + 1, (np.abs(x64) + 2) * FLUSH_ATOL)


def test_sigmoid_after_conv_whole_range(ctx):
    # A sigmoid alone after a convolution (a squeeze-excitation gate): the
    # Mul by -1 folds into the convolution's weights and bias, the values
    # stay 1 / (1 + exp(-x)) (identity depthwise convolution, as above)
    x = _nchw(_f32_inputs())
    b = webnnpy.MLGraphBuilder(ctx)
    xo = b.input("x", {"data_type": "float32", "shape": list(x.shape)})
    c = b.conv2d(xo, b.constant(np.ones((16, 1, 1, 1), np.float32)), groups=16)
    graph = b.build({"y": b.sigmoid(c)})
    y = ctx.compute(graph, {"x": x})["y"].reshape(-1)
    flat = x.reshape(-1)
    ulp, flush = policy(["sigmoid"], "float32")
    _check(y, flat, _sigmoid(_x64(flat)), ulp, flush)
    ops = [o for o, _ in _optimized_ops(graph)]
    assert not {"Mul", "Neg"} & set(ops), ops  # folded into the Conv


# scaled SiLU: mul(x, sigmoid(mul(x, c))) (quick-GELU, Swish with alpha) -----

def _scaled_silu(x: np.ndarray, c: float) -> np.ndarray:
    # the graph's sigmoid argument is the float32 product c * x, rounded
    with np.errstate(invalid="ignore", over="ignore"):
        z = (np.float32(c) * x.astype(np.float32)).astype(np.float64)
        return x.astype(np.float64) * _sigmoid(z)


@pytest.mark.parametrize("order", ["x*s", "s*x", "c*x"])
@pytest.mark.parametrize("c", [1.702, 0.5, -1.25, 1.0, 0.0])
def test_scaled_silu_whole_range(ctx, c, order):
    x = _f32_inputs()

    def fn(b, x):
        k = b.constant(np.array(c, np.float32))
        z = b.mul(k, x) if order == "c*x" else b.mul(x, k)
        s = b.sigmoid(z)
        return b.mul(s, x) if order == "s*x" else b.mul(x, s)

    y = _run(ctx, fn, x)
    ulp, flush = policy(["mul", "sigmoid", "mul"], "float32")
    x64 = _x64(x)
    with np.errstate(invalid="ignore"):
        atol = (np.abs(x64) + 1) * flush  # the sigmoid's flush, times |x|
    _check(y, x, _scaled_silu(x, c), ulp, atol)


def test_scaled_silu_special_values(ctx):
    x = np.array([np.inf, -np.inf, np.nan, 0.0, -0.0, -1.0], np.float32)
    for c, want in ((1.702, [np.inf, np.nan]), (-2.0, [np.nan, -np.inf])):
        y = _run(ctx, lambda b, x, c=c: b.mul(
            x, b.sigmoid(b.mul(x, b.constant(np.array(c, np.float32))))), x)
        # inf * sigmoid(+-inf) and -inf * sigmoid(-+inf): inf * 1, inf * 0
        np.testing.assert_array_equal(y[:2], np.array(want, np.float32))
        assert np.isnan(y[2]) and y[3] == 0 and y[4] == 0
        assert np.signbit(y[4]) and not np.signbit(y[3])
        assert abs(float(y[5]) + 1 / (1 + math.exp(c))) < 1e-6


def test_scaled_silu_is_emitted_as_one_div():
    def quick_gelu(b, x):
        return b.mul(x, b.sigmoid(b.mul(x, b.constant(np.array(1.702, np.float32)))))

    assert _ops(quick_gelu, "float32") == ["Mul", "Exp", "Add", "Div"]


def test_scaled_silu_not_fused_when_a_value_is_read_elsewhere():
    def z_read(b, x):
        z = b.mul(x, b.constant(np.array(1.702, np.float32)))
        return b.add(b.mul(x, b.sigmoid(z)), z)

    def other_operand(b, x):
        z = b.mul(b.neg(x), b.constant(np.array(1.702, np.float32)))
        return b.mul(x, b.sigmoid(z))

    def tensor_scale(b, x):  # not a scalar: stays the product
        z = b.mul(x, b.constant(np.full(4, 1.702, np.float32)))
        return b.mul(x, b.sigmoid(z))

    for fn in (z_read, other_operand, tensor_scale):
        ops = _ops(fn, "float32")
        assert "Reciprocal" in ops and "Div" not in ops, (fn.__name__, ops)


def _onnx_silu_model(swish: bool) -> bytes:
    from onnx import TensorProto, helper
    if swish:
        nodes = [helper.make_node("Swish", ["x"], ["y"])]
        opset = 24
    else:
        nodes = [helper.make_node("Sigmoid", ["x"], ["s"]),
                 helper.make_node("Mul", ["x", "s"], ["y"])]
        opset = 21
    g = helper.make_graph(nodes, "g",
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT, [6])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [6])])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = 10
    return m.SerializeToString()


@pytest.mark.parametrize("swish", [False, True], ids=["Sigmoid+Mul", "Swish"])
def test_imported_silu_is_fused(ctx, swish):
    from webnnpy.models import onnx as onnx_models

    m = onnx_models.load(_onnx_silu_model(swish), context=ctx)
    ops = [n.op_type for n in lower(m.graph._ir).model.graph.node]
    assert ops == ["Mul", "Exp", "Sub", "Div"]
    x = np.array([-np.inf, -90.0, -20.0, -1.0, 0.0, 7.0], np.float32)
    y = m.run({"x": x})["y"]
    x64 = _x64(x)
    _check(y, x, _silu(x64), 35, (np.abs(x64) + 1) * FLUSH_ATOL)


# gelu and hardSwish (clamped with Clip) ----------------------------------------

@pytest.mark.parametrize("dtype", FLOATS)
def test_hard_swish_whole_range(ctx, dtype):
    x = _inputs(dtype)
    y = _run(ctx, lambda b, x: b.hard_swish(x), x)
    ulp, atol = policy(["hardSwish"], dtype)
    _check(y, x, _hard_swish(_x64(x)), ulp, atol)


def _nchw(x: np.ndarray, c: int = 16) -> np.ndarray:
    """``x`` padded with zeros to a multiple of ``c`` values and laid out
    as [1, c, n, 1]."""
    x = np.concatenate([x, np.zeros(-x.size % c, x.dtype)])
    return x.reshape(1, c, -1, 1)


def _optimized_ops(graph: webnnpy.MLGraph) -> list[tuple[str, str]]:
    """(op type, fused activation) of the graph ONNX Runtime runs for a
    built graph (webnnpy's session options, its shared weights embedded)."""
    import tempfile

    import onnx
    import onnxruntime as ort

    from webnnpy.backends.onnxruntime.explain import inline_external
    from webnnpy.backends.onnxruntime.runtime import OrtBackend

    low = lower(graph._ir)
    model = inline_external(low.model, low.external)
    with tempfile.TemporaryDirectory() as d:
        so = OrtBackend().session_options()
        so.optimized_model_filepath = str(Path(d) / "opt.onnx")
        ort.InferenceSession(model.SerializeToString(), so,
                             providers=["CPUExecutionProvider"])
        opt = onnx.load(so.optimized_model_filepath)
    return [(n.op_type, next((a.s.decode() for a in n.attribute
                              if a.name == "activation"), ""))
            for n in opt.graph.node]


@pytest.mark.parametrize("after_conv", [False, True])
def test_hard_swish_nchw_whole_range(ctx, after_conv):
    # On a 4-D float32 tensor, m + 3 is a BatchNormalization (scale 1, mean
    # 0, variance 1, epsilon 0, bias 3), which ONNX Runtime runs as its
    # BatchNormalization kernel, or after a convolution as a channel-wise
    # NCHWc convolution with the HardSigmoid fused: both must still round
    # m + 3 once.  The convolution is depthwise with weight 1 (x * 1 = x,
    # infinities and NaN included), so the expected value is hardSwish(x).
    x = _nchw(_f32_inputs())
    b = webnnpy.MLGraphBuilder(ctx)
    xo = b.input("x", {"data_type": "float32", "shape": list(x.shape)})
    c = 16
    h = b.conv2d(xo, b.constant(np.ones((c, 1, 1, 1), np.float32)), groups=c) \
        if after_conv else xo
    graph = b.build({"y": b.hard_swish(h)})
    y = ctx.compute(graph, {"x": x})["y"]
    ulp, atol = policy(["hardSwish"], "float32")
    flat = x.reshape(-1)
    _check(y.reshape(-1), flat, _hard_swish(_x64(flat)), ulp, atol)
    if after_conv:
        # the whole activation stays in ONNX Runtime's blocked layout: the
        # clamp and the HardSigmoid fused into NCHWc convolutions, the Mul
        # between them, one reorder in and one out of the layout
        ops = _optimized_ops(graph)
        assert ("Conv", "Clip") in ops and ("Conv", "HardSigmoid") in ops, ops
        assert [o for o, _ in ops].count("ReorderOutput") == 1, ops
        assert not {"Add", "HardSigmoid", "BatchNormalization"} & {
            o for o, a in ops if not a}, ops
    else:
        special = np.array([np.inf, -np.inf, np.nan, 0.0, -0.0, -3.0, 3.0, -F32_MAX,
                            F32_MAX, -2.9999998, 1e-45, -1e-45, 0, 0, 0, 0],
                           np.float32)
        got = _run(ctx, lambda b, x: b.hard_swish(x), special.reshape(1, 16, 1, 1))
        got = got.reshape(-1)
        np.testing.assert_array_equal(got[:7], [np.inf, 0, np.nan, 0, 0, 0, 3])
        assert np.signbit(got[1]) and np.signbit(got[4]) and np.signbit(got[5])
        _check(got, special, _hard_swish(_x64(special)), ulp, atol)


@pytest.mark.parametrize("dtype", FLOATS)
def test_gelu_whole_range(ctx, dtype):
    x = _inputs(dtype)
    y = _run(ctx, lambda b, x: b.gelu(x), x)
    ulp, atol = policy(["gelu"], dtype)
    assert ulp == WPT_ULP["gelu"][0]
    # ONNX Runtime's Gelu computes 0.5 x (1 + erf(x / sqrt 2)) in float32,
    # which cancels to -0 below x = -5.3 (|gelu| < 1e-7 there): the
    # documented exception of docs/accuracy.md, bounded by the manifest's atol.
    atol = max(atol, TOLERANCES["onnxruntime"][("gelu", "float32")][1])
    _check(y, x, _gelu(_x64(x)), ulp, atol)


@pytest.mark.parametrize("alpha", [1.0, 0.3])
@pytest.mark.parametrize("dtype", FLOATS)
def test_elu_whole_range(ctx, dtype, alpha):
    x = _inputs(dtype)
    y = _run(ctx, lambda b, x: b.elu(x, alpha=alpha), x)
    a = float(np.array(alpha, dtype))  # the spec casts alpha to the input type
    x64 = _x64(x)
    with np.errstate(invalid="ignore", over="ignore"):
        want = np.where(x64 > 0, x64, a * np.expm1(x64))
    ulp, atol = policy(["elu"], dtype)
    _check(y, x, want, ulp, atol)
    special = np.array([np.inf, -np.inf, np.nan, 0.0, -0.0], dtype)
    got = _run(ctx, lambda b, x: b.elu(x, alpha=alpha), special)
    np.testing.assert_array_equal(got, np.array([np.inf, -a, np.nan, 0, 0], dtype))
    assert np.signbit(got[4])


@pytest.mark.parametrize(("alpha", "beta"), [(2.5, -1.3), (0.2, 0.5), (-0.7, 3.1),
                                           (3.0, 1e-3), (1.0, 0.0), (0.0, 0.25)])
@pytest.mark.parametrize("dtype", FLOATS)
def test_linear_whole_range(ctx, dtype, alpha, beta):
    # alpha * x + beta rounded once (alpha, beta cast to the input type); the
    # zero crossing x = -beta / alpha is where two roundings would cancel
    crossing = -beta / alpha if alpha else 0.0
    x = np.concatenate([_inputs(dtype), _near(crossing, dtype)])
    y = _run(ctx, lambda b, x: b.linear(x, alpha=alpha, beta=beta), x)
    a, c = float(np.array(alpha, dtype)), float(np.array(beta, dtype))
    with np.errstate(invalid="ignore", over="ignore"):
        want = a * _x64(x) + c
    ulp, atol = policy(["linear"], dtype)
    _check(y, x, want, ulp, atol)


@pytest.mark.parametrize(("alpha", "beta"), [(0.2, 0.5), (1 / 6, 0.5), (-0.3, 0.4),
                                           (2.0, 0.0)])
@pytest.mark.parametrize("dtype", FLOATS)
def test_hard_sigmoid_whole_range(ctx, dtype, alpha, beta):
    x = np.concatenate([_inputs(dtype), _near(-beta / alpha, dtype)])
    y = _run(ctx, lambda b, x: b.hard_sigmoid(x, alpha=alpha, beta=beta), x)
    a, c = float(np.array(alpha, dtype)), float(np.array(beta, dtype))
    with np.errstate(invalid="ignore", over="ignore"):
        want = np.clip(a * _x64(x) + c, 0.0, 1.0)
    ulp, atol = policy(["hardSigmoid"], dtype)
    _check(y, x, want, ulp, atol)


def _near(v: float, dtype: str, n: int = 20_000) -> np.ndarray:
    """The ``n`` values of ``dtype`` on each side of ``v``."""
    c = np.array(v, dtype)
    bits = np.int32 if dtype == "float32" else np.int16
    i = int(c.view(bits))
    k = np.arange(i - n, i + n, dtype=np.int64)
    return k.astype(bits).view(np.dtype(dtype))


def _softsign(x: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        return np.where(np.isinf(x), np.sign(x), x / (1 + np.abs(x)))


@pytest.mark.parametrize("dtype", FLOATS)
def test_softsign_whole_range(ctx, dtype):
    # the clamp to +-2**64 gives +-1 at +-inf, keeps NaN and stays within
    # WPT's 3 ULP up to the largest float32 (ORT's Softsign alone is 4 off)
    x = _inputs(dtype)
    y = _run(ctx, lambda b, x: b.softsign(x), x)
    ulp, atol = policy(["softsign"], dtype)
    _check(y, x, _softsign(_x64(x)), ulp, atol)
    special = np.array([np.inf, -np.inf, np.nan, 0.0, -0.0], dtype)
    got = _run(ctx, lambda b, x: b.softsign(x), special)
    np.testing.assert_array_equal(got, np.array([1, -1, np.nan, 0, 0], dtype))
    assert np.signbit(got[4])


@pytest.mark.parametrize("dtype", FLOATS)
def test_gelu_hard_swish_special_values(ctx, dtype):
    x = np.array([np.inf, -np.inf, np.nan, 0.0, -0.0, F32_MAX, -F32_MAX], np.float32)
    x = x.astype(dtype) if dtype == "float32" else np.array(
        [np.inf, -np.inf, np.nan, 0.0, -0.0, 65504, -65504], dtype)
    for fn in (lambda b, x: b.gelu(x), lambda b, x: b.hard_swish(x)):
        y = _run(ctx, fn, x)
        np.testing.assert_array_equal(y[:5], np.array([np.inf, 0, np.nan, 0, 0], dtype))
        assert np.signbit(y[4])
        assert y[5] == x[5] and y[6] == 0


def test_clip_keeps_ort_conv_fusion():
    # hardSwish after a conv: the clamp is a Clip that ONNX Runtime folds
    # into the Conv, so the optimized graph has no separate clamp node.
    import onnxruntime as ort

    ctx = webnnpy.ml.create_context(backend="onnxruntime")
    b = webnnpy.MLGraphBuilder(ctx)
    x = b.input("x", {"data_type": "float32", "shape": [1, 8, 16, 16]})
    w = b.constant(np.full((8, 8, 3, 3), 0.01, np.float32))
    y = b.hard_swish(b.conv2d(x, w, padding=[1, 1, 1, 1]))
    low = lower(b.build({"y": y})._ir)
    ops = [n.op_type for n in low.model.graph.node]
    assert "Clip" in ops and "Max" not in ops
    model = low.model
    for name, arr in low.external:  # embed the shared weights for this check
        from onnx import numpy_helper
        for t in model.graph.initializer:
            if t.name == name:
                t.CopyFrom(numpy_helper.from_array(arr, name))
    sess = ort.InferenceSession(model.SerializeToString(),
                                providers=["CPUExecutionProvider"])
    assert sess is not None
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        so = ort.SessionOptions()
        so.optimized_model_filepath = str(Path(d) / "opt.onnx")
        ort.InferenceSession(model.SerializeToString(), so,
                             providers=["CPUExecutionProvider"])
        import onnx

        opt = onnx.load(so.optimized_model_filepath)
    opt_ops = [n.op_type for n in opt.graph.node]
    assert "Clip" not in opt_ops and "Max" not in opt_ops, opt_ops
    convs = [n for n in opt.graph.node if "Conv" in n.op_type]
    assert any(a.name == "activation" and a.s == b"Clip"
               for n in convs for a in n.attribute), opt_ops


@pytest.mark.parametrize("dtype", FLOATS)
def test_silu_chains_and_lookalikes(ctx, dtype):
    # silu(silu(x)) fuses twice; x * silu(x) is not a sigmoid product and
    # must stay a Mul of the fused value.
    def fn(b, x):
        s1 = b.mul(x, b.sigmoid(x))
        return b.mul(s1, b.sigmoid(s1)), b.mul(x, s1)

    ops = _ops(fn, dtype, ("y", "z"))
    # float32 negates each SiLU's input with a Mul by -1 (two more Muls)
    muls = 3 if dtype == "float32" else 1
    assert ops.count("Div") == 2 and ops.count("Mul") == muls, ops
    x = np.linspace(-20, 20, 4001).astype(dtype)
    b = webnnpy.MLGraphBuilder(ctx)
    xo = b.input("x", {"data_type": dtype, "shape": list(x.shape)})
    y, z = fn(b, xo)
    res = ctx.compute(b.build({"y": y, "z": z}), {"x": x})
    x64 = _x64(x)
    s1 = _silu(x64)
    # the inner result rounds to the type before the outer op reads it
    s1r = _x64(s1.astype(dtype))
    ulp = policy(["sigmoid", "mul"], dtype)[0]
    _check(res["y"], s1.astype(dtype), _silu(s1r), 2 * ulp, 0.0)
    _check(res["z"], x, x64 * s1r, ulp + 1, 0.0)


@pytest.mark.parametrize("dtype", ["float32", "float16"])
@pytest.mark.parametrize("slopes", [[0.25, 1.0, 1e-30], [0.5, -0.25, 2.0],
                                    [0.5, np.inf, -2.0]],
                         ids=["in_0_1", "outside", "infinite"])
def test_prelu_constant_slope_lowering_is_exact(dtype, slopes):
    # a constant slope in (0, 1] lowers to Max(x, x * slope), any other finite
    # one to Max(x, 0) + slope * Min(x, 0) (both faster than ORT's PRelu); a
    # non-finite slope keeps PRelu. All must give the spec's
    # x >= 0 ? x : slope * x exactly, special values included; the sign of a
    # zero result only on the Max(x, x * slope) and PRelu paths (ORT's Max /
    # Min pick either zero of a +0/-0 tie, as for relu: docs/differences.md).
    np_dt = np.dtype(dtype)
    x = np.array([[np.nan, -np.inf, np.inf, -0.0, 0.0, -3.0, 2.5, -1e-3]] * 3,
                 np_dt).T.copy()
    k = np.array(slopes, np_dt)
    ctx = webnnpy.ml.create_context(backend="onnxruntime")
    b = webnnpy.MLGraphBuilder(ctx)
    xi = b.input("x", {"data_type": dtype, "shape": list(x.shape)})
    graph = b.build({"y": b.prelu(xi, b.constant({"data_type": dtype, "shape": [3]},
                                                  k))})
    ops = [n.op_type for n in lower(graph._ir).model.graph.node]
    fast = bool(np.all(np.isfinite(k)))
    assert ("Max" in ops and "PRelu" not in ops) if fast else "PRelu" in ops, ops
    if fast and not np.all((k > 0) & (k <= 1)):
        assert "Min" in ops, ops
    got = ctx.compute(graph, {"x": x})["y"]
    x64, k64 = x.astype(np.float64), k.astype(np.float64)
    with np.errstate(invalid="ignore"):
        want = np.where(x64 >= 0, x64, k64 * x64).astype(np_dt)
    want = np.where(np.isnan(x64), np.nan, want).astype(np_dt)
    np.testing.assert_array_equal(got, want)
    signed = (want != 0) | np.isnan(want) if "Min" in ops else np.ones(want.shape, bool)
    assert np.array_equal(np.signbit(got)[signed], np.signbit(want)[signed])  # -0 stays -0


def _half_pixel_linear_2x(a: np.ndarray, axis: int) -> np.ndarray:
    """The spec's linear resample along ``axis`` by 2, in float64: output o
    samples input (o + 0.5) / 2 - 0.5, clamped to [0, n - 1]; a weight-0
    neighbour is not read (an output on a sample is that sample)."""
    n = a.shape[axis]
    out = []
    for o in range(2 * n):
        c = min(max((o + 0.5) / 2 - 0.5, 0.0), n - 1.0)
        lo = int(np.floor(c))
        t = c - lo
        va = np.take(a, lo, axis=axis)
        out.append(va if t == 0 else va * (1 - t) + np.take(a, lo + 1, axis=axis) * t)
    return np.stack(out, axis=axis)


def test_resample2d_linear_nhwc_takes_resize_and_is_exact():
    # resample2d over axes [1, 2] of an NHWC tensor by whole powers of two is
    # ONNX Resize with scales [1, 2, 2, 1] (ORT's NHWC path; it was the Gather
    # path, 9-15% of MediaPipe's selfie model); values as the float64 formula
    rng = np.random.default_rng(7)
    x = rng.uniform(-4, 4, (1, 5, 3, 4)).astype(np.float32)
    x[0, 0, 0, 1] = -np.inf
    ctx = webnnpy.ml.create_context(backend="onnxruntime")
    b = webnnpy.MLGraphBuilder(ctx)
    xi = b.input("x", {"data_type": "float32", "shape": list(x.shape)})
    graph = b.build({"y": b.resample2d(xi, mode="linear", scales=[2.0, 2.0],
                                       axes=[1, 2])})
    ops = [n.op_type for n in lower(graph._ir).model.graph.node]
    assert "Resize" in ops and "Gather" not in ops, ops
    got = ctx.compute(graph, {"x": x})["y"]
    with np.errstate(invalid="ignore"):
        want = _half_pixel_linear_2x(_half_pixel_linear_2x(x.astype(np.float64), 2), 1)
    # the manifest's resample2d float32 bound (8 ULP or 5e-6; float32
    # interpolation), infinities exactly
    fin = np.isfinite(want)
    np.testing.assert_array_equal(got[~fin], want[~fin].astype(np.float32))
    ulp = np.spacing(np.abs(want[fin]).astype(np.float32)).astype(np.float64)
    err = np.abs(got[fin] - want[fin])
    assert np.all((err <= 8 * ulp) | (err <= 5e-6)), err.max()
    # and the same values as the NCHW form (ONNX Runtime's other Resize path)
    b2 = webnnpy.MLGraphBuilder(ctx)
    xn = b2.input("x", {"data_type": "float32", "shape": [1, 4, 5, 3]})
    nchw = b2.build({"y": b2.resample2d(xn, mode="linear", scales=[2.0, 2.0])})
    ref = ctx.compute(nchw, {"x": x.transpose(0, 3, 1, 2).copy()})["y"]
    np.testing.assert_array_equal(got, ref.transpose(0, 2, 3, 1))
