"""ONNX's own backend node tests, through the importer, on the NumPy reference.

Every case whose model the importer accepts must match the case's expected
outputs (float32: rtol 1e-3 / atol 1e-5 or the case's own when looser;
float16: rtol 1e-2 / atol 1e-3, as ``webnnpy.models.onnx.node_tests``
documents); a case the importer declines is skipped with its reason.  The
table in ``docs/onnx_node_tests.md`` is generated from the same run.
"""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("onnx")

import onnx

import webnnpy
from webnnpy.models.onnx import node_tests as nt

ROOT = Path(__file__).resolve().parents[3]
TABLE = ROOT / "docs" / "onnx_node_tests.md"

CASES = nt.load_cases()

@pytest.fixture(scope="module")
def ref_ctx() -> webnnpy.MLContext:
    ctx = webnnpy.ml.create_context(backend="numpy")
    yield ctx
    ctx.destroy()


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_node_case(case: object, ref_ctx: webnnpy.MLContext) -> None:
    r = nt.run_case(case, ref_ctx)
    if r.status == "skip":
        pytest.skip(r.reason)
    why = nt.KNOWN_DIFFERENCES.get(r.name)
    if why is not None:
        assert r.status == "fail", f"{r.name} now passes: drop it from nt.KNOWN_DIFFERENCES"
        pytest.xfail(why)
    assert r.status == "pass", r.reason


def test_pass_rate_and_table(ref_ctx: webnnpy.MLContext) -> None:
    """>= 95% of the mappable cases pass, and the generated table is current."""
    results = [nt.run_case(c, ref_ctx) for c in CASES]
    s = nt.summary(results)
    assert s["mappable"] > 900
    assert s["rate"] >= 0.95, s
    text = nt.write_table(results, None)
    if not TABLE.exists():
        pytest.fail(f"{TABLE} is missing: run python -m webnnpy.models.onnx.node_tests "
                    f"--table docs/onnx_node_tests.md")
    current = TABLE.read_text(encoding="utf-8")
    if f"onnx {onnx.__version__}," not in current:
        pytest.skip(f"the table was generated with another onnx version than "
                    f"{onnx.__version__}")
    assert current == text, ("docs/onnx_node_tests.md is stale: run python -m "
                             "webnnpy.models.onnx.node_tests --table "
                             "docs/onnx_node_tests.md")
