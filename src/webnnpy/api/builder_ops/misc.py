"""MLGraphBuilder methods of the misc family."""

from __future__ import annotations

from webnnpy.api.builder_base import BuilderBase

__all__ = ["MiscOps"]


class MiscOps(BuilderBase):
    """Operator methods of the misc family."""
