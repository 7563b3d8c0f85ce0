"""A bounded run of the differential fuzzer (tests/fuzz, issue #11): a fixed
seed and a fixed number of random graphs over every operator family, each run
on every installed backend and compared with the NumPy reference under the
tolerance manifest.  No disagreement outside the documented list
(tests/fuzz/documented.py) may appear, most graphs must build and run, and
every family must be exercised.

The long run is ``python -m tests.fuzz --minutes 30``.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

import webnnpy
from fuzz import differential
from fuzz.documented import DOCUMENTED, F16_CHAIN
from fuzz.graphs import FAMILIES, FAMILY, GENERATORS, build, generate, snippet
from fuzz.runner import fuzz, installed_backends

#: fixed seed and graph count (deterministic; about 20 s of one core here)
SEED = 20261203
GRAPHS = 1200
#: each family's share of GRAPHS is 120; at least this many must run
MIN_PER_FAMILY = 90

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def report():
    if not installed_backends():
        pytest.skip("no backend besides the NumPy reference is installed")
    return fuzz(SEED, graphs=GRAPHS, max_shrinks=3)


def test_no_disagreement_outside_the_documented_list(report) -> None:
    assert not report.findings, report.summary()


def test_most_graphs_built_and_ran(report) -> None:
    # a generator that builds nothing would pass the test above vacuously
    assert report.built >= 0.9 * GRAPHS, report.summary()
    assert report.ran >= 0.9 * GRAPHS, report.summary()
    for b in report.backends:
        # graphs are generated within the first backend's op_support_limits;
        # another backend may refuse some at build by a data type or rank
        # outside its own declared limits (verified per graph by
        # runner.outside_limits: a refusal of a declared type is an "error"
        # finding).  Every other graph must run, most of them must be
        # supported, and most results must agree outright
        supported = report.ran - report.unsupported[b]
        assert supported >= 0.6 * report.ran, (b, report.summary())
        assert report.ran_on[b] >= 0.9 * supported, (b, report.summary())
        assert report.per_backend[b]["ok"] >= 0.8 * report.ran_on[b], \
            (b, report.summary())


def test_a_build_refusal_of_a_declared_type_is_an_error(monkeypatch) -> None:
    """A backend that refuses (TypeError) a graph whose every type it
    declares supported fails; one outside its declared limits is counted as
    unsupported, not run."""
    names = installed_backends()
    if not names:
        pytest.skip("no backend besides the NumPy reference is installed")
    real = differential.run_graph

    def refuse(graph, context, outputs=None):
        if context.backend != "numpy" and "exp" in graph.ops():
            raise TypeError("refused")
        return real(graph, context, outputs)

    monkeypatch.setattr(differential, "run_graph", refuse)
    rep = fuzz(3, graphs=12, first_ops=("exp",), backends=names[:1],
               do_shrink=False)
    errors = [f for f in rep.findings.values() if f.verdict.status == "error"]
    assert errors and "op_support_limits" in errors[0].verdict.detail, rep.summary()
    assert rep.unsupported[names[0]] == 0, rep.summary()


def test_outside_limits_names_an_undeclared_type() -> None:
    from fuzz.graphs import Call, Graph, Leaf, Ref
    from fuzz.runner import outside_limits

    ctx = webnnpy.ml.create_context(backend="numpy")
    x = np.zeros((2, 3), np.float32)
    g = Graph([Leaf("x", x)], [Call("cast", [Ref("x"), "int64"], {}, "y")], ["y"])
    g.descs = {"x": ("float32", (2, 3)), "y": ("int64", (2, 3))}
    assert outside_limits(g, ctx) is None  # the reference declares int64
    fake = type("Ctx", (), {"op_support_limits": lambda self: {
        **ctx.op_support_limits(),
        "cast": {"input": {"data_types": ["float32"], "rank_range": {"min": 0, "max": 8}},
                 "output": {"data_types": ["float32", "int32"],
                            "rank_range": {"min": 0, "max": 8}}}}})()
    assert "int64" in (outside_limits(g, fake) or ""), outside_limits(g, fake)
    # the operand a builder message names, by that operand's own limits
    msg = "cast: input has data type int64; expected one of float32"
    assert outside_limits(g, ctx, msg) is None
    g.descs["y"] = ("float32", (2, 3))
    assert outside_limits(g, fake) is None
    assert "input: int64" in (outside_limits(g, fake, msg) or "")


def test_every_family_ran(report) -> None:
    short = {f: report.per_family[f] for f in FAMILIES
             if report.per_family[f] < MIN_PER_FAMILY}
    assert not short, f"families with too few graphs: {short}\n{report.summary()}"


def test_every_operator_has_a_generator() -> None:
    assert set(FAMILY) <= set(GENERATORS), sorted(set(FAMILY) - set(GENERATORS))


def test_documented_entries_exist_in_differences_md() -> None:
    text = (ROOT / "docs" / "differences.md").read_text()
    titles = set(re.findall(r"^- \*\*(.+?)\*\*:", text, re.M))
    for d in (*DOCUMENTED, F16_CHAIN):
        assert d.differences_md in titles, d


def test_generation_is_deterministic() -> None:
    ctx = webnnpy.ml.create_context(backend="numpy")
    for fam in FAMILIES:
        a = generate(SEED + 1, ctx, family=fam)
        b = generate(SEED + 1, ctx, family=fam)
        assert a is not None and b is not None
        assert snippet(a) == snippet(b)


def test_snippet_runs_and_reproduces_the_graph() -> None:
    ctx = webnnpy.ml.create_context(backend="numpy")
    graph = next(g for g in (generate(s, ctx, family="elementwise")
                             for s in range(7, 100))
                 if g is not None and g.leaves[0].value.dtype.kind == "f")
    flat = graph.leaves[0].value.reshape(-1)
    flat[0] = np.nan  # special values round-trip
    flat[-1] = -0.0 if flat.size > 1 else flat[-1]
    code = snippet(graph, ("numpy",))
    scope: dict = {}
    exec(compile(code.replace("    print(name, ", "    scope_out = ("), "<snippet>",
                 "exec"), scope)
    mlgraph, feeds = build(graph, ctx)
    want = ctx.compute(mlgraph, feeds)
    got = scope["scope_out"]
    for name in graph.outputs:
        np.testing.assert_array_equal(got[name], want[name])


def test_compare_is_exact_on_special_values() -> None:
    f = np.float32
    ref = np.array([np.nan, np.inf, -np.inf, 0.0, 1.0], f)
    assert differential.compare(ref.copy(), ref, 0, 0.0) is None
    for i, bad in ((0, 0.0), (1, 3.4e38), (2, np.nan), (4, np.inf)):
        got = ref.copy()
        got[i] = bad
        assert differential.compare(got, ref, 10**6, 1e30) is not None, (i, bad)
    near = ref.copy()
    near[4] = np.nextafter(f(1), f(2))
    assert differential.compare(near, ref, 0, 0.0) is not None
    assert differential.compare(near, ref, 1, 0.0) is None
    ints = np.array([1, 2], np.int32)
    assert differential.compare(ints + 1, ints, 10**6, 1e30) is not None


def test_compare_counts_an_overflow_in_rounding_as_one_ulp() -> None:
    # fuzz seed 105, graph seed 3193539533 (conv_pool): a float16
    # convTranspose2d summing -65504 - 16 + 6e-8 (exactly -65519.99999994,
    # which rounds to -65504) gave -inf on ONNX Runtime: its float32 sum
    # -65520 then rounds to -inf in float16.  inf is adjacent to the largest
    # finite value, one ULP, like any other rounding difference
    h = np.float16
    top = np.array([-65504.0, 65504.0], h)
    ovf = np.array([-np.inf, np.inf], h)
    for got, want in ((ovf, top), (top, ovf)):
        assert differential.compare(got, want, 1, 0.0) is None
        assert differential.compare(got, want, 0, 0.0) is not None
    assert differential.compare(ovf, -top, 10**6, 1e30) is not None  # sign
    near = np.array([-65472.0, 65472.0], h)  # 2 ULP from inf
    assert differential.compare(ovf, near, 1, 1e30) is not None


def test_a_wrong_backend_is_caught_and_shrunk(monkeypatch) -> None:
    """The fuzzer is not vacuous: a backend whose exp is off by one is
    reported, blamed on exp, and shrunk to a short graph."""
    if not installed_backends():
        pytest.skip("no backend besides the NumPy reference is installed")
    real = differential.run_graph

    def wrong(graph, context, outputs=None):
        res = real(graph, context, outputs)
        if context.backend == "numpy":
            return res
        if "exp" in graph.ops():  # every float result is off by one
            for k, v in res.items():
                if v.dtype.kind == "f":
                    res[k] = v + np.ones((), v.dtype)
        return res

    monkeypatch.setattr(differential, "run_graph", wrong)
    rep = fuzz(3, graphs=12, first_ops=("exp",), max_shrinks=1)
    exp = [f for f in rep.findings.values() if f.verdict.op == "exp"]
    assert exp, rep.summary()
    repro = exp[0].repro
    assert "exp" in repro.ops() and len(repro.calls) <= 2, rep.summary()


def test_known_defects_name_their_regression_tests() -> None:
    from fuzz.documented import KNOWN

    text = (ROOT / "tests" / "test_fuzz_regressions.py").read_text()
    for k in KNOWN:
        for name in k.regression.split(", "):
            assert f"def {name}(" in text, (k.name, name)
