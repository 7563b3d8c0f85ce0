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

__all__ = ["BACKENDS", "COMPOSITES", "DEFAULT_ORDER", "ENV_VAR", "available_backends",
           "backend_class", "composite_available", "default_backend_choice",
           "default_backend_name"]

#: name -> (module, class name, the module whose presence makes it usable):
#: one runtime each
BACKENDS: dict[str, tuple[str, str, str | None]] = {
    "numpy": ("webnnpy.backends.numpy", "NumpyBackend", None),
    "onnxruntime": ("webnnpy.backends.onnxruntime", "OrtBackend", "onnxruntime"),
    "openvino": ("webnnpy.backends.openvino", "OpenVinoBackend", "openvino"),
}

#: Backends made of others: name -> (module, class name, the backends of
#: BACKENDS it needs installed).  ``auto`` compiles each graph on ONNX Runtime
#: or OpenVINO, whichever runs it faster (webnnpy.backends.auto).
COMPOSITES: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "auto": ("webnnpy.backends.auto", "AutoBackend", ("onnxruntime", "openvino")),
}

#: Backends a context gets by default, best first (the first installed one
#: wins).  ``auto`` first, where ONNX Runtime and OpenVINO are both installed:
#: neither runtime is the faster on every model (docs/benchmarks.md, "OpenVINO
#: beside ONNX Runtime": on an AVX-512 Xeon native OpenVINO ran the
#: transformers, DenseNet and PP-OCR det 1.2-3x faster, native ONNX Runtime
#: the small CNN classifiers 1.1-1.2x faster), so ``auto`` measures each
#: large graph on both once per machine and keeps the faster; small graphs
#: go to ONNX Runtime by rule.  Then ONNX Runtime (every operator and data
#: type), then OpenVINO, then the NumPy reference, which is slow.
DEFAULT_ORDER: tuple[str, ...] = ("auto", "onnxruntime", "openvino", "numpy")

#: why each backend of DEFAULT_ORDER is chosen when it is the first installed
_WHY = {
    "auto": "ONNX Runtime and OpenVINO are both installed, and neither runs "
            "every model faster (docs/benchmarks.md): each graph runs on the "
            "faster one, measured once per graph and machine at build() and "
            "remembered; ONNX Runtime for small graphs (docs/openvino.md)",
    "onnxruntime": "OpenVINO is not installed, so no per-graph choice; ONNX "
                   "Runtime is next in the default order (auto, onnxruntime, "
                   "openvino, numpy) and runs every operator and type",
    "openvino": "ONNX Runtime is not installed; OpenVINO is next in the default "
                "order (auto, onnxruntime, openvino, numpy)",
    "numpy": "no native runtime is installed (pip install webnnpy[onnxruntime] "
             "or webnnpy[openvino]); the NumPy reference is slow",
}

ENV_VAR = "WEBNNPY_BACKEND"


def available_backends() -> dict[str, bool]:
    """Each single-runtime backend of :data:`BACKENDS` and whether its runtime
    is installed (the composite ``auto``: :func:`composite_available`)."""
    out = {}
    for name, (_mod, _cls, needs) in BACKENDS.items():
        out[name] = needs is None or importlib.util.find_spec(needs) is not None
    return out


def composite_available() -> dict[str, bool]:
    """Each composite backend of :data:`COMPOSITES` and whether every backend
    it needs is installed."""
    avail = available_backends()
    return {name: all(avail.get(b) for b in parts)
            for name, (_m, _c, parts) in COMPOSITES.items()}


def default_backend_choice(accelerated: bool = True) -> tuple[str, str]:
    """The backend a context gets when none is named, and why:
    ``$WEBNNPY_BACKEND`` if set, else the first installed backend of
    :data:`DEFAULT_ORDER`.  ``accelerated`` does not change the choice (a
    GPU/NPU is used where the chosen backend finds one)."""
    env = os.environ.get(ENV_VAR)
    if env:
        return env, f"${ENV_VAR} is set"
    avail = {**available_backends(), **composite_available()}
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
    if name in COMPOSITES:
        mod, cls, parts = COMPOSITES[name]
        avail = available_backends()
        missing = [b for b in parts if not avail.get(b)]
        if missing:
            raise ImportError(f"the {name} backend needs {', '.join(missing)} "
                              f"installed too")
        return getattr(importlib.import_module(mod), cls)
    if name not in BACKENDS:
        known = ", ".join(sorted([*BACKENDS, *COMPOSITES]))
        raise ValueError(f"unknown backend {name!r}; expected one of {known}")
    mod, cls, _needs = BACKENDS[name]
    return getattr(importlib.import_module(mod), cls)
