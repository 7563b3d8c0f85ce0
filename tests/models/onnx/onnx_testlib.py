"""Helpers for the ONNX importer tests: build a small model with
``onnx.helper``, get the expected outputs from ``onnx.reference`` (an
independent implementation), compare.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import onnx
from onnx import helper, numpy_helper
from onnx.reference import ReferenceEvaluator

__all__ = ["assert_close", "make_model", "rand", "reference"]

# reseeded per test by conftest._seed_per_test; rand() reads the module global
RNG = np.random.default_rng(1234)



def make_model(nodes: Sequence[Any], inputs: Mapping[str, np.ndarray],
               outputs: Sequence[str], *, opset: int = 17,
               initializers: Mapping[str, np.ndarray] | None = None,
               input_shapes: Mapping[str, Sequence[Any]] | None = None,
               extra_opsets: Mapping[str, int] | None = None) -> Any:
    """A ModelProto of ``nodes`` with typed graph inputs."""
    vis = []
    for name, a in inputs.items():
        shape = (input_shapes or {}).get(name, list(a.shape))
        vis.append(helper.make_tensor_value_info(
            name, helper.np_dtype_to_tensor_dtype(a.dtype), shape))
    outs = [helper.make_value_info(o, onnx.TypeProto()) for o in outputs]
    inits = [numpy_helper.from_array(np.asarray(v), k)
             for k, v in (initializers or {}).items()]
    graph = helper.make_graph(list(nodes), "test", vis, outs, initializer=inits)
    opsets = [helper.make_opsetid("", opset)]
    opsets += [helper.make_opsetid(d, v) for d, v in (extra_opsets or {}).items()]
    return helper.make_model(graph, opset_imports=opsets)


def reference(model: Any, inputs: Mapping[str, np.ndarray]) -> list[np.ndarray]:
    return [np.asarray(v) for v in ReferenceEvaluator(model).run(None, dict(inputs))]


def assert_close(got: np.ndarray, want: np.ndarray, rtol: float, atol: float,
                 what: str = "") -> None:
    want = np.asarray(want)
    assert got.shape == want.shape, f"{what}: shape {got.shape} != {want.shape}"
    if want.dtype.kind == "f":
        assert got.dtype == want.dtype, f"{what}: dtype {got.dtype} != {want.dtype}"
        np.testing.assert_allclose(got.astype(np.float64), want.astype(np.float64),
                                   rtol=rtol, atol=atol, equal_nan=True, err_msg=what)
    else:
        if want.dtype == np.bool_:
            assert got.dtype == np.bool_, f"{what}: dtype {got.dtype} != bool"
        np.testing.assert_array_equal(got, want.astype(got.dtype), err_msg=what)


def rand(*shape: int, dtype: Any = np.float32, low: float = -1.0,
         high: float = 1.0) -> np.ndarray:
    """Random test data (integers for integer dtypes)."""
    dt = np.dtype(dtype)
    if dt.kind in "iu":
        lo = max(int(low), np.iinfo(dt).min)
        return RNG.integers(lo, int(high) + 1, size=shape).astype(dt)
    if dt == np.bool_:
        return RNG.random(shape) < 0.5
    return RNG.uniform(low, high, size=shape).astype(dt)
