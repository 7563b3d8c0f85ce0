"""``webnnpy inspect`` and ``webnnpy run`` for ONNX models.

    webnnpy inspect MODEL [--dims k=v ...] [--backend NAME] [--summary]
    webnnpy run MODEL --input name=file.npy ... [--dims k=v ...]
                [--backend numpy|onnxruntime] [--output-dir DIR]

``inspect_main`` and ``run_main`` take the arguments after the sub-command
and return the exit status; ``webnnpy.cli`` wires them in.
"""

from __future__ import annotations

import argparse
import re
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["inspect_main", "parse_dims", "run_main"]

#: backends whose operator support ``inspect`` reports when installed
_BACKENDS = ("numpy", "onnxruntime")


def parse_dims(items: Sequence[str] | None) -> dict[str, Any]:
    """``["batch=1", "x=1,3,224,224"]`` -> ``{"batch": 1, "x": [1, 3, 224, 224]}``."""
    out: dict[str, Any] = {}
    for item in items or ():
        name, sep, value = item.partition("=")
        if not sep or not name or not value:
            raise ValueError(f"--dims {item!r}: expected NAME=N or INPUT=N,N,...")
        try:
            nums = [int(v) for v in value.split(",")]
        except ValueError:
            raise ValueError(f"--dims {item!r}: {value!r} is not a list of "
                             f"integers") from None
        out[name] = nums if "," in value else nums[0]
    return out


def _load_arrays(items: Sequence[str] | None, what: str) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    for item in items or ():
        name, sep, path = item.partition("=")
        if not sep or not name or not path:
            raise ValueError(f"--{what} {item!r}: expected NAME=FILE.npy")
        out[name] = np.load(path, allow_pickle=False)
    return out


def _context(backend: str | None) -> Any:
    from webnnpy import ml

    return ml.create_context(backend=backend) if backend else ml.create_context()


def _backend_support(used: Sequence[str]) -> list[str]:
    """For each installed backend: the WebNN operators of ``used`` it lacks."""
    from webnnpy import NotSupportedError, ml

    lines = []
    for name in _BACKENDS:
        try:
            ctx = ml.create_context(backend=name)
        except NotSupportedError:
            lines.append(f"  {name}: not installed")
            continue
        have = set(ctx.op_support_limits())
        ctx.destroy()
        missing = sorted(op for op in used if op not in have)
        lines.append(f"  {name}: " + ("all of them" if not missing else
                                      "lacks " + ", ".join(missing)))
    return lines


def inspect_main(argv: Sequence[str]) -> int:
    """``webnnpy inspect MODEL``: the ops, shapes, and what maps to WebNN.

    Exit status 0 if the model can be loaded, 1 if not, 2 on bad arguments.
    """
    p = argparse.ArgumentParser(prog="webnnpy inspect",
                                description="List an ONNX model's nodes, their "
                                "shapes, and whether each maps to WebNN.")
    p.add_argument("model", help="the .onnx file")
    p.add_argument("--dims", nargs="*", metavar="K=V",
                   help="free dimensions (batch=1) or input shapes (x=1,3,224,224)")
    p.add_argument("--constant", nargs="*", metavar="NAME=FILE.npy",
                   help="graph inputs to fix at import")
    p.add_argument("--backend", help="check against this backend's operator "
                   "limits (default: the NumPy reference)")
    p.add_argument("--summary", action="store_true", help="omit the node list")
    args = p.parse_args(argv)
    from webnnpy.models.onnx import OnnxImportError, inspect

    try:
        dims = parse_dims(args.dims)
        constants = _load_arrays(args.constant, "constant")
        ctx = _context(args.backend) if args.backend else None
        report = inspect(args.model, dims, constants=constants, context=ctx)
    except (ValueError, OSError, OnnxImportError) as e:
        print(f"webnnpy inspect: {e}", file=sys.stderr)
        return 2
    print(report.format(nodes=not args.summary))
    used = sorted(report.webnn_ops())
    if used:
        print("backends:")
        for line in _backend_support(used):
            print(line)
    for n in report.unsupported:
        print(f"not supported: node {n.name!r} ({n.op_type}-{n.version}): {n.reason}")
    return 0 if report.supported else 1


def _file_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name) or "output"


