"""MLContext.dispatch() and MLGraph.destroy(): every validation step in the
spec's order with its error kind (#api-mlcontext-dispatch, #api-mlgraph-destroy)."""

from __future__ import annotations

import logging

import numpy as np
import pytest
from apitest_helpers import identity_graph, invalid_state, raises, tdesc

import webnnpy
from webnnpy.backends.errors import ExecutionError


@pytest.fixture
def ctx(ref_context):
    return ref_context


@pytest.fixture
def other_context():
    c = webnnpy.ml.create_context(backend="numpy")
    yield c
    c.destroy()


@pytest.fixture
def add_graph(ctx) -> webnnpy.MLGraph:
    """``c = a + b`` on float32 [2]."""
    b = webnnpy.MLGraphBuilder(ctx)
    a = b.input("a", tdesc("float32", [2]))
    bb = b.input("b", tdesc("float32", [2]))
    return b.build({"c": b.add(a, bb)})


def _t(ctx, dtype="float32", shape=(2,), **flags):
    return ctx.create_tensor(tdesc(dtype, shape, **flags))


def _io(ctx):
    a = _t(ctx, writable=True)
    b = _t(ctx, writable=True)
    c = _t(ctx, readable=True)
    return {"a": a, "b": b}, {"c": c}


def test_dispatch_runs_and_returns_none(ctx, add_graph) -> None:
    ins, outs = _io(ctx)
    ctx.write_tensor(ins["a"], np.array([1.5, 2], np.float32))
    ctx.write_tensor(ins["b"], np.array([10, -20], np.float32))
    assert ctx.dispatch(add_graph, ins, outs) is None
    np.testing.assert_array_equal(ctx.read_tensor(outs["c"]), [11.5, -18])


# ------------------------------------------------------- IDL conversions


def test_dispatch_graph_argument(ctx, add_graph) -> None:
    ins, outs = _io(ctx)
    with raises(TypeError, "dispatch", "graph must be an MLGraph", "dict"):
        ctx.dispatch({}, ins, outs)  # type: ignore[arg-type]


@pytest.mark.parametrize("which", ["inputs", "outputs"])
def test_dispatch_record_arguments(ctx, add_graph, which) -> None:
    ins, outs = _io(ctx)
    args = {"inputs": ins, "outputs": outs}
    args[which] = [ins["a"]]  # type: ignore[assignment]
    with raises(TypeError, "dispatch", f"{which} must be a dict", "list"):
        ctx.dispatch(add_graph, args["inputs"], args["outputs"])
    args[which] = {1: ins["a"]}  # type: ignore[dict-item]
    with raises(TypeError, "dispatch", which, "key 1", "strings"):
        ctx.dispatch(add_graph, args["inputs"], args["outputs"])
    args[which] = {"a": np.zeros(2, np.float32)}  # type: ignore[dict-item]
    with raises(TypeError, "dispatch", f"{which}['a'] must be an MLTensor",
                "ndarray"):
        ctx.dispatch(add_graph, args["inputs"], args["outputs"])


def test_dispatch_idl_conversion_before_graph_checks(ctx, add_graph) -> None:
    add_graph.destroy()
    with raises(TypeError, "dispatch", "inputs must be a dict"):
        ctx.dispatch(add_graph, None, {})  # type: ignore[arg-type]


# ------------------------------------------------------- method steps


def test_step1_graph_of_another_context(ctx, other_context) -> None:
    g = identity_graph(other_context)
    x, y = _t(ctx, shape=(2, 3)), _t(ctx, shape=(2, 3))
    with raises(TypeError, "dispatch", "graph <MLGraph", "another context"):
        ctx.dispatch(g, {"x": x}, {"y": y})
    g.destroy()  # step 1 comes before the destroyed check
    with raises(TypeError, "dispatch", "another context"):
        ctx.dispatch(g, {"x": x}, {"y": y})


def test_step2_destroyed_graph(ctx, add_graph) -> None:
    ins, outs = _io(ctx)
    add_graph.destroy()
    with invalid_state("dispatch", "graph <MLGraph", "destroyed"):
        ctx.dispatch(add_graph, ins, outs)
    # before the tensor checks
    with invalid_state("dispatch", "destroyed"):
        ctx.dispatch(add_graph, {"a": ins["a"]}, {"c": ins["a"]})


