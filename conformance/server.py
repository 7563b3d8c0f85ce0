"""The Python end of the WPT bridge: serves WebNN calls made by JavaScript.

``wpt_bridge.mjs`` gives a WPT test file a ``navigator.ml`` whose objects are
handles to webnnpy objects living here.  Each JavaScript call becomes one JSON
request on a FIFO and blocks until the answer comes back, so synchronous
methods stay synchronous (a builder method throws its TypeError at once) and
the JavaScript side wraps the Promise-returning ones.

The mapping is the one webnnpy's API is defined by (``docs/differences.md``):
spec names in snake_case, dictionaries as keyword arguments, records as dicts
with the caller's keys.  Where JavaScript and Python differ in ways webnnpy
cannot see - WebIDL ignores unknown dictionary members, a BigInt is not a
Number - this module does what WebIDL would do before calling Python.
"""

from __future__ import annotations

import base64
import inspect
import json
import math
import traceback
from collections.abc import Callable
from importlib import resources
from typing import Any, TextIO

import numpy as np

import webnnpy
from webnnpy._spec import to_py_name
from webnnpy.api.builder import MLGraphBuilder
from webnnpy.api.context import MLContext
from webnnpy.api.graph import MLGraph
from webnnpy.api.operand import MLOperand
from webnnpy.api.tensor import MLTensor
from webnnpy.dtypes import PACKED_TYPES, from_numpy_dtype, pack_int4

_SPEC_TABLE: dict[str, Any] = json.loads(
    resources.files("webnnpy._spec").joinpath("api_table.json").read_text("utf-8"))

#: Spec operator names (camelCase), keyed by their letters lower-cased.
_SPEC_OP_NAMES = {n.replace("_", "").lower(): n for n in _SPEC_TABLE["ops"]}

_TYPED = {
    "Float32Array": np.float32, "Float64Array": np.float64,
    "Float16Array": np.float16, "Uint16Array": np.uint16, "Int16Array": np.int16,
    "Int32Array": np.int32, "Uint32Array": np.uint32, "Int8Array": np.int8,
    "Uint8Array": np.uint8, "Uint8ClampedArray": np.uint8,
    "BigInt64Array": np.int64, "BigUint64Array": np.uint64,
    "ArrayBuffer": np.uint8, "SharedArrayBuffer": np.uint8, "DataView": np.uint8,
}

#: Members of the WebIDL dictionaries passed positionally (descriptors).
_DESCRIPTOR_MEMBERS = {"data_type", "shape", "readable", "writable"}

#: (method, position) of arguments that are records (caller's keys).
_RECORDS = {("build", 0), ("dispatch", 1), ("dispatch", 2)}


class _Undefined:
    def __repr__(self) -> str:
        return "undefined"


UNDEFINED = _Undefined()


class JSBigInt(int):
    """An int that came from a JavaScript BigInt (WebIDL rejects it where a
    Number is expected; the bridge keeps the difference visible)."""


class JSUnsupported:
    """A JavaScript value with no Python counterpart (a function, a Date...)."""

    def __init__(self, what: str) -> None:
        self.what = what

    def __repr__(self) -> str:
        return f"<JavaScript {self.what}>"


def snake(name: str) -> str:
    """camelCase -> snake_case as webnnpy names things (gatherND -> gather_nd,
    isNaN -> is_nan, l2Pool2d -> l2_pool2d)."""
    return to_py_name(name)


def camel(name: str) -> str:
    """snake_case -> the spec's camelCase (spec operator names looked up)."""
    spec = _SPEC_OP_NAMES.get(name.replace("_", "").lower())
    if spec is not None:
        return spec
    head, *rest = name.split("_")
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


