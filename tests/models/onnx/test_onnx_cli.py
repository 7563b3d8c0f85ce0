"""``webnnpy inspect`` / ``webnnpy run`` entry points for ONNX models."""

from __future__ import annotations

import numpy as np
import onnx
from onnx import helper
from onnx_testlib import make_model, rand

from webnnpy.models.onnx.cli import inspect_main, parse_dims, run_main

N = helper.make_node


def _save(tmp_path, nodes, inputs, outputs, **kw):
    m = make_model(nodes, inputs, outputs, **kw)
    path = tmp_path / "m.onnx"
    onnx.save(m, str(path))
    return path


def test_parse_dims():
    assert parse_dims(["batch=2", "x=1,3,8"]) == {"batch": 2, "x": [1, 3, 8]}


def test_inspect_main(tmp_path, capsys):
    path = _save(tmp_path, [N("Relu", ["x"], ["y"], name="r")], {"x": rand(2, 3)}, ["y"])
    assert inspect_main([str(path)]) == 0
    out = capsys.readouterr().out
    assert "relu" in out and "can be loaded" in out and "numpy: all of them" in out
    path = _save(tmp_path, [N("TopK", ["x", "k"], ["v", "i"], name="t")],
                 {"x": rand(2, 3)}, ["v"], initializers={"k": np.array([1], np.int64)})
    assert inspect_main([str(path), "--summary"]) == 1
    assert "not supported: node 't' (TopK" in capsys.readouterr().out


def test_inspect_main_free_dims(tmp_path, capsys):
    m = make_model([N("Relu", ["x"], ["y"])], {"x": rand(2, 3)}, ["y"])
    m.graph.input[0].type.tensor_type.shape.dim[0].dim_param = "batch"
    path = tmp_path / "free.onnx"
    onnx.save(m, str(path))
    assert inspect_main([str(path)]) == 0  # checked at a probe value
    out = capsys.readouterr().out
    assert "float[batch, 3]" in out and "nodes checked at batch=2" in out
    assert inspect_main([str(path), "--dims", "batch=4"]) == 0
    assert "float[4x3]" in capsys.readouterr().out


def test_run_main(tmp_path, capsys):
    x = rand(2, 3)
    path = _save(tmp_path, [N("Relu", ["x"], ["y"])], {"x": x}, ["y"])
    np.save(tmp_path / "x.npy", x)
    out_dir = tmp_path / "out"
    assert run_main([str(path), "--input", f"x={tmp_path / 'x.npy'}", "--backend",
                     "numpy", "--output-dir", str(out_dir)]) == 0
    np.testing.assert_array_equal(np.load(out_dir / "y.npy"), np.maximum(x, 0))
    assert "y: float32[2, 3]" in capsys.readouterr().out


def test_run_main_reports_missing_input(tmp_path, capsys):
    path = _save(tmp_path, [N("Relu", ["x"], ["y"])], {"x": rand(2, 3)}, ["y"])
    assert run_main([str(path), "--backend", "numpy"]) == 2
    assert "missing --input for x" in capsys.readouterr().err
