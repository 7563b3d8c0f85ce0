"""Large constants handed to ONNX Runtime without a copy stay correct when
ORT's graph optimizers rewrite initializers (issue 10, item 6: convnext).

ORT's transpose optimizer pushes a Transpose through an elementwise op by
transposing (or unsqueezing) the op's constant input *in place, under the same
name* (``ApiGraph::TransposeInitializer``); a ``SessionOptions.add_initializer``
value of that name, which still has the original shape and data, then replaced
the rewritten one when the session state was saved.  torchvision's
convnext_tiny failed with "Attempting to broadcast an axis by a dimension
other than 1. 14 by 384"; a square constant gave a silently wrong result.
Expected values are NumPy float64 formulas of the graphs below.
"""

from __future__ import annotations

import numpy as np
import pytest

ort = pytest.importorskip("onnxruntime")
pytest.importorskip("onnx")

import webnnpy  # noqa: E402
from webnnpy.backends.onnxruntime import emitter, runtime  # noqa: E402


@pytest.fixture
def ctx() -> webnnpy.MLContext:
    c = webnnpy.ml.create_context(backend="onnxruntime")
    yield c
    c.destroy()


def _d(shape: list[int]) -> dict:
    return {"data_type": "float32", "shape": shape}


def _const(b: webnnpy.MLGraphBuilder, a: np.ndarray) -> webnnpy.MLOperand:
    return b.constant(_d(list(a.shape)), a)


def test_square_constant_between_transposes_is_not_replaced_by_the_original(ctx):
    # Transpose -> Mul(c) -> Transpose: ORT cancels the transposes and stores
    # c transposed under c's name; the original c must not come back.
    rng = np.random.default_rng(1)
    c = rng.standard_normal((16, 16)).astype(np.float32)
    assert c.nbytes >= emitter.EXTERNAL_MIN_BYTES  # a "large" constant
    x = rng.standard_normal((2, 16, 16)).astype(np.float32)
    b = webnnpy.MLGraphBuilder(ctx)
    xi = b.input("x", _d([2, 16, 16]))
    y = b.transpose(b.mul(b.transpose(xi, permutation=[0, 2, 1]), _const(b, c)),
                    permutation=[0, 2, 1])
    graph = b.build({"y": y})
    got = ctx.compute(graph, {"x": x})["y"]
    want = x.astype(np.float64) * c.astype(np.float64).T  # y[n,i,j] = x[n,i,j]*c[j,i]
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=0)


def test_layer_scale_after_transpose_back_to_nchw(ctx):
    # convnext: NHWC block output -> Transpose to NCHW -> Mul(layer scale
    # [C,1,1]) -> (the next LayerNorm2d) Transpose to NHWC.
    C, H = 384, 14
    rng = np.random.default_rng(2)
    ls = rng.standard_normal((C, 1, 1)).astype(np.float32)
    x = rng.standard_normal((1, H, H, C)).astype(np.float32)
    b = webnnpy.MLGraphBuilder(ctx)
    xi = b.input("x", _d([1, H, H, C]))
    y = b.transpose(xi, permutation=[0, 3, 1, 2])
    y = b.mul(y, _const(b, ls))
    y = b.transpose(y, permutation=[0, 2, 3, 1])
    graph = b.build({"y": y})
    got = ctx.compute(graph, {"x": x})["y"]
    want = x.astype(np.float64) * ls.astype(np.float64).reshape(1, 1, 1, C)
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=0)


def _erf(v: np.ndarray) -> np.ndarray:
    import math
    return np.vectorize(math.erf)(v)


