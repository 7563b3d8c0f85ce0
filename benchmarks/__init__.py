"""Benchmarks: webnnpy on ONNX Runtime against ONNX Runtime used directly.

- :mod:`benchmarks.models`: ResNet-50, MobileNetV2 and a transformer encoder
  built through ``webnnpy.MLGraphBuilder`` from seeded random weights;
- :mod:`benchmarks.native`: the same networks, with the same weights, written
  directly as ONNX models (the native baseline);
- :mod:`benchmarks.run`: the timing harness (``python -m benchmarks --help``).

Not part of the installed package and not run by the test suite (a smoke test,
``tests/test_benchmarks_smoke.py``, checks that the two constructions agree).
"""

from __future__ import annotations
