"""``python -m benchmarks --zoo``: real ONNX models through webnnpy's importer
against native ONNX Runtime on the same file.

For each model of :data:`benchmarks.zoo_models.MODELS` (registry packages'
files, and the files ``benchmarks/zoo_export.py`` writes outside the repo):

(a) native: a fresh process creates an ``InferenceSession`` and runs it
    once: session creation time and the process's peak RSS;
(b) webnnpy: a fresh process runs ``webnnpy.models.onnx.load(path, dims=...)``
    and one ``run``: load time and peak RSS (:mod:`benchmarks.zoo_child`);
(c) in this process, interleaved round-robin like :mod:`benchmarks.run`:
    native ``session.run(None, feed)``, ``imported.run(feed)``, and the
    dispatch path (``context.dispatch`` on preallocated MLTensors, inputs
    written once, then ``read_tensor`` of every output into preallocated
    buffers); same seeded inputs; the native session uses the SessionOptions
    and providers of webnnpy's ONNX Runtime backend;
(d) max abs error of ``imported.run`` vs native over every output, and that
    over max |native|.

Each model gets ``--budget`` seconds of timing (fewer calls per block for
slow models), so a full run takes about 20-30 minutes on 2 cores.  A model
that fails shows its one-line error and the run goes on.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.zoo_child import constants, make_feeds
from benchmarks.zoo_models import MODELS, ZooSpec, file_sha256, zoo_dir

__all__ = ["main", "render", "run_model"]

ROOT = Path(__file__).resolve().parent.parent
NOT_EXPORTED = "not exported (run benchmarks/zoo_export.py)"
IMPLS = (("native", "native ORT session.run"), ("run", "webnnpy load().run"),
         ("dispatch", "webnnpy dispatch + read_tensor"))


def _short(e: BaseException | str, limit: int = 200) -> str:
    msg = e if isinstance(e, str) else f"{type(e).__name__}: {e}"
    msg = " ".join(msg.split())
    return msg if len(msg) <= limit else msg[: limit - 3] + "..."


# ------------------------------------------------------------ environment


def cpu_info() -> dict[str, Any]:
    """CPU model and its vector extensions (from ``/proc/cpuinfo``)."""
    model, flags = platform.processor() or platform.machine(), []
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name") and model in ("", platform.machine(),
                                                               platform.processor()):
                    model = line.split(":", 1)[1].strip()
                elif line.startswith(("flags", "Features")):
                    flags = line.split(":", 1)[1].split()
                    break
    except OSError:
        pass
    vec = [f for f in flags if f in ("sse4_2", "avx", "avx2", "fma", "f16c",
                                     "avx_vnni", "asimd", "sve", "sve2")
           or f.startswith(("avx512", "amx"))]
    return {"model": model, "vector": vec, "cpus": os.cpu_count()}


def _settings() -> dict[str, Any]:
    """The webnnpy ORT backend's session settings, for the native child."""
    from benchmarks.native import session_options

    so, providers = session_options()
    return {"log_severity_level": so.log_severity_level,
            "graph_optimization_level": int(so.graph_optimization_level),
            "intra_op_num_threads": so.intra_op_num_threads,
            "inter_op_num_threads": so.inter_op_num_threads,
            "execution_mode": int(so.execution_mode), "providers": providers}


def _environment() -> dict[str, Any]:
    import onnx
    import onnxruntime as ort

    import webnnpy
    from benchmarks.native import openvino_config, openvino_version, session_settings

    env = {"python": platform.python_version(),
           "webnnpy": getattr(webnnpy, "__version__", "?"),
           "onnxruntime": ort.__version__, "onnx": onnx.__version__,
           "numpy": np.__version__, "cpu": cpu_info(),
           "session": session_settings(), "openvino": openvino_version()}
    if env["openvino"]:
        env["openvino_config"] = openvino_config()
    return env


# ------------------------------------------------------------ one model


def resolve(spec: ZooSpec) -> tuple[Path | None, str]:
    """The model file, or None and why not."""
    if not spec.exported:
        from webnnpy.models import zoo

        assert spec.registry_name is not None
        try:
            return zoo.find_model(spec.registry_name), ""
        except (KeyError, FileNotFoundError) as e:
            return None, f"not installed: {_short(e)}"
    folder = zoo_dir()
    path = folder / spec.file_name
    if path.is_file():
        return path, ""
    try:
        entry = json.loads((folder / "manifest.json").read_text())["models"][spec.name]
        if entry.get("status", "ok") != "ok":
            return None, f"export {entry['status']}"
    except (OSError, KeyError, ValueError):
        pass
    return None, NOT_EXPORTED


