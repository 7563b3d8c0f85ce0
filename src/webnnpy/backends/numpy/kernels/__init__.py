"""Every reference kernel, merged from one module per family."""

from __future__ import annotations

from webnnpy.backends.numpy.kernels import (
    activation,
    conv_pool,
    elementwise,
    gather_scatter,
    matmul_norm,
    misc,
    quantization,
    recurrent,
    reduction,
    shape,
)
from webnnpy.backends.numpy.kernels._table import Kernel

__all__ = ["KERNELS"]

KERNELS: dict[str, Kernel] = {}
for _mod in (elementwise, activation, conv_pool, matmul_norm, reduction, shape,
             gather_scatter, misc, recurrent, quantization):
    KERNELS.update(_mod.KERNELS)
