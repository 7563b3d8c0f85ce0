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


# ------------------------------------------- threads: the CPUs Ray gave an actor


def test_worker_cpus_fit_every_actor_on_one_node():
    # hand-computed: the largest c with sum(floor(node / c)) >= workers
    assert ray_data.worker_cpus([2], 1) == 2      # one actor: the whole machine
    assert ray_data.worker_cpus([2], 2) == 1      # two: one core each
    assert ray_data.worker_cpus([2], 5) == 1      # more actors than cores
    assert ray_data.worker_cpus([8, 8, 8], 4) == 4  # 2+2+2 >= 4; 8s fit only 3
    assert ray_data.worker_cpus([4, 4, 4], 2) == 4
    assert ray_data.worker_cpus([16, 4], 2) == 8  # both on the 16-core node
    assert ray_data.worker_cpus([16, 4], 3) == 5  # 3 on 16 (5 each); 4 fits 0
    assert ray_data.worker_cpus([], 3) == 1
    assert ray_data.worker_cpus([0, 0.5], 1) == 1  # nodes without a CPU


def _session_options(ctx):
    """The SessionOptions of a new ONNX Runtime session of ``ctx``."""
    import webnnpy

    b = webnnpy.MLGraphBuilder(ctx)
    x = b.input("x", {"data_type": "float32", "shape": [2, 3]})
    graph = b.build({"y": b.relu(x)})
    return graph._impl.session.get_session_options()


def _session_threads(ctx) -> int:
    return _session_options(ctx).intra_op_num_threads


def test_actor_gives_onnxruntime_its_cpus(monkeypatch):
    # the actor sets $WEBNNPY_ORT_THREADS before it builds anything, and the
    # ONNX Runtime backend's sessions then use that many intra-op threads
    # (unset: 0, ONNX Runtime's one per physical core)
    import webnnpy

    require("onnxruntime")
    require("zxingcpp")
    monkeypatch.delenv(ray_data.ORT_THREADS_ENV, raising=False)
    ctx = webnnpy.ml.create_context(backend="onnxruntime")
    try:
        assert _session_threads(ctx) == 0
        ray_data.DetectActor("barcodes", {}, 1000, None, None, threads=3)
        assert os.environ[ray_data.ORT_THREADS_ENV] == "3"
        assert _session_threads(ctx) == 3
        monkeypatch.setenv(ray_data.ORT_THREADS_ENV, "two")
        with pytest.raises(Exception, match=r"WEBNNPY_ORT_THREADS must be a non-negative "
                                            r"integer.*'two'"):
            _session_threads(ctx)
    finally:
        ctx.destroy()


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "2"])
def test_cpus_per_worker_must_be_a_positive_integer(tmp_path, bad):
    require("ray")
    with pytest.raises(ValueError, match="cpus_per_worker must be a positive integer"):
        ray_data.detect_dataset("barcodes", [tmp_path], tmp_path / "o.jsonl",
                                cpus_per_worker=bad)


@pytest.mark.parametrize("bad", [0, -3, 2.0, False, "32"])
def test_batch_size_must_be_a_positive_integer_or_none(tmp_path, bad):
    require("ray")
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        ray_data.detect_dataset("barcodes", [tmp_path], tmp_path / "o.jsonl",
                                batch_size=bad)


@pytest.mark.parametrize(("files", "workers", "want"), [
    (3000, 1, 256),    # 3000 / 8 = 375, capped
    (3000, 2, 188),    # ceil(3000 / 16)
    (1000, 2, 63),
    (200, 1, 32),      # 25, raised to the floor
    (10, 4, 32),
    (100_000, 8, 256),
    (0, 2, 32),
])
def test_automatic_batch_size(files, workers, want):
    assert ray_data.batch_size_for(files, workers) == want
    # every worker gets BATCHES_PER_WORKER batches unless a bound decides
    n = ray_data.batch_size_for(files, workers)
    if ray_data.MIN_BATCH_SIZE < n < ray_data.MAX_BATCH_SIZE:
        assert -(-files // n) >= ray_data.BATCHES_PER_WORKER * workers - workers


def test_cli_batch_size_must_be_positive(tmp_path, capsys):
    assert main(["detect", "barcodes", str(tmp_path), "--out",
                 str(tmp_path / "o.jsonl"), "--ray", "--batch-size", "0"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--batch-size must be at least 1" in err[0]


def _session_spinning(ctx) -> str:
    """The allow_spinning entry of a new ONNX Runtime session of ``ctx``
    ("" where it is not set: ONNX Runtime's default, spinning)."""
    so = _session_options(ctx)
    try:
        return so.get_session_config_entry("session.intra_op.allow_spinning")
    except Exception:  # noqa: BLE001 - not set
        return ""


def test_actor_beside_others_stops_onnxruntime_threads_spinning(monkeypatch):
    # an actor given fewer CPUs than its node has shares the cores with other
    # actors: its ONNX Runtime threads sleep while they wait
    # ($WEBNNPY_ORT_SPINNING=0); one given the whole node keeps ONNX Runtime's
    # default; the user's environment wins
    import webnnpy

    require("onnxruntime")
    require("zxingcpp")
    cores = os.cpu_count() or 1
    monkeypatch.delenv(ray_data.ORT_SPINNING_ENV, raising=False)
    monkeypatch.delenv(ray_data.ORT_THREADS_ENV, raising=False)
    ctx = webnnpy.ml.create_context(backend="onnxruntime")
    try:
        assert _session_spinning(ctx) in ("", "1")
        ray_data.DetectActor("barcodes", {}, 1000, None, None, threads=cores)
        assert ray_data.ORT_SPINNING_ENV not in os.environ
        assert _session_spinning(ctx) in ("", "1")
        if cores > 1:
            ray_data.DetectActor("barcodes", {}, 1000, None, None, threads=1)
            assert os.environ[ray_data.ORT_SPINNING_ENV] == "0"
            assert _session_spinning(ctx) == "0"
            monkeypatch.setenv(ray_data.ORT_SPINNING_ENV, "1")
            ray_data.DetectActor("barcodes", {}, 1000, None, None, threads=1)
            assert _session_spinning(ctx) in ("", "1")
        monkeypatch.setenv(ray_data.ORT_SPINNING_ENV, "no")
        with pytest.raises(ValueError, match=r"WEBNNPY_ORT_SPINNING must be 0 .* or 1 "
                                             r".*got 'no'"):
            _session_spinning(ctx)
    finally:
        ctx.destroy()
