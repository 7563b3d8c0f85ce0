"""Zoo models imported as WebNN graphs, cached per process.

One MLContext per backend name, one ``onnx.ModelProto`` per zoo model, and
one :class:`~webnnpy.models.onnx.ImportedModel` per (model, input shapes,
backend): a model with free dimensions is imported once per shape it meets.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["context", "imported", "metadata", "proto", "vector_gather_indices"]

_lock = threading.RLock()
_contexts: dict[str | None, Any] = {}
_protos: dict[str, Any] = {}
_imported: dict[tuple[Any, ...], Any] = {}
_metadata: dict[str, dict[str, str]] = {}

#: opset the models are raised to before import (see ``proto``)
_MIN_OPSET = 13


def context(backend: str | None = None) -> Any:
    """The process's MLContext for ``backend`` (None: the default one)."""
    from webnnpy import ml

    with _lock:
        ctx = _contexts.get(backend)
        if ctx is None or ctx._is_lost:
            ctx = (ml.create_context(backend=backend) if backend
                   else ml.create_context())
            _contexts[backend] = ctx
        return ctx


def proto(name: str) -> Any:
    """The zoo model ``name`` as an ``onnx.ModelProto``, ready to import.

    Models of the standard domain below opset 13 are converted to opset 13
    first (``onnx.version_converter``).  Workaround: the importer folds
    constant nodes with ``onnx.reference.ReferenceEvaluator(node, opsets=...)``,
    which ignores ``opsets`` for a lone NodeProto and runs the newest schema,
    so an opset-11 ``Unsqueeze`` with an ``axes`` attribute (PP-OCRv6 rec,
    node ``Unsqueeze.2`` on a shape value) does not fold, and the ``Reshape``
    it feeds has no static shape.  The conversion to 13 moves those axes to
    inputs; the outputs are compared with ONNX Runtime on the original file
    in ``tests/models/test_real_models.py``.

    Then :func:`vector_gather_indices` rewrites Gathers by a scalar constant
    index (silero-vad's state), see there.
    """
    import onnx

    from webnnpy.models import zoo

    with _lock:
        p = _protos.get(name)
        if p is None:
            p = onnx.load(str(zoo.find_model(name)))
            _metadata[name] = {e.key: e.value for e in p.metadata_props}
            opset = max((o.version for o in p.opset_import
                         if o.domain in ("", "ai.onnx")), default=_MIN_OPSET)
            if opset < _MIN_OPSET:
                from onnx import version_converter

                p = version_converter.convert_version(p, _MIN_OPSET)
            vector_gather_indices(p)
            _protos[name] = p
        return p


def metadata(name: str) -> dict[str, str]:
    """The zoo model's ONNX metadata (``metadata_props``)."""
    with _lock:
        if name not in _metadata:
            proto(name)
        return _metadata[name]


def imported(name: str, shapes: Mapping[str, Sequence[int]], *,
             backend: str | None = None,
             constants: Mapping[str, Any] | None = None) -> Any:
    """The zoo model ``name`` imported with these input shapes on the
    process's context for ``backend`` (cached).  ``constants`` (graph inputs
    fixed at import) must be hashable as ``repr``."""
    from webnnpy.models import onnx as wonnx

    key = (name, tuple((k, tuple(v)) for k, v in sorted(shapes.items())), backend,
           repr(sorted((constants or {}).items())))
    with _lock:
        m = _imported.get(key)
        if m is None or m.context._is_lost:
            dims = {k: [int(d) for d in v] for k, v in shapes.items()}
            m = wonnx.load(proto(name), dims=dims, context=context(backend),
                           constants=constants)
            _imported[key] = m
        return m


def vector_gather_indices(model: Any) -> int:
    """Rewrite, in place, every ``Gather(data, k, axis)`` whose index ``k``
    is a 0-d integer constant as ``Squeeze(Gather(data, [k], axis), [axis])``
    (the same values); returns how many were rewritten.

    Workaround: the ONNX Runtime backend lowers a WebNN ``gather`` whose
    constant indices are 0-d with 1-D indices (``_clamped`` in
    ``backends/onnxruntime/lower_ops/gather_scatter.py``: ``np.clip`` with
    list bounds and ``np.ascontiguousarray`` both make a 0-d array 1-D), so
    the lowered Gather keeps the axis and the build fails ("gather output 0:
    ONNX infers float32[1, 1, 128], IR says float32[1, 128]").  silero-vad
    reads its LSTM state with ``Gather(state, 0)`` and ``Gather(state, 1)``.
    """
    import numpy as np
    import onnx
    from onnx import helper, numpy_helper

    scalars: dict[str, np.ndarray] = {}

    def collect(g: Any) -> None:
        for t in g.initializer:
            if not t.dims and t.data_type in (onnx.TensorProto.INT64,
                                              onnx.TensorProto.INT32):
                scalars[t.name] = numpy_helper.to_array(t)
        for n in g.node:
            if n.op_type == "Constant" and n.domain in ("", "ai.onnx"):
                for a in n.attribute:
                    if a.name == "value" and not a.t.dims and a.t.data_type in (
                            onnx.TensorProto.INT64, onnx.TensorProto.INT32):
                        scalars[n.output[0]] = numpy_helper.to_array(a.t)
            for a in n.attribute:
                if a.type == onnx.AttributeProto.GRAPH:
                    collect(a.g)
                elif a.type == onnx.AttributeProto.GRAPHS:
                    for sub in a.graphs:
                        collect(sub)

    collect(model.graph)
    count = 0

    def rewrite(g: Any) -> None:
        nonlocal count
        nodes = list(g.node)
        out = []
        for n in nodes:
            for a in n.attribute:
                if a.type == onnx.AttributeProto.GRAPH:
                    rewrite(a.g)
                elif a.type == onnx.AttributeProto.GRAPHS:
                    for sub in a.graphs:
                        rewrite(sub)
            if (n.op_type != "Gather" or n.domain not in ("", "ai.onnx")
                    or len(n.input) < 2 or n.input[1] not in scalars):
                out.append(n)
                continue
            count += 1
            axis = next((int(a.i) for a in n.attribute if a.name == "axis"), 0)
            base = f"{n.output[0]}__vector_gather"
            idx = np.asarray(scalars[n.input[1]]).reshape(1)
            out.append(helper.make_node(
                "Constant", [], [f"{base}_index"],
                value=numpy_helper.from_array(idx, f"{base}_index")))
            out.append(helper.make_node(
                "Gather", [n.input[0], f"{base}_index"], [f"{base}_out"],
                name=n.name, axis=axis))
            out.append(helper.make_node(
                "Constant", [], [f"{base}_axes"],
                value=numpy_helper.from_array(np.array([axis], np.int64),
                                              f"{base}_axes")))
            out.append(helper.make_node("Squeeze", [f"{base}_out", f"{base}_axes"],
                                        [n.output[0]], name=f"{n.name}__squeeze"))
        del g.node[:]
        g.node.extend(out)

    rewrite(model.graph)
    return count
