"""Validation steps of gru, gruCell, lstm and lstmCell (no backend run): one
negative test per step of each op's algorithm, plus shape inference and the
normalized attributes the node stores."""

from __future__ import annotations

import pytest

import webnnpy
from helpers import type_error
from webnnpy.ir.descriptor import Desc
from webnnpy.ir.ops import RULES

STEPS, BATCH, IN, H = 2, 3, 4, 5

#: positional operands and positional numbers of each builder method
POSITIONAL = {
    "gru": (["input", "weight", "recurrent_weight"], ["steps", "hidden_size"]),
    "gru_cell": (["input", "weight", "recurrent_weight", "hidden_state"],
                 ["hidden_size"]),
    "lstm": (["input", "weight", "recurrent_weight"], ["steps", "hidden_size"]),
    "lstm_cell": (["input", "weight", "recurrent_weight", "hidden_state",
                   "cell_state"], ["hidden_size"]),
}


def valid_shapes(op: str, nd: int = 1) -> dict[str, list[int]]:
    """Valid shapes of every operand (options included) of ``op``."""
    g = 4 if op.startswith("lstm") else 3
    if op in ("gru", "lstm"):
        s = {"input": [STEPS, BATCH, IN], "weight": [nd, g * H, IN],
             "recurrent_weight": [nd, g * H, H], "bias": [nd, g * H],
             "recurrent_bias": [nd, g * H], "initial_hidden_state": [nd, BATCH, H]}
        if op == "lstm":
            s |= {"peephole_weight": [nd, 3 * H],
                  "initial_cell_state": [nd, BATCH, H]}
        return s
    s = {"input": [BATCH, IN], "weight": [g * H, IN], "recurrent_weight": [g * H, H],
         "hidden_state": [BATCH, H], "bias": [g * H], "recurrent_bias": [g * H]}
    if op == "lstm_cell":
        s |= {"cell_state": [BATCH, H], "peephole_weight": [3 * H]}
    return s


def call(b, op, *, shapes=None, dtypes=None, drop=(), nd=1, **kw):
    """Call builder method ``op`` with valid operands (every option operand
    present unless dropped), overriding some shapes/dtypes/arguments (an
    operand given in ``kw`` replaces the generated one)."""
    all_shapes = valid_shapes(op, nd) | (shapes or {})
    dtypes = dtypes or {}
    operands = {n: b.input(n, {"data_type": dtypes.get(n, "float32"), "shape": s})
                for n, s in all_shapes.items() if n not in drop and n not in kw}
    pos_ops, pos_nums = POSITIONAL[op]
    nums = {"steps": STEPS, "hidden_size": H}
    args = [operands.pop(n) for n in pos_ops]
    args += [kw.pop(n) if n in kw else nums[n] for n in pos_nums]
    return getattr(b, op)(*args, **operands, **kw)


# --------------------------------------------------------------- negatives

