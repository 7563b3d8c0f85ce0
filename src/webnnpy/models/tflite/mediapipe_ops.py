"""MediaPipe's custom TFLite operators as WebNN graphs.

MediaPipe's attention face-landmark model (``face_landmark_with_attention``)
uses three custom operators whose kernels live in MediaPipe
(``mediapipe/util/tflite/operations``), not in LiteRT.  Their behaviour is
documented there and in the TFLite GPU delegate's parsers of their options;
written here from that description (version 2 of each, the one the model
uses), through the public builder only:

- ``Landmarks2TransformMatrix`` (options: ``left_rotation_idx``,
  ``right_rotation_idx``, ``subset_idxs``, ``target_rotation_radians``,
  ``output_height``, ``output_width``, ``scale_x``, ``scale_y``): landmarks
  [1, N, 3] -> a 4 x 4 affine matrix.  The rotation is
  ``r = target - atan2(dy, dx)`` between the two rotation landmarks; the subset
  landmarks, rotated by ``r``, give a box (min/max) whose centre, rotated back,
  and size give ``T = shift(centre) · rot(-r) · scale(scale_x · width /
  output_width, scale_y · height / output_height) · shift(-output_width / 2,
  -output_height / 2)``.  WebNN has no atan2; ``cos r`` and ``sin r`` come
  from the unit vector ``(dx, dy) / |(dx, dy)|`` instead (``cos(t - θ) =
  cos t cos θ + sin t sin θ``; ``|d| = 0`` is ``θ = 0``, as ``atan2(0, 0)``).
- ``TransformTensorBilinear`` (options: ``output_height``, ``output_width``):
  input [1, H, W, C], matrix [1, 4, 4] -> [1, oh, ow, C]; output pixel (x, y)
  samples the input at ``(M[0] · (x, y, 0, 1), M[1] · (x, y, 0, 1))`` after
  version 2's half-pixel correction (``M[i][3] += (M[i][0] + M[i][1] - 1) /
  2``), bilinearly; a sample outside ``[0, W - 1] x [0, H - 1]`` is 0.  A grid
  sample: source coordinates computed in the graph, the four corners
  gathered from the flattened input, weighted as the kernel weights them.
- ``TransformLandmarks``: landmarks [1, N, D] (D = 2 or 3), matrix [1, 4, 4]
  -> (x, y) replaced by ``(M[0] · (x, y, 0, 1), M[1] · (x, y, 0, 1))``, z kept.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from webnnpy import MLOperand
from webnnpy.models.tflite.ops import Unsupported, Value, handler

if TYPE_CHECKING:
    from webnnpy.models.tflite.importer import Build
    from webnnpy.models.tflite.reader import OperatorInfo

__all__ = ["custom_options_map"]


def custom_options_map(op: OperatorInfo) -> dict[str, Any]:
    """The operator's custom options, a FlexBuffer map (``{}`` if empty)."""
    if not op.custom_options:
        return {}
    from flatbuffers import flexbuffers

    try:
        m = flexbuffers.Loads(op.custom_options)
    except Exception as e:  # noqa: BLE001 - any decoding failure is a bad file
        raise Unsupported(f"custom options are not a FlexBuffer map "
                          f"({type(e).__name__}: {e})") from None
    if not isinstance(m, dict):
        raise Unsupported(f"custom options are a {type(m).__name__}, not a "
                          f"FlexBuffer map")
    return m


def _version2(op: OperatorInfo) -> None:
    if op.version != 2:
        raise Unsupported(f"version {op.version}: only version 2 (the one "
                          f"MediaPipe's models use) is mapped")


def _int_opt(m: dict[str, Any], key: str, low: int) -> int:
    v = m.get(key)
    if isinstance(v, bool) or not isinstance(v, int) or v < low:
        raise Unsupported(f"option {key!r} = {v!r}; expected an integer >= {low}")
    return v


def _float_opt(m: dict[str, Any], key: str, *, positive: bool) -> float:
    v = m.get(key)
    if isinstance(v, bool) or not isinstance(v, int | float) or not np.isfinite(v) \
            or (positive and v <= 0):
        raise Unsupported(f"option {key!r} = {v!r}; expected a "
                          f"{'positive ' if positive else ''}finite number")
    return float(v)


def _f32(x: MLOperand, what: str) -> None:
    if x.data_type != "float32":
        raise Unsupported(f"{what} is {x.data_type}; the kernel takes float32")


def _matrix_rows(b: Build, op: OperatorInfo, pos: int) -> list[list[MLOperand]]:
    """Rows 0 and 1 of the [1, 4, 4] matrix input as [1, 1] operands."""
    g = b.builder
    m = b.operand(op, pos)
    _f32(m, "the matrix")
    if list(m.shape) != [1, 4, 4]:
        raise Unsupported(f"the matrix is {list(m.shape)}; expected [1, 4, 4]")
    flat = g.reshape(m, [16])
    return [[g.reshape(g.slice(flat, [4 * r + c], [1]), [1, 1]) for c in range(4)]
            for r in range(2)]


