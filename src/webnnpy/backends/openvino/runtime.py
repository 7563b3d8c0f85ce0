"""OpenVinoBackend: WebNN graphs compiled to one OpenVINO ``CompiledModel`` each.

- ``compile``: lower the IR (``lower.py``) to one ``openvino.Model`` built with
  the graph API (never through an ONNX file) and compile it once on "CPU"
  (on "GPU" or "NPU" for ``accelerated`` contexts where OpenVINO lists such a
  device; ``describe()`` says which).  float32 graphs compile with
  ``INFERENCE_PRECISION_HINT`` f32, so the CPU plugin never runs them in
  bf16/f16 on a CPU that has those instructions (AMX, AVX512_FP16).
- tensors are :class:`OvTensor`: a NumPy array and an ``ov.Tensor`` over the
  same memory, so ``write`` and ``read_into`` are one copy each.
- ``dispatch`` hands the tensors to the graph's one infer request
  (``set_input_tensor``/``set_output_tensor``: OpenVINO reads the inputs and
  writes the results in place) and reuses that binding while the same tensors
  come back.
- graph cache (``MLContext.save_graph``/``load_graph``): an entry is
  ``CompiledModel.export_model()``'s blob, read back by ``core.import_model``
  with the same properties; entries are named by OpenVINO's version, the
  device and the CPU (``cache_fingerprint``).

Errors are converted at this boundary: OpenVINO's exception stays as
``__cause__``.  Imported only through the backend registry.
"""

from __future__ import annotations

import io
import itertools
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import openvino as ov

from webnnpy.backends.base import (
    Backend,
    SupportLimits,
    cpu_fingerprint,
    host_read,
    host_read_into,
    host_write,
    spec_support_limits,
)
from webnnpy.backends.errors import (
    AllocationError,
    CacheEntryError,
    CompileError,
    ExecutionError,
)
from webnnpy.backends.openvino.emitter import LoweringError
from webnnpy.dtypes import CARRIER_TYPES, DATA_TYPES
from webnnpy.ir.descriptor import Desc
from webnnpy.ir.graph import Graph

if TYPE_CHECKING:
    from webnnpy.backends.openvino.lower import Lowered

__all__ = ["MAX_RANK", "OpenVinoBackend", "OvGraph", "OvTensor",
           "ov_support_limits"]

#: Highest rank claimed where the spec allows any ("N").
MAX_RANK = 8

#: 64-bit integer types: the CPU plugin runs int64 and uint64 tensors as
#: int32 (inputs, constants and every operator: 2**40 + 1 becomes 1), so the
#: lowered graph holds them as int32 (low, high) word pairs and the operators
#: of ``wide.WIDE_OPS`` compute on the words exactly; the others leave them
#: out, except indices: argMin/argMax's int64 indices fit in int32, and int64
#: index operands are clamped exactly from their words.
WIDE_KEYS = frozenset({("argMin", "output"), ("argMax", "output"),
                       ("gather", "indices"), ("gatherElements", "indices"),
                       ("gatherND", "indices"), ("scatterElements", "indices"),
                       ("scatterND", "indices")})

_serials = itertools.count(1)
#: cache entry layout version, and its one file
_CACHE_FORMAT = "1"
_BLOB_FILE = "model.blob"
#: the compile_model properties of every graph (see ``OpenVinoBackend.config``)
_COMPILE_CONFIG = {"INFERENCE_PRECISION_HINT": "f32", "PERFORMANCE_HINT": "LATENCY"}
_CORE: ov.Core | None = None


def core() -> ov.Core:
    """The process's one ``ov.Core``."""
    global _CORE
    if _CORE is None:
        _CORE = ov.Core()
    return _CORE


class OvTensor:
    """A tensor buffer: a NumPy array and the ``ov.Tensor`` sharing it."""

    __slots__ = ("array", "desc", "serial", "tensor")

    def __init__(self, desc: Desc, array: np.ndarray) -> None:
        self.desc = desc
        self.array = array
        view = array
        if array.dtype in (np.int64, np.uint64):  # int32 (low, high) pairs, see wide.py
            view = array.reshape(-1).view(np.int32).reshape(*array.shape, 2)
        self.tensor = ov.Tensor(view, shared_memory=True)
        #: identifies the buffer in dispatch's binding cache (never reused)
        self.serial = next(_serials)


