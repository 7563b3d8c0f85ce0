"""Validation and shape inference for the gather_scatter family (spec steps, in order)."""

from __future__ import annotations

from webnnpy.ir.registry import RuleTable

__all__ = ["RULES"]

RULES = RuleTable()
