"""ONNX lowerings of the recurrent family: gru, gruCell, lstm and lstmCell.

gru and lstm map to ONNX GRU / LSTM, whose conventions are WebNN's: input
``[steps, batch, input]``, weights ``[directions, gates * hidden, ...]``,
sequence output ``[steps, directions, batch, hidden]``, GRU gates in "zrn"
order with ``linear_before_reset`` = ``resetAfter``, LSTM gates in "iofg"
order with peepholes packed i, o, f.  Other weight layouts ("rzn", "ifgo")
have their gate blocks reordered (at lowering time for constants).  ONNX
takes one bias ``[directions, 2 * gates * hidden]`` = bias then recurrent bias
(zeros for an absent one).

Two differences make the cells and some sequences take WebNN's own
decomposition instead, unrolled over the steps (MatMul, Split, the
activations, element-wise ops, in float32): with a peephole, ONNX's output
gate reads the *new* cell state, WebNN's the one the step started with; and
ONNX Runtime's kernels clamp a NaN gate pre-activation (0 * inf in
``x @ W`` gives a finite result), so only sequences whose weights are
finite constants run fused (:func:`_fused_is_exact`).

ONNX Runtime computes the recurrence in float32 (float16 graphs run it in
float32 too and round the outputs once).
"""

from __future__ import annotations

import numpy as np

from webnnpy.backends.onnxruntime.emitter import Emitter
from webnnpy.backends.onnxruntime.lower_ops._table import LoweringTable
from webnnpy.backends.onnxruntime.lower_ops._util import dtype_of
from webnnpy.ir.graph import Node, Value

__all__ = ["LOWERINGS"]

LOWERINGS = LoweringTable()

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


def _recurrent(ctx: Emitter, node: Node, lstm: bool) -> None:
    """The sequence ops as ONNX GRU / LSTM (see :func:`_fused_is_exact`)."""
    a = node.attrs
    dt = dtype_of(node, "input")
    hidden = a["hiddenSize"]
    layout = a["layout"]
    n_gates = 4 if lstm else 3
    nd = 2 if a["direction"] == "both" else 1
    x = ctx.input(node, "input")
    w = _gates(ctx, node, "weight", layout, hidden, False, dt)
    r = _gates(ctx, node, "recurrentWeight", layout, hidden, False, dt)
    b = _gates(ctx, node, "bias", layout, hidden, False, dt)
    rb = _gates(ctx, node, "recurrentBias", layout, hidden, False, dt)
    assert w is not None and r is not None
    inputs = [x, w, r]
    if b is not None or rb is not None or lstm:
        zeros = ctx.const(np.zeros((nd, n_gates * hidden)), dt)
        inputs.append(ctx.emit("Concat", [b or zeros, rb or zeros], axis=1))
    else:
        inputs.append("")
    inputs.append("")  # sequence_lens: every sequence is full
    for name in ["initialHiddenState", "initialCellState"][:2 if lstm else 1]:
        v = _opt_value(node, name)
        inputs.append("" if v is None else ctx.value(v))
    while inputs and inputs[-1] == "":
        inputs.pop()
    acts = [_ACTS[name] for name in a["activations"]] * nd
    attrs = {"hidden_size": hidden, "activations": acts,
             "direction": _DIRECTIONS[a["direction"]]}
    if not lstm:
        attrs["linear_before_reset"] = int(a["resetAfter"])
    want_seq = a["returnSequence"]
    n_out = 3 if lstm else 2
    outs = [ctx.fresh() for _ in range(n_out)]
    if want_seq:
        outs[0] = ctx.out(node, len(node.outputs) - 1)
    outs[1] = ctx.out(node, 0)
    if lstm:
        outs[2] = ctx.out(node, 1)
    if not want_seq:
        outs[0] = ""  # Y is optional
    ctx.emit("LSTM" if lstm else "GRU", inputs, outs, **attrs)


