"""Tests specific to the ONNX Runtime backend: the lowering checked against
the IR, zero-copy tensors and constants, one session per build, error
mapping, names, and exact integer/NaN semantics that ONNX alone gets wrong.

The per-op behaviour tests run on this backend with
``WEBNNPY_TEST_BACKENDS=onnxruntime``; this file skips without onnxruntime.
"""

from __future__ import annotations

import numpy as np
import pytest

ort = pytest.importorskip("onnxruntime")
pytest.importorskip("onnx")

import webnnpy  # noqa: E402
from webnnpy.backends.errors import CompileError  # noqa: E402
from webnnpy.backends.onnxruntime import lower as lower_mod  # noqa: E402
from webnnpy.backends.onnxruntime import runtime  # noqa: E402
from webnnpy.backends.onnxruntime.emitter import ONNX_TYPES  # noqa: E402
from webnnpy.backends.onnxruntime.lower import (  # noqa: E402
    LOWERINGS,
    OPSET,
    LoweringError,
    lower,
)


@pytest.fixture
def ctx() -> webnnpy.MLContext:
    c = webnnpy.ml.create_context(backend="onnxruntime")
    yield c
    c.destroy()


def _d(dtype: str, shape: list[int]) -> dict:
    return {"data_type": dtype, "shape": shape}


def _elem(vi) -> tuple[int, list[int]]:
    t = vi.type.tensor_type
    return t.elem_type, [d.dim_value for d in t.shape.dim]


# ------------------------------------------------------------- lowering


def test_lowering_matches_the_ir(ctx):
    b = webnnpy.MLGraphBuilder(ctx)
    x = b.input("x", _d("float32", [2, 3, 4]))
    w = b.constant(np.ones((4,), np.float32))
    s = b.reduce_sum(b.add(x, w), axes=[2])
    am = b.arg_max(x, 1, output_data_type="int64")
    parts = b.split(x, [1, 2], axis=1)
    graph = b.build({"s": s, "am": am, "p0": parts[0], "p1": parts[1]})
    low = lower(graph._ir)
    model = low.model
    assert model.opset_import[0].version == OPSET
    assert [i.name for i in model.graph.input] == ["x"]
    assert _elem(model.graph.input[0]) == (ONNX_TYPES["float32"], [2, 3, 4])
    outs = {o.name: _elem(o) for o in model.graph.output}
    assert outs == {"s": (ONNX_TYPES["float32"], [2, 3]),
                    "am": (ONNX_TYPES["int64"], [2, 4]),
                    "p0": (ONNX_TYPES["float32"], [2, 1, 4]),
                    "p1": (ONNX_TYPES["float32"], [2, 2, 4])}
    # every IR value has an ONNX name, and the check passes again
    for node in graph._ir.nodes:
        for v in node.outputs:
            assert id(v) in low.value_names
    lower_mod.check_against_ir(low, graph._ir)


def test_lowering_that_disagrees_with_the_ir_is_rejected(ctx, monkeypatch):
    def bad_identity(c, node):  # drops the last dimension
        c.emit("ReduceSum", [c.input(node, "input"), c.ints([-1])], c.out(node),
               keepdims=0)

    monkeypatch.setitem(LOWERINGS, "identity", bad_identity)
    monkeypatch.setattr(lower_mod, "CHECK", True)  # builds skip it by default
    b = webnnpy.MLGraphBuilder(ctx)
    y = b.identity(b.input("x", _d("float32", [2, 3])))
    with pytest.raises(webnnpy.OperationError) as info:
        b.build({"y": y})
    assert isinstance(info.value.__cause__, LoweringError)
    assert "shape" in str(info.value)


def test_check_compares_every_ir_value(ctx):
    b = webnnpy.MLGraphBuilder(ctx)
    y = b.neg(b.input("x", _d("float32", [2, 3])))
    graph = b.build({"y": b.abs(y)})
    low = lower(graph._ir)
    # rename the intermediate's producer output: the IR value loses its info
    inner = low.value_names[id(y._value)]
    low.value_names[id(y._value)] = "nowhere"
    with pytest.raises(LoweringError, match="could not infer"):
        lower_mod.check_against_ir(low, graph._ir)
    low.value_names[id(y._value)] = inner
    lower_mod.check_against_ir(low, graph._ir)


def test_every_lowered_op_is_a_spec_op():
    from webnnpy._spec import api_table

    ops = set(api_table()["ops"])
    assert set(LOWERINGS) <= ops


