"""The context OpenVINO lowerings build nodes through.

A lowering is ``fn(ctx, node)``: it reads the IR node (spec op name, operands,
normalized attrs, output descriptors), builds OpenVINO nodes with the
``openvino.opset16`` functions (imported here as ``ops``) and hands its
results to :meth:`Emitter.set`.  The emitter maps IR values to OpenVINO
outputs, turns IR constants into ``Constant`` nodes sharing the builder's
arrays (no copy) and makes small helper constants.

Imported only by the openvino backend package.
"""

from __future__ import annotations

import ctypes
from collections.abc import Sequence
from typing import Any

import numpy as np
import openvino as ov
import openvino.opset16 as ops

from webnnpy.backends.errors import UnsupportedError
from webnnpy.dtypes import CARRIER_TYPES, carrier
from webnnpy.ir.graph import Node, Value

__all__ = ["OV_TYPES", "Emitter", "LoweringError", "inner_type", "ops"]

#: WebNN data type (and "bool" for values inside a lowering) -> OpenVINO type
OV_TYPES: dict[str, ov.Type] = {
    "float32": ov.Type.f32, "float16": ov.Type.f16, "int32": ov.Type.i32,
    "uint32": ov.Type.u32, "int64": ov.Type.i64, "uint64": ov.Type.u64,
    "int8": ov.Type.i8, "uint8": ov.Type.u8, "bool": ov.Type.boolean,
    # int4/uint4 are carried as int8/uint8 (exact; dtypes.carrier)
    "int4": ov.Type.i8, "uint4": ov.Type.u8,
}

#: IR constants at least this large share the builder's array (no copy)
SHARED_MIN_BYTES = 1024


class LoweringError(UnsupportedError):
    """The IR graph could not be lowered to OpenVINO (a bug or an
    unsupported case)."""


