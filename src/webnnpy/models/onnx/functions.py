"""ONNX function ops expanded into their function bodies.

Many ONNX ops (Attention, LayerNormalization, NegativeLogLikelihoodLoss,
CenterCropPad...) are defined by a function body made of simpler ops.  When
no handler maps such an op (or its handler declines some of its
attributes or outputs), the importer expands the node into the body the
schema gives for the model's opset and converts those nodes instead: the
official definition, decomposed into WebNN operators.
"""

from __future__ import annotations

from collections.abc import Sequence

import onnx
from onnx import AttributeProto, FunctionProto, NodeProto, TypeProto, helper

__all__ = ["expand_function"]


def _function_proto(node: NodeProto, domain: str, opset: int,
                    input_types: Sequence[TypeProto]) -> FunctionProto | None:
    try:
        schema = onnx.defs.get_schema(node.op_type, opset, domain)
    except Exception:  # noqa: BLE001 - no schema: no function
        return None
    # onnx's stubs (onnx/onnx_cpp2py_export/defs.pyi) lack these OpSchema
    # members that the C++ extension has at run time
    plain = [v for v in schema.function_opset_versions  # type: ignore[attr-defined]
             if v <= opset]
    dependent = [v for v in schema.context_dependent_function_opset_versions  # type: ignore[attr-defined]
                 if v <= opset]
    if not plain and not dependent:
        return None
    best = max(plain + dependent)
    try:
        if best in dependent:
            data = schema.get_context_dependent_function_with_opset_version(  # type: ignore[attr-defined]
                best, node.SerializeToString(),
                [t.SerializeToString() for t in input_types])
        else:
            data = schema.get_function_with_opset_version(best)  # type: ignore[attr-defined]
    except Exception:  # noqa: BLE001 - the schema could not build a body
        return None
    if not data:
        return None
    fn = FunctionProto()
    fn.ParseFromString(data)
    return fn if fn.node else None


def expand_function(node: NodeProto, domain: str, opset: int,
                    input_types: Sequence[TypeProto], prefix: str
                    ) -> tuple[list[NodeProto], dict[str, int]] | None:
    """The nodes of ``node``'s function body, wired to the node's inputs and
    outputs (internal values named ``prefix + name``), and the opsets the
    body's nodes use; None if the op has no function body."""
    fn = _function_proto(node, domain, opset, input_types)
    if fn is None:
        return None
    names: dict[str, str] = {}
    for i, name in enumerate(fn.input):
        names[name] = node.input[i] if i < len(node.input) else ""
    for i, name in enumerate(fn.output):
        if i < len(node.output) and node.output[i]:
            names[name] = node.output[i]
    given = {a.name: a for a in fn.attribute_proto}  # the body's defaults
    given.update({a.name: a for a in node.attribute})

    def rename(n: str) -> str:
        if not n:
            return ""
        return names.get(n, prefix + n)

    out: list[NodeProto] = []
    for k, inner in enumerate(fn.node):
        new = NodeProto()
        new.CopyFrom(inner)
        if any(a.type in (AttributeProto.GRAPH, AttributeProto.GRAPHS)
               for a in new.attribute):
            return None  # sub-graphs would need renaming inside: not supported
        new.name = f"{prefix}{inner.name or f'{inner.op_type}_{k}'}"
        del new.input[:]
        new.input.extend(rename(n) for n in inner.input)
        del new.output[:]
        new.output.extend(rename(n) for n in inner.output)
        attrs = []
        for a in inner.attribute:
            if a.ref_attr_name:
                src = given.get(a.ref_attr_name)
                if src is None:
                    continue  # not set on the node: the default applies
                b = AttributeProto()
                b.CopyFrom(src)
                b.name = a.name
                attrs.append(b)
            else:
                attrs.append(a)
        del new.attribute[:]
        new.attribute.extend(attrs)
        out.append(new)
    opsets = {("" if o.domain == "ai.onnx" else o.domain): int(o.version)
              for o in fn.opset_import}
    opsets.setdefault(domain, opset)
    return out, opsets


def tensor_type(elem_type: int, shape: Sequence[int]) -> TypeProto:
    """A TypeProto for a tensor input of a context-dependent function."""
    return helper.make_tensor_type_proto(elem_type, list(shape))