def test_step3_duplicate_tensors(ctx, add_graph, other_context) -> None:
    ins, outs = _io(ctx)
    with raises(TypeError, "dispatch", "outputs['c']", "same MLTensor",
                "inputs['a']"):
        ctx.dispatch(add_graph, ins, {"c": ins["a"]})
    with raises(TypeError, "dispatch", "inputs['b']", "same MLTensor",
                "inputs['a']"):
        ctx.dispatch(add_graph, {"a": ins["a"], "b": ins["a"]}, outs)
    # duplicates are found before the per-tensor context check
    f = _t(other_context)
    with raises(TypeError, "dispatch", "same MLTensor"):
        ctx.dispatch(add_graph, {"a": f, "b": f}, outs)


def test_step4_tensor_of_another_context(ctx, add_graph, other_context) -> None:
    ins, _ = _io(ctx)
    f = _t(other_context, readable=True)
    with raises(TypeError, "dispatch", "outputs['c']", "another context"):
        ctx.dispatch(add_graph, ins, {"c": f})
    f.destroy()  # the context check comes before the destroyed check
    with raises(TypeError, "dispatch", "outputs['c']", "another context"):
        ctx.dispatch(add_graph, ins, {"c": f})


def test_step4_destroyed_tensor(ctx, add_graph) -> None:
    ins, outs = _io(ctx)
    ins["b"].destroy()
    with raises(TypeError, "dispatch", "inputs['b']", "destroyed"):
        ctx.dispatch(add_graph, ins, outs)
    # before the descriptor validation (the wrong shape is not reported)
    wrong = _t(ctx, shape=(5,))
    wrong.destroy()
    with raises(TypeError, "dispatch", "inputs['a']", "destroyed"):
        ctx.dispatch(add_graph, {"a": wrong, "b": _t(ctx)}, outs)


def test_step5_inputs_must_match_exactly(ctx, add_graph) -> None:
    ins, outs = _io(ctx)
    with raises(TypeError, "dispatch", "inputs names ['a']", "['a', 'b']"):
        ctx.dispatch(add_graph, {"a": ins["a"]}, outs)  # size differs
    with raises(TypeError, "dispatch", "inputs names ['a', 'b', 'z']"):
        ctx.dispatch(add_graph, {**ins, "z": _t(ctx)}, outs)
    with raises(TypeError, "dispatch", "inputs names ['a', 'x']"):
        ctx.dispatch(add_graph, {"a": ins["a"], "x": ins["b"]}, outs)  # same size
    with raises(TypeError, "dispatch", "inputs['b']", "int32[2]", "float32[2]"):
        ctx.dispatch(add_graph, {"a": ins["a"], "b": _t(ctx, "int32")}, outs)
    with raises(TypeError, "dispatch", "inputs['b']", "float32[1, 2]",
                "float32[2]"):
        ctx.dispatch(add_graph, {"a": ins["a"], "b": _t(ctx, shape=(1, 2))}, outs)


def test_step5_constant_tensor_cannot_be_bound(ctx, add_graph) -> None:
    ins, outs = _io(ctx)
    c = ctx.create_constant_tensor(tdesc("float32", [2]), bytes(8))
    with raises(TypeError, "dispatch", "inputs['b']", "constant tensor"):
        ctx.dispatch(add_graph, {"a": ins["a"], "b": c}, outs)
    c2 = ctx.create_constant_tensor(tdesc("float32", [2]), bytes(8))
    with raises(TypeError, "dispatch", "outputs['c']", "constant tensor"):
        ctx.dispatch(add_graph, ins, {"c": c2})


def test_step6_outputs_must_match_exactly(ctx, add_graph) -> None:
    ins, outs = _io(ctx)
    with raises(TypeError, "dispatch", "outputs names []", "['c']"):
        ctx.dispatch(add_graph, ins, {})
    with raises(TypeError, "dispatch", "outputs names ['d']", "['c']"):
        ctx.dispatch(add_graph, ins, {"d": outs["c"]})
    with raises(TypeError, "dispatch", "outputs['c']", "float16[2]", "float32[2]"):
        ctx.dispatch(add_graph, ins, {"c": _t(ctx, "float16")})
    # inputs are validated before outputs
    with raises(TypeError, "dispatch", "inputs names"):
        ctx.dispatch(add_graph, {}, {})


