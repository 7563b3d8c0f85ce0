"""ONNX lowerings of the misc family: where, cast and resample2d.

- ``where``: the uint8 condition is cast to bool (non-zero is true); a -0.0
  selected from trueValue keeps its sign (see ``_util.where``).
- ``cast``: ONNX Cast converts float to integer with C's conversion (wrapping
  or undefined out of range, NaN undefined); the reference truncates toward
  zero, saturates out of range and maps NaN to 0, so out-of-range and NaN
  elements are replaced before the Cast and patched after it.  Integer to
  integer keeps the low bits and integer/float to float round to nearest,
  as ONNX Runtime's Cast does.
- ``resample2d`` by integer factors (every resized axis's size a whole
  multiple of its input size; for "linear" a power of two, and float32) is
  ONNX ``Resize``, which ONNX Runtime runs in one pass (upsampling layers of
  FPN, YOLO and segmentation heads): nearest-neighbor as "asymmetric" /
  "floor" (output o reads input floor(o / k), which is the spec's
  ``ceil((o + 0.5) / k - 1)`` for a whole k, and o / k is exact or at least
  1/k away from the next integer), linear as "half_pixel" (coordinates
  (o + 0.5) / k - 0.5 are exact binary fractions for k a power of two, and
  ONNX Runtime clamps them to [0, I - 1] as the spec does) on the input
  padded with its edge samples (see ``_resize_linear``; only the two inner
  axes, or axes 1 and 2 of a 4-D NHWC tensor: ONNX Runtime's linear Resize
  refuses others).  Otherwise it
  gathers along each resized axis with source indices (and,
  for "linear", weights) computed at lowering time in exact integer
  arithmetic, as the reference does: nearest-neighbor is one Gather per
  axis; linear is ``lo * (1 - t) + hi * t`` per axis (the second axis first),
  in float32 for float types and in float64 for int8/uint8 (then rounded half
  to even), which reproduces the reference's rounding decisions; an output on
  a sample (t = 0) is that sample, so an infinite neighbour at weight 0 does
  not make it NaN.
"""

from __future__ import annotations

import numpy as np

from webnnpy.backends.onnxruntime.emitter import Emitter
from webnnpy.backends.onnxruntime.lower_ops._table import LoweringTable
from webnnpy.backends.onnxruntime.lower_ops._util import dtype_of, where
from webnnpy.dtypes import PACKED_TYPES, int_bounds
from webnnpy.ir.graph import Node, Value
from webnnpy.ir.resample import linear_positions, nearest_positions

__all__ = ["LOWERINGS"]

LOWERINGS = LoweringTable()

_FLOATS = ("float32", "float16")


@LOWERINGS.define("where")
def _where(ctx: Emitter, node: Node) -> None:
    cond = ctx.cast(ctx.input(node, "condition"), "bool")
    v = node.operands["trueValue"]
    assert isinstance(v, Value)
    # -0.0 must survive the selection unless trueValue cannot hold it
    maybe_neg_zero = v.constant is None or bool(np.any(
        (v.constant == 0) & np.signbit(v.constant)))
    where(ctx, cond, ctx.value(v), ctx.input(node, "falseValue"),
          v.desc.data_type, ctx.out(node), signed_zero=maybe_neg_zero)


