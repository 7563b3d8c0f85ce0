"""OpenVINO lowerings of the activation family: clamp, elu, gelu, hardSigmoid,
hardSwish, leakyRelu, linear, prelu, relu, sigmoid, softmax, softplus,
softsign and tanh.

Most map to the OpenVINO op of the same meaning (Gelu in its erf form,
HSwish, HSigmoid-like HardSigmoid with alpha/beta inputs), so that the CPU
plugin can fuse them into a preceding Convolution or MatMul.  Integer relu,
prelu and clamp are comparisons and selections (exact in any width); leakyRelu
is PRelu with a scalar slope; linear is ``alpha * x + beta``.
"""

from __future__ import annotations

from webnnpy.backends.openvino.emitter import Emitter, ops
from webnnpy.backends.openvino.lower_ops._table import Exclude, LoweringTable
from webnnpy.backends.openvino.lower_ops._util import FLOATS, dtype_of, where
from webnnpy.ir.graph import Node, Value

__all__ = ["EXCLUDE", "LOWERINGS"]

LOWERINGS = LoweringTable()
EXCLUDE: Exclude = {}

_PLAIN = {"tanh": ops.tanh, "sigmoid": ops.sigmoid, "softplus": ops.softplus,
          "softsign": ops.softsign, "hardSwish": ops.hswish}


@LOWERINGS.define(*_PLAIN)
def _plain(ctx: Emitter, node: Node) -> None:
    ctx.set(node, _PLAIN[node.op](ctx.input(node, "input")))


@LOWERINGS.define("gelu")
def _gelu(ctx: Emitter, node: Node) -> None:
    ctx.set(node, ops.gelu(ctx.input(node, "input"), "erf"))


@LOWERINGS.define("relu")
def _relu(ctx: Emitter, node: Node) -> None:
    x = ctx.input(node, "input")
    dt = dtype_of(node, "input")
    if dt in FLOATS:
        ctx.set(node, ops.relu(x))
        return
    zero = ctx.const(0, dt)
    ctx.set(node, where(ctx, ops.greater(x, zero), x, zero))


@LOWERINGS.define("elu")
def _elu(ctx: Emitter, node: Node) -> None:
    ctx.set(node, ops.elu(ctx.input(node, "input"), float(node.attrs["alpha"])))


@LOWERINGS.define("leakyRelu")
def _leaky_relu(ctx: Emitter, node: Node) -> None:
    dt = dtype_of(node, "input")
    ctx.set(node, ops.prelu(ctx.input(node, "input"),
                            ctx.const([node.attrs["alpha"]], dt, (1,))))


@LOWERINGS.define("hardSigmoid")
def _hard_sigmoid(ctx: Emitter, node: Node) -> None:
    dt = dtype_of(node, "input")
    ctx.set(node, ops.hard_sigmoid(ctx.input(node, "input"),
                                   ctx.const(node.attrs["alpha"], dt),
                                   ctx.const(node.attrs["beta"], dt)))


@LOWERINGS.define("linear")
def _linear(ctx: Emitter, node: Node) -> None:
    dt = dtype_of(node, "input")
    x = ops.multiply(ctx.input(node, "input"), ctx.const(node.attrs["alpha"], dt))
    ctx.set(node, ops.add(x, ctx.const(node.attrs["beta"], dt)))


@LOWERINGS.define("prelu")
def _prelu(ctx: Emitter, node: Node) -> None:
    x, slope = ctx.input(node, "input"), ctx.input(node, "slope")
    dt = dtype_of(node, "input")
    v = node.operands["input"]
    assert isinstance(v, Value)
    if dt in FLOATS and v.desc.shape == node.outputs[0].desc.shape:
        ctx.set(node, ops.prelu(x, slope))
        return
    keep = ops.greater_equal(x, ctx.const(0, dt))
    ctx.set(node, where(ctx, keep, x, ops.multiply(slope, x)))


@LOWERINGS.define("clamp")
def _clamp(ctx: Emitter, node: Node) -> None:
    x = ctx.input(node, "input")
    dt = dtype_of(node, "input")
    lo = ctx.const(node.attrs["minValue"], dt)
    hi = ctx.const(node.attrs["maxValue"], dt)
    ctx.set(node, ops.minimum(ops.maximum(x, lo), hi))


@LOWERINGS.define("softmax")
def _softmax(ctx: Emitter, node: Node) -> None:
    ctx.set(node, ops.softmax(ctx.input(node, "input"), int(node.attrs["axis"])))
