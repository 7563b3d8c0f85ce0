"""A headless Chromium with WebNN, driven from Python.

:class:`Browser` starts the browser installed by
:func:`webnnpy.browser.install` with a fresh user-data-dir, serves a folder on
``http://127.0.0.1:<port>`` (loopback is a secure context, which
``navigator.ml`` needs), opens a page there and talks to it over the DevTools
protocol on ``--remote-debugging-pipe``.  It evaluates JavaScript, reports
``opSupportLimits()``, and runs modules written by
:func:`webnnpy.models.javascript.export` on numpy inputs.

One browser serves many calls: start it once (``with Browser() as b:``) and
call :meth:`Browser.run_module` for each exported graph.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
import weakref
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from webnnpy.browser.cdp import CDPError, PipeConnection
from webnnpy.browser.install import Installation, find
from webnnpy.browser.server import PageServer
from webnnpy.dtypes import PACKED_TYPES, from_numpy_dtype, pack_int4, unpack_int4

__all__ = ["CHROMIUM_FLAGS", "Browser", "BrowserError", "JSError"]

#: the switches the browser needs on these machines (see docs/browser.md)
CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
    "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage", "--mute-audio",
    "--enable-features=WebMachineLearningNeuralNetwork",
)

_EXEC_WITH_PIPE = (
    "import os, sys\n"
    "r, w = int(sys.argv[1]), int(sys.argv[2])\n"
    "r2, w2 = os.dup(r), os.dup(w)\n"  # survive r or w being 3 or 4
    "[os.close(fd) for fd in (r, w)]\n"
    "os.dup2(r2, 3); os.dup2(w2, 4)\n"
    "[os.close(fd) for fd in (r2, w2) if fd not in (3, 4)]\n"
    "os.set_inheritable(3, True); os.set_inheritable(4, True)\n"
    "os.execv(sys.argv[3], sys.argv[3:])\n"
)

_INDEX = ("<!doctype html><meta charset=utf-8><title>webnnpy</title>"
          "<p>webnnpy WebNN harness</p>\n")

#: MLOperandDataType -> numpy dtype (little-endian, as typed arrays are here)
_NP = {"float32": "<f4", "float16": "<f2", "int32": "<i4", "uint32": "<u4",
       "int64": "<i8", "uint64": "<u8", "int8": "i1", "uint8": "u1"}


class BrowserError(RuntimeError):
    """The browser could not be started or stopped responding."""


class JSError(RuntimeError):
    """JavaScript threw: ``name`` is the error's name (``TypeError``,
    ``NotSupportedError``, ...), ``message`` its message and ``stage`` what
    :meth:`Browser.run_module` was doing."""

    def __init__(self, name: str, message: str, stack: str = "", *,
                 stage: str = "") -> None:
        where = f" (during {stage})" if stage else ""
        super().__init__(f"{name}{where}: {message}")
        self.name = name
        self.message = message
        self.stack = stack
        #: for run_module: import, createContext, build, inputs, run, outputs
        self.stage = stage


# Runs an exported module once (or timed): fetches the inputs' bytes, builds,
# dispatches, posts each output's bytes back to the page server.
_RUN_JS = r"""
(async (cfg) => {
  let stage = "import";
  try {
    const mod = await import(cfg.module);
    stage = "createContext";
    const context = await navigator.ml.createContext(cfg.contextOptions);
    stage = "build";
    const t0 = performance.now();
    const session = await mod.createSession(context);
    const t1 = performance.now();
    stage = "inputs";
    const values = Object.create(null);  // input names may be "__proto__"
    for (const [name, file] of Object.entries(cfg.inputs)) {
      const r = await fetch(file);
      values[name] = mod.asTypedArray(await r.arrayBuffer(), mod.inputs[name].dataType);
    }
    stage = "run";
    const outputs = await session.run(values);
    // performance.now() is coarse (0.1 ms) without cross-origin isolation:
    // time batches of runs and report each batch's mean
    const times = [];
    for (let i = 0; i < cfg.warmup; i++) await session.run(values);
    const batch = Math.max(1, Math.floor(cfg.iterations / 5));
    for (let done = 0; done < cfg.iterations; done += batch) {
      const n = Math.min(batch, cfg.iterations - done);
      const s = performance.now();
      for (let i = 0; i < n; i++) await session.run(values);
      times.push((performance.now() - s) / n);
    }
    stage = "outputs";
    const names = Object.keys(outputs);
    for (let i = 0; i < names.length; i++) {
      const a = outputs[names[i]];
      const body = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
      const r = await fetch(cfg.post + i, { method: "POST", body });
      if (!r.ok) throw new Error(`posting output ${names[i]}: HTTP ${r.status}`);
    }
    session.destroy();
    if (context.destroy) context.destroy();
    return { names, descs: mod.outputs, buildMs: t1 - t0, times };
  } catch (e) {
    return { error: { name: e?.name ?? "Error", message: String(e?.message ?? e),
                      stack: String(e?.stack ?? ""), stage } };
  }
})
"""

# MLOpSupportLimits as plain JSON (MLDataTypeList -> arrays).
_LIMITS_JS = r"""
(async (options) => {
  const context = await navigator.ml.createContext(options);
  const limits = context.opSupportLimits();
  const out = JSON.parse(JSON.stringify(limits));
  if (context.destroy) context.destroy();
  return out;
})
"""


class Browser:
    """A headless Chromium with WebNN; use as a context manager.

    Args:
        cache_dir: where :func:`~webnnpy.browser.install` put the browser
            (default: :func:`~webnnpy.browser.default_cache_dir`).
        root: a folder to serve at the origin's root (default: a temporary
            folder with an empty page).
        extra_args: more command-line switches for Chromium.
        timeout: seconds to wait for the browser to start and for each call.

    Raises:
        BrowserNotInstalledError: the browser is not installed or lacks
            system libraries (the message says how to fix it).
        BrowserError: it did not start.
    """

    def __init__(self, cache_dir: str | os.PathLike[str] | None = None, *,
                 root: str | os.PathLike[str] | None = None,
                 extra_args: tuple[str, ...] = (), timeout: float = 120.0) -> None:
        self.installation: Installation = find(cache_dir)
        self.timeout = timeout
        self._extra_args = tuple(extra_args)
        self._tmp = Path(tempfile.mkdtemp(prefix="webnnpy-browser-"))
        self._root = Path(root) if root is not None else self._tmp / "www"
        self._root.mkdir(parents=True, exist_ok=True)
        if root is None:
            (self._root / "index.html").write_text(_INDEX)
        self._proc: subprocess.Popen[bytes] | None = None
        self._conn: PipeConnection | None = None
        self._server: PageServer | None = None
        self._session: str | None = None
        self._log = self._tmp / "chromium.log"
        self._finalizer: weakref.finalize[Any, Any] | None = None
        #: the browser's product string, e.g. "HeadlessChrome/153.0.8010.0"
        self.version = ""

    # ------------------------------------------------------------ lifecycle

    def __enter__(self) -> Browser:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> None:
        """Start the server and the browser and open the harness page."""
        if self._proc is not None:
            return
        self._server = PageServer(self._root)
        profile = self._tmp / "profile"
        profile.mkdir()
        args = [str(self.installation.binary), *CHROMIUM_FLAGS,
                f"--user-data-dir={profile}", "--remote-debugging-pipe",
                *self._extra_args, "about:blank"]
        # our write end -> the browser's fd 3; the browser's fd 4 -> our read
        # end.  A tiny Python exec wrapper moves them there (preexec_fn is
        # unsafe in a process with threads; sh cannot name fds above 9).
        cmd_r, cmd_w = os.pipe()
        res_r, res_w = os.pipe()
        wrapper = [sys.executable, "-c", _EXEC_WITH_PIPE, str(cmd_r), str(res_w),
                   *args]
        log = open(self._log, "wb")  # the child keeps its own copy
        try:
            self._proc = subprocess.Popen(
                wrapper, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                pass_fds=(cmd_r, res_w), cwd=self.installation.binary.parent)
        except OSError as e:
            log.close()
            raise BrowserError(f"cannot start {args[0]}: {e}") from None
        finally:
            os.close(cmd_r)
            os.close(res_w)
        log.close()
        # a Browser dropped without close() still ends its process
        self._finalizer = weakref.finalize(self, _kill, self._proc, self._tmp)
        self._conn = PipeConnection(cmd_w, res_r)
        try:
            self.version = self._conn.send("Browser.getVersion",
                                           timeout=self.timeout)["product"]
            target = self._conn.send("Target.createTarget",
                                     {"url": "about:blank"})["targetId"]
            self._session = self._conn.send(
                "Target.attachToTarget", {"targetId": target, "flatten": True}
            )["sessionId"]
            self._send("Page.enable")
            self._send("Runtime.enable")
            self.navigate("/index.html")
        except CDPError as e:
            tail = self.log_tail()
            self.close()
            raise BrowserError(f"the browser did not start: {e}\n{tail}") from None

    def close(self) -> None:
        """Stop the browser and the server; remove the temporary folders."""
        if self._conn is not None and self._proc is not None \
                and self._proc.poll() is None:
            try:
                self._conn.send("Browser.close", timeout=10)
            except CDPError:
                pass
        if self._proc is not None:
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait(timeout=10)
            self._proc = None
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        if self._server is not None:
            self._server.close()
            self._server = None
        if self._finalizer is not None:
            self._finalizer.detach()
            self._finalizer = None
        shutil.rmtree(self._tmp, ignore_errors=True)

    def log_tail(self, n: int = 2000) -> str:
        """The end of the browser's own stderr output (for diagnostics)."""
        try:
            return self._log.read_bytes()[-n:].decode(errors="replace")
        except OSError:
            return ""

    # -------------------------------------------------------------- basics

    @property
    def origin(self) -> str:
        """The page server's origin, ``http://127.0.0.1:<port>``."""
        if self._server is None:
            raise BrowserError("the browser is not started")
        return self._server.origin

    def serve(self, folder: str | os.PathLike[str]) -> str:
        """Serve ``folder`` to the page; returns its URL path (``/m/<key>/``),
        e.g. for ``await import(path + "model.js")`` in :meth:`evaluate`."""
        if self._server is None:
            raise BrowserError("the browser is not started")
        return self._server.mount(uuid.uuid4().hex, folder)

    def _send(self, method: str, params: dict[str, Any] | None = None, *,
              timeout: float | None = None) -> dict[str, Any]:
        if self._conn is None or self._session is None:
            raise BrowserError("the browser is not started")
        try:
            return self._conn.send(method, params, session=self._session,
                                   timeout=timeout or self.timeout)
        except CDPError as e:
            if self._proc is not None and self._proc.poll() is not None:
                raise BrowserError(f"the browser exited ({self._proc.returncode}): "
                                   f"{e}\n{self.log_tail()}") from None
            raise BrowserError(str(e)) from None

    def navigate(self, path: str) -> None:
        """Load ``origin + path`` in the page and wait until it has loaded."""
        self._send("Page.navigate", {"url": self.origin + path})
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            state = self.evaluate("document.readyState + ' ' + location.href")
            if state == f"complete {self.origin}{path}":
                return
            time.sleep(0.02)
        raise BrowserError(f"the page {path} did not load in {self.timeout} s")

    def evaluate(self, expression: str, *, timeout: float | None = None) -> Any:
        """Evaluate a JavaScript expression in the page; a Promise is awaited.
        Returns the value as JSON-decoded Python data.

        Raises:
            JSError: the expression threw or its Promise rejected.
        """
        res = self._send("Runtime.evaluate", {
            "expression": expression, "awaitPromise": True,
            "returnByValue": True, "userGesture": True,
        }, timeout=timeout)
        if "exceptionDetails" in res:
            raise _js_error(res["exceptionDetails"])
        return res.get("result", {}).get("value")

    def call(self, function: str, *args: Any, timeout: float | None = None) -> Any:
        """Call a JavaScript function expression with JSON-able arguments."""
        args_js = ", ".join(json.dumps(a) for a in args)
        return self.evaluate(f"({function})({args_js})", timeout=timeout)

    def console(self) -> list[str]:
        """Console messages and uncaught exceptions since the last call."""
        out: list[str] = []
        if self._conn is None:
            return out
        for ev in self._conn.drain_events():
            p = ev.get("params", {})
            if ev.get("method") == "Runtime.consoleAPICalled":
                out.append(f"console.{p.get('type')}: " + " ".join(
                    str(a.get("value", a.get("description", "")))
                    for a in p.get("args", [])))
            elif ev.get("method") == "Runtime.exceptionThrown":
                out.append(f"exception: {_js_error(p.get('exceptionDetails', {}))}")
        return out

    # --------------------------------------------------------------- WebNN

    def op_support_limits(self, context_options: Mapping[str, Any] | None = None
                          ) -> dict[str, Any]:
        """``(await navigator.ml.createContext(options)).opSupportLimits()``."""
        return self.call(_LIMITS_JS, dict(context_options or {}))

    def run_module(self, js_dir: str | os.PathLike[str],
                   inputs: Mapping[str, np.ndarray], *,
                   context_options: Mapping[str, Any] | None = None,
                   module: str = "model.js") -> dict[str, np.ndarray]:
        """Run an exported module (``js_dir/model.js`` + ``weights.bin``) once
        on ``inputs`` and return its outputs as numpy arrays (the dtype of
        each output's data type, its shape).

        Raises:
            JSError: building or running threw in the browser (for example a
                ``TypeError`` for an unsupported data type); its ``stage``
                says which.
        """
        return self._run(js_dir, inputs, context_options, module, 0, 0)[0]

    def benchmark(self, js_dir: str | os.PathLike[str],
                  inputs: Mapping[str, np.ndarray], *, iterations: int = 20,
                  warmup: int = 3, context_options: Mapping[str, Any] | None = None,
                  module: str = "model.js") -> dict[str, Any]:
        """Time ``iterations`` runs (write inputs, dispatch, read outputs) of
        an exported module after ``warmup`` runs, in up to 5 batches (the
        page's clock is coarse).  Returns ``{"build_ms", "times_ms"`` (each
        batch's mean), ``"median_ms", "min_ms", "outputs"}``."""
        outputs, info = self._run(js_dir, inputs, context_options, module,
                                  iterations, warmup)
        times = list(info["times"])
        return {"build_ms": info["buildMs"], "times_ms": times,
                "median_ms": float(np.median(times)) if times else float("nan"),
                "min_ms": min(times) if times else float("nan"),
                "outputs": outputs}

    def _run(self, js_dir: str | os.PathLike[str], inputs: Mapping[str, np.ndarray],
             context_options: Mapping[str, Any] | None, module: str,
             iterations: int, warmup: int) -> tuple[dict[str, np.ndarray], Any]:
        if self._server is None:
            raise BrowserError("the browser is not started")
        key = uuid.uuid4().hex
        io_dir = self._tmp / "io" / key
        io_dir.mkdir(parents=True)
        files = {}
        for i, (name, arr) in enumerate(inputs.items()):
            a = np.asarray(arr)
            packed = from_numpy_dtype(a.dtype)
            if packed in PACKED_TYPES:  # int4/uint4: two a byte, as WebNN takes
                a = pack_int4(a, packed)
            if a.dtype.kind in "fiu":
                a = a.astype(a.dtype.newbyteorder("<"), copy=False)
            (io_dir / f"in{i}.bin").write_bytes(np.ascontiguousarray(a).tobytes())
            files[name] = f"/m/{key}-io/in{i}.bin"
        self._server.mount(key, js_dir)
        self._server.mount(f"{key}-io", io_dir)
        cfg = {"module": f"/m/{key}/{module}", "inputs": files,
               "contextOptions": dict(context_options or {}),
               "post": f"/post/{key}/", "iterations": iterations, "warmup": warmup}
        try:
            info = self.call(_RUN_JS, cfg)
            posted = self._server.take_prefix(f"{key}/")
            if "error" in info:
                err = info["error"]
                raise JSError(err["name"], err["message"], err["stack"],
                              stage=err["stage"])
        finally:
            self._server.unmount(key)
            self._server.unmount(f"{key}-io")
            shutil.rmtree(io_dir, ignore_errors=True)
        outputs: dict[str, np.ndarray] = {}
        for i, name in enumerate(info["names"]):
            desc = info["descs"][name]
            raw = posted.get(str(i))
            if raw is None:
                raise BrowserError(f"the page posted no data for output {name!r}")
            if desc["dataType"] in PACKED_TYPES:
                outputs[name] = unpack_int4(raw, desc["dataType"],
                                            tuple(desc["shape"])).copy()
                continue
            dt = np.dtype(_NP[desc["dataType"]])
            outputs[name] = np.frombuffer(raw, dt).astype(
                dt.newbyteorder("="), copy=True).reshape(desc["shape"])
        return outputs, info


def _kill(proc: subprocess.Popen[bytes], tmp: Path) -> None:
    if proc.poll() is None:
        proc.kill()
        proc.wait(timeout=10)
    shutil.rmtree(tmp, ignore_errors=True)


def _js_error(details: dict[str, Any]) -> JSError:
    exc = details.get("exception", {})
    desc = exc.get("description") or details.get("text", "error")
    # description is "<Name>: <message>\n    at ..." for Error objects
    first, _, stack = desc.partition("\n")
    name, sep, message = first.partition(": ")
    if not sep:
        name, message = exc.get("className", "Error"), first
    return JSError(name, message, stack)
