"""The spec's error kinds.

WebNN throws ``TypeError`` for validation failures (Python's builtin is used for
that) and ``DOMException`` objects named by their ``name`` for the rest.  Each
DOMException name is a class here, all deriving from :class:`DOMException`, so
``except webnnpy.InvalidStateError`` and ``except webnnpy.DOMException`` both
work.  Leaf module: imports nothing from the package.
"""

from __future__ import annotations

__all__ = [
    "AbortError",
    "DOMException",
    "DataError",
    "InvalidStateError",
    "NotFoundError",
    "NotSupportedError",
    "OperationError",
    "SecurityError",
    "UnknownError",
]


class DOMException(Exception):  # noqa: N818 - the web platform's name
    """Base of the spec's DOMException kinds; ``name`` is the DOMException name."""

    name = "DOMException"

    @property
    def message(self) -> str:
        """The human-readable message, as ``DOMException.message``."""
        return str(self.args[0]) if self.args else ""


class InvalidStateError(DOMException):
    """The object is in a state where the call is not allowed (lost,
    destroyed, already built)."""

    name = "InvalidStateError"


class OperationError(DOMException):
    """The platform failed an operation, e.g. compiling a graph in ``build()``."""

    name = "OperationError"


class NotSupportedError(DOMException):
    """The implementation cannot support what was asked (e.g. a context type)."""

    name = "NotSupportedError"


class UnknownError(DOMException):
    """Allocation or copy failed on the context's timeline."""

    name = "UnknownError"


class DataError(DOMException):
    """Data that cannot be used: a corrupt, truncated or foreign graph-cache
    entry (``MLContext.load_graph``); the spec itself raises none."""

    name = "DataError"


class NotFoundError(DOMException):
    """The object asked for does not exist (``MLContext.load_graph`` of a key
    with no saved graph)."""

    name = "NotFoundError"


class SecurityError(DOMException):
    """The permissions policy forbids WebNN (never raised in Python)."""

    name = "SecurityError"


class AbortError(DOMException):
    """The operation was aborted."""

    name = "AbortError"
