"""OpenVINO lowerings of the activation family: clamp, elu, gelu, hardSigmoid,
hardSwish, leakyRelu, linear, prelu, relu, sigmoid, softmax, softplus,
softsign and tanh.

Most map to the OpenVINO op of the same meaning (HSwish, PRelu, SoftMax),
so that the CPU plugin can fuse them into a preceding Convolution or MatMul;
others are decompositions where the plugin's op is inexact or wrong (gelu,
sigmoid, softplus, elu; hardSigmoid is linear then Maximum/Minimum: the
plugin's HardSigmoid is wrong after a Subtract and with alpha 0).  Integer
relu, prelu and clamp are comparisons and selections (exact in any width;
int8 prelu wraps); leakyRelu is PRelu with a scalar slope; linear is
``alpha * x + beta``; softmax is NaN across a slice the spec's formula makes
NaN (the plugin's gives 0 beside a NaN).
"""

from __future__ import annotations

import math

import numpy as np

from webnnpy.backends.openvino.emitter import Emitter, ops
from webnnpy.backends.openvino.lower_ops._table import Exclude, LoweringTable
from webnnpy.backends.openvino.lower_ops._util import (
    FLOATS,
    WIDE_INTS,
    dtype_of,
    int_less,
    keep_nan,
    where,
    wrap_small,
)
from webnnpy.ir.graph import Node, Value

__all__ = ["EXCLUDE", "LOWERINGS"]

LOWERINGS = LoweringTable()
EXCLUDE: Exclude = {}

_PLAIN = {"tanh": ops.tanh}


@LOWERINGS.define("hardSwish")
def _hard_swish(ctx: Emitter, node: Node) -> None:
    # OpenVINO's HSwish gives NaN at -inf (-inf * 0), where the limit is 0:
    # the input is raised to at least -3 first (hswish(-3) = -0).  The plugin's
    # Maximum returns its second operand when the comparison fails, so
    # Maximum(-3, x) keeps NaN (a Select would stop the Convolution fusion:
    # MobileNetV3 1.3x slower).
    x = ctx.input(node, "input")
    dt = dtype_of(node, "input")
    v = node.operands["input"]
    producer = v.producer if isinstance(v, Value) else None
    if producer is not None and producer.op in FUSE_RELU_AFTER:
        # the plain HSwish, which the plugin fuses into the producer's kernel
        # (the Maximum kept it a kernel of its own: MobileNetV3-Large 24
        # kernels more than native OpenVINO); -inf gives NaN there
        # (docs/differences.md)
        ctx.set(node, ops.hswish(x))
        return
    ctx.set(node, ops.hswish(ops.maximum(ctx.const(-3.0, dt), x)))


@LOWERINGS.define("sigmoid")
def _sigmoid(ctx: Emitter, node: Node) -> None:
    # 1 / (1 + exp(-x)): OpenVINO's Sigmoid flushes normal results below
    # 2**-125 to 0 (x < -86.6); the policy allows flushing only below
    # 2**-126.  (1 + e as e - (-1): OpenVINO fuses 1 / (1 + exp(-x)) back
    # into its Sigmoid.)  float16 graphs: the same in float32.
    dt = dtype_of(node, "input")
    f = "float32"
    x = ctx.cast(ctx.input(node, "input"), f)
    den = ops.subtract(ops.exp(ops.negative(x)), ctx.const(-1.0, f))
    y = ops.divide(ctx.const(1.0, f), den)
    # the CPU plugin's Exp clamps its input, so exp(NaN) is a number
    ctx.set(node, ctx.cast(where(ctx, ops.is_nan(x), x, y), dt))


@LOWERINGS.define("softsign")
def _softsign(ctx: Emitter, node: Node) -> None:
    # OpenVINO's SoftSign gives NaN at +-inf (inf / inf): the limits +-1 there
    x = ctx.input(node, "input")
    ctx.set(node, where(ctx, ops.is_inf(x), ops.sign(x), ops.softsign(x)))


@LOWERINGS.define(*_PLAIN)
def _plain(ctx: Emitter, node: Node) -> None:
    ctx.set(node, _PLAIN[node.op](ctx.input(node, "input")))


