"""webnnpy: the W3C Web Neural Network API (WebNN) for Python.

``webnnpy.ml`` is ``navigator.ml``; build graphs with ``MLGraphBuilder`` and run
them with ``MLContext.dispatch``.  Importing this package loads no native
runtime: backends load on first use.  The public names below are imported on
first access (PEP 562), so that ``import webnnpy`` itself costs next to
nothing; ``from webnnpy import X`` and ``webnnpy.X`` work as usual.
"""

from __future__ import annotations

import importlib

# ``typing`` is not imported for this alone (the idiom type checkers know)
TYPE_CHECKING = False
if TYPE_CHECKING:
    from webnnpy._spec import SPEC_COMMIT
    from webnnpy.api.builder import MLGraphBuilder
    from webnnpy.api.context import MLContext, MLContextLostInfo
    from webnnpy.api.descriptors import MLOperandDescriptor, MLTensorDescriptor
    from webnnpy.api.dynamic import MLDynamicDimension
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
        NotFoundError,
        NotSupportedError,
        OperationError,
        SecurityError,
        UnknownError,
    )

__version__ = "0.1.0"

#: public name -> the module that defines it
_LAZY: dict[str, str] = {
    "SPEC_COMMIT": "webnnpy._spec",
    "MLGraphBuilder": "webnnpy.api.builder",
    "MLContext": "webnnpy.api.context",
    "MLContextLostInfo": "webnnpy.api.context",
    "MLOperandDescriptor": "webnnpy.api.descriptors",
    "MLTensorDescriptor": "webnnpy.api.descriptors",
    "MLDynamicDimension": "webnnpy.api.dynamic",
    "MLGraph": "webnnpy.api.graph",
    "ML": "webnnpy.api.ml",
    "ml": "webnnpy.api.ml",
    "MLOperand": "webnnpy.api.operand",
    "MLPromise": "webnnpy.api.promise",
    "MLTensor": "webnnpy.api.tensor",
    "AbortError": "webnnpy.errors",
    "DOMException": "webnnpy.errors",
    "DataError": "webnnpy.errors",
    "InvalidStateError": "webnnpy.errors",
    "NotFoundError": "webnnpy.errors",
    "NotSupportedError": "webnnpy.errors",
    "OperationError": "webnnpy.errors",
    "SecurityError": "webnnpy.errors",
    "UnknownError": "webnnpy.errors",
}

__all__ = [
    "ML",
    "SPEC_COMMIT",
    "AbortError",
    "DOMException",
    "DataError",
    "InvalidStateError",
    "MLContext",
    "MLContextLostInfo",
    "MLDynamicDimension",
    "MLGraph",
    "MLGraphBuilder",
    "MLOperand",
    "MLOperandDescriptor",
    "MLPromise",
    "MLTensor",
    "MLTensorDescriptor",
    "NotFoundError",
    "NotSupportedError",
    "OperationError",
    "SecurityError",
    "UnknownError",
    "__version__",
    "ml",
]


#: subpackages that ``import webnnpy`` used to load eagerly, still reachable
#: as attributes (``webnnpy.backends.available_backends()``) after it alone
_SUBMODULES = frozenset({"_spec", "api", "backends", "dtypes", "errors", "ir"})


def __getattr__(name: str) -> object:
    """Import a public name (or one of the subpackages above) on first access
    and keep it as a module global."""
    module = _LAZY.get(name)
    if module is not None:
        value = getattr(importlib.import_module(module), name)
    elif name in _SUBMODULES:
        value = importlib.import_module(f"webnnpy.{name}")
    else:
        raise AttributeError(f"module 'webnnpy' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
