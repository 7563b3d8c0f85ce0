"""Export small decoders with a KV cache to ONNX, for tests/data/decoders/.

    ~/.cache/webnnpy/zoo-venv/bin/python benchmarks/decoders_export.py [--out DIR]

Needs torch and transformers (the zoo's export virtualenv, made by
``benchmarks/zoo_export.py``); CI and users never run it: its outputs are
committed under ``tests/data/decoders/`` with a ``manifest.json`` (sha256 of
each file, the seed, the torch/transformers versions).

What it makes (weights random from ``torch.manual_seed(SEED)``, each model
seeded afresh, init std ``INIT_STD`` = 0.2; small configs, never from a hub):

- ``gpt2.onnx``: ``GPT2LMHeadModel`` (vocab 512, hidden 64, 2 layers,
  4 heads, MLP 128, 64 positions);
- ``llama.onnx``: ``LlamaForCausalLM`` (vocab 512, hidden 64, 2 layers,
  4 query heads, 2 key/value heads (grouped-query attention), MLP 128, RoPE);
- ``whisper_encoder.onnx`` / ``whisper_decoder.onnx``: a
  ``WhisperForConditionalGeneration`` with tiny dims (16 mel bins, 32 frames,
  d_model 64, 2+2 layers, 4 heads, vocab 256, 64 positions).

Decoder interface (the usual past/present naming; free dims ``batch``,
``past_seq``, ``seq``):

- inputs ``input_ids`` int64 ``[batch, seq]`` (whisper's decoder also
  ``encoder_hidden_states`` float32 ``[batch, 16, 64]``), and per layer N
  ``past_key_values.N.key`` / ``.value`` float32
  ``[batch, kv_heads, past_seq, head_dim]`` (whisper:
  ``past_key_values.N.decoder.key`` ..., the self-attention cache);
- outputs ``logits`` ``[batch, seq, vocab]`` and ``present.N.key`` /
  ``.value`` (whisper: ``present.N.decoder.key`` ...) of length
  ``past_seq + seq``.

Positions come from the cache's length (no ``attention_mask`` /
``position_ids`` inputs: batch 1, no padding), so step 0 runs the prompt
with ``past_seq = 0`` (empty pasts).  Whisper's cross-attention keys/values
are recomputed from ``encoder_hidden_states`` at each step (one small
matmul), so the decoder is one file.

Fixed-size cache variants (``gpt2_fixed.onnx``, ``llama_fixed.onnx``; the
same weights): one static graph for every step.  Inputs ``input_ids``
``[1, 1]``, ``position_ids`` ``[1, 1]``, ``attention_mask``
``[1, FIXED_CACHE + 1]`` int64 and pasts ``[1, kv_heads, FIXED_CACHE,
head_dim]`` whose valid entries are the last ones (the mask is 0 for the
empty slots before them, 1 for the valid ones and the new token); the
presents are the pasts with the new entry appended and the oldest slot
dropped (``[..., 1:, :]``), so they have the pasts' shape.

Exporter: ``torch.onnx.export(..., dynamo=False)`` (TorchScript tracing),
opset 17, ``do_constant_folding=True``, traced with past_seq 3 and seq 2
and dynamic axes; the script checks the ONNX file against torch at three
(past_seq, seq) pairs including past_seq 0 when onnxruntime is importable
(it is not in the zoo venv; ``tests/models/onnx/test_decoding.py`` compares
native ORT with webnnpy, both on the file).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT_DEFAULT = ROOT / "tests" / "data" / "decoders"
SEED = 0
OPSET = 17
VOCAB = 512
HIDDEN = 64
LAYERS = 2
HEADS = 4
KV_HEADS_LLAMA = 2
MLP = 128
#: weight init std: 10x transformers' default 0.02, so that greedy tokens
#: vary with the context (at 0.02 the GPT-2-like model repeats one token)
INIT_STD = 0.2
MAX_POS = 64
#: the fixed-size cache variants' number of cache positions
FIXED_CACHE = 40
VOCAB_WHISPER = 256
MELS = 16
FRAMES = 32  # encoder output length FRAMES // 2 (a stride-2 convolution)

#: the realistic-size row's GPT-2: distilgpt2's dimensions (random weights)
REAL_GPT2 = {"vocab_size": 50257, "n_embd": 768, "n_layer": 6, "n_head": 12,
             "n_positions": 1024}
REAL_OUT = Path.home() / ".cache" / "webnnpy" / "decoders_real"

__all__ = ["main"]


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _decoder_wrapper(torch: Any, model: Any, layers: int, whisper: bool) -> Any:
    """An nn.Module taking flat past tensors and returning flat presents."""
    from transformers.cache_utils import DynamicCache, EncoderDecoderCache

    class Wrapper(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: Any, *rest: Any) -> Any:
            if whisper:
                enc, flat = rest[0], rest[1:]
            else:
                enc, flat = None, rest
            pasts = [(flat[2 * i], flat[2 * i + 1]) for i in range(layers)]
            cache: Any = DynamicCache(pasts)
            if whisper:
                cache = EncoderDecoderCache(cache, DynamicCache())
                out = self.model(decoder_input_ids=input_ids,
                                 encoder_outputs=(enc,), past_key_values=cache,
                                 use_cache=True)
                self_cache = out.past_key_values.self_attention_cache
            else:
                out = self.model(input_ids=input_ids, past_key_values=cache,
                                 use_cache=True)
                self_cache = out.past_key_values
            presents = []
            for i in range(layers):
                layer = self_cache.layers[i]
                presents += [layer.keys, layer.values]
            return (out.logits, *presents)

    return Wrapper().eval()


def _export_decoder(torch: Any, wrapper: Any, path: Path, layers: int,
                    kv_heads: int, head_dim: int, whisper: bool,
                    enc_len: int = 0) -> None:
    past_names, present_names = [], []
    infix = ".decoder" if whisper else ""
    for i in range(layers):
        for kv in ("key", "value"):
            past_names.append(f"past_key_values.{i}{infix}.{kv}")
            present_names.append(f"present.{i}{infix}.{kv}")
    ids = torch.randint(0, VOCAB_WHISPER, (1, 2))
    pasts = [torch.randn(1, kv_heads, 3, head_dim) for _ in past_names]
    args: list[Any] = [ids]
    names = ["input_ids"]
    axes: dict[str, dict[int, str]] = {"input_ids": {0: "batch", 1: "seq"},
                                       "logits": {0: "batch", 1: "seq"}}
    if whisper:
        args.append(torch.randn(1, enc_len, HIDDEN))
        names.append("encoder_hidden_states")
        axes["encoder_hidden_states"] = {0: "batch"}
    args += pasts
    names += past_names
    for n in past_names:
        axes[n] = {0: "batch", 2: "past_seq"}
    for n in present_names:
        axes[n] = {0: "batch", 2: "past_seq+seq"}
    with torch.no_grad():
        torch.onnx.export(wrapper, tuple(args), str(path), input_names=names,
                          output_names=["logits", *present_names],
                          dynamic_axes=axes, opset_version=OPSET,
                          do_constant_folding=True, dynamo=False)


def _check(torch: Any, wrapper: Any, path: Path, feeds_of: Any) -> None:
    """The file against torch at three (past_seq, seq), when ORT is here."""
    try:
        import onnxruntime as ort  # type: ignore[import-not-found]
    except ImportError:
        print(f"  (onnxruntime not importable: {path.name} not checked here)")
        return
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    for past, seq in ((0, 5), (5, 1), (7, 3)):
        args = feeds_of(past, seq)
        with torch.no_grad():
            want = wrapper(*args)
        feeds = {i.name: a.numpy() for i, a in zip(sess.get_inputs(), args,
                                                   strict=True)}
        got = sess.run(None, feeds)
        for w, g in zip(want, got, strict=True):
            err = float(abs(w.numpy() - g).max())
            assert err < 1e-4, (path.name, past, seq, err)
    print(f"  {path.name}: matches torch at past_seq 0/5/7")


def _masked_wrapper(torch: Any, model: Any, layers: int, whisper: bool) -> Any:
    """As :func:`_decoder_wrapper` with ``attention_mask`` ``[batch, past_seq +
    seq]`` and ``position_ids`` ``[batch, seq]`` inputs (the optimum layout):
    a padded cache slot whose mask is 0 gets attention weight 0."""
    from transformers.cache_utils import DynamicCache, EncoderDecoderCache

    class Masked(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: Any, attention_mask: Any, position_ids: Any,
                    *rest: Any) -> Any:
            if whisper:
                enc, flat = rest[0], rest[1:]
            else:
                enc, flat = None, rest
            pasts = [(flat[2 * i], flat[2 * i + 1]) for i in range(layers)]
            cache: Any = DynamicCache(pasts)
            if whisper:
                cache = EncoderDecoderCache(cache, DynamicCache())
                out = self.model(decoder_input_ids=input_ids,
                                 decoder_attention_mask=attention_mask,
                                 decoder_position_ids=position_ids,
                                 encoder_outputs=(enc,), past_key_values=cache,
                                 use_cache=True)
                self_cache = out.past_key_values.self_attention_cache
            else:
                out = self.model(input_ids=input_ids, attention_mask=attention_mask,
                                 position_ids=position_ids, past_key_values=cache,
                                 use_cache=True)
                self_cache = out.past_key_values
            presents = []
            for i in range(layers):
                layer = self_cache.layers[i]
                presents += [layer.keys, layer.values]
            return (out.logits, *presents)

    return Masked().eval()


def _masked_args(torch: Any, past: int, seq: int, pad: int, vocab: int,
                 kv_heads: int, head_dim: int, enc_len: int,
                 layers: int = LAYERS) -> list[Any]:
    """Inputs of a masked decoder: ``pad`` leading cache slots masked out,
    positions counted from the valid ones."""
    mask = torch.ones(1, past + seq, dtype=torch.int64)
    mask[:, :pad] = 0
    pos = torch.arange(past - pad, past - pad + seq).reshape(1, seq)
    args = [torch.randint(0, vocab, (1, seq)), mask, pos]
    if enc_len:
        args.append(torch.randn(1, enc_len, HIDDEN))
    args += [torch.randn(1, kv_heads, past, head_dim) for _ in range(2 * layers)]
    return args


def _export_masked(torch: Any, wrapper: Any, path: Path, kv_heads: int,
                   head_dim: int, whisper: bool, vocab: int,
                   layers: int = LAYERS) -> None:
    """Free ``batch``, ``past_seq``, ``seq``; traced with a padded slot (a 0 in
    the mask) so the masking is in the graph."""
    infix = ".decoder" if whisper else ""
    past_names = [f"past_key_values.{i}{infix}.{kv}" for i in range(layers)
                  for kv in ("key", "value")]
    present_names = [f"present.{i}{infix}.{kv}" for i in range(layers)
                     for kv in ("key", "value")]
    enc_len = FRAMES // 2 if whisper else 0
    args = _masked_args(torch, 3, 2, 1, vocab, kv_heads, head_dim, enc_len,
                        layers)
    names = ["input_ids", "attention_mask", "position_ids"]
    axes: dict[str, dict[int, str]] = {
        "input_ids": {0: "batch", 1: "seq"}, "position_ids": {0: "batch", 1: "seq"},
        "attention_mask": {0: "batch", 1: "past_seq+seq"},
        "logits": {0: "batch", 1: "seq"}}
    if whisper:
        names.append("encoder_hidden_states")
        axes["encoder_hidden_states"] = {0: "batch"}
    names += past_names
    for n in past_names:
        axes[n] = {0: "batch", 2: "past_seq"}
    for n in present_names:
        axes[n] = {0: "batch", 2: "past_seq+seq"}
    with torch.no_grad():
        torch.onnx.export(wrapper, tuple(args), str(path), input_names=names,
                          output_names=["logits", *present_names],
                          dynamic_axes=axes, opset_version=OPSET,
                          do_constant_folding=True, dynamo=False)


def _check_masked(torch: Any, wrapper: Any, path: Path, kv_heads: int,
                  head_dim: int, whisper: bool, vocab: int,
                  layers: int = LAYERS) -> None:
    try:
        import onnxruntime as ort  # type: ignore[import-not-found]
    except ImportError:
        print(f"  (onnxruntime not importable: {path.name} not checked here)")
        return
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    enc_len = FRAMES // 2 if whisper else 0
    for past, seq, pad in ((0, 5, 0), (5, 1, 2), (7, 3, 3), (16, 1, 9)):
        args = _masked_args(torch, past, seq, pad, vocab, kv_heads, head_dim,
                            enc_len, layers)
        with torch.no_grad():
            want = wrapper(*args)
        feeds = {i.name: a.numpy() for i, a in zip(sess.get_inputs(), args,
                                                   strict=True)}
        for w, g in zip(want, sess.run(None, feeds), strict=True):
            err = float(abs(w.numpy() - g).max())
            assert err < 1e-4, (path.name, past, seq, pad, err)
    print(f"  {path.name}: matches torch with 0/2/3/9 padded slots")


def _fixed_wrapper(torch: Any, model: Any, layers: int) -> Any:
    """A one-token step over a fixed-size cache: pasts ``[1, kv_heads,
    FIXED_CACHE, head_dim]`` with the valid entries at the end, an
    ``attention_mask`` ``[1, FIXED_CACHE + 1]`` (0 for the empty slots before
    them) and explicit ``position_ids``; the presents drop the oldest slot, so
    they have the pasts' shape and the next step reads them as they are."""
    from transformers.cache_utils import DynamicCache

    class Fixed(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: Any, position_ids: Any, attention_mask: Any,
                    *flat: Any) -> Any:
            pasts = [(flat[2 * i], flat[2 * i + 1]) for i in range(layers)]
            out = self.model(input_ids=input_ids, position_ids=position_ids,
                             attention_mask=attention_mask,
                             past_key_values=DynamicCache(pasts), use_cache=True)
            presents = []
            for i in range(layers):
                layer = out.past_key_values.layers[i]
                presents += [layer.keys[:, :, 1:], layer.values[:, :, 1:]]
            return (out.logits, *presents)

    return Fixed().eval()


