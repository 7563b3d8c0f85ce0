"""Real models in Chromium's WebNN: PP-OCRv6, MobileNetV2, a transformer encoder.

Each model is built as an MLGraph (imported from ONNX, or built with
``MLGraphBuilder`` by ``benchmarks/models.py``), exported with
:func:`webnnpy.models.javascript.export`, run by the headless Chromium of
:mod:`webnnpy.browser`, and compared with webnnpy's own backends:

- :func:`latency_cases`: the models of the latency table with their inputs:
  MobileNetV2 (224x224, float32) and the 6 x 384 encoder (sequence 128) of
  ``benchmarks/models.py``, PP-OCRv6 det on a 640x640 page and on a 96x320
  line, PP-OCRv6 rec on a 48x320 line, all on rendered text;
- :func:`time_chromium`, :func:`time_webnnpy`: milliseconds per run (write
  the inputs, dispatch, read the outputs; tensors and graph made once), each
  run timed on its own, after warm-up runs;
- :func:`latency_table`, :func:`latency_section`: the Markdown table.

``python -m crosscheck.latency --latency [--table FILE]`` prints (or
writes) the table; ``python -m crosscheck --latency`` appends
it to the agreement table (``docs/chromium_agreement.md``).

MobileNetV2 and the encoder need the source tree's ``benchmarks/`` (found on
``sys.path``, in the working folder or beside ``src/``); PP-OCRv6 needs onnx
and rapidocr's model files (``pip install --no-deps rapidocr==3.10.0``) and
Pillow.  A model whose parts are missing is left out, and the table says why.
"""

from __future__ import annotations

import argparse
import importlib
import math
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

import webnnpy
from webnnpy.browser.session import Browser, JSError
from webnnpy.models.javascript import export

__all__ = [
    "DET_LINE_SHAPE",
    "DET_PAGE_SHAPE",
    "REC_SHAPE",
    "LatencyRow",
    "ModelCase",
    "Timing",
    "benchmark_models",
    "builder_feeds",
    "builder_graph",
    "det_input",
    "latency_cases",
    "latency_rows",
    "latency_section",
    "latency_table",
    "line_input",
    "main",
    "onnx_cases",
    "ppocr_graph",
    "text_image",
    "time_chromium",
    "time_webnnpy",
]

#: PP-OCRv6 input shapes (NCHW) of the table: a page, a line, a line to read
DET_PAGE_SHAPE = (1, 3, 640, 640)
DET_LINE_SHAPE = (1, 3, 96, 320)
REC_SHAPE = (1, 3, 48, 320)

#: what the rendered inputs say
PAGE_TEXT = ("WebNN in Chromium", "PP-OCRv6 det 640x640", "webnnpy 2026",
             "write, dispatch, read")
LINE_TEXT = "WebNN 2026"


# ------------------------------------------------------------------ models


def benchmark_models() -> ModuleType:
    """``benchmarks.models`` (MobileNetV2, the encoder), from the repository
    root this folder sits in."""
    root = str(Path(__file__).resolve().parents[1])
    if root not in sys.path:
        sys.path.insert(0, root)
    return importlib.import_module("benchmarks.models")


_WEIGHTS: dict[tuple[str, bool, int], dict[str, np.ndarray]] = {}


def builder_graph(context: webnnpy.MLContext, name: str, *, small: bool = False,
                  seed: int = 0) -> webnnpy.MLGraph:
    """The benchmark network ``name`` (``"mobilenetv2"``, ``"encoder"``,
    ``"resnet50"``) in float32, full size or its ``small`` config, built on
    ``context`` from seeded weights (the same on every context)."""
    bm = benchmark_models()
    spec = bm.MODELS[name]
    config = spec.small if small else spec.config
    key = (name, small, seed)
    if key not in _WEIGHTS:
        _WEIGHTS[key] = spec.make_weights(config, seed)
    b = webnnpy.MLGraphBuilder(context)
    return b.build({bm.OUTPUT: spec.build(b, "float32", _WEIGHTS[key], config)})


def builder_feeds(name: str, *, small: bool = False, seed: int = 1
                  ) -> dict[str, np.ndarray]:
    """A standard-normal float32 input for :func:`builder_graph`."""
    bm = benchmark_models()
    spec = bm.MODELS[name]
    shape = spec.input_shape(spec.small if small else spec.config)
    return {bm.INPUT: bm.make_input(shape, "float32", seed)}