@LOWERINGS.define("cast")
def _cast(ctx: Emitter, node: Node) -> None:
    x = ctx.input(node, "input")
    src = dtype_of(node, "input")
    dst = node.attrs["dataType"]
    out = ctx.out(node)
    if src == dst:
        ctx.emit("Identity", [x], out)
        return
    if dst in PACKED_TYPES and src not in _FLOATS:
        _cast_to_int4(ctx, x, src, dst, out)
        return
    if dst in _FLOATS or src not in _FLOATS:
        ctx.cast(x, dst, out)
        return
    lo, hi = int_bounds(dst)
    if src == "float16":
        x = ctx.cast(x, "float32")
    # trunc(x) > max  <=>  x >= max + 1;  trunc(x) < min  <=>  x <= min - 1
    # (max + 1 is a power of two; min - 1 may round up to min, which only
    # flags values that saturate to min anyway)
    over = ctx.emit("GreaterOrEqual", [x, ctx.const(float(hi + 1), "float32")])
    under = ctx.emit("LessOrEqual", [x, ctx.const(float(lo - 1), "float32")])
    bad = ctx.emit("Or", [ctx.emit("Or", [over, under]), ctx.emit("IsNaN", [x])])
    safe = ctx.emit("Where", [bad, ctx.const(0.0, "float32"), x])
    v = ctx.cast(safe, dst)
    v = where(ctx, under, ctx.const(lo, dst), v, dst)
    where(ctx, over, ctx.const(hi, dst), v, dst, out)


def _cast_to_int4(ctx: Emitter, x: str, src: str, dst: str, out: str) -> None:
    """Integer -> int4/uint4 keeps the low 4 bits (as every integer cast
    does), in the int8/uint8 carrier: ``x mod 16`` (in int32, whose wrap from
    a wider type keeps the low bits), minus 16 where int4's sign bit is set."""
    v = x if src == "int32" else ctx.cast(x, "int32")
    v = ctx.emit("Mod", [v, ctx.const(16, "int32")])  # fmod=0: in [0, 15]
    if dst == "int4":
        neg = ctx.emit("GreaterOrEqual", [v, ctx.const(8, "int32")])
        v = ctx.emit("Where", [neg, ctx.emit("Sub", [v, ctx.const(16, "int32")]), v])
    ctx.cast(v, dst, out)


def _whole_factors(shape: tuple[int, ...], axes: list[int], sizes: list[int],
                   mode: str, dt: str) -> list[float] | None:
    """ONNX Resize scales for every axis when ``Resize`` computes exactly what
    the spec's resample2d does (see the module docstring), else None."""
    scales = [1.0] * len(shape)
    for ax, size in zip(axes, sizes, strict=True):
        k, rem = divmod(size, shape[ax])
        if rem or k < 1:
            return None
        if mode == "linear" and (dt != "float32" or k & (k - 1)):
            return None
        scales[ax] = float(k)
    if mode == "linear":
        # ONNX Runtime's linear Resize scales the two inner axes, or axes 1
        # and 2 of a 4-D tensor (NHWC: its own NHWC upsampling path, the same
        # half-pixel arithmetic). It interpolates both of them; on one scaled
        # by 1 every coordinate is a sample, read with its neighbour at weight
        # 0 (an infinite neighbour: 0 * inf = NaN). With even k no half-pixel
        # coordinate is a sample.
        pair = _linear_pair(scales)
        if pair is None or any(scales[ax] < 2 for ax in pair):
            return None
    if mode == "nearest-neighbor" and dt not in ("float32", "int32", "int8",
                                                  "uint8"):
        return None  # types ONNX Runtime's CPU Resize has kernels for
    return scales


def _linear_pair(scales: list[float]) -> tuple[int, int] | None:
    """The two axes ONNX Runtime's linear Resize interpolates for these
    scales: the inner two, or 1 and 2 of a 4-D NHWC tensor; None when another
    axis is scaled."""
    rank = len(scales)
    scaled = {ax for ax, k in enumerate(scales) if k != 1.0}
    for pair in ((rank - 2, rank - 1), (1, 2) if rank == 4 else None):
        if pair is not None and scaled <= set(pair):
            return pair
    return None