def _child(side: str, spec: ZooSpec, path: Path, settings: dict[str, Any],
           timeout: float) -> dict[str, Any]:
    cmd = [sys.executable, "-m", "benchmarks.zoo_child", side, spec.name, str(path)]
    if side == "native":
        cmd.append(json.dumps(settings))
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(ROOT)] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    try:
        p = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True,
                           timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"status": f"timed out after {timeout:.0f} s"}
    lines = [ln for ln in p.stdout.splitlines() if ln.startswith("{")]
    if p.returncode != 0 or not lines:
        tail = (p.stderr.strip().splitlines() or ["no output"])[-1]
        return {"status": f"process failed (rc {p.returncode}): {_short(tail)}"}
    out: dict[str, Any] = json.loads(lines[-1])
    return out


def _compare(got: dict[str, np.ndarray], want: dict[str, np.ndarray]
             ) -> tuple[float, float]:
    """Max abs difference over every output, and the largest of each
    output's max abs difference over its max |native|."""
    worst, rel = 0.0, 0.0
    for name, b in want.items():
        if name not in got:
            return math.nan, math.nan
        a = got[name]
        if a.shape != b.shape:
            return math.nan, math.nan
        a64, b64 = a.astype(np.float64), b.astype(np.float64)
        same = (a64 == b64) | (np.isnan(a64) & np.isnan(b64))
        d = np.where(same, 0.0, np.abs(a64 - b64))
        diff = float(np.max(d)) if d.size else 0.0
        scale = float(np.max(np.abs(b64[np.isfinite(b64)]), initial=0.0))
        worst = max(worst, diff) if not math.isnan(diff) else math.nan
        rel = max(rel, diff / scale if scale else (0.0 if diff == 0 else math.inf))
    return worst, rel


def _stats(samples: Sequence[float]) -> dict[str, float] | None:
    if not samples:
        return None
    return {"n": len(samples), "median": statistics.median(samples),
            "min": min(samples), "max": max(samples)}


def _timed(call: Callable[[], Any]) -> float:
    t0 = time.perf_counter()
    call()
    return time.perf_counter() - t0


def _openvino_calls(spec: ZooSpec, path: Path, feeds: dict[str, np.ndarray],
                    web_feeds: dict[str, np.ndarray], out_names: list[str],
                    last: dict[str, Any], res: dict[str, Any],
                    log: Callable[[str], None]) -> dict[str, Callable[[], None]]:
    """With ``--openvino``: native OpenVINO on the same file (``ov_native``)
    and webnnpy's OpenVINO backend (``ov_run``) where it is registered; a side
    that fails is left out with its error in ``res``."""
    import webnnpy
    from benchmarks.native import make_openvino_request
    from webnnpy.backends import available_backends
    from webnnpy.models import onnx as wonnx

    calls: dict[str, Callable[[], None]] = {}
    try:
        req = make_openvino_request(str(path), {k: v.shape for k, v in feeds.items()})
        ov_in = {p.get_any_name(): feeds[p.get_any_name()]
                 for p in req.model_inputs if p.get_any_name() in feeds}

        def ov_native() -> None:
            r = req.infer(ov_in, share_inputs=True, share_outputs=False)
            last["ov_native"] = [np.asarray(r[i]) for i in range(len(out_names))]

        calls["ov_native"] = ov_native
    except Exception as e:  # noqa: BLE001 - the run goes on without this side
        res["ov_native_status"] = f"failed: {_short(e)}"
        log(f"[{spec.name}] native OpenVINO: {res['ov_native_status']}")
    if available_backends().get("openvino"):
        try:
            ctx = webnnpy.ml.create_context(backend="openvino")
            imported = wonnx.load(str(path), dims=spec.dims(), context=ctx,
                                  constants=constants(spec, feeds) or None)

            def ov_run() -> None:
                last["ov_run"] = imported.run(web_feeds)

            calls["ov_run"] = ov_run
            res["_ov_cleanup"] = (imported.graph, ctx)
        except Exception as e:  # noqa: BLE001
            res["ov_run_status"] = f"failed: {_short(e)}"
            log(f"[{spec.name}] webnnpy OpenVINO: {res['ov_run_status']}")
    else:
        res["ov_run_status"] = "no webnnpy OpenVINO backend"
    from webnnpy.backends import composite_available

    if composite_available().get("auto"):
        try:  # the default context where both runtimes are installed
            from webnnpy.backends.auto import choice_of

            actx = webnnpy.ml.create_context(backend="auto")
            t0 = time.perf_counter()
            auto = wonnx.load(str(path), dims=spec.dims(), context=actx,
                              constants=constants(spec, feeds) or None)
            res["auto_load_s"] = time.perf_counter() - t0
            res["auto_runtime"], res["auto_why"] = choice_of(auto.graph)

            def auto_run() -> None:
                last["auto_run"] = auto.run(web_feeds)

            calls["auto_run"] = auto_run
            res["_auto_cleanup"] = (auto.graph, actx)
        except Exception as e:  # noqa: BLE001
            res["auto_run_status"] = f"failed: {_short(e)}"
            log(f"[{spec.name}] webnnpy auto: {res['auto_run_status']}")
    return calls


