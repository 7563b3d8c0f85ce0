"""The NumPy backend's compiled form on disk (for the graph cache): the IR.

``graph.json`` holds the inputs, the nodes (op, operands by value index,
attributes, outputs, label) and the outputs; ``constants.bin`` holds every
constant's bytes, each at a 64-byte aligned offset that ``graph.json``
records with its data type and shape.  Attributes are JSON values (tuples
are tagged, so they come back as tuples); a graph with an attribute of any
other type is not saved (UnsupportedError), never saved wrongly.  No pickle:
loading runs no code from the files.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from webnnpy.backends.errors import UnsupportedError
from webnnpy.dtypes import DATA_TYPES, PACKED_TYPES, numpy_dtype
from webnnpy.ir.descriptor import Desc
from webnnpy.ir.graph import Graph, Node, Value

__all__ = ["FORMAT", "read_graph", "write_graph"]

FORMAT = "webnnpy-ir/1"
GRAPH_FILE = "graph.json"
CONSTANTS_FILE = "constants.bin"
_ALIGN = 64


def _attr_out(where: str, v: Any) -> Any:
    if v is None or isinstance(v, bool | int | float | str):
        return v
    if isinstance(v, np.generic):
        return _attr_out(where, v.item())
    if isinstance(v, list):
        return [_attr_out(where, x) for x in v]
    if isinstance(v, tuple):
        return {"tuple": [_attr_out(where, x) for x in v]}
    if isinstance(v, dict) and all(isinstance(k, str) for k in v):
        return {"dict": {k: _attr_out(where, x) for k, x in v.items()}}
    raise UnsupportedError(f"the numpy backend cannot save {where}: a "
                           f"{type(v).__name__} attribute")


def _attr_in(v: Any) -> Any:
    if isinstance(v, list):
        return [_attr_in(x) for x in v]
    if isinstance(v, dict):
        if set(v) == {"tuple"}:
            return tuple(_attr_in(x) for x in v["tuple"])
        if set(v) == {"dict"}:
            return {k: _attr_in(x) for k, x in v["dict"].items()}
        raise ValueError(f"unknown attribute encoding {sorted(v)}")
    return v


def write_graph(graph: Graph, directory: Path) -> dict[str, Any]:
    """Write ``graph`` into ``directory``; returns the metadata to read it."""
    index: dict[int, int] = {}
    values: list[dict[str, Any]] = []
    blob = bytearray()

    def ref(v: Value) -> int:
        i = index.get(id(v))
        if i is not None:
            return i
        i = index[id(v)] = len(values)
        rec: dict[str, Any] = {"data_type": v.desc.data_type,
                               "shape": list(v.desc.shape), "id": v.id}
        if v.input_name is not None:
            rec["input"] = v.input_name
        if v.constant is not None:
            arr = np.ascontiguousarray(v.constant)
            data = arr.tobytes()
            rec["dtype"] = arr.dtype.str
            pad = -len(blob) % _ALIGN
            blob.extend(b"\0" * pad)
            rec["offset"], rec["nbytes"] = len(blob), len(data)
            blob.extend(data)
        values.append(rec)
        return i

    inputs = {n: ref(v) for n, v in graph.inputs.items()}
    nodes = []
    for node in graph.nodes:
        operands: dict[str, Any] = {}
        for k, a in node.operands.items():
            operands[k] = (None if a is None else [ref(x) for x in a]
                           if isinstance(a, list) else ref(a))
        attrs = {k: _attr_out(f"{node.op}'s {k}", a) for k, a in node.attrs.items()}
        nodes.append({"op": node.op, "operands": operands, "attrs": attrs,
                      "outputs": [ref(o) for o in node.outputs],
                      "label": node.label})
    outputs = {n: ref(v) for n, v in graph.outputs.items()}
    doc = {"format": FORMAT, "values": values, "inputs": inputs, "nodes": nodes,
           "outputs": outputs}
    (directory / GRAPH_FILE).write_text(json.dumps(doc))
    (directory / CONSTANTS_FILE).write_bytes(bytes(blob))
    return {"format": FORMAT}


def read_graph(directory: Path) -> Graph:
    """The graph ``write_graph`` wrote (ValueError/KeyError/TypeError if the
    files are not such a graph)."""
    doc = json.loads((directory / GRAPH_FILE).read_text())
    if doc.get("format") != FORMAT:
        raise ValueError(f"not a {FORMAT} graph: {doc.get('format')!r}")
    blob = np.fromfile(directory / CONSTANTS_FILE, dtype=np.uint8)
    values: list[Value] = []
    for rec in doc["values"]:
        dt = rec["data_type"]
        if dt not in DATA_TYPES:
            raise ValueError(f"unknown data type {dt!r}")
        shape = tuple(int(x) for x in rec["shape"])
        desc = Desc(dt, shape)
        const = None
        if "offset" in rec:
            off, n = int(rec["offset"]), int(rec["nbytes"])
            if off < 0 or off + n > blob.size:
                raise ValueError("a constant lies outside constants.bin")
            np_dt = numpy_dtype(dt) if dt in PACKED_TYPES \
                else np.dtype(rec.get("dtype", numpy_dtype(dt)))
            if np_dt.kind not in "biuf" and dt not in PACKED_TYPES:
                raise ValueError(f"a constant of NumPy dtype {np_dt} is not a "
                                 f"tensor")
            const = blob[off:off + n].view(np_dt).reshape(shape)
            const.flags.writeable = False
        values.append(Value(desc, input_name=rec.get("input"), constant=const,
                            id=int(rec["id"])))

    def val(i: Any) -> Value:
        if type(i) is not int or not 0 <= i < len(values):
            raise ValueError(f"bad value index {i!r}")
        return values[i]

    nodes = []
    for rec in doc["nodes"]:
        operands: dict[str, Any] = {}
        for k, a in rec["operands"].items():
            operands[k] = (None if a is None else [val(x) for x in a]
                           if isinstance(a, list) else val(a))
        node = Node(rec["op"], operands, {k: _attr_in(a) for k, a in
                                          rec["attrs"].items()},
                    [val(o) for o in rec["outputs"]], rec.get("label", ""))
        for o in node.outputs:
            o.producer = node
        nodes.append(node)
    return Graph({n: val(i) for n, i in doc["inputs"].items()},
                 {n: val(i) for n, i in doc["outputs"].items()}, nodes)
