"""The OpenVINO backend: a built WebNN graph lowered to one ``openvino.Model``
with OpenVINO's graph API (``openvino.opset16``), compiled once at build and
run by one reusable infer request per graph.

Loaded only when a context names it (``create_context(backend="openvino")``);
``import webnnpy`` never imports openvino.

``openvino`` is imported here first, by :func:`import_openvino`, without its
model conversion tool: ``openvino/__init__.py`` ends with ``from
openvino.tools.ovc import convert_model`` (inside ``try ... except
ImportError``), which imports argparse, the TensorFlow frontend's helpers and
OpenVINO's telemetry (urllib, http.client, email): about 0.1 of the 0.15 s
``import openvino`` takes on the machine of docs/graph_cache.md, and nothing
webnnpy uses.  ``openvino.convert_model`` still works: the first use imports
it.
"""

from __future__ import annotations

import sys
from types import ModuleType
from typing import Any

__all__ = ["OpenVinoBackend", "import_openvino"]

#: the module ``openvino/__init__.py`` imports ``convert_model`` from
_OVC = "openvino.tools.ovc"


def import_openvino() -> ModuleType:
    """``import openvino``, without importing ``openvino.tools.ovc`` (the
    model conversion tool) when this is the process's first import of it;
    ``openvino.convert_model`` then imports that tool on first use.  Where
    openvino is already imported it is returned as it is."""
    mod = sys.modules.get("openvino")
    if mod is not None:
        return mod
    blocked = _OVC not in sys.modules
    if blocked:  # None in sys.modules: that import raises ImportError, which
        sys.modules[_OVC] = None  # type: ignore[assignment]  # openvino catches
    try:
        import openvino
    finally:
        if blocked and sys.modules.get(_OVC, 0) is None:
            del sys.modules[_OVC]
    if "convert_model" not in vars(openvino) and "__getattr__" not in vars(openvino):
        openvino.__getattr__ = _lazy_attribute  # type: ignore[attr-defined]
    return openvino


def _lazy_attribute(name: str) -> Any:
    """``openvino.convert_model`` when :func:`import_openvino` left it out:
    imported now, and kept as the module's attribute."""
    if name == "convert_model":
        try:
            from openvino.tools.ovc import convert_model
        except ImportError as e:  # as openvino itself: no tool, no attribute
            raise AttributeError(f"module 'openvino' has no attribute {name!r} "
                                 f"({e})") from e
        sys.modules["openvino"].convert_model = convert_model  # type: ignore[attr-defined]
        return convert_model
    raise AttributeError(f"module 'openvino' has no attribute {name!r}")


import_openvino()

from webnnpy.backends.openvino.runtime import OpenVinoBackend  # noqa: E402
