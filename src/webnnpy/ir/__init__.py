"""The graph IR: descriptors, values, nodes, graphs, and the per-op validation
and shape-inference rules.  Knows nothing of the public API or of backends:
``ir`` imports only ``_spec``, ``dtypes`` and ``errors``.
"""

from __future__ import annotations

from webnnpy.ir.descriptor import Desc
from webnnpy.ir.graph import Graph, Node, Value

__all__ = ["Desc", "Graph", "Node", "Value"]
