"""MLGraphBuilder methods of the recurrent family."""

from __future__ import annotations

from webnnpy.api.builder_base import BuilderBase

__all__ = ["RecurrentOps"]


class RecurrentOps(BuilderBase):
    """Operator methods of the recurrent family."""
