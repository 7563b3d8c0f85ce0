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
from webnnpy.models.onnx.dims import check_dims, declared_dims
from webnnpy.models.onnx.errors import OnnxImportError
from webnnpy.models.onnx.handlers import find_handler
from webnnpy.models.onnx.importer import (
    ModelLike,
    NodeOutcome,
    bind_input,
    input_specs,
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
    """The dimensions of a value whose shape depends on free dimensions: ints,
    free-dimension names or expressions (``"seq"``, ``"batch*seq"``), None
    where unknown (``shape`` is then None)."""
    depends: list[str] = field(default_factory=list)
    """For a value with unknown dimensions: the free dimensions it depends
    on."""

    def __str__(self) -> str:
        if self.shape is None and self.dims is not None:
            shape = ", ".join("?" if d is None else str(d) for d in self.dims) \
                or "scalar"
        else:
            shape = ("?" if self.shape is None
                     else "x".join(map(str, self.shape)) or "scalar")
        dep = f" (depends on {', '.join(self.depends)})" if self.depends else ""
        return (f"{self.name}: {self.type}[{shape}]{dep}"
                f"{' (const)' if self.constant else ''}")


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
    unnamed one or an input without a declared shape) -> the inputs they
    occur in.  The nodes are checked at ``probe_dims``; only when an input
    declares no shape at all are they not walked (``nodes`` is empty)."""
    op_types: Counter[str] = field(default_factory=Counter)
    """The graph's op types and how often each occurs."""
    probe_dims: dict[str, int] = field(default_factory=dict)
    """The values the free dimensions were checked at (by dim_param, or
    ``"input[i]"`` for an unnamed one)."""

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
        if self.probe_dims:
            lines.append(
                "free dimensions: " + ", ".join(self.probe_dims) + " (kept "
                "symbolic by load(); nodes checked at " + ", ".join(
                    f"{k}={v}" for k, v in self.probe_dims.items()) + ")")
        lines += [f"problem: {p}" for p in self.problems]
        walked = not self.free_dims or bool(self.probe_dims)
        if nodes and walked:
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
        if not walked:
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


def _walk_model(proto: ModelProto, opsets: dict[str, int],
                consts: Mapping[str, Any], specs: list[Any], context: MLContext
                ) -> tuple[list[ValueReport], list[NodeReport], list[ValueReport],
                           list[str], dict[str, Tensor]]:
    """One walk of the model with its input shapes fixed: (input reports, node
    reports, output reports, problems, the values by name)."""
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
    return in_reports, reports, out_reports, problems, values


# ------------------------------------------------------- free dimensions


def _probes(proto: ModelProto, skip: set[str], given: Mapping[str, Any]
            ) -> tuple[dict[str, tuple[int, int]], dict[str, list[str | int]]]:
    """Two values for each free dimension, so that a walk at each tells which
    dimensions of every value depend on which free ones: (label -> (value of
    walk A, of walk B), input -> its dims with labels for the free ones).  A
    dimension first seen at position 0 (a batch) gets 2, 3 (then 4, 5...);
    the others multiples of 32 (32, 64; then 64, 96...), which strided
    convolutions and pools accept; every label's pair differs from the
    others', their sums' and their products'."""
    labels: dict[str, tuple[int, int]] = {}
    shapes: dict[str, list[str | int]] = {}
    batch = other = 0
    for vi in proto.graph.input:
        if vi.name in skip or not vi.type.HasField("tensor_type"):
            continue
        whole = given.get(vi.name)
        declared = declared_dims(vi)
        if isinstance(whole, list) or declared is None:
            continue
        dims: list[str | int] = []
        for i, d in enumerate(declared):
            if isinstance(d, str) and isinstance(given.get(d), int):
                dims.append(int(given[d]))
                continue
            if isinstance(d, int):
                dims.append(d)
                continue
            label = d if d is not None else f"{vi.name}[{i}]"
            if label not in labels:
                if i == 0:
                    labels[label] = (2 + 2 * batch, 3 + 2 * batch)
                    batch += 1
                else:
                    labels[label] = (32 * (other + 1), 32 * (other + 2))
                    other += 1
            dims.append(label)
        shapes[vi.name] = dims
    return labels, shapes


def _symbol(a: int, b: int, labels: Mapping[str, tuple[int, int]]) -> str | None:
    """The expression of free dimensions that is ``a`` in walk A and ``b`` in
    walk B: a label, one times or divided by a constant or plus one, a sum
    or product of two, or None."""
    for k, (va, vb) in labels.items():
        if (va, vb) == (a, b):
            return k
    for k, (va, vb) in labels.items():
        if a * vb == b * va:  # proportional: seq*2, w/8
            if a % va == 0:
                return f"{k}*{a // va}"
            if va % a == 0:
                return f"{k}/{va // a}"
        if a - va == b - vb:  # an offset: seq+1, seq-1
            return f"{k}{a - va:+d}"
    items = list(labels.items())
    for i, (k1, (a1, b1)) in enumerate(items):
        for k2, (a2, b2) in items[i:]:
            if (a1 * a2, b1 * b2) == (a, b):
                return f"{k1}*{k2}"
            if (a1 + a2, b1 + b2) == (a, b):
                return f"{k1}+{k2}"
    return None


