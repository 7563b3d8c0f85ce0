"""OrtBackend: WebNN graphs compiled to one ONNX Runtime InferenceSession each.

- ``compile``: lower the IR (``lower.py``) and create an InferenceSession (CPU
  execution provider; CUDA when onnxruntime-gpu sees a GPU and the context is
  ``accelerated``).  Large constants are declared in the model as external
  data and handed over as OrtValues over the builder's read-only arrays with
  ``add_external_initializers``: ONNX Runtime puts them into its graph before
  optimizing (one copy, never a second parse of serialized bytes), so its
  optimizers rewrite them like any initializer, and the copy is what NCHWc
  reordering and MatMul prepacking replace.  ``add_initializer`` (no copy) is
  not used: ORT's transpose optimizer rewrites constants in place under the
  same name and a shared value of that name then replaced the rewrite (a
  broadcast error on convnext, a silently wrong result where the shape
  survives), and ORT copies the in-memory data it declares at load anyway,
  so sharing raised peak memory (see ``tests/backends/test_ort_constants.py``).
- tensors are :class:`OrtTensor`: on the CPU a NumPy array and an OrtValue
  over the same memory, so ``write`` and ``read_into`` are one copy each.
- ``dispatch`` binds the tensors' OrtValues with an IOBinding (inputs and
  pre-allocated outputs: ONNX Runtime writes the results straight into the
  output tensors) and reuses the binding while the same tensors come back.

Errors are converted at this boundary (one table, :data:`ERROR_TYPES`): the
library's exception stays as ``__cause__``.

Imported only through the backend registry (``backend="onnxruntime"``).
"""

from __future__ import annotations

import functools
import itertools
import os
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime as ort

from webnnpy.backends.base import (
    MAX_TENSOR_BYTE_LENGTH,
    Backend,
    SupportLimits,
    cpu_fingerprint,
    spec_support_limits,
)
from webnnpy.backends.errors import (
    AllocationError,
    BackendError,
    CacheEntryError,
    CompileError,
    ExecutionError,
    TransferError,
)

# the lowering (and onnx, which it builds models with) is imported only to
# compile: a graph loaded from the graph cache needs neither
from webnnpy.backends.onnxruntime.lowered import OPSET, Lowered, LoweringError
from webnnpy.dtypes import CARRIER_TYPES, DATA_TYPES, carrier, numpy_dtype
from webnnpy.ir.descriptor import Desc
from webnnpy.ir.graph import Graph
from webnnpy.ir.mapped import evict

__all__ = [
    "ERROR_TYPES",
    "MAX_RANK",
    "SPINNING_ENV",
    "THREADS_ENV",
    "LoweringError",
    "OrtBackend",
    "OrtGraph",
    "OrtTensor",
    "intra_op_spinning",
    "intra_op_threads",
    "ort_support_limits",
]

#: environment variable: the intra-op thread count of every session this
#: backend creates (read when a session is created; unset, empty or 0: ONNX
#: Runtime's default, one thread per physical core).  A process that shares
#: the machine sets it to the cores it was given (a Ray actor given N CPUs:
#: webnnpy.shape_detection.ray_data), so that N processes do not each spin
#: a thread per core.
THREADS_ENV = "WEBNNPY_ORT_THREADS"


def intra_op_threads() -> int:
    """``$WEBNNPY_ORT_THREADS`` as an int (0: ONNX Runtime's default).

    Raises:
        ValueError: a value that is not a non-negative integer.
    """
    raw = os.environ.get(THREADS_ENV, "").strip()
    if not raw:
        return 0
    try:
        n = int(raw)
    except ValueError:
        n = -1
    if n < 0:
        raise ValueError(f"onnxruntime backend: ${THREADS_ENV} must be a "
                         f"non-negative integer (0: one thread per physical "
                         f"core); got {raw!r}")
    return n