@handler("CUSTOM:Landmarks2TransformMatrix", quant=False)
def _landmarks_to_transform_matrix(b: Build, op: OperatorInfo) -> list[Value]:
    _version2(op)
    opts = custom_options_map(op)
    g = b.builder
    lm = b.operand(op, 0)
    _f32(lm, "the landmarks")
    if len(lm.shape) != 3 or lm.shape[0] != 1 or lm.shape[2] < 2:
        raise Unsupported(f"landmarks are {list(lm.shape)}; expected [1, N, 2 or 3]")
    n = lm.shape[1]
    left = _int_opt(opts, "left_rotation_idx", 0)
    right = _int_opt(opts, "right_rotation_idx", 0)
    out_h = _int_opt(opts, "output_height", 1)
    out_w = _int_opt(opts, "output_width", 1)
    scale_x = _float_opt(opts, "scale_x", positive=True)
    scale_y = _float_opt(opts, "scale_y", positive=True)
    target = _float_opt(opts, "target_rotation_radians", positive=False) \
        if "target_rotation_radians" in opts else 0.0
    subset = opts.get("subset_idxs")
    if not isinstance(subset, list) or not subset or not all(
            isinstance(i, int) and not isinstance(i, bool) for i in subset):
        raise Unsupported(f"option 'subset_idxs' = {subset!r}; expected a "
                          f"non-empty list of landmark indices")
    bad = [i for i in [left, right, *subset] if not 0 <= i < n]
    if bad:
        raise Unsupported(f"landmark index {bad[0]} is outside the {n} landmarks")

    def const(v: float) -> MLOperand:
        return g.constant(np.full((1, 1), v, np.float32))

    xy = g.slice(g.reshape(lm, [n, lm.shape[2]]), [0, 0], [n, 2])
    ends = g.gather(xy, g.constant(np.array([left, right], np.int32)), axis=0)
    d = g.sub(g.slice(ends, [1, 0], [1, 2]), g.slice(ends, [0, 0], [1, 2]))
    dx, dy = g.slice(d, [0, 0], [1, 1]), g.slice(d, [0, 1], [1, 1])
    norm = g.sqrt(g.add(g.mul(dx, dx), g.mul(dy, dy)))
    some = g.greater(norm, const(0.0))
    safe = g.where(some, norm, const(1.0))
    cos_t = g.where(some, g.div(dx, safe), const(1.0))   # cos θ, θ = atan2(dy, dx)
    sin_t = g.where(some, g.div(dy, safe), const(0.0))
    ct, st = float(np.cos(np.float32(target))), float(np.sin(np.float32(target)))
    if target == 0.0:
        c, s = cos_t, g.neg(sin_t)                        # r = -θ
    else:                                                 # r = target - θ
        c = g.add(g.mul(const(ct), cos_t), g.mul(const(st), sin_t))
        s = g.sub(g.mul(const(st), cos_t), g.mul(const(ct), sin_t))
    pts = g.gather(xy, g.constant(np.asarray(subset, np.int32)), axis=0)  # [K, 2]
    px, py = g.slice(pts, [0, 0], [len(subset), 1]), g.slice(pts, [0, 1],
                                                             [len(subset), 1])
    rx = g.sub(g.mul(c, px), g.mul(s, py))
    ry = g.add(g.mul(s, px), g.mul(c, py))
    hi_x, lo_x = g.reduce_max(rx, keep_dimensions=True), g.reduce_min(
        rx, keep_dimensions=True)
    hi_y, lo_y = g.reduce_max(ry, keep_dimensions=True), g.reduce_min(
        ry, keep_dimensions=True)
    half = const(0.5)
    mx, my = g.mul(g.add(lo_x, hi_x), half), g.mul(g.add(lo_y, hi_y), half)
    cx = g.add(g.mul(c, mx), g.mul(s, my))                # rotated back by -r
    cy = g.sub(g.mul(c, my), g.mul(s, mx))
    sx = g.mul(const(scale_x / out_w), g.sub(hi_x, lo_x))
    sy = g.mul(const(scale_y / out_h), g.sub(hi_y, lo_y))
    # T = shift(cx, cy) · rot(-r) · scale(sx, sy) · shift(-out_w / 2, -out_h / 2)
    a00, a01 = g.mul(c, sx), g.mul(s, sy)
    a10, a11 = g.mul(g.neg(s), sx), g.mul(c, sy)
    hx, hy = const(-out_w / 2.0), const(-out_h / 2.0)
    t03 = g.add(g.add(g.mul(a00, hx), g.mul(a01, hy)), cx)
    t13 = g.add(g.add(g.mul(a10, hx), g.mul(a11, hy)), cy)
    zero, one = const(0.0), const(1.0)
    rows = [g.concat(r, 1) for r in ([a00, a01, zero, t03], [a10, a11, zero, t13],
                                     [zero, zero, one, zero],
                                     [zero, zero, zero, one])]
    return [g.reshape(g.concat(rows, 0), [1, 4, 4])]


