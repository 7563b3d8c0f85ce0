"""``MLOperandDataType`` <-> NumPy dtypes, element sizes, and the spec's ``cast``.

Leaf module: imports only NumPy (and ``ml_dtypes``, lazily, for int4/uint4).

int4 and uint4 are declared extensions (Chromium 153 has them in its IDL; the
spec's text is pending).  Their raw bytes are *packed*, as Chromium and WPT
write them: two elements a byte, element ``2k`` in bits 0-3 of byte ``k`` and
element ``2k+1`` in bits 4-7, no padding between dimensions, so a tensor of
``n`` elements has ``ceil(n / 2)`` bytes (an odd count leaves the last byte's
high nibble unused: written as 0, ignored when read).  On the NumPy side they
are ``ml_dtypes.int4`` / ``ml_dtypes.uint4`` arrays, one element a byte.
"""

from __future__ import annotations

import math
import numbers
from typing import TYPE_CHECKING, Final

import numpy as np

if TYPE_CHECKING:
    from typing_extensions import Buffer

__all__ = [
    "CARRIER_TYPES",
    "DATA_TYPES",
    "EXTENSION_DATA_TYPES",
    "FLOAT_TYPES",
    "INT4_OPERANDS",
    "INTEGER_TYPES",
    "PACKED_TYPES",
    "SPEC_DATA_TYPES",
    "byte_length",
    "carrier",
    "cast_number",
    "element_size",
    "from_numpy_dtype",
    "int_bounds",
    "is_float",
    "is_packed",
    "numpy_dtype",
    "pack_int4",
    "unpack_int4",
]

#: The 8 values of the spec's ``MLOperandDataType`` in spec order.
SPEC_DATA_TYPES: Final = (
    "float32", "float16", "int32", "uint32", "int64", "uint64", "int8", "uint8",
)
#: Declared extension values (Chromium 153's IDL has them; spec text pending).
EXTENSION_DATA_TYPES: Final = ("int4", "uint4")
#: Every data type webnnpy accepts, in Chromium's IDL order.
DATA_TYPES: Final = SPEC_DATA_TYPES + EXTENSION_DATA_TYPES
FLOAT_TYPES: Final = ("float32", "float16")
INTEGER_TYPES: Final = ("int32", "uint32", "int64", "uint64", "int8", "uint8",
                        "int4", "uint4")
#: Types whose raw bytes hold two elements a byte.
PACKED_TYPES: Final = ("int4", "uint4")
_BOUNDS4: Final = {"int4": (-8, 7), "uint4": (0, 15)}
#: Where int4 and uint4 may appear (op -> its limits keys), besides graph
#: inputs, constants and outputs.  Chromium 153 (LiteRT, the only backend of
#: its Linux build) reports int4 for concat, dequantizeLinear's input and
#: zeroPoint, and reshape; its IDL has uint4 too, and the quantized-weights use
#: (issue 14) needs the rest: cast both ways, quantizeLinear's zeroPoint and
#: output, and the ops that move elements without arithmetic.
INT4_OPERANDS: Final = {
    "cast": ("input", "output"),
    "concat": ("inputs", "output"),
    "dequantizeLinear": ("input", "zeroPoint"),
    "expand": ("input", "output"),
    "quantizeLinear": ("zeroPoint", "output"),
    "reshape": ("input", "output"),
    "slice": ("input", "output"),
    "transpose": ("input", "output"),
}

_NP: dict[str, np.dtype] = {name: np.dtype(name) for name in SPEC_DATA_TYPES}
_FROM_NP: dict[np.dtype, str] = {dt: name for name, dt in _NP.items()}


def _load_int4() -> None:
    """Register ml_dtypes' int4/uint4 (imported only when they are used)."""
    try:
        import ml_dtypes
    except ImportError:
        raise TypeError("the int4 and uint4 data types need the ml_dtypes package "
                        "(pip install ml_dtypes)") from None
    for name in PACKED_TYPES:
        dt = np.dtype(getattr(ml_dtypes, name))
        _NP[name] = dt
        _FROM_NP[dt] = name


def numpy_dtype(data_type: str) -> np.dtype:
    """The NumPy dtype that holds ``data_type`` elements (``ml_dtypes.int4`` /
    ``ml_dtypes.uint4`` for the packed types: one element a byte in memory)."""
    try:
        return _NP[data_type]
    except KeyError:
        if data_type not in PACKED_TYPES:
            raise
    _load_int4()
    return _NP[data_type]


def from_numpy_dtype(dtype: np.dtype | type) -> str | None:
    """The ``MLOperandDataType`` of a NumPy dtype, or None if WebNN has none."""
    dt = np.dtype(dtype)
    name = _FROM_NP.get(dt)
    if name is None and dt.kind == "V" and dt.name in PACKED_TYPES:
        _load_int4()
        name = _FROM_NP.get(dt)
    return name