def test_unreachable_input_cannot_be_bound(ctx) -> None:
    b = webnnpy.MLGraphBuilder(ctx)
    x = b.input("x", tdesc("float32", [2]))
    b.input("unused", tdesc("float32", [2]))
    g = b.build({"y": b.abs(x)})
    assert set(g.inputs) == {"x"}
    x_t, u_t, y_t = _t(ctx), _t(ctx), _t(ctx, readable=True)
    with raises(TypeError, "dispatch", "inputs names ['unused', 'x']", "['x']"):
        ctx.dispatch(g, {"x": x_t, "unused": u_t}, {"y": y_t})
    ctx.dispatch(g, {"x": x_t}, {"y": y_t})


def test_dispatch_ignores_readable_and_writable(ctx, add_graph) -> None:
    # dispatch does not check the flags: a tensor that can be neither read
    # nor written still serves as an input (zeros) and as an output
    a = _t(ctx, writable=True)
    ctx.write_tensor(a, np.array([3, 4], np.float32))
    b = _t(ctx)
    mid = _t(ctx)
    ctx.dispatch(add_graph, {"a": a, "b": b}, {"c": mid})
    out = _t(ctx, readable=True)
    ctx.dispatch(add_graph, {"a": mid, "b": a}, {"c": out})
    np.testing.assert_array_equal(ctx.read_tensor(out), [6, 8])


# --------------------------------------------------------- MLGraph.destroy


def test_graph_destroy_is_idempotent_then_dispatch_fails(ctx, add_graph) -> None:
    ins, outs = _io(ctx)
    assert add_graph.destroy() is None
    add_graph.destroy()
    assert add_graph._destroyed
    with invalid_state("dispatch", "destroyed"):
        ctx.dispatch(add_graph, ins, outs)


def test_graph_destroy_after_dispatch_lets_queued_work_finish(ctx, add_graph
                                                             ) -> None:
    ins, outs = _io(ctx)
    ctx.write_tensor(ins["a"], np.array([1, 2], np.float32))
    ctx.write_tensor(ins["b"], np.array([3, 4], np.float32))
    ctx.dispatch(add_graph, ins, outs)
    add_graph.destroy()  # frees only after the submitted work
    np.testing.assert_array_equal(ctx.read_tensor(outs["c"]), [4, 6])
    assert add_graph._impl is None


def test_graph_descriptors(ctx, add_graph) -> None:
    assert add_graph.inputs == {"a": webnnpy.MLOperandDescriptor("float32", (2,)),
                                "b": webnnpy.MLOperandDescriptor("float32", (2,))}
    assert add_graph.outputs == {"c": webnnpy.MLOperandDescriptor("float32", (2,))}


# ------------------------------------------------ failure on the timeline


def test_failed_dispatch_is_reported_by_the_next_read(ctx, add_graph, monkeypatch,
                                                      caplog) -> None:
    # a declared change: the spec has no error path (issue 778)
    ins, outs = _io(ctx)
    real = ctx._backend.dispatch

    def fail(compiled, i, o):
        raise ExecutionError("kernel crashed")

    monkeypatch.setattr(ctx._backend, "dispatch", fail)
    with caplog.at_level(logging.ERROR, logger="webnnpy"):
        ctx.dispatch(add_graph, ins, outs)
        with raises(webnnpy.UnknownError, "read_tensor", "dispatch", "failed",
                    "kernel crashed"):
            ctx.read_tensor(outs["c"])
    assert any("kernel crashed" in r.getMessage() for r in caplog.records)
    monkeypatch.setattr(ctx._backend, "dispatch", real)
    ctx.write_tensor(ins["a"], np.array([1, 1], np.float32))
    ctx.dispatch(add_graph, ins, outs)  # a successful dispatch clears it
    np.testing.assert_array_equal(ctx.read_tensor(outs["c"]), [1, 1])


def test_a_bug_in_dispatch_is_read_back_as_itself(ctx, add_graph, monkeypatch,
                                                  caplog) -> None:
    """Only backend errors become spec errors: a KeyError in a backend's
    dispatch is a bug; the next read raises it unchanged."""
    ins, outs = _io(ctx)

    def fail(compiled, i, o):
        raise KeyError("stale binding")

    monkeypatch.setattr(ctx._backend, "dispatch", fail)
    with caplog.at_level(logging.ERROR, logger="webnnpy"):
        ctx.dispatch(add_graph, ins, outs)
        with pytest.raises(KeyError, match="stale binding"):
            ctx.read_tensor(outs["c"])
