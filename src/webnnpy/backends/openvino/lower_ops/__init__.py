"""Every OpenVINO lowering, merged from one module per op family (an explicit
list), and the data types each family leaves out of the backend's limits."""

from __future__ import annotations

from webnnpy.backends.openvino.lower_ops import (
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
from webnnpy.backends.openvino.lower_ops._table import Exclude, Lowering

__all__ = ["EXCLUDE", "FAMILIES", "LOWERINGS"]

FAMILIES = {
    "elementwise": elementwise,
    "activation": activation,
    "conv_pool": conv_pool,
    "gather_scatter": gather_scatter,
    "matmul_norm": matmul_norm,
    "reduction": reduction,
    "misc": misc,
    "quantization": quantization,
    "recurrent": recurrent,
    "shape": shape,
}

LOWERINGS: dict[str, Lowering] = {}
EXCLUDE: Exclude = {}
for _mod in FAMILIES.values():
    for _op in _mod.LOWERINGS:
        if _op in LOWERINGS:
            raise ValueError(f"lowering for {_op} defined in two families")
    LOWERINGS.update(_mod.LOWERINGS)
    for _op, _keys in _mod.EXCLUDE.items():
        EXCLUDE.setdefault(_op, {}).update(_keys)
