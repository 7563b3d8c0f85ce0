"""The differential fuzzing loop: generate, run everywhere, judge, shrink."""

from __future__ import annotations

import os
import re
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import webnnpy
from webnnpy.backends import available_backends

from .differential import Verdict, check, run_graph
from .graphs import FAMILIES, FAMILY, Graph, generate, refs_of, snippet
from .shrink import shrink

__all__ = ["Finding", "Report", "fuzz", "graph_seed", "installed_backends",
           "outside_limits"]


def installed_backends() -> list[str]:
    """Every installed backend but the reference (only those named in
    $WEBNNPY_TEST_BACKENDS when it is set, as for the per-op tests)."""
    wanted = os.environ.get("WEBNNPY_TEST_BACKENDS")
    names = set(wanted.split(",")) if wanted else None
    return [n for n, ok in available_backends().items()
            if ok and n != "numpy" and (names is None or n in names)]


def _limits_key(op: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", op).lower()


#: the builder's message for an operand outside op_support_limits()
_REFUSAL = re.compile(r"(\w+): (\w+) has data type (\w+)")


def outside_limits(graph: Graph, ctx: webnnpy.MLContext, error: str = ""
                   ) -> str | None:
    """Why ``ctx`` may refuse ``graph`` by its own ``op_support_limits()``:
    the operand the builder's ``error`` names ("op: operand has data type
    T"), when the limits leave T out for it; else a leaf or a call's operand
    or output whose data type (or rank) the context declares for no
    operand of that op.  None when it declares them all."""
    limits = ctx.op_support_limits()
    m = _REFUSAL.search(error)
    if m is not None:
        op, operand, dt = m.groups()
        entry = limits.get(_limits_key(op), {}).get(_limits_key(operand))
        if isinstance(entry, dict) and dt not in entry.get("data_types", ()):
            return f"{op} operand {operand}: {dt}"

    def allowed(entry: dict, dt: str, rank: int) -> bool:
        rr = entry.get("rank_range", {})
        return (dt in entry.get("data_types", ())
                and rr.get("min", 0) <= rank <= rr.get("max", 1 << 30))

    descs = graph.descs
    for leaf in graph.leaves:
        dt, shape = str(leaf.value.dtype), leaf.value.shape
        if not allowed(limits["constant" if leaf.const else "input"], dt, len(shape)):
            return f"{leaf.name}: {dt} rank {len(shape)}"
    for call in graph.calls:
        lim = limits.get(_limits_key(call.op))
        if not isinstance(lim, dict):
            continue
        entries = [e for e in lim.values() if isinstance(e, dict)]
        for n in (n for n in refs_of(call) if n in descs):  # some operand of the op must allow it
            dt, shape = descs[n]
            if not any(allowed(e, dt, len(shape)) for e in entries):
                return f"{call.op} operand {n}: {dt} rank {len(shape)}"
        if call.out in descs and isinstance(lim.get("output"), dict):
            dt, shape = descs[call.out]
            if not allowed(lim["output"], dt, len(shape)):
                return f"{call.op} output {call.out}: {dt} rank {len(shape)}"
    return None


def graph_seed(seed: int, index: int) -> int:
    """The seed of graph ``index`` of a run with ``seed`` (what --replay takes)."""
    return int(np.random.SeedSequence([seed, index]).generate_state(1)[0])


@dataclass
class Finding:
    """A disagreement: the graph's seed, the verdict, the shrunk repro."""

    graph_seed: int
    family: str
    verdict: Verdict
    repro: Graph
    repeats: int = 1

    def text(self) -> str:
        v = self.verdict
        return (f"# {v.status} on {v.backend}: {v.op}: {v.detail}\n"
                f"# graph seed {self.graph_seed} (python -m tests.fuzz --replay "
                f"{self.graph_seed} --family {self.family}); seen {self.repeats}x; "
                f"ops {self.repro.ops()}; {self.repro.note}\n"
                + snippet(self.repro, ("numpy", v.backend)))


@dataclass
class Report:
    """What a run did."""

    seed: int
    backends: list[str]
    tried: int = 0
    built: int = 0
    ran: int = 0
    builder_errors: int = 0
    per_family: Counter = field(default_factory=Counter)
    per_op: Counter = field(default_factory=Counter)
    statuses: Counter = field(default_factory=Counter)
    documented: Counter = field(default_factory=Counter)
    findings: dict[tuple[str, str, str | None], Finding] = field(default_factory=dict)
    stats: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0
    #: per backend: graphs it ran (a verdict), graphs it refused at build
    #: because they use a data type or rank outside its op_support_limits()
    #: (verified: :func:`outside_limits`), and its verdicts
    ran_on: Counter = field(default_factory=Counter)
    unsupported: Counter = field(default_factory=Counter)
    per_backend: defaultdict = field(default_factory=lambda: defaultdict(Counter))

    def summary(self) -> str:
        rate = self.ran / (self.seconds / 60) if self.seconds else 0.0
        lines = [
            f"seed {self.seed}, backends {self.backends}: {self.tried} graphs tried, "
            f"{self.built} built, {self.ran} ran in {self.seconds:.0f} s "
            f"({rate:.0f} graphs/min); {self.builder_errors} builder TypeErrors "
            f"(dropped calls)",
            f"verdicts: {dict(self.statuses)}",
            f"per backend: ran {dict(self.ran_on)}, declared unsupported "
            f"(a type or rank outside op_support_limits) {dict(self.unsupported)}",
            f"per family: {dict(sorted(self.per_family.items()))}",
        ]
        if self.documented:
            lines.append(f"documented differences and known defects: "
                         f"{dict(self.documented)}")
        never = sorted(set(FAMILY) - set(self.per_op))
        if never:
            lines.append(f"ops never run: {never}")
        lines.append(f"disagreements: {len(self.findings)} distinct")
        for f in self.findings.values():
            lines.append("")
            lines.append(f.text())
        return "\n".join(lines)


def fuzz(seed: int = 0, *, graphs: int | None = None, minutes: float | None = None,
         backends: Sequence[str] | None = None, do_shrink: bool = True,
         max_shrinks: int = 20, families: Sequence[str] = FAMILIES,
         first_ops: Sequence[str] | None = None,
         log: Callable[[str], None] | None = None) -> Report:
    """Run ``graphs`` graphs (or for ``minutes``), families in turn (or
    graphs starting with each of ``first_ops`` in turn)."""
    names = list(backends) if backends is not None else installed_backends()
    report = Report(seed, names)
    ref = webnnpy.ml.create_context(backend="numpy")
    ctxs = {n: webnnpy.ml.create_context(backend=n) for n in names}
    gen_ctx = ctxs[names[0]] if names else ref
    start = time.monotonic()
    deadline = start + minutes * 60 if minutes is not None else None
    i = 0
    shrinks = 0
    last_log = start
    while True:
        if graphs is not None and i >= graphs:
            break
        if deadline is not None and time.monotonic() >= deadline:
            break
        family = families[i % len(families)]
        if first_ops:
            family = FAMILY[first_ops[i % len(first_ops)]]
        gseed = graph_seed(seed, i)
        i += 1
        report.tried += 1
        first = first_ops[i % len(first_ops)] if first_ops else None
        with np.errstate(all="ignore"):  # special values warn in NumPy
            graph = generate(gseed, gen_ctx, family=family, first_op=first,
                             stats=report.stats)
        if graph is None:
            continue
        report.built += 1
        verdicts = []
        try:
            with np.errstate(all="ignore"):
                want = run_graph(graph, ref)
        except TypeError:  # the reference context refused a call
            report.stats["ref_type_errors"] = report.stats.get("ref_type_errors", 0) + 1
            continue
        for name, ctx in ctxs.items():
            try:
                with np.errstate(all="ignore"):
                    verdicts.append(check(graph, ctx, ref, want=want))
            except TypeError as e:
                why = outside_limits(graph, ctx, str(e))
                if why is None:  # a type and rank it declares: a failure
                    verdicts.append(Verdict(
                        "error", name, None,
                        f"TypeError at build though op_support_limits() "
                        f"allows every operand: {str(e)[:300]}"))
                    continue
                report.unsupported[name] += 1
                report.stats.setdefault("unsupported_sample", {}).setdefault(
                    name, why)
                continue
            report.ran_on[name] += 1
        report.ran += 1
        report.per_family[family] += 1
        report.per_op.update(graph.ops())
        for v in verdicts:
            report.statuses[v.status] += 1
            report.per_backend[v.backend][v.status] += 1
            if v.status in ("documented", "known"):
                report.documented[v.documented] += 1
            if v.status == "amplified":  # a sample, to look at by --replay
                report.stats.setdefault("amplified", [])
                if len(report.stats["amplified"]) < 20:
                    report.stats["amplified"].append(
                        (gseed, family, graph.ops(), v.detail[:160]))
            if v.status not in ("disagreement", "error"):
                continue
            key = (v.backend, v.status, v.op or v.detail[:120])
            if key in report.findings:
                report.findings[key].repeats += 1
                continue
            repro = graph
            if do_shrink and shrinks < max_shrinks:
                shrinks += 1
                with np.errstate(all="ignore"):
                    repro = shrink(graph, ctxs[v.backend], ref, v)
            report.findings[key] = Finding(gseed, family, v, repro)
            if log:
                log(report.findings[key].text())
        now = time.monotonic()
        if log and now - last_log > 30:
            last_log = now
            log(f"[{now - start:.0f} s] {report.ran} graphs ran, "
                f"{len(report.findings)} disagreements, {dict(report.statuses)}")
    report.builder_errors = report.stats.get("builder_errors", 0)
    report.seconds = time.monotonic() - start
    for c in (ref, *ctxs.values()):
        c.destroy()
    return report


def replay(gseed: int, family: str, backends: Sequence[str] | None = None
           ) -> tuple[Graph | None, list[Verdict]]:
    """Regenerate one graph by its seed and judge it again."""
    names = list(backends) if backends is not None else installed_backends()
    ref = webnnpy.ml.create_context(backend="numpy")
    ctxs = {n: webnnpy.ml.create_context(backend=n) for n in names}
    graph = generate(gseed, ctxs[names[0]] if names else ref, family=family)
    if graph is None:
        return None, []
    return graph, [check(graph, c, ref) for c in ctxs.values()]
