"""Validation and shape inference for the quantization family (spec steps, in
order): quantizeLinear and dequantizeLinear.

Data types (including "zeroPoint has input's type" for dequantizeLinear and
"scale has input's type" for quantizeLinear) and ranks are checked against the
context's limits before these rules run (``check_limits``).  What remains:
scale and zeroPoint must have the input's rank and one shape, and that shape
must be *blockwise broadcastable* to the input's (each input dimension a
multiple of the scale dimension).  Neither op has attributes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from webnnpy.ir.checks import fail, py
from webnnpy.ir.descriptor import Desc
from webnnpy.ir.registry import InferResult, OperandDescs, RuleTable

__all__ = ["RULES", "is_blockwise_broadcastable"]

RULES = RuleTable()


def is_blockwise_broadcastable(src: Sequence[int], target: Sequence[int]) -> bool:
    """The spec's *blockwise broadcastable*: equal ranks, and each target
    dimension an exact multiple of the source dimension."""
    return len(src) == len(target) and all(
        t % s == 0 for s, t in zip(src, target, strict=True))


@RULES.define("quantizeLinear", "dequantizeLinear")
def _quantize_dequantize(op: str, x: OperandDescs, attrs: dict[str, Any]
                         ) -> InferResult:
    a, scale, zp = x["input"], x["scale"], x["zeroPoint"]
    assert isinstance(a, Desc) and isinstance(scale, Desc) and isinstance(zp, Desc)
    for name, d in (("scale", scale), ("zeroPoint", zp)):
        if d.rank != a.rank:
            fail(op, f"{py(name)} has rank {d.rank} (shape {list(d.shape)}), but "
                     f"input has rank {a.rank} (shape {list(a.shape)}); they must "
                     f"match")
    if scale.shape != zp.shape:
        fail(op, f"scale shape {list(scale.shape)} and {py('zeroPoint')} shape "
                 f"{list(zp.shape)} must be equal")
    for name, d in (("scale", scale), ("zeroPoint", zp)):
        if not is_blockwise_broadcastable(d.shape, a.shape):
            fail(op, f"{py(name)} shape {list(d.shape)} is not blockwise "
                     f"broadcastable to input shape {list(a.shape)}; expected each "
                     f"input dimension to be a multiple of the {py(name)} "
                     f"dimension")
    out_type = zp.data_type if op == "quantizeLinear" else scale.data_type
    return [Desc(out_type, a.shape)], {}
