"""Validation and shape inference of matmul, gemm, batchNormalization,
instanceNormalization and layerNormalization: one negative test per step of
each op's method steps, plus positive shape/attribute checks (no run)."""

from __future__ import annotations

import numpy as np
import pytest

import webnnpy
from helpers import type_error


def _in(b, name, shape, dtype="float32"):
    return b.input(name, {"data_type": dtype, "shape": list(shape)})


def _attrs(operand):
    """The normalized attributes the builder recorded for ``operand``."""
    return operand._value.producer.attrs


def _f16(v: float) -> float:
    return float(np.float16(v))


# ====================================================================== matmul


def test_matmul_shapes(builder):
    b = builder
    cases = [
        ([2, 3], [3, 4], [2, 4]),
        ([5, 1, 2, 3], [4, 3, 2], [5, 4, 2, 2]),
        ([2, 3], [7, 3, 4], [7, 2, 4]),
        ([7, 2, 3], [3, 1], [7, 2, 1]),
        ([1, 1, 1, 1, 1, 1, 2, 3], [3, 4], [1, 1, 1, 1, 1, 1, 2, 4]),
    ]
    for i, (sa, sb, want) in enumerate(cases):
        out = b.matmul(_in(b, f"a{i}", sa), _in(b, f"b{i}", sb))
        assert out.shape == tuple(want) and out.data_type == "float32"
        assert _attrs(out) == {}
    out = b.matmul(_in(b, "h1", [2, 2], "float16"), _in(b, "h2", [2, 2], "float16"))
    assert out.data_type == "float16"


def test_matmul_operand_from_another_builder(builder, ref_context):
    other = webnnpy.MLGraphBuilder(ref_context)
    with type_error("matmul", "b", "another MLGraphBuilder"):
        builder.matmul(_in(builder, "a", [2, 2]), _in(other, "b", [2, 2]))


@pytest.mark.parametrize("dtype", ["int32", "uint8", "int64"])
def test_matmul_a_data_type(builder, dtype):
    b = builder
    with type_error("matmul", "a", dtype, "float32, float16"):
        b.matmul(_in(b, "a", [2, 2], dtype), _in(b, "b", [2, 2], dtype))


def test_matmul_b_data_type_must_match_a(builder):
    b = builder
    with type_error("matmul", "b", "float16", "a", "float32"):
        b.matmul(_in(b, "a", [2, 2]), _in(b, "b", [2, 2], "float16"))


@pytest.mark.parametrize(("sa", "sb", "bad"), [
    ([3], [3, 2], "a"), ([], [3, 2], "a"), ([2, 3], [3], "b"),
])
def test_matmul_rank_below_2(builder, sa, sb, bad):
    b = builder
    with type_error("matmul", bad, "rank"):
        b.matmul(_in(b, "a", sa), _in(b, "b", sb))


@pytest.mark.parametrize(("sa", "sb"), [
    ([2, 3], [4, 2]), ([5, 2, 3], [5, 2, 3]), ([3, 2], [3, 2]),
])
def test_matmul_columns_of_a_must_equal_rows_of_b(builder, sa, sb):
    b = builder
    with type_error("matmul", "a shape", "columns", "b shape", "rows"):
        b.matmul(_in(b, "a", sa), _in(b, "b", sb))


@pytest.mark.parametrize(("sa", "sb"), [
    ([2, 2, 3], [3, 3, 4]), ([4, 1, 2, 3], [2, 2, 3, 4]),
])
def test_matmul_batch_dims_must_broadcast(builder, sa, sb):
    b = builder
    with type_error("matmul", "batch dimensions", "not broadcastable"):
        b.matmul(_in(b, "a", sa), _in(b, "b", sb))


def test_matmul_error_carries_label(builder):
    b = builder
    with type_error("[mm1]", "matmul", "columns"):
        b.matmul(_in(b, "a", [2, 3]), _in(b, "b", [2, 3]), label="mm1")


# ======================================================================== gemm


