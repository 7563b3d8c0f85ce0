"""Dynamic input dimensions: the WebNN dynamic-shape explainer (webnn#883,
explainer PR #945) as a declared, opt-in extension.

An input's shape may hold, besides integers, a named dynamic dimension with a
maximum size::

    x = builder.input("x", {"data_type": "float32",
                            "shape": [1, {"name": "seq", "max_size": 512}, 64]})

(or ``MLDynamicDimension("seq", 512)``).  Every op is validated at the
maximum sizes while the graph is built (as the explainer says), and again, by
its own rule, for the concrete sizes a dispatch brings (deferred validation:
a TypeError naming the op before any work is queued).  ``MLOperand.shape``
and ``MLGraph.inputs``/``outputs`` show the dynamic dimensions that flow
through the ops; ``MLGraph.compute_shapes`` gives the output shapes of given
input shapes without running anything.

The backends compile static graphs: each new combination of concrete sizes
is specialized (``webnnpy.ir.specialize``) and compiled once, then reused
(``MLContext.dynamic_graph_cache_size`` combinations per graph, least
recently used first out).  The explainer's shape-as-data ``*Dynamic``
operators are not provided: an op whose non-operand arguments are shapes
(``reshape``'s ``new_shape``...) keeps them static.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from webnnpy.api.descriptors import _MappingStruct
from webnnpy.ir.checks import MAX_DIMENSION
from webnnpy.ir.graph import Graph, Value
from webnnpy.ir.specialize import specialize

__all__ = ["DynamicInputs", "MLDynamicDimension", "parse_shape", "symbolic_shapes"]


@dataclass(frozen=True)
class MLDynamicDimension(_MappingStruct):
    """The explainer's MLDynamicDimension: a dimension named ``name`` whose
    size is given at dispatch, at most ``max_size``.  Dimensions with the
    same name have the same size.  On an operand computed from dynamic
    inputs, a dimension that changes with them but is none of them has the
    name ``""``."""

    name: str
    max_size: int


#: a shape that may hold dynamic dimensions (by name)
SymShape = tuple[int | str, ...]


@dataclass
class DynamicInputs:
    """What a builder knows of its dynamic dimensions."""

    #: dimension name -> maximum size
    max_sizes: dict[str, int]
    #: input name -> its shape with dimension names for dynamic dimensions
    shapes: dict[str, SymShape]


def parse_shape(where: str, shape: Any, known: Mapping[str, int]
                ) -> tuple[list[Any], SymShape, dict[str, int]] | None:
    """An input descriptor's shape with dynamic dimensions: (the shape at the
    maximum sizes, for the static checks; the symbolic shape; the names it
    declares -> maximum).  None when every dimension is an integer."""
    if isinstance(shape, (str, bytes)) or not isinstance(shape, Sequence):
        return None
    if not any(isinstance(d, (Mapping, MLDynamicDimension)) for d in shape):
        return None
    at_max: list[Any] = []
    sym: list[int | str] = []
    declared: dict[str, int] = {}
    for i, d in enumerate(shape):
        if not isinstance(d, Mapping):
            at_max.append(d)
            sym.append(d)  # checked with the rest of the descriptor
            continue
        unknown = set(d) - {"name", "max_size"}
        if unknown:
            raise TypeError(f"{where}: shape[{i}] has unknown MLDynamicDimension "
                            f"keys {sorted(unknown)}; expected name and max_size")
        name, max_size = d.get("name"), d.get("max_size")
        if not isinstance(name, str) or not name:
            raise TypeError(f"{where}: shape[{i}] name must be a non-empty string, "
                            f"got {name!r}")
        if isinstance(max_size, bool) or not isinstance(max_size, (int, np.integer)) \
                or not 0 < int(max_size) <= MAX_DIMENSION:
            raise TypeError(f"{where}: shape[{i}] ({name!r}) max_size must be an "
                            f"integer in [1, {MAX_DIMENSION}], got {max_size!r}")
        m = int(max_size)
        prior = declared.get(name, known.get(name))
        if prior is not None and prior != m:
            raise TypeError(f"{where}: dynamic dimension {name!r} has max_size {m} "
                            f"here and {prior} elsewhere; one name, one maximum")
        declared[name] = m
        at_max.append(m)
        sym.append(name)
    return at_max, tuple(sym), declared


def _assignments(max_sizes: Mapping[str, int]) -> list[dict[str, int]]:
    """Trial sizes for telling dynamic output dimensions from static ones:
    the maximum, one less, and about half (where the maximum allows)."""
    trials = [dict(max_sizes)]
    for f in (lambda m: m - 1, lambda m: max(1, m // 2 + 1)):
        a = {n: (f(m) if m > 1 else m) for n, m in max_sizes.items()}
        if a not in trials:
            trials.append(a)
    return trials


def symbolic_shapes(dyn: DynamicInputs, values: Mapping[str, Value]
                    ) -> dict[str, tuple[int | MLDynamicDimension, ...]]:
    """The shape of each of ``values`` (operands of the builder) with its
    dynamic dimensions: a dimension that follows exactly one named
    dimension's size over trial sizes gets that name, one that changes
    otherwise is unnamed (``""``) with its size at the maxima; a trial the
    ops refuse (they need the maximum) leaves the dimension static."""
    graph = Graph.from_outputs(dict(values))
    results: list[dict[str, tuple[int, ...]]] = []
    trials = _assignments(dyn.max_sizes)
    kept: list[dict[str, int]] = []
    for a in trials:
        shapes = {name: tuple(a[d] if isinstance(d, str) else int(d) for d in sym)
                  for name, sym in dyn.shapes.items() if name in graph.inputs}
        try:
            g = specialize(graph, shapes)
        except TypeError:
            continue
        results.append({n: v.desc.shape for n, v in g.outputs.items()})
        kept.append(a)
    out: dict[str, tuple[int | MLDynamicDimension, ...]] = {}
    for name, v in values.items():
        dims: list[int | MLDynamicDimension] = []
        for i, d in enumerate(v.desc.shape):
            seen = [r[name][i] for r in results]
            if len(set(seen)) <= 1:
                dims.append(int(d))
                continue
            names = [n for n in dyn.max_sizes
                     if [a[n] for a in kept] == seen]
            dims.append(MLDynamicDimension(names[0] if len(names) == 1 else "",
                                           int(d)))
        out[name] = tuple(dims)
    return out


def check_concrete(where: str, dyn: DynamicInputs, shapes: Mapping[str, Any]
                   ) -> dict[str, tuple[int, ...]]:
    """The concrete input shapes of a dispatch, checked against the declared
    dimensions: rank, static sizes, dynamic sizes in [1, max_size], one size
    per name.  Raises TypeError naming the input, the dimension and the
    bound."""
    sizes: dict[str, tuple[int, str]] = {}
    out: dict[str, tuple[int, ...]] = {}
    for name, sym in dyn.shapes.items():
        shape = tuple(int(d) for d in shapes[name])
        if len(shape) != len(sym):
            raise TypeError(f"{where}: input {name!r} has shape {list(shape)}; "
                            f"expected rank {len(sym)} ({_fmt(sym)})")
        for i, (d, s) in enumerate(zip(shape, sym, strict=True)):
            if isinstance(s, int):
                if d != s:
                    raise TypeError(f"{where}: input {name!r} dimension {i} is {d}; "
                                    f"expected {s} ({_fmt(sym)})")
                continue
            m = dyn.max_sizes[s]
            if not 1 <= d <= m:
                raise TypeError(f"{where}: input {name!r} dimension {i} ({s!r}) is "
                                f"{d}; expected 1 to max_size {m}")
            prior = sizes.get(s)
            if prior is not None and prior[0] != d:
                raise TypeError(f"{where}: dynamic dimension {s!r} is {d} in input "
                                f"{name!r} and {prior[0]} in input {prior[1]!r}; "
                                f"one name, one size")
            sizes[s] = (d, name)
        out[name] = shape
    return out


def _fmt(sym: SymShape) -> str:
    return "[" + ", ".join(str(d) for d in sym) + "]"
