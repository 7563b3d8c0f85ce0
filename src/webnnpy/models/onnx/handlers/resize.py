"""Resize and Upsample, onto WebNN's resample2d.

resample2d has one coordinate mapping (half-pixel with the output/input size
ratio) and one nearest rounding (round half down).  ONNX has many modes; a
Resize maps only when, on every axis, ONNX's sampling (which input elements,
with which weights) is exactly WebNN's.  The importer computes both samplings
for the model's sizes and compares them, so e.g. ``asymmetric`` + ``floor``
nearest with an integer upscale (the same sampling) maps, and ``align_corners``
linear (a different one) is rejected with the reason.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from webnnpy.models.onnx.convert import ImportContext, NodeInfo, Tensor
from webnnpy.models.onnx.folding import fold_limit
from webnnpy.models.onnx.handlers._util import norm_axes, present

__all__ = ["HANDLERS", "onnx_sampling", "webnn_sampling"]


def _weights(x: np.ndarray, in_size: int, nearest: str | None) -> np.ndarray:
    """The (out, in) interpolation matrix for source coordinates ``x``."""
    m = np.zeros((len(x), in_size))
    if nearest is not None:
        fl = np.floor(x)
        frac = x - fl
        if nearest == "round_prefer_floor":
            idx = np.where(frac > 0.5, fl + 1, fl)
        elif nearest == "round_prefer_ceil":
            idx = np.where(frac >= 0.5, fl + 1, fl)
        elif nearest == "floor":
            idx = fl
        elif nearest == "ceil":
            idx = np.ceil(x)
        else:
            raise ValueError(nearest)
        idx = np.clip(idx, 0, in_size - 1).astype(np.int64)
        m[np.arange(len(x)), idx] = 1.0
        return m
    xc = np.clip(x, 0, in_size - 1)
    lo = np.floor(xc).astype(np.int64)
    hi = np.minimum(lo + 1, in_size - 1)
    t = xc - lo
    np.add.at(m, (np.arange(len(x)), lo), 1.0 - t)
    np.add.at(m, (np.arange(len(x)), hi), t)
    return m


def onnx_sampling(mode: str, transform: str, in_size: int, out_size: int,
                  scale: float, nearest: str) -> np.ndarray | None:
    """ONNX Resize's interpolation matrix on one axis (None: not computable)."""
    y = np.arange(out_size, dtype=np.float64)
    out_w = scale * in_size
    if transform == "half_pixel":
        x = (y + 0.5) / scale - 0.5
    elif transform == "pytorch_half_pixel":
        x = np.full(out_size, -0.5) if out_w == 1 else (y + 0.5) / scale - 0.5
    elif transform == "align_corners":
        x = np.zeros(out_size) if out_w == 1 else y * (in_size - 1) / (out_w - 1)
    elif transform == "asymmetric":
        x = y / scale
    elif transform == "half_pixel_symmetric":
        adjustment = out_size / out_w
        center = in_size / 2
        x = center * (1 - adjustment) + (y + 0.5) / scale - 0.5
    else:
        return None
    return _weights(x, in_size, nearest if mode == "nearest" else None)


def webnn_sampling(mode: str, in_size: int, out_size: int) -> np.ndarray:
    """resample2d's interpolation matrix on one axis."""
    y = np.arange(out_size, dtype=np.float64)
    x = (y + 0.5) * in_size / out_size - 0.5
    if mode == "nearest":
        # ceil(clamp(x, 0, I - 1) - 0.5): round half down
        return _weights(x, in_size, "round_prefer_floor")
    return _weights(x, in_size, None)


_NEAREST_MODES = ("round_prefer_floor", "round_prefer_ceil", "floor", "ceil")


def _resize_impl(ctx: ImportContext, t: Tensor, mode: str, transform: str,
                 nearest: str, scales: list[float], out_sizes: list[int]) -> Any:
    """Resize ``t`` to ``out_sizes``; ``scales`` are the factors ONNX's
    coordinate transform uses."""
    x = ctx.op(t, "X")
    r = x.rank
    if nearest not in _NEAREST_MODES:
        raise ctx.invalid(f"nearest_mode {nearest!r} is not one of ONNX's "
                          f"{', '.join(_NEAREST_MODES)}")
    if mode not in ("nearest", "linear"):
        raise ctx.fail(f"mode {mode!r}: WebNN resamples only nearest-neighbor or "
                       f"linear")
    if transform == "tf_crop_and_resize":
        raise ctx.fail("coordinate_transformation_mode 'tf_crop_and_resize' has "
                       "no WebNN counterpart")
    in_sizes = list(x.shape)
    if any(o <= 0 for o in out_sizes):
        raise ctx.fail(f"output sizes {out_sizes} are empty")
    if any(o >= 2**32 for o in out_sizes):
        raise ctx.fail(f"output sizes {out_sizes}: WebNN dimensions are below 2**32")
    axes = [a for a in range(r)
            if not (out_sizes[a] == in_sizes[a] and scales[a] == 1.0)]
    if not axes:
        return t
    if len(axes) > 2:
        raise ctx.fail(f"axes {axes} are resized; WebNN resamples at most 2 axes")
    for a in axes:
        if out_sizes[a] * in_sizes[a] * 8 > fold_limit(0):  # its matrix, made here
            raise ctx.fail(f"resizing axis {a} from {in_sizes[a]} to {out_sizes[a]} "
                           f"is too large to build its sampling matrix")
        want = onnx_sampling(mode, transform, in_sizes[a], out_sizes[a], scales[a],
                             nearest)
        if want is None:
            raise ctx.fail(f"coordinate_transformation_mode {transform!r} is not "
                           f"supported")
        got = webnn_sampling(mode, in_sizes[a], out_sizes[a])
        if not np.allclose(want, got, rtol=0, atol=1e-9):
            how = f" and nearest_mode {nearest!r}" if mode == "nearest" else ""
            webnn = "half-pixel, round half down" if mode == "nearest" else \
                "half-pixel"
            raise ctx.fail(
                f"{mode} with coordinate_transformation_mode {transform!r}{how} "
                f"samples axis {a} ({in_sizes[a]} -> {out_sizes[a]}) differently "
                f"from WebNN's resample2d ({webnn})")
    if r > 4:
        raise ctx.fail(f"input has rank {r}; resample2d takes 4-D input")
    shift = 4 - r
    x4 = ctx.b.reshape(x, [1] * shift + in_sizes) if shift else x
    w_axes = [a + shift for a in axes]
    if len(w_axes) == 1:
        w_axes = [w_axes[0] - 1, w_axes[0]] if w_axes[0] > 0 else [0, 1]
    full = [1] * shift + list(out_sizes)
    y = ctx.b.resample2d(x4, mode="nearest-neighbor" if mode == "nearest" else "linear",
                         sizes=[full[a] for a in w_axes], axes=w_axes)
    if shift:
        y = ctx.b.reshape(y, list(out_sizes))
    return ctx.tensor_of(y, t)


