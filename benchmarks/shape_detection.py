"""Shape Detection benchmarks: face accuracy vs MediaPipe, text CER, and
throughput of ``webnnpy detect`` in one process vs on Ray.

    python -m benchmarks.shape_detection [--faces] [--text] [--throughput]
        [--mediapipe-python /tmp/mpvenv/bin/python] [--images 200,1000]
        [--reps 3] [--batch-size N] [--json out.json]
    python -m benchmarks.shape_detection --example-picture docs/shape_detection.png

- **faces**: 50 images made from ``tests/samples/images/astronaut_256.png``
  (5 crops x 2 flips x 5 scales, 0.5x to 2x), each labelled with the face box
  read by hand off the photo (cheek to cheek, eyebrows to chin), moved with
  the crop/flip/scale.  Recall (a detection with IoU >= 0.4 with the label:
  the hand box is tighter than MediaPipe's square boxes, IoU ~0.65 for a
  perfect detection) and mean IoU of the best detection, for webnnpy's
  FaceDetector (short and full range) and, with ``--mediapipe-python``, for
  MediaPipe's own pipeline (``mediapipe.solutions.face_detection`` in an
  environment that has mediapipe with its dependencies, run as a
  subprocess on the same files); also the mean |box difference| between the
  two in pixels.
- **text**: 50 generated lines (seeded: words, digits, punctuation) drawn
  with Pillow's default font, read by TextDetector; character error rate =
  total edit distance / total characters.
- **throughput**: ``--images N[,N...]`` face images (the faces set, cycled)
  through ``detect_files`` in a fresh process, and ``detect_dataset`` on a
  fresh local Ray (started first and timed apart) with 1 worker (then 1
  worker again in the same Ray session) and with 2 workers; each run
  includes starting its actors and building their graphs.  ``--reps R``
  repeats the three in turn (paired ratios; min and median reported).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["cer", "face_set", "main"]

ROOT = Path(__file__).resolve().parents[1]
PHOTO = ROOT / "tests" / "samples" / "images" / "astronaut_256.png"
#: the face as read by hand (see tests/shape_detection/test_faces.py)
HAND_FACE = (91.0, 46.0, 130.0, 84.0)
CROPS = [(0, 0, 256, 256), (0, 0, 256, 160), (40, 0, 200, 256), (60, 20, 180, 120),
         (20, 10, 230, 200)]
SCALES = [0.5, 0.75, 1.0, 1.5, 2.0]


def face_set() -> list[tuple[str, Any, tuple[float, float, float, float]]]:
    """``[(name, PIL image, label box x0 y0 x1 y1)]``: 50 variants."""
    from PIL import Image

    photo = Image.open(PHOTO).convert("RGB")
    out = []
    for ci, (cx0, cy0, cx1, cy1) in enumerate(CROPS):
        crop = photo.crop((cx0, cy0, cx1, cy1))
        fx0, fy0, fx1, fy1 = (HAND_FACE[0] - cx0, HAND_FACE[1] - cy0,
                              HAND_FACE[2] - cx0, HAND_FACE[3] - cy0)
        for flip in (False, True):
            im, bx0, bx1 = crop, fx0, fx1
            if flip:
                im = crop.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
                bx0, bx1 = crop.width - fx1, crop.width - fx0
            for s in SCALES:
                w, h = round(im.width * s), round(im.height * s)
                scaled = im.resize((w, h), Image.Resampling.LANCZOS)
                out.append((f"c{ci}_f{int(flip)}_s{s}", scaled,
                            (bx0 * w / im.width, fy0 * h / im.height,
                             bx1 * w / im.width, fy1 * h / im.height)))
    return out


def _iou(a, b) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


_MP_SCRIPT = r"""
import json, sys
import mediapipe as mp, numpy as np
from PIL import Image
paths = json.load(open(sys.argv[1]))
out = {}
for sel in (0, 1):
    fd = mp.solutions.face_detection.FaceDetection(model_selection=sel,
                                                   min_detection_confidence=0.5)
    for p in paths:
        a = np.asarray(Image.open(p).convert("RGB")); h, w = a.shape[:2]
        boxes = []
        for d in fd.process(a).detections or []:
            b = d.location_data.relative_bounding_box
            boxes.append([b.xmin * w, b.ymin * h, (b.xmin + b.width) * w,
                          (b.ymin + b.height) * h, d.score[0]])
        out[f"{sel}:{p}"] = boxes
