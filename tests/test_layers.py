"""The import rule between layers, and that ``import webnnpy`` stays light."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "webnnpy"

# layer -> the webnnpy subpackages it must not import
#: (tasks and shape_detection are the Usage API, the top layer: only the
#: CLI and each other use them)
USAGE = ("webnnpy.tasks", "webnnpy.shape_detection")
FORBIDDEN = {
    "ir": ("webnnpy.api", "webnnpy.backends", "webnnpy.models", *USAGE),
    "backends": ("webnnpy.api", "webnnpy.models", *USAGE),
    "api": ("webnnpy.models", *USAGE),
    "models": USAGE,
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
                "webnnpy.backends.base", "webnnpy.backends.errors"), \
                f"{path.relative_to(SRC)} imports {name}"


#: composite backends and the backends they run graphs on (the auto backend
#: compiles each graph on ONNX Runtime or OpenVINO and shares its tensors
#: with both); no other backend imports another
COMPOSITES = {"auto": ("onnxruntime", "openvino")}


def test_backends_import_no_other_backend():
    for pkg in (SRC / "backends").iterdir():
        if not pkg.is_dir() or pkg.name.startswith("_"):
            continue
        allowed = (pkg.name, "base", "errors", *COMPOSITES.get(pkg.name, ()))
        for path in pkg.rglob("*.py"):
            for name in _imports(path):
                if name.startswith("webnnpy.backends."):
                    other = name.split(".")[2]
                    assert other in allowed, f"{path} imports {name}"


def test_import_webnnpy_loads_no_native_runtime():
    code = ("import sys, webnnpy; ctx = webnnpy.ml.create_context(backend='numpy'); "
            f"print([m for m in sys.modules if m.split('.')[0] in {HEAVY!r}])")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       check=True)
    assert r.stdout.strip() == "[]", r.stdout


def test_backends_raise_backend_errors_not_spec_errors():
    """Backends report failures with webnnpy.backends.errors; the spec's error
    kinds are the API layer's (one table in api/context.py maps them)."""
    for path in (SRC / "backends").rglob("*.py"):
        for name in _imports(path):
            assert name != "webnnpy.errors", f"{path.relative_to(SRC)} imports {name}"


#: the only catch-alls in api/: the timeline and promises deliver whatever a
#: queued step raised to whoever awaits it, unchanged (they convert nothing)
CATCH_ALL_OK = {"timeline.py", "promise.py"}


def test_api_converts_no_exception_it_does_not_know():
    for path in (SRC / "api").rglob("*.py"):
        if path.name in CATCH_ALL_OK:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ExceptHandler):
                names = ([node.type] if not isinstance(node.type, ast.Tuple)
                         else node.type.elts) if node.type is not None else []
                bad = node.type is None or any(
                    isinstance(n, ast.Name) and n.id == "Exception" for n in names)
                assert not bad, (f"{path.relative_to(SRC)}:{node.lineno}: a blanket "
                                 f"except; catch the backend error family instead")


def test_no_private_names_across_packages():
    """No module imports a ``_private`` name of another webnnpy subpackage."""
    for path in SRC.rglob("*.py"):
        rel = path.relative_to(SRC)
        own = rel.parts[0] if len(rel.parts) > 1 else ""
        for node in ast.walk(ast.parse(path.read_text())):
            if not (isinstance(node, ast.ImportFrom) and node.module
                    and node.module.startswith("webnnpy.")):
                continue
            parts = node.module.split(".")
            if len(parts) < 2 or parts[1] == own:
                continue
            private = [a.name for a in node.names if a.name.startswith("_")
                       and not a.name.startswith("__")]
            private += [p for p in parts[2:] if p.startswith("_")
                        and not p.startswith("__")][:1]
            assert not private, f"{rel} imports {private} from {node.module}"


#: what outside api/ may reach into the API objects' internals: the bench
#: command lowers a graph's IR itself to explain the ONNX Runtime model
INTERNALS_OK = {"bench.py"}


def test_no_layer_reaches_into_api_objects():
    """Other layers use the API objects' public (or declared-addition)
    attributes: MLContext.backend_description, MLContext.lost,
    MLGraph.operator_count..., never ``_backend``, ``_ir``, ``_is_lost``."""
    import re

    private = re.compile(r"\.(_backend|_ir|_is_lost|_impl|_limits)\b")
    for path in SRC.rglob("*.py"):
        rel = path.relative_to(SRC)
        if rel.parts[0] in ("api", "backends") or rel.name in INTERNALS_OK:
            continue
        for i, line in enumerate(path.read_text().splitlines(), 1):
            assert not private.search(line), f"{rel}:{i}: {line.strip()}"
