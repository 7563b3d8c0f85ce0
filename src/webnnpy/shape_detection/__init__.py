"""The Shape Detection API (WICG ``shape-detection-api``) in Python: the
WebNN proposal's "Usage API" example, built-in models easy to integrate.

    >>> from webnnpy.shape_detection import FaceDetector, BarcodeDetector
    >>> for face in FaceDetector(max_detected_faces=4).detect("photo.jpg"):
    ...     print(face.bounding_box, [lm.type for lm in face.landmarks])
    >>> BarcodeDetector(formats=["qr_code"]).detect(image)[0].raw_value
    >>> faces = await FaceDetector().detect_async(image)     # in asyncio

- :class:`FaceDetector`: MediaPipe's face detection models through WebNN
  graphs (:mod:`webnnpy.shape_detection.face`);
- :class:`TextDetector`: PP-OCRv6 detection + recognition through WebNN
  graphs (:mod:`webnnpy.shape_detection.text`);
- :class:`BarcodeDetector`: zxing-cpp, no neural network
  (:mod:`webnnpy.shape_detection.barcode`).

Image sources: a uint8 NumPy array (H x W x 3 RGB, H x W gray, H x W x 4
RGBA), a PIL image, a file path or encoded bytes (see
:func:`load_rgb`).  Over many images:
:func:`webnnpy.shape_detection.runner.detect_files` and ``webnnpy detect``
(:mod:`webnnpy.shape_detection.cli`), on Ray Data with
:func:`webnnpy.shape_detection.ray_data.detect_dataset`.

Nothing here is imported by ``import webnnpy``.
"""

from __future__ import annotations

from webnnpy.shape_detection._image import MAX_PIXELS, ImageDecodeError, load_rgb
from webnnpy.shape_detection._types import (
    BARCODE_FORMATS,
    LANDMARK_TYPES,
    DetectedBarcode,
    DetectedFace,
    DetectedText,
    DOMRectReadOnly,
    Landmark,
    Point2D,
)
from webnnpy.shape_detection.barcode import BarcodeDetector
from webnnpy.shape_detection.face import FaceDetector
from webnnpy.shape_detection.text import TextDetector

__all__ = [
    "BARCODE_FORMATS",
    "LANDMARK_TYPES",
    "MAX_PIXELS",
    "BarcodeDetector",
    "DOMRectReadOnly",
    "DetectedBarcode",
    "DetectedFace",
    "DetectedText",
    "FaceDetector",
    "ImageDecodeError",
    "Landmark",
    "Point2D",
    "TextDetector",
    "load_rgb",
]
