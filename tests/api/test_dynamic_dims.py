"""Dynamic input dimensions (the dynamic-shape explainer as a declared
extension, webnnpy.api.dynamic) on every backend: expected values from
float64 formulas written here, shapes by hand."""

from __future__ import annotations

import numpy as np
import pytest

import webnnpy
from webnnpy.api.dynamic import MLDynamicDimension


def _dim(name: str, m: int) -> dict[str, object]:
    return {"name": name, "max_size": m}


def _softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def _graph(ctx: webnnpy.MLContext) -> tuple[webnnpy.MLGraph, np.ndarray]:
    b = webnnpy.MLGraphBuilder(ctx)
    x = b.input("x", {"data_type": "float32",
                      "shape": [_dim("batch", 4), _dim("seq", 16), 3]})
    w = np.linspace(-1, 1, 6).reshape(3, 2)
    y = b.softmax(b.add(b.matmul(x, b.constant(w.astype(np.float32))),
                        b.constant(np.float32(0.5) * np.ones(2, np.float32))), 2)
    return b.build({"y": y}), w


def test_shapes_carry_the_named_dimensions(context) -> None:
    b = webnnpy.MLGraphBuilder(context)
    x = b.input("x", {"data_type": "float32",
                      "shape": [1, MLDynamicDimension("seq", 8), 4]})
    y = b.transpose(b.relu(x), permutation=[0, 2, 1])
    pooled = b.reduce_mean(y, axes=[2])
    assert x.shape == (1, MLDynamicDimension("seq", 8), 4)
    assert y.shape == (1, 4, MLDynamicDimension("seq", 8))
    assert pooled.shape == (1, 4)  # reduced away: static
    g = b.build({"y": y, "p": pooled})
    assert g.outputs["y"].shape == (1, 4, MLDynamicDimension("seq", 8))
    assert g.inputs["x"].shape == (1, MLDynamicDimension("seq", 8), 4)


def test_a_derived_dimension_is_unnamed(context) -> None:
    b = webnnpy.MLGraphBuilder(context)
    x = b.input("x", {"data_type": "float32", "shape": [_dim("n", 6), 2]})
    y = b.concat([x, x], 0)  # 2n: follows n but is not n
    assert y.shape == (MLDynamicDimension("", 12), 2)


def test_compute_and_dispatch_at_several_sizes(context) -> None:
    g, w = _graph(context)
    rng = np.random.default_rng(3)
    for shape in ([1, 1, 3], [2, 5, 3], [4, 16, 3], [2, 5, 3]):
        a = rng.standard_normal(shape).astype(np.float32)
        want = _softmax(a.astype(np.float64) @ w + 0.5)
        got = context.compute(g, {"x": a})["y"]
        assert got.shape == (*shape[:2], 2)
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
        assert g.compute_shapes({"x": shape}) == {"y": [*shape[:2], 2]}
    ti = context.create_tensor({"data_type": "float32", "shape": [3, 7, 3],
                                "writable": True})
    to = context.create_tensor({"data_type": "float32", "shape": [3, 7, 2],
                                "readable": True})
    a = rng.standard_normal((3, 7, 3)).astype(np.float32)
    context.write_tensor(ti, a)
    context.dispatch(g, {"x": ti}, {"y": to})
    np.testing.assert_allclose(context.read_tensor(to),
                               _softmax(a.astype(np.float64) @ w + 0.5),
                               rtol=1e-5, atol=1e-6)
    assert len(g._specialized) == 4  # [1,1], [2,5], [4,16], [3,7]: built once each


def test_the_compiled_sizes_are_bounded(context) -> None:
    g, _ = _graph(context)
    context.dynamic_graph_cache_size = 2
    for n in (1, 2, 3):
        context.compute(g, {"x": np.ones((1, n, 3), np.float32)})
    assert [k[0][1] for k in g._specialized] == [2, 3]