def _export_fixed(torch: Any, wrapper: Any, path: Path, layers: int,
                  kv_heads: int, head_dim: int) -> None:
    """Static shapes (batch 1, one token, FIXED_CACHE positions)."""
    past_names, present_names = [], []
    for i in range(layers):
        for kv in ("key", "value"):
            past_names.append(f"past_key_values.{i}.{kv}")
            present_names.append(f"present.{i}.{kv}")
    n = 5  # valid entries when tracing: the mask has zeros (padding) and ones
    mask = torch.zeros(1, FIXED_CACHE + 1, dtype=torch.int64)
    mask[:, FIXED_CACHE - n:] = 1
    args = (torch.tensor([[3]]), torch.tensor([[n]]), mask,
            *[torch.randn(1, kv_heads, FIXED_CACHE, head_dim) for _ in past_names])
    with torch.no_grad():
        torch.onnx.export(wrapper, args, str(path),
                          input_names=["input_ids", "position_ids",
                                       "attention_mask", *past_names],
                          output_names=["logits", *present_names],
                          opset_version=OPSET, do_constant_folding=True,
                          dynamo=False)


def _check_fixed(torch: Any, wrapper: Any, path: Path, kv_heads: int,
                 head_dim: int) -> None:
    try:
        import onnxruntime as ort  # type: ignore[import-not-found]
    except ImportError:
        print(f"  (onnxruntime not importable: {path.name} not checked here)")
        return
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    for n in (0, 7, FIXED_CACHE):
        mask = torch.zeros(1, FIXED_CACHE + 1, dtype=torch.int64)
        mask[:, FIXED_CACHE - n:] = 1
        args = [torch.randint(0, VOCAB, (1, 1)), torch.tensor([[n]]), mask,
                *[torch.randn(1, kv_heads, FIXED_CACHE, head_dim)
                  for _ in range(2 * LAYERS)]]
        with torch.no_grad():
            want = wrapper(*args)
        feeds = {i.name: a.numpy() for i, a in zip(sess.get_inputs(), args,
                                                   strict=True)}
        for w, g in zip(want, sess.run(None, feeds), strict=True):
            err = float(abs(w.numpy() - g).max())
            assert err < 1e-4, (path.name, n, err)
    print(f"  {path.name}: matches torch with 0/7/{FIXED_CACHE} valid entries")


