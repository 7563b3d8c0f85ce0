"""The imported MediaPipe models, exported to JavaScript, run in Chromium's
WebNN and agree with LiteRT on the same photo.

Chromium's WebNN on Linux compiles a graph into a TFLite model run by
LiteRT/XNNPACK, so an exact import gives exactly LiteRT's numbers: measured,
11 of the 13 models are bitwise equal to LiteRT on the original file, and
selfie_segmentation (landscape) within 4.3e-5 (1.7e-5) of their [0, 1]
masks.  The bound is the real-model policy of test_tflite_mediapipe.py
(``1e-4 + 1e-3 * max |want|``).

The browser is optional locally (``webnnpy browser install``); under
``CI=true`` or ``WEBNNPY_BROWSER=require`` an unavailable browser fails.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from tflite_testlib import CI, litert_run

import webnnpy
from webnnpy.models import tflite as wt
from webnnpy.models.tflite import mediapipe as mp

IMAGE = Path(__file__).parents[2] / "samples" / "images" / "astronaut_256.png"
REQUIRED = CI or os.environ.get("WEBNNPY_BROWSER", "").strip().lower() == "require"


def _unavailable(why: str) -> None:
    if REQUIRED:
        pytest.fail(why)
    pytest.skip(why)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from webnnpy.browser import Browser, BrowserError, BrowserNotInstalledError

    try:
        b = Browser()
        b.start()
    except (BrowserNotInstalledError, BrowserError) as e:
        _unavailable(f"Chromium with WebNN is not available ({e}); "
                     f"`webnnpy browser install`")
    yield b
    b.close()


#: LiteRT cannot run it (three MediaPipe custom ops, which the importer builds
#: from WebNN ops): Chromium is compared with the float64 reference backend's
#: run of the same graph instead
NO_LITERT = frozenset({"face_landmark_with_attention"})


@pytest.mark.parametrize("name", list(mp.MODELS))
def test_model_in_chromium_agrees_with_litert(browser: object, tmp_path: Path,
                                              name: str) -> None:
    from PIL import Image

    from webnnpy.models.javascript import export

    try:
        path = mp.find(name)
    except mp.ModelNotInstalledError as e:
        if CI:
            raise
        pytest.skip(str(e))
    m = wt.load(path, context=webnnpy.ml.create_context(backend="numpy"))
    (iname, desc), = m.inputs.items()
    x = mp.model_input(name, Image.open(IMAGE), tuple(desc["shape"]))
    want = (m.run({iname: x}) if name in NO_LITERT
            else litert_run(str(path), {iname: x}))
    export(m.graph, tmp_path / "js")
    got = browser.run_module(tmp_path / "js", {iname: x})
    assert sorted(got) == sorted(want)
    for k, w in want.items():
        assert got[k].shape == w.shape and got[k].dtype == w.dtype
        err = float(np.abs(got[k].astype(np.float64) - w).max())
        bound = 1e-4 + 1e-3 * float(np.abs(w).max())
        assert err <= bound, f"{name} {k}: max error {err:.3g} > {bound:.3g}"


def test_int8_conv_in_chromium(browser: object, tmp_path: Path) -> None:
    """An int8 model (QUANTIZE -> int8 CONV_2D with per-channel weights ->
    DEQUANTIZE) imported as dequantizeLinear / conv2d / quantizeLinear runs
    in Chromium's WebNN within 1 step of LiteRT (measured: equal)."""
    from tflite_writer import ModelWriter

    from webnnpy.models.javascript import export

    rng = np.random.default_rng(15)
    cin, cout, in_scale, out_scale = 3, 4, 0.02, 0.05
    w_scale = rng.uniform(0.005, 0.02, cout)
    w = ModelWriter()
    x = w.input([1, 6, 6, cin])
    xq = w.tensor([1, 6, 6, cin], "int8", quant={"scale": [in_scale],
                                                 "zero_point": [-1]})
    w.op("QUANTIZE", [x], [xq])
    f = w.const(rng.integers(-127, 128, (cout, 3, 3, cin)).astype(np.int8),
                quant={"scale": w_scale.tolist(), "zero_point": [0] * cout,
                       "axis": 0})
    b = w.const(rng.integers(-2000, 2000, cout).astype(np.int32),
                quant={"scale": (w_scale * in_scale).tolist(),
                       "zero_point": [0] * cout, "axis": 0})
    yq = w.tensor([1, 6, 6, cout], "int8", quant={"scale": [out_scale],
                                                  "zero_point": [2]})
    w.op("CONV_2D", [xq, f, b], [yq], "Conv2DOptions", Padding=0, StrideH=1,
         StrideW=1, DilationHFactor=1, DilationWFactor=1,
         FusedActivationFunction=1)
    y = w.tensor([1, 6, 6, cout], name="y")
    w.op("DEQUANTIZE", [yq], [y])
    w.output(y)
    data = w.build()
    xv = rng.uniform(-1, 1, (1, 6, 6, cin)).astype(np.float32)
    want = litert_run(data, {"in0": xv})["y"]
    m = wt.load(data, context=webnnpy.ml.create_context(backend="numpy"))
    export(m.graph, tmp_path / "js")
    got = browser.run_module(tmp_path / "js", {"in0": xv})["y"]
    assert np.abs(got - want).max() <= out_scale + 1e-6
