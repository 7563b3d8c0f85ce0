"""Import-time constant folding stays within a memory budget (issue #11 D5).

A 188-byte model (``ConstantOfShape([20000, 20000])`` -> ReduceSum -> Add)
took 1.6 GB to load, ``[60000, 60000]`` tried 13.4 GiB and ``Range(0, 3e9)``
22.4 GiB, ending in a raw MemoryError.  The importer must tell a result's
size from the declared shapes before evaluating anything: a result it would
build itself is refused with an OnnxImportError naming the node and the size,
one that maps to WebNN operators (Expand, Tile) is left to run time.

The hostile models are loaded in a child process whose address space is
capped at 1 GiB above what it holds after its imports, and whose peak
resident memory (``ru_maxrss``) is compared with its value before the loads.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

import webnnpy  # noqa: E402
from webnnpy.models import onnx as wonnx  # noqa: E402
from webnnpy.models.onnx import OnnxImportError, folding  # noqa: E402
from webnnpy.models.onnx.folding import fold_bytes  # noqa: E402


def _model(nodes, inits, out_type=TensorProto.FLOAT) -> bytes:
    g = helper.make_graph(
        nodes, "hostile", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])],
        [helper.make_tensor_value_info("y", out_type, None)], initializer=inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])
    m.ir_version = 8
    return m.SerializeToString()


def _constant_of_shape(shape: list[int], value: float = 1.0) -> bytes:
    return _model([
        helper.make_node("ConstantOfShape", ["s"], ["c"], name="huge",
                         value=numpy_helper.from_array(np.array([value], np.float32))),
        helper.make_node("ReduceSum", ["c"], ["r"], keepdims=0),
        helper.make_node("Add", ["r", "x"], ["y"]),
    ], [numpy_helper.from_array(np.array(shape, np.int64), "s")])


def _range(limit: int) -> bytes:
    return _model([
        helper.make_node("Range", ["a", "b", "d"], ["c"], name="long"),
        helper.make_node("ReduceSum", ["c"], ["r"], keepdims=0),
        helper.make_node("Cast", ["r"], ["rf"], to=TensorProto.FLOAT),
        helper.make_node("Add", ["rf", "x"], ["y"]),
    ], [numpy_helper.from_array(np.array(v, np.int64), n)
        for n, v in (("a", 0), ("b", limit), ("d", 1))])


def _expand(shape: list[int]) -> bytes:
    return _model([
        helper.make_node("Expand", ["one", "s"], ["c"], name="wide"),
        helper.make_node("ReduceSum", ["c"], ["r"], keepdims=0),
        helper.make_node("Add", ["r", "x"], ["y"]),
    ], [numpy_helper.from_array(np.array([1.0], np.float32), "one"),
        numpy_helper.from_array(np.array(shape, np.int64), "s")])


def _eye_like(shape: list[int]) -> bytes:
    g = helper.make_graph(
        [helper.make_node("EyeLike", ["x"], ["e"], name="eye"),
         helper.make_node("Add", ["e", "x"], ["y"])], "hostile",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, shape)],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])
    m.ir_version = 8
    return m.SerializeToString()


HOSTILE = {
    "cos_20000": _constant_of_shape([20000, 20000]),
    "cos_60000": _constant_of_shape([60000, 60000]),
    "range_3e9": _range(3_000_000_000),
    "expand_20000": _expand([20000, 20000]),
    "expand_60000": _expand([60000, 60000]),
    # EyeLike's handler builds np.eye of its (runtime) input's declared shape
    "eye_20000": _eye_like([20000, 20000]),
}

_CHILD = textwrap.dedent("""
    import json, resource, sys
    import numpy as np
    import webnnpy
    from webnnpy.models import onnx as wonnx
    from webnnpy.models.onnx import OnnxImportError
    models = {k: bytes.fromhex(v) for k, v in json.loads(sys.stdin.read()).items()}
    ctx = webnnpy.ml.create_context(backend="numpy")
    wonnx.load(models.pop("warmup"), context=ctx)  # imports onnx.reference etc.
    with open("/proc/self/status") as f:
        vm = {l.split(":")[0]: int(l.split()[1]) for l in f if l.startswith("Vm")}
    cap = vm["VmSize"] * 1024 + 2**30
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    results = {}
    for name, data in models.items():
        try:
            wonnx.load(data, context=ctx)
            results[name] = ["ok", ""]
        except OnnxImportError as e:
            results[name] = ["OnnxImportError", str(e)]
        except BaseException as e:  # what the test must not see
            results[name] = [type(e).__name__, str(e)[:300]]
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"results": results, "grew_kib": after - before}))
""")


def test_d5_hostile_declared_sizes_load_in_bounded_memory():
    models = {"warmup": _constant_of_shape([4, 4]), **HOSTILE}
    proc = subprocess.run([sys.executable, "-c", _CHILD], check=False,
                          input=json.dumps({k: v.hex() for k, v in models.items()}),
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    results = report["results"]
    for name in ("cos_20000", "cos_60000", "range_3e9", "eye_20000"):
        kind, message = results[name]
        assert kind == "OnnxImportError", (name, kind, message)
    assert "'huge'" in results["cos_20000"][1] and "ConstantOfShape" in results["cos_20000"][1]
    assert "1.5 GiB" in results["cos_20000"][1]  # 4e8 float32 values
    assert "'long'" in results["range_3e9"][1] and "22.4 GiB" in results["range_3e9"][1]
    assert "'eye'" in results["eye_20000"][1] and "1.5 GiB" in results["eye_20000"][1]
    # Expand maps to a WebNN operator: left to run time, nothing allocated
    # now; past WebNN's element limit the builder's own error says so
    assert results["expand_20000"] == ["ok", ""]
    kind, message = results["expand_60000"]
    assert kind == "OnnxImportError" and "'wide'" in message, (kind, message)
    assert report["grew_kib"] < 200 * 1024, report


@pytest.fixture(scope="module")
def ctx() -> webnnpy.MLContext:
    c = webnnpy.ml.create_context(backend="numpy")
    yield c
    c.destroy()


def test_d5_folding_under_the_budget_still_folds_and_computes(ctx):
    x = np.array([0.5], np.float32)
    m = wonnx.load(_constant_of_shape([300, 300], 2.0), context=ctx)
    np.testing.assert_array_equal(m.run({"x": x})["y"], np.float32(2.0 * 300 * 300 + 0.5))
    m = wonnx.load(_range(1000), context=ctx)
    np.testing.assert_array_equal(m.run({"x": x})["y"], np.float32(999 * 1000 // 2 + 0.5))
    m = wonnx.load(_expand([300, 300]), context=ctx)
    np.testing.assert_array_equal(m.run({"x": x})["y"], np.float32(300 * 300 + 0.5))


def test_d5_over_budget_results_run_as_webnn_ops_or_are_refused(ctx, monkeypatch):
    monkeypatch.setattr(folding, "FOLD_BUDGET", 1024)
    # 100 x 100 float32 is 40000 bytes, over a 1 KiB budget: Expand is not
    # folded but becomes WebNN's expand, computed at run time
    m = wonnx.load(_expand([100, 100]), context=ctx)
    x = np.array([0.5], np.float32)
    np.testing.assert_array_equal(m.run({"x": x})["y"], np.float32(100 * 100 + 0.5))
    # ConstantOfShape's handler would build the array at import: refused
    with pytest.raises(OnnxImportError, match=r"'huge'.*39.1 KiB"):
        wonnx.load(_constant_of_shape([100, 100]), context=ctx)


def test_d5_fold_bytes_tells_sizes_without_evaluating():
    node = helper.make_node("ConstantOfShape", ["s"], ["c"])
    spec = (TensorProto.INT64, (2,), np.array([60000, 60000], np.int64))
    assert fold_bytes(node, [spec], {"": 17}) == 60000 * 60000 * 4
    rng = helper.make_node("Range", ["a", "b", "d"], ["c"])
    specs = [(TensorProto.INT64, (), np.array(v, np.int64)) for v in (0, 3_000_000_000, 2)]
    assert fold_bytes(rng, specs, {"": 17}) == 1_500_000_000 * 8
    tile = helper.make_node("Tile", ["t", "r"], ["c"])
    specs = [(TensorProto.FLOAT, (2, 3), np.zeros((2, 3), np.float32)),
             (TensorProto.INT64, (2,), np.array([1000, 10], np.int64))]
    assert fold_bytes(tile, specs, {"": 17}) == 2000 * 30 * 4
    # an outer product by broadcasting: from the inputs' shapes alone
    add = helper.make_node("Add", ["a", "b"], ["c"])
    specs = [(TensorProto.FLOAT, (50000, 1), None), (TensorProto.FLOAT, (1, 50000), None)]
    size = fold_bytes(add, specs, {"": 17})
    assert size is not None and size >= 50000 * 50000 * 4


def test_d5_error_is_an_onnx_import_error(ctx):
    with pytest.raises(OnnxImportError, match=r"'huge'.*ConstantOfShape.*GiB"):
        wonnx.load(_constant_of_shape([20000, 20000]), context=ctx)


def test_d5_many_nodes_under_the_budget_do_not_add_up(ctx, monkeypatch):
    from webnnpy.models.onnx import importer

    monkeypatch.setattr(folding, "FOLD_BUDGET", 64 * 1024)
    monkeypatch.setattr(importer, "FOLD_TOTAL_BUDGET", 128 * 1024)
    nodes, inits, sums = [], [numpy_helper.from_array(np.array([100, 100], np.int64), "s")], []
    for i in range(5):  # five 40000-byte constants, each under 64 KiB
        nodes += [helper.make_node("ConstantOfShape", ["s"], [f"c{i}"], name=f"big{i}",
                                   value=numpy_helper.from_array(np.ones(1, np.float32))),
                  helper.make_node("ReduceSum", [f"c{i}"], [f"r{i}"], keepdims=0)]
        sums.append(f"r{i}")
    nodes += [helper.make_node("Sum", sums, ["t"]), helper.make_node("Add", ["t", "x"], ["y"])]
    data = _model(nodes, inits)
    # after four folds (160000 bytes > 128 KiB) the fifth is refused
    with pytest.raises(OnnxImportError, match=r"'big4'.*already folded 155.8 KiB"):
        wonnx.load(data, context=ctx)
    monkeypatch.setattr(importer, "FOLD_TOTAL_BUDGET", 256 * 1024)
    m = wonnx.load(data, context=ctx)
    np.testing.assert_array_equal(m.run({"x": np.array([0.5], np.float32)})["y"],
                                  np.float32(5 * 10000 + 0.5))


def test_d5_sparse_initializer_declaring_a_huge_dense_shape_is_refused(ctx):
    values = numpy_helper.from_array(np.array([1.0], np.float32), "w")
    indices = numpy_helper.from_array(np.array([5], np.int64), "w_idx")
    sp = helper.make_sparse_tensor(values, indices, [60000, 60000])
    g = helper.make_graph([helper.make_node("Add", ["w", "x"], ["y"])], "sparse",
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
                          sparse_initializer=[sp])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])
    m.ir_version = 8
    with pytest.raises(OnnxImportError, match=r"sparse initializer 'w'.*13.4 GiB"):
        wonnx.load(m.SerializeToString(), context=ctx)
    # a small one still densifies: value 1 at flat index 5 of a [2, 3]
    small = helper.make_sparse_tensor(values, indices, [2, 3])
    del g.sparse_initializer[:]
    g.sparse_initializer.append(small)
    g.input[0].CopyFrom(helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3]))
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])
    m.ir_version = 8
    out = wonnx.load(m.SerializeToString(), context=ctx).run(
        {"x": np.zeros((2, 3), np.float32)})["y"]
    np.testing.assert_array_equal(out, np.array([[0, 0, 0], [0, 0, 1]], np.float32))