def _in_process(spec: ZooSpec, path: Path, *, rounds: int, budget: float,
                pause: float, log: Callable[[str], None],
                openvino: bool = False) -> dict[str, Any]:
    """(c) and (d): interleaved timing and errors in this process."""
    import onnxruntime as ort

    import webnnpy
    from benchmarks.native import session_options
    from webnnpy.models import onnx as wonnx

    feeds = make_feeds(spec)
    so, providers = session_options()
    session = ort.InferenceSession(str(path), so, providers=providers)
    out_names = [o.name for o in session.get_outputs()]
    ctx = webnnpy.ml.create_context(backend="onnxruntime")
    imported = wonnx.load(str(path), dims=spec.dims(), context=ctx,
                          constants=constants(spec, feeds) or None)
    web_feeds = {k: v for k, v in feeds.items() if k in imported.inputs}
    graph = imported.graph
    res: dict[str, Any] = {}

    # the dispatch path: tensors and buffers allocated once, inputs written once
    in_t, out_t, out_buf = {}, {}, {}
    for name, desc in graph.inputs.items():
        in_t[name] = ctx.create_tensor({"data_type": desc["data_type"],
                                        "shape": list(desc["shape"]),
                                        "writable": True})
        ctx.write_tensor(in_t[name], np.ascontiguousarray(
            feeds[name].astype(np.dtype(desc["data_type"]))))
    for name, desc in graph.outputs.items():
        out_t[name] = ctx.create_tensor({"data_type": desc["data_type"],
                                         "shape": list(desc["shape"]),
                                         "readable": True})
        out_buf[name] = np.empty(tuple(desc["shape"]), np.dtype(desc["data_type"]))

    last: dict[str, Any] = {}

    def native() -> None:
        last["native"] = session.run(None, feeds)

    def run() -> None:
        last["run"] = imported.run(web_feeds)

    def dispatch() -> None:
        ctx.dispatch(graph, in_t, out_t)
        for name, t in out_t.items():
            ctx.read_tensor(t, out_buf[name])

    calls: dict[str, Callable[[], None]] = {
        "native": native, "run": run, "dispatch": dispatch}
    if openvino:
        calls.update(_openvino_calls(spec, path, feeds, web_feeds, out_names,
                                     last, res, log))
    first = {k: _timed(c) for k, c in calls.items()}  # warm-up + outputs
    want = dict(zip(out_names, last["native"], strict=True))
    res["err"] = _compare(last["run"], want)
    if "ov_native" in last:
        res["ov_native_err"] = _compare(
            dict(zip(out_names, last["ov_native"], strict=True)), want)
    if "ov_run" in last:
        res["ov_run_err"] = _compare(last["ov_run"], want)
    if "auto_run" in last:
        res["auto_run_err"] = _compare(last["auto_run"], want)
    res["dispatch_err"] = _compare(
        {k: v.copy() for k, v in out_buf.items()},
        {k: v for k, v in last["run"].items() if k in out_buf})
    for c in calls.values():  # a second warm-up: ORT's first runs allocate
        c()
    est = {k: max(1e-6, min(first[k], _timed(c))) for k, c in calls.items()}
    # a block: one unrecorded call (ORT's threads wake up after the pause;
    # left out for calls over 0.1 s, where it matters little), then
    # ``block`` recorded calls
    lead = {k: t < 0.1 for k, t in est.items()}
    round_cost = sum(est.values())
    fixed = sum(est[k] for k in calls if lead[k]) + len(calls) * pause
    block = max(1, min(50, int((budget / rounds - fixed) / round_cost)))
    log(f"[{spec.name}] timing: ~{round_cost * 1e3:.1f} ms per call of all "
        f"{len(calls)}, {rounds} rounds x {block} calls")
    samples: dict[str, list[float]] = {k: [] for k in calls}
    blocks: dict[str, list[float]] = {k: [] for k in calls}
    keys = list(calls)
    from benchmarks.run import CpuMeter

    gc.collect()
    meter = CpuMeter()
    t_start = time.perf_counter()
    done = 0
    for r in range(rounds):
        k = r % len(keys)
        for key in keys[k:] + keys[:k]:
            c = calls[key]
            if lead[key]:
                c()
            blk = [_timed(c) for _ in range(block)]
            samples[key].extend(blk)
            blocks[key].append(statistics.median(blk))
            time.sleep(pause)
        done += 1
        spent = time.perf_counter() - t_start
        if done >= 3 and spent > 1.5 * budget:
            break  # the estimate was low: keep the run bounded
    res["load"] = meter.others()
    res["rounds"], res["block"] = done, block
    res["stats"] = {k: _stats(v) for k, v in samples.items()}
    # per round, a block's median over native's block median in the same
    # round (adjacent in time, so less exposed to load that drifts)
    pairs = [("run", "native"), ("dispatch", "native"), ("ov_native", "native"),
             ("ov_run", "ov_native")]
    res["paired"] = {k: statistics.median(
        a / b for a, b in zip(blocks[k], blocks[base], strict=True))
        for k, base in pairs if k in calls and base in calls}
    if "auto_run" in calls and "ov_native" in calls:
        # the auto context against the faster native runtime (by median),
        # block by block in the same rounds
        best = min(("native", "ov_native"), key=lambda k: statistics.median(samples[k]))
        res["paired"]["auto_run"] = statistics.median(
            a / b for a, b in zip(blocks["auto_run"], blocks[best], strict=True))
    for obj in (*res.pop("_ov_cleanup", ()), *res.pop("_auto_cleanup", ())):
        obj.destroy()
    graph.destroy()
    ctx.destroy()
    gc.collect()
    return res


