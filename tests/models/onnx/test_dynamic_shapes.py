"""Free dimensions at the Model API (issue 14, item 1): ``load(model)``
without ``dims`` keeps them symbolic; each ``run()`` with a new shape
signature builds a static WebNN graph once, in a bounded LRU cache.

The BERT-like and GPT-2-like graphs are made here with onnx.helper (token and
position embeddings through Shape/Gather/Range, LayerNormalization, multi-head
attention through Reshape/Transpose/MatMul/Softmax, a padding mask, a causal
mask sliced by the sequence length), run at three sequence lengths and
compared with native ONNX Runtime on the same ModelProto, within the summed
per-op bounds of ``tests/tolerances.py``.
"""

from __future__ import annotations

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

import webnnpy  # noqa: E402
from tolerances import TOLERANCES, WPT_ULP  # noqa: E402
from webnnpy.models import onnx as wonnx  # noqa: E402
from webnnpy.models.onnx import InputShapeError, InvalidDimsError  # noqa: E402

BACKENDS = [b for b in ("numpy", "onnxruntime")
            if webnnpy.backends.available_backends().get(b)]
VOCAB, HIDDEN, HEADS, MAX_POS = 37, 16, 2, 64
HEAD = HIDDEN // HEADS
SEQ_LENGTHS = (3, 8, 13)


def _c(name: str, a: np.ndarray) -> TensorProto:
    return numpy_helper.from_array(np.asarray(a), name)


def _n(op: str, ins: list[str], outs: list[str], **attrs):
    return helper.make_node(op, ins, outs, **attrs)


def _weights(rng: np.random.Generator) -> list[TensorProto]:
    f = np.float32
    w = [
        _c("tok_emb", rng.standard_normal((VOCAB, HIDDEN)).astype(f) * 0.5),
        _c("pos_emb", rng.standard_normal((MAX_POS, HIDDEN)).astype(f) * 0.5),
        _c("ln_scale", (1 + 0.1 * rng.standard_normal(HIDDEN)).astype(f)),
        _c("ln_bias", (0.1 * rng.standard_normal(HIDDEN)).astype(f)),
        _c("ln2_scale", (1 + 0.1 * rng.standard_normal(HIDDEN)).astype(f)),
        _c("ln2_bias", (0.1 * rng.standard_normal(HIDDEN)).astype(f)),
        _c("ffn_w1", (rng.standard_normal((HIDDEN, 4 * HIDDEN)) / 4).astype(f)),
        _c("ffn_w2", (rng.standard_normal((4 * HIDDEN, HIDDEN)) / 8).astype(f)),
        _c("zero_i", np.array(0, np.int64)), _c("one_i", np.array(1, np.int64)),
        _c("axes12", np.array([1, 2], np.int64)),
        _c("split_heads", np.array([0, 0, HEADS, HEAD], np.int64)),
        _c("merge_heads", np.array([0, 0, -1], np.int64)),
        _c("inv_sqrt_d", np.array(1 / np.sqrt(HEAD), np.float32)),
        _c("one_f", np.array(1.0, np.float32)), _c("half_f", np.array(0.5, np.float32)),
        _c("neg_big", np.array(-10000.0, np.float32)),
        _c("inv_sqrt2", np.array(1 / np.sqrt(2), np.float32)),
    ]
    for p in "qkvo":
        w.append(_c(f"w{p}", (rng.standard_normal((HIDDEN, HIDDEN)) / 4).astype(f)))
        w.append(_c(f"b{p}", (0.1 * rng.standard_normal(HIDDEN)).astype(f)))
    return w


def _embeddings(ids: str) -> list:
    """tok_emb[ids] + pos_emb[range(seq)], seq from Shape(ids)[1]."""
    return [
        _n("Gather", ["tok_emb", ids], ["tok"]),
        _n("Shape", [ids], ["ids_shape"]),
        _n("Gather", ["ids_shape", "one_i"], ["seq_len"], axis=0),
        _n("Range", ["zero_i", "seq_len", "one_i"], ["pos_ids"]),
        _n("Gather", ["pos_emb", "pos_ids"], ["pos"]),
        _n("Add", ["tok", "pos"], ["emb"]),
    ]


