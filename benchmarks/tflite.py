"""webnnpy (ONNX Runtime backend) vs LiteRT on the MediaPipe ``.tflite`` models.

    python -m benchmarks.tflite [--rounds 30] [--models a,b] [--json out.json]

For each of the 14 models in ``mediapipe==0.10.21`` that imports: the model
is loaded once through ``webnnpy.models.tflite`` on an ONNX Runtime context
and once in LiteRT's interpreter (``ai_edge_litert``, default op resolver:
XNNPACK, default thread count unless ``--litert-threads``); both are fed the
same input (a crop of ``tests/samples/images/astronaut_256.png``), warmed up,
then timed in interleaved rounds (one webnnpy run, one LiteRT
set_tensor + invoke + get_tensor per round), so machine noise hits both
alike.  Reported: min and median latency of each, the ratio of medians
(webnnpy / LiteRT; the target is <= 1.1), and the max abs difference of the
outputs.  With ``--chromium``, the imported graph is also exported to
JavaScript and timed in Chromium's WebNN (``webnnpy browser``; its own
batches inside the page, not interleaved).
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["bench_model", "main", "render"]

IMAGE = Path(__file__).resolve().parents[1] / "tests" / "samples" / "images" / \
    "astronaut_256.png"


def bench_model(name: str, rounds: int, litert_threads: int | None,
                backend: str = "onnxruntime", browser: Any = None,
                tmp: Path | None = None) -> dict[str, Any]:
    """Time one model both ways; returns a record for :func:`render`."""
    from ai_edge_litert.interpreter import Interpreter
    from PIL import Image

    import webnnpy
    from webnnpy.models import tflite as wt
    from webnnpy.models.tflite import mediapipe as mp

    path = mp.find(name)
    report = wt.inspect(path)
    if not report.ok:
        codes = sorted({o.code for o in report.unsupported})
        return {"model": name, "skipped": f"does not import: {', '.join(codes)}"}
    t0 = time.perf_counter()
    m = wt.load(path, context=webnnpy.ml.create_context(backend=backend))
    load_s = time.perf_counter() - t0
    (iname, desc), = m.inputs.items()
    x = mp.model_input(name, Image.open(IMAGE), tuple(desc["shape"]))
    it = Interpreter(model_path=str(path), num_threads=litert_threads)
    try:
        it.allocate_tensors()
    except RuntimeError as e:  # MediaPipe custom ops: LiteRT has no kernels
        return _ours_only(name, m, {iname: x}, rounds, load_s,
                          " ".join(str(e).split())[:120])
    in_idx = it.get_input_details()[0]["index"]
    outs = it.get_output_details()

    def litert() -> dict[str, np.ndarray]:
        it.set_tensor(in_idx, x)
        it.invoke()
        return {d["name"]: it.get_tensor(d["index"]) for d in outs}

    def ours() -> dict[str, np.ndarray]:
        return m.run({iname: x})

    want, got = litert(), ours()
    err = max(float(np.abs(got[k].astype(np.float64) - want[k]).max())
              for k in want)
    rel = max(float(np.abs(got[k].astype(np.float64) - want[k]).max()
                    / max(1.0, float(np.abs(want[k]).max()))) for k in want)
    for _ in range(3):
        litert()
        ours()
    t_ours: list[float] = []
    t_lite: list[float] = []
    for r in range(rounds):
        pair = (ours, litert) if r % 2 == 0 else (litert, ours)
        for fn in pair:
            t = time.perf_counter()
            fn()
            dt = time.perf_counter() - t
            (t_ours if fn is ours else t_lite).append(dt * 1e3)
    rec: dict[str, Any] = {"model": name, "load_s": load_s,
                           "webnnpy_min_ms": min(t_ours),
                           "webnnpy_median_ms": statistics.median(t_ours),
                           "litert_min_ms": min(t_lite),
                           "litert_median_ms": statistics.median(t_lite),
                           "max_abs_err": err, "max_err_over_range": rel,
                           "rounds": rounds}
    rec["ratio_median"] = rec["webnnpy_median_ms"] / rec["litert_median_ms"]
    rec["ratio_min"] = rec["webnnpy_min_ms"] / rec["litert_min_ms"]
    if browser is not None and tmp is not None:
        from webnnpy.models.javascript import export

        export(m.graph, tmp / name)
        b = browser.benchmark(tmp / name, {iname: x}, iterations=rounds)
        rec["chromium_min_ms"] = b["min_ms"]
        rec["chromium_median_ms"] = b["median_ms"]
        rec["chromium_max_abs_err"] = max(
            float(np.abs(b["outputs"][k].astype(np.float64) - want[k]).max())
            for k in want)
    return rec


def _ours_only(name: str, m: Any, feeds: dict[str, np.ndarray], rounds: int,
               load_s: float, why: str) -> dict[str, Any]:
    """webnnpy's latency alone, for a model LiteRT cannot run."""
    for _ in range(3):
        m.run(feeds)
    t: list[float] = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        m.run(feeds)
        t.append((time.perf_counter() - t0) * 1e3)
    return {"model": name, "load_s": load_s, "webnnpy_min_ms": min(t),
            "webnnpy_median_ms": statistics.median(t), "rounds": rounds,
            "litert_error": why}


