"""MLGraphBuilder methods of the gather_scatter family: ``gather``,
``gather_elements``, ``gather_nd``, ``scatter_elements`` and ``scatter_nd``.

Index values must lie in ``[-N, N)`` for the dimension N they index (negative
ones count from the end); they are only known when the graph runs, so they
are not checked when it is built: out-of-range ones are clamped into that
range, so nothing is read or written outside a tensor.

The ``# Spec:`` lines quote the IDL whole, so they may exceed 88 columns.
"""

from __future__ import annotations

from webnnpy.api.builder_base import BuilderBase
from webnnpy.api.operand import MLOperand

__all__ = ["GatherScatterOps"]


class GatherScatterOps(BuilderBase):
    """Operator methods of the gather_scatter family."""

    # Spec: MLOperand gather(MLOperand input, MLOperand indices, optional MLGatherOptions options = {}) #api-mlgraphbuilder-gather
    def gather(self, input: MLOperand, indices: MLOperand, *, axis: int = 0,
               label: str = "") -> MLOperand:
        """Gather slices of ``input`` along ``axis`` at ``indices``.

        The output's shape is ``input.shape[:axis] + indices.shape +
        input.shape[axis + 1:]``.

        Args:
            input: the tensor to gather from (rank >= 1, any data type).
            indices: int32, uint32 or int64 indices into dimension ``axis`` of
                ``input``, any rank; negative ones count from the end.
            axis: options of MLGatherOptions: the axis to gather along, less
                than the input's rank (default 0).
            label: the operator's label (MLOperatorOptions), used in errors.
        """
        return self._op("gather", {"input": input, "indices": indices},
                        {"axis": axis}, label)

    # Spec: MLOperand gatherElements(MLOperand input, MLOperand indices, optional MLGatherOptions options = {}) #api-mlgraphbuilder-gatherelements
    def gather_elements(self, input: MLOperand, indices: MLOperand, *,
                        axis: int = 0, label: str = "") -> MLOperand:
        """Gather single elements of ``input`` along ``axis``:
        ``output[i0, .., ia, ..] = input[i0, .., indices[i0, .., ia, ..], ..]``.

        The output has the shape of ``indices``.

        Args:
            input: the tensor to gather from (rank >= 1, any data type).
            indices: int32, uint32 or int64 indices of the input's rank whose
                shape equals the input's except along ``axis``; negative ones
                count from the end.
            axis: options of MLGatherOptions: the axis to gather along, less
                than the input's rank (default 0).
            label: the operator's label (MLOperatorOptions), used in errors.
        """
        return self._op("gatherElements", {"input": input, "indices": indices},
                        {"axis": axis}, label)

    # Spec: MLOperand gatherND(MLOperand input, MLOperand indices, optional MLOperatorOptions options = {}) #api-mlgraphbuilder-gathernd
    def gather_nd(self, input: MLOperand, indices: MLOperand, *,
                  label: str = "") -> MLOperand:
        """Gather the slices of ``input`` at the coordinates in ``indices``.

        ``indices``' last dimension k is the length of each coordinate; the
        output's shape is ``indices.shape[:-1] + input.shape[k:]``.

        Args:
            input: the tensor to gather from (rank >= 1, any data type).
            indices: int32, uint32 or int64 coordinates (rank >= 1; the last
                dimension at most the input's rank); negative ones count from
                the end of their dimension.
            label: the operator's label (MLOperatorOptions), used in errors.
        """
        return self._op("gatherND", {"input": input, "indices": indices}, {},
                        label)

    # Spec: MLOperand scatterElements(MLOperand input, MLOperand indices, MLOperand updates, optional MLScatterOptions options = {}) #api-mlgraphbuilder-scatterelements
    def scatter_elements(self, input: MLOperand, indices: MLOperand,
                         updates: MLOperand, *, axis: int = 0,
                         label: str = "") -> MLOperand:
        """A copy of ``input`` with ``updates`` written along ``axis``:
        ``output[i0, .., indices[i0, .., ia, ..], ..] = updates[i0, .., ia, ..]``.

        Where several indices name one element, the last of them (in the
        row-major order of ``indices``) wins.

        Args:
            input: the tensor to start from (rank >= 1, any data type).
            indices: int32, uint32 or int64 indices of the input's rank whose
                shape equals the input's except along ``axis``; negative ones
                count from the end.
            updates: the values to write: ``input``'s data type, ``indices``'
                shape.
            axis: options of MLScatterOptions: the axis to scatter along, less
                than the input's rank (default 0).
            label: the operator's label (MLOperatorOptions), used in errors.
        """
        return self._op("scatterElements",
                        {"input": input, "indices": indices, "updates": updates},
                        {"axis": axis}, label)

    # Spec: MLOperand scatterND(MLOperand input, MLOperand indices, MLOperand updates, optional MLOperatorOptions options = {}) #api-mlgraphbuilder-scatternd
    def scatter_nd(self, input: MLOperand, indices: MLOperand, updates: MLOperand,
                   *, label: str = "") -> MLOperand:
        """A copy of ``input`` with the slices of ``updates`` written at the
        coordinates in ``indices``.

        Where several coordinates name one slice, the last of them (in the
        row-major order of ``indices``) wins.

        Args:
            input: the tensor to start from (rank >= 1, any data type).
            indices: int32, uint32 or int64 coordinates (rank >= 1; the last
                dimension k at most the input's rank); negative ones count from
                the end of their dimension.
            updates: the slices to write: ``input``'s data type, shape
                ``indices.shape[:-1] + input.shape[k:]``.
            label: the operator's label (MLOperatorOptions), used in errors.
        """
        return self._op("scatterND",
                        {"input": input, "indices": indices, "updates": updates},
                        {}, label)
