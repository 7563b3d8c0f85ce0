"""Greedy decoding with a key/value cache through imported ONNX decoders.

    >>> from webnnpy.models.onnx.generate import Decoder
    >>> dec = Decoder("gpt2.onnx")                 # parsed once, nothing built
    >>> out = dec.generate([1, 2, 3], max_new_tokens=32)
    >>> out.tokens                                 # 32 token ids

A *decoder with past* is an ONNX model in the layout that exporters of
transformers models write (``optimum``, ``torch.onnx.export`` of a model
called with ``past_key_values``): an ``input_ids`` ``[batch, seq]`` input,
per layer a ``past_key_values.N.key`` / ``.value`` (also ``past.N.key``,
``past_key_values.N.decoder.key``...) ``[batch, kv_heads, past_seq,
head_dim]`` input, a ``logits`` ``[batch, seq, vocab]`` output and per layer
a ``present.N.key`` / ``.value`` output of length ``past_seq + seq``.  Other
inputs (a Whisper decoder's ``encoder_hidden_states``) are given once per
generation and stay the same at every step.

WebNN graphs are static, so a cache that grows by one position per token
needs one graph per length.  :class:`Decoder` loads the model once with its
free dimensions symbolic (``webnnpy.models.onnx.load`` without ``dims``) and
asks it for the static graph of each ``(past_seq, seq)``
(``ImportedModel.specialize``), which it builds on first use and keeps in
its least-recently-used cache of ``max_graphs``; a second generation of the
same length builds nothing.  The prompt runs in one step with an empty past
(``past_seq`` 0, declared with ``load(min_dims={"past_seq": 0})``; the
importer makes the empty inputs constants), then each step feeds one token.

The loop runs on ``MLTensor`` objects with ``MLContext.dispatch``: each step's
``present`` tensors are the next step's ``past`` inputs as they are (no copy
to the host and back), and only the logits are read, into a kept host array.
The tensors of each cache length (and the token and logits tensors) are kept
between steps and generations, so a repeated step passes ``dispatch`` the
very same tensors and the backend reuses its binding: on the ONNX Runtime
backend the tensors are OrtValues bound with IOBinding, and a step costs a
``write_tensor`` of the token, one ``run_with_iobinding`` and the logits'
read.

A model with ``attention_mask`` and ``position_ids`` inputs (optimum's
layout) gets a *padded* cache instead (``Decoder(bucket=16)``, the default):
one cache of the generation's length rounded up to ``bucket``, left-padded
and masked, its presents rewritten to drop as many leading (padding) slots
as they add, so every step after the prompt runs the same graph: one ONNX
Runtime session rather than one per length, whose switching costs more than
a small model's step (docs/decoding.md).

:class:`FixedCacheDecoder` is the alternative of one static graph: a model
exported with a fixed-size cache and an attention mask (see
``benchmarks/decoders_export.py``), two cache tensor sets alternating as
inputs and outputs.  docs/decoding.md compares the two.

Why here and not in ``webnnpy.tasks``: the loop depends on the ONNX naming
of the cache inputs and outputs, which is the importer's domain; a task (a
tokenizer, a model from the zoo) would call it.
"""

from __future__ import annotations

import os
import re
import time
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from webnnpy import MLContext, MLTensor, ml
from webnnpy.models.onnx.errors import UnsupportedModelError
from webnnpy.models.onnx.importer import ImportedModel, load, load_model

__all__ = ["Decoder", "FixedCacheDecoder", "Generation", "cache_layout"]

#: past input name -> (prefix to replace, present prefix); first match wins
#: the inputs of a decoder whose cache can be padded (Decoder's ``bucket``)
_PADDED = ("attention_mask", "position_ids")

_PAST_PATTERNS: tuple[tuple[str, str], ...] = (
    (r"^past_key_values\.", "present."),
    (r"^past_key_values_", "present_"),
    (r"^past\.", "present."),
    (r"^past_", "present_"),
)


@dataclass
class CacheLayout:
    """How a decoder's cache inputs and outputs are named and shaped."""

    ids: str
    """The token input (``input_ids``)."""
    logits: str
    """The logits output."""
    pasts: dict[str, str]
    """Each past input -> the present output that continues it."""
    past_shapes: dict[str, list[int | str]]
    """Each past input's declared shape (``past_seq`` at axis 2)."""
    extra: list[str]
    """Other inputs (given once per generation)."""


