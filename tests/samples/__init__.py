"""Sample builders per op, for the test that proves op_support_limits().

Each family module defines ``SAMPLES: dict[str, Sample]`` (spec op name ->
Sample).  ``Sample.fn(builder, dtype, rank)`` makes a valid call of the op whose
``key`` operand (a limits key, e.g. "input") has data type ``dtype`` and rank
``rank``, declaring whatever inputs it needs, and returns the op's result
(an MLOperand or a list of them).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import webnnpy

__all__ = ["Sample", "desc", "inp"]


@dataclass(frozen=True)
class Sample:
    """How to build one op for a given (dtype, rank) of operand ``key``."""

    fn: Callable[[webnnpy.MLGraphBuilder, str, int], Any]
    key: str = "input"


def desc(dtype: str, shape: Any) -> dict[str, Any]:
    """An operand descriptor dict."""
    return {"data_type": dtype, "shape": list(shape)}


def inp(b: webnnpy.MLGraphBuilder, name: str, dtype: str, shape: Any
        ) -> webnnpy.MLOperand:
    """Declare an input."""
    return b.input(name, desc(dtype, shape))
