"""Gather and scatter: Gather GatherElements GatherND ScatterElements Scatter
ScatterND, and OneHot and Compress (Compress needs its condition at import).

WebNN takes int32, uint32 or int64 indices and counts negative ones from the
end, as ONNX does.  WebNN's scatters replace; a scatter reduction (add, mul,
max, min) is a gather, the reduction and a scatter when the indices are known
at import and write each target once.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from webnnpy import MLOperand
from webnnpy.models.onnx.convert import ImportContext, NodeInfo, Tensor
from webnnpy.models.onnx.folding import fold_limit
from webnnpy.models.onnx.handlers._util import norm_axis

__all__ = ["HANDLERS"]


def _indices(ctx: ImportContext, t: Tensor | None) -> MLOperand:
    assert t is not None
    idx = ctx.op(t, "indices")
    if idx.data_type not in ("int32", "uint32", "int64"):
        idx = ctx.b.cast(idx, "int64")
    return idx


def _gather(ctx: ImportContext, node: NodeInfo, inputs: list[Tensor | None],
            attrs: dict[str, Any]) -> list[Any]:
    t = inputs[0]
    assert t is not None
    x = ctx.op(t, "data")
    axis = norm_axis(ctx, int(attrs.get("axis", 0)), x.rank)
    return [ctx.tensor_of(ctx.b.gather(x, _indices(ctx, inputs[1]), axis=axis), t)]


def _gather_elements(ctx: ImportContext, node: NodeInfo, inputs: list[Tensor | None],
                     attrs: dict[str, Any]) -> list[Any]:
    t = inputs[0]
    assert t is not None
    x = ctx.op(t, "data")
    axis = norm_axis(ctx, int(attrs.get("axis", 0)), x.rank)
    y = ctx.b.gather_elements(x, _indices(ctx, inputs[1]), axis=axis)
    return [ctx.tensor_of(y, t)]


def _batch_coords(ctx: ImportContext, idx: MLOperand, batch_dims: int) -> MLOperand:
    """GatherND/ScatterND batch_dims > 0 as plain indices: prepend each
    index tuple with its batch coordinates."""
    shape = list(idx.shape)
    lead = shape[:-1]
    pieces = []
    for d in range(batch_dims):
        iota_shape = [1] * len(lead)
        iota_shape[d] = lead[d]
        iota = np.arange(lead[d], dtype=np.dtype(idx.data_type)).reshape(iota_shape)
        full = np.broadcast_to(iota, lead)[..., None]
        pieces.append(ctx.constant(np.ascontiguousarray(full)))
    return ctx.b.concat([*pieces, idx], len(shape) - 1)


def _gather_nd(ctx: ImportContext, node: NodeInfo, inputs: list[Tensor | None],
               attrs: dict[str, Any]) -> list[Any]:
    t = inputs[0]
    assert t is not None
    x = ctx.op(t, "data")
    idx = _indices(ctx, inputs[1])
    bd = int(attrs.get("batch_dims", 0))
    if not 0 <= bd < min(x.rank, idx.rank):
        raise ctx.invalid(f"batch_dims {bd} is out of range: ONNX takes 0 up to "
                          f"min(data rank {x.rank}, indices rank {idx.rank}) - 1")
    if bd:
        idx = _batch_coords(ctx, idx, bd)
    return [ctx.tensor_of(ctx.b.gather_nd(x, idx), t)]


_REDUCE = {"add": "add", "mul": "mul", "max": "max", "min": "min"}


def _reduction(ctx: ImportContext, attrs: dict[str, Any],
               i_t: Tensor | None) -> str | None:
    """The WebNN op combining old and new values, or None to replace.  A
    reduction is expressible when every target is written once (then it is
    ``scatter(data, i, reduce(gather(data, i), updates))``), which needs the
    indices at import time."""
    red = str(attrs.get("reduction", "none"))
    if red == "none":
        return None
    if red not in _REDUCE:
        raise ctx.fail(f"reduction={red!r} is not an ONNX scatter reduction")
    assert i_t is not None
    ctx.const(i_t, f"indices (for reduction={red!r})")
    return _REDUCE[red]


def _check_unique(ctx: ImportContext, targets: np.ndarray, red: str) -> None:
    if len(np.unique(targets, axis=0)) != len(targets):
        raise ctx.fail(f"duplicate indices with reduction {red!r}: WebNN's scatter "
                       f"writes each target once")


def _scatter_elements(ctx: ImportContext, node: NodeInfo, inputs: list[Tensor | None],
                      attrs: dict[str, Any]) -> list[Any]:
    t, i_t, u = inputs[0], inputs[1], inputs[2]
    assert t is not None and i_t is not None and u is not None
    red = _reduction(ctx, attrs, i_t)
    x = ctx.op(t, "data")
    axis = norm_axis(ctx, int(attrs.get("axis", 0)), x.rank)
    idx, upd = _indices(ctx, i_t), ctx.op(u, "updates")
    if idx.rank != x.rank or list(idx.shape) != list(upd.shape):
        raise ctx.invalid(f"indices {list(idx.shape)} and updates "
                          f"{list(upd.shape)}: ONNX takes both of one shape, of "
                          f"the data's rank ({x.rank})")
    if red is not None:
        iv = np.asarray(i_t.value).astype(np.int64)
        iv = np.where(iv < 0, iv + x.shape[axis], iv)
        coords = np.indices(iv.shape).reshape(iv.ndim, -1)
        coords[axis] = iv.reshape(-1)
        _check_unique(ctx, coords.T, red)
        old = ctx.b.gather_elements(x, idx, axis=axis)
        upd = getattr(ctx.b, red)(old, upd)
    y = ctx.b.scatter_elements(x, idx, upd, axis=axis)
    return [ctx.tensor_of(y, t)]


def _scatter_nd(ctx: ImportContext, node: NodeInfo, inputs: list[Tensor | None],
                attrs: dict[str, Any]) -> list[Any]:
    t, i_t, u = inputs[0], inputs[1], inputs[2]
    assert t is not None and i_t is not None and u is not None
    red = _reduction(ctx, attrs, i_t)
    x = ctx.op(t, "data")
    idx, upd = _indices(ctx, i_t), ctx.op(u, "updates")
    k = idx.shape[-1] if idx.rank else 0
    want = [*idx.shape[:-1], *x.shape[k:]]
    if not idx.rank or k > x.rank or list(upd.shape) != want:
        raise ctx.invalid(f"indices {list(idx.shape)} and updates "
                          f"{list(upd.shape)} for data {list(x.shape)}: ONNX takes "
                          f"indices [..., k] with k <= {x.rank} and updates "
                          f"indices.shape[:-1] + data.shape[k:]")
    if red is not None:
        iv = np.asarray(i_t.value).astype(np.int64)
        k = iv.shape[-1]
        iv = iv.reshape(-1, k)
        iv = np.where(iv < 0, iv + np.array(x.shape[:k]), iv)
        _check_unique(ctx, iv, red)
        upd = getattr(ctx.b, red)(ctx.b.gather_nd(x, idx), upd)
    y = ctx.b.scatter_nd(x, idx, upd)
    return [ctx.tensor_of(y, t)]


def _one_hot(ctx: ImportContext, node: NodeInfo, inputs: list[Tensor | None],
             attrs: dict[str, Any]) -> list[Any]:
    i_t, d_t, v_t = inputs[0], inputs[1], inputs[2]
    assert i_t is not None and d_t is not None and v_t is not None
    depth_v = ctx.scalar_const(d_t, "depth")
    if not math.isfinite(depth_v):
        raise ctx.invalid(f"depth {depth_v} is not a finite number")
    depth = int(depth_v)
    if depth <= 0:
        raise ctx.fail(f"depth {depth} gives an empty output")
    if depth > fold_limit(0) // 8:  # its iota constant is made here
        raise ctx.fail(f"depth {depth} is too large to build a one-hot of")
    if math.prod(v_t.shape) != 2:
        raise ctx.invalid(f"values ({v_t.name!r}) has shape {list(v_t.shape)}; "
                          f"OneHot takes two values (off, on)")
    idx = ctx.op(i_t, "indices")
    if idx.data_type in ("float32", "float16"):
        idx = ctx.b.cast(idx, "int64")  # ONNX truncates float indices
    elif idx.data_type not in ("int32", "int64"):
        idx = ctx.b.cast(idx, "int64")
    rank = idx.rank + 1
    axis = norm_axis(ctx, int(attrs.get("axis", -1)), rank)
    dt = idx.data_type
    zero = ctx.scalar(0, dt)
    idx = ctx.b.where(ctx.b.lesser(idx, zero), ctx.b.add(idx, ctx.scalar(depth, dt)),
                      idx)
    shape = list(idx.shape)
    shape.insert(axis, 1)
    idx = ctx.b.reshape(idx, shape)
    iota_shape = [1] * rank
    iota_shape[axis] = depth
    iota = ctx.constant(np.arange(depth, dtype=np.dtype(dt)).reshape(iota_shape))
    hit = ctx.b.equal(idx, iota)
    if v_t.is_const:
        vals = np.asarray(v_t.value).reshape(-1)
        off = ctx.constant(vals[:1].reshape(()))
        on = ctx.constant(vals[1:2].reshape(()))
    else:
        v = ctx.op(v_t, "values")
        off = ctx.b.reshape(ctx.b.slice(v, [0], [1]), [])
        on = ctx.b.reshape(ctx.b.slice(v, [1], [1]), [])
    out_shape = list(shape)
    out_shape[axis] = depth
    y = ctx.b.where(hit, on, off)
    if list(y.shape) != out_shape:
        y = ctx.b.expand(y, out_shape)
    return [ctx.tensor_of(y, v_t)]


def _compress(ctx: ImportContext, node: NodeInfo, inputs: list[Tensor | None],
              attrs: dict[str, Any]) -> list[Any]:
    t, c_t = inputs[0], inputs[1]
    assert t is not None and c_t is not None
    cond = np.asarray(ctx.const(c_t, "condition")).reshape(-1).astype(bool)
    x = ctx.op(t, "input")
    axis = attrs.get("axis")
    if axis is None:
        x = ctx.reshape(x, [int(np.prod(x.shape))])
        axis = 0
    axis = norm_axis(ctx, int(axis), x.rank)
    if len(cond) > x.shape[axis]:
        raise ctx.fail(f"condition has {len(cond)} entries for a dimension of "
                       f"{x.shape[axis]}")
    sel = np.nonzero(cond)[0].astype(np.int64)
    if sel.size == 0:
        shape = list(x.shape)
        shape[axis] = 0
        return [ctx.empty(shape, t)]
    y = ctx.b.gather(x, ctx.constant(sel), axis=axis)
    return [ctx.tensor_of(y, t)]


HANDLERS = {
    "Gather": ((1, 13, _gather),),
    "GatherElements": ((11, 13, _gather_elements),),
    "GatherND": ((11, 13, _gather_nd),),
    "ScatterElements": ((11, 18, _scatter_elements),),
    "Scatter": ((9, 11, _scatter_elements),),
    "ScatterND": ((11, 18, _scatter_nd),),
    "OneHot": ((9, 28, _one_hot),),
    "Compress": ((9, 28, _compress),),
}
