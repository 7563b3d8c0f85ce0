"""Shapes and layout: Reshape Flatten Squeeze Unsqueeze Transpose Concat Split
Slice Expand Tile Pad DepthToSpace SpaceToDepth Trilu, and the ops whose
result is known at import time: Shape Size Constant ConstantOfShape Range
EyeLike (they give constants, so shape computations fold away).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from webnnpy import MLOperand
from webnnpy.models.onnx.convert import ImportContext, NodeInfo, Tensor
from webnnpy.models.onnx.errors import InvalidModelError
from webnnpy.models.onnx.folding import fold_limit, format_bytes
from webnnpy.models.onnx.handlers._util import (
    broadcast_shape,
    input_or_attr_ints,
    norm_axes,
    norm_axis,
    present,
)
from webnnpy.models.onnx.types import np_dtype_of_onnx
from webnnpy.models.onnx.validate import sparse_to_array

__all__ = ["HANDLERS", "slice_params"]


def _data(ctx: ImportContext, inputs: list[Tensor | None]) -> tuple[Tensor, MLOperand]:
    t = inputs[0]
    assert t is not None
    return t, ctx.op(t, "data")


def _reshape_to(ctx: ImportContext, t: Tensor, x: MLOperand, shape: list[int]) -> Any:
    if 0 in shape:
        return ctx.empty(shape, t)
    if list(x.shape) == shape:
        return t
    return ctx.tensor_of(ctx.b.reshape(x, shape), t)


# ------------------------------------------------------------ import-time values

def _shape(ctx: ImportContext, node: NodeInfo, inputs: list[Tensor | None],
           attrs: dict[str, Any]) -> list[Any]:
    t = inputs[0]
    assert t is not None
    shape = list(t.shape)
    r = len(shape)
    start = int(attrs.get("start", 0))
    end = attrs.get("end")
    start = min(max(start + r if start < 0 else start, 0), r)
    stop = r if end is None else int(end)
    stop = min(max(stop + r if stop < 0 else stop, 0), r)
    return [np.array(shape[start:stop], dtype=np.int64)]


def _size(ctx: ImportContext, node: NodeInfo, inputs: list[Tensor | None],
          attrs: dict[str, Any]) -> list[Any]:
    t = inputs[0]
    assert t is not None
    return [np.array(math.prod(t.shape), dtype=np.int64)]


def _constant(ctx: ImportContext, node: NodeInfo, inputs: list[Tensor | None],
              attrs: dict[str, Any]) -> list[Any]:
    if "value" in attrs:
        return [np.asarray(attrs["value"])]
    if "value_float" in attrs:
        return [np.array(attrs["value_float"], dtype=np.float32)]
    if "value_floats" in attrs:
        return [np.array(attrs["value_floats"], dtype=np.float32)]
    if "value_int" in attrs:
        return [np.array(attrs["value_int"], dtype=np.int64)]
    if "value_ints" in attrs:
        return [np.array(attrs["value_ints"], dtype=np.int64)]
    if "value_string" in attrs:
        return [np.array(attrs["value_string"], dtype=object)]
    if "value_strings" in attrs:
        return [np.array(attrs["value_strings"], dtype=object)]
    if "sparse_value" in attrs:
        try:
            return [sparse_to_array(attrs["sparse_value"], "attribute 'sparse_value'",
                                    fold_limit(0))]
        except InvalidModelError as e:
            raise ctx.invalid(str(e)) from None
    raise ctx.fail("Constant has no value attribute")


def _constant_of_shape(ctx: ImportContext, node: NodeInfo,
                       inputs: list[Tensor | None], attrs: dict[str, Any]) -> list[Any]:
    t = inputs[0]
    assert t is not None
    arg = np.asarray(ctx.const(t, "shape"))
    if arg.ndim != 1 or arg.dtype.kind not in "iu":
        raise ctx.invalid(f"input 'input' ({t.name!r}) is "
                          f"{arg.dtype}{list(arg.shape)}; ConstantOfShape takes a "
                          f"1-D int64 shape")
    shape = [int(d) for d in arg]
    value = attrs.get("value")
    v = np.zeros(1, np.float32) if value is None else np.asarray(value).reshape(-1)
    if v.size != 1:
        raise ctx.invalid(f"attribute 'value' has {v.size} elements; ONNX takes "
                          f"a one-element tensor")
    if any(d < 0 for d in shape):
        raise ctx.invalid(f"shape {shape} has a negative dimension")
    _within_budget(ctx, math.prod(shape) * v.dtype.itemsize)
    return [np.full(shape, v[0], dtype=v.dtype)]


def _within_budget(ctx: ImportContext, nbytes: int) -> None:
    """Refuse a constant result over the fold budget (what a file declares
    is never allocated on its word alone)."""
    limit = fold_limit(0)
    if nbytes > limit:
        raise ctx.fail(f"its constant result would take {format_bytes(nbytes)}, "
                       f"over the {format_bytes(limit)} an import may build")


def _range(ctx: ImportContext, node: NodeInfo, inputs: list[Tensor | None],
           attrs: dict[str, Any]) -> list[Any]:
    start_t, limit_t, delta_t = inputs[0], inputs[1], inputs[2]
    assert start_t is not None and limit_t is not None and delta_t is not None
    start = ctx.scalar_const(start_t, "start")
    limit = ctx.scalar_const(limit_t, "limit")
    delta = ctx.scalar_const(delta_t, "delta")
    dtype = np.asarray(start_t.value).dtype
    if not all(math.isfinite(v) for v in (start, limit, delta)) or delta == 0:
        raise ctx.invalid(f"start {start}, limit {limit}, delta {delta}: the "
                          f"range has no finite length (delta must be a finite "
                          f"non-zero number)")
    n = max(math.ceil((limit - start) / delta), 0)
    _within_budget(ctx, n * dtype.itemsize)
    out = start + np.arange(n) * delta
    return [out.astype(dtype)]


def _eye_like(ctx: ImportContext, node: NodeInfo, inputs: list[Tensor | None],
              attrs: dict[str, Any]) -> list[Any]:
    t = inputs[0]
    assert t is not None
    if t.rank != 2:
        raise ctx.fail(f"input has rank {t.rank}; EyeLike takes 2-D input")
    dtype = attrs.get("dtype")
    np_dt = np_dtype_of_onnx(int(dtype)) if dtype is not None else \
        np_dtype_of_onnx(t.onnx_type)
    rows, cols = t.shape
    return [np.eye(rows, cols, k=int(attrs.get("k", 0)), dtype=np_dt)]


# ----------------------------------------------------------------- reshapes

def _reshape(ctx: ImportContext, node: NodeInfo, inputs: list[Tensor | None],
             attrs: dict[str, Any]) -> list[Any]:
    t, x = _data(ctx, inputs)
    if node.version < 5:
        target = [int(d) for d in attrs.get("shape", [])]
    else:
        s = inputs[1]
        assert s is not None
        target = ctx.ints(s, "shape")
    allowzero = int(attrs.get("allowzero", 0))
    shape: list[int] = []
    for i, d in enumerate(target):
        if d == 0 and not allowzero:
            if i >= x.rank:
                raise ctx.fail(f"shape {target} copies dimension {i}, which the "
                               f"rank-{x.rank} input lacks")
            shape.append(x.shape[i])
        else:
            shape.append(d)
    if shape.count(-1) > 1:
        raise ctx.fail(f"shape {target} has more than one -1")
    total = math.prod(x.shape)
    if -1 in shape:
        known = math.prod(d for d in shape if d != -1)
        if known == 0 or total % known:
            raise ctx.fail(f"cannot reshape {list(x.shape)} to {target}")
        shape[shape.index(-1)] = total // known
    if math.prod(shape) != total or any(d < 0 for d in shape):
        raise ctx.fail(f"cannot reshape {list(x.shape)} to {target}")
    return [_reshape_to(ctx, t, x, shape)]


def _flatten(ctx: ImportContext, node: NodeInfo, inputs: list[Tensor | None],
             attrs: dict[str, Any]) -> list[Any]:
    t, x = _data(ctx, inputs)
    axis = int(attrs.get("axis", 1))
    if not -x.rank <= axis <= x.rank:
        raise ctx.fail(f"axis {axis} is out of range for a rank-{x.rank} input")
    axis = axis + x.rank if axis < 0 else axis
    shape = [math.prod(x.shape[:axis]), math.prod(x.shape[axis:])]
    return [_reshape_to(ctx, t, x, shape)]


def _squeeze(ctx: ImportContext, node: NodeInfo, inputs: list[Tensor | None],
             attrs: dict[str, Any]) -> list[Any]:
    t, x = _data(ctx, inputs)
    axes = input_or_attr_ints(ctx, node, inputs, 1, attrs, "axes")
    if axes is None:
        keep = [d for d in x.shape if d != 1]
    else:
        ax = set(norm_axes(ctx, axes, x.rank))
        for a in ax:
            if x.shape[a] != 1:
                raise ctx.fail(f"axis {a} has size {x.shape[a]}, not 1")
        keep = [d for i, d in enumerate(x.shape) if i not in ax]
    return [_reshape_to(ctx, t, x, keep)]


def _unsqueeze(ctx: ImportContext, node: NodeInfo, inputs: list[Tensor | None],
               attrs: dict[str, Any]) -> list[Any]:
    t, x = _data(ctx, inputs)
    axes = input_or_attr_ints(ctx, node, inputs, 1, attrs, "axes")
    if axes is None:
        raise ctx.fail("axes are missing")
    rank = x.rank + len(axes)
    ax = sorted(norm_axes(ctx, axes, rank))
    shape = list(x.shape)
    for a in ax:
        shape.insert(a, 1)
    return [_reshape_to(ctx, t, x, shape)]


def _transpose(ctx: ImportContext, node: NodeInfo, inputs: list[Tensor | None],
               attrs: dict[str, Any]) -> list[Any]:
    t, x = _data(ctx, inputs)
    perm = attrs.get("perm")
    perm = list(range(x.rank))[::-1] if perm is None else [int(p) for p in perm]
    return [ctx.tensor_of(ctx.b.transpose(x, permutation=perm), t)]


def _concat(ctx: ImportContext, node: NodeInfo, inputs: list[Tensor | None],
            attrs: dict[str, Any]) -> list[Any]:
    ts = [t for t in inputs if t is not None]
    if not ts:
        raise ctx.fail("no inputs")
    rank = ts[0].rank
    axis = norm_axis(ctx, int(attrs.get("axis", 1)), rank)
    # empty constant pieces add nothing
    ts = [t for t in ts if not (t.is_const and 0 in t.shape)] or ts[:1]
    ops = [ctx.op(t, f"input {i}") for i, t in enumerate(ts)]
    if len(ops) == 1:
        return [ts[0]]
    return [ctx.tensor_of(ctx.b.concat(ops, axis), ts[0])]


def _split(ctx: ImportContext, node: NodeInfo, inputs: list[Tensor | None],
           attrs: dict[str, Any]) -> list[Any]:
    t, x = _data(ctx, inputs)
    axis = norm_axis(ctx, int(attrs.get("axis", 0)), x.rank)
    n_out = len(node.outputs)
    dim = x.shape[axis]
    sizes = input_or_attr_ints(ctx, node, inputs, 1, attrs, "split")
    if sizes is None or not sizes:
        n = int(attrs.get("num_outputs", n_out))
        if node.version >= 18 and "num_outputs" in attrs:
            chunk = -(-dim // n)
            sizes = [chunk] * (n - 1) + [dim - chunk * (n - 1)]
        else:
            if dim % n:
                raise ctx.fail(f"dimension {dim} does not split into {n} equal parts")
            sizes = [dim // n] * n
    if sum(sizes) != dim or len(sizes) != n_out:
        raise ctx.fail(f"split sizes {sizes} do not fit dimension {dim} and "
                       f"{n_out} outputs")
    if any(s < 0 for s in sizes):
        raise ctx.fail(f"split sizes {sizes} are negative")
    full = [s for s in sizes if s]
    if len(full) == 1:
        pieces = [t]
    else:
        pieces = [ctx.tensor_of(o, t) for o in ctx.b.split(x, full, axis=axis)]
    it = iter(pieces)
    out = []
    for s in sizes:  # empty pieces are empty constants
        if s:
            out.append(next(it))
        else:
            shape = list(x.shape)
            shape[axis] = 0
            out.append(ctx.empty(shape, t))
    return out


def slice_params(dim: int, start: int, end: int, step: int
                 ) -> tuple[int, int, int, bool]:
    """ONNX Slice on one axis as (start, size, stride, reversed) of a WebNN
    slice, taken on the axis reversed when the step is negative; size 0 when
    the slice is empty."""
    r = range(*slice(start, end, step).indices(dim))
    count = len(r)
    if count == 0:
        return 0, 0, 1, False
    if step > 0:
        return r.start, (count - 1) * step + 1, step, False
    # element r.start, r.start + step, ... : in the reversed axis the first is
    # dim - 1 - r.start, with stride -step
    return dim - 1 - r.start, (count - 1) * (-step) + 1, -step, True


def _slice(ctx: ImportContext, node: NodeInfo, inputs: list[Tensor | None],
           attrs: dict[str, Any]) -> list[Any]:
    t, x = _data(ctx, inputs)
    if node.version < 10:
        starts = [int(v) for v in attrs.get("starts", [])]
        ends = [int(v) for v in attrs.get("ends", [])]
        axes_a = attrs.get("axes")
        axes = list(range(len(starts))) if axes_a is None else [int(a) for a in axes_a]
        steps = [1] * len(starts)
    else:
        st, en = inputs[1], inputs[2]
        assert st is not None and en is not None
        starts, ends = ctx.ints(st, "starts"), ctx.ints(en, "ends")
        ax_t, sp_t = present(inputs, 3), present(inputs, 4)
        axes = list(range(len(starts))) if ax_t is None else ctx.ints(ax_t, "axes")
        steps = [1] * len(starts) if sp_t is None else ctx.ints(sp_t, "steps")
    if not len(starts) == len(ends) == len(axes) == len(steps):
        raise ctx.fail("starts, ends, axes and steps differ in length")
    axes = norm_axes(ctx, axes, x.rank)
    w_starts = [0] * x.rank
    w_sizes = list(x.shape)
    w_strides = [1] * x.rank
    rev: list[int] = []
    empty = False
    for a, s, e, k in zip(axes, starts, ends, steps, strict=True):
        if k == 0:
            raise ctx.fail("a step is 0")
        b0, size, stride, reverse = slice_params(x.shape[a], s, e, k)
        if size == 0:
            empty = True
        w_starts[a], w_sizes[a], w_strides[a] = b0, size, stride
        if reverse:
            rev.append(a)
    if empty:
        shape = [0 if sz == 0 else -(-sz // st) for sz, st in zip(w_sizes, w_strides,
                                                                 strict=True)]
        return [ctx.empty(shape, t)]
    y = x
    if rev:
        y = ctx.b.reverse(y, axes=sorted(rev))
    if w_starts == [0] * x.rank and w_sizes == list(x.shape) and \
            w_strides == [1] * x.rank:
        return [ctx.tensor_of(y, t) if rev else t]
    y = ctx.b.slice(y, w_starts, w_sizes, strides=w_strides)
    return [ctx.tensor_of(y, t)]


def _expand(ctx: ImportContext, node: NodeInfo, inputs: list[Tensor | None],
            attrs: dict[str, Any]) -> list[Any]:
    t, x = _data(ctx, inputs)
    s = inputs[1]
    assert s is not None
    shape = broadcast_shape(ctx, x.shape, ctx.ints(s, "shape"))
    if 0 in shape:
        return [ctx.empty(shape, t)]
    if shape == list(x.shape):
        return [t]
    return [ctx.tensor_of(ctx.b.expand(x, shape), t)]


def _tile(ctx: ImportContext, node: NodeInfo, inputs: list[Tensor | None],
          attrs: dict[str, Any]) -> list[Any]:
    t, x = _data(ctx, inputs)
    r = inputs[1]
    assert r is not None
    reps = ctx.ints(r, "repeats")
    if len(reps) != x.rank:
        raise ctx.fail(f"repeats {reps} do not match the rank {x.rank}")
    if 0 in reps:
        return [ctx.empty([d * r for d, r in zip(x.shape, reps, strict=True)], t)]
    return [ctx.tensor_of(ctx.b.tile(x, reps), t)]


def _pad(ctx: ImportContext, node: NodeInfo, inputs: list[Tensor | None],
         attrs: dict[str, Any]) -> list[Any]:
    t, x = _data(ctx, inputs)
    r = x.rank
    mode = attrs.get("mode", "constant")
    value: Any = 0
    if node.version < 11:
        pads = [int(p) for p in attrs.get("pads", attrs.get("paddings", []))]
        value = float(attrs.get("value", 0.0))
        axes = list(range(r))
    else:
        p_t = inputs[1]
        assert p_t is not None
        pads = ctx.ints(p_t, "pads")
        v_t = present(inputs, 2)
        if v_t is not None:
            v = ctx.const(v_t, "constant_value")
            value = np.asarray(v).reshape(-1)[0].item() if v.size else 0
        ax_t = present(inputs, 3)
        axes = (list(range(r)) if ax_t is None
                else norm_axes(ctx, ctx.ints(ax_t, "axes"), r))
    if len(pads) != 2 * len(axes):
        raise ctx.fail(f"pads {pads} need 2 values per axis ({len(axes)} axes)")
    begin, end = [0] * r, [0] * r
    for i, a in enumerate(axes):
        begin[a], end[a] = pads[i], pads[i + len(axes)]
    if x.data_type not in ("float32", "float16"):
        value = int(value)
    if any(p < 0 for p in begin + end):
        if mode != "constant":
            raise ctx.fail(f"negative pads with mode {mode!r}")
        # crop first: for a constant fill the order does not matter
        starts = [max(-b, 0) for b in begin]
        sizes = [d - max(-b, 0) - max(-e, 0) for d, b, e in zip(x.shape, begin, end,
                                                                 strict=True)]
        if any(s <= 0 for s in sizes):
            raise ctx.fail("the pads crop the input to nothing")
        x = ctx.b.slice(x, starts, sizes)
        begin = [max(b, 0) for b in begin]
        end = [max(e, 0) for e in end]
    if not any(begin) and not any(end):
        return [ctx.tensor_of(x, t)]
    if mode == "wrap":
        return [ctx.tensor_of(_wrap_pad(ctx, x, begin, end), t)]
    webnn_mode = {"constant": "constant", "reflect": "reflection",
                  "edge": "edge"}.get(mode)
    if webnn_mode is None:
        raise ctx.fail(f"pad mode {mode!r} is not supported")
    if webnn_mode == "constant":
        return [ctx.tensor_of(ctx.b.pad(x, begin, end, mode="constant", value=value),
                              t)]
    return [ctx.tensor_of(ctx.b.pad(x, begin, end, mode=webnn_mode), t)]


def _wrap_pad(ctx: ImportContext, x: MLOperand, begin: list[int],
              end: list[int]) -> MLOperand:
    """Circular padding: each axis gets its own tail before and head after."""
    y = x
    for a in range(x.rank):
        b, e = begin[a], end[a]
        if not b and not e:
            continue
        d = y.shape[a]
        pieces = []
        for lo, n in _wrap_pieces(d, -b, d + e):
            starts = [0] * y.rank
            sizes = list(y.shape)
            starts[a], sizes[a] = lo, n
            pieces.append(ctx.b.slice(y, starts, sizes))
        y = pieces[0] if len(pieces) == 1 else ctx.b.concat(pieces, a)
    return y


def _wrap_pieces(d: int, lo: int, hi: int) -> list[tuple[int, int]]:
    """Index range [lo, hi) taken modulo d, as runs (start, count)."""
    out: list[tuple[int, int]] = []
    i = lo
    while i < hi:
        s = i % d
        n = min(d - s, hi - i)
        out.append((s, n))
        i += n
    return out


def _depth_to_space(ctx: ImportContext, node: NodeInfo, inputs: list[Tensor | None],
                    attrs: dict[str, Any]) -> list[Any]:
    t, x = _data(ctx, inputs)
    if x.rank != 4:
        raise ctx.fail(f"input has rank {x.rank}; DepthToSpace takes 4-D input")
    bs = int(attrs["blocksize"])
    n, c, h, w = x.shape
    if c % (bs * bs):
        raise ctx.fail(f"channels {c} are not divisible by blocksize^2 {bs * bs}")
    if attrs.get("mode", "DCR") == "CRD":
        y = ctx.b.reshape(x, [n, c // (bs * bs), bs, bs, h, w])
        y = ctx.b.transpose(y, permutation=[0, 1, 4, 2, 5, 3])
    else:
        y = ctx.b.reshape(x, [n, bs, bs, c // (bs * bs), h, w])
        y = ctx.b.transpose(y, permutation=[0, 3, 4, 1, 5, 2])
    return [ctx.tensor_of(ctx.b.reshape(y, [n, c // (bs * bs), h * bs, w * bs]), t)]


def _space_to_depth(ctx: ImportContext, node: NodeInfo, inputs: list[Tensor | None],
                    attrs: dict[str, Any]) -> list[Any]:
    t, x = _data(ctx, inputs)
    if x.rank != 4:
        raise ctx.fail(f"input has rank {x.rank}; SpaceToDepth takes 4-D input")
    bs = int(attrs["blocksize"])
    n, c, h, w = x.shape
    if h % bs or w % bs:
        raise ctx.fail(f"spatial size {h}x{w} is not divisible by blocksize {bs}")
    y = ctx.b.reshape(x, [n, c, h // bs, bs, w // bs, bs])
    if attrs.get("mode", "DCR") == "CRD":  # opset 28
        y = ctx.b.transpose(y, permutation=[0, 1, 3, 5, 2, 4])
    else:
        y = ctx.b.transpose(y, permutation=[0, 3, 5, 1, 2, 4])
    return [ctx.tensor_of(ctx.b.reshape(y, [n, c * bs * bs, h // bs, w // bs]), t)]


def _trilu(ctx: ImportContext, node: NodeInfo, inputs: list[Tensor | None],
           attrs: dict[str, Any]) -> list[Any]:
    t, x = _data(ctx, inputs)
    k_t = present(inputs, 1)
    k = 0 if k_t is None else ctx.scalar_int(k_t, "k")
    upper = bool(int(attrs.get("upper", 1)))
    return [ctx.tensor_of(ctx.b.triangular(x, upper=upper, diagonal=k), t)]


HANDLERS = {
    "Shape": ((1, 25, _shape),),
    "Size": ((1, 25, _size),),
    "Constant": ((1, 25, _constant),),
    "ConstantOfShape": ((9, 25, _constant_of_shape),),
    "Range": ((11, 27, _range),),
    "EyeLike": ((9, 22, _eye_like),),
    "Reshape": ((1, 25, _reshape),),
    "Flatten": ((1, 25, _flatten),),
    "Squeeze": ((1, 25, _squeeze),),
    "Unsqueeze": ((1, 25, _unsqueeze),),
    "Transpose": ((1, 25, _transpose),),
    "Concat": ((1, 13, _concat),),
    "Split": ((1, 18, _split),),
    "Slice": ((1, 13, _slice),),
    "Expand": ((8, 13, _expand),),
    "Tile": ((6, 13, _tile),),
    "Pad": ((1, 25, _pad),),
    "DepthToSpace": ((1, 28, _depth_to_space),),
    "SpaceToDepth": ((1, 28, _space_to_depth),),
    "Trilu": ((14, 14, _trilu),),
}
