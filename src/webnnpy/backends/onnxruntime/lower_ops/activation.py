"""ONNX lowerings of the activation family: clamp, elu, gelu, hardSigmoid,
hardSwish, leakyRelu, linear, prelu, relu, sigmoid, softmax, softplus,
softsign and tanh.

Most map to the ONNX op of the same name (Gelu with the exact erf form), so
that ONNX Runtime can fuse them with a preceding Conv or MatMul.  Exact
decompositions where ONNX Runtime's kernels differ:

- integer relu/prelu/clamp: ``Where`` selections (int64 Max/Min/Clip misread
  values in ONNX Runtime 1.31; it has no integer PRelu and no int64 Relu);
  ``slope * x`` wraps like the element-wise mul.
- prelu whose slope broadcasts beyond the input's shape: ``Where(x >= 0, x,
  slope * x)`` (ONNX PRelu broadcasts the slope one way only).
- linear is ``alpha * x + beta`` (Mul, Add); in float32 it (and
  hardSigmoid's ``alpha * x + beta``) is shifted to its zero crossing,
  ``alpha * (x - x0) + r``, where two roundings would otherwise cancel.
- float32 elu is ``relu(x) + alpha * tanh(m/2) * (exp(m) + 1)``, ``m =
  min(x, 0)``: ONNX Runtime's Elu cancels near 0 (see the lowering).
- float32 sigmoid is ``1 / (1 + exp(-x))``: ONNX Runtime's Sigmoid is
  outside WPT's tolerance (see the lowering and docs/accuracy.md); float16
  uses ONNX Runtime's Sigmoid in float32.  ``fuse.py`` turns
  ``x * sigmoid(x)`` (SiLU, Swish) into one Div.
- hardSwish is ``m * HardSigmoid(m + 3, 1/6, 0)`` with ``m = Clip(x, -3,
  inf)``: ONNX Runtime's HardSwish cancels near -3 (see the lowering).
- gelu at -inf, softsign at +-inf: ONNX Runtime gives NaN (-inf * 0, inf /
  inf) where the functions have limits (0, +-1): both clamp the input first
  (gelu to [-max, +inf], softsign to [-2**64, 2**64]) with a Clip, which
  keeps NaN and which ONNX Runtime fuses into a preceding Conv.
"""

from __future__ import annotations

import numpy as np

from webnnpy.backends.onnxruntime.emitter import Emitter
from webnnpy.backends.onnxruntime.lower_ops._table import LoweringTable
from webnnpy.backends.onnxruntime.lower_ops._util import (
    const_data,
    dtype_of,
    max_min,
    where,
)
from webnnpy.ir.graph import Node, Value

__all__ = ["LOWERINGS"]

LOWERINGS = LoweringTable()

_FLOATS = ("float32", "float16")
_PLAIN = {"tanh": "Tanh", "softplus": "Softplus",
          "softsign": "Softsign", "gelu": "Gelu"}
#: ops whose ONNX formula gives NaN at an infinity where the function has a
#: limit: the input is clamped to the finite range first (NaN stays NaN)
_FINITE_BELOW = ("gelu",)  # -inf * 0
_MAX = {"float32": float(np.finfo(np.float32).max),
        "float16": float(np.finfo(np.float16).max)}


@LOWERINGS.define(*_PLAIN)
def _plain(ctx: Emitter, node: Node) -> None:
    x = ctx.input(node, "input")
    dt = dtype_of(node, "input")
    attrs = {"approximate": "none"} if node.op == "gelu" else {}
    if node.op in _FINITE_BELOW:
        # Clip(x, -max, +inf) rather than Max: the same values (NaN stays
        # NaN), and ONNX Runtime fuses a Clip into a preceding Conv.
        if dt == "float16":
            # ONNX Runtime's CPU kernel for Gelu is float32 only: it would
            # wrap it in a Cast pair.  One pair around both computes the
            # same (float32 inside, one rounding at the end).
            x = ctx.emit("Clip", [ctx.cast(x, "float32"),
                                  ctx.const(-_MAX[dt], "float32"),
                                  ctx.const(np.inf, "float32")])
            y = ctx.emit(_PLAIN[node.op], [x], **attrs)
            ctx.cast(y, "float16", ctx.out(node))
            return
        x = ctx.emit("Clip", [x, ctx.const(-_MAX[dt], dt), ctx.const(np.inf, dt)])
    if node.op == "softsign":
        _softsign(ctx, node, x, dt)
        return
    ctx.emit(_PLAIN[node.op], [x], ctx.out(node), **attrs)


#: softsign's input bound: beyond it the result rounds to +-1
_SOFTSIGN_BOUND = 2.0 ** 64


