"""What a broken or hostile ONNX file declares is checked where the importer
uses it (issue #11): nodes against their op's schema, tensors against their
dims and data type, external data against its file.  Each refusal is an
OnnxImportError naming the node, op, input, attribute or tensor; each
acceptance is checked against values written here by hand."""

from __future__ import annotations

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper
from onnx_testlib import make_model, rand

import webnnpy
from webnnpy.models.onnx import (
    ExternalDataError,
    InvalidModelError,
    InvalidNodeError,
    OnnxImportError,
    inspect,
    load,
)
from webnnpy.models.onnx.cli import run_main
from webnnpy.models.onnx.validate import check_node, sparse_to_array, tensor_to_array

N = helper.make_node


@pytest.fixture(scope="module")
def ctx() -> webnnpy.MLContext:
    return webnnpy.ml.create_context(backend="numpy")


def _raises(exc: type[BaseException], *words: str):
    """A context that expects ``exc`` whose message holds every word."""
    class _Check:
        def __enter__(self):
            self.info = pytest.raises(exc)
            self.got = self.info.__enter__()
            return self

        def __exit__(self, *a):
            handled = self.info.__exit__(*a)
            text = str(self.got.value)
            missing = [w for w in words if w not in text]
            assert not missing, (missing, text)
            return handled
    return _Check()


# ------------------------------------------------------------------ nodes


def test_a_required_input_missing_names_node_op_input_and_signature(ctx):
    m = make_model([N("Gemm", ["a"], ["y"], name="g")], {"a": rand(2, 2)}, ["y"])
    with _raises(InvalidNodeError, "'g'", "Gemm", "input 1 ('B')", "has 1 input",
                 "A, B, [C]"):
        load(m, context=ctx)


def test_an_empty_name_at_a_single_input_is_refused_as_onnx_checker_does(ctx):
    # Resize-11's roi is "single" (not optional) in its schema: ORT refuses "" too
    x = rand(1, 1, 2, 2)
    m = make_model([N("Resize", ["x", "", "s"], ["y"], name="rs")], {"x": x}, ["y"],
                   opset=11, initializers={"s": np.array([1, 1, 2, 2], np.float32)})
    with _raises(InvalidNodeError, "'rs'", "input 1 ('roi')", "empty name"):
        load(m, context=ctx)
    m.graph.output[0].CopyFrom(helper.make_tensor_value_info("y", TensorProto.FLOAT,
                                                              [1, 1, 4, 4]))
    with pytest.raises(onnx.checker.ValidationError, match="marked single"):
        onnx.checker.check_model(m)


def test_empty_optional_inputs_still_load(ctx):
    # Clip's min is optional (""): max 0.5 alone applies
    x = np.array([-2.0, 0.25, 3.0], np.float32)
    m = make_model([N("Clip", ["x", "", "hi"], ["y"])], {"x": x}, ["y"],
                   initializers={"hi": np.array(0.5, np.float32)})
    got = load(m, context=ctx).run({"x": x})["y"]
    np.testing.assert_array_equal(got, np.array([-2.0, 0.25, 0.5], np.float32))


def test_a_variadic_op_with_one_input_loads(ctx):
    x = np.array([1.0, -2.0], np.float32)
    m = make_model([N("Sum", ["x"], ["y"])], {"x": x}, ["y"])
    np.testing.assert_array_equal(load(m, context=ctx).run({"x": x})["y"], x)


def test_a_required_attribute_missing(ctx):
    m = make_model([N("Cast", ["x"], ["y"], name="c")], {"x": rand(3)}, ["y"])
    with _raises(InvalidNodeError, "'c'", "Cast", "required attribute 'to'",
                 "an int", "missing"):
        load(m, context=ctx)


def test_an_attribute_of_another_type_than_the_schema(ctx):
    node = N("Softmax", ["x"], ["y"], name="s", axis=1)
    node.attribute[0].type = onnx.AttributeProto.FLOAT
    node.attribute[0].f = 1.0
    m = make_model([node], {"x": rand(2, 3)}, ["y"])
    with _raises(InvalidNodeError, "'s'", "attribute 'axis'", "is a float",
                 "defines it as an int"):
        load(m, context=ctx)


