"""Reference kernels for the shape family: reshape, transpose, concat, slice,
split, pad, expand, tile, reverse and triangular.

These ops only move elements, so every kernel works on the operand's own
dtype (no float64 detour): floats keep their exact bits (NaN, -0.0) and
64-bit integers beyond 2**53 pass through unchanged.  Every result is a fresh
contiguous array, never a view of an input.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from webnnpy.backends.numpy.kernels._table import KernelTable, out_dtype
from webnnpy.ir.graph import Node

__all__ = ["KERNELS"]

KERNELS = KernelTable()


def _fresh(a: np.ndarray) -> np.ndarray:
    """A contiguous copy that shares no memory with the inputs."""
    return np.array(a, copy=True, order="C")


@KERNELS.define("reshape")
def _reshape(node: Node, x: dict[str, Any]) -> list[np.ndarray]:
    return [_fresh(x["input"]).reshape(node.attrs["newShape"])]


@KERNELS.define("transpose")
def _transpose(node: Node, x: dict[str, Any]) -> list[np.ndarray]:
    return [_fresh(np.transpose(x["input"], node.attrs["permutation"]))]


@KERNELS.define("concat")
def _concat(node: Node, x: dict[str, Any]) -> list[np.ndarray]:
    return [np.concatenate(x["inputs"], axis=node.attrs["axis"])]


@KERNELS.define("slice")
def _slice(node: Node, x: dict[str, Any]) -> list[np.ndarray]:
    a = node.attrs
    index = tuple(slice(s, s + n, k)
                  for s, n, k in zip(a["starts"], a["sizes"], a["strides"],
                                     strict=True))
    return [_fresh(x["input"][index])]


@KERNELS.define("split")
def _split(node: Node, x: dict[str, Any]) -> list[np.ndarray]:
    axis = node.attrs["axis"]
    bounds = np.cumsum(node.attrs["splits"])[:-1]
    return [_fresh(p) for p in np.split(x["input"], bounds, axis=axis)]


def _pad_indices(dim: int, begin: int, end: int, mode: str) -> np.ndarray:
    """For each output position along one axis, the input position it copies."""
    idx = np.arange(-begin, dim + end)
    if mode == "edge":
        return np.clip(idx, 0, dim - 1)
    # reflection (the rule guarantees begin, end < dim): mirror about the
    # first and last elements without repeating them
    idx = np.abs(idx)
    return np.where(idx > dim - 1, 2 * (dim - 1) - idx, idx)


@KERNELS.define("pad")
def _pad(node: Node, x: dict[str, Any]) -> list[np.ndarray]:
    v = x["input"]
    a = node.attrs
    begin, end, mode = a["beginningPadding"], a["endingPadding"], a["mode"]
    if mode == "constant":
        out = np.full(node.outputs[0].desc.shape,
                      np.array(a["value"], dtype=out_dtype(node)))
        out[tuple(slice(b, b + d) for b, d in zip(begin, v.shape, strict=True))] = v
        return [out]
    out = v
    for axis, (d, b, e) in enumerate(zip(v.shape, begin, end, strict=True)):
        if b or e:
            out = np.take(out, _pad_indices(d, b, e, mode), axis=axis)
    return [_fresh(out)]


@KERNELS.define("expand")
def _expand(node: Node, x: dict[str, Any]) -> list[np.ndarray]:
    return [_fresh(np.broadcast_to(x["input"], node.attrs["newShape"]))]


@KERNELS.define("tile")
def _tile(node: Node, x: dict[str, Any]) -> list[np.ndarray]:
    v = x["input"]
    if v.ndim == 0:
        return [_fresh(v)]
    return [np.tile(v, node.attrs["repetitions"])]


@KERNELS.define("reverse")
def _reverse(node: Node, x: dict[str, Any]) -> list[np.ndarray]:
    return [_fresh(np.flip(x["input"], axis=tuple(node.attrs["axes"])))]


@KERNELS.define("triangular")
def _triangular(node: Node, x: dict[str, Any]) -> list[np.ndarray]:
    v = x["input"]
    rows, cols = v.shape[-2:]
    # offset of each element from the main diagonal: column - row
    offset = np.arange(cols)[None, :] - np.arange(rows)[:, None]
    diagonal = node.attrs["diagonal"]
    keep = offset >= diagonal if node.attrs["upper"] else offset <= diagonal
    return [np.where(keep, v, np.zeros((), v.dtype))]
