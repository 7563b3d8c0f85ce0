"""webnnpy: the W3C Web Neural Network API (WebNN) for Python.

``webnnpy.ml`` is ``navigator.ml``; build graphs with ``MLGraphBuilder`` and run
them with ``MLContext.dispatch``.  Importing this package loads no native
runtime: backends load on first use.
"""

from __future__ import annotations

from webnnpy._spec import SPEC_COMMIT
from webnnpy.api.builder import MLGraphBuilder
from webnnpy.api.context import MLContext, MLContextLostInfo
from webnnpy.api.descriptors import MLOperandDescriptor, MLTensorDescriptor
from webnnpy.api.graph import MLGraph
from webnnpy.api.ml import ML, ml
from webnnpy.api.operand import MLOperand
from webnnpy.api.promise import MLPromise
from webnnpy.api.tensor import MLTensor
from webnnpy.errors import (
    AbortError,
    DataError,
    DOMException,
    InvalidStateError,
    NotSupportedError,
    OperationError,
    SecurityError,
    UnknownError,
)

__version__ = "0.1.0"

__all__ = [
    "ML",
    "SPEC_COMMIT",
    "AbortError",
    "DOMException",
    "DataError",
    "InvalidStateError",
    "MLContext",
    "MLContextLostInfo",
    "MLGraph",
    "MLGraphBuilder",
    "MLOperand",
    "MLOperandDescriptor",
    "MLPromise",
    "MLTensor",
    "MLTensorDescriptor",
    "NotSupportedError",
    "OperationError",
    "SecurityError",
    "UnknownError",
    "__version__",
    "ml",
]
