"""Errors raised by the TFLite importer.

Every error names what it is about: an operator error gives the operator's
index in the subgraph, its op code (``CONV_2D``, or ``CUSTOM:Name``) and
why WebNN cannot express it; a tensor error names the tensor.

The base class is :class:`TfliteImportError`, not the ONNX importer's
``OnnxImportError``: importing that one imports the ``onnx`` package, which
the ``tflite`` extra does not need.  Code that handles both formats catches
``(OnnxImportError, TfliteImportError)``.
"""

from __future__ import annotations

__all__ = [
    "InvalidModelError",
    "TfliteImportError",
    "UnsupportedModelError",
    "UnsupportedOperatorError",
]


class TfliteImportError(Exception):
    """Base class: the TFLite model cannot be imported as a WebNN graph."""


class UnsupportedModelError(TfliteImportError):
    """A model-level problem: an input of a type WebNN lacks, a dynamic
    dimension without a value, more than one subgraph in use..."""


class InvalidModelError(UnsupportedModelError):
    """The file is not a valid TFLite model: not a ``TFL3`` flatbuffer,
    truncated, an offset or a buffer that points outside the file, a tensor
    whose data disagrees with its shape and type.  The file's fault, not a
    limit of WebNN."""


class UnsupportedOperatorError(TfliteImportError):
    """An operator WebNN cannot express (an op code with no mapping, or
    options, types or shapes the mapping cannot honour)."""

    def __init__(self, index: int, op_code: str, reason: str, *,
                 outputs: tuple[str, ...] = ()) -> None:
        self.index = index
        self.op_code = op_code
        self.reason = reason
        self.outputs = outputs
        out = f" -> {', '.join(map(repr, outputs))}" if outputs else ""
        super().__init__(f"operator #{index} ({op_code}{out}): {reason}")
