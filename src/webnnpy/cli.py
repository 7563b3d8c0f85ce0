"""The ``webnnpy`` command line.

- ``webnnpy info``: the version, the spec commit, the backends and what a
  default context would use;
- ``webnnpy inspect MODEL`` / ``webnnpy run MODEL --input name=file.npy``: ONNX
  models through the importer;
- ``webnnpy export MODEL_OR_GRAPH --js OUTDIR``: a WebNN JavaScript module;
- ``webnnpy browser install|info|run``: Chromium's own WebNN, for comparison;
- ``webnnpy bench MODEL``: latency per backend against native onnxruntime;
- ``webnnpy demo ocr [IMAGE|TEXT]`` / ``webnnpy demo vad [WAV]``: real models
  (PP-OCRv6, silero-vad) through WebNN graphs;
- ``webnnpy detect faces|text|barcodes PATH... --out FILE.jsonl``: the Shape
  Detection API over files and folders (``--ray`` for Ray Data).

Each subcommand's own module parses its arguments (``webnnpy X --help``), and
is imported only when that subcommand runs.

Exit status: 0 on success; 1 when a valid model cannot be imported or run
(an operator WebNN lacks, a backend failure); 2 on a user error (bad
arguments, a missing or unreadable file, a file that is not a model, bad
``--dims``...), reported as one line on stderr, without a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from webnnpy.cliargs import (
    ArgumentParser,
    UsageError,
    positional_after,
    user_error,
)

__all__ = ["ArgumentParser", "UsageError", "main", "positional_after", "user_error"]


def _info(args: argparse.Namespace) -> int:
    import webnnpy
    from webnnpy.backends import (
        available_backends,
        composite_available,
        default_backend_choice,
    )

    print(f"webnnpy {webnnpy.__version__}")
    print(f"WebNN spec: webmachinelearning/webnn@{webnnpy.SPEC_COMMIT[:12]}")
    print("backends:")
    for name, ok in {**available_backends(), **composite_available()}.items():
        line = f"  {name:12s} {'available' if ok else 'not installed'}"
        if ok:
            try:
                ctx = webnnpy.ml.create_context(backend=name)
                limits = ctx.op_support_limits()
                n_ops = sum(1 for k, v in limits.items() if isinstance(v, dict)
                            and k not in ("input", "constant", "output"))
                line += f" - {ctx.backend_description}; {n_ops} operators"
                if name == "auto":
                    from webnnpy.backends.auto.backend import choices_root

                    root = choices_root()
                    n = sum(1 for _ in root.glob("*/*.json")) if root.is_dir() else 0
                    line += f"\n{'':15s}choices remembered: {n} graphs in {root}"
                ctx.destroy()
            except Exception as e:  # noqa: BLE001 - report, don't crash
                line += f" - failed to start: {e}"
        print(line)
    for acc in (True, False):
        name, why = default_backend_choice(acc)
        try:
            ctx = webnnpy.ml.create_context(accelerated=acc)
            what = ctx.backend_description
            ctx.destroy()
        except Exception as e:  # noqa: BLE001 - report, don't crash
            what = f"failed to start: {e}"
        print(f"default context (accelerated={acc}): {name} - {what}")
        print(f"  why: {why}")
    return 0


#: subcommand -> (module, function taking the remaining argv, help)
_DELEGATES = {
    "inspect": ("webnnpy.models.onnx.cli", "inspect_main",
                "list an ONNX model's nodes, shapes and what each backend supports"),
    "run": ("webnnpy.models.onnx.cli", "run_main",
            "run an ONNX model through webnnpy on .npy inputs"),
    "export": ("webnnpy.models.javascript.cli", "export_main",
               "write a graph or ONNX model as a WebNN JavaScript module"),
    "browser": ("webnnpy.browser.cli", "browser_main",
                "install/run Chromium's WebNN (headless) for cross-checks"),
    "bench": ("webnnpy.bench", "bench_main",
              "time an ONNX model on each backend against native onnxruntime"),
    "demo": ("webnnpy.tasks.cli", "demo_main",
             "real models through WebNN: demo ocr [IMAGE|TEXT], demo vad [WAV]"),
    "detect": ("webnnpy.shape_detection.cli", "detect_main",
               "faces/text/barcodes in image files and folders, to JSONL"),
}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``webnnpy`` command."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list and args_list[0] in _DELEGATES:
        import importlib

        mod, fn, _help = _DELEGATES[args_list[0]]
        if args_list[0] in ("inspect", "run", "bench", "export") and any(
                a.lower().endswith(".tflite") for a in args_list[1:]):
            mod, fn = "webnnpy.models.tflite.cli", f"{args_list[0]}_main"
        try:
            return int(getattr(importlib.import_module(mod), fn)(args_list[1:])
                       or 0)
        except SystemExit as e:  # argparse: --help, or a usage error
            return e.code if isinstance(e.code, int) else 2
        except Exception as e:
            # a user error that a subcommand let through: one line, not a
            # traceback; anything else is a bug and shows its traceback
            message = user_error(e)
            if message is None:
                raise
            print(f"webnnpy {args_list[0]}: {message}", file=sys.stderr)
            return 2
    parser = ArgumentParser(
        prog="webnnpy", description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("info", help="version, backends, what a context would use")
    p.set_defaults(func=_info)
    for name, (_mod, _fn, help_text) in _DELEGATES.items():
        sub.add_parser(name, help=help_text, add_help=False)
    try:
        args = parser.parse_args(args_list)
    except SystemExit as e:  # --help, or a usage error (already reported)
        return e.code if isinstance(e.code, int) else 2
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
