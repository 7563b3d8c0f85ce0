"""Shrink a failing graph to a minimal repro: drop ops (a shorter chain, or
the chain cut before the failing op with the reference's values as inputs),
drop options, shrink shapes, and replace values with simpler ones, keeping
each change only while the graph still fails the same way."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

import webnnpy

from .differential import Verdict, check, run_graph
from .graphs import Call, Graph, Leaf, refs_of

__all__ = ["same_failure", "shrink"]


def same_failure(target: Verdict) -> Callable[[Verdict], bool]:
    """Whether a verdict is the failure ``target`` is (status and op; for a
    backend error, its exception type)."""
    def ok(v: Verdict) -> bool:
        if v.status != target.status:
            return False
        if v.status == "error":
            return v.detail.split(":")[0] == target.detail.split(":")[0]
        return v.op == target.op

    return ok


def _prune(g: Graph) -> Graph:
    """Without leaves no call uses."""
    used = {n for c in g.calls for n in refs_of(c)}
    return Graph([lf for lf in g.leaves if lf.name in used], g.calls, g.outputs,
                 g.seed, g.note)


def shrink(graph: Graph, ctx: webnnpy.MLContext, ref: webnnpy.MLContext,
           target: Verdict, *, budget: int = 250) -> Graph:
    """The smallest graph found (within ``budget`` checks) that still fails
    like ``target``."""
    same = same_failure(target)
    calls = [0]

    def fails(g: Graph) -> bool:
        if calls[0] >= budget:
            return False
        calls[0] += 1
        try:
            return same(check(g, ctx, ref))
        except Exception:  # noqa: BLE001 - an invalid candidate is no repro
            return False

    best = _prune(graph.copy())
    # 1. a shorter chain: the first k calls, the k-th the only output
    for k in range(1, len(best.calls)):
        cand = _prune(Graph(best.leaves, best.calls[:k], [best.calls[k - 1].out],
                            best.seed))
        if fails(cand):
            best = cand
            break
    # 2. cut the chain before call j: what calls[j:] use of earlier results
    #    becomes an input holding the reference's value
    if len(best.calls) > 1:
        try:
            every = run_graph(best, ref, [c.out for c in best.calls])
        except Exception:  # noqa: BLE001
            every = {}
        for j in range(len(best.calls) - 1, 0, -1):
            if not every:
                break
            earlier = {c.out for c in best.calls[:j]}
            need = sorted({n for c in best.calls[j:] for n in refs_of(c)} & earlier)
            cand = _prune(Graph([*best.leaves,
                                 *(Leaf(n, every[n], False) for n in need)],
                                best.calls[j:], [o for o in best.outputs
                                                 if o not in earlier]
                                or [best.calls[-1].out], best.seed))
            if fails(cand):
                best = cand
                break
    # 3. drop options one at a time
    for i, c in enumerate(best.calls):
        for key in list(c.kwargs):
            kw = {k: v for k, v in c.kwargs.items() if k != key}
            cand_calls = list(best.calls)
            cand_calls[i] = Call(c.op, c.args, kw, c.out, c.pick)
            cand = _prune(Graph(best.leaves, cand_calls, best.outputs, best.seed))
            if fails(cand):
                best = cand
                c = cand_calls[i]
    # 4. smaller shapes: the first half / first element along each axis
    for li in range(len(best.leaves)):
        changed = True
        while changed:
            changed = False
            lf = best.leaves[li]
            for axis, d in enumerate(lf.value.shape):
                for keep in sorted({1, d // 2} - {0, d}):
                    val = np.take(lf.value, range(keep), axis=axis)
                    leaves = list(best.leaves)
                    leaves[li] = Leaf(lf.name, val, lf.const)
                    cand = Graph(leaves, best.calls, best.outputs, best.seed)
                    if fails(cand):
                        best, changed = cand, True
                        break
                if changed:
                    break
    # 5. simpler values: 0, then 1, element by element
    for li in range(len(best.leaves)):
        lf = best.leaves[li]
        if lf.value.size > 64:
            continue
        flat = lf.value.reshape(-1).copy()
        for k in range(flat.size):
            for simple in (0, 1):
                if flat[k] == simple and not np.signbit(flat[k]):
                    break
                trial = flat.copy()
                trial[k] = simple
                leaves = list(best.leaves)
                leaves[li] = Leaf(lf.name, trial.reshape(lf.value.shape), lf.const)
                cand = Graph(leaves, best.calls, best.outputs, best.seed)
                if fails(cand):
                    best, flat = cand, trial
                    break
    best.note = f"shrunk with {calls[0]} checks"
    return best