def test_an_attribute_the_op_version_does_not_define_is_ignored(ctx):
    # Shape-13 has no start/end (Shape-15 does): the fuzzer's 'end' of
    # another type reached the handler (op-mutation 1/183)
    x = rand(2, 3)
    m = make_model([N("Shape", ["x"], ["y"], end=[2, -(2**63)])], {"x": x}, ["y"],
                   opset=13)
    m.graph.node[0].attribute[0].name = "end"
    np.testing.assert_array_equal(load(m, context=ctx).run({"x": x})["y"], [2, 3])


def test_per_axis_attributes_have_one_value_per_spatial_axis(ctx):
    m = make_model([N("MaxPool", ["x"], ["y"], name="mp", kernel_shape=[2, 2],
                      strides=[1, 1, 1])], {"x": rand(1, 1, 4, 4)}, ["y"])
    with _raises(InvalidNodeError, "'mp'", "'strides' [1, 1, 1]", "need 2"):
        load(m, context=ctx)
    m = make_model([N("Conv", ["x", "w"], ["y"], name="cv", strides=[0, 1])],
                   {"x": rand(1, 1, 4, 4)}, ["y"], initializers={"w": rand(1, 1, 2, 2)})
    with _raises(InvalidNodeError, "'cv'", "'strides' [0, 1]", "at least 1"):
        load(m, context=ctx)


def test_inspect_survives_what_crashed_onnx_shape_inference():
    # a GatherND batch_dims of -2**31 crashed onnx.shape_inference (SIGSEGV)
    m = make_model([N("GatherND", ["a", "i"], ["y"], name="g", batch_dims=-(2**31))],
                   {"a": rand(2, 3)}, ["y"],
                   initializers={"i": np.array([[0, 1]], np.int64)})
    (bad,) = inspect(m).unsupported
    assert bad.name == "g" and "'batch_dims'" in bad.reason


def test_inspect_lists_an_invalid_node_and_goes_on():
    m = make_model([N("Einsum", ["x"], ["e"], name="bad"),
                    N("Relu", ["x"], ["y"], name="ok")], {"x": rand(3)}, ["y", "e"])
    report = inspect(m)
    (bad,) = report.unsupported
    assert bad.name == "bad" and "required attribute 'equation'" in bad.reason
    assert [n.status for n in report.nodes] == ["unsupported", "webnn"]


def test_contrib_ops_are_checked_against_their_declared_schema(ctx):
    # ONNX has no schema for com.microsoft ops: the importer declares the
    # ones it maps as ONNX Runtime documents them
    ms = {"com.microsoft": 1}
    m = make_model([N("Gelu", [], ["y"], name="gl", domain="com.microsoft")],
                   {"x": rand(3)}, ["y"], extra_opsets=ms)
    with _raises(InvalidNodeError, "'gl'", "input 0 ('X')", "0 inputs"):
        load(m, context=ctx)
    m = make_model([N("QuickGelu", ["x"], ["y"], name="qg", domain="com.microsoft",
                      alpha="fast")], {"x": rand(3)}, ["y"], extra_opsets=ms)
    with _raises(InvalidNodeError, "'qg'", "'alpha' is a string", "a float"):
        load(m, context=ctx)
    m = make_model([N("MatMulNBits", ["a", "b", "s"], ["y"], name="mm",
                      domain="com.microsoft", K=16, N=2, bits=4)],
                   {"a": rand(2, 16)}, ["y"], extra_opsets=ms,
                   initializers={"b": np.zeros((2, 1, 8), np.uint8),
                                 "s": np.ones(2, np.float32)})
    with _raises(InvalidNodeError, "'mm'", "required attribute 'block_size'"):
        load(m, context=ctx)


