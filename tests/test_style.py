"""The tree is ruff-clean (the version pinned in the dev extra)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_ruff_clean():
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which(
        "ruff")
    if ruff is None:
        if os.environ.get("CI", "").strip().lower() == "true":
            pytest.fail("CI=true but ruff is not installed (the dev extra pins it)")
        pytest.skip("ruff is not installed (pip install -e '.[dev]')")
    r = subprocess.run([ruff, "check", "src", "tests", "codegen", "examples", "benchmarks",
                        "conformance", "crosscheck"],
                       cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout[-4000:]
