"""Backend registry: backends are found by name and imported on first use, so
that ``import webnnpy`` never loads a native runtime.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from webnnpy.backends.base import Backend

__all__ = ["BACKENDS", "available_backends", "backend_class", "default_backend_name"]

#: name -> (module, class name, the module whose presence makes it usable)
BACKENDS: dict[str, tuple[str, str, str | None]] = {
    "numpy": ("webnnpy.backends.numpy", "NumpyBackend", None),
    "onnxruntime": ("webnnpy.backends.onnxruntime", "OrtBackend", "onnxruntime"),
    "openvino": ("webnnpy.backends.openvino", "OpenVinoBackend", "openvino"),
}

#: Backends a context gets by default, best first: ONNX Runtime (native speed)
#: when installed, else the NumPy reference.  OpenVINO is not in the list: it
#: leaves 64-bit integers out of its op_support_limits() (its CPU plugin
#: computes them as int32), so transformer models with int64 inputs fail on it;
#: docs/benchmarks.md has the figures (native OpenVINO was faster on 7 of 10
#: zoo models here).
DEFAULT_ORDER: tuple[str, ...] = ("onnxruntime", "numpy")

ENV_VAR = "WEBNNPY_BACKEND"


def available_backends() -> dict[str, bool]:
    """Each registered backend and whether its runtime is installed."""
    out = {}
    for name, (_mod, _cls, needs) in BACKENDS.items():
        out[name] = needs is None or importlib.util.find_spec(needs) is not None
    return out


def default_backend_name(accelerated: bool = True) -> str:
    """The backend a context gets when none is named: ``$WEBNNPY_BACKEND`` if
    set, else the best installed one."""
    env = os.environ.get(ENV_VAR)
    if env:
        return env
    avail = available_backends()
    for name in DEFAULT_ORDER:
        if avail.get(name):
            return name
    return "numpy"


def backend_class(name: str) -> type[Backend]:
    """Import and return a backend class by registry name (ValueError if unknown,
    ImportError if its runtime is missing)."""
    if name not in BACKENDS:
        known = ", ".join(sorted(BACKENDS))
        raise ValueError(f"unknown backend {name!r}; expected one of {known}")
    mod, cls, _needs = BACKENDS[name]
    return getattr(importlib.import_module(mod), cls)
