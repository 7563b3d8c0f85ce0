"""IR graph -> a standalone ES module that builds it with the WebNN JavaScript API.

:func:`export` writes two files:

- ``model.js``: an ES module exporting ``inputs``/``outputs`` (the graph's
  operand descriptors), ``async function buildGraph(context, weights?)`` ->
  ``{graph, inputs, outputs}``, ``async function createSession(context,
  weights?)`` -> ``{graph, run(inputs), destroy()}`` (tensors created once),
  and ``async function run(inputs, {context, contextOptions, weights}?)`` (create
  a context, build, write the inputs, dispatch, read the outputs);
- ``weights.bin``: every constant's bytes (little-endian, each at an offset
  aligned to 64 bytes); ``model.js`` views them with the typed array of the
  constant's data type at offsets written into the module.

The IR stores op names and argument names in the spec's own spelling with
every default resolved (see :mod:`webnnpy.ir.graph`); this module maps each
node back onto the spec's method signature using the API table: arguments
before the options dictionary are positional, the rest go into the options.
Operand-valued options (``bias``, ``scale``, ...) are references to earlier
operands; an absent optional operand is left out.  Options whose resolved
value is what the spec would use when the option is absent are left out
(e.g. clamp's bounds resolved to the type's extremes, pooling's
``outputSizes`` that the rounding reproduces, reduction ``axes`` listing every
axis), so the module reads like hand-written WebNN code and means the same.

Data types: ``float16`` data uses ``Float16Array`` (falling back to
``Uint16Array`` holding the same bits where the engine lacks it), ``int64``
and ``uint64`` use ``BigInt64Array``/``BigUint64Array``, and 64-bit integer
numbers beyond 2**53 are written as BigInt literals.  ``int4``/``uint4`` (the
declared extension Chromium has) are packed two a byte in a ``Uint8Array``,
element 2k in bits 0-3 of byte k, as Chromium takes and returns them: the
module's ``run`` takes such bytes (or an array of numbers, which it packs)
and returns them.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from webnnpy._spec import SPEC_COMMIT, op_table
from webnnpy.dtypes import PACKED_TYPES, pack_int4
from webnnpy.ir.graph import Graph, Node, Value

__all__ = ["ExportError", "ExportResult", "export", "export_ir", "module_source"]

#: MLOperandDataType -> the typed array the module uses for it
TYPED_ARRAYS = {
    "float32": "Float32Array", "float16": "F16", "int32": "Int32Array",
    "uint32": "Uint32Array", "int64": "BigInt64Array", "uint64": "BigUint64Array",
    "int8": "Int8Array", "uint8": "Uint8Array",
    # packed two a byte (see the module docstring)
    "int4": "Uint8Array", "uint4": "Uint8Array",
}

_ALIGN = 64
_MAX_SAFE_INTEGER = 2**53 - 1


class ExportError(ValueError):
    """The graph holds something the exporter cannot write as WebNN JS."""


@dataclass(frozen=True)
class ExportResult:
    """The files :func:`export` wrote."""

    module: Path
    weights: Path

    def __iter__(self) -> Iterator[Path]:
        """``module, weights = export(...)``."""
        return iter((self.module, self.weights))


# ------------------------------------------------------------------ literals


def _js_float(v: float) -> str:
    """A JS number literal for ``v``: the shortest text that gives the same
    float32 value when ``v`` is a float32 value (IR options are cast to the
    operand's type), else the shortest text for the double."""
    v = float(v)
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "Infinity" if v > 0 else "-Infinity"
    if v == int(v) and abs(v) < 1e16:
        return str(int(v)) if v != 0 or math.copysign(1, v) > 0 else "-0"
    f32 = np.float32(v)
    if float(f32) == v:
        text = np.format_float_positional(f32, unique=True, trim="-") \
            if 1e-4 <= abs(v) < 1e16 else \
            np.format_float_scientific(f32, unique=True, trim="-")
        if float(np.float32(float(text))) == v:
            return text
    return repr(v)


def _js_int(v: int, bigint: bool = False) -> str:
    v = int(v)
    if bigint or abs(v) > _MAX_SAFE_INTEGER:
        return f"{v}n"
    return str(v)


def _js_value(v: Any) -> str:
    """A JS literal for an attribute value (bool, int, float, str, list)."""
    if isinstance(v, (bool, np.bool_)):
        return "true" if v else "false"
    if isinstance(v, (int, np.integer)):
        return _js_int(int(v))
    if isinstance(v, (float, np.floating)):
        return _js_float(float(v))
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_js_value(x) for x in v) + "]"
    if v is None:
        return "undefined"
    raise ExportError(f"cannot write {v!r} ({type(v).__name__}) as JavaScript")