def cache_layout(input_shapes: Mapping[str, Sequence[int | str] | None],
                 output_names: Sequence[str]) -> CacheLayout:
    """Find the token input, the logits and the past/present pairs of an
    ONNX decoder from its inputs' declared shapes
    (``ImportedModel.input_shapes``) and its output names.

    Raises:
        UnsupportedModelError: no ``input_ids``/``logits``, a past input
            without its present output, or a past that is not
            ``[batch, heads, past_seq, head_dim]`` with fixed heads and
            head_dim.
    """
    names = list(input_shapes)
    outputs = list(output_names)
    ids = "input_ids" if "input_ids" in names else (
        "decoder_input_ids" if "decoder_input_ids" in names else None)
    if ids is None:
        raise UnsupportedModelError(f"generate: the model has no 'input_ids' input "
                                    f"(its inputs: {names})")
    if "logits" not in outputs:
        raise UnsupportedModelError(f"generate: the model has no 'logits' output "
                                    f"(its outputs: {outputs})")
    pasts: dict[str, str] = {}
    shapes: dict[str, list[int | str]] = {}
    extra: list[str] = []
    for name, declared in input_shapes.items():
        if name == ids:
            continue
        present = None
        for pat, repl in _PAST_PATTERNS:
            if re.match(pat, name):
                present = re.sub(pat, repl, name)
                break
        if present is None:
            extra.append(name)
            continue
        if present not in outputs:
            raise UnsupportedModelError(
                f"generate: past input {name!r} has no present output "
                f"{present!r} (the outputs: {outputs})")
        dims = list(declared) if declared is not None else []
        if len(dims) != 4 or not isinstance(dims[1], int) or \
                not isinstance(dims[3], int) or isinstance(dims[2], int):
            raise UnsupportedModelError(
                f"generate: past input {name!r} has shape {declared}; expected "
                f"[batch, kv_heads, past_seq, head_dim] with fixed kv_heads and "
                f"head_dim and a free past_seq")
        pasts[name] = present
        shapes[name] = dims
    if not pasts:
        raise UnsupportedModelError(
            f"generate: the model has no past key/value inputs "
            f"(past_key_values.N.key...); its inputs: {names}")
    return CacheLayout(ids, "logits", pasts, shapes, extra)


@dataclass
class Generation:
    """The result of :meth:`Decoder.generate`."""

    tokens: list[int]
    """The generated token ids (not the prompt)."""
    logits: list[np.ndarray] = field(default_factory=list)
    """With ``keep_logits``: each step's logits of the last position
    (``[vocab]``), the ones its token was chosen from."""
    step_seconds: list[float] = field(default_factory=list)
    """Wall time of each step (step 0 is the prompt), graph builds included."""
    builds: int = 0
    """How many graphs this generation had to build (0 when all were cached)."""
    prompt_steps: int = 1
    """How many leading steps ran the prompt (their times are not per-token
    latency): 1 for :class:`Decoder`, the prompt's length for
    :class:`FixedCacheDecoder`."""


@dataclass
class _Step:
    """One step's graph and the tensors it reads and writes."""

    model: ImportedModel
    inputs: dict[str, MLTensor]
    outputs: dict[str, MLTensor]
    logits: np.ndarray
    """The host array the logits are read into."""
    hosts: dict[str, np.ndarray] = field(default_factory=dict)
    """Padded cache: the host arrays of the mask and positions."""

    def run(self, ctx: MLContext, ids_name: str, logits_name: str,
            feed: np.ndarray, out: Generation, keep_logits: bool) -> int:
        """Write the token ids ``feed``, dispatch, read the logits; the greedy
        token of the last position, appended to ``out`` (with its logits when
        ``keep_logits``)."""
        ctx.write_tensor(self.inputs[ids_name], feed.reshape(1, -1))
        ctx.dispatch(self.model.graph, self.inputs, self.outputs)  # type: ignore[arg-type]
        ctx.read_tensor(self.outputs[logits_name], self.logits)
        last = self.logits[0, -1]
        token = int(np.argmax(last))
        out.tokens.append(token)
        if keep_logits:
            out.logits.append(last.copy())
        return token


