"""MLGraphBuilder methods of the shape family: reshape, transpose, concat,
slice, split, pad, expand, tile, reverse and triangular."""

from __future__ import annotations

from collections.abc import Sequence

from webnnpy.api.builder_base import BuilderBase
from webnnpy.api.operand import MLOperand

__all__ = ["ShapeOps"]


class ShapeOps(BuilderBase):
    """Operator methods of the shape family."""

    # Spec: MLOperand reshape(MLOperand input, sequence<[EnforceRange] unsigned long> newShape, optional MLOperatorOptions options = {}) #api-mlgraphbuilder-reshape-method
    def reshape(self, input: MLOperand, new_shape: Sequence[int], *,
                label: str = "") -> MLOperand:
        """The input's elements, in order, with another shape.

        Args:
            input: the input tensor (any data type and rank).
            new_shape: the output shape; every item a valid dimension (no 0 or
                -1 placeholders), their product equal to the input's element
                count; ``[]`` for a scalar.
            label: the operator's label (MLOperatorOptions), used in errors.
        """
        return self._op("reshape", {"input": input}, {"newShape": new_shape},
                        label)

    # Spec: MLOperand transpose(MLOperand input, optional MLTransposeOptions options = {}) #api-mlgraphbuilder-transpose
    def transpose(self, input: MLOperand, *,
                  permutation: Sequence[int] | None = None,
                  label: str = "") -> MLOperand:
        """Permute the dimensions of the input.

        Output dimension ``i`` is input dimension ``permutation[i]``.

        Args:
            input: the input tensor (any data type and rank).
            permutation: options of MLTransposeOptions: a permutation of
                0..rank-1; default the reversed axes ``[rank-1, ..., 0]``.
            label: the operator's label (MLOperatorOptions), used in errors.
        """
        return self._op("transpose", {"input": input},
                        {"permutation": permutation}, label)

    # Spec: MLOperand concat(sequence<MLOperand> inputs, [EnforceRange] unsigned long axis, optional MLOperatorOptions options = {}) #api-mlgraphbuilder-concat
    def concat(self, inputs: Sequence[MLOperand], axis: int, *,
               label: str = "") -> MLOperand:
        """Concatenate the inputs along ``axis``.

        Args:
            inputs: 1 to 8192 tensors of one data type and rank (at least 1),
                with equal shapes except along ``axis``.
            axis: the axis to concatenate along, less than the rank.
            label: the operator's label (MLOperatorOptions), used in errors.
        """
        return self._op("concat", {"inputs": inputs}, {"axis": axis}, label)

    # Spec: MLOperand slice(MLOperand input, sequence<[EnforceRange] unsigned long> starts, sequence<[EnforceRange] unsigned long> sizes, optional MLSliceOptions options = {}) #api-mlgraphbuilder-slice
    def slice(self, input: MLOperand, starts: Sequence[int], sizes: Sequence[int],
              *, strides: Sequence[int] | None = None,
              label: str = "") -> MLOperand:
        """A strided window of the input.

        Along each dimension ``d`` it keeps the elements ``starts[d] + k *
        strides[d]`` for ``k * strides[d] < sizes[d]``, so the output dimension
        is ``ceil(sizes[d] / strides[d])``.

        Args:
            input: the input tensor (any data type and rank).
            starts: the first index per dimension (one per input dimension).
            sizes: the extent per dimension, at least 1, with
                ``starts[d] + sizes[d] <= input.shape[d]``.
            strides: options of MLSliceOptions: the step per dimension, at
                least 1; default all 1s.
            label: the operator's label (MLOperatorOptions), used in errors.
        """
        return self._op("slice", {"input": input},
                        {"starts": starts, "sizes": sizes, "strides": strides},
                        label)

    # Spec: sequence<MLOperand> split(MLOperand input, ([EnforceRange] unsigned long or sequence<[EnforceRange] unsigned long>) splits, optional MLSplitOptions options = {}) #api-mlgraphbuilder-split
    def split(self, input: MLOperand, splits: int | Sequence[int], *,
              axis: int = 0, label: str = "") -> list[MLOperand]:
        """Split the input along ``axis`` into consecutive pieces.

        Args:
            input: the input tensor (any data type, rank at least 1).
            splits: an int, the number of equal pieces (it must divide the
                size along ``axis``), or a list of the pieces' sizes (each at
                least 1, summing to the size along ``axis``); 1 to 8192 pieces.
            axis: options of MLSplitOptions: the axis to split, less than the
                rank.
            label: the operator's label (MLOperatorOptions), used in errors.

        Returns:
            The pieces, in order.
        """
        return self._op("split", {"input": input},
                        {"splits": splits, "axis": axis}, label)

    # Spec: MLOperand pad(MLOperand input, sequence<[EnforceRange] unsigned long> beginningPadding, sequence<[EnforceRange] unsigned long> endingPadding, optional MLPadOptions options = {}) #api-mlgraphbuilder-pad
    def pad(self, input: MLOperand, beginning_padding: Sequence[int],
            ending_padding: Sequence[int], *, mode: str = "constant",
            value: int | float = 0, label: str = "") -> MLOperand:
        """Pad the input with a constant, its edge values, or its reflection.

        Adds ``beginning_padding[d]`` values before and ``ending_padding[d]``
        after the content of each dimension ``d``.

        Args:
            input: the input tensor (any data type and rank).
            beginning_padding: the count before, one per input dimension.
            ending_padding: the count after, one per input dimension.
            mode: options of MLPadOptions: an MLPaddingMode: ``"constant"``
                (fill with ``value``), ``"edge"`` (repeat the edge element) or
                ``"reflection"`` (mirror, not repeating the edge; each padding
                must be less than the dimension).
            value: the fill value for ``"constant"`` (an MLNumber: an int stays
                exact for 64-bit types), cast to the input's data type.
            label: the operator's label (MLOperatorOptions), used in errors.
        """
        return self._op("pad", {"input": input},
                        {"beginningPadding": beginning_padding,
                         "endingPadding": ending_padding, "mode": mode,
                         "value": value}, label)

    # Spec: MLOperand expand(MLOperand input, sequence<[EnforceRange] unsigned long> newShape, optional MLOperatorOptions options = {}) #api-mlgraphbuilder-expand
    def expand(self, input: MLOperand, new_shape: Sequence[int], *,
               label: str = "") -> MLOperand:
        """Broadcast the input to ``new_shape`` (NumPy rules, one direction).

        Args:
            input: the input tensor (any data type and rank); it must be
                unidirectionally broadcastable to ``new_shape``.
            new_shape: the output shape, of rank at least the input's.
            label: the operator's label (MLOperatorOptions), used in errors.
        """
        return self._op("expand", {"input": input}, {"newShape": new_shape},
                        label)

    # Spec: MLOperand tile(MLOperand input, sequence<unsigned long> repetitions, optional MLOperatorOptions options = {}) #api-mlgraphbuilder-tile
    def tile(self, input: MLOperand, repetitions: Sequence[int], *,
             label: str = "") -> MLOperand:
        """Repeat the input ``repetitions[d]`` times along each dimension ``d``.

        Args:
            input: the input tensor (any data type and rank).
            repetitions: one count per input dimension, each at least 1.
            label: the operator's label (MLOperatorOptions), used in errors.
        """
        return self._op("tile", {"input": input}, {"repetitions": repetitions},
                        label)

    # Spec: MLOperand reverse(MLOperand input, optional MLReverseOptions options = {}) #api-mlgraphbuilder-reverse-method
    def reverse(self, input: MLOperand, *, axes: Sequence[int] | None = None,
                label: str = "") -> MLOperand:
        """Reverse the order of elements along the given axes.

        Args:
            input: the input tensor (any data type and rank).
            axes: options of MLReverseOptions: unique axes less than the rank;
                default all axes; ``[]`` reverses none.
            label: the operator's label (MLOperatorOptions), used in errors.
        """
        return self._op("reverse", {"input": input}, {"axes": axes}, label)

    # Spec: MLOperand triangular(MLOperand input, optional MLTriangularOptions options = {}) #api-mlgraphbuilder-triangular
    def triangular(self, input: MLOperand, *, upper: bool = True,
                   diagonal: int = 0, label: str = "") -> MLOperand:
        """Keep the upper or lower triangle of each matrix, zeroing the rest.

        The matrices are the last two dimensions (the others are a batch).
        Element ``[..., i, j]`` is kept when ``j - i >= diagonal`` (upper) or
        ``j - i <= diagonal`` (lower).

        Args:
            input: the input tensor (any data type, rank at least 2).
            upper: options of MLTriangularOptions: True keeps the upper part,
                False the lower part.
            diagonal: how many diagonals above (positive) or below (negative)
                the main diagonal the boundary is moved.
            label: the operator's label (MLOperatorOptions), used in errors.
        """
        return self._op("triangular", {"input": input},
                        {"upper": upper, "diagonal": diagonal}, label)
