"""MLGraphBuilder methods of the activation family: clamp, elu, gelu,
hardSigmoid, hardSwish, leakyRelu, linear, prelu, relu, sigmoid, softmax,
softplus, softsign and tanh."""

from __future__ import annotations

from webnnpy.api.builder_base import BuilderBase
from webnnpy.api.operand import MLOperand

__all__ = ["ActivationOps"]


class ActivationOps(BuilderBase):
    """Operator methods of the activation family."""

    # Spec: MLOperand clamp(MLOperand input, optional MLClampOptions options = {}) #api-mlgraphbuilder-clamp
    def clamp(self, input: MLOperand, *, min_value: int | float | None = None,
              max_value: int | float | None = None, label: str = "") -> MLOperand:
        """Clamp each element to ``[min_value, max_value]``; omitted bounds are not applied.

        Args:
            input: a tensor of any data type.
            min_value, max_value: options of MLClampOptions, MLNumber (an int,
                exact for 64-bit types, or a float), each cast to the input's
                data type with the spec's cast; ``min_value`` must not exceed
                ``max_value`` after the cast.
            label: the operator's label (MLOperatorOptions), used in errors.
        """
        return self._op("clamp", {"input": input},
                        {"minValue": min_value, "maxValue": max_value}, label)

    # Spec: MLOperand elu(MLOperand input, optional MLEluOptions options = {}) #api-mlgraphbuilder-elu
    def elu(self, input: MLOperand, *, alpha: float = 1.0,
            label: str = "") -> MLOperand:
        """The exponential linear unit, ``max(0, x) + alpha * (exp(min(0, x)) - 1)``.

        Args:
            input: a float32 or float16 tensor.
            alpha: option of MLEluOptions, a finite scalar multiplier, cast to the
                input's data type.
            label: the operator's label (MLOperatorOptions), used in errors.
        """
        return self._op("elu", {"input": input}, {"alpha": alpha}, label)

    # Spec: MLOperand gelu(MLOperand input, optional MLOperatorOptions options = {}) #api-mlgraphbuilder-gelu-method
    def gelu(self, input: MLOperand, *, label: str = "") -> MLOperand:
        """The Gaussian error linear unit, ``0.5 * x * (1 + erf(x / sqrt(2)))``.

        Args:
            input: a float32 or float16 tensor.
            label: the operator's label (MLOperatorOptions), used in errors.
        """
        return self._op("gelu", {"input": input}, {}, label)

    # Spec: MLOperand hardSigmoid(MLOperand input, optional MLHardSigmoidOptions options = {}) #api-mlgraphbuilder-hard-sigmoid
    def hard_sigmoid(self, input: MLOperand, *, alpha: float = 0.2,
                     beta: float = 0.5, label: str = "") -> MLOperand:
        """The hard sigmoid, ``max(0, min(1, alpha * x + beta))``.

        Args:
            input: a float32 or float16 tensor.
            alpha, beta: options of MLHardSigmoidOptions, a finite multiplier and
                addend, each cast to the input's data type.
            label: the operator's label (MLOperatorOptions), used in errors.
        """
        return self._op("hardSigmoid", {"input": input},
                        {"alpha": alpha, "beta": beta}, label)

    # Spec: MLOperand hardSwish(MLOperand input, optional MLOperatorOptions options = {}) #api-mlgraphbuilder-hard-swish
    def hard_swish(self, input: MLOperand, *, label: str = "") -> MLOperand:
        """The hard swish, ``x * max(0, min(6, x + 3)) / 6``.

        Args:
            input: a float32 or float16 tensor.
            label: the operator's label (MLOperatorOptions), used in errors.
        """
        return self._op("hardSwish", {"input": input}, {}, label)

    # Spec: MLOperand leakyRelu(MLOperand input, optional MLLeakyReluOptions options = {}) #api-mlgraphbuilder-leakyrelu
    def leaky_relu(self, input: MLOperand, *, alpha: float = 0.01,
                   label: str = "") -> MLOperand:
        """The leaky rectifier, ``max(0, x) + alpha * min(0, x)``.

        Args:
            input: a float32 or float16 tensor.
            alpha: option of MLLeakyReluOptions, a finite scalar multiplier, cast
                to the input's data type.
            label: the operator's label (MLOperatorOptions), used in errors.
        """
        return self._op("leakyRelu", {"input": input}, {"alpha": alpha}, label)

    # Spec: MLOperand linear(MLOperand input, optional MLLinearOptions options = {}) #api-mlgraphbuilder-linear
    def linear(self, input: MLOperand, *, alpha: float = 1.0, beta: float = 0.0,
               label: str = "") -> MLOperand:
        """The linear function ``alpha * x + beta``.

        Args:
            input: a float32 or float16 tensor.
            alpha, beta: options of MLLinearOptions, a finite multiplier and
                addend, each cast to the input's data type.
            label: the operator's label (MLOperatorOptions), used in errors.
        """
        return self._op("linear", {"input": input},
                        {"alpha": alpha, "beta": beta}, label)

    # Spec: MLOperand prelu(MLOperand input, MLOperand slope, optional MLOperatorOptions options = {}) #api-mlgraphbuilder-prelu
    def prelu(self, input: MLOperand, slope: MLOperand, *,
              label: str = "") -> MLOperand:
        """The parametric rectifier, ``max(0, x) + slope * min(0, x)``, broadcasting.

        The output has the bidirectionally broadcast shape of ``input`` and
        ``slope``.

        Args:
            input: a float32, float16, int64, int32 or int8 tensor.
            slope: a tensor of the input's data type whose shape broadcasts
                bidirectionally with the input's.
            label: the operator's label (MLOperatorOptions), used in errors.
        """
        return self._op("prelu", {"input": input, "slope": slope}, {}, label)

    # Spec: MLOperand relu(MLOperand input, optional MLOperatorOptions options = {}) #api-mlgraphbuilder-relu-method
    def relu(self, input: MLOperand, *, label: str = "") -> MLOperand:
        """The rectifier, ``max(0, x)``.

        Args:
            input: a float32, float16, int64, int32 or int8 tensor.
            label: the operator's label (MLOperatorOptions), used in errors.
        """
        return self._op("relu", {"input": input}, {}, label)

    # Spec: MLOperand sigmoid(MLOperand input, optional MLOperatorOptions options = {}) #api-mlgraphbuilder-sigmoid-method
    def sigmoid(self, input: MLOperand, *, label: str = "") -> MLOperand:
        """The logistic sigmoid, ``1 / (exp(-x) + 1)``.

        Args:
            input: a float32 or float16 tensor.
            label: the operator's label (MLOperatorOptions), used in errors.
        """
        return self._op("sigmoid", {"input": input}, {}, label)

    # Spec: MLOperand softmax(MLOperand input, [EnforceRange] unsigned long axis, optional MLOperatorOptions options = {}) #api-mlgraphbuilder-softmax-method
    def softmax(self, input: MLOperand, axis: int, *, label: str = "") -> MLOperand:
        """Softmax along ``axis``: ``exp(x) / sum(exp(x))`` over that dimension.

        Args:
            input: a float32 or float16 tensor of rank 1 or more.
            axis: the dimension to normalize, less than the input's rank.
            label: the operator's label (MLOperatorOptions), used in errors.
        """
        return self._op("softmax", {"input": input}, {"axis": axis}, label)

    # Spec: MLOperand softplus(MLOperand input, optional MLOperatorOptions options = {}) #api-mlgraphbuilder-softplus-method
    def softplus(self, input: MLOperand, *, label: str = "") -> MLOperand:
        """The softplus function, ``ln(1 + exp(x))``.

        Args:
            input: a float32 or float16 tensor.
            label: the operator's label (MLOperatorOptions), used in errors.
        """
        return self._op("softplus", {"input": input}, {}, label)

    # Spec: MLOperand softsign(MLOperand input, optional MLOperatorOptions options = {}) #api-mlgraphbuilder-softsign-method
    def softsign(self, input: MLOperand, *, label: str = "") -> MLOperand:
        """The softsign function, ``x / (1 + |x|)``.

        Args:
            input: a float32 or float16 tensor.
            label: the operator's label (MLOperatorOptions), used in errors.
        """
        return self._op("softsign", {"input": input}, {}, label)

    # Spec: MLOperand tanh(MLOperand input, optional MLOperatorOptions options = {}) #api-mlgraphbuilder-tanh-method
    def tanh(self, input: MLOperand, *, label: str = "") -> MLOperand:
        """The hyperbolic tangent.

        Args:
            input: a float32 or float16 tensor.
            label: the operator's label (MLOperatorOptions), used in errors.
        """
        return self._op("tanh", {"input": input}, {}, label)
