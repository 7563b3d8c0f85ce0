"""What building and loading cost next to ONNX Runtime's own session creation.

    python -m benchmarks.build_cost chains [--runs 15]      # build() vs ORT session
    python -m benchmarks.build_cost load MODEL.onnx ...     # load() vs ORT session
    python -m benchmarks.build_cost rss MODEL.onnx ...      # peak RSS, load().run
    python -m benchmarks.build_cost phases MODEL.onnx ...   # where load's time/RSS go
    python -m benchmarks.build_cost resnet50                # write the test file

``chains``: ``build()`` of a WebNN graph of N elementwise ops (N = 10, 100,
1000; the builder calls before it are not timed) on the onnxruntime backend,
against
``ort.InferenceSession`` created from the equivalent hand-written ONNX model
(serialized once, outside the timing).  ``load``: ``webnnpy.models.onnx.load``
against ``ort.InferenceSession(path)``, both with ORT's default options.  The
two sides are timed interleaved; medians and minimums are printed.

``rss``: each side runs in a fresh subprocess (``load(path).run(x)`` vs
``InferenceSession(path).run``) and reports its peak resident set size
(``VmHWM``: ``ru_maxrss`` would start from the parent's peak at fork).

``phases``: one fresh process per side; a thread samples ``VmRSS`` every
0.5 ms, and the load's phases (parse, initializers, import walk, lowering,
ORT session creation, first run) are marked by wrapping the functions that
do them, so each phase's wall time and the peak RSS seen during it are
printed, beside native ORT's import, session creation and first run.

``resnet50``: a ResNet-50-shaped ONNX file (Conv with folded BatchNorm, Relu,
Add, pools, Gemm; 25.5 M seeded random float32 weights, as a torchvision export
with constant folding has) written to ``~/.cache/webnnpy/bench/``.  No torch.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["chain_model", "main", "resnet50_path"]

CACHE = Path(os.environ.get("WEBNNPY_BENCH_CACHE",
                            Path.home() / ".cache" / "webnnpy" / "bench"))


# ------------------------------------------------------------------ models


def resnet50_path() -> Path:
    """The ResNet-50-shaped ONNX file (written on first use)."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    path = CACHE / "resnet50_random.onnx"
    if path.exists():
        return path
    rng = np.random.default_rng(50)
    nodes: list[Any] = []
    inits: list[Any] = []
    count = [0]

    def name(hint: str) -> str:
        count[0] += 1
        return f"{hint}{count[0]}"

    def conv(x: str, cin: int, cout: int, k: int, stride: int = 1,
             relu: bool = True) -> str:
        w = (rng.standard_normal((cout, cin, k, k)) *
             np.sqrt(2.0 / (cin * k * k))).astype(np.float32)
        b = (rng.standard_normal(cout) * 0.01).astype(np.float32)
        wn, bn, y = name("w"), name("b"), name("t")
        inits.extend([numpy_helper.from_array(w, wn), numpy_helper.from_array(b, bn)])
        p = k // 2
        nodes.append(helper.make_node("Conv", [x, wn, bn], [y], kernel_shape=[k, k],
                                      strides=[stride, stride], pads=[p, p, p, p]))
        if relu:
            r = name("t")
            nodes.append(helper.make_node("Relu", [y], [r]))
            return r
        return y

    x = conv("input", 3, 64, 7, 2)
    mp = name("t")
    nodes.append(helper.make_node("MaxPool", [x], [mp], kernel_shape=[3, 3],
                                  strides=[2, 2], pads=[1, 1, 1, 1]))
    x, cin = mp, 64
    for width, blocks, stride in ((64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2)):
        for i in range(blocks):
            s = stride if i == 0 else 1
            y = conv(x, cin, width, 1)
            y = conv(y, width, width, 3, s)
            y = conv(y, width, width * 4, 1, relu=False)
            short = conv(x, cin, width * 4, 1, s, relu=False) if i == 0 else x
            a, r = name("t"), name("t")
            nodes.append(helper.make_node("Add", [y, short], [a]))
            nodes.append(helper.make_node("Relu", [a], [r]))
            x, cin = r, width * 4
    gp, fl = name("t"), name("t")
    nodes.append(helper.make_node("GlobalAveragePool", [x], [gp]))
    nodes.append(helper.make_node("Flatten", [gp], [fl], axis=1))
    fw = (rng.standard_normal((1000, 2048)) * 0.02).astype(np.float32)
    fb = np.zeros(1000, np.float32)
    inits.extend([numpy_helper.from_array(fw, "fc.weight"),
                  numpy_helper.from_array(fb, "fc.bias")])
    nodes.append(helper.make_node("Gemm", [fl, "fc.weight", "fc.bias"], ["output"],
                                  transB=1))
    g = helper.make_graph(
        nodes, "resnet50", [helper.make_tensor_value_info(
            "input", TensorProto.FLOAT, ["batch", 3, 224, 224])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, ["batch", 1000])],
        initializer=inits)
    model = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    onnx.save(model, str(tmp))
    tmp.replace(path)
    return path


