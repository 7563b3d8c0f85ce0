"""``dims=`` is checked in one place (issue #11 D8): a dim_param maps to a
positive int, an input name to a list of non-negative ints of the input's
rank; anything else is an InvalidDimsError (a TypeError and an
OnnxImportError) naming the key, the value and what was expected."""

from __future__ import annotations

import numpy as np
import pytest
from onnx import TensorProto, helper

from webnnpy.models import onnx as wonnx
from webnnpy.models.onnx.dims import check_dims, free_dims, parse_dims
from webnnpy.models.onnx.errors import InvalidDimsError, OnnxImportError


def _model(shape=("batch", 3)):
    """y = relu(x), x float32 of ``shape`` (str entries are dim_params)."""
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, list(shape))
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, None)
    g = helper.make_graph([helper.make_node("Relu", ["x"], ["y"])], "g", [x], [y])
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])


def test_good_dims_load_and_run():
    m = wonnx.load(_model(), dims={"batch": np.int64(2)})
    assert m.inputs["x"]["shape"] == [2, 3]
    m = wonnx.load(_model(), dims={"x": (4, 3)})
    assert m.inputs["x"]["shape"] == [4, 3]
    out = m.run({"x": -np.ones((4, 3), np.float32)})["y"]
    np.testing.assert_array_equal(out, np.zeros((4, 3), np.float32))


@pytest.mark.parametrize(("dims", "words"), [
    # an int for an input name (issue: 'int' object is not iterable)
    ({"x": 5}, ["input 'x' needs a shape list like [1, 3]", "got 5 (int)"]),
    # a string was iterated character by character
    ({"x": "abc"}, ["input 'x' needs a shape list", "'abc' (str)"]),
    ({"x": [2, 3, 4]}, ["input 'x' has rank 2", "got 3 dimensions"]),
    ({"x": [2, -3]}, ["dimension 1 is -3 (int), not a non-negative integer"]),
    ({"x": [2.0, 3]}, ["dimension 0 is 2.0 (float)"]),
    ({"x": np.zeros((2, 3), np.int64)}, ["a 2-D array"]),
    ({"batch": [2]}, ["free dimension 'batch' needs a positive integer",
                      "[2] (list)"]),
    ({"batch": 0}, ["free dimension 'batch' needs a positive integer", "0 (int)"]),
    ({"batch": True}, ["'batch'", "True (bool)"]),
    ({"batch": "2"}, ["'batch'", "'2' (str)"]),
    ({"bach": 2}, ["'bach' is neither a graph input ('x') nor a free dimension "
                   "('batch')"]),
    ({3: 2}, ["names (str), got 3 (int)"]),
    ([("batch", 2)], ["expected a mapping", "(list)"]),
])
def test_bad_dims_are_named(dims, words):
    with pytest.raises(InvalidDimsError) as info:
        wonnx.load(_model(), dims=dims)
    msg = str(info.value)
    for w in words:
        assert w in msg, (w, msg)
    assert isinstance(info.value, TypeError)
    assert isinstance(info.value, OnnxImportError)


def test_inspect_checks_dims_too():
    with pytest.raises(InvalidDimsError, match="input 'x' needs a shape list"):
        wonnx.inspect(_model(), {"x": 5})


def test_example_shape_follows_the_declared_one():
    m = _model(("n", 3, "h", "w"))
    with pytest.raises(InvalidDimsError) as info:
        check_dims({"x": 1}, m)
    assert "like [1, 3, 1, 1]" in str(info.value)
    assert info.value.example == [1, 3, 1, 1] and info.value.key == "x"
    # without a model (or a declared shape) the example is the generic one
    with pytest.raises(InvalidDimsError, match=r"like \[1, 3, 224, 224\]"):
        check_dims({"x": "abc"})


