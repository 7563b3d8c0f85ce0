"""MLGraphBuilder methods of the misc family: ``where``, ``cast`` and
``resample2d``.

The ``# Spec:`` lines quote the IDL whole, so they may exceed 88 columns.
"""

from __future__ import annotations

from collections.abc import Sequence

from webnnpy.api.builder_base import BuilderBase
from webnnpy.api.operand import MLOperand

__all__ = ["MiscOps"]


class MiscOps(BuilderBase):
    """Operator methods of the misc family."""

    # Spec: MLOperand where(MLOperand condition, MLOperand trueValue, MLOperand falseValue, optional MLOperatorOptions options = {}) #api-mlgraphbuilder-where
    def where(self, condition: MLOperand, true_value: MLOperand,
              false_value: MLOperand, *, label: str = "") -> MLOperand:
        """Select ``true_value`` where ``condition`` is non-zero, else
        ``false_value``, element-wise with bidirectional broadcasting of all
        three.

        Args:
            condition: a uint8 tensor (non-zero is true, zero is false).
            true_value: the values selected where the condition is true (any
                data type); the output has its data type.
            false_value: the values selected where it is false (the data type
                of ``true_value``).
            label: the operator's label (MLOperatorOptions), used in errors.
        """
        return self._op("where", {"condition": condition, "trueValue": true_value,
                                  "falseValue": false_value}, {}, label)

    # Spec: MLOperand cast(MLOperand input, MLOperandDataType dataType, optional MLOperatorOptions options = {}) #api-mlgraphbuilder-cast
    def cast(self, input: MLOperand, data_type: str, *, label: str = "") -> MLOperand:
        """Convert each element of ``input`` to ``data_type``.

        Float to float and integer to float round to the nearest value (ties
        to even), out of range giving +/-Infinity.  Integer to integer keeps
        the lowest bits (two's complement).  Float to integer truncates toward
        zero; out of range is implementation-defined in the spec: here it
        saturates to the type's range, and NaN gives 0.

        Args:
            input: the tensor to convert (any data type, any rank).
            data_type: the target MLOperandDataType.
            label: the operator's label (MLOperatorOptions), used in errors.
        """
        return self._op("cast", {"input": input}, {"dataType": data_type}, label)

    # Spec: MLOperand resample2d(MLOperand input, optional MLResample2dOptions options = {}) #api-mlgraphbuilder-resample2d-method
    def resample2d(self, input: MLOperand, *, mode: str = "nearest-neighbor",
                   scales: Sequence[float] | None = None,
                   sizes: Sequence[int] | None = None,
                   axes: Sequence[int] | None = None,
                   label: str = "") -> MLOperand:
        """Resize ``input`` along two axes by nearest-neighbor or bilinear
        interpolation, with half-pixel coordinates
        (``in = (out + 0.5) * inputSize / outputSize - 0.5``, clamped into
        ``[0, inputSize - 1]``; nearest-neighbor takes ``ceil(in - 0.5)``).

        Integer (uint8/int8) linear results round to the nearest integer,
        ties to even.

        Args:
            input: a 4-D float32, float16, uint8 or int8 tensor.
            mode: options of MLResample2dOptions: an MLInterpolationMode,
                "nearest-neighbor" (default) or "linear".
            scales: 2 positive scale factors for ``axes`` (default [1.0, 1.0]);
                each output size is floor(inputSize * scale).
            sizes: 2 output sizes for ``axes``; when given, ``scales`` is
                ignored.
            axes: the 2 different axes to resize (default [2, 3]).
            label: the operator's label (MLOperatorOptions), used in errors.
        """
        return self._op("resample2d", {"input": input},
                        {"mode": mode, "scales": scales, "sizes": sizes,
                         "axes": axes}, label)
