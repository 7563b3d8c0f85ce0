"""Write mediapipe_reference.json: MediaPipe's own face detection pipeline
(``mediapipe.solutions.face_detection``: its graph, anchors, NMS and
letterbox code, on TFLite) on the shipped photo and four variants.

Run in a separate environment with mediapipe==0.10.21 and its own
dependencies (protobuf<5, opencv; the project venv installs mediapipe
--no-deps, where its Python solutions do not import):

    python3.11 -m venv /tmp/mpvenv
    /tmp/mpvenv/bin/pip install mediapipe==0.10.21 pillow
    /tmp/mpvenv/bin/python tests/shape_detection/make_mediapipe_reference.py \\
        > tests/shape_detection/mediapipe_reference.json
"""

from __future__ import annotations

import json
from pathlib import Path

import mediapipe as mp
import numpy as np
from PIL import Image

PHOTO = Path(__file__).parents[1] / "samples" / "images" / "astronaut_256.png"


def variants() -> dict[str, Image.Image]:
    """The photo, flipped, two crops (letterboxed both ways) and a crop
    without the face (the gloved hand and helmet: upscaled)."""
    im = Image.open(PHOTO).convert("RGB")
    return {"whole": im, "flipped": im.transpose(Image.Transpose.FLIP_LEFT_RIGHT),
            "landscape_crop": im.crop((0, 0, 256, 160)),
            "portrait_crop": im.crop((40, 0, 200, 256)),
            "no_face": im.crop((0, 150, 120, 256))}


def main() -> None:
    out: dict[str, list[dict[str, object]]] = {}
    for selection, label in ((0, "short"), (1, "full")):
        fd = mp.solutions.face_detection.FaceDetection(
            model_selection=selection, min_detection_confidence=0.5)
        for name, v in variants().items():
            a = np.asarray(v)
            h, w = a.shape[:2]
            dets = []
            for d in fd.process(a).detections or []:
                b = d.location_data.relative_bounding_box
                dets.append({
                    "score": round(d.score[0], 4),
                    "box": [round(b.xmin * w, 2), round(b.ymin * h, 2),
                            round(b.width * w, 2), round(b.height * h, 2)],
                    "keypoints": [[round(k.x * w, 2), round(k.y * h, 2)]
                                  for k in d.location_data.relative_keypoints]})
            out[f"{label}/{name}"] = dets
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
