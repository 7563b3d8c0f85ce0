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

__all__ = ["BACKENDS", "DEFAULT_ORDER", "available_backends", "backend_class",
           "default_backend_choice", "default_backend_name"]

#: name -> (module, class name, the module whose presence makes it usable)
BACKENDS: dict[str, tuple[str, str, str | None]] = {
    "numpy": ("webnnpy.backends.numpy", "NumpyBackend", None),
    "onnxruntime": ("webnnpy.backends.onnxruntime", "OrtBackend", "onnxruntime"),
    "openvino": ("webnnpy.backends.openvino", "OpenVinoBackend", "openvino"),
}

#: Backends a context gets by default, best first (the first installed one
#: wins).  ONNX Runtime first: it runs every operator and data type, and on
#: the machine measured (docs/benchmarks.md, "which backend is the default")
#: the OpenVINO backend ran at 1.05x native ONNX Runtime at the zoo median
#: before its lowerings let the plugin fuse (ONNX Runtime's backend: 1.04x);
#: since then it looks level with native OpenVINO (0.88x native ONNX Runtime
#: at the median) but only on figures taken under load, and it leaves int64
#: out of div and pow.  OpenVINO next:
#: far faster than the NumPy reference, which stays the fallback.
DEFAULT_ORDER: tuple[str, ...] = ("onnxruntime", "openvino", "numpy")

#: why each backend of DEFAULT_ORDER is chosen when it is the first installed
_WHY = {
    "onnxruntime": "the first installed of the default order (onnxruntime, "
                   "openvino, numpy): ONNX Runtime runs every operator and type; "
                   "webnnpy on OpenVINO measured 1.05x native ONNX Runtime at the "
                   "zoo median, webnnpy on ONNX Runtime 1.04x; OpenVINO's newer "
                   "figures are not confirmed on a quiet machine "
                   "(docs/benchmarks.md)",
    "openvino": "ONNX Runtime is not installed; OpenVINO is next in the default "
                "order (onnxruntime, openvino, numpy)",
    "numpy": "no native runtime is installed (pip install webnnpy[onnxruntime] "
             "or webnnpy[openvino]); the NumPy reference is slow",
}

ENV_VAR = "WEBNNPY_BACKEND"


def available_backends() -> dict[str, bool]:
    """Each registered backend and whether its runtime is installed."""
    out = {}
    for name, (_mod, _cls, needs) in BACKENDS.items():
        out[name] = needs is None or importlib.util.find_spec(needs) is not None
    return out


def default_backend_choice(accelerated: bool = True) -> tuple[str, str]:
    """The backend a context gets when none is named, and why:
    ``$WEBNNPY_BACKEND`` if set, else the first installed backend of
    :data:`DEFAULT_ORDER`.  ``accelerated`` does not change the choice (a
    GPU/NPU is used where the chosen backend finds one)."""
    env = os.environ.get(ENV_VAR)
    if env:
        return env, f"${ENV_VAR} is set"
    avail = available_backends()
    for name in DEFAULT_ORDER:
        if avail.get(name):
            return name, _WHY[name]
    return "numpy", _WHY["numpy"]


def default_backend_name(accelerated: bool = True) -> str:
    """The backend a context gets when none is named: ``$WEBNNPY_BACKEND`` if
    set, else the first installed one of :data:`DEFAULT_ORDER` (see
    :func:`default_backend_choice` for why)."""
    return default_backend_choice(accelerated)[0]


def backend_class(name: str) -> type[Backend]:
    """Import and return a backend class by registry name (ValueError if unknown,
    ImportError if its runtime is missing)."""
    if name not in BACKENDS:
        known = ", ".join(sorted(BACKENDS))
        raise ValueError(f"unknown backend {name!r}; expected one of {known}")
    mod, cls, _needs = BACKENDS[name]
    return getattr(importlib.import_module(mod), cls)
