"""Reference kernels for the quantization family (float64 inside, one final
rounding).

``scale`` and ``zeroPoint`` are blockwise broadcast without copying: the input
of shape (d0, d1, ...) is viewed as (s0, d0/s0, s1, d1/s1, ...) and the
parameters as (s0, 1, s1, 1, ...), so NumPy broadcasting gives every element
of a block the block's parameters.

- dequantizeLinear: ``(input - zeroPoint) * scale``; the difference is exact
  in int64, the product is taken in float64 and rounded once to the scale's
  type.
- quantizeLinear: ``roundHalfToEven(input / scale) + zeroPoint``, saturated to
  the zero point's type.  The quotient is rounded exactly: where the float64
  quotient is exactly a half-integer (a true tie, or a near-tie that the
  division rounded onto one) the exact remainder ``fmod(|input|, |scale|)``
  decides the direction.  NaN quantizes to 0 (as the spec's cast algorithm
  does); +/-Infinity saturates.  The spec leaves scales <= 0 implementation-
  defined: here the same formula is applied (x / 0 -> +/-inf -> saturated).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from webnnpy.backends.numpy.kernels._table import KernelTable, f64, out_dtype
from webnnpy.dtypes import int_bounds
from webnnpy.ir.graph import Node

__all__ = ["KERNELS", "round_quotient_half_even"]

KERNELS = KernelTable()


def _block_views(x: np.ndarray, param: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray]:
    """``x`` and ``param`` reshaped so that ``param`` broadcasts blockwise."""
    xs, ps = [], []
    for d, s in zip(x.shape, param.shape, strict=True):
        xs += [s, d // s]
        ps += [s, 1]
    return x.reshape(xs), param.reshape(ps)


def round_quotient_half_even(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a / b`` rounded to the nearest integer, ties to even, exactly (float64
    arrays holding float32/float16 values; the result as float64)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        q = np.asarray(a / b)  # an array even for rank 0
        r = np.asarray(np.rint(q))
        half = np.abs(q - np.trunc(q)) == 0.5
    if half.any():
        aa, bb = np.broadcast_arrays(np.abs(a), np.abs(b))
        aa, bb, qh, rh = aa[half], bb[half], q[half], r[half]
        twice_rem = 2.0 * np.fmod(aa, bb)  # fmod is exact
        k = np.trunc(np.abs(qh))  # the exact quotient's integer part
        mag = np.where(twice_rem > bb, k + 1.0,
                       np.where(twice_rem < bb, k, np.abs(rh)))
        r[half] = np.copysign(mag, qh)
    return r


@KERNELS.define("quantizeLinear")
def _quantize_linear(node: Node, x: dict[str, Any]) -> list[np.ndarray]:
    v, scale, zp = x["input"], x["scale"], x["zeroPoint"]
    dt = out_dtype(node)
    a, s = _block_views(f64(v), f64(scale))
    z = zp.astype(np.float64).reshape(s.shape)  # exact: |zp| < 2**32
    r = round_quotient_half_even(a, s) + z
    lo, hi = int_bounds(node.outputs[0].desc.data_type)  # int4/uint4 too
    r = np.where(np.isnan(r), 0.0, np.clip(r, float(lo), float(hi)))
    return [r.astype(dt).reshape(v.shape)]


@KERNELS.define("dequantizeLinear")
def _dequantize_linear(node: Node, x: dict[str, Any]) -> list[np.ndarray]:
    v, scale, zp = x["input"], x["scale"], x["zeroPoint"]
    a, z = _block_views(v.astype(np.int64), zp.astype(np.int64))
    s = f64(scale).reshape(z.shape)
    r = np.asarray(a - z, dtype=np.float64) * s  # exact difference: < 2**33
    with np.errstate(over="ignore"):  # beyond float16's range: +/-inf
        return [np.asarray(r).astype(out_dtype(node)).reshape(v.shape)]
