"""Exported graphs run in Chromium's WebNN and match the reference backend."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import webnnpy
from webnnpy.browser import Browser, JSError
from webnnpy.browser.cli import browser_main
from webnnpy.models.javascript import export
from webnnpy.models.javascript.cli import export_main


def _run_both(browser: Browser, tmp_path: Path, fn, feeds, **descs):
    ctx = webnnpy.ml.create_context(backend="numpy")
    b = webnnpy.MLGraphBuilder(ctx)
    ins = {n: b.input(n, {"data_type": dt, "shape": s}) for n, (dt, s) in descs.items()}
    out = fn(b, **ins)
    g = b.build(out if isinstance(out, dict) else {"y": out})
    export(g, tmp_path / "m")
    return ctx.compute(g, feeds), browser.run_module(tmp_path / "m", feeds)


def test_chromium_has_webnn(browser: Browser) -> None:
    assert "Chrome" in browser.version
    assert browser.evaluate("typeof navigator.ml.createContext") == "function"
    limits = browser.op_support_limits()
    assert limits["preferredInputLayout"] in ("nchw", "nhwc")
    assert "float32" in limits["conv2d"]["input"]["dataTypes"]


def test_conv_net_matches_reference(browser: Browser, tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    w = rng.standard_normal((8, 3, 3, 3)).astype(np.float32)

    def f(b, x):
        y = b.conv2d(x, b.constant(w), padding=[1, 1, 1, 1], input_layout="nhwc",
                     filter_layout="ohwi", bias=b.constant(np.ones(8, np.float32)))
        y = b.max_pool2d(b.relu(y), window_dimensions=[2, 2], strides=[2, 2],
                         layout="nhwc")
        return {"y": b.softmax(b.reshape(y, [1, 32]), 1), "s": b.split(y, 2, axis=3)[1]}

    x = rng.standard_normal((1, 4, 4, 3)).astype(np.float32)
    ref, got = _run_both(browser, tmp_path, f, {"x": x}, x=("float32", [1, 4, 4, 3]))
    for k in ref:
        assert got[k].dtype == ref[k].dtype and got[k].shape == ref[k].shape
        np.testing.assert_allclose(got[k], ref[k], rtol=1e-5, atol=1e-6)


def test_float16_and_int64_data(browser: Browser, tmp_path: Path) -> None:
    def f(b, x, i):
        c = b.constant(np.array([2**40, -(2**40), 7], np.int64))
        return {"h": b.mul(x, b.constant(np.full((3,), 0.5, np.float16))),
                "i": b.add(i, c),
                "k": b.clamp(b.cast(i, "float32"), min_value=0)}

    x = np.array([1.5, -2.25, 65504], np.float16)
    i = np.array([1, 2**50, -3], np.int64)
    ref, got = _run_both(browser, tmp_path, f, {"x": x, "i": i},
                         x=("float16", [3]), i=("int64", [3]))
    assert got["h"].dtype == np.float16 and got["i"].dtype == np.int64
    np.testing.assert_array_equal(got["h"], ref["h"])
    np.testing.assert_array_equal(got["i"], ref["i"])
    np.testing.assert_array_equal(got["k"], ref["k"])


def test_chromium_errors_come_back_as_js_errors(browser: Browser,
                                               tmp_path: Path) -> None:
    # Chromium (LiteRT) does not implement pad's "edge" mode.
    def f(b, x):
        return b.pad(x, [1], [1], mode="edge")

    with pytest.raises(JSError) as info:
        _run_both(browser, tmp_path, f, {"x": np.ones(3, np.float32)},
                  x=("float32", [3]))
    assert info.value.name == "NotSupportedError" and info.value.stage == "build"


def test_benchmark_times_runs(browser: Browser, tmp_path: Path) -> None:
    ctx = webnnpy.ml.create_context(backend="numpy")
    b = webnnpy.MLGraphBuilder(ctx)
    x = b.input("x", {"data_type": "float32", "shape": [4, 4]})
    export(b.build({"y": b.matmul(x, x)}), tmp_path / "m")
    res = browser.benchmark(tmp_path / "m", {"x": np.eye(4, dtype=np.float32)},
                            iterations=5, warmup=1)
    assert len(res["times_ms"]) == 5 and res["median_ms"] >= 0
    np.testing.assert_array_equal(res["outputs"]["y"], np.eye(4))


def test_cli_export_and_run(browser: Browser, tmp_path: Path,
                            capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "net.py").write_text(
        "import webnnpy\n"
        "def build(ctx):\n"
        "    b = webnnpy.MLGraphBuilder(ctx)\n"
        "    x = b.input('x', {'data_type': 'float32', 'shape': [2, 2]})\n"
        "    return b.build({'y': b.tanh(x)})\n")
    assert export_main([f"{tmp_path / 'net.py'}:build", "--js",
                        str(tmp_path / "js")]) == 0
    np.save(tmp_path / "x.npy", np.full((2, 2), 0.5, np.float32))
    assert browser_main(["run", str(tmp_path / "js"), "--input",
                         f"x={tmp_path / 'x.npy'}", "--save",
                         str(tmp_path / "out")]) == 0
    y = np.load(tmp_path / "out" / "y.npy")
    np.testing.assert_allclose(y, np.tanh(np.full((2, 2), 0.5)), rtol=1e-6)
    assert browser_main(["info", "--limits"]) == 0
    out = capsys.readouterr().out
    assert "createContext() works" in out
    json.loads(out[out.index("{"):])


def test_imported_onnx_model_runs(browser: Browser, tmp_path: Path) -> None:
    onnx = pytest.importorskip("onnx")
    wonnx = pytest.importorskip("webnnpy.models.onnx")
    if not hasattr(wonnx, "load"):
        pytest.skip("this webnnpy has no ONNX importer")
    from onnx import TensorProto, helper, numpy_helper

    w = np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32)
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "W"], ["m"]),
         helper.make_node("Sigmoid", ["m"], ["y"])], "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
        [numpy_helper.from_array(w, "W")])
    path = tmp_path / "m.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]),
              path)
    assert export_main([str(path), "--js", str(tmp_path / "js"), "--dim",
                        "n=2"]) == 0
    x = np.random.default_rng(1).standard_normal((2, 4)).astype(np.float32)
    got = browser.run_module(tmp_path / "js", {"x": x})["y"]
    np.testing.assert_allclose(got, 1 / (1 + np.exp(-(x @ w))), rtol=1e-5)


def test_module_run_takes_plain_arrays(browser: Browser, tmp_path: Path) -> None:
    ctx = webnnpy.ml.create_context(backend="numpy")
    b = webnnpy.MLGraphBuilder(ctx)
    x = b.input("x", {"data_type": "float32", "shape": [2]})
    i = b.input("i", {"data_type": "int64", "shape": [2]})
    export(b.build({"y": b.relu(x), "j": b.neg(i)}), tmp_path / "m")
    path = browser.serve(tmp_path / "m")
    got = browser.evaluate(
        f"import('{path}model.js').then(async (m) => {{"
        f"  const o = await m.run({{x: [1.5, -2], i: [3, -4]}});"
        f"  return [Array.from(o.y), Array.from(o.j, Number),"
        f"          o.y.constructor.name, o.j.constructor.name]; }})")
    assert got == [[1.5, 0], [-3, 4], "Float32Array", "BigInt64Array"]
