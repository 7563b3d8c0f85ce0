"""Smoke test of the model-zoo benchmark (``python -m benchmarks --zoo``) on
one small registry model, without torch.

The table's error column is checked against the max abs difference computed
here from native ONNX Runtime and ``webnnpy.models.onnx.load(...).run`` on an
input drawn here by the recipe the benchmark documents
(``np.random.default_rng(0).random(shape)`` for a ``uniform`` input).
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from webnnpy.models import zoo as registry  # noqa: E402

RATIO_COLUMNS = ("load ratio", "RSS ratio", "run ratio (median)",
                 "dispatch ratio (median)", "run ratio (min)",
                 "run ratio (paired)")
REQUIRED = ("model", "family", "source", *RATIO_COLUMNS, "max abs err", "status")


def _table(text: str) -> tuple[list[str], list[list[str]]]:
    rows = [ln for ln in text.splitlines() if ln.startswith("|")]
    cells = [[c.strip() for c in ln.strip().strip("|").split("|")] for ln in rows]
    assert set(rows[1].replace("|", "")) == {"-"}, "second row is the separator"
    return cells[0], cells[2:]


def _installed(name: str) -> Path:
    try:
        return registry.find_model(name)
    except registry.ModelNotInstalledError as e:
        pytest.skip(str(e))


def test_zoo_runner_on_ppocr_cls(tmp_path: Path,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from benchmarks.zoo import NOT_EXPORTED, main

    import webnnpy
    from webnnpy.models import onnx as wonnx

    path = _installed("ppocr-cls")
    monkeypatch.setenv("WEBNNPY_ZOO_DIR", str(tmp_path / "empty"))
    md, js = tmp_path / "zoo.md", tmp_path / "zoo.json"
    assert main(["--models", "ppocr-cls,squeezenet1_1", "--rounds", "1",
                 "--budget", "0.2", "--pause", "0", "--quiet",
                 "--md", str(md), "--json", str(js)]) == 0
    text = md.read_text()
    assert "vector extensions:" in text and "CPU:" in text
    header, rows = _table(text)
    for col in REQUIRED:
        assert col in header
    assert len(rows) == 2 and all(len(r) == len(header) for r in rows)
    row = dict(zip(header, rows[0], strict=True))
    assert row["model"] == "ppocr-cls" and row["source"] == "registry"
    assert row["status"] == "ok"
    for col in RATIO_COLUMNS:
        v = float(row[col])
        assert math.isfinite(v) and v > 0, (col, row[col])
    # an exported model whose file is absent is listed, not dropped
    missing = dict(zip(header, rows[1], strict=True))
    assert missing["model"] == "squeezenet1_1"
    assert missing["status"] == NOT_EXPORTED
    assert missing["run ratio (median)"] == "-"

    # the error column: max |webnnpy - native| over the output, computed here
    x = np.random.default_rng(0).random((1, 3, 48, 192)).astype(np.float32)
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    (native,) = session.run(None, {"x": x})
    # the zoo's "run" column is webnnpy's ONNX Runtime backend (the default
    # context may run the graph on OpenVINO: backends/auto)
    ctx = webnnpy.ml.create_context(backend="onnxruntime")
    ours = wonnx.load(str(path), dims={"x": [1, 3, 48, 192]}, context=ctx).run({"x": x})
    (got,) = ours.values()
    diff = float(np.max(np.abs(got.astype(np.float64) - native.astype(np.float64))))
    rel = diff / float(np.max(np.abs(native.astype(np.float64))))
    rec = json.loads(js.read_text())["models"][0]
    assert rec["err"][0] == pytest.approx(diff, rel=1e-6, abs=1e-12)
    assert float(row["max abs err"]) == pytest.approx(diff, rel=0.01, abs=1e-12)
    assert float(row["rel err"]) == pytest.approx(rel, rel=0.01, abs=1e-12)
    # the run's ratio is the ratio of the medians it recorded
    st = rec["stats"]
    assert float(row["run ratio (median)"]) == pytest.approx(
        st["run"]["median"] / st["native"]["median"], abs=0.006)


def test_zoo_runner_lists_a_refused_model_with_its_reason(tmp_path: Path,
                                                          monkeypatch) -> None:
    """A model webnnpy refuses is a row saying why, not a crash.  (The zoo's
    once-refused ddddocr model imports now, so the webnnpy side here loads a
    small model with an operator no importer maps, and reports its real
    error.)"""
    import onnx
    from benchmarks import zoo
    from onnx import TensorProto, helper

    from webnnpy.models import onnx as wonnx

    _installed("ddddocr-ocr-old")
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [2])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [2])
    m = helper.make_model(helper.make_graph(
        [helper.make_node("Frobnicate", ["x"], ["y"], domain="com.example")],
        "g", [x], [y]), opset_imports=[helper.make_opsetid("", 17),
                                       helper.make_opsetid("com.example", 1)])
    bad = tmp_path / "bad.onnx"
    onnx.save(m, bad)
    try:
        wonnx.load(bad)
    except wonnx.OnnxImportError as e:
        why = f"{type(e).__name__}: {e}"
    real_child = zoo._child

    def child(side, spec, path, settings, timeout):
        if side == "webnnpy":
            return {"status": why}
        return real_child(side, spec, path, settings, timeout)

    monkeypatch.setattr(zoo, "_child", child)
    md = tmp_path / "zoo.md"
    assert zoo.main(["--models", "ddddocr-ocr-old", "--rounds", "1", "--budget", "1",
                     "--quiet", "--md", str(md)]) == 0
    header, rows = _table(md.read_text())
    row = dict(zip(header, rows[0], strict=True))
    assert row["status"].startswith("unsupported: webnnpy load:"), row["status"]
    assert "Frobnicate" in row["status"]
    assert row["run ratio (median)"] == "-"


def test_child_peak_rss_is_its_own_not_the_parents() -> None:
    """``ru_maxrss`` survives fork + exec on Linux; the child must report
    its own peak (here: far below a 400 MiB block the parent touched)."""
    import subprocess

    if not Path("/proc/self/status").exists():
        pytest.skip("no /proc: the child falls back to ru_maxrss")
    block = np.ones(400 * 2**20 // 8)  # touched: resident in this process
    code = "from benchmarks.zoo_child import _rss; print(_rss())"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True,
                         capture_output=True, text=True).stdout
    assert block.sum() > 0
    assert int(out) < 200 * 2**20
