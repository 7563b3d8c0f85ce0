"""Greedy decoding with a growing KV cache (webnnpy.models.onnx.generate)
against the same loop on native ONNX Runtime, on the same files.

The models are tests/data/decoders/ (GPT-2-like, Llama-like with grouped-query
attention, a Whisper-tiny-config encoder + decoder; seeded random weights,
made by benchmarks/decoders_export.py), and the fixed-size cache variants of
the first two (FixedCacheDecoder: one static graph).  The reference is an independent
loop written here with ``onnxruntime.InferenceSession.run`` on NumPy arrays:
empty pasts for the prompt, then each step's presents as the next pasts.
Tokens must be identical; each step's logits within the accuracy policy's
model bound (rtol 1e-4, atol 1e-5, as the other model-level tests).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pytest

ort = pytest.importorskip("onnxruntime")

import webnnpy  # noqa: E402
from webnnpy.models.onnx import UnsupportedModelError, load  # noqa: E402
from webnnpy.models.onnx.generate import (  # noqa: E402
    Decoder,
    FixedCacheDecoder,
    cache_layout,
)

DATA = Path(__file__).resolve().parents[2] / "data" / "decoders"
PROMPT = [5, 17, 42, 7]
#: tokens per generation: 32 on a native backend; the reference backend
#: (float64 NumPy, one graph per length) gets fewer to keep the test short
TOKENS = {"numpy": 6}
RTOL, ATOL = 1e-4, 1e-5
_WANTED = os.environ.get("WEBNNPY_TEST_BACKENDS", "numpy,onnxruntime").split(",")
DECODER_BACKENDS = [b for b in ("onnxruntime", "numpy") if b in _WANTED
                    and webnnpy.backends.available_backends().get(b)]


def native_greedy(path: Path, prompt: list[int], n: int,
                  extra: Mapping[str, np.ndarray] | None = None
                  ) -> tuple[list[int], list[np.ndarray]]:
    """Greedy decoding on native ORT: tokens and each step's last logits."""
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    out_names = [o.name for o in sess.get_outputs()]
    pasts = {i.name: np.zeros((1, i.shape[1], 0, i.shape[3]), np.float32)
             for i in sess.get_inputs() if i.name.startswith("past_key_values.")}
    # a masked export (*_masked.onnx) runs unpadded: mask all ones, positions
    # counted from 0
    masked = "attention_mask" in {i.name for i in sess.get_inputs()}
    feed = np.array([prompt], np.int64)
    tokens: list[int] = []
    logits: list[np.ndarray] = []
    done = 0
    for _ in range(n):
        more: dict[str, np.ndarray] = {}
        if masked:
            seq = feed.shape[1]
            more = {"attention_mask": np.ones((1, done + seq), np.int64),
                    "position_ids": np.arange(done, done + seq).reshape(1, seq)}
            done += seq
        res = dict(zip(out_names, sess.run(None, {"input_ids": feed, **pasts,
                                                  **more, **(extra or {})}),
                       strict=True))
        last = res["logits"][0, -1]
        tokens.append(int(np.argmax(last)))
        logits.append(last)
        pasts = {k: res[k.replace("past_key_values.", "present.", 1)] for k in pasts}
        feed = np.array([[tokens[-1]]], np.int64)
    return tokens, logits


@pytest.fixture(scope="module", params=DECODER_BACKENDS)
def dctx(request: pytest.FixtureRequest) -> Iterator[webnnpy.MLContext]:
    ctx = webnnpy.ml.create_context(backend=request.param)
    yield ctx
    ctx.destroy()


def _n(ctx: webnnpy.MLContext) -> int:
    return TOKENS.get(ctx._backend.name, 32)


def _check(got: Any, want_tokens: list[int], want_logits: list[np.ndarray]) -> None:
    assert got.tokens == want_tokens
    assert len(got.logits) == len(want_logits)
    for step, (g, w) in enumerate(zip(got.logits, want_logits, strict=True)):
        np.testing.assert_allclose(g, w, rtol=RTOL, atol=ATOL,
                                   err_msg=f"logits at step {step}")


