"""ONNX element types <-> WebNN data types <-> NumPy dtypes.

ONNX ``bool`` is carried as WebNN ``uint8`` holding 0/1 (what WebNN's
comparison and logical operators produce and consume); every other ONNX type
without a WebNN counterpart (double, int16, bfloat16, float8, int4,
string...) has none, and using one as a graph operand is an import error.
"""

from __future__ import annotations

from typing import Final

import numpy as np
from onnx import TensorProto, helper

__all__ = [
    "BOOL",
    "WEBNN_OF_ONNX",
    "np_dtype_of_onnx",
    "onnx_of_np",
    "onnx_of_webnn",
    "type_name",
    "webnn_of_np",
    "webnn_of_onnx",
]

BOOL: Final = TensorProto.BOOL

#: ONNX element type -> the WebNN data type that carries it.
WEBNN_OF_ONNX: Final[dict[int, str]] = {
    TensorProto.FLOAT: "float32",
    TensorProto.FLOAT16: "float16",
    TensorProto.INT32: "int32",
    TensorProto.UINT32: "uint32",
    TensorProto.INT64: "int64",
    TensorProto.UINT64: "uint64",
    TensorProto.INT8: "int8",
    TensorProto.UINT8: "uint8",
    TensorProto.BOOL: "uint8",
}

_ONNX_OF_WEBNN: Final[dict[str, int]] = {
    v: k for k, v in WEBNN_OF_ONNX.items() if k != TensorProto.BOOL}


def type_name(onnx_type: int) -> str:
    """``TensorProto.DOUBLE`` -> ``"double"``."""
    try:
        return str(TensorProto.DataType.Name(onnx_type)).lower()
    except ValueError:
        return f"type {onnx_type}"


def webnn_of_onnx(onnx_type: int) -> str | None:
    """The WebNN data type carrying an ONNX element type, or None."""
    return WEBNN_OF_ONNX.get(onnx_type)


def onnx_of_webnn(data_type: str) -> int:
    """The ONNX element type of a WebNN data type."""
    return _ONNX_OF_WEBNN[data_type]


def np_dtype_of_onnx(onnx_type: int) -> np.dtype:
    """The NumPy dtype ONNX uses for an element type (bool for BOOL)."""
    return np.dtype(helper.tensor_dtype_to_np_dtype(onnx_type))


def onnx_of_np(dtype: np.dtype) -> int:
    """The ONNX element type of a NumPy dtype (UNDEFINED if none)."""
    try:
        return int(helper.np_dtype_to_tensor_dtype(np.dtype(dtype)))
    except (KeyError, ValueError, TypeError):
        return TensorProto.UNDEFINED


def webnn_of_np(dtype: np.dtype) -> str | None:
    """The WebNN data type carrying a NumPy dtype (bool -> uint8), or None."""
    return WEBNN_OF_ONNX.get(onnx_of_np(dtype))
