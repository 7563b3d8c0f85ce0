"""Per-token latency of greedy decoding: webnnpy on ONNX Runtime vs native ORT
with IOBinding, on the small decoders of tests/data/decoders/.

    python -m benchmarks.decoding [--tokens 32] [--rounds 15]
        [--models gpt2,llama,whisper] [--json out.json]

webnnpy: :class:`webnnpy.models.onnx.generate.Decoder` (one static graph per
cache length, presents fed back as MLTensors with ``dispatch``, only the
logits read).  Native: one ``InferenceSession`` of the same file with the
same SessionOptions as webnnpy's ORT backend (``benchmarks.native``), an
IOBinding whose outputs ORT allocates on the CPU; each step binds the
previous step's present OrtValues as the pasts (no copies) and reads the
logits through ``OrtValue.numpy()`` (the loop optimum's ORT models run);
and **native prebound** (:class:`NativePrebound`): as webnnpy's Decoder, one
set of preallocated OrtValues per cache length and one IOBinding per step
shape, kept across generations, so a step is ``update_inplace`` of the token,
``run_with_iobinding`` and an argmax over the bound logits array.  All sides
run the same prompt and must give the same tokens (checked).

The fixed-size cache variants (``*_fixed.onnx``, one static graph) are
timed the same way: webnnpy's ``FixedCacheDecoder`` against native ORT with
two preallocated cache sets alternating as IOBinding inputs and outputs.

Per token is the wall time of one decoding step after the prompt (the
prompt's step is left out), ``time.perf_counter`` around the step.

- **steady**: after one warm-up generation on each side (webnnpy has then
  built every length's graph), ``--rounds`` generations on each side,
  interleaved (the side that goes first alternates); median and min over all
  their steps.
- **first run**: a new Decoder / InferenceSession, then one generation: the
  whole time (load, builds, prompt and every step) per generated token; the
  two sides interleaved over ``--first-rounds`` rounds, median and min; and
  webnnpy's with ``Decoder(cache=True)`` once its on-disk graph cache (a
  temporary folder) holds every length (what a second process pays).

The CPU model, core count and ORT's version are printed with the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["main", "native_generate", "native_generate_fixed"]

DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "decoders"
#: the realistic-size files (``benchmarks/decoders_export.py --real``)
REAL = Path.home() / ".cache" / "webnnpy" / "decoders_real"
PROMPTS = {"gpt2": [5, 17, 42, 7], "llama": [5, 17, 42, 7], "whisper": [1, 3],
           "gpt2_masked": [5, 17, 42, 7], "llama_masked": [5, 17, 42, 7],
           "whisper_masked": [1, 3]}
FILES = {"gpt2": "gpt2.onnx", "llama": "llama.onnx", "whisper": "whisper_decoder.onnx",
         "gpt2_masked": "gpt2_masked.onnx", "llama_masked": "llama_masked.onnx",
         "whisper_masked": "whisper_decoder_masked.onnx",
         "gpt2_real": str(REAL / "gpt2_real.onnx"),
         "gpt2_real_masked": str(REAL / "gpt2_real_masked.onnx")}
PROMPTS.update(gpt2_real=PROMPTS["gpt2"], gpt2_real_masked=PROMPTS["gpt2"])


def native_generate(sess: Any, prompt: list[int], n: int,
                    extra: Mapping[str, np.ndarray] | None = None
                    ) -> tuple[list[int], list[float]]:
    """Greedy decoding on a native ORT session with IOBinding: the tokens and
    each step's wall time."""
    import onnxruntime as ort

    out_names = [o.name for o in sess.get_outputs()]
    past_names = [i.name for i in sess.get_inputs()
                  if i.name.startswith("past_key_values.")]
    shapes = {i.name: i.shape for i in sess.get_inputs()}
    io = sess.io_binding()
    pasts = {p: ort.OrtValue.ortvalue_from_numpy(
        np.zeros((1, shapes[p][1], 0, shapes[p][3]), np.float32)) for p in past_names}
    extra_values = {k: ort.OrtValue.ortvalue_from_numpy(np.ascontiguousarray(v))
                    for k, v in (extra or {}).items()}
    ids = np.array([prompt], np.int64)
    tokens: list[int] = []
    times: list[float] = []
    present_of = {p: out_names.index(p.replace("past_key_values.", "present.", 1))
                  for p in past_names}
    li = out_names.index("logits")
    masked = "attention_mask" in shapes
    done = 0
    for _ in range(n):
        t0 = time.perf_counter()
        io.bind_cpu_input("input_ids", ids)
        if masked:  # unpadded: the mask all ones, positions from 0
            seq = ids.shape[1]
            io.bind_cpu_input("attention_mask", np.ones((1, done + seq), np.int64))
            io.bind_cpu_input("position_ids",
                              np.arange(done, done + seq).reshape(1, seq))
            done += seq
        for k, v in extra_values.items():
            io.bind_ortvalue_input(k, v)
        for k, v in pasts.items():
            io.bind_ortvalue_input(k, v)
        for name in out_names:
            io.bind_output(name, "cpu")
        sess.run_with_iobinding(io)
        outs = io.get_outputs()
        token = int(np.argmax(outs[li].numpy()[0, -1]))
        pasts = {p: outs[i] for p, i in present_of.items()}
        io.clear_binding_outputs()
        ids = np.array([[token]], np.int64)
        tokens.append(token)
        times.append(time.perf_counter() - t0)
    return tokens, times


