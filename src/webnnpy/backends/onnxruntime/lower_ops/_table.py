"""The lowering table type shared by the lowering families: each family
module defines ``LOWERINGS`` (a :class:`LoweringTable`, spec op name ->
``fn(ctx, node)``)."""

from __future__ import annotations

from collections.abc import Callable

from webnnpy.backends.onnxruntime.emitter import Emitter
from webnnpy.ir.graph import Node
from webnnpy.ir.registry import OpTable

__all__ = ["Lowering", "LoweringTable"]

#: fn(ctx, node): emit the ONNX nodes of one IR node
Lowering = Callable[[Emitter, Node], None]

#: A family's lowerings, keyed by spec op name
LoweringTable = OpTable[Lowering]