def _js_number(v: Any, data_type: str) -> str:
    """An MLNumber cast to ``data_type`` (BigInt literal for big 64-bit ints)."""
    if data_type in ("float32", "float16"):
        return _js_float(float(v))
    return _js_int(int(v))


def _js_record(entries: Sequence[tuple[str, str]], multiline: bool = False) -> str:
    """A JS object with the given own properties (name -> JS expression text).

    Names come from the model, so no object literal is used: in a literal,
    ``__proto__: v`` (quoted or not) sets the prototype instead of adding a
    key.  ``Object.fromEntries`` defines each name as an own property, so
    ``__proto__``, ``constructor`` and names with quotes, newlines or any
    Unicode (written as JSON strings, ASCII-escaped) round-trip.
    """
    if not entries:
        return "Object.fromEntries([])"
    if not multiline:
        items = ", ".join(f"[{json.dumps(k)}, {v}]" for k, v in entries)
        return f"Object.fromEntries([{items}])"
    items = "".join(f"  [{json.dumps(k)}, {v}],\n" for k, v in entries)
    return f"Object.fromEntries([\n{items}])"


def _js_desc(data_type: str, shape: Sequence[int]) -> str:
    return (f"{{dataType: {json.dumps(data_type)}, shape: "
            f"[{', '.join(str(int(d)) for d in shape)}]}}")


# ------------------------------------------------- which options to write


def _input_desc(node: Node, name: str = "input") -> Any:
    arg = node.operands.get(name)
    if isinstance(arg, list):
        arg = arg[0] if arg else None
    return None if arg is None else arg.desc


def _written(node: Node, name: str) -> bool:
    """Whether option ``name`` is written: the options the caller passed (its
    resolved value: the same computation in every implementation), or every
    option where the graph does not record them."""
    return node.given is None or name in node.given


# ------------------------------------------------------------------ writer