def run_model(spec: ZooSpec, *, rounds: int, budget: float, pause: float,
              settings: dict[str, Any], child_timeout: float = 600.0,
              log: Callable[[str], None] = print,
              openvino: bool = False) -> dict[str, Any]:
    """Every measurement of one model (a record for :func:`render`)."""
    rec: dict[str, Any] = {"name": spec.name, "family": spec.family,
                           "source": spec.source, "inputs": spec.describe(),
                           "status": "ok"}
    path, why = resolve(spec)
    if path is None:
        rec["status"] = why
        return rec
    rec["path"] = str(path)
    rec["sha256"] = file_sha256(path)
    t0 = time.perf_counter()
    log(f"[{spec.name}] native session in a fresh process")
    rec["native_child"] = _child("native", spec, path, settings, child_timeout)
    log(f"[{spec.name}] webnnpy load in a fresh process")
    rec["webnnpy_child"] = _child("webnnpy", spec, path, settings, child_timeout)
    for side in ("native_child", "webnnpy_child"):
        st = rec[side]["status"]
        if st != "ok":
            who = "native ORT" if side == "native_child" else "webnnpy load"
            kind = "unsupported" if "Unsupported" in st else "failed"
            rec["status"] = f"{kind}: {who}: {st}" + (
                f" (expected: {spec.expect})" if spec.expect else "")
            rec["total_s"] = time.perf_counter() - t0
            return rec
    try:
        rec.update(_in_process(spec, path, rounds=rounds, budget=budget,
                               pause=pause, log=log, openvino=openvino))
    except Exception as e:  # noqa: BLE001 - the run goes on
        rec["status"] = f"failed: {_short(e)}"
    gc.collect()
    rec["total_s"] = time.perf_counter() - t0
    return rec


