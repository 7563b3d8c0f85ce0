"""Validation and shape inference for the recurrent family: gru, gruCell, lstm
and lstmCell (spec sections #api-mlgraphbuilder-gru, -grucell, -lstm,
-lstmcell), in the spec's step order.

Data types and ranks are checked against the context's limits before these
rules run (``check_limits``), and the non-operand arguments are converted by
their IDL types (``ir.convert``: ``steps``/``hiddenSize`` are ``[EnforceRange]
unsigned long``; the options' enums, booleans and the ``activations``
sequence).  Each rule holds the method steps: steps vs the input shape,
weight and recurrent weight shapes, the ``hiddenSize * 6`` (GRU) / ``* 8``
(LSTM) valid-dimension check, the optional operands' shapes, and the number
of activations.

Normalized attributes (spec spelling, every default resolved):

- gru: ``steps``, ``hiddenSize``, ``resetAfter``, ``returnSequence``,
  ``direction``, ``layout``, ``activations`` (2 names);
- gruCell: ``hiddenSize``, ``resetAfter``, ``layout``, ``activations`` (2);
- lstm: ``steps``, ``hiddenSize``, ``returnSequence``, ``direction``,
  ``layout``, ``activations`` (3 names);
- lstmCell: ``hiddenSize``, ``layout``, ``activations`` (3).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from webnnpy.ir.checks import fail, is_valid_dimension, py
from webnnpy.ir.descriptor import Desc
from webnnpy.ir.registry import OperandDescs, RuleTable, operand, optional_operand

__all__ = ["GRU_DEFAULT_ACTIVATIONS", "LSTM_DEFAULT_ACTIVATIONS", "RULES"]

RULES = RuleTable()

#: The spec's default activations: [update/reset gates, new gate].
GRU_DEFAULT_ACTIVATIONS = ("sigmoid", "tanh")
#: The spec's default activations: [i/f/o gates, cell gate g, cell-state filter].
LSTM_DEFAULT_ACTIVATIONS = ("sigmoid", "tanh", "tanh")


# ------------------------------------------------------------- method steps


def _expect_shape(op: str, name: str, d: Desc | None, want: Sequence[int],
                  formula: str) -> None:
    """The spec's "If its shape is not equal to « ... », throw a TypeError"."""
    if d is not None and d.shape != tuple(want):
        fail(op, f"{py(name)} shape {list(d.shape)} must be {list(want)} "
                 f"({formula})")


def _check_hidden_size_product(op: str, hidden: int, factor: int) -> None:
    if not is_valid_dimension(hidden * factor):
        fail(op, f"hidden_size {hidden} times {factor} is {hidden * factor}, "
                 f"not a valid dimension; expected hidden_size * {factor} in "
                 f"[1, {2**31 - 1}]")


def _check_activation_count(op: str, acts: list[str] | None,
                            default: tuple[str, ...]) -> list[str]:
    if acts is None:
        return list(default)
    if len(acts) != len(default):
        fail(op, f"activations {acts} must have {len(default)} items, got "
                 f"{len(acts)}")
    return acts


def _sequence_op(op: str, x: OperandDescs, attrs: dict[str, Any], *, gates: int,
                 default_acts: tuple[str, ...]
                 ) -> tuple[list[Desc], dict[str, Any]]:
    """The shared steps of gru (gates=3) and lstm (gates=4)."""
    is_lstm = gates == 4
    inp, w = operand(x, "input"), operand(x, "weight")
    rw = operand(x, "recurrentWeight")
    # the arguments and options, converted by ir.convert
    steps = attrs["steps"]
    hidden = attrs["hiddenSize"]
    acts = attrs.get("activations")
    direction = attrs["direction"]
    layout = attrs["layout"]
    reset_after = None if is_lstm else attrs["resetAfter"]
    return_sequence = attrs["returnSequence"]
    # Method steps.
    nd = 2 if direction == "both" else 1
    if steps == 0:
        fail(op, "steps must be greater than 0, got 0")
    if inp.shape[0] != steps:
        fail(op, f"input shape {list(inp.shape)} has {inp.shape[0]} steps in "
                 f"dimension 0, but steps is {steps}; they must be equal")
    batch, input_size = inp.shape[1], inp.shape[2]
    g = f"{gates} * hidden_size"
    _expect_shape(op, "weight", w, (nd, gates * hidden, input_size),
                  f"[num_directions, {g}, input_size]")
    _expect_shape(op, "recurrentWeight", rw, (nd, gates * hidden, hidden),
                  f"[num_directions, {g}, hidden_size]")
    _check_hidden_size_product(op, hidden, 2 * gates)
    _expect_shape(op, "bias", optional_operand(x, "bias"), (nd, gates * hidden),
                  f"[num_directions, {g}]")
    _expect_shape(op, "recurrentBias", optional_operand(x, "recurrentBias"),
                  (nd, gates * hidden), f"[num_directions, {g}]")
    if is_lstm:
        _expect_shape(op, "peepholeWeight", optional_operand(x, "peepholeWeight"),
                      (nd, 3 * hidden), "[num_directions, 3 * hidden_size]")
    state = (nd, batch, hidden)
    states = ("initialHiddenState", "initialCellState") if is_lstm else (
        "initialHiddenState",)
    for name in states:
        _expect_shape(op, name, optional_operand(x, name), state,
                      "[num_directions, batch_size, hidden_size]")
    activations = _check_activation_count(op, acts, default_acts)
    # Output shapes.
    desc0 = Desc(inp.data_type, state)
    outs = [desc0, desc0] if is_lstm else [desc0]
    if return_sequence:
        outs.append(Desc(inp.data_type, (steps, nd, batch, hidden)))
    norm: dict[str, Any] = {"steps": steps, "hiddenSize": hidden}
    if not is_lstm:
        norm["resetAfter"] = reset_after
    norm.update(returnSequence=return_sequence, direction=direction,
                layout=layout, activations=activations)
    return outs, norm


