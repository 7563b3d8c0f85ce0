"""MLGraphBuilder methods of the matmul_norm family: matmul, gemm and the
batch, instance and layer normalizations."""

from __future__ import annotations

from collections.abc import Sequence

from webnnpy.api.builder_base import BuilderBase
from webnnpy.api.operand import MLOperand

__all__ = ["MatmulNormOps"]


class MatmulNormOps(BuilderBase):
    """Operator methods of the matmul_norm family."""

    # Spec: MLOperand matmul(MLOperand a, MLOperand b, optional MLOperatorOptions options = {}) #api-mlgraphbuilder-matmul
    def matmul(self, a: MLOperand, b: MLOperand, *, label: str = "") -> MLOperand:
        """Matrix product of ``a`` and ``b`` (stacks of matrices in the last two
        dimensions; the batch dimensions broadcast bidirectionally).

        Args:
            a: the first tensor, rank 2 or more, shape [..., M, K].
            b: the second tensor, rank 2 or more, shape [..., K, N], of a's type.
            label: the operator's label (MLOperatorOptions), used in errors.

        Returns:
            A tensor of shape broadcast(a batch, b batch) + [M, N].
        """
        return self._op("matmul", {"a": a, "b": b}, {}, label)

    # Spec: MLOperand gemm(MLOperand a, MLOperand b, optional MLGemmOptions options = {}) #api-mlgraphbuilder-gemm
    def gemm(self, a: MLOperand, b: MLOperand, *, c: MLOperand | None = None,
             alpha: float = 1.0, beta: float = 1.0, a_transpose: bool = False,
             b_transpose: bool = False, label: str = "") -> MLOperand:
        """General matrix multiplication ``alpha * A * B + beta * C``.

        Args:
            a: 2-D tensor [M, K] ([K, M] when ``a_transpose``).
            b: 2-D tensor [K, N] ([N, K] when ``b_transpose``), of a's type.
            c, alpha, beta, a_transpose, b_transpose: options of MLGemmOptions:
                ``c`` is unidirectionally broadcastable to [M, N] (absent: 0);
                ``alpha`` and ``beta`` are cast to a's data type;
                the transpose flags transpose a or b before multiplying.
            label: the operator's label (MLOperatorOptions), used in errors.

        Returns:
            A 2-D tensor of shape [M, N].
        """
        return self._op("gemm", {"a": a, "b": b, "c": c},
                        {"alpha": alpha, "beta": beta, "aTranspose": a_transpose,
                         "bTranspose": b_transpose}, label)

    # Spec: MLOperand batchNormalization(MLOperand input, MLOperand mean, MLOperand variance, optional MLBatchNormalizationOptions options = {}) #api-mlgraphbuilder-batchnorm
    def batch_normalization(
        self, input: MLOperand, mean: MLOperand, variance: MLOperand, *,
        scale: MLOperand | None = None, bias: MLOperand | None = None,
        axis: int = 1, epsilon: float = 1e-5, label: str = "",
    ) -> MLOperand:
        """Batch normalization with given statistics:
        ``scale * (input - mean) / sqrt(variance + epsilon) + bias`` per
        feature of dimension ``axis``.

        Args:
            input: the N-D input tensor.
            mean, variance: 1-D tensors of size ``input.shape[axis]``.
            scale, bias, axis, epsilon: options of MLBatchNormalizationOptions:
                ``scale`` and ``bias`` are 1-D of size ``input.shape[axis]``
                (absent: 1 and 0); ``axis`` is the feature dimension;
                ``epsilon`` (cast to input's type) guards the division.
            label: the operator's label (MLOperatorOptions), used in errors.

        Returns:
            A tensor of input's shape and type.
        """
        return self._op("batchNormalization",
                        {"input": input, "mean": mean, "variance": variance,
                         "scale": scale, "bias": bias},
                        {"axis": axis, "epsilon": epsilon}, label)

    # Spec: MLOperand instanceNormalization(MLOperand input, optional MLInstanceNormalizationOptions options = {}) #api-mlgraphbuilder-instancenorm
    def instance_normalization(
        self, input: MLOperand, *, scale: MLOperand | None = None,
        bias: MLOperand | None = None, epsilon: float = 1e-5,
        layout: str = "nchw", label: str = "",
    ) -> MLOperand:
        """Instance normalization: each channel of each sample is normalized by
        the mean and variance of its spatial dimensions, then scaled and
        shifted per channel.

        Args:
            input: the 4-D input tensor.
            scale, bias, epsilon, layout: options of
                MLInstanceNormalizationOptions: ``scale`` and ``bias`` are 1-D of
                the channel count (absent: 1 and 0); ``epsilon`` (cast to
                input's type) guards the division; ``layout`` is "nchw" or
                "nhwc".
            label: the operator's label (MLOperatorOptions), used in errors.

        Returns:
            A tensor of input's shape and type.
        """
        return self._op("instanceNormalization",
                        {"input": input, "scale": scale, "bias": bias},
                        {"epsilon": epsilon, "layout": layout}, label)

    # Spec: MLOperand layerNormalization(MLOperand input, optional MLLayerNormalizationOptions options = {}) #api-mlgraphbuilder-layernorm
    def layer_normalization(
        self, input: MLOperand, *, scale: MLOperand | None = None,
        bias: MLOperand | None = None, axes: Sequence[int] | None = None,
        epsilon: float = 1e-5, label: str = "",
    ) -> MLOperand:
        """Layer normalization: normalize by the mean and variance over
        ``axes``, then scale and shift.

        Args:
            input: the N-D input tensor.
            scale, bias, axes, epsilon: options of MLLayerNormalizationOptions:
                ``axes`` are the unique dimensions to reduce (absent: 1 to
                rank-1; empty: none); ``scale`` and ``bias`` have shape
                ``[input.shape[a] for a in axes]`` (absent: 1 and 0);
                ``epsilon`` (cast to input's type) guards the division.
            label: the operator's label (MLOperatorOptions), used in errors.

        Returns:
            A tensor of input's shape and type.
        """
        return self._op("layerNormalization",
                        {"input": input, "scale": scale, "bias": bias},
                        {"axes": axes, "epsilon": epsilon}, label)
