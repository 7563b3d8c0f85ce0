"""MLGraphBuilder methods of the activation family."""

from __future__ import annotations

from webnnpy.api.builder_base import BuilderBase

__all__ = ["ActivationOps"]


class ActivationOps(BuilderBase):
    """Operator methods of the activation family."""
