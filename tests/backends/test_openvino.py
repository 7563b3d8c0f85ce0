"""OpenVINO backend specifics: precision, errors, device choice, memory
sharing, the CPU plugin's integer quirks the lowering works around, and an
imported ONNX model compared with onnx.reference.

Expected values come from hand computation, float64 formulas or
``onnx.reference``; never from webnnpy.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

ov = pytest.importorskip("openvino")

import webnnpy  # noqa: E402
from webnnpy.backends.openvino import lower as ov_lower  # noqa: E402
from webnnpy.backends.openvino import runtime  # noqa: E402
from webnnpy.ir.descriptor import Desc  # noqa: E402


@pytest.fixture
def ctx() -> Any:
    c = webnnpy.ml.create_context(backend="openvino")
    yield c
    c.destroy()


def _build(ctx: Any, fn: Any, inputs: dict[str, np.ndarray],
           constants: dict[str, np.ndarray] | None = None) -> Any:
    b = webnnpy.MLGraphBuilder(ctx)
    ops = {n: b.input(n, {"data_type": str(a.dtype), "shape": list(a.shape)})
           for n, a in inputs.items()}
    for n, a in (constants or {}).items():
        ops[n] = b.constant({"data_type": str(a.dtype), "shape": list(a.shape)}, a)
    return b.build({"out": fn(b, **ops)})


def _run(ctx: Any, fn: Any, inputs: dict[str, np.ndarray],
         constants: dict[str, np.ndarray] | None = None) -> np.ndarray:
    return ctx.compute(_build(ctx, fn, inputs, constants), inputs)["out"]


# ----------------------------------------------------------------- precision


def test_float32_graph_runs_in_float32(ctx: Any) -> None:
    # A bf16 or f16 run of this matmul would be ~1e-3 off; float32 with
    # float32 accumulation is within 1e-5 of the float64 product.
    rng = np.random.default_rng(0)
    a = rng.uniform(-1, 1, (64, 256)).astype(np.float32)
    w = rng.uniform(-1, 1, (256, 32)).astype(np.float32)
    g = _build(ctx, lambda b, a, w: b.matmul(a, w), {"a": a}, {"w": w})
    assert g._impl.compiled.get_property("INFERENCE_PRECISION_HINT") == ov.Type.f32
    out = ctx.compute(g, {"a": a})["out"]
    want = a.astype(np.float64) @ w.astype(np.float64)
    assert np.max(np.abs(out - want)) < 1e-4
    assert np.max(np.abs(out - want) / (np.abs(want) + 1)) < 1e-5


def test_float16_result_is_rounded_once(ctx: Any) -> None:
    x = np.array([2048, 1, 0.1], np.float16)
    out = _run(ctx, lambda b, x: b.add(x, x), {"x": x})
    assert out.dtype == np.float16
    np.testing.assert_array_equal(out, np.array([4096, 2, 0.2], np.float16))


# -------------------------------------------------------------------- errors


def test_compile_failure_is_operation_error(ctx: Any, monkeypatch) -> None:
    def fail(*_a: Any, **_k: Any) -> None:
        raise RuntimeError("plugin refused the model")

    monkeypatch.setattr(runtime.core(), "compile_model", fail, raising=False)
    x = np.ones(3, np.float32)
    with pytest.raises(webnnpy.OperationError, match="plugin refused the model"):
        _build(ctx, lambda b, x: b.relu(x), {"x": x})


def test_a_rejected_node_names_the_op_and_label(ctx: Any, monkeypatch) -> None:
    def reject(_ctx: Any, _node: Any) -> None:
        raise RuntimeError("Check 'rank' failed")

    monkeypatch.setitem(ov_lower.LOWERINGS, "softmax", reject)
    x = np.ones((2, 3), np.float32)
    with pytest.raises(webnnpy.OperationError,
                       match=r"softmax \('probs'\): Check 'rank' failed"):
        _build(ctx, lambda b, x: b.softmax(x, 1, label="probs"), {"x": x})


def test_int64_limits_name_the_ops_lowered_on_words(ctx: Any) -> None:
    # 64-bit values are int32 word pairs inside; ops without a word lowering
    # leave int64/uint64 out, and building one is the spec's TypeError
    limits = ctx.op_support_limits()
    for op, key in (("add", "a"), ("mul", "b"), ("cast", "input"),
                    ("equal", "a"), ("gather", "input"), ("where", "true_value")):
        assert {"int64", "uint64"} <= set(limits[op][key]["data_types"]), op
    for op, key in (("reduce_sum", "input"), ("arg_max", "input"),
                    ("max_pool2d", "input"), ("cumulative_sum", "input")):
        assert {"int64", "uint64"} <= set(limits[op][key]["data_types"]), op
    assert "int64" not in limits["div"]["a"]["data_types"]
    assert "int64" not in limits["pow"]["a"]["data_types"]
    x = np.array([2**40 + 1], np.int64)
    with pytest.raises(TypeError, match="int64"):
        _build(ctx, lambda b, x: b.div(x, x), {"x": x})


def _i64(values: list[int], dtype: str = "int64") -> np.ndarray:
    return np.array(values, dtype=dtype)


def test_int64_arithmetic_is_exact_beyond_int32(ctx: Any) -> None:
    # expected values from Python integers, wrapped to 64 bits by hand
    a = [2**40 + 1, -(2**40) - 3, 2**63 - 1, -(2**63), 4294967295, -1, 3 * 2**33 + 7]
    b = [2**32 - 1, 2**31, 1, -1, 4294967297, -(2**62), -(2**33) + 5]

    def wrap(v: int) -> int:
        return (v + 2**63) % 2**64 - 2**63

    x, y = _i64(a), _i64(b)
    for name, fn in (("add", lambda p, q: p + q), ("sub", lambda p, q: p - q),
                     ("mul", lambda p, q: p * q)):
        out = _run(ctx, lambda bb, x, y, name=name: getattr(bb, name)(x, y),
                   {"x": x, "y": y})
        assert out.dtype == np.int64
        assert out.tolist() == [wrap(fn(p, q)) for p, q in zip(a, b, strict=True)], name
    less = _run(ctx, lambda bb, x, y: bb.lesser(x, y), {"x": x, "y": y})
    assert less.tolist() == [int(p < q) for p, q in zip(a, b, strict=True)]
    neg = _run(ctx, lambda bb, x: bb.neg(x), {"x": x})
    assert neg.tolist() == [wrap(-p) for p in a]
    sign = _run(ctx, lambda bb, x: bb.sign(x), {"x": x})
    assert sign.tolist() == [(p > 0) - (p < 0) for p in a]


def test_uint64_compare_and_clamp_use_unsigned_words(ctx: Any) -> None:
    a = [0, 2**63, 2**64 - 1, 2**32, 2**32 - 1, 5]
    x = _i64(a, "uint64")
    out = _run(ctx, lambda b, x: b.clamp(x, min_value=2**32 - 1, max_value=2**63 + 1),
               {"x": x})
    assert out.dtype == np.uint64
    assert out.tolist() == [min(max(p, 2**32 - 1), 2**63 + 1) for p in a]
    gt = _run(ctx, lambda b, x: b.greater(x, b.constant(
        {"data_type": "uint64", "shape": []}, np.array(2**32, np.uint64))), {"x": x})
    assert gt.tolist() == [int(p > 2**32) for p in a]


def test_int64_casts_by_words(ctx: Any) -> None:
    f = np.array([3.9e18, -3.9e18, 1e19, -1e19, np.nan, -2.5, 2.0**31, 6e9],
                 np.float32)
    out = _run(ctx, lambda b, x: b.cast(x, "int64"), {"x": f})
    # truncation toward zero, saturation at the int64 range, NaN -> 0, from
    # the float32 values themselves (exact Python ints of them)
    want = [int(float(v)) if np.isfinite(v) else 0 for v in f.tolist()]
    want = [min(max(v, -(2**63)), 2**63 - 1) for v in want]
    assert out.tolist() == want
    x = _i64([2**40 + 5, -(2**35) - 1, 300, -129, 2**31])
    low = _run(ctx, lambda b, x: b.cast(x, "int32"), {"x": x})
    assert low.tolist() == [5, -1, 300, -129, -(2**31)]  # the low 32 bits
    small = _run(ctx, lambda b, x: b.cast(x, "int8"), {"x": x})
    assert small.tolist() == [5, -1, 44, 127, 0]
    back = _run(ctx, lambda b, x: b.cast(x, "float32"), {"x": _i64([-7, 2**24 + 1])})
    assert back.tolist() == [-7.0, 2.0**24]  # nearest, ties to even


def test_int64_mask_to_float_as_transformers_use_it(ctx: Any) -> None:
    # attention masks: int64 input -> (mask != 0) -> float, then 1 - m
    m = _i64([[1, 1, 0, 2**33]])
    out = _run(ctx, lambda b, m: b.sub(
        b.constant({"data_type": "float32", "shape": []}, np.array(1, np.float32)),
        b.cast(b.not_equal(m, b.constant({"data_type": "int64", "shape": []},
                                          np.array(0, np.int64))), "float32")),
        {"m": m})
    assert out.tolist() == [[0.0, 0.0, 1.0, 0.0]]


# -------------------------------------------------------------------- device


def test_accelerated_falls_back_to_cpu_and_says_so(monkeypatch) -> None:
    class FakeCore:
        available_devices = ("CPU",)

    monkeypatch.setattr(runtime, "core", lambda: FakeCore())
    be = runtime.OpenVinoBackend(accelerated=True)
    assert be.device == "CPU"
    assert "no GPU/NPU device found, so CPU" in be.describe()


def test_accelerated_picks_a_gpu_when_listed(monkeypatch) -> None:
    class FakeCore:
        available_devices = ("CPU", "GPU.0")

    monkeypatch.setattr(runtime, "core", lambda: FakeCore())
    assert runtime.OpenVinoBackend(accelerated=True).device == "GPU.0"
    assert runtime.OpenVinoBackend(accelerated=False).device == "CPU"


# ------------------------------------------------------------ memory sharing


def test_tensors_share_memory_with_numpy() -> None:
    be = runtime.OpenVinoBackend(accelerated=False)
    t = be.allocate(Desc("float32", (2, 3)))
    assert np.shares_memory(t.tensor.data, t.array)
    wide = be.allocate(Desc("int64", (4,)))  # int32 (low, high) pairs
    assert wide.tensor.data.shape == (4, 2)
    assert np.shares_memory(wide.tensor.data, wide.array)


def test_large_constants_are_not_copied(ctx: Any) -> None:
    w = np.arange(4096, dtype=np.float32).reshape(64, 64)
    g = _build(ctx, lambda b, x, w: b.matmul(x, w),
               {"x": np.ones((1, 64), np.float32)}, {"w": w})
    kept = g._impl.lowered.keep_alive
    consts = [op for op in g._impl.lowered.model.get_ordered_ops()
              if op.get_type_name() == "Constant" and op.get_byte_size() == w.nbytes]
    assert consts and any(np.shares_memory(consts[0].data, k) for k in kept)


# -------------------------------------------- the CPU plugin's integer quirks


def test_int64_indices_clamp_exactly(ctx: Any) -> None:
    # int64 graph inputs travel as int32 pairs: 2**40 must clamp to the last
    # row, -2**40 to the first (int32 wrapping would read 0 for both)
    x = np.array([[1, 2], [3, 4], [5, 6]], np.float32)
    i = np.array([2**40, -(2**40), 1, -1], np.int64)
    out = _run(ctx, lambda b, x, i: b.gather(x, i), {"x": x, "i": i})
    np.testing.assert_array_equal(out, [[5, 6], [1, 2], [3, 4], [5, 6]])


def test_arg_max_int64_output(ctx: Any) -> None:
    x = np.array([[1, 9, 9], [7, 2, 3]], np.float32)
    out = _run(ctx, lambda b, x: b.arg_max(x, 1, output_data_type="int64"),
               {"x": x})
    assert out.dtype == np.int64
    np.testing.assert_array_equal(out, [1, 0])


def test_int32_comparisons_beyond_float32(ctx: Any) -> None:
    # the plugin compares int32 in float32, where 2**24 + 1 == 2**24
    a = np.array([2**24 + 1, -(2**24) - 1, 2**31 - 1], np.int32)
    b_ = np.array([2**24, -(2**24), 2**31 - 2], np.int32)
    out = _run(ctx, lambda b, a, c: b.greater(a, c), {"a": a, "c": b_})
    np.testing.assert_array_equal(out, [1, 0, 1])
    pair = np.array([2**24 + 1, 2**24], np.int32)
    out = _run(ctx, lambda b, a: b.reduce_max(a), {"a": pair})
    assert int(out) == 2**24 + 1


def test_uint32_constants_keep_their_high_bit(ctx: Any) -> None:
    # a uint32 Constant of 2**31 or more becomes 2**31 - 1 in the plugin
    x = np.array([0, 1, 2**31], np.uint32)
    k = np.array([2**32 - 1, 2**31, 5], np.uint32)
    out = _run(ctx, lambda b, x, k: b.add(x, k), {"x": x}, {"k": k})
    np.testing.assert_array_equal(out, np.array([2**32 - 1, 2**31 + 1, 2**31 + 5],
                                                np.uint32))
    out = _run(ctx, lambda b, x, k: b.greater(k, x), {"x": x}, {"k": k})
    np.testing.assert_array_equal(out, [1, 1, 0])


def test_nan_survives_exp_and_max(ctx: Any) -> None:
    # the plugin's Exp gives inf for NaN and its Maximum drops NaN
    x = np.array([np.nan, 0.0], np.float32)
    out = _run(ctx, lambda b, x: b.exp(x), {"x": x})
    assert np.isnan(out[0]) and out[1] == 1.0
    out = _run(ctx, lambda b, x: b.max(x, b.constant(
        {"data_type": "float32", "shape": [2]}, np.zeros(2, np.float32))), {"x": x})
    assert np.isnan(out[0]) and out[1] == 0.0


def test_output_equal_to_an_input_is_written(ctx: Any) -> None:
    # a Result reading a Parameter directly was left unwritten by the plugin
    x = np.array([1.5, -2.0], np.float32)
    out = _run(ctx, lambda b, x: b.reshape(x, [2]), {"x": x})
    np.testing.assert_array_equal(out, x)
    out = _run(ctx, lambda b, x: b.expand(b.reshape(x, [2]), [2]), {"x": x})
    np.testing.assert_array_equal(out, x)


@pytest.mark.parametrize("alpha,beta", [(0.5, 0.5), (0.2, 0.5), (-0.5, 0.25),
                                        (0.0, 0.5)])
def test_hard_sigmoid_float32_at_its_corners(ctx: Any, alpha: float,
                                             beta: float) -> None:
    # fuzz seed 20261203, graph seed 341539168: the CPU plugin's
    # Subtract(x, c) -> HardSigmoid gave hardSigmoid(0, alpha 0.5) = 1, not
    # 0.5: the float32 lowering's shifted form now clamps with Maximum/Minimum;
    # fuzz seed 7, graph seed 84263577: HardSigmoid with alpha 0 gave 0.713
    # for x = 1 (beta 0.5).  alpha 0 at +-inf: 0 * inf is NaN
    x = np.array([0, 1, -1, -2.50015, 2, -4, np.inf, -np.inf, np.nan], np.float32)
    out = _run(ctx, lambda b, x: b.hard_sigmoid(x, alpha=alpha, beta=beta),
               {"x": x})
    with np.errstate(invalid="ignore"):
        want = np.clip(alpha * x.astype(np.float64) + beta, 0, 1)
    np.testing.assert_allclose(out, want.astype(np.float32), rtol=2.5e-7,
                               atol=1e-12)
    assert np.isnan(out[-1])


def test_prelu_int8_wraps(ctx: Any) -> None:
    # fuzz seed 20261203, graph seed 2705487872: the CPU plugin's int8
    # Multiply saturates (-128 * -1 gave 127); WebNN's integer ops wrap
    x = np.array([-128, -100, -1, 0, 5, 127], np.int8)
    slope = np.array([-1, 3, -128, 7, 2, -1], np.int8)
    out = _run(ctx, lambda b, x, s: b.prelu(x, s), {"x": x}, {"s": slope})
    wide = x.astype(np.int64)
    want = np.where(wide >= 0, wide, wide * slope.astype(np.int64))
    np.testing.assert_array_equal(out, ((want + 128) % 256 - 128).astype(np.int8))


def test_int32_div_is_exact(ctx: Any) -> None:
    # fuzz seed 20261203, graph seed 3621972108: the CPU plugin divides int32
    # in float32 (-2**31 / -3 gave 715827904)
    # (fuzz seed 7, graph seed 2408701660: -2**31 / -2**31 gave 2 at first)
    a = np.array([-2**31, 2**31 - 1, 2**31 - 1, 16777217, -16777217, 7, -7,
                  2**31 - 1, -2**31, 123456789, -2**31, 5, 2**31 - 1], np.int32)
    b = np.array([-3, 7, 2**30 + 1, 1, 3, -2, 2, -(2**31 - 1), 2**30, -10,
                  -2**31, -2**31, -2**31], np.int32)
    out = _run(ctx, lambda bl, a, b: bl.div(a, b), {"a": a, "b": b})
    want = [(abs(x) // abs(y)) * (1 if (x < 0) == (y < 0) else -1)
            for x, y in zip(a.tolist(), b.tolist(), strict=True)]
    np.testing.assert_array_equal(out, np.array(want, np.int32))


def test_softmax_slice_with_nan_is_nan(ctx: Any) -> None:
    # fuzz seed 20261203, graph seed 2025521613: the plugin's SoftMax gave 0
    # beside a NaN; the spec's x - max(x), exp, sum gives NaN across the
    # slice, also where the maximum is +inf (inf - inf) or all are -inf
    x = np.array([[0, np.nan, 1], [np.inf, 1, 2], [-np.inf] * 3,
                  [-np.inf, 0, 0]], np.float32)
    out = _run(ctx, lambda b, x: b.softmax(x, 1), {"x": x})
    assert np.isnan(out[:3]).all(), out
    np.testing.assert_array_equal(out[3], np.array([0, 0.5, 0.5], np.float32))


def test_resample2d_linear_keeps_an_infinite_sample(ctx: Any) -> None:
    # fuzz seed 20261203, graph seed 3054576020: lo * 1 + hi * 0 made NaN of
    # an infinite sample; where the weight is 0 the sample is taken as is
    x = np.array([0, 0, np.inf, 0], np.float16).reshape(1, 1, 4, 1)
    out = _run(ctx, lambda b, x: b.resample2d(x, mode="linear"), {"x": x})
    np.testing.assert_array_equal(out, x)
    up = _run(ctx, lambda b, x: b.resample2d(x, mode="linear", scales=[2.0, 1.0]),
              {"x": x}).ravel()
    # coordinates (o + 0.5) / 2 - 0.5: 0 (clamped), 0.25, 0.75, 1.25, 1.75,
    # 2.25, 2.75, 3 (clamped): 1.25 .. 2.75 take a share of inf
    np.testing.assert_array_equal(up, np.array([0, 0, 0, np.inf, np.inf, np.inf,
                                                np.inf, 0], np.float16))


@pytest.mark.parametrize("dtype", ["float32", "float16"])
def test_quantize_linear_of_nan_is_zero_point(ctx: Any, dtype: str) -> None:
    # fuzz seed 7, graph seed 37035689: NaN / scale went through the clamp
    # the plugin fuses, which gave it the lower bound (-128); quantizeLinear
    # of NaN gives 0 whatever the zero point (docs/differences.md
    # "quantizeLinear / dequantizeLinear")
    x = np.array([np.nan, 0.0, np.nan, 1.0], dtype).reshape(1, 4, 1)
    scale = np.array([0.0, 0.0, 1.0, 0.5], dtype).reshape(1, 4, 1)
    zp = np.array([0, 0, 3, -2], np.int8).reshape(1, 4, 1)
    out = _run(ctx, lambda b, x, s, z: b.quantize_linear(x, s, z), {"x": x},
               {"s": scale, "z": zp})
    # 0 / 0 is NaN -> 0; 1 / 0.5 = 2, + -2 = 0
    np.testing.assert_array_equal(out.ravel(), np.array([0, 0, 0, 0], np.int8))
    y = _run(ctx, lambda b, x, s, z: b.quantize_linear(x, s, z), {"x": x[:, 2:]},
             {"s": scale[:, 2:] + 1, "z": zp[:, 2:]})
    # 1 / 1.5 rounds to 1, + -2 = -1 (the zero point is applied off NaN)
    np.testing.assert_array_equal(y.ravel(), np.array([0, -1], np.int8))


# ------------------------------------------------------- an imported model


def test_onnx_model_matches_onnx_reference(ctx: Any) -> None:
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper, numpy_helper
    from onnx.reference import ReferenceEvaluator

    from webnnpy.models import onnx as webnn_onnx

    rng = np.random.default_rng(7)
    w = rng.uniform(-0.5, 0.5, (8, 3, 3, 3)).astype(np.float32)
    bias = rng.uniform(-0.1, 0.1, 8).astype(np.float32)
    fc = rng.uniform(-0.5, 0.5, (8, 5)).astype(np.float32)
    nodes = [
        helper.make_node("Conv", ["x", "w", "bias"], ["c"], pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c"], ["r"]),
        helper.make_node("GlobalAveragePool", ["r"], ["p"]),
        helper.make_node("Flatten", ["p"], ["f"]),
        helper.make_node("MatMul", ["f", "fc"], ["m"]),
        helper.make_node("Softmax", ["m"], ["y"], axis=1),
    ]
    graph = helper.make_graph(
        nodes, "small",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3, 8, 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 5])],
        [numpy_helper.from_array(w, "w"), numpy_helper.from_array(bias, "bias"),
         numpy_helper.from_array(fc, "fc")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx.checker.check_model(model)
    x = rng.uniform(-1, 1, (2, 3, 8, 8)).astype(np.float32)
    want = ReferenceEvaluator(model).run(None, {"x": x})[0]
    imported = webnn_onnx.load(model, context=ctx)
    got = imported.run({"x": x})["y"]
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_scalar_constants_stay_scalars(ctx: Any) -> None:
    # a 0-D constant index drops the gathered axis (WPT's 0-D gather cases;
    # np.ascontiguousarray would have made it 1-D)
    x = np.arange(24, dtype=np.float32).reshape(12, 2)
    out = _run(ctx, lambda b, x, i: b.gather(x, i), {"x": x},
               {"i": np.array(11, np.int32)})
    np.testing.assert_array_equal(out, [22, 23])


# ------------------------------------------------------------ default choice


def test_default_backend_rule_and_reason(monkeypatch) -> None:
    import webnnpy.backends as reg

    monkeypatch.delenv(reg.ENV_VAR, raising=False)
    both = {"numpy": True, "onnxruntime": True, "openvino": True}
    monkeypatch.setattr(reg, "available_backends", lambda: dict(both))
    name, why = reg.default_backend_choice()
    assert name == "auto" and "docs/benchmarks.md" in why  # tests/backends/test_auto.py
    monkeypatch.setattr(reg, "available_backends",
                        lambda: {**both, "onnxruntime": False})
    name, why = reg.default_backend_choice()
    assert name == "openvino" and "ONNX Runtime is not installed" in why
    assert reg.default_backend_name() == "openvino"
    monkeypatch.setattr(reg, "available_backends",
                        lambda: {"numpy": True, "onnxruntime": False,
                                 "openvino": False})
    assert reg.default_backend_choice()[0] == "numpy"
    monkeypatch.setenv(reg.ENV_VAR, "openvino")
    assert reg.default_backend_choice() == ("openvino", "$WEBNNPY_BACKEND is set")


# ------------------------------------------------------------------ fusions


def test_relu_after_conv_is_fused_and_its_nan_difference(ctx: Any) -> None:
    # relu straight after conv2d is OpenVINO's Relu, fused into the
    # convolution (no kernel of its own); NaN gives 0 there, the documented
    # difference (docs/differences.md); a relu of anything else keeps NaN
    x = np.array([np.nan, -1.0, 2.0, -np.inf], np.float32).reshape(1, 1, 2, 2)
    w = np.ones((1, 1, 1, 1), np.float32)
    g = _build(ctx, lambda b, x, w: b.relu(b.conv2d(x, w)), {"x": x}, {"w": w})
    kinds = [op.get_rt_info()["layerType"].astype(str)
             for op in g._impl.compiled.get_runtime_model().get_ordered_ops()]
    assert "Eltwise" not in kinds and "Subgraph" not in kinds, kinds
    out = ctx.compute(g, {"x": x})["out"]
    np.testing.assert_array_equal(out.ravel(), [0.0, 0.0, 2.0, 0.0])
    direct = _run(ctx, lambda b, x: b.relu(x), {"x": x})
    np.testing.assert_array_equal(direct.ravel(), [np.nan, 0.0, 2.0, 0.0])


def test_clamp_after_conv_is_fused_and_its_nan_difference(ctx: Any) -> None:
    # clamp (relu6) straight after conv2d is Maximum/Minimum without the NaN
    # repair, fused into the convolution as the plugin's Clamp; NaN gives the
    # lower bound there (the documented difference, docs/differences.md); a
    # clamp of anything else keeps NaN
    x = np.array([np.nan, -1.0, 2.5, 9.0], np.float32).reshape(1, 1, 2, 2)
    w = np.ones((1, 1, 1, 1), np.float32)
    g = _build(ctx, lambda b, x, w: b.clamp(b.conv2d(x, w), min_value=0.0,
                                            max_value=6.0), {"x": x}, {"w": w})
    kinds = [op.get_rt_info()["layerType"].astype(str)
             for op in g._impl.compiled.get_runtime_model().get_ordered_ops()]
    assert "Eltwise" not in kinds and "Subgraph" not in kinds, kinds
    out = ctx.compute(g, {"x": x})["out"].ravel()
    np.testing.assert_array_equal(out[1:], [0.0, 2.5, 6.0])
    assert out[0] in (0.0, 6.0)  # a bound, not NaN
    direct = _run(ctx, lambda b, x: b.clamp(x, min_value=0.0, max_value=6.0),
                  {"x": x}).ravel()
    np.testing.assert_array_equal(direct, [np.nan, 0.0, 2.5, 6.0])


def test_silu_after_conv_is_one_fused_swish(ctx: Any) -> None:
    # x * sigmoid(x) is OpenVINO's Swish, fused into the convolution; the
    # values agree with the float64 formula (differences.md: only results
    # below 1.5e-36 in magnitude, x < -86.6, flush to -0)
    x = np.array([-8.0, -1.0, 0.0, 0.5, 3.0, np.nan, -np.inf, np.inf],
                 np.float32).reshape(1, 1, 2, 4)
    w = np.ones((1, 1, 1, 1), np.float32)

    def silu(b: Any, x: Any, w: Any) -> Any:
        c = b.conv2d(x, w)
        return b.mul(c, b.sigmoid(c))

    g = _build(ctx, silu, {"x": x}, {"w": w})
    kinds = [op.get_rt_info()["layerType"].astype(str)
             for op in g._impl.compiled.get_runtime_model().get_ordered_ops()]
    assert "Eltwise" not in kinds and "Subgraph" not in kinds, kinds
    out = ctx.compute(g, {"x": x})["out"].astype(np.float64).ravel()
    x64 = x.astype(np.float64).ravel()
    with np.errstate(invalid="ignore", over="ignore"):
        want = x64 / (1.0 + np.exp(-x64))  # -inf / inf = NaN, as -inf * 0
    finite = np.isfinite(want)
    np.testing.assert_allclose(out[finite], want[finite], rtol=4e-7, atol=0)
    assert np.isnan(out[5]) and np.isnan(out[6]) and out[7] == np.inf


def test_hard_swish_after_conv_is_fused_and_its_inf_difference(ctx: Any) -> None:
    # x * relu6(x + 3) / 6 by hand; -inf gives NaN in the fused form (the
    # documented difference), 0 when hardSwish's input is not a convolution
    x = np.array([-4.0, -1.5, 1.0, -np.inf], np.float32).reshape(1, 1, 2, 2)
    w = np.ones((1, 1, 1, 1), np.float32)
    g = _build(ctx, lambda b, x, w: b.hard_swish(b.conv2d(x, w)), {"x": x},
               {"w": w})
    kinds = [op.get_rt_info()["layerType"].astype(str)
             for op in g._impl.compiled.get_runtime_model().get_ordered_ops()]
    assert "Eltwise" not in kinds and "Subgraph" not in kinds, kinds
    out = ctx.compute(g, {"x": x})["out"].ravel()
    np.testing.assert_allclose(out[:3], [0.0, -1.5 * 1.5 / 6, 1.0 * 4 / 6], rtol=1e-6)
    assert np.isnan(out[3])
    direct = _run(ctx, lambda b, x: b.hard_swish(x), {"x": x}).ravel()
    assert direct[3] == 0.0


def test_conv2d_nan_filter_tap_over_padding_gives_nan(ctx: Any) -> None:
    # zeros padding times an infinite or NaN tap is NaN (IEEE), though the
    # plugin's Convolution skips padded positions: 1x3 filter, padding 1 left
    # and right, width 2 -> the left tap meets padding at output 0 only (inf
    # there: NaN, then inf), the right tap at output 1 (NaN: both NaN)
    x = np.array([1.0, 2.0], np.float32).reshape(1, 1, 1, 2)
    for f in ([np.inf, 1.0, 1.0], [1.0, 1.0, np.nan]):
        w = np.array(f, np.float32).reshape(1, 1, 1, 3)
        out = _run(ctx, lambda b, x, w: b.conv2d(x, w, padding=[0, 0, 1, 1]),
                   {"x": x, "w": w}).ravel()
        # by hand: output j = sum_k w[k] * xpad[j + k], xpad = [0, 1, 2, 0]
        with np.errstate(invalid="ignore"):
            xp = np.array([0.0, 1.0, 2.0, 0.0])
            ref = [sum(float(w.ravel()[k]) * xp[j + k] for k in range(3))
                   for j in range(2)]
        np.testing.assert_array_equal(out, np.array(ref, np.float32))


def test_max_pool_skips_nan_as_documented(ctx: Any) -> None:
    # docs/differences.md "maxPool2d (NaN)": OpenVINO's MaxPool, like ONNX
    # Runtime's, takes the maximum of the window's other elements
    x = np.array([1.0, np.nan, 2.0, -5.0], np.float32).reshape(1, 1, 2, 2)
    out = _run(ctx, lambda b, x: b.max_pool2d(x), {"x": x})
    assert out.ravel().tolist() == [2.0]


def _softmax64(s: np.ndarray) -> np.ndarray:
    # the spec's steps in float64: x - max, exp, / sum (NaN rows stay NaN)
    with np.errstate(invalid="ignore", over="ignore"):
        e = np.exp(s - s.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)


@pytest.mark.parametrize("zero_fill", [False, True])
def test_attention_softmax_fuses_and_keeps_nan_rows(ctx: Any, zero_fill: bool
                                                    ) -> None:
    # probs @ V (and exporters' where(isNaN(p), 0, p) before it): one fused
    # attention kernel, and rows the spec makes NaN (a NaN score, all -inf,
    # a +inf score) are NaN, or 0 after the where, as in float64
    rng = np.random.default_rng(0)
    s = rng.normal(size=(1, 2, 16, 16)).astype(np.float32)
    s[0, 0, 3, 2] = np.nan
    s[0, 0, 5, :] = -np.inf
    s[0, 0, 7, 4] = np.inf
    s[0, 1, 9, :8] = -np.inf
    v = rng.normal(size=(1, 2, 16, 8)).astype(np.float32)
    zero = np.zeros((), np.float32)

    def attn(b: Any, s: Any, v: Any) -> Any:
        p = b.softmax(b.mul(s, b.constant(np.array(0.5, np.float32))), 3)
        if zero_fill:
            p = b.where(b.is_nan(p), b.constant(zero), p)
        return b.matmul(p, v)

    g = _build(ctx, attn, {"s": s, "v": v})
    kinds = [op.get_rt_info()["layerType"].astype(str)
             for op in g._impl.compiled.get_runtime_model().get_ordered_ops()]
    assert "Reduce" not in kinds, kinds
    out = ctx.compute(g, {"s": s, "v": v})["out"].astype(np.float64)
    p = _softmax64(s.astype(np.float64) * 0.5)
    if zero_fill:
        p = np.where(np.isnan(p), 0.0, p)
    with np.errstate(invalid="ignore"):
        want = p @ v.astype(np.float64)
    assert np.array_equal(np.isnan(out), np.isnan(want))
    fin = ~np.isnan(want)
    np.testing.assert_allclose(out[fin], want[fin], rtol=0, atol=2e-6)


def test_softmax_output_keeps_the_spec_nan_repair(ctx: Any) -> None:
    # a softmax that is a graph output keeps the repair: NaN across the row
    x = np.array([[1.0, np.nan, 2.0], [0.0, 1.0, 2.0]], np.float32)
    out = _run(ctx, lambda b, x: b.softmax(x, 1), {"x": x})
    assert np.isnan(out[0]).all()
    np.testing.assert_allclose(out[1], _softmax64(x[1:].astype(np.float64))[0],
                               rtol=1e-6)


def test_int64_scalar_constant_and_shared_output(ctx: Any) -> None:
    # fuzz seed 77 (elementwise): a scalar int64 constant gave its words a
    # [1, 2] shape and the graph's output port [1, 2] (run failed)
    def fn(b: Any, x: Any, y: Any) -> Any:
        c = b.constant({"data_type": "int64", "shape": []}, np.array(-4, np.int64))
        return b.sub(b.sub(b.neg(x), c), y)

    out = _run(ctx, fn, {"x": np.array(-(2**40), np.int64),
                         "y": np.array(1, np.int64)})
    assert out.shape == () and int(out) == 2**40 + 4 - 1


def test_batch_norm_zero_variance_is_infinite_not_nan(ctx: Any) -> None:
    # (x - mean) / sqrt(0 + 0) * scale + bias by hand: +-inf, NaN at x ==
    # mean (fuzz seed 77 matmul_norm: the plugin's folded x * k - mean * k
    # gave inf - inf = NaN)
    x = np.array([[1, 2, 3], [0, 0, 0], [2, 3, 4]], np.float32)

    def fn(b: Any, x: Any) -> Any:
        c = [b.constant(np.array(a, np.float32)) for a in
             ([1, 2, 3], [0, 1, 0], [2, 1, -1], [5, 5, 5])]
        return b.batch_normalization(x, c[0], c[1], scale=c[2], bias=c[3], axis=1,
                                     epsilon=0.0)

    out = _run(ctx, fn, {"x": x})
    want = [[np.nan, 5.0, np.nan], [-np.inf, 3.0, np.inf], [np.inf, 6.0, -np.inf]]
    np.testing.assert_array_equal(out, np.array(want, np.float32))


def test_int32_pow_wraps_exactly(ctx: Any) -> None:
    # powers past 2**31 wrap (Python ints mod 2**32); a Select in the
    # square-and-multiply chain made the plugin compute it in float32
    x = np.array([-3, 3, 7, 46341, 2], np.int32)
    e = np.array([31, 21, 13, 2, 31], np.int32)
    out = _run(ctx, lambda b, x, e: b.pow(x, e), {"x": x, "e": e})
    want = [((int(a) ** int(k) + 2**31) % 2**32) - 2**31 for a, k in zip(x, e, strict=True)]
    assert out.tolist() == want


def test_int64_word_chains_stay_exact(ctx: Any) -> None:
    # long chains of word arithmetic (the plugin runs some fused int32 chains
    # in float32): random full-range int64 against NumPy's wrapping int64
    rng = np.random.default_rng(5)
    a, b_, c = (rng.integers(-2**63, 2**63 - 1, 64, dtype=np.int64, endpoint=True)
                for _ in range(3))

    def fn(b: Any, a: Any, y: Any, c: Any) -> Any:
        t = b.where(b.lesser(a, y), b.mul(b.add(a, y), c), b.sub(y, b.abs(c)))
        return b.add(b.max(t, b.neg(a)), b.mul(b.sign(y), b.relu(c)))

    out = _run(ctx, fn, {"a": a, "y": b_, "c": c})
    with np.errstate(over="ignore"):
        t = np.where(a < b_, (a + b_) * c, b_ - np.abs(c))
        want = np.maximum(t, -a) + np.sign(b_) * np.maximum(c, 0)
    np.testing.assert_array_equal(out, want)


def test_div_by_a_subnormal_is_the_documented_difference(ctx: Any) -> None:
    # docs/differences.md "div by a subnormal (openvino backend)": the
    # divisor 1e-45 reads as 0; a normal divisor divides exactly
    a = np.array([1e-45, 0.0, 6.0], np.float32)
    b = np.array([1e-45, 1e-45, 3.0], np.float32)
    out = _run(ctx, lambda g, a, b: g.div(a, b), {"a": a, "b": b})
    assert out[0] == np.inf and np.isnan(out[1]) and out[2] == 2.0


@pytest.mark.parametrize("dtype", ["int64", "uint64"])
def test_64_bit_reduce_max_min_by_16_bit_keys(ctx: Any, dtype: str) -> None:
    # ties on every key, the type's extremes, several axes; NumPy's 64-bit
    # max/min is the independent answer
    info = np.iinfo(dtype)
    rng = np.random.default_rng(3)
    x = rng.integers(info.min, info.max, (3, 5, 4), dtype=dtype, endpoint=True)
    x[0, :, 0] = x[0, 0, 0]
    x[1, :2, 1] = [info.min, info.max]
    x[2, :, 2] = x[2, 0, 2] ^ np.arange(5, dtype=dtype)  # differ in the low key
    for axes, keep in (([1], False), ([0, 2], True), ([0, 1, 2], False)):
        for op, ref in (("reduce_max", np.max), ("reduce_min", np.min)):
            out = _run(ctx, lambda b, x, op=op, axes=axes, keep=keep: getattr(b, op)(
                x, axes=axes, keep_dimensions=keep), {"x": x})
            np.testing.assert_array_equal(out, ref(x, axis=tuple(axes), keepdims=keep))


@pytest.mark.parametrize("dtype", ["int64", "uint64"])
def test_64_bit_sums_and_products_wrap_exactly(ctx: Any, dtype: str) -> None:
    # 8-bit limbs summed apart then carried; products as a tree of 64-bit
    # multiplies: NumPy's wrapping 64-bit sum and product are the answer
    info = np.iinfo(dtype)
    rng = np.random.default_rng(8)
    x = rng.integers(info.min, info.max, (3, 7, 5), dtype=dtype, endpoint=True)
    x[0] = info.max
    for axes, keep in (([1], False), ([0, 2], True)):
        for op, ref in (("reduce_sum", np.sum), ("reduce_product", np.prod)):
            out = _run(ctx, lambda b, x, op=op, axes=axes, keep=keep: getattr(b, op)(
                x, axes=axes, keep_dimensions=keep), {"x": x})
            with np.errstate(over="ignore"):
                want = ref(x, axis=tuple(axes), keepdims=keep, dtype=dtype)
            np.testing.assert_array_equal(out, want)


def test_64_bit_cumulative_sum_wraps_exactly(ctx: Any) -> None:
    rng = np.random.default_rng(9)
    x = rng.integers(-2**63, 2**63 - 1, (4, 6), dtype=np.int64, endpoint=True)
    x[0] = 2**63 - 1
    out = _run(ctx, lambda b, x: b.cumulative_sum(x, 1, exclusive=True), {"x": x})
    with np.errstate(over="ignore"):
        want = np.cumsum(x, axis=1, dtype=np.int64) - x  # exclusive
    np.testing.assert_array_equal(out, want)


def test_prelu_slope_broadcasts_from_the_trailing_axes(ctx: Any) -> None:
    # a [2] slope on [1, 2, 1, 2] goes along the last axis (WebNN's numpy
    # broadcasting), not the channels as OpenVINO's PRelu reads a 1-D slope
    # (fuzz seed 91 conv_pool)
    x = np.array([-1.0, -2.0, -3.0, 4.0], np.float32).reshape(1, 2, 1, 2)
    slope = np.array([0.0, 1.0], np.float32)
    out = _run(ctx, lambda b, x, s: b.prelu(x, s), {"x": x}, {"s": slope})
    np.testing.assert_array_equal(out, np.where(x >= 0, x, slope * x))


def test_nearest_resample_is_one_interpolate_with_exact_positions(ctx: Any) -> None:
    # OpenVINO's Interpolate where its float32 half_pixel coordinates pick the
    # spec's positions (ceil(c - 0.5) in exact integers, computed here)
    x = np.arange(2 * 4 * 5, dtype=np.float32).reshape(1, 2, 4, 5)
    g = _build(ctx, lambda b, x: b.resample2d(x, sizes=[8, 15],
                                              mode="nearest-neighbor"), {"x": x})
    kinds = [op.get_rt_info()["layerType"].astype(str)
             for op in g._impl.compiled.get_runtime_model().get_ordered_ops()]
    assert "Interpolate" in kinds and "Gather" not in kinds, kinds
    out = ctx.compute(g, {"x": x})["out"]

    def pos(i: int, o: int) -> list[int]:
        return [min(max(-((-((2 * k + 1) * i - 2 * o)) // (2 * o)), 0), i - 1)
                for k in range(o)]

    want = x[:, :, pos(4, 8)][:, :, :, pos(5, 15)]
    np.testing.assert_array_equal(out, want)


# ------------------------------------------------------------- recurrent ops


def _lowered_types(g: Any) -> list[str]:
    return [op.get_type_name() for op in g._impl.lowered.model.get_ordered_ops()]


@pytest.mark.parametrize("op", ["lstm", "gru"])
def test_lstm_is_one_sequence_op(ctx: Any, op: Any) -> None:
    # lstm (no peepholes) is one LSTMSequence over all steps, which the
    # plugin runs as one recurrent kernel, not a MatMul per gate and step;
    # gru stays WebNN's decomposition (the plugin's GRU kernel misses a WPT
    # case by a ULP); the outputs are those of the reference backend's
    # float64 recurrence (tests/ops/test_recurrent.py checks the formulas)
    rng = np.random.default_rng(7)
    steps, batch, ins, hs, gates = 6, 2, 3, 4, (4 if op == "lstm" else 3)
    x = rng.uniform(-1, 1, (steps, batch, ins)).astype(np.float32)
    w = rng.uniform(-1, 1, (2, gates * hs, ins)).astype(np.float32)
    r = rng.uniform(-1, 1, (2, gates * hs, hs)).astype(np.float32)
    bias = rng.uniform(-1, 1, (2, gates * hs)).astype(np.float32)

    def fn(b: Any, x: Any, w: Any, r: Any, bias: Any) -> Any:
        out = getattr(b, op)(x, w, r, steps, hs, bias=bias, recurrent_bias=bias,
                             direction="both", return_sequence=True)
        return out[-1]  # the sequence

    g = _build(ctx, fn, {"x": x}, {"w": w, "r": r, "bias": bias})
    types = _lowered_types(g)
    if op == "lstm":
        assert types.count("LSTMSequence") == 1 and "MatMul" not in types, types
    else:
        assert "GRUSequence" not in types and "MatMul" in types, types
    ref = webnnpy.ml.create_context(backend="numpy")
    want = _run(ref, fn, {"x": x}, {"w": w, "r": r, "bias": bias})
    got = ctx.compute(g, {"x": x})["out"]
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_lstm_with_peepholes_is_unrolled(ctx: Any) -> None:
    # OpenVINO's LSTM has no peephole weights: such an lstm is WebNN's own
    # decomposition (MatMuls per gate and step)
    rng = np.random.default_rng(8)
    steps, batch, ins, hs = 2, 1, 2, 2
    x = rng.uniform(-1, 1, (steps, batch, ins)).astype(np.float32)
    w = rng.uniform(-1, 1, (1, 4 * hs, ins)).astype(np.float32)
    r = rng.uniform(-1, 1, (1, 4 * hs, hs)).astype(np.float32)
    p = rng.uniform(-1, 1, (1, 3 * hs)).astype(np.float32)
    g = _build(ctx, lambda b, x, w, r, p: b.lstm(x, w, r, steps, hs,
                                                 peephole_weight=p)[0],
               {"x": x}, {"w": w, "r": r, "p": p})
    types = _lowered_types(g)
    assert "LSTMSequence" not in types and "MatMul" in types, types


# ------------------------------------------------- scatter duplicate targets


def _last_wins_nd(data: np.ndarray, idx: np.ndarray, upd: np.ndarray) -> np.ndarray:
    """scatterND by hand: the index tuples in row-major order, each writing
    its slice (so the last of duplicates wins)."""
    out = data.copy()
    k = idx.shape[-1]
    for t, u in zip(idx.reshape(-1, k), upd.reshape(-1, *data.shape[k:]), strict=True):
        out[tuple(t)] = u
    return out


@pytest.mark.parametrize("constant", [False, True])
def test_scatter_nd_duplicates_last_wins_every_run(ctx: Any, constant: bool) -> None:
    # the plugin's ScatterNDUpdate writes updates from several threads, so a
    # target hit by several could get any of them (seen: 499 instead of 999);
    # the lowering makes every write to a target carry the winner's value
    n = 1000
    data = np.zeros((4, 3), np.float32)
    idx = (np.arange(n, dtype=np.int32) % 3).reshape(n, 1)  # rows 0..2, repeated
    upd = np.arange(n * 3, dtype=np.float32).reshape(n, 3)
    want = _last_wins_nd(data, idx, upd)
    if constant:
        g = _build(ctx, lambda b, d, u, i: b.scatter_nd(d, i, u),
                   {"d": data, "u": upd}, {"i": idx})
        feeds = {"d": data, "u": upd}
    else:
        g = _build(ctx, lambda b, d, i, u: b.scatter_nd(d, i, u),
                   {"d": data, "i": idx, "u": upd})
        feeds = {"d": data, "i": idx, "u": upd}
    for _ in range(50):
        np.testing.assert_array_equal(ctx.compute(g, feeds)["out"], want)


def test_scatter_elements_duplicates_last_wins_every_run(ctx: Any) -> None:
    # along axis 1, the update with the larger position wins (row-major)
    n = 1000
    data = np.zeros((2, 4), np.float32)
    idx = np.stack([np.arange(n) % 4, np.full(n, 2)]).astype(np.int32)  # [2, n]
    upd = np.arange(2 * n, dtype=np.float32).reshape(2, n)
    want = data.copy()
    for r in range(2):
        for c in range(n):
            want[r, idx[r, c]] = upd[r, c]
    g = _build(ctx, lambda b, d, i, u: b.scatter_elements(d, i, u, axis=1),
               {"d": data, "i": idx, "u": upd})
    for _ in range(50):
        np.testing.assert_array_equal(
            ctx.compute(g, {"d": data, "i": idx, "u": upd})["out"], want)


def test_scatter_with_distinct_constant_targets_is_one_op(ctx: Any) -> None:
    # constant indices without duplicates need no winner search
    data = np.zeros((4,), np.float32)
    idx = np.array([[3], [0], [2]], np.int32)
    upd = np.array([1, 2, 3], np.float32)
    g = _build(ctx, lambda b, d, u, i: b.scatter_nd(d, i, u), {"d": data, "u": upd},
               {"i": idx})
    assert _lowered_types(g).count("ScatterNDUpdate") == 1
    np.testing.assert_array_equal(ctx.compute(g, {"d": data, "u": upd})["out"],
                                  [2, 0, 3, 1])
