"""Image sources and bad input: every kind of source decodes to the same
pixels; wrong types are TypeError; undecodable, truncated, empty and huge
files are ImageDecodeError (an InvalidStateError), huge ones refused from
the header before any pixel is decoded."""

from __future__ import annotations

import io
import time

import numpy as np
import pytest
from sd_testlib import png_header_only, require

from webnnpy.errors import InvalidStateError
from webnnpy.shape_detection import ImageDecodeError, load_rgb


def test_every_source_gives_the_same_pixels(tmp_path):
    Image = require("PIL.Image")
    rng = np.random.default_rng(0)
    rgb = rng.integers(0, 256, (7, 5, 3), dtype=np.uint8)
    path = tmp_path / "x.png"
    Image.fromarray(rgb).save(path)
    for source in (rgb, Image.fromarray(rgb), path, str(path), path.read_bytes(),
                   bytearray(path.read_bytes()), memoryview(path.read_bytes())):
        np.testing.assert_array_equal(load_rgb(source), rgb)
    rgba = np.concatenate([rgb, np.full((7, 5, 1), 9, np.uint8)], axis=2)
    np.testing.assert_array_equal(load_rgb(rgba), rgb)
    gray = rgb[:, :, 0]
    np.testing.assert_array_equal(load_rgb(gray), np.stack([gray] * 3, axis=2))


@pytest.mark.parametrize(("source", "match"), [
    (np.zeros((4, 4, 3), np.float32), "uint8"),
    (np.zeros((4, 4, 2), np.uint8), r"HxWx3.*got shape \[4, 4, 2\]"),
    (np.zeros((2, 4, 4, 3), np.uint8), "got shape"),
    (42, "got int"),
    ([[0, 0, 0]], "got list"),
    (None, "got NoneType"),
])
def test_bad_sources_are_type_errors(source, match):
    with pytest.raises(TypeError, match=match):
        load_rgb(source)


def test_undecodable_data(tmp_path):
    require("PIL")
    with pytest.raises(ImageDecodeError, match="not a decodable image"):
        load_rgb(b"this is not an image")
    (tmp_path / "empty.png").write_bytes(b"")
    with pytest.raises(ImageDecodeError, match=r"empty\.png"):
        load_rgb(tmp_path / "empty.png")
    buf = io.BytesIO()
    from PIL import Image

    Image.new("RGB", (64, 64), "red").save(buf, format="PNG")
    truncated = buf.getvalue()[:60]
    with pytest.raises(ImageDecodeError):
        load_rgb(truncated)
    assert issubclass(ImageDecodeError, InvalidStateError)
    with pytest.raises(FileNotFoundError):
        load_rgb(tmp_path / "missing.png")


def test_huge_image_refused_from_the_header(tmp_path):
    require("PIL")
    path = tmp_path / "huge.png"
    path.write_bytes(png_header_only(40000, 40000))
    t0 = time.perf_counter()
    with pytest.raises(ImageDecodeError, match="1600000000 pixels"):  # 40000^2
        load_rgb(path)
    assert time.perf_counter() - t0 < 5  # decoding 1.6 G pixels would not be
    # under the decompression-bomb limit but over ours: still refused first
    path.write_bytes(png_header_only(9000, 8000))
    with pytest.raises(ImageDecodeError, match="9000x8000 = 72000000 pixels"):
        load_rgb(path)
    with pytest.raises(ImageDecodeError, match="limit is 100"):
        load_rgb(np.zeros((20, 20, 3), np.uint8), max_pixels=100)
