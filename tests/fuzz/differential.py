"""Run a graph on a backend and on the reference, and judge the difference.

The bound is the tolerance manifest's (``tests/tolerances.py``): per op and
data type the backend's entry (at least 1 ULP: one rounding of the output
type, which a backend computing float16 in float32 may round differently),
WPT's absolute tolerance where WPT checks the op that way, and in float32 the
flush allowance; summed over the ops of the graph as ``policy()`` sums them.
Special values are exact: NaN where the reference has NaN, the same infinity.

A graph outside the bound is localized: the backend runs it again with every
intermediate as an output, and each op is checked alone, against the
reference run on the backend's own operand values.  The first op outside its
own bound is the disagreement (unless a documented difference,
``documented.py``, covers it).  If every op is within its bound the chain
only amplified allowed rounding differences (counted, not reported), unless
the backend's results depend on which values are outputs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

import webnnpy
from tolerances import FLUSH_ATOL, TOLERANCES, WPT_ATOL

from .documented import F16_CHAIN, ZERO_SIGN, known, match
from .graphs import Call, Graph, Leaf, build, refs_of

__all__ = ["Verdict", "check", "compare", "op_tolerance", "run_graph"]

#: ops whose float results are sums of many terms (float32 accumulation on a
#: native backend): allowed ``terms * eps * scale`` more, scale the largest
#: product of operand magnitudes (tolerances.py: "float32 accumulation")
#: (normalizations and softmax are not here: their results are normalized,
#: and the manifest bounds them; their float32 overflow is documented)
_ACC = frozenset({"reduceSum", "reduceMean", "reduceL1", "reduceL2",
                  "reduceSumSquare", "reduceLogSum", "reduceLogSumExp",
                  "cumulativeSum", "matmul", "gemm", "conv2d", "convTranspose2d",
                  "averagePool2d", "l2Pool2d", "gru", "gruCell", "lstm",
                  "lstmCell", "resample2d"})
_SQUARES = frozenset({"reduceL2", "reduceSumSquare", "l2Pool2d"})


#: compare the sign of zero results too (``--signed-zeros``; off by default:
#: a zero that rounding made (an underflow, a cancellation) carries no sign
#: the spec defines).  Where the sign is a documented choice
#: (``documented.ZERO_SIGN``) the op's own check leaves it out.
SIGNED_ZEROS = False


def op_tolerance(backend: str, op: str, dtype: str) -> tuple[int, float]:
    """(max ULP, atol) allowed for one op's ``dtype`` result on ``backend``."""
    if backend == "numpy":
        return 0, 0.0
    ulp, atol = TOLERANCES.get(backend, {}).get((op, dtype), (0, 0.0))
    ulp = max(ulp, 1)
    col = 0 if dtype == "float32" else 1
    if op in WPT_ATOL:
        atol = max(atol, WPT_ATOL[op][col])
    if dtype == "float32":
        atol = max(atol, FLUSH_ATOL)
    return ulp, atol


def _acc_allowance(op: str, dtype: str, inputs: list[np.ndarray]) -> float:
    if op not in _ACC or dtype not in ("float32", "float16"):
        return 0.0
    eps = float(np.finfo(dtype).eps)
    terms = max((a.size for a in inputs), default=1)
    maxima = []
    for a in inputs:
        if a.dtype.kind == "f" and a.size:
            fin = np.abs(a[np.isfinite(a)].astype(np.float64))
            maxima.append(float(fin.max()) if fin.size else 0.0)
    maxima.sort(reverse=True)
    # the terms are products of two operands at most (x * w, h * r)
    scale = maxima[0] * (maxima[1] if len(maxima) > 1 else 1.0) if maxima else 0.0
    if op in _SQUARES:
        scale = maxima[0] ** 2 if maxima else 0.0
    return 4 * terms * eps * scale


def _log_of_sum_within(act: np.ndarray, exp: np.ndarray,
                       inputs: list[np.ndarray]) -> bool:
    """reduceLogSum: the sums (exp of the results) within the accumulation
    allowance (a sum that cancels to near 0 makes any float32 rounding a
    large error of its log, or NaN where the rounded sum is negative)."""
    if act.dtype.kind != "f" or act.shape != exp.shape or _non_finite_inputs(inputs):
        return False
    a, e = act.astype(np.float64), exp.astype(np.float64)
    allow = _acc_allowance("reduceSum", str(act.dtype), inputs)
    with np.errstate(over="ignore", invalid="ignore"):
        sa, se = np.exp(a), np.exp(e)  # log's NaN: a negative sum
        ok = np.where(np.isnan(a) | np.isnan(e), np.abs(np.nan_to_num(se, nan=0.0))
                      <= allow, np.abs(sa - se) <= allow)
    return bool(ok.all())


