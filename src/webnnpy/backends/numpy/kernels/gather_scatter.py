"""Reference kernels for the gather_scatter family (float64 inside, one final rounding)."""

from __future__ import annotations

from webnnpy.backends.numpy.kernels._table import KernelTable

__all__ = ["KERNELS"]

KERNELS = KernelTable()