# ------------------------------------------------------------ the report


def _ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def ratios(rec: dict[str, Any]) -> dict[str, float | None]:
    """The ratio columns of one record (None where not measured)."""
    st = rec.get("stats") or {}
    nc, wc = rec.get("native_child") or {}, rec.get("webnnpy_child") or {}

    def med(k: str, f: str = "median") -> float | None:
        s = st.get(k)
        return s[f] if s else None

    return {
        "load": _ratio(wc.get("load_s"), nc.get("load_s")),
        "rss": _ratio(wc.get("rss"), nc.get("rss")),
        "run": _ratio(med("run"), med("native")),
        "run_min": _ratio(med("run", "min"), med("native", "min")),
        "run_paired": (rec.get("paired") or {}).get("run"),
        "dispatch": _ratio(med("dispatch"), med("native")),
        "ov_native": _ratio(med("ov_native"), med("native")),
        "ov_run": _ratio(med("ov_run"), med("ov_native")),
        "ov_run_paired": (rec.get("paired") or {}).get("ov_run"),
        "auto_run": _ratio(med("auto_run"), min(
            (v for v in (med("native"), med("ov_native")) if v), default=None)),
        "auto_run_paired": (rec.get("paired") or {}).get("auto_run"),
        # the default context against native ONNX Runtime (issue #10's bar)
        "auto_vs_ort": _ratio(med("auto_run"), med("native")),
    }


def _f(v: float | None, fmt: str = ".2f") -> str:
    return "-" if v is None or (isinstance(v, float) and math.isnan(v)) else \
        format(v, fmt)


COLUMNS = ("model", "family", "source", "load ratio", "RSS ratio",
           "run ratio (median)", "dispatch ratio (median)", "max abs err",
           "rel err", "run ratio (min)", "run ratio (paired)",
           "native run ms (median)",
           "native load s", "native RSS MiB", "status")


def render(report: dict[str, Any]) -> str:
    """The markdown report."""
    env, args = report["environment"], report["args"]
    cpu = env["cpu"]
    lines = [
        "# webnnpy model zoo: `load().run` vs native ONNX Runtime on the same file",
        "",
        f"- command: `{args['command']}`",
        f"- CPU: {cpu['model']}, {cpu['cpus']} CPUs; vector extensions: "
        f"{' '.join(cpu['vector']) or 'n/a'}",
        f"- Python {env['python']}, onnxruntime {env['onnxruntime']}, onnx "
        f"{env['onnx']}, numpy {env['numpy']}, webnnpy {env['webnnpy']}",
        "- session options (read from the webnnpy backend, used by native too): "
        + ", ".join(f"{k}={v}" for k, v in env["session"].items()),
        f"- timing: up to {args['rounds']} interleaved rounds, about "
        f"{args['budget']:.0f} s per model; pause {args['pause']} s after each "
        f"block; total {report.get('total_s', 0) / 60:.1f} min",
        "",
        "| " + " | ".join(COLUMNS) + " |",
        "|" + "---|" * len(COLUMNS),
    ]
    run_r: list[float] = []
    load_r: list[float] = []
    rss_r: list[float] = []
    notes: list[str] = []
    for rec in report["models"]:
        r = ratios(rec)
        nc = rec.get("native_child") or {}
        st = (rec.get("stats") or {}).get("native")
        err = rec.get("err") or (None, None)
        ok = rec["status"] == "ok"
        if ok:
            for lst, key in ((run_r, "run"), (load_r, "load"), (rss_r, "rss")):
                v = r[key]
                if v is not None:
                    lst.append(v)
            if rec.get("load"):
                ld = rec["load"]
                notes.append(f"{rec['name']}: {rec['rounds']} rounds x "
                             f"{rec['block']} calls; other processes used "
                             f"{ld['other_cores']:.2f} cores")
        status = rec["status"].replace("|", "/")
        lines.append("| " + " | ".join([
            rec["name"], rec["family"], rec["source"], _f(r["load"]),
            _f(r["rss"]), _f(r["run"]), _f(r["dispatch"]), _f(err[0], ".2e"),
            _f(err[1], ".2e"), _f(r["run_min"]), _f(r["run_paired"]),
            _f(st["median"] * 1e3 if st else None, ".1f"),
            _f(nc.get("load_s"), ".2f"),
            _f(nc["rss"] / 2**20 if nc.get("rss") else None, ".0f"),
            status]) + " |")

    def summary(name: str, v: list[float]) -> str:
        if not v:
            return f"{name}: none measured"
        return (f"{name}: median {statistics.median(v):.2f}, max {max(v):.2f} "
                f"over {len(v)} models")

    lines += [
        "",
        "- " + summary("run ratio", run_r)
        + f"; above 1.10: {sum(v > 1.10 for v in run_r)}",
        "- " + summary("load ratio", load_r),
        "- " + summary("RSS ratio", rss_r),
        "",
        "Ratios are webnnpy ÷ native. load: `webnnpy.models.onnx.load(path, "
        "dims=...)` vs `InferenceSession(path)` creation, each in a fresh "
        "process; RSS: peak RSS (VmHWM) of that process after one run, "
        "imports included; run: `imported.run(feed)` vs `session.run(None, "
        "feed)`, interleaved (median ÷ median, min ÷ min, and paired: per "
        "round, the block median ÷ native's block median of that round, "
        "median over rounds); dispatch: `context.dispatch` on preallocated "
        "MLTensors + `read_tensor` of every output. max abs err: of "
        "`imported.run` vs native over every output; rel err: that over "
        "max |native| (the largest over the outputs).",
    ]
    if any("ov_native" in (rec.get("stats") or {}) or rec.get("ov_native_status")
           for rec in report["models"]):
        lines += _render_openvino(report)
    if notes:
        lines += ["", "Notes:", ""] + [f"- {n}" for n in notes]
    return "\n".join(lines) + "\n"


