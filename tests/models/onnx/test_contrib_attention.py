"""ONNX Runtime's attention contrib ops (com.microsoft RotaryEmbedding,
MultiHeadAttention, GroupQueryAttention) through the importer.

Expected values: native ONNX Runtime on the same ModelProto; for the layouts
its CPU kernel does not run (packed QKV / KV in MultiHeadAttention), a
float64 formula of scaled dot-product attention written here.
"""

from __future__ import annotations

import numpy as np
import onnx_testlib
import pytest
from onnx import helper
from onnx_testlib import make_model

from webnnpy.models.onnx import InvalidNodeError, UnsupportedNodeError, load

ort = pytest.importorskip("onnxruntime")
N = helper.make_node
MS = "com.microsoft"
B, S, NH, H = 2, 5, 4, 16
D = NH * H


def r(*shape: int) -> np.ndarray:
    return onnx_testlib.RNG.normal(size=shape).astype(np.float32)


def _model(nodes, feeds, outs, init=None):
    m = make_model(nodes, feeds, outs, initializers=init, extra_opsets={MS: 1})
    m.ir_version = 8
    return m


def _check(nodes, feeds, outs, init=None, context=None, atol=2e-6):
    m = _model(nodes, feeds, outs, init)
    sess = ort.InferenceSession(m.SerializeToString(),
                                providers=["CPUExecutionProvider"])
    want = sess.run(None, feeds)
    got = load(m, context=context).run(feeds)
    for name, w in zip(outs, want, strict=True):
        np.testing.assert_allclose(got[name], w, rtol=1e-5, atol=atol, err_msg=name)
    return got


# ------------------------------------------------------------------ rotary

