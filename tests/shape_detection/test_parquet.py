"""``webnnpy detect ... --out X.parquet``: a Parquet dataset folder holding
the JSONL rows (read back with pyarrow's own dataset reader and compared
with the JSONL run of the same inputs), one row per input, error rows for
bad files, resumable, and whole part files only after a run that stopped."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from sd_testlib import PHOTO, png_header_only, require, require_models

from webnnpy.cli import main
from webnnpy.shape_detection import parquet as sdp
from webnnpy.shape_detection.runner import detect_files, done_paths


def _jsonl(path):
    return {r["path"]: r for r in
            (json.loads(line) for line in path.read_text().splitlines() if line)}


def _table_rows(folder):
    """The rows as pyarrow's dataset reader gives them (not our reader)."""
    pq = require("pyarrow.parquet")
    return pq.read_table(str(folder)).to_pylist()


def _strip(v):
    """A Parquet row as the JSONL row it stands for: null fields dropped (a
    kind without that field), maps back to dicts."""
    if isinstance(v, dict):
        return {k: _strip(x) for k, x in v.items() if x is not None}
    if isinstance(v, list):
        if v and all(isinstance(x, tuple) and len(x) == 2 for x in v):
            return {k: _strip(x) for k, x in v}  # a map (keypoints)
        return [_strip(x) for x in v]
    return v


@pytest.fixture
def folder(tmp_path):
    """two QR images (known contents), a text file, a corrupt PNG, a
    40000 x 40000 header."""
    Image = require("PIL.Image")
    segno = require("segno")
    d = tmp_path / "images"
    (d / "sub").mkdir(parents=True)
    for i, name in enumerate(["a.png", "sub/b.png"]):
        m = np.array(segno.make_qr(f"pq {i}").matrix, np.uint8)
        img = np.pad(np.kron(1 - m, np.ones((5, 5), np.uint8)) * 255, 20,
                     constant_values=255)
        Image.fromarray(img).save(d / name)
    (d / "notes.txt").write_text("not an image\n")
    (d / "corrupt.png").write_bytes((d / "a.png").read_bytes()[:70])
    (d / "huge.png").write_bytes(png_header_only(40000, 40000))
    return d


def test_cli_parquet_rows_are_the_jsonl_rows(folder, tmp_path):
    require("zxingcpp")
    require("pyarrow")
    out = tmp_path / "rows.parquet"
    ann = tmp_path / "ann"
    assert main(["detect", "barcodes", str(folder), "--out", str(out),
                 "--annotate", str(ann), "--quiet"]) == 0
    assert sorted(p.name for p in ann.iterdir()) == ["a.png.png", "sub__b.png.png"]
    jsonl = tmp_path / "rows.jsonl"
    assert main(["detect", "barcodes", str(folder), "--out", str(jsonl),
                 "--quiet"]) == 0
    assert out.is_dir() and [p.suffix for p in out.iterdir()] == [".parquet"]
    rows = _table_rows(out)
    assert len(rows) == 5 == len({r["path"] for r in rows})  # one per input
    want = _jsonl(jsonl)
    for r in rows:
        assert _strip(r) == want[r["path"]]
    by_name = {r["path"].rsplit("/", 1)[-1]: r for r in rows}
    assert by_name["a.png"]["detections"][0]["rawValue"] == "pq 0"
    assert by_name["b.png"]["detections"][0]["format"] == "qr_code"
    assert by_name["b.png"]["error"] is None
    for bad in ("notes.txt", "corrupt.png", "huge.png"):
        assert "ImageDecodeError" in by_name[bad]["error"]
        assert by_name[bad]["detections"] is None
    assert "1600000000 pixels" in by_name["huge.png"]["error"]
    # resumable: nothing again, then only a new file, in a new part file
    assert main(["detect", "barcodes", str(folder), "--out", str(out),
                 "--quiet"]) == 0
    assert len(list(out.iterdir())) == 1
    (folder / "c.png").write_bytes((folder / "a.png").read_bytes())
    assert main(["detect", "barcodes", str(folder), "--out", str(out),
                 "--quiet"]) == 0
    rows = _table_rows(out)
    assert len(rows) == 6 == len({r["path"] for r in rows})
    assert len(list(out.iterdir())) == 2


