"""External data must stay inside the model's folder, checked by webnnpy
itself (issue #11: not left to whichever onnx version is installed)."""

from __future__ import annotations

import os

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

from webnnpy.models.onnx import OnnxImportError, load
from webnnpy.models.onnx.errors import UnsupportedModelError


def _model_with_external(location: str) -> onnx.ModelProto:
    w = TensorProto()
    w.name = "w"
    w.data_type = TensorProto.FLOAT
    w.dims.extend([2, 2])
    w.data_location = TensorProto.EXTERNAL
    for k, v in (("location", location), ("offset", "0"), ("length", "16")):
        e = w.external_data.add()
        e.key, e.value = k, v
    g = helper.make_graph([helper.make_node("Add", ["x", "w"], ["y"])], "g",
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 2])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 2])],
                          initializer=[w])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])
    m.ir_version = 8
    return m


def _save(tmp_path, location):
    d = tmp_path / "model"
    d.mkdir(exist_ok=True)
    path = d / "m.onnx"
    path.write_bytes(_model_with_external(location).SerializeToString())
    return d, path


def test_external_data_inside_the_folder_loads(tmp_path, ref_ctx):
    d, path = _save(tmp_path, "weights/w.bin")
    (d / "weights").mkdir()
    (d / "weights" / "w.bin").write_bytes(np.arange(4, dtype=np.float32).tobytes())
    x = np.ones((2, 2), np.float32)
    got = load(path, context=ref_ctx).run({"x": x})["y"]
    np.testing.assert_array_equal(got, [[1, 2], [3, 4]])


@pytest.mark.parametrize(("location", "says"), [
    ("../secret.bin", "outside the model's folder"),
    ("weights/../../secret.bin", "outside the model's folder"),
    ("/etc/hostname", "not a path relative"),
    ("", "not a path relative"),
    ("absent.bin", "does not exist"),
])
def test_external_data_outside_or_missing_is_refused(tmp_path, location, says):
    _d, path = _save(tmp_path, location)
    (tmp_path / "secret.bin").write_bytes(b"\0" * 16)
    with pytest.raises(UnsupportedModelError, match=says) as e:
        load(path)
    assert isinstance(e.value, OnnxImportError)
    assert "'w'" in str(e.value)


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symbolic links")
def test_external_data_through_a_symlink_out_is_refused(tmp_path):
    d, path = _save(tmp_path, "link.bin")
    (tmp_path / "secret.bin").write_bytes(b"\0" * 16)
    os.symlink(tmp_path / "secret.bin", d / "link.bin")
    with pytest.raises(UnsupportedModelError, match="outside the model's folder"):
        load(path)


def test_bytes_with_base_dir_are_checked_too(tmp_path):
    d, _ = _save(tmp_path, "../secret.bin")
    (tmp_path / "secret.bin").write_bytes(b"\0" * 16)
    with pytest.raises(UnsupportedModelError, match="outside"):
        load(_model_with_external("../secret.bin").SerializeToString(), base_dir=d)
