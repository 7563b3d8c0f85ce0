"""ONNX lowerings of the recurrent family: gru, gruCell, lstm and lstmCell.

All four map to ONNX GRU / LSTM, whose conventions are WebNN's: input
``[steps, batch, input]``, weights ``[directions, gates * hidden, ...]``,
sequence output ``[steps, directions, batch, hidden]``, GRU gates in "zrn"
order with ``linear_before_reset`` = ``resetAfter``, LSTM gates in "iofg"
order with peepholes packed i, o, f.  Other weight layouts ("rzn", "ifgo")
have their gate blocks reordered (at lowering time for constants).  ONNX
takes one bias ``[directions, 2 * gates * hidden]`` = bias then recurrent bias
(zeros for an absent one).  The cells run a one-step sequence.

One difference: with a peephole, ONNX's output gate reads the *new* cell
state, WebNN's decomposition the one the step started with.  An LSTM with
``peepholeWeight`` is therefore unrolled over its steps instead (MatMul,
Split, the activations, element-wise ops: WebNN's own decomposition, in
float32).

ONNX Runtime computes the recurrence in float32 (float16 graphs run it in
float32 too and round the outputs once).
"""

from __future__ import annotations

import numpy as np

from webnnpy.backends.onnxruntime.emitter import Emitter
from webnnpy.backends.onnxruntime.lower_ops._table import Exclude, LoweringTable
from webnnpy.backends.onnxruntime.lower_ops._util import dtype_of
from webnnpy.ir.graph import Node, Value

__all__ = ["EXCLUDE", "LOWERINGS"]

LOWERINGS = LoweringTable()
EXCLUDE: Exclude = {}

_ACTS = {"sigmoid": "Sigmoid", "tanh": "Tanh", "relu": "Relu"}
#: WebNN layout -> the order of its gate blocks that gives ONNX's order
_ONNX_ORDER = {"zrn": [0, 1, 2], "rzn": [1, 0, 2],
               "iofg": [0, 1, 2, 3], "ifgo": [0, 3, 1, 2]}
_DIRECTIONS = {"forward": "forward", "backward": "reverse",
               "both": "bidirectional"}


def _opt_value(node: Node, arg: str) -> Value | None:
    v = node.operands.get(arg)
    return v if isinstance(v, Value) else None


def _gates(ctx: Emitter, node: Node, arg: str, layout: str, hidden: int,
           cell: bool, dt: str) -> str | None:
    """Operand ``arg`` (gate blocks along its gate axis) in ONNX's gate order,
    with a leading directions axis for the cells; None when absent."""
    v = _opt_value(node, arg)
    if v is None:
        return None
    order = _ONNX_ORDER[layout]
    axis = 0 if cell else 1
    if v.constant is not None:
        arr = v.constant if not cell else v.constant[None]
        if order != sorted(order):
            blocks = np.split(arr, len(order), axis=1)
            arr = np.concatenate([blocks[k] for k in order], axis=1)
        return ctx.array(np.ascontiguousarray(arr))
    x = ctx.value(v)
    if order != sorted(order):
        parts = ctx.emit("Split", [x, ctx.ints([hidden] * len(order))],
                         len(order), axis=axis)
        x = ctx.emit("Concat", [parts[k] for k in order], axis=axis)
    if cell:
        x = ctx.emit("Unsqueeze", [x, ctx.ints([0])])
    return x


