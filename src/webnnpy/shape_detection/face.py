"""``FaceDetector``: MediaPipe's BlazeFace face detection through WebNN graphs.

The models are the two ``.tflite`` files inside the registry wheel
``mediapipe==0.10.21`` (``pip install --no-deps mediapipe==0.10.21``),
imported with :func:`webnnpy.models.tflite.load` once per process and
backend.  ``fast_mode=True`` (the default) is the short-range model (128 x
128 input, faces within about 2 m); ``fast_mode=False`` the full-range one
(192 x 192, sparse).  Around the graph, NumPy does what MediaPipe's face
detection graph configures its calculators to do:

1. **input** (ImageToTensor, ``keep_aspect_ratio: true``): the image scaled
   by ``s = min(S / W, S / H)`` (bilinear, sampled as an affine warp does:
   see :func:`letterbox`), centred on an S x S black square (letterbox),
   values mapped to ``[-1, 1]``;
2. **anchors** (SsdAnchorsCalculator): for each group of consecutive layers
   with the same stride, a ``ceil(S / stride)``-square grid; per cell, per
   layer of the group, one anchor per aspect ratio plus one for the
   interpolated scale; with ``fixed_anchor_size`` every anchor is 1 x 1 at
   the cell centre ``((x + 0.5) / w, (y + 0.5) / h)``.  Short range:
   strides 8, 16, 16, 16 (2 anchors per 16 x 16 cell, 6 per 8 x 8 cell: 896);
   full range: stride 4, no interpolated anchor (48 x 48 = 2304);
3. **decoding** (TensorsToDetectionsCalculator): per anchor 16 values, box
   centre / size and six keypoints (x, y) divided by S and offset by the
   anchor centre; score = sigmoid of the logit clipped to [-100, 100]; kept
   if at least 0.5 (short) / 0.6 (full);
4. **weighted non-maximum suppression** (NonMaxSuppressionCalculator,
   ``WEIGHTED``, IoU threshold 0.3): the best remaining detection and every
   remaining one overlapping it by IoU > 0.3 are merged into one, box and
   keypoints averaged with the scores as weights, score the best one's;
5. **letterbox removal** and scaling to image pixels.

The six keypoints are, in the model's order: right eye, left eye, nose tip,
mouth centre, right ear tragion, left ear tragion (the subject's right and
left).  The spec's ``LandmarkType`` has ``eye``, ``nose`` and ``mouth``: the
eyes, nose and mouth become ``landmarks``; the ears are not a spec type and
appear only in ``DetectedFace.keypoints`` (all six, by name).
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from typing import Any

import numpy as np

from webnnpy.shape_detection._image import load_rgb
from webnnpy.shape_detection._types import (
    DetectedFace,
    DOMRectReadOnly,
    Landmark,
    Point2D,
)

__all__ = [
    "KEYPOINT_NAMES",
    "AnchorOptions",
    "FaceDetector",
    "FaceModelConfig",
    "decode_boxes",
    "letterbox",
    "raw_outputs",
    "ssd_anchors",
    "weighted_nms",
]

KEYPOINT_NAMES = ("right_eye", "left_eye", "nose_tip", "mouth_center",
                  "right_ear_tragion", "left_ear_tragion")
_LANDMARK_OF = {"right_eye": "eye", "left_eye": "eye", "nose_tip": "nose",
                "mouth_center": "mouth"}


@dataclass(frozen=True)
class AnchorOptions:
    """The SsdAnchorsCalculator options MediaPipe's face detection graphs
    set (only those that matter with ``fixed_anchor_size: true``)."""

    input_size: int
    strides: tuple[int, ...]
    num_layers: int
    min_scale: float = 0.1484375
    max_scale: float = 0.75
    aspect_ratios: tuple[float, ...] = (1.0,)
    interpolated_scale_aspect_ratio: float = 1.0
    anchor_offset: float = 0.5


@dataclass(frozen=True)
class FaceModelConfig:
    """One face detection model: its file (a name in
    :data:`webnnpy.models.tflite.mediapipe.MODELS`), anchors and decoding."""

    model: str
    anchors: AnchorOptions
    min_score: float
    nms_iou: float = 0.3
    score_clip: float = 100.0


SHORT_RANGE = FaceModelConfig(
    "face_detection_short_range",
    AnchorOptions(input_size=128, strides=(8, 16, 16, 16), num_layers=4),
    min_score=0.5)
FULL_RANGE = FaceModelConfig(
    "face_detection_full_range_sparse",
    AnchorOptions(input_size=192, strides=(4,), num_layers=1,
                  interpolated_scale_aspect_ratio=0.0),
    min_score=0.6)


def ssd_anchors(opts: AnchorOptions) -> np.ndarray:
    """Anchor centres (N x 2, x and y in [0, 1]) in the model's output
    order: layer groups of one stride, cells row by row, then the anchors of
    each cell (per layer of the group: one per aspect ratio, and one for the
    interpolated scale when ``interpolated_scale_aspect_ratio > 0``)."""
    out: list[np.ndarray] = []
    layer = 0
    while layer < opts.num_layers:
        stride = opts.strides[layer]
        per_cell = 0
        last = layer
        while last < opts.num_layers and opts.strides[last] == stride:
            per_cell += len(opts.aspect_ratios)
            if opts.interpolated_scale_aspect_ratio > 0:
                per_cell += 1
            last += 1
        size = math.ceil(opts.input_size / stride)
        ys, xs = np.mgrid[0:size, 0:size]
        centres = np.stack([(xs + opts.anchor_offset) / size,
                            (ys + opts.anchor_offset) / size], axis=-1).reshape(-1, 2)
        out.append(np.repeat(centres, per_cell, axis=0))
        layer = last
    return np.concatenate(out).astype(np.float64)


def letterbox(rgb: np.ndarray, size: int) -> tuple[np.ndarray, tuple[float, ...]]:
    """The model input (1 x S x S x 3 float32 in [-1, 1]) and the content's
    place in it: ``(left, top, width, height)`` as fractions of S.

    The image is scaled by ``s = min(S / W, S / H)`` and centred; output
    pixel ``(x, y)`` is the bilinear sample of the image at ``((x - left) /
    s, (y - top) / s)`` (integer coordinates at pixel corners, no
    anti-aliasing: what an affine warp with linear interpolation does, as
    MediaPipe's CPU ImageToTensor does with OpenCV), zero (black) outside.
    """
    h, w = rgb.shape[:2]
    s = min(size / w, size / h)
    cw, ch = w * s, h * s
    left, top = (size - cw) / 2, (size - ch) / 2
    sx = (np.arange(size, dtype=np.float64) - left) / s
    sy = (np.arange(size, dtype=np.float64) - top) / s
    x0 = np.floor(sx).astype(np.int64)
    y0 = np.floor(sy).astype(np.int64)
    fx = (sx - x0)[None, :, None]
    fy = (sy - y0)[:, None, None]

    # each of the two source rows of an output row is gathered (and made
    # float32) once, then its two columns: the arithmetic below is the
    # four-tap formula, in its order, but without converting the whole image
    # or gathering each row twice (2.2 ms -> ~1 ms for a 512 px photo)
    def row(yy: np.ndarray) -> np.ndarray:
        inside = ((yy >= 0) & (yy < h)).astype(np.float32)[:, None, None]
        return rgb[np.clip(yy, 0, h - 1)].astype(np.float32) * inside

    def tap(r: np.ndarray, xx: np.ndarray) -> np.ndarray:
        inside = ((xx >= 0) & (xx < w)).astype(np.float32)[None, :, None]
        return r[:, np.clip(xx, 0, w - 1)] * inside

    r0, r1 = row(y0), row(y0 + 1)
    v = ((tap(r0, x0) * (1 - fx) + tap(r0, x0 + 1) * fx) * (1 - fy)
         + (tap(r1, x0) * (1 - fx) + tap(r1, x0 + 1) * fx) * fy)
    x = (v * np.float32(2 / 255) - np.float32(1)).astype(np.float32)
    return x[None], (left / size, top / size, cw / size, ch / size)


def decode_boxes(raw_boxes: np.ndarray, raw_scores: np.ndarray, anchors: np.ndarray,
                 cfg: FaceModelConfig) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Detections above the score threshold: boxes (N x 4: xmin, ymin, xmax,
    ymax), keypoints (N x 6 x 2) in [0, 1] model-input coordinates, and
    scores (N)."""
    size = float(cfg.anchors.input_size)
    r = np.asarray(raw_boxes, np.float64).reshape(-1, 16)
    logits = np.clip(np.asarray(raw_scores, np.float64).reshape(-1),
                     -cfg.score_clip, cfg.score_clip)
    scores = 1.0 / (1.0 + np.exp(-logits))
    keep = scores >= cfg.min_score
    r, a, scores = r[keep], anchors[keep], scores[keep]
    cx = r[:, 0] / size + a[:, 0]
    cy = r[:, 1] / size + a[:, 1]
    w = r[:, 2] / size
    h = r[:, 3] / size
    boxes = np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], axis=1)
    kp = r[:, 4:16].reshape(-1, 6, 2) / size + a[:, None, :]
    return boxes, kp, scores