def test_a_name_that_is_input_and_dim_param_takes_either_form():
    m = _model(("x", 3))
    assert check_dims({"x": 2}, m) == {"x": 2}
    assert check_dims({"x": [2, 3]}, m) == {"x": [2, 3]}


def test_free_dims_lists_each_once():
    m = _model(("batch", 3, None))
    assert free_dims(m) == {"batch": ["x"], "x": ["x"]}
    assert free_dims(_model((2, 3))) == {}


def test_parse_dims():
    assert parse_dims(["batch=2", "x=1,3,8", "s=", "v=5,"]) == {
        "batch": 2, "x": [1, 3, 8], "s": [], "v": [5]}
    for item, words in [("x=abc", "--dim 'x=abc': 'abc' is not an integer"),
                        ("x", "--dim 'x': expected NAME=N"),
                        ("=3", "--dim '=3': expected NAME=N"),
                        ("b=-1", "--dim 'b=-1': the free dimension 'b' needs a "
                                 "positive integer"),
                        ("x=1,,2", "--dim 'x=1,,2': '1,,2' is not")]:
        with pytest.raises(InvalidDimsError) as info:
            parse_dims([item], flag="--dim")
        assert str(info.value).startswith(words), str(info.value)


def test_free_dims_hint_fills_in_given_values():
    from webnnpy.models.onnx.dims import free_dims_hint

    hint = free_dims_hint({"x": ["n", 3, "h"], "z": None}, given={"n": 2})
    assert hint == ("input 'x' [n, 3, h]: pass --dims x=2,3,N or h=N (Python: "
                    "dims={'x': [2, 3, N]} or {'h': N}); input 'z' (no declared "
                    "shape): pass --dims z=N,N,... (Python: dims={'z': [N, N, ...]})")
    # an unnamed free dimension can only be given with the whole shape
    assert free_dims_hint({"x": [None, 3]}, "--dim", python=False) == \
        "input 'x' [?, 3]: pass --dim x=N,3"


def test_inspect_walks_free_dims_at_probe_values():
    """Without dims the nodes are checked at probe values, and shapes that
    follow the free dimensions print by their names."""
    report = wonnx.inspect(_model(("batch", 3)))
    assert report.free_dims == {"batch": ["x"]} and report.probe_dims == {"batch": 2}
    assert report.problems == [] and report.supported
    assert [n.status for n in report.nodes] == ["webnn"]
    assert str(report.inputs[0]) == "x: float[batch, 3]"
    assert str(report.nodes[0].outputs[0]) == "y: float[batch, 3]"
    report = wonnx.inspect(_model(("batch", 3)), {"batch": 2})
    assert report.supported and report.free_dims == {}
    assert str(report.inputs[0]) == "x: float[2x3]"


def test_inspect_without_a_declared_shape_says_once_what_to_pass():
    """An input with no declared shape has no rank to probe: one problem."""
    m = _model(("batch", 3))
    m.graph.input[0].type.tensor_type.ClearField("shape")
    report = wonnx.inspect(m)
    assert report.nodes == [] and report.free_dims == {"x": ["x"]}
    assert len(report.problems) == 1 and "--dims x=N,N,..." in report.problems[0]
    assert not report.supported and report.op_types == {"Relu": 1}


def test_negative_dim_value_is_a_free_dimension():
    """Exporters write dim_value -1 for a dynamic dimension (PaddlePaddle)."""
    from webnnpy.models.onnx.dims import declared_dims, free_dims_hint

    m = _model((-1, 3))
    assert declared_dims(m.graph.input[0]) == [None, 3]
    assert free_dims(m) == {"x": ["x"]}
    assert free_dims_hint({"x": declared_dims(m.graph.input[0])}, python=False) \
        == "input 'x' [?, 3]: pass --dims x=N,3"
    report = wonnx.inspect(m)
    assert report.free_dims == {"x": ["x"]} and report.probe_dims == {"x[0]": 2}
    assert str(report.inputs[0]) == "x: float[x[0], 3]" and report.supported
