"""Fixtures for the TFLite importer tests: the test-model writer
(``tflite_writer``) and LiteRT, the oracle.

Locally, missing ``tflite`` / ``ai-edge-litert`` skip these tests; under
``CI=true`` (where the dev extra installs them) a missing one fails.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

CI = os.environ.get("CI", "").strip().lower() == "true"
sys.path.insert(0, str(Path(__file__).parent))


def require(module: str) -> object:
    """Import ``module``; skip without it, except under CI=true (fail)."""
    if CI:
        return __import__(module, fromlist=["_"])
    return pytest.importorskip(module)


require("tflite")
require("ai_edge_litert.interpreter")
