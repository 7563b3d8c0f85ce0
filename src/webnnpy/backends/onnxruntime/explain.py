"""Why a model runs slower through webnnpy than natively: ONNX Runtime's
optimized graph and its profiler, side by side.

ONNX Runtime's speed on real models rests on graph fusions (Conv+activation,
LayerNormalization, Gelu/BiasGelu, attention, MatMul+Add as Gemm, ...).  A
lowering that emits a pattern ONNX Runtime does not recognise loses the fusion
and pays for it on every layer.  :func:`explain` runs ONNX Runtime's graph
optimizer on two models - the original file and webnnpy's lowering of the same
network - and reports, per operator type of the *optimized* graphs, the node
counts and the kernel time per run from ONNX Runtime's profiler.

    >>> from webnnpy.backends.onnxruntime.explain import explain, format_explain
    >>> print(format_explain(explain(native_proto, lowered_proto, feeds, wfeeds)))

Used by ``webnnpy bench MODEL --explain``.  Imported only by the onnxruntime
backend package and that command.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import onnxruntime as ort
from onnx import numpy_helper

__all__ = ["Explained", "OpStats", "explain", "format_explain", "inline_external",
           "optimized_op_counts", "profile_op_times"]


@dataclass
class OpStats:
    """One side's optimized graph: node count and kernel time per op type."""

    counts: Counter[str] = field(default_factory=Counter)
    #: op type -> kernel microseconds per run (profiler, mean over the runs)
    time_us: dict[str, float] = field(default_factory=dict)
    error: str | None = None

    @property
    def total_nodes(self) -> int:
        return sum(self.counts.values())

    @property
    def total_us(self) -> float:
        return sum(self.time_us.values())


@dataclass
class Explained:
    """Both sides of :func:`explain`."""

    native: OpStats
    webnnpy: OpStats
    runs: int


def _op_key(node: onnx.NodeProto) -> str:
    """``Op``, or ``Op [domain]`` outside the ONNX domain (ONNX Runtime's own
    fused and layout ops), with ``com.microsoft`` shortened to ``ms``."""
    if node.domain in ("", "ai.onnx"):
        return node.op_type
    return f"{node.op_type} [{node.domain.replace('com.microsoft', 'ms')}]"


def _bare(key: str) -> str:
    return key.split(" [", 1)[0]


def inline_external(model: onnx.ModelProto,
                    external: list[tuple[str, np.ndarray]]) -> onnx.ModelProto:
    """A copy of a lowered model with its shared (external, in-memory)
    initializers embedded, so that it stands alone (a diagnostic copy)."""
    out = onnx.ModelProto()
    out.CopyFrom(model)
    shared = {name for name, _ in external}
    kept = [t for t in out.graph.initializer if t.name not in shared]
    del out.graph.initializer[:]
    out.graph.initializer.extend(kept)
    out.graph.initializer.extend(numpy_helper.from_array(np.asarray(a), name)
                                 for name, a in external)
    return out


def _options(base: Callable[[], ort.SessionOptions]) -> ort.SessionOptions:
    so = base()
    so.log_severity_level = 3
    return so


def _model_arg(model: onnx.ModelProto | str | os.PathLike[str]) -> Any:
    if isinstance(model, onnx.ModelProto):
        return model.SerializeToString()
    return str(model)


def optimized_op_counts(model: onnx.ModelProto | str | os.PathLike[str],
                        session_options: Callable[[], ort.SessionOptions],
                        providers: list[str]) -> Counter[str]:
    """Node count per op type (``Op [domain]`` outside the ONNX domain) of
    the graph ONNX Runtime runs after its optimizations."""
    with tempfile.TemporaryDirectory(prefix="webnnpy-explain-") as tmp:
        path = Path(tmp) / "optimized.onnx"
        so = _options(session_options)
        so.optimized_model_filepath = str(path)
        ort.InferenceSession(_model_arg(model), so, providers=providers)
        opt = onnx.load(str(path), load_external_data=False)
    return Counter(_op_key(n) for n in opt.graph.node)


def _kernel_times(events: list[dict[str, Any]], runs: int) -> dict[str, float]:
    """Mean kernel microseconds per run by op type from a profile of
    ``runs + 1`` runs, leaving out each node's first (warm-up) run."""
    per_op: dict[str, float] = {}
    seen: set[str] = set()
    for ev in events:
        name = str(ev.get("name", ""))
        if ev.get("cat") != "Node" or not name.endswith("_kernel_time"):
            continue
        if name not in seen:
            seen.add(name)
            continue
        op = str(ev.get("args", {}).get("op_name", "?"))
        per_op[op] = per_op.get(op, 0.0) + float(ev.get("dur", 0))
    return {op: us / runs for op, us in per_op.items()}


