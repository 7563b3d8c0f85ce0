"""Cross-implementation checks: webnnpy's reference backend against Chromium.

Run ``python -m webnnpy.browser.crosscheck --table docs/chromium_agreement.md``
from the repository root.  For every operator it builds

- the ``tests/samples`` call (one valid call per op) for each data type and
  rank of the op's principal operand that both webnnpy and Chromium's
  ``opSupportLimits()`` admit, and
- the option variations of :mod:`webnnpy.browser.cases` for each data type
  Chromium admits,

skipping graphs in which any operand falls outside Chromium's limits.  Each
graph is computed by webnnpy's NumPy reference backend (exact: float64, one
rounding), exported with :func:`webnnpy.models.javascript.export`, run in
Chromium, and the outputs compared: integers must be equal, floats within
``atol + rtol * |reference|`` (float32: 1e-5 + 1e-4, float16: 1e-3 + 4e-3;
the spec sets no precision requirements), NaN where NaN is.  Cases that Chromium
rejects although its limits admit them count as *rejected*.

``--latency`` times models in Chromium (write inputs, dispatch, read outputs)
against webnnpy's backends with the same runner.
"""

from __future__ import annotations

import argparse
import importlib
import json
import math
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

import webnnpy
from webnnpy._spec import op_table, to_py_name
from webnnpy.browser.cases import VARIATIONS
from webnnpy.browser.session import Browser, JSError
from webnnpy.ir.graph import Graph, Node
from webnnpy.models.javascript import export

__all__ = ["Case", "CaseResult", "agreement_table", "compare", "main", "make_cases",
           "make_feeds", "run_cases"]

FAMILIES = ("elementwise", "activation", "conv_pool", "matmul_norm", "reduction",
            "shape", "gather_scatter", "misc", "recurrent", "quantization")

TOLERANCE = {"float32": (1e-5, 1e-4), "float16": (1e-3, 4e-3)}


@dataclass(frozen=True)
class Case:
    """One graph to compute on both sides."""

    op: str
    variant: str
    data_type: str
    build: Callable[[webnnpy.MLGraphBuilder], Any]
    data: tuple[tuple[str, str], ...] = ()

    @property
    def label(self) -> str:
        return f"{self.op} [{self.data_type}] {self.variant}"


@dataclass
class CaseResult:
    """The outcome of one case: ``status`` is agree, disagree, rejected
    (Chromium threw), skipped (outside Chromium's limits) or error (webnnpy
    or the harness failed)."""

    op: str
    variant: str
    data_type: str
    status: str
    max_abs: float = 0.0
    max_ulp: float = 0.0
    detail: str = ""
    examples: list[dict[str, Any]] = field(default_factory=list)


# ------------------------------------------------------------------ cases


def load_samples(tests_dir: Path) -> dict[str, Any]:
    """``SAMPLES`` of every family module under ``tests_dir/samples``."""
    if str(tests_dir) not in sys.path:
        sys.path.insert(0, str(tests_dir))
    samples: dict[str, Any] = {}
    for fam in FAMILIES:
        try:
            samples.update(importlib.import_module(f"samples.{fam}").SAMPLES)
        except ModuleNotFoundError:
            pass
    return samples


def make_cases(samples: Mapping[str, Any], ours: Mapping[str, Any],
               chromium: Mapping[str, Any], ops: Sequence[str] | None = None
               ) -> list[Case]:
    """The sample cases (data type x rank of the principal operand, as both
    sides' limits admit) and the option variations, for ``ops`` (all if
    None)."""
    cases: list[Case] = []
    for op, sample in samples.items():
        if ops and op not in ops:
            continue
        key = sample.key
        mine = ours[to_py_name(op)][to_py_name(key)]
        theirs = chromium.get(op, {}).get(key)
        if theirs is None:
            continue
        lo = max(mine["rank_range"]["min"], theirs["rankRange"]["min"])
        hi = min(mine["rank_range"]["max"], theirs["rankRange"]["max"])
        for dt in mine["data_types"]:
            if dt not in theirs["dataTypes"]:
                continue
            for rank in range(lo, hi + 1):
                cases.append(Case(op, f"sample, rank {rank}", dt,
                                  _bind(sample.fn, dt, rank)))
    for v in VARIATIONS:
        if ops and v.op not in ops:
            continue
        for dt in v.data_types:
            cases.append(Case(v.op, v.name, dt, _bind2(v.fn, dt), v.data))
    return cases


