"""AutoBackend: each graph compiled on ONNX Runtime or OpenVINO, whichever
runs it faster on this machine.

Neither runtime is the faster one for every model: on the AVX-512 machine of
docs/benchmarks.md native OpenVINO runs the transformers, DenseNet and the
PP-OCR detector 1.2-3x faster than native ONNX Runtime, and ONNX Runtime runs
the small CNN classifiers 1.1-1.2x faster than OpenVINO.  A context's backend
is chosen before its graphs are known, so this backend chooses per graph, at
``build()``:

- **small graphs** (:func:`graph_work` under :data:`SMALL_WORK` element
  operations and multiply-adds): ONNX Runtime, by rule, without trying
  OpenVINO.  Such a graph runs in microseconds, where ONNX Runtime's floor is
  half OpenVINO's (12 vs 26 us for one add), and ONNX Runtime builds it 5-300x
  faster (a 1000-op elementwise chain: 52 ms vs 17 s), so ``build()`` costs
  what ONNX Runtime's session creation costs.
- **other graphs**: measured.  The graph is compiled on both runtimes,
  blocks of consecutive dispatches of each are timed on the graph's own
  shapes (the blocks alternating between the runtimes; the faster median
  wins: ONNX Runtime on ViT has the lower best case but the wider spread),
  the slower one is released, and the choice is remembered on disk
  (:func:`choice_path`: keyed by a digest of the graph's content, ONNX
  Runtime's ``cache_fingerprint()`` and OpenVINO's version), so the trial is
  paid once per graph per machine; later builds compile only the chosen
  runtime.  It is remembered for the graph's structure too
  (:func:`graph_digests`: ops, wiring and weights without shapes), so the
  same model specialized for other input sizes takes the same runtime
  without a trial.
  ``$WEBNNPY_AUTO_TRIAL=0`` turns the trials off: then graphs with a softmax
  (attention) go to OpenVINO and the others to ONNX Runtime.
- **fallback**: a graph one runtime rejects (an operator or data type it
  lacks: OpenVINO leaves int64 out of div and pow) runs on the other, and
  the choice says so; if both reject it, ONNX Runtime's error is raised (the
  error kinds are the runtimes' own, mapped by the context as for them).

Tensors are host NumPy arrays that both runtimes bind without a copy: an
``OrtValue`` over the array for ONNX Runtime, an ``ov.Tensor`` sharing it for
OpenVINO, each made on first use (:class:`AutoTensor`).  ``op_support_limits``
are ONNX Runtime's: the fallback runs every graph within them (OpenVINO's
limits are a subset, checked by tests/backends/test_auto.py).  Where ONNX
Runtime runs on CUDA (device memory, not host arrays) the backend runs every
graph on it, as the ``onnxruntime`` backend would, and ``describe()`` says so.

Saved graphs (``save_graph``) hold the chosen runtime's compiled form, its
name and its full ``cache_fingerprint()``; ``load_graph`` checks that
fingerprint and imports the form on that runtime alone.  The store's own
fingerprint (:meth:`AutoBackend.cache_fingerprint`) names OpenVINO by its
installed distribution's version, so finding an entry never imports
OpenVINO: a process whose cached graphs all run on ONNX Runtime never loads it.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import logging
import math
import os
import statistics
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from webnnpy.backends.base import (
    Backend,
    SupportLimits,
    cache_dir,
    host_read,
    host_read_into,
    host_write,
    write_atomic,
)
from webnnpy.backends.errors import (
    AllocationError,
    BackendError,
    CacheEntryError,
    CompileError,
    UnsupportedError,
)
from webnnpy.dtypes import CARRIER_TYPES
from webnnpy.ir.descriptor import Desc
from webnnpy.ir.graph import Graph, Value

__all__ = ["SMALL_WORK", "TRIAL_ENV", "AutoBackend", "AutoGraph", "AutoTensor",
           "choice_of", "choice_path", "forget_choices", "graph_digest",
           "graph_digests", "graph_work"]

logger = logging.getLogger("webnnpy")

#: Graphs under this many element operations and multiply-adds
#: (:func:`graph_work`) go to ONNX Runtime without a trial.
SMALL_WORK = 1_000_000
#: ``$WEBNNPY_AUTO_TRIAL=0``: never time a graph on both runtimes (the rule
#: decides every graph).
TRIAL_ENV = "WEBNNPY_AUTO_TRIAL"
#: a trial times at most this many rounds (one block of dispatches per
#: runtime each) ...
TRIAL_ROUNDS = 4
#: ... and stops after at least TRIAL_MIN_ROUNDS once it has run this long
TRIAL_BUDGET_S = 1.5
TRIAL_MIN_ROUNDS = 2
#: a block: about TRIAL_BLOCK_S of dispatches, at most TRIAL_BLOCK; its first
#: TRIAL_SKIP are not counted (the runtime's threads waking up)
TRIAL_BLOCK = 12
TRIAL_BLOCK_S = 0.25
TRIAL_SKIP = 2
#: a round where one runtime's median is this many times the other's ends
#: the trial
TRIAL_CLEAR = 1.5
#: format of the remembered choices
CHOICE_FORMAT = "webnnpy-auto-choice/1"
ORT, OV = "onnxruntime", "openvino"


# --------------------------------------------------------------- graphs


def _size(shape: tuple[int, ...]) -> int:
    return math.prod(shape)


def _shape(node: Any, name: str) -> tuple[int, ...]:
    """The shape of one operand of ``node`` (KeyError where it has none)."""
    v = node.operands.get(name)
    if not isinstance(v, Value):
        raise KeyError(name)
    return tuple(v.desc.shape)


def graph_work(graph: Graph) -> int:
    """An estimate of the graph's arithmetic: multiply-adds of conv2d,
    convTranspose2d, matmul, gemm and the recurrent ops, and one per output
    element of every other op."""
    total = 0
    for node in graph.nodes:
        out = sum(_size(v.desc.shape) for v in node.outputs)
        op = node.op
        k = 1
        try:
            if op in ("conv2d", "convTranspose2d"):
                y = node.outputs[0].desc.shape
                nchw = node.attrs.get("inputLayout", "nchw") == "nchw"
                cout = y[1] if nchw else y[-1]
                k = max(1, _size(_shape(node, "filter")) // max(1, cout))
            elif op == "matmul":
                k = _shape(node, "a")[-1]
            elif op == "gemm":
                a = _shape(node, "a")
                k = a[0] if node.attrs.get("aTranspose") else a[1]
            elif op in ("lstm", "gru", "lstmCell", "gruCell"):
                w = sum(_size(_shape(node, n)) for n in ("weight", "recurrentWeight")
                        if isinstance(node.operands.get(n), Value))
                x = _shape(node, "input")
                steps = x[0] if op in ("lstm", "gru") else 1
                batch = x[1] if op in ("lstm", "gru") else x[0]
                total += w * steps * batch
                continue
        except (KeyError, IndexError):
            k = 1
        total += out * max(1, int(k))
    return total


def _hasher() -> Any:
    return hashlib.blake2b(digest_size=16)


def _attr_text(v: Any) -> Any:
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, np.ndarray):
        return {"ndarray": v.dtype.str, "shape": list(v.shape), "data": v.tolist()}
    return repr(v)


def graph_digest(graph: Graph) -> str:
    """A digest of the graph's content: its inputs, nodes (op, attributes,
    operands, output descriptors), constants' bytes and outputs.  Graphs
    built the same way give the same digest; labels are left out."""
    return graph_digests(graph)[0]


def graph_digests(graph: Graph) -> tuple[str, str]:
    """:func:`graph_digest`, and a digest of the graph's structure alone: its
    ops and their wiring, data types and ranks, and the bytes of constants of
    1 KiB and more (its weights), without shapes or attributes, so that one
    model specialized for another input size (an OCR detector on another
    image size) has the same structure digest."""
    h, hs = _hasher(), _hasher()
    index: dict[int, int] = {}

    def ref(v: Any) -> Any:
        if v is None:
            return None
        if isinstance(v, list):
            return [ref(x) for x in v]
        i = index.get(id(v))
        if i is None:
            i = index[id(v)] = len(index)
            if v.constant is not None:
                a = np.ascontiguousarray(v.constant)
                data = a.view(np.uint8).reshape(-1).data if a.size else b""
                h.update(f"const {i} {v.desc.data_type} {v.desc.shape}".encode())
                h.update(data)
                hs.update(f"const {i} {v.desc.data_type}".encode())
                if a.nbytes >= 1024:
                    hs.update(data)
        return i

    head = [(n, v.desc.data_type, list(v.desc.shape)) for n, v in graph.inputs.items()]
    for _, v in graph.inputs.items():
        ref(v)
    h.update(json.dumps(head).encode())
    hs.update(json.dumps([(n, t, len(shape)) for n, t, shape in head]).encode())
    for node in graph.nodes:
        wiring = {k: ref(v) for k, v in node.operands.items()}
        outs = [(ref(o), o.desc.data_type, list(o.desc.shape)) for o in node.outputs]
        h.update(json.dumps([node.op, wiring, node.attrs, outs], sort_keys=True,
                            default=_attr_text).encode())
        hs.update(json.dumps([node.op, wiring, [(i, t, len(shape))
                                                for i, t, shape in outs]],
                             sort_keys=True).encode())
    tail = json.dumps({n: ref(v) for n, v in graph.outputs.items()},
                      sort_keys=True).encode()
    h.update(tail)
    hs.update(tail)
    return h.hexdigest(), "s" + hs.hexdigest()


def _has_attention(graph: Graph) -> bool:
    return any(node.op == "softmax" for node in graph.nodes)


# -------------------------------------------------------------- tensors


class AutoTensor:
    """A tensor buffer: a NumPy array (int4/uint4 held as int8/uint8), with
    an ONNX Runtime ``OrtTensor`` and an OpenVINO ``OvTensor`` over the same
    memory, each made the first time a graph on that runtime binds it."""

    __slots__ = ("array", "desc", "ort", "ov")

    def __init__(self, desc: Desc, array: np.ndarray) -> None:
        self.desc = desc
        self.array = array
        self.ort: Any = None
        self.ov: Any = None

    def view(self, runtime: str) -> Any:
        """The runtime's tensor over this array (made on first use)."""
        if runtime == ORT:
            if self.ort is None:
                import onnxruntime as ort

                from webnnpy.backends.onnxruntime.runtime import OrtTensor

                self.ort = OrtTensor(self.desc,
                                     ort.OrtValue.ortvalue_from_numpy(self.array),
                                     self.array)
            return self.ort
        if self.ov is None:
            from webnnpy.backends.openvino.runtime import OvTensor

            t = OvTensor(self.desc, self.array)
            self.ov = t
        return self.ov