def _from_scales(ctx: ImportContext, shape: list[int], scales: list[float]
                 ) -> list[int]:
    """ONNX's output sizes floor(size * scale): one finite positive scale per
    axis."""
    if len(scales) != len(shape):
        raise ctx.invalid(f"scales {scales} have {len(scales)} values for a "
                          f"rank-{len(shape)} input")
    if not all(math.isfinite(s) and s > 0 for s in scales):
        raise ctx.invalid(f"scales {scales}: each must be a finite number above 0")
    return [math.floor(i * s) for i, s in zip(shape, scales, strict=True)]


def _resize(ctx: ImportContext, node: NodeInfo, inputs: list[Tensor | None],
            attrs: dict[str, Any]) -> list[Any]:
    t = inputs[0]
    assert t is not None
    r = t.rank
    in_shape = list(t.shape)
    mode = attrs.get("mode", "nearest")
    if node.version < 11:
        s_t = inputs[1]
        assert s_t is not None
        scales = [float(v) for v in np.asarray(ctx.const(s_t, "scales")).reshape(-1)]
        # Resize-10: asymmetric coordinates; nearest rounds down
        return [_resize_impl(ctx, t, mode, "asymmetric", "floor", scales,
                             _from_scales(ctx, in_shape, scales))]
    transform = attrs.get("coordinate_transformation_mode", "half_pixel")
    nearest = attrs.get("nearest_mode", "round_prefer_floor")
    s_t, z_t = present(inputs, 2), present(inputs, 3)
    scales_v = None if s_t is None else ctx.const(s_t, "scales")
    sizes_v = None if z_t is None else ctx.const(z_t, "sizes")
    if scales_v is not None and scales_v.size == 0:
        scales_v = None
    if sizes_v is not None and sizes_v.size == 0:
        sizes_v = None
    axes_a = attrs.get("axes")
    axes = list(range(r)) if axes_a is None else norm_axes(ctx, list(axes_a), r)
    scales = [1.0] * r
    if 0 in in_shape:
        raise ctx.fail(f"input has shape {in_shape}: WebNN has no empty tensors")
    if sizes_v is not None:
        given = [int(v) for v in sizes_v.reshape(-1)]
        if len(given) != len(axes):
            raise ctx.fail(f"sizes {given} do not match axes {axes}")
        policy = attrs.get("keep_aspect_ratio_policy", "stretch")
        out = list(in_shape)
        if policy == "stretch":
            for i, a in enumerate(axes):
                out[a] = given[i]
                scales[a] = given[i] / in_shape[a]
        else:
            ratios = [given[i] / in_shape[a] for i, a in enumerate(axes)]
            common = min(ratios) if policy == "not_larger" else max(ratios)
            for a in axes:
                out[a] = math.floor(in_shape[a] * common + 0.5)
                scales[a] = common
    elif scales_v is not None:
        given_s = [float(v) for v in scales_v.reshape(-1)]
        if len(given_s) != len(axes):
            raise ctx.fail(f"scales {given_s} do not match axes {axes}")
        for i, a in enumerate(axes):
            scales[a] = given_s[i]
        out = _from_scales(ctx, in_shape, scales)
    else:
        raise ctx.fail("neither scales nor sizes is given")
    if int(attrs.get("antialias", 0)) and mode != "nearest" and \
            any(o < i for o, i in zip(out, in_shape, strict=True)):
        raise ctx.fail("antialiased downscaling has no WebNN counterpart")
    return [_resize_impl(ctx, t, mode, transform, nearest, scales, out)]


def _upsample(ctx: ImportContext, node: NodeInfo, inputs: list[Tensor | None],
              attrs: dict[str, Any]) -> list[Any]:
    t = inputs[0]
    assert t is not None
    mode = attrs.get("mode", "nearest")
    if node.version < 9:
        scales = [float(v) for v in attrs.get("scales", [])]
    else:
        s_t = inputs[1]
        assert s_t is not None
        scales = [float(v) for v in np.asarray(ctx.const(s_t, "scales")).reshape(-1)]
    if mode == "bilinear":
        mode = "linear"
    # Upsample: asymmetric coordinates, nearest rounds down
    return [_resize_impl(ctx, t, mode, "asymmetric", "floor", scales,
                         _from_scales(ctx, list(t.shape), scales))]


HANDLERS = {
    "Resize": ((10, 19, _resize),),
    "Upsample": ((7, 10, _upsample),),
}
