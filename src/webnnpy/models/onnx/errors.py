"""Errors raised by the ONNX importer.

Every error names what it is about: a node error gives the node's name, its
op type and opset version, and why WebNN cannot express it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = [
    "ExternalDataError",
    "InvalidDimsError",
    "InvalidModelError",
    "InvalidNodeError",
    "NeedsConstantError",
    "OnnxImportError",
    "UnsupportedModelError",
    "UnsupportedNodeError",
]


class OnnxImportError(Exception):
    """Base class: the model cannot be imported as a WebNN graph."""


class UnsupportedModelError(OnnxImportError):
    """A model-level problem: a free dimension with no value, an input of a
    type WebNN lacks, an unknown opset domain..."""


class InvalidModelError(UnsupportedModelError):
    """The file is not a valid ONNX model: bytes that do not parse, nesting
    deeper than protobuf allows, an initializer whose data disagrees with its
    dims or data type.  The file's fault, not a limit of WebNN."""


class ExternalDataError(InvalidModelError):
    """The model's external data lies outside its folder, is missing, or does
    not hold the bytes its tensor declares: the file's fault, not a limit of
    WebNN."""


class InvalidDimsError(UnsupportedModelError, TypeError, ValueError):
    """A bad ``dims=`` argument (or ``--dims`` item): ``key`` is the
    dim_param or input name (None for the argument as a whole), ``value`` what
    was given, ``reason`` what was expected; ``example`` is a shape that
    would do for an input, ``flag`` the command-line option it came from.

    A ``TypeError`` (a bad argument, as elsewhere in webnnpy), a
    ``ValueError`` (what ``--dims`` parsers raised before) and an
    :class:`OnnxImportError` (what callers of the importer catch)."""

    def __init__(self, key: Any, value: Any, reason: str, *,
                 example: list[int] | None = None, flag: str | None = None
                 ) -> None:
        self.key = key
        self.value = value
        self.reason = reason
        self.example = example
        self.flag = flag
        super().__init__(reason if flag else f"dims: {reason}")


class UnsupportedNodeError(OnnxImportError):
    """A node WebNN cannot express (an op with no mapping, or attributes,
    types or shapes the mapping cannot honour)."""

    def __init__(self, node_name: str, op_type: str, reason: str, *,
                 version: int | None = None, domain: str = "") -> None:
        self.node_name = node_name
        self.op_type = op_type
        self.reason = reason
        self.version = version
        self.domain = domain
        #: set when the node failed because an input is empty (then it can
        #: only be computed at import, with every input known)
        self.empty_input = False
        op = f"{domain}:{op_type}" if domain else op_type
        ver = f", opset {version}" if version else ""
        super().__init__(f"node {node_name!r} ({op}{ver}): {reason}")


class InvalidNodeError(UnsupportedNodeError):
    """A node that breaks its op's ONNX schema: a required input or attribute
    missing, an attribute of the wrong type, an input of the wrong rank for
    what the op defines.  The file's fault, not a limit of WebNN."""


class NeedsConstantError(UnsupportedNodeError):
    """A node needs a value at import time (a shape, axes, pads...) that is
    only known when the model runs.

    ``value_name`` is the ONNX value that must be constant and
    ``graph_inputs`` the graph inputs it is computed from: passing those as
    ``constants=`` to :func:`~webnnpy.models.onnx.load` fixes it.
    """

    def __init__(self, node_name: str, op_type: str, reason: str, *,
                 value_name: str, graph_inputs: Sequence[str],
                 version: int | None = None, domain: str = "") -> None:
        self.value_name = value_name
        self.graph_inputs = tuple(graph_inputs)
        if self.graph_inputs:
            reason += (f" (it is computed from graph input(s) "
                       f"{', '.join(map(repr, self.graph_inputs))}: pass them in "
                       f"constants= to fix their values at import)")
        super().__init__(node_name, op_type, reason, version=version, domain=domain)
