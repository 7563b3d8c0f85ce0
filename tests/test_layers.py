"""The import rule between layers, and that ``import webnnpy`` stays light."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "webnnpy"

# layer -> the webnnpy subpackages it must not import
FORBIDDEN = {
    "ir": ("webnnpy.api", "webnnpy.backends", "webnnpy.models", "webnnpy.tasks"),
    "backends": ("webnnpy.api", "webnnpy.models", "webnnpy.tasks"),
    "_spec": ("webnnpy.api", "webnnpy.ir", "webnnpy.backends"),
}
HEAVY = ("onnxruntime", "openvino", "onnx", "torch")


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text())
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
    return names


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layer_does_not_import_upwards(layer):
    for path in (SRC / layer).rglob("*.py"):
        for name in _imports(path):
            for bad in FORBIDDEN[layer]:
                assert not name.startswith(bad), f"{path.relative_to(SRC)} imports {name}"


def test_api_imports_no_concrete_backend():
    for path in (SRC / "api").rglob("*.py"):
        for name in _imports(path):
            assert not name.startswith("webnnpy.backends.") or name in (
                "webnnpy.backends.base",), f"{path.relative_to(SRC)} imports {name}"


def test_backends_import_no_other_backend():
    for pkg in (SRC / "backends").iterdir():
        if not pkg.is_dir() or pkg.name.startswith("_"):
            continue
        for path in pkg.rglob("*.py"):
            for name in _imports(path):
                if name.startswith("webnnpy.backends."):
                    other = name.split(".")[2]
                    assert other in (pkg.name, "base"), f"{path} imports {name}"


def test_import_webnnpy_loads_no_native_runtime():
    code = ("import sys, webnnpy; ctx = webnnpy.ml.create_context(backend='numpy'); "
            f"print([m for m in sys.modules if m.split('.')[0] in {HEAVY!r}])")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       check=True)
    assert r.stdout.strip() == "[]", r.stdout
