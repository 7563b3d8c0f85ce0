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
  by ``Mul(x, ·)`` becomes ``Div(x, Add(Exp(Neg(x)), 1))``: one pass less and
  one rounding less.  Both give NaN at x = -inf (``-inf * 0`` and
  ``-inf / inf``), +inf at +inf, ±0 at ±0, NaN at NaN.
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

__all__ = ["fuse", "fuse_silu"]


def fuse(model: onnx.ModelProto) -> None:
    """Apply every peephole rewrite to ``model``'s main graph, in place."""
    fuse_silu(model)


class _Graph:
    """Producer / reader bookkeeping over a graph's node list."""

    def __init__(self, model: onnx.ModelProto) -> None:
        g = model.graph
        self.model = model
        self.nodes: list[Any] = list(g.node)
        self.producer: dict[str, int] = {}
        for i, n in enumerate(self.nodes):
            for o in n.output:
                self.producer[o] = i
        self.readers: Counter[str] = Counter()
        for n in self.nodes:
            self.readers.update(x for x in n.input if x)
            for a in n.attribute:  # a sub-graph may read any outer name
                if a.type in (onnx.AttributeProto.GRAPH, onnx.AttributeProto.GRAPHS):
                    raise _SubgraphError
        self.outputs = {o.name for o in g.output}
        self.inits = {t.name: t for t in g.initializer}
        self.names = (set(self.producer) | set(self.inits)
                      | {i.name for i in g.input} | self.outputs)

    def node(self, name: str, op: str) -> Any | None:
        """The node producing ``name`` if it is an ``op`` node."""
        i = self.producer.get(name)
        if i is None or self.nodes[i] is None or self.nodes[i].op_type != op:
            return None
        return self.nodes[i]

    def private(self, name: str) -> bool:
        """``name`` is read once and is not a graph output."""
        return self.readers[name] == 1 and name not in self.outputs

    def is_one(self, name: str) -> bool:
        """``name`` is a float initializer whose elements are all 1."""
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

    def replace(self, old: Any, new: list[Any]) -> None:
        """Put ``new`` at ``old``'s place in the node list."""
        i = next(j for j, n in enumerate(self.nodes) if n is old)
        self.nodes[i:i + 1] = new
        self.producer = {o: j for j, n in enumerate(self.nodes) if n is not None
                         for o in n.output}

    def drop(self, node: Any) -> None:
        i = next(j for j, n in enumerate(self.nodes) if n is node)
        self.nodes[i] = None

    def commit(self) -> None:
        kept = []
        for n in self.nodes:
            if n is not None:
                c = onnx.NodeProto()
                c.CopyFrom(n)
                kept.append(c)
        g = self.model.graph
        del g.node[:]
        g.node.extend(kept)


class _SubgraphError(Exception):
    pass


def _cast_to(node: Any) -> int | None:
    for a in node.attribute:
        if a.name == "to":
            return int(helper.get_attribute_value(a))
    return None


def _sigmoid_denominator(g: _Graph, x: str, s: str) -> Any | None:
    """The ``Add(Exp(Neg(x)), 1)`` node when ``s`` is ``Reciprocal`` of it
    and every intermediate value is private."""
    rec = g.node(s, "Reciprocal")
    if rec is None or not g.private(s):
        return None
    d = rec.input[0]
    add = g.node(d, "Add")
    if add is None or not g.private(d):
        return None
    a, b = add.input
    e = a if g.is_one(b) else b if g.is_one(a) else None
    if e is None:
        return None
    exp = g.node(e, "Exp")
    if exp is None or not g.private(e):
        return None
    neg = g.node(exp.input[0], "Neg")
    if neg is None or not g.private(exp.input[0]) or neg.input[0] != x:
        return None
    return rec


def _half_sigmoid(g: _Graph, x: str, s: str) -> tuple[Any, Any, str] | None:
    """``(sigmoid node, outer cast, x32)`` when ``s`` is
    ``Cast16(Sigmoid(Cast32(x)))`` with the sigmoid private."""
    out_cast = g.node(s, "Cast")
    if out_cast is None or not g.private(s):
        return None
    if _cast_to(out_cast) != TensorProto.FLOAT16:
        return None
    sf = out_cast.input[0]
    sig = g.node(sf, "Sigmoid")
    if sig is None or not g.private(sf):
        return None
    xf = sig.input[0]
    in_cast = g.node(xf, "Cast")
    if in_cast is None or in_cast.input[0] != x:
        return None
    if _cast_to(in_cast) != TensorProto.FLOAT:
        return None
    return sig, out_cast, xf


def fuse_silu(model: onnx.ModelProto) -> int:
    """Rewrite every ``x * sigmoid(x)`` as described in the module docstring;
    returns how many were rewritten."""
    try:
        g = _Graph(model)
    except _SubgraphError:
        return 0
    count = 0
    one32: str | None = None
    for mul in list(g.nodes):
        if mul is None or mul.op_type != "Mul":
            continue
        for x, s in ((mul.input[0], mul.input[1]), (mul.input[1], mul.input[0])):
            rec = _sigmoid_denominator(g, x, s)
            if rec is not None:
                div = helper.make_node("Div", [x, rec.input[0]], list(mul.output),
                                       name=mul.name)
                g.drop(rec)
                g.replace(mul, [div])
                count += 1
                break
            half = _half_sigmoid(g, x, s)
            if half is not None:
                sig, out_cast, xf = half
                if one32 is None:
                    one32 = g.fresh("silu_one")
                    model.graph.initializer.append(
                        numpy_helper.from_array(np.array(1.0, np.float32), one32))
                neg, exp, den = (g.fresh(f"{sig.output[0]}_{h}")
                                 for h in ("neg", "exp", "den"))
                chain = [
                    helper.make_node("Neg", [xf], [neg], name=f"{sig.name}_neg"),
                    helper.make_node("Exp", [neg], [exp], name=f"{sig.name}_exp"),
                    helper.make_node("Add", [exp, one32], [den],
                                     name=f"{sig.name}_add"),
                    helper.make_node("Div", [xf, den], list(sig.output),
                                     name=sig.name),
                ]
                g.replace(sig, chain)
                out_cast.output[0] = mul.output[0]
                g.drop(mul)
                count += 1
                break
    if count:
        g.commit()
    return count
