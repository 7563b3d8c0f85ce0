"""The 14 ``.tflite`` vision models shipped inside the registry wheel
``mediapipe==0.10.21`` (``pip install --no-deps mediapipe==0.10.21``), and
the inputs the tests and ``python -m benchmarks.tflite`` feed them.

Nothing is downloaded: the files are found in the installed package.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["MODELS", "MediaPipeModel", "ModelNotInstalledError", "find", "model_input"]


class ModelNotInstalledError(FileNotFoundError):
    """The ``mediapipe`` package (with its model files) is not installed."""


@dataclass(frozen=True)
class MediaPipeModel:
    """A model file inside the mediapipe package, the value range its image
    input expects, and the region of the test photo it is fed (``crop``:
    (left, top, right, bottom) as fractions of the image)."""

    path: str
    value_range: tuple[float, float]
    crop: tuple[float, float, float, float]
    subject: str


_WHOLE = (0.0, 0.0, 1.0, 1.0)
_FACE = (0.24, 0.0, 0.64, 0.42)
_EYE = (0.33, 0.17, 0.43, 0.27)
_HAND = (0.12, 0.70, 0.52, 1.0)

#: name -> model; the 14 files of mediapipe 0.10.21's modules/
MODELS: dict[str, MediaPipeModel] = {
    "face_detection_short_range": MediaPipeModel(
        "modules/face_detection/face_detection_short_range.tflite", (-1, 1),
        _WHOLE, "person"),
    "face_detection_full_range_sparse": MediaPipeModel(
        "modules/face_detection/face_detection_full_range_sparse.tflite", (-1, 1),
        _WHOLE, "person"),
    "face_landmark": MediaPipeModel(
        "modules/face_landmark/face_landmark.tflite", (0, 1), _FACE, "face"),
    "face_landmark_with_attention": MediaPipeModel(
        "modules/face_landmark/face_landmark_with_attention.tflite", (0, 1), _FACE,
        "face"),
    "iris_landmark": MediaPipeModel(
        "modules/iris_landmark/iris_landmark.tflite", (0, 1), _EYE, "eye"),
    "palm_detection_lite": MediaPipeModel(
        "modules/palm_detection/palm_detection_lite.tflite", (0, 1), _HAND,
        "gloved hand"),
    "palm_detection_full": MediaPipeModel(
        "modules/palm_detection/palm_detection_full.tflite", (0, 1), _HAND,
        "gloved hand"),
    "hand_landmark_lite": MediaPipeModel(
        "modules/hand_landmark/hand_landmark_lite.tflite", (0, 1), _HAND,
        "gloved hand"),
    "hand_landmark_full": MediaPipeModel(
        "modules/hand_landmark/hand_landmark_full.tflite", (0, 1), _HAND,
        "gloved hand"),
    "hand_recrop": MediaPipeModel(
        "modules/holistic_landmark/hand_recrop.tflite", (0, 1), _HAND,
        "gloved hand"),
    "pose_detection": MediaPipeModel(
        "modules/pose_detection/pose_detection.tflite", (-1, 1), _WHOLE, "person"),
    "pose_landmark_full": MediaPipeModel(
        "modules/pose_landmark/pose_landmark_full.tflite", (0, 1), _WHOLE,
        "person"),
    "selfie_segmentation": MediaPipeModel(
        "modules/selfie_segmentation/selfie_segmentation.tflite", (0, 1), _WHOLE,
        "person"),
    "selfie_segmentation_landscape": MediaPipeModel(
        "modules/selfie_segmentation/selfie_segmentation_landscape.tflite", (0, 1),
        _WHOLE, "person"),
}


def find(name: str) -> Path:
    """The installed file of model ``name``.

    Raises:
        KeyError: not one of :data:`MODELS`.
        ModelNotInstalledError: mediapipe is not installed (or lacks it).
    """
    m = MODELS[name]
    spec = importlib.util.find_spec("mediapipe")
    if spec is None or not spec.submodule_search_locations:
        raise ModelNotInstalledError(
            f"{name}: the mediapipe package is not installed (pip install --no-deps "
            f"mediapipe==0.10.21)")
    p = Path(next(iter(spec.submodule_search_locations))) / m.path
    if not p.is_file():
        raise ModelNotInstalledError(f"{name}: {p} is missing from the installed "
                                     f"mediapipe package")
    return p


def model_input(name: str, image: Any, shape: tuple[int, ...]) -> np.ndarray:
    """The model's input from an RGB photo (a PIL image): its crop, resized
    to the input's [1, H, W, 3] with bilinear filtering, scaled to its value
    range, float32."""
    from PIL import Image

    m = MODELS[name]
    w, h = image.size
    left, top, right, bottom = m.crop
    region = image.convert("RGB").crop((round(left * w), round(top * h),
                                        round(right * w), round(bottom * h)))
    region = region.resize((shape[2], shape[1]), Image.Resampling.BILINEAR)
    x = np.asarray(region, np.float32) / 255.0
    lo, hi = m.value_range
    return (x * (hi - lo) + lo).astype(np.float32)[None]
