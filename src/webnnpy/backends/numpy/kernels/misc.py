"""Reference kernels for the misc family: where, cast and resample2d.

- ``where`` selects elements exactly (no float64 round trip).
- ``cast`` follows the spec's table.  To a float type: the value is first made
  a float64 (exact for every float16/float32 value, and the correctly rounded
  double of an integer), then rounded once more to the target; this double
  rounding equals a direct rounding to nearest-even because float64 has more
  than 2p + 2 significand bits for float32 (p = 24) and float16 (p = 11).
  Out-of-range values become +/-Infinity.  Integer to integer keeps the low
  bits (two's complement wrap).  Float to integer truncates toward zero; out
  of range is implementation-defined in the spec: here it saturates to the
  target's range (+/-Infinity too), and NaN gives 0.
- ``resample2d`` maps each output coordinate to
  ``(out + 0.5) * inputSize / outputSize - 0.5``, clamped into
  ``[0, inputSize - 1]``, in exact integer arithmetic for the floor/ceil
  decisions.  Nearest-neighbor takes ``ceil(coordinate - 0.5)`` (ties go to
  the lower index); linear evaluates the spec's formula in float64 (literally:
  an infinite input times a weight of 0 gives NaN) and rounds once to the
  output type.  For uint8/int8 (the spec states no rounding rule) the linear
  result is rounded to the nearest integer, ties to even, as the spec's *cast*
  algorithm rounds a number to an integer type.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from webnnpy.backends.numpy.kernels._table import KernelTable, f64, out_dtype
from webnnpy.dtypes import from_numpy_dtype, int_bounds
from webnnpy.ir.graph import Node
from webnnpy.ir.resample import linear_positions, nearest_positions

__all__ = ["KERNELS"]

KERNELS = KernelTable()


@KERNELS.define("where")
def _where(node: Node, x: dict[str, Any]) -> list[np.ndarray]:
    t = x["trueValue"]
    r = np.where(x["condition"] != 0, t, x["falseValue"])
    shape = node.outputs[0].desc.shape
    return [np.broadcast_to(np.asarray(r, dtype=t.dtype), shape).copy()]


def _float_to_int(v: np.ndarray, dt: np.dtype) -> np.ndarray:
    """Truncate toward zero, saturate out of range, NaN -> 0."""
    lo, hi = _bounds(dt)
    f = np.trunc(f64(v))
    nan = np.isnan(f)
    # hi + 1 and lo are powers of two (or 0): exact in float64
    with np.errstate(invalid="ignore"):
        over = f >= float(hi + 1)
        under = f < float(lo)
    safe = np.where(nan | over | under, 0.0, f)
    out = np.asarray(safe.astype(dt))
    out[over] = hi
    out[under] = lo
    return out


def _bounds(dt: np.dtype) -> tuple[int, int]:
    """An integer dtype's range (ml_dtypes' int4/uint4 included)."""
    name = from_numpy_dtype(dt)
    if name is not None:
        return int_bounds(name)
    info = np.iinfo(dt)
    return int(info.min), int(info.max)


@KERNELS.define("cast")
def _cast(node: Node, x: dict[str, Any]) -> list[np.ndarray]:
    v = x["input"]
    dt = out_dtype(node)
    if v.dtype == dt:
        return [v.copy()]
    if dt.kind == "f":
        with np.errstate(over="ignore"):
            return [np.asarray(f64(v).astype(dt))]
    if v.dtype.kind == "f":
        return [_float_to_int(v, dt)]
    if dt.kind == "V" or v.dtype.kind == "V":  # int4/uint4 (ml_dtypes) involved
        return [_int_cast_4bit(v, dt)]
    return [np.asarray(v.astype(dt))]  # integer -> integer: low bits


def _int_cast_4bit(v: np.ndarray, dt: np.dtype) -> np.ndarray:
    """Integer -> integer keeping the low bits, where int4/uint4 is the source
    or the target (ml_dtypes casts between them refuse, and from wider types
    need the bits taken explicitly)."""
    w = v if v.dtype == np.uint64 else v.astype(np.int64)  # exact, sign-extended
    if dt.kind != "V":
        return np.asarray(w.astype(dt))
    n = (w & 0xF).astype(np.int64)
    if from_numpy_dtype(dt) == "int4":
        n = np.where(n >= 8, n - 16, n)
    return np.asarray(n.astype(dt))


@KERNELS.define("resample2d")
def _resample2d(node: Node, x: dict[str, Any]) -> list[np.ndarray]:
    v = x["input"]
    dt = out_dtype(node)
    axes, sizes = node.attrs["axes"], node.attrs["sizes"]
    if node.attrs["mode"] == "nearest-neighbor":
        out = v
        for ax, size in zip(axes, sizes, strict=True):
            out = np.take(out, nearest_positions(v.shape[ax], size), axis=ax)
        return [np.ascontiguousarray(out)]
    # the spec's bilinear formula interpolates along x (the second axis)
    # first, then along y: the same float64 operations in the same order
    cur = f64(v)
    for ax, size in reversed(list(zip(axes, sizes, strict=True))):
        lo, hi, t = linear_positions(v.shape[ax], size)
        shape = [1] * v.ndim
        shape[ax] = size
        t = t.reshape(shape)
        a, b = np.take(cur, lo, axis=ax), np.take(cur, hi, axis=ax)
        with np.errstate(invalid="ignore"):  # -inf + inf is NaN
            # an output on a sample (t = 0, also where the coordinate is
            # clamped to the edge) is that sample: the formula's a * 1 + b * 0
            # would make an infinite neighbour b give NaN (accuracy policy 4)
            cur = np.where(t == 0, a, a * (1.0 - t) + b * t)
    if dt.kind == "f":
        return [cur.astype(dt)]
    info = np.iinfo(dt)
    return [np.clip(np.rint(cur), info.min, info.max).astype(dt)]
