"""The backend errors: how a backend says what went wrong, in its own terms.

A backend raises one of these (never the spec's DOMException kinds, which
belong to the API layer); ``webnnpy.api.context`` maps each to the spec's
error kind with one table (``BACKEND_ERRORS``), naming the method that
failed.  Anything else a backend lets escape is a bug in it and propagates
unchanged.  Each backend converts its runtime's own exceptions at the call
into the runtime (``raise CompileError(...) from e``), so the runtime's
exception stays as ``__cause__``.
"""

from __future__ import annotations

__all__ = [
    "AllocationError",
    "BackendError",
    "CacheEntryError",
    "CompileError",
    "ExecutionError",
    "TransferError",
    "UnsupportedError",
]


class BackendError(Exception):
    """A backend could not do what the context asked."""


class UnsupportedError(BackendError):
    """The runtime cannot run this graph, op or data type at all, or lacks
    the asked-for capability (e.g. saving compiled graphs): the spec's
    NotSupportedError."""


class CompileError(BackendError):
    """The runtime rejected a graph the builder accepted (at ``build()``):
    the spec's OperationError."""


class AllocationError(BackendError):
    """A tensor buffer could not be allocated: the spec's UnknownError."""


class TransferError(BackendError):
    """Copying data into or out of a tensor buffer failed: the spec's
    UnknownError."""


class ExecutionError(BackendError):
    """Running a compiled graph failed: recorded on the outputs at
    ``dispatch()``, the spec's UnknownError for ``compute()``."""


class CacheEntryError(BackendError):
    """Files of a graph-cache entry are unusable (truncated, corrupt, made by
    something else): the spec's DataError."""
