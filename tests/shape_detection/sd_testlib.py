"""Helpers for the Shape Detection tests (imported as ``sd_testlib``).

Locally, a missing optional part (Pillow, zxing-cpp, mediapipe's model
files, rapidocr's, LiteRT, segno, python-barcode, ray) skips the tests that
need it; under ``CI=true``, where the dev extra and the README's --no-deps
packages install them, a missing one fails.
"""

from __future__ import annotations

import os
import struct
import zlib
from pathlib import Path
from typing import Any

import pytest

from webnnpy.backends import available_backends

CI = os.environ.get("CI", "").strip().lower() == "true"
PHOTO = Path(__file__).parents[1] / "samples" / "images" / "astronaut_256.png"

#: backends the model tests run on (WEBNNPY_TEST_BACKENDS=a,b, else the
#: installed ones of onnxruntime and numpy)
BACKENDS = ([b for b in os.environ["WEBNNPY_TEST_BACKENDS"].split(",") if b]
            if os.environ.get("WEBNNPY_TEST_BACKENDS") else
            [b for b in ("onnxruntime", "numpy") if available_backends().get(b)])


def require(module: str) -> Any:
    """Import ``module``; skip without it, except under CI=true (fail)."""
    if CI:
        return __import__(module, fromlist=["_"])
    return pytest.importorskip(module)


def require_models(*names: str) -> None:
    """Skip (fail under CI) unless the MediaPipe / zoo model files exist."""
    from webnnpy.models import zoo
    from webnnpy.models.tflite import mediapipe

    for n in names:
        try:
            if n in mediapipe.MODELS:
                mediapipe.find(n)
            else:
                zoo.find_model(n)
        except (mediapipe.ModelNotInstalledError, zoo.ModelNotInstalledError) as e:
            if CI:
                raise
            pytest.skip(str(e))


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that declares width x height (8-bit gray) with one tiny IDAT:
    enough for a header read, far from the pixels it claims."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
            + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b""))
