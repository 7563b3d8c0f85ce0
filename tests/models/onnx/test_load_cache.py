"""``models.onnx.load(path, cache=True)``: the compiled graph from the context's
graph cache on a second load (no import), keyed by the file, dims and
constants, and refreshed when an external data file changes.  Expected values
come from onnx.reference."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper
from onnx_testlib import reference

import webnnpy
from webnnpy.models.onnx import importer, load

BACKENDS = ["numpy", pytest.param("onnxruntime", marks=pytest.mark.skipif(
    not webnnpy.backends.available_backends().get("onnxruntime"),
    reason="onnxruntime is not installed"))]


@pytest.fixture(autouse=True)
def _cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("WEBNNPY_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def _model(path: Path, w: np.ndarray, *, external: bool = False) -> onnx.ModelProto:
    g = helper.make_graph(
        [helper.make_node("MatMul", ["x", "w"], ["m"]),
         helper.make_node("Relu", ["m"], ["y"])], "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", 3])],
        [numpy_helper.from_array(w, "w")])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])
    helper.set_model_props(m, {"character": "a\nb"})
    if external:
        onnx.save(m, str(path), save_as_external_data=True, location="w.bin",
                  size_threshold=0, all_tensors_to_one_file=True)
    else:
        onnx.save(m, str(path))
    return onnx.load(str(path))


@pytest.mark.parametrize("backend", BACKENDS)
def test_second_load_comes_from_the_cache(tmp_path: Path, backend: str,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(0)
    w = rng.standard_normal((4, 3)).astype(np.float32)
    path = tmp_path / "m.onnx"
    proto = _model(path, w)
    x = rng.standard_normal((2, 4)).astype(np.float32)
    want = reference(proto, {"x": x})[0]
    ctx = webnnpy.ml.create_context(backend=backend)
    first = load(path, context=ctx, dims={"n": 2}, cache=True)
    np.testing.assert_allclose(first.run({"x": x})["y"], want, rtol=1e-6, atol=1e-6)
    assert len(ctx.list_graphs()) == 1

    def no_import(*a: object, **k: object) -> None:
        raise AssertionError("the model was imported again")

    monkeypatch.setattr(importer, "prepare", no_import)
    ctx2 = webnnpy.ml.create_context(backend=backend)
    second = load(path, context=ctx2, dims={"n": 2}, cache=True)
    np.testing.assert_allclose(second.run({"x": x})["y"], want, rtol=1e-6, atol=1e-6)
    assert second.inputs == first.inputs and second.outputs == first.outputs
    assert second.metadata_props == {"character": "a\nb"} == first.metadata_props
    # other dims are another entry: imported (here: refused by the patch)
    with pytest.raises(AssertionError, match="imported again"):
        load(path, context=ctx2, dims={"n": 3}, cache=True)


def test_a_changed_file_or_external_data_is_imported_again(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    w = rng.standard_normal((4, 3)).astype(np.float32)
    path = tmp_path / "m.onnx"
    _model(path, w, external=True)
    x = rng.standard_normal((1, 4)).astype(np.float32)
    ctx = webnnpy.ml.create_context(backend="numpy")
    y1 = load(path, context=ctx, dims={"n": 1}, cache=True).run({"x": x})["y"]
    np.testing.assert_allclose(y1, np.maximum(x @ w, 0), rtol=1e-6, atol=1e-6)
    # same .onnx bytes, new weights in the external file (same size)
    (tmp_path / "w.bin").write_bytes((-w).tobytes())
    y2 = load(path, context=ctx, dims={"n": 1}, cache=True).run({"x": x})["y"]
    np.testing.assert_allclose(y2, np.maximum(x @ -w, 0), rtol=1e-6, atol=1e-6)
    # a changed model file is another key
    _model(path, 2 * w)
    y3 = load(path, context=ctx, dims={"n": 1}, cache=True).run({"x": x})["y"]
    np.testing.assert_allclose(y3, np.maximum(x @ (2 * w), 0), rtol=1e-6, atol=1e-6)


def test_an_unwritable_cache_warns_and_still_loads(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch
                                                   ) -> None:
    blocker = tmp_path / "not_a_dir"
    blocker.write_text("x")
    monkeypatch.setenv("WEBNNPY_CACHE_DIR", str(blocker / "cache"))
    w = np.eye(4, 3, dtype=np.float32)
    path = tmp_path / "m.onnx"
    _model(path, w)
    x = np.ones((1, 4), np.float32)
    with pytest.warns(UserWarning, match="graph cache"):
        m = load(path, context=webnnpy.ml.create_context(backend="numpy"),
                 dims={"n": 1}, cache=True)
    np.testing.assert_array_equal(m.run({"x": x})["y"], [[1, 1, 1]])


def test_a_cache_hit_imports_no_onnx(tmp_path: Path, _cache_dir: Path) -> None:
    # a process that finds its model in the graph cache imports neither the
    # onnx package nor the importer (the OCR demo's warm start: importing
    # onnx alone costs about 0.1 s); the result is still the model's
    import json
    import os
    import subprocess
    import sys

    from webnnpy.models.onnx import imported

    assert imported.BOOL == TensorProto.BOOL  # the literal that avoids onnx
    rng = np.random.default_rng(3)
    w = rng.standard_normal((4, 3)).astype(np.float32)
    path = tmp_path / "m.onnx"
    proto = _model(path, w)
    x = rng.standard_normal((2, 4)).astype(np.float32)
    want = reference(proto, {"x": x})[0]
    ctx = webnnpy.ml.create_context(backend="numpy")
    load(path, context=ctx, dims={"n": 2}, cache=True)  # saved
    script = (
        "import json, sys\n"
        "import numpy as np\n"
        "import webnnpy\n"
        "from webnnpy.models import onnx as wonnx\n"
        "ctx = webnnpy.ml.create_context(backend='numpy')\n"
        "m = wonnx.load(sys.argv[1], context=ctx, dims={'n': 2}, cache=True)\n"
        "y = m.run({'x': np.array(json.loads(sys.argv[2]), np.float32)})['y']\n"
        "print(json.dumps({'onnx': 'onnx' in sys.modules, 'importer': "
        "'webnnpy.models.onnx.importer' in sys.modules, 'y': y.tolist()}))\n")
    out = subprocess.run([sys.executable, "-c", script, str(path),
                          json.dumps(x.tolist())], capture_output=True, text=True,
                         env={**os.environ, "WEBNNPY_CACHE_DIR": str(_cache_dir)},
                         check=True)
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["onnx"] is False and got["importer"] is False, got
    np.testing.assert_allclose(np.array(got["y"], np.float32), want, rtol=1e-6,
                               atol=1e-6)
