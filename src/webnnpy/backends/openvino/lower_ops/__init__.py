"""Every OpenVINO lowering, merged from one module per family
(:data:`webnnpy.ir.registry.FAMILIES`), and the data types each family
leaves out of the backend's limits (``EXCLUDE``: op -> limits key -> types
OpenVINO's CPU plugin cannot run faithfully)."""

from __future__ import annotations

from webnnpy.backends.openvino.lower_ops._table import Exclude, Lowering
from webnnpy.ir.registry import merge_families

__all__ = ["EXCLUDE", "LOWERINGS"]

LOWERINGS: dict[str, Lowering] = merge_families(__name__, "LOWERINGS")
EXCLUDE: Exclude = merge_families(__name__, "EXCLUDE")
