"""OpenVINO's entries in the tolerance manifest (merged by ``tolerances.py``).

Same policy as every backend (see ``tolerances.py``): an entry widens a test's
tolerance for a graph containing the op, on OpenVINO, for that output type,
says why, and never exceeds the op's WPT tolerance where WPT has one.
OpenVINO's CPU plugin computes float16 graphs in float32 (this CPU has no
float16 arithmetic) and rounds at the graph's outputs, so float16 needs an
entry only where its float32 kernel is an approximation.
"""

from __future__ import annotations

import re

__all__ = ["EXCLUDES", "TOLERANCES", "merge"]

_ACC = "float32 accumulation (the reference accumulates in float64)"
_ARITH = "float32 arithmetic inside the op (the reference rounds once from float64)"

#: (op, data type) -> (max_ulp, atol, why)
_OV: dict[tuple[str, str], tuple[int, float, str]] = {
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
    ("gru", "float32"): (16, 2e-7, "float32 recurrence"),
    ("gruCell", "float32"): (16, 2e-7, "float32 recurrence"),
    ("lstm", "float32"): (16, 2e-7, "float32 recurrence"),
    ("lstmCell", "float32"): (16, 2e-7, "float32 recurrence"),
    ("resample2d", "float32"): (8, 5e-6, "linear mode interpolates in float32"),
}

#: (op, data type) -> (max_ulp, atol)
TOLERANCES: dict[tuple[str, str], tuple[int, float]] = {
    k: (u, a) for k, (u, a, _why) in _OV.items()}

_WIDE = ("int64/uint64: OpenVINO's CPU plugin runs 64-bit integer tensors as int32 "
         "(2**40 + 1 becomes 1), so the backend's op_support_limits() leaves them "
         "out and building such a graph fails with TypeError")
#: a test id whose parameters name a 64-bit integer type
_WIDE_PARAM = re.compile(r"[\[-]u?int64[\]-]")


class _Excludes(dict[str, str]):
    """Test name -> why it does not apply to OpenVINO; a parametrized test's
    full name (``test_x[openvino-int64]``) naming int64 or uint64 is
    excluded with :data:`_WIDE`."""

    def get(self, name: str, default: str | None = None) -> str | None:  # type: ignore[override]
        why = super().get(name)
        if why:
            return why
        if name and "[" in name and _WIDE_PARAM.search(name):
            return _WIDE
        return default


#: test function name -> why it does not apply to OpenVINO
EXCLUDES: dict[str, str] = _Excludes({
})


def merge(tolerances: dict, excludes: dict) -> None:
    """Add OpenVINO's tables to the manifest's ``TOLERANCES`` and
    ``EXCLUDES``."""
    tolerances["openvino"] = TOLERANCES
    excludes["openvino"] = EXCLUDES
