"""The NumPy reference backend: the project's correctness oracle.

Floating-point kernels compute in float64 and round once to the output type;
integer kernels follow the spec's integer semantics.  Exactness beats speed.
"""

from __future__ import annotations

from webnnpy.backends.numpy.backend import NumpyBackend

__all__ = ["NumpyBackend"]