OV_COLUMNS = ("model", "native ORT ms (median)", "native OpenVINO ms (median)",
              "OpenVINO ÷ ORT (native)", "webnnpy-OpenVINO ÷ native OpenVINO (median)",
              "(paired)", "webnnpy-OpenVINO max abs err", "best native",
              "auto runs on", "auto ÷ best native (median)", "(paired)",
              "auto ÷ native ORT (median)", "auto max abs err", "status")


def _render_openvino(report: dict[str, Any]) -> list[str]:
    """The ``--openvino`` table: native OpenVINO beside native ORT, and
    webnnpy's OpenVINO backend against native OpenVINO."""
    env = report["environment"]
    lines = [
        "",
        f"## OpenVINO {env.get('openvino')} on the same files",
        "",
        "- native OpenVINO: `Core.read_model(path)`, inputs reshaped to the feed "
        "shapes, `compile_model(model, 'CPU', config)` with the config the webnnpy "
        "OpenVINO backend uses: " + ", ".join(
            f"{k}={v}" for k, v in (env.get("openvino_config") or {}).items())
        + "; timed as `request.infer(feeds, share_inputs=True)` in the same "
        "interleaved rounds as the ORT columns",
        "",
        "| " + " | ".join(OV_COLUMNS) + " |",
        "|" + "---|" * len(OV_COLUMNS),
    ]
    ov_r: list[float] = []
    nat_r: list[float] = []
    auto_r: list[float] = []
    auto_p: list[float] = []
    auto_o: list[float] = []
    for rec in report["models"]:
        if rec["status"] != "ok":
            continue
        r = ratios(rec)
        st = rec.get("stats") or {}
        ms = {k: st[k]["median"] * 1e3 for k in ("native", "ov_native") if st.get(k)}
        best = min(ms, key=lambda k: ms[k]) if ms else None
        err = rec.get("ov_run_err") or (None, None)
        aerr = rec.get("auto_run_err") or (None, None)
        status = "; ".join(f"{k}: {rec[k]}" for k in ("ov_native_status",
                                                       "ov_run_status",
                                                       "auto_run_status")
                           if rec.get(k)) or "ok"
        ov, nat = r["ov_run"], r["ov_native"]
        if ov is not None:
            ov_r.append(ov)
        if nat is not None:
            nat_r.append(nat)
        for lst, key in ((auto_r, "auto_run"), (auto_p, "auto_run_paired"),
                         (auto_o, "auto_vs_ort")):
            if r[key] is not None:
                lst.append(r[key])  # type: ignore[arg-type]
        lines.append("| " + " | ".join([
            rec["name"], _f(ms.get("native"), ".1f"), _f(ms.get("ov_native"), ".1f"),
            _f(r["ov_native"]), _f(r["ov_run"]), _f(r["ov_run_paired"]),
            _f(err[0], ".2e"),
            {"native": "ORT", "ov_native": "OpenVINO", None: "-"}[best],
            {"onnxruntime": "ORT", "openvino": "OpenVINO"}.get(
                rec.get("auto_runtime") or "", "-"),
            _f(r["auto_run"]), _f(r["auto_run_paired"]), _f(r["auto_vs_ort"]),
            _f(aerr[0], ".2e"),
            status.replace("|", "/")]) + " |")
    for name, v in (("native OpenVINO ÷ native ORT", nat_r),
                    ("webnnpy-OpenVINO ÷ native OpenVINO", ov_r),
                    ("webnnpy auto ÷ best native (median ÷ median)", auto_r),
                    ("webnnpy auto ÷ best native (paired)", auto_p),
                    ("webnnpy auto (the default context) ÷ native ORT", auto_o)):
        if v:
            above = sum(1 for x in v if x > 1.10)
            lines.append(f"\n- {name}: median {statistics.median(v):.2f}, min "
                         f"{min(v):.2f}, max {max(v):.2f} over {len(v)} models; "
                         f"above 1.10: {above}")
    return lines


