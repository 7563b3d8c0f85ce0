"""``webnnpy bench MODEL``: an ONNX model through webnnpy against native ONNX
Runtime on the original file.

    webnnpy bench MODEL.onnx|ZOO_NAME [--dims k=v ...] [--backends numpy,onnxruntime]
                  [--iters N] [--rounds R] [--const NAME=VALUE|FILE.npy ...]
                  [--input NAME=FILE.npy ...] [--seed S] [--json FILE] [--explain]

The model is imported once per webnnpy backend (``webnnpy.models.onnx.load``
with ``--dims``) and loaded once in an ``onnxruntime.InferenceSession`` with
the SessionOptions and providers of webnnpy's ONNX Runtime backend.  Inputs
not given are random with the graph's shapes and types (floats standard
normal, integers in [0, 10), bools fair coins, from ``--seed``); ``--const``
inputs are fixed at import on the webnnpy side (so that shape computations
or an ``If`` on them fold) and fed as usual to the native session.

Each implementation is warmed up (one call), then ``--rounds`` rounds run:
in each, every implementation makes ``iters / rounds`` timed calls, and the
order rotates by one place per round, so that each follows every other.  A
webnnpy call is ``context.compute(graph, inputs)`` (host arrays in and out,
tensors reused), a native call is ``session.run(None, inputs)``.  The
report gives each one's median, min and max latency, its ratio to native,
and per backend the largest absolute difference of any output from native
and that divided by the output's largest magnitude.

``--explain`` times nothing: it prints, per op type of ONNX Runtime's
optimized graph, the node counts and profiled kernel time of the native
file and of webnnpy's lowering of it, which shows the fusions a lowering
loses (:mod:`webnnpy.backends.onnxruntime.explain`).

A zoo name (``ppocr-det``, ``ppocr-rec``, ``ppocr-cls``, ``silero-vad``; see
:mod:`webnnpy.models.zoo`) may stand for the model file.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["BenchResult", "ImplResult", "bench", "bench_main", "explain_model",
           "format_report"]

NATIVE = "native onnxruntime"


@dataclass
class ImplResult:
    """One implementation: its timings (seconds) and errors vs native."""

    name: str
    status: str = "ok"
    build_s: float | None = None
    samples: list[float] = field(default_factory=list)
    max_abs: float | None = None
    rel: float | None = None

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    def record(self) -> dict[str, Any]:
        """JSON-ready summary."""
        out: dict[str, Any] = {"name": self.name, "status": self.status,
                               "build_s": self.build_s, "max_abs": self.max_abs,
                               "rel": self.rel}
        if self.samples:
            out.update(median_s=self.median, min_s=min(self.samples),
                       max_s=max(self.samples), n=len(self.samples))
        return out


@dataclass
class BenchResult:
    """What ``bench`` measured."""

    model: str
    inputs: dict[str, tuple[str, list[int]]]
    impls: list[ImplResult]
    notes: list[str] = field(default_factory=list)

    def impl(self, name: str) -> ImplResult:
        return next(i for i in self.impls if i.name == name)

    def record(self) -> dict[str, Any]:
        return {"model": self.model,
                "inputs": {k: {"dtype": d, "shape": s}
                           for k, (d, s) in self.inputs.items()},
                "notes": self.notes, "impls": [i.record() for i in self.impls]}


def _short(e: BaseException, limit: int = 300) -> str:
    msg = " ".join(f"{type(e).__name__}: {e}".split())
    return msg if len(msg) <= limit else msg[:limit - 3] + "..."


def _resolve(model: str) -> tuple[Path, str | None]:
    """A path, or a zoo name -> (its file, the name)."""
    p = Path(model)
    if p.exists():
        return p, None
    from webnnpy.models import zoo

    if model in zoo.MODELS:
        return zoo.find_model(model), model
    raise FileNotFoundError(f"{model!r} is neither a file nor a zoo model "
                            f"({', '.join(zoo.names())})")


def _random_inputs(session: Any, dims: Mapping[str, Any], given: Mapping[str, Any],
                   rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Arrays for every session input: ``given`` ones as they are, others
    random with their static shape (free dimensions from ``dims``)."""
    from onnxruntime import NodeArg

    def shape_of(arg: NodeArg) -> list[int]:
        if arg.name in dims and not isinstance(dims[arg.name], int):
            return [int(d) for d in dims[arg.name]]
        out = []
        for i, d in enumerate(arg.shape):
            if isinstance(d, int) and d >= 0:
                out.append(d)
            elif isinstance(d, str) and d in dims:
                out.append(int(dims[d]))
            elif isinstance(d, str) and d:
                raise ValueError(f"input {arg.name!r} dimension {i} ({d!r}) is "
                                 f"free; pass --dims {d}=N")
            else:  # unnamed: only the input's whole shape can fix it
                whole = ",".join(str(x) if isinstance(x, int) and x >= 0
                                 else "N" for x in arg.shape)
                raise ValueError(f"input {arg.name!r} dimension {i} is free and "
                                 f"unnamed; pass the input's shape: --dims "
                                 f"{arg.name}={whole}")
        return out

    types = {"tensor(float)": np.float32, "tensor(float16)": np.float16,
             "tensor(double)": np.float64, "tensor(int64)": np.int64,
             "tensor(int32)": np.int32, "tensor(int8)": np.int8,
             "tensor(uint8)": np.uint8, "tensor(uint32)": np.uint32,
             "tensor(uint64)": np.uint64, "tensor(bool)": np.bool_}
    feeds: dict[str, np.ndarray] = {}
    for arg in session.get_inputs():
        dt = types.get(arg.type)
        if arg.name in given:
            a = np.asarray(given[arg.name])
            feeds[arg.name] = a.astype(dt) if dt is not None else a
            continue
        if dt is None:
            raise ValueError(f"input {arg.name!r} has type {arg.type}; give it "
                             f"with --input or --const")
        shape = shape_of(arg)
        if dt == np.bool_:
            feeds[arg.name] = rng.integers(0, 2, shape).astype(bool)
        elif np.issubdtype(dt, np.integer):
            feeds[arg.name] = rng.integers(0, 10, shape).astype(dt)
        else:
            feeds[arg.name] = rng.standard_normal(shape).astype(dt)
    return feeds