def test_gemm_shapes_and_attrs(builder):
    b = builder
    a, bb = _in(b, "a", [3, 5]), _in(b, "b", [5, 4])
    out = b.gemm(a, bb)
    assert out.shape == (3, 4) and out.data_type == "float32"
    assert _attrs(out) == {"alpha": 1.0, "beta": 1.0, "aTranspose": False,
                           "bTranspose": False}
    at, bt = _in(b, "at", [5, 3]), _in(b, "bt", [4, 5])
    assert b.gemm(at, bb, a_transpose=True).shape == (3, 4)
    assert b.gemm(a, bt, b_transpose=True).shape == (3, 4)
    out = b.gemm(at, bt, a_transpose=True, b_transpose=True, alpha=2, beta=-0.5)
    assert out.shape == (3, 4)
    assert _attrs(out) == {"alpha": 2.0, "beta": -0.5, "aTranspose": True,
                           "bTranspose": True}
    for i, cs in enumerate([[], [1], [4], [1, 1], [3, 1], [1, 4], [3, 4]]):
        assert b.gemm(a, bb, c=_in(b, f"c{i}", cs)).shape == (3, 4)


def test_gemm_alpha_beta_stored_after_cast(builder):
    b = builder
    h = _in(b, "h", [2, 2], "float16")
    out = b.gemm(h, h, alpha=0.1, beta=1e6)
    assert _attrs(out)["alpha"] == _f16(0.1) != 0.1
    assert _attrs(out)["beta"] == float("inf")
    f = _in(b, "f", [2, 2])
    assert _attrs(b.gemm(f, f, alpha=0.1))["alpha"] == float(np.float32(0.1))


@pytest.mark.parametrize("dtype", ["int32", "uint32", "int8"])
def test_gemm_a_data_type(builder, dtype):
    b = builder
    with type_error("gemm", "a", dtype, "float32, float16"):
        b.gemm(_in(b, "a", [2, 2], dtype), _in(b, "b", [2, 2], dtype))


def test_gemm_b_data_type_must_match_a(builder):
    b = builder
    with type_error("gemm", "b", "float16", "a"):
        b.gemm(_in(b, "a", [2, 2]), _in(b, "b", [2, 2], "float16"))


@pytest.mark.parametrize(("sa", "sb", "bad"), [
    ([2, 2, 2], [2, 2], "a"), ([2], [2, 2], "a"), ([2, 2], [1, 2, 2], "b"),
    ([2, 2], [2], "b"),
])
def test_gemm_ranks_must_be_2(builder, sa, sb, bad):
    b = builder
    with type_error("gemm", bad, "rank", "expected rank 2"):
        b.gemm(_in(b, "a", sa), _in(b, "b", sb))


@pytest.mark.parametrize(("name", "value", "what"), [
    ("alpha", float("nan"), "finite"), ("alpha", float("inf"), "finite"),
    ("alpha", "2", "number"), ("beta", float("-inf"), "finite"),
    ("beta", [1.0], "number"),
])
def test_gemm_alpha_beta_must_be_finite_numbers(builder, name, value, what):
    b = builder
    with type_error("gemm", name, what):
        b.gemm(_in(b, "a", [2, 2]), _in(b, "b", [2, 2]), **{name: value})


@pytest.mark.parametrize("name", ["a_transpose", "b_transpose"])
def test_gemm_transpose_flags_must_be_bool(builder, name):
    b = builder
    with type_error("gemm", name, "True or False"):
        b.gemm(_in(b, "a", [2, 2]), _in(b, "b", [2, 2]), **{name: 1})


@pytest.mark.parametrize(("sa", "sb", "a_t", "b_t"), [
    ([3, 5], [4, 5], False, False),
    ([3, 5], [5, 4], True, False),    # a^T is [5, 3]: K 3 != 5
    ([3, 5], [5, 4], False, True),    # b^T is [4, 5]: K 5 != 4
    ([5, 3], [5, 4], True, True),
])
def test_gemm_inner_dimensions_must_match(builder, sa, sb, a_t, b_t):
    b = builder
    with type_error("gemm", "a shape", "b shape", "must be equal"):
        b.gemm(_in(b, "a", sa), _in(b, "b", sb), a_transpose=a_t, b_transpose=b_t)


@pytest.mark.parametrize("cs", [[3], [2, 4], [4, 3], [3, 1, 1]])
def test_gemm_c_must_broadcast_to_m_n(builder, cs):
    b = builder
    a, bb = _in(b, "a", [3, 5]), _in(b, "b", [5, 4])
    frag = ("c", "rank") if len(cs) > 2 else ("c shape", "unidirectionally")
    with type_error("gemm", *frag):
        b.gemm(a, bb, c=_in(b, "c", cs))


def test_gemm_c_data_type_must_match_a(builder):
    b = builder
    with type_error("gemm", "c", "float16", "a", "float32"):
        b.gemm(_in(b, "a", [2, 2]), _in(b, "b", [2, 2]),
               c=_in(b, "c", [2], "float16"))