def _export_real(out: Path) -> int:
    """The distilgpt2-size GPT-2 (``REAL_GPT2``, std-0.02 random weights:
    transformers' own init), unmasked and masked, checked against torch."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch
    from transformers import GPT2Config, GPT2LMHeadModel

    out.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(SEED)
    cfg = GPT2Config(**REAL_GPT2, attn_implementation="eager")
    model = GPT2LMHeadModel(cfg).eval()
    heads, head_dim = REAL_GPT2["n_head"], REAL_GPT2["n_embd"] // REAL_GPT2["n_head"]
    layers, vocab = REAL_GPT2["n_layer"], REAL_GPT2["vocab_size"]
    w = _decoder_wrapper(torch, model, layers, whisper=False)
    p = out / "gpt2_real.onnx"
    _export_decoder(torch, w, p, layers, heads, head_dim, whisper=False)
    _check(torch, w, p, lambda past, seq: [
        torch.randint(0, vocab, (1, seq)),
        *[torch.randn(1, heads, past, head_dim) for _ in range(2 * layers)]])
    w = _masked_wrapper(torch, model, layers, whisper=False)
    p = out / "gpt2_real_masked.onnx"
    _export_masked(torch, w, p, heads, head_dim, False, vocab, layers)
    _check_masked(torch, w, p, heads, head_dim, False, vocab, layers)
    for f in sorted(out.glob("*.onnx")):
        print(f"{f}: {f.stat().st_size} bytes")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=OUT_DEFAULT)
    ap.add_argument("--only-masked", action="store_true",
                    help="export only the *_masked.onnx variants (the other "
                         "files and their manifest entries are kept)")
    ap.add_argument("--real", action="store_true",
                    help="export a distilgpt2-size GPT-2 (REAL_GPT2; ~330 MB "
                         "per file) as gpt2_real.onnx and gpt2_real_masked.onnx "
                         "into --out (default ~/.cache/webnnpy/decoders_real; "
                         "never committed), for the realistic-size latency row")
    a = ap.parse_args(argv)
    full = not a.only_masked
    if a.real:
        return _export_real(a.out if a.out != OUT_DEFAULT else REAL_OUT)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch
    import transformers
    from transformers import (
        GPT2Config,
        GPT2LMHeadModel,
        LlamaConfig,
        LlamaForCausalLM,
        WhisperConfig,
        WhisperForConditionalGeneration,
    )

    out: Path = a.out
    out.mkdir(parents=True, exist_ok=True)
    files: dict[str, Path] = {}

    def pasts_of(kv_heads: int, head_dim: int, past: int) -> list[Any]:
        return [torch.randn(1, kv_heads, past, head_dim)
                for _ in range(2 * LAYERS)]

    # GPT-2-like
    torch.manual_seed(SEED)
    cfg = GPT2Config(vocab_size=VOCAB, n_embd=HIDDEN, n_layer=LAYERS,
                     n_head=HEADS, n_inner=MLP, n_positions=MAX_POS,
                     initializer_range=INIT_STD,
                     attn_implementation="eager")
    gpt2 = GPT2LMHeadModel(cfg).eval()
    if full:
        w = _decoder_wrapper(torch, gpt2, LAYERS, whisper=False)
        p = out / "gpt2.onnx"
        _export_decoder(torch, w, p, LAYERS, HEADS, HIDDEN // HEADS, whisper=False)
        _check(torch, w, p, lambda past, seq: [
            torch.randint(0, VOCAB, (1, seq)),
            *pasts_of(HEADS, HIDDEN // HEADS, past)])
        files["gpt2.onnx"] = p
        w = _fixed_wrapper(torch, gpt2, LAYERS)
        p = out / "gpt2_fixed.onnx"
        _export_fixed(torch, w, p, LAYERS, HEADS, HIDDEN // HEADS)
        _check_fixed(torch, w, p, HEADS, HIDDEN // HEADS)
        files["gpt2_fixed.onnx"] = p
    w = _masked_wrapper(torch, gpt2, LAYERS, whisper=False)
    p = out / "gpt2_masked.onnx"
    _export_masked(torch, w, p, HEADS, HIDDEN // HEADS, False, VOCAB)
    _check_masked(torch, w, p, HEADS, HIDDEN // HEADS, False, VOCAB)
    files["gpt2_masked.onnx"] = p

    # Llama-like (grouped-query attention)
    torch.manual_seed(SEED)
    lcfg = LlamaConfig(vocab_size=VOCAB, hidden_size=HIDDEN,
                       intermediate_size=MLP, num_hidden_layers=LAYERS,
                       num_attention_heads=HEADS,
                       num_key_value_heads=KV_HEADS_LLAMA,
                       max_position_embeddings=MAX_POS, tie_word_embeddings=False,
                       initializer_range=INIT_STD,
                       attn_implementation="eager")
    llama = LlamaForCausalLM(lcfg).eval()
    if full:
        w = _decoder_wrapper(torch, llama, LAYERS, whisper=False)
        p = out / "llama.onnx"
        _export_decoder(torch, w, p, LAYERS, KV_HEADS_LLAMA, HIDDEN // HEADS,
                        whisper=False)
        _check(torch, w, p, lambda past, seq: [
            torch.randint(0, VOCAB, (1, seq)),
            *pasts_of(KV_HEADS_LLAMA, HIDDEN // HEADS, past)])
        files["llama.onnx"] = p
        w = _fixed_wrapper(torch, llama, LAYERS)
        p = out / "llama_fixed.onnx"
        _export_fixed(torch, w, p, LAYERS, KV_HEADS_LLAMA, HIDDEN // HEADS)
        _check_fixed(torch, w, p, KV_HEADS_LLAMA, HIDDEN // HEADS)
        files["llama_fixed.onnx"] = p
    w = _masked_wrapper(torch, llama, LAYERS, whisper=False)
    p = out / "llama_masked.onnx"
    _export_masked(torch, w, p, KV_HEADS_LLAMA, HIDDEN // HEADS, False, VOCAB)
    _check_masked(torch, w, p, KV_HEADS_LLAMA, HIDDEN // HEADS, False, VOCAB)
    files["llama_masked.onnx"] = p

    # Whisper-tiny-config encoder + decoder
    torch.manual_seed(SEED)
    wcfg = WhisperConfig(vocab_size=VOCAB_WHISPER, num_mel_bins=MELS, d_model=HIDDEN,
                         encoder_layers=LAYERS, decoder_layers=LAYERS,
                         encoder_attention_heads=HEADS,
                         decoder_attention_heads=HEADS,
                         encoder_ffn_dim=MLP, decoder_ffn_dim=MLP,
                         max_source_positions=FRAMES // 2,
                         max_target_positions=MAX_POS, init_std=INIT_STD,
                         decoder_start_token_id=1, pad_token_id=0,
                         bos_token_id=1, eos_token_id=2,
                         attn_implementation="eager")
    whisper = WhisperForConditionalGeneration(wcfg).eval()
    encoder = whisper.get_encoder()

    class Enc(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = encoder

        def forward(self, input_features: Any) -> Any:
            return self.encoder(input_features).last_hidden_state

    enc = Enc().eval()
    if full:
        p = out / "whisper_encoder.onnx"
        with torch.no_grad():
            torch.onnx.export(enc, (torch.randn(1, MELS, FRAMES),), str(p),
                              input_names=["input_features"],
                              output_names=["last_hidden_state"],
                              dynamic_axes={"input_features": {0: "batch"},
                                            "last_hidden_state": {0: "batch"}},
                              opset_version=OPSET, do_constant_folding=True,
                              dynamo=False)
        files["whisper_encoder.onnx"] = p
        w = _decoder_wrapper(torch, whisper, LAYERS, whisper=True)
        p = out / "whisper_decoder.onnx"
        _export_decoder(torch, w, p, LAYERS, HEADS, HIDDEN // HEADS, whisper=True,
                        enc_len=FRAMES // 2)
        _check(torch, w, p, lambda past, seq: [
            torch.randint(0, VOCAB_WHISPER, (1, seq)),
            torch.randn(1, FRAMES // 2, HIDDEN),
            *pasts_of(HEADS, HIDDEN // HEADS, past)])
        files["whisper_decoder.onnx"] = p
    w = _masked_wrapper(torch, whisper, LAYERS, whisper=True)
    p = out / "whisper_decoder_masked.onnx"
    _export_masked(torch, w, p, HEADS, HIDDEN // HEADS, True, VOCAB_WHISPER)
    _check_masked(torch, w, p, HEADS, HIDDEN // HEADS, True, VOCAB_WHISPER)
    files["whisper_decoder_masked.onnx"] = p

    old_path = out / "manifest.json"
    kept = {} if full or not old_path.exists() else \
        json.loads(old_path.read_text()).get("files", {})
    entries = {**kept, **{n: {"sha256": _sha256(f), "bytes": f.stat().st_size}
                          for n, f in files.items()}}
    manifest = {
        "script": "benchmarks/decoders_export.py",
        "seed": SEED,
        "opset": OPSET,
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "files": dict(sorted(entries.items())),
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    for n, f in sorted(files.items()):
        print(f"{n}: {f.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
