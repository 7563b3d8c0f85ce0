"""Read the text in an image with PP-OCRv6, through WebNN graphs.

    >>> from webnnpy.tasks import ocr
    >>> for text, score, box in ocr.read_text("photo.png"):
    ...     print(text, score)
    >>> ocr.read_text(ocr.render_line("Hello WebNN 2026"))[0].text
    'Hello WebNN 2026'

The models are the PP-OCRv6 small detection and recognition networks (and
the PP-OCR mobile orientation classifier) that ``rapidocr`` ships
(``pip install --no-deps rapidocr==3.10.0``; see :mod:`webnnpy.models.zoo`),
imported with :func:`webnnpy.models.onnx.load` once per input shape and kept
for the process.  Everything around them is NumPy and Pillow:

1. detection input: the image as BGR (the order PaddleOCR trains on), scaled
   so that its longer side is at most ``limit_side_len`` and both sides are
   multiples of 32, then ``(x / 255 - 0.5) / 0.5``, NCHW;
2. the detection graph gives a text probability map (DB: differentiable
   binarization); it is thresholded at ``0.3`` and dilated by 2x2, the
   8-connected regions are labelled (runs per row, joined across rows), each
   region gets its minimum-area rectangle (convex hull + rotating calipers),
   kept if the mean probability inside is at least ``0.5``, and grown by DB's
   unclip distance ``area * 1.6 / perimeter`` on every side;
3. each rectangle is cut out and straightened (Pillow's quad transform),
   optionally turned 180 degrees when the orientation classifier says so,
   scaled to height 48, normalized like (1), padded with zeros to a width
   that is a multiple of 64 (at least 320), and run through the recognition
   graph;
4. the recognition output (per step, the probabilities of blank + the
   18,708 characters of the model's ``character`` metadata + space) is read
   by CTC greedy decoding: the best class per step, repeats merged, blanks
   dropped; the score is the mean probability of the kept steps.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np

__all__ = [
    "DB_BOX_THRESH",
    "DB_THRESH",
    "DB_UNCLIP_RATIO",
    "TextLine",
    "characters",
    "ctc_greedy_decode",
    "db_boxes",
    "detect",
    "label_components",
    "min_area_rect",
    "read_text",
    "recognize",
    "render_line",
]

DB_THRESH = 0.3
DB_BOX_THRESH = 0.5
DB_UNCLIP_RATIO = 1.6
DB_MIN_SIZE = 3
DB_MAX_CANDIDATES = 1000
REC_HEIGHT = 48
REC_MIN_WIDTH = 320
REC_WIDTH_STEP = 64
REC_MAX_WIDTH = 3200
CLS_SHAPE = (48, 192)
CLS_THRESH = 0.9
TEXT_SCORE = 0.5


class TextLine(NamedTuple):
    """One recognized line: its text, score (mean CTC probability) and box
    (4 x 2 float32 corners in image pixels: top-left, top-right,
    bottom-right, bottom-left)."""

    text: str
    score: float
    box: np.ndarray


# ------------------------------------------------------------------ images


def _rgb(image: Any) -> np.ndarray:
    """An image (path, PIL image, or HxW / HxWx3 / HxWx4 uint8 RGB array) as
    an HxWx3 uint8 RGB array."""
    if isinstance(image, str | os.PathLike):
        from PIL import Image

        with Image.open(image) as im:
            return np.asarray(im.convert("RGB"))
    if hasattr(image, "convert") and hasattr(image, "size"):  # PIL image
        return np.asarray(image.convert("RGB"))
    a = np.asarray(image)
    if a.dtype != np.uint8:
        raise TypeError(f"read_text: an image array must be uint8; got {a.dtype}")
    if a.ndim == 2:
        a = np.repeat(a[:, :, None], 3, axis=2)
    if a.ndim != 3 or a.shape[2] not in (3, 4):
        raise TypeError(f"read_text: an image array must be HxW, HxWx3 or HxWx4; "
                        f"got shape {list(a.shape)}")
    return np.ascontiguousarray(a[:, :, :3])


def _resize(rgb: np.ndarray, width: int, height: int) -> np.ndarray:
    from PIL import Image

    if rgb.shape[1] == width and rgb.shape[0] == height:
        return rgb
    im = Image.fromarray(rgb).resize((width, height), Image.Resampling.BILINEAR)
    return np.asarray(im)


def _normalize_bgr(rgb: np.ndarray) -> np.ndarray:
    """HxWx3 uint8 RGB -> 3xHxW float32 BGR in [-1, 1]."""
    x = rgb[:, :, ::-1].astype(np.float32) * np.float32(2 / 255) - np.float32(1)
    return np.ascontiguousarray(x.transpose(2, 0, 1))


def render_line(text: str, *, size: int = 48, margin: int | None = None) -> Any:
    """``text`` drawn in black on white with Pillow's default font at
    ``size`` pixels (a scalable font with Pillow >= 10.1 and FreeType), with
    ``margin`` pixels of white around it (default: ``size // 2``)."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.load_default(size=size)
    margin = size // 2 if margin is None else margin
    left, top, right, bottom = ImageDraw.Draw(Image.new("RGB", (1, 1))).textbbox(
        (0, 0), text, font=font)
    width = max(1, math.ceil(right - left)) + 2 * margin
    height = max(1, math.ceil(bottom - top)) + 2 * margin
    im = Image.new("RGB", (width, height), "white")
    ImageDraw.Draw(im).text((margin - left, margin - top), text, fill="black",
                            font=font)
    return im


# ------------------------------------------------------- region geometry


def label_components(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray,
                                                 np.ndarray, int]:
    """8-connected regions of a 2-D bool mask, by runs.

    Returns ``(rows, starts, ends, labels, n)``: every horizontal run of
    True pixels (row, first column, one past the last column), the region
    label (0..n-1) of each run, and the number of regions.  Runs overlapping
    or touching diagonally in adjacent rows are joined.
    """
    m = np.asarray(mask, dtype=bool)
    h, w = m.shape
    padded = np.zeros((h, w + 2), np.int8)
    padded[:, 1:-1] = m
    d = np.diff(padded, axis=1)
    rows, starts = np.nonzero(d == 1)
    _, ends = np.nonzero(d == -1)
    n_runs = len(rows)
    if n_runs == 0:
        e = np.zeros(0, np.int64)
        return e, e, e, e, 0
    k = w + 2
    start_key = rows.astype(np.int64) * k + starts
    end_key = rows.astype(np.int64) * k + ends
    # runs of the next row that touch run i: end >= start_i, start <= end_i
    nxt = (rows.astype(np.int64) + 1) * k
    lo = np.searchsorted(end_key, nxt + starts, side="left")
    hi = np.searchsorted(start_key, nxt + ends, side="right")
    count = np.maximum(hi - lo, 0)
    a = np.repeat(np.arange(n_runs), count)
    b = (np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
         + np.repeat(lo, count))
    parent = np.arange(n_runs)
    while True:
        m_ab = np.minimum(parent[a], parent[b])
        new = parent.copy()
        np.minimum.at(new, a, m_ab)
        np.minimum.at(new, b, m_ab)
        new = new[new]  # pointer jumping
        new = new[new]
        if np.array_equal(new, parent):
            break
        parent = new
    roots, labels = np.unique(parent, return_inverse=True)
    return rows, starts, ends, labels.reshape(-1), len(roots)


def _convex_hull(points: np.ndarray) -> np.ndarray:
    """Counter-clockwise convex hull (monotone chain) of N x 2 points."""
    pts = np.unique(np.asarray(points, np.float64), axis=0)  # sorted by x, y
    if len(pts) <= 2:
        return pts

    def half(seq: np.ndarray) -> list[np.ndarray]:
        out: list[np.ndarray] = []
        for p in seq:
            while len(out) >= 2:
                (x1, y1), (x2, y2) = out[-2], out[-1]
                if (x2 - x1) * (p[1] - y1) - (y2 - y1) * (p[0] - x1) > 0:
                    break
                out.pop()
            out.append(p)
        return out

    lower, upper = half(pts), half(pts[::-1])
    return np.array(lower[:-1] + upper[:-1])


def min_area_rect(points: np.ndarray) -> tuple[np.ndarray, float, float]:
    """The minimum-area rectangle enclosing N x 2 points.

    Returns ``(corners, width, height)``: 4 x 2 corners in order around the
    rectangle, and its side lengths (``width`` along the first edge).
    Collinear points give a rectangle of height 0.
    """
    hull = _convex_hull(points)
    if len(hull) == 1:
        return np.repeat(hull, 4, axis=0), 0.0, 0.0
    edges = np.roll(hull, -1, axis=0) - hull
    lengths = np.hypot(edges[:, 0], edges[:, 1])
    keep = lengths > 0
    u = edges[keep] / lengths[keep, None]              # E x 2 edge directions
    v = np.stack([-u[:, 1], u[:, 0]], axis=1)          # their normals
    pu = hull @ u.T                                     # N x E
    pv = hull @ v.T
    u0, u1 = pu.min(axis=0), pu.max(axis=0)
    v0, v1 = pv.min(axis=0), pv.max(axis=0)
    area = (u1 - u0) * (v1 - v0)
    i = int(np.argmin(area))
    uu, vv = u[i], v[i]
    corners = np.array([uu * u0[i] + vv * v0[i], uu * u1[i] + vv * v0[i],
                        uu * u1[i] + vv * v1[i], uu * u0[i] + vv * v1[i]])
    return corners, float(u1[i] - u0[i]), float(v1[i] - v0[i])


def _order_box(corners: np.ndarray) -> np.ndarray:
    """Corners as top-left, top-right, bottom-right, bottom-left (the two
    leftmost are the left side; on each side the higher one is on top)."""
    pts = corners[np.argsort(corners[:, 0], kind="stable")]
    left, right = pts[:2], pts[2:]
    tl, bl = left[np.argsort(left[:, 1], kind="stable")]
    tr, br = right[np.argsort(right[:, 1], kind="stable")]
    return np.array([tl, tr, br, bl])


def _mean_inside(prob: np.ndarray, box: np.ndarray) -> float:
    """Mean of ``prob`` over the pixels whose centers lie in the convex
    quadrilateral ``box`` (or within half a pixel of its edges)."""
    h, w = prob.shape
    x0 = int(np.clip(np.floor(box[:, 0].min()), 0, w - 1))
    x1 = int(np.clip(np.ceil(box[:, 0].max()), 0, w - 1))
    y0 = int(np.clip(np.floor(box[:, 1].min()), 0, h - 1))
    y1 = int(np.clip(np.ceil(box[:, 1].max()), 0, h - 1))
    ys, xs = np.mgrid[y0:y1 + 1, x0:x1 + 1]
    inside = np.ones(xs.shape, bool)
    center = box.mean(axis=0)
    for j in range(4):
        p, q = box[j], box[(j + 1) % 4]
        ex, ey = q - p
        length = math.hypot(ex, ey)
        if length == 0:
            continue
        side = np.sign(ex * (center[1] - p[1]) - ey * (center[0] - p[0])) or 1.0
        dist = side * (ex * (ys - p[1]) - ey * (xs - p[0])) / length
        inside &= dist >= -0.5
    region = prob[y0:y1 + 1, x0:x1 + 1]
    return float(region[inside].mean()) if inside.any() else 0.0


def db_boxes(prob: np.ndarray, image_size: tuple[int, int], *,
             thresh: float = DB_THRESH, box_thresh: float = DB_BOX_THRESH,
             unclip_ratio: float = DB_UNCLIP_RATIO, dilate: bool = True
             ) -> list[tuple[np.ndarray, float]]:
    """DB post-processing: text boxes from a probability map.

    ``prob`` is the H x W map of the detection input; ``image_size`` is the
    original image's (width, height), which the boxes are scaled to.  Returns
    ``[(box, score)]``, box 4 x 2 float32 (top-left, top-right, bottom-right,
    bottom-left), sorted top to bottom, then left to right within a line.
    """
    h, w = prob.shape
    dest_w, dest_h = image_size
    mask = prob > thresh
    if dilate:  # 2x2 structuring element: a pixel is set if it or its up/left
        d = mask.copy()  # neighbours are
        d[1:, :] |= mask[:-1, :]
        d[:, 1:] |= mask[:, :-1]
        d[1:, 1:] |= mask[:-1, :-1]
        mask = d
    rows, starts, ends, labels, n = label_components(mask)
    order = np.argsort(labels, kind="stable")
    bounds = np.searchsorted(labels[order], np.arange(n + 1))
    out: list[tuple[np.ndarray, float]] = []
    for c in range(min(n, DB_MAX_CANDIDATES)):
        idx = order[bounds[c]:bounds[c + 1]]
        ys = rows[idx].astype(np.float64)
        pts = np.concatenate([np.stack([starts[idx], ys], 1),
                              np.stack([ends[idx] - 1, ys], 1)]).astype(np.float64)
        corners, rw, rh = min_area_rect(pts)
        if min(rw, rh) < DB_MIN_SIZE:
            continue
        box = _order_box(corners)
        score = _mean_inside(prob, box)
        if score < box_thresh:
            continue
        # unclip: DB grows the (shrunk) region by area * ratio / perimeter; for
        # a rectangle, the rounded offset's minimum-area rectangle is the
        # rectangle grown by that distance on every side
        dist = rw * rh * unclip_ratio / (2 * (rw + rh))
        center = corners.mean(axis=0)
        ue = (corners[1] - corners[0]) / max(rw, 1e-12)
        ve = (corners[3] - corners[0]) / max(rh, 1e-12)
        half_w, half_h = rw / 2 + dist, rh / 2 + dist
        if 2 * min(half_w, half_h) < DB_MIN_SIZE + 2:
            continue
        grown = np.array([center - ue * half_w - ve * half_h,
                          center + ue * half_w - ve * half_h,
                          center + ue * half_w + ve * half_h,
                          center - ue * half_w + ve * half_h])
        box = _order_box(grown)
        box[:, 0] = np.clip(np.round(box[:, 0] / w * dest_w), 0, dest_w - 1)
        box[:, 1] = np.clip(np.round(box[:, 1] / h * dest_h), 0, dest_h - 1)
        if (np.hypot(*(box[0] - box[1])) <= 3
                or np.hypot(*(box[0] - box[3])) <= 3):
            continue
        out.append((box.astype(np.float32), score))
    return _reading_order(out)


def _reading_order(boxes: list[tuple[np.ndarray, float]], line_gap: float = 10.0
                   ) -> list[tuple[np.ndarray, float]]:
    """Top to bottom; boxes whose tops are within ``line_gap`` pixels of the
    previous one (in y order) form a line, read left to right."""
    if not boxes:
        return boxes
    by_y = sorted(boxes, key=lambda b: float(b[0][0, 1]))
    line, lines = 0, []
    prev = float(by_y[0][0][0, 1])
    for b in by_y:
        y = float(b[0][0, 1])
        if y - prev >= line_gap:
            line += 1
        prev = y
        lines.append(line)
    keyed = sorted(zip(lines, by_y, strict=True),
                   key=lambda t: (t[0], float(t[1][0][0, 0])))
    return [b for _, b in keyed]


# ---------------------------------------------------------------- models


def _det_size(h: int, w: int, limit_side_len: int) -> tuple[int, int]:
    ratio = min(1.0, limit_side_len / max(h, w))
    rh = max(32, round(h * ratio / 32) * 32)
    rw = max(32, round(w * ratio / 32) * 32)
    return rh, rw


def detect(image: Any, *, backend: str | None = None, limit_side_len: int = 960,
           thresh: float = DB_THRESH, box_thresh: float = DB_BOX_THRESH,
           unclip_ratio: float = DB_UNCLIP_RATIO) -> list[tuple[np.ndarray, float]]:
    """Text boxes in an image: ``[(box 4x2, score)]`` in reading order (see
    :func:`db_boxes`)."""
    from webnnpy.tasks import model_cache

    rgb = _rgb(image)
    h, w = rgb.shape[:2]
    rh, rw = _det_size(h, w, limit_side_len)
    x = _normalize_bgr(_resize(rgb, rw, rh))[None]
    m = model_cache.imported("ppocr-det", {"x": x.shape}, backend=backend)
    prob = next(iter(m.run({"x": x}).values()))[0, 0]
    return db_boxes(prob, (w, h), thresh=thresh, box_thresh=box_thresh,
                    unclip_ratio=unclip_ratio)


def _crop(rgb: np.ndarray, box: np.ndarray) -> np.ndarray:
    """The box's rectangle, straightened; tall crops are turned to lie flat."""
    from PIL import Image

    tl, tr, br, bl = box.astype(np.float64)
    cw = int(max(np.hypot(*(tl - tr)), np.hypot(*(bl - br))))
    ch = int(max(np.hypot(*(tl - bl)), np.hypot(*(tr - br))))
    cw, ch = max(cw, 1), max(ch, 1)
    quad = (*tl, *bl, *br, *tr)
    im = Image.fromarray(rgb).transform((cw, ch), Image.Transform.QUAD, quad,
                                        resample=Image.Resampling.BICUBIC)
    out = np.asarray(im)
    if ch / cw >= 1.5:
        out = np.rot90(out)
    return np.ascontiguousarray(out)


def _line_input(rgb: np.ndarray, height: int, min_width: int, step: int,
                max_width: int) -> np.ndarray:
    """A crop scaled to ``height`` (width by aspect, at most ``max_width``),
    normalized, zero-padded on the right to a multiple of ``step`` that is
    at least ``min_width``: 3 x height x W."""
    h, w = rgb.shape[:2]
    rw = min(max_width, max(1, math.ceil(height * w / h)))
    width = min(max_width, max(min_width, -(-rw // step) * step))
    x = np.zeros((3, height, width), np.float32)
    x[:, :, :rw] = _normalize_bgr(_resize(rgb, rw, height))
    return x


def characters() -> list[str]:
    """The recognition model's classes: ``"blank"`` (CTC), the 18,708
    characters of its ``character`` metadata, and ``" "``."""
    from webnnpy.tasks import model_cache

    chars = model_cache.metadata("ppocr-rec").get("character")
    if chars is None:
        raise ValueError("the PP-OCRv6 rec model has no 'character' metadata")
    return ["blank", *chars.split("\n"), " "]


def ctc_greedy_decode(probs: np.ndarray, chars: Sequence[str]) -> tuple[str, float]:
    """CTC greedy decoding of one T x C probability matrix: the best class
    per step, repeats merged, blanks (class 0) dropped.  Returns the text and
    the mean probability of the kept steps (0 if none)."""
    best = probs.argmax(axis=-1)
    p = probs[np.arange(len(best)), best]
    keep = best != 0
    keep[1:] &= best[1:] != best[:-1]
    if not keep.any():
        return "", 0.0
    return "".join(chars[i] for i in best[keep]), float(p[keep].mean())


def _classify(crops: list[np.ndarray], backend: str | None) -> list[np.ndarray]:
    """Turn crops by 180 degrees where the orientation model is sure."""
    from webnnpy.tasks import model_cache

    out = []
    for c in crops:
        x = _line_input(c, CLS_SHAPE[0], CLS_SHAPE[1], CLS_SHAPE[1], CLS_SHAPE[1])
        m = model_cache.imported("ppocr-cls", {"x": (1, *x.shape)}, backend=backend)
        p = next(iter(m.run({"x": x[None]}).values()))[0]
        out.append(np.ascontiguousarray(c[::-1, ::-1])
                   if p.argmax() == 1 and p[1] > CLS_THRESH else c)
    return out


def recognize(crops: Sequence[Any], *, backend: str | None = None
              ) -> list[tuple[str, float]]:
    """The text of each line image (crop): ``[(text, score)]``."""
    from webnnpy.tasks import model_cache

    chars: list[str] | None = None
    out = []
    for c in crops:
        x = _line_input(_rgb(c), REC_HEIGHT, REC_MIN_WIDTH, REC_WIDTH_STEP,
                        REC_MAX_WIDTH)
        m = model_cache.imported("ppocr-rec", {"x": (1, *x.shape)}, backend=backend)
        if chars is None:  # after the import: its metadata, not a parse
            chars = characters()
        probs = next(iter(m.run({"x": x[None]}).values()))[0]
        out.append(ctc_greedy_decode(probs, chars))
    return out


def read_text(image: Any, *, backend: str | None = None, classify: bool = False,
              limit_side_len: int = 960, text_score: float = TEXT_SCORE,
              timings: dict[str, float] | None = None) -> list[TextLine]:
    """The text lines in an image, in reading order.

    Args:
        image: a path, a PIL image, or a uint8 RGB (or gray) array.
        backend: the webnnpy backend (None: the default context's).
        classify: run the orientation classifier and turn upside-down lines.
        limit_side_len: the detection input's longer side is at most this.
        text_score: lines whose recognition score is lower are dropped.
        timings: if given, filled with seconds per stage (``det``, ``cls``,
            ``rec``, ``total``), graph imports included.

    Returns:
        ``[TextLine(text, score, box)]``.
    """
    clock: Callable[[], float] = time.perf_counter
    t0 = clock()
    rgb = _rgb(image)
    boxes = detect(rgb, backend=backend, limit_side_len=limit_side_len)
    t1 = clock()
    crops = [_crop(rgb, b) for b, _ in boxes]
    if classify and crops:
        crops = _classify(crops, backend)
    t2 = clock()
    texts = recognize(crops, backend=backend)
    t3 = clock()
    if timings is not None:
        timings.update(det=t1 - t0, cls=t2 - t1, rec=t3 - t2, total=t3 - t0)
    return [TextLine(text, score, box) for (box, _), (text, score)
            in zip(boxes, texts, strict=True) if text and score >= text_score]
