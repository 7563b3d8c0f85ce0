"""MLGraphBuilder methods of the quantization family: quantizeLinear and
dequantizeLinear."""

from __future__ import annotations

from webnnpy.api.builder_base import BuilderBase
from webnnpy.api.operand import MLOperand

__all__ = ["QuantizationOps"]


class QuantizationOps(BuilderBase):
    """Operator methods of the quantization family."""

    # Spec: MLOperand quantizeLinear(MLOperand input, MLOperand scale, MLOperand zeroPoint, optional MLOperatorOptions options = {}) #api-mlgraphbuilder-quantizelinear
    def quantize_linear(self, input: MLOperand, scale: MLOperand,
                        zero_point: MLOperand, *, label: str = "") -> MLOperand:
        """Quantize: ``saturate(roundEven(input / scale) + zero_point)``, blockwise.

        The result has the zero point's data type; ``scale`` and ``zero_point``
        are blockwise broadcast to the input's shape.

        Args:
            input: a float32 or float16 tensor.
            scale: a tensor of the input's data type and rank whose shape divides
                the input's shape dimension by dimension (each block of the
                input uses one scale). Values should be positive; otherwise the
                result is implementation-defined.
            zero_point: a uint8, int8, uint32 or int32 tensor of the scale's
                shape; its data type is the output's.
            label: the operator's label (MLOperatorOptions), used in errors.
        """
        return self._op("quantizeLinear",
                        {"input": input, "scale": scale, "zeroPoint": zero_point},
                        {}, label)

    # Spec: MLOperand dequantizeLinear(MLOperand input, MLOperand scale, MLOperand zeroPoint, optional MLOperatorOptions options = {}) #api-mlgraphbuilder-dequantizelinear
    def dequantize_linear(self, input: MLOperand, scale: MLOperand,
                          zero_point: MLOperand, *, label: str = "") -> MLOperand:
        """Dequantize: ``(input - zero_point) * scale``, blockwise.

        The result has the scale's data type; ``scale`` and ``zero_point`` are
        blockwise broadcast to the input's shape.

        Args:
            input: a uint8, int8, uint32 or int32 tensor.
            scale: a float32 or float16 tensor of the input's rank whose shape
                divides the input's shape dimension by dimension; its data type
                is the output's. Values should be positive; otherwise the result
                is implementation-defined.
            zero_point: a tensor of the input's data type and the scale's shape.
            label: the operator's label (MLOperatorOptions), used in errors.
        """
        return self._op("dequantizeLinear",
                        {"input": input, "scale": scale, "zeroPoint": zero_point},
                        {}, label)