#: ``t = 1 / (1 + GELU_C * a)``; with it ``erfc(a / sqrt 2) / 2 = t * Q(t) *
#: exp(-a*a / 2)`` for ``0 <= a <= 13.5`` within a relative error of 6.7e-8
#: (float64 evaluation of these float32 coefficients; tests/backends/
#: test_openvino_gelu.py checks it against math.erfc)
GELU_C = 0.28284273
#: Q's coefficients, highest degree first: a minimax fit in relative error of
#: ``erfc(a / sqrt 2) * exp(a*a / 2) / (2 t)`` over t in [1 / (1 + 13.5 C), 1]
#: (degree 8, Lawson's iteration on 4,000 Chebyshev nodes, rounded to float32)
GELU_Q = (0.020181695, -0.06797208, 0.03741767, 0.04928666, 0.036161248,
          0.09830443, 0.100525655, 0.1132812, 0.112813555)
#: |x| is capped here: exp(-a*a / 2) is 0 in float32 from a = 13.22 on (the
#: plugin's Exp gives 0 below -87.34, where gelu(-a) is below 2**-126 too)
GELU_CAP = 13.5


@LOWERINGS.define("gelu")
def _gelu(ctx: Emitter, node: Node) -> None:
    # gelu(x) = x * Phi(x) = relu(x) - a * erfc(a / sqrt 2) / 2, a = |x|
    # (both signs: x >= 0 is x - x * Phi(-x), x < 0 is x * Phi(x)), no
    # cancellation for negative x.  OpenVINO's Gelu is 0.5 x (1 + erf), up to
    # 1.2e-6 off near x = -3.5 (65,000 ULP) and NaN at +-inf.
    # erfc(a / sqrt 2) / 2 = t * Q(t) * exp(-a*a / 2) (GELU_Q); a*a is split
    # exactly (Dekker: x2 + err) so that exp's argument does not lose the
    # digits a rounded x2 would (100+ ULP at x = -12), exp(-(x2 + err) / 2) =
    # exp(-x2 / 2) * (1 - err / 2).  Within 9 ULP of float64 over all float32
    # (results below 2**-126 may be 0); float32 inside.
    # Every op here is one the CPU plugin's Snippets fuse: the whole gelu is
    # one Subgraph kernel after the FullyConnected that takes the bias add.
    # IsNaN/IsInf (and Selects on them) are not: they were 2 Eltwise kernels
    # more per gelu.  Special values come from the arithmetic: NaN through
    # Maximum(0, x) (the plugin's Maximum returns its second operand when the
    # comparison fails), +inf as inf - 13.5 * 0, -inf as 0 - 13.5 * 0.
    dt = dtype_of(node, "input")
    f = "float32"
    x = ctx.cast(ctx.input(node, "input"), f)

    def k(v: float) -> object:
        return ctx.const(v, f)

    a = ops.minimum(ops.abs(x), k(GELU_CAP))
    t = ops.divide(k(1.0), ops.add(ops.multiply(a, k(GELU_C)), k(1.0)))
    q = k(GELU_Q[0])
    for c in GELU_Q[1:]:
        q = ops.add(ops.multiply(q, t), k(c))
    x2 = ops.multiply(a, a)
    s = ops.multiply(a, k(4097.0))  # Veltkamp: a = ah + al, 12 bits each
    ah = ops.subtract(s, ops.subtract(s, a))
    al = ops.subtract(a, ah)
    err = ops.add(ops.add(ops.subtract(ops.multiply(ah, ah), x2),
                          ops.multiply(ops.add(ah, ah), al)),
                  ops.multiply(al, al))
    g = ops.multiply(ops.exp(ops.multiply(x2, k(-0.5))),
                     ops.subtract(k(1.0), ops.multiply(err, k(0.5))))
    half_c = ops.multiply(ops.multiply(t, q), g)
    y = ops.subtract(ops.maximum(k(0.0), x), ops.multiply(a, half_c))
    ctx.set(node, ctx.cast(y, dt))


#: producers the CPU plugin fuses a following Relu into (as a post-op of
#: its convolution/matmul kernel, or of a Subgraph with the add)
FUSE_RELU_AFTER = frozenset({"conv2d", "convTranspose2d", "matmul", "gemm", "add",
                             "batchNormalization"})


