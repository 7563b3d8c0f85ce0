"""``inspect``: every node of an ONNX model, its shapes, and whether (and how)
it maps to WebNN, before anyone builds.

The same walk as :func:`~webnnpy.models.onnx.load` runs on a builder that is
never built; a node that does not map gets stand-in operands shaped by ONNX
shape inference, so the walk goes on and every unsupported node is listed.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import onnx
from onnx import ModelProto

from webnnpy import MLContext, MLGraphBuilder, ml
from webnnpy.models.onnx.convert import ImportContext, NodeInfo, Tensor
from webnnpy.models.onnx.dims import declared_dims
from webnnpy.models.onnx.errors import OnnxImportError
from webnnpy.models.onnx.handlers import find_handler
from webnnpy.models.onnx.importer import (
    ModelLike,
    NodeOutcome,
    bind_input,
    output_problems,
    prepare,
    walk,
)
from webnnpy.models.onnx.types import onnx_of_np, type_name, webnn_of_onnx
from webnnpy.models.onnx.validate import drop_invalid_nodes

__all__ = ["InspectReport", "NodeReport", "ValueReport", "inspect"]


@dataclass
class ValueReport:
    """An ONNX value: name, ONNX type, static shape (None if unknown), and
    whether it is known at import time."""

    name: str
    type: str
    shape: list[int] | None
    constant: bool = False
    dims: list[str | int | None] | None = None
    """The declared dimensions (dim_param names for free ones) of a graph
    input whose shape is not fixed."""

    def __str__(self) -> str:
        if self.shape is None and self.dims is not None:
            shape = "x".join("?" if d is None else str(d) for d in self.dims) \
                or "scalar"
        else:
            shape = ("?" if self.shape is None
                     else "x".join(map(str, self.shape)) or "scalar")
        return f"{self.name}: {self.type}[{shape}]{' (const)' if self.constant else ''}"


@dataclass
class NodeReport:
    """One node: ``status`` is "webnn" (mapped; ``webnn_ops`` lists the WebNN
    operators it became), "constant" (computed at import), "unsupported"
    (``reason`` says why) or "blocked" (mapped, but fed by an unsupported
    node whose output shape is unknown)."""

    index: int
    name: str
    op_type: str
    domain: str
    version: int
    inputs: list[ValueReport]
    outputs: list[ValueReport]
    status: str
    webnn_ops: list[str] = field(default_factory=list)
    reason: str = ""
    expanded: bool = False
    """Converted through the op's ONNX function body."""

    @property
    def supported(self) -> bool:
        return self.status in ("webnn", "constant")


@dataclass
class InspectReport:
    """The result of :func:`inspect`."""

    ir_version: int
    producer: str
    opsets: dict[str, int]
    inputs: list[ValueReport]
    outputs: list[ValueReport]
    nodes: list[NodeReport]
    problems: list[str]
    """Model-level problems (free dimensions, input types...)."""
    backend: str
    free_dims: dict[str, list[str]] = field(default_factory=dict)
    """Free dimensions without a value (dim_param, or the input's name for an
    input without a declared shape) -> the inputs they occur in.  While there
    are any, the nodes are not walked (``nodes`` is empty) and
    ``op_types`` counts the graph's op types."""
    op_types: Counter[str] = field(default_factory=Counter)

    @property
    def supported(self) -> bool:
        """True if :func:`~webnnpy.models.onnx.load` would succeed."""
        return not self.problems and all(n.supported for n in self.nodes)

    @property
    def unsupported(self) -> list[NodeReport]:
        return [n for n in self.nodes if not n.supported]

    def op_summary(self) -> dict[str, Counter[str]]:
        """op type -> Counter of statuses."""
        out: dict[str, Counter[str]] = {}
        for n in self.nodes:
            key = f"{n.domain}:{n.op_type}" if n.domain else n.op_type
            out.setdefault(key, Counter())[n.status] += 1
        return out

    def webnn_ops(self) -> Counter[str]:
        """How often each WebNN operator is used."""
        c: Counter[str] = Counter()
        for n in self.nodes:
            c.update(n.webnn_ops)
        return c

    def format(self, *, nodes: bool = True) -> str:
        """A readable text report."""
        opsets = ", ".join(f"{d or 'ai.onnx'} {v}" for d, v in self.opsets.items())
        lines = [f"opsets: {opsets}; producer: {self.producer or '-'}; checked "
                 f"against the {self.backend!r} backend"]
        lines.append("inputs:")
        lines += [f"  {v}" for v in self.inputs]
        lines.append("outputs:")
        lines += [f"  {v}" for v in self.outputs]
        lines += [f"problem: {p}" for p in self.problems]
        if nodes and not self.free_dims:
            lines.append("nodes:")
            for n in self.nodes:
                ins = ", ".join(str(v) for v in n.inputs)
                outs = ", ".join(str(v) for v in n.outputs)
                via = " (via its ONNX function body)" if n.expanded else ""
                how = {"webnn": f" ->{via} " + (", ".join(n.webnn_ops) or "(no op)"),
                       "constant": " -> computed at import",
                       }.get(n.status, f" -> {n.status.upper()}: {n.reason}")
                lines.append(f"  [{n.index}] {n.name} ({n.op_type}-{n.version})"
                             f"{how}\n      in: {ins}\n      out: {outs}")
        if self.free_dims:
            lines.append("op types (not checked until the free dimensions have "
                         "values): " + ", ".join(
                             f"{k} x{v}" for k, v in sorted(self.op_types.items())))
            return "\n".join(lines)
        lines.append("op types:")
        for op, c in sorted(self.op_summary().items()):
            counts = ", ".join(f"{k} {v}" for k, v in sorted(c.items()))
            lines.append(f"  {op}: {counts}")
        used = self.webnn_ops()
        if used:
            lines.append("WebNN operators: " + ", ".join(
                f"{k} x{v}" for k, v in sorted(used.items())))
        bad = self.unsupported
        lines.append(f"{len(self.nodes) - len(bad)} of {len(self.nodes)} nodes map; "
                     + ("the model can be loaded" if self.supported else
                        f"{len(bad)} node(s) and {len(self.problems)} model "
                        f"problem(s) prevent loading"))
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.format()


