"""Zoo models imported as WebNN graphs, cached per process.

One MLContext per backend name and one
:class:`~webnnpy.models.onnx.ImportedModel` per (model, input shapes,
backend): a model with free dimensions is imported once per shape it meets,
through the on-disk graph cache (``load(..., cache=True)``), so a later
process loads the compiled graphs without parsing the files.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["context", "imported", "metadata", "proto"]

_lock = threading.RLock()
_contexts: dict[str | None, Any] = {}
_protos: dict[str, Any] = {}
_imported: dict[tuple[Any, ...], Any] = {}
_metadata: dict[str, dict[str, str]] = {}


def context(backend: str | None = None) -> Any:
    """The process's MLContext for ``backend`` (None: the default one)."""
    from webnnpy import ml

    with _lock:
        ctx = _contexts.get(backend)
        if ctx is None or ctx.lost.done():
            ctx = (ml.create_context(backend=backend) if backend
                   else ml.create_context())
            _contexts[backend] = ctx
        return ctx


def proto(name: str) -> Any:
    """The zoo model ``name`` as an ``onnx.ModelProto`` (loaded once)."""
    import onnx

    from webnnpy.models import zoo

    with _lock:
        p = _protos.get(name)
        if p is None:
            p = onnx.load(str(zoo.find_model(name)))
            _metadata[name] = {e.key: e.value for e in p.metadata_props}
            _protos[name] = p
        return p


def metadata(name: str) -> dict[str, str]:
    """The zoo model's ONNX metadata (``metadata_props``): from an import of
    it in this process (which may have come from the graph cache, without
    parsing the file), else from the parsed file."""
    with _lock:
        if name not in _metadata:
            for key, m in _imported.items():
                if key[0] == name:
                    _metadata[name] = dict(m.metadata_props)
                    break
            else:
                proto(name)
        return _metadata[name]


def imported(name: str, shapes: Mapping[str, Sequence[int]], *,
             backend: str | None = None,
             constants: Mapping[str, Any] | None = None) -> Any:
    """The zoo model ``name`` imported with these input shapes on the
    process's context for ``backend`` (cached).  ``constants`` (graph inputs
    fixed at import) must be hashable as ``repr``."""
    from webnnpy.models import onnx as wonnx
    from webnnpy.models import zoo

    key = (name, tuple((k, tuple(v)) for k, v in sorted(shapes.items())), backend,
           repr(sorted((constants or {}).items())))
    with _lock:
        m = _imported.get(key)
        if m is None or m.context.lost.done():
            dims = {k: [int(d) for d in v] for k, v in shapes.items()}
            # from the file, through the on-disk graph cache: a later process
            # loads the compiled graph instead of parsing and importing
            m = wonnx.load(str(zoo.find_model(name)), dims=dims,
                           context=context(backend), constants=constants,
                           cache=True)
            _imported[key] = m
        return m
