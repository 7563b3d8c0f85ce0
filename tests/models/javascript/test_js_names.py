"""Names from the model are data, never JavaScript syntax (issue #11 D10).

An input or output named ``__proto__`` used to be written as an object
literal key, which sets the object's prototype instead: the module built an
empty graph.  Node runs the exported module (against a recording builder and
a fake MLContext) and the names it used must be exactly the graph's.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest
from js_replay import NODE, record, replay

import webnnpy
from webnnpy.models.javascript import export, module_source

pytestmark = pytest.mark.skipif(
    NODE is None, reason="node is not installed: the exported module runs under "
    "node")

#: hostile names: prototype keys, quotes, a newline, a line separator (a line
#: break in old JS string literals), a non-BMP character, a backslash
IN_NAMES = ["__proto__", "constructor", 'a"b', "x\ny", "hasOwnProperty"]
OUT_NAMES = ["__proto__", "toString", "q'\\r", "line\u2028sep", "\U0001f600"]


def _graph(ctx: webnnpy.MLContext | None = None) -> webnnpy.MLGraph:
    ctx = ctx or webnnpy.ml.create_context(backend="numpy")
    b = webnnpy.MLGraphBuilder(ctx)
    ins = [b.input(n, {"data_type": "float32", "shape": [2]}) for n in IN_NAMES]
    outs = {OUT_NAMES[0]: b.add(ins[0], ins[1]),
            OUT_NAMES[1]: b.sub(ins[2], ins[3]),
            OUT_NAMES[2]: b.relu(ins[4]),
            OUT_NAMES[3]: b.neg(ins[0]),
            OUT_NAMES[4]: b.mul(ins[1], ins[4])}
    return b.build(outs)


def test_no_model_name_is_an_object_literal_key():
    text, _ = module_source(_graph()._ir)
    assert "__proto__:" not in text and '"__proto__":' not in text
    assert 'Object.fromEntries([\n  ["__proto__", {dataType' in text


def test_hostile_names_round_trip_through_the_builder(tmp_path: Path):
    ctx = webnnpy.ml.create_context(backend="numpy")
    graph = _graph(ctx)
    export(graph, tmp_path / "m")
    rec = record([tmp_path / "m"])[str(tmp_path / "m")]
    assert "error" not in rec, rec.get("error")
    calls = rec["calls"]
    assert [c["args"][0] for c in calls if c["op"] == "input"] == IN_NAMES
    build = calls[-1]
    assert build["op"] == "build"
    assert list(build["args"][0]) == OUT_NAMES
    # the module builds the same graph: same inputs, outputs and values
    again = replay(calls, ctx)
    assert list(again.inputs) == IN_NAMES and list(again.outputs) == OUT_NAMES
    rng = np.random.default_rng(0)
    feeds = {n: rng.standard_normal(2).astype(np.float32) for n in IN_NAMES}
    want = ctx.compute(graph, feeds)
    got = ctx.compute(again, feeds)
    for n in OUT_NAMES:
        np.testing.assert_array_equal(got[n], want[n])


_SESSION = r"""
import { pathToFileURL } from "node:url";
const mod = await import(pathToFileURL(process.argv[2]).href);
globalThis.MLGraphBuilder = class {
  input(name, desc) { return { name }; }
  add() { return {}; } sub() { return {}; } relu() { return {}; }
  neg() { return {}; } mul() { return {}; }
  async build(outputs) { return { outputs, destroy() {} }; }
};
let dispatched;
const context = {
  async createTensor(desc) { return { desc, destroy() {} }; },
  writeTensor(t, data) { t.data = Array.from(data); },
  dispatch(graph, ins, outs) {
    dispatched = { ins: Object.keys(ins), outs: Object.keys(outs),
                   protoIns: Object.getPrototypeOf(ins),
                   data: Object.keys(ins).map((k) => ins[k].data) };
  },
  async readTensor(t) { return new Float32Array([1, 2]).buffer; },
};
const values = Object.fromEntries(
  Object.keys(mod.inputs).map((n, i) => [n, new Float32Array([i, -i])]));
const session = await mod.createSession(context, new ArrayBuffer(0));
const result = await session.run(values);
let missing = "";
try {
  await session.run({});
} catch (e) {
  missing = e.message;
}
process.stdout.write(JSON.stringify({
  inputs: Object.keys(mod.inputs), outputs: Object.keys(mod.outputs),
  dispatchedIns: dispatched.ins, dispatchedOuts: dispatched.outs,
  nullProto: dispatched.protoIns === null, data: dispatched.data,
  result: Object.keys(result), missing,
}));
"""


def test_hostile_names_in_the_session_runner(tmp_path: Path):
    """createSession/run key tensors and results by the same names (no key is
    lost to a prototype setter; a missing "__proto__" input is reported)."""
    export(_graph(), tmp_path / "m")
    (tmp_path / "package.json").write_text('{"type": "module"}\n')
    script = tmp_path / "session.mjs"
    script.write_text(_SESSION)
    r = subprocess.run([NODE, str(script), str(tmp_path / "m" / "model.js")],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    got = json.loads(r.stdout)
    assert got["inputs"] == IN_NAMES and got["dispatchedIns"] == IN_NAMES
    assert got["outputs"] == OUT_NAMES and got["dispatchedOuts"] == OUT_NAMES
    assert got["result"] == OUT_NAMES and got["nullProto"]
    assert got["data"] == [[i, -i] for i in range(len(IN_NAMES))]
    assert got["missing"] == 'missing input "__proto__"'