def ppocr_graph(context: webnnpy.MLContext, name: str, shape: Sequence[int]
                ) -> webnnpy.MLGraph:
    """The zoo model ``name`` (``"ppocr-det"``, ``"ppocr-rec"``) imported
    with input ``x`` of ``shape`` on ``context``.

    Raises:
        ModelNotInstalledError: rapidocr's model file is not installed.
        ImportError: onnx is not installed.
    """
    from webnnpy.models import onnx as wonnx
    from webnnpy.tasks import model_cache

    return wonnx.load(model_cache.proto(name), dims={"x": [int(d) for d in shape]},
                      context=context).graph


# ------------------------------------------------------------------ inputs


def text_image(lines: str | Sequence[str], size: tuple[int, int], *,
               font_size: int = 28, gap: float = 1.0) -> np.ndarray:
    """``lines`` of text drawn in black (:func:`webnnpy.tasks.ocr.render_line`),
    centred one under the other, ``gap * font_size`` pixels apart, on a white
    canvas of ``size`` (width, height): an H x W x 3 uint8 RGB array."""
    from PIL import Image

    from webnnpy.tasks.ocr import render_line

    if isinstance(lines, str):
        lines = [lines]
    ims = [render_line(t, size=font_size, margin=0) for t in lines]
    width, height = size
    canvas = Image.new("RGB", (width, height), "white")
    step = int(gap * font_size)
    total = sum(im.size[1] for im in ims) + step * (len(ims) - 1)
    y = (height - total) // 2
    for im in ims:
        canvas.paste(im, ((width - im.size[0]) // 2, y))
        y += im.size[1] + step
    return np.asarray(canvas)


def det_input(rgb: np.ndarray) -> np.ndarray:
    """PP-OCR's detection input for an image whose sides are multiples of 32
    (as :func:`webnnpy.tasks.ocr.detect` makes it, without resizing):
    ``1 x 3 x H x W`` float32 BGR in [-1, 1]."""
    from webnnpy.tasks.ocr import _normalize_bgr

    return _normalize_bgr(np.ascontiguousarray(rgb))[None]


def line_input(rgb: np.ndarray, box: np.ndarray | None = None, *,
               width: int = REC_SHAPE[3]) -> np.ndarray:
    """PP-OCR's recognition input (as :func:`webnnpy.tasks.ocr.recognize`
    makes it): the ``box`` (4 x 2 corners; default: the whole image) cut out
    and straightened, scaled to height 48, normalized and zero-padded on the
    right to ``width`` (squeezed if wider): ``1 x 3 x 48 x width``."""
    from webnnpy.tasks import ocr

    crop = ocr._crop(rgb, box) if box is not None else np.ascontiguousarray(rgb)
    return ocr._line_input(crop, ocr.REC_HEIGHT, width, ocr.REC_WIDTH_STEP,
                           width)[None]


@dataclass(frozen=True)
class ModelCase:
    """A model of the latency table: ``make(context)`` builds its graph,
    ``feeds()`` gives its inputs (the same for every runtime)."""

    name: str
    input: str
    make: Callable[[webnnpy.MLContext], webnnpy.MLGraph]
    feeds: Callable[[], dict[str, np.ndarray]]
    #: why it cannot run here ("" if it can)
    missing: str = ""


def _missing_benchmarks() -> str:
    try:
        benchmark_models()
    except ModuleNotFoundError as e:
        return str(e)
    return ""


def _missing_ppocr(name: str) -> str:
    try:
        import onnx  # noqa: F401
        import PIL  # noqa: F401
    except ImportError as e:
        return f"needs onnx and Pillow ({e})"
    from webnnpy.models import zoo

    try:
        zoo.find_model(name)
    except zoo.ModelNotInstalledError as e:
        return str(e)
    return ""


def latency_cases() -> list[ModelCase]:
    """MobileNetV2 (224x224), PP-OCRv6 det (640x640 page, 96x320 line), PP-OCRv6
    rec (48x320 line) and the 6 x 384 encoder (sequence 128), float32."""
    def builder(name: str) -> Callable[[webnnpy.MLContext], webnnpy.MLGraph]:
        return lambda ctx: builder_graph(ctx, name)

    def ocr(name: str, shape: tuple[int, ...]
            ) -> Callable[[webnnpy.MLContext], webnnpy.MLGraph]:
        return lambda ctx: ppocr_graph(ctx, name, shape)

    def shape_text(shape: Sequence[int]) -> str:
        return "x".join(map(str, shape))

    bm_missing = _missing_benchmarks()
    det_missing = _missing_ppocr("ppocr-det")
    rec_missing = _missing_ppocr("ppocr-rec")
    page = DET_PAGE_SHAPE[3], DET_PAGE_SHAPE[2]
    line = DET_LINE_SHAPE[3], DET_LINE_SHAPE[2]
    return [
        ModelCase("MobileNetV2 (benchmarks/models.py)", "1x3x224x224",
                  builder("mobilenetv2"), lambda: builder_feeds("mobilenetv2"),
                  bm_missing),
        ModelCase("PP-OCRv6 det (page)", shape_text(DET_PAGE_SHAPE),
                  ocr("ppocr-det", DET_PAGE_SHAPE),
                  lambda: {"x": det_input(text_image(PAGE_TEXT, page,
                                                     font_size=40))},
                  det_missing),
        ModelCase("PP-OCRv6 det (line)", shape_text(DET_LINE_SHAPE),
                  ocr("ppocr-det", DET_LINE_SHAPE),
                  lambda: {"x": det_input(text_image(LINE_TEXT, line))},
                  det_missing),
        ModelCase("PP-OCRv6 rec", shape_text(REC_SHAPE), ocr("ppocr-rec", REC_SHAPE),
                  lambda: {"x": line_input(text_image(LINE_TEXT, (200, 44)))},
                  rec_missing),
        ModelCase("Encoder 6x384, 6 heads, FFN 1536 (benchmarks/models.py)",
                  "1x128x384", builder("encoder"), lambda: builder_feeds("encoder"),
                  bm_missing),
    ]


def onnx_cases(paths: Sequence[str], dims: Mapping[str, Any] | None = None
               ) -> list[ModelCase]:
    """ONNX files as latency cases (inputs fit for each op, seeded)."""
    from crosscheck.ops import make_feeds
    from webnnpy.models.javascript.cli import load_model

    def case(path: str) -> ModelCase:
        def make(ctx: webnnpy.MLContext) -> webnnpy.MLGraph:
            return load_model(path, ctx, dims=dict(dims or {}))

        def feeds() -> dict[str, np.ndarray]:
            return make_feeds(make(webnnpy.ml.create_context(backend="numpy"))._ir)

        return ModelCase(Path(path).name, "", make, feeds)

    return [case(p) for p in paths]


# ------------------------------------------------------------------ timing


@dataclass
class Timing:
    """Milliseconds per run: every timed run, and (Chromium) the build."""

    times_ms: list[float] = field(default_factory=list)
    build_ms: float = math.nan
    outputs: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def median_ms(self) -> float:
        return float(np.median(self.times_ms)) if self.times_ms else math.nan

    @property
    def min_ms(self) -> float:
        return min(self.times_ms) if self.times_ms else math.nan

    @property
    def max_ms(self) -> float:
        return max(self.times_ms) if self.times_ms else math.nan

    def cell(self) -> str:
        """``median (min-max, n=N)``."""
        return (f"{_ms(self.median_ms)} ({_ms(self.min_ms)}-{_ms(self.max_ms)}, "
                f"n={len(self.times_ms)})")


def _ms(v: float) -> str:
    return f"{v:.3g}" if v < 100 else f"{v:.0f}"


# Builds an exported module, warms it up, then times each run (write the
# inputs, dispatch, read the outputs) until the budget is spent.
_TIME_JS = r"""
(async (cfg) => {
  let stage = "import";
  try {
    const mod = await import(cfg.module);
    stage = "createContext";
    const context = await navigator.ml.createContext(cfg.contextOptions);
    stage = "build";
    const t0 = performance.now();
    const session = await mod.createSession(context);
    const buildMs = performance.now() - t0;
    stage = "inputs";
    const values = {};
    for (const [name, file] of Object.entries(cfg.inputs)) {
      const r = await fetch(file);
      values[name] = mod.asTypedArray(await r.arrayBuffer(), mod.inputs[name].dataType);
    }
    stage = "run";
    for (let i = 0; i < cfg.warmup; i++) await session.run(values);
    const times = [];
    let spent = 0;
    while (times.length < cfg.maxRuns &&
           (times.length < cfg.minRuns || spent < cfg.budgetMs)) {
      const s = performance.now();
      await session.run(values);
      const t = performance.now() - s;
      times.push(t);
      spent += t;
    }
    session.destroy();
    if (context.destroy) context.destroy();
    return { buildMs, times };
  } catch (e) {
    return { error: { name: e?.name ?? "Error", message: String(e?.message ?? e),
                      stack: String(e?.stack ?? ""), stage } };
  }
})
"""


def time_chromium(browser: Browser, js_dir: str | os.PathLike[str],
                  feeds: Mapping[str, np.ndarray], *, warmup: int = 2,
                  min_runs: int = 5, max_runs: int = 200, budget_s: float = 5.0,
                  context_options: Mapping[str, Any] | None = None) -> Timing:
    """Time an exported module in the browser: build once, ``warmup`` runs,
    then timed runs (at least ``min_runs``, at most ``max_runs``, until
    ``budget_s`` seconds of runs).  The page's clock is coarse (0.1 ms
    without cross-origin isolation), fine for runs of milliseconds.

    Raises:
        JSError: the browser threw (``stage`` says where).
    """
    io = Path(tempfile.mkdtemp(prefix="webnnpy-timing-"))
    try:
        files = {}
        for i, (name, arr) in enumerate(feeds.items()):
            a = np.asarray(arr)
            if a.dtype.kind in "fiu":
                a = a.astype(a.dtype.newbyteorder("<"), copy=False)
            (io / f"in{i}.bin").write_bytes(np.ascontiguousarray(a).tobytes())
            files[name] = f"in{i}.bin"
        module = browser.serve(js_dir)
        data = browser.serve(io)
        cfg = {"module": module + "model.js",
               "inputs": {n: data + f for n, f in files.items()},
               "contextOptions": dict(context_options or {}), "warmup": warmup,
               "minRuns": min_runs, "maxRuns": max_runs, "budgetMs": budget_s * 1000}
        info = browser.call(_TIME_JS, cfg,
                            timeout=max(browser.timeout, 20 * budget_s + 60))
    finally:
        shutil.rmtree(io, ignore_errors=True)
    if "error" in info:
        err = info["error"]
        raise JSError(err["name"], err["message"], err["stack"], stage=err["stage"])
    return Timing([float(t) for t in info["times"]], float(info["buildMs"]))


def time_webnnpy(graph: webnnpy.MLGraph, context: webnnpy.MLContext,
                 feeds: Mapping[str, np.ndarray], *, warmup: int = 2,
                 min_runs: int = 5, max_runs: int = 200, budget_s: float = 5.0
                 ) -> Timing:
    """Time ``graph`` on ``context`` as :func:`time_chromium` times the
    browser: tensors made once; each run writes the inputs, dispatches and
    reads the outputs.  ``outputs`` holds the last run's."""
    ins = {n: context.create_tensor({"data_type": d.data_type, "shape": list(d.shape),
                                     "writable": True})
           for n, d in graph.inputs.items()}
    outs = {n: context.create_tensor({"data_type": d.data_type,
                                      "shape": list(d.shape), "readable": True})
            for n, d in graph.outputs.items()}
    result: dict[str, np.ndarray] = {}

    def once() -> None:
        for n, t in ins.items():
            context.write_tensor(t, feeds[n])
        context.dispatch(graph, ins, outs)
        for n, t in outs.items():
            result[n] = context.read_tensor(t)

    try:
        for _ in range(warmup):
            once()
        times: list[float] = []
        while len(times) < max_runs and (len(times) < min_runs
                                         or sum(times) < budget_s * 1000):
            s = time.perf_counter()
            once()
            times.append((time.perf_counter() - s) * 1000)
    finally:
        for t in (*ins.values(), *outs.values()):
            t.destroy()
    return Timing(times, outputs=dict(result))


# ------------------------------------------------------------------- table


@dataclass
class LatencyRow:
    """One model's timings: ``cells`` by runtime (a :class:`Timing`, or why it
    failed), and each runtime's max abs difference from the reference."""

    case: ModelCase
    cells: dict[str, Timing | str] = field(default_factory=dict)
    diffs: dict[str, float] = field(default_factory=dict)


CHROMIUM = "Chromium"


def _backends() -> list[str]:
    from webnnpy.backends import available_backends

    avail = available_backends()
    # the reference last: it is the slowest
    return sorted((n for n, ok in avail.items() if ok), key=lambda n: n == "numpy")


def _max_diff(ref: Mapping[str, np.ndarray], got: Mapping[str, np.ndarray]) -> float:
    return max((float(np.max(np.abs(ref[k].astype(np.float64)
                                    - got[k].astype(np.float64))))
                for k in ref if ref[k].size), default=0.0)


def latency_rows(browser: Browser, cases: Sequence[ModelCase], *, workdir: Path,
                 budget_s: float = 5.0, warmup: int = 2, min_runs: int = 5,
                 max_runs: int = 200,
                 progress: Callable[[str], None] | None = None) -> list[LatencyRow]:
    """Time every case in Chromium and on each installed webnnpy backend."""
    say = progress or (lambda s: None)
    backends = _backends()
    rows = []
    for i, case in enumerate(cases):
        row = LatencyRow(case)
        rows.append(row)
        if case.missing:
            continue
        feeds = case.feeds()
        ref_ctx = webnnpy.ml.create_context(backend="numpy")
        ref_graph = case.make(ref_ctx)
        js_dir = workdir / f"model{i}"
        export(ref_graph, js_dir)
        try:
            got = browser.run_module(js_dir, feeds)
            timing = time_chromium(
                browser, js_dir, feeds, warmup=warmup, min_runs=min_runs,
                max_runs=max_runs, budget_s=budget_s)
            timing.outputs = got
            row.cells[CHROMIUM] = timing
        except JSError as e:
            row.cells[CHROMIUM] = f"fails: {e.name} ({e.stage}): {e.message[:80]}"
        say(f"{case.name}: Chromium {_cell(row.cells[CHROMIUM])}")
        for backend in backends:
            ctx = ref_ctx if backend == "numpy" else \
                webnnpy.ml.create_context(backend=backend)
            try:
                g = ref_graph if backend == "numpy" else case.make(ctx)
                row.cells[backend] = time_webnnpy(
                    g, ctx, feeds, warmup=warmup, min_runs=min_runs,
                    max_runs=max_runs, budget_s=budget_s)
            except Exception as e:  # noqa: BLE001 - reported in the table
                row.cells[backend] = f"fails: {type(e).__name__}: {str(e)[:80]}"
            finally:
                if ctx is not ref_ctx:
                    ctx.destroy()
            say(f"{case.name}: webnnpy {backend} {_cell(row.cells[backend])}")
        ref = row.cells.get("numpy")
        if isinstance(ref, Timing):
            for name, cell in row.cells.items():
                if name != "numpy" and isinstance(cell, Timing) and cell.outputs:
                    row.diffs[name] = _max_diff(ref.outputs, cell.outputs)
        ref_ctx.destroy()
    return rows


def _cell(cell: Timing | str | None) -> str:
    if cell is None:
        return "-"
    return cell.cell() if isinstance(cell, Timing) else cell


def _fmt(v: float) -> str:
    return "0" if v == 0 else f"{v:.2g}"


def latency_table(rows: Sequence[LatencyRow]) -> str:
    """The Markdown table of :func:`latency_rows`."""
    backends = _backends()
    title = {"numpy": "webnnpy numpy (reference)"}
    others = [b for b in backends if b != "numpy"]
    header = ["model", "input", "Chromium WebNN", *[title.get(b, f"webnnpy {b}")
                                                    for b in backends],
              "Chromium build",
              "max abs diff from the reference: " + ", ".join([CHROMIUM, *others])]
    lines = ["| " + " | ".join(header) + " |",
             "|---|---|" + "---:|" * (len(header) - 2)]
    missing = []
    for row in rows:
        c = row.case
        if c.missing:
            missing.append(f"- {c.name}: not run ({c.missing})")
            continue
        chrome = row.cells.get(CHROMIUM)
        build = _ms(chrome.build_ms) if isinstance(chrome, Timing) else "-"
        diffs = ", ".join(_fmt(row.diffs[k]) if k in row.diffs else "-"
                          for k in [CHROMIUM, *others])
        cells = [c.name, c.input, _cell(chrome),
                 *[_cell(row.cells.get(b)) for b in backends], build, diffs]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines + (["", *missing] if missing else [])) + "\n"


def latency_section(browser: Browser, *, workdir: Path, budget_s: float = 5.0,
                    cases: Sequence[ModelCase] | None = None,
                    progress: Callable[[str], None] | None = None,
                    command: str = "python -m crosscheck.latency --latency"
                    ) -> str:
    """``## Latency``: how it was measured, and :func:`latency_table`."""
    rows = latency_rows(browser, latency_cases() if cases is None else cases,
                        workdir=workdir, budget_s=budget_s, progress=progress)
    return (
        "## Latency\n\n"
        f"Generated by `{command}` on {time.strftime('%Y-%m-%d')}: "
        f"{browser.version} against webnnpy {webnnpy.__version__}, on this "
        f"machine's CPU ({os.cpu_count()} cores), float32.\n\n"
        "Milliseconds per run: write the inputs, dispatch, read the outputs "
        "(tensors and graph made once), each run timed on its own after 2 "
        "warm-up runs; *median (min-max, n=runs)*, as many runs as fit in "
        f"{budget_s:g} s (at least 5). The same graph (built by webnnpy, "
        "exported with `webnnpy.models.javascript.export` for Chromium), weights "
        "and inputs on every runtime: MobileNetV2 and the encoder of "
        "`benchmarks/models.py` (seeded random weights, standard-normal "
        "input); PP-OCRv6 small (rapidocr 3.10.0) on rendered text (a page of "
        "4 lines, one line). *Chromium build*: `MLGraphBuilder` calls, "
        "`build()` and the tensors, ms. *max abs diff*: over the outputs, "
        "from webnnpy's float64 reference; Chromium (LiteRT/XNNPACK) and ONNX "
        "Runtime compute in float32.\n\n"
        + latency_table(rows))


# -------------------------------------------------------------------- main


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m crosscheck.latency --latency [--table FILE]``."""
    p = argparse.ArgumentParser(prog="python -m crosscheck.latency",
                                description=__doc__.split("\n\n")[0])
    p.add_argument("--latency", action="store_true",
                   help="time the models in Chromium and on webnnpy's backends")
    p.add_argument("--table", help="write the latency section (Markdown) here")
    p.add_argument("--models", help="comma-separated words; only the models whose "
                   "names contain one (case-insensitive)")
    p.add_argument("--budget", type=float, default=5.0,
                   help="seconds of timed runs per model and runtime (default 5)")
    p.add_argument("--onnx", action="append", default=[],
                   help="an ONNX model to add to the table")
    p.add_argument("--dim", action="append", default=[], metavar="NAME=VALUE",
                   help="a free dimension of the --onnx models")
    p.add_argument("--cache-dir", help="the browser's install folder")
    p.add_argument("-q", "--quiet", action="store_true")
    args = p.parse_args(argv)
    if not args.latency:
        p.error("nothing to do: pass --latency")
    say = (lambda s: None) if args.quiet else (lambda s: print(s, flush=True))
    from webnnpy.models.onnx.dims import InvalidDimsError, parse_dims

    try:
        dims = parse_dims(args.dim, flag="--dim")
    except InvalidDimsError as e:
        p.error(str(e))
    cases = latency_cases() + onnx_cases(args.onnx, dims)
    if args.models:
        words = [w.strip().lower() for w in args.models.split(",") if w.strip()]
        cases = [c for c in cases if any(w in c.name.lower() for w in words)]
    command = " ".join(["python -m crosscheck.latency",
                        *[a for a in (argv if argv is not None else sys.argv[1:])
                          if a not in ("-q", "--quiet")]])
    with Browser(args.cache_dir) as browser, \
            tempfile.TemporaryDirectory(prefix="webnnpy-models-") as tmp:
        say(f"browser: {browser.version}")
        text = latency_section(browser, workdir=Path(tmp), budget_s=args.budget,
                               cases=cases, progress=say, command=command)
    if args.table:
        Path(args.table).write_text(text)
        say(f"wrote {args.table}")
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
