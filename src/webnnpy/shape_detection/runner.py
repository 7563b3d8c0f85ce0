"""Detection over many image files: one JSONL row per input (or one Parquet
row, for an ``out`` ending in ``.parquet``), resumable.

    >>> from webnnpy.shape_detection.runner import detect_files
    >>> summary = detect_files("faces", ["photos/"], "faces.jsonl",
    ...                        annotate="annotated/")

Each row is a JSON object: ``{"path", "kind", "width", "height",
"detections": [...]}`` (the detections as the spec's dictionaries, camelCase:
:meth:`~webnnpy.shape_detection.DetectedFace.to_dict`), or ``{"path",
"kind", "error"}`` for an input that cannot be read or decoded (not an
image, truncated, too large, unreadable).  A run appends to ``out`` and
skips every path ``out`` already holds (a row of either kind), so a run that
was stopped goes on where it stopped; a last line cut short by a crash is
ignored (and its input done again).  Paths are recorded absolute.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from webnnpy.shape_detection import parquet as _parquet
from webnnpy.shape_detection._image import MAX_PIXELS, load_rgb

__all__ = [
    "KINDS",
    "DetectionSummary",
    "annotate_image",
    "detect_files",
    "detect_one",
    "done_paths",
    "list_inputs",
    "make_detector",
]

#: the ``webnnpy detect`` kinds
KINDS = ("faces", "text", "barcodes")


def make_detector(kind: str, *, backend: str | None = None,
                  formats: Sequence[str] | None = None,
                  max_detected_faces: int | None = None,
                  fast_mode: bool = True) -> Any:
    """The detector for ``kind`` (``faces``, ``text`` or ``barcodes``)."""
    from webnnpy.shape_detection import BarcodeDetector, FaceDetector, TextDetector

    if kind == "faces":
        return FaceDetector(max_detected_faces=max_detected_faces,
                            fast_mode=fast_mode, backend=backend)
    if kind == "text":
        return TextDetector(backend=backend)
    if kind == "barcodes":
        return BarcodeDetector(formats=formats)
    raise ValueError(f"detect: unknown kind {kind!r}; expected one of {KINDS}")


def list_inputs(paths: Iterable[str | os.PathLike[str]]) -> list[Path]:
    """The files to process: each file as given, each directory's files
    (recursively, sorted, hidden ones skipped), absolute, duplicates once.

    Raises:
        FileNotFoundError: a path that does not exist.
    """
    out: dict[Path, None] = {}
    for p in paths:
        path = Path(p).absolute()
        if path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for f in sorted(files):
                    if not f.startswith("."):
                        out[Path(root) / f] = None
        elif path.exists():
            out[path] = None
        else:
            raise FileNotFoundError(2, "no such file or directory", str(p))
    return list(out)


def done_paths(out: str | os.PathLike[str]) -> set[str]:
    """The paths that ``out`` (a JSONL file, or a Parquet dataset folder if
    its name ends in ``.parquet``) already has a row for."""
    if _parquet.is_parquet(out):
        return _parquet.done_paths(out)
    done: set[str] = set()
    try:
        with open(out, encoding="utf-8") as f:
            for line in f:
                try:
                    row = json.loads(line)
                except ValueError:
                    continue  # a line cut short by a crash: redo its input
                if isinstance(row, dict) and isinstance(row.get("path"), str):
                    done.add(row["path"])
    except FileNotFoundError:
        pass
    return done


def _error_text(e: BaseException) -> str:
    return f"{type(e).__name__}: {e}".replace("\n", " ")


def detect_one(detector: Any, kind: str, path: str, source: Any = None, *,
               max_pixels: int = MAX_PIXELS) -> tuple[dict[str, Any], Any, Any]:
    """One row for ``path`` (decoded from ``source`` bytes if given, else
    read from the file), the detections and the RGB image (None, None on
    error)."""
    try:
        rgb = load_rgb(path if source is None else source, max_pixels=max_pixels,
                       what="detect", name=path)
    except (OSError, TypeError, ValueError) as e:  # ImageDecodeError included
        return {"path": path, "kind": kind, "error": _error_text(e)}, None, None
    except Exception as e:  # noqa: BLE001 - a decoder bug is one row, not a crash
        return {"path": path, "kind": kind, "error": _error_text(e)}, None, None
    h, w = rgb.shape[:2]
    try:
        found = detector.detect_rgb(rgb)
    except Exception as e:  # noqa: BLE001 - one image's failure is its row
        return ({"path": path, "kind": kind, "width": int(w), "height": int(h),
                 "error": "detection failed: " + _error_text(e)}, None, None)
    return ({"path": path, "kind": kind, "width": int(w), "height": int(h),
             "detections": [d.to_dict() for d in found]}, found, rgb)


def annotate_image(rgb: np.ndarray, detections: Sequence[Any]) -> Any:
    """A PIL image of ``rgb`` with each detection's box (and corner points,
    landmarks, and label: text / barcode value, face score) drawn."""
    from PIL import Image, ImageDraw, ImageFont

    im = Image.fromarray(rgb).convert("RGB")
    draw = ImageDraw.Draw(im)
    line = max(2, round(max(im.size) / 300))
    font_size = max(12, round(max(im.size) / 40))
    font = ImageFont.load_default(size=font_size)
    for d in detections:
        b = d.bounding_box
        draw.rectangle([b.left, b.top, b.right, b.bottom], outline=(255, 40, 40),
                       width=line)
        corners = getattr(d, "corner_points", ())
        if corners:
            draw.polygon([(p.x, p.y) for p in corners], outline=(40, 220, 40),
                         width=line)
        r = 1.5 * line
        colours = {"eye": (40, 140, 255), "nose": (255, 200, 0),
                   "mouth": (255, 0, 200)}
        for lm in getattr(d, "landmarks", ()):
            for p in lm.locations:
                draw.ellipse([p.x - r, p.y - r, p.x + r, p.y + r],
                             fill=colours.get(lm.type, (255, 255, 255)))
        label = getattr(d, "raw_value", None)
        if label is None:
            label = f"face {getattr(d, 'score', 0.0):.2f}"
        ty = max(0.0, b.top - font_size - 2 * line)
        draw.text((b.left, ty), label, fill=(255, 40, 40), font=font,
                  stroke_width=1, stroke_fill=(255, 255, 255))
    return im


def _annotation_name(path: str, root: Path | None) -> str:
    """A flat file name for ``path``'s annotated copy (its path below
    ``root`` if it is under it, separators turned into ``__``)."""
    p = Path(path)
    try:
        rel = p.relative_to(root) if root else Path(p.name)
    except ValueError:
        rel = Path(p.name)
    name = "__".join(rel.parts)
    return re.sub(r"[^A-Za-z0-9._-]", "_", name) + ".png"


@dataclass
class DetectionSummary:
    """What a run did: inputs seen, skipped (already in ``out``), written
    rows, of which errors, and seconds."""

    inputs: int = 0
    skipped: int = 0
    written: int = 0
    errors: int = 0
    seconds: float = 0.0

    def line(self) -> str:
        rate = (self.written / self.seconds) if self.seconds > 0 else 0.0
        return (f"{self.written} written ({self.errors} errors), {self.skipped} "
                f"already done, of {self.inputs}; {self.seconds:.1f} s, "
                f"{rate:.2f} images/s")


def _progress_printer(total: int, stream: Any = None) -> Callable[[int, str], None]:
    stream = sys.stderr if stream is None else stream
    tty = hasattr(stream, "isatty") and stream.isatty()
    t0 = time.perf_counter()

    def show(i: int, path: str) -> None:
        dt = time.perf_counter() - t0
        rate = i / dt if dt > 0 else 0.0
        msg = f"[{i}/{total}] {rate:.1f} img/s {Path(path).name}"
        if tty:
            stream.write("\r" + msg[:100].ljust(100))
            if i == total:
                stream.write("\n")
        elif i == total or i % 50 == 0 or i == 1:
            stream.write(msg + "\n")
        stream.flush()

    return show


def detect_files(kind: str, paths: Iterable[str | os.PathLike[str]],
                 out: str | os.PathLike[str], *,
                 annotate: str | os.PathLike[str] | None = None,
                 progress: bool | Callable[[int, str], None] = False,
                 max_pixels: int = MAX_PIXELS, parquet_flush_rows: int = 256,
                 **options: Any) -> DetectionSummary:
    """Run the ``kind`` detector over files and folders, one process.

    Args:
        kind: ``faces``, ``text`` or ``barcodes``.
        paths: files and directories (searched recursively).
        out: the JSONL file rows are appended to (created if missing), or,
            for a name ending in ``.parquet``, a Parquet dataset folder that
            part files are added to (:mod:`webnnpy.shape_detection.parquet`);
            paths it holds are skipped.
        annotate: a directory for copies of the images with the detections
            drawn (PNG).
        progress: True: a progress line on stderr; or a callable
            ``(done, path)``.
        max_pixels: larger images are an error row (refused from the header).
        parquet_flush_rows: Parquet output: rows per part file (a stopped
            run loses at most the rows of one unwritten part).
        options: for :func:`make_detector` (``backend``, ``formats``,
            ``max_detected_faces``, ``fast_mode``).
    """
    t0 = time.perf_counter()
    inputs = list_inputs(paths)
    done = done_paths(out)
    todo = [p for p in inputs if str(p) not in done]
    summary = DetectionSummary(inputs=len(inputs), skipped=len(inputs) - len(todo))
    detector = make_detector(kind, **options)
    if _parquet.is_parquet(out):
        return _detect_to_parquet(detector, kind, todo, out, summary, t0,
                                  annotate=annotate, progress=progress,
                                  max_pixels=max_pixels, root=_common_root(inputs),
                                  flush_rows=parquet_flush_rows)
    show = (_progress_printer(len(todo)) if progress is True
            else progress if callable(progress) else None)
    ann_dir = Path(annotate) if annotate is not None else None
    if ann_dir is not None:
        ann_dir.mkdir(parents=True, exist_ok=True)
    root = _common_root(inputs)
    out_path = Path(out)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    _end_with_newline(out_path)
    with open(out_path, "a", encoding="utf-8") as f:
        for i, p in enumerate(todo, 1):
            row, found, rgb = detect_one(detector, kind, str(p),
                                         max_pixels=max_pixels)
            if ann_dir is not None and found is not None:
                name = _annotation_name(str(p), root)
                annotate_image(rgb, found).save(ann_dir / name)
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
            f.flush()
            summary.written += 1
            summary.errors += "error" in row
            if show is not None:
                show(i, str(p))
    summary.seconds = time.perf_counter() - t0
    return summary


def _detect_to_parquet(detector: Any, kind: str, todo: Sequence[Path],
                       out: str | os.PathLike[str], summary: DetectionSummary,
                       t0: float, *, annotate: str | os.PathLike[str] | None,
                       progress: bool | Callable[[int, str], None],
                       max_pixels: int, root: Path | None,
                       flush_rows: int = 256) -> DetectionSummary:
    """:func:`detect_files`'s loop writing Parquet part files."""
    show = (_progress_printer(len(todo)) if progress is True
            else progress if callable(progress) else None)
    ann_dir = Path(annotate) if annotate is not None else None
    if ann_dir is not None:
        ann_dir.mkdir(parents=True, exist_ok=True)
    with _parquet.ParquetRowWriter(out, flush_rows=flush_rows) as w:
        for i, p in enumerate(todo, 1):
            row, found, rgb = detect_one(detector, kind, str(p),
                                         max_pixels=max_pixels)
            if ann_dir is not None and found is not None:
                annotate_image(rgb, found).save(
                    ann_dir / _annotation_name(str(p), root))
            w.write(row)
            summary.written += 1
            summary.errors += "error" in row
            if show is not None:
                show(i, str(p))
    summary.seconds = time.perf_counter() - t0
    return summary


def _common_root(inputs: Sequence[Path]) -> Path | None:
    if not inputs:
        return None
    try:
        return Path(os.path.commonpath([str(p.parent) for p in inputs]))
    except ValueError:
        return None


def _end_with_newline(path: Path) -> None:
    """Make an appended row start on its own line even if the file's last
    line was cut short (the cut line stays unparsable and is ignored)."""
    try:
        with open(path, "rb+") as f:
            f.seek(0, os.SEEK_END)
            if f.tell() == 0:
                return
            f.seek(-1, os.SEEK_END)
            if f.read(1) != b"\n":
                f.write(b"\n")
    except FileNotFoundError:
        pass
