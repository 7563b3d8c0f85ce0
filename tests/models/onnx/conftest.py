"""Fixtures for the ONNX importer tests (helpers in ``onnx_testlib``)."""

from __future__ import annotations

import sys
import zlib
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

pytest.importorskip("onnx")
sys.path.insert(0, str(Path(__file__).parent))

import onnx_testlib
from onnx_testlib import assert_close, make_model, reference

import webnnpy
from webnnpy.models.onnx import load


@pytest.fixture(autouse=True)
def _seed_per_test(request: pytest.FixtureRequest) -> None:
    """Each test draws the same ``rand()`` data whatever order or xdist worker runs it
    (a shared module-level stream made the data, and so a rare failure, order-dependent)."""
    onnx_testlib.RNG = np.random.default_rng(zlib.crc32(request.node.nodeid.encode()))


@pytest.fixture(scope="session")
def ref_ctx() -> webnnpy.MLContext:
    ctx = webnnpy.ml.create_context(backend="numpy")
    yield ctx
    ctx.destroy()


CheckFn = Callable[..., dict[str, np.ndarray]]


@pytest.fixture
def check(ref_ctx: webnnpy.MLContext) -> CheckFn:
    """check(nodes, inputs, outputs, opset=..., rtol=..., atol=...,
    initializers=..., constants=...): import, run, compare with
    onnx.reference; returns webnnpy's outputs."""
    def run(nodes: Sequence[Any], inputs: Mapping[str, np.ndarray],
            outputs: Sequence[str], *, opset: int = 17, rtol: float = 1e-5,
            atol: float = 1e-6,
            initializers: Mapping[str, np.ndarray] | None = None,
            constants: Mapping[str, np.ndarray] | None = None,
            extra_opsets: Mapping[str, int] | None = None) -> dict[str, np.ndarray]:
        model = make_model(nodes, inputs, outputs, opset=opset,
                           initializers=initializers, extra_opsets=extra_opsets)
        want = reference(model, inputs)
        imported = load(model, context=ref_ctx, constants=constants)
        got = imported.run(inputs)
        for name, w in zip(outputs, want, strict=True):
            assert_close(got[name], w, rtol, atol, name)
        return got
    return run
