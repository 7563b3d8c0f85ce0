"""Post-lowering ONNX peephole rewrites that keep ONNX Runtime fast.

:func:`fuse` runs on a lowered model (after ``check_against_ir``) and
rewrites node patterns whose lowering one op at a time is slow, into an
equivalent form with fewer passes over memory.  Every rewrite computes the
same function as the graph it replaces, with the same special values (±inf,
NaN, ±0), and is at least as accurate (see docs/accuracy.md); it applies only
where the intermediate values it removes have no other reader and are not
graph outputs.

SiLU, ``mul(x, sigmoid(x))`` (also ONNX ``Swish`` and ``Sigmoid``+``Mul``
imports), in either operand order:

- float32: the sigmoid lowering ``Reciprocal(Add(Exp(Neg(x)), 1))`` followed
  by ``Mul(x, ·)`` becomes ``Div(n, Sub(-1, Exp(n)))`` with ``n = Mul(x,
  -1)``: the same values as ``x / (1 + exp(-x))`` bit for bit (``n`` is
  ``-x`` exactly, and ``-1 - e`` and ``n / d`` are the negations of ``1 + e``
  and ``x / (1 + e)``, which round symmetrically), one pass less and one
  rounding less than the product.  Both give NaN at x = -inf (``-inf * 0``
  and ``inf / -inf``), +inf at +inf, ±0 at ±0, NaN at NaN.  ``-x`` is a
  ``Mul`` by -1 rather than a ``Neg`` so that, when ``x`` is a convolution's
  output, ONNX Runtime folds it into the convolution's weights and bias
  (exact negations; a convolution that cancels to exactly 0 then gives -0
  there, whose SiLU is -0) and the activation reads one tensor pass less.
- float32, a scaled SiLU ``mul(x, sigmoid(mul(x, c)))`` with a scalar
  constant ``c`` (CLIP's quick-GELU, ``c = 1.702``; ONNX ``Swish`` with
  ``alpha``): ``Mul(x, Reciprocal(Add(Exp(-(x * c)), 1)))`` becomes
  ``Div(x, Add(Exp(Mul(x, -c)), 1))``, four passes instead of six:
  ``x * -c`` is ``-(x * c)`` exactly (negation is exact and rounding
  symmetric), so the sigmoid's argument is the graph's, and the quotient has
  one rounding less than the product.  Special values as the product's: NaN
  at ``x = ∓inf`` where ``c * x = -inf`` (``inf / inf``, as ``inf * 0``),
  ``x`` at ``c * x = +inf``, ±0 at ±0, NaN at NaN.
- float16: ``Mul(x, Cast16(Sigmoid(Cast32(x))))`` becomes
  ``Cast16(Div(x32, Add(Exp(Neg(x32)), 1)))``: ONNX Runtime's Sigmoid is
  exact enough for a float16 sigmoid, but not for the float16 product (its
  error in the negative tail is scaled up by x).

Imported only by the onnxruntime backend package.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

__all__ = ["fuse", "fuse_silu", "sink_unsqueeze"]


def fuse(model: onnx.ModelProto) -> None:
    """Apply every peephole rewrite to ``model``'s main graph, in place."""
    fuse_silu(model)
    sink_unsqueeze(model)


#: element-wise ops that commute with an Unsqueeze when every other input is
#: a one-element constant (or absent): ONNX Runtime fuses them into a
#: convolution they follow directly (activations; Mul/Add by a constant)
_SINKABLE = frozenset({"Relu", "LeakyRelu", "Sigmoid", "Tanh", "HardSigmoid",
                       "Clip", "Mul", "Add", "Sub", "Div"})


