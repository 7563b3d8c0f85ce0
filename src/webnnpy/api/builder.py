"""MLGraphBuilder: the builder core plus every operator family's methods."""

from __future__ import annotations

from webnnpy.api.builder_ops.activation import ActivationOps
from webnnpy.api.builder_ops.conv_pool import ConvPoolOps
from webnnpy.api.builder_ops.elementwise import ElementwiseOps
from webnnpy.api.builder_ops.gather_scatter import GatherScatterOps
from webnnpy.api.builder_ops.matmul_norm import MatmulNormOps
from webnnpy.api.builder_ops.misc import MiscOps
from webnnpy.api.builder_ops.quantization import QuantizationOps
from webnnpy.api.builder_ops.recurrent import RecurrentOps
from webnnpy.api.builder_ops.reduction import ReductionOps
from webnnpy.api.builder_ops.shape import ShapeOps

__all__ = ["MLGraphBuilder"]


# Spec: interface MLGraphBuilder #api-mlgraphbuilder
class MLGraphBuilder(
    ElementwiseOps,
    ActivationOps,
    ConvPoolOps,
    MatmulNormOps,
    ReductionOps,
    ShapeOps,
    GatherScatterOps,
    MiscOps,
    RecurrentOps,
    QuantizationOps,
):
    """Builds a graph of WebNN operators for one MLContext.

    ``MLGraphBuilder(context)``; operands are positional arguments, options are
    keyword-only arguments with the spec's defaults, and every operator takes
    ``label``.  ``build(outputs)`` compiles once.
    """
