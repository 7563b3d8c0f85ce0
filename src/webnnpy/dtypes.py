"""``MLOperandDataType`` <-> NumPy dtypes, element sizes, and the spec's ``cast``.

Leaf module: imports only NumPy.
"""

from __future__ import annotations

import math
from typing import Final

import numpy as np

__all__ = [
    "DATA_TYPES",
    "FLOAT_TYPES",
    "INTEGER_TYPES",
    "cast_number",
    "element_size",
    "from_numpy_dtype",
    "is_float",
    "numpy_dtype",
]

#: The 8 values of ``MLOperandDataType`` in spec order.
DATA_TYPES: Final = (
    "float32", "float16", "int32", "uint32", "int64", "uint64", "int8", "uint8",
)
FLOAT_TYPES: Final = ("float32", "float16")
INTEGER_TYPES: Final = ("int32", "uint32", "int64", "uint64", "int8", "uint8")

_NP: Final = {name: np.dtype(name) for name in DATA_TYPES}
_FROM_NP: Final = {dt: name for name, dt in _NP.items()}


def numpy_dtype(data_type: str) -> np.dtype:
    """The NumPy dtype that holds ``data_type`` elements."""
    return _NP[data_type]


def from_numpy_dtype(dtype: np.dtype | type) -> str | None:
    """The ``MLOperandDataType`` of a NumPy dtype, or None if WebNN has none."""
    return _FROM_NP.get(np.dtype(dtype))


def element_size(data_type: str) -> int:
    """Bytes per element, as the matching ArrayBufferView's element size."""
    return _NP[data_type].itemsize


def is_float(data_type: str) -> bool:
    """True for float32 and float16."""
    return data_type in FLOAT_TYPES


def _int_bounds(data_type: str) -> tuple[int, int]:
    info = np.iinfo(_NP[data_type])
    return int(info.min), int(info.max)


def cast_number(x: int | float, data_type: str) -> int | float:
    """The spec's *cast* algorithm (#algorithms-casting) for one MLNumber.

    Floats round to nearest even and overflow to infinity; integers clamp to the
    type's range, then round half to even, NaN giving 0.  Python ints are exact,
    so 64-bit values survive.  uint32 is read as unsigned (the spec's text says
    "signed", an evident slip: see docs/differences.md).
    """
    if data_type in FLOAT_TYPES:
        if isinstance(x, int) and abs(x) >= 2**128:
            # at or beyond ConvertToFloat's upperBound for both widths (and
            # possibly beyond a double's range, where float(x) would raise)
            return math.inf if x > 0 else -math.inf
        # float(x) rounds a Python int to the nearest double; casting a double
        # to float32/float16 by NumPy rounds once more to nearest even.  Double
        # rounding cannot differ from a direct rounding here because a double
        # has more than twice the significand bits of float32 plus two.
        # Overflow to infinity is the defined result, not a warning.
        with np.errstate(over="ignore"):
            return float(_NP[data_type].type(float(x)))
    lo, hi = _int_bounds(data_type)
    if isinstance(x, float):
        if math.isnan(x):
            return 0
        if x <= lo:
            return lo
        if x >= hi:
            return hi
        return round(x)  # Python's round() of a float is an int, half to even
    return min(max(int(x), lo), hi)