def _softmax_within(act: np.ndarray, exp: np.ndarray, x: np.ndarray, axis: int,
                    ulp: int) -> bool:
    """softmax: each element within ``ulp + |x - max|`` ULP.  The spec's
    decomposition, ``exp(x - reduceMax(x)) / reduceSum(...)`` in the operand
    type, rounds ``d = x - max`` (error up to ``|d| * 2**-24`` relative in
    float32), which ``exp`` turns into a relative error of its result of
    that size: at most ``|d|`` ULP (the reference computes ``d`` exactly)."""
    if act.dtype != np.float32 or act.shape != exp.shape or x.shape != exp.shape \
            or not bool(np.isfinite(x).all()):
        return False
    x64 = x.astype(np.float64)
    d = np.abs(x64 - x64.max(axis=axis, keepdims=True))
    a, e = act.astype(np.float64), exp.astype(np.float64)
    bound = (ulp + np.ceil(d)) * np.spacing(np.abs(exp)).astype(np.float64)
    return bool((np.abs(a - e) <= np.maximum(bound, FLUSH_ATOL)).all())


def _normalization_within(op: str, act: np.ndarray, exp: np.ndarray, x: np.ndarray,
                          kwargs: dict[str, Any], scale: np.ndarray | None,
                          ulp: int, atol: float) -> bool:
    """layerNormalization / instanceNormalization: each element within the
    bound plus ``4 * n * eps * max|x| * max|scale| / sqrt(variance +
    epsilon)`` over its group of ``n``.  The spec's decomposition rounds the
    mean in float32 (an error up to about ``n * eps * max|x|``), and
    ``x - mean`` carries that error whole into a result divided by the
    standard deviation: 87 ULP for [0.8976, 0.8881], where the mean is
    large against the spread."""
    if act.dtype.kind != "f" or act.shape != exp.shape or x.shape != exp.shape \
            or not bool(np.isfinite(x).all()) or x.ndim == 0:
        return False
    if op == "layerNormalization":
        axes = tuple(kwargs.get("axes", range(1, x.ndim)))
    else:
        axes = (1, 2) if kwargs.get("layout") == "nhwc" else (2, 3)
    if not axes:
        return False
    x64 = x.astype(np.float64)
    n = int(np.prod([x.shape[a] for a in axes]))
    big = np.abs(x64).max(axis=axes, keepdims=True)
    var = x64.var(axis=axes, keepdims=True)
    s = 1.0
    if scale is not None and scale.size:
        s = float(np.abs(scale.astype(np.float64)).max())
    eps = float(np.finfo(np.float32).eps)
    with np.errstate(all="ignore"):
        allow = 4 * n * eps * big * s / np.sqrt(var + float(kwargs.get("epsilon",
                                                                       1e-5)))
        a, e = act.astype(np.float64), exp.astype(np.float64)
        bound = ulp * np.spacing(np.abs(exp)).astype(np.float64) + atol + allow
        ok = np.abs(a - e) <= bound
    both_nan = np.isnan(a) & np.isnan(e)
    return bool((ok | both_nan).all())


def _non_finite_inputs(inputs: list[np.ndarray]) -> bool:
    return any(x.dtype.kind == "f" and not bool(np.isfinite(x).all())
               for x in inputs)


def _ulp_distance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    bits = {2: np.int16, 4: np.int32, 8: np.int64}[a.dtype.itemsize]
    sign = 1 << (8 * a.dtype.itemsize - 1)

    def ordered(x: np.ndarray) -> np.ndarray:
        i = np.ascontiguousarray(x).view(bits).astype(np.int64)
        return np.where(i < 0, -(i + sign), i)

    return np.abs(ordered(a) - ordered(b))


