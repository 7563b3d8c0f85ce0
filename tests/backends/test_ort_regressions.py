"""Regressions of issue #11 on the ONNX Runtime backend (D1, D2, D3, D9).

Each graph is built and run on ONNX Runtime with and without
``lower.CHECK`` (ONNX's checker and strict shape inference over the lowered
model); expected values come from the spec's formulas evaluated here in
Python integers or float64, then rounded to the operand's type, never from a
backend.
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("onnxruntime")
pytest.importorskip("onnx")

import webnnpy
from webnnpy.backends.onnxruntime import lower as lower_mod


@pytest.fixture(scope="module")
def ctx() -> webnnpy.MLContext:
    c = webnnpy.ml.create_context(backend="onnxruntime")
    yield c
    c.destroy()


@pytest.fixture(params=[False, True], ids=["nocheck", "check"])
def check(request, monkeypatch) -> bool:
    monkeypatch.setattr(lower_mod, "CHECK", request.param)
    return request.param


def _d(dtype: str, shape: list[int]) -> dict:
    return {"data_type": dtype, "shape": shape}


# ------------------------------------------------------------------ D1


def test_d1_cast_to_float16_rounds_before_the_next_op(ctx, check):
    b = webnnpy.MLGraphBuilder(ctx)
    x = b.input("x", _d("float32", [3]))
    h = b.cast(x, "float16")
    one = b.constant(_d("float16", []), np.float16(1.0))
    inf = b.constant(_d("float16", [3]), np.full(3, np.inf, np.float16))
    g = b.build({"y": b.sub(h, one), "le": b.lesser_or_equal(inf, h)})
    xv = np.array([1.0001, 65520.0, 3.0], np.float32)
    out = ctx.compute(g, {"x": xv})
    # float16 has 10 fraction bits: 1.0001 rounds to 1.0; 65520 is the
    # midpoint of 65504 and 2**16, which ties to even: inf
    assert out["y"].dtype == np.float16
    np.testing.assert_array_equal(out["y"], np.array([0.0, np.inf, 2.0], np.float16))
    np.testing.assert_array_equal(out["le"], np.array([0, 1, 0], np.uint8))


def test_d1_cast_from_int32_to_float16_overflows_to_inf(ctx, check):
    b = webnnpy.MLGraphBuilder(ctx)
    x = b.input("x", _d("int32", [2]))
    h = b.cast(x, "float16")
    g = b.build({"y": b.mul(h, b.constant(_d("float16", []), np.float16(0.5)))})
    out = ctx.compute(g, {"x": np.array([70000, 2049], np.int32)})
    # 70000 > 65504 + 16: inf; 2049 ties to even in float16 (2048), halved
    np.testing.assert_array_equal(out["y"], np.array([np.inf, 1024.0], np.float16))


# ------------------------------------------------------------------ D2


@pytest.mark.parametrize("dtype", ["int32", "int64"])
def test_d2_pow_of_a_constant_integer_base_builds_and_wraps(ctx, check, dtype):
    bits = 32 if dtype == "int32" else 64
    b = webnnpy.MLGraphBuilder(ctx)
    x = b.input("x", _d(dtype, [3]))
    base = b.constant(_d(dtype, []), np.array(3, dtype))
    g = b.build({"y": b.pow(base, x)})
    exps = [3, 45, 0]
    out = ctx.compute(g, {"x": np.array(exps, dtype)})

    def wrap(v: int) -> int:  # two's complement wrap-around to `bits`
        v %= 1 << bits
        return v - (1 << bits) if v >= 1 << (bits - 1) else v

    np.testing.assert_array_equal(out["y"], np.array([wrap(3**e) for e in exps], dtype))


# ------------------------------------------------------------------ D3


def test_d3_zero_d_gather_nd_result_feeds_another_op(ctx, check):
    b = webnnpy.MLGraphBuilder(ctx)
    x = b.input("x", _d("float32", [3]))
    idx = b.constant(_d("int64", [1]), np.array([1], np.int64))
    g = b.build({"y": b.neg(b.gather_nd(x, idx))})
    out = ctx.compute(g, {"x": np.array([1.0, 2.0, 3.0], np.float32)})
    assert out["y"].shape == ()
    assert out["y"] == np.float32(-2.0)
