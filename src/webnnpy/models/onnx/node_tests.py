"""Run ONNX's backend node tests through the importer and write the table.

    python -m webnnpy.models.onnx.node_tests --table docs/onnx_node_tests.md

Each case of ``onnx.backend.test.loader.load_model_tests(kind="node")`` (made
in memory by onnx >= 1.23) is imported with :func:`~webnnpy.models.onnx.load`
on the NumPy reference backend and run on each of its data sets; the outputs
must match the case's expected outputs.  Statuses:

- ``pass``: every output matches (``pass*``: the graph reads no input at run
  time, because the inputs the importer needed as constants were fixed from
  the case's data and everything folded at import);
- ``fail``: an output differs, or the import or run raised an unexpected
  error (a bug);
- ``skip``: the importer declines the model with an
  :class:`~webnnpy.models.onnx.OnnxImportError` naming the node and why.

Inputs a handler needs at import time (a shape, axes, pads...) are in these
cases graph inputs; the runner fixes them from the case's data (``constants=``)
and says so in the table.

Tolerances: float32 outputs ``rtol=1e-3, atol=1e-5`` (or the case's own when
looser), float16 ``rtol=1e-2, atol=1e-3`` (WebNN's reference rounds each
operator to float16 where ONNX's reference often computes in float32);
integer and bool outputs must be equal.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = [
    "KNOWN_DIFFERENCES",
    "CaseResult",
    "load_cases",
    "main",
    "run_case",
    "summary",
    "write_table",
]

F32_TOL = (1e-3, 1e-5)
F16_TOL = (1e-2, 1e-3)

#: cases known to differ, with why
KNOWN_DIFFERENCES = {
    "test_dynamicquantizelinear_expanded": (
        "QuantizeLinear maps to WebNN's quantizeLinear, which rounds the exact "
        "quotient x / scale; ONNX's reference first rounds it to float32, which "
        "here turns 25.4999991 into the tie 25.5, so one value differs by 1"),
}


@dataclass
class CaseResult:
    """The outcome of one node test case."""

    name: str
    ops: list[str]
    status: str  # "pass", "fail", "skip"
    reason: str = ""
    folded: bool = False
    frozen: list[str] = field(default_factory=list)

    @property
    def mappable(self) -> bool:
        return self.status != "skip"


def load_cases(pattern: str | None = None) -> list[Any]:
    """The ONNX node test cases (optionally those whose name contains
    ``pattern``)."""
    from onnx.backend.test.loader import load_model_tests

    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        cases = load_model_tests(kind="node")
    return [c for c in cases if pattern is None or pattern in c.name]


def _ops(case: Any) -> list[str]:
    return sorted({n.op_type if n.domain in ("", "ai.onnx")
                   else f"{n.domain}:{n.op_type}" for n in case.model.graph.node})


def _compare(name: str, got: np.ndarray, want: Any, tol: tuple[float, float]) -> str:
    """'' if ``got`` matches ``want``, else what differs."""
    want = np.asarray(want)
    if got.shape != want.shape:
        return f"output {name!r}: shape {list(got.shape)}, expected {list(want.shape)}"
    if want.dtype.kind in "fc":
        rtol, atol = tol
        if want.dtype == np.float16 or got.dtype == np.float16:
            rtol, atol = max(rtol, F16_TOL[0]), max(atol, F16_TOL[1])
        g, w = got.astype(np.float64), want.astype(np.float64)
        with np.errstate(invalid="ignore"):
            ok = np.isclose(g, w, rtol=rtol, atol=atol, equal_nan=True)
        if not ok.all():
            bad = np.argwhere(~ok)[0]
            k = tuple(int(i) for i in bad)
            return (f"output {name!r}: {int((~ok).sum())} of {ok.size} values differ, "
                    f"e.g. at {list(k)}: {g[k]!r} vs {w[k]!r}")
        return ""
    if want.dtype == np.bool_:
        got = got.astype(bool)
    elif want.dtype.kind in "iu" and got.dtype != want.dtype:
        return f"output {name!r}: dtype {got.dtype}, expected {want.dtype}"
    if want.dtype.kind not in "iub":
        return f"output {name!r}: cannot compare {want.dtype}"
    if not np.array_equal(got, want):
        return f"output {name!r}: values differ"
    return ""


def _array(v: Any) -> Any:
    """A test value as a NumPy array (some cases store TensorProtos)."""
    from onnx import TensorProto, numpy_helper

    if isinstance(v, TensorProto):
        return numpy_helper.to_array(v)
    return v


def run_case(case: Any, context: Any = None) -> CaseResult:
    """Import and run one case; never raises."""
    from webnnpy import ml
    from webnnpy.models.onnx import NeedsConstantError, OnnxImportError, load

    ops = _ops(case)
    model = case.model
    init = {t.name for t in model.graph.initializer}
    in_names = [i.name for i in model.graph.input if i.name not in init]
    out_names = [o.name for o in model.graph.output]
    if context is None:
        context = ml.create_context(backend="numpy")
    tol = (max(F32_TOL[0], float(case.rtol)), max(F32_TOL[1], float(case.atol)))
    frozen: list[str] = []
    folded = False
    try:
        for inputs, expected in case.data_sets:
            feeds = {n: _array(v) for n, v in zip(in_names, inputs, strict=False)}
            constants: dict[str, Any] = {n: feeds[n] for n in frozen}
            for _ in range(len(in_names) + 1):
                try:
                    with warnings.catch_warnings(), np.errstate(all="ignore"):
                        warnings.simplefilter("ignore")
                        imported = load(model, context=context, constants=constants)
                    break
                except NeedsConstantError as e:
                    new = [n for n in e.graph_inputs if n not in constants
                           and n in feeds]
                    if not new:
                        raise
                    for n in new:
                        constants[n] = feeds[n]
                        frozen.append(n)
            else:  # pragma: no cover - every retry fixes at least one input
                return CaseResult(case.name, ops, "fail", "import did not settle")
            graph = imported.graph
            if graph is None:  # the case's inputs declare free dimensions
                raise ValueError("the model has free dimensions; a node test "
                                 "case needs fixed input shapes")
            folded = not graph.inputs
            with np.errstate(all="ignore"):
                got = imported.run({k: v for k, v in feeds.items()
                                    if k in graph.inputs})
            for name, want in zip(out_names, expected, strict=False):
                problem = _compare(name, got[name], _array(want), tol)
                if problem:
                    return CaseResult(case.name, ops, "fail", problem, folded, frozen)
    except OnnxImportError as e:
        return CaseResult(case.name, ops, "skip", str(e), frozen=frozen)
    except Exception as e:  # noqa: BLE001 - a case must never stop the run
        return CaseResult(case.name, ops, "fail",
                          f"{type(e).__name__}: {e}".splitlines()[0], folded, frozen)
    return CaseResult(case.name, ops, "pass", "", folded, frozen)


def summary(results: Sequence[CaseResult]) -> dict[str, Any]:
    """Counts and the pass rate over the mappable cases."""
    c = Counter(r.status for r in results)
    mappable = c["pass"] + c["fail"]
    return {
        "total": len(results), "pass": c["pass"], "fail": c["fail"],
        "skip": c["skip"], "mappable": mappable,
        "folded": sum(r.folded for r in results if r.status == "pass"),
        "rate": c["pass"] / mappable if mappable else 0.0,
    }


def _skip_key(reason: str) -> str:
    """A reason shortened to its kind, for the summary of skips."""
    if "): " in reason:
        head, tail = reason.split("): ", 1)
        op = head.split("(")[-1].split(",")[0]
        tail = tail.split(" (it is computed")[0]
        for cut in (": WebNN rejects the mapping", "WebNN rejects the mapping: "):
            if tail.startswith(cut):
                tail = tail[len(cut):]
                tail = tail.split(":")[0]
                break
        return f"{op}: {tail[:90]}"
    for word in ("input", "output"):
        if reason.startswith(word):
            return word + " " + reason.split(" ", 2)[-1][:90]
    return reason[:100]


def write_table(results: Sequence[CaseResult], path: str | None) -> str:
    """The Markdown table (written to ``path`` when given)."""
    import onnx

    s = summary(results)
    lines = [
        "<!-- GENERATED by `python -m webnnpy.models.onnx.node_tests --table "
        "docs/onnx_node_tests.md` - DO NOT EDIT -->",
        "",
        "# ONNX backend node tests through the ONNX importer",
        "",
        f"onnx {onnx.__version__}, `load_model_tests(kind=\"node\")`, run on the "
        f"NumPy reference backend.",
        "",
        f"**Pass rate over mappable cases: {s['pass']} / {s['mappable']} = "
        f"{100 * s['rate']:.1f}%** ({s['total']} cases: {s['pass']} pass, "
        f"{s['fail']} fail, {s['skip']} skipped as not mappable; "
        f"{s['folded']} of the passes (`pass*`) read no input at run time: "
        f"import-time ops such as Shape, or inputs fixed as constants, let the "
        f"whole graph fold at import).",
        "",
        "Tolerances: float32 rtol 1e-3 / atol 1e-5 (or the case's own when "
        "looser); float16 rtol 1e-2 / atol 1e-3; integers and bools exact. "
        "\"fixed\" lists graph inputs that the importer needs at import time "
        "(shapes, axes, pads...) and that were fixed from the case's data.",
        "",
        "## Failures",
        "",
        *(f"- {r.name}: {KNOWN_DIFFERENCES.get(r.name, r.reason)}"
          for r in results if r.status == "fail"),
        *(["- none"] if not s["fail"] else []),
        "",
        "## Why cases are skipped",
        "",
        "| cases | reason |",
        "|---:|---|",
    ]
    reasons = Counter(_skip_key(r.reason) for r in results if r.status == "skip")
    for reason, n in reasons.most_common():
        lines.append(f"| {n} | {_md(reason)} |")
    lines += ["", "## Operators the importer maps", "",
              "By handler (opset versions: the op's schema versions served):", ""]
    lines += _coverage_lines()
    lines += ["", "Any other ONNX op whose schema has a function body (Attention, "
              "NegativeLogLikelihoodLoss, SoftmaxCrossEntropyLoss, CenterCropPad, "
              "the window functions...) is converted through that body when its "
              "nodes map; a handler that declines an op's attributes or outputs "
              "(e.g. LayerNormalization's Mean output) falls back to it too.", ""]
    lines += ["Quantized products (ConvInteger, MatMulInteger, QLinearConv, "
              "QLinearMatMul, com.microsoft:DynamicQuantizeLSTM) run as float32 "
              "matmul/conv2d, as ONNX Runtime's WebNN EP maps them: exact while "
              "K * 255 * 255 < 2**24 (K <= 258 products per output), past that "
              "off the exact int32 by at most (K - 1) * 2**-24 * sum(|p|) over "
              "the output's K products p (checked against native ORT in "
              "tests/models/onnx/test_quantized_ops.py). 4-bit weights "
              "(int4/uint4 DequantizeLinear, com.microsoft:MatMulNBits) stay "
              "int4/uint4 in the graph where the context's opSupportLimits() has "
              "them, and are dequantized at import where it does not; "
              "com.microsoft:GatherBlockQuantized's table is dequantized at "
              "import. "
              "DynamicQuantizeLSTM quantizes X and each step's hidden state with "
              "ONNX Runtime's dynamic uint8 rule, one block per step (as native ORT "
              "on one thread). The attention ops (com.microsoft:RotaryEmbedding, "
              "MultiHeadAttention, GroupQueryAttention) are decomposed; the "
              "layouts and attributes they take are listed in "
              "webnnpy/models/onnx/handlers/attention.py.", ""]
    lines += ["", "## All cases", "", "| case | ops | status | reason |",
              "|---|---|---|---|"]
    for r in results:
        status = "pass*" if r.status == "pass" and r.folded else r.status
        why = r.reason
        if r.frozen and r.status != "skip":
            why = (f"fixed: {', '.join(r.frozen)}" + (f"; {why}" if why else ""))
        lines.append(f"| {r.name} | {_md(', '.join(r.ops))} | {status} | {_md(why)} |")
    text = "\n".join(lines) + "\n"
    if path:
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
    return text


def _coverage_lines() -> list[str]:
    from webnnpy.models.onnx.handlers import HANDLERS

    items = []
    for key in sorted(HANDLERS, key=lambda k: (":" in k, k.lower())):
        spans = ", ".join(f"{a}" if a == b else f"{a}-{b}" if b < 1000 else f"{a}+"
                          for a, b, _ in HANDLERS[key])
        items.append(f"{key} ({spans})")
    return [", ".join(items) + "."]


def _md(s: str) -> str:
    return s.replace("|", "\\|").replace("\n", " ")


def run_all(cases: Iterable[Any], backend: str = "numpy") -> list[CaseResult]:
    from webnnpy import ml

    context = ml.create_context(backend=backend)
    return [run_case(c, context) for c in cases]


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: run the cases, print the summary, write the table."""
    p = argparse.ArgumentParser(prog="python -m webnnpy.models.onnx.node_tests",
                                description=__doc__.split("\n\n")[0])
    p.add_argument("--table", help="write the Markdown table here")
    p.add_argument("-k", dest="pattern", help="only cases whose name contains this")
    p.add_argument("-v", "--verbose", action="store_true",
                   help="print every failing case")
    p.add_argument("--backend", default="numpy",
                   help="run on this backend (the table is the numpy one's)")
    args = p.parse_args(argv)
    t0 = time.perf_counter()
    results = run_all(load_cases(args.pattern), args.backend)
    s = summary(results)
    if args.verbose:
        for r in results:
            if r.status == "fail":
                print(f"FAIL {r.name}: {r.reason}")
    print(f"{s['total']} cases: {s['pass']} pass ({s['folded']} folded), {s['fail']} "
          f"fail, {s['skip']} skip; pass rate over mappable {s['pass']}/"
          f"{s['mappable']} = {100 * s['rate']:.1f}% "
          f"({time.perf_counter() - t0:.1f} s)")
    if args.table:
        write_table(results, args.table)
        print(f"wrote {args.table}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
