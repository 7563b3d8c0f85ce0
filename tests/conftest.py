"""Fixtures: a context per backend under test.

``context`` runs each test on the NumPy reference backend (and, once they
exist, on every other installed backend: see BACKENDS below).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
# the source tree's runners (crosscheck/, benchmarks/, conformance/) for their tests
sys.path.insert(1, str(Path(__file__).resolve().parents[1]))

import webnnpy

#: backends the per-op tests run on (defined in helpers.py)
from helpers import BACKENDS
from tolerances import EXCLUDES

#: The stages CI must not pass by skipping: lint, types, generated files,
#: the op tables, the browser.  Under CI=true a skip of any test in these
#: files is reported as a failure (each file's own skips say why outside CI).
REQUIRED_STAGES = ("test_style.py", "test_types.py", "test_codegen.py",
                   "test_op_tables.py", "browser/")
CI = os.environ.get("CI", "").strip().lower() == "true"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    outcome = yield
    report = outcome.get_result()
    path = Path(str(item.fspath)).as_posix()
    if CI and report.skipped and any(
            path.endswith(s) or f"/{s}" in path for s in REQUIRED_STAGES):
        report.outcome = "failed"
        report.longrepr = (f"CI=true: {item.nodeid} is a required stage and was "
                           f"skipped ({report.longrepr})")


@pytest.fixture(scope="session", autouse=True)
def _graph_cache_in_a_temporary_folder(tmp_path_factory: pytest.TempPathFactory
                                       ) -> None:
    """The tests' graph cache (tasks load their models with cache=True) lives
    in a folder of this session, never in the user's ~/.cache; a test that
    wants its own sets WEBNNPY_CACHE_DIR itself."""
    os.environ["WEBNNPY_CACHE_DIR"] = str(tmp_path_factory.mktemp("graph-cache"))


@pytest.fixture(params=BACKENDS)
def context(request: pytest.FixtureRequest) -> webnnpy.MLContext:
    """A fresh context on each backend under test (tests listed in
    ``tolerances.EXCLUDES`` for a backend are skipped there, with the
    reason)."""
    excluded = EXCLUDES.get(request.param, {})
    why = excluded.get(request.node.originalname) or excluded.get(request.node.name)
    if why:
        pytest.skip(f"not on {request.param}: {why}")
    ctx = webnnpy.ml.create_context(backend=request.param)
    yield ctx
    ctx.destroy()


@pytest.fixture
def ref_context() -> webnnpy.MLContext:
    """A NumPy reference context (for validation tests that need no backend)."""
    ctx = webnnpy.ml.create_context(backend="numpy")
    yield ctx
    ctx.destroy()


@pytest.fixture
def builder(ref_context: webnnpy.MLContext) -> webnnpy.MLGraphBuilder:
    """A builder on the reference context."""
    return webnnpy.MLGraphBuilder(ref_context)