def _check_request(where: str, prompt: Any, max_new_tokens: Any,
                   vocab: int | None) -> np.ndarray:
    """A generation's prompt (its token ids) and count, checked."""
    ids = _check_tokens(where, "prompt", prompt, vocab)
    if isinstance(max_new_tokens, bool) or not isinstance(max_new_tokens, int) \
            or max_new_tokens < 1:
        raise TypeError(f"{where}: max_new_tokens must be a positive int, got "
                        f"{max_new_tokens!r}")
    return ids


def _check_tokens(where: str, what: str, ids: Any, vocab: int | None
                  ) -> np.ndarray:
    a = np.asarray(ids)
    if a.ndim != 1 or a.size == 0 or a.dtype.kind not in "iu":
        raise TypeError(f"{where}: {what} must be a non-empty 1-D sequence of "
                        f"integer token ids, got {a.dtype} of shape {list(a.shape)}")
    if vocab is not None:
        bad = a[(a < 0) | (a >= vocab)]
        if bad.size:  # WebNN's gather leaves out-of-range indices undefined
            raise TypeError(f"{where}: {what} has token id {int(bad[0])}; the "
                            f"model's vocabulary is [0, {vocab})")
    return a.astype(np.int64)


def _vocab(model: ImportedModel) -> int | None:
    """The logits' last dimension, when the model declares it."""
    shape = (model.outputs.get("logits") or {}).get("shape")
    return shape[-1] if shape and isinstance(shape[-1], int) else None


def _rolled(proto: Any, layout: CacheLayout) -> Any:
    """A copy of a decoder whose presents drop their first ``seq`` cache
    slots (``present[:, :, seq:, :]``, ``seq`` the length of ``input_ids``),
    so they have the pasts' shape and the next step reads them as they are:
    with the cache left-padded (valid entries last), the dropped slots are
    padding.  ONNX nodes added: ``Shape`` + ``Slice`` for ``seq``, one
    ``Slice`` per present."""
    import onnx
    from onnx import helper as oh

    m = onnx.ModelProto()
    m.CopyFrom(proto)
    g = m.graph
    presents = {pr: p for p, pr in layout.pasts.items()}
    full = {pr: f"{pr}__before_roll" for pr in presents}
    for node in g.node:
        for i, o in enumerate(node.output):
            if o in full:
                node.output[i] = full[o]
        for i, x in enumerate(node.input):
            if x in full:
                node.input[i] = full[x]
    big = np.iinfo(np.int64).max
    g.initializer.extend([
        oh.make_tensor("roll__one", onnx.TensorProto.INT64, [1], [1]),
        oh.make_tensor("roll__two", onnx.TensorProto.INT64, [1], [2]),
        oh.make_tensor("roll__end", onnx.TensorProto.INT64, [1], [big]),
        oh.make_tensor("roll__axis", onnx.TensorProto.INT64, [1], [2])])
    g.node.extend([
        oh.make_node("Shape", [layout.ids], ["roll__ids_shape"]),
        oh.make_node("Slice", ["roll__ids_shape", "roll__one", "roll__two"],
                     ["roll__seq"])])
    for pr, f in full.items():
        g.node.append(oh.make_node("Slice", [f, "roll__seq", "roll__end",
                                             "roll__axis"], [pr]))
    past_dims = {vi.name: vi for vi in g.input}
    for vi in g.output:
        if vi.name in presents:
            src = past_dims[presents[vi.name]].type.tensor_type.shape.dim[2]
            vi.type.tensor_type.shape.dim[2].CopyFrom(src)
    return m