#: environment variable: ``0`` stops the intra-op threads of every session
#: this backend creates from spinning while they wait for work (``1``, empty
#: or unset: ONNX Runtime's default, spinning).  Spinning makes one process
#: faster on an idle machine and slows the processes it shares the cores
#: with: a Ray actor sets it to 0 (webnnpy.shape_detection.ray_data; two
#: actors on 2 cores: 6.6 s -> 5.7-6.1 s for 1000 faces, where the plain
#: loop is 8% slower without spinning, docs/shape_detection.md).
SPINNING_ENV = "WEBNNPY_ORT_SPINNING"


def intra_op_spinning() -> bool:
    """``$WEBNNPY_ORT_SPINNING`` as a bool (unset: True, ONNX Runtime's
    default).

    Raises:
        ValueError: a value other than 0 or 1.
    """
    raw = os.environ.get(SPINNING_ENV, "").strip()
    if raw not in ("", "0", "1"):
        raise ValueError(f"onnxruntime backend: ${SPINNING_ENV} must be 0 (intra-op "
                         f"threads sleep while they wait) or 1 (they spin, ONNX "
                         f"Runtime's default); got {raw!r}")
    return raw != "0"


#: Highest rank claimed where the spec allows any ("N").
MAX_RANK = 8

#: Where an ONNX Runtime failure happens -> the backend error it becomes.
ERROR_TYPES: dict[str, type[BackendError]] = {
    "compile": CompileError,
    "allocate": AllocationError,
    "write": TransferError,
    "read": TransferError,
    "dispatch": ExecutionError,
}

_serials = itertools.count(1)

#: IOBindings kept per compiled graph (a few: the same graph dispatched on
#: alternating tensor sets reuses each one's binding)
_MAX_BINDINGS = 4

#: graph-cache entries: format of the files, and their names
_CACHE_FORMAT = "ort-optimized-onnx/1"
_MODEL_FILE = "model.onnx"
_WEIGHTS_FILE = "weights.bin"


def _convert(stage: str, what: str, e: BaseException) -> Exception:
    """The backend error for a failure at ``stage`` (raise it ``from e``)."""
    return ERROR_TYPES[stage](f"onnxruntime: {what}: {e}")


class OrtTensor:
    """A tensor buffer: an OrtValue, and on the CPU the NumPy array it wraps."""

    __slots__ = ("array", "desc", "serial", "value")

    def __init__(self, desc: Desc, value: Any, array: np.ndarray | None) -> None:
        self.desc = desc
        self.value = value
        self.array = array
        #: identifies the buffer in dispatch's binding cache (never reused)
        self.serial = next(_serials)


class OrtGraph:
    """A compiled graph: its InferenceSession and the names to bind."""

    def __init__(self, session: ort.InferenceSession, lowered: Lowered,
                 keep_alive: list[Any], source: Path | None = None) -> None:
        self.session = session
        self.lowered = lowered
        #: the graph-cache directory it was loaded from (its lowered model is
        #: then empty: the optimized model in ``source`` is what it runs)
        self.source = source
        self.inputs = lowered.inputs
        self.outputs = lowered.outputs
        # the shared initializers' arrays and OrtValues must outlive the session
        self._keep_alive = keep_alive
        #: IOBindings by the serials of their tensors (a few: a decoder
        #: alternating two cache sets as inputs and outputs reuses both)
        self._bindings: dict[tuple[int, ...], Any] = {}
        #: the last few (inputs, outputs, runner) by identity of the dicts
        #: (held, so their ids cannot be reused), most recent first
        self._recent: list[tuple[Any, Any, Any]] = []

    def run(self, inputs: Mapping[str, OrtTensor], outputs: Mapping[str, OrtTensor]
            ) -> None:
        """Run with the tensors bound (binding only tensors not seen lately)."""
        recent = self._recent
        for i, (ins, outs, runner) in enumerate(recent):
            if ins is inputs and outs is outputs:
                if i:  # most recent first
                    recent.insert(0, recent.pop(i))
                runner()  # the very same binding dicts as a recent run
                return
        key = (*(inputs[n].serial for n in self.inputs),
               *(outputs[n].serial for n in self.outputs))
        runner = self._bindings.get(key)
        if runner is None:
            io = self.session.io_binding()
            for name, onnx_name in self.inputs.items():
                io.bind_ortvalue_input(onnx_name, inputs[name].value)
            for name, onnx_name in self.outputs.items():
                io.bind_ortvalue_output(onnx_name, outputs[name].value)
            runner = _fast_runner(self.session, io)
            while len(self._bindings) >= _MAX_BINDINGS:  # oldest first out
                del self._bindings[next(iter(self._bindings))]
            self._bindings[key] = runner
        recent.insert(0, (inputs, outputs, runner))
        del recent[_MAX_BINDINGS:]
        runner()

    def release(self) -> None:
        """Drop the bindings, the session and the shared constants."""
        self._bindings = {}
        self._recent = []
        self.session = None  # type: ignore[assignment]
        self._keep_alive = []