def test_unlowered_ops_are_not_claimed(ctx):
    from webnnpy._spec import api_table, to_py_name

    missing = [op for op in api_table()["ops"]
               if op not in ("input", "constant", "build") and op not in LOWERINGS]
    limits = ctx.op_support_limits()
    for op in missing:
        for key, lim in limits[to_py_name(op)].items():
            assert lim["data_types"] == [], (op, key)


# ---------------------------------------------------------------- names


def test_input_and_output_names(ctx):
    b = webnnpy.MLGraphBuilder(ctx)
    name = "ä b/c:0"
    x = b.input(name, _d("float32", [2]))
    y = b.neg(x)
    graph = b.build({name: y, "copy": y, "webnn_0": b.abs(x)})
    low = graph._impl.lowered
    assert low.inputs == {name: name}
    # an output named like an input, and one value under two names, both work
    assert low.outputs[name] != name
    assert low.outputs["copy"] == "copy"
    assert not any(n.startswith(low.outputs[name].split("out")[0])
                   for n in (name, "copy", "webnn_0"))
    res = ctx.compute(graph, {name: np.array([1, -2], np.float32)})
    np.testing.assert_array_equal(res[name], [-1, 2])
    np.testing.assert_array_equal(res["copy"], [-1, 2])
    np.testing.assert_array_equal(res["webnn_0"], [1, 2])


# ----------------------------------------------------- sessions, binding


def test_one_session_per_build(ctx, monkeypatch):
    made = []
    real = ort.InferenceSession

    def counting(*args, **kwargs):
        made.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(runtime.ort, "InferenceSession", counting)
    graphs = []
    for _ in range(2):
        b = webnnpy.MLGraphBuilder(ctx)
        x = b.input("x", _d("float32", [3]))
        graphs.append(b.build({"y": b.exp(b.neg(b.abs(x)))}))
    assert len(made) == 2
    for g in graphs:
        for _ in range(3):
            ctx.compute(g, {"x": np.zeros(3, np.float32)})
    assert len(made) == 2
    assert graphs[0]._impl.session is not graphs[1]._impl.session


def test_dispatch_writes_into_the_bound_tensors(ctx):
    b = webnnpy.MLGraphBuilder(ctx)
    x = b.input("x", _d("float32", [2, 3]))
    graph = b.build({"y": b.mul(x, b.constant(np.full((2, 3), 2, np.float32)))})
    tin = ctx.create_tensor({**_d("float32", [2, 3]), "writable": True})
    tout = ctx.create_tensor({**_d("float32", [2, 3]), "readable": True})
    ctx.write_tensor(tin, np.arange(6, dtype=np.float32).reshape(2, 3))
    ctx.dispatch(graph, {"x": tin}, {"y": tout})
    host = np.empty((2, 3), np.float32)
    assert ctx.read_tensor(tout, host) is None
    np.testing.assert_array_equal(host, np.arange(6).reshape(2, 3) * 2)
    # the output OrtValue is a view of the tensor's own array: ORT wrote the
    # result there, and read_into copied it once into the caller's buffer
    buf = tout._buffer
    assert buf.value.data_ptr() == buf.array.ctypes.data
    np.testing.assert_array_equal(buf.array, host)
    # the binding is kept while the same tensors come back, a new one made
    # for new tensors, and both kept: alternating between them binds nothing
    bindings = dict(graph._impl._bindings)
    assert len(bindings) == 1
    ctx.dispatch(graph, {"x": tin}, {"y": tout})
    ctx.read_tensor(tout)
    assert graph._impl._bindings == bindings
    tout2 = ctx.create_tensor({**_d("float32", [2, 3]), "readable": True})
    ctx.dispatch(graph, {"x": tin}, {"y": tout2})
    np.testing.assert_array_equal(ctx.read_tensor(tout2), host)
    assert len(graph._impl._bindings) == 2
    both = dict(graph._impl._bindings)
    for i in range(4):
        ctx.write_tensor(tin, np.full((2, 3), i, np.float32))
        out = (tout, tout2)[i % 2]
        ctx.dispatch(graph, {"x": tin}, {"y": out})
        np.testing.assert_array_equal(ctx.read_tensor(out), np.full((2, 3), 2 * i))
    assert graph._impl._bindings == both
    # a kept binding whose tensor was destroyed since is validated again
    tout2.destroy()
    with pytest.raises(TypeError, match="destroyed"):
        ctx.dispatch(graph, {"x": tin}, {"y": tout2})