# (method, call overrides, message fragments); every fragment names the op and
# the argument.
CASES = []
for _op, _spec in [("gru", "gru"), ("gru_cell", "gruCell"), ("lstm", "lstm"),
                   ("lstm_cell", "lstmCell")]:
    _seq = _op in ("gru", "lstm")
    _g = 4 if _op.startswith("lstm") else 3
    _gl = _g * H
    _layout_enum = "MLLstmWeightLayout" if _g == 4 else "MLGruWeightLayout"
    _n_acts = _g - 1
    _w = [1, _gl, IN] if _seq else [_gl, IN]
    _rw = [1, _gl, H] if _seq else [_gl, H]
    _b = [1, _gl] if _seq else [_gl]
    CASES += [
        # IDL conversions of the arguments and options
        (_op, {"hidden_size": -1}, [f"{_spec}:", "hidden_size must be an integer"]),
        (_op, {"hidden_size": 2**32}, [f"{_spec}:", "hidden_size must be an integer"]),
        (_op, {"hidden_size": 5.0}, [f"{_spec}:", "hidden_size must be an integer"]),
        (_op, {"layout": "xyz"}, [f"{_spec}:", "layout 'xyz'", _layout_enum]),
        (_op, {"layout": "iofg" if _g == 3 else "zrn"},
         [f"{_spec}:", "layout", f"not a valid {_layout_enum}"]),
        (_op, {"activations": ["sigmoid", "gelu", "tanh"][:_n_acts]},
         [f"{_spec}:", "activations 'gelu'", "MLRecurrentNetworkActivation"]),
        (_op, {"activations": "sigmoid"},
         [f"{_spec}:", "activations must be a sequence"]),
        # data types (against the table; weights etc. "same as input")
        (_op, {"dtypes": {"input": "int32"}},
         [f"{_spec}:", "input has data type int32", "float32, float16"]),
        (_op, {"dtypes": {"weight": "float16"}},
         [f"{_spec}:", "weight has data type float16", "input has float32"]),
        (_op, {"dtypes": {"recurrent_weight": "float16"}},
         [f"{_spec}:", "recurrent_weight has data type float16"]),
        # ranks
        (_op, {"shapes": {"input": [BATCH, IN] if _seq else [IN]}},
         [f"{_spec}:", "input has rank"]),
        (_op, {"shapes": {"weight": _w[1:]}}, [f"{_spec}:", "weight has rank"]),
        (_op, {"shapes": {"recurrent_weight": [1, *_rw]}},
         [f"{_spec}:", "recurrent_weight has rank"]),
        # weight shapes
        (_op, {"hidden_size": 4},
         [f"{_spec}:", f"weight shape {_w}", "must be", "hidden_size"]),
        (_op, {"shapes": {"weight": [*_w[:-1], IN + 1]}},
         [f"{_spec}:", f"weight shape {[*_w[:-1], IN + 1]} must be {_w}",
          "input_size"]),
        (_op, {"shapes": {"recurrent_weight": [*_rw[:-1], H + 1]}},
         [f"{_spec}:", f"recurrent_weight shape {[*_rw[:-1], H + 1]} must be {_rw}"]),
        # option operands
        (_op, {"dtypes": {"bias": "float16"}},
         [f"{_spec}:", "bias has data type float16", "input has float32"]),
        (_op, {"shapes": {"bias": [_gl]} if _seq else {"bias": [1, _gl]}},
         [f"{_spec}:", "bias has rank"]),
        (_op, {"shapes": {"bias": [*_b[:-1], _gl + 1]}},
         [f"{_spec}:", f"bias shape {[*_b[:-1], _gl + 1]} must be {_b}"]),
        (_op, {"dtypes": {"recurrent_bias": "float16"}},
         [f"{_spec}:", "recurrent_bias has data type float16"]),
        (_op, {"shapes": {"recurrent_bias": [*_b[:-1], _gl - 1]}},
         [f"{_spec}:", f"recurrent_bias shape {[*_b[:-1], _gl - 1]} must be {_b}"]),
        (_op, {"activations": ["sigmoid"] * (_n_acts + 1)},
         [f"{_spec}:", f"must have {_n_acts} items, got {_n_acts + 1}"]),
        (_op, {"activations": ["sigmoid"] * (_n_acts - 1)},
         [f"{_spec}:", f"must have {_n_acts} items, got {_n_acts - 1}"]),
        (_op, {"bias": 1.0}, [f"{_spec}:", "bias must be an MLOperand"]),
    ]
    if _op == "gru" or _op == "gru_cell":
        CASES += [(_op, {"reset_after": 1}, [f"{_spec}:", "reset_after must be True"])]
    if _seq:
        CASES += [
            (_op, {"steps": -1}, [f"{_spec}:", "steps must be an integer"]),
            (_op, {"steps": 1.5}, [f"{_spec}:", "steps must be an integer"]),
            (_op, {"direction": "left"},
             [f"{_spec}:", "direction 'left'", "MLRecurrentNetworkDirection"]),
            (_op, {"return_sequence": "yes"},
             [f"{_spec}:", "return_sequence must be True or False"]),
            (_op, {"steps": 0}, [f"{_spec}:", "steps must be greater than 0"]),
            (_op, {"steps": STEPS + 1},
             [f"{_spec}:", f"input shape [{STEPS}, {BATCH}, {IN}]", "steps is 3"]),
            # direction "both" needs num_directions 2 in every per-direction shape
            (_op, {"direction": "both"},
             [f"{_spec}:", f"weight shape {_w} must be {[2, *_w[1:]]}",
              "num_directions"]),
            (_op, {"direction": "both", "nd": 2,
                   "shapes": {"initial_hidden_state": [1, BATCH, H]}},
             [f"{_spec}:", "initial_hidden_state shape", f"must be [2, {BATCH}, {H}]"]),
            (_op, {"dtypes": {"initial_hidden_state": "float16"}},
             [f"{_spec}:", "initial_hidden_state has data type float16"]),
            (_op, {"shapes": {"initial_hidden_state": [BATCH, H]}},
             [f"{_spec}:", "initial_hidden_state has rank 2"]),
            (_op, {"shapes": {"initial_hidden_state": [1, BATCH + 1, H]}},
             [f"{_spec}:", f"initial_hidden_state shape [1, {BATCH + 1}, {H}] "
              f"must be [1, {BATCH}, {H}]", "batch_size"]),
        ]
    else:
        CASES += [
            (_op, {"dtypes": {"hidden_state": "float16"}},
             [f"{_spec}:", "hidden_state has data type float16"]),
            (_op, {"shapes": {"hidden_state": [1, BATCH, H]}},
             [f"{_spec}:", "hidden_state has rank 3"]),
            (_op, {"shapes": {"hidden_state": [BATCH + 1, H]}},
             [f"{_spec}:", f"hidden_state shape [{BATCH + 1}, {H}] must be "
              f"[{BATCH}, {H}]", "batch_size"]),
            (_op, {"shapes": {"hidden_state": [BATCH, H + 1]}},
             [f"{_spec}:", f"hidden_state shape [{BATCH}, {H + 1}]", "hidden_size"]),
        ]
    if _op == "lstm":
        CASES += [
            (_op, {"dtypes": {"peephole_weight": "float16"}},
             [f"{_spec}:", "peephole_weight has data type float16"]),
            (_op, {"shapes": {"peephole_weight": [3 * H]}},
             [f"{_spec}:", "peephole_weight has rank 1"]),
            (_op, {"shapes": {"peephole_weight": [1, 4 * H]}},
             [f"{_spec}:", f"peephole_weight shape [1, {4 * H}] must be [1, {3 * H}]"]),
            (_op, {"dtypes": {"initial_cell_state": "float16"}},
             [f"{_spec}:", "initial_cell_state has data type float16"]),
            (_op, {"shapes": {"initial_cell_state": [1, BATCH, H, 1]}},
             [f"{_spec}:", "initial_cell_state has rank 4"]),
            (_op, {"shapes": {"initial_cell_state": [1, BATCH, H - 1]}},
             [f"{_spec}:", f"initial_cell_state shape [1, {BATCH}, {H - 1}] must be "
              f"[1, {BATCH}, {H}]"]),
        ]
    if _op == "lstm_cell":
        CASES += [
            (_op, {"dtypes": {"cell_state": "float16"}},
             [f"{_spec}:", "cell_state has data type float16"]),
            (_op, {"shapes": {"cell_state": [BATCH * H]}},
             [f"{_spec}:", "cell_state has rank 1"]),
            (_op, {"shapes": {"cell_state": [BATCH, H + 1]}},
             [f"{_spec}:", f"cell_state shape [{BATCH}, {H + 1}] must be [{BATCH}, {H}]"]),
            (_op, {"dtypes": {"peephole_weight": "float16"}},
             [f"{_spec}:", "peephole_weight has data type float16"]),
            (_op, {"shapes": {"peephole_weight": [1, 3 * H]}},
             [f"{_spec}:", "peephole_weight has rank 2"]),
            (_op, {"shapes": {"peephole_weight": [4 * H]}},
             [f"{_spec}:", f"peephole_weight shape [{4 * H}] must be [{3 * H}]"]),
        ]


