"""Fixtures for the Shape Detection tests (helpers: ``sd_testlib``)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from sd_testlib import PHOTO, require


@pytest.fixture(scope="session")
def photo() -> Any:
    """The shipped astronaut photo (256 x 256 RGB, PIL)."""
    image = require("PIL.Image")
    return image.open(PHOTO).convert("RGB")