def test_node_inputs_past_the_last_name_the_node_and_input():
    from webnnpy.models.onnx.convert import ImportContext, NodeInfo, NodeInputs

    c = webnnpy.ml.create_context(backend="numpy")
    ictx = ImportContext(webnnpy.MLGraphBuilder(c), c, 17)
    ictx.node = NodeInfo(proto=onnx.NodeProto(), name="n", op_type="Op", domain="",
                         version=1, inputs=["a"], outputs=["y"])
    ins = NodeInputs(ictx, [None])
    assert ins[0] is None and ins[-1] is None and ins[1:] == []
    with _raises(InvalidNodeError, "'n'", "input 2 is missing", "1 input"):
        ins[2]


def test_check_node_passes_a_valid_node_and_skips_unknown_ops():
    check_node(N("Add", ["a", "b"], ["c"]), "", 14, "n")
    check_node(N("NoSuchOp", [], []), "", 14, "n")  # no schema: nothing to check
    with _raises(InvalidNodeError, "'n'", "input 0 ('A')"):
        check_node(N("Add", ["", "b"], ["c"]), "", 14, "n")


def test_range_of_non_scalars_and_of_a_zero_step(ctx):
    one = np.array([1.0, 2.0], np.float32)
    m = make_model([N("Range", ["a", "b", "c"], ["r"], name="rg"),
                    N("Add", ["r", "x"], ["y"])], {"x": rand(1)}, ["y"],
                   initializers={"a": one, "b": one, "c": one})
    with _raises(InvalidNodeError, "'rg'", "start ('a') has shape [2]", "scalar"):
        load(m, context=ctx)
    zero = {"a": np.array(0, np.int64), "b": np.array(5, np.int64),
            "c": np.array(0, np.int64)}
    m = make_model([N("Range", ["a", "b", "c"], ["r"], name="rg"),
                    N("Cast", ["r"], ["rf"], to=TensorProto.FLOAT),
                    N("Add", ["rf", "x"], ["y"])], {"x": rand(1)}, ["y"],
                   initializers=zero)
    with _raises(OnnxImportError, "'rg'", "delta 0", "no finite length"):
        load(m, context=ctx)


def test_constant_of_shape_with_a_multi_element_value(ctx):
    value = numpy_helper.from_array(np.array([1.0, 2.0], np.float32))
    m = make_model([N("ConstantOfShape", ["s"], ["c"], name="cs", value=value),
                    N("Add", ["c", "x"], ["y"])], {"x": rand(2)}, ["y"],
                   initializers={"s": np.array([2], np.int64)})
    with _raises(InvalidNodeError, "'cs'", "attribute 'value' has 2 elements"):
        load(m, context=ctx)
    m = make_model([N("ConstantOfShape", ["s"], ["c"], name="cs"),
                    N("Add", ["c", "x"], ["y"])], {"x": rand(2)}, ["y"],
                   initializers={"s": np.array([[2.0]], np.float32)})
    with _raises(InvalidNodeError, "'cs'", "float32[1, 1]", "1-D int64"):
        load(m, context=ctx)


# ---------------------------------------------------------------- tensors


def _tensor(arr: np.ndarray, name: str = "t") -> TensorProto:
    return numpy_helper.from_array(arr, name)


def test_tensor_raw_data_must_match_dims_and_type():
    t = _tensor(np.arange(6, dtype=np.float32).reshape(2, 3))
    np.testing.assert_array_equal(tensor_to_array(t, "initializer 't'"),
                                  [[0, 1, 2], [3, 4, 5]])
    t.dims[0] = 3
    with _raises(InvalidModelError, "initializer 't'", "24 bytes", "float[3, 3]",
                 "need 36"):
        tensor_to_array(t, "initializer 't'")
    t.dims[0] = -2
    with _raises(InvalidModelError, "initializer 't'", "negative"):
        tensor_to_array(t, "initializer 't'")


