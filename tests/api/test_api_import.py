"""``import webnnpy`` stays light: it loads no runtime and none of the heavy
standard-library or third-party modules, and the public names it defers
(PEP 562) all resolve to the same objects as their defining modules'."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import webnnpy

#: modules ``import webnnpy`` must not load (top-level package names)
HEAVY = ("onnx", "onnxruntime", "openvino", "torch", "scipy", "ml_dtypes",
         "asyncio", "ssl", "importlib.resources")
#: ...nor these after the whole object model is used without a native backend
HEAVY_IN_USE = ("onnx", "onnxruntime", "openvino", "torch", "scipy", "asyncio",
                "ssl", "importlib.resources")


def _loaded(code: str) -> list[str]:
    """The modules a fresh interpreter has loaded after running ``code``."""
    r = subprocess.run([sys.executable, "-c",
                        code + "\nimport json, sys; print(json.dumps(sorted(sys.modules)))"],
                       capture_output=True, text=True, check=True, timeout=120)
    return json.loads(r.stdout.strip().splitlines()[-1])


def _heavy(mods: list[str], heavy: tuple[str, ...]) -> list[str]:
    return [m for m in mods if any(m == h or m.startswith(h + ".") for h in heavy)]


def test_import_webnnpy_loads_nothing_heavy() -> None:
    mods = _loaded("import webnnpy")
    assert _heavy(mods, HEAVY) == []
    assert [m for m in mods if m.startswith("webnnpy.")] == []


def test_using_the_api_on_numpy_loads_no_runtime() -> None:
    code = ("import numpy as np, webnnpy\n"
            "ctx = webnnpy.ml.create_context(backend='numpy')\n"
            "b = webnnpy.MLGraphBuilder(ctx)\n"
            "x = b.input('x', {'data_type': 'float32', 'shape': [2]})\n"
            "g = b.build({'y': b.relu(x)})\n"
            "assert ctx.compute(g, {'x': np.array([-1, 2], np.float32)})['y'].tolist()"
            " == [0, 2]\n")
    assert _heavy(_loaded(code), HEAVY_IN_USE) == []


def test_every_public_name_resolves() -> None:
    import importlib

    for name in webnnpy.__all__:
        value = getattr(webnnpy, name)
        if name == "__version__":
            continue
        module = webnnpy._LAZY[name]
        assert value is getattr(importlib.import_module(module), name), name
    assert set(webnnpy.__all__) <= set(dir(webnnpy))
    ns: dict[str, object] = {}
    exec("from webnnpy import *", ns)
    assert {n for n in ns if not n.startswith("__")} | {"__version__"} \
        == set(webnnpy.__all__)


def test_unknown_attribute_is_attribute_error() -> None:
    with pytest.raises(AttributeError, match=r"webnnpy.*'no_such_name'"):
        webnnpy.no_such_name  # noqa: B018


def test_subpackages_reachable_after_import_alone() -> None:
    code = ("import webnnpy\n"
            "assert webnnpy.backends.available_backends()['numpy'] is True\n"
            "assert webnnpy.dtypes.DATA_TYPES[0] == 'float32'\n"
            "assert isinstance(webnnpy.SPEC_COMMIT, str) and len(webnnpy.SPEC_COMMIT) == 40\n")
    _loaded(code)
