"""Validation helpers shared by the op rules: the spec's IDL conversions of
option values, broadcasting, axis checks, dimension checks and the generic
data-type / rank check against a context's support limits.

Every failure raises ``TypeError`` (the spec's kind for validation) with a
message naming the op, the argument (by its Python name), the bad value and
what was expected.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from typing import Any, NoReturn

from webnnpy._spec import api_table, op_table, to_py_name
from webnnpy.dtypes import DATA_TYPES
from webnnpy.ir.descriptor import Desc

__all__ = [
    "MAX_DIMENSION",
    "MAX_TENSOR_COUNT",
    "OpLimits",
    "as_bool",
    "as_double",
    "as_enum",
    "as_float_list",
    "as_number",
    "as_uint",
    "as_uint_list",
    "broadcast_bidirectional",
    "check_axes",
    "check_axis",
    "check_limits",
    "check_output_limits",
    "check_shape",
    "check_tensor_count",
    "fail",
    "is_unidirectionally_broadcastable",
    "is_valid_dimension",
    "py",
    "same_type",
]

#: A valid dimension is an integer in 1..2**31-1 (the range of WebIDL long).
MAX_DIMENSION = 2**31 - 1
#: A valid tensor count is 1..8192 (concat inputs, split outputs).
MAX_TENSOR_COUNT = 8192

#: Per operand (spec limits key): (allowed data types, min rank, max rank).
OpLimits = Mapping[str, tuple[frozenset[str], int, int]]


def fail(op: str, message: str) -> NoReturn:
    """Raise the spec's TypeError for op ``op``."""
    raise TypeError(f"{op}: {message}")


def py(name: str) -> str:
    """An argument's name as the Python caller spells it."""
    return to_py_name(name)


def _is_int(v: Any) -> bool:
    return isinstance(v, numbers.Integral) and not isinstance(v, bool)


# ---------------------------------------------------------------- conversions


def as_uint(op: str, name: str, value: Any, *, bits: int = 32) -> int:
    """WebIDL ``unsigned long`` (or ``unsigned long long`` with bits=64)."""
    if not _is_int(value) or not 0 <= int(value) < 2**bits:
        fail(op, f"{py(name)} must be an integer in [0, 2**{bits}), got {value!r}")
    return int(value)


def as_uint_list(
    op: str, name: str, value: Any, *, length: int | None = None
) -> list[int]:
    """WebIDL ``sequence<unsigned long>``, optionally of a required length."""
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence | range):
        if hasattr(value, "tolist") and getattr(value, "ndim", 1) == 1:
            value = value.tolist()
        else:
            fail(op, f"{py(name)} must be a sequence of integers, got {value!r}")
    out = [as_uint(op, name, v) for v in value]
    if length is not None and len(out) != length:
        fail(op, f"{py(name)} must have {length} items, got {len(out)}: {out}")
    return out


