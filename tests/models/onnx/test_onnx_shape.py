"""Shape and layout handlers, and the import-time ops, against onnx.reference."""

from __future__ import annotations

import numpy as np
import pytest
from onnx import TensorProto, helper
from onnx_testlib import make_model, rand

from webnnpy.models.onnx import load

N = helper.make_node
I64 = np.int64


@pytest.mark.parametrize("shape", [[0, -1], [2, 0, 4], [-1], [4, 3, 2]])
def test_reshape(check, shape):
    x = rand(4, 3, 2)
    check([N("Reshape", ["x", "s"], ["y"])], {"x": x}, ["y"],
          initializers={"s": np.array(shape, I64)})


def test_reshape_legacy_attribute():
    x = rand(4, 3, 2)
    m = make_model([N("Reshape", ["x"], ["y"], shape=[6, 4])], {"x": x}, ["y"],
                   opset=4)
    np.testing.assert_array_equal(load(m).run({"x": x})["y"], x.reshape(6, 4))


@pytest.mark.parametrize("axis", [0, 1, 2, -1])
def test_flatten(check, axis):
    check([N("Flatten", ["x"], ["y"], axis=axis)], {"x": rand(2, 3, 4)}, ["y"])


@pytest.mark.parametrize("opset", [11, 13])
def test_squeeze_unsqueeze(check, opset):
    x = rand(1, 3, 1, 4)
    if opset >= 13:
        nodes = [N("Squeeze", ["x", "a"], ["s"]), N("Unsqueeze", ["s", "b"], ["y"])]
        init = {"a": np.array([0, -2], I64), "b": np.array([1, -1], I64)}
    else:
        nodes = [N("Squeeze", ["x"], ["s"], axes=[0, -2]),
                 N("Unsqueeze", ["s"], ["y"], axes=[1, -1])]
        init = {}
    check(nodes, {"x": x}, ["s", "y"], opset=opset, initializers=init)


def test_squeeze_all_ones(check):
    check([N("Squeeze", ["x"], ["y"])], {"x": rand(1, 3, 1)}, ["y"])


@pytest.mark.parametrize("perm", [None, [1, 0, 2], [2, 0, 1]])
def test_transpose(check, perm):
    attrs = {} if perm is None else {"perm": perm}
    check([N("Transpose", ["x"], ["y"], **attrs)], {"x": rand(2, 3, 4)}, ["y"])


def test_concat_with_constant_and_empty_pieces(check):
    x = rand(2, 3)
    check([N("Concat", ["x", "c", "e"], ["y"], axis=0)], {"x": x}, ["y"],
          initializers={"c": rand(1, 3), "e": np.zeros((0, 3), np.float32)})


@pytest.mark.parametrize("opset,attrs,split", [
    (13, {}, [1, 3, 2]), (11, {"split": [2, 4]}, None), (18, {"num_outputs": 3}, None),
    (13, {}, None)])
def test_split(check, opset, attrs, split):
    x = rand(2, 6)
    n_out = len(split) if split else len(attrs.get("split", [])) or \
        attrs.get("num_outputs", 2)
    outs = [f"o{i}" for i in range(n_out)]
    ins = ["x", "s"] if split else ["x"]
    init = {"s": np.array(split, I64)} if split else {}
    check([N("Split", ins, outs, axis=1, **attrs)], {"x": x}, outs, opset=opset,
          initializers=init)


def test_split_uneven_num_outputs(check):
    check([N("Split", ["x"], ["a", "b", "c"], axis=0, num_outputs=3)],
          {"x": rand(7, 2)}, ["a", "b", "c"], opset=18)


@pytest.mark.parametrize("starts,ends,axes,steps", [
    ([1, 0], [3, 10], [0, 1], [1, 2]),
    ([-1], [-1000], [1], [-1]),
    ([4, 2], [0, 0], [0, 1], [-2, -1]),
    ([0], [2**62], [2], None),
])
def test_slice(check, starts, ends, axes, steps):
    x = rand(5, 6, 3)
    init = {"st": np.array(starts, I64), "en": np.array(ends, I64),
            "ax": np.array(axes, I64)}
    ins = ["x", "st", "en", "ax"]
    if steps is not None:
        init["sp"] = np.array(steps, I64)
        ins.append("sp")
    check([N("Slice", ins, ["y"])], {"x": x}, ["y"], initializers=init)


def test_slice_legacy(check):
    check([N("Slice", ["x"], ["y"], starts=[1], ends=[3], axes=[1])],
          {"x": rand(2, 5)}, ["y"], opset=9)


@pytest.mark.parametrize("shape", [[2, 1, 3], [3, 1], [1, 1, 1, 3]])
def test_expand(check, shape):
    check([N("Expand", ["x", "s"], ["y"])], {"x": rand(3, 1)}, ["y"],
          initializers={"s": np.array(shape, I64)})


