"""Generated files are what their generators write now."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DIGEST = ROOT.parent / "shared" / "spec" / "spec_ops.json"


@pytest.mark.skipif(not DIGEST.exists(), reason="spec digest ../shared/spec not present")
def test_api_table_is_generated_from_the_digest():
    sys.path.insert(0, str(ROOT / "codegen"))
    import read_spec_digest

    table = read_spec_digest.build_table(json.loads(DIGEST.read_text()))
    committed = json.loads((ROOT / "src/webnnpy/_spec/api_table.json").read_text())
    assert table == committed, "run python codegen/read_spec_digest.py"


def test_docs_are_current():
    r = subprocess.run([sys.executable, str(ROOT / "codegen/write_docs.py"), "--check"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
