"""What the ONNX Runtime backend needs of a lowering without making one:
the opset, the lowered graph's record and the lowering's error.  Neither
``onnx`` nor the lowering is imported here, so a graph loaded from the graph
cache (an optimized model file ONNX Runtime reads) imports neither.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from webnnpy.backends.errors import CompileError
from webnnpy.ir.mapped import FileRange

__all__ = ["IR_VERSION", "OPSET", "Lowered", "LoweringError"]

#: The ONNX opset of every lowered model (ONNX Runtime 1.31 implements it fully).
OPSET = 21
#: The ONNX IR version matching OPSET.
IR_VERSION = 10


@dataclass
class Lowered:
    """A lowered graph."""

    #: the ONNX model (an ``onnx.ModelProto``); None for a graph loaded from
    #: the graph cache, whose optimized model is a file (``OrtGraph.source``)
    model: Any
    #: WebNN input name -> ONNX graph input name
    inputs: dict[str, str]
    #: WebNN output name -> ONNX graph output name
    outputs: dict[str, str]
    #: large constants: (initializer name, array) to share with the runtime
    external: list[tuple[str, np.ndarray]] = field(default_factory=list)
    #: ONNX name of every IR value (id(value) -> name), for checks
    value_names: dict[int, str] = field(default_factory=dict)
    #: those of ``external`` that ONNX Runtime reads from their files
    #: (mapped initializers, all in :attr:`folder`): name -> file range;
    #: the model declares them there, so they need no OrtValue
    files: dict[str, FileRange] = field(default_factory=dict)
    #: the folder of the files of :attr:`files` (ONNX Runtime's
    #: ``session.model_external_initializers_file_folder_path``)
    folder: str | None = None



class LoweringError(CompileError):
    """The IR graph could not be lowered to ONNX (a bug or an unsupported op)."""
