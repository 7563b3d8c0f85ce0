"""The ONNX importer over malformed and hostile files (issue #11): truncated
and flipped bytes, huge declared dims, cycles, deep If/Loop nesting, external
data outside the folder or missing.  ``load`` and ``inspect`` must succeed or
raise an ``OnnxImportError``, each call within ``CASE_SECONDS``, in a child
process whose address space is capped (tests/fuzz/onnx_files.py).

Findings (another exception type) become named cases of
``test_hostile_onnx_file_raises_onnx_import_error`` in
tests/test_fuzz_regressions.py once fixed (``onnx_files.KNOWN_FINDINGS``
lists patterns of any not fixed yet); the long run is
``python -m tests.fuzz onnx --minutes N``.
"""

from __future__ import annotations

import pytest

pytest.importorskip("onnx")

from fuzz.onnx_files import is_known, named_cases, run_cases

#: case name -> why it is a known finding (see tests/test_fuzz_regressions.py)
KNOWN: dict[str, str] = {}

MUTATION_SEED = 11
MUTATIONS = 120


def _findings(recs: list[dict]) -> list[dict]:
    return [r for r in recs if r["outcome"] not in ("ok", "import_error")
            and not is_known(r)]


@pytest.fixture(scope="module")
def named() -> list[dict]:
    return run_cases("named", timeout=240)


def test_named_hostile_files_raise_only_onnx_import_errors(named) -> None:
    bad = _findings(named)
    assert not bad, "\n".join(map(str, bad))


def test_every_named_case_ran_both_calls(named) -> None:
    seen = {(r["case"], r["call"]) for r in named}
    missing = [(c.name, call) for c in named_cases() for call in ("load", "inspect")
               if (c.name, call) not in seen]
    assert not missing, missing


def test_the_valid_models_still_load(named) -> None:
    # the mutations start from models that import: a refusal of everything
    # would make the other checks vacuous
    ok = {r["case"] for r in named if r["outcome"] == "ok" and r["call"] == "load"}
    assert "external data present" in ok, named
    assert "external data in a subfolder" in ok, named


def test_random_mutations_raise_only_onnx_import_errors() -> None:
    recs = run_cases("mutations", seed=MUTATION_SEED, count=MUTATIONS, timeout=240)
    assert len(recs) >= 2 * MUTATIONS
    bad = _findings(recs)
    assert not bad, "\n".join(map(str, bad))


OP_MUTATION_SEED = 7
OP_MUTATIONS = 300


def test_op_mutations_raise_only_onnx_import_errors() -> None:
    # one-op models (and ONNX Runtime contrib ops) with attributes,
    # constants and inputs changed: the handlers' reading of what a node
    # declares
    recs = run_cases("op", seed=OP_MUTATION_SEED, count=OP_MUTATIONS, timeout=240)
    recs += run_cases("op2", seed=OP_MUTATION_SEED, count=OP_MUTATIONS, timeout=240)
    recs += run_cases("contrib", seed=OP_MUTATION_SEED, count=OP_MUTATIONS // 4,
                      timeout=240)
    assert len(recs) >= 2 * (2 * OP_MUTATIONS + OP_MUTATIONS // 4)
    assert sum(r["outcome"] == "ok" for r in recs) > OP_MUTATIONS // 2, recs[:5]
    bad = _findings(recs)
    assert not bad, "\n".join(map(str, bad))