class NativePrebound:
    """Native ORT at its best for a growing cache: like webnnpy's Decoder,
    one set of preallocated present OrtValues per cache length and one
    IOBinding per step length, kept across generations, so a step is an
    ``update_inplace`` of the token, ``run_with_iobinding`` and the logits'
    read (what an application that prebinds everything would do)."""

    def __init__(self, sess: Any, extra: Mapping[str, np.ndarray] | None) -> None:
        import onnxruntime as ort

        self.ort = ort
        self.sess = sess
        self.shapes = {i.name: i.shape for i in sess.get_inputs()}
        self.pasts = [n for n in self.shapes if n.startswith("past_key_values.")]
        self.vocab = sess.get_outputs()[0].shape[2]
        self.extra = {k: ort.OrtValue.ortvalue_from_numpy(np.ascontiguousarray(v))
                      for k, v in (extra or {}).items()}
        self.pool: dict[int, dict[str, Any]] = {}
        self.steps: dict[tuple[int, int], tuple[Any, Any, Any, np.ndarray]] = {}
        #: a masked export: per step shape, its mask (all ones) and positions
        self.masked = "attention_mask" in self.shapes
        self.small: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = {}

    def _cache(self, length: int) -> dict[str, Any]:
        if length not in self.pool:
            self.pool[length] = {p: self.ort.OrtValue.ortvalue_from_numpy(np.zeros(
                (1, self.shapes[p][1], length, self.shapes[p][3]), np.float32))
                for p in self.pasts}
        return self.pool[length]

    def _step(self, past: int, seq: int) -> tuple[Any, Any, Any, np.ndarray]:
        key = (past, seq)
        if key not in self.steps:
            io = self.sess.io_binding()
            ids = self.ort.OrtValue.ortvalue_from_numpy(np.zeros((1, seq), np.int64))
            io.bind_ortvalue_input("input_ids", ids)
            for k, v in self.extra.items():
                io.bind_ortvalue_input(k, v)
            ins = self._cache(past)
            outs = self._cache(past + seq)
            for p in self.pasts:
                io.bind_ortvalue_input(p, ins[p])
                io.bind_ortvalue_output(p.replace("past_key_values.", "present.", 1),
                                        outs[p])
            host = np.zeros((1, seq, self.vocab), np.float32)
            logits = self.ort.OrtValue.ortvalue_from_numpy(host)
            io.bind_ortvalue_output("logits", logits)
            if self.masked:  # unpadded; the arrays kept (the values wrap them)
                mask = np.ones((1, past + seq), np.int64)
                pos = np.arange(past, past + seq).reshape(1, seq)
                io.bind_ortvalue_input("attention_mask",
                                       self.ort.OrtValue.ortvalue_from_numpy(mask))
                io.bind_ortvalue_input("position_ids",
                                       self.ort.OrtValue.ortvalue_from_numpy(pos))
                self.small[key] = (mask, pos)
            self.steps[key] = (io, ids, logits, host)
        return self.steps[key]

    def generate(self, prompt: list[int], n: int) -> tuple[list[int], list[float]]:
        tokens: list[int] = []
        times: list[float] = []
        feed = np.array([prompt], np.int64)
        past = 0
        run = self.sess.run_with_iobinding
        for _ in range(n):
            t0 = time.perf_counter()
            io, ids, _, host = self._step(past, feed.shape[1])
            ids.update_inplace(feed)
            run(io)
            tokens.append(int(np.argmax(host[0, -1])))
            past += feed.shape[1]
            feed = np.array([[tokens[-1]]], np.int64)
            times.append(time.perf_counter() - t0)
        return tokens, times