def _value(t: Tensor | None, name: str, inferred: Mapping[str, Any]) -> ValueReport:
    if t is not None:
        return ValueReport(name, type_name(t.onnx_type), list(t.shape), t.is_const)
    elem, shape = inferred.get(name, (0, None))
    return ValueReport(name, type_name(elem) if elem else "?", shape)


def _inferred(model: ModelProto, specs: list[Any], opsets: dict[str, int]
              ) -> dict[str, tuple[int, Any]]:
    """ONNX shape inference with the free dimensions fixed: name -> (elem
    type, static shape or None).  Nodes that break their op's schema are left
    out (ONNX's inference does not check all it reads; the walk reports
    them)."""
    m = ModelProto()
    m.CopyFrom(model)
    drop_invalid_nodes(m.graph, opsets)
    fixed = {s.name: s.shape for s in specs if s.shape is not None}
    for vi in m.graph.input:
        shape = fixed.get(vi.name)
        if shape is not None and vi.type.HasField("tensor_type"):
            tt = vi.type.tensor_type
            tt.shape.Clear()
            for d in shape:
                tt.shape.dim.add().dim_value = int(d)
    try:
        m = onnx.shape_inference.infer_shapes(m, data_prop=True)
    except Exception:  # noqa: BLE001 - inference is best effort here
        pass
    out: dict[str, tuple[int, Any]] = {}
    for vi in [*m.graph.value_info, *m.graph.output, *m.graph.input]:
        if not vi.type.HasField("tensor_type"):
            continue
        tt = vi.type.tensor_type
        shape = None
        if tt.HasField("shape") and all(d.HasField("dim_value") for d in tt.shape.dim):
            shape = [int(d.dim_value) for d in tt.shape.dim]
        out[vi.name] = (int(tt.elem_type), shape)
    return out


def _declares_dims(spec: Any) -> bool:
    """Whether a graph input declares its dimensions (fixed or free)."""
    return bool(spec.symbolic) or spec.shape is not None


def _declared(vi: Any) -> ValueReport:
    """A graph output as its ValueInfo declares it."""
    tt = vi.type.tensor_type if vi.type.HasField("tensor_type") else None
    if tt is None:
        return ValueReport(vi.name, "?", None)
    dims = declared_dims(vi)
    shape = dims if dims is not None and all(isinstance(d, int) for d in dims) \
        else None
    return ValueReport(vi.name, type_name(tt.elem_type) if tt.elem_type else "?",
                       shape, dims=dims)  # type: ignore[arg-type]


def _free_dims(specs: list[Any]) -> dict[str, list[str]]:
    """dim_param (or input name, for an input with no declared shape or an
    unnamed free dimension) -> the inputs it occurs in, for inputs whose
    shape is not fixed."""
    free: dict[str, list[str]] = {}
    for s in specs:
        if not s.onnx_type:
            continue
        if s.shape is not None:
            # every named dim has a value; a negative dim_value (what some
            # exporters write for a dynamic one) needs the whole shape
            if any(d < 0 for d in s.shape):
                free.setdefault(s.name, []).append(s.name)
            continue
        if not s.problem:
            continue
        keys = [d if isinstance(d, str) and d else s.name for d in s.symbolic
                if not isinstance(d, int) or d < 0] if s.symbolic else [s.name]
        for k in dict.fromkeys(keys):
            free.setdefault(k, []).append(s.name)
    return free


def _free_dims_problem(specs: list[Any], free: dict[str, list[str]],
                       dims: Mapping[str, Any] | None) -> str:
    from webnnpy.models.onnx.dims import free_dims_hint

    names = {i for ins in free.values() for i in ins}
    shapes = {s.name: ([None if isinstance(d, int) and d < 0 else d
                        for d in s.symbolic] if _declares_dims(s) else None)
              for s in specs if s.name in names}
    return (f"free dimensions without a value, so the nodes are not checked: "
            f"{free_dims_hint(shapes, given=dims)}")


