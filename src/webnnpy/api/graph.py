"""MLGraph: a compiled, immutable graph bound to one context."""

from __future__ import annotations

import threading
import weakref
from typing import TYPE_CHECKING, Any

from webnnpy.api.descriptors import MLOperandDescriptor
from webnnpy.ir.graph import Graph

if TYPE_CHECKING:
    from webnnpy.api.context import MLContext

__all__ = ["MLGraph"]


# Spec: interface MLGraph #api-mlgraph
class MLGraph:
    """A graph built by ``MLGraphBuilder.build``; run it with
    ``MLContext.dispatch``."""

    def __init__(self, context: MLContext, ir: Graph) -> None:
        self._context_ref = weakref.ref(context)
        self._ir = ir
        self._input_descs = {n: v.desc for n, v in ir.inputs.items()}
        self._output_descs = {n: v.desc for n, v in ir.outputs.items()}
        self._impl: Any = None
        self._destroyed = False
        # (inputs, outputs, tensors, timeline work) of the last dispatch that
        # passed validation, so that repeating it skips the unchanged checks
        self._last_binding: tuple[Any, Any, tuple[Any, ...], Any] | None = None
        # what MLContext.compute() reuses (its tensors...), made on first use
        # under the lock
        self._compute: Any = None
        self._compute_lock = threading.Lock()

    @property
    def _context(self) -> MLContext | None:
        return self._context_ref()

    @property
    def inputs(self) -> dict[str, MLOperandDescriptor]:
        """The graph's input descriptors by name (a declared addition; the
        spec keeps them internal as [[inputDescriptors]])."""
        return {n: MLOperandDescriptor(d.data_type, d.shape)
                for n, d in self._input_descs.items()}

    @property
    def operator_count(self) -> int:
        """How many operators the builder recorded (0 for a graph from
        ``load_graph``; a declared addition, for diagnostics)."""
        return len(self._ir.nodes)

    @property
    def outputs(self) -> dict[str, MLOperandDescriptor]:
        """The graph's output descriptors by name (a declared addition)."""
        return {n: MLOperandDescriptor(d.data_type, d.shape)
                for n, d in self._output_descs.items()}

    # Spec: undefined destroy() #api-mlgraph-destroy
    def destroy(self) -> None:
        """Release the graph's resources.  Idempotent."""
        if self._destroyed:
            return
        self._destroyed = True
        plan, self._compute = self._compute, None
        if plan is not None:
            for group in plan.tensors:
                for t in group.values():
                    t.destroy()
        ctx = self._context
        if ctx is not None and not ctx._is_lost:
            ctx._release_graph(self)

    def __repr__(self) -> str:
        ins = ", ".join(f"{n}: {d}" for n, d in self._input_descs.items())
        outs = ", ".join(f"{n}: {d}" for n, d in self._output_descs.items())
        return f"<MLGraph ({ins}) -> ({outs}), {len(self._ir.nodes)} ops>"