def _fast_runner(session: Any, io: Any) -> Any:
    """A no-argument callable running ``session`` on binding ``io``.

    ``InferenceSession.run_with_iobinding`` re-checks WebGPU graph-capture
    state on every call (microseconds, a third of a tiny graph's run); the
    binding here never changes between calls, so the pybind method is called
    directly when this onnxruntime has it, and the public one otherwise."""
    sess = getattr(session, "_sess", None)
    raw_io = getattr(io, "_iobinding", None)
    capture = getattr(sess, "is_webgpu_graph_capture_enabled", None)
    if sess is not None and raw_io is not None and hasattr(sess, "run_with_iobinding") \
            and not (capture is not None and capture()):
        return functools.partial(sess.run_with_iobinding, raw_io, None)
    return functools.partial(session.run_with_iobinding, io)


_LIMITS: SupportLimits | None = None


def _cuda_usable() -> bool:
    """True when this onnxruntime has the CUDA provider and a GPU answers."""
    if "CUDAExecutionProvider" not in ort.get_available_providers():
        return False
    try:
        ort.OrtValue.ortvalue_from_shape_and_type([1], np.float32, "cuda", 0)
    except Exception:  # noqa: BLE001 - no device, no driver: use the CPU
        return False
    return True


def ort_support_limits() -> SupportLimits:
    """The spec's limits less every op without a lowering."""
    global _LIMITS
    if _LIMITS is None:
        from webnnpy._spec import api_table
        from webnnpy.backends.onnxruntime.lower_ops import LOWERINGS

        exclude: dict[str, dict[str, set[str]]] = {}
        for op, entry in api_table()["ops"].items():
            if op in ("input", "constant", "build") or op in LOWERINGS:
                continue
            exclude[op] = {spec["limits_key"]: set(DATA_TYPES)
                           for spec in entry["operands"] + entry["outputs"]}
        _LIMITS = spec_support_limits(max_rank=MAX_RANK, exclude=exclude, int4=True)
    return _LIMITS


