"""Every reference kernel, merged from one module per family
(:data:`webnnpy.ir.registry.FAMILIES`)."""

from __future__ import annotations

from webnnpy.backends.numpy.kernels._table import Kernel
from webnnpy.ir.registry import merge_families

__all__ = ["KERNELS"]

KERNELS: dict[str, Kernel] = merge_families(__name__, "KERNELS")
