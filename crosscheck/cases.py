"""Option variations for the cross-implementation checks.

``tests/samples`` give one valid call per op, data type and rank; the
variations here exercise each op's options (layouts, strides, rounding,
directions, keepDimensions, ...).  Each builder function takes an
``MLGraphBuilder`` and a float data type and returns the op's result(s).
Graph inputs are named after the op's argument they feed (``x``, ``w``,
``bias``, ``i`` for indices ...); the cross-check fills them with data fit for
that argument.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import webnnpy
from webnnpy._spec import to_py_name

__all__ = ["VARIATIONS", "Variation"]

Builder = webnnpy.MLGraphBuilder


@dataclass(frozen=True)
class Variation:
    """One option combination of one op, for each of ``data_types``."""

    op: str
    name: str
    fn: Callable[[Builder, str], Any]
    data_types: tuple[str, ...] = ("float32", "float16")
    #: input name -> "specials" (NaN, infinities, zeros, halves) or "ties"
    data: tuple[tuple[str, str], ...] = ()
    #: why a difference here is allowed by the spec ("" if it is not)
    unspecified: str = ""


def _in(b: Builder, name: str, dt: str, shape: list[int]) -> webnnpy.MLOperand:
    return b.input(name, {"data_type": dt, "shape": shape})


V: list[Variation] = []


def var(op: str, name: str, data_types: tuple[str, ...] = ("float32", "float16"),
        data: tuple[tuple[str, str], ...] = (), unspecified: str = ""
        ) -> Callable[..., Any]:
    """Register a variation."""
    def deco(fn: Callable[[Builder, str], Any]) -> Callable[[Builder, str], Any]:
        V.append(Variation(op, name, fn, data_types, data, unspecified))
        return fn
    return deco


_INTS = ("int32", "uint32", "int64", "uint64", "int8", "uint8")
_SIGNED = ("int32", "int64", "int8")

# ------------------------------------------------------------ element-wise

for _op in ("abs", "ceil", "cos", "erf", "exp", "floor", "identity", "log", "neg",
            "reciprocal", "roundEven", "sin", "sign", "sqrt", "tan", "isNaN",
            "isInfinite"):
    def _unary_specials(b: Builder, dt: str, _m: str = to_py_name(_op)
                        ) -> Any:
        return getattr(b, _m)(_in(b, "x", dt, [4, 6]))
    var(_op, "special values (NaN, +-inf, +-0, halves)",
        data=(("x", "specials"),))(_unary_specials)

for _op in ("add", "sub", "mul", "div", "max", "min", "pow"):
    def _binary_both(b: Builder, dt: str, _m: str = _op) -> Any:
        return getattr(b, _m)(_in(b, "a", dt, [3, 1, 4]), _in(b, "b", dt, [2, 1]))
    var(_op, "two-sided broadcast [3,1,4] x [2,1]")(_binary_both)

for _op in ("add", "sub", "mul", "div", "max", "min"):
    def _binary_int(b: Builder, dt: str, _m: str = _op) -> Any:
        return getattr(b, _m)(_in(b, "a", dt, [4, 5]), _in(b, "b", dt, [4, 5]))
    var(_op, "integers incl. negative (div: truncation)", _SIGNED)(_binary_int)

_NAN_MAX = ("the spec defines max/min as selecting the greater/lesser value and "
            "says nothing of NaN")
for _op in ("equal", "notEqual", "greater", "greaterOrEqual", "lesser",
            "lesserOrEqual", "max", "min"):
    def _cmp_specials(b: Builder, dt: str, _m: str = to_py_name(_op)
                      ) -> Any:
        return getattr(b, _m)(_in(b, "a", dt, [4, 6]), _in(b, "b", dt, [4, 6]))
    var(_op, "NaN, infinities, equal values",
        data=(("a", "specials"), ("b", "specials")),
        unspecified=_NAN_MAX if _op in ("max", "min") else "")(_cmp_specials)


@var("pow", "integer exponents of negative bases", data=(("a", "signed"),))
def _pow_neg(b: Builder, dt: str) -> Any:
    return b.pow(_in(b, "a", dt, [3, 4]), b.constant(dt, 3))


# ------------------------------------------------------------- activations


@var("elu", "alpha=0.5")
def _elu(b: Builder, dt: str) -> Any:
    return b.elu(_in(b, "x", dt, [3, 4]), alpha=0.5)


@var("hardSigmoid", "alpha=0.3 beta=0.4")
def _hsig(b: Builder, dt: str) -> Any:
    return b.hard_sigmoid(_in(b, "x", dt, [3, 4]), alpha=0.3, beta=0.4)


@var("leakyRelu", "alpha=0.2")
def _lrelu(b: Builder, dt: str) -> Any:
    return b.leaky_relu(_in(b, "x", dt, [3, 4]), alpha=0.2)


@var("linear", "alpha=2 beta=-1")
def _linear(b: Builder, dt: str) -> Any:
    return b.linear(_in(b, "x", dt, [3, 4]), alpha=2, beta=-1)


@var("softmax", "axis=0 of 3-D")
def _softmax0(b: Builder, dt: str) -> Any:
    return b.softmax(_in(b, "x", dt, [3, 2, 4]), 0)


@var("clamp", "minValue only")
def _clamp_min(b: Builder, dt: str) -> Any:
    return b.clamp(_in(b, "x", dt, [3, 4]), min_value=-0.5)


@var("clamp", "maxValue only")
def _clamp_max(b: Builder, dt: str) -> Any:
    return b.clamp(_in(b, "x", dt, [3, 4]), max_value=0.25)


@var("clamp", "no bounds", data=(("x", "specials"),))
def _clamp_none(b: Builder, dt: str) -> Any:
    return b.clamp(_in(b, "x", dt, [4, 6]))


@var("clamp", "integer bounds", _INTS)
def _clamp_int(b: Builder, dt: str) -> Any:
    return b.clamp(_in(b, "x", dt, [3, 4]), min_value=1, max_value=2)


@var("prelu", "slope of the full shape")
def _prelu_full(b: Builder, dt: str) -> Any:
    return b.prelu(_in(b, "x", dt, [2, 3, 4]), _in(b, "slope", dt, [2, 3, 4]))


@var("prelu", "slope broadcast on the channel axis")
def _prelu_c(b: Builder, dt: str) -> Any:
    return b.prelu(_in(b, "x", dt, [1, 3, 2, 2]), _in(b, "slope", dt, [3, 1, 1]))


for _op, _m in (("relu", "relu"), ("abs", "abs"), ("neg", "neg"), ("sign", "sign"),
                ("prelu", "prelu")):
    def _int_act(b: Builder, dt: str, _m: str = _m) -> Any:
        x = _in(b, "x", dt, [3, 4])
        if _m == "prelu":
            return b.prelu(x, _in(b, "slope", dt, [4]))
        return getattr(b, _m)(x)
    var(_op, "signed integers", _SIGNED)(_int_act)

# --------------------------------------------------------- conv and pools


def _conv(b: Builder, dt: str, x_shape: list[int], w_shape: list[int],
          bias: int | None = None, **kw: Any) -> Any:
    x = _in(b, "x", dt, x_shape)
    w = _in(b, "w", dt, w_shape)
    if bias is not None:
        kw["bias"] = _in(b, "bias", dt, [bias])
    return b.conv2d(x, w, **kw)


@var("conv2d", "nhwc input, ohwi filter")
def _conv_nhwc(b: Builder, dt: str) -> Any:
    return _conv(b, dt, [1, 5, 5, 3], [4, 3, 3, 3], 4, input_layout="nhwc",
                 filter_layout="ohwi")


@var("conv2d", "nhwc input, hwio filter, padding 1")
def _conv_hwio(b: Builder, dt: str) -> Any:
    return _conv(b, dt, [1, 5, 5, 3], [3, 3, 3, 4], 4, input_layout="nhwc",
                 filter_layout="hwio", padding=[1, 1, 1, 1])


@var("conv2d", "depthwise: groups=3, ihwo filter, nhwc")
def _conv_dw(b: Builder, dt: str) -> Any:
    return _conv(b, dt, [1, 5, 5, 3], [1, 3, 3, 3], 3, input_layout="nhwc",
                 filter_layout="ihwo", groups=3)


@var("conv2d", "strides 2, dilations 2, asymmetric padding, no bias")
def _conv_sd(b: Builder, dt: str) -> Any:
    return _conv(b, dt, [2, 2, 7, 6], [3, 2, 2, 3], None, strides=[2, 2],
                 dilations=[2, 2], padding=[0, 1, 2, 0])


@var("conv2d", "groups=2, oihw")
def _conv_g(b: Builder, dt: str) -> Any:
    return _conv(b, dt, [1, 4, 4, 4], [6, 2, 3, 3], 6, groups=2, padding=[1, 1, 1, 1])


def _convt(b: Builder, dt: str, x_shape: list[int], w_shape: list[int],
           bias: int | None = None, **kw: Any) -> Any:
    x = _in(b, "x", dt, x_shape)
    w = _in(b, "w", dt, w_shape)
    if bias is not None:
        kw["bias"] = _in(b, "bias", dt, [bias])
    return b.conv_transpose2d(x, w, **kw)


@var("convTranspose2d", "strides 2, outputPadding [1, 1]")
def _convt_op(b: Builder, dt: str) -> Any:
    return _convt(b, dt, [1, 2, 3, 3], [2, 3, 3, 3], 3, strides=[2, 2],
                  output_padding=[1, 1])


@var("convTranspose2d", "outputSizes [8, 7], strides 2, padding 1")
def _convt_os(b: Builder, dt: str) -> Any:
    return _convt(b, dt, [1, 2, 4, 4], [2, 3, 3, 3], None, strides=[2, 2],
                  padding=[1, 1, 1, 1], output_sizes=[8, 7])


@var("convTranspose2d", "nhwc input, ohwi filter")
def _convt_nhwc(b: Builder, dt: str) -> Any:
    return _convt(b, dt, [1, 3, 3, 2], [4, 2, 2, 2], 4, input_layout="nhwc",
                  filter_layout="ohwi", strides=[2, 1])


@var("convTranspose2d", "nhwc input, hwoi filter, dilations 2")
def _convt_hwoi(b: Builder, dt: str) -> Any:
    return _convt(b, dt, [1, 3, 3, 2], [2, 2, 4, 2], 4, input_layout="nhwc",
                  filter_layout="hwoi", dilations=[2, 2])


@var("convTranspose2d", "groups=2")
def _convt_g(b: Builder, dt: str) -> Any:
    return _convt(b, dt, [1, 4, 3, 3], [4, 2, 2, 2], 4, groups=2)


for _op, _m in (("averagePool2d", "average_pool2d"), ("l2Pool2d", "l2_pool2d"),
                ("maxPool2d", "max_pool2d")):
    def _pool_ceil(b: Builder, dt: str, _m: str = _m) -> Any:
        return getattr(b, _m)(_in(b, "x", dt, [1, 2, 5, 5]), window_dimensions=[2, 2],
                              strides=[2, 2], output_shape_rounding="ceil")

    def _pool_sizes(b: Builder, dt: str, _m: str = _m) -> Any:
        return getattr(b, _m)(_in(b, "x", dt, [1, 2, 5, 5]), window_dimensions=[2, 2],
                              strides=[2, 2], output_sizes=[3, 3])

    def _pool_pad(b: Builder, dt: str, _m: str = _m) -> Any:
        return getattr(b, _m)(_in(b, "x", dt, [1, 2, 4, 4]), window_dimensions=[3, 3],
                              padding=[1, 1, 1, 1])

    def _pool_nhwc(b: Builder, dt: str, _m: str = _m) -> Any:
        return getattr(b, _m)(_in(b, "x", dt, [1, 5, 4, 3]), window_dimensions=[2, 3],
                              strides=[1, 2], layout="nhwc")

    def _pool_global(b: Builder, dt: str, _m: str = _m) -> Any:
        return getattr(b, _m)(_in(b, "x", dt, [2, 3, 4, 5]))

    def _pool_dil(b: Builder, dt: str, _m: str = _m) -> Any:
        return getattr(b, _m)(_in(b, "x", dt, [1, 1, 6, 6]), window_dimensions=[2, 2],
                              dilations=[2, 2])

    var(_op, "ceil rounding (windows past the edge)")(_pool_ceil)
    var(_op, "outputSizes selecting ceil")(_pool_sizes)
    var(_op, "padding 1 (window over the padding)")(_pool_pad)
    var(_op, "nhwc, window 2x3, strides [1, 2]")(_pool_nhwc)
    var(_op, "global (no windowDimensions)")(_pool_global)
    var(_op, "dilations 2")(_pool_dil)


@var("maxPool2d", "integers", _INTS)
def _maxpool_int(b: Builder, dt: str) -> Any:
    return b.max_pool2d(_in(b, "x", dt, [1, 2, 4, 4]), window_dimensions=[2, 2])


# ----------------------------------------------------- matmul and norms


@var("matmul", "batch broadcast [2,1,3,4] x [5,4,2]")
def _matmul_b(b: Builder, dt: str) -> Any:
    return b.matmul(_in(b, "a", dt, [2, 1, 3, 4]), _in(b, "b", dt, [5, 4, 2]))


@var("gemm", "no c, alpha 0.5")
def _gemm_noc(b: Builder, dt: str) -> Any:
    return b.gemm(_in(b, "a", dt, [3, 4]), _in(b, "b", dt, [4, 2]), alpha=0.5)


@var("gemm", "c [1, 2] broadcast, beta 2, bTranspose")
def _gemm_c(b: Builder, dt: str) -> Any:
    return b.gemm(_in(b, "a", dt, [3, 4]), _in(b, "b", dt, [2, 4]),
                  c=_in(b, "c", dt, [1, 2]), beta=2.0, b_transpose=True)


@var("gemm", "scalar c")
def _gemm_sc(b: Builder, dt: str) -> Any:
    return b.gemm(_in(b, "a", dt, [3, 4]), _in(b, "b", dt, [4, 2]),
                  c=_in(b, "c", dt, []))


@var("batchNormalization", "axis 3 (nhwc), no scale/bias, epsilon 1e-3")
def _bn_nhwc(b: Builder, dt: str) -> Any:
    return b.batch_normalization(_in(b, "x", dt, [1, 2, 2, 3]),
                                 _in(b, "mean", dt, [3]), _in(b, "var", dt, [3]),
                                 axis=3, epsilon=1e-3)


@var("batchNormalization", "scale only, 3-D")
def _bn_scale(b: Builder, dt: str) -> Any:
    return b.batch_normalization(_in(b, "x", dt, [2, 3, 4]), _in(b, "mean", dt, [3]),
                                 _in(b, "var", dt, [3]),
                                 scale=_in(b, "scale", dt, [3]))


@var("instanceNormalization", "nhwc")
def _in_nhwc(b: Builder, dt: str) -> Any:
    return b.instance_normalization(_in(b, "x", dt, [2, 3, 3, 4]),
                                    scale=_in(b, "scale", dt, [4]),
                                    bias=_in(b, "bias", dt, [4]), layout="nhwc")


@var("instanceNormalization", "no scale/bias, epsilon 1e-2")
def _in_plain(b: Builder, dt: str) -> Any:
    return b.instance_normalization(_in(b, "x", dt, [1, 2, 3, 3]), epsilon=1e-2)


@var("layerNormalization", "axes [2, 3]")
def _ln_23(b: Builder, dt: str) -> Any:
    return b.layer_normalization(_in(b, "x", dt, [2, 3, 4, 5]),
                                 scale=_in(b, "scale", dt, [4, 5]),
                                 bias=_in(b, "bias", dt, [4, 5]), axes=[2, 3])


@var("layerNormalization", "axes [0] (the batch axis)")
def _ln_0(b: Builder, dt: str) -> Any:
    return b.layer_normalization(_in(b, "x", dt, [3, 4]), axes=[0])


@var("layerNormalization", "non-contiguous axes [1, 3], no scale/bias")
def _ln_13(b: Builder, dt: str) -> Any:
    return b.layer_normalization(_in(b, "x", dt, [2, 3, 2, 4]), axes=[1, 3])


@var("layerNormalization", "axes [] (nothing normalized)")
def _ln_empty(b: Builder, dt: str) -> Any:
    return b.layer_normalization(_in(b, "x", dt, [2, 3]), axes=[])


# -------------------------------------------------------------- reductions

_REDUCE = ("reduceL1", "reduceL2", "reduceLogSum", "reduceLogSumExp", "reduceMax",
           "reduceMean", "reduceMin", "reduceProduct", "reduceSum", "reduceSumSquare")
for _op in _REDUCE:
    _m = to_py_name(_op)

    def _red_keep(b: Builder, dt: str, _m: str = _m) -> Any:
        return getattr(b, _m)(_in(b, "x", dt, [2, 3, 4]), axes=[0, 2],
                              keep_dimensions=True)

    def _red_all(b: Builder, dt: str, _m: str = _m) -> Any:
        return getattr(b, _m)(_in(b, "x", dt, [2, 3, 4]))

    def _red_none(b: Builder, dt: str, _m: str = _m) -> Any:
        return getattr(b, _m)(_in(b, "x", dt, [2, 3]), axes=[])

    var(_op, "axes [0, 2], keepDimensions")(_red_keep)
    var(_op, "every axis (axes absent)")(_red_all)
    var(_op, "axes [] (no reduction)")(_red_none)

for _op in ("argMin", "argMax"):
    _m = to_py_name(_op)

    def _arg_keep(b: Builder, dt: str, _m: str = _m) -> Any:
        return getattr(b, _m)(_in(b, "x", dt, [3, 4, 2]), 1, keep_dimensions=True)

    def _arg_i64(b: Builder, dt: str, _m: str = _m) -> Any:
        return getattr(b, _m)(_in(b, "x", dt, [3, 4]), 1, output_data_type="int64")

    def _arg_ties(b: Builder, dt: str, _m: str = _m) -> Any:
        return getattr(b, _m)(_in(b, "x", dt, [4, 6]), 1)

    var(_op, "axis 1, keepDimensions")(_arg_keep)
    var(_op, "outputDataType int64")(_arg_i64)
    var(_op, "ties (tie-breaking is implementation-dependent)",
        data=(("x", "ties"),),
        unspecified="the spec: tie-breaking is implementation dependent")(_arg_ties)


@var("cumulativeSum", "exclusive")
def _cs_ex(b: Builder, dt: str) -> Any:
    return b.cumulative_sum(_in(b, "x", dt, [3, 4]), 1, exclusive=True)


@var("cumulativeSum", "reversed, axis 0")
def _cs_rev(b: Builder, dt: str) -> Any:
    return b.cumulative_sum(_in(b, "x", dt, [3, 4]), 0, reversed=True)


@var("cumulativeSum", "exclusive and reversed")
def _cs_both(b: Builder, dt: str) -> Any:
    return b.cumulative_sum(_in(b, "x", dt, [3, 4]), 1, exclusive=True, reversed=True)


# ------------------------------------------------------------------ shape


@var("transpose", "permutation [1, 2, 0]")
def _tr(b: Builder, dt: str) -> Any:
    return b.transpose(_in(b, "x", dt, [2, 3, 4]), permutation=[1, 2, 0])


@var("slice", "strides [2, 3]")
def _slice_st(b: Builder, dt: str) -> Any:
    return b.slice(_in(b, "x", dt, [5, 7]), [1, 0], [4, 7], strides=[2, 3])


@var("split", "sizes [1, 3] on axis 1")
def _split_l(b: Builder, dt: str) -> Any:
    return b.split(_in(b, "x", dt, [2, 4]), [1, 3], axis=1)


@var("pad", "constant value 2.5")
def _pad_c(b: Builder, dt: str) -> Any:
    return b.pad(_in(b, "x", dt, [2, 3]), [1, 2], [2, 0], value=2.5)


@var("pad", "reflection")
def _pad_r(b: Builder, dt: str) -> Any:
    return b.pad(_in(b, "x", dt, [3, 4]), [2, 1], [1, 3], mode="reflection")


@var("pad", "edge, 4-D")
def _pad_e(b: Builder, dt: str) -> Any:
    return b.pad(_in(b, "x", dt, [1, 2, 3, 3]), [0, 0, 2, 1], [0, 0, 1, 2],
                 mode="edge")


@var("pad", "constant value 7 on integers", _INTS)
def _pad_int(b: Builder, dt: str) -> Any:
    return b.pad(_in(b, "x", dt, [2, 3]), [1, 1], [1, 1], value=7)


@var("expand", "to a higher rank")
def _expand_r(b: Builder, dt: str) -> Any:
    return b.expand(_in(b, "x", dt, [3, 1]), [2, 3, 4])


@var("tile", "repetitions [2, 3]")
def _tile(b: Builder, dt: str) -> Any:
    return b.tile(_in(b, "x", dt, [2, 3]), [2, 3])


@var("reverse", "axes [0]")
def _rev0(b: Builder, dt: str) -> Any:
    return b.reverse(_in(b, "x", dt, [3, 4]), axes=[0])


@var("reverse", "axes [] (no change)")
def _rev_none(b: Builder, dt: str) -> Any:
    return b.reverse(_in(b, "x", dt, [3, 4]), axes=[])


_kw: dict[str, Any]  # the loops below bind option dicts of several shapes
for _name, _kw in (("lower", {"upper": False}), ("upper, diagonal 1", {"diagonal": 1}),
                   ("upper, diagonal -1", {"diagonal": -1}),
                   ("lower, diagonal 2", {"upper": False, "diagonal": 2}),
                   ("lower, diagonal -3", {"upper": False, "diagonal": -3})):
    def _tri(b: Builder, dt: str, _kw: dict[str, Any] = _kw) -> Any:
        return b.triangular(_in(b, "x", dt, [2, 3, 4]), **_kw)
    var("triangular", _name)(_tri)


@var("concat", "three inputs on axis 0")
def _concat3(b: Builder, dt: str) -> Any:
    return b.concat([_in(b, "x", dt, [1, 3]), _in(b, "y", dt, [2, 3]),
                     _in(b, "z", dt, [3, 3])], 0)


@var("reshape", "to a scalar")
def _reshape_s(b: Builder, dt: str) -> Any:
    return b.reshape(_in(b, "x", dt, [1, 1]), [])


# -------------------------------------------------------- gather / scatter


@var("gather", "2-D indices on axis 0")
def _gather2(b: Builder, dt: str) -> Any:
    return b.gather(_in(b, "x", dt, [4, 3]), _in(b, "i", "int32", [2, 2]))


@var("gather", "negative indices", data=(("i", "negative"),))
def _gather_neg(b: Builder, dt: str) -> Any:
    return b.gather(_in(b, "x", dt, [4, 3]), _in(b, "i", "int32", [3]), axis=1)


@var("gather", "int64 indices, scalar index")
def _gather_i64(b: Builder, dt: str) -> Any:
    return b.gather(_in(b, "x", dt, [4, 3]), _in(b, "i", "int64", []), axis=1)


@var("gather", "uint32 indices")
def _gather_u32(b: Builder, dt: str) -> Any:
    return b.gather(_in(b, "x", dt, [4, 3]), _in(b, "i", "uint32", [5]))


@var("gatherElements", "axis 1")
def _ge1(b: Builder, dt: str) -> Any:
    return b.gather_elements(_in(b, "x", dt, [3, 4]), _in(b, "i", "int32", [3, 2]),
                             axis=1)


@var("gatherElements", "negative indices", data=(("i", "negative"),))
def _ge_neg(b: Builder, dt: str) -> Any:
    return b.gather_elements(_in(b, "x", dt, [3, 4]), _in(b, "i", "int32", [2, 4]))


@var("gatherND", "full coordinates")
def _gnd_full(b: Builder, dt: str) -> Any:
    return b.gather_nd(_in(b, "x", dt, [3, 4]), _in(b, "i", "int32", [5, 2]))


@var("gatherND", "negative coordinates", data=(("i", "negative"),))
def _gnd_neg(b: Builder, dt: str) -> Any:
    return b.gather_nd(_in(b, "x", dt, [3, 4, 2]), _in(b, "i", "int32", [2, 2]))


@var("scatterElements", "axis 1")
def _se1(b: Builder, dt: str) -> Any:
    return b.scatter_elements(_in(b, "x", dt, [3, 4]), _in(b, "i", "int32", [3, 2]),
                              _in(b, "u", dt, [3, 2]), axis=1)


@var("scatterElements", "negative indices", data=(("i", "negative"),))
def _se_neg(b: Builder, dt: str) -> Any:
    return b.scatter_elements(_in(b, "x", dt, [3, 4]), _in(b, "i", "int32", [2, 4]),
                              _in(b, "u", dt, [2, 4]))


@var("scatterND", "element updates")
def _snd_el(b: Builder, dt: str) -> Any:
    return b.scatter_nd(_in(b, "x", dt, [3, 4]), _in(b, "i", "int32", [3, 2]),
                        _in(b, "u", dt, [3]))


@var("scatterND", "negative coordinates", data=(("i", "negative"),))
def _snd_neg(b: Builder, dt: str) -> Any:
    return b.scatter_nd(_in(b, "x", dt, [3, 4]), _in(b, "i", "int32", [2, 1]),
                        _in(b, "u", dt, [2, 4]))


# ------------------------------------------------------------------- misc


@var("where", "all three broadcast")
def _where3(b: Builder, dt: str) -> Any:
    return b.where(_in(b, "c", "uint8", [3, 1]), _in(b, "t", dt, [1, 4]),
                   _in(b, "f", dt, [3, 4]))


for _to in ("float32", "float16", "int32", "uint32", "int64", "uint64", "int8",
            "uint8"):
    def _cast_f(b: Builder, dt: str, _to: str = _to) -> Any:
        return b.cast(_in(b, "x", dt, [3, 4]), _to)

    def _cast_i(b: Builder, dt: str, _to: str = _to) -> Any:
        return b.cast(_in(b, "x", dt, [3, 4]), _to)
    var("cast", f"to {_to}")(_cast_f)
    var("cast", f"to {_to} from integers", _INTS)(_cast_i)


for _name, _kw in (
        ("nearest, scales [2, 3]", {"scales": [2.0, 3.0]}),
        ("nearest, downscale scales [0.5, 0.5]", {"scales": [0.5, 0.5]}),
        ("nearest, sizes [5, 7]", {"sizes": [5, 7]}),
        ("linear, scales [2, 2]", {"mode": "linear", "scales": [2.0, 2.0]}),
        ("linear, sizes [3, 5]", {"mode": "linear", "sizes": [3, 5]}),
        ("linear, downscale scales [0.5, 0.5]",
         {"mode": "linear", "scales": [0.5, 0.5]}),
        ("linear, axes [1, 2] (nhwc)", {"mode": "linear", "scales": [2.0, 2.0],
                                        "axes": [1, 2]}),
        ("nearest, axes [1, 2] (nhwc)", {"sizes": [6, 5], "axes": [1, 2]}),
        ("linear, axes [3, 2] (swapped)", {"mode": "linear", "sizes": [5, 6],
                                           "axes": [3, 2]})):
    def _rs(b: Builder, dt: str, _kw: dict[str, Any] = _kw) -> Any:
        return b.resample2d(_in(b, "x", dt, [1, 2, 4, 4]), **_kw)
    var("resample2d", _name)(_rs)


# -------------------------------------------------------------- recurrent

_S, _N, _I, _H = 3, 2, 3, 4


def _gru(b: Builder, dt: str, dirs: int, *, bias: bool = True, **kw: Any) -> Any:
    x = _in(b, "x", dt, [_S, _N, _I])
    w = _in(b, "w", dt, [dirs, 3 * _H, _I])
    r = _in(b, "r", dt, [dirs, 3 * _H, _H])
    if bias:
        kw["bias"] = _in(b, "bias", dt, [dirs, 3 * _H])
        kw["recurrent_bias"] = _in(b, "rbias", dt, [dirs, 3 * _H])
    return b.gru(x, w, r, _S, _H, **kw)


def _lstm(b: Builder, dt: str, dirs: int, *, bias: bool = True,
          peephole: bool = True, **kw: Any) -> Any:
    x = _in(b, "x", dt, [_S, _N, _I])
    w = _in(b, "w", dt, [dirs, 4 * _H, _I])
    r = _in(b, "r", dt, [dirs, 4 * _H, _H])
    if bias:
        kw["bias"] = _in(b, "bias", dt, [dirs, 4 * _H])
        kw["recurrent_bias"] = _in(b, "rbias", dt, [dirs, 4 * _H])
    if peephole:
        kw["peephole_weight"] = _in(b, "p", dt, [dirs, 3 * _H])
    return b.lstm(x, w, r, _S, _H, **kw)


for _name, _dirs, _kw in (
        ("backward", 1, {"direction": "backward", "return_sequence": True}),
        ("both directions", 2, {"direction": "both", "return_sequence": True}),
        ("rzn layout", 1, {"layout": "rzn"}),
        ("resetAfter false", 1, {"reset_after": False, "return_sequence": True}),
        ("activations [relu, tanh]", 1, {"activations": ["relu", "tanh"]}),
        ("activations [sigmoid, relu], no bias", 1,
         {"activations": ["sigmoid", "relu"], "bias": False}),
        ("both, rzn, resetAfter false", 2,
         {"direction": "both", "layout": "rzn", "reset_after": False,
          "return_sequence": True})):
    def _g(b: Builder, dt: str, _dirs: int = _dirs, _kw: dict[str, Any] = _kw
           ) -> Any:
        return _gru(b, dt, _dirs, **_kw)
    var("gru", _name)(_g)

for _name, _dirs, _kw in (
        ("backward", 1, {"direction": "backward", "return_sequence": True}),
        ("both directions", 2, {"direction": "both", "return_sequence": True}),
        ("ifgo layout", 1, {"layout": "ifgo"}),
        ("no peephole, no bias", 1, {"peephole": False, "bias": False}),
        ("activations [sigmoid, relu, tanh]", 1,
         {"activations": ["sigmoid", "relu", "tanh"]}),
        ("both, ifgo", 2, {"direction": "both", "layout": "ifgo",
                           "return_sequence": True})):
    def _l(b: Builder, dt: str, _dirs: int = _dirs, _kw: dict[str, Any] = _kw
           ) -> Any:
        return _lstm(b, dt, _dirs, **_kw)
    var("lstm", _name)(_l)


def _gru_cell(b: Builder, dt: str, **kw: Any) -> Any:
    x = _in(b, "x", dt, [_N, _I])
    w = _in(b, "w", dt, [3 * _H, _I])
    r = _in(b, "r", dt, [3 * _H, _H])
    h = _in(b, "h", dt, [_N, _H])
    return b.gru_cell(x, w, r, h, _H, bias=_in(b, "bias", dt, [3 * _H]), **kw)


for _name, _kw in (("rzn layout", {"layout": "rzn"}),
                   ("resetAfter false", {"reset_after": False}),
                   ("activations [tanh, sigmoid]",
                    {"activations": ["tanh", "sigmoid"]})):
    def _gc(b: Builder, dt: str, _kw: dict[str, Any] = _kw) -> Any:
        return _gru_cell(b, dt, **_kw)
    var("gruCell", _name)(_gc)


def _lstm_cell(b: Builder, dt: str, **kw: Any) -> Any:
    x = _in(b, "x", dt, [_N, _I])
    w = _in(b, "w", dt, [4 * _H, _I])
    r = _in(b, "r", dt, [4 * _H, _H])
    h = _in(b, "h", dt, [_N, _H])
    c = _in(b, "c", dt, [_N, _H])
    return b.lstm_cell(x, w, r, h, c, _H, **kw)


for _name, _kw in (("ifgo layout, no bias", {"layout": "ifgo"}),
                   ("activations [relu, tanh, sigmoid]",
                    {"activations": ["relu", "tanh", "sigmoid"]})):
    def _lc(b: Builder, dt: str, _kw: dict[str, Any] = _kw) -> Any:
        return _lstm_cell(b, dt, **_kw)
    var("lstmCell", _name)(_lc)


# --------------------------------------------- int4 / uint4 (the extension)

for _src, _dst in (("int4", "float32"), ("uint4", "float32"), ("int32", "int4"),
                   ("int32", "uint4"), ("float32", "int4"), ("int4", "int32")):
    def _cast4(b: Builder, dt: str, _src: str = _src, _dst: str = _dst) -> Any:
        return b.cast(_in(b, "x", _src, [3, 5]), _dst)
    var("cast", f"{_src} -> {_dst}", ("float32",))(_cast4)


def _int4_reshape(b: Builder, dt: str) -> Any:
    return b.reshape(_in(b, "x", dt, [3, 5]), [5, 3])


def _int4_concat(b: Builder, dt: str) -> Any:
    return b.concat([_in(b, "a", dt, [3, 5]), _in(b, "b", dt, [1, 5])], 0)


var("reshape", "[3, 5] -> [5, 3] (odd element count)", ("int4", "uint4"))(
    _int4_reshape)
var("concat", "[3, 5] + [1, 5] on axis 0 (odd rows)", ("int4", "uint4"))(
    _int4_concat)

# ----------------------------------------------------------- quantization

for _zp in ("int8", "uint8", "int32", "uint32", "int4", "uint4"):
    def _q_tensor(b: Builder, dt: str, _zp: str = _zp) -> Any:
        return b.quantize_linear(_in(b, "x", dt, [3, 4]),
                                 _in(b, "scale", dt, [1, 1]),
                                 _in(b, "zero_point", _zp, [1, 1]))

    def _q_axis(b: Builder, dt: str, _zp: str = _zp) -> Any:
        return b.quantize_linear(_in(b, "x", dt, [3, 4]),
                                 _in(b, "scale", dt, [3, 1]),
                                 _in(b, "zero_point", _zp, [3, 1]))

    def _dq_tensor(b: Builder, dt: str, _zp: str = _zp) -> Any:
        return b.dequantize_linear(_in(b, "x", _zp, [3, 4]),
                                   _in(b, "scale", dt, [1, 1]),
                                   _in(b, "zero_point", _zp, [1, 1]))

    def _dq_block(b: Builder, dt: str, _zp: str = _zp) -> Any:
        return b.dequantize_linear(_in(b, "x", _zp, [4, 6]),
                                   _in(b, "scale", dt, [2, 3]),
                                   _in(b, "zero_point", _zp, [2, 3]))

    var("quantizeLinear", f"per-tensor, {_zp} zeroPoint")(_q_tensor)
    var("quantizeLinear", f"per-axis, {_zp} zeroPoint")(_q_axis)
    var("dequantizeLinear", f"per-tensor, {_zp} input")(_dq_tensor)
    var("dequantizeLinear", f"blockwise 2x2, {_zp} input")(_dq_block)


@var("quantizeLinear", "halves and saturation",
     data=(("x", "quantize_edges"), ("scale", "one")))
def _q_edges(b: Builder, dt: str) -> Any:
    return b.quantize_linear(_in(b, "x", dt, [4, 6]), _in(b, "scale", dt, [1, 1]),
                             _in(b, "zero_point", "int8", [1, 1]))


# ------------------------------------------- accumulation over many elements

@var("reduceSum", "4096 elements (accumulation)")
def _big_sum(b: Builder, dt: str) -> Any:
    return b.reduce_sum(_in(b, "x", dt, [4, 4096]), axes=[1])


@var("reduceMean", "4096 elements (accumulation)")
def _big_mean(b: Builder, dt: str) -> Any:
    return b.reduce_mean(_in(b, "x", dt, [4, 4096]), axes=[1])


@var("matmul", "inner dimension 1024 (accumulation)")
def _big_matmul(b: Builder, dt: str) -> Any:
    return b.matmul(_in(b, "a", dt, [4, 1024]), _in(b, "b", dt, [1024, 8]))


@var("softmax", "1000 classes")
def _big_softmax(b: Builder, dt: str) -> Any:
    return b.softmax(_in(b, "x", dt, [2, 1000]), 1)


@var("layerNormalization", "4096 elements")
def _big_ln(b: Builder, dt: str) -> Any:
    return b.layer_normalization(_in(b, "x", dt, [2, 4096]), axes=[1])


@var("conv2d", "3x3x64 -> 64 (accumulation over 576 terms)")
def _big_conv(b: Builder, dt: str) -> Any:
    return _conv(b, dt, [1, 64, 6, 6], [64, 64, 3, 3], 64, padding=[1, 1, 1, 1])


_CAST_OOR = ("the spec's cast table: float to integer out of range (NaN and the "
             "infinities included) is implementation-defined")


@var("cast", "out of range and NaN to int8 (implementation-defined)",
     data=(("x", "out_of_range"),), unspecified=_CAST_OOR)
def _cast_oor(b: Builder, dt: str) -> Any:
    return b.cast(_in(b, "x", dt, [4, 6]), "int8")


@var("cast", "out of range and NaN to int32 (implementation-defined)",
     ("float32",), data=(("x", "out_of_range"),), unspecified=_CAST_OOR)
def _cast_oor32(b: Builder, dt: str) -> Any:
    return b.cast(_in(b, "x", dt, [4, 6]), "int32")


@var("cast", "out of range to float16 (+-Infinity)", ("float32",),
     data=(("x", "out_of_range"),))
def _cast_f16(b: Builder, dt: str) -> Any:
    return b.cast(_in(b, "x", dt, [4, 6]), "float16")


VARIATIONS: tuple[Variation, ...] = tuple(V)
