"""Reference kernels for the matmul_norm family (float64 inside, one final rounding).

Every op of the family takes float32/float16 only.  Products are accumulated
by BLAS in float64; the normalizations compute the mean and the (population)
variance in float64 and round the final result once.  ``alpha``, ``beta`` and
``epsilon`` come from the node already cast to the input's data type.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from webnnpy.backends.numpy.kernels._table import KernelTable, f64, out_dtype
from webnnpy.ir.graph import Node

__all__ = ["KERNELS"]

KERNELS = KernelTable()


@KERNELS.define("matmul")
def _matmul(node: Node, x: dict[str, Any]) -> list[np.ndarray]:
    with np.errstate(all="ignore"):  # inf * 0 and the like give NaN
        r = np.matmul(f64(x["a"]), f64(x["b"]))
    return [np.asarray(r).astype(out_dtype(node))]


@KERNELS.define("gemm")
def _gemm(node: Node, x: dict[str, Any]) -> list[np.ndarray]:
    at = node.attrs
    a, b, c = f64(x["a"]), f64(x["b"]), x["c"]
    if at["aTranspose"]:
        a = a.T
    if at["bTranspose"]:
        b = b.T
    with np.errstate(all="ignore"):  # alpha/beta may have overflowed to inf
        r = at["alpha"] * (a @ b)
        if c is not None:
            r = r + at["beta"] * f64(c)
    shape = node.outputs[0].desc.shape
    return [np.broadcast_to(r, shape).astype(out_dtype(node))]


def _normalize(x: np.ndarray, mean: np.ndarray, variance: np.ndarray,
               scale: np.ndarray | None, bias: np.ndarray | None,
               epsilon: float) -> np.ndarray:
    """``scale * (x - mean) / sqrt(variance + epsilon) + bias`` in float64;
    all arguments broadcast against ``x``."""
    with np.errstate(all="ignore"):
        r = (x - mean) / np.sqrt(variance + epsilon)
        if scale is not None:
            r = scale * r
        if bias is not None:
            r = r + bias
    return r


def _moments(x: np.ndarray, axes: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Mean and population variance over ``axes`` (kept as size-1 dims)."""
    with np.errstate(all="ignore"):
        mean = np.mean(x, axis=axes, keepdims=True)
        variance = np.mean(np.square(x - mean), axis=axes, keepdims=True)
    return mean, variance


def _along(v: np.ndarray | None, axis: int, rank: int) -> np.ndarray | None:
    """A 1-D array reshaped to lie along dimension ``axis`` of a rank-``rank``
    tensor."""
    if v is None:
        return None
    shape = [1] * rank
    shape[axis] = v.shape[0]
    return f64(v).reshape(shape)


@KERNELS.define("batchNormalization")
def _batch_norm(node: Node, x: dict[str, Any]) -> list[np.ndarray]:
    inp = f64(x["input"])
    axis, rank = node.attrs["axis"], inp.ndim
    mean = _along(x["mean"], axis, rank)
    variance = _along(x["variance"], axis, rank)
    assert mean is not None and variance is not None
    r = _normalize(inp, mean, variance, _along(x["scale"], axis, rank),
                   _along(x["bias"], axis, rank), node.attrs["epsilon"])
    return [r.astype(out_dtype(node))]


@KERNELS.define("instanceNormalization")
def _instance_norm(node: Node, x: dict[str, Any]) -> list[np.ndarray]:
    inp = f64(x["input"])
    nchw = node.attrs["layout"] == "nchw"
    channel, spatial = (1, (2, 3)) if nchw else (3, (1, 2))
    mean, variance = _moments(inp, spatial)
    r = _normalize(inp, mean, variance, _along(x["scale"], channel, 4),
                   _along(x["bias"], channel, 4), node.attrs["epsilon"])
    return [r.astype(out_dtype(node))]


def _over_axes(v: np.ndarray | None, axes: Sequence[int], shape: tuple[int, ...]
               ) -> np.ndarray | None:
    """A layerNormalization scale/bias, whose dimension i is input dimension
    ``axes[i]``, laid out to broadcast against the input."""
    if v is None:
        return None
    order = np.argsort(axes, kind="stable")
    target = [shape[d] if d in axes else 1 for d in range(len(shape))]
    return np.transpose(f64(v), order).reshape(target)


@KERNELS.define("layerNormalization")
def _layer_norm(node: Node, x: dict[str, Any]) -> list[np.ndarray]:
    inp = f64(x["input"])
    axes = list(node.attrs["axes"])
    mean, variance = _moments(inp, tuple(axes))
    r = _normalize(inp, mean, variance, _over_axes(x["scale"], axes, inp.shape),
                   _over_axes(x["bias"], axes, inp.shape), node.attrs["epsilon"])
    return [np.asarray(r).astype(out_dtype(node))]
