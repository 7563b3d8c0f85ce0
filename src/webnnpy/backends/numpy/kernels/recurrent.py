"""Reference kernels for the recurrent family: gru, gruCell, lstm, lstmCell.

The spec defines these ops by decompositions into graphs of matmul, add, mul,
slice, sigmoid/tanh/relu... whose intermediate results are each rounded to
the operand type (float32 or float16).  The reference backend instead computes
the whole recurrence in float64 - every gate, every intermediate hidden and
cell state over all time steps - and rounds each final output once to the
output type.  It is therefore at least as accurate as the decomposition; a
backend that follows the decomposition in float16 will differ from it by
more than one ULP after a few steps.

Loops run only over directions and time steps; each step is a couple of
float64 matrix products over the whole batch.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from webnnpy.backends.numpy.kernels._table import KernelTable, f64, out_dtype
from webnnpy.ir.graph import Node

__all__ = ["KERNELS"]

KERNELS = KernelTable()

Act = Callable[[np.ndarray], np.ndarray]


def _sigmoid(v: np.ndarray) -> np.ndarray:
    # 1 / (1 + e^-v), written so that no exp overflows: e = e^-|v| <= 1
    e = np.exp(-np.abs(v))
    return np.where(v >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _relu(v: np.ndarray) -> np.ndarray:
    return np.maximum(v, 0.0)  # NaN stays NaN


_ACTIVATIONS: dict[str, Act] = {"relu": _relu, "sigmoid": _sigmoid,
                                "tanh": np.tanh}

#: Position of each gate's block of hidden_size rows in the weights and biases.
_GRU_GATES = {"zrn": {"z": 0, "r": 1, "n": 2}, "rzn": {"r": 0, "z": 1, "n": 2}}
_LSTM_GATES = {"iofg": {"i": 0, "o": 1, "f": 2, "g": 3},
               "ifgo": {"i": 0, "f": 1, "g": 2, "o": 3}}


def _opt(a: np.ndarray | None, shape: tuple[int, ...]) -> np.ndarray:
    """An optional operand in float64, zeros when absent."""
    return np.zeros(shape) if a is None else f64(a)


class _Gru:
    """One direction's GRU parameters in float64; ``step`` is one time step."""

    def __init__(self, w: np.ndarray, rw: np.ndarray, b: np.ndarray,
                 rb: np.ndarray, hidden: int, attrs: dict[str, Any]) -> None:
        gates = _GRU_GATES[attrs["layout"]]
        self.reset_after: bool = attrs["resetAfter"]
        self.f, self.g = (_ACTIVATIONS[a] for a in attrs["activations"])

        def rows(m: np.ndarray, name: str) -> np.ndarray:
            k = gates[name]
            return m[k * hidden:(k + 1) * hidden]

        # W_zr: [in, 2H] (z then r), W_n: [in, H]; same for R; biases [H].
        self.w_zr = np.concatenate([rows(w, "z"), rows(w, "r")]).T
        self.r_zr = np.concatenate([rows(rw, "z"), rows(rw, "r")]).T
        self.b_zr = np.concatenate([rows(b, "z") + rows(rb, "z"),
                                    rows(b, "r") + rows(rb, "r")])
        self.w_n, self.r_n = rows(w, "n").T, rows(rw, "n").T
        self.b_n, self.rb_n = rows(b, "n"), rows(rb, "n")
        self.hidden = hidden

    def step(self, x: np.ndarray, h: np.ndarray) -> np.ndarray:
        """x: [batch, in], h: [batch, H] -> the next h."""
        with np.errstate(all="ignore"):  # inf/NaN inputs propagate quietly
            return self._step(x, h)

    def _step(self, x: np.ndarray, h: np.ndarray) -> np.ndarray:
        zr = self.f(x @ self.w_zr + h @ self.r_zr + self.b_zr)
        z, r = zr[:, :self.hidden], zr[:, self.hidden:]
        if self.reset_after:
            rec = r * (h @ self.r_n + self.rb_n)
        else:
            rec = (r * h) @ self.r_n + self.rb_n
        n = self.g(x @ self.w_n + self.b_n + rec)
        return z * h + (1.0 - z) * n