def _bind(fn: Callable[..., Any], dt: str, rank: int
          ) -> Callable[[webnnpy.MLGraphBuilder], Any]:
    return lambda b: fn(b, dt, rank)


def _bind2(fn: Callable[..., Any], dt: str
           ) -> Callable[[webnnpy.MLGraphBuilder], Any]:
    return lambda b: fn(b, dt)


def admitted(ir: Graph, chromium: Mapping[str, Any]) -> str | None:
    """Why Chromium's limits do not admit the graph, or None if they do."""
    def check(what: str, lim: Mapping[str, Any] | None, dt: str, rank: int
              ) -> str | None:
        if lim is None:
            return None
        if dt not in lim["dataTypes"]:
            return f"{what}: {dt} not in {lim['dataTypes']}"
        r = lim["rankRange"]
        if not r["min"] <= rank <= r["max"]:
            return f"{what}: rank {rank} not in [{r['min']}, {r['max']}]"
        return None

    for name, v in ir.inputs.items():
        why = check(f"input {name}", chromium.get("input"), v.desc.data_type,
                    len(v.desc.shape))
        if why:
            return why
    for node in ir.nodes:
        lims = chromium.get(node.op)
        if lims is None:
            return f"{node.op} is not in opSupportLimits()"
        for arg, val in node.operands.items():
            for v in (val if isinstance(val, list) else [val]):
                if v is None:
                    continue
                why = check(f"{node.op}.{arg}", lims.get(arg), v.desc.data_type,
                            len(v.desc.shape))
                if why:
                    return why
        out_key = "outputs" if "outputs" in lims else "output"
        for o in node.outputs:
            why = check(f"{node.op}.{out_key}", lims.get(out_key), o.desc.data_type,
                        len(o.desc.shape))
            if why:
                return why
    return None


# ------------------------------------------------------------------- data

_SPECIALS = [math.nan, math.inf, -math.inf, 0.0, -0.0, 0.5, -0.5, 1.5, 2.5, -2.5,
             1.0, -1.0, 3.75, -3.75, 1e-3, 100.0, -100.0]
_POSITIVE = {("log", "input"), ("sqrt", "input"), ("reduceLogSum", "input"),
             ("pow", "a"), ("batchNormalization", "variance")}


def _roles(ir: Graph) -> dict[str, tuple[Node, str]]:
    roles: dict[str, tuple[Node, str]] = {}
    for node in ir.nodes:
        for arg, val in node.operands.items():
            for v in (val if isinstance(val, list) else [val]):
                if v is not None and v.is_input and v.input_name is not None:
                    roles.setdefault(v.input_name, (node, arg))
    return roles


def _indices(node: Node, shape: tuple[int, ...], rng: np.random.Generator,
             negative: bool) -> np.ndarray:
    src = node.operands["input"]
    assert src is not None and not isinstance(src, list)
    in_shape = src.desc.shape
    axis = node.attrs.get("axis", 0)
    if node.op in ("gather", "gatherElements"):
        n = np.full(shape, in_shape[axis])
        vals = rng.integers(0, in_shape[axis], shape)
    elif node.op == "scatterElements":
        n = np.full(shape, in_shape[axis])
        full = list(shape)
        full[axis] = in_shape[axis]
        perm = np.argsort(rng.random(full), axis=axis)
        vals = np.take(perm, np.arange(shape[axis]), axis=axis)
    else:  # gatherND, scatterND: the last axis holds coordinates
        k = shape[-1]
        lead = shape[:-1]
        count = math.prod(lead)
        dims = in_shape[:k]
        total = math.prod(dims)
        unique = node.op == "scatterND" and count <= total
        flat = rng.choice(total, count, replace=not unique)
        vals = np.stack(np.unravel_index(flat, dims), axis=-1).reshape(shape) \
            if k else np.zeros(shape, np.int64)
        n = np.broadcast_to(np.array(dims, np.int64), shape)
    if negative:
        vals = np.where(rng.random(shape) < 0.5, vals - n, vals)
    return np.asarray(vals)


