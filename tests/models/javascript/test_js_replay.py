"""Every exported module builds the graph it was exported from.

Each ``tests/samples`` op (every data type it admits) and each option
variation of ``crosscheck.cases`` is exported; node runs the modules'
``buildGraph()`` against a recording ``MLGraphBuilder``; replaying the
recorded calls on a webnnpy builder must give the same operators with the
same resolved arguments, and the same outputs.  Needs node (skipped without).
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from crosscheck.cases import VARIATIONS
from crosscheck.ops import make_feeds
from js_replay import NODE, record, replay

import webnnpy
from webnnpy._spec import to_py_name
from webnnpy.ir.registry import FAMILIES
from webnnpy.models.javascript import export

pytestmark = pytest.mark.skipif(
    NODE is None, reason="node is not installed: replaying exported modules "
    "runs them under node")



def _cases(ctx: webnnpy.MLContext) -> list[tuple[str, Any]]:
    samples: dict[str, Any] = {}
    for fam in FAMILIES:
        samples.update(importlib.import_module(f"samples.{fam}").SAMPLES)
    limits = ctx.op_support_limits()
    cases = []
    for op, s in sorted(samples.items()):
        lim = limits[to_py_name(op)][to_py_name(s.key)]
        lo, hi = lim["rank_range"]["min"], lim["rank_range"]["max"]
        rank = max(lo, min(hi, 3))
        for dt in lim["data_types"]:
            cases.append((f"{op} {dt} rank {rank}",
                          lambda b, fn=s.fn, dt=dt, rank=rank: fn(b, dt, rank)))
    for v in VARIATIONS:
        for dt in v.data_types:
            cases.append((f"{v.op} {dt} {v.name}",
                          lambda b, fn=v.fn, dt=dt: fn(b, dt)))
    return cases


def _signature(graph: webnnpy.MLGraph) -> list[tuple[Any, ...]]:
    return [(n.op, n.attrs, n.label, sorted(k for k, v in n.operands.items()
                                             if v is not None))
            for n in graph._ir.nodes]


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    return a.dtype == b.dtype and a.shape == b.shape and np.array_equal(
        a, b, equal_nan=a.dtype.kind == "f")


def test_exported_modules_rebuild_the_same_graph(tmp_path: Path) -> None:
    ctx = webnnpy.ml.create_context(backend="numpy")
    graphs: dict[str, tuple[str, webnnpy.MLGraph]] = {}
    for i, (name, fn) in enumerate(_cases(ctx)):
        b = webnnpy.MLGraphBuilder(ctx)
        try:
            out = fn(b)
        except TypeError:
            continue  # a variation for a data type webnnpy does not admit
        outs = out if isinstance(out, list) else [out]
        g = b.build({f"out{k}": o for k, o in enumerate(outs)})
        d = tmp_path / f"c{i}"
        export(g, d)
        graphs[str(d)] = (name, g)
    assert len(graphs) > 500
    recorded = record([Path(d) for d in graphs])
    failures = []
    for d, (name, g) in graphs.items():
        rec = recorded.get(d)
        if rec is None or "error" in rec:
            failures.append(f"{name}: node failed: {rec and rec['error'][:300]}")
            continue
        try:
            g2 = replay(rec["calls"], ctx)
        except (TypeError, KeyError, AssertionError) as e:
            failures.append(f"{name}: replay failed: {e}")
            continue
        if _signature(g2) != _signature(g):
            failures.append(f"{name}: graphs differ:\n  {_signature(g)}\n  "
                            f"{_signature(g2)}")
            continue
        feeds = make_feeds(g._ir, seed=1)
        r1, r2 = ctx.compute(g, feeds), ctx.compute(g2, feeds)
        bad = [k for k in r1 if not _same(r1[k], r2[k])]
        if bad:
            failures.append(f"{name}: outputs {bad} differ")
    assert not failures, "\n".join(failures[:20])
