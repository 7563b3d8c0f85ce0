"""MLGraphBuilder methods of the reduction family: the ``reduce*`` ops,
``arg_min``/``arg_max`` and ``cumulative_sum``."""

from __future__ import annotations

from collections.abc import Sequence

from webnnpy.api.builder_base import BuilderBase
from webnnpy.api.operand import MLOperand

__all__ = ["ReductionOps"]


class ReductionOps(BuilderBase):
    """Operator methods of the reduction family."""

    # Spec: MLOperand reduceL1(MLOperand input, optional MLReduceOptions options = {}) #api-mlgraphbuilder-reduce
    def reduce_l1(self, input: MLOperand, *, axes: Sequence[int] | None = None,
                  keep_dimensions: bool = False, label: str = "") -> MLOperand:
        """The L1 norm (sum of absolute values) of ``input`` over ``axes``.

        Args:
            input: a tensor of any rank (float32, float16, int32, uint32, int64
                or uint64).
            axes: options of MLReduceOptions: the unique dimensions to reduce,
                each less than the input's rank; None (the default) reduces
                every dimension, ``[]`` reduces none (the reduction function
                is applied to each element alone).
            keep_dimensions: keep reduced dimensions with size 1 (default
                False: drop them).
            label: the operator's label (MLOperatorOptions), used in errors.
        """
        return self._op("reduceL1", {"input": input},
                        {"axes": axes, "keepDimensions": keep_dimensions}, label)

    # Spec: MLOperand reduceL2(MLOperand input, optional MLReduceOptions options = {}) #api-mlgraphbuilder-reduce
    def reduce_l2(self, input: MLOperand, *, axes: Sequence[int] | None = None,
                  keep_dimensions: bool = False, label: str = "") -> MLOperand:
        """The L2 norm (square root of the sum of squares) of ``input`` over ``axes``.

        Args:
            input: a tensor of any rank (float32 or float16).
            axes: options of MLReduceOptions: the unique dimensions to reduce,
                each less than the input's rank; None (the default) reduces
                every dimension, ``[]`` reduces none (the reduction function
                is applied to each element alone).
            keep_dimensions: keep reduced dimensions with size 1 (default
                False: drop them).
            label: the operator's label (MLOperatorOptions), used in errors.
        """
        return self._op("reduceL2", {"input": input},
                        {"axes": axes, "keepDimensions": keep_dimensions}, label)

    # Spec: MLOperand reduceLogSum(MLOperand input, optional MLReduceOptions options = {}) #api-mlgraphbuilder-reduce
    def reduce_log_sum(self, input: MLOperand, *, axes: Sequence[int] | None = None,
                       keep_dimensions: bool = False, label: str = "") -> MLOperand:
        """The log of the sum of ``input`` over ``axes``.

        Args:
            input: a tensor of any rank (float32 or float16).
            axes: options of MLReduceOptions: the unique dimensions to reduce,
                each less than the input's rank; None (the default) reduces
                every dimension, ``[]`` reduces none (the reduction function
                is applied to each element alone).
            keep_dimensions: keep reduced dimensions with size 1 (default
                False: drop them).
            label: the operator's label (MLOperatorOptions), used in errors.
        """
        return self._op("reduceLogSum", {"input": input},
                        {"axes": axes, "keepDimensions": keep_dimensions}, label)

    # Spec: MLOperand reduceLogSumExp(MLOperand input, optional MLReduceOptions options = {}) #api-mlgraphbuilder-reduce
    def reduce_log_sum_exp(self, input: MLOperand, *, axes: Sequence[int] | None = None,
                           keep_dimensions: bool = False, label: str = "") -> MLOperand:
        """The log of the sum of the exponents of ``input`` over ``axes``.

        Args:
            input: a tensor of any rank (float32 or float16).
            axes: options of MLReduceOptions: the unique dimensions to reduce,
                each less than the input's rank; None (the default) reduces
                every dimension, ``[]`` reduces none (the reduction function
                is applied to each element alone).
            keep_dimensions: keep reduced dimensions with size 1 (default
                False: drop them).
            label: the operator's label (MLOperatorOptions), used in errors.
        """
        return self._op("reduceLogSumExp", {"input": input},
                        {"axes": axes, "keepDimensions": keep_dimensions}, label)

    # Spec: MLOperand reduceMax(MLOperand input, optional MLReduceOptions options = {}) #api-mlgraphbuilder-reduce
    def reduce_max(self, input: MLOperand, *, axes: Sequence[int] | None = None,
                   keep_dimensions: bool = False, label: str = "") -> MLOperand:
        """The maximum of ``input`` over ``axes``.

        Args:
            input: a tensor of any rank (any data type).
            axes: options of MLReduceOptions: the unique dimensions to reduce,
                each less than the input's rank; None (the default) reduces
                every dimension, ``[]`` reduces none (the reduction function
                is applied to each element alone).
            keep_dimensions: keep reduced dimensions with size 1 (default
                False: drop them).
            label: the operator's label (MLOperatorOptions), used in errors.
        """
        return self._op("reduceMax", {"input": input},
                        {"axes": axes, "keepDimensions": keep_dimensions}, label)

    # Spec: MLOperand reduceMean(MLOperand input, optional MLReduceOptions options = {}) #api-mlgraphbuilder-reduce
    def reduce_mean(self, input: MLOperand, *, axes: Sequence[int] | None = None,
                    keep_dimensions: bool = False, label: str = "") -> MLOperand:
        """The mean of ``input`` over ``axes``.

        Args:
            input: a tensor of any rank (float32 or float16).
            axes: options of MLReduceOptions: the unique dimensions to reduce,
                each less than the input's rank; None (the default) reduces
                every dimension, ``[]`` reduces none (the reduction function
                is applied to each element alone).
            keep_dimensions: keep reduced dimensions with size 1 (default
                False: drop them).
            label: the operator's label (MLOperatorOptions), used in errors.
        """
        return self._op("reduceMean", {"input": input},
                        {"axes": axes, "keepDimensions": keep_dimensions}, label)

    # Spec: MLOperand reduceMin(MLOperand input, optional MLReduceOptions options = {}) #api-mlgraphbuilder-reduce
    def reduce_min(self, input: MLOperand, *, axes: Sequence[int] | None = None,
                   keep_dimensions: bool = False, label: str = "") -> MLOperand:
        """The minimum of ``input`` over ``axes``.

        Args:
            input: a tensor of any rank (any data type).
            axes: options of MLReduceOptions: the unique dimensions to reduce,
                each less than the input's rank; None (the default) reduces
                every dimension, ``[]`` reduces none (the reduction function
                is applied to each element alone).
            keep_dimensions: keep reduced dimensions with size 1 (default
                False: drop them).
            label: the operator's label (MLOperatorOptions), used in errors.
        """
        return self._op("reduceMin", {"input": input},
                        {"axes": axes, "keepDimensions": keep_dimensions}, label)

    # Spec: MLOperand reduceProduct(MLOperand input, optional MLReduceOptions options = {}) #api-mlgraphbuilder-reduce
    def reduce_product(self, input: MLOperand, *, axes: Sequence[int] | None = None,
                       keep_dimensions: bool = False, label: str = "") -> MLOperand:
        """The product of ``input`` over ``axes``.

        Args:
            input: a tensor of any rank (float32, float16, int32, uint32, int64
                or uint64).
            axes: options of MLReduceOptions: the unique dimensions to reduce,
                each less than the input's rank; None (the default) reduces
                every dimension, ``[]`` reduces none (the reduction function
                is applied to each element alone).
            keep_dimensions: keep reduced dimensions with size 1 (default
                False: drop them).
            label: the operator's label (MLOperatorOptions), used in errors.
        """
        return self._op("reduceProduct", {"input": input},
                        {"axes": axes, "keepDimensions": keep_dimensions}, label)

    # Spec: MLOperand reduceSum(MLOperand input, optional MLReduceOptions options = {}) #api-mlgraphbuilder-reduce
    def reduce_sum(self, input: MLOperand, *, axes: Sequence[int] | None = None,
                   keep_dimensions: bool = False, label: str = "") -> MLOperand:
        """The sum of ``input`` over ``axes``.

        Args:
            input: a tensor of any rank (float32, float16, int32, uint32, int64
                or uint64).
            axes: options of MLReduceOptions: the unique dimensions to reduce,
                each less than the input's rank; None (the default) reduces
                every dimension, ``[]`` reduces none (the reduction function
                is applied to each element alone).
            keep_dimensions: keep reduced dimensions with size 1 (default
                False: drop them).
            label: the operator's label (MLOperatorOptions), used in errors.
        """
        return self._op("reduceSum", {"input": input},
                        {"axes": axes, "keepDimensions": keep_dimensions}, label)

    # Spec: MLOperand reduceSumSquare(MLOperand input, optional MLReduceOptions options = {}) #api-mlgraphbuilder-reduce
    def reduce_sum_square(self, input: MLOperand, *, axes: Sequence[int] | None = None,
                          keep_dimensions: bool = False, label: str = "") -> MLOperand:
        """The sum of the squares of ``input`` over ``axes``.

        Args:
            input: a tensor of any rank (float32, float16, int32, uint32, int64
                or uint64).
            axes: options of MLReduceOptions: the unique dimensions to reduce,
                each less than the input's rank; None (the default) reduces
                every dimension, ``[]`` reduces none (the reduction function
                is applied to each element alone).
            keep_dimensions: keep reduced dimensions with size 1 (default
                False: drop them).
            label: the operator's label (MLOperatorOptions), used in errors.
        """
        return self._op("reduceSumSquare", {"input": input},
                        {"axes": axes, "keepDimensions": keep_dimensions}, label)

    # Spec: MLOperand argMin(MLOperand input, [EnforceRange] unsigned long axis, optional MLArgMinMaxOptions options = {}) #api-mlgraphbuilder-argminmax
    def arg_min(self, input: MLOperand, axis: int, *, keep_dimensions: bool = False,
                output_data_type: str = "int32", label: str = "") -> MLOperand:
        """The index of the minimum of ``input`` along ``axis``.

        Ties give the first (lowest) index; a NaN counts as the minimum, so
        the index of the first NaN is returned (the spec leaves both to the
        implementation).

        Args:
            input: a tensor of rank 1 or more, of any data type.
            axis: the dimension to reduce, less than the input's rank.
            keep_dimensions: options of MLArgMinMaxOptions: keep the reduced
                dimension with size 1 (default False: drop it).
            output_data_type: the index type, "int32" (default) or "int64".
            label: the operator's label (MLOperatorOptions), used in errors.
        """
        return self._op("argMin", {"input": input},
                        {"axis": axis, "keepDimensions": keep_dimensions,
                         "outputDataType": output_data_type}, label)

    # Spec: MLOperand argMax(MLOperand input, [EnforceRange] unsigned long axis, optional MLArgMinMaxOptions options = {}) #api-mlgraphbuilder-argminmax
    def arg_max(self, input: MLOperand, axis: int, *, keep_dimensions: bool = False,
                output_data_type: str = "int32", label: str = "") -> MLOperand:
        """The index of the maximum of ``input`` along ``axis``.

        Ties give the first (lowest) index; a NaN counts as the maximum, so
        the index of the first NaN is returned (the spec leaves both to the
        implementation).

        Args:
            input: a tensor of rank 1 or more, of any data type.
            axis: the dimension to reduce, less than the input's rank.
            keep_dimensions: options of MLArgMinMaxOptions: keep the reduced
                dimension with size 1 (default False: drop it).
            output_data_type: the index type, "int32" (default) or "int64".
            label: the operator's label (MLOperatorOptions), used in errors.
        """
        return self._op("argMax", {"input": input},
                        {"axis": axis, "keepDimensions": keep_dimensions,
                         "outputDataType": output_data_type}, label)

    # Spec: MLOperand cumulativeSum(MLOperand input, unsigned long axis, optional MLCumulativeSumOptions options = {}) #api-mlgraphbuilder-cumulativesum
    def cumulative_sum(self, input: MLOperand, axis: int, *, exclusive: bool = False,
                       reversed: bool = False, label: str = "") -> MLOperand:
        """The running sum of ``input`` along ``axis``; same shape and type.

        Given ``[1, 2, 3, 4]``: ``[1, 3, 6, 10]``; exclusive ``[0, 1, 3, 6]``;
        reversed ``[10, 9, 7, 4]``; exclusive and reversed ``[9, 7, 4, 0]``.

        Args:
            input: a tensor of rank 1 or more (float32, float16, int32, uint32,
                int64 or uint64).
            axis: the dimension to sum along, less than the input's rank.
            exclusive: options of MLCumulativeSumOptions: leave out the current
                element (exclusive prefix sum; default False: inclusive).
            reversed: sum from the last index to the first (default False).
            label: the operator's label (MLOperatorOptions), used in errors.
        """
        return self._op("cumulativeSum", {"input": input},
                        {"axis": axis, "exclusive": exclusive,
                         "reversed": reversed}, label)