def _softsign(ctx: Emitter, node: Node, x: str, dt: str) -> None:
    # ONNX Runtime's Softsign gives NaN at +-inf (inf / inf) and 1 ULP over
    # 1 near the largest float32 (its 1 / (1 + |x|) is subnormal there).
    # Clamping to +-2**64, where x / (1 + |x|) already rounds to +-1, gives
    # the limits at the infinities and keeps NaN (one Clip, which ONNX
    # Runtime fuses into a preceding Conv, instead of IsInf/Sign/Where).
    # float16 computes in float32 and rounds once.
    half = dt == "float16"
    if half:
        x = ctx.cast(x, "float32")
    c = ctx.emit("Clip", [x, ctx.const(-_SOFTSIGN_BOUND, "float32"),
                          ctx.const(_SOFTSIGN_BOUND, "float32")])
    if half:
        ctx.cast(ctx.emit("Softsign", [c]), "float16", ctx.out(node))
    else:
        ctx.emit("Softsign", [c], ctx.out(node))


@LOWERINGS.define("hardSwish")
def _hard_swish(ctx: Emitter, node: Node) -> None:
    # x * min(max(x + 3, 0), 6) / 6 as m * HardSigmoid(m + 3, 1/6, 0) with
    # m = Clip(x, -3, +inf).  ONNX Runtime's HardSwish computes x/6 + 0.5,
    # which cancels near x = -3 (4e6 ULP off at -2.9999998 in float32; WPT
    # allows 4): here m + 3 is exact there and the rest rounds relatively.
    # -inf gives -3 * 0 = -0 (the limit, where x * 0 would be NaN), NaN
    # stays NaN, and ONNX Runtime folds the Clip into a preceding Conv (a
    # Conv + hardSwish block costs 3% more than with ORT's HardSwish).
    # float16 computes in float32 (no float16 HardSigmoid kernel) and rounds
    # once.
    x = ctx.input(node, "input")
    half = dtype_of(node, "input") == "float16"
    if half:
        x = ctx.cast(x, "float32")
    m = ctx.emit("Clip", [x, ctx.const(-3.0, "float32"),
                          ctx.const(np.inf, "float32")])
    h = ctx.emit("HardSigmoid", [_plus_three(ctx, node, m, half)],
                 alpha=1.0 / 6.0, beta=0.0)
    if half:
        ctx.cast(ctx.emit("Mul", [m, h]), "float16", ctx.out(node))
    else:
        ctx.emit("Mul", [m, h], ctx.out(node))


def _plus_three(ctx: Emitter, node: Node, m: str, half: bool) -> str:
    """``m + 3`` (float32) for hardSwish, rounded once.

    On a float32 NCHW tensor (rank 4, the channels on axis 1) it is a
    BatchNormalization with scale 1, mean 0, variance 1, epsilon 0 and bias
    3: ``(m - 0) / sqrt(1 + 0) * 1 + 3`` is the same single rounding of
    ``m + 3``, and ONNX Runtime's NCHWc layout pass keeps it in the blocked
    layout (a depthwise 1x1 NCHWc Conv, weight 1, bias 3, into which the
    HardSigmoid after it fuses), where an ``Add`` of a constant is reordered
    to NCHW and back around it.  Elsewhere it is an ``Add``."""
    shape = node.operands["input"].desc.shape if isinstance(
        node.operands["input"], Value) else ()
    if half or len(shape) != 4 or not shape[1] > 0:
        return ctx.emit("Add", [m, ctx.const(3.0, "float32")])
    c = shape[1]
    ones = ctx.const(np.ones(c), "float32")
    return ctx.emit("BatchNormalization",
                    [m, ones, ctx.const(np.full(c, 3.0), "float32"),
                     ctx.const(np.zeros(c), "float32"), ones], epsilon=0.0)


