"""OpenVINO's gelu lowering (backends/openvino/lower_ops/activation.py):
``relu(x) - |x| * erfc(|x| / sqrt 2) / 2`` with erfc from a fitted polynomial
and an exactly split square, one Snippets kernel after a matmul's bias add.

Expected values: ``0.5 x erfc(-x / sqrt 2)`` in float64 (``math.erfc``),
written here; the fit's bound is checked against the same function.  Inputs:
every 4099th float32 bit pattern (every binade of both signs, subnormals,
infinities, NaNs), a dense sweep of [-14, 6] where gelu is neither x nor 0,
the edges, and all 65536 float16 values.  Bound: the accuracy policy's (WPT's
18 ULP, float32 results below 2**-126 may be 0; tests/tolerances.py).
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np
import pytest

ov = pytest.importorskip("openvino")

import webnnpy  # noqa: E402
from helpers import ulp_distance  # noqa: E402
from tolerances import FLUSH_ATOL, WPT_ULP  # noqa: E402
from webnnpy.backends.openvino.lower_ops import activation  # noqa: E402

_erfc = np.frompyfunc(math.erfc, 1, 1)


def _gelu64(x: np.ndarray) -> np.ndarray:
    """0.5 x (1 + erf(x / sqrt 2)) = 0.5 x erfc(-x / sqrt 2); 0 at -inf."""
    with np.errstate(invalid="ignore"):
        x = x.astype(np.float64)
        r = 0.5 * x * _erfc(-x / math.sqrt(2)).astype(np.float64)
    return np.where(np.isneginf(x), 0.0, r)


@pytest.fixture(scope="module")
def ctx() -> Any:
    c = webnnpy.ml.create_context(backend="openvino")
    yield c
    c.destroy()


def _gelu(ctx: Any, x: np.ndarray) -> np.ndarray:
    b = webnnpy.MLGraphBuilder(ctx)
    v = b.input("x", {"data_type": str(x.dtype), "shape": list(x.shape)})
    g = b.build({"out": b.gelu(v)})
    return ctx.compute(g, {"x": x})["out"]


@functools.cache
def _f32_inputs() -> np.ndarray:
    sampled = (np.arange(0, 1 << 32, 4099, dtype=np.uint64)
               .astype(np.uint32).view(np.float32))
    dense = np.linspace(-14.0, 6.0, 400_001, dtype=np.float32)
    tiny = float(np.finfo(np.float32).tiny)
    edges = np.array([0.0, -0.0, 1e-45, -1e-45, tiny, -tiny, 3.4e38, -3.4e38,
                      np.inf, -np.inf, np.nan, -13.2, -13.22, -13.5, -3.5, -0.75],
                     np.float32)
    return np.concatenate([sampled, dense, edges])


def _check(y: np.ndarray, x: np.ndarray, max_ulp: int, atol: float) -> int:
    """Within max_ulp of the once-rounded float64 value or within atol of it;
    NaN exactly where the formula is NaN.  Returns the largest ULP distance
    among results beyond atol."""
    want64 = _gelu64(x)
    want = want64.astype(y.dtype)
    assert (np.isnan(y) == np.isnan(want)).all(), x[np.isnan(y) != np.isnan(want)][:5]
    ok = ~np.isnan(want)
    d = ulp_distance(y[ok], want[ok])
    with np.errstate(invalid="ignore"):
        err = np.abs(y[ok].astype(np.float64) - want64[ok])
    bad = np.flatnonzero((d > max_ulp) & ~(err <= atol))
    assert bad.size == 0, (f"{bad.size} results beyond {max_ulp} ULP; first at "
                           f"x = {x[ok][bad[:5]]}: got {y[ok][bad[:5]]}, want "
                           f"{want64[ok][bad[:5]]}")
    return int(np.where(err > atol, d, 0).max())


def test_erfc_fit_is_within_its_stated_bound() -> None:
    # t * Q(t) * exp(-a*a / 2) against erfc(a / sqrt 2) / 2 in float64, on a
    # grid finer than the fit's nodes: relative error below 7e-8
    a = np.linspace(0.0, activation.GELU_CAP, 50_001)
    t = 1.0 / (1.0 + float(np.float32(activation.GELU_C)) * a)
    q = np.polyval([float(np.float32(c)) for c in activation.GELU_Q], t)
    got = t * q * np.exp(-a * a / 2)
    want = 0.5 * _erfc(a / math.sqrt(2)).astype(np.float64)
    assert np.max(np.abs(got / want - 1)) < 7e-8


def test_gelu_float32_whole_range(ctx: Any) -> None:
    x = _f32_inputs()
    # the policy's bound; measured 9 ULP (docs/accuracy.md, gelu)
    _check(_gelu(ctx, x), x, WPT_ULP["gelu"][0], FLUSH_ATOL)


def test_gelu_float16_every_value(ctx: Any) -> None:
    x = np.arange(1 << 16, dtype=np.uint16).view(np.float16)
    assert _check(_gelu(ctx, x), x, WPT_ULP["gelu"][1], 0.0) <= 2  # measured 1


@pytest.mark.parametrize("dtype", ["float32", "float16"])
def test_gelu_special_values_and_signed_zero(ctx: Any, dtype: str) -> None:
    x = np.array([np.inf, -np.inf, np.nan, 0.0, -0.0], dtype)
    y = _gelu(ctx, x)
    np.testing.assert_array_equal(y, [np.inf, 0.0, np.nan, 0.0, 0.0])
    assert not np.signbit(y[3]) and np.signbit(y[4])  # gelu(-0) = -0 * 1/2


def test_gelu_after_matmul_add_is_one_kernel(ctx: Any) -> None:
    # matmul + bias add + gelu + matmul: the bias add goes into the first
    # FullyConnected, the whole gelu is one Snippets Subgraph (OpenVINO's
    # IsNaN/IsInf were two Eltwise kernels more), and the values hold
    rng = np.random.default_rng(3)
    x = rng.normal(size=(1, 16, 32)).astype(np.float32)
    w1 = (rng.normal(size=(32, 64)) / 4).astype(np.float32)
    b1 = rng.normal(size=(64,)).astype(np.float32)
    w2 = (rng.normal(size=(64, 32)) / 8).astype(np.float32)
    b = webnnpy.MLGraphBuilder(ctx)
    v = b.input("x", {"data_type": "float32", "shape": [1, 16, 32]})

    def const(a: np.ndarray) -> Any:
        return b.constant({"data_type": "float32", "shape": list(a.shape)}, a)

    h = b.add(b.matmul(v, const(w1)), const(b1))
    g = b.build({"out": b.matmul(b.gelu(h), const(w2))})
    kinds = [op.get_rt_info()["layerType"].astype(str)
             for op in g._impl.compiled.get_runtime_model().get_ordered_ops()]
    assert kinds.count("Subgraph") == 1 and "Eltwise" not in kinds, kinds
    out = ctx.compute(g, {"x": x})["out"].astype(np.float64)
    h64 = x.astype(np.float64) @ w1 + b1
    want = _gelu64(h64) @ w2
    np.testing.assert_allclose(out, want, rtol=0, atol=2e-5)