def test_convnext_block_then_downsample_norm(ctx):
    # The smallest convnext-shaped graph that failed: depthwise 7x7 conv, to
    # NHWC, layerNorm, matmul+add, gelu, matmul+add, back to NCHW, layer
    # scale, residual, then LayerNorm2d (to NHWC, layerNorm, to NCHW).
    C, H = 256, 7
    rng = np.random.default_rng(3)

    def f(*s: int) -> np.ndarray:
        return (rng.standard_normal(s) * 0.1).astype(np.float32)

    w = dict(dw=f(C, 1, 7, 7), w1=f(C, 2 * C), b1=f(2 * C), w2=f(2 * C, C),
             b2=f(C), ls=f(C, 1, 1), g=f(C) + 1, be=f(C))
    x = f(1, C, H, H)
    b = webnnpy.MLGraphBuilder(ctx)
    xi = b.input("x", _d([1, C, H, H]))
    k = {n: _const(b, a) for n, a in w.items()}
    y = b.conv2d(xi, k["dw"], padding=[3, 3, 3, 3], groups=C)
    y = b.transpose(y, permutation=[0, 2, 3, 1])
    y = b.layer_normalization(y, axes=[3])
    y = b.gelu(b.add(b.matmul(y, k["w1"]), k["b1"]))
    y = b.add(b.matmul(y, k["w2"]), k["b2"])
    y = b.transpose(y, permutation=[0, 3, 1, 2])
    y = b.add(b.mul(y, k["ls"]), xi)
    y = b.transpose(y, permutation=[0, 2, 3, 1])
    y = b.layer_normalization(y, scale=k["g"], bias=k["be"], axes=[3])
    y = b.transpose(y, permutation=[0, 3, 1, 2])
    graph = b.build({"y": y})
    got = ctx.compute(graph, {"x": x})["y"]

    # float64 reference
    X = x.astype(np.float64)[0]
    W = {n: a.astype(np.float64) for n, a in w.items()}
    P = np.pad(X, ((0, 0), (3, 3), (3, 3)))
    dw = np.zeros_like(X)
    for i in range(7):
        for j in range(7):
            dw += P[:, i:i + H, j:j + H] * W["dw"][:, 0, i, j][:, None, None]
    t = dw.transpose(1, 2, 0)  # HWC

    def ln(v: np.ndarray) -> np.ndarray:
        m = v.mean(-1, keepdims=True)
        return (v - m) / np.sqrt(((v - m) ** 2).mean(-1, keepdims=True) + 1e-5)

    t = ln(t) @ W["w1"] + W["b1"]
    t = 0.5 * t * (1 + _erf(t / np.sqrt(2)))
    t = t @ W["w2"] + W["b2"]
    t = t * W["ls"].reshape(1, 1, C) + X.transpose(1, 2, 0)
    t = ln(t) * W["g"] + W["be"]
    want = t.transpose(2, 0, 1)[None]
    np.testing.assert_allclose(got, want, rtol=0, atol=2e-5)


def test_large_constants_reach_ort_as_external_initializers(ctx, monkeypatch):
    # the mechanism: OrtValues over the builder's arrays, handed over with
    # add_external_initializers (ORT puts them into its graph before it
    # optimizes); never add_initializer, which overrides rewrites by name
    calls: dict[str, list] = {"external": [], "override": []}

    class Spy(ort.SessionOptions):
        def add_external_initializers(self, names, values):
            calls["external"].append((list(names), list(values)))
            super().add_external_initializers(names, values)

        def add_initializer(self, name, value):
            calls["override"].append(name)
            super().add_initializer(name, value)

    monkeypatch.setattr(runtime.ort, "SessionOptions", Spy)
    rng = np.random.default_rng(4)
    w = rng.standard_normal((64, 64)).astype(np.float32)
    s = rng.standard_normal((8, 64)).astype(np.float32) + 2
    b = webnnpy.MLGraphBuilder(ctx)
    xi = b.input("x", _d([8, 64]))
    cw, cs = _const(b, w), _const(b, s)
    graph = b.build({"y": b.mul(b.matmul(xi, cw), cs)})
    low = graph._impl.lowered
    assert not calls["override"]
    [(names, values)] = calls["external"]
    assert sorted(names) == sorted(n for n, _ in low.external) and len(names) == 2
    # no weight bytes in the model: each initializer points outside it
    for t in low.model.graph.initializer:
        if t.name in names:
            assert not t.raw_data and t.data_location == t.EXTERNAL
    ptrs = {v.data_ptr() for v in values}
    assert ptrs == {cw._value.constant.ctypes.data, cs._value.constant.ctypes.data}
    x = rng.standard_normal((8, 64)).astype(np.float32)
    got = ctx.compute(graph, {"x": x})["y"]
    want = (x.astype(np.float64) @ w.astype(np.float64)) * s
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