print(json.dumps(out))
"""


def _score(boxes_per_image, labels) -> dict[str, float]:
    found, ious = 0, []
    for boxes, label in zip(boxes_per_image, labels, strict=True):
        best = max((_iou(b[:4], label) for b in boxes), default=0.0)
        ious.append(best)
        found += best >= 0.4
    return {"recall": found / len(labels), "mean_iou": float(np.mean(ious)),
            "images": len(labels)}


def bench_faces(mediapipe_python: str | None, backend: str) -> dict[str, Any]:
    from webnnpy.shape_detection import FaceDetector

    data = face_set()
    labels = [lab for _, _, lab in data]
    result: dict[str, Any] = {}
    ours: dict[int, list] = {}
    for sel, fast in ((0, True), (1, False)):
        det = FaceDetector(fast_mode=fast, backend=backend)
        boxes = []
        for _, im, _ in data:
            boxes.append([[f.bounding_box.left, f.bounding_box.top,
                           f.bounding_box.right, f.bounding_box.bottom, f.score]
                          for f in det.detect(im)])
        ours[sel] = boxes
        result[f"webnnpy_{'short' if fast else 'full'}"] = _score(boxes, labels)
    if mediapipe_python:
        with tempfile.TemporaryDirectory() as d:
            paths = []
            for name, im, _ in data:
                p = os.path.join(d, name + ".png")
                im.save(p)
                paths.append(p)
            Path(d, "paths.json").write_text(json.dumps(paths))
            Path(d, "mp.py").write_text(_MP_SCRIPT)
            proc = subprocess.run([mediapipe_python, os.path.join(d, "mp.py"),
                                   os.path.join(d, "paths.json")],
                                  capture_output=True, text=True, check=True)
            mp_out = json.loads(proc.stdout.strip().splitlines()[-1])
        for sel in (0, 1):
            theirs = [mp_out[f"{sel}:{p}"] for p in paths]
            label = "short" if sel == 0 else "full"
            result[f"mediapipe_{label}"] = _score(theirs, labels)
            diffs, same_count = [], 0
            for a, b in zip(ours[sel], theirs, strict=True):
                same_count += len(a) == len(b)
                for x, y in zip(sorted(a), sorted(b), strict=False):
                    diffs.append(np.abs(np.array(x[:4]) - np.array(y[:4])).max())
            result[f"agreement_{label}"] = {
                "same_number_of_faces": same_count / len(data),
                "max_box_diff_px_median": float(np.median(diffs)) if diffs else None,
                "max_box_diff_px_max": float(np.max(diffs)) if diffs else None}
    return result


def cer(ref: str, hyp: str) -> int:
    """Levenshtein distance between two strings (characters)."""
    prev = list(range(len(hyp) + 1))
    for i, rc in enumerate(ref, 1):
        cur = [i]
        for j, hc in enumerate(hyp, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (rc != hc)))
        prev = cur
    return prev[-1]


def text_lines(n: int = 50, seed: int = 2026) -> list[str]:
    """``n`` lines of 2-6 tokens: words, numbers, punctuated words."""
    rng = np.random.default_rng(seed)
    words = ("neural network graph tensor model detect face text barcode "
             "operator context backend WebNN Python shape image pixel value "
             "browser layer kernel output input float").split()
    lines = []
    for _ in range(n):
        toks = []
        for _ in range(rng.integers(2, 7)):
            r = rng.random()
            if r < 0.6:
                toks.append(str(rng.choice(words)))
            elif r < 0.8:
                toks.append(str(rng.integers(0, 10000)))
            else:
                toks.append(str(rng.choice(words)) + str(rng.choice(list(",.:;!?"))))
        lines.append(" ".join(toks))
    return lines


def bench_text(backend: str) -> dict[str, Any]:
    from webnnpy.shape_detection import TextDetector
    from webnnpy.tasks import ocr

    det = TextDetector(backend=backend)
    errors = chars = exact = 0
    worst: list[tuple[str, str]] = []
    t0 = time.perf_counter()
    for line in text_lines():
        got = " ".join(t.raw_value for t in det.detect(ocr.render_line(line, size=36)))
        e = cer(line, got)
        errors += e
        chars += len(line)
        exact += e == 0
        if e:
            worst.append((line, got))
    return {"lines": 50, "cer": errors / chars, "exact_lines": exact,
            "seconds": time.perf_counter() - t0, "misread": worst[:5]}


def _write_faces(d: Path, n: int) -> None:
    data = face_set()
    for i in range(n):
        name, im, _ = data[i % len(data)]
        im.save(d / f"{i:04d}_{name}.png")


_PLAIN = r"""
import json, sys, time
t0 = time.perf_counter()
from webnnpy.shape_detection.runner import detect_files
stamps = []
s = detect_files("faces", [sys.argv[1]], sys.argv[2], backend=sys.argv[3],
                 progress=lambda i, p: stamps.append(time.perf_counter()))
print(json.dumps({"rows": s.written, "seconds": time.perf_counter() - t0,
                  "first_row_s": stamps[0] - t0}))
