"""Every ONNX lowering, merged from one module per family
(:data:`webnnpy.ir.registry.FAMILIES`).  An op without a lowering is left out
of the backend's ``opSupportLimits()``."""

from __future__ import annotations

from webnnpy.backends.onnxruntime.lower_ops._table import Lowering
from webnnpy.ir.registry import merge_families

__all__ = ["LOWERINGS"]

LOWERINGS: dict[str, Lowering] = merge_families(__name__, "LOWERINGS")
