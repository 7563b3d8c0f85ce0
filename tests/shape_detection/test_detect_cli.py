"""``webnnpy detect`` and ``detect_files``: one row per input, error rows for
bad files, resumable, annotated copies; user errors exit 2 with one line."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sd_testlib import PHOTO, png_header_only, require, require_models

from webnnpy.cli import main
from webnnpy.shape_detection.runner import detect_files, done_paths


def _rows(path):
    return [json.loads(line) for line in path.read_text().splitlines() if line]


@pytest.fixture
def folder(tmp_path):
    """good QR images, a text file, a corrupt PNG, an empty file, a
    40000 x 40000 header, a 0-byte 'image', in a nested folder."""
    Image = require("PIL.Image")
    segno = require("segno")
    d = tmp_path / "images"
    (d / "sub").mkdir(parents=True)
    for i, name in enumerate(["a.png", "sub/b.jpg"]):
        m = np.array(segno.make_qr(f"code {i}").matrix, np.uint8)
        img = np.kron(1 - m, np.ones((6, 6), np.uint8)) * 255
        img = np.pad(img, 24, constant_values=255)
        Image.fromarray(img).convert("RGB").save(d / name, quality=95)
    (d / "notes.txt").write_text("not an image\n")
    (d / "corrupt.png").write_bytes((d / "a.png").read_bytes()[:80])
    (d / "empty.png").write_bytes(b"")
    (d / "huge.png").write_bytes(png_header_only(40000, 40000))
    return d


def test_folder_to_jsonl_resume_and_annotate(folder, tmp_path, capsys):
    require("zxingcpp")
    out = tmp_path / "out" / "rows.jsonl"
    ann = tmp_path / "ann"
    rc = main(["detect", "barcodes", str(folder), "--out", str(out),
               "--annotate", str(ann)])
    assert rc == 0
    rows = {r["path"].rsplit("/", 1)[-1]: r for r in _rows(out)}
    assert sorted(rows) == ["a.png", "b.jpg", "corrupt.png", "empty.png",
                            "huge.png", "notes.txt"]
    assert rows["a.png"]["detections"][0]["rawValue"] == "code 0"
    assert rows["b.jpg"]["detections"][0]["rawValue"] == "code 1"
    assert rows["a.png"]["detections"][0]["format"] == "qr_code"
    for bad in ("corrupt.png", "empty.png", "huge.png", "notes.txt"):
        assert "ImageDecodeError" in rows[bad]["error"], bad
    assert "1600000000 pixels" in rows["huge.png"]["error"]
    assert sorted(p.name for p in ann.iterdir()) == ["a.png.png", "sub__b.jpg.png"]
    err = capsys.readouterr().err
    assert "6 written (4 errors)" in err
    # resume: nothing again; then a new file only
    assert main(["detect", "barcodes", str(folder), "--out", str(out), "--quiet"]) == 0
    assert len(_rows(out)) == 6
    (folder / "c.png").write_bytes((folder / "a.png").read_bytes())
    assert main(["detect", "barcodes", str(folder), "--out", str(out), "--quiet"]) == 0
    rows = _rows(out)
    assert len(rows) == 7 and rows[-1]["path"].endswith("c.png")


def test_a_cut_last_line_is_redone(folder, tmp_path):
    require("zxingcpp")
    out = tmp_path / "rows.jsonl"
    detect_files("barcodes", [folder / "a.png", folder / "sub"], out)
    text = out.read_text()
    out.write_text(text[: len(text) - 20])  # a crash mid-write of row 2
    assert len(done_paths(out)) == 1
    s = detect_files("barcodes", [folder / "a.png", folder / "sub"], out)
    assert (s.skipped, s.written) == (1, 1)
    rows = _rows_tolerant(out)
    assert [r["path"].rsplit("/", 1)[-1] for r in rows] == ["a.png", "b.jpg"]


def _rows_tolerant(path):
    out = []
    for line in path.read_text().splitlines():
        try:
            out.append(json.loads(line))
        except ValueError:
            pass
    return out


def test_faces_cli_on_the_photo(tmp_path):
    require("PIL")
    require_models("face_detection_short_range")
    out = tmp_path / "faces.jsonl"
    assert main(["detect", "faces", str(PHOTO), "--out", str(out), "--quiet",
                 "--backend", "onnxruntime", "--max-faces", "2"]) == 0
    (row,) = _rows(out)
    (face,) = row["detections"]
    assert (row["width"], row["height"]) == (256, 256)
    assert sorted(lm["type"] for lm in face["landmarks"]) == ["eye", "eye", "mouth",
                                                              "nose"]
    assert 85 < face["boundingBox"]["x"] < 95


@pytest.mark.parametrize(("argv", "message"), [
    (["detect", "barcodes", "/no/such/dir", "--out", "o.jsonl"], "/no/such/dir"),
    (["detect", "barcodes", ".", "--out", "o.jsonl", "--formats", "qr"],
     "'qr' is not a BarcodeFormat"),
    (["detect", "barcodes", ".", "--out", "o.jsonl", "--formats", "unknown"],
     "'unknown' cannot be asked for"),
    (["detect", "faces", ".", "--out", "o.jsonl", "--formats", "qr_code"],
     "--formats is for barcodes"),
    (["detect", "text", ".", "--out", "o.jsonl", "--max-faces", "3"],
     "--max-faces and --full-range are for faces"),
    (["detect", "cats", ".", "--out", "o.jsonl"], "invalid choice"),
    (["detect", "faces", "."], "--out"),
    (["detect", "faces", ".", "--out", "o.jsonl", "--workers", "0"], "at least 1"),
    (["detect", "faces", ".", "--out", "o.jsonl", "--ray", "--cpus-per-worker", "0"],
     "--cpus-per-worker must be at least 1"),
])
def test_user_errors_exit_2_with_one_line(argv, message, capsys, tmp_path,
                                          monkeypatch):
    require("zxingcpp")
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and "\n" not in err
    assert not (tmp_path / "o.jsonl").exists()


def test_a_detector_failure_is_that_images_error_row(folder, tmp_path, monkeypatch):
    from webnnpy.shape_detection import runner

    class Flaky:
        def detect_rgb(self, rgb):
            raise RuntimeError("backend lost")

    monkeypatch.setattr(runner, "make_detector", lambda kind, **o: Flaky())
    out = tmp_path / "rows.jsonl"
    s = detect_files("faces", [folder / "a.png", folder / "sub"], out)
    assert s.written == 2
    rows = {r["path"].rsplit("/", 1)[-1]: r for r in _rows(out)}
    assert rows["a.png"]["error"] == "detection failed: RuntimeError: backend lost"
    assert rows["b.jpg"]["error"].startswith("detection failed")
    assert rows["b.jpg"]["width"] == rows["b.jpg"]["height"] > 0
