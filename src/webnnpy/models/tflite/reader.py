"""Read a ``.tflite`` flatbuffer into plain Python objects.

The flatbuffer is parsed with the ``tflite`` package (the generated schema
bindings), never by hand.  Everything the importer needs is read here, once,
inside one guard: any offset that points outside the file makes the
bindings raise (``struct.error``, ``IndexError``, ``ValueError``), which
becomes an :class:`InvalidModelError`; so does a buffer whose ``offset`` /
``size`` (the form used by models over 2 GB) runs past the end of the file.
No read goes beyond the file: the bindings slice a ``bytes`` object, and
every vector length is checked against the file's size before a loop over it.
"""

from __future__ import annotations

import inspect as _inspect
import os
import struct
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np

from webnnpy.models.tflite.errors import InvalidModelError

__all__ = [
    "DTYPE_OF_TFLITE",
    "ModelInfo",
    "OperatorInfo",
    "QuantInfo",
    "SparsityInfo",
    "TensorInfo",
    "read_model",
    "type_name",
]

#: TFLite TensorType -> the NumPy dtype of its data (None: no NumPy dtype)
DTYPE_OF_TFLITE: Final[dict[int, np.dtype]] = {
    0: np.dtype(np.float32), 1: np.dtype(np.float16), 2: np.dtype(np.int32),
    3: np.dtype(np.uint8), 4: np.dtype(np.int64), 6: np.dtype(np.bool_),
    7: np.dtype(np.int16), 9: np.dtype(np.int8), 10: np.dtype(np.float64),
    12: np.dtype(np.uint64), 15: np.dtype(np.uint32), 16: np.dtype(np.uint16),
}


def _enum_names(cls: type) -> dict[int, str]:
    return {v: k for k, v in vars(cls).items()
            if not k.startswith("_") and isinstance(v, int)}


def type_name(code: int) -> str:
    """``0`` -> ``"FLOAT32"``."""
    import tflite
    return _enum_names(tflite.TensorType).get(code, f"type {code}")


@dataclass
class QuantInfo:
    """A tensor's affine quantization: ``real = scale * (q - zero_point)``,
    per tensor (one scale) or per axis (``axis``)."""

    scale: np.ndarray
    zero_point: np.ndarray
    axis: int
    has_details: bool = False
    """The schema's ``details`` union is set (a custom scheme)."""


@dataclass
class SparsityInfo:
    """A sparse constant's layout (TFLite's sparsity parameters)."""

    traversal_order: list[int]
    block_map: list[int]
    #: per level: ("dense", size, None, None) or ("csr", 0, segments, indices)
    levels: list[tuple[str, int, np.ndarray | None, np.ndarray | None]]


@dataclass
class TensorInfo:
    """One tensor of the subgraph, with its constant data when it has any."""

    index: int
    name: str
    type: int
    shape: list[int]
    shape_signature: list[int] | None
    data: np.ndarray | None = field(default=None, repr=False)
    raw: bytes | None = field(default=None, repr=False)
    quant: QuantInfo | None = None
    sparsity: SparsityInfo | None = None
    is_variable: bool = False

    @property
    def type_name(self) -> str:
        return type_name(self.type)

    @property
    def dtype(self) -> np.dtype | None:
        return DTYPE_OF_TFLITE.get(self.type)


@dataclass
class OperatorInfo:
    """One operator: its op code name (``"CONV_2D"``, ``"CUSTOM:Name"``),
    tensor indices (-1: an omitted optional input) and options."""

    index: int
    code: str
    version: int
    inputs: list[int]
    outputs: list[int]
    options: dict[str, Any]
    custom_options: bytes = b""


@dataclass
class ModelInfo:
    """The model's main subgraph."""

    version: int
    description: str
    tensors: list[TensorInfo]
    operators: list[OperatorInfo]
    inputs: list[int]
    outputs: list[int]
    subgraphs: int
    size: int


_FIELDS: dict[type, list[tuple[str, bool]]] = {}


def _fields(cls: type) -> list[tuple[str, bool]]:
    """The getters of a generated options class: (name, is a vector)."""
    if cls not in _FIELDS:
        out = []
        for name in dir(cls):
            if name.startswith("_") or name[0].islower() or name == "Init":
                continue
            if name.startswith("GetRootAs") or name.endswith(
                    ("AsNumpy", "Length", "IsNone", "BufferHasIdentifier")):
                continue
            fn = getattr(cls, name)
            if not callable(fn):
                continue
            if hasattr(cls, name + "AsNumpy"):
                out.append((name, True))
                continue
            try:
                params = _inspect.signature(fn).parameters
            except (TypeError, ValueError):
                continue
            if len(params) == 1:            # self only: a scalar field
                out.append((name, False))
        _FIELDS[cls] = out
    return _FIELDS[cls]


def _options_dict(obj: Any) -> dict[str, Any]:
    """Every scalar field (and numeric vector) of a generated options table."""
    out: dict[str, Any] = {}
    for name, vector in _fields(type(obj)):
        if not vector:
            out[name] = getattr(obj, name)()
        elif getattr(obj, name + "IsNone")():
            out[name] = np.zeros(0, np.int32)
        else:
            out[name] = np.asarray(getattr(obj, name + "AsNumpy")())
    return out


