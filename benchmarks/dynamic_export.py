"""Export the zoo's BERT-like and GPT-2-like encoders with a free sequence
dimension (``seq``), for ``python -m benchmarks.dynamic_shapes``: the same
modules, seeds and exporter as ``benchmarks/zoo_export.py`` (whose exports fix
every dimension, as the zoo's latency table needs), plus ``dynamic_axes``.

    python benchmarks/dynamic_export.py [--out DIR]

Runs itself in the export virtualenv (torch + transformers, never needed by
CI or users); writes ``bert-dynseq.onnx`` and ``gpt2-dynseq.onnx`` next to
the zoo's files (``~/.cache/webnnpy/zoo``).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.zoo_export import VENV_DEFAULT, _dummy, build_module, ensure_venv  # noqa: E402
from benchmarks.zoo_models import MODELS, zoo_dir  # noqa: E402

__all__ = ["MODELS_WITH_SEQ", "main"]

#: the zoo models exported here with a free sequence dimension
MODELS_WITH_SEQ = ("bert", "gpt2")


def export(name: str, out_dir: Path) -> Path:
    """Export zoo model ``name`` with inputs and output free along axis 1."""
    import torch

    spec = MODELS[name]
    module = build_module(spec)
    args = _dummy(spec)
    names = [i.name for i in spec.inputs]
    path = out_dir / f"{name}-dynseq.onnx"
    axes = {n: {1: "seq"} for n in names} | {"output": {1: "seq"}}
    with torch.no_grad():
        torch.onnx.export(module, args, str(path), input_names=names,
                          output_names=["output"], dynamic_axes=axes,
                          opset_version=spec.export.get("opset", 17),
                          dynamo=False, do_constant_folding=True)
    return path


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="benchmarks/dynamic_export.py",
                                description=__doc__.split("\n\n")[0])
    p.add_argument("--out", default=None, help="output folder (default: the zoo's)")
    p.add_argument("--in-venv", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    out_dir = Path(args.out).expanduser() if args.out else zoo_dir()
    if not args.in_venv:
        py = ensure_venv(VENV_DEFAULT)
        return subprocess.run([str(py), str(Path(__file__).resolve()), "--in-venv",
                               "--out", str(out_dir)]).returncode
    out_dir.mkdir(parents=True, exist_ok=True)
    for name in MODELS_WITH_SEQ:
        print(f"{name}: {export(name, out_dir)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
