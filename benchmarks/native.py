"""The native baseline: each benchmark network written directly as ONNX.

The same networks as :mod:`benchmarks.models`, from the same weights dict,
built with ``onnx.helper`` from standard ONNX ops as a user would write them
by hand (opset :data:`OPSET`): Conv (BatchNorm already folded into the
weights), Relu, Clip, MaxPool, Add, GlobalAveragePool + Flatten + Gemm for the
CNN heads; MatMul + Add, Reshape, Transpose, Mul, Softmax, Gelu and
LayerNormalization for the encoder.  Weights are initializers inside the
model.

:func:`session_options` takes the options from the webnnpy ONNX Runtime
backend itself, so that both sides run with the same settings.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from benchmarks.models import (
    INPUT,
    LN_EPSILON,
    OUTPUT,
    EncoderConfig,
    MobileNetV2Config,
    ResNetConfig,
    Weights,
    mobilenet_blocks,
    resnet_blocks,
)

__all__ = [
    "NATIVE",
    "OPSET",
    "OnnxWriter",
    "encoder_onnx",
    "make_session",
    "mobilenetv2_onnx",
    "resnet50_onnx",
    "session_options",
    "session_settings",
]

#: ONNX opset of the native models (Gelu needs 20; ONNX Runtime 1.31 runs 21)
OPSET = 21
IR_VERSION = 10

_ONNX_TYPES = {"float32": TensorProto.FLOAT, "float16": TensorProto.FLOAT16}


class OnnxWriter:
    """A small helper that collects nodes and initializers of one graph."""

    def __init__(self, dtype: str) -> None:
        self.dtype = dtype
        self.nodes: list[onnx.NodeProto] = []
        self.initializers: list[onnx.TensorProto] = []
        self._names: set[str] = set()
        self._count = 0

    def _fresh(self, hint: str) -> str:
        self._count += 1
        return f"{hint}_{self._count}"

    def init(self, name: str, array: np.ndarray, *, cast: bool = True) -> str:
        """Add an initializer (cast to the model's data type unless ``cast``
        is false) and return its name."""
        if name in self._names:
            return name
        a = np.ascontiguousarray(array, dtype=np.dtype(self.dtype)) if cast else array
        self.initializers.append(numpy_helper.from_array(a, name))
        self._names.add(name)
        return name

    def scalar(self, name: str, value: float) -> str:
        """A scalar initializer of the model's data type."""
        return self.init(name, np.array(value, dtype=np.float64))

    def ints(self, name: str, values: list[int]) -> str:
        """An int64 initializer (shapes for Reshape)."""
        return self.init(name, np.array(values, dtype=np.int64), cast=False)

    def node(self, op: str, inputs: list[str], name: str = "", **attrs: Any) -> str:
        """Add a node with one output and return the output's name."""
        out = self._fresh(name or op.lower())
        self.nodes.append(helper.make_node(op, inputs, [out], name=out, **attrs))
        return out

    def model(self, x: str, input_shape: tuple[int, ...], y: str,
              output_shape: tuple[int, ...], graph_name: str) -> onnx.ModelProto:
        """The finished model; ``y`` (made by the last node) is renamed to
        :data:`OUTPUT`."""
        last = self.nodes[-1]
        if list(last.output) != [y]:
            raise ValueError(f"{y} is not the output of the last node")
        last.output[0] = OUTPUT
        elem = _ONNX_TYPES[self.dtype]
        graph = helper.make_graph(
            self.nodes, graph_name,
            [helper.make_tensor_value_info(x, elem, list(input_shape))],
            [helper.make_tensor_value_info(OUTPUT, elem, list(output_shape))],
            initializer=self.initializers)
        m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="webnnpy-benchmarks")
        m.ir_version = IR_VERSION
        return m


def _conv(g: OnnxWriter, x: str, weights: Weights, name: str, *, stride: int = 1,
          groups: int = 1) -> str:
    w = weights[f"{name}.weight"]
    k = w.shape[-1]
    p = k // 2
    return g.node("Conv", [x, g.init(f"{name}.weight", w),
                           g.init(f"{name}.bias", weights[f"{name}.bias"])],
                  name=name, kernel_shape=[k, k], strides=[stride, stride],
                  pads=[p, p, p, p], group=groups)


