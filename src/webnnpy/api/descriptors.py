"""``MLOperandDescriptor`` and ``MLTensorDescriptor``, and the conversions of
descriptors and buffers that the spec's IDL performs at the API boundary."""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from webnnpy.dtypes import DATA_TYPES, is_packed, numpy_dtype, pack_int4, unpack_int4
from webnnpy.ir.checks import MAX_DIMENSION
from webnnpy.ir.descriptor import Desc

__all__ = [
    "DescriptorLike",
    "MLOperandDescriptor",
    "MLTensorDescriptor",
    "PackedOutput",
    "as_buffer",
    "buffer_to_array",
    "check_buffer",
    "check_dimensions",
    "to_desc",
    "writable_view",
]


class _MappingStruct(Mapping[str, Any]):
    """A frozen dataclass that can also be used as a dict (``**desc``)."""

    def __getitem__(self, key: str) -> Any:
        if key not in self._keys():
            raise KeyError(key)
        return getattr(self, key)

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys())

    def __len__(self) -> int:
        return len(self._keys())

    def _keys(self) -> tuple[str, ...]:
        cls = type(self)
        keys = _KEYS.get(cls)
        if keys is None:  # dataclasses.fields() costs microseconds a call
            keys = _KEYS[cls] = tuple(f.name for f in fields(self))  # type: ignore[arg-type]
        return keys


#: each _MappingStruct dataclass's field names
_KEYS: dict[type, tuple[str, ...]] = {}


@dataclass(frozen=True)
class MLOperandDescriptor(_MappingStruct):
    """The spec's MLOperandDescriptor: ``data_type`` and ``shape`` (empty for a
    scalar).  A plain dict with these keys is accepted wherever one is taken."""

    data_type: str
    shape: tuple[int, ...]


@dataclass(frozen=True)
class MLTensorDescriptor(_MappingStruct):
    """The spec's MLTensorDescriptor: an operand descriptor plus ``readable``
    and ``writable`` (both default False)."""

    data_type: str
    shape: tuple[int, ...]
    readable: bool = False
    writable: bool = False


DescriptorLike = Mapping[str, Any]


def _shape(where: str, shape: Any) -> tuple[int, ...]:
    if isinstance(shape, (str, bytes)) or not isinstance(shape, Sequence | np.ndarray):
        raise TypeError(f"{where}: shape must be a sequence of integers, got {shape!r}")
    out = []
    for d in shape:
        if isinstance(d, bool) or not isinstance(d, (int, np.integer)):
            raise TypeError(f"{where}: shape {list(shape)} has {d!r}; dimensions "
                            f"must be integers")
        if not 0 <= int(d) < 2**32:  # [EnforceRange] unsigned long
            raise TypeError(f"{where}: shape {list(shape)} has {d}; dimensions "
                            f"must be in [0, 2**32)")
        out.append(int(d))
    return tuple(out)


def to_desc(where: str, value: Any, *, tensor: bool = False) -> tuple[Desc, bool, bool]:
    """Convert a descriptor dict (``data_type``, ``shape`` and for tensors
    ``readable``/``writable``) to ``(Desc, readable, writable)``."""
    if not isinstance(value, Mapping):
        raise TypeError(f"{where}: descriptor must be a dict with data_type and "
                        f"shape, got {value!r}")
    # An MLTensorDescriptor is an MLOperandDescriptor (it inherits it), so a
    # tensor's descriptor, readable/writable included, describes an operand
    # too; those two members then play no part.
    allowed = {"data_type", "shape", "readable", "writable"}
    if isinstance(value, MLTensorDescriptor) and not tensor:
        value = {"data_type": value.data_type, "shape": value.shape}
    unknown = set(value) - allowed
    if unknown:
        hint = {"dataType": "data_type"}
        names = ", ".join(f"{k!r}" + (f" (did you mean {hint[k]!r}?)" if k in hint
                                       else "") for k in sorted(unknown))
        raise TypeError(f"{where}: unknown descriptor key {names}; expected "
                        f"{', '.join(sorted(allowed))}")
    # Members convert in the IDL's order: the inherited data_type and shape,
    # then readable and writable.
    if "data_type" not in value:
        raise TypeError(f"{where}: descriptor is missing the required 'data_type'")
    dt = value["data_type"]
    if dt not in DATA_TYPES:
        raise TypeError(f"{where}: data_type {dt!r} is not an MLOperandDataType; "
                        f"expected one of {', '.join(DATA_TYPES)}")
    if is_packed(dt):
        numpy_dtype(dt)  # registers ml_dtypes' int4/uint4 (TypeError without it)
    if "shape" not in value:
        raise TypeError(f"{where}: descriptor is missing the required 'shape'")
    shape = _shape(where, value["shape"])
    flags = []
    for k in ("readable", "writable"):
        f = value.get(k, False)
        if not isinstance(f, bool):
            raise TypeError(f"{where}: {k} must be True or False, got {f!r}")
        flags.append(f)
    return Desc(dt, shape), flags[0], flags[1]


