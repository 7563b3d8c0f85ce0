"""MLGraphBuilder methods of the gather_scatter family."""

from __future__ import annotations

from webnnpy.api.builder_base import BuilderBase

__all__ = ["GatherScatterOps"]


class GatherScatterOps(BuilderBase):
    """Operator methods of the gather_scatter family."""
