"""MLGraphBuilder methods of the element-wise family: binary arithmetic,
comparisons, logical ops and unary math."""

from __future__ import annotations

from webnnpy.api.builder_base import BuilderBase
from webnnpy.api.operand import MLOperand

__all__ = ["ElementwiseOps"]


class ElementwiseOps(BuilderBase):
    """Element-wise operator methods."""

    # Spec: MLOperand add(MLOperand a, MLOperand b, optional MLOperatorOptions options = {}) #api-mlgraphbuilder-binary
    def add(self, a: MLOperand, b: MLOperand, *, label: str = "") -> MLOperand:
        """Element-wise ``a + b`` with bidirectional broadcasting.

        Args:
            a, b: operands of one data type whose shapes broadcast together.
            label: the operator's label (MLOperatorOptions), used in errors.
        """
        return self._op("add", {"a": a, "b": b}, {}, label)

    # Spec: MLOperand sub(MLOperand a, MLOperand b, optional MLOperatorOptions options = {}) #api-mlgraphbuilder-binary
    def sub(self, a: MLOperand, b: MLOperand, *, label: str = "") -> MLOperand:
        """Element-wise ``a - b`` with bidirectional broadcasting.

        Args:
            a, b: operands of one data type whose shapes broadcast together.
            label: the operator's label (MLOperatorOptions), used in errors.
        """
        return self._op("sub", {"a": a, "b": b}, {}, label)

    # Spec: MLOperand mul(MLOperand a, MLOperand b, optional MLOperatorOptions options = {}) #api-mlgraphbuilder-binary
    def mul(self, a: MLOperand, b: MLOperand, *, label: str = "") -> MLOperand:
        """Element-wise ``a * b`` with bidirectional broadcasting.

        Args:
            a, b: operands of one data type whose shapes broadcast together.
            label: the operator's label (MLOperatorOptions), used in errors.
        """
        return self._op("mul", {"a": a, "b": b}, {}, label)

    # Spec: MLOperand div(MLOperand a, MLOperand b, optional MLOperatorOptions options = {}) #api-mlgraphbuilder-binary
    def div(self, a: MLOperand, b: MLOperand, *, label: str = "") -> MLOperand:
        """Element-wise ``a / b`` with bidirectional broadcasting; integer types truncate toward zero.

        Args:
            a, b: operands of one data type whose shapes broadcast together.
            label: the operator's label (MLOperatorOptions), used in errors.
        """
        return self._op("div", {"a": a, "b": b}, {}, label)

    # Spec: MLOperand max(MLOperand a, MLOperand b, optional MLOperatorOptions options = {}) #api-mlgraphbuilder-binary
    def max(self, a: MLOperand, b: MLOperand, *, label: str = "") -> MLOperand:
        """Element-wise maximum of ``a`` and ``b`` with bidirectional broadcasting.

        Args:
            a, b: operands of one data type whose shapes broadcast together.
            label: the operator's label (MLOperatorOptions), used in errors.
        """
        return self._op("max", {"a": a, "b": b}, {}, label)

    # Spec: MLOperand min(MLOperand a, MLOperand b, optional MLOperatorOptions options = {}) #api-mlgraphbuilder-binary
    def min(self, a: MLOperand, b: MLOperand, *, label: str = "") -> MLOperand:
        """Element-wise minimum of ``a`` and ``b`` with bidirectional broadcasting.

        Args:
            a, b: operands of one data type whose shapes broadcast together.
            label: the operator's label (MLOperatorOptions), used in errors.
        """
        return self._op("min", {"a": a, "b": b}, {}, label)

    # Spec: MLOperand pow(MLOperand a, MLOperand b, optional MLOperatorOptions options = {}) #api-mlgraphbuilder-binary
    def pow(self, a: MLOperand, b: MLOperand, *, label: str = "") -> MLOperand:
        """Element-wise ``a`` to the power ``b`` with bidirectional broadcasting.

        Args:
            a, b: operands of one data type whose shapes broadcast together.
            label: the operator's label (MLOperatorOptions), used in errors.
        """
        return self._op("pow", {"a": a, "b": b}, {}, label)

    # Spec: MLOperand equal(MLOperand a, MLOperand b, optional MLOperatorOptions options = {}) #api-mlgraphbuilder-logical
    def equal(self, a: MLOperand, b: MLOperand, *, label: str = "") -> MLOperand:
        """``a == b`` element-wise, as uint8 0/1.

        Args:
            a, b: operands of one data type whose shapes broadcast together.
            label: the operator's label (MLOperatorOptions), used in errors.
        """
        return self._op("equal", {"a": a, "b": b}, {}, label)

    # Spec: MLOperand notEqual(MLOperand a, MLOperand b, optional MLOperatorOptions options = {}) #api-mlgraphbuilder-logical
    def not_equal(self, a: MLOperand, b: MLOperand, *, label: str = "") -> MLOperand:
        """``a != b`` element-wise, as uint8 0/1.

        Args:
            a, b: operands of one data type whose shapes broadcast together.
            label: the operator's label (MLOperatorOptions), used in errors.
        """
        return self._op("notEqual", {"a": a, "b": b}, {}, label)

    # Spec: MLOperand greater(MLOperand a, MLOperand b, optional MLOperatorOptions options = {}) #api-mlgraphbuilder-logical
    def greater(self, a: MLOperand, b: MLOperand, *, label: str = "") -> MLOperand:
        """``a > b`` element-wise, as uint8 0/1.

        Args:
            a, b: operands of one data type whose shapes broadcast together.
            label: the operator's label (MLOperatorOptions), used in errors.
        """
        return self._op("greater", {"a": a, "b": b}, {}, label)

    # Spec: MLOperand greaterOrEqual(MLOperand a, MLOperand b, optional MLOperatorOptions options = {}) #api-mlgraphbuilder-logical
    def greater_or_equal(self, a: MLOperand, b: MLOperand, *, label: str = "") -> MLOperand:
        """``a >= b`` element-wise, as uint8 0/1 (NaN compares false).

        Args:
            a, b: operands of one data type whose shapes broadcast together.
            label: the operator's label (MLOperatorOptions), used in errors.
        """
        return self._op("greaterOrEqual", {"a": a, "b": b}, {}, label)

    # Spec: MLOperand lesser(MLOperand a, MLOperand b, optional MLOperatorOptions options = {}) #api-mlgraphbuilder-logical
    def lesser(self, a: MLOperand, b: MLOperand, *, label: str = "") -> MLOperand:
        """``a < b`` element-wise, as uint8 0/1.

        Args:
            a, b: operands of one data type whose shapes broadcast together.
            label: the operator's label (MLOperatorOptions), used in errors.
        """
        return self._op("lesser", {"a": a, "b": b}, {}, label)

    # Spec: MLOperand lesserOrEqual(MLOperand a, MLOperand b, optional MLOperatorOptions options = {}) #api-mlgraphbuilder-logical
    def lesser_or_equal(self, a: MLOperand, b: MLOperand, *, label: str = "") -> MLOperand:
        """``a <= b`` element-wise, as uint8 0/1 (NaN compares false).

        Args:
            a, b: operands of one data type whose shapes broadcast together.
            label: the operator's label (MLOperatorOptions), used in errors.
        """
        return self._op("lesserOrEqual", {"a": a, "b": b}, {}, label)

    # Spec: MLOperand logicalAnd(MLOperand a, MLOperand b, optional MLOperatorOptions options = {}) #api-mlgraphbuilder-logical
    def logical_and(self, a: MLOperand, b: MLOperand, *, label: str = "") -> MLOperand:
        """Logical AND of uint8 tensors (non-zero is true), as uint8 0/1.

        Args:
            a, b: operands of one data type whose shapes broadcast together.
            label: the operator's label (MLOperatorOptions), used in errors.
        """
        return self._op("logicalAnd", {"a": a, "b": b}, {}, label)

    # Spec: MLOperand logicalOr(MLOperand a, MLOperand b, optional MLOperatorOptions options = {}) #api-mlgraphbuilder-logical
    def logical_or(self, a: MLOperand, b: MLOperand, *, label: str = "") -> MLOperand:
        """Logical OR of uint8 tensors (non-zero is true), as uint8 0/1.

        Args:
            a, b: operands of one data type whose shapes broadcast together.
            label: the operator's label (MLOperatorOptions), used in errors.
        """
        return self._op("logicalOr", {"a": a, "b": b}, {}, label)

    # Spec: MLOperand logicalXor(MLOperand a, MLOperand b, optional MLOperatorOptions options = {}) #api-mlgraphbuilder-logical
    def logical_xor(self, a: MLOperand, b: MLOperand, *, label: str = "") -> MLOperand:
        """Logical XOR of uint8 tensors (non-zero is true), as uint8 0/1.

        Args:
            a, b: operands of one data type whose shapes broadcast together.
            label: the operator's label (MLOperatorOptions), used in errors.
        """
        return self._op("logicalXor", {"a": a, "b": b}, {}, label)

    # Spec: MLOperand logicalNot(MLOperand a, optional MLOperatorOptions options = {}) #api-mlgraphbuilder-logical
    def logical_not(self, a: MLOperand, *, label: str = "") -> MLOperand:
        """Logical NOT of a uint8 tensor (non-zero is true), as uint8 0/1.

        Args:
            a: the input operand.
            label: the operator's label (MLOperatorOptions), used in errors.
        """
        return self._op("logicalNot", {"a": a}, {}, label)

    # Spec: MLOperand isNaN(MLOperand a, optional MLOperatorOptions options = {}) #api-mlgraphbuilder-logical
    def is_nan(self, a: MLOperand, *, label: str = "") -> MLOperand:
        """1 where the float input is NaN, else 0 (uint8).

        Args:
            a: the input operand.
            label: the operator's label (MLOperatorOptions), used in errors.
        """
        return self._op("isNaN", {"a": a}, {}, label)

    # Spec: MLOperand isInfinite(MLOperand a, optional MLOperatorOptions options = {}) #api-mlgraphbuilder-logical
    def is_infinite(self, a: MLOperand, *, label: str = "") -> MLOperand:
        """1 where the float input is +-Infinity, else 0 (uint8).

        Args:
            a: the input operand.
            label: the operator's label (MLOperatorOptions), used in errors.
        """
        return self._op("isInfinite", {"a": a}, {}, label)

    # Spec: MLOperand abs(MLOperand input, optional MLOperatorOptions options = {}) #api-mlgraphbuilder-unary
    def abs(self, input: MLOperand, *, label: str = "") -> MLOperand:
        """Element-wise absolute value.

        Args:
            input: the input operand.
            label: the operator's label (MLOperatorOptions), used in errors.
        """
        return self._op("abs", {"input": input}, {}, label)

    # Spec: MLOperand ceil(MLOperand input, optional MLOperatorOptions options = {}) #api-mlgraphbuilder-unary
    def ceil(self, input: MLOperand, *, label: str = "") -> MLOperand:
        """Element-wise ceiling.

        Args:
            input: the input operand.
            label: the operator's label (MLOperatorOptions), used in errors.
        """
        return self._op("ceil", {"input": input}, {}, label)

    # Spec: MLOperand cos(MLOperand input, optional MLOperatorOptions options = {}) #api-mlgraphbuilder-unary
    def cos(self, input: MLOperand, *, label: str = "") -> MLOperand:
        """Element-wise cosine.

        Args:
            input: the input operand.
            label: the operator's label (MLOperatorOptions), used in errors.
        """
        return self._op("cos", {"input": input}, {}, label)

    # Spec: MLOperand erf(MLOperand input, optional MLOperatorOptions options = {}) #api-mlgraphbuilder-unary
    def erf(self, input: MLOperand, *, label: str = "") -> MLOperand:
        """Element-wise Gauss error function.

        Args:
            input: the input operand.
            label: the operator's label (MLOperatorOptions), used in errors.
        """
        return self._op("erf", {"input": input}, {}, label)

    # Spec: MLOperand exp(MLOperand input, optional MLOperatorOptions options = {}) #api-mlgraphbuilder-unary
    def exp(self, input: MLOperand, *, label: str = "") -> MLOperand:
        """Element-wise natural exponential.

        Args:
            input: the input operand.
            label: the operator's label (MLOperatorOptions), used in errors.
        """
        return self._op("exp", {"input": input}, {}, label)

    # Spec: MLOperand floor(MLOperand input, optional MLOperatorOptions options = {}) #api-mlgraphbuilder-unary
    def floor(self, input: MLOperand, *, label: str = "") -> MLOperand:
        """Element-wise floor.

        Args:
            input: the input operand.
            label: the operator's label (MLOperatorOptions), used in errors.
        """
        return self._op("floor", {"input": input}, {}, label)

    # Spec: MLOperand identity(MLOperand input, optional MLOperatorOptions options = {}) #api-mlgraphbuilder-unary
    def identity(self, input: MLOperand, *, label: str = "") -> MLOperand:
        """A copy of the input (any data type).

        Args:
            input: the input operand.
            label: the operator's label (MLOperatorOptions), used in errors.
        """
        return self._op("identity", {"input": input}, {}, label)

    # Spec: MLOperand log(MLOperand input, optional MLOperatorOptions options = {}) #api-mlgraphbuilder-unary
    def log(self, input: MLOperand, *, label: str = "") -> MLOperand:
        """Element-wise natural logarithm.

        Args:
            input: the input operand.
            label: the operator's label (MLOperatorOptions), used in errors.
        """
        return self._op("log", {"input": input}, {}, label)

    # Spec: MLOperand neg(MLOperand input, optional MLOperatorOptions options = {}) #api-mlgraphbuilder-unary
    def neg(self, input: MLOperand, *, label: str = "") -> MLOperand:
        """Element-wise negation.

        Args:
            input: the input operand.
            label: the operator's label (MLOperatorOptions), used in errors.
        """
        return self._op("neg", {"input": input}, {}, label)

    # Spec: MLOperand reciprocal(MLOperand input, optional MLOperatorOptions options = {}) #api-mlgraphbuilder-unary
    def reciprocal(self, input: MLOperand, *, label: str = "") -> MLOperand:
        """Element-wise ``1 / x``.

        Args:
            input: the input operand.
            label: the operator's label (MLOperatorOptions), used in errors.
        """
        return self._op("reciprocal", {"input": input}, {}, label)

    # Spec: MLOperand roundEven(MLOperand input, optional MLOperatorOptions options = {}) #api-mlgraphbuilder-unary
    def round_even(self, input: MLOperand, *, label: str = "") -> MLOperand:
        """Element-wise rounding to the nearest integer, halves to even.

        Args:
            input: the input operand.
            label: the operator's label (MLOperatorOptions), used in errors.
        """
        return self._op("roundEven", {"input": input}, {}, label)

    # Spec: MLOperand sin(MLOperand input, optional MLOperatorOptions options = {}) #api-mlgraphbuilder-unary
    def sin(self, input: MLOperand, *, label: str = "") -> MLOperand:
        """Element-wise sine.

        Args:
            input: the input operand.
            label: the operator's label (MLOperatorOptions), used in errors.
        """
        return self._op("sin", {"input": input}, {}, label)

    # Spec: MLOperand sign(MLOperand input, optional MLOperatorOptions options = {}) #api-mlgraphbuilder-unary
    def sign(self, input: MLOperand, *, label: str = "") -> MLOperand:
        """Element-wise sign: -1, 0 or 1.

        Args:
            input: the input operand.
            label: the operator's label (MLOperatorOptions), used in errors.
        """
        return self._op("sign", {"input": input}, {}, label)

    # Spec: MLOperand sqrt(MLOperand input, optional MLOperatorOptions options = {}) #api-mlgraphbuilder-unary
    def sqrt(self, input: MLOperand, *, label: str = "") -> MLOperand:
        """Element-wise square root.

        Args:
            input: the input operand.
            label: the operator's label (MLOperatorOptions), used in errors.
        """
        return self._op("sqrt", {"input": input}, {}, label)

    # Spec: MLOperand tan(MLOperand input, optional MLOperatorOptions options = {}) #api-mlgraphbuilder-unary
    def tan(self, input: MLOperand, *, label: str = "") -> MLOperand:
        """Element-wise tangent.

        Args:
            input: the input operand.
            label: the operator's label (MLOperatorOptions), used in errors.
        """
        return self._op("tan", {"input": input}, {}, label)
