"""all-MiniLM-L6-v2 (webnnpy.tasks.embed, the network written with
MLGraphBuilder calls) exported to JavaScript runs in Chromium's WebNN and
gives the embeddings of the float64 reference of the same weights
(tests/tasks/embed_reference.py, written from the definitions in NumPy).

Tolerance: Chromium (LiteRT with XNNPACK on the CPU) computes in float32, as
webnnpy's ONNX Runtime backend does, so it is held to the same bound of the
accuracy policy (tests/tolerances.py): the sum over the graph's computing
ops of ONNX Runtime's per-op allowances (gemm 8, layerNormalization 8,
softmax 8, matmul 4, gelu 18 ULP, ...), 641 ULP of float32 = 3.8e-5 on each
component of the unit vector and on each cosine.  Measured: 1.2e-7
(Chromium 153).  A wrong GELU (tanh instead of erf) would move the
embeddings by 2.0e-4.

Skipped as tests/browser/conftest.py says without the browser, and as
tests/tasks/test_embed.py says without the model package.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import webnnpy
from tasks.embed_reference import SENTENCES, bound, reference, require
from webnnpy.browser import Browser
from webnnpy.models.javascript import export


@pytest.fixture(scope="module")
def embedder() -> Iterator[Any]:
    require()
    from webnnpy.tasks.embed import SentenceEmbedder

    ctx = webnnpy.ml.create_context(backend="numpy")
    yield SentenceEmbedder(ctx)
    ctx.destroy()


def test_minilm_embeddings_in_chromium(browser: Browser, tmp_path: Path,
                                       embedder: Any) -> None:
    # the four sentences in the [4, 32] bucket: padded rows and keys included
    ids, mask = embedder.tokenize(SENTENCES)
    batch, seq = 4, 32
    assert ids.shape[1] <= seq
    feeds = {"input_ids": np.zeros((batch, seq), np.int32),
             "attention_mask": np.zeros((batch, seq), np.float32)}
    feeds["input_ids"][:, :ids.shape[1]] = ids
    feeds["attention_mask"][:, :ids.shape[1]] = mask
    graph = embedder.graph(batch, seq)
    export(graph, tmp_path / "minilm")
    got = browser.run_module(tmp_path / "minilm", feeds)["embeddings"]
    assert got.shape == (4, 384) and got.dtype == np.float32

    w64 = {k: v.astype(np.float64) for k, v in embedder.weights.items()}
    want = np.array([reference(w64, *embedder.tokenize([s]))[0]
                     for s in SENTENCES])
    tol = bound(embedder, "onnxruntime")
    err = float(np.abs(got.astype(np.float64) - want).max())
    print(f"\nmax |Chromium - float64 reference|: {err:.2g} (bound {tol:.2g})")
    assert err <= tol, (err, tol)
    sim = got.astype(np.float64) @ got.T.astype(np.float64)
    assert np.abs(sim - want @ want.T).max() <= tol
    # and what webnnpy's own encode gives for them
    assert np.abs(embedder.encode(SENTENCES) - got).max() <= 2 * tol