def _iou(box: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    ix = np.clip(np.minimum(box[2], boxes[:, 2]) - np.maximum(box[0], boxes[:, 0]),
                 0, None)
    iy = np.clip(np.minimum(box[3], boxes[:, 3]) - np.maximum(box[1], boxes[:, 1]),
                 0, None)
    inter = ix * iy
    area = (box[2] - box[0]) * (box[3] - box[1])
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    union = area + areas - inter
    return np.where(union > 0, inter / np.where(union > 0, union, 1), 0.0)


def weighted_nms(boxes: np.ndarray, keypoints: np.ndarray, scores: np.ndarray,
                 iou_threshold: float, max_detections: int | None = None
                 ) -> list[tuple[np.ndarray, np.ndarray, float]]:
    """Weighted non-maximum suppression: ``[(box, keypoints, score)]`` best
    first.  Repeatedly: the best remaining detection and all remaining ones
    with IoU above ``iou_threshold`` with it are replaced by their
    score-weighted mean (box and keypoints), with the best one's score."""
    order = np.argsort(-scores, kind="stable")
    remaining = order
    out: list[tuple[np.ndarray, np.ndarray, float]] = []
    while len(remaining) and (max_detections is None or len(out) < max_detections):
        best = remaining[0]
        overlap = _iou(boxes[best], boxes[remaining]) > iou_threshold
        overlap[0] = True
        group = remaining[overlap]
        wts = scores[group][:, None]
        total = float(wts.sum())
        box = (boxes[group] * wts).sum(axis=0) / total
        kp = (keypoints[group] * wts[:, :, None]).sum(axis=0) / total
        out.append((box, kp, float(scores[best])))
        remaining = remaining[~overlap]
    return out


_graph_lock = threading.Lock()
_graphs: dict[tuple[str, str | None], Any] = {}


def _graph(cfg: FaceModelConfig, backend: str | None) -> Any:
    """The imported WebNN graph of ``cfg.model`` on the process's context for
    ``backend`` (imported once)."""
    from webnnpy.models import tflite
    from webnnpy.models.tflite import mediapipe
    from webnnpy.tasks import model_cache

    key = (cfg.model, backend)
    with _graph_lock:
        m = _graphs.get(key)
        if m is None or m.context.lost.done():
            m = tflite.load(str(mediapipe.find(cfg.model)),
                            context=model_cache.context(backend))
            _graphs[key] = m
        return m


def raw_outputs(x: np.ndarray, *, fast_mode: bool = True,
                backend: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The face model's raw outputs for a prepared input (1 x S x S x 3):
    ``(regressors N x 16, classificator logits N)``."""
    cfg = SHORT_RANGE if fast_mode else FULL_RANGE
    m = _graph(cfg, backend)
    outs = m.run({m.input_names[0]: x})
    by_width = {v.shape[-1]: v for v in outs.values()}
    return by_width[16][0], by_width[1][0, :, 0]


_anchor_cache: dict[AnchorOptions, np.ndarray] = {}


def _anchors(opts: AnchorOptions) -> np.ndarray:
    a = _anchor_cache.get(opts)
    if a is None:
        a = _anchor_cache.setdefault(opts, ssd_anchors(opts))
    return a


class FaceDetector:
    """The spec's ``FaceDetector(FaceDetectorOptions)``.

    Args:
        max_detected_faces: at most this many faces, best first (the spec's
            ``maxDetectedFaces``; a hint there, a limit here).
        fast_mode: True (the spec's "speed over accuracy"): the short-range
            model; False: the full-range one.
        backend: the webnnpy backend (None: the default context's).
    """

    def __init__(self, *, max_detected_faces: int | None = None,
                 fast_mode: bool = True, backend: str | None = None) -> None:
        if max_detected_faces is not None:
            if (isinstance(max_detected_faces, bool)
                    or not isinstance(max_detected_faces, int | np.integer)):
                raise TypeError(f"FaceDetector: max_detected_faces must be an "
                                f"integer; got {type(max_detected_faces).__name__}")
            if not 0 <= max_detected_faces <= 0xFFFF:
                raise TypeError(f"FaceDetector: max_detected_faces must be in "
                                f"[0, 65535] (unsigned short); got "
                                f"{max_detected_faces}")
        self.max_detected_faces = max_detected_faces
        self.fast_mode = bool(fast_mode)
        self.backend = backend
        self._config = SHORT_RANGE if self.fast_mode else FULL_RANGE

    def detect(self, image: Any) -> list[DetectedFace]:
        """The faces in ``image`` (see :mod:`webnnpy.shape_detection`'s image
        sources), best first."""
        rgb = load_rgb(image, what="FaceDetector.detect")
        return self.detect_rgb(rgb)

    def detect_rgb(self, rgb: np.ndarray) -> list[DetectedFace]:
        """:meth:`detect` on an H x W x 3 uint8 RGB array."""
        h, w = rgb.shape[:2]
        if h == 0 or w == 0 or self.max_detected_faces == 0:
            return []
        cfg = self._config
        x, (left, top, cw, ch) = letterbox(rgb, cfg.anchors.input_size)
        raw_boxes, raw_scores = raw_outputs(x, fast_mode=self.fast_mode,
                                            backend=self.backend)
        boxes, kps, scores = decode_boxes(raw_boxes, raw_scores,
                                          _anchors(cfg.anchors), cfg)
        faces = []
        for box, kp, score in weighted_nms(boxes, kps, scores, cfg.nms_iou,
                                           self.max_detected_faces):
            # letterbox removal, then image pixels
            bx = (box[[0, 2]] - left) / cw * w
            by = (box[[1, 3]] - top) / ch * h
            kx = (kp[:, 0] - left) / cw * w
            ky = (kp[:, 1] - top) / ch * h
            x0, x1 = np.clip(bx, 0, w)
            y0, y1 = np.clip(by, 0, h)
            points = {n: Point2D(float(px), float(py))
                      for n, px, py in zip(KEYPOINT_NAMES, kx, ky, strict=True)}
            landmarks = tuple(Landmark(_LANDMARK_OF[n], (points[n],))  # type: ignore[arg-type]
                              for n in KEYPOINT_NAMES if n in _LANDMARK_OF)
            faces.append(DetectedFace(
                DOMRectReadOnly(float(x0), float(y0), float(x1 - x0), float(y1 - y0)),
                landmarks, score, points))
        return faces

    def detect_async(self, image: Any) -> Any:
        """:meth:`detect` as an :class:`~webnnpy.MLPromise` (awaitable)."""
        from webnnpy.shape_detection._async import run_async

        return run_async(self.detect, image)

    def __repr__(self) -> str:
        return (f"FaceDetector(max_detected_faces={self.max_detected_faces}, "
                f"fast_mode={self.fast_mode})")
