"""The documented backend differences the differential fuzzer must not report.

One table: each entry names the ``docs/differences.md`` entry (its bold
title) it relies on, the backends it applies to, and a predicate over the
disagreeing op (its name, data type, and the values of its operands as the
backend fed them).  An op-level disagreement that matches an entry is counted
under that entry instead of reported; anything else is a finding.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["DOCUMENTED", "F16_CHAIN", "ZERO_SIGN", "Documented", "ZeroSign", "match"]


@dataclass(frozen=True)
class Documented:
    """A documented difference: ``differences_md`` is the entry's title in
    docs/differences.md; ``applies(op, dtype, inputs)`` says whether a
    disagreement of ``op`` on those operand values is this difference."""

    name: str
    differences_md: str
    backends: tuple[str, ...]
    applies: Callable[[str, str, Sequence[np.ndarray]], bool]


def _max_abs(inputs: Sequence[np.ndarray]) -> float:
    m = 0.0
    for a in inputs:
        if a.dtype.kind == "f" and a.size:
            fin = np.abs(a[np.isfinite(a)].astype(np.float64))
            if fin.size:
                m = max(m, float(fin.max()))
    return m


def _has_nan(inputs: Sequence[np.ndarray]) -> bool:
    return any(a.dtype.kind == "f" and bool(np.isnan(a).any()) for a in inputs)


def _product_overflows(inputs: Sequence[np.ndarray]) -> bool:
    """Whether a partial product of the input's nonzero magnitudes can pass
    the float32 maximum (a float32 running product overflows to inf, and
    inf * 0 is NaN, where the float64 reference stays finite)."""
    x = inputs[0].astype(np.float64)
    x = np.abs(x[np.isfinite(x) & (x != 0)])
    return bool(x.size) and float(np.log2(x[x > 1]).sum()) > 127


_SUMS = ("reduceSum", "reduceMean", "reduceL1", "reduceL2", "reduceSumSquare",
         "reduceLogSum", "reduceLogSumExp", "reduceProduct", "cumulativeSum",
         "matmul", "gemm", "conv2d", "convTranspose2d", "averagePool2d",
         "batchNormalization", "instanceNormalization", "softmax",
         "gru", "gruCell", "lstm", "lstmCell")

#: float32 magnitude beyond which a float32 sum of squares (or a sum of a few
#: values) can overflow while the float64 reference stays finite
_BIG32 = 1e18

DOCUMENTED: tuple[Documented, ...] = (
    Documented(
        "maxPool2d skips NaN on ONNX Runtime and OpenVINO", "maxPool2d (NaN)",
        ("onnxruntime", "openvino"),
        lambda op, dt, ins: op == "maxPool2d" and _has_nan(ins)),
    Documented(
        "relu(NaN) is 0, clamp(NaN) a bound and hardSwish(-inf) NaN straight "
        "after a convolution on OpenVINO (the fused Relu/Clamp/HSwish)",
        "relu / clamp / hardSwish after a convolution (openvino backend)",
        ("openvino",),
        lambda op, dt, ins: ((op in ("relu", "clamp") and _has_nan(ins))
                             or (op == "hardSwish" and any(
                                 bool(np.isneginf(a).any()) for a in ins)))),
    Documented(
        "maxPool2d of -inf next to padding is the lowest float32 on ONNX Runtime",
        "maxPool2d (NaN)", ("onnxruntime",),
        lambda op, dt, ins: (op == "maxPool2d" and dt == "float32"
                             and any(bool(np.isneginf(a).any()) for a in ins))),
    Documented(
        "float32 variance / sum of squares overflow on ONNX Runtime and OpenVINO",
        "layerNormalization / l2Pool2d (float32 overflow)", ("onnxruntime", "openvino"),
        lambda op, dt, ins: (op in ("layerNormalization", "l2Pool2d")
                             and dt == "float32" and _max_abs(ins) > _BIG32)),
    Documented(
        "float32 accumulator overflow on ONNX Runtime and OpenVINO (reference sums "
        "in float64)",
        "layerNormalization / l2Pool2d (float32 overflow)", ("onnxruntime", "openvino"),
        lambda op, dt, ins: (op in _SUMS and dt == "float32"
                             and (_max_abs(ins) > _BIG32
                                  or (op == "reduceProduct"
                                      and _product_overflows(ins))))),
    Documented(
        "ONNX Runtime's fused GRU / LSTM clamp a NaN gate pre-activation",
        "gru / lstm (NaN and infinite inputs)", ("onnxruntime",),
        lambda op, dt, ins: _fused_recurrent_non_finite(op, ins)),
)

def _fused_recurrent_non_finite(op: str, ins: Sequence[np.ndarray]) -> bool:
    """A gru / lstm of more than one step whose weights and biases are finite
    (the lowering runs ONNX Runtime's fused kernel when they are constants)
    with a NaN or infinity in its input or initial states (rank 3)."""
    if op not in ("gru", "lstm") or len(ins) < 3 or ins[0].shape[0] < 2:
        return False
    params = [ins[1], ins[2], *(a for a in ins[3:] if a.ndim < 3)]
    states = [ins[0], *(a for a in ins[3:] if a.ndim == 3)]
    return not _non_finite(params) and _non_finite(states)


#: results that depend on which values are outputs, in a graph with float16
#: intermediates: ONNX Runtime runs a float16 chain in float32
F16_CHAIN = Documented(
    "float16 intermediates not rounded between ops on ONNX Runtime",
    "float16 intermediates (onnxruntime backend)", ("onnxruntime",),
    lambda op, dt, ins: True)


@dataclass(frozen=True)
class ZeroSign:
    """Where the sign of a zero result is a documented choice (the
    ``docs/differences.md`` entry ``differences_md``): ``--signed-zeros``
    does not compare it for an op call that ``applies(op, kwargs)`` to."""

    differences_md: str
    backends: tuple[str, ...]
    applies: Callable[[str, dict], bool]


ZERO_SIGN: tuple[ZeroSign, ...] = (
    ZeroSign("min / max of +0 and -0", ("onnxruntime",),
             lambda op, kw: op in ("min", "max", "reduceMin", "reduceMax",
                                   "relu")),
    ZeroSign("min / max of +0 and -0", ("onnxruntime",),
             lambda op, kw: op == "elu" and kw.get("alpha") == 0),
    ZeroSign("cumulativeSum (exclusive, -0)", ("onnxruntime",),
             lambda op, kw: op == "cumulativeSum" and bool(kw.get("exclusive"))),
)


def match(backend: str, op: str, dtype: str, inputs: Sequence[np.ndarray]
          ) -> Documented | None:
    """The documented difference a disagreement of ``op`` is, or None."""
    for d in DOCUMENTED:
        if backend in d.backends and d.applies(op, dtype, inputs):
            return d
    return None


@dataclass(frozen=True)
class Known:
    """A defect the fuzzer found that is recorded, with its repro, as an
    xfail(strict=True) test in tests/test_fuzz_regressions.py: counted as
    "known" rather than reported again, until it is fixed (then the strict
    xfail fails and the entry must go)."""

    name: str
    regression: str
    backends: tuple[str, ...]
    applies: Callable[[str, str, Sequence[np.ndarray]], bool]
    error: str = ""  # for a backend error: a fragment of its message


def _non_finite(inputs: Sequence[np.ndarray]) -> bool:
    return any(a.dtype.kind == "f" and not bool(np.isfinite(a).all())
               for a in inputs)


def _neg_inf(inputs: Sequence[np.ndarray]) -> bool:
    return any(a.dtype.kind == "f" and bool(np.isneginf(a).any()) for a in inputs)


KNOWN: tuple[Known, ...] = (
)


def known(backend: str, op: str | None, dtype: str, inputs: Sequence[np.ndarray],
          error: str = "") -> Known | None:
    """The recorded defect a disagreement (or backend error) is, or None."""
    for k in KNOWN:
        if backend not in k.backends:
            continue
        if error:
            if k.error and k.error in error:
                return k
        elif op is not None and k.applies(op, dtype, inputs):
            return k
    return None
