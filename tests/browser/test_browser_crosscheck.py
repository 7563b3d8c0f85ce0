"""The cross-check runner on a few ops: every difference from Chromium is one
of the documented findings (docs/chromium_agreement.md)."""

from __future__ import annotations

from pathlib import Path

from crosscheck.ops import (
    FINDINGS,
    agreement_table,
    load_samples,
    make_cases,
    run_cases,
)

import webnnpy
from webnnpy.browser import Browser

TESTS = Path(__file__).resolve().parents[1]
OPS = ["add", "conv2d", "averagePool2d", "gather", "gatherElements", "cast",
       "resample2d", "exp", "reduceSum", "lstm", "quantizeLinear", "pad"]


def test_crosscheck_finds_only_known_differences(browser: Browser,
                                                 tmp_path: Path) -> None:
    chromium = browser.op_support_limits()
    ours = webnnpy.ml.create_context(backend="numpy").op_support_limits()
    cases = make_cases(load_samples(TESTS), ours, chromium, OPS)
    results = run_cases(browser, cases, chromium, workdir=tmp_path)
    ran = [r for r in results if r.status not in ("skipped",)]
    assert not [r for r in ran if r.status == "error"]
    assert sum(r.status == "agree" for r in ran) > 0.8 * len(ran)
    unexplained = [f"{r.op} {r.data_type} {r.variant}: {r.status} {r.detail} "
                   f"{r.examples[:2]}" for r in ran if r.status != "agree"
                   and not any(f.covers(r) for f in FINDINGS)]
    assert not unexplained, "\n".join(unexplained)
    table = agreement_table(results, chromium_version=browser.version)
    assert "| conv2d |" in table and "unexplained" not in table
