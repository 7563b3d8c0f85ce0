"""Malformed and hostile ONNX files for the importer.

A few small valid models (an MLP, a convolution, a shape computation that
import folds, an If, a model with external data) are broken in every way a
careless tool or an attacker would: truncated and flipped bytes, huge or
negative declared dimensions, initializers whose data does not match their
shape, cycles, deep If/Loop nesting, external data outside the model's folder
or missing.  ``webnnpy.models.onnx.load`` and ``inspect`` must succeed or
raise an ``OnnxImportError`` (a subclass), within bounded time and memory.

Cases run in a child process (``python -m tests.fuzz.onnx_files --worker``)
whose address space is capped (``RLIMIT_AS``) at :data:`HEADROOM` above what
it holds after its imports, each under a SIGALRM time limit; the child
reports each case's outcome as one JSON line.

A second family, :func:`op_mutations`, starts from one-op models of most
mapped ops (and of the ONNX Runtime contrib ops the importer maps) and
changes what handlers read: attribute values (extremes), attribute types,
attributes added or removed, initializer values, shapes and types, graph
input shapes and types, inputs removed or renamed, the opset.

``python -m tests.fuzz onnx --minutes N [--seed S]`` runs random mutations of
both families for N minutes; ``tests/test_fuzz_importer.py`` runs the named
cases and a fixed number of each.  A finding is fixed at its cause in the
importer and becomes a named case of
``test_hostile_onnx_file_raises_onnx_import_error`` in
tests/test_fuzz_regressions.py ("mutation", "op-mutation" or
"contrib-mutation" SEED/INDEX regenerates it).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "CASE_SECONDS",
    "HEADROOM",
    "Case",
    "base_models",
    "main",
    "mutations",
    "named_cases",
    "op_models",
    "op_mutations",
    "run_cases",
]

#: address space the child may use beyond what it holds after its imports
HEADROOM = 1536 << 20
#: time one case (load + inspect) may take
CASE_SECONDS = 20


# ------------------------------------------------------------------ models


def _onnx() -> Any:
    import onnx
    return onnx


def _model(nodes: list[Any], inputs: list[Any], outputs: list[Any],
           inits: list[Any] = (), opset: int = 17) -> Any:
    onnx = _onnx()
    from onnx import helper
    g = helper.make_graph(nodes, "g", inputs, outputs, initializer=list(inits))
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = 8
    del onnx
    return m


def _vi(name: str, shape: Any, elem: int | None = None) -> Any:
    from onnx import TensorProto, helper
    return helper.make_tensor_value_info(name, elem or TensorProto.FLOAT, shape)


def _init(name: str, arr: np.ndarray) -> Any:
    from onnx import numpy_helper
    return numpy_helper.from_array(arr, name)


def base_models() -> dict[str, Any]:
    """Small valid models, by name."""
    from onnx import TensorProto, helper
    rng = np.random.default_rng(0)
    f = np.float32
    mlp = _model(
        [helper.make_node("MatMul", ["x", "w"], ["m"], name="mm"),
         helper.make_node("Add", ["m", "b"], ["a"], name="add"),
         helper.make_node("Relu", ["a"], ["y"], name="relu")],
        [_vi("x", [2, 4])], [_vi("y", [2, 3])],
        [_init("w", rng.standard_normal((4, 3)).astype(f)),
         _init("b", rng.standard_normal(3).astype(f))])
    conv = _model(
        [helper.make_node("Conv", ["x", "w"], ["c"], name="conv", pads=[1, 1, 1, 1]),
         helper.make_node("MaxPool", ["c"], ["y"], name="pool", kernel_shape=[2, 2])],
        [_vi("x", [1, 2, 4, 4])], [_vi("y", [1, 3, 2, 2])],
        [_init("w", rng.standard_normal((3, 2, 3, 3)).astype(f))])
    shape = _model(
        [helper.make_node("Shape", ["x"], ["s"], name="shape"),
         helper.make_node("Gather", ["s", "i"], ["d"], name="gather", axis=0),
         helper.make_node("Concat", ["d", "m1"], ["ns"], name="concat", axis=0),
         helper.make_node("Reshape", ["x", "ns"], ["y"], name="reshape")],
        [_vi("x", ["batch", 2, 3])], [_vi("y", None)],
        [_init("i", np.array([0], np.int64)), _init("m1", np.array([-1], np.int64))])
    then_g = helper.make_graph([helper.make_node("Neg", ["x"], ["t"])], "then", [],
                               [_vi("t", [3])])
    else_g = helper.make_graph([helper.make_node("Abs", ["x"], ["e"])], "else", [],
                               [_vi("e", [3])])
    cond = _model(
        [helper.make_node("If", ["c"], ["y"], name="if", then_branch=then_g,
                          else_branch=else_g)],
        [_vi("x", [3])], [_vi("y", [3])], [_init("c", np.array(True))])
    loop_body = helper.make_graph(
        [helper.make_node("Identity", ["cond_in"], ["cond_out"]),
         helper.make_node("Add", ["acc_in", "x"], ["acc_out"])], "body",
        [_vi("iter", [], TensorProto.INT64), _vi("cond_in", [], TensorProto.BOOL),
         _vi("acc_in", [3])],
        [_vi("cond_out", [], TensorProto.BOOL), _vi("acc_out", [3])])
    loop = _model(
        [helper.make_node("Loop", ["n", "t", "z"], ["y"], name="loop", body=loop_body)],
        [_vi("x", [3])], [_vi("y", [3])],
        [_init("n", np.array(3, np.int64)), _init("t", np.array(True)),
         _init("z", np.zeros(3, f))])
    return {"mlp": mlp, "conv": conv, "shape": shape, "if": cond, "loop": loop}


# ------------------------------------------------------------------ cases


class Case:
    """One file to import: ``make(folder)`` writes what it needs under
    ``folder`` and returns the model argument for load/inspect (a path or
    bytes) and the load keyword arguments."""

    def __init__(self, name: str, make: Callable[[Path], tuple[Any, dict]]) -> None:
        self.name = name
        self.make = make


def _bytes_case(name: str, data: bytes, **kw: Any) -> Case:
    return Case(name, lambda d: (data, kw))


def _file_case(name: str, data: bytes, files: dict[str, bytes] | None = None,
               **kw: Any) -> Case:
    def make(folder: Path) -> tuple[Any, dict]:
        sub = folder / "model"
        sub.mkdir(exist_ok=True)
        for rel, content in (files or {}).items():
            p = (sub / rel)
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_bytes(content)
        path = sub / "model.onnx"
        path.write_bytes(data)
        return str(path), kw

    return Case(name, make)


def _external(location: str, *, offset: int | str | None = None,
              length: int | None = None) -> bytes:
    """The MLP with its weight ``w`` as external data at ``location``."""
    from onnx import TensorProto
    m = base_models()["mlp"]
    w = m.graph.initializer[0]
    w.ClearField("float_data")
    w.ClearField("raw_data")
    w.data_location = TensorProto.EXTERNAL
    entries = {"location": location}
    if offset is not None:
        entries["offset"] = str(offset)
    if length is not None:
        entries["length"] = str(length)
    for k, v in entries.items():
        e = w.external_data.add()
        e.key, e.value = k, v
    return m.SerializeToString()


def _nested_if(depth: int) -> bytes:
    from onnx import helper
    inner = helper.make_graph([helper.make_node("Neg", ["x"], ["o0"])], "leaf", [],
                              [_vi("o0", [3])])
    for k in range(1, depth + 1):
        other = helper.make_graph([helper.make_node("Abs", ["x"], [f"a{k}"])],
                                  f"e{k}", [], [_vi(f"a{k}", [3])])
        node = helper.make_node("If", ["c"], [f"o{k}"], then_branch=inner,
                                else_branch=other)
        inner = helper.make_graph([node], f"t{k}", [], [_vi(f"o{k}", [3])])
    m = _model(list(inner.node), [_vi("x", [3])], [_vi(f"o{depth}", [3])],
               [_init("c", np.array(True))])
    return m.SerializeToString()


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _ld(field: int, payload: bytes | str) -> bytes:
    """A length-delimited protobuf field."""
    if isinstance(payload, str):
        payload = payload.encode()
    return _varint(field << 3 | 2) + _varint(len(payload)) + payload


def _deep_if_bytes(depth: int) -> bytes:
    """An If nested ``depth`` deep, encoded by hand (onnx.helper copies
    through protobuf, which refuses messages nested over 100 deep)."""
    from onnx import helper
    out_vi = _vi("o", [3]).SerializeToString()
    leaf = helper.make_graph([helper.make_node("Neg", ["x"], ["o"])], "leaf", [],
                             [_vi("o", [3])]).SerializeToString()
    inner = leaf
    for _ in range(depth):
        def attr(name: str, g: bytes) -> bytes:
            return _ld(1, name) + _ld(6, g) + _varint(20 << 3) + _varint(5)
        node = (_ld(1, "c") + _ld(2, "o") + _ld(4, "If")
                + _ld(5, attr("then_branch", inner)) + _ld(5, attr("else_branch", leaf)))
        inner = _ld(1, node) + _ld(2, "g") + _ld(12, out_vi)
    graph = (inner + _ld(5, _init("c", np.array(True)).SerializeToString())
             + _ld(11, _vi("x", [3]).SerializeToString()))
    opset = _varint(2 << 3) + _varint(17)  # OperatorSetIdProto.version
    return (_varint(1 << 3) + _varint(8) + _ld(7, graph) + _ld(8, opset))


def _nested_loop(depth: int, trip: int) -> bytes:
    from onnx import TensorProto, helper
    body = None
    for k in range(depth):
        nodes = [helper.make_node("Identity", [f"ci{k}"], [f"co{k}"])]
        if body is None:
            nodes.append(helper.make_node("Add", [f"ai{k}", "x"], [f"ao{k}"]))
        else:
            nodes.append(helper.make_node("Loop", ["n", "t", f"ai{k}"], [f"ao{k}"],
                                          body=body))
        body = helper.make_graph(
            nodes, f"b{k}",
            [_vi(f"it{k}", [], TensorProto.INT64), _vi(f"ci{k}", [], TensorProto.BOOL),
             _vi(f"ai{k}", [3])],
            [_vi(f"co{k}", [], TensorProto.BOOL), _vi(f"ao{k}", [3])])
    m = _model([helper.make_node("Loop", ["n", "t", "z"], ["y"], body=body)],
               [_vi("x", [3])], [_vi("y", [3])],
               [_init("n", np.array(trip, np.int64)), _init("t", np.array(True)),
                _init("z", np.zeros(3, np.float32))])
    return m.SerializeToString()


def named_cases() -> list[Case]:
    """The hand-made hostile cases."""
    from onnx import TensorProto, helper, numpy_helper
    base = base_models()
    mlp = base["mlp"].SerializeToString()
    cases: list[Case] = []
    add = cases.append
    # not ONNX at all
    add(_bytes_case("empty bytes", b""))
    add(_bytes_case("text", b"hello, this is not a model\n" * 10))
    add(_bytes_case("npy header", b"\x93NUMPY\x01\x00v\x00{'descr': '<f4'}"))
    add(_file_case("empty file", b""))
    add(_file_case("garbage file", bytes(range(256)) * 8))
    for k in (1, 7, len(mlp) // 3, len(mlp) // 2, len(mlp) - 5, len(mlp) - 1):
        add(_bytes_case(f"mlp truncated to {k} bytes", mlp[:k]))
        add(_file_case(f"mlp file truncated to {k} bytes", mlp[:k]))
    # huge, zero and negative declared dims
    for dims in ([1 << 40, 4], [10**12, 10**12], [-5, 4], [0, 4], [2, 1 << 62],
                 ["n", 4]):
        m = base_models()["mlp"]
        m.graph.input[0].type.tensor_type.shape.Clear()
        for d in dims:
            dim = m.graph.input[0].type.tensor_type.shape.dim.add()
            if isinstance(d, str):
                dim.dim_param = d
            else:
                dim.dim_value = d
        add(_bytes_case(f"input dims {dims}", m.SerializeToString()))
    add(_bytes_case("dims= huge", mlp, dims={"x": [1 << 40, 4]}))
    m = base_models()["shape"]
    add(_bytes_case("free dim batch=2**40", m.SerializeToString(),
                    dims={"batch": 1 << 40}))
    add(_bytes_case("free dim batch=-3", m.SerializeToString(), dims={"batch": -3}))
    # an initializer whose declared dims do not match its data
    for dims in ([1 << 40, 3], [4, 3, 1 << 30], [0, 3], [7, 3]):
        m = base_models()["mlp"]
        w = m.graph.initializer[0]
        del w.dims[:]
        w.dims.extend(dims)
        add(_bytes_case(f"initializer w dims {dims}, 12 values", m.SerializeToString()))
    m = base_models()["mlp"]
    m.graph.initializer[0].data_type = TensorProto.DOUBLE
    add(_bytes_case("initializer raw data of the wrong type size", m.SerializeToString()))
    m = base_models()["mlp"]
    m.graph.initializer[0].data_type = TensorProto.STRING
    add(_bytes_case("initializer of type string", m.SerializeToString()))
    m = base_models()["mlp"]
    m.graph.initializer[0].data_type = 999
    add(_bytes_case("initializer of an unknown type", m.SerializeToString()))
    # folding what a file merely declares (issue #11 D5)
    for shape in ([20000, 20000], [60000, 60000], [1 << 31, 1 << 31]):
        add(_bytes_case(f"ConstantOfShape {shape}", _model(
            [helper.make_node("ConstantOfShape", ["s"], ["c"], name="huge",
                              value=numpy_helper.from_array(np.ones(1, np.float32))),
             helper.make_node("ReduceSum", ["c"], ["r"], keepdims=0),
             helper.make_node("Add", ["r", "x"], ["y"])],
            [_vi("x", [1])], [_vi("y", None)],
            [_init("s", np.array(shape, np.int64))]).SerializeToString()))
    add(_bytes_case("Range(0, 3e9)", _model(
        [helper.make_node("Range", ["a", "b", "d"], ["c"], name="long"),
         helper.make_node("ReduceSum", ["c"], ["r"], keepdims=0),
         helper.make_node("Cast", ["r"], ["rf"], to=TensorProto.FLOAT),
         helper.make_node("Add", ["rf", "x"], ["y"])],
        [_vi("x", [1])], [_vi("y", None)],
        [_init(n, np.array(v, np.int64)) for n, v in
         (("a", 0), ("b", 3 * 10**9), ("d", 1))]).SerializeToString()))
    for op, extra in (("Expand", np.array([1 << 20, 1 << 20], np.int64)),
                      ("Tile", np.array([1 << 30], np.int64)),
                      ("Reshape", np.array([1 << 40, -1], np.int64))):
        add(_bytes_case(f"{op} to a huge shape", _model(
            [helper.make_node(op, ["x", "s"], ["y"], name=op.lower())],
            [_vi("x", [1])], [_vi("y", None)], [_init("s", extra)]
        ).SerializeToString()))
    # cycles
    add(_bytes_case("two nodes in a cycle", _model(
        [helper.make_node("Add", ["x", "b"], ["a"], name="n1"),
         helper.make_node("Relu", ["a"], ["b"], name="n2"),
         helper.make_node("Identity", ["a"], ["y"], name="n3")],
        [_vi("x", [3])], [_vi("y", [3])]).SerializeToString()))
    add(_bytes_case("a node that consumes its own output", _model(
        [helper.make_node("Add", ["x", "y"], ["y"], name="self")],
        [_vi("x", [3])], [_vi("y", [3])]).SerializeToString()))
    add(_bytes_case("an output no node makes", _model(
        [helper.make_node("Relu", ["x"], ["r"])],
        [_vi("x", [3])], [_vi("y", [3])]).SerializeToString()))
    add(_bytes_case("two nodes make one value", _model(
        [helper.make_node("Relu", ["x"], ["y"]), helper.make_node("Neg", ["x"], ["y"])],
        [_vi("x", [3])], [_vi("y", [3])]).SerializeToString()))
    add(_bytes_case("a node with an empty op type", _model(
        [helper.make_node("", ["x"], ["y"])],
        [_vi("x", [3])], [_vi("y", [3])]).SerializeToString()))
    add(_bytes_case("an unknown op domain", _model(
        [helper.make_node("Relu", ["x"], ["y"], domain="evil.example")],
        [_vi("x", [3])], [_vi("y", [3])]).SerializeToString()))
    for opset in (0, 1, 999):
        m = base_models()["mlp"]
        m.opset_import[0].version = opset
        add(_bytes_case(f"opset {opset}", m.SerializeToString()))
    m = base_models()["mlp"]
    del m.opset_import[:]
    add(_bytes_case("no opset import", m.SerializeToString()))
    # nodes missing inputs or attributes
    m = base_models()["conv"]
    m.graph.node[1].op_type = "Add"
    add(_bytes_case("Add with one input", m.SerializeToString()))
    add(_bytes_case("Conv with no inputs", _model(
        [helper.make_node("Conv", [], ["y"], name="conv")],
        [_vi("x", [1, 1, 3, 3])], [_vi("y", None)]).SerializeToString()))
    for attr in ("then_branch", "else_branch"):
        m = base_models()["if"]
        a = m.graph.node[0].attribute
        del a[[x.name for x in a].index(attr)]
        add(_bytes_case(f"If without {attr}", m.SerializeToString()))
    add(_bytes_case("Einsum without equation", _model(
        [helper.make_node("Einsum", ["x", "x"], ["y"], name="einsum")],
        [_vi("x", [3])], [_vi("y", None)]).SerializeToString()))
    add(_bytes_case("Cast without to", _model(
        [helper.make_node("Cast", ["x"], ["y"], name="cast")],
        [_vi("x", [3])], [_vi("y", None)]).SerializeToString()))
    add(_bytes_case("Relu of an empty input name", _model(
        [helper.make_node("Relu", [""], ["y"], name="relu")],
        [_vi("x", [3])], [_vi("y", None)]).SerializeToString()))
    add(_bytes_case("Range of 1-D inputs", _model(
        [helper.make_node("Range", ["a", "a", "a"], ["y"], name="range")],
        [_vi("x", [3])], [_vi("y", None)],
        [_init("a", np.array([1.0, 2.0], np.float32))]).SerializeToString()))
    m = base_models()["mlp"]
    m.graph.initializer[1].data_type = 0
    add(_bytes_case("initializer of data type UNDEFINED", m.SerializeToString()))
    # deep nesting
    for depth in (3, 25):
        add(_bytes_case(f"If nested {depth} deep", _nested_if(depth)))
    for depth in (3, 40, 400):
        add(_bytes_case(f"If nested {depth} deep (hand-encoded)",
                        _deep_if_bytes(depth)))
    for depth, trip in ((3, 2), (8, 2), (30, 1), (4, 10**6)):
        add(_bytes_case(f"Loop nested {depth} deep, {trip} trips",
                        _nested_loop(depth, trip)))
    add(_bytes_case("Loop of 10**12 trips", _nested_loop(1, 10**12)))
    # external data
    w = base_models()["mlp"].graph.initializer[0]
    raw = numpy_helper.to_array(w).tobytes()
    add(_file_case("external data present", _external("w.bin"), {"w.bin": raw}))
    add(_file_case("external data missing", _external("w.bin")))
    add(_file_case("external data outside the folder (..)",
                   _external("../outside.bin"), {"../outside.bin": raw}))
    add(_file_case("external data at an absolute path", _external("/etc/passwd")))
    add(_file_case("external data in a subfolder", _external("sub/w.bin"),
                   {"sub/w.bin": raw}))
    add(_file_case("external data too short", _external("w.bin"),
                   {"w.bin": raw[:10]}))
    add(_file_case("external data offset past the end",
                   _external("w.bin", offset=1 << 40, length=len(raw)),
                   {"w.bin": raw}))
    add(_file_case("external data length 2**40",
                   _external("w.bin", length=1 << 40), {"w.bin": raw}))
    add(_file_case("external data negative offset",
                   _external("w.bin", offset=-8), {"w.bin": raw}))
    add(_file_case("external data is a folder", _external("sub"), {"sub/x": b""}))
    add(_bytes_case("external data from bytes without a folder", _external("w.bin")))
    add(_file_case("external data offset not a number",
                   _external("w.bin", offset="0x10"), {"w.bin": raw}))
    # sparse initializers and tensor attributes that disagree with their dims
    for what, (values, indices, dims) in {
            "an index outside its dims": ([1.0], [12], [4, 3]),
            "indices of the wrong shape": ([1.0, 2.0], [[0, 1, 2]], [4, 3]),
            "dims [2**31, 2**31]": ([1.0], [5], [1 << 31, 1 << 31]),
            "a negative index": ([1.0], [-1], [4, 3])}.items():
        m = base_models()["mlp"]
        del m.graph.initializer[0]
        m.graph.sparse_initializer.append(helper.make_sparse_tensor(
            _init("w", np.array(values, np.float32)),
            _init("w_idx", np.array(indices, np.int64)), dims))
        add(_bytes_case(f"sparse initializer with {what}", m.SerializeToString()))
    bad = _init("v", np.ones(4, np.float32))
    bad.dims[0] = 5
    add(_bytes_case("Constant of 4 values for dims [5]", _model(
        [helper.make_node("Constant", [], ["c"], name="k", value=bad),
         helper.make_node("Add", ["c", "x"], ["y"])],
        [_vi("x", [5])], [_vi("y", None)]).SerializeToString()))
    m = base_models()["mlp"]
    m.graph.initializer[0].dims[0] = -4
    add(_bytes_case("initializer w dims [-4, 3]", m.SerializeToString()))
    m = base_models()["mlp"]
    m.graph.initializer[1].ClearField("raw_data")
    m.graph.initializer[1].float_data.extend([1.0, 2.0])
    add(_bytes_case("initializer b of 2 float_data values for dims [3]",
                    m.SerializeToString()))
    fn = helper.make_function("local", "F", ["x"], ["y"],
                              [helper.make_node("F", ["x"], ["y"], domain="local")],
                              [helper.make_opsetid("", 17),
                               helper.make_opsetid("local", 1)])
    m = _model([helper.make_node("F", ["x"], ["y"], domain="local")],
               [_vi("x", [3])], [_vi("y", [3])])
    m.opset_import.append(helper.make_opsetid("local", 1))
    m.functions.append(fn)
    add(_bytes_case("a recursive local function", m.SerializeToString()))
    return cases


_OP_TYPES = ("Relu", "Conv", "If", "Loop", "Gather", "Reshape", "MatMul", "Add",
             "Slice", "Resize", "Pad", "Concat", "Split", "Shape", "Cast", "Expand",
             "ConstantOfShape", "Range", "TopK", "Scan", "LSTM", "Einsum")


def _structural(rng: np.random.Generator, model: Any) -> str:
    """Change ``model`` in one random structural way; say how."""
    g = model.graph
    node = g.node[int(rng.integers(0, len(g.node)))] if len(g.node) else None
    kind = int(rng.integers(0, 8))
    if kind == 0 and node is not None and len(node.attribute):
        k = int(rng.integers(0, len(node.attribute)))
        name = node.attribute[k].name
        del node.attribute[k]
        return f"attribute {name!r} of {node.op_type} removed"
    if kind == 1 and node is not None:
        old, node.op_type = node.op_type, str(rng.choice(_OP_TYPES))
        return f"{old} made {node.op_type}"
    if kind == 2 and node is not None and len(node.input):
        names = [*(v.name for v in g.input), *(t.name for t in g.initializer),
                 *(o for n in g.node for o in n.output), "", "nowhere"]
        k = int(rng.integers(0, len(node.input)))
        node.input[k] = str(rng.choice(names))
        return f"{node.op_type} input {k} made {node.input[k]!r}"
    if kind == 3 and len(g.input):
        vi = g.input[int(rng.integers(0, len(g.input)))]
        dims = vi.type.tensor_type.shape.dim
        if len(dims):
            d = dims[int(rng.integers(0, len(dims)))]
            d.dim_value = int(rng.choice([0, 1, 3, 1 << 31, 1 << 40, (1 << 63) - 1]))
            return f"input {vi.name} dim made {d.dim_value}"
    if kind == 4 and len(g.initializer):
        t = g.initializer[int(rng.integers(0, len(g.initializer)))]
        t.data_type = int(rng.integers(0, 26))
        return f"initializer {t.name} data_type made {t.data_type}"
    if kind == 5 and len(g.initializer):
        t = g.initializer[int(rng.integers(0, len(g.initializer)))]
        if len(t.dims):
            k = int(rng.integers(0, len(t.dims)))
            t.dims[k] = int(rng.choice([0, 1, 2, 1 << 40, -1]))
            return f"initializer {t.name} dim {k} made {t.dims[k]}"
    if kind == 6 and len(g.initializer):
        k = int(rng.integers(0, len(g.initializer)))
        name = g.initializer[k].name
        del g.initializer[k]
        return f"initializer {name} removed"
    if len(model.opset_import):
        model.opset_import[0].version = int(rng.integers(1, 26))
        return f"opset made {model.opset_import[0].version}"
    return "unchanged"


def mutations(seed: int, count: int) -> Iterator[Case]:
    """``count`` random mutations of the base models: half structural (an
    attribute removed, an op type, input, dim, data type or opset changed,
    an initializer removed), half on the bytes."""
    rng = np.random.default_rng(seed)
    protos = base_models()
    models = {k: v.SerializeToString() for k, v in protos.items()}
    names = sorted(models)
    for i in range(count):
        name = names[int(rng.integers(0, len(names)))]
        if rng.random() < 0.5:
            m = type(protos[name])()
            m.CopyFrom(protos[name])
            what = "; ".join(_structural(rng, m)
                             for _ in range(int(rng.integers(1, 3))))
            yield _bytes_case(f"mutation {seed}/{i}: {name} {what}",
                              m.SerializeToString())
            continue
        data = bytearray(models[name])
        kind = int(rng.integers(0, 4))
        if kind == 0:  # truncate
            k = int(rng.integers(0, len(data)))
            out, what = bytes(data[:k]), f"truncated to {k}"
        elif kind == 1:  # flip bytes
            n = int(rng.integers(1, 6))
            pos = rng.integers(0, len(data), n)
            for p in pos:
                data[p] ^= int(rng.integers(1, 256))
            out, what = bytes(data), f"bytes {sorted(pos.tolist())} flipped"
        elif kind == 2:  # a varint made huge
            p = int(rng.integers(0, len(data)))
            data[p:p + 1] = b"\xff\xff\xff\xff\xff\xff\xff\xff\x7f"
            out, what = bytes(data), f"huge varint at {p}"
        else:  # a slice duplicated
            a = int(rng.integers(0, len(data)))
            b = int(rng.integers(a, min(len(data), a + 40) + 1))
            out, what = bytes(data[:b] + data[a:]), f"bytes {a}:{b} repeated"
        yield _bytes_case(f"mutation {seed}/{i}: {name} {what}", out)


# ------------------------------------------------------------- op mutations

#: (op, inputs, attributes, outputs, opset): one node per model; an input
#: named in _OP_GRAPH_INPUTS is a graph input, any other an initializer.
#: Never change a family: recorded findings regenerate from its seed/index
#: (its sorted names and their count decide the draws); add ops as a new
#: family in :data:`OP_FAMILIES`
_OP_SPECS: tuple[tuple[str, tuple[str, ...], dict[str, Any], int, int], ...] = (
    ("Conv", ("x4", "w"), dict(pads=[1, 1, 1, 1], strides=[1, 1], dilations=[1, 1],
                               group=1, kernel_shape=[3, 3]), 1, 17),
    ("ConvTranspose", ("x4", "wt"), dict(strides=[2, 2], output_padding=[0, 0],
                                         kernel_shape=[3, 3]), 1, 17),
    ("MaxPool", ("x4",), dict(kernel_shape=[2, 2], strides=[2, 2], pads=[0, 0, 0, 0],
                              dilations=[1, 1], ceil_mode=0), 1, 17),
    ("AveragePool", ("x4",), dict(kernel_shape=[3, 3], strides=[1, 1],
                                  pads=[1, 1, 1, 1], count_include_pad=0), 1, 17),
    ("LpPool", ("x4",), dict(kernel_shape=[2, 2], p=2), 1, 17),
    ("GlobalAveragePool", ("x4",), {}, 1, 17),
    ("Transpose", ("x4",), dict(perm=[0, 2, 3, 1]), 1, 17),
    ("Softmax", ("x4",), dict(axis=1), 1, 17),
    ("Hardmax", ("x4",), dict(axis=-1), 1, 17),
    ("Flatten", ("x4",), dict(axis=2), 1, 17),
    ("Gather", ("x4", "idx"), dict(axis=2), 1, 17),
    ("GatherElements", ("x4", "idx4"), dict(axis=3), 1, 17),
    ("GatherND", ("a", "gnd"), dict(batch_dims=0), 1, 17),
    ("ScatterND", ("a", "snd", "upd"), {}, 1, 17),
    ("ScatterElements", ("a", "sei", "seu"), dict(axis=1), 1, 17),
    ("Slice", ("x4", "st", "en", "ax", "sp"), {}, 1, 17),
    ("Pad", ("x4", "pads"), dict(mode="reflect"), 1, 17),
    ("Split", ("x4", "split"), dict(axis=1), 2, 17),
    ("Concat", ("x4", "x4"), dict(axis=1), 1, 17),
    ("Squeeze", ("x1", "axes0"), {}, 1, 17),
    ("Unsqueeze", ("x4", "axes0"), {}, 1, 17),
    ("Reshape", ("x4", "shp"), dict(allowzero=0), 1, 17),
    ("Expand", ("x4", "eshp"), {}, 1, 17),
    ("Tile", ("x4", "reps"), {}, 1, 17),
    ("ReduceMean", ("x4",), dict(axes=[1], keepdims=1), 1, 17),
    ("ReduceSum", ("x4", "axes1"), dict(keepdims=0, noop_with_empty_axes=0), 1, 17),
    ("ReduceMax", ("x4", "axes1"), dict(keepdims=1), 1, 18),
    ("ArgMax", ("x4",), dict(axis=1, keepdims=1, select_last_index=0), 1, 17),
    ("Gemm", ("a", "b", "c"), dict(alpha=1.0, beta=1.0, transA=0, transB=1), 1, 17),
    ("MatMul", ("a", "bt"), {}, 1, 17),
    ("BatchNormalization", ("x4", "s2", "b2", "m2", "v2"), dict(epsilon=1e-5), 1, 17),
    ("InstanceNormalization", ("x4", "s2", "b2"), dict(epsilon=1e-5), 1, 17),
    ("LayerNormalization", ("x4", "s4", "b4"), dict(axis=-1, epsilon=1e-5), 1, 17),
    ("MeanVarianceNormalization", ("x4",), dict(axes=[0, 2, 3]), 1, 17),
    ("Resize", ("x4", "", "scales"), dict(mode="linear"), 1, 17),
    ("SpaceToDepth", ("x4",), dict(blocksize=2), 1, 17),
    ("DepthToSpace", ("x8",), dict(blocksize=2, mode="DCR"), 1, 17),
    ("CumSum", ("a", "ax1"), dict(exclusive=0, reverse=0), 1, 17),
    ("TopK", ("a", "k"), dict(axis=-1, largest=1, sorted=1), 2, 17),
    ("Cast", ("x4",), dict(to=10), 1, 17),
    ("Clip", ("x4", "lo", "hi"), {}, 1, 17),
    ("Where", ("cond", "x4", "x4"), {}, 1, 17),
    ("Einsum", ("a", "b"), dict(equation="ij,kj->ik"), 1, 17),
    ("LRN", ("x4",), dict(size=3, alpha=1e-4, beta=0.75, bias=1.0), 1, 17),
    ("HardSigmoid", ("x4",), dict(alpha=0.2, beta=0.5), 1, 17),
    ("LeakyRelu", ("x4",), dict(alpha=0.1), 1, 17),
    ("Elu", ("x4",), dict(alpha=1.0), 1, 17),
    ("Selu", ("x4",), dict(alpha=1.6, gamma=1.05), 1, 17),
    ("Shrink", ("x4",), dict(bias=0.0, lambd=0.5), 1, 17),
    ("Gelu", ("x4",), dict(approximate="tanh"), 1, 20),
    ("PRelu", ("x4", "slope"), {}, 1, 17),
    ("GRU", ("seq", "gw", "gr"), dict(hidden_size=3), 2, 17),
    ("LSTM", ("seq", "lw", "lr"), dict(hidden_size=3), 3, 17),
    ("RNN", ("seq", "rw", "rr"), dict(hidden_size=3), 2, 17),
    ("OneHot", ("ids", "depth", "vals"), dict(axis=-1), 1, 17),
    ("Trilu", ("a",), dict(upper=1), 1, 17),
    ("DequantizeLinear", ("q", "qs", "qz"), dict(axis=1), 1, 17),
    ("QuantizeLinear", ("a", "qs1", "qz1"), {}, 1, 17),
    ("Mod", ("ai", "bi"), dict(fmod=0), 1, 17),
    ("EyeLike", ("a",), dict(k=1), 1, 17),
    ("Shape", ("x4",), dict(start=1, end=3), 1, 17),
    ("ConstantOfShape", ("cshape",), {}, 1, 17),
    ("Range", ("r0", "r1", "r2"), {}, 1, 17),
    ("Compress", ("a", "cbool"), dict(axis=1), 1, 17),
    ("Dropout", ("x4", "ratio"), {}, 1, 17),
    ("IsInf", ("x4",), dict(detect_negative=1), 1, 17),
    ("BitShift", ("ui", "ui"), dict(direction="LEFT"), 1, 17),
    ("Upsample", ("x4", "scales"), dict(mode="nearest"), 1, 9),
)
#: ONNX Runtime contrib ops (no ONNX schema checks them): a set of their
#: own, so that the draws of :func:`op_mutations` over the ops above (which
#: recorded findings name by seed/index) stay as they were
_CONTRIB_SPECS: tuple[tuple[str, tuple[str, ...], dict[str, Any], int, int], ...] = (
    ("com.microsoft:Gelu", ("x4",), {}, 1, 17),
    ("com.microsoft:BiasGelu", ("x3", "b4"), {}, 1, 17),
    ("com.microsoft:FastGelu", ("x3", "b4"), {}, 1, 17),
    ("com.microsoft:QuickGelu", ("x4",), dict(alpha=1.702), 1, 17),
    ("com.microsoft:SkipLayerNormalization", ("x3", "x3", "s4", "b4"),
     dict(epsilon=1e-5), 1, 17),
    ("com.microsoft:SkipSimplifiedLayerNormalization", ("x3", "x3", "s4"),
     dict(epsilon=1e-5), 1, 17),
    ("com.microsoft:MatMulNBits", ("a16", "nb", "nbs"),
     dict(K=16, N=2, bits=4, block_size=16), 1, 17),
)

#: a second family of ops (and of variants of the first family's: other
#: opsets, attribute spellings, optional inputs)
_OP2_SPECS: tuple[tuple[str, tuple[str, ...], dict[str, Any], int, int], ...] = (
    ("Pad", ("x4", "pads", "pv"), dict(mode="constant"), 1, 17),
    ("Pad", ("x4",), dict(pads=[0, 0, 1, 1, 0, 0, 1, 1], mode="edge"), 1, 10),
    ("Resize", ("x4", "", "", "sizes"), dict(mode="nearest", nearest_mode="floor",
                                             coordinate_transformation_mode="asymmetric"),
     1, 13),
    ("Resize", ("x4", "", "scales2", ""), dict(mode="linear", axes=[2, 3]), 1, 18),
    ("Squeeze", ("x1",), dict(axes=[0, 2]), 1, 11),
    ("Unsqueeze", ("x4",), dict(axes=[1]), 1, 11),
    ("Split", ("x4",), dict(axis=2, num_outputs=2), 2, 18),
    ("Split", ("x4",), dict(axis=1, split=[1, 1]), 2, 11),
    ("ReduceSumSquare", ("x4",), dict(axes=[2, 3], keepdims=0), 1, 17),
    ("ReduceLogSumExp", ("x4", "axes1"), dict(keepdims=1), 1, 18),
    ("ReduceL2", ("x4",), dict(axes=[-1]), 1, 17),
    ("ArgMin", ("x4",), dict(axis=-1, keepdims=0, select_last_index=1), 1, 17),
    ("GroupNormalization", ("x4", "s2", "b2"), dict(num_groups=2, epsilon=1e-5), 1,
     21),
    ("Softplus", ("x4",), {}, 1, 17),
    ("Softsign", ("x4",), {}, 1, 17),
    ("Celu", ("x4",), dict(alpha=1.0), 1, 17),
    ("ThresholdedRelu", ("x4",), dict(alpha=0.5), 1, 17),
    ("HardSwish", ("x4",), {}, 1, 17),
    ("Mish", ("x4",), {}, 1, 18),
    ("LogSoftmax", ("x4",), dict(axis=1), 1, 11),
    ("Softmax", ("x4",), dict(axis=1), 1, 11),
    ("Sum", ("x4", "x4", "x4"), {}, 1, 17),
    ("Mean", ("x4", "x4"), {}, 1, 17),
    ("Max", ("x4", "x4"), {}, 1, 17),
    ("Pow", ("x4", "two"), {}, 1, 17),
    ("Pow", ("ai", "ai"), {}, 1, 17),
    ("Round", ("x4",), {}, 1, 17),
    ("Sign", ("x4",), {}, 1, 17),
    ("Erf", ("x4",), {}, 1, 17),
    ("CastLike", ("x4", "q"), {}, 1, 17),
    ("Identity", ("x4",), {}, 1, 17),
    ("Flatten", ("x4",), dict(axis=0), 1, 17),
    ("Transpose", ("x4",), {}, 1, 17),
    ("Expand", ("a", "eshp2"), {}, 1, 17),
    ("Gather", ("a", "nidx"), dict(axis=1), 1, 17),
    ("GlobalMaxPool", ("x4",), {}, 1, 17),
    ("GlobalLpPool", ("x4",), dict(p=3), 1, 17),
    ("MaxPool", ("x4",), dict(kernel_shape=[3, 3], auto_pad="SAME_UPPER",
                              strides=[2, 2]), 1, 17),
    ("AveragePool", ("x4",), dict(kernel_shape=[2, 2], ceil_mode=1, strides=[2, 2]),
     1, 19),
    ("Conv", ("x4", "wg", "bg"), dict(group=2, auto_pad="SAME_LOWER",
                                      kernel_shape=[3, 3]), 1, 17),
    ("ConvTranspose", ("x4", "wt", "bt3"), dict(output_shape=[8, 8], strides=[2, 2]),
     1, 17),
    ("MatMulInteger", ("q", "qb"), {}, 1, 17),
    ("DequantizeLinear", ("q", "qs1", "qz1"), {}, 1, 19),
    ("QuantizeLinear", ("a", "qs", "qz"), dict(axis=1), 1, 19),
    ("Einsum", ("x4",), dict(equation="nchw->nhwc"), 1, 17),
    ("Einsum", ("a", "bt"), dict(equation="ij,jk"), 1, 17),
    ("Slice", ("x4", "st2", "en2", "ax2", "sp2"), {}, 1, 17),
    ("Slice", ("x4",), dict(starts=[1], ends=[100], axes=[3]), 1, 9),
    ("Trilu", ("a", "k1"), dict(upper=0), 1, 17),
    ("CumSum", ("a", "ax1"), dict(exclusive=1, reverse=1), 1, 17),
    ("LayerNormalization", ("x4", "s16"), dict(axis=2, epsilon=1e-5), 3, 17),
    ("RMSNormalization", ("x4", "s4"), dict(axis=-1, epsilon=1e-5), 1, 23),
    ("Clip", ("x4",), dict(min=-0.5, max=0.5), 1, 6),
    ("Gemm", ("a", "bt"), dict(alpha=2.0, transA=0), 1, 17),
    ("Where", ("cond2", "a", "two"), {}, 1, 17),
    ("Not", ("cond",), {}, 1, 17),
    ("And", ("cond", "cond"), {}, 1, 17),
    ("Equal", ("ai", "bi"), {}, 1, 17),
    ("Greater", ("x4", "two"), {}, 1, 17),
    ("IsNaN", ("x4",), {}, 1, 17),
    ("Size", ("x4",), {}, 1, 17),
    ("NonZero", ("cond",), {}, 1, 17),
    ("Tile", ("a", "reps2"), {}, 1, 17),
    ("ReduceProd", ("x4",), dict(keepdims=0), 1, 17),
    ("Dropout", ("x4",), dict(ratio=0.5), 1, 11),
    ("LRN", ("x4",), dict(size=2), 1, 17),
    ("InstanceNormalization", ("x3", "s2", "b2"), {}, 1, 17),
    ("ReverseSequence", ("seq", "slen"), dict(batch_axis=1, time_axis=0), 1, 17),
    ("Hardmax", ("x4",), dict(axis=1), 1, 11),
    ("ConstantOfShape", ("cshape",), {}, 1, 9),
    ("Range", ("rf0", "rf1", "rf2"), {}, 1, 17),
    ("OneHot", ("ids", "depth", "vals"), dict(axis=0), 1, 11),
    ("ScatterElements", ("a", "sei", "seu"), dict(axis=1, reduction="add"), 1, 18),
    ("ScatterND", ("a", "snd", "upd"), dict(reduction="mul"), 1, 18),
    ("GatherND", ("x4", "gnd3"), dict(batch_dims=1), 1, 17),
    ("Compress", ("a", "cbool"), {}, 1, 17),
    ("Upsample", ("x4",), dict(scales=[1.0, 1.0, 2.0, 2.0]), 1, 7),
    ("BatchNormalization", ("x4", "s2", "b2", "m2", "v2"), dict(momentum=0.9), 1, 9),
    ("Shape", ("x4",), dict(start=-2), 1, 17),
    ("Reshape", ("x4", "shp0"), dict(allowzero=0), 1, 17),
    ("Mod", ("x4", "two"), dict(fmod=1), 1, 17),
    ("BitwiseAnd", ("ai", "bi"), {}, 1, 18),
    ("Det", ("sq",), {}, 1, 17),
)

#: the op families of :func:`op_mutations`: "op", "contrib", "op2"
OP_FAMILIES: dict[str, tuple[tuple[str, tuple[str, ...], dict[str, Any], int, int],
                             ...]] = {
    "op": _OP_SPECS, "contrib": _CONTRIB_SPECS, "op2": _OP2_SPECS}


def _op_values() -> dict[str, np.ndarray]:
    """The inputs the op models name: graph inputs (see _OP_GRAPH_INPUTS)
    and initializers."""
    rng = np.random.default_rng(1)
    f, i8 = np.float32, np.int64

    def r(*shape: int) -> np.ndarray:
        return rng.standard_normal(shape).astype(f)

    return {
        "x4": r(1, 2, 4, 4), "x8": r(1, 4, 2, 2), "x1": r(1, 3, 1), "a": r(2, 3),
        "seq": r(2, 1, 3), "ai": np.array([[5, -7, 3], [2, 9, -4]], np.int32),
        "ui": np.array([1, 2, 3], np.uint32), "ids": np.array([0, 2], i8),
        "q": np.array([[0, 128, 255], [3, 4, 5]], np.uint8),
        "w": r(3, 2, 3, 3), "wt": r(2, 3, 3, 3), "idx": np.array([0, 3], i8),
        "idx4": np.zeros((1, 2, 4, 1), i8), "gnd": np.array([[0, 1]], i8),
        "snd": np.array([[1]], i8), "upd": r(1, 3),
        "sei": np.array([[0, 2], [1, 0]], i8), "seu": r(2, 2),
        "st": np.array([0, 1], i8), "en": np.array([2, 4], i8),
        "ax": np.array([2, 3], i8), "sp": np.array([1, 2], i8),
        "pads": np.array([0, 0, 1, 1, 0, 0, 1, 1], i8),
        "split": np.array([1, 1], i8), "axes0": np.array([0], i8),
        "axes1": np.array([1], i8), "shp": np.array([2, -1], i8),
        "eshp": np.array([2, 1, 1, 1], i8), "reps": np.array([1, 1, 2, 1], i8),
        "b": r(4, 3), "bt": r(3, 4), "c": r(4), "s2": r(2), "b2": r(2), "m2": r(2),
        "v2": np.abs(r(2)) + 1, "s4": r(4), "b4": r(4),
        "scales": np.array([1, 1, 2, 2], f), "ax1": np.array(1, i8),
        "k": np.array([2], i8), "lo": np.array(-0.5, f), "hi": np.array(0.5, f),
        "cond": np.array([True, False, True, False]),
        "slope": r(2, 1, 1), "gw": r(1, 9, 3), "gr": r(1, 9, 3), "lw": r(1, 12, 3),
        "lr": r(1, 12, 3), "rw": r(1, 3, 3), "rr": r(1, 3, 3),
        "depth": np.array(3, i8), "vals": np.array([0, 1], f),
        "qs": np.array([0.5, 0.25, 2.0], f), "qz": np.array([128, 0, 3], np.uint8),
        "qs1": np.array(0.1, f), "qz1": np.array(0, np.uint8),
        "bi": np.array([[3, 2, -2], [7, -5, 4]], np.int32),
        "cshape": np.array([2, 3], i8), "r0": np.array(0, i8),
        "r1": np.array(5, i8), "r2": np.array(2, i8),
        "cbool": np.array([True, False, True]), "ratio": np.array(0.5, f),
        "x3": r(1, 2, 4), "a16": r(2, 16),
        "nb": rng.integers(0, 256, (2, 1, 8)).astype(np.uint8),
        "nbs": np.abs(r(2)) + 0.1,
        "pv": np.array(0.5, f), "sizes": np.array([1, 2, 8, 2], i8),
        "scales2": np.array([0.5, 2.0], f), "two": np.array(2.0, f),
        "eshp2": np.array([3, 2, 1], i8), "nidx": np.array([[-1, 0], [2, 1]], i8),
        "wg": r(4, 1, 3, 3), "bg": r(4), "bt3": r(3),
        "qb": np.array([[1, 2], [3, 4], [5, 6]], np.uint8),
        "st2": np.array([-1, 0], i8), "en2": np.array([-100, 4], i8),
        "ax2": np.array([-1, 1], i8), "sp2": np.array([-1, 2], i8),
        "k1": np.array(-1, i8), "s16": r(4, 4), "cond2": np.array([True, False, True]),
        "reps2": np.array([2, 1], i8), "slen": np.array([2], i8),
        "rf0": np.array(0.5, f), "rf1": np.array(2.0, f), "rf2": np.array(0.25, f),
        "gnd3": np.zeros((1, 2, 1), i8), "shp0": np.array([0, 0, -1], i8),
        "sq": r(3, 3),
    }


#: the values that are graph inputs (the rest are initializers)
_OP_GRAPH_INPUTS = frozenset({"x4", "x8", "x1", "a", "seq", "ai", "ui", "ids", "q",
                              "x3", "a16"})


def op_models(family: str = "op") -> dict[str, Any]:
    """One small valid model per op of a family of :data:`OP_FAMILIES`;
    most import: mutations then start from something the importer takes."""
    from onnx import helper
    values = _op_values()
    out = {}
    for key, ins, attrs, n_out, opset in OP_FAMILIES[family]:
        domain, _, op = key.rpartition(":")
        outs = [f"y{k}" for k in range(n_out)]
        node = helper.make_node(op, list(ins), outs, name=op.lower(), domain=domain,
                                **attrs)
        used = [n for n in dict.fromkeys(ins) if n]
        g_in = [helper.make_tensor_value_info(
            n, helper.np_dtype_to_tensor_dtype(values[n].dtype), list(values[n].shape))
            for n in used if n in _OP_GRAPH_INPUTS]
        inits = [_init(n, values[n]) for n in used if n not in _OP_GRAPH_INPUTS]
        m = _model([node], g_in, [_vi(o, None) for o in outs], inits, opset=opset)
        if domain:
            m.opset_import.append(helper.make_opsetid(domain, 1))
        out[key if key not in out else f"{key}-{opset}-{len(out)}"] = m
    return out


_EXTREME_INTS = (0, -1, -2, 2, 7, 1 << 31, -(1 << 31), 1 << 40, (1 << 63) - 1,
                 -(1 << 63))
_EXTREME_FLOATS = (0.0, -1.0, 1e30, -1e30, float("nan"), float("inf"),
                   float("-inf"), 1e-45)
_STRINGS = ("", "nope", "NOTSET", "linear", "cubic", "SAME_UPPER", "DCR", "CRD",
            "\xff", "x" * 300)
#: attributes an op mutation may add (each with a random type and value)
_ATTR_NAMES = ("axis", "axes", "perm", "pads", "strides", "kernel_shape",
               "dilations", "group", "keepdims", "mode", "to", "transA", "blocksize",
               "auto_pad", "output_shape", "direction", "hidden_size", "activations",
               "coordinate_transformation_mode", "epsilon", "value", "batch_dims")


def _attr_value(rng: np.random.Generator, kind: int) -> tuple[int, Any]:
    """A random (AttributeProto type, value) of kind 0 int, 1 ints, 2 float,
    3 floats, 4 string, 5 strings, 6 tensor."""
    from onnx import AttributeProto as A
    from onnx import numpy_helper
    if kind == 0:
        return A.INT, int(rng.choice(_EXTREME_INTS))
    if kind == 1:
        n = int(rng.choice([0, 1, 2, 4, 9]))
        return A.INTS, [int(rng.choice(_EXTREME_INTS)) for _ in range(n)]
    if kind == 2:
        return A.FLOAT, float(rng.choice(_EXTREME_FLOATS))
    if kind == 3:
        return A.FLOATS, [float(rng.choice(_EXTREME_FLOATS))
                          for _ in range(int(rng.integers(0, 5)))]
    if kind == 4:
        return A.STRING, str(rng.choice(_STRINGS))
    if kind == 5:
        return A.STRINGS, [str(rng.choice(_STRINGS)) for _ in range(int(rng.integers(0, 4)))]
    shape = [int(d) for d in rng.integers(0, 3, int(rng.integers(0, 3)))]
    arr = rng.standard_normal(shape).astype(
        rng.choice([np.float32, np.int64, np.float16, np.uint8]))
    return A.TENSOR, numpy_helper.from_array(arr)


def _set_attr(a: Any, kind: int, value: Any) -> None:
    """Give AttributeProto ``a`` type ``kind`` and ``value`` (its other
    fields cleared)."""
    name = a.name
    a.Clear()
    a.name, a.type = name, kind
    from onnx import AttributeProto as A
    if kind == A.INT:
        a.i = value
    elif kind == A.INTS:
        a.ints.extend(value)
    elif kind == A.FLOAT:
        a.f = value
    elif kind == A.FLOATS:
        a.floats.extend(value)
    elif kind == A.STRING:
        a.s = value.encode("utf-8", "surrogatepass")
    elif kind == A.STRINGS:
        a.strings.extend(s.encode("utf-8", "surrogatepass") for s in value)
    elif kind == A.TENSOR:
        a.t.CopyFrom(value)


_KIND_OF = {1: 2, 2: 0, 3: 4, 4: 6, 6: 3, 7: 1, 8: 5}  # AttributeProto type -> kind


def _show(v: Any) -> str:
    """An attribute value, short and on one line."""
    if hasattr(v, "dims"):  # a TensorProto
        return f"a tensor of type {v.data_type}, dims {list(v.dims)}"
    return repr(v)[:120]


def _op_mutation(rng: np.random.Generator, model: Any) -> str:
    """Change ``model`` (one op) in one random way: an attribute's value made
    extreme, its type changed, an attribute added or removed, an
    initializer's values or shape changed, a graph input's shape or type
    changed, an input removed or renamed, the opset changed.  Says how."""
    from onnx import TensorProto, numpy_helper
    g = model.graph
    node = g.node[0]
    kind = int(rng.integers(0, 9))
    if kind in (0, 1) and len(node.attribute):
        a = node.attribute[int(rng.integers(0, len(node.attribute)))]
        k = _KIND_OF.get(a.type, 0) if kind == 0 else int(rng.integers(0, 7))
        t, v = _attr_value(rng, k)
        _set_attr(a, t, v)
        return f"attribute {a.name} made {_show(v)}"
    if kind == 2 and len(node.attribute):
        k = int(rng.integers(0, len(node.attribute)))
        name = node.attribute[k].name
        del node.attribute[k]
        return f"attribute {name} removed"
    if kind == 3:
        name = str(rng.choice(_ATTR_NAMES))
        if name in [a.name for a in node.attribute]:
            return "unchanged"
        a = node.attribute.add()
        a.name = name
        t, v = _attr_value(rng, int(rng.integers(0, 7)))
        _set_attr(a, t, v)
        return f"attribute {name} added: {_show(v)}"
    if kind == 4 and len(g.initializer):
        t = g.initializer[int(rng.integers(0, len(g.initializer)))]
        arr = numpy_helper.to_array(t).copy()
        how = int(rng.integers(0, 3))
        if how == 0 and arr.size:  # one value made extreme
            flat = arr.reshape(-1)
            pool = _EXTREME_INTS if arr.dtype.kind in "iu" else _EXTREME_FLOATS
            v = rng.choice(pool)
            with np.errstate(all="ignore"):
                flat[int(rng.integers(0, flat.size))] = np.array(v).astype(arr.dtype) \
                    if arr.dtype.kind != "b" else bool(v)
            what = f"value {v!r}"
        elif how == 1:  # another shape (rank)
            shape = [int(d) for d in rng.integers(0, 4, int(rng.integers(0, 4)))]
            arr = np.resize(arr, shape)
            what = f"shape {shape}"
        else:  # another type
            dt = rng.choice([np.float32, np.int64, np.int32, np.uint8, np.bool_,
                             np.float64, np.float16])
            with np.errstate(all="ignore"):
                arr = arr.astype(dt)
            what = f"type {np.dtype(dt).name}"
        t.CopyFrom(numpy_helper.from_array(arr, t.name))
        return f"initializer {t.name} made {what}"
    if kind == 5 and len(g.input):
        vi = g.input[int(rng.integers(0, len(g.input)))]
        tt = vi.type.tensor_type
        how = int(rng.integers(0, 3))
        if how == 0:
            tt.elem_type = int(rng.choice([TensorProto.INT32, TensorProto.INT64,
                                           TensorProto.BOOL, TensorProto.FLOAT16,
                                           TensorProto.DOUBLE, TensorProto.UINT8,
                                           TensorProto.STRING]))
            return f"input {vi.name} type made {tt.elem_type}"
        dims = tt.shape.dim
        if how == 1 and len(dims):
            del dims[int(rng.integers(0, len(dims)))]
            return f"input {vi.name} lost a dimension"
        d = dims.add() if not len(dims) or rng.random() < 0.3 else \
            dims[int(rng.integers(0, len(dims)))]
        d.dim_value = int(rng.choice([0, 1, 3, 5, 64]))
        return f"input {vi.name} dim made {d.dim_value} (rank {len(dims)})"
    if kind == 6 and len(node.input):
        k = int(rng.integers(0, len(node.input)))
        if rng.random() < 0.5:
            del node.input[k]
            return f"input {k} removed"
        names = [*(v.name for v in g.input), *(t.name for t in g.initializer), ""]
        node.input[k] = str(rng.choice(names))
        return f"input {k} made {node.input[k]!r}"
    if kind == 7:
        node.output.append(f"extra{len(node.output)}")
        g.output.add().name = node.output[-1]
        return "an output added"
    model.opset_import[0].version = int(rng.integers(1, 26))
    return f"opset made {model.opset_import[0].version}"


def op_mutations(seed: int, count: int, family: str = "op") -> Iterator[Case]:
    """``count`` random mutations (1-3 changes each, :func:`_op_mutation`)
    of the one-op models of a family (:func:`op_models`): the handlers'
    reading of attributes, inputs and constants.  Named "FAMILY-mutation
    SEED/INDEX"."""
    rng = np.random.default_rng(seed)
    protos = op_models(family)
    kind = f"{family}-mutation"
    names = sorted(protos)
    for i in range(count):
        name = names[int(rng.integers(0, len(names)))]
        m = type(protos[name])()
        m.CopyFrom(protos[name])
        what = "; ".join(_op_mutation(rng, m) for _ in range(int(rng.integers(1, 4))))
        yield _bytes_case(f"{kind} {seed}/{i}: {name} {what}",
                          m.SerializeToString())