def _recurrent(ctx: Emitter, node: Node, lstm: bool, cell: bool) -> None:
    a = node.attrs
    dt = dtype_of(node, "input")
    hidden = a["hiddenSize"]
    layout = a["layout"]
    n_gates = 4 if lstm else 3
    nd = 2 if not cell and a["direction"] == "both" else 1
    x = ctx.input(node, "input")
    if cell:
        x = ctx.emit("Unsqueeze", [x, ctx.ints([0])])
    w = _gates(ctx, node, "weight", layout, hidden, cell, dt)
    r = _gates(ctx, node, "recurrentWeight", layout, hidden, cell, dt)
    b = _gates(ctx, node, "bias", layout, hidden, cell, dt)
    rb = _gates(ctx, node, "recurrentBias", layout, hidden, cell, dt)
    assert w is not None and r is not None
    inputs = [x, w, r]
    if b is not None or rb is not None or lstm:
        zeros = ctx.const(np.zeros((nd, n_gates * hidden)), dt)
        inputs.append(ctx.emit("Concat", [b or zeros, rb or zeros], axis=1))
    else:
        inputs.append("")
    inputs.append("")  # sequence_lens: every sequence is full
    states = ["hiddenState", "cellState"] if cell else ["initialHiddenState",
                                                        "initialCellState"]
    for name in states[:2 if lstm else 1]:
        v = _opt_value(node, name)
        if v is None:
            inputs.append("")
        elif cell:
            inputs.append(ctx.emit("Unsqueeze", [ctx.value(v), ctx.ints([0])]))
        else:
            inputs.append(ctx.value(v))
    if lstm:
        p = _opt_value(node, "peepholeWeight")
        if p is None:
            inputs.append("")
        elif cell:
            inputs.append(ctx.emit("Unsqueeze", [ctx.value(p), ctx.ints([0])]))
        else:
            inputs.append(ctx.value(p))
    while inputs and inputs[-1] == "":
        inputs.pop()
    acts = [_ACTS[name] for name in a["activations"]] * nd
    attrs = {"hidden_size": hidden, "activations": acts,
             "direction": "forward" if cell else _DIRECTIONS[a["direction"]]}
    if not lstm:
        attrs["linear_before_reset"] = int(a["resetAfter"])
    want_seq = not cell and a["returnSequence"]
    n_out = 3 if lstm else 2
    outs = [ctx.fresh() for _ in range(n_out)]
    if want_seq:
        outs[0] = ctx.out(node, len(node.outputs) - 1)
    if not cell:
        outs[1] = ctx.out(node, 0)
        if lstm:
            outs[2] = ctx.out(node, 1)
    if not want_seq:
        outs[0] = ""  # Y is optional
    ctx.emit("LSTM" if lstm else "GRU", inputs, outs, **attrs)
    if cell:
        shape = ctx.ints([-1, hidden])
        ctx.emit("Reshape", [outs[1], shape], ctx.out(node, 0))
        if lstm:
            ctx.emit("Reshape", [outs[2], shape], ctx.out(node, 1))


@LOWERINGS.define("gru")
def _gru(ctx: Emitter, node: Node) -> None:
    _recurrent(ctx, node, lstm=False, cell=False)


@LOWERINGS.define("gruCell")
def _gru_cell(ctx: Emitter, node: Node) -> None:
    _recurrent(ctx, node, lstm=False, cell=True)


@LOWERINGS.define("lstm")
def _lstm(ctx: Emitter, node: Node) -> None:
    if _opt_value(node, "peepholeWeight") is not None:
        _lstm_unrolled(ctx, node, cell=False)
    else:
        _recurrent(ctx, node, lstm=True, cell=False)


@LOWERINGS.define("lstmCell")
def _lstm_cell(ctx: Emitter, node: Node) -> None:
    if _opt_value(node, "peepholeWeight") is not None:
        _lstm_unrolled(ctx, node, cell=True)
    else:
        _recurrent(ctx, node, lstm=True, cell=True)