_CYCLE = ("add", "mul", "sub", "max")
_ONNX_OPS = {"add": "Add", "mul": "Mul", "sub": "Sub", "max": "Max"}


def chain_model(n: int, shape: tuple[int, ...] = (1, 64)) -> bytes:
    """The ONNX model of a chain of ``n`` elementwise ops (serialized)."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    nodes, inits = [], []
    x = "x"
    for i in range(n):
        op = _CYCLE[i % len(_CYCLE)]
        c = f"c{i}"
        inits.append(numpy_helper.from_array(
            np.full(shape, 0.5 + i % 7, np.float32), c))
        y = "y" if i == n - 1 else f"t{i}"
        nodes.append(helper.make_node(_ONNX_OPS[op], [x, c], [y]))
        x = y
    g = helper.make_graph(nodes, "chain", [helper.make_tensor_value_info(
        "x", TensorProto.FLOAT, list(shape))], [helper.make_tensor_value_info(
            "y", TensorProto.FLOAT, list(shape))], initializer=inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 21)])
    m.ir_version = 10
    onnx.checker.check_model(m)
    return m.SerializeToString()


def _chain_builder(context: Any, n: int, shape: tuple[int, ...] = (1, 64)
                   ) -> tuple[Any, Any]:
    """A builder holding the chain of ``n`` ops, and its output (not built)."""
    import webnnpy

    b = webnnpy.MLGraphBuilder(context)
    x = b.input("x", {"data_type": "float32", "shape": list(shape)})
    for i in range(n):
        c = b.constant({"data_type": "float32", "shape": list(shape)},
                       np.full(shape, 0.5 + i % 7, np.float32))
        x = getattr(b, _CYCLE[i % len(_CYCLE)])(x, c)
    return b, x


# ------------------------------------------------------------------ timing


#: the clock: wall time, or with --cpu the process's CPU time (all threads),
#: steadier on a machine other jobs share
_clock = time.perf_counter


def _interleaved(a: Any, b: Any, runs: int) -> tuple[list[float], list[float]]:
    """Time ``a`` and ``b`` alternately; a callable may return its own time
    (when it has untimed setup), else its whole call counts."""
    ta, tb = [], []
    for _ in range(runs):
        for f, out in ((a, ta), (b, tb)):
            t0 = _clock()
            own = f()
            out.append(own if isinstance(own, float) else _clock() - t0)
    return ta, tb


def _row(label: str, ta: list[float], tb: list[float]) -> str:
    ma, mb = statistics.median(ta), statistics.median(tb)
    return (f"{label:<34} webnnpy {ma * 1e3:8.2f} ms (min {min(ta) * 1e3:7.2f})   "
            f"ORT {mb * 1e3:8.2f} ms (min {min(tb) * 1e3:7.2f})   "
            f"ratio {ma / mb:5.2f} (min/min {min(ta) / min(tb):5.2f})")


def chains(runs: int, sizes: list[int], backend: str = "onnxruntime") -> None:
    import onnxruntime as ort

    import webnnpy

    context = webnnpy.ml.create_context(backend=backend)
    for n in sizes:
        blob = chain_model(n)

        def native(blob: bytes = blob) -> None:
            ort.InferenceSession(blob, providers=["CPUExecutionProvider"])

        def ours(n: int = n) -> float:
            b, y = _chain_builder(context, n)  # the builder calls: not timed
            t0 = _clock()
            b.build({"y": y})
            return _clock() - t0

        ours()
        native()
        ta, tb = _interleaved(ours, native, runs)
        print(_row(f"build() chain of {n} ops", ta, tb), flush=True)


def loads(runs: int, paths: list[str], dims: dict[str, Any],
          constants: dict[str, Any]) -> None:
    import onnxruntime as ort

    import webnnpy
    from webnnpy.models import onnx as wonnx

    # ONNX Runtime's backend, as the zoo measures it (the default context is
    # auto, which may compile a graph on OpenVINO)
    context = webnnpy.ml.create_context(backend="onnxruntime")
    for p in paths:
        def native(p: str = p) -> None:
            ort.InferenceSession(p, providers=["CPUExecutionProvider"])

        def ours(p: str = p) -> None:
            wonnx.load(p, dims=dims, constants=constants, context=context)

        ours()
        native()
        ta, tb = _interleaved(ours, native, runs)
        print(_row(f"load() {Path(p).name}", ta, tb), flush=True)


_RSS_CHILD = r"""
import json, sys
import numpy as np
side, path, dims = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
if side == "native":
    import onnxruntime as ort
    s = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    feeds = {}
    for i in s.get_inputs():
        shape = dims.get(i.name) or [d if isinstance(d, int) else dims.get(d, 1)
                                     for d in i.shape]
        types = {"tensor(float)": np.float32, "tensor(int64)": np.int64}
        feeds[i.name] = np.ones(shape, types.get(i.type, np.float32))
    s.run(None, feeds)