def _ort_session(path: Path) -> Any:
    import onnxruntime as ort

    try:
        from webnnpy.backends.onnxruntime.runtime import OrtBackend

        be = OrtBackend()
        so, providers = be.session_options(), list(be.providers)
    except Exception:  # noqa: BLE001 - webnnpy's ORT backend unavailable
        so = ort.SessionOptions()
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        providers = ["CPUExecutionProvider"]
    return ort.InferenceSession(str(path), so, providers=providers)


def _webnn_feeds(imported: Any, feeds: Mapping[str, np.ndarray]
                 ) -> dict[str, np.ndarray]:
    """The graph's inputs converted as ``ImportedModel.run`` does (bool as
    uint8), once, so that the timed call is ``compute`` alone."""
    out = {}
    for name, desc in imported.graph.inputs.items():
        a = np.asarray(feeds[name])
        out[name] = np.ascontiguousarray(a.astype(np.dtype(desc["data_type"])))
    return out


def _native_setup(model: str, dims: Mapping[str, Any] | None,
                  constants: Mapping[str, Any] | None,
                  inputs: Mapping[str, Any] | None, seed: int
                  ) -> tuple[Path, str | None, Any, dict[str, np.ndarray],
                             dict[str, Any], dict[str, np.ndarray]]:
    """The model's file and zoo name, its native session, the feeds (given
    or random from ``seed``), the dims to load with (every fed input's
    shape) and the constants as arrays."""
    dims = dict(dims or {})
    consts = {k: np.asarray(v) for k, v in (constants or {}).items()}
    path, zoo_name = _resolve(model)
    try:
        session = _ort_session(path)
    except Exception as e:
        raise ValueError(f"ONNX Runtime cannot load {path}: {_short(e)}") from e
    feeds = _random_inputs(session, dims, {**(inputs or {}), **consts},
                           np.random.default_rng(seed))
    load_dims: dict[str, Any] = {**dims, **{k: list(v.shape) for k, v in feeds.items()
                                            if k not in consts}}
    return path, zoo_name, session, feeds, load_dims, consts


