"""Which ONNX Runtime execution provider a context gets (issue: CUDA for
``accelerated=True`` with onnxruntime-gpu and a GPU, the CPU otherwise).

The selection is tested with ONNX Runtime's provider query and device probe
replaced; the last test runs a graph on CUDA and is skipped without a GPU.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

ort = pytest.importorskip("onnxruntime")

import webnnpy  # noqa: E402
from webnnpy.backends.onnxruntime import runtime  # noqa: E402

CUDA = ["CUDAExecutionProvider", "CPUExecutionProvider"]


def _fake(monkeypatch: pytest.MonkeyPatch, providers: list[str],
          device_answers: bool) -> list[Any]:
    probes: list[Any] = []

    def probe(shape: Any, dtype: Any, device: str, index: int) -> object:
        probes.append((device, index))
        if not device_answers:
            raise RuntimeError("CUDA failure 100: no CUDA-capable device")
        return object()

    monkeypatch.setattr(runtime.ort, "get_available_providers", lambda: providers)
    monkeypatch.setattr(runtime.ort.OrtValue, "ortvalue_from_shape_and_type",
                        staticmethod(probe))
    return probes


def test_accelerated_uses_cuda_when_a_gpu_answers(monkeypatch) -> None:
    probes = _fake(monkeypatch, CUDA, device_answers=True)
    be = runtime.OrtBackend(accelerated=True)
    assert be.device == "cuda"
    assert be.providers == CUDA
    assert "CUDAExecutionProvider" in be.describe()
    assert probes == [("cuda", 0)]


def test_not_accelerated_stays_on_the_cpu(monkeypatch) -> None:
    probes = _fake(monkeypatch, CUDA, device_answers=True)
    be = runtime.OrtBackend(accelerated=False)
    assert (be.device, be.providers) == ("cpu", ["CPUExecutionProvider"])
    assert probes == []   # no device probe when the CPU is asked for


def test_cuda_provider_without_a_device_falls_back_to_the_cpu(monkeypatch) -> None:
    _fake(monkeypatch, CUDA, device_answers=False)
    be = runtime.OrtBackend(accelerated=True)
    assert (be.device, be.providers) == ("cpu", ["CPUExecutionProvider"])


def test_cpu_only_onnxruntime_uses_the_cpu(monkeypatch) -> None:
    probes = _fake(monkeypatch, ["CPUExecutionProvider"], device_answers=True)
    be = runtime.OrtBackend(accelerated=True)
    assert be.device == "cpu"
    assert probes == []


@pytest.mark.skipif(not runtime._cuda_usable(), reason="no CUDA device for ONNX Runtime")
def test_graph_runs_on_cuda() -> None:
    ctx = webnnpy.ml.create_context(accelerated=True, backend="onnxruntime")
    assert ctx._backend.device == "cuda"
    b = webnnpy.MLGraphBuilder(ctx)
    x = b.input("x", {"data_type": "float32", "shape": [2, 3]})
    g = b.build({"y": b.sigmoid(b.matmul(x, b.constant(np.eye(3, dtype=np.float32))))})
    xv = np.array([[-2, 0, 2], [-40, 1, 40]], np.float32)
    got = ctx.compute(g, {"x": xv})["y"]
    want = 1 / (1 + np.exp(-xv.astype(np.float64)))
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=0)
