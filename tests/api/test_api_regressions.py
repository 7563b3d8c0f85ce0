"""Regression tests for API-path defects of issue #11 (D4, D6, compute()'s
shape check), and for compute()'s fast path keeping every check.

Each test that could hang on a regression waits with a timeout, so that it
fails instead.
"""

from __future__ import annotations

import asyncio
import logging
import threading

import numpy as np
import pytest
from apitest_helpers import (
    blocked_timeline,
    identity_graph,
    invalid_state,
    raises,
    tdesc,
)

import webnnpy
from webnnpy.backends.errors import ExecutionError

# ----------------------------------------------------------------------- D4


def _rejecting_build_operands(builder: webnnpy.MLGraphBuilder) -> dict:
    """Outputs whose build() rejects on the timeline (OperationError): a
    convTranspose2d with 3 input channels and groups=2, which the builder's
    steps accept but whose computation is undefined."""
    x = builder.input("x", tdesc("float32", [1, 3, 2, 2]))
    w = builder.constant(tdesc("float32", [3, 1, 1, 1]),
                         np.ones((3, 1, 1, 1), np.float32))
    return {"y": builder.conv_transpose2d(x, w, groups=2)}


def test_d4_promise_settling_after_its_loop_closed_keeps_the_timeline_alive(
        ref_context, caplog) -> None:
    ctx = ref_context
    b = webnnpy.MLGraphBuilder(ctx)
    outputs = _rejecting_build_operands(b)
    timed_out = []
    with blocked_timeline(ctx) as release:
        # the build waits behind the holding task; wait_for gives up on it
        # and asyncio.run closes its loop while the build is still queued
        async def give_up() -> None:
            try:
                await asyncio.wait_for(b.build_async(outputs), 0.001)
            except TimeoutError:
                timed_out.append(True)

        asyncio.run(give_up())
        release.set()
    assert timed_out == [True]

    # the build now rejects on the worker, whose wake-up targets a closed
    # loop; every later awaited call must still settle
    async def later() -> webnnpy.MLTensor:
        return await asyncio.wait_for(
            ctx.create_tensor_async(tdesc("float32", [2], readable=True)), 10)

    with caplog.at_level(logging.ERROR, logger="webnnpy"):
        for _ in range(3):
            t = asyncio.run(later())
            assert t.shape == (2,)
    assert ctx._timeline._thread.is_alive()
    assert not [r for r in caplog.records if "closed" in r.getMessage()]


def test_a_raising_done_callback_is_logged_and_the_timeline_survives(
        ref_context, caplog) -> None:
    ctx = ref_context
    fired = threading.Event()

    def bad(_: webnnpy.MLPromise) -> None:
        raise RuntimeError("callback bug")

    with caplog.at_level(logging.ERROR, logger="webnnpy"):
        with blocked_timeline(ctx):
            p = ctx.create_tensor_async(tdesc("float32", [2], readable=True))
            p.add_done_callback(bad)
            # callbacks run in order: this one runs after bad's error is logged
            p.add_done_callback(lambda _: fired.set())
        assert fired.wait(10)
        assert p.result(timeout=10).shape == (2,)  # settled despite the raise
    assert any("callback bug" in (r.exc_text or "") or
               (r.exc_info and "callback bug" in str(r.exc_info[1]))
               for r in caplog.records)
    assert ctx._timeline._thread.is_alive()

    async def later() -> np.ndarray:
        t = await asyncio.wait_for(
            ctx.create_tensor_async(tdesc("float32", [2], readable=True)), 10)
        return await asyncio.wait_for(ctx.read_tensor_async(t), 10)

    np.testing.assert_array_equal(asyncio.run(later()), [0, 0])


# ----------------------------------------------------------------------- D6


