"""Real models exported to JavaScript run in Chromium's WebNN and match
webnnpy's reference backend: PP-OCRv6 det and rec on a rendered text line
(and Chromium's outputs read the same text as webnnpy), and the
MobileNetV2 and 6-layer transformer encoder of ``benchmarks/models.py`` at
full size.

Tolerances.  The reference computes every op in float64 and rounds once;
Chromium (LiteRT with XNNPACK, CPU) computes in float32: each op's result
carries float32 rounding (2**-24 ~ 6e-8 relative) times the length of its
sums (up to 960 terms in MobileNetV2's 1x1 convolutions, 1536 in the
encoder's FFN matmuls) in XNNPACK's own blocking order, and exp / erf /
sigmoid / tanh by polynomial approximations of a few ULPs; it compounds over
the layers (PP-OCR det: 83 convolutions, rec: 57 convolutions and 13 matmuls,
both with GELU as erf; the encoder: 6 layers of attention, GELU and
layerNormalization).  Measured here (and on other inputs): Chromium's
outputs differ from the reference by up to ~1.6e-5 on the OCR probabilities
and ~1.6e-6 * max|reference| on the two networks; webnnpy's ONNX Runtime
backend, float32 too, by the same order.  So:

- OCR probabilities (sigmoid map, softmax over 18,710 classes; in [0, 1]):
  ``|chromium - reference| <= 2e-4``;
- MobileNetV2 logits and the encoder's layer-normalized states:
  ``|chromium - reference| <= 2e-5 * max|reference|``,

10x the largest errors measured or more, and far below what would change
a decision (the detection threshold 0.3, the argmax of each CTC step).

Skipped as the conftest says without the browser, and without onnx, Pillow
or rapidocr's model files (PP-OCRv6) or the source tree's ``benchmarks/``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from crosscheck import latency as bmodels

import webnnpy
from webnnpy.browser import Browser
from webnnpy.models.javascript import export

OCR_ATOL = 2e-4
BUILDER_RTOL = 2e-5
#: a line that the rec graph reads at 48x320 (the crop scales to < 320 wide)
TEXT = "WebNN 2026"

#: max abs errors measured by the tests, printed at the end (pytest -s)
MEASURED: dict[str, float] = {}


def _max_abs(ref: np.ndarray, got: np.ndarray) -> float:
    assert got.shape == ref.shape and got.dtype == ref.dtype
    assert np.isfinite(got).all()
    return float(np.max(np.abs(got.astype(np.float64) - ref.astype(np.float64))))


@pytest.fixture(scope="module")
def ocr_models() -> None:
    pytest.importorskip("onnx")
    pytest.importorskip("PIL")
    from webnnpy.models import zoo

    for name in ("ppocr-det", "ppocr-rec"):
        try:
            zoo.find_model(name)
        except zoo.ModelNotInstalledError as e:
            pytest.skip(str(e))


@pytest.fixture(scope="module")
def reference() -> Iterator[webnnpy.MLContext]:
    ctx = webnnpy.ml.create_context(backend="numpy")
    yield ctx
    ctx.destroy()


@pytest.fixture(scope="module", autouse=True)
def _report() -> Iterator[None]:
    yield
    if MEASURED:
        print("\nmax |Chromium - reference|: " + ", ".join(
            f"{k} {v:.2g}" for k, v in MEASURED.items()))


def _in_chromium(browser: Browser, graph: webnnpy.MLGraph, feeds, tmp_path: Path,
                 name: str) -> np.ndarray:
    export(graph, tmp_path / name)
    (out,) = browser.run_module(tmp_path / name, feeds).values()
    return out


def test_ppocr_reads_a_line_in_chromium(browser: Browser, tmp_path: Path,
                                        ocr_models: None,
                                        reference: webnnpy.MLContext) -> None:
    from webnnpy.tasks import ocr

    _, _, h, w = bmodels.DET_LINE_SHAPE
    rgb = bmodels.text_image(TEXT, (w, h))

    # detection: the probability map, then the same boxes from it
    det = bmodels.ppocr_graph(reference, "ppocr-det", bmodels.DET_LINE_SHAPE)
    x = bmodels.det_input(rgb)
    (ref_prob,) = reference.compute(det, {"x": x}).values()
    prob = _in_chromium(browser, det, {"x": x}, tmp_path, "det")
    MEASURED["det"] = err = _max_abs(ref_prob, prob)
    assert err <= OCR_ATOL, err
    assert ref_prob.max() > 0.9  # the line was found
    ref_boxes = ocr.db_boxes(ref_prob[0, 0], (w, h))
    boxes = ocr.db_boxes(prob[0, 0], (w, h))
    assert len(boxes) == len(ref_boxes) == 1
    np.testing.assert_allclose(boxes[0][0], ref_boxes[0][0], atol=1)

    # recognition of Chromium's box, decoded: the same text as webnnpy's
    xr = bmodels.line_input(rgb, boxes[0][0])
    assert xr.shape == bmodels.REC_SHAPE
    rec = bmodels.ppocr_graph(reference, "ppocr-rec", bmodels.REC_SHAPE)
    (ref_probs,) = reference.compute(rec, {"x": xr}).values()
    probs = _in_chromium(browser, rec, {"x": xr}, tmp_path, "rec")
    MEASURED["rec"] = err = _max_abs(ref_probs, probs)
    assert err <= OCR_ATOL, err
    chars = ocr.characters()
    text, score = ocr.ctc_greedy_decode(probs[0], chars)
    ref_text, ref_score = ocr.ctc_greedy_decode(ref_probs[0], chars)
    assert np.array_equal(probs[0].argmax(-1), ref_probs[0].argmax(-1))
    assert text == ref_text == TEXT
    assert abs(score - ref_score) <= OCR_ATOL
    # webnnpy's whole pipeline (same graphs' shapes) reads the same line
    assert [t.text for t in ocr.read_text(rgb, backend="numpy")] == [TEXT]


@pytest.mark.parametrize("name", ["encoder", "mobilenetv2"])
def test_benchmark_network_in_chromium(browser: Browser, tmp_path: Path,
                                       reference: webnnpy.MLContext,
                                       name: str) -> None:
    try:
        bmodels.benchmark_models()
    except ModuleNotFoundError as e:
        pytest.skip(str(e))
    graph = bmodels.builder_graph(reference, name)  # full size
    feeds = bmodels.builder_feeds(name)
    (ref,) = reference.compute(graph, feeds).values()
    got = _in_chromium(browser, graph, feeds, tmp_path, name)
    scale = float(np.max(np.abs(ref)))
    err = _max_abs(ref, got)
    MEASURED[f"{name} (relative to max|ref| {scale:.2g})"] = err / scale
    assert err <= BUILDER_RTOL * scale, (err, scale)
    if name == "mobilenetv2":
        assert got.argmax() == ref.argmax()


def test_latency_table_runs(browser: Browser, tmp_path: Path) -> None:
    """The latency machinery on a small network, few runs."""
    try:
        bmodels.benchmark_models()
    except ModuleNotFoundError as e:
        pytest.skip(str(e))
    case = bmodels.ModelCase(
        "small MobileNetV2", "1x3x32x32",
        lambda ctx: bmodels.builder_graph(ctx, "mobilenetv2", small=True),
        lambda: bmodels.builder_feeds("mobilenetv2", small=True))
    gone = bmodels.ModelCase("absent", "", case.make, case.feeds, "not installed")
    rows = bmodels.latency_rows(browser, [case, gone], workdir=tmp_path,
                                budget_s=0.05, warmup=1, min_runs=3, max_runs=5)
    cells = rows[0].cells
    assert isinstance(cells["Chromium"], bmodels.Timing), cells["Chromium"]
    for cell in cells.values():
        assert isinstance(cell, bmodels.Timing) and 3 <= len(cell.times_ms) <= 5
        # (0 is possible: the page's performance.now() ticks in 0.1 ms steps
        # and a small network can run within one tick)
        assert 0 <= cell.min_ms <= cell.median_ms <= cell.max_ms
    assert cells["Chromium"].build_ms > 0
    assert rows[0].diffs["Chromium"] < 1e-3
    table = bmodels.latency_table(rows)
    assert "| small MobileNetV2 | 1x3x32x32 |" in table
    assert "- absent: not run (not installed)" in table