class _Lstm:
    """One direction's LSTM parameters in float64; ``step`` is one time step."""

    def __init__(self, w: np.ndarray, rw: np.ndarray, b: np.ndarray,
                 rb: np.ndarray, p: np.ndarray | None, hidden: int,
                 attrs: dict[str, Any]) -> None:
        gates = _LSTM_GATES[attrs["layout"]]
        self.f, self.g, self.h = (_ACTIVATIONS[a] for a in attrs["activations"])
        # reorder the gate blocks to i, f, g, o
        order = [gates[n] for n in "ifgo"]
        idx = np.concatenate([np.arange(k * hidden, (k + 1) * hidden)
                              for k in order])
        self.w, self.rw = w[idx].T, rw[idx].T  # [in, 4H], [H, 4H]
        self.b = (b + rb)[idx]
        # peepholes are packed i, o, f whatever the layout; the spec adds the
        # peephole terms only "if options.peepholeWeight exists" (absent,
        # they are not zeros: an infinite cell state times 0 would be NaN)
        self.p = None if p is None else (p[:hidden], p[hidden:2 * hidden],
                                         p[2 * hidden:])
        self.hidden = hidden

    def step(self, x: np.ndarray, h: np.ndarray, c: np.ndarray
             ) -> tuple[np.ndarray, np.ndarray]:
        """x: [batch, in], h, c: [batch, H] -> the next (h, c)."""
        with np.errstate(all="ignore"):  # inf/NaN inputs propagate quietly
            return self._step(x, h, c)

    def _step(self, x: np.ndarray, h: np.ndarray, c: np.ndarray
              ) -> tuple[np.ndarray, np.ndarray]:
        hs = self.hidden
        a = x @ self.w + h @ self.rw + self.b
        a_i, a_f, a_o = a[:, :hs], a[:, hs:2 * hs], a[:, 3 * hs:]
        if self.p is not None:
            # the spec's decomposition feeds the output gate's peephole the
            # cell state the step started with (not the new one)
            p_i, p_o, p_f = self.p
            a_i, a_f, a_o = a_i + c * p_i, a_f + c * p_f, a_o + c * p_o
        i, f, o = self.f(a_i), self.f(a_f), self.f(a_o)
        g = self.g(a[:, 2 * hs:3 * hs])
        c_new = f * c + i * g
        return o * self.h(c_new), c_new


def _directions(direction: str) -> list[bool]:
    """For each direction slot: True if it runs backward in time."""
    return {"forward": [False], "backward": [True], "both": [False, True]}[direction]


@KERNELS.define("gru")
def _gru(node: Node, x: dict[str, Any]) -> list[np.ndarray]:
    at = node.attrs
    hs, steps = at["hiddenSize"], at["steps"]
    inp = f64(x["input"])
    batch = inp.shape[1]
    dirs = _directions(at["direction"])
    nd = len(dirs)
    b = _opt(x["bias"], (nd, 3 * hs))
    rb = _opt(x["recurrentBias"], (nd, 3 * hs))
    h0 = _opt(x["initialHiddenState"], (nd, batch, hs))
    last = np.empty((nd, batch, hs))
    seq = np.empty((steps, nd, batch, hs))
    for d, backward in enumerate(dirs):
        cell = _Gru(f64(x["weight"][d]), f64(x["recurrentWeight"][d]), b[d], rb[d],
                    hs, at)
        h = h0[d]
        for t in (range(steps - 1, -1, -1) if backward else range(steps)):
            h = cell.step(inp[t], h)
            seq[t, d] = h
        last[d] = h
    dt = out_dtype(node)
    outs = [last.astype(dt)]
    if at["returnSequence"]:
        outs.append(seq.astype(dt))
    return outs


@KERNELS.define("gruCell")
def _gru_cell(node: Node, x: dict[str, Any]) -> list[np.ndarray]:
    at = node.attrs
    hs = at["hiddenSize"]
    cell = _Gru(f64(x["weight"]), f64(x["recurrentWeight"]),
                _opt(x["bias"], (3 * hs,)), _opt(x["recurrentBias"], (3 * hs,)),
                hs, at)
    h = cell.step(f64(x["input"]), f64(x["hiddenState"]))
    return [h.astype(out_dtype(node))]


@KERNELS.define("lstm")
def _lstm(node: Node, x: dict[str, Any]) -> list[np.ndarray]:
    at = node.attrs
    hs, steps = at["hiddenSize"], at["steps"]
    inp = f64(x["input"])
    batch = inp.shape[1]
    dirs = _directions(at["direction"])
    nd = len(dirs)
    b = _opt(x["bias"], (nd, 4 * hs))
    rb = _opt(x["recurrentBias"], (nd, 4 * hs))
    p = None if x["peepholeWeight"] is None else f64(x["peepholeWeight"])
    h0 = _opt(x["initialHiddenState"], (nd, batch, hs))
    c0 = _opt(x["initialCellState"], (nd, batch, hs))
    last_h = np.empty((nd, batch, hs))
    last_c = np.empty((nd, batch, hs))
    seq = np.empty((steps, nd, batch, hs))
    for d, backward in enumerate(dirs):
        cell = _Lstm(f64(x["weight"][d]), f64(x["recurrentWeight"][d]), b[d],
                     rb[d], None if p is None else p[d], hs, at)
        h, c = h0[d], c0[d]
        for t in (range(steps - 1, -1, -1) if backward else range(steps)):
            h, c = cell.step(inp[t], h, c)
            seq[t, d] = h
        last_h[d], last_c[d] = h, c
    dt = out_dtype(node)
    outs = [last_h.astype(dt), last_c.astype(dt)]
    if at["returnSequence"]:
        outs.append(seq.astype(dt))
    return outs


@KERNELS.define("lstmCell")
def _lstm_cell(node: Node, x: dict[str, Any]) -> list[np.ndarray]:
    at = node.attrs
    hs = at["hiddenSize"]
    cell = _Lstm(f64(x["weight"]), f64(x["recurrentWeight"]),
                 _opt(x["bias"], (4 * hs,)), _opt(x["recurrentBias"], (4 * hs,)),
                 None if x["peepholeWeight"] is None else f64(x["peepholeWeight"]),
                 hs, at)
    h, c = cell.step(f64(x["input"]), f64(x["hiddenState"]), f64(x["cellState"]))
    dt = out_dtype(node)
    return [h.astype(dt), c.astype(dt)]