"""

# one fresh local Ray (timed apart), then detect_dataset ``runs`` times in it
# (the first run also starts Ray Data's own actors; a later one finds them up,
# as a long-lived driver does); each run builds a new actor pool
_RAY = r"""
import json, os, sys, time
import ray
from webnnpy.shape_detection import ray_data
imgs, out_dir, backend, workers, runs, batch = sys.argv[1:7]
t0 = time.perf_counter()
ray.init(num_cpus=os.cpu_count(), include_dashboard=False, log_to_driver=False)
res = {"ray_init_s": time.perf_counter() - t0, "runs": []}
for i in range(int(runs)):
    stamps = []
    t0 = time.perf_counter()
    s = ray_data.detect_dataset(
        "faces", [imgs], os.path.join(out_dir, f"ray{workers}_{i}.jsonl"),
        workers=int(workers), batch_size=int(batch) or None, backend=backend,
        progress=lambda i, p: stamps.append(time.perf_counter()))
    res["runs"].append({"rows": s.written, "seconds": time.perf_counter() - t0,
                        "first_row_s": stamps[0] - t0})
ray.shutdown()
print(json.dumps(res))
"""


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    import platform

    return platform.processor() or platform.machine()


def _proc_table() -> dict[int, tuple[int, float]]:
    """``{pid: (parent pid, CPU seconds)}`` of every process (Linux)."""
    out: dict[int, tuple[int, float]] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile
        out[int(name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / tick)
    return out


class _MachineWatch:
    """What else ran during a run: the 1-minute load average before and
    after, and ``other_cpu_s``, the CPU seconds of processes outside this
    benchmark's process tree (polled every 0.25 s, so Ray's daemons and
    workers count as the run's own even after they are orphaned; a run on a
    quiet machine shows ~0, another session's work shows up here).  Linux;
    elsewhere only the load average."""

    def __init__(self) -> None:
        import threading

        self.load0 = os.getloadavg()[0]
        self.ours = {os.getpid()}
        self.first: dict[int, float] = {}
        self.last: dict[int, float] = {}
        self.linux = os.path.isdir("/proc/self")
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)
        if self.linux:
            self._sample()
            self._thread.start()

    def _sample(self) -> None:
        table = _proc_table()
        for pid in table:  # a chain up to a known process of ours
            chain, p = [], pid
            while p in table and p not in self.ours and p > 1 and len(chain) < 64:
                chain.append(p)
                p = table[p][0]
            if p in self.ours:
                self.ours.update(chain)
        for pid, (_ppid, cpu) in table.items():
            self.first.setdefault(pid, cpu)
            self.last[pid] = cpu

    def _poll(self) -> None:
        while not self._stop.wait(0.25):
            self._sample()

    def stop(self) -> dict[str, Any]:
        res: dict[str, Any] = {"load_avg": [round(self.load0, 2),
                                            round(os.getloadavg()[0], 2)]}
        if self.linux:
            self._stop.set()
            self._thread.join()
            self._sample()
            res["other_cpu_s"] = round(sum(
                self.last[p] - self.first[p] for p in self.last
                if p not in self.ours), 2)
        return res


def _run_json(script: str, *args: Any) -> dict[str, Any]:
    """Run ``script`` in a fresh process: its last stdout line as JSON, with
    what else the machine did meanwhile (:class:`_MachineWatch`)."""
    watch = _MachineWatch()
    try:
        proc = subprocess.run([sys.executable, "-c", script, *map(str, args)],
                              capture_output=True, text=True)
    finally:
        machine = watch.stop()
    if proc.returncode:
        raise RuntimeError(f"throughput run failed:\n{proc.stderr[-3000:]}")
    res: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    res.update(machine)
    return res


def bench_throughput(n: int, backend: str, *, reps: int = 1,
                     batch_size: int | None = None) -> dict[str, Any]:
    """``n`` face images; per repetition, in this order: the plain loop (a
    fresh process), ``--ray`` with 1 worker (a fresh process and local Ray:
    a first run, then a second in the same Ray), ``--ray`` with 2 workers
    (a fresh Ray, one run).  ``ray.init`` is timed apart, not in the runs.
    Ratios are paired within a repetition."""
    from webnnpy.shape_detection.ray_data import batch_size_for

    batch = batch_size or 0  # 0: detect_dataset's automatic size
    out: dict[str, Any] = {"images": n, "batch_size": batch or {
        "auto": {w: batch_size_for(n, w) for w in (1, 2)}}, "cpu": _cpu_model(),
                           "cpus": os.cpu_count(), "reps": []}
    with tempfile.TemporaryDirectory() as d:
        imgs = Path(d) / "imgs"
        imgs.mkdir()
        _write_faces(imgs, n)
        for r in range(reps):
            rep: dict[str, Any] = {}
            rd = Path(d) / f"rep{r}"
            rd.mkdir()
            rep["plain"] = _run_json(_PLAIN, imgs, rd / "plain.jsonl", backend)
            one = _run_json(_RAY, imgs, rd, backend, 1, 2, batch)
            two = _run_json(_RAY, imgs, rd, backend, 2, 1, batch)
            rep["ray_init_s"] = [one["ray_init_s"], two["ray_init_s"]]
            rep["machine"] = {  # what else ran: per process (plain, Ray 1, Ray 2)
                k: [x[k] for x in (rep["plain"], one, two) if k in x]
                for k in ("load_avg", "other_cpu_s")}
            rep["ray_1"], rep["ray_1_again"] = one["runs"]
            rep["ray_2"] = two["runs"][0]
            for key in ("ray_1", "ray_1_again", "ray_2"):
                rep[key]["x_plain"] = rep[key]["seconds"] / rep["plain"]["seconds"]
            out["reps"].append(rep)
            print(json.dumps({"images": n, "rep": r, **{
                k: round(v["seconds"], 2) for k, v in rep.items()
                if isinstance(v, dict) and "seconds" in v},
                **rep["machine"]}), file=sys.stderr, flush=True)
    summary: dict[str, Any] = {}
    for key in ("plain", "ray_1", "ray_1_again", "ray_2"):
        secs = [rep[key]["seconds"] for rep in out["reps"]]
        summary[key] = {"seconds_min": min(secs),
                        "seconds_median": float(np.median(secs)),
                        "images_per_s_best": n / min(secs)}
        if key != "plain":
            xs = [rep[key]["x_plain"] for rep in out["reps"]]
            summary[key].update(x_plain_min=min(xs),
                                x_plain_median=float(np.median(xs)))
    out["summary"] = summary
    return out


def example_picture(path: str, backend: str) -> None:
    """The README's picture: the photo beside a rendered text line and a QR
    code, with what the three detectors find drawn on it."""
    import segno
    from PIL import Image

    from webnnpy.shape_detection import BarcodeDetector, FaceDetector, TextDetector
    from webnnpy.shape_detection.runner import annotate_image
    from webnnpy.tasks import ocr

    canvas = Image.new("RGB", (512, 256), "white")
    canvas.paste(Image.open(PHOTO).convert("RGB"), (0, 0))
    canvas.paste(ocr.render_line("Hello WebNN", size=28), (270, 20))
    qr = np.array(segno.make_qr("https://www.w3.org/TR/webnn/").matrix, np.uint8)
    qr_img = Image.fromarray(np.kron(1 - qr, np.ones((4, 4), np.uint8)) * 255)
    canvas.paste(qr_img.convert("RGB"), (330, 110))
    rgb = np.asarray(canvas)
    found = (FaceDetector(fast_mode=False, backend=backend).detect(rgb)
             + TextDetector(backend=backend).detect(rgb)
             + BarcodeDetector().detect(rgb))
    annotate_image(rgb, found).save(path, optimize=True)
    for d in found:
        print(type(d).__name__, d.to_dict().get("rawValue", ""), d.bounding_box)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.shape_detection",
                                description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--faces", action="store_true")
    p.add_argument("--text", action="store_true")
    p.add_argument("--throughput", action="store_true")
    p.add_argument("--mediapipe-python", help="a python with mediapipe installed")
    p.add_argument("--images", default="200",
                   help="throughput: image counts, comma-separated (200,1000,3000)")
    p.add_argument("--reps", type=int, default=1,
                   help="throughput: repetitions (plain and Ray alternating)")
    p.add_argument("--batch-size", type=int,
                   help="throughput: --ray batch size (default: detect_dataset's "
                        "automatic one)")
    p.add_argument("--backend", default="onnxruntime")
    p.add_argument("--json", help="write the results here")
    p.add_argument("--example-picture", metavar="PNG",
                   help="only write the README's annotated picture here")
    args = p.parse_args(argv)
    if args.example_picture:
        example_picture(args.example_picture, args.backend)
        return 0
    every = not (args.faces or args.text or args.throughput)
    results: dict[str, Any] = {}
    if args.faces or every:
        results["faces"] = bench_faces(args.mediapipe_python, args.backend)
        print(json.dumps({"faces": results["faces"]}, indent=1), flush=True)
    if args.text or every:
        results["text"] = bench_text(args.backend)
        print(json.dumps({"text": results["text"]}, indent=1), flush=True)
    if args.throughput or every:
        results["throughput"] = [
            bench_throughput(int(n), args.backend, reps=args.reps,
                             batch_size=args.batch_size)
            for n in args.images.split(",")]
        print(json.dumps({"throughput": results["throughput"]}, indent=1), flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