def _attention(x: str, mask_add: str | None, causal: bool) -> list:
    nodes = []
    for p in "qkv":
        nodes += [_n("MatMul", [x, f"w{p}"], [f"{p}_mm"]),
                  _n("Add", [f"{p}_mm", f"b{p}"], [f"{p}_lin"]),
                  _n("Reshape", [f"{p}_lin", "split_heads"], [f"{p}_4d"])]
    nodes += [
        _n("Transpose", ["q_4d"], ["q_t"], perm=[0, 2, 1, 3]),
        _n("Transpose", ["k_4d"], ["k_t"], perm=[0, 2, 3, 1]),
        _n("Transpose", ["v_4d"], ["v_t"], perm=[0, 2, 1, 3]),
        _n("MatMul", ["q_t", "k_t"], ["scores_raw"]),
        _n("Mul", ["scores_raw", "inv_sqrt_d"], ["scores"]),
    ]
    s = "scores"
    if mask_add is not None:
        nodes.append(_n("Add", [s, mask_add], ["scores_m"]))
        s = "scores_m"
    if causal:
        # a lower-triangular buffer sliced to [seq, seq] by the input's length
        nodes += [
            _n("Slice", ["causal_buf", "zero_1d", "seq_1d", "axes23", "one_1d2"],
               ["causal"]),
            _n("Where", ["causal", s, "neg_big"], ["scores_c"]),
        ]
        s = "scores_c"
    nodes += [
        _n("Softmax", [s], ["probs"], axis=-1),
        _n("MatMul", ["probs", "v_t"], ["ctx_4d"]),
        _n("Transpose", ["ctx_4d"], ["ctx_t"], perm=[0, 2, 1, 3]),
        _n("Reshape", ["ctx_t", "merge_heads"], ["ctx"]),
        _n("MatMul", ["ctx", "wo"], ["o_mm"]),
        _n("Add", ["o_mm", "bo"], ["attn"]),
    ]
    return nodes


def _ffn(x: str, out: str) -> list:
    """MatMul, erf GELU, MatMul."""
    return [
        _n("MatMul", [x, "ffn_w1"], ["f1"]),
        _n("Mul", ["f1", "inv_sqrt2"], ["f1s"]), _n("Erf", ["f1s"], ["f1e"]),
        _n("Add", ["f1e", "one_f"], ["f1p"]), _n("Mul", ["f1", "f1p"], ["f1g0"]),
        _n("Mul", ["f1g0", "half_f"], ["f1g"]),
        _n("MatMul", ["f1g", "ffn_w2"], [out]),
    ]


def bert_like(seed: int = 0) -> onnx.ModelProto:
    """Post-norm encoder layer with a padding mask; inputs [batch, seq]."""
    rng = np.random.default_rng(seed)
    nodes = [
        *_embeddings("input_ids"),
        _n("LayerNormalization", ["emb", "ln_scale", "ln_bias"], ["h0"], axis=-1),
        _n("Cast", ["attention_mask"], ["mask_f"], to=TensorProto.FLOAT),
        _n("Unsqueeze", ["mask_f", "axes12"], ["mask_4d"]),
        _n("Sub", ["one_f", "mask_4d"], ["mask_inv"]),
        _n("Mul", ["mask_inv", "neg_big"], ["mask_add"]),
        *_attention("h0", "mask_add", causal=False),
        _n("Add", ["h0", "attn"], ["r1"]),
        _n("LayerNormalization", ["r1", "ln2_scale", "ln2_bias"], ["h1"], axis=-1),
        *_ffn("h1", "f_out"),
        _n("Add", ["h1", "f_out"], ["last_hidden_state"]),
    ]
    g = helper.make_graph(
        nodes, "bert_like",
        [helper.make_tensor_value_info("input_ids", TensorProto.INT64,
                                       ["batch", "seq"]),
         helper.make_tensor_value_info("attention_mask", TensorProto.INT64,
                                       ["batch", "seq"])],
        [helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT,
                                       ["batch", "seq", HIDDEN])],
        _weights(rng))
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])


