"""op_support_limits() tells the truth: every claimed (data type, rank) of each
op's principal operand builds and runs, and every unclaimed data type is
rejected with TypeError at build time."""

from __future__ import annotations

import importlib

import numpy as np
import pytest

import webnnpy
from samples import Sample
from webnnpy._spec import api_table, to_py_name
from webnnpy.dtypes import DATA_TYPES
from webnnpy.ir.registry import FAMILIES

SAMPLES: dict[str, Sample] = {}
for fam in FAMILIES:
    SAMPLES.update(importlib.import_module(f"samples.{fam}").SAMPLES)

OPERATORS = [op for op in api_table()["ops"] if op not in ("input", "constant", "build")]


def test_every_operator_has_a_sample() -> None:
    missing = [op for op in OPERATORS if op not in SAMPLES]
    assert not missing, f"no op_support_limits sample for {missing}"


def _feeds(graph: webnnpy.MLGraph) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    feeds = {}
    for name, d in graph.inputs.items():
        dt = np.dtype(d.data_type)
        if dt.kind == "f":
            feeds[name] = rng.uniform(0.5, 2, d.shape).astype(dt)
        else:
            feeds[name] = rng.integers(0, 2, d.shape, endpoint=True).astype(dt)
    return feeds


@pytest.mark.parametrize("op", sorted(SAMPLES))
def test_claimed_limits_build_and_run(context: webnnpy.MLContext, op: str) -> None:
    limits = context.op_support_limits()[to_py_name(op)]
    sample = SAMPLES[op]
    lim = limits[to_py_name(sample.key)]
    lo, hi = lim["rank_range"]["min"], lim["rank_range"]["max"]
    for dtype in lim["data_types"]:
        for rank in range(lo, hi + 1):
            b = webnnpy.MLGraphBuilder(context)
            try:
                out = sample.fn(b, dtype, rank)
            except TypeError as e:
                pytest.fail(f"{op} claims {dtype} rank {rank} but building failed: {e}")
            outs = out if isinstance(out, list) else [out]
            graph = b.build({f"o{i}": o for i, o in enumerate(outs)})
            res = context.compute(graph, _feeds(graph))
            for i, o in enumerate(outs):
                r = res[f"o{i}"]
                assert r.dtype == np.dtype(o.data_type) and r.shape == o.shape
    for dtype in DATA_TYPES:
        if dtype in lim["data_types"]:
            continue
        b = webnnpy.MLGraphBuilder(context)
        with pytest.raises(TypeError):
            sample.fn(b, dtype, max(lo, min(hi, 2)))


def test_tensor_limits_agree_with_support_limits(context: webnnpy.MLContext) -> None:
    # createTensor checks Backend.tensor_limits() (answered without
    # support_limits() where that is costly: ONNX Runtime's imports every
    # lowering); it must be what support_limits() says
    backend = context._backend
    lim = backend.support_limits()
    assert backend.tensor_limits() == (lim.input[2], lim.max_tensor_byte_length)
    too_many = [1] * (lim.input[2] + 1)
    with pytest.raises(TypeError, match="rank"):
        context.create_tensor({"data_type": "float32", "shape": too_many})