def _fused_is_exact(node: Node) -> bool:
    """Whether ONNX Runtime's fused GRU / LSTM kernel may run ``node``: a
    sequence of more than one step whose weights and biases are all
    constants with only finite values (and, for lstm, no peephole).

    The fused kernels clamp a gate activation's input, so a NaN gate
    pre-activation does not propagate (an LSTM gives tanh(1) for a NaN
    input; GRU 1.0000005 for 0 * -inf).  With finite constant weights and
    biases a NaN pre-activation needs a NaN or infinity in the input or an
    initial state at run time (or a float32 overflow): the documented
    difference "gru / lstm (NaN and infinite inputs)" in docs/differences.md.
    Everything else takes the decomposition, which propagates NaN as IEEE
    arithmetic does: runtime weights or constants holding inf/NaN, and the
    cells and one-step sequences (there the decomposition costs a few
    microseconds; over 16 steps it is 2-4x slower than the fused kernel)."""
    if node.attrs["steps"] < 2:
        return False
    for arg in ("weight", "recurrentWeight", "bias", "recurrentBias",
                "peepholeWeight"):
        v = node.operands.get(arg)
        if not isinstance(v, Value):
            continue
        if arg == "peepholeWeight" or v.constant is None \
                or not bool(np.isfinite(v.constant).all()):
            return False
    return True


@LOWERINGS.define("gru")
def _gru(ctx: Emitter, node: Node) -> None:
    if _fused_is_exact(node):
        _recurrent(ctx, node, lstm=False)
    else:
        _unrolled(ctx, node, lstm=False, cell=False)


@LOWERINGS.define("gruCell")
def _gru_cell(ctx: Emitter, node: Node) -> None:
    _unrolled(ctx, node, lstm=False, cell=True)


@LOWERINGS.define("lstm")
def _lstm(ctx: Emitter, node: Node) -> None:
    if _fused_is_exact(node):
        _recurrent(ctx, node, lstm=True)
    else:
        _unrolled(ctx, node, lstm=True, cell=False)


@LOWERINGS.define("lstmCell")
def _lstm_cell(ctx: Emitter, node: Node) -> None:
    _unrolled(ctx, node, lstm=True, cell=True)