class _Progress:
    """Progress of the long steps on stderr: what runs, then how long it
    took (with a live elapsed-time line on a terminal)."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.t0 = 0.0
        self._stop: threading.Event | None = None

    def start(self, what: str) -> None:
        self.t0 = time.perf_counter()
        if self.quiet:
            return
        print(f"{what}...", end="", file=sys.stderr, flush=True)
        if sys.stderr.isatty():
            self._stop = threading.Event()
            threading.Thread(target=self._tick, args=(what, self._stop),
                             daemon=True).start()

    def _tick(self, what: str, stop: threading.Event) -> None:
        while not stop.wait(0.5):
            dt = time.perf_counter() - self.t0
            print(f"\r{what}... {dt:.1f} s", end="", file=sys.stderr, flush=True)

    def _end(self, text: str) -> None:
        if self._stop is not None:
            self._stop.set()
            self._stop = None
        if not self.quiet:
            print(text, file=sys.stderr, flush=True)

    def done(self, detail: str = "") -> None:
        dt = time.perf_counter() - self.t0
        self._end(f" done in {dt:.2f} s" + (f": {detail}" if detail else ""))

    def fail(self) -> None:
        self._end(" failed")


def run_main(argv: Sequence[str]) -> int:
    """``webnnpy run MODEL --input x=x.npy``: run a model, save its outputs.

    Exit status 0 on success, 1 if the model cannot be imported or run, 2 on
    bad arguments.
    """
    p = argparse.ArgumentParser(prog="webnnpy run",
                                description="Run an ONNX model with WebNN and "
                                "write its outputs as .npy files.")
    p.add_argument("model", help="the .onnx file")
    p.add_argument("--input", nargs="*", metavar="NAME=FILE.npy", default=[],
                   help="an input array per graph input")
    p.add_argument("--dims", nargs="*", metavar="K=V",
                   help="free dimensions (batch=1) or input shapes (x=1,3,224,224)")
    p.add_argument("--constant", nargs="*", metavar="NAME=FILE.npy",
                   help="graph inputs to fix at import")
    p.add_argument("--backend", help="numpy, onnxruntime... (default: the "
                   "fastest installed)")
    p.add_argument("--output-dir", default=".", help="where to write NAME.npy")
    p.add_argument("--quiet", action="store_true",
                   help="no progress lines on stderr")
    args = p.parse_args(argv)
    from webnnpy import DOMException
    from webnnpy.models.onnx import OnnxImportError, load

    try:
        dims = parse_dims(args.dims)
        inputs = _load_arrays(args.input, "input")
        constants = _load_arrays(args.constant, "constant")
    except (ValueError, OSError) as e:
        print(f"webnnpy run: {e}", file=sys.stderr)
        return 2
    if not dims:
        # shapes of the given arrays fix the inputs' free dimensions
        dims = {name: list(a.shape) for name, a in inputs.items()}
    step = _Progress(args.quiet)
    try:
        step.start(f"importing {args.model}")
        ctx = _context(args.backend)
        model = load(args.model, context=ctx, dims=dims, constants=constants)
        step.done(f"{len(model.graph._ir.nodes)} WebNN operators, built on "
                  f"{ctx.backend}")
    except (OSError, OnnxImportError, DOMException) as e:
        step.fail()
        print(f"webnnpy run: {e}", file=sys.stderr)
        return 1
    missing = [n for n in model.inputs if n not in inputs]
    if missing:
        need = ", ".join(f"{n} ({model.inputs[n]['data_type']} "
                         f"{model.inputs[n]['shape']})" for n in missing)
        print(f"webnnpy run: missing --input for {need}", file=sys.stderr)
        return 2
    try:
        step.start("running")
        outputs = model.run(inputs)
        step.done()
    except (TypeError, DOMException) as e:
        step.fail()
        print(f"webnnpy run: {e}", file=sys.stderr)
        return 1
    out_dir = Path(args.output_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    print(f"{args.model}: ran on {ctx.backend}")
    for name, arr in outputs.items():
        path = out_dir / f"{_file_name(name)}.npy"
        np.save(path, arr)
        stats = ""
        if arr.size and arr.dtype.kind in "fiub":
            a = arr.astype(np.float64)
            stats = (f" min {np.nanmin(a):.6g} max {np.nanmax(a):.6g} "
                     f"mean {np.nanmean(a):.6g}")
        print(f"  {name}: {arr.dtype}{list(arr.shape)}{stats} -> {path}")
    return 0