def native_generate_fixed(sess: Any, prompt: list[int], n: int
                          ) -> tuple[list[int], list[float]]:
    """Greedy decoding on a native ORT session of a fixed-size cache model
    (``*_fixed.onnx``): two sets of preallocated cache OrtValues alternate as
    inputs and outputs (IOBinding, no copies); the prompt is fed a token per
    step.  Tokens and the time of each step after the prompt."""
    import onnxruntime as ort

    ins = {i.name: i.shape for i in sess.get_inputs()}
    out_names = [o.name for o in sess.get_outputs()]
    pasts = [k for k in ins if k.startswith("past_key_values.")]
    length = ins[pasts[0]][2]
    sets = [{p: ort.OrtValue.ortvalue_from_numpy(np.zeros(ins[p], np.float32))
             for p in pasts} for _ in range(2)]
    logits = ort.OrtValue.ortvalue_from_numpy(np.zeros(
        sess.get_outputs()[0].shape, np.float32))
    tok = np.zeros((1, 1), np.int64)
    pos = np.zeros((1, 1), np.int64)
    mask = np.zeros((1, length + 1), np.int64)
    small = {k: ort.OrtValue.ortvalue_from_numpy(v) for k, v in
             (("input_ids", tok), ("position_ids", pos), ("attention_mask", mask))}
    ios = []
    for a, b in ((0, 1), (1, 0)):
        io = sess.io_binding()
        for k, v in small.items():
            io.bind_ortvalue_input(k, v)
        for p in pasts:
            io.bind_ortvalue_input(p, sets[a][p])
            io.bind_ortvalue_output(p.replace("past_key_values.", "present.", 1),
                                    sets[b][p])
        io.bind_ortvalue_output(out_names[0], logits)
        ios.append(io)
    tokens: list[int] = []
    times: list[float] = []
    for i in range(len(prompt) + n - 1):
        t0 = time.perf_counter()
        tok_v = prompt[i] if i < len(prompt) else tokens[-1]
        small["input_ids"].update_inplace(np.array([[tok_v]], np.int64))
        small["position_ids"].update_inplace(np.array([[i]], np.int64))
        mask[0, length - i:] = 1
        small["attention_mask"].update_inplace(mask)
        sess.run_with_iobinding(ios[i % 2])
        if i >= len(prompt) - 1:
            tokens.append(int(np.argmax(logits.numpy()[0, -1])))
            times.append(time.perf_counter() - t0)
    return tokens, times


def bench_fixed(name: str, tokens: int, rounds: int) -> dict[str, Any]:
    """Steady state of the fixed-size cache variant, both sides."""
    import onnxruntime as ort

    import webnnpy
    from benchmarks.native import session_options
    from webnnpy.models.onnx.generate import FixedCacheDecoder

    so, providers = session_options()
    path = DATA / f"{name}_fixed.onnx"
    prompt = PROMPTS[name]
    ctx = webnnpy.ml.create_context(backend="onnxruntime")
    dec = FixedCacheDecoder(path, context=ctx)
    sess = ort.InferenceSession(str(path), so, providers=providers)
    want, _ = native_generate_fixed(sess, prompt, tokens)
    got = dec.generate(prompt, tokens)
    if got.tokens != want:
        raise SystemExit(f"{name}_fixed: webnnpy's tokens {got.tokens} differ "
                         f"from native ORT's {want}")
    steps_w: list[float] = []
    steps_n: list[float] = []
    for r in range(rounds):
        def web() -> list[float]:
            g = dec.generate(prompt, tokens)
            return g.step_seconds[g.prompt_steps:]

        def nat() -> list[float]:
            return native_generate_fixed(sess, prompt, tokens)[1][1:]

        if r % 2:
            n_, w_ = nat(), web()
        else:
            w_, n_ = web(), nat()
        steps_w += w_
        steps_n += n_
    dec.close()
    ctx.destroy()
    sw, sn = _stats(steps_w), _stats(steps_n)
    return {"model": f"{name}_fixed", "tokens": tokens, "rounds": rounds,
            "steady": {"webnnpy": sw, "native_iobinding": sn,
                       "ratio_median": sw["median_us"] / sn["median_us"],
                       "ratio_min": sw["min_us"] / sn["min_us"]}}


