"""The cross-check runner on a few ops: every difference from Chromium is one
of the documented findings (docs/chromium_agreement.md); ``--backend`` runs it
on ONNX Runtime or OpenVINO."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from crosscheck.ops import (
    FINDINGS,
    agreement_table,
    load_samples,
    main,
    make_cases,
    run_cases,
)

import webnnpy
from webnnpy.backends import available_backends
from webnnpy.browser import Browser

TESTS = Path(__file__).resolve().parents[1]
#: under CI=true every part of these tests is required (as in conftest.py)
CI = os.environ.get("CI", "").strip().lower() == "true"
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


@pytest.mark.parametrize("backend", ["onnxruntime", "openvino"])
def test_crosscheck_on_a_backend(browser: Browser, tmp_path: Path,
                                 backend: str) -> None:
    """``--backend``: webnnpy's side computed on ONNX Runtime or OpenVINO; the
    table says which backend it compares with Chromium, and cheap exact ops
    agree."""
    if not available_backends()[backend]:
        why = f"the {backend} backend is not installed (pip install webnnpy[{backend}])"
        if CI:
            pytest.fail(f"CI=true but {why}")
        pytest.skip(why)
    table, details = tmp_path / "table.md", tmp_path / "details.json"
    rc = main(["--backend", backend, "--ops", "add,relu", "--samples", str(TESTS),
               "--table", str(table), "--details", str(details), "-q"])
    assert rc == 0
    text = table.read_text()
    title = text.splitlines()[0]
    assert f"backend (`{backend}`) vs Chromium" in title, title
    assert f"--backend {backend}" in text
    results = json.loads(details.read_text())
    ran = [r for r in results if r["status"] != "skipped"]
    assert {r["op"] for r in ran} == {"add", "relu"}
    assert len(ran) > 20
    bad = [f"{r['op']} {r['data_type']} {r['variant']}: {r['status']} "
           f"{r['detail']} {r['examples'][:2]}" for r in ran if r["status"] != "agree"]
    assert not bad, "\n".join(bad)
    assert not [r for r in ran if r["vs_reference"]]
    assert f"{len(ran)} cases: {len(ran)} agree, 0 disagree" in text


def test_crosscheck_bad_backend_is_a_usage_error(
        capsys: pytest.CaptureFixture[str]) -> None:
    """An unknown ``--backend`` is a one-line usage error (exit 2) before any
    browser starts."""
    with pytest.raises(SystemExit) as e:
        main(["--backend", "tensorflow", "--ops", "add"])
    assert e.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert "--backend" in err[-1] and "'tensorflow'" in err[-1], err
    assert "onnxruntime" in err[-1] and "openvino" in err[-1], err
    assert err[-1].startswith("python -m crosscheck: error:"), err
    assert "Traceback" not in "\n".join(err)
