"""The handler table: ONNX op type -> handlers by opset range.

Each family module has a ``HANDLERS`` dict ``{op_type: ((first, last,
handler), ...)}``: ``handler`` serves the op's schema versions
``first..last`` (the ``since_version`` the model's opset selects).  A key
``"domain:Op"`` names an op outside the default ONNX domain.  The table
below lists the families explicitly; a duplicate key is an error.
"""

from __future__ import annotations

from typing import Final

from webnnpy.models.onnx.convert import Handler
from webnnpy.models.onnx.handlers import (
    activation,
    attention,
    contrib,
    control,
    conv_pool,
    elementwise,
    gather_scatter,
    logical,
    matmul_norm,
    misc,
    quantization,
    recurrent,
    reduction,
    resize,
    shape,
)

__all__ = ["HANDLERS", "OpsetRanges", "find_handler", "op_key"]

OpsetRanges = tuple[tuple[int, int, Handler], ...]

_FAMILIES: Final = (
    activation.HANDLERS,
    attention.HANDLERS,
    contrib.HANDLERS,
    control.HANDLERS,
    conv_pool.HANDLERS,
    elementwise.HANDLERS,
    gather_scatter.HANDLERS,
    logical.HANDLERS,
    matmul_norm.HANDLERS,
    misc.HANDLERS,
    quantization.HANDLERS,
    recurrent.HANDLERS,
    reduction.HANDLERS,
    resize.HANDLERS,
    shape.HANDLERS,
)


def _merge() -> dict[str, OpsetRanges]:
    table: dict[str, OpsetRanges] = {}
    for fam in _FAMILIES:
        for key, ranges in fam.items():
            if key in table:
                raise RuntimeError(f"ONNX op {key!r} has handlers in two families")
            table[key] = ranges
    return table


#: op key -> ((first, last, handler), ...)
HANDLERS: Final[dict[str, OpsetRanges]] = _merge()


def op_key(domain: str, op_type: str) -> str:
    """The table key of an op: its type, prefixed by a non-default domain."""
    return op_type if domain in ("", "ai.onnx") else f"{domain}:{op_type}"


def find_handler(domain: str, op_type: str, version: int
                 ) -> tuple[Handler | None, str]:
    """The handler for an op version, or None and why not."""
    ranges = HANDLERS.get(op_key(domain, op_type))
    if ranges is None:
        return None, "WebNN has no operator or decomposition for this op"
    for first, last, handler in ranges:
        if first <= version <= last:
            return handler, ""
    known = ", ".join(f"{a}-{b}" if a != b else str(a) for a, b, _ in ranges)
    return None, (f"op version {version} is not supported (the importer maps "
                  f"versions {known})")
