"""``detect_dataset`` / ``webnnpy detect --ray`` on a local Ray started by
the test (2 CPUs): the same rows as the one-process run, one per input even
when a worker process dies mid-run, resumable."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest
from sd_testlib import require

from webnnpy.cli import main
from webnnpy.shape_detection import ray_data
from webnnpy.shape_detection.runner import detect_files


@pytest.fixture(scope="module")
def local_ray(tmp_path_factory):
    """A local Ray (2 CPUs) whose workers see the fault-injection variable:
    the first actor call kills its worker process once."""
    ray = require("ray")
    require("zxingcpp")
    require("segno")
    marker = tmp_path_factory.mktemp("fault") / "killed"
    old = os.environ.get(ray_data.FAULT_ENV)
    os.environ[ray_data.FAULT_ENV] = str(marker)
    if ray.is_initialized():
        ray.shutdown()
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False,
             configure_logging=False)
    try:
        yield marker
    finally:
        ray.shutdown()
        if old is None:
            os.environ.pop(ray_data.FAULT_ENV, None)
        else:
            os.environ[ray_data.FAULT_ENV] = old


def _make_images(d, n):
    import segno
    from PIL import Image

    d.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        m = np.array(segno.make_qr(f"ray {i}").matrix, np.uint8)
        img = np.pad(np.kron(1 - m, np.ones((4, 4), np.uint8)) * 255, 16,
                     constant_values=255)
        Image.fromarray(img).save(d / f"img{i:02d}.png")
    (d / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n garbage")


def _rows(path):
    return [json.loads(line) for line in path.read_text().splitlines() if line]


def test_ray_rows_match_the_plain_loop_despite_a_dead_worker(local_ray, tmp_path):
    images = tmp_path / "images"
    _make_images(images, 8)
    plain = tmp_path / "plain.jsonl"
    detect_files("barcodes", [images], plain)
    out = tmp_path / "ray.jsonl"
    summary = ray_data.detect_dataset("barcodes", [images], out, workers=2,
                                      batch_size=2)
    assert local_ray.exists(), "the fault injection did not run: no worker died"
    rows = _rows(out)
    assert len(rows) == 9 == summary.written          # one row per input
    assert len({r["path"] for r in rows}) == 9
    by_path = {r["path"]: r for r in rows}
    for want in _rows(plain):
        assert by_path[want["path"]] == want
    assert "error" in by_path[str(images / "broken.png")]
    # resumable, and the CLI's --ray goes through the same function
    (images / "img99.png").write_bytes((images / "img00.png").read_bytes())
    assert main(["detect", "barcodes", str(images), "--out", str(out), "--ray",
                 "--workers", "1", "--quiet"]) == 0
    rows = _rows(out)
    assert len(rows) == 10
    assert rows[-1]["path"].endswith("img99.png")
    assert rows[-1]["detections"][0]["rawValue"] == "ray 0"


def test_ray_writes_parquet_via_ray_data(local_ray, tmp_path):
    # --out X.parquet on Ray: Ray Data's write_parquet fills the dataset
    # folder, one row per input although a worker dies mid-run; the rows
    # equal the one-process JSONL rows; resumable
    pq = require("pyarrow.parquet")
    images = tmp_path / "images"
    _make_images(images, 6)
    plain = tmp_path / "plain.jsonl"
    detect_files("barcodes", [images], plain)
    out = tmp_path / "ray.parquet"
    local_ray.unlink(missing_ok=True)  # re-arm: a worker dies here too
    summary = ray_data.detect_dataset("barcodes", [images], out, workers=2,
                                      batch_size=2)
    assert local_ray.exists(), "the fault injection did not run: no worker died"
    rows = pq.read_table(str(out)).to_pylist()
    assert len(rows) == 7 == summary.written == len({r["path"] for r in rows})
    assert summary.errors == 1
    want = {r["path"]: r for r in _rows(plain)}
    for r in rows:
        w = want[r["path"]]
        assert r["error"] == w.get("error")
        if "detections" in w:
            assert [(d["rawValue"], d["format"], d["boundingBox"])
                    for d in r["detections"]] == [
                (d["rawValue"], d["format"], d["boundingBox"])
                for d in w["detections"]]
            assert (r["width"], r["height"]) == (w["width"], w["height"])
    (images / "img99.png").write_bytes((images / "img03.png").read_bytes())
    assert main(["detect", "barcodes", str(images), "--out", str(out), "--ray",
                 "--workers", "1", "--quiet"]) == 0
    rows = pq.read_table(str(out)).to_pylist()
    assert len(rows) == 8 == len({r["path"] for r in rows})
    (new,) = [r for r in rows if r["path"].endswith("img99.png")]
    assert new["detections"][0]["rawValue"] == "ray 3"
