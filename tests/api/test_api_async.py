"""The awaitable forms of the spec's Promise-returning methods: each works
when awaited under asyncio, rejects as the blocking form raises, and exactly
the ``*_async`` methods of the public classes return an MLPromise."""

from __future__ import annotations

import asyncio
import inspect

import numpy as np
import pytest
from apitest_helpers import invalid_state, raises, tdesc

import webnnpy
from webnnpy._spec import api_table, to_py_name

PUBLIC_CLASSES = {
    name: obj for name in webnnpy.__all__
    if inspect.isclass(obj := getattr(webnnpy, name))
    and not issubclass(obj, BaseException)
}


def test_full_pipeline_async() -> None:
    async def main() -> np.ndarray:
        ctx = await webnnpy.ml.create_context_async(backend="numpy")
        try:
            b = webnnpy.MLGraphBuilder(ctx)
            x = b.input("x", tdesc("float32", [3]))
            k = await ctx.create_constant_tensor_async(
                tdesc("float32", [3]), np.array([1, 2, 3], np.float32))
            graph = await b.build_async({"y": b.mul(x, b.constant(k))})
            xt, yt = await asyncio.gather(
                ctx.create_tensor_async(tdesc("float32", [3], writable=True)),
                ctx.create_tensor_async(tdesc("float32", [3], readable=True)))
            ctx.write_tensor(xt, np.array([2, 2, -0.5], np.float32))
            ctx.dispatch(graph, {"x": xt}, {"y": yt})
            out = np.empty(3, np.float32)
            assert await ctx.read_tensor_async(yt, out) is None  # BYOB form
            first = await ctx.read_tensor_async(yt)
            np.testing.assert_array_equal(out, first)
            return first
        finally:
            ctx.destroy()

    np.testing.assert_array_equal(asyncio.run(main()), [2, 4, -1.5])


def test_create_context_async_rejections() -> None:
    async def bad_option() -> None:
        await webnnpy.ml.create_context_async(power_preference="max",
                                              backend="numpy")

    async def bad_backend() -> None:
        await webnnpy.ml.create_context_async(backend="nope")

    with raises(TypeError, "create_context", "power_preference", "'max'"):
        asyncio.run(bad_option())
    with raises(webnnpy.NotSupportedError, "create_context", "'nope'"):
        asyncio.run(bad_backend())


def test_async_forms_reject_like_the_blocking_forms() -> None:
    async def main() -> None:
        ctx = await webnnpy.ml.create_context_async(backend="numpy")
        t = await ctx.create_tensor_async(tdesc(writable=True))
        with raises(TypeError, "create_tensor", "data_type 'x'"):
            await ctx.create_tensor_async(tdesc("x"))
        with raises(TypeError, "create_constant_tensor", "bytes"):
            await ctx.create_constant_tensor_async(tdesc("float32", [1]), bytes(3))
        with raises(TypeError, "read_tensor", "not readable"):
            await ctx.read_tensor_async(t)
        b = webnnpy.MLGraphBuilder(ctx)
        x = b.input("x", tdesc())
        with raises(TypeError, "build", "an input operand"):
            await b.build_async({"x": x})
        await b.build_async({"y": b.abs(x)})
        with invalid_state("build", "already built"):
            await b.build_async({"y": x})  # state before the output checks
        ctx.destroy()
        with invalid_state("create_tensor", "lost"):
            await ctx.create_tensor_async(tdesc())
        with invalid_state("create_constant_tensor", "lost"):
            await ctx.create_constant_tensor_async(tdesc("int8", [1]), b"\x00")
        info = await ctx.lost
        assert info.message

    asyncio.run(main())


def test_blocking_forms_work_inside_a_running_loop() -> None:
    async def main() -> list[int]:
        ctx = webnnpy.ml.create_context(backend="numpy")
        try:
            t = ctx.create_tensor(tdesc("uint8", [2], readable=True,
                                        writable=True))
            ctx.write_tensor(t, b"\x07\x08")
            return ctx.read_tensor(t).tolist()
        finally:
            ctx.destroy()

    assert asyncio.run(main()) == [7, 8]


def test_public_classes_are_the_spec_interfaces() -> None:
    for iface in ("ML", "MLContext", "MLGraph", "MLGraphBuilder", "MLOperand",
                  "MLTensor"):
        assert iface in PUBLIC_CLASSES


def _returns_promise(attr: object) -> bool:
    if not callable(attr):
        return False
    ann = inspect.signature(attr).return_annotation
    return isinstance(ann, str) and ann.startswith("MLPromise")


def test_exactly_the_async_methods_return_promises() -> None:
    seen_async = set()
    for cname, cls in PUBLIC_CLASSES.items():
        for name in dir(cls):
            if name.startswith("_"):
                continue
            attr = inspect.getattr_static(cls, name)
            assert not inspect.iscoroutinefunction(attr), f"{cname}.{name}"
            is_async = _returns_promise(attr)
            assert is_async == name.endswith("_async"), f"{cname}.{name}"
            if is_async:
                seen_async.add(f"{cname}.{name}")
    assert seen_async == {
        "ML.create_context_async", "MLContext.create_tensor_async",
        "MLContext.create_constant_tensor_async", "MLContext.read_tensor_async",
        "MLGraphBuilder.build_async",
        # the graph-cache explainer's Promises (a declared extension)
        "MLContext.save_graph_async", "MLContext.load_graph_async",
        "MLContext.list_graphs_async",
    }


def _promise_methods() -> list[tuple[str, str]]:
    out = []
    for iface, entry in api_table()["interfaces"].items():
        for sig in entry["method_signatures"]:
            if sig.startswith("Promise<"):
                name = sig.split(">", 1)[1].split("(", 1)[0].strip().rsplit(" ", 1)[-1]
                out.append((iface, name))
    return sorted(set(out))


@pytest.mark.parametrize(("iface", "method"), _promise_methods())
def test_each_promise_method_has_both_forms(iface: str, method: str) -> None:
    cls = PUBLIC_CLASSES[iface]
    py = to_py_name(method)
    blocking = inspect.getattr_static(cls, py)
    coro = inspect.getattr_static(cls, py + "_async")
    assert callable(blocking) and not _returns_promise(blocking)
    assert _returns_promise(coro)
    # the same parameters, so one can switch between the forms
    assert (list(inspect.signature(blocking).parameters)
            == list(inspect.signature(coro).parameters))


def test_promise_methods_found() -> None:
    assert set(_promise_methods()) == {
        ("ML", "createContext"), ("MLContext", "createTensor"),
        ("MLContext", "createConstantTensor"), ("MLContext", "readTensor"),
        ("MLGraphBuilder", "build"),
    }


def test_methods_without_promises_are_plain() -> None:
    for cls, name in ((webnnpy.MLContext, "dispatch"),
                      (webnnpy.MLContext, "write_tensor"),
                      (webnnpy.MLContext, "op_support_limits"),
                      (webnnpy.MLContext, "destroy"),
                      (webnnpy.MLGraph, "destroy"), (webnnpy.MLTensor, "destroy")):
        assert not hasattr(cls, name + "_async"), name
        assert not inspect.iscoroutinefunction(getattr(cls, name))


def test_lost_is_a_promise_usable_both_ways() -> None:
    ctx = webnnpy.ml.create_context(backend="numpy")
    assert isinstance(ctx.lost, webnnpy.MLPromise)
    ctx.destroy()
    assert ctx.lost.result(timeout=1).message

    async def main() -> str:
        return (await ctx.lost).message

    assert asyncio.run(main()) == ctx.lost.result().message
