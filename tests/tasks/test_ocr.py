"""webnnpy.tasks.ocr: PP-OCRv6 through WebNN graphs reads rendered text
exactly; the NumPy geometry (labelling, minimum-area rectangles, DB boxes,
CTC decoding) checked on its own; ``webnnpy demo ocr``.

The model tests skip when Pillow, onnx or rapidocr's files are missing
(``pip install pillow && pip install --no-deps rapidocr==3.10.0``).
"""

from __future__ import annotations

from collections import deque
from pathlib import Path

import numpy as np
import pytest

from webnnpy.backends import available_backends
from webnnpy.tasks import ocr

BACKENDS = [b for b in ("onnxruntime", "numpy") if available_backends().get(b)]


@pytest.fixture(scope="module")
def models() -> None:
    pytest.importorskip("PIL")
    pytest.importorskip("onnx")
    from webnnpy.models import zoo

    for name in ("ppocr-det", "ppocr-rec", "ppocr-cls"):
        try:
            zoo.find_model(name)
        except zoo.ModelNotInstalledError as e:
            pytest.skip(str(e))


LINES = ["Hello WebNN 2026", "The quick brown fox jumps over the lazy dog",
         "webnnpy: 0.1.0 (numpy, onnxruntime)"]


@pytest.mark.parametrize("text", LINES)
def test_reads_a_rendered_line_exactly(models: None, text: str):
    lines = ocr.read_text(ocr.render_line(text))
    assert [t.text for t in lines] == [text]
    assert lines[0].score > 0.9


def test_reads_a_rendered_line_on_every_backend(models: None):
    for backend in BACKENDS:
        lines = ocr.read_text(ocr.render_line("Reference 42", size=40),
                              backend=backend)
        assert [t.text for t in lines] == ["Reference 42"], backend


def test_reads_several_lines_in_reading_order(models: None, tmp_path: Path):
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.load_default(size=32)
    im = Image.new("RGB", (900, 300), (235, 240, 250))
    d = ImageDraw.Draw(im)
    d.text((40, 30), "Invoice 4711", fill="black", font=font)
    d.text((500, 30), "Page 1 of 2", fill=(40, 40, 120), font=font)
    d.text((40, 120), "Total: 129.90 EUR", fill="black", font=font)
    d.text((40, 210), "Paid on 2026-03-14", fill="darkred", font=font)
    path = tmp_path / "page.png"
    im.save(path)
    lines = ocr.read_text(path)  # from a file
    assert [t.text for t in lines] == ["Invoice 4711", "Page 1 of 2",
                                       "Total: 129.90 EUR", "Paid on 2026-03-14"]
    box = lines[2].box
    assert box.shape == (4, 2) and box.dtype == np.float32
    assert 20 <= box[0, 0] <= 45 and 100 <= box[0, 1] <= 125   # top-left
    right = 40 + font.getlength("Total: 129.90 EUR")
    assert abs(box[2, 0] - right) < 12 and 150 < box[2, 1] < 175  # bottom-right


def test_tilted_and_upside_down_lines(models: None):
    tilted = ocr.render_line("Tilted text line").rotate(8, expand=True,
                                                        fillcolor="white")
    assert [t.text for t in ocr.read_text(tilted)] == ["Tilted text line"]
    upside_down = ocr.render_line("Upside down 42").rotate(180)
    assert [t.text for t in ocr.read_text(upside_down, classify=True)] == [
        "Upside down 42"]


def test_image_inputs(models: None):
    im = ocr.render_line("Gray 5")
    gray = np.asarray(im.convert("L"))
    assert [t.text for t in ocr.read_text(gray)] == ["Gray 5"]
    assert ocr.read_text(np.full((64, 64, 3), 255, np.uint8)) == []
    with pytest.raises(TypeError, match="uint8"):
        ocr.read_text(np.zeros((8, 8, 3), np.float32))


def test_timings(models: None):
    t: dict[str, float] = {}
    ocr.read_text(ocr.render_line("Time"), timings=t)
    assert set(t) == {"det", "cls", "rec", "total"} and t["total"] > 0


# ------------------------------------------------------ geometry (no model)


def _flood_labels(mask: np.ndarray) -> list[set[tuple[int, int]]]:
    h, w = mask.shape
    seen = np.zeros_like(mask)
    out = []
    for y in range(h):
        for x in range(w):
            if mask[y, x] and not seen[y, x]:
                comp, q = set(), deque([(y, x)])
                seen[y, x] = True
                while q:
                    cy, cx = q.popleft()
                    comp.add((cy, cx))
                    for dy in (-1, 0, 1):
                        for dx in (-1, 0, 1):
                            ny, nx = cy + dy, cx + dx
                            if (0 <= ny < h and 0 <= nx < w and mask[ny, nx]
                                    and not seen[ny, nx]):
                                seen[ny, nx] = True
                                q.append((ny, nx))
                out.append(comp)
    return out


