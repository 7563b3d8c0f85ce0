"""The benchmark harness: webnnpy on ONNX Runtime against native ONNX Runtime.

For each model x data type it times, interleaved round-robin:

- ``webnnpy-ORT``: the graph built once through ``MLGraphBuilder`` on
  ``create_context(backend="onnxruntime")``; per call ``dispatch`` on
  preallocated MLTensors (input written once beforehand) and ``read_tensor``
  of the output into a preallocated NumPy buffer;
- ``native ORT run``: the same network written directly as ONNX
  (:mod:`benchmarks.native`), ``InferenceSession.run(None, feed)`` with the
  SessionOptions and providers the webnnpy backend uses;
- ``native ORT iobinding``: that session with ``run_with_iobinding`` and
  OrtValues bound beforehand (the floor webnnpy's dispatch is built on);
- ``webnnpy reference``: the NumPy reference backend (slow: a few runs).

Every implementation is warmed up first.  Then come ``--rounds`` rounds; in
each one every implementation gets a block (one unrecorded call, then
``iters / rounds`` recorded calls, then a pause that lets ONNX Runtime's
spinning worker threads go idle), and the order rotates by one place per
round so that each follows every other.  The reference backend gets one call
per round until it has ``--ref-iters`` of them or used ``--ref-time-cap``
seconds.  Outputs for the same seeded input are compared: max abs error and
max abs error / max |baseline|.

A per-call overhead section runs a 1x1 add graph the same way (thousands of
calls per variant, in microseconds).

``python -m benchmarks --help`` lists the options; the output is markdown.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from benchmarks.models import INPUT, MODELS, OUTPUT, ModelSpec, make_input

__all__ = ["Impl", "Stats", "main", "run_model", "run_overhead"]

DTYPES = ("float32", "float16")


# ------------------------------------------------------------------ records


@dataclass
class Stats:
    """Summary of timing samples (seconds in, reported in ms or µs)."""

    n: int
    median: float
    min: float
    max: float
    mean: float
    p90: float

    @classmethod
    def of(cls, samples: Sequence[float]) -> Stats:
        s = sorted(samples)
        return cls(n=len(s), median=statistics.median(s), min=s[0], max=s[-1],
                   mean=statistics.fmean(s), p90=s[min(len(s) - 1,
                                                       int(0.9 * len(s)))])


@dataclass
class Impl:
    """One implementation of one configuration, and what it measured."""

    key: str
    label: str
    call: Callable[[], None] | None = None
    output: Callable[[], np.ndarray] | None = None
    status: str = "ok"
    build_s: float | None = None
    slow: bool = False
    samples: list[float] = field(default_factory=list)
    result: np.ndarray | None = None
    errors: dict[str, tuple[float, float]] = field(default_factory=dict)
    cleanup: Callable[[], None] | None = None
    extra: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def record(self) -> dict[str, Any]:
        """JSON-ready summary."""
        return {
            "key": self.key, "label": self.label, "status": self.status,
            "build_s": self.build_s,
            "stats_s": asdict(Stats.of(self.samples)) if self.samples else None,
            "samples_s": self.samples,
            "errors": {k: {"max_abs": a, "rel": r} for k, (a, r) in
                       self.errors.items()},
        }


def _short(e: BaseException, limit: int = 240) -> str:
    msg = " ".join(f"{type(e).__name__}: {e}".split())
    return msg if len(msg) <= limit else msg[: limit - 3] + "..."


class CpuMeter:
    """CPU used by other processes during a section (from ``/proc/stat``)."""

    def __init__(self) -> None:
        self.hz = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
        self.start = self._sample()

    @staticmethod
    def _busy() -> tuple[float, float] | None:
        try:
            with open("/proc/stat") as f:
                fields = [float(v) for v in f.readline().split()[1:]]
        except OSError:
            return None
        # user nice system idle iowait irq softirq steal ...
        busy = sum(fields[i] for i in (0, 1, 2, 5, 6) if i < len(fields))
        steal = fields[7] if len(fields) > 7 else 0.0
        return busy, steal

    def _sample(self) -> tuple[float, tuple[float, float] | None, float]:
        t = os.times()
        return time.perf_counter(), self._busy(), t.user + t.system

    def others(self) -> dict[str, float] | None:
        """Cores used by other processes, and stolen, since construction."""
        w0, b0, own0 = self.start
        w1, b1, own1 = self._sample()
        if b0 is None or b1 is None or w1 <= w0:
            return None
        wall = w1 - w0
        busy = (b1[0] - b0[0]) / self.hz
        return {"other_cores": max(0.0, (busy - (own1 - own0)) / wall),
                "steal_cores": (b1[1] - b0[1]) / self.hz / wall,
                "wall_s": wall}


# ------------------------------------------------------------ implementations


def _webnnpy_impl(key: str, label: str, backend: str, spec: ModelSpec,
                  config: Any, dtype: str, weights: dict[str, np.ndarray],
                  x: np.ndarray) -> Impl:
    import webnnpy

    impl = Impl(key, label, slow=backend == "numpy")
    t0 = time.perf_counter()
    try:
        ctx = webnnpy.ml.create_context(backend=backend)
        builder = webnnpy.MLGraphBuilder(ctx)
        graph = builder.build({OUTPUT: spec.build(builder, dtype, weights, config)})
    except Exception as e:  # noqa: BLE001 - any build failure is reported
        impl.status = f"unsupported: {_short(e)}"
        return impl
    impl.build_s = time.perf_counter() - t0
    out_shape = spec.output_shape(config)
    x_t = ctx.create_tensor({"data_type": dtype, "shape": list(x.shape),
                             "writable": True})
    y_t = ctx.create_tensor({"data_type": dtype, "shape": list(out_shape),
                             "readable": True})
    ctx.write_tensor(x_t, x)
    out = np.empty(out_shape, dtype=np.dtype(dtype))
    inputs, outputs = {INPUT: x_t}, {OUTPUT: y_t}

    def call() -> None:
        ctx.dispatch(graph, inputs, outputs)
        ctx.read_tensor(y_t, out)

    def cleanup() -> None:
        graph.destroy()
        ctx.destroy()

    impl.call, impl.output, impl.cleanup = call, out.copy, cleanup
    impl.extra = {"ctx": ctx, "graph": graph, "tensors": (x_t, y_t)}
    return impl


def _direct_impl(key: str, label: str, api: Impl) -> Impl:
    """The compiled graph of ``api`` run through the backend object itself,
    without the context's validation and timeline: ``Backend.dispatch`` and
    ``Backend.read_into`` on the tensors' buffers.  Uses webnnpy internals
    (``_backend``, ``_impl``, ``_buffer``), so it reports "unavailable" when
    they change; it splits the cost of the lowered graph from that of the
    API path."""
    impl = Impl(key, label)
    if not api.ok or api.extra is None:
        impl.status = "unavailable: the webnnpy-ORT graph was not built"
        return impl
    ctx, graph = api.extra["ctx"], api.extra["graph"]
    x_t, y_t = api.extra["tensors"]
    try:
        ctx.read_tensor(y_t)  # the writes queued before have run
        backend, compiled = ctx._backend, graph._impl
        ins, outs = {INPUT: x_t._buffer}, {OUTPUT: y_t._buffer}
        read_into, dispatch = backend.read_into, backend.dispatch
        if compiled is None or ins[INPUT] is None or outs[OUTPUT] is None:
            raise AttributeError("no compiled graph or tensor buffers")
    except Exception as e:  # noqa: BLE001 - internals moved: reported
        impl.status = f"unavailable: {_short(e)}"
        return impl
    out = np.empty(y_t.shape, dtype=np.dtype(y_t.data_type))

    def call() -> None:
        dispatch(compiled, ins, outs)
        read_into(outs[OUTPUT], out)

    impl.call, impl.output = call, out.copy
    return impl


def _native_impls(spec: ModelSpec, config: Any, dtype: str,
                  weights: dict[str, np.ndarray], x: np.ndarray) -> list[Impl]:
    import onnxruntime as ort

    from benchmarks.native import NATIVE, make_session

    run = Impl("ort-run", "native ORT run")
    iob = Impl("ort-iobinding", "native ORT iobinding")
    t0 = time.perf_counter()
    try:
        session = make_session(NATIVE[spec.name](dtype, weights, config))
    except Exception as e:  # noqa: BLE001 - reported, the others go on
        run.status = iob.status = f"unsupported: {_short(e)}"
        return [run, iob]
    run.build_s = iob.build_s = time.perf_counter() - t0

    feed = {INPUT: x}
    last: list[np.ndarray] = []

    def call_run() -> None:
        last[:] = session.run(None, feed)

    out = np.empty(spec.output_shape(config), dtype=np.dtype(dtype))
    binding = session.io_binding()
    x_value = ort.OrtValue.ortvalue_from_numpy(x)
    y_value = ort.OrtValue.ortvalue_from_numpy(out)
    binding.bind_ortvalue_input(INPUT, x_value)
    binding.bind_ortvalue_output(OUTPUT, y_value)

    def call_iob() -> None:
        session.run_with_iobinding(binding)

    run.call, run.output = call_run, lambda: last[0].copy()
    iob.call, iob.output = call_iob, out.copy
    return [run, iob]


def _openvino_native_impl(spec: ModelSpec, config: Any, dtype: str,
                          weights: dict[str, np.ndarray], x: np.ndarray) -> Impl:
    """Native OpenVINO on the ONNX file the native ORT rows run (written to a
    temporary file, read by ``Core.read_model``), with the config webnnpy's
    OpenVINO backend compiles with."""
    import tempfile

    import onnx

    from benchmarks.native import NATIVE, make_openvino_request

    impl = Impl("ov-native", "native OpenVINO infer")
    t0 = time.perf_counter()
    try:
        with tempfile.TemporaryDirectory(prefix="webnnpy-bench-") as tmp:
            path = f"{tmp}/{spec.name}.onnx"
            onnx.save(NATIVE[spec.name](dtype, weights, config), path)
            req = make_openvino_request(path, {INPUT: x.shape}, dtype)
    except Exception as e:  # noqa: BLE001 - reported, the others go on
        impl.status = f"unsupported: {_short(e)}"
        return impl
    impl.build_s = time.perf_counter() - t0
    feed = {INPUT: x}
    last: list[np.ndarray] = []

    def call() -> None:
        r = req.infer(feed, share_inputs=True, share_outputs=False)
        last[:] = [np.asarray(r[0])]

    impl.call, impl.output = call, lambda: last[0].copy()
    return impl


def _compare(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """Max abs difference, and that over max |b|."""
    a64, b64 = a.astype(np.float64), b.astype(np.float64)
    if a64.shape != b64.shape:
        return math.nan, math.nan
    diff = float(np.max(np.abs(a64 - b64)))
    scale = float(np.max(np.abs(b64)))
    return diff, diff / scale if scale else math.inf


def _timed(call: Callable[[], None]) -> float:
    t0 = time.perf_counter()
    call()
    return time.perf_counter() - t0


# ---------------------------------------------------------------- one model


def run_model(spec: ModelSpec, dtype: str, *, iters: int, rounds: int,
              warmup: int, pause: float, reference: bool, ref_iters: int,
              ref_time_cap: float, small: bool = False, seed: int = 0,
              direct: bool = True, log: Callable[[str], None] = print,
              openvino: bool = False) -> dict[str, Any]:
    """Build, check and time every implementation of one model x data type."""
    config = spec.small if small else spec.config
    weights = spec.make_weights(config, seed)
    x = make_input(spec.input_shape(config), dtype, seed + 1)

    log(f"[{spec.name} {dtype}] building webnnpy-ORT")
    api = _webnnpy_impl("webnnpy-ort", "webnnpy-ORT", "onnxruntime", spec, config,
                        dtype, weights, x)
    impls = [api]
    if direct:
        impls.append(_direct_impl("webnnpy-ort-direct",
                                  "webnnpy-ORT backend direct", api))
    log(f"[{spec.name} {dtype}] building native ORT")
    impls += _native_impls(spec, config, dtype, weights, x)
    if openvino:
        from webnnpy.backends import available_backends

        log(f"[{spec.name} {dtype}] building native OpenVINO")
        impls.append(_openvino_native_impl(spec, config, dtype, weights, x))
        if available_backends().get("openvino"):
            log(f"[{spec.name} {dtype}] building webnnpy-OpenVINO")
            impls.append(_webnnpy_impl("webnnpy-ov", "webnnpy-OpenVINO", "openvino",
                                       spec, config, dtype, weights, x))
        from webnnpy.backends import composite_available

        if composite_available().get("auto"):
            log(f"[{spec.name} {dtype}] building webnnpy auto (the default context)")
            auto = _webnnpy_impl("webnnpy-auto", "webnnpy auto", "auto", spec,
                                 config, dtype, weights, x)
            if auto.ok:
                from webnnpy.backends.auto import choice_of

                auto.label += f" (on {choice_of(auto.extra['graph'])[0]})"
            impls.append(auto)
    if reference:
        log(f"[{spec.name} {dtype}] building webnnpy reference")
        impls.append(_webnnpy_impl("webnnpy-ref", "webnnpy reference (NumPy)",
                                   "numpy", spec, config, dtype, weights, x))

    # warm up; the first output of each is the one compared
    for impl in impls:
        if not impl.ok:
            continue
        assert impl.call is not None and impl.output is not None
        try:
            for _ in range(1 if impl.slow else warmup):
                impl.call()
            impl.result = impl.output()
        except Exception as e:  # noqa: BLE001 - a failing run is reported
            impl.status = f"failed: {_short(e)}"

    by_key = {i.key: i for i in impls}
    for impl in impls:
        for base in ("ort-run", "webnnpy-ref", "ov-native"):
            other = by_key.get(base)
            if (other is not None and other is not impl and impl.result is not None
                    and other.result is not None):
                impl.errors[base] = _compare(impl.result, other.result)

    active = [i for i in impls if i.ok]
    block = max(1, math.ceil(iters / rounds))
    log(f"[{spec.name} {dtype}] timing {len(active)} implementations: "
        f"{rounds} rounds x {block} calls")
    meter = CpuMeter()
    ref_spent = 0.0
    for r in range(rounds):
        k = r % len(active) if active else 0
        for impl in active[k:] + active[:k]:
            assert impl.call is not None
            if impl.slow:
                if len(impl.samples) >= ref_iters or ref_spent >= ref_time_cap:
                    continue
                t = _timed(impl.call)
                ref_spent += t
                impl.samples.append(t)
                continue
            impl.call()
            impl.samples.extend(_timed(impl.call) for _ in range(block))
            time.sleep(pause)
    load = meter.others()

    for impl in impls:
        if impl.cleanup is not None:
            try:
                impl.cleanup()
            except Exception as e:  # noqa: BLE001 - cleanup must not hide results
                log(f"  cleanup of {impl.key} failed: {_short(e)}")
    result = {"model": spec.name, "title": spec.title, "dtype": dtype,
              "small": small, "notes": spec.notes, "load": load,
              "impls": [i.record() for i in impls]}
    del impls, active, by_key
    gc.collect()
    return result


# ---------------------------------------------------------------- overhead


def run_overhead(*, calls: int, rounds: int, pause: float, direct: bool = True,
                 log: Callable[[str], None] = print) -> dict[str, Any]:
    """Per-call cost of a 1x1 add graph, in seconds per call."""
    import onnx
    import onnxruntime as ort
    from onnx import TensorProto, helper

    import webnnpy
    from benchmarks.native import IR_VERSION, OPSET, make_session

    desc = {"data_type": "float32", "shape": [1, 1]}
    a = np.full((1, 1), 1.5, np.float32)
    b = np.full((1, 1), 2.25, np.float32)
    impls: list[Impl] = []
    contexts: list[Any] = []

    def webnn_impl(key: str, label: str, backend: str) -> None:
        ctx = webnnpy.ml.create_context(backend=backend)
        contexts.append(ctx)
        builder = webnnpy.MLGraphBuilder(ctx)
        graph = builder.build({"y": builder.add(builder.input("a", desc),
                                                builder.input("b", desc))})
        ta = ctx.create_tensor({**desc, "writable": True})
        tb = ctx.create_tensor({**desc, "writable": True})
        ty = ctx.create_tensor({**desc, "readable": True})
        ctx.write_tensor(ta, a)
        ctx.write_tensor(tb, b)
        out = np.empty((1, 1), np.float32)
        ins, outs = {"a": ta, "b": tb}, {"y": ty}

        def call() -> None:
            ctx.dispatch(graph, ins, outs)
            ctx.read_tensor(ty, out)

        impls.append(Impl(key, label, call, out.copy))
        if backend == "onnxruntime" and direct:
            impls[-1].extra = {"ctx": ctx, "graph": graph, "tensors": (ta, ty)}
            d = _direct_impl("webnnpy-ort-direct", "webnnpy-ORT backend direct",
                             impls[-1])
            if d.ok:  # two inputs here: rebind both
                d_out = np.empty((1, 1), np.float32)
                d_ins = {"a": ta._buffer, "b": tb._buffer}
                d_outs = {"y": ty._buffer}
                be, compiled = ctx._backend, graph._impl

                def d_call() -> None:
                    be.dispatch(compiled, d_ins, d_outs)
                    be.read_into(d_outs["y"], d_out)

                d.call, d.output = d_call, d_out.copy
            impls.append(d)
        if backend == "onnxruntime":
            last: list[np.ndarray] = []

            def compute() -> None:
                last[:] = [ctx.compute(graph, {"a": a, "b": b})["y"]]

            impls.append(Impl("webnnpy-ort-compute", "webnnpy-ORT compute()",
                              compute, lambda: last[0]))

    log("[overhead] building the 1x1 add graphs")
    for key, label, backend in (
            ("webnnpy-ort", "webnnpy-ORT dispatch + read_tensor", "onnxruntime"),
            ("webnnpy-ref", "webnnpy reference dispatch + read_tensor", "numpy")):
        before = len(impls)
        try:
            webnn_impl(key, label, backend)
        except Exception as e:  # noqa: BLE001 - reported
            del impls[before:]
            impls.append(Impl(key, label, status=f"unsupported: {_short(e)}"))

    vi = helper.make_tensor_value_info
    graph = helper.make_graph(
        [helper.make_node("Add", ["a", "b"], ["y"])], "add",
        [vi("a", TensorProto.FLOAT, [1, 1]), vi("b", TensorProto.FLOAT, [1, 1])],
        [vi("y", TensorProto.FLOAT, [1, 1])])
    model: onnx.ModelProto = helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = IR_VERSION
    session = make_session(model)
    feed = {"a": a, "b": b}
    last_run: list[np.ndarray] = []

    def call_run() -> None:
        last_run[:] = session.run(None, feed)

    out = np.empty((1, 1), np.float32)
    binding = session.io_binding()
    values = [ort.OrtValue.ortvalue_from_numpy(v) for v in (a, b, out)]
    binding.bind_ortvalue_input("a", values[0])
    binding.bind_ortvalue_input("b", values[1])
    binding.bind_ortvalue_output("y", values[2])

    def call_iob() -> None:
        session.run_with_iobinding(binding)

    impls.append(Impl("ort-run", "native ORT session.run(None, feed)", call_run,
                      lambda: last_run[0]))
    impls.append(Impl("ort-iobinding", "native ORT run_with_iobinding (bound)",
                      call_iob, out.copy))

    active = [i for i in impls if i.ok]
    for impl in active:
        assert impl.call is not None and impl.output is not None
        try:
            for _ in range(200):
                impl.call()
            impl.result = impl.output()
            if not np.allclose(impl.result, a + b):
                impl.status = f"failed: wrong result {impl.result.ravel()}"
        except Exception as e:  # noqa: BLE001 - reported
            impl.status = f"failed: {_short(e)}"
    active = [i for i in active if i.ok]
    block = max(1, calls // rounds)
    log(f"[overhead] timing {len(active)} variants: {rounds} rounds x {block} calls")
    meter = CpuMeter()
    for r in range(rounds):
        k = r % len(active) if active else 0
        for impl in active[k:] + active[:k]:
            assert impl.call is not None
            call = impl.call
            samples = impl.samples
            for _ in range(block):
                t0 = time.perf_counter()
                call()
                samples.append(time.perf_counter() - t0)
            time.sleep(pause)
    load = meter.others()
    for ctx in contexts:
        ctx.destroy()
    return {"load": load, "impls": [i.record() for i in impls]}


# ----------------------------------------------------------------- reporting


def _ms(v: float | None) -> str:
    if v is None:
        return "-"
    ms = v * 1e3
    return f"{ms:.1f}" if ms >= 100 else f"{ms:.2f}" if ms >= 1 else f"{ms:.3f}"


def _err(e: dict[str, Any] | None) -> str:
    if not e:
        return "-"
    return f"{e['max_abs']:.1e} / {e['rel']:.1e}"


def _environment() -> dict[str, Any]:
    import onnx
    import onnxruntime as ort

    import webnnpy
    from benchmarks.native import openvino_config, openvino_version, session_settings

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {
        "python": platform.python_version(),
        "webnnpy": getattr(webnnpy, "__version__", "?"),
        "onnxruntime": ort.__version__,
        "onnx": onnx.__version__,
        "numpy": np.__version__,
        "cpu": cpu,
        "cpu_count": os.cpu_count(),
        "session": session_settings(),
        "openvino": openvino_version(),
        "openvino_config": {dt: openvino_config(dt) for dt in ("float32", "float16")}
        if openvino_version() else None,
    }


def _load_text(load: dict[str, float] | None) -> str:
    if not load:
        return "n/a"
    return (f"{load['other_cores']:.2f} cores other processes, "
            f"{load['steal_cores']:.2f} stolen, {load['wall_s']:.0f} s")


def render(report: dict[str, Any]) -> str:
    """The markdown report."""
    env, args = report["environment"], report["args"]
    lines = [
        "# webnnpy benchmarks: ONNX Runtime backend vs native ONNX Runtime",
        "",
        f"- command: `{args['command']}`",
        f"- {env['cpu']}, {env['cpu_count']} CPUs; Python {env['python']}, "
        f"onnxruntime {env['onnxruntime']}, onnx {env['onnx']}, "
        f"numpy {env['numpy']}, webnnpy {env['webnnpy']}",
        "- session options (read from the webnnpy backend, used by both): "
        + ", ".join(f"{k}={v}" for k, v in env["session"].items())
        + " (0 threads = ONNX Runtime's default, one per physical core)",
        *([f"- OpenVINO {env['openvino']} (with --openvino): native rows run the same "
           "ONNX network via `Core.read_model` + `compile_model('CPU', config)`, "
           "config as webnnpy's OpenVINO backend: " + "; ".join(
               f"{dt}: " + ", ".join(f"{k}={v}" for k, v in c.items())
               for dt, c in env["openvino_config"].items())]
          if env.get("openvino") and args.get("openvino") else []),
        f"- timing: {args['rounds']} interleaved rounds, "
        f"{args['block']} recorded calls per block (after 1 unrecorded), "
        f"{args['pause']} s pause between blocks, {args['warmup']} warm-up calls; "
        f"reference: up to {args['ref_iters']} calls / {args['ref_time_cap']} s",
        "",
        "| model | dtype | implementation | build s | median ms | min ms | max ms "
        "| n | ÷ native run | ÷ native iobinding | ÷ native OpenVINO "
        "| ÷ best native | err vs native ORT (abs / rel) "
        "| err vs reference (abs / rel) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    notes: list[str] = []
    for res in report["models"]:
        by_key = {i["key"]: i for i in res["impls"]}

        def median(key: str, by_key: dict[str, Any] = by_key) -> float | None:
            rec = by_key.get(key)
            return rec["stats_s"]["median"] if rec and rec["stats_s"] else None

        run_med, iob_med = median("ort-run"), median("ort-iobinding")
        ov_med = median("ov-native")
        title = res["title"] + (" (small)" if res["small"] else "")
        for rec in res["impls"]:
            st = rec["stats_s"]
            if rec["status"] != "ok":
                notes.append(f"{title} {res['dtype']} {rec['label']}: {rec['status']}")
                lines.append(f"| {title} | {res['dtype']} | {rec['label']} | - | "
                             f"{rec['status'].split(':')[0]} | | | | | | | | | |")
                continue
            med = st["median"] if st else None
            r_run = f"{med / run_med:.2f}" if med and run_med else "-"
            r_iob = f"{med / iob_med:.2f}" if med and iob_med else "-"
            r_ov = f"{med / ov_med:.2f}" if med and ov_med else "-"
            best = min((v for v in (run_med, iob_med, ov_med) if v), default=None)
            r_best = f"{med / best:.2f}" if med and best else "-"
            build = f"{rec['build_s']:.2f}" if rec["build_s"] is not None else "-"
            lines.append(
                f"| {title} | {res['dtype']} | {rec['label']} | {build} | "
                f"{_ms(med)} | {_ms(st['min'] if st else None)} | "
                f"{_ms(st['max'] if st else None)} | {st['n'] if st else 0} | "
                f"{r_run} | {r_iob} | {r_ov} | {r_best} | "
                f"{_err(rec['errors'].get('ort-run'))} | "
                f"{_err(rec['errors'].get('webnnpy-ref'))} |")
        notes.append(f"{title} {res['dtype']}: load during timing: "
                     f"{_load_text(res['load'])}")
    lines += [
        "",
        "err: max |a - b| over the output, and that divided by max |b| (b is the "
        "column's baseline: native ORT `session.run`, or the NumPy reference, "
        "which computes in float64 and rounds each op's result to the data "
        "type). build s: graph building + compilation (webnnpy) or model "
        "construction + session creation (native).",
    ]
    ov = report.get("overhead")
    if ov:
        lines += ["", "## Per-call overhead: 1x1 add graph (µs per call)", "",
                  "| call | median µs | min | p90 | mean | n |",
                  "|---|---|---|---|---|---|"]
        for rec in ov["impls"]:
            st = rec["stats_s"]
            if rec["status"] != "ok" or not st:
                lines.append(f"| {rec['label']} | {rec['status']} | | | | |")
                notes.append(f"overhead {rec['label']}: {rec['status']}")
                continue
            lines.append(
                f"| {rec['label']} | {st['median'] * 1e6:.2f} | "
                f"{st['min'] * 1e6:.2f} | {st['p90'] * 1e6:.2f} | "
                f"{st['mean'] * 1e6:.2f} | {st['n']} |")
        notes.append(f"overhead: load during timing: {_load_text(ov['load'])}")
    if notes:
        lines += ["", "Notes:", ""] + [f"- {n}" for n in notes]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------- CLI


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description=(
            "Time webnnpy on ONNX Runtime against the same networks written "
            "directly in ONNX and run by ONNX Runtime (session.run and "
            "run_with_iobinding), and the NumPy reference backend; check that "
            "their outputs agree; measure the per-call overhead on a 1x1 add. "
            "Prints a markdown table. The defaults (100 timed calls per "
            "implementation in 20 interleaved rounds, 3 reference runs, "
            "20,000 overhead calls per variant) take about 2.5 minutes on "
            "the project's 2-core machine (ResNet-50 at ~26 ms); allow twice "
            "that on a machine half as fast - well under 10 minutes."),
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--models", default=",".join(MODELS),
                   help="comma-separated: " + ", ".join(MODELS))
    p.add_argument("--dtypes", default=",".join(DTYPES),
                   help="comma-separated: " + ", ".join(DTYPES))
    p.add_argument("--iters", type=int, default=100,
                   help="timed calls per implementation and model (rounded up "
                        "to a multiple of --rounds)")
    p.add_argument("--rounds", type=int, default=20,
                   help="interleaved rounds (the order rotates each round)")
    p.add_argument("--warmup", type=int, default=3,
                   help="untimed calls per implementation before timing")
    p.add_argument("--pause", type=float, default=0.1,
                   help="seconds of sleep after each block, so that ONNX "
                        "Runtime's spinning threads do not steal the next "
                        "block's cores")
    p.add_argument("--skip-reference", action="store_true",
                   help="do not run the NumPy reference backend")
    p.add_argument("--ref-iters", type=int, default=3,
                   help="timed reference runs per model (one per round)")
    p.add_argument("--ref-time-cap", type=float, default=60.0,
                   help="stop timing the reference after this many seconds "
                        "per model")
    p.add_argument("--overhead-calls", type=int, default=20000,
                   help="calls per variant in the 1x1 add overhead section "
                        "(0 skips it)")
    p.add_argument("--no-direct", action="store_true",
                   help="leave out the 'webnnpy-ORT backend direct' rows (the "
                        "compiled graph run through the backend object, "
                        "without the context's validation and timeline)")
    p.add_argument("--openvino", action="store_true",
                   help="also time native OpenVINO on the same ONNX network "
                        "and webnnpy's OpenVINO backend (where installed)")
    p.add_argument("--small", action="store_true",
                   help="reduced-size networks of the same layout (a quick "
                        "check of the harness, not a benchmark)")
    p.add_argument("--seed", type=int, default=0, help="weights seed")
    p.add_argument("--json", metavar="OUT.json", help="also save all results here")
    p.add_argument("--quiet", action="store_true",
                   help="no progress lines on stderr")
    return p


def _split(value: str, known: Sequence[str], what: str) -> list[str]:
    items = [v.strip() for v in value.split(",") if v.strip()]
    bad = [v for v in items if v not in known]
    if bad:
        raise SystemExit(f"unknown {what}: {', '.join(bad)}; expected "
                         f"{', '.join(known)}")
    return items


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmarks; print the markdown report; return the exit status."""
    args = _parser().parse_args(argv)
    models = _split(args.models, list(MODELS), "model")
    dtypes = _split(args.dtypes, DTYPES, "data type")
    rounds = max(1, args.rounds)

    def log(msg: str) -> None:
        if not args.quiet:
            print(msg, file=sys.stderr, flush=True)

    argv_list = list(sys.argv[1:] if argv is None else argv)
    report: dict[str, Any] = {
        "environment": _environment(),
        "args": {**vars(args), "block": max(1, math.ceil(args.iters / rounds)),
                 "rounds": rounds,
                 "command": " ".join(["python -m benchmarks", *argv_list])},
        "models": [],
    }
    started = time.perf_counter()
    for name in models:
        for dtype in dtypes:
            report["models"].append(run_model(
                MODELS[name], dtype, iters=args.iters, rounds=rounds,
                warmup=args.warmup, pause=args.pause,
                reference=not args.skip_reference, ref_iters=args.ref_iters,
                ref_time_cap=args.ref_time_cap, small=args.small, seed=args.seed,
                direct=not args.no_direct, log=log, openvino=args.openvino))
    if args.overhead_calls > 0:
        report["overhead"] = run_overhead(calls=args.overhead_calls, rounds=rounds,
                                          pause=args.pause,
                                          direct=not args.no_direct, log=log)
    report["total_s"] = time.perf_counter() - started
    log(f"done in {report['total_s']:.0f} s")
    print(render(report), end="")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(report, f, indent=1, default=str)
    return 0


if __name__ == "__main__":
    sys.exit(main())
