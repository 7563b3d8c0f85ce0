"""NumpyBackend: runs an IR graph node by node with the reference kernels."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from webnnpy.backends.base import Backend, SupportLimits, spec_support_limits
from webnnpy.backends.errors import AllocationError, CacheEntryError, UnsupportedError
from webnnpy.backends.numpy.kernels import KERNELS
from webnnpy.ir.descriptor import Desc
from webnnpy.ir.graph import Graph, Node, Value

__all__ = ["MAX_RANK", "NumpyBackend", "Program"]

logger = logging.getLogger("webnnpy.numpy")

#: Highest rank the reference backend claims where the spec allows any ("N").
MAX_RANK = 8

_LIMITS: SupportLimits | None = None


class Program:
    """A compiled graph: the IR plus its kernels, looked up once."""

    def __init__(self, graph: Graph) -> None:
        missing = sorted({n.op for n in graph.nodes if n.op not in KERNELS})
        if missing:
            raise UnsupportedError(f"no reference kernel for {', '.join(missing)}")
        self.graph = graph
        self.steps = [(node, KERNELS[node.op]) for node in graph.nodes]

    def run(self, feeds: Mapping[str, np.ndarray], *, verbose: bool = False
            ) -> dict[str, np.ndarray]:
        """Execute with graph-input arrays; returns output arrays by name."""
        env: dict[int, np.ndarray] = {}
        for name, v in self.graph.inputs.items():
            env[id(v)] = feeds[name]

        def get(v: Value) -> np.ndarray:
            if v.constant is not None:
                return v.constant
            return env[id(v)]

        for node, kernel in self.steps:
            ins: dict[str, Any] = {}
            for arg, val in node.operands.items():
                if val is None:
                    ins[arg] = None
                elif isinstance(val, list):
                    ins[arg] = [get(v) for v in val]
                else:
                    ins[arg] = get(val)
            results = kernel(node, ins)
            _check_results(node, results)
            for v, r in zip(node.outputs, results, strict=True):
                env[id(v)] = r
            if verbose:
                logger.info("%s%s -> %s", node.op,
                            f" [{node.label}]" if node.label else "",
                            ", ".join(str(v.desc) for v in node.outputs))
        return {name: get(v) for name, v in self.graph.outputs.items()}


def _check_results(node: Node, results: list[np.ndarray]) -> None:
    """Cross-check a kernel against the IR: same count, dtype and shape."""
    if len(results) != len(node.outputs):
        raise AssertionError(f"{node.op}: kernel gave {len(results)} outputs, "
                             f"IR has {len(node.outputs)}")
    for v, r in zip(node.outputs, results, strict=True):
        d = v.desc
        if r.dtype != np.dtype(d.data_type) or tuple(r.shape) != d.shape:
            raise AssertionError(
                f"{node.op}: kernel gave {r.dtype}{list(r.shape)}, IR says {d}")


class NumpyBackend(Backend):
    """The reference backend (``backend="numpy"``)."""

    name = "numpy"

    def support_limits(self) -> SupportLimits:
        global _LIMITS
        if _LIMITS is None:
            _LIMITS = spec_support_limits(max_rank=MAX_RANK, int4=True)
        return _LIMITS

    def describe(self) -> str:
        return f"NumPy {np.__version__} reference (float64 inside), CPU"

    def compile(self, graph: Graph) -> Program:
        return Program(graph)

    # graph cache: the compiled form is the IR itself (graph_io.py)

    def cache_fingerprint(self) -> Mapping[str, str]:
        from webnnpy.backends.numpy.graph_io import FORMAT

        return {"format": FORMAT}

    def export_compiled(self, compiled: Program, directory: Path) -> dict[str, Any]:
        from webnnpy.backends.numpy.graph_io import write_graph

        return write_graph(compiled.graph, directory)

    def import_compiled(self, directory: Path, meta: Mapping[str, Any]) -> Program:
        from webnnpy.backends.numpy.graph_io import read_graph

        try:
            return Program(read_graph(directory))
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise CacheEntryError(f"numpy: {e}") from e

    def allocate(self, desc: Desc) -> np.ndarray:
        try:
            return np.zeros(desc.shape, dtype=desc.data_type)
        except (MemoryError, ValueError) as e:
            raise AllocationError(f"numpy: allocating {desc}: {e}") from e

    def upload(self, desc: Desc, data: np.ndarray) -> np.ndarray:
        return np.array(data, dtype=desc.data_type).reshape(desc.shape)

    def write(self, buffer: np.ndarray, data: np.ndarray) -> None:
        if data.dtype is buffer.dtype and data.shape == buffer.shape:
            buffer[...] = data  # the common case, without copyto's overhead
            return
        np.copyto(buffer, data.reshape(buffer.shape), casting="no")

    def read(self, buffer: np.ndarray) -> np.ndarray:
        return buffer.copy()

    def read_into(self, buffer: np.ndarray, out: np.ndarray) -> None:
        np.copyto(out, buffer.reshape(out.shape), casting="no")

    def dispatch(self, compiled: Program, inputs: Mapping[str, np.ndarray],
                 outputs: Mapping[str, np.ndarray]) -> None:
        results = compiled.run(inputs)
        for name, buf in outputs.items():
            np.copyto(buf, results[name], casting="no")
