"""``webnnpy detect``: the Shape Detection API over image files and folders.

    webnnpy detect faces|text|barcodes PATH... --out results.jsonl
                   [--annotate DIR] [--backend NAME] [--formats qr_code,ean_13]
                   [--max-faces N] [--full-range] [--max-pixels N] [--quiet]
                   [--ray [ADDRESS] [--workers N] [--batch-size N]
                    [--cpus-per-worker N]]

One JSONL row per input file (directories are searched recursively): the
detections, or an ``error`` for a file that is not a decodable image; an
``--out`` ending in ``.parquet`` is a Parquet dataset folder instead (the same
rows, as columns; on ``--ray`` written by Ray Data).  Rows already in
``--out`` are skipped, so a stopped run resumes.  Progress goes
to stderr.  ``--annotate DIR`` writes each image with its detections drawn.
``--ray`` runs on Ray Data (``ray.init()`` locally, or ``--ray ADDRESS`` for
a cluster: ``ray start --head`` on one node, ``ray start --address HEAD:6379``
on the others, then ``--ray HEAD:6379`` or ``--ray auto`` on a node), with
``--workers`` actors each holding its own graphs.

Exit status: 0 (error rows included), 2 on a user error (bad option, a path
that does not exist), one line on stderr.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

from webnnpy.cliargs import ArgumentParser, UsageError
from webnnpy.errors import NotSupportedError

__all__ = ["detect_main"]


def _parser() -> ArgumentParser:
    p = ArgumentParser(prog="webnnpy detect", description=__doc__,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("kind", choices=("faces", "text", "barcodes"))
    p.add_argument("paths", nargs="+", metavar="PATH", help="image files or folders")
    p.add_argument("--out", required=True,
                   help="JSONL file rows are appended to, or a .parquet dataset "
                        "folder part files are added to")
    p.add_argument("--annotate", metavar="DIR",
                   help="write the images with their detections drawn here")
    p.add_argument("--backend", help="webnnpy backend (default: the default context's)")
    p.add_argument("--formats", help="barcodes: comma-separated spec format names")
    p.add_argument("--max-faces", type=int, help="faces: at most this many per image")
    p.add_argument("--full-range", action="store_true",
                   help="faces: the full-range model (fast_mode=False)")
    p.add_argument("--max-pixels", type=int, default=None,
                   help="larger images are an error row (default 64 M)")
    p.add_argument("--quiet", action="store_true", help="no progress on stderr")
    p.add_argument("--ray", nargs="?", const="", default=None, metavar="ADDRESS",
                   help="run on Ray Data (a local Ray, or the cluster at ADDRESS)")
    p.add_argument("--workers", type=int, default=2, help="--ray: actors (default 2)")
    p.add_argument("--batch-size", type=int, default=None,
                   help="--ray: images per batch (default: the images over 8 "
                        "per worker, 32 to 256)")
    p.add_argument("--cpus-per-worker", type=int, default=None,
                   help="--ray: CPUs (ONNX Runtime threads) per actor (default: "
                        "a node's cores shared out among its actors)")
    return p


def detect_main(argv: Sequence[str]) -> int:
    """Entry point of ``webnnpy detect``."""
    from webnnpy.shape_detection import runner
    from webnnpy.shape_detection._image import MAX_PIXELS

    args = _parser().parse_args(list(argv))
    # make_detector's keyword arguments (per kind)
    options: dict[str, Any] = {"backend": args.backend}
    if args.kind == "barcodes":
        options = {"formats": ([f.strip() for f in args.formats.split(",") if f.strip()]
                               if args.formats is not None else None)}
    elif args.formats is not None:
        raise UsageError("--formats is for barcodes")
    if args.kind == "faces":
        options.update(max_detected_faces=args.max_faces, fast_mode=not args.full_range)
    elif args.max_faces is not None or args.full_range:
        raise UsageError("--max-faces and --full-range are for faces")
    if args.workers < 1 or (args.batch_size is not None and args.batch_size < 1):
        raise UsageError("--workers and --batch-size must be at least 1")
    if args.cpus_per_worker is not None and args.cpus_per_worker < 1:
        raise UsageError("--cpus-per-worker must be at least 1")
    max_pixels = args.max_pixels if args.max_pixels is not None else MAX_PIXELS
    if max_pixels < 1:
        raise UsageError("--max-pixels must be at least 1")
    try:  # option errors (an unknown barcode format) before any work
        runner.make_detector(args.kind, **options)
    except (TypeError, ValueError, ImportError, NotSupportedError) as e:
        raise UsageError(str(e)) from None
    if args.ray is not None:
        from webnnpy.shape_detection import ray_data

        summary = ray_data.detect_dataset(
            args.kind, args.paths, args.out, address=args.ray or None,
            workers=args.workers, batch_size=args.batch_size,
            cpus_per_worker=args.cpus_per_worker, annotate=args.annotate,
            progress=not args.quiet, max_pixels=max_pixels, **options)
    else:
        summary = runner.detect_files(args.kind, args.paths, args.out,
                                      annotate=args.annotate,
                                      progress=not args.quiet,
                                      max_pixels=max_pixels, **options)
    if not args.quiet:
        print(f"webnnpy detect {args.kind}: {summary.line()} -> {args.out}",
              file=sys.stderr)
    return 0
