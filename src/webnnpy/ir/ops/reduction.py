"""Validation and shape inference for the reduction family (spec steps, in order)."""

from __future__ import annotations

from webnnpy.ir.registry import RuleTable

__all__ = ["RULES"]

RULES = RuleTable()