def test_read_into_copies_into_the_callers_buffer():
    backend = runtime.OrtBackend()
    from webnnpy.ir.descriptor import Desc

    t = backend.upload(Desc("int64", (2, 2)), np.array([[1, 2], [3, 2**62]], np.int64))
    out = np.zeros(4, np.int64)
    backend.read_into(t, out)
    np.testing.assert_array_equal(out, [1, 2, 3, 2**62])
    assert not np.shares_memory(backend.read(t), t.array)


def test_large_constants_reach_ort_as_ortvalues_over_the_builders_arrays(ctx):
    # (ORT copies them into its graph: see tests/backends/test_ort_constants.py)
    w = np.arange(4096, dtype=np.float32).reshape(64, 64)
    b = webnnpy.MLGraphBuilder(ctx)
    x = b.input("x", _d("float32", [64, 64]))
    c = b.constant(w)
    graph = b.build({"y": b.add(x, c)})
    low = graph._impl.lowered
    assert len(low.external) == 1
    name, arr = low.external[0]
    # the initializer holds no data in the model: it points at the builder's array
    init = next(t for t in low.model.graph.initializer if t.name == name)
    assert not init.raw_data and init.data_location == init.EXTERNAL
    assert np.shares_memory(arr, c._value.constant)
    shared = [v for v in graph._impl._keep_alive if isinstance(v, ort.OrtValue)]
    assert shared[0].data_ptr() == arr.ctypes.data
    res = ctx.compute(graph, {"x": np.ones((64, 64), np.float32)})
    np.testing.assert_array_equal(res["y"], w + 1)


# --------------------------------------------------------------- errors


def test_compile_failure_is_operation_error_with_cause(ctx, monkeypatch):
    def no_kernel(c, node):  # valid ONNX, but ORT's CPU Where has no uint64
        cond = c.const(True, "bool")
        x = c.input(node, "input")
        c.emit("Where", [cond, x, x], c.out(node))

    monkeypatch.setitem(LOWERINGS, "identity", no_kernel)
    b = webnnpy.MLGraphBuilder(ctx)
    y = b.identity(b.input("x", _d("uint64", [2])))
    with pytest.raises(webnnpy.OperationError) as info:
        b.build({"y": y})
    cause = info.value.__cause__
    assert isinstance(cause, CompileError)  # the backend's error, mapped by api
    assert "onnxruntime" in str(cause)
    assert type(cause.__cause__).__module__.startswith("onnxruntime")


def test_run_failure_rejects_the_read_with_unknown_error(ctx, monkeypatch):
    def divide_by_zero(c, node):  # ORT raises on integer division by zero
        x = c.input(node, "input")
        c.emit("Div", [x, c.emit("Sub", [x, x])], c.out(node))

    monkeypatch.setitem(LOWERINGS, "identity", divide_by_zero)
    b = webnnpy.MLGraphBuilder(ctx)
    graph = b.build({"y": b.identity(b.input("x", _d("int32", [2])))})
    tin = ctx.create_tensor({**_d("int32", [2]), "writable": True})
    tout = ctx.create_tensor({**_d("int32", [2]), "readable": True})
    ctx.dispatch(graph, {"x": tin}, {"y": tout})
    with pytest.raises(webnnpy.UnknownError) as info:
        ctx.read_tensor(tout)
    chain = []
    e = info.value
    while e is not None:
        chain.append(e)
        e = e.__cause__
    # read's UnknownError <- the dispatch's UnknownError (the backend's
    # mapping) <- the exception onnxruntime raised
    assert isinstance(chain[1], webnnpy.UnknownError)
    assert "onnxruntime" in str(chain[1])
    assert not isinstance(chain[2], webnnpy.DOMException)
    assert "division by zero" in str(chain[2])


def test_describe_names_the_runtime(ctx):
    text = ctx._backend.describe()
    assert ort.__version__ in text and "ExecutionProvider" in text


# ------------------------------------- semantics ONNX alone gets wrong


def _run(ctx, fn, **arrays):
    b = webnnpy.MLGraphBuilder(ctx)
    ops = {n: b.input(n, _d(str(a.dtype), list(a.shape))) for n, a in arrays.items()}
    graph = b.build({"y": fn(b, **ops)})
    return ctx.compute(graph, arrays)["y"]


@pytest.mark.parametrize("dtype", ["int32", "int64", "int8"])
def test_integer_div_by_zero_and_min_by_minus_one(ctx, dtype):
    lo = np.iinfo(dtype).min
    a = np.array([7, lo, -7, 5], dtype)
    b = np.array([0, -1, 2, -1], dtype)
    out = _run(ctx, lambda g, a, b: g.div(a, b), a=a, b=b)
    np.testing.assert_array_equal(out, np.array([0, lo, -3, -5], dtype))