_MAX_VECTOR = 1 << 31


def _check_len(n: int, elem: int, size: int, what: str) -> int:
    if n < 0 or n * elem > size:
        raise InvalidModelError(f"{what}: a vector of {n} entries cannot fit in a "
                                f"file of {size} bytes")
    return n


def _index_vector(dm: Any, which: str, size: int, what: str) -> np.ndarray:
    import tflite
    kind = getattr(dm, f"Array{which}Type")()
    table = getattr(dm, f"Array{which}")()
    cls = {1: tflite.Int32Vector, 2: tflite.Uint16Vector,
           3: tflite.Uint8Vector}.get(kind)
    if cls is None or table is None:
        raise InvalidModelError(f"{what}: sparse dimension has no {which.lower()} "
                                f"vector (index type {kind})")
    v = cls()
    v.Init(table.Bytes, table.Pos)
    _check_len(v.ValuesLength(), 1, size, what)
    return np.asarray(v.ValuesAsNumpy()).astype(np.int64)


def _sparsity(t: Any, size: int, what: str) -> SparsityInfo | None:
    s = t.Sparsity()
    if s is None:
        return None
    order = [int(v) for v in (s.TraversalOrderAsNumpy()
                              if not s.TraversalOrderIsNone() else [])]
    block = [int(v) for v in (s.BlockMapAsNumpy() if not s.BlockMapIsNone() else [])]
    levels: list[tuple[str, int, np.ndarray | None, np.ndarray | None]] = []
    for j in range(_check_len(s.DimMetadataLength(), 4, size, what)):
        dm = s.DimMetadata(j)
        if dm.Format() == 0:
            levels.append(("dense", int(dm.DenseSize()), None, None))
        elif dm.Format() == 1:
            levels.append(("csr", 0, _index_vector(dm, "Segments", size, what),
                           _index_vector(dm, "Indices", size, what)))
        else:
            raise InvalidModelError(f"{what}: sparse dimension format "
                                    f"{dm.Format()} is not DENSE or SPARSE_CSR")
    return SparsityInfo(order, block, levels)


def _quant(t: Any, size: int, what: str) -> QuantInfo | None:
    q = t.Quantization()
    if q is None:
        return None
    has_details = q.DetailsType() != 0
    if q.ScaleIsNone() or q.ScaleLength() == 0:
        if has_details:
            return QuantInfo(np.zeros(0, np.float32), np.zeros(0, np.int64),
                             int(q.QuantizedDimension()), True)
        return None
    _check_len(q.ScaleLength(), 4, size, what)
    scale = np.asarray(q.ScaleAsNumpy(), np.float32)
    zp = (np.asarray(q.ZeroPointAsNumpy(), np.int64) if not q.ZeroPointIsNone()
          else np.zeros(scale.shape, np.int64))
    return QuantInfo(scale, zp, int(q.QuantizedDimension()), has_details)


def _buffer_data(model: Any, buf: bytes, index: int, t: TensorInfo) -> bytes | None:
    size = len(buf)
    if index == 0:
        return None
    if index < 0 or index >= model.BuffersLength():
        raise InvalidModelError(f"tensor {t.name!r}: buffer index {index} is not "
                                f"one of the model's {model.BuffersLength()} buffers")
    b = model.Buffers(index)
    off, n = int(b.Offset()), int(b.Size())
    if off > 1:
        if off + n > size:
            raise InvalidModelError(
                f"tensor {t.name!r}: buffer {index} points at bytes {off}..{off + n} "
                f"but the file has {size} bytes")
        return bytes(buf[off:off + n]) if n else None
    if b.DataIsNone() or b.DataLength() == 0:
        return None
    _check_len(b.DataLength(), 1, size, f"tensor {t.name!r}")
    return bytes(b.DataAsNumpy().tobytes())


def _tensor(model: Any, sg: Any, buf: bytes, i: int) -> TensorInfo:
    size = len(buf)
    t = sg.Tensors(i)
    raw_name = t.Name()
    name = raw_name.decode("utf-8", "replace") if raw_name else f"tensor_{i}"
    what = f"tensor {name!r}"
    shape = ([int(d) for d in t.ShapeAsNumpy()] if not t.ShapeIsNone() else [])
    _check_len(len(shape), 4, size, what)
    sig = ([int(d) for d in t.ShapeSignatureAsNumpy()]
           if not t.ShapeSignatureIsNone() and t.ShapeSignatureLength() else None)
    info = TensorInfo(i, name, int(t.Type()), shape, sig,
                      is_variable=bool(t.IsVariable()))
    info.quant = _quant(t, size, what)
    info.sparsity = _sparsity(t, size, what)
    raw = _buffer_data(model, buf, int(t.Buffer()), info)
    if raw is not None:
        info.raw = raw
        dt = info.dtype
        if dt is not None and info.sparsity is None:
            if any(d < 0 for d in shape):
                raise InvalidModelError(f"{what}: constant with negative dimension "
                                        f"in shape {shape}")
            count = int(np.prod(shape, dtype=np.int64))
            if count * dt.itemsize != len(raw):
                raise InvalidModelError(
                    f"{what}: its data has {len(raw)} bytes; shape {shape} of "
                    f"{info.type_name} needs {count * dt.itemsize}")
            info.data = np.frombuffer(raw, dt).reshape(shape)
    return info


