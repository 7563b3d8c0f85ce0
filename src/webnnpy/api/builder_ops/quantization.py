"""MLGraphBuilder methods of the quantization family."""

from __future__ import annotations

from webnnpy.api.builder_base import BuilderBase

__all__ = ["QuantizationOps"]


class QuantizationOps(BuilderBase):
    """Operator methods of the quantization family."""
