"""ONNX Runtime contrib ops (com.microsoft), with ONNX Runtime as the reference."""

from __future__ import annotations

import numpy as np
import pytest
from onnx import helper
from onnx_testlib import make_model, rand

from webnnpy.models.onnx import load
from webnnpy.models.onnx.handlers.contrib import dequantize_nbits

ort = pytest.importorskip("onnxruntime")
N = helper.make_node
MS = "com.microsoft"


def _check_with_ort(nodes, inputs, outputs, initializers=None, rtol=1e-5, atol=1e-6):
    m = make_model(nodes, inputs, outputs, initializers=initializers,
                   extra_opsets={MS: 1})
    m.ir_version = 8
    sess = ort.InferenceSession(m.SerializeToString(),
                                providers=["CPUExecutionProvider"])
    want = sess.run(None, dict(inputs))
    got = load(m).run(inputs)
    for name, w in zip(outputs, want, strict=True):
        np.testing.assert_allclose(got[name], w, rtol=rtol, atol=atol, err_msg=name)


@pytest.mark.parametrize("op,n_in,attrs", [("Gelu", 1, {}), ("BiasGelu", 2, {}),
                                           ("FastGelu", 2, {}), ("FastGelu", 1, {}),
                                           ("QuickGelu", 1, {"alpha": 1.5})])
def test_gelus(op, n_in, attrs):
    ins = {"x": rand(2, 8, low=-3, high=3)}
    if n_in == 2:
        ins["b"] = rand(8)
    _check_with_ort([N(op, list(ins), ["y"], domain=MS, **attrs)], ins, ["y"],
                    atol=1e-5)


@pytest.mark.parametrize("op,inputs", [
    ("SkipLayerNormalization", ["x", "s", "g", "be", "bi"]),
    ("SkipLayerNormalization", ["x", "s", "g"]),
    ("SkipSimplifiedLayerNormalization", ["x", "s", "g", "bi"]),
])
def test_skip_norms(op, inputs):
    ins = {"x": rand(2, 3, 8), "s": rand(2, 3, 8)}
    init = {"g": rand(8), "be": rand(8), "bi": rand(8)}
    init = {k: v for k, v in init.items() if k in inputs}
    _check_with_ort([N(op, inputs, ["y", "", "", "sum"], domain=MS, epsilon=1e-5)],
                    ins, ["y", "sum"], initializers=init, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("zp", [None, "packed"])
def test_matmul_nbits(zp):
    k, n, block = 32, 6, 16
    blocks = k // block
    b = np.random.default_rng(0).integers(0, 256, (n, blocks, block // 2),
                                          dtype=np.uint8)
    scales = rand(n * blocks, low=0.01, high=0.1)
    init = {"b": b, "sc": scales}
    names = ["a", "b", "sc"]
    if zp:
        init["zp"] = np.random.default_rng(1).integers(0, 256, (n * 1,), np.uint8)
        names.append("zp")
    ins = {"a": rand(3, k)}
    _check_with_ort([N("MatMulNBits", names, ["y"], domain=MS, K=k, N=n, bits=4,
                       block_size=block)], ins, ["y"], initializers=init,
                    rtol=1e-4, atol=1e-4)
    w = dequantize_nbits(b, scales, init.get("zp"), k, n, 4, block)
    assert w.shape == (k, n)