def test_d6_dispatch_given_an_array_after_a_dispatch_raises_type_error(
        ref_context) -> None:
    ctx = ref_context
    g = identity_graph(ctx)
    x = ctx.create_tensor(tdesc("float32", (2, 3), writable=True))
    y = ctx.create_tensor(tdesc("float32", (2, 3), readable=True))
    arr = np.zeros((2, 3), np.float32)
    # before any dispatch, and after one (the repeat-binding fast path)
    for _ in range(2):
        with raises(TypeError, "dispatch", "inputs['x']", "MLTensor", "ndarray"):
            ctx.dispatch(g, {"x": arr}, {"y": y})
        with raises(TypeError, "dispatch", "outputs['y']", "MLTensor", "ndarray"):
            ctx.dispatch(g, {"x": x}, {"y": arr})
        ctx.dispatch(g, {"x": x}, {"y": y})
    ctx.write_tensor(x, np.full((2, 3), 4, np.float32))
    ctx.dispatch(g, {"x": x}, {"y": y})
    np.testing.assert_array_equal(ctx.read_tensor(y), np.full((2, 3), 4))


def test_dispatch_repeat_with_other_tensors_or_names_is_checked(ref_context) -> None:
    ctx = ref_context
    g = identity_graph(ctx)
    x = ctx.create_tensor(tdesc("float32", (2, 3), writable=True))
    y = ctx.create_tensor(tdesc("float32", (2, 3), readable=True))
    y2 = ctx.create_tensor(tdesc("float32", (2, 3), readable=True))
    ctx.dispatch(g, {"x": x}, {"y": y})
    with raises(TypeError, "dispatch", "outputs", "['y', 'z']"):
        ctx.dispatch(g, {"x": x}, {"y": y, "z": y2})
    with raises(TypeError, "dispatch", "same MLTensor"):
        ctx.dispatch(g, {"x": x}, {"y": x})
    y.destroy()
    with raises(TypeError, "dispatch", "destroyed"):
        ctx.dispatch(g, {"x": x}, {"y": y})


# ------------------------------------------------------- compute(): shapes


def test_compute_refuses_an_array_of_another_shape_with_the_same_bytes(
        context) -> None:
    g = identity_graph(context, "float32", (2, 2))
    with raises(TypeError, "compute", "inputs['x']", "shape [4]", "[2, 2]"):
        context.compute(g, {"x": np.arange(4, dtype=np.float32)})
    with raises(TypeError, "compute", "inputs['x']", "shape [1, 4]", "[2, 2]"):
        context.compute(g, {"x": np.arange(4, dtype=np.float32).reshape(1, 4)})
    # the same after a successful call (the fast path)
    ok = np.array([[1, 2], [3, 4]], np.float32)
    np.testing.assert_array_equal(context.compute(g, {"x": ok})["y"], ok)
    with raises(TypeError, "compute", "inputs['x']", "shape [4]", "[2, 2]"):
        context.compute(g, {"x": np.arange(4, dtype=np.float32)})
    # a typed non-NumPy buffer is held to the shape too
    import array

    with raises(TypeError, "compute", "inputs['x']", "shape [4]", "[2, 2]"):
        context.compute(g, {"x": array.array("f", [1, 2, 3, 4])})


def test_compute_scalar_input_takes_0d_or_one_element(context) -> None:
    g = identity_graph(context, "int32", ())
    for x in (np.int32(7), np.array(7, np.int32), np.array([7], np.int32),
              np.array([[7]], np.int32)):
        y = context.compute(g, {"x": x})["y"]
        assert y.shape == () and y.dtype == np.int32 and int(y) == 7
    with raises(TypeError, "compute", "inputs['x']", "8 bytes"):
        context.compute(g, {"x": np.array([7, 8], np.int32)})


def test_compute_raw_bytes_are_checked_by_length(ref_context) -> None:
    g = identity_graph(ref_context, "int32", (2, 2))
    want = np.array([[1, -2], [3, -4]], np.int32)
    for raw in (want.tobytes(), bytearray(want.tobytes()),
                np.frombuffer(want.tobytes(), np.uint8)):
        np.testing.assert_array_equal(ref_context.compute(g, {"x": raw})["y"], want)
    g8 = identity_graph(ref_context, "uint8", (2, 2))
    np.testing.assert_array_equal(
        ref_context.compute(g8, {"x": b"\x01\x02\x03\x04"})["y"], [[1, 2], [3, 4]])
    # uint8 data for a uint8 input is that input's array: its shape counts
    with raises(TypeError, "compute", "inputs['x']", "shape [4]", "[2, 2]"):
        ref_context.compute(g8, {"x": np.arange(4, dtype=np.uint8)})


