"""The Shape Detection API's result dictionaries, as frozen dataclasses.

WICG ``shape-detection-api`` (and its informative text-detection sister
document): ``DetectedFace``, ``DetectedBarcode``, ``DetectedText``,
``Landmark``, ``LandmarkType`` and ``BarcodeFormat``.  ``DOMRectReadOnly`` and
``Point2D`` are the geometry types the IDL uses; coordinates are in pixels of
the source image (x to the right, y down, origin at the top-left corner).
Attribute names are the IDL's in snake_case (``boundingBox`` ->
``bounding_box``); :meth:`to_dict` gives the IDL's camelCase names, as JSON.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = [
    "BARCODE_FORMATS",
    "LANDMARK_TYPES",
    "DOMRectReadOnly",
    "DetectedBarcode",
    "DetectedFace",
    "DetectedText",
    "Landmark",
    "Point2D",
]

#: The spec's ``LandmarkType`` enum.
LANDMARK_TYPES = ("mouth", "eye", "nose")

#: The spec's ``BarcodeFormat`` enum (``"unknown"`` is a result value only: it
#: cannot be asked for).
BARCODE_FORMATS = ("aztec", "code_128", "code_39", "code_93", "codabar",
                   "data_matrix", "ean_13", "ean_8", "itf", "pdf417", "qr_code",
                   "unknown", "upc_a", "upc_e")


@dataclass(frozen=True)
class Point2D:
    """``Point2D``: a point in image pixels."""

    x: float
    y: float

    def to_dict(self) -> dict[str, float]:
        return {"x": self.x, "y": self.y}


@dataclass(frozen=True)
class DOMRectReadOnly:
    """``DOMRectReadOnly``: ``x``, ``y`` (top-left), ``width``, ``height``,
    with the derived ``top``, ``right``, ``bottom``, ``left``."""

    x: float
    y: float
    width: float
    height: float

    @property
    def left(self) -> float:
        return min(self.x, self.x + self.width)

    @property
    def right(self) -> float:
        return max(self.x, self.x + self.width)

    @property
    def top(self) -> float:
        return min(self.y, self.y + self.height)

    @property
    def bottom(self) -> float:
        return max(self.y, self.y + self.height)

    @classmethod
    def from_points(cls, points: Any) -> DOMRectReadOnly:
        """The axis-aligned rectangle around ``points`` (Point2D or (x, y))."""
        xs = [float(p.x if isinstance(p, Point2D) else p[0]) for p in points]
        ys = [float(p.y if isinstance(p, Point2D) else p[1]) for p in points]
        return cls(min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys))

    def to_dict(self) -> dict[str, float]:
        return {"x": self.x, "y": self.y, "width": self.width, "height": self.height}


@dataclass(frozen=True)
class Landmark:
    """``Landmark``: a ``type`` (``"eye"``, ``"mouth"`` or ``"nose"``) and its
    ``locations`` (here one point each: the keypoint the model gives)."""

    type: Literal["mouth", "eye", "nose"]
    locations: tuple[Point2D, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.type, "locations": [p.to_dict() for p in self.locations]}


@dataclass(frozen=True)
class DetectedFace:
    """``DetectedFace``: ``bounding_box``, ``landmarks`` (two eyes, nose,
    mouth).  Beyond the spec: ``score`` (the detector's confidence, 0..1) and
    ``keypoints`` (all six of the model's points by name, the two ear
    tragions included, which are not a spec ``LandmarkType``)."""

    bounding_box: DOMRectReadOnly
    landmarks: tuple[Landmark, ...] = ()
    score: float = 0.0
    keypoints: dict[str, Point2D] = field(default_factory=dict, compare=False)

    def to_dict(self) -> dict[str, Any]:
        return {"boundingBox": self.bounding_box.to_dict(),
                "landmarks": [lm.to_dict() for lm in self.landmarks],
                "score": self.score,
                "keypoints": {k: p.to_dict() for k, p in self.keypoints.items()}}


@dataclass(frozen=True)
class DetectedText:
    """``DetectedText``: ``bounding_box``, ``raw_value`` (the recognized
    text), ``corner_points`` (top-left first, clockwise).  Beyond the spec:
    ``score`` (the recognizer's mean CTC probability)."""

    bounding_box: DOMRectReadOnly
    raw_value: str
    corner_points: tuple[Point2D, ...]
    score: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"boundingBox": self.bounding_box.to_dict(), "rawValue": self.raw_value,
                "cornerPoints": [p.to_dict() for p in self.corner_points],
                "score": self.score}


@dataclass(frozen=True)
class DetectedBarcode:
    """``DetectedBarcode``: ``bounding_box``, ``raw_value`` (the decoded
    string), ``format`` (a spec ``BarcodeFormat``), ``corner_points``
    (top-left first, clockwise)."""

    bounding_box: DOMRectReadOnly
    raw_value: str
    format: str
    corner_points: tuple[Point2D, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"boundingBox": self.bounding_box.to_dict(), "rawValue": self.raw_value,
                "format": self.format,
                "cornerPoints": [p.to_dict() for p in self.corner_points]}