def profile_op_times(models: list[tuple[onnx.ModelProto | str | os.PathLike[str],
                                         Mapping[str, np.ndarray]]],
                     session_options: Callable[[], ort.SessionOptions],
                     providers: list[str], runs: int = 10
                     ) -> list[dict[str, float] | str]:
    """Kernel time per op type in microseconds per run, from ONNX Runtime's
    profiler, for each ``(model, feeds)``: the models' runs alternate (so
    that other load on the machine falls on all alike), ``runs + 1`` each,
    the first a warm-up left out.  A model that fails gives its error."""
    sessions: list[Any] = []
    with tempfile.TemporaryDirectory(prefix="webnnpy-explain-") as tmp:
        for i, (model, _) in enumerate(models):
            so = _options(session_options)
            so.enable_profiling = True
            so.profile_file_prefix = str(Path(tmp) / f"profile{i}")
            try:
                sessions.append(ort.InferenceSession(_model_arg(model), so,
                                                     providers=providers))
            except Exception as e:  # noqa: BLE001 - reported per model
                sessions.append(" ".join(f"{type(e).__name__}: {e}".split())[:300])
        for _ in range(runs + 1):
            for i, (sess, (_, feeds)) in enumerate(zip(sessions, models,
                                                       strict=True)):
                if isinstance(sess, str):
                    continue
                try:
                    sess.run(None, dict(feeds))
                except Exception as e:  # noqa: BLE001 - reported per model
                    sess.end_profiling()
                    sessions[i] = " ".join(f"{type(e).__name__}: {e}".split()
                                           )[:300]
        return [sess if isinstance(sess, str) else
                _kernel_times(json.loads(Path(sess.end_profiling()).read_text()),
                              runs)
                for sess in sessions]


def explain(native: onnx.ModelProto | str | os.PathLike[str],
            lowered: onnx.ModelProto, native_feeds: Mapping[str, np.ndarray],
            lowered_feeds: Mapping[str, np.ndarray], *,
            session_options: Callable[[], ort.SessionOptions] | None = None,
            providers: list[str] | None = None, runs: int = 10) -> Explained:
    """Optimize and profile the original model and webnnpy's lowering of it
    (standing alone: see :func:`inline_external`) with the same session
    options; each side's feeds use its own input names."""
    if session_options is None:
        def session_options() -> ort.SessionOptions:
            so = ort.SessionOptions()
            so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
            return so
    providers = providers or ["CPUExecutionProvider"]
    sides = [OpStats(), OpStats()]
    pairs = [(native, native_feeds), (lowered, lowered_feeds)]
    for st, (model, _) in zip(sides, pairs, strict=True):
        try:
            st.counts = optimized_op_counts(model, session_options, providers)
        except Exception as e:  # noqa: BLE001 - a diagnostic reports, not raises
            st.error = " ".join(f"{type(e).__name__}: {e}".split())[:300]
    times = profile_op_times(pairs, session_options, providers, runs)
    for st, t in zip(sides, times, strict=True):
        if isinstance(t, str):
            st.error = st.error or t
        else:
            st.time_us = t
    return Explained(sides[0], sides[1], runs)


def format_explain(e: Explained) -> str:
    """A markdown table: per op type of the optimized graphs, the node counts
    and the kernel time per run on each side, the op types that differ most
    in time first."""
    lines = ["ONNX Runtime's optimized graphs, native file vs webnnpy's lowering "
             f"(kernel time per run, profiler, mean of {e.runs} runs):", ""]
    for side, st in (("native", e.native), ("webnnpy", e.webnnpy)):
        if st.error:
            lines.append(f"{side}: failed: {st.error}")
    # the profiler names kernels by bare op type: one row per bare type, its
    # node count split by domain where ONNX Runtime's own ops appear
    ops = {_bare(k) for k in (*e.native.counts, *e.webnnpy.counts)} \
        | set(e.native.time_us) | set(e.webnnpy.time_us)

    def gap(op: str) -> float:
        return abs(e.webnnpy.time_us.get(op, 0.0) - e.native.time_us.get(op, 0.0))

    def count(st: OpStats, op: str) -> str:
        parts = {k: n for k, n in st.counts.items() if _bare(k) == op}
        total = sum(parts.values())
        if len(parts) <= 1 and op in parts:
            return str(total)
        return f"{total} (" + ", ".join(
            f"{k[len(op):].strip(' []') or 'onnx'} {n}"
            for k, n in sorted(parts.items())) + ")" if parts else "0"

    lines += ["| op type | native nodes | webnnpy nodes | native µs/run | "
              "webnnpy µs/run | webnnpy - native µs |",
              "|---|---|---|---|---|---|"]
    for op in sorted(ops, key=lambda o: (-gap(o), o)):
        n, w = e.native.time_us.get(op), e.webnnpy.time_us.get(op)
        d = (w or 0.0) - (n or 0.0)
        lines.append(f"| {op} | {count(e.native, op)} | {count(e.webnnpy, op)} | "
                     f"{'' if n is None else f'{n:.0f}'} | "
                     f"{'' if w is None else f'{w:.0f}'} | {d:+.0f} |")
    lines.append(f"| **total** | {e.native.total_nodes} | {e.webnnpy.total_nodes} "
                 f"| {e.native.total_us:.0f} | {e.webnnpy.total_us:.0f} | "
                 f"{e.webnnpy.total_us - e.native.total_us:+.0f} |")
    return "\n".join(lines)
