"""The ONNX Runtime backend: WebNN graphs lowered to ONNX and run by one
InferenceSession per built graph, tensors as OrtValues bound with IOBinding.

Loaded only when a context names it (``create_context(backend="onnxruntime")``);
``import webnnpy`` never imports onnx or onnxruntime.
"""

from __future__ import annotations

from webnnpy.backends.onnxruntime.runtime import OrtBackend

__all__ = ["OrtBackend"]