def _symbolic(report: ValueReport, other: Mapping[str, Tensor],
              labels: Mapping[str, tuple[int, int]],
              deps: Mapping[str, frozenset[str]],
              input_labels: Mapping[str, list[str]]) -> None:
    """Rewrite ``report`` (a value of walk A) with the dims that differ in
    walk B (``other``) as free-dimension expressions."""
    if report.shape is None:
        return
    t = other.get(report.name)
    if t is None or len(t.shape) != len(report.shape):
        return
    dims: list[str | int | None] = []
    changed = unknown = False
    for a, b in zip(report.shape, t.shape, strict=True):
        if a == b:
            dims.append(a)
            continue
        changed = True
        sym = _symbol(a, b, labels)
        unknown |= sym is None
        dims.append(sym)
    if not changed:
        return
    report.shape = None
    report.dims = dims
    if unknown:
        on = sorted({k for i in deps.get(report.name, ()) for k in
                     input_labels.get(i, ())}) or sorted(labels)
        report.depends = on


def _static_specs(proto: ModelProto, dims: Mapping[str, Any],
                  shapes: Mapping[str, list[str | int]],
                  labels: Mapping[str, tuple[int, int]], which: int,
                  skip: set[str]) -> list[Any]:
    fixed = dict(dims)
    for name, ds in shapes.items():
        fixed[name] = [d if isinstance(d, int) else labels[d][which] for d in ds]
    return input_specs(proto, fixed, skip)


def inspect(model: ModelLike, dims: Mapping[str, Any] | None = None, *,
            constants: Mapping[str, Any] | None = None,
            context: MLContext | None = None,
            base_dir: str | os.PathLike[str] | None = None) -> InspectReport:
    """List every node of ``model`` with its op type, shapes and whether it
    maps to WebNN (and why not), without building anything.

    ``dims``/``constants`` are as for :func:`~webnnpy.models.onnx.load`;
    ``context`` chooses whose operator limits are checked (default: the
    NumPy reference, which supports everything the spec allows).

    Free dimensions that ``dims`` leaves open are checked at probe values
    (``probe_dims``: 2 for a batch, 32 for others), and the model is walked
    a second time at other values (3, 64...): a dimension of a value that
    differs between the walks is shown by the free dimensions it follows
    (``seq``, ``batch*seq``, ``past+seq``), or as ``?`` with the free
    dimensions it depends on.  Only an input that declares no shape at all
    stops the walk (its rank is unknown).
    """
    proto, opsets, consts, specs, _ = prepare(model, dims, constants, base_dir)
    if context is None:
        context = ml.create_context(backend="numpy")
    free = _free_dims(specs)
    no_shape = [s for s in specs if s.onnx_type and not _declares_dims(s)
                and s.shape is None]
    op_types = Counter(f"{n.domain}:{n.op_type}" if n.domain else n.op_type
                       for n in proto.graph.node)
    if free and no_shape:
        # an input without a declared shape has no rank to probe with: say
        # once which values to pass, not a "fed by" error per node
        problems = [s.problem for s in specs if s.problem and s.shape is not None]
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
            problems, context.backend, free_dims=free, op_types=op_types)
    if not free:
        ins, nodes, outs, problems, _ = _walk_model(proto, opsets, consts, specs,
                                                     context)
        return InspectReport(int(proto.ir_version), proto.producer_name, opsets,
                             ins, outs, nodes, problems, context.backend,
                             op_types=op_types)
    skip = set(consts)
    given = check_dims(dims, proto)
    labels, shapes = _probes(proto, skip, given)
    specs_a = _static_specs(proto, given, shapes, labels, 0, skip)
    ins, nodes, outs, problems, _ = _walk_model(proto, opsets, consts, specs_a,
                                                context)
    try:
        specs_b = _static_specs(proto, given, shapes, labels, 1, skip)
        *_, values_b = _walk_model(proto, opsets, consts, specs_b, context)
    except Exception:  # noqa: BLE001 - the second walk only names dimensions
        values_b = {}
    deps = _value_deps(proto, shapes)
    input_labels = {n: [d for d in ds if isinstance(d, str)]
                    for n, ds in shapes.items()}
    for v in [*ins, *outs, *(r for n in nodes for r in (*n.inputs, *n.outputs))]:
        _symbolic(v, values_b, labels, deps, input_labels)
    return InspectReport(int(proto.ir_version), proto.producer_name, opsets,
                         ins, outs, nodes, problems, context.backend,
                         free_dims=free, op_types=op_types,
                         probe_dims={k: v[0] for k, v in labels.items()})


def _value_deps(proto: ModelProto, shapes: Mapping[str, Any]
                ) -> dict[str, frozenset[str]]:
    """Value name -> the graph inputs with free dimensions it is computed
    from (through the main graph's nodes)."""
    deps: dict[str, frozenset[str]] = {n: frozenset({n}) for n in shapes}
    for node in proto.graph.node:
        d = frozenset().union(*(deps.get(i, frozenset()) for i in node.input))
        if d:
            for o in node.output:
                deps[o] = d
    return deps
