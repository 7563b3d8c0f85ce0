"""Per-backend tolerances, in one place.

Each test states the tolerance the exact reference backend must meet (its own
``assert_ulp(..., max_ulp, atol=...)``).  A backend that computes in the
output type (float32/float16 accumulation, vendor transcendental functions)
may need more for some ops: the entries here widen a test's tolerance when the
graph it ran contains the op, on that backend, for that output data type.
Every entry says why.
"""

from __future__ import annotations

__all__ = ["TOLERANCES", "widen"]

#: backend -> (op, data type) -> (max_ulp, atol)
TOLERANCES: dict[str, dict[tuple[str, str], tuple[int, float]]] = {
    "numpy": {},
    "onnxruntime": {},
}


def widen(backend: str, ops: set[str], data_type: str, max_ulp: int,
          atol: float) -> tuple[int, float]:
    """The tolerance for a result of ``data_type`` from a graph of ``ops``."""
    table = TOLERANCES.get(backend, {})
    for op in ops:
        ulp, tol = table.get((op, data_type), (0, 0.0))
        max_ulp, atol = max(max_ulp, ulp), max(atol, tol)
    return max_ulp, atol
