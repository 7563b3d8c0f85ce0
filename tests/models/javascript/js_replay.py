"""Replay an exported module's builder calls in webnnpy (for the tests).

``record_calls.mjs`` runs each module's ``buildGraph()`` under node against a
recording ``MLGraphBuilder`` and prints the calls as JSON; :func:`replay`
makes the same calls (camelCase names and options mapped to webnnpy's
snake_case) on a webnnpy builder, so a test can check that the module builds
the same graph as the one exported.
"""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

import webnnpy
from webnnpy._spec import op_table, to_py_name

__all__ = ["NODE", "record", "replay"]

HERE = Path(__file__).parent
NODE = shutil.which("node")


def record(dirs: Sequence[Path]) -> dict[str, dict[str, Any]]:
    """Run record_calls.mjs over ``dirs``; result by dir (str)."""
    assert NODE is not None
    for d in dirs:  # make node treat model.js as an ES module
        pkg = Path(d).parent / "package.json"
        if not pkg.exists():
            pkg.write_text('{"type": "module"}\n')
    out = subprocess.run([NODE, str(HERE / "record_calls.mjs"), *map(str, dirs)],
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    res = {}
    # split on "\n" only: a name may hold U+2028, which splitlines() splits on
    for line in filter(None, out.stdout.split("\n")):
        item = json.loads(line)
        res[item["dir"]] = item
    return res


def _decode(v: Any, env: dict[int, webnnpy.MLOperand]) -> Any:
    if isinstance(v, list):
        return [_decode(x, env) for x in v]
    if isinstance(v, dict):
        if "$ref" in v:
            return env[v["$ref"]]
        if "$bigint" in v:
            return int(v["$bigint"])
        if "$num" in v:
            return float(v["$num"])
        if "$bytes" in v:
            return base64.b64decode(v["$bytes"])
        return {k: _decode(x, env) for k, x in v.items()}
    return v


def _desc(d: dict[str, Any]) -> dict[str, Any]:
    return {"data_type": d["dataType"], "shape": list(d["shape"])}


def replay(calls: list[dict[str, Any]], context: webnnpy.MLContext
           ) -> webnnpy.MLGraph:
    """Make the recorded calls on a webnnpy builder and build."""
    b = webnnpy.MLGraphBuilder(context)
    env: dict[int, webnnpy.MLOperand] = {}
    for call in calls:
        op = call["op"]
        args = _decode(call["args"], env)
        if op == "build":
            return b.build(args[0])
        if op == "input":
            result: Any = b.input(args[0], _desc(args[1]))
        elif op == "constant":
            desc = _desc(args[0])
            data = np.frombuffer(args[1], np.dtype(desc["data_type"]).newbyteorder("<"))
            result = b.constant(desc, data.reshape(desc["shape"]).copy())
        else:
            table = op_table(op)
            n_pos = sum(1 for a in table["arguments"]
                        if a["type"] != table["options_dictionary"])
            pos, rest = args[:n_pos], args[n_pos:]
            opts = rest[0] if rest else {}
            assert len(rest) <= 1, f"{op}: too many arguments {args}"
            kwargs = {to_py_name(k): v for k, v in opts.items()}
            result = getattr(b, to_py_name(op))(*pos, **kwargs)
        outs = result if isinstance(result, list) else [result]
        for i, ident in enumerate(call["outputs"]):
            if i < len(outs):
                env[ident] = outs[i]
    raise AssertionError("the module never called build()")