def sink_unsqueeze(model: onnx.ModelProto) -> int:
    """Move element-wise ops after an Unsqueeze before it: ``E(Unsqueeze(y),
    c)`` becomes ``Unsqueeze(E(y, c))`` where the Unsqueeze's value is read
    only by ``E``, ``E`` is one of :data:`_SINKABLE` and its other inputs are
    one-element constants of rank 0 or 1 (so broadcasting gives the same
    values and shape).  The same values, moved: a 1-D convolution lowered as
    Squeeze/Conv/Unsqueeze (lower_ops/conv_pool.py) then has its activation
    right after the Conv, where ONNX Runtime fuses it.  Returns how many ops
    moved."""
    g = model.graph
    if not any(n.op_type == "Unsqueeze" for n in g.node):
        return 0
    if any(a.type in (onnx.AttributeProto.GRAPH, onnx.AttributeProto.GRAPHS)
           for n in g.node for a in n.attribute):
        return 0
    inits = {t.name: t for t in g.initializer}
    outputs = {o.name for o in g.output}

    def small_const(name: str) -> bool:
        if name == "":
            return True
        t = inits.get(name)
        return (t is not None and len(t.dims) <= 1
                and int(np.prod(t.dims, dtype=np.int64)) == 1)

    nodes: list[Any] = []
    for n in g.node:
        c = onnx.NodeProto()
        c.CopyFrom(n)
        nodes.append(c)
    names = {x for n in nodes for x in (*n.input, *n.output)} | set(inits) | {
        i.name for i in g.input}
    moved = 0
    changed = True
    while changed:  # one pass per link of the longest chain moved
        changed = False
        readers: Counter[str] = Counter(x for n in nodes for x in n.input if x)
        reader_of: dict[str, int] = {}
        for k, n in enumerate(nodes):
            for x in n.input:
                reader_of.setdefault(x, k)
        i = 0
        while i < len(nodes):
            u = nodes[i]
            j = reader_of.get(u.output[0]) if u.op_type == "Unsqueeze" else None
            e = nodes[j] if j is not None else None
            if (e is None or j is None or u.output[0] in outputs
                    or readers[u.output[0]] != 1 or e.op_type not in _SINKABLE
                    or e.domain or len(e.output) != 1
                    or not all(small_const(x) for x in e.input
                               if x != u.output[0])):
                i += 1
                continue
            inner_out, k = f"{e.output[0]}_sunk", 0
            while inner_out in names:
                k += 1
                inner_out = f"{e.output[0]}_sunk{k}"
            names.add(inner_out)
            inner = onnx.NodeProto()
            inner.CopyFrom(e)
            inner.output[0] = inner_out
            for m, x in enumerate(inner.input):
                if x == u.output[0]:
                    inner.input[m] = u.input[0]
            u.input[0] = inner_out  # the Unsqueeze now makes e's output
            u.output[0] = e.output[0]
            nodes[j] = u
            nodes[i] = inner
            moved += 1
            changed = True
            break  # the reader counts are stale: the next pass recounts
    if moved:
        del g.node[:]
        g.node.extend(nodes)
    return moved


class _SubgraphError(Exception):
    """The graph has a sub-graph (which may read any outer name)."""


class _Node:
    """A node's op type, inputs and outputs, read once from the proto."""

    __slots__ = ("attrs", "inputs", "op", "outputs", "proto")

    def __init__(self, proto: Any) -> None:
        self.proto = proto
        self.op: str = proto.op_type
        self.inputs: list[str] = list(proto.input)
        self.outputs: list[str] = list(proto.output)
        self.attrs = proto.attribute


class _Graph:
    """Producer / reader bookkeeping over a graph's node list.  A rewrite
    puts one or more new nodes at an old node's index (the last of them
    producing the old node's outputs) or drops a node."""

    def __init__(self, model: onnx.ModelProto) -> None:
        g = model.graph
        self.model = model
        self.nodes = [_Node(n) for n in g.node]
        #: index -> the nodes that replace nodes[index] (None: dropped)
        self.new: dict[int, list[Any] | None] = {}
        self.producer: dict[str, int] = {}
        self.readers: Counter[str] = Counter()
        for i, n in enumerate(self.nodes):
            for a in n.attrs:
                if a.type in (onnx.AttributeProto.GRAPH, onnx.AttributeProto.GRAPHS):
                    raise _SubgraphError
            for o in n.outputs:
                self.producer[o] = i
            self.readers.update(x for x in n.inputs if x)
        self.outputs = {o.name for o in g.output}
        self.inits = {t.name: t for t in g.initializer}
        self.names = (set(self.producer) | set(self.inits)
                      | {i.name for i in g.input} | self.outputs)

    def node(self, name: str, op: str) -> _Node | None:
        """The node producing ``name`` if it is an ``op`` node."""
        i = self.producer.get(name)
        if i is None or i in self.new or self.nodes[i].op != op:
            return None
        return self.nodes[i]

    def index(self, name: str) -> int:
        return self.producer[name]

    def private(self, name: str) -> bool:
        """``name`` is read once and is not a graph output."""
        return self.readers[name] == 1 and name not in self.outputs

    def is_one(self, name: str) -> bool:
        """``name`` is an embedded float initializer whose elements are all 1."""
        t = self.inits.get(name)
        if t is None or t.data_type not in (TensorProto.FLOAT, TensorProto.FLOAT16):
            return False
        if t.data_location == TensorProto.EXTERNAL:
            return False
        arr = numpy_helper.to_array(t)
        return arr.size > 0 and bool((arr == 1).all())

    def fresh(self, hint: str) -> str:
        name, k = hint, 0
        while name in self.names:
            k += 1
            name = f"{hint}_{k}"
        self.names.add(name)
        return name

    def commit(self) -> None:
        kept: list[Any] = []
        for i, n in enumerate(self.nodes):
            if i not in self.new:
                kept.append(n.proto)
                continue
            for p in self.new[i] or ():
                kept.append(p)
        copies = []
        for p in kept:
            c = onnx.NodeProto()
            c.CopyFrom(p)
            copies.append(c)
        g = self.model.graph
        del g.node[:]
        g.node.extend(copies)