@LOWERINGS.define("sigmoid")
def _sigmoid(ctx: Emitter, node: Node) -> None:
    # float32: ONNX Runtime's Sigmoid kernel (MLAS: input clamped to
    # [-18, 18], a rational approximation) is 35,000 ULP off in [-10, 10]
    # and up to 8.7e8 ULP below -15; WPT allows 34.  1 / (1 + exp(-x)) is
    # within 2 ULP wherever the result is a normal float32, gives 0 and 1 at
    # -inf and +inf, and flushes only results below 2.9e-39 (x < -88.72,
    # where exp(-x) overflows) to 0, as the accuracy policy allows (XNNPACK
    # flushes below -87.34).  Four memory-bound passes: 3.3x ORT's Sigmoid,
    # and 6.8x faster than an exact-to-the-subnormals Where form
    # (docs/accuracy.md).  x * sigmoid(x) and x * sigmoid(c * x) become
    # one Div in fuse.py.
    # float16: ORT's Sigmoid in float32, rounded once, is within 2 ULP of
    # every float16 result (WPT allows 10), subnormals included.
    x = ctx.input(node, "input")
    if dtype_of(node, "input") == "float16":
        y = ctx.emit("Sigmoid", [ctx.cast(x, "float32")])
        ctx.cast(y, "float16", ctx.out(node))
        return
    # -x as a Mul by -1 (exact, as Neg): after a convolution or a Gemm ONNX
    # Runtime folds it into the weights, so the activation is three passes
    den = ctx.emit("Add", [ctx.emit("Exp", [ctx.emit(
        "Mul", [x, ctx.const(-1.0, "float32")])]), ctx.const(1.0, "float32")])
    ctx.emit("Reciprocal", [den], ctx.out(node))


@LOWERINGS.define("relu")
def _relu(ctx: Emitter, node: Node) -> None:
    x = ctx.input(node, "input")
    dt = dtype_of(node, "input")
    if dt in _FLOATS:
        ctx.emit("Relu", [x], ctx.out(node))
        return
    zero = ctx.const(0, dt)
    ctx.emit("Where", [ctx.emit("Greater", [x, zero]), x, zero], ctx.out(node))


@LOWERINGS.define("elu", "leakyRelu")
def _alpha(ctx: Emitter, node: Node) -> None:
    x = ctx.input(node, "input")
    alpha = float(node.attrs["alpha"])
    if node.op == "elu" and dtype_of(node, "input") == "float32":
        _elu32(ctx, node, x, alpha)
        return
    op = "Elu" if node.op == "elu" else "LeakyRelu"
    ctx.emit(op, [x], ctx.out(node), alpha=alpha)


def _elu32(ctx: Emitter, node: Node, x: str, alpha: float) -> None:
    # ONNX Runtime's Elu computes alpha * (exp(x) - 1), which cancels for
    # small |x| (8.6e8 ULP off at x = -3e-8; WPT allows 18).  expm1(m) =
    # tanh(m / 2) * (exp(m) + 1) has no cancellation: with m = min(x, 0),
    # relu(x) + alpha * expm1(m) is within WPT's bound on every float32
    # (docs/accuracy.md), gives -alpha at -inf, keeps NaN and -0 (ORT's Relu
    # and Min return their first operand on a tie).  No Where:
    # ONNX Runtime's Where is slow (5 ms on 401,408 floats); this is 1.6x
    # ORT's own Elu.  float16 keeps Elu: in float32, rounded once, 1 ULP.
    f = "float32"
    m = ctx.emit("Min", [x, ctx.const(0.0, f)])
    t = ctx.emit("Tanh", [ctx.emit("Mul", [m, ctx.const(0.5, f)])])
    em1 = ctx.emit("Mul", [t, ctx.emit("Add", [ctx.emit("Exp", [m]),
                                                ctx.const(1.0, f)])])
    if alpha != 1.0:
        em1 = ctx.emit("Mul", [em1, ctx.const(alpha, f)])
    ctx.emit("Add", [ctx.emit("Relu", [x]), em1], ctx.out(node))


def _shifted(node: Node) -> tuple[float, float, float] | None:
    """``(alpha, x0, r)`` with ``alpha * x + beta == alpha * (x - x0) + r``:
    x0 the float32 nearest the zero crossing ``-beta / alpha`` and ``r =
    alpha * x0 + beta`` (tiny), all float32; None when the crossing is not a
    finite float32 (no cancellation to avoid)."""
    alpha = float(np.float32(node.attrs["alpha"]))
    beta = float(np.float32(node.attrs["beta"]))
    if alpha == 0.0:
        return None
    with np.errstate(over="ignore"):
        x0 = np.float32(-beta / alpha)
    if not np.isfinite(x0):
        return None
    r = float(np.float32(alpha * float(x0) + beta))
    return alpha, float(x0), r


@LOWERINGS.define("hardSigmoid")
def _hard_sigmoid(ctx: Emitter, node: Node) -> None:
    # float32: ONNX Runtime's HardSigmoid rounds alpha * x before adding
    # beta, which cancels near the lower corner (2.9e6 ULP off at x =
    # -2.4999998 for alpha 0.2, beta 0.5; WPT allows 2).  Shifted to the
    # corner, alpha * (x - x0) + r: x - x0 is exact near it and r is tiny, so
    # every result rounds relatively (one Sub more; 2 ULP over every
    # float32).  float16: HardSigmoid in float32 is within 1 ULP.
    x = ctx.input(node, "input")
    alpha, beta = float(node.attrs["alpha"]), float(node.attrs["beta"])
    shift = _shifted(node) if dtype_of(node, "input") == "float32" else None
    if shift is not None:
        alpha, x0, beta = shift
        x = ctx.emit("Sub", [x, ctx.const(x0, "float32")])
    ctx.emit("HardSigmoid", [x], ctx.out(node), alpha=alpha, beta=beta)


