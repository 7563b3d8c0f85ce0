"""What a graph-cache hit saves: ``MLContext.load_graph`` against ``build()``.

    python -m benchmarks.graph_cache [MODEL.onnx ...] [--runs 15] [--backend B]

Each model is imported once with ``webnnpy.models.onnx.load`` and its graph
saved (``save_graph``) into a temporary cache directory.  Then, interleaved,
``--runs`` times each:

- ``build()``: the graph built again from the same IR (what
  ``MLGraphBuilder.build`` queues: the op checks and the backend's compile),
  the builder calls before it not timed;
- ``load_graph()``: the saved graph loaded into the same context (manifest,
  checksums of every file, the backend's import);
- each of the two again followed by the first ``compute()`` (time to the
  first result: a loaded session may fault its weights in lazily);
- ``onnx.load()`` end to end (import + build), for scale.

Medians and minimums are printed, with the ratio build / load_graph.

``--forms`` (onnxruntime): which compiled form loads fastest: an
``InferenceSession`` made from ORT's optimized model with its weights as an
external file (what the cache stores), the same model with the weights
inline, the lowered model optimized again, and ORT's own format (loaded with
a copy of its bytes), against ``build()``.  The
default model is ``~/.cache/webnnpy/zoo/resnet50.onnx`` when present, else
the ResNet-50-shaped file of ``benchmarks.build_cost``.  Wall time; the
machine may be shared, so read the minimums too.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["main"]


def _default_model() -> str:
    zoo = Path.home() / ".cache" / "webnnpy" / "zoo" / "resnet50.onnx"
    if zoo.exists():
        return str(zoo)
    from benchmarks.build_cost import resnet50_path

    return str(resnet50_path())


def _stats(ts: list[float]) -> str:
    return f"{statistics.median(ts) * 1e3:8.1f} ms (min {min(ts) * 1e3:7.1f})"


def bench(path: str, runs: int, backend: str | None,
          dims: dict[str, Any] | None = None) -> dict[str, list[float]]:
    """Time the sides of one model (see the module docstring); prints a
    table and returns the times by side."""
    import webnnpy
    from webnnpy.api.graph import MLGraph
    from webnnpy.models import onnx as wonnx

    ctx = webnnpy.ml.create_context(backend=backend) if backend else \
        webnnpy.ml.create_context()
    model = wonnx.load(path, context=ctx, dims=dims)
    ir = model.graph._ir
    rng = np.random.default_rng(0)
    feeds = {n: rng.standard_normal(d.shape).astype(d.data_type)
             if np.dtype(d.data_type).kind == "f" else
             np.zeros(d.shape, d.data_type)
             for n, d in model.graph.inputs.items()}
    key = f"bench:{path}"
    t0 = time.perf_counter()
    ctx.save_graph(key, model.graph)
    save_s = time.perf_counter() - t0

    def build() -> MLGraph:
        return ctx._build_promise(MLGraph(ctx, ir)).result()  # type: ignore[no-any-return]

    def load() -> MLGraph:
        return ctx.load_graph(key)

    def first(make: Callable[[], MLGraph]) -> Callable[[], MLGraph]:
        def run() -> MLGraph:
            g = make()
            ctx.compute(g, feeds)
            return g
        return run

    def end_to_end() -> MLGraph:
        return wonnx.load(path, context=ctx, dims=dims).graph

    sides: dict[str, Callable[[], MLGraph]] = {
        "build()": build, "load_graph()": load,
        "build() + first compute": first(build),
        "load_graph() + first compute": first(load),
        "onnx.load() (import + build)": end_to_end,
    }
    times: dict[str, list[float]] = {k: [] for k in sides}
    for f in sides.values():  # warm up each side once
        f().destroy()
    for _ in range(runs):
        for name, f in sides.items():
            t0 = time.perf_counter()
            g = f()
            times[name].append(time.perf_counter() - t0)
            g.destroy()
    ctx.delete_graph(key)
    print(f"{Path(path).name} on {ctx.backend}: save_graph once "
          f"{save_s * 1e3:.0f} ms; {runs} interleaved runs")
    for name, ts in times.items():
        print(f"  {name:<30} {_stats(ts)}")
    for a, b in (("build()", "load_graph()"),
                 ("build() + first compute", "load_graph() + first compute")):
        ta, tb = times[a], times[b]
        med = statistics.median(ta) / statistics.median(tb)
        print(f"  {a} / {b}: median {med:5.1f}x, min/min {min(ta) / min(tb):5.1f}x")
    sys.stdout.flush()
    return times


def forms(path: str, runs: int, dims: dict[str, Any] | None = None
          ) -> dict[str, list[float]]:
    """Time ONNX Runtime sessions from each candidate compiled form."""
    import onnx
    import onnxruntime as ort
    from onnx import numpy_helper

    import webnnpy
    from webnnpy.api.graph import MLGraph
    from webnnpy.models import onnx as wonnx

    ctx = webnnpy.ml.create_context(backend="onnxruntime")
    model = wonnx.load(path, context=ctx, dims=dims)
    be = ctx._backend
    lowered = model.graph._impl.lowered
    ir = model.graph._ir
    providers = be.providers
    tmp = Path(tempfile.mkdtemp(prefix="webnnpy-forms-"))

    def optimized(target: Path, *, external: bool, fmt: str | None = None) -> None:
        so = be.session_options()
        so.optimized_model_filepath = str(target)
        if external:
            so.add_session_config_entry(
                "session.optimized_model_external_initializers_file_name",
                "weights.bin")
            so.add_session_config_entry(
                "session.optimized_model_external_initializers_min_size_in_bytes",
                "1024")
        if fmt:
            so.add_session_config_entry("session.save_model_format", fmt)
        if lowered.external:
            so.add_external_initializers(
                [n for n, _ in lowered.external],
                [ort.OrtValue.ortvalue_from_numpy(a) for _, a in lowered.external])
        ort.InferenceSession(lowered.model.SerializeToString(), so,
                             providers=providers)

    (tmp / "ext").mkdir()
    optimized(tmp / "ext" / "model.onnx", external=True)
    optimized(tmp / "inline.onnx", external=False)
    optimized(tmp / "model.ort", external=False, fmt="ORT")
    full = onnx.ModelProto()
    full.CopyFrom(lowered.model)
    ext = dict(lowered.external)
    inits = [numpy_helper.from_array(ext[i.name], i.name) if i.name in ext else i
             for i in full.graph.initializer]
    del full.graph.initializer[:]
    full.graph.initializer.extend(inits)
    raw = full.SerializeToString()
    inline = (tmp / "inline.onnx").read_bytes()
    ort_bytes = (tmp / "model.ort").read_bytes()

    def plain(level: Any = None, fmt: str | None = None) -> Any:
        so = be.session_options()
        if level is not None:
            so.graph_optimization_level = level
        if fmt:
            so.add_session_config_entry("session.load_model_format", fmt)
        return so

    off = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    sides: dict[str, Callable[[], Any]] = {
        "optimized, external weights file": lambda: ort.InferenceSession(
            str(tmp / "ext" / "model.onnx"), plain(off), providers=providers),
        "optimized, weights inline": lambda: ort.InferenceSession(
            inline, plain(off), providers=providers),
        "lowered, optimized again": lambda: ort.InferenceSession(
            raw, plain(), providers=providers),
        "ORT format (bytes copied)": lambda: ort.InferenceSession(
            ort_bytes, plain(off, "ORT"), providers=providers),
        "build()": lambda: ctx._build_promise(MLGraph(ctx, ir)).result().destroy(),
    }
    times: dict[str, list[float]] = {k: [] for k in sides}
    for f in sides.values():
        f()
    for _ in range(runs):
        for name, f in sides.items():
            t0 = time.perf_counter()
            f()
            times[name].append(time.perf_counter() - t0)
    print(f"{Path(path).name}: ONNX Runtime {ort.__version__} session from each "
          f"form; {runs} interleaved runs")
    for name, ts in times.items():
        print(f"  {name:<34} {_stats(ts)}")
    import shutil

    shutil.rmtree(tmp, ignore_errors=True)
    sys.stdout.flush()
    return times


def main(argv: list[str] | None = None) -> int:
    import json

    ap = argparse.ArgumentParser(prog="python -m benchmarks.graph_cache")
    ap.add_argument("models", nargs="*")
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--backend", default=None,
                    help="the context's backend (default: webnnpy's default)")
    ap.add_argument("--dims", default="{}", help="JSON free dimensions")
    ap.add_argument("--forms", action="store_true",
                    help="compare ONNX Runtime's candidate compiled forms")
    a = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="webnnpy-cache-bench-") as d:
        os.environ["WEBNNPY_CACHE_DIR"] = d
        for p in a.models or [_default_model()]:
            if a.forms:
                forms(p, a.runs, json.loads(a.dims) or None)
            else:
                bench(p, a.runs, a.backend, json.loads(a.dims) or None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