@LOWERINGS.define("relu")
def _relu(ctx: Emitter, node: Node) -> None:
    x = ctx.input(node, "input")
    dt = dtype_of(node, "input")
    if dt in FLOATS:
        v = node.operands["input"]
        producer = v.producer if isinstance(v, Value) else None
        if producer is not None and producer.op in FUSE_RELU_AFTER:
            # OpenVINO's Relu, which the plugin fuses into the producer's
            # kernel (ResNet-50: 49 fewer kernels, as native OpenVINO runs
            # the same model); it gives 0 for NaN (a documented difference,
            # docs/differences.md)
            ctx.set(node, ops.relu(x))
            return
        # Maximum(0, x), not Relu: the plugin's Relu gives 0 for NaN, its
        # Maximum returns the second operand when the comparison fails
        ctx.set(node, ops.maximum(ctx.const(0, dt), x))
        return
    zero = ctx.const(0, dt)
    ctx.set(node, where(ctx, ops.greater(x, zero), x, zero))


@LOWERINGS.define("softplus")
def _softplus(ctx: Emitter, node: Node) -> None:
    # relu(x) + log1p(exp(-|x|)), log1p(e) as log(u) * e / (u - 1) with
    # u = 1 + e (e where u rounds to 1): OpenVINO's SoftPlus is 2,000+ ULP
    # off where the result is tiny (and negative in float16 graphs).  float32
    # inside.
    dt = dtype_of(node, "input")
    f = "float32"
    x = ctx.cast(ctx.input(node, "input"), f)
    e = ops.exp(ops.negative(ops.abs(x)))
    # (u = e - (-1): OpenVINO fuses log(exp(z) + 1) back into its SoftPlus)
    u = ops.subtract(e, ctx.const(-1.0, f))
    d = ops.subtract(u, ctx.const(1.0, f))
    log1p = where(ctx, ops.equal(d, ctx.const(0.0, f)), e,
                  ops.divide(ops.multiply(ops.log(u), e), d))
    ctx.set(node, ctx.cast(keep_nan(ctx, x, ops.add(ops.relu(x), log1p)), dt))


@LOWERINGS.define("elu")
def _elu(ctx: Emitter, node: Node) -> None:
    # relu(x) + alpha * expm1(min(x, 0)), expm1(m) = tanh(m / 2) * (exp(m) + 1):
    # OpenVINO's Elu computes alpha * (exp(x) - 1), which cancels for small |x|
    # (3,000 ULP off at x = -1e-4; WPT allows 18).  float32 inside.
    dt = dtype_of(node, "input")
    f = "float32"
    x = ctx.cast(ctx.input(node, "input"), f)
    m = ops.minimum(x, ctx.const(0.0, f))
    t = ops.tanh(ops.multiply(m, ctx.const(0.5, f)))
    em1 = ops.multiply(t, ops.add(ops.exp(m), ctx.const(1.0, f))).output(0)
    alpha = float(node.attrs["alpha"])
    if alpha != 1.0:
        em1 = ops.multiply(em1, ctx.const(alpha, f)).output(0)
    ctx.set(node, ctx.cast(keep_nan(ctx, x, ops.add(ops.relu(x), em1)), dt))


@LOWERINGS.define("leakyRelu")
def _leaky_relu(ctx: Emitter, node: Node) -> None:
    dt = dtype_of(node, "input")
    ctx.set(node, ops.prelu(ctx.input(node, "input"),
                            ctx.const([node.attrs["alpha"]], dt, (1,))))