def _case_id(case):
    op, kw, _ = case
    return f"{op}-" + "-".join(f"{k}={v}" for k, v in kw.items())


@pytest.mark.parametrize(("op", "kw", "fragments"), CASES,
                         ids=[_case_id(c) for c in CASES])
def test_invalid_call_raises_type_error(builder, op, kw, fragments):
    with type_error(*fragments):
        call(builder, op, **kw)


# hidden_size * 6 (GRU) / * 8 (LSTM) must be a valid dimension.  Through the
# builder this step is unreachable: recurrent_weight [.., g*H, H] would have
# more than 2**31 - 1 elements (rejected when it is declared) long before 2*g*H
# exceeds a dimension; so the rule is checked directly, with descriptors whose
# g * H is a valid dimension but 2 * g * H is not.
@pytest.mark.parametrize(("op", "g"), [("gru", 3), ("gruCell", 3), ("lstm", 4),
                                       ("lstmCell", 4)])
def test_hidden_size_times_two_gates_must_be_a_valid_dimension(op, g):
    hs = 1_200_000_000 // g
    seq = op in ("gru", "lstm")
    pre = (1,) if seq else ()
    x = {"input": Desc("float32", (1, 1, 1) if seq else (1, 1)),
         "weight": Desc("float32", (*pre, g * hs, 1)),
         "recurrentWeight": Desc("float32", (*pre, g * hs, hs))}
    if not seq:
        x["hiddenState"] = Desc("float32", (1, hs))
        if g == 4:
            x["cellState"] = Desc("float32", (1, hs))
    attrs = {"hiddenSize": hs} | ({"steps": 1} if seq else {})
    with type_error(f"{op}:", f"hidden_size {hs} times {2 * g}",
                    "not a valid dimension"):
        RULES[op].infer(op, x, attrs)
    # and one less than the limit passes this step
    ok = (2**31 - 1) // (2 * g)
    x2 = {k: Desc(v.data_type, tuple(ok if d == hs else g * ok if d == g * hs
                                     else d for d in v.shape))
          for k, v in x.items()}
    outs, _ = RULES[op].infer(op, x2, attrs | {"hiddenSize": ok})
    assert outs[0].shape[-1] == ok