@LOWERINGS.define("linear")
def _linear(ctx: Emitter, node: Node) -> None:
    # float32: Mul then Add rounds twice and cancels near the zero crossing
    # (2e6 ULP off; WPT allows 2): alpha * (x - x0) + r as in hardSigmoid.
    # float16: ONNX Runtime runs the Mul and Add in float32 and is within 1
    # ULP (tests/backends/test_ort_accuracy.py).
    dt = dtype_of(node, "input")
    x = ctx.input(node, "input")
    shift = _shifted(node) if dt == "float32" else None
    if shift is not None:
        alpha, x0, r = shift
        d = ctx.emit("Sub", [x, ctx.const(x0, dt)])
        scaled = ctx.emit("Mul", [d, ctx.const(alpha, dt)])
        ctx.emit("Add", [scaled, ctx.const(r, dt)], ctx.out(node))
        return
    scaled = ctx.emit("Mul", [x, ctx.const(node.attrs["alpha"], dt)])
    ctx.emit("Add", [scaled, ctx.const(node.attrs["beta"], dt)], ctx.out(node))


@LOWERINGS.define("prelu")
def _prelu(ctx: Emitter, node: Node) -> None:
    x, slope = ctx.input(node, "input"), ctx.input(node, "slope")
    dt = dtype_of(node, "input")
    v = node.operands["input"]
    assert isinstance(v, Value)
    if dt in _FLOATS and v.desc.shape == node.outputs[0].desc.shape:
        k = const_data(node, "slope")
        if k is not None and k.size and bool(np.all((k > 0) & (k <= 1))):
            # a constant slope in (0, 1]: max(x, slope * x) is the same value
            # bit for bit (x >= 0: x >= slope * x; x < 0: slope * x >= x; -0,
            # NaN and +-inf as PRelu: ORT's Max keeps NaN and -0), and ORT runs
            # it ~9x faster than its PRelu kernel (311 vs 35 us measured on
            # MediaPipe's iris model's shapes; no NCHWc reorders around it)
            ctx.emit("Max", [x, ctx.emit("Mul", [x, slope])], ctx.out(node))
            return
        if k is not None and k.size and bool(np.all(np.isfinite(k))):
            # any other finite constant slope (MediaPipe's face, iris and hand
            # models have negative ones and ones > 1): max(x, 0) + slope *
            # min(x, 0) has the same value (one term is a zero; NaN and +-inf
            # as PRelu); only a zero result's sign may differ, as ORT's Max /
            # Min pick either zero on a +0/-0 tie (not even the same one across
            # a tensor), as for relu (docs/differences.md).  ORT runs the four
            # elementwise kernels faster than its PRelu kernel (iris_landmark:
            # 3.1 vs 4.7 ms per run, min of 200, 2 threads)
            zero = ctx.const(0.0, dt)
            ctx.emit("Add", [ctx.emit("Max", [x, zero]),
                             ctx.emit("Mul", [ctx.emit("Min", [x, zero]), slope])],
                     ctx.out(node))
            return
        ctx.emit("PRelu", [x, slope], ctx.out(node))
        return
    keep = ctx.emit("GreaterOrEqual", [x, ctx.const(0, dt)])
    where(ctx, keep, x, ctx.emit("Mul", [slope, x]), dt, ctx.out(node),
          signed_zero=True)


@LOWERINGS.define("clamp")
def _clamp(ctx: Emitter, node: Node) -> None:
    x = ctx.input(node, "input")
    dt = dtype_of(node, "input")
    lo = ctx.const(node.attrs["minValue"], dt)
    hi = ctx.const(node.attrs["maxValue"], dt)
    if dt == "int64":
        max_min(ctx, "Min", max_min(ctx, "Max", x, lo, dt), hi, dt, ctx.out(node))
        return
    ctx.emit("Clip", [x, lo, hi], ctx.out(node))


@LOWERINGS.define("softmax")
def _softmax(ctx: Emitter, node: Node) -> None:
    ctx.emit("Softmax", [ctx.input(node, "input")], ctx.out(node),
             axis=node.attrs["axis"])