def inspect(model: ModelLike, dims: Mapping[str, Any] | None = None, *,
            constants: Mapping[str, Any] | None = None,
            context: MLContext | None = None,
            base_dir: str | os.PathLike[str] | None = None) -> InspectReport:
    """List every node of ``model`` with its op type, shapes and whether it
    maps to WebNN (and why not), without building anything.

    ``dims``/``constants`` are as for :func:`~webnnpy.models.onnx.load`;
    ``context`` chooses whose operator limits are checked (default: the
    NumPy reference, which supports everything the spec allows).
    """
    proto, opsets, consts, specs, _ = prepare(model, dims, constants, base_dir)
    if context is None:
        context = ml.create_context(backend="numpy")
    builder = MLGraphBuilder(context)
    ctx = ImportContext(builder, context, opsets[""])
    values: dict[str, Tensor] = {
        name: Tensor(name, onnx_of_np(v.dtype), value=v) for name, v in consts.items()}
    problems = [s.problem for s in specs if s.problem]
    inferred = _inferred(proto, specs, opsets)
    counter = iter(range(1 << 30))

    def stand_in(name: str, elem: int, shape: list[int] | None) -> Tensor | None:
        dt = webnn_of_onnx(elem)
        if dt is None or shape is None or 0 in shape:
            return None
        try:
            op = builder.input(f"__inspect_{next(counter)}_{name}",
                               {"data_type": dt, "shape": shape})
        except TypeError:
            return None
        ctx.add_leaf(op)
        return Tensor(name, elem, operand=op)

    free = _free_dims(specs)
    if free:
        # without values for its free dimensions no node can be checked:
        # say once which values to pass, not a "fed by" error per node
        problems = [p for p in problems if not any(
            p == s.problem for s in specs if s.shape is None)]
        problems.insert(0, _free_dims_problem(specs, free, dims))
        return InspectReport(
            int(proto.ir_version), proto.producer_name, opsets,
            [ValueReport(s.name, type_name(s.onnx_type),
                         s.shape if s.shape is None or min(s.shape, default=0) >= 0
                         else None,
                         dims=[None if isinstance(d, int) and d < 0 else d
                               for d in s.symbolic] if _declares_dims(s) else None)
             for s in specs],
            [_declared(vi) for vi in proto.graph.output], [],
            problems, context.backend, free_dims=free,
            op_types=Counter(f"{n.domain}:{n.op_type}" if n.domain else n.op_type
                             for n in proto.graph.node))

    in_reports = []
    unbound: dict[str, str] = {}
    for s in specs:
        problem = bind_input(ctx, s, values)
        if problem and problem not in problems:
            problems.append(problem)
        if problem:
            unbound[s.name] = problem
        in_reports.append(ValueReport(s.name, type_name(s.onnx_type), s.shape))

    reports: list[NodeReport] = []
    blocked_names: set[str] = set()

    def on_error(info: NodeInfo, err: OnnxImportError, ins: list[Tensor | None]
                 ) -> list[Tensor | None]:
        outs: list[Tensor | None] = []
        for name in info.outputs:
            elem, shape = inferred.get(name, (0, None))
            t = stand_in(name, elem, shape) if name else None
            if t is None and name:
                blocked_names.add(name)
            outs.append(t)
        return outs

    def on_node(outcome: NodeOutcome) -> None:
        info = outcome.info
        ins = [_value(values.get(n) if n else None, n, inferred)
               for n in info.inputs if n]
        outs = [_value(values.get(n), n, inferred) for n in info.outputs if n]
        status, reason = outcome.status, ""
        if outcome.error is not None:
            reason = getattr(outcome.error, "reason", str(outcome.error))
            feeders = [n for n in info.inputs if n in blocked_names]
            graph_ins = [n for n in info.inputs if n in unbound]
            if graph_ins and "not produced" in reason:
                # a graph input that cannot be an operand, not a missing value
                status = "blocked"
                reason = (f"graph input {graph_ins[0]!r} cannot be used: "
                          f"{unbound[graph_ins[0]]}")
                blocked_names.update(n for n in info.outputs if n)
            elif feeders and "not produced" in reason:
                handler, why = find_handler(info.domain, info.op_type, info.version)
                if handler is None:
                    reason = why
                else:
                    status = "blocked"
                    reason = (f"fed by {', '.join(map(repr, feeders))}, the output "
                              f"of an unsupported node")
                blocked_names.update(n for n in info.outputs if n)
        reports.append(NodeReport(len(reports), info.name, info.op_type, info.domain,
                                  info.version, ins, outs, status, outcome.webnn_ops,
                                  reason, info.expanded))

    walk(ctx, proto, values, opsets, on_error=on_error, on_node=on_node)
    problems += output_problems(proto, values)
    out_reports = [_value(values.get(vi.name), vi.name, inferred)
                   for vi in proto.graph.output]
    return InspectReport(int(proto.ir_version), proto.producer_name, opsets,
                         in_reports, out_reports, reports, problems, context.backend)