def compare(actual: np.ndarray, expected: np.ndarray, ulp: int, atol: float,
            *, signed_zeros: bool | None = None) -> str | None:
    """None when ``actual`` matches ``expected`` within the bound, else why
    (zero signs compared when ``signed_zeros``, default ``SIGNED_ZEROS``)."""
    if signed_zeros is None:
        signed_zeros = SIGNED_ZEROS
    if actual.dtype != expected.dtype or actual.shape != expected.shape:
        return (f"descriptor {actual.dtype}{list(actual.shape)} != "
                f"{expected.dtype}{list(expected.shape)}")
    if actual.dtype.kind != "f":
        if np.array_equal(actual, expected):
            return None
        i = int(np.argmax((actual != expected).reshape(-1)))
        return (f"integer result differs at flat index {i}: "
                f"{actual.reshape(-1)[i]!r} vs reference {expected.reshape(-1)[i]!r}")
    a, e = actual.reshape(-1), expected.reshape(-1)
    nan_a, nan_e = np.isnan(a), np.isnan(e)
    bad = nan_a != nan_e
    fin = ~nan_a & ~nan_e
    inf = fin & (np.isinf(a) | np.isinf(e))
    # an overflow in rounding: inf and the largest finite value of the same
    # sign are adjacent, one ULP apart (a float32 sum rounded to float16 may
    # round to inf where the exact value rounds to 65504); anything farther
    # from an infinity is wrong whatever the bound
    top = float(np.finfo(a.dtype).max)
    ovf = (ulp >= 1) & inf & (np.signbit(a) == np.signbit(e)) & (
        (np.isinf(a) & (np.abs(e) == top)) | (np.isinf(e) & (np.abs(a) == top)))
    bad |= inf & (a != e) & ~ovf
    both = fin & ~inf
    if signed_zeros:  # zeros keep their sign (accuracy policy 4)
        bad |= both & (a == 0) & (e == 0) & (np.signbit(a) != np.signbit(e))
    with np.errstate(invalid="ignore", over="ignore"):
        d = _ulp_distance(a[both], e[both])
        diff = np.abs(a[both].astype(np.float64) - e[both].astype(np.float64))
    close = (d <= ulp) | (diff <= atol)
    bad[np.flatnonzero(both)[~close]] = True
    if not bad.any():
        return None
    i = int(np.argmax(bad))
    extra = ""
    if both[i]:
        j = int(np.flatnonzero(both).tolist().index(i))
        extra = f", {int(d[j])} ULP"
    return (f"{int(bad.sum())} of {a.size} elements beyond {ulp} ULP / atol "
            f"{atol:g}: first at flat index {i}: {a[i]!r} vs reference "
            f"{e[i]!r}{extra}")


def run_graph(graph: Graph, context: webnnpy.MLContext,
              outputs: list[str] | None = None) -> dict[str, np.ndarray]:
    """Build and compute ``graph`` (with ``outputs`` instead of its own)."""
    g = graph if outputs is None else Graph(graph.leaves, graph.calls, outputs,
                                            graph.seed)
    mlgraph, feeds = build(g, context)
    return context.compute(mlgraph, feeds)


@dataclass
class Verdict:
    """The outcome of one graph on one backend."""

    #: "ok", "amplified", "documented", "known" (a recorded defect),
    #: "disagreement", "error" (the backend failed where the reference ran)
    status: str
    backend: str
    op: str | None = None
    detail: str = ""
    documented: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def signature(self) -> tuple[str, str | None]:
        return self.status, self.op


def _chain_tolerance(graph: Graph, backend: str, dtype: str) -> tuple[int, float]:
    ulp, atol = 0, 0.0
    for c in graph.calls:
        cdt = graph.descs.get(c.out, (dtype,))[0]
        u, a = op_tolerance(backend, c.op, cdt if cdt in ("float32", "float16")
                            else dtype)
        ulp += u
        atol += a
    return ulp, atol


def _single(graph: Graph, i: int, values: dict[str, np.ndarray]) -> Graph:
    """Call ``i`` alone, its operands that earlier calls made as inputs
    holding ``values``."""
    call = graph.calls[i]
    names = set(refs_of(call))
    leaves = [lf for lf in graph.leaves if lf.name in names]
    earlier = {c.out for c in graph.calls[:i]}
    leaves += [Leaf(n, values[n], False) for n in sorted(names & earlier)]
    return Graph(leaves, [Call(call.op, call.args, call.kwargs, call.out,
                               call.pick)], [call.out], graph.seed)


def _f16_intermediates(graph: Graph) -> bool:
    """Whether a float16 result of one op feeds another (output or not:
    ONNX Runtime rounds the output copy, not what the next op reads)."""
    used = {n for c in graph.calls for n in refs_of(c)}
    return any(graph.descs.get(c.out, ("",))[0] == "float16" and c.out in used
               for c in graph.calls[:-1])


def _alone_agrees(single: Graph, ctx: webnnpy.MLContext, exp: np.ndarray,
                  ulp: int, atol: float) -> bool:
    try:
        got = run_graph(single, ctx)[single.outputs[0]]
    except Exception:  # noqa: BLE001 - then it is not right alone
        return False
    return compare(got, exp, ulp, atol) is None