def _resize_linear(ctx: Emitter, x: str, scales: list[float],
                   shape: tuple[int, ...], out: str) -> None:
    """ONNX Resize (linear, half-pixel) with every resized axis padded by one
    copy of its edge sample on each side, and the output cropped back.

    Resize clamps an edge coordinate to the first or last sample and still
    interpolates with its neighbour at weight 0: an infinite neighbour gives
    0 * inf = NaN.  The spec's value there is the edge sample itself (weight
    1; accuracy policy 4: inf gives the limit, -inf at a -inf edge).  On the
    padded input that coordinate lies between two copies of the edge sample
    (x * w + x * (1 - w): x within a rounding), every other one between the
    same two samples with the same weights as before.  Measured 1.3-1.8x the
    plain Resize (min of 60 interleaved runs, x2 of [1, 21, 64, 64] to
    [1, 256, 32, 32]); the Gather path is about 3.5x."""
    rank = len(shape)
    pads = [0] * (2 * rank)
    starts, ends, axes = [], [], []
    for ax, k in enumerate(scales):
        if k != 1.0:
            pads[ax] = pads[rank + ax] = 1
            starts.append(int(k))
            ends.append(int(k) * (shape[ax] + 1))
            axes.append(ax)
    xp = ctx.emit("Pad", [x, ctx.ints(pads)], mode="edge")
    y = ctx.emit("Resize", [xp, "", ctx.const(scales, "float32", (rank,))],
                 mode="linear", coordinate_transformation_mode="half_pixel")
    ctx.emit("Slice", [y, ctx.ints(starts), ctx.ints(ends), ctx.ints(axes)], out)


@LOWERINGS.define("resample2d")
def _resample2d(ctx: Emitter, node: Node) -> None:
    v = node.operands["input"]
    assert isinstance(v, Value)
    dt = v.desc.data_type
    axes, sizes = node.attrs["axes"], node.attrs["sizes"]
    x = ctx.input(node, "input")
    out = ctx.out(node)
    mode = node.attrs["mode"]
    scales = _whole_factors(v.desc.shape, axes, sizes, mode, dt)
    if scales is not None and any(s != 1.0 for s in scales):
        scale_arr = ctx.const(scales, "float32", (len(scales),))
        if mode == "nearest-neighbor":
            ctx.emit("Resize", [x, "", scale_arr], out, mode="nearest",
                     coordinate_transformation_mode="asymmetric",
                     nearest_mode="floor")
        else:
            _resize_linear(ctx, x, scales, v.desc.shape, out)
        return
    pairs = [(ax, size) for ax, size in zip(axes, sizes, strict=True)
             if size != v.desc.shape[ax] or node.attrs["mode"] != "nearest-neighbor"]
    if node.attrs["mode"] == "nearest-neighbor":
        for i, (ax, size) in enumerate(pairs):
            idx = ctx.array(nearest_positions(v.desc.shape[ax], size))
            x = ctx.emit("Gather", [x, idx], out if i == len(pairs) - 1 else 1,
                         axis=ax)
        if not pairs:
            ctx.emit("Identity", [x], out)
        return
    work = "float32" if dt in _FLOATS else "float64"
    if work != dt:
        x = ctx.cast(x, work)
    for ax, size in reversed(pairs):
        lo, hi, t = linear_positions(v.desc.shape[ax], size)
        shape = [1] * v.desc.rank
        shape[ax] = size
        a = ctx.emit("Gather", [x, ctx.array(lo)], axis=ax)
        b = ctx.emit("Gather", [x, ctx.array(hi)], axis=ax)
        wa = ctx.array(np.asarray(1.0 - t, work).reshape(shape))
        wb = ctx.array(np.asarray(t, work).reshape(shape))
        x = ctx.emit("Add", [ctx.emit("Mul", [a, wa]), ctx.emit("Mul", [b, wb])])
        if (t == 0).any():
            # an output on a sample (or clamped to the edge one) is that
            # sample: a * 1 + b * 0 would make an infinite b NaN
            x = ctx.emit("Where", [ctx.array((t == 0).reshape(shape)), a, x])
    if dt in _FLOATS:
        if dt == work:
            ctx.emit("Identity", [x], out)
        else:
            ctx.cast(x, dt, out)
    else:  # int8/uint8: round half to even (the values stay in range)
        ctx.cast(ctx.emit("Round", [x]), dt, out)