def _cell_op(op: str, x: OperandDescs, attrs: dict[str, Any], *, gates: int,
             default_acts: tuple[str, ...]
             ) -> tuple[list[Desc], dict[str, Any]]:
    """The shared steps of gruCell (gates=3) and lstmCell (gates=4)."""
    is_lstm = gates == 4
    inp, w = operand(x, "input"), operand(x, "weight")
    rw = operand(x, "recurrentWeight")
    hidden = attrs["hiddenSize"]
    acts = attrs.get("activations")
    layout = attrs["layout"]
    reset_after = None if is_lstm else attrs["resetAfter"]
    batch, input_size = inp.shape
    g = f"{gates} * hidden_size"
    _expect_shape(op, "weight", w, (gates * hidden, input_size),
                  f"[{g}, input_size]")
    _expect_shape(op, "recurrentWeight", rw, (gates * hidden, hidden),
                  f"[{g}, hidden_size]")
    states = ("hiddenState", "cellState") if is_lstm else ("hiddenState",)
    for name in states:
        _expect_shape(op, name, optional_operand(x, name), (batch, hidden),
                      "[batch_size, hidden_size]")
    _check_hidden_size_product(op, hidden, 2 * gates)
    _expect_shape(op, "bias", optional_operand(x, "bias"), (gates * hidden,), f"[{g}]")
    _expect_shape(op, "recurrentBias", optional_operand(x, "recurrentBias"),
                  (gates * hidden,), f"[{g}]")
    if is_lstm:
        _expect_shape(op, "peepholeWeight", optional_operand(x, "peepholeWeight"),
                      (3 * hidden,), "[3 * hidden_size]")
    activations = _check_activation_count(op, acts, default_acts)
    desc = Desc(inp.data_type, (batch, hidden))
    norm: dict[str, Any] = {"hiddenSize": hidden}
    if not is_lstm:
        norm["resetAfter"] = reset_after
    norm.update(layout=layout, activations=activations)
    return ([desc, desc] if is_lstm else [desc]), norm


# --------------------------------------------------------------------- rules


@RULES.define("gru", multi_output=True)
def _gru(op: str, x: OperandDescs, attrs: dict[str, Any]
         ) -> tuple[list[Desc], dict[str, Any]]:
    return _sequence_op(op, x, attrs, gates=3, default_acts=GRU_DEFAULT_ACTIVATIONS)


@RULES.define("lstm", multi_output=True)
def _lstm(op: str, x: OperandDescs, attrs: dict[str, Any]
          ) -> tuple[list[Desc], dict[str, Any]]:
    return _sequence_op(op, x, attrs, gates=4, default_acts=LSTM_DEFAULT_ACTIVATIONS)


@RULES.define("gruCell")
def _gru_cell(op: str, x: OperandDescs, attrs: dict[str, Any]
              ) -> tuple[list[Desc], dict[str, Any]]:
    return _cell_op(op, x, attrs, gates=3, default_acts=GRU_DEFAULT_ACTIVATIONS)


@RULES.define("lstmCell", multi_output=True)
def _lstm_cell(op: str, x: OperandDescs, attrs: dict[str, Any]
               ) -> tuple[list[Desc], dict[str, Any]]:
    return _cell_op(op, x, attrs, gates=4, default_acts=LSTM_DEFAULT_ACTIVATIONS)