class _Writer:
    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self.names: dict[int, str] = {}
        self.lines: list[str] = []
        self.weights = bytearray()

    def name(self, v: Value) -> str:
        key = id(v)
        if key not in self.names:
            raise ExportError(f"operand {v.id} ({v.desc}) is used before it is "
                              f"defined")
        return self.names[key]

    def define(self, v: Value) -> str:
        name = f"v{len(self.names)}"
        self.names[id(v)] = name
        return name

    def ref(self, arg: Any) -> str:
        if isinstance(arg, list):
            return "[" + ", ".join(self.name(a) for a in arg) + "]"
        return self.name(arg)

    def constant(self, v: Value) -> None:
        assert v.constant is not None
        dt = v.desc.data_type
        if dt in PACKED_TYPES:  # the packed bytes Chromium takes
            data = pack_int4(v.constant, dt)
        else:
            data = np.ascontiguousarray(v.constant,
                                        dtype=np.dtype(dt).newbyteorder("<"))
        pad = (-len(self.weights)) % _ALIGN
        self.weights.extend(b"\0" * pad)
        offset = len(self.weights)
        self.weights.extend(data.tobytes())
        n = int(data.size)
        name = self.define(v)
        self.lines.append(
            f"  const {name} = builder.constant({_js_desc(dt, v.desc.shape)}, "
            f"new {TYPED_ARRAYS[dt]}(weights, {offset}, {n}));")

    def node(self, node: Node) -> None:
        try:
            table = op_table(node.op)
        except KeyError:
            raise ExportError(f"unknown operator {node.op!r}") from None
        options_dict = table.get("options_dictionary")
        spec_opts: dict[str, Any] = table.get("options") or {}
        args: list[str] = []
        used: set[str] = set()
        for a in table["arguments"]:
            name, typ = a["name"], a["type"]
            if options_dict is not None and typ == options_dict:
                continue
            used.add(name)
            if typ in ("MLOperand", "sequence<MLOperand>"):
                if node.operands.get(name) is None:
                    raise ExportError(f"{node.op}: the required operand {name!r} "
                                      f"is missing")
                args.append(self.ref(node.operands[name]))
            elif name in node.attrs:
                args.append(_js_value(node.attrs[name]))
            else:
                raise ExportError(f"{node.op}: the required argument {name!r} is "
                                  f"missing from the IR")
        opts: list[str] = []
        for name, spec in spec_opts.items():
            if name == "label":
                continue
            used.add(name)
            if spec["type"] == "MLOperand":
                arg = node.operands.get(name)
                if arg is not None:
                    opts.append(f"{name}: {self.ref(arg)}")
                continue
            if name not in node.attrs or node.attrs[name] is None:
                continue
            value = node.attrs[name]
            if not _written(node, name):
                continue
            if spec["type"] == "MLNumber":
                text = _js_number(value, _input_desc(node).data_type)
            else:
                text = _js_value(value)
            opts.append(f"{name}: {text}")
        if node.label:
            opts.append(f"label: {json.dumps(node.label)}")
        unknown = (set(node.operands) | set(node.attrs)) - used
        if unknown:
            raise ExportError(f"{node.op}: the IR holds {sorted(unknown)}, which "
                              f"are not arguments of MLGraphBuilder.{node.op} in "
                              f"the API table")
        if opts:
            args.append("{" + ", ".join(opts) + "}")
        call = f"builder.{node.op}({', '.join(args)})"
        multi = table.get("returns", "").startswith("sequence<")
        if multi:
            outs = [self.define(o) for o in node.outputs]
            self.lines.append(f"  const [{', '.join(outs)}] = {call};")
        else:
            if len(node.outputs) != 1:
                raise ExportError(f"{node.op}: expected one output, the IR has "
                                  f"{len(node.outputs)}")
            self.lines.append(f"  const {self.define(node.outputs[0])} = {call};")


