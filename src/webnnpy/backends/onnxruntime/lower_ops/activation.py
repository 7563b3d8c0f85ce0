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
- linear is ``alpha * x + beta`` (Mul, Add).
- sigmoid is ``1 / (1 + exp(-x))`` (``e / (1 + e)`` with ``e = exp(x)``
  below 0): ONNX Runtime's Sigmoid is inexact (see the lowering).
- gelu and hardSwish at -inf, softsign at +-inf: ONNX's formulas give NaN
  (-inf * 0, inf / inf) where the functions have limits (0, +-1): gelu and
  hardSwish clamp the input to the type's finite range first (Max keeps
  NaN), softsign selects sign(x) at the infinities.
"""

from __future__ import annotations

import numpy as np

from webnnpy.backends.onnxruntime.emitter import Emitter
from webnnpy.backends.onnxruntime.lower_ops._table import Exclude, LoweringTable
from webnnpy.backends.onnxruntime.lower_ops._util import dtype_of, max_min, where
from webnnpy.ir.graph import Node, Value

__all__ = ["EXCLUDE", "LOWERINGS"]

LOWERINGS = LoweringTable()
EXCLUDE: Exclude = {}

_FLOATS = ("float32", "float16")
_PLAIN = {"tanh": "Tanh", "softplus": "Softplus",
          "softsign": "Softsign", "hardSwish": "HardSwish", "gelu": "Gelu"}
#: ops whose ONNX formula gives NaN at an infinity where the function has a
#: limit: the input is clamped to the finite range first (NaN stays NaN)
_FINITE_BELOW = ("gelu", "hardSwish")  # -inf * 0
_MAX = {"float32": float(np.finfo(np.float32).max),
        "float16": float(np.finfo(np.float16).max)}


@LOWERINGS.define(*_PLAIN)
def _plain(ctx: Emitter, node: Node) -> None:
    x = ctx.input(node, "input")
    dt = dtype_of(node, "input")
    if node.op in _FINITE_BELOW:
        if dt == "float16":
            # ONNX Runtime's CPU kernels for Max, Gelu and HardSwish are
            # float32 only: it would wrap each in a Cast pair.  One pair
            # around both, as the float16 graph gets anyway, computes the
            # same (float32 inside, one rounding to float16 at the end).
            x = ctx.emit("Max", [ctx.cast(x, "float32"),
                                 ctx.const(-_MAX[dt], "float32")])
            attrs = {"approximate": "none"} if node.op == "gelu" else {}
            y = ctx.emit(_PLAIN[node.op], [x], **attrs)
            ctx.cast(y, "float16", ctx.out(node))
            return
        x = ctx.emit("Max", [x, ctx.const(-_MAX[dt], dt)])
    if node.op == "softsign":  # inf / inf: the limit is sign(x)
        y = ctx.emit("Softsign", [x])
        ctx.emit("Where", [ctx.emit("IsInf", [x]), ctx.emit("Sign", [x]), y],
                 ctx.out(node))
        return
    attrs = {"approximate": "none"} if node.op == "gelu" else {}
    ctx.emit(_PLAIN[node.op], [x], ctx.out(node), **attrs)


@LOWERINGS.define("sigmoid")
def _sigmoid(ctx: Emitter, node: Node) -> None:
    # ONNX Runtime's Sigmoid kernel (an MLAS approximation) is off by 199 ULP
    # at -6 and by up to 8.7e8 ULP below -15.9, where it flushes results.
    # With e = exp(-|x|) (never overflowing), 1 / (1 + e) for x >= 0 and
    # e / (1 + e) below are within 2 ULP of the exact function, subnormal
    # results included, with the limits 0 and 1 at -inf and +inf.  float16
    # computes in float32 and rounds once.
    x = ctx.input(node, "input")
    half = dtype_of(node, "input") == "float16"
    if half:
        x = ctx.cast(x, "float32")
    one = ctx.const(1.0, "float32")
    e = ctx.emit("Exp", [ctx.emit("Neg", [ctx.emit("Abs", [x])])])
    num = ctx.emit("Where", [ctx.emit("GreaterOrEqual", [x, ctx.const(0.0, "float32")]),
                             one, e])
    den = ctx.emit("Add", [e, one])
    if half:
        ctx.cast(ctx.emit("Div", [num, den]), "float16", ctx.out(node))
    else:
        ctx.emit("Div", [num, den], ctx.out(node))


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
    op = "Elu" if node.op == "elu" else "LeakyRelu"
    ctx.emit(op, [ctx.input(node, "input")], ctx.out(node),
             alpha=float(node.attrs["alpha"]))


@LOWERINGS.define("hardSigmoid")
def _hard_sigmoid(ctx: Emitter, node: Node) -> None:
    ctx.emit("HardSigmoid", [ctx.input(node, "input")], ctx.out(node),
             alpha=float(node.attrs["alpha"]), beta=float(node.attrs["beta"]))


@LOWERINGS.define("linear")
def _linear(ctx: Emitter, node: Node) -> None:
    dt = dtype_of(node, "input")
    x = ctx.input(node, "input")
    scaled = ctx.emit("Mul", [x, ctx.const(node.attrs["alpha"], dt)])
    ctx.emit("Add", [scaled, ctx.const(node.attrs["beta"], dt)], ctx.out(node))


@LOWERINGS.define("prelu")
def _prelu(ctx: Emitter, node: Node) -> None:
    x, slope = ctx.input(node, "input"), ctx.input(node, "slope")
    dt = dtype_of(node, "input")
    v = node.operands["input"]
    assert isinstance(v, Value)
    if dt in _FLOATS and v.desc.shape == node.outputs[0].desc.shape:
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
