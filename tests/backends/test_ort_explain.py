"""The fusion diagnostic (``webnnpy bench MODEL --explain``) on small models
whose ONNX Runtime optimizations are known: Conv followed by Relu fuses into
one com.microsoft FusedConv; Conv followed by an element-wise Max with 0 (the
same function) does not."""

from __future__ import annotations

import numpy as np
import pytest

ort = pytest.importorskip("onnxruntime")
onnx = pytest.importorskip("onnx")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

from webnnpy.backends.onnxruntime.explain import (  # noqa: E402
    explain,
    format_explain,
    optimized_op_counts,
)


def _conv_model(act: str) -> onnx.ModelProto:
    w = numpy_helper.from_array(
        np.random.default_rng(0).standard_normal((8, 3, 3, 3)).astype(np.float32),
        "w")
    nodes = [helper.make_node("Conv", ["x", "w"], ["c"], pads=[1, 1, 1, 1])]
    if act == "relu":
        nodes.append(helper.make_node("Relu", ["c"], ["y"]))
    else:
        zero = numpy_helper.from_array(np.zeros((), np.float32), "zero")
        nodes.append(helper.make_node("Max", ["c", "zero"], ["y"]))
    g = helper.make_graph(
        nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT,
                                                   [1, 3, 16, 16])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 8, 16, 16])],
        initializer=[w] + ([] if act == "relu" else [zero]))
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])
    m.ir_version = 8
    return m


def _basic() -> ort.SessionOptions:
    # no layout transformation (NCHWc), so that the fusion alone shows
    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED
    return so


def test_counts_show_the_conv_relu_fusion():
    fused = optimized_op_counts(_conv_model("relu"), _basic, ["CPUExecutionProvider"])
    assert fused == {"FusedConv [ms]": 1}
    plain = optimized_op_counts(_conv_model("max"), _basic, ["CPUExecutionProvider"])
    assert plain == {"Conv": 1, "Max": 1}


def test_explain_table_names_the_lost_fusion():
    x = np.ones((1, 3, 16, 16), np.float32)
    e = explain(_conv_model("relu"), _conv_model("max"), {"x": x}, {"x": x},
                session_options=_basic, runs=3)
    assert e.native.error is None and e.webnnpy.error is None
    assert e.native.counts["FusedConv [ms]"] == 1
    assert e.webnnpy.counts["Max"] == 1
    # the profiler saw one kernel per node on each side
    assert set(e.native.time_us) == {"FusedConv"}
    assert set(e.webnnpy.time_us) == {"Conv", "Max"}
    assert all(t > 0 for t in (*e.native.time_us.values(), *e.webnnpy.time_us.values()))
    table = format_explain(e)
    rows = {line.split("|")[1].strip(): line for line in table.splitlines()
            if line.startswith("| ") and not line.startswith("| op type")}
    assert rows["FusedConv"].split("|")[2].strip() == "1 (ms 1)"
    assert rows["Max"].split("|")[2:4] == [" 0 ", " 1 "]
    assert "**total**" in table


def test_explain_reports_a_model_that_fails():
    x = np.ones((1, 3, 16, 16), np.float32)
    broken = _conv_model("relu")
    broken.graph.node[0].op_type = "NoSuchOp"
    e = explain(_conv_model("relu"), broken, {"x": x}, {"x": x},
                session_options=_basic, runs=1)
    assert e.native.error is None
    assert e.webnnpy.error is not None and "NoSuchOp" in e.webnnpy.error
    assert "webnnpy: failed:" in format_explain(e)


def test_bench_explain_command(tmp_path, capsys):
    from webnnpy.bench import bench_main

    path = tmp_path / "m.onnx"
    onnx.save(_conv_model("relu"), str(path))
    assert bench_main([str(path), "--explain", "--iters", "2"]) == 0
    out = capsys.readouterr().out
    assert "native nodes" in out and "webnnpy nodes" in out
    # webnnpy's relu lowers to Relu, which ONNX Runtime fuses into the (NCHWc)
    # Conv as it does natively: no Relu node is left on either side
    rows = {line.split("|")[1].strip(): [c.strip() for c in line.split("|")[2:4]]
            for line in out.splitlines() if line.startswith("| ")}
    assert "Relu" not in rows
    assert rows["Conv"][0] == rows["Conv"][1] == "1 (ms.nchwc 1)"


def test_bench_unnamed_free_dimension_hint_works(tmp_path, capsys):
    # an input whose dimension is free and has no name can only be fixed by
    # its whole shape: the error says so, and the shape it suggests runs
    from webnnpy.bench import bench_main

    path = tmp_path / "m.onnx"
    g = helper.make_graph(
        [helper.make_node("Relu", ["x"], ["y"])], "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [None, 5])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [None, 5])])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])
    m.ir_version = 8
    onnx.save(m, str(path))
    assert bench_main([str(path), "--iters", "2"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["webnnpy bench: input 'x' dimension 0 is free and unnamed; "
                   "pass the input's shape: --dims x=N,5"]
    assert bench_main([str(path), "--iters", "2", "--rounds", "1",
                       "--dims", "x=3,5"]) == 0
