"""Adding an operator, checked step by step: every op rule of a family has its
builder method, reference kernel, native lowerings, sample and tests in the
files of the same family (:data:`webnnpy.ir.registry.FAMILIES`).  A failure
names the file to edit and the op it lacks (CONTRIBUTING.md lists the steps).
"""

from __future__ import annotations

import importlib
import inspect
import re
from pathlib import Path

import pytest

from webnnpy._spec import api_table, to_py_name
from webnnpy.ir.registry import FAMILIES, OpTable, merge_families

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "webnnpy"

#: layer -> (module package, table attribute, file pattern)
TABLES = {
    "reference kernel": ("webnnpy.backends.numpy.kernels", "KERNELS",
                         "src/webnnpy/backends/numpy/kernels/{}.py"),
    "ONNX Runtime lowering": ("webnnpy.backends.onnxruntime.lower_ops", "LOWERINGS",
                              "src/webnnpy/backends/onnxruntime/lower_ops/{}.py"),
    "OpenVINO lowering": ("webnnpy.backends.openvino.lower_ops", "LOWERINGS",
                          "src/webnnpy/backends/openvino/lower_ops/{}.py"),
}


def _rules(family: str) -> list[str]:
    return sorted(importlib.import_module(f"webnnpy.ir.ops.{family}").RULES)


def _missing(family: str, have: set[str], what: str, where: str) -> list[str]:
    return [f"{where.format(family)}: no {what} for {op!r}"
            for op in _rules(family) if op not in have]


def test_every_spec_operator_has_a_rule() -> None:
    ops = {op for op in api_table()["ops"] if op not in ("input", "constant", "build")}
    have = set(merge_families("webnnpy.ir.ops", "RULES"))
    assert sorted(ops - have) == [], "ops of the spec table with no rule in src/webnnpy/ir/ops"
    assert sorted(have - ops) == [], "rules for ops the spec table does not have"


@pytest.mark.parametrize("layer", sorted(TABLES))
def test_every_rule_has_its_backend_entry_in_the_same_family(layer: str) -> None:
    if layer.startswith("OpenVINO"):
        pytest.importorskip("openvino")
    package, attr, where = TABLES[layer]
    problems: list[str] = []
    for family in FAMILIES:
        table = getattr(importlib.import_module(f"{package}.{family}"), attr)
        assert isinstance(table, OpTable), f"{where.format(family)}: {attr} is not an OpTable"
        problems += _missing(family, set(table), layer, where)
        rules = set(_rules(family))
        problems += [f"{where.format(family)}: {layer} for {op!r}, which has no rule "
                     f"in src/webnnpy/ir/ops/{family}.py" for op in sorted(set(table) - rules)]
    assert problems == []


def test_every_rule_has_its_builder_method_in_the_same_family() -> None:
    problems: list[str] = []
    for family in FAMILIES:
        mod = importlib.import_module(f"webnnpy.api.builder_ops.{family}")
        methods = {name for cls in vars(mod).values() if inspect.isclass(cls)
                   and cls.__module__ == mod.__name__
                   for name in vars(cls) if not name.startswith("_")}
        problems += _missing(family, {op for op in _rules(family)
                                      if to_py_name(op) in methods},
                             "builder method", "src/webnnpy/api/builder_ops/{}.py")
    assert problems == []


def test_every_rule_has_a_sample_and_tests_in_the_same_family() -> None:
    problems: list[str] = []
    for family in FAMILIES:
        samples = importlib.import_module(f"samples.{family}").SAMPLES
        problems += _missing(family, set(samples), "sample", "tests/samples/{}.py")
        behaviour = (ROOT / "tests" / "ops" / f"test_{family}.py").read_text()
        validation = (ROOT / "tests" / "ir" / f"test_{family}_validation.py").read_text()
        for op in _rules(family):
            call = re.compile(rf"\b{to_py_name(op)}\b|[\"']{op}[\"']")
            if not call.search(behaviour):
                problems.append(f"tests/ops/test_{family}.py: no behaviour test for {op!r}")
            if not call.search(validation):
                problems.append(f"tests/ir/test_{family}_validation.py: no validation "
                                f"test for {op!r}")
    assert problems == []