def gpt2_like(seed: int = 1) -> onnx.ModelProto:
    """Pre-norm decoder layer with a causal mask and tied output embeddings;
    input [batch, seq]."""
    rng = np.random.default_rng(seed)
    causal = np.tril(np.ones((MAX_POS, MAX_POS), bool))[None, None]
    extra = [
        _c("causal_buf", causal),
        _c("zero_1d", np.array([0, 0], np.int64)),
        _c("axes23", np.array([2, 3], np.int64)),
        _c("one_1d2", np.array([1, 1], np.int64)),
        _c("tok_emb_t", np.asarray(numpy_helper.to_array(_weights(
            np.random.default_rng(seed))[0])).T.copy()),
    ]
    nodes = [
        *_embeddings("input_ids"),
        _n("Unsqueeze", ["seq_len", "zero_i"], ["seq_1"]),
        _n("Concat", ["seq_1", "seq_1"], ["seq_1d"], axis=0),
        _n("LayerNormalization", ["emb", "ln_scale", "ln_bias"], ["h0"], axis=-1),
        *_attention("h0", None, causal=True),
        _n("Add", ["emb", "attn"], ["r1"]),
        _n("LayerNormalization", ["r1", "ln2_scale", "ln2_bias"], ["h1"], axis=-1),
        *_ffn("h1", "f_out"),
        _n("Add", ["r1", "f_out"], ["r2"]),
        _n("MatMul", ["r2", "tok_emb_t"], ["logits"]),
    ]
    g = helper.make_graph(
        nodes, "gpt2_like",
        [helper.make_tensor_value_info("input_ids", TensorProto.INT64,
                                       ["batch", "seq"])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT,
                                       ["batch", "seq", VOCAB])],
        _weights(rng) + extra)
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])


def _bound(backend: str, graph: webnnpy.MLGraph) -> int:
    """The graph's float32 ULP bound: the per-op bounds of tolerances.py
    (the backend's entry, else WPT's, else 1 ULP per rounding op) summed
    over the graph's operators, as WPT sums them."""
    table = TOLERANCES.get(backend, {})
    total = 0
    for node in graph._ir.nodes:
        op = node.op
        ulp = table.get((op, "float32"), (0, 0.0))[0]
        total += max(ulp, WPT_ULP.get(op, (1, 1))[0])
    return total


def _compare(got: np.ndarray, want: np.ndarray, ulp: int) -> None:
    """Elements within ``ulp`` ULP of the output's scale (an absolute bound:
    cancellation makes relative errors of near-zero results meaningless)."""
    assert got.shape == want.shape and got.dtype == want.dtype
    atol = ulp * np.finfo(np.float32).eps * float(np.abs(want).max())
    np.testing.assert_allclose(got, want, rtol=0, atol=atol)


@pytest.fixture(params=BACKENDS)
def ctx(request):
    c = webnnpy.ml.create_context(backend=request.param)
    yield c
    c.destroy()


