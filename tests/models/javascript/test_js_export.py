"""The JavaScript exporter's text: the spec's names, positional arguments vs
the options dictionary, operand references, defaults left out only where the
spec resolves the absent option to the same value, typed arrays per data
type.  No browser or node needed (node, when present, checks the syntax)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

import webnnpy
from webnnpy.models.javascript import ExportError, export, module_source

NODE = shutil.which("node")


def _graph(fn, **inputs) -> webnnpy.MLGraph:
    ctx = webnnpy.ml.create_context(backend="numpy")
    b = webnnpy.MLGraphBuilder(ctx)
    ins = {n: b.input(n, {"data_type": dt, "shape": shape})
           for n, (dt, shape) in inputs.items()}
    out = fn(b, **ins)
    outs = out if isinstance(out, dict) else {"y": out}
    return b.build(outs)


def _calls(graph: webnnpy.MLGraph) -> list[str]:
    text, _ = module_source(graph._ir)
    return [line.strip() for line in text.splitlines()
            if line.strip().startswith(("const v", "const ["))]


def test_conv2d_options_and_operand_option():
    def f(b, x, w, bias):
        return b.relu(b.conv2d(x, w, bias=bias, padding=[1, 1, 1, 1], strides=[2, 2],
                               input_layout="nhwc", filter_layout="ohwi",
                               label="conv #1"))
    g = _graph(f, x=("float32", [1, 5, 5, 3]), w=("float32", [4, 3, 3, 3]),
               bias=("float32", [4]))
    assert _calls(g) == [
        'const v0 = builder.input("x", inputs["x"]);',
        'const v1 = builder.input("w", inputs["w"]);',
        'const v2 = builder.input("bias", inputs["bias"]);',
        'const v3 = builder.conv2d(v0, v1, {padding: [1, 1, 1, 1], strides: [2, 2], '
        'inputLayout: "nhwc", filterLayout: "ohwi", bias: v2, label: "conv #1"});',
        "const v4 = builder.relu(v3);",
    ]


def test_defaults_are_left_out():
    def f(b, x):
        return b.conv2d(x, b.constant(np.ones((2, 1, 1, 1), np.float32)))
    g = _graph(f, x=("float32", [1, 1, 2, 2]))
    assert _calls(g)[-1] == "const v2 = builder.conv2d(v0, v1);"


def test_constants_use_typed_arrays_at_aligned_offsets():
    def f(b, x):
        c16 = b.constant(np.arange(3, dtype=np.float16))
        c64 = b.constant(np.array([2**60, -1], np.int64))
        cu8 = b.constant(np.array([1, 2, 3], np.uint8))
        cu64 = b.constant(np.array([2**64 - 1], np.uint64))
        return {"a": b.add(x, c16), "b": b.identity(c64), "c": b.identity(cu8),
                "d": b.identity(cu64)}
    g = _graph(f, x=("float16", [3]))
    text, weights = module_source(g._ir)
    assert 'new F16(weights, 0, 3)' in text
    assert 'new BigInt64Array(weights, 64, 2)' in text
    assert 'new Uint8Array(weights, 128, 3)' in text
    assert 'new BigUint64Array(weights, 192, 1)' in text
    assert "const F16 = globalThis.Float16Array ?? Uint16Array;" in text
    assert f"export const WEIGHTS_BYTE_LENGTH = {len(weights)};" in text
    assert np.frombuffer(weights[64:80], "<i8").tolist() == [2**60, -1]
    assert np.frombuffer(weights[0:6], "<f2").tolist() == [0, 1, 2]


def test_clamp_bounds_absent_vs_given():
    def f(b, x, i):
        return {"a": b.clamp(x), "b": b.clamp(x, min_value=-0.5),
                "c": b.clamp(x, max_value=2**70), "d": b.clamp(i, min_value=-(2**60))}
    g = _graph(f, x=("float32", [2]), i=("int64", [2]))
    calls = _calls(g)
    assert calls[2] == "const v2 = builder.clamp(v0);"
    assert calls[3] == "const v3 = builder.clamp(v0, {minValue: -0.5});"
    # 2**70 as float32 is finite: written (the float32 value's shortest text)
    assert re.fullmatch(r"const v4 = builder\.clamp\(v0, \{maxValue: \S+\}\);",
                        calls[4])
    assert calls[5] == "const v5 = builder.clamp(v1, {minValue: -1152921504606846976n});"


def test_positional_arguments_and_multiple_outputs():
    def f(b, x):
        a, c = b.split(x, [1, 3], axis=1)
        return {"a": b.concat([a, c], 1), "t": b.cast(a, "int64"),
                "s": b.slice(x, [0, 1], [2, 2], strides=[1, 2]),
                "p": b.pad(x, [1, 0], [0, 1], mode="reflection")}
    g = _graph(f, x=("float32", [2, 4]))
    assert _calls(g)[1:] == [
        "const [v1, v2] = builder.split(v0, [1, 3], {axis: 1});",
        "const v3 = builder.concat([v1, v2], 1);",
        'const v4 = builder.cast(v1, "int64");',
        "const v5 = builder.slice(v0, [0, 1], [2, 2], {strides: [1, 2]});",
        'const v6 = builder.pad(v0, [1, 0], [0, 1], {mode: "reflection"});',
    ]


def test_floats_are_written_as_their_float32_value():
    def f(b, x):
        return {"h": b.hard_sigmoid(x, alpha=0.3, beta=0.4),
                "e": b.elu(x, alpha=1e-7), "n": b.batch_normalization(
                    x, b.constant(np.zeros(4, np.float32)),
                    b.constant(np.ones(4, np.float32)), axis=1, epsilon=1e-3)}
    g = _graph(f, x=("float32", [2, 4]))
    calls = "\n".join(_calls(g))
    assert "builder.hardSigmoid(v0, {alpha: 0.3, beta: 0.4})" in calls
    assert "builder.elu(v0, {alpha: 1e-07})" in calls
    assert "{epsilon: 0.001}" in calls


def test_pool_and_conv_transpose_sizes_as_given():
    def f(b, x):
        return {"p": b.max_pool2d(x, window_dimensions=[2, 2], strides=[2, 2],
                                  output_sizes=[3, 3]),
                "q": b.average_pool2d(x),
                "t": b.conv_transpose2d(x, b.constant(np.ones((1, 1, 3, 3),
                                                              np.float32)),
                                        strides=[2, 2], output_sizes=[12, 12])}
    g = _graph(f, x=("float32", [1, 1, 5, 5]))
    assert _calls(g)[2:] == [
        "const v2 = builder.maxPool2d(v0, {windowDimensions: [2, 2], "
        "strides: [2, 2], outputSizes: [3, 3]});",
        "const v3 = builder.averagePool2d(v0);",
        "const v4 = builder.convTranspose2d(v0, v1, {strides: [2, 2], "
        "outputSizes: [12, 12]});"]


def test_resample2d_scales_or_sizes_as_given():
    def f(b, x):
        return {"a": b.resample2d(x, scales=[2.0, 0.5]),
                "b": b.resample2d(x, sizes=[3, 5], mode="linear"),
                "c": b.resample2d(x, scales=[2.0, 2.0], sizes=[7, 7]),
                "d": b.resample2d(x, axes=[1, 2], sizes=[3, 5]),
                "e": b.resample2d(x, axes=[1, 2], sizes=[2, 4])}
    g = _graph(f, x=("float32", [1, 2, 4, 4]))
    assert _calls(g)[1:] == [
        "const v1 = builder.resample2d(v0, {scales: [2, 0.5]});",
        'const v2 = builder.resample2d(v0, {mode: "linear", sizes: [3, 5]});',
        "const v3 = builder.resample2d(v0, {scales: [2, 2], sizes: [7, 7]});",
        "const v4 = builder.resample2d(v0, {sizes: [3, 5], axes: [1, 2]});",
        # sizes equal to the input's, as given (the same as leaving them out)
        "const v5 = builder.resample2d(v0, {sizes: [2, 4], axes: [1, 2]});",
    ]


def test_reduction_axes_and_recurrent_activations():
    def f(b, x):
        w = b.constant(np.zeros((1, 6, 3), np.float32))
        r = b.constant(np.zeros((1, 6, 2), np.float32))
        return {"a": b.reduce_sum(x), "b": b.reduce_sum(x, axes=[]),
                "c": b.reduce_max(x, axes=[1], keep_dimensions=True),
                "g": b.gru(x, w, r, 2, 2, activations=["relu", "tanh"])[0],
                "h": b.gru(x, w, r, 2, 2)[0]}
    g = _graph(f, x=("float32", [2, 2, 3]))
    calls = _calls(g)
    assert calls[3:] == [
        "const v3 = builder.reduceSum(v0);",
        "const v4 = builder.reduceSum(v0, {axes: []});",
        "const v5 = builder.reduceMax(v0, {axes: [1], keepDimensions: true});",
        'const [v6] = builder.gru(v0, v1, v2, 2, 2, {activations: ["relu", "tanh"]});',
        "const [v7] = builder.gru(v0, v1, v2, 2, 2);",
    ]


def test_odd_names_are_quoted():
    def f(b, **ins):
        return {"out put": b.relu(ins['in"put'])}
    g = _graph(f, **{'in"put': ("float32", [1])})
    text, _ = module_source(g._ir)
    assert 'builder.input("in\\"put", inputs["in\\"put"])' in text
    assert 'builder.build(Object.fromEntries([["out put", v1]]))' in text


def test_export_writes_files_and_accepts_ir(tmp_path: Path):
    g = _graph(lambda b, x: b.relu(x), x=("float32", [2]))
    res = export(g, tmp_path / "m")
    module, weights = res
    assert module.name == "model.js" and weights.read_bytes() == b""
    assert "export const WEIGHTS_BYTE_LENGTH = 0;" in module.read_text()
    assert export(g._ir, tmp_path / "n").module.is_file()
    with pytest.raises(TypeError):
        export(42, tmp_path / "o")


def test_unknown_op_is_an_export_error():
    g = _graph(lambda b, x: b.relu(x), x=("float32", [2]))
    g._ir.nodes[0].op = "noSuchOp"
    with pytest.raises(ExportError, match="noSuchOp"):
        module_source(g._ir)
    g._ir.nodes[0].op = "relu"
    g._ir.nodes[0].attrs["bogus"] = 1
    with pytest.raises(ExportError, match="bogus"):
        module_source(g._ir)


@pytest.mark.skipif(NODE is None, reason="node is not installed: the syntax "
                    "check of the generated module needs it")
def test_module_parses_with_node(tmp_path: Path):
    def f(b, x):
        return {"y": b.gelu(x), "z": b.cast(b.clamp(x, min_value=0), "int64")}
    g = _graph(f, x=("float16", [2, 3]))
    export(g, tmp_path / "m")
    (tmp_path / "package.json").write_text('{"type": "module"}\n')
    r = subprocess.run([NODE, "--check", str(tmp_path / "m" / "model.js")],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


def test_a_graph_from_the_graph_cache_is_refused_by_name(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch):
    # load_graph returns the backend's compiled form only: exporting it must say so
    # (it used to fail with "operand -1 used before defined")
    monkeypatch.setenv("WEBNNPY_CACHE_DIR", str(tmp_path / "cache"))
    ctx = webnnpy.ml.create_context(backend="numpy")
    b = webnnpy.MLGraphBuilder(ctx)
    x = b.input("x", {"data_type": "float32", "shape": [2]})
    ctx.save_graph("relu", b.build({"y": b.relu(x)}))
    loaded = ctx.load_graph("relu")
    np.testing.assert_array_equal(
        ctx.compute(loaded, {"x": np.array([-1, 2], np.float32)})["y"], [0, 2])
    with pytest.raises(ExportError, match=r"output 'y' is produced by no operator.*"
                                          r"load_graph"):
        export(loaded, tmp_path / "js")
    assert not (tmp_path / "js").exists()
