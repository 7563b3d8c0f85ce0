"""Resize/Upsample: mapped exactly when ONNX's sampling is resample2d's."""

from __future__ import annotations

import numpy as np
import pytest
from onnx import helper
from onnx_testlib import make_model, rand

from webnnpy.models.onnx import UnsupportedNodeError, load
from webnnpy.models.onnx.handlers.resize import onnx_sampling, webnn_sampling

N = helper.make_node


@pytest.mark.parametrize("mode,attrs,sizes", [
    ("nearest", {}, [1, 1, 6, 9]),
    ("nearest", {}, [1, 1, 2, 2]),
    ("linear", {}, [1, 1, 8, 4]),
    ("linear", {}, [1, 1, 3, 5]),
    ("nearest", {"coordinate_transformation_mode": "asymmetric",
                 "nearest_mode": "floor"}, [1, 1, 6, 9]),
    ("linear", {"coordinate_transformation_mode": "pytorch_half_pixel"}, [1, 1, 6, 6]),
])
def test_resize_sizes(check, mode, attrs, sizes):
    x = rand(1, 1, 3, 3)
    check([N("Resize", ["x", "", "", "s"], ["y"], mode=mode, **attrs)], {"x": x}, ["y"],
          opset=13, initializers={"s": np.array(sizes, np.int64)}, rtol=1e-5)


def test_resize_scales_and_axes(check):
    x = rand(2, 3, 4, 4)
    check([N("Resize", ["x", "", "sc"], ["y"], mode="linear", axes=[2, 3])],
          {"x": x}, ["y"], opset=18, initializers={"sc": np.array([2.0, 0.5],
                                                                  np.float32)})


def test_resize_rank3(check):
    check([N("Resize", ["x", "", "", "s"], ["y"], mode="nearest")],
          {"x": rand(2, 3, 4)}, ["y"], opset=13,
          initializers={"s": np.array([2, 6, 8], np.int64)})


def test_upsample(check):
    check([N("Upsample", ["x", "s"], ["y"], mode="nearest")], {"x": rand(1, 2, 2, 3)},
          ["y"], opset=9, initializers={"s": np.array([1, 1, 2, 3], np.float32)})


@pytest.mark.parametrize("attrs,reason", [
    ({"mode": "cubic"}, "cubic"),
    ({"mode": "linear", "coordinate_transformation_mode": "align_corners"},
     "align_corners.*differently"),
    ({"mode": "nearest", "nearest_mode": "ceil"}, "ceil.*differently"),
])
def test_resize_rejected_with_reason(ref_ctx, attrs, reason):
    x = rand(1, 1, 4, 4)
    m = make_model([N("Resize", ["x", "", "", "s"], ["y"], **attrs)], {"x": x}, ["y"],
                   opset=13, initializers={"s": np.array([1, 1, 8, 8], np.int64)})
    with pytest.raises(UnsupportedNodeError, match=reason):
        load(m, context=ref_ctx)


def test_sampling_matrices():
    # integer upscales: asymmetric + floor samples exactly like half-pixel
    for f in (2, 3, 4):
        a = onnx_sampling("nearest", "asymmetric", 5, 5 * f, float(f), "floor")
        assert np.array_equal(a, webnn_sampling("nearest", 5, 5 * f))
    b = onnx_sampling("linear", "half_pixel", 4, 7, 7 / 4, "round_prefer_floor")
    assert np.allclose(b, webnn_sampling("linear", 4, 7))
    c = onnx_sampling("linear", "align_corners", 4, 7, 7 / 4, "round_prefer_floor")
    assert not np.allclose(c, webnn_sampling("linear", 4, 7))


def test_resize_opset10_and_upsample7_nearest():
    # (onnx.reference runs neither): asymmetric coordinates, nearest rounds down:
    # an integer upscale repeats each element
    x = rand(1, 2, 3, 4)
    want = x.repeat(2, axis=2).repeat(2, axis=3)
    m = make_model([N("Resize", ["x", "s"], ["y"], mode="nearest")], {"x": x}, ["y"],
                   opset=10, initializers={"s": np.array([1, 1, 2, 2], np.float32)})
    np.testing.assert_array_equal(load(m).run({"x": x})["y"], want)
    m = make_model([N("Upsample", ["x"], ["y"], scales=[1.0, 1.0, 2.0, 2.0])],
                   {"x": x}, ["y"], opset=7)
    np.testing.assert_array_equal(load(m).run({"x": x})["y"], want)


def test_resize_opset10_linear_is_asymmetric_and_rejected(ref_ctx):
    x = rand(1, 2, 3, 4)
    m = make_model([N("Resize", ["x", "s"], ["y"], mode="linear")], {"x": x}, ["y"],
                   opset=10, initializers={"s": np.array([1, 1, 2, 2], np.float32)})
    with pytest.raises(UnsupportedNodeError, match="asymmetric"):
        load(m, context=ref_ctx)