@pytest.mark.parametrize("make", [bert_like, gpt2_like])
def test_three_sequence_lengths_match_native_ort(ctx, make):
    model = make()
    m = wonnx.load(model, context=ctx)
    assert not m.is_static and m.graph is None
    assert m.input_shapes["input_ids"] == ["batch", "seq"]
    assert m.free_dims == ["batch", "seq"]
    sess = ort.InferenceSession(model.SerializeToString(),
                                providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(7)
    for batch, seq in zip((2, 1, 3), SEQ_LENGTHS, strict=True):
        feeds = {"input_ids": rng.integers(0, VOCAB, (batch, seq), dtype=np.int64)}
        if make is bert_like:
            mask = np.ones((batch, seq), np.int64)
            mask[0, seq - 1:] = 0  # padding in the first row
            feeds["attention_mask"] = mask
        got = m.run(feeds)
        want = dict(zip([o.name for o in sess.get_outputs()],
                        sess.run(None, feeds), strict=True))
        static = m.specialize({k: v.shape for k, v in feeds.items()})
        assert static.is_static and static.graph is not None
        for name, w in want.items():
            assert got[name].shape == (batch, seq, w.shape[-1])
            _compare(got[name], w, _bound(ctx.backend, static.graph))
    assert len(m.cached_signatures) == 3 and m.signatures.builds == 3


def test_a_hit_reuses_the_graph_and_lru_evicts(monkeypatch):
    """max_graphs=2, three signatures: builds counted by a counter on
    MLGraphBuilder.build (the builder's entry point), not the cache's own."""
    built: list[int] = []
    real_build = webnnpy.MLGraphBuilder.build

    def counting_build(self, outputs):
        built.append(1)
        return real_build(self, outputs)

    monkeypatch.setattr(webnnpy.MLGraphBuilder, "build", counting_build)
    ctx = webnnpy.ml.create_context(backend="numpy")
    m = wonnx.load(gpt2_like(), context=ctx, max_graphs=2)
    assert built == []  # nothing is built at load

    def run(seq: int) -> None:
        m.run({"input_ids": np.zeros((1, seq), np.int64)})

    run(3)
    wonnx.run(m, {"input_ids": np.zeros((1, 3), np.int64)})  # the function too
    assert len(built) == 1
    run(4)
    run(3)  # a hit: 3 becomes the most recently used
    assert len(built) == 2
    run(5)  # evicts 4, the least recently used
    assert len(built) == 3
    assert [s["input_ids"] for s in m.cached_signatures] == [(1, 3), (1, 5)]
    run(3)
    assert len(built) == 3
    run(4)  # evicted: built again
    assert len(built) == 4


def test_static_model_and_full_dims_build_at_load():
    ctx = webnnpy.ml.create_context(backend="numpy")
    m = wonnx.load(gpt2_like(), context=ctx, dims={"batch": 1, "seq": 4})
    assert m.is_static and m.graph is not None
    assert m.input_shapes == {"input_ids": [1, 4]}
    assert m.specialize({"input_ids": [1, 4]}) is m
    with pytest.raises(TypeError, match=r"input 'input_ids' has shape \[1, 5\]"):
        m.run({"input_ids": np.zeros((1, 5), np.int64)})
    # dims fixing one of two free dimensions: the other stays free
    m = wonnx.load(gpt2_like(), context=ctx, dims={"batch": 1})
    assert m.input_shapes == {"input_ids": [1, "seq"]}
    with pytest.raises(InputShapeError, match="dimension 0 is 2; the model fixes "
                       "it to 1"):
        m.run({"input_ids": np.zeros((2, 3), np.int64)})


def _tiny(shape_x, shape_y=None) -> onnx.ModelProto:
    vi = helper.make_tensor_value_info
    ins = [vi("x", TensorProto.FLOAT, shape_x)]
    nodes = [_n("Relu", ["x"], ["y"])]
    if shape_y is not None:
        ins.append(vi("z", TensorProto.FLOAT, shape_y))
        nodes = [_n("Add", ["x", "z"], ["y"])]
    g = helper.make_graph(nodes, "tiny", ins, [vi("y", TensorProto.FLOAT, None)])
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])


BAD_RUNS = [
    ("over the maximum", {"x": (2, 600)},
     ["input 'x' dimension 1 ('seq') is 600", "maximum seq=512"]),
    ("zero", {"x": (0, 4)},
     ["input 'x' dimension 0 ('batch') is 0", "at least 1"]),
    ("inconsistent", {"x": (2, 4), "z": (3, 4)},
     ["input 'z' dimension 0 ('batch') is 3", "'batch' is 2 in input 'x' "
      "dimension 0"]),
    ("rank", {"x": (2, 4, 1), "z": (2, 4)},
     ["input 'x' has shape [2, 4, 1] (rank 3)", "[batch, seq] (rank 2)"]),
]


@pytest.mark.parametrize(("feeds", "words"), [c[1:] for c in BAD_RUNS],
                         ids=[c[0] for c in BAD_RUNS])
