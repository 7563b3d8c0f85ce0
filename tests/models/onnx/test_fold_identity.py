"""Identity of a constant (exporters wrap weights in one) folds without
onnx.reference: the value is the constant itself, and a model that folds
nothing else never imports the evaluator (0.1 s of a fresh load)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from webnnpy.models.onnx import load


def _model(tmp_path):
    w = np.arange(6, dtype=np.float32).reshape(2, 3)
    g = helper.make_graph(
        [helper.make_node("Identity", ["w"], ["w2"]),
         helper.make_node("Identity", ["w2"], ["w3"]),
         helper.make_node("Add", ["x", "w3"], ["y"])], "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 3])],
        initializer=[numpy_helper.from_array(w, "w")])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])
    m.ir_version = 8
    path = tmp_path / "m.onnx"
    onnx.save(m, str(path))
    return path, w


def test_identity_of_a_constant_folds_to_it(tmp_path, ref_ctx):
    path, w = _model(tmp_path)
    x = np.full((2, 3), 0.5, np.float32)
    m = load(path, context=ref_ctx)
    np.testing.assert_array_equal(m.run({"x": x})["y"], x + w)
    assert [n.op for n in m.graph._ir.nodes] == ["add"]


def test_identity_folds_without_importing_onnx_reference(tmp_path):
    path, _ = _model(tmp_path)
    code = ("import sys; import webnnpy as w; from webnnpy.models.onnx import load;"
            f"load({str(path)!r}, context=w.ml.create_context(backend='numpy'));"
            "print('onnx.reference' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True,
                         text=True, check=True).stdout.strip()
    assert out == "False"
