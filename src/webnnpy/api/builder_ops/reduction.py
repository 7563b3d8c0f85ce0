"""MLGraphBuilder methods of the reduction family."""

from __future__ import annotations

from webnnpy.api.builder_base import BuilderBase

__all__ = ["ReductionOps"]


class ReductionOps(BuilderBase):
    """Operator methods of the reduction family."""