else:
    import webnnpy
    from webnnpy.models import onnx as wonnx
    m = wonnx.load(path, dims=dims,
                   context=webnnpy.ml.create_context(backend="onnxruntime"))
    feeds = {k: np.ones(v["shape"], v["data_type"]) for k, v in m.inputs.items()}
    m.run(feeds)
with open("/proc/self/status") as f:
    print(next(int(v.split()[1]) for v in f if v.startswith("VmHWM:")))
"""


_PHASES_CHILD = r"""
import json, sys, threading, time
side, path, dims = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])

def rss():
    with open("/proc/self/status") as f:
        for v in f:
            if v.startswith("VmRSS:"):
                return int(v.split()[1]) / 1024

phase, rows = ["start"], {}
t_start = [time.perf_counter()]

def sample():
    while True:
        r, p = rss(), phase[0]
        rows.setdefault(p, [0.0, 0.0])
        rows[p][1] = max(rows[p][1], r)
        time.sleep(0.0005)

def mark(name):
    now = time.perf_counter()
    rows.setdefault(phase[0], [0.0, 0.0])[0] += now - t_start[0]
    t_start[0] = now
    phase[0] = name

threading.Thread(target=sample, daemon=True).start()
time.sleep(0.01)
mark("import numpy, onnxruntime" + (", webnnpy" if side == "webnnpy" else ""))
import numpy as np
import onnxruntime as ort
if side == "native":
    mark("ORT session")
    s = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    feeds = {}
    for i in s.get_inputs():
        shape = dims.get(i.name) or [d if isinstance(d, int) else dims.get(d, 1)
                                     for d in i.shape]
        types = {"tensor(float)": np.float32, "tensor(int64)": np.int64}
        feeds[i.name] = np.ones(shape, types.get(i.type, np.float32))
    mark("first run")
    s.run(None, feeds)