def test_tile(check):
    check([N("Tile", ["x", "r"], ["y"])], {"x": rand(2, 3)}, ["y"],
          initializers={"r": np.array([2, 3], I64)})


@pytest.mark.parametrize("mode", ["constant", "reflect", "edge", "wrap"])
def test_pad_modes(check, mode):
    x = rand(1, 2, 4, 5)
    opset = 19 if mode == "wrap" else 18
    check([N("Pad", ["x", "p", "v"], ["y"], mode=mode)], {"x": x}, ["y"], opset=opset,
          initializers={"p": np.array([0, 0, 1, 2, 0, 0, 2, 1], I64),
                        "v": np.float32(1.5)})


def test_pad_axes_and_negative():
    # axis 0: 1 before, 0 after; axis 2: crop 1 before, pad 2 after
    x = rand(3, 4, 5)
    m = make_model([N("Pad", ["x", "p", "", "a"], ["y"])], {"x": x}, ["y"], opset=18,
                   initializers={"p": np.array([1, -1, 0, 2], I64),
                                 "a": np.array([0, 2], I64)})
    want = np.pad(x[:, :, 1:], ((1, 0), (0, 0), (0, 2)))
    np.testing.assert_array_equal(load(m).run({"x": x})["y"], want)


def test_pad_legacy(check):
    check([N("Pad", ["x"], ["y"], pads=[1, 0, 0, 1], value=2.0)], {"x": rand(2, 2)},
          ["y"], opset=2)


@pytest.mark.parametrize("mode", ["DCR", "CRD"])
def test_depth_to_space(check, mode):
    check([N("DepthToSpace", ["x"], ["y"], blocksize=2, mode=mode)],
          {"x": rand(1, 8, 2, 3)}, ["y"], opset=13)


def test_space_to_depth(check):
    check([N("SpaceToDepth", ["x"], ["y"], blocksize=2)], {"x": rand(1, 2, 4, 6)}, ["y"])


@pytest.mark.parametrize("upper,k", [(1, 0), (0, 1), (1, -1)])
def test_trilu(check, upper, k):
    check([N("Trilu", ["x", "k"], ["y"], upper=upper)], {"x": rand(2, 4, 5)}, ["y"],
          opset=14, initializers={"k": np.array(k, I64)})


def test_shape_ops_fold_to_constants(ref_ctx):
    # Shape -> Gather -> Concat -> Reshape, ConstantOfShape, Range, Size: all
    # computed at import; the WebNN graph is one reshape plus an add
    x = rand(2, 3, 4)
    nodes = [
        N("Shape", ["x"], ["s"]),
        N("Gather", ["s", "i0"], ["d0"], axis=0),
        N("Concat", ["d0", "m1"], ["target"], axis=0),
        N("Reshape", ["x", "target"], ["r"]),
        N("Shape", ["r"], ["rs"]),
        N("ConstantOfShape", ["rs"], ["ones"],
          value=helper.make_tensor("v", TensorProto.FLOAT, [1], [1.0])),
        N("Add", ["r", "ones"], ["y"]),
        N("Size", ["x"], ["n"]),
        N("Range", ["z", "n", "one"], ["rng"]),
    ]
    init = {"i0": np.array([0], I64), "m1": np.array([-1], I64),
            "z": np.array(0, I64), "one": np.array(1, I64)}
    m = make_model(nodes, {"x": x}, ["y", "rng"], initializers=init)
    imported = load(m, context=ref_ctx)
    got = imported.run({"x": x})
    np.testing.assert_allclose(got["y"], x.reshape(2, 12) + 1)
    np.testing.assert_array_equal(got["rng"], np.arange(24))
    from webnnpy.models.onnx import inspect
    report = inspect(m)
    kinds = {n.op_type: n.status for n in report.nodes}
    assert kinds["Shape"] == kinds["ConstantOfShape"] == kinds["Range"] == "constant"
    assert report.webnn_ops() == {"reshape": 1, "add": 1}


def test_eye_like(check):
    check([N("EyeLike", ["x"], ["y"], k=1)], {"x": rand(3, 4)}, ["y"])


def test_dims_fix_free_dimensions(ref_ctx):
    x = rand(2, 3)
    m = make_model([N("Relu", ["x"], ["y"])], {"x": x}, ["y"])
    m.graph.input[0].type.tensor_type.shape.dim[0].dim_param = "batch"
    # without dims the free dimension stays symbolic: fixed by each run
    dynamic = load(m, context=ref_ctx)
    assert dynamic.graph is None and dynamic.input_shapes == {"x": ["batch", 3]}
    np.testing.assert_array_equal(dynamic.run({"x": x})["y"], np.maximum(x, 0))
    got = load(m, context=ref_ctx, dims={"batch": 2}).run({"x": x})["y"]
    np.testing.assert_array_equal(got, np.maximum(x, 0))
    got = load(m, context=ref_ctx, dims={"x": [5, 3]}).run({"x": rand(5, 3)})["y"]
    assert got.shape == (5, 3)