def render(records: Sequence[dict[str, Any]], env: dict[str, Any]) -> str:
    """A Markdown table of the records."""
    cpu = env["cpu"]
    lines = [
        f"- CPU: {cpu['model']}, {cpu['cpus']} CPUs; LiteRT threads: "
        f"{env['litert_threads']}; webnnpy backend: {env['backend']}; "
        f"rounds: {env['rounds']} (interleaved)",
        f"- versions: ai-edge-litert {env['litert']}, onnxruntime {env['ort']}",
        "",
        "| model | webnnpy min / median ms | LiteRT min / median ms | "
        "ratio min / median | max abs err (÷ range) | Chromium WebNN min / "
        "median ms (max abs err) |",
        "|---|---|---|---|---|---|"]
    for r in records:
        if "skipped" in r:
            lines.append(f"| {r['model']} | — | — | — | {r['skipped']} | — |")
            continue
        if "litert_error" in r:
            lines.append(f"| {r['model']} | {r['webnnpy_min_ms']:.2f} / "
                         f"{r['webnnpy_median_ms']:.2f} | LiteRT cannot run it "
                         f"(MediaPipe custom ops) | — | — | — |")
            continue
        chrome = (f"{r['chromium_min_ms']:.2f} / {r['chromium_median_ms']:.2f} "
                  f"({r['chromium_max_abs_err']:.1e})"
                  if "chromium_min_ms" in r else "—")
        lines.append(
            f"| {r['model']} | {r['webnnpy_min_ms']:.2f} / "
            f"{r['webnnpy_median_ms']:.2f} | {r['litert_min_ms']:.2f} / "
            f"{r['litert_median_ms']:.2f} | {r['ratio_min']:.2f} / "
            f"{r['ratio_median']:.2f} | "
            f"{r['max_abs_err']:.1e} ({r['max_err_over_range']:.1e}) | {chrome} |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.tflite",
                                description=__doc__.split("\n\n")[0])
    p.add_argument("--rounds", type=int, default=30)
    p.add_argument("--models", default="", help="comma-separated model names "
                   "(default: all 14)")
    p.add_argument("--litert-threads", type=int, default=None,
                   help="LiteRT num_threads (default: LiteRT's own default)")
    p.add_argument("--backend", default="onnxruntime")
    p.add_argument("--json", default="", help="also write the records here")
    p.add_argument("--chromium", action="store_true",
                   help="also time the exported graph in Chromium's WebNN")
    args = p.parse_args(argv)
    import importlib.metadata as md

    from benchmarks.zoo import cpu_info
    from webnnpy.models.tflite import mediapipe as mp

    names = [n for n in args.models.split(",") if n] or list(mp.MODELS)
    unknown = [n for n in names if n not in mp.MODELS]
    if unknown:
        p.error(f"unknown model(s) {unknown}; choose from {', '.join(mp.MODELS)}")
    env = {"cpu": cpu_info(), "litert_threads": args.litert_threads or "default",
           "backend": args.backend, "rounds": args.rounds,
           "litert": md.version("ai-edge-litert"), "ort": md.version("onnxruntime")}
    records = []
    browser = None
    tmp = Path(tempfile.mkdtemp(prefix="webnnpy-tflite-bench-"))
    if args.chromium:
        from webnnpy.browser import Browser

        browser = Browser()
        browser.start()
    try:
        for n in names:
            rec = bench_model(n, args.rounds, args.litert_threads, args.backend,
                              browser, tmp)
            records.append(rec)
            print(f"{n}: " + (rec.get("skipped") or rec.get("litert_error") or
                              f"ratio {rec['ratio_median']:.2f}"), file=sys.stderr)
    finally:
        if browser is not None:
            browser.close()
        shutil.rmtree(tmp, ignore_errors=True)
    print(render(records, env))
    if args.json:
        Path(args.json).write_text(json.dumps({"env": env, "records": records},
                                              indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