#: The type that holds an int4/uint4 value inside a native backend's graph
#: (exact: one value a byte, as ml_dtypes keeps them).
CARRIER_TYPES: Final = {"int4": "int8", "uint4": "uint8"}


def carrier(arr: np.ndarray) -> np.ndarray:
    """An ml_dtypes int4/uint4 array as int8/uint8 with the same values (the
    sign extended: ml_dtypes keeps only the nibble in each byte); any other
    array as it is."""
    name = arr.dtype.name if arr.dtype.kind == "V" else ""
    if name in CARRIER_TYPES:
        return arr.astype(CARRIER_TYPES[name])
    return arr


def is_packed(data_type: str) -> bool:
    """True for int4 and uint4 (two elements a byte in raw buffers)."""
    return data_type in PACKED_TYPES


def element_size(data_type: str) -> int:
    """Bytes per element, as the matching ArrayBufferView's element size (1
    for int4/uint4: a Uint8Array, which holds two of them; see
    :func:`byte_length`)."""
    if data_type in PACKED_TYPES:
        return 1
    return _NP[data_type].itemsize


def byte_length(data_type: str, element_count: int) -> int:
    """The byte length of ``element_count`` elements in a raw buffer:
    ``ceil(count / 2)`` for the packed types, count times the size else."""
    if data_type in PACKED_TYPES:
        return (element_count + 1) // 2
    return element_count * _NP[data_type].itemsize


def pack_int4(values: object, data_type: str) -> np.ndarray:
    """Pack int4/uint4 values into raw bytes (a flat uint8 array of
    ``ceil(n / 2)`` bytes, element ``2k`` in the low nibble of byte ``k``).

    ``values``: an ``ml_dtypes`` array of ``data_type``, or integers (any
    integer array or sequence) each in the type's range (-8..7 for int4,
    0..15 for uint4): TypeError names the first one outside it.
    """
    if data_type not in PACKED_TYPES:
        raise TypeError(f"pack_int4: data_type {data_type!r} is not int4 or uint4")
    arr = np.asarray(values)
    if arr.dtype != numpy_dtype(data_type):
        if arr.dtype.kind not in "iub" and arr.size:
            raise TypeError(f"pack_int4: expected integers or an ml_dtypes "
                            f"{data_type} array, got {arr.dtype} values")
        wide = arr.astype(np.int64).reshape(-1)
        lo, hi = _BOUNDS4[data_type]
        bad = np.flatnonzero((wide < lo) | (wide > hi))
        if bad.size:
            raise TypeError(f"pack_int4: value {int(wide[bad[0]])} at index "
                            f"{int(bad[0])} is out of the {data_type} range "
                            f"[{lo}, {hi}]")
        nib: np.ndarray = (wide & 0xF).astype(np.uint8)
    else:
        # ml_dtypes keeps each element's low nibble in its byte (no sign bits)
        nib = np.ascontiguousarray(arr).reshape(-1).view(np.uint8) & 0xF
    n = nib.size
    if n % 2:
        nib = np.concatenate([nib, np.zeros(1, np.uint8)])
    return (nib[0::2] | (nib[1::2] << 4)).astype(np.uint8)


def unpack_int4(data: Buffer | np.ndarray, data_type: str, shape: tuple[int, ...] | int
                ) -> np.ndarray:
    """Raw packed bytes (``pack_int4``'s layout) as an ``ml_dtypes`` array of
    ``data_type`` and ``shape``; the unused high nibble of an odd count is
    ignored.  TypeError when the byte length is not ``ceil(n / 2)``."""
    if data_type not in PACKED_TYPES:
        raise TypeError(f"unpack_int4: data_type {data_type!r} is not int4 or "
                        f"uint4")
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    n = math.prod(shape)
    raw = np.frombuffer(memoryview(data).cast("B"), dtype=np.uint8) \
        if not isinstance(data, np.ndarray) else \
        np.ascontiguousarray(data).reshape(-1).view(np.uint8)
    if raw.size != (n + 1) // 2:
        raise TypeError(f"unpack_int4: {raw.size} bytes do not hold {n} {data_type} "
                        f"elements; expected {(n + 1) // 2} bytes")
    out = np.empty(2 * raw.size, dtype=np.uint8)
    out[0::2] = raw & 0xF
    out[1::2] = raw >> 4
    # ml_dtypes stores the nibble itself: the bytes are already the elements
    return out[:n].view(numpy_dtype(data_type)).reshape(shape)


def is_float(data_type: str) -> bool:
    """True for float32 and float16."""
    return data_type in FLOAT_TYPES


def int_bounds(data_type: str) -> tuple[int, int]:
    """The least and greatest value of an integer data type."""
    if data_type in _BOUNDS4:
        return _BOUNDS4[data_type]
    info = np.iinfo(_NP[data_type])
    return int(info.min), int(info.max)


_int_bounds = int_bounds


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
