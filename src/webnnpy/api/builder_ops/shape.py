"""MLGraphBuilder methods of the shape family."""

from __future__ import annotations

from webnnpy.api.builder_base import BuilderBase

__all__ = ["ShapeOps"]


class ShapeOps(BuilderBase):
    """Operator methods of the shape family."""
