"""Run the W3C web-platform-tests for WebNN against webnnpy.

WPT's WebNN suite (``webnn/conformance_tests`` and ``webnn/validation_tests``
in a checkout of https://github.com/web-platform-tests/wpt) is JavaScript.
This runs each test file unchanged, with WPT's own ``testharness.js`` and
helpers, in Node, against a ``navigator.ml`` served by webnnpy
(``wpt_bridge.mjs`` <-> ``server.py``), and counts the results.

    python -m conformance --wpt-dir ~/wpt --backend onnxruntime --jobs 2 \\
        --json wpt.json --table docs/wpt_conformance.md

Nothing of WPT is copied into this repository: the checkout is an argument.
"""

from __future__ import annotations

import argparse
import collections
import concurrent.futures
import functools
import json
import multiprocessing
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

BRIDGE = Path(__file__).with_name("wpt_bridge.mjs")

#: Failures explained by the WPT snapshot expecting something the spec that
#: webnnpy implements (``webnnpy.SPEC_COMMIT``) no longer says, or by a bug in
#: the test itself: (file glob, test-name or message regex, explanation).
#: Anything not matched here is counted as unexplained.
KNOWN: list[tuple[str, str, str]] = [
    ("*", r"an input named '[^']*' already exists",
     "spec: input() throws TypeError for a name already used (the test reuses "
     "'input')"),
    ("*", r"missing 1 required positional argument: 'axis'|"
          r"\[softmax\] Throw if the input (is not a non-floating|dimensions is not 2)",
     "spec: softmax(input, axis) - axis is required"),
    ("*", r"(quantizeLinear|dequantizeLinear): (scale|zeroPoint) has rank",
     "spec: scale and zeroPoint must have the input's rank"),
    ("pooling*", r"roundingType", "spec: MLPool2dOptions.roundingType is now "
     "outputShapeRounding (the old member is ignored)"),
    ("pad*", r"symmetric", "spec: 'symmetric' is not an MLPaddingMode"),
    ("pad*", r"\[pad\] Throw if building pad for scalar input",
     "spec: pad allows any rank, 0 included"),
    ("*", r"deviceType", "spec: MLContextOptions has no deviceType"),
    ("clamp*", r"minValue is -Infinity", "spec: infinite bounds are allowed"),
    ("tensor*", r"read_after_destroy|write / destroy",
     "spec: readTensor/writeTensor of a destroyed tensor give TypeError"),
    ("*", r"a uint32 buffer does not match data type int32",
     "spec: 'validate buffer with descriptor' rejects an ArrayBufferView of "
     "another element type (the test writes a Uint32Array into an int32 tensor)"),
    ("clamp*", r"Cannot convert \d+ to a BigInt",
     "test bug: WPT's getTypedArrayData has no uint64 branch"),
    ("pooling*", r"expected 8222\.29",
     "test bug: the expected l2Pool2d values are sums of squares (no sqrt)"),
    ("subgraph*", r"batchNormalization options.axis=0 \+ gelu",
     "test bug: the expected value -0.03595118 differs from the float64 "
     "formula's -0.03595130 by 35 ULP"),
]


#: the TypeErrors that say a data type is outside the context's
#: opSupportLimits(): WPT's own check, webnnpy's input() and op checks
_DECLARED_UNSUPPORTED = (
    r"Unsupported data type, (?:input|output) '[^']*' data type (\w+) must be one of",
    r"input '[^']*': (\w+)\[[^\]]*\] is not a supported graph input",
    r"\w+: \w+ has data type (\w+); expected one of",
)


def backend_excluded_types(backend: str | None) -> frozenset[str]:
    """Data types the spec allows somewhere (an op's operand or output, graph
    inputs, constants, outputs) that ``backend``'s opSupportLimits() leaves
    out there."""
    if backend is None:
        return frozenset()
    return _excluded(backend)


@functools.cache
def _excluded(backend: str) -> frozenset[str]:
    from webnnpy.backends import backend_class
    from webnnpy.backends.base import SupportLimits

    def entries(lim: SupportLimits) -> dict[tuple[str, str], frozenset[str]]:
        out = {("", k): getattr(lim, k)[0] for k in ("input", "constant", "output")}
        for op, keys in lim.ops.items():
            for key, (types, _lo, _hi) in keys.items():
                out[(op, key)] = frozenset(types)
        return out

    spec = entries(backend_class("numpy")().support_limits())
    ours = entries(backend_class(backend)().support_limits())
    gone: set[str] = set()
    for k, types in spec.items():
        gone |= types - ours.get(k, frozenset())
    return frozenset(gone)


