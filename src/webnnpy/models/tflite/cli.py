"""``webnnpy inspect|run|bench|export MODEL.tflite``: the command line for
TFLite models (``webnnpy.cli`` dispatches here by the ``.tflite`` suffix).

- ``inspect MODEL.tflite [--summary]``: every operator, what it maps to or
  why not.  Exit 0 if the model imports, 1 if not, 2 on a user error.
- ``run MODEL.tflite --input NAME=FILE.npy ... [--output-dir DIR]``: run it
  through webnnpy, write each output as ``NAME.npy``.
- ``bench MODEL.tflite [--rounds N] [--backend B ...]``: latency of webnnpy on
  each backend and of LiteRT (when ``ai-edge-litert`` is installed),
  interleaved, min/median, and the max difference from LiteRT.
- ``export MODEL.tflite --js OUTDIR``: a WebNN JavaScript module.

``--dim NAME=N,N,...`` fixes the shape of an input with dynamic dimensions.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from webnnpy.cliargs import ArgumentParser, UsageError

__all__ = ["bench_main", "export_main", "inspect_main", "run_main"]


def _fail(cmd: str, message: str, status: int = 2) -> int:
    text = "; ".join(line for line in message.splitlines() if line.strip())
    print(f"webnnpy {cmd}: {text}", file=sys.stderr)
    return status


def _parser(cmd: str, description: str) -> ArgumentParser:
    p = ArgumentParser(prog=f"webnnpy {cmd}", description=description)
    p.add_argument("model", metavar="MODEL.tflite", help="the .tflite file")
    p.add_argument("--dim", "--dims", nargs="+", action="extend", default=[],
                   dest="dim", metavar="NAME=N,N,...",
                   help="the shape of an input with dynamic dimensions")
    return p


def _dims(items: Sequence[str]) -> dict[str, list[int]] | None:
    if not items:
        return None
    out: dict[str, list[int]] = {}
    for item in items:
        name, sep, value = item.partition("=")
        try:
            shape = [int(v) for v in value.split(",")] if sep and name else None
        except ValueError:
            shape = None
        if not shape:
            raise UsageError(f"--dim {item!r}: expected NAME=N,N,... (an input's "
                             f"shape)")
        out[name] = shape
    return out


def _context(backend: str | None) -> Any:
    from webnnpy import ml

    return ml.create_context(backend=backend) if backend else ml.create_context()


def _load(args: argparse.Namespace, cmd: str, context: Any) -> Any:
    from webnnpy.models import tflite as wt

    if not Path(args.model).is_file():
        raise UsageError(f"{args.model}: no such file")
    return wt.load(args.model, context=context, dims=_dims(args.dim))


def _guard(cmd: str, body: Callable[[], int]) -> int:
    from webnnpy.models.tflite.errors import (
        InvalidModelError,
        TfliteImportError,
        UnsupportedModelError,
    )

    try:
        return body()
    except UsageError as e:
        return _fail(cmd, str(e))
    except (InvalidModelError, UnsupportedModelError) as e:
        return _fail(cmd, str(e), 2 if isinstance(e, InvalidModelError) else 1)
    except TfliteImportError as e:
        return _fail(cmd, str(e), 1)


def inspect_main(argv: Sequence[str]) -> int:
    """``webnnpy inspect MODEL.tflite``."""
    p = _parser("inspect", "List a TFLite model's operators, their tensors, and "
                "what each maps to in WebNN (or why not).")
    p.add_argument("--summary", action="store_true", help="omit the operator list")
    args = p.parse_args(argv)

    def body() -> int:
        from webnnpy.models import tflite as wt

        if not Path(args.model).is_file():
            raise UsageError(f"{args.model}: no such file")
        r = wt.inspect(args.model, dims=_dims(args.dim))
        if args.summary:
            status = "imports" if r.ok else "does not import"
            print(f"{r.path}: {status}\n" + "\n".join(
                [f"problem: {x}" for x in r.problems]) + r.summary())
        else:
            print(r)
        return 0 if r.ok else 1
    return _guard("inspect", body)


def run_main(argv: Sequence[str]) -> int:
    """``webnnpy run MODEL.tflite --input NAME=FILE.npy ...``."""
    p = _parser("run", "Run a TFLite model through webnnpy on .npy inputs.")
    p.add_argument("--input", nargs="+", action="extend", default=[],
                   metavar="NAME=FILE.npy", help="an input; repeatable")
    p.add_argument("--output-dir", default=".", help="where to write NAME.npy")
    p.add_argument("--backend", help="numpy, onnxruntime...")
    args = p.parse_args(argv)

    def body() -> int:
        feeds: dict[str, np.ndarray] = {}
        for item in args.input:
            name, sep, path = item.partition("=")
            if not sep or not name:
                raise UsageError(f"--input {item!r}: expected NAME=FILE.npy")
            try:
                feeds[name] = np.load(path, allow_pickle=False)
            except (OSError, ValueError) as e:
                raise UsageError(f"--input {item!r}: {e}") from None
        m = _load(args, "run", _context(args.backend))
        missing = [n for n in m.inputs if n not in feeds]
        if missing:
            raise UsageError("missing --input for " + ", ".join(
                f"{n} ({m.inputs[n]['data_type']}{list(m.inputs[n]['shape'])})"
                for n in missing))
        try:
            outs = m.run(feeds)
        except TypeError as e:
            raise UsageError(str(e)) from None
        out_dir = Path(args.output_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        for name, v in outs.items():
            safe = "".join(c if c.isalnum() or c in "._-" else "_" for c in name)
            np.save(out_dir / f"{safe}.npy", v)
            print(f"{name}: {v.dtype}{list(v.shape)} -> {out_dir / (safe + '.npy')}")
        return 0
    return _guard("run", body)


def bench_main(argv: Sequence[str]) -> int:
    """``webnnpy bench MODEL.tflite``."""
    p = _parser("bench", "Time a TFLite model through webnnpy on each backend and "
                "in LiteRT (XNNPACK), interleaved.")
    p.add_argument("--rounds", type=int, default=20)
    p.add_argument("--backend", nargs="+", action="extend", default=[],
                   help="backends to time (default: every installed one)")
    args = p.parse_args(argv)

    def body() -> int:
        from webnnpy.backends import available_backends

        backends = args.backend or [b for b, ok in available_backends().items()
                                    if ok]
        if args.rounds < 1:
            raise UsageError("--rounds must be at least 1")
        models = {b: _load(args, "bench", _context(b)) for b in backends}
        first = next(iter(models.values()))
        rng = np.random.default_rng(0)
        feeds = {n: (rng.random(d["shape"]).astype(d["data_type"])
                     if d["data_type"].startswith("float") else
                     np.zeros(d["shape"], d["data_type"]))
                 for n, d in first.inputs.items()}
        def runner(m: Any) -> Callable[[], dict[str, np.ndarray]]:
            return lambda: m.run(feeds)

        calls: dict[str, Callable[[], dict[str, np.ndarray]]] = {
            f"webnnpy-{b}": runner(m) for b, m in models.items()}
        try:
            from ai_edge_litert.interpreter import Interpreter
        except ImportError:
            Interpreter = None
        if Interpreter is not None:
            it = Interpreter(model_path=args.model)
            it.allocate_tensors()

            def litert() -> dict[str, np.ndarray]:
                for d in it.get_input_details():
                    it.set_tensor(d["index"], feeds[d["name"]])
                it.invoke()
                return {d["name"]: it.get_tensor(d["index"])
                        for d in it.get_output_details()}
            calls["litert"] = litert
        results = {k: f() for k, f in calls.items()}
        times: dict[str, list[float]] = {k: [] for k in calls}
        for _ in range(args.rounds):
            for k, f in calls.items():
                t = time.perf_counter()
                f()
                times[k].append((time.perf_counter() - t) * 1e3)
        ref = results.get("litert")
        print(f"{args.model}: {args.rounds} interleaved rounds")
        for k, ts in times.items():
            med = statistics.median(ts)
            line = f"  {k:22s} min {min(ts):8.2f} ms  median {med:8.2f} ms"
            if ref is not None and k != "litert":
                err = max(float(np.abs(results[k][n].astype(np.float64)
                                       - ref[n]).max()) for n in ref)
                line += f"  max |diff| vs LiteRT {err:.2e}"
            print(line)
        return 0
    return _guard("bench", body)


def export_main(argv: Sequence[str]) -> int:
    """``webnnpy export MODEL.tflite --js OUTDIR``."""
    p = _parser("export", "Write a TFLite model as a WebNN JavaScript module "
                "(model.js) plus its weights (weights.bin).")
    p.add_argument("--js", metavar="OUTDIR", required=True)
    args = p.parse_args(argv)

    def body() -> int:
        import webnnpy
        from webnnpy.models.javascript.exporter import ExportError, export

        out = Path(args.js)
        if out.exists() and not out.is_dir():
            raise UsageError(f"--js {args.js}: is a file, not a folder")
        m = _load(args, "export", webnnpy.ml.create_context(backend="numpy"))
        try:
            paths = export(m.graph, args.js)
        except ExportError as e:
            raise UsageError(str(e)) from None
        print(f"wrote {paths.module} and {paths.weights} "
              f"({paths.weights.stat().st_size} bytes)")
        return 0
    return _guard("export", body)