def check_dimensions(where: str, desc: Desc, max_rank: int, max_bytes: int) -> None:
    """The spec's *check dimensions*, raising TypeError when it returns false."""
    for d in desc.shape:
        if not 0 < d <= MAX_DIMENSION:
            raise TypeError(f"{where}: shape {list(desc.shape)} has dimension {d}; "
                            f"every dimension must be in [1, {MAX_DIMENSION}]")
    if desc.rank > max_rank:
        raise TypeError(f"{where}: rank {desc.rank} is not supported; at most "
                        f"{max_rank}")
    if math.prod(desc.shape) > MAX_DIMENSION:
        raise TypeError(f"{where}: shape {list(desc.shape)} has "
                        f"{math.prod(desc.shape)} elements; at most {MAX_DIMENSION}")
    if desc.byte_length > max_bytes:
        raise TypeError(f"{where}: {desc.byte_length} bytes is more than the "
                        f"supported {max_bytes}")


def as_buffer(where: str, data: Any) -> np.ndarray:
    """The IDL conversion of an ``AllowSharedBufferSource`` argument: any object
    with the buffer protocol, as a NumPy array of its element type (raw bytes
    as uint8), sharing its memory; TypeError for anything else."""
    if isinstance(data, np.ndarray):
        return data
    try:
        mv = memoryview(data)
    except TypeError:
        raise TypeError(f"{where}: expected a buffer (a NumPy array, bytes, "
                        f"bytearray, memoryview, array.array...), got "
                        f"{type(data).__name__}") from None
    try:
        return np.asarray(mv)
    except (ValueError, TypeError):  # formats NumPy cannot read
        return np.frombuffer(mv.cast("B"), dtype=np.uint8)


def _matches(arr: np.ndarray, data_type: str) -> bool:
    """The spec's view-type check: same element type, or any Uint8Array (and
    Uint16Array bits for float16, as a note of the spec allows)."""
    dt = arr.dtype
    if dt == np.uint8 or dt == numpy_dtype(data_type):
        return True
    return data_type == "float16" and dt == np.uint16


def _check_packed(where: str, arr: np.ndarray, desc: Desc) -> None:
    """int4/uint4 (a declared extension): raw bytes are a uint8 buffer of
    ``ceil(n / 2)`` packed bytes (what Chromium takes, a Uint8Array); an
    ``ml_dtypes`` array of the data type with ``n`` elements is the Python
    form (one element a byte)."""
    n = desc.element_count
    if arr.dtype == numpy_dtype(desc.data_type):
        if arr.size != n:
            raise TypeError(f"{where}: a {desc.data_type} array of {arr.size} "
                            f"elements does not match {desc}, which has {n}")
        return
    if arr.dtype != np.uint8:
        raise TypeError(f"{where}: a {arr.dtype} buffer does not match data type "
                        f"{desc.data_type}; pass packed uint8 bytes (two elements "
                        f"a byte) or an ml_dtypes {desc.data_type} array")
    if arr.nbytes != desc.byte_length:
        raise TypeError(f"{where}: buffer has {arr.nbytes} bytes, but {desc} needs "
                        f"{desc.byte_length} ({desc.data_type} is packed two "
                        f"elements a byte: ceil({n} / 2) bytes)")


