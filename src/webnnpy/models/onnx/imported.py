"""The result of :func:`webnnpy.models.onnx.load`, and the graph cache's side
of loading: what a model found in the on-disk graph cache needs, without
importing ``onnx`` or the importer (a cache hit parses nothing: the OCR
demo's warm start).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from webnnpy import MLContext, MLGraph
from webnnpy.models.feeds import feed_plan, planned_feeds
from webnnpy.models.onnx.dims import InputShapeError
from webnnpy.models.onnx.errors import InvalidDimsError

if TYPE_CHECKING:
    from onnx import ModelProto

__all__ = ["BOOL", "CACHE_FORMAT", "ImportedModel", "cache_key", "cache_try",
           "check_max_graphs", "external_digests", "from_cache_metadata", "load",
           "run", "shape_str"]

#: ``onnx.TensorProto.BOOL`` (a literal, so that this module does not import
#: onnx; tests/models/onnx/test_load_cache.py checks it)
BOOL = 9


def load(model: str | os.PathLike[str] | bytes | ModelProto, *,
         context: MLContext | None = None,
         dims: Mapping[str, Any] | None = None,
         max_dims: Mapping[str, int] | None = None,
         max_graphs: int = 8,
         min_dims: Mapping[str, int] | None = None,
         constants: Mapping[str, Any] | None = None,
         base_dir: str | os.PathLike[str] | None = None,
         keep_model: bool = False, cache: bool = False) -> ImportedModel:
    """Import an ONNX model as an MLGraph, or as one MLGraph per input shape.

    WebNN graphs are static: every operand has a fixed shape when
    ``MLGraphBuilder.build()`` runs.  A model whose inputs have free
    dimensions (a ``dim_param`` such as ``"seq"``, an unnamed or ``-1``
    dimension, no declared shape) that ``dims`` does not fix is loaded
    *symbolically*: nothing is built at load; each :meth:`ImportedModel.run`
    with a new *shape signature* (the shapes of its inputs) fixes the free
    dimensions from the arrays, checks them (see below), builds a static
    graph for them once, and keeps it in a least-recently-used cache of
    ``max_graphs`` graphs.  A run with a signature seen before reuses its
    graph (a dictionary look-up).  A model with no free dimension left is
    built at load: a cache of one.

    Args:
        model: a path to a .onnx file, its bytes, or an ``onnx.ModelProto``
            (external data is read from the file's folder, or ``base_dir``).
        context: the MLContext to build for (default: ``ml.create_context()``).
        dims: values for free dimensions, by ``dim_param`` name
            (``{"batch": 1}``) or by input name (``{"x": [1, 3, 224, 224]}``);
            what it fixes is fixed for every run.
        max_dims: declared maxima of free dimensions, by ``dim_param`` name
            (``{"seq": 512}``): a run whose inputs exceed one is refused.
        min_dims: declared minima, by ``dim_param`` name; a free dimension
            needs at least 1 unless declared here as 0 (``{"past_seq": 0}``,
            the empty past of a KV cache's first step).
        max_graphs: how many static graphs (shape signatures) a model with
            free dimensions keeps; the least recently used one is dropped
            when a new signature would exceed it.  Each graph holds its own
            copy of the weights in the backend.
        constants: graph inputs to fix at import, by name (then computations
            that depend on them, such as a shape input, fold away).
        keep_model: keep the ``onnx.ModelProto`` as ``.model`` (by default
            nothing of it is kept, and a model read from a path or bytes has
            its weights held once: by the built graph).  Without it, a model
            given as a path (or with ``base_dir``) does not read its large
            weights at all: the graph's constants map them from the model's
            files, and ONNX Runtime reads them from there; such a file must
            not be rewritten in place while the model is in use (a change
            is refused when a graph is compiled).  A model with free
            dimensions keeps the model (without its weights) and its weights
            as arrays, to build the graphs of later signatures.
        cache: for a model given as a path, use the context's on-disk graph
            cache (``MLContext.save_graph``/``load_graph``, docs/graph_cache.md):
            the compiled graph is saved under a key of the file's contents,
            ``dims`` and ``constants``, and a later load with the same key
            (and unchanged external data files) skips parsing, importing and
            compiling.  With free dimensions, each signature's graph is an
            entry of its own.  A cache that cannot be read or written is
            skipped with a warning.  Ignored with ``keep_model`` or a model
            given as bytes or a ModelProto.

    Returns:
        An :class:`ImportedModel`; ``.run(inputs)`` runs it.

    Raises:
        InvalidDimsError: a bad ``dims``, ``max_dims``, ``min_dims`` or
            ``max_graphs``.
        UnsupportedModelError: an input of a type WebNN lacks...
        UnsupportedNodeError: the first node WebNN cannot express (its name,
            op type and why); :func:`inspect` lists them all.  With free
            dimensions this comes from the first run of a signature.
    """
    max_graphs = check_max_graphs(max_graphs)
    cached = cache and not keep_model and isinstance(model, str | os.PathLike) \
        and Path(model).is_file()
    if cached:  # found in the cache: nothing is parsed, onnx is not imported
        assert isinstance(model, str | os.PathLike)  # cached: a path, checked above
        if context is None:
            from webnnpy import ml

            context = ml.create_context()
        hit = cache_try(Path(model), context, dims, constants, base_dir)
        if hit is not None:
            return hit
    from webnnpy.models.onnx.importer import import_model

    return import_model(model, context=context, dims=dims, max_dims=max_dims,
                        max_graphs=max_graphs, min_dims=min_dims, constants=constants,
                        base_dir=base_dir, keep_model=keep_model, cached=cached)


def check_max_graphs(max_graphs: Any) -> int:
    if isinstance(max_graphs, bool) or not isinstance(max_graphs, int | np.integer) \
            or max_graphs < 1:
        raise InvalidDimsError("max_graphs", max_graphs,
                               f"max_graphs needs a positive integer (how many "
                               f"shape signatures' graphs to keep), got "
                               f"{max_graphs!r}")
    return int(max_graphs)


@dataclass
class ImportedModel:
    """An ONNX model built as an MLGraph, or as one MLGraph per input shape.

    ``inputs``/``outputs`` map the ONNX names to MLOperandDescriptor dicts
    (``data_type``, ``shape``); ``onnx_types`` gives each one's ONNX element
    type (bool values travel as uint8).  ``constants`` are the graph inputs
    that were fixed at import.

    A model loaded with free dimensions (see :func:`load`) has no graph of
    its own (``graph`` is None, ``is_static`` False): ``inputs`` and
    ``outputs`` give the symbolic shapes (ints and dim_param names; an
    output's shape is what the model declares, or None), and each
    :meth:`run` uses the graph of its inputs' shape signature, built on
    first use.  :meth:`specialize` gives that static model for given dims.
    """

    graph: MLGraph | None
    """The built graph; None for a model with free dimensions."""
    context: MLContext
    inputs: dict[str, dict[str, Any]]
    outputs: dict[str, dict[str, Any]]
    onnx_types: dict[str, int]
    opsets: dict[str, int]
    dims: dict[str, Any]
    constants: dict[str, np.ndarray]
    model: ModelProto | None = field(default=None, repr=False)
    """The ONNX model, only when loaded with ``keep_model=True`` (else None:
    the weights then live once, in the graph)."""
    empty_outputs: dict[str, np.ndarray] = field(default_factory=dict)
    """Outputs with no elements: known at import, returned by run()."""
    metadata_props: dict[str, str] = field(default_factory=dict)
    """The model's ``metadata_props`` (e.g. a recognizer's character list)."""
    input_shapes: dict[str, list[int | str] | None] = field(default_factory=dict)
    """Every run-time graph input's shape: ints, and for free dimensions the
    dim_param name (an unnamed one is called ``"input[i]"``); None for an
    input that declares no shape.  All ints for a static model."""
    max_dims: dict[str, int] = field(default_factory=dict)
    """The declared maxima of free dimensions (``load(max_dims=...)``)."""
    min_dims: dict[str, int] = field(default_factory=dict)
    """Free dimensions declared to accept a value below 1 (``load(min_dims=
    {"past_seq": 0})``: an empty KV cache); the others need at least 1."""
    signatures: Any = field(default=None, repr=False)
    """For a model with free dimensions: its per-signature graph cache."""
    _feed_plan: Any = field(default=None, init=False, repr=False, compare=False)
    """(graph, :func:`~webnnpy.models.feeds.feed_plan` of its inputs)."""

    @property
    def input_names(self) -> list[str]:
        return list(self.inputs)

    @property
    def output_names(self) -> list[str]:
        return list(self.outputs)

    @property
    def is_static(self) -> bool:
        """Whether the model has one graph of fixed shapes (no free
        dimensions)."""
        return self.signatures is None

    @property
    def free_dims(self) -> list[str]:
        """The named free dimensions of the inputs (``[]`` when static)."""
        if self.signatures is None:
            return []
        return list(dict.fromkeys(
            d for s in self.input_shapes.values() for d in s or ()
            if isinstance(d, str)))

    @property
    def cached_signatures(self) -> list[dict[str, tuple[int, ...] | None]]:
        """The shape signatures whose graphs are cached, least recently used
        first (``[]`` when static)."""
        if self.signatures is None:
            return []
        return [dict(zip(self.signatures.names, k, strict=True))
                for k in self.signatures.graphs]

    def specialize(self, shapes: Mapping[str, Any]) -> ImportedModel:
        """The static model for given input shapes: ``{input: [n, ...]}``
        and/or ``{dim_param: n}`` (free dimensions not given are refused),
        from the signature cache or built now (and cached).  A static model
        returns itself when the shapes agree with it.

        Raises:
            InvalidDimsError: as :meth:`run` for bad shapes.
        """
        if self.signatures is None:
            for name, shape in shapes.items():
                have = self.input_shapes.get(name)
                if have is not None and isinstance(shape, Sequence) and \
                        list(shape) != list(have):
                    raise InputShapeError(name, shape,
                                          f"input {name!r} has the fixed shape "
                                           f"{have}, not {list(shape)}")
            return self
        sigs = self.signatures
        key = []
        for name in sigs.names:
            v = shapes.get(name)
            if v is not None:
                key.append(tuple(int(n) for n in v))
                continue
            declared = sigs.shapes[name]
            if declared is None or any(isinstance(d, str) and
                                       not isinstance(shapes.get(d), int)
                                       for d in declared):
                raise InputShapeError(
                    name, None, f"specialize: input {name!r} {shape_str(declared)} "
                    f"needs its shape or values for its free dimensions")
            key.append(tuple(d if isinstance(d, int) else int(shapes[d])
                             for d in declared))
        return sigs.get(tuple(key))  # type: ignore[no-any-return]

    def run(self, inputs: Mapping[str, Any]) -> dict[str, np.ndarray]:
        """Run the model on NumPy arrays (by ONNX input name); returns the
        outputs by ONNX name, bool outputs as NumPy bool.

        With free dimensions, the inputs' shapes pick the graph: a new
        signature is checked (each free dimension at least 1, within
        ``max_dims``, one value per dim_param, fixed dimensions as declared;
        a TypeError naming the input, the dimension and the bound otherwise,
        before anything is built or computed) and built once."""
        sigs = self.signatures
        if sigs is None:
            return run(self, inputs)
        return run(sigs.get(sigs.key(inputs), inputs), inputs)


def run(imported: ImportedModel, inputs: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """Run an imported model on host arrays: ``{name: array}`` in, the
    outputs ``{name: array}`` out (in the model's output order).

    Inputs the built graph does not read (unused or fixed as constants) may
    be given and are ignored.  Arrays are converted to the input's type when
    NumPy can do so safely (``same_kind``).  A model with free dimensions
    runs the graph of its inputs' shape signature (:meth:`ImportedModel.run`).
    """
    sigs = imported.signatures
    if sigs is not None:  # free dimensions: the graph of the inputs' shapes
        imported = sigs.get(sigs.key(inputs), inputs)
    assert imported.graph is not None
    cached = imported._feed_plan
    if cached is None or cached[0] is not imported.graph:
        # the graph's input descriptors, read once per graph
        cached = imported._feed_plan = (imported.graph, feed_plan(
            imported.graph.inputs, lambda n: imported.onnx_types.get(n) == BOOL))
    feeds = planned_feeds(inputs, cached[1])
    res = imported.context.compute(imported.graph, feeds)
    out: dict[str, np.ndarray] = {}
    for name in imported.outputs:
        v = res[name] if name in res else imported.empty_outputs[name].copy()
        if imported.onnx_types.get(name) == BOOL:
            v = v.astype(bool)
        out[name] = v
    return out


def shape_str(shape: Sequence[int | str | None] | None) -> str:
    if shape is None:
        return "[any shape]"
    return "[" + ", ".join("?" if d is None else str(d) for d in shape) + "]"



#: the cache entries' format; a change of what ``_cache_metadata`` stores
#: bumps it, so older entries are simply missed
CACHE_FORMAT = "webnnpy.models.onnx.load/1"


def cache_key(path: Path, dims: Mapping[str, Any] | None,
               constants: Mapping[str, Any] | None) -> str:
    from webnnpy import graph_cache

    return graph_cache.cache_key(
        CACHE_FORMAT, graph_cache.file_digest(path), dict(dims or {}),
        {k: np.asarray(v) for k, v in (constants or {}).items()})


def cache_try(path: Path, context: MLContext, dims: Mapping[str, Any] | None,
               constants: Mapping[str, Any] | None,
               base_dir: str | os.PathLike[str] | None) -> ImportedModel | None:
    """The graph cache's entry for this file, dims and constants, or None."""
    from webnnpy import graph_cache

    folder = Path(base_dir) if base_dir is not None else path.parent
    hit = graph_cache.try_load(context, cache_key(path, dims, constants))
    if hit is None:
        return None
    graph, meta = hit
    if external_digests(meta.get("external") or [], folder) == meta.get(
            "external_digests"):
        return from_cache_metadata(graph, context, meta)
    graph.destroy()  # an external data file changed: import again
    return None


def external_digests(files: Sequence[str], folder: Path) -> list[str]:
    from webnnpy import graph_cache

    out = []
    for f in files:
        try:
            out.append(graph_cache.file_digest(folder / f))
        except OSError:
            out.append("missing")
    return out


def from_cache_metadata(graph: MLGraph, context: MLContext,
                         meta: Mapping[str, Any]) -> ImportedModel:
    def arr(dt: str, shape: list[int], values: Any) -> np.ndarray:
        a = np.array(values, np.dtype(dt)).reshape(shape)
        a.setflags(write=False)
        return a

    return ImportedModel(
        graph=graph, context=context, inputs=dict(meta["inputs"]),
        outputs=dict(meta["outputs"]), onnx_types=dict(meta["onnx_types"]),
        opsets=dict(meta["opsets"]), dims=dict(meta["dims"]),
        constants={k: arr(*v) for k, v in meta["constants"].items()},
        empty_outputs={k: np.zeros(s, np.dtype(dt))
                       for k, (dt, s) in meta["empty_outputs"].items()},
        metadata_props=dict(meta.get("metadata_props") or {}),
        input_shapes={k: list(v["shape"]) for k, v in meta["inputs"].items()})
