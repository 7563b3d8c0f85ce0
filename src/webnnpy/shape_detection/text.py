"""``TextDetector``: PP-OCRv6 text detection + recognition through WebNN
graphs, the pipeline of :func:`webnnpy.tasks.ocr.read_text` (``webnnpy demo
ocr``): the models ship in the registry package ``rapidocr`` (``pip install
--no-deps rapidocr==3.10.0``).  ``raw_value`` is the recognized line;
``corner_points`` its (possibly rotated) box, top-left first, clockwise."""

from __future__ import annotations

from typing import Any

import numpy as np

from webnnpy.shape_detection._image import load_rgb
from webnnpy.shape_detection._types import DetectedText, DOMRectReadOnly, Point2D

__all__ = ["TextDetector"]


class TextDetector:
    """The text-detection document's ``TextDetector()``.

    Args:
        backend: the webnnpy backend (None: the default context's).
        classify: also run PP-OCR's orientation classifier (turns
            upside-down lines).
    """

    def __init__(self, *, backend: str | None = None, classify: bool = False) -> None:
        self.backend = backend
        self.classify = bool(classify)

    def detect(self, image: Any) -> list[DetectedText]:
        """The text lines in ``image``, in reading order."""
        return self.detect_rgb(load_rgb(image, what="TextDetector.detect"))

    def detect_rgb(self, rgb: np.ndarray) -> list[DetectedText]:
        """:meth:`detect` on an H x W x 3 uint8 RGB array."""
        from webnnpy.tasks import ocr

        if rgb.shape[0] == 0 or rgb.shape[1] == 0:
            return []
        out = []
        for line in ocr.read_text(rgb, backend=self.backend, classify=self.classify):
            corners = tuple(Point2D(float(x), float(y)) for x, y in line.box)
            out.append(DetectedText(DOMRectReadOnly.from_points(corners), line.text,
                                    corners, float(line.score)))
        return out

    def detect_async(self, image: Any) -> Any:
        """:meth:`detect` as an :class:`~webnnpy.MLPromise` (awaitable)."""
        from webnnpy.shape_detection._async import run_async

        return run_async(self.detect, image)

    def __repr__(self) -> str:
        return "TextDetector()"
