"""Reference kernels for the gather_scatter family.

These ops only move elements, so every data type is copied exactly (no
float64 round trip).

Indices: every index is first clamped into ``[-dim, dim - 1]`` (in int64, so
uint32 and int64 values of any size are safe), then ``dim`` is added to the
negative ones.  In-range indices are thus the spec's; out-of-range ones,
whose result the spec leaves open, read or write the nearest valid element
and never outside the tensor.

Duplicate targets in scatterElements/scatterND: the update that comes last
in the row-major order of ``indices`` wins (made deterministic here rather
than left to NumPy's assignment order).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from webnnpy.backends.numpy.kernels._table import KernelTable
from webnnpy.ir.graph import Node

__all__ = ["KERNELS", "normalize_indices"]

KERNELS = KernelTable()


def normalize_indices(indices: np.ndarray, dim: int) -> np.ndarray:
    """``indices`` (int32, uint32 or int64) as non-negative intp indices into
    a dimension of size ``dim``: clamped into [-dim, dim - 1], then negative
    ones counted from the end."""
    i = np.clip(indices.astype(np.int64), -dim, dim - 1)
    return np.where(i < 0, i + dim, i).astype(np.intp)


def _last_wins(targets: np.ndarray) -> np.ndarray:
    """Positions in the flat ``targets`` of the last occurrence of each value."""
    rev = targets[::-1]
    _, first_in_rev = np.unique(rev, return_index=True)
    return targets.size - 1 - first_in_rev


@KERNELS.define("gather")
def _gather(node: Node, x: dict[str, Any]) -> list[np.ndarray]:
    data, axis = x["input"], node.attrs["axis"]
    idx = normalize_indices(x["indices"], data.shape[axis])
    return [np.asarray(np.take(data, idx, axis=axis))]


@KERNELS.define("gatherElements")
def _gather_elements(node: Node, x: dict[str, Any]) -> list[np.ndarray]:
    data, axis = x["input"], node.attrs["axis"]
    idx = normalize_indices(x["indices"], data.shape[axis])
    return [np.take_along_axis(data, idx, axis=axis)]


def _nd_coordinates(data: np.ndarray, indices: np.ndarray) -> np.ndarray:
    """Row-major flat positions, in ``data.shape[:k]``, of the k-long
    coordinates in ``indices`` (shape ``indices.shape[:-1]``)."""
    k = indices.shape[-1]
    parts = tuple(normalize_indices(indices[..., j], data.shape[j])
                  for j in range(k))
    return np.ravel_multi_index(parts, data.shape[:k])


@KERNELS.define("gatherND")
def _gather_nd(node: Node, x: dict[str, Any]) -> list[np.ndarray]:
    data, indices = x["input"], x["indices"]
    k = indices.shape[-1]
    flat = _nd_coordinates(data, indices)
    slices = data.reshape((math.prod(data.shape[:k]), *data.shape[k:]))
    return [np.asarray(slices[flat])]


@KERNELS.define("scatterElements")
def _scatter_elements(node: Node, x: dict[str, Any]) -> list[np.ndarray]:
    data, indices, updates = x["input"], x["indices"], x["updates"]
    axis = node.attrs["axis"]
    coords = list(np.indices(indices.shape, sparse=True))
    coords[axis] = normalize_indices(indices, data.shape[axis])
    targets = np.ravel_multi_index(
        tuple(np.broadcast_arrays(*coords)), data.shape).reshape(-1)
    keep = _last_wins(targets)
    out = data.copy()
    out.reshape(-1)[targets[keep]] = updates.reshape(-1)[keep]
    return [out]


@KERNELS.define("scatterND")
def _scatter_nd(node: Node, x: dict[str, Any]) -> list[np.ndarray]:
    data, indices, updates = x["input"], x["indices"], x["updates"]
    k = indices.shape[-1]
    targets = _nd_coordinates(data, indices).reshape(-1)
    keep = _last_wins(targets)
    out = data.copy()
    slice_size = math.prod(data.shape[k:])
    rows = out.reshape(-1, slice_size)
    rows[targets[keep]] = updates.reshape(-1, slice_size)[keep]
    return [out]
