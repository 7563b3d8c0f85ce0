"""Whole CNNs from ONNX's test data (``onnx/backend/test/data/light``: real
graphs, constant weights) through the importer, against ONNX Runtime."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import pytest

from webnnpy.models.onnx import inspect, load

ort = pytest.importorskip("onnxruntime")
LIGHT = Path(onnx.__file__).parent / "backend" / "test" / "data" / "light"
MODELS = ["light_squeezenet.onnx", "light_shufflenet.onnx"]


@pytest.mark.parametrize("name", MODELS)
def test_light_model(name, ref_ctx):
    path = LIGHT / name
    if not path.exists():
        pytest.skip(f"{path} is not in this onnx installation")
    report = inspect(path)
    assert report.supported, [(n.name, n.reason) for n in report.unsupported]
    imported = load(path, context=ref_ctx)
    rng = np.random.default_rng(0)
    feeds = {k: rng.standard_normal(v["shape"]).astype(np.float32)
             for k, v in imported.inputs.items()}
    got = imported.run(feeds)
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    want = sess.run(None, feeds)
    for (out, g), w in zip(got.items(), want, strict=True):
        np.testing.assert_allclose(g, w, rtol=1e-4, atol=1e-5, err_msg=out)