@handler("CUSTOM:TransformTensorBilinear", quant=False)
def _transform_tensor_bilinear(b: Build, op: OperatorInfo) -> list[Value]:
    _version2(op)
    opts = custom_options_map(op)
    g = b.builder
    x = b.operand(op, 0)
    _f32(x, "the input")
    if len(x.shape) != 4 or x.shape[0] != 1:
        raise Unsupported(f"input is {list(x.shape)}; expected [1, H, W, C]")
    _, h, w, ch = x.shape
    out_h = _int_opt(opts, "output_height", 1)
    out_w = _int_opt(opts, "output_width", 1)
    (m0, m1, _m2, m3), (n0, n1, _n2, n3) = _matrix_rows(b, op, 1)

    def const(v: float) -> MLOperand:
        return g.constant(np.full((1, 1), v, np.float32))

    half = const(0.5)
    # version 2's half-pixel correction of the translation column
    t_x = g.add(m3, g.sub(g.add(g.mul(m0, half), g.mul(m1, half)), half))
    t_y = g.add(n3, g.sub(g.add(g.mul(n0, half), g.mul(n1, half)), half))
    oy, ox = np.meshgrid(np.arange(out_h, dtype=np.float32),
                         np.arange(out_w, dtype=np.float32), indexing="ij")
    gx = g.constant(ox.reshape(-1, 1))
    gy = g.constant(oy.reshape(-1, 1))
    sx = g.add(g.add(g.mul(m0, gx), g.mul(m1, gy)), t_x)     # [P, 1]
    sy = g.add(g.add(g.mul(n0, gx), g.mul(n1, gy)), t_y)
    inside = g.logical_and(
        g.logical_and(g.greater_or_equal(sx, const(0.0)),
                      g.lesser_or_equal(sx, const(w - 1.0))),
        g.logical_and(g.greater_or_equal(sy, const(0.0)),
                      g.lesser_or_equal(sy, const(h - 1.0))))
    # outside samples (NaN included) read pixel (0, 0) and are zeroed below
    sx = g.where(inside, sx, const(0.0))
    sy = g.where(inside, sy, const(0.0))
    fx, fy = g.floor(sx), g.floor(sy)
    wx, wy = g.sub(sx, fx), g.sub(sy, fy)
    # Index arithmetic in float32 (exact: integers below h * w < 2**24),
    # cast to int32 once for the gathers: Chromium's WebNN (LiteRT) has no
    # int32 clamp, so an int32 index computation would not run there.
    if h * w >= 2**24:
        raise Unsupported(f"the image has {h * w} pixels; float32 indices are "
                          f"exact only below 2**24")
    fx1 = g.clamp(g.add(fx, const(1.0)), max_value=w - 1.0)
    fy1 = g.clamp(g.add(fy, const(1.0)), max_value=h - 1.0)
    width = const(float(w))
    flat = g.reshape(x, [h * w, ch])
    p = out_h * out_w

    def corner(iy: MLOperand, ix: MLOperand) -> MLOperand:
        idx = g.cast(g.reshape(g.add(g.mul(iy, width), ix), [p]), "int32")
        return g.gather(flat, idx, axis=0)                   # [P, C]

    # an index clamped at the last row/column has weight 0 (the kernel reads
    # 0 there): same value for finite data
    q11, q21 = corner(fy, fx), corner(fy, fx1)
    q12, q22 = corner(fy1, fx), corner(fy1, fx1)
    one = const(1.0)
    ux, uy = g.sub(one, wx), g.sub(one, wy)
    upper = g.add(g.mul(ux, q11), g.mul(wx, q21))
    lower = g.add(g.mul(ux, q12), g.mul(wx, q22))
    y = g.add(g.mul(wy, lower), g.mul(uy, upper))
    y = g.where(inside, y, g.constant(np.zeros((1, 1), np.float32)))
    return [g.reshape(y, [1, out_h, out_w, ch])]


@handler("CUSTOM:TransformLandmarks", quant=False)
def _transform_landmarks(b: Build, op: OperatorInfo) -> list[Value]:
    _version2(op)
    g = b.builder
    lm = b.operand(op, 0)
    _f32(lm, "the landmarks")
    if len(lm.shape) != 3 or lm.shape[2] not in (2, 3):
        raise Unsupported(f"landmarks are {list(lm.shape)}; expected [B, N, 2 or 3]")
    (m0, m1, m2, m3), (n0, n1, n2, n3) = _matrix_rows(b, op, 1)
    bn, n, d = lm.shape
    x = g.slice(lm, [0, 0, 0], [bn, n, 1])
    y = g.slice(lm, [0, 0, 1], [bn, n, 1])
    zero = g.constant(np.zeros((1, 1), np.float32))
    # M[i] · (x, y, 0, 1), summed left to right as the kernel does
    tx = g.add(g.add(g.add(g.mul(m0, x), g.mul(m1, y)), g.mul(m2, zero)), m3)
    ty = g.add(g.add(g.add(g.mul(n0, x), g.mul(n1, y)), g.mul(n2, zero)), n3)
    parts = [tx, ty] + ([g.slice(lm, [0, 0, 2], [bn, n, 1])] if d == 3 else [])
    return [g.concat(parts, 2)]