class OvGraph:
    """A compiled graph: its CompiledModel, its infer request and the port
    index of each WebNN input and output."""

    def __init__(self, compiled: Any, lowered: Lowered | None, device: str, *,
                 inputs: Mapping[str, int] | None = None,
                 outputs: Mapping[str, int] | None = None) -> None:
        self.compiled = compiled
        self.request = compiled.create_infer_request()
        self.lowered = lowered
        self.device = device
        #: WebNN input/output name -> port index
        self.inputs: dict[str, int] = dict(
            lowered.inputs if lowered is not None else inputs or {})
        self.outputs: dict[str, int] = dict(
            lowered.outputs if lowered is not None else outputs or {})
        self._bound: tuple[int, ...] = ()
        #: the cache entry directory an imported graph came from
        self.source: Path | None = None
        #: an imported graph's blob, whose constants the plugin uses in place
        self.blob: np.ndarray | None = None

    def run(self, inputs: Mapping[str, OvTensor], outputs: Mapping[str, OvTensor]
            ) -> None:
        """Run with the tensors bound (rebinding only when they change)."""
        key = (*(inputs[n].serial for n in self.inputs),
               *(outputs[n].serial for n in self.outputs))
        req = self.request
        if key != self._bound:
            for name, i in self.inputs.items():
                req.set_input_tensor(i, inputs[name].tensor)
            for name, i in self.outputs.items():
                req.set_output_tensor(i, outputs[name].tensor)
            self._bound = key
        req.infer()

    def release(self) -> None:
        """Drop the request, the compiled model and the shared constants."""
        self.request = None
        self.compiled = None
        self.blob = None  # after the compiled model that may use it
        self._bound = ()


_LIMITS: SupportLimits | None = None


def ov_support_limits() -> SupportLimits:
    """The spec's limits less every op without a lowering and every data type
    a lowering family excludes."""
    global _LIMITS
    if _LIMITS is None:
        from webnnpy._spec import api_table
        from webnnpy.backends.openvino.lower import LOWERINGS
        from webnnpy.backends.openvino.lower_ops import EXCLUDE
        from webnnpy.backends.openvino.wide import WIDE, WIDE_OPS

        exclude: dict[str, dict[str, set[str]]] = {
            op: {k: set(v) for k, v in keys.items()} for op, keys in EXCLUDE.items()}
        for op, entry in api_table()["ops"].items():
            if op in ("input", "constant", "build"):
                continue
            specs = entry["operands"] + entry["outputs"]
            if op not in LOWERINGS:
                exclude[op] = {spec["limits_key"]: set(DATA_TYPES) for spec in specs}
                continue
            if op in WIDE_OPS:
                continue
            for spec in specs:
                if (op, spec["limits_key"]) not in WIDE_KEYS:
                    exclude.setdefault(op, {}).setdefault(
                        spec["limits_key"], set()).update(WIDE)
        limits = spec_support_limits(max_rank=MAX_RANK, exclude=exclude, int4=True)
        _LIMITS = limits
    return _LIMITS


def pick_device(accelerated: bool) -> str:
    """"GPU" or "NPU" for an accelerated context where OpenVINO has one, else
    "CPU"."""
    if accelerated:
        try:
            devices = core().available_devices
        except Exception:  # noqa: BLE001 - no plugin answers: use the CPU
            devices = []
        for kind in ("GPU", "NPU"):
            for d in devices:
                if d == kind or d.startswith(kind + "."):
                    return d
    return "CPU"