class OrtBackend(Backend):
    """The ONNX Runtime backend (``backend="onnxruntime"``)."""

    name = "onnxruntime"

    def __init__(self, *, power_preference: str = "default",
                 accelerated: bool = True) -> None:
        super().__init__(power_preference=power_preference, accelerated=accelerated)
        self.device = "cuda" if accelerated and _cuda_usable() else "cpu"
        self.providers = (["CUDAExecutionProvider", "CPUExecutionProvider"]
                          if self.device == "cuda" else ["CPUExecutionProvider"])

    def support_limits(self) -> SupportLimits:
        return ort_support_limits()

    def tensor_limits(self) -> tuple[int, int]:
        # without support_limits(), which imports every lowering (and onnx)
        return MAX_RANK, MAX_TENSOR_BYTE_LENGTH

    def describe(self) -> str:
        where = "CUDA" if self.device == "cuda" else "CPU"
        return (f"ONNX Runtime {ort.__version__} ({self.providers[0]}, {where}), "
                f"ONNX opset {OPSET}")

    # ------------------------------------------------------------- graphs

    def session_options(self) -> ort.SessionOptions:
        """Options of every session this backend creates."""
        so = ort.SessionOptions()
        so.log_severity_level = 3  # errors only; failures raise anyway
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        # x + 0 is no no-op (IEEE: -0 + 0 = +0), which NoopElimination drops
        so.add_session_config_entry("optimization.disable_specified_optimizers",
                                    "NoopElimination")
        threads = intra_op_threads()
        if threads:
            so.intra_op_num_threads = threads
        if not intra_op_spinning():
            so.add_session_config_entry("session.intra_op.allow_spinning", "0")
        return so

    def _add_constants(self, so: ort.SessionOptions, lowered: Lowered
                       ) -> list[Any]:
        """Hand ``lowered``'s large constants to the session: those mapped
        from a file are read by ONNX Runtime from there (the model declares
        where; its folder goes in the options), the others go as OrtValues
        over their arrays.  Returns what must outlive the session."""
        keep: list[Any] = []
        if lowered.files:
            so.add_session_config_entry(
                "session.model_external_initializers_file_folder_path",
                str(lowered.folder))
        shared = [(n, a) for n, a in lowered.external if n not in lowered.files]
        if shared:
            values = [ort.OrtValue.ortvalue_from_numpy(arr) for _, arr in shared]
            so.add_external_initializers([n for n, _ in shared], values)
            keep.extend(values)
            keep.extend(arr for _, arr in shared)
        return keep

    def compile(self, graph: Graph) -> OrtGraph:
        from webnnpy.backends.onnxruntime.lower import lower

        lowered = lower(graph)
        so = self.session_options()
        keep = self._add_constants(so, lowered)
        # pages of mapped constants that the lowering read (a check of a
        # filter's values): ONNX Runtime reads the file itself
        for name, arr in lowered.external:
            if name in lowered.files:
                evict(arr)
        model = lowered.model.SerializeToString()
        try:
            session = ort.InferenceSession(model, so, providers=self.providers)
        except Exception as e:
            raise _convert("compile", "creating the session failed", e) from e
        return OrtGraph(session, lowered, keep)

    def release_graph(self, compiled: OrtGraph) -> None:
        compiled.release()

    # -------------------------------------------------------- graph cache

    def cache_fingerprint(self) -> Mapping[str, str]:
        """ORT's optimized model is specific to its version, the execution
        provider and, with NCHWc layouts and other "all"-level rewrites, the
        CPU's instruction set (ORT documents optimized models as not
        portable): all three name the cache entries."""
        return {"format": _CACHE_FORMAT, "onnxruntime": ort.__version__,
                "provider": self.providers[0], **cpu_fingerprint()}

    def export_compiled(self, compiled: OrtGraph, directory: Path
                        ) -> dict[str, Any]:
        """The graph as ONNX Runtime optimized it: ``model.onnx`` (the graph
        after every optimization ``compile`` applies) and ``weights.bin`` (its
        initializers as external data), written by a session created with
        ``optimized_model_filepath``."""
        meta = {"model": _MODEL_FILE, "inputs": dict(compiled.inputs),
                "outputs": dict(compiled.outputs)}
        if compiled.source is not None:  # loaded from the cache: copy it
            for f in compiled.source.iterdir():
                if f.is_file():
                    shutil.copyfile(f, directory / f.name)
            return meta
        lowered = compiled.lowered
        so = self.session_options()
        so.optimized_model_filepath = str(directory / _MODEL_FILE)
        so.add_session_config_entry(
            "session.optimized_model_external_initializers_file_name",
            _WEIGHTS_FILE)
        so.add_session_config_entry(
            "session.optimized_model_external_initializers_min_size_in_bytes",
            "1024")
        keep = self._add_constants(so, lowered)
        try:
            ort.InferenceSession(lowered.model.SerializeToString(), so,
                                 providers=self.providers)
        except Exception as e:
            raise _convert("compile", "writing the optimized model failed", e
                           ) from e
        del keep  # (the OrtValues lived as long as the session)
        return meta

    def import_compiled(self, directory: Path, meta: Mapping[str, Any]
                        ) -> OrtGraph:
        """A session over the saved optimized model, with ORT's graph
        optimizations off (they were applied before it was saved)."""
        inputs, outputs = meta.get("inputs"), meta.get("outputs")
        if not isinstance(inputs, dict) or not isinstance(outputs, dict):
            raise CacheEntryError(f"the entry's metadata lacks input/output "
                                  f"names: {dict(meta)!r}")
        so = self.session_options()
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
        try:
            session = ort.InferenceSession(str(directory / _MODEL_FILE), so,
                                           providers=self.providers)
        except Exception as e:  # ORT's own exception types, whatever the damage
            raise CacheEntryError(f"onnxruntime: {e}") from e
        names_in = {i.name for i in session.get_inputs()}
        names_out = {o.name for o in session.get_outputs()}
        if set(inputs.values()) != names_in or \
                not set(outputs.values()) <= names_out:
            raise CacheEntryError(f"the saved model's inputs {sorted(names_in)} "
                                  f"and outputs {sorted(names_out)} do not match "
                                  f"its metadata")
        lowered = Lowered(None, dict(inputs), dict(outputs))
        return OrtGraph(session, lowered, [], source=directory)

    # ------------------------------------------------------------ tensors

    def allocate(self, desc: Desc) -> OrtTensor:
        if desc.data_type in CARRIER_TYPES:  # int4/uint4: held as int8/uint8
            t = self.allocate(desc.with_type(CARRIER_TYPES[desc.data_type]))
            t.desc = desc
            return t
        if self.device == "cpu":
            try:
                arr = np.zeros(desc.shape, dtype=desc.data_type)
            except (MemoryError, ValueError) as e:
                raise _convert("allocate", f"allocating {desc}", e) from e
            return OrtTensor(desc, ort.OrtValue.ortvalue_from_numpy(arr), arr)
        try:
            value = ort.OrtValue.ortvalue_from_shape_and_type(
                list(desc.shape), np.dtype(desc.data_type), "cuda", 0)
            value.update_inplace(np.zeros(desc.shape, dtype=desc.data_type))
        except Exception as e:
            raise _convert("allocate", f"allocating {desc}", e) from e
        return OrtTensor(desc, value, None)

    def upload(self, desc: Desc, data: np.ndarray) -> OrtTensor:
        t = self.allocate(desc)
        self.write(t, data)
        return t

    def write(self, buffer: OrtTensor, data: np.ndarray) -> None:
        if buffer.desc.data_type in CARRIER_TYPES:  # int4/uint4: held as int8/uint8
            data = carrier(data)
        arr = buffer.array
        if arr is not None:
            if data.dtype is arr.dtype and data.shape == arr.shape:
                arr[...] = data  # compute()'s exact arrays: one plain copy
                return
            np.copyto(arr, data.reshape(arr.shape), casting="no")
            return
        try:
            buffer.value.update_inplace(np.ascontiguousarray(
                data.reshape(buffer.desc.shape)))
        except Exception as e:
            raise _convert("write", f"writing {buffer.desc}", e) from e

    def _host(self, buffer: OrtTensor) -> np.ndarray:
        if buffer.array is not None:
            return buffer.array
        try:
            return buffer.value.numpy()
        except Exception as e:
            raise _convert("read", f"reading {buffer.desc}", e) from e

    def read(self, buffer: OrtTensor) -> np.ndarray:
        host = self._host(buffer)
        if buffer.desc.data_type in CARRIER_TYPES:  # int8/uint8 -> ml_dtypes int4/uint4
            return host.astype(numpy_dtype(buffer.desc.data_type))
        return host.copy() if buffer.array is not None else host

    def read_into(self, buffer: OrtTensor, out: np.ndarray) -> None:
        host = self._host(buffer)
        if buffer.desc.data_type in CARRIER_TYPES:
            host = host.astype(numpy_dtype(buffer.desc.data_type))
        np.copyto(out, host if host.shape == out.shape else host.reshape(out.shape),
                  casting="no")

    def release(self, buffer: OrtTensor) -> None:
        buffer.value = None
        buffer.array = None

    # ------------------------------------------------------------ dispatch

    def dispatch(self, compiled: OrtGraph, inputs: Mapping[str, OrtTensor],
                 outputs: Mapping[str, OrtTensor]) -> None:
        try:
            compiled.run(inputs, outputs)
        except Exception as e:
            raise _convert("dispatch", "running the graph failed", e) from e

