"""MLGraphBuilder methods of the conv_pool family."""

from __future__ import annotations

from webnnpy.api.builder_base import BuilderBase

__all__ = ["ConvPoolOps"]


class ConvPoolOps(BuilderBase):
    """Operator methods of the conv_pool family."""