@pytest.mark.parametrize("op", ["gru", "gru_cell", "lstm", "lstm_cell"])
def test_after_build_raises_invalid_state(builder, op):
    a = builder.input("a", {"data_type": "float32", "shape": [1]})
    builder.build({"y": builder.abs(a)})
    with pytest.raises(webnnpy.InvalidStateError, match="already built"):
        call(builder, op)


@pytest.mark.parametrize("op", ["gru", "gru_cell", "lstm", "lstm_cell"])
def test_operand_from_another_builder(ref_context, op):
    b1 = webnnpy.MLGraphBuilder(ref_context)
    b2 = webnnpy.MLGraphBuilder(ref_context)
    shapes = valid_shapes(op)
    w = b2.input("w", {"data_type": "float32", "shape": shapes["weight"]})
    pos_ops, pos_nums = POSITIONAL[op]
    args = [w if n == "weight" else
            b1.input(n, {"data_type": "float32", "shape": shapes[n]})
            for n in pos_ops]
    args += [{"steps": STEPS, "hidden_size": H}[n] for n in pos_nums]
    with type_error("weight", "another MLGraphBuilder"):
        getattr(b1, op)(*args)


def test_label_in_message(builder):
    with type_error("[enc]", "gru:", "steps is 3"):
        call(builder, "gru", steps=3, label="enc")


# ------------------------------------------------------- shape inference


def _attrs(operand):
    return operand._value.producer.attrs


def test_gru_shapes_and_defaults(builder):
    outs = call(builder, "gru", drop=("bias", "recurrent_bias",
                                      "initial_hidden_state"))
    assert isinstance(outs, list) and len(outs) == 1
    assert outs[0].shape == (1, BATCH, H) and outs[0].data_type == "float32"
    assert _attrs(outs[0]) == {
        "steps": STEPS, "hiddenSize": H, "resetAfter": True,
        "returnSequence": False, "direction": "forward", "layout": "zrn",
        "activations": ["sigmoid", "tanh"]}


def test_gru_both_directions_with_sequence(builder):
    outs = call(builder, "gru", nd=2, direction="both", return_sequence=True,
                layout="rzn", reset_after=False, activations=("relu", "tanh"),
                dtypes=dict.fromkeys(valid_shapes("gru"), "float16"))
    assert [o.shape for o in outs] == [(2, BATCH, H), (STEPS, 2, BATCH, H)]
    assert all(o.data_type == "float16" for o in outs)
    assert _attrs(outs[0]) == {
        "steps": STEPS, "hiddenSize": H, "resetAfter": False,
        "returnSequence": True, "direction": "both", "layout": "rzn",
        "activations": ["relu", "tanh"]}


def test_gru_backward_is_one_direction(builder):
    outs = call(builder, "gru", direction="backward", return_sequence=True)
    assert [o.shape for o in outs] == [(1, BATCH, H), (STEPS, 1, BATCH, H)]


def test_gru_cell_shape_and_defaults(builder):
    out = call(builder, "gru_cell", drop=("bias", "recurrent_bias"))
    assert isinstance(out, webnnpy.MLOperand)
    assert out.shape == (BATCH, H) and out.data_type == "float32"
    assert _attrs(out) == {"hiddenSize": H, "resetAfter": True, "layout": "zrn",
                           "activations": ["sigmoid", "tanh"]}


def test_lstm_shapes_and_defaults(builder):
    outs = call(builder, "lstm", drop=("bias", "recurrent_bias", "peephole_weight",
                                       "initial_hidden_state", "initial_cell_state"))
    assert [o.shape for o in outs] == [(1, BATCH, H), (1, BATCH, H)]
    assert _attrs(outs[0]) == {
        "steps": STEPS, "hiddenSize": H, "returnSequence": False,
        "direction": "forward", "layout": "iofg",
        "activations": ["sigmoid", "tanh", "tanh"]}


def test_lstm_both_directions_with_sequence(builder):
    outs = call(builder, "lstm", nd=2, direction="both", return_sequence=True,
                layout="ifgo", activations=["relu", "relu", "sigmoid"])
    assert [o.shape for o in outs] == [(2, BATCH, H), (2, BATCH, H),
                                       (STEPS, 2, BATCH, H)]
    assert _attrs(outs[2])["layout"] == "ifgo"
    assert _attrs(outs[2])["activations"] == ["relu", "relu", "sigmoid"]


def test_lstm_cell_shapes_and_defaults(builder):
    outs = call(builder, "lstm_cell", drop=("bias", "recurrent_bias",
                                            "peephole_weight"))
    assert isinstance(outs, list) and len(outs) == 2
    assert [o.shape for o in outs] == [(BATCH, H), (BATCH, H)]
    assert _attrs(outs[0]) == {"hiddenSize": H, "layout": "iofg",
                               "activations": ["sigmoid", "tanh", "tanh"]}