def _data(name: str, desc: Any, role: tuple[Node, str] | None, kind: str | None,
          rng: np.random.Generator) -> np.ndarray:
    dt = desc.data_type
    shape = tuple(desc.shape)
    np_dt = np.dtype(dt)
    op, arg = (role[0].op, role[1]) if role else ("", "")
    if role and arg == "indices":
        return _indices(role[0], shape, rng, kind == "negative").astype(np_dt)
    n = math.prod(shape)
    if kind == "specials":
        vals = np.resize(np.array(_SPECIALS), n)
        return rng.permutation(vals).reshape(shape).astype(np_dt)
    if kind == "ties":
        return rng.integers(0, 3, shape).astype(np_dt)
    if kind == "one":
        return np.ones(shape, np_dt)
    if kind == "quantize_edges":
        vals = np.resize(np.array([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 126.5, 127.5,
                                   -127.5, -128.5, 1000.0, -1000.0]), n)
        return vals.reshape(shape).astype(np_dt)
    if np_dt.kind == "f":
        if op in ("argMin", "argMax"):  # no ties
            return ((rng.permutation(n) - n / 2) / 4).reshape(shape).astype(np_dt)
        if kind != "signed" and (op, arg) in _POSITIVE:
            return rng.uniform(0.1, 2, shape).astype(np_dt)
        if (op, arg) in (("div", "b"), ("reciprocal", "input")):
            return (rng.uniform(0.5, 2, shape) * rng.choice([-1, 1], shape)
                    ).astype(np_dt)
        if arg == "scale" and op in ("quantizeLinear", "dequantizeLinear"):
            return rng.uniform(0.05, 0.5, shape).astype(np_dt)
        if op == "cast":
            out = role[0].attrs["dataType"] if role else "float32"
            if out.startswith("uint"):
                return rng.uniform(0, 4, shape).astype(np_dt)
            return rng.uniform(-4, 4, shape).astype(np_dt)
        return rng.uniform(-2, 2, shape).astype(np_dt)
    # integers
    signed = np_dt.kind == "i"
    if op in ("argMin", "argMax"):
        base = rng.permutation(n) - (n // 2 if signed else 0)
        return base.reshape(shape).astype(np_dt)
    if op.startswith("logical") or arg == "condition":
        return rng.integers(0, 3, shape).astype(np_dt)
    if op == "dequantizeLinear" and arg == "input":
        return rng.integers(-60 if signed else 0, 60 if signed else 120, shape
                            ).astype(np_dt)
    if (op, arg) == ("div", "b"):
        mag = rng.integers(1, 5, shape)
        return (mag * (rng.choice([-1, 1], shape) if signed else 1)).astype(np_dt)
    if (op, arg) == ("pow", "b"):
        return rng.integers(0, 4, shape).astype(np_dt)
    if not signed and op == "sub":
        lo, hi = (4, 9) if arg == "a" else (0, 5)
        return rng.integers(lo, hi, shape).astype(np_dt)
    lo = -4 if signed else 0
    return rng.integers(lo, 5, shape).astype(np_dt)


def make_feeds(ir: Graph, data: Mapping[str, str] | None = None, seed: int = 0
               ) -> dict[str, np.ndarray]:
    """Inputs for a graph, each fit for the op argument it feeds (valid,
    unique-where-needed indices; positive values where the op needs them)."""
    rng = np.random.default_rng(seed)
    roles = _roles(ir)
    data = data or {}
    return {name: _data(name, v.desc, roles.get(name), data.get(name), rng)
            for name, v in ir.inputs.items()}


# ---------------------------------------------------------------- compare


def compare(ref: np.ndarray, got: np.ndarray, data_type: str
            ) -> tuple[bool, float, float, list[dict[str, Any]]]:
    """(agree, max abs error, max error in ULPs of the reference, up to 5
    differing elements)."""
    if ref.shape != got.shape:
        return False, math.inf, math.inf, [{"shape": [list(ref.shape),
                                                      list(got.shape)]}]
    if ref.size == 0:
        return True, 0.0, 0.0, []
    if np.dtype(data_type).kind in "iu":
        r = ref.astype(object).ravel()
        g = got.astype(object).ravel()
        diff = np.array([abs(int(a) - int(b)) for a, b in zip(r, g, strict=True)],
                        dtype=float)
        bad = np.flatnonzero(diff > 0)
        examples = [{"index": int(i), "reference": int(r[i]), "chromium": int(g[i])}
                    for i in bad[:5]]
        m = float(diff.max())
        return not len(bad), m, m, examples
    r = ref.astype(np.float64).ravel()
    g = got.astype(np.float64).ravel()
    atol, rtol = TOLERANCE[data_type]
    rn, gn = np.isnan(r), np.isnan(g)
    with np.errstate(invalid="ignore"):
        same_inf = (r == g)
        diff = np.where(rn | gn | same_inf, 0.0, np.abs(r - g))
    diff = np.where(np.isnan(diff), np.inf, diff)
    with np.errstate(invalid="ignore"):
        spacing = np.spacing(np.abs(ref.ravel())).astype(np.float64)
    spacing = np.where(np.isfinite(spacing) & (spacing > 0), spacing,
                       np.finfo(ref.dtype).smallest_subnormal)
    ulp = diff / spacing
    tol = atol + rtol * np.where(np.isfinite(r), np.abs(r), 0.0)
    bad = (rn != gn) | (diff > tol)
    idx = np.flatnonzero(bad)
    examples = [{"index": int(i), "reference": float(r[i]), "chromium": float(g[i])}
                for i in idx[:5]]
    max_abs = float(diff.max()) if diff.size else 0.0
    if (rn != gn).any():
        max_abs = math.inf
    return not len(idx), max_abs, float(ulp.max()), examples


# -------------------------------------------------------------------- run


def run_cases(browser: Browser, cases: Iterable[Case], chromium: Mapping[str, Any],
              *, workdir: Path, progress: Callable[[str], None] | None = None
              ) -> list[CaseResult]:
    """Compute each case in webnnpy and in Chromium and compare."""
    ctx = webnnpy.ml.create_context(backend="numpy")
    results: list[CaseResult] = []
    for i, case in enumerate(cases):
        res = CaseResult(case.op, case.variant, case.data_type, "error")
        results.append(res)
        try:
            b = webnnpy.MLGraphBuilder(ctx)
            out = case.build(b)
            outs = out if isinstance(out, list) else [out]
            graph = b.build({f"out{k}": o for k, o in enumerate(outs)})
        except (TypeError, webnnpy.DOMException) as e:
            res.status, res.detail = "skipped", f"webnnpy rejects: {e}"
            continue
        why = admitted(graph._ir, chromium)
        if why is not None:
            res.status, res.detail = "skipped", f"outside Chromium's limits: {why}"
            continue
        feeds = make_feeds(graph._ir, dict(case.data), seed=i)
        ref = ctx.compute(graph, feeds)
        d = workdir / f"case{i}"
        export(graph, d)
        try:
            got = browser.run_module(d, feeds)
        except JSError as e:
            res.status = "rejected"
            res.detail = f"{e.name} during {e.stage}: {e.message}"
            if progress:
                progress(f"{case.label}: REJECTED {res.detail}")
            continue
        ok = True
        for name, r in ref.items():
            dt = graph.outputs[name].data_type
            agree, max_abs, max_ulp, ex = compare(r, got[name], dt)
            ok &= agree
            res.max_abs = max(res.max_abs, max_abs)
            res.max_ulp = max(res.max_ulp, max_ulp)
            if not agree:
                res.examples.extend({"output": name, **e} for e in ex)
        res.status = "agree" if ok else "disagree"
        if progress and not ok:
            progress(f"{case.label}: DISAGREE max abs {res.max_abs:.3g} "
                     f"{res.examples[:2]}")
    ctx.destroy()
    return results


# ------------------------------------------------------------------- notes

#: op -> why the two sides differ, by the spec (filled from the findings)
NOTES: dict[str, str] = {}


def _fmt(x: float) -> str:
    if x == 0:
        return "0"
    if math.isinf(x):
        return "inf"
    return f"{x:.2g}"


def agreement_table(results: Sequence[CaseResult], *, chromium_version: str,
                    notes: Mapping[str, str] | None = None) -> str:
    """The agreement table as Markdown."""
    notes = dict(NOTES if notes is None else notes)
    by_op: dict[str, list[CaseResult]] = {}
    for r in results:
        by_op.setdefault(r.op, []).append(r)
    total = [r for r in results if r.status in ("agree", "disagree", "rejected")]
    lines = [
        "# webnnpy vs Chromium WebNN: agreement table",
        "",
        f"Generated by `python -m webnnpy.browser.crosscheck --table "
        f"docs/chromium_agreement.md` on {time.strftime('%Y-%m-%d')} against "
        f"{chromium_version} (the npm package `@sparticuz/chromium@153.0.0`; "
        f"LiteRT/XNNPACK on CPU) and webnnpy {webnnpy.__version__}'s NumPy "
        f"reference backend (webnnpy's spec commit "
        f"{webnnpy.SPEC_COMMIT[:12]}).",
        "",
        "Cases: every `tests/samples` call for each data type and rank of the op's "
        "principal operand that both sides' `opSupportLimits()` admit, plus the "
        "option variations of `webnnpy/browser/cases.py` (layouts, strides, "
        "rounding, directions, special values ...), skipping graphs with any "
        "operand outside Chromium's limits. Integers must be equal; floats must be "
        "within `atol + rtol*|ref|` (float32: 1e-5 + 1e-4, float16: 1e-3 + 4e-3) "
        "and NaN where the reference is NaN. *max error* is the largest absolute "
        "difference over the op's cases (in ULPs of the reference in "
        "parentheses). *rejected*: Chromium threw although its limits admit the "
        "graph.",
        "",
        f"Totals: {len(total)} cases, "
        f"{sum(r.status == 'agree' for r in total)} agree, "
        f"{sum(r.status == 'disagree' for r in total)} disagree, "
        f"{sum(r.status == 'rejected' for r in total)} rejected; "
        f"{sum(r.status == 'skipped' for r in results)} skipped as outside "
        f"Chromium's limits.",
        "",
        "| op | cases | agree | disagree | rejected | max error | notes |",
        "|---|---:|---:|---:|---:|---|---|",
    ]
    for op in sorted(by_op, key=str.lower):
        rs = by_op[op]
        ran = [r for r in rs if r.status in ("agree", "disagree", "rejected")]
        agree = sum(r.status == "agree" for r in ran)
        dis = [r for r in ran if r.status == "disagree"]
        rej = [r for r in ran if r.status == "rejected"]
        compared = [r for r in ran if r.status != "rejected"]
        max_abs = max((r.max_abs for r in compared), default=0.0)
        max_ulp = max((r.max_ulp for r in compared), default=0.0)
        err = f"{_fmt(max_abs)} ({_fmt(max_ulp)} ulp)" if compared else "-"
        note = notes.get(op, "")
        if not note and (dis or rej):
            bits = [f"{r.data_type} {r.variant}" for r in (dis + rej)[:4]]
            note = "differs: " + "; ".join(bits)
        lines.append(f"| {op} | {len(ran)} | {agree} | {len(dis)} | {len(rej)} | "
                     f"{err} | {note} |")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- latency


def _latency_models() -> dict[str, Callable[[webnnpy.MLContext], webnnpy.MLGraph]]:
    rng = np.random.default_rng(0)

    def const(b: webnnpy.MLGraphBuilder, shape: Sequence[int]) -> webnnpy.MLOperand:
        data = (rng.standard_normal(shape) * 0.1).astype(np.float32)
        return b.constant({"data_type": "float32", "shape": list(shape)}, data)

    def cnn(ctx: webnnpy.MLContext) -> webnnpy.MLGraph:
        b = webnnpy.MLGraphBuilder(ctx)
        x = b.input("x", {"data_type": "float32", "shape": [1, 32, 32, 3]})
        for cin, cout in ((3, 16), (16, 32), (32, 64)):
            x = b.conv2d(x, const(b, [cout, 3, 3, cin]), bias=const(b, [cout]),
                         padding=[1, 1, 1, 1], input_layout="nhwc",
                         filter_layout="ohwi")
            x = b.relu(x)
            x = b.max_pool2d(x, window_dimensions=[2, 2], strides=[2, 2],
                             layout="nhwc")
        x = b.reshape(x, [1, 4 * 4 * 64])
        x = b.gemm(x, const(b, [4 * 4 * 64, 10]), c=const(b, [10]))
        return b.build({"y": b.softmax(x, 1)})

    def mlp(ctx: webnnpy.MLContext) -> webnnpy.MLGraph:
        b = webnnpy.MLGraphBuilder(ctx)
        x = b.input("x", {"data_type": "float32", "shape": [8, 256]})
        for _ in range(4):
            x = b.gelu(b.matmul(x, const(b, [256, 256])))
            x = b.layer_normalization(x, axes=[1])
        return b.build({"y": x})

    return {"small CNN 32x32x3 (3 conv+pool, gemm)": cnn,
            "MLP 8x256, 4 layers (matmul, gelu, layerNorm)": mlp}


def _time_webnnpy(graph: webnnpy.MLGraph, ctx: webnnpy.MLContext,
                  feeds: Mapping[str, np.ndarray], iterations: int, warmup: int
                  ) -> float:
    ins = {}
    for n, d in graph.inputs.items():
        t = ctx.create_tensor({"data_type": d.data_type, "shape": list(d.shape),
                               "writable": True})
        ins[n] = t
    outs = {n: ctx.create_tensor({"data_type": d.data_type, "shape": list(d.shape),
                                  "readable": True})
            for n, d in graph.outputs.items()}
    times = []
    for i in range(warmup + iterations):
        s = time.perf_counter()
        for n, t in ins.items():
            ctx.write_tensor(t, feeds[n])
        ctx.dispatch(graph, ins, outs)
        for t in outs.values():
            ctx.read_tensor(t)
        if i >= warmup:
            times.append((time.perf_counter() - s) * 1000)
    return float(np.median(times))


def latency_table(browser: Browser, *, workdir: Path, iterations: int = 30,
                  warmup: int = 5, onnx_models: Sequence[str] = ()) -> str:
    """Median latency (ms) of write + dispatch + read per model and runtime."""
    from webnnpy.backends import available_backends

    backends = [n for n, ok in available_backends().items() if ok]
    models: dict[str, Callable[[webnnpy.MLContext], webnnpy.MLGraph]] = \
        dict(_latency_models())
    for path in onnx_models:
        models[Path(path).name] = _onnx_builder(path)
    header = ["model", "Chromium (LiteRT/XNNPACK)", *[f"webnnpy {b}" for b in
                                                      backends]]
    lines = ["| " + " | ".join(header) + " |",
             "|---|" + "---:|" * (len(header) - 1)]
    for i, (name, make) in enumerate(models.items()):
        ref_ctx = webnnpy.ml.create_context(backend="numpy")
        graph = make(ref_ctx)
        feeds = make_feeds(graph._ir, seed=i)
        d = workdir / f"latency{i}"
        export(graph, d)
        cells = []
        try:
            bench = browser.benchmark(d, feeds, iterations=iterations, warmup=warmup)
            cells.append(f"{bench['median_ms']:.3f}")
        except JSError as e:
            cells.append(f"fails: {e.name}")
        for backend in backends:
            ctx = webnnpy.ml.create_context(backend=backend)
            try:
                g = make(ctx)
                cells.append(f"{_time_webnnpy(g, ctx, feeds, iterations, warmup):.3f}")
            except Exception as e:  # noqa: BLE001 - report per backend
                cells.append(f"fails: {type(e).__name__}")
            finally:
                ctx.destroy()
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _onnx_builder(path: str) -> Callable[[webnnpy.MLContext], webnnpy.MLGraph]:
    def make(ctx: webnnpy.MLContext) -> webnnpy.MLGraph:
        from webnnpy.models.javascript.cli import load_model

        return load_model(path, ctx)
    return make


# ------------------------------------------------------------------- main


def _default_tests_dir() -> Path:
    here = Path.cwd() / "tests"
    if (here / "samples").is_dir():
        return here
    return Path(__file__).resolve().parents[3] / "tests"


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m webnnpy.browser.crosscheck``."""
    p = argparse.ArgumentParser(prog="python -m webnnpy.browser.crosscheck",
                                description=__doc__.split("\n\n")[0])
    p.add_argument("--table", help="write the agreement table (Markdown) here")
    p.add_argument("--details", help="write every case's result (JSON) here")
    p.add_argument("--ops", help="comma-separated ops to check (default: all)")
    p.add_argument("--samples", help="the tests folder holding samples/ "
                   "(default: ./tests)")
    p.add_argument("--latency", action="store_true",
                   help="also time models in Chromium and webnnpy's backends")
    p.add_argument("--onnx", action="append", default=[],
                   help="an ONNX model to include in the latency table")
    p.add_argument("--no-cases", action="store_true",
                   help="skip the per-op cases (with --latency)")
    p.add_argument("--cache-dir", help="the browser's install folder")
    p.add_argument("-q", "--quiet", action="store_true")
    args = p.parse_args(argv)
    say = (lambda s: None) if args.quiet else (lambda s: print(s, flush=True))
    tests_dir = Path(args.samples) if args.samples else _default_tests_dir()
    ops = args.ops.split(",") if args.ops else None
    with Browser(args.cache_dir) as browser, \
            tempfile.TemporaryDirectory(prefix="webnnpy-crosscheck-") as tmp:
        say(f"browser: {browser.version}")
        chromium = browser.op_support_limits()
        out = []
        if not args.no_cases:
            samples = load_samples(tests_dir)
            if not samples:
                print(f"no samples under {tests_dir}/samples", file=sys.stderr)
                return 2
            ours = webnnpy.ml.create_context(backend="numpy").op_support_limits()
            cases = make_cases(samples, ours, chromium, ops)
            say(f"{len(cases)} cases")
            t0 = time.time()
            results = run_cases(browser, cases, chromium, workdir=Path(tmp),
                                progress=say)
            say(f"ran in {time.time() - t0:.1f} s")
            table = agreement_table(results, chromium_version=browser.version)
            out.append(table)
            if args.details:
                Path(args.details).write_text(json.dumps(
                    [r.__dict__ for r in results], indent=1, default=str) + "\n")
        if args.latency:
            out.append("\n## Latency\n\nMedian milliseconds per run (write the "
                       "inputs, dispatch, read the outputs) after warm-up, same "
                       "graph and inputs, on this machine's CPU.\n\n" +
                       latency_table(browser, workdir=Path(tmp),
                                     onnx_models=args.onnx))
        text = "\n".join(out)
        if args.table:
            Path(args.table).write_text(text)
            say(f"wrote {args.table}")
        else:
            print(text)
    return 0



if __name__ == "__main__":
    sys.exit(main())
