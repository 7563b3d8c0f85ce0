"""GRU, LSTM and RNN against onnx.reference."""

from __future__ import annotations

import numpy as np
import pytest
from onnx import helper
from onnx_testlib import make_model, rand

from webnnpy.models.onnx import UnsupportedNodeError, load

N = helper.make_node
SEQ, BATCH, IN, H = 4, 2, 3, 5


def _inputs(gates: int, nd: int, layout: int = 0) -> tuple[dict, dict]:
    x = rand(BATCH, SEQ, IN) if layout else rand(SEQ, BATCH, IN)
    init = {"w": rand(nd, gates * H, IN), "r": rand(nd, gates * H, H),
            "b": rand(nd, 2 * gates * H)}
    h0 = rand(BATCH, nd, H) if layout else rand(nd, BATCH, H)
    return {"x": x}, {**init, "h0": h0}


@pytest.mark.parametrize("direction", ["forward", "reverse", "bidirectional"])
@pytest.mark.parametrize("lbr", [0, 1])
def test_gru(check, direction, lbr):
    nd = 2 if direction == "bidirectional" else 1
    ins, init = _inputs(3, nd)
    check([N("GRU", ["x", "w", "r", "b", "", "h0"], ["y", "yh"], hidden_size=H,
             direction=direction, linear_before_reset=lbr)], ins, ["y", "yh"],
          initializers=init, rtol=1e-4, atol=1e-5)


def test_gru_batch_first(check):
    ins, init = _inputs(3, 1, layout=1)
    check([N("GRU", ["x", "w", "r", "b", "", "h0"], ["y", "yh"], hidden_size=H,
             layout=1)], ins, ["y", "yh"], opset=14, initializers=init, rtol=1e-4,
          atol=1e-5)


@pytest.mark.parametrize("direction", ["forward", "bidirectional"])
def test_lstm(check, direction):
    nd = 2 if direction == "bidirectional" else 1
    ins, init = _inputs(4, nd)
    init["c0"] = rand(nd, BATCH, H)
    check([N("LSTM", ["x", "w", "r", "b", "", "h0", "c0"], ["y", "yh", "yc"],
             hidden_size=H, direction=direction)], ins, ["y", "yh", "yc"],
          initializers=init, rtol=1e-4, atol=1e-5)


def test_lstm_only_last_state(check):
    ins, init = _inputs(4, 1)
    check([N("LSTM", ["x", "w", "r", "b"], ["", "yh"], hidden_size=H)], ins, ["yh"],
          initializers={k: init[k] for k in "wrb"}, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("op, gates", [("LSTM", 4), ("GRU", 3)])
def test_constant_bias_is_split_at_import(ref_ctx, op, gates):
    # ONNX's B holds both biases; a constant B must reach WebNN as two
    # constants (no slice ops), else the backends cannot run their fused
    # recurrent kernels (ddddocr's CRNN ran its LSTM unrolled: 1.27x native)
    ins, init = _inputs(gates, 2)
    m = make_model([N(op, ["x", "w", "r", "b"], ["y"], hidden_size=H,
                      direction="bidirectional")], ins, ["y"],
                   initializers={k: init[k] for k in "wrb"})
    ir = load(m, context=ref_ctx).graph._ir
    assert "slice" not in {n.op for n in ir.nodes}
    (node,) = [n for n in ir.nodes if n.op == op.lower()]
    n = gates * H
    np.testing.assert_array_equal(node.operands["bias"].constant, init["b"][:, :n])
    np.testing.assert_array_equal(node.operands["recurrentBias"].constant,
                                  init["b"][:, n:])


@pytest.mark.parametrize("op, gates", [("LSTM", 4), ("GRU", 3)])
def test_runtime_bias(check, op, gates):
    ins, init = _inputs(gates, 1)
    ins["b"] = init.pop("b")
    check([N(op, ["x", "w", "r", "b"], ["y"], hidden_size=H)], ins, ["y"],
          initializers={k: init[k] for k in "wr"}, rtol=1e-4, atol=1e-5)


def test_lstm_output_gate_peephole_is_rejected(ref_ctx):
    ins, init = _inputs(4, 1)
    init["p"] = rand(1, 3 * H)
    m = make_model([N("LSTM", ["x", "w", "r", "b", "", "", "", "p"], ["y"],
                      hidden_size=H)], ins, ["y"], initializers=init)
    with pytest.raises(UnsupportedNodeError, match="peephole"):
        load(m, context=ref_ctx)


@pytest.mark.parametrize("direction", ["forward", "bidirectional"])
def test_rnn(check, direction):
    nd = 2 if direction == "bidirectional" else 1
    ins, init = _inputs(1, nd)
    check([N("RNN", ["x", "w", "r", "b", "", "h0"], ["y", "yh"], hidden_size=H,
             direction=direction)], ins, ["y", "yh"], initializers=init, rtol=1e-4,
          atol=1e-5)


def test_rnn_relu():
    # (onnx.reference's RNN knows only Tanh: the expected values are computed here)
    ins, init = _inputs(1, 1)
    m = make_model([N("RNN", ["x", "w", "r", "b"], ["y"], hidden_size=H,
                      activations=["Relu"])], ins, ["y"],
                   initializers={k: init[k] for k in "wrb"})
    x = ins["x"].astype(np.float64)
    w, r, b = (init[k][0].astype(np.float64) for k in "wrb")
    h = np.zeros((BATCH, H))
    want = []
    for t in range(SEQ):
        h = np.maximum(x[t] @ w.T + h @ r.T + b[:H] + b[H:], 0)
        want.append(h)
    got = load(m).run(ins)["y"]
    np.testing.assert_allclose(got, np.stack(want)[:, None], rtol=1e-4, atol=1e-5)