@pytest.mark.parametrize("seed", range(6))
def test_label_components_matches_flood_fill(seed: int):
    rng = np.random.default_rng(seed)
    mask = rng.random((23, 31)) < (0.3 + 0.1 * seed)
    rows, starts, ends, labels, n = ocr.label_components(mask)
    comps: list[set[tuple[int, int]]] = [set() for _ in range(n)]
    for r, s, e, lab in zip(rows, starts, ends, labels, strict=True):
        comps[lab].update((int(r), x) for x in range(s, e))
    want = _flood_labels(mask)
    assert sorted(map(sorted, comps)) == sorted(map(sorted, want))
    empty = ocr.label_components(np.zeros((4, 4), bool))
    assert empty[4] == 0


def test_min_area_rect_of_a_rotated_rectangle():
    rng = np.random.default_rng(0)
    angle = np.deg2rad(25)
    u = np.array([np.cos(angle), np.sin(angle)])
    v = np.array([-u[1], u[0]])
    pts = (rng.uniform(0, 40, (200, 1)) * u + rng.uniform(0, 10, (200, 1)) * v
           + [5, 7])
    pts = np.concatenate([pts, [[5, 7], 40 * u + [5, 7], 10 * v + [5, 7],
                                40 * u + 10 * v + [5, 7]]])
    corners, w, h = ocr.min_area_rect(pts)
    assert sorted([w, h]) == pytest.approx([10, 40], abs=1e-9)
    (ax, ay), (bx, by) = corners[1] - corners[0], corners[3] - corners[0]
    assert abs(ax * by - ay * bx) == pytest.approx(400, abs=1e-6)
    # degenerate: collinear points, one point
    _, w, h = ocr.min_area_rect(np.array([[0, 0], [1, 1], [3, 3.0]]))
    assert min(w, h) == pytest.approx(0, abs=1e-12)
    _, w, h = ocr.min_area_rect(np.array([[2.0, 2.0]]))
    assert (w, h) == (0, 0)


def test_db_boxes_on_a_synthetic_map():
    prob = np.zeros((64, 128), np.float32)
    prob[20:30, 10:100] = 0.9     # a text line (shrunk region, as DB predicts)
    prob[45:47, 10:20] = 0.9      # too thin: dropped (min size 3)
    prob[50:58, 110:120] = 0.35   # above thresh, below box_thresh: dropped
    boxes = ocr.db_boxes(prob, (256, 128))  # the image is twice the map
    assert len(boxes) == 1
    box, score = boxes[0]
    # the mean over the rectangle of the dilated region (its last row and
    # column are 0 in the map)
    assert score == pytest.approx(0.9 * 90 * 10 / (91 * 11), abs=1e-6)
    # region 90 x 10 px (dilated by one: 91 x 11 pixel centers, 90 x 10 apart);
    # unclip distance = 90 * 10 * 1.6 / 200 = 7.2 px each side; then x2
    d = 7.2
    want = np.array([[10 - d, 20 - d], [100 + d, 20 - d], [100 + d, 30 + d],
                     [10 - d, 30 + d]]) * 2
    np.testing.assert_allclose(box, np.round(want), atol=1)


def test_ctc_greedy_decode():
    chars = ["blank", "a", "b", " "]
    steps = [1, 1, 0, 1, 2, 2, 0, 0, 3, 2]
    probs = np.full((len(steps), 4), 0.1, np.float32)
    probs[np.arange(len(steps)), steps] = 0.7
    text, score = ocr.ctc_greedy_decode(probs, chars)
    assert text == "aab b" and score == pytest.approx(0.7)
    assert ocr.ctc_greedy_decode(np.eye(4, dtype=np.float32)[[0, 0]], chars) == (
        "", 0.0)


def test_render_line():
    pytest.importorskip("PIL")
    im = ocr.render_line("Hi", size=40, margin=10)
    a = np.asarray(im)
    assert im.mode == "RGB" and a[:10].min() == 255 and a.min() < 50


# --------------------------------------------------------------- the demo


def test_demo_ocr_renders_and_reads_back(models: None,
                                         capsys: pytest.CaptureFixture[str],
                                         tmp_path: Path):
    from webnnpy.tasks.cli import demo_main

    png = tmp_path / "line.png"
    assert demo_main(["ocr", "--save", str(png)]) == 0
    out = capsys.readouterr().out
    assert "\n  Hello WebNN 2026    (score" in out
    assert "OK: the text read back is the text rendered" in out
    assert "backend: " in out and "time: " in out
    assert demo_main(["ocr", str(png), "--backend", BACKENDS[-1]]) == 0
    out = capsys.readouterr().out
    assert f"image: {png}" in out and "Hello WebNN 2026" in out
    assert f"backend: {BACKENDS[-1]}" in out


def test_demo_ocr_missing_model(monkeypatch: pytest.MonkeyPatch,
                                capsys: pytest.CaptureFixture[str]):
    pytest.importorskip("PIL")
    from webnnpy.models import zoo
    from webnnpy.tasks import model_cache
    from webnnpy.tasks.cli import demo_main

    def missing(name: str) -> Path:
        raise zoo.ModelNotInstalledError(f"model {name!r}: install it with: "
                                         f"pip install --no-deps rapidocr==3.10.0")

    monkeypatch.setattr(zoo, "find_model", missing)
    monkeypatch.setattr(model_cache, "_protos", {})
    monkeypatch.setattr(model_cache, "_imported", {})
    assert demo_main(["ocr", "x"]) == 2
    assert "pip install --no-deps rapidocr==3.10.0" in capsys.readouterr().err