def test_bad_shapes_are_refused_before_any_work(monkeypatch, feeds, words):
    ctx = webnnpy.ml.create_context(backend="numpy")
    m = wonnx.load(_tiny(["batch", "seq"], ["batch", "seq"]), context=ctx,
                   max_dims={"seq": 512})
    calls: list[str] = []
    monkeypatch.setattr(webnnpy.MLGraphBuilder, "build",
                        lambda *a, **k: calls.append("build"))
    monkeypatch.setattr(type(ctx), "compute",
                        lambda *a, **k: calls.append("compute"))
    arrays = {k: np.ones(s, np.float32) for k, s in feeds.items()}
    arrays.setdefault("z", np.ones((2, 4), np.float32))
    with pytest.raises(TypeError) as info:
        m.run(arrays)
    assert isinstance(info.value, InputShapeError)
    for w in words:
        assert w in str(info.value), (w, str(info.value))
    assert calls == []


def test_fixed_dimension_negative_dim_value_and_no_shape():
    ctx = webnnpy.ml.create_context(backend="numpy")
    m = wonnx.load(_tiny([-1, 3]), context=ctx)  # -1: an unnamed free dim
    assert m.input_shapes == {"x": ["x[0]", 3]}
    np.testing.assert_array_equal(
        m.run({"x": -np.ones((4, 3), np.float32)})["y"], np.zeros((4, 3)))
    with pytest.raises(InputShapeError, match=r"dimension 1 is 2; the model "
                       r"fixes it to 3"):
        m.run({"x": np.ones((4, 2), np.float32)})
    m = wonnx.load(_tiny(None), context=ctx)  # no declared shape: any shape
    assert m.input_shapes == {"x": None}
    x = np.array([[-1.0, 2.0]], np.float32)
    np.testing.assert_array_equal(m.run({"x": x})["y"], [[0.0, 2.0]])


@pytest.mark.parametrize(("kwargs", "words"), [
    ({"max_dims": {"sequence": 8}}, ["'sequence' is not a named free dimension",
                                     "'batch', 'seq'"]),
    ({"max_dims": {"seq": 0}}, ["maximum of 'seq' needs a positive integer"]),
    ({"max_dims": [("seq", 8)]}, ["max_dims needs a mapping"]),
    ({"max_graphs": 0}, ["max_graphs needs a positive integer"]),
    ({"max_graphs": True}, ["max_graphs needs a positive integer"]),
])
def test_bad_load_arguments(kwargs, words):
    with pytest.raises(InvalidDimsError) as info:
        wonnx.load(_tiny(["batch", "seq"]), **kwargs)
    assert isinstance(info.value, TypeError)
    for w in words:
        assert w in str(info.value)


def test_missing_input_is_named():
    ctx = webnnpy.ml.create_context(backend="numpy")
    m = wonnx.load(_tiny(["batch", "seq"], ["batch", "seq"]), context=ctx)
    with pytest.raises(TypeError, match="input 'x' is missing"):
        m.run({"z": np.ones((2, 4), np.float32)})


def test_inspect_without_dims_reports_symbolic_shapes_and_real_problems():
    report = wonnx.inspect(bert_like())
    assert report.supported and report.problems == []
    assert report.probe_dims == {"batch": 2, "seq": 32}
    by_out = {o.name: o for n in report.nodes for o in n.outputs}
    assert str(by_out["last_hidden_state"]) == \
        f"last_hidden_state: float[batch, seq, {HIDDEN}]"
    assert str(by_out["scores"]) == f"scores: float[batch, {HEADS}, seq, seq]"
    assert str(by_out["pos_ids"]) == "pos_ids: int64[seq] (const)"
    # a dimension no simple expression gives: "?" and what it depends on
    vi = helper.make_tensor_value_info
    g = helper.make_graph(
        [_n("Reshape", ["x", "flat"], ["f"]), _n("Acos", ["f"], ["v"]),
         _n("Relu", ["v"], ["y"])], "g",
        [vi("x", TensorProto.FLOAT, ["batch", "seq", 16])],
        [vi("y", TensorProto.FLOAT, None)],
        [_c("flat", np.array([-1], np.int64))])
    report = wonnx.inspect(helper.make_model(
        g, opset_imports=[helper.make_opsetid("", 17)]))
    flat = report.nodes[0].outputs[0]
    assert str(flat) == "f: float[?] (depends on batch, seq)"
    # the one real problem (WebNN has no acos) is listed once; the node
    # after it is checked too
    assert [(n.op_type, n.status) for n in report.nodes] == [
        ("Reshape", "webnn"), ("Acos", "unsupported"), ("Relu", "webnn")]
    assert not report.supported and report.problems == []


