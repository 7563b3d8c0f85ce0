"""The importer's API: model sources, external data, dims, constants, types,
errors that name the node, inspect, run, the import rule."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper
from onnx_testlib import make_model, rand, reference

import webnnpy
from webnnpy.models.onnx import (
    NeedsConstantError,
    UnsupportedModelError,
    UnsupportedNodeError,
    inspect,
    load,
    run,
)

N = helper.make_node
SRC = Path(__file__).resolve().parents[3] / "src" / "webnnpy" / "models"


def _mlp(dtype=np.float32):
    w1, w2 = rand(4, 8).astype(dtype), rand(8, 3).astype(dtype)
    nodes = [N("MatMul", ["x", "w1"], ["h"]), N("Relu", ["h"], ["r"]),
             N("MatMul", ["r", "w2"], ["y"])]
    x = rand(2, 4).astype(dtype)
    return make_model(nodes, {"x": x}, ["y"], initializers={"w1": w1, "w2": w2}), x


def test_load_path_bytes_proto_and_external_data(tmp_path, ref_ctx):
    m, x = _mlp()
    # a float64 run, each op rounded once to float32 as the exact reference
    # backend does (onnx.reference rounds inside MatMul, and the random data
    # can make that 1.6e-6 off where h @ w2 cancels)
    w = {t.name: onnx.numpy_helper.to_array(t).astype(np.float64)
         for t in m.graph.initializer}
    h = np.float32(x.astype(np.float64) @ w["w1"])
    want = np.float32(np.maximum(h, 0).astype(np.float64) @ w["w2"])
    path = tmp_path / "mlp.onnx"
    saved = onnx.ModelProto()
    saved.CopyFrom(m)  # save_model moves the weights out of the proto it saves
    onnx.save_model(saved, str(path), save_as_external_data=True,
                    all_tensors_to_one_file=True, location="mlp.weights",
                    size_threshold=0)
    assert (tmp_path / "mlp.weights").exists()
    for source in (path, str(path)):
        got = load(source, context=ref_ctx).run({"x": x})["y"]
        np.testing.assert_allclose(got, want, rtol=1e-6)
    unloaded = onnx.load(str(path), load_external_data=False)
    got = load(unloaded, context=ref_ctx, base_dir=tmp_path).run({"x": x})["y"]
    np.testing.assert_allclose(got, want, rtol=1e-6)
    got = load(m.SerializeToString(), context=ref_ctx).run({"x": x})["y"]
    np.testing.assert_allclose(got, want, rtol=1e-6)
    with pytest.raises(UnsupportedModelError, match=r"external data.*base_dir"):
        load(unloaded, context=ref_ctx)


def test_float16_model_with_constant_node_weights(ref_ctx):
    w = rand(4, 3).astype(np.float16)
    nodes = [N("Constant", [], ["w"], value=numpy_helper.from_array(w)),
             N("MatMul", ["x", "w"], ["y"])]
    x = rand(2, 4).astype(np.float16)
    m = make_model(nodes, {"x": x}, ["y"])
    imported = load(m, context=ref_ctx)
    assert imported.inputs == {"x": {"data_type": "float16", "shape": [2, 4]}}
    got = imported.run({"x": x})["y"]
    assert got.dtype == np.float16
    np.testing.assert_allclose(got, reference(m, {"x": x})[0], rtol=2e-3)


def test_input_that_is_an_initializer_is_a_constant(ref_ctx):
    m, _ = _mlp()
    m.graph.input.append(helper.make_tensor_value_info("w1", TensorProto.FLOAT,
                                                       [4, 8]))
    imported = load(m, context=ref_ctx)
    assert list(imported.inputs) == ["x"]
    assert list(imported.graph.inputs) == ["x"]


def test_bool_and_int64_values(ref_ctx):
    x = rand(3, 4)
    nodes = [N("Greater", ["x", "zero"], ["pos"]), N("Not", ["pos"], ["neg"]),
             N("ArgMax", ["x"], ["am"], axis=1),
             N("Gather", ["x", "am"], ["g"], axis=1)]
    m = make_model(nodes, {"x": x}, ["neg", "am", "g"],
                   initializers={"zero": np.float32(0)})
    got = load(m, context=ref_ctx).run({"x": x})
    want = reference(m, {"x": x})
    assert got["neg"].dtype == np.bool_ and got["am"].dtype == np.int64
    for g, w in zip(got.values(), want, strict=True):
        np.testing.assert_array_equal(g, w)


def test_bool_graph_input(ref_ctx):
    a = rand(5, dtype=np.bool_)
    m = make_model([N("Not", ["a"], ["y"])], {"a": a}, ["y"])
    imported = load(m, context=ref_ctx)
    assert imported.inputs["a"]["data_type"] == "uint8"
    np.testing.assert_array_equal(imported.run({"a": a})["y"], ~a)


def test_output_that_is_an_input_or_constant(ref_ctx):
    x = rand(3)
    m = make_model([N("Identity", ["x"], ["y"]), N("Identity", ["c"], ["z"])],
                   {"x": x}, ["y", "z"], initializers={"c": np.float32(2.5)})
    got = load(m, context=ref_ctx).run({"x": x})
    np.testing.assert_array_equal(got["y"], x)
    assert got["z"] == np.float32(2.5)


def test_unsupported_node_error_names_node_op_and_why(ref_ctx):
    x = rand(3, 4)
    m = make_model([N("Relu", ["x"], ["r"], name="act"),
                    N("TopK", ["r", "k"], ["v", "i"], name="topk")], {"x": x},
                   ["v"], initializers={"k": np.array([2], np.int64)})
    with pytest.raises(UnsupportedNodeError) as e:
        load(m, context=ref_ctx)
    assert e.value.node_name == "topk" and e.value.op_type == "TopK"
    assert "node 'topk' (TopK, opset" in str(e.value)
    assert "no operator or decomposition" in str(e.value)


def test_webnn_validation_errors_become_node_errors(ref_ctx):
    a = rand(2, 3, dtype=np.int32, low=0, high=4)
    b = rand(3, 2, dtype=np.int32, low=0, high=4)
    m = make_model([N("MatMul", ["a", "b"], ["y"], name="mm")], {"a": a, "b": b},
                   ["y"])
    with pytest.raises(UnsupportedNodeError, match=r"'mm' \(MatMul.*WebNN rejects.*"
                                                     r"int32"):
        load(m, context=ref_ctx)


def test_unsupported_input_type(ref_ctx):
    m = make_model([N("Abs", ["x"], ["y"])], {"x": np.zeros(3, np.float64)}, ["y"])
    with pytest.raises(UnsupportedModelError, match="'x' has type double"):
        load(m, context=ref_ctx)


def test_needs_constant_and_constants(ref_ctx):
    x, shape = rand(2, 6), np.array([3, 4], np.int64)
    m = make_model([N("Reshape", ["x", "s"], ["y"], name="rs")], {"x": x, "s": shape},
                   ["y"])
    with pytest.raises(NeedsConstantError) as e:
        load(m, context=ref_ctx)
    assert e.value.graph_inputs == ("s",) and e.value.node_name == "rs"
    assert "constants=" in str(e.value)
    imported = load(m, context=ref_ctx, constants={"s": shape})
    assert list(imported.inputs) == ["x"]
    got = imported.run({"x": x, "s": shape})["y"]  # a fixed input is ignored
    np.testing.assert_array_equal(got, x.reshape(3, 4))


def test_inspect_lists_every_unsupported_node():
    x = rand(1, 2, 3, 3, 3)
    nodes = [N("Relu", ["x"], ["a"], name="ok"),
             N("MaxPool", ["a"], ["p", "idx"], kernel_shape=[2, 2, 2],
               name="pool3d"),
             N("Sigmoid", ["p"], ["s"], name="after"),
             N("TopK", ["s", "k"], ["v", "i"], name="topk", axis=-1),
             N("Shape", ["x"], ["shp"], name="shape")]
    m = make_model(nodes, {"x": x}, ["v", "shp"],
                   initializers={"k": np.array([1], np.int64)})
    report = inspect(m)
    by_name = {n.name: n for n in report.nodes}
    assert by_name["ok"].status == "webnn" and by_name["ok"].webnn_ops == ["relu"]
    assert by_name["pool3d"].status == "unsupported"
    assert "Indices" in by_name["pool3d"].reason
    # the walk goes on with stand-ins shaped by ONNX shape inference
    assert by_name["after"].status == "webnn"
    assert by_name["after"].inputs[0].shape == [1, 2, 2, 2, 2]
    assert by_name["topk"].status == "unsupported"
    assert by_name["shape"].status == "constant"
    assert not report.supported
    assert [n.name for n in report.unsupported] == ["pool3d", "topk"]
    text = report.format()
    assert "pool3d" in text and "UNSUPPORTED" in text


def test_inspect_reports_free_dimensions():
    x = rand(2, 3)
    m = make_model([N("Relu", ["x"], ["y"])], {"x": x}, ["y"])
    m.graph.input[0].type.tensor_type.shape.dim[0].dim_param = "n"
    report = inspect(m)
    assert report.supported and report.free_dims == {"n": ["x"]}
    assert str(report.nodes[0].outputs[0]) == "y: float[n, 3]"
    assert inspect(m, {"n": 2}).supported


def test_run_checks_and_converts_inputs(ref_ctx):
    m, x = _mlp()
    imported = load(m, context=ref_ctx)
    with pytest.raises(TypeError, match="'x' is missing"):
        run(imported, {})
    with pytest.raises(TypeError, match="shape"):
        run(imported, {"x": rand(3, 4)})
    got = run(imported, {"x": x.astype(np.float64)})  # same kind: converted
    np.testing.assert_allclose(got["y"], reference(m, {"x": x})[0], rtol=1e-6)


def test_run_after_the_first_call_still_checks_and_copies(ref_ctx):
    # run() reads the graph's input descriptors once (models.feeds.feed_plan):
    # later calls still refuse a wrong kind or shape, and a strided view
    # (not C-contiguous) is made contiguous rather than passed on
    m, x = _mlp()
    imported = load(m, context=ref_ctx)
    want = run(imported, {"x": x})["y"]
    with pytest.raises(TypeError, match=r"input 'x' is float32; got complex64"):
        run(imported, {"x": x.astype(np.complex64)})
    with pytest.raises(TypeError, match=r"'x' has shape \[3, 4\]"):
        run(imported, {"x": rand(3, 4)})
    wide = np.zeros((x.shape[0], x.shape[1] * 2), np.float32)
    wide[:, ::2] = x
    strided = wide[:, ::2]
    assert not strided.flags.c_contiguous
    np.testing.assert_array_equal(run(imported, {"x": strided})["y"], want)


def test_default_context_is_created(monkeypatch):
    monkeypatch.setenv("WEBNNPY_BACKEND", "numpy")
    m, _ = _mlp()
    imported = load(m)
    assert isinstance(imported.context, webnnpy.MLContext)
    assert imported.output_names == ["y"] and imported.input_names == ["x"]


def test_importing_webnnpy_does_not_import_onnx():
    code = ("import sys, webnnpy, webnnpy.models; "
            "assert 'onnx' not in sys.modules, 'onnx was imported'")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_models_onnx_uses_only_public_webnnpy_names():
    """models/onnx imports ``webnnpy`` (the public names), the shared CLI
    helpers and its own modules, never webnnpy.api, .ir, .backends..."""
    bad = []
    for path in (SRC / "onnx").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module] if isinstance(node, ast.ImportFrom)
                     and node.module else [])
            for name in names:
                if name.startswith("webnnpy.") and not name.startswith(
                        ("webnnpy.models", "webnnpy.cliargs")):
                    bad.append(f"{path.name}: {name}")
    assert not bad, bad