def test_files_match_manifest() -> None:
    manifest = json.loads((DATA / "manifest.json").read_text())
    assert set(manifest["files"]) == {p.name for p in DATA.glob("*.onnx")}
    for name, entry in manifest["files"].items():
        digest = hashlib.sha256((DATA / name).read_bytes()).hexdigest()
        assert digest == entry["sha256"], name


@pytest.mark.parametrize("name", ["gpt2", "llama"])
def test_causal_lm_greedy_equals_native_ort(dctx: webnnpy.MLContext, name: str
                                            ) -> None:
    path = DATA / f"{name}.onnx"
    n = _n(dctx)
    want_tokens, want_logits = native_greedy(path, PROMPT, n)
    # the greedy sequence varies (a cache that were ignored or misplaced would
    # show), so equal tokens say something
    assert len(set(want_tokens)) >= min(n, 32) // 3
    dec = Decoder(path, context=dctx, max_graphs=n)
    got = dec.generate(PROMPT, n, keep_logits=True)
    _check(got, want_tokens, want_logits)
    assert got.builds == n  # the prompt's graph, then one per cache length
    again = dec.generate(PROMPT, n, keep_logits=True)
    assert again.tokens == got.tokens
    assert again.builds == 0  # every length's graph came from the cache


@pytest.mark.parametrize("name", ["gpt2", "llama", "whisper_decoder"])
def test_padded_cache_equals_native_ort_unpadded(dctx: webnnpy.MLContext,
                                                 name: str) -> None:
    """A masked export on a padded cache (one graph for every step after the
    prompt) against native ORT running the same file unpadded (a growing
    cache, the mask all ones): the padding's weight is exactly 0, so the
    tokens are equal and the logits within the float32 bound; and equal to
    the unmasked export's (the same weights)."""
    path = DATA / f"{name}_masked.onnx"
    n = _n(dctx)
    extra: dict[str, np.ndarray] = {}
    prompt = PROMPT
    if name == "whisper_decoder":
        extra = {"encoder_hidden_states": np.random.default_rng(7).standard_normal(
            (1, 16, 64)).astype(np.float32)}
        prompt = [1, 3]
    want_tokens, want_logits = native_greedy(path, prompt, n, extra)
    assert len(set(want_tokens)) >= min(n, 32) // 3
    assert native_greedy(DATA / f"{name}.onnx", prompt, n, extra)[0] == want_tokens
    dec = Decoder(path, context=dctx, bucket=16)
    assert dec.padded and dec.layout.extra == list(extra)
    got = dec.generate(prompt, n, inputs=extra or None, keep_logits=True)
    _check(got, want_tokens, want_logits)
    assert got.builds == 2  # the prompt's graph and the step's, for every step
    again = dec.generate(prompt, n, inputs=extra or None, keep_logits=True)
    assert again.tokens == want_tokens and again.builds == 0
    # as many tokens as fill the cache to its last slot (n + N - 1 = cap)
    full = 16 * -(-(len(prompt) + n - 1) // 16) - len(prompt) + 1
    want_full = native_greedy(path, prompt, full, extra)[0]
    assert dec.generate(prompt, full, inputs=extra or None).tokens == want_full
    dec.close()


def test_graphs_from_the_disk_cache_give_the_same_tokens(
        dctx: webnnpy.MLContext, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEBNNPY_CACHE_DIR", str(tmp_path))
    path = DATA / "gpt2.onnx"
    want = native_greedy(path, PROMPT, 6)[0]
    first = Decoder(path, context=dctx, cache=True).generate(PROMPT, 6)
    assert first.tokens == want
    # a new decoder (as a new process would) reads each length's graph back
    again = Decoder(path, context=dctx, cache=True).generate(PROMPT, 6)
    assert again.tokens == want
    assert any(tmp_path.iterdir())


def test_whisper_encoder_decoder_equals_native_ort(dctx: webnnpy.MLContext) -> None:
    n = _n(dctx)
    features = np.random.default_rng(20261203).standard_normal(
        (1, 16, 32)).astype(np.float32)
    enc_path, dec_path = DATA / "whisper_encoder.onnx", DATA / "whisper_decoder.onnx"
    sess = ort.InferenceSession(str(enc_path), providers=["CPUExecutionProvider"])
    want_hidden = sess.run(None, {"input_features": features})[0]
    hidden = load(enc_path, context=dctx).run(
        {"input_features": features})["last_hidden_state"]
    np.testing.assert_allclose(hidden, want_hidden, rtol=RTOL, atol=ATOL)
    prompt = [1, 3]  # the decoder start token, then a "task" token
    want_tokens, want_logits = native_greedy(
        dec_path, prompt, n, {"encoder_hidden_states": want_hidden})
    assert len(set(want_tokens)) >= min(n, 32) // 3
    dec = Decoder(dec_path, context=dctx, max_graphs=n)
    got = dec.generate(prompt, n, inputs={"encoder_hidden_states": hidden},
                       keep_logits=True)
    _check(got, want_tokens, want_logits)


def native_greedy_fixed(path: Path, prompt: list[int], n: int
                        ) -> tuple[list[int], list[np.ndarray]]:
    """The fixed-size cache loop on native ORT (session.run on arrays): the
    valid entries at the end of the cache, the mask 0 before them."""
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    out_names = [o.name for o in sess.get_outputs()]
    shapes = {i.name: i.shape for i in sess.get_inputs()}
    length = shapes["past_key_values.0.key"][2]
    pasts = {k: np.zeros(v, np.float32) for k, v in shapes.items()
             if k.startswith("past_key_values.")}
    tokens: list[int] = []
    logits: list[np.ndarray] = []
    for i in range(len(prompt) + n - 1):
        mask = np.zeros((1, length + 1), np.int64)
        mask[0, length - i:] = 1
        tok = prompt[i] if i < len(prompt) else tokens[-1]
        res = dict(zip(out_names, sess.run(None, {
            "input_ids": np.array([[tok]], np.int64),
            "position_ids": np.array([[i]], np.int64), "attention_mask": mask,
            **pasts}), strict=True))
        pasts = {k: res[k.replace("past_key_values.", "present.", 1)] for k in pasts}
        if i >= len(prompt) - 1:
            logits.append(res["logits"][0, -1])
            tokens.append(int(np.argmax(logits[-1])))
    return tokens, logits


@pytest.mark.parametrize("name", ["gpt2", "llama"])
def test_fixed_size_cache_equals_native_ort(dctx: webnnpy.MLContext, name: str
                                           ) -> None:
    path = DATA / f"{name}_fixed.onnx"
    n = _n(dctx)
    want_tokens, want_logits = native_greedy_fixed(path, PROMPT, n)
    dec = FixedCacheDecoder(path, context=dctx)
    got = dec.generate(PROMPT, n, keep_logits=True)
    _check(got, want_tokens, want_logits)
    assert got.prompt_steps == len(PROMPT)
    # same weights as the growing-cache export: the same greedy tokens
    assert got.tokens == native_greedy(DATA / f"{name}.onnx", PROMPT, n)[0]
    assert dec.generate(PROMPT, n).tokens == got.tokens  # stale cache masked
    with pytest.raises(TypeError, match="the cache holds 40 tokens"):
        dec.generate(PROMPT, 40)
    dec.close()


def test_more_tokens_than_kept_graphs() -> None:
    """max_graphs below the generation's length: graphs and cache tensors are
    dropped and remade (least recently used first), tokens unchanged."""
    ctx = webnnpy.ml.create_context(backend="numpy")
    path = DATA / "gpt2.onnx"
    want = native_greedy(path, PROMPT, 8)[0]
    dec = Decoder(path, context=ctx, max_graphs=3)
    assert dec.generate(PROMPT, 8).tokens == want
    again = dec.generate(PROMPT, 8)
    assert again.tokens == want
    assert again.builds == 8  # every length was dropped before it came back
    assert len(dec._pool) <= 4
    dec.close()


def test_latency_benchmark_runs(tmp_path: Path) -> None:
    """``python -m benchmarks.decoding`` at a tiny size: every side runs and
    agrees on the tokens (the script exits on a mismatch); no timing checked."""
    if "onnxruntime" not in DECODER_BACKENDS:
        pytest.skip("needs the onnxruntime backend")
    from benchmarks import decoding

    out = tmp_path / "bench.json"
    assert decoding.main(["--tokens", "2", "--rounds", "1", "--first-rounds", "1",
                          "--models", "gpt2", "--json", str(out)]) == 0
    results = json.loads(out.read_text())["results"]
    assert [r["model"] for r in results] == ["gpt2", "gpt2_fixed"]
    assert results[0]["steady"]["native_prebound"]["min_us"] > 0


def test_layout_of_the_exports() -> None:
    ctx = webnnpy.ml.create_context(backend="numpy")
    m = load(DATA / "whisper_decoder.onnx", context=ctx)
    lay = cache_layout(m.input_shapes, m.output_names)
    assert lay.ids == "input_ids" and lay.extra == ["encoder_hidden_states"]
    assert lay.pasts == {f"past_key_values.{i}.decoder.{kv}":
                         f"present.{i}.decoder.{kv}"
                         for i in range(2) for kv in ("key", "value")}
    m = load(DATA / "llama.onnx", context=ctx)
    lay = cache_layout(m.input_shapes, m.output_names)
    assert lay.past_shapes["past_key_values.0.key"] == ["batch", 2, "past_seq", 16]


def test_bad_input_is_refused_before_any_build() -> None:
    ctx = webnnpy.ml.create_context(backend="numpy")
    dec = Decoder(DATA / "gpt2.onnx", context=ctx)
    for prompt, what in (([], "non-empty"), ([1.5, 2.0], "integer"),
                         ([[1, 2]], "1-D")):
        with pytest.raises(TypeError, match=f"prompt must be a {what}|{what}"):
            dec.generate(prompt, 4)
    for bad in (512, -1):
        with pytest.raises(TypeError, match=rf"token id {bad}; the model's "
                           r"vocabulary is \[0, 512\)"):
            dec.generate([1, bad], 4)
    for n in (0, -1, 2.0, True):
        with pytest.raises(TypeError, match="max_new_tokens must be a positive int"):
            dec.generate([1], n)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"unknown \['encoder_hidden_states'\]"):
        dec.generate([1], 2, inputs={"encoder_hidden_states": np.zeros(3)})
    with pytest.raises(TypeError, match="max_graphs must be a positive int"):
        Decoder(DATA / "gpt2.onnx", context=ctx, max_graphs=0)
    for bad_bucket in (-1, 2.5, True):
        with pytest.raises(TypeError, match="bucket must be an int >= 0"):
            Decoder(DATA / "gpt2_masked.onnx", context=ctx,
                    bucket=bad_bucket)  # type: ignore[arg-type]
    unpadded = Decoder(DATA / "gpt2_masked.onnx", context=ctx, bucket=0)
    assert not unpadded.padded
    with pytest.raises(TypeError, match=r"missing \['attention_mask', "
                       r"'position_ids'\]"):
        unpadded.generate([1], 2)
    assert dec.builds == 0
    wdec = Decoder(DATA / "whisper_decoder.onnx", context=ctx)
    with pytest.raises(TypeError, match=r"missing \['encoder_hidden_states'\]"):
        wdec.generate([1], 2)
    with pytest.raises(UnsupportedModelError, match="no 'input_ids' input"):
        Decoder(DATA / "whisper_encoder.onnx", context=ctx)
    with pytest.raises(UnsupportedModelError, match="no free dimensions"):
        Decoder(DATA / "gpt2_fixed.onnx", context=ctx)
    with pytest.raises(UnsupportedModelError, match="static shapes"):
        FixedCacheDecoder(DATA / "gpt2.onnx", context=ctx)
    with pytest.raises(TypeError, match="token id 600"):
        FixedCacheDecoder(DATA / "gpt2_fixed.onnx", context=ctx).generate([600], 2)
