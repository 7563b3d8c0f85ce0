"""Every op rule, merged from one module per family
(:data:`webnnpy.ir.registry.FAMILIES`)."""

from __future__ import annotations

from webnnpy.ir.registry import FAMILIES, OpRule, merge_families

__all__ = ["FAMILIES", "RULES"]

RULES: dict[str, OpRule] = merge_families(__name__, "RULES")