def test_faces_nested_fields_round_trip(tmp_path):
    require("pyarrow")
    require("PIL")
    require_models("face_detection_short_range")
    out, jsonl = tmp_path / "f.parquet", tmp_path / "f.jsonl"
    for o in (out, jsonl):
        detect_files("faces", [PHOTO], o, backend="onnxruntime")
    (row,) = _table_rows(out)
    (want,) = _jsonl(jsonl).values()
    assert _strip(row) == want  # floats bit for bit (float64 both ways)
    (face,) = row["detections"]
    assert sorted(lm["type"] for lm in face["landmarks"]) == ["eye", "eye",
                                                              "mouth", "nose"]
    assert len(dict(face["keypoints"])) == 6
    assert face["rawValue"] is None and face["cornerPoints"] is None
    assert 0.5 < face["score"] <= 1 and not math.isnan(face["boundingBox"]["x"])


def test_a_stopped_run_keeps_whole_parts_and_resumes(folder, tmp_path):
    require("zxingcpp")
    require("pyarrow")
    for i in range(4):
        (folder / f"copy{i}.png").write_bytes((folder / "a.png").read_bytes())
    out = tmp_path / "rows.parquet"
    seen = []

    def stop_after_three(i, path):
        seen.append(path)
        if i == 3:
            raise KeyboardInterrupt  # Ctrl-C during the 4th row's wait

    with pytest.raises(KeyboardInterrupt):
        detect_files("barcodes", [folder], out, progress=stop_after_three,
                     parquet_flush_rows=2)
    # the full part (2 rows) and the buffered row written on the way out
    assert len(done_paths(out)) == 3
    assert sorted(done_paths(out)) == sorted(seen)
    # a crash mid-write leaves a hidden temporary file: never read
    (out / ".tmp-part-x.parquet").write_bytes(b"PAR1 cut short")
    s = detect_files("barcodes", [folder], out, parquet_flush_rows=2)
    assert (s.skipped, s.written, s.inputs) == (3, 6, 9)
    rows = _table_rows(out)  # pyarrow's reader skips "."/"_" names, as ours
    assert len(rows) == 9 == len({r["path"] for r in rows})


def test_writer_without_close_loses_only_the_unwritten_part(tmp_path):
    require("pyarrow")
    out = tmp_path / "w.parquet"
    w = sdp.ParquetRowWriter(out, flush_rows=2)
    for i in range(5):
        w.write({"path": f"/x/{i}.png", "kind": "barcodes", "width": 1,
                 "height": 1, "detections": []})
    # no close(): a killed process; rows 0-3 are in two whole part files
    assert done_paths(out) == {f"/x/{i}.png" for i in range(4)}
    assert len(sdp.read_rows(out)) == 4


def test_bad_outputs_are_clear_errors(tmp_path, capsys):
    require("pyarrow")
    with pytest.raises(ValueError, match=r"no Parquet column for \['colour'\]"):
        sdp.rows_to_table([{"path": "p", "kind": "faces", "colour": "red"}])
    with pytest.raises(ValueError, match=r"no Parquet column for \['angle'\]"):
        sdp.rows_to_table([{"path": "p", "kind": "faces",
                            "detections": [{"angle": 3.0}]}])
    with pytest.raises(ValueError, match="flush_rows must be at least 1"):
        sdp.ParquetRowWriter(tmp_path / "z.parquet", flush_rows=0)
    f = tmp_path / "file.parquet"
    f.write_bytes(b"not a folder")
    with pytest.raises(NotADirectoryError, match="dataset folder"):
        done_paths(f)
    assert main(["detect", "barcodes", str(tmp_path), "--out", str(f),
                 "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert "dataset folder" in err and "\n" not in err
