"""Benchmark networks built through ``webnnpy.MLGraphBuilder``.

Three networks, batch 1, float32 or float16, from seeded random weights:

- **ResNet-50** (224x224, bottleneck v1.5: the stride sits on the 3x3 conv),
  **NCHW** input and OIHW filters.  BatchNormalization is **folded** into each
  convolution's weight and bias, as ONNX exporters emit it (``torch.onnx``
  with its optimiser, tf2onnx): :func:`resnet_weights` draws a raw convolution
  and random BatchNorm statistics and folds them.  Head: mean over H and W,
  then ``gemm`` with the fc weight transposed.
- **MobileNetV2** (224x224, width 1.0): inverted residuals with a 1x1
  expansion, a 3x3 depthwise convolution (``groups`` = channels) and a linear
  1x1 projection; relu6 as ``clamp(0, 6)``; BatchNorm folded as above; NCHW.
- **Transformer encoder**: 6 post-LN layers (BERT / MiniLM layout), hidden
  384, 6 heads of 64, FFN 1536 with exact (erf) GELU, ``layerNormalization``
  over the last axis; input float embeddings ``[1, 128, 384]``, no mask.
  Linear layers are ``matmul`` + ``add`` with weights stored ``[in, out]``.

Every builder function has the signature ``(builder, dtype, weights, config)``
and returns the output operand; the graph has one input :data:`INPUT` and one
output :data:`OUTPUT`.  ``weights`` is a dict ``name -> float32 ndarray`` made
by the model's ``make_weights(config, seed)``; the builder casts each array to
``dtype``.  :mod:`benchmarks.native` builds the same network from the same
dict directly as an ONNX model.  ``config`` sets the size and depth, so tests
can build a small network of the same layout (:attr:`ModelSpec.small`).

The random weights are scaled so that no activation collapses towards zero or
overflows float16 (He-scaled convolutions, BatchNorm scales near 1 and small
on the last convolution of each residual branch, post-LN in the encoder).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = [
    "BN_EPSILON",
    "ENCODER",
    "INPUT",
    "LN_EPSILON",
    "MOBILENETV2",
    "MODELS",
    "OUTPUT",
    "RESNET50",
    "EncoderConfig",
    "MobileNetV2Config",
    "ModelSpec",
    "ResNetConfig",
    "Weights",
    "encoder",
    "encoder_weights",
    "make_input",
    "mobilenet_blocks",
    "mobilenetv2",
    "mobilenetv2_weights",
    "resnet50",
    "resnet_blocks",
    "resnet_weights",
]

#: name -> float32 array; one dict feeds both constructions
Weights = dict[str, np.ndarray]

#: the graph's input and output names (webnnpy and ONNX alike)
INPUT = "input"
OUTPUT = "output"

#: epsilon of the (folded) BatchNorms and of the encoder's LayerNorms
BN_EPSILON = 1e-5
LN_EPSILON = 1e-5


# --------------------------------------------------------------------- configs


@dataclass(frozen=True)
class ResNetConfig:
    """A bottleneck ResNet (v1.5); the defaults are ResNet-50."""

    image_size: int = 224
    stem_width: int = 64
    stage_widths: tuple[int, ...] = (64, 128, 256, 512)
    stage_blocks: tuple[int, ...] = (3, 4, 6, 3)
    expansion: int = 4
    num_classes: int = 1000


@dataclass(frozen=True)
class MobileNetV2Config:
    """MobileNetV2; the defaults are the 224x224, width 1.0 network."""

    image_size: int = 224
    stem_width: int = 32
    #: (expansion t, output channels c, repeats n, first stride s) per stage
    stages: tuple[tuple[int, int, int, int], ...] = (
        (1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2),
        (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1))
    last_width: int = 1280
    num_classes: int = 1000


@dataclass(frozen=True)
class EncoderConfig:
    """A post-LN transformer encoder; the defaults are 6 x 384, 6 heads."""

    layers: int = 6
    hidden: int = 384
    heads: int = 6
    ffn: int = 1536
    seq_len: int = 128

    @property
    def head_dim(self) -> int:
        return self.hidden // self.heads


# ------------------------------------------------------------------ helpers


def _const(builder: Any, array: np.ndarray, dtype: str) -> Any:
    """A constant operand holding ``array`` cast to ``dtype``."""
    a = np.ascontiguousarray(array, dtype=np.dtype(dtype))
    return builder.constant({"data_type": dtype, "shape": list(a.shape)}, a)


def _conv_bn(rng: np.random.Generator, weights: Weights, name: str, cin: int,
             cout: int, kernel: int, *, groups: int = 1,
             gamma: tuple[float, float] = (0.8, 1.2)) -> None:
    """Draw a convolution and BatchNorm statistics, store them folded.

    The raw filter is He-scaled; the BatchNorm has scale ``gamma`` (uniform
    in the range), shift, running mean and variance at random.  Folding:
    ``w' = w * s``, ``b' = beta - mean * s`` with ``s = gamma / sqrt(var + eps)``.
    """
    fan_in = cin // groups * kernel * kernel
    w = rng.standard_normal((cout, cin // groups, kernel, kernel))
    w *= math.sqrt(2.0 / fan_in)
    g = rng.uniform(*gamma, cout)
    beta = rng.normal(0.0, 0.1, cout)
    mean = rng.normal(0.0, 0.1, cout)
    var = rng.uniform(0.5, 1.5, cout)
    s = g / np.sqrt(var + BN_EPSILON)
    weights[f"{name}.weight"] = (w * s[:, None, None, None]).astype(np.float32)
    weights[f"{name}.bias"] = (beta - mean * s).astype(np.float32)


def _linear(rng: np.random.Generator, weights: Weights, name: str, fan_in: int,
            fan_out: int, *, gain: float = 1.0, transposed: bool = False) -> None:
    """A dense layer: weight ``[in, out]`` (``[out, in]`` if ``transposed``),
    scaled to keep unit variance, and a small bias."""
    shape = (fan_out, fan_in) if transposed else (fan_in, fan_out)
    w = rng.standard_normal(shape) * (gain / math.sqrt(fan_in))
    weights[f"{name}.weight"] = w.astype(np.float32)
    weights[f"{name}.bias"] = rng.normal(0.0, 0.02, fan_out).astype(np.float32)


def make_input(shape: tuple[int, ...], dtype: str, seed: int = 1) -> np.ndarray:
    """A standard-normal input of ``shape`` in ``dtype`` (drawn in float32)."""
    rng = np.random.default_rng(seed)
    return rng.standard_normal(shape, dtype=np.float32).astype(np.dtype(dtype))


def _conv(builder: Any, x: Any, weights: Weights, name: str, dtype: str, *,
          stride: int = 1, groups: int = 1) -> Any:
    """``conv2d`` with the folded weight and bias ``name``, "same" padding."""
    w = weights[f"{name}.weight"]
    p = w.shape[-1] // 2
    return builder.conv2d(x, _const(builder, w, dtype),
                          bias=_const(builder, weights[f"{name}.bias"], dtype),
                          padding=[p, p, p, p], strides=[stride, stride],
                          groups=groups, label=name)


# ------------------------------------------------------------------ ResNet-50


@dataclass(frozen=True)
class Bottleneck:
    """One bottleneck block of a ResNet."""

    name: str
    cin: int
    mid: int
    cout: int
    stride: int
    downsample: bool


def resnet_blocks(config: ResNetConfig) -> Iterator[Bottleneck]:
    """The bottleneck blocks in order (names ``layer<stage>.<block>``)."""
    cin = config.stem_width
    for i, (width, n) in enumerate(zip(config.stage_widths, config.stage_blocks,
                                       strict=True)):
        cout = width * config.expansion
        for j in range(n):
            stride = 2 if j == 0 and i > 0 else 1
            yield Bottleneck(f"layer{i + 1}.{j}", cin, width, cout, stride,
                             j == 0 and (stride != 1 or cin != cout))
            cin = cout


def resnet_weights(config: ResNetConfig, seed: int = 0) -> Weights:
    """Random ResNet weights, BatchNorm folded into every convolution."""
    rng = np.random.default_rng(seed)
    w: Weights = {}
    _conv_bn(rng, w, "conv1", 3, config.stem_width, 7)
    for blk in resnet_blocks(config):
        _conv_bn(rng, w, f"{blk.name}.conv1", blk.cin, blk.mid, 1)
        _conv_bn(rng, w, f"{blk.name}.conv2", blk.mid, blk.mid, 3)
        # a small last scale keeps the residual stream's variance bounded
        _conv_bn(rng, w, f"{blk.name}.conv3", blk.mid, blk.cout, 1, gamma=(0.2, 0.4))
        if blk.downsample:
            _conv_bn(rng, w, f"{blk.name}.downsample", blk.cin, blk.cout, 1)
    last = config.stage_widths[-1] * config.expansion
    _linear(rng, w, "fc", last, config.num_classes, transposed=True)
    return w


def resnet50(builder: Any, dtype: str, weights: Weights,
             config: ResNetConfig | None = None) -> Any:
    """ResNet-50 (or ``config``'s ResNet): NCHW ``[1, 3, S, S]`` -> ``[1, classes]``."""
    c = config or ResNetConfig()
    x = builder.input(INPUT, {"data_type": dtype,
                              "shape": [1, 3, c.image_size, c.image_size]})
    x = builder.relu(_conv(builder, x, weights, "conv1", dtype, stride=2))
    x = builder.max_pool2d(x, window_dimensions=[3, 3], strides=[2, 2],
                           padding=[1, 1, 1, 1])
    for blk in resnet_blocks(c):
        y = builder.relu(_conv(builder, x, weights, f"{blk.name}.conv1", dtype))
        y = builder.relu(_conv(builder, y, weights, f"{blk.name}.conv2", dtype,
                               stride=blk.stride))
        y = _conv(builder, y, weights, f"{blk.name}.conv3", dtype)
        if blk.downsample:
            x = _conv(builder, x, weights, f"{blk.name}.downsample", dtype,
                      stride=blk.stride)
        x = builder.relu(builder.add(y, x))
    x = builder.reduce_mean(x, axes=[2, 3])
    return builder.gemm(x, _const(builder, weights["fc.weight"], dtype),
                        c=_const(builder, weights["fc.bias"], dtype),
                        b_transpose=True, label="fc")


# ---------------------------------------------------------------- MobileNetV2


def _make_divisible(v: float, divisor: int = 8) -> int:
    """The channel rounding of the MobileNet papers' reference code."""
    new = max(divisor, int(v + divisor / 2) // divisor * divisor)
    return new + divisor if new < 0.9 * v else new


@dataclass(frozen=True)
class InvertedResidual:
    """One inverted-residual block of MobileNetV2."""

    name: str
    cin: int
    hidden: int
    cout: int
    stride: int
    expand: bool
    residual: bool


def mobilenet_blocks(config: MobileNetV2Config) -> Iterator[InvertedResidual]:
    """The inverted-residual blocks in order (names ``features.<i>``)."""
    cin = _make_divisible(config.stem_width)
    index = 1
    for t, c, n, s in config.stages:
        cout = _make_divisible(c)
        for j in range(n):
            stride = s if j == 0 else 1
            yield InvertedResidual(f"features.{index}", cin, cin * t, cout, stride,
                                   t != 1, stride == 1 and cin == cout)
            cin = cout
            index += 1


def mobilenetv2_weights(config: MobileNetV2Config, seed: int = 0) -> Weights:
    """Random MobileNetV2 weights, BatchNorm folded into every convolution."""
    rng = np.random.default_rng(seed)
    w: Weights = {}
    stem = _make_divisible(config.stem_width)
    _conv_bn(rng, w, "features.0", 3, stem, 3)
    cin = stem
    for blk in mobilenet_blocks(config):
        if blk.expand:
            _conv_bn(rng, w, f"{blk.name}.expand", blk.cin, blk.hidden, 1)
        _conv_bn(rng, w, f"{blk.name}.depthwise", blk.hidden, blk.hidden, 3,
                 groups=blk.hidden)
        _conv_bn(rng, w, f"{blk.name}.project", blk.hidden, blk.cout, 1,
                 gamma=(0.4, 0.7) if blk.residual else (0.8, 1.2))
        cin = blk.cout
    _conv_bn(rng, w, "last", cin, config.last_width, 1)
    _linear(rng, w, "classifier", config.last_width, config.num_classes,
            transposed=True)
    return w


def mobilenetv2(builder: Any, dtype: str, weights: Weights,
                config: MobileNetV2Config | None = None) -> Any:
    """MobileNetV2: NCHW ``[1, 3, S, S]`` -> ``[1, classes]``."""
    c = config or MobileNetV2Config()

    def relu6(v: Any) -> Any:
        return builder.clamp(v, min_value=0.0, max_value=6.0)

    x = builder.input(INPUT, {"data_type": dtype,
                              "shape": [1, 3, c.image_size, c.image_size]})
    x = relu6(_conv(builder, x, weights, "features.0", dtype, stride=2))
    for blk in mobilenet_blocks(c):
        y = x
        if blk.expand:
            y = relu6(_conv(builder, y, weights, f"{blk.name}.expand", dtype))
        y = relu6(_conv(builder, y, weights, f"{blk.name}.depthwise", dtype,
                        stride=blk.stride, groups=blk.hidden))
        y = _conv(builder, y, weights, f"{blk.name}.project", dtype)
        x = builder.add(x, y) if blk.residual else y
    x = relu6(_conv(builder, x, weights, "last", dtype))
    x = builder.reduce_mean(x, axes=[2, 3])
    return builder.gemm(x, _const(builder, weights["classifier.weight"], dtype),
                        c=_const(builder, weights["classifier.bias"], dtype),
                        b_transpose=True, label="classifier")


# -------------------------------------------------------------------- encoder


def encoder_weights(config: EncoderConfig, seed: int = 0) -> Weights:
    """Random encoder weights: per layer q, k, v, attn_out, ln1, ffn1, ffn2, ln2."""
    rng = np.random.default_rng(seed)
    w: Weights = {}
    h, f = config.hidden, config.ffn
    for i in range(config.layers):
        p = f"layer{i}"
        for name in ("q", "k", "v", "attn_out"):
            _linear(rng, w, f"{p}.{name}", h, h)
        _linear(rng, w, f"{p}.ffn1", h, f)
        _linear(rng, w, f"{p}.ffn2", f, h, gain=math.sqrt(2.0))
        for ln in ("ln1", "ln2"):
            w[f"{p}.{ln}.weight"] = (1.0 + rng.normal(0.0, 0.1, h)).astype(np.float32)
            w[f"{p}.{ln}.bias"] = rng.normal(0.0, 0.1, h).astype(np.float32)
    return w


def encoder(builder: Any, dtype: str, weights: Weights,
            config: EncoderConfig | None = None) -> Any:
    """A post-LN transformer encoder: ``[1, seq, hidden]`` -> ``[1, seq, hidden]``."""
    c = config or EncoderConfig()
    s, h, nh, hd = c.seq_len, c.hidden, c.heads, c.head_dim

    def const(name: str) -> Any:
        return _const(builder, weights[name], dtype)

    def linear(v: Any, name: str) -> Any:
        return builder.add(builder.matmul(v, const(f"{name}.weight"), label=name),
                           const(f"{name}.bias"))

    def heads(v: Any, permutation: list[int]) -> Any:
        return builder.transpose(builder.reshape(v, [1, s, nh, hd]),
                                 permutation=permutation)

    x = builder.input(INPUT, {"data_type": dtype, "shape": [1, s, h]})
    scale = builder.constant(dtype, 1.0 / math.sqrt(hd))
    for i in range(c.layers):
        p = f"layer{i}"
        q = heads(linear(x, f"{p}.q"), [0, 2, 1, 3])      # [1, nh, s, hd]
        k = heads(linear(x, f"{p}.k"), [0, 2, 3, 1])      # [1, nh, hd, s]
        v = heads(linear(x, f"{p}.v"), [0, 2, 1, 3])      # [1, nh, s, hd]
        scores = builder.mul(builder.matmul(q, k), scale)
        probs = builder.softmax(scores, 3)
        ctx = builder.transpose(builder.matmul(probs, v), permutation=[0, 2, 1, 3])
        attn = linear(builder.reshape(ctx, [1, s, h]), f"{p}.attn_out")
        x = builder.layer_normalization(builder.add(attn, x), axes=[2],
                                        scale=const(f"{p}.ln1.weight"),
                                        bias=const(f"{p}.ln1.bias"),
                                        epsilon=LN_EPSILON)
        y = linear(builder.gelu(linear(x, f"{p}.ffn1")), f"{p}.ffn2")
        x = builder.layer_normalization(builder.add(y, x), axes=[2],
                                        scale=const(f"{p}.ln2.weight"),
                                        bias=const(f"{p}.ln2.bias"),
                                        epsilon=LN_EPSILON)
    return x


# ------------------------------------------------------------------ registry


@dataclass(frozen=True)
class ModelSpec:
    """A benchmark network: its builder, weights, shapes, full and small sizes."""

    name: str
    title: str
    build: Callable[..., Any]
    make_weights: Callable[[Any, int], Weights]
    input_shape: Callable[[Any], tuple[int, ...]]
    output_shape: Callable[[Any], tuple[int, ...]]
    config: Any
    small: Any
    notes: str = ""

    def weights(self, *, small: bool = False, seed: int = 0) -> Weights:
        return self.make_weights(self.small if small else self.config, seed)


RESNET50 = ModelSpec(
    name="resnet50",
    title="ResNet-50",
    build=resnet50,
    make_weights=resnet_weights,
    input_shape=lambda c: (1, 3, c.image_size, c.image_size),
    output_shape=lambda c: (1, c.num_classes),
    config=ResNetConfig(),
    small=ResNetConfig(image_size=32, stem_width=8, stage_widths=(4, 8, 8, 16),
                       stage_blocks=(2, 1, 1, 1), num_classes=10),
    notes="224x224 NCHW, bottleneck v1.5, BatchNorm folded into Conv",
)

MOBILENETV2 = ModelSpec(
    name="mobilenetv2",
    title="MobileNetV2",
    build=mobilenetv2,
    make_weights=mobilenetv2_weights,
    input_shape=lambda c: (1, 3, c.image_size, c.image_size),
    output_shape=lambda c: (1, c.num_classes),
    config=MobileNetV2Config(),
    small=MobileNetV2Config(image_size=32, stem_width=8,
                            stages=((1, 8, 1, 1), (6, 8, 2, 2), (6, 16, 2, 2)),
                            last_width=32, num_classes=10),
    notes="224x224 NCHW, width 1.0, relu6 as clamp, BatchNorm folded into Conv",
)

ENCODER = ModelSpec(
    name="encoder",
    title="Encoder 6x384",
    build=encoder,
    make_weights=encoder_weights,
    input_shape=lambda c: (1, c.seq_len, c.hidden),
    output_shape=lambda c: (1, c.seq_len, c.hidden),
    config=EncoderConfig(),
    small=EncoderConfig(layers=2, hidden=32, heads=2, ffn=64, seq_len=8),
    notes="6 post-LN layers, hidden 384, 6 heads x 64, FFN 1536, erf GELU, seq 128",
)

#: every benchmark network by name, in the harness's order
MODELS: dict[str, ModelSpec] = {m.name: m for m in (RESNET50, MOBILENETV2, ENCODER)}