@LOWERINGS.define("hardSigmoid")
def _hard_sigmoid(ctx: Emitter, node: Node) -> None:
    # float32: alpha * x + beta cancels near the lower corner (3,000 ULP off
    # at x = -2.50015 for alpha 0.2, beta 0.5; WPT allows 2): shifted to the
    # corner, alpha * (x - x0) + r, x - x0 is exact there and r tiny.
    dt = dtype_of(node, "input")
    x = ctx.input(node, "input")
    alpha, beta = float(node.attrs["alpha"]), float(node.attrs["beta"])
    # linear, then clamped with Maximum/Minimum, not OpenVINO's HardSigmoid:
    # the CPU plugin miscomputes Subtract(x, c) -> HardSigmoid
    # (hardSigmoid(0, alpha 0.5) gave 1) and HardSigmoid with alpha 0
    # (hardSigmoid(1, alpha 0) gave 0.713, not beta 0.5)
    shift = _shifted(node) if dt == "float32" else None
    if shift is not None:
        a, x0, r = shift
        d = ops.subtract(x, ctx.const(x0, dt))
        lin = ops.add(ops.multiply(d, ctx.const(a, dt)), ctx.const(r, dt)).output(0)
    else:
        lin = ops.add(ops.multiply(x, ctx.const(alpha, dt)),
                      ctx.const(beta, dt)).output(0)
    y = ops.minimum(ops.maximum(ctx.const(0.0, dt), lin), ctx.const(1.0, dt))
    # NaN in, or 0 * inf: NaN out (the clamp the plugin fuses gives a bound)
    ctx.set(node, keep_nan(ctx, lin, y))


def _shifted(node: Node) -> tuple[float, float, float] | None:
    """``(alpha, x0, r)`` with ``alpha * x + beta == alpha * (x - x0) + r``:
    x0 the float32 nearest the zero crossing ``-beta / alpha`` and ``r =
    alpha * x0 + beta`` (tiny), all float32; None when the crossing is not a
    finite float32."""
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


@LOWERINGS.define("linear")
def _linear(ctx: Emitter, node: Node) -> None:
    dt = dtype_of(node, "input")
    shift = _shifted(node) if dt == "float32" else None
    if shift is not None:  # as hardSigmoid: no cancellation at the crossing
        alpha, x0, r = shift
        d = ops.subtract(ctx.input(node, "input"), ctx.const(x0, dt))
        ctx.set(node, ops.add(ops.multiply(d, ctx.const(alpha, dt)),
                              ctx.const(r, dt)))
        return
    x = ops.multiply(ctx.input(node, "input"), ctx.const(node.attrs["alpha"], dt))
    ctx.set(node, ops.add(x, ctx.const(node.attrs["beta"], dt)))


@LOWERINGS.define("prelu")
def _prelu(ctx: Emitter, node: Node) -> None:
    x, slope = ctx.input(node, "input"), ctx.input(node, "slope")
    dt = dtype_of(node, "input")
    v = node.operands["input"]
    assert isinstance(v, Value)
    if dt in FLOATS and v.desc.shape == node.outputs[0].desc.shape:
        sv = node.operands["slope"]
        assert isinstance(sv, Value)
        rank, s_rank = len(v.desc.shape), len(sv.desc.shape)
        if s_rank < rank:
            # WebNN broadcasts the slope from the trailing axes; OpenVINO's
            # PRelu applies a 1-D slope as large as axis 1 per channel (a
            # [2] slope on [1, 2, 1, 2] went along the channels): give it
            # the input's rank
            slope = ops.reshape(slope, ctx.ints(
                [1] * (rank - s_rank) + list(sv.desc.shape)), False).output(0)
        ctx.set(node, ops.prelu(x, slope))
        return
    keep = ops.greater_equal(x, ctx.const(0, dt))
    if dt in ("int8", "uint8"):  # the plugin's int8 Multiply saturates: wrap
        prod = wrap_small(ctx, ops.multiply(ctx.cast(slope, "int32"),
                                            ctx.cast(x, "int32")), dt)
    else:
        prod = ops.multiply(slope, x).output(0)
    ctx.set(node, where(ctx, keep, x, prod))