# ------------------------------------------------------------------ known

#: findings not fixed yet, each recorded as an xfail(strict=True) test in
#: tests/test_fuzz_regressions.py: a regular expression on the error
#: ("Type: message") -> what it is.  Counted as "known", not new.  Empty: the
#: findings so far are fixed, and each is a passing named case there
#: (``IMPORTER_FINDINGS``).
KNOWN_FINDINGS: dict[str, str] = {}


def is_known(rec: dict[str, Any]) -> bool:
    """Whether a finding matches :data:`KNOWN_FINDINGS`."""
    import re
    return any(re.search(p, rec.get("error", "")) for p in KNOWN_FINDINGS)


# ------------------------------------------------------------------ worker


def _classify(exc: BaseException | None) -> str:
    if exc is None:
        return "ok"
    from webnnpy.models.onnx import OnnxImportError
    if isinstance(exc, OnnxImportError):
        return "import_error"
    return "finding"


def _alarm(signum: int, frame: Any) -> None:
    raise TimeoutError(f"case took more than {CASE_SECONDS} s")


def _worker(cases: list[Case]) -> None:
    """Run ``cases`` here (the child): one JSON line per case on stdout."""
    import webnnpy
    from webnnpy.models import onnx as wonnx
    ctx = webnnpy.ml.create_context(backend="numpy")
    try:  # Linux: cap the address space above what the imports took
        with open("/proc/self/statm") as f:
            vsz = int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        resource.setrlimit(resource.RLIMIT_AS, (vsz + HEADROOM, vsz + HEADROOM))
    except (OSError, ValueError):
        pass
    signal.signal(signal.SIGALRM, _alarm)
    with tempfile.TemporaryDirectory() as tmp:
        for k, case in enumerate(cases):
            folder = Path(tmp) / str(k)
            folder.mkdir()
            try:
                model, kw = case.make(folder)
            except Exception as e:  # noqa: BLE001 - the case itself is broken
                print(json.dumps({"case": case.name, "call": "make",
                                  "outcome": "broken case",
                                  "error": f"{type(e).__name__}: {e}"}), flush=True)
                continue
            for call in ("load", "inspect"):
                exc: BaseException | None = None
                t0 = time.monotonic()
                signal.alarm(CASE_SECONDS)
                try:
                    if call == "load":
                        wonnx.load(model, context=ctx, **kw)
                    else:
                        wonnx.inspect(model, **kw)
                except BaseException as e:  # noqa: BLE001 - the point
                    exc = e
                finally:
                    signal.alarm(0)
                rec = {"case": case.name, "call": call, "outcome": _classify(exc),
                       "seconds": round(time.monotonic() - t0, 3)}
                if exc is not None:
                    rec["error"] = f"{type(exc).__name__}: {str(exc)[:300]}"
                print(json.dumps(rec), flush=True)


