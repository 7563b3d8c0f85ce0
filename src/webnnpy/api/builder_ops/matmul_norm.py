"""MLGraphBuilder methods of the matmul_norm family."""

from __future__ import annotations

from webnnpy.api.builder_base import BuilderBase

__all__ = ["MatmulNormOps"]


class MatmulNormOps(BuilderBase):
    """Operator methods of the matmul_norm family."""