# ------------------------------------------------------------ CLI


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks --zoo",
        description="Real ONNX models through webnnpy's importer vs native ONNX "
                    "Runtime: load time, peak RSS, run and dispatch latency, "
                    "max error. Prints one markdown table.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--models", default=",".join(MODELS),
                   help="comma-separated: " + ", ".join(MODELS))
    p.add_argument("--rounds", type=int, default=10,
                   help="interleaved rounds (the order rotates each round)")
    p.add_argument("--budget", type=float, default=20.0,
                   help="seconds of timing per model (sets calls per block)")
    p.add_argument("--pause", type=float, default=0.05,
                   help="seconds of sleep after each block")
    p.add_argument("--child-timeout", type=float, default=600.0,
                   help="seconds allowed to each fresh-process measurement")
    p.add_argument("--json", metavar="OUT.json", help="also save all results here")
    p.add_argument("--md", metavar="OUT.md", help="also save the table here")
    p.add_argument("--quiet", action="store_true", help="no progress on stderr")
    p.add_argument("--openvino", action="store_true",
                   help="also time native OpenVINO on the same file and webnnpy's "
                        "OpenVINO backend (where installed), in the same rounds")
    p.add_argument("--list", action="store_true",
                   help="list the models, their inputs and whether their files "
                        "are there; measure nothing")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run the zoo benchmark; print the markdown report."""
    args = _parser().parse_args(argv)
    names = [n.strip() for n in args.models.split(",") if n.strip()]
    bad = [n for n in names if n not in MODELS]
    if bad:
        raise SystemExit(f"unknown model: {', '.join(bad)}; expected "
                         f"{', '.join(MODELS)}")
    rounds = max(1, args.rounds)
    if args.list:
        for name in names:
            spec = MODELS[name]
            path, why = resolve(spec)
            print(f"{name:30} {spec.source:20} {spec.describe()}\n{'':30} "
                  f"{path if path else why}")
        return 0

    def log(msg: str) -> None:
        if not args.quiet:
            print(msg, file=sys.stderr, flush=True)

    argv_list = list(sys.argv[1:] if argv is None else argv)
    report: dict[str, Any] = {
        "environment": _environment(),
        "args": {**vars(args), "rounds": rounds, "command": " ".join(
            ["python -m benchmarks --zoo",
             *[a for a in argv_list if a != "--zoo"]])},
        "models": []}
    settings = _settings()
    started = time.perf_counter()
    for name in names:
        rec = run_model(MODELS[name], rounds=rounds, budget=args.budget,
                        pause=args.pause, settings=settings,
                        child_timeout=args.child_timeout, log=log,
                        openvino=args.openvino)
        log(f"[{name}] {rec['status']} ({rec.get('total_s', 0):.0f} s)")
        report["models"].append(rec)
    report["total_s"] = time.perf_counter() - started
    log(f"done in {report['total_s']:.0f} s")
    text = render(report)
    print(text, end="")
    if args.md:
        Path(args.md).write_text(text)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(report, f, indent=1, default=str)
    return 0


if __name__ == "__main__":
    sys.exit(main())