def bench(model: str, *, dims: Mapping[str, Any] | None = None,
          backends: Sequence[str] = ("onnxruntime", "numpy"), iters: int = 20,
          rounds: int = 5, constants: Mapping[str, Any] | None = None,
          inputs: Mapping[str, Any] | None = None, seed: int = 0,
          time_cap_s: float = 120.0) -> BenchResult:
    """Time ``model`` (a path or zoo name) on each webnnpy backend and on
    native ONNX Runtime; see the module docstring.  An implementation whose
    import fails is reported with its error; one slower than ``time_cap_s``
    in total gets fewer calls."""
    import onnx

    import webnnpy
    from webnnpy.models import onnx as wonnx

    path, zoo_name, session, feeds, load_dims, constants = _native_setup(
        model, dims, constants, inputs, seed)
    notes: list[str] = []
    proto = onnx.load(str(path))  # load_dims: the feeds' shapes, as native runs

    native = ImplResult(NATIVE)
    ref_out = session.run(None, feeds)
    calls: dict[str, Any] = {NATIVE: lambda: session.run(None, feeds)}
    impls = [native]
    for be in backends:
        r = ImplResult(f"webnnpy {be}")
        impls.append(r)
        t0 = time.perf_counter()
        try:
            ctx = webnnpy.ml.create_context(backend=be)
            m = wonnx.load(proto, dims=load_dims, context=ctx, constants=constants)
        except Exception as e:  # noqa: BLE001 - report and go on
            r.status = f"failed: {_short(e)}"
            continue
        r.build_s = time.perf_counter() - t0
        # load_dims give every fed input's shape: one static graph
        assert m.graph is not None
        wfeeds = _webnn_feeds(m, feeds)
        res = ctx.compute(m.graph, wfeeds)
        errs = []
        for name, ref in zip((o.name for o in session.get_outputs()), ref_out,
                             strict=True):
            got = res[name] if name in res else m.empty_outputs.get(name)
            if got is None:
                continue
            ref64 = np.asarray(ref, np.float64)
            diff = float(np.max(np.abs(np.asarray(got, np.float64) - ref64),
                               initial=0.0))
            scale = float(np.max(np.abs(ref64), initial=0.0))
            errs.append((diff, diff / scale if scale else diff))
        r.max_abs = max((e[0] for e in errs), default=0.0)
        r.rel = max((e[1] for e in errs), default=0.0)
        calls[r.name] = (lambda c=ctx, g=m.graph, f=wfeeds: c.compute(g, f))

    live = [i for i in impls if i.ok]
    per_round = max(1, iters // max(1, rounds))
    spent = dict.fromkeys(calls, 0.0)
    for i in live:  # warm-up
        t = time.perf_counter()
        calls[i.name]()
        spent[i.name] += time.perf_counter() - t
    for k in range(rounds):
        order = live[k % len(live):] + live[:k % len(live)]
        for i in order:
            if spent[i.name] > time_cap_s and i.samples:
                continue
            call = calls[i.name]
            for _ in range(per_round):
                t = time.perf_counter()
                call()
                dt = time.perf_counter() - t
                i.samples.append(dt)
                spent[i.name] += dt
    inputs_desc = {k: (str(v.dtype), list(v.shape)) for k, v in feeds.items()}
    return BenchResult(str(path if zoo_name is None else f"{zoo_name} ({path.name})"),
                       inputs_desc, impls, notes)


def explain_model(model: str, *, dims: Mapping[str, Any] | None = None,
                  constants: Mapping[str, Any] | None = None,
                  inputs: Mapping[str, Any] | None = None, seed: int = 0,
                  runs: int = 10) -> str:
    """``webnnpy bench MODEL --explain``: per op type of ONNX Runtime's
    optimized graph, the node counts and profiled kernel time of the native
    file and of webnnpy's lowering of it (see
    :mod:`webnnpy.backends.onnxruntime.explain`), as a markdown report."""
    import onnx

    import webnnpy
    from webnnpy.backends.onnxruntime.explain import (
        explain,
        format_explain,
        inline_external,
    )
    from webnnpy.backends.onnxruntime.lower import lower
    from webnnpy.backends.onnxruntime.runtime import OrtBackend
    from webnnpy.models import onnx as wonnx

    path, zoo_name, session, feeds, load_dims, constants = _native_setup(
        model, dims, constants, inputs, seed)
    del session
    ctx = webnnpy.ml.create_context(backend="onnxruntime")
    m = wonnx.load(onnx.load(str(path)), dims=load_dims, context=ctx,
                   constants=constants)
    assert m.graph is not None  # load_dims give every fed input's shape
    lowered = lower(m.graph._ir, check=False)
    standalone = inline_external(lowered.model, lowered.external)
    wfeeds = {lowered.inputs[k]: v for k, v in _webnn_feeds(m, feeds).items()}
    be = OrtBackend()
    result = explain(str(path), standalone, feeds, wfeeds,
                     session_options=be.session_options, providers=be.providers,
                     runs=runs)
    name = str(path if zoo_name is None else f"{zoo_name} ({path.name})")
    return f"model: {name}\n\n{format_explain(result)}"


def _ms(s: float) -> str:
    return f"{s * 1e3:.3f}" if s < 0.01 else f"{s * 1e3:.2f}" if s < 1 else \
        f"{s * 1e3:.0f}"


def format_report(r: BenchResult) -> str:
    """The result as a markdown table with a short header."""
    lines = [f"model: {r.model}",
             "inputs: " + ", ".join(f"{k} {d}{s}" for k, (d, s) in r.inputs.items())]
    lines += [f"note: {n}" for n in r.notes]
    native = r.impl(NATIVE)
    base = native.median if native.samples else None
    lines += ["", "| implementation | median ms | min ms | max ms | n | vs native "
              "| max abs err | rel err | import s |",
              "|---|---|---|---|---|---|---|---|---|"]
    for i in r.impls:
        if not i.ok:
            lines.append(f"| {i.name} | {i.status} |  |  |  |  |  |  |  |")
            continue
        if not i.samples:
            lines.append(f"| {i.name} | (not timed) |  |  |  |  |  |  |  |")
            continue
        ratio = f"{i.median / base:.2f}x" if base else ""
        err = ("" if i.max_abs is None else f"{i.max_abs:.3g}")
        rel = ("" if i.rel is None else f"{i.rel:.3g}")
        build = "" if i.build_s is None else f"{i.build_s:.2f}"
        lines.append(f"| {i.name} | {_ms(i.median)} | {_ms(min(i.samples))} | "
                     f"{_ms(max(i.samples))} | {len(i.samples)} | {ratio} | {err} | "
                     f"{rel} | {build} |")
    lines += ["", "rel err: max abs err / max |native output|; latency: "
              "compute() vs InferenceSession.run(), interleaved rounds"]
    return "\n".join(lines)


def _parse_values(items: Sequence[str] | None, what: str) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    for item in items or ():
        name, sep, value = item.partition("=")
        if not sep or not name or not value:
            raise ValueError(f"--{what} {item!r}: expected NAME=VALUE or "
                             f"NAME=FILE.npy")
        if value.endswith(".npy"):
            out[name] = np.load(value, allow_pickle=False)
        else:
            try:
                out[name] = np.asarray(json.loads(value))
            except json.JSONDecodeError:
                raise ValueError(f"--{what} {item!r}: {value!r} is not a number, "
                                 f"a JSON list or a .npy file") from None
    return out


def bench_main(argv: Sequence[str]) -> int:
    """``webnnpy bench``: exit status 0 if every implementation ran, 1 if one
    failed, 2 on bad arguments."""
    p = argparse.ArgumentParser(
        prog="webnnpy bench", description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("model", nargs="?", metavar="MODEL",
                   help="an .onnx file or a zoo model name")
    p.add_argument("--dims", "--dim", nargs="+", action="extend", default=[],
                   metavar="K=V",
                   help="free dimensions (batch=1) or input shapes (x=1,3,48,320)")
    p.add_argument("--backends", default=None,
                   help="comma-separated webnnpy backends (default: every "
                   "installed one)")
    p.add_argument("--iters", type=int, default=20, help="timed calls per "
                   "implementation (default 20)")
    p.add_argument("--rounds", type=int, default=5, help="interleaved rounds "
                   "(default 5)")
    p.add_argument("--const", "--constant", nargs="+", action="extend",
                   default=[], dest="const", metavar="NAME=VALUE",
                   help="inputs fixed at import (a number, a JSON list or .npy)")
    p.add_argument("--input", nargs="+", action="extend", default=[],
                   metavar="NAME=FILE.npy",
                   help="inputs to use instead of random ones")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", metavar="FILE", help="also write the result as JSON")
    p.add_argument("--explain", action="store_true",
                   help="instead of timing: ONNX Runtime's optimized graph of the "
                   "native file vs webnnpy's lowering, node counts and profiled "
                   "kernel time per op type (where fusions are lost)")
    args = p.parse_args(argv)
    from webnnpy.backends import available_backends
    from webnnpy.cliargs import UsageError, positional_after
    from webnnpy.models.onnx.cli import parse_dims

    try:
        positional_after(args, "model", {"dims": "--dims", "const": "--const",
                                         "input": "--input"})
        dims = parse_dims(args.dims)
        consts = _parse_values(args.const, "const")
        given = _parse_values(args.input, "input")
        backends = (args.backends.split(",") if args.backends else
                    [n for n, ok in available_backends().items() if ok])
        if args.iters < 1 or args.rounds < 1:
            raise ValueError("--iters and --rounds must be at least 1")
    except (ValueError, OSError, UsageError) as e:
        print(f"webnnpy bench: {e}", file=sys.stderr)
        return 2
    if args.explain:
        try:
            print(explain_model(args.model, dims=dims, constants=consts,
                                inputs=given, seed=args.seed,
                                runs=max(1, args.iters // 2)))
        except (ValueError, OSError) as e:
            print(f"webnnpy bench: {e}", file=sys.stderr)
            return 2
        return 0
    try:
        result = bench(args.model, dims=dims, backends=backends, iters=args.iters,
                       rounds=args.rounds, constants=consts, inputs=given,
                       seed=args.seed)
    except (ValueError, OSError) as e:
        print(f"webnnpy bench: {e}", file=sys.stderr)
        return 2
    print(format_report(result))
    if args.json:
        Path(args.json).write_text(json.dumps(result.record(), indent=1))
    return 0 if all(i.ok for i in result.impls) else 1
