"""``webnnpy inspect`` and ``webnnpy run`` for ONNX models.

    webnnpy inspect MODEL [--dims K=V ...] [--constant NAME=FILE.npy ...]
                    [--backend NAME] [--summary]
    webnnpy run MODEL --input NAME=FILE.npy ... [--dims K=V ...]
                [--constant NAME=FILE.npy ...] [--cast]
                [--backend numpy|onnxruntime] [--output-dir DIR] [--quiet]

``--input``, ``--dims`` and ``--constant`` take one or more values each and
may be repeated; MODEL may come before or after them (it is the one argument
without ``=``).  ``--dim`` and ``--const`` are accepted for ``--dims`` and
``--constant``.

``run`` checks its arguments against the model's graph inputs before it
imports anything: every input given exactly once, each array's shape fits
the input's declared one, and its dtype is the input's, or converts to it
without loss (int32 -> int64, float16 -> float32...).  Any other conversion
(int64 -> int32, float32 -> float16...) is refused, naming the input and both
types, unless ``--cast`` is given; even then integers that do not fit the
input's type are refused.

Exit status: 0 on success; 1 when the model cannot be imported (``inspect``
still prints its report) or run; 2 on a user error (one line on stderr).
``inspect_main`` and ``run_main`` take the arguments after the sub-command
and return the exit status; ``webnnpy.cli`` wires them in.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from webnnpy.cliargs import ArgumentParser, UsageError, positional_after, user_error
from webnnpy.models.onnx.dims import parse_dims as _parse_dims
from webnnpy.models.onnx.errors import (
    ExternalDataError,
    InvalidDimsError,
    InvalidModelError,
    InvalidNodeError,
)

if TYPE_CHECKING:
    from onnx import ModelProto

__all__ = ["check_inputs", "dims_message", "inspect_main", "load_array",
           "missing_dims", "parse_dims", "read_model", "run_main"]

#: backends whose operator support ``inspect`` reports when installed
_BACKENDS = ("numpy", "onnxruntime")
_NPY_MAGIC = b"\x93NUMPY"


def parse_dims(items: Sequence[str] | None, flag: str = "--dims"
               ) -> dict[str, Any]:
    """``["batch=1", "x=1,3,224,224"]`` -> ``{"batch": 1, "x": [1, 3, 224, 224]}``
    (see :func:`webnnpy.models.onnx.dims.parse_dims`); a bad item raises
    :class:`~webnnpy.models.onnx.errors.InvalidDimsError` (a ``TypeError``)
    naming ``flag``."""
    return dict(_parse_dims(items, flag))


def dims_message(e: InvalidDimsError, flag: str = "--dims") -> str:
    """An InvalidDimsError in command-line terms."""
    if e.flag:
        return str(e)
    if e.example is not None and e.key is not None:
        return (f"{flag} {e.key}=...: {e.reason} (on the command line: {flag} "
                f"{e.key}={','.join(map(str, e.example))})")
    return f"{flag}: {e.reason}"


def load_array(item: str, flag: str) -> tuple[str, np.ndarray]:
    """``NAME=FILE.npy`` -> (name, array), with a one-line UsageError naming
    ``flag`` and the file for anything that is not a readable .npy array."""
    name, sep, path = item.partition("=")
    if not sep or not name or not path:
        raise UsageError(f"{flag} {item!r}: expected NAME=FILE.npy")
    where = f"{flag} {item}"
    p = Path(path)
    if not p.exists():
        raise UsageError(f"{where}: no such file")
    if p.is_dir():
        raise UsageError(f"{where}: is a folder, not an .npy file")
    try:
        with open(p, "rb") as f:
            magic = f.read(len(_NPY_MAGIC))
        if magic[:2] == b"PK":
            raise UsageError(f"{where}: is an .npz archive; save one array per "
                             f"file with numpy.save")
        if magic != _NPY_MAGIC:
            raise UsageError(f"{where}: not a NumPy .npy file (numpy.save writes "
                             f"one)")
        arr = np.load(p, allow_pickle=False)
    except OSError as e:
        raise UsageError(f"{where}: cannot read it: {e.strerror or e}") from None
    except ValueError as e:
        if "pickle" in str(e):
            raise UsageError(f"{where}: holds Python objects (dtype object), not "
                             f"numbers") from None
        raise UsageError(f"{where}: not a valid .npy file ({e})") from None
    return name, arr


def _load_arrays(items: Sequence[str] | None, flag: str) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    for item in items or ():
        name, arr = load_array(item, flag)
        if name in out:
            raise UsageError(f"{flag} {name}=... is given twice")
        out[name] = arr
    return out


def read_model(path: str) -> ModelProto:
    """The ONNX model at ``path`` without its external data, or a one-line
    UsageError: no such file, a folder, not an ONNX model."""
    import onnx
    from google.protobuf.message import DecodeError

    p = Path(path)
    if not p.exists():
        raise UsageError(f"{path}: no such file")
    if p.is_dir():
        raise UsageError(f"{path}: is a folder, not an .onnx file")
    try:
        proto = onnx.load(str(p), load_external_data=False)
    except DecodeError:
        kind = " (a NumPy .npy file)" if _is_npy(p) else ""
        raise UsageError(f"{path}: not an ONNX model{kind}: its bytes do not "
                         f"parse as an onnx.ModelProto (truncated, or another "
                         f"kind of file?)") from None
    except OSError as e:
        raise UsageError(f"{path}: cannot read it: {e.strerror or e}") from None
    if not proto.ir_version or not proto.HasField("graph"):
        raise UsageError(f"{path}: not an ONNX model (no IR version or no graph)")
    return proto


def missing_dims(proto: ModelProto, dims: dict[str, Any], flag: str = "--dims",
                 also: str = "") -> None:
    """A UsageError naming the free dimensions of the graph's inputs that
    ``dims`` gives no value for (by dim_param, or the input's whole shape),
    and the ``flag`` items to pass (then ``also``)."""
    from webnnpy.models.onnx.dims import declared_dims, free_dims, free_dims_hint

    todo = {k: ins for k, ins in free_dims(proto).items()
            if k not in dims and not all(i in dims for i in ins)}
    if todo:
        names = {i: None for ins in todo.values() for i in ins if i not in dims}
        shapes = {vi.name: declared_dims(vi) for vi in proto.graph.input
                  if vi.name in names}
        raise UsageError("free dimensions without a value: "
                         + free_dims_hint(shapes, flag, python=False, given=dims)
                         + also)


def _is_npy(p: Path) -> bool:
    try:
        with open(p, "rb") as f:
            return f.read(len(_NPY_MAGIC)) == _NPY_MAGIC
    except OSError:
        return False


def _add_common(p: argparse.ArgumentParser) -> None:
    p.add_argument("model", nargs="?", metavar="MODEL", help="the .onnx file")
    p.add_argument("--dims", "--dim", nargs="+", action="extend", default=[],
                   metavar="K=V", help="free dimensions (batch=1) or input "
                   "shapes (x=1,3,224,224); repeatable")
    p.add_argument("--constant", nargs="+", action="extend", default=[],
                   metavar="NAME=FILE.npy",
                   help="graph inputs to fix at import; repeatable")
    p.add_argument("--const", nargs="+", action="extend", dest="constant",
                   help=argparse.SUPPRESS)
    p.add_argument("--backend", help="numpy, onnxruntime...")


def _load_error(e: BaseException, model: str) -> str | None:
    """A one-line message for an exception of loading ``model`` that is the
    file's fault (external data outside its folder, missing...), else None."""
    if type(e).__name__ == "ValidationError" or isinstance(e, ExternalDataError):
        return f"{model}: {e}"
    if isinstance(e, OSError):
        return user_error(e)
    return None


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

    Exit status 0 if the model can be loaded, 1 if not, 2 on a user error.
    """
    p = ArgumentParser(prog="webnnpy inspect",
                       description="List an ONNX model's nodes, their shapes, "
                       "and whether each maps to WebNN.")
    _add_common(p)
    p.set_defaults(backend=None)
    p.add_argument("--summary", action="store_true", help="omit the node list")
    args = p.parse_args(argv)
    try:
        positional_after(args, "model", {"dims": "--dims", "constant": "--constant"},
                         "MODEL (the .onnx file)")
        dims = parse_dims(args.dims)
        constants = _load_arrays(args.constant, "--constant")
        proto = read_model(args.model)
    except InvalidDimsError as e:
        return _fail("inspect", dims_message(e))
    except UsageError as e:
        return _fail("inspect", str(e))
    from webnnpy.models.onnx import OnnxImportError, inspect

    try:
        ctx = _context(args.backend) if args.backend else None
        report = inspect(proto, dims, constants=constants, context=ctx,
                         base_dir=Path(args.model).parent)
    except InvalidDimsError as e:
        return _fail("inspect", dims_message(e))
    except (OnnxImportError, ValueError) as e:
        return _fail("inspect", str(e))
    except Exception as e:
        message = _load_error(e, args.model)
        if message is None:
            raise
        return _fail("inspect", message)
    print(report.format(nodes=not args.summary))
    used = sorted(report.webnn_ops())
    if used:
        print("backends:")
        for line in _backend_support(used):
            print(line)
    for n in report.unsupported:
        print(f"not supported: node {n.name!r} ({n.op_type}-{n.version}): {n.reason}")
    return 0 if report.supported else 1


def _fail(command: str, message: str, status: int = 2) -> int:
    """Report an error as one line on stderr; returns ``status``."""
    text = "; ".join(line for line in message.splitlines() if line.strip())
    print(f"webnnpy {command}: {text}", file=sys.stderr)
    return status


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

    def fail(self, command: str, message: str, status: int) -> int:
        """End the progress line with the error (one line in all), or print
        just the error when quiet; returns ``status``."""
        text = "; ".join(line for line in message.splitlines() if line.strip())
        if self.quiet:
            return _fail(command, text, status)
        self._end(f" failed: {text}")
        return status


def _input_types(proto: ModelProto, constants: Sequence[str]
                 ) -> dict[str, tuple[int, list[str | int | None] | None]]:
    """The run-time graph inputs: name -> (ONNX element type, declared dims
    or None)."""
    from webnnpy.models.onnx.dims import declared_dims

    skip = {t.name for t in proto.graph.initializer} | set(constants)
    skip |= {t.values.name for t in proto.graph.sparse_initializer}
    out: dict[str, tuple[int, list[str | int | None] | None]] = {}
    for vi in proto.graph.input:
        if vi.name in skip:
            continue
        tt = vi.type.tensor_type if vi.type.HasField("tensor_type") else None
        out[vi.name] = (int(tt.elem_type) if tt is not None else 0,
                        declared_dims(vi))
    return out


def _shape_text(dims: Sequence[str | int | None] | None) -> str:
    if dims is None:
        return "[any shape]"
    return "[" + ", ".join("?" if d is None else str(d) for d in dims) + "]"


def _type(elem: int) -> str:
    """``float (float32)``: the ONNX type, and NumPy's name when it differs."""
    from webnnpy.models.onnx.types import np_dtype_of_onnx, type_name

    name = type_name(elem)
    try:
        np_name = str(np_dtype_of_onnx(elem))
    except (KeyError, ValueError, TypeError):
        return name
    return name if np_name == name else f"{name} ({np_name})"


def _where(name: str, sources: dict[str, str] | None) -> str:
    return f"--input {name}={(sources or {}).get(name, '...')}"


def check_inputs(proto: ModelProto, inputs: dict[str, np.ndarray],
                 constants: Sequence[str], dims: dict[str, Any], *,
                 cast: bool = False, sources: dict[str, str] | None = None
                 ) -> dict[str, np.ndarray]:
    """``--input`` arrays checked against the model's graph inputs before
    anything is imported: every run-time input given, no unknown name, each
    shape fitting the declared one (and ``dims``), each dtype the input's or
    one that converts to it losslessly; others are refused unless ``cast``
    (integers that do not fit are refused even then).  Returns the arrays
    converted to the inputs' types; raises a one-line UsageError
    (``sources``: the file each array came from, for the messages)."""
    from webnnpy.models.onnx.types import np_dtype_of_onnx, type_name

    specs = _input_types(proto, constants)
    unknown = [n for n in inputs if n not in specs]
    if unknown:
        n = unknown[0]
        why = (" (it is fixed by --constant)" if n in constants else
               " (it has an initializer: a weight)" if any(
                   vi.name == n for vi in proto.graph.input) else "")
        raise UsageError(f"{_where(n, sources)}: the model has no run-time "
                         f"input {n!r}{why}; its inputs: "
                         f"{', '.join(map(repr, specs)) or 'none'}")
    missing = [n for n in specs if n not in inputs]
    if missing:
        need = ", ".join(f"{n} ({type_name(specs[n][0])}"
                         f"{_shape_text(specs[n][1])})" for n in missing)
        raise UsageError(f"missing --input for {need}")
    out: dict[str, np.ndarray] = {}
    for name, arr in inputs.items():
        elem, declared = specs[name]
        where = _where(name, sources)
        if declared is not None:
            if arr.ndim != len(declared):
                raise UsageError(f"{where}: shape {list(arr.shape)} does not fit "
                                 f"input {name!r} {_shape_text(declared)} (rank "
                                 f"{len(declared)})")
            given = dims.get(name)
            for i, (d, n) in enumerate(zip(declared, arr.shape, strict=True)):
                want = (given[i] if isinstance(given, list) and i < len(given) else
                        d if isinstance(d, int) else
                        dims.get(d) if d is not None and isinstance(dims.get(d), int)
                        else None)
                if want is not None and want != n:
                    raise UsageError(f"{where}: shape {list(arr.shape)} does not "
                                     f"fit input {name!r} {_shape_text(declared)}: "
                                     f"dimension {i} is {n}, expected {want}")
        if not elem:
            out[name] = arr
            continue
        try:
            target = np_dtype_of_onnx(elem)
        except (KeyError, ValueError, TypeError):
            out[name] = arr  # a type numpy lacks: the importer says why
            continue
        if arr.dtype == target or (target == np.bool_ and arr.dtype == np.uint8):
            out[name] = arr
            continue
        if np.can_cast(arr.dtype, target, "safe"):
            out[name] = arr.astype(target)
            continue
        if not cast:
            raise UsageError(f"{where}: input {name!r} is {_type(elem)}; the "
                             f"file holds {arr.dtype}, which "
                             f"does not convert without loss (pass --cast to "
                             f"convert anyway)")
        if target.kind in "iub" and arr.size:
            info = np.iinfo(target) if target.kind != "b" else None
            a = arr.astype(np.float64) if arr.dtype.kind == "f" else arr
            bad = (~np.isfinite(a) if a.dtype.kind == "f" else np.zeros(a.shape,
                                                                         bool))
            if info is not None:
                bad |= (a < info.min) | (a > info.max)
            if bad.any():
                v = arr[bad].flat[0].item()
                raise UsageError(f"{where}: --cast: the value {v!r} does not fit "
                                 f"input {name!r} ({_type(elem)})")
        out[name] = arr.astype(target)
    return out


def _output_dir(path: str) -> Path:
    """``--output-dir``, created now (before anything runs) or a UsageError."""
    out = Path(path)
    if out.exists() and not out.is_dir():
        raise UsageError(f"--output-dir {path}: is a file, not a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise UsageError(f"--output-dir {path}: cannot create it: "
                         f"{e.strerror or e}") from None
    if not os.access(out, os.W_OK):
        raise UsageError(f"--output-dir {path}: not writable")
    return out


def run_main(argv: Sequence[str]) -> int:
    """``webnnpy run MODEL --input x=x.npy``: run a model, save its outputs.

    Exit status 0 on success, 1 if the model cannot be imported or run, 2 on
    a user error (checked before anything is imported).
    """
    p = ArgumentParser(prog="webnnpy run",
                       description="Run an ONNX model with WebNN and write its "
                       "outputs as .npy files.")
    _add_common(p)
    p.add_argument("--input", nargs="+", action="extend", default=[],
                   metavar="NAME=FILE.npy", help="an array per graph input; "
                   "repeatable")
    p.add_argument("--cast", action="store_true",
                   help="convert an input array whose dtype differs from the "
                   "input's even when that loses precision (integers must fit)")
    p.add_argument("--output-dir", default=".", help="where to write NAME.npy")
    p.add_argument("--quiet", action="store_true",
                   help="no progress lines on stderr")
    args = p.parse_args(argv)
    try:
        positional_after(args, "model", {"input": "--input", "dims": "--dims",
                                         "constant": "--constant"},
                         "MODEL (the .onnx file)")
        dims = parse_dims(args.dims)
        inputs = _load_arrays(args.input, "--input")
        constants = _load_arrays(args.constant, "--constant")
        proto = read_model(args.model)
        sources = {i.partition("=")[0]: i.partition("=")[2] for i in args.input}
        inputs = check_inputs(proto, inputs, list(constants), dims, cast=args.cast,
                              sources=sources)
        out_dir = _output_dir(args.output_dir)
    except InvalidDimsError as e:
        return _fail("run", dims_message(e))
    except UsageError as e:
        return _fail("run", str(e))
    del proto
    # the given arrays' shapes fix the inputs' free dimensions
    dims = {**{name: list(a.shape) for name, a in inputs.items()}, **dims}
    from webnnpy import DOMException
    from webnnpy.models.onnx import OnnxImportError, load

    step = _Progress(args.quiet)
    try:
        step.start(f"importing {args.model}")
        ctx = _context(args.backend)
        model = load(args.model, context=ctx, dims=dims, constants=constants)
        # every run-time input's shape is in dims (check_inputs): one static graph
        assert model.graph is not None
        step.done(f"{model.graph.operator_count} WebNN operators, built on "
                  f"{ctx.backend}")
    except InvalidDimsError as e:
        return step.fail("run", dims_message(e), 2)
    except (InvalidModelError, InvalidNodeError) as e:  # the file's fault: a
        return step.fail("run", f"{args.model}: {e}", 2)  # user error
    except (OnnxImportError, DOMException, TypeError) as e:
        return step.fail("run", str(e), 1)
    except Exception as e:
        message = _load_error(e, args.model)
        if message is None:
            raise
        return step.fail("run", message, 2)
    try:
        step.start("running")
        outputs = model.run(inputs)
        step.done()
    except (TypeError, DOMException) as e:
        return step.fail("run", str(e), 1)
    print(f"{args.model}: ran on {ctx.backend}")
    for name, arr in outputs.items():
        path = out_dir / f"{_file_name(name)}.npy"
        try:
            np.save(path, arr)
        except OSError as e:
            return _fail("run", f"cannot write {path}: {e.strerror or e}")
        stats = ""
        if arr.size and arr.dtype.kind in "fiub":
            a = arr.astype(np.float64)
            stats = (f" min {np.nanmin(a):.6g} max {np.nanmax(a):.6g} "
                     f"mean {np.nanmean(a):.6g}")
        print(f"  {name}: {arr.dtype}{list(arr.shape)}{stats} -> {path}")
    return 0
