"""``python -m tests.fuzz [--minutes M | --graphs N] [--seed S] [--backends a,b]``:
the differential fuzzer; ``python -m tests.fuzz --replay GRAPH_SEED --family F``
judges one graph again and prints it; ``python -m tests.fuzz onnx --minutes N``:
the ONNX importer fuzzer."""

from __future__ import annotations

import argparse
import json
import sys

__all__ = ["main"]


def _diff(argv: list[str]) -> int:
    from .graphs import FAMILIES, snippet
    from .runner import fuzz, replay

    p = argparse.ArgumentParser(prog="python -m tests.fuzz",
                                description="differential fuzzer")
    p.add_argument("--minutes", type=float, default=None)
    p.add_argument("--graphs", type=int, default=None)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--backends", default=None,
                   help="comma-separated (default: every installed backend)")
    p.add_argument("--family", choices=FAMILIES, default=None)
    p.add_argument("--replay", type=int, default=None, metavar="GRAPH_SEED")
    p.add_argument("--no-shrink", action="store_true")
    p.add_argument("--json", default=None, help="write the counts here")
    p.add_argument("--signed-zeros", action="store_true",
                   help="also require zero results to have the reference's sign")
    a = p.parse_args(argv)
    if a.signed_zeros:
        from . import differential
        differential.SIGNED_ZEROS = True
    backends = a.backends.split(",") if a.backends else None
    if a.replay is not None:
        if a.family is None:
            p.error("--replay needs --family")
        graph, verdicts = replay(a.replay, a.family, backends)
        if graph is None:
            print("the graph did not build")
            return 1
        print(snippet(graph))
        for v in verdicts:
            print(f"# {v.backend}: {v.status} {v.op or ''} {v.detail}")
        return 0 if all(v.status not in ("disagreement", "error")
                        for v in verdicts) else 1
    if a.minutes is None and a.graphs is None:
        a.minutes = 30.0
    families = (a.family,) if a.family else FAMILIES
    report = fuzz(a.seed, graphs=a.graphs, minutes=a.minutes, backends=backends,
                  do_shrink=not a.no_shrink, families=families,
                  log=lambda s: print(s, flush=True))
    print(report.summary())
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"seed": report.seed, "tried": report.tried,
                       "built": report.built, "ran": report.ran,
                       "seconds": report.seconds,
                       "builder_errors": report.builder_errors,
                       "statuses": dict(report.statuses),
                       "documented": dict(report.documented),
                       "per_family": dict(report.per_family),
                       "per_op": dict(report.per_op),
                       "amplified_sample": report.stats.get("amplified", []),
                       "findings": [f.text() for f in report.findings.values()]},
                      f, indent=1)
    return 1 if report.findings else 0


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["onnx"]:
        from .onnx_files import main as onnx_main
        return onnx_main(argv[1:])
    return _diff(argv)


if __name__ == "__main__":
    sys.exit(main())
