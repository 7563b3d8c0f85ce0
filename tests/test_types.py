"""The whole package type-checks (mypy, the dev extra's version; the
package ships ``py.typed``)."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: mypy-clean, kept so by this test: the whole package (issue #12 began
#: with api, ir and backends)
CHECKED = ["src/webnnpy"]


def test_mypy_clean(tmp_path: Path) -> None:
    if importlib.util.find_spec("mypy") is None:
        if os.environ.get("CI", "").strip().lower() == "true":
            pytest.fail("CI=true but mypy is not installed (the dev extra has it)")
        pytest.skip("mypy is not installed (pip install -e '.[dev]')")
    r = subprocess.run([sys.executable, "-m", "mypy", "--cache-dir",
                        str(tmp_path / "mypy-cache"), *CHECKED],
                       cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout[-6000:] + r.stderr[-2000:]