def explain(test_file: str, name: str, message: str,
            backend: str | None = None) -> str | None:
    """The known reason a WPT test does not pass, or None.  With ``backend``,
    also a TypeError for a data type that backend declares unsupported
    (checked against its opSupportLimits(), never taken on the message's
    word alone)."""
    import fnmatch
    import re

    base = Path(test_file).name
    for glob, pattern, why in KNOWN:
        if fnmatch.fnmatch(base, glob) and (re.search(pattern, name)
                                            or re.search(pattern, message)):
            return why
    excluded = backend_excluded_types(backend)
    for pattern in _DECLARED_UNSUPPORTED:
        m = re.search(pattern, message)
        if m and m.group(1) in excluded:
            return (f"{backend}: its opSupportLimits() leaves {m.group(1)} out (the "
                    f"message is that check), so the TypeError is the spec's "
                    f"answer; this WPT snapshot fails such a test instead of "
                    f"skipping it")
    return None
SUITES = ("conformance_tests", "validation_tests")


def variant_of(test_file: Path) -> str:
    """The ``cpu`` variant when a file declares variants, else none."""
    text = test_file.read_text(encoding="utf-8", errors="replace")
    return "cpu" if "// META: variant=?cpu" in text else ""


def run_file(test_file: str, backend: str | None, timeout: float,
             node: str = "node") -> dict[str, Any]:
    """Run one WPT file; returns its results and what the bridge noticed."""
    from conformance.server import Server

    path = Path(test_file)
    tmp = Path(tempfile.mkdtemp(prefix="webnnpy-wpt-"))
    req, resp, out = tmp / "req", tmp / "resp", tmp / "results.jsonl"
    os.mkfifo(req)
    os.mkfifo(resp)
    log = open(tmp / "node.log", "w+", encoding="utf-8")
    proc = subprocess.Popen(
        [node, str(BRIDGE), str(req), str(resp), str(out), str(path),
         variant_of(path)], stdout=log, stderr=subprocess.STDOUT)
    timed_out = threading.Event()

    def watchdog() -> None:
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            timed_out.set()
            proc.kill()
            # Unblock a FIFO open that is still waiting for the other end.
            for f, mode in ((req, os.O_WRONLY), (resp, os.O_RDONLY)):
                try:
                    os.close(os.open(f, mode | os.O_NONBLOCK))
                except OSError:
                    pass

    threading.Thread(target=watchdog, daemon=True).start()
    server = Server(backend)
    start = time.perf_counter()
    try:
        with open(req, encoding="utf-8") as rq, open(resp, "w", encoding="utf-8") as rs:
            try:
                server.serve(rq, rs)
            except BrokenPipeError:
                pass
    finally:
        proc.kill() if proc.poll() is None else None
        proc.wait()
    seconds = time.perf_counter() - start
    results = []
    if out.exists():
        for line in out.read_text(encoding="utf-8").splitlines():
            if line.strip():
                results.append(json.loads(line))
    log.seek(0)
    node_log = log.read()[-4000:]
    log.close()
    shutil.rmtree(tmp, ignore_errors=True)
    return {"file": str(path), "results": results, "timed_out": timed_out.is_set(),
            "seconds": round(seconds, 2), "exit": proc.returncode,
            "node_log": node_log if (proc.returncode or not results) else "",
            "crashes": server.crashes[:20],
            "dropped": sorted(set(server.dropped))}


def collect(wpt_dir: Path, suites: list[str], pattern: str) -> list[Path]:
    root = wpt_dir / "webnn"
    if not (wpt_dir / "resources" / "testharness.js").exists() or not root.is_dir():
        raise SystemExit(f"{wpt_dir} is not a WPT checkout (resources/testharness.js "
                         "and webnn/ are needed)")
    files: list[Path] = []
    for suite in suites:
        files += sorted((root / suite).glob(f"{pattern}.https.any.js"))
        files += sorted((root / suite).glob(f"{pattern}.https.window.js"))
    return files


def summarize(runs: list[dict[str, Any]], backend: str | None = None
              ) -> dict[str, Any]:
    totals: collections.Counter[str] = collections.Counter()
    per_file = []
    for run in runs:
        c = collections.Counter(r["status"] for r in run["results"])
        c["EXPLAINED"] = sum(1 for r in run["results"] if r["status"] != "PASS"
                             and explain(run["file"], r["name"], r.get("message")
                                         or "", backend))
        if run["timed_out"]:
            c["FILE_TIMEOUT"] += 1
        if not run["results"] and not run["timed_out"]:
            c["NO_RESULTS"] += 1
        totals.update(c)
        per_file.append({"file": run["file"], **c})
    return {"totals": dict(totals), "files": per_file}


