"""op_support_limits samples for the recurrent family (gru, gruCell, lstm,
lstmCell): every operand takes the sample's data type; ranks are fixed by the
spec (3 for the sequence ops' input, 2 for the cells')."""

from __future__ import annotations

from samples import Sample, inp

__all__ = ["SAMPLES"]

_STEPS, _BATCH, _IN, _H = 2, 2, 3, 2


def _gru(b, dtype, rank):
    x = inp(b, "x", dtype, [_STEPS, _BATCH, _IN][:rank])
    w = inp(b, "w", dtype, [1, 3 * _H, _IN])
    r = inp(b, "r", dtype, [1, 3 * _H, _H])
    bias = inp(b, "bias", dtype, [1, 3 * _H])
    h0 = inp(b, "h0", dtype, [1, _BATCH, _H])
    return b.gru(x, w, r, _STEPS, _H, bias=bias, recurrent_bias=bias,
                 initial_hidden_state=h0, return_sequence=True)


def _gru_cell(b, dtype, rank):
    x = inp(b, "x", dtype, [_BATCH, _IN][:rank])
    w = inp(b, "w", dtype, [3 * _H, _IN])
    r = inp(b, "r", dtype, [3 * _H, _H])
    h = inp(b, "h", dtype, [_BATCH, _H])
    bias = inp(b, "bias", dtype, [3 * _H])
    return b.gru_cell(x, w, r, h, _H, bias=bias, recurrent_bias=bias)


def _lstm(b, dtype, rank):
    x = inp(b, "x", dtype, [_STEPS, _BATCH, _IN][:rank])
    w = inp(b, "w", dtype, [1, 4 * _H, _IN])
    r = inp(b, "r", dtype, [1, 4 * _H, _H])
    bias = inp(b, "bias", dtype, [1, 4 * _H])
    p = inp(b, "p", dtype, [1, 3 * _H])
    s0 = inp(b, "s0", dtype, [1, _BATCH, _H])
    return b.lstm(x, w, r, _STEPS, _H, bias=bias, recurrent_bias=bias,
                  peephole_weight=p, initial_hidden_state=s0,
                  initial_cell_state=s0, return_sequence=True)


def _lstm_cell(b, dtype, rank):
    x = inp(b, "x", dtype, [_BATCH, _IN][:rank])
    w = inp(b, "w", dtype, [4 * _H, _IN])
    r = inp(b, "r", dtype, [4 * _H, _H])
    h = inp(b, "h", dtype, [_BATCH, _H])
    c = inp(b, "c", dtype, [_BATCH, _H])
    bias = inp(b, "bias", dtype, [4 * _H])
    p = inp(b, "p", dtype, [3 * _H])
    return b.lstm_cell(x, w, r, h, c, _H, bias=bias, recurrent_bias=bias,
                       peephole_weight=p)


SAMPLES = {
    "gru": Sample(_gru, key="input"),
    "gruCell": Sample(_gru_cell, key="input"),
    "lstm": Sample(_lstm, key="input"),
    "lstmCell": Sample(_lstm_cell, key="input"),
}
