"""Model formats in and out of webnnpy.

- :mod:`webnnpy.models.onnx`: import an ONNX model as an ``MLGraph`` by calls
  on the public ``MLGraphBuilder`` (needs the ``onnx`` package).

Nothing here is imported by ``import webnnpy``; each format loads its own
third-party package only when it is imported.
"""

from __future__ import annotations

__all__: list[str] = []
