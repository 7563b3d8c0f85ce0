"""MLGraph: a compiled, immutable graph bound to one context."""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from webnnpy.api.descriptors import MLOperandDescriptor
from webnnpy.ir.graph import Graph

if TYPE_CHECKING:
    from webnnpy.api.context import MLContext
    from webnnpy.api.dynamic import DynamicInputs

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
        # dynamic input dimensions (an extension, webnnpy.api.dynamic): what
        # was declared, the outputs' shapes with them, and the static graphs
        # compiled for concrete sizes (signature -> MLGraph, LRU order)
        self._dynamic: DynamicInputs | None = None
        self._sym_outputs: dict[str, tuple[Any, ...]] = {}
        self._specialized: OrderedDict[tuple[Any, ...], MLGraph] = OrderedDict()
        self._specialized_lock = threading.Lock()
        # (inputs, outputs, tensors, timeline work) of the last dispatch that
        # passed validation, so that repeating it skips the unchanged checks
        self._last_binding: tuple[Any, Any, tuple[Any, ...], Any] | None = None
        # the one before it (a decoder alternating two cache sets)
        self._prev_binding: tuple[Any, Any, tuple[Any, ...], Any] | None = None
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
        if self._dynamic is not None:
            from webnnpy.api.dynamic import MLDynamicDimension

            dyn = self._dynamic

            def sym(n: str) -> Any:  # ints and MLDynamicDimensions
                return tuple(MLDynamicDimension(s, dyn.max_sizes[s])
                             if isinstance(s, str) else s for s in dyn.shapes[n])

            return {n: MLOperandDescriptor(d.data_type, sym(n))
                    for n, d in self._input_descs.items()}
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
        return {n: MLOperandDescriptor(d.data_type,
                                       self._sym_outputs.get(n, d.shape))
                for n, d in self._output_descs.items()}

    def compute_shapes(self, input_shapes: Mapping[str, Sequence[int]]
                       ) -> dict[str, list[int]]:
        """The shape of every output for the given input shapes, by the same
        shape inference a dispatch runs, without running the graph (the
        dynamic-shape explainer's ``computeShapes``, a declared extension).

        Raises:
            TypeError: inputs that do not match the graph's names, ranks,
                static sizes or dynamic dimensions' bounds, or sizes an op
                refuses (naming it).
        """
        from webnnpy.api.dynamic import check_concrete
        from webnnpy.ir.specialize import specialize

        where = "compute_shapes"
        if not isinstance(input_shapes, Mapping) or \
                set(input_shapes) != set(self._input_descs):
            raise TypeError(f"{where}: input_shapes must name exactly the graph's "
                            f"inputs {sorted(self._input_descs)}")
        if self._dynamic is None:
            for n, d in self._input_descs.items():
                if tuple(input_shapes[n]) != d.shape:
                    raise TypeError(f"{where}: input {n!r} has shape "
                                    f"{list(d.shape)}, not {list(input_shapes[n])}")
            return {n: list(d.shape) for n, d in self._output_descs.items()}
        shapes = check_concrete(where, self._dynamic, input_shapes)
        g = specialize(self._ir, shapes)
        return {n: list(v.desc.shape) for n, v in g.outputs.items()}

    # Spec: undefined destroy() #api-mlgraph-destroy
    def destroy(self) -> None:
        """Release the graph's resources.  Idempotent."""
        if self._destroyed:
            return
        self._destroyed = True
        with self._specialized_lock:
            specialized = list(self._specialized.values())
            self._specialized.clear()
        for g in specialized:
            g.destroy()
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