def test_gemm_c_must_be_an_operand(builder):
    b = builder
    with type_error("gemm", "c", "MLOperand"):
        b.gemm(_in(b, "a", [2, 2]), _in(b, "b", [2, 2]), c=1.0)


# ========================================================== batchNormalization


def _bn_args(b, shape, c, dtype="float32", tag=""):
    return (_in(b, "x" + tag, shape, dtype), _in(b, "m" + tag, [c], dtype),
            _in(b, "v" + tag, [c], dtype))


def test_batch_norm_shapes_and_attrs(builder):
    b = builder
    x, m, v = _bn_args(b, [2, 3, 4, 5], 3)
    out = b.batch_normalization(x, m, v)
    assert out.shape == (2, 3, 4, 5) and out.data_type == "float32"
    assert _attrs(out) == {"axis": 1, "epsilon": float(np.float32(1e-5))}
    s, bi = _in(b, "s", [5]), _in(b, "bi", [5])
    m5, v5 = _in(b, "m5", [5]), _in(b, "v5", [5])
    out = b.batch_normalization(x, m5, v5, scale=s, bias=bi, axis=3, epsilon=0.5)
    assert out.shape == (2, 3, 4, 5)
    assert _attrs(out) == {"axis": 3, "epsilon": 0.5}
    h, hm, hv = _bn_args(b, [4], 4, "float16", "h")
    out = b.batch_normalization(h, hm, hv, axis=0)
    assert out.shape == (4,) and out.data_type == "float16"
    assert _attrs(out)["epsilon"] == _f16(1e-5)


def test_batch_norm_input_data_type(builder):
    b = builder
    x, m, v = _bn_args(b, [2, 3], 3, "int32")
    with type_error("batchNormalization", "input", "int32", "float32, float16"):
        b.batch_normalization(x, m, v)


def test_batch_norm_input_rank_0(builder):
    b = builder
    with type_error("batchNormalization", "input", "rank 0"):
        b.batch_normalization(_in(b, "x", []), _in(b, "m", [1]), _in(b, "v", [1]))


@pytest.mark.parametrize(("shape", "axis"), [
    ([2, 3, 4, 5], 4), ([2, 3], 7), ([4], None),  # rank 1: the default 1 fails
])
def test_batch_norm_axis_out_of_range(builder, shape, axis):
    b = builder
    x, m, v = _bn_args(b, shape, 3)
    kw = {} if axis is None else {"axis": axis}
    with type_error("batchNormalization", "axis", "out of range", "rank"):
        b.batch_normalization(x, m, v, **kw)


@pytest.mark.parametrize("axis", [-1, 1.0, 2**32, "1", True])
def test_batch_norm_axis_idl_unsigned_long(builder, axis):
    b = builder
    x, m, v = _bn_args(b, [2, 3], 3)
    with type_error("batchNormalization", "axis", "integer"):
        b.batch_normalization(x, m, v, axis=axis)


@pytest.mark.parametrize("name", ["mean", "variance", "scale", "bias"])
def test_batch_norm_1d_operand_data_type_must_match_input(builder, name):
    b = builder
    x, m, v = _bn_args(b, [2, 3], 3)
    ops = {"mean": m, "variance": v}
    ops[name] = _in(b, "bad", [3], "float16")
    with type_error("batchNormalization", name, "float16", "input", "float32"):
        b.batch_normalization(x, ops.pop("mean"), ops.pop("variance"), **ops)


@pytest.mark.parametrize("name", ["mean", "variance", "scale", "bias"])
@pytest.mark.parametrize("shape", [[2], [4], [1, 3], []])
def test_batch_norm_1d_operand_shape(builder, name, shape):
    b = builder
    x, m, v = _bn_args(b, [2, 3], 3)
    ops = {"mean": m, "variance": v}
    ops[name] = _in(b, "bad", shape)
    frag = (name, "rank") if len(shape) != 1 else (name, "shape", "must be [3]")
    with type_error("batchNormalization", *frag):
        b.batch_normalization(x, ops.pop("mean"), ops.pop("variance"), **ops)


def test_batch_norm_shape_is_checked_against_axis(builder):
    b = builder
    x, m, v = _bn_args(b, [2, 3, 4], 4)
    with type_error("batchNormalization", "mean", "must be [3]", "axis 1"):
        b.batch_normalization(x, m, v)
    assert b.batch_normalization(x, m, v, axis=2).shape == (2, 3, 4)