def test_tensor_typed_field_must_match_dims():
    t = helper.make_tensor("t", TensorProto.INT64, [2, 2], [1, 2, 3, 4])
    np.testing.assert_array_equal(tensor_to_array(t, "x"), [[1, 2], [3, 4]])
    t.dims[1] = 1 << 40  # declared, not allocated
    with _raises(InvalidModelError, "x", "holds 4 values in int64_data", "need"):
        tensor_to_array(t, "x")
    # float16 travels in int32_data, one entry per element
    h = helper.make_tensor("h", TensorProto.FLOAT16, [2], [1.5, -2.0])
    np.testing.assert_array_equal(tensor_to_array(h, "h"),
                                  np.array([1.5, -2.0], np.float16))
    empty = helper.make_tensor("e", TensorProto.FLOAT, [0, 3], [])
    assert tensor_to_array(empty, "e").shape == (0, 3)


@pytest.mark.parametrize(("data_type", "words"), [
    (0, ("UNDEFINED",)), (999, ("999", "does not define"))])
def test_tensor_of_an_undefined_data_type(data_type, words):
    t = _tensor(np.ones(2, np.float32))
    t.data_type = data_type
    with _raises(InvalidModelError, "tensor 't'", *words):
        tensor_to_array(t, "tensor 't'")


def test_a_constant_node_whose_tensor_disagrees_with_its_dims(ctx):
    value = _tensor(np.ones(4, np.float32))
    value.dims[0] = 5
    m = make_model([N("Constant", [], ["c"], name="k", value=value),
                    N("Add", ["c", "x"], ["y"])], {"x": rand(5)}, ["y"])
    with _raises(InvalidNodeError, "'k'", "attribute 'value'", "16 bytes",
                 "need 20"):
        load(m, context=ctx)


def _sparse(values, indices, dims) -> onnx.SparseTensorProto:
    return helper.make_sparse_tensor(_tensor(np.asarray(values), "v"),
                                     _tensor(np.asarray(indices, np.int64), "i"),
                                     dims)


def test_sparse_tensors_densify_and_check_their_indices():
    got = sparse_to_array(_sparse(np.array([5.0, 7.0], np.float32), [1, 4], [2, 3]),
                          "s", 1 << 20)
    np.testing.assert_array_equal(got, [[0, 5, 0], [0, 7, 0]])
    got = sparse_to_array(_sparse(np.array([5.0, 7.0], np.float32),
                                  [[0, 2], [1, 0]], [2, 3]), "s", 1 << 20)
    np.testing.assert_array_equal(got, [[0, 0, 5], [7, 0, 0]])
    with _raises(InvalidModelError, "s", "outside its 6 elements"):
        sparse_to_array(_sparse(np.array([1.0], np.float32), [6], [2, 3]), "s", 1 << 20)
    with _raises(InvalidModelError, "s", "outside its dims"):
        sparse_to_array(_sparse(np.array([1.0], np.float32), [[2, 0]], [2, 3]), "s",
                        1 << 20)
    with _raises(InvalidModelError, "s", "indices of shape [3]"):
        sparse_to_array(_sparse(np.array([1.0], np.float32), [0, 1, 2], [2, 3]), "s",
                        1 << 20)
    with _raises(InvalidModelError, "s", "dense form [1048576, 1048576]"):
        sparse_to_array(_sparse(np.array([1.0], np.float32), [0], [1 << 20, 1 << 20]),
                        "s", 1 << 20)


# ---------------------------------------------------------------- files


def test_bytes_that_are_no_model(ctx):
    with _raises(InvalidModelError, "given as bytes", "not a valid ONNX model"):
        load(b"\x08\x07\x12\x03abc" + b"\xff" * 10, context=ctx)
    with _raises(InvalidModelError, "not a valid ONNX model", "no graph"):
        load(b"", context=ctx)


def test_a_file_that_is_no_model_is_named(tmp_path, ctx):
    p = tmp_path / "broken.onnx"
    m = make_model([N("Relu", ["x"], ["y"])], {"x": rand(3)}, ["y"])
    p.write_bytes(m.SerializeToString()[:-7])
    with _raises(InvalidModelError, "broken.onnx", "not a valid ONNX model"):
        load(p, context=ctx)


