"""The lowering table type shared by the OpenVINO lowering families.

Each family module defines ``LOWERINGS`` (spec op name -> ``fn(ctx, node)``)
and ``EXCLUDE`` (spec op name -> limits key -> data types the family cannot
run faithfully on OpenVINO's CPU plugin; the backend's ``support_limits()``
leaves them out, so building them fails with the spec's TypeError).
"""

from __future__ import annotations

from collections.abc import Callable

from webnnpy.backends.openvino.emitter import Emitter
from webnnpy.ir.graph import Node
from webnnpy.ir.registry import OpTable

__all__ = ["Exclude", "Lowering", "LoweringTable"]

#: fn(ctx, node): build the OpenVINO nodes of one IR node
Lowering = Callable[[Emitter, Node], None]

#: op -> limits key -> excluded data types
Exclude = dict[str, dict[str, set[str]]]


#: A family's lowerings, keyed by spec op name
LoweringTable = OpTable[Lowering]