def test_javascript_export_writes_one_module_per_signature(tmp_path):
    """Each signature's folder holds exactly what exporting a static load
    with those dims writes; index.js imports the module by its values."""
    import json
    import shutil
    import subprocess

    from webnnpy.models.javascript import ExportError, export, export_signatures

    model = gpt2_like()
    ctx = webnnpy.ml.create_context(backend="numpy")
    sigs = [{"batch": 1, "seq": 4}, {"batch": 1, "seq": 8}]
    results = export_signatures(model, tmp_path / "js", sigs, context=ctx)
    assert list(results) == ["batch1_seq4", "batch1_seq8"]
    for sig, (label, paths) in zip(sigs, results.items(), strict=True):
        ref = export(wonnx.load(model, context=ctx, dims=sig), tmp_path / "ref" / label)
        assert paths.module.read_text() == ref.module.read_text()
        assert paths.weights.read_bytes() == ref.weights.read_bytes()
    with pytest.raises(ExportError, match=r"free dimensions \(batch, seq\).*"
                       "export_signatures"):
        export(wonnx.load(model, context=ctx), tmp_path / "nope")
    with pytest.raises(InputShapeError, match="'input_ids'"):
        export_signatures(model, tmp_path / "bad", [{"seq": 4}], context=ctx)
    node = shutil.which("node")
    if node is None:
        return
    (tmp_path / "js" / "package.json").write_text('{"type": "module"}\n')
    script = tmp_path / "js" / "check.mjs"
    script.write_text(
        "import { signatures, load } from './index.js';\n"
        "const m = await load({ batch: 1, seq: 8 });\n"
        "let refused = '';\n"
        "try { await load({ batch: 1, seq: 5 }); } catch (e) { refused = e.name; }\n"
        "console.log(JSON.stringify({ n: signatures.length, "
        "shape: m.inputs.input_ids.shape, refused }));\n")
    out = subprocess.run([node, str(script)], capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == {"n": 2, "shape": [1, 8], "refused": "TypeError"}


def test_command_line_without_dims(tmp_path, capsys):
    """``webnnpy export --signature`` (one module per signature) and
    ``webnnpy inspect`` on a model with free dimensions, no --dims."""
    from webnnpy.cli import main

    path = tmp_path / "gpt2_like.onnx"
    path.write_bytes(gpt2_like().SerializeToString())
    assert main(["export", str(path), "--js", str(tmp_path / "js"), "--dim",
                 "batch=1", "--signature", "seq=4", "--signature", "seq=6"]) == 0
    assert (tmp_path / "js" / "batch1_seq6" / "model.js").is_file()
    assert (tmp_path / "js" / "index.js").is_file()
    capsys.readouterr()
    assert main(["export", str(path), "--js", str(tmp_path / "js2")]) == 2
    err = capsys.readouterr().err
    assert "pass --dim input_ids=N,N or batch=N seq=N" in err and "--signature" in err
    assert main(["inspect", str(path), "--summary"]) == 0
    out = capsys.readouterr().out
    assert "logits: float[batch, seq, 37]" in out and "42 of 42 nodes map" in out


def _kv_step_model() -> onnx.ModelProto:
    """One attention step over a growing cache: present = concat(past, k);
    scores = q @ present^T, softmax.  past [batch, 2, past_seq, 8]."""
    vi = helper.make_tensor_value_info
    g = helper.make_graph(
        [_n("Concat", ["past", "k"], ["present"], axis=2),
         _n("Transpose", ["present"], ["present_t"], perm=[0, 1, 3, 2]),
         _n("MatMul", ["q", "present_t"], ["scores"]),
         _n("Softmax", ["scores"], ["probs"], axis=-1)], "kv",
        [vi("past", TensorProto.FLOAT, ["batch", 2, "past_seq", 8]),
         vi("k", TensorProto.FLOAT, ["batch", 2, "seq", 8]),
         vi("q", TensorProto.FLOAT, ["batch", 2, "seq", 8])],
        [vi("present", TensorProto.FLOAT, ["batch", 2, "total", 8]),
         vi("probs", TensorProto.FLOAT, ["batch", 2, "seq", "total"])])
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])