def test_sizes_outside_the_declared_dimensions_are_type_errors(context) -> None:
    g, _ = _graph(context)
    cases = [([5, 2, 3], r"'batch'\) is 5; expected 1 to max_size 4"),
             ([1, 0, 3], r"'seq'\) is 0; expected 1 to max_size 16"),
             ([1, 2, 4], r"dimension 2 is 4; expected 3"),
             ([1, 2], r"expected rank 3")]
    for shape, msg in cases:
        with pytest.raises(TypeError, match=msg):
            context.compute(g, {"x": np.ones(shape, np.float32)})
        with pytest.raises(TypeError, match=msg):
            g.compute_shapes({"x": shape})
    t_in = context.create_tensor({"data_type": "float32", "shape": [5, 2, 3],
                                  "writable": True})
    t_out = context.create_tensor({"data_type": "float32", "shape": [5, 2, 2],
                                   "readable": True})
    with pytest.raises(TypeError, match="dispatch: input 'x' dimension 0"):
        context.dispatch(g, {"x": t_in}, {"y": t_out})
    t_in2 = context.create_tensor({"data_type": "float32", "shape": [2, 2, 3],
                                   "writable": True})
    with pytest.raises(TypeError, match="dispatch: outputs"):
        context.dispatch(g, {"x": t_in2}, {"y": t_out})  # y is [2, 2, 2]


def test_one_name_one_size(context) -> None:
    b = webnnpy.MLGraphBuilder(context)
    a = b.input("a", {"data_type": "float32", "shape": [_dim("n", 4)]})
    c = b.input("c", {"data_type": "float32", "shape": [_dim("n", 4)]})
    g = b.build({"s": b.add(a, c)})
    with pytest.raises(TypeError, match="'n' is 3 in input 'c' and 2 in input 'a'"):
        context.compute(g, {"a": np.ones(2, np.float32), "c": np.ones(3, np.float32)})
    got = context.compute(g, {"a": np.full(3, 2, np.float32),
                              "c": np.full(3, 5, np.float32)})["s"]
    np.testing.assert_array_equal(got, [7, 7, 7])
    with pytest.raises(TypeError, match="max_size 5 here and 4 elsewhere"):
        b2 = webnnpy.MLGraphBuilder(context)
        b2.input("a", {"data_type": "float32", "shape": [_dim("n", 4)]})
        b2.input("c", {"data_type": "float32", "shape": [_dim("n", 5)]})


def test_an_op_refuses_concrete_sizes_at_dispatch(context) -> None:
    """Deferred validation: valid at the maxima, a 3x3 convolution has no
    output for a 2x2 input; the rule says so, naming the op, before any work
    is queued."""
    b = webnnpy.MLGraphBuilder(context)
    x = b.input("x", {"data_type": "float32",
                      "shape": [1, 1, _dim("h", 8), _dim("w", 8)]})
    y = b.conv2d(x, b.constant(np.ones((1, 1, 3, 3), np.float32)), label="c3")
    g = b.build({"y": y})
    assert y.shape == (1, 1, MLDynamicDimension("", 6), MLDynamicDimension("", 6))
    got = context.compute(g, {"x": np.ones((1, 1, 4, 5), np.float32)})["y"]
    np.testing.assert_array_equal(got, np.full((1, 1, 2, 3), 9.0))
    with pytest.raises(TypeError, match=r"\[c3\] conv2d: the output height"):
        context.compute(g, {"x": np.ones((1, 1, 2, 5), np.float32)})


@pytest.mark.parametrize(("dim", "msg"), [
    ({"name": "", "max_size": 4}, "name must be a non-empty string"),
    ({"name": "n", "max_size": 0}, r"max_size must be an integer in \[1,"),
    ({"name": "n", "max_size": True}, "max_size must be an integer"),
    ({"name": "n", "max": 4}, "unknown MLDynamicDimension keys"),
])
def test_bad_dynamic_dimensions(ref_context, dim, msg) -> None:
    b = webnnpy.MLGraphBuilder(ref_context)
    with pytest.raises(TypeError, match=msg):
        b.input("x", {"data_type": "float32", "shape": [dim, 2]})


def test_a_dynamic_graph_is_not_exported_as_a_fixed_one(ref_context, tmp_path
                                                        ) -> None:
    from webnnpy.models.javascript import ExportError, export

    g, _ = _graph(ref_context)
    with pytest.raises(ExportError, match="dynamic input dimensions"):
        export(g, tmp_path)


def test_the_graph_cache_refuses_a_dynamic_graph(ref_context, tmp_path,
                                                 monkeypatch) -> None:
    monkeypatch.setenv("WEBNNPY_CACHE_DIR", str(tmp_path))
    g, _ = _graph(ref_context)
    with pytest.raises(webnnpy.NotSupportedError, match="dynamic input dimensions"):
        ref_context.save_graph("g", g)
