"""Cross-implementation checks: webnnpy's backends against Chromium.

Run ``python -m crosscheck --table docs/chromium_agreement.md``
from the repository root (``--backend onnxruntime`` or ``openvino``:
webnnpy's side computed on that backend instead of the NumPy reference,
``docs/chromium_agreement_onnxruntime.md`` and ``..._openvino.md``).
For every operator it builds

- the ``tests/samples`` call (one valid call per op) for each data type and
  rank of the op's principal operand that both webnnpy and Chromium's
  ``opSupportLimits()`` admit, and
- the option variations of :mod:`crosscheck.cases` for each data type
  Chromium admits,

skipping graphs in which any operand falls outside Chromium's limits.  Each
graph is computed by webnnpy's NumPy reference backend (exact: float64, one
rounding) or the ``--backend`` chosen, exported with
:func:`webnnpy.models.javascript.export`, run in Chromium, and the outputs
compared: integers must be equal, floats within ``atol + rtol * |reference|``
(float32: 1e-5 + 1e-4, float16: 1e-3 + 4e-3; the spec sets no precision
requirements), NaN where NaN is.  Cases that Chromium rejects although its
limits admit them count as *rejected*; cases whose graph the chosen backend
rejects at build (outside its ``opSupportLimits()``) count as *skipped*, with
the backend's message.

``--latency`` appends the latency table of :mod:`crosscheck.latency`:
MobileNetV2, PP-OCRv6 det and rec and a transformer encoder, timed in
Chromium (write the inputs, dispatch, read the outputs) and on webnnpy's
backends.
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
from crosscheck.cases import VARIATIONS
from webnnpy._spec import to_py_name
from webnnpy.browser.session import Browser, JSError
from webnnpy.dtypes import PACKED_TYPES, int_bounds
from webnnpy.ir.graph import Graph, Node, Value
from webnnpy.ir.registry import FAMILIES
from webnnpy.models.javascript import export

__all__ = ["Case", "CaseResult", "agreement_table", "compare", "main", "make_cases",
           "make_feeds", "run_cases"]


TOLERANCE = {"float32": (1e-5, 1e-4), "float16": (1e-3, 4e-3)}

#: the backends ``--backend`` chooses from, and their names in the table
BACKEND_NAMES = {"numpy": "NumPy reference", "onnxruntime": "ONNX Runtime",
                 "openvino": "OpenVINO"}

#: (backend, op) -> why the backend's opSupportLimits() leave out what they
#: do (listed with the skipped cases); none today: OpenVINO's int32/uint32
#: quantization, once left out, is lowered in float32 and int32 halves
#: (backends/openvino/lower_ops/quantization.py)
BACKEND_LIMITS: dict[tuple[str, str], str] = {}

#: ops whose rounding error scales with the sum of the terms' magnitudes
ACCUMULATING = frozenset({
    "conv2d", "convTranspose2d", "matmul", "gemm", "reduceSum", "reduceMean",
    "reduceL1", "reduceL2", "reduceSumSquare", "cumulativeSum", "averagePool2d",
    "l2Pool2d"})


@dataclass(frozen=True)
class Case:
    """One graph to compute on both sides."""

    op: str
    variant: str
    data_type: str
    build: Callable[[webnnpy.MLGraphBuilder], Any]
    data: tuple[tuple[str, str], ...] = ()
    #: why the spec allows a difference here ("" if it does not)
    unspecified: str = ""

    @property
    def label(self) -> str:
        return f"{self.op} [{self.data_type}] {self.variant}"


@dataclass
class CaseResult:
    """The outcome of one case: ``status`` is agree, disagree, unspecified (a
    difference the spec allows), rejected (Chromium threw), skipped (outside
    Chromium's limits) or error (webnnpy or the harness failed)."""

    op: str
    variant: str
    data_type: str
    status: str
    max_abs: float = 0.0
    max_ulp: float = 0.0
    detail: str = ""
    examples: list[dict[str, Any]] = field(default_factory=list)
    #: (``--backend`` other than numpy) where the backend's outputs differ
    #: from the NumPy reference's beyond the same tolerance ("" where not)
    vs_reference: str = ""


# ------------------------------------------------------------------ cases


def load_samples(tests_dir: Path) -> dict[str, Any]:
    """``SAMPLES`` of every family module under ``tests_dir/samples``.

    Raises:
        FileNotFoundError: a family's sample module is missing (the cases
            come from the source tree's tests; a partial set would report
            agreement over fewer ops than it says).
    """
    missing = [fam for fam in FAMILIES
               if not (tests_dir / "samples" / f"{fam}.py").is_file()]
    if missing:
        raise FileNotFoundError(
            f"no samples for {', '.join(missing)} under {tests_dir / 'samples'}: "
            "run from webnnpy's source tree or pass --samples TESTS_DIR")
    if str(tests_dir) not in sys.path:
        sys.path.insert(0, str(tests_dir))
    samples: dict[str, Any] = {}
    for fam in FAMILIES:
        samples.update(importlib.import_module(f"samples.{fam}").SAMPLES)
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
            cases.append(Case(v.op, v.name, dt, _bind2(v.fn, dt), v.data,
                              v.unspecified))
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
            for operand in (val if isinstance(val, list) else [val]):
                if operand is None:
                    continue
                why = check(f"{node.op}.{arg}", lims.get(arg),
                            operand.desc.data_type, len(operand.desc.shape))
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
#: a subnormal value of each float type (as multiples of its smallest one)
_SUBNORMAL = {"float32": 3e-40, "float16": 3 * 2.0**-24}
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
        sub = _SUBNORMAL.get(dt, 0.0)
        vals = np.resize(np.array([*_SPECIALS, sub, -sub]), n)
        return rng.permutation(vals).reshape(shape).astype(np_dt)
    if kind == "ties":
        return rng.integers(0, 3, shape).astype(np_dt)
    if kind == "out_of_range":
        vals = np.resize(np.array([math.nan, 1e6, -1e6, 300.5, -300.5, 1e30, -1e30,
                                   math.inf, -math.inf, 127.9, -128.9, 2.0**31,
                                   -(2.0**31) - 1e3, 70000.0, -70000.0]), n)
        with np.errstate(over="ignore"):  # float16: +-Infinity, as intended
            return rng.permutation(vals).reshape(shape).astype(np_dt)
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
    if dt in PACKED_TYPES:  # int4/uint4: every value of the type
        lo, hi = int_bounds(dt)
        return rng.integers(lo, hi, shape, endpoint=True).astype(np_dt)
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


def compare(ref: np.ndarray, got: np.ndarray, data_type: str,
            scale: np.ndarray | None = None
            ) -> tuple[bool, float, float, list[dict[str, Any]]]:
    """(agree, max abs error, max error in ULPs of the reference, up to 5
    differing elements).  ``scale`` (same shape as ``ref``) widens the
    relative tolerance to ``rtol * max(|ref|, |scale|)``: for sums, the sum
    of the terms' magnitudes, which bounds the rounding error of any
    summation order."""
    if ref.shape != got.shape:
        return False, math.inf, math.inf, [{"shape": [list(ref.shape),
                                                      list(got.shape)]}]
    if ref.size == 0:
        return True, 0.0, 0.0, []
    if np.dtype(data_type).kind in "iu" or data_type in PACKED_TYPES:
        if data_type in PACKED_TYPES:  # ml_dtypes int4/uint4: exact in int64
            ref, got = ref.astype(np.int64), got.astype(np.int64)
        r = ref.astype(object).ravel()
        g = got.astype(object).ravel()
        diff = np.array([abs(int(a) - int(b)) for a, b in zip(r, g, strict=True)],
                        dtype=float)
        bad = np.flatnonzero(diff > 0)
        examples: list[dict[str, Any]] = [
            {"index": int(i), "reference": int(r[i]), "chromium": int(g[i])}
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
    mag = np.abs(r)
    if scale is not None:
        mag = np.maximum(mag, np.abs(scale.astype(np.float64).ravel()))
    tol = atol + rtol * np.where(np.isfinite(mag), mag, 0.0)
    bad = (rn != gn) | (diff > tol)
    idx = np.flatnonzero(bad)
    examples = [
        {"index": int(i), "reference": float(r[i]), "chromium": float(g[i])}
        for i in idx[:5]]
    max_abs = float(diff.max()) if diff.size else 0.0
    if (rn != gn).any():
        max_abs = math.inf
    return not len(idx), max_abs, float(ulp.max()), examples


# -------------------------------------------------------------------- run


def with_constants(ir: Graph, names: Iterable[str], feeds: Mapping[str, np.ndarray]
                   ) -> Graph:
    """A copy of ``ir`` in which the inputs ``names`` are constants holding
    ``feeds``' values (for implementations that need constant indices)."""
    repl: dict[int, Value] = {}
    names = set(names)
    for n in names:
        v = ir.inputs[n]
        data = np.asarray(feeds[n]).astype(np.dtype(v.desc.data_type))
        repl[id(v)] = Value(v.desc, constant=data, id=v.id)

    def sub(arg: Any) -> Any:
        if isinstance(arg, list):
            return [repl.get(id(a), a) for a in arg]
        return None if arg is None else repl.get(id(arg), arg)

    nodes = [Node(n.op, {k: sub(a) for k, a in n.operands.items()}, n.attrs,
                  n.outputs, n.label) for n in ir.nodes]
    inputs = {k: v for k, v in ir.inputs.items() if k not in names}
    return Graph(inputs, dict(ir.outputs), nodes)


def _index_inputs(ir: Graph) -> list[str]:
    return [name for name, (_, arg) in _roles(ir).items() if arg == "indices"]


def run_cases(browser: Browser, cases: Iterable[Case], chromium: Mapping[str, Any],
              *, workdir: Path, progress: Callable[[str], None] | None = None,
              backend: str = "numpy") -> list[CaseResult]:
    """Compute each case in webnnpy (on ``backend``'s context) and in Chromium
    and compare.

    The graph Chromium runs, its inputs and the tolerance's scale term (for
    accumulating ops: the sum of the terms' magnitudes) always come from the
    NumPy reference; only the outputs compared come from ``backend``.  A
    graph that ``backend`` rejects at build (TypeError or DOMException, e.g.
    outside its ``opSupportLimits()``) is skipped with its message.
    """
    ctx = webnnpy.ml.create_context(backend="numpy")
    bctx = ctx if backend == "numpy" else webnnpy.ml.create_context(backend=backend)
    results: list[CaseResult] = []
    for i, case in enumerate(cases):
        res = CaseResult(case.op, case.variant, case.data_type, "error")
        results.append(res)
        try:
            graph = _build(ctx, case)
        except (TypeError, webnnpy.DOMException) as e:
            res.status, res.detail = "skipped", f"webnnpy rejects: {e}"
            continue
        why = admitted(graph._ir, chromium)
        if why is not None:
            res.status, res.detail = "skipped", f"outside Chromium's limits: {why}"
            continue
        bgraph = graph
        if bctx is not ctx:
            try:
                bgraph = _build(bctx, case)
            except (TypeError, webnnpy.DOMException) as e:
                res.status = "skipped"
                res.detail = f"{BACKEND_NAMES[backend]} rejects: {e}"
                if progress:
                    progress(f"{case.label}: SKIPPED {res.detail}")
                continue
        feeds = make_feeds(graph._ir, dict(case.data), seed=i)
        try:
            ref = bctx.compute(bgraph, feeds)
        except Exception as e:  # one failing case must not end the run
            if bctx is ctx:
                raise
            res.detail = f"{BACKEND_NAMES[backend]} compute: {type(e).__name__}: {e}"
            if progress:
                progress(f"{case.label}: ERROR {res.detail}")
            continue
        scale = None
        if any(n.op in ACCUMULATING for n in graph._ir.nodes):
            scale = ctx.compute(graph, {k: np.abs(v) if v.dtype.kind == "f" else v
                                        for k, v in feeds.items()})
        if bctx is not ctx:
            res.vs_reference = _vs_reference(ctx.compute(graph, feeds), ref,
                                             graph, scale)
        d = workdir / f"case{i}"
        export(graph, d)
        got: dict[str, np.ndarray] | None
        try:
            got = browser.run_module(d, feeds)
        except JSError as e:
            res.status = "rejected"
            res.detail = f"{e.name} during {e.stage}: {e.message}"
            got = None
            consts = _index_inputs(graph._ir)
            if e.name == "NotSupportedError" and "constant" in e.message and consts:
                # LiteRT takes only constant indices for some ops: ask again
                export(with_constants(graph._ir, consts, feeds), d)
                rest = {k: v for k, v in feeds.items() if k not in consts}
                try:
                    got = browser.run_module(d, rest)
                    res.detail = "ran with constant indices (" + res.detail + ")"
                except JSError as e2:
                    res.detail += f"; with constant indices: {e2.name}: {e2.message}"
            if got is None:
                if progress:
                    progress(f"{case.label}: REJECTED {res.detail}")
                continue
        ok = True
        for name, r in ref.items():
            dt = graph.outputs[name].data_type
            agree, max_abs, max_ulp, ex = compare(
                r, got[name], dt, None if scale is None else scale[name])
            ok &= agree
            res.max_abs = max(res.max_abs, max_abs)
            res.max_ulp = max(res.max_ulp, max_ulp)
            if not agree:
                res.examples.extend({"output": name, **e} for e in ex)
        res.status = "agree" if ok else "unspecified" if case.unspecified \
            else "disagree"
        if not ok and case.unspecified:
            res.detail = case.unspecified
        if progress and not ok:
            progress(f"{case.label}: DISAGREE max abs {res.max_abs:.3g} "
                     f"{res.examples[:2]}")
    if bctx is not ctx:
        bctx.destroy()
    ctx.destroy()
    return results


def _vs_reference(exact: Mapping[str, np.ndarray], got: Mapping[str, np.ndarray],
                  graph: webnnpy.MLGraph,
                  scale: Mapping[str, np.ndarray] | None) -> str:
    """How a backend's outputs ``got`` differ from the NumPy reference's
    ``exact`` (the cross-check's tolerance), or "" where they agree."""
    out = []
    for name, r in exact.items():
        agree, max_abs, _, ex = compare(r, got[name], graph.outputs[name].data_type,
                                        None if scale is None else scale[name])
        if not agree:
            pairs = ", ".join(f"[{e.get('index')}] {e.get('reference')} vs "
                              f"{e.get('chromium')}" for e in ex[:3])
            out.append(f"{name}: max abs {max_abs:.3g} ({pairs})")
    return ("differs from the NumPy reference: " + "; ".join(out)) if out else ""


def _build(ctx: Any, case: Case) -> webnnpy.MLGraph:
    """``case``'s graph, built on ``ctx``."""
    b = webnnpy.MLGraphBuilder(ctx)
    out = case.build(b)
    outs = out if isinstance(out, list) else [out]
    return b.build({f"out{k}": o for k, o in enumerate(outs)})


# ---------------------------------------------------------------- findings


@dataclass(frozen=True)
class Finding:
    """A difference between the two sides, judged by the spec."""

    key: str
    ops: tuple[str, ...]
    title: str
    text: str
    #: "Chromium" / "webnnpy" (the side that deviates from the spec),
    #: "unspecified" (the spec allows both) or "limitation" (Chromium rejects)
    verdict: str
    #: only cases of these data types (all if empty)
    data_types: tuple[str, ...] = ()
    #: for rejections: only those whose message contains one of these
    match: tuple[str, ...] = ()
    #: only the tables of these backends (``--backend``; all if empty)
    backends: tuple[str, ...] = ()

    def covers(self, r: CaseResult) -> bool:
        """Whether this finding explains the (non-agreeing) result ``r``."""
        if r.op not in self.ops or r.status in ("agree", "skipped", "error"):
            return False
        if self.data_types and r.data_type not in self.data_types:
            return False
        if self.key.startswith("R") != (r.status == "rejected"):
            return False
        if r.vs_reference and not self.backends:
            # a backend's own difference: only its own findings explain it
            return False
        return not self.match or any(m in r.detail for m in self.match)


FINDINGS: tuple[Finding, ...] = (
    Finding("F1", ("resample2d",), "nearest-neighbor rounds ties the other way",
            "The spec (resample2d, `mode`) maps output coordinate o to "
            "`c = clamp((o + 0.5) / scale - 0.5, 0, inputSize - 1)` and takes "
            "`ceil(c - 0.5)`: a coordinate exactly between two input elements "
            "takes the *lower* one. Chromium takes the upper one (as TFLite's "
            "half-pixel ResizeNearestNeighbor, `floor((o + 0.5) / scale)`): "
            "downscaling 4 -> 2 picks rows 1, 3 instead of 0, 2, and 4 -> 5 "
            "or 4 -> 6 pick different rows. Integer upscales and every linear "
            "case agree. webnnpy follows the spec's formula exactly.",
            "Chromium"),
    Finding("F2", ("averagePool2d",), "partial windows are averaged over the "
            "full window area",
            "With `outputShapeRounding: \"ceil\"` (or `outputSizes` choosing "
            "the rounded-up size) the last windows reach past the input. "
            "Chromium divides their sum by the whole window area (an input of "
            "ones gives 0.5 and 0.25 there), although for explicit `padding` "
            "it divides by the number of input elements (those cases agree). "
            "The spec averages the *patch* and describes ceil rounding as "
            "giving \"partial window results\": the average of a partial "
            "window is over its elements, as webnnpy computes.",
            "Chromium"),
    Finding("F3", ("l2Pool2d",), "padded windows are scaled up",
            "With `padding`, Chromium returns sqrt(sum of squares x window "
            "area / elements in the window) (an input of ones gives 3 "
            "everywhere for a 3x3 window with padding 1), i.e. an average "
            "pool of squares rescaled by the full area. The spec: \"The L2 "
            "norm is the square root of the sum of the squares of its "
            "elements\": padded positions add nothing (2, sqrt 6, 3 for "
            "that input), as webnnpy computes. Partial windows from ceil "
            "rounding agree.", "Chromium"),
    Finding("F4", ("exp", "log", "sqrt"), "NaN and infinity inputs",
            "Chromium's (XNNPACK's) kernels give exp(NaN) = 0, log(NaN) = "
            "88.78, log(+Infinity) = 88.38 (= log of the largest float32) and "
            "sqrt(+Infinity) = NaN, in float32 and float16. The spec defines "
            "these ops as the exponential, natural logarithm and square root, "
            "whose values there are NaN, NaN, +Infinity and +Infinity (IEEE "
            "754); webnnpy returns those.", "Chromium"),
    Finding("F5", ("ceil", "floor", "sign", "sqrt", "log", "neg", "equal",
                   "notEqual", "lesser", "greater", "lesserOrEqual",
                   "greaterOrEqual"),
            "float32 subnormals are flushed to zero",
            "Chromium treats float32 subnormal inputs (e.g. 3e-40) as zero: "
            "ceil(3e-40) = 0 (not 1), floor(-3e-40) = -0 (not -1), "
            "sign(+-3e-40) = 0 (not +-1), sqrt(-3e-40) = -0 (not NaN), "
            "log(3e-40) = -Infinity (not -92.0), equal(3e-40, 0) = 1, "
            "lesser(-3e-40, 0) = 0; arithmetic flushes too (add(3e-40, 0) = 0, "
            "relu(3e-40) = 0), within the float tolerance. The spec's float32 is "
            "IEEE 754 binary32, subnormals included, and allows no flushing; "
            "webnnpy keeps them. float16 subnormals are not flushed.",
            "Chromium", ("float32",)),
    Finding("F6", ("max", "min"), "NaN operands",
            "webnnpy returns NaN when either operand is NaN (IEEE 754-2019 "
            "maximum/minimum, symmetric). Chromium returns b when a is NaN and "
            "NaN when b is NaN (`a > b ? a : b`), so max(a, b) != max(b, a). "
            "The spec only says \"select the greater values\" and is silent "
            "on NaN: both are allowed, Chromium's is order-dependent.",
            "unspecified"),
    Finding("F7", ("cast",), "float to integer out of range",
            "Both sides saturate out-of-range values (infinities included); "
            "NaN differs: webnnpy gives 0 (as the spec's ConvertToInt does for "
            "MLNumber arguments), Chromium the type's maximum. The spec's cast "
            "table makes out-of-range conversions implementation-defined.",
            "unspecified"),
    Finding("R1", ("reduceL1", "reduceL2", "reduceLogSum", "reduceLogSumExp",
                   "reduceMax", "reduceMean", "reduceMin", "reduceSum",
                   "reduceSumSquare", "concat", "scatterND", "scatterElements",
                   "slice"),
            "opSupportLimits() admits what build() cannot do",
            "Chromium's limits claim ranks up to 8 for the reductions and "
            "concat, uint64 for concat, uint32 for scatterND/scatterElements and "
            "slice, but build() rejects them (UnknownError \"Failed to allocate "
            "tensors\" from LiteRT for rank 7-8, uint64 concat and uint32 "
            "scatters; TypeError for a rank-0 uint32 slice). The spec's "
            "opSupportLimits() reports what the context supports.",
            "limitation", match=("Failed to allocate", "TypeError")),
    Finding("R2", ("pad", "averagePool2d", "l2Pool2d", "maxPool2d",
                   "convTranspose2d", "gatherElements", "scatterElements"),
            "options and operands Chromium does not implement",
            "build() throws NotSupportedError for pad mode \"edge\", pool "
            "`dilations`, convTranspose2d with explicit `padding`, `dilations` "
            "or `groups`, and for gatherElements/scatterElements whose indices "
            "are not constants (those cases ran again with constant indices "
            "and are counted with that result). The spec has no such "
            "restrictions, and its build() fails only with OperationError.",
            "limitation", match=("NotSupportedError",)),
)


def _backend_rejections(results: Sequence[CaseResult], backend: str, name: str
                        ) -> list[str]:
    """The section listing the cases ``backend`` rejects at build, one line
    per message."""
    by_msg: dict[str, list[CaseResult]] = {}
    for r in results:
        if r.status == "skipped" and r.detail.startswith(f"{name} rejects: "):
            by_msg.setdefault(r.detail.removeprefix(f"{name} rejects: "),
                              []).append(r)
    lines = [f"Graphs outside the `{backend}` backend's `opSupportLimits()` "
             "(a context's limits may be narrower than the spec's data types; "
             "build() throws TypeError), skipped and not counted in the totals' "
             "cases:", ""]
    for msg, rs in sorted(by_msg.items()):
        cases = "; ".join(f"{r.op} {r.data_type} {r.variant}" for r in rs[:4])
        more = f"; and {len(rs) - 4} more" if len(rs) > 4 else ""
        why = BACKEND_LIMITS.get((backend, rs[0].op), "")
        lines.append(f"- {msg} ({len(rs)}: {cases}{more}).{' ' + why if why else ''}")
    return lines


def _fmt(x: float) -> str:
    if x == 0:
        return "0"
    if math.isinf(x):
        return "inf"
    return f"{x:.2g}"


_RAN = ("agree", "disagree", "unspecified", "rejected")


def _verdict_summary(ran: Sequence[CaseResult], findings: Sequence[Finding]) -> str:
    dis = [r for r in ran if r.status == "disagree"]
    sides: dict[str, int] = {}
    for r in dis:
        f = next((f for f in findings if f.covers(r)), None)
        side = f.verdict if f is not None else "unexplained"
        sides[side] = sides.get(side, 0) + 1
    if not dis:
        return "No disagreements."
    parts = [f"{n} where {side} deviates from the spec" if side in ("Chromium",
                                                                   "webnnpy")
             else f"{n} {side}" for side, n in sorted(sides.items())]
    return "Disagreements by the spec: " + ", ".join(parts) + "."


def agreement_table(results: Sequence[CaseResult], *, chromium_version: str,
                    findings: Sequence[Finding] = FINDINGS,
                    command: str = "python -m crosscheck "
                                   "--table docs/chromium_agreement.md",
                    backend: str = "numpy", backend_description: str = "") -> str:
    """The agreement table, and the findings that explain its differences,
    as Markdown.  ``backend``: the webnnpy backend that computed the results
    (``backend_description``: its runtime, e.g. "OpenVINO 2026.4.1 (CPU)")."""
    findings = [f for f in findings if not f.backends or backend in f.backends]
    by_op: dict[str, list[CaseResult]] = {}
    for r in results:
        by_op.setdefault(r.op, []).append(r)
    ran = [r for r in results if r.status in _RAN]

    def count(rs: Sequence[CaseResult], status: str) -> int:
        return sum(r.status == status for r in rs)

    name = BACKEND_NAMES.get(backend, backend)
    if backend == "numpy":
        title = "# webnnpy vs Chromium WebNN: agreement table"
        ours = (f"webnnpy {webnnpy.__version__}'s NumPy reference backend (spec "
                f"commit {webnnpy.SPEC_COMMIT[:12]}).")
    else:
        title = (f"# webnnpy's {name} backend (`{backend}`) vs Chromium WebNN: "
                 "agreement table")
        ours = (f"webnnpy {webnnpy.__version__}'s `{backend}` backend "
                f"({backend_description or name}; spec commit "
                f"{webnnpy.SPEC_COMMIT[:12]}). webnnpy's outputs are computed on "
                f"the `{backend}` backend, the tolerance's S term by the NumPy "
                f"reference; cases whose graph the `{backend}` backend rejects "
                "at build (outside its `opSupportLimits()`) are skipped. "
                "`docs/chromium_agreement.md` is the same comparison for the "
                "NumPy reference backend. A difference from Chromium where the "
                f"`{backend}` backend's outputs also differ from the NumPy "
                "reference's (same tolerance) is explained only by a finding "
                "of that backend.")
    rejected_by_us = sum(r.status == "skipped"
                         and r.detail.startswith(f"{name} rejects")
                         for r in results) if backend != "numpy" else 0
    skipped_text = (f"{count(results, 'skipped') - rejected_by_us} more are "
                    "outside Chromium's limits")
    if backend != "numpy":
        skipped_text += (f", {rejected_by_us} rejected by the `{backend}` backend "
                         "at build")
    if backend != "numpy":
        off = [r for r in results if r.vs_reference]
        off_agree = sum(r.status == "agree" for r in off)
        skipped_text += (f"; the `{backend}` backend's outputs differ from the "
                         f"NumPy reference's in {len(off)} of the cases run "
                         f"({off_agree} of them agree with Chromium)")
    errors = count(results, "error")
    if errors:
        skipped_text += f", {errors} failed in webnnpy (errors)"
    lines = [
        title,
        "",
        f"Generated by `{command}` on {time.strftime('%Y-%m-%d')}: "
        f"{chromium_version} (npm `@sparticuz/chromium@153.0.0`, WebNN on "
        f"LiteRT/XNNPACK, CPU) against {ours}",
        "",
        "Cases: every `tests/samples` call for each data type and rank of the "
        "op's principal operand that both sides' `opSupportLimits()` admit, plus "
        "the option variations of `crosscheck/cases.py` (layouts, "
        "strides, rounding, directions, special values, long accumulations...); "
        "graphs with any operand outside Chromium's limits are skipped. Integers "
        "must be equal; floats within `atol + rtol * max(|ref|, S)` (float32: "
        "1e-5, 1e-4; float16: 1e-3, 4e-3; S, for sums, is the sum of the terms' "
        "magnitudes, which bounds any summation order's rounding) and NaN "
        "exactly where the reference has NaN. *unspecified*: the outputs differ "
        "where the spec leaves the result to the implementation. *rejected*: "
        "Chromium threw although its `opSupportLimits()` admits the graph. "
        "*max abs error*: over the op's compared cases.",
        "",
        f"**Totals:** {len(ran)} cases: {count(ran, 'agree')} agree, "
        f"{count(ran, 'disagree')} disagree, {count(ran, 'unspecified')} differ "
        f"where the spec allows it, {count(ran, 'rejected')} rejected by "
        f"Chromium; {skipped_text}. {_verdict_summary(ran, findings)}",
        "",
        "| op | cases | agree | disagree | unspecified | rejected | max abs error "
        "| notes |",
        "|---|---:|---:|---:|---:|---:|---|---|",
    ]
    op_findings: dict[str, list[Finding]] = {}
    for f in findings:
        for op in f.ops:
            op_findings.setdefault(op, []).append(f)
    for op in sorted(by_op, key=str.lower):
        rs = [r for r in by_op[op] if r.status in _RAN]
        if not rs:
            continue
        compared = [r for r in rs if r.status != "rejected"]
        max_abs = max((r.max_abs for r in compared), default=0.0)
        bad = [r for r in rs if r.status != "agree"]
        notes = [f"{f.key}: {f.title}" for f in op_findings.get(op, [])
                 if any(f.covers(r) for r in bad)]
        unexplained = [r for r in bad
                       if not any(f.covers(r) for f in op_findings.get(op, []))]
        if unexplained:
            notes.append("unexplained: " + "; ".join(
                f"{r.data_type} {r.variant}" for r in unexplained[:4]))
        note = "; ".join(notes)
        lines.append(
            f"| {op} | {len(rs)} | {count(rs, 'agree')} | {count(rs, 'disagree')} "
            f"| {count(rs, 'unspecified')} | {count(rs, 'rejected')} | "
            f"{_fmt(max_abs) if compared else '-'} | {note} |")
    if backend != "numpy" and rejected_by_us:
        lines += ["", f"## Rejected by the `{backend}` backend", "",
                  *_backend_rejections(results, backend, name)]
    lines += ["", "## Findings", "",
              "F: the outputs differ; R: Chromium rejects a graph its limits "
              "admit. *Deviates from the spec* names the side that does.", ""]
    verdicts = {"Chromium": "Chromium deviates from the spec",
                "webnnpy": "webnnpy deviates from the spec",
                "outside": "caused outside webnnpy",
                "unspecified": "the spec allows both",
                "limitation": "a Chromium limitation"}
    for f in findings:
        hits = [r for r in ran if f.covers(r)]
        if not hits:
            continue
        cases = "; ".join(sorted({f"{r.op} {r.data_type} {r.variant}"
                                  for r in hits})[:6])
        more = len({(r.op, r.data_type, r.variant) for r in hits}) - 6
        lines += [f"**{f.key}. {', '.join(f.ops)}: {f.title}** "
                  f"({verdicts[f.verdict]}). {f.text}", "",
                  f"Cases ({len(hits)}): {cases}"
                  + (f"; and {more} more." if more > 0 else "."), ""]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- latency


def latency_section(browser: Browser, *, workdir: Path,
                    onnx_models: Sequence[str] = (),
                    dims: dict[str, Any] | None = None,
                    progress: Callable[[str], None] | None = None,
                    command: str = "python -m crosscheck --latency"
                    ) -> str:
    """The latency section of :mod:`crosscheck.latency` (MobileNetV2,
    PP-OCRv6 det and rec, the encoder; and ``onnx_models``): Chromium against
    webnnpy's backends, write + dispatch + read per run."""
    from crosscheck import latency as models

    cases = models.latency_cases() + models.onnx_cases(onnx_models, dims)
    return models.latency_section(browser, workdir=workdir, cases=cases,
                                  progress=progress, command=command)


# ------------------------------------------------------------------- main


def _parse_dims(p: argparse.ArgumentParser, items: Sequence[str]) -> dict[str, Any]:
    """``--dim NAME=VALUE`` items, or a one-line usage error (exit 2)."""
    from webnnpy.models.onnx.dims import InvalidDimsError, parse_dims

    try:
        return dict(parse_dims(items, flag="--dim"))
    except InvalidDimsError as e:
        p.error(str(e))


def _default_tests_dir() -> Path:
    """The repository's ``tests`` folder (this folder's sibling)."""
    return Path(__file__).resolve().parents[1] / "tests"


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m crosscheck``."""
    p = argparse.ArgumentParser(prog="python -m crosscheck",
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
    p.add_argument("--dim", action="append", default=[], metavar="NAME=VALUE",
                   help="a free dimension of the ONNX models")
    p.add_argument("--no-cases", action="store_true",
                   help="skip the per-op cases (with --latency)")
    p.add_argument("--backend", choices=list(BACKEND_NAMES), default="numpy",
                   help="the webnnpy backend whose outputs are compared "
                   "(default: numpy, the reference)")
    p.add_argument("--cache-dir", help="the browser's install folder")
    p.add_argument("-q", "--quiet", action="store_true")
    args = p.parse_args(argv)
    dims = _parse_dims(p, args.dim)  # a bad --dim fails before the browser starts
    try:  # a backend that is not installed fails before the browser starts
        bctx = webnnpy.ml.create_context(backend=args.backend)
    except webnnpy.DOMException as e:
        p.error(str(e))
    backend_description = bctx.backend_description
    bctx.destroy()
    say = (lambda s: None) if args.quiet else (lambda s: print(s, flush=True))
    tests_dir = Path(args.samples) if args.samples else _default_tests_dir()
    if not args.no_cases:
        try:  # a missing sample set fails before the browser starts
            load_samples(tests_dir)
        except FileNotFoundError as e:
            p.error(str(e))
    ops = args.ops.split(",") if args.ops else None
    command = " ".join(["python -m crosscheck",
                        *[a for a in (argv if argv is not None else sys.argv[1:])
                          if a not in ("-q", "--quiet")]])
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
                                progress=say, backend=args.backend)
            say(f"ran in {time.time() - t0:.1f} s")
            table = agreement_table(results, chromium_version=browser.version,
                                    command=command, backend=args.backend,
                                    backend_description=backend_description)
            out.append(table)
            if args.details:
                Path(args.details).write_text(json.dumps(
                    [r.__dict__ for r in results], indent=1, default=str) + "\n")
        if args.latency:
            out.append(latency_section(browser, workdir=Path(tmp),
                                       onnx_models=args.onnx,
                                       dims=dims, progress=say,
                                       command=command))
        text = "\n".join(out)
        if args.table:
            Path(args.table).write_text(text)
            say(f"wrote {args.table}")
        else:
            print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