def _head(g: OnnxWriter, x: str, weights: Weights, name: str) -> str:
    """GlobalAveragePool, Flatten, Gemm with the ``[out, in]`` weight."""
    x = g.node("Flatten", [g.node("GlobalAveragePool", [x])], axis=1)
    return g.node("Gemm", [x, g.init(f"{name}.weight", weights[f"{name}.weight"]),
                           g.init(f"{name}.bias", weights[f"{name}.bias"])],
                  name=name, transB=1)


def resnet50_onnx(dtype: str, weights: Weights,
                  config: ResNetConfig | None = None) -> onnx.ModelProto:
    """ResNet-50 (or ``config``'s ResNet) as an ONNX model."""
    c = config or ResNetConfig()
    g = OnnxWriter(dtype)
    x = g.node("Relu", [_conv(g, INPUT, weights, "conv1", stride=2)])
    x = g.node("MaxPool", [x], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])
    for blk in resnet_blocks(c):
        y = g.node("Relu", [_conv(g, x, weights, f"{blk.name}.conv1")])
        y = g.node("Relu", [_conv(g, y, weights, f"{blk.name}.conv2",
                                  stride=blk.stride)])
        y = _conv(g, y, weights, f"{blk.name}.conv3")
        if blk.downsample:
            x = _conv(g, x, weights, f"{blk.name}.downsample", stride=blk.stride)
        x = g.node("Relu", [g.node("Add", [y, x])])
    y = _head(g, x, weights, "fc")
    return g.model(INPUT, (1, 3, c.image_size, c.image_size), y, (1, c.num_classes),
                   "resnet50")


def mobilenetv2_onnx(dtype: str, weights: Weights,
                     config: MobileNetV2Config | None = None) -> onnx.ModelProto:
    """MobileNetV2 as an ONNX model (relu6 as Clip(0, 6))."""
    c = config or MobileNetV2Config()
    g = OnnxWriter(dtype)
    lo, hi = g.scalar("relu6.min", 0.0), g.scalar("relu6.max", 6.0)

    def relu6(v: str) -> str:
        return g.node("Clip", [v, lo, hi])

    x = relu6(_conv(g, INPUT, weights, "features.0", stride=2))
    for blk in mobilenet_blocks(c):
        y = x
        if blk.expand:
            y = relu6(_conv(g, y, weights, f"{blk.name}.expand"))
        y = relu6(_conv(g, y, weights, f"{blk.name}.depthwise", stride=blk.stride,
                        groups=blk.hidden))
        y = _conv(g, y, weights, f"{blk.name}.project")
        x = g.node("Add", [x, y]) if blk.residual else y
    x = relu6(_conv(g, x, weights, "last"))
    y = _head(g, x, weights, "classifier")
    return g.model(INPUT, (1, 3, c.image_size, c.image_size), y, (1, c.num_classes),
                   "mobilenetv2")


def encoder_onnx(dtype: str, weights: Weights,
                 config: EncoderConfig | None = None) -> onnx.ModelProto:
    """The post-LN transformer encoder as an ONNX model."""
    c = config or EncoderConfig()
    s, h, nh, hd = c.seq_len, c.hidden, c.heads, c.head_dim
    g = OnnxWriter(dtype)
    split_shape = g.ints("shape.heads", [1, s, nh, hd])
    merge_shape = g.ints("shape.hidden", [1, s, h])
    scale = g.scalar("attn.scale", 1.0 / math.sqrt(hd))

    def linear(v: str, name: str) -> str:
        mm = g.node("MatMul", [v, g.init(f"{name}.weight", weights[f"{name}.weight"])],
                    name=name)
        return g.node("Add", [mm, g.init(f"{name}.bias", weights[f"{name}.bias"])])

    def heads(v: str, perm: list[int]) -> str:
        return g.node("Transpose", [g.node("Reshape", [v, split_shape])], perm=perm)

    def layer_norm(v: str, name: str) -> str:
        return g.node("LayerNormalization",
                      [v, g.init(f"{name}.weight", weights[f"{name}.weight"]),
                       g.init(f"{name}.bias", weights[f"{name}.bias"])],
                      name=name, axis=-1, epsilon=LN_EPSILON)

    x = INPUT
    for i in range(c.layers):
        p = f"layer{i}"
        q = heads(linear(x, f"{p}.q"), [0, 2, 1, 3])
        k = heads(linear(x, f"{p}.k"), [0, 2, 3, 1])
        v = heads(linear(x, f"{p}.v"), [0, 2, 1, 3])
        scores = g.node("Mul", [g.node("MatMul", [q, k]), scale])
        probs = g.node("Softmax", [scores], axis=-1)
        ctx = g.node("Transpose", [g.node("MatMul", [probs, v])], perm=[0, 2, 1, 3])
        attn = linear(g.node("Reshape", [ctx, merge_shape]), f"{p}.attn_out")
        x = layer_norm(g.node("Add", [attn, x]), f"{p}.ln1")
        y = linear(g.node("Gelu", [linear(x, f"{p}.ffn1")]), f"{p}.ffn2")
        x = layer_norm(g.node("Add", [y, x]), f"{p}.ln2")
    return g.model(INPUT, (1, s, h), x, (1, s, h), "encoder")