class OpenVinoBackend(Backend):
    """The OpenVINO backend (``backend="openvino"``)."""

    name = "openvino"

    def __init__(self, *, power_preference: str = "default",
                 accelerated: bool = True) -> None:
        super().__init__(power_preference=power_preference, accelerated=accelerated)
        self.device = pick_device(accelerated)

    def support_limits(self) -> SupportLimits:
        return ov_support_limits()

    def describe(self) -> str:
        why = ""
        if self.accelerated and self.device == "CPU":
            why = "; no GPU/NPU device found, so CPU"
        return f"OpenVINO {ov.get_version().split('-')[0]} ({self.device}{why})"

    # ------------------------------------------------------------- graphs

    def config(self, graph: Graph) -> dict[str, str]:
        """The compile_model properties of ``graph``: float32 inference
        precision always (float32 graphs never run in bf16/f16; float16
        graphs compute in float32 and round their float16 results, see
        ``lower.py``), and latency-oriented scheduling (one request)."""
        return dict(_COMPILE_CONFIG)

    def compile(self, graph: Graph) -> OvGraph:
        from webnnpy.backends.openvino.lower import lower

        lowered = lower(graph)
        try:
            compiled = core().compile_model(lowered.model, self.device,
                                            self.config(graph))
        except Exception as e:
            raise CompileError(f"openvino: compiling the graph failed on "
                               f"{self.device}: {e}") from e
        return OvGraph(compiled, lowered, self.device)

    def release_graph(self, compiled: OvGraph) -> None:
        compiled.release()

    # -------------------------------------------------------- graph cache

    def cache_fingerprint(self) -> Mapping[str, str]:
        """A compiled model is specific to the OpenVINO version, the device
        and (on the CPU plugin, which picks kernels by instruction set) the
        CPU: all name the cache entries."""
        return {"format": _CACHE_FORMAT, "openvino": ov.get_version(),
                "device": self.device, **cpu_fingerprint()}

    def export_compiled(self, compiled: OvGraph, directory: Path
                        ) -> dict[str, Any]:
        """``model.blob``: ``CompiledModel.export_model()``'s bytes (the
        compiled model, its constants included)."""
        meta = {"model": _BLOB_FILE, "inputs": dict(compiled.inputs),
                "outputs": dict(compiled.outputs), "config": dict(_COMPILE_CONFIG)}
        if compiled.source is not None:  # imported (whose re-export fails): copy
            shutil.copyfile(compiled.source / _BLOB_FILE, directory / _BLOB_FILE)
            return meta
        try:
            blob = compiled.compiled.export_model()
        except Exception as e:
            raise CompileError(f"openvino: exporting the compiled graph failed: "
                               f"{e}") from e
        data = blob.getvalue() if hasattr(blob, "getvalue") else bytes(blob)
        (directory / _BLOB_FILE).write_bytes(data)
        return meta

    def import_compiled(self, directory: Path, meta: Mapping[str, Any]
                        ) -> OvGraph:
        """``core.import_model`` of the saved blob, with the compile
        properties it was made with."""
        inputs, outputs = meta.get("inputs"), meta.get("outputs")
        config = meta.get("config")
        if not isinstance(inputs, dict) or not isinstance(outputs, dict) \
                or not isinstance(config, dict):
            raise CacheEntryError(f"the entry's metadata lacks input/output names "
                                  f"or its config: {dict(meta)!r}")
        # the blob read into an array that an ov.Tensor shares: the CPU plugin
        # then uses the constants in place instead of copying them out of a
        # stream (the OCR detector, 10 MB: 69 vs 76 ms), so the array lives
        # as long as the graph (OvGraph.blob)
        try:
            data = np.fromfile(directory / _BLOB_FILE, dtype=np.uint8)
        except (OSError, ValueError) as e:
            raise CacheEntryError(f"openvino: reading {_BLOB_FILE}: {e}") from e
        try:
            try:
                compiled = core().import_model(ov.Tensor(data, shared_memory=True),
                                               self.device, config)
            except TypeError:  # an OpenVINO that imports from streams only
                compiled = core().import_model(io.BytesIO(data.tobytes()),
                                               self.device, config)
        except Exception as e:  # OpenVINO's RuntimeError, whatever the damage
            raise CacheEntryError(f"openvino: {e}") from e
        n_in, n_out = len(compiled.inputs), len(compiled.outputs)
        ports_in = sorted(int(i) for i in inputs.values())
        ports_out = sorted(int(i) for i in outputs.values())
        if ports_in != list(range(n_in)) or ports_out != list(range(n_out)):
            raise CacheEntryError(f"the saved model has {n_in} inputs and {n_out} "
                                  f"outputs; its metadata names ports {ports_in} "
                                  f"and {ports_out}")
        graph = OvGraph(compiled, None, self.device,
                        inputs={k: int(v) for k, v in inputs.items()},
                        outputs={k: int(v) for k, v in outputs.items()})
        graph.source = directory
        graph.blob = data
        return graph

    # ------------------------------------------------------------ tensors

    def allocate(self, desc: Desc) -> OvTensor:
        try:
            return OvTensor(desc, np.zeros(desc.shape, dtype=CARRIER_TYPES.get(
                desc.data_type, desc.data_type)))  # int4/uint4 as int8/uint8
        except Exception as e:
            raise AllocationError(f"openvino: allocating {desc}: {e}") from e

    def upload(self, desc: Desc, data: np.ndarray) -> OvTensor:
        t = self.allocate(desc)
        self.write(t, data)
        return t

    def write(self, buffer: OvTensor, data: np.ndarray) -> None:
        host_write(buffer.array, data)

    def read(self, buffer: OvTensor) -> np.ndarray:
        return host_read(buffer.array, buffer.desc)

    def read_into(self, buffer: OvTensor, out: np.ndarray) -> None:
        host_read_into(buffer.array, buffer.desc, out)

    def release(self, buffer: OvTensor) -> None:
        buffer.tensor = None  # type: ignore[assignment]

    # ------------------------------------------------------------ dispatch

    def dispatch(self, compiled: OvGraph, inputs: Mapping[str, OvTensor],
                 outputs: Mapping[str, OvTensor]) -> None:
        try:
            compiled.run(inputs, outputs)
        except Exception as e:
            raise ExecutionError(f"openvino: running the graph failed: {e}") from e


__all__ += ["LoweringError"]
