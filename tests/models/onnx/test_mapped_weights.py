"""load() maps a model file's weights instead of reading them (issue 10,
item 4: peak memory at native cost): the wire-format scan finds each large
initializer's raw data in the file, the graph's constants are read-only maps
of those ranges, and ONNX Runtime reads them from the file itself.  Expected
values come from onnx.load (the whole file parsed by protobuf), a float64
reference computed here, and native ONNX Runtime on the same file.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

import webnnpy  # noqa: E402
from webnnpy.models import onnx as wonnx  # noqa: E402
from webnnpy.models.onnx.weights import MIN_MAPPED_BYTES, read_mapped  # noqa: E402


def _model(path, *, external: bool = False) -> dict[str, np.ndarray]:
    """y = relu(x @ w1 + b1) @ w2 + small, with initializers of every kind
    the scan meets: large raw float32 (w1, w2), small raw (b1, small), large
    float_data (not raw: stays parsed), large int4 raw (packed: not mapped),
    and large float16 raw; the last three no node reads.  Returns the arrays by name."""
    rng = np.random.default_rng(7)
    w1 = rng.standard_normal((64, 48)).astype(np.float32)
    w2 = rng.standard_normal((48, 40)).astype(np.float32)
    b1 = rng.standard_normal(48).astype(np.float32)
    small = rng.standard_normal(40).astype(np.float32)
    half = rng.standard_normal(700).astype(np.float16)
    fdata = rng.standard_normal(40).astype(np.float32)
    big_fdata = rng.standard_normal(512).astype(np.float32)
    inits = [numpy_helper.from_array(w1, "w1"), numpy_helper.from_array(b1, "b1"),
             numpy_helper.from_array(w2, "w2"),
             numpy_helper.from_array(small, "small"),
             numpy_helper.from_array(half, "half"),
             helper.make_tensor("fdata", TensorProto.FLOAT, [40], fdata.tolist()),
             helper.make_tensor("big_fdata", TensorProto.FLOAT, [512],
                                big_fdata.tolist()),
             helper.make_tensor("nibbles", TensorProto.INT4, [4096],
                                [1] * 4096)]
    nodes = [helper.make_node("MatMul", ["x", "w1"], ["m1"]),
             helper.make_node("Add", ["m1", "b1"], ["a1"]),
             helper.make_node("Relu", ["a1"], ["r1"]),
             helper.make_node("MatMul", ["r1", "w2"], ["m2"]),
             helper.make_node("Add", ["m2", "small"], ["a2"]),
             helper.make_node("Mul", ["a2", "fdata"], ["y"])]
    g = helper.make_graph(
        nodes, "mlp", [helper.make_tensor_value_info("x", TensorProto.FLOAT,
                                                     [3, 64])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [3, 40])],
        initializer=inits)
    model = helper.make_model(g, opset_imports=[helper.make_opsetid("", 21)])
    model.ir_version = 10
    if external:
        onnx.save(model, str(path), save_as_external_data=True,
                  all_tensors_to_one_file=True, location="weights.bin",
                  size_threshold=1024)
    else:
        onnx.save(model, str(path))
    return {"w1": w1, "w2": w2, "b1": b1, "small": small, "fdata": fdata}


def _reference(x: np.ndarray, a: dict[str, np.ndarray]) -> np.ndarray:
    h = np.maximum(x.astype(np.float64) @ a["w1"] + a["b1"], 0)
    return (h @ a["w2"] + a["small"]) * a["fdata"]


def test_scan_finds_each_large_raw_initializer_where_protobuf_does(tmp_path):
    path = tmp_path / "m.onnx"
    _model(path)
    whole = onnx.load(str(path))
    mapped = read_mapped(path)
    assert mapped is not None
    data = path.read_bytes()
    moved = []
    for got, want in zip(mapped.graph.initializer, whole.graph.initializer,
                         strict=True):
        assert got.name == want.name
        if got.data_location == TensorProto.EXTERNAL:
            e = {x.key: x.value for x in got.external_data}
            off, n = int(e["offset"]), int(e["length"])
            assert e["location"] == path.name
            assert data[off:off + n] == want.raw_data  # the very bytes
            assert not got.HasField("raw_data")
            assert list(got.dims) == list(want.dims)
            assert got.data_type == want.data_type
            moved.append(got.name)
        else:
            assert got == want
    # large raw tensors of a type NumPy maps as it lies; not the small ones,
    # not float_data, not packed int4
    assert moved == ["w1", "w2", "half"]
    assert len(whole.graph.initializer[0].raw_data) >= MIN_MAPPED_BYTES
    assert list(mapped.graph.node) == list(whole.graph.node)
    assert mapped.graph.input == whole.graph.input
    assert mapped.opset_import == whole.opset_import


def test_raw_data_that_disagrees_with_dims_stays_for_the_importer(tmp_path):
    w = np.arange(600, dtype=np.float32)
    t = numpy_helper.from_array(w, "w")
    t.dims[:] = [601]  # one element more than the bytes hold
    g = helper.make_graph([helper.make_node("Add", ["x", "w"], ["y"])], "g",
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT,
                                                         [601])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT,
                                                         [601])],
                          initializer=[t])
    path = tmp_path / "bad.onnx"
    onnx.save(helper.make_model(g), str(path))
    mapped = read_mapped(path)
    assert mapped is not None
    assert mapped.graph.initializer[0].raw_data == w.tobytes()
    with pytest.raises(wonnx.InvalidModelError, match="initializer 'w'"):
        wonnx.load(path, context=webnnpy.ml.create_context(backend="numpy"))


@pytest.mark.parametrize("cut", [0.5, 0.999])
def test_truncated_file_is_still_an_invalid_model(tmp_path, cut):
    path = tmp_path / "m.onnx"
    _model(path)
    data = path.read_bytes()
    path.write_bytes(data[:int(len(data) * cut)])
    assert read_mapped(path) is None  # the scan gives up; protobuf reports it
    with pytest.raises(wonnx.InvalidModelError):
        wonnx.load(path, context=webnnpy.ml.create_context(backend="numpy"))


@pytest.mark.parametrize("external", [False, True])
def test_loaded_constants_are_maps_of_the_file(tmp_path, context, external):
    path = tmp_path / "m.onnx"
    arrays = _model(path, external=external)
    m = wonnx.load(path, context=context)
    mapped = [v for v in m.graph._ir.constants() if v.source is not None]
    where = tmp_path / ("weights.bin" if external else "m.onnx")
    assert sorted(v.constant.shape for v in mapped) == [(48, 40), (64, 48)]
    for v in mapped:
        assert isinstance(v.constant, np.memmap)
        assert v.source.path == os.fspath(where)
        assert not v.constant.flags.writeable
    x = np.random.default_rng(3).standard_normal((3, 64)).astype(np.float32)
    np.testing.assert_allclose(m.run({"x": x})["y"], _reference(x, arrays),
                               rtol=1e-5, atol=1e-4)


def test_onnx_runtime_reads_the_weights_from_the_file(tmp_path):
    pytest.importorskip("onnxruntime")
    import onnxruntime as ort

    path = tmp_path / "m.onnx"
    _model(path)
    m = wonnx.load(path, context=webnnpy.ml.create_context(backend="onnxruntime"))
    compiled = m.graph._impl
    lowered = compiled.lowered
    assert lowered.folder == os.fspath(tmp_path)
    assert sorted(r.length for r in lowered.files.values()) == [48 * 40 * 4,
                                                                64 * 48 * 4]
    # the model declares them where they lie; no OrtValue carries them
    declared = {t.name: {e.key: e.value for e in t.external_data}
                for t in lowered.model.graph.initializer
                if t.name in lowered.files}
    for name, r in lowered.files.items():
        assert declared[name] == {"location": "m.onnx", "offset": str(r.offset),
                                  "length": str(r.length)}
    assert not any(isinstance(k, ort.OrtValue) for k in compiled._keep_alive)
    x = np.random.default_rng(4).standard_normal((3, 64)).astype(np.float32)
    native = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    np.testing.assert_allclose(m.run({"x": x})["y"], native.run(None, {"x": x})[0],
                               rtol=1e-6, atol=1e-5)


def test_keep_model_and_bytes_read_the_weights(tmp_path):
    path = tmp_path / "m.onnx"
    arrays = _model(path)
    ctx = webnnpy.ml.create_context(backend="numpy")
    x = np.ones((3, 64), np.float32)
    for m in (wonnx.load(path, context=ctx, keep_model=True),
              wonnx.load(path.read_bytes(), context=ctx)):
        assert not any(v.source is not None for v in m.graph._ir.constants())
        np.testing.assert_allclose(m.run({"x": x})["y"], _reference(x, arrays),
                                   rtol=1e-5, atol=1e-4)


def test_a_rewritten_file_is_refused_when_compiling(tmp_path):
    pytest.importorskip("onnxruntime")
    path = tmp_path / "w.bin"
    w = np.arange(1024, dtype=np.float32)
    path.write_bytes(w.tobytes())
    ctx = webnnpy.ml.create_context(backend="onnxruntime")
    b = webnnpy.MLGraphBuilder(ctx)
    c = b.constant(np.memmap(path, dtype=np.float32, mode="r", shape=(1024,)))
    assert b._constant_tensors == {}  # (a plain constant operand)
    x = b.input("x", {"data_type": "float32", "shape": [1024]})
    y = b.add(x, c)
    path.write_bytes((w + 1).tobytes())  # in place: a new mtime
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    with pytest.raises(webnnpy.OperationError, match="changed since"):
        b.build({"y": y})


def test_a_writable_or_partial_map_is_copied(tmp_path):
    path = tmp_path / "w.bin"
    w = np.arange(1024, dtype=np.float32)
    path.write_bytes(w.tobytes())
    ctx = webnnpy.ml.create_context(backend="numpy")
    b = webnnpy.MLGraphBuilder(ctx)
    whole = np.memmap(path, dtype=np.float32, mode="r", shape=(1024,))
    for arr in (np.memmap(path, dtype=np.float32, mode="r+", shape=(1024,)),
                whole[1:], whole.reshape(2, 512)):
        c = b.constant(arr)
        assert c._value.source is None
        assert not np.shares_memory(c._value.constant, arr)
    held = b.constant(whole)._value
    assert held.constant is whole and held.source is not None
    assert held.source.offset == 0 and held.source.length == 4096


def test_a_mapped_model_exports_and_saves_its_weights(tmp_path):
    # the JavaScript exporter and the graph cache read the mapped constants
    pytest.importorskip("onnxruntime")
    from webnnpy.models.javascript import exporter

    path = tmp_path / "m.onnx"
    arrays = _model(path)
    ctx = webnnpy.ml.create_context(backend="onnxruntime")
    m = wonnx.load(path, context=ctx)
    _, weights = exporter.module_source(m.graph._ir)
    for name in ("w1", "w2"):  # the file's bytes, in the exported weights
        assert arrays[name].tobytes() in weights
    ctx.save_graph("mapped", m.graph)
    again = ctx.load_graph("mapped")
    x = np.random.default_rng(5).standard_normal((3, 64)).astype(np.float32)
    out = {"y": ctx.create_tensor({"data_type": "float32", "shape": [3, 40],
                                   "readable": True})}
    inp = {"x": ctx.create_tensor({"data_type": "float32", "shape": [3, 64],
                                   "writable": True})}
    ctx.write_tensor(inp["x"], x)
    ctx.dispatch(again, inp, out)
    np.testing.assert_allclose(ctx.read_tensor(out["y"]), _reference(x, arrays),
                               rtol=1e-5, atol=1e-4)
