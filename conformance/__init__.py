"""Conformance runners that take an external suite as input (not shipped)."""