def _external_model(tmp_path, entries: dict[str, str], data: bytes):
    w = TensorProto()
    w.name, w.data_type = "w", TensorProto.FLOAT
    w.dims.extend([2, 2])
    w.data_location = TensorProto.EXTERNAL
    for k, v in {"location": "w.bin", **entries}.items():
        e = w.external_data.add()
        e.key, e.value = k, v
    g = helper.make_graph(
        [N("Add", ["x", "w"], ["y"])], "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 2])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 2])],
        initializer=[w])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])
    m.ir_version = 8
    (tmp_path / "w.bin").write_bytes(data)
    path = tmp_path / "m.onnx"
    path.write_bytes(m.SerializeToString())
    return path


def test_external_data_at_an_offset_with_its_length_loads(tmp_path, ctx):
    w = np.array([1.0, 2.0, 3.0, 4.0], np.float32)
    path = _external_model(tmp_path, {"offset": "8", "length": "16"},
                           b"\0" * 8 + w.tobytes() + b"tail")
    got = load(path, context=ctx).run({"x": np.zeros((2, 2), np.float32)})["y"]
    np.testing.assert_array_equal(got, [[1, 2], [3, 4]])


@pytest.mark.parametrize(("entries", "size", "words"), [
    ({"offset": "abc"}, 16, ("offset 'abc'", "not an integer")),
    ({"length": "-1"}, 16, ("length -1", "negative")),
    ({"offset": "4", "length": "16"}, 16, ("length 16 from offset 4", "past the end")),
    ({"length": "12"}, 16, ("12 bytes from offset 0", "float[2, 2]", "need 16")),
    ({}, 20, ("20 bytes from offset 0 to its end", "need 16")),
])
def test_external_data_ranges_are_checked_against_the_file(tmp_path, ctx, entries,
                                                           size, words):
    path = _external_model(tmp_path, entries, b"\0" * size)
    with _raises(ExternalDataError, "tensor 'w'", "'w.bin'", *words):
        load(path, context=ctx)


# ------------------------------------------------------------------ CLI


def test_run_of_an_invalid_file_is_a_user_error(tmp_path, capsys):
    # the file's fault: exit status 2, one line naming the file and the node
    m = make_model([N("Cast", ["x"], ["y"], name="c")], {"x": rand(2)}, ["y"])
    path = tmp_path / "bad.onnx"
    path.write_bytes(m.SerializeToString())
    np.save(tmp_path / "x.npy", rand(2))
    assert run_main([str(path), "--input", f"x={tmp_path / 'x.npy'}",
                     "--backend", "numpy"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "bad.onnx" in err[0] and "'to'" in err[0], err


def test_export_of_an_invalid_file_is_a_user_error(tmp_path, capsys):
    from webnnpy.cli import main

    m = make_model([N("Cast", ["x"], ["y"], name="c")], {"x": rand(2)}, ["y"])
    path = tmp_path / "bad.onnx"
    path.write_bytes(m.SerializeToString())
    assert main(["export", str(path), "--js", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "bad.onnx" in err[0] and "'to'" in err[0], err


def test_shrink_of_an_integer_input_by_an_infinite_lambd(ctx):
    # op-mutation 1300052/32: int(inf) raised in the whole-number check
    m = make_model([N("Shrink", ["x"], ["y"], name="sh", lambd=float("inf"))],
                   {"x": np.array([1, -2, 3], np.int32)}, ["y"])
    with _raises(OnnxImportError, "'sh'", "lambd and bias", "whole numbers"):
        load(m, context=ctx)


def test_a_node_with_more_outputs_than_its_op_has(ctx):
    # ONNX's C++ shape inference wrote past its outputs (LayerNormalization
    # with 4 outputs crashed inspect)
    m = make_model([N("Relu", ["x"], ["y", "z"], name="r")], {"x": rand(3)}, ["y"])
    with _raises(InvalidNodeError, "'r'", "2 outputs", "at most 1"):
        load(m, context=ctx)
    assert "at most 1" in inspect(m).unsupported[0].reason