def markdown(runs: list[dict[str, Any]], backend: str, wpt_commit: str) -> str:
    suites: dict[str, collections.Counter[str]] = collections.defaultdict(
        collections.Counter)
    explained: list[str] = []
    unexplained: list[str] = []
    for run in runs:
        suite = Path(run["file"]).parent.name
        for r in run["results"]:
            c = suites[suite]
            c["tests"] += 1
            if r["status"] == "PASS":
                c["pass"] += 1
                continue
            msg = (r.get("message") or "").replace("\n", " ").replace("|", "\\|")
            why = explain(run["file"], r["name"], r.get("message") or "", backend)
            row = (f"| {Path(run['file']).name} | {r['name'].replace('|', '/')} | "
                   f"{r['status']} | {why or msg[:300]} |")
            if why:
                c["explained"] += 1
                explained.append(row)
            else:
                c["unexplained"] += 1
                unexplained.append(row)
    import webnnpy

    out = [f"# WPT WebNN results on the `{backend}` backend", "",
           f"web-platform-tests `webnn/` at `{wpt_commit}`, `cpu` variant, run "
           "unchanged in Node by `python -m conformance` (`conformance/wpt.py`); "
           f"webnnpy implements the spec at `{webnnpy.SPEC_COMMIT}`.  *Explained* "
           "failures are tests whose expectation the spec no longer has, or "
           "bugs in the test (each listed with its reason).", "",
           "| suite | tests | pass | explained | unexplained | pass rate | "
           "pass rate, explained excluded |", "|---|---|---|---|---|---|---|"]
    for suite, c in sorted(suites.items()):
        n, p = c["tests"], c["pass"]
        out.append(f"| {suite} | {n} | {p} | {c['explained']} | {c['unexplained']} | "
                   f"{100 * p / max(n, 1):.2f}% | "
                   f"{100 * p / max(n - c['explained'], 1):.2f}% |")
    out += ["", "## Unexplained failures", ""]
    out += (["| file | test | status | message |", "|---|---|---|---|", *unexplained]
            if unexplained else ["None."])
    out += ["", "## Explained failures", ""]
    out += (["| file | test | status | reason |", "|---|---|---|---|", *explained]
            if explained else ["None."])
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m conformance", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--wpt-dir", required=True, type=Path,
                    help="a web-platform-tests checkout")
    ap.add_argument("--backend", default=None,
                    help="webnnpy backend for every context (default: the default)")
    ap.add_argument("--suite", action="append", choices=SUITES,
                    help="which suites (default: both)")
    ap.add_argument("-k", "--pattern", default="*",
                    help="file name glob, without .https.any.js (e.g. 'conv*')")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--timeout", type=float, default=600.0,
                    help="seconds per test file")
    ap.add_argument("--json", type=Path, help="write every result here")
    ap.add_argument("--table", type=Path, help="write a markdown report here")
    ap.add_argument("--node", default=shutil.which("node") or "node")
    ap.add_argument("--wpt-revision", help="what to call the WPT snapshot in the "
                    "report (default: its git commit)")
    ap.add_argument("-v", "--verbose", action="store_true",
                    help="print each failing test")
    args = ap.parse_args(argv)

    files = collect(args.wpt_dir, args.suite or list(SUITES), args.pattern)
    if not files:
        print("no test files matched", file=sys.stderr)
        return 2
    runs: list[dict[str, Any]] = []
    # spawn, not fork: a forked child of a process whose runtime threads hold
    # locks (ONNX Runtime's, the context timelines') can deadlock.
    spawn = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(args.jobs, mp_context=spawn) as pool:
        futures = {pool.submit(run_file, str(f), args.backend, args.timeout,
                               args.node): f for f in files}
        for fut in concurrent.futures.as_completed(futures):
            run = fut.result()
            runs.append(run)
            c = collections.Counter(r["status"] for r in run["results"])
            n = sum(c.values())
            flag = " TIMEOUT" if run["timed_out"] else ""
            print(f"{Path(run['file']).parent.name}/{Path(run['file']).name}: "
                  f"{c['PASS']}/{n} pass ({run['seconds']} s){flag}", flush=True)
            if args.verbose:
                for r in run["results"]:
                    if r["status"] != "PASS":
                        print(f"    {r['status']} {r['name']}: "
                              f"{(r.get('message') or '')[:400]}")
                for tb in run["crashes"][:3]:
                    print("    python crash:", tb.strip().splitlines()[-1])
                if run["node_log"]:
                    print("    node:", run["node_log"][-1500:])
    runs.sort(key=lambda r: r["file"])
    import webnnpy
    backend = args.backend or webnnpy.ml.create_context().backend
    summary = summarize(runs, backend)
    totals = summary["totals"]
    total = sum(v for k, v in totals.items()
                if k not in ("FILE_TIMEOUT", "NO_RESULTS", "EXPLAINED"))
    passed = totals.get("PASS", 0)
    known = totals.get("EXPLAINED", 0)
    print(f"\n{passed}/{total} WPT tests pass ({100 * passed / max(total, 1):.2f}%); "
          f"{known} of the others are explained (spec changes, test bugs); "
          f"{total - passed - known} unexplained; {totals}")
    commit = args.wpt_revision or "unknown"
    try:
        if not args.wpt_revision:
            commit = subprocess.run(["git", "-C", str(args.wpt_dir), "rev-parse",
                                     "HEAD"], capture_output=True, text=True,
                                    check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        pass
    if args.json:
        args.json.write_text(json.dumps({"wpt_commit": commit, "backend": args.backend,
                                         "summary": summary, "runs": runs}, indent=1))
    if args.table:
        args.table.write_text(markdown(runs, backend, commit))
    return 0