@pytest.mark.parametrize("interleaved", [0, 1])
@pytest.mark.parametrize("rank,rotary_dim", [(3, H), (3, H // 2), (4, H)])
@pytest.mark.parametrize("positions", ["2d", "offset"])
def test_rotary_embedding(interleaved, rank, rotary_dim, positions):
    x = r(B, S, D) if rank == 3 else r(B, NH, S, H)
    pos = (onnx_testlib.RNG.integers(0, 16, (B, S)) if positions == "2d"
           else np.array([3])).astype(np.int64)
    attrs = {"interleaved": interleaved}
    if rank == 3:
        attrs["num_heads"] = NH
    if rotary_dim != H:
        attrs["rotary_embedding_dim"] = rotary_dim
    init = {"cos": r(16, rotary_dim // 2), "sin": r(16, rotary_dim // 2)}
    got = _check([N("RotaryEmbedding", ["x", "pos", "cos", "sin"], ["y"], domain=MS,
                    **attrs)], {"x": x, "pos": pos}, ["y"], init)
    if rotary_dim < H:  # the features past rotary_dim pass through
        tail = got["y"].reshape(B, S, NH, H)[..., rotary_dim:]
        np.testing.assert_array_equal(tail, x.reshape(B, S, NH, H)[..., rotary_dim:])


def test_rotary_embedding_bad_input():
    init = {"cos": r(16, 3), "sin": r(16, 3)}
    m = _model([N("RotaryEmbedding", ["x", "pos", "cos", "sin"], ["y"], domain=MS,
                  num_heads=NH, name="rope")],
               {"x": r(B, S, D), "pos": np.zeros((B, S), np.int64)}, ["y"], init)
    with pytest.raises(InvalidNodeError, match=r"'rope'.*width 3 rotates 6.*head size is 16"):
        load(m)
    m = _model([N("RotaryEmbedding", ["x", "pos", "cos", "sin"], ["y"], domain=MS,
                  name="rope")], {"x": r(B, S), "pos": np.zeros((B, S), np.int64)},
               ["y"], {"cos": r(16, 8), "sin": r(16, 8)})
    with pytest.raises(InvalidNodeError, match=r"'rope'.*input has shape \[2, 5\]"):
        load(m)


# ------------------------------------------------------------ MultiHeadAttention

def _mha(inputs, outs=("o",), **attrs):
    return N("MultiHeadAttention", list(inputs), list(outs), domain=MS,
             num_heads=NH, name="mha", **attrs)


@pytest.mark.parametrize("case", ["cross", "bias", "bnsh", "mask", "mask1d", "mask3d",
                                  "attention_bias", "scale"])
def test_multi_head_attention(case, context):
    feeds = {"q": r(B, S, D), "k": r(B, 7, D), "v": r(B, 7, D)}
    names, init, attrs = ["q", "k", "v"], None, {}
    if case == "bias":
        names.append("bias")
        init = {"bias": r(3 * D)}
    elif case == "bnsh":
        feeds.update(k=r(B, NH, 7, H), v=r(B, NH, 7, H))
    elif case == "mask":
        mask = np.ones((B, 7), np.int32)
        mask[1, 4:] = 0
        feeds["m"] = mask
        names += ["", "m"]
    elif case == "mask1d":  # key counts; a filter value softmax does not hide
        feeds["m"] = np.array([7, 3], np.int32)
        names += ["", "m"]
        attrs["mask_filter_value"] = -1.0
    elif case == "mask3d":
        mask = np.ones((B, S, 7), np.int32)
        mask[0, 1, 4:] = 0
        mask[1, :, 2] = 0
        feeds["m"] = mask
        names += ["", "m"]
    elif case == "attention_bias":
        feeds["ab"] = r(1, NH, S, 7)
        names += ["", "", "ab"]
    elif case == "scale":
        attrs["scale"] = 0.3
    _check([_mha(names, **attrs)], feeds, ["o"], init, context=context)


def test_multi_head_attention_causal_with_past(context):
    feeds = {"q": r(B, 2, D), "k": r(B, 2, D), "v": r(B, 2, D),
             "pk": r(B, NH, 6, H), "pv": r(B, NH, 6, H)}
    names = ["q", "k", "v", "", "", "", "pk", "pv"]
    outs = ["o", "present_k", "present_v"]
    causal = _check([_mha(names, outs, unidirectional=1)], feeds, outs,
                    context=context)
    full = _check([_mha(names, outs)], feeds, outs, context=context)
    # the first query must not see the last key: the mask changes the result
    assert np.abs(causal["o"][:, 0] - full["o"][:, 0]).max() > 1e-3
    np.testing.assert_array_equal(causal["o"][:, 1], full["o"][:, 1])


def _sdpa64(q, k, v):
    """softmax(q k^T / sqrt(H)) v in float64, over [B, N, S, H] arrays."""
    s = q.astype(np.float64) @ np.swapaxes(k, -1, -2).astype(np.float64)
    s /= np.sqrt(q.shape[-1])
    p = np.exp(s - s.max(-1, keepdims=True))
    return (p / p.sum(-1, keepdims=True)) @ v.astype(np.float64)


def test_multi_head_attention_packed_layouts():
    # ONNX Runtime's CPU kernel runs neither layout: a float64 formula instead
    qkv = r(B, S, NH, 3, H)
    got = load(_model([_mha(["q"])], {"q": qkv}, ["o"])).run({"q": qkv})["o"]
    q, k, v = (np.transpose(qkv[:, :, :, j], (0, 2, 1, 3)) for j in range(3))
    want = np.transpose(_sdpa64(q, k, v), (0, 2, 1, 3)).reshape(B, S, D)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    query, kv = r(B, S, D), r(B, 7, NH, 2, H)
    got = load(_model([_mha(["q", "kv"])], {"q": query, "kv": kv}, ["o"])).run(
        {"q": query, "kv": kv})["o"]
    q = np.transpose(query.reshape(B, S, NH, H), (0, 2, 1, 3))
    k, v = (np.transpose(kv[:, :, :, j], (0, 2, 1, 3)) for j in range(2))
    want = np.transpose(_sdpa64(q, k, v), (0, 2, 1, 3)).reshape(B, S, D)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_multi_head_attention_bad_input():
    feeds = {"q": r(B, S, D), "k": r(B, 7, D)}
    with pytest.raises(InvalidNodeError, match=r"'mha'.*value is missing"):
        load(_model([_mha(["q", "k"])], feeds, ["o"]))
    feeds = {"q": r(B, S, D), "k": r(B, 7, D), "v": r(B, 7, D)}
    with pytest.raises(UnsupportedNodeError, match=r"'mha'.*qk output"):
        load(_model([_mha(["q", "k", "v"], ["o", "", "", "qk"])], feeds, ["o", "qk"]))
    feeds["m"] = np.ones((B, 7, 1), np.int32)
    with pytest.raises(UnsupportedNodeError, match=r"'mha'.*key_padding_mask.*\[2, 7, 1\]"):
        load(_model([_mha(["q", "k", "v", "", "m"])], feeds, ["o"]))


# ------------------------------------------------------------ GroupQueryAttention

def _gqa(*, kv_heads=2, seq=S, past=0, rotary=False, interleaved=0,
         packed=False, window=-1, softcap=0.0, seqlens=None, batch=B):
    kd = kv_heads * H
    feeds: dict[str, np.ndarray] = {}
    if packed:
        feeds["q"] = r(batch, seq, D + 2 * kd)
        names = ["q", "", ""]
    else:
        feeds.update(q=r(batch, seq, D), k=r(batch, seq, kd), v=r(batch, seq, kd))
        names = ["q", "k", "v"]
    if past:
        feeds.update(pk=r(batch, kv_heads, past, H), pv=r(batch, kv_heads, past, H))
        names += ["pk", "pv"]
    else:
        names += ["", ""]
    feeds["sl"] = (np.full((batch,), past + seq - 1, np.int32) if seqlens is None
                   else seqlens)
    feeds["tl"] = np.array(past + seq, np.int32)
    names += ["sl", "tl"]
    init = None
    attrs: dict[str, object] = {"num_heads": NH, "kv_num_heads": kv_heads}
    if rotary:
        init = {"cos": r(32, H // 2), "sin": r(32, H // 2)}
        names += ["cos", "sin"]
        attrs.update(do_rotary=1, rotary_interleaved=interleaved)
    if window > 0:
        attrs["local_window_size"] = window
    if softcap:
        attrs["softcap"] = softcap
    node = N("GroupQueryAttention", names, ["o", "present_k", "present_v"],
             domain=MS, name="gqa", **attrs)
    return [node], feeds, ["o", "present_k", "present_v"], init


@pytest.mark.parametrize("kw", [
    {"kv_heads": 4}, {"kv_heads": 2}, {"kv_heads": 1},
    {"past": 6, "seq": 1}, {"past": 6, "seq": 3, "batch": 1},
    {"rotary": True}, {"rotary": True, "interleaved": 1, "past": 6, "seq": 1},
    {"packed": True}, {"packed": True, "rotary": True, "past": 6, "seq": 1},
    {"window": 2}, {"softcap": 2.0},
    {"seqlens": np.array([4, 2], np.int32), "rotary": True},  # right-padded prompt
], ids=lambda kw: ",".join(f"{k}={v}" for k, v in kw.items()
                           if not isinstance(v, np.ndarray)) or "padded")
def test_group_query_attention(kw, context):
    _check(*_gqa(**kw), context=context)


def test_group_query_attention_bad_input():
    nodes, feeds, outs, init = _gqa()
    kv = next(a for a in nodes[0].attribute if a.name == "kv_num_heads")
    kv.i = 3  # kv_num_heads 3 does not divide 4 heads
    with pytest.raises(InvalidNodeError, match=r"'gqa'.*num_heads 4.*kv_num_heads 3"):
        load(_model(nodes, feeds, outs, init))
    nodes, feeds, outs, init = _gqa()
    nodes[0].attribute.append(helper.make_attribute("smooth_softmax", 1))
    with pytest.raises(UnsupportedNodeError, match=r"'gqa'.*'smooth_softmax'"):
        load(_model(nodes, feeds, outs, init))
    nodes, feeds, outs, init = _gqa(past=6, seq=1)
    feeds["pk"] = r(B, 2, 6, H + 1)
    with pytest.raises(InvalidNodeError, match=r"'gqa'.*past_key.*\[2, 2, 6, 17\]"):
        load(_model(nodes, feeds, outs, init))


def test_attention_ops_in_float16():
    """float16 throughout (scores, softmax and rotation in float16, as ONNX
    Runtime's kernels for float16 inputs)."""
    def half(d):
        return {k: v.astype(np.float16) if v.dtype == np.float32 else v
                for k, v in (d or {}).items()}
    nodes, feeds, outs, init = _gqa(rotary=True, past=6, seq=1)
    got = _check(nodes, half(feeds), outs, half(init), atol=2e-3)
    assert got["o"].dtype == np.float16
    feeds = {"q": r(B, S, D), "k": r(B, 7, D), "v": r(B, 7, D)}
    _check([_mha(["q", "k", "v"])], half(feeds), ["o"], atol=2e-3)


@pytest.mark.parametrize("rotary", [False, True])
def test_group_query_attention_decodes_a_right_padded_batch(rotary, context):
    """Row 1's past holds 3 valid tokens of 6: its new token goes to position
    3 of present (as ONNX Runtime writes it), its rotary position is 3, and
    the positions past its length are masked.  Present is compared where
    it is defined (each row's first seqlens_k + 1 positions)."""
    nodes, feeds, outs, init = _gqa(past=6, seq=1, rotary=rotary,
                                    seqlens=np.array([6, 3], np.int32))
    m = _model(nodes, feeds, outs, init)
    want = ort.InferenceSession(m.SerializeToString(),
                                providers=["CPUExecutionProvider"]).run(None, feeds)
    got = load(m, context=context).run(feeds)
    np.testing.assert_allclose(got["o"], want[0], rtol=1e-5, atol=2e-6)
    for j, name in ((1, "present_k"), (2, "present_v")):
        for row, n in enumerate(feeds["sl"] + 1):
            np.testing.assert_allclose(got[name][row, :, :n], want[j][row, :, :n],
                                       rtol=1e-5, atol=2e-6, err_msg=name)
    # the padded row's new key is at position 3, not appended at 6
    assert not np.allclose(got["present_k"][1, :, 3], feeds["pk"][1, :, 3])
