"""Free dimensions at the Model API: what a signature-cache hit costs, and
real models with free dimensions at three shapes against native ONNX Runtime.

    python -m benchmarks.dynamic_shapes [--backend onnxruntime] [--rounds 15]
                                        [--calls 200] [--md FILE]

1. **Hit cost.**  A tiny model (``y = x + z``, inputs ``[batch, seq]``) is
   loaded twice: with ``dims=`` (static: one graph) and without (symbolic:
   one graph per shape signature).  After one warm-up run of each, rounds of
   ``--calls`` ``run()`` calls of each alternate (the order flips every
   round); the per-call time of each round is recorded, by wall time and
   by the calling thread's CPU time (which other processes on a busy
   machine do not inflate).  Printed: min and median over rounds of each,
   and of the per-round difference (symbolic - static), which is what a hit
   adds.  The cache's own work (the signature and the LRU look-up) is also
   timed alone.
2. **Real models.**  The zoo's ``bert`` and ``gpt2`` with a free sequence
   dimension (``bert-dynseq.onnx``, ``gpt2-dynseq.onnx`` in
   ``~/.cache/webnnpy/zoo``, written by ``benchmarks/dynamic_export.py``; the
   zoo's own exports fix [1, 128] and are listed as skipped),
   and the registry models whose inputs have free dimensions (PP-OCR
   recognition, width; ddddocr's recognizer, width), each loaded once
   without ``dims`` and run at three shapes: the first run's time (import +
   build of that signature), then ``run()`` against a native
   ``InferenceSession`` of the same file with webnnpy's session settings,
   interleaved, median ÷ median; the max absolute difference of the outputs.

The CPU model and versions are printed with the results.  Wall time on a
possibly shared machine: read the minimums too.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["hit_cost", "main", "real_models"]

ZOO = Path.home() / ".cache" / "webnnpy" / "zoo"


def _tiny_model() -> Any:
    from onnx import TensorProto, helper

    vi = helper.make_tensor_value_info
    g = helper.make_graph([helper.make_node("Add", ["x", "z"], ["y"])], "tiny",
                          [vi("x", TensorProto.FLOAT, ["batch", "seq"]),
                           vi("z", TensorProto.FLOAT, ["batch", "seq"])],
                          [vi("y", TensorProto.FLOAT, ["batch", "seq"])])
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])


def _per_call(fn: Callable[[], Any], calls: int, clock: Callable[[], float]
              ) -> float:
    t0 = clock()
    for _ in range(calls):
        fn()
    return (clock() - t0) / calls


def hit_cost(backend: str | None, rounds: int, calls: int,
             clock: Callable[[], float] = time.perf_counter) -> dict[str, Any]:
    """Per-call seconds of static and symbolic ``run()`` (a cache hit), per
    round, interleaved, by ``clock`` (wall time, or ``time.thread_time``:
    the calling thread's CPU time, which a busy machine's other processes
    do not inflate)."""
    import webnnpy
    from webnnpy.models import onnx as wonnx

    ctx = webnnpy.ml.create_context(backend=backend) if backend else \
        webnnpy.ml.create_context()
    model = _tiny_model()
    feeds = {"x": np.ones((2, 8), np.float32), "z": np.ones((2, 8), np.float32)}
    static = wonnx.load(model, context=ctx, dims={"batch": 2, "seq": 8})
    dynamic = wonnx.load(model, context=ctx)
    static.run(feeds)
    dynamic.run(feeds)  # the one build
    sigs = dynamic.signatures
    s_t, d_t, diff, lookup = [], [], [], []
    for r in range(rounds):
        pair = [("s", lambda: static.run(feeds)), ("d", lambda: dynamic.run(feeds))]
        if r % 2:
            pair.reverse()
        got = {k: _per_call(fn, calls, clock) for k, fn in pair}
        s_t.append(got["s"])
        d_t.append(got["d"])
        diff.append(got["d"] - got["s"])
        lookup.append(_per_call(lambda: sigs.get(sigs.key(feeds)), calls, clock))
    assert sigs.builds == 1, sigs.builds
    return {"backend": ctx.backend, "static": s_t, "symbolic": d_t, "diff": diff,
            "lookup": lookup, "rounds": rounds, "calls": calls}


def _free(path: Path) -> dict[str, list[Any]]:
    """Inputs with free dimensions: name -> declared dims."""
    import onnx

    from webnnpy.models.onnx.dims import declared_dims

    m = onnx.load(str(path), load_external_data=False)
    init = {t.name for t in m.graph.initializer}
    out = {}
    for vi in m.graph.input:
        d = declared_dims(vi)
        if vi.name not in init and (d is None or any(not isinstance(v, int)
                                                     for v in d)):
            out[vi.name] = d
    return out


def _cases() -> list[tuple[str, Path | None, list[dict[str, np.ndarray]], str]]:
    """(name, path, feeds at three shapes, why skipped)."""
    rng = np.random.default_rng(0)
    out: list[tuple[str, Path | None, list[dict[str, np.ndarray]], str]] = []
    for name, vocab in (("bert", 30522), ("gpt2", 50257)):
        # benchmarks/dynamic_export.py writes them with a free ``seq``
        path = ZOO / f"{name}-dynseq.onnx"
        if not path.exists():
            path = ZOO / f"{name}.onnx"
        if not path.exists():
            out.append((name, None, [], f"not exported ({path})"))
            continue
        free = _free(path)
        if not free:
            out.append((name, path, [], "the export fixes every input dimension "
                        "(benchmarks/dynamic_export.py writes one with a free seq)"))
            continue
        import onnx

        names = [vi.name for vi in onnx.load(str(path), load_external_data=False)
                 .graph.input if vi.name in free]
        shapes = []
        for seq in (16, 64, 128):
            f = {}
            for n in names:
                if "mask" in n:
                    f[n] = np.ones((1, seq), np.int64)
                elif "type" in n:
                    f[n] = np.zeros((1, seq), np.int64)
                else:
                    f[n] = rng.integers(0, vocab, (1, seq), dtype=np.int64)
            shapes.append(f)
        out.append((name, path, shapes, ""))
    from webnnpy.models import zoo

    for name, shape_of in (
            ("ppocr-rec", lambda w: (1, 3, 48, w)),
            ("ddddocr-ocr", lambda w: (1, 1, 64, w))):
        try:
            path = Path(zoo.find_model(name))
        except Exception as e:  # noqa: BLE001 - not installed
            out.append((name, None, [], f"not installed: {e}"))
            continue
        (inp,) = _free(path)
        out.append((name, path, [{inp: rng.random(shape_of(w)).astype(np.float32)}
                                 for w in (160, 320, 640)], ""))
    return out


def real_models(backend: str | None, rounds: int) -> list[dict[str, Any]]:
    import onnxruntime as ort

    import webnnpy
    from benchmarks.native import session_options
    from webnnpy.models import onnx as wonnx

    rows: list[dict[str, Any]] = []
    for name, path, shapes, why in _cases():
        if why:
            rows.append({"model": name, "status": why})
            continue
        assert path is not None
        ctx = webnnpy.ml.create_context(backend=backend) if backend else \
            webnnpy.ml.create_context()
        t0 = time.perf_counter()
        m = wonnx.load(str(path), context=ctx)
        load_s = time.perf_counter() - t0
        so, providers = session_options()
        sess = ort.InferenceSession(str(path), so, providers=providers)
        for feeds in shapes:
            shape = {k: list(v.shape) for k, v in feeds.items()}
            t0 = time.perf_counter()
            got = m.run(feeds)
            first_s = time.perf_counter() - t0
            want = sess.run(None, feeds)
            err = max(float(np.max(np.abs(g.astype(np.float64) - w.astype(np.float64))))
                      for g, w in zip(got.values(), want, strict=True))
            ours, native = [], []
            for r in range(rounds):
                pair = [(ours, lambda f=feeds, m=m: m.run(f)),
                        (native, lambda f=feeds, s=sess: s.run(None, f))]
                if r % 2:
                    pair.reverse()
                for acc, fn in pair:
                    t = time.perf_counter()
                    fn()
                    acc.append(time.perf_counter() - t)
            rows.append({"model": name, "shape": shape, "load_s": load_s,
                         "first_run_s": first_s,
                         "run_ms": statistics.median(ours) * 1e3,
                         "native_ms": statistics.median(native) * 1e3,
                         "ratio": statistics.median(ours) / statistics.median(native),
                         "ratio_min": min(ours) / min(native), "max_abs_err": err,
                         "status": "ok"})
        rows[-1]["builds"] = m.signatures.builds if m.signatures else 1
        ctx.destroy()
    return rows


def _us(ts: list[float]) -> str:
    return f"median {statistics.median(ts) * 1e6:7.2f} us, min {min(ts) * 1e6:7.2f} us"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.dynamic_shapes",
                                description=__doc__.split("\n\n")[0])
    p.add_argument("--backend", default=None, help="default: ml.create_context()'s")
    p.add_argument("--rounds", type=int, default=15)
    p.add_argument("--calls", type=int, default=200)
    p.add_argument("--skip-models", action="store_true",
                   help="only the hit cost")
    p.add_argument("--md", help="also write the report to this file")
    args = p.parse_args(argv)
    import onnxruntime as ort

    import webnnpy
    from benchmarks.zoo import cpu_info

    cpu = cpu_info()
    lines = [f"CPU: {cpu['model']} ({cpu['cpus']} logical CPUs; "
             f"{' '.join(cpu['vector'])}); Python {sys.version.split()[0]}, "
             f"onnxruntime {ort.__version__}, numpy {np.__version__}, webnnpy "
             f"{webnnpy.__version__}; load average {os.getloadavg()[0]:.2f}"]
    for clock_name, clock in (("wall time", time.perf_counter),
                              ("thread CPU time", time.thread_time)):
        h = hit_cost(args.backend, args.rounds, args.calls, clock)
        lines += [
            "",
            f"## Cache hit vs static run ({h['backend']}, tiny Add [2, 8], "
            f"{h['rounds']} interleaved rounds x {h['calls']} calls, {clock_name})",
            "",
            f"- static run():    {_us(h['static'])}",
            f"- symbolic run():  {_us(h['symbolic'])} (a signature-cache hit)",
            f"- difference per round (symbolic - static): {_us(h['diff'])}",
            f"- the cache's own work (signature + LRU look-up): "
            f"{_us(h['lookup'])}",
        ]
    if not args.skip_models:
        rows = real_models(args.backend, max(5, args.rounds))
        lines += ["", "## Models with free dimensions at three shapes vs native ORT",
                  "", "| model | input shape | first run s (build) | run ms | "
                  "native ms | ratio (median) | ratio (min) | max abs err | status |",
                  "|---|---|---|---|---|---|---|---|---|"]
        for r in rows:
            if r["status"] != "ok":
                lines.append(f"| {r['model']} | - | - | - | - | - | - | - | "
                             f"skipped: {r['status']} |")
                continue
            shape = "; ".join(f"{k} {v}" for k, v in r["shape"].items())
            lines.append(f"| {r['model']} | {shape} | {r['first_run_s']:.2f} | "
                         f"{r['run_ms']:.2f} | {r['native_ms']:.2f} | "
                         f"{r['ratio']:.2f} | {r['ratio_min']:.2f} | "
                         f"{r['max_abs_err']:.2e} | ok |")
    text = "\n".join(lines)
    print(text)
    if args.md:
        Path(args.md).write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
