"""``MLOperandDataType`` <-> NumPy dtypes, element sizes, and the spec's ``cast``.

Leaf module: imports only NumPy.
"""

from __future__ import annotations

import math
import numbers
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


def _int_to_odd_double(x: int) -> float:
    """``x`` as a double rounded to odd: truncated to 53 significant bits, the
    last one set if any bit was dropped.  Rounding that to a format with at
    most 51 significand bits (float32 has 24, float16 11) gives the correctly
    rounded result.  Needs ``abs(x) < 2**1024``."""
    n = abs(x)
    shift = n.bit_length() - 53
    if shift <= 0:
        return float(x)
    m = n >> shift
    if n & ((1 << shift) - 1):
        m |= 1
    v = math.ldexp(float(m), shift)
    return -v if x < 0 else v


def cast_number(x: int | float, data_type: str) -> int | float:
    """The spec's *cast* algorithm (#algorithms-casting) for one MLNumber.

    Floats round to nearest even and overflow to infinity; integers clamp to the
    type's range, then round half to even, NaN giving 0.  Python ints are exact,
    so 64-bit values survive.  uint32 is read as unsigned (the spec's text says
    "signed", an evident slip: recorded in ``apidiff.SPEC_READINGS``).
    """
    # Integral values (NumPy's too) stay exact ints; any other real is a double.
    x = int(x) if isinstance(x, numbers.Integral) else float(x)
    if data_type in FLOAT_TYPES:
        if isinstance(x, int) and abs(x) >= 2**128:
            # at or beyond ConvertToFloat's upperBound for both widths (and
            # possibly beyond a double's range, where float(x) would raise)
            return math.inf if x > 0 else -math.inf
        # A double is rounded once, to nearest even, by NumPy.  An int is first
        # made a double rounded to odd, which keeps that second rounding
        # correct (float(x) would round to nearest, and a value just below a
        # float32 midpoint could land on it and then round the wrong way).
        # Overflow to infinity is the defined result, not a warning.
        v = float(x) if isinstance(x, float) else _int_to_odd_double(x)
        with np.errstate(over="ignore"):
            return float(_NP[data_type].type(v))
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
