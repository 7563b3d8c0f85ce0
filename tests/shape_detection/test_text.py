"""TextDetector: lines rendered with Pillow (known text, known place) are
read back exactly, with boxes around the drawn pixels."""

from __future__ import annotations

import numpy as np
import pytest
from sd_testlib import BACKENDS, require, require_models

from webnnpy.shape_detection import TextDetector


@pytest.fixture(scope="module")
def models() -> None:
    require("PIL")
    require("onnx")
    require_models("ppocr-det", "ppocr-rec")


def _ink(img: np.ndarray) -> tuple[int, int, int, int]:
    """(x0, y0, x1, y1) of the non-white pixels."""
    ys, xs = np.nonzero(img.min(axis=2) < 128)
    return int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1


@pytest.mark.parametrize("backend", BACKENDS)
def test_reads_a_rendered_line(models, backend):
    from webnnpy.tasks import ocr

    text = "Shape Detection 2026"
    img = np.asarray(ocr.render_line(text, size=40))
    found = TextDetector(backend=backend).detect(img)
    assert [t.raw_value for t in found] == [text]
    x0, y0, x1, y1 = _ink(img)
    b = found[0].bounding_box
    assert b.left <= x0 and b.top <= y0 and b.right >= x1 - 1 and b.bottom >= y1 - 1
    assert b.width < (x1 - x0) + 40 and b.height < (y1 - y0) + 40
    corners = [(p.x, p.y) for p in found[0].corner_points]
    assert len(corners) == 4
    # top-left first, clockwise (in image coordinates: y down)
    (tlx, tly), (trx, _), (_, bry), _ = corners
    assert tlx < trx and tly < bry


def test_two_lines_in_reading_order(models):
    from webnnpy.tasks import ocr

    a = np.asarray(ocr.render_line("first line here", size=36))
    b = np.asarray(ocr.render_line("Second 42", size=36))
    w = max(a.shape[1], b.shape[1])
    page = np.full((a.shape[0] + b.shape[0], w, 3), 255, np.uint8)
    page[:a.shape[0], :a.shape[1]] = a
    page[a.shape[0]:, :b.shape[1]] = b
    found = TextDetector().detect(page)
    assert [t.raw_value for t in found] == ["first line here", "Second 42"]
    assert found[0].bounding_box.bottom <= found[1].bounding_box.top + 4


def test_blank_and_empty_images(models):
    assert TextDetector().detect(np.full((64, 200, 3), 255, np.uint8)) == []
    assert TextDetector().detect(np.zeros((0, 0, 3), np.uint8)) == []
