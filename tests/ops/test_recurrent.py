"""Behaviour of gru, gruCell, lstm and lstmCell.

Expected values are hand-computed literals, or come from the float64
step-by-step formulation below, written here from the spec's equations (the
gruCell/lstmCell emulation notes, and the gru/lstm notes for directions and
sequence order).  The reference backend computes the whole recurrence in
float64 and rounds each output once, so the target is 1 ULP in float32 and
float16 alike (the two float64 computations differ only in summation order).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from helpers import assert_ulp, rand, run

FLOATS = ["float32", "float16"]


# ------------------------------------------------ float64 reference (spec)


def _sigmoid(v):
    return 1.0 / (1.0 + np.exp(-v))


ACT = {"sigmoid": _sigmoid, "tanh": np.tanh, "relu": lambda v: np.maximum(v, 0.0)}


def _block(m, layout, gate, hs):
    """The hidden_size rows (or entries) of gate ``gate`` in a weight/bias
    whose gate blocks are ordered as the letters of ``layout`` (e.g. "zrn")."""
    k = layout.index(gate)
    return m[k * hs:(k + 1) * hs]


def gru_cell_ref(x, w, r, h, hs, b=None, rb=None, reset_after=True, layout="zrn",
                 acts=("sigmoid", "tanh")):
    """One GRU time step in float64 (x [batch, in], h [batch, hs])."""
    x, w, r, h = (np.asarray(a, np.float64) for a in (x, w, r, h))
    b = np.zeros(3 * hs) if b is None else np.asarray(b, np.float64)
    rb = np.zeros(3 * hs) if rb is None else np.asarray(rb, np.float64)
    f, g = ACT[acts[0]], ACT[acts[1]]

    def W(k):
        return _block(w, layout, k, hs)

    def R(k):
        return _block(r, layout, k, hs)

    def B(k):
        return _block(b, layout, k, hs)

    def RB(k):
        return _block(rb, layout, k, hs)

    z = f(B("z") + RB("z") + x @ W("z").T + h @ R("z").T)
    rr = f(B("r") + RB("r") + x @ W("r").T + h @ R("r").T)
    if reset_after:
        n = g(B("n") + x @ W("n").T + rr * (RB("n") + h @ R("n").T))
    else:
        n = g(B("n") + RB("n") + x @ W("n").T + (rr * h) @ R("n").T)
    return z * h + n * (1.0 - z)


def lstm_cell_ref(x, w, r, h, c, hs, b=None, rb=None, p=None, layout="iofg",
                  acts=("sigmoid", "tanh", "tanh")):
    """One LSTM time step in float64; returns (h, c).  Peepholes are packed
    i, o, f whatever the layout, and (as in the spec's emulation) every
    peephole multiplies the cell state the step started with."""
    x, w, r, h, c = (np.asarray(a, np.float64) for a in (x, w, r, h, c))
    b = np.zeros(4 * hs) if b is None else np.asarray(b, np.float64)
    rb = np.zeros(4 * hs) if rb is None else np.asarray(rb, np.float64)
    p = np.zeros(3 * hs) if p is None else np.asarray(p, np.float64)
    fa, ga, ha = (ACT[a] for a in acts)

    def pre(k):
        return (_block(b, layout, k, hs) + _block(rb, layout, k, hs)
                + x @ _block(w, layout, k, hs).T + h @ _block(r, layout, k, hs).T)

    p_i, p_o, p_f = p[:hs], p[hs:2 * hs], p[2 * hs:]
    i = fa(c * p_i + pre("i"))
    f = fa(c * p_f + pre("f"))
    g = ga(pre("g"))
    o = fa(c * p_o + pre("o"))
    c_new = f * c + i * g
    return o * ha(c_new), c_new


def _time_order(direction, d, steps):
    backward = direction == "backward" or (direction == "both" and d == 1)
    return range(steps - 1, -1, -1) if backward else range(steps)


def gru_ref(x, w, r, steps, hs, direction="forward", b=None, rb=None, h0=None,
            **kw):
    """[last hidden [nd, batch, hs], sequence [steps, nd, batch, hs]]."""
    nd = 2 if direction == "both" else 1
    batch = x.shape[1]
    last = np.zeros((nd, batch, hs))
    seq = np.zeros((steps, nd, batch, hs))
    for d in range(nd):
        h = np.zeros((batch, hs)) if h0 is None else np.asarray(h0[d], np.float64)
        for t in _time_order(direction, d, steps):
            h = gru_cell_ref(x[t], w[d], r[d], h, hs,
                             None if b is None else b[d],
                             None if rb is None else rb[d], **kw)
            seq[t, d] = h
        last[d] = h
    return last, seq


def lstm_ref(x, w, r, steps, hs, direction="forward", b=None, rb=None, p=None,
             h0=None, c0=None, **kw):
    """[last hidden, last cell [nd, batch, hs], sequence [steps, nd, batch, hs]]."""
    nd = 2 if direction == "both" else 1
    batch = x.shape[1]
    last_h = np.zeros((nd, batch, hs))
    last_c = np.zeros((nd, batch, hs))
    seq = np.zeros((steps, nd, batch, hs))
    for d in range(nd):
        h = np.zeros((batch, hs)) if h0 is None else np.asarray(h0[d], np.float64)
        c = np.zeros((batch, hs)) if c0 is None else np.asarray(c0[d], np.float64)
        for t in _time_order(direction, d, steps):
            h, c = lstm_cell_ref(x[t], w[d], r[d], h, c, hs,
                                 None if b is None else b[d],
                                 None if rb is None else rb[d],
                                 None if p is None else p[d], **kw)
            seq[t, d] = h
        last_h[d], last_c[d] = h, c
    return last_h, last_c, seq


def _data(shapes, dtype, seed):
    """Small random operands: inputs in [-1, 1], the rest in [-0.5, 0.5]."""
    out = {}
    for k, (name, shape) in enumerate(shapes.items()):
        lim = 1.0 if name == "x" else 0.5
        out[name] = rand(shape, dtype, seed=seed + k, low=-lim, high=lim)
    return out


# ------------------------------------------------------------ hand-computed


@pytest.mark.parametrize("dtype", FLOATS)
def test_gru_cell_zero_weights_halves_the_hidden_state(context, dtype):
    # z = sigmoid(0) = 0.5 and n = tanh(0) = 0, so h' = 0.5 * h
    x = np.array([[1, 2, 3]], dtype)
    w = np.zeros((6, 3), dtype)
    r = np.zeros((6, 2), dtype)
    h = np.array([[1, -3]], dtype)
    out = run(context, lambda g, x, w, r, h: g.gru_cell(x, w, r, h, 2),
              {"x": x, "w": w, "r": r, "h": h})
    assert out.dtype == np.dtype(dtype)
    assert_ulp(out, [[0.5, -1.5]], 0)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize(("reset_after", "want"), [(True, 2.0), (False, 2.25)])
@pytest.mark.parametrize("layout", ["zrn", "rzn"])
def test_gru_cell_relu_by_hand(context, dtype, reset_after, want, layout):
    # hidden_size 1, relu activations; x = 1, h = 2:
    #   z = relu(0.25*1 + 0.125*2 + 0) = 0.5     r = relu(0.5*1 + 0*2) = 0.5
    #   reset after:  n = relu(1*1 + 0 + r * (0.5*2 + 1)) = 2     h' = 0.5*2 + 0.5*2
    #   reset before: n = relu(1*1 + 0 + 1 + (r*2)*0.5) = 2.5    h' = 1 + 1.25
    zrn = {"w": [0.25, 0.5, 1.0], "r": [0.125, 0.0, 0.5], "rb": [0.0, 0.0, 1.0]}
    perm = [0, 1, 2] if layout == "zrn" else [1, 0, 2]
    w = np.array(zrn["w"], dtype)[perm].reshape(3, 1)
    r = np.array(zrn["r"], dtype)[perm].reshape(3, 1)
    rb = np.array(zrn["rb"], dtype)[perm]
    x = np.array([[1.0]], dtype)
    h = np.array([[2.0]], dtype)
    out = run(context, lambda g, x, w, r, h, rb: g.gru_cell(
        x, w, r, h, 1, recurrent_bias=rb, reset_after=reset_after, layout=layout,
        activations=["relu", "relu"]), {"x": x, "w": w, "r": r, "h": h, "rb": rb})
    assert_ulp(out, [[want]], 0)


@pytest.mark.parametrize("dtype", FLOATS)
def test_lstm_cell_zero_weights(context, dtype):
    # i = f = o = sigmoid(0) = 0.5, g = tanh(0) = 0: c' = c/2, h' = tanh(c')/2
    x = np.array([[1, 2]], dtype)
    w = np.zeros((4, 2), dtype)
    r = np.zeros((4, 1), dtype)
    h = np.array([[5]], dtype)
    c = np.array([[2]], dtype)
    out_h, out_c = run(context, lambda g, x, w, r, h, c: g.lstm_cell(x, w, r, h, c, 1),
                       {"x": x, "w": w, "r": r, "h": h, "c": c})
    assert_ulp(out_c, [[1.0]], 0)
    assert_ulp(out_h, [[0.5 * math.tanh(1.0)]], 0)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("layout", ["iofg", "ifgo"])
def test_lstm_cell_relu_peephole_by_hand(context, dtype, layout):
    # hidden_size 1, relu everywhere; x = 1, h = 1 (R = 0), c = 2,
    # gate weights i 0.5, o 0.25, f 0.125, g 1; peepholes (i, o, f) 0.25, 0.5, 0:
    #   i = relu(0.5 + 2*0.25) = 1    o = relu(0.25 + 2*0.5) = 1.25 (old c)
    #   f = relu(0.125 + 0) = 0.125   g = relu(1) = 1
    #   c' = 0.125*2 + 1*1 = 1.25     h' = 1.25 * relu(1.25) = 1.5625
    gate_w = {"i": 0.5, "o": 0.25, "f": 0.125, "g": 1.0}
    w = np.array([gate_w[k] for k in layout], dtype).reshape(4, 1)
    r = np.zeros((4, 1), dtype)
    p = np.array([0.25, 0.5, 0.0], dtype)
    x = np.array([[1.0]], dtype)
    h = np.array([[1.0]], dtype)
    c = np.array([[2.0]], dtype)
    out_h, out_c = run(context, lambda g, x, w, r, h, c, p: g.lstm_cell(
        x, w, r, h, c, 1, peephole_weight=p, layout=layout,
        activations=["relu", "relu", "relu"]),
        {"x": x, "w": w, "r": r, "h": h, "c": c, "p": p})
    assert_ulp(out_c, [[1.25]], 0)
    assert_ulp(out_h, [[1.5625]], 0)


# ------------------------------------------------------------------ gruCell


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("layout", ["zrn", "rzn"])
@pytest.mark.parametrize("reset_after", [True, False])
def test_gru_cell_matches_reference(context, dtype, layout, reset_after):
    hs, batch, ins = 3, 2, 4
    d = _data({"x": (batch, ins), "w": (3 * hs, ins), "r": (3 * hs, hs),
               "h": (batch, hs), "b": (3 * hs,), "rb": (3 * hs,)}, dtype, 10)
    out = run(context, lambda g, x, w, r, h, b, rb: g.gru_cell(
        x, w, r, h, hs, bias=b, recurrent_bias=rb, reset_after=reset_after,
        layout=layout), d)
    want = gru_cell_ref(d["x"], d["w"], d["r"], d["h"], hs, d["b"], d["rb"],
                        reset_after, layout)
    assert out.shape == (batch, hs) and out.dtype == np.dtype(dtype)
    assert_ulp(out, want, 1)


@pytest.mark.parametrize("dtype", FLOATS)
def test_gru_cell_defaults(context, dtype):
    # no biases, reset_after True, layout "zrn", activations sigmoid/tanh
    hs, batch, ins = 2, 3, 2
    d = _data({"x": (batch, ins), "w": (3 * hs, ins), "r": (3 * hs, hs),
               "h": (batch, hs)}, dtype, 20)
    out = run(context, lambda g, x, w, r, h: g.gru_cell(x, w, r, h, hs), d)
    assert_ulp(out, gru_cell_ref(d["x"], d["w"], d["r"], d["h"], hs), 1)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("acts", [["tanh", "relu"], ["relu", "sigmoid"],
                                  ["sigmoid", "sigmoid"]])
def test_gru_cell_activations(context, dtype, acts):
    hs, batch, ins = 2, 2, 3
    d = _data({"x": (batch, ins), "w": (3 * hs, ins), "r": (3 * hs, hs),
               "h": (batch, hs), "b": (3 * hs,)}, dtype, 30)
    out = run(context, lambda g, x, w, r, h, b: g.gru_cell(
        x, w, r, h, hs, bias=b, activations=acts), d)
    want = gru_cell_ref(d["x"], d["w"], d["r"], d["h"], hs, b=d["b"], acts=acts)
    assert_ulp(out, want, 1)


# ---------------------------------------------------------------------- gru


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("direction", ["forward", "backward", "both"])
@pytest.mark.parametrize("layout", ["zrn", "rzn"])
@pytest.mark.parametrize("reset_after", [True, False])
def test_gru_matches_reference(context, dtype, direction, layout, reset_after):
    steps, batch, ins, hs = 3, 2, 3, 2
    nd = 2 if direction == "both" else 1
    d = _data({"x": (steps, batch, ins), "w": (nd, 3 * hs, ins),
               "r": (nd, 3 * hs, hs), "b": (nd, 3 * hs), "rb": (nd, 3 * hs),
               "h0": (nd, batch, hs)}, dtype, 40)
    last, seq = run(context, lambda g, x, w, r, b, rb, h0: g.gru(
        x, w, r, steps, hs, bias=b, recurrent_bias=rb, initial_hidden_state=h0,
        reset_after=reset_after, return_sequence=True, direction=direction,
        layout=layout), d)
    want_last, want_seq = gru_ref(d["x"], d["w"], d["r"], steps, hs, direction,
                                  d["b"], d["rb"], d["h0"],
                                  reset_after=reset_after, layout=layout)
    assert last.shape == (nd, batch, hs) and seq.shape == (steps, nd, batch, hs)
    assert last.dtype == seq.dtype == np.dtype(dtype)
    assert_ulp(last, want_last, 1)
    assert_ulp(seq, want_seq, 1)


@pytest.mark.parametrize("dtype", FLOATS)
def test_gru_defaults_single_output(context, dtype):
    # no biases or initial state (zeros), forward, one output
    steps, batch, ins, hs = 4, 1, 2, 3
    d = _data({"x": (steps, batch, ins), "w": (1, 3 * hs, ins),
               "r": (1, 3 * hs, hs)}, dtype, 50)
    out = run(context, lambda g, x, w, r: g.gru(x, w, r, steps, hs), d)
    assert isinstance(out, list) and len(out) == 1
    want_last, _ = gru_ref(d["x"], d["w"], d["r"], steps, hs)
    assert_ulp(out[0], want_last, 1)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("acts", [["tanh", "relu"], ["relu", "tanh"]])
def test_gru_activations_both_directions(context, dtype, acts):
    steps, batch, ins, hs = 2, 2, 2, 2
    d = _data({"x": (steps, batch, ins), "w": (2, 3 * hs, ins),
               "r": (2, 3 * hs, hs), "h0": (2, batch, hs)}, dtype, 60)
    (last,) = run(context, lambda g, x, w, r, h0: g.gru(
        x, w, r, steps, hs, initial_hidden_state=h0, direction="both",
        activations=acts), d)
    want_last, _ = gru_ref(d["x"], d["w"], d["r"], steps, hs, "both",
                           h0=d["h0"], acts=acts)
    assert_ulp(last, want_last, 1)


def test_gru_sequence_is_in_time_order(context):
    # forward ends at the last time step, backward at the first
    steps, batch, ins, hs = 3, 1, 2, 2
    d = _data({"x": (steps, batch, ins), "w": (2, 3 * hs, ins),
               "r": (2, 3 * hs, hs)}, "float32", 70)
    last, seq = run(context, lambda g, x, w, r: g.gru(
        x, w, r, steps, hs, direction="both", return_sequence=True), d)
    np.testing.assert_array_equal(seq[-1, 0], last[0])
    np.testing.assert_array_equal(seq[0, 1], last[1])
    assert not np.array_equal(seq[-1, 1], last[1])


# ----------------------------------------------------------------- lstmCell


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("layout", ["iofg", "ifgo"])
@pytest.mark.parametrize("peephole", [True, False])
def test_lstm_cell_matches_reference(context, dtype, layout, peephole):
    hs, batch, ins = 3, 2, 4
    shapes = {"x": (batch, ins), "w": (4 * hs, ins), "r": (4 * hs, hs),
              "h": (batch, hs), "c": (batch, hs), "b": (4 * hs,), "rb": (4 * hs,),
              "p": (3 * hs,)}
    d = _data(shapes, dtype, 80)
    if not peephole:
        del d["p"]
    out_h, out_c = run(context, lambda g, x, w, r, h, c, b, rb, p=None: g.lstm_cell(
        x, w, r, h, c, hs, bias=b, recurrent_bias=rb, peephole_weight=p,
        layout=layout), d)
    want_h, want_c = lstm_cell_ref(d["x"], d["w"], d["r"], d["h"], d["c"], hs,
                                   d["b"], d["rb"], d.get("p"), layout)
    assert out_h.shape == out_c.shape == (batch, hs)
    assert out_h.dtype == out_c.dtype == np.dtype(dtype)
    assert_ulp(out_h, want_h, 1)
    assert_ulp(out_c, want_c, 1)


@pytest.mark.parametrize("dtype", FLOATS)
def test_lstm_cell_defaults(context, dtype):
    hs, batch, ins = 2, 3, 2
    d = _data({"x": (batch, ins), "w": (4 * hs, ins), "r": (4 * hs, hs),
               "h": (batch, hs), "c": (batch, hs)}, dtype, 90)
    out = run(context, lambda g, x, w, r, h, c: g.lstm_cell(x, w, r, h, c, hs), d)
    assert isinstance(out, list) and len(out) == 2
    want_h, want_c = lstm_cell_ref(d["x"], d["w"], d["r"], d["h"], d["c"], hs)
    assert_ulp(out[0], want_h, 1)
    assert_ulp(out[1], want_c, 1)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("acts", [["tanh", "sigmoid", "relu"],
                                  ["relu", "relu", "sigmoid"]])
def test_lstm_cell_activations(context, dtype, acts):
    hs, batch, ins = 2, 2, 3
    d = _data({"x": (batch, ins), "w": (4 * hs, ins), "r": (4 * hs, hs),
               "h": (batch, hs), "c": (batch, hs), "p": (3 * hs,)}, dtype, 100)
    out_h, out_c = run(context, lambda g, x, w, r, h, c, p: g.lstm_cell(
        x, w, r, h, c, hs, peephole_weight=p, activations=acts), d)
    want_h, want_c = lstm_cell_ref(d["x"], d["w"], d["r"], d["h"], d["c"], hs,
                                   p=d["p"], acts=acts)
    assert_ulp(out_h, want_h, 1)
    assert_ulp(out_c, want_c, 1)


# --------------------------------------------------------------------- lstm


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("direction", ["forward", "backward", "both"])
@pytest.mark.parametrize("layout", ["iofg", "ifgo"])
@pytest.mark.parametrize("peephole", [True, False])
def test_lstm_matches_reference(context, dtype, direction, layout, peephole):
    # (without peepholes a backend may run one fused sequence kernel, as
    # OpenVINO's LSTMSequence; with them, WebNN's decomposition)
    steps, batch, ins, hs = 3, 2, 3, 2
    nd = 2 if direction == "both" else 1
    shapes = {"x": (steps, batch, ins), "w": (nd, 4 * hs, ins),
              "r": (nd, 4 * hs, hs), "b": (nd, 4 * hs), "rb": (nd, 4 * hs),
              "p": (nd, 3 * hs), "h0": (nd, batch, hs), "c0": (nd, batch, hs)}
    if not peephole:
        del shapes["p"]
    d = _data(shapes, dtype, 110)

    def build(g, x, w, r, b, rb, h0, c0, p=None):
        extra = {"peephole_weight": p} if peephole else {}
        return g.lstm(x, w, r, steps, hs, bias=b, recurrent_bias=rb,
                      initial_hidden_state=h0, initial_cell_state=c0,
                      return_sequence=True, direction=direction, layout=layout,
                      **extra)

    last_h, last_c, seq = run(context, build, d)
    want_h, want_c, want_seq = lstm_ref(
        d["x"], d["w"], d["r"], steps, hs, direction, d["b"], d["rb"], d.get("p"),
        d["h0"], d["c0"], layout=layout)
    assert last_h.shape == last_c.shape == (nd, batch, hs)
    assert seq.shape == (steps, nd, batch, hs)
    assert last_h.dtype == last_c.dtype == seq.dtype == np.dtype(dtype)
    assert_ulp(last_h, want_h, 1)
    assert_ulp(last_c, want_c, 1)
    assert_ulp(seq, want_seq, 1)


@pytest.mark.parametrize("dtype", FLOATS)
def test_lstm_defaults_two_outputs(context, dtype):
    steps, batch, ins, hs = 4, 2, 2, 2
    d = _data({"x": (steps, batch, ins), "w": (1, 4 * hs, ins),
               "r": (1, 4 * hs, hs)}, dtype, 120)
    out = run(context, lambda g, x, w, r: g.lstm(x, w, r, steps, hs), d)
    assert isinstance(out, list) and len(out) == 2
    want_h, want_c, _ = lstm_ref(d["x"], d["w"], d["r"], steps, hs)
    assert_ulp(out[0], want_h, 1)
    assert_ulp(out[1], want_c, 1)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("acts", [["tanh", "sigmoid", "relu"],
                                  ["relu", "tanh", "sigmoid"]])
def test_lstm_activations_initial_states(context, dtype, acts):
    steps, batch, ins, hs = 3, 1, 2, 2
    d = _data({"x": (steps, batch, ins), "w": (2, 4 * hs, ins),
               "r": (2, 4 * hs, hs), "h0": (2, batch, hs), "c0": (2, batch, hs)},
              dtype, 130)
    last_h, last_c, seq = run(context, lambda g, x, w, r, h0, c0: g.lstm(
        x, w, r, steps, hs, initial_hidden_state=h0, initial_cell_state=c0,
        direction="both", return_sequence=True, activations=acts), d)
    want_h, want_c, want_seq = lstm_ref(d["x"], d["w"], d["r"], steps, hs, "both",
                                        h0=d["h0"], c0=d["c0"], acts=acts)
    assert_ulp(last_h, want_h, 1)
    assert_ulp(last_c, want_c, 1)
    assert_ulp(seq, want_seq, 1)


def test_lstm_backward_sequence_is_in_time_order(context):
    steps, batch, ins, hs = 3, 1, 2, 1
    d = _data({"x": (steps, batch, ins), "w": (1, 4 * hs, ins),
               "r": (1, 4 * hs, hs)}, "float32", 140)
    last_h, _, seq = run(context, lambda g, x, w, r: g.lstm(
        x, w, r, steps, hs, direction="backward", return_sequence=True), d)
    np.testing.assert_array_equal(seq[0], last_h)


def test_gru_constant_weights(context):
    # weights given as constants rather than graph inputs
    steps, batch, ins, hs = 2, 1, 2, 2
    d = _data({"x": (steps, batch, ins), "w": (1, 3 * hs, ins),
               "r": (1, 3 * hs, hs)}, "float32", 150)
    (last,) = run(context, lambda g, x, w, r: g.gru(x, w, r, steps, hs), d,
                  constants={"w", "r"})
    assert_ulp(last, gru_ref(d["x"], d["w"], d["r"], steps, hs)[0], 1)


@pytest.mark.parametrize("dtype", FLOATS)
def test_lstm_cell_saturated_gates(context, dtype):
    # hidden_size 1, every weight 1, zero states: huge +x saturates i = f = o = 1
    # and g = 1 (c' = 1, h' = tanh(1)); huge -x gives i = f = o = 0, g = -1
    # (c' = 0, h' = 0).  The sigmoid must not overflow on the way.
    x = np.array([[60000.0], [-60000.0]], dtype)
    w = np.ones((4, 1), dtype)
    r = np.ones((4, 1), dtype)
    h = np.zeros((2, 1), dtype)
    c = np.zeros((2, 1), dtype)
    out_h, out_c = run(context, lambda g, x, w, r, h, c: g.lstm_cell(x, w, r, h, c, 1),
                       {"x": x, "w": w, "r": r, "h": h, "c": c})
    assert_ulp(out_c, [[1.0], [0.0]], 0)
    assert_ulp(out_h, [[math.tanh(1.0)], [0.0]], 0)