def test_compute_fast_path_keeps_every_check(ref_context) -> None:
    ctx = ref_context
    g = identity_graph(ctx)
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    np.testing.assert_array_equal(ctx.compute(g, {"x": x})["y"], x)  # plan made
    with raises(TypeError, "compute", "[]", "['x']"):
        ctx.compute(g, {})
    with raises(TypeError, "compute", "['z']", "['x']"):
        ctx.compute(g, {"z": x})
    with raises(TypeError, "compute", "inputs['x']", "float64", "float32"):
        ctx.compute(g, {"x": np.zeros(3, np.float64)})
    with raises(TypeError, "compute", "inputs['x']", "list"):
        ctx.compute(g, {"x": [[0, 1, 2], [3, 4, 5]]})
    # a non-contiguous view is still accepted (copied once, into the tensor)
    big = np.arange(12, dtype=np.float32).reshape(2, 6)
    np.testing.assert_array_equal(ctx.compute(g, {"x": big[:, ::2]})["y"],
                                  [[0, 2, 4], [6, 8, 10]])
    # outputs are new arrays, not views of the graph's tensors
    y1 = ctx.compute(g, {"x": x})["y"]
    ctx.compute(g, {"x": x + 1})
    np.testing.assert_array_equal(y1, x)
    # the caller's input is not kept: changing it later changes nothing
    x2 = x.copy()
    y2 = ctx.compute(g, {"x": x2})["y"]
    x2[:] = -1
    np.testing.assert_array_equal(y2, x)

    other = webnnpy.ml.create_context(backend="numpy")
    try:
        with raises(TypeError, "compute", "another context"):
            other.compute(g, {"x": x})
    finally:
        other.destroy()
    g.destroy()
    with invalid_state("compute", "destroyed"):
        ctx.compute(g, {"x": x})


def test_compute_runs_after_the_work_queued_before_it(ref_context) -> None:
    ctx = ref_context
    g = identity_graph(ctx)
    x = np.ones((2, 3), np.float32)
    ctx.compute(g, {"x": x})
    order: list[str] = []
    result: list[np.ndarray] = []
    with blocked_timeline(ctx):
        ctx._timeline.post(lambda: order.append("queued"))
        th = threading.Thread(target=lambda: result.append(
            ctx.compute(g, {"x": x})["y"]))
        th.start()
        th.join(0.2)
        assert th.is_alive(), "compute() ran while the timeline was busy"
    th.join(10)
    assert not th.is_alive()
    assert order == ["queued"]
    np.testing.assert_array_equal(result[0], x)


def test_compute_backend_failure_is_unknown_error(ref_context, monkeypatch) -> None:
    ctx = ref_context
    g = identity_graph(ctx)
    x = np.ones((2, 3), np.float32)
    ctx.compute(g, {"x": x})

    def fail(compiled, i, o):
        raise ExecutionError("kernel crashed")

    monkeypatch.setattr(ctx._backend, "dispatch", fail)
    with raises(webnnpy.UnknownError, "compute", "kernel crashed"):
        ctx.compute(g, {"x": x})
    monkeypatch.undo()
    np.testing.assert_array_equal(ctx.compute(g, {"x": x})["y"], x)


def test_compute_context_lost_between_calls(ref_context) -> None:
    ctx = webnnpy.ml.create_context(backend="numpy")
    g = identity_graph(ctx)
    x = np.ones((2, 3), np.float32)
    ctx.compute(g, {"x": x})
    ctx.destroy()
    with invalid_state("compute", "lost"):
        ctx.compute(g, {"x": x})


@pytest.mark.parametrize("dtype", ["float16", "int64", "uint32", "int8"])
def test_compute_every_dtype_round_trips(ref_context, dtype) -> None:
    g = identity_graph(ref_context, dtype, (3,))
    x = np.array([1, 2, 3], dtype)
    for _ in range(2):  # first call and fast path
        y = ref_context.compute(g, {"x": x})["y"]
        assert y.dtype == np.dtype(dtype)
        np.testing.assert_array_equal(y, [1, 2, 3])