def test_integer_pow_wraps_exactly(ctx):
    a = np.array([3, 2, -3, 7], np.int64)
    b = np.array([39, 63, 41, 0], np.int64)
    out = _run(ctx, lambda g, a, b: g.pow(a, b), a=a, b=b)
    want = [(int(x) ** int(y) + 2**63) % 2**64 - 2**63 for x, y in zip(a, b, strict=True)]
    np.testing.assert_array_equal(out, np.array(want, np.int64))
    u = np.array([2**32 - 1, 3], np.uint32)
    e = np.array([3, 21], np.uint32)
    out = _run(ctx, lambda g, a, b: g.pow(a, b), a=u, b=e)
    np.testing.assert_array_equal(out, [(2**32 - 1) ** 3 % 2**32, 3**21 % 2**32])


def test_uint64_extremes(ctx):
    x = np.array([[2**64 - 1, 3, 2**63]], np.uint64)
    mx = _run(ctx, lambda g, x: g.reduce_max(x, axes=[1]), x=x)
    mn = _run(ctx, lambda g, x: g.reduce_min(x, axes=[1]), x=x)
    am = _run(ctx, lambda g, x: g.arg_min(x, 1), x=x)
    np.testing.assert_array_equal(mx, [2**64 - 1])
    np.testing.assert_array_equal(mn, [3])
    np.testing.assert_array_equal(am, [1])


def test_nan_wins_reductions_and_arg_ops(ctx):
    x = np.array([[1, np.nan, 3, np.nan], [5, 2, 9, 1]], np.float32)
    mx = _run(ctx, lambda g, x: g.reduce_max(x, axes=[1]), x=x)
    am = _run(ctx, lambda g, x: g.arg_max(x, 1), x=x)
    an = _run(ctx, lambda g, x: g.arg_min(x, 1), x=x)
    np.testing.assert_array_equal(mx, [np.nan, 9])
    np.testing.assert_array_equal(am, [1, 2])
    np.testing.assert_array_equal(an, [1, 3])


# ------------------- integers across the whole range (ORT kernel checks)

INT_TYPES = ["int8", "uint8", "int32", "uint32", "int64", "uint64"]


def _edge_values(dtype: str, n: int = 64, seed: int = 0) -> np.ndarray:
    """Random values of the whole range mixed with values next to powers of
    two (where ONNX Runtime 1.31's int64 Min/Max/Sign/Clip misbehave)."""
    info = np.iinfo(dtype)
    special = {int(info.min), int(info.max), 0, 1}
    for k in range(info.bits):
        for v in (2**k - 1, 2**k, 2**k + 1, -(2**k) - 1, -(2**k), -(2**k) + 1):
            if info.min <= v <= info.max:
                special.add(v)
    rng = np.random.default_rng(seed)
    full = rng.integers(int(info.min), int(info.max), n, dtype=dtype, endpoint=True)
    picked = rng.choice(np.array(sorted(special), dtype=dtype), n)
    return np.concatenate([full, picked])


@pytest.mark.parametrize("dtype", INT_TYPES)
def test_integer_binary_ops_over_the_whole_range(ctx, dtype):
    a = _edge_values(dtype, seed=1)
    b = _edge_values(dtype, seed=2)
    with np.errstate(all="ignore"):
        want = {"add": a + b, "sub": a - b, "mul": a * b,
                "max": np.maximum(a, b), "min": np.minimum(a, b)}

    def fn(g, a, b):
        return [getattr(g, op)(a, b) for op in want]

    b_ = webnnpy.MLGraphBuilder(ctx)
    ia = b_.input("a", _d(dtype, [a.size]))
    ib = b_.input("b", _d(dtype, [b.size]))
    graph = b_.build({op: o for op, o in zip(want, fn(b_, ia, ib), strict=True)})
    res = ctx.compute(graph, {"a": a, "b": b})
    for op, w in want.items():
        np.testing.assert_array_equal(res[op], w, err_msg=op)
    for op, f in (("greater", np.greater), ("lesser_or_equal", np.less_equal),
                  ("equal", np.equal)):
        out = _run(ctx, lambda g, a, b, op=op: getattr(g, op)(a, b), a=a, b=b)
        np.testing.assert_array_equal(out, f(a, b).astype(np.uint8), err_msg=op)