_RUNTIME = r"""
const F16 = globalThis.Float16Array ?? Uint16Array;  // Uint16Array: the same bits

/** The typed array for each MLOperandDataType. */
export const TYPED_ARRAYS = {
  float32: Float32Array, float16: F16, int32: Int32Array, uint32: Uint32Array,
  int64: BigInt64Array, uint64: BigUint64Array, int8: Int8Array, uint8: Uint8Array,
  int4: Uint8Array, uint4: Uint8Array,  // packed: two elements a byte
};

/** Numbers (one a element) packed as int4/uint4 bytes: element 2k in bits
 * 0-3 of byte k, element 2k+1 in bits 4-7. */
export function packInt4(values, dataType) {
  const lo = dataType === "int4" ? -8 : 0;
  const hi = lo + 15;
  const out = new Uint8Array(Math.ceil(values.length / 2));
  values.forEach((v, i) => {
    if (!Number.isInteger(v) || v < lo || v > hi) {
      throw new TypeError(
        `${dataType} value ${v} at index ${i} is not in [${lo}, ${hi}]`);
    }
    out[i >> 1] |= (v & 0xF) << ((i & 1) * 4);
  });
  return out;
}

/** `x` (a typed array, an ArrayBuffer or an array of numbers) as the typed
 * array of `dataType`. */
export function asTypedArray(x, dataType) {
  const T = TYPED_ARRAYS[dataType];
  if (x instanceof ArrayBuffer ||
      (typeof SharedArrayBuffer !== "undefined" && x instanceof SharedArrayBuffer)) {
    return new T(x);
  }
  if (ArrayBuffer.isView(x)) return x;
  if (dataType === "int4" || dataType === "uint4") return packInt4(x, dataType);
  const big = dataType === "int64" || dataType === "uint64";
  return T.from(x, big ? (v) => BigInt(v) : (v) => v);
}

/** The weights file's bytes (fetched next to this module). */
export async function loadWeights(url = new URL("./weights.bin", import.meta.url)) {
  if (WEIGHTS_BYTE_LENGTH === 0) return new ArrayBuffer(0);
  const response = await fetch(url);
  if (!response.ok) throw new Error(`cannot load ${url}: HTTP ${response.status}`);
  const weights = await response.arrayBuffer();
  if (weights.byteLength !== WEIGHTS_BYTE_LENGTH) {
    throw new Error(`${url} has ${weights.byteLength} bytes; ` +
                    `expected ${WEIGHTS_BYTE_LENGTH}`);
  }
  return weights;
}

/** Build the graph, create its tensors once; `run(inputs)` writes the
 * inputs, dispatches and reads every output (typed arrays by name). */
export async function createSession(context, weights) {
  const { graph } = await buildGraph(context, weights);
  // keys are the model's names: objects without a prototype, so that a
  // name such as "__proto__" or "constructor" is an ordinary key
  const inputTensors = Object.create(null);
  const outputTensors = Object.create(null);
  for (const [name, desc] of Object.entries(inputs)) {
    inputTensors[name] = await context.createTensor({ ...desc, writable: true });
  }
  for (const [name, desc] of Object.entries(outputs)) {
    outputTensors[name] = await context.createTensor({ ...desc, readable: true });
  }
  return {
    context,
    graph,
    async run(values) {
      for (const [name, desc] of Object.entries(inputs)) {
        if (!Object.hasOwn(values, name)) {
          throw new TypeError(`missing input ${JSON.stringify(name)}`);
        }
        const data = asTypedArray(values[name], desc.dataType);
        context.writeTensor(inputTensors[name], data);
      }
      context.dispatch(graph, inputTensors, outputTensors);
      const names = Object.keys(outputs);
      const buffers = await Promise.all(
        names.map((n) => context.readTensor(outputTensors[n])));
      return Object.fromEntries(names.map(
        (n, i) => [n, asTypedArray(buffers[i], outputs[n].dataType)]));
    },
    destroy() {
      graph.destroy();
      for (const t of Object.values(inputTensors)) t.destroy();
      for (const t of Object.values(outputTensors)) t.destroy();
    },
  };
}

/** Create a context (unless given), build, run once, return the outputs. */
export async function run(values, { context, contextOptions = {}, weights } = {}) {
  const ctx = context ?? await navigator.ml.createContext(contextOptions);
  const session = await createSession(ctx, weights);
  try {
    return await session.run(values);
  } finally {
    session.destroy();
  }
}
"""


