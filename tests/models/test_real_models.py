"""Real models with real weights, from registry packages (webnnpy.models.zoo):
PP-OCRv6 det + rec and the PP-OCR orientation classifier (rapidocr 3.10.0),
Silero VAD v6 (silero-vad 6.2.3).

Each is imported through webnnpy and run on the ONNX Runtime backend and on
the NumPy reference backend, and compared with ONNX Runtime running the
original file, on realistic inputs (a rendered text line, synthetic speech).

Tolerance, float32, every output: atol 1e-4, rtol 1e-3.  The outputs are
probabilities (sigmoid / softmax, in [0, 1]) and an LSTM state (|x| up to
~17); ONNX Runtime accumulates long float32 chains (conv, matmul, softmax
over 18,710 classes) and the reference computes in float64 and rounds once,
so the native side is the inexact one.  Measured max abs differences on these
inputs and on page-sized ones: det 2e-5, rec 2e-5, cls 4e-7, VAD
probabilities 6e-7 over 130 recurrent steps and its state 2e-6.  atol 1e-4
leaves a 5x margin over the worst, while a wrong mapping (a transposed
weight, a wrong pad, axis or resize mode) typically moves them by 1e-2 or
more.  The end results - the recognized text, the speech segments - must be
identical.

Skipped when onnx, onnxruntime or the model packages are not installed
(``pip install --no-deps rapidocr==3.10.0 silero-vad==6.2.3``).
"""

from __future__ import annotations

import importlib.metadata
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

import webnnpy  # noqa: E402
from webnnpy.backends import available_backends  # noqa: E402
from webnnpy.models import zoo  # noqa: E402

ATOL, RTOL = 1e-4, 1e-3
BACKENDS = [b for b in ("onnxruntime", "numpy") if available_backends().get(b)]


def _model(name: str) -> Path:
    try:
        return zoo.find_model(name)
    except zoo.ModelNotInstalledError as e:
        pytest.skip(str(e))


@pytest.fixture(scope="module")
def sessions() -> dict[str, Any]:
    """Native ONNX Runtime sessions on the original files (lazily)."""
    cache: dict[str, Any] = {}

    def get(name: str) -> Any:
        if name not in cache:
            cache[name] = ort.InferenceSession(str(_model(name)),
                                               providers=["CPUExecutionProvider"])
        return cache[name]

    return {"get": get}


def _line_image(text: str = "WebNN 2026") -> Any:
    pytest.importorskip("PIL")
    from webnnpy.tasks import ocr

    return ocr.render_line(text, size=32)


def _det_input() -> np.ndarray:
    from webnnpy.tasks import ocr

    rgb = np.asarray(_line_image())
    h, w = ocr._det_size(*rgb.shape[:2], 960)
    return ocr._normalize_bgr(ocr._resize(rgb, w, h))[None]


def _crop() -> np.ndarray:

    rgb = np.asarray(_line_image())
    return rgb[8:-8, 8:-8]


def _compare(name: str, backend: str, x: np.ndarray, sessions: dict[str, Any]
             ) -> tuple[np.ndarray, np.ndarray]:
    from webnnpy.tasks import model_cache

    want = sessions["get"](name).run(None, {"x": x})[0]
    m = model_cache.imported(name, {"x": x.shape}, backend=backend)
    got = next(iter(m.run({"x": x}).values()))
    assert got.shape == want.shape and got.dtype == want.dtype
    np.testing.assert_allclose(got, want, rtol=RTOL, atol=ATOL)
    return got, want


@pytest.mark.parametrize("backend", BACKENDS)
def test_ppocr_det_matches_onnxruntime(backend: str, sessions: dict[str, Any]):
    from webnnpy.tasks import ocr

    x = _det_input()
    got, want = _compare("ppocr-det", backend, x, sessions)
    # the same boxes from either map
    size = (x.shape[3], x.shape[2])
    a, b = ocr.db_boxes(got[0, 0], size), ocr.db_boxes(want[0, 0], size)
    assert len(a) == len(b) == 1
    np.testing.assert_array_equal(a[0][0], b[0][0])


