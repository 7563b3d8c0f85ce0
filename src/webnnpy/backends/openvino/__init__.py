"""The OpenVINO backend: a built WebNN graph lowered to one ``openvino.Model``
with OpenVINO's graph API (``openvino.opset16``), compiled once at build and
run by one reusable infer request per graph.

Loaded only when a context names it (``create_context(backend="openvino")``);
``import webnnpy`` never imports openvino.
"""

from __future__ import annotations

from webnnpy.backends.openvino.runtime import OpenVinoBackend

__all__ = ["OpenVinoBackend"]