def read_model(source: str | os.PathLike[str] | bytes) -> ModelInfo:
    """Parse a TFLite model (a path or its bytes) into a :class:`ModelInfo`.

    Raises:
        InvalidModelError: not a TFLite flatbuffer, truncated, or an offset
            outside the file (named by tensor or operator where known).
    """
    if isinstance(source, bytes | bytearray | memoryview):
        buf = bytes(source)
        where = "the model bytes"
    else:
        try:
            with open(source, "rb") as f:
                buf = f.read()
        except OSError as e:
            raise InvalidModelError(f"cannot read {os.fspath(source)!r}: "
                                    f"{e.strerror or e}") from None
        where = repr(os.fspath(source))
    if len(buf) < 8 or buf[4:8] != b"TFL3":
        raise InvalidModelError(
            f"{where} is not a TFLite model (no 'TFL3' file identifier at bytes "
            f"4..8; {len(buf)} bytes)")
    try:
        return _read(buf)
    except InvalidModelError:
        raise
    except (struct.error, IndexError, ValueError, TypeError, OverflowError,
            AttributeError, UnicodeDecodeError, MemoryError) as e:
        raise InvalidModelError(
            f"{where} is not a valid TFLite flatbuffer (truncated, or an offset "
            f"points outside the file: {type(e).__name__}: {e})") from None


def _read(buf: bytes) -> ModelInfo:
    import tflite

    size = len(buf)
    ops_names = _enum_names(tflite.BuiltinOperator)
    opt_names = _enum_names(tflite.BuiltinOptions)
    model = tflite.Model.GetRootAsModel(buf, 0)
    n_sub = _check_len(model.SubgraphsLength(), 4, size, "subgraphs")
    if n_sub == 0:
        raise InvalidModelError("the model has no subgraph")
    _check_len(model.BuffersLength(), 4, size, "buffers")
    codes: list[tuple[str, int]] = []
    for j in range(_check_len(model.OperatorCodesLength(), 4, size, "operator codes")):
        oc = model.OperatorCodes(j)
        code = max(int(oc.BuiltinCode()), int(oc.DeprecatedBuiltinCode()))
        name = ops_names.get(code, f"BUILTIN_{code}")
        if name == "CUSTOM":
            cc = oc.CustomCode()
            name = "CUSTOM:" + (cc.decode("utf-8", "replace") if cc else "?")
        codes.append((name, int(oc.Version())))
    sg = model.Subgraphs(0)
    n_t = _check_len(sg.TensorsLength(), 4, size, "tensors")
    tensors = [_tensor(model, sg, buf, i) for i in range(n_t)]

    def tensor_list(vec: Any, what: str) -> list[int]:
        out = [int(v) for v in vec]
        for v in out:
            if v < -1 or v >= n_t:
                raise InvalidModelError(f"{what}: tensor index {v} is not one of "
                                        f"the subgraph's {n_t} tensors")
        return out

    ops: list[OperatorInfo] = []
    for i in range(_check_len(sg.OperatorsLength(), 4, size, "operators")):
        op = sg.Operators(i)
        ci = int(op.OpcodeIndex())
        if ci < 0 or ci >= len(codes):
            raise InvalidModelError(f"operator #{i}: op code index {ci} is not one "
                                    f"of the model's {len(codes)} operator codes")
        name, version = codes[ci]
        ins = tensor_list(op.InputsAsNumpy() if not op.InputsIsNone() else [],
                          f"operator #{i} ({name}) inputs")
        outs = tensor_list(op.OutputsAsNumpy() if not op.OutputsIsNone() else [],
                           f"operator #{i} ({name}) outputs")
        options: dict[str, Any] = {}
        table = op.BuiltinOptions()
        oname = opt_names.get(int(op.BuiltinOptionsType()))
        if table is not None and oname and hasattr(tflite, oname):
            o = getattr(tflite, oname)()
            o.Init(table.Bytes, table.Pos)
            options = _options_dict(o)
        custom = b""
        if not op.CustomOptionsIsNone() and op.CustomOptionsLength():
            _check_len(op.CustomOptionsLength(), 1, size, f"operator #{i}")
            custom = bytes(op.CustomOptionsAsNumpy().tobytes())
        ops.append(OperatorInfo(i, name, version, ins, outs, options, custom))
    inputs = tensor_list(sg.InputsAsNumpy() if not sg.InputsIsNone() else [],
                         "subgraph inputs")
    outputs = tensor_list(sg.OutputsAsNumpy() if not sg.OutputsIsNone() else [],
                          "subgraph outputs")
    desc = model.Description()
    return ModelInfo(int(model.Version()),
                     desc.decode("utf-8", "replace") if desc else "",
                     tensors, ops, inputs, outputs, n_sub, size)