@LOWERINGS.define("clamp")
def _clamp(ctx: Emitter, node: Node) -> None:
    # Maximum/Minimum with a constant (the CPU plugin fuses them into one
    # Clamp); a NaN bound is not applied (issue #11 D9); NaN inputs stay NaN
    # (the plugin's Clamp would give the bound).
    x = ctx.input(node, "input")
    dt = dtype_of(node, "input")
    lo_v, hi_v = node.attrs["minValue"], node.attrs["maxValue"]
    if dt in WIDE_INTS:  # exact comparisons (see _util.int_less)
        lo, hi = ctx.const(lo_v, dt), ctx.const(hi_v, dt)
        y = where(ctx, int_less(ctx, x, lo, dt), lo, x)
        ctx.set(node, where(ctx, int_less(ctx, hi, y, dt), hi, y))
        return
    # (the plugin fuses the pair into a Clamp, which gives a bound for NaN)
    y = x
    if not (isinstance(lo_v, float) and math.isnan(lo_v)):
        y = ops.maximum(y, ctx.const(lo_v, dt)).output(0)
    if not (isinstance(hi_v, float) and math.isnan(hi_v)):
        y = ops.minimum(y, ctx.const(hi_v, dt)).output(0)
    if y is not x and dt in FLOATS and not _fused_after_producer(node):
        # the NaN repair is a Select of its own, which keeps the plugin from
        # fusing the Clamp into a preceding convolution (MobileNetV2's relu6:
        # 35 extra kernels); straight after one of FUSE_RELU_AFTER the
        # plugin's Clamp stands, NaN giving a bound there as relu(NaN) gives
        # 0 (docs/differences.md)
        y = keep_nan(ctx, x, y)
    ctx.set(node, y)


def _fused_after_producer(node: Node) -> bool:
    """True when the node's input is made by an op the CPU plugin fuses an
    activation into (FUSE_RELU_AFTER)."""
    v = node.operands["input"]
    producer = v.producer if isinstance(v, Value) else None
    return producer is not None and producer.op in FUSE_RELU_AFTER


def _only_reduced_by_matmul(ctx: Emitter, node: Node, axis: int) -> bool:
    """True when the softmax (over the last axis) is not a graph output and
    each consumer is either a matmul taking it as ``a`` (attention's
    probs @ V) or the ``where(isNaN(p), 0, p)`` exporters add after it.  A
    slice the spec makes NaN (a NaN, a +inf maximum, all -inf) comes out of
    the plugin's SoftMax as NaN there and 0 beside it: the matmul's sum
    spreads the NaN over the row, and the where gives the row's zeros, as
    the spec's all-NaN row does.  So the NaN repair is left out and the
    plugin can fuse matmul, softmax and matmul into one attention kernel."""
    out = node.outputs[0]
    users = getattr(ctx, "consumers", {}).get(id(out))
    if not users or id(out) in getattr(ctx, "graph_outputs", {id(out)}) \
            or axis != len(out.desc.shape) - 1:
        return False

    def zero_fill_where(u: Node, flag: Value) -> bool:
        t = u.operands.get("trueValue")
        return (u.op == "where" and u.operands.get("condition") is flag
                and u.operands.get("falseValue") is out
                and isinstance(t, Value) and t.constant is not None
                and not t.constant.any())

    for u in users:
        if u.op == "matmul":
            if u.operands.get("a") is not out or u.operands.get("b") is out:
                return False
        elif u.op == "isNaN":
            flag = u.outputs[0]
            flag_users = getattr(ctx, "consumers", {}).get(id(flag), [])
            if not flag_users or not all(zero_fill_where(w, flag)
                                         for w in flag_users):
                return False
        elif u.op == "where":
            cond = u.operands.get("condition")
            producer = cond.producer if isinstance(cond, Value) else None
            if producer is None or producer.op != "isNaN" \
                    or producer.operands.get("a") is not out \
                    or not zero_fill_where(u, producer.outputs[0]):
                return False
        else:
            return False
    return True


@LOWERINGS.define("softmax")
def _softmax(ctx: Emitter, node: Node) -> None:
    # The plugin's SoftMax gives 0 beside a NaN of the same slice; the
    # reference (the spec's x - max(x), exp, sum) gives NaN across a slice
    # holding a NaN, or whose maximum is +inf (inf - inf) or that is all -inf
    x = ctx.input(node, "input")
    axis = int(node.attrs["axis"])
    dt = dtype_of(node, "input")
    y = ops.softmax(x, axis).output(0)
    if dt not in FLOATS or _only_reduced_by_matmul(ctx, node, axis):
        ctx.set(node, y)
        return
    flag = ops.reduce_max(where(ctx, ops.is_nan(x), ctx.const(np.inf, dt), x),
                          ctx.ints([axis]), True)
    ctx.set(node, where(ctx, ops.is_inf(flag), ctx.const(np.nan, dt), y))
