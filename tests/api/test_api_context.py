"""ML.create_context, MLContext attributes, the MLGraphBuilder constructor,
op_support_limits() and the compute() convenience (#api-ml, #api-mlcontext,
#api-mlgraphbuilder-constructor, #api-mlcontext-opsupportlimits)."""

from __future__ import annotations

import re

import numpy as np
import pytest
from apitest_helpers import DTYPES, identity_graph, invalid_state, raises, tdesc

import webnnpy
from webnnpy._spec import api_table, to_py_name

# ------------------------------------------------------------ createContext


def test_create_context_defaults() -> None:
    ctx = webnnpy.ml.create_context(backend="numpy")
    try:
        assert isinstance(ctx, webnnpy.MLContext)
        assert ctx.accelerated is True  # MLContextOptions.accelerated = true
        assert not ctx.lost.done()  # a live context is not lost
        assert ctx.backend == "numpy"
    finally:
        ctx.destroy()


@pytest.mark.parametrize("pp", ["default", "high-performance", "low-power"])
@pytest.mark.parametrize("acc", [True, False])
def test_create_context_options_are_stored(pp: str, acc: bool) -> None:
    ctx = webnnpy.ml.create_context(power_preference=pp, accelerated=acc,
                                    backend="numpy")
    try:
        # the accelerated getter returns [[accelerated]] as it was requested
        assert ctx.accelerated is acc
        assert ctx._power_preference == pp
    finally:
        ctx.destroy()


def test_create_context_bad_power_preference() -> None:
    with raises(TypeError, "create_context", "power_preference", "'fast'",
                "MLPowerPreference", "'default'"):
        webnnpy.ml.create_context(power_preference="fast", backend="numpy")


def test_create_context_bad_accelerated() -> None:
    with raises(TypeError, "create_context", "accelerated", "1"):
        webnnpy.ml.create_context(accelerated=1, backend="numpy")  # type: ignore[arg-type]


def test_create_context_unsupported_backend() -> None:
    # "the user agent cannot support the context" -> NotSupportedError
    with raises(webnnpy.NotSupportedError, "create_context", "'no-such-backend'"):
        webnnpy.ml.create_context(backend="no-such-backend")


def test_create_context_options_are_keyword_only() -> None:
    with pytest.raises(TypeError):
        webnnpy.ml.create_context("default")  # type: ignore[misc]


# ---------------------------------------------------------- MLGraphBuilder()


def test_builder_constructor_needs_a_context() -> None:
    with raises(TypeError, "MLGraphBuilder", "MLContext", "str"):
        webnnpy.MLGraphBuilder("not a context")  # type: ignore[arg-type]


def test_builder_constructor_on_lost_context() -> None:
    ctx = webnnpy.ml.create_context(backend="numpy")
    ctx.destroy()
    with invalid_state("MLGraphBuilder", "lost"):
        webnnpy.MLGraphBuilder(ctx)


def test_builder_constructor_binds_the_context(ref_context) -> None:
    b = webnnpy.MLGraphBuilder(ref_context)
    x = b.input("x", tdesc())
    g = b.build({"y": b.identity(x)})
    assert g._context is ref_context


# -------------------------------------------------------- opSupportLimits()

_SNAKE = re.compile(r"^[a-z][a-z0-9_]*$")
TABLE = api_table()


def _check_tensor_limits(where: str, lim: object) -> None:
    assert isinstance(lim, dict) and set(lim) == {"data_types", "rank_range"}, where
    types = lim["data_types"]
    assert isinstance(types, list) and types, where
    assert len(set(types)) == len(types), f"{where}: duplicate data types"
    every = (*DTYPES, "int4", "uint4")  # the spec's 8, then the declared extension
    assert all(t in every for t in types), where
    # listed in MLOperandDataType order
    assert types == [t for t in every if t in types], where
    rr = lim["rank_range"]
    assert set(rr) == {"min", "max"}, where
    assert isinstance(rr["min"], int) and isinstance(rr["max"], int), where
    assert 0 <= rr["min"] <= rr["max"], where


def test_op_support_limits_top_level(ref_context) -> None:
    lim = ref_context.op_support_limits()
    assert lim["preferred_input_layout"] in ("nchw", "nhwc")
    mtbl = lim["max_tensor_byte_length"]
    assert isinstance(mtbl, int) and 0 < mtbl < 2**64  # unsigned long long
    for key in ("input", "constant", "output"):
        _check_tensor_limits(key, lim[key])


def test_op_support_limits_members_are_snake_case(ref_context) -> None:
    lim = ref_context.op_support_limits()
    members = TABLE["dictionaries"]["MLOpSupportLimits"]["members"]
    assert set(lim) == {to_py_name(m) for m in members}
    assert all(_SNAKE.match(k) for k in lim), [k for k in lim if not _SNAKE.match(k)]
    # spot checks of the snake_case spelling of camelCase spec names
    for name in ("preferred_input_layout", "max_tensor_byte_length", "conv_transpose2d",
                 "batch_normalization", "reduce_log_sum_exp", "gather_nd", "is_nan",
                 "logical_not", "greater_or_equal"):
        assert name in lim, name
    assert "convTranspose2d" not in lim and "maxTensorByteLength" not in lim


def test_op_support_limits_per_op_structure(ref_context) -> None:
    lim = ref_context.op_support_limits()
    for op, entry in TABLE["ops"].items():
        if op in ("input", "constant", "build"):
            continue
        dname = entry["limits_dictionary"]
        keys = {to_py_name(k) for k in TABLE["dictionaries"][dname]["members"]}
        got = lim[to_py_name(op)]
        assert set(got) == keys, op
        for k, v in got.items():
            assert _SNAKE.match(k), f"{op}.{k}"
            _check_tensor_limits(f"{op}.{k}", v)


