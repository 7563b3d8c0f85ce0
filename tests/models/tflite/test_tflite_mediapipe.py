"""The 14 MediaPipe models (``mediapipe==0.10.21``, installed with
``--no-deps``): each imports and agrees with LiteRT on a real photo, or
``inspect`` names exactly what is missing and why.

Inputs: ``tests/samples/images/astronaut_256.png`` (public domain, see
SOURCE.md there): the whole photo for the person models, a face crop, an eye
crop, and a crop around the gloved hand for the hand models (there is no
bare hand in the photo).

Tolerance, per output: ``max |got - want| <= 1e-4 + 1e-3 * max |want|``.
LiteRT (XNNPACK) and ONNX Runtime accumulate in float32 and the reference
in float64; on these inputs the worst measured difference is
pose_landmark_full's segmentation logits (range ~1700): 0.6 for ORT, 0.5 for
the reference, 3.6e-4 of the range (the exact reference is as far from
LiteRT as ORT is: float32 rounding, amplified by that head), every other
output is within 2e-6 of its range.  A wrong mapping (a transposed filter,
a padding off by one, a resize mode) moves outputs by percent of the range.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from tflite_testlib import CI, litert_run

import webnnpy
from webnnpy.models import tflite as wt
from webnnpy.models.tflite import mediapipe as mp

IMAGE = Path(__file__).parents[2] / "samples" / "images" / "astronaut_256.png"
#: models LiteRT cannot run (MediaPipe custom ops: no oracle here; see
#: test_tflite_mediapipe_ops.py) -> their custom op codes
NO_ORACLE = {"face_landmark_with_attention": {
    "CUSTOM:Landmarks2TransformMatrix", "CUSTOM:TransformTensorBilinear",
    "CUSTOM:TransformLandmarks"}}


def _path(name: str) -> Path:
    try:
        return mp.find(name)
    except mp.ModelNotInstalledError as e:
        if CI:
            raise
        pytest.skip(str(e))


@pytest.fixture(scope="module")
def image() -> object:
    pil = pytest.importorskip("PIL.Image") if not CI else __import__(
        "PIL.Image", fromlist=["_"])
    return pil.open(IMAGE)


def test_there_are_14() -> None:
    assert len(mp.MODELS) == 14


@pytest.mark.parametrize("name", [n for n in mp.MODELS if n not in NO_ORACLE])
def test_model_agrees_with_litert(context: webnnpy.MLContext, image: object,
                                  name: str) -> None:
    path = _path(name)
    report = wt.inspect(path)
    assert report.ok, str(report)
    m = wt.load(path, context=context)
    (iname, desc), = m.inputs.items()
    x = mp.model_input(name, image, tuple(desc["shape"]))
    want = litert_run(str(path), {iname: x})
    got = m.run({iname: x})
    assert list(got) == list(want)
    for k, w in want.items():
        assert got[k].shape == w.shape and got[k].dtype == w.dtype
        err = float(np.abs(got[k].astype(np.float64) - w).max())
        bound = 1e-4 + 1e-3 * float(np.abs(w).max())
        assert err <= bound, f"{name} {k}: max error {err:.3g} > {bound:.3g}"


def test_face_detection_finds_the_face(context: webnnpy.MLContext,
                                       image: object) -> None:
    """The photo is a real input: the detector's best anchor is confident."""
    name = "face_detection_short_range"
    m = wt.load(_path(name), context=context)
    (iname, desc), = m.inputs.items()
    out = m.run({iname: mp.model_input(name, image, tuple(desc["shape"]))})
    score = 1 / (1 + np.exp(-out["classificators"].astype(np.float64).max()))
    assert score > 0.9


@pytest.mark.parametrize("name", sorted(NO_ORACLE))
def test_custom_op_model_imports_though_litert_cannot_run_it(name: str) -> None:
    path = _path(name)
    report = wt.inspect(path)
    assert report.ok, str(report)
    codes = {o.code for o in report.operators}
    assert NO_ORACLE[name] <= codes
    # LiteRT cannot run it (the kernels live in MediaPipe): the custom ops are
    # checked against float64 formulas in test_tflite_mediapipe_ops.py
    from ai_edge_litert.interpreter import Interpreter
    with pytest.raises(RuntimeError, match="Landmarks2TransformMatrix"):
        Interpreter(model_path=str(path)).allocate_tensors()
