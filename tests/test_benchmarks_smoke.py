"""Smoke test of ``benchmarks/``: the webnnpy and the native ONNX constructions
of each benchmark network are the same network.

Each model is built at a reduced size (same layout, fewer and narrower
layers) from one weights dict, run on the NumPy reference backend and by ONNX
Runtime on the hand-written ONNX model, and the outputs compared.  A tiny run
of the harness checks that it reports every implementation.  No timing is
asserted.  Skipped without onnxruntime (and onnx).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import onnx  # noqa: E402
from benchmarks.models import (  # noqa: E402
    INPUT,
    MOBILENETV2,
    MODELS,
    OUTPUT,
    RESNET50,
    make_input,
    mobilenet_blocks,
    resnet_blocks,
)
from benchmarks.native import NATIVE  # noqa: E402

import webnnpy  # noqa: E402

#: max |webnnpy reference - native| / max |reference|, per data type
REL_TOL = {"float32": 1e-4, "float16": 1e-2}


def _reference(name: str, dtype: str, weights: dict[str, np.ndarray],
               x: np.ndarray) -> np.ndarray:
    spec = MODELS[name]
    ctx = webnnpy.ml.create_context(backend="numpy")
    try:
        builder = webnnpy.MLGraphBuilder(ctx)
        graph = builder.build({OUTPUT: spec.build(builder, dtype, weights,
                                                  spec.small)})
        return ctx.compute(graph, {INPUT: x})[OUTPUT]
    finally:
        ctx.destroy()


def _native(name: str, dtype: str, weights: dict[str, np.ndarray],
            x: np.ndarray) -> np.ndarray:
    model = NATIVE[name](dtype, weights, MODELS[name].small)
    onnx.checker.check_model(model, full_check=True)
    session = ort.InferenceSession(model.SerializeToString(),
                                   providers=["CPUExecutionProvider"])
    return session.run(None, {INPUT: x})[0]


@pytest.mark.parametrize("dtype", ["float32", "float16"])
@pytest.mark.parametrize("name", list(MODELS))
def test_constructions_agree(name: str, dtype: str) -> None:
    spec = MODELS[name]
    weights = spec.weights(small=True)
    x = make_input(spec.input_shape(spec.small), dtype)
    ref = _reference(name, dtype, weights, x)
    nat = _native(name, dtype, weights, x)
    assert ref.dtype == nat.dtype == np.dtype(dtype)
    assert ref.shape == nat.shape == spec.output_shape(spec.small)
    ref64, nat64 = ref.astype(np.float64), nat.astype(np.float64)
    scale = float(np.max(np.abs(ref64)))
    assert np.all(np.isfinite(ref64)) and scale > 0.1  # not a collapsed network
    rel = float(np.max(np.abs(ref64 - nat64))) / scale
    assert rel <= REL_TOL[dtype], f"{name} {dtype}: rel error {rel:.2e}"


def test_full_size_layouts() -> None:
    """The full-size plans have the standard depths (counted, not built)."""
    blocks = list(resnet_blocks(RESNET50.config))
    assert len(blocks) == 16
    assert 1 + 3 * len(blocks) + sum(b.downsample for b in blocks) == 53
    assert [b.stride for b in blocks if b.stride != 1] == [2, 2, 2]
    mb = list(mobilenet_blocks(MOBILENETV2.config))
    assert len(mb) == 17 and mb[-1].cout == 320
    convs = 1 + sum(2 + b.expand for b in mb) + 1
    assert convs == 52
    assert sum(b.residual for b in mb) == 10


def test_harness_reports_every_implementation(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]
                                              ) -> None:
    from benchmarks.run import main

    out = tmp_path / "bench.json"
    rc = main(["--small", "--models", "encoder", "--dtypes", "float32",
               "--iters", "2", "--rounds", "1", "--warmup", "1", "--pause", "0",
               "--overhead-calls", "20", "--quiet", "--json", str(out)])
    assert rc == 0
    table = capsys.readouterr().out
    assert "| model | dtype | implementation |" in table
    report = json.loads(out.read_text())
    (res,) = report["models"]
    status = {i["key"]: i["status"] for i in res["impls"]}
    assert set(status) >= {"webnnpy-ort", "ort-run", "ort-iobinding", "webnnpy-ref"}
    # the native and reference rows always run; webnnpy-ORT may be unsupported
    assert status["ort-run"] == status["ort-iobinding"] == "ok"
    assert status["webnnpy-ref"] == "ok"
    assert status["webnnpy-ort"] == "ok" or status["webnnpy-ort"].startswith(
        ("unsupported:", "failed:"))
    by_key = {i["key"]: i for i in res["impls"]}
    assert by_key["webnnpy-ref"]["errors"]["ort-run"]["rel"] < REL_TOL["float32"]
    assert report["overhead"]["impls"]
