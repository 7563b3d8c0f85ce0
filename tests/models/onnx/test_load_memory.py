"""load() holds the weights once and leaves nothing for the garbage collector
(issue 10, item 4): the ModelProto is not kept unless asked, initializers
become arrays without a second copy, and no reference cycle outlives a load.
"""

from __future__ import annotations

import gc
import sys
import weakref

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

import webnnpy  # noqa: E402
from webnnpy.models import onnx as wonnx  # noqa: E402
from webnnpy.models.onnx import importer  # noqa: E402


def _mlp(path, *, width: int = 256, layers: int = 8, seed: int = 0) -> list:
    """An MLP (MatMul + Add + Relu per layer, a Reshape by an int64
    initializer through an Identity that import folds) with ~2 MB of float32
    weights; returns the weights for a float64 reference."""
    rng = np.random.default_rng(seed)
    nodes, inits, weights = [], [], []
    x = "x"
    for i in range(layers):
        w = (rng.standard_normal((width, width)) / np.sqrt(width)).astype(np.float32)
        b = rng.standard_normal(width).astype(np.float32)
        weights.append((w, b))
        inits += [numpy_helper.from_array(w, f"w{i}"), numpy_helper.from_array(b, f"b{i}")]
        nodes += [helper.make_node("MatMul", [x, f"w{i}"], [f"m{i}"]),
                  helper.make_node("Add", [f"m{i}", f"b{i}"], [f"a{i}"]),
                  helper.make_node("Relu", [f"a{i}"], [f"r{i}"])]
        x = f"r{i}"
    inits.append(numpy_helper.from_array(np.array([2, -1], np.int64), "shape"))
    # folded at import (onnx.reference evaluates it)
    nodes.append(helper.make_node("Identity", ["shape"], ["shape2"]))
    nodes.append(helper.make_node("Reshape", [x, "shape2"], ["y"]))
    g = helper.make_graph(
        nodes, "mlp", [helper.make_tensor_value_info("x", TensorProto.FLOAT,
                                                     [4, width])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
        initializer=inits)
    model = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, str(path))
    return weights


def _reference(x: np.ndarray, weights: list) -> np.ndarray:
    h = x.astype(np.float64)
    for w, b in weights:
        h = np.maximum(h @ w.astype(np.float64) + b, 0)
    return h.reshape(2, -1)


@pytest.fixture(params=["numpy", "onnxruntime"])
def context(request) -> webnnpy.MLContext:
    if request.param == "onnxruntime":
        pytest.importorskip("onnxruntime")
    c = webnnpy.ml.create_context(backend=request.param)
    yield c
    c.destroy()


def test_load_keeps_no_model_unless_asked(tmp_path, context):
    path = tmp_path / "mlp.onnx"
    weights = _mlp(path)
    x = np.random.default_rng(1).standard_normal((4, 256)).astype(np.float32)
    m = wonnx.load(path, context=context)
    assert m.model is None
    np.testing.assert_allclose(m.run({"x": x})["y"], _reference(x, weights),
                               rtol=1e-4, atol=1e-4)
    kept = wonnx.load(path, context=context, keep_model=True)
    assert isinstance(kept.model, onnx.ModelProto)
    # the kept model is the whole file, weights included
    assert len(kept.model.graph.initializer) == 17
    np.testing.assert_allclose(kept.run({"x": x})["y"], _reference(x, weights),
                               rtol=1e-4, atol=1e-4)


def test_a_callers_modelproto_is_left_whole(tmp_path, context):
    path = tmp_path / "mlp.onnx"
    _mlp(path)
    proto = onnx.load(str(path))
    before = proto.SerializeToString()
    wonnx.load(proto, context=context)
    assert proto.SerializeToString() == before


def test_load_leaves_no_cyclic_garbage(tmp_path, context):
    path = tmp_path / "mlp.onnx"
    _mlp(path)
    wonnx.load(path, context=context)  # warm caches (schemas, limits)
    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)  # what a collection frees lands in gc.garbage
    try:
        m = wonnx.load(path, context=context)
        gc.collect()
        garbage = list(gc.garbage)
        gc.garbage.clear()
    finally:
        gc.set_debug(0)
        gc.enable()
    assert m.graph is not None
    kinds = {type(o).__name__ for o in garbage}
    assert not kinds & {"ndarray", "Tensor", "ImportContext", "ModelProto",
                        "MLGraphBuilder", "MLOperand", "ReferenceEvaluator"
                        }, sorted(kinds)
    size = sum(sys.getsizeof(o) for o in garbage)
    assert size < 1 << 20, f"{len(garbage)} objects, {size} bytes: {sorted(kinds)}"


def test_weights_are_held_once(tmp_path, context):
    # the importer's arrays (read-only views of the file's bytes) are the
    # graph's constants, not copies of them (MLGraphBuilder.constant(array)
    # takes an immutable array as it is), and nothing else keeps them: they
    # are freed with the model
    import gc

    path = tmp_path / "mlp.onnx"
    _mlp(path)
    refs: list[weakref.ref] = []
    real = importer.initializers

    def spy(*args):
        out = real(*args)
        refs.extend(weakref.ref(a.base if a.base is not None else a)
                    for a in out.values() if a.nbytes > 1024)
        return out

    import unittest.mock as mock
    with mock.patch.object(importer, "initializers", spy):
        m = wonnx.load(path, context=context)
    assert m.model is None
    held = [c.constant for c in m.graph._ir.constants() if c.constant.nbytes > 1024]
    assert refs and len(held) == len(refs)
    assert all(any(np.shares_memory(h, r()) for r in refs) for h in held)
    del m, held
    gc.collect()
    assert all(r() is None for r in refs)


def test_initializers_are_views_of_the_raw_bytes():
    w = np.arange(12, dtype=np.float32).reshape(3, 4)
    t = numpy_helper.from_array(w, "w")
    a = importer._const_of_initializer(t)
    np.testing.assert_array_equal(a, w)
    assert a.dtype == np.float32 and not a.flags.writeable
    base = a
    while isinstance(base, np.ndarray):
        base = base.base
    assert isinstance(base, bytes)  # the one copy reading raw_data makes
    # other encodings (float_data, int64_data, strings) still convert
    for arr in (np.array([1.5, -2.0], np.float32), np.array([3, -4], np.int64),
                np.array([True, False]), np.array([1, 2], np.float16)):
        t = helper.make_tensor("t", helper.np_dtype_to_tensor_dtype(arr.dtype),
                               arr.shape, arr.reshape(-1).tolist())
        np.testing.assert_array_equal(importer._const_of_initializer(t), arr)
        t = numpy_helper.from_array(arr, "t")  # raw_data
        got = importer._const_of_initializer(t)
        np.testing.assert_array_equal(got, arr)
        assert got.dtype == arr.dtype
