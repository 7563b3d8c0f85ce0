"""``webnnpy export MODEL_OR_GRAPH --js OUTDIR``: write a graph as an ES module.

``MODEL_OR_GRAPH`` is either

- an ONNX model (``*.onnx``), imported with :func:`webnnpy.models.onnx.load`
  (free dimensions fixed with ``--dim name=value`` or an input's shape with
  ``--dim input=N,N,...``; ``--dims`` is accepted too), or
- with free dimensions that ``--dim`` leaves open, one module per shape
  signature: each ``--signature NAME=N [NAME=N ...]`` (repeatable; the same
  items as ``--dim``, added to them) is written to ``OUTDIR/<signature>/``
  (``batch1_seq16/model.js`` and ``weights.bin``), with ``OUTDIR/index.js``
  listing them (:func:`webnnpy.models.javascript.export_signatures`), or
- a Python builder, ``path/to/file.py:function`` or ``package.module:function``:
  a function that takes an ``MLContext`` and returns an ``MLGraph`` (or an
  object with a ``graph`` attribute).

Exit status: 0 on success, 1 when the ONNX model cannot be imported (an
operator WebNN lacks...), 2 on a user error (a missing or invalid file, a
module or function that cannot be found, an output folder that is a file,
bad ``--dim``, a graph the exporter cannot write), reported as one line.
The lead wires :func:`export_main` into the ``webnnpy`` command.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from webnnpy.cliargs import ArgumentParser, UsageError, positional_after, user_error

__all__ = ["export_main", "load_model"]


def _load_callable(spec: str) -> Any:
    target, sep, attr = spec.rpartition(":")
    if not sep or not target or not attr:
        raise ValueError(f"{spec!r}: expected FILE.py:FUNCTION or MODULE:FUNCTION")
    if target.endswith(".py"):
        path = Path(target)
        if not path.is_file():
            raise UsageError(f"{spec}: no such file: {path}")
        mod_spec = importlib.util.spec_from_file_location(path.stem, path)
        assert mod_spec is not None and mod_spec.loader is not None
        module = importlib.util.module_from_spec(mod_spec)
        sys.path.insert(0, str(path.parent.resolve()))
        try:
            mod_spec.loader.exec_module(module)
        finally:
            sys.path.pop(0)
    else:
        try:
            module = importlib.import_module(target)
        except ImportError as e:
            raise UsageError(f"{spec}: cannot import module {target!r} ({e})"
                             ) from None
    try:
        return getattr(module, attr)
    except AttributeError:
        raise ValueError(f"{target} has no attribute {attr!r}") from None


def load_model(spec: str, context: Any = None,
               dims: dict[str, Any] | None = None) -> Any:
    """The MLGraph that ``spec`` names (an ``.onnx`` file or a builder
    function, see the module docstring), built on ``context``."""
    import webnnpy

    if context is None:
        context = webnnpy.ml.create_context(backend="numpy")
    if spec.endswith(".onnx"):
        if not Path(spec).is_file():
            raise UsageError(f"{spec}: no such file")
        try:
            from webnnpy.models import onnx as wonnx
        except ImportError as e:
            raise RuntimeError(f"importing ONNX models needs webnnpy.models.onnx "
                               f"and the onnx package ({e})") from None
        if not hasattr(wonnx, "load"):
            raise RuntimeError("this webnnpy has no ONNX importer "
                               "(webnnpy.models.onnx.load)")
        return wonnx.load(spec, context=context, dims=dims).graph
    fn = _load_callable(spec)
    graph = fn(context) if callable(fn) else fn
    return getattr(graph, "graph", graph)


def export_main(argv: Sequence[str] | None = None) -> int:
    """``webnnpy export MODEL_OR_GRAPH --js OUTDIR [--dim NAME=VALUE ...]``."""
    p = ArgumentParser(
        prog="webnnpy export",
        description="Write a WebNN graph as a standalone JavaScript ES module "
                    "(model.js) plus its weights (weights.bin).")
    p.add_argument("model", metavar="MODEL_OR_GRAPH", nargs="?",
                   help="an .onnx file, or FILE.py:FUNCTION / MODULE:FUNCTION "
                        "returning an MLGraph for a given MLContext")
    p.add_argument("--js", metavar="OUTDIR", required=True,
                   help="folder for model.js and weights.bin")
    p.add_argument("--dim", nargs="+", action="extend", default=[],
                   metavar="NAME=VALUE", help="an ONNX free dimension (batch=1) "
                   "or input shape (x=1,3,224,224); repeatable")
    p.add_argument("--dims", nargs="+", action="extend", dest="dim",
                   help=argparse.SUPPRESS)
    p.add_argument("--signature", nargs="+", action="append", default=[],
                   metavar="NAME=VALUE", help="for free dimensions: one module "
                   "per signature, in OUTDIR/<signature>/ (repeat the option "
                   "for each signature)")
    args = p.parse_args(argv)
    from webnnpy.models.javascript.exporter import ExportError, export

    try:
        stray = [v for sig in args.signature for v in sig if "=" not in v]
        if stray and args.model is None and len(stray) == 1:
            args.model = stray[0]  # MODEL after a --signature's items
            args.signature = [[v for v in sig if "=" in v] for sig in args.signature]
        positional_after(args, "model", {"dim": "--dim"}, "MODEL_OR_GRAPH")
        dims = None
        if args.dim or args.signature:
            if not args.model.endswith(".onnx"):
                raise UsageError("--dim and --signature apply to .onnx models "
                                 "only")
            from webnnpy.models.onnx.cli import parse_dims

            dims = parse_dims(args.dim, "--dim")
            signatures = [{**dims, **parse_dims(sig, "--signature")}
                          for sig in args.signature]
        out = Path(args.js)
        if out.exists() and not out.is_dir():
            raise UsageError(f"--js {args.js}: is a file, not a folder")
        if args.model.endswith(".onnx"):
            from webnnpy.models.onnx.cli import missing_dims, read_model

            # one-line errors for a file that is not a model, or free
            # dimensions without a --dim or --signature, before anything is
            # imported
            proto = read_model(args.model)
            for given in signatures if args.signature else [dims or {}]:
                missing_dims(proto, given, "--dim",
                             also="; or one module per shape: --signature "
                             "NAME=N ... (repeatable)")
            del proto
        if args.signature:
            return _export_signatures(args.model, args.js, signatures)
        graph = load_model(args.model, dims=dims)
        paths = export(graph, args.js)
    except UsageError as e:
        return _fail(str(e))
    except (ExportError, ValueError, RuntimeError, TypeError) as e:
        # ValueError includes a bad --dim (InvalidDimsError)
        return _fail(_dims_text(e))
    except Exception as e:
        message = _import_failure(e, args.model)
        if message is None:
            raise
        return _fail(message[1], message[0])
    print(f"wrote {paths.module} and {paths.weights} "
          f"({paths.weights.stat().st_size} bytes)")
    return 0


def _export_signatures(model: str, outdir: str,
                       signatures: list[dict[str, Any]]) -> int:
    """``--signature``: one module per signature (errors as export_main's)."""
    from webnnpy.models.javascript import export_signatures

    results = export_signatures(model, outdir, signatures)
    for label, paths in results.items():
        print(f"wrote {paths.module} and {paths.weights} "
              f"({paths.weights.stat().st_size} bytes) for {label}")
    print(f"wrote {Path(outdir) / 'index.js'} ({len(results)} signatures)")
    return 0


def _fail(message: str, status: int = 2) -> int:
    text = "; ".join(line for line in message.splitlines() if line.strip())
    print(f"webnnpy export: {text}", file=sys.stderr)
    return status


def _dims_text(e: Exception) -> str:
    if type(e).__name__ == "InvalidDimsError":
        from webnnpy.models.onnx.cli import dims_message

        return dims_message(e, "--dim")  # type: ignore[arg-type]
    return str(e)


def _import_failure(e: Exception, model: str) -> tuple[int, str] | None:
    """(status, message) for an error of importing an ONNX model: 1 when
    the model cannot be imported, 2 when the file is at fault; None for
    anything else."""
    if type(e).__name__ == "ValidationError":
        return 2, f"{model}: {e}"
    if isinstance(e, OSError):
        return 2, user_error(e) or str(e)
    from webnnpy.models.onnx.errors import (
        InvalidModelError,
        InvalidNodeError,
        OnnxImportError,
    )

    if isinstance(e, InvalidModelError | InvalidNodeError):  # the file's fault
        return 2, f"{model}: {e}"
    if isinstance(e, OnnxImportError):
        return 1, f"{model} cannot be imported: {e}"
    return None


if __name__ == "__main__":
    sys.exit(export_main())