def run_cases(which: str, *, seed: int = 0, count: int = 0, only: str = "",
              timeout: float = 600) -> list[dict[str, Any]]:
    """Run the named cases (``which="named"``) or ``count`` mutations of
    ``seed`` (``"mutations"``: :func:`mutations`; a family of
    :data:`OP_FAMILIES`: :func:`op_mutations`) in a capped child, or only the case named
    ``only``; one record per call.  A
    child that dies (a crash, the memory cap as a hard kill) or hangs adds a
    record with outcome "finding" for the case it was on."""
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1",
               MKL_NUM_THREADS="1")
    root = Path(__file__).resolve().parents[2]
    cmd = [sys.executable, "-m", "tests.fuzz.onnx_files", "--worker", which,
           "--seed", str(seed), "--count", str(count), "--only", only]
    try:
        p = subprocess.run(cmd, cwd=root, env=env, capture_output=True, text=True,
                           timeout=timeout)
        out, rc, err = p.stdout, p.returncode, p.stderr
    except subprocess.TimeoutExpired as e:
        out = e.stdout.decode() if isinstance(e.stdout, bytes) else (e.stdout or "")
        rc, err = None, "timed out"
    recs = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    if rc != 0:
        done = len(recs)
        recs.append({"case": f"(after {done} records)", "call": "child",
                     "outcome": "finding",
                     "error": f"child exit {rc}: {err[-1500:]}"})
    return recs


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="python -m tests.fuzz onnx",
                                description="ONNX importer fuzzer")
    p.add_argument("--minutes", type=float, default=5.0)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--worker", choices=["named", "mutations", *OP_FAMILIES],
                   default=None)
    p.add_argument("--count", type=int, default=0)
    p.add_argument("--only", default="")
    a = p.parse_args(argv)
    if a.worker:
        cases = (named_cases() if a.worker == "named"
                 else list(mutations(a.seed, a.count)) if a.worker == "mutations"
                 else list(op_mutations(a.seed, a.count, a.worker)))
        _worker([c for c in cases if not a.only or c.name == a.only])
        return 0
    deadline = time.monotonic() + a.minutes * 60
    recs = run_cases("named")
    batch = 0
    while time.monotonic() < deadline:
        # alternately: the file-level mutations of the few base models, and
        # the op-level ones of one-op models (attributes, constants, inputs)
        kinds = ("mutations", *OP_FAMILIES)
        which = kinds[batch % len(kinds)]
        recs += run_cases(which, seed=a.seed * 100003 + batch // len(kinds),
                          count=200)
        batch += 1
    from collections import Counter
    findings = [r for r in recs if r["outcome"] not in ("ok", "import_error")]
    new = [r for r in findings if not is_known(r)]
    print(f"{len(recs)} calls: {dict(Counter(r['outcome'] for r in recs))}; "
          f"{len(findings) - len(new)} findings known (KNOWN_FINDINGS), "
          f"{len(new)} new; slowest call "
          f"{max((r.get('seconds', 0) for r in recs), default=0)} s")
    kinds = Counter(r.get("error", "")[:70] for r in findings)
    for k, n in kinds.most_common():
        print(f"  {n:5d}  {k}")
    for r in new:
        print(json.dumps(r))
    return 1 if new else 0


if __name__ == "__main__":
    if "--worker" in sys.argv:
        sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    sys.exit(main(sys.argv[1:]))
