"""One measurement of the zoo benchmark in a fresh process: session creation
(native) or ``load`` (webnnpy), one run, and the process's peak RSS
(``VmHWM``; see :func:`_rss`).

    python -m benchmarks.zoo_child native|webnnpy MODEL PATH [SETTINGS_JSON]

Prints one JSON line.  Imports only what the side being measured needs
(NumPy and ONNX Runtime for native; webnnpy, which brings onnx and ONNX
Runtime, for webnnpy), so that the peak RSS is what a user's process would
see.  The native side builds its SessionOptions from ``SETTINGS_JSON``, the
settings the parent read from webnnpy's ONNX Runtime backend, without
importing webnnpy.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from typing import Any

import numpy as np

from benchmarks.zoo_models import MODELS, ZooSpec

__all__ = ["main", "make_feeds"]


def make_feeds(spec: ZooSpec, seed: int = 0) -> dict[str, np.ndarray]:
    """The seeded inputs of ``spec`` by name, in table order, from one
    ``np.random.default_rng(seed)``: ``normal`` is ``standard_normal``,
    ``uniform`` is ``random`` (both drawn in float64, then cast),
    ``ids:N`` is ``integers(0, N)``; ``zeros``, ``ones`` and ``const:V``
    draw nothing."""
    rng = np.random.default_rng(seed)
    out: dict[str, np.ndarray] = {}
    for i in spec.inputs:
        dt = np.dtype(i.dtype)
        if i.fill == "normal":
            a = rng.standard_normal(i.shape).astype(dt)
        elif i.fill == "uniform":
            a = rng.random(i.shape).astype(dt)
        elif i.fill == "zeros":
            a = np.zeros(i.shape, dt)
        elif i.fill == "ones":
            a = np.ones(i.shape, dt)
        elif i.fill.startswith("ids:"):
            a = rng.integers(0, int(i.fill[4:]), i.shape).astype(dt)
        elif i.fill.startswith("const:"):
            a = np.full(i.shape, float(i.fill[6:])).astype(dt)
        else:
            raise ValueError(f"{spec.name}: input {i.name!r} has an unknown fill "
                             f"{i.fill!r}")
        out[i.name] = a
    return out


def constants(spec: ZooSpec, feeds: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The inputs fixed at import on the webnnpy side."""
    return {i.name: feeds[i.name] for i in spec.inputs if i.is_const}


def _rss() -> int:
    """Peak resident set size of this process, in bytes.

    ``VmHWM`` from ``/proc/self/status`` where there is one: ``ru_maxrss``
    is not reset by ``exec`` on Linux (a child starts with its parent's peak
    at fork, so a child of a big parent reports the parent's size), while
    ``VmHWM`` belongs to the process's own address space.  Elsewhere
    ``ru_maxrss`` (KiB on Linux, bytes on macOS)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


def native(spec: ZooSpec, path: str, settings: dict[str, Any]) -> dict[str, Any]:
    import onnxruntime as ort

    feeds = make_feeds(spec)
    rss_import = _rss()
    so = ort.SessionOptions()
    so.log_severity_level = settings.get("log_severity_level", 3)
    so.graph_optimization_level = ort.GraphOptimizationLevel(
        settings.get("graph_optimization_level", 99))
    so.intra_op_num_threads = settings.get("intra_op_num_threads", 0)
    so.inter_op_num_threads = settings.get("inter_op_num_threads", 0)
    so.execution_mode = ort.ExecutionMode(settings.get("execution_mode", 0))
    providers = settings.get("providers", ["CPUExecutionProvider"])
    t0 = time.perf_counter()
    session = ort.InferenceSession(path, so, providers=providers)
    create_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    session.run(None, feeds)
    run_s = time.perf_counter() - t0
    return {"load_s": create_s, "first_run_s": run_s, "rss": _rss(),
            "rss_import": rss_import}


def webnnpy(spec: ZooSpec, path: str) -> dict[str, Any]:
    # the modules a load needs are imported before the timing, as the
    # native side imports onnxruntime before its own: load() imports onnx,
    # the importer and the ONNX Runtime lowering only when it compiles (a
    # graph-cache hit needs none of them), and those imports (onnx 0.13-0.18
    # s, webnnpy's own ~0.05 s here) are a cost per process, not per model
    import onnx  # noqa: F401
    import onnxruntime  # noqa: F401

    import webnnpy as w
    import webnnpy.backends.onnxruntime.lower
    import webnnpy.models.onnx.importer
    from webnnpy.models import onnx as wonnx

    feeds = make_feeds(spec)
    ctx = w.ml.create_context(backend="onnxruntime")
    rss_import = _rss()
    t0 = time.perf_counter()
    m = wonnx.load(path, dims=spec.dims(), context=ctx,
                   constants=constants(spec, feeds) or None)
    load_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    m.run({k: v for k, v in feeds.items() if k in m.inputs})
    run_s = time.perf_counter() - t0
    return {"load_s": load_s, "first_run_s": run_s, "rss": _rss(),
            "rss_import": rss_import}


def main(argv: list[str]) -> int:
    side, name, path = argv[:3]
    settings = json.loads(argv[3]) if len(argv) > 3 else {}
    spec = MODELS[name]
    try:
        out = native(spec, path, settings) if side == "native" else webnnpy(spec, path)
        out["status"] = "ok"
    except Exception as e:  # noqa: BLE001 - reported to the parent
        out = {"status": " ".join(f"{type(e).__name__}: {e}".split())[:300]}
    print(json.dumps(out), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
