"""Import ONNX models as WebNN graphs.

    >>> from webnnpy.models import onnx as wonnx
    >>> m = wonnx.load("model.onnx", dims={"batch": 1})
    >>> outputs = m.run({"x": x})                  # or wonnx.run(m, {...})
    >>> m = wonnx.load("bert.onnx", max_dims={"seq": 512})  # free dims kept
    >>> m.input_shapes                             # {'input_ids': ['batch', 'seq']}
    >>> m.run({"input_ids": ids})                  # one graph per input shape
    >>> print(wonnx.inspect("model.onnx"))         # every node: maps or why not

:func:`load` turns a model (a path, bytes or an ``onnx.ModelProto``, with
external data) into an ``MLGraph`` by calls on the public ``MLGraphBuilder``,
so the spec's validation applies to every imported operator.  WebNN graphs
are static: free dimensions are fixed by ``dims=`` (or the model), and shape
computations are folded at import.  Free dimensions that ``dims=`` leaves
open stay symbolic: each ``run()`` with a new shape signature builds a
static graph for it once, kept in a bounded LRU cache (``max_graphs=``);
``max_dims=`` declares maxima, and a shape that breaks them, or the model's
declared shapes, raises :class:`InputShapeError` (a ``TypeError``) first.
Ops map through the handler table (``handlers/``), or through their ONNX
function body; an op that cannot be expressed raises
:class:`UnsupportedNodeError` naming the node, its op type and why, and
:func:`inspect` lists every such node.

``python -m webnnpy.models.onnx.node_tests`` runs ONNX's backend node tests
through the importer; ``webnnpy inspect`` / ``webnnpy run`` are the command
line (:mod:`webnnpy.models.onnx.cli`).  Needs the ``onnx`` package;
``import webnnpy`` does not import it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from webnnpy.models.onnx.dims import InputShapeError
from webnnpy.models.onnx.errors import (
    ExternalDataError,
    InvalidDimsError,
    InvalidModelError,
    InvalidNodeError,
    NeedsConstantError,
    OnnxImportError,
    UnsupportedModelError,
    UnsupportedNodeError,
)
from webnnpy.models.onnx.imported import ImportedModel, load, run

if TYPE_CHECKING:
    from webnnpy.models.onnx.generate import Decoder, FixedCacheDecoder, Generation
    from webnnpy.models.onnx.inspection import InspectReport, NodeReport, inspect

__all__ = [
    "Decoder",
    "ExternalDataError",
    "FixedCacheDecoder",
    "Generation",
    "ImportedModel",
    "InputShapeError",
    "InspectReport",
    "InvalidDimsError",
    "InvalidModelError",
    "InvalidNodeError",
    "NeedsConstantError",
    "NodeReport",
    "OnnxImportError",
    "UnsupportedModelError",
    "UnsupportedNodeError",
    "inspect",
    "load",
    "run",
]


def __getattr__(name: str) -> object:
    # imported on first use: the decoding loop (webnnpy.models.onnx.generate)
    # and inspect, which import onnx; a load() that finds the model in the
    # graph cache imports neither
    if name in ("Decoder", "FixedCacheDecoder", "Generation"):
        from webnnpy.models.onnx import generate

        return getattr(generate, name)
    if name in ("InspectReport", "NodeReport", "inspect"):
        from webnnpy.models.onnx import inspection

        return getattr(inspection, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
