"""The context timeline: ordering, which calls return at once and which wait,
tensor destroy with pending reads, and context loss (#api-mlcontext,
#api-mltensor-destroy, #api-mlcontext-destroy, #api-mlcontext-errors)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
import time

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


@pytest.fixture
def ctx():
    c = webnnpy.ml.create_context(backend="numpy")
    yield c
    c.destroy()


def _double_graph(ctx) -> webnnpy.MLGraph:
    """``y = x + x`` on int32 [3]."""
    b = webnnpy.MLGraphBuilder(ctx)
    x = b.input("x", tdesc("int32", [3]))
    return b.build({"y": b.add(x, x)})


def _t(ctx, **flags):
    return ctx.create_tensor(tdesc("int32", [3], **flags))


def _i32(*v: int) -> np.ndarray:
    return np.array(v, np.int32)


# ----------------------------------------------------------------- ordering


def test_write_dispatch_write_dispatch_read(ctx) -> None:
    g = _double_graph(ctx)
    x = _t(ctx, writable=True)
    y1 = _t(ctx, readable=True)
    y2 = _t(ctx, readable=True)
    ctx.write_tensor(x, _i32(1, 2, 3))
    ctx.dispatch(g, {"x": x}, {"y": y1})
    ctx.write_tensor(x, _i32(10, 20, 30))  # after the first dispatch read x
    ctx.dispatch(g, {"x": x}, {"y": y2})
    assert ctx.read_tensor(y1).tolist() == [2, 4, 6]
    assert ctx.read_tensor(y2).tolist() == [20, 40, 60]


def test_same_output_overwritten_in_order(ctx) -> None:
    g = _double_graph(ctx)
    x = _t(ctx, writable=True)
    y = _t(ctx, readable=True)
    ctx.write_tensor(x, _i32(1, 1, 1))
    ctx.dispatch(g, {"x": x}, {"y": y})
    ctx.write_tensor(x, _i32(7, 8, 9))
    ctx.dispatch(g, {"x": x}, {"y": y})
    assert ctx.read_tensor(y).tolist() == [14, 16, 18]  # the last dispatch wins


def test_chained_dispatches(ctx) -> None:
    g = _double_graph(ctx)
    a = _t(ctx, writable=True)
    b, c = _t(ctx), _t(ctx)
    d = _t(ctx, readable=True)
    ctx.write_tensor(a, _i32(1, -2, 3))
    ctx.dispatch(g, {"x": a}, {"y": b})  # b = 2a
    ctx.dispatch(g, {"x": b}, {"y": c})  # c = 4a
    ctx.dispatch(g, {"x": c}, {"y": d})  # d = 8a
    assert ctx.read_tensor(d).tolist() == [8, -16, 24]


def test_reads_interleaved_with_writes(ctx) -> None:
    t = _t(ctx, readable=True, writable=True)
    seen = []
    for k in range(5):
        ctx.write_tensor(t, _i32(k, k + 1, k + 2))
        seen.append(ctx.read_tensor(t).tolist())
    assert seen == [[k, k + 1, k + 2] for k in range(5)]


def test_async_read_is_queued_when_called(ctx) -> None:
    # As with a JavaScript promise, the read takes its place on the timeline
    # when read_tensor_async() is called, before the later writes.
    t = _t(ctx, readable=True, writable=True)

    async def main() -> list[list[int]]:
        reads = []
        for k in range(3):
            ctx.write_tensor(t, _i32(k, k, k))
            reads.append(ctx.read_tensor_async(t))
        return [r.tolist() for r in await asyncio.gather(*reads)]

    assert asyncio.run(main()) == [[0, 0, 0], [1, 1, 1], [2, 2, 2]]


# ------------------------------------------------- returns at once / waits


def test_write_and_dispatch_return_immediately(ctx) -> None:
    g = _double_graph(ctx)
    x = _t(ctx, writable=True)
    y = _t(ctx, readable=True)
    with blocked_timeline(ctx) as release:
        # the timeline is stuck: these only queue work and return
        t0 = time.monotonic()
        ctx.write_tensor(x, _i32(4, 5, 6))
        ctx.dispatch(g, {"x": x}, {"y": y})
        assert time.monotonic() - t0 < 1.0
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            pending = pool.submit(ctx.read_tensor, y)
            time.sleep(0.05)
            assert not pending.done()  # the read waits for the queue
            release.set()
            assert pending.result(timeout=10).tolist() == [8, 10, 12]


def test_blocking_create_tensor_and_build_wait(ctx) -> None:
    with blocked_timeline(ctx) as release, \
            concurrent.futures.ThreadPoolExecutor(2) as pool:
        made = pool.submit(ctx.create_tensor, tdesc())
        b = webnnpy.MLGraphBuilder(ctx)
        y = b.abs(b.input("x", tdesc()))
        built = pool.submit(b.build, {"y": y})
        time.sleep(0.05)
        assert not made.done() and not built.done()
        release.set()
        assert isinstance(made.result(timeout=10), webnnpy.MLTensor)
        assert isinstance(built.result(timeout=10), webnnpy.MLGraph)


# ----------------------------------------------------- MLTensor.destroy()


def test_destroy_rejects_pending_reads(ctx) -> None:
    t = _t(ctx, readable=True)

    async def main() -> None:
        with blocked_timeline(ctx):
            first = asyncio.ensure_future(ctx.read_tensor_async(t))
            second = asyncio.ensure_future(
                ctx.read_tensor_async(t, np.empty(3, np.int32)))
            await asyncio.sleep(0)  # both reads are now queued
            assert len(t._pending) == 2
            t.destroy()
            for fut in (first, second):
                with invalid_state("read_tensor", "destroyed"):
                    await fut
        assert not t._pending

    asyncio.run(main())


def test_destroy_rejects_a_read_its_caller_has_not_taken(ctx) -> None:
    # In JavaScript the read's promise settles in a later task, so
    # `p = readTensor(t); t.destroy()` rejects p however fast the copy was.
    # Here the timeline may already have settled it; not yet taken, it is
    # still rejected.
    t = _t(ctx, readable=True)
    p = ctx.read_tensor_async(t)
    assert p._timeline is not None
    assert p.wait_settled(10) and p.done()  # the copy has run...
    t.destroy()                             # ...but the caller had not taken it
    with invalid_state("read_tensor", "destroyed"):
        p.result()


def test_destroy_leaves_a_taken_read_alone(ctx) -> None:
    t = _t(ctx, readable=True, writable=True)
    ctx.write_tensor(t, _i32(4, 5, 6))
    p = ctx.read_tensor_async(t)
    assert p.result().tolist() == [4, 5, 6]
    t.destroy()
    assert p.result().tolist() == [4, 5, 6]


def test_dropped_reads_are_not_kept(ctx) -> None:
    t = _t(ctx, readable=True)
    for _ in range(5):
        ctx.read_tensor_async(t).result()
    import gc
    gc.collect()
    assert len(t._pending) == 0


def test_destroy_rejects_pending_blocking_read(ctx) -> None:
    t = _t(ctx, readable=True)
    with blocked_timeline(ctx), concurrent.futures.ThreadPoolExecutor(1) as pool:
        pending = pool.submit(ctx.read_tensor, t)
        for _ in range(200):  # wait until the read is queued
            if t._pending:
                break
            time.sleep(0.005)
        assert t._pending
        t.destroy()
        with invalid_state("read_tensor", "destroyed"):
            pending.result(timeout=10)


def test_destroy_after_read_completed_changes_nothing(ctx) -> None:
    t = _t(ctx, readable=True, writable=True)
    ctx.write_tensor(t, _i32(1, 2, 3))
    out = ctx.read_tensor(t)
    t.destroy()
    assert out.tolist() == [1, 2, 3]


def test_write_then_destroy_is_harmless(ctx) -> None:
    t = _t(ctx, writable=True)
    with blocked_timeline(ctx):
        ctx.write_tensor(t, _i32(1, 2, 3))
        t.destroy()
    u = _t(ctx, readable=True)
    assert ctx.read_tensor(u).tolist() == [0, 0, 0]  # the timeline went on


# ------------------------------------------------------ MLContext.destroy()


def test_context_destroy_resolves_lost_with_a_message() -> None:
    c = webnnpy.ml.create_context(backend="numpy")
    assert not c.lost.done()
    c.destroy()
    info = c.lost.result(timeout=1)
    assert isinstance(info, webnnpy.MLContextLostInfo)
    assert isinstance(info.message, str) and "destroy()" in info.message
    c.destroy()  # idempotent: "if this is lost, abort these steps"
    assert c.lost.result() is info
    assert "lost" in repr(c)


def test_lost_is_awaitable() -> None:
    c = webnnpy.ml.create_context(backend="numpy")

    async def main() -> webnnpy.MLContextLostInfo:
        asyncio.get_running_loop().call_soon(c.destroy)
        return await c.lost

    assert asyncio.run(main()).message


def test_context_destroy_destroys_graphs_and_tensors() -> None:
    c = webnnpy.ml.create_context(backend="numpy")
    g = identity_graph(c)
    x = c.create_tensor(tdesc(writable=True))
    y = c.create_tensor(tdesc(readable=True))
    k = c.create_constant_tensor(tdesc("int8", [1]), b"\x01")
    c.destroy()
    assert g._destroyed and x._destroyed and y._destroyed and k._destroyed
    with invalid_state("dispatch", "destroyed"):
        c.dispatch(g, {"x": x}, {"y": y})
    with raises(TypeError, "write_tensor", "destroyed"):
        c.write_tensor(x, np.zeros((2, 3), np.float32))
    with raises(TypeError, "read_tensor", "destroyed"):
        c.read_tensor(y)
    g.destroy()
    x.destroy()  # destroy stays idempotent on a lost context


def test_calls_after_context_destroy() -> None:
    c = webnnpy.ml.create_context(backend="numpy")
    b = webnnpy.MLGraphBuilder(c)
    x = b.input("x", tdesc())
    c.destroy()
    with invalid_state("create_tensor", "lost"):
        c.create_tensor(tdesc())
    with invalid_state("create_constant_tensor", "lost"):
        c.create_constant_tensor(tdesc("float32", [1]), bytes(4))
    with invalid_state("MLGraphBuilder", "lost"):
        webnnpy.MLGraphBuilder(c)
    with invalid_state("abs", "lost"):
        b.abs(x)
    with invalid_state("build", "lost"):
        b.build({"y": x})
    # opSupportLimits() has no lost check
    assert "add" in c.op_support_limits()


def test_context_destroy_rejects_queued_work() -> None:
    c = webnnpy.ml.create_context(backend="numpy")
    t = c.create_tensor(tdesc("int32", [3], readable=True))
    b = webnnpy.MLGraphBuilder(c)
    y = b.abs(b.input("x", tdesc()))

    async def main() -> None:
        with blocked_timeline(c):
            read = asyncio.ensure_future(c.read_tensor_async(t))
            made = asyncio.ensure_future(c.create_tensor_async(tdesc()))
            const = asyncio.ensure_future(
                c.create_constant_tensor_async(tdesc("int8", [1]), b"\x01"))
            built = asyncio.ensure_future(b.build_async({"y": y}))
            await asyncio.sleep(0)  # all four are queued behind the block
            c.destroy()
            # the read is rejected at once, by destroying its tensor
            with invalid_state("read_tensor"):
                await asyncio.wait_for(read, 5)
        # the rest is aborted when the timeline reaches it
        for fut, where in ((made, "create_tensor"),
                           (const, "create_constant_tensor"), (built, "build")):
            with invalid_state(where, "lost"):
                await asyncio.wait_for(fut, 5)

    asyncio.run(main())


def test_queued_dispatch_and_write_are_aborted() -> None:
    c = webnnpy.ml.create_context(backend="numpy")
    g = identity_graph(c, "int32", [3])
    x = c.create_tensor(tdesc("int32", [3], writable=True))
    y = c.create_tensor(tdesc("int32", [3], readable=True))
    ran = []
    real = c._backend.dispatch
    c._backend.dispatch = lambda *a: ran.append(1) or real(*a)  # type: ignore[method-assign]
    with blocked_timeline(c):
        c.write_tensor(x, _i32(1, 2, 3))
        c.dispatch(g, {"x": x}, {"y": y})
        c.destroy()
    c._timeline._thread.join(10)  # the queue has drained and the worker ended
    assert not c._timeline._thread.is_alive()
    assert ran == []  # "abort when this is lost"


def test_timeline_thread_stops_after_destroy() -> None:
    c = webnnpy.ml.create_context(backend="numpy")
    thread = c._timeline._thread
    c.destroy()
    thread.join(timeout=5)
    assert not thread.is_alive()
    # work enqueued after the loss is rejected rather than left pending
    p = c._timeline.enqueue(lambda: 1)
    with invalid_state("lost"):
        p.result(timeout=1)


def test_context_lost_steps_with_a_platform_message() -> None:
    # the "context lost" steps the platform runs when the device goes away
    c = webnnpy.ml.create_context(backend="numpy")
    t = c.create_tensor(tdesc(readable=True))
    c._lose("the GPU was removed")
    assert c.lost.result(timeout=1).message == "the GPU was removed"
    assert t._destroyed
    c.destroy()  # already lost: nothing happens, the message stays
    assert c.lost.result().message == "the GPU was removed"


def test_loss_while_work_runs_aborts_it() -> None:
    # "abort when this is lost" also covers work already running: a build
    # whose compilation is under way when the context is lost rejects
    c = webnnpy.ml.create_context(backend="numpy")
    entered, release = threading.Event(), threading.Event()
    real = c._backend.compile

    def slow_compile(graph):
        entered.set()
        release.wait(10)
        return real(graph)

    c._backend.compile = slow_compile  # type: ignore[method-assign]
    b = webnnpy.MLGraphBuilder(c)
    y = b.abs(b.input("x", tdesc()))
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        built = pool.submit(b.build, {"y": y})
        assert entered.wait(10)
        c.destroy()
        release.set()
        with invalid_state("build", "lost"):
            built.result(timeout=10)
