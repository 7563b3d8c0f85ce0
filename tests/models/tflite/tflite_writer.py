"""A tiny TFLite model writer for tests: the ``tflite`` package's generated
builder functions (``ModelStart``/``...Add...``/``...End``) on a
``flatbuffers.Builder``.  Test code only: it writes small one- or few-op
models that LiteRT then runs as the oracle.

    w = ModelWriter()
    x = w.input([1, 4, 4, 3])
    f = w.const(np.ones((2, 3, 3, 3), np.float32))
    y = w.tensor([1, 4, 4, 2])
    w.op("CONV_2D", [x, f, -1], [y], "Conv2DOptions",
         Padding=0, StrideH=1, StrideW=1)
    w.output(y)
    data = w.build()
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import flatbuffers
import numpy as np
import tflite

__all__ = ["TYPES", "ModelWriter"]

TYPES = {"float32": 0, "float16": 1, "int32": 2, "uint8": 3, "int64": 4, "bool": 6,
         "int16": 7, "int8": 9, "float64": 10}


@dataclass
class _Tensor:
    shape: list[int]
    type: int
    name: str
    buffer: int
    quant: dict[str, Any] | None
    sparsity: dict[str, Any] | None = None
    signature: list[int] | None = None


@dataclass
class _Op:
    code: int
    inputs: list[int]
    outputs: list[int]
    options_name: str | None
    options: dict[str, Any]
    custom_options: bytes = b""


@dataclass
class ModelWriter:
    tensors: list[_Tensor] = field(default_factory=list)
    buffers: list[bytes | tuple[int, int]] = field(default_factory=lambda: [b""])
    ops: list[_Op] = field(default_factory=list)
    codes: list[tuple[int, str | None, int]] = field(default_factory=list)
    inputs: list[int] = field(default_factory=list)
    outputs: list[int] = field(default_factory=list)

    def tensor(self, shape: list[int], dtype: str = "float32", *,
               data: bytes | None = None, name: str | None = None,
               quant: dict[str, Any] | None = None,
               sparsity: dict[str, Any] | None = None,
               signature: list[int] | None = None,
               external: tuple[int, int] | None = None) -> int:
        buf = 0
        if external is not None:
            self.buffers.append(external)
            buf = len(self.buffers) - 1
        if data is not None:
            self.buffers.append(data)
            buf = len(self.buffers) - 1
        self.tensors.append(_Tensor(list(shape), TYPES[dtype],
                                    name or f"t{len(self.tensors)}", buf, quant,
                                    sparsity, signature))
        return len(self.tensors) - 1

    def input(self, shape: list[int], dtype: str = "float32", **kw: Any) -> int:
        i = self.tensor(shape, dtype, name=kw.pop("name", f"in{len(self.inputs)}"),
                        **kw)
        self.inputs.append(i)
        return i

    def const(self, a: np.ndarray, **kw: Any) -> int:
        a = np.ascontiguousarray(a)
        dt = "bool" if a.dtype == np.bool_ else str(a.dtype)
        return self.tensor(list(a.shape), dt, data=a.tobytes(), **kw)

    def output(self, i: int) -> None:
        self.outputs.append(i)

    def op(self, code: str, inputs: list[int], outputs: list[int],
           options_name: str | None = None, *, custom_options: bytes = b"",
           version: int = 1, **options: Any) -> None:
        if code.startswith("CUSTOM:"):
            key = (tflite.BuiltinOperator.CUSTOM, code[7:], version)
        else:
            key = (getattr(tflite.BuiltinOperator, code), None, version)
        if key not in self.codes:
            self.codes.append(key)
        self.ops.append(_Op(self.codes.index(key), list(inputs), list(outputs),
                            options_name, options, custom_options))

    # ------------------------------------------------------------------ build

    def build(self) -> bytes:
        b = flatbuffers.Builder(1024)

        def ivec(values: Any, dtype: Any = np.int32) -> int:
            return b.CreateNumpyVector(np.asarray(values, dtype))

        buffers = []
        for data in self.buffers:
            if isinstance(data, tuple):      # (offset, size): data outside the
                tflite.BufferStart(b)        # flatbuffer, as large models do
                tflite.BufferAddOffset(b, data[0])
                tflite.BufferAddSize(b, data[1])
                buffers.append(tflite.BufferEnd(b))
                continue
            dv = b.CreateNumpyVector(np.frombuffer(data, np.uint8)) if data else None
            tflite.BufferStart(b)
            if dv is not None:
                tflite.BufferAddData(b, dv)
            buffers.append(tflite.BufferEnd(b))
        tensors = []
        for t in self.tensors:
            name = b.CreateString(t.name)
            shape = ivec(t.shape)
            sig = ivec(t.signature) if t.signature is not None else None
            q = None
            if t.quant is not None:
                sc = b.CreateNumpyVector(np.asarray(t.quant["scale"], np.float32))
                zp = b.CreateNumpyVector(np.asarray(t.quant["zero_point"], np.int64))
                tflite.QuantizationParametersStart(b)
                tflite.QuantizationParametersAddScale(b, sc)
                tflite.QuantizationParametersAddZeroPoint(b, zp)
                tflite.QuantizationParametersAddQuantizedDimension(
                    b, t.quant.get("axis", 0))
                q = tflite.QuantizationParametersEnd(b)
            sp = self._sparsity(b, t.sparsity) if t.sparsity else None
            tflite.TensorStart(b)
            tflite.TensorAddShape(b, shape)
            if sig is not None:
                tflite.TensorAddShapeSignature(b, sig)
            tflite.TensorAddType(b, t.type)
            tflite.TensorAddBuffer(b, t.buffer)
            tflite.TensorAddName(b, name)
            if q is not None:
                tflite.TensorAddQuantization(b, q)
            if sp is not None:
                tflite.TensorAddSparsity(b, sp)
            tensors.append(tflite.TensorEnd(b))
        ops = []
        for op in self.ops:
            ins, outs = ivec(op.inputs), ivec(op.outputs)
            opts = None
            if op.options_name:
                pre = {k: ivec(v) for k, v in op.options.items()
                       if isinstance(v, list | tuple | np.ndarray)}
                getattr(tflite, f"{op.options_name}Start")(b)
                for k, v in op.options.items():
                    getattr(tflite, f"{op.options_name}Add{k}")(b, pre.get(k, v))
                opts = getattr(tflite, f"{op.options_name}End")(b)
            cust = (b.CreateNumpyVector(np.frombuffer(op.custom_options, np.uint8))
                    if op.custom_options else None)
            tflite.OperatorStart(b)
            tflite.OperatorAddOpcodeIndex(b, op.code)
            tflite.OperatorAddInputs(b, ins)
            tflite.OperatorAddOutputs(b, outs)
            if opts is not None:
                tflite.OperatorAddBuiltinOptionsType(
                    b, getattr(tflite.BuiltinOptions, op.options_name))
                tflite.OperatorAddBuiltinOptions(b, opts)
            if cust is not None:
                tflite.OperatorAddCustomOptions(b, cust)
            ops.append(tflite.OperatorEnd(b))

        def table_vector(items: list[int]) -> int:
            b.StartVector(4, len(items), 4)
            for it in reversed(items):
                b.PrependUOffsetTRelative(it)
            return b.EndVector()

        tv, ov = table_vector(tensors), table_vector(ops)
        iv, outv = ivec(self.inputs), ivec(self.outputs)
        sname = b.CreateString("main")
        tflite.SubGraphStart(b)
        tflite.SubGraphAddTensors(b, tv)
        tflite.SubGraphAddInputs(b, iv)
        tflite.SubGraphAddOutputs(b, outv)
        tflite.SubGraphAddOperators(b, ov)
        tflite.SubGraphAddName(b, sname)
        sg = tflite.SubGraphEnd(b)
        codes = []
        for code, custom, version in self.codes:
            cc = b.CreateString(custom) if custom else None
            tflite.OperatorCodeStart(b)
            tflite.OperatorCodeAddDeprecatedBuiltinCode(b, min(code, 127))
            tflite.OperatorCodeAddBuiltinCode(b, code)
            tflite.OperatorCodeAddVersion(b, version)
            if cc is not None:
                tflite.OperatorCodeAddCustomCode(b, cc)
            codes.append(tflite.OperatorCodeEnd(b))
        cv, sv, bv = table_vector(codes), table_vector([sg]), table_vector(buffers)
        desc = b.CreateString("webnnpy test model")
        tflite.ModelStart(b)
        tflite.ModelAddVersion(b, 3)
        tflite.ModelAddOperatorCodes(b, cv)
        tflite.ModelAddSubgraphs(b, sv)
        tflite.ModelAddDescription(b, desc)
        tflite.ModelAddBuffers(b, bv)
        m = tflite.ModelEnd(b)
        b.Finish(m, file_identifier=b"TFL3")
        return bytes(b.Output())

    @staticmethod
    def _sparsity(b: flatbuffers.Builder, s: dict[str, Any]) -> int:
        dims = []
        for lvl in s["levels"]:
            if lvl[0] == "dense":
                tflite.DimensionMetadataStart(b)
                tflite.DimensionMetadataAddFormat(b, 0)
                tflite.DimensionMetadataAddDenseSize(b, lvl[1])
                dims.append(tflite.DimensionMetadataEnd(b))
                continue
            seg, ind = (np.asarray(v, np.int32) for v in lvl[1:])
            vs = []
            for arr in (seg, ind):
                v = b.CreateNumpyVector(arr)
                tflite.Int32VectorStart(b)
                tflite.Int32VectorAddValues(b, v)
                vs.append(tflite.Int32VectorEnd(b))
            tflite.DimensionMetadataStart(b)
            tflite.DimensionMetadataAddFormat(b, 1)
            tflite.DimensionMetadataAddArraySegmentsType(
                b, tflite.SparseIndexVector.Int32Vector)
            tflite.DimensionMetadataAddArraySegments(b, vs[0])
            tflite.DimensionMetadataAddArrayIndicesType(
                b, tflite.SparseIndexVector.Int32Vector)
            tflite.DimensionMetadataAddArrayIndices(b, vs[1])
            dims.append(tflite.DimensionMetadataEnd(b))
        order = b.CreateNumpyVector(np.asarray(s["order"], np.int32))
        b.StartVector(4, len(dims), 4)
        for d in reversed(dims):
            b.PrependUOffsetTRelative(d)
        dv = b.EndVector()
        tflite.SparsityParametersStart(b)
        tflite.SparsityParametersAddTraversalOrder(b, order)
        tflite.SparsityParametersAddDimMetadata(b, dv)
        return tflite.SparsityParametersEnd(b)