def _cast_to(node: _Node) -> int | None:
    for a in node.attrs:
        if a.name == "to":
            return int(helper.get_attribute_value(a))
    return None


def _scalar(g: _Graph, name: str) -> float | None:
    """The value of ``name`` if it is an embedded float32 initializer of one
    element."""
    t = g.inits.get(name)
    if (t is None or t.data_type != TensorProto.FLOAT
            or t.data_location == TensorProto.EXTERNAL):
        return None
    arr = numpy_helper.to_array(t)
    return float(arr.reshape(-1)[0]) if arr.size == 1 else None


def _negation_of(g: _Graph, name: str) -> str | None:
    """``v`` when ``name`` is produced by ``Neg(v)`` or ``Mul(v, -1)``."""
    neg = g.node(name, "Neg")
    if neg is not None:
        return neg.inputs[0]
    mul = g.node(name, "Mul")
    if mul is None:
        return None
    a, b = mul.inputs
    if _scalar(g, b) == -1.0:
        return a
    if _scalar(g, a) == -1.0:
        return b
    return None


def _sigmoid_parts(g: _Graph, s: str) -> tuple[_Node, str, _Node, str] | None:
    """``(Add, the Exp's output, the negation node, its operand z)`` when
    ``s`` is the float32 sigmoid lowering ``Reciprocal(Add(Exp(-z), 1))``
    (the negation a ``Neg`` or a ``Mul`` by -1) and every intermediate value
    is private."""
    rec = g.node(s, "Reciprocal")
    if rec is None or not g.private(s):
        return None
    d = rec.inputs[0]
    add = g.node(d, "Add")
    if add is None or not g.private(d):
        return None
    a, b = add.inputs
    e = a if g.is_one(b) else b if g.is_one(a) else None
    if e is None:
        return None
    exp = g.node(e, "Exp")
    if exp is None or not g.private(e) or not g.private(exp.inputs[0]):
        return None
    z = _negation_of(g, exp.inputs[0])
    if z is None:
        return None
    return add, e, g.nodes[g.index(exp.inputs[0])], z


def _sigmoid_denominator(g: _Graph, x: str, s: str
                         ) -> tuple[_Node, str, _Node] | None:
    """``(Add, the Exp's output, the negation)`` when ``s`` is
    ``Reciprocal(Add(Exp(-x), 1))`` and every intermediate value is
    private."""
    parts = _sigmoid_parts(g, s)
    if parts is None or parts[3] != x:
        return None
    return parts[:3]


def _scaled_sigmoid(g: _Graph, x: str, s: str
                    ) -> tuple[_Node, _Node, str, float] | None:
    """``(Add, the negation, z, c)`` when ``s`` is the sigmoid of ``z =``
    ``Mul(x, c)`` (a scalar float32 constant ``c``, either operand order)
    and every intermediate value is private."""
    parts = _sigmoid_parts(g, s)
    if parts is None:
        return None
    add, _e, neg, z = parts
    mul = g.node(z, "Mul")
    if mul is None or not g.private(z):
        return None
    a, b = mul.inputs
    c = _scalar(g, b) if a == x else _scalar(g, a) if b == x else None
    if c is None:
        return None
    return add, neg, z, c