def test_a_growing_kv_cache_from_empty(ctx):
    """Decoding with a cache: the first step's past is empty (declared with
    min_dims), each later step has a new past length; equal to native ORT."""
    model = _kv_step_model()
    sess = ort.InferenceSession(model.SerializeToString(),
                                providers=["CPUExecutionProvider"])
    m = wonnx.load(model, context=ctx, min_dims={"past_seq": 0})
    assert m.input_shapes["past"] == ["batch", 2, "past_seq", 8]
    rng = np.random.default_rng(3)
    past = np.zeros((1, 2, 0, 8), np.float32)
    for step in range(4):
        seq = 3 if step == 0 else 1  # the prompt, then one token at a time
        feeds = {"past": past,
                 "k": rng.standard_normal((1, 2, seq, 8)).astype(np.float32),
                 "q": rng.standard_normal((1, 2, seq, 8)).astype(np.float32)}
        got = m.run(feeds)
        want = sess.run(None, feeds)
        np.testing.assert_array_equal(got["present"], want[0])
        static = m.specialize({k: v.shape for k, v in feeds.items()})
        _compare(got["probs"], want[1], _bound(ctx.backend, static.graph))
        past = got["present"]
    assert past.shape == (1, 2, 6, 8) and m.signatures.builds == 4
    # without min_dims an empty past is refused, naming the way out
    m = wonnx.load(model, context=ctx)
    with pytest.raises(InputShapeError, match=r"input 'past' dimension 2 "
                       r"\('past_seq'\) is 0; a free dimension must be at least 1 "
                       r"\(declare min_dims=\{'past_seq': 0\}"):
        m.run({"past": np.zeros((1, 2, 0, 8), np.float32),
               "k": np.zeros((1, 2, 1, 8), np.float32),
               "q": np.zeros((1, 2, 1, 8), np.float32)})
    report = wonnx.inspect(model)
    assert str(report.nodes[0].outputs[0]) == \
        "present: float[batch, 2, past_seq+seq, 8]"


def test_disk_cache_keeps_each_signature(tmp_path, monkeypatch):
    """load(path, cache=True) without dims: each signature's compiled graph
    is saved; a later load's run of a saved signature builds nothing."""
    monkeypatch.setenv("WEBNNPY_CACHE_DIR", str(tmp_path / "cache"))
    path = tmp_path / "gpt2_like.onnx"
    path.write_bytes(gpt2_like().SerializeToString())
    feeds = {"input_ids": np.arange(5, dtype=np.int64)[None] % VOCAB}
    ctx = webnnpy.ml.create_context(backend="numpy")
    first = wonnx.load(path, context=ctx, cache=True).run(feeds)
    built: list[int] = []
    real_build = webnnpy.MLGraphBuilder.build

    def counting_build(self, outputs):
        built.append(1)
        return real_build(self, outputs)

    monkeypatch.setattr(webnnpy.MLGraphBuilder, "build", counting_build)
    m = wonnx.load(path, context=ctx, cache=True)
    again = m.run(feeds)
    assert built == [] and m.signatures.builds == 1
    np.testing.assert_array_equal(again["logits"], first["logits"])
    m.run({"input_ids": np.zeros((1, 2), np.int64)})  # a new signature
    assert built == [1]


def test_a_bad_data_type_is_refused_before_a_build(monkeypatch):
    ctx = webnnpy.ml.create_context(backend="numpy")
    m = wonnx.load(gpt2_like(), context=ctx)
    calls: list[str] = []
    monkeypatch.setattr(webnnpy.MLGraphBuilder, "build",
                        lambda *a, **k: calls.append("build"))
    with pytest.raises(TypeError, match="run: input 'input_ids' is int64; got "
                       "float32"):
        m.run({"input_ids": np.ones((1, 3), np.float32)})
    assert calls == [] and m.cached_signatures == []
