"""Fuzzers: random graphs compared between every installed backend and the
NumPy reference (``python -m tests.fuzz``), and hostile ONNX files for the
importer (``python -m tests.fuzz onnx``).  See tests/fuzz/README.md."""

from __future__ import annotations

import sys
from pathlib import Path

# tolerances.py and samples/ live in tests/, which pytest's conftest puts on
# sys.path; ``python -m tests.fuzz`` needs it too
_TESTS = str(Path(__file__).resolve().parents[1])
if _TESTS not in sys.path:
    sys.path.insert(0, _TESTS)

__all__: list[str] = []
