"""op_support_limits samples for the element-wise family."""

from __future__ import annotations

from samples import Sample, inp

_BINARY = ("add", "sub", "mul", "div", "max", "min", "pow", "equal", "notEqual",
           "greater", "greaterOrEqual", "lesser", "lesserOrEqual", "logicalAnd",
           "logicalOr", "logicalXor")
_UNARY = ("abs", "ceil", "cos", "erf", "exp", "floor", "identity", "log", "neg",
          "reciprocal", "roundEven", "sin", "sign", "sqrt", "tan")


def _shape(rank: int) -> list[int]:
    return [2, 3, 1, 2, 1, 2, 1, 1][:rank]


def _binary(op: str) -> Sample:
    def fn(b, dtype, rank):  # b broadcasts against a (lower rank, ones)
        a = inp(b, "a", dtype, _shape(rank))
        other = inp(b, "b", dtype, [1] * max(rank - 1, 0))
        return getattr(b, op)(a, other)

    return Sample(fn, key="a")


def _unary(op: str, key: str) -> Sample:
    def fn(b, dtype, rank):
        return getattr(b, op)(inp(b, "x", dtype, _shape(rank)))

    return Sample(fn, key=key)


def _method(op: str) -> str:
    import webnnpy._spec as s

    return s.to_py_name(op)


SAMPLES = {
    **{op: _binary(_method(op)) for op in _BINARY},
    **{op: _unary(_method(op), "input") for op in _UNARY},
    **{op: _unary(_method(op), "a") for op in ("logicalNot", "isNaN", "isInfinite")},
}
