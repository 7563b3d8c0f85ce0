"""FaceDetector: the NumPy parts (anchors, decoding, weighted NMS,
letterbox) on hand-computed cases; the WebNN graphs against LiteRT on the
same input; the whole pipeline against MediaPipe's own (recorded by
``make_mediapipe_reference.py``) and against face positions read by hand
off the shipped photo."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import numpy as np
import pytest
from sd_testlib import BACKENDS, require, require_models

from webnnpy.shape_detection import FaceDetector
from webnnpy.shape_detection import face as F  # noqa: N812

REFERENCE = json.loads((Path(__file__).parent / "mediapipe_reference.json").read_text())


# ------------------------------------------------------------------ anchors


def test_short_range_anchors_by_hand():
    a = F.ssd_anchors(F.SHORT_RANGE.anchors)
    assert a.shape == (896, 2)  # 16*16*2 + 8*8*6
    # stride 8: a 16 x 16 grid, 2 anchors (scale + interpolated) per cell
    np.testing.assert_array_equal(a[0], [0.5 / 16, 0.5 / 16])
    np.testing.assert_array_equal(a[1], [0.5 / 16, 0.5 / 16])
    np.testing.assert_array_equal(a[2], [1.5 / 16, 0.5 / 16])  # next cell: x
    np.testing.assert_array_equal(a[32], [0.5 / 16, 1.5 / 16])  # next row
    np.testing.assert_array_equal(a[511], [15.5 / 16, 15.5 / 16])
    # three stride-16 layers share one 8 x 8 grid: 3 * 2 = 6 anchors a cell
    np.testing.assert_array_equal(a[512:518], [[0.5 / 8, 0.5 / 8]] * 6)
    np.testing.assert_array_equal(a[518], [1.5 / 8, 0.5 / 8])
    np.testing.assert_array_equal(a[895], [7.5 / 8, 7.5 / 8])


def test_full_range_anchors_by_hand():
    a = F.ssd_anchors(F.FULL_RANGE.anchors)
    assert a.shape == (2304, 2)  # 48 * 48, one anchor a cell
    np.testing.assert_array_equal(a[0], [0.5 / 48, 0.5 / 48])
    np.testing.assert_array_equal(a[1], [1.5 / 48, 0.5 / 48])
    np.testing.assert_array_equal(a[48], [0.5 / 48, 1.5 / 48])


# ----------------------------------------------------------------- decoding


def test_decode_by_hand():
    cfg = F.SHORT_RANGE
    anchors = np.array([[0.25, 0.5], [0.5, 0.5], [0.75, 0.75]])
    raw = np.zeros((3, 16))
    raw[0, :4] = [12.8, -6.4, 32.0, 64.0]   # centre moves +0.1, -0.05
    raw[0, 4:6] = [-12.8, 12.8]             # first keypoint: -0.1, +0.1
    logits = np.array([0.0, -1.0, 1000.0])  # 0.5 kept, 0.27 dropped, clipped
    boxes, kps, scores = F.decode_boxes(raw, logits, anchors, cfg)
    np.testing.assert_allclose(scores, [0.5, 1 / (1 + np.exp(-100.0))])
    # centre (0.35, 0.45), size 0.25 x 0.5
    np.testing.assert_allclose(boxes[0], [0.225, 0.2, 0.475, 0.7])
    np.testing.assert_allclose(kps[0, 0], [0.15, 0.6])
    np.testing.assert_allclose(kps[0, 1:], [[0.25, 0.5]] * 5)
    np.testing.assert_allclose(boxes[1], [0.75] * 4)  # zero size at anchor


def test_weighted_nms_by_hand():
    boxes = np.array([[0.0, 0.0, 1.0, 1.0],     # best
                      [0.1, 0.0, 1.1, 1.0],     # IoU 0.9/1.1 = 0.818: merged
                      [0.6, 0.0, 1.6, 1.0],     # IoU 0.4/1.6 = 0.25 <= 0.3: kept
                      [5.0, 5.0, 6.0, 6.0]])    # far away
    kps = np.zeros((4, 6, 2))
    kps[1] += 1.0
    scores = np.array([0.9, 0.6, 0.8, 0.7])
    out = F.weighted_nms(boxes, kps, scores, 0.3)
    assert [s for _, _, s in out] == [0.9, 0.8, 0.7]
    # (0.9 * box0 + 0.6 * box1) / 1.5
    np.testing.assert_allclose(out[0][0], [0.04, 0.0, 1.04, 1.0])
    np.testing.assert_allclose(out[0][1], np.full((6, 2), 0.4))
    np.testing.assert_allclose(out[1][0], boxes[2])
    assert len(F.weighted_nms(boxes, kps, scores, 0.3, max_detections=1)) == 1


def test_letterbox_by_hand():
    # a 2 x 1 image into 4 x 4: scale 2, content 4 x 2 at top = 1
    rgb = np.array([[[0, 0, 0], [255, 255, 255]]], np.uint8)
    x, place = F.letterbox(rgb, 4)
    assert place == (0.0, 0.25, 1.0, 0.5)
    v = (x[0, :, :, 0] + 1) / 2 * 255  # back to pixel values
    # output (x, y) samples the image at (x / 2, (y - 1) / 2), zero outside:
    # x -> 0, 0.5, 1 (outside: the black border), 1.5 (half outside)
    row = np.array([0, 127.5, 255, 127.5])
    np.testing.assert_allclose(v[1], row, atol=1e-3)      # y = 0: image row 0
    np.testing.assert_allclose(v[0], row / 2, atol=1e-3)  # y = -0.5: half border
    np.testing.assert_allclose(v[2], row / 2, atol=1e-3)  # y = 0.5: half border
    np.testing.assert_allclose(v[3], 0, atol=1e-4)        # y = 1: all border


# --------------------------------------------------- graphs against LiteRT


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("fast_mode", [True, False])
def test_raw_outputs_match_litert(photo, backend, fast_mode):
    interp = require("ai_edge_litert.interpreter")
    cfg = F.SHORT_RANGE if fast_mode else F.FULL_RANGE
    require_models(cfg.model)
    from webnnpy.models.tflite import mediapipe

    x, _ = F.letterbox(np.asarray(photo), cfg.anchors.input_size)
    it = interp.Interpreter(model_path=str(mediapipe.find(cfg.model)))
    it.allocate_tensors()
    it.set_tensor(it.get_input_details()[0]["index"], x)
    it.invoke()
    want = {d["shape"][-1]: it.get_tensor(d["index"])[0]
            for d in it.get_output_details()}
    boxes, logits = F.raw_outputs(x, fast_mode=fast_mode, backend=backend)
    np.testing.assert_allclose(boxes, want[16], atol=2e-3, rtol=1e-4)
    np.testing.assert_allclose(logits, want[1][:, 0], atol=2e-3, rtol=1e-4)


# ----------------------------------------------------- the whole pipeline


def _variants(photo):
    from PIL import Image

    return {"whole": photo,
            "flipped": photo.transpose(Image.Transpose.FLIP_LEFT_RIGHT),
            "landscape_crop": photo.crop((0, 0, 256, 160)),
            "portrait_crop": photo.crop((40, 0, 200, 256)),
            "no_face": photo.crop((0, 150, 120, 256))}


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("fast_mode", [True, False])
def test_matches_mediapipe_pipeline(photo, backend, fast_mode):
    require_models("face_detection_short_range", "face_detection_full_range_sparse")
    det = FaceDetector(fast_mode=fast_mode, backend=backend)
    label = "short" if fast_mode else "full"
    for name, image in _variants(photo).items():
        want = REFERENCE[f"{label}/{name}"]
        got = det.detect(image)
        assert len(got) == len(want), name
        # the one upscaled case (no_face, 120 x 106 -> 128): OpenCV's
        # fixed-point bilinear weights differ from float ones by ~1/32
        tol = 1.5 if name == "no_face" else 0.15
        for g, w in zip(got, want, strict=True):
            b = g.bounding_box
            np.testing.assert_allclose([b.x, b.y, b.width, b.height], w["box"],
                                       atol=tol, err_msg=name)
            assert abs(g.score - w["score"]) < (0.01 if tol > 1 else 0.002), name
            kp = [[p.x, p.y] for p in g.keypoints.values()]
            np.testing.assert_allclose(kp, w["keypoints"], atol=tol, err_msg=name)


# hand-read off the photo (zoomed 4x with a grid): eye centres, nose tip,
# mouth centre, and the face from cheek to cheek, eyebrows to chin
HAND_EYES = [(100.5, 51.0), (122.5, 52.5)]
HAND_NOSE = (111.0, 62.5)
HAND_MOUTH = (110.0, 71.0)
HAND_FACE = (91.0, 46.0, 130.0, 84.0)


@pytest.mark.parametrize("fast_mode", [True, False])
def test_finds_the_face_where_a_person_sees_it(photo, fast_mode):
    require_models("face_detection_short_range", "face_detection_full_range_sparse")
    faces = FaceDetector(fast_mode=fast_mode, backend=BACKENDS[0]).detect(photo)
    assert len(faces) == 1
    b = faces[0].bounding_box
    x0, y0, x1, y1 = HAND_FACE
    assert b.left <= x0 + 3 and b.right >= x1 - 3   # covers the face
    assert b.top <= y0 + 3 and b.bottom >= y1 - 3
    assert b.width < 2 * (x1 - x0) and b.height < 2 * (y1 - y0)  # not the body
    by_type: dict[str, list] = {}
    for lm in faces[0].landmarks:
        by_type.setdefault(lm.type, []).extend(lm.locations)
    assert sorted(by_type) == ["eye", "mouth", "nose"]
    eyes = sorted((p.x, p.y) for p in by_type["eye"])
    np.testing.assert_allclose(eyes, HAND_EYES, atol=5)
    np.testing.assert_allclose([(p.x, p.y) for p in by_type["nose"]], [HAND_NOSE],
                               atol=5)
    np.testing.assert_allclose([(p.x, p.y) for p in by_type["mouth"]], [HAND_MOUTH],
                               atol=5)
    assert set(faces[0].keypoints) == set(F.KEYPOINT_NAMES)


def test_two_faces_and_max_detected_faces(photo):
    require_models("face_detection_short_range")
    two = np.concatenate([np.asarray(photo), np.asarray(photo)[:, ::-1]], axis=1)
    det = FaceDetector(fast_mode=False, backend=BACKENDS[0])
    faces = det.detect(two)
    assert len(faces) == 2
    centres = sorted(f.bounding_box.x + f.bounding_box.width / 2 for f in faces)
    assert centres[0] < 256 < centres[1]
    one = FaceDetector(fast_mode=False, max_detected_faces=1,
                       backend=BACKENDS[0]).detect(two)
    assert len(one) == 1 and one[0].score == max(f.score for f in faces)
    assert FaceDetector(max_detected_faces=0).detect(two) == []


def test_detect_async_is_awaitable_and_agrees(photo):
    require_models("face_detection_short_range")
    det = FaceDetector(backend=BACKENDS[0])
    sync = det.detect(photo)

    async def main():
        return await det.detect_async(photo)

    assert asyncio.run(main()) == sync
    assert det.detect_async(photo).result(timeout=120) == sync
    with pytest.raises(TypeError, match="uint8"):
        det.detect_async(np.zeros((8, 8, 3), np.float32)).result(timeout=60)


def test_options_and_empty_images():
    with pytest.raises(TypeError, match="max_detected_faces"):
        FaceDetector(max_detected_faces=-1)
    with pytest.raises(TypeError, match="max_detected_faces"):
        FaceDetector(max_detected_faces=1.5)  # type: ignore[arg-type]
    # the spec: an image with a zero dimension resolves with no detections
    assert FaceDetector().detect(np.zeros((0, 10, 3), np.uint8)) == []