@pytest.mark.parametrize("backend", BACKENDS)
def test_ppocr_rec_matches_onnxruntime(backend: str, sessions: dict[str, Any]):
    from webnnpy.tasks import ocr

    x = ocr._line_input(_crop(), 48, 320, 64, 3200)[None]
    got, want = _compare("ppocr-rec", backend, x, sessions)
    chars = ocr.characters()
    text, _ = ocr.ctc_greedy_decode(got[0], chars)
    assert text == ocr.ctc_greedy_decode(want[0], chars)[0] == "WebNN 2026"


@pytest.mark.parametrize("backend", BACKENDS)
def test_ppocr_cls_matches_onnxruntime(backend: str, sessions: dict[str, Any]):
    from webnnpy.tasks import ocr

    crop = _crop()
    for img, label in ((crop, 0), (np.ascontiguousarray(crop[::-1, ::-1]), 1)):
        x = ocr._line_input(img, 48, 192, 192, 192)[None]
        got, _ = _compare("ppocr-cls", backend, x, sessions)
        assert int(got[0].argmax()) == label


def _native_vad(audio: np.ndarray, session: Any) -> tuple[np.ndarray, np.ndarray]:
    from webnnpy.tasks import vad

    n = -(-len(audio) // vad.CHUNK)
    padded = np.zeros(n * vad.CHUNK + vad.CONTEXT, np.float32)
    padded[vad.CONTEXT:vad.CONTEXT + len(audio)] = audio
    state = np.zeros((2, 1, 128), np.float32)
    probs = np.empty(n, np.float32)
    for i in range(n):
        x = padded[i * vad.CHUNK:i * vad.CHUNK + vad.CONTEXT + vad.CHUNK][None]
        out, state = session.run(None, {"input": x, "state": state,
                                        "sr": np.array(16000, np.int64)})
        probs[i] = out[0, 0]
    return probs, state


SPEECH = [("silence", 0.7), ("voice", 1.2), ("silence", 0.8), ("voice", 0.9),
          ("silence", 0.6)]


@pytest.mark.parametrize("backend", BACKENDS)
def test_silero_vad_matches_onnxruntime(backend: str, sessions: dict[str, Any]):
    from webnnpy.tasks import model_cache, vad

    audio = vad.synthetic_speech(SPEECH)
    want, want_state = _native_vad(audio, sessions["get"]("silero-vad"))
    got = vad.speech_probs(audio, backend=backend)
    np.testing.assert_allclose(got, want, rtol=RTOL, atol=ATOL)
    # one step from a non-zero state: the state output too
    m = model_cache.imported("silero-vad", {"input": (1, 576), "state": (2, 1, 128)},
                         backend=backend,
                         constants={"sr": np.array(16000, np.int64)})
    x = audio[16000:16576][None]
    res = m.run({"input": x, "state": want_state})
    out, state = sessions["get"]("silero-vad").run(
        None, {"input": x, "state": want_state, "sr": np.array(16000, np.int64)})
    np.testing.assert_allclose(res["output"], out, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(res["stateN"], state, rtol=RTOL, atol=ATOL)
    # the end result: the same segments, where the voiced parts are
    segs = vad.segments_from_probs(got, len(audio))
    assert segs == vad.segments_from_probs(want, len(audio))
    secs = [(a / 16000, b / 16000) for a, b in segs]
    assert len(secs) == 2
    for (a, b), (ta, tb) in zip(secs, [(0.7, 1.9), (2.7, 3.6)], strict=True):
        assert abs(a - ta) < 0.1 and 0 <= b - tb < 0.3, secs


def test_silero_vad_ignores_non_speech():
    _model("silero-vad")
    from webnnpy.tasks import vad

    for kind in ("noise", "tone", "silence"):
        audio = vad.synthetic_speech([("silence", 0.3), (kind, 1.2),
                                      ("silence", 0.3)], seed=1)
        assert vad.speech_segments(audio) == [], kind


def test_segments_from_probs_rules():
    from webnnpy.tasks import vad

    p = np.zeros(100, np.float32)
    p[10:30] = 0.9          # 20 chunks = 640 ms of speech
    p[31] = 0.4             # between the thresholds: still speech
    p[50:53] = 0.9          # 96 ms: too short, dropped
    p[60:80] = 0.9
    p[81:83] = 0.2          # 64 ms of silence (< 100 ms): not a break
    p[83:90] = 0.9
    segs = vad.segments_from_probs(p, 100 * 512)
    pad = 480  # 30 ms
    assert segs == [(10 * 512 - pad, 30 * 512 + pad), (60 * 512 - pad,
                                                       90 * 512 + pad)]
    # a segment running to the end is closed at the end of the audio
    q = np.zeros(20, np.float32)
    q[5:] = 0.8
    assert vad.segments_from_probs(q, 20 * 512 - 100) == [(5 * 512 - pad,
                                                          20 * 512 - 100)]


# ---------------------------------------------------------------- the zoo


def test_zoo_finds_every_model_file():
    for name in zoo.names():
        p = _model(name)
        assert p.suffix == ".onnx" and p.stat().st_size > 100_000
        assert zoo.model_info(name).path.endswith(p.name)


def test_zoo_errors_name_the_pip_command(monkeypatch: pytest.MonkeyPatch):
    def missing(name: str) -> Any:
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(zoo.metadata, "distribution", missing)
    with pytest.raises(zoo.ModelNotInstalledError,
                       match=r"pip install --no-deps rapidocr==3\.10\.0"):
        zoo.find_model("ppocr-rec")
    with pytest.raises(KeyError, match="known: ppocr-det"):
        zoo.find_model("nope")


def test_rec_dictionary_is_in_the_model_metadata():
    _model("ppocr-rec")
    from webnnpy.tasks import ocr

    chars = ocr.characters()
    out = ort.InferenceSession(str(_model("ppocr-rec")),
                               providers=["CPUExecutionProvider"]).get_outputs()
    assert len(chars) == out[0].shape[-1] == 18710
    assert chars[0] == "blank" and chars[-1] == " " and "W" in chars


# ------------------------------------------------------------------ bench


def test_bench_silero(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    _model("silero-vad")
    from webnnpy.bench import bench_main

    out = tmp_path / "r.json"
    rc = bench_main(["silero-vad", "--dims", "input=1,576", "state=2,1,128",
                     "--const", "sr=16000", "--iters", "6", "--rounds", "3",
                     "--backends", ",".join(BACKENDS), "--json", str(out)])
    text = capsys.readouterr().out
    assert rc == 0, text
    assert "| native onnxruntime |" in text
    rec = json.loads(out.read_text())
    impls = {i["name"]: i for i in rec["impls"]}
    for b in BACKENDS:
        i = impls[f"webnnpy {b}"]
        assert i["status"] == "ok" and i["n"] == 6 and i["max_abs"] < ATOL


def test_bench_reports_a_model_that_does_not_import(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    from onnx import TensorProto, helper

    from webnnpy.bench import bench_main

    # NonZero has a data-dependent shape: WebNN cannot express it
    g = helper.make_graph(
        [helper.make_node("NonZero", ["x"], ["y"])], "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [4])],
        [helper.make_tensor_value_info("y", TensorProto.INT64, None)])
    path = tmp_path / "nz.onnx"
    model = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    path.write_bytes(model.SerializeToString())
    rc = bench_main([str(path), "--iters", "2", "--rounds", "1", "--backends",
                     "numpy"])
    text = capsys.readouterr().out
    assert rc == 1 and "| webnnpy numpy | failed: " in text
    assert "| native onnxruntime |" in text


def test_bench_bad_arguments(capsys: pytest.CaptureFixture[str]):
    from webnnpy.bench import bench_main

    assert bench_main(["no-such-model.onnx"]) == 2
    assert "neither a file nor a zoo model" in capsys.readouterr().err
    assert bench_main(["silero-vad", "--dims", "oops"]) == 2


def test_default_context_runs_the_models():
    """The task layer works on whatever backend a default context has."""
    _model("ppocr-det")
    pytest.importorskip("PIL")
    from webnnpy.tasks import model_cache, ocr

    default = webnnpy.ml.create_context()
    assert model_cache.context(None).backend == default.backend
    default.destroy()
    assert [t.text for t in ocr.read_text(_line_image("Default 7"))] == ["Default 7"]