def test_op_support_limits_known_shapes(ref_context) -> None:
    lim = ref_context.op_support_limits()
    assert set(lim["add"]) == {"a", "b", "output"}  # MLBinarySupportLimits
    assert set(lim["abs"]) == {"input", "output"}  # MLSingleInputSupportLimits
    assert set(lim["conv2d"]) == {"input", "filter", "bias", "output"}
    assert set(lim["lstm"]) == {"input", "weight", "recurrent_weight", "bias",
                                "recurrent_bias", "peephole_weight",
                                "initial_hidden_state", "initial_cell_state",
                                "output0", "output1", "output2"}
    assert set(lim["split"]) == {"input", "outputs"}


def test_op_support_limits_is_a_fresh_copy(ref_context) -> None:
    a = ref_context.op_support_limits()
    a["add"]["a"]["data_types"].clear()
    a["input"]["rank_range"]["max"] = -1
    b = ref_context.op_support_limits()
    assert b["add"]["a"]["data_types"]
    assert b["input"]["rank_range"]["max"] >= 0


# --------------------------------------------------------------- compute()


def test_compute_runs_a_graph(ref_context) -> None:
    b = webnnpy.MLGraphBuilder(ref_context)
    x = b.input("x", tdesc("float32", [2, 2]))
    y = b.input("y", tdesc("float32", [2, 2]))
    c = b.constant(tdesc("float32", [2, 2]), np.full((2, 2), 0.5, np.float32))
    g = b.build({"sum": b.add(x, y), "prod": b.mul(x, c)})
    out = ref_context.compute(g, {"x": np.array([[1, 2], [3, 4]], np.float32),
                                  "y": np.array([[10, 20], [30, 40]], np.float32)})
    assert set(out) == {"sum", "prod"}
    assert out["sum"].dtype == np.float32 and out["sum"].shape == (2, 2)
    np.testing.assert_array_equal(out["sum"], [[11, 22], [33, 44]])
    np.testing.assert_array_equal(out["prod"], [[0.5, 1], [1.5, 2]])


def test_compute_accepts_any_valid_buffer(ref_context) -> None:
    g = identity_graph(ref_context, "int32", [3])
    raw = np.array([7, -8, 9], np.int32).tobytes()
    out = ref_context.compute(g, {"x": raw})  # bytes: an ArrayBuffer
    np.testing.assert_array_equal(out["y"], [7, -8, 9])


def test_compute_graph_without_inputs(ref_context) -> None:
    b = webnnpy.MLGraphBuilder(ref_context)
    c = b.constant("int32", 20)
    g = b.build({"y": b.add(c, b.constant("int32", 22))})
    assert ref_context.compute(g, {})["y"] == np.int32(42)


def test_compute_tensors_live_with_the_graph(ref_context) -> None:
    # compute() keeps one set of tensors per graph (no allocation per call);
    # they are the graph's: destroying it destroys them.
    g = identity_graph(ref_context)
    ref_context.compute(g, {"x": np.zeros((2, 3), np.float32)})
    ref_context.compute(g, {"x": np.ones((2, 3), np.float32)})
    assert len(list(ref_context._tensors)) == 2
    g.destroy()
    assert all(t._destroyed for t in list(ref_context._tensors))


def test_compute_from_threads_does_not_interleave(context) -> None:
    import concurrent.futures

    g = identity_graph(context)

    def one(k: int) -> bool:
        x = np.full((2, 3), k, np.float32)
        return bool((context.compute(g, {"x": x})["y"] == k).all())

    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        assert all(pool.map(one, range(200)))


def test_compute_errors(ref_context) -> None:
    g = identity_graph(ref_context)
    x = np.zeros((2, 3), np.float32)
    with raises(TypeError, "compute", "MLGraph", "dict"):
        ref_context.compute({}, {"x": x})  # type: ignore[arg-type]
    with raises(TypeError, "compute", "inputs", "list"):
        ref_context.compute(g, [x])  # type: ignore[arg-type]
    with raises(TypeError, "compute", "[]", "['x']"):
        ref_context.compute(g, {})
    with raises(TypeError, "compute", "['x', 'z']", "['x']"):
        ref_context.compute(g, {"x": x, "z": x})
    with raises(TypeError, "compute", "inputs['x']", "float64", "float32"):
        ref_context.compute(g, {"x": np.zeros(3, np.float64)})  # 24 bytes
    with raises(TypeError, "compute", "inputs['x']", "20 bytes", "24"):
        ref_context.compute(g, {"x": np.zeros(5, np.float32)})
    g.destroy()
    with invalid_state("compute", "destroyed"):
        ref_context.compute(g, {"x": x})


def test_compute_graph_of_another_context(ref_context) -> None:
    other = webnnpy.ml.create_context(backend="numpy")
    try:
        g = identity_graph(other)
        with raises(TypeError, "compute", "another context"):
            ref_context.compute(g, {"x": np.zeros((2, 3), np.float32)})
    finally:
        other.destroy()


def test_compute_on_lost_context() -> None:
    ctx = webnnpy.ml.create_context(backend="numpy")
    g = identity_graph(ctx)
    ctx.destroy()
    with invalid_state("compute", "lost"):
        ctx.compute(g, {"x": np.zeros((2, 3), np.float32)})
