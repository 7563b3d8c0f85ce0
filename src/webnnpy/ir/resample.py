"""The spec's resample2d coordinate mapping (#api-mlgraphbuilder-resample2d-method),
as index tables in exact integer arithmetic.

Pure functions of the input and output sizes, shared by every backend: the
reference kernel gathers with them, lowerings bake them into constants.
"""

from __future__ import annotations

import numpy as np

__all__ = ["linear_positions", "nearest_positions"]


def linear_positions(in_size: int, out_size: int
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each output coordinate o: the clamped input coordinate
    ``c = clamp((o + 0.5) * I / O - 0.5, 0, I - 1)`` as (floor(c), ceil(c),
    c - floor(c)).  ``c = num / den`` with ``num = (2o + 1) * I - O``,
    ``den = 2 * O``, whose integer parts are exact in int64 (O * I < 2**62 for
    valid tensors); the fraction is the one float64 rounding."""
    o = np.arange(out_size, dtype=np.int64)
    num = (2 * o + 1) * in_size - out_size
    den = 2 * out_size
    lo = num // den
    rem = num - lo * den
    t = rem / den
    hi = lo + (rem != 0)
    low_clamp = num < 0
    high_clamp = lo >= in_size - 1
    lo = np.where(low_clamp, 0, np.where(high_clamp, in_size - 1, lo))
    hi = np.where(low_clamp, 0, np.where(high_clamp, in_size - 1, hi))
    t = np.where(low_clamp | high_clamp, 0.0, t)
    return lo.astype(np.intp), hi.astype(np.intp), t


def nearest_positions(in_size: int, out_size: int) -> np.ndarray:
    """``clamp(ceil(c - 0.5), 0, I - 1)`` for each output coordinate, with
    ``c - 0.5 = ((2o + 1) * I - 2 * O) / (2 * O)`` in exact integers."""
    o = np.arange(out_size, dtype=np.int64)
    num = (2 * o + 1) * in_size - 2 * out_size
    den = 2 * out_size
    ceil = -((-num) // den)
    return np.clip(ceil, 0, in_size - 1).astype(np.intp)