def check_buffer(where: str, arr: np.ndarray, desc: Desc) -> None:
    """*Validate buffer with descriptor*: the byte length, then the element
    type (TypeError naming both when either differs)."""
    if is_packed(desc.data_type):
        _check_packed(where, arr, desc)
        return
    if arr.nbytes != desc.byte_length:
        raise TypeError(f"{where}: buffer has {arr.nbytes} bytes, but {desc} needs "
                        f"{desc.byte_length}")
    if not _matches(arr, desc.data_type):
        raise TypeError(f"{where}: a {arr.dtype} buffer does not match data type "
                        f"{desc.data_type}; pass {desc.data_type} or uint8 data")


def buffer_to_array(where: str, data: Any, desc: Desc) -> np.ndarray:
    """*Validate buffer with descriptor*, then copy the bytes into a new array
    of ``desc``'s dtype and shape (TypeError when validation fails).  Packed
    int4/uint4 bytes are unpacked into an ``ml_dtypes`` array."""
    arr = as_buffer(where, data)
    check_buffer(where, arr, desc)
    if is_packed(desc.data_type):
        if arr.dtype == np.uint8:
            return unpack_int4(arr, desc.data_type, desc.shape).copy()
        return np.array(arr, dtype=arr.dtype).reshape(desc.shape)
    out = np.empty(desc.shape, dtype=numpy_dtype(desc.data_type))
    out.reshape(-1).view(np.uint8)[:] = np.ascontiguousarray(arr).reshape(-1).view(
        np.uint8)
    return out


class PackedOutput:
    """``read_tensor``'s output buffer for int4/uint4 given as raw bytes: the
    tensor's elements are packed into it (two a byte) once they are read."""

    __slots__ = ("data_type", "dest")

    def __init__(self, dest: np.ndarray, data_type: str) -> None:
        self.dest = dest
        self.data_type = data_type

    def store(self, values: np.ndarray) -> None:
        """Pack ``values`` (an ml_dtypes array) into the caller's bytes."""
        self.dest[:] = pack_int4(values, self.data_type)


def _packed_view(where: str, arr: np.ndarray, desc: Desc
                 ) -> np.ndarray | PackedOutput:
    if not arr.flags.writeable:
        raise TypeError(f"{where}: the output buffer is read-only")
    if not arr.flags.c_contiguous:
        raise TypeError(f"{where}: the output buffer must be C-contiguous")
    _check_packed(where, arr, desc)
    if arr.dtype == np.uint8:
        return PackedOutput(arr.reshape(-1), desc.data_type)
    return arr.reshape(desc.shape)


def writable_view(where: str, data: Any, desc: Desc) -> np.ndarray | PackedOutput:
    """A writable NumPy view of the caller's buffer, of ``desc``'s dtype (for
    ``read_tensor(tensor, output_data)``); TypeError when it does not match.
    For int4/uint4 raw bytes, a :class:`PackedOutput` that packs into them."""
    arr = as_buffer(where, data)
    if is_packed(desc.data_type):
        return _packed_view(where, arr, desc)
    flags = arr.flags
    if (flags.writeable and flags.c_contiguous and arr.shape == desc.shape
            and arr.dtype == numpy_dtype(desc.data_type)):
        return arr  # already the view we would make
    if not flags.writeable:
        raise TypeError(f"{where}: the output buffer is read-only")
    if not arr.flags.c_contiguous:
        raise TypeError(f"{where}: the output buffer must be C-contiguous")
    if arr.nbytes != desc.byte_length:
        raise TypeError(f"{where}: buffer has {arr.nbytes} bytes, but {desc} needs "
                        f"{desc.byte_length}")
    if not _matches(arr, desc.data_type):
        raise TypeError(f"{where}: a {arr.dtype} buffer does not match data type "
                        f"{desc.data_type}; pass {desc.data_type} or uint8 data")
    return arr.reshape(-1).view(np.uint8).view(numpy_dtype(desc.data_type)).reshape(
        desc.shape)