@dataclass
class AutoGraph:
    """A compiled graph: the runtime that runs it, that runtime's compiled
    graph, and why it was chosen."""

    runtime: str
    backend: Backend
    impl: Any
    why: str
    digest: str | None = None
    # dispatch's last tensor dicts and their runtime views (reused while the
    # context passes the same dict objects, as it does for a repeated dispatch)
    _last: tuple[Any, Any, Any, Any] = (None, None, None, None)

    def views(self, inputs: Mapping[str, AutoTensor],
              outputs: Mapping[str, AutoTensor]) -> tuple[Any, Any]:
        last = self._last
        if inputs is last[0] and outputs is last[1]:
            return last[2], last[3]
        r = self.runtime
        vin = {n: t.view(r) for n, t in inputs.items()}
        vout = {n: t.view(r) for n, t in outputs.items()}
        self._last = (inputs, outputs, vin, vout)
        return vin, vout


def choice_of(graph: Any) -> tuple[str, str]:
    """Which runtime runs a graph built on an ``auto`` context, and why, e.g.
    ``("openvino", "measured: openvino 21.7 ms, onnxruntime 27.0 ms ...")``.

    Raises:
        TypeError: the graph was not built on an ``auto`` context.
    """
    impl = getattr(graph, "_impl", None)
    if not isinstance(impl, AutoGraph):
        raise TypeError("choice_of: the graph was not built on an 'auto' context "
                        "(or is destroyed)")
    return impl.runtime, impl.why