def module_source(graph: Graph, *, name: str = "model") -> tuple[str, bytes]:
    """The ``model.js`` text and the ``weights.bin`` bytes for ``graph``."""
    import webnnpy

    w = _Writer(graph)
    input_descs = _js_record([(n, _js_desc(v.desc.data_type, v.desc.shape))
                              for n, v in graph.inputs.items()], multiline=True)
    output_descs = _js_record([(n, _js_desc(v.desc.data_type, v.desc.shape))
                               for n, v in graph.outputs.items()], multiline=True)
    for in_name, v in graph.inputs.items():
        var = w.define(v)
        w.lines.append(f"  const {var} = builder.input({json.dumps(in_name)}, "
                       f"inputs[{json.dumps(in_name)}]);")
    for c in graph.constants():
        w.constant(c)
    for node in graph.nodes:
        w.node(node)
    outs = _js_record([(n, w.name(v)) for n, v in graph.outputs.items()])
    n_ops = len(graph.nodes)
    ops = sorted({n.op for n in graph.nodes})
    head = [
        f"// {name}.js: generated by webnnpy {webnnpy.__version__} from a WebNN graph "
        f"({n_ops} operators: {', '.join(ops)}).",
        f"// WebNN spec: webmachinelearning/webnn@{SPEC_COMMIT[:12]}. Weights: "
        f"weights.bin ({len(w.weights)} bytes).",
        "// Usage: `import { run } from './model.js';` then "
        "`const outputs = await run({...});`",
        "",
        f"export const WEIGHTS_BYTE_LENGTH = {len(w.weights)};",
        "",
        "/** The graph's inputs and outputs (MLOperandDescriptor by name). */",
        "// (Object.fromEntries, not object literals: a name such as __proto__",
        "// stays a name.)",
        f"export const inputs = {input_descs};",
        f"export const outputs = {output_descs};",
    ]
    body = [
        "",
        "/** Build the graph on `context` (an MLContext); `weights` is the",
        " * weights file's ArrayBuffer (fetched next to this module if omitted). */",
        "export async function buildGraph(context, weights) {",
        "  weights ??= await loadWeights();",
        "  const builder = new MLGraphBuilder(context);",
        *w.lines,
        f"  const graph = await builder.build({outs});",
        "  return { graph, inputs, outputs };",
        "}",
    ]
    text = "\n".join(head) + "\n" + _RUNTIME + "\n".join(body) + "\n"
    return text, bytes(w.weights)


def export_ir(graph: Graph, outdir: str | os.PathLike[str], *,
              name: str = "model") -> ExportResult:
    """Write ``<name>.js`` and ``weights.bin`` for an IR graph into ``outdir``.

    Raises:
        ExportError: an output is produced by no operator, input or constant
            (a graph loaded with ``MLContext.load_graph`` holds only the
            backend's compiled form, not the operators).
    """
    for out_name, v in graph.outputs.items():
        if v.producer is None and not v.is_input and not v.is_constant:
            raise ExportError(
                f"export: output {out_name!r} is produced by no operator: the graph "
                "holds no operators to write (a graph from MLContext.load_graph keeps "
                "only the backend's compiled form); export the graph as built instead")
    text, weights = module_source(graph, name=name)
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    module = out / f"{name}.js"
    weights_path = out / "weights.bin"
    module.write_text(text, encoding="utf-8")
    weights_path.write_bytes(weights)
    return ExportResult(module, weights_path)


def export(graph: Any, outdir: str | os.PathLike[str], *,
           name: str = "model") -> ExportResult:
    """Write ``graph`` (an ``MLGraph``, an imported ONNX model or an IR
    ``Graph``) as ``outdir/model.js`` plus ``outdir/weights.bin``; returns
    their paths.

    Raises:
        ExportError: the graph holds an operator or argument that is not in
            the spec's API table.
        TypeError: ``graph`` is neither an MLGraph nor an IR Graph.
    """
    if not isinstance(graph, Graph) and not hasattr(graph, "_ir") \
            and hasattr(graph, "graph"):
        if graph.graph is None:  # an imported model with free dimensions
            free = ", ".join(getattr(graph, "free_dims", []) or ["?"])
            raise ExportError(
                f"export: the model has free dimensions ({free}) and WebNN graphs "
                f"are static: export one module per shape signature with "
                f"webnnpy.models.javascript.export_signatures(model, outdir, "
                f"[{{...}}, ...]) (webnnpy export --signature NAME=N ...)")
        graph = graph.graph  # an imported model (webnnpy.models.onnx.load)
    ir = getattr(graph, "_ir", graph)
    if not isinstance(ir, Graph):
        raise TypeError(f"export: expected an MLGraph, got {type(graph).__name__}")
    if getattr(graph, "_dynamic", None) is not None:
        raise ExportError(
            "export: the graph has dynamic input dimensions (an extension no "
            "browser ships): build it with fixed sizes to export it")
    return export_ir(ir, outdir, name=name)