def check(graph: Graph, ctx: webnnpy.MLContext, ref: webnnpy.MLContext,
          *, localize: bool = True,
          want: dict[str, np.ndarray] | None = None) -> Verdict:
    """Judge ``graph`` on ``ctx`` against the reference context ``ref``
    (``want``: the reference's results, when already computed)."""
    backend = ctx.backend
    if want is None:
        want = run_graph(graph, ref)
    try:
        got = run_graph(graph, ctx)
    except TypeError:
        raise
    except Exception as e:  # noqa: BLE001 - the reference ran it: so must all
        detail = f"{type(e).__name__}: {str(e)[:300]}"
        k = known(backend, None, "", [], error=str(e))
        if k is not None:
            return Verdict("known", backend, None, detail, k.regression)
        return Verdict("error", backend, None, detail)
    problems = []
    for name in graph.outputs:
        dt = graph.descs[name][0]
        ulp, atol = _chain_tolerance(graph, backend, dt)
        # accumulation allowance of the last op (earlier ones: localization)
        why = compare(got[name], want[name], ulp, atol)
        if why:
            problems.append((name, why))
    if not problems:
        return Verdict("ok", backend)
    if not localize:
        return Verdict("disagreement", backend, graph.calls[-1].op, problems[0][1])
    names = [c.out for c in graph.calls]
    every_be = run_graph(graph, ctx, names)
    leaf_vals = {lf.name: lf.value for lf in graph.leaves}
    for i, call in enumerate(graph.calls):
        single = _single(graph, i, every_be)
        exp = run_graph(single, ref)[call.out]
        act = every_be[call.out]
        inputs = [leaf_vals.get(n, every_be.get(n)) for n in refs_of(call)]
        ulp, atol = op_tolerance(backend, call.op, str(act.dtype))
        atol += _acc_allowance(call.op, str(act.dtype), inputs)
        why = compare(act, exp, ulp, atol, signed_zeros=SIGNED_ZEROS and not any(
            backend in z.backends and z.applies(call.op, call.kwargs)
            for z in ZERO_SIGN))
        if why is not None and call.op == "reduceLogSum" \
                and _log_of_sum_within(act, exp, inputs):
            why = None
        if why is not None and call.op == "softmax" and inputs \
                and _softmax_within(act, exp, inputs[0], int(call.args[1]), ulp):
            why = None
        if why is not None and call.op in ("layerNormalization",
                                           "instanceNormalization") and inputs:
            sc = call.kwargs.get("scale")
            scale = dict(zip(refs_of(call), inputs, strict=True)).get(
                sc.name) if sc is not None else None
            if _normalization_within(call.op, act, exp, inputs[0], call.kwargs,
                                     scale, ulp, atol):
                why = None
        if why is None:
            continue
        doc = match(backend, call.op, str(act.dtype), inputs)
        if doc is not None:
            return Verdict("documented", backend, call.op, why, doc.name)
        k = known(backend, call.op, str(act.dtype), inputs)
        if k is not None:
            return Verdict("known", backend, call.op, why, k.regression)
        if i and _alone_agrees(single, ctx, exp, ulp, atol):
            # the op alone, fed the values as outputs showed them, is right:
            # in the chain it consumed something else
            if _f16_intermediates(graph):
                return Verdict("documented", backend, call.op, why, F16_CHAIN.name)
            k = known(backend, "chain:" + ",".join(graph.ops()), "", [])
            if k is not None:
                return Verdict("known", backend, call.op, why, k.regression)
            return Verdict("disagreement", backend, call.op,
                           f"op {i} ({call.op}) is right alone but not in the "
                           f"chain (which values are outputs matters): {why}",
                           extra={"index": i})
        return Verdict("disagreement", backend, call.op, f"op {i} ({call.op}): {why}",
                       extra={"index": i})
    # every op within its own bound: the same backend with other outputs?
    for name, _ in problems:
        if name not in every_be:
            continue
        dt = graph.descs[name][0]
        ulp, atol = _chain_tolerance(graph, backend, dt)
        why = compare(got[name], every_be[name], ulp, atol)
        if why:
            if _f16_intermediates(graph):
                return Verdict("documented", backend, graph.calls[-1].op, why,
                               F16_CHAIN.name)
            k = known(backend, "chain:" + ",".join(graph.ops()), "", [])
            if k is not None:
                return Verdict("known", backend, graph.calls[-1].op, why,
                               k.regression)
            return Verdict("disagreement", backend, graph.calls[-1].op,
                           f"the result depends on which values are outputs: {why}")
    return Verdict("amplified", backend, graph.calls[-1].op, problems[0][1])
