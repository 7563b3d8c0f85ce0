"""Detection over a dataset on Ray Data: past one process, past one machine.

    >>> from webnnpy.shape_detection.ray_data import detect_dataset
    >>> detect_dataset("faces", ["photos/"], "faces.jsonl", workers=2)

The files are listed on the driver (what the ``--out`` file already holds
is skipped, as :func:`webnnpy.shape_detection.runner.detect_files` does),
handed to Ray Data (``ray.data.from_items``, one block per batch) and sent
through ``map_batches`` to a pool of ``workers`` actors; each actor builds
its detector (and so its WebNN graphs) once, in its constructor, and reads,
decodes and detects each file of its batches (reading in Ray tasks started
a worker process per read block: most of a run's fixed cost on a small
machine, docs/shape_detection.md).  The driver writes the rows to the JSONL file
as they stream back, so a stopped run resumes.  For an ``out`` ending in
``.parquet``, Ray Data writes the rows itself (``Dataset.write_parquet``)
into that dataset folder, adding part files to what is there (resumable the
same way; :mod:`webnnpy.shape_detection.parquet`); the folder must be
reachable from every node (a shared file system or an object store URI).

A worker process that dies mid-run loses nothing: Ray restarts the actor
and runs its batch again (Ray Data's actor pools default to
``max_restarts=-1`` and ``max_task_retries=-1``), and every input still gets
exactly one row (the driver drops any repeat, and writes an error row for
an input that never came back).

Cluster use: ``ray start --head`` on one node, ``ray start --address
HEAD:6379`` on each other node (each with webnnpy and the model packages
installed), then ``address="HEAD:6379"`` (``webnnpy detect ... --ray
HEAD:6379``), or ``"auto"`` on a cluster node.  Paths must be readable from
the nodes (a shared file system).

Needs ``ray[data]`` (``pip install 'ray[data]'``).
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from webnnpy.shape_detection import parquet as _parquet
from webnnpy.shape_detection._image import MAX_PIXELS
from webnnpy.shape_detection.runner import (
    DetectionSummary,
    _annotation_name,
    _common_root,
    _end_with_newline,
    annotate_image,
    detect_one,
    done_paths,
    list_inputs,
    make_detector,
)

__all__ = ["BATCHES_PER_WORKER", "DEFAULT_BATCH_SIZE", "FAULT_ENV", "MAX_BATCH_SIZE",
           "MIN_BATCH_SIZE", "ORT_SPINNING_ENV", "ORT_THREADS_ENV", "DetectActor",
           "batch_size_for", "detect_dataset", "worker_cpus"]

#: the smallest and largest automatic batch (files per ``map_batches``
#: batch, and per block, so per Ray task), and how many batches each
#: worker should get at least (:func:`batch_size_for`)
MIN_BATCH_SIZE = 32
MAX_BATCH_SIZE = 256
BATCHES_PER_WORKER = 8
#: the batch size when the file count is unknown (the old fixed default)
DEFAULT_BATCH_SIZE = MIN_BATCH_SIZE


#: fault injection for tests: a file path; the first actor call that finds
#: it missing creates it and kills its own worker process (os._exit)
FAULT_ENV = "WEBNNPY_DETECT_FAULT_ONCE"

#: the ONNX Runtime backend's intra-op thread count variable
#: (``webnnpy.backends.onnxruntime.runtime.THREADS_ENV``; named here because
#: the Usage API imports no backend): each actor sets it to the CPUs Ray
#: gave it, as Ray sets ``OMP_NUM_THREADS`` (which ONNX Runtime ignores)
ORT_THREADS_ENV = "WEBNNPY_ORT_THREADS"

#: the ONNX Runtime backend's spinning switch
#: (``webnnpy.backends.onnxruntime.runtime.SPINNING_ENV``): an actor given
#: fewer CPUs than its node has shares the cores with other actors, so its
#: ONNX Runtime threads sleep while they wait instead of spinning (two
#: actors on 2 cores: 1000 faces in 5.7-6.1 s instead of 6.6 s); an actor
#: given the whole node keeps ONNX Runtime's default (one actor on 2 cores,
#: 3000 faces: 22.7-25.8 s spinning, 25.7-26.5 s not; docs/shape_detection.md)
ORT_SPINNING_ENV = "WEBNNPY_ORT_SPINNING"


def batch_size_for(files: int, workers: int) -> int:
    """The automatic batch size for ``files`` files on ``workers`` actors:
    ``files / (BATCHES_PER_WORKER * workers)``, within [MIN_BATCH_SIZE,
    MAX_BATCH_SIZE].  Each Ray task costs the driver, the raylet and the
    actor tens of milliseconds (one actor on 2 cores, 3000 faces: 94
    batches of 32 took 21.8 s where 12 of 256 took 19.6 s, the plain loop
    18.1-18.6 s), so batches are as large as keeping every worker busy to
    the end allows; a dead worker's batch is run again, at most 256 files."""
    if files < 1 or workers < 1:
        return MIN_BATCH_SIZE
    want = -(-files // (BATCHES_PER_WORKER * workers))
    return max(MIN_BATCH_SIZE, min(MAX_BATCH_SIZE, want))


def worker_cpus(node_cpus: Iterable[float], workers: int) -> int:
    """The CPUs to give each of ``workers`` actors on nodes with these CPU
    counts: the most such that every actor fits on one node (the largest
    ``c`` with ``sum(floor(n / c)) >= workers``), at least 1.

    One actor on a 2-core machine gets 2 (ONNX Runtime's default there too),
    two get 1 each (not two threads per core); on 3 nodes of 8, 4 actors get
    4 each."""
    cpus = [float(n) for n in node_cpus if n >= 1]
    best = 1
    for c in range(1, int(max(cpus, default=1)) + 1):
        if sum(int(n // c) for n in cpus) >= workers:
            best = c
    return best


class DetectActor:
    """The ``map_batches`` callable: one detector per actor, built once."""

    def __init__(self, kind: str, options: dict[str, Any], max_pixels: int,
                 annotate: str | None, root: str | None,
                 parquet: bool = False, threads: int | None = None) -> None:
        if threads:  # before any session exists: ONNX Runtime's thread count
            os.environ[ORT_THREADS_ENV] = str(threads)
            if threads < (os.cpu_count() or threads):  # other actors beside it
                os.environ.setdefault(ORT_SPINNING_ENV, "0")
        self.kind = kind
        self.parquet = parquet
        self.detector = make_detector(kind, **options)
        self.max_pixels = max_pixels
        self.annotate = Path(annotate) if annotate else None
        self.root = Path(root) if root else None

    def __call__(self, batch: dict[str, np.ndarray]) -> Any:
        marker = os.environ.get(FAULT_ENV)
        if marker and not os.path.exists(marker):
            Path(marker).write_text(str(os.getpid()))
            os._exit(1)  # a worker dying mid-run, as an OOM kill would
        rows = []
        paths = [str(p) for p in batch["path"]]
        for path in paths:  # the actor reads its files (see detect_dataset)
            row, found, rgb = detect_one(self.detector, self.kind, path,
                                         max_pixels=self.max_pixels)
            if self.annotate is not None and found is not None:
                self.annotate.mkdir(parents=True, exist_ok=True)
                annotate_image(rgb, found).save(
                    self.annotate / _annotation_name(path, self.root))
            rows.append(row)
        if self.parquet:  # Ray Data writes the table (the Parquet schema)
            return _parquet.rows_to_table(rows)
        return {"path": np.array(paths, dtype=object),
                "row": np.array([json.dumps(r, ensure_ascii=False) for r in rows],
                                dtype=object),
                "error": np.array(["error" in r for r in rows], dtype=bool)}


def detect_dataset(kind: str, paths: Iterable[str | os.PathLike[str]],
                   out: str | os.PathLike[str], *, address: str | None = None,
                   workers: int = 2, batch_size: int | None = None,
                   annotate: str | os.PathLike[str] | None = None,
                   progress: bool | Callable[[int, str], None] = False,
                   max_pixels: int = MAX_PIXELS,
                   cpus_per_worker: int | None = None,
                   init_kwargs: Mapping[str, Any] | None = None,
                   **options: Any) -> DetectionSummary:
    """:func:`~webnnpy.shape_detection.runner.detect_files` on Ray Data.

    Args:
        kind, paths, out, annotate, max_pixels, options: as for
            ``detect_files``.
        address: a Ray cluster (``"HOST:6379"``, ``"auto"``); None: the
            already-initialized Ray, or a new local one.
        workers: actors in the pool (each builds its graphs once).
        batch_size: files per ``map_batches`` batch; None:
            :func:`batch_size_for` the files to do and ``workers``.
        progress: True: a progress line on stderr; or a callable
            ``(rows written, path)`` called as each row is written.
        cpus_per_worker: the CPUs Ray reserves for each actor, and the
            threads its ONNX Runtime sessions use (``$WEBNNPY_ORT_THREADS``
            in the actor); None: :func:`worker_cpus` of the cluster's alive
            nodes (all of a node's cores for one actor per node, one each
            when there are as many actors as cores).  An actor given fewer
            CPUs than its node has runs ONNX Runtime without spinning
            threads (``$WEBNNPY_ORT_SPINNING=0``), as it shares the cores.
        init_kwargs: more ``ray.init`` arguments (a local one: ``num_cpus``;
            a local Ray starts without the dashboard unless
            ``include_dashboard=True``).
    """
    try:
        import ray
    except ImportError as e:
        raise ImportError("--ray needs Ray Data: pip install 'ray[data]'") from e
    if batch_size is not None and (isinstance(batch_size, bool) or not isinstance(
            batch_size, int) or batch_size < 1):
        raise ValueError(f"detect_dataset: batch_size must be a positive integer "
                         f"or None; got {batch_size!r}")
    if cpus_per_worker is not None and (
            isinstance(cpus_per_worker, bool) or not isinstance(cpus_per_worker, int)
            or cpus_per_worker < 1):
        raise ValueError(f"detect_dataset: cpus_per_worker must be a positive "
                         f"integer or None; got {cpus_per_worker!r}")
    t0 = time.perf_counter()
    inputs = list_inputs(paths)
    done = done_paths(out)
    todo = [str(p) for p in inputs if str(p) not in done]
    summary = DetectionSummary(inputs=len(inputs), skipped=len(inputs) - len(todo))
    out_path = Path(out)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    if not todo:
        summary.seconds = time.perf_counter() - t0
        return summary
    if not ray.is_initialized():
        # a local Ray without the dashboard: one process less to start and
        # run on a small machine (the saving in ray.init was within this
        # 2-core machine's noise under load: docs/shape_detection.md);
        # init_kwargs override
        kwargs: dict[str, Any] = {"log_to_driver": False}
        if address is None:
            kwargs["include_dashboard"] = False
        kwargs.update(init_kwargs or {})
        ray.init(address=address, ignore_reinit_error=True, **kwargs)
    cpus = cpus_per_worker or worker_cpus(
        (n.get("Resources", {}).get("CPU", 0) for n in ray.nodes() if n.get("Alive")),
        workers)
    root = _common_root(inputs)
    if batch_size is None:
        batch_size = batch_size_for(len(todo), workers)
    # Ray Data hands out the paths (one block per batch) and each actor
    # reads its own files: ray.data.read_binary_files ran every read block
    # as a task in a worker process of its own, and starting those
    # processes was most of a run's fixed cost (docs/shape_detection.md)
    ds: ray.data.Dataset = ray.data.from_items(
        [{"path": p} for p in todo], override_num_blocks=-(-len(todo) // batch_size))
    ds = ds.map_batches(
        DetectActor,
        fn_constructor_kwargs={"kind": kind, "options": options,
                               "max_pixels": max_pixels,
                               "annotate": str(annotate) if annotate else None,
                               "root": str(root) if root else None,
                               "parquet": _parquet.is_parquet(out),
                               "threads": cpus},
        batch_size=batch_size, batch_format="numpy",
        compute=ray.data.ActorPoolStrategy(size=workers), num_cpus=cpus)
    if _parquet.is_parquet(out):
        return _write_parquet(ds, kind, todo, out_path, summary, t0)
    wanted = set(todo)
    _end_with_newline(out_path)
    with open(out_path, "a", encoding="utf-8") as f:
        for batch in ds.iter_batches(batch_size=None, batch_format="numpy"):
            for path, line, error in zip(batch["path"], batch["row"],
                                         batch["error"], strict=True):
                if path not in wanted:  # a repeat after a retry
                    continue
                wanted.discard(path)
                f.write(line + "\n")
                summary.written += 1
                summary.errors += bool(error)
                if callable(progress):
                    progress(summary.written, path)
                elif progress:
                    print(f"[{summary.written}/{len(todo)}] {Path(path).name}",
                          file=sys.stderr)
            f.flush()
    for path in sorted(wanted):  # never lose an input: an error row
        with open(out_path, "a", encoding="utf-8") as f:
            f.write(json.dumps({"path": path, "kind": kind,
                                "error": "no result came back from Ray"}) + "\n")
        summary.written += 1
        summary.errors += 1
    summary.seconds = time.perf_counter() - t0
    return summary


def _write_parquet(ds: Any, kind: str, todo: list[str], out: Path,
                   summary: DetectionSummary, t0: float) -> DetectionSummary:
    """Ray Data writes the rows into the dataset folder ``out``
    (``Dataset.write_parquet``, part files added to what is there); then the
    driver reads back which of ``todo`` came back and adds an error row for
    each that did not."""
    out.mkdir(parents=True, exist_ok=True)
    ds.write_parquet(str(out))
    wanted = set(todo)
    back = _parquet.read_rows(out, columns=["path", "error"])
    seen: set[str] = set()
    for r in back:
        if r["path"] in wanted and r["path"] not in seen:
            seen.add(r["path"])
            summary.written += 1
            summary.errors += r["error"] is not None
    missing = sorted(wanted - seen)
    if missing:  # never lose an input: an error row
        with _parquet.ParquetRowWriter(out) as w:
            w.write_all({"path": p, "kind": kind,
                         "error": "no result came back from Ray"} for p in missing)
        summary.written += len(missing)
        summary.errors += len(missing)
    summary.seconds = time.perf_counter() - t0
    return summary