# ------------------------------------------------------ remembered choices


@functools.cache
def installed_version(package: str) -> str:
    """The installed distribution's version, from its metadata (without
    importing it; ``"?"`` where it is not installed).  Read once per
    process: the runtime a process has loaded does not change with it."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(package)
    except PackageNotFoundError:
        return "?"


def choices_root() -> Path:
    """Where remembered choices live: ``auto-choices/`` in webnnpy's cache
    directory (beside the graph store's ``graphs/``)."""
    return cache_dir() / "auto-choices"


def choice_path(digest: str, fingerprint: Mapping[str, Any]) -> Path:
    """Where the choice for a graph digest under both runtimes' fingerprints
    is remembered: ``<cache dir>/auto-choices/<fingerprint digest>/<graph
    digest>.json`` (the cache dir of docs/graph_cache.md)."""
    fp = hashlib.sha256(json.dumps(fingerprint, sort_keys=True).encode()
                        ).hexdigest()[:16]
    return choices_root() / fp / f"{digest}.json"


def forget_choices() -> None:
    """Delete every remembered choice (graphs are measured again)."""
    import shutil

    shutil.rmtree(choices_root(), ignore_errors=True)


def _read_choice(path: Path) -> dict[str, Any] | None:
    try:
        rec = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(rec, dict) or rec.get("format") != CHOICE_FORMAT \
            or rec.get("runtime") not in (ORT, OV):
        return None
    return rec


def _write_choice(path: Path, rec: dict[str, Any]) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, json.dumps(rec, sort_keys=True).encode())
    except OSError as e:  # read-only or full cache: measure again next time
        logger.warning("auto backend: could not remember the choice in %s: %s",
                       path, e)