#: model name -> ONNX construction ``(dtype, weights, config) -> ModelProto``
NATIVE: dict[str, Callable[..., onnx.ModelProto]] = {
    "resnet50": resnet50_onnx,
    "mobilenetv2": mobilenetv2_onnx,
    "encoder": encoder_onnx,
}


# ------------------------------------------------------------------ sessions


def _backend() -> Any:
    from webnnpy.backends.onnxruntime.runtime import OrtBackend

    return OrtBackend()


def session_options() -> tuple[Any, list[str]]:
    """The SessionOptions and providers the webnnpy ONNX Runtime backend uses
    (``OrtBackend.session_options()``, ``OrtBackend.providers``)."""
    be = _backend()
    return be.session_options(), list(be.providers)


def session_settings() -> dict[str, Any]:
    """The backend's session settings, for the report."""
    so, providers = session_options()
    return {
        "providers": providers,
        "graph_optimization_level": str(so.graph_optimization_level).split(".")[-1],
        "intra_op_num_threads": so.intra_op_num_threads,
        "inter_op_num_threads": so.inter_op_num_threads,
        "execution_mode": str(so.execution_mode).split(".")[-1],
        "allow_spinning": so.get_session_config_entry("session.intra_op.allow_spinning")
        if _has_entry(so, "session.intra_op.allow_spinning") else "default",
    }


def _has_entry(so: Any, key: str) -> bool:
    try:
        so.get_session_config_entry(key)
    except Exception:  # noqa: BLE001 - ORT raises a plain error for a missing key
        return False
    return True


def make_session(model: onnx.ModelProto) -> Any:
    """An InferenceSession for ``model`` with the backend's options."""
    import onnxruntime as ort

    so, providers = session_options()
    return ort.InferenceSession(model.SerializeToString(), so, providers=providers)


# ------------------------------------------------------------------ OpenVINO


def openvino_config(dtype: str = "float32") -> dict[str, Any]:
    """The compile config the webnnpy OpenVINO backend uses for a graph
    (``OpenVinoBackend.config``: float32 inference precision for float32 and
    float16 graphs alike, latency hint), so native OpenVINO runs under the
    same settings; without the backend, float32 precision (OpenVINO's CPU
    plugin otherwise picks bf16 on CPUs with AMX / AVX-512 BF16).  ``dtype``
    is the graph's data type (the backend's config does not depend on it
    today)."""
    try:
        from webnnpy.backends.openvino.runtime import OpenVinoBackend
        from webnnpy.ir.graph import Graph
    except ImportError:
        return {"INFERENCE_PRECISION_HINT": "f32"}
    return dict(OpenVinoBackend(accelerated=False).config(Graph({}, {}, [])))


def openvino_version() -> str | None:
    """The installed OpenVINO's version, or None."""
    try:
        import openvino as ov
    except ImportError:
        return None
    return str(ov.get_version())


def make_openvino_request(path: str, shapes: dict[str, tuple[int, ...]],
                          dtype: str = "float32") -> Any:
    """A native OpenVINO infer request for the ONNX file at ``path``, its
    inputs fixed to ``shapes`` (``Core.read_model`` + ``reshape`` +
    ``compile_model`` on CPU with :func:`openvino_config` of ``dtype``)."""
    import openvino as ov

    core = ov.Core()
    model = core.read_model(path)
    fixed = {}
    for port in model.inputs:
        name = port.get_any_name()
        if name in shapes:
            fixed[name] = list(shapes[name])
    if fixed:
        model.reshape(fixed)
    compiled = core.compile_model(model, "CPU", openvino_config(dtype))
    return compiled.create_infer_request()
