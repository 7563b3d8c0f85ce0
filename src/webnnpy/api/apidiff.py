"""Every deliberate difference between webnnpy's Python surface and the spec.

One list, each entry with its reason.  ``tests/test_api_surface.py`` fails on
any difference not declared here, and ``codegen/write_docs.py`` renders the
list into ``docs/differences.md``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["DIFFERENCES", "SPEC_READINGS", "Difference", "declared"]


@dataclass(frozen=True)
class Difference:
    """One declared difference: ``kind`` is "add" (not in the spec), "change"
    (there, but different) or "hide" (in the spec, left out); ``where`` is the
    Python name (``Class.member`` or ``Class.method(arg)``)."""

    kind: Literal["add", "change", "hide"]
    where: str
    reason: str


DIFFERENCES: tuple[Difference, ...] = (
    # --- additions
    Difference("add", "ML.create_context(backend)",
               "Choose the runtime by name (\"numpy\" is the exact reference); the "
               "default is the fastest installed backend or $WEBNNPY_BACKEND."),
    Difference("add", "MLContext.compute",
               "Run a graph on host arrays and get NumPy arrays back (creates the "
               "tensors, writes, dispatches, reads): the common case in Python "
               "scripts and tests. The spec removed compute() in favour of tensors."),
    Difference("add", "MLContext.backend",
               "The name of the backend that runs the context, for diagnostics."),
    Difference("add", "MLGraph.inputs",
               "The graph's input descriptors by name (the spec keeps them internal "
               "as [[inputDescriptors]]; the graph-cache explainer proposes exposing "
               "them); needed to bind tensors to a graph one did not build."),
    Difference("add", "MLGraph.outputs",
               "The graph's output descriptors by name, as MLGraph.inputs."),
    Difference("add", "MLOperand.rank", "len(shape), for convenience."),
    Difference("add", "MLGraphBuilder.constant(array)",
               "constant(ndarray) takes the descriptor from the array's dtype and "
               "shape."),
    # --- changes
    Difference("change", "MLContext.read_tensor",
               "Returns a NumPy array of the tensor's data type and shape instead of "
               "an ArrayBuffer (the array exposes the same bytes through the buffer "
               "protocol)."),
    Difference("change", "MLGraphBuilder.constant",
               "Python has no overloading: the three spec overloads are told apart by "
               "their arguments ((descriptor, buffer), (data_type, value), (tensor))."),
    Difference("change", "MLContext.create_tensor",
               "Runs the spec's dimension check (valid dimensions, supported rank and "
               "byte length) like create_constant_tensor does; the spec's steps omit "
               "it, which would allow zero-sized tensors."),
    Difference("change", "Promises",
               "Each Promise-returning method has a blocking form and an _async "
               "coroutine; MLContext.lost is an MLPromise (a concurrent Future that is "
               "also awaitable)."),
    Difference("change", "MLOperand.shape",
               "A tuple (the spec's FrozenArray: immutable)."),
    Difference("change", "dispatch errors",
               "The spec reports no error from a dispatch that fails on the timeline "
               "(its issue 778); webnnpy logs it and a later read_tensor of the "
               "dispatch's outputs rejects with UnknownError, so stale data is never "
               "read silently."),
    # --- left out
    Difference("hide", "ML.create_context(gpu_device)",
               "There is no WebGPU GPUDevice in Python; contexts are created from "
               "options only."),
)


def declared(where: str) -> bool:
    """True when ``where`` is a declared difference."""
    return any(d.where == where for d in DIFFERENCES)


#: How webnnpy reads places where the spec's algorithm text slips: (where, reading).
SPEC_READINGS: tuple[tuple[str, str], ...] = (
    ("isNaN / isInfinite",
     "The tensor-limits table says any data type, but the method steps throw "
     "unless the input is float32 or float16: webnnpy follows the steps."),
    ("cast algorithm (#algorithms-casting)",
     "The uint32 case calls ConvertToInt(x, 32, \"signed\"); webnnpy casts to uint32 "
     "as unsigned (range 0..2**32-1), as every other unsigned case does."),
)
