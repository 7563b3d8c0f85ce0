"""``webnnpy export MODEL_OR_GRAPH --js OUTDIR``: write a graph as an ES module.

``MODEL_OR_GRAPH`` is either

- an ONNX model (``*.onnx``), imported with :func:`webnnpy.models.onnx.load`
  (free dimensions fixed with ``--dim name=value``), or
- a Python builder, ``path/to/file.py:function`` or ``package.module:function``:
  a function that takes an ``MLContext`` and returns an ``MLGraph`` (or an
  object with a ``graph`` attribute).

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

__all__ = ["export_main", "load_model"]


def _parse_dims(items: Sequence[str]) -> dict[str, Any]:
    dims: dict[str, Any] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise ValueError(f"--dim {item!r}: expected NAME=VALUE or "
                             f"INPUT=D1,D2,...")
        parts = [int(v) for v in value.split(",")]
        dims[name] = parts[0] if len(parts) == 1 and "," not in value else parts
    return dims


def _load_callable(spec: str) -> Any:
    target, sep, attr = spec.rpartition(":")
    if not sep or not target or not attr:
        raise ValueError(f"{spec!r}: expected FILE.py:FUNCTION or MODULE:FUNCTION")
    if target.endswith(".py"):
        path = Path(target)
        if not path.is_file():
            raise FileNotFoundError(f"no such file: {path}")
        mod_spec = importlib.util.spec_from_file_location(path.stem, path)
        assert mod_spec is not None and mod_spec.loader is not None
        module = importlib.util.module_from_spec(mod_spec)
        sys.path.insert(0, str(path.parent.resolve()))
        try:
            mod_spec.loader.exec_module(module)
        finally:
            sys.path.pop(0)
    else:
        module = importlib.import_module(target)
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
    """``webnnpy export MODEL_OR_GRAPH --js OUTDIR [--dim NAME=VALUE]``."""
    p = argparse.ArgumentParser(
        prog="webnnpy export",
        description="Write a WebNN graph as a standalone JavaScript ES module "
                    "(model.js) plus its weights (weights.bin).")
    p.add_argument("model", metavar="MODEL_OR_GRAPH",
                   help="an .onnx file, or FILE.py:FUNCTION / MODULE:FUNCTION "
                        "returning an MLGraph for a given MLContext")
    p.add_argument("--js", metavar="OUTDIR", required=True,
                   help="folder for model.js and weights.bin")
    p.add_argument("--dim", action="append", default=[], metavar="NAME=VALUE",
                   help="an ONNX free dimension (repeatable)")
    args = p.parse_args(argv)
    from webnnpy.models.javascript.exporter import ExportError, export

    try:
        graph = load_model(args.model, dims=_parse_dims(args.dim) or None)
        paths = export(graph, args.js)
    except (ExportError, ValueError, RuntimeError, FileNotFoundError,
            TypeError) as e:
        print(f"webnnpy export: {e}", file=sys.stderr)
        return 2
    print(f"wrote {paths.module} and {paths.weights} "
          f"({paths.weights.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(export_main())