class Server:
    """Holds the objects JavaScript has handles to, and answers requests."""

    def __init__(self, backend: str | None) -> None:
        self.backend = backend
        self.objects: dict[int, Any] = {}
        self.ids: dict[int, int] = {}   # id(obj) -> handle
        self.next = 1
        self.dropped: list[str] = []    # dictionary members WebIDL ignored
        self.crashes: list[str] = []    # non-spec Python exceptions

    # -- values ----------------------------------------------------------------
    def handle_of(self, obj: Any) -> int:
        h = self.ids.get(id(obj))
        if h is None or self.objects.get(h) is not obj:
            h = self.next
            self.next += 1
            self.objects[h] = obj
            self.ids[id(obj)] = h
        return h

    def decode(self, v: Any) -> Any:
        if isinstance(v, list):
            return [self.decode(x) for x in v]
        if not isinstance(v, dict):
            return v
        if "$ref" in v:
            return self.objects[v["$ref"]]
        if "$num" in v:
            return {"nan": math.nan, "inf": math.inf, "-inf": -math.inf,
                    "-0": -0.0}[v["$num"]]
        if "$big" in v:
            return JSBigInt(int(v["$big"]))
        if "$buf" in v:
            raw = base64.b64decode(v["$buf"])
            arr = np.frombuffer(bytearray(raw), dtype=_TYPED[v["t"]])
            return arr
        if "$undef" in v:
            return UNDEFINED
        if "$fn" in v:
            return JSUnsupported(v["$fn"])
        if "$obj" in v:
            return {k: self.decode(x) for k, x in v["$obj"].items()}
        raise ValueError(f"bridge: cannot decode {v!r}")

    def encode(self, v: Any) -> Any:
        if v is None:
            return None
        if isinstance(v, bool | str):
            return v
        if isinstance(v, int | np.integer):
            return int(v)
        if isinstance(v, float | np.floating):
            f = float(v)
            if math.isnan(f):
                return {"$num": "nan"}
            if math.isinf(f):
                return {"$num": "inf" if f > 0 else "-inf"}
            return f
        if isinstance(v, MLOperand):
            return {"$ref": self.handle_of(v), "k": "MLOperand",
                    "dataType": v.data_type, "shape": list(v.shape)}
        if isinstance(v, MLTensor):
            return {"$ref": self.handle_of(v), "k": "MLTensor",
                    "dataType": v.data_type, "shape": list(v.shape),
                    "readable": v.readable, "writable": v.writable,
                    "constant": v.constant}
        if isinstance(v, MLGraph):
            return {"$ref": self.handle_of(v), "k": "MLGraph"}
        if isinstance(v, MLContext):
            return {"$ref": self.handle_of(v), "k": "MLContext",
                    "accelerated": v.accelerated}
        if isinstance(v, MLGraphBuilder):
            return {"$ref": self.handle_of(v), "k": "MLGraphBuilder"}
        if isinstance(v, np.ndarray):
            dt = from_numpy_dtype(v.dtype)
            # an ArrayBuffer of int4/uint4 holds them packed, two a byte
            raw = pack_int4(v, dt).tobytes() if dt in PACKED_TYPES else \
                np.ascontiguousarray(v).tobytes()
            return {"$buf": base64.b64encode(raw).decode()}
        if isinstance(v, dict):
            return {"$obj": {camel(str(k)): self.encode(x) for k, x in v.items()}}
        if isinstance(v, list | tuple | frozenset | set):
            return [self.encode(x) for x in v]
        raise ValueError(f"bridge: cannot encode {type(v).__name__}")

    # -- calls -----------------------------------------------------------------
    def _method(self, obj: Any, name: str) -> Callable[..., Any]:
        want = name.lower()
        for attr in dir(type(obj)):
            if attr.startswith("_"):
                continue
            if attr.replace("_", "") == want:
                return getattr(obj, attr)
        raise AttributeError(f"{type(obj).__name__} has no method {name!r}")

    def _dictionary(self, d: dict[str, Any], allowed: set[str] | None,
                    where: str) -> dict[str, Any]:
        out = {}
        for k, x in d.items():
            if x is UNDEFINED:   # an undefined member is not present
                continue
            s = snake(k)
            if allowed is not None and s not in allowed:
                self.dropped.append(f"{where}: {k}")
                continue
            if s == "shape" and isinstance(x, list):
                # sequence<[EnforceRange] unsigned long>: JavaScript truncates
                # a finite fractional Number.
                x = [int(v) if isinstance(v, float) and math.isfinite(v) else v
                     for v in x]
            out[s] = x
        return out

    def call(self, obj: Any, name: str, raw_args: list[Any]) -> Any:
        fn = self._method(obj, name)
        args = [self.decode(a) for a in raw_args]
        # Trailing undefined arguments are as if not passed; an undefined
        # dictionary is an empty one.
        while args and args[-1] is UNDEFINED:
            args.pop()
        args = [None if a is UNDEFINED else a for a in args]
        sig = inspect.signature(fn)
        params = list(sig.parameters.values())
        positional = [p for p in params if p.kind in (
            p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        var_pos = any(p.kind == p.VAR_POSITIONAL for p in params)
        keyword = {p.name for p in params if p.kind == p.KEYWORD_ONLY}
        kwargs: dict[str, Any] = {}
        py_name = fn.__name__.removesuffix("_async")
        for i, a in enumerate(args):
            if not isinstance(a, dict) or (py_name, i) in _RECORDS:
                continue
            is_options = (not var_pos and i == len(args) - 1
                          and i >= len(positional) and keyword)
            if is_options:
                kwargs = self._dictionary(a, keyword, f"{name} options")
            else:
                args[i] = self._dictionary(a, _DESCRIPTOR_MEMBERS, f"{name} arg {i}")
        if kwargs or (args and not var_pos and len(args) > len(positional)
                      and isinstance(args[-1], dict) and keyword):
            args = args[:-1]
        if py_name == "create_context" and self.backend is not None:
            kwargs["backend"] = self.backend
        return fn(*args, **kwargs)

    def request(self, req: dict[str, Any]) -> dict[str, Any]:
        try:
            op = req["op"]
            if op == "ml":
                result: Any = self.call(webnnpy.ml, req["method"], req["args"])
            elif op == "new":
                result = MLGraphBuilder(*[self.decode(a) for a in req["args"]])
            elif op == "call":
                result = self.call(self.objects[req["target"]], req["method"],
                                   req["args"])
                if req.get("async"):
                    # an MLPromise: JavaScript awaits it with an "await" request
                    return {"ok": {"$promise": self.handle_of(result)}}
            elif op == "await":
                result = self.objects.pop(req["target"]).result()
            elif op == "readInto":
                ctx = self.objects[req["target"]]
                tensor = self.decode(req["args"][0])
                out = self.decode(req["args"][1])
                ctx.read_tensor(tensor, out)
                result = out
            elif op == "names":
                result = {"ops": sorted(_SPEC_TABLE["ops"])}
                return {"ok": result}
            else:
                raise ValueError(f"bridge: unknown request {op!r}")
            return {"ok": self.encode(result)}
        except TypeError as e:
            return {"err": {"kind": "TypeError", "message": str(e)}}
        except webnnpy.DOMException as e:
            return {"err": {"kind": "DOMException", "name": e.name,
                            "message": str(e)}}
        except Exception as e:  # noqa: BLE001 - reported as a crash
            tb = traceback.format_exc(limit=6)
            self.crashes.append(tb)
            return {"err": {"kind": "PythonError", "name": type(e).__name__,
                            "message": f"{type(e).__name__}: {e}"}}

    def serve(self, requests: TextIO, responses: TextIO) -> None:
        for line in requests:
            if not line.strip():
                continue
            resp = self.request(json.loads(line))
            responses.write(json.dumps(resp, allow_nan=False) + "\n")
            responses.flush()