else:
    import webnnpy
    from webnnpy.backends.onnxruntime import runtime
    from webnnpy.models import onnx as wonnx
    from webnnpy.models.onnx import importer
    ctx = webnnpy.ml.create_context(backend="onnxruntime")

    def wrap(module, name, label):
        fn = getattr(module, name)
        def g(*a, **k):
            before = phase[0]
            mark(label)
            try:
                return fn(*a, **k)
            finally:
                mark(before)
        setattr(module, name, g)

    wrap(importer, "load_model", "parse (weights mapped, not read)")
    wrap(importer, "initializers", "initializers (maps)")
    wrap(importer, "walk", "import walk (handlers, folds, builder)")
    wrap(runtime, "lower", "lowering to ONNX")
    wrap(runtime.ort, "InferenceSession", "ORT session")
    mark("load(): the rest")
    m = wonnx.load(path, dims=dims, context=ctx)
    feeds = {k: np.ones(v["shape"], v["data_type"]) for k, v in m.inputs.items()}
    mark("first run")
    m.run(feeds)
mark("end")
time.sleep(0.01)
with open("/proc/self/status") as f:
    hwm = next(int(v.split()[1]) / 1024 for v in f if v.startswith("VmHWM:"))
print(json.dumps({"phases": rows, "hwm": hwm}))
"""


def rss(paths: list[str], dims: dict[str, int], repeats: int) -> None:
    for p in paths:
        got: dict[str, list[float]] = {"native": [], "webnnpy": []}
        for _ in range(repeats):
            for side in got:
                out = subprocess.run(
                    [sys.executable, "-c", _RSS_CHILD, side, p, json.dumps(dims)],
                    capture_output=True, text=True, check=False)
                if out.returncode:
                    last = out.stderr.strip().splitlines()[-1]
                    raise SystemExit(f"{side} {p}: {last}")
                got[side].append(int(out.stdout.split()[-1]) / 1024)
        n, w = min(got["native"]), min(got["webnnpy"])
        print(f"peak RSS {Path(p).name:<30} webnnpy {w:7.1f} MiB   native {n:7.1f} "
              f"MiB   ratio {w / n:5.2f}", flush=True)


def phases(paths: list[str], dims: dict[str, int]) -> None:
    for p in paths:
        for side in ("native", "webnnpy"):
            out = subprocess.run(
                [sys.executable, "-c", _PHASES_CHILD, side, p, json.dumps(dims)],
                capture_output=True, text=True, check=False)
            if out.returncode:
                last = out.stderr.strip().splitlines()[-1]
                raise SystemExit(f"{side} {p}: {last}")
            got = json.loads(out.stdout.strip().splitlines()[-1])
            print(f"{side} {Path(p).name}: peak RSS {got['hwm']:.1f} MiB", flush=True)
            for name, (secs, peak) in got["phases"].items():
                if name in ("start", "end"):
                    continue
                print(f"  {name:<42} {secs * 1e3:8.1f} ms   peak {peak:7.1f} MiB",
                      flush=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.build_cost")
    ap.add_argument("what", choices=["chains", "load", "rss", "phases", "resnet50"])
    ap.add_argument("models", nargs="*")
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--sizes", default="10,100,1000")
    ap.add_argument("--backend", default="onnxruntime",
                    help="chains: the context's backend (e.g. auto, the default "
                         "where ONNX Runtime and OpenVINO are both installed)")
    ap.add_argument("--dims", default='{"batch": 1}', help="JSON free dimensions")
    ap.add_argument("--constants", default="{}",
                    help="JSON graph inputs fixed at load (int64 values)")
    ap.add_argument("--cpu", action="store_true",
                    help="time CPU (time.process_time) instead of wall time")
    a = ap.parse_args(argv)
    if a.cpu:
        global _clock
        _clock = time.process_time
    dims = json.loads(a.dims)
    if a.what == "chains":
        chains(a.runs, [int(s) for s in a.sizes.split(",")], a.backend)
    elif a.what == "resnet50":
        print(resnet50_path())
    elif a.what == "load":
        consts = {k: np.array(v, np.int64) for k, v in json.loads(a.constants).items()}
        loads(a.runs, a.models or [str(resnet50_path())], dims, consts)
    elif a.what == "phases":
        phases(a.models or [str(resnet50_path())], dims)
    else:
        rss(a.models or [str(resnet50_path())], dims, max(1, a.runs // 5))
    return 0


if __name__ == "__main__":
    sys.exit(main())