class Decoder:
    """An ONNX decoder with a key/value cache, ready for greedy decoding.

    Args:
        model: a path to the .onnx file, its bytes or an ``onnx.ModelProto``
            (loaded once with free dimensions; graphs are built per cache
            length on first use).
        context: the MLContext (default ``ml.create_context()``).
        max_graphs: how many ``(past_seq, seq)`` graphs to keep (least
            recently used dropped); a generation of N tokens uses N of them,
            so a repeated generation builds nothing when N <= max_graphs.
        cache: for a model given as a path, keep each length's compiled
            graph in the context's on-disk graph cache (``load(cache=True)``,
            docs/graph_cache.md), so a later process skips its import and
            compilation (not with a padded cache, whose model is rewritten).
        bucket: for a model with ``attention_mask`` ``[batch, past_seq + seq]``
            and ``position_ids`` ``[batch, seq]`` inputs (the optimum
            layout), the cache is *padded*: a generation of a prompt of n
            tokens and N new ones runs on one cache of ``B`` slots, n + N - 1
            rounded up to a multiple of ``bucket``, left-padded (the valid
            entries last, their mask 1, the padding's 0, the positions those
            of the valid tokens), so every step after the prompt runs the
            same graph (one ONNX Runtime session, where a graph per length
            switches sessions at every step).  The presents are rewritten to
            drop their first ``seq`` slots (:func:`_rolled`), which are
            padding, so two cache sets alternate as inputs and outputs.  A
            padded slot's score gets the model's large negative mask, whose
            softmax weight is exactly 0, so the result is that of the
            unpadded cache up to the order of float32 sums.  ``bucket=0``
            turns it off (the mask and positions are then inputs to give).

    Raises:
        UnsupportedModelError: the model is not a decoder with past inputs
            and present outputs (see :func:`cache_layout`), or its shapes
            are all fixed.
    """

    def __init__(self, model: str | os.PathLike[str] | bytes | Any, *,
                 context: MLContext | None = None, max_graphs: int = 64,
                 cache: bool = False, bucket: int = 16) -> None:
        if isinstance(max_graphs, bool) or not isinstance(max_graphs, int) \
                or max_graphs < 1:
            raise TypeError(f"Decoder: max_graphs must be a positive int, got "
                            f"{max_graphs!r}")
        if isinstance(bucket, bool) or not isinstance(bucket, int) or bucket < 0:
            raise TypeError(f"Decoder: bucket must be an int >= 0, got "
                            f"{bucket!r}")
        self.context = context if context is not None else ml.create_context()
        # a first load only to read the names of the free dimensions (it
        # builds nothing; the model is parsed twice)
        probe = load(model, context=self.context, max_graphs=1)
        if probe.is_static:
            raise UnsupportedModelError(
                "generate: the model's inputs have no free dimensions; a growing "
                "cache needs a free past_seq")
        self.layout = cache_layout(probe.input_shapes, probe.output_names)
        past_dims = {str(s[2]) for s in self.layout.past_shapes.values()}
        del probe
        self.bucket = bucket
        #: whether the cache is padded (see ``bucket``)
        self.padded = bool(bucket) and set(_PADDED) <= set(self.layout.extra)
        source: Any = model
        if self.padded:
            self.layout.extra = [n for n in self.layout.extra if n not in _PADDED]
            source, cache = _rolled(load_model(model), self.layout), False
        # the prompt's step has an empty past: declare its dimension may be 0
        self.model = load(source, context=self.context, max_graphs=max_graphs,
                          min_dims=dict.fromkeys(past_dims, 0), cache=cache)
        self.vocab = _vocab(self.model)
        self.max_graphs = max_graphs
        self._steps: OrderedDict[tuple[Any, ...], _Step] = OrderedDict()
        self._pool: OrderedDict[int, dict[str, MLTensor]] = OrderedDict()
        self._ids: dict[int, MLTensor] = {}
        self._extra: dict[tuple[str, tuple[int, ...]], MLTensor] = {}
        #: padded cache: per capacity, two cache sets (alternating)
        self._sets: dict[int, list[dict[str, MLTensor]]] = {}
        #: padded cache: the mask and positions tensors and their host arrays
        self._small: dict[tuple[str, tuple[int, ...]],
                          tuple[MLTensor, np.ndarray]] = {}

    @property
    def builds(self) -> int:
        """Graphs made so far, all generations (built, or read from the
        on-disk graph cache with ``cache=True``)."""
        return int(getattr(self.model.signatures, "builds", 0))

    # ------------------------------------------------------------ graphs

    def graph(self, past_seq: int, seq: int,
              extra_shapes: Mapping[str, Sequence[int]] | None = None
              ) -> ImportedModel:
        """The static imported model for a cache of ``past_seq`` positions and
        ``seq`` new tokens (batch 1), built on first use."""
        shapes: dict[str, Any] = {self.layout.ids: [1, seq]}
        for name, shape in self.layout.past_shapes.items():
            shapes[name] = [1, shape[1], past_seq, shape[3]]
        if self.padded:
            shapes["attention_mask"] = [1, past_seq + seq]
            shapes["position_ids"] = [1, seq]
        for name, v in (extra_shapes or {}).items():
            shapes[name] = list(v)
        return self.model.specialize(shapes)

    # ------------------------------------------------------------ tensors

    def _cache_tensors(self, length: int, graph_outputs: Mapping[str, Any]
                       ) -> dict[str, MLTensor]:
        """The present tensors of a cache of ``length`` positions (one set per
        length, kept while the graphs that read or write them are)."""
        got = self._pool.get(length)
        if got is not None:
            self._pool.move_to_end(length)
            return got
        got = {pr: self.context.create_tensor(dict(graph_outputs[pr]))
               for pr in self.layout.pasts.values()}
        self._pool[length] = got
        while len(self._pool) > self.max_graphs + 1:
            old, tensors = self._pool.popitem(last=False)
            for key in [k for k in self._steps if old in (k[0], k[0] + k[1])]:
                del self._steps[key]
            for t in tensors.values():
                t.destroy()
        return got

    def _step(self, past_seq: int, seq: int, extra: Mapping[str, np.ndarray]
              ) -> _Step:
        """The graph of one step and the tensors it reads and writes: the
        same dicts every time, so that ``dispatch`` reuses its binding."""
        ekey = tuple((n, a.shape) for n, a in extra.items())
        key = (past_seq, seq, ekey)
        st = self._steps.get(key)
        if st is not None:
            self._steps.move_to_end(key)
            return st
        m = self.graph(past_seq, seq, {n: a.shape for n, a in extra.items()})
        assert m.graph is not None
        lay = self.layout
        descs, out_descs = m.graph.inputs, m.graph.outputs
        ids = self._ids.get(seq)
        if ids is None:
            ids = self.context.create_tensor({**descs[lay.ids], "writable": True})
            self._ids[seq] = ids
        inputs: dict[str, MLTensor] = {lay.ids: ids}
        for n, a in extra.items():
            if n in descs:
                t = self._extra.get((n, a.shape))
                if t is None:
                    t = self.context.create_tensor({**descs[n], "writable": True})
                    self._extra[(n, a.shape)] = t
                inputs[n] = t
        if past_seq:
            pasts = self._cache_tensors(past_seq, {
                pr: descs[p] for p, pr in lay.pasts.items()})
            inputs.update((p, pasts[pr]) for p, pr in lay.pasts.items())
        outputs = dict(self._cache_tensors(past_seq + seq, out_descs))
        logits = self.context.create_tensor({**out_descs[lay.logits],
                                             "readable": True})
        outputs[lay.logits] = logits
        host = np.empty(out_descs[lay.logits]["shape"],
                        np.dtype(out_descs[lay.logits]["data_type"]))
        st = _Step(m, inputs, outputs, host)
        self._steps[key] = st
        while len(self._steps) > self.max_graphs + 4:
            self._steps.popitem(last=False)
        return st

    def _padded_step(self, cap: int, seq: int, extra: Mapping[str, np.ndarray],
                     parity: int) -> _Step:
        """A padded cache's step: the graph of ``cap`` cache slots and ``seq``
        tokens reading cache set ``parity`` and writing the other one."""
        ekey = tuple((n, a.shape) for n, a in extra.items())
        key = ("padded", cap, seq, ekey, parity)
        st = self._steps.get(key)
        if st is not None:
            self._steps.move_to_end(key)
            return st
        m = self.graph(cap, seq, {n: a.shape for n, a in extra.items()})
        assert m.graph is not None
        lay, ctx = self.layout, self.context
        descs, out_descs = m.graph.inputs, m.graph.outputs
        ids = self._ids.get(seq)
        if ids is None:
            ids = ctx.create_tensor({**descs[lay.ids], "writable": True})
            self._ids[seq] = ids
        inputs: dict[str, MLTensor] = {lay.ids: ids}
        hosts: dict[str, np.ndarray] = {}
        for name in _PADDED:
            d = descs[name]
            got = self._small.get((name, tuple(d["shape"])))
            if got is None:
                got = (ctx.create_tensor({**d, "writable": True}),
                       np.zeros(d["shape"], np.dtype(d["data_type"])))
                self._small[(name, tuple(d["shape"]))] = got
            inputs[name], hosts[name] = got
        for n, a in extra.items():
            if n in descs:
                t = self._extra.get((n, a.shape))
                if t is None:
                    t = ctx.create_tensor({**descs[n], "writable": True})
                    self._extra[(n, a.shape)] = t
                inputs[n] = t
        sets = self._sets.get(cap)
        if sets is None:  # created zeroed: padding is finite (weight 0 * value)
            sets = [{pr: ctx.create_tensor(dict(out_descs[pr]))
                     for pr in lay.pasts.values()} for _ in range(2)]
            self._sets[cap] = sets
        src, dst = sets[parity], sets[1 - parity]
        inputs.update((p, src[pr]) for p, pr in lay.pasts.items())
        outputs: dict[str, MLTensor] = dict(dst)
        outputs[lay.logits] = ctx.create_tensor({**out_descs[lay.logits],
                                                 "readable": True})
        host = np.empty(out_descs[lay.logits]["shape"],
                        np.dtype(out_descs[lay.logits]["data_type"]))
        st = _Step(m, inputs, outputs, host, hosts)
        self._steps[key] = st
        while len(self._steps) > self.max_graphs + 4:
            self._steps.popitem(last=False)
        return st

    def _generate_padded(self, ids: np.ndarray, max_new_tokens: int,
                         extra: Mapping[str, np.ndarray], eos_token_id: int | None,
                         keep_logits: bool) -> Generation:
        """:meth:`generate` on a padded cache of ``cap`` slots (see the
        ``bucket`` argument): the valid entries are the last ``valid`` slots."""
        n = len(ids)
        cap = -(-(n + max_new_tokens - 1) // self.bucket) * self.bucket
        ctx, lay = self.context, self.layout
        builds0 = self.builds
        out = Generation(tokens=[])
        feed = ids
        valid = 0
        written: set[int] = set()
        mask_name, pos_name = _PADDED
        for i in range(max_new_tokens):
            t0 = time.perf_counter()
            seq = len(feed)
            st = self._padded_step(cap, seq, extra, i % 2)
            for name, a in extra.items():  # once per generation
                t = st.inputs.get(name)
                if t is not None and id(t) not in written:
                    desc = st.model.graph.inputs[name]  # type: ignore[union-attr]
                    ctx.write_tensor(t, a.astype(np.dtype(desc["data_type"]),
                                                 copy=False))
                    written.add(id(t))
            mask, pos = st.hosts[mask_name], st.hosts[pos_name]
            mask[0, :cap - valid] = 0  # the padding, then the valid entries
            mask[0, cap - valid:] = 1  # and the new tokens
            if seq == 1:
                pos[0, 0] = valid
            else:
                pos[0, :] = np.arange(valid, valid + seq)
            ctx.write_tensor(st.inputs[mask_name], mask)
            ctx.write_tensor(st.inputs[pos_name], pos)
            token = st.run(ctx, lay.ids, lay.logits, feed, out, keep_logits)
            valid += seq
            feed = np.array([token], np.int64)
            out.step_seconds.append(time.perf_counter() - t0)
            if eos_token_id is not None and token == eos_token_id:
                break
        out.builds = self.builds - builds0
        return out

    # ---------------------------------------------------------- generate

    def generate(self, prompt: Sequence[int] | np.ndarray, max_new_tokens: int, *,
                 inputs: Mapping[str, Any] | None = None,
                 eos_token_id: int | None = None,
                 keep_logits: bool = False) -> Generation:
        """Greedy decoding: run the prompt with an empty cache, then feed back
        the most likely token (the first index of the largest logit, as
        ``numpy.argmax``) with the cache grown by one, ``max_new_tokens``
        times or until ``eos_token_id``.

        Args:
            prompt: the token ids to start from (batch 1).
            max_new_tokens: how many tokens to generate (>= 1).
            inputs: the model's other inputs (e.g. ``encoder_hidden_states``),
                the same at every step.
            eos_token_id: stop after generating this token.
            keep_logits: keep each step's last-position logits.

        Raises:
            TypeError: a bad prompt (not 1-D integers, a token id outside the
                vocabulary), count, or missing/extra input.
        """
        where = "generate"
        ids = _check_request(where, prompt, max_new_tokens, self.vocab)
        lay = self.layout
        given = dict(inputs or {})
        missing = [n for n in lay.extra if n not in given]
        unknown = [n for n in given if n not in lay.extra]
        if missing or unknown:
            raise TypeError(f"{where}: the model's other inputs are {lay.extra}; "
                            f"missing {missing}, unknown {unknown}")
        ctx = self.context
        extra = {n: np.ascontiguousarray(given[n]) for n in lay.extra}
        if self.padded:
            return self._generate_padded(ids, max_new_tokens, extra, eos_token_id,
                                         keep_logits)
        builds0 = self.builds
        out = Generation(tokens=[])
        past_seq = 0
        feed = ids
        written: set[int] = set()
        for _ in range(max_new_tokens):
            t0 = time.perf_counter()
            st = self._step(past_seq, len(feed), extra)
            for n, a in extra.items():  # the other inputs, once per generation
                t = st.inputs.get(n)
                if t is not None and id(t) not in written:
                    desc = st.model.graph.inputs[n]  # type: ignore[union-attr]
                    ctx.write_tensor(t, a.astype(np.dtype(desc["data_type"]),
                                                 copy=False))
                    written.add(id(t))
            token = st.run(ctx, lay.ids, lay.logits, feed, out, keep_logits)
            past_seq += len(feed)
            feed = np.array([token], np.int64)
            out.step_seconds.append(time.perf_counter() - t0)
            if eos_token_id is not None and token == eos_token_id:
                break
        out.builds = self.builds - builds0
        return out

    def close(self) -> None:
        """Destroy the tensors this decoder keeps (the cache of every length,
        the token and logits tensors); the graphs go with the model."""
        for st in self._steps.values():
            st.outputs[self.layout.logits].destroy()
        for tensors in self._pool.values():
            for t in tensors.values():
                t.destroy()
        for t in (*self._ids.values(), *self._extra.values(),
                  *(t for t, _ in self._small.values()),
                  *(t for sets in self._sets.values() for s in sets
                    for t in s.values())):
            t.destroy()
        self._sets.clear()
        self._small.clear()
        self._steps.clear()
        self._pool.clear()
        self._ids.clear()
        self._extra.clear()


class FixedCacheDecoder:
    """Greedy decoding over a fixed-size cache: one static graph for every
    step (the alternative to :class:`Decoder`'s graph per cache length).

    The model takes one token per step: ``input_ids`` ``[1, 1]``,
    ``position_ids`` ``[1, 1]``, ``attention_mask`` ``[1, L + 1]`` and pasts
    ``[1, kv_heads, L, head_dim]`` whose valid entries are the last ones
    (the mask is 0 for the empty slots before them); its presents are the
    pasts with the new entry appended and the oldest slot dropped, so they
    have the pasts' shape (``benchmarks/decoders_export.py`` writes such
    files).  Two sets of cache tensors alternate as inputs and outputs, so
    both steps' ``dispatch`` bindings are reused; the prompt is fed one token
    per step.  A generation holds at most ``L`` tokens (prompt included).

    Raises:
        UnsupportedModelError: the model is not of that form.
    """

    def __init__(self, model: str | os.PathLike[str] | bytes | Any, *,
                 context: MLContext | None = None) -> None:
        self.context = context if context is not None else ml.create_context()
        self.model = load(model, context=self.context)
        if not self.model.is_static or self.model.graph is None:
            raise UnsupportedModelError(
                "generate: a fixed-size cache model has static shapes")
        shapes = self.model.input_shapes
        for name in ("input_ids", "position_ids", "attention_mask"):
            if name not in shapes:
                raise UnsupportedModelError(
                    f"generate: a fixed-size cache model needs the inputs "
                    f"input_ids, position_ids and attention_mask; it has "
                    f"{list(shapes)}")
        self.pasts = {n: n.replace("past_key_values.", "present.", 1)
                      for n in shapes if n.startswith("past_key_values.")}
        if not self.pasts:
            raise UnsupportedModelError(
                f"generate: the model has no past_key_values.* inputs "
                f"({list(shapes)})")
        lengths = {(shapes[n] or [0, 0, 0])[2] for n in self.pasts}
        mask_shape = shapes["attention_mask"] or []
        if len(lengths) != 1 or len(mask_shape) != 2 or \
                mask_shape[1] != next(iter(lengths)) + 1:  # type: ignore[operator]
            raise UnsupportedModelError(
                f"generate: the pasts' lengths {sorted(lengths)} and the mask's "
                f"shape {mask_shape} do not fit a fixed-size cache")
        self.length = int(next(iter(lengths)))
        self.vocab = _vocab(self.model)
        graph = self.model.graph
        ctx = self.context
        descs, out_descs = graph.inputs, graph.outputs
        sets = [{pr: ctx.create_tensor(dict(out_descs[pr]))
                 for pr in self.pasts.values()} for _ in range(2)]
        self._small = {n: ctx.create_tensor({**descs[n], "writable": True})
                       for n in ("input_ids", "position_ids", "attention_mask")}
        self._logits = ctx.create_tensor({**out_descs["logits"], "readable": True})
        self._host = np.empty(out_descs["logits"]["shape"],
                              np.dtype(out_descs["logits"]["data_type"]))
        self._bindings = []
        for a, b in ((0, 1), (1, 0)):
            ins = dict(self._small)
            ins.update((p, sets[a][pr]) for p, pr in self.pasts.items())
            outs = dict(sets[b])
            outs["logits"] = self._logits
            self._bindings.append((ins, outs))
        self._sets = sets

    def generate(self, prompt: Sequence[int] | np.ndarray, max_new_tokens: int, *,
                 eos_token_id: int | None = None,
                 keep_logits: bool = False) -> Generation:
        """Greedy decoding as :meth:`Decoder.generate`; the prompt is fed a
        token per step (``Generation.prompt_steps`` of them).

        Raises:
            TypeError: a bad prompt or count, or more tokens than the cache
                holds (``len(prompt) + max_new_tokens - 1 > L``).
        """
        where = "generate"
        ids = _check_request(where, prompt, max_new_tokens, self.vocab)
        steps = len(ids) + max_new_tokens - 1
        if steps > self.length:
            raise TypeError(f"{where}: the cache holds {self.length} tokens; a "
                            f"prompt of {len(ids)} and {max_new_tokens} new "
                            f"tokens need {steps}")
        ctx, graph = self.context, self.model.graph
        assert graph is not None
        small, host = self._small, self._host
        mask = np.zeros((1, self.length + 1), np.int64)
        tok = np.zeros((1, 1), np.int64)
        pos = np.zeros((1, 1), np.int64)
        out = Generation(tokens=[], prompt_steps=len(ids))
        argmax = np.argmax
        for i in range(steps):
            t0 = time.perf_counter()
            tok[0, 0] = ids[i] if i < len(ids) else out.tokens[-1]
            pos[0, 0] = i
            mask[0, self.length - i:] = 1
            ctx.write_tensor(small["input_ids"], tok)
            ctx.write_tensor(small["position_ids"], pos)
            ctx.write_tensor(small["attention_mask"], mask)
            ins, outs = self._bindings[i % 2]
            ctx.dispatch(graph, ins, outs)
            ctx.read_tensor(self._logits, host)
            if i >= len(ids) - 1:
                last = host[0, -1]
                token = int(argmax(last))
                out.tokens.append(token)
                if keep_logits:
                    out.logits.append(last.copy())
            out.step_seconds.append(time.perf_counter() - t0)
            if out.tokens and eos_token_id is not None and \
                    out.tokens[-1] == eos_token_id:
                break
        return out

    def close(self) -> None:
        """Destroy the tensors this decoder keeps."""
        for t in (*self._small.values(), self._logits,
                  *(t for s in self._sets for t in s.values())):
            t.destroy()