@pytest.mark.parametrize("dtype", ["int8", "int32", "int64"])
def test_signed_unary_ops_over_the_whole_range(ctx, dtype):
    x = _edge_values(dtype, seed=3)
    with np.errstate(all="ignore"):
        for op, want in (("abs", np.abs(x)), ("neg", -x), ("sign", np.sign(x)),
                         ("relu", np.maximum(x, 0))):
            out = _run(ctx, lambda g, x, op=op: getattr(g, op)(x), x=x)
            np.testing.assert_array_equal(out, want, err_msg=op)


@pytest.mark.parametrize("dtype", INT_TYPES)
def test_integer_reductions_over_the_whole_range(ctx, dtype):
    x = _edge_values(dtype, seed=4).reshape(8, 16)
    for op, f in (("reduce_max", np.max), ("reduce_min", np.min)):
        out = _run(ctx, lambda g, x, op=op: getattr(g, op)(x, axes=[1]), x=x)
        np.testing.assert_array_equal(out, f(x, axis=1), err_msg=op)
    for op, f in (("arg_max", np.argmax), ("arg_min", np.argmin)):
        out = _run(ctx, lambda g, x, op=op: getattr(g, op)(x, 1), x=x)
        np.testing.assert_array_equal(out, f(x, axis=1), err_msg=op)
    if dtype in ("int8", "uint8"):
        return
    with np.errstate(all="ignore"):
        sums = np.sum(x, axis=1, dtype=x.dtype)
        prods = np.prod(x, axis=1, dtype=x.dtype)
        cums = np.cumsum(x, axis=1, dtype=x.dtype)
    np.testing.assert_array_equal(
        _run(ctx, lambda g, x: g.reduce_sum(x, axes=[1]), x=x), sums)
    np.testing.assert_array_equal(
        _run(ctx, lambda g, x: g.reduce_product(x, axes=[1]), x=x), prods)
    np.testing.assert_array_equal(
        _run(ctx, lambda g, x: g.cumulative_sum(x, 1), x=x), cums)


@pytest.mark.parametrize("dtype", INT_TYPES)
def test_clamp_and_where_over_the_whole_range(ctx, dtype):
    x = _edge_values(dtype, seed=5)
    info = np.iinfo(dtype)
    lo, hi = int(info.min) // 3, int(info.max) // 3
    out = _run(ctx, lambda g, x: g.clamp(x, min_value=lo, max_value=hi), x=x)
    np.testing.assert_array_equal(out, np.clip(x, lo, hi))
    y = _edge_values(dtype, seed=6)
    c = (np.arange(x.size) % 3 == 0).astype(np.uint8)
    out = _run(ctx, lambda g, c, x, y: g.where(c, x, y), c=c, x=x, y=y)
    np.testing.assert_array_equal(out, np.where(c != 0, x, y))


@pytest.mark.parametrize("dtype", INT_TYPES)
def test_float_to_integer_cast_saturates(ctx, dtype):
    info = np.iinfo(dtype)
    x = np.array([np.nan, np.inf, -np.inf, 2.0**64, -(2.0**64), 3.9, -3.9, -0.5,
                  float(info.max) * 0.5, 100.0], np.float32)
    out = _run(ctx, lambda g, x: g.cast(x, dtype), x=x)
    t = np.trunc(x.astype(np.float64))
    want = [0, info.max, info.min, info.max, info.min]
    want += [int(np.clip(v, int(info.min), int(info.max))) for v in t[5:]]
    np.testing.assert_array_equal(out, np.array(want, dtype=object).astype(dtype))


def test_where_keeps_negative_zero(ctx):
    t = np.array([-0.0, 0.0, -0.0, 1.0], np.float32)
    f = np.array([-0.0, -0.0, 2.0, -0.0], np.float32)
    c = np.array([1, 1, 0, 0], np.uint8)
    out = _run(ctx, lambda g, c, t, f: g.where(c, t, f), c=c, t=t, f=f)
    np.testing.assert_array_equal(np.signbit(out), [True, False, False, True])


@pytest.mark.parametrize("dtype", INT_TYPES)
def test_integer_max_pool_over_the_whole_range(ctx, dtype):
    x = _edge_values(dtype, n=72, seed=7).reshape(1, 2, 8, 9)
    out = _run(ctx, lambda g, x: g.max_pool2d(x, window_dimensions=[2, 3],
                                              strides=[2, 3]), x=x)
    want = x.reshape(1, 2, 4, 2, 3, 3).max(axis=(3, 5))
    np.testing.assert_array_equal(out, want)
