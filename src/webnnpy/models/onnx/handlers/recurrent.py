"""Recurrent networks: GRU and LSTM onto WebNN's gru/lstm, RNN unrolled.

ONNX's gate orders are WebNN's default layouts (GRU z, r, h = "zrn"; LSTM
i, o, f, c = "iofg"); ONNX's bias B holds the input and recurrent biases one
after the other; ``linear_before_reset`` is WebNN's ``reset_after``;
``layout=1`` (batch first) is transposed in and out.  Not expressible:
``clip``, activations other than Relu/Sigmoid/Tanh, per-direction
activation lists that differ, variable sequence lengths, LSTM
``input_forget``, and LSTM peepholes on the output gate (WebNN feeds it the
previous cell state, ONNX the new one).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from webnnpy import MLOperand
from webnnpy.models.onnx.convert import ImportContext, NodeInfo, Tensor
from webnnpy.models.onnx.handlers._util import present

__all__ = ["HANDLERS"]

_ACTS = {"sigmoid": "sigmoid", "tanh": "tanh", "relu": "relu"}
_DIRECTIONS = {"forward": "forward", "reverse": "backward",
               "bidirectional": "both"}


def _common(ctx: ImportContext, node: NodeInfo, inputs: list[Tensor | None],
            attrs: dict[str, Any], defaults: list[str], gates: int
            ) -> tuple[MLOperand, int, int, int, str, list[str] | None]:
    """X as [seq, batch, in], the sizes, WebNN direction and activations."""
    if attrs.get("clip") is not None:
        raise ctx.fail("clip has no WebNN counterpart")
    if attrs.get("activation_alpha") or attrs.get("activation_beta"):
        raise ctx.fail("activation_alpha/beta: WebNN's recurrent activations "
                       "take no parameters")
    x_t = inputs[0]
    assert x_t is not None
    x = ctx.op(x_t, "X")
    if x.rank != 3:
        raise ctx.fail(f"X has rank {x.rank}; expected 3")
    if int(attrs.get("layout", 0)):
        x = ctx.b.transpose(x, permutation=[1, 0, 2])
    steps, batch = x.shape[0], x.shape[1]
    direction = _DIRECTIONS.get(str(attrs.get("direction", "forward")))
    if direction is None:
        raise ctx.fail(f"direction {attrs.get('direction')!r} is not an ONNX "
                       f"direction")
    nd = 2 if direction == "both" else 1
    w_t, r_t, b_t = inputs[1], inputs[2], present(inputs, 3)
    assert w_t is not None and r_t is not None
    if w_t.rank != 3:
        raise ctx.invalid(f"W ({w_t.name!r}) has shape {list(w_t.shape)}; ONNX "
                          f"takes [num_directions, {gates} * hidden_size, "
                          f"input_size]")
    hidden = attrs.get("hidden_size")
    if hidden is None:
        hidden = w_t.shape[1] // gates
    hidden = int(hidden)
    # the shapes ONNX defines, before anything slices them
    want = {"W": (w_t, [nd, gates * hidden, x.shape[2]]),
            "R": (r_t, [nd, gates * hidden, hidden]),
            "B": (b_t, [nd, 2 * gates * hidden])}
    for what, (t, shape) in want.items():
        if t is not None and list(t.shape) != shape:
            raise ctx.invalid(f"{what} ({t.name!r}) has shape {list(t.shape)}; with "
                              f"hidden_size {hidden}, {nd} direction(s) and input "
                              f"size {x.shape[2]} ONNX takes {shape}")
    acts = attrs.get("activations")
    names: list[str] | None = None
    if acts is not None:
        acts = [str(a).lower() for a in acts]
        per = len(defaults)
        if len(acts) == per * nd and nd == 2 and acts[:per] != acts[per:]:
            raise ctx.fail(f"activations {acts} differ between directions; WebNN "
                           f"uses one list for both")
        acts = acts[:per]
        bad = [a for a in acts if a not in _ACTS]
        if bad:
            raise ctx.fail(f"activation(s) {bad}: WebNN's recurrent networks take "
                           f"relu, sigmoid or tanh")
        names = [_ACTS[a] for a in acts]
        if names == defaults:
            names = None
    seq_t = present(inputs, 4)
    if seq_t is not None:
        lens = ctx.const(seq_t, "sequence_lens")
        if not np.all(np.asarray(lens) == steps):
            raise ctx.fail("sequence_lens vary; WebNN runs every batch entry for "
                           "all steps")
    return x, steps, batch, int(hidden), direction, names


def _state(ctx: ImportContext, t: Tensor | None, attrs: dict[str, Any],
           what: str) -> MLOperand | None:
    if t is None:
        return None
    s = ctx.op(t, what)
    if int(attrs.get("layout", 0)):
        s = ctx.b.transpose(s, permutation=[1, 0, 2])
    return s


def _outputs(ctx: ImportContext, node: NodeInfo, attrs: dict[str, Any],
             seq: MLOperand | None, states: list[MLOperand]) -> list[Any]:
    batch_first = int(attrs.get("layout", 0))
    outs: list[Any] = []
    if seq is not None:
        outs.append(ctx.b.transpose(seq, permutation=[2, 0, 1, 3]) if batch_first
                    else seq)
    else:
        outs.append(None)
    for s in states:
        outs.append(ctx.b.transpose(s, permutation=[1, 0, 2]) if batch_first else s)
    return outs


def _split_bias(ctx: ImportContext, b_t: Tensor | None, gates: int, hidden: int
                ) -> tuple[MLOperand | None, MLOperand | None]:
    if b_t is None:
        return None, None
    if b_t.is_const:
        # constants stay constants: the backends run a fused recurrent
        # kernel only when every weight and bias is a known constant
        v = np.asarray(b_t.value)
        n = gates * hidden
        return (ctx.constant(np.ascontiguousarray(v[:, :n]), f"B {b_t.name!r}"),
                ctx.constant(np.ascontiguousarray(v[:, n:2 * n]), f"B {b_t.name!r}"))
    b = ctx.op(b_t, "B")
    nd = b.shape[0]
    wb = ctx.b.slice(b, [0, 0], [nd, gates * hidden])
    rb = ctx.b.slice(b, [0, gates * hidden], [nd, gates * hidden])
    return wb, rb


def _gru(ctx: ImportContext, node: NodeInfo, inputs: list[Tensor | None],
         attrs: dict[str, Any]) -> list[Any]:
    x, steps, _, hidden, direction, acts = _common(
        ctx, node, inputs, attrs, ["sigmoid", "tanh"], 3)
    w_t, r_t = inputs[1], inputs[2]
    assert w_t is not None and r_t is not None
    bias, rbias = _split_bias(ctx, present(inputs, 3), 3, hidden)
    h0 = _state(ctx, present(inputs, 5), attrs, "initial_h")
    outs = ctx.b.gru(x, ctx.op(w_t, "W"), ctx.op(r_t, "R"), steps, hidden,
                     bias=bias, recurrent_bias=rbias, initial_hidden_state=h0,
                     reset_after=bool(int(attrs.get("linear_before_reset", 0))),
                     return_sequence=node.wants(0), direction=direction,
                     layout="zrn", activations=acts)
    return _outputs(ctx, node, attrs, outs[1] if node.wants(0) else None, [outs[0]])


def _lstm(ctx: ImportContext, node: NodeInfo, inputs: list[Tensor | None],
          attrs: dict[str, Any]) -> list[Any]:
    if int(attrs.get("input_forget", 0)):
        raise ctx.fail("input_forget=1 (coupled gates) has no WebNN counterpart")
    x, steps, _, hidden, direction, acts = _common(
        ctx, node, inputs, attrs, ["sigmoid", "tanh", "tanh"], 4)
    w_t, r_t = inputs[1], inputs[2]
    assert w_t is not None and r_t is not None
    bias, rbias = _split_bias(ctx, present(inputs, 3), 4, hidden)
    h0 = _state(ctx, present(inputs, 5), attrs, "initial_h")
    c0 = _state(ctx, present(inputs, 6), attrs, "initial_c")
    p_t = present(inputs, 7)
    peep = None
    if p_t is not None:
        if not p_t.is_const:
            raise ctx.fail("a run-time peephole P: WebNN's output-gate peephole "
                           "uses the previous cell state, ONNX's the new one")
        p = np.asarray(p_t.value)
        if np.any(p[:, hidden:2 * hidden] != 0):
            raise ctx.fail("an output-gate peephole: WebNN's uses the previous "
                           "cell state, ONNX's the new one")
        peep = ctx.op(p_t, "P")
    outs = ctx.b.lstm(x, ctx.op(w_t, "W"), ctx.op(r_t, "R"), steps, hidden,
                      bias=bias, recurrent_bias=rbias, peephole_weight=peep,
                      initial_hidden_state=h0, initial_cell_state=c0,
                      return_sequence=node.wants(0), direction=direction,
                      layout="iofg", activations=acts)
    return _outputs(ctx, node, attrs, outs[2] if node.wants(0) else None,
                    [outs[0], outs[1]])


def _rnn(ctx: ImportContext, node: NodeInfo, inputs: list[Tensor | None],
         attrs: dict[str, Any]) -> list[Any]:
    """A plain RNN unrolled: h = f(x_t W^T + h R^T + Wb + Rb)."""
    x, steps, batch, hidden, direction, acts = _common(
        ctx, node, inputs, attrs, ["tanh"], 1)
    act = (acts or ["tanh"])[0]
    w_t, r_t = inputs[1], inputs[2]
    assert w_t is not None and r_t is not None
    w, r = ctx.op(w_t, "W"), ctx.op(r_t, "R")
    b_t = present(inputs, 3)
    h0 = _state(ctx, present(inputs, 5), attrs, "initial_h")
    b = ctx.b
    nd = 2 if direction == "both" else 1
    in_size = x.shape[2]
    dirs = {"forward": [False], "backward": [True], "both": [False, True]}[direction]
    last, seqs = [], []
    for d, backward in enumerate(dirs):
        wd = b.reshape(b.slice(w, [d, 0, 0], [1, hidden, in_size]), [hidden, in_size])
        rd = b.reshape(b.slice(r, [d, 0, 0], [1, hidden, hidden]), [hidden, hidden])
        bias = None
        if b_t is not None:
            bb = ctx.op(b_t, "B")
            bias = b.add(b.reshape(b.slice(bb, [d, 0], [1, hidden]), [hidden]),
                         b.reshape(b.slice(bb, [d, hidden], [1, hidden]), [hidden]))
        h = None if h0 is None else b.reshape(b.slice(h0, [d, 0, 0],
                                                      [1, batch, hidden]),
                                              [batch, hidden])
        per_step: list[MLOperand] = [None] * steps  # type: ignore[list-item]
        order = range(steps - 1, -1, -1) if backward else range(steps)
        for t in order:
            xt = b.reshape(b.slice(x, [t, 0, 0], [1, batch, in_size]), [batch, in_size])
            a = b.gemm(xt, wd, b_transpose=True, c=bias)
            if h is not None:
                a = b.add(a, b.gemm(h, rd, b_transpose=True))
            h = getattr(b, act)(a)
            per_step[t] = h
        assert h is not None
        last.append(b.reshape(h, [1, batch, hidden]))
        seqs.append(per_step)
    y_h = last[0] if nd == 1 else b.concat(last, 0)
    y = None
    if node.wants(0):
        rows = [b.reshape(b.concat([seqs[d][t] for d in range(nd)], 0)
                          if nd == 2 else seqs[0][t], [1, nd, batch, hidden])
                for t in range(steps)]
        y = rows[0] if steps == 1 else b.concat(rows, 0)
    return _outputs(ctx, node, attrs, y, [y_h])


HANDLERS = {
    "GRU": ((7, 22, _gru),),
    "LSTM": ((7, 22, _lstm),),
    "RNN": ((7, 22, _rnn),),
}
