"""Per-backend tolerances, in one place.

Each test states the tolerance the exact reference backend must meet (its own
``assert_ulp(..., max_ulp, atol=...)``).  A backend that computes in the
output type (float32/float16 accumulation, vendor transcendental functions)
may need more for some ops: the entries here widen a test's tolerance when the
graph it ran contains the op, on that backend, for that output data type.
Every entry says why.
"""

from __future__ import annotations

__all__ = ["EXCLUDES", "TOLERANCES", "widen"]

_ACC = "float32 accumulation (the reference accumulates in float64)"
_ARITH = "float32 arithmetic inside the op (the reference rounds once from float64)"

#: backend -> (op, data type) -> (max_ulp, atol, why).  ONNX Runtime computes
#: float16 in float32 and rounds once, so float16 needs no entry.
_ORT: dict[tuple[str, str], tuple[int, float, str]] = {
    ("matmul", "float32"): (4, 0.0, _ACC),
    ("gemm", "float32"): (8, 1e-6, _ACC),
    ("conv2d", "float32"): (8, 5e-6, _ACC),
    ("convTranspose2d", "float32"): (8, 2e-6, _ACC),
    ("averagePool2d", "float32"): (4, 1e-7, _ACC),
    ("l2Pool2d", "float32"): (4, 1e-7, _ACC),
    ("batchNormalization", "float32"): (4, 5e-7, _ARITH),
    ("instanceNormalization", "float32"): (8, 1e-6, _ACC),
    ("layerNormalization", "float32"): (8, 1e-6, _ACC),
    ("reduceMean", "float32"): (2, 0.0, _ACC),
    ("reduceSum", "float32"): (4, 0.0, _ACC),
    ("reduceProduct", "float32"): (4, 0.0, _ACC),
    ("reduceL2", "float32"): (4, 0.0, _ACC),
    ("reduceLogSumExp", "float32"): (4, 0.0, _ACC),
    ("reduceLogSum", "float32"): (4, 0.0, _ACC),
    ("reduceSumSquare", "float32"): (4, 0.0, _ACC),
    ("reduceL1", "float32"): (4, 0.0, _ACC),
    ("cumulativeSum", "float32"): (8, 0.0, _ACC),
    ("softmax", "float32"): (8, 0.0, _ARITH),
    ("tanh", "float32"): (4, 0.0, _ARITH),
    ("hardSigmoid", "float32"): (4, 0.0, _ARITH),
    ("hardSwish", "float32"): (4, 0.0, _ARITH),
    ("softplus", "float32"): (2, 0.0, _ARITH),
    ("elu", "float32"): (4, 5e-8, _ARITH),
    ("linear", "float32"): (4, 2e-8, "alpha*x+beta rounds twice in float32"),
    ("sigmoid", "float32"): (2, 0.0, "e / (1 + e) rounds three times"),
    ("gelu", "float32"): (8, 1e-7, "the far negative tail gives -0 for ~-6e-9"),
    ("gru", "float32"): (16, 2e-7, "float32 recurrence"),
    ("gruCell", "float32"): (16, 2e-7, "float32 recurrence"),
    ("lstm", "float32"): (16, 2e-7, "float32 recurrence"),
    ("lstmCell", "float32"): (16, 2e-7, "float32 recurrence"),
    ("resample2d", "float32"): (8, 5e-6, "linear mode interpolates in float32"),
}

#: backend -> (op, data type) -> (max_ulp, atol)
TOLERANCES: dict[str, dict[tuple[str, str], tuple[int, float]]] = {
    "numpy": {},
    "onnxruntime": {k: (u, a) for k, (u, a, _why) in _ORT.items()},
}

#: backend -> test function name -> why it does not apply to that backend
EXCLUDES: dict[str, dict[str, str]] = {
    "onnxruntime": {
        "test_reduce_mean_and_sum_of_large_float32":
            "3e38 + 3e38 overflows a float32 accumulator; the reference "
            "accumulates in float64 (a documented precision difference)",
    },
}


def widen(backend: str, ops: set[str], data_type: str, max_ulp: int,
          atol: float) -> tuple[int, float]:
    """The tolerance for a result of ``data_type`` from a graph of ``ops``."""
    table = TOLERANCES.get(backend, {})
    for op in ops:
        ulp, tol = table.get((op, data_type), (0, 0.0))
        max_ulp, atol = max(max_ulp, ulp), max(atol, tol)
    return max_ulp, atol
