"""Every op rule, merged from one module per family (an explicit list)."""

from __future__ import annotations

from webnnpy.ir.ops import (
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
from webnnpy.ir.registry import OpRule

__all__ = ["FAMILIES", "RULES"]

FAMILIES = {
    "elementwise": elementwise.RULES,
    "activation": activation.RULES,
    "conv_pool": conv_pool.RULES,
    "matmul_norm": matmul_norm.RULES,
    "reduction": reduction.RULES,
    "shape": shape.RULES,
    "gather_scatter": gather_scatter.RULES,
    "misc": misc.RULES,
    "recurrent": recurrent.RULES,
    "quantization": quantization.RULES,
}

RULES: dict[str, OpRule] = {}
for _table in FAMILIES.values():
    RULES.update(_table)