def _unrolled(ctx: Emitter, node: Node, lstm: bool, cell: bool) -> None:
    """WebNN's GRU / LSTM decomposition, step by step (MatMul, Split, the
    activations, element-wise ops; float32 inside).  Optional operands the
    spec adds only "if ... exists" are left out, not added as zeros."""
    a = node.attrs
    dt = dtype_of(node, "input")
    hidden = a["hiddenSize"]
    names = a["activations"]

    def act(k: int, v: str) -> str:
        """Activation ``k``; sigmoid as 1 / (1 + exp(-x)), as the sigmoid
        lowering has it: ONNX Runtime's Sigmoid gives 0 below x = -20 (a
        reset gate of 0 times an infinite h @ R would be NaN, the spec's
        float32 formula gives a positive r and inf)."""
        if names[k] != "sigmoid":
            return ctx.emit(_ACTS[names[k]], [v])
        return ctx.emit("Reciprocal", [ctx.emit("Add", [
            ctx.emit("Exp", [ctx.emit("Neg", [v])]), one])])

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
    assert w is not None and r is not None  # required operands
    b = f32(_gates(ctx, node, "bias", a["layout"], hidden, cell, dt))
    rb = f32(_gates(ctx, node, "recurrentBias", a["layout"], hidden, cell, dt))
    p = f32(operand("peepholeWeight")) if lstm else None
    h0 = f32(operand("hiddenState" if cell else "initialHiddenState"))
    c0 = f32(operand("cellState" if cell else "initialCellState")) if lstm \
        else None
    assert w is not None and r is not None
    x_shape = node.operands["input"].desc.shape  # type: ignore[union-attr]
    batch = x_shape[0] if cell else x_shape[1]
    zeros_state = ctx.const(np.zeros((batch, hidden)), "float32")
    one = ctx.const(1.0, "float32")
    last_h, last_c, seqs = [], [], []
    for d, back in enumerate(backward):
        idx = ctx.const(d, "int64")

        def pick(t: str | None, idx: str = idx) -> str | None:
            return None if t is None else ctx.emit("Gather", [t, idx], axis=0)

        def take(t: str, idx: str = idx) -> str:
            return ctx.emit("Gather", [t, idx], axis=0)

        wt = ctx.emit("Transpose", [take(w)], perm=[1, 0])
        rt = ctx.emit("Transpose", [take(r)], perm=[1, 0])  # [H, gates * H]
        xw = ctx.emit("MatMul", [x, wt])  # [steps, batch, gates * H]
        bd, rbd = pick(b), pick(rb)
        if bd is not None:
            xw = ctx.emit("Add", [xw, bd])
        if lstm:
            if rbd is not None:
                xw = ctx.emit("Add", [xw, rbd])
            peep = None if p is None else ctx.emit(
                "Split", [take(p), ctx.ints([hidden] * 3)], 3, axis=0)
        else:
            rt_zr, rt_n = ctx.emit("Split", [rt, ctx.ints([2 * hidden, hidden])],
                                   2, axis=1)
            rb_zr = rb_n = None
            if rbd is not None:
                rb_zr, rb_n = ctx.emit("Split", [rbd, ctx.ints([2 * hidden, hidden])],
                                       2, axis=0)
        h = pick(h0) or zeros_state
        c = (pick(c0) or zeros_state) if lstm else ""
        hs: dict[int, str] = {}
        for t in (range(steps - 1, -1, -1) if back else range(steps)):
            xt = ctx.emit("Gather", [xw, ctx.const(t, "int64")], axis=0)
            if lstm:
                g_all = ctx.emit("Add", [xt, ctx.emit("MatMul", [h, rt])])
                gi, go, gf, gg = ctx.emit("Split", [g_all, ctx.ints([hidden] * 4)],
                                          4, axis=1)
                if peep is not None:
                    p_i, p_o, p_f = peep
                    # the output gate reads the cell state the step started with
                    gi = ctx.emit("Add", [gi, ctx.emit("Mul", [c, p_i])])
                    gf = ctx.emit("Add", [gf, ctx.emit("Mul", [c, p_f])])
                    go = ctx.emit("Add", [go, ctx.emit("Mul", [c, p_o])])
                i, f, g, o = act(0, gi), act(0, gf), act(1, gg), act(0, go)
                c = ctx.emit("Add", [ctx.emit("Mul", [f, c]), ctx.emit("Mul", [i, g])])
                h = ctx.emit("Mul", [o, act(2, c)])
            else:
                xzr, xn = ctx.emit("Split", [xt, ctx.ints([2 * hidden, hidden])], 2,
                                   axis=1)
                hzr = ctx.emit("MatMul", [h, rt_zr])
                if rb_zr is not None:
                    hzr = ctx.emit("Add", [hzr, rb_zr])
                z, rg = ctx.emit("Split", [act(0, ctx.emit("Add", [xzr, hzr])),
                                           ctx.ints([hidden, hidden])], 2, axis=1)
                if a["resetAfter"]:
                    hn = ctx.emit("MatMul", [h, rt_n])
                    if rb_n is not None:
                        hn = ctx.emit("Add", [hn, rb_n])
                    rec = ctx.emit("Mul", [rg, hn])
                else:
                    rec = ctx.emit("MatMul", [ctx.emit("Mul", [rg, h]), rt_n])
                    if rb_n is not None:
                        rec = ctx.emit("Add", [rec, rb_n])
                n = act(1, ctx.emit("Add", [xn, rec]))
                h = ctx.emit("Add", [
                    ctx.emit("Mul", [ctx.emit("Sub", [one, z]), n]),
                    ctx.emit("Mul", [z, h])])
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
    if lstm:
        finish(last_c, ctx.out(node, 1), stack=not cell)
    if seqs:
        y = ctx.emit("Concat", seqs, axis=1)
        if dt != "float32":
            ctx.cast(y, dt, ctx.out(node, len(node.outputs) - 1))
        else:
            ctx.emit("Identity", [y], ctx.out(node, len(node.outputs) - 1))
