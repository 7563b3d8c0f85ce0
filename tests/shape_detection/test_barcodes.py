"""BarcodeDetector: codes drawn by writers independent of zxing-cpp
(``segno`` for QR codes, ``python-barcode`` for EAN/UPC/Code 128/Code 39),
placed at known positions; the spec's option errors; the format mapping."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest
from sd_testlib import require

from webnnpy.errors import NotSupportedError
from webnnpy.shape_detection import BarcodeDetector
from webnnpy.shape_detection import barcode as B  # noqa: N812

SPEC_FORMATS = ["aztec", "code_128", "code_39", "code_93", "codabar", "data_matrix",
                "ean_13", "ean_8", "itf", "pdf417", "qr_code", "upc_a", "upc_e"]


@pytest.fixture(autouse=True)
def _zxing():
    require("zxingcpp")


def _qr_image(text: str, *, at: tuple[int, int], scale: int = 4,
              canvas: tuple[int, int] = (400, 300)) -> tuple[np.ndarray, tuple]:
    """A QR code drawn from segno's module matrix (1 = dark) at ``at``, on
    white; returns the image and the code's extent (x0, y0, x1, y1)."""
    segno = require("segno")
    m = np.array(segno.make_qr(text, error="m").matrix, np.uint8)
    n = m.shape[0]
    img = np.full((canvas[1], canvas[0], 3), 255, np.uint8)
    x0, y0 = at
    block = np.kron(1 - m, np.ones((scale, scale), np.uint8)) * 255
    img[y0:y0 + n * scale, x0:x0 + n * scale] = block[:, :, None]
    return img, (x0, y0, x0 + n * scale, y0 + n * scale)


def test_qr_code_content_and_corners():
    text = "https://webnn.dev/?q=42"
    img, (x0, y0, x1, y1) = _qr_image(text, at=(150, 80))
    found = BarcodeDetector(formats=["qr_code"]).detect(img)
    assert len(found) == 1
    b = found[0]
    assert b.raw_value == text and b.format == "qr_code"
    # corners: top-left first, clockwise, on the drawn code (within 1 module)
    want = [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
    np.testing.assert_allclose([(p.x, p.y) for p in b.corner_points], want, atol=5)
    r = b.bounding_box
    assert x0 - 5 <= r.left and r.right <= x1 + 5
    assert y0 - 5 <= r.top and r.bottom <= y1 + 5


def test_two_codes_and_sources(tmp_path):
    PIL = require("PIL.Image")
    img, _ = _qr_image("first", at=(10, 10), canvas=(400, 200))
    img2, _ = _qr_image("second", at=(250, 60), canvas=(400, 200))
    both = np.minimum(img, img2)
    det = BarcodeDetector()
    assert sorted(b.raw_value for b in det.detect(both)) == ["first", "second"]
    path = tmp_path / "codes.png"
    PIL.fromarray(both).save(path)
    for source in (path, str(path), path.read_bytes(), PIL.open(path)):
        assert sorted(b.raw_value for b in det.detect(source)) == ["first", "second"]


@pytest.mark.parametrize(("kind", "code", "spec", "value"), [
    ("ean13", "400638133393", "ean_13", "4006381333931"),  # check digit added
    ("ean8", "9638507", "ean_8", "96385074"),
    ("upca", "03600029145", "upc_a", "036000291452"),
    ("code128", "WebNN-2026", "code_128", "WebNN-2026"),
    ("code39", "WEBNN 42", "code_39", "WEBNN 42"),
])
def test_linear_codes_from_python_barcode(kind, code, spec, value):
    barcode = require("barcode")
    from barcode.writer import ImageWriter

    options = {"add_checksum": False} if kind == "code39" else {}
    im = barcode.get_barcode_class(kind)(code, writer=ImageWriter(), **options).render(
        {"module_width": 0.3, "quiet_zone": 8, "write_text": False})
    img = np.asarray(im.convert("RGB"))
    found = BarcodeDetector(formats=[spec]).detect(img)
    assert [(b.raw_value, b.format) for b in found] == [(value, spec)]
    # all formats asked for: still the spec's name (UPC-A not reported as EAN-13)
    found = BarcodeDetector().detect(img)
    assert [(b.raw_value, b.format) for b in found] == [(value, spec)]


def test_formats_filter_what_is_looked_for():
    img, _ = _qr_image("only a QR code", at=(20, 20))
    assert BarcodeDetector(formats=["ean_13", "code_128"]).detect(img) == []


def test_supported_formats_and_option_errors(monkeypatch):
    assert BarcodeDetector.get_supported_formats() == SPEC_FORMATS
    assert BarcodeDetector.get_supported_formats_async().result() == SPEC_FORMATS
    assert BarcodeDetector().formats == tuple(SPEC_FORMATS)
    with pytest.raises(TypeError, match="empty"):
        BarcodeDetector(formats=[])
    with pytest.raises(TypeError, match="'unknown' cannot be asked for"):
        BarcodeDetector(formats=["qr_code", "unknown"])
    with pytest.raises(TypeError, match="'QR_CODE' is not a BarcodeFormat"):
        BarcodeDetector(formats=["QR_CODE"])
    with pytest.raises(TypeError, match="not a string"):
        BarcodeDetector(formats="qr_code")  # type: ignore[arg-type]
    # a spec format that this zxing-cpp build lacks
    monkeypatch.setitem(B.ZXING_FORMATS, "aztec", "NoSuchFormatInZxing")
    with pytest.raises(NotSupportedError, match="aztec"):
        BarcodeDetector(formats=["aztec"])


def test_detect_async_and_empty_images():
    img, _ = _qr_image("async", at=(20, 20))
    det = BarcodeDetector(formats=["qr_code"])

    async def main():
        return await det.detect_async(img)

    assert [b.raw_value for b in asyncio.run(main())] == ["async"]
    assert det.detect(np.zeros((10, 0, 3), np.uint8)) == []
    assert det.detect(np.full((50, 50, 3), 255, np.uint8)) == []
