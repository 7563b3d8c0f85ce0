"""op_support_limits samples for the misc family."""

from __future__ import annotations

from samples import Sample, inp


def _shape(rank: int) -> list[int]:
    return [2, 3, 1, 2, 1, 2, 1, 1][:rank]


def _where(b, dtype, rank):  # condition and falseValue broadcast to trueValue
    t = inp(b, "t", dtype, _shape(rank))
    c = inp(b, "c", "uint8", [1] * max(rank - 1, 0))
    f = inp(b, "f", dtype, [])
    return b.where(c, t, f)


def _cast(b, dtype, rank):
    return b.cast(inp(b, "x", dtype, _shape(rank)), "float32")


def _resample2d(b, dtype, rank):
    x = inp(b, "x", dtype, [1, 2, 3, 4][:rank] + [1] * max(rank - 4, 0))
    return b.resample2d(x, mode="linear", scales=[2.0, 0.5])


SAMPLES = {
    "where": Sample(_where, key="trueValue"),
    "cast": Sample(_cast),
    "resample2d": Sample(_resample2d),
}