def _stats(xs: list[float]) -> dict[str, float]:
    if not xs:  # not measured
        return {"median_us": float("nan"), "min_us": float("nan")}
    return {"median_us": statistics.median(xs) * 1e6, "min_us": min(xs) * 1e6}


def bench_model(name: str, tokens: int, rounds: int, first_rounds: int
                ) -> dict[str, Any]:
    import onnxruntime as ort

    import webnnpy
    from benchmarks.native import session_options
    from webnnpy.models.onnx import load
    from webnnpy.models.onnx.generate import Decoder

    so, providers = session_options()
    path = DATA / FILES[name]
    prompt = PROMPTS[name]
    ctx = webnnpy.ml.create_context(backend="onnxruntime")
    extra_np: dict[str, np.ndarray] = {}
    if name.startswith("whisper"):
        feats = np.random.default_rng(0).standard_normal((1, 16, 32)).astype(
            np.float32)
        enc = ort.InferenceSession(str(DATA / "whisper_encoder.onnx"), so,
                                   providers=providers)
        extra_np = {"encoder_hidden_states":
                    enc.run(None, {"input_features": feats})[0]}
    # first run: load + builds + generation, per generated token
    first_w: list[float] = []
    first_n: list[float] = []
    for r in range(first_rounds):
        def web_first() -> float:
            t0 = time.perf_counter()
            dec = Decoder(path, context=ctx, max_graphs=tokens)
            dec.generate(prompt, tokens, inputs=extra_np or None)
            return (time.perf_counter() - t0) / tokens

        def nat_first() -> float:
            t0 = time.perf_counter()
            sess = ort.InferenceSession(str(path), so, providers=providers)
            native_generate(sess, prompt, tokens, extra_np)
            return (time.perf_counter() - t0) / tokens

        if r % 2:
            first_n.append(nat_first())
            first_w.append(web_first())
        else:
            first_w.append(web_first())
            first_n.append(nat_first())
    # first run in a new process whose graphs are in the on-disk cache
    first_c: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        old = os.environ.get("WEBNNPY_CACHE_DIR")
        os.environ["WEBNNPY_CACHE_DIR"] = tmp
        try:
            if first_rounds:
                Decoder(path, context=ctx, max_graphs=tokens, cache=True).generate(
                    prompt, tokens, inputs=extra_np or None)  # fills the cache
            for _ in range(first_rounds):
                t0 = time.perf_counter()
                Decoder(path, context=ctx, max_graphs=tokens, cache=True).generate(
                    prompt, tokens, inputs=extra_np or None)
                first_c.append((time.perf_counter() - t0) / tokens)
        finally:
            if old is None:
                os.environ.pop("WEBNNPY_CACHE_DIR", None)
            else:
                os.environ["WEBNNPY_CACHE_DIR"] = old
    # steady state
    dec = Decoder(path, context=ctx, max_graphs=tokens)
    sess = ort.InferenceSession(str(path), so, providers=providers)
    want, _ = native_generate(sess, prompt, tokens, extra_np)
    got = dec.generate(prompt, tokens, inputs=extra_np or None)
    if got.tokens != want:
        raise SystemExit(f"{name}: webnnpy's tokens {got.tokens} differ from "
                         f"native ORT's {want}")
    pre = NativePrebound(sess, extra_np)
    if pre.generate(prompt, tokens)[0] != want:
        raise SystemExit(f"{name}: prebound native tokens differ")
    steps_w: list[float] = []
    steps_n: list[float] = []
    steps_p: list[float] = []
    per_gen_ratio: list[float] = []
    for r in range(rounds):
        def web() -> list[float]:
            g = dec.generate(prompt, tokens, inputs=extra_np or None)
            assert g.builds == 0
            return g.step_seconds[1:]

        def nat() -> list[float]:
            return native_generate(sess, prompt, tokens, extra_np)[1][1:]

        def prebound() -> list[float]:
            return pre.generate(prompt, tokens)[1][1:]

        order = [web, nat, prebound]
        order = order[r % 3:] + order[:r % 3]
        got_t = {f.__name__: f() for f in order}
        w_, n_ = got_t["web"], got_t["nat"]
        steps_w += w_
        steps_n += n_
        steps_p += got_t["prebound"]
        per_gen_ratio.append(statistics.median(w_) / statistics.median(n_))
    _ = load  # imported for the side effect of checking onnx is installed
    ctx.destroy()
    sw, sn, sp = _stats(steps_w), _stats(steps_n), _stats(steps_p)
    fw, fn = _stats(first_w), _stats(first_n)
    return {
        "model": name, "tokens": tokens, "rounds": rounds,
        "steady": {"webnnpy": sw, "native_iobinding": sn,
                   "native_prebound": sp,
                   "ratio_median": sw["median_us"] / sn["median_us"],
                   "ratio_min": sw["min_us"] / sn["min_us"],
                   "ratio_prebound_median": sw["median_us"] / sp["median_us"],
                   "ratio_prebound_min": sw["min_us"] / sp["min_us"],
                   "ratio_per_generation_median": statistics.median(per_gen_ratio)},
        "first_run_per_token": {"webnnpy": fw, "native": fn,
                                "webnnpy_disk_cache": _stats(first_c),
                                "ratio_median": fw["median_us"] / fn["median_us"]},
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tokens", type=int, default=32)
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--first-rounds", type=int, default=3,
                    help="0 skips the first-run figures")
    ap.add_argument("--models", default="gpt2,llama,whisper,gpt2_masked,"
                                        "llama_masked,whisper_masked")
    ap.add_argument("--json", type=Path)
    a = ap.parse_args(argv)
    import onnxruntime as ort

    from benchmarks.native import session_settings
    from benchmarks.zoo import cpu_info

    env = {"cpu": cpu_info(), "onnxruntime": ort.__version__,
           "session": session_settings()}
    print(f"CPU: {env['cpu']['model']} ({env['cpu']['cpus']} cpus), "
          f"onnxruntime {ort.__version__}, {a.tokens} tokens, {a.rounds} rounds")
    results = []
    print("per-token us, median / min; ratio = webnnpy / native")
    print(f"{'model':14} {'webnnpy':>13} {'native IOBind':>13} {'ratio':>11} "
          f"{'native prebound':>15} {'ratio':>11} "
          f"{'first run ms/tok: webnnpy, disk-cached, native':>46}")

    def pair(d: Mapping[str, float]) -> str:
        return f"{d['median_us']:6.0f} /{d['min_us']:5.0f}"

    for name in a.models.split(","):
        r = bench_model(name, a.tokens, a.rounds, a.first_rounds)
        results.append(r)
        s, f = r["steady"], r["first_run_per_token"]
        print(f"{name:14} {pair(s['webnnpy'])} {pair(s['native_iobinding'])} "
              f"{s['ratio_median']:5.2f}/{s['ratio_min']:4.2f} "
              f"{pair(s['native_prebound']):>15} "
              f"{s['ratio_prebound_median']:5.2f}/{s['ratio_prebound_min']:4.2f} "
              f"{f['webnnpy']['median_us'] / 1e3:8.1f}, "
              f"{f['webnnpy_disk_cache']['median_us'] / 1e3:6.1f}, "
              f"{f['native']['median_us'] / 1e3:6.2f}")
    for name in [m for m in a.models.split(",") if m in ("gpt2", "llama")]:
        r = bench_fixed(name, a.tokens, a.rounds)
        results.append(r)
        s = r["steady"]
        print(f"{name + '_fixed':14} {pair(s['webnnpy'])} "
              f"{pair(s['native_iobinding'])} "
              f"{s['ratio_median']:5.2f}/{s['ratio_min']:4.2f}   (one graph, "
              f"native prebound)")
    if a.json:
        a.json.write_text(json.dumps({"env": env, "results": results}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