def _lstm_unrolled(ctx: Emitter, node: Node, cell: bool) -> None:
    """WebNN's LSTM decomposition, step by step (float32 inside)."""
    a = node.attrs
    dt = dtype_of(node, "input")
    hidden = a["hiddenSize"]
    act_f, act_g, act_h = (_ACTS[n] for n in a["activations"])
    backward = [False] if cell else {"forward": [False], "backward": [True],
                                     "both": [False, True]}[a["direction"]]

    def f32(name: str | None) -> str | None:
        return ctx.cast(name, "float32") if name is not None and dt != "float32" \
            else name

    def operand(arg: str) -> str | None:
        v = _opt_value(node, arg)
        if v is None:
            return None
        x = ctx.value(v)
        return ctx.emit("Unsqueeze", [x, ctx.ints([0])]) if cell else x

    x = f32(ctx.input(node, "input"))
    assert x is not None
    if cell:
        x = ctx.emit("Unsqueeze", [x, ctx.ints([0])])
    steps = 1 if cell else a["steps"]
    w = f32(_gates(ctx, node, "weight", a["layout"], hidden, cell, dt))
    r = f32(_gates(ctx, node, "recurrentWeight", a["layout"], hidden, cell, dt))
    b = f32(_gates(ctx, node, "bias", a["layout"], hidden, cell, dt))
    rb = f32(_gates(ctx, node, "recurrentBias", a["layout"], hidden, cell, dt))
    p = f32(operand("peepholeWeight"))
    h0 = f32(operand("hiddenState" if cell else "initialHiddenState"))
    c0 = f32(operand("cellState" if cell else "initialCellState"))
    assert w is not None and r is not None and p is not None
    x_shape = node.operands["input"].desc.shape  # type: ignore[union-attr]
    batch = x_shape[0] if cell else x_shape[1]
    zeros_state = ctx.const(np.zeros((batch, hidden)), "float32")
    last_h, last_c, seqs = [], [], []
    for d, back in enumerate(backward):
        idx = ctx.const(d, "int64")

        def pick(t: str | None, idx: str = idx) -> str | None:
            return None if t is None else ctx.emit("Gather", [t, idx], axis=0)

        wt = ctx.emit("Transpose", [pick(w)], perm=[1, 0])
        rt = ctx.emit("Transpose", [pick(r)], perm=[1, 0])
        xw = ctx.emit("MatMul", [x, wt])  # [steps, batch, 4H]
        for bias in (pick(b), pick(rb)):
            if bias is not None:
                xw = ctx.emit("Add", [xw, bias])
        p_i, p_o, p_f = ctx.emit("Split", [pick(p), ctx.ints([hidden] * 3)], 3,
                                 axis=0)
        h = pick(h0) or zeros_state
        c = pick(c0) or zeros_state
        hs: dict[int, str] = {}
        for t in (range(steps - 1, -1, -1) if back else range(steps)):
            g_all = ctx.emit("Add", [ctx.emit("Gather", [xw, ctx.const(t, "int64")],
                                              axis=0),
                                     ctx.emit("MatMul", [h, rt])])
            gi, go, gf, gg = ctx.emit("Split", [g_all, ctx.ints([hidden] * 4)], 4,
                                      axis=1)
            i = ctx.emit(act_f, [ctx.emit("Add", [gi, ctx.emit("Mul", [c, p_i])])])
            f = ctx.emit(act_f, [ctx.emit("Add", [gf, ctx.emit("Mul", [c, p_f])])])
            g = ctx.emit(act_g, [gg])
            o = ctx.emit(act_f, [ctx.emit("Add", [go, ctx.emit("Mul", [c, p_o])])])
            c = ctx.emit("Add", [ctx.emit("Mul", [f, c]), ctx.emit("Mul", [i, g])])
            h = ctx.emit("Mul", [o, ctx.emit(act_h, [c])])
            hs[t] = h
        last_h.append(h)
        last_c.append(c)
        if not cell and a["returnSequence"]:
            seqs.append(ctx.emit("Concat", [
                ctx.emit("Unsqueeze", [hs[t], ctx.ints([0, 1])])
                for t in range(steps)], axis=0))

    def finish(parts: list[str], out: str, *, stack: bool) -> None:
        if stack:
            y = ctx.emit("Concat", [ctx.emit("Unsqueeze", [q, ctx.ints([0])])
                                    for q in parts], axis=0)
        else:
            y = parts[0]
        if dt != "float32":
            ctx.cast(y, dt, out)
        else:
            ctx.emit("Identity", [y], out)

    finish(last_h, ctx.out(node, 0), stack=not cell)
    finish(last_c, ctx.out(node, 1), stack=not cell)
    if seqs:
        y = ctx.emit("Concat", seqs, axis=1)
        if dt != "float32":
            ctx.cast(y, dt, ctx.out(node, 2))
        else:
            ctx.emit("Identity", [y], ctx.out(node, 2))