def _half_sigmoid(g: _Graph, x: str, s: str) -> tuple[_Node, _Node, str] | None:
    """``(sigmoid node, outer cast, x32)`` when ``s`` is
    ``Cast16(Sigmoid(Cast32(x)))`` with the sigmoid private."""
    out_cast = g.node(s, "Cast")
    if (out_cast is None or not g.private(s)
            or _cast_to(out_cast) != TensorProto.FLOAT16):
        return None
    sf = out_cast.inputs[0]
    sig = g.node(sf, "Sigmoid")
    if sig is None or not g.private(sf):
        return None
    xf = sig.inputs[0]
    in_cast = g.node(xf, "Cast")
    if (in_cast is None or in_cast.inputs[0] != x
            or _cast_to(in_cast) != TensorProto.FLOAT):
        return None
    return sig, out_cast, xf


def fuse_silu(model: onnx.ModelProto) -> int:
    """Rewrite every ``x * sigmoid(x)`` and ``x * sigmoid(c * x)`` as
    described in the module docstring; returns how many were rewritten."""
    ops = {n.op_type for n in model.graph.node}
    if "Mul" not in ops or not ops & {"Reciprocal", "Sigmoid"}:
        return 0
    try:
        g = _Graph(model)
    except _SubgraphError:
        return 0
    count = 0
    scalars: dict[float, str] = {}

    def scalar(value: float, hint: str) -> str:
        """A float32 scalar initializer of ``value``, one per value."""
        name = scalars.get(value)
        if name is None:
            name = scalars[value] = g.fresh(hint)
            model.graph.initializer.append(
                numpy_helper.from_array(np.array(value, np.float32), name))
        return name

    for i, mul in enumerate(g.nodes):
        if mul.op != "Mul" or i in g.new:
            continue
        for x, s in ((mul.inputs[0], mul.inputs[1]), (mul.inputs[1], mul.inputs[0])):
            scaled = _scaled_sigmoid(g, x, s)
            if scaled is not None:
                add, neg, z, c = scaled
                minus_c = scalar(-c, "silu_scale")
                n, d = neg.outputs[0], add.outputs[0]
                g.new[g.index(z)] = None
                g.new[g.index(n)] = [helper.make_node("Mul", [x, minus_c], [n],
                                                      name=neg.proto.name)]
                g.new[g.index(s)] = None
                g.new[i] = [helper.make_node("Div", [x, d], mul.outputs,
                                             name=mul.proto.name)]
                count += 1
                break
            chain = _sigmoid_denominator(g, x, s)
            if chain is not None:
                add, e, neg = chain
                minus1 = scalar(-1.0, "silu_minus_one")
                n, d = neg.outputs[0], add.outputs[0]
                g.new[g.index(n)] = [helper.make_node("Mul", [x, minus1], [n],
                                                      name=neg.proto.name)]
                g.new[g.index(d)] = [helper.make_node("Sub", [minus1, e], [d],
                                                      name=add.proto.name)]
                g.new[g.index(s)] = None
                g.new[i] = [helper.make_node("Div", [n, d], mul.outputs,
                                             name=mul.proto.name)]
                count += 1
                break
            half = _half_sigmoid(g, x, s)
            if half is not None:
                sig, out_cast, xf = half
                one32 = scalar(1.0, "silu_one")
                sf = sig.outputs[0]
                neg_v, exp_v, den = (g.fresh(f"{sf}_{h}")
                                     for h in ("neg", "exp", "den"))
                name = sig.proto.name
                g.new[g.index(sf)] = [
                    helper.make_node("Neg", [xf], [neg_v], name=f"{name}_neg"),
                    helper.make_node("Exp", [neg_v], [exp_v], name=f"{name}_exp"),
                    helper.make_node("Add", [exp_v, one32], [den], name=f"{name}_add"),
                    helper.make_node("Div", [xf, den], [sf], name=name),
                ]
                # the outer Cast now produces the mul's output
                j = g.index(s)
                g.new[j] = [helper.make_node("Cast", [sf], mul.outputs,
                                             name=out_cast.proto.name,
                                             to=TensorProto.FLOAT16)]
                g.producer[mul.outputs[0]] = j
                g.new[i] = None
                count += 1
                break
    if count:
        g.commit()
    return count