@pytest.mark.parametrize("eps", [float("nan"), float("inf"), "1e-5", [1e-5]])
def test_batch_norm_epsilon_must_be_finite_number(builder, eps):
    b = builder
    x, m, v = _bn_args(b, [2, 3], 3)
    with type_error("batchNormalization", "epsilon"):
        b.batch_normalization(x, m, v, epsilon=eps)


def test_batch_norm_epsilon_zero_and_negative_are_accepted(builder):
    # epsilon is a plain double: the spec puts no range on it
    b = builder
    x, m, v = _bn_args(b, [2, 3], 3)
    assert _attrs(b.batch_normalization(x, m, v, epsilon=0))["epsilon"] == 0.0
    assert _attrs(b.batch_normalization(x, m, v, epsilon=-1))["epsilon"] == -1.0


# ======================================================= instanceNormalization


def test_instance_norm_shapes_and_attrs(builder):
    b = builder
    x = _in(b, "x", [2, 3, 4, 5])
    out = b.instance_normalization(x)
    assert out.shape == (2, 3, 4, 5) and out.data_type == "float32"
    assert _attrs(out) == {"epsilon": float(np.float32(1e-5)), "layout": "nchw"}
    out = b.instance_normalization(x, scale=_in(b, "s", [5]),
                                   bias=_in(b, "bi", [5]), layout="nhwc",
                                   epsilon=1e-3)
    assert _attrs(out) == {"epsilon": float(np.float32(1e-3)), "layout": "nhwc"}
    h = _in(b, "h", [1, 2, 2, 2], "float16")
    out = b.instance_normalization(h)
    assert out.data_type == "float16" and _attrs(out)["epsilon"] == _f16(1e-5)


def test_instance_norm_input_data_type(builder):
    b = builder
    with type_error("instanceNormalization", "input", "uint8"):
        b.instance_normalization(_in(b, "x", [1, 2, 2, 2], "uint8"))


@pytest.mark.parametrize("shape", [[2, 3, 4], [1, 2, 3, 4, 5], []])
def test_instance_norm_input_rank_must_be_4(builder, shape):
    b = builder
    with type_error("instanceNormalization", "input", "rank", "expected rank 4"):
        b.instance_normalization(_in(b, "x", shape))


@pytest.mark.parametrize("layout", ["NCHW", "nchw ", "ncwh", 1])
def test_instance_norm_layout_enum(builder, layout):
    b = builder
    with type_error("instanceNormalization", "layout", "MLInputOperandLayout"):
        b.instance_normalization(_in(b, "x", [1, 2, 3, 4]), layout=layout)


@pytest.mark.parametrize("eps", [float("nan"), float("-inf"), "0.1"])
def test_instance_norm_epsilon(builder, eps):
    b = builder
    with type_error("instanceNormalization", "epsilon"):
        b.instance_normalization(_in(b, "x", [1, 2, 3, 4]), epsilon=eps)


@pytest.mark.parametrize("name", ["scale", "bias"])
def test_instance_norm_scale_bias_data_type(builder, name):
    b = builder
    x = _in(b, "x", [1, 2, 3, 4])
    with type_error("instanceNormalization", name, "float16", "input"):
        b.instance_normalization(x, **{name: _in(b, "o", [2], "float16")})


@pytest.mark.parametrize("name", ["scale", "bias"])
@pytest.mark.parametrize(("layout", "shape"), [
    ("nchw", [4]), ("nchw", [3]), ("nhwc", [2]), ("nhwc", [3]),
])
def test_instance_norm_scale_bias_size_is_channels(builder, name, layout, shape):
    b = builder
    x = _in(b, "x", [1, 2, 3, 4])   # channels: 2 (nchw) or 4 (nhwc)
    want = 2 if layout == "nchw" else 4
    with type_error("instanceNormalization", name, f"must be [{want}]", layout):
        b.instance_normalization(x, layout=layout, **{name: _in(b, "o", shape)})
    ok = _in(b, "ok", [want])
    assert b.instance_normalization(x, layout=layout, **{name: ok}).shape == (
        1, 2, 3, 4)


@pytest.mark.parametrize("name", ["scale", "bias"])
def test_instance_norm_scale_bias_rank_1(builder, name):
    b = builder
    x = _in(b, "x", [1, 2, 3, 4])
    with type_error("instanceNormalization", name, "rank"):
        b.instance_normalization(x, **{name: _in(b, "o", [1, 2])})


# ========================================================== layerNormalization