class Emitter:
    """Maps IR values to OpenVINO outputs during one lowering."""

    def __init__(self) -> None:
        #: id(IR value) -> OpenVINO output
        self.names: dict[int, Any] = {}
        #: arrays shared with Constant nodes: they must outlive the model
        self.keep_alive: list[np.ndarray] = []
        #: id(IR value) -> its int32 [..., 2] (low, high) pair, for int64
        #: graph inputs (see ``lower.py``)
        self.pairs: dict[int, Any] = {}
        self._consts: dict[tuple[str, tuple[int, ...], bytes], Any] = {}

    # ----------------------------------------------------------- values

    def value(self, v: Value) -> Any:
        """The OpenVINO output of an IR value."""
        out = self.names.get(id(v))
        if out is not None:
            return out
        if id(v) in self.pairs:
            raise LoweringError(f"value {v.id} ({v.desc}): int64 graph inputs "
                                f"are only read as indices")
        if v.constant is not None:
            out = self.array(v.constant)
            self.names[id(v)] = out
            return out
        raise LoweringError(f"value {v.id} ({v.desc}) is used before its producer "
                            f"was lowered")

    def input(self, node: Node, arg: str) -> Any:
        """Operand ``arg`` of ``node`` (which must be present)."""
        v = node.operands[arg]
        if not isinstance(v, Value):
            raise LoweringError(f"{node.op}: operand {arg} is not a single value")
        return self.value(v)

    def opt(self, node: Node, arg: str) -> Any | None:
        """Operand ``arg`` of ``node``, or None when absent."""
        v = node.operands.get(arg)
        return self.value(v) if isinstance(v, Value) else None

    def inputs(self, node: Node, arg: str) -> list[Any]:
        """A sequence operand (e.g. concat's ``inputs``)."""
        vs = node.operands[arg]
        if not isinstance(vs, list):
            raise LoweringError(f"{node.op}: operand {arg} is not a sequence")
        return [self.value(v) for v in vs]

    def set(self, node: Node, out: Any, i: int = 0) -> None:
        """Give the node's i-th output (converted to its WebNN type if a
        lowering produced another one)."""
        out = _output(out)
        dt = node.outputs[i].desc.data_type
        want = OV_TYPES[inner_type(dt)]
        if out.get_element_type() != want:
            out = ops.convert(out, want).output(0)
        self.names[id(node.outputs[i])] = out

    # -------------------------------------------------------- constants

    def array(self, arr: np.ndarray) -> Any:
        """A Constant holding ``arr``, sharing its memory when large (the array
        must then stay unchanged)."""
        # (not np.ascontiguousarray: it makes a 0-D array 1-D)
        arr = arr if arr.flags.c_contiguous else np.array(arr, order="C")
        arr = carrier(arr)  # int4/uint4 -> int8/uint8
        if arr.dtype == np.uint32:  # the same bits as int32 (inner_type)
            arr = arr.view(np.int32)
        if arr.nbytes >= SHARED_MIN_BYTES and arr.dtype != np.bool_ \
                and arr.flags.aligned:  # (a mapped initializer may not be)
            self.keep_alive.append(arr)
            return ops.constant(_writable_alias(arr), shared_memory=True).output(0)
        return ops.constant(arr.copy()).output(0)

    def const(self, value: Any, dtype: str, shape: Sequence[int] | None = None
              ) -> Any:
        """A small constant of WebNN data type ``dtype`` (or "bool"); uint32
        as the int32 of the same bits (see :func:`inner_type`)."""
        np_dtype = np.dtype(bool) if dtype == "bool" else np.dtype(
            CARRIER_TYPES.get(dtype, dtype))
        if dtype == "uint32":
            arr = np.asarray(np.asarray(value, np.int64).astype(np.uint32)
                             ).view(np.int32)
            dtype = "int32"
        else:
            arr = np.asarray(value, dtype=np_dtype)
        if shape is not None:
            arr = arr.reshape(tuple(shape))
        key = (dtype, arr.shape, arr.tobytes())
        out = self._consts.get(key)
        if out is None:
            out = ops.constant(arr, dtype=OV_TYPES[dtype]).output(0)
            self._consts[key] = out
        return out

    def ints(self, values: Sequence[int]) -> Any:
        """A 1-D int64 constant (axes, shapes, pads, ...)."""
        return self.const(list(values), "int64", (len(values),))

    def cast(self, x: Any, to: str) -> Any:
        """``x`` converted to WebNN data type (or "bool") ``to``, in the
        graph's inner types (:func:`inner_type`: a conversion to uint32 keeps
        the bits as int32)."""
        x = _output(x)
        want = OV_TYPES[inner_type(to)]
        if x.get_element_type() == want:
            return x
        return ops.convert(x, want).output(0)


def inner_type(dt: str) -> str:
    """The type a WebNN data type has inside a lowered graph.  int64 values
    (argMin/argMax indices) are int32, uint32 values are int32 of the same
    bits: the CPU plugin holds uint32 as int32 anyway, and turns a uint32
    Constant of 2**31 or more into 2**31 - 1 (every operation on uint32 that
    depends on more than the bits is lowered with that in mind)."""
    return "int32" if dt in ("int64", "uint32") else dt


def _writable_alias(arr: np.ndarray) -> np.ndarray:
    """``arr`` itself when writable, else a writable array over the same
    memory.  OpenVINO's ``Constant(shared_memory=True)`` refuses read-only
    arrays (the builder's constants are read-only) although it never writes
    a Constant; the alias lets the model read the builder's array without a
    copy (the caller keeps ``arr`` alive as long as the model)."""
    if arr.flags.writeable or arr.size == 0:
        return arr
    buf = (ctypes.c_char * arr.nbytes).from_address(arr.ctypes.data)
    return np.frombuffer(memoryview(buf), dtype=arr.dtype).reshape(arr.shape)


def _output(x: Any) -> Any:
    """An OpenVINO Output from a Node (its only output) or an Output."""
    return x.output(0) if isinstance(x, ov.Node) else x


def out(x: Any) -> Any:
    """Public alias of the Node -> Output conversion, for lowerings."""
    return _output(x)
