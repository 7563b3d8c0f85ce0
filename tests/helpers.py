"""Shared test helpers: build-and-run a small graph, compare with tolerances.

Expected values always come from the test itself (a hand-computed case or a
float64 formula written from the spec's definition), never from webnnpy.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pytest

import webnnpy
from tolerances import widen
from webnnpy.backends import available_backends

#: backends the per-op tests run on: every installed one, or
#: WEBNNPY_TEST_BACKENDS=a,b (here, not in conftest.py, so that test modules
#: can import it: a ``from conftest import`` finds whichever conftest module
#: pytest imported first when several directories are collected together).
BACKENDS = (os.environ["WEBNNPY_TEST_BACKENDS"].split(",")
            if os.environ.get("WEBNNPY_TEST_BACKENDS") else
            [name for name, ok in available_backends().items() if ok])

#: What the last ``run`` executed: its backend and the ops of its graph, so
#: that ``assert_ulp`` can apply the backend's tolerance manifest.
LAST_RUN: dict[str, Any] = {"backend": "numpy", "ops": set()}

__all__ = [
    "BACKENDS",
    "assert_exact",
    "assert_ulp",
    "rand",
    "run",
    "type_error",
    "ulp_distance",
]


def run(
    context: webnnpy.MLContext,
    fn: Callable[..., Any],
    inputs: Mapping[str, np.ndarray],
    *,
    constants: tuple[str, ...] | set[str] = (),
) -> Any:
    """Declare each array of ``inputs`` as a graph input (or as a constant when
    its name is in ``constants``), call ``fn(builder, **operands)`` and run the
    graph.  Returns one array, or a list when ``fn`` returns a list."""
    b = webnnpy.MLGraphBuilder(context)
    operands = {}
    feeds = {}
    for name, arr in inputs.items():
        arr = np.asarray(arr)
        desc = {"data_type": str(arr.dtype), "shape": list(arr.shape)}
        if name in constants:
            operands[name] = b.constant(desc, arr)
        else:
            operands[name] = b.input(name, desc)
            feeds[name] = arr
    out = fn(b, **operands)
    many = isinstance(out, list | tuple)
    outs = list(out) if many else [out]
    graph = b.build({f"out{i}": o for i, o in enumerate(outs)})
    LAST_RUN["backend"] = context.backend
    LAST_RUN["ops"] = {n.op for n in graph._ir.nodes}
    res = context.compute(graph, feeds)
    arrays = [res[f"out{i}"] for i in range(len(outs))]
    return arrays if many else arrays[0]


def _ordered_int(a: np.ndarray) -> np.ndarray:
    """Map floats to integers whose order and spacing are the floats' ULPs."""
    bits = {2: np.int16, 4: np.int32, 8: np.int64}[a.dtype.itemsize]
    i = a.view(bits).astype(np.int64)
    sign_bit = 1 << (8 * a.dtype.itemsize - 1)
    return np.where(i < 0, -(i + sign_bit), i)  # -0.0 and +0.0 both map to 0


def ulp_distance(actual: np.ndarray, expected: np.ndarray) -> np.ndarray:
    """ULP distance between two arrays of the same float dtype."""
    return np.abs(_ordered_int(np.ascontiguousarray(actual))
                  - _ordered_int(np.ascontiguousarray(expected)))


def assert_ulp(actual: np.ndarray, expected: Any, max_ulp: int = 0,
               *, atol: float = 0.0) -> None:
    """``expected`` (float64 or exact values) is rounded once to ``actual``'s
    dtype; each element must then be within ``max_ulp`` ULPs, or within
    ``atol`` absolutely.  NaNs must be at the same places; infinities equal.
    The backend's entries in ``tolerances.py`` may widen the tolerance for the
    ops of the graph ``run`` executed last."""
    actual = np.asarray(actual)
    assert actual.dtype.kind == "f", f"expected a float result, got {actual.dtype}"
    max_ulp, atol = widen(LAST_RUN["backend"], LAST_RUN["ops"], str(actual.dtype),
                          max_ulp, atol)
    exp = np.asarray(expected, dtype=np.float64)
    assert actual.shape == exp.shape, f"shape {actual.shape} != {exp.shape}"
    with np.errstate(over="ignore", invalid="ignore"):
        exp_r = exp.astype(actual.dtype)
    nan_a, nan_e = np.isnan(actual), np.isnan(exp_r)
    assert np.array_equal(nan_a, nan_e), (
        f"NaN mismatch:\nactual   {actual}\nexpected {exp_r}")
    ok = ~nan_a
    d = ulp_distance(actual[ok], exp_r[ok])
    with np.errstate(invalid="ignore"):  # inf - inf where both are infinite
        diff = np.abs(actual[ok].astype(np.float64) - exp[ok])
    close = (d <= max_ulp) | (diff <= atol)
    if not close.all():
        i = int(np.argmax(~close))
        raise AssertionError(
            f"{int((~close).sum())} of {close.size} elements beyond {max_ulp} ULP / "
            f"atol {atol}: first at flat index {i}: actual "
            f"{actual[ok][i]!r}, expected {exp_r[ok][i]!r} ({exp[ok][i]!r}), "
            f"{int(d[i])} ULP")


def assert_exact(actual: np.ndarray, expected: Any, dtype: Any = None) -> None:
    """Same dtype (``dtype`` or ``actual``'s), same shape, equal values."""
    actual = np.asarray(actual)
    want = np.asarray(expected, dtype=dtype if dtype is not None else actual.dtype)
    assert actual.dtype == want.dtype, f"dtype {actual.dtype} != {want.dtype}"
    assert actual.shape == want.shape, f"shape {actual.shape} != {want.shape}"
    assert np.array_equal(actual, want, equal_nan=actual.dtype.kind == "f"), (
        f"\nactual   {actual!r}\nexpected {want!r}")


def type_error(*fragments: str) -> Any:
    """``pytest.raises(TypeError)`` whose message contains every fragment."""
    import re

    return pytest.raises(TypeError, match=".*".join(re.escape(f) for f in fragments))


def rand(shape: Any, dtype: str, seed: int = 0, low: float = -4, high: float = 4
         ) -> np.ndarray:
    """Deterministic test data of a WebNN dtype (integers in a small range)."""
    rng = np.random.default_rng(seed)
    dt = np.dtype(dtype)
    if dt.kind == "f":
        return rng.uniform(low, high, size=shape).astype(dt)
    lo = max(int(low), int(np.iinfo(dt).min))
    hi = min(int(high), int(np.iinfo(dt).max))
    return rng.integers(lo, hi, size=shape, endpoint=True).astype(dt)
