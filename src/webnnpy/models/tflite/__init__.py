"""Import TFLite (LiteRT) models as WebNN graphs.

    >>> from webnnpy.models import tflite as wtflite
    >>> m = wtflite.load("face_detection_short_range.tflite")
    >>> outputs = m.run({"input": x})              # or wtflite.run(m, {...})
    >>> print(wtflite.inspect("model.tflite"))     # every operator: maps or why not

:func:`load` parses the flatbuffer with the ``tflite`` package (generated
schema bindings) and builds an ``MLGraph`` by calls on the public
``MLGraphBuilder``, so the spec's validation applies to every imported
operator.  NHWC stays NHWC (conv2d with ``inputLayout="nhwc"`` and the
filter layouts TFLite stores).  An operator that cannot be expressed raises
:class:`UnsupportedOperatorError` naming it; :func:`inspect` lists them all.
Needs the ``tflite`` package (``pip install webnnpy[tflite]``);
``import webnnpy`` does not import it.
"""

from __future__ import annotations

from webnnpy.models.tflite.errors import (
    InvalidModelError,
    TfliteImportError,
    UnsupportedModelError,
    UnsupportedOperatorError,
)
from webnnpy.models.tflite.importer import TfliteModel, load, run
from webnnpy.models.tflite.inspect import InspectReport, OperatorReport, inspect

__all__ = [
    "InspectReport",
    "InvalidModelError",
    "OperatorReport",
    "TfliteImportError",
    "TfliteModel",
    "UnsupportedModelError",
    "UnsupportedOperatorError",
    "inspect",
    "load",
    "run",
]
