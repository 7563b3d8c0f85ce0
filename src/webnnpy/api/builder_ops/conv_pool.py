"""MLGraphBuilder methods of the conv_pool family: conv2d, convTranspose2d and
the pooling operations averagePool2d, l2Pool2d and maxPool2d.

The ``# Spec:`` lines quote the IDL signatures whole (E501 is exempted for
``src/webnnpy/api`` in pyproject.toml).
"""

from __future__ import annotations

from collections.abc import Sequence

from webnnpy.api.builder_base import BuilderBase
from webnnpy.api.operand import MLOperand

__all__ = ["ConvPoolOps"]


class ConvPoolOps(BuilderBase):
    """Operator methods of the conv_pool family."""

    # Spec: MLOperand conv2d(MLOperand input, MLOperand filter, optional MLConv2dOptions options = {}) #api-mlgraphbuilder-conv2d
    def conv2d(
        self, input: MLOperand, filter: MLOperand, *,
        padding: Sequence[int] | None = None, strides: Sequence[int] | None = None,
        dilations: Sequence[int] | None = None, groups: int = 1,
        input_layout: str = "nchw", filter_layout: str = "oihw",
        bias: MLOperand | None = None, label: str = "",
    ) -> MLOperand:
        """2-D convolution of a 4-D input with a 4-D filter.

        Each output spatial size is
        ``1 + floor((inputSize - ((filterSize - 1) * dilation + 1) + beginningPadding + endingPadding) / stride)``.

        Args:
            input: the 4-D input, [batches, inputChannels, height, width]
                ("nchw") or [batches, height, width, inputChannels] ("nhwc").
            filter: the 4-D filter, of input's type, laid out per
                ``filter_layout``; its input-channel dimension is
                inputChannels / groups.
            padding, strides, dilations, groups, input_layout, filter_layout,
                bias: options of MLConv2dOptions:
                ``padding`` [beginningHeight, endingHeight, beginningWidth,
                endingWidth] zeros added around the input (absent: [0, 0, 0, 0]);
                ``strides`` [strideHeight, strideWidth] (absent: [1, 1]);
                ``dilations`` [dilationHeight, dilationWidth] of the filter
                (absent: [1, 1]); ``groups`` splits input and output channels
                into groups (depthwise: groups = inputChannels);
                ``input_layout`` "nchw" or "nhwc" (also the output's layout);
                ``filter_layout`` "oihw", "hwio", "ohwi" or "ihwo";
                ``bias`` a 1-D [outputChannels] tensor added to the result.
            label: the operator's label (MLOperatorOptions), used in errors.

        Returns:
            The 4-D result in ``input_layout``, of input's type.
        """
        return self._op("conv2d", {"input": input, "filter": filter, "bias": bias},
                        {"padding": padding, "strides": strides,
                         "dilations": dilations, "groups": groups,
                         "inputLayout": input_layout,
                         "filterLayout": filter_layout}, label)

    # Spec: MLOperand convTranspose2d(MLOperand input, MLOperand filter, optional MLConvTranspose2dOptions options = {}) #api-mlgraphbuilder-convtranspose2d
    def conv_transpose2d(
        self, input: MLOperand, filter: MLOperand, *,
        padding: Sequence[int] | None = None, strides: Sequence[int] | None = None,
        dilations: Sequence[int] | None = None,
        output_padding: Sequence[int] | None = None,
        output_sizes: Sequence[int] | None = None, groups: int = 1,
        input_layout: str = "nchw", filter_layout: str = "iohw",
        bias: MLOperand | None = None, label: str = "",
    ) -> MLOperand:
        """2-D transposed convolution (the gradient of conv2d with respect to
        its input) of a 4-D input with a 4-D filter.

        Unless ``output_sizes`` is given, each output spatial size is
        ``(inputSize - 1) * stride + (filterSize - 1) * dilation + 1 - beginningPadding - endingPadding + outputPadding``.

        Args:
            input: the 4-D input, [batches, inputChannels, height, width]
                ("nchw") or [batches, height, width, inputChannels] ("nhwc").
            filter: the 4-D filter, of input's type, laid out per
                ``filter_layout``; its output-channel dimension is
                outputChannels / groups.
            padding, strides, dilations, output_padding, output_sizes, groups,
                input_layout, filter_layout, bias: options of
                MLConvTranspose2dOptions:
                ``padding`` [beginningHeight, endingHeight, beginningWidth,
                endingWidth] removed from the full result (absent: zeros);
                ``strides`` and ``dilations`` (absent: [1, 1]);
                ``output_padding`` added to the end of each output dimension,
                each smaller than its stride (absent: [0, 0]);
                ``output_sizes`` [outputHeight, outputWidth], each in
                [computed, computed + stride), overriding ``output_padding``;
                ``groups`` splits the channels into groups;
                ``input_layout`` "nchw" or "nhwc" (also the output's layout);
                ``filter_layout`` "iohw", "hwoi" or "ohwi";
                ``bias`` a 1-D [outputChannels] tensor added to the result.
            label: the operator's label (MLOperatorOptions), used in errors.

        Returns:
            The 4-D result in ``input_layout``, of input's type.
        """
        return self._op("convTranspose2d",
                        {"input": input, "filter": filter, "bias": bias},
                        {"padding": padding, "strides": strides,
                         "dilations": dilations, "outputPadding": output_padding,
                         "outputSizes": output_sizes, "groups": groups,
                         "inputLayout": input_layout,
                         "filterLayout": filter_layout}, label)

    # Spec: MLOperand averagePool2d(MLOperand input, optional MLPool2dOptions options = {}) #api-mlgraphbuilder-pool2d-average
    def average_pool2d(
        self, input: MLOperand, *,
        window_dimensions: Sequence[int] | None = None,
        padding: Sequence[int] | None = None, strides: Sequence[int] | None = None,
        dilations: Sequence[int] | None = None, layout: str = "nchw",
        output_shape_rounding: str = "floor",
        output_sizes: Sequence[int] | None = None, label: str = "",
    ) -> MLOperand:
        """The average of each window of the input's spatial dimensions.

        Padded positions are not counted: each average is over the input
        elements the window covers.

        Args:
            input: the 4-D float input, [batches, channels, height, width]
                ("nchw") or [batches, height, width, channels] ("nhwc").
            window_dimensions, padding, strides, dilations, layout,
                output_shape_rounding, output_sizes: options of MLPool2dOptions:
                ``window_dimensions`` [windowHeight, windowWidth] (absent: the
                input's height and width, i.e. global pooling);
                ``padding`` [beginningHeight, endingHeight, beginningWidth,
                endingWidth] (absent: zeros); ``strides`` and ``dilations``
                (absent: [1, 1]); ``layout`` "nchw" or "nhwc";
                ``output_shape_rounding`` "floor" or "ceil" for the output
                size ``(inputSize - effectiveWindow + paddings) / stride + 1``;
                ``output_sizes`` [outputHeight, outputWidth], either the floor
                or the ceil sizes, overriding ``output_shape_rounding``.
            label: the operator's label (MLOperatorOptions), used in errors.

        Returns:
            The 4-D result in ``layout``, of input's type.
        """
        return self._op("averagePool2d", {"input": input},
                        {"windowDimensions": window_dimensions,
                         "padding": padding, "strides": strides,
                         "dilations": dilations, "layout": layout,
                         "outputShapeRounding": output_shape_rounding,
                         "outputSizes": output_sizes}, label)

    # Spec: MLOperand l2Pool2d(MLOperand input, optional MLPool2dOptions options = {}) #api-mlgraphbuilder-pool2d-l2
    def l2_pool2d(
        self, input: MLOperand, *,
        window_dimensions: Sequence[int] | None = None,
        padding: Sequence[int] | None = None, strides: Sequence[int] | None = None,
        dilations: Sequence[int] | None = None, layout: str = "nchw",
        output_shape_rounding: str = "floor",
        output_sizes: Sequence[int] | None = None, label: str = "",
    ) -> MLOperand:
        """The L2 norm (square root of the sum of squares) of each window of
        the input's spatial dimensions.

        Args:
            input: the 4-D float input, [batches, channels, height, width]
                ("nchw") or [batches, height, width, channels] ("nhwc").
            window_dimensions, padding, strides, dilations, layout,
                output_shape_rounding, output_sizes: options of MLPool2dOptions,
                as for :meth:`average_pool2d`.
            label: the operator's label (MLOperatorOptions), used in errors.

        Returns:
            The 4-D result in ``layout``, of input's type.
        """
        return self._op("l2Pool2d", {"input": input},
                        {"windowDimensions": window_dimensions,
                         "padding": padding, "strides": strides,
                         "dilations": dilations, "layout": layout,
                         "outputShapeRounding": output_shape_rounding,
                         "outputSizes": output_sizes}, label)

    # Spec: MLOperand maxPool2d(MLOperand input, optional MLPool2dOptions options = {}) #api-mlgraphbuilder-pool2d-max
    def max_pool2d(
        self, input: MLOperand, *,
        window_dimensions: Sequence[int] | None = None,
        padding: Sequence[int] | None = None, strides: Sequence[int] | None = None,
        dilations: Sequence[int] | None = None, layout: str = "nchw",
        output_shape_rounding: str = "floor",
        output_sizes: Sequence[int] | None = None, label: str = "",
    ) -> MLOperand:
        """The maximum of each window of the input's spatial dimensions
        (padded positions never win).

        Args:
            input: the 4-D input of any data type, [batches, channels, height,
                width] ("nchw") or [batches, height, width, channels] ("nhwc").
            window_dimensions, padding, strides, dilations, layout,
                output_shape_rounding, output_sizes: options of MLPool2dOptions,
                as for :meth:`average_pool2d`.
            label: the operator's label (MLOperatorOptions), used in errors.

        Returns:
            The 4-D result in ``layout``, of input's type.
        """
        return self._op("maxPool2d", {"input": input},
                        {"windowDimensions": window_dimensions,
                         "padding": padding, "strides": strides,
                         "dilations": dilations, "layout": layout,
                         "outputShapeRounding": output_shape_rounding,
                         "outputSizes": output_sizes}, label)