@pytest.mark.parametrize(("shape", "axes"), [
    ([2, 3, 4, 5], [1, 2, 3]), ([2, 3], [1]), ([7], []), ([], []),
])
def test_layer_norm_default_axes(builder, shape, axes):
    b = builder
    out = b.layer_normalization(_in(b, "x", shape))
    assert out.shape == tuple(shape) and out.data_type == "float32"
    assert _attrs(out) == {"axes": axes, "epsilon": float(np.float32(1e-5))}


def test_layer_norm_shapes_and_attrs(builder):
    b = builder
    x = _in(b, "x", [2, 3, 4])
    out = b.layer_normalization(x, axes=[2, 0], scale=_in(b, "s", [4, 2]),
                                bias=_in(b, "bi", [4, 2]), epsilon=0.125)
    assert out.shape == (2, 3, 4)
    assert _attrs(out) == {"axes": [2, 0], "epsilon": 0.125}
    out = b.layer_normalization(x, axes=np.array([1]), scale=_in(b, "s1", [3]))
    assert _attrs(out)["axes"] == [1]
    out = b.layer_normalization(x, axes=[], scale=_in(b, "s0", []))
    assert _attrs(out)["axes"] == []
    h = _in(b, "h", [2, 2], "float16")
    out = b.layer_normalization(h, epsilon=1e-9)
    assert out.data_type == "float16" and _attrs(out)["epsilon"] == 0.0


def test_layer_norm_input_data_type(builder):
    b = builder
    with type_error("layerNormalization", "input", "int64", "float32, float16"):
        b.layer_normalization(_in(b, "x", [2, 3], "int64"))


@pytest.mark.parametrize(("shape", "axes", "frag"), [
    ([2, 3], [2], "axis 2"),
    ([], [0], "axis 0"),
    ([2, 3, 4], [1, 1], "duplicates"),
    ([2, 3, 4], [-1], "integer"),
    ([2, 3, 4], 1, "sequence"),
    ([2, 3, 4], [0.5], "integer"),
])
def test_layer_norm_axes(builder, shape, axes, frag):
    b = builder
    with type_error("layerNormalization", "axes", frag):
        b.layer_normalization(_in(b, "x", shape), axes=axes)


@pytest.mark.parametrize("eps", [float("nan"), float("inf"), [1e-5]])
def test_layer_norm_epsilon(builder, eps):
    b = builder
    with type_error("layerNormalization", "epsilon"):
        b.layer_normalization(_in(b, "x", [2, 3]), epsilon=eps)


@pytest.mark.parametrize("name", ["scale", "bias"])
def test_layer_norm_scale_bias_data_type(builder, name):
    b = builder
    x = _in(b, "x", [2, 3])
    with type_error("layerNormalization", name, "float16", "input"):
        b.layer_normalization(x, **{name: _in(b, "o", [3], "float16")})


@pytest.mark.parametrize("name", ["scale", "bias"])
@pytest.mark.parametrize(("axes", "shape"), [
    (None, [2, 3]), (None, []), ([0, 1], [2]), ([], [1]),
])
def test_layer_norm_scale_bias_rank_is_axes_length(builder, name, axes, shape):
    b = builder
    x = _in(b, "x", [2, 3])
    with type_error("layerNormalization", name, "rank", "axes"):
        b.layer_normalization(x, axes=axes, **{name: _in(b, "o", shape)})


@pytest.mark.parametrize("name", ["scale", "bias"])
@pytest.mark.parametrize(("axes", "shape", "index"), [
    (None, [3, 4, 6], 2),
    ([1, 2], [4, 3], 0),       # sorted-order shape is wrong: axes order counts
    ([2, 0], [2, 4], 0),
    ([0], [3], 0),
])
def test_layer_norm_scale_bias_dims_follow_axes(builder, name, axes, shape, index):
    b = builder
    x = _in(b, "x", [2, 3, 4, 5])
    with type_error("layerNormalization", name, f"at index {index}", "expected"):
        b.layer_normalization(x, axes=axes, **{name: _in(b, "o", shape)})


def test_layer_norm_scale_checked_before_bias_per_index(builder):
    # spec order: per index, scale then bias; a bad bias at index 0 is
    # reported before a bad scale at index 1
    b = builder
    x = _in(b, "x", [2, 3, 4])
    with type_error("layerNormalization", "bias", "at index 0"):
        b.layer_normalization(x, scale=_in(b, "s", [3, 5]),
                              bias=_in(b, "bi", [2, 4]))
