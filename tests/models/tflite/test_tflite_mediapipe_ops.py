"""MediaPipe's custom operators (version 2) in ``face_landmark_with_attention``:
``Landmarks2TransformMatrix``, ``TransformTensorBilinear``,
``TransformLandmarks``.

LiteRT cannot run them (their kernels live in MediaPipe, which does not export
them), so each mapping is checked against a float64 formula written here from
the kernels' documented behaviour (``atan2``/``cos``/``sin`` and per-pixel
loops, unlike the mapping's unit-vector rotation and gathers); the whole model
against MediaPipe's other face-landmark model (``face_landmark``, run by
LiteRT) on the same face crop, and across backends.
"""

from __future__ import annotations

import math
import zlib
from pathlib import Path

import numpy as np
import pytest
from tflite_writer import ModelWriter

import webnnpy
from conftest import require
from webnnpy.models import tflite as wt
from webnnpy.models.tflite.errors import UnsupportedOperatorError

flexbuffers = require("flatbuffers.flexbuffers")


@pytest.fixture
def rng(request: pytest.FixtureRequest) -> np.random.Generator:
    return np.random.default_rng(zlib.crc32(request.node.nodeid.encode()))


# ------------------------------------------------------------------ references

def _pairs(flat: list[int]) -> list[tuple[int, int]]:
    """The options' flat index list as the kernel's pairs (an odd last index
    pairs with itself)."""
    out = [(flat[2 * i], flat[2 * i + 1]) for i in range(len(flat) // 2)]
    if len(flat) % 2:
        out.append((flat[-1], flat[-1]))
    return out


def _rot(r: float) -> np.ndarray:
    return np.array([[math.cos(r), -math.sin(r)], [math.sin(r), math.cos(r)]])


def l2tm_ref(lm: np.ndarray, o: dict) -> np.ndarray:
    """Landmarks2TransformMatrix v2 in float64."""
    p = lm.reshape(-1, lm.shape[-1]).astype(np.float64)
    left, right = p[o["left_rotation_idx"]], p[o["right_rotation_idx"]]
    r = o.get("target_rotation_radians", 0.0) - math.atan2(right[1] - left[1],
                                                           right[0] - left[0])
    pts = np.array([p[i, :2] for pair in _pairs(o["subset_idxs"]) for i in pair])
    rp = pts @ _rot(r).T
    lo, hi = rp.min(0), rp.max(0)
    cx, cy = _rot(-r) @ ((lo + hi) / 2)
    w, h = hi - lo
    ow, oh = o["output_width"], o["output_height"]

    def m4(a: np.ndarray) -> np.ndarray:
        t = np.eye(4)
        t[:2, :2] = a
        return t

    shift, shift2 = np.eye(4), np.eye(4)
    shift[:2, 3] = cx, cy
    shift2[:2, 3] = -ow / 2, -oh / 2
    scale = m4(np.diag([o["scale_x"] * w / ow, o["scale_y"] * h / oh]))
    return (shift @ m4(_rot(-r)) @ scale @ shift2)[None]


def ttb_ref(x: np.ndarray, m: np.ndarray, oh: int, ow: int) -> np.ndarray:
    """TransformTensorBilinear v2 in float64, pixel by pixel."""
    _, h, w, c = x.shape
    xt, yt = m.reshape(4, 4)[0].astype(np.float64), m.reshape(4, 4)[1].astype(
        np.float64)
    xt[3] += xt[0] * 0.5 + xt[1] * 0.5 - 0.5
    yt[3] += yt[0] * 0.5 + yt[1] * 0.5 - 0.5
    out = np.zeros((1, oh, ow, c))

    def read(yy: int, xx: int) -> np.ndarray:
        if 0 <= yy < h and 0 <= xx < w:
            return x[0, yy, xx].astype(np.float64)
        return np.zeros(c)

    for oy in range(oh):
        for ox in range(ow):
            v = np.array([ox, oy, 0.0, 1.0])
            tx, ty = xt @ v, yt @ v
            if tx < 0 or tx > w - 1 or ty < 0 or ty > h - 1:
                continue
            fx, fy = math.floor(tx), math.floor(ty)
            rc, lc = tx - fx, ty - fy
            upper = (1 - rc) * read(fy, fx) + rc * read(fy, fx + 1)
            lower = (1 - rc) * read(fy + 1, fx) + rc * read(fy + 1, fx + 1)
            out[0, oy, ox] = lc * lower + (1 - lc) * upper
    return out


def tl_ref(lm: np.ndarray, m: np.ndarray) -> np.ndarray:
    """TransformLandmarks v2 in float64."""
    mm = m.reshape(4, 4).astype(np.float64)
    out = lm.astype(np.float64).copy()
    for i in range(lm.shape[1]):
        v = np.array([lm[0, i, 0], lm[0, i, 1], 0.0, 1.0])
        out[0, i, 0], out[0, i, 1] = mm[0] @ v, mm[1] @ v
    return out


# ------------------------------------------------------------------ one op each

def _run(w: ModelWriter, feeds: dict, context: webnnpy.MLContext) -> np.ndarray:
    return next(iter(wt.load(w.build(), context=context).run(feeds).values()))


@pytest.mark.parametrize("target", [0.0, 0.4])
@pytest.mark.parametrize("odd", [False, True])
def test_landmarks_to_transform_matrix(context, rng, target, odd):
    lm = rng.uniform(20, 170, (1, 30, 3)).astype(np.float32)
    opts = {"left_rotation_idx": 3, "right_rotation_idx": 11,
            "subset_idxs": [3, 5, 8, 11, 14, 20, 27, 2] + ([9] if odd else []),
            "target_rotation_radians": target, "output_height": 12,
            "output_width": 16, "scale_x": 1.5, "scale_y": 1.25}
    w = ModelWriter()
    x, y = w.input([1, 30, 3]), w.tensor([1, 4, 4])
    w.op("CUSTOM:Landmarks2TransformMatrix", [x], [y], version=2,
         custom_options=flexbuffers.Dumps(opts))
    w.output(y)
    got = _run(w, {"in0": lm}, context)
    want = l2tm_ref(lm, opts)
    assert got.shape == (1, 4, 4)
    np.testing.assert_allclose(got, want, rtol=2e-5, atol=2e-4)


def test_landmarks_to_transform_matrix_coincident_rotation_points(context, rng):
    # both rotation landmarks equal: atan2(0, 0) = 0, no rotation
    lm = rng.uniform(0, 50, (1, 6, 3)).astype(np.float32)
    lm[0, 4] = lm[0, 1]
    opts = {"left_rotation_idx": 1, "right_rotation_idx": 4,
            "subset_idxs": [0, 2, 3, 5], "output_height": 8, "output_width": 8,
            "scale_x": 1.0, "scale_y": 1.0}
    w = ModelWriter()
    x, y = w.input([1, 6, 3]), w.tensor([1, 4, 4])
    w.op("CUSTOM:Landmarks2TransformMatrix", [x], [y], version=2,
         custom_options=flexbuffers.Dumps(opts))
    w.output(y)
    got = _run(w, {"in0": lm}, context)
    np.testing.assert_allclose(got, l2tm_ref(lm, opts), rtol=2e-5, atol=2e-4)
    assert got[0, 0, 1] == 0 and got[0, 1, 0] == 0


def _affine(angle: float, scale: float, tx: float, ty: float) -> np.ndarray:
    m = np.eye(4, dtype=np.float32)
    m[:2, :2] = scale * _rot(angle)
    m[:2, 3] = tx, ty
    return m[None]


@pytest.mark.parametrize("m", [
    _affine(0.0, 1.0, 0.0, 0.0),        # identity: samples on pixel centres
    _affine(0.35, 0.8, 1.3, -0.7),      # rotated; some samples outside
    _affine(-1.2, 1.9, 6.2, 3.1),       # mostly outside
])
def test_transform_tensor_bilinear(context, rng, m):
    x = rng.uniform(-2, 2, (1, 9, 7, 3)).astype(np.float32)
    w = ModelWriter()
    xi, mi, y = w.input([1, 9, 7, 3]), w.input([1, 4, 4]), w.tensor([1, 6, 8, 3])
    w.op("CUSTOM:TransformTensorBilinear", [xi, mi], [y], version=2,
         custom_options=flexbuffers.Dumps({"output_height": 6, "output_width": 8}))
    w.output(y)
    got = _run(w, {"in0": x, "in1": m}, context)
    want = ttb_ref(x, m, 6, 8)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
    if m[0, 0, 3] == 0:   # the identity: pixels copied, out-of-range columns 0
        np.testing.assert_allclose(got[0, :, :7], x[0, :6, :7], atol=1e-6)
        assert not got[0, :, 7].any()


@pytest.mark.parametrize("d", [2, 3])
def test_transform_landmarks(context, rng, d):
    lm = rng.uniform(-5, 200, (1, 7, d)).astype(np.float32)
    m = _affine(0.6, 1.4, 30.0, -12.0)
    w = ModelWriter()
    li, mi, y = w.input([1, 7, d]), w.input([1, 4, 4]), w.tensor([1, 7, d])
    w.op("CUSTOM:TransformLandmarks", [li, mi], [y], version=2)
    w.output(y)
    got = _run(w, {"in0": lm, "in1": m}, context)
    np.testing.assert_allclose(got, tl_ref(lm, m), rtol=1e-5, atol=1e-4)
    if d == 3:
        np.testing.assert_array_equal(got[..., 2], lm[..., 2])


@pytest.mark.parametrize(("version", "opts", "message"), [
    (1, {"output_height": 4, "output_width": 4}, "only version 2"),
    (2, {"output_height": 4}, "'output_width' = None"),
    (2, {"output_height": 0, "output_width": 4}, "'output_height' = 0"),
])
def test_bad_transform_tensor_bilinear_is_an_import_error(version, opts, message):
    w = ModelWriter()
    xi, mi, y = w.input([1, 4, 4, 1]), w.input([1, 4, 4]), w.tensor([1, 4, 4, 1])
    w.op("CUSTOM:TransformTensorBilinear", [xi, mi], [y], version=version,
         custom_options=flexbuffers.Dumps(opts))
    w.output(y)
    with pytest.raises(UnsupportedOperatorError, match=message) as e:
        wt.load(w.build(), context=webnnpy.ml.create_context(backend="numpy"))
    assert "TransformTensorBilinear" in str(e.value)


@pytest.mark.parametrize(("opts", "custom", "message"), [
    ({"left_rotation_idx": 0, "right_rotation_idx": 9, "subset_idxs": [0, 1],
      "output_height": 4, "output_width": 4, "scale_x": 1.0, "scale_y": 1.0},
     None, "landmark index 9 is outside the 5 landmarks"),
    ({"left_rotation_idx": 0, "right_rotation_idx": 1, "subset_idxs": [],
      "output_height": 4, "output_width": 4, "scale_x": 1.0, "scale_y": 1.0},
     None, "'subset_idxs'"),
    ({"left_rotation_idx": 0, "right_rotation_idx": 1, "subset_idxs": [0, 1],
      "output_height": 4, "output_width": 4, "scale_x": -1.0, "scale_y": 1.0},
     None, "'scale_x' = -1.0"),
    ({}, b"\x01\x02\x03", "not a FlexBuffer map"),
])
def test_bad_landmarks_to_transform_matrix_is_an_import_error(opts, custom, message):
    w = ModelWriter()
    x, y = w.input([1, 5, 3]), w.tensor([1, 4, 4])
    w.op("CUSTOM:Landmarks2TransformMatrix", [x], [y], version=2,
         custom_options=custom if custom is not None else flexbuffers.Dumps(opts))
    w.output(y)
    with pytest.raises(UnsupportedOperatorError, match=message):
        wt.load(w.build(), context=webnnpy.ml.create_context(backend="numpy"))


# ------------------------------------------------------------------ the model

def test_face_landmark_with_attention_against_face_landmark():
    # no oracle runs this model; MediaPipe's plain face-landmark model (LiteRT)
    # predicts the same 468 points on the same crop, and the attention model's
    # refined lips and eyes come through all three custom ops (matrix from the
    # mesh, warp of a feature map, landmarks mapped back), so a wrong op puts
    # them tens of pixels off (measured: mesh 1.9 px, lips 1.4, eyes 1.9 and
    # 3.1 px mean, of 192; the two eyes' outputs swapped: 46 px)
    from ai_edge_litert.interpreter import Interpreter
    from PIL import Image

    from webnnpy.models.tflite import mediapipe as mp

    try:
        path, plain = mp.find("face_landmark_with_attention"), mp.find("face_landmark")
    except mp.ModelNotInstalledError as e:
        if __import__("conftest").CI:
            raise
        pytest.skip(str(e))
    photo = Image.open(Path(__file__).parents[2] / "samples" / "images"
                       / "astronaut_256.png")
    m = wt.load(path, context=webnnpy.ml.create_context(backend="onnxruntime"))
    (name, desc), = m.inputs.items()
    x = mp.model_input("face_landmark_with_attention", photo, tuple(desc["shape"]))
    out = m.run({name: x})
    it = Interpreter(model_path=str(plain))
    it.allocate_tensors()
    it.set_tensor(it.get_input_details()[0]["index"], x)
    it.invoke()
    ref = {d["name"]: it.get_tensor(d["index"]) for d in it.get_output_details()}
    mesh = next(v for v in ref.values() if v.size == 1404).reshape(468, 3)[:, :2]
    got = out["output_mesh_identity"].reshape(468, 3)[:, :2]
    assert np.linalg.norm(got - mesh, axis=1).mean() < 3.0
    lips_idx = flexbuffers.Loads(_custom_options(path, 0))["subset_idxs"]
    lips = out["output_lips"].reshape(-1, 2)
    assert lips.shape == (len(lips_idx), 2)
    assert np.linalg.norm(lips - mesh[lips_idx], axis=1).mean() < 5.0
    for side, op in (("left", 1), ("right", 2)):
        idx = flexbuffers.Loads(_custom_options(path, op))["subset_idxs"]
        eye = out[f"output_{side}_eye"].reshape(-1, 2)
        assert np.linalg.norm(eye - mesh[idx], axis=1).mean() < 5.0, side
    assert out["conv_faceflag"].item() > 5   # a face (logit)


def _custom_options(path, k: int) -> bytes:
    """The k-th Landmarks2TransformMatrix's custom options in the file."""
    from webnnpy.models.tflite.reader import read_model

    ops = [op for op in read_model(path).operators
           if op.code == "CUSTOM:Landmarks2TransformMatrix"]
    return ops[k].custom_options
