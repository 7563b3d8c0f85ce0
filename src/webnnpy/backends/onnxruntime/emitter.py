"""The emitter context that lowerings write ONNX nodes through.

A lowering is ``fn(ctx, node)``: it reads the IR node (spec op name, operands,
normalized attrs, output descriptors) and emits ONNX nodes with
:meth:`Emitter.emit`, naming its final results :meth:`Emitter.out`.  The
emitter hands out fresh names, turns IR constants into initializers (large
ones travel to ONNX Runtime without a copy, see ``runtime.py``) and keeps
small helper constants deduplicated.

Imported only by the onnxruntime backend package.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from onnx import AttributeProto, GraphProto, TensorProto, helper, numpy_helper

from webnnpy.backends.onnxruntime.lowered import LoweringError
from webnnpy.dtypes import CARRIER_TYPES, carrier
from webnnpy.ir.descriptor import Desc
from webnnpy.ir.graph import Node, Value
from webnnpy.ir.mapped import FileRange, StaleFileError

__all__ = [
    "CARRIERS",
    "EXTERNAL_MIN_BYTES",
    "ONNX_TYPES",
    "Emitter",
    "LoweringError",
    "carrier",
    "tensor_proto",
]

#: WebNN data type (and "bool", "float64" for values inside a lowering) -> ONNX
#: element type.
ONNX_TYPES: dict[str, int] = {
    "float32": TensorProto.FLOAT,
    "float16": TensorProto.FLOAT16,
    "int32": TensorProto.INT32,
    "uint32": TensorProto.UINT32,
    "int64": TensorProto.INT64,
    "uint64": TensorProto.UINT64,
    "int8": TensorProto.INT8,
    "uint8": TensorProto.UINT8,
    "bool": TensorProto.BOOL,
    "float64": TensorProto.DOUBLE,
    # int4/uint4 travel as int8/uint8 (one value a byte, exact), and every
    # lowering works unchanged.  Probed on ONNX Runtime 1.32's CPU provider:
    # Cast, Transpose, QuantizeLinear and DequantizeLinear take INT4, but
    # Reshape and Identity have no INT4 kernel, ONNX's Concat, Slice and
    # Expand do not allow the type, and its Python binding cannot bind an
    # int4 array (ml_dtypes' or packed) as an input or output
    "int4": TensorProto.INT8,
    "uint4": TensorProto.UINT8,
}

#: the NumPy dtype that carries an int4/uint4 value inside the ONNX model
#: (``carrier`` converts an array to it)
CARRIERS: dict[str, np.dtype[Any]] = {k: np.dtype(v) for k, v in CARRIER_TYPES.items()}

#: IR constants at least this large are handed to ONNX Runtime as shared
#: OrtValues over the builder's own array (no copy); smaller ones are embedded.
EXTERNAL_MIN_BYTES = 1024


class Emitter:
    """Collects the ONNX nodes, initializers and names of one lowering."""

    def __init__(self, prefix: str, graph: GraphProto | None = None) -> None:
        #: prefix of every generated name; no graph input or output name
        #: starts with it
        self.prefix = prefix
        #: the graph the nodes are written into (made in place: no copy later)
        self.graph = graph if graph is not None else GraphProto()
        self.nodes: Any = self.graph.node
        #: small initializers, embedded in the model
        self.initializers: list[TensorProto] = []
        #: large IR constants: (initializer name, array) shared without copy
        self.external: list[tuple[str, np.ndarray]] = []
        #: those of them that are IR constants mapped from a file (the ONNX
        #: importer's weights): initializer name -> where ORT can read them
        self.files: dict[str, FileRange] = {}
        #: id(IR value) -> ONNX name, for every value already available
        self.names: dict[int, str] = {}
        #: id(IR value) -> the ONNX name its producer must give it (graph outputs)
        self.designated: dict[int, str] = {}
        self._count = 0
        self._consts: dict[tuple[str, tuple[int, ...], bytes], str] = {}
        self._current: Node | None = None
        self._label = ""  # ":" + the current IR node's label, for node names

    # ------------------------------------------------------------ names

    def fresh(self, hint: str = "t") -> str:
        """A new unique intermediate name."""
        self._count += 1
        return f"{self.prefix}{hint}{self._count}"

    def value(self, v: Value) -> str:
        """The ONNX name of an IR value (an input, a constant, or the output of
        a node lowered before)."""
        name = self.names.get(id(v))
        if name is not None:
            return name
        if v.constant is not None:
            return self._ir_constant(v)
        raise LoweringError(f"value {v.id} ({v.desc}) is used before its producer "
                            f"was lowered")

    def input(self, node: Node, arg: str) -> str:
        """The ONNX name of operand ``arg`` of ``node`` (which must be present)."""
        v = node.operands[arg]
        if not isinstance(v, Value):
            raise LoweringError(f"{node.op}: operand {arg} is not a single value")
        return self.value(v)

    def inputs(self, node: Node, arg: str) -> list[str]:
        """The ONNX names of a sequence operand (e.g. concat's ``inputs``)."""
        vs = node.operands[arg]
        if not isinstance(vs, list):
            raise LoweringError(f"{node.op}: operand {arg} is not a sequence")
        return [self.value(v) for v in vs]

    def out(self, node: Node, i: int = 0) -> str:
        """The name the lowering must give the node's i-th output."""
        v = node.outputs[i]
        name = self.names.get(id(v))
        if name is None:
            name = self.designated.get(id(v)) or self.fresh("v")
            self.names[id(v)] = name
        return name

    # -------------------------------------------------------- constants

    def _ir_constant(self, v: Value) -> str:
        assert v.constant is not None
        if v.source is not None and v.constant.nbytes >= EXTERNAL_MIN_BYTES \
                and v.desc.data_type not in CARRIERS:
            # mapped from a file: the runtime reads it from there
            try:
                v.source.check()
            except StaleFileError as e:
                raise LoweringError(str(e)) from None
            name = self.fresh("c")
            self.external.append((name, v.constant))
            self.files[name] = v.source
        else:
            name = self.array(v.constant)
        self.names[id(v)] = name
        return name

    def array(self, arr: np.ndarray) -> str:
        """An initializer holding ``arr``: shared with the runtime without a
        copy when large (the array must then stay unchanged), else
        embedded."""
        name = self.fresh("c")
        arr = carrier(arr)
        if arr.nbytes >= EXTERNAL_MIN_BYTES:
            self.external.append((name, np.ascontiguousarray(arr)))
        else:
            self.initializers.append(tensor_proto(np.asarray(arr), name))
        return name

    def const(self, value: Any, dtype: str, shape: Sequence[int] | None = None
              ) -> str:
        """A small constant initializer holding ``value`` as ``dtype`` (a
        WebNN data type or "bool"), deduplicated."""
        np_dtype = np.dtype(bool) if dtype == "bool" else CARRIERS.get(dtype) \
            or np.dtype(dtype)
        arr = np.asarray(value, dtype=np_dtype)
        if shape is not None:
            arr = arr.reshape(tuple(shape))
        key = (dtype, arr.shape, arr.tobytes())
        name = self._consts.get(key)
        if name is None:
            name = self.fresh("k")
            self._consts[key] = name
            self.initializers.append(tensor_proto(arr, name))
        return name

    def ints(self, values: Sequence[int]) -> str:
        """A 1-D int64 constant (axes, shapes, pads, ...)."""
        return self.const(list(values), "int64", (len(values),))

    # ------------------------------------------------------------ nodes

    def emit(self, op_type: str, inputs: Sequence[str], outputs: int | str
             | Sequence[str] = 1, **attrs: Any) -> Any:
        """Append one ONNX node.  ``outputs`` is a name, a list of names, or a
        count of fresh names.  Returns the output name (one output) or the
        list of names."""
        if isinstance(outputs, int):
            outs = [self.fresh() for _ in range(outputs)]
        elif isinstance(outputs, str):
            outs = [outputs]
        else:
            outs = list(outputs)
        self._count += 1
        node = self.nodes.add()
        node.name = f"{self.prefix}n{self._count}{self._label}"
        node.op_type = op_type
        node.input.extend(inputs)
        node.output.extend(outs)
        if attrs:  # as helper.make_node: sorted by name, None left out
            add = node.attribute.add
            for k, v in sorted(attrs.items()):
                if v is not None and not _set_attribute(add(), k, v):
                    del node.attribute[-1]
                    node.attribute.append(helper.make_attribute(k, v))
        return outs[0] if len(outs) == 1 else outs

    def cast(self, x: str, to: str, out: str | None = None) -> str:
        """Cast ``x`` to the WebNN data type (or "bool") ``to``."""
        return self.emit("Cast", [x], out or 1, to=ONNX_TYPES[to])

    def begin(self, node: Node | None) -> None:
        """Mark the IR node whose lowering follows (for node labels)."""
        self._current = node
        self._label = (":" + node.label.encode("utf-8", "replace").decode()
                       if node is not None and node.label else "")


def _set_attribute(a: AttributeProto, name: str, v: Any) -> bool:
    """Fill ``a`` as ``helper.make_attribute(name, v)`` would for the common
    cases (an int, a float, a string, a list of ints or of floats); False for
    anything else (the caller then uses make_attribute)."""
    t = type(v)
    if t is int:
        a.name, a.type, a.i = name, AttributeProto.INT, v
    elif t is float:
        a.name, a.type, a.f = name, AttributeProto.FLOAT, v
    elif t is str:
        a.name, a.type, a.s = name, AttributeProto.STRING, v.encode("utf-8")
    elif (t is list or t is tuple) and v:
        kinds = {type(x) for x in v}
        if kinds == {int}:
            a.name, a.type = name, AttributeProto.INTS
            a.ints.extend(v)
        elif kinds == {float}:
            a.name, a.type = name, AttributeProto.FLOATS
            a.floats.extend(v)
        else:
            return False
    else:
        return False
    return True


def tensor_proto(arr: np.ndarray, name: str) -> TensorProto:
    """An initializer holding ``arr`` as little-endian raw data (what
    ``numpy_helper.from_array`` makes, for the types ONNX_TYPES lists, at a
    fraction of its cost)."""
    elem = _ELEM_TYPES.get(arr.dtype) if np.little_endian else None
    if elem is None:  # a type no lowering makes, or a big-endian machine
        return numpy_helper.from_array(arr, name)
    t = TensorProto()
    t.name = name
    t.data_type = elem
    t.dims.extend(arr.shape)
    t.raw_data = arr.tobytes()
    return t


#: NumPy dtype (native byte order) -> ONNX element type
_ELEM_TYPES: dict[np.dtype[Any], int] = {
    np.dtype(bool if k == "bool" else k): v for k, v in ONNX_TYPES.items()
    if k not in CARRIERS}


def value_info(name: str, desc: Desc) -> Any:
    """An ONNX ValueInfoProto for a WebNN descriptor."""
    return helper.make_tensor_value_info(name, ONNX_TYPES[desc.data_type],
                                         list(desc.shape))