# -------------------------------------------------------------- backend


class AutoBackend(Backend):
    """Each graph on ONNX Runtime or OpenVINO, the faster (``backend="auto"``,
    the default where both are installed)."""

    name = "auto"

    def __init__(self, *, power_preference: str = "default",
                 accelerated: bool = True) -> None:
        super().__init__(power_preference=power_preference, accelerated=accelerated)
        from webnnpy.backends.onnxruntime.runtime import OrtBackend

        self._ort = OrtBackend(power_preference=power_preference,
                               accelerated=accelerated)
        self._ov: Backend | None = None  # imported when a graph needs it
        #: ONNX Runtime on CUDA: every graph on it (its tensors are device memory)
        on_cpu = getattr(self._ort, "device", "cpu") == "cpu"
        self.single = None if on_cpu else self._ort
        self._counts = {ORT: 0, OV: 0}
        self._recent: list[str] = []

    # ---------------------------------------------------------- runtimes

    def runtime(self, name: str) -> Backend:
        """The ONNX Runtime or OpenVINO backend behind this one."""
        if name == ORT:
            return self._ort
        if self._ov is None:
            from webnnpy.backends.openvino.runtime import OpenVinoBackend

            self._ov = OpenVinoBackend(power_preference=self.power_preference,
                                       accelerated=self.accelerated)
        return self._ov

    def support_limits(self) -> SupportLimits:
        return self._ort.support_limits()

    def tensor_limits(self) -> tuple[int, int]:
        return self._ort.tensor_limits()

    def describe(self) -> str:
        if self.single is not None:
            return (f"auto: every graph on {self._ort.describe()} (ONNX Runtime "
                    f"found a GPU; its tensors are device memory)")
        ov = "OpenVINO (CPU)" if self._ov is None else self._ov.describe()
        text = (f"auto: each graph on {self._ort.describe()} or {ov}, whichever "
                f"runs it faster: ONNX Runtime for graphs under {SMALL_WORK:.0e} "
                f"element ops/multiply-adds, else measured at build (remembered "
                f"on disk)")
        if os.environ.get(TRIAL_ENV, "").strip() == "0":
            text += f"; ${TRIAL_ENV}=0: no trials, softmax graphs on OpenVINO"
        n = self._counts
        if n[ORT] or n[OV]:
            text += (f"; graphs so far: {n[ORT]} on onnxruntime, {n[OV]} on "
                     f"openvino (latest: {'; '.join(self._recent[-3:])})")
        return text

    # ------------------------------------------------------------ graphs

    def _compile_on(self, runtime: str, graph: Graph) -> Any:
        return self.runtime(runtime).compile(graph)

    def _choice_key(self) -> dict[str, Any]:
        """What a remembered choice depends on: ONNX Runtime's fingerprint
        (its version, provider and the CPU), webnnpy's version, OpenVINO's
        version and whether
        the context is accelerated (OpenVINO's device), without importing
        OpenVINO (a graph remembered for ONNX Runtime never loads it)."""
        # webnnpy's own version too: its lowerings decide how fast each
        # runtime runs a graph, so a new release measures again
        return {ORT: dict(self._ort.cache_fingerprint() or {}),
                OV: {"openvino": installed_version("openvino"),
                     "accelerated": str(self.accelerated)},
                "webnnpy": installed_version("webnnpy")}

    def compile(self, graph: Graph) -> AutoGraph:
        if self.single is not None:
            return self._done(AutoGraph(ORT, self._ort, self._ort.compile(graph),
                                        "ONNX Runtime runs on CUDA"))
        work = graph_work(graph)
        trials = os.environ.get(TRIAL_ENV, "").strip() != "0"
        if work < SMALL_WORK:
            return self._done(self._compile_first(
                graph, ORT, f"rule: small graph ({work} element ops/multiply-adds "
                            f"< {SMALL_WORK})"))
        if not trials:
            first = OV if _has_attention(graph) else ORT
            why = ("rule: it has a softmax (attention)" if first == OV else
                   "rule: no softmax")
            return self._done(self._compile_first(graph, first,
                                                  f"{why}; ${TRIAL_ENV}=0"))
        digest, structure = graph_digests(graph)
        key = self._choice_key()
        path, spath = choice_path(digest, key), choice_path(structure, key)
        for p, how in ((path, "remembered"),
                       (spath, "remembered for this model at other shapes")):
            rec = _read_choice(p)
            if rec is not None:
                g = self._compile_first(graph, rec["runtime"],
                                        f"{how}: {rec.get('why', '')}")
                g.digest = digest
                return self._done(g)
        g = self._trial(graph, work)
        g.digest = digest
        if g.why.startswith("measured"):
            rec = {"format": CHOICE_FORMAT, "runtime": g.runtime, "why": g.why,
                   "work": work, "time": time.time()}
            _write_choice(path, rec)
            _write_choice(spath, rec)
        return self._done(g)

    def _done(self, g: AutoGraph) -> AutoGraph:
        self._counts[g.runtime] += 1
        self._recent = [*self._recent[-2:], f"{g.runtime} ({_short(g.why, 60)})"]
        logger.info("auto backend: graph on %s: %s", g.runtime, g.why)
        return g

    def _compile_first(self, graph: Graph, first: str, why: str) -> AutoGraph:
        """Compile on ``first``; on the other runtime if ``first`` rejects it."""
        other = OV if first == ORT else ORT
        try:
            return AutoGraph(first, self.runtime(first),
                             self._compile_on(first, graph), why)
        except (UnsupportedError, CompileError) as e:
            err = e
        try:
            impl = self._compile_on(other, graph)
        except (UnsupportedError, CompileError) as e2:
            raise _both_failed(first, err, other, e2) from (err if first == ORT else e2)
        return AutoGraph(other, self.runtime(other), impl,
                         f"fallback: {first} rejected it ({_short(err)})")

    def _trial(self, graph: Graph, work: int) -> AutoGraph:
        """Compile on both runtimes, time them, keep the faster."""
        impls: dict[str, Any] = {}
        errors: dict[str, BackendError] = {}
        for r in (ORT, OV):
            try:
                impls[r] = self._compile_on(r, graph)
            except (UnsupportedError, CompileError) as e:
                errors[r] = e
        if not impls:
            raise _both_failed(ORT, errors[ORT], OV, errors[OV]) from errors[ORT]
        if len(impls) == 1:
            (r, impl), = impls.items()
            other = OV if r == ORT else ORT
            return AutoGraph(r, self.runtime(r), impl,
                             f"fallback: {other} rejected it ({_short(errors[other])})")
        try:
            times = self._measure(graph, impls)
        except BackendError as e:  # a runtime failed to run it: keep ORT
            self.runtime(OV).release_graph(impls[OV])
            return AutoGraph(ORT, self._ort, impls[ORT],
                             f"openvino failed a trial run ({_short(e)})")
        win = OV if times[OV] < times[ORT] else ORT
        lose = ORT if win == OV else OV
        self.runtime(lose).release_graph(impls[lose])
        why = (f"measured: {win} {times[win] * 1e3:.3g} ms, {lose} "
               f"{times[lose] * 1e3:.3g} ms (median per dispatch, alternating "
               f"blocks; {work:.3g} element ops/multiply-adds)")
        return AutoGraph(win, self.runtime(win), impls[win], why)

    def _measure(self, graph: Graph, impls: Mapping[str, Any]) -> dict[str, float]:
        """The median seconds per dispatch of each compiled graph, on inputs
        of the graph's own shapes (floats uniform in [0, 1), integers 0).

        Each runtime runs in blocks of consecutive dispatches, as an
        application runs one graph (a runtime's worker threads go idle while
        the other runs: the first dispatches of a block are slower and not
        counted), after a warm-up block each, the blocks alternating between
        the runtimes and which goes first; at least :data:`TRIAL_MIN_ROUNDS`
        rounds (one where a runtime is :data:`TRIAL_CLEAR` times faster),
        more while under :data:`TRIAL_BUDGET_S`, at most
        :data:`TRIAL_ROUNDS`."""
        rng = np.random.default_rng(0)
        ins: dict[str, AutoTensor] = {}
        for name, v in graph.inputs.items():
            t = self.allocate(v.desc)
            if np.issubdtype(t.array.dtype, np.floating) and t.array.size:
                t.array[...] = rng.random(t.array.shape, dtype=np.float32)
            ins[name] = t
        outs = {name: self.allocate(v.desc) for name, v in graph.outputs.items()}
        runs = {r: (self.runtime(r), impls[r],
                    {n: t.view(r) for n, t in ins.items()},
                    {n: t.view(r) for n, t in outs.items()}) for r in impls}
        est = math.inf
        for be, impl, vi, vo in runs.values():  # a first estimate
            be.dispatch(impl, vi, vo)
            t0 = time.perf_counter()
            be.dispatch(impl, vi, vo)
            est = min(est, time.perf_counter() - t0)
        block = max(TRIAL_SKIP + 2, min(TRIAL_BLOCK, int(TRIAL_BLOCK_S / est)))
        # warm-up: a block each, not counted (OpenVINO's CPU plugin runs its
        # first ~20 inferences of ViT 25% slower than its steady state)
        for be, impl, vi, vo in runs.values():
            for _ in range(block):
                be.dispatch(impl, vi, vo)
        samples: dict[str, list[float]] = {r: [] for r in impls}
        start = time.perf_counter()
        order = list(runs)
        for i in range(TRIAL_ROUNDS):
            for r in order if i % 2 else order[::-1]:
                be, impl, vi, vo = runs[r]
                for j in range(block):
                    t0 = time.perf_counter()
                    be.dispatch(impl, vi, vo)
                    if j >= TRIAL_SKIP:
                        samples[r].append(time.perf_counter() - t0)
            med = sorted(statistics.median(v) for v in samples.values())
            spent = time.perf_counter() - start
            if med[1] > TRIAL_CLEAR * med[0] or (
                    i + 1 >= TRIAL_MIN_ROUNDS and spent > TRIAL_BUDGET_S):
                break
        return {r: statistics.median(v) for r, v in samples.items()}

    def release_graph(self, compiled: AutoGraph) -> None:
        compiled.backend.release_graph(compiled.impl)
        compiled._last = (None, None, None, None)

    # ------------------------------------------------------- graph cache

    def cache_fingerprint(self) -> Mapping[str, str] | None:
        """What names this context's entries, without importing OpenVINO:
        ONNX Runtime's fingerprint (its version, provider and the CPU), the
        version of the installed ``openvino`` distribution (its metadata)
        and whether the context is accelerated.  An entry also records the
        full fingerprint of the runtime that made it (OpenVINO's build and
        device), which :meth:`import_compiled` checks against that runtime's
        before loading it, so a cache hit imports only the runtime that runs
        the graph (a process whose graphs all run on ONNX Runtime never
        loads OpenVINO)."""
        ort_fp = self._ort.cache_fingerprint() or {}
        if self.single is not None:
            return {f"onnxruntime.{k}": v for k, v in ort_fp.items()}
        return {"format": "auto/2", **{f"{ORT}.{k}": v for k, v in ort_fp.items()},
                f"{OV}.openvino": installed_version("openvino"),
                f"{OV}.accelerated": str(self.accelerated)}

    def export_compiled(self, compiled: AutoGraph, directory: Path
                        ) -> dict[str, Any]:
        meta = compiled.backend.export_compiled(compiled.impl, directory)
        return {"runtime": compiled.runtime, "why": compiled.why, "meta": meta,
                "fingerprint": dict(compiled.backend.cache_fingerprint() or {})}

    def import_compiled(self, directory: Path, meta: Mapping[str, Any]
                        ) -> AutoGraph:
        r, sub = meta.get("runtime"), meta.get("meta")
        if r not in (ORT, OV) or not isinstance(sub, dict):
            raise CacheEntryError(f"the entry names no runtime of the auto backend "
                                  f"(onnxruntime or openvino): {dict(meta)!r}")
        if self.single is not None and r != ORT:
            raise CacheEntryError("the entry was made for openvino; this context "
                                  "runs every graph on ONNX Runtime")
        be = self.runtime(r)
        made, here = meta.get("fingerprint"), dict(be.cache_fingerprint() or {})
        if made != here:  # another build of the runtime, or another device
            raise CacheEntryError(f"the entry was made by {r} with {made!r}; this "
                                  f"context's {r} is {here!r} (save it again)")
        return self._done(AutoGraph(r, be, be.import_compiled(directory, sub),
                                    f"loaded: {meta.get('why', '')}"))

    # ----------------------------------------------------------- tensors

    def allocate(self, desc: Desc) -> Any:
        if self.single is not None:
            return self.single.allocate(desc)
        try:
            arr = np.zeros(desc.shape, dtype=CARRIER_TYPES.get(desc.data_type,
                                                               desc.data_type))
        except (MemoryError, ValueError) as e:
            raise AllocationError(f"auto: allocating {desc}: {e}") from e
        return AutoTensor(desc, arr)

    def upload(self, desc: Desc, data: np.ndarray) -> Any:
        t = self.allocate(desc)
        self.write(t, data)
        return t

    def write(self, buffer: Any, data: np.ndarray) -> None:
        if self.single is not None:
            self.single.write(buffer, data)
            return
        host_write(buffer.array, data)

    def read(self, buffer: Any) -> np.ndarray:
        if self.single is not None:
            return self.single.read(buffer)
        return host_read(buffer.array, buffer.desc)

    def read_into(self, buffer: Any, out: np.ndarray) -> None:
        if self.single is not None:
            self.single.read_into(buffer, out)
            return
        host_read_into(buffer.array, buffer.desc, out)

    def release(self, buffer: Any) -> None:
        if self.single is not None:
            self.single.release(buffer)
            return
        buffer.ort = buffer.ov = None

    # ---------------------------------------------------------- dispatch

    def dispatch(self, compiled: AutoGraph, inputs: Mapping[str, Any],
                 outputs: Mapping[str, Any]) -> None:
        if self.single is not None:
            compiled.backend.dispatch(compiled.impl, inputs, outputs)
            return
        vin, vout = compiled.views(inputs, outputs)
        compiled.backend.dispatch(compiled.impl, vin, vout)


def _short(e: BaseException | str, n: int = 160) -> str:
    s = str(e)
    return s if len(s) <= n else s[:n - 3] + "..."


def _both_failed(first: str, e1: BackendError, other: str, e2: BackendError
                 ) -> BackendError:
    """The error when neither runtime takes a graph: ONNX Runtime's kind,
    both messages."""
    ort_e = e1 if first == ORT else e2
    ov_e = e2 if first == ORT else e1
    with contextlib.suppress(Exception):
        return type(ort_e)(f"{ort_e} (openvino rejected it too: {_short(ov_e)})")
    return ort_e