def as_double(op: str, name: str, value: Any) -> float:
    """WebIDL ``double``/``float`` (restricted: NaN and infinities are errors)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        fail(op, f"{py(name)} must be a number, got {value!r}")
    v = float(value)
    if not math.isfinite(v):
        fail(op, f"{py(name)} must be finite, got {v}")
    return v


def as_float_list(
    op: str, name: str, value: Any, *, length: int | None = None
) -> list[float]:
    """WebIDL ``sequence<float>`` (finite values)."""
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        if hasattr(value, "tolist") and getattr(value, "ndim", 1) == 1:
            value = value.tolist()
        else:
            fail(op, f"{py(name)} must be a sequence of numbers, got {value!r}")
    out = [as_double(op, name, v) for v in value]
    if length is not None and len(out) != length:
        fail(op, f"{py(name)} must have {length} items, got {len(out)}: {out}")
    return out


def as_float32_list(op: str, name: str, value: Any) -> list[float]:
    """WebIDL ``sequence<float>``: finite numbers, each rounded to float32 (an
    overflow to infinity is a TypeError, as for WebIDL's restricted float)."""
    import numpy as np

    out = []
    for v in as_float_list(op, name, value):
        with np.errstate(over="ignore"):
            f = float(np.float32(v))
        if not math.isfinite(f):
            fail(op, f"{py(name)} item {v!r} is out of the range of float")
        out.append(f)
    return out


def as_number(op: str, name: str, value: Any) -> int | float:
    """``MLNumber`` (bigint or unrestricted double): ints stay exact Python ints."""
    if _is_int(value):
        return int(value)
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        fail(op, f"{py(name)} must be a number, got {value!r}")
    return float(value)


def as_long(op: str, name: str, value: Any) -> int:
    """WebIDL ``[EnforceRange] long``: an integer in [-2**31, 2**31)."""
    if not _is_int(value) or not -2**31 <= int(value) < 2**31:
        fail(op, f"{py(name)} must be an integer in [-2**31, 2**31), got {value!r}")
    return int(value)


def as_enum_list(op: str, name: str, value: Any, enum: str) -> list[str]:
    """WebIDL ``sequence<enum>``."""
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        fail(op, f"{py(name)} must be a sequence of {enum} names, got {value!r}")
    return [as_enum(op, name, v, enum) for v in value]


def as_bool(op: str, name: str, value: Any) -> bool:
    """WebIDL ``boolean``: only True/False are accepted."""
    if not isinstance(value, bool):
        fail(op, f"{py(name)} must be True or False, got {value!r}")
    return value


def as_enum(op: str, name: str, value: Any, enum: str) -> str:
    """A value of the spec enum ``enum`` (e.g. ``MLInputOperandLayout``)."""
    # MLOperandDataType includes the declared int4/uint4 extension
    allowed = DATA_TYPES if enum == "MLOperandDataType" else api_table()["enums"][enum]
    if value not in allowed:
        choices = ", ".join(repr(a) for a in allowed)
        fail(op, f"{py(name)} {value!r} is not a valid {enum}; expected one of "
                 f"{choices}")
    return str(value)


# ------------------------------------------------------------------- shapes


def is_valid_dimension(d: int) -> bool:
    """An integer greater than zero and within the range of long."""
    return 0 < d <= MAX_DIMENSION


def check_shape(op: str, what: str, shape: Sequence[int]) -> tuple[int, ...]:
    """Every dimension and the element count must be valid dimensions."""
    for d in shape:
        if not is_valid_dimension(d):
            fail(op, f"{what} shape {list(shape)} has dimension {d}; every "
                     f"dimension must be in [1, {MAX_DIMENSION}]")
    if not is_valid_dimension(math.prod(shape)):
        fail(op, f"{what} shape {list(shape)} has {math.prod(shape)} elements; "
                 f"at most {MAX_DIMENSION} are allowed")
    return tuple(int(d) for d in shape)


def check_tensor_count(op: str, what: str, n: int) -> None:
    """A valid tensor count: 1..8192."""
    if not 0 < n <= MAX_TENSOR_COUNT:
        fail(op, f"{what} count {n} must be in [1, {MAX_TENSOR_COUNT}]")


def broadcast_bidirectional(
    op: str, a: Sequence[int], b: Sequence[int], a_name: str = "a",
    b_name: str = "b",
) -> tuple[int, ...]:
    """The spec's *bidirectionally broadcasting* (NumPy rules), or TypeError."""
    rank = max(len(a), len(b))
    pa = (1,) * (rank - len(a)) + tuple(a)
    pb = (1,) * (rank - len(b)) + tuple(b)
    out = []
    for da, db in zip(pa, pb, strict=True):
        if da == db or db == 1:
            out.append(da)
        elif da == 1:
            out.append(db)
        else:
            fail(op, f"{py(a_name)} shape {list(a)} and {py(b_name)} shape "
                     f"{list(b)} are not broadcastable")
    return tuple(out)


def is_unidirectionally_broadcastable(
    src: Sequence[int], target: Sequence[int]
) -> bool:
    """True if ``src`` broadcasts to exactly ``target`` (the spec's
    *unidirectionally broadcastable*)."""
    if len(src) > len(target):
        return False
    padded = (1,) * (len(target) - len(src)) + tuple(src)
    return all(s in (1, t) for s, t in zip(padded, target, strict=True))


def check_axis(op: str, name: str, axis: Any, rank: int) -> int:
    """An unsigned axis that must be less than ``rank``."""
    a = as_uint(op, name, axis)
    if a >= rank:
        fail(op, f"{py(name)} {a} is out of range; expected an axis less than "
                 f"the input rank {rank}")
    return a


def check_axes(op: str, name: str, axes: Any, rank: int) -> list[int]:
    """Unique unsigned axes, each less than ``rank``."""
    out = as_uint_list(op, name, axes)
    for a in out:
        if a >= rank:
            fail(op, f"{py(name)} {out} has axis {a}; every axis must be less "
                     f"than the input rank {rank}")
    if len(set(out)) != len(out):
        fail(op, f"{py(name)} {out} has duplicates; axes must be unique")
    return out


def same_type(op: str, a_name: str, a: Desc, b_name: str, b: Desc) -> None:
    """``b`` must have ``a``'s data type."""
    if a.data_type != b.data_type:
        fail(op, f"{py(b_name)} has data type {b.data_type}, but {py(a_name)} "
                 f"has {a.data_type}; they must match")


# ------------------------------------------------------------ generic limits


def _rank_text(lo: int, hi: int) -> str:
    return str(lo) if lo == hi else f"{lo} to {hi}"


def check_limits(
    op: str, operands: Mapping[str, Desc | list[Desc] | None], limits: OpLimits
) -> None:
    """Check each present operand's data type (against ``limits`` and the spec's
    "same as" constraints) and rank (against ``limits``), in argument order."""
    table = op_table(op)
    for spec in table["operands"]:
        arg = operands.get(spec["name"])
        if arg is None:
            continue
        descs = arg if isinstance(arg, list) else [arg]
        types, lo, hi = limits[spec["limits_key"]]
        for i, d in enumerate(descs):
            what = py(spec["name"]) + (f"[{i}]" if isinstance(arg, list) else "")
            other = spec["same_type_as"]
            if other is not None:
                ref = operands.get(other)
                ref_desc = ref[0] if isinstance(ref, list) else ref
                if ref_desc is not None and d.data_type != ref_desc.data_type:
                    fail(op, f"{what} has data type {d.data_type}, but "
                             f"{py(other)} has {ref_desc.data_type}; they must "
                             f"match")
            if d.data_type not in types:
                allowed = ", ".join(t for t in DATA_TYPES if t in types)
                fail(op, f"{what} has data type {d.data_type}; expected one of "
                         f"{allowed}")
            if not lo <= d.rank <= hi:
                fail(op, f"{what} has rank {d.rank} (shape {list(d.shape)}); "
                         f"expected rank {_rank_text(lo, hi)}")


def check_output_limits(op: str, outputs: Sequence[Desc], limits: OpLimits) -> None:
    """Each output's data type and rank must be ones the context supports."""
    specs = op_table(op)["outputs"]
    for i, d in enumerate(outputs):
        spec = specs[min(i, len(specs) - 1)]
        types, lo, hi = limits[spec["limits_key"]]
        if d.data_type not in types:
            allowed = ", ".join(t for t in DATA_TYPES if t in types)
            fail(op, f"output data type {d.data_type} is not supported; expected "
                     f"one of {allowed}")
        if not lo <= d.rank <= hi:
            fail(op, f"output rank {d.rank} is not supported; expected rank "
                     f"{_rank_text(lo, hi)}")
        check_shape(op, "output", d.shape)
