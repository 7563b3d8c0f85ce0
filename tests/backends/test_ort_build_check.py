"""Every operator's lowering agrees with the IR, checked by ONNX itself.

``build()`` no longer runs ONNX's checker and strict shape inference on each
lowered model (``lower.CHECK``, off unless ``WEBNNPY_ORT_CHECK=1``): the IR
already knows every shape, and the check was half of a build.  This test
keeps a lowering bug from going unnoticed: for each operator sample
(``tests/samples``), for every data type the ONNX Runtime backend claims and
the lowest, a middle and the highest claimed rank, it lowers the IR graph and
runs :func:`check_against_ir` (checker, strict shape inference, and every IR
value's type and shape compared with ONNX's).
"""

from __future__ import annotations

import importlib

import pytest

pytest.importorskip("onnxruntime")
pytest.importorskip("onnx")

import webnnpy
from samples import Sample
from webnnpy._spec import to_py_name
from webnnpy.backends.onnxruntime import lower as lower_mod
from webnnpy.ir.registry import FAMILIES

SAMPLES: dict[str, Sample] = {}
for fam in FAMILIES:
    SAMPLES.update(importlib.import_module(f"samples.{fam}").SAMPLES)


@pytest.fixture(scope="module")
def ctx() -> webnnpy.MLContext:
    c = webnnpy.ml.create_context(backend="onnxruntime")
    yield c
    c.destroy()


def test_builds_skip_the_check_unless_asked(monkeypatch):
    calls = []
    monkeypatch.setattr(lower_mod, "check_against_ir",
                        lambda low, graph: calls.append(graph))
    c = webnnpy.ml.create_context(backend="onnxruntime")
    for flag, expected in ((False, 0), (True, 1)):
        monkeypatch.setattr(lower_mod, "CHECK", flag)
        b = webnnpy.MLGraphBuilder(c)
        b.build({"y": b.abs(b.input("x", {"data_type": "float32", "shape": [2]}))})
        assert len(calls) == expected
    c.destroy()


@pytest.mark.parametrize("op", sorted(SAMPLES))
def test_lowering_of_every_claimed_type_passes_the_onnx_check(ctx, op):
    limits = ctx.op_support_limits().get(to_py_name(op))
    if limits is None:
        pytest.skip(f"{op}: no ONNX Runtime lowering")
    sample = SAMPLES[op]
    lim = limits[to_py_name(sample.key)]
    lo, hi = lim["rank_range"]["min"], lim["rank_range"]["max"]
    checked = 0
    for dtype in lim["data_types"]:
        for rank in sorted({lo, (lo + hi) // 2, hi}):
            b = webnnpy.MLGraphBuilder(ctx)
            out = sample.fn(b, dtype, rank)
            outs = out if isinstance(out, list) else [out]
            graph = b._make_graph({f"o{i}": o for i, o in enumerate(outs)})
            low = lower_mod.lower(graph, check=False)
            try:
                lower_mod.check_against_ir(low, graph)
            except lower_mod.LoweringError as e:
                pytest.fail(f"{op} {dtype} rank {rank}: {e}")
            checked += 1
    assert checked or not lim["data_types"]
